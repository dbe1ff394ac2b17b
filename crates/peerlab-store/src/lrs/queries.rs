//! Reading statements: by id, by filters over the term index, the head of the store, their
//! attachments; activity definitions and counts.

use super::index::*;
use super::*;

impl Store {
    /// One statement by id: `voided` selects whether the caller asks for a voided one
    /// (`voidedStatementId`) or a live one (`statementId`).
    pub async fn statement(&self, id: &str, voided: bool) -> Result<Option<StoredStatement>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT seq, body, stored, (attachments <> 0) AS attachments FROM statements WHERE id = $1 AND voided = $2"
        )
        .bind(id)
        .bind(i64::from(voided))
        .fetch_optional(p)
        .await
        })?)
    }

    /// Statements matching `q`, newest first unless `ascending`, at most `limit`.
    pub async fn query_statements(
        &self,
        q: &StatementQuery,
        limit: i64,
    ) -> Result<Vec<StoredStatement>> {
        // (term key, whether only core occurrences count)
        let mut terms: Vec<(String, bool)> = Vec::new();
        if let Some(a) = &q.agent {
            terms.push((term_key(&format!("a:{a}")), !q.related_agents));
        }
        if let Some(v) = &q.verb {
            terms.push((term_key(&format!("v:{v}")), false));
        }
        if let Some(o) = &q.activity {
            terms.push((term_key(&format!("o:{o}")), !q.related_activities));
        }
        if let Some(r) = &q.registration {
            terms.push((term_key(&format!("r:{r}")), false));
        }
        let order = if q.ascending { "ASC" } else { "DESC" };
        let sqlite = matches!(self.pool, Pool::Sqlite(_));
        // Parameters are numbered in the order they are bound: terms first, then integers.
        let mut n = 0;
        let mut param = || {
            n += 1;
            format!("${n}")
        };
        let mut conditions = vec!["s.voided = 0".to_string()];
        let mut texts: Vec<String> = Vec::new();
        let (from, seq_col) = if terms.is_empty() {
            ("statements s", "s.seq")
        } else if sqlite {
            // DIALECT: one full-text match drives the query, newest (or oldest) first, and
            // stops at the limit; CROSS JOIN keeps SQLite from starting at `statements`.
            let expression: Vec<String> = terms
                .iter()
                .map(|(key, core)| {
                    if *core {
                        format!("c{key}")
                    } else {
                        format!("(c{key} OR r{key})")
                    }
                })
                .collect();
            conditions.push(format!("statement_index MATCH {}", param()));
            texts.push(expression.join(" AND "));
            (
                "statement_index f CROSS JOIN statements s ON s.seq = f.rowid",
                "f.rowid",
            )
        } else {
            for (i, (key, core)) in terms.iter().enumerate() {
                let t = param();
                let c = if *core { " AND core = 1" } else { "" };
                conditions.push(if i == 0 {
                    format!("t.term = {t}{}", c.replace("core", "t.core"))
                } else {
                    format!(
                        "EXISTS (SELECT 1 FROM statement_terms u WHERE u.term = {t} AND u.seq = s.seq{})",
                        c.replace("core", "u.core")
                    )
                });
                texts.push(key.clone());
            }
            (
                "statement_terms t JOIN statements s ON s.seq = t.seq",
                "t.seq",
            )
        };
        let mut ints: Vec<i64> = Vec::new();
        for (value, condition) in [
            (q.since, "s.stored >"),
            (q.until, "s.stored <="),
            (q.credential, "s.credential_id ="),
            (q.after, if q.ascending { "{seq} >" } else { "{seq} <" }),
            (q.upto, "{seq} <="),
        ] {
            if let Some(v) = value {
                ints.push(v);
                conditions.push(format!(
                    "{} {}",
                    condition.replace("{seq}", seq_col),
                    param()
                ));
            }
        }
        let limit_param = param();
        let sql = format!(
            "SELECT s.seq, s.body, s.stored, (s.attachments <> 0) AS attachments FROM {from} WHERE {} \
             ORDER BY {seq_col} {order} LIMIT {limit_param}",
            conditions.join(" AND ")
        );
        Ok(on_pool!(self, |p| {
            let mut query = sqlx::query_as::<_, StoredStatement>(&sql);
            for t in &texts {
                query = query.bind(t);
            }
            for v in &ints {
                query = query.bind(*v);
            }
            query.bind(limit).fetch_all(p).await
        })?)
    }

    /// The newest `seq` and `stored` now: the bound of a query's pages, and the
    /// consistent-through time (every statement stored by then is visible).
    pub async fn statements_head(&self) -> Result<(i64, i64)> {
        // Two subqueries, so that each uses its index (one MAX over two columns would scan).
        let row: (Option<i64>, Option<i64>) = on_pool!(self, |p| sqlx::query_as(
            "SELECT (SELECT MAX(seq) FROM statements), (SELECT MAX(stored) FROM statements)"
        )
        .fetch_one(p)
        .await)?;
        Ok((row.0.unwrap_or(0), row.1.unwrap_or(0)))
    }

    /// The attachments of statements, in order: (seq, sha2, content type, content).
    pub async fn statement_attachments(
        &self,
        seqs: &[i64],
    ) -> Result<Vec<(i64, String, String, Vec<u8>)>> {
        if seqs.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT sa.seq, a.sha2, a.content_type, a.content FROM statement_attachments sa \
             JOIN lrs_attachments a ON a.sha2 = sa.sha2 WHERE sa.seq IN ({}) ORDER BY sa.seq, sa.position",
            seqs.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql).fetch_all(p).await)?)
    }

    /// The canonical definition of an activity, if any statement defined it.
    pub async fn activity_definition(&self, id: &str) -> Result<Option<String>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT definition FROM lrs_activities WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await)?)
    }

    pub async fn lrs_stats(&self) -> Result<LrsStats> {
        let (statements, voided, credentials): (i64, i64, i64) = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM statements), (SELECT COUNT(*) FROM statements WHERE voided <> 0), \
             (SELECT COUNT(*) FROM lrs_credentials WHERE revoked_at IS NULL)"
        )
        .fetch_one(p)
        .await
        })?;
        Ok(LrsStats {
            statements,
            voided,
            credentials,
        })
    }
}
