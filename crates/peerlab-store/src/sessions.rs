//! Sessions, RSVPs, the calendar messages owed to people, and private calendar feeds.
//!
//! Every change a calendar must apply raises the session's `sequence` and, in the same
//! transaction, writes one `calendar_messages` row per person it concerns — a REQUEST for
//! the invited, a CANCEL when the session is cancelled or the person leaves its cohort — so
//! a crash loses none and a retry repeats none (a row is unique per person and sequence).
//! Who is invited: a cohort's sessions, its enrolled participants; a space's sessions, the
//! people who answered going or maybe. The organizer is the ORGANIZER, not an attendee.

use peerlab_core::program::{Attendance, Rsvp, SessionMode};
use peerlab_core::space::NoticeKind;
use serde::Serialize;

use crate::ids::{CohortId, PersonId, ProgramId, SessionId, SpaceId};
use crate::tx::{on_conn, Tx};
use crate::{keyword, on_pool, write_tx, Result, Store, StoreError};

/// What a new session is made of; checked by the caller (times included).
#[derive(Debug, Clone)]
pub struct NewSession {
    pub uid: String,
    pub space_id: SpaceId,
    pub cohort_id: Option<CohortId>,
    pub stage: Option<i64>,
    pub organizer: PersonId,
    pub details: SessionDetails,
}

/// What an edit may change.
#[derive(Debug, Clone)]
pub struct SessionDetails {
    pub title: String,
    pub mode: SessionMode,
    pub place: String,
    pub prework: String,
    pub time_zone: String,
    pub local_start: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: Option<i64>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Session {
    pub id: SessionId,
    pub uid: String,
    pub space_id: SpaceId,
    pub space_name: String,
    pub cohort_id: Option<CohortId>,
    pub stage: Option<i64>,
    pub title: String,
    #[sqlx(try_from = "String")]
    pub mode: SessionMode,
    pub place: String,
    pub prework: String,
    pub time_zone: String,
    pub local_start: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: Option<i64>,
    pub sequence: i64,
    pub cancelled: bool,
    pub organizer_id: Option<PersonId>,
    pub organizer_name: Option<String>,
    pub organizer_email: Option<String>,
    /// Going (space sessions) or enrolled (cohort sessions).
    pub expected: i64,
}

/// A session's new times, for moving a program's moment.
#[derive(Debug, Clone)]
pub struct NewTimes {
    pub id: SessionId,
    pub local_start: String,
    pub starts_at: i64,
    pub ends_at: i64,
}

/// A calendar message owed to someone.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CalendarMessage {
    pub id: i64,
    pub session_id: SessionId,
    pub person_id: PersonId,
    pub method: String,
    pub sequence: i64,
    pub created_at: i64,
}

/// Someone invited to a session, as a calendar's ATTENDEE.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Invitee {
    pub person_id: PersonId,
    pub name: String,
    pub email: String,
}

const SESSION_COLUMNS: &str = "s.id, s.uid, s.space_id, sp.name AS space_name, s.cohort_id, s.stage, s.title, s.mode, \
     s.place, s.prework, s.time_zone, s.local_start, s.starts_at, s.ends_at, s.capacity, s.sequence, \
     (s.cancelled <> 0) AS cancelled, s.organizer_id, o.name AS organizer_name, o.email AS organizer_email, \
     CASE WHEN s.cohort_id IS NULL \
       THEN (SELECT COUNT(*) FROM session_rsvps r WHERE r.session_id = s.id AND r.answer = 'going') \
       ELSE (SELECT COUNT(*) FROM enrolments e WHERE e.cohort_id = s.cohort_id AND e.state = 'enrolled') END AS expected \
     FROM learning_sessions s JOIN spaces sp ON sp.id = s.space_id LEFT JOIN people o ON o.id = s.organizer_id";

/// DIALECT-free: everyone a session invites, for `INSERT … SELECT`. `$1` is the session.
pub(crate) const INVITEES: &str = "SELECT e.person_id FROM learning_sessions s JOIN enrolments e ON e.cohort_id = s.cohort_id AND e.state = 'enrolled' WHERE s.id = $1 \
     UNION SELECT r.person_id FROM learning_sessions s JOIN session_rsvps r ON r.session_id = s.id AND r.answer IN ('going', 'maybe') \
     WHERE s.id = $1 AND s.cohort_id IS NULL";

impl Store {
    /// Creates a session and invites whoever it concerns.
    pub async fn schedule_session(&self, new: &NewSession, now: i64) -> Result<SessionId> {
        Ok(write_tx!(self, |tx| {
            let mut tx = Tx::from(&mut *tx);
            let id = tx.insert_session(new, now).await?;
            tx.message_invitees(id, "REQUEST", now).await?;
            id
        }))
    }

    /// Changes a session: a new SEQUENCE, and an updated invitation for everyone invited.
    pub async fn update_session(
        &self,
        id: SessionId,
        d: &SessionDetails,
        actor: PersonId,
        now: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            let n = sqlx::query(
                "UPDATE learning_sessions SET title = $1, mode = $2, place = $3, prework = $4, time_zone = $5, local_start = $6, \
                   starts_at = $7, ends_at = $8, capacity = $9, sequence = sequence + 1, updated_at = $10 \
                 WHERE id = $11 AND cancelled = 0",
            )
            .bind(&d.title)
            .bind(d.mode.as_str())
            .bind(&d.place)
            .bind(&d.prework)
            .bind(&d.time_zone)
            .bind(&d.local_start)
            .bind(d.starts_at)
            .bind(d.ends_at)
            .bind(d.capacity)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict(
                    "this session was cancelled; it can no longer change".into(),
                ));
            }
            Tx::from(&mut *tx)
                .message_invitees(id, "REQUEST", now)
                .await?;
            Tx::from(&mut *tx)
                .notify_invitees(id, NoticeKind::SessionChanged, actor, now)
                .await?;
        });
        Ok(())
    }

    /// Cancels a session: a raised SEQUENCE and a CANCEL for everyone invited.
    pub async fn cancel_session(&self, id: SessionId, actor: PersonId, now: i64) -> Result<()> {
        write_tx!(self, |tx| {
            let n = sqlx::query(
                "UPDATE learning_sessions SET cancelled = 1, sequence = sequence + 1, updated_at = $1 WHERE id = $2 AND cancelled = 0",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict(
                    "this session is already cancelled".into(),
                ));
            }
            Tx::from(&mut *tx)
                .message_invitees(id, "CANCEL", now)
                .await?;
            Tx::from(&mut *tx)
                .notify_invitees(id, NoticeKind::SessionCancelled, actor, now)
                .await?;
        });
        Ok(())
    }

    /// Moves a program's moment and, with it, its cohorts' sessions to the times given:
    /// one transaction, a raised SEQUENCE and an updated invitation for everyone invited.
    pub async fn reschedule_program(
        &self,
        program: ProgramId,
        anchor: chrono::NaiveDate,
        times: &[NewTimes],
        now: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            let n = sqlx::query("UPDATE programs SET anchor = $1, updated_at = $2 WHERE id = $3")
                .bind(anchor.to_string())
                .bind(now)
                .bind(program)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("program"));
            }
            for t in times {
                sqlx::query(
                    "UPDATE learning_sessions SET local_start = $1, starts_at = $2, ends_at = $3, sequence = sequence + 1, updated_at = $4 \
                     WHERE id = $5 AND cancelled = 0 AND cohort_id IN (SELECT id FROM cohorts WHERE program_id = $6)",
                )
                .bind(&t.local_start)
                .bind(t.starts_at)
                .bind(t.ends_at)
                .bind(now)
                .bind(t.id)
                .bind(program)
                .execute(&mut *tx)
                .await?;
                Tx::from(&mut *tx)
                    .message_invitees(t.id, "REQUEST", now)
                    .await?;
            }
        });
        Ok(())
    }

    pub async fn session(&self, id: SessionId) -> Result<Option<Session>> {
        let sql = format!("SELECT {SESSION_COLUMNS} WHERE s.id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    pub async fn cohort_sessions(&self, cohort: CohortId) -> Result<Vec<Session>> {
        let sql =
            format!("SELECT {SESSION_COLUMNS} WHERE s.cohort_id = $1 ORDER BY s.starts_at, s.id");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(cohort)
            .fetch_all(p)
            .await)?)
    }

    /// The sessions of every cohort of a program, for moving its moment.
    pub async fn program_sessions(&self, program: ProgramId) -> Result<Vec<Session>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} WHERE s.cohort_id IN (SELECT id FROM cohorts WHERE program_id = $1) ORDER BY s.starts_at, s.id"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(program)
            .fetch_all(p)
            .await)?)
    }

    /// A space's own sessions (not its cohort's), soonest first.
    pub async fn space_sessions(&self, space: SpaceId) -> Result<Vec<Session>> {
        let sql = format!("SELECT {SESSION_COLUMNS} WHERE s.space_id = $1 AND s.cohort_id IS NULL ORDER BY s.starts_at, s.id");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(space)
            .fetch_all(p)
            .await)?)
    }

    /// Every session someone was invited to (a calendar message exists for them), for their
    /// calendar feed: cancelled ones too, so that subscribed calendars remove them.
    pub async fn person_sessions(&self, person: PersonId) -> Result<Vec<Session>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} WHERE s.id IN (SELECT session_id FROM calendar_messages WHERE person_id = $1) \
             ORDER BY s.starts_at, s.id"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(person)
            .fetch_all(p)
            .await)?)
    }

    /// The last calendar message owed to `person` for a session: what their calendar should
    /// hold (a REQUEST at some SEQUENCE, or a CANCEL).
    pub async fn last_message(
        &self,
        session: SessionId,
        person: PersonId,
    ) -> Result<Option<CalendarMessage>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT id, session_id, person_id, method, sequence, created_at FROM calendar_messages \
             WHERE session_id = $1 AND person_id = $2 ORDER BY id DESC LIMIT 1"
        )
        .bind(session)
        .bind(person)
        .fetch_optional(p)
        .await
        })?)
    }

    /// How many calendar messages a program's sessions have produced (for benchmarks and
    /// tests).
    pub async fn program_message_count(&self, program: ProgramId) -> Result<i64> {
        Ok(on_pool!(self, |p| {
            sqlx::query_scalar(
            "SELECT COUNT(*) FROM calendar_messages m JOIN learning_sessions s ON s.id = m.session_id \
             JOIN cohorts c ON c.id = s.cohort_id WHERE c.program_id = $1"
        )
        .bind(program)
        .fetch_one(p)
        .await
        })?)
    }

    pub async fn invitees(&self, session: SessionId) -> Result<Vec<Invitee>> {
        let sql = format!(
            "SELECT p.id AS person_id, p.name, p.email FROM people p WHERE p.id IN ({INVITEES}) ORDER BY p.sort_name, p.id"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(session)
            .fetch_all(p)
            .await)?)
    }

    pub async fn rsvp_of(&self, session: SessionId, person: PersonId) -> Result<Option<Rsvp>> {
        let raw: Option<String> = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT answer FROM session_rsvps WHERE session_id = $1 AND person_id = $2"
        )
        .bind(session)
        .bind(person)
        .fetch_optional(p)
        .await)?;
        raw.map(keyword).transpose()
    }

    /// Answers a space session's invitation. Going past the capacity is refused; going or
    /// maybe puts the session in the person's calendar, not going takes it out.
    pub async fn rsvp(
        &self,
        session: SessionId,
        person: PersonId,
        answer: Rsvp,
        now: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            let row: Option<(Option<i64>, bool)> = sqlx::query_as(
                "UPDATE learning_sessions SET updated_at = updated_at WHERE id = $1 AND cohort_id IS NULL RETURNING capacity, (cancelled <> 0)",
            )
            .bind(session)
            .fetch_optional(&mut *tx)
            .await?;
            let (capacity, cancelled) = row.ok_or(StoreError::NotFound("session"))?;
            if cancelled {
                return Err(StoreError::Conflict("this session was cancelled".into()));
            }
            if answer == Rsvp::Going {
                let going: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM session_rsvps WHERE session_id = $1 AND answer = 'going' AND person_id <> $2",
                )
                .bind(session)
                .bind(person)
                .fetch_one(&mut *tx)
                .await?;
                if capacity.is_some_and(|c| going >= c) {
                    return Err(StoreError::Conflict(format!(
                        "this session is full ({going} going); answer maybe to hear if a place frees"
                    )));
                }
            }
            sqlx::query(
                "INSERT INTO session_rsvps (session_id, person_id, answer, answered_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (session_id, person_id) DO UPDATE SET answer = excluded.answer, answered_at = excluded.answered_at",
            )
            .bind(session)
            .bind(person)
            .bind(answer.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let method = if answer == Rsvp::Declined {
                "CANCEL"
            } else {
                "REQUEST"
            };
            Tx::from(&mut *tx)
                .message(session, person, method, now)
                .await?;
        });
        Ok(())
    }

    /// Sets a person's calendar-feed secret (by its hash), replacing any earlier one.
    pub async fn set_calendar_feed(
        &self,
        person: PersonId,
        token_hash: &str,
        now: i64,
    ) -> Result<()> {
        on_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO calendar_feeds (person_id, token_hash, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (person_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at"
        )
        .bind(person)
        .bind(token_hash)
        .bind(now)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Revokes a person's calendar feed; its URL then finds nothing.
    pub async fn revoke_calendar_feed(&self, person: PersonId) -> Result<bool> {
        let n = on_pool!(self, |p| sqlx::query(
            "DELETE FROM calendar_feeds WHERE person_id = $1"
        )
        .bind(person)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    pub async fn has_calendar_feed(&self, person: PersonId) -> Result<bool> {
        let n: i64 = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM calendar_feeds WHERE person_id = $1"
        )
        .bind(person)
        .fetch_one(p)
        .await)?;
        Ok(n > 0)
    }

    pub async fn calendar_feed_person(&self, token_hash: &str) -> Result<Option<PersonId>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT person_id FROM calendar_feeds WHERE token_hash = $1"
        )
        .bind(token_hash)
        .fetch_optional(p)
        .await)?)
    }
}

/// One person's attendance at a session.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AttendanceRow {
    pub person_id: PersonId,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub status: Attendance,
    pub source: String,
    pub marked_at: i64,
}

/// A session's open check-in.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CheckinWindow {
    pub code: String,
    pub until: i64,
}

impl Store {
    /// Opens check-in with `code` until `until`. Refused if another open session uses the
    /// code (the caller draws another).
    pub async fn open_checkin(
        &self,
        session: SessionId,
        code: &str,
        until: i64,
        actor: PersonId,
        now: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            let clash: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM learning_sessions WHERE checkin_code = $1 AND checkin_until > $2 AND id <> $3",
            )
            .bind(code)
            .bind(now)
            .bind(session)
            .fetch_one(&mut *tx)
            .await?;
            if clash > 0 {
                return Err(StoreError::Conflict("that check-in code is in use".into()));
            }
            let n = sqlx::query(
                "UPDATE learning_sessions SET checkin_code = $1, checkin_until = $2 WHERE id = $3 AND cancelled = 0",
            )
            .bind(code)
            .bind(until)
            .bind(session)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict(
                    "a cancelled session takes no check-in".into(),
                ));
            }
            Tx::from(&mut *tx)
                .notify_invitees(session, NoticeKind::CheckIn, actor, now)
                .await?;
        });
        Ok(())
    }

    pub async fn close_checkin(&self, session: SessionId) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE learning_sessions SET checkin_until = NULL WHERE id = $1"
        )
        .bind(session)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// The session's check-in code and until when it is open; the code is kept after it
    /// closes, so that a late code is told it expired rather than that it is wrong.
    pub async fn checkin_window(
        &self,
        session: SessionId,
    ) -> Result<Option<(String, Option<i64>)>> {
        let row: Option<(Option<String>, Option<i64>)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT checkin_code, checkin_until FROM learning_sessions WHERE id = $1"
        )
        .bind(session)
        .fetch_optional(p)
        .await)?;
        Ok(row.and_then(|(code, until)| code.map(|c| (c, until))))
    }

    /// The session whose check-in uses this code: open ones first, then the most recent.
    pub async fn session_by_code(&self, code: &str, now: i64) -> Result<Option<SessionId>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT id FROM learning_sessions WHERE checkin_code = $1 \
             ORDER BY CASE WHEN checkin_until > $2 THEN 0 ELSE 1 END, checkin_until DESC LIMIT 1"
        )
        .bind(code)
        .bind(now)
        .fetch_optional(p)
        .await)?)
    }

    /// Records a check-in, once: `false` if the person's attendance was already recorded.
    pub async fn record_check_in(
        &self,
        session: SessionId,
        person: PersonId,
        now: i64,
    ) -> Result<bool> {
        let n = on_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO attendance (session_id, person_id, status, source, marked_by, marked_at) \
             VALUES ($1, $2, 'present', 'check_in', $2, $3) ON CONFLICT (session_id, person_id) DO NOTHING"
        )
        .bind(session)
        .bind(person)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    /// A facilitator's mark, replacing any earlier one.
    pub async fn mark_attendance(
        &self,
        session: SessionId,
        person: PersonId,
        status: Attendance,
        by: PersonId,
        now: i64,
    ) -> Result<()> {
        on_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO attendance (session_id, person_id, status, source, marked_by, marked_at) \
             VALUES ($1, $2, $3, 'facilitator', $4, $5) ON CONFLICT (session_id, person_id) DO UPDATE \
             SET status = excluded.status, source = excluded.source, marked_by = excluded.marked_by, marked_at = excluded.marked_at"
        )
        .bind(session)
        .bind(person)
        .bind(status.as_str())
        .bind(by)
        .bind(now)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    pub async fn attendance(&self, session: SessionId) -> Result<Vec<AttendanceRow>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT a.person_id, p.name, a.status, a.source, a.marked_at FROM attendance a \
             JOIN people p ON p.id = a.person_id WHERE a.session_id = $1 ORDER BY p.sort_name, p.id"
        )
        .bind(session)
        .fetch_all(p)
        .await
        })?)
    }

    /// The people who posted in the session's space during its window: for an asynchronous
    /// session, answering its prompt is attending it.
    pub async fn answered_during(&self, session: SessionId) -> Result<Vec<PersonId>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_scalar(
            "SELECT DISTINCT po.author_id FROM posts po JOIN learning_sessions s ON s.space_id = po.space_id \
             WHERE s.id = $1 AND po.author_id IS NOT NULL AND po.state = 'visible' AND po.opening = 0 \
               AND po.created_at >= s.starts_at AND po.created_at <= s.ends_at"
        )
        .bind(session)
        .fetch_all(p)
        .await
        })?)
    }
}

impl Tx<'_> {
    pub(crate) async fn insert_session(&mut self, new: &NewSession, now: i64) -> Result<SessionId> {
        let d = &new.details;
        Ok(on_conn!(self, |c| {
            sqlx::query_scalar(
            "INSERT INTO learning_sessions (uid, space_id, cohort_id, stage, title, mode, place, prework, time_zone, local_start, \
               starts_at, ends_at, capacity, organizer_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
        )
        .bind(&new.uid)
        .bind(new.space_id)
        .bind(new.cohort_id)
        .bind(new.stage)
        .bind(&d.title)
        .bind(d.mode.as_str())
        .bind(&d.place)
        .bind(&d.prework)
        .bind(&d.time_zone)
        .bind(&d.local_start)
        .bind(d.starts_at)
        .bind(d.ends_at)
        .bind(d.capacity)
        .bind(new.organizer)
        .bind(now)
        .fetch_one(&mut *c)
        .await
        })?)
    }

    /// Tells everyone a session invites (who may still read its space) what happened to it.
    pub(crate) async fn notify_invitees(
        &mut self,
        session: SessionId,
        kind: peerlab_core::space::NoticeKind,
        actor: PersonId,
        now: i64,
    ) -> Result<()> {
        let sql = format!(
            "INSERT INTO notifications (person_id, kind, actor_id, space_id, session_id, created_at) \
             SELECT i.person_id, $2, $3, s.id, $1, $4 FROM ({INVITEES}) i \
             JOIN learning_sessions ls ON ls.id = $1 JOIN spaces s ON s.id = ls.space_id \
             WHERE i.person_id <> $3 AND {}",
            crate::spaces::may_read_sql("s", "i.person_id")
        );
        on_conn!(self, |c| sqlx::query(&sql)
            .bind(session)
            .bind(kind.as_str())
            .bind(actor)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Owes everyone a session invites a message at its current SEQUENCE.
    pub(crate) async fn message_invitees(
        &mut self,
        session: SessionId,
        method: &str,
        now: i64,
    ) -> Result<()> {
        // SQLite needs the WHERE before ON CONFLICT to read `INSERT … SELECT` unambiguously.
        let sql = format!(
            "INSERT INTO calendar_messages (session_id, person_id, method, sequence, created_at) \
             SELECT $1, i.person_id, $2, (SELECT sequence FROM learning_sessions WHERE id = $1), $3 FROM ({INVITEES}) i WHERE true \
             ON CONFLICT (session_id, person_id, sequence) DO NOTHING"
        );
        on_conn!(self, |c| sqlx::query(&sql)
            .bind(session)
            .bind(method)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Owes one person a message at the session's current SEQUENCE (they joined, left, or
    /// answered). A later message at the same SEQUENCE replaces the earlier one.
    pub(crate) async fn message(
        &mut self,
        session: SessionId,
        person: PersonId,
        method: &str,
        now: i64,
    ) -> Result<()> {
        on_conn!(self, |c| {
            sqlx::query(
            "INSERT INTO calendar_messages (session_id, person_id, method, sequence, created_at) \
             SELECT $1, $2, $3, sequence, $4 FROM learning_sessions WHERE id = $1 \
             ON CONFLICT (session_id, person_id, sequence) DO UPDATE SET method = excluded.method, created_at = excluded.created_at, sent_at = NULL"
        )
        .bind(session)
        .bind(person)
        .bind(method)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Owes a person who joined or left a cohort a message for each of its sessions still
    /// to come.
    pub(crate) async fn message_cohort_sessions(
        &mut self,
        cohort: CohortId,
        person: PersonId,
        method: &str,
        now: i64,
    ) -> Result<()> {
        let ids: Vec<SessionId> = on_conn!(self, |c| {
            sqlx::query_scalar(
            "SELECT id FROM learning_sessions WHERE cohort_id = $1 AND cancelled = 0 AND ends_at > $2"
        )
        .bind(cohort)
        .bind(now)
        .fetch_all(&mut *c)
        .await
        })?;
        for id in ids {
            self.message(id, person, method, now).await?;
        }
        Ok(())
    }
}
