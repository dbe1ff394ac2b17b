//! Every kind of e-mail a person can choose about — the one place a feature adds its kind.
//!
//! A topic groups notification kinds the way a person thinks of them ("replies to my
//! threads"), with a default that a person may change on their settings page or with the
//! unsubscribe link of any e-mail of that topic. E-mails that are not about activity (an
//! invitation link, a password reset, an admin's test message) are not topics: they always
//! go, and carry no unsubscribe link.

use peerlab_core::space::NoticeKind;
use serde::Serialize;

/// When a person gets e-mail about a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Immediately,
    Digest,
    Never,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Immediately => "immediately",
            Mode::Digest => "digest",
            Mode::Never => "never",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "immediately" => Some(Mode::Immediately),
            "digest" => Some(Mode::Digest),
            "never" => Some(Mode::Never),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Mode::Immediately => "Right away",
            Mode::Digest => "In my digest",
            Mode::Never => "Never",
        }
    }
}

/// A kind of e-mail a person chooses about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Topic {
    /// Stable: stored in preferences and signed into unsubscribe links.
    pub key: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub default: Mode,
    /// Whether it may wait for the digest; a calendar invitation may not (a calendar can
    /// only take it as its own message).
    pub digestible: bool,
}

pub const REPLIES: Topic = Topic {
    key: "replies",
    label: "Replies to my threads",
    help: "Someone replied to a thread you started.",
    default: Mode::Immediately,
    digestible: true,
};
pub const MENTIONS: Topic = Topic {
    key: "mentions",
    label: "Mentions",
    help: "Someone mentioned you with @.",
    default: Mode::Immediately,
    digestible: true,
};
pub const ACCEPTED: Topic = Topic {
    key: "accepted",
    label: "Accepted answers",
    help: "Your answer was accepted.",
    default: Mode::Digest,
    digestible: true,
};
pub const ADDED: Topic = Topic {
    key: "added",
    label: "Added to a space or cohort",
    help: "Someone added you to a space, or enrolled you in a cohort.",
    default: Mode::Digest,
    digestible: true,
};
pub const PROMPTS: Topic = Topic {
    key: "prompts",
    label: "New prompts",
    help: "A facilitator posted a prompt with a reflection question in one of your spaces.",
    default: Mode::Immediately,
    digestible: true,
};
pub const BOARDS: Topic = Topic {
    key: "boards",
    label: "Agenda boards to vote on",
    help: "A session you are invited to opened its agenda board, or its board closes soon and you have votes left.",
    default: Mode::Immediately,
    digestible: true,
};
pub const CHECK_IN: Topic = Topic {
    key: "check_in",
    label: "Check-in opened",
    help: "A session you are in opened check-in (you are usually in the room: off by default).",
    default: Mode::Never,
    digestible: false,
};
pub const COFFEE: Topic = Topic {
    key: "coffee",
    label: "Coffee rounds",
    help: "Who you meet in a coffee round you joined, and whether you met.",
    default: Mode::Immediately,
    digestible: true,
};
pub const SESSIONS: Topic = Topic {
    key: "sessions",
    label: "Session invitations",
    help: "Calendar invitations to your sessions, their updates and cancellations, with Accept and Decline.",
    default: Mode::Immediately,
    digestible: false,
};

impl Topic {
    /// The modes a person may choose for it: never the digest for a topic that cannot wait.
    pub fn modes(&self) -> Vec<Mode> {
        let mut modes = vec![Mode::Immediately];
        if self.digestible {
            modes.push(Mode::Digest);
        }
        modes.push(Mode::Never);
        modes
    }

    /// A person's mode for it, from their stored `(topic, mode)` choices.
    pub fn mode_in(&self, choices: &[(String, String)]) -> Mode {
        let chosen = choices
            .iter()
            .find(|(k, _)| k == self.key)
            .map(|(_, m)| m.as_str());
        mode_of(self, chosen)
    }
}

/// Every topic, in the order the settings page lists them.
pub const TOPICS: &[Topic] = &[
    SESSIONS, REPLIES, MENTIONS, PROMPTS, BOARDS, COFFEE, ACCEPTED, ADDED, CHECK_IN,
];

/// The key the digest's own unsubscribe link carries: it turns every topic that waits for the
/// digest to never.
pub const DIGEST: &str = "digest";

/// The topic by its key.
pub fn topic(key: &str) -> Option<&'static Topic> {
    TOPICS.iter().find(|t| t.key == key)
}

/// The topic of a notification kind; `None` for kinds that are not e-mailed on their own (a
/// session's change or cancellation reaches people as its calendar message).
pub fn of_notice(kind: NoticeKind) -> Option<&'static Topic> {
    Some(match kind {
        NoticeKind::Reply => &REPLIES,
        NoticeKind::Mention => &MENTIONS,
        NoticeKind::Accepted => &ACCEPTED,
        NoticeKind::Added => &ADDED,
        NoticeKind::Prompt => &PROMPTS,
        NoticeKind::Board | NoticeKind::BoardClosing => &BOARDS,
        NoticeKind::CheckIn => &CHECK_IN,
        NoticeKind::Coffee | NoticeKind::CoffeeMet => &COFFEE,
        NoticeKind::SessionChanged | NoticeKind::SessionCancelled => return None,
    })
}

/// A person's mode for a topic: their choice, or its default (a digest choice for a topic
/// that cannot wait counts as right away).
pub fn mode_of(topic: &Topic, chosen: Option<&str>) -> Mode {
    match chosen.and_then(Mode::parse) {
        Some(Mode::Digest) if !topic.digestible => Mode::Immediately,
        Some(m) => m,
        None => topic.default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notice_kind_has_a_topic_or_a_reason_not_to() {
        for kind in NoticeKind::ALL {
            match of_notice(*kind) {
                Some(t) => assert!(topic(t.key).is_some(), "{} is not listed", t.key),
                None => assert!(matches!(
                    kind,
                    NoticeKind::SessionChanged | NoticeKind::SessionCancelled
                )),
            }
        }
    }

    #[test]
    fn keys_are_unique_and_defaults_are_allowed() {
        let mut keys: Vec<_> = TOPICS.iter().map(|t| t.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), TOPICS.len());
        assert!(!keys.contains(&DIGEST));
        for t in TOPICS {
            assert!(t.digestible || t.default != Mode::Digest, "{}", t.key);
        }
        assert_eq!(mode_of(&SESSIONS, Some("digest")), Mode::Immediately);
        assert_eq!(mode_of(&REPLIES, Some("digest")), Mode::Digest);
        assert_eq!(mode_of(&REPLIES, Some("bogus")), Mode::Immediately);
    }
}
