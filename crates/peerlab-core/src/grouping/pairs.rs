//! Accountability partners and coffee rounds.
//!
//! Partners are an exact maximum-weight matching on the graph of allowed pairs. A pair's
//! weight adds, in points: 10 per level of every skill one offers that the other wants to
//! learn (both ways), 15 for different departments and 2 per hour of working-day overlap
//! (9:00 to 17:00 local time on the session's date, so summer time counts). Every allowed
//! pair also gets a bonus larger than any matching's total, so the matching pairs as many
//! people as possible first; then it forms as many pairs that share a working hour as it
//! can (a second, smaller bonus), and only then maximises the weight.
//!
//! A manager and their direct report, two people who met before (per the history) and two
//! people of whom one blocks the other are never paired.
//!
//! The stated rule for an odd count: the one person left over joins the pair with which
//! their two allowed pairs weigh most, making one trio (ties go to the earlier pair). Anyone
//! whom no pair can take, because every pairing is forbidden, is reported as unmatched.

use super::{History, Pool, RosterRow};
use chrono::{NaiveDate, Offset, TimeZone};
use peerlab_match::matching::max_weight_matching;
use peerlab_match::rounds::{distinct_rounds, round_robin};
use rand::seq::SliceRandom;
use rand::Rng;
use std::collections::HashSet;
use std::fmt;

// Points per skill level offered, for a different department and per hour of overlap.
const PER_LEVEL: i64 = 10;
const CROSS_DEPARTMENT: i64 = 15;
const PER_OVERLAP_HOUR: f64 = 2.0;
// A working day, 9:00 to 17:00.
const WORKDAY_HOURS: f64 = 8.0;

/// Why pairs cannot be formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairsError(pub String);

impl fmt::Display for PairsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PairsError {}

/// Two partners, or three under the odd-count rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// The partners, by pool index.
    pub members: Vec<usize>,
    /// The summed weight of their pairings, in points.
    pub weight: i64,
    /// Why they fit, in words.
    pub reasons: Vec<String>,
}

impl Pair {
    /// Why they fit, as one sentence ("Different departments; …").
    pub fn summary(&self) -> String {
        super::adjust::capitalize(&self.reasons.join("; "))
    }
}

/// The partners found.
#[derive(Debug, Clone, PartialEq)]
pub struct Partners {
    /// The pairs, and at most one trio per person left over.
    pub pairs: Vec<Pair>,
    /// People no allowed pair could take.
    pub unmatched: Vec<usize>,
    /// The number of pairs that were not allowed.
    pub forbidden: usize,
}

impl Partners {
    /// The partners as roster rows for `today`.
    pub fn roster(&self, today: NaiveDate) -> Vec<RosterRow> {
        let mut rows = Vec::new();
        for (k, p) in self.pairs.iter().enumerate() {
            for &m in &p.members {
                rows.push(RosterRow {
                    date: today,
                    round: 1,
                    group: k + 1,
                    member: m,
                    role: String::new(),
                    reasons: p.reasons.join("; "),
                });
            }
        }
        rows
    }
}

// What two people have going for them.
struct Affinity {
    weight: i64,
    reasons: Vec<String>,
    /// Their working days share no hour (both time zones known).
    no_overlap: bool,
}

// What the affinity of a pair needs of each member, computed once: skill keys are stemmed
// text, too slow to recompute for every pair.
struct Profile {
    // (key, name as written, level), sorted by key.
    skills: Vec<(String, String, u8)>,
    wants: Vec<String>,
    department: Option<String>,
    // Working-day offset from UTC in hours on the session's date.
    offset: Option<f64>,
}

fn profiles(pool: &Pool, today: NaiveDate) -> Vec<Profile> {
    let noon = today.and_hms_opt(12, 0, 0).unwrap_or_default();
    pool.people()
        .iter()
        .map(|p| {
            let mut skills: Vec<(String, String, u8)> = p
                .skills
                .iter()
                .map(|(s, l)| (s.key(), s.as_str().to_owned(), l.get()))
                .collect();
            skills.sort();
            let department = p
                .department
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned);
            let offset = p.time_zone.as_ref().and_then(|t| t.zone()).map(|tz| {
                f64::from(tz.offset_from_utc_datetime(&noon).fix().local_minus_utc()) / 3600.0
            });
            Profile {
                skills,
                wants: p.wants.iter().map(|w| w.key()).collect(),
                department,
                offset,
            }
        })
        .collect()
}

// The hours two working days share, given the two offsets from UTC.
fn overlap_hours(a: f64, b: f64) -> f64 {
    let d = (a - b).abs() % 24.0;
    (WORKDAY_HOURS - d.min(24.0 - d)).max(0.0)
}

// The weight of a pair and, when `explain` is set, the reasons in words.
fn affinity(pool: &Pool, profiles: &[Profile], i: usize, j: usize, explain: bool) -> Affinity {
    let mut weight = 0;
    let mut reasons = Vec::new();
    let mut no_overlap = false;
    for (from, to) in [(i, j), (j, i)] {
        let offered = &profiles[from].skills;
        for want in &profiles[to].wants {
            if let Ok(k) = offered.binary_search_by(|s| s.0.as_str().cmp(want)) {
                let (_, skill, level) = &offered[k];
                weight += PER_LEVEL * i64::from(*level);
                if explain {
                    reasons.push(format!(
                        "{} offers {skill} (level {level}), which {} wants to learn",
                        pool.name(from),
                        pool.name(to)
                    ));
                }
            }
        }
    }
    if let (Some(a), Some(b)) = (&profiles[i].department, &profiles[j].department) {
        if crate::text::fold(a) != crate::text::fold(b) {
            weight += CROSS_DEPARTMENT;
            if explain {
                reasons.push(format!("different departments ({a} and {b})"));
            }
        }
    }
    if let (Some(a), Some(b)) = (profiles[i].offset, profiles[j].offset) {
        let h = overlap_hours(a, b);
        weight += (PER_OVERLAP_HOUR * h).round() as i64;
        no_overlap = h == 0.0;
        if explain {
            reasons.push(if h >= WORKDAY_HOURS {
                "the same working hours".to_string()
            } else if h == 0.0 {
                "no working hours in common".to_string()
            } else {
                format!("{} hours of working-day overlap", format_hours(h))
            });
        }
    }
    Affinity {
        weight,
        reasons,
        no_overlap,
    }
}

fn format_hours(h: f64) -> String {
    if h.fract() == 0.0 {
        format!("{h:.0}")
    } else {
        format!("{h:.1}")
    }
}

// Pairs that must never be formed: managers with reports and blocks.
fn hard_pairs(pool: &Pool) -> HashSet<(usize, usize)> {
    pool.manager_pairs()
        .into_iter()
        .chain(pool.block_pairs())
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect()
}

// The pairs of people who met before, per the history.
fn met_pairs(history: &History) -> HashSet<(usize, usize)> {
    let mut out = HashSet::new();
    for m in &history.meetings {
        for (x, &(a, _)) in m.members.iter().enumerate() {
            for &(b, _) in &m.members[x + 1..] {
                if a != b {
                    out.insert((a.min(b), a.max(b)));
                }
            }
        }
    }
    out
}

// Pairs that must never be formed as partners: the hard pairs and earlier meetings.
fn forbidden_pairs(pool: &Pool, history: &History) -> HashSet<(usize, usize)> {
    let mut out = hard_pairs(pool);
    out.extend(met_pairs(history));
    out
}

/// Matches the pool into accountability partners for a session on `today`.
pub fn partners(pool: &Pool, history: &History, today: NaiveDate) -> Result<Partners, PairsError> {
    let n = pool.len();
    if n < 2 {
        return Err(PairsError(format!(
            "{n} person cannot be paired; partners need at least 2 people"
        )));
    }
    let forbidden = forbidden_pairs(pool, history);
    let profiles = profiles(pool, today);
    // Only weights are kept per pair; reasons are written for the pairs chosen.
    let mut edges: Vec<Edge> = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            if !forbidden.contains(&(i, j)) {
                let a = affinity(pool, &profiles, i, j, false);
                // Partners who can never meet in working hours are a last resort.
                edges.push(Edge {
                    i,
                    j,
                    weight: a.weight,
                    tiers: [!a.no_overlap, false],
                });
            }
        }
    }
    let explain = |i: usize, j: usize| affinity(pool, &profiles, i, j, true).reasons;
    let (pairs, unmatched) = match_tiered(pool, &edges, explain, "the cohort");
    Ok(Partners {
        pairs,
        unmatched,
        forbidden: forbidden.len(),
    })
}

// An allowed pair: its weight and the tiers it reaches, most important first.
struct Edge {
    i: usize,
    j: usize,
    weight: i64,
    tiers: [bool; 2],
}

/// The maximum-weight matching of `edges` where pairing one more person is worth more than
/// anything, then each tier (most important first) more than any difference below it, and
/// only then the weight; with the odd-count rule for whoever is left over. `explain` gives
/// a chosen pair's reasons; `whole` names the people ("the cohort") in the trio's reason.
fn match_tiered(
    pool: &Pool,
    edges: &[Edge],
    explain: impl Fn(usize, usize) -> Vec<String>,
    whole: &str,
) -> (Vec<Pair>, Vec<usize>) {
    let n = pool.len();
    let tier = |max: i64| (n as i64 / 2 + 1) * max + 1;
    let mut lifted: Vec<i64> = edges.iter().map(|e| e.weight).collect();
    for t in (0..2).rev() {
        let bonus = tier(lifted.iter().copied().max().unwrap_or(0));
        for (w, e) in lifted.iter_mut().zip(edges) {
            if e.tiers[t] {
                *w += bonus;
            }
        }
    }
    let bonus = tier(lifted.iter().copied().max().unwrap_or(0));
    let weighted: Vec<(usize, usize, i64)> = edges
        .iter()
        .zip(&lifted)
        .map(|(e, &w)| (e.i, e.j, w + bonus))
        .collect();
    let mate = max_weight_matching(n, &weighted);

    // The weight of an allowed pair; `None` when the pair is not allowed. Edges are built
    // in (i, j) order.
    let weight = |i: usize, j: usize| -> Option<i64> {
        let (a, b) = (i.min(j), i.max(j));
        edges
            .binary_search_by(|e| (e.i, e.j).cmp(&(a, b)))
            .ok()
            .map(|k| edges[k].weight)
    };
    let mut pairs: Vec<Pair> = Vec::new();
    let mut left: Vec<usize> = Vec::new();
    for (i, &m) in mate.iter().enumerate() {
        match m {
            Some(j) if i < j => {
                let mut reasons = explain(i, j);
                if reasons.is_empty() {
                    reasons.push("paired so that nobody is left without a partner".into());
                }
                pairs.push(Pair {
                    members: vec![i, j],
                    weight: weight(i, j).unwrap_or(0),
                    reasons,
                });
            }
            Some(_) => {}
            None => left.push(i),
        }
    }
    // The odd-count rule: the person left over joins the pair they add most to.
    let mut trio = vec![false; pairs.len()];
    let mut unmatched = Vec::new();
    for u in left {
        let best = pairs
            .iter()
            .enumerate()
            .filter(|(k, _)| !trio[*k])
            .filter_map(|(k, p)| Some((k, weight(u, p.members[0])? + weight(u, p.members[1])?)))
            .max_by_key(|&(k, w)| (w, std::cmp::Reverse(k)));
        match best {
            Some((k, w)) => {
                trio[k] = true;
                let p = &mut pairs[k];
                for &m in &p.members.clone() {
                    p.reasons.extend(explain(u, m));
                }
                // The sentence is shown to users and kept as it always read.
                p.reasons.push(format!(
                    "{} joins as the third partner because {whole} has an odd count",
                    pool.name(u)
                ));
                p.members.push(u);
                p.weight += w;
            }
            None => unmatched.push(u),
        }
    }
    (pairs, unmatched)
}

/// peerlab's conversation starters, one per round in turn: open questions about work.
pub const STARTERS: &[&str] = &[
    "What is something you learned at work this month that surprised you?",
    "Which part of your job would you most like someone else to understand better?",
    "What is a problem you are working on where a fresh pair of eyes could help?",
    "Who taught you something important early in your career, and what was it?",
    "What does a really good week at work look like for you?",
    "What is a skill you are trying to get better at, and how are you practising it?",
    "What is one thing your team does that other teams could borrow?",
    "What have you changed your mind about at work in the last year?",
];

/// One coffee round of a space, formed when it is due from the people who take part in it
/// now (`pool`, in the space's seating order) and the circle's earlier rounds (`history`).
///
/// Membership changes between rounds (people join, leave, skip one), so rounds are not laid
/// out in advance. Each round is the better of two candidates:
/// - round `round` (from 0) of the circle method on the seating, which over a stable
///   membership of n meets everyone once in n − 1 rounds (n when n is odd); it is taken when
///   it forbids nothing and repeats no more pairs than the other candidate;
/// - the exact matching that pairs as many people as possible, then as many who never met in
///   the circle as possible, then as many who share a working hour, then weighs skills and
///   departments as partners do.
///
/// The circle's round is tried first: when it forbids nothing and repeats nobody, it is
/// taken without the matching (which takes seconds at 2,000 people).
///
/// A manager and their report and two people of whom one blocks the other never meet. With
/// a membership that changed, the matching still meets nobody twice while the unmet pairs
/// allow it: after k < n/2 rounds everyone still has at least n/2 people they have not met,
/// which (Dirac) always leaves a round without a repeat.
pub fn coffee_round(
    pool: &Pool,
    history: &History,
    round: usize,
    today: NaiveDate,
) -> Result<Partners, PairsError> {
    let n = pool.len();
    if n < 2 {
        return Err(PairsError(format!(
            "a coffee round needs at least 2 people taking part; this one has {n}"
        )));
    }
    let hard = hard_pairs(pool);
    let met = met_pairs(history);
    let profiles = profiles(pool, today);
    let mut edges: Vec<Edge> = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            if !hard.contains(&(i, j)) {
                let a = affinity(pool, &profiles, i, j, false);
                edges.push(Edge {
                    i,
                    j,
                    weight: a.weight,
                    tiers: [!met.contains(&(i, j)), !a.no_overlap],
                });
            }
        }
    }
    let explain = |i: usize, j: usize| {
        let mut reasons = vec![if met.contains(&(i.min(j), i.max(j))) {
            "paired in an earlier round too: everyone else was taken or paired before".to_string()
        } else {
            "first time paired in these rounds".to_string()
        }];
        reasons.extend(affinity(pool, &profiles, i, j, true).reasons);
        reasons
    };
    let repeats = |pairs: &[Pair]| {
        pairs
            .iter()
            .map(|p| {
                let (a, b) = (p.members[0], p.members[1]);
                met.contains(&(a.min(b), a.max(b))) as usize
            })
            .sum::<usize>()
    };
    // The circle method's round first: when it pairs everyone allowed with nobody met
    // before, no matching does better on what comes first (everyone paired, nobody twice),
    // and the exact matching (seconds at 2,000 people) is not needed.
    let turn = round % distinct_rounds(n);
    let circle = &round_robin(n, turn + 1)[turn];
    let allowed = circle.iter().all(|g| {
        g.iter().enumerate().all(|(x, &a)| {
            g[x + 1..]
                .iter()
                .all(|&b| !hard.contains(&(a.min(b), a.max(b))))
        })
    });
    let seated = || -> Vec<Pair> {
        circle
            .iter()
            .map(|g| {
                let mut reasons = explain(g[0], g[1]);
                let mut weight = edge_weight(&edges, g[0], g[1]);
                if let Some(&guest) = g.get(2) {
                    for &m in &g[..2] {
                        reasons.extend(explain(guest, m).into_iter().skip(1));
                        weight += edge_weight(&edges, guest, m);
                    }
                    reasons.push(format!(
                        "{} joins as the third partner because this round has an odd count",
                        pool.name(guest)
                    ));
                }
                Pair {
                    members: g.clone(),
                    weight,
                    reasons,
                }
            })
            .collect()
    };
    let base_repeats = |groups: &[Vec<usize>]| {
        groups
            .iter()
            .filter(|g| met.contains(&(g[0].min(g[1]), g[0].max(g[1]))))
            .count()
    };
    if allowed && base_repeats(circle) == 0 {
        return Ok(Partners {
            pairs: seated(),
            unmatched: Vec::new(),
            forbidden: hard.len(),
        });
    }
    let (pairs, unmatched) = match_tiered(pool, &edges, explain, "this round");
    if allowed && unmatched.is_empty() {
        let seated = seated();
        if repeats(&seated) <= repeats(&pairs) {
            return Ok(Partners {
                pairs: seated,
                unmatched: Vec::new(),
                forbidden: hard.len(),
            });
        }
    }
    Ok(Partners {
        pairs,
        unmatched,
        forbidden: hard.len(),
    })
}

fn edge_weight(edges: &[Edge], i: usize, j: usize) -> i64 {
    let (a, b) = (i.min(j), i.max(j));
    edges
        .binary_search_by(|e| (e.i, e.j).cmp(&(a, b)))
        .map_or(0, |k| edges[k].weight)
}

/// Coffee rounds: every round pairs everyone (one trio when the count is odd).
#[derive(Debug, Clone, PartialEq)]
pub struct Coffee {
    /// Each round's groups, by pool index.
    pub rounds: Vec<Vec<Vec<usize>>>,
    /// Meetings in the schedule that pair people who should not meet (a manager with a
    /// report, a block, or a pair that met before), after picking the best of the shuffles
    /// tried.
    pub unwanted: usize,
}

impl Coffee {
    /// The rounds as roster rows for `today`.
    pub fn roster(&self, today: NaiveDate) -> Vec<RosterRow> {
        let mut rows = Vec::new();
        for (r, round) in self.rounds.iter().enumerate() {
            for (g, group) in round.iter().enumerate() {
                for &m in group {
                    rows.push(RosterRow {
                        date: today,
                        round: r + 1,
                        group: g + 1,
                        member: m,
                        role: String::new(),
                        reasons: String::new(),
                    });
                }
            }
        }
        rows
    }
}

// Shuffles tried when looking for a schedule without unwanted meetings.
const COFFEE_SHUFFLES: usize = 200;

/// Lays out `rounds` coffee rounds in which nobody meets the same person twice.
///
/// The schedule is the circle method on a shuffled seating. Of up to 200 shuffles, the one
/// with the fewest unwanted meetings (managers with reports, blocks, pairs who met before) is
/// kept, stopping at the first with none. Fails when the pool is too small or when more
/// rounds are asked for than there are distinct partners.
pub fn coffee(
    pool: &Pool,
    history: &History,
    rounds: usize,
    rng: &mut impl Rng,
) -> Result<Coffee, PairsError> {
    let n = pool.len();
    let most = distinct_rounds(n);
    if n < 2 {
        return Err(PairsError(format!(
            "{n} person cannot have coffee rounds; they need at least 2 people"
        )));
    }
    if rounds == 0 || rounds > most {
        return Err(PairsError(format!(
            "{n} people can have 1 to {most} rounds without meeting anyone twice; {rounds} \
             were asked for"
        )));
    }
    let unwanted = forbidden_pairs(pool, history);
    let schedule = round_robin(n, rounds);
    let mut seat: Vec<usize> = (0..n).collect();
    let mut best: Option<(usize, Vec<usize>)> = None;
    for _ in 0..COFFEE_SHUFFLES {
        seat.shuffle(rng);
        let bad = schedule
            .iter()
            .flatten()
            .map(|g| {
                let mut k = 0;
                for (x, &a) in g.iter().enumerate() {
                    for &b in &g[x + 1..] {
                        let (a, b) = (seat[a], seat[b]);
                        k += unwanted.contains(&(a.min(b), a.max(b))) as usize;
                    }
                }
                k
            })
            .sum::<usize>();
        if best.as_ref().is_none_or(|(b, _)| bad < *b) {
            best = Some((bad, seat.clone()));
        }
        if bad == 0 {
            break;
        }
    }
    let (unwanted, seat) = best.expect("at least one shuffle is tried");
    let rounds = schedule
        .into_iter()
        .map(|round| {
            round
                .into_iter()
                .map(|g| g.into_iter().map(|s| seat[s]).collect())
                .collect()
        })
        .collect();
    Ok(Coffee { rounds, unwanted })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grouping::tests::pool;
    use crate::grouping::Meeting;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 15).expect("date")
    }

    #[test]
    fn overlap_wraps_round_the_clock() {
        assert_eq!(overlap_hours(0.0, 0.0), 8.0);
        assert_eq!(overlap_hours(1.0, -1.0), 6.0);
        assert_eq!(overlap_hours(5.5, 0.0), 2.5);
        assert_eq!(
            overlap_hours(-10.0, 12.0),
            6.0,
            "22 hours apart is 2 hours apart"
        );
        assert_eq!(
            overlap_hours(-8.0, 9.0),
            1.0,
            "17 hours apart is 7 hours apart"
        );
        assert_eq!(overlap_hours(-5.0, 9.0), 0.0);
    }

    #[test]
    fn partners_come_with_their_reasons() {
        let c = pool(
            "name,email,department,time_zone,skills,wants_to_learn\n\
             Ana,ana@x.com,Sales,Europe/Lisbon,Negotiation:4,\n\
             Ben,ben@x.com,Finance,Europe/Berlin,SQL:3,Negotiation\n\
             Cy,cy@x.com,Sales,Europe/Lisbon,,\n\
             Di,di@x.com,Sales,Europe/Lisbon,,\n",
        );
        let p = partners(&c, &History::default(), day()).expect("partners");
        assert_eq!(p.pairs.len(), 2);
        let ana = p
            .pairs
            .iter()
            .find(|p| p.members.contains(&0))
            .expect("Ana is paired");
        assert_eq!(ana.members, vec![0, 1]);
        assert_eq!(
            ana.reasons,
            vec![
                "Ana offers Negotiation (level 4), which Ben wants to learn",
                "different departments (Sales and Finance)",
                "7 hours of working-day overlap",
            ]
        );
        assert_eq!(ana.weight, 40 + 15 + 14);
    }

    #[test]
    fn partners_who_share_a_working_hour_come_before_any_skill() {
        // Ana and Ben (Tokyo and New York: no hour in common) each offer what the other
        // wants, as do Cy and Di; pairing across the oceans would weigh most, but partners
        // who can never meet in working hours are a last resort.
        let c = pool(
            "name,email,department,time_zone,skills,wants_to_learn
             Ana,ana@x.com,Sales,Asia/Tokyo,Negotiation:5,SQL
             Ben,ben@x.com,Finance,America/New_York,SQL:5,Negotiation
             Cy,cy@x.com,Sales,Asia/Tokyo,Forecasting:5,Python
             Di,di@x.com,Finance,America/New_York,Python:5,Forecasting
",
        );
        let p = partners(&c, &History::default(), day()).expect("partners");
        let mut pairs: Vec<Vec<usize>> = p.pairs.iter().map(|p| p.members.clone()).collect();
        pairs.sort();
        assert_eq!(pairs, vec![vec![0, 2], vec![1, 3]]);
        assert!(p
            .pairs
            .iter()
            .all(|p| p.reasons.iter().any(|r| r == "the same working hours")));
    }

    #[test]
    fn forbidden_pairs_are_never_formed_and_the_odd_one_joins_a_trio() {
        let c = pool(
            "name,email,manager_email,block\n\
             M,m@x.com,,\n\
             R,r@x.com,m@x.com,\n\
             S,s@x.com,,m@x.com\n\
             T,t@x.com,,\n\
             U,u@x.com,,\n",
        );
        let history = History::from_csv(b"a,b\nr@x.com,t@x.com\n", &c).expect("history");
        let p = partners(&c, &history, day()).expect("partners");
        let forbidden = [(0, 1), (0, 2), (1, 3)];
        for pair in &p.pairs {
            for (x, &a) in pair.members.iter().enumerate() {
                for &b in &pair.members[x + 1..] {
                    assert!(!forbidden.contains(&(a.min(b), a.max(b))), "{pair:?}");
                }
            }
        }
        assert_eq!(p.forbidden, 3);
        let sizes: Vec<usize> = p.pairs.iter().map(|p| p.members.len()).collect();
        assert_eq!(sizes.iter().sum::<usize>() + p.unmatched.len(), 5);
        assert_eq!(
            sizes.iter().filter(|&&s| s == 3).count(),
            1,
            "one trio: {sizes:?}"
        );
        assert!(p.unmatched.is_empty());
    }

    #[test]
    fn the_matching_pairs_as_many_as_it_can() {
        // A heavy pair (A, B) would leave C and D, who may only meet A or B, without partners.
        let c = pool(
            "name,email,department,block\n\
             A,a@x.com,X,\n\
             B,b@x.com,Y,\n\
             C,c@x.com,X,d@x.com\n\
             D,d@x.com,X,\n",
        );
        let p = partners(&c, &History::default(), day()).expect("partners");
        assert_eq!(p.pairs.len(), 2);
        assert!(p.unmatched.is_empty());
    }

    #[test]
    fn coffee_rounds_never_repeat_and_avoid_unwanted_pairs() {
        let c = pool(
            "name,email,manager_email\nA,a@x.com,\nB,b@x.com,a@x.com\nC,c@x.com,\nD,d@x.com,\nE,e@x.com,\nF,f@x.com,\n",
        );
        let mut rng = StdRng::seed_from_u64(3);
        let schedule = coffee(&c, &History::default(), 4, &mut rng).expect("coffee");
        assert_eq!(
            schedule.unwanted, 0,
            "4 of 5 rounds can avoid the manager pair"
        );
        let mut met = HashSet::new();
        for round in &schedule.rounds {
            let mut seen: Vec<usize> = round.iter().flatten().copied().collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..6).collect::<Vec<_>>(), "everyone once per round");
            for g in round {
                assert!(
                    met.insert((g[0].min(g[1]), g[0].max(g[1]))),
                    "a repeat in {round:?}"
                );
            }
        }
        let e = coffee(&c, &History::default(), 6, &mut rng).expect_err("too many rounds");
        assert_eq!(
            e.to_string(),
            "6 people can have 1 to 5 rounds without meeting anyone twice; 6 were asked for"
        );
    }

    // The meetings of `rounds` as a history, for the next round.
    fn as_history(rounds: &[Partners]) -> History {
        History {
            meetings: rounds
                .iter()
                .flat_map(|r| &r.pairs)
                .map(|p| Meeting {
                    date: None,
                    members: p.members.iter().map(|&m| (m, String::new())).collect(),
                })
                .collect(),
        }
    }

    fn pairs_of(p: &Partners) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for pair in &p.pairs {
            for (x, &a) in pair.members.iter().enumerate() {
                for &b in &pair.members[x + 1..] {
                    out.push((a.min(b), a.max(b)));
                }
            }
        }
        out
    }

    #[test]
    fn coffee_rounds_meet_everyone_once_before_anyone_twice() {
        let c = pool(
            "name,email,department\nA,a@x.com,Sales\nB,b@x.com,Sales\nC,c@x.com,Finance\n\
             D,d@x.com,Finance\nE,e@x.com,Legal\nF,f@x.com,Legal\n",
        );
        let mut rounds = Vec::new();
        for r in 0..5 {
            let p = coffee_round(&c, &as_history(&rounds), r, day()).expect("a round");
            assert_eq!(p.pairs.len(), 3, "everyone is paired in round {r}");
            rounds.push(p);
        }
        let mut all: Vec<(usize, usize)> = rounds.iter().flat_map(pairs_of).collect();
        all.sort_unstable();
        let before = all.len();
        all.dedup();
        assert_eq!(
            (before, all.len()),
            (15, 15),
            "5 rounds of 6 meet all 15 pairs once"
        );
        // A sixth round must repeat, and says so.
        let sixth = coffee_round(&c, &as_history(&rounds), 5, day()).expect("a sixth round");
        assert!(sixth.pairs[0].reasons[0].starts_with("paired in an earlier round too"));
    }

    #[test]
    fn coffee_rounds_avoid_earlier_meetings_when_people_change_and_never_pair_a_manager() {
        let c = pool(
            "name,email,manager_email,block\nM,m@x.com,,\nR,r@x.com,m@x.com,\nS,s@x.com,,m@x.com\n\
             T,t@x.com,,\nU,u@x.com,,\n",
        );
        let history =
            History::from_csv(b"a,b\nr@x.com,t@x.com\nt@x.com,u@x.com\n", &c).expect("history");
        let p = coffee_round(&c, &history, 3, day()).expect("a round");
        let met = [(1, 3), (3, 4)];
        let hard = [(0, 1), (0, 2)];
        for pair in pairs_of(&p) {
            assert!(!hard.contains(&pair), "{p:?}");
        }
        let base: Vec<(usize, usize)> = p
            .pairs
            .iter()
            .map(|p| {
                (
                    p.members[0].min(p.members[1]),
                    p.members[0].max(p.members[1]),
                )
            })
            .collect();
        assert!(base.iter().all(|b| !met.contains(b)), "{p:?}");
        assert_eq!(p.pairs.iter().map(|p| p.members.len()).sum::<usize>(), 5);
        let one = pool("name,email\nA,a@x.com\n");
        assert_eq!(
            coffee_round(&one, &History::default(), 0, day())
                .unwrap_err()
                .0,
            "a coffee round needs at least 2 people taking part; this one has 1"
        );
    }
}
