//! peerlab's pure core: the domain values, the people import, the expert ranking and the
//! demo company.
//!
//! This crate does no IO. It never reads a clock, a file, the network or the environment, and
//! it holds no global mutable state: time and randomness are passed in by the caller, so every
//! result is reproducible in a test. The `tidy` test in the binary crate fails if this crate
//! gains a dependency that does IO.

pub mod coach;
pub mod demo;
pub mod expert;
pub mod grouping;
pub mod import;
pub mod markdown;
pub mod program;
pub mod space;
pub mod text;
pub mod values;

pub use values::{Email, Level, PersonName, Role, SkillName, TimeZone, ValueError};
