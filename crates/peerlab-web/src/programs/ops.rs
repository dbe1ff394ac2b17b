//! Operations on programs, shared by the pages and the API. They speak no HTTP.

use chrono::NaiveDate;
use peerlab_core::program::{self, Template};

use crate::error::Error;

/// `?anchor=YYYY-MM-DD`, as the template page and the API take it.
#[derive(serde::Deserialize)]
pub struct AnchorQuery {
    #[serde(default)]
    pub anchor: String,
}

/// The shipped template called `key`.
pub fn template(key: &str) -> Result<Template, Error> {
    program::shipped()
        .into_iter()
        .find(|t| t.key == key)
        .ok_or_else(|| Error::not_found("program template"))
}

/// An anchor date as typed (`YYYY-MM-DD`); `None` when none is given.
pub fn anchor(text: &str) -> Result<Option<NaiveDate>, Error> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            Error::invalid(
                "anchor",
                format!("\"{text}\" is not a date; write it as YYYY-MM-DD, e.g. 2027-03-01"),
            )
        })
}
