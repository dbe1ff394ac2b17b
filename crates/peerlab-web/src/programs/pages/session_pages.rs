//! Sessions: a session's page, its invitation, a space's sessions, the calendar feed, and
//! attendance (check-in with a code or a QR code, a facilitator's marks).

use super::*;
use crate::programs::ops::sessions::when;

pub(super) fn router() -> Router<AppState> {
    Router::new()
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

// ---- Sessions --------------------------------------------------------------------------

/// A session in a list: when (in its own zone), how, and where it stands.
pub(super) struct SessionLine {
    pub(super) id: peerlab_store::SessionId,
    pub(super) title: String,
    pub(super) when: String,
    pub(super) how: String,
    pub(super) stage: String,
    pub(super) cancelled: bool,
    pub(super) past: bool,
}

impl SessionLine {
    pub(super) fn of(s: &peerlab_store::Session, template: Option<&Template>, now: i64) -> Self {
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

pub(super) const MODES: &[(&str, &str)] = &[
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

pub(super) async fn show_session(
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
