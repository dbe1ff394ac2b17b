//! Who is asking: the session cookie of a page, the bearer token of an API request, and
//! the CSRF token every state-changing form carries.
//!
//! - Pages authenticate by session cookie (`HttpOnly`, `SameSite=Lax`, `Secure`); every
//!   state-changing form carries the session's CSRF token and is checked by [`CsrfForm`].
//! - The JSON API authenticates only by `Authorization: Bearer`, never by cookie, so a
//!   browser cannot be tricked into calling it.

use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use peerlab_core::Role;
use peerlab_store::SessionUser;
use serde::de::DeserializeOwned;

use crate::error::{Error, Kind};
use crate::kit::http::ApiError;
use crate::kit::secret::{constant_time_eq, sha256_hex};
use crate::AppState;

pub const SESSION_COOKIE: &str = "peerlab_session";
pub const LOGIN_CSRF_COOKIE: &str = "peerlab_login_csrf";
pub const SESSION_DAYS: i64 = 14;

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
    pub fn id(&self) -> peerlab_store::PersonId {
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
            Err(e) => Err(PageError::new(None, e).into_response()),
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
            return Err(PageError::new(Some(user), Error { code: "csrf", ..e }).into_response());
        }
        let form: T = serde_urlencoded_from(&bytes).map_err(|e| {
            PageError::new(
                Some(user.clone()),
                Error::bad_request(format!("the form is incomplete: {e}")),
            )
            .into_response()
        })?;
        Ok(CsrfForm { user, form })
    }
}

fn serde_urlencoded_from<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    serde_urlencoded::from_bytes(bytes).map_err(|e| e.to_string())
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
                    Kind::Unauthenticated,
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
                Kind::Unauthenticated,
                "invalid_token",
                "the API token is unknown or has been revoked",
            )
            .into()),
        }
    }
}

/// A page handler's error, shown with the person's navigation (rendered by `kit::page`). Boxed: it travels in every
/// handler's `Result`, and the success path should not pay for its size.
pub struct PageError(pub(crate) Box<(Option<User>, Error)>);

impl PageError {
    pub(crate) fn new(user: Option<User>, error: Error) -> Self {
        PageError(Box::new((user, error)))
    }
}
