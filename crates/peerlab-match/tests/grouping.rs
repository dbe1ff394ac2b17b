//! The diverse-grouping search against proven optima of the small MDGPLIB instances (a copy
//! of the n = 10 and n = 12 files of the shared benchmark folder, kept in `fixtures/mdgp` so
//! the repository tests itself), plus property tests on random instances and the error cases of
//! the constructors.

use peerlab_match::grouping::{solve, GroupingError, Instance, Solution};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::PathBuf;

// A missing folder is a broken checkout, so the tests that need it fail loudly instead of
// passing without having checked anything.
fn bench_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mdgp");
    assert!(
        dir.join("exact_small.csv").is_file(),
        "the MDGP benchmark is missing: expected {} with exact_small.csv and instances/",
        dir.display()
    );
    dir
}

fn solve_iterations(inst: &Instance, seed: u64, iterations: u64) -> Solution {
    let mut rng = StdRng::seed_from_u64(seed);
    solve(inst, &mut rng, &mut |done| done >= iterations)
}

#[test]
fn small_instances_reach_the_proven_optimum() {
    let dir = bench_dir();
    let csv = std::fs::read_to_string(dir.join("exact_small.csv")).expect("exact_small.csv");
    let mut checked = 0;
    for line in csv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        let (name, optimum): (&str, f64) = (f[0], f[4].parse().expect("optimum"));
        let text = std::fs::read_to_string(dir.join("instances").join(format!("{name}.txt")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let inst = Instance::parse_mdgplib(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(inst.n() == 10 || inst.n() == 12, "{name}: n = {}", inst.n());
        let sol = solve_iterations(&inst, 1, 2_000);
        assert!(inst.is_feasible(&sol.groups), "{name}: infeasible");
        assert!(
            (sol.objective - optimum).abs() <= 1e-6 * optimum.abs().max(1.0),
            "{name}: found {} but the optimum is {optimum}",
            sol.objective
        );
        checked += 1;
    }
    assert_eq!(checked, 120, "exact_small.csv should list 120 instances");
}

// Random bounds that admit n people: a random minimum and a random slack per group, then the
// minimums are trimmed or the slack widened until n fits.
fn random_instance(rng: &mut StdRng) -> Instance {
    let n = rng.gen_range(4..=40);
    let groups = rng.gen_range(1..=n.min(8));
    let mut bounds: Vec<(usize, usize)> = (0..groups)
        .map(|_| {
            let lo = rng.gen_range(0..=n / groups);
            (lo, lo + rng.gen_range(0..=3))
        })
        .collect();
    while bounds.iter().map(|b| b.1).sum::<usize>() < n {
        let g = rng.gen_range(0..groups);
        bounds[g].1 += 1;
    }
    let d: Vec<f64> = (0..n * n).map(|_| rng.gen_range(0.0..100.0)).collect();
    Instance::new(n, bounds, |i, j| d[i * n + j]).expect("feasible bounds")
}

#[test]
fn random_instances_give_feasible_consistent_reproducible_solutions() {
    let mut rng = StdRng::seed_from_u64(7);
    for case in 0..200 {
        let inst = random_instance(&mut rng);
        let iterations = rng.gen_range(1..200);
        let seed = rng.gen();
        let sol = solve_iterations(&inst, seed, iterations);
        assert!(
            inst.is_feasible(&sol.groups),
            "case {case}: infeasible {:?} for bounds {:?}",
            sol.groups,
            inst.bounds()
        );
        let recomputed = inst.objective(&sol.groups);
        assert!(
            (sol.objective - recomputed).abs() <= 1e-9 * recomputed.abs().max(1.0),
            "case {case}: reported {} but the groups score {recomputed}",
            sol.objective
        );
        assert_eq!(sol.iterations, iterations, "case {case}");
        assert_eq!(
            solve_iterations(&inst, seed, iterations),
            sol,
            "case {case}: same seed and stop, different answer"
        );
    }
}

#[test]
fn stop_rule_is_honoured_and_empty_instances_work() {
    let inst = Instance::new(6, vec![(3, 3), (3, 3)], |i, j| (i * j) as f64).expect("ok");
    let sol = solve_iterations(&inst, 3, 0);
    assert!(inst.is_feasible(&sol.groups));
    assert_eq!(sol.iterations, 1, "one local search always completes");
    let empty = Instance::new(0, vec![(0, 2)], |_, _| 1.0).expect("ok");
    assert_eq!(solve_iterations(&empty, 3, 10).groups, Vec::<usize>::new());
}

#[test]
fn instance_new_rejects_bad_bounds_and_distances() {
    let d = |_: usize, _: usize| 1.0;
    assert_eq!(
        Instance::new(4, vec![], d).expect_err("should be rejected"),
        GroupingError::NoGroups
    );
    assert_eq!(
        Instance::new(4, vec![(3, 2), (0, 4)], d).expect_err("should be rejected"),
        GroupingError::MinAboveMax {
            group: 0,
            min: 3,
            max: 2
        }
    );
    let too_many = Instance::new(10, vec![(2, 4), (1, 3)], d).expect_err("should be rejected");
    assert_eq!(
        too_many,
        GroupingError::InfeasibleBounds {
            n: 10,
            min_total: 3,
            max_total: 7
        }
    );
    assert_eq!(
        too_many.to_string(),
        "10 people cannot fill groups whose sizes sum to between 3 and 7"
    );
    assert!(matches!(
        Instance::new(2, vec![(3, 4), (0, 1)], d).expect_err("should be rejected"),
        GroupingError::InfeasibleBounds {
            n: 2,
            min_total: 3,
            max_total: 5
        }
    ));
    assert_eq!(
        Instance::new(3, vec![(0, 3)], |i, j| if i == 1 && j == 2 {
            f64::NAN
        } else {
            1.0
        })
        .expect_err("should be rejected"),
        GroupingError::NonFiniteDistance { i: 1, j: 2 }
    );
}

#[test]
fn parse_reads_a_small_instance() {
    let text = "4 2 ss 2 2 2 2 \n0 1 1.5\n0 2 2\n0 3 3\n1 2 4\n1 3 5\n2 3 6.25\n";
    let inst = Instance::parse_mdgplib(text).expect("valid");
    assert_eq!(inst.n(), 4);
    assert_eq!(inst.bounds(), &[(2, 2), (2, 2)]);
    assert_eq!(inst.distance(3, 2), 6.25);
    assert_eq!(inst.distance(1, 1), 0.0);
    assert_eq!(inst.objective(&[0, 0, 1, 1]), 1.5 + 6.25);
    assert!(inst.is_feasible(&[0, 1, 0, 1]));
    assert!(!inst.is_feasible(&[0, 0, 0, 1]));
    assert!(!inst.is_feasible(&[0, 1, 2, 1]));
    assert!(!inst.is_feasible(&[0, 1, 0]));
    let best = solve_iterations(&inst, 1, 50);
    // The three splits score 1.5 + 6.25, 2 + 5 and 3 + 4.
    assert_eq!(best.objective, 7.75);
}

fn parse_error(text: &str) -> String {
    Instance::parse_mdgplib(text)
        .expect_err("should be rejected")
        .to_string()
}

#[test]
fn parse_errors_name_the_line() {
    assert!(parse_error("").contains("empty"));
    assert_eq!(
        parse_error("3 x ss 1 2"),
        "line 1: the group count G must be a non-negative integer, not \"x\""
    );
    assert_eq!(
        parse_error("3 1 zz 1 3"),
        "line 1: the type must be \"ss\" or \"ds\", not \"zz\""
    );
    assert_eq!(
        parse_error("3 2 ds 1 3"),
        "line 1: the header has 2 size bounds but G = 2 groups need 4"
    );
    assert_eq!(
        parse_error("3 1 ss 4 4\n0 1 1\n0 2 1\n1 2 1\n"),
        "3 people cannot fill groups whose sizes sum to between 4 and 4"
    );
    assert_eq!(
        parse_error("3 1 ss 3 3\n0 1 1\n0 2\n1 2 1\n"),
        "line 3: expected \"i j d_ij\" but found 2 fields"
    );
    assert_eq!(
        parse_error("3 1 ss 3 3\n0 1 1\n0 5 1\n1 2 1\n"),
        "line 3: person 5 is out of range for n = 3"
    );
    assert_eq!(
        parse_error("3 1 ss 3 3\n0 1 1\n0 2 abc\n1 2 1\n"),
        "line 3: \"abc\" is not a finite distance"
    );
    assert_eq!(
        parse_error("3 1 ss 3 3\n0 1 1\n1 0 1\n1 2 1\n"),
        "line 3: pair (1, 0) appears twice"
    );
    assert_eq!(
        parse_error("3 1 ss 3 3\n0 1 1\n1 1 1\n"),
        "line 3: pair (1, 1) joins a person to themself"
    );
    assert_eq!(
        Instance::parse_mdgplib("3 1 ss 3 3\n0 1 1\n0 2 1\n").expect_err("should be rejected"),
        GroupingError::WrongPairCount {
            expected: 3,
            found: 2
        }
    );
    assert!(Instance::parse_mdgplib("3 1 ss 3 3\n0 1 1\n0 2 1\n\n1 2 1\n").is_ok());
}
