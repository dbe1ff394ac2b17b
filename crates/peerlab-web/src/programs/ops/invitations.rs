//! A person's invitation to a session: the session, its agenda once its board has closed,
//! and their last calendar message. Apart from `sessions` because it needs the agenda too,
//! and the agenda needs sessions.

use chrono::{DateTime, Utc};
use peerlab_store::SessionId;

use super::agenda;
use super::sessions::session;
use crate::error::Error;
use crate::kit::session::User;
use crate::programs::calendar::{self, Method};
use crate::AppState;

/// The reader's invitation to a session as an `.ics`: REQUEST at the session's current
/// SEQUENCE, or CANCEL once it is cancelled or they left.
pub async fn invitation(state: &AppState, user: &User, id: SessionId) -> Result<String, Error> {
    let ctx = session(state, user, id).await?;
    let last = state.store.last_message(id, user.id()).await?;
    let Some(last) = last else {
        return Err(Error::conflict(if ctx.cohort.is_some() {
            "you are not invited to this session: only its cohort's enrolled participants are"
        } else {
            "answer going or maybe first; the invitation follows"
        }));
    };
    let method = if ctx.session.cancelled || last.method == "CANCEL" {
        Method::Cancel
    } else {
        Method::Request
    };
    let me = peerlab_store::Invitee {
        person_id: user.id(),
        name: user.0.name.clone(),
        email: user.0.email.clone(),
    };
    let stamp = DateTime::<Utc>::from_timestamp_millis(state.now()).unwrap_or_default();
    agenda::view(state, user, &ctx).await?;
    let agenda = agenda::agenda_lines(state, id).await?;
    Ok(calendar::invitation(
        &ctx.session,
        &agenda,
        method,
        &me,
        stamp,
        &state.config.public_url,
    ))
}

/// The `.ics` of one calendar message to `person`, for its e-mail: REQUEST at the session's
/// current SEQUENCE (or CANCEL), whoever reads it. The relay checked who it is for when the
/// message was written; a cancellation still reaches someone who has left.
pub async fn for_message(
    state: &AppState,
    session: &peerlab_store::Session,
    message: &peerlab_store::CalendarMessage,
    person: &peerlab_store::Person,
) -> Result<String, Error> {
    let method = if session.cancelled || message.method == "CANCEL" {
        Method::Cancel
    } else {
        Method::Request
    };
    let to = peerlab_store::Invitee {
        person_id: person.id,
        name: person.name.clone(),
        email: person.email.clone(),
    };
    let stamp = DateTime::<Utc>::from_timestamp_millis(state.now()).unwrap_or_default();
    let agenda = agenda::agenda_lines(state, session.id).await?;
    Ok(calendar::invitation(
        session,
        &agenda,
        method,
        &to,
        stamp,
        &state.config.public_url,
    ))
}
