//! The matching against totals computed by an independent implementation (networkx), on
//! graphs larger than brute force can check. See fixtures/README.md.

// Tests read their fixture files; the library itself never touches the file system.
#![allow(clippy::disallowed_methods)]

use peerlab_match::matching::{matching_weight, max_weight_matching};

fn check(file: &str, expected: i64) {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    let edges: Vec<(usize, usize, i64)> = text
        .lines()
        .map(|l| {
            let f: Vec<i64> = l
                .split_whitespace()
                .map(|x| x.parse().expect("number"))
                .collect();
            (f[0] as usize, f[1] as usize, f[2])
        })
        .collect();
    let n = edges.iter().map(|e| e.0.max(e.1) + 1).max().expect("edges");
    let mate = max_weight_matching(n, &edges);
    for (u, m) in mate.iter().enumerate() {
        if let Some(v) = m {
            assert_eq!(mate[*v], Some(u), "{file}: mates are symmetric");
        }
    }
    assert_eq!(matching_weight(&edges, &mate), expected, "{file}");
}

#[test]
fn ties_on_200_nodes() {
    check("g200_ties.txt", 884);
}

#[test]
fn random_500_nodes() {
    check("g500.txt", 215_913);
}

#[test]
fn random_1000_nodes() {
    check("g1000.txt", 458_769);
}
