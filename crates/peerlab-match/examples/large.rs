//! The grouping search at the product's largest size: 10,000 people in 2,000 groups of 5,
//! with uniform random distances in [0, 1) drawn from a seed.
//!
//! ```text
//! cargo run --release -p peerlab-match --example large -- [--n N] [--size S] [--seed N] [--seconds A,B,...]
//! ```
//!
//! Prints the time to build the instance, the time to the first local optimum and its
//! objective, then for each budget (10 and 30 seconds unless told) the objective and the
//! number of iterations. Each budget is a separate run from the same seed, so the figures are
//! those a caller with that budget would get.

// An example program, not the library: it reads its arguments and times the search,
// which the crate itself never does (see clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use peerlab_match::grouping::{solve, Instance};
use rand::SeedableRng;
use std::time::{Duration, Instant};

// SplitMix64, so that the distance of a pair depends only on the seed and the pair and the
// instance needs no second n × n table to draw from.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn main() {
    let mut n = 10_000usize;
    let mut size = 5usize;
    let mut seed = 1u64;
    let mut budgets = vec![10.0, 30.0];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--n" => n = value.parse().expect("--n"),
            "--size" => size = value.parse().expect("--size"),
            "--seed" => seed = value.parse().expect("--seed"),
            "--seconds" => {
                budgets = value
                    .split(',')
                    .map(|s| s.parse().expect("--seconds"))
                    .collect()
            }
            _ => panic!("unknown argument {a}"),
        }
    }
    assert_eq!(n / size * size, n, "n must be a multiple of the group size");
    let groups = n / size;

    let start = Instant::now();
    let salt = mix(seed);
    let inst = Instance::new(n, vec![(size, size); groups], |i, j| {
        (mix(salt ^ (i as u64) << 32 ^ j as u64) >> 11) as f64 / (1u64 << 53) as f64
    })
    .expect("feasible");
    println!(
        "n = {n}, {groups} groups of {size}: built in {:.2} s (distance matrix {} MB, gain table {} MB)",
        start.elapsed().as_secs_f64(),
        n * n * 8 / 1_000_000,
        n * groups * 8 / 1_000_000
    );

    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let start = Instant::now();
    let first = solve(&inst, &mut rng, &mut |done| done >= 1);
    println!(
        "first local optimum: {:.3} s, objective {:.3}",
        start.elapsed().as_secs_f64(),
        first.objective
    );

    for &seconds in &budgets {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let start = Instant::now();
        let deadline = start + Duration::from_secs_f64(seconds);
        let sol = solve(&inst, &mut rng, &mut |_| Instant::now() >= deadline);
        assert!(inst.is_feasible(&sol.groups));
        println!(
            "{seconds} s: objective {:.3}, {} iterations ({:.2} s)",
            sol.objective,
            sol.iterations,
            start.elapsed().as_secs_f64()
        );
    }
}
