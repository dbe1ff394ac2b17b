//! Diverse small groups from a pool: people to distances, the grouping search, roles, and
//! a report that says how diverse the result is compared with a random grouping.
//!
//! The distance of two people is a weighted sum of how different they are
//! ([`Weights`]): 1 per differing department, function and location (when both are known), the
//! gap in seniority and in tenure as a share of the pool's range, and one minus the Jaccard
//! similarity of their skill sets. Having been together before subtracts `history` per
//! earlier meeting, fading with a half-life, so the search prefers new combinations without
//! ever counting an old meeting as bad as a recent one. A manager and their direct report,
//! and anyone on the other's block list, are kept apart as hard constraints; pairs the
//! facilitator lists can be kept apart or together too.

use super::{History, Pool, RosterRow};
use crate::text::fold;
use chrono::NaiveDate;
use peerlab_match::assignment::min_cost_assignment;
use peerlab_match::grouping::{self, Constraint, GroupingError, Instance};
use rand::seq::SliceRandom;
use rand::Rng;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// The weight of each kind of difference in the distance of two people, and how the penalty
/// for having met before fades.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// Different departments.
    pub department: f64,
    /// Different functions.
    pub function: f64,
    /// Different locations.
    pub location: f64,
    /// The seniority gap, as a share of the pool's range.
    pub seniority: f64,
    /// The tenure gap, as a share of the pool's range.
    pub tenure: f64,
    /// One minus the Jaccard similarity of the two skill sets.
    pub skills: f64,
    /// Subtracted per earlier meeting of the pair, before fading.
    pub history: f64,
    /// After this many days an earlier meeting counts half.
    pub half_life_days: f64,
}

impl Default for Weights {
    /// Department counts most, then function; a recent meeting outweighs every attribute
    /// together, so a repeat is taken only when nothing else is possible.
    fn default() -> Self {
        Weights {
            department: 3.0,
            function: 2.0,
            location: 1.0,
            seniority: 1.0,
            tenure: 1.0,
            skills: 1.0,
            history: 10.0,
            half_life_days: 180.0,
        }
    }
}

impl Weights {
    /// The names [`Weights::parse`] accepts.
    pub const NAMES: [&'static str; 8] = [
        "department",
        "function",
        "location",
        "seniority",
        "tenure",
        "skills",
        "history",
        "half_life_days",
    ];

    /// Reads `name=value` pairs separated by commas (for example `department=5,history=20`)
    /// over the defaults.
    pub fn parse(spec: &str) -> Result<Weights, String> {
        let mut w = Weights::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((name, value)) = item.split_once('=') else {
                return Err(format!("weight '{item}' must look like department=3"));
            };
            let v: f64 = value
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && (0.0..=1000.0).contains(v))
                .ok_or_else(|| format!("weight {} must be a number from 0 to 1000", name.trim()))?;
            w.set(name.trim(), v)?;
        }
        if w.half_life_days <= 0.0 {
            return Err("half_life_days must be above 0".into());
        }
        Ok(w)
    }

    /// Sets one weight by name.
    pub fn set(&mut self, name: &str, v: f64) -> Result<(), String> {
        let slot = match name {
            "department" => &mut self.department,
            "function" => &mut self.function,
            "location" => &mut self.location,
            "seniority" => &mut self.seniority,
            "tenure" => &mut self.tenure,
            "skills" => &mut self.skills,
            "history" => &mut self.history,
            "half_life_days" => &mut self.half_life_days,
            _ => {
                return Err(format!(
                    "unknown weight '{name}'; the weights are {}",
                    Weights::NAMES.join(", ")
                ))
            }
        };
        *slot = v;
        Ok(())
    }
}

/// The allowed size of every group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeRange {
    /// The smallest group.
    pub min: usize,
    /// The largest group.
    pub max: usize,
}

impl SizeRange {
    /// The largest group size accepted; larger groups are not small groups.
    pub const LIMIT: usize = 50;

    /// Reads `4-5` or `5`.
    pub fn parse(raw: &str) -> Result<SizeRange, String> {
        let (lo, hi) = raw.split_once('-').unwrap_or((raw, raw));
        let num = |s: &str| s.trim().parse::<usize>().ok();
        match (num(lo), num(hi)) {
            (Some(min), Some(max)) if 2 <= min && min <= max && max <= Self::LIMIT => {
                Ok(SizeRange { min, max })
            }
            (Some(min), Some(max)) if min > max => Err(format!(
                "group size {raw}: the minimum {min} is above the maximum {max}"
            )),
            (Some(_), Some(_)) => Err(format!(
                "group size {raw}: sizes must be from 2 to {}",
                Self::LIMIT
            )),
            _ => Err(format!("group size '{raw}' must look like 4-5 or 5")),
        }
    }

    /// The number of groups for `n` people: as few as the maximum size allows, which also
    /// keeps the sizes as even as the bounds let them be.
    pub fn groups_for(&self, n: usize) -> Result<usize, String> {
        let g = n.div_ceil(self.max).max(1);
        if g * self.min > n {
            let fewer = g - 1;
            return Err(if fewer == 0 {
                format!(
                    "{n} people cannot form a group of {} to {}",
                    self.min, self.max
                )
            } else {
                format!(
                    "{n} people cannot be split into groups of {} to {}: {fewer} group(s) hold at \
                     most {} and {g} need at least {}",
                    self.min,
                    self.max,
                    fewer * self.max,
                    g * self.min
                )
            });
        }
        Ok(g)
    }
}

/// A role each group needs; `function` is the job function it mirrors, which its holder
/// should not have.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleSpec {
    /// The role, as it is written in the roster.
    pub name: String,
    /// The function the role stands for, if any.
    pub function: Option<String>,
}

impl RoleSpec {
    /// Reads `name` or `name=function`, for example `account lead=Sales`.
    pub fn parse(raw: &str) -> Result<RoleSpec, String> {
        let (name, function) = match raw.split_once('=') {
            Some((n, f)) => (n.trim(), Some(f.trim())),
            None => (raw.trim(), None),
        };
        if name.is_empty() || name.chars().count() > 60 {
            return Err(format!("role '{raw}' needs a name of 1 to 60 characters"));
        }
        if function.is_some_and(str::is_empty) {
            return Err(format!("role '{raw}' has an empty function after '='"));
        }
        Ok(RoleSpec {
            name: name.to_owned(),
            function: function.map(str::to_owned),
        })
    }
}

/// What to form.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupOptions {
    /// The allowed group size.
    pub size: SizeRange,
    /// How people's differences and earlier meetings count.
    pub weights: Weights,
    /// The roles every group needs, filled in this order of importance; members beyond them
    /// get no role.
    pub roles: Vec<RoleSpec>,
    /// Pairs to keep apart besides managers with their reports and block lists.
    pub keep_apart: Vec<(usize, usize)>,
    /// Pairs to keep together.
    pub keep_together: Vec<(usize, usize)>,
    /// The session's date, from which earlier meetings and tenure are aged.
    pub today: NaiveDate,
}

/// Why groups cannot be formed. Each message names the people or the limit at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupsError(pub String);

impl fmt::Display for GroupsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GroupsError {}

/// A checked problem, ready to solve: the pool's distances and constraints.
pub struct Prepared<'a> {
    pub(super) pool: &'a Pool,
    pub(super) options: GroupOptions,
    pub(super) instance: Instance,
    pub(super) history: HashMap<(usize, usize), f64>,
    pub(super) roles_before: HashMap<(usize, String), f64>,
    /// Every pair kept apart (managers and reports, block lists, the keep-apart list).
    pub(super) apart_pairs: Vec<(usize, usize)>,
    /// Every pair kept together.
    pub(super) together_pairs: Vec<(usize, usize)>,
    apart: usize,
    together: usize,
}

impl Prepared<'_> {
    /// The pool being grouped.
    pub fn pool(&self) -> &Pool {
        self.pool
    }

    /// The number of groups every grouping of this problem has.
    pub fn group_count(&self) -> usize {
        self.instance.bounds().len()
    }

    /// The options it was prepared with.
    pub fn options(&self) -> &GroupOptions {
        &self.options
    }
}

/// Checks the options against the pool and builds the grouping problem. Fails, naming the
/// cause, when the sizes cannot hold the pool, when there are more roles than the smallest
/// group has members, or when constraints contradict each other.
pub fn prepare<'a>(
    pool: &'a Pool,
    history: &History,
    options: GroupOptions,
) -> Result<Prepared<'a>, GroupsError> {
    let n = pool.len();
    if n == 0 {
        return Err(GroupsError("there is nobody to group".into()));
    }
    let g = options.size.groups_for(n).map_err(GroupsError)?;
    if options.roles.len() > options.size.min {
        return Err(GroupsError(format!(
            "{} roles need groups of at least {} people, but the smallest group may have {}",
            options.roles.len(),
            options.roles.len(),
            options.size.min
        )));
    }
    let mut seen = HashSet::new();
    for r in &options.roles {
        if !seen.insert(fold(&r.name)) {
            return Err(GroupsError(format!("role '{}' is listed twice", r.name)));
        }
    }

    let w = &options.weights;
    let history_weights = history.pair_weights(options.today, w.half_life_days);
    let features = Features::new(pool, options.today);
    // Earlier meetings per person, sorted, so a row of distances needs no hashing.
    let mut met: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for (&(a, b), &x) in &history_weights {
        met[a].push((b, x));
        met[b].push((a, x));
    }
    met.iter_mut().for_each(|m| m.sort_by_key(|e| e.0));
    let distance = |i: usize, j: usize| {
        let before = met[i]
            .binary_search_by_key(&j, |e| e.0)
            .map_or(0.0, |k| met[i][k].1);
        features.distance(w, i, j) - w.history * before
    };
    let bounds = vec![(options.size.min, options.size.max); g];
    let instance = Instance::new(n, bounds, distance).map_err(|e| GroupsError(e.to_string()))?;

    let mut apart = pool.manager_pairs();
    apart.extend(pool.block_pairs());
    apart.extend(options.keep_apart.iter().copied());
    let together = options.keep_together.clone();
    let instance = instance
        .with_constraints(&apart, &together)
        .map_err(|e| GroupsError(constraint_message(pool, &apart, e)))?;
    let distinct = |pairs: &[(usize, usize)]| {
        pairs
            .iter()
            .map(|&(a, b)| (a.min(b), a.max(b)))
            .collect::<HashSet<_>>()
            .len()
    };
    Ok(Prepared {
        pool,
        apart: distinct(&apart),
        together: distinct(&together),
        apart_pairs: apart,
        together_pairs: together,
        roles_before: history.role_weights(options.today, w.half_life_days),
        history: history_weights,
        instance,
        options,
    })
}

// Says in people's names why the constraints cannot all hold.
fn constraint_message(pool: &Pool, apart: &[(usize, usize)], e: GroupingError) -> String {
    let who = |i: usize| format!("{} <{}>", pool.name(i), pool.people()[i].email);
    match e {
        GroupingError::Contradiction { i, j } => {
            let why = if pool
                .manager_pairs()
                .iter()
                .any(|&p| p == (i, j) || p == (j, i))
            {
                "one manages the other"
            } else if pool.block_pairs().contains(&(i.min(j), i.max(j))) {
                "one blocks the other"
            } else if apart.iter().any(|&p| p == (i, j) || p == (j, i)) {
                "the keep-apart list says so"
            } else {
                "the constraints say so"
            };
            format!(
                "{} and {} must be kept together (through the keep-together list) and kept apart \
                 ({why}); remove one of the two constraints",
                who(i),
                who(j)
            )
        }
        GroupingError::TogetherTooLarge { members, max } => format!(
            "the keep-together list links {} people ({}), more than the largest group of {max}",
            members.len(),
            members
                .iter()
                .map(|&i| who(i))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

/// Formed groups with roles, and the report on them.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouping {
    /// The members of each group, by pool index, in pool order.
    pub groups: Vec<Vec<usize>>,
    /// Each member's role, empty for none, indexed by pool index.
    pub roles: Vec<String>,
    /// How diverse the groups are.
    pub report: Report,
}

impl Grouping {
    /// The grouping as roster rows for `today`, group by group.
    pub fn roster(&self, today: NaiveDate) -> Vec<RosterRow> {
        let mut rows = Vec::with_capacity(self.roles.len());
        for (g, members) in self.groups.iter().enumerate() {
            for &m in members {
                rows.push(RosterRow {
                    date: today,
                    round: 1,
                    group: g + 1,
                    member: m,
                    role: self.roles[m].clone(),
                    reasons: String::new(),
                });
            }
        }
        rows
    }
}

/// Searches for diverse groups until `should_stop` says so (it receives the number of
/// completed searches), assigns roles, and reports. `rng` drives the search and the random
/// baseline of the report, so a seed and an iteration budget reproduce the result.
///
/// Fails only when the search ends with a hard constraint still broken, naming the people.
pub fn form(
    prepared: &Prepared,
    rng: &mut impl Rng,
    should_stop: &mut dyn FnMut(u64) -> bool,
) -> Result<Grouping, GroupsError> {
    let Prepared { pool, instance, .. } = prepared;
    let solution = grouping::solve(instance, rng, should_stop);
    if let Some(&(i, j, kind)) = solution.broken.first() {
        let who = |i: usize| format!("{} <{}>", pool.name(i), pool.people()[i].email);
        let what = match kind {
            Constraint::KeepApart => "keep apart",
            Constraint::KeepTogether => "keep together",
        };
        return Err(GroupsError(format!(
            "no grouping was found that can {what} {} and {} ({} constraint(s) broken in the \
             best grouping found); allow larger or more groups, or drop constraints",
            who(i),
            who(j),
            solution.broken.len()
        )));
    }
    let mut groups = vec![Vec::new(); instance.bounds().len()];
    for (i, &g) in solution.groups.iter().enumerate() {
        groups[g].push(i);
    }
    let roles = assign_roles(prepared, &groups);
    let report = Report::new(
        prepared,
        &groups,
        &roles,
        solution.objective,
        solution.iterations,
        rng,
    );
    Ok(Grouping {
        groups,
        roles,
        report,
    })
}

// The cost of giving a role its holder's own function: above any rotation cost, so the
// assignment avoids it whenever another member can take the role.
const OWN_FUNCTION: i64 = 1_000_000;
// The cost per earlier (faded) time a person played the same role.
const REPEAT_ROLE: f64 = 1_000.0;

// Assigns the roles within each group by an exact minimum-cost assignment: the members are
// the rows; the columns are the roles and then one "no role" column per remaining member.
// Earlier roles count by how often (faded) the person played them, so roles rotate.
pub(super) fn assign_roles(prepared: &Prepared, groups: &[Vec<usize>]) -> Vec<String> {
    let pool = prepared.pool;
    let roles = &prepared.options.roles;
    let mut out = vec![String::new(); pool.len()];
    if roles.is_empty() {
        return out;
    }
    let folded: Vec<String> = roles.iter().map(|r| fold(&r.name)).collect();
    for members in groups {
        let cost: Vec<Vec<i64>> = members
            .iter()
            .map(|&m| {
                let function = pool.people()[m].function.as_deref().map(fold);
                let mut row: Vec<i64> = roles
                    .iter()
                    .zip(&folded)
                    .map(|(r, key)| {
                        let own = match (&r.function, &function) {
                            (Some(rf), Some(f)) if !f.is_empty() && fold(rf) == *f => OWN_FUNCTION,
                            _ => 0,
                        };
                        let before = prepared
                            .roles_before
                            .get(&(m, key.clone()))
                            .copied()
                            .unwrap_or(0.0);
                        own + (REPEAT_ROLE * before).round() as i64
                    })
                    .collect();
                row.resize(members.len(), 0);
                row
            })
            .collect();
        let columns = min_cost_assignment(&cost);
        for (&m, &c) in members.iter().zip(&columns) {
            if let Some(r) = roles.get(c) {
                out[m] = r.name.clone();
            }
        }
    }
    out
}

// The attributes of each member, interned so that distances are cheap to compute.
struct Features {
    department: Vec<u32>,
    function: Vec<u32>,
    location: Vec<u32>,
    seniority: Vec<Option<f64>>,
    seniority_range: f64,
    tenure: Vec<Option<f64>>,
    tenure_range: f64,
    skills: Vec<Vec<u32>>,
}

impl Features {
    fn new(pool: &Pool, today: NaiveDate) -> Features {
        let mut ids: HashMap<String, u32> = HashMap::new();
        // 0 means "not known"; every known value gets its own id.
        let mut intern = |v: Option<&str>| -> u32 {
            match v.map(|s| fold(s.trim())).filter(|s| !s.is_empty()) {
                None => 0,
                Some(key) => {
                    let next = ids.len() as u32 + 1;
                    *ids.entry(key).or_insert(next)
                }
            }
        };
        let people = pool.people();
        let department = people
            .iter()
            .map(|m| intern(m.department.as_deref()))
            .collect();
        let function = people
            .iter()
            .map(|m| intern(m.function.as_deref()))
            .collect();
        let location = people
            .iter()
            .map(|m| intern(m.location.as_deref()))
            .collect();
        let seniority: Vec<Option<f64>> = people.iter().map(|m| m.seniority).collect();
        let tenure: Vec<Option<f64>> = people
            .iter()
            .map(|m| {
                m.start_date
                    .map(|d| (today - d).num_days().max(0) as f64 / 365.25)
            })
            .collect();
        let skills = people
            .iter()
            .map(|m| {
                let mut s: Vec<u32> = m
                    .skills
                    .iter()
                    .map(|(name, _)| intern(Some(&name.key())))
                    .collect();
                s.sort_unstable();
                s.dedup();
                s
            })
            .collect();
        Features {
            department,
            function,
            location,
            seniority_range: range(&seniority),
            seniority,
            tenure_range: range(&tenure),
            tenure,
            skills,
        }
    }

    fn distance(&self, w: &Weights, i: usize, j: usize) -> f64 {
        let differ = |v: &[u32]| (v[i] != 0 && v[j] != 0 && v[i] != v[j]) as u8 as f64;
        let gap = |v: &[Option<f64>], range: f64| match (v[i], v[j]) {
            (Some(a), Some(b)) if range > 0.0 => (a - b).abs() / range,
            _ => 0.0,
        };
        let skills = {
            let (a, b) = (&self.skills[i], &self.skills[j]);
            if a.is_empty() || b.is_empty() {
                0.0
            } else {
                // One minus the Jaccard similarity: shared skills over all skills of the two.
                let common = sorted_common(a, b) as f64;
                1.0 - common / ((a.len() + b.len()) as f64 - common)
            }
        };
        w.department * differ(&self.department)
            + w.function * differ(&self.function)
            + w.location * differ(&self.location)
            + w.seniority * gap(&self.seniority, self.seniority_range)
            + w.tenure * gap(&self.tenure, self.tenure_range)
            + w.skills * skills
    }
}

fn range(v: &[Option<f64>]) -> f64 {
    let known = v.iter().flatten();
    let lo = known.clone().fold(f64::INFINITY, |a, &b| a.min(b));
    let hi = known.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    if hi > lo {
        hi - lo
    } else {
        0.0
    }
}

// The number of values two sorted, deduplicated lists share.
fn sorted_common(a: &[u32], b: &[u32]) -> usize {
    let (mut x, mut y, mut common) = (0, 0, 0);
    while x < a.len() && y < b.len() {
        match a[x].cmp(&b[y]) {
            std::cmp::Ordering::Less => x += 1,
            std::cmp::Ordering::Greater => y += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                x += 1;
                y += 1;
            }
        }
    }
    common
}

/// One way of measuring diversity, for the formed groups and for a random grouping of the
/// same sizes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Measure {
    /// What is measured, for example "departments per group".
    pub label: &'static str,
    /// The mean over the formed groups.
    pub formed: f64,
    /// The mean over random groupings with the same group sizes.
    pub random: f64,
}

/// How diverse the formed groups are, next to what chance would give.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Report {
    /// The number of people grouped.
    pub people: usize,
    /// The number of groups.
    pub groups: usize,
    /// The smallest group formed.
    pub smallest: usize,
    /// The largest group formed.
    pub largest: usize,
    /// The number of local searches the solver ran.
    pub searches: u64,
    /// Mean distinct values or spreads per group, attribute by attribute. Attributes nobody
    /// in the pool has are left out.
    pub measures: Vec<Measure>,
    /// Pairs placed together who had met before (per the history).
    pub repeat_pairs: usize,
    /// The same count for a random grouping, on average.
    pub random_repeat_pairs: f64,
    /// The summed distance within groups that the search maximised, without the constraints.
    pub score: f64,
    /// The same sum for a random grouping, on average.
    pub random_score: f64,
    /// Pairs kept apart (managers and reports, block lists, the keep-apart list); all held.
    pub kept_apart: usize,
    /// Pairs kept together; all held.
    pub kept_together: usize,
    /// Roles handed out.
    pub roles_given: usize,
    /// Role holders whose role mirrors their own function (only where nobody else could take
    /// it).
    pub roles_own_function: usize,
    /// Role holders who played the same role before.
    pub roles_repeated: usize,
}

// Random groupings averaged for the report's baseline.
const BASELINE_SAMPLES: usize = 20;

impl Report {
    pub(super) fn new(
        prepared: &Prepared,
        groups: &[Vec<usize>],
        roles: &[String],
        score: f64,
        searches: u64,
        rng: &mut impl Rng,
    ) -> Report {
        let pool = prepared.pool;
        let people = pool.people();
        let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
        let today = prepared.options.today;
        let tenure = |i: usize| {
            people[i]
                .start_date
                .map(|d| (today - d).num_days().max(0) as f64 / 365.25)
        };
        type Metric<'m> = (&'static str, Box<dyn Fn(&[usize]) -> f64 + 'm>);
        let distinct = |f: fn(&super::PersonFacts) -> Option<&str>| {
            move |g: &[usize]| {
                g.iter()
                    .filter_map(|&i| f(&people[i]).map(fold).filter(|s| !s.is_empty()))
                    .collect::<HashSet<_>>()
                    .len() as f64
            }
        };
        let spread = |f: &dyn Fn(usize) -> Option<f64>, g: &[usize]| {
            let v: Vec<f64> = g.iter().filter_map(|&i| f(i)).collect();
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if v.len() > 1 {
                hi - lo
            } else {
                0.0
            }
        };
        let mut metrics: Vec<Metric> = Vec::new();
        let has = |f: &dyn Fn(&super::PersonFacts) -> bool| people.iter().any(f);
        if has(&|m| {
            m.department
                .as_deref()
                .is_some_and(|s| !s.trim().is_empty())
        }) {
            metrics.push((
                "departments per group",
                Box::new(distinct(|m| m.department.as_deref())),
            ));
        }
        if has(&|m| m.function.as_deref().is_some_and(|s| !s.trim().is_empty())) {
            metrics.push((
                "functions per group",
                Box::new(distinct(|m| m.function.as_deref())),
            ));
        }
        if has(&|m| m.location.as_deref().is_some_and(|s| !s.trim().is_empty())) {
            metrics.push((
                "locations per group",
                Box::new(distinct(|m| m.location.as_deref())),
            ));
        }
        if has(&|m| !m.skills.is_empty()) {
            metrics.push((
                "distinct skills per group",
                Box::new(|g: &[usize]| {
                    g.iter()
                        .flat_map(|&i| people[i].skills.iter())
                        .map(|(s, _)| s.key())
                        .collect::<HashSet<_>>()
                        .len() as f64
                }),
            ));
        }
        if has(&|m| m.seniority.is_some()) {
            metrics.push((
                "seniority spread per group",
                Box::new(move |g| spread(&|i| people[i].seniority, g)),
            ));
        }
        if has(&|m| m.start_date.is_some()) {
            metrics.push((
                "tenure spread per group (years)",
                Box::new(move |g| spread(&tenure, g)),
            ));
        }
        let repeats = |groups: &[Vec<usize>]| {
            groups
                .iter()
                .map(|g| {
                    let mut k = 0;
                    for (x, &a) in g.iter().enumerate() {
                        for &b in &g[x + 1..] {
                            k += prepared.history.contains_key(&(a.min(b), a.max(b))) as usize;
                        }
                    }
                    k
                })
                .sum::<usize>()
        };
        let score_of = |groups: &[Vec<usize>]| {
            let mut assignment = vec![0; pool.len()];
            for (k, g) in groups.iter().enumerate() {
                for &i in g {
                    assignment[i] = k;
                }
            }
            prepared.instance.objective(&assignment)
        };
        let mean = |groups: &[Vec<usize>], f: &dyn Fn(&[usize]) -> f64| {
            groups.iter().map(|g| f(g)).sum::<f64>() / groups.len() as f64
        };

        let mut random_values = vec![0.0; metrics.len()];
        let (mut random_repeats, mut random_score) = (0.0, 0.0);
        let mut order: Vec<usize> = (0..pool.len()).collect();
        for _ in 0..BASELINE_SAMPLES {
            order.shuffle(rng);
            let mut rest = &order[..];
            let random: Vec<Vec<usize>> = sizes
                .iter()
                .map(|&s| {
                    let (g, r) = rest.split_at(s);
                    rest = r;
                    g.to_vec()
                })
                .collect();
            for (v, (_, f)) in random_values.iter_mut().zip(&metrics) {
                *v += mean(&random, f.as_ref()) / BASELINE_SAMPLES as f64;
            }
            random_repeats += repeats(&random) as f64 / BASELINE_SAMPLES as f64;
            random_score += score_of(&random) / BASELINE_SAMPLES as f64;
        }

        let role_specs = &prepared.options.roles;
        let given: Vec<usize> = (0..pool.len()).filter(|&i| !roles[i].is_empty()).collect();
        let spec = |i: usize| role_specs.iter().find(|r| r.name == roles[i]);
        let roles_own_function = given
            .iter()
            .filter(|&&i| {
                let own = people[i].function.as_deref().map(fold);
                spec(i)
                    .and_then(|r| r.function.as_deref())
                    .is_some_and(|f| {
                        own.as_deref()
                            .is_some_and(|o| !o.is_empty() && o == fold(f))
                    })
            })
            .count();
        let roles_repeated = given
            .iter()
            .filter(|&&i| prepared.roles_before.contains_key(&(i, fold(&roles[i]))))
            .count();

        Report {
            people: pool.len(),
            groups: groups.len(),
            smallest: sizes.iter().copied().min().unwrap_or(0),
            largest: sizes.iter().copied().max().unwrap_or(0),
            searches,
            measures: metrics
                .iter()
                .zip(random_values)
                .map(|((label, f), random)| Measure {
                    label,
                    formed: mean(groups, f.as_ref()),
                    random,
                })
                .collect(),
            repeat_pairs: repeats(groups),
            random_repeat_pairs: random_repeats,
            score,
            random_score,
            kept_apart: prepared.apart,
            kept_together: prepared.together,
            roles_given: given.len(),
            roles_own_function,
            roles_repeated,
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sizes = if self.smallest == self.largest {
            self.smallest.to_string()
        } else {
            format!("{} to {}", self.smallest, self.largest)
        };
        writeln!(
            f,
            "{} people in {} groups of {sizes} ({} searches)",
            self.people, self.groups, self.searches
        )?;
        writeln!(f, "{:<34}{:>10}{:>10}", "", "formed", "random")?;
        for m in &self.measures {
            writeln!(f, "{:<34}{:>10.2}{:>10.2}", m.label, m.formed, m.random)?;
        }
        writeln!(
            f,
            "{:<34}{:>10}{:>10.1}",
            "pairs who met before", self.repeat_pairs, self.random_repeat_pairs
        )?;
        writeln!(
            f,
            "{:<34}{:>10.1}{:>10.1}",
            "diversity score", self.score, self.random_score
        )?;
        writeln!(
            f,
            "kept apart: {} pair(s) (managers and reports, block lists, keep-apart list), all held",
            self.kept_apart
        )?;
        if self.kept_together > 0 {
            writeln!(f, "kept together: {} pair(s), all held", self.kept_together)?;
        }
        if self.roles_given > 0 {
            writeln!(
                f,
                "roles: {} given; {} play their own function (no one else in the group could); \
                 {} repeat a role they played before",
                self.roles_given, self.roles_own_function, self.roles_repeated
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grouping::tests::pool;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).expect("date")
    }

    fn options(size: &str) -> GroupOptions {
        GroupOptions {
            size: SizeRange::parse(size).expect("size"),
            weights: Weights::default(),
            roles: Vec::new(),
            keep_apart: Vec::new(),
            keep_together: Vec::new(),
            today: day(),
        }
    }

    fn run(c: &Pool, h: &History, o: GroupOptions) -> Grouping {
        let p = prepare(c, h, o).expect("prepare");
        form(&p, &mut StdRng::seed_from_u64(7), &mut |done| done >= 300).expect("form")
    }

    // Eight people: four departments of two, one manager with a report in each.
    const EIGHT: &str = "name,email,department,function,manager_email\n\
        A1,a1@x.com,A,Sales,\n\
        A2,a2@x.com,A,Finance,a1@x.com\n\
        B1,b1@x.com,B,Sales,\n\
        B2,b2@x.com,B,Finance,b1@x.com\n\
        C1,c1@x.com,C,Sales,\n\
        C2,c2@x.com,C,Finance,c1@x.com\n\
        D1,d1@x.com,D,Sales,\n\
        D2,d2@x.com,D,Finance,d1@x.com\n";

    #[test]
    fn sizes_and_options_are_checked_before_searching() {
        assert_eq!(SizeRange::parse("4-5"), Ok(SizeRange { min: 4, max: 5 }));
        assert_eq!(SizeRange::parse("3"), Ok(SizeRange { min: 3, max: 3 }));
        for bad in ["5-4", "1-3", "0", "x", "3-", "2-51"] {
            assert!(SizeRange::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            SizeRange::parse("6-7").expect("size").groups_for(23),
            Err(
                "23 people cannot be split into groups of 6 to 7: 3 group(s) hold at most 21 \
                 and 4 need at least 24"
                    .into()
            )
        );
        assert_eq!(SizeRange::parse("4-5").expect("size").groups_for(22), Ok(5));
        assert!(SizeRange::parse("4-5")
            .expect("size")
            .groups_for(3)
            .is_err());
        assert!(Weights::parse("colour=3")
            .expect_err("unknown")
            .contains("unknown weight 'colour'"));
        assert!(Weights::parse("department=-1").is_err());
        assert_eq!(
            Weights::parse("department=5").expect("weights").department,
            5.0
        );
        assert_eq!(
            RoleSpec::parse("account lead = Sales"),
            Ok(RoleSpec {
                name: "account lead".into(),
                function: Some("Sales".into())
            })
        );

        let c = pool(EIGHT);
        let mut o = options("2");
        o.roles = ["a", "b", "c"]
            .iter()
            .map(|r| RoleSpec::parse(r).expect("role"))
            .collect();
        let e = prepare(&c, &History::default(), o)
            .err()
            .expect("too many roles");
        assert_eq!(
            e.0,
            "3 roles need groups of at least 3 people, but the smallest group may have 2"
        );
    }

    #[test]
    fn groups_mix_departments_and_keep_managers_apart() {
        let c = pool(EIGHT);
        let g = run(&c, &History::default(), options("4"));
        assert_eq!(g.groups.len(), 2);
        for members in &g.groups {
            let departments: HashSet<_> = members
                .iter()
                .map(|&i| c.people()[i].department.clone())
                .collect();
            assert_eq!(
                departments.len(),
                4,
                "every department in every group: {members:?}"
            );
        }
        assert_eq!(g.report.kept_apart, 4);
        assert_eq!(g.report.measures[0].label, "departments per group");
        assert_eq!(g.report.measures[0].formed, 4.0);
        assert!(g.report.measures[0].random < 4.0);
        let text = g.report.to_string();
        assert!(text.starts_with("8 people in 2 groups of 4"), "{text}");
        assert!(text.contains("kept apart: 4 pair(s)"), "{text}");
    }

    #[test]
    fn earlier_meetings_are_avoided_and_fade() {
        let c = pool(EIGHT);
        // Last session's groups, as this module writes them.
        let first = run(&c, &History::default(), options("4"));
        let roster = crate::grouping::roster_csv(&c, &first.roster(day()));
        let history = History::from_csv(&roster, &c).expect("history");
        let mut next = options("4");
        next.today = day() + chrono::Days::new(7);
        let second = run(&c, &history, next);
        // With groups of 4 from 8 people some repeats are unavoidable; fewer than chance.
        assert!(
            (second.report.repeat_pairs as f64) < second.report.random_repeat_pairs,
            "{}",
            second.report
        );
        assert_eq!(first.report.repeat_pairs, 0);
        // A meeting a half-life ago counts half.
        let w = history.pair_weights(day() + chrono::Days::new(180), 180.0);
        assert!(w.values().all(|&x| (x - 0.5).abs() < 1e-12));
    }

    #[test]
    fn constraints_that_cannot_hold_are_named() {
        let c = pool(EIGHT);
        let mut o = options("4");
        o.keep_together = vec![(0, 1)];
        let e = prepare(&c, &History::default(), o)
            .err()
            .expect("contradiction");
        assert!(
            e.0.starts_with("A1 <a1@x.com> and A2 <a2@x.com> must be kept together"),
            "{e}"
        );
        assert!(e.0.contains("one manages the other"), "{e}");

        let mut o = options("2");
        o.keep_together = vec![(2, 4), (4, 6)];
        let e = prepare(&c, &History::default(), o)
            .err()
            .expect("too large");
        assert!(
            e.0.contains("links 3 people (B1 <b1@x.com>, C1 <c1@x.com>, D1 <d1@x.com>)"),
            "{e}"
        );

        // Four people who must all be apart cannot fit in 2 groups... of 2 of 4 people.
        let c = pool("name,email,block\nA,a@x.com,b@x.com;c@x.com\nB,b@x.com,c@x.com\nC,c@x.com,\nD,d@x.com,\n");
        let p = prepare(&c, &History::default(), options("2")).expect("prepare");
        let e = form(&p, &mut StdRng::seed_from_u64(1), &mut |d| d >= 50).expect_err("broken");
        assert!(
            e.0.starts_with("no grouping was found that can keep apart"),
            "{e}"
        );
    }

    #[test]
    fn keep_together_holds() {
        let c = pool(EIGHT);
        let mut o = options("4");
        o.keep_together = vec![(0, 2)];
        let g = run(&c, &History::default(), o);
        assert!(g.groups.iter().any(|m| m.contains(&0) && m.contains(&2)));
        assert_eq!(g.report.kept_together, 1);
    }

    #[test]
    fn roles_avoid_the_own_function_and_rotate() {
        let c = pool(EIGHT);
        let mut o = options("4");
        o.roles = vec![
            RoleSpec::parse("buyer=Finance").expect("role"),
            RoleSpec::parse("seller=Sales").expect("role"),
        ];
        let g = run(&c, &History::default(), o.clone());
        assert_eq!(g.report.roles_given, 4);
        assert_eq!(g.report.roles_own_function, 0);
        for (i, role) in g.roles.iter().enumerate() {
            let function = c.people()[i].function.as_deref();
            match role.as_str() {
                "buyer" => assert_eq!(function, Some("Sales")),
                "seller" => assert_eq!(function, Some("Finance")),
                "" => {}
                other => panic!("unexpected role {other}"),
            }
        }
        // Roles rotate: over two sessions with two roles per group of four, nobody needs to
        // play the same role twice.
        o.roles = vec![
            RoleSpec::parse("chair").expect("role"),
            RoleSpec::parse("scribe").expect("role"),
        ];
        let first = run(&c, &History::default(), o.clone());
        let history = History::from_csv(&crate::grouping::roster_csv(&c, &first.roster(day())), &c)
            .expect("history");
        o.today = day() + chrono::Days::new(7);
        let next = run(&c, &history, o);
        assert_eq!(next.report.roles_repeated, 0, "{}", next.report);
        for i in 0..c.len() {
            if !first.roles[i].is_empty() {
                assert_ne!(
                    first.roles[i],
                    next.roles[i],
                    "{} repeats a role",
                    c.name(i)
                );
            }
        }
    }
}
