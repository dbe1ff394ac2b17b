//! The people pages: home, the directory, profiles (skills, wants, endorsements, the admin's
//! role and invitation controls) and the expert finder.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use peerlab_core::{Level, Role, SkillName};
use peerlab_store::{
    ApiToken, DirectoryFilter, Facets, Person, PersonId, PersonSkill, PersonSummary, SkillId,
    SkillRef,
};
use serde::Deserialize;

use super::experts::{self, Expert};
use super::ops::change_role;
use crate::auth::ops::{invitation_link, INVITATION_DAYS};
use crate::error::Error;
use crate::kit::page::{
    date, filters, level_label, render, see_other, ForUser, Nav, PageError, PageResult, SecretPage,
};
use crate::kit::session::{urlencode, CsrfForm, User};
use crate::lrs::social;
use crate::AppState;

#[derive(Deserialize)]
pub(crate) struct Empty {}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/people", get(directory))
        .route("/people/{id}", get(profile))
        .route("/people/{id}/skills/{skill_id}/endorse", post(endorse))
        .route("/people/{id}/skills/{skill_id}/unendorse", post(unendorse))
        .route("/people/{id}/role", post(set_role))
        .route("/people/{id}/invite", post(invite))
        .route("/me", get(me))
        .route("/me/skills", post(add_skill))
        .route("/me/skills/{skill_id}/delete", post(remove_skill))
        .route("/me/wants", post(add_want))
        .route("/me/wants/{skill_id}/delete", post(remove_want))
        .route("/experts", get(experts_page))
        .merge(super::import_pages::router())
}

// ---- Home, directory, profile --------------------------------------------------------------

#[derive(Template)]
#[template(path = "people/home.html")]
struct HomePage {
    nav: Nav,
    me: PersonId,
    first_name: String,
    people: i64,
    my_skills: Vec<PersonSkill>,
    my_wants: Vec<SkillRef>,
    suggestions: Vec<(String, Vec<Expert>)>,
}

async fn home(State(state): State<AppState>, user: User) -> PageResult {
    let store = &state.store;
    let me = user.id();
    let my_skills = store.person_skills(me, me).await.for_user(&user)?;
    let my_wants = store.wants(me).await.for_user(&user)?;
    let mut suggestions = Vec::new();
    for want in my_wants.iter().take(3) {
        let mut found = experts::find(store, &want.name, 4).await.for_user(&user)?;
        found.retain(|e| e.person.id != me);
        found.truncate(3);
        if !found.is_empty() {
            suggestions.push((want.name.clone(), found));
        }
    }
    Ok(render(&HomePage {
        nav: Nav::new(Some(&user), "home"),
        me,
        first_name: user
            .0
            .name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string(),
        people: store.count_people().await.for_user(&user)?,
        my_skills,
        my_wants,
        suggestions,
    }))
}

const PAGE_SIZE: i64 = 25;

#[derive(Deserialize, Default)]
struct DirectoryQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    function: String,
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "people/directory.html")]
struct DirectoryPage {
    nav: Nav,
    filter: DirectoryFilter,
    facets: Facets,
    people: Vec<PersonSummary>,
    total: i64,
    page: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
}

async fn directory(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<DirectoryQuery>,
) -> PageResult {
    let filter = DirectoryFilter {
        query: q.q,
        department: q.department,
        location: q.location,
        function: q.function,
        managers_only: false,
    };
    // Clamped so that the offset cannot overflow; a page past the end is simply empty.
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let (people, total) = state
        .store
        .directory(&filter, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        .await
        .for_user(&user)?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let href = |p: i64| {
        format!(
            "/people?q={}&department={}&location={}&function={}&page={p}",
            urlencode(&filter.query),
            urlencode(&filter.department),
            urlencode(&filter.location),
            urlencode(&filter.function)
        )
    };
    Ok(render(&DirectoryPage {
        nav: Nav::new(Some(&user), "people"),
        prev: (page > 1).then(|| href(page - 1)),
        next: (page < pages).then(|| href(page + 1)),
        facets: state.store.facets().await.for_user(&user)?,
        filter,
        people,
        total,
        page,
        pages,
    }))
}

#[derive(Template)]
#[template(path = "people/profile.html")]
struct ProfilePage {
    nav: Nav,
    person: Person,
    is_me: bool,
    viewer_is_admin: bool,
    skills: Vec<PersonSkill>,
    wants: Vec<SkillRef>,
    reports: Vec<PersonSummary>,
    tokens: Vec<ApiToken>,
    roles: [Role; 3],
    /// The learning timeline, for the person and admins only.
    timeline: Option<Vec<social::Moment>>,
}

async fn me(user: User) -> Response {
    see_other(&format!("/people/{}", user.id()))
}

async fn profile(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<PersonId>,
) -> PageResult {
    let store = &state.store;
    let Some(person) = store.person(id).await.for_user(&user)? else {
        return Err(PageError::new(Some(user), Error::not_found("person")));
    };
    let is_me = person.id == user.id();
    Ok(render(&ProfilePage {
        nav: Nav::new(Some(&user), if is_me { "me" } else { "people" }),
        is_me,
        viewer_is_admin: user.is_admin(),
        skills: store.person_skills(id, user.id()).await.for_user(&user)?,
        wants: store.wants(id).await.for_user(&user)?,
        reports: store.direct_reports(id).await.for_user(&user)?,
        tokens: if is_me {
            store.api_tokens(id).await.for_user(&user)?
        } else {
            Vec::new()
        },
        roles: Role::ALL,
        timeline: if is_me || user.is_admin() {
            Some(
                social::timeline(&state, &person.email, 30)
                    .await
                    .for_user(&user)?,
            )
        } else {
            None
        },
        person,
    }))
}

#[derive(Deserialize)]
struct SkillForm {
    name: String,
    #[serde(default)]
    level: String,
}

fn my_profile(user: &User, anchor: &str) -> Response {
    see_other(&format!("/people/{}#{anchor}", user.id()))
}

async fn add_skill(
    State(state): State<AppState>,
    CsrfForm { user, form }: CsrfForm<SkillForm>,
) -> PageResult {
    let name = SkillName::parse(&form.name).for_user(&user)?;
    let level = Level::parse(&form.level).for_user(&user)?;
    state
        .store
        .set_skill(user.id(), &name, level)
        .await
        .for_user(&user)?;
    Ok(my_profile(&user, "skills"))
}

async fn remove_skill(
    State(state): State<AppState>,
    Path(skill_id): Path<SkillId>,
    CsrfForm { user, .. }: CsrfForm<Empty>,
) -> PageResult {
    state
        .store
        .remove_skill(user.id(), skill_id)
        .await
        .for_user(&user)?;
    Ok(my_profile(&user, "skills"))
}

#[derive(Deserialize)]
struct NameForm {
    name: String,
}

async fn add_want(
    State(state): State<AppState>,
    CsrfForm { user, form }: CsrfForm<NameForm>,
) -> PageResult {
    let name = SkillName::parse(&form.name).for_user(&user)?;
    state
        .store
        .add_want(user.id(), &name)
        .await
        .for_user(&user)?;
    Ok(my_profile(&user, "wants"))
}

async fn remove_want(
    State(state): State<AppState>,
    Path(skill_id): Path<SkillId>,
    CsrfForm { user, .. }: CsrfForm<Empty>,
) -> PageResult {
    state
        .store
        .remove_want(user.id(), skill_id)
        .await
        .for_user(&user)?;
    Ok(my_profile(&user, "wants"))
}

async fn endorse(
    State(state): State<AppState>,
    Path((id, skill_id)): Path<(PersonId, SkillId)>,
    CsrfForm { user, .. }: CsrfForm<Empty>,
) -> PageResult {
    social::endorse(&state, &user, id, skill_id)
        .await
        .for_user(&user)?;
    Ok(see_other(&format!("/people/{id}#skills")))
}

async fn unendorse(
    State(state): State<AppState>,
    Path((id, skill_id)): Path<(PersonId, SkillId)>,
    CsrfForm { user, .. }: CsrfForm<Empty>,
) -> PageResult {
    state
        .store
        .unendorse(user.id(), id, skill_id)
        .await
        .for_user(&user)?;
    Ok(see_other(&format!("/people/{id}#skills")))
}

#[derive(Deserialize)]
struct RoleForm {
    role: String,
}

async fn set_role(
    State(state): State<AppState>,
    Path(id): Path<PersonId>,
    CsrfForm { user, form }: CsrfForm<RoleForm>,
) -> PageResult {
    user.require_admin().for_user(&user)?;
    let role = Role::parse(&form.role).for_user(&user)?;
    change_role(&state, id, role).await.for_user(&user)?;
    Ok(see_other(&format!("/people/{id}#admin")))
}

async fn invite(
    State(state): State<AppState>,
    Path(id): Path<PersonId>,
    CsrfForm { user, .. }: CsrfForm<Empty>,
) -> PageResult {
    user.require_admin().for_user(&user)?;
    let person = state
        .store
        .person(id)
        .await
        .for_user(&user)?
        .ok_or_else(|| Error::not_found("person"))
        .for_user(&user)?;
    let link = invitation_link(&state, id).await.for_user(&user)?;
    crate::outbound::send_invitation(&state, &person, &link)
        .await
        .for_user(&user)?;
    let sent = if state.mailer.is_some() {
        format!(
            "It is on its way to {} by e-mail (see Outbound); you can also send it yourself.",
            person.email
        )
    } else {
        format!("E-mail is off, so send it to {} yourself.", person.email)
    };
    Ok(render(&SecretPage {
        nav: Nav::new(Some(&user), "people"),
        heading: format!("Invitation for {}", person.name),
        message: format!(
            "This link lets them set a password and is valid for {INVITATION_DAYS} days. {sent}"
        ),
        secret: link,
        back_href: format!("/people/{id}"),
        back_label: format!("Back to {}", person.name),
    }))
}

// ---- Expert finder -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "people/experts.html")]
struct ExpertsPage {
    nav: Nav,
    query: String,
    experts: Vec<Expert>,
}

#[derive(Deserialize)]
struct ExpertQuery {
    #[serde(default)]
    q: String,
}

async fn experts_page(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<ExpertQuery>,
) -> PageResult {
    let query = q.q.trim().chars().take(200).collect::<String>();
    let experts = if query.is_empty() {
        Vec::new()
    } else {
        experts::find(&state.store, &query, 20)
            .await
            .for_user(&user)?
    };
    Ok(render(&ExpertsPage {
        nav: Nav::new(Some(&user), "experts"),
        query,
        experts,
    }))
}
