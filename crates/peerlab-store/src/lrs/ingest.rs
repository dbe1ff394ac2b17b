//! Storing a batch of statements, all or nothing: repeats, `stored` that never goes back,
//! terms through StatementRefs, voiding, attachments and canonical activity definitions.

use super::index::*;
use super::*;
use crate::tx::{on_conn, Tx};

/// SQLite: the canonical definitions this process last stored or read, trusted only while
/// the newest statement is still the last one it stored. Definitions change only when
/// statements are stored, so another writer (a second process) shows by storing a statement,
/// and the cache starts over. Filled after a commit only, so a rolled-back batch leaves
/// nothing in it.
#[derive(Debug, Default)]
pub(crate) struct KnownDefinitions {
    through_seq: i64,
    texts: HashMap<String, String>,
}

impl KnownDefinitions {
    /// Whether `text` is the stored definition of `id`, when the newest `seq` is `newest`.
    fn knows(&self, newest: i64, id: &str, text: &str) -> bool {
        self.through_seq == newest && self.texts.get(id).is_some_and(|t| t == text)
    }

    /// A batch committed: the newest `seq` was `before` and is now `last`; `stored` are the
    /// definitions it stored or read.
    fn committed(&mut self, before: i64, last: i64, stored: Vec<(String, String)>) {
        // At most this many (a few tens of MB); past it, start over.
        const CAPACITY: usize = 100_000;
        if self.through_seq != before || self.texts.len() + stored.len() > CAPACITY {
            self.texts.clear();
        }
        self.through_seq = last;
        self.texts.extend(stored);
    }
}

/// A statement stored at `floor` instead of its own, earlier time: `stored` in its row and
/// in its JSON.
fn raise_stored(s: &NewStatement, floor: i64) -> NewStatement {
    let mut raised = s.clone();
    if s.stored < floor {
        raised.stored = floor;
        if let Ok(mut body) = serde_json::from_str::<serde_json::Value>(&s.body) {
            let at = chrono::DateTime::from_timestamp_millis(floor)
                .unwrap_or_default()
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string();
            body["stored"] = serde_json::Value::String(at);
            raised.body = body.to_string();
        }
    }
    raised
}

/// Merges a newer activity definition over an older one: language maps merge by language,
/// everything else is replaced by the newer value.
fn merge_definition(old: &mut serde_json::Value, new: serde_json::Value) {
    use serde_json::Value;
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for (k, v) in n {
                let is_map = matches!(k.as_str(), "name" | "description");
                match o.get_mut(&k) {
                    Some(existing @ Value::Object(_)) if is_map => {
                        if let (Value::Object(e), Value::Object(v)) = (existing, v) {
                            e.extend(v);
                        }
                    }
                    _ => {
                        o.insert(k, v);
                    }
                }
            }
        }
        (old, new) => *old = new,
    }
}

/// The batch's activity definitions, merged in statement order, each with its JSON text.
fn merged_definitions(batch: &[NewStatement]) -> HashMap<&str, (serde_json::Value, String)> {
    let mut definitions: HashMap<&str, (serde_json::Value, String)> = HashMap::new();
    for s in batch {
        for (id, def) in &s.definitions {
            let (entry, _) = definitions
                .entry(id.as_str())
                .or_insert((serde_json::Value::Null, String::new()));
            merge_definition(entry, def.clone());
        }
    }
    for (def, text) in definitions.values_mut() {
        *text = def.to_string();
    }
    definitions
}

/// The statements of `batch` not stored yet. One stored already is skipped when `same` says
/// it is the stored one, and refuses the whole batch otherwise.
fn fresh_statements<'b>(
    batch: &'b [NewStatement],
    existing: &HashMap<String, String>,
    same: &(dyn Fn(usize, &str) -> bool + Sync),
) -> Result<Vec<&'b NewStatement>> {
    let mut fresh = Vec::with_capacity(batch.len());
    for (i, s) in batch.iter().enumerate() {
        match existing.get(&s.id) {
            Some(stored) if same(i, stored) => {}
            Some(_) => {
                return Err(StoreError::Conflict(format!(
                    "statement {} is already stored with different content; statements cannot be changed",
                    s.id
                )))
            }
            None => fresh.push(s),
        }
    }
    Ok(fresh)
}

/// Filters match through StatementRefs: a referring statement takes its target's tokens,
/// whether the target was stored before (`stored_targets`) or comes in this batch (also
/// along a chain of references in the batch, at most 16 links).
fn inherit_tokens(
    fresh: &[&NewStatement],
    tokens: &mut [Tokens],
    in_batch: &HashMap<&str, usize>,
    stored_targets: &HashMap<String, Tokens>,
) {
    for _ in 0..16 {
        let mut changed = false;
        for i in 0..fresh.len() {
            let Some(target) = fresh[i].reference.as_deref() else {
                continue;
            };
            let add = match in_batch.get(target) {
                Some(&j) if j != i => tokens[j].clone(),
                Some(_) => continue,
                None => match stored_targets.get(target) {
                    Some(t) => t.clone(),
                    None => continue,
                },
            };
            if !add.is_subset(&tokens[i]) {
                tokens[i].extend(add);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// What [`Tx::pass_tokens_on`] found: earlier statements whose token sets grew, and the
/// targets of statements that voided one of the new ones before it arrived.
struct Referrers {
    updated: Vec<(i64, Tokens)>,
    voided_late: Vec<String>,
}

impl Tx<'_> {
    /// DIALECT: one writer at a time on PostgreSQL, so that `seq` grows in commit order
    /// (SQLite's write transaction already is one).
    async fn serialise_writers(&mut self) -> Result<()> {
        if let Tx::Postgres(c) = self {
            sqlx::query("SELECT pg_advisory_xact_lock(7326001)")
                .execute(&mut **c)
                .await?;
        }
        Ok(())
    }

    /// The newest `stored` and `seq`, if there are statements.
    async fn newest(&mut self) -> Result<(Option<i64>, Option<i64>)> {
        on_conn!(self, |c| Ok(sqlx::query_as(
            "SELECT (SELECT MAX(stored) FROM statements), (SELECT MAX(seq) FROM statements)",
        )
        .fetch_one(&mut *c)
        .await?))
    }

    /// Writes the statements with their tokens; returns each one's `seq` by id.
    async fn insert_rows(
        &mut self,
        fresh: &[&NewStatement],
        tokens: &[Tokens],
        credential: Option<i64>,
    ) -> Result<HashMap<String, i64>> {
        let postgres = self.is_postgres();
        let mut seqs: HashMap<String, i64> = HashMap::with_capacity(fresh.len());
        for (chunk, chunk_tokens) in fresh.chunks(BATCH / 3).zip(tokens.chunks(BATCH / 3)) {
            let sql = anonymous(postgres, format!(
                "INSERT INTO statements (id, body, stored, verb, voids, ref, credential_id, attachments, terms) \
                 VALUES {} RETURNING id, seq",
                placeholders(1, chunk.len(), 9)
            ));
            on_conn!(self, |c| {
                let mut q = sqlx::query_as::<_, (String, i64)>(&sql);
                for (s, t) in chunk.iter().zip(chunk_tokens) {
                    q = q
                        .bind(&s.id)
                        .bind(&s.body)
                        .bind(s.stored)
                        .bind(&s.verb)
                        .bind(&s.voids)
                        .bind(&s.reference)
                        .bind(credential)
                        .bind(i64::from(!s.attachments.is_empty()))
                        .bind(join_tokens(t));
                }
                seqs.extend(q.fetch_all(&mut *c).await?);
            });
        }
        Ok(seqs)
    }

    /// Later arrivals: statements stored before that refer to one of the new ones take its
    /// tokens too, and so on up a chain of references (at most 16 links). The first round
    /// also finds statements that voided one of the new ones before it came.
    async fn pass_tokens_on(
        &mut self,
        mut frontier: HashMap<String, Tokens>,
        in_batch: &HashMap<&str, usize>,
    ) -> Result<Referrers> {
        let mut updated: Vec<(i64, Tokens)> = Vec::new();
        let mut voided_late: Vec<String> = Vec::new();
        for round in 0..16 {
            if frontier.is_empty() {
                break;
            }
            let ids: Vec<&str> = frontier.keys().map(String::as_str).collect();
            let referrers: Vec<(i64, String, String, Option<String>, bool)> = self
                .select_in(
                    "SELECT seq, id, ref, terms, voids IS NOT NULL FROM statements WHERE ref IN ({})",
                    &ids,
                )
                .await?;
            let mut next = HashMap::new();
            for (seq, id, target, terms, voiding) in referrers {
                if in_batch.contains_key(id.as_str()) {
                    continue;
                }
                if round == 0 && voiding {
                    voided_late.push(target.clone());
                }
                let mut have = match updated.iter().find(|(s, _)| *s == seq) {
                    Some((_, t)) => t.clone(),
                    None => parse_tokens(terms.as_deref()),
                };
                let add = &frontier[&target];
                if add.is_subset(&have) {
                    continue;
                }
                have.extend(add.iter().cloned());
                on_conn!(self, |c| sqlx::query(
                    "UPDATE statements SET terms = $1 WHERE seq = $2"
                )
                .bind(join_tokens(&have))
                .bind(seq)
                .execute(&mut *c)
                .await
                .map(drop))?;
                updated.retain(|(s, _)| *s != seq);
                updated.push((seq, have.clone()));
                next.insert(id, have);
            }
            frontier = next;
        }
        Ok(Referrers {
            updated,
            voided_late,
        })
    }

    /// Voids each target, unless the target voids others itself.
    async fn void(&mut self, targets: impl Iterator<Item = &str>) -> Result<()> {
        for target in targets {
            on_conn!(self, |c| sqlx::query(
                "UPDATE statements SET voided = 1 WHERE id = $1 AND voids IS NULL"
            )
            .bind(target)
            .execute(&mut *c)
            .await
            .map(drop))?;
        }
        Ok(())
    }

    /// Stores the attachments' content (once per hash) and which statement has which.
    async fn store_attachments(
        &mut self,
        attachments: &[AttachmentData],
        fresh: &[&NewStatement],
        seqs: &HashMap<String, i64>,
    ) -> Result<()> {
        on_conn!(self, |c| {
            for a in attachments {
                sqlx::query(
                    "INSERT INTO lrs_attachments (sha2, content_type, content) VALUES ($1, $2, $3) ON CONFLICT (sha2) DO NOTHING",
                )
                .bind(&a.sha2)
                .bind(&a.content_type)
                .bind(&a.content)
                .execute(&mut *c)
                .await?;
            }
            for s in fresh {
                for (i, sha2) in s.attachments.iter().enumerate() {
                    sqlx::query("INSERT INTO statement_attachments (seq, sha2, position) VALUES ($1, $2, $3)")
                        .bind(seqs[&s.id])
                        .bind(sha2)
                        .bind(i as i64)
                        .execute(&mut *c)
                        .await?;
                }
            }
            Ok(())
        })
    }

    /// Canonical activity definitions: the latest statement's definition wins, merged over
    /// what was known (language maps merge by language). `skip` are ids whose stored text
    /// is known to equal the batch's. Returns the definitions now stored, for the cache.
    async fn store_definitions(
        &mut self,
        definitions: &HashMap<&str, (serde_json::Value, String)>,
        skip: &[&str],
    ) -> Result<Vec<(String, String)>> {
        let ids: Vec<&str> = definitions
            .keys()
            .copied()
            .filter(|id| !skip.contains(id))
            .collect();
        let known: HashMap<String, String> = self
            .select_in::<(String, String)>(
                "SELECT id, definition FROM lrs_activities WHERE id IN ({})",
                &ids,
            )
            .await?
            .into_iter()
            .collect();
        let mut changed: Vec<(&str, String)> = Vec::new();
        let mut now_stored: Vec<(String, String)> = Vec::new();
        for id in ids {
            let (def, text) = &definitions[id];
            let stored = match known.get(id) {
                None => {
                    changed.push((id, text.clone()));
                    text.clone()
                }
                Some(old) if old == text => old.clone(),
                Some(old) => {
                    let mut merged = serde_json::from_str(old).unwrap_or(serde_json::Value::Null);
                    merge_definition(&mut merged, def.clone());
                    let merged = merged.to_string();
                    if *old != merged {
                        changed.push((id, merged.clone()));
                    }
                    merged
                }
            };
            now_stored.push((id.to_string(), stored));
        }
        let postgres = self.is_postgres();
        for chunk in changed.chunks(BATCH / 2) {
            let sql = anonymous(
                postgres,
                format!(
                    "INSERT INTO lrs_activities (id, definition) VALUES {} \
                     ON CONFLICT (id) DO UPDATE SET definition = excluded.definition",
                    placeholders(1, chunk.len(), 2)
                ),
            );
            on_conn!(self, |c| {
                let mut q = sqlx::query(&sql);
                for (id, def) in chunk {
                    q = q.bind(*id).bind(def);
                }
                q.execute(&mut *c).await.map(drop)
            })?;
        }
        Ok(now_stored)
    }
}

impl Store {
    /// Stores a batch, all or nothing. A statement whose id is stored already is skipped when
    /// `same(i, stored_json)` says batch statement `i` is the stored one (sending it again is
    /// not an error), and makes the whole batch a conflict otherwise. The caller supplies the
    /// comparison because it needs the statement as received (Data 2.3.1). Returns how many
    /// were new.
    pub async fn insert_statements(
        &self,
        batch: &[NewStatement],
        attachments: &[AttachmentData],
        credential: Option<i64>,
        same: &(dyn Fn(usize, &str) -> bool + Sync),
    ) -> Result<usize> {
        if batch.is_empty() {
            return Ok(0);
        }
        // What needs nothing stored is worked out before the transaction.
        let definitions = merged_definitions(batch);
        let mut own: HashMap<&str, Tokens> = batch
            .iter()
            .map(|s| (s.id.as_str(), own_tokens(&s.terms)))
            .collect();
        let is_postgres = matches!(self.pool, Pool::Postgres(_));
        let (count, remember) = write_tx!(self, |tx| {
            let mut tx = Tx::from(&mut *tx);
            tx.serialise_writers().await?;
            let given: Vec<&str> = batch
                .iter()
                .filter(|s| s.id_given)
                .map(|s| s.id.as_str())
                .collect();
            let existing: HashMap<String, String> = tx
                .select_in::<(String, String)>(
                    "SELECT id, body FROM statements WHERE id IN ({})",
                    &given,
                )
                .await?
                .into_iter()
                .collect();
            let fresh = fresh_statements(batch, &existing, same)?;
            if fresh.is_empty() {
                return Ok(0);
            }
            // `stored` never goes back: a batch that waited for the write lock behind a later
            // one takes the later one's time, so that every statement stored after a reader
            // was told "consistent through T" has `stored` ≥ T.
            let (floor, newest) = tx.newest().await?;
            let newest = newest.unwrap_or(0);
            let raised: Vec<NewStatement>;
            let fresh: Vec<&NewStatement> = match floor {
                Some(floor) if fresh.iter().any(|s| s.stored < floor) => {
                    raised = fresh.iter().map(|s| raise_stored(s, floor)).collect();
                    raised.iter().collect()
                }
                _ => fresh,
            };
            let mut tokens: Vec<Tokens> = fresh
                .iter()
                .map(|s| own.remove(s.id.as_str()).unwrap_or_default())
                .collect();
            let in_batch: HashMap<&str, usize> = fresh
                .iter()
                .enumerate()
                .map(|(i, s)| (s.id.as_str(), i))
                .collect();
            let targets: Vec<&str> = fresh
                .iter()
                .filter_map(|s| s.reference.as_deref())
                .filter(|t| !in_batch.contains_key(t))
                .collect();
            let stored_targets: HashMap<String, Tokens> = tx
                .select_in::<(String, Option<String>)>(
                    "SELECT id, terms FROM statements WHERE id IN ({})",
                    &targets,
                )
                .await?
                .into_iter()
                .map(|(id, terms)| (id, parse_tokens(terms.as_deref())))
                .collect();
            inherit_tokens(&fresh, &mut tokens, &in_batch, &stored_targets);
            let seqs = tx.insert_rows(&fresh, &tokens, credential).await?;
            let frontier: HashMap<String, Tokens> = fresh
                .iter()
                .zip(&tokens)
                .map(|(s, t)| (s.id.clone(), t.clone()))
                .collect();
            let referrers = tx.pass_tokens_on(frontier, &in_batch).await?;
            // The index: new statements' tokens, and the grown token sets of earlier ones.
            let mut index: Vec<(i64, &Tokens)> = fresh
                .iter()
                .zip(&tokens)
                .map(|(s, t)| (seqs[&s.id], t))
                .collect();
            let replaced: Vec<i64> = referrers.updated.iter().map(|(seq, _)| *seq).collect();
            index.extend(referrers.updated.iter().map(|(seq, t)| (*seq, t)));
            tx.write_index(&index, &replaced).await?;
            // A statement voided before it arrived (found above) is voided as it arrives.
            tx.void(fresh.iter().filter_map(|s| s.voids.as_deref()))
                .await?;
            tx.void(referrers.voided_late.iter().map(String::as_str))
                .await?;
            tx.store_attachments(attachments, &fresh, &seqs).await?;
            // A definition that is already the stored one, as most are, costs a comparison of
            // two strings, and on SQLite not even a lookup when this process stored or read
            // it last.
            let remembered: Vec<&str> = if is_postgres {
                Vec::new()
            } else {
                let cache = self.definitions.lock().expect("definitions cache");
                definitions
                    .iter()
                    .filter(|(id, (_, text))| cache.knows(newest, id, text))
                    .map(|(id, _)| *id)
                    .collect()
            };
            let now_stored = tx.store_definitions(&definitions, &remembered).await?;
            let last = seqs.values().copied().max().unwrap_or(newest);
            (fresh.len(), (newest, last, now_stored))
        });
        if !is_postgres {
            let (before, last, stored) = remember;
            self.definitions
                .lock()
                .expect("definitions cache")
                .committed(before, last, stored);
        }
        Ok(count)
    }
}
