//! The grouping engine in the product: diverse small groups, accountability partners and
//! coffee rounds for facilitators. `ops.rs` forms a session's small groups from its cohort's
//! people with the history the store keeps (preview, moves and swaps, confirm into group
//! spaces) and keeps people's own block lists; `partners.rs` matches a cohort's
//! accountability partners; `pages.rs`, `session_api.rs` and `partners_api.rs` are thin
//! layers over them. `api.rs` also serves `POST /api/v1/groups` and `/api/v1/pairs`, which take a pool of
//! people as JSON, as the CLI takes files. The engine itself is `peerlab_core::grouping`.

mod api;
pub mod coffee;
mod coffee_api;
mod coffee_pages;
pub mod ops;
mod pages;
pub mod partners;
mod partners_api;
mod session_api;

pub use api::api;
pub use coffee_api::api as coffee_api;
pub use coffee_pages::router as coffee_router;
pub use pages::router;
pub use partners_api::api as partners_api;
pub use session_api::api as session_api;
