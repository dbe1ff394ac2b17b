//! The page kit: the layout's navigation, rendering a template, error pages, redirects and
//! the filters templates share. Every page works without JavaScript; forms post back and
//! redirect. Templates are compiled into the binary and escape every value by default.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use peerlab_core::Level;

use crate::error::{Error, Kind};
use crate::kit::http::status;
pub use crate::kit::session::PageError;
use crate::kit::session::{MaybeUser, User};

/// What the layout needs: who is signed in, their CSRF token, the current section.
pub struct Nav {
    pub user: Option<NavUser>,
    pub csrf: String,
    pub active: &'static str,
}

pub struct NavUser {
    pub id: peerlab_store::PersonId,
    pub name: String,
    pub is_admin: bool,
    /// Unread notifications, shown on the bell.
    pub unread: i64,
}

impl Nav {
    pub(crate) fn new(user: Option<&User>, active: &'static str) -> Self {
        Nav {
            user: user.map(|u| NavUser {
                id: u.id(),
                name: u.0.name.clone(),
                is_admin: u.is_admin(),
                unread: u.0.unread,
            }),
            csrf: user.map(|u| u.0.csrf_token.clone()).unwrap_or_default(),
            active,
        }
    }
}

pub(crate) mod filters {
    /// "Ana Silva" → "AS", for avatars.
    pub fn initials<T: std::fmt::Display>(s: T, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(s.to_string()
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .take(2)
            .flat_map(char::to_uppercase)
            .collect())
    }
}

pub(crate) fn level_label(level: &i64) -> &'static str {
    Level::new(*level).map_or("", |l| l.label())
}

pub(crate) fn date(ms: impl std::borrow::Borrow<i64>) -> String {
    let ms = *ms.borrow();
    // Days since the epoch to a civil date (Howard Hinnant's algorithm), to avoid a date crate.
    let days = ms.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => status(Error::internal(e).kind).into_response(),
    }
}

pub(crate) fn render_status(status: StatusCode, t: &impl Template) -> Response {
    let mut r = render(t);
    if r.status() == StatusCode::OK {
        *r.status_mut() = status;
    }
    r
}

#[derive(Template)]
#[template(path = "kit/error.html")]
struct ErrorPage {
    nav: Nav,
    heading: String,
    message: String,
}

/// Renders an error as a page with its status.
pub fn error_page(user: Option<&User>, e: Error) -> Response {
    let heading = match e.kind {
        Kind::NotFound => "Not found",
        Kind::Forbidden => "Not allowed",
        Kind::Conflict => "Already done",
        Kind::TooLarge => "Too large",
        Kind::TooMany => "Too many attempts",
        Kind::Internal => "Something went wrong",
        _ => "Please check your input",
    };
    let message = capitalize(&e.message);
    render_status(
        status(e.kind),
        &ErrorPage {
            nav: Nav::new(user, ""),
            heading: heading.into(),
            message,
        },
    )
}

/// A page handler's error is shown as a page with the person's navigation.
impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (user, error) = *self.0;
        error_page(user.as_ref(), error)
    }
}

pub(crate) type PageResult = Result<Response, PageError>;

/// Attaches the signed-in person to an error so its page keeps the navigation.
pub(crate) trait ForUser<T> {
    fn for_user(self, user: &User) -> Result<T, PageError>;
}

impl<T, E: Into<Error>> ForUser<T> for Result<T, E> {
    fn for_user(self, user: &User) -> Result<T, PageError> {
        self.map_err(|e| PageError::new(Some(user.clone()), e.into()))
    }
}

pub async fn not_found(MaybeUser(user): MaybeUser) -> Response {
    error_page(user.as_ref(), Error::not_found("page"))
}

pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// "that e-mail…" → "That e-mail…", for messages shown as sentences.
pub(crate) fn capitalize(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Template)]
#[template(path = "kit/notice.html")]
pub struct SecretPage {
    pub nav: Nav,
    pub heading: String,
    pub message: String,
    pub secret: String,
    pub back_href: String,
    pub back_label: String,
}
