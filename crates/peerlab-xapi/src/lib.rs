//! The xAPI statement model for peerlab's Learning Record Store (issue 4): which API version a
//! request speaks, whether a statement is valid, how a stored statement is returned in the
//! `ids`, `exact` and `canonical` formats, and the key under which an Agent is indexed.
//!
//! Like `peerlab-core`, this crate does no IO: no clock, randomness, files or network. The LRS
//! routes in `peerlab-web` and the storage in `peerlab-store` call it; anything needing the
//! time (`stored`), randomness (a missing `id`, see [`Uuid::new_v7`]) or the credentials
//! (`authority`) is passed in or done by them.
//!
//! # The model is JSON, not structs
//!
//! Statements are validated and returned as `serde_json::Value`, not deserialised into typed
//! structs. The LRS must return a statement exactly as it was received (Data 2.2.s2.b5, 2.3.1),
//! including key order inside extensions, number spelling and properties a typed model would
//! normalise away; it must report *every* problem with a path to it; and it must reject
//! unknown properties with a message that names them. A `Value` walk does all three with less
//! code than serde's derive plus custom errors. [`parse_json`] parses request bodies so that
//! duplicate properties, which a `Value` cannot show, are refused too.
//!
//! # What is checked
//!
//! [`validate_statement`] checks every MUST the 1.0.3 Data document places on a statement the
//! LRS receives (sections 2.2, 2.3.2, 2.4 and 4), plus the xAPI 2.0 changes listed in the
//! project's checklist: RFC 3339 timestamps and `contextAgents`/`contextGroups`. SHOULD*
//! rules the LRS is told to enforce (rejecting additional properties) are enforced too. The
//! decisions where the spec leaves room are written on the function and on the format checks
//! in [`syntax`]; in short:
//!
//! - UUIDs must be in standard string form; any version and variant is accepted (the RFC 4122
//!   variant is only recommended, and the spec's own example does not use it).
//! - IRIs and language tags are checked syntactically, best effort as Data 2.2.s4.b6 and b7
//!   allow: an absolute IRI with a scheme and no spaces; a well-formed RFC 5646 tag.
//! - Timestamps: ISO 8601 under 1.0.3 (`-00:00` refused), RFC 3339 under 2.0.
//! - Up to [`MAX_ERRORS`] problems are reported, each as an [`Invalid`] with a path and a rule:
//!   `actor.mbox: must be a mailto: IRI`.
//!
//! Not checked here, because they need state: that a statement id is new or its content
//! unchanged (409; [`first_difference`] compares the contents) and voiding targets.
//!
//! # Attachments and signatures
//!
//! [`multipart`] reads and writes the `multipart/mixed` bodies that carry attachment data
//! and checks the parts against the statements' attachment objects; [`jws`] checks signed
//! statements (JWS RS256/RS384/RS512) and [`compare`] decides whether two serialisations are
//! the same statement. They work on bytes the web layer has already read.

pub mod compare;
pub mod format;
pub mod json;
pub mod jws;
pub mod multipart;
pub mod syntax;
pub mod validate;
pub mod version;

pub use compare::first_difference;
pub use format::{accept_language, agent_ifi, format_statement, Format};
pub use json::{parse_json, JsonError};
pub use jws::{
    verify_signature, verify_signed_statement, SignatureError, SignedStatementError,
    SIGNATURE_USAGE_TYPE,
};
pub use multipart::{attachments_request, AttachmentData, MultipartError, Part};
pub use syntax::{parse_timestamp, TimestampError, Uuid};
pub use validate::{
    normalise_statement, statement_id, validate_statement, voided_statement_id, Invalid,
    MAX_ERRORS, VOIDED_VERB,
};
pub use version::{Version, VersionError};
