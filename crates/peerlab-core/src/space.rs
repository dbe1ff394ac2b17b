//! Spaces and conversation (DESIGN S1–S9): the values a space, a thread and a post are made
//! of, their limits, and the one access policy that every page and API route asks.
//!
//! Decisions:
//! - **Visibility.** `open` spaces are read by every signed-in person and joined with one
//!   click. `private` spaces are read by members and, for oversight, by site admins; people
//!   join by invitation from a member. `confidential` spaces are read by their members only
//!   (not even by site admins), only facilitators invite, and their content never reaches
//!   global search, the expert finder's evidence or the admins' moderation queue.
//! - **404, not 403.** Whoever may not read a space is told it does not exist, so that a
//!   private or confidential space's existence is not revealed. 403 is kept for people who
//!   can see the space but may not do the thing (a non-member posting in an open space, a
//!   member moderating).
//! - **Roles in a space.** A `facilitator` runs the space (its settings, ground rules,
//!   members, prompts, accepted answers) and moderates; a `moderator` moderates; a `member`
//!   takes part. Every space keeps at least one facilitator (which also means at least one
//!   facilitator or moderator): in a confidential space nobody else could invite, set roles or
//!   edit the rules, since site admins do not oversee it.
//! - **Ground rules.** Contributions need the current version of the rules accepted.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Role, ValueError};

/// Characters a post's body may have: long enough for a story, short enough to read.
pub const MAX_BODY_CHARS: usize = 10_000;
pub const MAX_TITLE_CHARS: usize = 150;
pub const MIN_TITLE_CHARS: usize = 3;
pub const MAX_NAME_CHARS: usize = 80;
pub const MAX_DESCRIPTION_CHARS: usize = 1_000;
pub const MAX_RULES_CHARS: usize = 5_000;
pub const MAX_REASON_CHARS: usize = 500;
pub const MAX_QUESTION_CHARS: usize = 1_000;
/// Skills a question may be tagged with.
pub const MAX_THREAD_SKILLS: usize = 5;
/// Flags that hide a post pending review, unless a space sets its own number.
pub const DEFAULT_AUTO_HIDE_FLAGS: i64 = 3;

/// The ground rules every new space starts with; its facilitators may edit them.
pub const DEFAULT_RULES: &str = "\
- **What is said here stays here.** Share what you learned, never who said what.
- **Feedback is a gift.** Receive it with gratitude, even when it is hard to hear, and give it to help, not to win.
- **Empathy first.** Assume good intent, listen to understand, and remember there is a person behind every post.
- **Never mock anyone**, here or elsewhere, for a question, a mistake or a story they shared.
- **Make it safe to not know.** Every question is welcome; nobody is expected to have all the answers.";

macro_rules! keyword_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($variant:ident = $text:literal : $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        // The stored and serialised word is the declared text, whatever the variant's Rust
        // name (`CohortChannel` is "cohort"), so renaming a variant changes no data or API.
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn parse(raw: &str) -> Result<Self, ValueError> {
                match raw.trim() {
                    $($text => Ok($name::$variant),)+
                    other => Err(ValueError::new(
                        $field,
                        format!(
                            "must be one of {}, not {:?}",
                            [$($text),+].join(", "),
                            other
                        ),
                    )),
                }
            }

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The word shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValueError;
            fn try_from(s: String) -> Result<Self, ValueError> {
                Self::parse(&s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use keyword_enum;

keyword_enum!(
    /// What a space is for.
    SpaceKind, "kind" {
        Community = "community": "Community of practice",
        CohortChannel = "cohort": "Cohort channel",
        Group = "group": "Small group",
    }
);

keyword_enum!(
    /// Who may see a space; see the module's decisions.
    Visibility, "visibility" {
        Open = "open": "Open",
        Private = "private": "Private",
        Confidential = "confidential": "Confidential",
    }
);

keyword_enum!(
    /// A person's role in one space.
    SpaceRole, "role" {
        Member = "member": "Member",
        Moderator = "moderator": "Moderator",
        Facilitator = "facilitator": "Facilitator",
    }
);

keyword_enum!(
    /// What a thread is. `Prompt` is a facilitator's post with a reflection question.
    ThreadKind, "kind" {
        Discussion = "discussion": "Discussion",
        Question = "question": "Question",
        Faq = "faq": "FAQ entry",
        Story = "story": "Story",
        Challenge = "challenge": "Challenge",
        Takeaway = "takeaway": "Takeaway",
        Introduction = "introduction": "Introduction",
        Prompt = "prompt": "Prompt",
    }
);

keyword_enum!(
    /// Why a person was notified; the label is the phrase between the actor and the place
    /// ("Ana *replied to* Pricing in Sales").
    NoticeKind, "kind" {
        Added = "added": "added you to",
        Reply = "reply": "replied to",
        Accepted = "accepted": "accepted your answer in",
        Mention = "mention": "mentioned you in",
        SessionChanged = "session_changed": "changed",
        SessionCancelled = "session_cancelled": "cancelled",
        CheckIn = "check_in": "opened check-in for",
        Board = "board": "opened the agenda board of",
        BoardClosing = "board_closing": "reminds you to vote before the agenda board closes for",
        Prompt = "prompt": "posted a new prompt:",
        Coffee = "coffee": "is your coffee partner this round in",
        CoffeeMet = "coffee_met": "— did you two meet for coffee? Say so in",
    }
);

keyword_enum!(
    /// The reactions a post can get: appreciative ones only, on purpose.
    Reaction, "reaction" {
        Thanks = "thanks": "🙏",
        Insightful = "insightful": "💡",
        Agree = "agree": "👍",
        Celebrate = "celebrate": "🎉",
    }
);

keyword_enum!(
    /// Whether a post is shown: `pending` is hidden by flags until a moderator reviews it,
    /// `hidden` by a moderator, `deleted` by its author (its text is gone).
    PostState, "state" {
        Visible = "visible": "Visible",
        Pending = "pending": "Hidden pending review",
        Hidden = "hidden": "Hidden by a moderator",
        Deleted = "deleted": "Deleted by its author",
    }
);

impl Reaction {
    /// The reaction's name for screen readers and tooltips.
    pub fn name(self) -> &'static str {
        match self {
            Reaction::Thanks => "Thanks",
            Reaction::Insightful => "Insightful",
            Reaction::Agree => "Agree",
            Reaction::Celebrate => "Celebrate",
        }
    }
}

impl SpaceRole {
    /// Facilitators and moderators keep the space running.
    pub fn moderates(self) -> bool {
        matches!(self, SpaceRole::Moderator | SpaceRole::Facilitator)
    }
}

/// Text with a length range, trimmed; control characters other than line breaks and tabs
/// are refused.
pub(crate) fn bounded(
    field: &'static str,
    raw: &str,
    min: usize,
    max: usize,
    multiline: bool,
) -> Result<String, ValueError> {
    let s = raw.trim().replace("\r\n", "\n");
    let n = s.chars().count();
    if n == 0 && min > 0 {
        return Err(ValueError::new(field, "is required"));
    }
    if n < min {
        return Err(ValueError::new(
            field,
            format!("must have at least {min} characters"),
        ));
    }
    if n > max {
        return Err(ValueError::new(
            field,
            format!("must have at most {max} characters (this has {n})"),
        ));
    }
    if s.chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\t')))
    {
        return Err(ValueError::new(
            field,
            if multiline {
                "must not contain control characters"
            } else {
                "must be one line without control characters"
            },
        ));
    }
    Ok(s)
}

pub fn space_name(raw: &str) -> Result<String, ValueError> {
    bounded("name", raw, 3, MAX_NAME_CHARS, false)
}

pub fn description(raw: &str) -> Result<String, ValueError> {
    bounded("description", raw, 0, MAX_DESCRIPTION_CHARS, true)
}

pub fn rules(raw: &str) -> Result<String, ValueError> {
    bounded("rules", raw, 10, MAX_RULES_CHARS, true)
}

/// Text that has been checked once, where it came in: trimmed, within its length, without
/// control characters. Holding one is proof; the store takes these, not strings.
macro_rules! checked_text {
    ($(#[$doc:meta])* $name:ident, $field:literal, $min:expr, $max:expr, $multiline:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, ValueError> {
                bounded($field, raw, $min, $max, $multiline).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }
    };
}

checked_text!(
    /// A thread's title: one line of 3 to [`MAX_TITLE_CHARS`] characters.
    Title, "title", MIN_TITLE_CHARS, MAX_TITLE_CHARS, false
);

checked_text!(
    /// A post's Markdown source: 1 to [`MAX_BODY_CHARS`] characters, lines and tabs allowed.
    Body, "body", 1, MAX_BODY_CHARS, true
);

pub fn reason(raw: &str) -> Result<String, ValueError> {
    bounded("reason", raw, 3, MAX_REASON_CHARS, true)
}

pub fn question(raw: &str) -> Result<String, ValueError> {
    bounded("question", raw, 3, MAX_QUESTION_CHARS, false)
}

/// What is stored for a post besides its source: the sanitised HTML (mentions linked through
/// `resolve`) and the search terms of the thread's title (for opening posts) and the text.
pub fn rendered(
    title: &str,
    body: &str,
    resolve: &dyn Fn(&str) -> Option<i64>,
) -> (String, String) {
    let html = crate::markdown::render(body, resolve);
    let plain = crate::markdown::plain_text(body, MAX_BODY_CHARS);
    (html, crate::text::index_text([title, plain.as_str()]))
}

/// Who is asking, as the access policy sees them: their site role and their role in the
/// space, if they are a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub site_role: Role,
    pub membership: Option<SpaceRole>,
}

/// What a viewer may do in a space of some visibility. Computed once per request by
/// [`Access::of`]; every handler asks it instead of comparing roles itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub read: bool,
    pub member: bool,
    /// Join without an invitation.
    pub join: bool,
    /// Add other people to the space.
    pub invite: bool,
    /// Hide, restore and lock; see flags, edit history and the audit log.
    pub moderate: bool,
    /// Edit the space and its ground rules, manage members and roles, post prompts, accept
    /// answers in any question.
    pub facilitate: bool,
}

impl Access {
    pub fn of(visibility: Visibility, viewer: Viewer) -> Self {
        let admin = viewer.site_role == Role::Admin;
        let role = viewer.membership;
        let member = role.is_some();
        // Site admins oversee every space that is not confidential.
        let oversight = admin && visibility != Visibility::Confidential;
        let read = member || visibility == Visibility::Open || oversight;
        let moderate = role.is_some_and(SpaceRole::moderates) || oversight;
        let facilitate = role == Some(SpaceRole::Facilitator) || oversight;
        let invite = match visibility {
            Visibility::Open | Visibility::Private => member || oversight,
            Visibility::Confidential => facilitate,
        };
        Access {
            read,
            member,
            join: !member && visibility == Visibility::Open,
            invite,
            moderate,
            facilitate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(v: Visibility, site_role: Role, membership: Option<SpaceRole>) -> Access {
        Access::of(
            v,
            Viewer {
                site_role,
                membership,
            },
        )
    }

    #[test]
    fn confidential_spaces_are_for_members_only_even_for_admins() {
        let a = access(Visibility::Confidential, Role::Admin, None);
        assert!(!a.read && !a.moderate && !a.facilitate && !a.invite && !a.join);
        let m = access(
            Visibility::Confidential,
            Role::Member,
            Some(SpaceRole::Member),
        );
        assert!(m.read && !m.invite && !m.moderate);
        let f = access(
            Visibility::Confidential,
            Role::Member,
            Some(SpaceRole::Facilitator),
        );
        assert!(f.read && f.invite && f.moderate && f.facilitate);
    }

    #[test]
    fn open_and_private_spaces() {
        let outsider = access(Visibility::Open, Role::Member, None);
        assert!(outsider.read && outsider.join && !outsider.member && !outsider.invite);
        let outsider = access(Visibility::Private, Role::Facilitator, None);
        assert!(!outsider.read && !outsider.join);
        let admin = access(Visibility::Private, Role::Admin, None);
        assert!(admin.read && admin.moderate && admin.facilitate && !admin.join);
        let moderator = access(
            Visibility::Private,
            Role::Member,
            Some(SpaceRole::Moderator),
        );
        assert!(moderator.moderate && !moderator.facilitate && moderator.invite);
    }

    #[test]
    fn limits_name_themselves() {
        assert_eq!(
            Body::parse("  ").unwrap_err().to_string(),
            "body: is required"
        );
        let long = "x".repeat(MAX_BODY_CHARS + 1);
        assert_eq!(
            Body::parse(&long).unwrap_err().to_string(),
            "body: must have at most 10000 characters (this has 10001)"
        );
        assert!(Title::parse("Hi").is_err());
        assert!(Title::parse("two\nlines").is_err());
        assert_eq!(Body::parse("a\r\nb").unwrap().as_str(), "a\nb");
        assert_eq!(
            ThreadKind::parse("poll").unwrap_err().to_string(),
            "kind: must be one of discussion, question, faq, story, challenge, takeaway, introduction, prompt, not \"poll\""
        );
    }
}
