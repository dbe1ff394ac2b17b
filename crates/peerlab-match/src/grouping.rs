//! Small-group formation as the Maximally Diverse Grouping Problem (MDGP).
//!
//! Given `n` people, a distance (how different two people are) for every pair, and `G` groups
//! that each must hold between a minimum and a maximum number of people, the problem is to put
//! everyone in a group so that the summed distance of all pairs sharing a group is as large as
//! possible. It is NP-hard, so [`solve`] is a heuristic in the style of the best published
//! solvers, Iterated Maxima Search (Lai and Hao, 2016) and the three-phase search of Yang et
//! al. (2022):
//!
//! 1. a random feasible assignment is improved by a local search to a local optimum of the
//!    "one-move" neighbourhood (move one person to another group when the bounds allow) and the
//!    "swap" neighbourhood (exchange two people of different groups);
//! 2. a "maxima search" then repeatedly applies a weak perturbation (a couple of random moves)
//!    followed by the local search, keeping the result when it is at least as good, so that it
//!    walks across plateaus and nearby optima;
//! 3. when that stalls, a strong perturbation (random moves on a fifth of the people) sends
//!    the search to a new region, and every so often the search restarts from the best
//!    assignment found so far.
//!
//! Every move is scored in O(1) from a table `gain[i][g]`, the summed distance from person `i`
//! to the members of group `g`, which costs O(n) to update when a move is applied. The solver
//! is anytime: it polls the caller's stop rule between rounds and inside long local searches
//! and returns the best assignment it has seen. Time and randomness come from the caller, so a
//! seeded generator with an iteration-count stop gives the same answer on every run.

use rand::Rng;
use std::fmt;

/// Why an [`Instance`] could not be built.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupingError {
    /// There are no groups to put anyone in.
    NoGroups,
    /// A group's minimum size is larger than its maximum.
    MinAboveMax {
        /// The group, counted from 0.
        group: usize,
        /// Its minimum size.
        min: usize,
        /// Its maximum size.
        max: usize,
    },
    /// The group sizes cannot add up to the number of people.
    InfeasibleBounds {
        /// The number of people.
        n: usize,
        /// The sum of the groups' minimum sizes.
        min_total: usize,
        /// The sum of the groups' maximum sizes.
        max_total: usize,
    },
    /// A distance is NaN or infinite, which would make every sum meaningless.
    NonFiniteDistance {
        /// The first person of the pair.
        i: usize,
        /// The second person of the pair.
        j: usize,
    },
    /// A line of an MDGPLIB text is malformed.
    Parse {
        /// The line, counted from 1.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// An MDGPLIB text has the wrong number of distance lines.
    WrongPairCount {
        /// The number of pairs `n(n-1)/2` the header implies.
        expected: usize,
        /// The number of distance lines found.
        found: usize,
    },
}

impl fmt::Display for GroupingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupingError::NoGroups => write!(f, "there must be at least one group"),
            GroupingError::MinAboveMax { group, min, max } => write!(
                f,
                "group {group} has minimum size {min} above its maximum size {max}"
            ),
            GroupingError::InfeasibleBounds {
                n,
                min_total,
                max_total,
            } => write!(
                f,
                "{n} people cannot fill groups whose sizes sum to between {min_total} and {max_total}"
            ),
            GroupingError::NonFiniteDistance { i, j } => {
                write!(f, "the distance between {i} and {j} is not a finite number")
            }
            GroupingError::Parse { line, reason } => write!(f, "line {line}: {reason}"),
            GroupingError::WrongPairCount { expected, found } => write!(
                f,
                "expected {expected} distance lines (one per pair) but found {found}"
            ),
        }
    }
}

impl std::error::Error for GroupingError {}

/// A grouping problem: `n` people, the size bounds of each group and the distance of every
/// pair.
///
/// The fields are private so that an instance, once built, always has feasible bounds and a
/// full distance matrix; [`solve`] relies on both.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    n: usize,
    bounds: Vec<(usize, usize)>,
    // The symmetric n × n distance matrix, row-major with a zero diagonal, kept flat so that
    // the inner loops of the solver read whole rows from contiguous memory.
    d: Vec<f64>,
}

impl Instance {
    /// Builds an instance of `n` people and one group per entry of `bounds`, each entry being
    /// the group's `(min, max)` size. `distance(i, j)` is called once for each pair `i < j`,
    /// and the distance is taken to be symmetric.
    ///
    /// Fails when there is no group, when a minimum exceeds its maximum, when the minimums sum
    /// to more than `n` or the maximums to less, or when a distance is not finite.
    pub fn new(
        n: usize,
        bounds: Vec<(usize, usize)>,
        distance: impl Fn(usize, usize) -> f64,
    ) -> Result<Self, GroupingError> {
        check_bounds(n, &bounds)?;
        let mut d = vec![0.0; n * n];
        for i in 0..n {
            for j in i + 1..n {
                let v = distance(i, j);
                if !v.is_finite() {
                    return Err(GroupingError::NonFiniteDistance { i, j });
                }
                d[i * n + j] = v;
                d[j * n + i] = v;
            }
        }
        Ok(Instance { n, bounds, d })
    }

    /// Reads an instance in the MDGPLIB text format.
    ///
    /// The first line is `n G TYPE a_0 b_0 ... a_{G-1} b_{G-1}`, where `TYPE` is `ss` or `ds`
    /// and `a_g`, `b_g` are group `g`'s minimum and maximum sizes. Then come `n(n-1)/2` lines
    /// `i j d_ij`, one per pair of 0-based people; the order of the lines does not matter, but
    /// each pair must appear exactly once. Blank lines are ignored. Errors name the line.
    pub fn parse_mdgplib(text: &str) -> Result<Self, GroupingError> {
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(k, l)| (k + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty());
        let (header_line, header) = lines.next().ok_or(GroupingError::Parse {
            line: 1,
            reason: "the text is empty; expected a header \"n G TYPE a_0 b_0 ...\"".into(),
        })?;
        let tokens: Vec<&str> = header.split_whitespace().collect();
        let parse_err = |line: usize, reason: String| GroupingError::Parse { line, reason };
        if tokens.len() < 3 {
            return Err(parse_err(
                header_line,
                format!(
                    "the header has {} fields; expected \"n G TYPE a_0 b_0 ...\"",
                    tokens.len()
                ),
            ));
        }
        let count = |k: usize, what: &str| -> Result<usize, GroupingError> {
            tokens[k].parse::<usize>().map_err(|_| {
                parse_err(
                    header_line,
                    format!("{what} must be a non-negative integer, not {:?}", tokens[k]),
                )
            })
        };
        let n = count(0, "n")?;
        let g = count(1, "the group count G")?;
        if tokens[2] != "ss" && tokens[2] != "ds" {
            return Err(parse_err(
                header_line,
                format!("the type must be \"ss\" or \"ds\", not {:?}", tokens[2]),
            ));
        }
        if tokens.len() != 3 + 2 * g {
            return Err(parse_err(
                header_line,
                format!(
                    "the header has {} size bounds but G = {g} groups need {}",
                    tokens.len() - 3,
                    2 * g
                ),
            ));
        }
        let bounds = (0..g)
            .map(|k| {
                Ok((
                    count(3 + 2 * k, "a group's minimum size")?,
                    count(4 + 2 * k, "a group's maximum size")?,
                ))
            })
            .collect::<Result<Vec<_>, GroupingError>>()?;
        check_bounds(n, &bounds)?;

        let expected = n * n.saturating_sub(1) / 2;
        let mut d = vec![0.0; n * n];
        let mut seen = vec![false; n * n];
        let mut found = 0usize;
        for (line, l) in lines {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() != 3 {
                return Err(parse_err(
                    line,
                    format!("expected \"i j d_ij\" but found {} fields", f.len()),
                ));
            }
            let index = |s: &str| -> Result<usize, GroupingError> {
                let v = s
                    .parse::<usize>()
                    .map_err(|_| parse_err(line, format!("{s:?} is not a person index")))?;
                if v >= n {
                    return Err(parse_err(
                        line,
                        format!("person {v} is out of range for n = {n}"),
                    ));
                }
                Ok(v)
            };
            let (i, j) = (index(f[0])?, index(f[1])?);
            if i == j {
                return Err(parse_err(
                    line,
                    format!("pair ({i}, {j}) joins a person to themself"),
                ));
            }
            let v = f[2]
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| parse_err(line, format!("{:?} is not a finite distance", f[2])))?;
            if seen[i * n + j] {
                return Err(parse_err(line, format!("pair ({i}, {j}) appears twice")));
            }
            seen[i * n + j] = true;
            seen[j * n + i] = true;
            d[i * n + j] = v;
            d[j * n + i] = v;
            found += 1;
        }
        if found != expected {
            return Err(GroupingError::WrongPairCount { expected, found });
        }
        Ok(Instance { n, bounds, d })
    }

    /// The number of people.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The `(min, max)` size of each group; its length is the number of groups.
    pub fn bounds(&self) -> &[(usize, usize)] {
        &self.bounds
    }

    /// The distance between people `i` and `j` (0 when `i == j`).
    ///
    /// # Panics
    ///
    /// Panics when `i` or `j` is not below [`Instance::n`].
    pub fn distance(&self, i: usize, j: usize) -> f64 {
        assert!(i < self.n && j < self.n, "person index out of range");
        self.d[i * self.n + j]
    }

    /// The summed distance of all pairs that `groups` places in the same group, where
    /// `groups[i]` is the group of person `i`. Entries beyond the first `n` are ignored.
    pub fn objective(&self, groups: &[usize]) -> f64 {
        let m = groups.len().min(self.n);
        let mut total = 0.0;
        for i in 0..m {
            let row = &self.d[i * self.n..i * self.n + m];
            for (j, &dij) in row.iter().enumerate().skip(i + 1) {
                if groups[i] == groups[j] {
                    total += dij;
                }
            }
        }
        total
    }

    /// Whether `groups` gives every person a valid group and every group a size within its
    /// bounds.
    pub fn is_feasible(&self, groups: &[usize]) -> bool {
        if groups.len() != self.n {
            return false;
        }
        let mut size = vec![0usize; self.bounds.len()];
        for &g in groups {
            match size.get_mut(g) {
                Some(s) => *s += 1,
                None => return false,
            }
        }
        size.iter()
            .zip(&self.bounds)
            .all(|(&s, &(lo, hi))| lo <= s && s <= hi)
    }
}

// The feasibility rules shared by both constructors.
fn check_bounds(n: usize, bounds: &[(usize, usize)]) -> Result<(), GroupingError> {
    if bounds.is_empty() {
        return Err(GroupingError::NoGroups);
    }
    for (group, &(min, max)) in bounds.iter().enumerate() {
        if min > max {
            return Err(GroupingError::MinAboveMax { group, min, max });
        }
    }
    let min_total: usize = bounds.iter().map(|b| b.0).sum();
    let max_total = bounds.iter().fold(0usize, |acc, b| acc.saturating_add(b.1));
    if min_total > n || n > max_total {
        return Err(GroupingError::InfeasibleBounds {
            n,
            min_total,
            max_total,
        });
    }
    Ok(())
}

/// The assignment [`solve`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// The group of each person, indexed by person.
    pub groups: Vec<usize>,
    /// The summed distance within groups, recomputed from scratch for `groups`.
    pub objective: f64,
    /// The number of local searches run, which is the count the stop rule was given.
    pub iterations: u64,
}

// The search state: an assignment plus the gain table that scores moves in O(1).
#[derive(Clone)]
struct State {
    group: Vec<usize>,
    size: Vec<usize>,
    // gain[i * groups + g] is the summed distance from person i to the members of group g.
    gain: Vec<f64>,
    value: f64,
}

impl State {
    fn new(inst: &Instance, group: Vec<usize>) -> State {
        let gs = inst.bounds.len();
        let mut st = State {
            group,
            size: vec![0; gs],
            gain: vec![0.0; inst.n * gs],
            value: 0.0,
        };
        st.rebuild(inst);
        st
    }

    // Recomputes the sizes, gains and value from the assignment alone. The incremental
    // updates add and subtract floating-point numbers millions of times, so the solver calls
    // this now and then to stop rounding errors from piling up.
    fn rebuild(&mut self, inst: &Instance) {
        let (n, gs) = (inst.n, inst.bounds.len());
        self.size.iter_mut().for_each(|s| *s = 0);
        self.gain.iter_mut().for_each(|x| *x = 0.0);
        for &g in &self.group {
            self.size[g] += 1;
        }
        for i in 0..n {
            let row = &inst.d[i * n..(i + 1) * n];
            let gain = &mut self.gain[i * gs..(i + 1) * gs];
            for (&gj, &dij) in self.group.iter().zip(row) {
                gain[gj] += dij;
            }
        }
        let mut twice = 0.0;
        for i in 0..n {
            twice += self.gain[i * gs + self.group[i]];
        }
        self.value = twice / 2.0;
    }

    // Moves person i to group `to`; the caller has checked the bounds.
    fn apply_move(&mut self, inst: &Instance, i: usize, to: usize) {
        let (n, gs) = (inst.n, inst.bounds.len());
        let from = self.group[i];
        self.value += self.gain[i * gs + to] - self.gain[i * gs + from];
        let row = &inst.d[i * n..(i + 1) * n];
        for (gain, &dik) in self.gain.chunks_exact_mut(gs).zip(row) {
            gain[from] -= dik;
            gain[to] += dik;
        }
        self.group[i] = to;
        self.size[from] -= 1;
        self.size[to] += 1;
    }

    // Exchanges persons i and j, who are in different groups; sizes stay the same.
    fn apply_swap(&mut self, inst: &Instance, i: usize, j: usize) {
        let (n, gs) = (inst.n, inst.bounds.len());
        let (a, b) = (self.group[i], self.group[j]);
        self.value += swap_delta(&self.gain, gs, i, a, b, j, inst.d[i * n + j]);
        let ri = &inst.d[i * n..(i + 1) * n];
        let rj = &inst.d[j * n..(j + 1) * n];
        for ((gain, &dik), &djk) in self.gain.chunks_exact_mut(gs).zip(ri).zip(rj) {
            let diff = djk - dik;
            gain[a] += diff;
            gain[b] -= diff;
        }
        self.group[i] = b;
        self.group[j] = a;
    }
}

// The change in value from exchanging i (in group a) with j (in group b).
#[inline]
fn swap_delta(gain: &[f64], gs: usize, i: usize, a: usize, b: usize, j: usize, dij: f64) -> f64 {
    gain[i * gs + b] - gain[i * gs + a] + gain[j * gs + a] - gain[j * gs + b] - 2.0 * dij
}

// A uniformly shuffled assignment whose group sizes are the minimums plus the leftover people
// dealt one at a time to random groups that still have room.
fn random_start(inst: &Instance, rng: &mut impl Rng) -> Vec<usize> {
    let n = inst.n;
    let mut size: Vec<usize> = inst.bounds.iter().map(|b| b.0).collect();
    let mut left = n - size.iter().sum::<usize>();
    let mut open: Vec<usize> = Vec::with_capacity(size.len());
    while left > 0 {
        open.clear();
        open.extend((0..size.len()).filter(|&g| size[g] < inst.bounds[g].1));
        // The bounds were checked when the instance was built, so there is always room.
        if open.is_empty() {
            break;
        }
        let g = open[rng.gen_range(0..open.len())];
        size[g] += 1;
        left -= 1;
    }
    let mut slots: Vec<usize> = Vec::with_capacity(n);
    for (g, &s) in size.iter().enumerate() {
        slots.extend(std::iter::repeat_n(g, s));
    }
    // Fisher-Yates, so that who lands where is uniform.
    for k in (1..slots.len()).rev() {
        let r = rng.gen_range(0..=k);
        slots.swap(k, r);
    }
    slots
}

// Applies `strength` random feasible moves or swaps. Attempts are capped because with some
// bounds (one group, or groups that are all full and at their minimum) few or no moves exist.
fn perturb(st: &mut State, inst: &Instance, strength: usize, rng: &mut impl Rng) {
    let n = inst.n;
    let mut done = 0;
    let mut attempts = 0;
    while done < strength && attempts < 20 * strength + 20 {
        attempts += 1;
        let i = rng.gen_range(0..n);
        let j = rng.gen_range(0..n);
        let (a, b) = (st.group[i], st.group[j]);
        if a == b {
            continue;
        }
        let can_move = st.size[a] > inst.bounds[a].0 && st.size[b] < inst.bounds[b].1;
        if can_move && rng.gen_bool(0.5) {
            st.apply_move(inst, i, b);
        } else {
            st.apply_swap(inst, i, j);
        }
        done += 1;
    }
}

// Improves `st` with first-improvement one-moves and swaps until neither improves it by more
// than `eps`. Returns true when the stop rule fired during the search.
fn local_search(
    st: &mut State,
    inst: &Instance,
    eps: f64,
    iterations: u64,
    should_stop: &mut dyn FnMut(u64) -> bool,
) -> bool {
    let (n, gs) = (inst.n, inst.bounds.len());
    let flexible = inst.bounds.iter().any(|&(lo, hi)| lo < hi);
    loop {
        let mut improved = false;
        if flexible {
            for i in 0..n {
                let a = st.group[i];
                if st.size[a] <= inst.bounds[a].0 {
                    continue;
                }
                let gain = &st.gain[i * gs..(i + 1) * gs];
                let here = gain[a];
                let mut best = eps;
                let mut to = a;
                for (g, &x) in gain.iter().enumerate() {
                    if g != a && x - here > best && st.size[g] < inst.bounds[g].1 {
                        best = x - here;
                        to = g;
                    }
                }
                if to != a {
                    st.apply_move(inst, i, to);
                    improved = true;
                }
            }
        }
        for i in 0..n {
            for j in i + 1..n {
                let (a, b) = (st.group[i], st.group[j]);
                if a != b && swap_delta(&st.gain, gs, i, a, b, j, inst.d[i * n + j]) > eps {
                    st.apply_swap(inst, i, j);
                    improved = true;
                }
            }
        }
        if !improved {
            return false;
        }
        // A local search on a large instance can take a while from a random start, so the
        // stop rule is polled after each pass and not only between rounds.
        if should_stop(iterations) {
            return true;
        }
    }
}

/// Finds an assignment of the people of `inst` to its groups with a large summed distance
/// within groups, searching until `should_stop` returns true and returning the best
/// assignment seen.
///
/// `should_stop` receives the number of completed iterations (local searches) and is polled
/// before each iteration and after each pass of a local search, which on instances of a few
/// hundred people is well under a millisecond apart; callers stop on a clock or an iteration
/// count. At least one local search always completes unless the stop rule fires during it.
/// The search is deterministic: the same instance, generator state and stop decisions give
/// the same solution. The returned assignment is always feasible.
pub fn solve(
    inst: &Instance,
    rng: &mut impl Rng,
    should_stop: &mut dyn FnMut(u64) -> bool,
) -> Solution {
    let n = inst.n;
    if n == 0 {
        return Solution {
            groups: Vec::new(),
            objective: 0.0,
            iterations: 0,
        };
    }
    // Improvements smaller than this are rounding noise; taking them could cycle forever.
    let max_d = inst.d.iter().fold(0.0f64, |m, &x| m.max(x.abs()));
    let eps = 1e-9 * max_d.max(f64::MIN_POSITIVE);

    // The weak perturbation touches a couple of people, the strong one a fifth of them; a
    // maxima search ends after `patience` rounds without improving its own best. These values
    // were tuned on the n = 240 MDGPLIB instances, where a shorter patience and a stronger
    // kick (more diversification) beat longer intensification for the same time.
    let weak = 2usize;
    let strong = (n / 5).max(3);
    let patience = (n as u64 / 8).clamp(10, 200);
    // After this many strong perturbations without a new overall best, return to the best.
    let restart_after = 10u64;

    let mut cur = State::new(inst, random_start(inst, rng));
    let mut iterations = 0u64;
    let stopped = local_search(&mut cur, inst, eps, iterations, should_stop);
    iterations += 1;
    let mut best = cur.clone();
    let mut trial = cur.clone();
    let mut stale = 0u64;
    let mut strong_without_best = 0u64;
    if !stopped {
        while !should_stop(iterations) {
            let is_strong = stale >= patience;
            if is_strong {
                stale = 0;
                strong_without_best += 1;
                if strong_without_best > restart_after {
                    strong_without_best = 0;
                    cur.clone_from(&best);
                }
            }
            trial.clone_from(&cur);
            perturb(&mut trial, inst, if is_strong { strong } else { weak }, rng);
            let stopped = local_search(&mut trial, inst, eps, iterations, should_stop);
            iterations += 1;
            if iterations & 4095 == 0 {
                trial.rebuild(inst);
            }
            if trial.value > best.value + eps {
                best.clone_from(&trial);
                strong_without_best = 0;
            }
            if is_strong || trial.value > cur.value + eps {
                // A strong perturbation is always taken, or it could never leave the region.
                std::mem::swap(&mut cur, &mut trial);
                stale = 0;
            } else {
                // Ties are taken too, so the search drifts across plateaus of equal value.
                if trial.value >= cur.value - eps {
                    std::mem::swap(&mut cur, &mut trial);
                }
                stale += 1;
            }
            if stopped {
                break;
            }
        }
    }
    let objective = inst.objective(&best.group);
    Solution {
        groups: best.group,
        objective,
        iterations,
    }
}
