//! People and expertise (DESIGN P1–P4): the home page, the directory, profiles with skills,
//! wants and endorsements, roles, the expert finder ("who knows…?") and the import of
//! people from CSV.

mod api;
pub mod experts;
pub mod import;
mod import_pages;
pub mod ops;
mod pages;

pub use api::api;
pub use pages::router;
