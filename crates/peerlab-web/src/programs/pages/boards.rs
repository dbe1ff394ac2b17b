//! A session's agenda board: opening and closing it, topics, votes and owners. The board
//! itself is shown on the session page.

use super::*;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/sessions/{id}/board", post(open_board))
        .route("/sessions/{id}/board/close", post(close_board))
        .route("/sessions/{id}/topics", post(suggest))
        .route("/topics/{id}/vote", post(vote))
        .route("/topics/{id}/unvote", post(unvote))
        .route("/topics/{id}/owner", post(set_owner))
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
