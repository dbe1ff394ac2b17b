//! Outbound: the rows that carry what peerlab sends out of the product, and the people's
//! choices about it.
//!
//! Features never send anything themselves. They write what happened where they already do
//! (a notification, a calendar message) in their own transaction; the **relay** (a step of
//! every node's job runner, in peerlab-web's `outbound` module) later reads the rows it has
//! not dealt with and, in one write transaction per batch, marks each one and enqueues the
//! job that delivers it. The mark is a guarded update (`… WHERE relay IS NULL`), and a job is
//! enqueued only for a row whose mark this transaction made, so two nodes relaying at once
//! enqueue each delivery once, and a crash before the commit leaves the rows to relay again.
//! Reading rows by a flag rather than an id cursor matters on PostgreSQL, whose transactions
//! can commit ids out of order.

use peerlab_core::space::{NoticeKind, Visibility};
use serde::Serialize;

use crate::tx::Tx;
use crate::{on_pool, write_tx, Job, NewJob, PersonId, Result, SessionId, SpaceId, Store};

/// A notification the relay has not dealt with yet, or one waiting for its digest, with what
/// an e-mail about it needs.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Notice {
    pub id: i64,
    pub person_id: PersonId,
    pub email: String,
    pub name: String,
    pub time_zone: String,
    #[sqlx(try_from = "String")]
    pub kind: NoticeKind,
    pub actor_name: Option<String>,
    pub space_id: SpaceId,
    pub space_name: String,
    #[sqlx(try_from = "String")]
    pub visibility: Visibility,
    pub thread_id: Option<i64>,
    pub thread_title: Option<String>,
    pub post_id: Option<i64>,
    /// The post's Markdown, when it is visible.
    pub post_body: Option<String>,
    pub session_id: Option<SessionId>,
    pub session_title: Option<String>,
    pub created_at: i64,
}

const NOTICE_SELECT: &str = "SELECT n.id, n.person_id, p.email, p.name, p.time_zone, n.kind, \
     a.name AS actor_name, n.space_id, s.name AS space_name, s.visibility, n.thread_id, \
     t.title AS thread_title, n.post_id, \
     (SELECT po.body FROM posts po WHERE po.id = n.post_id AND po.state = 'visible') AS post_body, \
     n.session_id, ls.title AS session_title, n.created_at \
     FROM notifications n JOIN people p ON p.id = n.person_id JOIN spaces s ON s.id = n.space_id \
     LEFT JOIN threads t ON t.id = n.thread_id LEFT JOIN learning_sessions ls ON ls.id = n.session_id \
     LEFT JOIN people a ON a.id = n.actor_id";

/// A calendar message the relay has not dealt with yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PendingCalendar {
    pub id: i64,
    pub session_id: SessionId,
    pub person_id: PersonId,
    pub email: String,
    pub method: String,
    pub sequence: i64,
    /// The session's title, for the subject.
    pub title: String,
    /// Whether no later message to this person about this session exists (an older one is
    /// superseded: the later one says what their calendar should hold).
    pub latest: bool,
}

/// What the relay decided for one row: how to mark it, and the job that delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relay {
    pub id: i64,
    /// For notifications: `mail`, `digest` or `none`; for calendar messages it is ignored.
    pub mark: &'static str,
    pub job: Option<NewJob>,
}

/// A person's e-mail choices: per topic, and how often their digest comes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MailPrefs {
    /// `(topic, mode)` for the topics the person has chosen; others keep their default.
    pub modes: Vec<(String, String)>,
    /// `daily` or `weekly`.
    pub digest: String,
}

/// A person with notifications waiting for their digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DigestDue {
    pub person_id: PersonId,
    pub time_zone: String,
    pub frequency: String,
}

/// Which rows a relay marks.
#[derive(Clone, Copy)]
enum Marks {
    Notifications,
    Calendar,
}

impl Store {
    /// Up to `limit` notifications the relay has not dealt with, oldest first.
    pub async fn unrelayed_notices(&self, limit: i64) -> Result<Vec<Notice>> {
        let sql = format!("{NOTICE_SELECT} WHERE n.relay IS NULL ORDER BY n.id LIMIT $1");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// Marks notifications and enqueues their jobs, in one transaction: a row another node
    /// marked first gets neither. Returns how many rows this call marked.
    pub async fn relay_notices(&self, relays: &[Relay], now: i64) -> Result<u64> {
        self.relay(relays, Marks::Notifications, now).await
    }

    /// Up to `limit` calendar messages the relay has not dealt with, oldest first.
    pub async fn unrelayed_calendar(&self, limit: i64) -> Result<Vec<PendingCalendar>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT m.id, m.session_id, m.person_id, p.email, m.method, m.sequence, s.title, \
             NOT EXISTS (SELECT 1 FROM calendar_messages l WHERE l.session_id = m.session_id \
               AND l.person_id = m.person_id AND l.id > m.id) AS latest \
             FROM calendar_messages m JOIN people p ON p.id = m.person_id \
             JOIN learning_sessions s ON s.id = m.session_id \
             WHERE m.sent_at IS NULL ORDER BY m.id LIMIT $1"
        )
        .bind(limit)
        .fetch_all(p)
        .await)?)
    }

    /// Marks calendar messages dealt with and enqueues their jobs; see
    /// [`Store::relay_notices`].
    pub async fn relay_calendar(&self, relays: &[Relay], now: i64) -> Result<u64> {
        self.relay(relays, Marks::Calendar, now).await
    }

    async fn relay(&self, relays: &[Relay], marks: Marks, now: i64) -> Result<u64> {
        if relays.is_empty() {
            return Ok(0);
        }
        let marked = write_tx!(self, |tx| {
            let mut marked = 0;
            for r in relays {
                let mark = match marks {
                    Marks::Notifications => sqlx::query(
                        "UPDATE notifications SET relay = $2 WHERE id = $1 AND relay IS NULL",
                    )
                    .bind(r.id)
                    .bind(r.mark),
                    Marks::Calendar => sqlx::query(
                        "UPDATE calendar_messages SET sent_at = $2 WHERE id = $1 AND sent_at IS NULL",
                    )
                    .bind(r.id)
                    .bind(now),
                };
                let hit = mark.execute(&mut *tx).await?.rows_affected();
                if hit == 0 {
                    continue;
                }
                marked += 1;
                if let Some(job) = &r.job {
                    Tx::from(&mut *tx).enqueue_job(job, now).await?;
                }
            }
            marked
        });
        Ok(marked)
    }

    /// One calendar message.
    pub async fn calendar_message(&self, id: i64) -> Result<Option<crate::CalendarMessage>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT id, session_id, person_id, method, sequence, created_at FROM calendar_messages WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await
        })?)
    }

    /// One notification with what its e-mail needs, whatever its relay mark; `None` once it
    /// is gone (the person left the space, the thread was deleted).
    pub async fn notice(&self, id: i64) -> Result<Option<Notice>> {
        let sql = format!("{NOTICE_SELECT} WHERE n.id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// A person's e-mail choices.
    pub async fn mail_prefs(&self, person: PersonId) -> Result<MailPrefs> {
        let (modes, digest): (Vec<(String, String)>, Option<String>) = on_pool!(self, |p| {
            let modes = sqlx::query_as(
                "SELECT topic, mode FROM notification_prefs WHERE person_id = $1 ORDER BY topic",
            )
            .bind(person)
            .fetch_all(p)
            .await?;
            let digest =
                sqlx::query_scalar("SELECT frequency FROM digest_settings WHERE person_id = $1")
                    .bind(person)
                    .fetch_optional(p)
                    .await?;
            Ok::<_, sqlx::Error>((modes, digest))
        })?;
        Ok(MailPrefs {
            modes,
            digest: digest.unwrap_or_else(|| "daily".into()),
        })
    }

    /// Sets some of a person's choices (the topics given; the digest's frequency when
    /// `Some`), in one transaction. Callers check topics and modes.
    pub async fn set_mail_prefs(
        &self,
        person: PersonId,
        modes: &[(&str, &str)],
        digest: Option<&str>,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            for (topic, mode) in modes {
                sqlx::query(
                    "INSERT INTO notification_prefs (person_id, topic, mode) VALUES ($1, $2, $3) \
                     ON CONFLICT (person_id, topic) DO UPDATE SET mode = excluded.mode",
                )
                .bind(person)
                .bind(topic)
                .bind(mode)
                .execute(&mut *tx)
                .await?;
            }
            if let Some(frequency) = digest {
                sqlx::query(
                    "INSERT INTO digest_settings (person_id, frequency) VALUES ($1, $2) \
                     ON CONFLICT (person_id) DO UPDATE SET frequency = excluded.frequency",
                )
                .bind(person)
                .bind(frequency)
                .execute(&mut *tx)
                .await?;
            }
        });
        Ok(())
    }

    /// The choices of everyone in `people`, for the relay: `(person, topic, mode)`.
    pub async fn modes_of(&self, people: &[PersonId]) -> Result<Vec<(PersonId, String, String)>> {
        if people.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = people.iter().map(PersonId::to_string).collect();
        let sql = format!(
            "SELECT person_id, topic, mode FROM notification_prefs WHERE person_id IN ({})",
            ids.join(",")
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql).fetch_all(p).await)?)
    }

    /// Everyone with notifications waiting for a digest.
    pub async fn digests_due(&self) -> Result<Vec<DigestDue>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT p.id AS person_id, p.time_zone, COALESCE(d.frequency, 'daily') AS frequency \
             FROM people p LEFT JOIN digest_settings d ON d.person_id = p.id \
             WHERE EXISTS (SELECT 1 FROM notifications n WHERE n.person_id = p.id AND n.relay = 'digest') \
             ORDER BY p.id"
        )
        .fetch_all(p)
        .await
        })?)
    }

    /// A person's notifications waiting for their digest, oldest first, at most `limit`.
    pub async fn digest_notices(&self, person: PersonId, limit: i64) -> Result<Vec<Notice>> {
        let sql = format!(
            "{NOTICE_SELECT} WHERE n.person_id = $1 AND n.relay = 'digest' ORDER BY n.id LIMIT $2"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(person)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// Marks notifications as sent in a digest.
    pub async fn mark_digested(&self, ids: &[i64]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        let sql = format!(
            "UPDATE notifications SET relay = 'digested' WHERE relay = 'digest' AND id IN ({})",
            list.join(",")
        );
        on_pool!(self, |p| sqlx::query(&sql).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// This instance's key called `name`: `fresh` is stored the first time any node asks,
    /// and every later call, on any node, returns the stored one.
    pub async fn instance_key(&self, name: &str, fresh: &str) -> Result<String> {
        Ok(on_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO instance_keys (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(fresh)
            .execute(p)
            .await?;
            sqlx::query_scalar("SELECT value FROM instance_keys WHERE name = $1")
                .bind(name)
                .fetch_one(p)
                .await
        })?)
    }

    /// The newest jobs of the given kinds, for the outbound queue: at most `limit`, newest
    /// first, only those in `state` when it is given.
    pub async fn jobs_of_kinds(
        &self,
        kinds: &[&str],
        state: Option<crate::JobState>,
        limit: i64,
    ) -> Result<Vec<Job>> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = kinds
            .iter()
            .map(|k| format!("'{}'", k.replace('\'', "''")))
            .collect();
        let state_clause = match state {
            Some(s) => format!(" AND state = '{}'", s.as_str()),
            None => String::new(),
        };
        let sql = format!(
            "SELECT {} FROM jobs WHERE kind IN ({}){state_clause} ORDER BY id DESC LIMIT $1",
            crate::jobs::JOB_COLUMNS,
            list.join(",")
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// How many jobs of the given kinds are in each state: `(state, count)`.
    pub async fn job_counts(&self, kinds: &[&str]) -> Result<Vec<(String, i64)>> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = kinds
            .iter()
            .map(|k| format!("'{}'", k.replace('\'', "''")))
            .collect();
        let sql = format!(
            "SELECT state, COUNT(*) FROM jobs WHERE kind IN ({}) GROUP BY state ORDER BY state",
            list.join(",")
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql).fetch_all(p).await)?)
    }

    /// Replaces a job's payload (to drop a secret it no longer needs).
    pub async fn set_job_payload(&self, id: i64, payload: &str) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE jobs SET payload = $2 WHERE id = $1"
        )
        .bind(id)
        .bind(payload)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}
