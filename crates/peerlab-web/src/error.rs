//! The one error every operation returns, in the domain's terms: what kind of failure it is
//! (not found, forbidden, conflict, invalid input naming its field, internal, …), a stable
//! machine-readable code and a message meant for the person. It speaks no HTTP: pages, the
//! API, the command line and background jobs call the same operations, and the web layer
//! maps a [`Kind`] to a status in one place (`kit::http`).
//!
//! An unexpected failure is logged with its cause when it is made and carries only
//! "something went wrong" outwards.

use peerlab_core::ValueError;
use peerlab_store::StoreError;

/// What kind of failure: the caller's mistake (each its own kind) or ours (`Internal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The request could not be read at all (bad JSON, a missing or mistyped field).
    Malformed,
    /// The request was read, but a value breaks a rule (too long, not an e-mail …).
    Invalid,
    /// Nobody is signed in, or the credentials are wrong.
    Unauthenticated,
    /// The person is known but may not do this.
    Forbidden,
    /// The thing does not exist — or the person may not know that it does.
    NotFound,
    /// The data's state forbids it (already done, the last facilitator, a locked thread).
    Conflict,
    /// A condition the request set (an ETag) no longer holds.
    Precondition,
    /// The input is larger than allowed.
    TooLarge,
    /// Too many attempts in a window.
    TooMany,
    /// The input's format is not one we take.
    Unsupported,
    /// Our failure; the cause is in the log.
    Internal,
}

#[derive(Debug)]
pub struct Error {
    pub kind: Kind,
    /// A stable, machine-readable code such as `not_found` or `invalid_input`.
    pub code: &'static str,
    pub message: String,
    /// The input field an `Invalid` error is about, when it is about one.
    pub field: Option<&'static str>,
    /// Extra structured detail (for example the bad rows of an import).
    pub details: Option<serde_json::Value>,
}

impl Error {
    pub fn new(kind: Kind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
            field: None,
            details: None,
        }
    }
    /// A request that could not be read.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(Kind::Malformed, "invalid_input", message)
    }
    /// A value that breaks a rule, naming the field.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field),
            ..Self::new(Kind::Invalid, "invalid_input", message)
        }
    }
    pub fn unauthenticated() -> Self {
        Self::new(
            Kind::Unauthenticated,
            "unauthenticated",
            "log in, or send a valid API token as `Authorization: Bearer <token>`",
        )
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(Kind::Forbidden, "forbidden", message)
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(Kind::NotFound, "not_found", format!("{what} not found"))
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(Kind::Conflict, "conflict", message)
    }
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            Kind::Internal,
            "internal",
            "something went wrong on our side; the server log has the details",
        )
    }
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
    /// Whether the person can fix this by changing their input (shown beside the form).
    pub fn is_input(&self) -> bool {
        self.kind == Kind::Invalid
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<ValueError> for Error {
    fn from(e: ValueError) -> Self {
        Self::invalid(e.field, e.to_string())
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::not_found(what),
            StoreError::Conflict(m) => Self::conflict(m),
            StoreError::Precondition(m) => Self::new(Kind::Precondition, "precondition_failed", m),
            other => Self::internal(other),
        }
    }
}

/// Why a job's attempt failed, and when to try again (the job runner's handlers return it;
/// here so that features and the runner both use it without importing each other).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    /// Wait this long instead of the usual backoff (a server's `Retry-After`).
    pub retry_in_ms: Option<i64>,
    /// Trying again cannot help (a payload over the receiver's limit): the job ends failed.
    pub permanent: bool,
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure {
            message,
            retry_in_ms: None,
            permanent: false,
        }
    }
}
