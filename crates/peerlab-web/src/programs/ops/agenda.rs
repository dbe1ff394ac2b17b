//! A session's agenda board (DESIGN C4, Lean Coffee): the people of a session suggest
//! topics and dot-vote with a fixed budget; counts stay hidden until the board closes (so
//! nobody herds); at its closing time it becomes the ordered, time-boxed agenda — ties to
//! the oldest topic — shown on the session page and in the updated invitation, and the
//! topics that did not fit continue as threads in the session's space.

use chrono::{DateTime, Utc};
use peerlab_core::program::{self, EnrolState};
use peerlab_core::space::{self, ThreadKind, Title};
use peerlab_store::{
    Board, Job, NewThread, Session, SessionId, Topic, BOARD_CLOSE, BOARD_REMINDER,
};
use serde::Deserialize;

use super::sessions::{session, SessionCtx};
use crate::error::{Error, Failure};
use crate::kit::session::User;
use crate::spaces::ops::prepare;
use crate::AppState;

pub const MAX_TOPIC_TITLE_CHARS: usize = 120;
pub const MAX_TOPIC_DETAIL_CHARS: usize = 500;

#[derive(Debug, Default, Deserialize)]
pub struct BoardForm {
    /// Votes per person (default 3).
    #[serde(default)]
    pub votes: String,
    /// Minutes per agenda item (default 15).
    #[serde(default)]
    pub minutes: String,
    /// When it closes, local to the session's zone: date and HH:MM.
    pub closes_date: String,
    pub closes_time: String,
}

fn number(field: &'static str, raw: &str, default: i64, min: i64, max: i64) -> Result<i64, Error> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(default);
    }
    match raw.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(Error::invalid(
            field,
            format!("{field}: a whole number from {min} to {max}, not {raw:?}"),
        )),
    }
}

/// Opens a session's board; it must close before the session starts.
pub async fn open(
    state: &AppState,
    user: &User,
    id: SessionId,
    form: &BoardForm,
) -> Result<(), Error> {
    let ctx = session(state, user, id).await?;
    ctx.require_manage()?;
    let votes = number("votes", &form.votes, 3, 1, 20)?;
    let minutes = number("minutes", &form.minutes, 15, 5, 120)?;
    let tz = program::zone(&ctx.session.time_zone)?;
    let day = program::day("closes_date", &form.closes_date)?;
    let local = day.and_time(program::clock_time("closes_time", &form.closes_time)?);
    let closes = program::instant("closes_time", local, tz)?.timestamp_millis();
    if closes <= state.now() {
        return Err(Error::invalid(
            "closes_time",
            "closes_time: the board must close in the future",
        ));
    }
    if closes > ctx.session.starts_at {
        return Err(Error::invalid(
            "closes_time",
            "closes_time: the board must close before the session starts, so the agenda is ready",
        ));
    }
    Ok(state
        .store
        .open_board(id, votes, minutes, closes, user.id(), state.now())
        .await?)
}

/// The board as its reader sees it.
pub struct BoardView {
    pub board: Board,
    pub topics: Vec<Topic>,
    pub open: bool,
    pub votes_left: i64,
    /// The reader may suggest and vote (a participant of the session).
    pub takes_part: bool,
    pub closes: String,
}

impl BoardView {
    pub fn agenda(&self) -> impl Iterator<Item = &Topic> {
        self.topics.iter().filter(|t| t.position.is_some())
    }

    pub fn leftovers(&self) -> impl Iterator<Item = &Topic> {
        self.topics
            .iter()
            .filter(|t| !self.open && t.position.is_none())
    }
}

fn takes_part(ctx: &SessionCtx) -> bool {
    match &ctx.cohort {
        Some(c) => c.state == Some(EnrolState::Enrolled),
        None => ctx.may_answer,
    }
}

/// A session's board, closing it first if its time has come.
pub async fn view(
    state: &AppState,
    user: &User,
    ctx: &SessionCtx,
) -> Result<Option<BoardView>, Error> {
    let id = ctx.session.id;
    let Some(mut board) = state.store.board(id).await? else {
        return Ok(None);
    };
    if board.closed_at.is_none() && board.closes_at <= state.now() {
        close(state, &ctx.session, false).await?;
        board = state
            .store
            .board(id)
            .await?
            .ok_or_else(|| Error::not_found("agenda board"))?;
    }
    let open = board.closed_at.is_none();
    let mut topics = state.store.topics(id, user.id()).await?;
    if open {
        // Counts stay hidden while the board is open.
        for t in &mut topics {
            t.votes = 0;
        }
    }
    let given = state.store.votes_given(id, user.id()).await?;
    let tz = program::zone(&ctx.session.time_zone).unwrap_or(chrono_tz::UTC);
    let closes = DateTime::<Utc>::from_timestamp_millis(board.closes_at)
        .unwrap_or_default()
        .with_timezone(&tz)
        .format("%a %-d %b, %H:%M")
        .to_string();
    Ok(Some(BoardView {
        votes_left: (board.vote_budget - given).max(0),
        board,
        topics,
        open,
        takes_part: takes_part(ctx),
        closes,
    }))
}

/// Closes the board (now, if `force`) and continues the topics that did not fit as threads
/// in the session's space, each once.
async fn close(state: &AppState, s: &Session, force: bool) -> Result<bool, Error> {
    let minutes = (s.ends_at - s.starts_at) / 60_000;
    let closed = state
        .store
        .close_board(s.id, minutes, force, state.now())
        .await?;
    let organizer = s.organizer_id;
    for t in state
        .store
        .topics(s.id, peerlab_store::PersonId::new(0))
        .await?
    {
        if t.position.is_some() || t.thread_id.is_some() {
            continue;
        }
        let Some(author) = t.author_id.or(organizer) else {
            continue;
        };
        let body =
            format!(
            "Suggested for the agenda of **{}**, where it did not fit. Let's take it on here.{}",
            s.title,
            if t.detail.is_empty() { String::new() } else { format!("\n\n{}", t.detail) }
        );
        let title =
            Title::parse(&t.title).or_else(|_| Title::parse("A topic from the agenda board"))?;
        let post = prepare(state, title.as_str(), &body).await?;
        let written = state
            .store
            .create_thread(
                &NewThread {
                    space_id: s.space_id,
                    kind: ThreadKind::Discussion,
                    title,
                    question: String::new(),
                    skills: Vec::new(),
                    post,
                },
                author,
                state.now(),
            )
            .await?;
        state
            .store
            .set_topic_thread(t.id, written.thread_id)
            .await?;
    }
    Ok(closed)
}

/// A facilitator closes the board before its time.
pub async fn close_now(state: &AppState, user: &User, id: SessionId) -> Result<(), Error> {
    let ctx = session(state, user, id).await?;
    ctx.require_manage()?;
    if state.store.board(id).await?.is_none() {
        return Err(Error::not_found("agenda board"));
    }
    if !close(state, &ctx.session, true).await? {
        return Err(Error::conflict("the board has already closed"));
    }
    Ok(())
}

/// Runs a board's job (`None` when `job` is not one): its reminder a while before it
/// closes, or its closing at its time, so the agenda reaches the invitation and the
/// leftover topics their threads whether or not anyone opens the page. Both are safe to run
/// twice: the store reminds once and closes once.
pub(crate) async fn handle(state: &AppState, job: &Job) -> Option<Result<Option<String>, Failure>> {
    let kind = job.kind.as_str();
    if kind != BOARD_CLOSE && kind != BOARD_REMINDER {
        return None;
    }
    #[derive(Deserialize)]
    struct Payload {
        session: SessionId,
    }
    let id = match serde_json::from_str::<Payload>(&job.payload) {
        Ok(p) => p.session,
        Err(e) => {
            return Some(Err(Failure {
                permanent: true,
                ..format!("the job's payload names no session: {e}").into()
            }))
        }
    };
    let outcome = async {
        let Some(session) = state.store.session(id).await? else {
            return Ok("the session no longer exists".to_string());
        };
        if kind == BOARD_REMINDER {
            return Ok(match state.store.remind_board(id, state.now()).await? {
                Some(n) => format!("reminded {n} people with votes left"),
                None => "nobody reminded: the board had closed or was reminded already".into(),
            });
        }
        if state
            .store
            .board(id)
            .await?
            .is_some_and(|b| b.closes_at > state.now())
        {
            // Not due (the clock of the node that ran it is behind): the next attempt closes it.
            return Err(Error::conflict("the board closes later"));
        }
        Ok(if close(state, &session, false).await? {
            "closed the board: its agenda is in the invitation".to_string()
        } else {
            "the board had closed already".to_string()
        })
    }
    .await;
    Some(
        outcome
            .map(Some)
            .map_err(|e: Error| Failure::from(e.to_string())),
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct TopicForm {
    pub title: String,
    #[serde(default)]
    pub detail: String,
}

async fn participant(state: &AppState, user: &User, id: SessionId) -> Result<SessionCtx, Error> {
    let ctx = session(state, user, id).await?;
    if !takes_part(&ctx) {
        return Err(Error::forbidden(
            "only the session's participants suggest topics and vote",
        ));
    }
    Ok(ctx)
}

pub async fn suggest(
    state: &AppState,
    user: &User,
    id: SessionId,
    form: &TopicForm,
) -> Result<i64, Error> {
    let ctx = participant(state, user, id).await?;
    view(state, user, &ctx).await?;
    let title = space::Title::parse(&form.title)?;
    if title.as_str().chars().count() > MAX_TOPIC_TITLE_CHARS {
        return Err(Error::invalid(
            "title",
            format!("title: at most {MAX_TOPIC_TITLE_CHARS} characters"),
        ));
    }
    let detail = form.detail.trim();
    if detail.chars().count() > MAX_TOPIC_DETAIL_CHARS {
        return Err(Error::invalid(
            "detail",
            format!("detail: at most {MAX_TOPIC_DETAIL_CHARS} characters"),
        ));
    }
    let topic = state
        .store
        .suggest(id, user.id(), title.as_str(), detail, state.now())
        .await?;
    let action = crate::lrs::social::Action::Suggested {
        space: space_ref(&ctx),
        topic,
        title: title.as_str().to_string(),
    };
    crate::lrs::social::record(state, user, action).await;
    Ok(topic)
}

fn space_ref(ctx: &SessionCtx) -> crate::lrs::social::SpaceRef {
    crate::lrs::social::SpaceRef {
        id: ctx.session.space_id,
        name: ctx.session.space_name.clone(),
        visibility: ctx.visibility,
    }
}

/// The session a topic is on, for the vote routes.
async fn topic_session(state: &AppState, user: &User, topic: i64) -> Result<SessionCtx, Error> {
    let sid = state
        .store
        .topic_session(topic)
        .await?
        .ok_or_else(|| Error::not_found("topic"))?;
    let ctx = participant(state, user, sid).await?;
    view(state, user, &ctx).await?;
    Ok(ctx)
}

pub async fn vote(state: &AppState, user: &User, topic: i64) -> Result<SessionId, Error> {
    let ctx = topic_session(state, user, topic).await?;
    state.store.vote(topic, user.id(), state.now()).await?;
    let title = state
        .store
        .topics(ctx.session.id, user.id())
        .await?
        .into_iter()
        .find(|t| t.id == topic)
        .map(|t| t.title)
        .unwrap_or_default();
    let action = crate::lrs::social::Action::Voted {
        space: space_ref(&ctx),
        topic,
        title,
    };
    crate::lrs::social::record(state, user, action).await;
    Ok(ctx.session.id)
}

pub async fn unvote(state: &AppState, user: &User, topic: i64) -> Result<SessionId, Error> {
    let ctx = topic_session(state, user, topic).await?;
    state.store.unvote(topic, user.id(), state.now()).await?;
    Ok(ctx.session.id)
}

#[derive(Debug, Default, Deserialize)]
pub struct OwnerForm {
    /// The owner's e-mail; empty clears it.
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub action: String,
}

/// A facilitator records who takes an agenda item's action.
pub async fn set_owner(
    state: &AppState,
    user: &User,
    topic: i64,
    form: &OwnerForm,
) -> Result<SessionId, Error> {
    let sid = state
        .store
        .topic_session(topic)
        .await?
        .ok_or_else(|| Error::not_found("topic"))?;
    let ctx = session(state, user, sid).await?;
    ctx.require_manage()?;
    let owner = if form.owner.trim().is_empty() {
        None
    } else {
        let email = peerlab_core::Email::parse(&form.owner)
            .map_err(|e| Error::invalid("owner", format!("owner: {}", e.message)))?;
        Some(
            state
                .store
                .person_by_email(&email)
                .await?
                .ok_or_else(|| {
                    Error::invalid(
                        "owner",
                        format!("owner: nobody in the directory has the e-mail {email}"),
                    )
                })?
                .id,
        )
    };
    let action =
        space::description(&form.action).map_err(|e| Error::invalid("action", e.to_string()))?;
    state.store.set_topic_owner(topic, owner, &action).await?;
    Ok(sid)
}

/// The agenda as lines for a calendar invitation's description.
pub async fn agenda_lines(state: &AppState, id: SessionId) -> Result<Vec<String>, Error> {
    let Some(board) = state.store.board(id).await? else {
        return Ok(Vec::new());
    };
    if board.closed_at.is_none() {
        return Ok(Vec::new());
    }
    Ok(state
        .store
        .topics(id, peerlab_store::PersonId::new(0))
        .await?
        .into_iter()
        .filter_map(|t| {
            t.position
                .map(|p| format!("{p}. {} ({} min)", t.title, t.minutes.unwrap_or(0)))
        })
        .collect())
}
