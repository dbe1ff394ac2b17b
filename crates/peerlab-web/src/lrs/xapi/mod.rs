//! The xAPI endpoint of the built-in Learning Record Store (DESIGN X2), at `/xapi/`: the
//! Statement Resource, `/about`, and HTTP Basic credentials with xAPI scopes. It speaks xAPI
//! 1.0.3 and 2.0.0, chosen per request by `X-Experience-API-Version`; statements are checked
//! by `peerlab-xapi` and stored by the store's `lrs` module.
//!
//! Decisions:
//! - **Errors** are `{"error": code, "message": …}` with the status the specification names:
//!   400 for anything malformed (an invalid statement is 400, never 422), 401 without valid
//!   credentials (with `WWW-Authenticate: Basic`), 403 for a missing scope, 404, 409, 413.
//!   Every response, errors too, carries `X-Experience-API-Version`.
//! - **Order of checks:** version header, then credentials, then scope, then input; nothing
//!   is written before every statement of a request has been checked.
//! - **Comparison.** A statement sent again with an id already stored is accepted when it
//!   is the stored one and is a 409 otherwise, by `peerlab_xapi::first_difference`, the
//!   comparison rules of Data 2.3.1 that signed statements use too.
//! - **Paging.** `more` is `/xapi/statements?more=<token>`; the token holds the query, the
//!   last `seq` returned and the newest `seq` when the first page was read, so later pages
//!   neither repeat nor skip statements while others are being stored.
//! - **Limits:** 500 statements per page (`limit=0` means 500), 1,000 statements and 16 MiB
//!   per request.

use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use peerlab_store::Credential;
use peerlab_xapi::Version;
use serde_json::{json, Value};

use crate::AppState;

/// Statements per page at most, and what `limit=0` means.
pub const MAX_PAGE: i64 = 500;
/// Statements per request at most.
pub const MAX_BATCH: usize = 1_000;
/// The largest request body.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

static VERSION_HEADER: HeaderName = HeaderName::from_static("x-experience-api-version");
static CONSISTENT_THROUGH: HeaderName =
    HeaderName::from_static("x-experience-api-consistent-through");

mod documents;
mod read;
mod write;

use read::*;
use write::*;
pub use write::{insert, new_id, prepare};

/// The xAPI endpoint as a service: the alternate request syntax is rewritten into an
/// ordinary request before routing, since it changes the method.
pub fn service(state: AppState) -> axum::routing::Router {
    let routes = router().with_state(state);
    let rewritten = tower::Layer::layer(&axum::middleware::from_fn(alternate_syntax), routes);
    axum::Router::new().fallback_service(rewritten)
}

/// Headers that the alternate request syntax sends as form fields (Comm 1.3.s3.b6).
const FORM_HEADERS: [&str; 6] = [
    "Authorization",
    "X-Experience-API-Version",
    "Content-Type",
    "Content-Length",
    "If-Match",
    "If-None-Match",
];

/// Comm 1.3 (Alternate Request Syntax): a POST with `?method=X` carries the real method, its
/// headers and query parameters as form fields and its body as `content`. xAPI 1.0.3 requires
/// it; 2.0 removed it, so a 2.0 request using it is a 400.
async fn alternate_syntax(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let is_alternate = request.method() == axum::http::Method::POST
        && request
            .uri()
            .query()
            .is_some_and(|q| q.split('&').any(|p| p.starts_with("method=")));
    if !is_alternate {
        return next.run(request).await;
    }
    match rewrite(request).await {
        Ok(rewritten) => next.run(rewritten).await,
        Err(e) => e.into_response(),
    }
}

async fn rewrite(request: axum::extract::Request) -> XResult<axum::extract::Request> {
    let (mut parts, body) = request.into_parts();
    let query: Vec<(String, String)> = serde_urlencoded::from_str(parts.uri.query().unwrap_or(""))
        .map_err(|e| XapiError::bad(format!("the query string is malformed: {e}")))?;
    if query.len() != 1 {
        return Err(XapiError::bad(
            "with the alternate request syntax, method must be the only query parameter; send the others as form fields",
        ));
    }
    let method = query[0].1.to_ascii_uppercase();
    let method = match method.as_str() {
        "GET" | "PUT" | "POST" | "DELETE" | "HEAD" => {
            axum::http::Method::from_bytes(method.as_bytes())
                .map_err(|_| XapiError::bad("method: not an HTTP method"))?
        }
        other => {
            return Err(XapiError::bad(format!(
                "method: must be GET, PUT, POST, DELETE or HEAD, not {other:?}"
            )))
        }
    };
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            XapiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the form is larger than 16 MiB",
            )
        })?;
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
        XapiError::bad(format!(
            "the alternate request syntax needs a form body: {e}"
        ))
    })?;
    let mut content = String::new();
    let mut params: Vec<(String, String)> = Vec::new();
    for (name, value) in form {
        if name == "content" {
            content = value;
        } else if let Some(h) = FORM_HEADERS.iter().find(|h| h.eq_ignore_ascii_case(&name)) {
            if h.eq_ignore_ascii_case("Content-Length") {
                continue;
            }
            let value = HeaderValue::from_str(&value).map_err(|_| {
                XapiError::bad(format!("the form field {name} is not a valid header value"))
            })?;
            parts.headers.insert(
                HeaderName::from_bytes(h.as_bytes()).map_err(|_| XapiError::bad("bad header"))?,
                value,
            );
        } else {
            params.push((name, value));
        }
    }
    let version = version_of(&parts.headers)?;
    if version == Version::V2_0_0 {
        return Err(XapiError::bad("xAPI 2.0 removed the alternate request syntax; send the request with its own method and headers")
            .in_version(version));
    }
    if !parts.headers.contains_key(header::CONTENT_TYPE) || content.is_empty() {
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    let query = serde_urlencoded::to_string(&params).map_err(|e| XapiError::bad(e.to_string()))?;
    let path = parts.uri.path().to_string();
    parts.uri = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    }
    .parse()
    .map_err(|_| XapiError::bad("the form fields do not make a valid query string"))?;
    parts.method = method;
    parts.headers.remove(header::CONTENT_LENGTH);
    Ok(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(content),
    ))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/about", get(about))
        .route(
            "/activities/state",
            get(documents::get_state)
                .put(documents::put_state)
                .post(documents::post_state)
                .delete(documents::delete_state),
        )
        .route(
            "/activities/profile",
            get(documents::get_activity_profile)
                .put(documents::put_activity_profile)
                .post(documents::post_activity_profile)
                .delete(documents::delete_activity_profile),
        )
        .route(
            "/agents/profile",
            get(documents::get_agent_profile)
                .put(documents::put_agent_profile)
                .post(documents::post_agent_profile)
                .delete(documents::delete_agent_profile),
        )
        .route("/agents", get(documents::agents))
        .route("/activities", get(documents::activities))
        .route(
            "/statements",
            get(get_statements).put(put_statement).post(post_statements),
        )
        .fallback(|| async {
            XapiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such xAPI resource; see /xapi/about",
            )
        })
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// The xAPI scopes a credential may hold (Communication 4.2's OAuth scopes, used here for
/// Basic credentials too).
pub const SCOPES: [&str; 8] = [
    "statements/write",
    "statements/read",
    "statements/read/mine",
    "state",
    "define",
    "profile",
    "all/read",
    "all",
];

/// Checks a list of scopes separated by commas or spaces; returns them space-separated.
pub fn parse_scopes(raw: &str) -> Result<String, String> {
    let scopes: Vec<&str> = raw
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if scopes.is_empty() {
        return Err(format!("give at least one scope: {}", SCOPES.join(", ")));
    }
    if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(s)) {
        return Err(format!(
            "{bad:?} is not an xAPI scope; use {}",
            SCOPES.join(", ")
        ));
    }
    let mut unique: Vec<&str> = Vec::new();
    for s in scopes {
        if !unique.contains(&s) {
            unique.push(s);
        }
    }
    Ok(unique.join(" "))
}

/// A new credential's key and secret: random, URL-safe, and only the secret's SHA-256 stored.
pub fn new_credential() -> (String, String) {
    let key = crate::kit::secret::new_secret()[..20].to_string();
    (key, crate::kit::secret::new_secret())
}

// ---- Errors and responses ---------------------------------------------------------------

/// An xAPI error response.
#[derive(Debug)]
pub struct XapiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Option<Value>,
    version: Version,
}

impl XapiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        XapiError {
            status,
            code,
            message: message.into(),
            details: None,
            version: Version::V1_0_3,
        }
    }
    fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    fn in_version(mut self, version: Version) -> Self {
        self.version = version;
        self
    }
}

impl From<peerlab_store::StoreError> for XapiError {
    fn from(e: peerlab_store::StoreError) -> Self {
        use peerlab_store::StoreError as S;
        match e {
            S::NotFound(what) => XapiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
            ),
            S::Conflict(m) => XapiError::new(StatusCode::CONFLICT, "conflict", m),
            S::Precondition(m) => {
                XapiError::new(StatusCode::PRECONDITION_FAILED, "precondition_failed", m)
            }
            other => {
                tracing::error!(error = %other, "LRS storage error");
                XapiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "something went wrong on our side; the server log has the details",
                )
            }
        }
    }
}

impl IntoResponse for XapiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": self.code, "message": self.message});
        if let Some(d) = self.details {
            body["details"] = d;
        }
        let mut r = (self.status, axum::Json(body)).into_response();
        r.headers_mut().insert(
            VERSION_HEADER.clone(),
            HeaderValue::from_static(self.version.header_value()),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"peerlab LRS\""),
            );
        }
        r
    }
}

type XResult<T> = Result<T, XapiError>;

fn with_version(mut r: Response, version: Version) -> Response {
    r.headers_mut().insert(
        VERSION_HEADER.clone(),
        HeaderValue::from_static(version.header_value()),
    );
    r
}

/// ISO 8601 in UTC with milliseconds, as statements carry `stored` and `timestamp`.
pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn http_date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

// ---- Who is asking -----------------------------------------------------------------------

/// What a request needs its credential to allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    WriteStatements,
    ReadStatements,
    /// The State Resource; `true` to change it.
    State(bool),
    /// The Activity and Agent Profile Resources; `true` to change them.
    Profile(bool),
    /// `/agents` and `/activities`: any reading scope.
    Read,
}

/// An authenticated client and the version it speaks.
struct Client {
    credential: Credential,
    version: Version,
    /// Reads only its own statements (`statements/read/mine`).
    mine_only: bool,
}

fn version_of(headers: &HeaderMap) -> XResult<Version> {
    let raw = headers
        .get(&VERSION_HEADER)
        .map(|v| v.to_str().unwrap_or("\u{fffd}"))
        .unwrap_or("");
    Version::from_header(raw).map_err(|e| XapiError::bad(e.to_string()))
}

async fn client(state: &AppState, headers: &HeaderMap, need: Need) -> XResult<Client> {
    let version = version_of(headers)?;
    let unauthorised = |m: &str| {
        XapiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", m).in_version(version)
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(unauthorised(
            "send LRS credentials with HTTP Basic authentication (key as user name, secret as password)",
        ));
    };
    let decoded = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            unauthorised("the Authorization header must be `Basic base64(key:secret)`")
        })?;
    let (key, secret) = decoded.split_once(':').ok_or_else(|| {
        unauthorised("the Authorization header must be `Basic base64(key:secret)`")
    })?;
    let found = state
        .store
        .credential_by_key(key)
        .await
        .map_err(|e| XapiError::from(e).in_version(version))?;
    let Some((credential, hash)) = found else {
        return Err(unauthorised("these LRS credentials are unknown or revoked"));
    };
    if !crate::kit::secret::constant_time_eq(
        crate::kit::secret::sha256_hex(secret).as_bytes(),
        hash.as_bytes(),
    ) {
        return Err(unauthorised("these LRS credentials are unknown or revoked"));
    }
    let has = |s: &str| credential.scopes().any(|x| x == s);
    let (allowed, mine_only) = match need {
        Need::WriteStatements => (has("all") || has("statements/write"), false),
        Need::ReadStatements => {
            let full = has("all") || has("all/read") || has("statements/read");
            (full || has("statements/read/mine"), !full)
        }
        Need::State(write) => (
            has("all") || has("state") || (!write && has("all/read")),
            false,
        ),
        Need::Profile(write) => (
            has("all") || has("profile") || (!write && has("all/read")),
            false,
        ),
        // Activity definitions and people's names come from every statement stored.
        Need::Read => (
            has("all") || has("all/read") || has("statements/read"),
            false,
        ),
    };
    if !allowed {
        let wanted = match need {
            Need::WriteStatements => "statements/write",
            Need::ReadStatements => "statements/read",
            Need::State(_) => "state",
            Need::Profile(_) => "profile",
            Need::Read => "all/read",
        };
        return Err(XapiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "this credential lacks the {wanted} scope (it has: {})",
                credential.scopes
            ),
        )
        .in_version(version));
    }
    Ok(Client {
        credential,
        version,
        mine_only,
    })
}

/// The query parameters, refusing unknown and repeated ones (Communication 3.2).
fn params(raw: Option<&str>, allowed: &[&str], version: Version) -> XResult<Vec<(String, String)>> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|e| {
            XapiError::bad(format!("the query string is malformed: {e}")).in_version(version)
        })?;
    for (i, (name, _)) in pairs.iter().enumerate() {
        if !allowed.contains(&name.as_str()) {
            return Err(XapiError::bad(format!(
                "unknown query parameter {name:?}; this resource takes {}",
                allowed.join(", ")
            ))
            .in_version(version));
        }
        if pairs[..i].iter().any(|(n, _)| n == name) {
            return Err(
                XapiError::bad(format!("the query parameter {name:?} is repeated"))
                    .in_version(version),
            );
        }
    }
    Ok(pairs)
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

// ---- /about ------------------------------------------------------------------------------

async fn about() -> Response {
    let body = json!({
        "version": ["1.0.3", "2.0.0"],
        "extensions": {
            "https://peerlab.dev/xapi/lrs": {"name": "peerlab", "version": env!("CARGO_PKG_VERSION")}
        }
    });
    with_version(axum::Json(body).into_response(), Version::V2_0_0)
}
