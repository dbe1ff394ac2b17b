//! Coffee rounds (DESIGN C6): a space pairs the people who opted in, one round per cadence.
//!
//! Invariants, kept by every method here:
//! - A space has at most one circle (`coffee_circles`), running or stopped. Each start counts
//!   a new `generation`; the round job a start enqueues carries it, so a job left over from
//!   an earlier start finds itself superseded and does nothing.
//! - A round is formed once: [`Store::form_coffee_round`] writes the round's row, its pairs
//!   (a grouping of kind `coffee`, history like any other), their notifications and the next
//!   round's job in one transaction, after locking the circle, and only when the circle still
//!   expects that round. A job that runs twice, or on two nodes, forms it once.
//! - "Did you meet?" is asked once per round (`asked_at`), by the round's ask job.

use serde::Serialize;

use crate::ids::{PersonId, SpaceId};
use crate::jobs::NewJob;
use crate::tx::Tx;
use crate::{on_pool, write_tx, Pool, Result, Store, StoreError};
use peerlab_core::space::NoticeKind;

/// The kind of the job that forms a round when it is due.
pub const COFFEE_ROUND: &str = "coffee_round";
/// The kind of the job that asks a round's pairs whether they met.
pub const COFFEE_ASK: &str = "coffee_ask";

const DAY_MS: i64 = 86_400_000;

/// A space's coffee rounds: how often, and which round comes next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Circle {
    pub space_id: SpaceId,
    pub cadence_days: i64,
    pub generation: i64,
    pub next_round: i64,
    pub next_round_at: i64,
    pub starter: String,
    pub started_by: Option<PersonId>,
    pub created_at: i64,
    pub stopped_at: Option<i64>,
}

impl Circle {
    pub fn running(&self) -> bool {
        self.stopped_at.is_none()
    }
}

/// Someone who opted in.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CoffeeMember {
    pub person_id: PersonId,
    pub name: String,
    pub email: String,
    pub joined_at: i64,
    /// The round they skip, if any.
    pub skip_round: Option<i64>,
}

/// A round as its page lists it, with the "did you meet?" counts (one answer per person).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RoundSummary {
    pub round_no: i64,
    /// `None` when the round had fewer than two people and formed no pairs.
    pub grouping_id: Option<i64>,
    pub people: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub asked_at: Option<i64>,
    pub yes: i64,
    pub not_yet: i64,
    pub couldnt: i64,
    pub unanswered: i64,
}

/// A round to form, from the people taking part and the pairs found for them.
#[derive(Debug, Clone)]
pub struct NewCoffeeRound {
    pub space_id: SpaceId,
    pub generation: i64,
    pub round_no: i64,
    pub starts_at: i64,
    /// The round's local day (for history).
    pub on_date: String,
    pub starter: String,
    /// Everyone taking part, whether or not a pair was found for them.
    pub people: i64,
    /// Each pair (or trio) with the reasons shown to its members.
    pub pairs: Vec<(Vec<PersonId>, String)>,
}

/// What forming a round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Formed {
    /// The round's grouping (`None`: too few people, no pairs).
    Round(Option<i64>),
    /// The circle stopped, was started again, or this round exists already: nothing written.
    Superseded,
}

/// The answers to "did you meet?".
pub const MET_ANSWERS: [&str; 3] = ["yes", "not_yet", "couldnt"];

fn round_job(space: SpaceId, generation: i64, round: i64, at: i64) -> NewJob {
    NewJob {
        kind: COFFEE_ROUND.into(),
        payload: format!(r#"{{"space":{space},"generation":{generation},"round":{round}}}"#),
        run_at: at,
        max_attempts: 10,
        dedupe_key: Some(format!("coffee:{space}:{generation}:{round}")),
    }
}

impl Store {
    /// A space's circle, if it ever started one.
    pub async fn coffee_circle(&self, space: SpaceId) -> Result<Option<Circle>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT space_id, cadence_days, generation, next_round, next_round_at, starter, \
             started_by, created_at, stopped_at FROM coffee_circles WHERE space_id = $1",
        )
        .bind(space)
        .fetch_optional(p)
        .await)?)
    }

    /// Starts (or starts again) a space's rounds: the next one at `first_at`, then every
    /// `cadence_days`, with its job enqueued in the same transaction. Refused with a conflict
    /// when they are running.
    pub async fn start_coffee(
        &self,
        space: SpaceId,
        cadence_days: i64,
        first_at: i64,
        starter: &str,
        by: PersonId,
        now: i64,
    ) -> Result<Circle> {
        write_tx!(self, |tx| {
            let running: Option<Option<i64>> =
                sqlx::query_scalar("SELECT stopped_at FROM coffee_circles WHERE space_id = $1")
                    .bind(space)
                    .fetch_optional(&mut *tx)
                    .await?;
            match running {
                Some(None) => {
                    return Err(StoreError::Conflict(
                        "coffee rounds are already running in this space".into(),
                    ))
                }
                Some(Some(_)) => {
                    sqlx::query(
                        "UPDATE coffee_circles SET generation = generation + 1, cadence_days = $2, \
                         next_round_at = $3, starter = $4, started_by = $5, stopped_at = NULL \
                         WHERE space_id = $1",
                    )
                    .bind(space)
                    .bind(cadence_days)
                    .bind(first_at)
                    .bind(starter)
                    .bind(by)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query(
                        "INSERT INTO coffee_circles (space_id, cadence_days, next_round_at, starter, \
                         started_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(space)
                    .bind(cadence_days)
                    .bind(first_at)
                    .bind(starter)
                    .bind(by)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            let (generation, round): (i64, i64) = sqlx::query_as(
                "SELECT generation, next_round FROM coffee_circles WHERE space_id = $1",
            )
            .bind(space)
            .fetch_one(&mut *tx)
            .await?;
            Tx::from(&mut *tx)
                .enqueue_job(&round_job(space, generation, round, first_at), now)
                .await?;
        });
        self.coffee_circle(space)
            .await?
            .ok_or(StoreError::NotFound("coffee circle"))
    }

    /// Stops a space's rounds; its pending round job then does nothing. False when they were
    /// not running.
    pub async fn stop_coffee(&self, space: SpaceId, now: i64) -> Result<bool> {
        let done = on_pool!(self, |p| {
            sqlx::query(
            "UPDATE coffee_circles SET stopped_at = $2 WHERE space_id = $1 AND stopped_at IS NULL"
        )
        .bind(space)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(done == 1)
    }

    /// Everyone who opted in to a space's rounds, by name.
    pub async fn coffee_members(&self, space: SpaceId) -> Result<Vec<CoffeeMember>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT c.person_id, p.name, p.email, c.joined_at, c.skip_round FROM coffee_members c \
             JOIN people p ON p.id = c.person_id WHERE c.space_id = $1 ORDER BY p.name, p.id",
        )
        .bind(space)
        .fetch_all(p)
        .await)?)
    }

    /// Opts `person` in; false when they were in already.
    pub async fn join_coffee(&self, space: SpaceId, person: PersonId, now: i64) -> Result<bool> {
        let done = on_pool!(self, |p| sqlx::query(
            "INSERT INTO coffee_members (space_id, person_id, joined_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING"
        )
        .bind(space)
        .bind(person)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Opts `person` out; false when they were not in. Their earlier rounds stay history.
    pub async fn leave_coffee(&self, space: SpaceId, person: PersonId) -> Result<bool> {
        let done = on_pool!(self, |p| sqlx::query(
            "DELETE FROM coffee_members WHERE space_id = $1 AND person_id = $2"
        )
        .bind(space)
        .bind(person)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Sets the round `person` skips (`None`: skips none); false when they are not in.
    pub async fn skip_coffee(
        &self,
        space: SpaceId,
        person: PersonId,
        round: Option<i64>,
    ) -> Result<bool> {
        let done = on_pool!(self, |p| sqlx::query(
            "UPDATE coffee_members SET skip_round = $3 WHERE space_id = $1 AND person_id = $2"
        )
        .bind(space)
        .bind(person)
        .bind(round)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// The earlier rounds' groupings of a space, oldest first.
    pub async fn coffee_groupings(&self, space: SpaceId) -> Result<Vec<i64>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_scalar(
            "SELECT grouping_id FROM coffee_rounds WHERE space_id = $1 AND grouping_id IS NOT NULL \
             ORDER BY round_no"
        )
        .bind(space)
        .fetch_all(p)
        .await
        })?)
    }

    /// Forms a round (see the module's invariants): the grouping, one "is your coffee
    /// partner" notification per partner, the next round's job a cadence later and, when there
    /// are pairs, the job that asks whether they met two days before the round ends.
    pub async fn form_coffee_round(&self, new: &NewCoffeeRound, now: i64) -> Result<Formed> {
        // DIALECT: PostgreSQL locks the circle's row; SQLite's write transaction serialises.
        let lock = match self.pool {
            Pool::Postgres(_) => " FOR UPDATE",
            Pool::Sqlite(_) => "",
        };
        let sql = format!(
            "SELECT generation, next_round, cadence_days, stopped_at FROM coffee_circles \
             WHERE space_id = $1{lock}"
        );
        Ok(write_tx!(self, |tx| {
            let circle: Option<(i64, i64, i64, Option<i64>)> = sqlx::query_as(&sql)
                .bind(new.space_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((generation, next, cadence, stopped)) = circle else {
                return Ok(Formed::Superseded);
            };
            if generation != new.generation || next != new.round_no || stopped.is_some() {
                return Ok(Formed::Superseded);
            }
            let ends_at = new.starts_at + cadence * DAY_MS;
            let grouping = if new.pairs.is_empty() {
                None
            } else {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO groupings (kind, space_id, on_date, challenge, formed_at) \
                     VALUES ('coffee', $1, $2, $3, $4) RETURNING id",
                )
                .bind(new.space_id)
                .bind(&new.on_date)
                .bind(&new.starter)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                for (k, (members, reasons)) in new.pairs.iter().enumerate() {
                    let no = k as i64 + 1;
                    sqlx::query(
                        "INSERT INTO grouping_groups (grouping_id, group_no, summary) VALUES ($1, $2, $3)",
                    )
                    .bind(id)
                    .bind(no)
                    .bind(reasons)
                    .execute(&mut *tx)
                    .await?;
                    for &person in members {
                        sqlx::query(
                            "INSERT INTO grouping_members (grouping_id, person_id, group_no, reasons) \
                             VALUES ($1, $2, $3, $4)",
                        )
                        .bind(id)
                        .bind(person)
                        .bind(no)
                        .bind(reasons)
                        .execute(&mut *tx)
                        .await?;
                        for &other in members.iter().filter(|&&o| o != person) {
                            sqlx::query(
                                "INSERT INTO notifications (person_id, kind, actor_id, space_id, created_at) \
                                 VALUES ($1, $2, $3, $4, $5)",
                            )
                            .bind(person)
                            .bind(NoticeKind::Coffee.as_str())
                            .bind(other)
                            .bind(new.space_id)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                }
                Some(id)
            };
            sqlx::query(
                "INSERT INTO coffee_rounds (space_id, round_no, grouping_id, people, starts_at, ends_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(new.space_id)
            .bind(new.round_no)
            .bind(grouping)
            .bind(new.people)
            .bind(new.starts_at)
            .bind(ends_at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE coffee_circles SET next_round = next_round + 1, next_round_at = $2 \
                 WHERE space_id = $1",
            )
            .bind(new.space_id)
            .bind(ends_at)
            .execute(&mut *tx)
            .await?;
            // Skips are for one round: the ones for this round are spent.
            sqlx::query(
                "UPDATE coffee_members SET skip_round = NULL WHERE space_id = $1 AND skip_round <= $2",
            )
            .bind(new.space_id)
            .bind(new.round_no)
            .execute(&mut *tx)
            .await?;
            let mut t = Tx::from(&mut *tx);
            t.enqueue_job(
                &round_job(new.space_id, generation, new.round_no + 1, ends_at),
                now,
            )
            .await?;
            if grouping.is_some() {
                let ask = NewJob {
                    kind: COFFEE_ASK.into(),
                    payload: format!(r#"{{"space":{},"round":{}}}"#, new.space_id, new.round_no),
                    run_at: (ends_at - 2 * DAY_MS).max(new.starts_at),
                    max_attempts: 10,
                    dedupe_key: Some(format!("coffee:{}:ask:{}", new.space_id, new.round_no)),
                };
                t.enqueue_job(&ask, now).await?;
            }
            Formed::Round(grouping)
        }))
    }

    /// Asks a round's members who have not answered whether they met, once per round; the
    /// number of people asked, or `None` when the round was asked already (or has no pairs).
    pub async fn ask_coffee(&self, space: SpaceId, round: i64, now: i64) -> Result<Option<u64>> {
        Ok(write_tx!(self, |tx| {
            let grouping: Option<Option<i64>> = sqlx::query_scalar(
                "UPDATE coffee_rounds SET asked_at = $3 WHERE space_id = $1 AND round_no = $2 \
                 AND asked_at IS NULL RETURNING grouping_id",
            )
            .bind(space)
            .bind(round)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(Some(grouping)) = grouping else {
                return Ok(None);
            };
            let asked = sqlx::query(
                "INSERT INTO notifications (person_id, kind, actor_id, space_id, created_at) \
                 SELECT me.person_id, $2, o.person_id, $3, $4 FROM grouping_members me \
                 JOIN grouping_members o ON o.grouping_id = me.grouping_id \
                      AND o.group_no = me.group_no AND o.person_id <> me.person_id \
                 WHERE me.grouping_id = $1 AND me.met IS NULL",
            )
            .bind(grouping)
            .bind(NoticeKind::CoffeeMet.as_str())
            .bind(space)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            Some(asked)
        }))
    }

    /// Records `person`'s answer to "did you meet?" for a round of coffee (they may change it).
    /// Not found when they were not in it.
    pub async fn answer_coffee(
        &self,
        grouping: i64,
        person: PersonId,
        met: &str,
        now: i64,
    ) -> Result<()> {
        let done = on_pool!(self, |p| {
            sqlx::query(
            "UPDATE grouping_members SET met = $3, met_at = $4 WHERE grouping_id = $1 AND person_id = $2 \
             AND grouping_id IN (SELECT id FROM groupings WHERE kind = 'coffee')"
        )
        .bind(grouping)
        .bind(person)
        .bind(met)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        if done == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound("coffee round"))
        }
    }

    /// The space a coffee round's grouping belongs to.
    pub async fn coffee_space(&self, grouping: i64) -> Result<Option<SpaceId>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT space_id FROM groupings WHERE id = $1 AND kind = 'coffee'"
        )
        .bind(grouping)
        .fetch_optional(p)
        .await)?)
    }

    /// A space's rounds, newest first, with their counts of answers.
    pub async fn coffee_rounds(&self, space: SpaceId) -> Result<Vec<RoundSummary>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT r.round_no, r.grouping_id, r.people, r.starts_at, r.ends_at, r.asked_at, \
             COALESCE(SUM(CASE WHEN gm.met = 'yes' THEN 1 ELSE 0 END), 0) AS yes, \
             COALESCE(SUM(CASE WHEN gm.met = 'not_yet' THEN 1 ELSE 0 END), 0) AS not_yet, \
             COALESCE(SUM(CASE WHEN gm.met = 'couldnt' THEN 1 ELSE 0 END), 0) AS couldnt, \
             COALESCE(SUM(CASE WHEN gm.person_id IS NOT NULL AND gm.met IS NULL THEN 1 ELSE 0 END), 0) AS unanswered \
             FROM coffee_rounds r LEFT JOIN grouping_members gm ON gm.grouping_id = r.grouping_id \
             WHERE r.space_id = $1 GROUP BY r.round_no, r.grouping_id, r.people, r.starts_at, \
             r.ends_at, r.asked_at ORDER BY r.round_no DESC",
        )
        .bind(space)
        .fetch_all(p)
        .await
        })?)
    }

    /// Who takes part in round `round`: opted in, still a member of the space, and not
    /// skipping it; by id.
    pub async fn coffee_participants(&self, space: SpaceId, round: i64) -> Result<Vec<PersonId>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT c.person_id FROM coffee_members c \
             JOIN space_members m ON m.space_id = c.space_id AND m.person_id = c.person_id \
             WHERE c.space_id = $1 AND (c.skip_round IS NULL OR c.skip_round <> $2) \
             ORDER BY c.person_id"
        )
        .bind(space)
        .bind(round)
        .fetch_all(p)
        .await)?)
    }
}
