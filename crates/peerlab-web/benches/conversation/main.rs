//! Conversation at scale: a 200-reply thread rendered for a member, live delivery of new
//! replies to 200 open thread pages, and post search over 1,000,000 replies.
//!
//! Run with `cargo bench -p peerlab-web --bench conversation`; set `PEERLAB_BENCH_PG` to a
//! PostgreSQL admin URL (./scripts/bench does) to measure PostgreSQL too. Environment:
//! - `PEERLAB_BENCH_REPLIES`: replies in the search corpus (default 1,000,000);
//! - `PEERLAB_BENCH_VERBOSE=1`: progress while the search corpus is written;
//! - `PEERLAB_BENCH_KEEP=1`: keep the databases for a closer look (their places are printed).
//!
//! What is timed:
//! - thread render: the store queries the page handler makes (session, thread, space,
//!   membership, `thread_view`), the whole handler run in-process through the application's
//!   router (routing, session, queries, template, body; no socket), and `GET /threads/{id}`
//!   over loopback with reqwest (an upper bound of the server time);
//! - live delivery: for each of 50 replies posted through the API and each of 200 listeners
//!   of `GET /threads/{id}/events`, the time from just before the POST is sent to the moment
//!   that listener has read the `event: post` for the new post; clients and server share this
//!   process and its two worker threads, so the figures include the clients' own work;
//! - search: `Store::search_posts` (and a subset through `GET /api/v1/search`) for one- and
//!   two-word queries of common, medium and rare words, as a member of a few spaces, over a
//!   corpus written with bulk INSERTs straight into the database.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use peerlab_core::space::{self, Reaction, SpaceKind, SpaceRole, ThreadKind, Visibility};
use peerlab_core::{markdown, text, Email, PersonName, Role};
use peerlab_store::{
    Create, Location, NewSpace, NewThread, PersonId, PostInput, SearchScope, SpaceId, Store,
    ThreadId,
};
use peerlab_web::live::Topic;
use peerlab_web::{AppState, Clock, WebConfig};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::Connection;
use tower::ServiceExt;

mod search;
mod thread;
mod words;

use search::search;
use thread::conversation;
use words::{pick, zipf_cdf, Words};

const THREAD_REPLIES: usize = 200;
const RENDERS: usize = 500;
const LISTENERS: usize = 200;
const LIVE_REPLIES: usize = 50;
const LIVE_PAUSE: Duration = Duration::from_millis(100);
const CORPUS_PEOPLE: usize = 1_000;
const CORPUS_SPACES: usize = 20;
const REPLIES_PER_THREAD: usize = 20;
const PER_CLASS: usize = 50;
const HTTP_PER_CLASS: usize = 10;
/// A query class stops early once its samples add up to this much.
const CLASS_BUDGET: Duration = Duration::from_secs(20);
/// Rows per INSERT statement and per transaction when filling the corpus.
const ROWS_PER_INSERT: usize = 1_000;
const ROWS_PER_TX: usize = 20_000;

// ---- Reporting -----------------------------------------------------------------------------

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(label: &str, mut samples: Vec<Duration>) {
    if samples.is_empty() {
        println!("{label:<58} no samples");
        return;
    }
    samples.sort();
    println!(
        "{label:<58} n={:<5} p50={:>8.3} ms  p99={:>8.3} ms  max={:>8.3} ms",
        samples.len(),
        percentile(&samples, 0.50),
        percentile(&samples, 0.99),
        percentile(&samples, 1.0)
    );
}

fn verbose() -> bool {
    std::env::var("PEERLAB_BENCH_VERBOSE").is_ok()
}

fn now() -> i64 {
    Clock::System.now_ms()
}

// ---- Databases and servers -----------------------------------------------------------------

/// A fresh database, removed by [`Db::remove`].
struct Db {
    location: Location,
    dir: Option<PathBuf>,
    /// Admin URL and database name of a PostgreSQL database.
    pg: Option<(String, String)>,
}

async fn fresh(backend: &str, tag: &str) -> Option<Db> {
    match backend {
        "sqlite" => {
            let dir =
                std::env::temp_dir().join(format!("peerlab-bench-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("dir");
            Some(Db {
                location: Location::in_data_dir(&dir),
                dir: Some(dir),
                pg: None,
            })
        }
        _ => {
            let admin = std::env::var("PEERLAB_BENCH_PG").ok()?;
            let name = format!("peerlab_bench_{tag}_{}", std::process::id());
            let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect");
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            sqlx::query(&drop).execute(&mut conn).await.expect("drop");
            let create = format!("CREATE DATABASE {name}");
            sqlx::query(&create)
                .execute(&mut conn)
                .await
                .expect("create");
            Some(Db {
                location: Location::Postgres(format!(
                    "{}/{name}",
                    admin.rsplit_once('/').expect("url").0
                )),
                dir: None,
                pg: Some((admin, name)),
            })
        }
    }
}

impl Db {
    async fn remove(self, store: Store) {
        store.close().await;
        if std::env::var("PEERLAB_BENCH_KEEP").is_ok() {
            match (&self.dir, &self.pg) {
                (Some(dir), _) => println!("  kept {}", dir.display()),
                (_, Some((_, name))) => println!("  kept PostgreSQL database {name}"),
                _ => {}
            }
            return;
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin, name)) = &self.pg {
            if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                let _ = sqlx::query(&sql).execute(&mut conn).await;
            }
        }
    }
}

struct Server {
    base: String,
    state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

async fn start(store: &Store) -> Server {
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
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(peerlab_web::serve(listener, state.clone(), async move {
        let _ = stopped.await;
    }));
    Server {
        base,
        state,
        stop: Some(stop),
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

const FIRST: &[&str] = &[
    "Amina", "Bruno", "Chen", "Dana", "Emeka", "Fatima", "Gustavo", "Hana", "Ivan", "Jana", "Kofi",
    "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tamar", "Umar", "Vera",
    "Wei", "Ximena", "Yusuf", "Zoe", "Aiko", "Björn", "Céline", "Dmitri",
];
const LAST: &[&str] = &[
    "Okafor",
    "Silva",
    "Nakamura",
    "Müller",
    "Haddad",
    "Kowalski",
    "Fernández",
    "Ng",
    "Dubois",
    "Petrov",
    "Mensah",
    "Larsen",
    "Rossi",
    "Khan",
    "O'Brien",
    "Novak",
    "Santos",
    "Weber",
    "Ahmed",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Ivanova",
    "García",
    "Osei",
    "Bauer",
    "Costa",
    "Sato",
    "Nilsen",
    "Popescu",
    "Yilmaz",
    "Murphy",
    "Schmidt",
    "Kim",
];

async fn person(store: &Store, i: usize, role: Role) -> PersonId {
    let email = Email::parse(&format!("person{i}@bench.example")).expect("email");
    let name = format!(
        "{} {}",
        FIRST[i % FIRST.len()],
        LAST[(i / FIRST.len()) % LAST.len()]
    );
    let name = PersonName::parse(&name).expect("name");
    store
        .create_person(&email, &name, role, None, now())
        .await
        .expect("person")
}

/// A session cookie's token for `person`, stored as the server expects it.
async fn session(store: &Store, person: PersonId) -> String {
    let token = peerlab_web::new_secret();
    store
        .create_session(
            &peerlab_web::sha256_hex(&token),
            person,
            &peerlab_web::new_secret(),
            now(),
            now() + 14 * 86_400_000,
        )
        .await
        .expect("session");
    token
}

async fn api_token(store: &Store, person: PersonId) -> String {
    let token = format!("plk_{}", peerlab_web::new_secret());
    store
        .create_api_token(person, "bench", &peerlab_web::sha256_hex(&token), now())
        .await
        .expect("token");
    token
}

/// A post as the server prepares one (`conversation::prepare`, without mentions).
fn post_input(title: &str, raw: &str) -> PostInput {
    let body = space::Body::parse(raw).expect("body");
    let body_html = markdown::render(&body, &|_| None);
    let plain = markdown::plain_text(&body, space::MAX_BODY_CHARS);
    PostInput {
        search_text: text::index_text([title, plain.as_str()]),
        body,
        body_html,
        mentions: Vec::new(),
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let words = Arc::new(Words::new());
    println!(
        "vocabulary: {} content words, {} rare words, {} function words",
        words.content.len(),
        words.rare.len(),
        words.function.len()
    );
    rt.block_on(async {
        for backend in ["sqlite", "postgres"] {
            conversation(backend, &words).await;
            search(backend, words.clone()).await;
        }
    });
}
