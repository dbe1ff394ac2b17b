//! The test harness: the real application on 127.0.0.1:0 with a fresh database per test,
//! on SQLite or PostgreSQL, and clients that behave like a browser or an API script.
//!
//! PostgreSQL tests need `PEERLAB_TEST_PG` (an admin URL such as
//! `postgres://peerlab:peerlab@127.0.0.1:55432/postgres`); `./scripts/test` starts a server
//! and sets it. Without it those tests fail: they are never skipped silently.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;

use peerlab_core::{Email, PersonName, Role};
use peerlab_store::{Create, Location, PersonId, SkillId, Store};
use peerlab_web::{AppState, Clock, WebConfig};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Declares each listed `async fn name(backend: Backend)` as two tests, one per database.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::common::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::common::Backend::Postgres).await } )*
        }
    };
}

pub mod matrix;
pub mod webdriver;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub clock: Clock,
    pub backend: Backend,
    pub location: Location,
    pub mail: Option<peerlab_web::outbound::mail::MailSettings>,
    temp_dir: Option<PathBuf>,
    pg_database: Option<(String, String)>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique_name() -> String {
    format!(
        "peerlab_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        rand::random::<u32>()
    )
}

pub fn pg_admin_url() -> String {
    std::env::var("PEERLAB_TEST_PG").unwrap_or_else(|_| {
        panic!(
            "PEERLAB_TEST_PG is not set: run ./scripts/test, which starts PostgreSQL and sets it"
        )
    })
}

/// A fresh, empty database location for one test.
pub async fn fresh_location(
    backend: Backend,
) -> (Location, Option<PathBuf>, Option<(String, String)>) {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(unique_name());
            std::fs::create_dir_all(&dir).expect("temp dir");
            (Location::in_data_dir(&dir), Some(dir), None)
        }
        Backend::Postgres => {
            let admin = pg_admin_url();
            let name = unique_name();
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("connect to the test PostgreSQL");
            let sql = format!("CREATE DATABASE {name}");
            sqlx::query(&sql)
                .execute(&mut conn)
                .await
                .expect("create database");
            let url = match admin.rsplit_once('/') {
                Some((server, _)) => format!("{server}/{name}"),
                None => panic!("PEERLAB_TEST_PG must end in /DATABASE"),
            };
            (Location::Postgres(url), None, Some((admin, name)))
        }
    }
}

pub async fn spawn(backend: Backend) -> TestApp {
    spawn_with(backend, None).await
}

/// The application sending e-mail through `mail` (a real SMTP server in the tests).
pub async fn spawn_with(
    backend: Backend,
    mail: Option<peerlab_web::outbound::mail::MailSettings>,
) -> TestApp {
    let (location, temp_dir, pg_database) = fresh_location(backend).await;
    let store = Store::open(&location, Create::IfMissing)
        .await
        .expect("open store");
    // A fixed start time makes dates in pages reproducible.
    let clock = Clock::Manual(Arc::new(AtomicI64::new(1_790_000_000_000)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let base = format!("http://{addr}");
    let state = AppState::new(
        store.clone(),
        clock.clone(),
        WebConfig {
            public_url: base.clone(),
            mail: mail.clone(),
        },
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = peerlab_web::serve(listener, state, async move {
            let _ = rx.await;
        })
        .await;
    });
    TestApp {
        base,
        store,
        clock,
        backend,
        location,
        mail,
        temp_dir,
        pg_database,
        shutdown: Some(tx),
    }
}

/// A node in a runtime of its own, which [`Crash::now`] drops at once: its tasks stop at their
/// next await and its connections close, and nothing it was doing finishes, as when the
/// process dies.
pub struct Crash {
    kill: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Crash {
    pub fn now(mut self) {
        drop(self.kill.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The application on a node that the test can crash; [`TestApp::second_node`] starts the
/// one that takes over.
pub async fn spawn_crashable(
    backend: Backend,
    mail: Option<peerlab_web::outbound::mail::MailSettings>,
) -> (TestApp, Crash) {
    let (location, temp_dir, pg_database) = fresh_location(backend).await;
    let store = Store::open(&location, Create::IfMissing)
        .await
        .expect("open store");
    let clock = Clock::Manual(Arc::new(AtomicI64::new(1_790_000_000_000)));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (kill, killed) = std::sync::mpsc::channel::<()>();
    let (node_location, node_clock, node_base, node_mail) =
        (location.clone(), clock.clone(), base.clone(), mail.clone());
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        rt.spawn(async move {
            let store = Store::open(&node_location, Create::MustExist)
                .await
                .expect("open store");
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            let state = AppState::new(
                store,
                node_clock,
                WebConfig {
                    public_url: node_base,
                    mail: node_mail,
                },
            );
            let _ = peerlab_web::serve(listener, state, std::future::pending()).await;
        });
        let _ = killed.recv();
        rt.shutdown_background();
    });
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let app = TestApp {
        base,
        store,
        clock,
        backend,
        location,
        mail,
        temp_dir,
        pg_database,
        shutdown: None,
    };
    (
        app,
        Crash {
            kill: Some(kill),
            thread: Some(thread),
        },
    )
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(dir) = &self.temp_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin, name)) = self.pg_database.take() {
            // Dropping needs the pool closed; do it on a separate thread with its own runtime.
            let store = self.store.clone();
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    store.close().await;
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = sqlx::query(&sql).execute(&mut conn).await;
                    }
                });
            })
            .join();
        }
    }
}

impl TestApp {
    /// Starts another server on the same database, as a second node would be; returns its
    /// address. It stops when the test's runtime ends.
    /// A second node on the same database, serving until the test ends; returned once it
    /// hears the other nodes' live updates.
    pub async fn second_node(&self) -> String {
        let store = Store::open(&self.location, Create::MustExist)
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
                public_url: base.clone(),
                mail: self.mail.clone(),
            },
        );
        let live = state.live.clone();
        tokio::spawn(async move {
            let _ = peerlab_web::serve(listener, state, std::future::pending()).await;
        });
        // The node is ready once it hears the others (its relay's LISTEN is in effect).
        tokio::time::timeout(std::time::Duration::from_secs(10), live.relaying())
            .await
            .expect("the second node's relay listens within 10 s");
        base
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Adds a person who can log in with [`PASSWORD`].
    pub async fn user(&self, email: &str, name: &str, role: Role) -> PersonId {
        // Hashing is slow in tests too: hash the shared password once.
        static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let hash = HASH.get_or_init(|| peerlab_web::hash_password(PASSWORD).expect("hash"));
        let email = Email::parse(email).expect("email");
        let name = PersonName::parse(name).expect("name");
        self.store
            .create_person(&email, &name, role, Some(hash), self.now())
            .await
            .expect("create person")
    }

    /// Gives `person` a skill at `level`; returns the skill's id.
    pub async fn skill(&self, person: PersonId, name: &str, level: i64) -> SkillId {
        let name = peerlab_core::SkillName::parse(name).expect("skill");
        let level = peerlab_core::Level::new(level).expect("level");
        self.store
            .set_skill(person, &name, level)
            .await
            .expect("set skill")
    }

    /// Holds a lock on the `people` table from another connection, as a second writer would,
    /// until the returned connection is dropped: on SQLite a write transaction, on
    /// PostgreSQL the lock an import takes. Lets a test see a long write while it waits.
    pub async fn hold_people_lock(&self) -> Box<dyn std::any::Any + Send> {
        match &self.location {
            Location::Sqlite(path) => {
                let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
                let mut conn = sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .expect("sqlite");
                sqlx::query("BEGIN IMMEDIATE")
                    .execute(&mut conn)
                    .await
                    .expect("lock");
                Box::new(conn)
            }
            Location::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.expect("postgres");
                for sql in ["BEGIN", "LOCK TABLE people IN SHARE ROW EXCLUSIVE MODE"] {
                    sqlx::query(sql).execute(&mut conn).await.expect("lock");
                }
                Box::new(conn)
            }
        }
    }

    pub fn browser(&self) -> Browser {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("client");
        Browser {
            base: self.base.clone(),
            client,
            csrf: String::new(),
        }
    }

    /// A browser session logged in as `email`.
    pub async fn login(&self, email: &str) -> Browser {
        let mut b = self.browser();
        let r = b.login(email, PASSWORD).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login of {email} failed: {}",
            r.body
        );
        b.refresh_csrf().await;
        b
    }

    /// An API client with a fresh token for `email`.
    pub async fn api_as(&self, email: &str) -> Api {
        let person = self
            .store
            .person_by_email(&Email::parse(email).expect("email"))
            .await
            .expect("store")
            .expect("person");
        let token = format!("plk_{}", peerlab_web::new_secret());
        self.store
            .create_api_token(
                person.id,
                "test",
                &peerlab_web::sha256_hex(&token),
                self.now(),
            )
            .await
            .expect("token");
        self.api(Some(&token))
    }

    pub fn api(&self, token: Option<&str>) -> Api {
        Api {
            base: self.base.clone(),
            client: reqwest::Client::new(),
            token: token.map(str::to_string),
        }
    }
}

#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    pub csrf: String,
}

/// The value of the first hidden `csrf` field in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let start = html.find(r#"name="csrf" value=""#)? + r#"name="csrf" value=""#.len();
    Some(html[start..].split('"').next()?.to_string())
}

impl Browser {
    async fn page(r: reqwest::Response) -> Page {
        let status = r.status();
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Page {
            status,
            location,
            body: r.text().await.expect("body"),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::page(
            self.client
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .expect("GET"),
        )
        .await
    }

    /// Posts a form with the session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all: Vec<(&str, &str)> = vec![("csrf", &self.csrf)];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields.
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Self::page(
            self.client
                .post(format!("{}{path}", self.base))
                .form(fields)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    pub async fn login(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        let csrf = csrf_in(&form.body).expect("login form has a csrf field");
        self.post_raw(
            "/login",
            &[
                ("csrf", &csrf),
                ("email", email),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }

    pub async fn refresh_csrf(&mut self) {
        let home = self.get("/").await;
        assert_eq!(home.status, StatusCode::OK, "home page: {}", home.body);
        self.csrf = csrf_in(&home.body).expect("pages carry a csrf token");
    }
}

/// Asserts that an API answer has this status and this error code, showing the whole body
/// when it does not.
#[track_caller]
pub fn check((status, body): (StatusCode, &Value), want: StatusCode, code: &str) {
    assert_eq!(
        (status, body["error"].as_str()),
        (want, Some(code)),
        "wanted {want} {code}, got {status} {body}"
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| !m.trim().is_empty()),
        "an error says what is wrong in words: {body}"
    );
}

#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub client: reqwest::Client,
    pub token: Option<String>,
}

impl Api {
    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self
            .client
            .request(method, format!("{}/api/v1{path}", self.base));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    pub async fn send(r: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let r = r.send().await.expect("request");
        let status = r.status();
        let text = r.text().await.expect("body");
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, json)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        Self::send(self.req(reqwest::Method::GET, path)).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        Self::send(self.req(reqwest::Method::POST, path).json(&body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        Self::send(self.req(reqwest::Method::PUT, path).json(&body)).await
    }
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        Self::send(self.req(reqwest::Method::DELETE, path)).await
    }
    pub async fn post_bytes(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        Self::send(
            self.req(reqwest::Method::POST, path)
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }
    pub fn raw(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.req(method, path)
    }
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
