//! The job runner: one task per node that claims due jobs from the store's `jobs` table and
//! runs each through its kind's handler.
//!
//! Every node runs one, under a random node id, and they share the table: a claim leases a
//! job to one node (the store's `claim_jobs`), the node runs it and finishes it, or fails it
//! with a retry time that doubles with each attempt (30 s, 1 min, 2 min, … at most an hour)
//! until the job's attempts are spent. The runner polls every second, and wakes at once when
//! this node enqueues a job through [`Jobs::enqueue`]; another node's jobs wait for the next
//! poll. Nothing it keeps in memory is needed by another node.
//!
//! Delivery is **at least once**. A node that crashes mid-job leaves it `running` under a
//! lease; when the lease passes, another node (or this one, restarted) claims it again. So a
//! handler must be safe to run twice, and work that must be scheduled once (a recurring job's
//! period, a reminder) carries a dedupe key, which makes enqueueing it again a no-op.
//!
//! Recurring work: every hour, each node enqueues that hour's `purge_expired` job with the
//! key `purge:<hour number>`, and its digest round (`digest_hour:<hour number>`), so each
//! runs once an hour whichever nodes are up.
//!
//! Before each claim the runner relays (see `outbound`): it turns the notifications and
//! calendar messages that features wrote into e-mail jobs, in the same loop, so a message
//! written on any node is picked up within a poll.
//!
//! The jobs of one claim (at most eight) run side by side. The runner stops on shutdown,
//! after the jobs it has claimed.

use std::sync::Arc;
use std::time::Duration;

use peerlab_store::{Job, NewJob, StoreError};
use tokio::sync::{broadcast, watch, Notify};

pub use crate::error::Failure;
use crate::AppState;

/// How long a claimed job is this node's before another node may take it over.
const LEASE_MS: i64 = 5 * 60_000;
/// How often the runner looks for due jobs that it was not woken for.
const POLL: Duration = Duration::from_secs(1);
/// Jobs claimed at once.
const CLAIM: i64 = 8;
const HOUR_MS: i64 = 3_600_000;

/// The kind of the job that removes expired sessions and spent invitation links.
pub const PURGE_EXPIRED: &str = "purge_expired";

/// This node's side of the jobs table: its id, the runner's wake-up and a feed of the jobs
/// it ran.
#[derive(Clone, Debug)]
pub struct Jobs {
    node: Arc<str>,
    wake: Arc<Notify>,
    ran: broadcast::Sender<Ran>,
}

/// A job this node ran, and how it ended.
#[derive(Clone, Debug)]
pub struct Ran {
    pub id: i64,
    pub kind: String,
    pub node: Arc<str>,
    /// What the handler said of a job it finished, or its error.
    pub outcome: Result<Option<String>, String>,
}

impl Default for Jobs {
    fn default() -> Self {
        Self::new()
    }
}

impl Jobs {
    pub fn new() -> Self {
        Self {
            node: format!("node-{:016x}", rand::random::<u64>()).into(),
            wake: Arc::new(Notify::new()),
            ran: broadcast::channel(256).0,
        }
    }

    /// The id this node claims jobs under.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Enqueues a job (`None` when its dedupe key exists) and wakes this node's runner.
    pub async fn enqueue(&self, state: &AppState, job: &NewJob) -> Result<Option<i64>, StoreError> {
        let id = state.store.enqueue_job(job, state.now()).await?;
        self.wake();
        Ok(id)
    }

    /// Makes the runner look for due jobs now rather than at its next poll (after the
    /// clock moved, for instance).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Every job this node runs from now on, as it ends.
    pub fn subscribe(&self) -> broadcast::Receiver<Ran> {
        self.ran.subscribe()
    }
}

/// A running runner; [`Runner::stop`] ends it.
pub(crate) struct Runner {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Runner {
    /// Asks the runner to stop and waits until it has, after the jobs it claimed.
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Starts this node's runner.
pub(crate) fn start(state: AppState) -> Runner {
    let (stop, stopped) = watch::channel(false);
    Runner {
        stop,
        task: tokio::spawn(run(state, stopped)),
    }
}

async fn run(state: AppState, mut stopped: watch::Receiver<bool>) {
    let jobs = state.jobs.clone();
    let mut scheduled_hour = None;
    while !*stopped.borrow() {
        let now = state.now();
        let hour = now.div_euclid(HOUR_MS);
        if scheduled_hour != Some(hour)
            && schedule_purge(&state, hour).await
            && crate::outbound::schedule_digests(&state, hour).await
        {
            scheduled_hour = Some(hour);
        }
        if let Err(e) = crate::outbound::relay(&state).await {
            tracing::warn!(error = %e, "relaying notifications failed");
        }
        let claimed = match state
            .store
            .claim_jobs(&jobs.node, now, LEASE_MS, CLAIM)
            .await
        {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::warn!(error = %e, "claiming jobs failed");
                Vec::new()
            }
        };
        let full = claimed.len() as i64 == CLAIM;
        // The claimed jobs run side by side: most are deliveries that wait on another
        // server (an SMTP exchange waits about 40 ms on delayed ACKs alone), not on this one.
        let mut running = tokio::task::JoinSet::new();
        for job in claimed {
            let state = state.clone();
            running.spawn(async move { run_one(&state, job).await });
        }
        while running.join_next().await.is_some() {}
        // A full claim may have left due jobs behind: claim again at once.
        if full {
            continue;
        }
        tokio::select! {
            () = tokio::time::sleep(POLL) => {}
            () = jobs.wake.notified() => {}
            _ = stopped.changed() => {}
        }
    }
}

/// Enqueues the purge of `hour` (due at its start); whether the store answered.
async fn schedule_purge(state: &AppState, hour: i64) -> bool {
    let job = NewJob {
        kind: PURGE_EXPIRED.into(),
        payload: "{}".into(),
        run_at: hour * HOUR_MS,
        max_attempts: 3,
        dedupe_key: Some(format!("purge:{hour}")),
    };
    match state.store.enqueue_job(&job, state.now()).await {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %e, "scheduling the hourly purge failed");
            false
        }
    }
}

/// Runs one claimed job and records how it ended.
async fn run_one(state: &AppState, job: Job) {
    let jobs = &state.jobs;
    let outcome = handle(state, &job).await;
    let now = state.now();
    let recorded = match &outcome {
        Ok(said) => {
            state
                .store
                .finish_job(job.id, &jobs.node, now, said.as_deref())
                .await
        }
        Err(failure) => {
            let error = &failure.message;
            tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, %error, "job failed");
            let retry_at = (!failure.permanent).then(|| {
                now + failure
                    .retry_in_ms
                    .unwrap_or_else(|| backoff_ms(job.attempts))
            });
            state
                .store
                .fail_job(job.id, &jobs.node, error, retry_at, now)
                .await
        }
    };
    match recorded {
        Ok(true) => {}
        // The lease passed while the job ran and another node took it over: that node's run
        // is the one that counts.
        Ok(false) => {
            tracing::warn!(job = job.id, kind = %job.kind, "job was taken over by another node")
        }
        Err(e) => tracing::warn!(job = job.id, error = %e, "recording a job's end failed"),
    }
    let _ = jobs.ran.send(Ran {
        id: job.id,
        kind: job.kind,
        node: jobs.node.clone(),
        outcome: outcome.map_err(|f| f.message),
    });
}

/// The wait before attempt `attempts + 1`: 30 s doubled for each attempt made, at most an
/// hour.
fn backoff_ms(attempts: i64) -> i64 {
    let doublings = attempts.saturating_sub(1).clamp(0, 20) as u32;
    (30_000_i64 << doublings).min(HOUR_MS)
}

/// Every kind of job and its handler. A kind this node does not know (enqueued by a newer
/// version during an upgrade, say) fails and is retried, so a node that knows it can run it.
async fn handle(state: &AppState, job: &Job) -> Result<Option<String>, Failure> {
    if let Some(outcome) = crate::outbound::handle(state, job).await {
        return outcome;
    }
    if let Some(outcome) = crate::programs::ops::agenda::handle(state, job).await {
        return outcome;
    }
    if let Some(outcome) = crate::grouping::coffee::handle(state, job).await {
        return outcome;
    }
    match job.kind.as_str() {
        PURGE_EXPIRED => purge_expired(state, job)
            .await
            .map(|()| None)
            .map_err(Failure::from),
        other => Err(format!("no handler for jobs of kind '{other}'").into()),
    }
}

/// Removes expired sessions, spent or expired invitation links and stale throttle windows.
async fn purge_expired(state: &AppState, _job: &Job) -> Result<(), String> {
    let purged = state
        .store
        .purge_expired(state.now())
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(
        sessions = purged.sessions,
        invitations = purged.invitations,
        login_windows = purged.login_windows,
        "purged expired rows"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_to_an_hour() {
        let waits: Vec<i64> = (1..=9).map(backoff_ms).collect();
        assert_eq!(
            waits,
            [30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000]
        );
        assert_eq!(backoff_ms(1_000), HOUR_MS);
    }
}
