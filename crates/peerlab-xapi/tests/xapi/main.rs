//! peerlab-xapi's integration tests in one binary, a module per part of the specification:
//! statements requirement by requirement, signed statements, multipart bodies, and property
//! tests that no input panics.

mod jws;
mod multipart;
mod properties;
mod statements;
