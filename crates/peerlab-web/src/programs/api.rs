//! The programs API under `/api/v1`: the template catalogue and one template's schedule;
//! programs, their cohorts, and who is enrolled.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::Json;
use chrono::NaiveDate;
use peerlab_core::program::{self, Phase, Template};
use peerlab_store::{CohortId, PersonId, ProgramId, Session, SessionId, SpaceId};
use serde::Deserialize;
use serde_json::{json, Value};

use super::ops::agenda::{self, BoardForm, OwnerForm, TopicForm};
use super::ops::sessions::{self, SessionForm};
use super::ops::{
    self, AnchorForm, AnchorQuery, CohortForm, EnrolForm, FacilitatorForm, StartForm,
};
use crate::kit::extract::{ApiJson, ApiPath, ApiQuery};
use crate::kit::http::ApiResult;
use crate::kit::routes::ApiRoutes;
use crate::kit::session::ApiUser;
use crate::AppState;

pub fn api() -> ApiRoutes {
    ApiRoutes::new()
        .route("/program-templates", get(templates))
        .route("/program-templates/{key}", get(one).put(edit_template))
        .route("/program-templates/{key}/copy", post(copy_template))
        .route("/programs", get(programs).post(start))
        .route("/programs/{id}", get(program))
        .route("/programs/{id}/anchor", put(move_anchor))
        .route("/programs/{id}/cohorts", post(add_cohort))
        .route("/cohorts/{id}", get(cohort))
        .route("/cohorts/{id}/enrolments", get(enrolments).post(enrol))
        .route("/cohorts/{id}/enrolments/{person}", delete(unenrol))
        .route("/cohorts/{id}/join", post(join))
        .route("/cohorts/{id}/facilitator", put(set_facilitator))
        .route(
            "/cohorts/{id}/sessions",
            get(cohort_sessions).post(schedule_for_cohort),
        )
        .route(
            "/spaces/{id}/sessions",
            get(space_sessions).post(schedule_for_space),
        )
        .route("/sessions/{id}", get(session).put(edit_session))
        .route("/sessions/{id}/cancel", post(cancel_session))
        .route("/sessions/{id}/rsvp", put(rsvp))
        .route("/sessions/{id}/invitation.ics", get(invitation))
        .route("/calendar-feed", post(new_feed).delete(revoke_feed))
        .route("/sessions/{id}/check-in/open", post(open_checkin))
        .route("/sessions/{id}/check-in/close", post(close_checkin))
        .route("/check-ins", post(check_in))
        .route("/sessions/{id}/attendance", get(attendance))
        .route("/sessions/{id}/attendance/{person}", put(mark))
        .route("/sessions/{id}/board", get(board).post(open_board))
        .route("/sessions/{id}/board/close", post(close_board))
        .route("/sessions/{id}/topics", post(suggest))
        .route("/topics/{id}/votes", post(vote).delete(unvote))
        .route("/topics/{id}/owner", put(set_owner))
}

type Created = (StatusCode, Json<Value>);

async fn templates(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<Template>>> {
    user.require_facilitator()?;
    Ok(Json(ops::templates(&state).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CopyBody {
    name: String,
}

/// Copies a template as the company's own, to edit.
async fn copy_template(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<CopyBody>,
) -> ApiResult<Created> {
    let copy = ops::copy_template(&state, &user, &key, &body.name).await?;
    Ok((StatusCode::CREATED, Json(json!(copy))))
}

/// Replaces one of the company's templates with the JSON sent (a whole template).
async fn edit_template(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<Template>> {
    let edited = ops::edit_template(&state, &user, &key, &body.to_string()).await?;
    Ok(Json(edited))
}

/// Every stage's first and last day, where it stands today, and every activity's day.
fn schedule(template: &Template, anchor: NaiveDate, today: Option<NaiveDate>) -> Value {
    let stages: Vec<Value> = program::schedule(template, anchor)
        .into_iter()
        .map(|s| {
            let mut v = json!({
                "starts": s.starts.to_string(),
                "ends": s.ends.to_string(),
                "activities": s.activities.iter().map(|a| a.on.to_string()).collect::<Vec<_>>(),
            });
            if let Some(today) = today {
                v["phase"] = json!(Phase::of(&s, today));
            }
            v
        })
        .collect();
    json!(stages)
}

/// The template; with `?anchor=YYYY-MM-DD`, also `schedule`: every stage's first and last
/// day and every activity's day.
async fn one(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiQuery(q): ApiQuery<AnchorQuery>,
) -> ApiResult<Json<Value>> {
    user.require_facilitator()?;
    let template = ops::template(&state, &key).await?;
    let anchor = ops::anchor(&q.anchor)?;
    let mut body = json!({ "template": template });
    if let Some(day) = anchor {
        body["anchor"] = json!(day.to_string());
        body["schedule"] = schedule(&template, day, None);
    }
    Ok(Json(body))
}

async fn programs(State(state): State<AppState>, ApiUser(user): ApiUser) -> ApiResult<Json<Value>> {
    let list = state
        .store
        .programs_for(user.id(), ops::runs_programs(&user))
        .await?;
    Ok(Json(json!({ "items": list })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StartBody {
    template: String,
    name: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    skills: Vec<String>,
    moment: String,
    anchor: String,
}

async fn start(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<StartBody>,
) -> ApiResult<Created> {
    let form = StartForm {
        template: body.template,
        name: body.name,
        purpose: body.purpose,
        skills: body.skills.join(","),
        moment: body.moment,
        anchor: body.anchor,
    };
    let id = ops::start(&state, &user, &form).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

async fn program(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<ProgramId>,
) -> ApiResult<Json<Value>> {
    let ctx = ops::program(&state, &user, id).await?;
    let today = state.today();
    Ok(Json(json!({
        "program": ctx.program,
        "schedule": schedule(&ctx.program.template, ctx.program.anchor, Some(today)),
        "cohorts": ctx.cohorts,
    })))
}

async fn move_anchor(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<ProgramId>,
    ApiJson(body): ApiJson<AnchorForm>,
) -> ApiResult<Json<Value>> {
    let day = ops::move_anchor(&state, &user, id, &body).await?;
    Ok(Json(json!({ "anchor": day.to_string() })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CohortBody {
    name: String,
    facilitator: String,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    capacity: Option<i64>,
    #[serde(default)]
    self_enrol: bool,
    #[serde(default)]
    time_zone: String,
}

async fn add_cohort(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<ProgramId>,
    ApiJson(body): ApiJson<CohortBody>,
) -> ApiResult<Created> {
    let form = CohortForm {
        name: body.name,
        facilitator: body.facilitator,
        starts: body.starts,
        capacity: body.capacity.map(|c| c.to_string()).unwrap_or_default(),
        self_enrol: body.self_enrol.to_string(),
        time_zone: body.time_zone,
    };
    let id = ops::add_cohort(&state, &user, id, &form).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

async fn cohort(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<CohortId>,
) -> ApiResult<Json<Value>> {
    let ctx = ops::cohort(&state, &user, id).await?;
    let anchor = ctx.anchor();
    Ok(Json(json!({
        "cohort": ctx.cohort,
        "anchor": anchor.to_string(),
        "schedule": schedule(&ctx.program.template, anchor, Some(state.today())),
        "my_state": ctx.state,
    })))
}

async fn enrolments(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<CohortId>,
) -> ApiResult<Json<Value>> {
    let ctx = ops::cohort(&state, &user, id).await?;
    if !ctx.see_people {
        return Err(crate::error::Error::forbidden(
            "only the cohort's participants and facilitators may see who is in it",
        )
        .into());
    }
    let mut list = state.store.enrolments(id).await?;
    // Participants see each other's names; e-mails are for those who manage the cohort.
    if !ctx.manage {
        list.retain(|e| e.state != program::EnrolState::Removed);
        for e in &mut list {
            e.email.clear();
        }
    }
    Ok(Json(json!({ "items": list })))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FilterBody {
    #[serde(default)]
    department: String,
    #[serde(default)]
    function: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    managers: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnrolBody {
    #[serde(default)]
    emails: Vec<String>,
    #[serde(default)]
    filter: Option<FilterBody>,
}

async fn enrol(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<CohortId>,
    ApiJson(body): ApiJson<EnrolBody>,
) -> ApiResult<Json<Value>> {
    let filter = body.filter.unwrap_or_default();
    if body
        .emails
        .iter()
        .any(|e| e.contains([',', ';', ' ', '\n']))
    {
        return Err(
            crate::error::Error::invalid("emails", "emails: one address per array item").into(),
        );
    }
    let form = EnrolForm {
        emails: body.emails.join("\n"),
        department: filter.department,
        function: filter.function,
        location: filter.location,
        managers: if filter.managers {
            "on".into()
        } else {
            String::new()
        },
    };
    let done = ops::enrol(&state, &user, id, &form).await?;
    Ok(Json(json!(done)))
}

async fn unenrol(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((id, person)): ApiPath<(CohortId, PersonId)>,
) -> ApiResult<Json<Value>> {
    let promoted = ops::unenrol(&state, &user, id, person).await?;
    Ok(Json(json!({ "removed": person, "promoted": promoted })))
}

async fn join(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<CohortId>,
) -> ApiResult<Json<Value>> {
    let st = ops::join(&state, &user, id).await?;
    Ok(Json(json!({ "state": st })))
}

async fn set_facilitator(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<CohortId>,
    ApiJson(body): ApiJson<FacilitatorForm>,
) -> ApiResult<Json<Value>> {
    let person = ops::set_facilitator(&state, &user, id, &body).await?;
    Ok(Json(
        json!({ "facilitator": { "id": person.id, "name": person.name } }),
    ))
}

// ---- Sessions ---------------------------------------------------------------------------

/// A session in JSON: its times as RFC 3339 instants beside the wall-clock start in its zone.
fn session_json(s: &Session) -> Value {
    let at = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    let mut v = json!(s);
    v["starts"] = json!(at(s.starts_at));
    v["ends"] = json!(at(s.ends_at));
    v
}

async fn cohort_sessions(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<CohortId>,
) -> ApiResult<Json<Value>> {
    let ctx = ops::cohort(&state, &user, id).await?;
    if !ctx.see_people {
        return Err(crate::error::Error::not_found("cohort").into());
    }
    let list = state.store.cohort_sessions(id).await?;
    Ok(Json(
        json!({ "items": list.iter().map(session_json).collect::<Vec<_>>() }),
    ))
}

async fn schedule_for_cohort(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<CohortId>,
    ApiJson(body): ApiJson<SessionForm>,
) -> ApiResult<Created> {
    let id = sessions::schedule_for_cohort(&state, &user, id, &body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

async fn space_sessions(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SpaceId>,
) -> ApiResult<Json<Value>> {
    crate::spaces::ops::space(&state, &user, id).await?;
    let list = state.store.space_sessions(id).await?;
    Ok(Json(
        json!({ "items": list.iter().map(session_json).collect::<Vec<_>>() }),
    ))
}

async fn schedule_for_space(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SpaceId>,
    ApiJson(body): ApiJson<SessionForm>,
) -> ApiResult<Created> {
    let id = sessions::schedule_for_space(&state, &user, id, &body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

async fn session(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SessionId>,
) -> ApiResult<Json<Value>> {
    let ctx = sessions::session(&state, &user, id).await?;
    let mut v = session_json(&ctx.session);
    v["invited"] = json!(ctx.invited);
    v["rsvp"] = json!(ctx.rsvp);
    Ok(Json(v))
}

async fn edit_session(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SessionId>,
    ApiJson(body): ApiJson<SessionForm>,
) -> ApiResult<Json<Value>> {
    sessions::edit(&state, &user, id, &body).await?;
    let s = state
        .store
        .session(id)
        .await?
        .ok_or_else(|| crate::error::Error::not_found("session"))?;
    Ok(Json(session_json(&s)))
}

async fn cancel_session(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SessionId>,
) -> ApiResult<Json<Value>> {
    sessions::cancel(&state, &user, id).await?;
    Ok(Json(json!({ "cancelled": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RsvpBody {
    answer: String,
}

async fn rsvp(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SessionId>,
    ApiJson(body): ApiJson<RsvpBody>,
) -> ApiResult<Json<Value>> {
    let answer = sessions::rsvp(&state, &user, id, &body.answer).await?;
    Ok(Json(json!({ "answer": answer })))
}

/// The caller's invitation as `text/calendar`.
async fn invitation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SessionId>,
) -> ApiResult<axum::response::Response> {
    let ics = super::ops::invitations::invitation(&state, &user, id).await?;
    Ok(super::pages::ics_response(
        ics,
        &format!("session-{id}.ics"),
    ))
}

async fn new_feed(State(state): State<AppState>, ApiUser(user): ApiUser) -> ApiResult<Created> {
    let url = sessions::new_feed(&state, &user).await?;
    Ok((StatusCode::CREATED, Json(json!({ "url": url }))))
}

async fn revoke_feed(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Value>> {
    sessions::revoke_feed(&state, &user).await?;
    Ok(Json(json!({ "revoked": true })))
}

// ---- Attendance -------------------------------------------------------------------------

async fn open_checkin(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SessionId>,
) -> ApiResult<Json<Value>> {
    let (code, until) = sessions::open_checkin(&state, &user, id).await?;
    Ok(Json(
        json!({ "code": code, "until": until, "url": format!("{}/check-in?code={code}", state.config.public_url) }),
    ))
}

async fn close_checkin(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SessionId>,
) -> ApiResult<Json<Value>> {
    sessions::close_checkin(&state, &user, id).await?;
    Ok(Json(json!({ "closed": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckInBody {
    code: String,
}

async fn check_in(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<CheckInBody>,
) -> ApiResult<Created> {
    let id = sessions::check_in(&state, &user, &body.code).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "session_id": id, "status": "present" })),
    ))
}

async fn attendance(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SessionId>,
) -> ApiResult<Json<Value>> {
    let ctx = sessions::session(&state, &user, id).await?;
    ctx.require_manage()?;
    let roster = sessions::roster(&state, &ctx.session).await?;
    Ok(Json(json!({ "items": roster })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkBody {
    status: String,
}

async fn mark(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((id, person)): ApiPath<(SessionId, PersonId)>,
    ApiJson(body): ApiJson<MarkBody>,
) -> ApiResult<Json<Value>> {
    let status = sessions::mark(&state, &user, id, person, &body.status).await?;
    Ok(Json(json!({ "person_id": person, "status": status })))
}

// ---- Agenda boards ----------------------------------------------------------------------

async fn open_board(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SessionId>,
    ApiJson(body): ApiJson<BoardForm>,
) -> ApiResult<Created> {
    agenda::open(&state, &user, id, &body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "session_id": id }))))
}

/// The board: while it is open, topics without counts and the caller's votes left; once
/// closed, the agenda in order with counts, minutes and owners, then the leftovers.
async fn board(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SessionId>,
) -> ApiResult<Json<Value>> {
    let ctx = sessions::session(&state, &user, id).await?;
    let view = agenda::view(&state, &user, &ctx)
        .await?
        .ok_or_else(|| crate::error::Error::not_found("agenda board"))?;
    let mut topics: Vec<Value> = view.topics.iter().map(|t| json!(t)).collect();
    if view.open {
        for t in &mut topics {
            if let Some(o) = t.as_object_mut() {
                o.remove("votes");
            }
        }
    }
    Ok(Json(json!({
        "board": view.board,
        "open": view.open,
        "votes_left": view.votes_left,
        "topics": topics,
    })))
}

async fn close_board(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SessionId>,
) -> ApiResult<Json<Value>> {
    agenda::close_now(&state, &user, id).await?;
    Ok(Json(json!({ "closed": true })))
}

async fn suggest(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<SessionId>,
    ApiJson(body): ApiJson<TopicForm>,
) -> ApiResult<Created> {
    let topic = agenda::suggest(&state, &user, id, &body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": topic }))))
}

async fn vote(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Created> {
    agenda::vote(&state, &user, id).await?;
    Ok((StatusCode::CREATED, Json(json!({ "topic_id": id }))))
}

async fn unvote(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    agenda::unvote(&state, &user, id).await?;
    Ok(Json(json!({ "topic_id": id, "withdrawn": true })))
}

async fn set_owner(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<OwnerForm>,
) -> ApiResult<Json<Value>> {
    agenda::set_owner(&state, &user, id, &body).await?;
    Ok(Json(json!({ "topic_id": id })))
}
