//! The job runner in the real application: a due job runs exactly once, on one node or on
//! two sharing a PostgreSQL database, and the hourly purge removes expired sessions.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::Duration;

use crate::common::Backend;
use peerlab_core::{Email, PersonName, Role};
use peerlab_store::{Create, JobState, Location, NewJob, Store};
use peerlab_web::jobs::{Ran, PURGE_EXPIRED};
use peerlab_web::{AppState, Clock, WebConfig};
use sqlx::Connection;
use tokio::sync::mpsc;

const HOUR: i64 = 3_600_000;

/// One database and the nodes serving it, removed when the test ends.
struct Cluster {
    location: Location,
    clock: Clock,
    nodes: Vec<(AppState, tokio::sync::oneshot::Sender<()>)>,
    temp_dir: Option<PathBuf>,
    pg_database: Option<(String, String)>,
}

impl Cluster {
    async fn new(backend: Backend) -> Self {
        let (location, temp_dir, pg_database) = crate::common::fresh_location(backend).await;
        Cluster {
            location,
            clock: Clock::Manual(Arc::new(AtomicI64::new(1_790_000_000_000))),
            nodes: Vec::new(),
            temp_dir,
            pg_database,
        }
    }

    /// Starts the real application on another node of this database; returns its state.
    async fn node(&mut self) -> AppState {
        let store = Store::open(&self.location, Create::IfMissing)
            .await
            .expect("open store");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state = AppState::new(
            store,
            self.clock.clone(),
            WebConfig {
                public_url: base,
                mail: None,
            },
        );
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let serving = state.clone();
        tokio::spawn(async move {
            let _ = peerlab_web::serve(listener, serving, async move {
                let _ = rx.await;
            })
            .await;
        });
        self.nodes.push((state.clone(), tx));
        state
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let stores: Vec<Store> = self.nodes.iter().map(|(s, _)| s.store.clone()).collect();
        for (_, tx) in self.nodes.drain(..) {
            let _ = tx.send(());
        }
        if let Some(dir) = &self.temp_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        let pg = self.pg_database.take();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                for store in stores {
                    store.close().await;
                }
                if let Some((admin, name)) = pg {
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = sqlx::query(&sql).execute(&mut conn).await;
                    }
                }
            });
        })
        .join();
    }
}

/// One feed of the jobs that any of `nodes` runs from now on.
fn ran_on(nodes: &[&AppState]) -> mpsc::UnboundedReceiver<Ran> {
    let (tx, rx) = mpsc::unbounded_channel();
    for node in nodes {
        let mut feed = node.jobs.subscribe();
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Ok(ran) = feed.recv().await {
                if tx.send(ran).is_err() {
                    return;
                }
            }
        });
    }
    rx
}

/// The next job the feed reports, waiting at most 30 s.
async fn next_ran(feed: &mut mpsc::UnboundedReceiver<Ran>) -> Ran {
    match tokio::time::timeout(Duration::from_secs(30), feed.recv()).await {
        Ok(Some(ran)) => ran,
        Ok(None) => panic!("the runners' feeds ended"),
        Err(_) => panic!("no job ran within 30 s"),
    }
}

fn purge_job(run_at: i64) -> NewJob {
    NewJob {
        kind: PURGE_EXPIRED.into(),
        payload: "{}".into(),
        run_at,
        max_attempts: 3,
        dedupe_key: None,
    }
}

/// Enqueues `count` due jobs on the first of `nodes` and checks that each ran exactly once,
/// on one of them, and was finished after one attempt.
async fn each_job_runs_once(nodes: &[AppState], count: usize) {
    let mut feed = ran_on(&nodes.iter().collect::<Vec<_>>());
    let first = &nodes[0];
    let mut ids = Vec::new();
    for _ in 0..count {
        let id = first
            .jobs
            .enqueue(first, &purge_job(first.clock.now_ms()))
            .await
            .expect("enqueue")
            .expect("no dedupe key");
        ids.push(id);
    }
    let mut runs: HashMap<i64, Vec<Arc<str>>> = HashMap::new();
    while ids.iter().any(|id| !runs.contains_key(id)) {
        let ran = next_ran(&mut feed).await;
        // The runner's own recurring jobs (the hour's purge and digest round) run too.
        if !ids.contains(&ran.id) {
            continue;
        }
        assert_eq!(ran.outcome, Ok(None), "job {} failed", ran.id);
        runs.entry(ran.id).or_default().push(ran.node);
    }
    for id in &ids {
        assert_eq!(runs[id].len(), 1, "job {id} ran on {:?}", runs[id]);
        let job = first.store.job(*id).await.expect("read").expect("job");
        assert_eq!((job.state, job.attempts), (JobState::Done, 1), "job {id}");
    }
}

async fn a_due_job_runs_exactly_once(backend: Backend) {
    let mut cluster = Cluster::new(backend).await;
    let node = cluster.node().await;
    each_job_runs_once(&[node], 5).await;
}

async fn an_expired_session_is_purged_by_the_runner(backend: Backend) {
    let mut cluster = Cluster::new(backend).await;
    let node = cluster.node().await;
    let mut feed = ran_on(&[&node]);
    let store = &node.store;
    let email = Email::parse("ada@example.com").expect("email");
    let name = PersonName::parse("Ada Lovelace").expect("name");
    let now = node.clock.now_ms();
    let ada = store
        .create_person(&email, &name, Role::Member, None, now)
        .await
        .expect("person");
    store
        .create_session("expiring", ada, "csrf", now, now + 1_000)
        .await
        .expect("session");
    store
        .create_session("lasting", ada, "csrf", now, now + 10 * HOUR)
        .await
        .expect("session");
    // An hour later the next hour's purge is due; the runner schedules it and runs it.
    node.clock.advance_ms(HOUR);
    node.jobs.wake();
    loop {
        let ran = next_ran(&mut feed).await;
        let job = store.job(ran.id).await.expect("read").expect("job");
        if job.dedupe_key.as_deref() == Some(&format!("purge:{}", node.clock.now_ms() / HOUR)) {
            assert_eq!(ran.outcome, Ok(None));
            break;
        }
    }
    // The expired row is gone, even for a clock at which it would still be valid.
    assert!(store
        .session_user("expiring", now)
        .await
        .expect("read")
        .is_none());
    assert!(store
        .session_user("lasting", now)
        .await
        .expect("read")
        .is_some());
}

backend_tests!(
    a_due_job_runs_exactly_once,
    an_expired_session_is_purged_by_the_runner
);

/// Two application instances on one PostgreSQL database: each job runs on one of them, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_run_each_job_once() {
    let mut cluster = Cluster::new(Backend::Postgres).await;
    let a = cluster.node().await;
    let b = cluster.node().await;
    each_job_runs_once(&[a, b], 40).await;
}
