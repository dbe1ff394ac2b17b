//! The API of spaces and conversation under `/api/v1` (documented in `openapi.json`): the
//! same operations as the pages, through [`super::ops`], answered in JSON.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Json;
use peerlab_core::space::PostState;
use peerlab_store::{Moderation, PersonId, Post, PostId, SpaceId, ThreadId};
use serde::Deserialize;
use serde_json::{json, Value};

use super::ops::{self as conv, SettingsForm, SpaceForm, ThreadForm};
use crate::error::{Error, Kind};
use crate::kit::extract::{ApiJson, ApiPath, ApiQuery};
use crate::kit::http::ApiResult;
use crate::kit::routes::ApiRoutes;
use crate::kit::session::ApiUser;
use crate::AppState;

pub fn api() -> ApiRoutes {
    ApiRoutes::new()
        .route("/coach", post(coach))
        .route("/spaces", get(spaces).post(create_space))
        .route("/spaces/{id}", get(space).put(update_space))
        .route("/spaces/{id}/rules", put(set_rules))
        .route("/spaces/{id}/rules/acceptance", post(accept_rules))
        .route("/spaces/{id}/join", post(join))
        .route("/spaces/{id}/members", get(members).post(invite))
        .route(
            "/spaces/{id}/members/{person}",
            axum::routing::delete(remove_member),
        )
        .route("/spaces/{id}/members/{person}/role", put(set_role))
        .route("/spaces/{id}/threads", get(threads).post(create_thread))
        .route("/spaces/{id}/moderation", get(space_queue))
        .route("/spaces/{id}/audit-log", get(audit_log))
        .route("/moderation", get(admin_queue))
        .route("/threads/{id}", get(thread))
        .route("/threads/{id}/replies", post(reply))
        .route("/threads/{id}/lock", put(lock))
        .route("/threads/{id}/accepted-answer", put(accept_answer))
        .route("/posts/{id}", put(edit_post).delete(delete_post))
        .route("/posts/{id}/history", get(history))
        .route("/posts/{id}/reactions", post(react))
        .route(
            "/posts/{id}/reactions/{reaction}",
            axum::routing::delete(unreact),
        )
        .route("/posts/{id}/flags", post(flag))
        .route("/posts/{id}/hide", post(hide))
        .route("/posts/{id}/restore", post(restore))
        .route("/search", get(search))
        .route("/notifications", get(notifications))
        .route("/notifications/read", post(mark_read))
}

type Created = (StatusCode, Json<Value>);

fn created(value: Value) -> Created {
    (StatusCode::CREATED, Json(value))
}

fn done() -> Json<Value> {
    Json(json!({"ok": true}))
}

/// Hidden posts keep their text from everyone but moderators; deleted posts have none.
fn redact(mut post: Post, moderate: bool) -> Post {
    let shown = match post.state {
        PostState::Visible => true,
        PostState::Pending | PostState::Hidden => moderate,
        PostState::Deleted => false,
    };
    if !shown {
        post.body.clear();
        post.body_html.clear();
    }
    post
}

async fn spaces(State(state): State<AppState>, ApiUser(user): ApiUser) -> ApiResult<Json<Value>> {
    let spaces = state.store.spaces_for(user.id(), user.0.role).await?;
    Ok(Json(json!({ "spaces": spaces })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpaceBody {
    name: String,
    #[serde(default)]
    description: String,
    kind: String,
    visibility: String,
    #[serde(default)]
    rules: String,
}

async fn create_space(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<SpaceBody>,
) -> ApiResult<Created> {
    let form = SpaceForm {
        name: body.name,
        description: body.description,
        kind: body.kind,
        visibility: body.visibility,
        rules: body.rules,
    };
    let id = conv::create_space(&state, &user, &form).await?;
    Ok(created(json!({ "id": id })))
}

async fn space(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SpaceId>,
) -> ApiResult<Json<Value>> {
    let ctx = conv::space(&state, &user, id).await?;
    Ok(Json(json!({
        "space": ctx.space,
        "membership": ctx.membership,
        "rules_accepted": ctx.accepted(),
        "may": {
            "join": ctx.access.join,
            "invite": ctx.access.invite,
            "moderate": ctx.access.moderate,
            "facilitate": ctx.access.facilitate,
            "contribute": ctx.access.member && ctx.accepted(),
        },
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsBody {
    name: String,
    #[serde(default)]
    description: String,
    visibility: String,
    auto_hide_flags: i64,
}

async fn update_space(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SpaceId>,
    ApiJson(body): ApiJson<SettingsBody>,
) -> ApiResult<Json<Value>> {
    let form = SettingsForm {
        name: body.name,
        description: body.description,
        visibility: body.visibility,
        auto_hide_flags: body.auto_hide_flags.to_string(),
    };
    conv::update_space(&state, &user, id, &form).await?;
    Ok(done())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesBody {
    rules: String,
}

async fn set_rules(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SpaceId>,
    ApiJson(body): ApiJson<RulesBody>,
) -> ApiResult<Json<Value>> {
    let version = conv::set_rules(&state, &user, id, &body.rules).await?;
    Ok(Json(json!({ "version": version })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptBody {
    version: i64,
}

async fn accept_rules(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SpaceId>,
    ApiJson(body): ApiJson<AcceptBody>,
) -> ApiResult<Json<Value>> {
    conv::accept_rules(&state, &user, id, body.version).await?;
    Ok(done())
}

async fn join(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SpaceId>,
) -> ApiResult<Json<Value>> {
    conv::join(&state, &user, id).await?;
    Ok(done())
}

async fn members(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SpaceId>,
) -> ApiResult<Json<Value>> {
    conv::space(&state, &user, id).await?;
    Ok(Json(json!({ "members": state.store.members(id).await? })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InviteBody {
    email: String,
    #[serde(default)]
    role: String,
}

async fn invite(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SpaceId>,
    ApiJson(body): ApiJson<InviteBody>,
) -> ApiResult<Created> {
    let person = conv::invite(&state, &user, id, &body.email, &body.role).await?;
    Ok(created(json!({ "person_id": person })))
}

async fn remove_member(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((id, person)): ApiPath<(SpaceId, PersonId)>,
) -> ApiResult<Json<Value>> {
    conv::remove_member(&state, &user, id, person).await?;
    Ok(done())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: String,
}

async fn set_role(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((id, person)): ApiPath<(SpaceId, PersonId)>,
    ApiJson(body): ApiJson<RoleBody>,
) -> ApiResult<Json<Value>> {
    conv::set_member_role(&state, &user, id, person, &body.role).await?;
    Ok(done())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
}

async fn threads(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SpaceId>,
    ApiQuery(page): ApiQuery<Page>,
) -> ApiResult<Json<Value>> {
    conv::space(&state, &user, id).await?;
    let limit = page.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(Error::bad_request("limit: must be from 1 to 200").into());
    }
    let offset = page.offset.unwrap_or(0).max(0);
    Ok(Json(
        json!({ "threads": state.store.threads(id, limit, offset).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThreadBody {
    kind: String,
    title: String,
    body: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    skills: Vec<String>,
}

async fn create_thread(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SpaceId>,
    ApiJson(body): ApiJson<ThreadBody>,
) -> ApiResult<Created> {
    if body.skills.iter().any(|s| s.contains(',')) {
        return Err(Error::new(
            Kind::Invalid,
            "invalid_input",
            "skills: a skill name has no commas",
        )
        .into());
    }
    let form = ThreadForm {
        kind: body.kind,
        title: body.title,
        body: body.body,
        question: body.question,
        skills: body.skills.join(","),
    };
    let w = conv::create_thread(&state, &user, id, &form).await?;
    Ok(created(
        json!({ "thread_id": w.thread_id, "post_id": w.post_id }),
    ))
}

async fn thread(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<ThreadId>,
) -> ApiResult<Json<Value>> {
    let (ctx, _) = conv::thread(&state, &user, id).await?;
    let view = state
        .store
        .thread_view(id, user.id())
        .await?
        .ok_or_else(|| Error::not_found("thread"))?;
    let moderate = ctx.access.moderate;
    let posts: Vec<Post> = view
        .posts
        .into_iter()
        .map(|p| redact(p, moderate))
        .collect();
    Ok(Json(json!({ "thread": view.thread, "posts": posts })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BodyOnly {
    body: String,
}

async fn reply(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<ThreadId>,
    ApiJson(body): ApiJson<BodyOnly>,
) -> ApiResult<Created> {
    let w = conv::reply(&state, &user, id, &body.body).await?;
    Ok(created(
        json!({ "thread_id": w.thread_id, "post_id": w.post_id }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LockBody {
    locked: bool,
}

async fn lock(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<ThreadId>,
    ApiJson(body): ApiJson<LockBody>,
) -> ApiResult<Json<Value>> {
    conv::lock(&state, &user, id, body.locked).await?;
    Ok(done())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptAnswerBody {
    post_id: PostId,
}

async fn accept_answer(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<ThreadId>,
    ApiJson(body): ApiJson<AcceptAnswerBody>,
) -> ApiResult<Json<Value>> {
    conv::accept_answer(&state, &user, id, body.post_id).await?;
    Ok(done())
}

async fn edit_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<PostId>,
    ApiJson(body): ApiJson<BodyOnly>,
) -> ApiResult<Json<Value>> {
    conv::edit_post(&state, &user, id, &body.body).await?;
    Ok(done())
}

async fn delete_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<PostId>,
) -> ApiResult<Json<Value>> {
    conv::delete_post(&state, &user, id).await?;
    Ok(done())
}

async fn history(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<PostId>,
) -> ApiResult<Json<Value>> {
    let (ctx, _) = conv::post(&state, &user, id).await?;
    ctx.require_moderator()?;
    Ok(Json(
        json!({ "edits": state.store.post_history(id).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReactionBody {
    reaction: String,
}

async fn react(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<PostId>,
    ApiJson(body): ApiJson<ReactionBody>,
) -> ApiResult<Created> {
    conv::react(&state, &user, id, &body.reaction, true).await?;
    Ok(created(json!({ "ok": true })))
}

async fn unreact(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((id, reaction)): ApiPath<(PostId, String)>,
) -> ApiResult<Json<Value>> {
    conv::react(&state, &user, id, &reaction, false).await?;
    Ok(done())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FlagBody {
    reason: String,
}

async fn flag(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<PostId>,
    ApiJson(body): ApiJson<FlagBody>,
) -> ApiResult<Created> {
    let (_, hidden) = conv::flag(&state, &user, id, &body.reason).await?;
    Ok(created(json!({ "hidden_pending_review": hidden })))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    #[serde(default)]
    note: String,
}

async fn hide(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<PostId>,
    ApiJson(body): ApiJson<NoteBody>,
) -> ApiResult<Json<Value>> {
    conv::moderate(&state, &user, id, Moderation::Hide, &body.note).await?;
    Ok(done())
}

async fn restore(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<PostId>,
    ApiJson(body): ApiJson<NoteBody>,
) -> ApiResult<Json<Value>> {
    conv::moderate(&state, &user, id, Moderation::Restore, &body.note).await?;
    Ok(done())
}

async fn space_queue(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SpaceId>,
) -> ApiResult<Json<Value>> {
    let ctx = conv::space(&state, &user, id).await?;
    ctx.require_moderator()?;
    Ok(Json(
        json!({ "queue": state.store.review_queue(Some(id)).await? }),
    ))
}

async fn audit_log(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SpaceId>,
) -> ApiResult<Json<Value>> {
    let ctx = conv::space(&state, &user, id).await?;
    ctx.require_moderator()?;
    Ok(Json(
        json!({ "entries": state.store.moderation_log(id, 500).await? }),
    ))
}

async fn admin_queue(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Value>> {
    user.require_admin()?;
    Ok(Json(
        json!({ "queue": state.store.review_queue(None).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    q: String,
    #[serde(default)]
    space: Option<SpaceId>,
    #[serde(default)]
    limit: Option<i64>,
}

async fn search(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Value>> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(Error::bad_request("limit: must be from 1 to 100").into());
    }
    if q.q.trim().is_empty() {
        return Err(Error::bad_request("q: give one or more words to search for").into());
    }
    let hits = conv::search(&state, &user, &q.q, q.space, limit).await?;
    Ok(Json(json!({ "results": hits })))
}

async fn notifications(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Value>> {
    let items = state.store.notifications(user.id(), 100).await?;
    let unread = state.store.unread_count(user.id()).await?;
    Ok(Json(json!({ "unread": unread, "notifications": items })))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ReadBody {
    #[serde(default)]
    id: Option<i64>,
}

async fn mark_read(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<ReadBody>,
) -> ApiResult<Json<Value>> {
    state
        .store
        .mark_read(user.id(), body.id, state.now())
        .await?;
    Ok(done())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CoachBody {
    question: String,
}

/// The question coach (S5): is a reflection question open or closed, and an open rewording.
async fn coach(
    _: ApiUser,
    ApiJson(body): ApiJson<CoachBody>,
) -> ApiResult<Json<peerlab_core::coach::Advice>> {
    Ok(Json(conv::coach("question", &body.question)?))
}
