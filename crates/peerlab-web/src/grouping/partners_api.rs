//! The accountability-partners API under `/api/v1`: preview, confirm and read a cohort's
//! partners, and a participant's one rematch request, over `partners.rs`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Json;
use peerlab_store::{CohortId, PersonId};
use serde::Deserialize;
use serde_json::{json, Value};

use super::partners::{self, PartnersPreview};
use crate::error::Error;
use crate::kit::extract::{ApiJson, ApiPath};
use crate::kit::http::ApiResult;
use crate::kit::routes::ApiRoutes;
use crate::kit::session::ApiUser;
use crate::AppState;

pub fn api() -> ApiRoutes {
    ApiRoutes::new()
        .route("/cohorts/{id}/partners", get(read).post(confirm))
        .route("/cohorts/{id}/partners/preview", post(preview))
        .route("/cohorts/{id}/partners/rematch", post(rematch))
}

fn preview_json(p: &PartnersPreview) -> Value {
    let person = |i: usize| {
        json!({
            "person_id": p.ids[i],
            "name": p.pool.name(i),
        })
    };
    json!({
        "roster": p.ids,
        "pairs": p.partners.pairs.iter().enumerate().map(|(k, pair)| json!({
            "number": k + 1,
            "members": pair.members.iter().map(|&i| person(i)).collect::<Vec<_>>(),
            "reasons": pair.reasons,
            "working_hours_overlap": !p.no_overlap.contains(&(k + 1)),
        })).collect::<Vec<_>>(),
        "unmatched": p.partners.unmatched.iter().map(|&i| person(i)).collect::<Vec<_>>(),
    })
}

async fn preview(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<CohortId>,
) -> ApiResult<Json<Value>> {
    let p = partners::preview(&state, &user, id).await?;
    Ok(Json(preview_json(&p)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmBody {
    /// The `roster` of the preview being confirmed.
    roster: Vec<PersonId>,
}

async fn confirm(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<CohortId>,
    ApiJson(body): ApiJson<ConfirmBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let roster = body
        .roster
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(",");
    partners::confirm(&state, &user, id, &roster).await?;
    let (_, stored) = partners::matched(&state, &user, id).await?;
    Ok((StatusCode::CREATED, Json(json!(stored))))
}

async fn read(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<CohortId>,
) -> ApiResult<Json<Value>> {
    match partners::matched(&state, &user, id).await? {
        (_, Some(g)) => Ok(Json(json!(g))),
        (_, None) => Err(Error::not_found("partners of this cohort (not matched yet)").into()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RematchBody {
    reason: String,
}

async fn rematch(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<CohortId>,
    ApiJson(body): ApiJson<RematchBody>,
) -> ApiResult<StatusCode> {
    partners::rematch(&state, &user, id, &body.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}
