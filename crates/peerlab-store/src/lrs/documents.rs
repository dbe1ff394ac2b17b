//! Documents (state, activity profiles, agent profiles) with ETag conditions, checked and
//! written as one step.

use super::*;

/// Which document: state (activity, agent, registration, id), activity profile (activity,
/// id) or agent profile (agent, id). Unused parts are empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocKey {
    pub kind: DocKind,
    pub activity: String,
    pub agent: String,
    pub registration: String,
    pub id: String,
}

impl DocKey {
    /// The text PostgreSQL hashes for this document's advisory lock. State documents are
    /// locked per activity, agent and registration, so that deleting them all waits too.
    fn lock_key(&self) -> String {
        let id = if self.kind == DocKind::State {
            ""
        } else {
            self.id.as_str()
        };
        format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{id}",
            self.kind.as_str(),
            self.activity,
            self.agent,
            self.registration
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    State,
    ActivityProfile,
    AgentProfile,
}

impl DocKind {
    fn as_str(self) -> &'static str {
        match self {
            DocKind::State => "state",
            DocKind::ActivityProfile => "activity",
            DocKind::AgentProfile => "agent",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Document {
    pub content_type: String,
    pub content: Vec<u8>,
    pub etag: String,
    pub updated: i64,
}

/// What a conditional write expects to find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Anything (state documents without concurrency headers).
    Any,
    /// No document (`If-None-Match: *`).
    Absent,
    /// Some document (`If-Match: *`).
    Present,
    /// The document with this ETag (`If-Match: "…"`).
    Etag(String),
    /// No document, and a 409 rather than a 412 when there is one: a profile PUT without
    /// concurrency headers (Comm 3.1.s4.b13).
    AbsentElseConflict,
}

impl Expect {
    /// Whether a document with ETag `current` (or none) meets this expectation; `Err` is a
    /// precondition failure (412), or a conflict (409) for [`Expect::AbsentElseConflict`].
    pub fn check(&self, current: Option<&str>) -> Result<()> {
        let failed = |m: &str| Err(StoreError::Precondition(m.to_string()));
        match (self, current) {
            (Expect::Any, _) => Ok(()),
            (Expect::Absent, Some(_)) => failed("a document exists already (If-None-Match: *)"),
            (Expect::Present | Expect::Etag(_), None) => {
                failed("there is no document to match (If-Match)")
            }
            (Expect::Etag(want), Some(have)) if want != have => failed(
                "the document changed since you read it: its ETag no longer matches If-Match",
            ),
            (Expect::AbsentElseConflict, Some(_)) => Err(StoreError::Conflict(
                "this document exists: read it, then send If-Match with its ETag \
                 (or If-None-Match: * to create only)"
                    .into(),
            )),
            _ => Ok(()),
        }
    }
}

impl Store {
    pub async fn document(&self, key: &DocKey) -> Result<Option<Document>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT content_type, content, etag, updated FROM lrs_documents \
             WHERE kind = $1 AND activity_id = $2 AND agent = $3 AND registration = $4 AND doc_id = $5"
        )
        .bind(key.kind.as_str())
        .bind(&key.activity)
        .bind(&key.agent)
        .bind(&key.registration)
        .bind(&key.id)
        .fetch_optional(p)
        .await
        })?)
    }

    /// The ids of the documents under `key` (its `id` ignored) updated after `since`.
    pub async fn document_ids(&self, key: &DocKey, since: Option<i64>) -> Result<Vec<String>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT doc_id FROM lrs_documents WHERE kind = $1 AND activity_id = $2 AND agent = $3 \
             AND registration = $4 AND updated > $5 ORDER BY doc_id"
        )
        .bind(key.kind.as_str())
        .bind(&key.activity)
        .bind(&key.agent)
        .bind(&key.registration)
        .bind(since.unwrap_or(i64::MIN))
        .fetch_all(p)
        .await)?)
    }

    /// Writes a document if what is stored meets `expect`; otherwise changes nothing.
    pub async fn put_document(
        &self,
        key: &DocKey,
        content_type: &str,
        content: &[u8],
        etag: &str,
        expect: &Expect,
        now: i64,
    ) -> Result<()> {
        let is_postgres = matches!(self.pool, Pool::Postgres(_));
        let lock_key = key.lock_key();
        write_tx!(self, |tx| {
            if is_postgres {
                // DIALECT: check and write as one step, as SQLite's write lock makes it.
                sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7326))")
                    .bind(&lock_key)
                    .execute(&mut *tx)
                    .await?;
            }
            let current: Option<String> = sqlx::query_scalar(
                "SELECT etag FROM lrs_documents WHERE kind = $1 AND activity_id = $2 AND agent = $3 \
                 AND registration = $4 AND doc_id = $5",
            )
            .bind(key.kind.as_str())
            .bind(&key.activity)
            .bind(&key.agent)
            .bind(&key.registration)
            .bind(&key.id)
            .fetch_optional(&mut *tx)
            .await?;
            expect.check(current.as_deref())?;
            sqlx::query(
                "INSERT INTO lrs_documents (kind, activity_id, agent, registration, doc_id, content_type, content, etag, updated) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (kind, activity_id, agent, registration, doc_id) DO UPDATE SET \
                 content_type = excluded.content_type, content = excluded.content, etag = excluded.etag, updated = excluded.updated",
            )
            .bind(key.kind.as_str())
            .bind(&key.activity)
            .bind(&key.agent)
            .bind(&key.registration)
            .bind(&key.id)
            .bind(content_type)
            .bind(content)
            .bind(etag)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// Deletes one document (`key.id` set) or, for state, every document under the key (`key.id`
    /// empty), if what is stored meets `expect`.
    pub async fn delete_documents(&self, key: &DocKey, expect: &Expect) -> Result<()> {
        let is_postgres = matches!(self.pool, Pool::Postgres(_));
        let lock_key = key.lock_key();
        write_tx!(self, |tx| {
            if is_postgres {
                sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7326))")
                    .bind(&lock_key)
                    .execute(&mut *tx)
                    .await?;
            }
            if !key.id.is_empty() {
                let current: Option<String> = sqlx::query_scalar(
                    "SELECT etag FROM lrs_documents WHERE kind = $1 AND activity_id = $2 AND agent = $3 \
                     AND registration = $4 AND doc_id = $5",
                )
                .bind(key.kind.as_str())
                .bind(&key.activity)
                .bind(&key.agent)
                .bind(&key.registration)
                .bind(&key.id)
                .fetch_optional(&mut *tx)
                .await?;
                expect.check(current.as_deref())?;
            }
            let all = key.id.is_empty();
            sqlx::query(
                "DELETE FROM lrs_documents WHERE kind = $1 AND activity_id = $2 AND agent = $3 \
                 AND registration = $4 AND (doc_id = $5 OR $6)",
            )
            .bind(key.kind.as_str())
            .bind(&key.activity)
            .bind(&key.agent)
            .bind(&key.registration)
            .bind(&key.id)
            .bind(all)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }
}
