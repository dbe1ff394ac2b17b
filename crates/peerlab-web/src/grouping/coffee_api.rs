//! The coffee-rounds API under `/api/v1`, over `coffee.rs`: a space's rounds (read, start,
//! stop, run the next one now), a member's own choice (join, leave, skip, unskip) and their
//! answer to "did you meet?".

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Json;
use peerlab_store::SpaceId;
use serde::Deserialize;
use serde_json::{json, Value};

use super::coffee::{self, CoffeeView, StartForm};
use crate::kit::extract::{ApiJson, ApiPath};
use crate::kit::http::ApiResult;
use crate::kit::routes::ApiRoutes;
use crate::kit::session::ApiUser;
use crate::AppState;

pub fn api() -> ApiRoutes {
    ApiRoutes::new()
        .route("/spaces/{id}/coffee", get(read))
        .route("/spaces/{id}/coffee/start", post(start))
        .route("/spaces/{id}/coffee/stop", post(stop))
        .route("/spaces/{id}/coffee/run", post(run))
        .route("/spaces/{id}/coffee/me", post(choose))
        .route("/coffee/{id}/met", post(met))
}

fn view_json(v: &CoffeeView) -> Value {
    json!({
        "space_id": v.ctx.space.id,
        "circle": v.circle,
        "me": v.me,
        // Who opted in is for the space's facilitators.
        "members": if v.manage() { json!(v.members) } else { json!(v.members.len()) },
        "rounds": v.rounds,
        "latest": v.latest.as_ref().map(|(r, g)| json!({
            "round_no": r.round_no,
            "grouping_id": g.id,
            "starter": g.challenge,
            "pairs": g.groups,
        })),
    })
}

async fn read(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SpaceId>,
) -> ApiResult<Json<Value>> {
    Ok(Json(view_json(&coffee::view(&state, &user, id).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StartBody {
    #[serde(default)]
    cadence: String,
    #[serde(default)]
    first: String,
    #[serde(default)]
    starter: String,
}

async fn start(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SpaceId>,
    ApiJson(body): ApiJson<StartBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let form = StartForm {
        cadence: body.cadence,
        first: body.first,
        starter: body.starter,
    };
    let circle = coffee::start(&state, &user, id, &form).await?;
    Ok((StatusCode::CREATED, Json(json!(circle))))
}

async fn stop(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SpaceId>,
) -> ApiResult<StatusCode> {
    coffee::stop(&state, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn run(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SpaceId>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let said = coffee::run_now(&state, &user, id).await?;
    let v = coffee::view(&state, &user, id).await?;
    let mut out = view_json(&v);
    out["outcome"] = json!(said);
    Ok((StatusCode::CREATED, Json(out)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChoiceBody {
    choice: String,
}

async fn choose(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SpaceId>,
    ApiJson(body): ApiJson<ChoiceBody>,
) -> ApiResult<Json<Value>> {
    let choice = coffee::choice_of(&body.choice)?;
    let said = coffee::choose(&state, &user, id, choice).await?;
    Ok(Json(json!({ "message": said })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MetBody {
    met: String,
}

async fn met(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(round): ApiPath<i64>,
    ApiJson(body): ApiJson<MetBody>,
) -> ApiResult<StatusCode> {
    coffee::answer(&state, &user, round, &body.met).await?;
    Ok(StatusCode::NO_CONTENT)
}
