//! `peerlab bench lrs`: the load generator of the built-in Learning Record Store. It starts
//! peerlab on a fresh database (SQLite in a temporary directory, or the empty PostgreSQL
//! database given), then over HTTP, as any xAPI client would:
//!
//! 1. ingests batches of realistic statements (about 1 KB each) with 1 and with N concurrent
//!    clients, and reports statements per second;
//! 2. fills the store up to `--statements` and measures `GET /xapi/statements` by agent, by
//!    verb and by activity with `limit=100` (p50 and p99);
//! 3. reports the disk bytes per stored statement.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use base64::Engine;
use peerlab_store::{Create, Location, Store};
use peerlab_web::{AppState, Clock, WebConfig};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

/// What to measure.
pub struct Options {
    pub database_url: Option<String>,
    pub statements: usize,
    pub clients: Vec<usize>,
    pub batch: usize,
    pub measure: usize,
    pub queries: usize,
    /// Statements carry a random id made by the client.
    pub client_ids: bool,
}

const VERBS: [&str; 12] = [
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/attempted",
    "http://adlnet.gov/expapi/verbs/passed",
    "http://adlnet.gov/expapi/verbs/failed",
    "http://adlnet.gov/expapi/verbs/answered",
    "http://adlnet.gov/expapi/verbs/experienced",
    "http://adlnet.gov/expapi/verbs/commented",
    "http://adlnet.gov/expapi/verbs/shared",
    "http://adlnet.gov/expapi/verbs/asked",
    "http://adlnet.gov/expapi/verbs/progressed",
    "http://activitystrea.ms/schema/1.0/join",
    "http://activitystrea.ms/schema/1.0/like",
];
const AGENTS: usize = 5_000;
const ACTIVITIES: usize = 20_000;

/// A realistic statement: an agent from a company of 5,000, a verb, one of 20,000 activities
/// with a definition, a score, a duration, context with a registration, a parent and a
/// platform, and an extension. About 1 KB of JSON. With `client_id`, a random id as well.
fn statement(rng: &mut StdRng, client_id: bool) -> Value {
    let agent = rng.gen_range(0..AGENTS);
    let activity = rng.gen_range(0..ACTIVITIES);
    let verb = VERBS[rng.gen_range(0..VERBS.len())];
    let registration = format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        rng.gen::<u32>(),
        rng.gen::<u16>(),
        rng.gen_range(0..0x1000),
        rng.gen_range(0..0x1000),
        rng.gen::<u64>() & 0xffff_ffff_ffff
    );
    let mut s = json!({
        "actor": {"objectType": "Agent", "name": format!("Learner {agent}"), "mbox": format!("mailto:learner{agent}@example.com")},
        "verb": {"id": verb, "display": {"en-US": verb.rsplit('/').next().unwrap_or(verb)}},
        "object": {
            "objectType": "Activity",
            "id": format!("https://courses.example.com/activities/{activity}"),
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/lesson",
                "name": {"en-US": format!("Lesson {activity}: working with colleagues on real problems")},
                "description": {"en-US": "A short lesson with a practice task, a reflection question and a quiz of five questions."},
            },
        },
        "result": {
            "score": {"scaled": rng.gen_range(0..=100) as f64 / 100.0, "raw": rng.gen_range(0..=50), "min": 0, "max": 50},
            "success": rng.gen_bool(0.8),
            "completion": true,
            "duration": format!("PT{}M{}S", rng.gen_range(1..60), rng.gen_range(0..60)),
            "extensions": {"https://courses.example.com/xapi/attempt": rng.gen_range(1..4)},
        },
        "context": {
            "registration": registration,
            "platform": "Course platform",
            "language": "en-US",
            "contextActivities": {
                "parent": [{"id": format!("https://courses.example.com/courses/{}", activity / 20), "objectType": "Activity"}],
                "grouping": [{"id": "https://courses.example.com/programmes/new-managers", "objectType": "Activity"}],
            },
        },
        "timestamp": "2026-11-25T09:00:00.000Z",
    });
    if client_id {
        s["id"] = json!(peerlab_xapi::Uuid::new_v4(rng.gen()).to_string());
    }
    s
}

struct Client {
    http: reqwest::Client,
    base: String,
    auth: String,
}

impl Client {
    async fn post(&self, body: &str) -> anyhow::Result<()> {
        let r = self
            .http
            .post(format!("{}/xapi/statements", self.base))
            .header("Authorization", &self.auth)
            .header("X-Experience-API-Version", "1.0.3")
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await?;
        if !r.status().is_success() {
            bail!(
                "POST /xapi/statements: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            );
        }
        Ok(())
    }

    async fn get(&self, query: &str) -> anyhow::Result<usize> {
        let r = self
            .http
            .get(format!("{}/xapi/statements?{query}", self.base))
            .header("Authorization", &self.auth)
            .header("X-Experience-API-Version", "1.0.3")
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("GET /xapi/statements?{query}: {}", r.status());
        }
        let v: Value = r.json().await?;
        Ok(v["statements"].as_array().map_or(0, Vec::len))
    }
}

/// Batches of `batch` statements, serialised ahead of time so that generating them is not
/// measured.
fn batches(seed: u64, count: usize, batch: usize, client_ids: bool) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count.div_ceil(batch))
        .map(|_| {
            let list: Vec<Value> = (0..batch)
                .map(|_| statement(&mut rng, client_ids))
                .collect();
            Value::Array(list).to_string()
        })
        .collect()
}

/// Posts every batch with `clients` concurrent clients; returns the wall time.
async fn ingest(
    client: &Arc<Client>,
    bodies: Vec<String>,
    clients: usize,
) -> anyhow::Result<Duration> {
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, bodies, next) = (client.clone(), bodies.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else {
                    return Ok::<_, anyhow::Error>(());
                };
                client.post(body).await?;
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(start.elapsed())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    if options.batch == 0 || options.batch > peerlab_web::xapi::MAX_BATCH {
        bail!("--batch must be from 1 to {}", peerlab_web::xapi::MAX_BATCH);
    }
    let (location, dir) = match &options.database_url {
        Some(url) => (Location::parse_url(url)?, None),
        None => {
            let dir =
                std::env::temp_dir().join(format!("peerlab-lrs-bench-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir)?;
            (Location::in_data_dir(&dir), Some(dir))
        }
    };
    let store = Store::open(&location, Create::IfMissing).await?;
    if store.lrs_stats().await?.statements > 0 {
        bail!("the database already holds statements; give an empty one");
    }
    let backend = store.backend();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = AppState::new(
        store.clone(),
        Clock::System,
        WebConfig {
            public_url: base.clone(),
            mail: None,
        },
    );
    let server = tokio::spawn(async move {
        let _ = peerlab_web::serve(listener, state, std::future::pending()).await;
    });
    let (key, secret) = peerlab_web::xapi::new_credential();
    store
        .create_credential(
            "load generator",
            &key,
            &peerlab_web::sha256_hex(&secret),
            "all",
            None,
            Clock::System.now_ms(),
        )
        .await?;
    let client = Arc::new(Client {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()?,
        base,
        auth: format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{key}:{secret}"))
        ),
    });
    let sample = statement(&mut StdRng::seed_from_u64(0), options.client_ids).to_string();
    println!(
        "{backend}: statements of about {} bytes, batches of {}, ids made by {}",
        sample.len(),
        options.batch,
        if options.client_ids {
            "the clients (random)"
        } else {
            "the LRS"
        }
    );

    let mut stored = 0;
    for (i, &clients) in options.clients.iter().enumerate() {
        let bodies = batches(
            i as u64 + 1,
            options.measure,
            options.batch,
            options.client_ids,
        );
        let n = bodies.len() * options.batch;
        let took = ingest(&client, bodies, clients).await?;
        stored += n;
        println!(
            "{backend}: ingest, {clients} client(s): {n} statements in {:.2} s = {:.0} statements/s",
            took.as_secs_f64(),
            n as f64 / took.as_secs_f64()
        );
    }
    if options.statements > stored {
        let rest = options.statements - stored;
        let clients = options.clients.iter().copied().max().unwrap_or(1);
        let start = Instant::now();
        let chunk = 100_000;
        let mut done = 0;
        while done < rest {
            let n = chunk.min(rest - done);
            ingest(
                &client,
                batches(1_000 + done as u64, n, options.batch, options.client_ids),
                clients,
            )
            .await?;
            done += n;
        }
        stored += rest;
        println!(
            "{backend}: filled to {stored} statements ({rest} more in {:.1} s, {:.0}/s)",
            start.elapsed().as_secs_f64(),
            rest as f64 / start.elapsed().as_secs_f64()
        );
    }

    let mut rng = StdRng::seed_from_u64(99);
    type Filter = Box<dyn Fn(&mut StdRng) -> String>;
    let filters: [(&str, Filter); 3] = [
        (
            "agent",
            Box::new(|r: &mut StdRng| {
                let agent = json!({"mbox": format!("mailto:learner{}@example.com", r.gen_range(0..AGENTS))});
                format!("agent={}", urlencode(&agent.to_string()))
            }),
        ),
        (
            "verb",
            Box::new(|r: &mut StdRng| {
                format!("verb={}", urlencode(VERBS[r.gen_range(0..VERBS.len())]))
            }),
        ),
        (
            "activity",
            Box::new(|r: &mut StdRng| {
                format!(
                    "activity={}",
                    urlencode(&format!(
                        "https://courses.example.com/activities/{}",
                        r.gen_range(0..ACTIVITIES)
                    ))
                )
            }),
        ),
    ];
    for (name, make) in &filters {
        let mut samples = Vec::with_capacity(options.queries);
        let mut returned = 0;
        for _ in 0..options.queries {
            let q = format!("{}&limit=100", make(&mut rng));
            let t = Instant::now();
            returned += client
                .get(&q)
                .await
                .with_context(|| format!("query by {name}"))?;
            samples.push(t.elapsed());
        }
        samples.sort();
        println!(
            "{backend}: GET by {name}, limit=100, {stored} stored: n={} p50={:.2} ms p99={:.2} ms (mean {:.0} statements returned)",
            samples.len(),
            percentile(&samples, 0.5),
            percentile(&samples, 0.99),
            returned as f64 / samples.len() as f64
        );
    }

    let bytes = store.disk_bytes().await?;
    if let Some(bytes) = bytes {
        println!(
            "{backend}: disk {:.0} MB for {stored} statements = {:.0} bytes per statement (the whole database)",
            bytes as f64 / 1e6,
            bytes as f64 / stored as f64
        );
    }
    server.abort();
    store.close().await;
    if let Some(dir) = dir {
        if std::env::var("PEERLAB_BENCH_KEEP").is_ok() {
            println!("kept {}", dir.display());
        } else {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    Ok(())
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
