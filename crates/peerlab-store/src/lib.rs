//! peerlab's storage: one [`Store`] whose methods are the whole interface the rest of
//! peerlab sees, over two native backends — SQLite (embedded, the default) and PostgreSQL
//! (several stateless nodes share one).
//!
//! All SQL lives in this crate. Most statements are one text for both databases (`$1`
//! placeholders, `ON CONFLICT`, `RETURNING` work on both); the places where the dialects
//! differ are marked `DIALECT` and kept side by side. Each backend has its own migrations,
//! embedded in the binary and run at start.
//!
//! This crate must never know about HTTP, and never decides who may do what: callers check
//! authorisation before they call.

mod agenda;
mod auth;
mod coffee;
mod grouping;
mod groupings;
mod ids;
mod jobs;
mod location;
mod lrs;
mod notify;
mod outbound;
mod people;
mod programs;
mod sessions;
mod spaces;
mod tx;
mod webhooks;

use std::str::FromStr;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use agenda::{reminder_at, Board, Topic, BOARD_CLOSE, BOARD_REMINDER, MAX_TOPICS_PER_PERSON};
pub use auth::{ApiToken, SessionUser};
pub use coffee::{
    Circle, CoffeeMember, Formed, NewCoffeeRound, RoundSummary, COFFEE_ASK, COFFEE_ROUND,
    MET_ANSWERS,
};
pub use groupings::{
    Blocked, GroupMember, MeetingRow, MyGrouping, NewGroup, NewGroups, NewPartners, StoredGroup,
    StoredGrouping,
};
pub use ids::{CohortId, PersonId, PostId, ProgramId, SessionId, SkillId, SpaceId, ThreadId};
pub use jobs::{Job, JobState, NewJob, Purged};
pub use location::Location;
pub use lrs::{
    AttachmentData, Credential, DocKey, DocKind, Document, Expect, LrsStats, NewStatement,
    StatementQuery, StoredStatement,
};
pub use notify::Listener;
pub use outbound::{DigestDue, MailPrefs, Notice, PendingCalendar, Relay};
pub use people::{
    DirectoryFilter, Facets, ImportSummary, Invitation, Person, PersonSkill, PersonSummary,
    SkillRef,
};
pub use programs::{
    Cohort, EnrolReport, Enrolment, MyCohort, NewCohort, NewProgram, Program, ProgramSummary,
};
pub use sessions::{
    AttendanceRow, CalendarMessage, CheckinWindow, Invitee, NewSession, NewTimes, Session,
    SessionDetails,
};
pub use spaces::{
    action, Edit, LogEntry, Member, Membership, Moderation, NewSpace, NewThread, Notification,
    Post, PostInput, QueueItem, ReactionCount, SearchHit, SearchScope, Space, SpaceSettings,
    SpaceSummary, Thread, ThreadSummary, ThreadView, Written,
};
pub use webhooks::{NewWebhook, PendingStatement, Webhook};

/// What went wrong in storage. `NotFound` and `Conflict` are the caller's business (a 404 or
/// a 409); everything else is unexpected.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// A conditional write whose condition (an ETag, for instance) no longer holds.
    #[error("{0}")]
    Precondition(String),
    #[error("{0}")]
    Config(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Reads a keyword column (a post's state, a member's role) as its enum, so that Rust code
/// compares enums and never the words SQL stores. A word the enum does not know is a
/// decoding error, as it would be in a `FromRow` struct.
pub(crate) fn keyword<T>(raw: String) -> Result<T>
where
    T: TryFrom<String>,
    T::Error: std::error::Error + Send + Sync + 'static,
{
    T::try_from(raw).map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code against whichever pool the store has. The body is compiled once per
/// backend, so it can use sqlx's typed API on both without a type-erased driver.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}

/// Runs `body` in a write transaction and commits it if the body returns `Ok`; `?` inside
/// rolls back. SQLite transactions begin IMMEDIATE: they take the write lock up front, so two
/// writers (a server and a CLI command) queue on the busy timeout instead of failing.
macro_rules! write_tx {
    ($store:expr, |$tx:ident| $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite(_) => {
                let pool = $store.writer.as_ref().expect("a SQLite store has a writer");
                #[allow(unused_mut)]
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::Pool::Postgres(pool) => {
                #[allow(unused_mut)]
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}
pub(crate) use {on_pool, write_tx};

/// The database behind one peerlab installation.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    /// SQLite: the one connection that write transactions use. A connection's page cache
    /// survives its own commits but is dropped whenever another connection has written, so a
    /// single writer keeps the index pages it touches warm instead of reading them again.
    writer: Option<SqlitePool>,
    /// Held by every clone; the checkpoint task ends when the last one is dropped.
    _alive: Arc<()>,
    /// SQLite: activity definitions the writer knows to be stored (see the type).
    definitions: Arc<Mutex<lrs::KnownDefinitions>>,
}

/// SQLite: copies committed pages from the WAL into the database file four times a second,
/// off the writer's path. A PASSIVE checkpoint never waits for readers or the writer, and
/// the writer starts the WAL over once a checkpoint has caught up, so the WAL stays about as
/// large as a quarter of a second of writes.
async fn checkpoints(pool: SqlitePool, alive: Weak<()>) {
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if alive.upgrade().is_none() || pool.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            if !pool.is_closed() {
                tracing::warn!("WAL checkpoint failed: {e}");
            }
        }
    }
}

/// Whether [`Store::open`] may create a new, empty database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Create {
    /// The server creates its database on first start.
    IfMissing,
    /// Administrative commands work on an existing database only, so that a mistyped path is
    /// an error instead of a new empty database.
    MustExist,
}

impl Store {
    /// Connects, configures and migrates the database at `location`.
    pub async fn open(location: &Location, create: Create) -> Result<Self> {
        let mut writer = None;
        let alive = Arc::new(());
        let pool = match location {
            Location::Sqlite(path) => {
                if create == Create::MustExist && !path.exists() {
                    return Err(StoreError::Config(format!(
                        "there is no peerlab database at {}; check --data-dir or --database-url, or start \
                         `peerlab serve` there first",
                        path.display()
                    )));
                }
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(create == Create::IfMissing)
                    // WAL lets readers run beside the one writer. NORMAL synchronisation in WAL
                    // mode loses no committed transaction when the process crashes; only a
                    // power failure can roll back the last commits.
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    // Long enough for a 50,000-row import (about 10 s) to finish before a waiting
                    // writer gives up.
                    .busy_timeout(Duration::from_secs(30))
                    .pragma("cache_size", "-32000");
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(options.clone())
                    .await
                    .map_err(|e| {
                        StoreError::Config(format!("cannot open {}: {e}", path.display()))
                    })?;
                sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
                // The writer copies nothing back into the database file when it commits: a
                // task does that beside it (see `checkpoints`), so that a commit costs only
                // its own pages in the WAL.
                writer = Some(
                    SqlitePoolOptions::new()
                        .max_connections(1)
                        .connect_with(options.pragma("wal_autocheckpoint", "0"))
                        .await?,
                );
                tokio::spawn(checkpoints(pool.clone(), Arc::downgrade(&alive)));
                Pool::Sqlite(pool)
            }
            Location::Postgres(url) => {
                let options = sqlx::postgres::PgConnectOptions::from_str(url)
                    .map_err(|e| StoreError::Config(format!("invalid PostgreSQL URL: {e}")))?;
                // Each node keeps a modest pool: PostgreSQL's default limit is 100 connections,
                // shared by every node and by maintenance tools.
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .map_err(|e| {
                        StoreError::Config(format!("cannot connect to PostgreSQL: {e}"))
                    })?;
                sqlx::migrate!("./migrations/postgres").run(&pool).await?;
                Pool::Postgres(pool)
            }
        };
        let store = Self {
            pool,
            writer,
            _alive: alive,
            definitions: Arc::default(),
        };
        store.upgrade_statement_index().await?;
        Ok(store)
    }

    /// The backend's name, for logs and the admin page.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Succeeds when the database answers a query.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, |p| sqlx::query("SELECT 1")
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// The database's size on disk, for benchmarks: SQLite's file after a checkpoint, or
    /// PostgreSQL's `pg_database_size`.
    pub async fn disk_bytes(&self) -> Result<Option<i64>> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(p)
                    .await?;
                let pages: i64 = sqlx::query_scalar("PRAGMA page_count").fetch_one(p).await?;
                let size: i64 = sqlx::query_scalar("PRAGMA page_size").fetch_one(p).await?;
                Some(pages * size)
            }
            Pool::Postgres(p) => Some(
                sqlx::query_scalar("SELECT pg_database_size(current_database())")
                    .fetch_one(p)
                    .await?,
            ),
        })
    }

    pub async fn close(&self) {
        if let Some(w) = &self.writer {
            w.close().await;
        }
        on_pool!(self, |p| p.close().await)
    }
}

/// Maps a unique-constraint violation to a conflict with `message`; other errors pass through.
pub(crate) fn conflict_on_unique(
    message: impl FnOnce() -> String,
) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match e.as_database_error() {
        Some(d) if d.is_unique_violation() => StoreError::Conflict(message()),
        _ => StoreError::Database(e),
    }
}
