//! The index of statement terms (see the module's decisions): tokens, their keys, and the
//! rows each backend indexes them by; and the move of an older store's index to this one.

use super::*;
use crate::tx::{on_conn, Tx};

impl Tx<'_> {
    /// The rows of `sql`, whose `{}` is an `IN` list, for every one of `ids`, in chunks of
    /// [`BATCH`].
    pub(super) async fn select_in<R>(&mut self, sql: &str, ids: &[&str]) -> Result<Vec<R>>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        let postgres = self.is_postgres();
        let mut rows: Vec<R> = Vec::new();
        for chunk in ids.chunks(BATCH) {
            let sql = anonymous(postgres, sql.replace("{}", &list(chunk.len(), 1)));
            on_conn!(self, |c| {
                let mut q = sqlx::query_as::<_, R>(&sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                rows.extend(q.fetch_all(&mut *c).await?);
            });
        }
        Ok(rows)
    }

    /// Writes the index entries of `index` (`(seq, tokens)`); the statements in `replaced`
    /// had entries, which their grown token sets replace.
    pub(super) async fn write_index(
        &mut self,
        index: &[(i64, &Tokens)],
        replaced: &[i64],
    ) -> Result<()> {
        match self {
            Tx::Postgres(c) => {
                // DIALECT: (hash, seq, core) rows; a hash both core and related is core.
                let mut rows: Vec<(&str, i64, i64)> = Vec::new();
                for (seq, t) in index {
                    let mut core: HashMap<&str, i64> = HashMap::new();
                    for token in t.iter() {
                        let c = core.entry(&token[1..]).or_default();
                        *c = (*c).max(i64::from(token.starts_with('c')));
                    }
                    rows.extend(core.into_iter().map(|(h, c)| (h, *seq, c)));
                }
                for chunk in rows.chunks(BATCH) {
                    let sql = format!(
                        "INSERT INTO statement_terms (term, seq, core) VALUES {} ON CONFLICT (term, seq) \
                         DO UPDATE SET core = GREATEST(statement_terms.core, excluded.core)",
                        placeholders(1, chunk.len(), 3)
                    );
                    let mut q = sqlx::query(&sql);
                    for (term, seq, core) in chunk {
                        q = q.bind(*term).bind(*seq).bind(*core);
                    }
                    q.execute(&mut **c).await?;
                }
            }
            Tx::Sqlite(c) => {
                // DIALECT: one full-text row per statement, rowid = seq.
                for seq in replaced {
                    sqlx::query("DELETE FROM statement_index WHERE rowid = $1")
                        .bind(seq)
                        .execute(&mut **c)
                        .await?;
                }
                for chunk in index.chunks(BATCH) {
                    let sql = anonymous(
                        false,
                        format!(
                            "INSERT INTO statement_index (rowid, terms) VALUES {}",
                            placeholders(1, chunk.len(), 2)
                        ),
                    );
                    let mut q = sqlx::query(&sql);
                    for (seq, t) in chunk {
                        q = q.bind(*seq).bind(join_tokens(t));
                    }
                    q.execute(&mut **c).await?;
                }
            }
        }
        Ok(())
    }
}

/// A statement's index tokens: see the module's decisions.
pub(super) type Tokens = BTreeSet<String>;

/// The 26 base32 characters of a term's SHA-256 that stand for it in the index. 128 bits:
/// two different terms share a key with a probability of about 10⁻²⁰ in a store of a billion
/// terms.
pub(crate) fn term_key(term: &str) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let digest = Sha256::digest(term.as_bytes());
    let mut bits: u128 = u128::from_be_bytes(digest[..16].try_into().expect("16 bytes"));
    let mut out = [0u8; 26];
    for c in out.iter_mut().rev() {
        *c = ALPHABET[(bits & 31) as usize];
        bits >>= 5;
    }
    String::from_utf8(out.to_vec()).expect("ASCII")
}

/// `c` + key for a core term (the actor, verb, object or registration), `r` + key for one
/// that matches only with related_agents / related_activities. A term that is both is core.
pub(super) fn own_tokens(terms: &[(String, bool)]) -> Tokens {
    let mut core: HashMap<&str, bool> = HashMap::new();
    for (term, c) in terms {
        *core.entry(term.as_str()).or_default() |= *c;
    }
    core.into_iter()
        .map(|(term, c)| format!("{}{}", if c { 'c' } else { 'r' }, term_key(term)))
        .collect()
}

pub(super) fn parse_tokens(text: Option<&str>) -> Tokens {
    text.unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

pub(super) fn join_tokens(tokens: &Tokens) -> String {
    tokens
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

impl Store {
    /// Moves the index rows of statements stored before migration 0005 (raw terms in
    /// `statement_terms_0003`) over to tokens and the new index, then drops the old table.
    /// Runs once, when a store of that age first opens; it holds the rows of every such
    /// statement in memory, which is fine for the stores that existed then.
    pub(crate) async fn upgrade_statement_index(&self) -> Result<()> {
        let pool = &self.pool;
        let exists: bool = on_pool!(self, |p| sqlx::query_scalar(match pool {
            Pool::Sqlite(_) => {
                "SELECT COUNT(*) > 0 FROM sqlite_master WHERE name = 'statement_terms_0003'"
            }
            Pool::Postgres(_) => "SELECT to_regclass('statement_terms_0003') IS NOT NULL",
        })
        .fetch_one(p)
        .await)?;
        if !exists {
            return Ok(());
        }
        write_tx!(self, |tx| {
            let rows: Vec<(i64, String, i64)> =
                sqlx::query_as("SELECT seq, term, core FROM statement_terms_0003 ORDER BY seq")
                    .fetch_all(&mut *tx)
                    .await?;
            let mut by_seq: Vec<(i64, Vec<(String, bool)>)> = Vec::new();
            for (seq, term, core) in rows {
                match by_seq.last_mut() {
                    Some((s, terms)) if *s == seq => terms.push((term, core != 0)),
                    _ => by_seq.push((seq, vec![(term, core != 0)])),
                }
            }
            let tokens: Vec<(i64, Tokens)> = by_seq
                .into_iter()
                .map(|(seq, terms)| (seq, own_tokens(&terms)))
                .collect();
            for (seq, t) in &tokens {
                sqlx::query("UPDATE statements SET terms = $1 WHERE seq = $2")
                    .bind(join_tokens(t))
                    .bind(seq)
                    .execute(&mut *tx)
                    .await?;
            }
            let index: Vec<(i64, &Tokens)> = tokens.iter().map(|(seq, t)| (*seq, t)).collect();
            Tx::from(&mut *tx).write_index(&index, &[]).await?;
            sqlx::query("UPDATE statements SET terms = '' WHERE terms IS NULL")
                .execute(&mut *tx)
                .await?;
            sqlx::query("DROP TABLE statement_terms_0003")
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }
}
