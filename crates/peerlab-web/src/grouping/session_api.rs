//! The small-groups API under `/api/v1`: a session's groups (preview, adjust, confirm, read)
//! and a person's own block list and grouping history, over the same operations as the
//! pages (`ops.rs`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::Json;
use peerlab_store::{PersonId, SessionId};
use serde::Deserialize;
use serde_json::{json, Value};

use super::ops::{self, GroupsForm, Preview};
use crate::error::Error;
use crate::kit::extract::{ApiJson, ApiPath};
use crate::kit::http::ApiResult;
use crate::kit::routes::ApiRoutes;
use crate::kit::session::ApiUser;
use crate::AppState;

pub fn api() -> ApiRoutes {
    ApiRoutes::new()
        .route("/sessions/{id}/groups", get(session_groups).post(confirm))
        .route("/sessions/{id}/groups/preview", post(preview))
        .route("/me/blocks", get(blocks).post(block))
        .route("/me/blocks/{person}", delete(unblock))
        .route("/me/groupings", get(groupings))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Placement {
    person: i64,
    group: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum EditBody {
    Swap([i64; 2]),
    Move { person: i64, to: usize },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupsBody {
    #[serde(default)]
    size: String,
    #[serde(default)]
    roles: Vec<String>,
    /// `name=value` pairs, as the page's field.
    #[serde(default)]
    weights: String,
    #[serde(default)]
    challenge: String,
    /// The previewed grouping to score again (and adjust, with `edit`) or to confirm.
    #[serde(default)]
    assignment: Vec<Placement>,
    edit: Option<EditBody>,
}

impl GroupsBody {
    fn form(self) -> Result<GroupsForm, Error> {
        if let Some(r) = self.roles.iter().find(|r| r.contains(['\n', ','])) {
            return Err(Error::invalid(
                "roles",
                format!("roles: '{r}' holds a comma or a line break; send one role per entry"),
            ));
        }
        let (edit, a, b) = match self.edit {
            None => (String::new(), String::new(), String::new()),
            Some(EditBody::Swap([a, b])) => ("swap".into(), a.to_string(), b.to_string()),
            Some(EditBody::Move { person, to }) => {
                ("move".into(), person.to_string(), to.to_string())
            }
        };
        Ok(GroupsForm {
            size: self.size,
            roles: self.roles.join("\n"),
            weights: self.weights,
            challenge: self.challenge,
            assignment: self
                .assignment
                .iter()
                .map(|p| format!("{}:{}", p.person, p.group))
                .collect::<Vec<_>>()
                .join(","),
            edit,
            a,
            b,
        })
    }
}

fn preview_json(p: &Preview) -> Value {
    let people = p.roster.pool.people();
    let groups: Vec<Value> = p
        .stories
        .iter()
        .enumerate()
        .map(|(k, story)| {
            json!({
                "number": k + 1,
                "summary": story.summary,
                "repeat_pairs": story.repeat_pairs,
                "members": story.members.iter().map(|m| json!({
                    "person_id": p.roster.ids[m.person],
                    "name": people[m.person].name.as_str(),
                    "email": people[m.person].email.as_str(),
                    "role": m.role,
                    "reasons": m.reasons,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let assignment: Vec<Value> = p
        .grouping
        .groups
        .iter()
        .enumerate()
        .flat_map(|(k, members)| {
            members
                .iter()
                .map(move |&i| json!({ "person": p.roster.ids[i], "group": k + 1 }))
        })
        .collect();
    json!({
        "date": p.roster.day.format("%Y-%m-%d").to_string(),
        "groups": groups,
        "report": p.grouping.report,
        "assignment": assignment,
        "change": p.change,
    })
}

async fn preview(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SessionId>,
    ApiJson(body): ApiJson<GroupsBody>,
) -> ApiResult<Json<Value>> {
    let p = ops::preview(&state, &user, id, &body.form()?).await?;
    Ok(Json(preview_json(&p)))
}

async fn confirm(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SessionId>,
    ApiJson(body): ApiJson<GroupsBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    ops::confirm(&state, &user, id, &body.form()?).await?;
    let (_, grouping) = ops::formed(&state, &user, id).await?;
    Ok((StatusCode::CREATED, Json(json!(grouping))))
}

async fn session_groups(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SessionId>,
) -> ApiResult<Json<Value>> {
    match ops::formed(&state, &user, id).await? {
        (_, Some(g)) => Ok(Json(json!(g))),
        (_, None) => Err(Error::not_found("groups of this session (not formed yet)").into()),
    }
}

async fn blocks(State(state): State<AppState>, ApiUser(user): ApiUser) -> ApiResult<Json<Value>> {
    let (blocked, _) = ops::mine(&state, &user).await?;
    Ok(Json(json!({ "items": blocked })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BlockBody {
    email: String,
}

async fn block(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<BlockBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    ops::block(&state, &user, &body.email).await?;
    let (blocked, _) = ops::mine(&state, &user).await?;
    Ok((StatusCode::CREATED, Json(json!({ "items": blocked }))))
}

async fn unblock(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(person): ApiPath<PersonId>,
) -> ApiResult<StatusCode> {
    ops::unblock(&state, &user, person).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn groupings(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Value>> {
    let (_, history) = ops::mine(&state, &user).await?;
    Ok(Json(json!({ "items": history })))
}
