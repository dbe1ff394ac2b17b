//! Messages between the nodes that share one PostgreSQL database, for live updates: a node
//! announces what changed with `pg_notify`, every node listens. SQLite serves one process,
//! which needs no messages.

use sqlx::postgres::PgListener;

use crate::{Pool, Result, Store};

/// The PostgreSQL channel live updates travel on.
const CHANNEL: &str = "peerlab_live";

/// A node's subscription to the other nodes' announcements.
pub struct Listener(PgListener);

impl Listener {
    /// The next announcement's payload. After a lost connection it reconnects; what was
    /// announced meanwhile is lost, and pages that missed it show it on their next load.
    pub async fn next(&mut self) -> Result<String> {
        Ok(self.0.recv().await?.payload().to_string())
    }
}

impl Store {
    /// Whether several nodes may share this database (and so need to hear each other).
    pub fn shared(&self) -> bool {
        matches!(self.pool, Pool::Postgres(_))
    }

    /// Tells every node listening on this database; does nothing on SQLite.
    pub async fn announce(&self, payload: &str) -> Result<()> {
        if let Pool::Postgres(pool) = &self.pool {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(payload)
                .execute(pool)
                .await?;
        }
        Ok(())
    }

    /// Listens to the other nodes' announcements; `None` on SQLite.
    pub async fn listen(&self) -> Result<Option<Listener>> {
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(None);
        };
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(Some(Listener(listener)))
    }
}
