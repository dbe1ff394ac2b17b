//! The program pages: the template catalogue and one template with its schedule; the list of
//! programs, a program's timeline and cohorts, and a cohort with its people.
//!
//! Every form posts and comes back to the page it was on, which says what happened (`?done=`
//! names one of a fixed set of messages, so no text from a URL is ever shown). A refused form
//! shows the same page again with the reason and the refused status.

use askama::Template as Page;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use peerlab_core::program::{self, Activity, EnrolState, Phase, Stage, Template};
use peerlab_store::{
    Cohort, CohortId, Enrolment, Facets, PersonId, Program, ProgramId, ProgramSummary,
};
use serde::Deserialize;

use super::ops::agenda::{self, BoardForm, OwnerForm, TopicForm};
use super::ops::sessions::{self, SessionCtx, SessionForm};
use super::ops::{
    self, AnchorForm, AnchorQuery, CohortCtx, CohortForm, EnrolForm, FacilitatorForm, StartForm,
};
use crate::error::{Error, Kind};
use crate::kit::http::status;
use crate::kit::page::{capitalize, render, see_other, ForUser, Nav, PageError, PageResult};
use crate::kit::session::{CsrfForm, User};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/programs", get(programs).post(start))
        .route("/programs/templates", get(catalogue))
        .route("/programs/templates/{key}", get(one).post(edit_template))
        .route("/programs/templates/{key}/copy", post(copy_template))
        .route("/programs/{id}", get(program_page))
        .route("/programs/{id}/anchor", post(move_anchor))
        .route("/programs/{id}/cohorts", post(add_cohort))
        .route("/cohorts/{id}", get(cohort_page))
        .route("/cohorts/{id}/enrol", get(enrol_page).post(enrol))
        .route("/cohorts/{id}/facilitator", post(set_facilitator))
        .route("/cohorts/{id}/join", post(join))
        .route("/cohorts/{id}/people/{person}/remove", post(remove))
        .route("/calendar/{file}", get(feed))
        .route("/calendar-feed", post(new_feed))
        .route("/calendar-feed/revoke", post(revoke_feed))
        .route("/cohorts/{id}/sessions", post(schedule_for_cohort))
        .route(
            "/spaces/{id}/sessions",
            get(space_sessions).post(schedule_for_space),
        )
        .route("/sessions/{id}", get(session_page).post(edit_session))
        .route("/sessions/{id}/cancel", post(cancel_session))
        .route("/sessions/{id}/rsvp", post(rsvp))
        .route("/sessions/{id}/invitation.ics", get(invitation))
        .route("/sessions/{id}/check-in/open", post(open_checkin))
        .route("/sessions/{id}/check-in/close", post(close_checkin))
        .route("/sessions/{id}/attendance/{person}", post(mark))
        .route("/check-in", get(check_in_page).post(check_in))
        .route("/sessions/{id}/board", post(open_board))
        .route("/sessions/{id}/board/close", post(close_board))
        .route("/sessions/{id}/topics", post(suggest))
        .route("/topics/{id}/vote", post(vote))
        .route("/topics/{id}/unvote", post(unvote))
        .route("/topics/{id}/owner", post(set_owner))
}

/// A person's calendar feed, by the secret in its URL: calendars fetch it without a
/// session. An unknown or revoked secret is a plain 404.
async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    use axum::response::IntoResponse;
    match ops::sessions::feed(&state, &file).await {
        Ok(ics) => ics_response(ics, "peerlab.ics"),
        Err(e) => (status(e.kind), capitalize(&e.message)).into_response(),
    }
}

/// A page's message: what the last action did, or why it was refused.
#[derive(Default)]
struct Notice {
    ok: Option<String>,
    error: Option<String>,
    status: Option<StatusCode>,
}

impl Notice {
    fn refused(e: &Error) -> Self {
        Notice {
            ok: None,
            error: Some(capitalize(&e.message)),
            status: Some(status(e.kind)),
        }
    }
}

/// Input errors and conflicts come back on the page; anything else is an error page.
fn shown(e: &Error) -> bool {
    matches!(e.kind, Kind::Invalid | Kind::Conflict | Kind::Malformed)
}

/// A page with the status its notice asks for (a refused form's 4xx), or 200.
fn with_status(mut r: Response, status: Option<StatusCode>) -> Response {
    if let Some(s) = status {
        *r.status_mut() = s;
    }
    r
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    #[serde(default)]
    done: String,
    #[serde(default)]
    enrolled: Option<u32>,
    #[serde(default)]
    waiting: Option<u32>,
    #[serde(default)]
    already: Option<u32>,
}

impl DoneQuery {
    fn notice(&self) -> Notice {
        let ok = match self.done.as_str() {
            "started" => Some("Program started. Add its first cohort below: the cohort gets its own channel and an introductions thread.".to_string()),
            "cohort" => Some("Cohort added, with its private channel and an introductions thread. Enrol its people below.".to_string()),
            "moved" => Some("The moment moved, and every date of every cohort moved with it.".to_string()),
            "facilitator" => Some("The cohort has a new facilitator, who manages none of its people.".to_string()),
            "joined" => Some("You are in. Say hello in the cohort channel's introductions thread.".to_string()),
            "waiting" => Some("The cohort is full, so you are on its waiting list. You move up as soon as a place frees.".to_string()),
            "left" => Some("You left the cohort. Your history stays.".to_string()),
            "removed" => Some("Removed from the cohort. Their history stays; if someone was waiting, they moved up.".to_string()),
            "copied" => Some("Template copied. It is the company's own now: edit it below, and start programs from it.".to_string()),
            "template-saved" => Some("Template saved. Programs started from now on use it; running ones keep their copy.".to_string()),
            "session" => Some("Session scheduled. Everyone invited can add it to their calendar.".to_string()),
            "changed" => Some("Session changed. Everyone invited gets the updated invitation (same event, new version).".to_string()),
            "cancelled" => Some("Session cancelled. Everyone invited gets the cancellation.".to_string()),
            "going" => Some("You are going. Add it to your calendar below.".to_string()),
            "maybe" => Some("You might come. It is in your calendar as an invitation.".to_string()),
            "declined" => Some("You are not going. Your calendar gets a cancellation.".to_string()),
            "checked-in" => Some("You are checked in. Welcome!".to_string()),
            "check-in-open" => Some("Check-in is open: show the code or the QR code to the room.".to_string()),
            "check-in-closed" => Some("Check-in is closed. You can still mark people below.".to_string()),
            "marked" => Some("Attendance recorded.".to_string()),
            "board" => Some("The agenda board is open: participants suggest topics and vote until it closes.".to_string()),
            "board-closed" => Some("The board is closed: here is the agenda, and the invitations carry it.".to_string()),
            "suggested" => Some("Topic added to the board.".to_string()),
            "voted" => Some("Vote counted. Counts show when the board closes.".to_string()),
            "unvoted" => Some("Vote taken back.".to_string()),
            "owner" => Some("Owner recorded.".to_string()),
            "feed-revoked" => Some("Your calendar feed is revoked: its address no longer works.".to_string()),
            "enrolled" => {
                let mut parts = vec![count(self.enrolled.unwrap_or(0), "person enrolled", "people enrolled")];
                if let Some(w) = self.waiting.filter(|w| *w > 0) {
                    parts.push(format!("{} on the waiting list", count(w, "person", "people")));
                }
                if let Some(a) = self.already.filter(|a| *a > 0) {
                    parts.push(format!("{} already in", count(a, "person was", "people were")));
                }
                Some(format!("{}.", capitalize(&parts.join("; "))))
            }
            _ => None,
        };
        Notice {
            ok,
            ..Notice::default()
        }
    }
}

fn count(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

// ---- Templates -------------------------------------------------------------------------

#[derive(Page)]
#[template(path = "programs/templates.html")]
struct CataloguePage {
    nav: Nav,
    templates: Vec<Template>,
}

/// Facilitators and admins start programs, so they are the ones who browse templates.
async fn catalogue(State(state): State<AppState>, user: User) -> PageResult {
    user.require_facilitator().for_user(&user)?;
    Ok(render(&CataloguePage {
        nav: Nav::new(Some(&user), "programs"),
        templates: ops::templates(&state).await.for_user(&user)?,
    }))
}

#[derive(Page)]
#[template(path = "programs/template.html")]
struct TemplatePage {
    nav: Nav,
    template: Template,
    anchor: String,
    stages: Vec<StageView>,
    csrf: String,
    form: StartForm,
    notice: Notice,
    /// One of the company's templates (editable), not a shipped one.
    editable: bool,
    /// The template's JSON, for the editor.
    json: String,
}

/// A stage as the pages show it: when it runs (dates once an anchor is given, offsets
/// before), where it is today, and when each activity happens.
struct StageView {
    stage: Stage,
    when: String,
    phase: Option<Phase>,
    activities: Vec<(Activity, String)>,
}

fn offset(days: i32) -> String {
    match days {
        0 => "from the day itself".to_string(),
        1 => "1 day after".to_string(),
        -1 => "1 day before".to_string(),
        d if d < 0 => format!("{} days before", -d),
        d => format!("{d} days after"),
    }
}

fn views(
    template: &Template,
    anchor: Option<NaiveDate>,
    today: Option<NaiveDate>,
) -> Vec<StageView> {
    let plan = anchor.map(|day| program::schedule(template, day));
    template
        .stages
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let dates = plan.as_ref().map(|p| &p[i]);
            let when = match dates {
                Some(d) => format!(
                    "{} – {}",
                    d.starts.format("%a %-d %b %Y"),
                    d.ends.format("%a %-d %b %Y")
                ),
                None => format!("{}, for {} days", offset(stage.start_day), stage.days),
            };
            let activities = stage
                .activities
                .iter()
                .enumerate()
                .map(|(j, a)| {
                    let on = match dates {
                        Some(d) => d.activities[j].on.format("%a %-d %b").to_string(),
                        None => format!("day {} of the stage", a.day + 1),
                    };
                    (a.clone(), on)
                })
                .collect();
            StageView {
                stage: stage.clone(),
                when,
                phase: dates.zip(today).map(|(d, t)| Phase::of(d, t)),
                activities,
            }
        })
        .collect()
}

async fn template_page(
    state: &AppState,
    user: &User,
    key: &str,
    anchor: &str,
    form: StartForm,
    notice: Notice,
    json: Option<String>,
) -> PageResult {
    user.require_facilitator().for_user(user)?;
    let template = ops::template(state, key).await.for_user(user)?;
    let day = ops::anchor(anchor).for_user(user)?;
    let stages = views(&template, day, None);
    let json = json.unwrap_or_else(|| serde_json::to_string_pretty(&template).unwrap_or_default());
    let status = notice.status;
    let r = render(&TemplatePage {
        nav: Nav::new(Some(user), "programs"),
        editable: !ops::is_shipped(&template.key),
        json,
        template,
        anchor: anchor.trim().to_string(),
        stages,
        csrf: user.0.csrf_token.clone(),
        form,
        notice,
    });
    Ok(with_status(r, status))
}

/// One template. With `?anchor=YYYY-MM-DD` every stage and activity gets its date, and the
/// form to start a program from it is filled in with that date.
async fn one(
    State(state): State<AppState>,
    user: User,
    Path(key): Path<String>,
    Query(q): Query<AnchorQuery>,
    Query(d): Query<DoneQuery>,
) -> PageResult {
    let form = StartForm {
        template: key.clone(),
        anchor: q.anchor.trim().to_string(),
        ..StartForm::default()
    };
    template_page(&state, &user, &key, &q.anchor, form, d.notice(), None).await
}

#[derive(Deserialize)]
struct CopyForm {
    name: String,
}

async fn copy_template(
    State(state): State<AppState>,
    Path(key): Path<String>,
    f: CsrfForm<CopyForm>,
) -> PageResult {
    match ops::copy_template(&state, &f.user, &key, &f.form.name).await {
        Ok(copy) => Ok(see_other(&format!(
            "/programs/templates/{}?done=copied#edit",
            copy.key
        ))),
        Err(e) if shown(&e) => {
            let form = StartForm {
                template: key.clone(),
                ..StartForm::default()
            };
            template_page(&state, &f.user, &key, "", form, Notice::refused(&e), None).await
        }
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

#[derive(Deserialize)]
struct EditForm {
    json: String,
}

async fn edit_template(
    State(state): State<AppState>,
    Path(key): Path<String>,
    f: CsrfForm<EditForm>,
) -> PageResult {
    match ops::edit_template(&state, &f.user, &key, &f.form.json).await {
        Ok(_) => Ok(see_other(&format!(
            "/programs/templates/{key}?done=template-saved"
        ))),
        Err(e) if shown(&e) => {
            let form = StartForm {
                template: key.clone(),
                ..StartForm::default()
            };
            template_page(
                &state,
                &f.user,
                &key,
                "",
                form,
                Notice::refused(&e),
                Some(f.form.json),
            )
            .await
        }
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

// ---- Programs --------------------------------------------------------------------------

/// A cohort of mine, with what comes next in it.
struct MineView {
    cohort: Cohort,
    state: EnrolState,
    next: Option<NextView>,
}

/// "What's next for me": the next activity of a cohort's schedule.
struct NextView {
    stage: String,
    title: String,
    kind: String,
    on: String,
    question: Option<String>,
}

fn next_for(program: &Program, anchor: NaiveDate, today: NaiveDate) -> Option<NextView> {
    let plan = program::schedule(&program.template, anchor);
    let (s, a, on) = program::next_activity(&program.template, &plan, today)?;
    let stage = &program.template.stages[s];
    let act = &stage.activities[a];
    let days = (on - today).num_days();
    let when = match days {
        0 => "today".to_string(),
        1 => "tomorrow".to_string(),
        d => format!("in {d} days"),
    };
    Some(NextView {
        stage: stage.name.clone(),
        title: act.title.clone(),
        kind: act.kind.label().to_string(),
        on: format!("{} ({when})", on.format("%a %-d %b %Y")),
        question: act.question.clone(),
    })
}

#[derive(Page)]
#[template(path = "programs/programs.html")]
struct ProgramsPage {
    nav: Nav,
    programs: Vec<ProgramSummary>,
    mine: Vec<MineView>,
    manage: bool,
    notice: Notice,
    has_feed: bool,
    csrf: String,
}

async fn programs(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let manage = ops::runs_programs(&user);
    let list = state
        .store
        .programs_for(user.id(), manage)
        .await
        .for_user(&user)?;
    let today = state.today();
    let mut mine = Vec::new();
    for m in state.store.my_cohorts(user.id()).await.for_user(&user)? {
        let program = state
            .store
            .program(m.cohort.program_id)
            .await
            .for_user(&user)?;
        let next = program
            .as_ref()
            .and_then(|p| next_for(p, ops::shift(p.anchor, m.cohort.shift_days), today));
        mine.push(MineView {
            cohort: m.cohort,
            state: m.state,
            next,
        });
    }
    Ok(render(&ProgramsPage {
        nav: Nav::new(Some(&user), "programs"),
        programs: list,
        mine,
        manage,
        notice: q.notice(),
        has_feed: state
            .store
            .has_calendar_feed(user.id())
            .await
            .for_user(&user)?,
        csrf: user.0.csrf_token.clone(),
    }))
}

async fn start(State(state): State<AppState>, f: CsrfForm<StartForm>) -> PageResult {
    match ops::start(&state, &f.user, &f.form).await {
        Ok(id) => Ok(see_other(&format!("/programs/{id}?done=started"))),
        Err(e) if shown(&e) && ops::template(&state, f.form.template.trim()).await.is_ok() => {
            let key = f.form.template.trim().to_string();
            let anchor = if ops::anchor(&f.form.anchor).is_ok() {
                f.form.anchor.clone()
            } else {
                String::new()
            };
            let notice = Notice::refused(&e);
            template_page(&state, &f.user, &key, &anchor, f.form, notice, None).await
        }
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

#[derive(Page)]
#[template(path = "programs/program.html")]
struct ProgramPage {
    nav: Nav,
    program: Program,
    template_name: String,
    stages: Vec<StageView>,
    cohorts: Vec<CohortLine>,
    mine: Vec<MineView>,
    manage: bool,
    csrf: String,
    notice: Notice,
    cohort_form: CohortForm,
}

/// A cohort in the program's list, with its dates.
struct CohortLine {
    cohort: Cohort,
    runs: String,
}

fn runs(program: &Program, cohort: &Cohort) -> String {
    let anchor = ops::shift(program.anchor, cohort.shift_days);
    let plan = program::schedule(&program.template, anchor);
    match (plan.first(), plan.last()) {
        (Some(first), Some(last)) => format!(
            "{} – {}",
            first.starts.format("%-d %b %Y"),
            last.ends.format("%-d %b %Y")
        ),
        _ => String::new(),
    }
}

async fn show_program(
    state: &AppState,
    user: &User,
    id: ProgramId,
    notice: Notice,
    cohort_form: CohortForm,
) -> PageResult {
    let ctx = ops::program(state, user, id).await.for_user(user)?;
    let today = state.today();
    let mut mine = Vec::new();
    for m in state.store.my_cohorts(user.id()).await.for_user(user)? {
        if m.cohort.program_id == id {
            let next = next_for(
                &ctx.program,
                ops::shift(ctx.program.anchor, m.cohort.shift_days),
                today,
            );
            mine.push(MineView {
                cohort: m.cohort,
                state: m.state,
                next,
            });
        }
    }
    let cohorts = ctx
        .cohorts
        .iter()
        .map(|c| CohortLine {
            runs: runs(&ctx.program, c),
            cohort: c.clone(),
        })
        .collect();
    let template_name = program::shipped()
        .into_iter()
        .find(|t| t.key == ctx.program.template.key)
        .map_or_else(|| ctx.program.template.name.clone(), |t| t.name);
    let status = notice.status;
    let r = render(&ProgramPage {
        nav: Nav::new(Some(user), "programs"),
        stages: views(&ctx.program.template, Some(ctx.program.anchor), Some(today)),
        template_name,
        program: ctx.program,
        cohorts,
        mine,
        manage: ctx.manage,
        csrf: user.0.csrf_token.clone(),
        cohort_form,
        notice,
    });
    Ok(with_status(r, status))
}

async fn program_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<ProgramId>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    show_program(&state, &user, id, q.notice(), CohortForm::default()).await
}

async fn move_anchor(
    State(state): State<AppState>,
    Path(id): Path<ProgramId>,
    f: CsrfForm<AnchorForm>,
) -> PageResult {
    match ops::move_anchor(&state, &f.user, id, &f.form).await {
        Ok(_) => Ok(see_other(&format!("/programs/{id}?done=moved"))),
        Err(e) if shown(&e) => {
            show_program(
                &state,
                &f.user,
                id,
                Notice::refused(&e),
                CohortForm::default(),
            )
            .await
        }
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

async fn add_cohort(
    State(state): State<AppState>,
    Path(id): Path<ProgramId>,
    f: CsrfForm<CohortForm>,
) -> PageResult {
    match ops::add_cohort(&state, &f.user, id, &f.form).await {
        Ok(cohort) => Ok(see_other(&format!("/cohorts/{cohort}?done=cohort"))),
        Err(e) if shown(&e) => show_program(&state, &f.user, id, Notice::refused(&e), f.form).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

// ---- Cohorts ---------------------------------------------------------------------------

#[derive(Page)]
#[template(path = "programs/cohort.html")]
struct CohortPage {
    nav: Nav,
    ctx: CohortCtx,
    stages: Vec<StageView>,
    next: Option<NextView>,
    enrolled: Vec<Enrolment>,
    waiting: Vec<Enrolment>,
    removed: Vec<Enrolment>,
    me: PersonId,
    /// The reader may hand the cohort to another facilitator.
    hand_over: bool,
    csrf: String,
    notice: Notice,
    sessions: Vec<SessionLine>,
    session_form: SessionForm,
    modes: &'static [(&'static str, &'static str)],
}

impl CohortPage {
    fn inside(&self) -> bool {
        matches!(
            self.ctx.state,
            Some(EnrolState::Enrolled | EnrolState::Waiting)
        )
    }

    fn full(&self) -> bool {
        self.ctx
            .cohort
            .capacity
            .is_some_and(|c| self.ctx.cohort.enrolled >= c)
    }
}

async fn show_cohort(state: &AppState, user: &User, id: CohortId, notice: Notice) -> PageResult {
    let ctx = ops::cohort(state, user, id).await.for_user(user)?;
    let today = state.today();
    let anchor = ctx.anchor();
    let (mut enrolled, mut waiting, mut removed) = (Vec::new(), Vec::new(), Vec::new());
    if ctx.see_people {
        for e in state.store.enrolments(id).await.for_user(user)? {
            match e.state {
                EnrolState::Enrolled => enrolled.push(e),
                EnrolState::Waiting => waiting.push(e),
                EnrolState::Removed if ctx.manage => removed.push(e),
                EnrolState::Removed => {}
            }
        }
    }
    let session_lines = if ctx.see_people {
        state
            .store
            .cohort_sessions(id)
            .await
            .for_user(user)?
            .iter()
            .map(|s| SessionLine::of(s, Some(&ctx.program.template), state.now()))
            .collect()
    } else {
        Vec::new()
    };
    let session_form = SessionForm {
        mode: "virtual".into(),
        time_zone: ctx.cohort.time_zone.clone(),
        starts: "15:00".into(),
        ends: "16:00".into(),
        ..SessionForm::default()
    };
    let next = if ctx.state == Some(EnrolState::Enrolled)
        || ctx.cohort.facilitator_id == Some(user.id())
    {
        next_for(&ctx.program, anchor, today)
    } else {
        None
    };
    let status = notice.status;
    let r = render(&CohortPage {
        nav: Nav::new(Some(user), "programs"),
        stages: views(&ctx.program.template, Some(anchor), Some(today)),
        next,
        enrolled,
        waiting,
        removed,
        me: user.id(),
        hand_over: ops::runs_programs(user),
        csrf: user.0.csrf_token.clone(),
        notice,
        sessions: session_lines,
        session_form,
        modes: MODES,
        ctx,
    });
    Ok(with_status(r, status))
}

async fn cohort_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<CohortId>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    show_cohort(&state, &user, id, q.notice()).await
}

async fn enrol(
    State(state): State<AppState>,
    Path(id): Path<CohortId>,
    f: CsrfForm<EnrolForm>,
) -> PageResult {
    match ops::enrol(&state, &f.user, id, &f.form).await {
        Ok(done) => Ok(see_other(&format!(
            "/cohorts/{id}?done=enrolled&enrolled={}&waiting={}&already={}",
            done.enrolled, done.waiting, done.already
        ))),
        Err(e) if shown(&e) => show_enrol(&state, &f.user, id, Notice::refused(&e), f.form).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

#[derive(Page)]
#[template(path = "programs/enrol.html")]
struct EnrolPage {
    nav: Nav,
    ctx: CohortCtx,
    facets: Facets,
    form: EnrolForm,
    csrf: String,
    notice: Notice,
}

/// The enrolment form on its own page: the directory's facets are counted only here, so
/// the cohort page stays fast with hundreds of people.
async fn show_enrol(
    state: &AppState,
    user: &User,
    id: CohortId,
    notice: Notice,
    form: EnrolForm,
) -> PageResult {
    let ctx = ops::cohort(state, user, id).await.for_user(user)?;
    ctx.require_manage().for_user(user)?;
    let status = notice.status;
    let r = render(&EnrolPage {
        nav: Nav::new(Some(user), "programs"),
        facets: state.store.facets().await.for_user(user)?,
        ctx,
        form,
        csrf: user.0.csrf_token.clone(),
        notice,
    });
    Ok(with_status(r, status))
}

async fn enrol_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<CohortId>,
) -> PageResult {
    show_enrol(&state, &user, id, Notice::default(), EnrolForm::default()).await
}

async fn set_facilitator(
    State(state): State<AppState>,
    Path(id): Path<CohortId>,
    f: CsrfForm<FacilitatorForm>,
) -> PageResult {
    match ops::set_facilitator(&state, &f.user, id, &f.form).await {
        Ok(_) => Ok(see_other(&format!("/cohorts/{id}?done=facilitator"))),
        Err(e) if shown(&e) => show_cohort(&state, &f.user, id, Notice::refused(&e)).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

#[derive(Deserialize)]
struct Empty {}

async fn join(
    State(state): State<AppState>,
    Path(id): Path<CohortId>,
    f: CsrfForm<Empty>,
) -> PageResult {
    match ops::join(&state, &f.user, id).await {
        Ok(EnrolState::Waiting) => Ok(see_other(&format!("/cohorts/{id}?done=waiting"))),
        Ok(_) => Ok(see_other(&format!("/cohorts/{id}?done=joined"))),
        Err(e) if shown(&e) => show_cohort(&state, &f.user, id, Notice::refused(&e)).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

async fn remove(
    State(state): State<AppState>,
    Path((id, person)): Path<(CohortId, PersonId)>,
    f: CsrfForm<Empty>,
) -> PageResult {
    match ops::unenrol(&state, &f.user, id, person).await {
        // Someone who left a cohort that is not open may no longer see it.
        Ok(_) if person == f.user.id() => Ok(see_other("/programs?done=left")),
        Ok(_) => Ok(see_other(&format!("/cohorts/{id}?done=removed"))),
        Err(e) if shown(&e) => show_cohort(&state, &f.user, id, Notice::refused(&e)).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

// ---- Calendars -------------------------------------------------------------------------

/// An `.ics` answer. Invitations carry their method in the content type, as iMIP does.
pub(super) fn ics_response(ics: String, filename: &str) -> Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let method = if ics.contains("\r\nMETHOD:CANCEL\r\n") {
        "; method=CANCEL"
    } else if ics.contains("\r\nMETHOD:REQUEST\r\n") {
        "; method=REQUEST"
    } else {
        ""
    };
    (
        [
            (
                header::CONTENT_TYPE,
                format!("text/calendar; charset=utf-8{method}"),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        ics,
    )
        .into_response()
}

// ---- Sessions --------------------------------------------------------------------------

/// A session in a list: when (in its own zone), how, and where it stands.
struct SessionLine {
    id: peerlab_store::SessionId,
    title: String,
    when: String,
    how: String,
    stage: String,
    cancelled: bool,
    past: bool,
}

/// "Tue 30 Nov 2026, 15:00–16:00 Europe/London" (an asynchronous session: its days).
fn when(s: &peerlab_store::Session) -> String {
    let tz = program::zone(&s.time_zone).unwrap_or(chrono_tz::UTC);
    let at = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .with_timezone(&tz)
    };
    let (a, b) = (at(s.starts_at), at(s.ends_at));
    if a.date_naive() == b.date_naive() {
        format!(
            "{}, {}–{} {}",
            a.format("%a %-d %b %Y"),
            a.format("%H:%M"),
            b.format("%H:%M"),
            tz.name()
        )
    } else {
        format!(
            "{} {} – {} {} {}",
            a.format("%a %-d %b"),
            a.format("%H:%M"),
            b.format("%a %-d %b %Y"),
            b.format("%H:%M"),
            tz.name()
        )
    }
}

impl SessionLine {
    fn of(s: &peerlab_store::Session, template: Option<&Template>, now: i64) -> Self {
        let stage = s
            .stage
            .zip(template)
            .and_then(|(i, t)| t.stages.get(i as usize))
            .map(|st| st.name.clone())
            .unwrap_or_default();
        let how = match s.mode {
            program::SessionMode::InPerson => format!("In person · {}", s.place),
            program::SessionMode::Virtual if s.place.is_empty() => {
                "Virtual · link to come".to_string()
            }
            program::SessionMode::Virtual => "Virtual".to_string(),
            program::SessionMode::Async => "Asynchronous".to_string(),
        };
        SessionLine {
            id: s.id,
            title: s.title.clone(),
            when: when(s),
            how,
            stage,
            cancelled: s.cancelled,
            past: s.ends_at < now,
        }
    }
}

const MODES: &[(&str, &str)] = &[
    ("virtual", "Virtual (a video link)"),
    ("in_person", "In person (a place)"),
    ("async", "Asynchronous (a window of days)"),
];

async fn schedule_for_cohort(
    State(state): State<AppState>,
    Path(id): Path<CohortId>,
    f: CsrfForm<SessionForm>,
) -> PageResult {
    match sessions::schedule_for_cohort(&state, &f.user, id, &f.form).await {
        Ok(s) => Ok(see_other(&format!("/sessions/{s}?done=session"))),
        Err(e) if shown(&e) => show_cohort(&state, &f.user, id, Notice::refused(&e)).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

#[derive(Page)]
#[template(path = "programs/session.html")]
struct SessionPage {
    nav: Nav,
    ctx: SessionCtx,
    line: SessionLine,
    back: (String, String),
    form: SessionForm,
    modes: &'static [(&'static str, &'static str)],
    answers: &'static [program::Rsvp],
    csrf: String,
    notice: Notice,
    /// The open check-in: its code, until when, and its QR code as SVG (facilitators).
    checkin: Option<(String, String, String)>,
    /// Check-in is open and the reader, a participant, has not checked in.
    may_check_in: bool,
    roster: Vec<sessions::RosterLine>,
    statuses: &'static [program::Attendance],
    started: bool,
    mine: Option<program::Attendance>,
    board: Option<agenda::BoardView>,
    /// The board form's defaults: closing the evening before the session.
    board_closes: (String, String),
    me: PersonId,
}

impl SessionPage {
    fn chosen(&self, answer: &program::Rsvp) -> bool {
        self.ctx.rsvp == Some(*answer)
    }

    fn own(&self, topic: &peerlab_store::Topic) -> bool {
        topic.author_id == Some(self.me)
    }

    fn is(line: &sessions::RosterLine, status: &program::Attendance) -> bool {
        line.status == Some(*status)
    }
}

async fn show_session(
    state: &AppState,
    user: &User,
    id: peerlab_store::SessionId,
    notice: Notice,
    form: Option<SessionForm>,
) -> PageResult {
    let ctx = sessions::session(state, user, id).await.for_user(user)?;
    let (line, back) = match &ctx.cohort {
        Some(c) => (
            SessionLine::of(&ctx.session, Some(&c.program.template), state.now()),
            (
                format!("/cohorts/{}", c.cohort.id),
                format!("{} · {}", c.program.name, c.cohort.name),
            ),
        ),
        None => (
            SessionLine::of(&ctx.session, None, state.now()),
            (
                format!("/spaces/{}/sessions", ctx.session.space_id),
                ctx.session.space_name.clone(),
            ),
        ),
    };
    let form = form.unwrap_or_else(|| sessions::form_of(&ctx.session));
    let window = sessions::open_window(state, id).await.for_user(user)?;
    let roster = if ctx.manage || ctx.invited {
        sessions::roster(state, &ctx.session).await.for_user(user)?
    } else {
        Vec::new()
    };
    let mine = roster
        .iter()
        .find(|l| l.person_id == user.id())
        .and_then(|l| l.status);
    let participant = match &ctx.cohort {
        Some(c) => c.state == Some(EnrolState::Enrolled),
        None => ctx.may_answer,
    };
    let may_check_in = window.is_some() && participant && mine.is_none();
    let checkin = match (&window, ctx.manage) {
        (Some((code, until)), true) => {
            let url = format!("{}/check-in?code={code}", state.config.public_url);
            Some((
                code.clone(),
                clock_in(*until, &ctx.session.time_zone),
                qr_svg(&url),
            ))
        }
        _ => None,
    };
    let started = ctx.session.starts_at <= state.now();
    let roster = if ctx.manage { roster } else { Vec::new() };
    let board = agenda::view(state, user, &ctx).await.for_user(user)?;
    let board_closes = {
        let tz = program::zone(&ctx.session.time_zone).unwrap_or(chrono_tz::UTC);
        let day_before =
            chrono::DateTime::from_timestamp_millis(ctx.session.starts_at - 86_400_000)
                .unwrap_or_default()
                .with_timezone(&tz);
        (
            day_before.format("%Y-%m-%d").to_string(),
            "18:00".to_string(),
        )
    };
    let status = notice.status;
    let r = render(&SessionPage {
        nav: Nav::new(Some(user), "programs"),
        line,
        back,
        form,
        modes: MODES,
        answers: program::Rsvp::ALL,
        checkin,
        may_check_in,
        roster,
        statuses: program::Attendance::ALL,
        started,
        mine,
        board,
        board_closes,
        me: user.id(),
        csrf: user.0.csrf_token.clone(),
        notice,
        ctx,
    });
    Ok(with_status(r, status))
}

async fn session_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<peerlab_store::SessionId>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    show_session(&state, &user, id, q.notice(), None).await
}

async fn edit_session(
    State(state): State<AppState>,
    Path(id): Path<peerlab_store::SessionId>,
    f: CsrfForm<SessionForm>,
) -> PageResult {
    match sessions::edit(&state, &f.user, id, &f.form).await {
        Ok(()) => Ok(see_other(&format!("/sessions/{id}?done=changed"))),
        Err(e) if shown(&e) => {
            show_session(&state, &f.user, id, Notice::refused(&e), Some(f.form)).await
        }
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

async fn cancel_session(
    State(state): State<AppState>,
    Path(id): Path<peerlab_store::SessionId>,
    f: CsrfForm<Empty>,
) -> PageResult {
    match sessions::cancel(&state, &f.user, id).await {
        Ok(()) => Ok(see_other(&format!("/sessions/{id}?done=cancelled"))),
        Err(e) if shown(&e) => show_session(&state, &f.user, id, Notice::refused(&e), None).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

#[derive(Deserialize)]
struct RsvpForm {
    answer: String,
}

async fn rsvp(
    State(state): State<AppState>,
    Path(id): Path<peerlab_store::SessionId>,
    f: CsrfForm<RsvpForm>,
) -> PageResult {
    match sessions::rsvp(&state, &f.user, id, &f.form.answer).await {
        Ok(a) => Ok(see_other(&format!("/sessions/{id}?done={}", a.as_str()))),
        Err(e) if shown(&e) => show_session(&state, &f.user, id, Notice::refused(&e), None).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

async fn invitation(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<peerlab_store::SessionId>,
) -> PageResult {
    let ics = super::ops::invitations::invitation(&state, &user, id)
        .await
        .for_user(&user)?;
    Ok(ics_response(ics, &format!("session-{id}.ics")))
}

#[derive(Page)]
#[template(path = "programs/space_sessions.html")]
struct SpaceSessionsPage {
    nav: Nav,
    space_id: peerlab_store::SpaceId,
    space_name: String,
    sessions: Vec<SessionLine>,
    manage: bool,
    form: SessionForm,
    modes: &'static [(&'static str, &'static str)],
    csrf: String,
    notice: Notice,
}

async fn show_space_sessions(
    state: &AppState,
    user: &User,
    id: peerlab_store::SpaceId,
    notice: Notice,
    form: Option<SessionForm>,
) -> PageResult {
    let ctx = crate::spaces::ops::space(state, user, id)
        .await
        .for_user(user)?;
    let list = state
        .store
        .space_sessions(id)
        .await
        .for_user(user)?
        .iter()
        .map(|s| SessionLine::of(s, None, state.now()))
        .collect();
    let zone = state
        .store
        .person(user.id())
        .await
        .for_user(user)?
        .map(|p| p.time_zone)
        .filter(|z| !z.is_empty())
        .unwrap_or_else(|| "UTC".into());
    let status = notice.status;
    let r = render(&SpaceSessionsPage {
        nav: Nav::new(Some(user), "spaces"),
        space_id: id,
        space_name: ctx.space.name.clone(),
        sessions: list,
        manage: ctx.access.moderate,
        form: form.unwrap_or(SessionForm {
            mode: "virtual".into(),
            time_zone: zone,
            starts: "12:30".into(),
            ends: "13:15".into(),
            ..SessionForm::default()
        }),
        modes: MODES,
        csrf: user.0.csrf_token.clone(),
        notice,
    });
    Ok(with_status(r, status))
}

/// A space's sessions. A cohort channel's are its cohort's, on the cohort's page.
async fn space_sessions(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<peerlab_store::SpaceId>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    crate::spaces::ops::space(&state, &user, id)
        .await
        .for_user(&user)?;
    if let Some(cohort) = state.store.cohort_of_space(id).await.for_user(&user)? {
        return Ok(see_other(&format!("/cohorts/{cohort}#sessions-h")));
    }
    show_space_sessions(&state, &user, id, q.notice(), None).await
}

async fn schedule_for_space(
    State(state): State<AppState>,
    Path(id): Path<peerlab_store::SpaceId>,
    f: CsrfForm<SessionForm>,
) -> PageResult {
    match sessions::schedule_for_space(&state, &f.user, id, &f.form).await {
        Ok(s) => Ok(see_other(&format!("/sessions/{s}?done=session"))),
        Err(e) if shown(&e) => {
            show_space_sessions(&state, &f.user, id, Notice::refused(&e), Some(f.form)).await
        }
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

async fn new_feed(State(state): State<AppState>, f: CsrfForm<Empty>) -> PageResult {
    let url = sessions::new_feed(&state, &f.user)
        .await
        .for_user(&f.user)?;
    Ok(render(&crate::kit::page::SecretPage {
        nav: Nav::new(Some(&f.user), "programs"),
        heading: "Your calendar feed".into(),
        message: "Subscribe to this address in your calendar (Outlook: Add calendar → From internet; Google: Other calendars → From URL). It lists every session you are invited to, with a reminder 30 minutes before. Anyone with the address can read it: revoke it on the Programs page if it leaks.".into(),
        secret: url,
        back_href: "/programs".into(),
        back_label: "Back to programs".into(),
    }))
}

async fn revoke_feed(State(state): State<AppState>, f: CsrfForm<Empty>) -> PageResult {
    sessions::revoke_feed(&state, &f.user)
        .await
        .for_user(&f.user)?;
    Ok(see_other("/programs?done=feed-revoked"))
}

// ---- Attendance ------------------------------------------------------------------------

fn clock_in(ms: i64, tz: &str) -> String {
    let tz = program::zone(tz).unwrap_or(chrono_tz::UTC);
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&tz)
        .format("%H:%M")
        .to_string()
}

/// The check-in link as a QR code, in SVG, sized to be scanned from across a room.
fn qr_svg(url: &str) -> String {
    use qrcode::render::svg;
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => code
            .render::<svg::Color<'_>>()
            .min_dimensions(240, 240)
            .dark_color(svg::Color("#111827"))
            .light_color(svg::Color("#ffffff"))
            .build(),
        Err(_) => String::new(),
    }
}

async fn open_checkin(
    State(state): State<AppState>,
    Path(id): Path<peerlab_store::SessionId>,
    f: CsrfForm<Empty>,
) -> PageResult {
    match sessions::open_checkin(&state, &f.user, id).await {
        Ok(_) => Ok(see_other(&format!(
            "/sessions/{id}?done=check-in-open#check-in"
        ))),
        Err(e) if shown(&e) => show_session(&state, &f.user, id, Notice::refused(&e), None).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

async fn close_checkin(
    State(state): State<AppState>,
    Path(id): Path<peerlab_store::SessionId>,
    f: CsrfForm<Empty>,
) -> PageResult {
    sessions::close_checkin(&state, &f.user, id)
        .await
        .for_user(&f.user)?;
    Ok(see_other(&format!(
        "/sessions/{id}?done=check-in-closed#check-in"
    )))
}

#[derive(Deserialize)]
struct MarkForm {
    status: String,
}

async fn mark(
    State(state): State<AppState>,
    Path((id, person)): Path<(peerlab_store::SessionId, PersonId)>,
    f: CsrfForm<MarkForm>,
) -> PageResult {
    match sessions::mark(&state, &f.user, id, person, &f.form.status).await {
        Ok(_) => Ok(see_other(&format!("/sessions/{id}?done=marked#attendance"))),
        Err(e) if shown(&e) => show_session(&state, &f.user, id, Notice::refused(&e), None).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

#[derive(Deserialize, Default)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

#[derive(Page)]
#[template(path = "programs/check_in.html")]
struct CheckInPage {
    nav: Nav,
    code: String,
    csrf: String,
    notice: Notice,
}

/// The phone page a QR code opens: the code filled in, one button.
async fn check_in_page(user: User, Query(q): Query<CodeForm>) -> PageResult {
    let code: String = q
        .code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(12)
        .collect();
    Ok(render(&CheckInPage {
        nav: Nav::new(Some(&user), "programs"),
        csrf: user.0.csrf_token.clone(),
        code,
        notice: Notice::default(),
    }))
}

async fn check_in(State(state): State<AppState>, f: CsrfForm<CodeForm>) -> PageResult {
    match sessions::check_in(&state, &f.user, &f.form.code).await {
        Ok(id) => Ok(see_other(&format!("/sessions/{id}?done=checked-in"))),
        Err(e) if shown(&e) || e.kind == Kind::Forbidden => {
            let notice = Notice::refused(&e);
            let status = notice.status;
            let r = render(&CheckInPage {
                nav: Nav::new(Some(&f.user), "programs"),
                csrf: f.user.0.csrf_token.clone(),
                code: f
                    .form
                    .code
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .take(12)
                    .collect(),
                notice,
            });
            Ok(with_status(r, status))
        }
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

// ---- Agenda boards ---------------------------------------------------------------------

async fn open_board(
    State(state): State<AppState>,
    Path(id): Path<peerlab_store::SessionId>,
    f: CsrfForm<BoardForm>,
) -> PageResult {
    match agenda::open(&state, &f.user, id, &f.form).await {
        Ok(()) => Ok(see_other(&format!("/sessions/{id}?done=board#board"))),
        Err(e) if shown(&e) => show_session(&state, &f.user, id, Notice::refused(&e), None).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

async fn close_board(
    State(state): State<AppState>,
    Path(id): Path<peerlab_store::SessionId>,
    f: CsrfForm<Empty>,
) -> PageResult {
    match agenda::close_now(&state, &f.user, id).await {
        Ok(()) => Ok(see_other(&format!(
            "/sessions/{id}?done=board-closed#board"
        ))),
        Err(e) if shown(&e) => show_session(&state, &f.user, id, Notice::refused(&e), None).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

async fn suggest(
    State(state): State<AppState>,
    Path(id): Path<peerlab_store::SessionId>,
    f: CsrfForm<TopicForm>,
) -> PageResult {
    match agenda::suggest(&state, &f.user, id, &f.form).await {
        Ok(_) => Ok(see_other(&format!("/sessions/{id}?done=suggested#board"))),
        Err(e) if shown(&e) => show_session(&state, &f.user, id, Notice::refused(&e), None).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

/// A vote's refusal is shown on the session page, which the topic names.
async fn after_topic(state: &AppState, user: User, topic: i64, e: Error) -> PageResult {
    match state.store.topic_session(topic).await {
        Ok(Some(sid)) if shown(&e) => {
            show_session(state, &user, sid, Notice::refused(&e), None).await
        }
        _ => Err(PageError::new(Some(user), e)),
    }
}

async fn vote(
    State(state): State<AppState>,
    Path(topic): Path<i64>,
    f: CsrfForm<Empty>,
) -> PageResult {
    match agenda::vote(&state, &f.user, topic).await {
        Ok(sid) => Ok(see_other(&format!("/sessions/{sid}?done=voted#board"))),
        Err(e) => after_topic(&state, f.user, topic, e).await,
    }
}

async fn unvote(
    State(state): State<AppState>,
    Path(topic): Path<i64>,
    f: CsrfForm<Empty>,
) -> PageResult {
    match agenda::unvote(&state, &f.user, topic).await {
        Ok(sid) => Ok(see_other(&format!("/sessions/{sid}?done=unvoted#board"))),
        Err(e) => after_topic(&state, f.user, topic, e).await,
    }
}

async fn set_owner(
    State(state): State<AppState>,
    Path(topic): Path<i64>,
    f: CsrfForm<OwnerForm>,
) -> PageResult {
    match agenda::set_owner(&state, &f.user, topic, &f.form).await {
        Ok(sid) => Ok(see_other(&format!("/sessions/{sid}?done=owner#board"))),
        Err(e) => after_topic(&state, f.user, topic, e).await,
    }
}
