//! The people API under `/api/v1`: who am I, the directory, profiles, skills, wants,
//! endorsements, roles, invitations, the expert finder and the import.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::routing::{delete, get, post, put};
use axum::Json;
use peerlab_core::{Level, Role, SkillName};
use peerlab_store::{
    DirectoryFilter, Person, PersonId, PersonSkill, PersonSummary, SkillId, SkillRef,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::import::{self, Refusal, MAX_IMPORT_BYTES};
use crate::error::{Error, Kind};
use crate::kit::extract::{ApiJson, ApiPath, ApiQuery};
use crate::kit::http::ApiResult;
use crate::kit::routes::ApiRoutes;
use crate::kit::session::ApiUser;
use crate::AppState;

pub fn api() -> ApiRoutes {
    ApiRoutes::new()
        .route("/me", get(me))
        .route("/me/skills", post(set_skill))
        .route("/me/skills/{skill_id}", delete(remove_skill))
        .route("/me/wants", post(add_want))
        .route("/me/wants/{skill_id}", delete(remove_want))
        .route("/people", get(people))
        .route(
            "/people/import",
            post(import_people).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/people/{id}", get(person))
        .route("/people/{id}/role", put(set_role))
        .route("/people/{id}/invitations", post(invite))
        .route(
            "/people/{id}/skills/{skill_id}/endorsements",
            post(endorse).delete(unendorse),
        )
        .route("/skills", get(skills))
        .route("/experts", get(experts))
}

#[derive(Serialize)]
struct Me {
    id: PersonId,
    name: String,
    email: String,
    role: Role,
}

async fn me(ApiUser(user): ApiUser) -> Json<Me> {
    let u = user.0;
    Json(Me {
        id: u.person_id,
        name: u.name,
        email: u.email,
        role: u.role,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeopleQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    function: String,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Serialize)]
struct Page<T> {
    total: i64,
    limit: i64,
    offset: i64,
    items: Vec<T>,
}

fn check_limit(limit: Option<i64>, default: i64) -> Result<i64, Error> {
    match limit {
        None => Ok(default),
        Some(n @ 1..=200) => Ok(n),
        Some(n) => Err(Error::bad_request(format!(
            "limit: {n} is out of range; use 1 to 200"
        ))),
    }
}

async fn people(
    State(state): State<AppState>,
    _: ApiUser,
    ApiQuery(q): ApiQuery<PeopleQuery>,
) -> ApiResult<Json<Page<PersonSummary>>> {
    let limit = check_limit(q.limit, 50)?;
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(Error::bad_request("offset: must be 0 or more").into());
    }
    let filter = DirectoryFilter {
        query: q.q,
        department: q.department,
        location: q.location,
        function: q.function,
        managers_only: false,
    };
    let (items, total) = state.store.directory(&filter, limit, offset).await?;
    Ok(Json(Page {
        total,
        limit,
        offset,
        items,
    }))
}

#[derive(Serialize)]
struct PersonDetail {
    #[serde(flatten)]
    person: Person,
    skills: Vec<PersonSkill>,
    wants_to_learn: Vec<SkillRef>,
}

async fn person(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<PersonId>,
) -> ApiResult<Json<PersonDetail>> {
    let person = state
        .store
        .person(id)
        .await?
        .ok_or_else(|| Error::not_found("person"))?;
    Ok(Json(PersonDetail {
        skills: state.store.person_skills(id, user.id()).await?,
        wants_to_learn: state.store.wants(id).await?,
        person,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: String,
}

async fn set_role(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<PersonId>,
    ApiJson(body): ApiJson<RoleBody>,
) -> ApiResult<StatusCode> {
    user.require_admin()?;
    let role = Role::parse(&body.role)?;
    super::ops::change_role(&state, id, role).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn invite(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<PersonId>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    user.require_admin()?;
    let person = state
        .store
        .person(id)
        .await?
        .ok_or_else(|| Error::not_found("person"))?;
    let link = crate::auth::ops::invitation_link(&state, id).await?;
    crate::outbound::send_invitation(&state, &person, &link).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "url": link,
            "expires_in_days": crate::auth::ops::INVITATION_DAYS,
            "emailed": state.mailer.is_some(),
        })),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SkillBody {
    name: String,
    level: i64,
}

async fn set_skill(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<SkillBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let name = SkillName::parse(&body.name)?;
    let level = Level::new(body.level)?;
    let skill_id = state.store.set_skill(user.id(), &name, level).await?;
    Ok(Json(
        json!({ "skill_id": skill_id, "name": name.as_str(), "level": level.get() }),
    ))
}

async fn remove_skill(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(skill_id): ApiPath<SkillId>,
) -> ApiResult<StatusCode> {
    state.store.remove_skill(user.id(), skill_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameBody {
    name: String,
}

async fn add_want(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NameBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let name = SkillName::parse(&body.name)?;
    let skill_id = state.store.add_want(user.id(), &name).await?;
    Ok(Json(json!({ "skill_id": skill_id, "name": name.as_str() })))
}

async fn remove_want(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(skill_id): ApiPath<SkillId>,
) -> ApiResult<StatusCode> {
    state.store.remove_want(user.id(), skill_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn endorse(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((id, skill_id)): ApiPath<(PersonId, SkillId)>,
) -> ApiResult<StatusCode> {
    if id == user.id() {
        return Err(Error::new(
            Kind::Invalid,
            "self_endorsement",
            "you cannot endorse your own skill",
        )
        .into());
    }
    crate::lrs::social::endorse(&state, &user, id, skill_id).await?;
    Ok(StatusCode::CREATED)
}

async fn unendorse(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((id, skill_id)): ApiPath<(PersonId, SkillId)>,
) -> ApiResult<StatusCode> {
    state.store.unendorse(user.id(), id, skill_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    limit: Option<i64>,
}

async fn skills(
    State(state): State<AppState>,
    _: ApiUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Vec<SkillRef>>> {
    let limit = check_limit(q.limit, 50)?;
    Ok(Json(state.store.search_skills(&q.q, limit).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpertsQuery {
    skill: String,
    limit: Option<i64>,
}

async fn experts(
    State(state): State<AppState>,
    _: ApiUser,
    ApiQuery(q): ApiQuery<ExpertsQuery>,
) -> ApiResult<Json<Vec<super::experts::Expert>>> {
    let limit = check_limit(q.limit, 20)?;
    let skill = q.skill.trim();
    if skill.is_empty() || skill.chars().count() > 200 {
        return Err(
            Error::bad_request("skill: give a skill or topic of 1 to 200 characters").into(),
        );
    }
    Ok(Json(
        super::experts::find(&state.store, skill, limit as usize).await?,
    ))
}

/// Imports a CSV body synchronously: 200 with the counts, or 422 with every bad row.
async fn import_people(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    request: Request<Body>,
) -> ApiResult<Json<serde_json::Value>> {
    user.require_admin()?;
    // An announced oversized body is refused before any of it is read.
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if announced.is_some_and(|n| n > MAX_IMPORT_BYTES) {
        return Err(import::too_large().into());
    }
    let bytes = axum::body::to_bytes(request.into_body(), MAX_IMPORT_BYTES)
        .await
        .map_err(|_| import::too_large())?;
    match import::run(&state, bytes.to_vec(), |_, _| {}).await {
        Ok(summary) => Ok(Json(
            json!({ "created": summary.created, "updated": summary.updated }),
        )),
        Err(Refusal::Invalid(peerlab_core::import::ImportError::File(message))) => {
            Err(Error::new(Kind::Invalid, "invalid_csv", message).into())
        }
        Err(Refusal::Invalid(e @ peerlab_core::import::ImportError::Rows { .. })) => {
            let peerlab_core::import::ImportError::Rows { errors, total } = &e else {
                unreachable!()
            };
            let rows: Vec<_> = errors
                .iter()
                .map(|r| json!({ "line": r.line, "reason": r.reason }))
                .collect();
            Err(Error::new(
                Kind::Invalid,
                "invalid_csv",
                format!("nothing was imported: {e}"),
            )
            .with_details(json!({ "total": total, "rows": rows }))
            .into())
        }
        Err(Refusal::Error(e)) => Err(e.into()),
    }
}
