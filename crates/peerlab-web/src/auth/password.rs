//! Passwords and the login throttle.
//!
//! - Passwords are hashed with argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes),
//!   on the blocking pool, at most one per core at a time.
//! - Failed logins are counted per e-mail and per client address in the database (so that
//!   several nodes count together); past the limit, logins are refused for the rest of the
//!   window whether or not the password is right, and the answer never says whether the
//!   e-mail exists.

use std::net::SocketAddr;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::extract::ConnectInfo;

use crate::error::{Error, Kind};
use crate::kit::secret::new_secret;
use crate::AppState;

pub const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
pub const MAX_FAILURES_PER_CLIENT: i64 = 30;
pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 200;

/// Checks a new password against the policy: its length.
pub fn check_policy(password: &str) -> Result<(), Error> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(Error::new(
            Kind::Invalid,
            "weak_password",
            format!("the password must have at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(Error::new(
            Kind::Invalid,
            "invalid_input",
            format!("the password must have at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Checks a new password against the policy, then hashes it with argon2id.
pub fn hash_password(password: &str) -> Result<String, Error> {
    check_policy(password)?;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(Error::internal)
}

/// A hash of a random password, verified against when the e-mail is unknown so that a
/// failed login takes as long whether or not the person exists.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&new_secret()).unwrap_or_default())
}

/// Computes the dummy hash now, so the first unknown e-mail does not take longer.
pub fn warm_up() {
    dummy_hash();
}

pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    let stored = match hash {
        Some(h) => h,
        None => dummy_hash(),
    };
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    ok && hash.is_some()
}

/// The client's address, for the per-client login throttle.
pub fn client_key(connect: &ConnectInfo<SocketAddr>) -> String {
    format!("client:{}", connect.0.ip())
}

/// Counts a login attempt against the e-mail and the client address; `Err` (429) when either
/// is over its limit, in which case the password must not be checked at all.
pub async fn admit_login(state: &AppState, email_key: &str, client_key: &str) -> Result<(), Error> {
    let now = state.now();
    let window_start = now - THROTTLE_WINDOW_MS;
    let by_email = state
        .store
        .count_login_attempt(email_key, now, window_start)
        .await?;
    let by_client = state
        .store
        .count_login_attempt(client_key, now, window_start)
        .await?;
    if by_email > MAX_FAILURES_PER_EMAIL || by_client > MAX_FAILURES_PER_CLIENT {
        return Err(Error::new(
            Kind::TooMany,
            "too_many_attempts",
            "too many failed logins; wait 15 minutes and try again, or ask an admin for a new invitation link",
        ));
    }
    Ok(())
}

/// A successful login clears the e-mail's count and takes back its attempt from the client's.
pub async fn login_succeeded(
    state: &AppState,
    email_key: &str,
    client_key: &str,
) -> Result<(), Error> {
    state.store.clear_login_failures(email_key).await?;
    state.store.forgive_login_attempt(client_key).await?;
    Ok(())
}

/// Runs an argon2 computation on the blocking pool, at most as many at once as there are
/// cores: each takes 19 MiB and tens of milliseconds, and logins are unauthenticated.
pub async fn hashing<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Error> {
    let _permit = state.hashing.acquire().await.map_err(Error::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(Error::internal)
}
