//! peerlab's pairing and grouping algorithms: who should meet whom.
//!
//! Three exact, deterministic algorithms for pairing:
//! [`matching::max_weight_matching`] pairs people in a general graph so that the summed
//! affinity of the chosen pairs is as large as possible (Edmonds' blossom algorithm);
//! [`assignment::min_cost_assignment`] gives each row of a cost matrix its own column at the
//! least total cost (the Hungarian method); and [`rounds::round_robin`] lays out "coffee"
//! rounds in which everyone meets someone new each round (the circle method). And one
//! heuristic for grouping: [`grouping::solve`] forms small groups that are as diverse as
//! possible (the Maximally Diverse Grouping Problem); it takes its randomness and its stop
//! rule from the caller, so it too is reproducible for a given seed.
//!
//! This crate does no IO. It never reads a clock, a file, the network or the environment, it
//! holds no global state and it never creates or seeds a random generator, so every result
//! depends only on the arguments and is reproducible in a test. Callers that want variety
//! shuffle their input with their own seeded generator before calling in.

// Every public item is documented; this keeps it so as the crate grows.
#![warn(missing_docs)]

pub mod assignment;
pub mod grouping;
pub mod matching;
pub mod rounds;
