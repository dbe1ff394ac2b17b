//! Expert search over a generated 10,000-person directory, and the 50,000-row CSV import.
//!
//! Run with `cargo bench -p peerlab-web --bench expert_search`; set `PEERLAB_BENCH_PG` to a
//! PostgreSQL admin URL (./scripts/bench does) to measure PostgreSQL too. Prints p50/p99 of
//! the server-side work of one search (store queries, ranking, names) and of a whole API
//! request over loopback, and the import's wall time.

use std::time::{Duration, Instant};

use peerlab_core::demo::company;
use peerlab_core::import::{parse_csv, ExistingManagers, ImportPlan};
use peerlab_store::{Create, Location, Store};
use peerlab_web::{AppState, Clock, WebConfig};
use rand::SeedableRng;
use sqlx::Connection;

const PEOPLE: usize = 10_000;
const SEARCHES: usize = 2_000;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{label:<44} n={:<5} p50={:>7.3} ms  p99={:>7.3} ms  max={:>7.3} ms",
        samples.len(),
        percentile(&samples, 0.50),
        percentile(&samples, 0.99),
        percentile(&samples, 1.0)
    );
}

async fn fresh(backend: &str) -> Option<(Location, Option<std::path::PathBuf>)> {
    match backend {
        "sqlite" => {
            let dir = std::env::temp_dir().join(format!("peerlab-bench-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("dir");
            Some((Location::in_data_dir(&dir), Some(dir)))
        }
        _ => {
            let admin = std::env::var("PEERLAB_BENCH_PG").ok()?;
            let name = format!("peerlab_bench_{}", std::process::id());
            let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect");
            let drop = format!("DROP DATABASE IF EXISTS {name}");
            sqlx::query(&drop).execute(&mut conn).await.expect("drop");
            let create = format!("CREATE DATABASE {name}");
            sqlx::query(&create)
                .execute(&mut conn)
                .await
                .expect("create");
            Some((
                Location::Postgres(format!("{}/{name}", admin.rsplit_once('/').expect("url").0)),
                None,
            ))
        }
    }
}

async fn bench(backend: &str) {
    let Some((location, dir)) = fresh(backend).await else {
        println!("{backend}: not measured (set PEERLAB_BENCH_PG to a PostgreSQL admin URL)");
        return;
    };
    let store = Store::open(&location, Create::IfMissing)
        .await
        .expect("open");

    // The 50,000-row import, as an admin's upload would run it: parse and validate, then write.
    let big = company(&mut rand::rngs::StdRng::seed_from_u64(7), 50_000);
    let file = peerlab_core::import::to_csv(&big.people);
    let started = Instant::now();
    let plan = parse_csv(&file, &ExistingManagers::new()).expect("valid");
    let parsed = started.elapsed();
    store.apply_import(&plan, 0, &|_| {}).await.expect("import");
    println!(
        "{backend}: import of 50,000 rows ({:.1} MB): validate {:.2} s, total {:.1} s",
        file.len() as f64 / 1e6,
        parsed.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    drop(store);
    if let Some(d) = &dir {
        let _ = std::fs::remove_dir_all(d);
    }

    let Some((location, dir)) = fresh(backend).await else {
        return;
    };
    let store = Store::open(&location, Create::IfMissing)
        .await
        .expect("open");
    let demo = company(&mut rand::rngs::StdRng::seed_from_u64(2026), PEOPLE);
    store
        .apply_import(
            &ImportPlan {
                people: demo.people,
            },
            0,
            &|_| {},
        )
        .await
        .expect("import");
    for e in &demo.endorsements {
        store
            .endorse_by_email(&e.endorser, &e.person, &e.skill, 0)
            .await
            .expect("endorse");
    }
    println!(
        "{backend}: {PEOPLE} people, {} endorsements",
        demo.endorsements.len()
    );

    let queries = [
        "negotiation",
        "giving feedback",
        "coaching",
        "rust",
        "postgresql",
        "public speaking",
        "facilitation",
        "sql",
        "storytelling",
        "incident response",
        "data",
        "design",
        "management",
        "excel",
        "negot",
        "forecasting",
    ];
    for q in queries {
        peerlab_web::experts::find(&store, q, 20)
            .await
            .expect("warm-up");
    }
    let mut server = Vec::with_capacity(SEARCHES);
    for i in 0..SEARCHES {
        let q = queries[i % queries.len()];
        let t = Instant::now();
        let found = peerlab_web::experts::find(&store, q, 20)
            .await
            .expect("find");
        server.push(t.elapsed());
        assert!(!found.is_empty(), "{q} finds people");
    }
    report(&format!("{backend}: expert search, server work"), server);
    // Where the time goes, per query (median of 30): evidence query, ranking, whole search.
    for q in queries {
        let (mut ev, mut rk, mut all) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..30 {
            let t = Instant::now();
            let evidence = store.expert_evidence(q).await.expect("evidence");
            ev.push(t.elapsed());
            let n = evidence.len();
            let t = Instant::now();
            let ranked = peerlab_core::expert::rank(evidence, 20);
            rk.push(t.elapsed());
            assert!(ranked.len() <= n);
            let t = Instant::now();
            peerlab_web::experts::find(&store, q, 20)
                .await
                .expect("find");
            all.push(t.elapsed());
            if ev.len() == 1 && std::env::var("PEERLAB_BENCH_VERBOSE").is_ok() {
                println!("  {q:<18} evidence rows {n}");
            }
        }
        for v in [&mut ev, &mut rk, &mut all] {
            v.sort();
        }
        if std::env::var("PEERLAB_BENCH_VERBOSE").is_ok() {
            println!(
                "  {q:<18} evidence {:>6.2} ms  rank {:>6.2} ms  whole {:>6.2} ms",
                ev[15].as_secs_f64() * 1e3,
                rk[15].as_secs_f64() * 1e3,
                all[15].as_secs_f64() * 1e3
            );
        }
    }

    // The same through HTTP on loopback, with token authentication.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let state = AppState::new(
        store.clone(),
        Clock::System,
        WebConfig {
            public_url: base.clone(),
            mail: None,
        },
    );
    tokio::spawn(peerlab_web::serve(listener, state, std::future::pending()));
    let token = "plk_bench-token";
    let admin = store
        .person_by_email(&demo.logins.admin)
        .await
        .expect("store")
        .expect("admin");
    store
        .create_api_token(admin.id, "bench", &peerlab_web::sha256_hex(token), 0)
        .await
        .expect("token");
    let client = reqwest::Client::new();
    let mut http = Vec::with_capacity(SEARCHES);
    for i in 0..SEARCHES {
        let q = queries[i % queries.len()];
        let t = Instant::now();
        let r = client
            .get(format!("{base}/api/v1/experts?skill={q}"))
            .bearer_auth(token)
            .send()
            .await
            .expect("get");
        assert!(r.status().is_success());
        r.bytes().await.expect("body");
        http.push(t.elapsed());
    }
    report(
        &format!("{backend}: GET /api/v1/experts over loopback"),
        http,
    );
    store.close().await;
    if let Some(d) = dir {
        let _ = std::fs::remove_dir_all(d);
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        bench("sqlite").await;
        bench("postgres").await;
    });
}
