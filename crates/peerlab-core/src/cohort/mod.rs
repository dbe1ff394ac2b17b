//! Cohorts: the people a facilitator wants to put in small groups or pairs, with the history
//! of who met whom before, read from CSV files or from the JSON API (both arrive here as rows
//! of named fields, so they are validated by the same code and fail with the same messages).
//!
//! A cohort file has the columns of the people import ([`crate::import::COLUMNS`]) plus
//! [`EXTRA_COLUMNS`]: `seniority` (a number, higher is more senior), `start_date` (the day the
//! person joined, `YYYY-MM-DD`, from which tenure is counted) and `block` (e-mails of people
//! this person should never be grouped or paired with, separated by `;`). Only `name` and
//! `email` are required; an absent or empty attribute simply adds no diversity.
//!
//! A history file is either a list of pairs (`a,b[,date]`) or a roster as `peerlab groups`
//! and `peerlab pairs` write it (`date,round,group,email,name,role,reasons`): everyone
//! sharing a date, round and group met. Rows naming someone outside the cohort are skipped,
//! since people leave and join between sessions.

pub mod groups;
pub mod pairs;

use crate::import::{self, ImportError, PersonRecord, RowError, MAX_LISTED_ERRORS};
use crate::values::Email;
use chrono::NaiveDate;
use std::collections::HashMap;

/// The columns a cohort file may have besides the import columns.
pub const EXTRA_COLUMNS: [&str; 3] = ["seniority", "start_date", "block"];

/// The columns of a roster, the output of `peerlab groups` and `peerlab pairs`.
pub const ROSTER_COLUMNS: [&str; 7] =
    ["date", "round", "group", "email", "name", "role", "reasons"];

/// One person of a cohort.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The person's directory attributes, validated as the people import validates them.
    pub person: PersonRecord,
    /// Seniority on the organisation's own scale; higher is more senior.
    pub seniority: Option<f64>,
    /// The day the person joined.
    pub start_date: Option<NaiveDate>,
    /// People this person should never be grouped or paired with.
    pub block: Vec<Email>,
}

/// The people to group or pair, in the order they were given.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    members: Vec<Member>,
    index: HashMap<Email, usize>,
}

/// A file's header and its non-blank rows, each with its 1-based line number.
pub type Rows = (Vec<String>, Vec<(u64, Vec<String>)>);

/// Reads a CSV file into its header and rows, refusing text that is not UTF-8. An optional
/// byte-order mark is skipped and blank lines are not rows.
pub fn read_csv(bytes: &[u8]) -> Result<Rows, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = reader
        .byte_headers()
        .map_err(|e| ImportError::File(format!("the header row cannot be read: {e}")))?
        .iter()
        .map(|cell| {
            std::str::from_utf8(cell).map(str::to_owned).map_err(|_| {
                ImportError::File(
                    "the header row is not valid UTF-8; save the file as UTF-8".into(),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if header.iter().all(|h| h.trim().is_empty()) {
        return Err(ImportError::File(
            "the file is empty; expected a header row".into(),
        ));
    }
    let mut rows = Vec::new();
    for record in reader.byte_records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            ImportError::Rows {
                errors: vec![RowError {
                    line,
                    reason: format!("the row cannot be read as CSV: {e}"),
                }],
                total: 1,
            }
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let fields = record
            .iter()
            .enumerate()
            .map(|(k, f)| {
                std::str::from_utf8(f).map(str::to_owned).map_err(|_| {
                    let column = header.get(k).map_or("?", String::as_str);
                    row_error(
                        line,
                        format!("column '{column}' is not valid UTF-8; save the file as UTF-8"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        rows.push((line, fields));
    }
    Ok((header, rows))
}

// A row must have a field for every column of the header.
fn check_width(line: u64, fields: &[String], columns: usize) -> Result<(), RowError> {
    if fields.len() == columns {
        return Ok(());
    }
    Err(RowError {
        line,
        reason: format!("has {} fields; the header has {columns}", fields.len()),
    })
}

fn row_error(line: u64, reason: String) -> ImportError {
    ImportError::Rows {
        errors: vec![RowError { line, reason }],
        total: 1,
    }
}

// Collects row errors and turns them into the error of the whole input.
fn finish<T>(value: T, mut errors: Vec<RowError>) -> Result<T, ImportError> {
    if errors.is_empty() {
        return Ok(value);
    }
    errors.sort_by_key(|e| e.line);
    let total = errors.len();
    errors.truncate(MAX_LISTED_ERRORS);
    Err(ImportError::Rows { errors, total })
}

// Maps each header cell to its position in `known`, refusing unknown and repeated columns.
fn header_columns(
    header: &[String],
    known: &[&str],
    what: &str,
) -> Result<Vec<usize>, ImportError> {
    let mut columns = Vec::with_capacity(header.len());
    for cell in header {
        let key = import::column_key(cell);
        let Some(k) = known.iter().position(|c| *c == key) else {
            return Err(ImportError::File(format!(
                "unknown column '{}' in the {what}; the columns are {}",
                cell.trim(),
                known.join(", ")
            )));
        };
        if columns.contains(&k) {
            return Err(ImportError::File(format!(
                "column '{}' appears twice in the {what}",
                known[k]
            )));
        }
        columns.push(k);
    }
    Ok(columns)
}

/// Parses a `YYYY-MM-DD` date; `what` names the field in the error.
pub fn parse_date(raw: &str, what: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{what} '{}' is not a date such as 2026-03-31", raw.trim()))
}

impl Cohort {
    /// Reads a cohort from a CSV file.
    pub fn from_csv(bytes: &[u8]) -> Result<Cohort, ImportError> {
        let (header, rows) = read_csv(bytes)?;
        Cohort::from_rows(&header, rows)
    }

    /// Builds a cohort from a header and rows of fields. Every bad row is reported with its
    /// line and every reason, as the people import does; nothing is returned unless all rows
    /// are good.
    pub fn from_rows(
        header: &[String],
        rows: Vec<(u64, Vec<String>)>,
    ) -> Result<Cohort, ImportError> {
        let known: Vec<&str> = import::COLUMNS
            .iter()
            .chain(&EXTRA_COLUMNS)
            .copied()
            .collect();
        let columns = header_columns(header, &known, "people file")?;
        for required in ["name", "email"] {
            if !columns.iter().any(|&k| known[k] == required) {
                return Err(ImportError::File(format!(
                    "the people file has no '{required}' column; the columns are {}",
                    known.join(", ")
                )));
            }
        }
        if rows.is_empty() {
            return Err(ImportError::File(
                "the people file has a header but no rows".into(),
            ));
        }
        // The import columns are validated by the import's own row parser.
        let import_columns: Vec<usize> = columns
            .iter()
            .copied()
            .filter(|&k| k < import::COLUMNS.len())
            .collect();
        let mut members = Vec::with_capacity(rows.len());
        let mut index = HashMap::with_capacity(rows.len());
        // The first line of every e-mail seen, valid row or not, to report duplicates.
        let mut first_line: HashMap<Email, u64> = HashMap::with_capacity(rows.len());
        let mut errors = Vec::new();
        for (line, fields) in rows {
            if let Err(e) = check_width(line, &fields, columns.len()) {
                errors.push(e);
                continue;
            }
            let mut record = csv::ByteRecord::new();
            let mut extra: [Option<&str>; EXTRA_COLUMNS.len()] = [None; EXTRA_COLUMNS.len()];
            for (&k, field) in columns.iter().zip(&fields) {
                match k.checked_sub(import::COLUMNS.len()) {
                    None => record.push_field(field.as_bytes()),
                    Some(e) => extra[e] = Some(field.trim()),
                }
            }
            let (email, parsed) = import::parse_row(&import_columns, &record, line);
            let mut reasons = match &parsed {
                Ok(_) => Vec::new(),
                Err(reasons) => reasons.clone(),
            };
            let seniority = extra[0].filter(|s| !s.is_empty()).and_then(|s| {
                match s.parse::<f64>().ok().filter(|v| v.is_finite() && (0.0..=1e6).contains(v)) {
                    Some(v) => Some(v),
                    None => {
                        reasons.push(format!(
                            "seniority '{s}' must be a number from 0 to 1000000, higher for more senior"
                        ));
                        None
                    }
                }
            });
            let start_date = extra[1].filter(|s| !s.is_empty()).and_then(|s| {
                parse_date(s, "start_date")
                    .map_err(|e| reasons.push(e))
                    .ok()
            });
            let mut block = Vec::new();
            for raw in extra[2]
                .unwrap_or("")
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                match Email::parse(raw) {
                    Ok(e) => block.push(e),
                    Err(e) => reasons.push(format!("block: {}", e.message)),
                }
            }
            if let Some(email) = &email {
                if let Some(&first) = first_line.get(email) {
                    reasons.insert(
                        0,
                        format!("duplicate e-mail {email} (first on line {first})"),
                    );
                } else {
                    first_line.insert(email.clone(), line);
                }
                if block.contains(email) {
                    reasons.push("block lists the person themself".into());
                }
            }
            match parsed {
                Ok(person) if reasons.is_empty() => {
                    index.insert(person.email.clone(), members.len());
                    members.push(Member {
                        person,
                        seniority,
                        start_date,
                        block,
                    });
                }
                _ => errors.push(RowError {
                    line,
                    reason: reasons.join("; "),
                }),
            }
        }
        finish(Cohort { members, index }, errors)
    }

    /// The members, in input order; a member's position is its index everywhere else.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether the cohort has no members (never true for a parsed cohort).
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The index of the member with this e-mail.
    pub fn position(&self, email: &Email) -> Option<usize> {
        self.index.get(email).copied()
    }

    /// The member's display name.
    pub fn name(&self, i: usize) -> &str {
        self.members[i].person.name.as_str()
    }

    /// Every manager and direct report who are both in the cohort, as `(manager, report)`.
    pub fn manager_pairs(&self) -> Vec<(usize, usize)> {
        self.members
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                let manager = m.person.manager.as_ref()?.as_ref()?;
                Some((self.position(manager)?, i))
            })
            .collect()
    }

    /// Every pair in which one member blocks the other, once per pair, smaller index first.
    /// Blocked people outside the cohort are ignored.
    pub fn block_pairs(&self) -> Vec<(usize, usize)> {
        let mut pairs: Vec<(usize, usize)> = self
            .members
            .iter()
            .enumerate()
            .flat_map(|(i, m)| {
                m.block
                    .iter()
                    .filter_map(move |e| self.position(e).map(|j| (i.min(j), i.max(j))))
            })
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }

    /// Reads a file of pairs (`a,b`, e-mails of members) such as a keep-apart or
    /// keep-together list. Unlike history, a pair naming someone outside the cohort is an
    /// error: a constraint on a mistyped e-mail would otherwise be silently dropped.
    pub fn parse_pairs(
        &self,
        bytes: &[u8],
        what: &str,
    ) -> Result<Vec<(usize, usize)>, ImportError> {
        let (header, rows) = read_csv(bytes)?;
        self.pairs_from_rows(&header, rows, what)
    }

    /// [`Cohort::parse_pairs`] for rows that are already split.
    pub fn pairs_from_rows(
        &self,
        header: &[String],
        rows: Vec<(u64, Vec<String>)>,
        what: &str,
    ) -> Result<Vec<(usize, usize)>, ImportError> {
        let columns = header_columns(header, &["a", "b"], what)?;
        if columns.len() != 2 {
            return Err(ImportError::File(format!(
                "the {what} needs the columns a and b"
            )));
        }
        let mut pairs = Vec::with_capacity(rows.len());
        let mut errors = Vec::new();
        for (line, fields) in rows {
            if let Err(e) = check_width(line, &fields, 2) {
                errors.push(e);
                continue;
            }
            let mut reasons = Vec::new();
            let mut found = [0usize; 2];
            for (&k, raw) in columns.iter().zip(&fields) {
                match Email::parse(raw) {
                    Ok(e) => match self.position(&e) {
                        Some(i) => found[k] = i,
                        None => reasons.push(format!("{e} is not in the people file")),
                    },
                    Err(e) => reasons.push(e.message),
                }
            }
            if reasons.is_empty() && found[0] == found[1] {
                reasons.push("pairs a person with themself".into());
            }
            if reasons.is_empty() {
                pairs.push((found[0], found[1]));
            } else {
                errors.push(RowError {
                    line,
                    reason: reasons.join("; "),
                });
            }
        }
        finish(pairs, errors)
    }
}

/// One earlier meeting of members: a group, a pair or a coffee round's pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Meeting {
    /// When it happened; `None` counts as recent.
    pub date: Option<NaiveDate>,
    /// The members who were there, as cohort indices, with the role each played (empty for
    /// none).
    pub members: Vec<(usize, String)>,
}

/// Who met whom before, restricted to the members of one cohort.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    /// The meetings, in the order first seen.
    pub meetings: Vec<Meeting>,
}

impl History {
    /// Reads a history file: pairs (`a,b[,date]`) or a roster (`email,group[,date,round,role,
    /// name,reasons]`).
    pub fn from_csv(bytes: &[u8], cohort: &Cohort) -> Result<History, ImportError> {
        let (header, rows) = read_csv(bytes)?;
        History::from_rows(&header, rows, cohort)
    }

    /// Builds a history from rows; the header decides the format.
    pub fn from_rows(
        header: &[String],
        rows: Vec<(u64, Vec<String>)>,
        cohort: &Cohort,
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
                Ok(e) => cohort.position(&e),
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
                    reason: reasons.join("; "),
                });
            }
        }
        finish(History { meetings }, errors)
    }

    /// Adds another history's meetings to this one.
    pub fn extend(&mut self, other: History) {
        self.meetings.extend(other.meetings);
    }

    /// For every pair of members who met, `(i, j)` with `i < j`, the summed weight of their
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

    /// For every member and role they played, the faded count of times they played it; the
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
    /// The member.
    pub member: usize,
    /// The member's role, empty for none.
    pub role: String,
    /// Why the group or pair was formed, empty when there is nothing to say.
    pub reasons: String,
}

/// Writes a roster as CSV with the columns [`ROSTER_COLUMNS`]; such a file can be read back
/// as history for the next session.
pub fn roster_csv(cohort: &Cohort, rows: &[RosterRow]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(ROSTER_COLUMNS);
    for r in rows {
        let date = r.date.format("%Y-%m-%d").to_string();
        let m = &cohort.members[r.member].person;
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

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn cohort(csv: &str) -> Cohort {
        Cohort::from_csv(csv.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn date(s: &str) -> NaiveDate {
        parse_date(s, "date").expect("date")
    }

    #[test]
    fn a_cohort_takes_the_import_columns_and_its_own() {
        let c = cohort(
            "name,email,department,manager_email,seniority,start_date,block\n\
             Ana,ana@x.com,Sales,,3,2020-01-31,ben@x.com\n\
             Ben,ben@x.com,Finance,ana@x.com,,,\n\
             Cy,cy@x.com,,outside@x.com,1.5,,\n",
        );
        assert_eq!(c.len(), 3);
        assert_eq!(c.members()[0].seniority, Some(3.0));
        assert_eq!(c.members()[0].start_date, Some(date("2020-01-31")));
        assert_eq!(
            c.manager_pairs(),
            vec![(0, 1)],
            "a manager outside the cohort is no pair"
        );
        assert_eq!(c.block_pairs(), vec![(0, 1)]);
    }

    #[test]
    fn bad_cohort_files_say_what_is_wrong() {
        let err = |csv: &str| Cohort::from_csv(csv.as_bytes()).expect_err(csv).to_string();
        assert!(err("name,email,colour\nAna,ana@x.com,red\n").contains("unknown column 'colour'"));
        assert!(err("name\nAna\n").contains("no 'email' column"));
        assert!(err("name,email\n").contains("no rows"));
        assert!(err("").contains("empty"));
        let e = err(
            "name,email,seniority,start_date\nAna,ana@x.com,high,2020-13-01\nAna,ana@x.com,,\n",
        );
        assert!(
            e.starts_with("2 row(s) have errors; line 2: seniority 'high'"),
            "{e}"
        );
        assert!(e.contains("start_date '2020-13-01'"), "{e}");
        let Err(ImportError::Rows { errors, .. }) =
            Cohort::from_csv(b"name,email\nAna,ana@x.com\nAna,ANA@x.com\n")
        else {
            panic!("duplicates are row errors");
        };
        assert_eq!(errors[0].line, 3);
        assert!(errors[0]
            .reason
            .contains("duplicate e-mail ana@x.com (first on line 2)"));
    }

    #[test]
    fn history_reads_pairs_and_rosters_and_fades() {
        let c = cohort("name,email\nA,a@x.com\nB,b@x.com\nC,c@x.com\n");
        let pairs = History::from_csv(
            b"a,b,date\na@x.com,b@x.com,2026-01-01\nb@x.com,gone@x.com,\n",
            &c,
        )
        .expect("pairs");
        let today = date("2026-01-31");
        let w = pairs.pair_weights(today, 30.0);
        assert_eq!(w.len(), 1, "the pair with someone who left is skipped");
        assert!(
            (w[&(0, 1)] - 0.5).abs() < 1e-12,
            "30 days at a 30-day half-life count half"
        );

        let roster = History::from_csv(
            b"date,round,group,email,name,role,reasons\n\
              2026-01-31,1,1,a@x.com,A,customer,\n\
              2026-01-31,1,1,c@x.com,C,,\n\
              2026-01-31,1,2,b@x.com,B,Customer,\n",
            &c,
        )
        .expect("roster");
        let w = roster.pair_weights(today, 30.0);
        assert_eq!(w.len(), 1);
        assert_eq!(w[&(0, 2)], 1.0);
        let roles = roster.role_weights(today, 30.0);
        assert_eq!(roles[&(1, "customer".to_string())], 1.0);
        assert_eq!(roles.len(), 2);

        let e = History::from_csv(b"x,y\n1,2\n", &c)
            .expect_err("no format")
            .to_string();
        assert!(e.contains("a,b[,date]"), "{e}");
        let e = History::from_csv(b"a,b,date\na@x.com,b@x.com,yesterday\n", &c)
            .expect_err("bad date")
            .to_string();
        assert!(e.contains("line 2: date 'yesterday'"), "{e}");
    }

    #[test]
    fn constraint_pairs_must_name_members() {
        let c = cohort("name,email\nA,a@x.com\nB,b@x.com\n");
        assert_eq!(
            c.parse_pairs(b"a,b\nb@x.com,a@x.com\n", "list"),
            Ok(vec![(1, 0)])
        );
        let e = c
            .parse_pairs(b"a,b\na@x.com,z@x.com\n", "list")
            .expect_err("unknown")
            .to_string();
        assert!(e.contains("z@x.com is not in the people file"), "{e}");
        let e = c
            .parse_pairs(b"a,b\na@x.com\n", "list")
            .expect_err("short row")
            .to_string();
        assert!(e.contains("line 2: has 1 fields; the header has 2"), "{e}");
        let e = History::from_csv(b"a,b,date\na@x.com,b@x.com\n", &c).expect_err("short");
        assert!(
            e.to_string().contains("has 2 fields; the header has 3"),
            "{e}"
        );
        let e = c
            .parse_pairs(b"a,c\na@x.com,b@x.com\n", "keep-apart file")
            .expect_err("column");
        assert!(
            e.to_string()
                .contains("unknown column 'c' in the keep-apart file"),
            "{e}"
        );
    }

    #[test]
    fn a_roster_reads_back_as_history() {
        let c = cohort("name,email\nA,a@x.com\nB,b@x.com\n");
        let rows = [0, 1].map(|member| RosterRow {
            date: date("2026-02-01"),
            round: 1,
            group: 1,
            member,
            role: String::new(),
            reasons: "different departments".into(),
        });
        let h = History::from_csv(&roster_csv(&c, &rows), &c).expect("history");
        assert_eq!(h.meetings.len(), 1);
        assert_eq!(h.meetings[0].members.len(), 2);
    }
}
