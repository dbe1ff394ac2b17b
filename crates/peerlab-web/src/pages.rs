//! Server-rendered pages. Every page works without JavaScript; forms post back and redirect.
//! Templates are compiled into the binary and escape every value by default.

use askama::Template;
use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use peerlab_core::import::{ImportError, COLUMNS};
use peerlab_core::{Email, Level, Role, SkillName};
use peerlab_store::{
    ApiToken, DirectoryFilter, Facets, Person, PersonSkill, PersonSummary, SkillRef,
};
use serde::Deserialize;
use std::net::SocketAddr;

use crate::auth::{self, CsrfForm, MaybeUser, User};
use crate::error::Error;
use crate::experts::{self, Expert};
use crate::import::{self, Status, MAX_IMPORT_BYTES};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
        .route("/invite/{token}", get(invite_form).post(invite_submit))
        .route("/people", get(directory))
        .route("/people/{id}", get(profile))
        .route("/people/{id}/skills/{skill_id}/endorse", post(endorse))
        .route("/people/{id}/skills/{skill_id}/unendorse", post(unendorse))
        .route("/people/{id}/role", post(set_role))
        .route("/people/{id}/invite", post(invite))
        .route("/me", get(me))
        .route("/me/skills", post(add_skill))
        .route("/me/skills/{skill_id}/delete", post(remove_skill))
        .route("/me/wants", post(add_want))
        .route("/me/wants/{skill_id}/delete", post(remove_want))
        .route("/me/tokens", post(create_token))
        .route("/me/tokens/{id}/revoke", post(revoke_token))
        .route("/experts", get(experts_page))
        .route(
            "/admin/import",
            get(import_form)
                .post(import_upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    MAX_IMPORT_BYTES + 64 * 1024,
                )),
        )
        .route("/admin/import/template.csv", get(import_template))
        .route("/admin/imports/{id}", get(import_job))
}

/// What the layout needs: who is signed in, their CSRF token, the current section.
pub struct Nav {
    pub user: Option<NavUser>,
    pub csrf: String,
    pub active: &'static str,
}

pub struct NavUser {
    pub id: i64,
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

fn level_label(level: &i64) -> &'static str {
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
        Err(e) => Error::internal(e).status.into_response(),
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
#[template(path = "error.html")]
struct ErrorPage {
    nav: Nav,
    heading: String,
    message: String,
}

/// Renders an error as a page with its status.
pub fn error_page(user: Option<&User>, e: Error) -> Response {
    let heading = match e.status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::CONFLICT => "Already done",
        StatusCode::PAYLOAD_TOO_LARGE => "Too large",
        StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
        s if s.is_server_error() => "Something went wrong",
        _ => "Please check your input",
    };
    let message = capitalize(&e.message);
    render_status(
        e.status,
        &ErrorPage {
            nav: Nav::new(user, ""),
            heading: heading.into(),
            message,
        },
    )
}

/// A page handler's error, shown with the person's navigation. Boxed: it travels in every
/// handler's `Result`, and the success path should not pay for its size.
pub struct PageError(Box<(Option<User>, Error)>);

impl PageError {
    pub(crate) fn new(user: Option<User>, error: Error) -> Self {
        PageError(Box::new((user, error)))
    }
}

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

// ---- Log in, log out, invitations ----------------------------------------------------------

#[derive(Template)]
#[template(path = "login.html")]
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

/// "that e-mail…" → "That e-mail…", for messages shown as sentences.
pub(crate) fn capitalize(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Renders a form for someone without a session, protected by a double-submit token: the
/// same random value in a cookie and in the form's `csrf` field.
fn anonymous_form<T: Template>(
    state: &AppState,
    status: StatusCode,
    page: impl FnOnce(String) -> T,
) -> Response {
    let csrf = auth::new_secret();
    let mut response = render_status(status, &page(csrf.clone()));
    if let Ok(v) = auth::set_cookie(state, auth::LOGIN_CSRF_COOKIE, &csrf, 3600).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// Whether an anonymous form came back with the token its cookie holds.
fn anonymous_form_token_ok(headers: &HeaderMap, csrf: &str) -> bool {
    let cookie = auth::cookie(headers, auth::LOGIN_CSRF_COOKIE).unwrap_or("");
    !csrf.is_empty() && auth::constant_time_eq(cookie.as_bytes(), csrf.as_bytes())
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
    let client_key = auth::client_key(&connect);
    let result = async {
        auth::admit_login(&state, &email_key, &client_key).await?;
        let (id, hash) = state.store.credentials(&email).await?.unzip();
        let password = form.password.clone();
        let hash = hash.flatten();
        let ok = auth::hashing(&state, move || {
            auth::verify_password(&password, hash.as_deref())
        })
        .await?;
        match (ok, id) {
            (true, Some(id)) => Ok(id),
            _ => Err(Error::new(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "that e-mail and password do not match",
            )),
        }
    }
    .await;
    match result {
        Ok(person_id) => match start_session(&state, person_id, next).await {
            Ok(r) => {
                if let Err(e) = auth::login_succeeded(&state, &email_key, &client_key).await {
                    tracing::warn!(error = %e.message, "could not reset the login throttle");
                }
                r
            }
            Err(e) => error_page(None, e),
        },
        Err(e) if e.status.is_server_error() => error_page(None, e),
        Err(e) => login_page(
            &state,
            e.status,
            next,
            email.as_str(),
            Some(capitalize(&e.message)),
        ),
    }
}

async fn start_session(state: &AppState, person_id: i64, next: &str) -> Result<Response, Error> {
    let token = auth::new_secret();
    let now = state.now();
    let expires = now + auth::SESSION_DAYS * 86_400_000;
    state
        .store
        .create_session(
            &auth::sha256_hex(&token),
            person_id,
            &auth::new_secret(),
            now,
            expires,
        )
        .await?;
    let mut r = see_other(next);
    let headers = r.headers_mut();
    let session = auth::set_cookie(
        state,
        auth::SESSION_COOKIE,
        &token,
        auth::SESSION_DAYS * 86_400,
    );
    let clear_login = auth::set_cookie(state, auth::LOGIN_CSRF_COOKIE, "", 0);
    for v in [session, clear_login] {
        headers.append(header::SET_COOKIE, v.parse().map_err(Error::internal)?);
    }
    Ok(r)
}

#[derive(Deserialize)]
struct Empty {}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfForm { user, .. }: CsrfForm<Empty>,
) -> PageResult {
    if let Some(token) = auth::cookie(&headers, auth::SESSION_COOKIE) {
        state
            .store
            .delete_session(&auth::sha256_hex(token))
            .await
            .for_user(&user)?;
    }
    let mut r = see_other("/login");
    if let Ok(v) = auth::set_cookie(&state, auth::SESSION_COOKIE, "", 0).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    nav: Nav,
    csrf: String,
    token: String,
    name: String,
    email: String,
    min_chars: usize,
    error: Option<String>,
}

fn invalid_invitation() -> Error {
    Error::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "this invitation link is invalid, already used or expired; ask an admin for a new one",
    )
}

async fn invite_form(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match state
        .store
        .invitation(&auth::sha256_hex(&token), state.now())
        .await
    {
        Ok(Some(inv)) => anonymous_form(&state, StatusCode::OK, |csrf| InvitePage {
            nav: Nav::new(None, ""),
            csrf,
            token,
            name: inv.name,
            email: inv.email,
            min_chars: auth::MIN_PASSWORD_CHARS,
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
    let hash = auth::sha256_hex(&token);
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
                min_chars: auth::MIN_PASSWORD_CHARS,
                error: Some(message),
            }
        })
    };
    if form.password != form.confirm {
        return again("The two passwords are not the same.".into());
    }
    let password = form.password;
    let password_hash = match auth::hashing(&state, move || auth::hash_password(&password)).await {
        Ok(Ok(h)) => h,
        Ok(Err(e)) if e.status.is_client_error() => {
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

// ---- Home, directory, profile --------------------------------------------------------------

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    nav: Nav,
    me: i64,
    first_name: String,
    people: i64,
    my_skills: Vec<PersonSkill>,
    my_wants: Vec<SkillRef>,
    suggestions: Vec<(String, Vec<Expert>)>,
}

async fn home(State(state): State<AppState>, user: User) -> PageResult {
    let store = &state.store;
    let me = user.id();
    let my_skills = store.person_skills(me, me).await.for_user(&user)?;
    let my_wants = store.wants(me).await.for_user(&user)?;
    let mut suggestions = Vec::new();
    for want in my_wants.iter().take(3) {
        let mut found = experts::find(store, &want.name, 4).await.for_user(&user)?;
        found.retain(|e| e.person.id != me);
        found.truncate(3);
        if !found.is_empty() {
            suggestions.push((want.name.clone(), found));
        }
    }
    Ok(render(&HomePage {
        nav: Nav::new(Some(&user), "home"),
        me,
        first_name: user
            .0
            .name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string(),
        people: store.count_people().await.for_user(&user)?,
        my_skills,
        my_wants,
        suggestions,
    }))
}

const PAGE_SIZE: i64 = 25;

#[derive(Deserialize, Default)]
struct DirectoryQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    function: String,
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    nav: Nav,
    filter: DirectoryFilter,
    facets: Facets,
    people: Vec<PersonSummary>,
    total: i64,
    page: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
}

async fn directory(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<DirectoryQuery>,
) -> PageResult {
    let filter = DirectoryFilter {
        query: q.q,
        department: q.department,
        location: q.location,
        function: q.function,
    };
    // Clamped so that the offset cannot overflow; a page past the end is simply empty.
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let (people, total) = state
        .store
        .directory(&filter, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        .await
        .for_user(&user)?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let href = |p: i64| {
        format!(
            "/people?q={}&department={}&location={}&function={}&page={p}",
            auth::urlencode(&filter.query),
            auth::urlencode(&filter.department),
            auth::urlencode(&filter.location),
            auth::urlencode(&filter.function)
        )
    };
    Ok(render(&DirectoryPage {
        nav: Nav::new(Some(&user), "people"),
        prev: (page > 1).then(|| href(page - 1)),
        next: (page < pages).then(|| href(page + 1)),
        facets: state.store.facets().await.for_user(&user)?,
        filter,
        people,
        total,
        page,
        pages,
    }))
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    nav: Nav,
    person: Person,
    is_me: bool,
    viewer_is_admin: bool,
    skills: Vec<PersonSkill>,
    wants: Vec<SkillRef>,
    reports: Vec<PersonSummary>,
    tokens: Vec<ApiToken>,
    roles: [Role; 3],
    /// The learning timeline, for the person and admins only.
    timeline: Option<Vec<crate::social::Moment>>,
}

async fn me(user: User) -> Response {
    see_other(&format!("/people/{}", user.id()))
}

async fn profile(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    let store = &state.store;
    let Some(person) = store.person(id).await.for_user(&user)? else {
        return Err(PageError::new(Some(user), Error::not_found("person")));
    };
    let is_me = person.id == user.id();
    Ok(render(&ProfilePage {
        nav: Nav::new(Some(&user), if is_me { "me" } else { "people" }),
        is_me,
        viewer_is_admin: user.is_admin(),
        skills: store.person_skills(id, user.id()).await.for_user(&user)?,
        wants: store.wants(id).await.for_user(&user)?,
        reports: store.direct_reports(id).await.for_user(&user)?,
        tokens: if is_me {
            store.api_tokens(id).await.for_user(&user)?
        } else {
            Vec::new()
        },
        roles: Role::ALL,
        timeline: if is_me || user.is_admin() {
            Some(
                crate::social::timeline(&state, &person.email, 30)
                    .await
                    .for_user(&user)?,
            )
        } else {
            None
        },
        person,
    }))
}

#[derive(Deserialize)]
struct SkillForm {
    name: String,
    #[serde(default)]
    level: String,
}

fn my_profile(user: &User, anchor: &str) -> Response {
    see_other(&format!("/people/{}#{anchor}", user.id()))
}

async fn add_skill(
    State(state): State<AppState>,
    CsrfForm { user, form }: CsrfForm<SkillForm>,
) -> PageResult {
    let name = SkillName::parse(&form.name).for_user(&user)?;
    let level = Level::parse(&form.level).for_user(&user)?;
    state
        .store
        .set_skill(user.id(), &name, level)
        .await
        .for_user(&user)?;
    Ok(my_profile(&user, "skills"))
}

async fn remove_skill(
    State(state): State<AppState>,
    Path(skill_id): Path<i64>,
    CsrfForm { user, .. }: CsrfForm<Empty>,
) -> PageResult {
    state
        .store
        .remove_skill(user.id(), skill_id)
        .await
        .for_user(&user)?;
    Ok(my_profile(&user, "skills"))
}

#[derive(Deserialize)]
struct NameForm {
    name: String,
}

async fn add_want(
    State(state): State<AppState>,
    CsrfForm { user, form }: CsrfForm<NameForm>,
) -> PageResult {
    let name = SkillName::parse(&form.name).for_user(&user)?;
    state
        .store
        .add_want(user.id(), &name)
        .await
        .for_user(&user)?;
    Ok(my_profile(&user, "wants"))
}

async fn remove_want(
    State(state): State<AppState>,
    Path(skill_id): Path<i64>,
    CsrfForm { user, .. }: CsrfForm<Empty>,
) -> PageResult {
    state
        .store
        .remove_want(user.id(), skill_id)
        .await
        .for_user(&user)?;
    Ok(my_profile(&user, "wants"))
}

async fn endorse(
    State(state): State<AppState>,
    Path((id, skill_id)): Path<(i64, i64)>,
    CsrfForm { user, .. }: CsrfForm<Empty>,
) -> PageResult {
    crate::social::endorse(&state, &user, id, skill_id)
        .await
        .for_user(&user)?;
    Ok(see_other(&format!("/people/{id}#skills")))
}

async fn unendorse(
    State(state): State<AppState>,
    Path((id, skill_id)): Path<(i64, i64)>,
    CsrfForm { user, .. }: CsrfForm<Empty>,
) -> PageResult {
    state
        .store
        .unendorse(user.id(), id, skill_id)
        .await
        .for_user(&user)?;
    Ok(see_other(&format!("/people/{id}#skills")))
}

#[derive(Deserialize)]
struct RoleForm {
    role: String,
}

async fn set_role(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { user, form }: CsrfForm<RoleForm>,
) -> PageResult {
    user.require_admin().for_user(&user)?;
    let role = Role::parse(&form.role).for_user(&user)?;
    change_role(&state, id, role).await.for_user(&user)?;
    Ok(see_other(&format!("/people/{id}#admin")))
}

/// Changes a person's role, keeping at least one admin.
pub(crate) async fn change_role(state: &AppState, id: i64, role: Role) -> Result<(), Error> {
    Ok(state.store.change_role_keeping_an_admin(id, role).await?)
}

#[derive(Template)]
#[template(path = "notice.html")]
struct SecretPage {
    nav: Nav,
    heading: String,
    message: String,
    secret: String,
    back_href: String,
    back_label: String,
}

/// How long an invitation link stays valid.
pub const INVITATION_DAYS: i64 = 7;

/// Creates an invitation link for a person.
pub(crate) async fn invitation_link(state: &AppState, person_id: i64) -> Result<String, Error> {
    let token = auth::new_secret();
    let now = state.now();
    state
        .store
        .create_invitation(
            person_id,
            &auth::sha256_hex(&token),
            now,
            now + INVITATION_DAYS * 86_400_000,
        )
        .await?;
    Ok(format!(
        "{}/invite/{token}",
        state.config.public_url.trim_end_matches('/')
    ))
}

async fn invite(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { user, .. }: CsrfForm<Empty>,
) -> PageResult {
    user.require_admin().for_user(&user)?;
    let person = state
        .store
        .person(id)
        .await
        .for_user(&user)?
        .ok_or_else(|| Error::not_found("person"))
        .for_user(&user)?;
    let link = invitation_link(&state, id).await.for_user(&user)?;
    Ok(render(&SecretPage {
        nav: Nav::new(Some(&user), "people"),
        heading: format!("Invitation for {}", person.name),
        message: format!("Send this link to {}. It lets them set a password and is valid for {INVITATION_DAYS} days.", person.email),
        secret: link,
        back_href: format!("/people/{id}"),
        back_label: format!("Back to {}", person.name),
    }))
}

/// Creates an API token; the secret is returned once and only its hash is kept.
pub(crate) async fn new_api_token(
    state: &AppState,
    person_id: i64,
    name: &str,
) -> Result<(i64, String), Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(Error::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "name: give the token a name of 1 to 80 characters",
        ));
    }
    let token = format!("plk_{}", auth::new_secret());
    let id = state
        .store
        .create_api_token(person_id, name, &auth::sha256_hex(&token), state.now())
        .await?;
    Ok((id, token))
}

async fn create_token(
    State(state): State<AppState>,
    CsrfForm { user, form }: CsrfForm<NameForm>,
) -> PageResult {
    let (_, token) = new_api_token(&state, user.id(), &form.name)
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
    Ok(my_profile(&user, "tokens"))
}

// ---- Expert finder -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "experts.html")]
struct ExpertsPage {
    nav: Nav,
    query: String,
    experts: Vec<Expert>,
}

#[derive(Deserialize)]
struct ExpertQuery {
    #[serde(default)]
    q: String,
}

async fn experts_page(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<ExpertQuery>,
) -> PageResult {
    let query = q.q.trim().chars().take(200).collect::<String>();
    let experts = if query.is_empty() {
        Vec::new()
    } else {
        experts::find(&state.store, &query, 20)
            .await
            .for_user(&user)?
    };
    Ok(render(&ExpertsPage {
        nav: Nav::new(Some(&user), "experts"),
        query,
        experts,
    }))
}

// ---- People import -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    nav: Nav,
    max_mb: usize,
    columns: [&'static str; 10],
}

async fn import_form(user: User) -> PageResult {
    user.require_admin().for_user(&user)?;
    Ok(render(&ImportPage {
        nav: Nav::new(Some(&user), "import"),
        max_mb: MAX_IMPORT_BYTES >> 20,
        columns: COLUMNS,
    }))
}

async fn import_template(user: User) -> PageResult {
    user.require_admin().for_user(&user)?;
    let body = format!(
        "{}\nAna Silva,ana.silva@example.com,VP Sales,Sales,Sales,Lisbon,Europe/Lisbon,,Negotiation:5; Coaching:4,Public speaking\n\
         Ben Ode,ben.ode@example.com,Account Executive,Sales,Sales,London,Europe/London,ana.silva@example.com,Negotiation:2,Negotiation; SQL\n",
        COLUMNS.join(",")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"peerlab-people.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

async fn import_upload(
    State(state): State<AppState>,
    user: User,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> PageResult {
    user.require_admin().for_user(&user)?;
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if announced.is_some_and(|n| n > MAX_IMPORT_BYTES + 64 * 1024) {
        return Err(PageError::new(Some(user), import::too_large()));
    }
    let multipart_error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            import::too_large()
        } else {
            Error::bad_request(format!("the upload could not be read: {}", e.body_text()))
        }
    };
    let mut csrf_ok = false;
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(multipart_error)
        .for_user(&user)?
    {
        match field.name() {
            Some("csrf") => {
                let value = field
                    .text()
                    .await
                    .map_err(multipart_error)
                    .for_user(&user)?;
                csrf_ok = auth::constant_time_eq(value.as_bytes(), user.0.csrf_token.as_bytes());
            }
            Some("file") if csrf_ok => {
                let name = field
                    .file_name()
                    .unwrap_or("upload.csv")
                    .chars()
                    .take(120)
                    .collect::<String>();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(multipart_error)
                    .for_user(&user)?;
                if bytes.len() > MAX_IMPORT_BYTES {
                    return Err(PageError::new(Some(user), import::too_large()));
                }
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    if !csrf_ok {
        let e = Error::forbidden(
            "the form's security token is missing or out of date; reload the page and try again",
        );
        return Err(PageError::new(Some(user), Error { code: "csrf", ..e }));
    }
    let Some((name, bytes)) = file else {
        return Err(PageError::new(
            Some(user),
            Error::bad_request("choose a CSV file to import"),
        ));
    };
    let job = import::start(&state, name, bytes);
    Ok(see_other(&format!("/admin/imports/{job}")))
}

#[derive(Template)]
#[template(path = "import_job.html")]
struct ImportJobPage {
    nav: Nav,
    file_name: String,
    status: Status,
    running: bool,
    state: &'static str,
}

async fn import_job(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> PageResult {
    user.require_admin().for_user(&user)?;
    let job = state
        .imports
        .get(&id)
        .ok_or_else(|| Error::not_found("import"))
        .for_user(&user)?;
    let (running, label) = match job.status {
        Status::Validating | Status::Writing { .. } => (true, "running"),
        Status::Done(_) => (false, "done"),
        Status::Refused(_) => (false, "refused"),
        Status::Failed(_) => (false, "failed"),
    };
    Ok(render(&ImportJobPage {
        nav: Nav::new(Some(&user), "import"),
        file_name: job.file_name,
        status: job.status,
        running,
        state: label,
    }))
}
