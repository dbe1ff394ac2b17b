//! Outbound at scale, on SQLite: e-mails per second to a local SMTP server, the daily digest
//! of 10,000 people, and the delay from a reply to its webhook delivery.
//!
//! Run with `cargo bench -p peerlab-web --bench outbound` after `. scripts/deps.sh;
//! ensure_python_tools` (the SMTP server is aiosmtpd, `tests/tools/smtp_sink.py`, which writes
//! each message it accepts to a file).
//!
//! What is timed, with the real server on 127.0.0.1 and its job runner:
//! - e-mail: 2,000 test messages through `Mailer::send` one after another (one SMTP
//!   connection reused from the pool), then 2,000 e-mail jobs through the runner (claim, build,
//!   send, finish), until the server has written every message;
//! - digest: 10,000 people, each with 3 replies waiting for their digest; the clock at 07:00
//!   UTC; from enqueueing the hour's digest round until the SMTP server has all 10,000
//!   digests. Peak memory is the process's high-water mark (`VmHWM`) before and after;
//! - webhook: a signed hook to a local HTTP receiver; 200 replies posted through the API one
//!   at a time, each timed from the request until the receiver has its statement.

use std::io::BufRead;
use std::sync::atomic::AtomicI64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use peerlab_core::{Email, PersonName, Role};
use peerlab_store::{Create, Location, NewJob, NewWebhook, Store};
use peerlab_web::outbound::mail::{MailSettings, Mailer};
use peerlab_web::{AppState, Clock, WebConfig};
use serde_json::json;

const DAY: i64 = 86_400_000;

fn hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

struct Sink {
    child: std::process::Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl Sink {
    fn start() -> Sink {
        let python = std::env::var("PEERLAB_PYTHON")
            .expect("PEERLAB_PYTHON: run `. scripts/deps.sh; ensure_python_tools` first");
        let dir = std::env::temp_dir().join(format!("peerlab-bench-mail-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let mut child = std::process::Command::new(python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/tools/smtp_sink.py"
            ))
            .arg(&dir)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("port");
        let port = line
            .trim()
            .trim_start_matches("ready ")
            .parse()
            .expect("port");
        Sink { child, port, dir }
    }

    fn count(&self) -> usize {
        std::fs::read_dir(&self.dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                    .count()
            })
            .unwrap_or(0)
    }

    async fn wait_for(&self, n: usize) {
        while self.count() < n {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

async fn person(
    store: &Store,
    email: &str,
    name: &str,
    role: Role,
    now: i64,
) -> peerlab_store::PersonId {
    store
        .create_person(
            &Email::parse(email).expect("email"),
            &PersonName::parse(name).expect("name"),
            role,
            None,
            now,
        )
        .await
        .expect("person")
}

async fn token(store: &Store, person: peerlab_store::PersonId, now: i64) -> String {
    let token = format!("plk_{}", peerlab_web::new_secret());
    store
        .create_api_token(person, "bench", &peerlab_web::sha256_hex(&token), now)
        .await
        .expect("token");
    token
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sink = Sink::start();
    let dir = std::env::temp_dir().join(format!("peerlab-bench-outbound-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let location = Location::in_data_dir(&dir);
    let store = Store::open(&location, Create::IfMissing)
        .await
        .expect("open");
    // 2026-12-07 (a Monday) 06:00 UTC.
    let start = 1_796_623_200_000;
    let clock = Clock::Manual(Arc::new(AtomicI64::new(start)));
    let settings = MailSettings::new(
        &format!("smtp://127.0.0.1:{}", sink.port),
        "peerlab <peerlab@bench.example>",
    )
    .expect("settings");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let state = AppState::new(
        store.clone(),
        clock.clone(),
        WebConfig {
            public_url: base.clone(),
            mail: Some(settings.clone()),
        },
    );
    let serving = state.clone();
    tokio::spawn(async move {
        let _ = peerlab_web::serve(listener, serving, std::future::pending()).await;
    });

    // E-mail: the transport alone, then through the queue.
    let mailer = Mailer::new(settings).expect("mailer");
    let n: usize = std::env::var("PEERLAB_BENCH_MAILS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let mail = peerlab_web::outbound::test_mail(&base);
    let t = Instant::now();
    for i in 0..n {
        mailer
            .send(&mail, &format!("p{i}@bench.example"))
            .await
            .expect("send");
    }
    let direct = t.elapsed();
    sink.wait_for(n).await;
    println!(
        "e-mail, Mailer::send one after another: {n} in {:.2} s = {:.0} per second",
        direct.as_secs_f64(),
        n as f64 / direct.as_secs_f64()
    );
    let t = Instant::now();
    for i in 0..n {
        let job = NewJob {
            kind: "email_test".into(),
            payload: json!({"to": format!("q{i}@bench.example"), "subject": "bench", "about": 0})
                .to_string(),
            run_at: start,
            max_attempts: 1,
            dedupe_key: None,
        };
        store.enqueue_job(&job, start).await.expect("enqueue");
    }
    state.jobs.wake();
    sink.wait_for(2 * n).await;
    let queued = t.elapsed();
    println!(
        "e-mail, through the job runner: {n} in {:.2} s = {:.0} per second",
        queued.as_secs_f64(),
        n as f64 / queued.as_secs_f64()
    );

    // The digest of 10,000 people.
    let admin = person(&store, "ada@bench.example", "Ada Admin", Role::Admin, start).await;
    let admin_token = token(&store, admin, start).await;
    let http = reqwest::Client::new();
    let (space, thread) = {
        let r: serde_json::Value = http
            .post(format!("{base}/api/v1/spaces"))
            .bearer_auth(&admin_token)
            .json(&json!({"name": "Bench", "kind": "community", "visibility": "open"}))
            .send()
            .await
            .expect("space")
            .json()
            .await
            .expect("json");
        let space = r["id"].as_i64().expect("space");
        let r: serde_json::Value = http
            .post(format!("{base}/api/v1/spaces/{space}/threads"))
            .bearer_auth(&admin_token)
            .json(&json!({"kind": "discussion", "title": "Weekly wins", "body": "What went well?"}))
            .send()
            .await
            .expect("thread")
            .json()
            .await
            .expect("json");
        (space, r["thread_id"].as_i64().expect("thread"))
    };
    let people = 10_000;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("peerlab.db").display()))
        .await
        .expect("pool");
    let building = Instant::now();
    let mut tx = pool.begin().await.expect("tx");
    for i in 0..people {
        let id: i64 = sqlx::query_scalar("INSERT INTO people (email, name, sort_name, time_zone, created_at, updated_at) VALUES ($1, $2, $2, 'UTC', $3, $3) RETURNING id")
            .bind(format!("d{i}@bench.example")).bind(format!("Person {i}")).bind(start)
            .fetch_one(&mut *tx).await.expect("person");
        for _ in 0..3 {
            sqlx::query("INSERT INTO notifications (person_id, kind, actor_id, space_id, thread_id, created_at, relay) VALUES ($1, 'reply', $2, $3, $4, $5, 'digest')")
                .bind(id).bind(admin.get()).bind(space).bind(thread).bind(start)
                .execute(&mut *tx).await.expect("notification");
        }
    }
    tx.commit().await.expect("commit");
    pool.close().await;
    println!(
        "digest data: {people} people × 3 notifications written in {:.1} s",
        building.elapsed().as_secs_f64()
    );
    let before = hwm_kib();
    let already = sink.count();
    let t = Instant::now();
    clock.advance_ms(DAY / 24 + 60_000); // 07:01 UTC: the runner schedules the round
    state.jobs.wake();
    sink.wait_for(already + people).await;
    let digest = t.elapsed();
    println!(
        "digest: {people} digests built and sent in {:.1} s ({:.0} per second); peak memory {} MiB before, {} MiB after",
        digest.as_secs_f64(),
        people as f64 / digest.as_secs_f64(),
        before / 1024,
        hwm_kib() / 1024
    );

    // The delay from a reply to its webhook delivery.
    let got: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let receiver = {
        let got = got.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let app = axum::Router::new().fallback(move |body: String| {
            let got = got.clone();
            async move {
                got.lock().expect("got").push((body, Instant::now()));
                "ok"
            }
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        url
    };
    store
        .create_webhook(
            &NewWebhook {
                name: "bench".into(),
                url: receiver,
                format: "signed".into(),
                secret: "whsec_bench".into(),
                space_id: None,
                verbs: String::new(),
                allow_loopback: true,
                created_by: admin,
            },
            clock.now_ms(),
        )
        .await
        .expect("hook");
    let mut delays = Vec::new();
    for i in 0..200 {
        let before = got.lock().expect("got").len();
        let t = Instant::now();
        let r = http
            .post(format!("{base}/api/v1/threads/{thread}/replies"))
            .bearer_auth(&admin_token)
            .json(&json!({"body": format!("Reply {i}")}))
            .send()
            .await
            .expect("reply");
        assert!(r.status().is_success());
        loop {
            if let Some((_, at)) = got.lock().expect("got").get(before) {
                delays.push(at.duration_since(t));
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    delays.sort();
    let p = |q: f64| ms(delays[((delays.len() as f64 - 1.0) * q).round() as usize]);
    println!(
        "webhook: reply → delivery over 200 replies: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        p(0.5),
        p(0.99),
        p(1.0)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
