//! Extractors of the JSON API whose rejections are precise API errors: a body that is not
//! JSON, too large, or of the wrong shape, a malformed query or path each get their own code.

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde::de::DeserializeOwned;

use crate::error::{Error, Kind};
use crate::kit::http::ApiError;

/// The largest JSON body the API reads.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

/// JSON input whose rejections are API errors with precise codes.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, s: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection as J;
        match Json::<T>::from_request(req, s).await {
            Ok(Json(t)) => Ok(ApiJson(t)),
            Err(J::MissingJsonContentType(_)) => Err(Error::new(
                Kind::Unsupported,
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json",
            )
            .into()),
            Err(J::BytesRejection(e)) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(Error::new(
                    Kind::TooLarge,
                    "too_large",
                    format!(
                        "the body is larger than the {} KiB limit",
                        MAX_JSON_BYTES / 1024
                    ),
                )
                .into())
            }
            Err(J::JsonDataError(e)) => {
                Err(Error::new(Kind::Invalid, "invalid_input", e.body_text()).into())
            }
            Err(e) => Err(Error::new(Kind::Malformed, "invalid_json", e.body_text()).into()),
        }
    }
}

/// Query parameters whose rejections (unknown or malformed parameters) are 400s.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, s).await {
            Ok(q) => Ok(ApiQuery(q.0)),
            Err(e) => Err(Error::new(Kind::Malformed, "invalid_query", e.body_text()).into()),
        }
    }
}

/// A path whose malformed parts (a non-numeric id) are 400s.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, s).await {
            Ok(p) => Ok(ApiPath(p.0)),
            Err(e) => Err(Error::new(Kind::Malformed, "invalid_path", e.body_text()).into()),
        }
    }
}
