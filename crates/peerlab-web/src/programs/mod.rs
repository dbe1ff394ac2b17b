//! Cohort programs (DESIGN C1–C4). So far: the catalogue of program templates, each with its
//! stages and activities, and a preview of the dates a template gives when it is anchored to
//! a business moment. Programs, cohorts and sessions come next and live here too.

mod api;
mod calendar;
pub mod ops;
mod pages;

pub use api::api;
pub(crate) use ops::sessions::when as session_when;
pub use pages::router;
