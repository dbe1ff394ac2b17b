//! Programs, their cohorts, and who is enrolled in each (DESIGN C1–C3).
//!
//! The rules that must hold whatever the caller checked are checked here, in the writing
//! transaction, after the cohort's row is locked (an `UPDATE` of it, which takes the row lock
//! on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers anyway):
//! - a cohort's facilitator manages none of its participants, directly or further up the
//!   chain, whether the facilitator is assigned or someone is enrolled later;
//! - the facilitator is not also a participant;
//! - nobody is enrolled twice, and past the capacity people go on the waiting list, which
//!   moves up in the order people asked when a place frees.
//!
//! Enrolled people are members of the cohort's channel; the waiting list is not. Removing
//! someone keeps their enrolment row as `removed`, so their history stays.

use chrono::NaiveDate;
use peerlab_core::program::{EnrolState, Template};
use peerlab_core::space::{NoticeKind, SpaceKind, Title, Visibility};
use serde::Serialize;

use crate::ids::{CohortId, PersonId, ProgramId, SessionId, SkillId, SpaceId, ThreadId};
use crate::sessions::{NewSession, SessionDetails};
use crate::spaces::{NewNotification, PostInput};
use crate::tx::{on_conn, Tx};
use crate::{conflict_on_unique, keyword, on_pool, write_tx, Result, Store, StoreError};

/// How far up a management chain the neutral-facilitator check looks; also what stops a
/// cycle in bad directory data from looping.
const MAX_CHAIN: i64 = 64;

/// What a new program is made of; the values are checked by the caller.
#[derive(Debug, Clone)]
pub struct NewProgram {
    pub name: String,
    pub purpose: String,
    pub template: Template,
    pub moment: String,
    pub anchor: NaiveDate,
    pub skills: Vec<SkillId>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Program {
    pub id: ProgramId,
    pub name: String,
    pub purpose: String,
    pub template: Template,
    pub moment: String,
    #[serde(serialize_with = "iso_day")]
    pub anchor: NaiveDate,
    pub created_by: Option<PersonId>,
    pub created_at: i64,
    pub skills: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct ProgramRow {
    id: ProgramId,
    name: String,
    purpose: String,
    template: String,
    moment: String,
    anchor: String,
    created_by: Option<PersonId>,
    created_at: i64,
}

fn decode<T, E: std::error::Error + Send + Sync + 'static>(
    r: std::result::Result<T, E>,
) -> Result<T> {
    r.map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))
}

impl ProgramRow {
    fn program(self, skills: Vec<String>) -> Result<Program> {
        Ok(Program {
            id: self.id,
            name: self.name,
            purpose: self.purpose,
            template: decode(Template::parse(&self.template))?,
            moment: self.moment,
            anchor: decode(NaiveDate::parse_from_str(&self.anchor, "%Y-%m-%d"))?,
            created_by: self.created_by,
            created_at: self.created_at,
            skills,
        })
    }
}

/// A day as `YYYY-MM-DD` (chrono is built without serde).
fn iso_day<S: serde::Serializer>(day: &NaiveDate, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(day)
}

/// A program in a list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ProgramSummary {
    pub id: ProgramId,
    pub name: String,
    pub purpose: String,
    pub template_key: String,
    pub moment: String,
    pub anchor: String,
    pub cohort_count: i64,
    pub participant_count: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Cohort {
    pub id: CohortId,
    pub program_id: ProgramId,
    pub program_name: String,
    pub name: String,
    pub space_id: SpaceId,
    pub facilitator_id: Option<PersonId>,
    pub facilitator_name: Option<String>,
    /// Days from the program's anchor to this cohort's.
    pub shift_days: i64,
    pub capacity: Option<i64>,
    pub self_enrol: bool,
    /// The zone its sessions are planned in.
    pub time_zone: String,
    pub enrolled: i64,
    pub waiting: i64,
    pub created_at: i64,
}

/// What a new cohort is made of: its channel's name and rules, and the introductions thread
/// its facilitator opens there (rendered by the caller).
#[derive(Debug, Clone)]
pub struct NewCohort {
    pub program_id: ProgramId,
    pub name: String,
    pub facilitator: PersonId,
    pub shift_days: i64,
    pub capacity: Option<i64>,
    pub self_enrol: bool,
    pub channel_name: String,
    pub channel_description: String,
    pub rules: String,
    pub intro_title: Title,
    pub intro_question: String,
    pub intro: PostInput,
    /// The zone its sessions are planned in.
    pub time_zone: String,
    /// Its sessions from the template: (uid, stage, details); the facilitator organises them.
    pub sessions: Vec<(String, i64, SessionDetails)>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Enrolment {
    pub person_id: PersonId,
    pub name: String,
    pub email: String,
    pub title: String,
    pub department: String,
    #[sqlx(try_from = "String")]
    pub state: EnrolState,
    pub requested_at: i64,
    pub changed_at: i64,
}

/// What an enrolment request did, person by person.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct EnrolReport {
    pub enrolled: Vec<PersonId>,
    pub waiting: Vec<PersonId>,
    /// Already enrolled or waiting; nothing changed for them.
    pub already: Vec<PersonId>,
}

/// A cohort someone is in, with where they stand.
#[derive(Debug, Clone, Serialize)]
pub struct MyCohort {
    pub cohort: Cohort,
    pub state: EnrolState,
}

const COHORT_FIELDS: &str = "c.id, c.program_id, pr.name AS program_name, c.name, c.space_id, \
     c.facilitator_id, f.name AS facilitator_name, c.shift_days, c.capacity, (c.self_enrol <> 0) AS self_enrol, c.time_zone, \
     (SELECT COUNT(*) FROM enrolments e WHERE e.cohort_id = c.id AND e.state = 'enrolled') AS enrolled, \
     (SELECT COUNT(*) FROM enrolments e WHERE e.cohort_id = c.id AND e.state = 'waiting') AS waiting, \
     c.created_at";
const COHORT_FROM: &str =
    "FROM cohorts c JOIN programs pr ON pr.id = c.program_id LEFT JOIN people f ON f.id = c.facilitator_id";

const PROGRAM_SUMMARY: &str =
    "SELECT pr.id, pr.name, pr.purpose, pr.template_key, pr.moment, pr.anchor, \
     (SELECT COUNT(*) FROM cohorts c WHERE c.program_id = pr.id) AS cohort_count, \
     (SELECT COUNT(*) FROM enrolments e JOIN cohorts c ON c.id = e.cohort_id \
        WHERE c.program_id = pr.id AND e.state = 'enrolled') AS participant_count \
     FROM programs pr";

/// The locked cohort a write works on.
pub(crate) struct Locked {
    facilitator: Option<PersonId>,
    capacity: Option<i64>,
    space_id: SpaceId,
}

impl Store {
    pub async fn create_program(
        &self,
        new: &NewProgram,
        creator: PersonId,
        now: i64,
    ) -> Result<ProgramId> {
        let template = serde_json::to_string(&new.template)
            .map_err(|e| StoreError::Database(sqlx::Error::Encode(Box::new(e))))?;
        Ok(write_tx!(self, |tx| {
            let id: ProgramId = sqlx::query_scalar(
                "INSERT INTO programs (name, purpose, template_key, template, moment, anchor, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            )
            .bind(&new.name)
            .bind(&new.purpose)
            .bind(&new.template.key)
            .bind(&template)
            .bind(&new.moment)
            .bind(new.anchor.to_string())
            .bind(creator)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for skill in &new.skills {
                sqlx::query("INSERT INTO program_skills (program_id, skill_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(*skill)
                    .execute(&mut *tx)
                    .await?;
            }
            id
        }))
    }

    pub async fn program(&self, id: ProgramId) -> Result<Option<Program>> {
        let row: Option<ProgramRow> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT id, name, purpose, template, moment, anchor, created_by, created_at FROM programs WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await
        })?;
        let Some(row) = row else { return Ok(None) };
        let skills: Vec<String> = on_pool!(self, |p| {
            sqlx::query_scalar(
            "SELECT s.name FROM program_skills ps JOIN skills s ON s.id = ps.skill_id WHERE ps.program_id = $1 ORDER BY s.name"
        )
        .bind(id)
        .fetch_all(p)
        .await
        })?;
        row.program(skills).map(Some)
    }

    /// Programs, newest first: all of them (`all`, for those who run programs), or those in
    /// which `person` is enrolled or waiting, or could enrol themselves.
    pub async fn programs_for(&self, person: PersonId, all: bool) -> Result<Vec<ProgramSummary>> {
        let sql = if all {
            format!("{PROGRAM_SUMMARY} WHERE $1 = $1 ORDER BY pr.created_at DESC, pr.id DESC")
        } else {
            format!(
                "{PROGRAM_SUMMARY} WHERE EXISTS (SELECT 1 FROM cohorts c LEFT JOIN enrolments e \
                   ON e.cohort_id = c.id AND e.person_id = $1 \
                 WHERE c.program_id = pr.id AND (e.state IN ('enrolled', 'waiting') OR c.self_enrol <> 0 OR c.facilitator_id = $1)) \
                 ORDER BY pr.created_at DESC, pr.id DESC"
            )
        };
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(person)
            .fetch_all(p)
            .await)?)
    }

    /// Creates a cohort with its private channel (the program's ground rules, its facilitator
    /// as the channel's facilitator) and the introductions thread opened there.
    pub async fn create_cohort(&self, new: &NewCohort, now: i64) -> Result<CohortId> {
        Ok(write_tx!(self, |tx| {
            let space_id: SpaceId = sqlx::query_scalar(
                "INSERT INTO spaces (name, description, kind, visibility, rules, created_by, created_at, last_activity_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            )
            .bind(&new.channel_name)
            .bind(&new.channel_description)
            .bind(SpaceKind::CohortChannel.as_str())
            .bind(Visibility::Private.as_str())
            .bind(&new.rules)
            .bind(new.facilitator)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO space_members (space_id, person_id, role, joined_at) VALUES ($1, $2, 'facilitator', $3)",
            )
            .bind(space_id)
            .bind(new.facilitator)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let id: CohortId = sqlx::query_scalar(
                "INSERT INTO cohorts (program_id, name, space_id, facilitator_id, shift_days, capacity, self_enrol, time_zone, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $9, $8, $8) RETURNING id",
            )
            .bind(new.program_id)
            .bind(&new.name)
            .bind(space_id)
            .bind(new.facilitator)
            .bind(new.shift_days)
            .bind(new.capacity)
            .bind(i64::from(new.self_enrol))
            .bind(now)
            .bind(&new.time_zone)
            .fetch_one(&mut *tx)
            .await
            .map_err(conflict_on_unique(|| {
                format!("this program already has a cohort called \"{}\"", new.name)
            }))?;
            let thread_id: ThreadId = sqlx::query_scalar(
                "INSERT INTO threads (space_id, kind, title, question, author_id, created_at, last_activity_at) \
                 VALUES ($1, 'prompt', $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(space_id)
            .bind(new.intro_title.as_str())
            .bind(&new.intro_question)
            .bind(new.facilitator)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            Tx::from(&mut *tx)
                .insert_post(space_id, thread_id, new.facilitator, true, &new.intro, now)
                .await?;
            for (uid, stage, details) in &new.sessions {
                let session = NewSession {
                    uid: uid.clone(),
                    space_id,
                    cohort_id: Some(id),
                    stage: Some(*stage),
                    organizer: new.facilitator,
                    details: details.clone(),
                };
                Tx::from(&mut *tx).insert_session(&session, now).await?;
            }
            id
        }))
    }

    pub async fn cohort(&self, id: CohortId) -> Result<Option<Cohort>> {
        let sql = format!("SELECT {COHORT_FIELDS} {COHORT_FROM} WHERE c.id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// The cohort whose channel a space is, if it is one.
    pub async fn cohort_of_space(&self, space: SpaceId) -> Result<Option<CohortId>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT id FROM cohorts WHERE space_id = $1"
        )
        .bind(space)
        .fetch_optional(p)
        .await)?)
    }

    pub async fn cohorts(&self, program: ProgramId) -> Result<Vec<Cohort>> {
        let sql = format!(
            "SELECT {COHORT_FIELDS} {COHORT_FROM} WHERE c.program_id = $1 ORDER BY c.shift_days, c.id"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(program)
            .fetch_all(p)
            .await)?)
    }

    /// The cohorts `person` is enrolled or waiting in, with where they stand.
    pub async fn my_cohorts(&self, person: PersonId) -> Result<Vec<MyCohort>> {
        let sql = format!(
            "SELECT {COHORT_FIELDS}, me.state AS my_state {COHORT_FROM} JOIN enrolments me ON me.cohort_id = c.id \
             WHERE me.person_id = $1 AND me.state IN ('enrolled', 'waiting') ORDER BY c.shift_days, c.id"
        );
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            cohort: Cohort,
            my_state: String,
        }
        let rows: Vec<Row> = on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(person)
            .fetch_all(p)
            .await)?;
        rows.into_iter()
            .map(|r| {
                Ok(MyCohort {
                    cohort: r.cohort,
                    state: keyword(r.my_state)?,
                })
            })
            .collect()
    }

    /// Everyone who is or was in a cohort: enrolled by name, then the waiting list in its
    /// order, then those removed.
    pub async fn enrolments(&self, cohort: CohortId) -> Result<Vec<Enrolment>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT e.person_id, p.name, p.email, p.title, p.department, e.state, e.requested_at, e.changed_at \
             FROM enrolments e JOIN people p ON p.id = e.person_id WHERE e.cohort_id = $1 \
             ORDER BY CASE e.state WHEN 'enrolled' THEN 0 WHEN 'waiting' THEN 1 ELSE 2 END, \
               CASE WHEN e.state = 'waiting' THEN e.requested_at ELSE 0 END, p.sort_name, p.id"
        )
        .bind(cohort)
        .fetch_all(p)
        .await
        })?)
    }

    pub async fn enrolment_state(
        &self,
        cohort: CohortId,
        person: PersonId,
    ) -> Result<Option<EnrolState>> {
        let raw: Option<String> = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT state FROM enrolments WHERE cohort_id = $1 AND person_id = $2"
        )
        .bind(cohort)
        .bind(person)
        .fetch_optional(p)
        .await)?;
        raw.map(keyword).transpose()
    }

    /// Enrols people in a cohort, in the order given: up to its capacity as participants
    /// (members of its channel, told in a notification when `actor` is someone else), past it
    /// on the waiting list. Refused as a whole, naming the person, if the facilitator manages
    /// any of them or is one of them.
    pub async fn enrol(
        &self,
        cohort: CohortId,
        people: &[PersonId],
        actor: Option<PersonId>,
        now: i64,
    ) -> Result<EnrolReport> {
        Ok(write_tx!(self, |tx| {
            let mut tx = Tx::from(&mut *tx);
            let locked = tx.lock_cohort(cohort, now).await?;
            let mut report = EnrolReport::default();
            let mut enrolled = tx.enrolled_count(cohort).await?;
            for &person in people {
                match tx.state_of(cohort, person).await? {
                    Some(EnrolState::Enrolled | EnrolState::Waiting) => {
                        report.already.push(person);
                        continue;
                    }
                    Some(EnrolState::Removed) | None => {}
                }
                if let Some(f) = locked.facilitator {
                    if f == person {
                        return Err(StoreError::Conflict(format!(
                            "{} facilitates this cohort and cannot also be one of its participants",
                            tx.name_of(f).await?
                        )));
                    }
                    if let Some(depth) = tx.manages(f, person).await? {
                        let line = conflict(
                            &tx.name_of(f).await?,
                            &tx.name_of(person).await?,
                            depth,
                            ", who would be enrolled",
                        );
                        return Err(StoreError::Conflict(format!(
                            "{line}; a facilitator must not manage anyone in their cohort — choose another facilitator first"
                        )));
                    }
                }
                let state = if locked.capacity.is_some_and(|c| enrolled >= c) {
                    EnrolState::Waiting
                } else {
                    enrolled += 1;
                    EnrolState::Enrolled
                };
                tx.set_state(cohort, person, state, now).await?;
                if state == EnrolState::Enrolled {
                    tx.join_channel(locked.space_id, person, actor, now).await?;
                    tx.message_cohort_sessions(cohort, person, "REQUEST", now)
                        .await?;
                    report.enrolled.push(person);
                } else {
                    report.waiting.push(person);
                }
            }
            report
        }))
    }

    /// Takes someone out of a cohort (they leave, or `actor` removes them) and keeps their
    /// row as `removed`. A freed place goes to the first person on the waiting list, who is
    /// returned.
    pub async fn unenrol(
        &self,
        cohort: CohortId,
        person: PersonId,
        actor: Option<PersonId>,
        now: i64,
    ) -> Result<Option<PersonId>> {
        Ok(write_tx!(self, |tx| {
            let mut tx = Tx::from(&mut *tx);
            let locked = tx.lock_cohort(cohort, now).await?;
            let was = tx.state_of(cohort, person).await?;
            match was {
                Some(EnrolState::Enrolled | EnrolState::Waiting) => {}
                _ => return Err(StoreError::NotFound("enrolment")),
            }
            tx.set_state(cohort, person, EnrolState::Removed, now)
                .await?;
            let mut promoted = None;
            if was == Some(EnrolState::Enrolled) {
                tx.leave_channel(locked.space_id, person).await?;
                tx.message_cohort_sessions(cohort, person, "CANCEL", now)
                    .await?;
                let enrolled = tx.enrolled_count(cohort).await?;
                if locked.capacity.is_none_or(|c| enrolled < c) {
                    if let Some(next) = tx.first_waiting(cohort).await? {
                        tx.set_state(cohort, next, EnrolState::Enrolled, now)
                            .await?;
                        tx.join_channel(locked.space_id, next, actor.or(Some(person)), now)
                            .await?;
                        promoted = Some(next);
                    }
                }
            }
            promoted
        }))
    }

    /// Makes `person` the cohort's facilitator, in its channel too; the one before leaves the
    /// channel. Refused, naming the conflict, if they manage anyone enrolled or waiting, or
    /// are one of them.
    pub async fn set_facilitator(
        &self,
        cohort: CohortId,
        person: PersonId,
        now: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            let mut tx = Tx::from(&mut *tx);
            let locked = tx.lock_cohort(cohort, now).await?;
            if matches!(
                tx.state_of(cohort, person).await?,
                Some(EnrolState::Enrolled | EnrolState::Waiting)
            ) {
                return Err(StoreError::Conflict(format!(
                    "{} is a participant of this cohort; remove them first to make them its facilitator",
                    tx.name_of(person).await?
                )));
            }
            if let Some((participant, depth, state)) = tx.first_managed(cohort, person).await? {
                let suffix = if state == EnrolState::Waiting {
                    ", who is on the waiting list"
                } else {
                    ", who is enrolled"
                };
                return Err(StoreError::Conflict(conflict(
                    &tx.name_of(person).await?,
                    &tx.name_of(participant).await?,
                    depth,
                    suffix,
                )));
            }
            tx.set_facilitator(cohort, locked.space_id, locked.facilitator, person, now)
                .await?;
        });
        Ok(())
    }
}

/// "Tomás Okafor manages Mia Chen, who is enrolled", or, further up the chain, "Tomás
/// Okafor manages Mia Chen (2 levels up the management chain), who is enrolled".
fn conflict(facilitator: &str, participant: &str, depth: i64, suffix: &str) -> String {
    if depth <= 1 {
        format!("{facilitator} manages {participant}{suffix}")
    } else {
        format!(
            "{facilitator} manages {participant} ({depth} levels up the management chain){suffix}"
        )
    }
}

impl Tx<'_> {
    /// Locks the cohort's row (both databases: an UPDATE), so enrolments wait for the
    /// transaction; `NotFound` when there is no such cohort.
    pub(crate) async fn lock_cohort(&mut self, cohort: CohortId, now: i64) -> Result<Locked> {
        let row: Option<(Option<PersonId>, Option<i64>, SpaceId)> = on_conn!(self, |c| {
            sqlx::query_as(
                "UPDATE cohorts SET updated_at = $2 WHERE id = $1 RETURNING facilitator_id, capacity, space_id",
            )
            .bind(cohort)
            .bind(now)
            .fetch_optional(&mut *c)
            .await
        })?;
        let (facilitator, capacity, space_id) = row.ok_or(StoreError::NotFound("cohort"))?;
        Ok(Locked {
            facilitator,
            capacity,
            space_id,
        })
    }

    async fn enrolled_count(&mut self, cohort: CohortId) -> Result<i64> {
        Ok(on_conn!(self, |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM enrolments WHERE cohort_id = $1 AND state = 'enrolled'"
        )
        .bind(cohort)
        .fetch_one(&mut *c)
        .await)?)
    }

    async fn state_of(&mut self, cohort: CohortId, person: PersonId) -> Result<Option<EnrolState>> {
        let raw: Option<String> = on_conn!(self, |c| sqlx::query_scalar(
            "SELECT state FROM enrolments WHERE cohort_id = $1 AND person_id = $2"
        )
        .bind(cohort)
        .bind(person)
        .fetch_optional(&mut *c)
        .await)?;
        raw.map(keyword).transpose()
    }

    /// Sets where someone stands; a new request (a first enrolment, or one after a removal)
    /// takes its place at the end of the waiting order.
    async fn set_state(
        &mut self,
        cohort: CohortId,
        person: PersonId,
        state: EnrolState,
        now: i64,
    ) -> Result<()> {
        on_conn!(self, |c| {
            sqlx::query(
            "INSERT INTO enrolments (cohort_id, person_id, state, requested_at, changed_at) VALUES ($1, $2, $3, $4, $4) \
             ON CONFLICT (cohort_id, person_id) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at, \
               requested_at = CASE WHEN enrolments.state = 'removed' THEN excluded.requested_at ELSE enrolments.requested_at END"
        )
        .bind(cohort)
        .bind(person)
        .bind(state.as_str())
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    async fn first_waiting(&mut self, cohort: CohortId) -> Result<Option<PersonId>> {
        Ok(on_conn!(self, |c| sqlx::query_scalar(
            "SELECT person_id FROM enrolments WHERE cohort_id = $1 AND state = 'waiting' \
             ORDER BY requested_at, person_id LIMIT 1"
        )
        .bind(cohort)
        .fetch_optional(&mut *c)
        .await)?)
    }

    async fn name_of(&mut self, person: PersonId) -> Result<String> {
        let name: Option<String> = on_conn!(self, |c| sqlx::query_scalar(
            "SELECT name FROM people WHERE id = $1"
        )
        .bind(person)
        .fetch_optional(&mut *c)
        .await)?;
        name.ok_or(StoreError::NotFound("person"))
    }

    /// How many levels above `person` `manager` stands in the management chain (1: their
    /// own manager), if at all.
    async fn manages(&mut self, manager: PersonId, person: PersonId) -> Result<Option<i64>> {
        Ok(on_conn!(self, |c| {
            sqlx::query_scalar(
            "WITH RECURSIVE chain(id, depth) AS ( \
               SELECT manager_id, CAST(1 AS BIGINT) FROM people WHERE id = $1 AND manager_id IS NOT NULL \
               UNION ALL \
               SELECT p.manager_id, ch.depth + 1 FROM chain ch JOIN people p ON p.id = ch.id \
               WHERE p.manager_id IS NOT NULL AND ch.depth < $3) \
             SELECT MIN(depth) FROM chain WHERE id = $2"
        )
        .bind(person)
        .bind(manager)
        .bind(MAX_CHAIN)
        .fetch_one(&mut *c)
        .await
        })?)
    }

    /// The first participant (enrolled or waiting) whom `manager` manages, with the depth.
    async fn first_managed(
        &mut self,
        cohort: CohortId,
        manager: PersonId,
    ) -> Result<Option<(PersonId, i64, EnrolState)>> {
        let row: Option<(PersonId, i64, String)> = on_conn!(self, |c| {
            sqlx::query_as(
            "WITH RECURSIVE chain(person, manager, depth) AS ( \
               SELECT p.id, p.manager_id, CAST(1 AS BIGINT) FROM enrolments e JOIN people p ON p.id = e.person_id \
               WHERE e.cohort_id = $1 AND e.state IN ('enrolled', 'waiting') AND p.manager_id IS NOT NULL \
               UNION ALL \
               SELECT ch.person, p.manager_id, ch.depth + 1 FROM chain ch JOIN people p ON p.id = ch.manager \
               WHERE p.manager_id IS NOT NULL AND ch.depth < $3) \
             SELECT ch.person, ch.depth, e.state FROM chain ch \
             JOIN enrolments e ON e.cohort_id = $1 AND e.person_id = ch.person \
             JOIN people pp ON pp.id = ch.person \
             WHERE ch.manager = $2 ORDER BY ch.depth, pp.sort_name, ch.person LIMIT 1"
        )
        .bind(cohort)
        .bind(manager)
        .bind(MAX_CHAIN)
        .fetch_optional(&mut *c)
        .await
        })?;
        row.map(|(p, d, s)| Ok((p, d, keyword(s)?))).transpose()
    }

    async fn join_channel(
        &mut self,
        space_id: SpaceId,
        person: PersonId,
        actor: Option<PersonId>,
        now: i64,
    ) -> Result<()> {
        on_conn!(self, |c| {
            sqlx::query(
            "INSERT INTO space_members (space_id, person_id, role, joined_at) VALUES ($1, $2, 'member', $3) \
             ON CONFLICT (space_id, person_id) DO NOTHING"
        )
        .bind(space_id)
        .bind(person)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        if let Some(actor) = actor.filter(|a| *a != person) {
            self.notify(&NewNotification {
                person_id: person,
                kind: NoticeKind::Added,
                actor,
                space_id,
                thread_id: None,
                post_id: None,
                now,
            })
            .await?;
        }
        Ok(())
    }

    async fn leave_channel(&mut self, space_id: SpaceId, person: PersonId) -> Result<()> {
        on_conn!(self, |c| {
            sqlx::query(
            "DELETE FROM space_members WHERE space_id = $1 AND person_id = $2 AND role <> 'facilitator'"
        )
        .bind(space_id)
        .bind(person)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    async fn set_facilitator(
        &mut self,
        cohort: CohortId,
        space_id: SpaceId,
        before: Option<PersonId>,
        person: PersonId,
        now: i64,
    ) -> Result<()> {
        on_conn!(self, |c| {
            sqlx::query("UPDATE cohorts SET facilitator_id = $1 WHERE id = $2")
                .bind(person)
                .bind(cohort)
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "INSERT INTO space_members (space_id, person_id, role, joined_at) VALUES ($1, $2, 'facilitator', $3) \
                 ON CONFLICT (space_id, person_id) DO UPDATE SET role = 'facilitator'",
            )
            .bind(space_id)
            .bind(person)
            .bind(now)
            .execute(&mut *c)
            .await?;
            if let Some(before) = before.filter(|b| *b != person) {
                sqlx::query("DELETE FROM space_members WHERE space_id = $1 AND person_id = $2")
                    .bind(space_id)
                    .bind(before)
                    .execute(&mut *c)
                    .await?;
            }
            Ok::<_, StoreError>(())
        })?;
        // The new facilitator organises the sessions still to come: a calendar must show
        // the new ORGANIZER, so each is a change (a new SEQUENCE, an updated invitation).
        let ids: Vec<SessionId> = on_conn!(self, |c| {
            sqlx::query_scalar(
            "UPDATE learning_sessions SET organizer_id = $1, sequence = sequence + 1, updated_at = $2 \
             WHERE cohort_id = $3 AND cancelled = 0 AND ends_at > $2 AND (organizer_id IS NULL OR organizer_id <> $1) RETURNING id"
        )
        .bind(person)
        .bind(now)
        .bind(cohort)
        .fetch_all(&mut *c)
        .await
        })?;
        for id in ids {
            self.message_invitees(id, "REQUEST", now).await?;
        }
        Ok(())
    }
}

impl Store {
    /// The company's own templates, by name.
    pub async fn custom_templates(&self) -> Result<Vec<Template>> {
        let rows: Vec<String> = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT template FROM program_templates ORDER BY key"
        )
        .fetch_all(p)
        .await)?;
        let mut out: Vec<Template> = rows
            .iter()
            .map(|json| decode(Template::parse(json)))
            .collect::<Result<_>>()?;
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    pub async fn custom_template(&self, key: &str) -> Result<Option<Template>> {
        let row: Option<String> = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT template FROM program_templates WHERE key = $1"
        )
        .bind(key)
        .fetch_optional(p)
        .await)?;
        row.map(|json| decode(Template::parse(&json))).transpose()
    }

    /// Saves a new template (its key must be free) or, with `replace`, a new version of one.
    pub async fn save_template(
        &self,
        template: &Template,
        replace: bool,
        by: PersonId,
        now: i64,
    ) -> Result<()> {
        let json = serde_json::to_string(template)
            .map_err(|e| StoreError::Database(sqlx::Error::Encode(Box::new(e))))?;
        if replace {
            let n = on_pool!(self, |p| sqlx::query(
                "UPDATE program_templates SET template = $1, updated_at = $2 WHERE key = $3"
            )
            .bind(&json)
            .bind(now)
            .bind(&template.key)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
            if n == 0 {
                return Err(StoreError::NotFound("program template"));
            }
        } else {
            on_pool!(self, |p| sqlx::query(
                "INSERT INTO program_templates (key, template, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)"
            )
            .bind(&template.key)
            .bind(&json)
            .bind(by)
            .bind(now)
            .execute(p)
            .await
            .map(|_| ()))
            .map_err(conflict_on_unique(|| format!("a template with the key \"{}\" exists", template.key)))?;
        }
        Ok(())
    }
}
