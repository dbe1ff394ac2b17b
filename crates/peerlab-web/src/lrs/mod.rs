//! The built-in Learning Record Store (DESIGN X1–X4): the xAPI endpoint at `/xapi/`
//! ([`xapi`]), its admin pages (credentials, the statement browser), and [`social`], which
//! records peerlab's own activity as statements.

pub mod ops;
mod pages;
pub mod social;
pub mod xapi;

pub use pages::router;
