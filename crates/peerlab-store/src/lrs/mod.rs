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

mod credentials;
mod documents;
mod index;
mod ingest;
mod queries;

pub use credentials::Credential;
pub use documents::{DocKey, DocKind, Document, Expect};
pub(crate) use ingest::KnownDefinitions;

use std::collections::{BTreeSet, HashMap};

use sha2::{Digest, Sha256};

use serde::Serialize;

use crate::{on_pool, write_tx, Pool, Result, Store, StoreError};

/// Rows per multi-row INSERT: well under both databases' limits on parameters.
const BATCH: usize = 300;

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
fn anonymous(postgres: bool, sql: String) -> String {
    if postgres {
        return sql;
    }
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
