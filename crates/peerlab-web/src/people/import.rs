//! People imports from CSV, run as background jobs so that a 50,000-row file shows progress.
//!
//! A job's progress lives in the memory of the node that runs it; the import itself is one
//! database transaction, so a node that dies mid-import leaves the database as it was. With
//! several nodes, the progress page must reach the node that took the upload (sticky
//! sessions, or use the synchronous API endpoint).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use peerlab_core::import::{parse_csv, ImportError};
use peerlab_store::ImportSummary;

use crate::error::Error;
use crate::AppState;

/// The largest file accepted. 50,000 people with a dozen skills each fit in about 10 MB.
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;

/// The refusal of a file over [`MAX_IMPORT_BYTES`].
pub fn too_large() -> Error {
    Error::new(
        crate::error::Kind::TooLarge,
        "too_large",
        format!(
            "the file is larger than the {} MB limit; split it into smaller files",
            MAX_IMPORT_BYTES >> 20
        ),
    )
}

/// How many import jobs a node remembers before it forgets the finished ones.
const MAX_KEPT_JOBS: usize = 100;

#[derive(Debug, Clone)]
pub enum Status {
    Validating,
    Writing { done: usize, total: usize },
    Done(ImportSummary),
    Refused(ImportError),
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct Job {
    pub file_name: String,
    pub status: Status,
}

#[derive(Clone, Default)]
pub struct Jobs(Arc<Mutex<HashMap<String, Job>>>);

impl Jobs {
    pub fn get(&self, id: &str) -> Option<Job> {
        self.0.lock().ok()?.get(id).cloned()
    }

    fn set(&self, id: &str, status: Status) {
        if let Ok(mut jobs) = self.0.lock() {
            if let Some(job) = jobs.get_mut(id) {
                job.status = status;
            }
        }
    }
}

/// Why an import did not happen.
pub enum Refusal {
    Invalid(ImportError),
    Error(Error),
}

/// Validates and applies a file; `progress` sees (written, total).
pub async fn run(
    state: &AppState,
    bytes: Vec<u8>,
    progress: impl Fn(usize, usize) + Sync,
) -> Result<ImportSummary, Refusal> {
    let existing = state
        .store
        .existing_managers()
        .await
        .map_err(|e| Refusal::Error(e.into()))?;
    let plan = tokio::task::spawn_blocking(move || parse_csv(&bytes, &existing))
        .await
        .map_err(|e| Refusal::Error(Error::internal(e)))?
        .map_err(Refusal::Invalid)?;
    let total = plan.people.len();
    progress(0, total);
    state
        .store
        .apply_import(&plan, state.now(), &|done| progress(done, total))
        .await
        .map_err(|e| Refusal::Error(e.into()))
}

/// Starts an import in the background and returns its job id.
pub fn start(state: &AppState, file_name: String, bytes: Vec<u8>) -> String {
    let id = crate::kit::secret::new_secret()[..16].to_string();
    if let Ok(mut jobs) = state.imports.0.lock() {
        // Finished jobs are kept so their result pages stay readable, but not without end.
        if jobs.len() >= MAX_KEPT_JOBS {
            jobs.retain(|_, job| matches!(job.status, Status::Validating | Status::Writing { .. }));
        }
        jobs.insert(
            id.clone(),
            Job {
                file_name,
                status: Status::Validating,
            },
        );
    }
    let state = state.clone();
    let job = id.clone();
    tokio::spawn(async move {
        let jobs = state.imports.clone();
        let status = match run(&state, bytes, |done, total| {
            jobs.set(&job, Status::Writing { done, total })
        })
        .await
        {
            Ok(summary) => {
                tracing::info!(
                    created = summary.created,
                    updated = summary.updated,
                    "people import done"
                );
                Status::Done(summary)
            }
            Err(Refusal::Invalid(e)) => Status::Refused(e),
            Err(Refusal::Error(e)) => Status::Failed(e.message),
        };
        state.imports.set(&job, status);
    });
    id
}
