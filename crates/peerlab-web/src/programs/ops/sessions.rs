//! Sessions: a cohort's, planned from its template and placed in its stages, and those any
//! space holds (a lunch-and-learn, a monthly meet-up) with RSVPs; their invitations and
//! each person's calendar feed.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use peerlab_core::program::{self, ActivityKind, EnrolState, Rsvp, SessionMode, Template};
use peerlab_store::{
    CohortId, NewSession, NewTimes, Program, ProgramId, Session, SessionDetails, SessionId, SpaceId,
};
use serde::Deserialize;

use super::{cohort, CohortCtx};
use crate::error::Error;
use crate::kit::secret::{new_secret, sha256_hex};
use crate::kit::session::User;
use crate::programs::calendar;
use crate::spaces::ops as spaces;
use crate::AppState;

/// A new session id for calendars: random, never reused, never changed.
pub fn new_uid(public_url: &str) -> String {
    let host = public_url
        .split("://")
        .nth(1)
        .and_then(|r| r.split(['/', ':']).next())
        .filter(|h| !h.is_empty())
        .unwrap_or("peerlab");
    format!("session-{}@{host}", &new_secret()[..20])
}

/// The sessions a cohort starts with: one per session of its template, on the activity's
/// day at [`program::DEFAULT_START`] in the cohort's zone, lasting the activity's minutes, with
/// the stage's pre-work. Virtual, until the facilitator adds a link or a place.
pub fn plan(
    template: &Template,
    anchor: NaiveDate,
    tz: chrono_tz::Tz,
) -> Vec<(i64, SessionDetails)> {
    let schedule = program::schedule(template, anchor);
    let mut out = Vec::new();
    for (s, stage) in template.stages.iter().enumerate() {
        let prework: Vec<String> = stage
            .activities
            .iter()
            .filter(|a| a.kind == ActivityKind::PreWork)
            .map(|a| format!("{}: {}", a.title, a.detail))
            .collect();
        for (a, act) in stage.activities.iter().enumerate() {
            if act.kind != ActivityKind::Session {
                continue;
            }
            let day = schedule[s].activities[a].on;
            let (h, m) = program::DEFAULT_START;
            let local = day.and_hms_opt(h, m, 0).unwrap_or_default();
            let (local, starts) = program::moved(local, 0, tz);
            let minutes = i64::from(act.minutes.unwrap_or(60));
            out.push((
                s as i64,
                SessionDetails {
                    title: act.title.clone(),
                    mode: SessionMode::Virtual,
                    place: String::new(),
                    prework: prework.join("\n"),
                    time_zone: tz.name().to_string(),
                    local_start: program::local_text(local),
                    starts_at: starts.timestamp_millis(),
                    ends_at: starts.timestamp_millis() + minutes * 60_000,
                    capacity: None,
                },
            ));
        }
    }
    out
}

/// A session as typed in a form or sent to the API.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct SessionForm {
    pub title: String,
    pub mode: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub prework: String,
    /// The first day (YYYY-MM-DD).
    pub date: String,
    /// HH:MM, local.
    pub starts: String,
    /// HH:MM, local, on `end_date` (default: `date`).
    pub ends: String,
    /// An asynchronous session's last day; empty means `date`.
    #[serde(default)]
    pub end_date: String,
    pub time_zone: String,
    #[serde(default)]
    pub capacity: String,
}

/// A checked session, with its local start and end for the stage check.
struct Checked {
    details: SessionDetails,
    first_day: NaiveDate,
    last_day: NaiveDate,
}

fn check(form: &SessionForm) -> Result<Checked, Error> {
    let mode = SessionMode::parse(&form.mode)?;
    let tz = program::zone(&form.time_zone)?;
    let first_day = program::day("date", &form.date)?;
    let last_day = if form.end_date.trim().is_empty() {
        first_day
    } else {
        program::day("end_date", &form.end_date)?
    };
    let start_local: NaiveDateTime =
        first_day.and_time(program::clock_time("starts", &form.starts)?);
    let end_local: NaiveDateTime = last_day.and_time(program::clock_time("ends", &form.ends)?);
    let starts = program::instant("starts", start_local, tz)?;
    let ends = program::instant("ends", end_local, tz)?;
    if ends <= starts {
        return Err(Error::invalid(
            "ends",
            format!(
                "ends: the session ends ({}) before it starts ({})",
                end_local.format("%Y-%m-%d %H:%M"),
                start_local.format("%Y-%m-%d %H:%M")
            ),
        ));
    }
    if (ends - starts).num_days() >= program::MAX_SESSION_DAYS {
        return Err(Error::invalid(
            "end_date",
            format!(
                "end_date: a session lasts less than {} days",
                program::MAX_SESSION_DAYS
            ),
        ));
    }
    Ok(Checked {
        details: SessionDetails {
            title: program::session_title(&form.title)?,
            place: program::place(mode, &form.place)?,
            mode,
            prework: program::prework(&form.prework)?,
            time_zone: tz.name().to_string(),
            local_start: program::local_text(start_local),
            starts_at: starts.timestamp_millis(),
            ends_at: ends.timestamp_millis(),
            capacity: program::capacity(&form.capacity)?,
        },
        first_day,
        last_day,
    })
}

/// The stage of a cohort whose dates hold the whole session.
fn stage_of(ctx: &CohortCtx, c: &Checked) -> Result<i64, Error> {
    let plan = program::schedule(&ctx.program.template, ctx.anchor());
    plan.iter()
        .find(|s| s.starts <= c.first_day && c.last_day <= s.ends)
        .map(|s| s.position as i64)
        .ok_or_else(|| {
            let stages: Vec<String> = plan
                .iter()
                .map(|s| {
                    format!(
                        "{} {} – {}",
                        ctx.program.template.stages[s.position].name,
                        s.starts.format("%-d %b"),
                        s.ends.format("%-d %b %Y")
                    )
                })
                .collect();
            Error::invalid(
                "date",
                format!(
                    "date: {} is outside every stage of this cohort; a session belongs to one stage ({})",
                    if c.first_day == c.last_day { c.first_day.to_string() } else { format!("{} – {}", c.first_day, c.last_day) },
                    stages.join("; ")
                ),
            )
        })
}

pub async fn schedule_for_cohort(
    state: &AppState,
    user: &User,
    id: CohortId,
    form: &SessionForm,
) -> Result<SessionId, Error> {
    let ctx = cohort(state, user, id).await?;
    ctx.require_manage()?;
    let c = check(form)?;
    let stage = stage_of(&ctx, &c)?;
    let new = NewSession {
        uid: new_uid(&state.config.public_url),
        space_id: ctx.cohort.space_id,
        cohort_id: Some(id),
        stage: Some(stage),
        organizer: ctx.cohort.facilitator_id.unwrap_or(user.id()),
        details: c.details,
    };
    let id = state.store.schedule_session(&new, state.now()).await?;
    organised(state, user, id, peerlab_core::space::Visibility::Private).await;
    Ok(id)
}

/// Records the xAPI `organised` statement of a new session.
async fn organised(
    state: &AppState,
    user: &User,
    id: SessionId,
    visibility: peerlab_core::space::Visibility,
) {
    if let Ok(Some(s)) = state.store.session(id).await {
        let action = crate::lrs::social::Action::Organised {
            space: crate::lrs::social::SpaceRef {
                id: s.space_id,
                name: s.space_name.clone(),
                visibility,
            },
            session: id,
            title: s.title,
        };
        crate::lrs::social::record(state, user, action).await;
    }
}

/// A session in a space: its facilitators and moderators hold them.
pub async fn schedule_for_space(
    state: &AppState,
    user: &User,
    id: SpaceId,
    form: &SessionForm,
) -> Result<SessionId, Error> {
    let ctx = spaces::space(state, user, id).await?;
    ctx.require_moderator()?;
    let c = check(form)?;
    let new = NewSession {
        uid: new_uid(&state.config.public_url),
        space_id: id,
        cohort_id: None,
        stage: None,
        organizer: user.id(),
        details: c.details,
    };
    let session = state.store.schedule_session(&new, state.now()).await?;
    organised(state, user, session, ctx.space.visibility).await;
    Ok(session)
}

/// A session as its reader sees it.
pub struct SessionCtx {
    pub session: Session,
    /// The cohort it belongs to, if any.
    pub cohort: Option<CohortCtx>,
    /// The reader may change or cancel it.
    pub manage: bool,
    /// The reader is invited (enrolled in its cohort, or answered going or maybe).
    pub invited: bool,
    /// The reader's answer, for a space's session.
    pub rsvp: Option<Rsvp>,
    /// The reader may answer (a member of the session's space).
    pub may_answer: bool,
    /// Its space's visibility (statements stay out of confidential spaces).
    pub visibility: peerlab_core::space::Visibility,
}

/// A session, for whoever may read its cohort (its participants and those who manage it) or
/// its space; anyone else gets a 404, as for a space.
pub async fn session(state: &AppState, user: &User, id: SessionId) -> Result<SessionCtx, Error> {
    let session = state
        .store
        .session(id)
        .await?
        .ok_or_else(|| Error::not_found("session"))?;
    if let Some(cohort_id) = session.cohort_id {
        let ctx = cohort(state, user, cohort_id)
            .await
            .map_err(|_| Error::not_found("session"))?;
        let inside = matches!(ctx.state, Some(EnrolState::Enrolled | EnrolState::Waiting));
        if !ctx.manage && !inside {
            return Err(Error::not_found("session"));
        }
        Ok(SessionCtx {
            manage: ctx.manage,
            invited: ctx.state == Some(EnrolState::Enrolled),
            rsvp: None,
            may_answer: false,
            visibility: peerlab_core::space::Visibility::Private,
            cohort: Some(ctx),
            session,
        })
    } else {
        let ctx = spaces::space(state, user, session.space_id)
            .await
            .map_err(|_| Error::not_found("session"))?;
        let rsvp = state.store.rsvp_of(id, user.id()).await?;
        Ok(SessionCtx {
            manage: ctx.access.moderate || session.organizer_id == Some(user.id()),
            invited: matches!(rsvp, Some(Rsvp::Going | Rsvp::Maybe)),
            rsvp,
            may_answer: ctx.access.member,
            visibility: ctx.space.visibility,
            cohort: None,
            session,
        })
    }
}

impl SessionCtx {
    pub fn require_manage(&self) -> Result<(), Error> {
        if self.manage {
            Ok(())
        } else {
            Err(Error::forbidden(
                "only the session's facilitators may change it",
            ))
        }
    }
}

/// The session as a form, to edit it.
pub fn form_of(s: &Session) -> SessionForm {
    let start = program::parse_local(&s.local_start).unwrap_or_default();
    let tz = program::zone(&s.time_zone).unwrap_or(chrono_tz::UTC);
    let end = DateTime::<Utc>::from_timestamp_millis(s.ends_at)
        .unwrap_or_default()
        .with_timezone(&tz)
        .naive_local();
    SessionForm {
        title: s.title.clone(),
        mode: s.mode.as_str().to_string(),
        place: s.place.clone(),
        prework: s.prework.clone(),
        date: start.date().to_string(),
        starts: start.format("%H:%M").to_string(),
        ends: end.format("%H:%M").to_string(),
        end_date: if end.date() == start.date() {
            String::new()
        } else {
            end.date().to_string()
        },
        time_zone: s.time_zone.clone(),
        capacity: s.capacity.map(|c| c.to_string()).unwrap_or_default(),
    }
}

/// Changes a session; everyone invited is owed the updated invitation (same UID, a higher
/// SEQUENCE). A cohort's session stays inside one of its stages.
pub async fn edit(
    state: &AppState,
    user: &User,
    id: SessionId,
    form: &SessionForm,
) -> Result<(), Error> {
    let ctx = session(state, user, id).await?;
    ctx.require_manage()?;
    if ctx.session.ends_at < state.now() {
        return Err(Error::conflict(
            "this session is over; it can no longer change",
        ));
    }
    let c = check(form)?;
    if let Some(cohort) = &ctx.cohort {
        stage_of(cohort, &c)?;
    }
    Ok(state
        .store
        .update_session(id, &c.details, user.id(), state.now())
        .await?)
}

pub async fn cancel(state: &AppState, user: &User, id: SessionId) -> Result<(), Error> {
    let ctx = session(state, user, id).await?;
    ctx.require_manage()?;
    Ok(state
        .store
        .cancel_session(id, user.id(), state.now())
        .await?)
}

/// Answers a space session's invitation.
pub async fn rsvp(
    state: &AppState,
    user: &User,
    id: SessionId,
    answer: &str,
) -> Result<Rsvp, Error> {
    let ctx = session(state, user, id).await?;
    if ctx.cohort.is_some() {
        return Err(Error::conflict(
            "a cohort's participants are invited by their enrolment; there is nothing to answer",
        ));
    }
    if !ctx.may_answer {
        return Err(Error::forbidden(
            "join the space before you answer its sessions",
        ));
    }
    let answer = Rsvp::parse(answer)?;
    state.store.rsvp(id, user.id(), answer, state.now()).await?;
    Ok(answer)
}

/// Makes (or remakes) the reader's private feed URL; the old one stops working.
pub async fn new_feed(state: &AppState, user: &User) -> Result<String, Error> {
    let secret = new_secret();
    state
        .store
        .set_calendar_feed(user.id(), &sha256_hex(&secret), state.now())
        .await?;
    Ok(format!("{}/calendar/{secret}.ics", state.config.public_url))
}

pub async fn revoke_feed(state: &AppState, user: &User) -> Result<(), Error> {
    if !state.store.revoke_calendar_feed(user.id()).await? {
        return Err(Error::not_found("calendar feed"));
    }
    Ok(())
}

/// The feed behind a secret, or 404 (unknown or revoked).
pub async fn feed(state: &AppState, secret: &str) -> Result<String, Error> {
    let secret = secret.strip_suffix(".ics").unwrap_or(secret);
    let person_id = state
        .store
        .calendar_feed_person(&sha256_hex(secret))
        .await?
        .ok_or_else(|| Error::not_found("calendar feed"))?;
    let person = state
        .store
        .person(person_id)
        .await?
        .ok_or_else(|| Error::not_found("calendar feed"))?;
    let mut sessions = Vec::new();
    for s in state.store.person_sessions(person_id).await? {
        let last = state.store.last_message(s.id, person_id).await?;
        let cancelled = s.cancelled || last.is_some_and(|m| m.method == "CANCEL");
        sessions.push((s, cancelled));
    }
    let stamp = DateTime::<Utc>::from_timestamp_millis(state.now()).unwrap_or_default();
    Ok(calendar::feed(
        &sessions,
        &person.name,
        stamp,
        &state.config.public_url,
    ))
}

/// The new times of a program's sessions when its moment moves by `days`: each keeps its
/// wall-clock time in its zone and its length.
pub fn moved_times(sessions: &[Session], days: i64) -> Vec<NewTimes> {
    sessions
        .iter()
        .filter(|s| !s.cancelled)
        .filter_map(|s| {
            let local = program::parse_local(&s.local_start)?;
            let tz = program::zone(&s.time_zone).ok()?;
            let (local, starts) = program::moved(local, days, tz);
            let starts = starts.timestamp_millis();
            Some(NewTimes {
                id: s.id,
                local_start: program::local_text(local),
                starts_at: starts,
                ends_at: starts + (s.ends_at - s.starts_at),
            })
        })
        .collect()
}

/// Moves a program's moment: every cohort's dates and sessions move with it, and everyone
/// invited is owed an updated invitation, in one transaction.
pub async fn move_moment(
    state: &AppState,
    program: &Program,
    anchor: NaiveDate,
) -> Result<(), Error> {
    let days = (anchor - program.anchor).num_days();
    let sessions = state.store.program_sessions(program.id).await?;
    let times = moved_times(&sessions, days);
    Ok(state
        .store
        .reschedule_program(program.id, anchor, &times, state.now())
        .await?)
}

/// Who a program id names, for the API's checks.
pub async fn program_by_id(state: &AppState, id: ProgramId) -> Result<Program, Error> {
    state
        .store
        .program(id)
        .await?
        .ok_or_else(|| Error::not_found("program"))
}

// ---- Attendance -------------------------------------------------------------------------

fn draw_code() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..program::CHECKIN_CODE_LEN)
        .map(|_| {
            char::from(program::CHECKIN_ALPHABET[rng.gen_range(0..program::CHECKIN_ALPHABET.len())])
        })
        .collect()
}

fn clock(ms: i64, tz: &str) -> String {
    let tz = program::zone(tz).unwrap_or(chrono_tz::UTC);
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&tz)
        .format("%H:%M")
        .to_string()
}

/// Opens check-in for [`program::CHECKIN_MINUTES`] with a fresh code.
pub async fn open_checkin(
    state: &AppState,
    user: &User,
    id: SessionId,
) -> Result<(String, i64), Error> {
    let ctx = session(state, user, id).await?;
    ctx.require_manage()?;
    if ctx.session.mode == SessionMode::Async {
        return Err(Error::conflict(
            "an asynchronous session has no check-in: answering its prompt in the window counts as attending",
        ));
    }
    let now = state.now();
    if ctx.session.ends_at + 3_600_000 < now {
        return Err(Error::conflict(
            "this session ended more than an hour ago; mark attendance instead",
        ));
    }
    let until = now + program::CHECKIN_MINUTES * 60_000;
    for _ in 0..8 {
        let code = draw_code();
        match state
            .store
            .open_checkin(id, &code, until, user.id(), now)
            .await
        {
            Ok(()) => return Ok((code, until)),
            Err(peerlab_store::StoreError::Conflict(m)) if m.contains("in use") => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::conflict(
        "could not draw a free check-in code; try again",
    ))
}

pub async fn close_checkin(state: &AppState, user: &User, id: SessionId) -> Result<(), Error> {
    let ctx = session(state, user, id).await?;
    ctx.require_manage()?;
    Ok(state.store.close_checkin(id).await?)
}

/// The open check-in of a session, for its facilitators' page.
pub async fn open_window(state: &AppState, id: SessionId) -> Result<Option<(String, i64)>, Error> {
    Ok(state
        .store
        .checkin_window(id)
        .await?
        .and_then(|(code, until)| until.filter(|u| *u > state.now()).map(|u| (code, u))))
}

/// Checks the signed-in person in with the code shown in the room: once, while check-in is
/// open, and only if they are a participant (a cohort's enrolled people, a space's members).
pub async fn check_in(state: &AppState, user: &User, raw: &str) -> Result<SessionId, Error> {
    let code = program::checkin_code(raw)?;
    let now = state.now();
    let Some(id) = state.store.session_by_code(&code, now).await? else {
        return Err(Error::invalid(
            "code",
            format!("code: no session has the check-in code {code}; check the screen in the room"),
        ));
    };
    let s = state
        .store
        .session(id)
        .await?
        .ok_or_else(|| Error::not_found("session"))?;
    let until = state.store.checkin_window(id).await?.and_then(|(_, u)| u);
    match until {
        Some(u) if u > now => {}
        Some(u) => {
            return Err(Error::conflict(format!(
                "check-in for “{}” closed at {}; ask the facilitator to mark you present",
                s.title,
                clock(u, &s.time_zone)
            )))
        }
        None => {
            return Err(Error::conflict(format!(
                "check-in for “{}” is closed; ask the facilitator to mark you present",
                s.title
            )))
        }
    }
    let ctx = session(state, user, id).await.map_err(|_| {
        Error::forbidden(
            "you are not a participant of this session: only its cohort's enrolled people check in",
        )
    })?;
    let allowed = match &ctx.cohort {
        Some(c) => c.state == Some(EnrolState::Enrolled),
        None => ctx.may_answer,
    };
    if !allowed {
        return Err(Error::forbidden(if ctx.cohort.is_some() {
            "you are not enrolled in this session's cohort, so you cannot check in"
        } else {
            "join this space before you check in to its session"
        }));
    }
    if !state.store.record_check_in(id, user.id(), now).await? {
        let when = state
            .store
            .attendance(id)
            .await?
            .into_iter()
            .find(|a| a.person_id == user.id())
            .map(|a| format!(" at {}", clock(a.marked_at, &s.time_zone)))
            .unwrap_or_default();
        return Err(Error::conflict(format!(
            "you already checked in to “{}”{when}",
            s.title
        )));
    }
    crate::lrs::social::record(state, user, attended(&ctx.session, &ctx)).await;
    Ok(id)
}

fn attended(s: &Session, ctx: &SessionCtx) -> crate::lrs::social::Action {
    let visibility = match &ctx.cohort {
        Some(_) => peerlab_core::space::Visibility::Private,
        None => ctx.visibility,
    };
    crate::lrs::social::Action::Attended {
        space: crate::lrs::social::SpaceRef {
            id: s.space_id,
            name: s.space_name.clone(),
            visibility,
        },
        session: s.id,
        title: s.title.clone(),
    }
}

/// A line of a session's roster: someone expected or recorded, and their attendance.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RosterLine {
    pub person_id: peerlab_store::PersonId,
    pub name: String,
    pub status: Option<program::Attendance>,
    /// "check_in", "facilitator", or "prompt" (an asynchronous session's answer).
    pub source: String,
}

/// Everyone a session expects (its cohort's enrolled people, or those going or maybe) and
/// everyone recorded, with their attendance. An asynchronous session counts those who
/// posted in its space during its window as present.
pub async fn roster(state: &AppState, s: &Session) -> Result<Vec<RosterLine>, Error> {
    let recorded = state.store.attendance(s.id).await?;
    let mut lines: Vec<RosterLine> = state
        .store
        .invitees(s.id)
        .await?
        .into_iter()
        .map(|i| RosterLine {
            person_id: i.person_id,
            name: i.name,
            status: None,
            source: String::new(),
        })
        .collect();
    for r in recorded {
        match lines.iter_mut().find(|l| l.person_id == r.person_id) {
            Some(l) => {
                l.status = Some(r.status);
                l.source = r.source;
            }
            None => lines.push(RosterLine {
                person_id: r.person_id,
                name: r.name,
                status: Some(r.status),
                source: r.source,
            }),
        }
    }
    if s.mode == SessionMode::Async {
        for p in state.store.answered_during(s.id).await? {
            if let Some(l) = lines
                .iter_mut()
                .find(|l| l.person_id == p && l.status.is_none())
            {
                l.status = Some(program::Attendance::Present);
                l.source = "prompt".into();
            }
        }
    }
    Ok(lines)
}

/// A facilitator marks someone present, late, absent or excused. Participants cannot, and
/// nobody can before the session starts.
pub async fn mark(
    state: &AppState,
    user: &User,
    id: SessionId,
    person: peerlab_store::PersonId,
    status: &str,
) -> Result<program::Attendance, Error> {
    let ctx = session(state, user, id).await?;
    if !ctx.manage {
        return Err(Error::forbidden(
            "only the session's facilitators may record attendance",
        ));
    }
    let status = program::Attendance::parse(status)?;
    if ctx.session.starts_at > state.now() {
        return Err(Error::conflict(
            "the session has not started; attendance is recorded from its start",
        ));
    }
    let lines = roster(state, &ctx.session).await?;
    let Some(line) = lines.iter().find(|l| l.person_id == person) else {
        return Err(Error::invalid(
            "person",
            "person: they are not expected at this session",
        ));
    };
    state
        .store
        .mark_attendance(id, person, status, user.id(), state.now())
        .await?;
    if status.came() && !line.status.is_some_and(program::Attendance::came) {
        if let Some(p) = state.store.person(person).await? {
            let base = state.config.public_url.trim_end_matches('/');
            if let Err(e) = crate::lrs::social::write(
                &state.store,
                base,
                (&p.name, &p.email),
                &attended(&ctx.session, &ctx),
                state.now(),
            )
            .await
            {
                tracing::error!(error = %e, "could not record an attendance statement");
            }
        }
    }
    Ok(status)
}

/// "Tue 30 Nov 2026, 15:00–16:00 Europe/London" (an asynchronous session: its days).
pub fn when(s: &peerlab_store::Session) -> String {
    let tz = peerlab_core::program::zone(&s.time_zone).unwrap_or(chrono_tz::UTC);
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
