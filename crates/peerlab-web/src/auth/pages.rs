//! The pages of signing in: log in, log out, set a password through an invitation link, ask
//! for a link to choose a new one, and create or revoke one's API tokens.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use peerlab_core::Email;
use serde::Deserialize;

use super::ops::new_api_token;
use super::password;
use crate::error::{Error, Kind};
use crate::kit::http::status;
use crate::kit::page::{
    capitalize, error_page, render, render_status, see_other, ForUser, Nav, PageResult, SecretPage,
};
use crate::kit::secret::{constant_time_eq, new_secret, sha256_hex};
use crate::kit::session::{self, CsrfForm, MaybeUser};
use crate::AppState;
use peerlab_store::PersonId;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
        .route("/invite/{token}", get(invite_form).post(invite_submit))
        .route("/password/forgot", get(forgot_form).post(forgot_submit))
        .route("/me/tokens", post(create_token))
        .route("/me/tokens/{id}/revoke", post(revoke_token))
}

#[derive(Deserialize)]
struct Empty {}

#[derive(Deserialize)]
struct NameForm {
    name: String,
}

// ---- Log in, log out, invitations ----------------------------------------------------------

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    nav: Nav,
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only local paths are followed after login, never another site. Browsers drop tabs and
/// newlines from URLs and treat a backslash as `/`, so `/\t/evil.example` would leave the site:
/// anything with whitespace, control characters or a backslash is refused.
fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\');
    if local {
        next
    } else {
        "/"
    }
}

/// Renders a form for someone without a session, protected by a double-submit token: the
/// same random value in a cookie and in the form's `csrf` field.
fn anonymous_form<T: Template>(
    state: &AppState,
    status: StatusCode,
    page: impl FnOnce(String) -> T,
) -> Response {
    let csrf = new_secret();
    let mut response = render_status(status, &page(csrf.clone()));
    if let Ok(v) = session::set_cookie(state, session::LOGIN_CSRF_COOKIE, &csrf, 3600).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// Whether an anonymous form came back with the token its cookie holds.
fn anonymous_form_token_ok(headers: &HeaderMap, csrf: &str) -> bool {
    let cookie = session::cookie(headers, session::LOGIN_CSRF_COOKIE).unwrap_or("");
    !csrf.is_empty() && constant_time_eq(cookie.as_bytes(), csrf.as_bytes())
}

fn login_page(
    state: &AppState,
    status: StatusCode,
    next: &str,
    email: &str,
    error: Option<String>,
) -> Response {
    anonymous_form(state, status, |csrf| LoginPage {
        nav: Nav::new(None, ""),
        csrf,
        next: next.into(),
        email: email.into(),
        error,
    })
}

async fn login_form(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(q): Query<NextQuery>,
) -> Response {
    if user.is_some() {
        return see_other(safe_next(&q.next));
    }
    login_page(&state, StatusCode::OK, safe_next(&q.next), "", None)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

async fn login_submit(
    State(state): State<AppState>,
    connect: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(&form.next);
    if !anonymous_form_token_ok(&headers, &form.csrf) {
        let m = "the login form expired or your browser blocked its cookie; please try again";
        return login_page(
            &state,
            StatusCode::FORBIDDEN,
            next,
            &form.email,
            Some(m.into()),
        );
    }
    let Ok(email) = Email::parse(&form.email) else {
        let m = "enter your e-mail address, as in name@example.com";
        return login_page(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            next,
            &form.email,
            Some(m.into()),
        );
    };
    let email_key = format!("email:{email}");
    let client_key = password::client_key(&connect);
    let result = async {
        password::admit_login(&state, &email_key, &client_key).await?;
        let (id, hash) = state.store.credentials(&email).await?.unzip();
        let password = form.password.clone();
        let hash = hash.flatten();
        let ok = password::hashing(&state, move || {
            password::verify_password(&password, hash.as_deref())
        })
        .await?;
        match (ok, id) {
            (true, Some(id)) => Ok(id),
            _ => Err(Error::new(
                Kind::Unauthenticated,
                "bad_credentials",
                "that e-mail and password do not match",
            )),
        }
    }
    .await;
    match result {
        Ok(person_id) => match start_session(&state, person_id, next).await {
            Ok(r) => {
                if let Err(e) = password::login_succeeded(&state, &email_key, &client_key).await {
                    tracing::warn!(error = %e.message, "could not reset the login throttle");
                }
                r
            }
            Err(e) => error_page(None, e),
        },
        Err(e) if e.kind == Kind::Internal => error_page(None, e),
        Err(e) => login_page(
            &state,
            status(e.kind),
            next,
            email.as_str(),
            Some(capitalize(&e.message)),
        ),
    }
}

async fn start_session(
    state: &AppState,
    person_id: PersonId,
    next: &str,
) -> Result<Response, Error> {
    let token = new_secret();
    let now = state.now();
    let expires = now + session::SESSION_DAYS * 86_400_000;
    state
        .store
        .create_session(&sha256_hex(&token), person_id, &new_secret(), now, expires)
        .await?;
    let mut r = see_other(next);
    let headers = r.headers_mut();
    let session = session::set_cookie(
        state,
        session::SESSION_COOKIE,
        &token,
        session::SESSION_DAYS * 86_400,
    );
    let clear_login = session::set_cookie(state, session::LOGIN_CSRF_COOKIE, "", 0);
    for v in [session, clear_login] {
        headers.append(header::SET_COOKIE, v.parse().map_err(Error::internal)?);
    }
    Ok(r)
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfForm { user, .. }: CsrfForm<Empty>,
) -> PageResult {
    if let Some(token) = session::cookie(&headers, session::SESSION_COOKIE) {
        state
            .store
            .delete_session(&sha256_hex(token))
            .await
            .for_user(&user)?;
    }
    let mut r = see_other("/login");
    if let Ok(v) = session::set_cookie(&state, session::SESSION_COOKIE, "", 0).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

#[derive(Template)]
#[template(path = "auth/invite.html")]
struct InvitePage {
    nav: Nav,
    csrf: String,
    token: String,
    name: String,
    email: String,
    has_password: bool,
    min_chars: usize,
    error: Option<String>,
}

fn invalid_invitation() -> Error {
    Error::new(
        Kind::NotFound,
        "not_found",
        "this invitation link is invalid, already used or expired; ask an admin for a new one",
    )
}

async fn invite_form(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match state
        .store
        .invitation(&sha256_hex(&token), state.now())
        .await
    {
        Ok(Some(inv)) => anonymous_form(&state, StatusCode::OK, |csrf| InvitePage {
            nav: Nav::new(None, ""),
            csrf,
            token,
            name: inv.name,
            email: inv.email,
            has_password: inv.has_password,
            min_chars: password::MIN_PASSWORD_CHARS,
            error: None,
        }),
        Ok(None) => error_page(None, invalid_invitation()),
        Err(e) => error_page(None, e.into()),
    }
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

async fn invite_submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(form): Form<InviteForm>,
) -> Response {
    if !anonymous_form_token_ok(&headers, &form.csrf) {
        let m =
            "the form expired or your browser blocked its cookie; open the invitation link again";
        return error_page(
            None,
            Error {
                code: "csrf",
                ..Error::forbidden(m)
            },
        );
    }
    let hash = sha256_hex(&token);
    let inv = match state.store.invitation(&hash, state.now()).await {
        Ok(Some(inv)) => inv,
        Ok(None) => return error_page(None, invalid_invitation()),
        Err(e) => return error_page(None, e.into()),
    };
    let again = |message: String| {
        anonymous_form(&state, StatusCode::UNPROCESSABLE_ENTITY, |csrf| {
            InvitePage {
                nav: Nav::new(None, ""),
                csrf,
                token: token.clone(),
                name: inv.name.clone(),
                email: inv.email.clone(),
                has_password: inv.has_password,
                min_chars: password::MIN_PASSWORD_CHARS,
                error: Some(message),
            }
        })
    };
    if form.password != form.confirm {
        return again("The two passwords are not the same.".into());
    }
    let password = form.password;
    let password_hash =
        match password::hashing(&state, move || password::hash_password(&password)).await {
            Ok(Ok(h)) => h,
            Ok(Err(e)) if e.kind != Kind::Internal => {
                return again(format!("Please choose another password: {}.", e.message))
            }
            Ok(Err(e)) | Err(e) => return error_page(None, e),
        };

    match state
        .store
        .accept_invitation(&hash, &password_hash, state.now())
        .await
    {
        Ok(person_id) => start_session(&state, person_id, "/")
            .await
            .unwrap_or_else(|e| error_page(None, e)),
        Err(peerlab_store::StoreError::NotFound(_)) => error_page(None, invalid_invitation()),
        Err(e) => error_page(None, e.into()),
    }
}

// ---- Forgot password -----------------------------------------------------------------------

/// Links one address may ask for in a throttle window, and one client (one IP address).
const RESETS_PER_EMAIL: i64 = 3;
const RESETS_PER_CLIENT: i64 = 20;

#[derive(Template)]
#[template(path = "auth/forgot.html")]
struct ForgotPage {
    nav: Nav,
    csrf: String,
    email: String,
    mail_on: bool,
    /// The address a link was sent to, if it has an account.
    sent: Option<String>,
    minutes: i64,
    error: Option<String>,
}

fn forgot_page(
    state: &AppState,
    status: StatusCode,
    email: &str,
    sent: Option<String>,
    error: Option<String>,
) -> Response {
    anonymous_form(state, status, |csrf| ForgotPage {
        nav: Nav::new(None, ""),
        csrf,
        email: email.into(),
        mail_on: state.mailer.is_some(),
        sent,
        minutes: super::ops::RESET_MINUTES,
        error,
    })
}

async fn forgot_form(State(state): State<AppState>) -> Response {
    forgot_page(&state, StatusCode::OK, "", None, None)
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    csrf: String,
}

/// Mails a link to choose a new password. The answer is the same whether or not the address
/// has an account (nobody learns who works here from it), and an address or a client asking
/// too often is refused with 429, whichever it is.
async fn forgot_submit(
    State(state): State<AppState>,
    connect: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<ForgotForm>,
) -> Response {
    let again = |status, message: &str| {
        forgot_page(&state, status, &form.email, None, Some(message.into()))
    };
    if !anonymous_form_token_ok(&headers, &form.csrf) {
        return again(
            StatusCode::FORBIDDEN,
            "The form expired or your browser blocked its cookie; please try again.",
        );
    }
    if state.mailer.is_none() {
        return again(
            StatusCode::CONFLICT,
            "This peerlab does not send e-mail; ask an admin for a new invitation link.",
        );
    }
    let Ok(email) = Email::parse(&form.email) else {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Enter your e-mail address, as in name@example.com.",
        );
    };
    let result = async {
        let now = state.now();
        let window = now - password::THROTTLE_WINDOW_MS;
        let by_email = state
            .store
            .count_login_attempt(&format!("reset:{email}"), now, window)
            .await?;
        let client = format!("reset-{}", password::client_key(&connect));
        let by_client = state
            .store
            .count_login_attempt(&client, now, window)
            .await?;
        if by_email > RESETS_PER_EMAIL || by_client > RESETS_PER_CLIENT {
            return Err(Error::new(
                Kind::TooMany,
                "too_many_attempts",
                "too many links asked for; wait 15 minutes and try again",
            ));
        }
        if let Some(person) = state.store.person_by_email(&email).await? {
            let link = super::ops::reset_link(&state, person.id).await?;
            crate::outbound::send_reset(&state, &person, &link).await?;
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => forgot_page(&state, StatusCode::OK, "", Some(email.to_string()), None),
        Err(e) if e.kind == Kind::Internal => error_page(None, e),
        Err(e) => again(status(e.kind), &capitalize(&e.message)),
    }
}

async fn create_token(
    State(state): State<AppState>,
    CsrfForm { user, form }: CsrfForm<NameForm>,
) -> PageResult {
    let (_, token) = new_api_token(&state.store, user.id(), &form.name, state.now())
        .await
        .for_user(&user)?;
    Ok(render(&SecretPage {
        nav: Nav::new(Some(&user), "me"),
        heading: "New API token".into(),
        message: format!(
            "Your token “{}” is ready. Send it as Authorization: Bearer <token>.",
            form.name.trim()
        ),
        secret: token,
        back_href: format!("/people/{}#tokens", user.id()),
        back_label: "Back to your profile".into(),
    }))
}

async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { user, .. }: CsrfForm<Empty>,
) -> PageResult {
    state
        .store
        .revoke_api_token(user.id(), id, state.now())
        .await
        .for_user(&user)?;
    Ok(see_other(&format!("/people/{}#tokens", user.id())))
}
