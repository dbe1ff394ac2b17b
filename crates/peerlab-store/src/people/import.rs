//! The import (`apply_import`): a validated plan applied in one transaction, new people in
//! multi-row inserts and known ones updated, with the steps it shares with profile edits.

use super::*;

/// The tables [`Tx::insert_pairs`] fills: (person, skill, level) or (person, skill, unused).
#[derive(Clone, Copy)]
pub(crate) enum PairTable {
    PersonSkills,
    Wants,
}

/// Rows per multi-row INSERT: well under both databases' limits on parameters.
const BATCH: usize = 500;

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
pub(super) fn new_person_search_text(rec: &PersonRecord) -> String {
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

impl Store {
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
            let mut ids: HashMap<String, PersonId> = HashMap::with_capacity(total);
            for chunk in new.chunks(BATCH) {
                ids.extend(
                    Tx::from(&mut *tx)
                        .insert_people(chunk, now)
                        .await?
                        .into_iter()
                        .map(|(id, email)| (email, id)),
                );
                at(0, 40, ids.len(), total);
            }
            for (i, rec) in existing.iter().enumerate() {
                ids.insert(
                    rec.email.to_string(),
                    Tx::from(&mut *tx).upsert_person(rec, now).await?,
                );
                if i % 500 == 0 {
                    at(0, 40, ids.len(), total);
                }
            }
            // Every skill the file names, created once.
            let mut skill_ids: HashMap<String, SkillId> = HashMap::new();
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
                        slot.insert(Tx::from(&mut *tx).ensure_skill(name).await?);
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
            Tx::from(&mut *tx)
                .insert_pairs(PairTable::PersonSkills, &new_skills)
                .await?;
            Tx::from(&mut *tx)
                .insert_pairs(PairTable::Wants, &new_wants)
                .await?;
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
                    let resolved: Vec<(SkillId, Level)> = skills
                        .iter()
                        .map(|(n, l)| (skill_ids[&n.key()], *l))
                        .collect();
                    Tx::from(&mut *tx).replace_skills(id, &resolved).await?;
                }
                if let Some(wants) = &rec.wants {
                    let resolved: Vec<SkillId> =
                        wants.iter().map(|n| skill_ids[&n.key()]).collect();
                    Tx::from(&mut *tx).replace_wants(id, &resolved).await?;
                }
                Tx::from(&mut *tx).refresh_search_text(id).await?;
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
}

impl Tx<'_> {
    pub(crate) async fn upsert_person(&mut self, rec: &PersonRecord, now: i64) -> Result<PersonId> {
        on_conn!(self, |c| {
            // A NULL parameter means "the column is not in the file": keep what is stored.
            let id: PersonId = sqlx::query_scalar(
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
            .fetch_one(&mut *c)
            .await?;
            Ok(id)
        })
    }

    pub(crate) async fn replace_skills(
        &mut self,
        person_id: PersonId,
        skills: &[(SkillId, Level)],
    ) -> Result<()> {
        on_conn!(self, |c| {
            let current: Vec<(SkillId, i64)> =
                sqlx::query_as("SELECT skill_id, level FROM person_skills WHERE person_id = $1")
                    .bind(person_id)
                    .fetch_all(&mut *c)
                    .await?;
            let wanted: HashMap<SkillId, i64> = skills
                .iter()
                .map(|(id, l)| (*id, i64::from(l.get())))
                .collect();
            for (skill_id, _) in current.iter().filter(|(id, _)| !wanted.contains_key(id)) {
                sqlx::query("DELETE FROM person_skills WHERE person_id = $1 AND skill_id = $2")
                    .bind(person_id)
                    .bind(skill_id)
                    .execute(&mut *c)
                    .await?;
            }
            let current: HashMap<SkillId, i64> = current.into_iter().collect();
            for (skill_id, level) in wanted.iter().filter(|(id, l)| current.get(id) != Some(l)) {
                sqlx::query(
                    "INSERT INTO person_skills (person_id, skill_id, level) VALUES ($1, $2, $3) \
                     ON CONFLICT (person_id, skill_id) DO UPDATE SET level = excluded.level",
                )
                .bind(person_id)
                .bind(skill_id)
                .bind(level)
                .execute(&mut *c)
                .await?;
            }
            Ok(())
        })
    }

    pub(crate) async fn replace_wants(
        &mut self,
        person_id: PersonId,
        wants: &[SkillId],
    ) -> Result<()> {
        on_conn!(self, |c| {
            let current: HashSet<SkillId> =
                sqlx::query_scalar("SELECT skill_id FROM wants WHERE person_id = $1")
                    .bind(person_id)
                    .fetch_all(&mut *c)
                    .await?
                    .into_iter()
                    .collect();
            let wanted: HashSet<SkillId> = wants.iter().copied().collect();
            for skill_id in current.difference(&wanted) {
                sqlx::query("DELETE FROM wants WHERE person_id = $1 AND skill_id = $2")
                    .bind(person_id)
                    .bind(skill_id)
                    .execute(&mut *c)
                    .await?;
            }
            for skill_id in wanted.difference(&current) {
                sqlx::query("INSERT INTO wants (person_id, skill_id) VALUES ($1, $2)")
                    .bind(person_id)
                    .bind(skill_id)
                    .execute(&mut *c)
                    .await?;
            }
            Ok(())
        })
    }

    pub(crate) async fn insert_people(
        &mut self,
        people: &[&PersonRecord],
        now: i64,
    ) -> Result<Vec<(PersonId, String)>> {
        on_conn!(self, |c| {
            let mut out = Vec::with_capacity(people.len());
            for chunk in people.chunks(BATCH / 5) {
                let values = (0..chunk.len())
                    .map(|i| {
                        let b = i * 10;
                        let p: Vec<String> = (1..=10)
                            .chain([10])
                            .map(|k| format!("${}", b + k))
                            .collect();
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
                let rows: Vec<(PersonId, String)> =
                    q.fetch_all(&mut *c).await.map_err(conflict_on_unique(|| {
                        "someone was added while the import ran; import the file again".into()
                    }))?;
                out.extend(rows);
            }
            Ok(out)
        })
    }

    pub(crate) async fn insert_pairs(
        &mut self,
        table: PairTable,
        rows: &[(PersonId, SkillId, i64)],
    ) -> Result<()> {
        on_conn!(self, |c| {
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
                q.execute(&mut *c).await?;
            }
            Ok(())
        })
    }
}
