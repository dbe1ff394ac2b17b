//! The admin's outbound queue and webhooks under `/api/v1/admin`, as their pages show them:
//! read the queue (all, waiting or failed) and send a message again or a test message;
//! list, connect and stop webhooks, read a hook's delivery log and send a delivery again. A
//! signed hook's secret is in the answer that made it, and never again.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::Json;
use peerlab_core::Email;
use peerlab_store::JobState;
use serde::Deserialize;
use serde_json::{json, Value};

use super::hook_pages::{check, log_row, HookForm, LOG_ROWS};
use super::hooks::{Format, WEBHOOK};
use super::pages::{row, QUEUE_ROWS};
use super::EMAIL_KINDS;
use crate::error::Error;
use crate::kit::extract::{ApiJson, ApiPath, ApiQuery};
use crate::kit::http::ApiResult;
use crate::kit::routes::ApiRoutes;
use crate::kit::session::ApiUser;
use crate::AppState;

pub fn api() -> ApiRoutes {
    ApiRoutes::new()
        .route("/admin/outbound", get(queue))
        .route("/admin/outbound/test", post(test))
        .route("/admin/outbound/{id}/replay", post(replay_message))
        .route("/admin/webhooks", get(list).post(create))
        .route("/admin/webhooks/{id}", delete(stop))
        .route("/admin/webhooks/{id}/deliveries", get(deliveries))
        .route(
            "/admin/webhooks/deliveries/{id}/replay",
            post(replay_delivery),
        )
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct QueueQuery {
    /// `pending` or `failed`; none lists all.
    #[serde(default)]
    state: Option<String>,
}

async fn queue(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> ApiResult<Json<Value>> {
    user.require_admin()?;
    let filter = match q.state.as_deref() {
        None | Some("") => None,
        Some("pending") => Some(JobState::Pending),
        Some("failed") => Some(JobState::Failed),
        Some(other) => {
            return Err(
                Error::invalid("state", format!("state: pending or failed, not {other:?}")).into(),
            )
        }
    };
    let mail_on = state.mailer.is_some();
    let messages: Vec<_> = state
        .store
        .jobs_of_kinds(EMAIL_KINDS, filter, QUEUE_ROWS)
        .await?
        .into_iter()
        .map(|j| row(j, mail_on))
        .collect();
    let counts: serde_json::Map<String, Value> = state
        .store
        .job_counts(EMAIL_KINDS)
        .await?
        .into_iter()
        .map(|(s, n)| (s, json!(n)))
        .collect();
    Ok(Json(json!({
        "sending": mail_on,
        "smtp": state.mailer.as_ref().map(|m| m.settings.display_url()),
        "counts": counts,
        "messages": messages,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestBody {
    to: String,
}

async fn test(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<TestBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    user.require_admin()?;
    let to = Email::parse(&body.to)?;
    super::send_test(&state, to.as_str())
        .await
        .map_err(Error::internal)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"queued": true, "sending": state.mailer.is_some()})),
    ))
}

async fn replay_message(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    user.require_admin()?;
    let copy = super::replay(&state, id, EMAIL_KINDS, "message").await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"id": copy}))))
}

fn hook_json(hook: &peerlab_store::Webhook) -> Value {
    json!({
        "id": hook.id,
        "name": hook.name,
        "url": hook.url,
        "format": hook.format,
        "format_label": Format::parse(&hook.format).map_or("", Format::label),
        "space_id": hook.space_id,
        "space_name": hook.space_name,
        "verbs": hook.verbs.split_whitespace().collect::<Vec<_>>(),
        "allow_loopback": hook.allow_loopback,
        "created_at": hook.created_at,
        "active": hook.disabled_at.is_none(),
    })
}

async fn list(State(state): State<AppState>, ApiUser(user): ApiUser) -> ApiResult<Json<Value>> {
    user.require_admin()?;
    let hooks: Vec<Value> = state
        .store
        .webhooks()
        .await?
        .iter()
        .map(hook_json)
        .collect();
    Ok(Json(json!({ "items": hooks })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HookBody {
    name: String,
    url: String,
    /// `signed`, `slack`, `teams` or `teams_connector`; by default from the URL.
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    space_id: Option<i64>,
    #[serde(default)]
    verbs: Vec<String>,
    #[serde(default)]
    allow_loopback: bool,
}

async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<HookBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    user.require_admin()?;
    if let Some(bad) = body
        .verbs
        .iter()
        .find(|v| v.split_whitespace().count() != 1)
    {
        return Err(Error::invalid("verbs", format!("verbs: one IRI each, not {bad:?}")).into());
    }
    let form = HookForm {
        name: body.name,
        url: body.url,
        format: body.format.unwrap_or_default(),
        space: body.space_id.map(|s| s.to_string()).unwrap_or_default(),
        verbs: body.verbs.join(" "),
        loopback: if body.allow_loopback { "on" } else { "" }.into(),
    };
    let new = check(&state, &form, &user).await?;
    let id = state.store.create_webhook(&new, state.now()).await?;
    let hook = state
        .store
        .webhook(id)
        .await?
        .ok_or_else(|| Error::not_found("webhook"))?;
    let mut answer = hook_json(&hook);
    if !new.secret.is_empty() {
        answer["secret"] = json!(new.secret);
    }
    Ok((StatusCode::CREATED, Json(answer)))
}

async fn stop(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    user.require_admin()?;
    if !state.store.disable_webhook(id, state.now()).await? {
        return Err(Error::not_found("webhook").into());
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn deliveries(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    user.require_admin()?;
    if state.store.webhook(id).await?.is_none() {
        return Err(Error::not_found("webhook").into());
    }
    let log: Vec<_> = state
        .store
        .webhook_jobs(id, LOG_ROWS)
        .await?
        .into_iter()
        .map(log_row)
        .collect();
    Ok(Json(json!({ "items": log })))
}

async fn replay_delivery(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    user.require_admin()?;
    let copy = super::replay(&state, id, &[WEBHOOK], "delivery").await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"id": copy}))))
}
