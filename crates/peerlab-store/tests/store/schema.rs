//! Schema parity: both migration sets build the same tables with the same columns, apart
//! from the differences listed here with their reasons.

use std::collections::{BTreeMap, BTreeSet};

use peerlab_store::Location;
use sqlx::{Connection, PgConnection, SqliteConnection};

use crate::{Backend, TestDb};

type Schema = BTreeMap<String, BTreeSet<String>>;

/// Tables only SQLite has: its full-text indexes are FTS5 virtual tables, where PostgreSQL
/// indexes a generated `tsvector` column (people, skills, posts) or (term, seq) rows
/// (`statement_terms`).
const SQLITE_ONLY_TABLES: &[&str] = &["people_fts", "posts_fts", "skills_fts", "statement_index"];

/// Tables only PostgreSQL has: the statement index as rows in a B-tree (SQLite's is the FTS5
/// table `statement_index`).
const POSTGRES_ONLY_TABLES: &[&str] = &["statement_terms"];

/// Columns only PostgreSQL has, per table: the generated `tsvector` that its GIN index
/// covers, where SQLite keeps the same text in an FTS5 table.
const POSTGRES_ONLY_COLUMNS: &[(&str, &str)] = &[
    ("people", "search"),
    ("posts", "search"),
    ("skills", "search"),
];

/// FTS5's shadow tables, which it creates for each virtual table.
fn is_fts_shadow(table: &str, sqlite_tables: &BTreeSet<String>) -> bool {
    ["_data", "_idx", "_content", "_docsize", "_config"]
        .iter()
        .any(|suffix| {
            table
                .strip_suffix(suffix)
                .is_some_and(|base| sqlite_tables.contains(base))
        })
}

async fn sqlite_schema(location: &Location) -> Schema {
    let Location::Sqlite(path) = location else {
        unreachable!("a SQLite location")
    };
    let url = format!("sqlite://{}", path.display());
    let mut conn = SqliteConnection::connect(&url).await.expect("connect");
    let names: BTreeSet<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("tables")
    .into_iter()
    .collect();
    let mut schema = Schema::new();
    for table in names.iter().filter(|t| !is_fts_shadow(t, &names)) {
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
            .bind(table)
            .fetch_all(&mut conn)
            .await
            .expect("columns");
        schema.insert(table.clone(), columns.into_iter().collect());
    }
    schema
}

async fn postgres_schema(location: &Location) -> Schema {
    let Location::Postgres(url) = location else {
        unreachable!("a PostgreSQL location")
    };
    let mut conn = PgConnection::connect(url).await.expect("connect");
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.table_name::TEXT, c.column_name::TEXT FROM information_schema.columns c \
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' \
         AND c.table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("columns");
    let mut schema = Schema::new();
    for (table, column) in rows {
        schema.entry(table).or_default().insert(column);
    }
    schema
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_have_the_same_tables_and_columns() {
    let (sqlite_db, pg_db) = (
        TestDb::new(Backend::Sqlite).await,
        TestDb::new(Backend::Postgres).await,
    );
    // Opening migrates, and moves stores of an old layout over (which drops a table).
    for db in [&sqlite_db, &pg_db] {
        db.open().await.close().await;
    }
    let mut sqlite = sqlite_schema(&sqlite_db.location).await;
    let mut postgres = postgres_schema(&pg_db.location).await;
    assert!(sqlite.contains_key("jobs") && postgres.contains_key("jobs"));

    for table in SQLITE_ONLY_TABLES {
        assert!(sqlite.remove(*table).is_some(), "SQLite has {table}");
        assert!(!postgres.contains_key(*table), "PostgreSQL lacks {table}");
    }
    for table in POSTGRES_ONLY_TABLES {
        assert!(postgres.remove(*table).is_some(), "PostgreSQL has {table}");
        assert!(!sqlite.contains_key(*table), "SQLite lacks {table}");
    }
    for (table, column) in POSTGRES_ONLY_COLUMNS {
        let columns = postgres.get_mut(*table).expect("table");
        assert!(columns.remove(*column), "PostgreSQL has {table}.{column}");
    }
    let tables = |s: &Schema| s.keys().cloned().collect::<Vec<_>>();
    assert_eq!(tables(&sqlite), tables(&postgres), "the same tables");
    for (table, columns) in &sqlite {
        assert_eq!(Some(columns), postgres.get(table), "the columns of {table}");
    }
}
