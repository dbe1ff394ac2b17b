//! The pages of outbound: a person's e-mail choices (`/settings/notifications`), the
//! one-click unsubscribe (`/unsubscribe`, RFC 8058), and the admin's outbound queue
//! (`/admin/outbound`: every e-mail pending, sent, held or failed with its reason; replay;
//! a test message; a check of the SMTP settings).
//!
//! Like the other pages, every form posts and comes back to its page, which says what
//! happened (`?done=` names one of a fixed set of messages); a refused form shows the page
//! again with the reason and the refused status, having written nothing.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use peerlab_core::Email;
use peerlab_store::{Job, JobState};
use serde::Deserialize;

use super::topics::{self, Mode, Topic, TOPICS};
use super::unsubscribe::{self, LinkError};
use super::{Envelope, EMAIL_KINDS};
use crate::error::Error;
use crate::kit::http::status;
#[allow(unused_imports)]
use crate::kit::page::filters;
use crate::kit::page::{render_status, see_other, ForUser, Nav, PageResult};
use crate::kit::session::{CsrfForm, MaybeUser, User};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/settings/notifications",
            get(settings_page).post(save_settings),
        )
        .route("/unsubscribe", get(unsubscribe_page).post(unsubscribe_now))
        .route("/admin/outbound", get(outbound_page))
        .route("/admin/outbound/test", post(send_test))
        .route("/admin/outbound/replay", post(replay))
        .route("/admin/outbound/check", post(check))
}

/// This instance's unsubscribe key, made once and kept in the database, then in memory.
pub(crate) async fn unsubscribe_key(state: &AppState) -> Result<Vec<u8>, Error> {
    let key = state
        .unsubscribe_key
        .get_or_try_init(|| async {
            let fresh = crate::new_secret();
            state
                .store
                .instance_key("unsubscribe", &fresh)
                .await
                .map(String::into_bytes)
        })
        .await?;
    Ok(key.clone())
}

#[derive(Deserialize, Default)]
struct Done {
    #[serde(default)]
    done: String,
}

fn done_message(done: &str) -> Option<String> {
    Some(
        match done {
            "saved" => "Saved. Your e-mail choices apply to everything from now on.",
            "test" => "Test message queued: it shows at the top of the queue below once it has gone (or failed, with the server's answer).",
            "replayed" => "Queued again: the copy is at the top of the queue.",
            "checked" => "The SMTP server answered and accepted the login.",
            _ => return None,
        }
        .into(),
    )
}

// ---- A person's choices --------------------------------------------------------------------

struct Choice {
    topic: &'static Topic,
    mode: Mode,
    modes: Vec<Mode>,
}

#[derive(Template)]
#[template(path = "outbound/settings.html")]
struct SettingsPage {
    nav: Nav,
    choices: Vec<Choice>,
    digest: String,
    email: String,
    mail_on: bool,
    ok: Option<String>,
    error: Option<String>,
}

async fn settings(
    state: &AppState,
    user: &User,
    ok: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let prefs = state.store.mail_prefs(user.id()).await.for_user(user)?;
    let choices = TOPICS
        .iter()
        .map(|t| Choice {
            topic: t,
            mode: t.mode_in(&prefs.modes),
            modes: t.modes(),
        })
        .collect();
    Ok(render_status(
        status,
        &SettingsPage {
            nav: Nav::new(Some(user), "notifications"),
            choices,
            digest: prefs.digest,
            email: user.0.email.clone(),
            mail_on: state.mailer.is_some(),
            ok,
            error,
        },
    ))
}

async fn settings_page(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<Done>,
) -> PageResult {
    settings(&state, &user, done_message(&q.done), None, StatusCode::OK).await
}

/// A checked settings form: `(topic, mode)` pairs, and the digest's frequency if given.
pub type Checked = (Vec<(&'static str, &'static str)>, Option<&'static str>);

/// Checks a settings form whole: `(topic, mode)` pairs and the digest's frequency. The
/// error names the field.
pub fn check_settings(fields: &[(String, String)]) -> Result<Checked, Error> {
    let mut modes = Vec::new();
    let mut digest = None;
    for (name, value) in fields {
        if name == "csrf" {
            continue;
        }
        if name == "digest" {
            digest = Some(match value.as_str() {
                "daily" => "daily",
                "weekly" => "weekly",
                _ => {
                    return Err(Error::invalid(
                        "digest",
                        format!("the digest comes daily or weekly, not '{}'", cut(value)),
                    ))
                }
            });
            continue;
        }
        let Some(topic) = topics::topic(name) else {
            return Err(Error::invalid(
                "topic",
                format!("there is no kind of e-mail called '{}'", cut(name)),
            ));
        };
        let mode = match Mode::parse(value) {
            Some(Mode::Digest) if !topic.digestible => {
                return Err(Error::invalid(
                    topic.key,
                    format!(
                        "“{}” cannot wait for the digest: choose right away or never",
                        topic.label
                    ),
                ))
            }
            Some(m) => m,
            None => {
                return Err(Error::invalid(
                    topic.key,
                    format!(
                        "“{}” takes immediately, digest or never, not '{}'",
                        topic.label,
                        cut(value)
                    ),
                ))
            }
        };
        if modes.iter().any(|(k, _)| *k == topic.key) {
            return Err(Error::invalid(
                topic.key,
                format!("“{}” is chosen twice", topic.label),
            ));
        }
        modes.push((topic.key, mode.as_str()));
    }
    Ok((modes, digest))
}

fn cut(s: &str) -> String {
    super::cut(s, 40)
}

async fn save_settings(
    State(state): State<AppState>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    match check_settings(&form) {
        Ok((modes, digest)) => {
            state
                .store
                .set_mail_prefs(user.id(), &modes, digest)
                .await
                .for_user(&user)?;
            Ok(see_other("/settings/notifications?done=saved"))
        }
        Err(e) => {
            let code = status(e.kind);
            settings(&state, &user, None, Some(e.message), code).await
        }
    }
}

// ---- Unsubscribe -------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct LinkQuery {
    #[serde(default)]
    t: String,
}

#[derive(Template)]
#[template(path = "outbound/unsubscribe.html")]
struct UnsubscribePage {
    nav: Nav,
    heading: String,
    message: String,
    /// The token, while the person has yet to confirm.
    confirm: Option<String>,
}

/// What a link asks, or the error page's status and message.
async fn read_link(
    state: &AppState,
    token: &str,
) -> Result<(unsubscribe::Unsubscribe, String), (StatusCode, String)> {
    let key = unsubscribe_key(state)
        .await
        .map_err(|e| (status(e.kind), e.message))?;
    let link = unsubscribe::verify(&key, token, state.now()).map_err(|e| match e {
        LinkError::Invalid => (
            StatusCode::BAD_REQUEST,
            "This unsubscribe link is not valid: it was changed or cut on its way. Nothing was changed. Log in and choose what you get on your e-mail settings page.".to_string(),
        ),
        LinkError::Expired(day) => (
            StatusCode::GONE,
            format!(
                "This unsubscribe link stopped working on {}: links work for {} days. Nothing was changed. Log in and choose what you get on your e-mail settings page.",
                crate::kit::page::date(day * 86_400_000),
                unsubscribe::VALID_DAYS
            ),
        ),
    })?;
    let what = if link.topic == topics::DIGEST {
        "your digest".to_string()
    } else {
        match topics::topic(&link.topic) {
            Some(t) => format!("“{}”", t.label),
            None => {
                return Err((
                    StatusCode::BAD_REQUEST,
                    "This unsubscribe link names a kind of e-mail peerlab no longer sends. Nothing was changed.".into(),
                ))
            }
        }
    };
    match state.store.person(link.person).await {
        Ok(Some(_)) => Ok((link, what)),
        Ok(None) => Err((
            StatusCode::NOT_FOUND,
            "The person this link was for is no longer in peerlab.".into(),
        )),
        Err(e) => {
            let e = Error::from(e);
            Err((status(e.kind), e.message))
        }
    }
}

fn link_error(user: Option<&User>, code: StatusCode, message: String) -> Response {
    render_status(
        code,
        &UnsubscribePage {
            nav: Nav::new(user, ""),
            heading: "This link does not work".into(),
            message,
            confirm: None,
        },
    )
}

/// The link as opened in a browser: asks to confirm, since mail scanners open links too.
async fn unsubscribe_page(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(q): Query<LinkQuery>,
) -> Response {
    match read_link(&state, &q.t).await {
        Ok((_, what)) => render_status(
            StatusCode::OK,
            &UnsubscribePage {
                nav: Nav::new(user.as_ref(), ""),
                heading: format!("Stop e-mails about {what}?"),
                message: "One click and they stop. You can turn them on again on your e-mail settings page.".into(),
                confirm: Some(q.t),
            },
        ),
        Err((code, message)) => link_error(user.as_ref(), code, message),
    }
}

/// The confirmation, and the one-click POST of RFC 8058 (`List-Unsubscribe=One-Click`),
/// which mail providers send without a browser; the token authenticates either.
async fn unsubscribe_now(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(q): Query<LinkQuery>,
) -> Response {
    let (link, what) = match read_link(&state, &q.t).await {
        Ok(read) => read,
        Err((code, message)) => return link_error(user.as_ref(), code, message),
    };
    let modes: Vec<(&str, &str)> = if link.topic == topics::DIGEST {
        // The digest stops: every topic waiting for it is turned off.
        let prefs = match state.store.mail_prefs(link.person).await {
            Ok(p) => p,
            Err(e) => return crate::kit::page::error_page(user.as_ref(), e.into()),
        };
        TOPICS
            .iter()
            .filter(|t| t.mode_in(&prefs.modes) == Mode::Digest)
            .map(|t| (t.key, Mode::Never.as_str()))
            .collect()
    } else {
        match topics::topic(&link.topic) {
            Some(t) => vec![(t.key, Mode::Never.as_str())],
            None => Vec::new(),
        }
    };
    if let Err(e) = state.store.set_mail_prefs(link.person, &modes, None).await {
        return crate::kit::page::error_page(user.as_ref(), e.into());
    }
    render_status(
        StatusCode::OK,
        &UnsubscribePage {
            nav: Nav::new(user.as_ref(), ""),
            heading: "You are unsubscribed".into(),
            message: if link.topic == topics::DIGEST {
                "You will get no more digests: what waited for it now stays in peerlab. You can turn it on again on your e-mail settings page.".to_string()
            } else {
                format!(
                    "You will get no more e-mails about {what}. You still see everything in peerlab, and you can turn them on again on your e-mail settings page."
                )
            },
            confirm: None,
        },
    )
}

// ---- The admin's outbound queue -----------------------------------------------------------

/// One message of the queue, as the page and the API show it.
#[derive(serde::Serialize)]
pub(super) struct Row {
    pub id: i64,
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub state: &'static str,
    pub attempts: i64,
    pub created: String,
    pub finished: String,
    /// The outcome of a finished job, or the last error.
    pub said: String,
    pub replayable: bool,
}

/// Messages the queue lists, newest first.
pub(super) const QUEUE_ROWS: i64 = 50;

#[derive(Template)]
#[template(path = "outbound/outbound.html")]
struct OutboundPage {
    nav: Nav,
    smtp: Option<String>,
    from: String,
    counts: Vec<(String, i64)>,
    rows: Vec<Row>,
    filter: String,
    ok: Option<String>,
    error: Option<String>,
    test_to: String,
}

#[derive(Deserialize, Default)]
struct QueueQuery {
    #[serde(default)]
    done: String,
    #[serde(default)]
    state: String,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        super::EMAIL_NOTICE => "Notification",
        super::EMAIL_INVITATION => "Calendar invitation",
        super::EMAIL_DIGEST => "Digest",
        super::EMAIL_TEST => "Test message",
        super::EMAIL_INVITE => "Invitation link",
        super::EMAIL_RESET => "Password reset link",
        _ => "Other",
    }
}

/// "2026-12-03 07:00 UTC".
fn datetime(ms: i64) -> String {
    let minutes = ms.div_euclid(60_000).rem_euclid(1440);
    format!(
        "{} {:02}:{:02} UTC",
        crate::kit::page::date(ms),
        minutes / 60,
        minutes % 60
    )
}

/// A queued job as a row; held mail is sent again only once there is a server (`mail_on`).
pub(super) fn row(job: Job, mail_on: bool) -> Row {
    let envelope: Option<Envelope> = serde_json::from_str(&job.payload).ok();
    let state = match (job.state, job.outcome.as_deref()) {
        (JobState::Done, Some(o)) if o.starts_with("held") => "held",
        (JobState::Done, Some(o)) if o.starts_with("skipped") => "skipped",
        (JobState::Done, _) => "sent",
        (JobState::Pending, _) if job.attempts > 0 => "retrying",
        (JobState::Pending, _) => "pending",
        (JobState::Running, _) => "sending",
        (JobState::Failed, _) => "failed",
    };
    Row {
        id: job.id,
        kind: kind_label(&job.kind),
        to: envelope.as_ref().map(|e| e.to.clone()).unwrap_or_default(),
        subject: envelope.map(|e| e.subject).unwrap_or_default(),
        state,
        attempts: job.attempts,
        created: datetime(job.created_at),
        finished: job.finished_at.map(datetime).unwrap_or_default(),
        said: match job.state {
            JobState::Done => job.outcome.unwrap_or_default(),
            _ => job.last_error.unwrap_or_default(),
        },
        replayable: matches!(job.state, JobState::Done | JobState::Failed)
            && (mail_on || state != "held"),
    }
}

async fn outbound(
    state: &AppState,
    user: &User,
    q: QueueQuery,
    error: Option<String>,
    code: StatusCode,
) -> PageResult {
    user.require_admin().for_user(user)?;
    let filter = match q.state.as_str() {
        "failed" => Some(JobState::Failed),
        "pending" => Some(JobState::Pending),
        _ => None,
    };
    let jobs = state
        .store
        .jobs_of_kinds(EMAIL_KINDS, filter, QUEUE_ROWS)
        .await
        .for_user(user)?;
    let counts = state
        .store
        .job_counts(EMAIL_KINDS)
        .await
        .for_user(user)?
        .into_iter()
        .map(|(state, n)| {
            let label = match state.as_str() {
                "pending" => "waiting",
                "running" => "sending",
                "done" => "finished",
                _ => "failed",
            };
            (label.to_string(), n)
        })
        .collect();
    let mail_on = state.mailer.is_some();
    Ok(render_status(
        code,
        &OutboundPage {
            nav: Nav::new(Some(user), "outbound"),
            smtp: state.mailer.as_ref().map(|m| m.settings.display_url()),
            from: state
                .mailer
                .as_ref()
                .map(|m| m.settings.from.clone())
                .unwrap_or_default(),
            counts,
            rows: jobs.into_iter().map(|j| row(j, mail_on)).collect(),
            filter: filter.map_or("", JobState::as_str).to_string(),
            ok: done_message(&q.done),
            error,
            test_to: user.0.email.clone(),
        },
    ))
}

async fn outbound_page(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<QueueQuery>,
) -> PageResult {
    outbound(&state, &user, q, None, StatusCode::OK).await
}

#[derive(Deserialize)]
struct TestForm {
    #[serde(default)]
    to: String,
}

async fn send_test(
    State(state): State<AppState>,
    CsrfForm { user, form }: CsrfForm<TestForm>,
) -> PageResult {
    user.require_admin().for_user(&user)?;
    let to = match Email::parse(&form.to) {
        Ok(e) => e,
        Err(e) => {
            let e = Error::from(e);
            let code = status(e.kind);
            return outbound(&state, &user, QueueQuery::default(), Some(e.message), code).await;
        }
    };
    super::send_test(&state, to.as_str())
        .await
        .map_err(Error::internal)
        .for_user(&user)?;
    Ok(see_other("/admin/outbound?done=test"))
}

#[derive(Deserialize)]
struct ReplayForm {
    #[serde(default)]
    id: String,
}

async fn replay(
    State(state): State<AppState>,
    CsrfForm { user, form }: CsrfForm<ReplayForm>,
) -> PageResult {
    user.require_admin().for_user(&user)?;
    let refuse = |message: &str| Error::invalid("id", message.to_string());
    let id: i64 = match form.id.trim().parse() {
        Ok(id) => id,
        Err(_) => {
            let e = refuse("choose a message of the queue to send again");
            return outbound(
                &state,
                &user,
                QueueQuery::default(),
                Some(e.message),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    match super::replay(&state, id, EMAIL_KINDS, "message").await {
        Ok(_) => Ok(see_other("/admin/outbound?done=replayed")),
        Err(e) if e.kind == crate::error::Kind::Conflict => {
            outbound(
                &state,
                &user,
                QueueQuery::default(),
                Some(e.message),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e).for_user(&user),
    }
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
struct Nothing {}

async fn check(
    State(state): State<AppState>,
    CsrfForm { user, .. }: CsrfForm<Nothing>,
) -> PageResult {
    user.require_admin().for_user(&user)?;
    let Some(mailer) = &state.mailer else {
        let e = Error::conflict(
            "e-mail is off: start peerlab with --smtp-url (or PEERLAB_SMTP_URL) to send it",
        );
        return outbound(
            &state,
            &user,
            QueueQuery::default(),
            Some(e.message),
            StatusCode::CONFLICT,
        )
        .await;
    };
    match mailer.check().await {
        Ok(()) => Ok(see_other("/admin/outbound?done=checked")),
        Err(e) => {
            // The server's refusal is the admin's to read, not a fault of their request.
            outbound(
                &state,
                &user,
                QueueQuery::default(),
                Some(format!("The SMTP check failed: {}", e.message)),
                StatusCode::BAD_GATEWAY,
            )
            .await
        }
    }
}
