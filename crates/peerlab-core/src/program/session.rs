//! Sessions as values: how a session is held, its checked fields, and the one place where a
//! wall-clock time in a time zone becomes an instant.
//!
//! Decisions:
//! - A time is typed as a local date and time in an IANA zone. A local time that does not
//!   exist there (skipped when clocks go forward) is refused with the reason; one that
//!   happens twice (when clocks go back) is the first of the two, as calendars do.
//! - Moving a session by whole days keeps its wall-clock time: 15:00 stays 15:00 across a
//!   daylight-saving change. If the moved time falls in a gap, it moves forward by the gap.

use std::fmt;

use chrono::{
    DateTime, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone as _, Utc,
};
use serde::{Deserialize, Serialize};

use crate::space::{bounded, keyword_enum};
use crate::ValueError;

pub const MAX_SESSION_TITLE_CHARS: usize = 120;
pub const MAX_PLACE_CHARS: usize = 500;
pub const MAX_PREWORK_CHARS: usize = 4_000;
/// The longest session: an asynchronous one may stay open for two weeks.
pub const MAX_SESSION_DAYS: i64 = 14;
/// The wall-clock time a template's sessions get until the facilitator sets theirs.
pub const DEFAULT_START: (u32, u32) = (15, 0);

keyword_enum!(
    /// How a session is held.
    SessionMode, "mode" {
        InPerson = "in_person": "In person",
        Virtual = "virtual": "Virtual",
        Async = "async": "Asynchronous",
    }
);

keyword_enum!(
    /// An answer to a space session's invitation.
    Rsvp, "answer" {
        Going = "going": "Going",
        Maybe = "maybe": "Maybe",
        Declined = "declined": "Not going",
    }
);

keyword_enum!(
    /// Whether someone came.
    Attendance, "status" {
        Present = "present": "Present",
        Late = "late": "Late",
        Absent = "absent": "Absent",
        Excused = "excused": "Excused",
    }
);

impl Attendance {
    /// Present or late: they came, and an xAPI `attended` statement says so.
    pub fn came(self) -> bool {
        matches!(self, Attendance::Present | Attendance::Late)
    }
}

/// Check-in codes: six characters a person can read off a screen and type on a phone —
/// capitals and digits without the ones that look alike (0/O, 1/I/L).
pub const CHECKIN_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
pub const CHECKIN_CODE_LEN: usize = 6;
/// How long a check-in stays open.
pub const CHECKIN_MINUTES: i64 = 20;

/// A code as typed: spaces and dashes ignored, any case.
pub fn checkin_code(raw: &str) -> Result<String, ValueError> {
    let code: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect();
    if code.len() != CHECKIN_CODE_LEN || !code.bytes().all(|b| CHECKIN_ALPHABET.contains(&b)) {
        return Err(ValueError::new(
            "code",
            format!("a check-in code is the {CHECKIN_CODE_LEN} letters and digits shown in the room, not {raw:?}"),
        ));
    }
    Ok(code)
}

pub fn session_title(raw: &str) -> Result<String, ValueError> {
    bounded("title", raw, 3, MAX_SESSION_TITLE_CHARS, false)
}

/// A place for an in-person session, or an `https://` link for a virtual one.
pub fn place(mode: SessionMode, raw: &str) -> Result<String, ValueError> {
    let s = bounded("place", raw, 0, MAX_PLACE_CHARS, false)?;
    match mode {
        SessionMode::Virtual
            if !(s.is_empty() || s.starts_with("https://") || s.starts_with("http://")) =>
        {
            Err(ValueError::new(
                "place",
                format!("a virtual session's link starts with https://, not {s:?}"),
            ))
        }
        SessionMode::InPerson if s.is_empty() => Err(ValueError::new(
            "place",
            "an in-person session needs a place",
        )),
        _ => Ok(s),
    }
}

pub fn prework(raw: &str) -> Result<String, ValueError> {
    bounded("prework", raw, 0, MAX_PREWORK_CHARS, true)
}

/// An IANA zone by name.
pub fn zone(raw: &str) -> Result<chrono_tz::Tz, ValueError> {
    let s = raw.trim();
    s.parse::<chrono_tz::Tz>().map_err(|_| {
        ValueError::new(
            "time_zone",
            format!("{s:?} is not an IANA time zone such as Europe/Lisbon or America/New_York"),
        )
    })
}

/// `HH:MM` as typed.
pub fn clock_time(field: &'static str, raw: &str) -> Result<NaiveTime, ValueError> {
    let s = raw.trim();
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| {
        ValueError::new(
            field,
            format!("\"{s}\" is not a time; write it as HH:MM, e.g. 15:00"),
        )
    })
}

/// The instant a wall-clock time in `tz` names. A time skipped by daylight saving is
/// refused, naming the zone.
pub fn instant(
    field: &'static str,
    local: NaiveDateTime,
    tz: chrono_tz::Tz,
) -> Result<DateTime<Utc>, ValueError> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
        LocalResult::None => Err(ValueError::new(
            field,
            format!(
                "{} does not exist in {}: the clocks skip that hour for daylight saving; pick another time",
                local.format("%Y-%m-%d %H:%M"),
                tz.name()
            ),
        )),
    }
}

/// The instant of a wall-clock time moved by `days`, keeping the wall-clock time; a moved
/// time in a daylight-saving gap moves forward by the gap.
pub fn moved(local: NaiveDateTime, days: i64, tz: chrono_tz::Tz) -> (NaiveDateTime, DateTime<Utc>) {
    let shifted = if days >= 0 {
        local.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        local.checked_sub_days(Days::new(days.unsigned_abs()))
    }
    .unwrap_or(local);
    let mut probe = shifted;
    for _ in 0..4 {
        if let Ok(t) = instant("starts", probe, tz) {
            return (probe, t);
        }
        probe += chrono::Duration::minutes(30);
    }
    (shifted, Utc.from_utc_datetime(&shifted))
}

/// A local start as stored: `YYYY-MM-DDTHH:MM`.
pub fn local_text(local: NaiveDateTime) -> String {
    local.format("%Y-%m-%dT%H:%M").to_string()
}

pub fn parse_local(raw: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M").ok()
}

/// The local date of an instant in `tz`.
pub fn local_date(t: DateTime<Utc>, tz: chrono_tz::Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("a test time")
    }

    #[test]
    fn a_skipped_local_time_is_refused_and_a_repeated_one_is_the_first() {
        let london = zone("Europe/London").unwrap();
        let e = instant("starts", at("2027-03-28 01:30"), london).unwrap_err();
        assert!(e.message.contains("does not exist in Europe/London"), "{e}");
        let first = instant("starts", at("2027-10-31 01:30"), london).unwrap();
        assert_eq!(
            first.to_rfc3339(),
            "2027-10-31T00:30:00+00:00",
            "BST, the first 01:30"
        );
        assert!(zone("Mars/Olympus").unwrap_err().message.contains("IANA"));
        assert!(clock_time("starts", "25:00").is_err());
    }

    #[test]
    fn moving_by_days_keeps_the_wall_clock_time_across_daylight_saving() {
        let lisbon = zone("Europe/Lisbon").unwrap();
        let (local, t) = moved(at("2027-03-25 15:00"), 7, lisbon);
        assert_eq!(local, at("2027-04-01 15:00"));
        assert_eq!(
            t.to_rfc3339(),
            "2027-04-01T14:00:00+00:00",
            "summer time: UTC+1"
        );
        let (_, before) = moved(at("2027-03-25 15:00"), 0, lisbon);
        assert_eq!(before.to_rfc3339(), "2027-03-25T15:00:00+00:00");
        // Into a gap: forward by the gap.
        let (local, _) = moved(at("2027-03-27 01:30"), 1, lisbon);
        assert_eq!(local, at("2027-03-28 02:00"));
    }

    #[test]
    fn check_in_codes_are_read_as_people_type_them() {
        assert_eq!(checkin_code(" k7q-m2p ").unwrap(), "K7QM2P");
        assert!(checkin_code("K7QM2").is_err());
        assert!(checkin_code("K7QM2O")
            .unwrap_err()
            .message
            .contains("letters and digits"));
    }

    #[test]
    fn places_fit_the_mode() {
        assert!(place(SessionMode::Virtual, "zoom.us/j/1").is_err());
        assert!(place(SessionMode::Virtual, "https://meet.example.com/abc").is_ok());
        assert!(place(SessionMode::InPerson, "").is_err());
        assert!(place(SessionMode::Async, "").is_ok());
    }
}
