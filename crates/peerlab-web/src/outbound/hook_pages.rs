//! The admin's webhooks page (`/admin/webhooks`): connect a system or a chat channel, see
//! each hook's delivery log (every attempt's end, with the receiver's answer), send a
//! delivery again, stop a hook. A signed hook's secret is shown once, when it is made.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use peerlab_core::space::Visibility;
use peerlab_store::{JobState, NewWebhook, SpaceId, Webhook};
use serde::Deserialize;

use super::hooks::{self, Format, WEBHOOK};
use crate::error::Error;
use crate::kit::http::status;
#[allow(unused_imports)]
use crate::kit::page::filters;
use crate::kit::page::{render_status, see_other, ForUser, Nav, PageResult};
use crate::kit::session::{CsrfForm, User};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/webhooks", get(page).post(create))
        .route("/admin/webhooks/stop", post(stop))
        .route("/admin/webhooks/replay", post(replay))
}

/// Deliveries each hook's log shows.
pub(super) const LOG_ROWS: i64 = 20;

/// One delivery of a hook's log, as the page and the API show it.
#[derive(serde::Serialize)]
pub(super) struct LogRow {
    pub id: i64,
    pub state: &'static str,
    pub attempts: i64,
    pub when: String,
    pub said: String,
    pub replayable: bool,
}

struct HookView {
    hook: Webhook,
    format: &'static str,
    log: Vec<LogRow>,
}

#[derive(Template)]
#[template(path = "outbound/webhooks.html")]
struct HooksPage {
    nav: Nav,
    hooks: Vec<HookView>,
    spaces: Vec<(SpaceId, String)>,
    form: HookForm,
    ok: Option<String>,
    error: Option<String>,
    secret: Option<String>,
}

/// A hook as the form (and the API, converted) gives it: every field as typed.
#[derive(Deserialize, Default)]
pub(super) struct HookForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub space: String,
    /// Verb IRIs separated by white space; none means every statement.
    #[serde(default)]
    pub verbs: String,
    /// "on" allows a loopback or private address (for tests).
    #[serde(default)]
    pub loopback: String,
}

#[derive(Deserialize, Default)]
struct Done {
    #[serde(default)]
    done: String,
}

pub(super) fn log_row(job: peerlab_store::Job) -> LogRow {
    let state = match job.state {
        JobState::Done
            if job
                .outcome
                .as_deref()
                .is_some_and(|o| o.starts_with("skipped")) =>
        {
            "skipped"
        }
        JobState::Done => "delivered",
        JobState::Pending if job.attempts > 0 => "retrying",
        JobState::Pending => "pending",
        JobState::Running => "sending",
        JobState::Failed => "failed",
    };
    let at = job.finished_at.unwrap_or(job.created_at);
    let minutes = at.div_euclid(60_000).rem_euclid(1440);
    LogRow {
        id: job.id,
        state,
        attempts: job.attempts,
        when: format!(
            "{} {:02}:{:02} UTC",
            crate::kit::page::date(at),
            minutes / 60,
            minutes % 60
        ),
        said: match job.state {
            JobState::Done => job.outcome.unwrap_or_default(),
            _ => job.last_error.unwrap_or_default(),
        },
        replayable: matches!(job.state, JobState::Done | JobState::Failed),
    }
}

#[allow(clippy::too_many_arguments)]
async fn show(
    state: &AppState,
    user: &User,
    form: HookForm,
    ok: Option<String>,
    error: Option<String>,
    secret: Option<String>,
    code: StatusCode,
) -> PageResult {
    user.require_admin().for_user(user)?;
    let mut views = Vec::new();
    for hook in state.store.webhooks().await.for_user(user)? {
        let log = state
            .store
            .webhook_jobs(hook.id, LOG_ROWS)
            .await
            .for_user(user)?
            .into_iter()
            .map(log_row)
            .collect();
        views.push(HookView {
            format: Format::parse(&hook.format).map_or("", Format::label),
            hook,
            log,
        });
    }
    let spaces = state
        .store
        .spaces_for(user.id(), user.0.role)
        .await
        .for_user(user)?
        .into_iter()
        .filter(|s| s.visibility != Visibility::Confidential)
        .map(|s| (s.id, s.name))
        .collect();
    Ok(render_status(
        code,
        &HooksPage {
            nav: Nav::new(Some(user), "outbound"),
            hooks: views,
            spaces,
            form,
            ok,
            error,
            secret,
        },
    ))
}

async fn page(State(state): State<AppState>, user: User, Query(q): Query<Done>) -> PageResult {
    let ok = match q.done.as_str() {
        "stopped" => Some("Stopped: nothing more goes to it. Its log stays.".to_string()),
        "replayed" => Some("Queued again: the copy is at the top of its log.".to_string()),
        _ => None,
    };
    show(
        &state,
        &user,
        HookForm::default(),
        ok,
        None,
        None,
        StatusCode::OK,
    )
    .await
}

/// Checks a hook form whole.
pub(super) async fn check(
    state: &AppState,
    form: &HookForm,
    user: &User,
) -> Result<NewWebhook, Error> {
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid(
            "name",
            "give the webhook a name of at most 100 characters",
        ));
    }
    let loopback = form.loopback == "on";
    hooks::check_url(&form.url, loopback)?;
    let url = form.url.trim().to_string();
    let format = match form.format.as_str() {
        "" | "auto" => Format::of_url(&url),
        f => Format::parse(f).ok_or_else(|| {
            Error::invalid(
                "format",
                "the format is signed, slack, teams or teams_connector",
            )
        })?,
    };
    let space_id = match form.space.trim() {
        "" => None,
        raw => {
            let id: SpaceId = raw
                .parse()
                .map_err(|_| Error::invalid("space", "choose a space from the list"))?;
            let space = state
                .store
                .space(id)
                .await?
                .ok_or_else(|| Error::invalid("space", "that space does not exist"))?;
            if space.visibility == Visibility::Confidential {
                return Err(Error::invalid(
                    "space",
                    "a confidential space cannot be connected: what is said there stays there",
                ));
            }
            Some(id)
        }
    };
    if format.is_chat() && space_id.is_none() {
        return Err(Error::invalid(
            "space",
            "a chat channel hears of one space: choose which",
        ));
    }
    let verbs: Vec<&str> = form.verbs.split_whitespace().collect();
    if let Some(bad) = verbs
        .iter()
        .find(|v| !(v.starts_with("http://") || v.starts_with("https://")) || v.len() > 500)
    {
        return Err(Error::invalid(
            "verbs",
            format!(
                "verbs are IRIs, such as http://adlnet.gov/expapi/verbs/asked; '{}' is not one",
                super::cut(bad, 60)
            ),
        ));
    }
    Ok(NewWebhook {
        name: name.to_string(),
        url,
        format: format.as_str().to_string(),
        secret: if format == Format::Signed {
            format!("whsec_{}", crate::new_secret())
        } else {
            String::new()
        },
        space_id,
        verbs: verbs.join(" "),
        allow_loopback: loopback,
        created_by: user.id(),
    })
}

async fn create(
    State(state): State<AppState>,
    CsrfForm { user, form }: CsrfForm<HookForm>,
) -> PageResult {
    user.require_admin().for_user(&user)?;
    match check(&state, &form, &user).await {
        Ok(hook) => {
            state
                .store
                .create_webhook(&hook, state.now())
                .await
                .for_user(&user)?;
            let (ok, secret) = if hook.secret.is_empty() {
                (
                    format!(
                        "Connected “{}”: new activity in its space posts there from now on.",
                        hook.name
                    ),
                    None,
                )
            } else {
                (
                    format!("Webhook “{}” made. Copy its secret now: the receiver checks each delivery's signature with it, and it is not shown again.", hook.name),
                    Some(hook.secret),
                )
            };
            show(
                &state,
                &user,
                HookForm::default(),
                Some(ok),
                None,
                secret,
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => {
            let code = status(e.kind);
            show(&state, &user, form, None, Some(e.message), None, code).await
        }
    }
}

#[derive(Deserialize)]
struct IdForm {
    #[serde(default)]
    id: String,
}

async fn stop(
    State(state): State<AppState>,
    CsrfForm { user, form }: CsrfForm<IdForm>,
) -> PageResult {
    user.require_admin().for_user(&user)?;
    let id: i64 = form.id.trim().parse().unwrap_or(0);
    if !state
        .store
        .disable_webhook(id, state.now())
        .await
        .for_user(&user)?
    {
        return Err(Error::not_found("webhook")).for_user(&user);
    }
    Ok(see_other("/admin/webhooks?done=stopped"))
}

async fn replay(
    State(state): State<AppState>,
    CsrfForm { user, form }: CsrfForm<IdForm>,
) -> PageResult {
    user.require_admin().for_user(&user)?;
    let id: i64 = form.id.trim().parse().unwrap_or(0);
    super::replay(&state, id, &[WEBHOOK], "delivery")
        .await
        .for_user(&user)?;
    Ok(see_other("/admin/webhooks?done=replayed"))
}
