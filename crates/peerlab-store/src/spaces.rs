//! Spaces, members and ground rules; threads, posts, edits, reactions and accepted answers;
//! flags, moderation and its audit log; notifications; search over posts.
//!
//! As everywhere in the store, callers decide who may do what (peerlab_core::space::Access);
//! the rules that must hold whatever the caller checked — a locked thread takes no reply, the
//! last facilitator stays, rules are accepted at their current version, nobody
//! reacts or flags twice — are checked here, inside the writing transaction.

use std::collections::HashMap;

use peerlab_core::space::{PostState, Reaction, SpaceKind, SpaceRole, ThreadKind, Visibility};
use peerlab_core::{Role, SkillName};
use serde::Serialize;

use crate::people::{fts_query, Tx};
use crate::{conflict_on_unique, on_pool, write_tx, Pool, Result, Store, StoreError};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Space {
    pub id: i64,
    pub name: String,
    pub description: String,
    #[sqlx(try_from = "String")]
    pub kind: SpaceKind,
    #[sqlx(try_from = "String")]
    pub visibility: Visibility,
    pub rules: String,
    pub rules_version: i64,
    pub auto_hide_flags: i64,
    pub created_at: i64,
    pub last_activity_at: i64,
    pub member_count: i64,
}

/// A person's place in a space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Membership {
    pub role: SpaceRole,
    /// The rules version last accepted; 0 before the first acceptance.
    pub accepted_version: i64,
}

/// A space in a list, with the viewer's role in it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SpaceSummary {
    pub id: i64,
    pub name: String,
    pub description: String,
    #[sqlx(try_from = "String")]
    pub kind: SpaceKind,
    #[sqlx(try_from = "String")]
    pub visibility: Visibility,
    pub member_count: i64,
    pub thread_count: i64,
    pub last_activity_at: i64,
    pub my_role: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Member {
    pub person_id: i64,
    pub name: String,
    pub title: String,
    pub department: String,
    #[sqlx(try_from = "String")]
    pub role: SpaceRole,
    pub accepted_version: i64,
    pub joined_at: i64,
}

/// What a new space is made of; the values are validated by the caller.
#[derive(Debug, Clone)]
pub struct NewSpace {
    pub name: String,
    pub description: String,
    pub kind: SpaceKind,
    pub visibility: Visibility,
    pub rules: String,
}

/// A space's editable settings.
#[derive(Debug, Clone)]
pub struct SpaceSettings {
    pub name: String,
    pub description: String,
    pub visibility: Visibility,
    pub auto_hide_flags: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ThreadSummary {
    pub id: i64,
    pub space_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: ThreadKind,
    pub title: String,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub reply_count: i64,
    pub locked: bool,
    pub answered: bool,
    pub created_at: i64,
    pub last_activity_at: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Thread {
    pub id: i64,
    pub space_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: ThreadKind,
    pub title: String,
    pub question: String,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub locked: bool,
    pub accepted_post_id: Option<i64>,
    pub reply_count: i64,
    pub created_at: i64,
    #[sqlx(skip)]
    pub skills: Vec<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Post {
    pub id: i64,
    pub thread_id: i64,
    pub space_id: i64,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub opening: bool,
    pub body: String,
    pub body_html: String,
    #[sqlx(try_from = "String")]
    pub state: PostState,
    pub flag_count: i64,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    #[sqlx(skip)]
    pub reactions: Vec<ReactionCount>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReactionCount {
    pub reaction: Reaction,
    pub count: i64,
    /// Whether the viewer gave it.
    pub mine: bool,
}

/// A thread with its posts, opening post first.
#[derive(Debug, Clone, Serialize)]
pub struct ThreadView {
    pub thread: Thread,
    pub posts: Vec<Post>,
}

/// What a new post is made of: the source, its sanitised HTML, its search terms, and the
/// people it mentions (already resolved and rendered by the caller).
#[derive(Debug, Clone, Default)]
pub struct PostInput {
    pub body: String,
    pub body_html: String,
    pub search_text: String,
    pub mentions: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct NewThread {
    pub space_id: i64,
    pub kind: ThreadKind,
    pub title: String,
    pub question: String,
    pub skills: Vec<SkillName>,
    pub post: PostInput,
}

/// An earlier version of a post.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Edit {
    pub body: String,
    pub edited_by: Option<i64>,
    pub editor_name: Option<String>,
    pub replaced_at: i64,
}

/// A post waiting for a moderator: flagged or hidden pending review.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct QueueItem {
    pub post_id: i64,
    pub thread_id: i64,
    pub thread_title: String,
    pub space_id: i64,
    pub space_name: String,
    pub author_name: Option<String>,
    pub body: String,
    #[sqlx(try_from = "String")]
    pub state: PostState,
    pub flag_count: i64,
    pub created_at: i64,
    #[sqlx(skip)]
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LogEntry {
    pub id: i64,
    pub space_id: i64,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub action: String,
    pub thread_id: Option<i64>,
    pub post_id: Option<i64>,
    pub detail: String,
    pub created_at: i64,
}

/// Moderator actions on a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    Hide,
    Restore,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub actor_name: Option<String>,
    pub space_id: i64,
    pub space_name: String,
    pub thread_id: Option<i64>,
    pub thread_title: Option<String>,
    pub post_id: Option<i64>,
    pub created_at: i64,
    pub read: bool,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SearchHit {
    pub post_id: i64,
    pub thread_id: i64,
    pub thread_title: String,
    pub space_id: i64,
    pub space_name: String,
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: i64,
}

/// Who searches, and where.
#[derive(Debug, Clone, Copy)]
pub struct SearchScope {
    pub person_id: i64,
    pub site_role: Role,
    /// Inside one space (the caller checked that the searcher may read it), or everywhere
    /// the searcher may read except confidential spaces.
    pub space_id: Option<i64>,
}

/// What a write did, for live updates and notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub thread_id: i64,
    pub post_id: i64,
}

/// People a post can notify by mention.
const MAX_MENTIONS: usize = 20;

const SPACE_COLUMNS: &str =
    "s.id, s.name, s.description, s.kind, s.visibility, s.rules, s.rules_version, \
     s.auto_hide_flags, s.created_at, s.last_activity_at, \
     (SELECT COUNT(*) FROM space_members m WHERE m.space_id = s.id) AS member_count FROM spaces s";

const THREAD_COLUMNS: &str =
    "t.id, t.space_id, t.kind, t.title, t.question, t.author_id, a.name AS author_name, \
     (t.locked <> 0) AS locked, t.accepted_post_id, t.reply_count, t.created_at \
     FROM threads t LEFT JOIN people a ON a.id = t.author_id";

const SUMMARY_COLUMNS: &str = "t.id, t.space_id, t.kind, t.title, t.author_id, a.name AS author_name, t.reply_count, \
     (t.locked <> 0) AS locked, (t.accepted_post_id IS NOT NULL) AS answered, t.created_at, t.last_activity_at \
     FROM threads t LEFT JOIN people a ON a.id = t.author_id";

const POST_COLUMNS: &str = "p.id, p.thread_id, p.space_id, p.author_id, a.name AS author_name, (p.opening <> 0) AS opening, \
     p.body, p.body_html, p.state, p.flag_count, p.created_at, p.edited_at \
     FROM posts p LEFT JOIN people a ON a.id = p.author_id";

/// Moderator actions in the audit log.
pub mod action {
    pub const HIDE: &str = "hide";
    pub const RESTORE: &str = "restore";
    pub const LOCK: &str = "lock";
    pub const UNLOCK: &str = "unlock";
    pub const AUTO_HIDE: &str = "auto_hide";
    pub const RULES: &str = "edit_rules";
    pub const SETTINGS: &str = "edit_settings";
    pub const ADD_MEMBER: &str = "add_member";
    pub const REMOVE_MEMBER: &str = "remove_member";
    pub const SET_ROLE: &str = "set_role";
}

fn last_keeper() -> StoreError {
    StoreError::Conflict(
        "every space keeps at least one facilitator: make someone else a facilitator first".into(),
    )
}

impl Store {
    // ---- Spaces and members ------------------------------------------------------------

    /// Creates a space; its creator is its first facilitator and, having written or kept its
    /// rules, has accepted them.
    pub async fn create_space(&self, new: &NewSpace, creator: i64, now: i64) -> Result<i64> {
        Ok(write_tx!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO spaces (name, description, kind, visibility, rules, created_by, created_at, last_activity_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            )
            .bind(&new.name)
            .bind(&new.description)
            .bind(new.kind.as_str())
            .bind(new.visibility.as_str())
            .bind(&new.rules)
            .bind(creator)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO space_members (space_id, person_id, role, joined_at, accepted_version) VALUES ($1, $2, 'facilitator', $3, 1)",
            )
            .bind(id)
            .bind(creator)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO rule_acceptances (space_id, person_id, version, accepted_at) VALUES ($1, $2, 1, $3)")
                .bind(id)
                .bind(creator)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            id
        }))
    }

    pub async fn space(&self, id: i64) -> Result<Option<Space>> {
        let sql = format!("SELECT {SPACE_COLUMNS} WHERE s.id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    pub async fn membership(&self, space_id: i64, person_id: i64) -> Result<Option<Membership>> {
        let row: Option<(String, i64)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT role, accepted_version FROM space_members WHERE space_id = $1 AND person_id = $2"
        )
        .bind(space_id)
        .bind(person_id)
        .fetch_optional(p)
        .await
        })?;
        Ok(row.and_then(|(role, accepted_version)| {
            Some(Membership {
                role: SpaceRole::parse(&role).ok()?,
                accepted_version,
            })
        }))
    }

    /// The spaces `person` may see: open ones, the ones they belong to, and for admins the
    /// private ones. Confidential spaces appear to their members only. Most recent first.
    pub async fn spaces_for(&self, person_id: i64, site_role: Role) -> Result<Vec<SpaceSummary>> {
        let sql = "SELECT s.id, s.name, s.description, s.kind, s.visibility, \
             (SELECT COUNT(*) FROM space_members m WHERE m.space_id = s.id) AS member_count, \
             (SELECT COUNT(*) FROM threads t WHERE t.space_id = s.id) AS thread_count, \
             s.last_activity_at, me.role AS my_role \
             FROM spaces s LEFT JOIN space_members me ON me.space_id = s.id AND me.person_id = $1 \
             WHERE me.person_id IS NOT NULL OR s.visibility = 'open' OR ($2 AND s.visibility = 'private') \
             ORDER BY (me.person_id IS NULL), s.last_activity_at DESC, s.id";
        Ok(on_pool!(self, |p| sqlx::query_as(sql)
            .bind(person_id)
            .bind(site_role == Role::Admin)
            .fetch_all(p)
            .await)?)
    }

    pub async fn update_space(
        &self,
        space_id: i64,
        settings: &SpaceSettings,
        actor: i64,
        now: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            let done = sqlx::query(
                "UPDATE spaces SET name = $1, description = $2, visibility = $3, auto_hide_flags = $4 WHERE id = $5",
            )
            .bind(&settings.name)
            .bind(&settings.description)
            .bind(settings.visibility.as_str())
            .bind(settings.auto_hide_flags)
            .bind(space_id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("space"));
            }
            tx.log(
                space_id,
                Some(actor),
                action::SETTINGS,
                None,
                None,
                &format!(
                    "visibility {}, auto-hide after {} flags",
                    settings.visibility, settings.auto_hide_flags
                ),
                now,
            )
            .await?;
        });
        Ok(())
    }

    /// Replaces the ground rules and raises their version: every member, the editor too,
    /// accepts again before contributing.
    pub async fn set_rules(&self, space_id: i64, rules: &str, actor: i64, now: i64) -> Result<i64> {
        Ok(write_tx!(self, |tx| {
            let version: Option<i64> = sqlx::query_scalar(
                "UPDATE spaces SET rules = $1, rules_version = rules_version + 1 WHERE id = $2 RETURNING rules_version",
            )
            .bind(rules)
            .bind(space_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(version) = version else {
                return Err(StoreError::NotFound("space"));
            };
            tx.log(
                space_id,
                Some(actor),
                action::RULES,
                None,
                None,
                &format!("version {version}"),
                now,
            )
            .await?;
            version
        }))
    }

    /// Records that `person` accepts version `version` of the rules. The version must be the
    /// current one: rules that changed while the person read them are read again.
    pub async fn accept_rules(
        &self,
        space_id: i64,
        person_id: i64,
        version: i64,
        now: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            let current: Option<i64> =
                sqlx::query_scalar("SELECT rules_version FROM spaces WHERE id = $1")
                    .bind(space_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(current) = current else {
                return Err(StoreError::NotFound("space"));
            };
            if current != version {
                return Err(StoreError::Conflict(format!(
                    "the ground rules changed while you read them (now version {current}); read them again and accept"
                )));
            }
            let done = sqlx::query("UPDATE space_members SET accepted_version = $1 WHERE space_id = $2 AND person_id = $3")
                .bind(version)
                .bind(space_id)
                .bind(person_id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("membership"));
            }
            sqlx::query(
                "INSERT INTO rule_acceptances (space_id, person_id, version, accepted_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (space_id, person_id, version) DO NOTHING",
            )
            .bind(space_id)
            .bind(person_id)
            .bind(version)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// When `person` accepted version `version`, if they did.
    pub async fn accepted_at(
        &self,
        space_id: i64,
        person_id: i64,
        version: i64,
    ) -> Result<Option<i64>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_scalar(
            "SELECT accepted_at FROM rule_acceptances WHERE space_id = $1 AND person_id = $2 AND version = $3"
        )
        .bind(space_id)
        .bind(person_id)
        .bind(version)
        .fetch_optional(p)
        .await
        })?)
    }

    /// Adds `person` to a space. `added_by` is `None` when they join by themselves; otherwise
    /// they are told in a notification and the addition is logged.
    pub async fn add_member(
        &self,
        space_id: i64,
        person_id: i64,
        role: SpaceRole,
        added_by: Option<i64>,
        now: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            sqlx::query("INSERT INTO space_members (space_id, person_id, role, joined_at) VALUES ($1, $2, $3, $4)")
                .bind(space_id)
                .bind(person_id)
                .bind(role.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(conflict_on_unique(|| "already a member of this space".into()))?;
            if let Some(actor) = added_by {
                tx.notify(person_id, "added", actor, space_id, None, None, now)
                    .await?;
                tx.log(
                    space_id,
                    Some(actor),
                    action::ADD_MEMBER,
                    None,
                    None,
                    &format!("person {person_id} as {role}"),
                    now,
                )
                .await?;
            }
        });
        Ok(())
    }

    /// Removes `person` from a space (they leave, or `removed_by` removes them); the last
    /// facilitator stays.
    pub async fn remove_member(
        &self,
        space_id: i64,
        person_id: i64,
        removed_by: Option<i64>,
        now: i64,
    ) -> Result<()> {
        let is_postgres = matches!(self.pool, Pool::Postgres(_));
        write_tx!(self, |tx| {
            tx.keep_a_facilitator(is_postgres, space_id, person_id, false)
                .await?;
            sqlx::query("DELETE FROM space_members WHERE space_id = $1 AND person_id = $2")
                .bind(space_id)
                .bind(person_id)
                .execute(&mut *tx)
                .await?;
            // What a former member was told about a space that is not open goes with them.
            sqlx::query(
                "DELETE FROM notifications WHERE space_id = $1 AND person_id = $2 \
                 AND EXISTS (SELECT 1 FROM spaces s WHERE s.id = $1 AND s.visibility <> 'open')",
            )
            .bind(space_id)
            .bind(person_id)
            .execute(&mut *tx)
            .await?;
            if let Some(actor) = removed_by {
                tx.log(
                    space_id,
                    Some(actor),
                    action::REMOVE_MEMBER,
                    None,
                    None,
                    &format!("person {person_id}"),
                    now,
                )
                .await?;
            }
        });
        Ok(())
    }

    /// Changes a member's role; the last facilitator keeps theirs.
    pub async fn set_member_role(
        &self,
        space_id: i64,
        person_id: i64,
        role: SpaceRole,
        actor: i64,
        now: i64,
    ) -> Result<()> {
        let is_postgres = matches!(self.pool, Pool::Postgres(_));
        write_tx!(self, |tx| {
            tx.keep_a_facilitator(
                is_postgres,
                space_id,
                person_id,
                role == SpaceRole::Facilitator,
            )
            .await?;
            sqlx::query(
                "UPDATE space_members SET role = $1 WHERE space_id = $2 AND person_id = $3",
            )
            .bind(role.as_str())
            .bind(space_id)
            .bind(person_id)
            .execute(&mut *tx)
            .await?;
            tx.log(
                space_id,
                Some(actor),
                action::SET_ROLE,
                None,
                None,
                &format!("person {person_id} to {role}"),
                now,
            )
            .await?;
        });
        Ok(())
    }

    pub async fn members(&self, space_id: i64) -> Result<Vec<Member>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT m.person_id, p.name, p.title, p.department, m.role, m.accepted_version, m.joined_at \
             FROM space_members m JOIN people p ON p.id = m.person_id WHERE m.space_id = $1 \
             ORDER BY CASE m.role WHEN 'facilitator' THEN 0 WHEN 'moderator' THEN 1 ELSE 2 END, p.sort_name"
        )
        .bind(space_id)
        .fetch_all(p)
        .await
        })?)
    }

    // ---- Threads and posts -------------------------------------------------------------

    pub async fn threads(
        &self,
        space_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ThreadSummary>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT t.id, t.space_id, t.kind, t.title, t.author_id, a.name AS author_name, t.reply_count, \
             (t.locked <> 0) AS locked, (t.accepted_post_id IS NOT NULL) AS answered, t.created_at, t.last_activity_at \
             FROM threads t LEFT JOIN people a ON a.id = t.author_id WHERE t.space_id = $1 \
             ORDER BY t.last_activity_at DESC, t.id DESC LIMIT $2 OFFSET $3"
        )
        .bind(space_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await
        })?)
    }

    /// One thread as its space's list shows it.
    pub async fn thread_summary(&self, thread_id: i64) -> Result<Option<ThreadSummary>> {
        let sql = format!("SELECT {SUMMARY_COLUMNS} WHERE t.id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(thread_id)
            .fetch_optional(p)
            .await)?)
    }

    /// Starts a thread with its opening post; mentioned people are notified.
    pub async fn create_thread(&self, new: &NewThread, author: i64, now: i64) -> Result<Written> {
        Ok(write_tx!(self, |tx| {
            let thread_id: i64 = sqlx::query_scalar(
                "INSERT INTO threads (space_id, kind, title, question, author_id, created_at, last_activity_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
            )
            .bind(new.space_id)
            .bind(new.kind.as_str())
            .bind(&new.title)
            .bind(&new.question)
            .bind(author)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            // A confidential thread tags only skills that exist: a new skill name would be
            // listed company-wide, and what is said in the space stays there.
            let confidential: bool =
                sqlx::query_scalar("SELECT visibility = 'confidential' FROM spaces WHERE id = $1")
                    .bind(new.space_id)
                    .fetch_one(&mut *tx)
                    .await?;
            for skill in &new.skills {
                let skill_id = if confidential {
                    let found: Option<i64> =
                        sqlx::query_scalar("SELECT id FROM skills WHERE key = $1")
                            .bind(skill.key())
                            .fetch_optional(&mut *tx)
                            .await?;
                    match found {
                        Some(id) => id,
                        None => continue,
                    }
                } else {
                    tx.ensure_skill(skill).await?
                };
                sqlx::query("INSERT INTO thread_skills (thread_id, skill_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(thread_id)
                    .bind(skill_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let post_id = tx
                .insert_post(new.space_id, thread_id, author, true, &new.post, now)
                .await?;
            tx.touch_space(new.space_id, now).await?;
            tx.notify_mentions(
                &new.post.mentions,
                author,
                new.space_id,
                thread_id,
                post_id,
                now,
            )
            .await?;
            Written { thread_id, post_id }
        }))
    }

    /// Adds a reply. A locked thread takes none. The thread's author hears of it, and so does
    /// everyone mentioned.
    pub async fn reply(
        &self,
        thread_id: i64,
        post: &PostInput,
        author: i64,
        now: i64,
    ) -> Result<Written> {
        Ok(write_tx!(self, |tx| {
            let row: Option<(i64, i64, Option<i64>)> =
                sqlx::query_as("SELECT space_id, locked, author_id FROM threads WHERE id = $1")
                    .bind(thread_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((space_id, locked, thread_author)) = row else {
                return Err(StoreError::NotFound("thread"));
            };
            if locked != 0 {
                return Err(StoreError::Conflict(
                    "this thread is locked by a moderator: it takes no new replies".into(),
                ));
            }
            let post_id = tx
                .insert_post(space_id, thread_id, author, false, post, now)
                .await?;
            sqlx::query("UPDATE threads SET reply_count = reply_count + 1, last_activity_at = $1 WHERE id = $2")
                .bind(now)
                .bind(thread_id)
                .execute(&mut *tx)
                .await?;
            tx.touch_space(space_id, now).await?;
            if let Some(owner) =
                thread_author.filter(|&a| a != author && !post.mentions.contains(&a))
            {
                tx.notify(
                    owner,
                    "reply",
                    author,
                    space_id,
                    Some(thread_id),
                    Some(post_id),
                    now,
                )
                .await?;
            }
            tx.notify_mentions(&post.mentions, author, space_id, thread_id, post_id, now)
                .await?;
            Written { thread_id, post_id }
        }))
    }

    pub async fn thread(&self, thread_id: i64) -> Result<Option<Thread>> {
        let sql = format!("SELECT {THREAD_COLUMNS} WHERE t.id = $1");
        let thread: Option<Thread> = on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(thread_id)
            .fetch_optional(p)
            .await)?;
        let Some(mut thread) = thread else {
            return Ok(None);
        };
        thread.skills = on_pool!(self, |p| {
            sqlx::query_scalar(
            "SELECT s.name FROM thread_skills ts JOIN skills s ON s.id = ts.skill_id WHERE ts.thread_id = $1 ORDER BY s.name"
        )
        .bind(thread_id)
        .fetch_all(p)
        .await
        })?;
        Ok(Some(thread))
    }

    /// A thread with all its posts and their reactions as `viewer` sees them: three queries
    /// whatever the number of replies.
    pub async fn thread_view(&self, thread_id: i64, viewer: i64) -> Result<Option<ThreadView>> {
        let Some(thread) = self.thread(thread_id).await? else {
            return Ok(None);
        };
        let posts = self.thread_posts(thread_id, viewer, true).await?;
        Ok(Some(ThreadView { thread, posts }))
    }

    /// A thread's posts, opening post first, with their reactions as `viewer` sees them: two
    /// queries whatever the number of replies. Without `source`, the Markdown source is left
    /// out (pages show only the rendered HTML).
    pub async fn thread_posts(
        &self,
        thread_id: i64,
        viewer: i64,
        source: bool,
    ) -> Result<Vec<Post>> {
        let columns = if source {
            POST_COLUMNS.to_string()
        } else {
            POST_COLUMNS.replace("p.body, ", "'' AS body, ")
        };
        let sql = format!("SELECT {columns} WHERE p.thread_id = $1 ORDER BY p.id");
        let mut posts: Vec<Post> = on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(thread_id)
            .fetch_all(p)
            .await)?;
        let rows: Vec<(i64, String, i64, i64)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT r.post_id, r.reaction, COUNT(*), SUM(CASE WHEN r.person_id = $2 THEN 1 ELSE 0 END) \
             FROM reactions r JOIN posts p ON p.id = r.post_id WHERE p.thread_id = $1 GROUP BY r.post_id, r.reaction"
        )
        .bind(thread_id)
        .bind(viewer)
        .fetch_all(p)
        .await
        })?;
        attach_reactions(&mut posts, rows);
        Ok(posts)
    }

    /// One post as `viewer` sees it, with its reactions (for live updates).
    pub async fn post_view(&self, post_id: i64, viewer: i64) -> Result<Option<Post>> {
        let sql = format!("SELECT {POST_COLUMNS} WHERE p.id = $1");
        let post: Option<Post> = on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(post_id)
            .fetch_optional(p)
            .await)?;
        let Some(post) = post else {
            return Ok(None);
        };
        let rows: Vec<(i64, String, i64, i64)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT post_id, reaction, COUNT(*), SUM(CASE WHEN person_id = $2 THEN 1 ELSE 0 END) \
             FROM reactions WHERE post_id = $1 GROUP BY post_id, reaction"
        )
        .bind(post_id)
        .bind(viewer)
        .fetch_all(p)
        .await
        })?;
        let mut posts = vec![post];
        attach_reactions(&mut posts, rows);
        Ok(posts.pop())
    }

    /// Replaces a post's text, keeping the old one in its history.
    pub async fn edit_post(
        &self,
        post_id: i64,
        post: &PostInput,
        editor: i64,
        now: i64,
    ) -> Result<Written> {
        Ok(write_tx!(self, |tx| {
            let row: Option<(i64, String, String)> =
                sqlx::query_as("SELECT thread_id, body, state FROM posts WHERE id = $1")
                    .bind(post_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((thread_id, old, state)) = row else {
                return Err(StoreError::NotFound("post"));
            };
            if state == "deleted" {
                return Err(StoreError::Conflict("this post was deleted".into()));
            }
            sqlx::query("INSERT INTO post_edits (post_id, body, edited_by, replaced_at) VALUES ($1, $2, $3, $4)")
                .bind(post_id)
                .bind(&old)
                .bind(editor)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE posts SET body = $1, body_html = $2, search_text = $3, edited_at = $4 WHERE id = $5")
                .bind(&post.body)
                .bind(&post.body_html)
                .bind(&post.search_text)
                .bind(now)
                .bind(post_id)
                .execute(&mut *tx)
                .await?;
            Written { thread_id, post_id }
        }))
    }

    /// Deletes a post's text and its history at its author's wish; the post stays as a
    /// placeholder so that replies keep their place.
    pub async fn delete_post(&self, post_id: i64, now: i64) -> Result<Written> {
        Ok(write_tx!(self, |tx| {
            let thread_id: Option<i64> = sqlx::query_scalar(
                "UPDATE posts SET body = '', body_html = '', search_text = '', state = 'deleted', edited_at = $1 \
                 WHERE id = $2 AND state <> 'deleted' RETURNING thread_id",
            )
            .bind(now)
            .bind(post_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(thread_id) = thread_id else {
                return Err(StoreError::NotFound("post"));
            };
            sqlx::query("DELETE FROM post_edits WHERE post_id = $1")
                .bind(post_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE threads SET accepted_post_id = NULL WHERE accepted_post_id = $1")
                .bind(post_id)
                .execute(&mut *tx)
                .await?;
            Written { thread_id, post_id }
        }))
    }

    pub async fn post_history(&self, post_id: i64) -> Result<Vec<Edit>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT e.body, e.edited_by, a.name AS editor_name, e.replaced_at FROM post_edits e \
             LEFT JOIN people a ON a.id = e.edited_by WHERE e.post_id = $1 ORDER BY e.id DESC"
        )
        .bind(post_id)
        .fetch_all(p)
        .await)?)
    }

    pub async fn react(
        &self,
        post_id: i64,
        person_id: i64,
        reaction: Reaction,
        now: i64,
    ) -> Result<Written> {
        Ok(write_tx!(self, |tx| {
            let thread_id: Option<i64> = sqlx::query_scalar(
                "SELECT thread_id FROM posts WHERE id = $1 AND state = 'visible'",
            )
            .bind(post_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(thread_id) = thread_id else {
                return Err(StoreError::NotFound("post"));
            };
            sqlx::query("INSERT INTO reactions (post_id, person_id, reaction, created_at) VALUES ($1, $2, $3, $4)")
                .bind(post_id)
                .bind(person_id)
                .bind(reaction.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(conflict_on_unique(|| format!("you have already reacted {} to this post", reaction.name())))?;
            Written { thread_id, post_id }
        }))
    }

    pub async fn unreact(
        &self,
        post_id: i64,
        person_id: i64,
        reaction: Reaction,
    ) -> Result<Written> {
        Ok(write_tx!(self, |tx| {
            let thread_id: Option<i64> = sqlx::query_scalar(
                "DELETE FROM reactions WHERE post_id = $1 AND person_id = $2 AND reaction = $3 \
                 RETURNING (SELECT thread_id FROM posts WHERE id = $1)",
            )
            .bind(post_id)
            .bind(person_id)
            .bind(reaction.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let Some(thread_id) = thread_id else {
                return Err(StoreError::NotFound("reaction"));
            };
            Written { thread_id, post_id }
        }))
    }

    /// Marks `post_id` as the answer to its question (replacing an earlier choice) and tells
    /// its author.
    pub async fn accept_answer(
        &self,
        thread_id: i64,
        post_id: i64,
        actor: i64,
        now: i64,
    ) -> Result<Written> {
        Ok(write_tx!(self, |tx| {
            let row: Option<(i64, i64, Option<i64>, String)> = sqlx::query_as(
                "SELECT p.space_id, p.opening, p.author_id, p.state FROM posts p WHERE p.id = $1 AND p.thread_id = $2",
            )
            .bind(post_id)
            .bind(thread_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((space_id, opening, author, state)) = row else {
                return Err(StoreError::NotFound("reply in this thread"));
            };
            if opening != 0 || state != "visible" {
                return Err(StoreError::Conflict(
                    "only a visible reply can be the accepted answer".into(),
                ));
            }
            sqlx::query("UPDATE threads SET accepted_post_id = $1 WHERE id = $2")
                .bind(post_id)
                .bind(thread_id)
                .execute(&mut *tx)
                .await?;
            if let Some(author) = author.filter(|&a| a != actor) {
                tx.notify(
                    author,
                    "accepted",
                    actor,
                    space_id,
                    Some(thread_id),
                    Some(post_id),
                    now,
                )
                .await?;
            }
            Written { thread_id, post_id }
        }))
    }

    // ---- Moderation --------------------------------------------------------------------

    /// Flags a post. When its flags reach the space's threshold, the post is hidden pending
    /// review; returns whether this flag hid it.
    pub async fn flag(
        &self,
        post_id: i64,
        person_id: i64,
        reason: &str,
        now: i64,
    ) -> Result<(Written, bool)> {
        Ok(write_tx!(self, |tx| {
            let row: Option<(i64, i64, String, i64)> = sqlx::query_as(
                "SELECT p.thread_id, p.space_id, p.state, s.auto_hide_flags FROM posts p JOIN spaces s ON s.id = p.space_id WHERE p.id = $1",
            )
            .bind(post_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((thread_id, space_id, state, threshold)) = row else {
                return Err(StoreError::NotFound("post"));
            };
            if state == "deleted" {
                return Err(StoreError::NotFound("post"));
            }
            sqlx::query("INSERT INTO flags (post_id, person_id, reason, created_at) VALUES ($1, $2, $3, $4)")
                .bind(post_id)
                .bind(person_id)
                .bind(reason)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(conflict_on_unique(|| "you have already flagged this post".into()))?;
            let flags: i64 = sqlx::query_scalar(
                "UPDATE posts SET flag_count = flag_count + 1 WHERE id = $1 RETURNING flag_count",
            )
            .bind(post_id)
            .fetch_one(&mut *tx)
            .await?;
            let hide = state == "visible" && flags >= threshold;
            if hide {
                sqlx::query("UPDATE posts SET state = 'pending' WHERE id = $1")
                    .bind(post_id)
                    .execute(&mut *tx)
                    .await?;
                tx.log(
                    space_id,
                    None,
                    action::AUTO_HIDE,
                    Some(thread_id),
                    Some(post_id),
                    &format!("{flags} flags"),
                    now,
                )
                .await?;
            }
            (Written { thread_id, post_id }, hide)
        }))
    }

    /// Hides a post, or restores it (which also clears its flags: it has been reviewed).
    pub async fn moderate(
        &self,
        post_id: i64,
        what: Moderation,
        actor: i64,
        note: &str,
        now: i64,
    ) -> Result<Written> {
        Ok(write_tx!(self, |tx| {
            let row: Option<(i64, i64, String)> =
                sqlx::query_as("SELECT thread_id, space_id, state FROM posts WHERE id = $1")
                    .bind(post_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((thread_id, space_id, state)) = row else {
                return Err(StoreError::NotFound("post"));
            };
            if state == "deleted" {
                return Err(StoreError::Conflict(
                    "this post was deleted by its author".into(),
                ));
            }
            let (new_state, name) = match what {
                Moderation::Hide => ("hidden", action::HIDE),
                Moderation::Restore => ("visible", action::RESTORE),
            };
            sqlx::query("UPDATE posts SET state = $1 WHERE id = $2")
                .bind(new_state)
                .bind(post_id)
                .execute(&mut *tx)
                .await?;
            if what == Moderation::Restore {
                sqlx::query("DELETE FROM flags WHERE post_id = $1")
                    .bind(post_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE posts SET flag_count = 0 WHERE id = $1")
                    .bind(post_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.log(
                space_id,
                Some(actor),
                name,
                Some(thread_id),
                Some(post_id),
                note,
                now,
            )
            .await?;
            Written { thread_id, post_id }
        }))
    }

    pub async fn lock_thread(
        &self,
        thread_id: i64,
        locked: bool,
        actor: i64,
        now: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            let space_id: Option<i64> = sqlx::query_scalar(
                "UPDATE threads SET locked = $1 WHERE id = $2 RETURNING space_id",
            )
            .bind(i64::from(locked))
            .bind(thread_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(space_id) = space_id else {
                return Err(StoreError::NotFound("thread"));
            };
            let name = if locked { action::LOCK } else { action::UNLOCK };
            tx.log(space_id, Some(actor), name, Some(thread_id), None, "", now)
                .await?;
        });
        Ok(())
    }

    /// Flagged and pending posts, most flagged first: in one space, or (for admins) in every
    /// space that is not confidential.
    pub async fn review_queue(&self, space_id: Option<i64>) -> Result<Vec<QueueItem>> {
        let filter = match space_id {
            Some(_) => "p.space_id = $1",
            None => "s.visibility <> 'confidential' AND $1 = $1",
        };
        let sql = format!(
            "SELECT p.id AS post_id, p.thread_id, t.title AS thread_title, p.space_id, s.name AS space_name, \
             a.name AS author_name, p.body, p.state, p.flag_count, p.created_at \
             FROM posts p JOIN threads t ON t.id = p.thread_id JOIN spaces s ON s.id = p.space_id \
             LEFT JOIN people a ON a.id = p.author_id \
             WHERE (p.state = 'pending' OR p.flag_count > 0) AND p.state <> 'deleted' AND {filter} \
             ORDER BY (p.state = 'pending') DESC, p.flag_count DESC, p.id LIMIT 200"
        );
        let mut items: Vec<QueueItem> = on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(space_id.unwrap_or(0))
            .fetch_all(p)
            .await)?;
        let ids: Vec<i64> = items.iter().map(|i| i.post_id).collect();
        if !ids.is_empty() {
            let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            let sql = format!("SELECT post_id, reason FROM flags WHERE post_id IN ({list}) ORDER BY created_at, person_id");
            let rows: Vec<(i64, String)> =
                on_pool!(self, |p| sqlx::query_as(&sql).fetch_all(p).await)?;
            let mut by_post: HashMap<i64, Vec<String>> = HashMap::new();
            for (post, reason) in rows {
                by_post.entry(post).or_default().push(reason);
            }
            for item in &mut items {
                item.reasons = by_post.remove(&item.post_id).unwrap_or_default();
            }
        }
        Ok(items)
    }

    pub async fn moderation_log(&self, space_id: i64, limit: i64) -> Result<Vec<LogEntry>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT l.id, l.space_id, l.actor_id, a.name AS actor_name, l.action, l.thread_id, l.post_id, l.detail, l.created_at \
             FROM moderation_log l LEFT JOIN people a ON a.id = l.actor_id WHERE l.space_id = $1 ORDER BY l.id DESC LIMIT $2"
        )
        .bind(space_id)
        .bind(limit)
        .fetch_all(p)
        .await
        })?)
    }

    // ---- Notifications -----------------------------------------------------------------

    pub async fn notifications(&self, person_id: i64, limit: i64) -> Result<Vec<Notification>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT n.id, n.kind, a.name AS actor_name, n.space_id, s.name AS space_name, n.thread_id, \
             t.title AS thread_title, n.post_id, n.created_at, (n.read_at IS NOT NULL) AS read \
             FROM notifications n JOIN spaces s ON s.id = n.space_id LEFT JOIN threads t ON t.id = n.thread_id \
             LEFT JOIN people a ON a.id = n.actor_id \
             WHERE n.person_id = $1 AND (s.visibility = 'open' OR EXISTS \
             (SELECT 1 FROM space_members m WHERE m.space_id = n.space_id AND m.person_id = n.person_id)) \
             ORDER BY n.id DESC LIMIT $2"
        )
        .bind(person_id)
        .bind(limit)
        .fetch_all(p)
        .await
        })?)
    }

    pub async fn unread_count(&self, person_id: i64) -> Result<i64> {
        Ok(on_pool!(self, |p| {
            sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications n JOIN spaces s ON s.id = n.space_id \
             WHERE n.person_id = $1 AND n.read_at IS NULL AND (s.visibility = 'open' OR EXISTS \
             (SELECT 1 FROM space_members m WHERE m.space_id = n.space_id AND m.person_id = n.person_id))"
        )
        .bind(person_id)
        .fetch_one(p)
        .await
        })?)
    }

    /// Marks one notification (or, with `None`, all of them) as read.
    pub async fn mark_read(&self, person_id: i64, id: Option<i64>, now: i64) -> Result<()> {
        let done = on_pool!(self, |p| {
            match id {
            Some(id) => sqlx::query("UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE person_id = $2 AND id = $3")
                .bind(now)
                .bind(person_id)
                .bind(id)
                .execute(p)
                .await
                .map(|r| r.rows_affected()),
            None => sqlx::query("UPDATE notifications SET read_at = $1 WHERE person_id = $2 AND read_at IS NULL")
                .bind(now)
                .bind(person_id)
                .execute(p)
                .await
                .map(|r| r.rows_affected()),
        }
        })?;
        if id.is_some() && done == 0 {
            return Err(StoreError::NotFound("notification"));
        }
        Ok(())
    }

    // ---- Search and mentions -----------------------------------------------------------

    /// Visible posts matching every word of `query` as a prefix, newest first, in the spaces
    /// `scope` allows.
    pub async fn search_posts(
        &self,
        query: &str,
        scope: SearchScope,
        limit: i64,
    ) -> Result<Vec<SearchHit>> {
        let Some(q) = fts_query(&self.pool, query) else {
            return Ok(Vec::new());
        };
        // DIALECT: on SQLite the full-text index drives the query, newest match first, so a
        // common word stops after `limit` visible hits instead of collecting every match; on
        // PostgreSQL the planner chooses between the GIN index and the primary key.
        let (from, matching, order) = match self.pool {
            Pool::Sqlite(_) => (
                "posts_fts f JOIN posts p ON p.id = f.rowid",
                "posts_fts MATCH $1".to_string(),
                "f.rowid",
            ),
            Pool::Postgres(_) => (
                "posts p",
                "p.search @@ to_tsquery('simple', $1)".to_string(),
                "p.id",
            ),
        };
        let allowed = match scope.space_id {
            Some(_) => "p.space_id = $3 AND $2 = $2 AND $4 = $4",
            None => "s.visibility <> 'confidential' AND $3 = $3 AND (s.visibility = 'open' \
                     OR EXISTS (SELECT 1 FROM space_members m WHERE m.space_id = s.id AND m.person_id = $2) \
                     OR ($4 AND s.visibility = 'private'))",
        };
        let sql = format!(
            "SELECT p.id AS post_id, p.thread_id, t.title AS thread_title, p.space_id, s.name AS space_name, \
             a.name AS author_name, p.body, p.created_at \
             FROM {from} JOIN threads t ON t.id = p.thread_id JOIN spaces s ON s.id = p.space_id \
             LEFT JOIN people a ON a.id = p.author_id \
             WHERE {matching} AND p.state = 'visible' AND {allowed} ORDER BY {order} DESC LIMIT $5"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(&q)
            .bind(scope.person_id)
            .bind(scope.space_id.unwrap_or(0))
            .bind(scope.site_role == Role::Admin)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// Resolves mention handles to people: a full e-mail address, or the part before the `@`
    /// when exactly one person has it.
    pub async fn resolve_handles(&self, handles: &[String]) -> Result<HashMap<String, i64>> {
        let mut out = HashMap::new();
        for handle in handles.iter().take(MAX_MENTIONS) {
            let rows: Vec<i64> = if handle.contains('@') {
                on_pool!(self, |p| sqlx::query_scalar(
                    "SELECT id FROM people WHERE email = $1"
                )
                .bind(handle)
                .fetch_all(p)
                .await)?
            } else {
                // Handles are [a-z0-9._-]: only `_` is special in LIKE.
                let pattern = format!("{}@%", handle.replace('_', "\\_"));
                on_pool!(self, |p| sqlx::query_scalar(
                    "SELECT id FROM people WHERE email LIKE $1 ESCAPE '\\' LIMIT 2"
                )
                .bind(&pattern)
                .fetch_all(p)
                .await)?
            };
            if let [id] = rows[..] {
                out.insert(handle.clone(), id);
            }
        }
        Ok(out)
    }
}

fn attach_reactions(posts: &mut [Post], rows: Vec<(i64, String, i64, i64)>) {
    let mut by_post: HashMap<i64, Vec<ReactionCount>> = HashMap::new();
    for (post, reaction, count, mine) in rows {
        if let Ok(reaction) = Reaction::parse(&reaction) {
            by_post.entry(post).or_default().push(ReactionCount {
                reaction,
                count,
                mine: mine > 0,
            });
        }
    }
    for post in posts {
        if let Some(mut r) = by_post.remove(&post.id) {
            r.sort_by_key(|c| Reaction::ALL.iter().position(|&x| x == c.reaction));
            post.reactions = r;
        }
    }
}

/// Steps of the write transactions above, written once and implemented for both backends'
/// connections by `impl_space_tx!`.
pub(crate) trait SpaceTx {
    /// Checks that `person_id` is a member and that the space keeps a facilitator if they stop
    /// being one (`stays` false); `lock` (PostgreSQL) first locks the space's row, so that two
    /// facilitators leaving at once cannot both pass (SQLite's write lock already does that).
    async fn keep_a_facilitator(
        &mut self,
        lock: bool,
        space_id: i64,
        person_id: i64,
        stays: bool,
    ) -> Result<()>;
    async fn insert_post(
        &mut self,
        space_id: i64,
        thread_id: i64,
        author: i64,
        opening: bool,
        post: &PostInput,
        now: i64,
    ) -> Result<i64>;
    async fn touch_space(&mut self, space_id: i64, now: i64) -> Result<()>;
    #[allow(clippy::too_many_arguments)]
    async fn notify(
        &mut self,
        person_id: i64,
        kind: &str,
        actor: i64,
        space_id: i64,
        thread_id: Option<i64>,
        post_id: Option<i64>,
        now: i64,
    ) -> Result<()>;
    async fn notify_mentions(
        &mut self,
        mentions: &[i64],
        author: i64,
        space_id: i64,
        thread_id: i64,
        post_id: i64,
        now: i64,
    ) -> Result<()>;
    #[allow(clippy::too_many_arguments)]
    async fn log(
        &mut self,
        space_id: i64,
        actor: Option<i64>,
        action: &str,
        thread_id: Option<i64>,
        post_id: Option<i64>,
        detail: &str,
        now: i64,
    ) -> Result<()>;
}

macro_rules! impl_space_tx {
    ($conn:ty) => {
        impl SpaceTx for $conn {
            async fn keep_a_facilitator(&mut self, lock: bool, space_id: i64, person_id: i64, stays: bool) -> Result<()> {
                if lock {
                    sqlx::query("SELECT id FROM spaces WHERE id = $1 FOR UPDATE")
                        .bind(space_id)
                        .execute(&mut *self)
                        .await?;
                }
                let role: Option<String> = sqlx::query_scalar(
                    "SELECT role FROM space_members WHERE space_id = $1 AND person_id = $2",
                )
                .bind(space_id)
                .bind(person_id)
                .fetch_optional(&mut *self)
                .await?;
                let Some(role) = role else {
                    return Err(StoreError::NotFound("membership"));
                };
                if role == "facilitator" && !stays {
                    let facilitators: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM space_members WHERE space_id = $1 AND role = 'facilitator'",
                    )
                    .bind(space_id)
                    .fetch_one(&mut *self)
                    .await?;
                    if facilitators <= 1 {
                        return Err(last_keeper());
                    }
                }
                Ok(())
            }

            async fn insert_post(&mut self, space_id: i64, thread_id: i64, author: i64, opening: bool, post: &PostInput, now: i64) -> Result<i64> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO posts (thread_id, space_id, author_id, opening, body, body_html, search_text, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(thread_id)
                .bind(space_id)
                .bind(author)
                .bind(i64::from(opening))
                .bind(&post.body)
                .bind(&post.body_html)
                .bind(&post.search_text)
                .bind(now)
                .fetch_one(&mut *self)
                .await?;
                Ok(id)
            }

            async fn touch_space(&mut self, space_id: i64, now: i64) -> Result<()> {
                sqlx::query("UPDATE spaces SET last_activity_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(space_id)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }

            async fn notify(&mut self, person_id: i64, kind: &str, actor: i64, space_id: i64, thread_id: Option<i64>, post_id: Option<i64>, now: i64) -> Result<()> {
                // Only someone who may read the space now hears of it: a former member of a
                // private or confidential space does not.
                sqlx::query(
                    "INSERT INTO notifications (person_id, kind, actor_id, space_id, thread_id, post_id, created_at) \
                     SELECT $1, $2, $3, $4, $5, $6, $7 FROM spaces s WHERE s.id = $4 AND (s.visibility = 'open' \
                     OR EXISTS (SELECT 1 FROM space_members m WHERE m.space_id = s.id AND m.person_id = $1))",
                )
                .bind(person_id)
                .bind(kind)
                .bind(actor)
                .bind(space_id)
                .bind(thread_id)
                .bind(post_id)
                .bind(now)
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            /// Notifies the mentioned people who may read the space (anyone for an open
            /// space, members otherwise), except the author.
            async fn notify_mentions(&mut self, mentions: &[i64], author: i64, space_id: i64, thread_id: i64, post_id: i64, now: i64) -> Result<()> {
                let ids: Vec<String> = mentions
                    .iter()
                    .filter(|&&m| m != author)
                    .take(MAX_MENTIONS)
                    .map(i64::to_string)
                    .collect();
                if ids.is_empty() {
                    return Ok(());
                }
                let sql = format!(
                    "INSERT INTO notifications (person_id, kind, actor_id, space_id, thread_id, post_id, created_at) \
                     SELECT p.id, 'mention', $1, $2, $3, $4, $5 FROM people p JOIN spaces s ON s.id = $2 \
                     WHERE p.id IN ({}) AND (s.visibility = 'open' OR EXISTS \
                     (SELECT 1 FROM space_members m WHERE m.space_id = s.id AND m.person_id = p.id))",
                    ids.join(",")
                );
                sqlx::query(&sql)
                    .bind(author)
                    .bind(space_id)
                    .bind(thread_id)
                    .bind(post_id)
                    .bind(now)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }

            async fn log(&mut self, space_id: i64, actor: Option<i64>, action: &str, thread_id: Option<i64>, post_id: Option<i64>, detail: &str, now: i64) -> Result<()> {
                sqlx::query(
                    "INSERT INTO moderation_log (space_id, actor_id, action, thread_id, post_id, detail, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(space_id)
                .bind(actor)
                .bind(action)
                .bind(thread_id)
                .bind(post_id)
                .bind(detail)
                .bind(now)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
        }
    };
}

impl_space_tx!(sqlx::SqliteConnection);
impl_space_tx!(sqlx::PgConnection);
