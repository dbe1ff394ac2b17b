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

// One step of the search, recorded so that the search for many groups can undo a rejected
// round in place instead of copying its whole state every round.
#[derive(Debug, Clone, Copy)]
enum Step {
    // Person i moved out of group `from`.
    Move { i: usize, from: usize },
    // Persons i and j exchanged groups.
    Swap { i: usize, j: usize },
}

// The search state: an assignment plus the gain table that scores moves in O(1).
#[derive(Clone)]
struct State {
    group: Vec<usize>,
    size: Vec<usize>,
    // gain[g * n + i] is the summed distance from person i to the members of group g, plus
    // the penalty of each constraint partner of i in g. It is group-major so that applying a
    // move or a swap updates two contiguous rows, and so that a swap scan reads the gains of
    // everyone to one group in order; on large instances both matter more than anything else.
    gain: Vec<f64>,
    // own[i] is an exact copy of gain[group[i] * n + i], so that a scan over everyone's gain
    // to their own group reads memory in order instead of one row per person.
    own: Vec<f64>,
    // The people of each group, and where each person sits in their group's list.
    members: Vec<Vec<usize>>,
    pos: Vec<usize>,
    // The penalised value: the real objective plus the penalty times the number of
    // keep-together pairs, minus the penalty times the number of broken pairs. Between two
    // states with as many broken pairs it orders them as the real objective does.
    value: f64,
    // The number of constraint pairs broken.
    broken: usize,
}

impl State {
    fn new(inst: &Instance, group: Vec<usize>) -> State {
        let (n, gs) = (inst.n, inst.bounds.len());
        let mut st = State {
            group,
            size: vec![0; gs],
            gain: vec![0.0; n * gs],
            own: vec![0.0; n],
            members: vec![Vec::new(); gs],
            pos: vec![0; n],
            value: 0.0,
            broken: 0,
        };
        st.rebuild(inst);
        st
    }

    // Recomputes everything but the assignment from the assignment alone. The incremental
    // updates add and subtract floating-point numbers millions of times, so the solver calls
    // this now and then to stop rounding errors from piling up.
    fn rebuild(&mut self, inst: &Instance) {
        let n = inst.n;
        self.size.iter_mut().for_each(|s| *s = 0);
        self.gain.iter_mut().for_each(|x| *x = 0.0);
        self.members.iter_mut().for_each(Vec::clear);
        for (i, &g) in self.group.iter().enumerate() {
            self.size[g] += 1;
            self.pos[i] = self.members[g].len();
            self.members[g].push(i);
        }
        // Row m of the distance matrix is added to the gains towards m's group, which reads
        // and writes memory in order; by symmetry it is column m.
        for (m, &g) in self.group.iter().enumerate() {
            let row = &inst.d[m * n..(m + 1) * n];
            for (x, &dmk) in self.gain[g * n..(g + 1) * n].iter_mut().zip(row) {
                *x += dmk;
            }
        }
        for i in 0..n {
            for &(k, s) in inst.partners(i) {
                self.gain[self.group[k] * n + i] += s;
            }
        }
        self.broken = inst.pairs.len() - inst.pairs.iter().filter(|p| kept(p, &self.group)).count();
        let mut twice = 0.0;
        for i in 0..n {
            self.own[i] = self.gain[self.group[i] * n + i];
            twice += self.own[i];
        }
        self.value = twice / 2.0;
    }

    // Moves person i to group `to`; the caller has checked the bounds.
    fn apply_move(&mut self, inst: &Instance, i: usize, to: usize) {
        let n = inst.n;
        let from = self.group[i];
        self.value += self.gain[to * n + i] - self.gain[from * n + i];
        let row = &inst.d[i * n..(i + 1) * n];
        let (gf, gt) = two_rows(&mut self.gain, n, from, to);
        for ((f, t), &dik) in gf.iter_mut().zip(gt.iter_mut()).zip(row) {
            *f -= dik;
            *t += dik;
        }
        let (mut before, mut after) = (0, 0);
        for &(k, s) in inst.partners(i) {
            self.gain[from * n + k] -= s;
            self.gain[to * n + k] += s;
            before += usize::from(breaks(s, self.group[k], from));
            after += usize::from(breaks(s, self.group[k], to));
        }
        self.broken = self.broken + after - before;
        self.group[i] = to;
        self.size[from] -= 1;
        self.size[to] += 1;
        let p = self.pos[i];
        self.members[from].swap_remove(p);
        if let Some(&moved) = self.members[from].get(p) {
            self.pos[moved] = p;
        }
        self.pos[i] = self.members[to].len();
        self.members[to].push(i);
        self.refresh_own(n, from);
        self.refresh_own(n, to);
    }

    // Exchanges persons i and j, who are in different groups; sizes stay the same.
    fn apply_swap(&mut self, inst: &Instance, i: usize, j: usize) {
        let n = inst.n;
        let (a, b) = (self.group[i], self.group[j]);
        let dij = inst.d[i * n + j] + inst.pair_penalty(i, j);
        self.value += swap_delta(&self.gain, &self.own, n, i, a, b, j, dij);
        let ri = &inst.d[i * n..(i + 1) * n];
        let rj = &inst.d[j * n..(j + 1) * n];
        let (ga, gb) = two_rows(&mut self.gain, n, a, b);
        for (((x, y), &dik), &djk) in ga.iter_mut().zip(gb.iter_mut()).zip(ri).zip(rj) {
            let diff = djk - dik;
            *x += diff;
            *y -= diff;
        }
        // The pair (i, j) itself stays split either way, so only other partners count.
        let (mut before, mut after) = (0, 0);
        for &(k, s) in inst.partners(i) {
            self.gain[a * n + k] -= s;
            self.gain[b * n + k] += s;
            if k != j {
                before += usize::from(breaks(s, self.group[k], a));
                after += usize::from(breaks(s, self.group[k], b));
            }
        }
        for &(k, s) in inst.partners(j) {
            self.gain[b * n + k] -= s;
            self.gain[a * n + k] += s;
            if k != i {
                before += usize::from(breaks(s, self.group[k], b));
                after += usize::from(breaks(s, self.group[k], a));
            }
        }
        self.broken = self.broken + after - before;
        self.group[i] = b;
        self.group[j] = a;
        self.members[a][self.pos[i]] = j;
        self.members[b][self.pos[j]] = i;
        self.pos.swap(i, j);
        self.refresh_own(n, a);
        self.refresh_own(n, b);
    }

    fn refresh_own(&mut self, n: usize, g: usize) {
        for &k in &self.members[g] {
            self.own[k] = self.gain[g * n + k];
        }
    }

    // Reverts `steps`, newest first.
    fn undo(&mut self, inst: &Instance, steps: &[Step]) {
        for &step in steps.iter().rev() {
            match step {
                Step::Move { i, from } => self.apply_move(inst, i, from),
                Step::Swap { i, j } => self.apply_swap(inst, i, j),
            }
        }
    }
}

// Whether a constraint pair with penalty `s` (negative to keep apart) is broken when its two
// people are in groups `g` and `h`.
#[inline]
fn breaks(s: f64, g: usize, h: usize) -> bool {
    (g == h) == (s < 0.0)
}

// Whether `groups` keeps the constraint pair `p`.
fn kept(p: &(usize, usize, Constraint), groups: &[usize]) -> bool {
    (groups[p.0] == groups[p.1]) == (p.2 == Constraint::KeepTogether)
}

// Rows `a` and `b` (different) of a table with rows of length n, both mutable.
fn two_rows(v: &mut [f64], n: usize, a: usize, b: usize) -> (&mut [f64], &mut [f64]) {
    if a < b {
        let (lo, hi) = v.split_at_mut(b * n);
        (&mut lo[a * n..(a + 1) * n], &mut hi[..n])
    } else {
        let (lo, hi) = v.split_at_mut(a * n);
        (&mut hi[..n], &mut lo[b * n..(b + 1) * n])
    }
}

// The change in value from exchanging i (in group a) with j (in group b), where `dij` is
// their distance plus their pair's penalty.
#[allow(clippy::too_many_arguments)]
#[inline]
fn swap_delta(
    gain: &[f64],
    own: &[f64],
    n: usize,
    i: usize,
    a: usize,
    b: usize,
    j: usize,
    dij: f64,
) -> f64 {
    gain[b * n + i] - gain[a * n + i] + gain[a * n + j] - own[j] - 2.0 * dij
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

// Applies `strength` random feasible moves or swaps, recording them in `log`. Attempts are
// capped because with some bounds (one group, or groups that are all full and at their
// minimum) few or no moves exist.
fn perturb(
    st: &mut State,
    inst: &Instance,
    strength: usize,
    rng: &mut impl Rng,
    log: &mut Vec<Step>,
) {
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
            log.push(Step::Move { i, from: a });
            st.apply_move(inst, i, b);
        } else {
            log.push(Step::Swap { i, j });
            st.apply_swap(inst, i, j);
        }
        done += 1;
    }
}

// Working memory of the search, allocated once.
struct Scratch {
    // pen[j] is the penalty of the pair (i, j) while person i's swaps are scanned, else 0.
    pen: Vec<f64>,
    // The gains of the person whose moves are scanned, one per group.
    col: Vec<f64>,
    // The partner terms of the group whose members are scanned (see `partner_terms`).
    t: Vec<f64>,
    // The groups that changed since the search last looked at them, in order, each once.
    queue: std::collections::VecDeque<usize>,
    queued: Vec<bool>,
    // The members of the group being scanned, copied because scanning changes them.
    snapshot: Vec<usize>,
    // The steps of the current round, to undo it.
    log: Vec<Step>,
}

impl Scratch {
    fn new(n: usize, gs: usize) -> Scratch {
        Scratch {
            pen: vec![0.0; n],
            col: vec![0.0; gs],
            t: vec![0.0; n],
            queue: std::collections::VecDeque::with_capacity(gs),
            queued: vec![false; gs],
            snapshot: Vec::new(),
            log: Vec::new(),
        }
    }

    fn mark(&mut self, g: usize) {
        if !self.queued[g] {
            self.queued[g] = true;
            self.queue.push_back(g);
        }
    }
}

// Improves `st` with first-improvement one-moves and swaps until neither improves it by more
// than `eps`, in full passes over everyone. Returns true when the stop rule fired during the
// search.
fn local_search(
    st: &mut State,
    inst: &Instance,
    eps: f64,
    sc: &mut Scratch,
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
                let here = st.gain[a * n + i];
                let mut best = eps;
                let mut to = a;
                for g in 0..gs {
                    let x = st.gain[g * n + i];
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
            let partners = inst.partners(i);
            for &(k, s) in partners {
                sc.pen[k] = s;
            }
            // Most people have no constraint, and their scan skips the penalty lookups.
            let pen = (!partners.is_empty()).then_some(&sc.pen[..]);
            let mut from = i + 1;
            loop {
                for (g, c) in sc.col.iter_mut().enumerate() {
                    *c = st.gain[g * n + i];
                }
                let Some(j) = first_swap(st, inst, &sc.col, pen, i, from, eps) else {
                    break;
                };
                st.apply_swap(inst, i, j);
                improved = true;
                from = j + 1;
            }
            for &(k, _) in partners {
                sc.pen[k] = 0.0;
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

// The first person j from `from` on whose swap with person i improves the value by more than
// `eps`, if any: `col` holds i's gains to each group and `pen`, when i has constraint
// partners, their penalties. The scan reads every array in order, without index checks.
fn first_swap(
    st: &State,
    inst: &Instance,
    col: &[f64],
    pen: Option<&[f64]>,
    i: usize,
    from: usize,
    eps: f64,
) -> Option<usize> {
    let n = inst.n;
    let a = st.group[i];
    let here = col[a];
    let group = &st.group[from..];
    let row = &st.gain[a * n + from..(a + 1) * n];
    let own = &st.own[from..];
    let di = &inst.d[i * n + from..(i + 1) * n];
    let found = match pen {
        None => group
            .iter()
            .zip(row)
            .zip(own)
            .zip(di)
            .position(|(((&b, &x), &o), &dij)| b != a && col[b] - here + x - o - 2.0 * dij > eps),
        Some(pen) => group
            .iter()
            .zip(row)
            .zip(own)
            .zip(di)
            .zip(&pen[from..])
            .position(|((((&b, &x), &o), &dij), &p)| {
                b != a && col[b] - here + x - o - 2.0 * (dij + p) > eps
            }),
    };
    found.map(|k| from + k)
}

// The local search for many groups: it looks only at the groups queued in `sc` (those
// changed since it last looked), taking for each of their members the best move or else the
// best swap with anyone, and for the group the best move into it, and queues every group a
// step changes. Gains between two unchanged groups are unchanged, so when the queue is empty
// no move or swap improves `st` by more than `eps`, as after a full pass. Steps are appended
// to `sc.log`. Returns true when the stop rule fired during the search.
fn queue_search(
    st: &mut State,
    inst: &Instance,
    eps: f64,
    sc: &mut Scratch,
    iterations: u64,
    should_stop: &mut dyn FnMut(u64) -> bool,
) -> bool {
    let n = inst.n;
    let flexible = inst.bounds.iter().any(|&(lo, hi)| lo < hi);
    let mut since_poll = 0u32;
    while let Some(g) = sc.queue.pop_front() {
        sc.queued[g] = false;
        sc.snapshot.clear();
        sc.snapshot.extend_from_slice(&st.members[g]);
        // Whether sc.t holds the current partner terms of group g.
        let mut fresh = false;
        for k in 0..sc.snapshot.len() {
            let i = sc.snapshot[k];
            if st.group[i] != g {
                continue;
            }
            // i's gains, summed afresh from row i of the distances: reading them from the
            // table would touch one memory page per group, which on large instances costs
            // more than reading the row, which the swap scan then finds in cache.
            let di = &inst.d[i * n..(i + 1) * n];
            sc.col.iter_mut().for_each(|c| *c = 0.0);
            for (&h, &dim) in st.group.iter().zip(di) {
                sc.col[h] += dim;
            }
            let partners = inst.partners(i);
            for &(p, s) in partners {
                sc.col[st.group[p]] += s;
            }
            let here = sc.col[g];
            if flexible && st.size[g] > inst.bounds[g].0 {
                let mut best = eps;
                let mut to = g;
                for (h, &x) in sc.col.iter().enumerate() {
                    if h != g && x - here > best && st.size[h] < inst.bounds[h].1 {
                        best = x - here;
                        to = h;
                    }
                }
                if to != g {
                    sc.log.push(Step::Move { i, from: g });
                    st.apply_move(inst, i, to);
                    sc.mark(g);
                    sc.mark(to);
                    fresh = false;
                    continue;
                }
            }
            if !fresh {
                partner_terms(st, n, g, &mut sc.t);
                fresh = true;
            }
            let j = if partners.is_empty() {
                best_swap(&sc.t, &sc.col, &st.group, di, here, eps)
            } else {
                for &(p, s) in partners {
                    sc.pen[p] = s;
                }
                let j = best_swap_penalised(&sc.t, &sc.col, &st.group, di, &sc.pen, here, eps);
                for &(p, _) in partners {
                    sc.pen[p] = 0.0;
                }
                j
            };
            if let Some(j) = j {
                let b = st.group[j];
                sc.log.push(Step::Swap { i, j });
                st.apply_swap(inst, i, j);
                sc.mark(g);
                sc.mark(b);
                fresh = false;
            }
        }
        if flexible && st.size[g] < inst.bounds[g].1 {
            let row = &st.gain[g * n..(g + 1) * n];
            let mut best = eps;
            let mut who = None;
            for (k, (&x, &o)) in row.iter().zip(&st.own).enumerate() {
                let h = st.group[k];
                if h != g && x - o > best && st.size[h] > inst.bounds[h].0 {
                    best = x - o;
                    who = Some(k);
                }
            }
            if let Some(k) = who {
                let from = st.group[k];
                sc.log.push(Step::Move { i: k, from });
                st.apply_move(inst, k, g);
                sc.mark(g);
                sc.mark(from);
            }
        }
        since_poll += 1;
        if since_poll == 8 {
            since_poll = 0;
            if should_stop(iterations) {
                return true;
            }
        }
    }
    false
}

// The part of a swap's value that depends on the partner j alone when a member of group g
// trades places with j: j's gain to g minus j's gain to its own group; minus infinity for
// the members of g, with whom there is no swap. Shared by all members of g.
fn partner_terms(st: &State, n: usize, g: usize, t: &mut [f64]) {
    let row = &st.gain[g * n..(g + 1) * n];
    for (((t, &x), &o), &h) in t.iter_mut().zip(row).zip(&st.own).zip(&st.group) {
        *t = if h == g { f64::NEG_INFINITY } else { x - o };
    }
}

// The partner j whose swap with person i improves the value most, by more than `eps`, if
// any: `t` holds the partner terms of i's group, `col` i's gains to each group, `here` i's
// gain to its own group, and `di` row i of the distances.
fn best_swap(
    t: &[f64],
    col: &[f64],
    group: &[usize],
    di: &[f64],
    here: f64,
    eps: f64,
) -> Option<usize> {
    let mut best = eps;
    let mut who = None;
    for (j, ((&tj, &b), &dij)) in t.iter().zip(group).zip(di).enumerate() {
        let delta = col[b] - here + tj - 2.0 * dij;
        if delta > best {
            best = delta;
            who = Some(j);
        }
    }
    who
}

// `best_swap` for a person with constraint partners, whose penalties are in `pen`.
fn best_swap_penalised(
    t: &[f64],
    col: &[f64],
    group: &[usize],
    di: &[f64],
    pen: &[f64],
    here: f64,
    eps: f64,
) -> Option<usize> {
    let mut best = eps;
    let mut who = None;
    for (j, (((&tj, &b), &dij), &p)) in t.iter().zip(group).zip(di).zip(pen).enumerate() {
        let delta = col[b] - here + tj - 2.0 * (dij + p);
        if delta > best {
            best = delta;
            who = Some(j);
        }
    }
    who
}

// Whether (broken, value) `x` is better than `y` by more than `eps`: fewer broken constraints
// first, then a larger value.
fn better(x: (usize, f64), y: (usize, f64), eps: f64) -> bool {
    x.0 < y.0 || (x.0 == y.0 && x.1 > y.1 + eps)
}

// Whether `x` is at least as good as `y`, within `eps`.
fn no_worse(x: (usize, f64), y: (usize, f64), eps: f64) -> bool {
    x.0 < y.0 || (x.0 == y.0 && x.1 >= y.1 - eps)
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
