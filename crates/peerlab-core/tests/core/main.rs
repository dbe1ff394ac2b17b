//! peerlab-core's integration tests in one binary: the question coach on its labelled set,
//! and Markdown posts against the sanitiser's table of attacks.

mod coach;
mod markdown;
