//! Outgoing webhooks, and the relay's side of the statements they carry: like notifications
//! (see `outbound.rs`), statements are read by a flag (`relayed = 0`), marked and turned into
//! delivery jobs in one guarded transaction per batch.

use serde::Serialize;

use crate::tx::Tx;
use crate::{on_pool, write_tx, NewJob, PersonId, Result, SpaceId, Store};

/// A webhook as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Webhook {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub format: String,
    #[serde(skip)]
    pub secret: String,
    pub space_id: Option<SpaceId>,
    pub space_name: Option<String>,
    pub verbs: String,
    pub allow_loopback: bool,
    /// It hears of statements after this one.
    pub since_seq: i64,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
}

/// A webhook to add; the caller checked it.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub name: String,
    pub url: String,
    pub format: String,
    pub secret: String,
    pub space_id: Option<SpaceId>,
    pub verbs: String,
    pub allow_loopback: bool,
    pub created_by: PersonId,
}

/// A statement the relay has not offered to the webhooks yet.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingStatement {
    pub seq: i64,
    pub verb: String,
    pub body: String,
}

const HOOK_SELECT: &str = "SELECT h.id, h.name, h.url, h.format, h.secret, h.space_id, \
     s.name AS space_name, h.verbs, (h.allow_loopback <> 0) AS allow_loopback, h.since_seq, h.created_at, \
     h.disabled_at FROM webhooks h LEFT JOIN spaces s ON s.id = h.space_id";

impl Store {
    pub async fn create_webhook(&self, hook: &NewWebhook, now: i64) -> Result<i64> {
        Ok(on_pool!(self, |p| {
            sqlx::query_scalar(
            "INSERT INTO webhooks (name, url, format, secret, space_id, verbs, allow_loopback, created_by, created_at, since_seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, (SELECT COALESCE(MAX(seq), 0) FROM statements)) RETURNING id"
        )
        .bind(&hook.name)
        .bind(&hook.url)
        .bind(&hook.format)
        .bind(&hook.secret)
        .bind(hook.space_id)
        .bind(&hook.verbs)
        .bind(i64::from(hook.allow_loopback))
        .bind(hook.created_by)
        .bind(now)
        .fetch_one(p)
        .await
        })?)
    }

    /// Every webhook, newest first.
    pub async fn webhooks(&self) -> Result<Vec<Webhook>> {
        let sql = format!("{HOOK_SELECT} ORDER BY h.id DESC");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql).fetch_all(p).await)?)
    }

    pub async fn webhook(&self, id: i64) -> Result<Option<Webhook>> {
        let sql = format!("{HOOK_SELECT} WHERE h.id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// Stops a webhook: nothing more is sent to it; its log stays. `false` when it did not
    /// exist or was stopped already.
    pub async fn disable_webhook(&self, id: i64, now: i64) -> Result<bool> {
        let done = on_pool!(self, |p| sqlx::query(
            "UPDATE webhooks SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL"
        )
        .bind(id)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Up to `limit` statements not offered to the webhooks yet, oldest first.
    pub async fn unrelayed_statements(&self, limit: i64) -> Result<Vec<PendingStatement>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT seq, verb, body FROM statements WHERE relayed = 0 ORDER BY seq LIMIT $1",
            )
            .bind(limit)
            .fetch_all(p)
            .await
        })?)
    }

    /// Marks statements offered and enqueues their deliveries, in one transaction: a
    /// statement another node marked first enqueues nothing here. `jobs` pairs a statement's
    /// `seq` with its deliveries.
    pub async fn relay_statements(&self, jobs: &[(i64, Vec<NewJob>)], now: i64) -> Result<u64> {
        if jobs.is_empty() {
            return Ok(0);
        }
        let marked = write_tx!(self, |tx| {
            let mut marked = 0;
            for (seq, deliveries) in jobs {
                let hit =
                    sqlx::query("UPDATE statements SET relayed = 1 WHERE seq = $1 AND relayed = 0")
                        .bind(seq)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                if hit == 0 {
                    continue;
                }
                marked += 1;
                for job in deliveries {
                    Tx::from(&mut *tx).enqueue_job(job, now).await?;
                }
            }
            marked
        });
        Ok(marked)
    }

    /// Marks every statement offered, when no webhook wants any: one update, and none at
    /// all when nothing waits (the usual case, polled every second), so an idle node never
    /// takes SQLite's write lock for it.
    pub async fn skip_unrelayed_statements(&self) -> Result<u64> {
        let waiting: bool = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM statements WHERE relayed = 0)"
        )
        .fetch_one(p)
        .await)?;
        if !waiting {
            return Ok(0);
        }
        Ok(on_pool!(self, |p| sqlx::query(
            "UPDATE statements SET relayed = 1 WHERE relayed = 0"
        )
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?)
    }

    /// A stored statement's body by its `seq`.
    pub async fn statement_body(&self, seq: i64) -> Result<Option<String>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT body FROM statements WHERE seq = $1"
        )
        .bind(seq)
        .fetch_optional(p)
        .await)?)
    }

    /// A webhook's deliveries, newest first (its log).
    pub async fn webhook_jobs(&self, hook: i64, limit: i64) -> Result<Vec<crate::Job>> {
        let sql = format!(
            "SELECT {} FROM jobs WHERE kind = 'webhook' AND payload LIKE $1 ORDER BY id DESC LIMIT $2",
            crate::jobs::JOB_COLUMNS
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(format!("{{\"hook\":{hook},%"))
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }
}
