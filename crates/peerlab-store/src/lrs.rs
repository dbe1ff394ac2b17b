//! The Learning Record Store's storage (DESIGN X2): credentials, statements and the terms the
//! query parameters match on, attachments, and the canonical activity definitions.
//!
//! Decisions:
//! - **Order.** `seq` is the order statements were stored. Writers are serialised (SQLite's
//!   write lock; a transaction-scoped advisory lock on PostgreSQL), so `seq` grows in commit
//!   order: a reader that has seen `seq = n` has seen every statement before it, which is
//!   what makes `more` pages stable while statements are being added.
//! - **Terms.** What a query can filter on (agent, activity, verb, registration) becomes one
//!   token per term: `c` (core: the actor, verb, object, registration) or `r` (only with
//!   related_agents / related_activities) followed by the term's 128-bit key ([`term_key`]).
//!   A statement keeps its tokens in `statements.terms`. A statement whose object is a
//!   StatementRef also gets its target's tokens (and, when the target comes later, they are
//!   added then), so filters match through references as the spec asks.
//! - **The index of terms** is where the two databases differ. SQLite keeps the tokens in a
//!   full-text index (FTS5, rowid = `seq`): each commit writes its postings as a small new
//!   segment, merged later in large steps, where a B-tree of (term, seq) rows dirtied one
//!   random page per term of every statement, which capped ingest. A query for the newest
//!   100 statements of an agent reads that token's postings backwards and stops after 100.
//!   PostgreSQL keeps (key, seq, core) rows in a B-tree, read the same way.
//! - **All or nothing.** A batch is one transaction; a conflicting id rejects all of it.

use std::collections::{BTreeSet, HashMap};

use sha2::{Digest, Sha256};

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
    /// Whether the client sent the id. One the LRS made (time-ordered and random) is not
    /// looked up before it is stored; the unique index would still refuse a repeat.
    pub id_given: bool,
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
    pub definitions: Vec<(String, serde_json::Value)>,
}

/// SQLite: the canonical definitions this process last stored or read, trusted only while
/// the newest statement is still the last one it stored. Definitions change only when
/// statements are stored, so another writer (a second process) shows by storing a statement,
/// and the cache starts over. Filled after a commit only, so a rolled-back batch leaves
/// nothing in it.
#[derive(Debug, Default)]
pub(crate) struct KnownDefinitions {
    through_seq: i64,
    texts: HashMap<String, String>,
}

impl KnownDefinitions {
    /// Whether `text` is the stored definition of `id`, when the newest `seq` is `newest`.
    fn knows(&self, newest: i64, id: &str, text: &str) -> bool {
        self.through_seq == newest && self.texts.get(id).is_some_and(|t| t == text)
    }

    /// A batch committed: the newest `seq` was `before` and is now `last`; `stored` are the
    /// definitions it stored or read.
    fn committed(&mut self, before: i64, last: i64, stored: Vec<(String, String)>) {
        // At most this many (a few tens of MB); past it, start over.
        const CAPACITY: usize = 100_000;
        if self.through_seq != before || self.texts.len() + stored.len() > CAPACITY {
            self.texts.clear();
        }
        self.through_seq = last;
        self.texts.extend(stored);
    }
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

/// Writes the index entries of `$index` (`&[(seq, &Tokens)]`) inside the write transaction
/// `$tx`; the statements in `$replaced` had entries, which their grown token sets replace.
macro_rules! write_index {
    ($tx:ident, $pool:expr, $index:expr, $replaced:expr) => {{
        if matches!($pool, Pool::Postgres(_)) {
            // DIALECT: (hash, seq, core) rows; a hash both core and related is core.
            let mut rows: Vec<(&str, i64, i64)> = Vec::new();
            for (seq, t) in $index {
                let mut core: HashMap<&str, i64> = HashMap::new();
                for token in t.iter() {
                    let c = core.entry(&token[1..]).or_default();
                    *c = (*c).max(i64::from(token.starts_with('c')));
                }
                rows.extend(core.into_iter().map(|(h, c)| (h, *seq, c)));
            }
            for chunk in rows.chunks(BATCH) {
                let sql = format!(
                    "INSERT INTO statement_terms (term, seq, core) VALUES {} ON CONFLICT (term, seq) \
                     DO UPDATE SET core = GREATEST(statement_terms.core, excluded.core)",
                    placeholders(1, chunk.len(), 3)
                );
                let mut q = sqlx::query(&sql);
                for (term, seq, core) in chunk {
                    q = q.bind(*term).bind(*seq).bind(*core);
                }
                q.execute(&mut *$tx).await?;
            }
        } else {
            // DIALECT: one full-text row per statement, rowid = seq.
            for seq in $replaced {
                sqlx::query("DELETE FROM statement_index WHERE rowid = $1")
                    .bind(seq)
                    .execute(&mut *$tx)
                    .await?;
            }
            for chunk in $index.chunks(BATCH) {
                let sql = anonymous(
                    $pool,
                    format!(
                        "INSERT INTO statement_index (rowid, terms) VALUES {}",
                        placeholders(1, chunk.len(), 2)
                    ),
                );
                let mut q = sqlx::query(&sql);
                for (seq, t) in chunk {
                    q = q.bind(*seq).bind(join_tokens(t));
                }
                q.execute(&mut *$tx).await?;
            }
        }
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

/// A statement's index tokens: see the module's decisions.
type Tokens = BTreeSet<String>;

/// The 26 base32 characters of a term's SHA-256 that stand for it in the index. 128 bits:
/// two different terms share a key with a probability of about 10⁻²⁰ in a store of a billion
/// terms.
pub(crate) fn term_key(term: &str) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let digest = Sha256::digest(term.as_bytes());
    let mut bits: u128 = u128::from_be_bytes(digest[..16].try_into().expect("16 bytes"));
    let mut out = [0u8; 26];
    for c in out.iter_mut().rev() {
        *c = ALPHABET[(bits & 31) as usize];
        bits >>= 5;
    }
    String::from_utf8(out.to_vec()).expect("ASCII")
}

/// `c` + key for a core term (the actor, verb, object or registration), `r` + key for one
/// that matches only with related_agents / related_activities. A term that is both is core.
fn own_tokens(terms: &[(String, bool)]) -> Tokens {
    let mut core: HashMap<&str, bool> = HashMap::new();
    for (term, c) in terms {
        *core.entry(term.as_str()).or_default() |= *c;
    }
    core.into_iter()
        .map(|(term, c)| format!("{}{}", if c { 'c' } else { 'r' }, term_key(term)))
        .collect()
}

fn parse_tokens(text: Option<&str>) -> Tokens {
    text.unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

fn join_tokens(tokens: &Tokens) -> String {
    tokens
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ")
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

    /// Moves the index rows of statements stored before migration 0005 (raw terms in
    /// `statement_terms_0003`) over to tokens and the new index, then drops the old table.
    /// Runs once, when a store of that age first opens; it holds the rows of every such
    /// statement in memory, which is fine for the stores that existed then.
    pub(crate) async fn upgrade_statement_index(&self) -> Result<()> {
        let pool = &self.pool;
        let exists: bool = on_pool!(self, |p| sqlx::query_scalar(match pool {
            Pool::Sqlite(_) => {
                "SELECT COUNT(*) > 0 FROM sqlite_master WHERE name = 'statement_terms_0003'"
            }
            Pool::Postgres(_) => "SELECT to_regclass('statement_terms_0003') IS NOT NULL",
        })
        .fetch_one(p)
        .await)?;
        if !exists {
            return Ok(());
        }
        write_tx!(self, |tx| {
            let rows: Vec<(i64, String, i64)> =
                sqlx::query_as("SELECT seq, term, core FROM statement_terms_0003 ORDER BY seq")
                    .fetch_all(&mut *tx)
                    .await?;
            let mut by_seq: Vec<(i64, Vec<(String, bool)>)> = Vec::new();
            for (seq, term, core) in rows {
                match by_seq.last_mut() {
                    Some((s, terms)) if *s == seq => terms.push((term, core != 0)),
                    _ => by_seq.push((seq, vec![(term, core != 0)])),
                }
            }
            let tokens: Vec<(i64, Tokens)> = by_seq
                .into_iter()
                .map(|(seq, terms)| (seq, own_tokens(&terms)))
                .collect();
            for (seq, t) in &tokens {
                sqlx::query("UPDATE statements SET terms = $1 WHERE seq = $2")
                    .bind(join_tokens(t))
                    .bind(seq)
                    .execute(&mut *tx)
                    .await?;
            }
            let index: Vec<(i64, &Tokens)> = tokens.iter().map(|(seq, t)| (*seq, t)).collect();
            let replaced: Vec<i64> = Vec::new();
            write_index!(tx, pool, &index, &replaced);
            sqlx::query("UPDATE statements SET terms = '' WHERE terms IS NULL")
                .execute(&mut *tx)
                .await?;
            sqlx::query("DROP TABLE statement_terms_0003")
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

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
        // The batch's activity definitions, merged in order (before the transaction: it
        // needs nothing stored), with their text.
        let mut definitions: HashMap<&str, (serde_json::Value, String)> = HashMap::new();
        for s in batch {
            for (id, def) in &s.definitions {
                let (entry, _) = definitions
                    .entry(id.as_str())
                    .or_insert((serde_json::Value::Null, String::new()));
                merge_definition(entry, def.clone());
            }
        }
        for (def, text) in definitions.values_mut() {
            *text = def.to_string();
        }
        // Each statement's own tokens, also before the transaction.
        let mut own: HashMap<&str, Tokens> = batch
            .iter()
            .map(|s| (s.id.as_str(), own_tokens(&s.terms)))
            .collect();
        let is_postgres = matches!(self.pool, Pool::Postgres(_));
        let pool = &self.pool;
        let (count, remember) = write_tx!(self, |tx| {
            if is_postgres {
                // DIALECT: one writer at a time, so that `seq` grows in commit order.
                sqlx::query("SELECT pg_advisory_xact_lock(7326001)")
                    .execute(&mut *tx)
                    .await?;
            }
            // Ids already stored.
            let ids: Vec<&str> = batch
                .iter()
                .filter(|s| s.id_given)
                .map(|s| s.id.as_str())
                .collect();
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
            let (floor, newest): (Option<i64>, Option<i64>) = sqlx::query_as(
                "SELECT (SELECT MAX(stored) FROM statements), (SELECT MAX(seq) FROM statements)",
            )
            .fetch_one(&mut *tx)
            .await?;
            let newest = newest.unwrap_or(0);
            let raised: Vec<NewStatement>;
            let fresh: Vec<&NewStatement> = match floor {
                Some(floor) if fresh.iter().any(|s| s.stored < floor) => {
                    raised = fresh.iter().map(|s| raise_stored(s, floor)).collect();
                    raised.iter().collect()
                }
                _ => fresh,
            };
            // Filters match through StatementRefs: a referring statement takes its target's
            // tokens, whether the target was stored before or comes in this batch (also
            // along a chain of references in the batch, at most 16 links).
            let mut tokens: Vec<Tokens> = fresh
                .iter()
                .map(|s| own.remove(s.id.as_str()).unwrap_or_default())
                .collect();
            let in_batch: HashMap<&str, usize> = fresh
                .iter()
                .enumerate()
                .map(|(i, s)| (s.id.as_str(), i))
                .collect();
            let targets: Vec<&str> = fresh
                .iter()
                .filter_map(|s| s.reference.as_deref())
                .filter(|t| !in_batch.contains_key(t))
                .collect();
            let stored_targets: HashMap<String, Tokens> = select_in!(
                tx,
                pool,
                (String, Option<String>),
                "SELECT id, terms FROM statements WHERE id IN ({})",
                targets
            )
            .into_iter()
            .map(|(id, terms)| (id, parse_tokens(terms.as_deref())))
            .collect();
            for _ in 0..16 {
                let mut changed = false;
                for i in 0..fresh.len() {
                    let Some(target) = fresh[i].reference.as_deref() else {
                        continue;
                    };
                    let add = match in_batch.get(target) {
                        Some(&j) if j != i => tokens[j].clone(),
                        Some(_) => continue,
                        None => match stored_targets.get(target) {
                            Some(t) => t.clone(),
                            None => continue,
                        },
                    };
                    if !add.is_subset(&tokens[i]) {
                        tokens[i].extend(add);
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
            }
            // The statements, with their sequence numbers back.
            let mut seqs: HashMap<String, i64> = HashMap::with_capacity(fresh.len());
            for (chunk, chunk_tokens) in fresh.chunks(BATCH / 3).zip(tokens.chunks(BATCH / 3)) {
                let sql = anonymous(pool, format!(
                    "INSERT INTO statements (id, body, stored, verb, voids, ref, credential_id, attachments, terms) \
                     VALUES {} RETURNING id, seq",
                    placeholders(1, chunk.len(), 9)
                ));
                let mut q = sqlx::query_as::<_, (String, i64)>(&sql);
                for (s, t) in chunk.iter().zip(chunk_tokens) {
                    q = q
                        .bind(&s.id)
                        .bind(&s.body)
                        .bind(s.stored)
                        .bind(&s.verb)
                        .bind(&s.voids)
                        .bind(&s.reference)
                        .bind(credential)
                        .bind(i64::from(!s.attachments.is_empty()))
                        .bind(join_tokens(t));
                }
                seqs.extend(q.fetch_all(&mut *tx).await?);
            }
            let mut index: Vec<(i64, &Tokens)> = fresh
                .iter()
                .zip(&tokens)
                .map(|(s, t)| (seqs[&s.id], t))
                .collect();
            // Later arrivals: statements stored before that refer to one of these take its
            // tokens too, and so on up a chain of references (at most 16 links).
            let mut frontier: HashMap<String, Tokens> = fresh
                .iter()
                .zip(&tokens)
                .map(|(s, t)| (s.id.clone(), t.clone()))
                .collect();
            // The first round also finds statements that voided one of these before it came.
            let mut updated: Vec<(i64, Tokens)> = Vec::new();
            let mut voided_late: Vec<String> = Vec::new();
            for round in 0..16 {
                if frontier.is_empty() {
                    break;
                }
                let ids: Vec<&str> = frontier.keys().map(String::as_str).collect();
                let referrers: Vec<(i64, String, String, Option<String>, bool)> = select_in!(
                    tx,
                    pool,
                    (i64, String, String, Option<String>, bool),
                    "SELECT seq, id, ref, terms, voids IS NOT NULL FROM statements WHERE ref IN ({})",
                    ids
                );
                let mut next = HashMap::new();
                for (seq, id, target, terms, voiding) in referrers {
                    if in_batch.contains_key(id.as_str()) {
                        continue;
                    }
                    if round == 0 && voiding {
                        voided_late.push(target.clone());
                    }
                    let mut have = match updated.iter().find(|(s, _)| *s == seq) {
                        Some((_, t)) => t.clone(),
                        None => parse_tokens(terms.as_deref()),
                    };
                    let add = &frontier[&target];
                    if add.is_subset(&have) {
                        continue;
                    }
                    have.extend(add.iter().cloned());
                    sqlx::query("UPDATE statements SET terms = $1 WHERE seq = $2")
                        .bind(join_tokens(&have))
                        .bind(seq)
                        .execute(&mut *tx)
                        .await?;
                    updated.retain(|(s, _)| *s != seq);
                    updated.push((seq, have.clone()));
                    next.insert(id, have);
                }
                frontier = next;
            }
            // The index: new statements' tokens, and the grown token sets of earlier ones.
            let replaced: Vec<i64> = updated.iter().map(|(seq, _)| *seq).collect();
            index.extend(updated.iter().map(|(seq, t)| (*seq, t)));
            write_index!(tx, pool, &index, &replaced);
            // Voiding: a voiding statement voids its target unless the target voids others;
            // a statement voided before it arrived (found above) is voided as it arrives.
            for s in &fresh {
                if let Some(target) = &s.voids {
                    sqlx::query("UPDATE statements SET voided = 1 WHERE id = $1 AND voids IS NULL")
                        .bind(target)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            for target in &voided_late {
                sqlx::query("UPDATE statements SET voided = 1 WHERE id = $1 AND voids IS NULL")
                    .bind(target)
                    .execute(&mut *tx)
                    .await?;
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
            // over what was known (language maps merge by language). A definition that is
            // already the stored one, as most are, costs a comparison of two strings, and on
            // SQLite not even a lookup when this process stored or read it last.
            let remembered: Vec<&str> = if is_postgres {
                Vec::new()
            } else {
                let cache = self.definitions.lock().expect("definitions cache");
                definitions
                    .iter()
                    .filter(|(id, (_, text))| cache.knows(newest, id, text))
                    .map(|(id, _)| *id)
                    .collect()
            };
            let ids: Vec<&str> = definitions
                .keys()
                .copied()
                .filter(|id| !remembered.contains(id))
                .collect();
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
            let mut now_stored: Vec<(String, String)> = Vec::new();
            for id in ids {
                let (def, text) = &definitions[id];
                let stored = match known.get(id) {
                    None => {
                        changed.push((id, text.clone()));
                        text.clone()
                    }
                    Some(old) if old == text => old.clone(),
                    Some(old) => {
                        let mut merged =
                            serde_json::from_str(old).unwrap_or(serde_json::Value::Null);
                        merge_definition(&mut merged, def.clone());
                        let merged = merged.to_string();
                        if *old != merged {
                            changed.push((id, merged.clone()));
                        }
                        merged
                    }
                };
                now_stored.push((id.to_string(), stored));
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
            let last = seqs.values().copied().max().unwrap_or(newest);
            (fresh.len(), (newest, last, now_stored))
        });
        if !is_postgres {
            let (before, last, stored) = remember;
            self.definitions
                .lock()
                .expect("definitions cache")
                .committed(before, last, stored);
        }
        Ok(count)
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
        // (term key, whether only core occurrences count)
        let mut terms: Vec<(String, bool)> = Vec::new();
        if let Some(a) = &q.agent {
            terms.push((term_key(&format!("a:{a}")), !q.related_agents));
        }
        if let Some(v) = &q.verb {
            terms.push((term_key(&format!("v:{v}")), false));
        }
        if let Some(o) = &q.activity {
            terms.push((term_key(&format!("o:{o}")), !q.related_activities));
        }
        if let Some(r) = &q.registration {
            terms.push((term_key(&format!("r:{r}")), false));
        }
        let order = if q.ascending { "ASC" } else { "DESC" };
        let sqlite = matches!(self.pool, Pool::Sqlite(_));
        // Parameters are numbered in the order they are bound: terms first, then integers.
        let mut n = 0;
        let mut param = || {
            n += 1;
            format!("${n}")
        };
        let mut conditions = vec!["s.voided = 0".to_string()];
        let mut texts: Vec<String> = Vec::new();
        let (from, seq_col) = if terms.is_empty() {
            ("statements s", "s.seq")
        } else if sqlite {
            // DIALECT: one full-text match drives the query, newest (or oldest) first, and
            // stops at the limit; CROSS JOIN keeps SQLite from starting at `statements`.
            let expression: Vec<String> = terms
                .iter()
                .map(|(key, core)| {
                    if *core {
                        format!("c{key}")
                    } else {
                        format!("(c{key} OR r{key})")
                    }
                })
                .collect();
            conditions.push(format!("statement_index MATCH {}", param()));
            texts.push(expression.join(" AND "));
            (
                "statement_index f CROSS JOIN statements s ON s.seq = f.rowid",
                "f.rowid",
            )
        } else {
            for (i, (key, core)) in terms.iter().enumerate() {
                let t = param();
                let c = if *core { " AND core = 1" } else { "" };
                conditions.push(if i == 0 {
                    format!("t.term = {t}{}", c.replace("core", "t.core"))
                } else {
                    format!(
                        "EXISTS (SELECT 1 FROM statement_terms u WHERE u.term = {t} AND u.seq = s.seq{})",
                        c.replace("core", "u.core")
                    )
                });
                texts.push(key.clone());
            }
            (
                "statement_terms t JOIN statements s ON s.seq = t.seq",
                "t.seq",
            )
        };
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
            for t in &texts {
                query = query.bind(t);
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
