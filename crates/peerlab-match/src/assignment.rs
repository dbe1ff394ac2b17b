//! Exact minimum-cost assignment (the Hungarian method with potentials).
//!
//! When the two sides of a pairing are different groups (mentees and mentors, people and
//! sessions), the problem is bipartite and this O(rows² · cols) method is simpler and faster
//! than the general matching in [`crate::matching`]. It is the shortest-augmenting-path form
//! of the Hungarian method (as in Jonker and Volgenant): rows are added one at a time, and row
//! and column potentials keep every reduced cost non-negative, so each new row is placed by a
//! Dijkstra-like search over columns.

/// The largest absolute cost [`min_cost_assignment`] accepts.
///
/// Potentials are sums and differences of costs along augmenting paths, so each stays within
/// a few times `rows · MAX_COST`; 2⁴⁰ leaves room for matrices with millions of rows.
pub const MAX_COST: i64 = 1 << 40;

/// Gives every row of `cost` its own column so that the summed cost is as small as possible.
///
/// `cost[r][c]` is the cost of giving column `c` to row `r`. Every row must have the same
/// length, and there must be at least as many columns as rows; columns left over stay unused.
/// The result holds, for each row in order, the column it gets. When several assignments tie,
/// which one is returned is deterministic but otherwise unspecified.
///
/// # Panics
///
/// Panics when the rows differ in length, when there are more rows than columns, or when a
/// cost's absolute value exceeds [`MAX_COST`]; each is a mistake in the caller.
pub fn min_cost_assignment(cost: &[Vec<i64>]) -> Vec<usize> {
    let n = cost.len();
    if n == 0 {
        return Vec::new();
    }
    let m = cost[0].len();
    assert!(
        cost.iter().all(|row| row.len() == m),
        "every row of the cost matrix must have the same length"
    );
    assert!(n <= m, "{n} rows cannot each get their own of {m} columns");
    assert!(
        cost.iter().flatten().all(|c| c.abs() <= MAX_COST),
        "a cost exceeds MAX_COST"
    );

    // Index 0 of the column arrays is a virtual column that holds the row being added, which
    // is what lets the search below treat "start" and "step" alike; real columns are 1..=m.
    let mut u = vec![0i64; n + 1];
    let mut v = vec![0i64; m + 1];
    // row_of[j] is the row (1-based, 0 for none) currently holding column j.
    let mut row_of = vec![0usize; m + 1];
    let mut way = vec![0usize; m + 1];
    for i in 1..=n {
        row_of[0] = i;
        let mut j0 = 0;
        let mut minv = vec![i64::MAX; m + 1];
        let mut used = vec![false; m + 1];
        // Grow a shortest-path tree over columns until it reaches a free column.
        loop {
            used[j0] = true;
            let i0 = row_of[j0];
            let mut delta = i64::MAX;
            let mut j1 = 0;
            for j in 1..=m {
                if !used[j] {
                    let cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            // Shifting the potentials by delta makes the edge to j1 tight while keeping every
            // reduced cost non-negative, the invariant that makes the result optimal.
            for j in 0..=m {
                if used[j] {
                    u[row_of[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if row_of[j0] == 0 {
                break;
            }
        }
        // Flip the assignment along the path back to the virtual column.
        while j0 != 0 {
            let j1 = way[j0];
            row_of[j0] = row_of[j1];
            j0 = j1;
        }
    }

    let mut col_of = vec![0usize; n];
    for j in 1..=m {
        if row_of[j] != 0 {
            col_of[row_of[j] - 1] = j - 1;
        }
    }
    col_of
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// The least total cost over every injective choice of columns, by recursion.
    fn brute_force(cost: &[Vec<i64>]) -> i64 {
        fn go(row: usize, used: &mut Vec<bool>, cost: &[Vec<i64>]) -> i64 {
            if row == cost.len() {
                return 0;
            }
            let mut best = i64::MAX;
            for c in 0..used.len() {
                if !used[c] {
                    used[c] = true;
                    best = best.min(cost[row][c] + go(row + 1, used, cost));
                    used[c] = false;
                }
            }
            best
        }
        let cols = cost.first().map_or(0, Vec::len);
        go(0, &mut vec![false; cols], cost)
    }

    fn total(cost: &[Vec<i64>], cols: &[usize]) -> i64 {
        cols.iter().enumerate().map(|(r, &c)| cost[r][c]).sum()
    }

    fn assert_injective(cols: &[usize], m: usize) {
        let mut seen = vec![false; m];
        for &c in cols {
            assert!(c < m && !seen[c], "column {c} given twice or out of range");
            seen[c] = true;
        }
    }

    #[test]
    fn empty_and_single() {
        assert!(min_cost_assignment(&[]).is_empty());
        assert_eq!(min_cost_assignment(&[vec![5]]), vec![0]);
        assert_eq!(min_cost_assignment(&[vec![5, 2, 9]]), vec![1]);
    }

    #[test]
    fn greedy_choice_is_not_optimal() {
        // Row 0 greedily takes column 0 (cost 1), forcing row 1 to pay 100; swapping costs 4.
        let cost = vec![vec![1, 2], vec![2, 100]];
        assert_eq!(min_cost_assignment(&cost), vec![1, 0]);
    }

    #[test]
    fn negative_costs_work() {
        let cost = vec![vec![-5, 0, 3], vec![-6, -1, 0]];
        let cols = min_cost_assignment(&cost);
        assert_eq!(total(&cost, &cols), brute_force(&cost));
    }

    #[test]
    fn matches_brute_force_on_random_matrices() {
        let mut rng = StdRng::seed_from_u64(0x00a5_519e);
        for case in 0..600 {
            let rows = rng.gen_range(1..=7);
            // Half the cases are square, the rest have up to three spare columns.
            let cols = if case % 2 == 0 {
                rows
            } else {
                rows + rng.gen_range(1..=3)
            };
            let hi = [3, 10, 1000][case % 3];
            let cost: Vec<Vec<i64>> = (0..rows)
                .map(|_| (0..cols).map(|_| rng.gen_range(-hi..=hi)).collect())
                .collect();
            let got = min_cost_assignment(&cost);
            assert_eq!(got.len(), rows);
            assert_injective(&got, cols);
            assert_eq!(total(&cost, &got), brute_force(&cost), "cost: {cost:?}");
        }
    }

    #[test]
    #[should_panic(expected = "cannot each get their own")]
    fn more_rows_than_columns_panics() {
        min_cost_assignment(&[vec![1], vec![2]]);
    }
}
