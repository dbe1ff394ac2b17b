//! The grouping engine over HTTP: diverse small groups, accountability partners and coffee
//! rounds for facilitators. `api.rs` serves `POST /api/v1/groups` and `/api/v1/pairs`, which
//! take a pool of people as JSON; pages that form groups from the people of a programme's
//! cohort or of a space will live beside it and read their pool from the store
//! (`Store::grouping_facts`). The engine itself is `peerlab_core::grouping`; this module only
//! turns requests into its inputs and its results into responses.

mod api;

pub use api::api;
