//! The people import (DESIGN P4): a CSV file is parsed and validated as a whole into an
//! [`ImportPlan`], or refused with every bad row and its reason. Nothing here writes; the
//! store applies a plan in one transaction, so a refused file changes nothing.
//!
//! The file is authoritative for the columns it has: a column missing from the header leaves
//! that attribute of existing people unchanged, and a present column, even empty, sets it.
//! Re-importing the same file is therefore idempotent.

use std::collections::{HashMap, HashSet};

use crate::values::{profile_field, Email, Level, PersonName, SkillName, TimeZone, ValueError};

/// The columns peerlab understands, in the order the template lists them.
pub const COLUMNS: [&str; 10] = [
    "name",
    "email",
    "title",
    "department",
    "function",
    "location",
    "time_zone",
    "manager_email",
    "skills",
    "wants_to_learn",
];

/// At most this many row errors are listed; the count says how many there were.
pub const MAX_LISTED_ERRORS: usize = 500;

/// One person as the file describes them. `None` means the column is not in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRecord {
    pub line: u64,
    pub email: Email,
    pub name: PersonName,
    pub title: Option<String>,
    pub department: Option<String>,
    pub function: Option<String>,
    pub location: Option<String>,
    pub time_zone: Option<TimeZone>,
    pub manager: Option<Option<Email>>,
    pub skills: Option<Vec<(SkillName, Level)>>,
    pub wants: Option<Vec<SkillName>>,
}

impl PersonRecord {
    /// A record with every column present and empty, for code that builds people directly.
    pub fn new(email: Email, name: PersonName) -> Self {
        Self {
            line: 0,
            email,
            name,
            title: Some(String::new()),
            department: Some(String::new()),
            function: Some(String::new()),
            location: Some(String::new()),
            time_zone: Some(TimeZone::default()),
            manager: Some(None),
            skills: Some(Vec::new()),
            wants: Some(Vec::new()),
        }
    }
}

/// A validated file, ready to apply.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportPlan {
    pub people: Vec<PersonRecord>,
}

/// A row that cannot be imported, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The 1-based line of the file (the header is line 1).
    pub line: u64,
    pub reason: RowReason,
}

/// One problem with a row. Most problems are sentences for people; a duplicate e-mail keeps
/// its parts, because it points at another row and callers number rows differently (a file
/// by line, the JSON API by array index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowProblem {
    /// The row's e-mail was already used by the row at `first_line`.
    DuplicateEmail { email: Email, first_line: u64 },
    /// A value or the row's shape is wrong, said in words.
    Invalid(String),
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowProblem::DuplicateEmail { email, first_line } => {
                write!(f, "duplicate e-mail {email} (first on line {first_line})")
            }
            RowProblem::Invalid(m) => f.write_str(m),
        }
    }
}

/// Why a row was refused: every problem found in it, in the order found. It reads as the
/// problems joined by "; ", and serialises as that text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowReason(pub Vec<RowProblem>);

impl RowReason {
    /// The problems, for callers that say some of them in their own terms.
    pub fn problems(&self) -> &[RowProblem] {
        &self.0
    }
}

impl From<String> for RowReason {
    fn from(message: String) -> Self {
        RowReason(vec![RowProblem::Invalid(message)])
    }
}

impl From<Vec<String>> for RowReason {
    fn from(messages: Vec<String>) -> Self {
        RowReason(messages.into_iter().map(RowProblem::Invalid).collect())
    }
}

impl std::fmt::Display for RowReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (k, problem) in self.0.iter().enumerate() {
            if k > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl serde::Serialize for RowReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why a file was refused: a problem with the whole file, or a list of bad rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    File(String),
    Rows { errors: Vec<RowError>, total: usize },
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::File(m) => f.write_str(m),
            ImportError::Rows { errors, total } => {
                write!(f, "{total} row(s) have errors")?;
                if let Some(first) = errors.first() {
                    write!(f, "; line {}: {}", first.line, first.reason)?;
                }
                Ok(())
            }
        }
    }
}

/// The manager of each person already stored, by e-mail; needed to find unknown managers and
/// cycles that pass through people who are not in the file.
pub type ExistingManagers = HashMap<Email, Option<Email>>;

/// Parses and validates a whole file. `existing` maps every stored person to their manager.
pub fn parse_csv(bytes: &[u8], existing: &ExistingManagers) -> Result<ImportPlan, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = reader
        .byte_headers()
        .map_err(|e| ImportError::File(format!("the header row cannot be read: {e}")))?
        .clone();
    let columns = parse_header(&header)?;

    let mut people = Vec::new();
    let mut errors = Vec::new();
    let mut first_line_of: HashMap<Email, u64> = HashMap::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(RowError {
                    line,
                    reason: format!("the row cannot be read as CSV: {e}").into(),
                });
                break;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue; // blank lines are not rows
        }
        let (email, parsed) = parse_row(&columns, &record, line);
        if let Some(email) = email {
            if let Some(&first_line) = first_line_of.get(&email) {
                let reason = RowReason(vec![RowProblem::DuplicateEmail { email, first_line }]);
                errors.push(RowError { line, reason });
                continue;
            }
            first_line_of.insert(email, line);
        }
        match parsed {
            Ok(person) => people.push(person),
            Err(reasons) => errors.push(RowError {
                line,
                reason: reasons.into(),
            }),
        }
    }
    if people.is_empty() && errors.is_empty() {
        return Err(ImportError::File(
            "the file has a header but no rows".into(),
        ));
    }

    check_managers(&people, existing, &mut errors);
    if errors.is_empty() {
        Ok(ImportPlan { people })
    } else {
        errors.sort_by_key(|e| e.line);
        let total = errors.len();
        errors.truncate(MAX_LISTED_ERRORS);
        Err(ImportError::Rows { errors, total })
    }
}

/// A header cell as a column name: trimmed, lower case, spaces and dashes as underscores, and
/// the common aliases ("timezone", "manager") mapped to their column.
pub(crate) fn column_key(name: &str) -> String {
    let norm = name.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    match norm.as_str() {
        "timezone" => "time_zone".to_string(),
        "manager" => "manager_email".to_string(),
        _ => norm,
    }
}

fn parse_header(header: &csv::ByteRecord) -> Result<Vec<usize>, ImportError> {
    let mut columns = Vec::with_capacity(header.len());
    let mut seen = HashSet::new();
    for raw in header {
        let name = std::str::from_utf8(raw).map_err(|_| {
            ImportError::File("the header row is not valid UTF-8; save the file as UTF-8".into())
        })?;
        let norm = column_key(name);
        let Some(index) = COLUMNS.iter().position(|c| *c == norm) else {
            return Err(ImportError::File(format!(
                "unknown column '{}'; the columns are {}",
                name.trim(),
                COLUMNS.join(", ")
            )));
        };
        if !seen.insert(index) {
            return Err(ImportError::File(format!(
                "column '{}' appears twice",
                COLUMNS[index]
            )));
        }
        columns.push(index);
    }
    for required in [0, 1] {
        if !seen.contains(&required) {
            return Err(ImportError::File(format!(
                "the header has no '{}' column; the columns are {}",
                COLUMNS[required],
                COLUMNS.join(", ")
            )));
        }
    }
    Ok(columns)
}

/// Keeps the value, or records why it was refused.
fn ok<T>(reasons: &mut Vec<String>, r: Result<T, ValueError>) -> Option<T> {
    r.map_err(|e| reasons.push(e.to_string())).ok()
}

/// Parses one row; the e-mail is returned even when the row is bad, to find duplicates.
pub(crate) fn parse_row(
    columns: &[usize],
    record: &csv::ByteRecord,
    line: u64,
) -> (Option<Email>, Result<PersonRecord, Vec<String>>) {
    let mut reasons = Vec::new();
    if record.len() != columns.len() {
        return (
            None,
            Err(vec![format!(
                "has {} fields; the header has {}",
                record.len(),
                columns.len()
            )]),
        );
    }
    let mut fields: [Option<&str>; COLUMNS.len()] = [None; COLUMNS.len()];
    for (&column, raw) in columns.iter().zip(record.iter()) {
        match std::str::from_utf8(raw) {
            Ok(s) => fields[column] = Some(s),
            Err(e) => reasons.push(format!(
                "column '{}' is not valid UTF-8 (byte 0x{:02X} at position {}); save the file as UTF-8",
                COLUMNS[column],
                raw[e.valid_up_to()],
                e.valid_up_to() + 1
            )),
        }
    }
    if !reasons.is_empty() {
        return (None, Err(reasons));
    }
    let name = ok(&mut reasons, PersonName::parse(fields[0].unwrap_or("")));
    let email = ok(&mut reasons, Email::parse(fields[1].unwrap_or("")));
    let mut text = |i: usize, field: &'static str| {
        fields[i].and_then(|raw| ok(&mut reasons, profile_field(field, raw)))
    };
    let title = text(2, "title");
    let department = text(3, "department");
    let function = text(4, "function");
    let location = text(5, "location");
    let time_zone = fields[6].and_then(|raw| ok(&mut reasons, TimeZone::parse(raw)));
    let manager = fields[7].map(|raw| {
        if raw.trim().is_empty() {
            None
        } else {
            ok(
                &mut reasons,
                Email::parse(raw).map_err(|e| ValueError::new("manager_email", e.message)),
            )
        }
    });
    let skills = fields[8].map(|raw| ok(&mut reasons, parse_skill_levels(raw)).unwrap_or_default());
    let wants = fields[9].map(|raw| {
        let r = parse_skill_list(raw).map_err(|e| ValueError::new("wants_to_learn", e.message));
        ok(&mut reasons, r).unwrap_or_default()
    });
    let parsed = match (name, email.clone()) {
        (Some(name), Some(email)) if reasons.is_empty() => Ok(PersonRecord {
            line,
            email,
            name,
            title,
            department,
            function,
            location,
            time_zone,
            manager,
            skills,
            wants,
        }),
        _ => Err(reasons),
    };
    (email, parsed)
}

/// Writes people as a CSV file in the import format, every column present: the inverse of
/// [`parse_csv`] (absent attributes are written empty).
pub fn to_csv(people: &[PersonRecord]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut write = |row: [&str; COLUMNS.len()]| {
        // Writing to memory cannot fail; a row that somehow does is left out.
        let _ = w.write_record(row);
    };
    write(COLUMNS);
    for p in people {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let skills = p
            .skills
            .iter()
            .flatten()
            .map(|(s, l)| format!("{}:{}", s.as_str(), l.get()))
            .collect::<Vec<_>>();
        let wants = p
            .wants
            .iter()
            .flatten()
            .map(|s| s.as_str().to_string())
            .collect::<Vec<_>>();
        let manager = p
            .manager
            .clone()
            .flatten()
            .map(|m| m.to_string())
            .unwrap_or_default();
        let tz = p
            .time_zone
            .as_ref()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default();
        write([
            p.name.as_str(),
            p.email.as_str(),
            &o(&p.title),
            &o(&p.department),
            &o(&p.function),
            &o(&p.location),
            &tz,
            &manager,
            &skills.join("; "),
            &wants.join("; "),
        ]);
    }
    w.into_inner().unwrap_or_default()
}

/// Parses "Negotiation:4; SQL:2" into skills with levels.
pub fn parse_skill_levels(raw: &str) -> Result<Vec<(SkillName, Level)>, ValueError> {
    let mut out: Vec<(SkillName, Level)> = Vec::new();
    for item in raw.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((name, level)) = item.rsplit_once(':') else {
            return Err(ValueError::new(
                "skills",
                format!("'{item}' needs a level, as in {item}:3 (1 to 5)"),
            ));
        };
        let name = SkillName::parse(name)?;
        let level = Level::parse(level).map_err(|e| {
            ValueError::new("skills", format!("{}: level {}", name.as_str(), e.message))
        })?;
        if out.iter().any(|(n, _)| n.key() == name.key()) {
            return Err(ValueError::new(
                "skills",
                format!("'{}' is listed twice", name.as_str()),
            ));
        }
        out.push((name, level));
    }
    Ok(out)
}

/// Parses "Public speaking; SQL" into topics.
pub fn parse_skill_list(raw: &str) -> Result<Vec<SkillName>, ValueError> {
    let mut out: Vec<SkillName> = Vec::new();
    for item in raw.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let name = SkillName::parse(item)?;
        if !out.iter().any(|n| n.key() == name.key()) {
            out.push(name);
        }
    }
    Ok(out)
}

/// Checks a validated plan's managers again, against people as they are now: the store calls
/// this inside the import's transaction, so that an import checked while another one was
/// being written cannot create a cycle or point at a manager who is gone.
pub fn recheck_managers(plan: &ImportPlan, existing: &ExistingManagers) -> Result<(), ImportError> {
    let mut errors = Vec::new();
    check_managers(&plan.people, existing, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        let total = errors.len();
        errors.truncate(MAX_LISTED_ERRORS);
        Err(ImportError::Rows { errors, total })
    }
}

/// Every manager must exist (in the file or already stored), and the management chain that
/// results from applying the file must have no cycle.
fn check_managers(
    people: &[PersonRecord],
    existing: &ExistingManagers,
    errors: &mut Vec<RowError>,
) {
    let in_file: HashMap<&Email, &PersonRecord> = people.iter().map(|p| (&p.email, p)).collect();
    let manager_of = |email: &Email| -> Option<Email> {
        match in_file.get(email) {
            Some(p) => match &p.manager {
                Some(m) => m.clone(),
                None => existing.get(email).cloned().flatten(),
            },
            None => existing.get(email).cloned().flatten(),
        }
    };
    for p in people {
        if let Some(Some(m)) = &p.manager {
            if !in_file.contains_key(m) && !existing.contains_key(m) {
                errors.push(RowError {
                    line: p.line,
                    reason: format!("unknown manager {m}: not in the file and not in peerlab")
                        .into(),
                });
            }
        }
    }
    // Walk each chain once; `done` holds people whose chain is known to end.
    let mut done: HashSet<Email> = HashSet::new();
    let mut reported: HashSet<Email> = HashSet::new();
    for p in people {
        let mut path: Vec<Email> = Vec::new();
        let mut on_path: HashSet<Email> = HashSet::new();
        let mut cur = Some(p.email.clone());
        while let Some(e) = cur {
            if done.contains(&e) {
                break;
            }
            if !on_path.insert(e.clone()) {
                let start = path.iter().position(|x| *x == e).unwrap_or(0);
                let cycle: Vec<&Email> = path[start..].iter().collect();
                let shown = cycle
                    .iter()
                    .map(|e| e.as_str())
                    .chain([e.as_str()])
                    .collect::<Vec<_>>()
                    .join(" → ");
                for member in &cycle {
                    if let Some(rec) = in_file.get(*member) {
                        if reported.insert((*member).clone()) {
                            errors.push(RowError {
                                line: rec.line,
                                reason: format!("the management chain has a cycle: {shown}").into(),
                            });
                        }
                    }
                }
                break;
            }
            path.push(e.clone());
            cur = manager_of(&e);
        }
        done.extend(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(csv: &str) -> Result<ImportPlan, ImportError> {
        parse_csv(csv.as_bytes(), &ExistingManagers::new())
    }

    fn row_reasons(r: Result<ImportPlan, ImportError>) -> Vec<(u64, String)> {
        match r {
            Err(ImportError::Rows { errors, .. }) => errors
                .into_iter()
                .map(|e| (e.line, e.reason.to_string()))
                .collect(),
            other => panic!("expected row errors, got {other:?}"),
        }
    }

    #[test]
    fn a_good_file_parses_every_column() {
        let plan = parse(
            "name,email,title,department,function,location,time_zone,manager_email,skills,wants_to_learn\n\
             Ana Silva,ana@x.com,VP,Sales,Sales,Lisbon,Europe/Lisbon,,Negotiation:5; Coaching:3,SQL\n\
             Ben Ode,BEN@x.com,AE,Sales,Sales,Lisbon,Europe/Lisbon,ana@x.com,Negotiation:2,\n",
        )
        .expect("valid");
        assert_eq!(plan.people.len(), 2);
        let ben = &plan.people[1];
        assert_eq!(ben.email.as_str(), "ben@x.com");
        assert_eq!(
            ben.manager,
            Some(Some(Email::parse("ana@x.com").expect("email")))
        );
        assert_eq!(plan.people[0].skills.as_ref().map(Vec::len), Some(2));
        assert_eq!(ben.wants, Some(vec![]));
    }

    #[test]
    fn absent_columns_stay_unset() {
        let plan = parse("email,name\na@x.com,A\n").expect("valid");
        assert_eq!(plan.people[0].skills, None);
        assert_eq!(plan.people[0].manager, None);
    }

    #[test]
    fn unknown_and_missing_columns_are_file_errors() {
        assert!(
            matches!(parse("name,email,shoe_size\n"), Err(ImportError::File(m)) if m.contains("shoe_size"))
        );
        assert!(
            matches!(parse("name,title\nA,B\n"), Err(ImportError::File(m)) if m.contains("'email'"))
        );
        assert!(
            matches!(parse("name,email\n"), Err(ImportError::File(m)) if m.contains("no rows"))
        );
    }

    #[test]
    fn every_bad_row_is_listed_with_its_reason() {
        let reasons = row_reasons(parse(
            "name,email,manager_email,skills\n\
             A,a@x.com,,Negotiation:9\n\
             B,a@x.com,,\n\
             C,c@x.com,ghost@x.com,\n\
             ,d@x.com,,\n\
             E,e@x.com\n",
        ));
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        assert!(reasons[0].1.contains("out of range"), "{reasons:?}");
        assert!(reasons[1]
            .1
            .contains("duplicate e-mail a@x.com (first on line 2)"));
        assert!(reasons[2].1.contains("unknown manager ghost@x.com"));
        assert!(reasons[3].1.contains("name: is required"));
        assert!(reasons[4].1.contains("has 2 fields"));
    }

    #[test]
    fn cycles_are_found_through_stored_people() {
        let reasons = row_reasons(parse(
            "name,email,manager_email\nA,a@x.com,b@x.com\nB,b@x.com,a@x.com\nC,c@x.com,c@x.com\n",
        ));
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(reasons.iter().all(|(_, r)| r.contains("cycle")));

        // z is stored with manager a; the file makes a report to z.
        let mut existing = ExistingManagers::new();
        let e = |s: &str| Email::parse(s).expect("email");
        existing.insert(e("z@x.com"), Some(e("a@x.com")));
        let r = parse_csv(b"name,email,manager_email\nA,a@x.com,z@x.com\n", &existing);
        assert!(
            matches!(r, Err(ImportError::Rows { ref errors, .. }) if errors[0].reason.to_string().contains("a@x.com → z@x.com → a@x.com")),
            "{r:?}"
        );
    }

    #[test]
    fn bad_utf8_is_reported_per_row() {
        let mut file = b"name,email\nJos".to_vec();
        file.push(0xE9);
        file.extend_from_slice(b",jose@x.com\nAna,ana@x.com\n");
        let reasons = row_reasons(parse_csv(&file, &ExistingManagers::new()));
        assert_eq!(reasons.len(), 1);
        assert_eq!(reasons[0].0, 2);
        assert!(
            reasons[0].1.contains("not valid UTF-8 (byte 0xE9"),
            "{reasons:?}"
        );
    }

    #[test]
    fn a_bom_and_blank_lines_are_tolerated() {
        let plan = parse_csv(
            b"\xEF\xBB\xBFname,email\n\nA,a@x.com\n",
            &ExistingManagers::new(),
        )
        .expect("valid");
        assert_eq!(plan.people.len(), 1);
    }
}
