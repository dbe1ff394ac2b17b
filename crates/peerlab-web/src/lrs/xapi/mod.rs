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

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use peerlab_store::{
    AttachmentData, Credential, NewStatement, StatementQuery, Store, StoredStatement,
};
use peerlab_xapi::{
    agent_ifi, attachments_request, first_difference, format_statement, multipart,
    normalise_statement, parse_json, parse_timestamp, syntax, validate_statement, Format, Uuid,
    Version, VOIDED_VERB,
};
use rand::RngCore;
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

// ---- Writing statements ------------------------------------------------------------------

/// The authority peerlab sets on statements sent with `credential`.
fn authority(state: &AppState, credential: &Credential) -> Value {
    json!({
        "objectType": "Agent",
        "name": credential.name,
        "account": {"homePage": state.config.public_url, "name": credential.key},
    })
}

/// The id of a statement sent without one: time-ordered (version 7), so that the id index
/// grows at its end.
pub(crate) fn new_id(now: i64) -> Uuid {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    Uuid::new_v7(u64::try_from(now).unwrap_or_default(), bytes)
}

/// Adds one term per Agent (and each member of a Group) in `value`.
fn agent_terms(value: Option<&Value>, core: bool, out: &mut Vec<(String, bool)>) {
    let Some(v) = value else { return };
    if let Some(key) = agent_ifi(v) {
        out.push((format!("a:{key}"), core));
    }
    if let Some(Value::Array(members)) = v.get("member") {
        for m in members {
            if let Some(key) = agent_ifi(m) {
                out.push((format!("a:{key}"), core));
            }
        }
    }
}

fn activity_term(value: &Value, core: bool, out: &mut Vec<(String, bool)>) {
    if let Some(id) = value.get("id").and_then(Value::as_str) {
        out.push((format!("o:{id}"), core));
    }
}

/// What a statement is found by: its actor, verb, object, registration (core), and its
/// authority, context agents and activities and a SubStatement's parts (related).
fn terms(s: &Value) -> (Vec<(String, bool)>, Option<String>) {
    let mut out = Vec::new();
    agent_terms(s.get("actor"), true, &mut out);
    if let Some(id) = s.pointer("/verb/id").and_then(Value::as_str) {
        out.push((format!("v:{id}"), true));
    }
    let mut reference = None;
    if let Some(object) = s.get("object") {
        match object.get("objectType").and_then(Value::as_str) {
            None | Some("Activity") => activity_term(object, true, &mut out),
            Some("Agent" | "Group") => agent_terms(Some(object), true, &mut out),
            Some("StatementRef") => {
                reference = object
                    .get("id")
                    .and_then(Value::as_str)
                    .map(str::to_lowercase)
            }
            Some("SubStatement") => {
                agent_terms(object.get("actor"), false, &mut out);
                match object.pointer("/object/objectType").and_then(Value::as_str) {
                    None | Some("Activity") => {
                        if let Some(o) = object.get("object") {
                            activity_term(o, false, &mut out)
                        }
                    }
                    Some("Agent" | "Group") => agent_terms(object.get("object"), false, &mut out),
                    _ => {}
                }
                context_terms(object.get("context"), &mut out);
            }
            _ => {}
        }
    }
    agent_terms(s.get("authority"), false, &mut out);
    context_terms(s.get("context"), &mut out);
    if let Some(r) = s.pointer("/context/registration").and_then(Value::as_str) {
        out.push((format!("r:{}", r.to_lowercase()), true));
    }
    (out, reference)
}

fn context_terms(context: Option<&Value>, out: &mut Vec<(String, bool)>) {
    let Some(c) = context else { return };
    agent_terms(c.get("instructor"), false, out);
    agent_terms(c.get("team"), false, out);
    for list in ["contextAgents", "contextGroups"] {
        if let Some(Value::Array(items)) = c.get(list) {
            for item in items {
                agent_terms(item.get("agent").or_else(|| item.get("group")), false, out);
            }
        }
    }
    if let Some(Value::Object(activities)) = c.get("contextActivities") {
        for list in activities.values() {
            match list {
                Value::Array(items) => items.iter().for_each(|a| activity_term(a, false, out)),
                other => activity_term(other, false, out),
            }
        }
    }
}

/// Activity definitions carried by a statement's object (for the canonical definitions).
fn definitions(s: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Some(o) = s.get("object") {
        if matches!(
            o.get("objectType").and_then(Value::as_str),
            None | Some("Activity")
        ) {
            if let (Some(id), Some(def)) =
                (o.get("id").and_then(Value::as_str), o.get("definition"))
            {
                out.push((id.to_string(), def.clone()));
            }
        }
    }
    out
}

/// A checked statement made ready to store: the LRS's own properties set, terms computed.
pub fn prepare(
    received: &Value,
    version: Version,
    authority: &Value,
    now: i64,
) -> (NewStatement, String) {
    let mut s = normalise_statement(received, version);
    let map = s
        .as_object_mut()
        .expect("a validated statement is an object");
    let given = map.get("id").and_then(Value::as_str);
    let id_given = given.is_some();
    let id = match given {
        Some(id) => id.to_lowercase(),
        None => new_id(now).to_string(),
    };
    map.insert("id".into(), json!(id));
    let stored = iso(now);
    map.insert("stored".into(), json!(stored));
    if !map.contains_key("timestamp") {
        map.insert("timestamp".into(), json!(stored));
    }
    map.insert("authority".into(), authority.clone());
    if !map.contains_key("version") {
        map.insert("version".into(), json!(version.default_statement_version()));
    }
    let verb = s
        .pointer("/verb/id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let (terms, reference) = terms(&s);
    let voids = (verb == VOIDED_VERB).then(|| reference.clone()).flatten();
    let attachments = s
        .get("attachments")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|x| x.get("fileUrl").is_none() || x.get("sha2").is_some())
                .filter_map(|x| x.get("sha2").and_then(Value::as_str).map(str::to_lowercase))
                .collect()
        })
        .unwrap_or_default();
    let definitions = definitions(&s);
    (
        NewStatement {
            id: id.clone(),
            id_given,
            body: s.to_string(),
            stored: now,
            verb,
            voids,
            reference,
            terms,
            attachments,
            definitions,
        },
        id,
    )
}

/// Stores prepared statements, all or nothing. `received[i]` is `batch[i]` as it arrived: a
/// statement whose id is stored already is accepted again when it is the same statement by
/// the specification's comparison rules (`first_difference`), and is a conflict otherwise.
pub async fn insert(
    store: &Store,
    received: &[Value],
    batch: &[NewStatement],
    attachments: &[AttachmentData],
    credential: Option<i64>,
) -> Result<usize, peerlab_store::StoreError> {
    let same = |i: usize, stored: &str| {
        serde_json::from_str::<Value>(stored)
            .is_ok_and(|stored| first_difference(&stored, &received[i]).is_none())
    };
    store
        .insert_statements(batch, attachments, credential, &same)
        .await
}

/// Checks every statement of a request; `Err` lists every problem, each with its path.
fn check(statements: &[Value], version: Version, batch: bool) -> XResult<()> {
    let mut problems = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        if let Err(errors) = validate_statement(s, version) {
            for e in errors {
                problems.push(if batch {
                    format!("[{i}].{e}")
                } else {
                    e.to_string()
                });
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = problems.iter().take(5).map(String::as_str).collect();
    let more = problems.len().saturating_sub(shown.len());
    let mut message = format!("the statement is invalid: {}", shown.join("; "));
    if more > 0 {
        message.push_str(&format!(" (and {more} more)"));
    }
    let mut e =
        XapiError::new(StatusCode::BAD_REQUEST, "invalid_statement", message).in_version(version);
    e.details = Some(json!(problems));
    Err(e)
}

/// The statements of a request, and the attachment data of a `multipart/mixed` one
/// (Data 2.4.11, Comm 2.1.4): every attachment without a `fileUrl` must come as a part
/// whose SHA-2 matches, and no part may be left over.
fn read_statements(
    headers: &HeaderMap,
    body: &[u8],
    version: Version,
) -> XResult<(Value, Vec<AttachmentData>)> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let bad = |m: String| XapiError::bad(m).in_version(version);
    if content_type
        .split(';')
        .next()
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("multipart/mixed"))
    {
        let boundary = multipart::boundary(content_type)
            .ok_or_else(|| bad("multipart/mixed needs a boundary parameter".into()))?;
        let parts = multipart::parse(body, &boundary)
            .map_err(|e| bad(format!("the multipart body is malformed: {e}")))?;
        let (statements, data) = attachments_request(parts)
            .map_err(|e| bad(format!("the attachments do not match the statements: {e}")))?;
        let data = data
            .into_iter()
            .map(|(sha2, content_type, content)| AttachmentData {
                sha2,
                content_type,
                content,
            })
            .collect();
        return Ok((statements, data));
    }
    let statements = json_body(headers, body, version)?;
    let list: Vec<&Value> = match &statements {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for (i, s) in list.iter().enumerate() {
        if let Some(Value::Array(items)) = s.get("attachments") {
            if let Some(j) = items.iter().position(|a| a.get("fileUrl").is_none()) {
                return Err(bad(format!(
                    "[{i}].attachments[{j}] has no fileUrl, so its data must come in a multipart/mixed request"
                )));
            }
        }
    }
    Ok((statements, Vec::new()))
}

/// Signed statements (Data 2.6): each signature attachment must be a valid JWS of the
/// statement as received.
fn check_signatures(
    statements: &[Value],
    attachments: &[AttachmentData],
    version: Version,
    batch: bool,
) -> XResult<()> {
    let data: Vec<peerlab_xapi::AttachmentData> = attachments
        .iter()
        .map(|a| (a.sha2.clone(), a.content_type.clone(), a.content.clone()))
        .collect();
    for (i, s) in statements.iter().enumerate() {
        if let Err(e) = peerlab_xapi::verify_signed_statement(s, &data) {
            let at = if batch {
                format!("[{i}].")
            } else {
                String::new()
            };
            return Err(XapiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_signature",
                format!("the signed statement is not valid: {at}{e}"),
            )
            .in_version(version));
        }
    }
    Ok(())
}

fn json_body(headers: &HeaderMap, body: &[u8], version: Version) -> XResult<Value> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" {
        return Err(XapiError::bad(format!(
            "send statements as application/json (or multipart/mixed with attachments), not {:?}",
            content_type
        ))
        .in_version(version));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| XapiError::bad("the body is not UTF-8").in_version(version))?;
    parse_json(text)
        .map_err(|e| XapiError::bad(format!("the body is not valid JSON: {e}")).in_version(version))
}

async fn store(
    state: &AppState,
    client: &Client,
    statements: &[Value],
    attachments: &[AttachmentData],
) -> XResult<Vec<String>> {
    let authority = authority(state, &client.credential);
    let now = state.now();
    let mut batch = Vec::with_capacity(statements.len());
    let mut ids = Vec::with_capacity(statements.len());
    for s in statements {
        let (new, id) = prepare(s, client.version, &authority, now);
        if ids.contains(&id) {
            return Err(
                XapiError::bad(format!("statement id {id} appears twice in this batch"))
                    .in_version(client.version),
            );
        }
        ids.push(id);
        batch.push(new);
    }
    insert(
        &state.store,
        statements,
        &batch,
        attachments,
        Some(client.credential.id),
    )
    .await
    .map_err(|e| XapiError::from(e).in_version(client.version))?;
    Ok(ids)
}

async fn put_statement(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> XResult<Response> {
    let client = client(&state, &headers, Need::WriteStatements).await?;
    let v = client.version;
    let pairs = params(query.as_deref(), &["statementId"], v)?;
    let Some(id) = param(&pairs, "statementId") else {
        return Err(XapiError::bad("PUT needs the statementId parameter").in_version(v));
    };
    if Uuid::parse(id).is_none() {
        return Err(XapiError::bad(format!("statementId: {id:?} is not a UUID")).in_version(v));
    }
    let (statement, attachments) = read_statements(&headers, &body, v)?;
    if !statement.is_object() {
        return Err(XapiError::bad("PUT takes one statement, a JSON object").in_version(v));
    }
    check(std::slice::from_ref(&statement), v, false)?;
    check_signatures(std::slice::from_ref(&statement), &attachments, v, false)?;
    let mut statement = statement;
    match statement.get("id").and_then(Value::as_str) {
        Some(own) if !own.eq_ignore_ascii_case(id) => {
            return Err(XapiError::bad(format!(
                "the statement's id {own} differs from the statementId parameter {id}"
            ))
            .in_version(v))
        }
        Some(_) => {}
        None => {
            statement["id"] = json!(id.to_lowercase());
        }
    }
    store(&state, &client, &[statement], &attachments).await?;
    Ok(with_version(StatusCode::NO_CONTENT.into_response(), v))
}

async fn post_statements(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> XResult<Response> {
    let client = client(&state, &headers, Need::WriteStatements).await?;
    let v = client.version;
    params(query.as_deref(), &[], v)?;
    let (value, attachments) = read_statements(&headers, &body, v)?;
    let (statements, batch) = match value {
        Value::Array(items) => (items, true),
        object @ Value::Object(_) => (vec![object], false),
        _ => {
            return Err(XapiError::bad(
                "POST takes a statement (a JSON object) or an array of statements",
            )
            .in_version(v))
        }
    };
    if statements.is_empty() {
        return Err(XapiError::bad("the batch is empty").in_version(v));
    }
    if statements.len() > MAX_BATCH {
        return Err(XapiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "at most {MAX_BATCH} statements per request; this one has {}",
                statements.len()
            ),
        )
        .in_version(v));
    }
    check(&statements, v, batch)?;
    check_signatures(&statements, &attachments, v, batch)?;
    let ids = store(&state, &client, &statements, &attachments).await?;
    Ok(with_version(axum::Json(ids).into_response(), v))
}

// ---- Reading statements ------------------------------------------------------------------

const GET_PARAMS: &[&str] = &[
    "statementId",
    "voidedStatementId",
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
    "more",
];

fn boolean(pairs: &[(String, String)], name: &str, version: Version) -> XResult<bool> {
    match param(pairs, name) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(
            XapiError::bad(format!("{name}: must be true or false, not {other:?}"))
                .in_version(version),
        ),
    }
}

/// What a list query asks for beyond the store's filters.
#[derive(serde::Serialize, serde::Deserialize)]
struct Page {
    #[serde(flatten)]
    query: StatementQuery,
    limit: i64,
    format: String,
    attachments: bool,
}

fn time_param(pairs: &[(String, String)], name: &str, version: Version) -> XResult<Option<i64>> {
    param(pairs, name)
        .map(|t| {
            parse_timestamp(t, version)
                .map(|at| at.timestamp_millis())
                .map_err(|e| XapiError::bad(format!("{name}: {e}")).in_version(version))
        })
        .transpose()
}

fn list_page(pairs: &[(String, String)], version: Version) -> XResult<Page> {
    let bad = |m: String| XapiError::bad(m).in_version(version);
    let agent = match param(pairs, "agent") {
        None => None,
        Some(raw) => {
            let value = parse_json(raw).map_err(|e| bad(format!("agent: not valid JSON: {e}")))?;
            Some(agent_ifi(&value).ok_or_else(|| {
                bad("agent: must be an Agent or identified Group with exactly one of mbox, mbox_sha1sum, openid or account".into())
            })?)
        }
    };
    let iri = |name: &str| -> XResult<Option<String>> {
        match param(pairs, name) {
            Some(v) if !syntax::is_iri(v) => Err(bad(format!("{name}: must be an IRI, not {v:?}"))),
            other => Ok(other.map(str::to_string)),
        }
    };
    let registration = match param(pairs, "registration") {
        Some(r) => Some(
            Uuid::parse(r)
                .ok_or_else(|| bad(format!("registration: {r:?} is not a UUID")))?
                .to_string(),
        ),
        None => None,
    };
    let limit = match param(pairs, "limit") {
        None => MAX_PAGE,
        Some(l) => match l.parse::<i64>() {
            Ok(0) => MAX_PAGE,
            Ok(n) if n > 0 => n.min(MAX_PAGE),
            _ => {
                return Err(bad(format!(
                    "limit: must be a whole number of 0 or more, not {l:?}"
                )))
            }
        },
    };
    let format = param(pairs, "format").unwrap_or("exact");
    if Format::from_param(format).is_none() {
        return Err(bad(format!(
            "format: must be ids, exact or canonical, not {format:?}"
        )));
    }
    Ok(Page {
        query: StatementQuery {
            agent,
            related_agents: boolean(pairs, "related_agents", version)?,
            verb: iri("verb")?,
            activity: iri("activity")?,
            related_activities: boolean(pairs, "related_activities", version)?,
            registration,
            since: time_param(pairs, "since", version)?,
            until: time_param(pairs, "until", version)?,
            ascending: boolean(pairs, "ascending", version)?,
            ..Default::default()
        },
        limit,
        format: format.to_string(),
        attachments: boolean(pairs, "attachments", version)?,
    })
}

fn languages(headers: &HeaderMap) -> Vec<String> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(peerlab_xapi::accept_language)
        .unwrap_or_default()
}

/// A stored statement in the asked format, with the canonical activity definition when the
/// format is `canonical` and the client may read every statement (the canonical definition
/// is merged from all of them; a `statements/read/mine` client keeps its own).
async fn shaped(
    state: &AppState,
    s: &StoredStatement,
    format: Format,
    langs: &[&str],
    all_definitions: bool,
) -> XResult<Value> {
    let mut value: Value = serde_json::from_str(&s.body).unwrap_or(Value::Null);
    if format == Format::Canonical && all_definitions {
        if let Some(Value::Object(object)) = value.get_mut("object") {
            let is_activity = matches!(
                object.get("objectType").and_then(Value::as_str),
                None | Some("Activity")
            );
            if let (true, Some(id)) = (
                is_activity,
                object.get("id").and_then(Value::as_str).map(str::to_string),
            ) {
                if let Some(def) = state.store.activity_definition(&id).await? {
                    if let Ok(def) = serde_json::from_str::<Value>(&def) {
                        object.insert("definition".into(), def);
                    }
                }
            }
        }
    }
    Ok(format_statement(&value, format, langs))
}

async fn get_statements(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> XResult<Response> {
    let client = client(&state, &headers, Need::ReadStatements).await?;
    let v = client.version;
    let pairs = params(query.as_deref(), GET_PARAMS, v)?;
    let (newest, consistent) = state
        .store
        .statements_head()
        .await
        .map_err(|e| XapiError::from(e).in_version(v))?;
    let langs = languages(&headers);
    let langs: Vec<&str> = langs.iter().map(String::as_str).collect();
    let single = ["statementId", "voidedStatementId"]
        .iter()
        .find_map(|name| param(&pairs, name).map(|id| (*name, id)));
    let mut response = if let Some((name, id)) = single {
        if let Some((other, _)) = pairs.iter().find(|(n, _)| {
            !["statementId", "voidedStatementId", "format", "attachments"].contains(&n.as_str())
                || (n != name && n.ends_with("tatementId"))
        }) {
            return Err(
                XapiError::bad(format!("{name} cannot be combined with {other}")).in_version(v),
            );
        }
        let Some(uuid) = Uuid::parse(id) else {
            return Err(XapiError::bad(format!("{name}: {id:?} is not a UUID")).in_version(v));
        };
        let format =
            Format::from_param(param(&pairs, "format").unwrap_or("exact")).ok_or_else(|| {
                XapiError::bad("format: must be ids, exact or canonical").in_version(v)
            })?;
        let with_attachments = boolean(&pairs, "attachments", v)?;
        let found = state
            .store
            .statement(&uuid.to_string(), name == "voidedStatementId")
            .await
            .map_err(|e| XapiError::from(e).in_version(v))?;
        let found = found.filter(|s| !client.mine_only || mine(s, &client));
        let Some(s) = found else {
            return Err(XapiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no statement with {name} {id}"),
            )
            .in_version(v));
        };
        let body = shaped(&state, &s, format, &langs, !client.mine_only).await?;
        let seqs: Vec<i64> = [&s]
            .iter()
            .filter(|s| s.attachments)
            .map(|s| s.seq)
            .collect();
        let mut r = respond(&state, body, &seqs, with_attachments, v).await?;
        if let Ok(h) = HeaderValue::from_str(&http_date(s.stored)) {
            r.headers_mut().insert(header::LAST_MODIFIED, h);
        }
        r
    } else {
        let mut page = match param(&pairs, "more") {
            Some(token) => {
                if pairs.len() > 1 {
                    return Err(
                        XapiError::bad("more cannot be combined with other parameters")
                            .in_version(v),
                    );
                }
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(token)
                    .ok()
                    .and_then(|b| serde_json::from_slice::<Page>(&b).ok())
                    .filter(|p: &Page| (1..=MAX_PAGE).contains(&p.limit))
                    .ok_or_else(|| {
                        XapiError::bad("more: this is not a link this LRS gave out").in_version(v)
                    })?
            }
            None => {
                let mut page = list_page(&pairs, v)?;
                page.query.upto = Some(newest);
                page
            }
        };
        if client.mine_only {
            page.query.credential = Some(client.credential.id);
        }
        let format = Format::from_param(&page.format).unwrap_or(Format::Exact);
        let mut rows = state
            .store
            .query_statements(&page.query, page.limit + 1)
            .await
            .map_err(|e| XapiError::from(e).in_version(v))?;
        let more = if rows.len() as i64 > page.limit {
            rows.truncate(page.limit as usize);
            page.query.after = rows.last().map(|s| s.seq);
            let token = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(serde_json::to_vec(&page).unwrap_or_default());
            format!("/xapi/statements?more={token}")
        } else {
            String::new()
        };
        let mut statements = Vec::with_capacity(rows.len());
        for s in &rows {
            statements.push(shaped(&state, s, format, &langs, !client.mine_only).await?);
        }
        let last = rows.iter().map(|s| s.stored).max().unwrap_or(consistent);
        let seqs: Vec<i64> = rows
            .iter()
            .filter(|s| s.attachments)
            .map(|s| s.seq)
            .collect();
        let body = json!({"statements": statements, "more": more});
        let mut r = respond(&state, body, &seqs, page.attachments, v).await?;
        if let Ok(h) = HeaderValue::from_str(&http_date(last)) {
            r.headers_mut().insert(header::LAST_MODIFIED, h);
        }
        r
    };
    if let Ok(h) = HeaderValue::from_str(&iso(consistent)) {
        response.headers_mut().insert(CONSISTENT_THROUGH.clone(), h);
    }
    Ok(with_version(response, v))
}

/// The answer to a GET: JSON, or with `attachments=true` a `multipart/mixed` response whose
/// first part is the JSON and whose other parts are the attachments of the statements
/// returned, each once (Comm 2.1.3, attachments).
async fn respond(
    state: &AppState,
    body: Value,
    seqs: &[i64],
    attachments: bool,
    version: Version,
) -> XResult<Response> {
    if !attachments {
        return Ok(axum::Json(body).into_response());
    }
    let stored = state
        .store
        .statement_attachments(seqs)
        .await
        .map_err(|e| XapiError::from(e).in_version(version))?;
    let mut parts = vec![multipart::Part::json(body.to_string().into_bytes())];
    let mut seen = std::collections::HashSet::new();
    for (_, sha2, content_type, content) in stored {
        if seen.insert(sha2.clone()) {
            parts.push(multipart::Part::attachment(&sha2, &content_type, content));
        }
    }
    let boundary = multipart::choose_boundary(&parts);
    let bytes = multipart::write(&parts, &boundary);
    let mut r = bytes.into_response();
    if let Ok(ct) = HeaderValue::from_str(&format!("multipart/mixed; boundary={boundary}")) {
        r.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    Ok(r)
}

/// Whether a stored statement was written with the client's credential.
fn mine(s: &StoredStatement, client: &Client) -> bool {
    serde_json::from_str::<Value>(&s.body)
        .ok()
        .and_then(|b| {
            b.pointer("/authority/account/name")
                .and_then(Value::as_str)
                .map(|n| n == client.credential.key)
        })
        .unwrap_or(false)
}
