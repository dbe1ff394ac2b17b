//! The jobs table: claims, leases, retries, dedupe keys and restarts (see the store's `jobs`
//! module for the invariants checked here).

use std::collections::HashSet;

use peerlab_store::{JobState, NewJob, Store};

use crate::{Backend, TestDb};

const T0: i64 = 1_790_000_000_000;
const LEASE: i64 = 60_000;

fn job(kind: &str, run_at: i64) -> NewJob {
    NewJob {
        kind: kind.into(),
        payload: r#"{"n":1}"#.into(),
        run_at,
        max_attempts: 3,
        dedupe_key: None,
    }
}

async fn enqueue(store: &Store, new: &NewJob) -> i64 {
    store
        .enqueue_job(new, T0)
        .await
        .expect("enqueue")
        .expect("a job without a dedupe key is always added")
}

async fn claimed_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let later = enqueue(&store, &job("later", T0 + 10_000)).await;
    let id = enqueue(&store, &job("now", T0)).await;

    let got = store
        .claim_jobs("node-a", T0, LEASE, 10)
        .await
        .expect("claim");
    assert_eq!(got.len(), 1, "only the due job is claimed: {got:?}");
    let j = &got[0];
    assert_eq!(
        (j.id, j.kind.as_str(), j.payload.as_str()),
        (id, "now", r#"{"n":1}"#)
    );
    assert_eq!(j.state, JobState::Running);
    assert_eq!(j.attempts, 1);
    assert_eq!(j.locked_by.as_deref(), Some("node-a"));
    assert_eq!(j.lease_until, Some(T0 + LEASE));

    // Neither this node nor another gets it again while the lease holds.
    assert!(store
        .claim_jobs("node-a", T0 + 1, LEASE, 10)
        .await
        .expect("claim")
        .is_empty());
    assert!(store
        .claim_jobs("node-b", T0 + 1, LEASE, 10)
        .await
        .expect("claim")
        .is_empty());

    assert!(store
        .finish_job(id, "node-a", T0 + 2, None)
        .await
        .expect("finish"));
    let done = store.job(id).await.expect("read").expect("job");
    assert_eq!(done.state, JobState::Done);
    assert_eq!(done.finished_at, Some(T0 + 2));
    assert_eq!(done.locked_by, None);
    // A finished job is final: finishing again or claiming after its lease does nothing.
    assert!(!store
        .finish_job(id, "node-a", T0 + 3, None)
        .await
        .expect("finish"));
    let rest = store
        .claim_jobs("node-a", T0 + 10_000, LEASE, 10)
        .await
        .expect("claim");
    assert_eq!(rest.iter().map(|j| j.id).collect::<Vec<_>>(), vec![later]);
}

async fn two_nodes_never_share_a_job(backend: Backend) {
    const JOBS: usize = 300;
    let db = TestDb::new(backend).await;
    let a = db.open().await;
    let b = db.open().await;
    for i in 0..JOBS {
        enqueue(&a, &job("work", T0 - i as i64)).await;
    }
    let node = |store: Store, name: &'static str| {
        tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store.claim_jobs(name, T0, LEASE, 7).await.expect("claim");
                if got.is_empty() {
                    return mine;
                }
                for j in got {
                    assert!(store
                        .finish_job(j.id, name, T0, None)
                        .await
                        .expect("finish"));
                    mine.push(j.id);
                }
            }
        })
    };
    let (ra, rb) = tokio::join!(node(a.clone(), "node-a"), node(b.clone(), "node-b"));
    let (ra, rb) = (ra.expect("node a"), rb.expect("node b"));
    let all: HashSet<i64> = ra.iter().chain(&rb).copied().collect();
    assert_eq!(ra.len() + rb.len(), JOBS, "every job claimed exactly once");
    assert_eq!(all.len(), JOBS, "no job claimed by both nodes");
    assert!(a
        .claim_jobs("node-a", T0 + LEASE * 10, LEASE, 10)
        .await
        .expect("claim")
        .is_empty());
}

async fn expired_lease_is_reclaimed_and_the_old_node_refused(backend: Backend) {
    let db = TestDb::new(backend).await;
    let a = db.open().await;
    let b = db.open().await;
    let id = enqueue(&a, &job("work", T0)).await;
    assert_eq!(
        a.claim_jobs("node-a", T0, LEASE, 1)
            .await
            .expect("claim")
            .len(),
        1
    );
    // Node a stalls. While its lease holds, b gets nothing; once it passed, b takes the job.
    assert!(b
        .claim_jobs("node-b", T0 + LEASE - 1, LEASE, 1)
        .await
        .expect("claim")
        .is_empty());
    let got = b
        .claim_jobs("node-b", T0 + LEASE + 1, LEASE, 1)
        .await
        .expect("claim");
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].id, got[0].attempts), (id, 2));
    assert_eq!(got[0].locked_by.as_deref(), Some("node-b"));
    // a wakes up: it can neither complete nor fail the job it lost.
    assert!(!a
        .finish_job(id, "node-a", T0 + LEASE + 2, None)
        .await
        .expect("finish"));
    assert!(!a
        .fail_job(id, "node-a", "late", Some(T0), T0 + LEASE + 2)
        .await
        .expect("fail"));
    assert_eq!(
        a.job(id).await.expect("read").expect("job").state,
        JobState::Running
    );
    assert!(b
        .finish_job(id, "node-b", T0 + LEASE + 3, None)
        .await
        .expect("finish"));
    let done = a.job(id).await.expect("read").expect("job");
    assert_eq!((done.state, done.attempts), (JobState::Done, 2));

    // A job whose lease expires after its last attempt ends failed instead of running again.
    let once = enqueue(
        &a,
        &NewJob {
            max_attempts: 1,
            ..job("once", T0)
        },
    )
    .await;
    assert_eq!(
        a.claim_jobs("node-a", T0, LEASE, 1)
            .await
            .expect("claim")
            .len(),
        1
    );
    assert!(b
        .claim_jobs("node-b", T0 + LEASE + 1, LEASE, 1)
        .await
        .expect("claim")
        .is_empty());
    let failed = a.job(once).await.expect("read").expect("job");
    assert_eq!(failed.state, JobState::Failed);
    assert_eq!(failed.finished_at, Some(T0 + LEASE + 1));
    assert!(failed.last_error.is_some_and(|e| e.contains("stopped")));
}

async fn failures_retry_then_fail(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let id = enqueue(&store, &job("flaky", T0)).await;
    let mut now = T0;
    for attempt in 1..=3 {
        let got = store
            .claim_jobs("node", now, LEASE, 5)
            .await
            .expect("claim");
        assert_eq!(got.len(), 1, "attempt {attempt}");
        assert_eq!(got[0].attempts, attempt);
        let retry_at = now + 30_000;
        let error = format!("failure {attempt}");
        assert!(store
            .fail_job(id, "node", &error, Some(retry_at), now + 1)
            .await
            .expect("fail"));
        let j = store.job(id).await.expect("read").expect("job");
        assert_eq!(j.last_error.as_deref(), Some(error.as_str()));
        if attempt < 3 {
            assert_eq!(
                (j.state, j.run_at, j.finished_at),
                (JobState::Pending, retry_at, None)
            );
            assert_eq!(j.locked_by, None);
            // Not before the time it was given.
            assert!(store
                .claim_jobs("node", retry_at - 1, LEASE, 5)
                .await
                .expect("claim")
                .is_empty());
        } else {
            assert_eq!(j.state, JobState::Failed, "three attempts were allowed");
            assert_eq!(j.finished_at, Some(now + 1));
        }
        now = retry_at;
    }
    assert!(store
        .claim_jobs("node", now + 3_600_000, LEASE, 5)
        .await
        .expect("claim")
        .is_empty());

    // A failure with no retry time is final at once.
    let id = enqueue(&store, &job("hopeless", now)).await;
    assert_eq!(
        store
            .claim_jobs("node", now, LEASE, 5)
            .await
            .expect("claim")
            .len(),
        1
    );
    assert!(store
        .fail_job(id, "node", "bad payload", None, now)
        .await
        .expect("fail"));
    let j = store.job(id).await.expect("read").expect("job");
    assert_eq!((j.state, j.attempts), (JobState::Failed, 1));
}

async fn pending_jobs_survive_a_restart(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let id = enqueue(&store, &job("later", T0 + 5_000)).await;
    store.close().await;
    drop(store);
    let store = db.open().await;
    let got = store
        .claim_jobs("node", T0 + 5_000, LEASE, 5)
        .await
        .expect("claim");
    assert_eq!(got.iter().map(|j| j.id).collect::<Vec<_>>(), vec![id]);
}

async fn a_dedupe_key_schedules_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let keyed = NewJob {
        dedupe_key: Some("purge:497222".into()),
        ..job("purge_expired", T0)
    };
    let id = store.enqueue_job(&keyed, T0).await.expect("enqueue");
    assert!(id.is_some());
    assert_eq!(store.enqueue_job(&keyed, T0).await.expect("enqueue"), None);
    // Still once after the job ran: the key names the period, not the pending job.
    let id = id.expect("id");
    assert_eq!(
        store
            .claim_jobs("node", T0, LEASE, 5)
            .await
            .expect("claim")
            .len(),
        1
    );
    assert!(store
        .finish_job(id, "node", T0, None)
        .await
        .expect("finish"));
    assert_eq!(store.enqueue_job(&keyed, T0).await.expect("enqueue"), None);
    // Jobs without a key never collide.
    enqueue(&store, &job("purge_expired", T0)).await;
    enqueue(&store, &job("purge_expired", T0)).await;
}

crate::backend_tests!(
    claimed_once,
    two_nodes_never_share_a_job,
    expired_lease_is_reclaimed_and_the_old_node_refused,
    failures_retry_then_fail,
    pending_jobs_survive_a_restart,
    a_dedupe_key_schedules_once,
);
