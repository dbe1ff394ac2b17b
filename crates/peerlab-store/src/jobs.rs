//! Durable jobs: a queue in the `jobs` table that every node claims from.
//!
//! The table's invariants, which every method here keeps:
//! - A job is `pending` until a node claims it. The claim sets `running`, counts an attempt,
//!   and records the node in `locked_by` with a lease (`lease_until`). Only one node can
//!   claim a job: PostgreSQL skips rows another transaction has locked (`FOR UPDATE SKIP
//!   LOCKED`), and SQLite claims in the write transaction, which serialises writers.
//! - A `running` job whose lease has passed belongs to a node that stopped (or stalled): the
//!   next claim takes it again. So a job runs at least once, and possibly more than once; a
//!   handler must be safe to repeat.
//! - Only the node named in `locked_by` can finish or fail a job, so a node whose lease
//!   expired and whose job was taken over cannot complete it a second time.
//! - A job that fails its last attempt (or whose lease expires after it) ends `failed` with
//!   its last error kept; `done` and `failed` are final.
//! - `dedupe_key` is unique: enqueueing a job whose key exists, in any state, does nothing.

use serde::Serialize;

use crate::tx::{on_conn, Tx};
use crate::{on_pool, write_tx, Pool, Result, Store, StoreError};

/// Where a job is in its life; see the module's invariants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Pending,
    Running,
    Done,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }
}

impl TryFrom<String> for JobState {
    type Error = StoreError;

    fn try_from(s: String) -> Result<Self> {
        Ok(match s.as_str() {
            "pending" => JobState::Pending,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            other => return Err(StoreError::Config(format!("unknown job state '{other}'"))),
        })
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    /// JSON text, read by the job's handler.
    pub payload: String,
    pub run_at: i64,
    /// Claims so far, the current one included.
    pub attempts: i64,
    pub max_attempts: i64,
    #[sqlx(try_from = "String")]
    pub state: JobState,
    pub locked_by: Option<String>,
    pub lease_until: Option<i64>,
    pub last_error: Option<String>,
    pub dedupe_key: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    /// What the handler said of a job it finished ("sent to a@b.c").
    pub outcome: Option<String>,
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub kind: String,
    /// JSON text.
    pub payload: String,
    /// Not before this time (Unix ms).
    pub run_at: i64,
    /// Claims allowed before the job ends `failed`; at least 1.
    pub max_attempts: i64,
    /// Set to schedule at most one job for this key, ever.
    pub dedupe_key: Option<String>,
}

/// What [`Store::purge_expired`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Purged {
    pub sessions: u64,
    pub invitations: u64,
    pub login_windows: u64,
}

pub(crate) const JOB_COLUMNS: &str = "id, kind, payload, run_at, attempts, max_attempts, state, \
     locked_by, lease_until, last_error, dedupe_key, created_at, finished_at, outcome";

/// Due work: a pending job whose time has come, or a running one whose node's lease passed
/// and which has attempts left. `$1` is now.
const DUE: &str = "(state = 'pending' AND run_at <= $1) \
     OR (state = 'running' AND lease_until < $1 AND attempts < max_attempts)";

const INSERT_JOB: &str =
    "INSERT INTO jobs (kind, payload, run_at, max_attempts, dedupe_key, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id";

impl Tx<'_> {
    /// Adds a job inside a write transaction, so that it is enqueued exactly when the
    /// transaction's other writes commit; `None` when a job with its dedupe key exists.
    pub(crate) async fn enqueue_job(&mut self, job: &NewJob, now: i64) -> Result<Option<i64>> {
        Ok(on_conn!(self, |c| sqlx::query_scalar(INSERT_JOB)
            .bind(&job.kind)
            .bind(&job.payload)
            .bind(job.run_at)
            .bind(job.max_attempts.max(1))
            .bind(&job.dedupe_key)
            .bind(now)
            .fetch_optional(&mut *c)
            .await)?)
    }
}

impl Store {
    /// Adds a job; `None` when a job with its dedupe key exists already.
    pub async fn enqueue_job(&self, job: &NewJob, now: i64) -> Result<Option<i64>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(INSERT_JOB)
            .bind(&job.kind)
            .bind(&job.payload)
            .bind(job.run_at)
            .bind(job.max_attempts.max(1))
            .bind(&job.dedupe_key)
            .bind(now)
            .fetch_optional(p)
            .await)?)
    }

    /// One job by id.
    pub async fn job(&self, id: i64) -> Result<Option<Job>> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// Claims up to `limit` due jobs for `node`, oldest `run_at` first, each leased until
    /// `now + lease_ms`. Jobs whose lease expired after their last attempt end `failed` here.
    pub async fn claim_jobs(
        &self,
        node: &str,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<Job>> {
        // A read first (of due jobs and of expired leases with no attempts left, which the
        // write below fails), so that an idle queue (the usual case, polled every second) never
        // takes SQLite's write lock or opens a PostgreSQL write transaction.
        let due_sql = format!(
            "SELECT EXISTS (SELECT 1 FROM jobs WHERE {DUE} \
             OR (state = 'running' AND lease_until < $1))"
        );
        let due: bool = on_pool!(self, |p| sqlx::query_scalar(&due_sql)
            .bind(now)
            .fetch_one(p)
            .await)?;
        if !due {
            return Ok(Vec::new());
        }
        // DIALECT: PostgreSQL skips the rows another node's claim has locked; SQLite's write
        // transaction already lets one claim run at a time.
        let skip_locked = match self.pool {
            Pool::Postgres(_) => " FOR UPDATE SKIP LOCKED",
            Pool::Sqlite(_) => "",
        };
        let claim_sql = format!(
            "UPDATE jobs SET state = 'running', locked_by = $2, lease_until = $3, \
             attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM jobs WHERE {DUE} ORDER BY run_at, id LIMIT $4{skip_locked}) \
             RETURNING {JOB_COLUMNS}"
        );
        let mut jobs: Vec<Job> = write_tx!(self, |tx| {
            sqlx::query(
                "UPDATE jobs SET state = 'failed', finished_at = $1, locked_by = NULL, lease_until = NULL, \
                 last_error = COALESCE(last_error, 'the node running it stopped before it finished') \
                 WHERE state = 'running' AND lease_until < $1 AND attempts >= max_attempts",
            )
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query_as(&claim_sql)
                .bind(now)
                .bind(node)
                .bind(now.saturating_add(lease_ms))
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?
        });
        // RETURNING gives rows in no promised order.
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    /// Marks `node`'s running job done, with what its handler said of it. `false` when the
    /// job is no longer this node's (its lease expired and another node claimed it), which
    /// changes nothing.
    pub async fn finish_job(
        &self,
        id: i64,
        node: &str,
        now: i64,
        outcome: Option<&str>,
    ) -> Result<bool> {
        let done = on_pool!(self, |p| {
            sqlx::query(
            "UPDATE jobs SET state = 'done', finished_at = $3, locked_by = NULL, lease_until = NULL, \
             outcome = $4 WHERE id = $1 AND locked_by = $2 AND state = 'running'"
        )
        .bind(id)
        .bind(node)
        .bind(now)
        .bind(outcome)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(done == 1)
    }

    /// Records that `node`'s attempt at a job failed with `error`. The job runs again at
    /// `retry_at` if it has attempts left; otherwise, or with no `retry_at`, it ends `failed`.
    /// `false` when the job is no longer this node's, which changes nothing.
    pub async fn fail_job(
        &self,
        id: i64,
        node: &str,
        error: &str,
        retry_at: Option<i64>,
        now: i64,
    ) -> Result<bool> {
        let done = on_pool!(self, |p| {
            sqlx::query(
            "UPDATE jobs SET \
               state = CASE WHEN $4 IS NOT NULL AND attempts < max_attempts THEN 'pending' ELSE 'failed' END, \
               finished_at = CASE WHEN $4 IS NOT NULL AND attempts < max_attempts THEN NULL ELSE $5 END, \
               run_at = COALESCE($4, run_at), locked_by = NULL, lease_until = NULL, last_error = $3 \
             WHERE id = $1 AND locked_by = $2 AND state = 'running'"
        )
        .bind(id)
        .bind(node)
        .bind(error)
        .bind(retry_at)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(done == 1)
    }

    /// Enqueues a copy of a finished job (done or failed) to run now: an admin's replay of a
    /// delivery. The copy has no dedupe key. `None` when the job does not exist or has not
    /// finished.
    pub async fn replay_job(&self, id: i64, now: i64) -> Result<Option<i64>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "INSERT INTO jobs (kind, payload, run_at, max_attempts, created_at) \
             SELECT kind, payload, $2, max_attempts, $2 FROM jobs \
             WHERE id = $1 AND state IN ('done', 'failed') RETURNING id"
        )
        .bind(id)
        .bind(now)
        .fetch_optional(p)
        .await)?)
    }

    /// Removes expired login sessions, invitation links that expired or were used (a used
    /// link is spent: [`Store::accept_invitation`] spends all of a person's links), and
    /// login-throttle windows older than a day.
    pub async fn purge_expired(&self, now: i64) -> Result<Purged> {
        Ok(on_pool!(self, |p| {
            let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(p)
                .await?
                .rows_affected();
            let invitations = sqlx::query(
                "DELETE FROM invitations WHERE expires_at <= $1 OR used_at IS NOT NULL",
            )
            .bind(now)
            .execute(p)
            .await?
            .rows_affected();
            let login_windows = sqlx::query("DELETE FROM login_failures WHERE window_start <= $1")
                .bind(now - 86_400_000)
                .execute(p)
                .await?
                .rows_affected();
            Ok::<_, sqlx::Error>(Purged {
                sessions,
                invitations,
                login_windows,
            })
        })?)
    }
}
