//! The import pages: upload a CSV of people, follow its progress, download a template.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use peerlab_core::import::{ImportError, COLUMNS};

use super::import::{self, Status, MAX_IMPORT_BYTES};
use crate::error::Error;
use crate::kit::page::{render, see_other, ForUser, Nav, PageError, PageResult};
use crate::kit::session::User;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
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

// ---- People import -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "people/import.html")]
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
                csrf_ok = crate::kit::secret::constant_time_eq(
                    value.as_bytes(),
                    user.0.csrf_token.as_bytes(),
                );
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
#[template(path = "people/import_job.html")]
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
