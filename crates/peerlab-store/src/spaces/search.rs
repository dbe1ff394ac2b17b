//! Search over posts, and @handles resolved to people.

use super::*;

impl Store {
    // ---- Search and mentions -----------------------------------------------------------

    /// Visible posts matching every word of `query` as a prefix, newest first, in the spaces
    /// `scope` allows.
    pub async fn search_posts(
        &self,
        query: &str,
        scope: SearchScope,
        limit: i64,
    ) -> Result<Vec<SearchHit>> {
        let Some(q) = fts_query(&self.pool, query) else {
            return Ok(Vec::new());
        };
        // DIALECT: on SQLite the full-text index drives the query, newest match first, so a
        // common word stops after `limit` visible hits instead of collecting every match; on
        // PostgreSQL the planner chooses between the GIN index and the primary key.
        let (from, matching, order) = match self.pool {
            Pool::Sqlite(_) => (
                "posts_fts f JOIN posts p ON p.id = f.rowid",
                "posts_fts MATCH $1".to_string(),
                "f.rowid",
            ),
            Pool::Postgres(_) => (
                "posts p",
                "p.search @@ to_tsquery('simple', $1)".to_string(),
                "p.id",
            ),
        };
        let allowed = match scope.space_id {
            Some(_) => "p.space_id = $3 AND $2 = $2 AND $4 = $4".to_string(),
            // Confidential spaces stay inside themselves: never in global search.
            None => format!(
                "s.visibility <> 'confidential' AND $3 = $3 AND {}",
                super::policy::may_read("s", "$2", "$4")
            ),
        };
        let sql = format!(
            "SELECT p.id AS post_id, p.thread_id, t.title AS thread_title, p.space_id, s.name AS space_name, \
             a.name AS author_name, p.body, p.created_at \
             FROM {from} JOIN threads t ON t.id = p.thread_id JOIN spaces s ON s.id = p.space_id \
             LEFT JOIN people a ON a.id = p.author_id \
             WHERE {matching} AND p.state = 'visible' AND {allowed} ORDER BY {order} DESC LIMIT $5"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(&q)
            .bind(scope.person_id)
            .bind(scope.space_id.map_or(0, SpaceId::get))
            .bind(scope.site_role == Role::Admin)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// Resolves mention handles to people: a full e-mail address, or the part before the `@`
    /// when exactly one person has it.
    pub async fn resolve_handles(&self, handles: &[String]) -> Result<HashMap<String, PersonId>> {
        let mut out = HashMap::new();
        for handle in handles.iter().take(MAX_MENTIONS) {
            let rows: Vec<PersonId> = if handle.contains('@') {
                on_pool!(self, |p| sqlx::query_scalar(
                    "SELECT id FROM people WHERE email = $1"
                )
                .bind(handle)
                .fetch_all(p)
                .await)?
            } else {
                // Handles are [a-z0-9._-]: only `_` is special in LIKE.
                let pattern = format!("{}@%", handle.replace('_', "\\_"));
                on_pool!(self, |p| sqlx::query_scalar(
                    "SELECT id FROM people WHERE email LIKE $1 ESCAPE '\\' LIMIT 2"
                )
                .bind(&pattern)
                .fetch_all(p)
                .await)?
            };
            if let [id] = rows[..] {
                out.insert(handle.clone(), id);
            }
        }
        Ok(out)
    }
}
