//! LRS credentials: a key and a hashed secret with scopes, for HTTP Basic authentication.

use super::*;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Credential {
    pub id: i64,
    pub name: String,
    pub key: String,
    pub scopes: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl Credential {
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scopes.split_whitespace()
    }
}

impl Store {
    pub async fn create_credential(
        &self,
        name: &str,
        key: &str,
        secret_hash: &str,
        scopes: &str,
        created_by: Option<crate::PersonId>,
        now: i64,
    ) -> Result<i64> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "INSERT INTO lrs_credentials (name, key, secret_hash, scopes, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
        )
        .bind(name)
        .bind(key)
        .bind(secret_hash)
        .bind(scopes)
        .bind(created_by)
        .bind(now)
        .fetch_one(p)
        .await)?)
    }

    pub async fn lrs_credentials(&self) -> Result<Vec<Credential>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT id, name, key, scopes, created_at, revoked_at FROM lrs_credentials ORDER BY id DESC"
        )
        .fetch_all(p)
        .await
        })?)
    }

    pub async fn revoke_credential(&self, id: i64, now: i64) -> Result<()> {
        let done = on_pool!(self, |p| sqlx::query(
            "UPDATE lrs_credentials SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL"
        )
        .bind(now)
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound("active credential"));
        }
        Ok(())
    }

    /// The unrevoked credential with `key` and the hash of its secret.
    pub async fn credential_by_key(&self, key: &str) -> Result<Option<(Credential, String)>> {
        // id, name, key, scopes, created_at, revoked_at, secret_hash.
        type Row = (i64, String, String, String, i64, Option<i64>, String);
        let row: Option<Row> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT id, name, key, scopes, created_at, revoked_at, secret_hash FROM lrs_credentials \
                 WHERE key = $1 AND revoked_at IS NULL"
            )
            .bind(key)
            .fetch_optional(p)
            .await
        })?;
        Ok(
            row.map(|(id, name, key, scopes, created_at, revoked_at, hash)| {
                (
                    Credential {
                        id,
                        name,
                        key,
                        scopes,
                        created_at,
                        revoked_at,
                    },
                    hash,
                )
            }),
        )
    }
}
