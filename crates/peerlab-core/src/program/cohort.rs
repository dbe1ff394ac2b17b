//! Programs and cohorts as values: the checked fields a program and a cohort are made of,
//! where a person stands in a cohort, and where a day falls on a program's timeline.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{PlannedStage, Template};
use crate::space::{bounded, keyword_enum};
use crate::ValueError;

pub const MAX_PROGRAM_NAME_CHARS: usize = 100;
pub const MAX_PURPOSE_CHARS: usize = 1_000;
pub const MAX_MOMENT_CHARS: usize = 120;
pub const MAX_COHORT_NAME_CHARS: usize = 80;
/// Skills a program may name as what it is for.
pub const MAX_PROGRAM_SKILLS: usize = 8;
/// The largest cohort: the benchmarks run 300, and a cohort is meant to know each other.
pub const MAX_CAPACITY: i64 = 1_000;
/// People one enrolment request may add (a directory filter or a pasted list).
pub const MAX_ENROL_BATCH: usize = 1_000;
/// How far a cohort may run from its program's anchor, in days (either way).
pub const MAX_SHIFT_DAYS: i64 = 3 * 366;

/// The title and question of the introductions thread every cohort channel opens with
/// (seed 000: "introduce yourself and the challenges you are working on").
pub const INTRODUCTIONS_TITLE: &str = "Introductions";
pub const INTRODUCTIONS_QUESTION: &str =
    "What is the challenge you are working on right now, and what would you like to learn from this cohort?";
pub const INTRODUCTIONS_BODY: &str = "Welcome! Before our first session, introduce yourself here: \
your name, your role, and the challenge you are working on. Then read two other introductions and \
reply to one of them — the people in this cohort are the program.";

keyword_enum!(
    /// Where a person stands in a cohort. `Removed` keeps the row, so their history stays.
    EnrolState, "state" {
        Enrolled = "enrolled": "Enrolled",
        Waiting = "waiting": "On the waiting list",
        Removed = "removed": "Removed",
    }
);

pub fn program_name(raw: &str) -> Result<String, ValueError> {
    bounded("name", raw, 3, MAX_PROGRAM_NAME_CHARS, false)
}

pub fn purpose(raw: &str) -> Result<String, ValueError> {
    bounded("purpose", raw, 0, MAX_PURPOSE_CHARS, true)
}

/// The business moment a program is anchored to, in words ("Performance-review cycle opens").
pub fn moment(raw: &str) -> Result<String, ValueError> {
    bounded("moment", raw, 3, MAX_MOMENT_CHARS, false)
}

pub fn cohort_name(raw: &str) -> Result<String, ValueError> {
    bounded("cohort", raw, 3, MAX_COHORT_NAME_CHARS, false)
}

/// A capacity as typed: empty is "no limit".
pub fn capacity(raw: &str) -> Result<Option<i64>, ValueError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<i64>() {
        Ok(n) if (1..=MAX_CAPACITY).contains(&n) => Ok(Some(n)),
        _ => Err(ValueError::new(
            "capacity",
            format!("must be a whole number from 1 to {MAX_CAPACITY}, or empty for no limit, not {raw:?}"),
        )),
    }
}

/// A date as typed (`YYYY-MM-DD`).
pub fn day(field: &'static str, raw: &str) -> Result<NaiveDate, ValueError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(ValueError::new(field, "is required (YYYY-MM-DD)"));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        ValueError::new(
            field,
            format!("\"{raw}\" is not a date; write it as YYYY-MM-DD, e.g. 2027-03-01"),
        )
    })
}

/// The days from a program's anchor to a cohort's start, within [`MAX_SHIFT_DAYS`].
pub fn shift_days(anchor: NaiveDate, starts: NaiveDate) -> Result<i64, ValueError> {
    let days = (starts - anchor).num_days();
    if days.abs() > MAX_SHIFT_DAYS {
        return Err(ValueError::new(
            "starts",
            format!("must be within {MAX_SHIFT_DAYS} days of the program's anchor, {anchor}"),
        ));
    }
    Ok(days)
}

/// Where a stage is on the day the page is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Done,
    Now,
    Next,
}

impl Phase {
    pub fn of(stage: &PlannedStage, today: NaiveDate) -> Phase {
        if stage.ends < today {
            Phase::Done
        } else if stage.starts <= today {
            Phase::Now
        } else {
            Phase::Next
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Phase::Done => "Done",
            Phase::Now => "Now",
            Phase::Next => "Next",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Done => "done",
            Phase::Now => "now",
            Phase::Next => "next",
        }
    }
}

/// The next activity on or after `today` in a schedule: (stage position, activity position,
/// its day). `None` once everything has happened.
pub fn next_activity(
    template: &Template,
    plan: &[PlannedStage],
    today: NaiveDate,
) -> Option<(usize, usize, NaiveDate)> {
    plan.iter()
        .flat_map(|s| {
            s.activities
                .iter()
                .map(move |a| (s.position, a.position, a.on))
        })
        .filter(|&(_, _, on)| on >= today)
        .filter(|&(s, a, _)| {
            template
                .stages
                .get(s)
                .is_some_and(|st| a < st.activities.len())
        })
        .min_by_key(|&(s, a, on)| (on, s, a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::{schedule, shipped};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a test date")
    }

    #[test]
    fn a_stage_is_done_now_or_next_by_its_dates() {
        let t = &shipped()[1];
        let plan = schedule(t, d("2027-03-01"));
        let first = &plan[0];
        assert_eq!(
            Phase::of(first, first.starts.pred_opt().expect("a day")),
            Phase::Next
        );
        assert_eq!(Phase::of(first, first.starts), Phase::Now);
        assert_eq!(Phase::of(first, first.ends), Phase::Now);
        assert_eq!(
            Phase::of(first, first.ends.succ_opt().expect("a day")),
            Phase::Done
        );
    }

    #[test]
    fn the_next_activity_is_the_first_on_or_after_today() {
        let t = &shipped()[1];
        let plan = schedule(t, d("2027-03-01"));
        let first = plan[0].activities[0].on;
        assert_eq!(next_activity(t, &plan, first).map(|n| n.2), Some(first));
        let last_stage = plan.last().expect("stages");
        let last = last_stage.activities.last().expect("activities").on;
        assert_eq!(
            next_activity(t, &plan, last.succ_opt().expect("a day")),
            None
        );
    }

    #[test]
    fn capacity_and_dates_say_what_they_expect() {
        assert_eq!(capacity("").unwrap(), None);
        assert_eq!(capacity(" 12 ").unwrap(), Some(12));
        assert!(capacity("0").unwrap_err().message.contains("from 1 to"));
        assert!(capacity("lots").unwrap_err().message.contains("\"lots\""));
        assert!(day("anchor", "01/03/2027")
            .unwrap_err()
            .message
            .contains("YYYY-MM-DD"));
        assert!(shift_days(d("2027-03-01"), d("2031-03-01")).is_err());
        assert_eq!(shift_days(d("2027-03-01"), d("2027-09-01")).unwrap(), 184);
    }
}
