//! Who is asking: password hashing, sessions in cookies, API tokens, CSRF and the login
//! throttle.
//!
//! Decisions:
//! - Passwords are hashed with argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes).
//! - Session and API tokens are 256-bit random secrets; the database stores only their
//!   SHA-256, so reading the database does not let anyone in.
//! - Pages authenticate by session cookie (`HttpOnly`, `SameSite=Lax`, `Secure`); every
//!   state-changing form carries the session's CSRF token and is checked by [`CsrfForm`].
//!   The login form, which has no session yet, uses a double-submit cookie.
//! - The JSON API authenticates only by `Authorization: Bearer`, never by cookie, so a
//!   browser cannot be tricked into calling it.
//! - Failed logins are counted per e-mail and per client address in the database (so that
//!   several nodes count together); past the limit, logins are refused for the rest of the
//!   window whether or not the password is right, and the answer never says whether the
//!   e-mail exists.

use std::net::SocketAddr;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use peerlab_core::Role;
use peerlab_store::SessionUser;
use rand::RngCore;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, Error};
use crate::AppState;

pub const SESSION_COOKIE: &str = "peerlab_session";
pub const LOGIN_CSRF_COOKIE: &str = "peerlab_login_csrf";
pub const SESSION_DAYS: i64 = 14;
pub const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
pub const MAX_FAILURES_PER_CLIENT: i64 = 30;
pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 200;

/// A new random secret, URL-safe.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn sha256_hex(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks a new password against the policy, then hashes it with argon2id.
pub fn hash_password(password: &str) -> Result<String, Error> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(Error::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "weak_password",
            format!("the password must have at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(Error::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            format!("the password must have at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(Error::internal)
}

/// A hash of a random password, verified against when the e-mail is unknown so that a
/// failed login takes as long whether or not the person exists.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&new_secret()).unwrap_or_default())
}

/// Computes the dummy hash now, so the first unknown e-mail does not take longer.
pub fn warm_up() {
    dummy_hash();
}

pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    let stored = match hash {
        Some(h) => h,
        None => dummy_hash(),
    };
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    ok && hash.is_some()
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_secs: i64) -> String {
    let secure = if state.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

/// The signed-in person, from a page's session cookie.
#[derive(Debug, Clone)]
pub struct User(pub SessionUser);

impl User {
    pub fn id(&self) -> i64 {
        self.0.person_id
    }
    pub fn is_admin(&self) -> bool {
        self.0.role == Role::Admin
    }
    pub fn require_admin(&self) -> Result<(), Error> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Error::forbidden("only an admin may do this"))
        }
    }
    /// Facilitators and admins run cohorts; members may not.
    pub fn require_facilitator(&self) -> Result<(), Error> {
        if matches!(self.0.role, Role::Admin | Role::Facilitator) {
            Ok(())
        } else {
            Err(Error::forbidden(
                "only a facilitator or an admin may do this",
            ))
        }
    }
}

/// A page request without a valid session: the browser is sent to the login page.
pub struct LoginRedirect(String);

impl IntoResponse for LoginRedirect {
    fn into_response(self) -> Response {
        Redirect::to(&self.0).into_response()
    }
}

async fn session_user(state: &AppState, headers: &HeaderMap) -> Result<Option<SessionUser>, Error> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    Ok(state
        .store
        .session_user(&sha256_hex(token), state.now())
        .await?)
}

impl<S> FromRequestParts<S> for User
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        match MaybeUser::from_request_parts(parts, s).await? {
            MaybeUser(Some(user)) => Ok(user),
            MaybeUser(None) => {
                // After logging in, a GET comes back where it was; a form post cannot be
                // replayed, so it starts from the home page.
                let next = match parts.method {
                    axum::http::Method::GET => {
                        parts.uri.path_and_query().map_or("/", |p| p.as_str())
                    }
                    _ => "/",
                };
                Err(LoginRedirect(format!("/login?next={}", urlencode(next))).into_response())
            }
        }
    }
}

/// The signed-in person if there is one.
pub struct MaybeUser(pub Option<User>);

impl<S> FromRequestParts<S> for MaybeUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(s);
        match session_user(&state, &parts.headers).await {
            Ok(user) => Ok(MaybeUser(user.map(User))),
            Err(e) => Err(crate::pages::error_page(None, e)),
        }
    }
}

/// A form whose `csrf` field matched the session's token, from a signed-in person.
/// Every state-changing page handler takes its input through this extractor.
pub struct CsrfForm<T> {
    pub user: User,
    pub form: T,
}

#[derive(serde::Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

impl<S, T> FromRequest<S> for CsrfForm<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, s: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let user = User::from_request_parts(&mut parts, s).await?;
        let req = Request::from_parts(parts, body);
        let bytes = axum::body::Bytes::from_request(req, s)
            .await
            .map_err(IntoResponse::into_response)?;
        let token: CsrfOnly = serde_urlencoded_from(&bytes).unwrap_or(CsrfOnly {
            csrf: String::new(),
        });
        if token.csrf.is_empty()
            || !constant_time_eq(token.csrf.as_bytes(), user.0.csrf_token.as_bytes())
        {
            let e = Error::forbidden("the form's security token is missing or out of date; reload the page and try again");
            return Err(crate::pages::error_page(
                Some(&user),
                Error { code: "csrf", ..e },
            ));
        }
        let form: T = serde_urlencoded_from(&bytes).map_err(|e| {
            crate::pages::error_page(
                Some(&user),
                Error::bad_request(format!("the form is incomplete: {e}")),
            )
        })?;
        Ok(CsrfForm { user, form })
    }
}

fn serde_urlencoded_from<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    serde_urlencoded::from_bytes(bytes).map_err(|e| e.to_string())
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The person behind an API request's bearer token.
pub struct ApiUser(pub User);

impl<S> FromRequestParts<S> for ApiUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(s);
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(Error::unauthenticated().into());
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or_else(|| {
                Error::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "the Authorization header must be `Bearer <token>`",
                )
            })?;
        match state
            .store
            .api_token_user(&sha256_hex(token), state.now())
            .await?
        {
            Some(user) => Ok(ApiUser(User(user))),
            None => Err(Error::new(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "the API token is unknown or has been revoked",
            )
            .into()),
        }
    }
}

/// The client's address, for the per-client login throttle.
pub fn client_key(connect: &ConnectInfo<SocketAddr>) -> String {
    format!("client:{}", connect.0.ip())
}

/// Counts a login attempt against the e-mail and the client address; `Err` (429) when either
/// is over its limit, in which case the password must not be checked at all.
pub async fn admit_login(state: &AppState, email_key: &str, client_key: &str) -> Result<(), Error> {
    let now = state.now();
    let window_start = now - THROTTLE_WINDOW_MS;
    let by_email = state
        .store
        .count_login_attempt(email_key, now, window_start)
        .await?;
    let by_client = state
        .store
        .count_login_attempt(client_key, now, window_start)
        .await?;
    if by_email > MAX_FAILURES_PER_EMAIL || by_client > MAX_FAILURES_PER_CLIENT {
        return Err(Error::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many failed logins; wait 15 minutes and try again, or ask an admin for a new invitation link",
        ));
    }
    Ok(())
}

/// A successful login clears the e-mail's count and takes back its attempt from the client's.
pub async fn login_succeeded(
    state: &AppState,
    email_key: &str,
    client_key: &str,
) -> Result<(), Error> {
    state.store.clear_login_failures(email_key).await?;
    state.store.forgive_login_attempt(client_key).await?;
    Ok(())
}

/// Runs an argon2 computation on the blocking pool, at most as many at once as there are
/// cores: each takes 19 MiB and tens of milliseconds, and logins are unauthenticated.
pub async fn hashing<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Error> {
    let _permit = state.hashing.acquire().await.map_err(Error::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(Error::internal)
}
