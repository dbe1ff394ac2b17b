//! Validated domain values. Each has one constructor, `parse`, so a value that exists is valid
//! ("parse, don't validate"); storage and HTTP pass these around instead of raw strings.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a raw value was refused. The message is shown to users as it is, so it says what was
/// wrong and what is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValueError {
    pub field: &'static str,
    pub message: String,
}

impl ValueError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// An e-mail address, trimmed and lower-cased. People are identified by it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let s = raw.trim().to_lowercase();
        let err = |m: &str| Err(ValueError::new("email", m));
        if s.is_empty() {
            return err("is required");
        }
        if s.len() > Self::MAX_LEN {
            return err("is longer than 254 characters");
        }
        if has_control(&s) || s.contains(char::is_whitespace) {
            return err("must not contain spaces or control characters");
        }
        let Some((local, domain)) = s.split_once('@') else {
            return err("must look like name@example.com");
        };
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return err("must look like name@example.com");
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's display name. Any text a person may be called is allowed, including text that
/// looks like HTML or SQL: it is stored intact and escaped when rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ValueError::new("name", "is required"));
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(ValueError::new("name", "is longer than 200 characters"));
        }
        if has_control(s) {
            return Err(ValueError::new(
                "name",
                "must not contain control characters",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A short optional profile field (title, department, function, location): trimmed, at most
/// 120 characters, no control characters. Empty means "not set".
pub fn profile_field(field: &'static str, raw: &str) -> Result<String, ValueError> {
    let s = raw.trim();
    if s.chars().count() > 120 {
        return Err(ValueError::new(field, "is longer than 120 characters"));
    }
    if has_control(s) {
        return Err(ValueError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(s.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// What a person may do. Admins manage the workspace, facilitators run spaces and cohorts,
/// members take part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Member,
    Facilitator,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Facilitator, Role::Member];

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "facilitator" => Ok(Role::Facilitator),
            "member" => Ok(Role::Member),
            other => Err(ValueError::new(
                "role",
                format!("'{other}' is not a role; use admin, facilitator or member"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Facilitator => "facilitator",
            Role::Member => "member",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A self-rated skill level, 1 (beginner) to 5 (expert).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Level(u8);

impl Level {
    pub fn new(n: i64) -> Result<Self, ValueError> {
        if (1..=5).contains(&n) {
            Ok(Self(n as u8))
        } else {
            Err(ValueError::new(
                "level",
                format!("{n} is out of range; use 1 to 5"),
            ))
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let raw = raw.trim();
        let n: i64 = raw.parse().map_err(|_| {
            ValueError::new("level", format!("'{raw}' is not a number from 1 to 5"))
        })?;
        Self::new(n)
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// The words shown beside the number.
    pub fn label(self) -> &'static str {
        match self.0 {
            1 => "beginner",
            2 => "practitioner",
            3 => "proficient",
            4 => "advanced",
            _ => "expert",
        }
    }
}

/// A skill or topic name as people write it ("Negotiation", "SQL"). Whitespace is collapsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct SkillName(String);

impl SkillName {
    pub const MAX_CHARS: usize = 80;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.is_empty() {
            return Err(ValueError::new("skill", "is empty"));
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(ValueError::new(
                "skill",
                format!("'{s}' is longer than 80 characters"),
            ));
        }
        if has_control(&s) {
            return Err(ValueError::new(
                "skill",
                "must not contain control characters",
            ));
        }
        if s.contains([';', ':']) {
            return Err(ValueError::new(
                "skill",
                format!("'{s}' must not contain ';' or ':'"),
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key under which the skill is unique (case and accents ignored).
    pub fn key(&self) -> String {
        crate::text::skill_key(&self.0)
    }
}

/// An IANA time-zone name such as `Europe/Lisbon`, or empty for "not set".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct TimeZone(String);

impl TimeZone {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let s = raw.trim();
        if s.is_empty() {
            return Ok(Self::default());
        }
        // chrono-tz compiles in the whole tz database, zones and links alike.
        match s.parse::<chrono_tz::Tz>() {
            Ok(_) => Ok(Self(s.to_owned())),
            Err(_) => Err(ValueError::new(
                "time_zone",
                format!("'{s}' is not an IANA time zone such as Europe/Lisbon or America/New_York"),
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The zone's rules, or `None` when no zone is set.
    pub fn zone(&self) -> Option<chrono_tz::Tz> {
        self.0.parse().ok()
    }
}

impl TryFrom<String> for Role {
    type Error = ValueError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Role::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Ana@Example.COM ").map(|e| e.0),
            Ok("ana@example.com".into())
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@x.com",
            "a b@x.com",
            "a@x",
            "a@@x.com",
            "a@x..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn names_keep_markup_and_sql_intact() {
        let raw = "<script>alert(1)</script>'; DROP TABLE people; --";
        assert_eq!(PersonName::parse(raw).map(|n| n.0), Ok(raw.to_string()));
        assert!(PersonName::parse("  ").is_err());
        assert!(PersonName::parse("a\u{0}b").is_err());
    }

    #[test]
    fn levels_are_one_to_five() {
        assert!(Level::parse("0").is_err());
        assert!(Level::parse("6").is_err());
        assert!(Level::parse("x").is_err());
        assert_eq!(Level::parse(" 5 ").map(Level::get), Ok(5));
    }

    #[test]
    fn time_zones_come_from_the_tz_database() {
        assert!(TimeZone::parse("Europe/Lisbon").is_ok());
        assert!(TimeZone::parse("UTC").is_ok());
        assert!(TimeZone::parse("").is_ok());
        let err = TimeZone::parse("Europe/Lisbn").unwrap_err();
        assert!(err.message.contains("Europe/Lisbn"));
    }

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("owner").is_err());
    }
}
