//! The pool: the people one run groups or pairs, each as the [`PersonFacts`] the engine
//! uses, built from a people file's rows or from values the store already holds.

use super::{check_width, finish, header_columns, parse_date, read_csv, EXTRA_COLUMNS};
use crate::import::{self, ImportError, RowError, RowProblem, RowReason};
use crate::values::{Email, Level, PersonName, SkillName, TimeZone};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::fmt;

/// What the engine knows of one person: every attribute that adds diversity, the skills and
/// wants that make partners, and the people they must not meet. Unknown attributes are
/// `None` or empty and simply add nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonFacts {
    /// The stored person's id, when the facts come from the store; `None` for a file's rows.
    pub id: Option<i64>,
    /// The person's e-mail, which names them in constraints, history and rosters.
    pub email: Email,
    /// The display name.
    pub name: PersonName,
    /// The department; never `Some` of an empty text.
    pub department: Option<String>,
    /// The job function; never `Some` of an empty text.
    pub function: Option<String>,
    /// The location; never `Some` of an empty text.
    pub location: Option<String>,
    /// The time zone, from which partners' working-day overlap is computed.
    pub time_zone: Option<TimeZone>,
    /// Seniority on the organisation's own scale; higher is more senior.
    pub seniority: Option<f64>,
    /// The day the person joined, from which tenure is counted.
    pub start_date: Option<NaiveDate>,
    /// Skills with their levels.
    pub skills: Vec<(SkillName, Level)>,
    /// Topics the person wants to learn.
    pub wants: Vec<SkillName>,
    /// The person's manager, kept apart from them when both are in the pool.
    pub manager: Option<Email>,
    /// People this person should never be grouped or paired with.
    pub blocked: Vec<Email>,
}

// An attribute given as text is unknown when it is empty, whichever way it arrived.
fn known(text: Option<String>) -> Option<String> {
    text.filter(|s| !s.trim().is_empty())
}

impl PersonFacts {
    /// The facts of a person read by the import's row parser, plus the pool's own columns.
    fn from_record(
        person: import::PersonRecord,
        seniority: Option<f64>,
        start_date: Option<NaiveDate>,
        blocked: Vec<Email>,
    ) -> PersonFacts {
        PersonFacts {
            id: None,
            email: person.email,
            name: person.name,
            department: known(person.department),
            function: known(person.function),
            location: known(person.location),
            time_zone: person.time_zone.filter(|t| !t.as_str().is_empty()),
            seniority,
            start_date,
            skills: person.skills.unwrap_or_default(),
            wants: person.wants.unwrap_or_default(),
            manager: person.manager.flatten(),
            blocked,
        }
    }
}

/// The people to group or pair, in the order they were given; a person's position is their
/// index everywhere else in the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    people: Vec<PersonFacts>,
    index: HashMap<Email, usize>,
}

/// Why facts cannot form a pool. Facts from the store never fail so; the checks guard
/// callers that assemble facts themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolError {
    /// Two people share an e-mail, at these positions of the input.
    DuplicateEmail {
        email: Email,
        first: usize,
        again: usize,
    },
    /// A person lists themself among the people they block.
    BlocksThemself { email: Email },
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::DuplicateEmail {
                email,
                first,
                again,
            } => write!(
                f,
                "duplicate e-mail {email} (people {} and {} of the pool)",
                first + 1,
                again + 1
            ),
            PoolError::BlocksThemself { email } => write!(f, "{email} blocks themself"),
        }
    }
}

impl std::error::Error for PoolError {}

impl Pool {
    /// Reads a pool from a people file (CSV).
    pub fn from_csv(bytes: &[u8]) -> Result<Pool, ImportError> {
        let (header, rows) = read_csv(bytes)?;
        Pool::from_rows(&header, rows)
    }

    /// Builds a pool from people the caller already holds as validated values, such as the
    /// members of a programme's cohort or of a space, read by the store. Their order is kept.
    pub fn from_people(people: Vec<PersonFacts>) -> Result<Pool, PoolError> {
        let mut index = HashMap::with_capacity(people.len());
        for (again, p) in people.iter().enumerate() {
            if let Some(&first) = index.get(&p.email) {
                return Err(PoolError::DuplicateEmail {
                    email: p.email.clone(),
                    first,
                    again,
                });
            }
            if p.blocked.contains(&p.email) {
                return Err(PoolError::BlocksThemself {
                    email: p.email.clone(),
                });
            }
            index.insert(p.email.clone(), again);
        }
        Ok(Pool { people, index })
    }

    /// Builds a pool from a header and rows of fields. Every bad row is reported with its
    /// line and every reason, as the people import does; nothing is returned unless all rows
    /// are good.
    pub fn from_rows(
        header: &[String],
        rows: Vec<(u64, Vec<String>)>,
    ) -> Result<Pool, ImportError> {
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
        let mut people = Vec::with_capacity(rows.len());
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
            let mut blocked = Vec::new();
            for raw in extra[2]
                .unwrap_or("")
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                match Email::parse(raw) {
                    Ok(e) => blocked.push(e),
                    Err(e) => reasons.push(format!("block: {}", e.message)),
                }
            }
            // A duplicate is said first, then whatever else is wrong with the row.
            let mut duplicate = None;
            if let Some(email) = &email {
                if let Some(&first) = first_line.get(email) {
                    duplicate = Some(RowProblem::DuplicateEmail {
                        email: email.clone(),
                        first_line: first,
                    });
                } else {
                    first_line.insert(email.clone(), line);
                }
                if blocked.contains(email) {
                    reasons.push("block lists the person themself".into());
                }
            }
            match parsed {
                Ok(person) if reasons.is_empty() && duplicate.is_none() => {
                    index.insert(person.email.clone(), people.len());
                    people.push(PersonFacts::from_record(
                        person, seniority, start_date, blocked,
                    ));
                }
                _ => errors.push(RowError {
                    line,
                    reason: RowReason(
                        duplicate
                            .into_iter()
                            .chain(reasons.into_iter().map(RowProblem::Invalid))
                            .collect(),
                    ),
                }),
            }
        }
        finish(Pool { people, index }, errors)
    }

    /// The people, in input order; a person's position is their index everywhere else.
    pub fn people(&self) -> &[PersonFacts] {
        &self.people
    }

    /// The number of people.
    pub fn len(&self) -> usize {
        self.people.len()
    }

    /// Whether the pool has nobody in it (never true for a pool read from rows).
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// The index of the person with this e-mail.
    pub fn position(&self, email: &Email) -> Option<usize> {
        self.index.get(email).copied()
    }

    /// The person's display name.
    pub fn name(&self, i: usize) -> &str {
        self.people[i].name.as_str()
    }

    /// Every manager and direct report who are both in the pool, as `(manager, report)`.
    pub fn manager_pairs(&self) -> Vec<(usize, usize)> {
        self.people
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some((self.position(p.manager.as_ref()?)?, i)))
            .collect()
    }

    /// Every pair in which one person blocks the other, once per pair, smaller index first.
    /// Blocked people outside the pool are ignored.
    pub fn block_pairs(&self) -> Vec<(usize, usize)> {
        let mut pairs: Vec<(usize, usize)> = self
            .people
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                p.blocked
                    .iter()
                    .filter_map(move |e| self.position(e).map(|j| (i.min(j), i.max(j))))
            })
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }

    /// Reads a file of pairs (`a,b`, e-mails of people in the pool) such as a keep-apart or
    /// keep-together list. Unlike history, a pair naming someone outside the pool is an
    /// error: a constraint on a mistyped e-mail would otherwise be silently dropped.
    pub fn parse_pairs(
        &self,
        bytes: &[u8],
        what: &str,
    ) -> Result<Vec<(usize, usize)>, ImportError> {
        let (header, rows) = read_csv(bytes)?;
        self.pairs_from_rows(&header, rows, what)
    }

    /// [`Pool::parse_pairs`] for rows that are already split.
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
                    reason: reasons.into(),
                });
            }
        }
        finish(pairs, errors)
    }
}
