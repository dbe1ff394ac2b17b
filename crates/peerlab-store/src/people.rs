//! People, skills, wants-to-learn, endorsements, the import and the expert finder's evidence.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use peerlab_core::expert::{Evidence, Signal};
use peerlab_core::import::{recheck_managers, ExistingManagers, ImportPlan, PersonRecord};
use peerlab_core::text;
use peerlab_core::{Email, Level, PersonName, Role, SkillName};
use serde::Serialize;
use sqlx::{PgConnection, SqliteConnection};

use crate::{conflict_on_unique, on_pool, write_tx, Pool, Result, Store, StoreError};

/// A person as their profile shows them.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Person {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub title: String,
    pub department: String,
    pub function: String,
    pub location: String,
    pub time_zone: String,
    pub manager_id: Option<i64>,
    pub manager_name: Option<String>,
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// Whether the person has set a password (and so can log in).
    pub has_login: bool,
}

/// A line of the directory.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PersonSummary {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub department: String,
    pub function: String,
    pub location: String,
}

/// A skill on a profile, with its endorsements.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PersonSkill {
    pub skill_id: i64,
    pub name: String,
    pub level: i64,
    pub endorsements: i64,
    /// Whether the viewer has endorsed it.
    pub endorsed_by_viewer: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SkillRef {
    pub id: i64,
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
    pub person_id: i64,
    pub name: String,
    pub email: String,
}

const PERSON_COLUMNS: &str =
    "p.id, p.email, p.name, p.title, p.department, p.function, p.location, p.time_zone, \
     p.manager_id, m.name AS manager_name, p.role, (p.password_hash IS NOT NULL) AS has_login \
     FROM people p LEFT JOIN people m ON m.id = p.manager_id";

const SUMMARY_COLUMNS: &str =
    "p.id, p.name, p.title, p.department, p.function, p.location FROM people p";

/// Steps shared by several write transactions, written once and implemented for both
/// backends' connections by `impl_tx!`.
pub(crate) trait Tx {
    async fn ensure_skill(&mut self, name: &SkillName) -> Result<i64>;
    async fn refresh_search_text(&mut self, person_id: i64) -> Result<()>;
    async fn upsert_person(&mut self, rec: &PersonRecord, now: i64) -> Result<i64>;
    async fn replace_skills(&mut self, person_id: i64, skills: &[(i64, Level)]) -> Result<()>;
    async fn replace_wants(&mut self, person_id: i64, wants: &[i64]) -> Result<()>;
    async fn insert_people(
        &mut self,
        people: &[&PersonRecord],
        now: i64,
    ) -> Result<Vec<(i64, String)>>;
    async fn insert_pairs(&mut self, table: PairTable, rows: &[(i64, i64, i64)]) -> Result<()>;
}

/// The tables [`Tx::insert_pairs`] fills: (person, skill, level) or (person, skill, unused).
#[derive(Clone, Copy)]
pub(crate) enum PairTable {
    PersonSkills,
    Wants,
}

/// Rows per multi-row INSERT: well under both databases' limits on parameters.
const BATCH: usize = 500;

macro_rules! impl_tx {
    ($conn:ty) => {
        impl Tx for $conn {
            async fn ensure_skill(&mut self, name: &SkillName) -> Result<i64> {
                let key = name.key();
                sqlx::query("INSERT INTO skills (name, key, terms) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING")
                    .bind(name.as_str())
                    .bind(&key)
                    .bind(text::index_text([name.as_str()]))
                    .execute(&mut *self)
                    .await?;
                let id: i64 = sqlx::query_scalar("SELECT id FROM skills WHERE key = $1").bind(&key).fetch_one(&mut *self).await?;
                Ok(id)
            }

            async fn refresh_search_text(&mut self, person_id: i64) -> Result<()> {
                let (name, title, department, function, location): (String, String, String, String, String) =
                    sqlx::query_as("SELECT name, title, department, function, location FROM people WHERE id = $1")
                        .bind(person_id)
                        .fetch_one(&mut *self)
                        .await?;
                let skills: Vec<String> = sqlx::query_scalar(
                    "SELECT s.name FROM person_skills ps JOIN skills s ON s.id = ps.skill_id WHERE ps.person_id = $1",
                )
                .bind(person_id)
                .fetch_all(&mut *self)
                .await?;
                let parts = [name.as_str(), title.as_str(), department.as_str(), function.as_str(), location.as_str()];
                let search = text::index_text(parts.into_iter().chain(skills.iter().map(String::as_str)));
                sqlx::query("UPDATE people SET search_text = $2 WHERE id = $1 AND search_text <> $2")
                    .bind(person_id)
                    .bind(search)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }

            async fn upsert_person(&mut self, rec: &PersonRecord, now: i64) -> Result<i64> {
                // A NULL parameter means "the column is not in the file": keep what is stored.
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO people (email, name, sort_name, title, department, function, location, time_zone, created_at, updated_at) \
                     VALUES ($1, $2, $9, COALESCE($3, ''), COALESCE($4, ''), COALESCE($5, ''), COALESCE($6, ''), COALESCE($7, ''), $8, $8) \
                     ON CONFLICT (email) DO UPDATE SET name = excluded.name, sort_name = excluded.sort_name, \
                       title = COALESCE($3, people.title), department = COALESCE($4, people.department), \
                       function = COALESCE($5, people.function), location = COALESCE($6, people.location), \
                       time_zone = COALESCE($7, people.time_zone), updated_at = $8 \
                     RETURNING id",
                )
                .bind(rec.email.as_str())
                .bind(rec.name.as_str())
                .bind(rec.title.as_deref())
                .bind(rec.department.as_deref())
                .bind(rec.function.as_deref())
                .bind(rec.location.as_deref())
                .bind(rec.time_zone.as_ref().map(|t| t.as_str()))
                .bind(now)
                .bind(text::fold(rec.name.as_str()))
                .fetch_one(&mut *self)
                .await?;
                Ok(id)
            }

            async fn replace_skills(&mut self, person_id: i64, skills: &[(i64, Level)]) -> Result<()> {
                let current: Vec<(i64, i64)> =
                    sqlx::query_as("SELECT skill_id, level FROM person_skills WHERE person_id = $1")
                        .bind(person_id)
                        .fetch_all(&mut *self)
                        .await?;
                let wanted: HashMap<i64, i64> = skills.iter().map(|(id, l)| (*id, i64::from(l.get()))).collect();
                for (skill_id, _) in current.iter().filter(|(id, _)| !wanted.contains_key(id)) {
                    sqlx::query("DELETE FROM person_skills WHERE person_id = $1 AND skill_id = $2")
                        .bind(person_id)
                        .bind(skill_id)
                        .execute(&mut *self)
                        .await?;
                }
                let current: HashMap<i64, i64> = current.into_iter().collect();
                for (skill_id, level) in wanted.iter().filter(|(id, l)| current.get(id) != Some(l)) {
                    sqlx::query(
                        "INSERT INTO person_skills (person_id, skill_id, level) VALUES ($1, $2, $3) \
                         ON CONFLICT (person_id, skill_id) DO UPDATE SET level = excluded.level",
                    )
                    .bind(person_id)
                    .bind(skill_id)
                    .bind(level)
                    .execute(&mut *self)
                    .await?;
                }
                Ok(())
            }

            async fn replace_wants(&mut self, person_id: i64, wants: &[i64]) -> Result<()> {
                let current: HashSet<i64> = sqlx::query_scalar("SELECT skill_id FROM wants WHERE person_id = $1")
                    .bind(person_id)
                    .fetch_all(&mut *self)
                    .await?
                    .into_iter()
                    .collect();
                let wanted: HashSet<i64> = wants.iter().copied().collect();
                for skill_id in current.difference(&wanted) {
                    sqlx::query("DELETE FROM wants WHERE person_id = $1 AND skill_id = $2")
                        .bind(person_id)
                        .bind(skill_id)
                        .execute(&mut *self)
                        .await?;
                }
                for skill_id in wanted.difference(&current) {
                    sqlx::query("INSERT INTO wants (person_id, skill_id) VALUES ($1, $2)")
                        .bind(person_id)
                        .bind(skill_id)
                        .execute(&mut *self)
                        .await?;
                }
                Ok(())
            }

            async fn insert_people(&mut self, people: &[&PersonRecord], now: i64) -> Result<Vec<(i64, String)>> {
                let mut out = Vec::with_capacity(people.len());
                for chunk in people.chunks(BATCH / 5) {
                    let values = (0..chunk.len())
                        .map(|i| {
                            let b = i * 10;
                            let p: Vec<String> = (1..=10).chain([10]).map(|k| format!("${}", b + k)).collect();
                            format!("({})", p.join(", "))
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    let sql = format!(
                        "INSERT INTO people (email, name, sort_name, title, department, function, location, time_zone, \
                         search_text, created_at, updated_at) VALUES {values} RETURNING id, email"
                    );
                    let mut q = sqlx::query_as(&sql);
                    for rec in chunk {
                        let o = |v: &Option<String>| v.clone().unwrap_or_default();
                        q = q
                            .bind(rec.email.as_str())
                            .bind(rec.name.as_str())
                            .bind(text::fold(rec.name.as_str()))
                            .bind(o(&rec.title))
                            .bind(o(&rec.department))
                            .bind(o(&rec.function))
                            .bind(o(&rec.location))
                            .bind(rec.time_zone.as_ref().map_or("", |t| t.as_str()))
                            .bind(new_person_search_text(rec))
                            .bind(now);
                    }
                    let rows: Vec<(i64, String)> = q
                        .fetch_all(&mut *self)
                        .await
                        .map_err(conflict_on_unique(|| "someone was added while the import ran; import the file again".into()))?;
                    out.extend(rows);
                }
                Ok(out)
            }

            async fn insert_pairs(&mut self, table: PairTable, rows: &[(i64, i64, i64)]) -> Result<()> {
                for chunk in rows.chunks(BATCH) {
                    let sql = match table {
                        PairTable::PersonSkills => {
                            let values = (0..chunk.len())
                                .map(|i| format!("(${}, ${}, ${})", i * 3 + 1, i * 3 + 2, i * 3 + 3))
                                .collect::<Vec<_>>()
                                .join(", ");
                            format!("INSERT INTO person_skills (person_id, skill_id, level) VALUES {values}")
                        }
                        PairTable::Wants => {
                            let values = (0..chunk.len())
                                .map(|i| format!("(${}, ${})", i * 2 + 1, i * 2 + 2))
                                .collect::<Vec<_>>()
                                .join(", ");
                            format!("INSERT INTO wants (person_id, skill_id) VALUES {values}")
                        }
                    };
                    let mut q = sqlx::query(&sql);
                    for (person, skill, level) in chunk {
                        q = q.bind(*person).bind(*skill);
                        if let PairTable::PersonSkills = table {
                            q = q.bind(*level);
                        }
                    }
                    q.execute(&mut *self).await?;
                }
                Ok(())
            }
        }
    };
}
impl_tx!(SqliteConnection);
impl_tx!(PgConnection);

/// (e-mail, manager's e-mail) rows as the importer's map. Stored e-mails were parsed on the way
/// in; a row that no longer parses is skipped.
fn managers_by_email(rows: Vec<(String, Option<String>)>) -> ExistingManagers {
    let mut out = ExistingManagers::with_capacity(rows.len());
    for (email, manager) in rows {
        if let Ok(email) = Email::parse(&email) {
            out.insert(email, manager.and_then(|m| Email::parse(&m).ok()));
        }
    }
    out
}

/// The search text of a person who is not stored yet: everything comes from the record.
fn new_person_search_text(rec: &PersonRecord) -> String {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let fields = [
        rec.name.as_str().to_string(),
        o(&rec.title),
        o(&rec.department),
        o(&rec.function),
        o(&rec.location),
    ];
    let skills = rec
        .skills
        .iter()
        .flatten()
        .map(|(s, _)| s.as_str().to_string());
    let all: Vec<String> = fields.into_iter().chain(skills).collect();
    text::index_text(all.iter().map(String::as_str))
}

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

/// DIALECT: the condition "person `p` matches the full-text query `$n`".
fn people_match(pool: &Pool, n: usize) -> String {
    match pool {
        Pool::Sqlite(_) => {
            format!("p.id IN (SELECT rowid FROM people_fts WHERE people_fts MATCH ${n})")
        }
        Pool::Postgres(_) => format!("p.search @@ to_tsquery('simple', ${n})"),
    }
}

/// DIALECT: the ids of skills matching the full-text query `$1`.
fn skills_matching(pool: &Pool) -> &'static str {
    match pool {
        Pool::Sqlite(_) => "SELECT rowid FROM skills_fts WHERE skills_fts MATCH $1",
        Pool::Postgres(_) => "SELECT id FROM skills WHERE search @@ to_tsquery('simple', $1)",
    }
}

impl Store {
    /// Adds one person (for `peerlab user add` and the admin page).
    pub async fn create_person(
        &self,
        email: &Email,
        name: &PersonName,
        role: Role,
        password_hash: Option<&str>,
        now: i64,
    ) -> Result<i64> {
        let rec = PersonRecord::new(email.clone(), name.clone());
        let id: i64 = on_pool!(self, |p| {
            sqlx::query_scalar(
            "INSERT INTO people (email, name, sort_name, role, password_hash, search_text, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id"
        )
        .bind(email.as_str())
        .bind(name.as_str())
        .bind(text::fold(name.as_str()))
        .bind(role.as_str())
        .bind(password_hash)
        .bind(new_person_search_text(&rec))
        .bind(now)
        .fetch_one(p)
        .await
        .map_err(conflict_on_unique(|| format!("a person with e-mail {email} already exists")))
        })?;
        Ok(id)
    }

    /// Every stored person's manager, by e-mail, for validating an import.
    pub async fn existing_managers(&self) -> Result<ExistingManagers> {
        let rows: Vec<(String, Option<String>)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT p.email, m.email FROM people p LEFT JOIN people m ON m.id = p.manager_id"
        )
        .fetch_all(p)
        .await)?;
        Ok(managers_by_email(rows))
    }

    /// Applies a validated import in one transaction: all of it or, on any failure, none.
    /// `progress` is called with the number of people written so far.
    ///
    /// People not stored yet are written with multi-row INSERTs (their search text computed
    /// from the record); people already stored are updated one by one, keeping what the file
    /// does not mention.
    pub async fn apply_import(
        &self,
        plan: &ImportPlan,
        now: i64,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<ImportSummary> {
        let total = plan.people.len();
        // Progress in three passes weighted 40/30/30: rows, managers, existing people's skills.
        let at = |start: usize, weight: usize, done: usize, of: usize| {
            progress(total * (start + weight * done / of.max(1)) / 100)
        };
        let is_postgres = matches!(self.pool, Pool::Postgres(_));
        let summary = write_tx!(self, |tx| {
            // Imports write one at a time, and check the managers again against people as
            // they are now: another import may have committed since this file was checked.
            // SQLite's IMMEDIATE transaction already excludes other writers; PostgreSQL
            // (DIALECT) takes a lock that excludes other imports but not readers.
            if is_postgres {
                sqlx::query("LOCK TABLE people IN SHARE ROW EXCLUSIVE MODE")
                    .execute(&mut *tx)
                    .await?;
            }
            let rows: Vec<(String, Option<String>)> = sqlx::query_as(
                "SELECT p.email, m.email FROM people p LEFT JOIN people m ON m.id = p.manager_id",
            )
            .fetch_all(&mut *tx)
            .await?;
            let stored = managers_by_email(rows);
            recheck_managers(plan, &stored).map_err(|e| {
                StoreError::Conflict(format!(
                    "people changed while the file was being checked ({e}); import it again"
                ))
            })?;
            let (existing, new): (Vec<&PersonRecord>, Vec<&PersonRecord>) = plan
                .people
                .iter()
                .partition(|r| stored.contains_key(&r.email));
            let mut ids: HashMap<String, i64> = HashMap::with_capacity(total);
            for chunk in new.chunks(BATCH) {
                ids.extend(
                    tx.insert_people(chunk, now)
                        .await?
                        .into_iter()
                        .map(|(id, email)| (email, id)),
                );
                at(0, 40, ids.len(), total);
            }
            for (i, rec) in existing.iter().enumerate() {
                ids.insert(rec.email.to_string(), tx.upsert_person(rec, now).await?);
                if i % 500 == 0 {
                    at(0, 40, ids.len(), total);
                }
            }
            // Every skill the file names, created once.
            let mut skill_ids: HashMap<String, i64> = HashMap::new();
            for rec in &plan.people {
                let names = rec
                    .skills
                    .iter()
                    .flatten()
                    .map(|(n, _)| n)
                    .chain(rec.wants.iter().flatten());
                for name in names {
                    if let std::collections::hash_map::Entry::Vacant(slot) =
                        skill_ids.entry(name.key())
                    {
                        slot.insert(tx.ensure_skill(name).await?);
                    }
                }
            }
            let mut new_skills = Vec::new();
            let mut new_wants = Vec::new();
            for rec in &new {
                let id = ids[rec.email.as_str()];
                for (name, level) in rec.skills.iter().flatten() {
                    new_skills.push((id, skill_ids[&name.key()], i64::from(level.get())));
                }
                for name in rec.wants.iter().flatten() {
                    new_wants.push((id, skill_ids[&name.key()], 0));
                }
            }
            tx.insert_pairs(PairTable::PersonSkills, &new_skills)
                .await?;
            tx.insert_pairs(PairTable::Wants, &new_wants).await?;
            for (i, rec) in plan.people.iter().enumerate() {
                if let Some(manager) = &rec.manager {
                    let manager_id = match manager {
                        // A manager is in the file or already stored: validation checked it.
                        Some(m) => match ids.get(m.as_str()) {
                            Some(id) => Some(*id),
                            None => {
                                sqlx::query_scalar("SELECT id FROM people WHERE email = $1")
                                    .bind(m.as_str())
                                    .fetch_optional(&mut *tx)
                                    .await?
                            }
                        },
                        None => None,
                    };
                    sqlx::query("UPDATE people SET manager_id = $2 WHERE id = $1")
                        .bind(ids[rec.email.as_str()])
                        .bind(manager_id)
                        .execute(&mut *tx)
                        .await?;
                }
                if i % 500 == 0 {
                    at(40, 30, i, total);
                }
            }
            for (i, rec) in existing.iter().enumerate() {
                let id = ids[rec.email.as_str()];
                if let Some(skills) = &rec.skills {
                    let resolved: Vec<(i64, Level)> = skills
                        .iter()
                        .map(|(n, l)| (skill_ids[&n.key()], *l))
                        .collect();
                    tx.replace_skills(id, &resolved).await?;
                }
                if let Some(wants) = &rec.wants {
                    let resolved: Vec<i64> = wants.iter().map(|n| skill_ids[&n.key()]).collect();
                    tx.replace_wants(id, &resolved).await?;
                }
                tx.refresh_search_text(id).await?;
                if i % 200 == 0 {
                    at(70, 30, i, existing.len());
                }
            }
            ImportSummary {
                created: new.len(),
                updated: existing.len(),
            }
        });
        progress(total);
        Ok(summary)
    }

    pub async fn person(&self, id: i64) -> Result<Option<Person>> {
        let sql = format!("SELECT {PERSON_COLUMNS} WHERE p.id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    pub async fn person_by_email(&self, email: &Email) -> Result<Option<Person>> {
        let sql = format!("SELECT {PERSON_COLUMNS} WHERE p.email = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(email.as_str())
            .fetch_optional(p)
            .await)?)
    }

    pub async fn people_by_ids(&self, ids: &[i64]) -> Result<Vec<Person>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = (1..=ids.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("SELECT {PERSON_COLUMNS} WHERE p.id IN ({placeholders})");
        Ok(on_pool!(self, |p| {
            let mut q = sqlx::query_as(&sql);
            for id in ids {
                q = q.bind(*id);
            }
            q.fetch_all(p).await
        })?)
    }

    pub async fn direct_reports(&self, manager_id: i64) -> Result<Vec<PersonSummary>> {
        let sql =
            format!("SELECT {SUMMARY_COLUMNS} WHERE p.manager_id = $1 ORDER BY p.sort_name, p.id");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(manager_id)
            .fetch_all(p)
            .await)?)
    }

    pub async fn set_role(&self, person_id: i64, role: Role) -> Result<()> {
        let done = on_pool!(self, |p| sqlx::query(
            "UPDATE people SET role = $2 WHERE id = $1"
        )
        .bind(person_id)
        .bind(role.as_str())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound("person"));
        }
        Ok(())
    }

    /// Changes a person's role, refusing to demote the last admin. Two admins demoting each
    /// other at once cannot both succeed: SQLite's IMMEDIATE transaction serialises them, and
    /// on PostgreSQL (DIALECT) the admins' rows are locked first.
    pub async fn change_role_keeping_an_admin(&self, person_id: i64, role: Role) -> Result<()> {
        let is_postgres = matches!(self.pool, Pool::Postgres(_));
        write_tx!(self, |tx| {
            if is_postgres {
                sqlx::query("SELECT id FROM people WHERE role = 'admin' FOR UPDATE")
                    .execute(&mut *tx)
                    .await?;
            }
            let current: Option<String> =
                sqlx::query_scalar("SELECT role FROM people WHERE id = $1")
                    .bind(person_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(current) = current else {
                return Err(StoreError::NotFound("person"));
            };
            if current == Role::Admin.as_str() && role != Role::Admin {
                let admins: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM people WHERE role = 'admin'")
                        .fetch_one(&mut *tx)
                        .await?;
                if admins <= 1 {
                    return Err(StoreError::Conflict(
                        "peerlab needs at least one admin; make someone else admin first".into(),
                    ));
                }
            }
            sqlx::query("UPDATE people SET role = $2 WHERE id = $1")
                .bind(person_id)
                .bind(role.as_str())
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    pub async fn count_people(&self) -> Result<i64> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM people"
        )
        .fetch_one(p)
        .await)?)
    }

    /// A page of the directory, ordered by name, and the number of matches.
    pub async fn directory(
        &self,
        filter: &DirectoryFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<PersonSummary>, i64)> {
        let query = fts_query(&self.pool, &filter.query);
        if !filter.query.trim().is_empty() && query.is_none() {
            return Ok((Vec::new(), 0));
        }
        let mut conditions = vec![
            "($1 = '' OR p.department = $1)".to_string(),
            "($2 = '' OR p.location = $2)".to_string(),
            "($3 = '' OR p.function = $3)".to_string(),
        ];
        if query.is_some() {
            conditions.push(people_match(&self.pool, 4));
        }
        let where_clause = conditions.join(" AND ");
        let n = if query.is_some() { 5 } else { 4 };
        let page_sql = format!("SELECT {SUMMARY_COLUMNS} WHERE {where_clause} ORDER BY p.sort_name, p.id LIMIT ${n} OFFSET ${}", n + 1);
        let count_sql = format!("SELECT COUNT(*) FROM people p WHERE {where_clause}");
        on_pool!(self, |p| {
            let mut page = sqlx::query_as(&page_sql)
                .bind(&filter.department)
                .bind(&filter.location)
                .bind(&filter.function);
            let mut count = sqlx::query_scalar(&count_sql)
                .bind(&filter.department)
                .bind(&filter.location)
                .bind(&filter.function);
            if let Some(q) = &query {
                page = page.bind(q.clone());
                count = count.bind(q.clone());
            }
            let rows = page.bind(limit).bind(offset).fetch_all(p).await?;
            let total: i64 = count.fetch_one(p).await?;
            Ok((rows, total))
        })
    }

    pub async fn facets(&self) -> Result<Facets> {
        let mut facets = Facets::default();
        for (column, out) in [
            ("department", &mut facets.departments),
            ("location", &mut facets.locations),
            ("function", &mut facets.functions),
        ] {
            let sql = format!("SELECT {column}, COUNT(*) FROM people WHERE {column} <> '' GROUP BY {column} ORDER BY {column}");
            *out = on_pool!(self, |p| sqlx::query_as(&sql).fetch_all(p).await)?;
        }
        Ok(facets)
    }

    /// A person's skills, strongest first, with endorsement counts as `viewer` sees them.
    pub async fn person_skills(&self, person_id: i64, viewer: i64) -> Result<Vec<PersonSkill>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT s.id AS skill_id, s.name, ps.level, ps.endorsements, \
               EXISTS (SELECT 1 FROM endorsements e WHERE e.person_id = ps.person_id AND e.skill_id = ps.skill_id \
                       AND e.endorser_id = $2) AS endorsed_by_viewer \
             FROM person_skills ps JOIN skills s ON s.id = ps.skill_id \
             WHERE ps.person_id = $1 ORDER BY ps.level DESC, s.name"
        )
        .bind(person_id)
        .bind(viewer)
        .fetch_all(p)
        .await
        })?)
    }

    /// The topics a person wants to learn, by name.
    pub async fn wants(&self, person_id: i64) -> Result<Vec<SkillRef>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT s.id, s.name, (SELECT COUNT(*) FROM person_skills ps WHERE ps.skill_id = s.id) AS people \
             FROM wants w JOIN skills s ON s.id = w.skill_id WHERE w.person_id = $1 ORDER BY s.name"
        )
        .bind(person_id)
        .fetch_all(p)
        .await
        })?)
    }

    /// Adds a skill to a profile or changes its level.
    pub async fn set_skill(&self, person_id: i64, name: &SkillName, level: Level) -> Result<i64> {
        Ok(write_tx!(self, |tx| {
            let skill_id = tx.ensure_skill(name).await?;
            sqlx::query(
                "INSERT INTO person_skills (person_id, skill_id, level) VALUES ($1, $2, $3) \
                 ON CONFLICT (person_id, skill_id) DO UPDATE SET level = excluded.level",
            )
            .bind(person_id)
            .bind(skill_id)
            .bind(i64::from(level.get()))
            .execute(&mut *tx)
            .await?;
            tx.refresh_search_text(person_id).await?;
            skill_id
        }))
    }

    /// Removes a skill from a profile, with its endorsements.
    pub async fn remove_skill(&self, person_id: i64, skill_id: i64) -> Result<()> {
        write_tx!(self, |tx| {
            let done =
                sqlx::query("DELETE FROM person_skills WHERE person_id = $1 AND skill_id = $2")
                    .bind(person_id)
                    .bind(skill_id)
                    .execute(&mut *tx)
                    .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("skill on this profile"));
            }
            tx.refresh_search_text(person_id).await?;
        });
        Ok(())
    }

    pub async fn add_want(&self, person_id: i64, name: &SkillName) -> Result<i64> {
        Ok(write_tx!(self, |tx| {
            let skill_id = tx.ensure_skill(name).await?;
            sqlx::query(
                "INSERT INTO wants (person_id, skill_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(person_id)
            .bind(skill_id)
            .execute(&mut *tx)
            .await?;
            skill_id
        }))
    }

    pub async fn remove_want(&self, person_id: i64, skill_id: i64) -> Result<()> {
        let done = on_pool!(self, |p| sqlx::query(
            "DELETE FROM wants WHERE person_id = $1 AND skill_id = $2"
        )
        .bind(person_id)
        .bind(skill_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound("topic on this profile"));
        }
        Ok(())
    }

    /// Records that `endorser` vouches for `person_id`'s skill. The skill must be on the
    /// profile; endorsing twice is a conflict; nobody endorses themselves.
    pub async fn endorse(
        &self,
        endorser: i64,
        person_id: i64,
        skill_id: i64,
        now: i64,
    ) -> Result<()> {
        if endorser == person_id {
            return Err(StoreError::Conflict(
                "you cannot endorse your own skill".into(),
            ));
        }
        write_tx!(self, |tx| {
            let has: Option<i64> = sqlx::query_scalar(
                "SELECT level FROM person_skills WHERE person_id = $1 AND skill_id = $2",
            )
            .bind(person_id)
            .bind(skill_id)
            .fetch_optional(&mut *tx)
            .await?;
            if has.is_none() {
                return Err(StoreError::NotFound("skill on this profile"));
            }
            sqlx::query("INSERT INTO endorsements (person_id, skill_id, endorser_id, created_at) VALUES ($1, $2, $3, $4)")
                .bind(person_id)
                .bind(skill_id)
                .bind(endorser)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(conflict_on_unique(|| "you have already endorsed this skill".into()))?;
        });
        Ok(())
    }

    pub async fn unendorse(&self, endorser: i64, person_id: i64, skill_id: i64) -> Result<()> {
        let done = on_pool!(self, |p| {
            sqlx::query(
            "DELETE FROM endorsements WHERE person_id = $1 AND skill_id = $2 AND endorser_id = $3"
        )
        .bind(person_id)
        .bind(skill_id)
        .bind(endorser)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        if done == 0 {
            return Err(StoreError::NotFound("endorsement"));
        }
        Ok(())
    }

    /// Skills whose names match `query` (every word as a prefix), most common first.
    pub async fn search_skills(&self, query: &str, limit: i64) -> Result<Vec<SkillRef>> {
        let counted = "SELECT s.id, s.name, (SELECT COUNT(*) FROM person_skills ps WHERE ps.skill_id = s.id) AS people FROM skills s";
        match fts_query(&self.pool, query) {
            None if query.trim().is_empty() => {
                let sql = format!("{counted} ORDER BY people DESC, s.name LIMIT $1");
                Ok(on_pool!(self, |p| sqlx::query_as(&sql)
                    .bind(limit)
                    .fetch_all(p)
                    .await)?)
            }
            None => Ok(Vec::new()),
            Some(q) => {
                let sql = format!(
                    "{counted} WHERE s.id IN ({}) ORDER BY people DESC, s.name LIMIT $2",
                    skills_matching(&self.pool)
                );
                Ok(on_pool!(self, |p| sqlx::query_as(&sql)
                    .bind(q)
                    .bind(limit)
                    .fetch_all(p)
                    .await)?)
            }
        }
    }

    /// The expert finder's evidence: for every skill matching `query`, each person who has it,
    /// their self-rating and how many colleagues endorsed it. New signals add a query here.
    pub async fn expert_evidence(&self, query: &str) -> Result<Vec<Evidence>> {
        let Some(q) = fts_query(&self.pool, query) else {
            return Ok(Vec::new());
        };
        let matching = skills_matching(&self.pool);
        let names_sql = format!("SELECT id, name FROM skills WHERE id IN ({matching})");
        let rows_sql = format!(
            "SELECT person_id, skill_id, level, endorsements FROM person_skills WHERE skill_id IN ({matching})"
        );
        // (skill id, name) and (person id, skill id, level, endorsements).
        type Rows = (Vec<(i64, String)>, Vec<(i64, i64, i64, i64)>);
        let (names, rows): Rows = on_pool!(self, |p| {
            let names = sqlx::query_as(&names_sql).bind(&q).fetch_all(p).await?;
            let rows = sqlx::query_as(&rows_sql).bind(&q).fetch_all(p).await?;
            Ok::<_, sqlx::Error>((names, rows))
        })?;
        // One shared name per skill: thousands of rows, a handful of skills.
        let names: HashMap<i64, Arc<str>> = names
            .into_iter()
            .map(|(id, name)| (id, Arc::from(name)))
            .collect();
        let mut out = Vec::with_capacity(rows.len() * 2);
        for (person_id, skill_id, level, endorsements) in rows {
            let Some(skill) = names.get(&skill_id) else {
                continue;
            };
            out.push(Evidence {
                person_id,
                skill: skill.clone(),
                signal: Signal::SelfRating {
                    level: level.clamp(1, 5) as u8,
                },
            });
            if endorsements > 0 {
                out.push(Evidence {
                    person_id,
                    skill: skill.clone(),
                    signal: Signal::Endorsements {
                        count: endorsements as u32,
                        names: Vec::new(),
                    },
                });
            }
        }
        // Accepted answers to questions tagged with a matching skill. Confidential spaces
        // lend no evidence: what happens there stays there.
        let answers_sql = format!(
            "SELECT p.author_id, ts.skill_id, COUNT(*) FROM threads t \
             JOIN posts p ON p.id = t.accepted_post_id JOIN thread_skills ts ON ts.thread_id = t.id \
             JOIN spaces s ON s.id = t.space_id \
             WHERE ts.skill_id IN ({matching}) AND s.visibility <> 'confidential' AND p.state = 'visible' \
             AND p.author_id IS NOT NULL GROUP BY p.author_id, ts.skill_id"
        );
        let answers: Vec<(i64, i64, i64)> = on_pool!(self, |p| sqlx::query_as(&answers_sql)
            .bind(&q)
            .fetch_all(p)
            .await)?;
        for (person_id, skill_id, count) in answers {
            if let Some(skill) = names.get(&skill_id) {
                out.push(Evidence {
                    person_id,
                    skill: skill.clone(),
                    signal: Signal::AcceptedAnswers {
                        count: count as u32,
                    },
                });
            }
        }
        Ok(out)
    }

    /// For each of `people`, up to `per_skill` names of the colleagues who endorsed each of
    /// their skills matching `query`, most recent first: one query for a whole result page.
    pub async fn endorser_names(
        &self,
        people: &[i64],
        query: &str,
        per_skill: i64,
    ) -> Result<HashMap<(i64, String), Vec<String>>> {
        let Some(q) = fts_query(&self.pool, query) else {
            return Ok(HashMap::new());
        };
        if people.is_empty() {
            return Ok(HashMap::new());
        }
        let placeholders = (3..people.len() + 3)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT person_id, skill, endorser FROM ( \
               SELECT e.person_id, s.name AS skill, p.name AS endorser, \
                 ROW_NUMBER() OVER (PARTITION BY e.person_id, e.skill_id ORDER BY e.created_at DESC, p.name) AS rn \
               FROM endorsements e JOIN people p ON p.id = e.endorser_id JOIN skills s ON s.id = e.skill_id \
               WHERE e.skill_id IN ({}) AND e.person_id IN ({placeholders}) \
             ) ranked WHERE rn <= $2 ORDER BY person_id, skill, rn",
            skills_matching(&self.pool)
        );
        let rows: Vec<(i64, String, String)> = on_pool!(self, |p| {
            let mut query = sqlx::query_as(&sql).bind(q.clone()).bind(per_skill);
            for id in people {
                query = query.bind(*id);
            }
            query.fetch_all(p).await
        })?;
        let mut out: HashMap<(i64, String), Vec<String>> = HashMap::new();
        for (person, skill, endorser) in rows {
            out.entry((person, skill)).or_default().push(endorser);
        }
        Ok(out)
    }

    /// Adds demo endorsements by e-mail; unknown people or skills are skipped.
    pub async fn endorse_by_email(
        &self,
        endorser: &Email,
        person: &Email,
        skill: &SkillName,
        now: i64,
    ) -> Result<()> {
        on_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO endorsements (person_id, skill_id, endorser_id, created_at) \
             SELECT ps.person_id, ps.skill_id, e.id, $4 FROM person_skills ps \
             JOIN people t ON t.id = ps.person_id JOIN skills s ON s.id = ps.skill_id JOIN people e ON e.email = $1 \
             WHERE t.email = $2 AND s.key = $3 AND e.id <> t.id ON CONFLICT DO NOTHING"
        )
        .bind(endorser.as_str())
        .bind(person.as_str())
        .bind(skill.key())
        .bind(now)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }
}
