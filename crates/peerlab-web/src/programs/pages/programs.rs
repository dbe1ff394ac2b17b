//! Programs and cohorts: the list with what's next for me, a program's timeline and
//! cohorts, a cohort with its people, enrolment, hand-over, joining and leaving.

use super::*;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/programs", get(programs).post(start))
        .route("/programs/{id}", get(program_page))
        .route("/programs/{id}/anchor", post(move_anchor))
        .route("/programs/{id}/cohorts", post(add_cohort))
        .route("/cohorts/{id}", get(cohort_page))
        .route("/cohorts/{id}/enrol", get(enrol_page).post(enrol))
        .route("/cohorts/{id}/facilitator", post(set_facilitator))
        .route("/cohorts/{id}/join", post(join))
        .route("/cohorts/{id}/people/{person}/remove", post(remove))
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

pub(super) async fn show_cohort(
    state: &AppState,
    user: &User,
    id: CohortId,
    notice: Notice,
) -> PageResult {
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
