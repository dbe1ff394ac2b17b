//! "Coffee" rounds: everyone meets someone each round, and nobody meets the same person
//! twice until every pair has met.
//!
//! The schedule is the circle method used for round-robin tournaments. Seat the people round
//! a table with one seat fixed; each round pairs seat `i` with the seat opposite it, then
//! everyone but the fixed seat moves one place on. With an even number of people, the first
//! `n - 1` rounds pair every two people exactly once.
//!
//! With an odd number, an empty chair takes the fixed seat, so every round one person would
//! sit out (each person exactly once in every `n` rounds). Nobody should be left without a
//! coffee, so that person joins the pair seated next to them and the group becomes a trio.
//! The trio's base pair is a regular circle-method pair and, like every other pair, is new
//! within the first `n` rounds; the two extra meetings of the guest are not counted and may
//! repeat a meeting from another round, which cannot be avoided: n rounds of groups covering
//! everyone need more meetings than there are pairs.

/// The number of rounds [`round_robin`] can lay out before a pair meets a second time:
/// `n - 1` when `n` is even, `n` when `n` is odd (counting only the pairs of two and the
/// base pairs of trios), and 0 when there are fewer than two people.
pub fn distinct_rounds(n: usize) -> usize {
    match n {
        0 | 1 => 0,
        _ if n % 2 == 1 => n,
        _ => n - 1,
    }
}

/// Lays out `rounds` rounds of meetings for people `0..n`.
///
/// Each round is a list of groups and every person is in exactly one group of the round.
/// Groups are pairs, except that with an odd `n` one group per round is a trio
/// `[a, b, guest]`: `a` and `b` are the round's base pair and `guest` is the person the circle
/// method would have left out. Within the first [`distinct_rounds`]`(n)` rounds no pair of two
/// and no base pair repeats, and together those rounds pair every two people exactly once; an
/// odd `n` also makes each person the guest exactly once in them. Later rounds repeat the
/// schedule from the start.
///
/// With fewer than two people nobody can meet, so every round is empty. The schedule depends
/// only on `n`; callers who want different pairs for the same team shuffle who is person 0,
/// 1, 2 and so on before calling.
pub fn round_robin(n: usize, rounds: usize) -> Vec<Vec<Vec<usize>>> {
    if n < 2 {
        return vec![Vec::new(); rounds];
    }
    // An odd count gets an empty chair, numbered n, in the fixed seat.
    let seats = n + n % 2;
    let fixed = seats - 1;
    let turning = seats - 1;
    (0..rounds)
        .map(|r| {
            // The person in seat i this round; the fixed seat never turns.
            let at = |i: usize| {
                if i == fixed {
                    fixed
                } else {
                    (i + r) % turning
                }
            };
            let mut pairs: Vec<Vec<usize>> = (0..seats / 2)
                .map(|i| vec![at(i), at(seats - 1 - i)])
                .collect();
            if n % 2 == 1 {
                // Seat 0 faces the empty chair; its person joins the next pair, which sits
                // beside them at the table, and the people in that pair change every round.
                let guest = at(0);
                pairs.remove(0);
                pairs[0].push(guest);
            }
            pairs
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn key(a: usize, b: usize) -> (usize, usize) {
        (a.min(b), a.max(b))
    }

    #[test]
    fn fewer_than_two_people_never_meet() {
        assert_eq!(round_robin(0, 2), vec![Vec::<Vec<usize>>::new(); 2]);
        assert_eq!(round_robin(1, 1), vec![Vec::<Vec<usize>>::new()]);
        assert_eq!(distinct_rounds(1), 0);
    }

    #[test]
    fn small_schedules() {
        assert_eq!(round_robin(2, 2), vec![vec![vec![0, 1]], vec![vec![0, 1]]]);
        // Three people are always one trio, the guest listed last.
        let three = round_robin(3, 3);
        assert_eq!(
            three,
            vec![
                vec![vec![1, 2, 0]],
                vec![vec![2, 0, 1]],
                vec![vec![0, 1, 2]]
            ]
        );
        assert_eq!(round_robin(4, 0), Vec::<Vec<Vec<usize>>>::new());
    }

    #[test]
    fn every_round_covers_everyone_and_no_pair_repeats() {
        for n in 2..=40 {
            let horizon = distinct_rounds(n);
            // Twice the horizon checks that the schedule wraps around cleanly too.
            let schedule = round_robin(n, 2 * horizon);
            assert_eq!(schedule.len(), 2 * horizon);
            let mut met = HashSet::new();
            let mut guests = HashSet::new();
            for (r, round) in schedule.iter().enumerate() {
                let mut seen = vec![false; n];
                let mut trios = 0;
                for group in round {
                    assert!(group.len() == 2 || group.len() == 3, "n={n}: {group:?}");
                    for &p in group {
                        assert!(p < n && !seen[p], "n={n} round {r}: {p} twice or unknown");
                        seen[p] = true;
                    }
                    if group.len() == 3 {
                        trios += 1;
                        if r < horizon {
                            assert!(guests.insert(group[2]), "n={n}: guest twice");
                        }
                    }
                    if r < horizon {
                        assert!(
                            met.insert(key(group[0], group[1])),
                            "n={n} round {r}: {group:?} met before"
                        );
                    }
                }
                assert!(seen.iter().all(|&s| s), "n={n} round {r} misses someone");
                assert_eq!(trios, n % 2, "n={n}: trios only for odd counts");
            }
            assert_eq!(met.len(), n * (n - 1) / 2, "n={n}: some pair never met");
            if n % 2 == 1 {
                assert_eq!(guests.len(), n);
            }
            assert_eq!(
                schedule[..horizon],
                schedule[horizon..],
                "n={n} does not wrap"
            );
        }
    }
}
