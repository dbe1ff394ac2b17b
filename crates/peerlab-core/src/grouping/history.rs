//! History and rosters: who met whom before, read from a file of pairs or from an earlier
//! roster, and the roster a run writes, which reads back as the next run's history.

use super::{check_width, finish, header_columns, parse_date, read_csv, Pool, ROSTER_COLUMNS};
use crate::import::{self, ImportError, RowError};
use crate::values::Email;
use chrono::NaiveDate;
use std::collections::HashMap;

/// One earlier meeting: a group, a pair or a coffee round's pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Meeting {
    /// When it happened; `None` counts as recent.
    pub date: Option<NaiveDate>,
    /// The people who were there, as pool indices, with the role each played (empty for
    /// none).
    pub members: Vec<(usize, String)>,
}

/// Who met whom before, restricted to the people of one pool.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    /// The meetings, in the order first seen.
    pub meetings: Vec<Meeting>,
}

impl History {
    /// Reads a history file: pairs (`a,b[,date]`) or a roster (`email,group[,date,round,role,
    /// name,reasons]`).
    pub fn from_csv(bytes: &[u8], pool: &Pool) -> Result<History, ImportError> {
        let (header, rows) = read_csv(bytes)?;
        History::from_rows(&header, rows, pool)
    }

    /// Builds a history from rows; the header decides the format.
    pub fn from_rows(
        header: &[String],
        rows: Vec<(u64, Vec<String>)>,
        pool: &Pool,
    ) -> Result<History, ImportError> {
        let keys: Vec<String> = header.iter().map(|h| import::column_key(h)).collect();
        let has = |c: &str| keys.iter().any(|k| k == c);
        let pairs_format = has("a") && has("b");
        let known: &[&str] = if pairs_format {
            &["a", "b", "date"]
        } else if has("email") && has("group") {
            &ROSTER_COLUMNS
        } else {
            return Err(ImportError::File(
                "a history file needs the columns a,b[,date] (one pair per row) or \
                 email,group[,date,round,role] (a roster written by peerlab groups or pairs)"
                    .into(),
            ));
        };
        let columns = header_columns(header, known, "history file")?;
        let mut errors = Vec::new();
        let mut meetings: Vec<Meeting> = Vec::new();
        let mut by_key: HashMap<(String, String, String), usize> = HashMap::new();
        for (line, fields) in rows {
            if let Err(e) = check_width(line, &fields, columns.len()) {
                errors.push(e);
                continue;
            }
            let field = |name: &str| {
                columns
                    .iter()
                    .position(|&k| known[k] == name)
                    .map_or("", |p| fields[p].trim())
            };
            let mut reasons = Vec::new();
            let date = match field("date") {
                "" => None,
                raw => parse_date(raw, "date").map_err(|e| reasons.push(e)).ok(),
            };
            let mut member = |column: &str| match Email::parse(field(column)) {
                Ok(e) => pool.position(&e),
                Err(e) => {
                    reasons.push(format!("{column}: {}", e.message));
                    None
                }
            };
            if pairs_format {
                let (a, b) = (member("a"), member("b"));
                if reasons.is_empty() {
                    if let (Some(a), Some(b)) = (a, b) {
                        if a != b {
                            meetings.push(Meeting {
                                date,
                                members: vec![(a, String::new()), (b, String::new())],
                            });
                        }
                    }
                }
            } else {
                let who = member("email");
                if field("group").is_empty() {
                    reasons.push("group is empty".into());
                }
                if reasons.is_empty() {
                    if let Some(who) = who {
                        let key = (
                            field("date").to_owned(),
                            field("round").to_owned(),
                            field("group").to_owned(),
                        );
                        let k = *by_key.entry(key).or_insert_with(|| {
                            meetings.push(Meeting {
                                date,
                                members: Vec::new(),
                            });
                            meetings.len() - 1
                        });
                        meetings[k].members.push((who, field("role").to_owned()));
                    }
                }
            }
            if !reasons.is_empty() {
                errors.push(RowError {
                    line,
                    reason: reasons.into(),
                });
            }
        }
        finish(History { meetings }, errors)
    }

    /// Adds another history's meetings to this one.
    pub fn extend(&mut self, other: History) {
        self.meetings.extend(other.meetings);
    }

    /// For every pair of people who met, `(i, j)` with `i < j`, the summed weight of their
    /// meetings, each counting `0.5^(age / half_life)` so that old meetings fade.
    pub fn pair_weights(
        &self,
        today: NaiveDate,
        half_life_days: f64,
    ) -> HashMap<(usize, usize), f64> {
        let mut out: HashMap<(usize, usize), f64> = HashMap::new();
        for m in &self.meetings {
            let w = fade(m.date, today, half_life_days);
            for (x, &(a, _)) in m.members.iter().enumerate() {
                for &(b, _) in &m.members[x + 1..] {
                    if a != b {
                        *out.entry((a.min(b), a.max(b))).or_default() += w;
                    }
                }
            }
        }
        out
    }

    /// For every person and role they played, the faded count of times they played it; the
    /// role is compared case- and accent-insensitively.
    pub fn role_weights(
        &self,
        today: NaiveDate,
        half_life_days: f64,
    ) -> HashMap<(usize, String), f64> {
        let mut out: HashMap<(usize, String), f64> = HashMap::new();
        for m in &self.meetings {
            let w = fade(m.date, today, half_life_days);
            for (who, role) in &m.members {
                if !role.trim().is_empty() {
                    *out.entry((*who, crate::text::fold(role.trim())))
                        .or_default() += w;
                }
            }
        }
        out
    }
}

/// How much a meeting on `date` still counts on `today`: 1 when recent (or undated), halving
/// every `half_life_days`. Future dates count as today.
pub fn fade(date: Option<NaiveDate>, today: NaiveDate, half_life_days: f64) -> f64 {
    match date {
        None => 1.0,
        Some(d) => {
            let age = (today - d).num_days().max(0) as f64;
            0.5f64.powf(age / half_life_days)
        }
    }
}

/// One row of a roster.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterRow {
    /// The session's date.
    pub date: NaiveDate,
    /// The round, from 1 (always 1 except for coffee rounds).
    pub round: usize,
    /// The group or pair, from 1 within its round.
    pub group: usize,
    /// The person, by pool index.
    pub member: usize,
    /// The person's role, empty for none.
    pub role: String,
    /// Why the group or pair was formed, empty when there is nothing to say.
    pub reasons: String,
}

/// Writes a roster as CSV with the columns [`ROSTER_COLUMNS`]; such a file can be read back
/// as history for the next session.
pub fn roster_csv(pool: &Pool, rows: &[RosterRow]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(ROSTER_COLUMNS);
    for r in rows {
        let date = r.date.format("%Y-%m-%d").to_string();
        let m = &pool.people()[r.member];
        let _ = w.write_record([
            date.as_str(),
            &r.round.to_string(),
            &r.group.to_string(),
            m.email.as_str(),
            m.name.as_str(),
            &r.role,
            &r.reasons,
        ]);
    }
    w.into_inner().unwrap_or_default()
}
