//! The diverse-grouping search against proven optima of the small MDGPLIB instances (a copy
//! of the n = 10 and n = 12 files of the shared benchmark folder, kept in `fixtures/mdgp` so
//! the repository tests itself), plus property tests on random instances and the error cases of
//! the constructors.

// Tests read their fixture files; the library itself never touches the file system.
#![allow(clippy::disallowed_methods)]

use peerlab_match::grouping::{solve, Constraint, GroupingError, Instance, Solution};
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

// Every assignment of n people to the groups of `inst` that meets the bounds, as
// (groups, objective, broken pairs), by enumeration. Only for tiny instances.
fn enumerate(inst: &Instance) -> Vec<(Vec<usize>, f64, usize)> {
    let (n, gs) = (inst.n(), inst.bounds().len());
    let mut out = Vec::new();
    let mut groups = vec![0usize; n];
    loop {
        if inst.is_feasible(&groups) {
            let mut value = 0.0;
            for i in 0..n {
                for j in i + 1..n {
                    if groups[i] == groups[j] {
                        value += inst.distance(i, j);
                    }
                }
            }
            out.push((groups.clone(), value, inst.broken(&groups).len()));
        }
        // The next assignment in base-gs counting order.
        let mut k = 0;
        while k < n && groups[k] == gs - 1 {
            groups[k] = 0;
            k += 1;
        }
        if k == n {
            return out;
        }
        groups[k] += 1;
    }
}

// Up to `count` random pairs of distinct people below n, in random order within the pair.
fn random_pairs(rng: &mut StdRng, n: usize, count: usize) -> Vec<(usize, usize)> {
    (0..count)
        .map(|_| {
            let i = rng.gen_range(0..n);
            let j = (i + rng.gen_range(1..n)) % n;
            (i, j)
        })
        .collect()
}

// The pairs `groups` breaks, recounted from the lists given to `with_constraints`.
fn naive_broken(
    apart: &[(usize, usize)],
    together: &[(usize, usize)],
    groups: &[usize],
) -> Vec<(usize, usize, Constraint)> {
    let mut out = Vec::new();
    for &(i, j) in apart {
        if groups[i] == groups[j] {
            out.push((i.min(j), i.max(j), Constraint::KeepApart));
        }
    }
    for &(i, j) in together {
        if groups[i] != groups[j] {
            out.push((i.min(j), i.max(j), Constraint::KeepTogether));
        }
    }
    out.sort_by_key(|&(i, j, _)| (i, j));
    out.dedup();
    out
}

#[test]
fn constrained_small_instances_reach_the_optimum_among_assignments_that_keep_every_pair() {
    let mut rng = StdRng::seed_from_u64(11);
    let (mut checked, mut unmeetable) = (0, 0);
    while checked < 300 {
        let n = rng.gen_range(3..=9);
        let gs = rng.gen_range(2..=3);
        let mut bounds: Vec<(usize, usize)> = (0..gs)
            .map(|_| {
                let lo = rng.gen_range(0..=n / gs);
                (lo, lo + rng.gen_range(0..=2))
            })
            .collect();
        while bounds.iter().map(|b| b.1).sum::<usize>() < n {
            let g = rng.gen_range(0..gs);
            bounds[g].1 += 1;
        }
        // Some instances have negative distances, so that the penalty must outweigh |d|.
        let low = if rng.gen_bool(0.3) { -50.0 } else { 0.0 };
        let d: Vec<f64> = (0..n * n).map(|_| rng.gen_range(low..100.0)).collect();
        let (a, t) = (rng.gen_range(0..=n / 2 + 1), rng.gen_range(0..=n / 3));
        let apart = random_pairs(&mut rng, n, a);
        let together = random_pairs(&mut rng, n, t);
        let Ok(inst) = Instance::new(n, bounds, |i, j| d[i * n + j])
            .expect("feasible bounds")
            .with_constraints(&apart, &together)
        else {
            continue;
        };
        let all = enumerate(&inst);
        let fewest = all.iter().map(|a| a.2).min().expect("feasible bounds");
        let optimum = all
            .iter()
            .filter(|a| a.2 == fewest)
            .map(|a| a.1)
            .fold(f64::NEG_INFINITY, f64::max);
        let sol = solve_iterations(&inst, rng.gen(), 300);
        assert!(inst.is_feasible(&sol.groups), "case {checked}: infeasible");
        assert_eq!(sol.broken, inst.broken(&sol.groups), "case {checked}");
        assert_eq!(
            sol.broken,
            naive_broken(&apart, &together, &sol.groups),
            "case {checked}"
        );
        assert_eq!(
            sol.broken.len(),
            fewest,
            "case {checked}: {:?} breaks {:?} but {fewest} broken pairs is possible",
            sol.groups,
            sol.broken
        );
        assert!(
            (sol.objective - optimum).abs() <= 1e-9 * optimum.abs().max(1.0),
            "case {checked}: found {} but the best with {fewest} broken pairs is {optimum}",
            sol.objective
        );
        if fewest > 0 {
            unmeetable += 1;
        }
        checked += 1;
    }
    // Most cases can keep every pair; a few cannot, and those must break as few as possible.
    assert!(
        (1..150).contains(&unmeetable),
        "{unmeetable} of 300 cases cannot keep every pair"
    );
}

// People in groups of roughly `size`, with `spare` times as many groups as keeping each
// person's (at most two) keep-apart partners elsewhere needs, and a few disjoint
// keep-together pairs.
fn sparse_constrained_instance(
    rng: &mut StdRng,
    n: usize,
    gs: usize,
) -> (Instance, Vec<(usize, usize)>) {
    let lo = n / gs;
    let bounds = vec![(lo.saturating_sub(1), lo + 2); gs];
    let d: Vec<f64> = (0..n * n).map(|_| rng.gen_range(0.0..100.0)).collect();
    let mut degree = vec![0usize; n];
    let mut apart = Vec::new();
    for (i, j) in random_pairs(rng, n, n) {
        if degree[i] < 2 && degree[j] < 2 {
            degree[i] += 1;
            degree[j] += 1;
            apart.push((i, j));
        }
    }
    let mut together = Vec::new();
    for (i, j) in random_pairs(rng, n, n / 10) {
        if degree[i] == 0 && degree[j] == 0 {
            degree[i] = 3;
            degree[j] = 3;
            together.push((i, j));
        }
    }
    let inst = Instance::new(n, bounds, |i, j| d[i * n + j])
        .expect("feasible bounds")
        .with_constraints(&apart, &together)
        .expect("valid constraints");
    (inst, apart)
}

#[test]
fn sparse_keep_apart_pairs_are_all_kept() {
    let mut rng = StdRng::seed_from_u64(13);
    for case in 0..60 {
        let n = rng.gen_range(20..=200);
        // Up to 100 groups, so that some cases take the search for many groups.
        let gs = rng.gen_range(9..=(n / 2).max(9));
        let (inst, apart) = sparse_constrained_instance(&mut rng, n, gs);
        let iterations = rng.gen_range(1..100);
        let seed = rng.gen();
        let sol = solve_iterations(&inst, seed, iterations);
        assert!(inst.is_feasible(&sol.groups), "case {case}: infeasible");
        assert_eq!(
            sol.broken,
            vec![],
            "case {case}: {} apart pairs",
            apart.len()
        );
        assert_eq!(sol.objective, inst.objective(&sol.groups), "case {case}");
        assert_eq!(
            solve_iterations(&inst, seed, iterations),
            sol,
            "case {case}"
        );
    }
}

#[test]
fn constraints_win_over_distance() {
    // 0 and 1 are far apart, so the unconstrained optimum pairs them; keeping them apart
    // costs distance and must still win.
    let d = |i: usize, j: usize| if (i, j) == (0, 1) { 100.0 } else { 1.0 };
    let inst = Instance::new(4, vec![(2, 2), (2, 2)], d).expect("ok");
    let free = solve_iterations(&inst, 1, 20);
    assert_eq!(free.objective, 101.0);
    assert_eq!(free.broken, vec![]);
    let kept = solve_iterations(
        &inst
            .clone()
            .with_constraints(&[(1, 0), (0, 1)], &[])
            .expect("ok"),
        1,
        20,
    );
    assert_ne!(kept.groups[0], kept.groups[1]);
    assert_eq!((kept.objective, kept.broken), (2.0, vec![]));
    // Three people kept pairwise apart with two groups: one pair must break, and only one.
    let three = Instance::new(3, vec![(1, 2), (1, 2)], |_, _| 1.0)
        .expect("ok")
        .with_constraints(&[(0, 1), (1, 2), (0, 2)], &[])
        .expect("ok");
    assert_eq!(solve_iterations(&three, 1, 20).broken.len(), 1);
    // No constraints, or an empty list, change nothing.
    let none = inst.clone().with_constraints(&[], &[]).expect("ok");
    assert_eq!(none, inst);
    assert_eq!(solve_iterations(&none, 1, 20), free);
    // A later call replaces the earlier constraints.
    let replaced = inst
        .clone()
        .with_constraints(&[(0, 1)], &[])
        .expect("ok")
        .with_constraints(&[], &[])
        .expect("ok");
    assert_eq!(replaced, inst);
}

// With distances of -1, 0 and 1, {0, 1, 4} {2, 3, 5} breaks the pair (0, 1) but would be a
// local optimum for a penalty of 3 (the group size times the largest distance): every
// repairing swap loses more than 3. The penalty must outweigh any single step, so that no
// local search ends there.
#[test]
fn the_penalty_outweighs_any_single_step() {
    let d = [
        [0, 1, -1, -1, 1, -1],
        [1, 0, -1, -1, -1, -1],
        [-1, -1, 0, 1, -1, 0],
        [-1, -1, 1, 0, 0, 1],
        [1, -1, -1, 0, 0, 1],
        [-1, -1, 0, 1, 1, 0],
    ];
    let inst = Instance::new(6, vec![(3, 3), (3, 3)], |i, j| f64::from(d[i][j]))
        .expect("ok")
        .with_constraints(&[(0, 1)], &[])
        .expect("ok");
    for seed in 0..100 {
        let first = solve_iterations(&inst, seed, 1);
        assert_eq!(first.broken, vec![], "seed {seed}: {:?}", first.groups);
    }
}

#[test]
fn broken_agrees_with_a_recount() {
    let mut rng = StdRng::seed_from_u64(17);
    for case in 0..200 {
        let n = rng.gen_range(2..=30);
        let gs = rng.gen_range(1..=6);
        let inst = Instance::new(n, vec![(0, n); gs], |_, _| 1.0).expect("ok");
        let (a, t) = (rng.gen_range(0..=n), rng.gen_range(0..=n / 4));
        let apart = random_pairs(&mut rng, n, a);
        let together = random_pairs(&mut rng, n, t);
        let Ok(inst) = inst.with_constraints(&apart, &together) else {
            continue;
        };
        for _ in 0..10 {
            let groups: Vec<usize> = (0..n).map(|_| rng.gen_range(0..gs)).collect();
            assert_eq!(
                inst.broken(&groups),
                naive_broken(&apart, &together, &groups),
                "case {case}: {groups:?}"
            );
        }
    }
}

#[test]
fn with_constraints_rejects_bad_pairs() {
    let inst = Instance::new(6, vec![(0, 3), (0, 3)], |_, _| 1.0).expect("ok");
    let err = |apart: &[(usize, usize)], together: &[(usize, usize)]| {
        inst.clone()
            .with_constraints(apart, together)
            .expect_err("should be rejected")
    };
    let e = err(&[(0, 1)], &[(2, 6)]);
    assert_eq!(e, GroupingError::PersonOutOfRange { person: 6, n: 6 });
    assert_eq!(
        e.to_string(),
        "a constraint names person 6, who is out of range for n = 6"
    );
    let e = err(&[(4, 4)], &[]);
    assert_eq!(e, GroupingError::SelfPair { person: 4 });
    assert_eq!(e.to_string(), "a constraint pairs person 4 with themself");
    let e = err(&[], &[(5, 1), (1, 3), (4, 0), (3, 2)]);
    assert_eq!(
        e,
        GroupingError::TogetherTooLarge {
            members: vec![1, 2, 3, 5],
            max: 3
        }
    );
    assert_eq!(
        e.to_string(),
        "people 1, 2, 3, 5 must be kept together, but no group holds more than 3"
    );
    let e = err(&[(0, 1), (4, 2)], &[(2, 3), (4, 3)]);
    assert_eq!(e, GroupingError::Contradiction { i: 2, j: 4 });
    assert_eq!(
        e.to_string(),
        "2 and 4 must be kept apart, but keep-together constraints link them"
    );
    // The same pair both ways.
    assert_eq!(
        err(&[(1, 0)], &[(0, 1)]),
        GroupingError::Contradiction { i: 0, j: 1 }
    );
    // Exactly full is fine, and so are repeats.
    assert!(inst
        .clone()
        .with_constraints(&[(0, 3), (3, 0)], &[(0, 1), (1, 2), (2, 1)])
        .is_ok());
}

// Whether no single move or swap improves `groups` by more than a rounding error, checked
// from scratch with the real distances (for an instance without constraints).
fn is_local_optimum(inst: &Instance, groups: &[usize]) -> bool {
    let (n, gs) = (inst.n(), inst.bounds().len());
    let mut gain = vec![0.0; n * gs];
    let mut size = vec![0usize; gs];
    for i in 0..n {
        size[groups[i]] += 1;
        for j in 0..n {
            gain[i * gs + groups[j]] += inst.distance(i, j);
        }
    }
    let tol = 1e-6;
    for i in 0..n {
        let a = groups[i];
        for b in 0..gs {
            let fits = size[a] > inst.bounds()[a].0 && size[b] < inst.bounds()[b].1;
            if b != a && fits && gain[i * gs + b] - gain[i * gs + a] > tol {
                return false;
            }
        }
        for j in 0..n {
            let b = groups[j];
            let delta = gain[i * gs + b] - gain[i * gs + a] + gain[j * gs + a]
                - gain[j * gs + b]
                - 2.0 * inst.distance(i, j);
            if a != b && delta > tol {
                return false;
            }
        }
    }
    true
}

// Instances with 64 groups or more take the search that keeps a queue of changed groups
// instead of rescanning everyone; its first local search must still end in a local optimum,
// as that of the full-pass search does, and its answers must be feasible, consistent and
// reproducible.
#[test]
fn first_local_search_ends_in_a_local_optimum_with_few_or_many_groups() {
    let mut rng = StdRng::seed_from_u64(19);
    for case in 0..4 {
        let n = 600 + rng.gen_range(0..200);
        // The last case has few groups, for the full-pass search.
        let gs = if case == 3 {
            20
        } else {
            n / rng.gen_range(4..=8)
        };
        let lo = n / gs;
        let bounds: Vec<(usize, usize)> = (0..gs)
            .map(|g| {
                if case == 0 {
                    (lo, lo + 1)
                } else {
                    (lo - g % 2, lo + 1)
                }
            })
            .collect();
        let d: Vec<f64> = (0..n * n).map(|_| rng.gen_range(0.0..1.0)).collect();
        let inst = Instance::new(n, bounds, |i, j| d[i * n + j]).expect("feasible");
        let first = solve_iterations(&inst, case, 1);
        assert!(inst.is_feasible(&first.groups), "case {case}");
        assert!(is_local_optimum(&inst, &first.groups), "case {case}");
        let sol = solve_iterations(&inst, case, 100);
        assert!(inst.is_feasible(&sol.groups), "case {case}");
        assert!(sol.objective >= first.objective, "case {case}");
        assert_eq!(solve_iterations(&inst, case, 100), sol, "case {case}");
    }
    let (inst, _) = sparse_constrained_instance(&mut rng, 1500, 250);
    let sol = solve_iterations(&inst, 5, 200);
    assert!(inst.is_feasible(&sol.groups));
    assert_eq!(sol.broken, vec![]);
    assert_eq!(sol.objective, inst.objective(&sol.groups));
}
