//! The coffee rounds page of a space (`/spaces/{id}/coffee`): who meets whom this round and
//! why, "did you meet?", opting in, skipping and leaving; for the space's facilitators also
//! starting, stopping and running a round early, and every round's counts. Every form comes
//! back to the page, saying what happened.

use askama::Template as Page;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::Router;
use peerlab_store::SpaceId;
use serde::Deserialize;

use super::coffee::{self, CoffeeView, StartForm, MAX_STARTER_CHARS};
use super::pages::{shown, with_status, DoneQuery, Empty, Notice};
use crate::kit::page::{render, see_other, Nav, PageError, PageResult};
use crate::kit::session::{CsrfForm, User};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/spaces/{id}/coffee", get(page))
        .route("/spaces/{id}/coffee/start", post(start))
        .route("/spaces/{id}/coffee/stop", post(stop))
        .route("/spaces/{id}/coffee/run", post(run))
        .route("/spaces/{id}/coffee/me", post(choose))
        .route("/coffee/{round}", get(round_page))
        .route("/coffee/{round}/met", post(met))
}

#[derive(Page)]
#[template(path = "grouping/coffee.html")]
struct CoffeePage {
    nav: Nav,
    v: CoffeeView,
    me: peerlab_store::PersonId,
    max_starter: usize,
    notice: Notice,
    csrf: String,
}

impl CoffeePage {
    fn answer_label(a: &str) -> &'static str {
        match a {
            "yes" => "Yes, we met",
            "not_yet" => "Not yet",
            "couldnt" => "We couldn't",
            _ => "",
        }
    }
}

async fn show(state: &AppState, user: &User, id: SpaceId, notice: Notice) -> PageResult {
    let v = coffee::view(state, user, id)
        .await
        .map_err(|e| PageError::new(Some(user.clone()), e))?;
    let s = notice.status;
    let page = CoffeePage {
        nav: Nav::new(Some(user), "spaces"),
        csrf: user.0.csrf_token.clone(),
        me: user.id(),
        max_starter: MAX_STARTER_CHARS,
        v,
        notice,
    };
    Ok(with_status(render(&page), s))
}

async fn page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SpaceId>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let ok = match q.done.as_str() {
        "started" => Some(
            "Coffee rounds started. Members opt in below; each round pairs everyone who did."
                .to_string(),
        ),
        "stopped" => {
            Some("Coffee rounds stopped. The rounds so far stay in everyone's history.".to_string())
        }
        "met" => Some("Thanks, your answer is counted.".to_string()),
        _ => None,
    };
    show(
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

async fn start(
    State(state): State<AppState>,
    Path(id): Path<SpaceId>,
    f: CsrfForm<StartForm>,
) -> PageResult {
    match coffee::start(&state, &f.user, id, &f.form).await {
        Ok(_) => Ok(see_other(&format!("/spaces/{id}/coffee?done=started"))),
        Err(e) if shown(&e) => show(&state, &f.user, id, Notice::refused(&e)).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

async fn stop(
    State(state): State<AppState>,
    Path(id): Path<SpaceId>,
    f: CsrfForm<Empty>,
) -> PageResult {
    match coffee::stop(&state, &f.user, id).await {
        Ok(()) => Ok(see_other(&format!("/spaces/{id}/coffee?done=stopped"))),
        Err(e) if shown(&e) => show(&state, &f.user, id, Notice::refused(&e)).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

async fn run(
    State(state): State<AppState>,
    Path(id): Path<SpaceId>,
    f: CsrfForm<Empty>,
) -> PageResult {
    match coffee::run_now(&state, &f.user, id).await {
        Ok(said) => {
            let ok = Some(crate::kit::page::capitalize(&format!("{said}.")));
            show(
                &state,
                &f.user,
                id,
                Notice {
                    ok,
                    ..Notice::default()
                },
            )
            .await
        }
        Err(e) if shown(&e) => show(&state, &f.user, id, Notice::refused(&e)).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

#[derive(Deserialize)]
struct ChoiceForm {
    #[serde(default)]
    choice: String,
}

async fn choose(
    State(state): State<AppState>,
    Path(id): Path<SpaceId>,
    f: CsrfForm<ChoiceForm>,
) -> PageResult {
    let done = match coffee::choice_of(&f.form.choice) {
        Ok(c) => coffee::choose(&state, &f.user, id, c).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(said) => {
            show(
                &state,
                &f.user,
                id,
                Notice {
                    ok: Some(said.to_string()),
                    ..Notice::default()
                },
            )
            .await
        }
        Err(e) if shown(&e) => show(&state, &f.user, id, Notice::refused(&e)).await,
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

/// A round's own address (its xAPI activity id) leads to its space's page.
async fn round_page(
    State(state): State<AppState>,
    user: User,
    Path(round): Path<i64>,
) -> PageResult {
    let space = state
        .store
        .coffee_space(round)
        .await
        .map_err(|e| PageError::new(Some(user.clone()), e.into()))?;
    let Some(space) = space else {
        return Err(PageError::new(
            Some(user),
            crate::error::Error::not_found("coffee round"),
        ));
    };
    // The space's page checks who may read it.
    Ok(see_other(&format!("/spaces/{space}/coffee")))
}

#[derive(Deserialize)]
struct MetForm {
    #[serde(default)]
    met: String,
}

async fn met(
    State(state): State<AppState>,
    Path(round): Path<i64>,
    f: CsrfForm<MetForm>,
) -> PageResult {
    match coffee::answer(&state, &f.user, round, &f.form.met).await {
        Ok(space) => Ok(see_other(&format!("/spaces/{space}/coffee?done=met"))),
        Err(e) if shown(&e) => match state.store.coffee_space(round).await {
            Ok(Some(space)) => show(&state, &f.user, space, Notice::refused(&e)).await,
            _ => Err(PageError::new(Some(f.user), e)),
        },
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}
