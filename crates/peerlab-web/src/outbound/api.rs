//! `GET` and `PUT /api/v1/me/email-settings`: a person's e-mail choices, as the settings page
//! shows them. A `PUT` is checked whole (an unknown topic, a mode a topic does not take, a
//! frequency other than daily or weekly) before anything is written.

use axum::extract::State;
use axum::routing::get;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

use super::pages::check_settings;
use super::topics::TOPICS;
use crate::kit::extract::ApiJson;
use crate::kit::http::ApiResult;
use crate::kit::routes::ApiRoutes;
use crate::kit::session::ApiUser;
use crate::AppState;

pub fn api() -> ApiRoutes {
    ApiRoutes::new().route("/me/email-settings", get(read).put(write))
}

async fn view(state: &AppState, user: &crate::kit::session::User) -> ApiResult<Json<Value>> {
    let prefs = state.store.mail_prefs(user.id()).await?;
    let topics: Vec<Value> = TOPICS
        .iter()
        .map(|t| {
            json!({"key": t.key, "label": t.label, "mode": t.mode_in(&prefs.modes),
                   "default": t.default, "modes": t.modes()})
        })
        .collect();
    Ok(Json(json!({
        "email": user.0.email,
        "sending": state.mailer.is_some(),
        "digest": prefs.digest,
        "topics": topics,
    })))
}

async fn read(State(state): State<AppState>, ApiUser(user): ApiUser) -> ApiResult<Json<Value>> {
    view(&state, &user).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    #[serde(default)]
    topics: BTreeMap<String, String>,
    digest: Option<String>,
}

async fn write(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<Body>,
) -> ApiResult<Json<Value>> {
    let mut fields: Vec<(String, String)> = body.topics.into_iter().collect();
    if let Some(d) = body.digest {
        fields.push(("digest".into(), d));
    }
    let (modes, digest) = check_settings(&fields)?;
    state
        .store
        .set_mail_prefs(user.id(), &modes, digest)
        .await?;
    view(&state, &user).await
}
