//! Skills and wants-to-learn on a profile, endorsements, and the skill search.

use super::*;

impl Store {
    /// A person's skills, strongest first, with endorsement counts as `viewer` sees them.
    pub async fn person_skills(
        &self,
        person_id: PersonId,
        viewer: PersonId,
    ) -> Result<Vec<PersonSkill>> {
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
    pub async fn wants(&self, person_id: PersonId) -> Result<Vec<SkillRef>> {
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
    pub async fn set_skill(
        &self,
        person_id: PersonId,
        name: &SkillName,
        level: Level,
    ) -> Result<SkillId> {
        Ok(write_tx!(self, |tx| {
            let skill_id = Tx::from(&mut *tx).ensure_skill(name).await?;
            sqlx::query(
                "INSERT INTO person_skills (person_id, skill_id, level) VALUES ($1, $2, $3) \
                 ON CONFLICT (person_id, skill_id) DO UPDATE SET level = excluded.level",
            )
            .bind(person_id)
            .bind(skill_id)
            .bind(i64::from(level.get()))
            .execute(&mut *tx)
            .await?;
            Tx::from(&mut *tx).refresh_search_text(person_id).await?;
            skill_id
        }))
    }

    /// Removes a skill from a profile, with its endorsements.
    pub async fn remove_skill(&self, person_id: PersonId, skill_id: SkillId) -> Result<()> {
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
            Tx::from(&mut *tx).refresh_search_text(person_id).await?;
        });
        Ok(())
    }

    pub async fn add_want(&self, person_id: PersonId, name: &SkillName) -> Result<SkillId> {
        Ok(write_tx!(self, |tx| {
            let skill_id = Tx::from(&mut *tx).ensure_skill(name).await?;
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

    pub async fn remove_want(&self, person_id: PersonId, skill_id: SkillId) -> Result<()> {
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
        endorser: PersonId,
        person_id: PersonId,
        skill_id: SkillId,
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

    pub async fn unendorse(
        &self,
        endorser: PersonId,
        person_id: PersonId,
        skill_id: SkillId,
    ) -> Result<()> {
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
    /// The skill with this name (folded as skills are), if the directory has it.
    pub async fn skill_by_name(&self, name: &SkillName) -> Result<Option<SkillId>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT id FROM skills WHERE key = $1"
        )
        .bind(name.key())
        .fetch_optional(p)
        .await)?)
    }

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
}

impl Tx<'_> {
    pub(crate) async fn ensure_skill(&mut self, name: &SkillName) -> Result<SkillId> {
        on_conn!(self, |c| {
            let key = name.key();
            sqlx::query("INSERT INTO skills (name, key, terms) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING")
                .bind(name.as_str())
                .bind(&key)
                .bind(text::index_text([name.as_str()]))
                .execute(&mut *c)
                .await?;
            let id: SkillId = sqlx::query_scalar("SELECT id FROM skills WHERE key = $1")
                .bind(&key)
                .fetch_one(&mut *c)
                .await?;
            Ok(id)
        })
    }

    pub(crate) async fn refresh_search_text(&mut self, person_id: PersonId) -> Result<()> {
        on_conn!(self, |c| {
            let (name, title, department, function, location): (
                String,
                String,
                String,
                String,
                String,
            ) = sqlx::query_as(
                "SELECT name, title, department, function, location FROM people WHERE id = $1",
            )
            .bind(person_id)
            .fetch_one(&mut *c)
            .await?;
            let skills: Vec<String> = sqlx::query_scalar(
                "SELECT s.name FROM person_skills ps JOIN skills s ON s.id = ps.skill_id WHERE ps.person_id = $1",
            )
            .bind(person_id)
            .fetch_all(&mut *c)
            .await?;
            let parts = [
                name.as_str(),
                title.as_str(),
                department.as_str(),
                function.as_str(),
                location.as_str(),
            ];
            let search =
                text::index_text(parts.into_iter().chain(skills.iter().map(String::as_str)));
            sqlx::query("UPDATE people SET search_text = $2 WHERE id = $1 AND search_text <> $2")
                .bind(person_id)
                .bind(search)
                .execute(&mut *c)
                .await?;
            Ok(())
        })
    }
}
