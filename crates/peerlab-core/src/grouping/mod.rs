//! The grouping engine: diverse small groups, accountability partners and coffee rounds for
//! facilitators (DESIGN C5, C6, A2), in people's terms. `peerlab-match` holds the algorithms
//! on indices and distances; this module turns people into them and the results back into
//! people, reasons and rosters.
//!
//! Vocabulary. A *pool* ([`Pool`]) is the people one run groups or pairs, in order; a person
//! in it is known by their index and described by their [`PersonFacts`]. A pool comes from a
//! people file or from the JSON API (both arrive as rows of named fields, so they are
//! validated by the same code and fail with the same messages), or from people the store
//! already holds ([`Pool::from_people`]). A programme's *cohort* (the people enrolled in it)
//! and a *cohort channel* (a kind of space) are different things: either can supply a pool,
//! and neither is called a pool. *History* ([`History`]) is who met whom before, as
//! *meetings*; a *roster* ([`RosterRow`]) is what a run writes, one row per person, and it
//! reads back as history. A *group* has a size range and roles; a *pair* may become a *trio*
//! under the odd-count rule; a *coffee round* pairs everyone once.
//!
//! A people file has the columns of the people import ([`crate::import::COLUMNS`]) plus
//! [`EXTRA_COLUMNS`]: `seniority` (a number, higher is more senior), `start_date` (the day the
//! person joined, `YYYY-MM-DD`, from which tenure is counted) and `block` (e-mails of people
//! this person should never be grouped or paired with, separated by `;`). Only `name` and
//! `email` are required; an absent or empty attribute simply adds no diversity.
//!
//! A history file is either a list of pairs (`a,b[,date]`) or a roster as `peerlab groups`
//! and `peerlab pairs` write it (`date,round,group,email,name,role,reasons`): everyone
//! sharing a date, round and group met. Rows naming someone outside the pool are skipped,
//! since people leave and join between sessions.

pub mod adjust;
pub mod groups;
mod history;
pub mod pairs;
mod pool;

pub use history::{fade, roster_csv, History, Meeting, RosterRow};
pub use pool::{PersonFacts, Pool, PoolError};

use crate::import::{self, ImportError, RowError, MAX_LISTED_ERRORS};
use chrono::NaiveDate;

/// The columns a people file may have besides the import columns.
pub const EXTRA_COLUMNS: [&str; 3] = ["seniority", "start_date", "block"];

/// The columns of a roster, the output of `peerlab groups` and `peerlab pairs`.
pub const ROSTER_COLUMNS: [&str; 7] =
    ["date", "round", "group", "email", "name", "role", "reasons"];

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
                    reason: format!("the row cannot be read as CSV: {e}").into(),
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
pub(crate) fn check_width(line: u64, fields: &[String], columns: usize) -> Result<(), RowError> {
    if fields.len() == columns {
        return Ok(());
    }
    Err(RowError {
        line,
        reason: format!("has {} fields; the header has {columns}", fields.len()).into(),
    })
}

fn row_error(line: u64, reason: String) -> ImportError {
    ImportError::Rows {
        errors: vec![RowError {
            line,
            reason: reason.into(),
        }],
        total: 1,
    }
}

// Collects row errors and turns them into the error of the whole input.
pub(crate) fn finish<T>(value: T, mut errors: Vec<RowError>) -> Result<T, ImportError> {
    if errors.is_empty() {
        return Ok(value);
    }
    errors.sort_by_key(|e| e.line);
    let total = errors.len();
    errors.truncate(MAX_LISTED_ERRORS);
    Err(ImportError::Rows { errors, total })
}

// Maps each header cell to its position in `known`, refusing unknown and repeated columns.
pub(crate) fn header_columns(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::RowProblem;
    use crate::values::Email;

    pub(crate) fn pool(csv: &str) -> Pool {
        Pool::from_csv(csv.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn date(s: &str) -> NaiveDate {
        parse_date(s, "date").expect("date")
    }

    #[test]
    fn a_pool_takes_the_import_columns_and_its_own() {
        let c = pool(
            "name,email,department,manager_email,seniority,start_date,block\n\
             Ana,ana@x.com,Sales,,3,2020-01-31,ben@x.com\n\
             Ben,ben@x.com,Finance,ana@x.com,,,\n\
             Cy,cy@x.com,,outside@x.com,1.5,,\n",
        );
        assert_eq!(c.len(), 3);
        assert_eq!(c.people()[0].seniority, Some(3.0));
        assert_eq!(c.people()[0].start_date, Some(date("2020-01-31")));
        assert_eq!(
            c.manager_pairs(),
            vec![(0, 1)],
            "a manager outside the pool is no pair"
        );
        assert_eq!(c.block_pairs(), vec![(0, 1)]);
    }

    #[test]
    fn bad_people_files_say_what_is_wrong() {
        let err = |csv: &str| Pool::from_csv(csv.as_bytes()).expect_err(csv).to_string();
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
            Pool::from_csv(b"name,email\nAna,ana@x.com\nAna,ANA@x.com\n")
        else {
            panic!("duplicates are row errors");
        };
        assert_eq!(errors[0].line, 3);
        assert!(errors[0]
            .reason
            .to_string()
            .contains("duplicate e-mail ana@x.com (first on line 2)"));
        // The duplicate keeps its parts, so the API can point at the first entry its own way.
        assert_eq!(
            errors[0].reason.problems()[0],
            RowProblem::DuplicateEmail {
                email: Email::parse("ana@x.com").expect("email"),
                first_line: 2
            }
        );
    }

    #[test]
    fn history_reads_pairs_and_rosters_and_fades() {
        let c = pool("name,email\nA,a@x.com\nB,b@x.com\nC,c@x.com\n");
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
        let c = pool("name,email\nA,a@x.com\nB,b@x.com\n");
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
        let c = pool("name,email\nA,a@x.com\nB,b@x.com\n");
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

    // Ten people with every attribute the engine weighs, as a people file.
    const TEN: &str = "name,email,department,function,location,time_zone,manager_email,skills,wants_to_learn,seniority,start_date,block\n\
        Ana,ana@x.com,Sales,Sales,Lisbon,Europe/Lisbon,,Negotiation:5; SQL:2,Coaching,5,2015-03-01,\n\
        Ben,ben@x.com,Sales,Finance,Lisbon,Europe/Lisbon,ana@x.com,Negotiation:2,SQL,2,2021-06-15,\n\
        Cy,cy@x.com,Finance,Finance,Berlin,Europe/Berlin,,SQL:4,Negotiation,4,2018-01-10,eli@x.com\n\
        Dee,dee@x.com,Finance,Sales,Berlin,Europe/Berlin,cy@x.com,Coaching:3,,1,2024-02-01,\n\
        Eli,eli@x.com,Legal,Legal,New York,America/New_York,,Contracts:5,Negotiation,3,2012-09-30,\n\
        Fay,fay@x.com,Legal,Sales,New York,America/New_York,eli@x.com,,Contracts,1,2025-01-05,\n\
        Gus,gus@x.com,IT,IT,Lisbon,Europe/Lisbon,,SQL:5; Coaching:2,,4,2016-04-04,\n\
        Hal,hal@x.com,IT,Finance,Berlin,,gus@x.com,,SQL,,,\n\
        Ivy,ivy@x.com,,,,,,Negotiation:3,Contracts,2,2022-11-11,\n\
        Jo,jo@x.com,Sales,Legal,New York,America/New_York,ana@x.com,Contracts:2,Coaching,3,2019-07-07,ana@x.com\n";

    // name, e-mail's user, department, function, location, time zone, manager's user, skills,
    // wants, seniority, start date, blocked users.
    type FactsRow = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static [(&'static str, i64)],
        &'static [&'static str],
        Option<f64>,
        &'static str,
        &'static [&'static str],
    );

    // The same people as facts, as the store would hand them over.
    fn ten_as_facts() -> Vec<PersonFacts> {
        let e = |s: &str| Email::parse(s).expect("email");
        let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let skill = |s: &str| crate::SkillName::parse(s).expect("skill");
        let rows: [FactsRow; 10] = [
            (
                "Ana",
                "ana",
                "Sales",
                "Sales",
                "Lisbon",
                "Europe/Lisbon",
                "",
                &[("Negotiation", 5), ("SQL", 2)],
                &["Coaching"],
                Some(5.0),
                "2015-03-01",
                &[],
            ),
            (
                "Ben",
                "ben",
                "Sales",
                "Finance",
                "Lisbon",
                "Europe/Lisbon",
                "ana",
                &[("Negotiation", 2)],
                &["SQL"],
                Some(2.0),
                "2021-06-15",
                &[],
            ),
            (
                "Cy",
                "cy",
                "Finance",
                "Finance",
                "Berlin",
                "Europe/Berlin",
                "",
                &[("SQL", 4)],
                &["Negotiation"],
                Some(4.0),
                "2018-01-10",
                &["eli"],
            ),
            (
                "Dee",
                "dee",
                "Finance",
                "Sales",
                "Berlin",
                "Europe/Berlin",
                "cy",
                &[("Coaching", 3)],
                &[],
                Some(1.0),
                "2024-02-01",
                &[],
            ),
            (
                "Eli",
                "eli",
                "Legal",
                "Legal",
                "New York",
                "America/New_York",
                "",
                &[("Contracts", 5)],
                &["Negotiation"],
                Some(3.0),
                "2012-09-30",
                &[],
            ),
            (
                "Fay",
                "fay",
                "Legal",
                "Sales",
                "New York",
                "America/New_York",
                "eli",
                &[],
                &["Contracts"],
                Some(1.0),
                "2025-01-05",
                &[],
            ),
            (
                "Gus",
                "gus",
                "IT",
                "IT",
                "Lisbon",
                "Europe/Lisbon",
                "",
                &[("SQL", 5), ("Coaching", 2)],
                &[],
                Some(4.0),
                "2016-04-04",
                &[],
            ),
            (
                "Hal",
                "hal",
                "IT",
                "Finance",
                "Berlin",
                "",
                "gus",
                &[],
                &["SQL"],
                None,
                "",
                &[],
            ),
            (
                "Ivy",
                "ivy",
                "",
                "",
                "",
                "",
                "",
                &[("Negotiation", 3)],
                &["Contracts"],
                Some(2.0),
                "2022-11-11",
                &[],
            ),
            (
                "Jo",
                "jo",
                "Sales",
                "Legal",
                "New York",
                "America/New_York",
                "ana",
                &[("Contracts", 2)],
                &["Coaching"],
                Some(3.0),
                "2019-07-07",
                &["ana"],
            ),
        ];
        rows.iter()
            .enumerate()
            .map(
                |(
                    k,
                    &(
                        name,
                        email,
                        dept,
                        function,
                        location,
                        tz,
                        manager,
                        skills,
                        wants,
                        seniority,
                        start,
                        blocked,
                    ),
                )| {
                    PersonFacts {
                        id: Some(100 + k as i64),
                        email: e(&format!("{email}@x.com")),
                        name: crate::PersonName::parse(name).expect("name"),
                        department: text(dept),
                        function: text(function),
                        location: text(location),
                        time_zone: text(tz).map(|t| crate::TimeZone::parse(&t).expect("zone")),
                        seniority,
                        start_date: text(start).map(|d| date(&d)),
                        skills: skills
                            .iter()
                            .map(|&(s, l)| (skill(s), crate::Level::new(l).expect("level")))
                            .collect(),
                        wants: wants.iter().map(|&w| skill(w)).collect(),
                        manager: text(manager).map(|m| e(&format!("{m}@x.com"))),
                        blocked: blocked.iter().map(|b| e(&format!("{b}@x.com"))).collect(),
                    }
                },
            )
            .collect()
    }

    #[test]
    fn a_pool_from_facts_groups_and_pairs_as_the_same_people_from_rows() {
        use rand::SeedableRng;
        let from_rows = pool(TEN);
        let facts = ten_as_facts();
        let from_facts = Pool::from_people(facts.clone()).expect("pool");
        // The file's people are the same facts, only without the store's ids.
        for (read, given) in from_rows.people().iter().zip(&facts) {
            assert_eq!(
                read,
                &PersonFacts {
                    id: None,
                    ..given.clone()
                }
            );
        }
        assert_eq!(from_facts.people()[3].id, Some(103));
        assert_eq!(from_facts.manager_pairs(), from_rows.manager_pairs());
        assert_eq!(from_facts.block_pairs(), vec![(0, 9), (2, 4)]);

        let today = date("2026-06-01");
        let run = |p: &Pool| {
            let options = groups::GroupOptions {
                size: groups::SizeRange::parse("3-4").expect("size"),
                weights: groups::Weights::default(),
                roles: vec![groups::RoleSpec::parse("buyer=Sales").expect("role")],
                keep_apart: Vec::new(),
                keep_together: Vec::new(),
                today,
            };
            let prepared = groups::prepare(p, &History::default(), options).expect("prepare");
            let mut rng = rand::rngs::StdRng::seed_from_u64(11);
            groups::form(&prepared, &mut rng, &mut |done| done >= 200).expect("form")
        };
        let (a, b) = (run(&from_rows), run(&from_facts));
        assert_eq!(a, b);
        assert_eq!(
            a.report.kept_apart, 6,
            "five managers with a report, and one block that is not also a manager pair"
        );
        let (a, b) = (
            pairs::partners(&from_rows, &History::default(), today).expect("partners"),
            pairs::partners(&from_facts, &History::default(), today).expect("partners"),
        );
        assert_eq!(a, b);
        assert!(a.pairs.iter().any(|p| !p.reasons.is_empty()));
    }

    #[test]
    fn facts_that_cannot_form_a_pool_are_refused() {
        let mut facts = ten_as_facts();
        facts[4].email = facts[1].email.clone();
        assert_eq!(
            Pool::from_people(facts).expect_err("duplicate").to_string(),
            "duplicate e-mail ben@x.com (people 2 and 5 of the pool)"
        );
        let mut facts = ten_as_facts();
        let ana = facts[0].email.clone();
        facts[0].blocked.push(ana);
        assert_eq!(
            Pool::from_people(facts),
            Err(PoolError::BlocksThemself {
                email: Email::parse("ana@x.com").expect("email")
            })
        );
    }
}
