//! A facilitator's hand on a grouping, and the words for it. [`regroup`] scores a grouping
//! given group by group (the preview after a move or a swap): sizes stay in the range, every
//! hard constraint holds or the grouping is refused with its reason, and roles are handed out
//! again so that they follow the people. [`describe`] says why each group is diverse and why
//! each member is where they are ("4 departments, 3 locations; nobody met before; Ana (Finance)
//! plays customer").
//!
//! Decision: a block is a hard constraint like a manager and a report, but a refusal never
//! says who blocked whom ("one of them asked not to be grouped with the other"), since block
//! lists are private.

use super::groups::{assign_roles, Grouping, GroupsError, Prepared, Report};
use crate::text::fold;
use rand::Rng;
use std::collections::HashSet;

/// One change to a previewed grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Moves a person (by pool index) into a group (from 0).
    Move { person: usize, to: usize },
    /// Swaps the groups of two people.
    Swap(usize, usize),
}

/// Applies `edit` to `assignment` (each person's group, by pool index), checking only that
/// the people and the group exist; [`regroup`] checks the result.
pub fn apply(assignment: &mut [usize], groups: usize, edit: Edit) -> Result<(), GroupsError> {
    let n = assignment.len();
    let person = |i: usize| {
        if i < n {
            Ok(i)
        } else {
            Err(GroupsError(format!(
                "person {} is not in this grouping",
                i + 1
            )))
        }
    };
    match edit {
        Edit::Move { person: p, to } => {
            let p = person(p)?;
            if to >= groups {
                return Err(GroupsError(format!(
                    "there is no group {}; this grouping has {groups}",
                    to + 1
                )));
            }
            assignment[p] = to;
        }
        Edit::Swap(a, b) => {
            let (a, b) = (person(a)?, person(b)?);
            if assignment[a] == assignment[b] {
                return Err(GroupsError(
                    "the two people are already in the same group; swap people of two groups"
                        .into(),
                ));
            }
            assignment.swap(a, b);
        }
    }
    Ok(())
}

/// Scores a grouping given as each person's group (by pool index): the report a preview
/// shows, and the roles handed out again. Refused, naming the people and the rule, when a
/// group leaves the size range or a hard constraint is broken.
pub fn regroup(
    prepared: &Prepared,
    assignment: &[usize],
    rng: &mut impl Rng,
) -> Result<Grouping, GroupsError> {
    let pool = prepared.pool;
    let g = prepared.group_count();
    if assignment.len() != pool.len() {
        return Err(GroupsError(format!(
            "the grouping names {} people, but {} are being grouped",
            assignment.len(),
            pool.len()
        )));
    }
    let mut groups = vec![Vec::new(); g];
    for (i, &k) in assignment.iter().enumerate() {
        let slot = groups.get_mut(k).ok_or_else(|| {
            GroupsError(format!(
                "{} is in group {}, but there are {g} groups",
                pool.name(i),
                k + 1
            ))
        })?;
        slot.push(i);
    }
    let who = |i: usize| pool.name(i).to_string();
    let managers: HashSet<(usize, usize)> = pool
        .manager_pairs()
        .into_iter()
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect();
    let blocks: HashSet<(usize, usize)> = pool.block_pairs().into_iter().collect();
    for &(a, b) in &prepared.apart_pairs {
        if assignment[a] == assignment[b] {
            let key = (a.min(b), a.max(b));
            let why = if managers.contains(&key) {
                "one manages the other"
            } else if blocks.contains(&key) {
                "one of them asked not to be grouped with the other"
            } else {
                "the keep-apart list says so"
            };
            return Err(GroupsError(format!(
                "{} and {} cannot be in one group: {why}",
                who(a),
                who(b)
            )));
        }
    }
    for &(a, b) in &prepared.together_pairs {
        if assignment[a] != assignment[b] {
            return Err(GroupsError(format!(
                "{} and {} must stay in one group: the keep-together list says so",
                who(a),
                who(b)
            )));
        }
    }
    let size = prepared.options.size;
    for (k, members) in groups.iter().enumerate() {
        if members.len() < size.min || members.len() > size.max {
            let range = if size.min == size.max {
                size.min.to_string()
            } else {
                format!("{} to {}", size.min, size.max)
            };
            return Err(GroupsError(format!(
                "group {} would have {} members; groups here have {range}",
                k + 1,
                members.len()
            )));
        }
    }
    let roles = assign_roles(prepared, &groups);
    let score = prepared.instance.objective(assignment);
    let report = Report::new(prepared, &groups, &roles, score, 0, rng);
    Ok(Grouping {
        groups,
        roles,
        report,
    })
}

/// Why one group is what it is.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GroupStory {
    /// One sentence for the group: "4 departments, 3 locations; nobody met before; Ana
    /// (Finance) plays customer".
    pub summary: String,
    /// Pairs in the group who met before.
    pub repeat_pairs: usize,
    /// Each member (pool index) with their role and their reasons.
    pub members: Vec<MemberStory>,
}

/// Why one person is in their group.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MemberStory {
    pub person: usize,
    pub role: String,
    pub reasons: String,
}

pub(crate) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The grouping's roster for `today` with every member's reasons filled in (the CLI's
/// `reasons` column).
pub fn explained_roster(
    prepared: &Prepared,
    grouping: &Grouping,
    today: chrono::NaiveDate,
) -> Vec<super::RosterRow> {
    let stories = describe(prepared, grouping);
    let mut rows = grouping.roster(today);
    for row in &mut rows {
        if let Some(m) = stories
            .get(row.group - 1)
            .and_then(|g| g.members.iter().find(|m| m.person == row.member))
        {
            row.reasons = m.reasons.clone();
        }
    }
    rows
}

/// The words for a grouping: a sentence per group and reasons per member.
pub fn describe(prepared: &Prepared, grouping: &Grouping) -> Vec<GroupStory> {
    let pool = prepared.pool;
    let people = pool.people();
    let key = |v: Option<&str>| v.map(|s| fold(s.trim())).filter(|s| !s.is_empty());
    let met = |a: usize, b: usize| prepared.history.contains_key(&(a.min(b), a.max(b)));
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    grouping
        .groups
        .iter()
        .map(|members| {
            let distinct = |f: fn(&super::PersonFacts) -> Option<&str>| {
                members
                    .iter()
                    .filter_map(|&i| key(f(&people[i])))
                    .collect::<HashSet<_>>()
                    .len()
            };
            let mut parts = Vec::new();
            let d = distinct(|p| p.department.as_deref());
            if d > 0 {
                parts.push(plural(d, "department", "departments"));
            }
            let l = distinct(|p| p.location.as_deref());
            if l > 0 {
                parts.push(plural(l, "location", "locations"));
            }
            let f = distinct(|p| p.function.as_deref());
            if f > 0 {
                parts.push(plural(f, "function", "functions"));
            }
            let mut repeats = Vec::new();
            for (x, &a) in members.iter().enumerate() {
                for &b in &members[x + 1..] {
                    if met(a, b) {
                        repeats.push((a, b));
                    }
                }
            }
            let met_before = match repeats.as_slice() {
                [] => "nobody met before".to_string(),
                [(a, b)] => format!("{} and {} met before", pool.name(*a), pool.name(*b)),
                more => format!("{} pairs met before", more.len()),
            };
            let mut summary = if parts.is_empty() {
                capitalize(&met_before)
            } else {
                format!("{}; {met_before}", parts.join(", "))
            };
            let roles: Vec<String> = members
                .iter()
                .filter(|&&i| !grouping.roles[i].is_empty())
                .map(|&i| {
                    let from = people[i]
                        .function
                        .as_deref()
                        .map(|f| format!(" ({f})"))
                        .unwrap_or_default();
                    format!("{}{from} plays {}", pool.name(i), grouping.roles[i])
                })
                .collect();
            if !roles.is_empty() {
                summary.push_str("; ");
                summary.push_str(&roles.join(", "));
            }
            let stories = members
                .iter()
                .map(|&i| {
                    let p = &people[i];
                    let mut why = Vec::new();
                    if let Some(dep) = p.department.as_deref().filter(|s| !s.trim().is_empty()) {
                        let same = members
                            .iter()
                            .filter(|&&j| {
                                j != i && key(people[j].department.as_deref()) == key(Some(dep))
                            })
                            .count();
                        why.push(if same == 0 {
                            format!("the only one from {dep}")
                        } else {
                            format!("{dep}, with {same} other(s) from it")
                        });
                    }
                    if let Some(loc) = p.location.as_deref().filter(|s| !s.trim().is_empty()) {
                        why.push(format!("in {loc}"));
                    }
                    let before: Vec<&str> = members
                        .iter()
                        .filter(|&&j| j != i && met(i, j))
                        .map(|&j| pool.name(j))
                        .collect();
                    why.push(if before.is_empty() {
                        "meets everyone here for the first time".to_string()
                    } else {
                        format!("met {} before", before.join(" and "))
                    });
                    let role = grouping.roles[i].clone();
                    if !role.is_empty() {
                        let mirrors = prepared
                            .options
                            .roles
                            .iter()
                            .find(|r| r.name == role)
                            .and_then(|r| key(r.function.as_deref()));
                        let own = key(p.function.as_deref());
                        // A role that mirrors a function says whether its holder escaped
                        // their own; other roles are just named (they rotate by history).
                        match (p.function.as_deref(), mirrors) {
                            (Some(_), Some(m)) if own.as_deref() == Some(m.as_str()) => why.push(
                                format!("plays {role}, their own function: nobody else here could"),
                            ),
                            (Some(f), Some(_)) => {
                                why.push(format!("plays {role}, away from their own work ({f})"))
                            }
                            _ => why.push(format!("plays {role}")),
                        }
                    }
                    MemberStory {
                        person: i,
                        role,
                        reasons: capitalize(&why.join("; ")),
                    }
                })
                .collect();
            GroupStory {
                summary,
                repeat_pairs: repeats.len(),
                members: stories,
            }
        })
        .collect()
}
