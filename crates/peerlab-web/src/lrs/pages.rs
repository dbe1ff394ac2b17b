//! The admin pages of the Learning Record Store: its base path and figures, the credentials
//! xAPI tools use (create with scopes, shown once; revoke), and a statement browser that
//! filters by actor, verb, activity and time and opens a statement's JSON.

use askama::Template;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::Router;
use peerlab_store::{Credential, LrsStats, StatementQuery};
use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;
#[allow(unused_imports)]
use crate::kit::page::filters;
use crate::kit::page::{date, render, see_other, ForUser, Nav, PageResult};
use crate::kit::session::{CsrfForm, User};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/lrs", get(lrs_page))
        .route("/admin/lrs/credentials", post(create_credential))
        .route("/admin/lrs/credentials/revoke", post(revoke_credential))
}

/// A statement as the browser lists it.
struct Row {
    id: String,
    stored: String,
    actor: String,
    verb: String,
    object: String,
    json: String,
}

#[derive(Template)]
#[template(path = "lrs/lrs.html")]
struct LrsPage {
    nav: Nav,
    base: String,
    stats: LrsStats,
    credentials: Vec<Credential>,
    scopes: [&'static str; 8],
    created: Option<(String, String, String)>,
    filter: BrowseForm,
    rows: Vec<Row>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct BrowseForm {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    verb: String,
    #[serde(default)]
    activity: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
}

fn name_of(v: Option<&Value>) -> String {
    let Some(v) = v else { return String::new() };
    if let Some(m) = v
        .pointer("/definition/name")
        .or_else(|| v.get("display"))
        .and_then(Value::as_object)
    {
        if let Some(s) = m.values().next().and_then(Value::as_str) {
            return s.to_string();
        }
    }
    v.get("name")
        .and_then(Value::as_str)
        .or_else(|| v.get("mbox").and_then(Value::as_str))
        .or_else(|| v.get("id").and_then(Value::as_str))
        .unwrap_or("")
        .to_string()
}

/// A `YYYY-MM-DD` date as milliseconds at the start (or the end) of that day, UTC.
fn day(field: &'static str, raw: &str, end: bool) -> Result<Option<i64>, Error> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    let d = chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        Error::from(peerlab_core::ValueError::new(
            field,
            "must be a date like 2026-11-25",
        ))
    })?;
    let t = if end { d.succ_opt().unwrap_or(d) } else { d };
    Ok(t.and_hms_opt(0, 0, 0)
        .map(|dt| dt.and_utc().timestamp_millis() - i64::from(end)))
}

fn query(filter: &BrowseForm) -> Result<StatementQuery, Error> {
    let actor = filter.actor.trim();
    let agent = if actor.is_empty() {
        None
    } else if actor.starts_with('{') {
        let v: Value = serde_json::from_str(actor).map_err(|_| {
            Error::from(peerlab_core::ValueError::new(
                "actor",
                "must be an e-mail address or an Agent as JSON",
            ))
        })?;
        Some(peerlab_xapi::agent_ifi(&v).ok_or_else(|| {
            Error::from(peerlab_core::ValueError::new(
                "actor",
                "the Agent needs exactly one of mbox, mbox_sha1sum, openid or account",
            ))
        })?)
    } else {
        let email = actor.strip_prefix("mailto:").unwrap_or(actor);
        let (local, domain) = email.rsplit_once('@').ok_or_else(|| {
            Error::from(peerlab_core::ValueError::new(
                "actor",
                "must be an e-mail address or an Agent as JSON",
            ))
        })?;
        Some(format!("mbox:mailto:{local}@{}", domain.to_lowercase()))
    };
    let iri = |field: &'static str, v: &str| -> Result<Option<String>, Error> {
        let v = v.trim();
        if v.is_empty() {
            Ok(None)
        } else if peerlab_xapi::syntax::is_iri(v) {
            Ok(Some(v.to_string()))
        } else {
            Err(peerlab_core::ValueError::new(
                field,
                "must be an IRI such as http://adlnet.gov/expapi/verbs/completed",
            )
            .into())
        }
    };
    Ok(StatementQuery {
        agent,
        related_agents: true,
        verb: iri("verb", &filter.verb)?,
        activity: iri("activity", &filter.activity)?,
        related_activities: true,
        since: day("since", &filter.since, false)?.map(|t| t - 1),
        until: day("until", &filter.until, true)?,
        ..Default::default()
    })
}

async fn page(
    state: &AppState,
    user: &User,
    filter: BrowseForm,
    created: Option<(String, String, String)>,
) -> PageResult {
    user.require_admin().for_user(user)?;
    let (rows, error) = match query(&filter) {
        Ok(q) => {
            let found = state.store.query_statements(&q, 100).await.for_user(user)?;
            let rows = found
                .iter()
                .map(|s| {
                    let v: Value = serde_json::from_str(&s.body).unwrap_or(Value::Null);
                    Row {
                        id: v
                            .get("id")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        stored: super::xapi::iso(s.stored),
                        actor: name_of(v.get("actor")),
                        verb: name_of(v.get("verb")),
                        object: name_of(v.get("object")),
                        json: serde_json::to_string_pretty(&v).unwrap_or_default(),
                    }
                })
                .collect();
            (rows, None)
        }
        Err(e) => (Vec::new(), Some(crate::kit::page::capitalize(&e.message))),
    };
    let mut r = render(&LrsPage {
        nav: Nav::new(Some(user), "lrs"),
        base: format!("{}/xapi/", state.config.public_url.trim_end_matches('/')),
        stats: state.store.lrs_stats().await.for_user(user)?,
        credentials: state.store.lrs_credentials().await.for_user(user)?,
        scopes: super::xapi::SCOPES,
        created,
        filter,
        rows,
        error: error.clone(),
    });
    if error.is_some() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn lrs_page(
    State(state): State<AppState>,
    user: User,
    Query(filter): Query<BrowseForm>,
) -> PageResult {
    page(&state, &user, filter, None).await
}

#[derive(Deserialize)]
struct CredentialForm {
    name: String,
    /// Separated by commas or spaces.
    #[serde(default)]
    scopes: String,
}

async fn create_credential(
    State(state): State<AppState>,
    f: CsrfForm<CredentialForm>,
) -> PageResult {
    let user = &f.user;
    user.require_admin().for_user(user)?;
    let new = super::ops::create_credential(
        &state.store,
        &f.form.name,
        &f.form.scopes,
        Some(user.id()),
        state.now(),
    )
    .await
    .for_user(user)?;
    page(
        &state,
        user,
        BrowseForm::default(),
        Some((new.name, new.key, new.secret)),
    )
    .await
}

#[derive(Deserialize)]
struct RevokeForm {
    id: i64,
}

async fn revoke_credential(State(state): State<AppState>, f: CsrfForm<RevokeForm>) -> PageResult {
    f.user.require_admin().for_user(&f.user)?;
    state
        .store
        .revoke_credential(f.form.id, state.now())
        .await
        .for_user(&f.user)?;
    Ok(see_other("/admin/lrs"))
}
