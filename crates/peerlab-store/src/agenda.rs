//! Agenda boards: topics suggested before a session, votes from a fixed budget, and the
//! ordered, time-boxed agenda a board becomes when it closes.
//!
//! Every write locks the board's row first (an `UPDATE` of it), so that on PostgreSQL two
//! votes by one person cannot both pass the budget check; the rules hold whatever the caller
//! checked: nobody votes for their own topic, or twice for one, or past their budget, or
//! once the board has closed. Closing happens once (`closed_at` is set by one statement),
//! whichever request or node gets there first: the board's `board_close` job at its time, a
//! reader who opens it after that, or a facilitator closing it early. The reminder before it
//! closes is a job too, and marks the board reminded in the transaction that writes its
//! notifications, so a job run twice reminds nobody twice.

use serde::Serialize;

use peerlab_core::space::NoticeKind;

use crate::ids::{PersonId, SessionId, ThreadId};
use crate::sessions::INVITEES;
use crate::tx::Tx;
use crate::{conflict_on_unique, on_pool, write_tx, NewJob, Result, Store, StoreError};

/// The job that closes a board at its time, so that its agenda reaches calendars whether or
/// not anyone opens the page (payload `{"session": id}`, key `board:<id>:close`).
pub const BOARD_CLOSE: &str = "board_close";
/// The job that reminds a board's participants before it closes (key `board:<id>:reminder`).
pub const BOARD_REMINDER: &str = "board_reminder";

const HOUR_MS: i64 = 3_600_000;

/// When a board that opens at `now` and closes at `closes_at` reminds its participants: a
/// day before it closes, or halfway through when it is open for less than two days; a board
/// open for less than two hours reminds nobody (its opening notice is reminder enough).
pub fn reminder_at(now: i64, closes_at: i64) -> Option<i64> {
    let open = closes_at - now;
    (open >= 2 * HOUR_MS).then(|| closes_at - (24 * HOUR_MS).min(open / 2))
}

/// Topics one person may suggest on a board.
pub const MAX_TOPICS_PER_PERSON: i64 = 3;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Board {
    pub session_id: SessionId,
    pub vote_budget: i64,
    pub topic_minutes: i64,
    pub closes_at: i64,
    pub closed_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Topic {
    pub id: i64,
    pub session_id: SessionId,
    pub author_id: Option<PersonId>,
    pub author_name: Option<String>,
    pub title: String,
    pub detail: String,
    pub created_at: i64,
    pub position: Option<i64>,
    pub minutes: Option<i64>,
    /// Counted when the board closes; 0 while it is open (counts are hidden until then).
    pub votes: i64,
    pub owner_id: Option<PersonId>,
    pub owner_name: Option<String>,
    pub action: String,
    pub thread_id: Option<ThreadId>,
    /// The reader voted for it.
    pub mine: bool,
}

fn closed() -> StoreError {
    StoreError::Conflict("the board has closed: its topics are now the agenda".into())
}

impl Store {
    pub async fn open_board(
        &self,
        session: SessionId,
        vote_budget: i64,
        topic_minutes: i64,
        closes_at: i64,
        by: PersonId,
        now: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO agenda_boards (session_id, vote_budget, topic_minutes, closes_at, opened_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(session)
            .bind(vote_budget)
            .bind(topic_minutes)
            .bind(closes_at)
            .bind(by)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(conflict_on_unique(|| "this session already has an agenda board".into()))?;
            let mut tx = Tx::from(&mut *tx);
            tx.notify_invitees(session, NoticeKind::Board, by, now)
                .await?;
            let payload = format!(r#"{{"session":{session}}}"#);
            let close = NewJob {
                kind: BOARD_CLOSE.into(),
                payload: payload.clone(),
                run_at: closes_at,
                max_attempts: 10,
                dedupe_key: Some(format!("board:{session}:close")),
            };
            tx.enqueue_job(&close, now).await?;
            if let Some(run_at) = reminder_at(now, closes_at) {
                let remind = NewJob {
                    kind: BOARD_REMINDER.into(),
                    payload,
                    run_at,
                    max_attempts: 10,
                    dedupe_key: Some(format!("board:{session}:reminder")),
                };
                tx.enqueue_job(&remind, now).await?;
            }
        });
        Ok(())
    }

    /// Reminds the board's participants who still have votes to give that it closes soon:
    /// once, by whichever call marks the board reminded first, and only while it is open.
    /// Returns how many people were reminded, `None` when this call did not remind.
    pub async fn remind_board(&self, session: SessionId, now: i64) -> Result<Option<u64>> {
        let sql = format!(
            "INSERT INTO notifications (person_id, kind, actor_id, space_id, session_id, created_at) \
             SELECT i.person_id, $2, b.opened_by, s.id, $1, $3 FROM ({INVITEES}) i \
             JOIN agenda_boards b ON b.session_id = $1 \
             JOIN learning_sessions ls ON ls.id = $1 JOIN spaces s ON s.id = ls.space_id \
             WHERE (b.opened_by IS NULL OR i.person_id <> b.opened_by) \
             AND (SELECT COUNT(*) FROM agenda_votes v WHERE v.session_id = $1 AND v.person_id = i.person_id) < b.vote_budget \
             AND {}",
            crate::spaces::may_read_sql("s", "i.person_id")
        );
        Ok(write_tx!(self, |tx| {
            let marked = sqlx::query(
                "UPDATE agenda_boards SET reminded_at = $2 \
                 WHERE session_id = $1 AND reminded_at IS NULL AND closed_at IS NULL AND closes_at > $2",
            )
            .bind(session)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if marked == 0 {
                None
            } else {
                let n = sqlx::query(&sql)
                    .bind(session)
                    .bind(NoticeKind::BoardClosing.as_str())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                Some(n)
            }
        }))
    }

    pub async fn board(&self, session: SessionId) -> Result<Option<Board>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT session_id, vote_budget, topic_minutes, closes_at, closed_at FROM agenda_boards WHERE session_id = $1"
        )
        .bind(session)
        .fetch_optional(p)
        .await
        })?)
    }

    /// The board's topics: in agenda order once it has closed (then the rest), oldest first
    /// while it is open.
    pub async fn topics(&self, session: SessionId, viewer: PersonId) -> Result<Vec<Topic>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT t.id, t.session_id, t.author_id, a.name AS author_name, t.title, t.detail, t.created_at, t.position, \
               t.minutes, t.votes, t.owner_id, o.name AS owner_name, t.action, t.thread_id, \
               EXISTS (SELECT 1 FROM agenda_votes v WHERE v.topic_id = t.id AND v.person_id = $2) AS mine \
             FROM agenda_topics t LEFT JOIN people a ON a.id = t.author_id LEFT JOIN people o ON o.id = t.owner_id \
             WHERE t.session_id = $1 \
             ORDER BY CASE WHEN t.position IS NULL THEN 1 ELSE 0 END, t.position, t.votes DESC, t.created_at, t.id"
        )
        .bind(session)
        .bind(viewer)
        .fetch_all(p)
        .await
        })?)
    }

    /// The session a topic is on.
    pub async fn topic_session(&self, topic: i64) -> Result<Option<SessionId>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT session_id FROM agenda_topics WHERE id = $1"
        )
        .bind(topic)
        .fetch_optional(p)
        .await)?)
    }

    /// Votes `person` has given on a board.
    pub async fn votes_given(&self, session: SessionId, person: PersonId) -> Result<i64> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM agenda_votes WHERE session_id = $1 AND person_id = $2"
        )
        .bind(session)
        .bind(person)
        .fetch_one(p)
        .await)?)
    }

    pub async fn suggest(
        &self,
        session: SessionId,
        author: PersonId,
        title: &str,
        detail: &str,
        now: i64,
    ) -> Result<i64> {
        Ok(write_tx!(self, |tx| {
            let board = Tx::from(&mut *tx).lock_board(session, now).await?;
            let _ = board;
            let mine: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM agenda_topics WHERE session_id = $1 AND author_id = $2",
            )
            .bind(session)
            .bind(author)
            .fetch_one(&mut *tx)
            .await?;
            if mine >= MAX_TOPICS_PER_PERSON {
                return Err(StoreError::Conflict(format!(
                    "you have suggested {MAX_TOPICS_PER_PERSON} topics, the most one person may; vote for others'"
                )));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO agenda_topics (session_id, author_id, title, detail, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(session)
            .bind(author)
            .bind(title)
            .bind(detail)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            id
        }))
    }

    /// One vote for a topic, from the person's budget.
    pub async fn vote(&self, topic: i64, person: PersonId, now: i64) -> Result<()> {
        write_tx!(self, |tx| {
            let row: Option<(SessionId, Option<PersonId>)> =
                sqlx::query_as("SELECT session_id, author_id FROM agenda_topics WHERE id = $1")
                    .bind(topic)
                    .fetch_optional(&mut *tx)
                    .await?;
            let (session, author) = row.ok_or(StoreError::NotFound("topic"))?;
            let board = Tx::from(&mut *tx).lock_board(session, now).await?;
            if author == Some(person) {
                return Err(StoreError::Conflict(
                    "you may not vote for your own topic".into(),
                ));
            }
            let given: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM agenda_votes WHERE session_id = $1 AND person_id = $2",
            )
            .bind(session)
            .bind(person)
            .fetch_one(&mut *tx)
            .await?;
            if given >= board.vote_budget {
                return Err(StoreError::Conflict(format!(
                    "you have used all {} of your votes; take one back to vote for this topic",
                    board.vote_budget
                )));
            }
            sqlx::query(
                "INSERT INTO agenda_votes (topic_id, person_id, session_id, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(topic)
            .bind(person)
            .bind(session)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(conflict_on_unique(|| "you already voted for this topic".into()))?;
        });
        Ok(())
    }

    /// Takes a vote back while the board is open.
    pub async fn unvote(&self, topic: i64, person: PersonId, now: i64) -> Result<()> {
        write_tx!(self, |tx| {
            let session: Option<SessionId> =
                sqlx::query_scalar("SELECT session_id FROM agenda_topics WHERE id = $1")
                    .bind(topic)
                    .fetch_optional(&mut *tx)
                    .await?;
            let session = session.ok_or(StoreError::NotFound("topic"))?;
            Tx::from(&mut *tx).lock_board(session, now).await?;
            let n = sqlx::query("DELETE FROM agenda_votes WHERE topic_id = $1 AND person_id = $2")
                .bind(topic)
                .bind(person)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("vote"));
            }
        });
        Ok(())
    }

    /// Closes a board — when its time has come, or now if `force` — and turns it into the
    /// agenda: topics by votes, ties to the oldest; as many as fit in `session_minutes` get
    /// a place and their minutes, the rest none. The session's invitation is updated (a new
    /// SEQUENCE, a REQUEST for everyone invited), so the agenda reaches calendars. Returns
    /// whether this call closed it.
    pub async fn close_board(
        &self,
        session: SessionId,
        session_minutes: i64,
        force: bool,
        now: i64,
    ) -> Result<bool> {
        Ok(write_tx!(self, |tx| {
            let n = sqlx::query(
                "UPDATE agenda_boards SET closed_at = $2 WHERE session_id = $1 AND closed_at IS NULL AND ($3 OR closes_at <= $2)",
            )
            .bind(session)
            .bind(now)
            .bind(force)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                false
            } else {
                let minutes: i64 = sqlx::query_scalar(
                    "SELECT topic_minutes FROM agenda_boards WHERE session_id = $1",
                )
                .bind(session)
                .fetch_one(&mut *tx)
                .await?;
                let ranked: Vec<(i64, i64)> = sqlx::query_as(
                    "SELECT t.id, (SELECT COUNT(*) FROM agenda_votes v WHERE v.topic_id = t.id) AS n \
                     FROM agenda_topics t WHERE t.session_id = $1 ORDER BY n DESC, t.created_at, t.id",
                )
                .bind(session)
                .fetch_all(&mut *tx)
                .await?;
                let fit = (session_minutes / minutes).max(1);
                for (i, (topic, votes)) in ranked.iter().enumerate() {
                    let place = i as i64 + 1;
                    let (position, mins) = if place <= fit {
                        (Some(place), Some(minutes))
                    } else {
                        (None, None)
                    };
                    sqlx::query("UPDATE agenda_topics SET votes = $1, position = $2, minutes = $3 WHERE id = $4")
                        .bind(*votes)
                        .bind(position)
                        .bind(mins)
                        .bind(*topic)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("UPDATE learning_sessions SET sequence = sequence + 1, updated_at = $1 WHERE id = $2 AND cancelled = 0")
                    .bind(now)
                    .bind(session)
                    .execute(&mut *tx)
                    .await?;
                Tx::from(&mut *tx)
                    .message_invitees(session, "REQUEST", now)
                    .await?;
                true
            }
        }))
    }

    /// Who takes an agenda item's action, and what it is.
    pub async fn set_topic_owner(
        &self,
        topic: i64,
        owner: Option<PersonId>,
        action: &str,
    ) -> Result<()> {
        let n = on_pool!(self, |p| {
            sqlx::query(
            "UPDATE agenda_topics SET owner_id = $1, action = $2 WHERE id = $3 AND position IS NOT NULL"
        )
        .bind(owner)
        .bind(action)
        .bind(topic)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        if n == 0 {
            return Err(StoreError::Conflict(
                "only an item on the closed board's agenda takes an owner".into(),
            ));
        }
        Ok(())
    }

    /// Records the thread a topic that did not fit continues in; once.
    pub async fn set_topic_thread(&self, topic: i64, thread: ThreadId) -> Result<bool> {
        let n = on_pool!(self, |p| sqlx::query(
            "UPDATE agenda_topics SET thread_id = $1 WHERE id = $2 AND thread_id IS NULL"
        )
        .bind(thread)
        .bind(topic)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}

impl Tx<'_> {
    /// Locks an open board; refuses a closed one (or one past its closing time).
    async fn lock_board(&mut self, session: SessionId, now: i64) -> Result<Board> {
        let board: Option<Board> = crate::tx::on_conn!(self, |c| sqlx::query_as(
            "UPDATE agenda_boards SET created_at = created_at WHERE session_id = $1 \
             RETURNING session_id, vote_budget, topic_minutes, closes_at, closed_at"
        )
        .bind(session)
        .fetch_optional(&mut *c)
        .await)?;
        let board = board.ok_or(StoreError::NotFound("agenda board"))?;
        if board.closed_at.is_some() || board.closes_at <= now {
            return Err(closed());
        }
        Ok(board)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_board_reminds_a_day_before_it_closes_or_halfway_when_it_is_open_less_than_two_days() {
        let day = 24 * HOUR_MS;
        assert_eq!(reminder_at(0, 7 * day), Some(6 * day));
        assert_eq!(reminder_at(0, 2 * day), Some(day));
        assert_eq!(reminder_at(0, 10 * HOUR_MS), Some(5 * HOUR_MS));
        assert_eq!(reminder_at(0, 2 * HOUR_MS), Some(HOUR_MS));
        assert_eq!(reminder_at(0, 2 * HOUR_MS - 1), None);
    }
}
