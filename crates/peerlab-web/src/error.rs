//! One error type for handlers. A user's mistake becomes a precise 4xx with a stable code and
//! a message meant for them; an unexpected failure is logged with its cause and shown only
//! as "something went wrong". API handlers render it as JSON, page handlers as a page.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use peerlab_core::ValueError;
use peerlab_store::StoreError;
use serde::Serialize;

#[derive(Debug)]
pub struct Error {
    pub status: StatusCode,
    /// A stable, machine-readable code such as `not_found` or `invalid_input`.
    pub code: &'static str,
    pub message: String,
    /// Extra structured detail (for example the bad rows of an import).
    pub details: Option<serde_json::Value>,
}

impl Error {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_input", message)
    }
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "log in, or send a valid API token as `Authorization: Bearer <token>`",
        )
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; the server log has the details",
        )
    }
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}

impl From<ValueError> for Error {
    fn from(e: ValueError) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            e.to_string(),
        )
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::not_found(what),
            StoreError::Conflict(m) => Self::conflict(m),
            StoreError::Precondition(m) => {
                Self::new(StatusCode::PRECONDITION_FAILED, "precondition_failed", m)
            }
            other => Self::internal(other),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a serde_json::Value>,
}

/// An [`Error`] rendered as `{"error": code, "message": …}`.
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError(e.into())
    }
}

impl From<ValueError> for ApiError {
    fn from(e: ValueError) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let body = Body {
            error: e.code,
            message: &e.message,
            details: e.details.as_ref(),
        };
        (e.status, Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
