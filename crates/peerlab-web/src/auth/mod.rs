//! Signing in and out, invitation links and API tokens: the pages and API of who may enter.
//! Who is asking on each request is the kit's business (`kit::session`).

mod api;
pub mod ops;
mod pages;
pub mod password;

pub use api::api;
pub use pages::router;
