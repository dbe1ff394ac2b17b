//! The program pages, by what they show: `templates`, `programs` (programs and cohorts),
//! `session_pages` (sessions, calendars, attendance) and `boards` (agenda boards); the pieces they
//! share — a page's notice and the `.ics` answer — are here.
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

mod boards;
mod programs;
mod session_pages;
mod templates;

use programs::show_cohort;
use session_pages::{show_session, SessionLine, MODES};
use templates::{template_page, views, StageView};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(templates::router())
        .merge(programs::router())
        .merge(session_pages::router())
        .merge(boards::router())
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

#[derive(Deserialize)]
struct Empty {}

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
