//! The programs API under `/api/v1`: the template catalogue and one template's schedule.

use axum::routing::get;
use axum::Json;
use peerlab_core::program::{self, Template};
use serde_json::{json, Value};

use super::ops::{self, AnchorQuery};
use crate::kit::extract::{ApiPath, ApiQuery};
use crate::kit::http::ApiResult;
use crate::kit::routes::ApiRoutes;
use crate::kit::session::ApiUser;

pub fn api() -> ApiRoutes {
    ApiRoutes::new()
        .route("/program-templates", get(templates))
        .route("/program-templates/{key}", get(one))
}

async fn templates(ApiUser(user): ApiUser) -> ApiResult<Json<Vec<Template>>> {
    user.require_facilitator()?;
    Ok(Json(program::shipped()))
}

/// The template; with `?anchor=YYYY-MM-DD`, also `schedule`: every stage's first and last
/// day and every activity's day.
async fn one(
    ApiUser(user): ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiQuery(q): ApiQuery<AnchorQuery>,
) -> ApiResult<Json<Value>> {
    user.require_facilitator()?;
    let template = ops::template(&key)?;
    let anchor = ops::anchor(&q.anchor)?;
    let mut body = json!({ "template": template });
    if let Some(day) = anchor {
        let stages: Vec<Value> = program::schedule(&template, day)
            .into_iter()
            .map(|s| {
                json!({
                    "starts": s.starts.to_string(),
                    "ends": s.ends.to_string(),
                    "activities": s.activities.iter().map(|a| a.on.to_string()).collect::<Vec<_>>(),
                })
            })
            .collect();
        body["anchor"] = json!(day.to_string());
        body["schedule"] = json!(stages);
    }
    Ok(Json(body))
}
