//! The Learning Record Store's storage (DESIGN X2): credentials, statements and the terms the
//! query parameters match on, attachments, and the canonical activity definitions.
//!
//! Decisions:
//! - **Order.** `seq` is the order statements were stored. Writers are serialised (SQLite's
//!   write lock; a transaction-scoped advisory lock on PostgreSQL), so `seq` grows in commit
//!   order: a reader that has seen `seq = n` has seen every statement before it, which is
//!   what makes `more` pages stable while statements are being added.
//! - **Terms.** Each statement gets one row per thing a query can filter on (agent, activity,
//!   verb, registration) in `statement_terms`, keyed by (term, seq): a query for the newest
//!   100 statements of an agent walks that index backwards and stops after 100. A statement
//!   whose object is a StatementRef also gets its target's terms (and, when the target comes
//!   later, they are copied then), so filters match through references as the spec asks.
//! - **All or nothing.** A batch is one transaction; a conflicting id rejects all of it.

use std::collections::HashMap;

use serde::Serialize;

use crate::{on_pool, write_tx, Pool, Result, Store, StoreError};

/// Rows per multi-row INSERT: well under both databases' limits on parameters.
const BATCH: usize = 300;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Credential {
    pub id: i64,
    pub name: String,
    pub key: String,
    pub scopes: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl Credential {
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scopes.split_whitespace()
    }
}

/// A statement ready to store: its JSON as it will be returned and what it is indexed by.
#[derive(Debug, Clone)]
pub struct NewStatement {
    pub id: String,
    pub body: String,
    pub stored: i64,
    pub verb: String,
    pub voids: Option<String>,
    pub reference: Option<String>,
    /// (term, core): see the module's decisions.
    pub terms: Vec<(String, bool)>,
    /// SHA-2 of each attachment, in order.
    pub attachments: Vec<String>,
    /// Activity definitions seen in the statement, to merge into the canonical ones.
    pub definitions: Vec<(String, String)>,
}

/// An attachment's content, received with a statement.
#[derive(Debug, Clone)]
pub struct AttachmentData {
    pub sha2: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// What a list query asks for; `None` and `false` mean "no filter".
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct StatementQuery {
    pub agent: Option<String>,
    pub related_agents: bool,
    pub verb: Option<String>,
    pub activity: Option<String>,
    pub related_activities: bool,
    pub registration: Option<String>,
    /// Stored strictly after (ms).
    pub since: Option<i64>,
    /// Stored at or before (ms).
    pub until: Option<i64>,
    pub ascending: bool,
    /// Only statements written with this credential (`statements/read/mine`).
    pub credential: Option<i64>,
    /// Continue after this `seq` (the `more` cursor).
    pub after: Option<i64>,
    /// Consider only statements up to this `seq`: those visible when the first page was read.
    pub upto: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredStatement {
    pub seq: i64,
    pub body: String,
    pub stored: i64,
    pub attachments: bool,
}

/// Counts for the admin page and the benchmark.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct LrsStats {
    pub statements: i64,
    pub voided: i64,
    pub credentials: i64,
}

/// DIALECT: SQLite takes anonymous `?` in multi-row inserts. Numbered `$n` work there too,
/// but sqlx looks up each one's name through SQLite, which walks the statement's list of
/// names: with hundreds of parameters that quadratic cost was a tenth of an ingest's time.
/// Valid only where parameters appear once each, in order.
fn anonymous(pool: &Pool, sql: String) -> String {
    match pool {
        Pool::Sqlite(_) => {
            let mut out = String::with_capacity(sql.len());
            let mut chars = sql.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
                    while chars.peek().is_some_and(char::is_ascii_digit) {
                        chars.next();
                    }
                    out.push('?');
                } else {
                    out.push(c);
                }
            }
            out
        }
        Pool::Postgres(_) => sql,
    }
}

/// The rows of `$sql`, whose `{}` is an `IN` list, for every one of `$ids` (`&str`s), in
/// chunks of [`BATCH`], inside the write transaction `$tx`.
macro_rules! select_in {
    ($tx:ident, $pool:expr, $row:ty, $sql:literal, $ids:expr) => {{
        let mut rows: Vec<$row> = Vec::new();
        for chunk in $ids.chunks(BATCH) {
            let sql = anonymous($pool, format!($sql, list(chunk.len(), 1)));
            let mut q = sqlx::query_as::<_, $row>(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            rows.extend(q.fetch_all(&mut *$tx).await?);
        }
        rows
    }};
}

fn placeholders(start: usize, rows: usize, per_row: usize) -> String {
    (0..rows)
        .map(|r| {
            let cols: Vec<String> = (0..per_row)
                .map(|c| format!("${}", start + r * per_row + c))
                .collect();
            format!("({})", cols.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn list(n: usize, start: usize) -> String {
    (0..n)
        .map(|i| format!("${}", start + i))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    // ---- Credentials -------------------------------------------------------------------

    pub async fn create_credential(
        &self,
        name: &str,
        key: &str,
        secret_hash: &str,
        scopes: &str,
        created_by: Option<i64>,
        now: i64,
    ) -> Result<i64> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "INSERT INTO lrs_credentials (name, key, secret_hash, scopes, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
        )
        .bind(name)
        .bind(key)
        .bind(secret_hash)
        .bind(scopes)
        .bind(created_by)
        .bind(now)
        .fetch_one(p)
        .await)?)
    }

    pub async fn lrs_credentials(&self) -> Result<Vec<Credential>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT id, name, key, scopes, created_at, revoked_at FROM lrs_credentials ORDER BY id DESC"
        )
        .fetch_all(p)
        .await
        })?)
    }

    pub async fn revoke_credential(&self, id: i64, now: i64) -> Result<()> {
        let done = on_pool!(self, |p| sqlx::query(
            "UPDATE lrs_credentials SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL"
        )
        .bind(now)
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound("active credential"));
        }
        Ok(())
    }

    /// The unrevoked credential with `key` and the hash of its secret.
    pub async fn credential_by_key(&self, key: &str) -> Result<Option<(Credential, String)>> {
        // id, name, key, scopes, created_at, revoked_at, secret_hash.
        type Row = (i64, String, String, String, i64, Option<i64>, String);
        let row: Option<Row> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT id, name, key, scopes, created_at, revoked_at, secret_hash FROM lrs_credentials \
                 WHERE key = $1 AND revoked_at IS NULL"
            )
            .bind(key)
            .fetch_optional(p)
            .await
        })?;
        Ok(
            row.map(|(id, name, key, scopes, created_at, revoked_at, hash)| {
                (
                    Credential {
                        id,
                        name,
                        key,
                        scopes,
                        created_at,
                        revoked_at,
                    },
                    hash,
                )
            }),
        )
    }

    // ---- Statements --------------------------------------------------------------------

    /// Stores a batch, all or nothing. A statement whose id is stored already is skipped when
    /// `same(i, stored_json)` says batch statement `i` is the stored one (sending it again is
    /// not an error), and makes the whole batch a conflict otherwise. The caller supplies the
    /// comparison because it needs the statement as received (Data 2.3.1). Returns how many
    /// were new.
    pub async fn insert_statements(
        &self,
        batch: &[NewStatement],
        attachments: &[AttachmentData],
        credential: Option<i64>,
        same: &(dyn Fn(usize, &str) -> bool + Sync),
    ) -> Result<usize> {
        if batch.is_empty() {
            return Ok(0);
        }
        let is_postgres = matches!(self.pool, Pool::Postgres(_));
        let pool = &self.pool;
        Ok(write_tx!(self, |tx| {
            if is_postgres {
                // DIALECT: one writer at a time, so that `seq` grows in commit order.
                sqlx::query("SELECT pg_advisory_xact_lock(7326001)")
                    .execute(&mut *tx)
                    .await?;
            }
            // Ids already stored.
            let ids: Vec<&str> = batch.iter().map(|s| s.id.as_str()).collect();
            let existing: HashMap<String, String> = select_in!(
                tx,
                pool,
                (String, String),
                "SELECT id, body FROM statements WHERE id IN ({})",
                ids
            )
            .into_iter()
            .collect();
            let mut fresh: Vec<&NewStatement> = Vec::with_capacity(batch.len());
            for (i, s) in batch.iter().enumerate() {
                match existing.get(&s.id) {
                    Some(stored) if same(i, stored) => {}
                    Some(_) => {
                        return Err(StoreError::Conflict(format!(
                            "statement {} is already stored with different content; statements cannot be changed",
                            s.id
                        )))
                    }
                    None => fresh.push(s),
                }
            }
            if fresh.is_empty() {
                return Ok(0);
            }
            // `stored` never goes back: a batch that waited for the write lock behind a later
            // one takes the later one's time, so that every statement stored after a reader
            // was told "consistent through T" has `stored` ≥ T.
            let floor: Option<i64> = sqlx::query_scalar("SELECT MAX(stored) FROM statements")
                .fetch_one(&mut *tx)
                .await?;
            let raised: Vec<NewStatement>;
            let fresh: Vec<&NewStatement> = match floor {
                Some(floor) if fresh.iter().any(|s| s.stored < floor) => {
                    raised = fresh.iter().map(|s| raise_stored(s, floor)).collect();
                    raised.iter().collect()
                }
                _ => fresh,
            };
            // The statements, then their sequence numbers.
            for chunk in fresh.chunks(BATCH / 3) {
                let sql = anonymous(pool, format!(
                    "INSERT INTO statements (id, body, stored, verb, voids, ref, credential_id, attachments) VALUES {}",
                    placeholders(1, chunk.len(), 8)
                ));
                let mut q = sqlx::query(&sql);
                for s in chunk {
                    q = q
                        .bind(&s.id)
                        .bind(&s.body)
                        .bind(s.stored)
                        .bind(&s.verb)
                        .bind(&s.voids)
                        .bind(&s.reference)
                        .bind(credential)
                        .bind(i64::from(!s.attachments.is_empty()));
                }
                q.execute(&mut *tx).await?;
            }
            let fresh_ids: Vec<&str> = fresh.iter().map(|s| s.id.as_str()).collect();
            let seqs: HashMap<String, i64> = select_in!(
                tx,
                pool,
                (String, i64),
                "SELECT id, seq FROM statements WHERE id IN ({})",
                fresh_ids
            )
            .into_iter()
            .collect();
            // Terms.
            let mut rows: Vec<(&str, i64, i64)> = Vec::new();
            for s in &fresh {
                let seq = seqs[&s.id];
                // A term that is both core and related counts as core.
                let mut core: HashMap<&str, bool> = HashMap::new();
                for (term, c) in &s.terms {
                    *core.entry(term.as_str()).or_default() |= *c;
                }
                rows.extend(core.into_iter().map(|(t, c)| (t, seq, i64::from(c))));
            }
            for chunk in rows.chunks(BATCH) {
                let sql = anonymous(pool, format!(
                    "INSERT INTO statement_terms (term, seq, core) VALUES {} ON CONFLICT DO NOTHING",
                    placeholders(1, chunk.len(), 3)
                ));
                let mut q = sqlx::query(&sql);
                for (term, seq, core) in chunk {
                    q = q.bind(*term).bind(*seq).bind(*core);
                }
                q.execute(&mut *tx).await?;
            }
            // Filters match through StatementRefs: a referring statement takes its target's
            // terms, now for targets stored before, and later for targets stored after.
            let mut frontier: Vec<(i64, String)> = Vec::new();
            for s in &fresh {
                let seq = seqs[&s.id];
                if let Some(target) = &s.reference {
                    sqlx::query(
                        "INSERT INTO statement_terms (term, seq, core) \
                         SELECT t.term, $1, t.core FROM statement_terms t JOIN statements x ON x.seq = t.seq \
                         WHERE x.id = $2 ON CONFLICT (term, seq) DO UPDATE SET core = \
                         CASE WHEN excluded.core > statement_terms.core THEN excluded.core ELSE statement_terms.core END",
                    )
                    .bind(seq)
                    .bind(target)
                    .execute(&mut *tx)
                    .await?;
                }
                frontier.push((seq, s.id.clone()));
            }
            // Later arrivals: statements already stored that refer to one of these take its
            // terms too, and so on up a chain of references (at most 16 links).
            let mut rounds = 0;
            while !frontier.is_empty() && rounds < 16 {
                rounds += 1;
                let by_id: HashMap<&str, i64> = frontier
                    .iter()
                    .map(|(seq, id)| (id.as_str(), *seq))
                    .collect();
                let ids: Vec<&str> = by_id.keys().copied().collect();
                let referrers: Vec<(i64, String, String)> = select_in!(
                    tx,
                    pool,
                    (i64, String, String),
                    "SELECT seq, id, ref FROM statements WHERE ref IN ({})",
                    ids
                );
                let mut next = Vec::new();
                for (r, rid, target) in referrers {
                    let Some(&from) = by_id.get(target.as_str()) else {
                        continue;
                    };
                    if r == from {
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO statement_terms (term, seq, core) SELECT term, $1, core FROM statement_terms \
                         WHERE seq = $2 ON CONFLICT (term, seq) DO UPDATE SET core = \
                         CASE WHEN excluded.core > statement_terms.core THEN excluded.core ELSE statement_terms.core END",
                    )
                    .bind(r)
                    .bind(from)
                    .execute(&mut *tx)
                    .await?;
                    next.push((r, rid));
                }
                frontier = next;
            }
            // Voiding: a voiding statement voids its target unless the target voids others;
            // a statement voided before it arrived is voided as it arrives.
            for s in &fresh {
                if let Some(target) = &s.voids {
                    sqlx::query("UPDATE statements SET voided = 1 WHERE id = $1 AND voids IS NULL")
                        .bind(target)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            for chunk in fresh.chunks(BATCH) {
                let sql = anonymous(
                    pool,
                    format!(
                        "UPDATE statements SET voided = 1 WHERE voids IS NULL AND id IN ({}) \
                     AND id IN (SELECT voids FROM statements WHERE voids IS NOT NULL)",
                        list(chunk.len(), 1)
                    ),
                );
                let mut q = sqlx::query(&sql);
                for s in chunk {
                    q = q.bind(&s.id);
                }
                q.execute(&mut *tx).await?;
            }
            // Attachments.
            for a in attachments {
                sqlx::query(
                    "INSERT INTO lrs_attachments (sha2, content_type, content) VALUES ($1, $2, $3) ON CONFLICT (sha2) DO NOTHING",
                )
                .bind(&a.sha2)
                .bind(&a.content_type)
                .bind(&a.content)
                .execute(&mut *tx)
                .await?;
            }
            for s in &fresh {
                for (i, sha2) in s.attachments.iter().enumerate() {
                    sqlx::query("INSERT INTO statement_attachments (seq, sha2, position) VALUES ($1, $2, $3)")
                        .bind(seqs[&s.id])
                        .bind(sha2)
                        .bind(i as i64)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            // Canonical activity definitions: the latest statement's definition wins, merged
            // over what was known (language maps merge by language).
            let mut definitions: HashMap<&str, serde_json::Value> = HashMap::new();
            for s in &fresh {
                for (id, def) in &s.definitions {
                    if let Ok(v) = serde_json::from_str::<serde_json::Value>(def) {
                        let entry = definitions
                            .entry(id.as_str())
                            .or_insert(serde_json::Value::Null);
                        merge_definition(entry, v);
                    }
                }
            }
            let ids: Vec<&str> = definitions.keys().copied().collect();
            let known: HashMap<String, String> = select_in!(
                tx,
                pool,
                (String, String),
                "SELECT id, definition FROM lrs_activities WHERE id IN ({})",
                ids
            )
            .into_iter()
            .collect();
            let mut changed: Vec<(&str, String)> = Vec::new();
            for (id, def) in definitions {
                let old = known.get(id);
                let mut merged = old
                    .and_then(|o| serde_json::from_str(o).ok())
                    .unwrap_or(serde_json::Value::Null);
                merge_definition(&mut merged, def);
                let text = merged.to_string();
                if old != Some(&text) {
                    changed.push((id, text));
                }
            }
            for chunk in changed.chunks(BATCH / 2) {
                let sql = anonymous(
                    pool,
                    format!(
                        "INSERT INTO lrs_activities (id, definition) VALUES {} \
                     ON CONFLICT (id) DO UPDATE SET definition = excluded.definition",
                        placeholders(1, chunk.len(), 2)
                    ),
                );
                let mut q = sqlx::query(&sql);
                for (id, def) in chunk {
                    q = q.bind(*id).bind(def);
                }
                q.execute(&mut *tx).await?;
            }
            fresh.len()
        }))
    }

    /// One statement by id: `voided` selects whether the caller asks for a voided one
    /// (`voidedStatementId`) or a live one (`statementId`).
    pub async fn statement(&self, id: &str, voided: bool) -> Result<Option<StoredStatement>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT seq, body, stored, (attachments <> 0) AS attachments FROM statements WHERE id = $1 AND voided = $2"
        )
        .bind(id)
        .bind(i64::from(voided))
        .fetch_optional(p)
        .await
        })?)
    }

    /// Statements matching `q`, newest first unless `ascending`, at most `limit`.
    pub async fn query_statements(
        &self,
        q: &StatementQuery,
        limit: i64,
    ) -> Result<Vec<StoredStatement>> {
        let mut terms: Vec<(String, i64)> = Vec::new();
        if let Some(a) = &q.agent {
            terms.push((format!("a:{a}"), i64::from(!q.related_agents)));
        }
        if let Some(v) = &q.verb {
            terms.push((format!("v:{v}"), 0));
        }
        if let Some(o) = &q.activity {
            terms.push((format!("o:{o}"), i64::from(!q.related_activities)));
        }
        if let Some(r) = &q.registration {
            terms.push((format!("r:{r}"), 0));
        }
        let order = if q.ascending { "ASC" } else { "DESC" };
        // Parameters are numbered in the order they are bound: terms first, then integers.
        let mut n = 0;
        let mut param = || {
            n += 1;
            format!("${n}")
        };
        let mut conditions = vec!["s.voided = 0".to_string()];
        let (from, seq_col) = if terms.is_empty() {
            ("statements s", "s.seq")
        } else {
            (
                "statement_terms t JOIN statements s ON s.seq = t.seq",
                "t.seq",
            )
        };
        for i in 0..terms.len() {
            let (t, c) = (param(), param());
            conditions.push(if i == 0 {
                format!("t.term = {t} AND t.core >= {c}")
            } else {
                format!("EXISTS (SELECT 1 FROM statement_terms u WHERE u.term = {t} AND u.seq = s.seq AND u.core >= {c})")
            });
        }
        let mut ints: Vec<i64> = Vec::new();
        for (value, condition) in [
            (q.since, "s.stored >"),
            (q.until, "s.stored <="),
            (q.credential, "s.credential_id ="),
            (q.after, if q.ascending { "{seq} >" } else { "{seq} <" }),
            (q.upto, "{seq} <="),
        ] {
            if let Some(v) = value {
                ints.push(v);
                conditions.push(format!(
                    "{} {}",
                    condition.replace("{seq}", seq_col),
                    param()
                ));
            }
        }
        let limit_param = param();
        let sql = format!(
            "SELECT s.seq, s.body, s.stored, (s.attachments <> 0) AS attachments FROM {from} WHERE {} \
             ORDER BY {seq_col} {order} LIMIT {limit_param}",
            conditions.join(" AND ")
        );
        Ok(on_pool!(self, |p| {
            let mut query = sqlx::query_as::<_, StoredStatement>(&sql);
            for (t, c) in &terms {
                query = query.bind(t).bind(*c);
            }
            for v in &ints {
                query = query.bind(*v);
            }
            query.bind(limit).fetch_all(p).await
        })?)
    }

    /// The newest `seq` and `stored` now: the bound of a query's pages, and the
    /// consistent-through time (every statement stored by then is visible).
    pub async fn statements_head(&self) -> Result<(i64, i64)> {
        // Two subqueries, so that each uses its index (one MAX over two columns would scan).
        let row: (Option<i64>, Option<i64>) = on_pool!(self, |p| sqlx::query_as(
            "SELECT (SELECT MAX(seq) FROM statements), (SELECT MAX(stored) FROM statements)"
        )
        .fetch_one(p)
        .await)?;
        Ok((row.0.unwrap_or(0), row.1.unwrap_or(0)))
    }

    /// The attachments of statements, in order: (seq, sha2, content type, content).
    pub async fn statement_attachments(
        &self,
        seqs: &[i64],
    ) -> Result<Vec<(i64, String, String, Vec<u8>)>> {
        if seqs.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT sa.seq, a.sha2, a.content_type, a.content FROM statement_attachments sa \
             JOIN lrs_attachments a ON a.sha2 = sa.sha2 WHERE sa.seq IN ({}) ORDER BY sa.seq, sa.position",
            seqs.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql).fetch_all(p).await)?)
    }

    /// The canonical definition of an activity, if any statement defined it.
    pub async fn activity_definition(&self, id: &str) -> Result<Option<String>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT definition FROM lrs_activities WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await)?)
    }

    pub async fn lrs_stats(&self) -> Result<LrsStats> {
        let (statements, voided, credentials): (i64, i64, i64) = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM statements), (SELECT COUNT(*) FROM statements WHERE voided <> 0), \
             (SELECT COUNT(*) FROM lrs_credentials WHERE revoked_at IS NULL)"
        )
        .fetch_one(p)
        .await
        })?;
        Ok(LrsStats {
            statements,
            voided,
            credentials,
        })
    }
}

/// A statement stored at `floor` instead of its own, earlier time: `stored` in its row and
/// in its JSON.
fn raise_stored(s: &NewStatement, floor: i64) -> NewStatement {
    let mut raised = s.clone();
    if s.stored < floor {
        raised.stored = floor;
        if let Ok(mut body) = serde_json::from_str::<serde_json::Value>(&s.body) {
            let at = chrono::DateTime::from_timestamp_millis(floor)
                .unwrap_or_default()
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string();
            body["stored"] = serde_json::Value::String(at);
            raised.body = body.to_string();
        }
    }
    raised
}

/// Merges a newer activity definition over an older one: language maps merge by language,
/// everything else is replaced by the newer value.
fn merge_definition(old: &mut serde_json::Value, new: serde_json::Value) {
    use serde_json::Value;
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for (k, v) in n {
                let is_map = matches!(k.as_str(), "name" | "description");
                match o.get_mut(&k) {
                    Some(existing @ Value::Object(_)) if is_map => {
                        if let (Value::Object(e), Value::Object(v)) = (existing, v) {
                            e.extend(v);
                        }
                    }
                    _ => {
                        o.insert(k, v);
                    }
                }
            }
        }
        (old, new) => *old = new,
    }
}

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
