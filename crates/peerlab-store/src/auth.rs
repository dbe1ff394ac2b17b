//! Credentials: passwords, sessions, API tokens, invitations and the login throttle.
//! Secrets arrive here already hashed; this module never sees a raw token.

use peerlab_core::{Email, Role};
use serde::Serialize;

#[allow(unused_imports)]
use crate::ids::{PersonId, PostId, SkillId, SpaceId, ThreadId};
use crate::{on_pool, write_tx, Result, Store, StoreError};

/// The person behind a valid session or API token.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SessionUser {
    pub person_id: PersonId,
    pub name: String,
    pub email: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// The session's CSRF token; empty for API tokens, which are not sent by browsers.
    pub csrf_token: String,
    /// Unread notifications, for the bell in the page header; 0 for API tokens.
    pub unread: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Store {
    /// The person id and password hash for a login attempt.
    pub async fn credentials(&self, email: &Email) -> Result<Option<(PersonId, Option<String>)>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, password_hash FROM people WHERE email = $1"
        )
        .bind(email.as_str())
        .fetch_optional(p)
        .await)?)
    }

    pub async fn set_password(&self, person_id: PersonId, password_hash: &str) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE people SET password_hash = $2 WHERE id = $1"
        )
        .bind(person_id)
        .bind(password_hash)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        person_id: PersonId,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        on_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO sessions (token_hash, person_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(token_hash)
        .bind(person_id)
        .bind(csrf)
        .bind(now)
        .bind(expires_at)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// The user of an unexpired session.
    pub async fn session_user(&self, token_hash: &str, now: i64) -> Result<Option<SessionUser>> {
        // Every page asks this, so its text is built once.
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!(
                "SELECT p.id AS person_id, p.name, p.email, p.role, se.csrf_token, ({}) AS unread \
                 FROM sessions se JOIN people p ON p.id = se.person_id \
                 WHERE se.token_hash = $1 AND se.expires_at > $2",
                crate::spaces::unread_count_sql("p.id")
            )
        });
        Ok(on_pool!(self, |p| {
            sqlx::query_as(SQL.as_str())
                .bind(token_hash)
                .bind(now)
                .fetch_optional(p)
                .await
        })?)
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "DELETE FROM sessions WHERE token_hash = $1"
        )
        .bind(token_hash)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn create_api_token(
        &self,
        person_id: PersonId,
        name: &str,
        token_hash: &str,
        now: i64,
    ) -> Result<i64> {
        Ok(on_pool!(self, |p| {
            sqlx::query_scalar(
            "INSERT INTO api_tokens (person_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id"
        )
        .bind(person_id)
        .bind(name)
        .bind(token_hash)
        .bind(now)
        .fetch_one(p)
        .await
        })?)
    }

    pub async fn api_tokens(&self, person_id: PersonId) -> Result<Vec<ApiToken>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE person_id = $1 ORDER BY id DESC"
        )
        .bind(person_id)
        .fetch_all(p)
        .await
        })?)
    }

    /// Revokes one of the person's own tokens. Revoking is final.
    pub async fn revoke_api_token(
        &self,
        person_id: PersonId,
        token_id: i64,
        now: i64,
    ) -> Result<()> {
        let done = on_pool!(self, |p| {
            sqlx::query(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND person_id = $2"
        )
        .bind(token_id)
        .bind(person_id)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        if done == 0 {
            return Err(StoreError::NotFound("API token"));
        }
        Ok(())
    }

    /// The user of a valid (unrevoked) API token; records its use at minute granularity so
    /// busy clients do not turn every read into a write.
    pub async fn api_token_user(&self, token_hash: &str, now: i64) -> Result<Option<SessionUser>> {
        let found: Option<(SessionUser, Option<i64>, i64)> = on_pool!(self, |p| {
            let row: Option<(PersonId, String, String, String, Option<i64>, i64)> = sqlx::query_as(
                "SELECT p.id, p.name, p.email, p.role, t.last_used_at, t.id FROM api_tokens t \
                 JOIN people p ON p.id = t.person_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
            )
            .bind(token_hash)
            .fetch_optional(p)
            .await?;
            Ok::<_, sqlx::Error>(row.and_then(|(person_id, name, email, role, last, id)| {
                let role = Role::parse(&role).ok()?;
                Some((
                    SessionUser {
                        person_id,
                        name,
                        email,
                        role,
                        csrf_token: String::new(),
                        unread: 0,
                    },
                    last,
                    id,
                ))
            }))
        })?;
        let Some((user, last_used, id)) = found else {
            return Ok(None);
        };
        if last_used.is_none_or(|t| now - t > 60_000) {
            on_pool!(self, |p| sqlx::query(
                "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1"
            )
            .bind(id)
            .bind(now)
            .execute(p)
            .await
            .map(|_| ()))?;
        }
        Ok(Some(user))
    }

    pub async fn create_invitation(
        &self,
        person_id: PersonId,
        token_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        on_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO invitations (token_hash, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(token_hash)
        .bind(person_id)
        .bind(now)
        .bind(expires_at)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// The person an unused, unexpired invitation is for.
    pub async fn invitation(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<crate::Invitation>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT p.id AS person_id, p.name, p.email, (p.password_hash IS NOT NULL) AS has_password \
             FROM invitations i JOIN people p ON p.id = i.person_id \
             WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > $2"
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(p)
        .await
        })?)
    }

    /// Uses an invitation to set a password, once. Returns the person id.
    pub async fn accept_invitation(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<PersonId> {
        Ok(write_tx!(self, |tx| {
            let person_id: Option<PersonId> = sqlx::query_scalar(
                "UPDATE invitations SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
                 RETURNING person_id",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(person_id) = person_id else {
                return Err(StoreError::NotFound("invitation"));
            };
            sqlx::query("UPDATE people SET password_hash = $2 WHERE id = $1")
                .bind(person_id)
                .bind(password_hash)
                .execute(&mut *tx)
                .await?;
            // The person's other links are spent too: a leaked older link must not reset the
            // password that was just chosen.
            sqlx::query(
                "UPDATE invitations SET used_at = $2 WHERE person_id = $1 AND used_at IS NULL",
            )
            .bind(person_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            // A new password ends every session that the old one opened, and every API token:
            // whoever knew the old password could have made one.
            sqlx::query("DELETE FROM sessions WHERE person_id = $1")
                .bind(person_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $2 WHERE person_id = $1 AND revoked_at IS NULL",
            )
            .bind(person_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            person_id
        }))
    }

    /// Counts a login attempt for `key` and returns the attempts in the current window,
    /// this one included; a window that started before `window_start` starts again at 1.
    /// Counting before the password is checked, in one atomic statement, means parallel
    /// attempts cannot all slip under the limit.
    pub async fn count_login_attempt(&self, key: &str, now: i64, window_start: i64) -> Result<i64> {
        Ok(on_pool!(self, |p| {
            sqlx::query_scalar(
            "INSERT INTO login_failures (key, failures, window_start) VALUES ($1, 1, $2) \
             ON CONFLICT (key) DO UPDATE SET \
               failures = CASE WHEN login_failures.window_start >= $3 THEN login_failures.failures + 1 ELSE 1 END, \
               window_start = CASE WHEN login_failures.window_start >= $3 THEN login_failures.window_start ELSE $2 END \
             RETURNING failures"
        )
        .bind(key)
        .bind(now)
        .bind(window_start)
        .fetch_one(p)
        .await
        })?)
    }

    /// Takes back one attempt for `key` (a login that succeeded was not a failure).
    pub async fn forgive_login_attempt(&self, key: &str) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE login_failures SET failures = failures - 1 WHERE key = $1 AND failures > 0"
        )
        .bind(key)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "DELETE FROM login_failures WHERE key = $1"
        )
        .bind(key)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}
