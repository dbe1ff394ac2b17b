//! Spaces and conversation (DESIGN S1–S9): communities of practice, cohort channels and small
//! groups with ground rules, threads, Q&A, reactions, moderation, live threads, search and
//! notifications. [`ops`] holds every operation; [`pages`](self) and the API are thin layers
//! over it, so a page and its API route answer the same request alike.

mod api;
pub mod ops;
mod pages;

pub use api::api;
pub use pages::router;
