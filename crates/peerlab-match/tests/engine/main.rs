//! peerlab-match's integration tests in one binary: the grouping search against proven
//! optima, and the matching against an independent implementation (networkx).

mod grouping;
mod networkx_fixtures;
