//! Spaces, members and ground rules; threads, posts, edits, reactions and accepted answers;
//! flags, moderation and its audit log; notifications; search over posts.
//!
//! As everywhere in the store, callers decide who may do what (peerlab_core::space::Access);
//! the rules that must hold whatever the caller checked — a locked thread takes no reply, the
//! last facilitator stays, rules are accepted at their current version, nobody
//! reacts or flags twice — are checked here, inside the writing transaction.

mod answers;
mod members;
mod moderation;
mod notifications;
mod policy;
mod search;
mod threads;

use std::collections::HashMap;

use peerlab_core::space::{
    Body, NoticeKind, PostState, Reaction, SpaceKind, SpaceRole, ThreadKind, Title, Visibility,
};
use peerlab_core::{Role, SkillName};

use serde::Serialize;

#[allow(unused_imports)]
use crate::ids::{PersonId, PostId, SkillId, SpaceId, ThreadId};
use crate::people::fts_query;
use crate::tx::{on_conn, Tx};
use crate::{conflict_on_unique, keyword, on_pool, write_tx, Pool, Result, Store, StoreError};
pub(crate) use notifications::unread_count_sql;

/// The read policy's condition for a person given as an SQL expression (see
/// [`policy::may_read`]), for queries outside this module that notify.
pub(crate) fn may_read_sql(space: &str, person: &str) -> String {
    policy::may_read(space, person, &policy::is_admin(person))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Space {
    pub id: SpaceId,
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
    pub id: SpaceId,
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
    pub person_id: PersonId,
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
    pub id: ThreadId,
    pub space_id: SpaceId,
    #[sqlx(try_from = "String")]
    pub kind: ThreadKind,
    pub title: String,
    pub author_id: Option<PersonId>,
    pub author_name: Option<String>,
    pub reply_count: i64,
    pub locked: bool,
    pub answered: bool,
    pub created_at: i64,
    pub last_activity_at: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Thread {
    pub id: ThreadId,
    pub space_id: SpaceId,
    #[sqlx(try_from = "String")]
    pub kind: ThreadKind,
    pub title: String,
    pub question: String,
    pub author_id: Option<PersonId>,
    pub author_name: Option<String>,
    pub locked: bool,
    pub accepted_post_id: Option<PostId>,
    pub reply_count: i64,
    pub created_at: i64,
    #[sqlx(skip)]
    pub skills: Vec<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Post {
    pub id: PostId,
    pub thread_id: ThreadId,
    pub space_id: SpaceId,
    pub author_id: Option<PersonId>,
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
#[derive(Debug, Clone)]
pub struct PostInput {
    pub body: Body,
    pub body_html: String,
    pub search_text: String,
    pub mentions: Vec<PersonId>,
}

#[derive(Debug, Clone)]
pub struct NewThread {
    pub space_id: SpaceId,
    pub kind: ThreadKind,
    pub title: Title,
    pub question: String,
    pub skills: Vec<SkillName>,
    pub post: PostInput,
}

/// An earlier version of a post.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Edit {
    pub body: String,
    pub edited_by: Option<PersonId>,
    pub editor_name: Option<String>,
    pub replaced_at: i64,
}

/// A post waiting for a moderator: flagged or hidden pending review.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct QueueItem {
    pub post_id: PostId,
    pub thread_id: ThreadId,
    pub thread_title: String,
    pub space_id: SpaceId,
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
    pub space_id: SpaceId,
    pub actor_id: Option<PersonId>,
    pub actor_name: Option<String>,
    pub action: String,
    pub thread_id: Option<ThreadId>,
    pub post_id: Option<PostId>,
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
    #[sqlx(try_from = "String")]
    pub kind: NoticeKind,
    pub actor_name: Option<String>,
    pub space_id: SpaceId,
    pub space_name: String,
    pub thread_id: Option<ThreadId>,
    pub thread_title: Option<String>,
    pub post_id: Option<PostId>,
    pub created_at: i64,
    pub read: bool,
    pub session_id: Option<crate::ids::SessionId>,
    pub session_title: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SearchHit {
    pub post_id: PostId,
    pub thread_id: ThreadId,
    pub thread_title: String,
    pub space_id: SpaceId,
    pub space_name: String,
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: i64,
}

/// Who searches, and where.
#[derive(Debug, Clone, Copy)]
pub struct SearchScope {
    pub person_id: PersonId,
    pub site_role: Role,
    /// Inside one space (the caller checked that the searcher may read it), or everywhere
    /// the searcher may read except confidential spaces.
    pub space_id: Option<SpaceId>,
}

/// What a write did, for live updates and notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub thread_id: ThreadId,
    pub post_id: PostId,
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

/// A notification to write, if its person may read the space ([`Tx::notify`]).
pub(crate) struct NewNotification {
    pub person_id: PersonId,
    pub kind: NoticeKind,
    pub actor: PersonId,
    pub space_id: SpaceId,
    pub thread_id: Option<ThreadId>,
    pub post_id: Option<PostId>,
    pub now: i64,
}

/// A line of a space's moderation log ([`Tx::log`]); `action` is one of [`action`]'s names.
pub(crate) struct NewLogEntry<'a> {
    pub space_id: SpaceId,
    /// `None` for what the system did (auto-hide).
    pub actor: Option<PersonId>,
    pub action: &'a str,
    pub thread_id: Option<ThreadId>,
    pub post_id: Option<PostId>,
    pub detail: &'a str,
    pub now: i64,
}
