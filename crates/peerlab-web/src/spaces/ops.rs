//! Spaces and conversation as pages and the API both use them (DESIGN S1–S9). Every
//! operation loads what it acts on, asks [`Access`] whether the person may, and only then
//! writes; so a page and its API route answer the same request with the same status.
//!
//! Statuses: a space the person may not read is 404 (its existence stays hidden); a space
//! they read but may not act in is 403 with the reason; a rule of the data (a locked thread,
//! a second reaction, the last facilitator leaving) is 409.

use peerlab_core::space::{
    self, Access, PostState, Reaction, SpaceKind, SpaceRole, ThreadKind, Viewer, Visibility,
};
use peerlab_core::{markdown, Email, SkillName};
use peerlab_store::{
    Membership, Moderation, NewSpace, NewThread, PersonId, Post, PostId, PostInput, SearchHit,
    SearchScope, Space, SpaceId, SpaceSettings, Thread, ThreadId, Written,
};
use serde::Deserialize;

use crate::error::{Error, Kind};
use crate::kit::live::{Message, Topic};
use crate::kit::session::User;
use crate::lrs::social::{self, Action, SpaceRef, ThreadRef};
use crate::AppState;

/// A space as one person sees it.
pub struct Ctx {
    pub space: Space,
    pub membership: Option<Membership>,
    pub access: Access,
}

impl Ctx {
    /// Whether the person has accepted the current ground rules.
    pub fn accepted(&self) -> bool {
        self.membership
            .is_some_and(|m| m.accepted_version == self.space.rules_version)
    }

    /// Members who accepted the current rules may contribute.
    pub fn require_contributor(&self) -> Result<(), Error> {
        if !self.access.member {
            return Err(Error::forbidden(
                "join this space before you take part in it",
            ));
        }
        if !self.accepted() {
            return Err(Error::new(
                Kind::Forbidden,
                "rules_not_accepted",
                format!(
                    "accept the space's ground rules (version {}) before you contribute",
                    self.space.rules_version
                ),
            ));
        }
        Ok(())
    }

    pub fn require_moderator(&self) -> Result<(), Error> {
        if self.access.moderate {
            Ok(())
        } else {
            Err(Error::forbidden(
                "only the space's facilitators and moderators may do this",
            ))
        }
    }

    pub fn require_facilitator(&self) -> Result<(), Error> {
        if self.access.facilitate {
            Ok(())
        } else {
            Err(Error::forbidden(
                "only the space's facilitators may do this",
            ))
        }
    }
}

/// Loads a space for `user`: 404 when it does not exist or they may not read it.
pub async fn space(state: &AppState, user: &User, space_id: SpaceId) -> Result<Ctx, Error> {
    let Some(space) = state.store.space(space_id).await? else {
        return Err(Error::not_found("space"));
    };
    let membership = state.store.membership(space_id, user.id()).await?;
    let access = Access::of(
        space.visibility,
        Viewer {
            site_role: user.0.role,
            membership: membership.map(|m| m.role),
        },
    );
    if !access.read {
        return Err(Error::not_found("space"));
    }
    Ok(Ctx {
        space,
        membership,
        access,
    })
}

pub async fn thread(
    state: &AppState,
    user: &User,
    thread_id: ThreadId,
) -> Result<(Ctx, Thread), Error> {
    let Some(thread) = state.store.thread(thread_id).await? else {
        return Err(Error::not_found("thread"));
    };
    let ctx = space(state, user, thread.space_id)
        .await
        .map_err(|e| hide_as(e, "thread"))?;
    Ok((ctx, thread))
}

pub async fn post(state: &AppState, user: &User, post_id: PostId) -> Result<(Ctx, Post), Error> {
    let Some(post) = state.store.post_view(post_id, user.id()).await? else {
        return Err(Error::not_found("post"));
    };
    let ctx = space(state, user, post.space_id)
        .await
        .map_err(|e| hide_as(e, "post"))?;
    Ok((ctx, post))
}

/// A 404 about the space becomes a 404 about the thing asked for.
fn hide_as(e: Error, what: &str) -> Error {
    if e.kind == Kind::NotFound {
        Error::not_found(what)
    } else {
        e
    }
}

/// The space and thread as the LRS names them.
fn space_ref(ctx: &Ctx) -> SpaceRef {
    SpaceRef {
        id: ctx.space.id,
        name: ctx.space.name.clone(),
        visibility: ctx.space.visibility,
    }
}

fn thread_ref(t: &Thread) -> ThreadRef {
    ThreadRef {
        id: t.id,
        title: t.title.clone(),
        kind: t.kind,
    }
}

// ---- Spaces ----------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct SpaceForm {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub kind: String,
    pub visibility: String,
    /// Ground rules; empty means the default text.
    #[serde(default)]
    pub rules: String,
}

/// Anyone signed in may start a community of practice or a small group; cohort channels
/// belong to programmes, which facilitators and admins run.
pub async fn create_space(
    state: &AppState,
    user: &User,
    form: &SpaceForm,
) -> Result<SpaceId, Error> {
    let kind = SpaceKind::parse(&form.kind)?;
    let new = NewSpace {
        name: space::space_name(&form.name)?,
        description: space::description(&form.description)?,
        kind,
        visibility: Visibility::parse(&form.visibility)?,
        rules: if form.rules.trim().is_empty() {
            space::DEFAULT_RULES.to_string()
        } else {
            space::rules(&form.rules)?
        },
    };
    if kind == SpaceKind::CohortChannel {
        user.require_facilitator().map_err(|_| {
            Error::forbidden("only a facilitator or an admin may create a cohort channel")
        })?;
    }
    let id = state
        .store
        .create_space(&new, user.id(), state.now())
        .await?;
    let created = crate::lrs::social::Action::CreatedSpace(crate::lrs::social::SpaceRef {
        id,
        name: new.name.clone(),
        visibility: new.visibility,
    });
    crate::lrs::social::record(state, user, created).await;
    Ok(id)
}

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub visibility: String,
    pub auto_hide_flags: String,
}

pub async fn update_space(
    state: &AppState,
    user: &User,
    space_id: SpaceId,
    form: &SettingsForm,
) -> Result<(), Error> {
    let ctx = space(state, user, space_id).await?;
    ctx.require_facilitator()?;
    let auto_hide_flags = form
        .auto_hide_flags
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=100).contains(n))
        .ok_or_else(|| {
            Error::from(peerlab_core::ValueError::new(
                "auto_hide_flags",
                "must be a whole number from 1 to 100",
            ))
        })?;
    let settings = SpaceSettings {
        name: space::space_name(&form.name)?,
        description: space::description(&form.description)?,
        visibility: Visibility::parse(&form.visibility)?,
        auto_hide_flags,
    };
    state
        .store
        .update_space(space_id, &settings, user.id(), state.now())
        .await?;
    Ok(())
}

pub async fn set_rules(
    state: &AppState,
    user: &User,
    space_id: SpaceId,
    rules: &str,
) -> Result<i64, Error> {
    let ctx = space(state, user, space_id).await?;
    ctx.require_facilitator()?;
    let rules = space::rules(rules)?;
    Ok(state
        .store
        .set_rules(space_id, &rules, user.id(), state.now())
        .await?)
}

pub async fn accept_rules(
    state: &AppState,
    user: &User,
    space_id: SpaceId,
    version: i64,
) -> Result<(), Error> {
    let ctx = space(state, user, space_id).await?;
    if !ctx.access.member {
        return Err(Error::forbidden(
            "join this space before you accept its ground rules",
        ));
    }
    state
        .store
        .accept_rules(space_id, user.id(), version, state.now())
        .await?;
    social::record(
        state,
        user,
        Action::AcceptedRules {
            space: space_ref(&ctx),
            version,
        },
    )
    .await;
    Ok(())
}

pub async fn join(state: &AppState, user: &User, space_id: SpaceId) -> Result<(), Error> {
    let ctx = space(state, user, space_id).await?;
    if ctx.access.member {
        return Err(Error::conflict("you are already a member of this space"));
    }
    if !ctx.access.join {
        return Err(Error::forbidden(
            "this space is by invitation only: ask one of its members",
        ));
    }
    state
        .store
        .add_member(space_id, user.id(), SpaceRole::Member, None, state.now())
        .await?;
    social::record(state, user, Action::JoinedSpace(space_ref(&ctx))).await;
    Ok(())
}

pub async fn leave(state: &AppState, user: &User, space_id: SpaceId) -> Result<(), Error> {
    let ctx = space(state, user, space_id).await?;
    if !ctx.access.member {
        return Err(Error::conflict("you are not a member of this space"));
    }
    state
        .store
        .remove_member(space_id, user.id(), None, state.now())
        .await?;
    Ok(())
}

/// Adds a colleague, found by e-mail, to the space.
pub async fn invite(
    state: &AppState,
    user: &User,
    space_id: SpaceId,
    email: &str,
    role: &str,
) -> Result<PersonId, Error> {
    let ctx = space(state, user, space_id).await?;
    if !ctx.access.invite {
        return Err(Error::forbidden(match ctx.space.visibility {
            Visibility::Confidential => {
                "only the facilitators of a confidential space may add people to it"
            }
            _ => "only members may add people to this space",
        }));
    }
    let role = if role.trim().is_empty() {
        SpaceRole::Member
    } else {
        SpaceRole::parse(role)?
    };
    if role != SpaceRole::Member {
        ctx.require_facilitator()?;
    }
    let email = Email::parse(email)?;
    let Some(person) = state.store.person_by_email(&email).await? else {
        return Err(Error::new(
            Kind::Invalid,
            "invalid_input",
            format!("nobody in peerlab has the e-mail address {email}"),
        ));
    };
    state
        .store
        .add_member(space_id, person.id, role, Some(user.id()), state.now())
        .await?;
    Ok(person.id)
}

pub async fn remove_member(
    state: &AppState,
    user: &User,
    space_id: SpaceId,
    person_id: PersonId,
) -> Result<(), Error> {
    let ctx = space(state, user, space_id).await?;
    if person_id != user.id() {
        ctx.require_facilitator()?;
    }
    state
        .store
        .remove_member(space_id, person_id, Some(user.id()), state.now())
        .await?;
    Ok(())
}

pub async fn set_member_role(
    state: &AppState,
    user: &User,
    space_id: SpaceId,
    person_id: PersonId,
    role: &str,
) -> Result<(), Error> {
    let ctx = space(state, user, space_id).await?;
    ctx.require_facilitator()?;
    let role = SpaceRole::parse(role)?;
    state
        .store
        .set_member_role(space_id, person_id, role, user.id(), state.now())
        .await?;
    Ok(())
}

// ---- Threads and posts -----------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct ThreadForm {
    pub kind: String,
    pub title: String,
    pub body: String,
    /// A prompt's reflection question.
    #[serde(default)]
    pub question: String,
    /// Skills a question is about, comma-separated in forms.
    #[serde(default)]
    pub skills: String,
}

/// Validates a body, resolves its mentions and renders it once, for storage.
pub(crate) async fn prepare(state: &AppState, title: &str, raw: &str) -> Result<PostInput, Error> {
    let body = space::Body::parse(raw)?;
    let handles = markdown::mentions(&body);
    let people = if handles.is_empty() {
        Default::default()
    } else {
        state.store.resolve_handles(&handles).await?
    };
    let (body_html, search_text) =
        space::rendered(title, &body, &|h: &str| people.get(h).map(|id| id.get()));
    let mut mentions: Vec<PersonId> = handles
        .iter()
        .filter_map(|h| people.get(h).copied())
        .collect();
    mentions.dedup();
    Ok(PostInput {
        search_text,
        body,
        body_html,
        mentions,
    })
}

pub async fn create_thread(
    state: &AppState,
    user: &User,
    space_id: SpaceId,
    form: &ThreadForm,
) -> Result<Written, Error> {
    let ctx = space(state, user, space_id).await?;
    ctx.require_contributor()?;
    let kind = ThreadKind::parse(&form.kind)?;
    let title = space::Title::parse(&form.title)?;
    let question = match kind {
        ThreadKind::Prompt => {
            ctx.require_facilitator()
                .map_err(|_| Error::forbidden("only the space's facilitators post prompts"))?;
            space::question(&form.question)?
        }
        _ if form.question.trim().is_empty() => String::new(),
        _ => space::question(&form.question)?,
    };
    let skills = form
        .skills
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(SkillName::parse)
        .collect::<Result<Vec<_>, _>>()?;
    if skills.len() > space::MAX_THREAD_SKILLS {
        return Err(peerlab_core::ValueError::new(
            "skills",
            format!("at most {} skills per thread", space::MAX_THREAD_SKILLS),
        )
        .into());
    }
    let post = prepare(state, &title, &form.body).await?;
    let new = NewThread {
        space_id,
        kind,
        title,
        question,
        skills,
        post,
    };
    let written = state
        .store
        .create_thread(&new, user.id(), state.now())
        .await?;
    publish_post(state, space_id, written);
    let thread = ThreadRef {
        id: written.thread_id,
        title: new.title.as_str().to_owned(),
        kind,
    };
    social::record(
        state,
        user,
        Action::StartedThread {
            space: space_ref(&ctx),
            thread,
        },
    )
    .await;
    Ok(written)
}

pub async fn reply(
    state: &AppState,
    user: &User,
    thread_id: ThreadId,
    body: &str,
) -> Result<Written, Error> {
    let (ctx, thread) = thread(state, user, thread_id).await?;
    ctx.require_contributor()?;
    if thread.locked {
        return Err(Error::conflict(
            "this thread is locked by a moderator: it takes no new replies",
        ));
    }
    let post = prepare(state, "", body).await?;
    let written = state
        .store
        .reply(thread_id, &post, user.id(), state.now())
        .await?;
    publish_post(state, ctx.space.id, written);
    social::record(
        state,
        user,
        Action::Replied {
            space: space_ref(&ctx),
            thread: thread_ref(&thread),
            post: written.post_id,
        },
    )
    .await;
    Ok(written)
}

/// Authors edit their own posts; the earlier text stays in the history moderators see.
pub async fn edit_post(
    state: &AppState,
    user: &User,
    post_id: PostId,
    body: &str,
) -> Result<Written, Error> {
    let (ctx, post) = post(state, user, post_id).await?;
    if post.author_id != Some(user.id()) {
        return Err(Error::forbidden("only its author may edit a post"));
    }
    ctx.require_contributor()?;
    if post.state != PostState::Visible {
        return Err(Error::conflict(format!(
            "this post cannot be edited: {}",
            post.state.label().to_lowercase()
        )));
    }
    let title = if post.opening {
        state
            .store
            .thread(post.thread_id)
            .await?
            .map(|t| t.title)
            .unwrap_or_default()
    } else {
        String::new()
    };
    let input = prepare(state, &title, body).await?;
    let written = state
        .store
        .edit_post(post_id, &input, user.id(), state.now())
        .await?;
    publish_post(state, ctx.space.id, written);
    Ok(written)
}

pub async fn delete_post(state: &AppState, user: &User, post_id: PostId) -> Result<Written, Error> {
    let (ctx, post) = post(state, user, post_id).await?;
    if post.author_id != Some(user.id()) {
        return Err(Error::forbidden("only its author may delete a post"));
    }
    let written = state.store.delete_post(post_id, state.now()).await?;
    publish_post(state, ctx.space.id, written);
    Ok(written)
}

pub async fn react(
    state: &AppState,
    user: &User,
    post_id: PostId,
    reaction: &str,
    on: bool,
) -> Result<Written, Error> {
    let reaction = Reaction::parse(reaction)?;
    let (ctx, post) = post(state, user, post_id).await?;
    ctx.require_contributor()?;
    let written = if on {
        state
            .store
            .react(post_id, user.id(), reaction, state.now())
            .await?
    } else {
        state.store.unreact(post_id, user.id(), reaction).await?
    };
    publish_post(state, ctx.space.id, written);
    if on {
        if let Some(thread) = state.store.thread(post.thread_id).await? {
            social::record(
                state,
                user,
                Action::Reacted {
                    space: space_ref(&ctx),
                    thread: thread_ref(&thread),
                    post: post_id,
                    reaction,
                },
            )
            .await;
        }
    }
    Ok(written)
}

/// The asker or a facilitator marks a reply as the answer to a question.
pub async fn accept_answer(
    state: &AppState,
    user: &User,
    thread_id: ThreadId,
    post_id: PostId,
) -> Result<Written, Error> {
    let (ctx, thread) = thread(state, user, thread_id).await?;
    if thread.kind != ThreadKind::Question {
        return Err(Error::conflict("only questions have accepted answers"));
    }
    if thread.author_id != Some(user.id()) && !ctx.access.facilitate {
        return Err(Error::forbidden(
            "only the person who asked, or a facilitator, may accept an answer",
        ));
    }
    let written = state
        .store
        .accept_answer(thread_id, post_id, user.id(), state.now())
        .await?;
    publish_post(state, ctx.space.id, written);
    social::record(
        state,
        user,
        Action::AcceptedAnswer {
            space: space_ref(&ctx),
            thread: thread_ref(&thread),
            post: post_id,
        },
    )
    .await;
    Ok(written)
}

pub async fn flag(
    state: &AppState,
    user: &User,
    post_id: PostId,
    reason: &str,
) -> Result<(Written, bool), Error> {
    let reason = space::reason(reason)?;
    let (ctx, post) = post(state, user, post_id).await?;
    if !ctx.access.member {
        return Err(Error::forbidden(
            "join this space before you flag its posts",
        ));
    }
    if post.author_id == Some(user.id()) {
        return Err(Error::conflict(
            "you cannot flag your own post; edit or delete it instead",
        ));
    }
    let (written, hidden) = state
        .store
        .flag(post_id, user.id(), &reason, state.now())
        .await?;
    if hidden {
        publish_post(state, ctx.space.id, written);
    }
    Ok((written, hidden))
}

pub async fn moderate(
    state: &AppState,
    user: &User,
    post_id: PostId,
    what: Moderation,
    note: &str,
) -> Result<Written, Error> {
    let (ctx, _) = post(state, user, post_id).await?;
    ctx.require_moderator()?;
    let note = if note.trim().is_empty() {
        String::new()
    } else {
        space::reason(note)?
    };
    let written = state
        .store
        .moderate(post_id, what, user.id(), &note, state.now())
        .await?;
    publish_post(state, ctx.space.id, written);
    Ok(written)
}

pub async fn lock(
    state: &AppState,
    user: &User,
    thread_id: ThreadId,
    locked: bool,
) -> Result<(), Error> {
    let (ctx, _) = thread(state, user, thread_id).await?;
    ctx.require_moderator()?;
    state
        .store
        .lock_thread(thread_id, locked, user.id(), state.now())
        .await?;
    publish_thread(state, ctx.space.id, thread_id);
    Ok(())
}

// ---- Search ----------------------------------------------------------------------------

/// Search results: confidential spaces only when searching inside them.
pub async fn search(
    state: &AppState,
    user: &User,
    query: &str,
    space_id: Option<SpaceId>,
    limit: i64,
) -> Result<Vec<SearchHit>, Error> {
    if query.chars().count() > 200 {
        return Err(peerlab_core::ValueError::new("q", "must have at most 200 characters").into());
    }
    if let Some(id) = space_id {
        space(state, user, id).await?;
    }
    let scope = SearchScope {
        person_id: user.id(),
        site_role: user.0.role,
        space_id,
    };
    Ok(state.store.search_posts(query, scope, limit).await?)
}

/// Tells the thread's live listeners which post changed, and its space's listeners that the
/// thread has new activity.
fn publish_post(state: &AppState, space_id: SpaceId, written: Written) {
    state.live.publish(&[
        (
            Topic::Thread(written.thread_id),
            Message::ids("post", &[("post", written.post_id.get())]),
        ),
        (
            Topic::Space(space_id),
            Message::ids("item", &[("thread", written.thread_id.get())]),
        ),
    ]);
}

/// Tells the thread's live listeners that the thread itself changed (locked, unlocked).
fn publish_thread(state: &AppState, space_id: SpaceId, thread_id: ThreadId) {
    state.live.publish(&[
        (Topic::Thread(thread_id), Message::ids("thread", &[])),
        (
            Topic::Space(space_id),
            Message::ids("item", &[("thread", thread_id.get())]),
        ),
    ]);
}

/// The question coach's advice on a question of at most [`space::MAX_QUESTION_CHARS`]; the
/// `field` names the input in the refusal (the API's `question`, the prompt editor's `q`).
pub fn coach(field: &'static str, question: &str) -> Result<peerlab_core::coach::Advice, Error> {
    let chars = question.trim().chars().count();
    if chars == 0 || chars > space::MAX_QUESTION_CHARS {
        return Err(Error::invalid(
            field,
            format!(
                "{field}: give a question of 1 to {} characters, not {chars}",
                space::MAX_QUESTION_CHARS
            ),
        ));
    }
    Ok(peerlab_core::coach::advise(question))
}
