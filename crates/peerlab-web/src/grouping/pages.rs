//! The small-groups pages: a session's groups (the form, the preview with its moves and
//! swaps, the confirmed groups), and a person's own "Groups and pairs" page (their history
//! and their private block list). Every form comes back to its page, saying what happened.

use askama::Template as Page;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use peerlab_core::grouping::adjust::GroupStory;
use peerlab_core::grouping::groups::Measure;
use peerlab_store::{Blocked, CohortId, MyGrouping, PersonId, SessionId, StoredGrouping};
use serde::Deserialize;

use super::ops::{self, GroupsForm, Preview};
use super::partners::{self, PartnersPreview};
use crate::error::{Error, Kind};
use crate::kit::http::status;
use crate::kit::page::{capitalize, render, see_other, Nav, PageError, PageResult};
use crate::kit::session::{CsrfForm, User};
use crate::programs::ops::sessions::SessionCtx;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sessions/{id}/groups", get(groups_page).post(confirm))
        .route("/sessions/{id}/groups/preview", post(preview))
        .route(
            "/cohorts/{id}/partners",
            get(partners_page).post(confirm_partners),
        )
        .route("/cohorts/{id}/partners/preview", post(preview_partners))
        .route("/cohorts/{id}/partners/rematch", post(rematch))
        .route("/me/groups", get(mine_page))
        .route("/me/blocks", post(block))
        .route("/me/blocks/{id}/remove", post(unblock))
}

#[derive(Default)]
pub(super) struct Notice {
    pub(super) ok: Option<String>,
    pub(super) error: Option<String>,
    pub(super) status: Option<StatusCode>,
}

impl Notice {
    pub(super) fn refused(e: &Error) -> Self {
        Notice {
            ok: None,
            error: Some(capitalize(&e.message)),
            status: Some(status(e.kind)),
        }
    }
}

pub(super) fn shown(e: &Error) -> bool {
    matches!(e.kind, Kind::Invalid | Kind::Conflict | Kind::Malformed)
}

pub(super) fn with_status(mut r: Response, s: Option<StatusCode>) -> Response {
    if let Some(s) = s {
        *r.status_mut() = s;
    }
    r
}

#[derive(Deserialize, Default)]
pub(super) struct DoneQuery {
    #[serde(default)]
    pub(super) done: String,
}

/// One member's line in a preview.
struct MemberLine {
    id: PersonId,
    name: String,
    facts: String,
    role: String,
    reasons: String,
}

struct GroupView {
    number: usize,
    summary: String,
    members: Vec<MemberLine>,
}

fn group_views(p: &Preview) -> Vec<GroupView> {
    let people = p.roster.pool.people();
    p.stories
        .iter()
        .enumerate()
        .map(|(k, story): (usize, &GroupStory)| GroupView {
            number: k + 1,
            summary: story.summary.clone(),
            members: story
                .members
                .iter()
                .map(|m| {
                    let f = &people[m.person];
                    let facts = [&f.department, &f.function, &f.location]
                        .into_iter()
                        .flatten()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" · ");
                    MemberLine {
                        id: p.roster.ids[m.person],
                        name: f.name.as_str().to_string(),
                        facts,
                        role: m.role.clone(),
                        reasons: m.reasons.clone(),
                    }
                })
                .collect(),
        })
        .collect()
}

#[derive(Page)]
#[template(path = "grouping/groups.html")]
struct GroupsPage {
    nav: Nav,
    ctx: SessionCtx,
    grouping: Option<StoredGrouping>,
    form: GroupsForm,
    enrolled: usize,
    me: PersonId,
    notice: Notice,
    csrf: String,
}

impl GroupsPage {
    fn mine(&self, g: &peerlab_store::StoredGroup) -> bool {
        g.members.iter().any(|m| m.person_id == self.me)
    }
}

async fn show_groups(
    state: &AppState,
    user: &User,
    id: SessionId,
    form: GroupsForm,
    notice: Notice,
) -> PageResult {
    let (ctx, grouping) = ops::formed(state, user, id)
        .await
        .map_err(|e| PageError::new(Some(user.clone()), e))?;
    let enrolled = match &ctx.cohort {
        Some(c) if ctx.manage => state
            .store
            .enrolments(c.cohort.id)
            .await
            .map_err(|e| PageError::new(Some(user.clone()), e.into()))?
            .iter()
            .filter(|e| e.state == peerlab_core::program::EnrolState::Enrolled)
            .count(),
        _ => 0,
    };
    let s = notice.status;
    let page = GroupsPage {
        nav: Nav::new(Some(user), "programs"),
        csrf: user.0.csrf_token.clone(),
        me: user.id(),
        ctx,
        grouping,
        form,
        enrolled,
        notice,
    };
    Ok(with_status(render(&page), s))
}

async fn groups_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SessionId>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let notice = Notice {
        ok: match q.done.as_str() {
            "formed" => Some(
                "Groups formed. Each group has its private space with the challenge, and the cohort channel has the debrief thread."
                    .to_string(),
            ),
            _ => None,
        },
        ..Notice::default()
    };
    show_groups(&state, &user, id, GroupsForm::default(), notice).await
}

#[derive(Page)]
#[template(path = "grouping/preview.html")]
struct PreviewPage {
    nav: Nav,
    session_id: SessionId,
    title: String,
    form: GroupsForm,
    groups: Vec<GroupView>,
    people: Vec<(PersonId, String, usize)>,
    measures: Vec<Measure>,
    score: f64,
    random_score: f64,
    repeat_pairs: usize,
    random_repeat_pairs: f64,
    kept_apart: usize,
    notice: Notice,
    csrf: String,
}

fn preview_page(user: &User, id: SessionId, p: Preview, weights: &str, notice: Notice) -> Response {
    let groups = group_views(&p);
    let mut people: Vec<(PersonId, String, usize)> = groups
        .iter()
        .flat_map(|g| {
            g.members
                .iter()
                .map(move |m| (m.id, m.name.clone(), g.number))
        })
        .collect();
    people.sort_by(|a, b| a.1.cmp(&b.1));
    let r = p.report();
    let notice = Notice {
        ok: notice.ok.or(p.change.clone()),
        ..notice
    };
    let s = notice.status;
    let page = PreviewPage {
        nav: Nav::new(Some(user), "programs"),
        csrf: user.0.csrf_token.clone(),
        session_id: id,
        title: p.roster.ctx.session.title.clone(),
        measures: r.measures.clone(),
        score: r.score,
        random_score: r.random_score,
        repeat_pairs: r.repeat_pairs,
        random_repeat_pairs: r.random_repeat_pairs,
        kept_apart: r.kept_apart,
        form: GroupsForm {
            assignment: p.assignment.clone(),
            weights: weights.to_string(),
            ..p.form_echo()
        },
        groups,
        people,
        notice,
    };
    with_status(render(&page), s)
}

impl Preview {
    /// The options as the form typed them, for the hidden fields of the next request.
    fn form_echo(&self) -> GroupsForm {
        let size = &self.options.size;
        GroupsForm {
            size: if size.min == size.max {
                size.min.to_string()
            } else {
                format!("{}-{}", size.min, size.max)
            },
            roles: self
                .options
                .roles
                .iter()
                .map(|r| match &r.function {
                    Some(f) => format!("{}={f}", r.name),
                    None => r.name.clone(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
            weights: String::new(),
            challenge: self.options.challenge.clone(),
            ..GroupsForm::default()
        }
    }
}

async fn preview(
    State(state): State<AppState>,
    Path(id): Path<SessionId>,
    f: CsrfForm<GroupsForm>,
) -> PageResult {
    let weights = f.form.weights.clone();
    match ops::preview(&state, &f.user, id, &f.form).await {
        Ok(p) => Ok(preview_page(&f.user, id, p, &weights, Notice::default())),
        // A move that is refused shows the grouping as it was, with the reason.
        Err(e) if e.kind == Kind::Invalid && !f.form.edit.is_empty() => {
            let before = GroupsForm {
                edit: String::new(),
                a: String::new(),
                b: String::new(),
                ..f.form.clone()
            };
            match ops::preview(&state, &f.user, id, &before).await {
                Ok(p) => Ok(preview_page(&f.user, id, p, &weights, Notice::refused(&e))),
                Err(e) => show_groups(&state, &f.user, id, before, Notice::refused(&e)).await,
            }
        }
        Err(e) if shown(&e) => {
            let form = GroupsForm {
                assignment: String::new(),
                edit: String::new(),
                ..f.form.clone()
            };
            show_groups(&state, &f.user, id, form, Notice::refused(&e)).await
        }
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

async fn confirm(
    State(state): State<AppState>,
    Path(id): Path<SessionId>,
    f: CsrfForm<GroupsForm>,
) -> PageResult {
    match ops::confirm(&state, &f.user, id, &f.form).await {
        Ok(_) => Ok(see_other(&format!("/sessions/{id}/groups?done=formed"))),
        Err(e) if shown(&e) => {
            let form = GroupsForm {
                assignment: String::new(),
                edit: String::new(),
                ..f.form.clone()
            };
            show_groups(&state, &f.user, id, form, Notice::refused(&e)).await
        }
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

// ---- Groups and pairs: a person's own ----------------------------------------------------

#[derive(Page)]
#[template(path = "grouping/mine.html")]
struct MinePage {
    nav: Nav,
    blocked: Vec<Blocked>,
    history: Vec<MyGrouping>,
    email: String,
    max_blocks: usize,
    notice: Notice,
    csrf: String,
}

async fn show_mine(state: &AppState, user: &User, email: String, notice: Notice) -> PageResult {
    let (blocked, history) = ops::mine(state, user)
        .await
        .map_err(|e| PageError::new(Some(user.clone()), e))?;
    let s = notice.status;
    let page = MinePage {
        nav: Nav::new(Some(user), "people"),
        csrf: user.0.csrf_token.clone(),
        blocked,
        history,
        email,
        max_blocks: ops::MAX_BLOCKS,
        notice,
    };
    Ok(with_status(render(&page), s))
}

async fn mine_page(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let ok = match q.done.as_str() {
        "blocked" => Some(
            "Added to your list. No grouping or pairing will put you together; nobody is told."
                .to_string(),
        ),
        "unblocked" => Some("Taken off your list.".to_string()),
        _ => None,
    };
    show_mine(
        &state,
        &user,
        String::new(),
        Notice {
            ok,
            ..Notice::default()
        },
    )
    .await
}

#[derive(Deserialize)]
struct BlockForm {
    #[serde(default)]
    email: String,
}

async fn block(State(state): State<AppState>, f: CsrfForm<BlockForm>) -> PageResult {
    match ops::block(&state, &f.user, &f.form.email).await {
        Ok(_) => Ok(see_other("/me/groups?done=blocked#blocks")),
        Err(e) if shown(&e) => {
            show_mine(&state, &f.user, f.form.email.clone(), Notice::refused(&e)).await
        }
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

#[derive(Deserialize)]
pub(super) struct Empty {}

async fn unblock(
    State(state): State<AppState>,
    Path(other): Path<PersonId>,
    f: CsrfForm<Empty>,
) -> PageResult {
    match ops::unblock(&state, &f.user, other).await {
        Ok(()) => Ok(see_other("/me/groups?done=unblocked#blocks")),
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

// ---- Accountability partners -------------------------------------------------------------

/// A pair as a preview or the formed list shows it.
struct PairView {
    number: usize,
    names: Vec<String>,
    reasons: String,
    no_overlap: bool,
    /// Rematch requests: who and why (facilitators only).
    rematch: Vec<(String, String)>,
    mine: bool,
}

#[derive(Page)]
#[template(path = "grouping/partners.html")]
struct PartnersPage {
    nav: Nav,
    cohort_id: CohortId,
    title: String,
    manage: bool,
    /// Matched and stored.
    formed: bool,
    /// A preview: the roster the confirm form carries.
    roster: Option<String>,
    pairs: Vec<PairView>,
    unmatched: Vec<String>,
    enrolled: usize,
    asked: bool,
    max_reason: usize,
    notice: Notice,
    csrf: String,
}

fn stored_pairs(g: &StoredGrouping, me: PersonId, manage: bool) -> Vec<PairView> {
    g.groups
        .iter()
        .map(|pair| PairView {
            number: pair.number as usize,
            names: pair.members.iter().map(|m| m.name.clone()).collect(),
            reasons: pair.summary.clone(),
            no_overlap: pair.summary.contains("no working hours in common"),
            rematch: if manage {
                pair.members
                    .iter()
                    .filter_map(|m| Some((m.name.clone(), m.rematch_reason.clone()?)))
                    .collect()
            } else {
                Vec::new()
            },
            mine: pair.members.iter().any(|m| m.person_id == me),
        })
        .collect()
}

async fn show_partners(state: &AppState, user: &User, id: CohortId, notice: Notice) -> PageResult {
    let (ctx, stored) = partners::matched(state, user, id)
        .await
        .map_err(|e| PageError::new(Some(user.clone()), e))?;
    let asked = stored.as_ref().is_some_and(|g| {
        g.groups
            .iter()
            .flat_map(|p| &p.members)
            .any(|m| m.person_id == user.id() && m.rematch_reason.is_some())
    });
    let s = notice.status;
    let page = PartnersPage {
        nav: Nav::new(Some(user), "programs"),
        csrf: user.0.csrf_token.clone(),
        cohort_id: id,
        title: format!("{} · {}", ctx.program.name, ctx.cohort.name),
        manage: ctx.manage,
        formed: stored.is_some(),
        roster: None,
        pairs: stored
            .as_ref()
            .map(|g| stored_pairs(g, user.id(), ctx.manage))
            .unwrap_or_default(),
        unmatched: Vec::new(),
        enrolled: ctx.cohort.enrolled as usize,
        asked,
        max_reason: partners::MAX_REASON_CHARS,
        notice,
    };
    Ok(with_status(render(&page), s))
}

async fn partners_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<CohortId>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let ok = match q.done.as_str() {
        "matched" => {
            Some("Partners matched. Each person sees their partner and why here.".to_string())
        }
        "rematch" => Some("Your facilitator sees your request and its reason.".to_string()),
        _ => None,
    };
    show_partners(
        &state,
        &user,
        id,
        Notice {
            ok,
            ..Notice::default()
        },
    )
    .await
}

fn preview_partners_page(user: &User, p: PartnersPreview) -> Response {
    let pairs = p
        .partners
        .pairs
        .iter()
        .enumerate()
        .map(|(k, pair)| PairView {
            number: k + 1,
            names: pair
                .members
                .iter()
                .map(|&i| p.pool.name(i).to_string())
                .collect(),
            reasons: pair.summary(),
            no_overlap: p.no_overlap.contains(&(k + 1)),
            rematch: Vec::new(),
            mine: false,
        })
        .collect();
    let page = PartnersPage {
        nav: Nav::new(Some(user), "programs"),
        csrf: user.0.csrf_token.clone(),
        cohort_id: p.ctx.cohort.id,
        title: format!("{} · {}", p.ctx.program.name, p.ctx.cohort.name),
        manage: true,
        formed: false,
        roster: Some(p.roster()),
        unmatched: p
            .partners
            .unmatched
            .iter()
            .map(|&i| p.pool.name(i).to_string())
            .collect(),
        enrolled: p.ids.len(),
        pairs,
        asked: false,
        max_reason: partners::MAX_REASON_CHARS,
        notice: Notice::default(),
    };
    render(&page)
}

async fn preview_partners(
    State(state): State<AppState>,
    Path(id): Path<CohortId>,
    f: CsrfForm<Empty>,
) -> PageResult {
    match partners::preview(&state, &f.user, id).await {
        Ok(p) => Ok(preview_partners_page(&f.user, p)),
        Err(e) if shown(&e) => show_partners(&state, &f.user, id, Notice::refused(&e)).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

#[derive(Deserialize)]
struct RosterForm {
    #[serde(default)]
    roster: String,
}

async fn confirm_partners(
    State(state): State<AppState>,
    Path(id): Path<CohortId>,
    f: CsrfForm<RosterForm>,
) -> PageResult {
    match partners::confirm(&state, &f.user, id, &f.form.roster).await {
        Ok(_) => Ok(see_other(&format!("/cohorts/{id}/partners?done=matched"))),
        Err(e) if shown(&e) => show_partners(&state, &f.user, id, Notice::refused(&e)).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

#[derive(Deserialize)]
struct RematchForm {
    #[serde(default)]
    reason: String,
}

async fn rematch(
    State(state): State<AppState>,
    Path(id): Path<CohortId>,
    f: CsrfForm<RematchForm>,
) -> PageResult {
    match partners::rematch(&state, &f.user, id, &f.form.reason).await {
        Ok(()) => Ok(see_other(&format!("/cohorts/{id}/partners?done=rematch"))),
        Err(e) if shown(&e) => show_partners(&state, &f.user, id, Notice::refused(&e)).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}
