//! Groupings formed in the product and kept as history (DESIGN C5, C6, A2): a session's
//! small groups, each with its private space, and the people's own block lists. Every later
//! grouping reads who met whom, in which role and when, from here ([`Store::meetings`]), across
//! all programs.

use serde::Serialize;

use crate::ids::{CohortId, PersonId, SessionId, SpaceId, ThreadId};
use crate::spaces::{NewNotification, PostInput};
use crate::tx::{on_conn, Tx};
use crate::{on_pool, write_tx, Result, Store, StoreError};
use peerlab_core::space::{NoticeKind, SpaceKind, ThreadKind, Title, Visibility};

// People per round of queries (see `grouping.rs`).
const IDS_PER_QUERY: usize = 500;

/// A session's small groups, as confirmed from a preview.
#[derive(Debug, Clone)]
pub struct NewGroups {
    pub session_id: SessionId,
    pub cohort_id: CohortId,
    /// The cohort's channel, where the debrief thread goes.
    pub channel: SpaceId,
    /// The session's local day, from which later groupings age this meeting.
    pub on_date: String,
    pub challenge: String,
    pub formed_by: PersonId,
    /// Who facilitates every group's space besides its members (the cohort's facilitator and
    /// whoever formed the groups).
    pub facilitators: Vec<PersonId>,
    /// The enrolled people the preview grouped, sorted: the cohort must still be exactly
    /// these people, or the preview is stale.
    pub roster: Vec<PersonId>,
    pub groups: Vec<NewGroup>,
    /// The rules every group's space starts with.
    pub rules: String,
    /// The thread in the channel where each group posts its approach.
    pub debrief_title: Title,
    pub debrief: PostInput,
    /// The opening post of each group's space: the challenge and the framework.
    pub brief_title: Title,
    pub brief: PostInput,
}

/// A cohort's accountability partners, as confirmed from a preview.
#[derive(Debug, Clone)]
pub struct NewPartners {
    pub cohort_id: CohortId,
    pub channel: SpaceId,
    pub on_date: String,
    pub formed_by: PersonId,
    /// The enrolled people matched, sorted (see [`NewGroups::roster`]).
    pub roster: Vec<PersonId>,
    /// Each pair (or trio) and why they fit.
    pub pairs: Vec<(Vec<PersonId>, String)>,
}

/// One group to create: its space and its members.
#[derive(Debug, Clone)]
pub struct NewGroup {
    pub space_name: String,
    pub space_description: String,
    pub summary: String,
    /// Member, role (empty for none) and why they are here.
    pub members: Vec<(PersonId, String, String)>,
}

/// A stored grouping with its groups, as its pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct StoredGrouping {
    pub id: i64,
    pub session_id: Option<SessionId>,
    pub cohort_id: Option<CohortId>,
    pub on_date: String,
    pub challenge: String,
    pub debrief_thread_id: Option<ThreadId>,
    pub formed_at: i64,
    pub groups: Vec<StoredGroup>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredGroup {
    pub number: i64,
    pub space_id: Option<SpaceId>,
    pub summary: String,
    pub members: Vec<GroupMember>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct GroupMember {
    #[serde(skip)]
    pub group_no: i64,
    pub person_id: PersonId,
    pub name: String,
    pub email: String,
    pub department: String,
    pub role: String,
    pub reasons: String,
    /// A partner's request to be rematched, with its reason (partners only).
    pub rematch_reason: Option<String>,
    /// A coffee partner's answer to "did you meet?" (coffee rounds only).
    pub met: Option<String>,
}

/// One person's row of an earlier grouping: everyone sharing a grouping and a group met.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MeetingRow {
    pub grouping_id: i64,
    /// `groups`, `partners` or `coffee`.
    pub kind: String,
    pub group_no: i64,
    pub on_date: String,
    pub person_id: PersonId,
    pub role: String,
}

/// A grouping one person took part in, for their own history.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MyGrouping {
    pub grouping_id: i64,
    pub kind: String,
    pub on_date: String,
    pub group_no: i64,
    pub role: String,
    pub reasons: String,
    pub session_id: Option<SessionId>,
    pub session_title: Option<String>,
    pub group_space_id: Option<SpaceId>,
    pub group_space_name: Option<String>,
    /// The others in the group, names separated by ", ".
    pub others: String,
}

/// Someone on a person's block list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Blocked {
    pub person_id: PersonId,
    pub name: String,
    pub email: String,
    pub created_at: i64,
}

// (id, session, cohort, day, challenge, debrief thread, formed at) of a stored grouping.
type GroupingHead = (
    i64,
    Option<SessionId>,
    Option<CohortId>,
    String,
    String,
    Option<ThreadId>,
    i64,
);

impl Store {
    /// Creates a session's groups from a confirmed preview, in one transaction: the grouping
    /// as history, one private small-group space per group (its members, and the
    /// facilitators as facilitators) opening with the brief, the debrief thread in the
    /// cohort's channel, and an "added you to" notification for every member.
    ///
    /// Refused with a conflict, writing nothing, when the session already has groups or the
    /// cohort's enrolled people are no longer `roster` (the preview is stale).
    pub async fn confirm_groups(&self, new: &NewGroups, now: i64) -> Result<i64> {
        Ok(write_tx!(self, |tx| {
            Tx::from(&mut *tx)
                .check_roster(new.cohort_id, &new.roster, "form the groups again", now)
                .await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO groupings (kind, space_id, cohort_id, session_id, on_date, challenge, formed_by, formed_at) \
                 VALUES ('groups', $1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(new.channel)
            .bind(new.cohort_id)
            .bind(new.session_id)
            .bind(&new.on_date)
            .bind(&new.challenge)
            .bind(new.formed_by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(crate::conflict_on_unique(|| {
                "this session's groups were already formed".to_string()
            }))?;

            let debrief: ThreadId = sqlx::query_scalar(
                "INSERT INTO threads (space_id, kind, title, question, author_id, created_at, last_activity_at) \
                 VALUES ($1, $2, $3, '', $4, $5, $5) RETURNING id",
            )
            .bind(new.channel)
            .bind(ThreadKind::Challenge.as_str())
            .bind(new.debrief_title.as_str())
            .bind(new.formed_by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            Tx::from(&mut *tx)
                .insert_post(new.channel, debrief, new.formed_by, true, &new.debrief, now)
                .await?;
            Tx::from(&mut *tx).touch_space(new.channel, now).await?;
            sqlx::query("UPDATE groupings SET debrief_thread_id = $1 WHERE id = $2")
                .bind(debrief)
                .bind(id)
                .execute(&mut *tx)
                .await?;

            for (k, group) in new.groups.iter().enumerate() {
                let number = k as i64 + 1;
                let space: SpaceId = sqlx::query_scalar(
                    "INSERT INTO spaces (name, description, kind, visibility, rules, created_by, created_at, last_activity_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
                )
                .bind(&group.space_name)
                .bind(&group.space_description)
                .bind(SpaceKind::Group.as_str())
                .bind(Visibility::Private.as_str())
                .bind(&new.rules)
                .bind(new.formed_by)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                for f in &new.facilitators {
                    sqlx::query(
                        "INSERT INTO space_members (space_id, person_id, role, joined_at) VALUES ($1, $2, 'facilitator', $3) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(space)
                    .bind(*f)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                let brief: ThreadId = sqlx::query_scalar(
                    "INSERT INTO threads (space_id, kind, title, question, author_id, created_at, last_activity_at) \
                     VALUES ($1, $2, $3, '', $4, $5, $5) RETURNING id",
                )
                .bind(space)
                .bind(ThreadKind::Challenge.as_str())
                .bind(new.brief_title.as_str())
                .bind(new.formed_by)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                Tx::from(&mut *tx)
                    .insert_post(space, brief, new.formed_by, true, &new.brief, now)
                    .await?;
                sqlx::query(
                    "INSERT INTO grouping_groups (grouping_id, group_no, space_id, summary) VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(number)
                .bind(space)
                .bind(&group.summary)
                .execute(&mut *tx)
                .await?;
                for (person, role, reasons) in &group.members {
                    sqlx::query(
                        "INSERT INTO space_members (space_id, person_id, role, joined_at) VALUES ($1, $2, 'member', $3) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(space)
                    .bind(*person)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO grouping_members (grouping_id, person_id, group_no, role, reasons) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(id)
                    .bind(*person)
                    .bind(number)
                    .bind(role)
                    .bind(reasons)
                    .execute(&mut *tx)
                    .await?;
                    Tx::from(&mut *tx)
                        .notify(&NewNotification {
                            person_id: *person,
                            kind: NoticeKind::Added,
                            actor: new.formed_by,
                            space_id: space,
                            thread_id: Some(brief),
                            post_id: None,
                            now,
                        })
                        .await?;
                }
            }
            id
        }))
    }

    /// A session's groups, if they were formed.
    pub async fn session_groups(&self, session: SessionId) -> Result<Option<StoredGrouping>> {
        let id: Option<i64> = on_pool!(self, |p| {
            sqlx::query_scalar("SELECT id FROM groupings WHERE session_id = $1")
                .bind(session)
                .fetch_optional(p)
                .await
        })?;
        match id {
            Some(id) => self.grouping_of(id).await,
            None => Ok(None),
        }
    }

    /// A cohort's accountability partners, if they were matched.
    pub async fn cohort_partners(&self, cohort: CohortId) -> Result<Option<StoredGrouping>> {
        let id: Option<i64> = on_pool!(self, |p| {
            sqlx::query_scalar(
                "SELECT id FROM groupings WHERE cohort_id = $1 AND kind = 'partners'",
            )
            .bind(cohort)
            .fetch_optional(p)
            .await
        })?;
        match id {
            Some(id) => self.grouping_of(id).await,
            None => Ok(None),
        }
    }

    /// One stored grouping with its groups and members.
    pub async fn grouping_of(&self, grouping: i64) -> Result<Option<StoredGrouping>> {
        let head: Option<GroupingHead> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT id, session_id, cohort_id, on_date, challenge, debrief_thread_id, formed_at FROM groupings WHERE id = $1",
            )
            .bind(grouping)
            .fetch_optional(p)
            .await
        })?;
        let Some((id, session_id, cohort_id, on_date, challenge, debrief_thread_id, formed_at)) =
            head
        else {
            return Ok(None);
        };
        let groups: Vec<(i64, Option<SpaceId>, String)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT group_no, space_id, summary FROM grouping_groups WHERE grouping_id = $1 ORDER BY group_no",
        )
        .bind(id)
        .fetch_all(p)
        .await
        })?;
        let members: Vec<GroupMember> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT gm.group_no, gm.person_id, p.name, p.email, p.department, gm.role, gm.reasons, gm.rematch_reason, gm.met \
             FROM grouping_members gm JOIN people p ON p.id = gm.person_id \
             WHERE gm.grouping_id = $1 ORDER BY gm.group_no, p.name, p.id",
        )
        .bind(id)
        .fetch_all(p)
        .await
        })?;
        let groups = groups
            .into_iter()
            .map(|(number, space_id, summary)| StoredGroup {
                number,
                space_id,
                summary,
                members: members
                    .iter()
                    .filter(|m| m.group_no == number)
                    .cloned()
                    .collect(),
            })
            .collect();
        Ok(Some(StoredGrouping {
            id,
            session_id,
            cohort_id,
            on_date,
            challenge,
            debrief_thread_id,
            formed_at,
            groups,
        }))
    }

    /// Every stored grouping row of `people`: rows sharing a grouping and a group number met,
    /// on that day, in those roles. Rows of people outside the list are not read (they are
    /// not in the pool either).
    pub async fn meetings(&self, people: &[PersonId]) -> Result<Vec<MeetingRow>> {
        let mut out = Vec::new();
        for chunk in people.chunks(IDS_PER_QUERY) {
            let list = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT gm.grouping_id, g.kind, gm.group_no, g.on_date, gm.person_id, gm.role \
                 FROM grouping_members gm JOIN groupings g ON g.id = gm.grouping_id \
                 WHERE gm.person_id IN ({list})"
            );
            let rows: Vec<MeetingRow> = on_pool!(self, |p| {
                let mut q = sqlx::query_as(&sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(p).await
            })?;
            out.extend(rows);
        }
        out.sort_by_key(|r| (r.grouping_id, r.group_no, r.person_id));
        Ok(out)
    }

    /// The groupings `person` took part in, newest first, with the others of their group.
    pub async fn my_groupings(&self, person: PersonId) -> Result<Vec<MyGrouping>> {
        // DIALECT: string aggregation is group_concat on SQLite and string_agg on PostgreSQL.
        let others = if matches!(self.pool, crate::Pool::Postgres(_)) {
            "string_agg(op.name, ', ' ORDER BY op.name)"
        } else {
            "group_concat(op.name, ', ')"
        };
        let sql = format!(
            "SELECT g.id AS grouping_id, g.kind, g.on_date, me.group_no, me.role, me.reasons, \
             g.session_id, s.title AS session_title, gg.space_id AS group_space_id, \
             sp.name AS group_space_name, COALESCE({others}, '') AS others \
             FROM grouping_members me JOIN groupings g ON g.id = me.grouping_id \
             LEFT JOIN learning_sessions s ON s.id = g.session_id \
             LEFT JOIN grouping_groups gg ON gg.grouping_id = g.id AND gg.group_no = me.group_no \
             LEFT JOIN spaces sp ON sp.id = gg.space_id \
             LEFT JOIN grouping_members o ON o.grouping_id = me.grouping_id AND o.group_no = me.group_no \
                  AND o.person_id <> me.person_id \
             LEFT JOIN people op ON op.id = o.person_id \
             WHERE me.person_id = $1 \
             GROUP BY g.id, g.kind, g.on_date, me.group_no, me.role, me.reasons, g.session_id, s.title, \
                  gg.space_id, sp.name, g.formed_at \
             ORDER BY g.formed_at DESC, g.id DESC"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(person)
            .fetch_all(p)
            .await)?)
    }

    /// Stores a cohort's accountability partners from a confirmed preview, in one
    /// transaction, after locking the cohort's row. Refused with a conflict, writing
    /// nothing, when the cohort already has partners or its enrolled people are no longer
    /// `roster`.
    pub async fn confirm_partners(&self, new: &NewPartners, now: i64) -> Result<i64> {
        Ok(write_tx!(self, |tx| {
            // The lock first: a second confirm waits, then finds the first one's partners.
            Tx::from(&mut *tx)
                .check_roster(new.cohort_id, &new.roster, "match the partners again", now)
                .await?;
            let already: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM groupings WHERE cohort_id = $1 AND kind = 'partners'",
            )
            .bind(new.cohort_id)
            .fetch_optional(&mut *tx)
            .await?;
            if already.is_some() {
                return Err(StoreError::Conflict(
                    "this cohort's partners were already matched".into(),
                ));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO groupings (kind, space_id, cohort_id, on_date, formed_by, formed_at) \
                 VALUES ('partners', $1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(new.channel)
            .bind(new.cohort_id)
            .bind(&new.on_date)
            .bind(new.formed_by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for (k, pair) in new.pairs.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO grouping_groups (grouping_id, group_no, summary) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(k as i64 + 1)
                .bind(&pair.1)
                .execute(&mut *tx)
                .await?;
                for person in &pair.0 {
                    sqlx::query(
                        "INSERT INTO grouping_members (grouping_id, person_id, group_no, reasons) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(id)
                    .bind(*person)
                    .bind(k as i64 + 1)
                    .bind(&pair.1)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            id
        }))
    }

    /// Records `person`'s one request to be rematched in `grouping`, with its reason.
    /// Refused when they are not in it, or asked already.
    pub async fn request_rematch(
        &self,
        grouping: i64,
        person: PersonId,
        reason: &str,
        now: i64,
    ) -> Result<()> {
        let done = on_pool!(self, |p| sqlx::query(
            "UPDATE grouping_members SET rematch_reason = $1, rematch_at = $2 \
             WHERE grouping_id = $3 AND person_id = $4 AND rematch_at IS NULL",
        )
        .bind(reason)
        .bind(now)
        .bind(grouping)
        .bind(person)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if done == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict(
                "you already asked to be rematched once; talk to your facilitator".into(),
            ))
        }
    }

    /// The people on `person`'s block list, by name.
    pub async fn blocked_by(&self, person: PersonId) -> Result<Vec<Blocked>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT b.blocked_id AS person_id, p.name, p.email, b.created_at FROM person_blocks b \
             JOIN people p ON p.id = b.blocked_id WHERE b.person_id = $1 ORDER BY p.name, p.id",
        )
        .bind(person)
        .fetch_all(p)
        .await)?)
    }

    /// Adds `blocked` to `person`'s block list; true when it was not there yet.
    pub async fn block(&self, person: PersonId, blocked: PersonId, now: i64) -> Result<bool> {
        let done = on_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO person_blocks (person_id, blocked_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(person)
        .bind(blocked)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(done == 1)
    }

    /// Takes `blocked` off `person`'s block list; true when they were on it.
    pub async fn unblock(&self, person: PersonId, blocked: PersonId) -> Result<bool> {
        let done = on_pool!(self, |p| sqlx::query(
            "DELETE FROM person_blocks WHERE person_id = $1 AND blocked_id = $2"
        )
        .bind(person)
        .bind(blocked)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }
}

impl Tx<'_> {
    /// Locks the cohort's row as enrolment does, so nobody joins or leaves between this
    /// check and the grouping's writes; refuses with a conflict when its enrolled people
    /// are no longer `roster` (sorted), the people a preview grouped.
    async fn check_roster(
        &mut self,
        cohort: CohortId,
        roster: &[PersonId],
        again: &str,
        now: i64,
    ) -> Result<()> {
        self.lock_cohort(cohort, now).await?;
        let enrolled: Vec<PersonId> = on_conn!(self, |c| {
            sqlx::query_scalar(
            "SELECT person_id FROM enrolments WHERE cohort_id = $1 AND state = 'enrolled' ORDER BY person_id",
        )
        .bind(cohort)
        .fetch_all(&mut *c)
        .await
        })?;
        if enrolled != roster {
            return Err(StoreError::Conflict(format!(
                "the cohort changed since this preview ({} enrolled then, {} now); {again}",
                roster.len(),
                enrolled.len()
            )));
        }
        Ok(())
    }
}
