//! People, skills, wants-to-learn, endorsements, the import and the expert finder's evidence.

mod directory;
mod expert;
mod import;
mod skills;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use peerlab_core::expert::{Evidence, Signal};
use peerlab_core::import::{recheck_managers, ExistingManagers, ImportPlan, PersonRecord};
use peerlab_core::text;
use peerlab_core::{Email, Level, PersonName, Role, SkillName};

use serde::Serialize;

#[allow(unused_imports)]
use crate::ids::{PersonId, PostId, SkillId, SpaceId, ThreadId};
use crate::tx::{on_conn, Tx};
use crate::{conflict_on_unique, on_pool, write_tx, Pool, Result, Store, StoreError};

/// A person as their profile shows them.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Person {
    pub id: PersonId,
    pub email: String,
    pub name: String,
    pub title: String,
    pub department: String,
    pub function: String,
    pub location: String,
    pub time_zone: String,
    pub manager_id: Option<PersonId>,
    pub manager_name: Option<String>,
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// Whether the person has set a password (and so can log in).
    pub has_login: bool,
}

/// A line of the directory.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PersonSummary {
    pub id: PersonId,
    pub name: String,
    pub title: String,
    pub department: String,
    pub function: String,
    pub location: String,
}

/// A skill on a profile, with its endorsements.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PersonSkill {
    pub skill_id: SkillId,
    pub name: String,
    pub level: i64,
    pub endorsements: i64,
    /// Whether the viewer has endorsed it.
    pub endorsed_by_viewer: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SkillRef {
    pub id: SkillId,
    pub name: String,
    /// How many people have it.
    pub people: i64,
}

/// Directory filters; empty strings mean "any".
#[derive(Debug, Clone, Default)]
pub struct DirectoryFilter {
    pub query: String,
    pub department: String,
    pub location: String,
    pub function: String,
    /// Only people with at least one direct report ("all people managers in Sales").
    pub managers_only: bool,
}

/// The values the directory can be filtered by, each with its number of people.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    pub departments: Vec<(String, i64)>,
    pub locations: Vec<(String, i64)>,
    pub functions: Vec<(String, i64)>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
}

/// A pending invitation, as its link shows it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Invitation {
    pub person_id: PersonId,
    pub name: String,
    pub email: String,
    /// The person has a password already: the link resets it.
    pub has_password: bool,
}

const PERSON_COLUMNS: &str =
    "p.id, p.email, p.name, p.title, p.department, p.function, p.location, p.time_zone, \
     p.manager_id, m.name AS manager_name, p.role, (p.password_hash IS NOT NULL) AS has_login \
     FROM people p LEFT JOIN people m ON m.id = p.manager_id";

const SUMMARY_COLUMNS: &str =
    "p.id, p.name, p.title, p.department, p.function, p.location FROM people p";

/// Builds a full-text query from user text: every term must match, as a prefix.
/// DIALECT: FTS5 writes a prefix as `term*`, PostgreSQL `tsquery` as `term:*` joined by `&`.
pub(crate) fn fts_query(pool: &Pool, raw: &str) -> Option<String> {
    let terms = text::terms(raw);
    if terms.is_empty() {
        return None;
    }
    Some(match pool {
        Pool::Sqlite(_) => terms
            .iter()
            .map(|t| format!("{t}*"))
            .collect::<Vec<_>>()
            .join(" "),
        Pool::Postgres(_) => terms
            .iter()
            .map(|t| format!("{t}:*"))
            .collect::<Vec<_>>()
            .join(" & "),
    })
}

/// DIALECT: the ids of skills matching the full-text query `$1`.
fn skills_matching(pool: &Pool) -> &'static str {
    match pool {
        Pool::Sqlite(_) => "SELECT rowid FROM skills_fts WHERE skills_fts MATCH $1",
        Pool::Postgres(_) => "SELECT id FROM skills WHERE search @@ to_tsquery('simple', $1)",
    }
}
