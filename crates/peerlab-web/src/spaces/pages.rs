//! The pages of spaces and conversation: the list of spaces, a space with its threads, ground
//! rules, members, settings and moderation; a thread with its posts, live; search and
//! notifications. Every action is a form that posts back and redirects, so the pages work
//! without JavaScript; `app.js` adds live updates and the question coach.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use peerlab_core::coach::{self, Kind};
use peerlab_core::space::{
    self, PostState, Reaction, SpaceKind, SpaceRole, ThreadKind, Visibility,
};
use peerlab_core::{markdown, Role};
use peerlab_store::{
    Edit, LogEntry, Member, Moderation, Notification, PersonId, Post, PostId, QueueItem, SearchHit,
    SpaceId, SpaceSummary, Thread, ThreadId, ThreadSummary, Written,
};
use serde::Deserialize;

use super::ops::{self as conv, Ctx, SettingsForm, SpaceForm, ThreadForm};
use crate::error::{self, Error};
use crate::kit::http::status;
use crate::kit::live::Topic;
use crate::kit::page::{
    capitalize, date, filters, render, see_other, ForUser, Nav, PageError, PageResult,
};
use crate::kit::session::{CsrfForm, User};
use crate::AppState;

pub fn router() -> axum::Router<AppState> {
    Router::new()
        .route("/spaces", get(spaces_page).post(create_space))
        .route("/spaces/{id}", get(space_page))
        .route("/spaces/{id}/join", post(join))
        .route("/spaces/{id}/leave", post(leave))
        .route("/spaces/{id}/rules", get(rules_page).post(edit_rules))
        .route("/spaces/{id}/rules/accept", post(accept_rules))
        .route("/spaces/{id}/members", get(members_page).post(invite))
        .route("/spaces/{id}/members/{person}/role", post(set_role))
        .route("/spaces/{id}/members/{person}/remove", post(remove_member))
        .route(
            "/spaces/{id}/settings",
            get(settings_page).post(save_settings),
        )
        .route("/spaces/{id}/moderation", get(space_moderation))
        .route("/spaces/{id}/threads", post(new_thread))
        .route("/spaces/{id}/events", get(space_events))
        .route("/moderation", get(admin_moderation))
        .route("/threads/{id}", get(thread_page))
        .route("/threads/{id}/events", get(thread_events))
        .route("/threads/{id}/item", get(thread_item))
        .route("/threads/{id}/replies", post(reply))
        .route("/threads/{id}/lock", post(lock))
        .route("/threads/{id}/unlock", post(unlock))
        .route("/threads/{id}/accept", post(accept))
        .route("/posts/{id}", get(post_page))
        .route("/posts/{id}/fragment", get(post_fragment))
        .route("/posts/{id}/edit", get(edit_page).post(edit_post))
        .route("/posts/{id}/delete", post(delete_post))
        .route("/posts/{id}/react", post(react))
        .route("/posts/{id}/flag", post(flag))
        .route("/posts/{id}/hide", post(hide))
        .route("/posts/{id}/restore", post(restore))
        .route("/posts/{id}/history", get(history_page))
        .route("/search", get(search_page))
        .route("/notifications", get(notifications_page))
        .route("/notifications/read", post(mark_read))
        .route("/coach", get(coach_json))
}

/// Milliseconds however a template holds them (by value or behind references).
trait Millis {
    fn ms(&self) -> i64;
}
impl Millis for i64 {
    fn ms(&self) -> i64 {
        *self
    }
}
impl<T: Millis + ?Sized> Millis for &T {
    fn ms(&self) -> i64 {
        (**self).ms()
    }
}

fn datetime(ms: impl Millis) -> String {
    let ms = ms.ms();
    let secs = ms.div_euclid(1000);
    let day = secs.div_euclid(86_400);
    let rem = secs - day * 86_400;
    format!(
        "{} {:02}:{:02} UTC",
        date(ms),
        rem / 3600,
        (rem % 3600) / 60
    )
}

fn visibility_note(v: &Visibility) -> &'static str {
    match v {
        Visibility::Open => "Everyone at the company can read and join.",
        Visibility::Private => "Members and admins can read it; people join by invitation.",
        Visibility::Confidential => {
            "Only members can read it — not even admins. It never appears in search outside itself."
        }
    }
}

// ---- The list of spaces ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "spaces/spaces.html")]
struct SpacesPage {
    nav: Nav,
    mine: Vec<SpaceSummary>,
    others: Vec<SpaceSummary>,
    can_create_cohort: bool,
    error: Option<String>,
    default_rules: &'static str,
}

async fn spaces_list(state: &AppState, user: &User, error: Option<String>) -> PageResult {
    let all = state
        .store
        .spaces_for(user.id(), user.0.role)
        .await
        .for_user(user)?;
    let (mine, others) = all.into_iter().partition(|s| s.my_role.is_some());
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut r = render(&SpacesPage {
        nav: Nav::new(Some(user), "spaces"),
        mine,
        others,
        can_create_cohort: matches!(user.0.role, Role::Admin | Role::Facilitator),
        error,
        default_rules: space::DEFAULT_RULES,
    });
    *r.status_mut() = status;
    Ok(r)
}

async fn spaces_page(State(state): State<AppState>, user: User) -> PageResult {
    spaces_list(&state, &user, None).await
}

async fn create_space(State(state): State<AppState>, f: CsrfForm<SpaceForm>) -> PageResult {
    match conv::create_space(&state, &f.user, &f.form).await {
        Ok(id) => Ok(see_other(&format!("/spaces/{id}"))),
        Err(e) if e.kind == error::Kind::Invalid => {
            spaces_list(&state, &f.user, Some(capitalize(&e.message))).await
        }
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

// ---- A space ---------------------------------------------------------------------------

/// What a space's pages show about it and the viewer.
struct SpaceHead {
    id: SpaceId,
    name: String,
    description: String,
    kind: SpaceKind,
    visibility: Visibility,
    member_count: i64,
    rules_version: i64,
    role: Option<SpaceRole>,
    accepted: bool,
    join: bool,
    invite: bool,
    moderate: bool,
    facilitate: bool,
}

impl SpaceHead {
    fn of(ctx: &Ctx) -> Self {
        SpaceHead {
            id: ctx.space.id,
            name: ctx.space.name.clone(),
            description: ctx.space.description.clone(),
            kind: ctx.space.kind,
            visibility: ctx.space.visibility,
            member_count: ctx.space.member_count,
            rules_version: ctx.space.rules_version,
            role: ctx.membership.map(|m| m.role),
            accepted: ctx.accepted(),
            join: ctx.access.join,
            invite: ctx.access.invite,
            moderate: ctx.access.moderate,
            facilitate: ctx.access.facilitate,
        }
    }
}

#[derive(Template)]
#[template(path = "spaces/space.html")]
struct SpacePage {
    nav: Nav,
    space: SpaceHead,
    threads: Vec<ThreadSummary>,
    kinds: Vec<ThreadKind>,
    form: ThreadDraft,
    coach: Option<coach::Advice>,
    error: Option<String>,
    query: String,
    hits: Vec<Hit>,
}

#[derive(Default)]
struct ThreadDraft {
    kind: String,
    title: String,
    body: String,
    question: String,
    skills: String,
}

#[derive(Deserialize, Default)]
struct SpaceQuery {
    #[serde(default)]
    q: String,
}

async fn space_view(
    state: &AppState,
    user: &User,
    id: SpaceId,
    query: String,
    draft: ThreadDraft,
    coach: Option<coach::Advice>,
    error: Option<(StatusCode, String)>,
) -> PageResult {
    let ctx = conv::space(state, user, id).await.for_user(user)?;
    let threads = state.store.threads(id, 100, 0).await.for_user(user)?;
    let hits = if query.trim().is_empty() {
        Vec::new()
    } else {
        hits(
            conv::search(state, user, &query, Some(id), 30)
                .await
                .for_user(user)?,
        )
    };
    let kinds = ThreadKind::ALL
        .iter()
        .copied()
        .filter(|k| *k != ThreadKind::Prompt || ctx.access.facilitate)
        .collect();
    let (status, error) = match error {
        Some((s, m)) => (s, Some(capitalize(&m))),
        None => (StatusCode::OK, None),
    };
    let mut r = render(&SpacePage {
        nav: Nav::new(Some(user), "spaces"),
        space: SpaceHead::of(&ctx),
        threads,
        kinds,
        form: draft,
        coach,
        error,
        query,
        hits,
    });
    *r.status_mut() = status;
    Ok(r)
}

async fn space_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SpaceId>,
    Query(q): Query<SpaceQuery>,
) -> PageResult {
    space_view(&state, &user, id, q.q, ThreadDraft::default(), None, None).await
}

#[derive(Deserialize)]
struct NewThreadForm {
    #[serde(flatten)]
    thread: ThreadForm,
    /// Set when the facilitator saw the coach's advice and posts the question as it is.
    #[serde(default)]
    keep_question: String,
}

async fn new_thread(
    State(state): State<AppState>,
    Path(id): Path<SpaceId>,
    f: CsrfForm<NewThreadForm>,
) -> PageResult {
    let t = &f.form.thread;
    let draft = ThreadDraft {
        kind: t.kind.clone(),
        title: t.title.clone(),
        body: t.body.clone(),
        question: t.question.clone(),
        skills: t.skills.clone(),
    };
    // A closed reflection question is flagged before it is posted, with an open rewording.
    if !t.question.trim().is_empty() && f.form.keep_question.is_empty() {
        let advice = coach::advise(&t.question);
        if advice.kind == Kind::Closed {
            return space_view(
                &state,
                &f.user,
                id,
                String::new(),
                draft,
                Some(advice),
                None,
            )
            .await;
        }
    }
    match conv::create_thread(&state, &f.user, id, t).await {
        Ok(w) => Ok(see_other(&format!("/threads/{}", w.thread_id))),
        Err(e) if e.kind == error::Kind::Invalid => {
            space_view(
                &state,
                &f.user,
                id,
                String::new(),
                draft,
                None,
                Some((status(e.kind), e.message)),
            )
            .await
        }
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

async fn join(
    State(state): State<AppState>,
    Path(id): Path<SpaceId>,
    f: CsrfForm<Empty>,
) -> PageResult {
    conv::join(&state, &f.user, id).await.for_user(&f.user)?;
    Ok(see_other(&format!("/spaces/{id}/rules")))
}

async fn leave(
    State(state): State<AppState>,
    Path(id): Path<SpaceId>,
    f: CsrfForm<Empty>,
) -> PageResult {
    conv::leave(&state, &f.user, id).await.for_user(&f.user)?;
    Ok(see_other("/spaces"))
}

#[derive(Deserialize)]
struct Empty {}

// ---- Ground rules ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "spaces/space_rules.html")]
struct RulesPage {
    nav: Nav,
    space: SpaceHead,
    rules_html: String,
    rules: String,
    accepted_at: Option<i64>,
}

async fn rules_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SpaceId>,
) -> PageResult {
    let ctx = conv::space(&state, &user, id).await.for_user(&user)?;
    let accepted_at = state
        .store
        .accepted_at(id, user.id(), ctx.space.rules_version)
        .await
        .for_user(&user)?;
    Ok(render(&RulesPage {
        nav: Nav::new(Some(&user), "spaces"),
        rules_html: markdown::render(&ctx.space.rules, &|_| None),
        rules: ctx.space.rules.clone(),
        space: SpaceHead::of(&ctx),
        accepted_at,
    }))
}

#[derive(Deserialize)]
struct AcceptForm {
    version: i64,
}

async fn accept_rules(
    State(state): State<AppState>,
    Path(id): Path<SpaceId>,
    f: CsrfForm<AcceptForm>,
) -> PageResult {
    conv::accept_rules(&state, &f.user, id, f.form.version)
        .await
        .for_user(&f.user)?;
    Ok(see_other(&format!("/spaces/{id}")))
}

#[derive(Deserialize)]
struct RulesForm {
    rules: String,
}

async fn edit_rules(
    State(state): State<AppState>,
    Path(id): Path<SpaceId>,
    f: CsrfForm<RulesForm>,
) -> PageResult {
    conv::set_rules(&state, &f.user, id, &f.form.rules)
        .await
        .for_user(&f.user)?;
    Ok(see_other(&format!("/spaces/{id}/rules")))
}

// ---- Members and settings --------------------------------------------------------------

#[derive(Template)]
#[template(path = "spaces/space_members.html")]
struct MembersPage {
    nav: Nav,
    space: SpaceHead,
    members: Vec<Member>,
    roles: &'static [SpaceRole],
    me: PersonId,
}

async fn members_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SpaceId>,
) -> PageResult {
    let ctx = conv::space(&state, &user, id).await.for_user(&user)?;
    let members = state.store.members(id).await.for_user(&user)?;
    Ok(render(&MembersPage {
        nav: Nav::new(Some(&user), "spaces"),
        space: SpaceHead::of(&ctx),
        members,
        roles: SpaceRole::ALL,
        me: user.id(),
    }))
}

#[derive(Deserialize)]
struct InviteForm {
    email: String,
    #[serde(default)]
    role: String,
}

async fn invite(
    State(state): State<AppState>,
    Path(id): Path<SpaceId>,
    f: CsrfForm<InviteForm>,
) -> PageResult {
    conv::invite(&state, &f.user, id, &f.form.email, &f.form.role)
        .await
        .for_user(&f.user)?;
    Ok(see_other(&format!("/spaces/{id}/members")))
}

#[derive(Deserialize)]
struct RoleForm {
    role: String,
}

async fn set_role(
    State(state): State<AppState>,
    Path((id, person)): Path<(SpaceId, PersonId)>,
    f: CsrfForm<RoleForm>,
) -> PageResult {
    conv::set_member_role(&state, &f.user, id, person, &f.form.role)
        .await
        .for_user(&f.user)?;
    Ok(see_other(&format!("/spaces/{id}/members")))
}

async fn remove_member(
    State(state): State<AppState>,
    Path((id, person)): Path<(SpaceId, PersonId)>,
    f: CsrfForm<Empty>,
) -> PageResult {
    conv::remove_member(&state, &f.user, id, person)
        .await
        .for_user(&f.user)?;
    Ok(see_other(&format!("/spaces/{id}/members")))
}

#[derive(Template)]
#[template(path = "spaces/space_settings.html")]
struct SettingsPage {
    nav: Nav,
    space: SpaceHead,
    auto_hide_flags: i64,
    visibilities: &'static [Visibility],
}

async fn settings_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SpaceId>,
) -> PageResult {
    let ctx = conv::space(&state, &user, id).await.for_user(&user)?;
    ctx.require_facilitator().for_user(&user)?;
    Ok(render(&SettingsPage {
        nav: Nav::new(Some(&user), "spaces"),
        auto_hide_flags: ctx.space.auto_hide_flags,
        space: SpaceHead::of(&ctx),
        visibilities: Visibility::ALL,
    }))
}

async fn save_settings(
    State(state): State<AppState>,
    Path(id): Path<SpaceId>,
    f: CsrfForm<SettingsForm>,
) -> PageResult {
    conv::update_space(&state, &f.user, id, &f.form)
        .await
        .for_user(&f.user)?;
    Ok(see_other(&format!("/spaces/{id}")))
}

// ---- Moderation ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "spaces/moderation.html")]
struct ModerationPage {
    nav: Nav,
    space: Option<SpaceHead>,
    queue: Vec<QueueItem>,
    log: Vec<LogEntry>,
}

async fn space_moderation(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SpaceId>,
) -> PageResult {
    let ctx = conv::space(&state, &user, id).await.for_user(&user)?;
    ctx.require_moderator().for_user(&user)?;
    let queue = state.store.review_queue(Some(id)).await.for_user(&user)?;
    let log = state.store.moderation_log(id, 100).await.for_user(&user)?;
    Ok(render(&ModerationPage {
        nav: Nav::new(Some(&user), "spaces"),
        space: Some(SpaceHead::of(&ctx)),
        queue,
        log,
    }))
}

async fn admin_moderation(State(state): State<AppState>, user: User) -> PageResult {
    user.require_admin().for_user(&user)?;
    let queue = state.store.review_queue(None).await.for_user(&user)?;
    Ok(render(&ModerationPage {
        nav: Nav::new(Some(&user), "moderation"),
        space: None,
        queue,
        log: Vec::new(),
    }))
}

// ---- A thread --------------------------------------------------------------------------

/// What the viewer may do in a thread, the same for every post.
pub(crate) struct ThreadViewer {
    csrf: String,
    me: PersonId,
    contributor: bool,
    member: bool,
    moderate: bool,
    /// May accept answers: the asker or a facilitator, in a question.
    accept: bool,
    accepted_post_id: Option<PostId>,
}

impl ThreadViewer {
    fn of(ctx: &Ctx, thread: &Thread, user: &User) -> Self {
        ThreadViewer {
            csrf: user.0.csrf_token.clone(),
            me: user.id(),
            contributor: ctx.access.member && ctx.accepted(),
            member: ctx.access.member,
            moderate: ctx.access.moderate,
            accept: thread.kind == ThreadKind::Question
                && (thread.author_id == Some(user.id()) || ctx.access.facilitate),
            accepted_post_id: thread.accepted_post_id,
        }
    }

    fn is_accepted(&self, post: &Post) -> bool {
        self.accepted_post_id == Some(post.id)
    }

    fn mine(&self, post: &Post) -> bool {
        post.author_id == Some(self.me)
    }

    /// Whether the post's text is shown: visible posts to all, hidden ones to moderators.
    fn shows(&self, post: &Post) -> bool {
        match post.state {
            PostState::Visible => true,
            PostState::Pending | PostState::Hidden => self.moderate,
            PostState::Deleted => false,
        }
    }
}

fn reaction_list(post: &Post) -> Vec<(Reaction, i64, bool)> {
    Reaction::ALL
        .iter()
        .map(|&r| {
            post.reactions
                .iter()
                .find(|c| c.reaction == r)
                .map_or((r, 0, false), |c| (r, c.count, c.mine))
        })
        .collect()
}

#[derive(Template)]
#[template(path = "spaces/thread.html")]
struct ThreadPage {
    nav: Nav,
    space: SpaceHead,
    thread: Thread,
    posts: Vec<Post>,
    v: ThreadViewer,
    error: Option<String>,
    draft: String,
}

async fn thread_view(
    state: &AppState,
    user: &User,
    id: ThreadId,
    error: Option<(StatusCode, String)>,
    draft: String,
) -> PageResult {
    let (ctx, thread) = conv::thread(state, user, id).await.for_user(user)?;
    let posts = state
        .store
        .thread_posts(id, user.id(), false)
        .await
        .for_user(user)?;
    let (status, error) = match error {
        Some((s, m)) => (s, Some(capitalize(&m))),
        None => (StatusCode::OK, None),
    };
    let mut r = render(&ThreadPage {
        nav: Nav::new(Some(user), "spaces"),
        v: ThreadViewer::of(&ctx, &thread, user),
        space: SpaceHead::of(&ctx),
        thread,
        posts,
        error,
        draft,
    });
    *r.status_mut() = status;
    Ok(r)
}

async fn thread_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<ThreadId>,
) -> PageResult {
    thread_view(&state, &user, id, None, String::new()).await
}

async fn thread_events(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<ThreadId>,
) -> Result<Response, PageError> {
    conv::thread(&state, &user, id).await.for_user(&user)?;
    Ok(crate::kit::live::stream(state.live.subscribe(Topic::Thread(id))).into_response())
}

async fn space_events(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SpaceId>,
) -> Result<Response, PageError> {
    conv::space(&state, &user, id).await.for_user(&user)?;
    Ok(crate::kit::live::stream(state.live.subscribe(Topic::Space(id))).into_response())
}

#[derive(Template)]
#[template(path = "spaces/thread_item.html")]
struct ThreadItem {
    t: ThreadSummary,
}

/// One line of a space's thread list, for live updates.
async fn thread_item(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<ThreadId>,
) -> PageResult {
    conv::thread(&state, &user, id).await.for_user(&user)?;
    let Some(t) = state.store.thread_summary(id).await.for_user(&user)? else {
        return Err(PageError::new(Some(user), Error::not_found("thread")));
    };
    let mut r = render(&ThreadItem { t });
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(r)
}

#[derive(Template)]
#[template(path = "spaces/post_fragment.html")]
struct PostFragment {
    post: Post,
    v: ThreadViewer,
}

/// A post's own address (timelines and the LRS name posts by it): its place in its thread.
async fn post_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<PostId>,
) -> PageResult {
    let (_, post) = conv::post(&state, &user, id).await.for_user(&user)?;
    Ok(see_other(&format!("/threads/{}#post-{id}", post.thread_id)))
}

/// One post as an HTML fragment, for live updates.
async fn post_fragment(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<PostId>,
) -> PageResult {
    let (ctx, post) = conv::post(&state, &user, id).await.for_user(&user)?;
    let Some(thread) = state.store.thread(post.thread_id).await.for_user(&user)? else {
        return Err(PageError::new(Some(user), Error::not_found("post")));
    };
    let v = ThreadViewer::of(&ctx, &thread, &user);
    let mut r = render(&PostFragment { post, v });
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(r)
}

#[derive(Deserialize)]
struct ReplyForm {
    body: String,
}

async fn reply(
    State(state): State<AppState>,
    Path(id): Path<ThreadId>,
    f: CsrfForm<ReplyForm>,
) -> PageResult {
    match conv::reply(&state, &f.user, id, &f.form.body).await {
        Ok(w) => Ok(to_post(w)),
        Err(e) if matches!(e.kind, error::Kind::Invalid | error::Kind::Conflict) => {
            thread_view(
                &state,
                &f.user,
                id,
                Some((status(e.kind), e.message)),
                f.form.body.clone(),
            )
            .await
        }
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

async fn lock(
    State(state): State<AppState>,
    Path(id): Path<ThreadId>,
    f: CsrfForm<Empty>,
) -> PageResult {
    conv::lock(&state, &f.user, id, true)
        .await
        .for_user(&f.user)?;
    Ok(see_other(&format!("/threads/{id}")))
}

async fn unlock(
    State(state): State<AppState>,
    Path(id): Path<ThreadId>,
    f: CsrfForm<Empty>,
) -> PageResult {
    conv::lock(&state, &f.user, id, false)
        .await
        .for_user(&f.user)?;
    Ok(see_other(&format!("/threads/{id}")))
}

#[derive(Deserialize)]
struct AcceptAnswerForm {
    post: PostId,
}

async fn accept(
    State(state): State<AppState>,
    Path(id): Path<ThreadId>,
    f: CsrfForm<AcceptAnswerForm>,
) -> PageResult {
    let w = conv::accept_answer(&state, &f.user, id, f.form.post)
        .await
        .for_user(&f.user)?;
    Ok(to_post(w))
}

/// Back to a post in its thread, after acting on it.
fn to_post(w: Written) -> Response {
    see_other(&format!("/threads/{}#post-{}", w.thread_id, w.post_id))
}

// ---- A post ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "spaces/post_edit.html")]
struct EditPage {
    nav: Nav,
    post: Post,
    error: Option<String>,
    body: String,
}

async fn edit_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<PostId>,
) -> PageResult {
    let (_, post) = conv::post(&state, &user, id).await.for_user(&user)?;
    if post.author_id != Some(user.id()) {
        return Err(PageError::new(
            Some(user),
            Error::forbidden("only its author may edit a post"),
        ));
    }
    Ok(render(&EditPage {
        nav: Nav::new(Some(&user), "spaces"),
        body: post.body.clone(),
        post,
        error: None,
    }))
}

async fn edit_post(
    State(state): State<AppState>,
    Path(id): Path<PostId>,
    f: CsrfForm<ReplyForm>,
) -> PageResult {
    match conv::edit_post(&state, &f.user, id, &f.form.body).await {
        Ok(w) => Ok(to_post(w)),
        Err(e) if e.kind == error::Kind::Invalid => {
            let (_, post) = conv::post(&state, &f.user, id).await.for_user(&f.user)?;
            let mut r = render(&EditPage {
                nav: Nav::new(Some(&f.user), "spaces"),
                post,
                error: Some(capitalize(&e.message)),
                body: f.form.body.clone(),
            });
            *r.status_mut() = status(e.kind);
            Ok(r)
        }
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

async fn delete_post(
    State(state): State<AppState>,
    Path(id): Path<PostId>,
    f: CsrfForm<Empty>,
) -> PageResult {
    let w = conv::delete_post(&state, &f.user, id)
        .await
        .for_user(&f.user)?;
    Ok(to_post(w))
}

#[derive(Deserialize)]
struct ReactForm {
    /// The pressed button: `<reaction>:1` to add it, `<reaction>:0` to take it back.
    toggle: String,
}

async fn react(
    State(state): State<AppState>,
    Path(id): Path<PostId>,
    f: CsrfForm<ReactForm>,
) -> PageResult {
    let (reaction, on) = f
        .form
        .toggle
        .split_once(':')
        .unwrap_or((&f.form.toggle, "1"));
    let w = conv::react(&state, &f.user, id, reaction, on != "0")
        .await
        .for_user(&f.user)?;
    Ok(to_post(w))
}

#[derive(Deserialize)]
struct FlagForm {
    reason: String,
}

async fn flag(
    State(state): State<AppState>,
    Path(id): Path<PostId>,
    f: CsrfForm<FlagForm>,
) -> PageResult {
    let (w, _) = conv::flag(&state, &f.user, id, &f.form.reason)
        .await
        .for_user(&f.user)?;
    Ok(to_post(w))
}

#[derive(Deserialize)]
struct NoteForm {
    #[serde(default)]
    note: String,
}

async fn hide(
    State(state): State<AppState>,
    Path(id): Path<PostId>,
    f: CsrfForm<NoteForm>,
) -> PageResult {
    let w = conv::moderate(&state, &f.user, id, Moderation::Hide, &f.form.note)
        .await
        .for_user(&f.user)?;
    Ok(to_post(w))
}

async fn restore(
    State(state): State<AppState>,
    Path(id): Path<PostId>,
    f: CsrfForm<NoteForm>,
) -> PageResult {
    let w = conv::moderate(&state, &f.user, id, Moderation::Restore, &f.form.note)
        .await
        .for_user(&f.user)?;
    Ok(to_post(w))
}

#[derive(Template)]
#[template(path = "spaces/post_history.html")]
struct HistoryPage {
    nav: Nav,
    post: Post,
    edits: Vec<Edit>,
}

async fn history_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<PostId>,
) -> PageResult {
    let (ctx, post) = conv::post(&state, &user, id).await.for_user(&user)?;
    ctx.require_moderator().for_user(&user)?;
    let edits = state.store.post_history(id).await.for_user(&user)?;
    Ok(render(&HistoryPage {
        nav: Nav::new(Some(&user), "spaces"),
        post,
        edits,
    }))
}

// ---- Search, notifications, coach ------------------------------------------------------

pub(crate) struct Hit {
    hit: SearchHit,
    snippet: String,
}

fn hits(found: Vec<SearchHit>) -> Vec<Hit> {
    found
        .into_iter()
        .map(|hit| Hit {
            snippet: markdown::plain_text(&hit.body, 220),
            hit,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "spaces/search.html")]
struct SearchPage {
    nav: Nav,
    query: String,
    hits: Vec<Hit>,
}

async fn search_page(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<SpaceQuery>,
) -> PageResult {
    let found = if q.q.trim().is_empty() {
        Vec::new()
    } else {
        conv::search(&state, &user, &q.q, None, 50)
            .await
            .for_user(&user)?
    };
    Ok(render(&SearchPage {
        nav: Nav::new(Some(&user), "search"),
        query: q.q,
        hits: hits(found),
    }))
}

#[derive(Template)]
#[template(path = "spaces/notifications.html")]
struct NotificationsPage {
    nav: Nav,
    any_unread: bool,
    items: Vec<Notification>,
}

async fn notifications_page(State(state): State<AppState>, user: User) -> PageResult {
    let items = state
        .store
        .notifications(user.id(), 100)
        .await
        .for_user(&user)?;
    Ok(render(&NotificationsPage {
        nav: Nav::new(Some(&user), "notifications"),
        any_unread: items.iter().any(|n| !n.read),
        items,
    }))
}

#[derive(Deserialize)]
struct ReadForm {
    /// One notification, or empty for all.
    #[serde(default)]
    id: String,
    /// Where to go next: the notification's thread.
    #[serde(default)]
    next: String,
}

async fn mark_read(State(state): State<AppState>, f: CsrfForm<ReadForm>) -> PageResult {
    let id = match f.form.id.trim() {
        "" => None,
        raw => Some(
            raw.parse::<i64>()
                .map_err(|_| Error::bad_request("id: must be a notification id"))
                .for_user(&f.user)?,
        ),
    };
    state
        .store
        .mark_read(f.user.id(), id, state.now())
        .await
        .for_user(&f.user)?;
    let next = f.form.next.as_str();
    let local = next.starts_with("/threads/") || next.starts_with("/spaces/");
    Ok(see_other(if local && !next.contains("//") {
        next
    } else {
        "/notifications"
    }))
}

#[derive(Deserialize)]
struct CoachQuery {
    q: String,
}

/// The question coach for the prompt editor (the page's script asks as the facilitator types).
async fn coach_json(_: User, Query(q): Query<CoachQuery>) -> Response {
    match conv::coach("q", &q.q) {
        Ok(advice) => Json(advice).into_response(),
        Err(e) => crate::kit::http::ApiError(e).into_response(),
    }
}
