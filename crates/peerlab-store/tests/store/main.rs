//! The store's integration tests, one binary: each test runs on a fresh SQLite file and on a
//! fresh PostgreSQL database (`backend_tests!`).
//!
//! PostgreSQL tests need `PEERLAB_TEST_PG` (an admin URL such as
//! `postgres://peerlab:peerlab@127.0.0.1:55432/postgres`); `. scripts/deps.sh;
//! ensure_postgres` sets it. Without it those tests fail: they are never skipped silently.

mod jobs;
mod purge;
mod schema;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use peerlab_store::{Create, Location, Store};
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
               async fn $name() { super::$name($crate::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::Backend::Postgres).await } )*
        }
    };
}

/// A fresh database for one test, removed when the test ends.
pub struct TestDb {
    pub location: Location,
    temp_dir: Option<PathBuf>,
    pg_database: Option<(String, String)>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "peerlab_store_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

pub fn pg_admin_url() -> String {
    std::env::var("PEERLAB_TEST_PG").unwrap_or_else(|_| {
        panic!("PEERLAB_TEST_PG is not set: run `. scripts/deps.sh; ensure_postgres` first")
    })
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(unique_name());
                std::fs::create_dir_all(&dir).expect("temp dir");
                TestDb {
                    location: Location::in_data_dir(&dir),
                    temp_dir: Some(dir),
                    pg_database: None,
                }
            }
            Backend::Postgres => {
                let admin = pg_admin_url();
                let name = unique_name();
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("connect to the test PostgreSQL");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create database");
                let url = match admin.rsplit_once('/') {
                    Some((server, _)) => format!("{server}/{name}"),
                    None => panic!("PEERLAB_TEST_PG must end in /DATABASE"),
                };
                TestDb {
                    location: Location::Postgres(url),
                    temp_dir: None,
                    pg_database: Some((admin, name)),
                }
            }
        }
    }

    /// A store on this database, as one node opens it (the first creates the schema).
    pub async fn open(&self) -> Store {
        Store::open(&self.location, Create::IfMissing)
            .await
            .expect("open store")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.temp_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin, name)) = self.pg_database.take() {
            // The test's runtime may be ending: drop the database from a thread with its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
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
