//! peerlab's HTTP layer: server-rendered pages, the JSON API under `/api/v1`, authentication,
//! health endpoints and request logging.
//!
//! Each feature is a folder with its operations (`ops`, which speak no HTTP and return the
//! domain's [`Error`]), its pages and its API: [`auth`], [`people`], [`spaces`], `grouping`
//! and [`lrs`]. They all build on [`kit`] (errors as HTTP, extractors, sessions, pages, live
//! updates), which knows no feature. Handlers parse input into the core's validated values,
//! check authorisation, and call the store; they never contain SQL. Everything the server
//! needs at run time — templates, CSS, the OpenAPI document — is compiled into the binary.

pub mod auth;
pub mod error;
mod grouping;
pub mod jobs;
pub mod kit;
pub mod lrs;
pub mod outbound;
pub mod people;
pub mod programs;
pub mod spaces;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use axum::http::{header, HeaderName, HeaderValue, Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use kit::extract::MAX_JSON_BYTES;
use kit::http::ApiError;
use kit::routes::ApiRoutes;
use peerlab_store::Store;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};

pub use auth::ops::{INVITATION_DAYS, RESET_MINUTES};
pub use auth::password::hash_password;
pub use error::{Error, Kind};
pub use kit::live;
pub use kit::secret::{new_secret, sha256_hex};
pub use lrs::{social, xapi};
pub use people::experts;

/// Where time comes from. Handlers never read the system clock directly, so tests can move
/// time forward to expire sessions and throttle windows.
#[derive(Clone, Debug)]
pub enum Clock {
    System,
    Manual(Arc<AtomicI64>),
}

impl Clock {
    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        match self {
            Clock::System => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64),
            Clock::Manual(t) => t.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock forward; does nothing to the system clock.
    pub fn advance_ms(&self, ms: i64) {
        if let Clock::Manual(t) = self {
            t.fetch_add(ms, Ordering::SeqCst);
        }
    }
}

/// Settings of the web layer.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// The address people use to reach peerlab, for invitation links: `http://127.0.0.1:8080`.
    pub public_url: String,
    /// Where e-mail goes; `None` keeps it in the outbound queue, marked held.
    pub mail: Option<outbound::mail::MailSettings>,
}

impl WebConfig {
    /// Cookies are marked `Secure` when the public address is HTTPS or loopback (browsers
    /// treat `http://127.0.0.1` and `http://localhost` as secure contexts).
    fn secure_cookies(&self) -> bool {
        let Some(rest) = self.public_url.strip_prefix("http://") else {
            return true;
        };
        let authority = rest.split('/').next().unwrap_or_default();
        let host = match authority.rsplit_once(':') {
            Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
            _ => authority,
        };
        host == "localhost"
            || host == "[::1]"
            || host.split('.').next() == Some("127") && host.split('.').count() == 4
    }
}

/// Shared state of one server process.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Clock,
    pub config: Arc<WebConfig>,
    imports: people::import::Jobs,
    hashing: Arc<tokio::sync::Semaphore>,
    // Grouping and matching searches, one at a time: each already uses a core fully.
    searching: Arc<tokio::sync::Semaphore>,
    /// Listeners of open threads (live updates).
    pub live: live::Hub,
    /// This node's job runner: its id, wake-up and the jobs it ran.
    pub jobs: jobs::Jobs,
    /// The SMTP transport, when e-mail is on.
    pub mailer: Option<outbound::mail::Mailer>,
    /// The HTTP client outgoing webhooks use (pooled; a 10-second timeout).
    pub http: reqwest::Client,
    /// The key that signs unsubscribe links, read from the database once.
    unsubscribe_key: Arc<tokio::sync::OnceCell<Vec<u8>>>,
}

impl AppState {
    /// The state of one node. Fails only when the mail settings cannot make a transport
    /// (they were checked when parsed, so that is a bug).
    pub fn new(store: Store, clock: Clock, config: WebConfig) -> Self {
        auth::password::warm_up();
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mailer = config
            .mail
            .clone()
            .and_then(|m| match outbound::mail::Mailer::new(m) {
                Ok(mailer) => Some(mailer),
                Err(e) => {
                    tracing::error!(error = %e, "e-mail is off: the SMTP settings cannot be used");
                    None
                }
            });
        Self {
            mailer,
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("peerlab/", env!("CARGO_PKG_VERSION")))
                .build()
                .unwrap_or_default(),
            unsubscribe_key: Arc::default(),
            live: live::Hub::new(&store),
            store,
            clock,
            config: Arc::new(config),
            imports: people::import::Jobs::default(),
            hashing: Arc::new(tokio::sync::Semaphore::new(cores)),
            searching: Arc::new(tokio::sync::Semaphore::new(1)),
            jobs: jobs::Jobs::new(),
        }
    }

    fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Today's date in UTC, by the same clock.
    fn today(&self) -> chrono::NaiveDate {
        chrono::DateTime::from_timestamp_millis(self.now())
            .map(|t| t.date_naive())
            .unwrap_or_default()
    }
}

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application: pages, API, health endpoints, assets, and the layers every request
/// passes through (request id, tracing).
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(auth::router())
        .merge(people::router())
        .merge(programs::router())
        .merge(grouping::router())
        .merge(grouping::coffee_router())
        .merge(spaces::router())
        .merge(lrs::router())
        .merge(outbound::pages::router())
        .merge(outbound::hook_pages::router())
        .nest(
            "/api/v1",
            api()
                .into_router()
                .fallback(|| async { ApiError(Error::not_found("API endpoint")) })
                .layer(axum::extract::DefaultBodyLimit::max(MAX_JSON_BYTES)),
        )
        .nest_service("/xapi", xapi::service(state.clone()))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/assets/app.css", get(css))
        .route("/assets/app.js", get(js))
        .route("/assets/icon.svg", get(icon))
        .fallback(kit::page::not_found)
        .with_state(state)
        .layer(axum::middleware::map_response(|mut response: axum::response::Response| async move {
            for (name, value) in security_headers() {
                response.headers_mut().entry(name).or_insert(value);
            }
            // A body refused as too large was not read to its end, so this connection cannot
            // carry another request: say so, or a client may reuse it and see it cut.
            if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            response
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req.extensions().get::<RequestId>().and_then(|id| id.header_value().to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", request_id = %id, method = %req.method(), path = %loggable_path(req.uri().path()))
                })
                // One line per request, with its status and latency, inside the request's span.
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
                .on_failure(DefaultOnFailure::new().level(tracing::Level::WARN)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
}

/// The JSON API under `/api/v1`, described by `openapi.json` (served at
/// `/api/v1/openapi.json`). Every request but the document itself needs a bearer token;
/// errors are `{"error": "<stable_code>", "message": "..."}`.
fn api() -> ApiRoutes {
    ApiRoutes::new()
        .route("/openapi.json", get(openapi))
        .merge(auth::api())
        .merge(people::api())
        .merge(programs::api())
        .merge(spaces::api())
        .merge(grouping::api())
        .merge(grouping::session_api())
        .merge(grouping::partners_api())
        .merge(grouping::coffee_api())
        .merge(outbound::api())
        .merge(outbound::admin_api())
}

/// The path of every route of the JSON API, as axum spells them (`/people/{id}`), for the
/// test that compares the router with `openapi.json`.
pub fn api_paths() -> Vec<&'static str> {
    api().paths().to_vec()
}

async fn openapi() -> axum::response::Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../openapi.json"),
    )
        .into_response()
}

/// The path as logs show it: an invitation link's secret is replaced, so that reading the
/// logs does not let anyone in.
fn loggable_path(path: &str) -> &str {
    if path.starts_with("/invite/") {
        "/invite/{token}"
    } else {
        path
    }
}

async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::error!(error = %e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database not reachable")
        }
    }
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../assets/app.css"),
    )
}

async fn icon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../assets/icon.svg"),
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../assets/app.js"),
    )
}

/// Headers on every response: no framing, no MIME sniffing, no referrer leaving the site
/// (invitation links carry a secret in their path), and a policy that allows only peerlab's
/// own stylesheet and script.
fn security_headers() -> [(HeaderName, HeaderValue); 4] {
    [
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                 frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
    ]
}

/// Serves `state` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let relay = tokio::spawn(live::relay(state.live.clone()));
    let runner = jobs::start(state.clone());
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    relay.abort();
    runner.stop().await;
    served
}
