//! [`Tx`]: the connection of a write transaction on either backend, so that a step shared by
//! several transactions (ensure a skill exists, write a notification, log a moderation
//! action) is one ordinary method with a real signature, written once.
//!
//! Inside a `write_tx!` body, `Tx::from(&mut *tx)` wraps the transaction's connection; a
//! method body runs its SQL through `on_conn!`, which, like `on_pool!`, compiles the same
//! typed sqlx code once per backend.

use sqlx::{PgConnection, SqliteConnection};

pub(crate) enum Tx<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl<'c> From<&'c mut SqliteConnection> for Tx<'c> {
    fn from(c: &'c mut SqliteConnection) -> Self {
        Tx::Sqlite(c)
    }
}

impl<'c> From<&'c mut PgConnection> for Tx<'c> {
    fn from(c: &'c mut PgConnection) -> Self {
        Tx::Postgres(c)
    }
}

impl Tx<'_> {
    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self, Tx::Postgres(_))
    }
}

/// Runs `body` with `$c` bound to the transaction's native connection (`&mut
/// SqliteConnection` or `&mut PgConnection`); the body is compiled once per backend.
macro_rules! on_conn {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::tx::Tx::Sqlite(conn) => {
                let $c = &mut **conn;
                $body
            }
            $crate::tx::Tx::Postgres(conn) => {
                let $c = &mut **conn;
                $body
            }
        }
    };
}
pub(crate) use on_conn;
