//! The API of one's own tokens: `/api/v1/me/tokens`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::kit::extract::{ApiJson, ApiPath};
use crate::kit::http::ApiResult;
use crate::kit::routes::ApiRoutes;
use crate::kit::session::ApiUser;
use crate::AppState;

pub fn api() -> ApiRoutes {
    ApiRoutes::new()
        .route("/me/tokens", get(list_tokens).post(create_token))
        .route("/me/tokens/{id}", delete(revoke_token))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameBody {
    name: String,
}

async fn list_tokens(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<peerlab_store::ApiToken>>> {
    Ok(Json(state.store.api_tokens(user.id()).await?))
}

async fn create_token(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NameBody>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let (id, token) =
        super::ops::new_api_token(&state.store, user.id(), &body.name, state.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "name": body.name.trim(), "token": token })),
    ))
}

async fn revoke_token(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state
        .store
        .revoke_api_token(user.id(), id, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
