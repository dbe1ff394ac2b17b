//! The expert finder's ranking (DESIGN P2): who knows a skill, and why.
//!
//! Storage gathers *evidence* — typed facts such as "rates themselves 4/5 in Negotiation" or
//! "endorsed for Negotiation by 3 colleagues" — for every person with a skill matching the
//! query. This module turns evidence into a score and a list of reasons. A new signal
//! (accepted answers, kudos, sessions facilitated) is one new [`Signal`] variant with its
//! points and its sentence, and one query in the store that produces it; nothing else changes.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

/// One kind of evidence that a person knows a skill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signal {
    /// The person's own rating, 1 to 5.
    SelfRating { level: u8 },
    /// Colleagues who endorsed the skill; `names` holds up to three of them for the reason.
    Endorsements { count: u32, names: Vec<String> },
    /// Replies chosen as the answer to questions tagged with the skill, in spaces that are not
    /// confidential.
    AcceptedAnswers { count: u32 },
    /// Sessions the person facilitated in programs for the skill, that people came to.
    FacilitatedSessions { count: u32 },
}

impl Signal {
    /// Points for this evidence. Self-ratings are cheap to give, so a colleague's word counts
    /// more than a step of self-rating, with diminishing returns so that popularity alone
    /// does not outrank expertise.
    pub fn points(&self) -> f64 {
        match self {
            Signal::SelfRating { level } => 10.0 * f64::from(*level),
            Signal::Endorsements { count, .. } => 40.0 * (1.0 - 0.75f64.powi(*count as i32)),
            // Helping a colleague with a real question is the strongest evidence there is;
            // returns diminish like endorsements'.
            Signal::AcceptedAnswers { count } => 50.0 * (1.0 - 0.7f64.powi(*count as i32)),
            // Facilitating peers on a skill shows one can explain it; it counts like a few
            // endorsements, with the same diminishing returns.
            Signal::FacilitatedSessions { count } => 30.0 * (1.0 - 0.7f64.powi(*count as i32)),
        }
    }

    /// The reason shown to the searcher, in a full sentence fragment.
    pub fn reason(&self, skill: &str) -> String {
        match self {
            Signal::SelfRating { level } => {
                let label = crate::Level::new(i64::from(*level)).map_or("", |l| l.label());
                format!("rates themselves {level}/5 ({label}) in {skill}")
            }
            Signal::Endorsements { count, names } => {
                let who = if names.is_empty() {
                    String::new()
                } else {
                    let shown = names.join(", ");
                    let more = (*count as usize).saturating_sub(names.len());
                    if more > 0 {
                        format!(" ({shown} and {more} more)")
                    } else {
                        format!(" ({shown})")
                    }
                };
                let noun = if *count == 1 {
                    "colleague"
                } else {
                    "colleagues"
                };
                format!("endorsed for {skill} by {count} {noun}{who}")
            }
            Signal::AcceptedAnswers { count } => {
                let noun = if *count == 1 { "answer" } else { "answers" };
                format!("{count} accepted {noun} to questions on {skill}")
            }
            Signal::FacilitatedSessions { count } => {
                let noun = if *count == 1 { "session" } else { "sessions" };
                format!("facilitated {count} {noun} on {skill}")
            }
        }
    }
}

/// Evidence about one person and one matching skill. The skill's name is shared between
/// the many rows of one skill, so building evidence does not copy it.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub person_id: i64,
    pub skill: Arc<str>,
    pub signal: Signal,
}

/// A reason a person is suggested, with the points it contributed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub skill: String,
    #[serde(flatten)]
    pub signal: Signal,
    pub points: f64,
    pub text: String,
}

/// A ranked suggestion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub person_id: i64,
    pub score: f64,
    pub reasons: Vec<Reason>,
}

/// Ranks people by their evidence and returns the best `limit`, best first. When a query
/// matches several skills ("negotiation" matches "Negotiation" and "Salary negotiation"), a
/// person's best skill counts fully and the others a fifth, so breadth helps without beating
/// depth. Ties are broken by person id so the order is stable. Reasons are written only for
/// the people returned: a broad query has thousands of candidates.
pub fn rank(evidence: impl IntoIterator<Item = Evidence>, limit: usize) -> Vec<Suggestion> {
    let mut per_person: HashMap<i64, Vec<(Arc<str>, Signal, f64)>> = HashMap::new();
    for e in evidence {
        let points = e.signal.points();
        per_person
            .entry(e.person_id)
            .or_default()
            .push((e.skill, e.signal, points));
    }
    let mut scored: Vec<(f64, i64)> = per_person
        .iter()
        .map(|(person_id, items)| {
            let mut per_skill: Vec<(&str, f64)> = Vec::new();
            for (skill, _, points) in items {
                match per_skill.iter_mut().find(|(s, _)| *s == &**skill) {
                    Some((_, total)) => *total += points,
                    None => per_skill.push((skill, *points)),
                }
            }
            per_skill.sort_by(|a, b| b.1.total_cmp(&a.1));
            let score: f64 = per_skill
                .iter()
                .enumerate()
                .map(|(i, (_, s))| if i == 0 { *s } else { s / 5.0 })
                .sum();
            ((score * 10.0).round() / 10.0, *person_id)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.truncate(limit);
    scored
        .into_iter()
        .map(|(score, person_id)| {
            let items = per_person.remove(&person_id).unwrap_or_default();
            let mut reasons: Vec<Reason> = items
                .into_iter()
                .map(|(skill, signal, points)| Reason {
                    text: signal.reason(&skill),
                    skill: skill.to_string(),
                    signal,
                    points,
                })
                .collect();
            reasons.sort_by(|a, b| {
                b.points
                    .total_cmp(&a.points)
                    .then_with(|| a.skill.cmp(&b.skill))
            });
            Suggestion {
                person_id,
                score,
                reasons,
            }
        })
        .collect()
}

impl Reason {
    /// Names the colleagues behind an endorsement reason ("… by 3 colleagues (Ana, Ben and
    /// 1 more)"); other reasons are left as they are.
    pub fn name_endorsers(&mut self, who: Vec<String>) {
        if let Signal::Endorsements { names, .. } = &mut self.signal {
            *names = who;
            self.text = self.signal.reason(&self.skill);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(person_id: i64, skill: &str, signal: Signal) -> Evidence {
        Evidence {
            person_id,
            skill: skill.into(),
            signal,
        }
    }

    #[test]
    fn facilitating_is_evidence_with_its_reason() {
        let s = Signal::FacilitatedSessions { count: 3 };
        assert_eq!(
            s.reason("Giving feedback"),
            "facilitated 3 sessions on Giving feedback"
        );
        assert!(s.points() > Signal::FacilitatedSessions { count: 1 }.points());
        assert!(s.points() < 30.0);
    }

    #[test]
    fn endorsements_and_level_both_count() {
        let ranked = rank(
            [
                ev(1, "Negotiation", Signal::SelfRating { level: 5 }),
                ev(2, "Negotiation", Signal::SelfRating { level: 4 }),
                ev(
                    2,
                    "Negotiation",
                    Signal::Endorsements {
                        count: 3,
                        names: vec!["Ana".into(), "Ben".into()],
                    },
                ),
                ev(3, "Negotiation", Signal::SelfRating { level: 2 }),
            ],
            10,
        );
        let order: Vec<i64> = ranked.iter().map(|s| s.person_id).collect();
        assert_eq!(order, vec![2, 1, 3]);
        let texts: Vec<&str> = ranked[0].reasons.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "rates themselves 4/5 (advanced) in Negotiation",
                "endorsed for Negotiation by 3 colleagues (Ana, Ben and 1 more)"
            ]
        );
    }

    #[test]
    fn depth_beats_breadth() {
        let ranked = rank(
            [
                ev(1, "Negotiation", Signal::SelfRating { level: 5 }),
                ev(2, "Negotiation", Signal::SelfRating { level: 3 }),
                ev(2, "Salary negotiation", Signal::SelfRating { level: 3 }),
            ],
            10,
        );
        assert_eq!(ranked[0].person_id, 1);
        assert!(ranked[1].score > 30.0, "breadth still adds something");
    }

    #[test]
    fn only_the_best_are_returned() {
        let evidence = (1..=100).map(|id| {
            ev(
                id,
                "SQL",
                Signal::SelfRating {
                    level: (id % 5 + 1) as u8,
                },
            )
        });
        let ranked = rank(evidence, 3);
        assert_eq!(
            ranked.iter().map(|s| s.person_id).collect::<Vec<_>>(),
            vec![4, 9, 14]
        );
        assert!(ranked
            .iter()
            .all(|s| s.score == 50.0 && s.reasons.len() == 1));
    }

    #[test]
    fn endorsements_have_diminishing_returns() {
        let one = Signal::Endorsements {
            count: 1,
            names: vec![],
        }
        .points();
        let two = Signal::Endorsements {
            count: 2,
            names: vec![],
        }
        .points();
        let many = Signal::Endorsements {
            count: 100,
            names: vec![],
        }
        .points();
        assert!(two - one < one);
        assert!(many <= 40.0);
        assert_eq!(
            Signal::Endorsements {
                count: 1,
                names: vec![]
            }
            .reason("SQL"),
            "endorsed for SQL by 1 colleague"
        );
    }
}
