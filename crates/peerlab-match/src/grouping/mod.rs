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
//! Every move is scored in O(1) from a table `gain[g][i]`, the summed distance from person `i`
//! to the members of group `g`, which costs O(n) to update when a move is applied. The solver
//! is anytime: it polls the caller's stop rule between rounds and inside long local searches
//! and returns the best assignment it has seen. Time and randomness come from the caller, so a
//! seeded generator with an iteration-count stop gives the same answer on every run.
//!
//! # Constraints
//!
//! [`Instance::with_constraints`] adds hard constraints: pairs to keep apart and pairs to keep
//! together. The search minimises, lexicographically, the number of broken pairs and then
//! maximises the summed distance, by a penalty: the gain table counts the distance of a
//! keep-together pair as `d + M` and of a keep-apart pair as `d - M`, where
//! `M = (4U + 4) dmax` (`U` the largest group size that can occur, `dmax` the largest
//! absolute distance; `M = 1` when every distance is 0). No move or swap changes the real
//! objective by more than `4U dmax`, so the local search never takes a step that breaks more
//! pairs than it repairs and always takes one that repairs more than it breaks. The distance
//! matrix itself keeps the real distances, so [`Instance::objective`] and
//! [`Solution::objective`] are real, and the rounding tolerance comes from the real distances
//! too. The pairs are kept as adjacency lists, so a step updates the penalties and the count
//! of broken pairs in time proportional to the number of partners of the people it moves;
//! states are compared by that count first and the (penalised) value second, which for equal
//! counts orders them as the real objective does. Without constraints the lists are empty and
//! the search does exactly what it did before constraints existed.
//!
//! # Large instances
//!
//! The distance matrix is dense, `8 n²` bytes (800 MB for 10,000 people), and the gain table
//! `8 n G` bytes (160 MB for 2,000 groups). The table is group-major so that applying a step
//! updates two contiguous rows and the swap scans read one group's row in order. With many
//! groups (64 or more), copying the state every round and rescanning all `n²/2` pairs in
//! every local search costs far more than the round changes, so the search keeps its
//! neighbourhoods but changes its bookkeeping: a round perturbs the current state in place
//! and undoes its steps when the result is worse, the best assignment is kept without its
//! table, and the local search keeps a queue of the groups changed since it last looked at
//! them, because a move or swap between two unchanged groups cannot have become improving.
//! On 10,000 people in groups of 5 the first local optimum takes about 1.5 s (15 s before)
//! and a round about 2 ms.

use rand::Rng;
use std::fmt;

mod search;
mod state;

use search::*;
use state::*;

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
    /// A constraint names a person who is not in the instance.
    PersonOutOfRange {
        /// The index named.
        person: usize,
        /// The number of people.
        n: usize,
    },
    /// A constraint pairs a person with themself.
    SelfPair {
        /// The person.
        person: usize,
    },
    /// Keep-together constraints link, directly or through others, more people than the
    /// largest group can hold.
    TogetherTooLarge {
        /// The people so linked, in increasing order.
        members: Vec<usize>,
        /// The largest maximum group size.
        max: usize,
    },
    /// Two people must be kept apart, but keep-together constraints link them, directly or
    /// through others.
    Contradiction {
        /// The smaller index of the pair.
        i: usize,
        /// The larger index of the pair.
        j: usize,
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
            GroupingError::PersonOutOfRange { person, n } => write!(
                f,
                "a constraint names person {person}, who is out of range for n = {n}"
            ),
            GroupingError::SelfPair { person } => {
                write!(f, "a constraint pairs person {person} with themself")
            }
            GroupingError::TogetherTooLarge { members, max } => {
                let list: Vec<String> = members.iter().map(|p| p.to_string()).collect();
                write!(
                    f,
                    "people {} must be kept together, but no group holds more than {max}",
                    list.join(", ")
                )
            }
            GroupingError::Contradiction { i, j } => write!(
                f,
                "{i} and {j} must be kept apart, but keep-together constraints link them"
            ),
        }
    }
}

impl std::error::Error for GroupingError {}

/// A pair constraint's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Constraint {
    /// The two people must be in different groups.
    KeepApart,
    /// The two people must be in the same group.
    KeepTogether,
}

/// A grouping problem: `n` people, the size bounds of each group, the distance of every pair
/// and optional hard constraints that keep pairs apart or together.
///
/// The fields are private so that an instance, once built, always has feasible bounds, a
/// full distance matrix and consistent constraints; [`solve`] relies on all three.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    n: usize,
    bounds: Vec<(usize, usize)>,
    // The symmetric n × n distance matrix, row-major with a zero diagonal, kept flat so that
    // the inner loops of the solver read whole rows from contiguous memory. It holds the real
    // distances even for constrained pairs; the penalties live in the solver's gain table.
    d: Vec<f64>,
    // The constraint pairs (i, j, kind) with i < j, sorted and without duplicates.
    pairs: Vec<(usize, usize, Constraint)>,
    // The same pairs as adjacency lists (compressed rows): the partners of person i are
    // adj[adj_start[i]..adj_start[i + 1]], each with the penalty the solver adds to the pair's
    // distance (+penalty to keep together, -penalty to keep apart). Empty when there are no
    // constraints, so that the unconstrained solver does no extra work.
    adj_start: Vec<usize>,
    adj: Vec<(usize, f64)>,
    // The penalty M per broken constraint; see the module documentation.
    penalty: f64,
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
        Ok(Instance::unconstrained(n, bounds, d))
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
        Ok(Instance::unconstrained(n, bounds, d))
    }

    fn unconstrained(n: usize, bounds: Vec<(usize, usize)>, d: Vec<f64>) -> Instance {
        Instance {
            n,
            bounds,
            d,
            pairs: Vec::new(),
            adj_start: Vec::new(),
            adj: Vec::new(),
            penalty: 0.0,
        }
    }

    /// Adds hard constraints: each pair of `keep_apart` must end up in different groups and
    /// each pair of `keep_together` in the same group. Replaces any earlier constraints.
    /// Pairs may be given in either order and repeated; a repeat counts once.
    ///
    /// [`solve`] treats them as hard: it returns an assignment that breaks as few of them as
    /// it can find, and among those the one with the largest objective. They may still be
    /// impossible to meet together with the group sizes (say three people kept pairwise apart
    /// with two groups), in which case [`Solution::broken`] lists those left broken.
    ///
    /// Fails when a pair names a person not below `n` or the same person twice, when
    /// keep-together pairs link (directly or through others) more people than the largest
    /// group can hold, or when two people must be kept apart but keep-together pairs link
    /// them. Those checks run in that order, each over the pairs sorted by index.
    pub fn with_constraints(
        mut self,
        keep_apart: &[(usize, usize)],
        keep_together: &[(usize, usize)],
    ) -> Result<Instance, GroupingError> {
        let n = self.n;
        let mut pairs = Vec::with_capacity(keep_apart.len() + keep_together.len());
        for (list, kind) in [
            (keep_apart, Constraint::KeepApart),
            (keep_together, Constraint::KeepTogether),
        ] {
            for &(i, j) in list {
                if let Some(&person) = [i, j].iter().find(|&&p| p >= n) {
                    return Err(GroupingError::PersonOutOfRange { person, n });
                }
                if i == j {
                    return Err(GroupingError::SelfPair { person: i });
                }
                pairs.push((i.min(j), i.max(j), kind));
            }
        }
        pairs.sort_unstable_by_key(|&(i, j, kind)| (i, j, kind == Constraint::KeepTogether));
        pairs.dedup();

        // Keep-together is transitive, so its pairs join people into components; a component
        // must fit in one group and must not hold a keep-apart pair.
        let mut parent: Vec<usize> = (0..n).collect();
        fn root(parent: &mut [usize], mut p: usize) -> usize {
            while parent[p] != p {
                parent[p] = parent[parent[p]];
                p = parent[p];
            }
            p
        }
        for &(i, j, kind) in &pairs {
            if kind == Constraint::KeepTogether {
                let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                if ri != rj {
                    parent[ri.max(rj)] = ri.min(rj);
                }
            }
        }
        let roots: Vec<usize> = (0..n).map(|p| root(&mut parent, p)).collect();
        let mut count = vec![0usize; n];
        for &r in &roots {
            count[r] += 1;
        }
        let max = self.bounds.iter().map(|b| b.1).max().unwrap_or(0);
        // Roots are the smallest member of their component (unions keep the smaller root), so
        // scanning roots in order reports the component with the smallest member first.
        if let Some(r) = (0..n).find(|&p| roots[p] == p && count[p] > max) {
            let members = (r..n).filter(|&p| roots[p] == r).collect();
            return Err(GroupingError::TogetherTooLarge { members, max });
        }
        if let Some(&(i, j, _)) = pairs
            .iter()
            .find(|&&(i, j, kind)| kind == Constraint::KeepApart && roots[i] == roots[j])
        {
            return Err(GroupingError::Contradiction { i, j });
        }

        // A penalty larger than the largest real change one move or swap can make (4 U dmax,
        // U the largest group size that can occur) means the local search never takes a step
        // that breaks more constraints than it repairs, and always takes one that repairs
        // more than it breaks. With all distances zero any positive penalty does.
        let dmax = self.d.iter().fold(0.0f64, |m, &x| m.max(x.abs()));
        let u = max.min(n) as f64;
        self.penalty = if pairs.is_empty() {
            0.0
        } else if dmax > 0.0 {
            (4.0 * u + 4.0) * dmax
        } else {
            1.0
        };
        self.adj_start.clear();
        self.adj.clear();
        if !pairs.is_empty() {
            let mut degree = vec![0usize; n + 1];
            for &(i, j, _) in &pairs {
                degree[i + 1] += 1;
                degree[j + 1] += 1;
            }
            for p in 0..n {
                degree[p + 1] += degree[p];
            }
            let mut next = degree.clone();
            self.adj = vec![(0, 0.0); 2 * pairs.len()];
            for &(i, j, kind) in &pairs {
                let s = match kind {
                    Constraint::KeepApart => -self.penalty,
                    Constraint::KeepTogether => self.penalty,
                };
                self.adj[next[i]] = (j, s);
                next[i] += 1;
                self.adj[next[j]] = (i, s);
                next[j] += 1;
            }
            self.adj_start = degree;
        }
        self.pairs = pairs;
        Ok(self)
    }

    /// The constraint pairs that `groups` breaks, where `groups[i]` is the group of person
    /// `i`, each as `(i, j, kind)` with `i < j`, sorted. Pairs naming a person beyond the end
    /// of `groups` are skipped.
    pub fn broken(&self, groups: &[usize]) -> Vec<(usize, usize, Constraint)> {
        self.pairs
            .iter()
            .filter(|&&(i, j, kind)| {
                j < groups.len() && (groups[i] == groups[j]) == (kind == Constraint::KeepApart)
            })
            .copied()
            .collect()
    }

    // The constraint partners of person i with the penalty of each pair.
    #[inline]
    fn partners(&self, i: usize) -> &[(usize, f64)] {
        if self.adj.is_empty() {
            &[]
        } else {
            &self.adj[self.adj_start[i]..self.adj_start[i + 1]]
        }
    }

    // The penalty the solver adds to the distance of i and j: 0 unless they are a
    // constraint pair.
    #[inline]
    fn pair_penalty(&self, i: usize, j: usize) -> f64 {
        self.partners(i)
            .iter()
            .find(|p| p.0 == j)
            .map_or(0.0, |p| p.1)
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
    /// The summed distance within groups, recomputed from scratch for `groups`. It is the
    /// real distance: constraints add no penalty to it.
    pub objective: f64,
    /// The number of local searches run, which is the count the stop rule was given.
    pub iterations: u64,
    /// The constraint pairs that `groups` still breaks, as [`Instance::broken`] lists them;
    /// empty when all hold.
    pub broken: Vec<(usize, usize, Constraint)>,
}

// From this many groups on, the search keeps one state and a queue of changed groups instead
// of copying its state every round and rescanning every pair. A round changes a few groups,
// so the queue saves more the more groups there are. Over 5 s on uniform random distances,
// with groups of 5 the full passes were better at 240 people (48 groups) and the queue from
// 320 (64 groups), by 0.3 % at 1,000; with groups of 20 the full passes were better up to
// 1,000 people (50 groups) and about as good at 2,000 (100 groups).
const MANY_GROUPS: usize = 64;

/// Finds an assignment of the people of `inst` to its groups with a large summed distance
/// within groups, searching until `should_stop` returns true and returning the best
/// assignment seen.
///
/// With constraints ([`Instance::with_constraints`]), "best" means breaking the fewest
/// constraint pairs first and, among assignments breaking as few, the largest summed
/// distance; [`Solution::broken`] lists the pairs the answer breaks.
///
/// `should_stop` receives the number of completed iterations (local searches) and is polled
/// before each iteration and during long local searches, which on instances of a few hundred
/// people is well under a millisecond apart; callers stop on a clock or an iteration count.
/// At least one local search always completes unless the stop rule fires during it. The
/// search is deterministic: the same instance, generator state and stop decisions give the
/// same solution. The returned assignment is always feasible.
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
            broken: Vec::new(),
        };
    }
    // Improvements smaller than this are rounding noise; taking them could cycle forever.
    // It comes from the real distances, not the penalties, which only ever decide by a lot.
    let max_d = inst.d.iter().fold(0.0f64, |m, &x| m.max(x.abs()));
    let eps = 1e-9 * max_d.max(f64::MIN_POSITIVE);
    let (groups, iterations) = if inst.bounds.len() < MANY_GROUPS {
        search_full_passes(inst, rng, should_stop, eps)
    } else {
        search_queued(inst, rng, should_stop, eps)
    };
    let objective = inst.objective(&groups);
    let broken = inst.broken(&groups);
    Solution {
        groups,
        objective,
        iterations,
        broken,
    }
}

// The rhythm of rounds, shared by both searches. The weak perturbation touches a couple of
// people, the strong one a fifth of them; a maxima search ends after `patience` rounds
// without improving the current state. These values were tuned on the n = 240 MDGPLIB
// instances, where a shorter patience and a stronger kick (more diversification) beat
// longer intensification for the same time. After `restart_after` strong perturbations
// without a new overall best, the search returns to the best.
struct Schedule {
    weak: usize,
    strong: usize,
    patience: u64,
    restart_after: u64,
    stale: u64,
    strong_without_best: u64,
}

// What a round does.
struct Round {
    strong: bool,
    // Return to the best assignment before perturbing.
    restart: bool,
    // How many random steps the perturbation takes.
    strength: usize,
}

impl Schedule {
    fn new(n: usize) -> Schedule {
        Schedule {
            weak: 2,
            strong: (n / 5).max(3),
            patience: (n as u64 / 8).clamp(10, 200),
            restart_after: 10,
            stale: 0,
            strong_without_best: 0,
        }
    }

    fn begin(&mut self) -> Round {
        let strong = self.stale >= self.patience;
        let mut restart = false;
        if strong {
            self.stale = 0;
            self.strong_without_best += 1;
            if self.strong_without_best > self.restart_after {
                self.strong_without_best = 0;
                restart = true;
            }
        }
        Round {
            strong,
            restart,
            strength: if strong { self.strong } else { self.weak },
        }
    }

    fn new_best(&mut self) {
        self.strong_without_best = 0;
    }

    // Ends a round that did or did not improve on the current state. A strong round always
    // counts as progress: its result is always taken, or it could never leave the region.
    fn end(&mut self, round: &Round, improved: bool) {
        if round.strong || improved {
            self.stale = 0;
        } else {
            self.stale += 1;
        }
    }
}

// Iterated maxima search with full-pass local searches on a copy of the current state.
fn search_full_passes(
    inst: &Instance,
    rng: &mut impl Rng,
    should_stop: &mut dyn FnMut(u64) -> bool,
    eps: f64,
) -> (Vec<usize>, u64) {
    let mut schedule = Schedule::new(inst.n);
    let mut sc = Scratch::new(inst.n, inst.bounds.len());
    let mut cur = State::new(inst, random_start(inst, rng));
    let mut iterations = 0u64;
    let stopped = local_search(&mut cur, inst, eps, &mut sc, iterations, should_stop);
    iterations += 1;
    let mut best = cur.clone();
    let mut trial = cur.clone();
    if !stopped {
        while !should_stop(iterations) {
            let round = schedule.begin();
            if round.restart {
                cur.clone_from(&best);
            }
            trial.clone_from(&cur);
            sc.log.clear();
            perturb(&mut trial, inst, round.strength, rng, &mut sc.log);
            let stopped = local_search(&mut trial, inst, eps, &mut sc, iterations, should_stop);
            iterations += 1;
            if iterations & 4095 == 0 {
                trial.rebuild(inst);
            }
            let (t, c) = ((trial.broken, trial.value), (cur.broken, cur.value));
            if better(t, (best.broken, best.value), eps) {
                best.clone_from(&trial);
                schedule.new_best();
            }
            let improved = better(t, c, eps);
            // Ties are taken too, so the search drifts across plateaus of equal value.
            if round.strong || no_worse(t, c, eps) {
                std::mem::swap(&mut cur, &mut trial);
            }
            schedule.end(&round, improved);
            if stopped {
                break;
            }
        }
    }
    (best.group, iterations)
}

// The same search for many groups, where copying the state (the gain table alone is n times
// the number of groups) or rescanning every pair would dwarf the work of a round, which
// changes only a few groups: the round perturbs the current state in place, repairs it with
// the queue search and undoes both when the result is worse, and the best assignment is kept
// without its gain table.
fn search_queued(
    inst: &Instance,
    rng: &mut impl Rng,
    should_stop: &mut dyn FnMut(u64) -> bool,
    eps: f64,
) -> (Vec<usize>, u64) {
    let gs = inst.bounds.len();
    let mut schedule = Schedule::new(inst.n);
    // A round here touches a few of many groups, so many more rounds pass before the weak
    // perturbation has tried its luck everywhere; on 10,000 people a patience of n / 8
    // instead of 200 gave a better result at 30 s and as good a one at 120 s.
    schedule.patience = (inst.n as u64 / 8).max(10);
    let mut sc = Scratch::new(inst.n, gs);
    let mut cur = State::new(inst, random_start(inst, rng));
    (0..gs).for_each(|g| sc.mark(g));
    let mut iterations = 0u64;
    let stopped = queue_search(&mut cur, inst, eps, &mut sc, iterations, should_stop);
    iterations += 1;
    let mut best = cur.group.clone();
    let mut best_key = (cur.broken, cur.value);
    if !stopped {
        while !should_stop(iterations) {
            let round = schedule.begin();
            if round.restart {
                cur.group.copy_from_slice(&best);
                cur.rebuild(inst);
            }
            let before = (cur.broken, cur.value);
            sc.log.clear();
            perturb(&mut cur, inst, round.strength, rng, &mut sc.log);
            // Queue every group the perturbation changed: the group each person it touched
            // ended in, and the group a moved person left. A group a person left by a swap
            // is where the partner ended, unless a later step changed it again, and then the
            // last such step queues it.
            for k in 0..sc.log.len() {
                match sc.log[k] {
                    Step::Move { i, from } => {
                        sc.mark(from);
                        sc.mark(cur.group[i]);
                    }
                    Step::Swap { i, j } => {
                        sc.mark(cur.group[i]);
                        sc.mark(cur.group[j]);
                    }
                }
            }
            let stopped = queue_search(&mut cur, inst, eps, &mut sc, iterations, should_stop);
            iterations += 1;
            if iterations & 4095 == 0 {
                cur.rebuild(inst);
            }
            let key = (cur.broken, cur.value);
            if better(key, best_key, eps) {
                best.copy_from_slice(&cur.group);
                best_key = key;
                schedule.new_best();
            }
            // Ties are kept too, so the search drifts across plateaus of equal value.
            if !round.strong && !no_worse(key, before, eps) {
                cur.undo(inst, &sc.log);
            }
            schedule.end(&round, better(key, before, eps));
            if stopped {
                break;
            }
        }
    }
    (best, iterations)
}
