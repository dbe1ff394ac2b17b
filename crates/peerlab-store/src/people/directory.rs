//! People and the directory: adding and reading people, site roles (an admin always
//! stays), the directory query and its facets.

use super::import::new_person_search_text;
use super::*;

/// DIALECT: the condition "person `p` matches the full-text query `$n`".
fn people_match(pool: &Pool, n: usize) -> String {
    match pool {
        Pool::Sqlite(_) => {
            format!("p.id IN (SELECT rowid FROM people_fts WHERE people_fts MATCH ${n})")
        }
        Pool::Postgres(_) => format!("p.search @@ to_tsquery('simple', ${n})"),
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
    ) -> Result<PersonId> {
        let rec = PersonRecord::new(email.clone(), name.clone());
        let id: PersonId = on_pool!(self, |p| {
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

    pub async fn person(&self, id: PersonId) -> Result<Option<Person>> {
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

    pub async fn people_by_ids(&self, ids: &[PersonId]) -> Result<Vec<Person>> {
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

    pub async fn direct_reports(&self, manager_id: PersonId) -> Result<Vec<PersonSummary>> {
        let sql =
            format!("SELECT {SUMMARY_COLUMNS} WHERE p.manager_id = $1 ORDER BY p.sort_name, p.id");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(manager_id)
            .fetch_all(p)
            .await)?)
    }

    pub async fn set_role(&self, person_id: PersonId, role: Role) -> Result<()> {
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
    pub async fn change_role_keeping_an_admin(
        &self,
        person_id: PersonId,
        role: Role,
    ) -> Result<()> {
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
        if filter.managers_only {
            conditions
                .push("EXISTS (SELECT 1 FROM people r WHERE r.manager_id = p.id)".to_string());
        }
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
}
