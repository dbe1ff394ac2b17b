//! Calendar invitations and feeds (RFC 5545, iTIP RFC 5546), written with the `icalendar`
//! builder, which escapes text; [`fold`] then folds its lines again, at 75 octets (the
//! builder's own folding lets a last continuation line reach 76 when it ends in a
//! multi-byte character, which strict parsers refuse).
//!
//! Decisions, from what calendar clients are known to do:
//! - An invitation is `METHOD:REQUEST` with an `ORGANIZER` (`mailto:`) and the person as
//!   `ATTENDEE`; an update is another REQUEST with the same `UID` and a higher `SEQUENCE`
//!   (never PUBLISH, which Outlook and Google turn into duplicates); a cancellation is
//!   `METHOD:CANCEL` with `STATUS:CANCELLED` and a raised SEQUENCE.
//! - Times are in UTC (`Z`): no VTIMEZONE to get wrong, and every client shows them in its
//!   own zone. The session's zone is named in the description.
//! - A feed is one calendar of all of a person's sessions, cancelled ones included (so that
//!   subscribed calendars drop them), each with a reminder 30 minutes before.

use chrono::{DateTime, Utc};
use icalendar::{Alarm, Calendar, Component, Event, EventLike, EventStatus, Property, Trigger};
use peerlab_core::program::SessionMode;
use peerlab_store::{Invitee, Session};

/// The iTIP method of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// A common name as a parameter value: no double quotes, which a parameter cannot hold.
fn cn(name: &str) -> String {
    name.replace('"', "'")
}

fn calendar(method: Option<Method>) -> Calendar {
    // `Calendar::new` would add a PRODID of its own, and a calendar has exactly one.
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("VERSION", "2.0"));
    cal.append_property(Property::new("PRODID", "-//peerlab//peerlab sessions//EN"));
    cal.append_property(Property::new("CALSCALE", "GREGORIAN"));
    if let Some(m) = method {
        cal.append_property(Property::new("METHOD", m.as_str()));
    }
    cal
}

fn event(
    s: &Session,
    agenda: &[String],
    cancelled: bool,
    stamp: DateTime<Utc>,
    base: &str,
) -> Event {
    let url = format!("{base}/sessions/{}", s.id);
    let mut description = String::new();
    if !agenda.is_empty() {
        description.push_str("Agenda:\n");
        description.push_str(&agenda.join("\n"));
        description.push_str("\n\n");
    }
    if !s.prework.is_empty() {
        description.push_str("Before the session:\n");
        description.push_str(&s.prework);
        description.push_str("\n\n");
    }
    description.push_str(&format!(
        "{} · {} · planned in {}\n{url}",
        s.mode.label(),
        s.space_name,
        s.time_zone
    ));
    // Google keeps about 8 KB of a description.
    let description: String = description.chars().take(6_000).collect();
    let mut e = Event::new();
    e.uid(&s.uid)
        .sequence(u32::try_from(s.sequence).unwrap_or(0))
        .timestamp(stamp)
        .starts(at(s.starts_at))
        .ends(at(s.ends_at))
        .summary(&s.title)
        .description(&description)
        .url(&url)
        .status(if cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
    let location = match s.mode {
        SessionMode::Async => "Online, in your own time".to_string(),
        _ => s.place.clone(),
    };
    if !location.is_empty() {
        e.location(&location);
    }
    if let (Some(name), Some(email)) = (&s.organizer_name, &s.organizer_email) {
        e.append_property(
            Property::new("ORGANIZER", format!("mailto:{email}"))
                .add_parameter("CN", &cn(name))
                .done(),
        );
    }
    e
}

/// One person's invitation to a session (or its cancellation).
pub fn invitation(
    s: &Session,
    agenda: &[String],
    method: Method,
    to: &Invitee,
    stamp: DateTime<Utc>,
    base: &str,
) -> String {
    let cancelled = method == Method::Cancel;
    let mut e = event(s, agenda, cancelled, stamp, base);
    e.append_property(
        Property::new("ATTENDEE", format!("mailto:{}", to.email))
            .add_parameter("CN", &cn(&to.name))
            .add_parameter("ROLE", "REQ-PARTICIPANT")
            .add_parameter("PARTSTAT", "NEEDS-ACTION")
            .add_parameter("RSVP", "TRUE")
            .done(),
    );
    let mut cal = calendar(Some(method));
    cal.push(e.done());
    fold(&cal.to_string())
}

/// A person's subscribed feed of every session they are invited to.
pub fn feed(sessions: &[(Session, bool)], name: &str, stamp: DateTime<Utc>, base: &str) -> String {
    let mut cal = calendar(None);
    cal.name(&format!("peerlab sessions · {name}"));
    for (s, cancelled) in sessions {
        let mut e = event(s, &[], *cancelled, stamp, base);
        if !cancelled {
            e.alarm(Alarm::display(
                &format!("{} starts in 30 minutes", s.title),
                Trigger::before_start(chrono::Duration::minutes(30)),
            ));
        }
        cal.push(e.done());
    }
    fold(&cal.to_string())
}

/// Unfolds `ics` and folds every content line again so that no line is longer than 75
/// octets without its CRLF (RFC 5545 §3.1), breaking only between characters.
fn fold(ics: &str) -> String {
    const LIMIT: usize = 75;
    let unfolded = ics.replace("\r\n ", "").replace("\r\n\t", "");
    let mut out = String::with_capacity(unfolded.len() + unfolded.len() / 24);
    for line in unfolded.split_terminator("\r\n") {
        let mut room = LIMIT;
        let mut used = 0;
        for c in line.chars() {
            if used + c.len_utf8() > room {
                out.push_str("\r\n ");
                // The continuation's leading space counts.
                room = LIMIT - 1;
                used = 0;
            }
            out.push(c);
            used += c.len_utf8();
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn lines_fold_at_75_octets_between_characters() {
        // 74 ASCII octets and a two-octet "·" would be 76 on one line.
        let long = format!(
            "DESCRIPTION:{}· and more after it{}",
            "a".repeat(62),
            "é".repeat(80)
        );
        let folded = fold(&format!("BEGIN:VEVENT\r\n{long}\r\nEND:VEVENT\r\n"));
        for line in folded.split_terminator("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        assert_eq!(
            folded.replace("\r\n ", ""),
            format!("BEGIN:VEVENT\r\n{long}\r\nEND:VEVENT\r\n")
        );
        assert!(folded.ends_with("END:VEVENT\r\n"));
        // Already folded input is unfolded first, not folded twice.
        assert_eq!(fold(&folded), folded);
    }
}
