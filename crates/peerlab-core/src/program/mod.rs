//! Cohort programs: templates of ordered stages, and the schedule a template gives when it
//! is anchored to a business moment.
//!
//! A template is data, not code. The shipped ones are the JSON files in `templates/`
//! (Slack's three stages, Manager Lab on Bandura's four phases, the Learning Loop, and a
//! one-stage custom start); an admin's copy is the same JSON stored in the database, checked
//! by the same [`Template::parse`]. Every day in a template is an offset: a stage starts
//! `start_day` days after the anchor (negative: before it), and an activity happens `day`
//! days into its stage. Dates exist only once a program names its anchor ([`schedule`]), so
//! moving the anchor moves everything, and a template never carries a date.

mod cohort;
mod session;
mod template;

pub use cohort::*;
pub use session::*;

pub use template::{
    schedule, shipped, Activity, ActivityKind, PlannedActivity, PlannedStage, Stage, Template,
    TemplateError,
};
