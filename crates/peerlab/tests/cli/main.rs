//! The `peerlab` binary's integration tests in one binary: the command line run as a real
//! process, and the repository's tidy rules.

mod commands;
mod tidy;
