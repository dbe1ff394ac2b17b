//! Operations of signing in that pages, the API and the command line share: adding a person,
//! invitation links and API tokens. They take the store, parsed values and the time, and
//! return the domain's [`Error`], so `peerlab user add` and `peerlab token create` keep the
//! same rules as the pages and the API.

use peerlab_core::{Email, PersonName, Role};
use peerlab_store::{PersonId, Store};

use crate::error::Error;
use crate::kit::secret::{new_secret, sha256_hex};

/// How long an invitation link stays valid.
pub const INVITATION_DAYS: i64 = 7;
/// How long a link to choose a new password (asked for on the login page) stays valid.
pub const RESET_MINUTES: i64 = 60;

/// The longest API-token name.
pub const MAX_TOKEN_NAME_CHARS: usize = 80;

/// A new invitation for a person; returns the link's secret, of which only a hash is kept.
pub async fn create_invitation(
    store: &Store,
    person_id: PersonId,
    now: i64,
) -> Result<String, Error> {
    new_link(store, person_id, now, INVITATION_DAYS * 86_400_000).await
}

/// A link that sets a password once within `valid_ms`; its secret (only a hash is kept).
async fn new_link(
    store: &Store,
    person_id: PersonId,
    now: i64,
    valid_ms: i64,
) -> Result<String, Error> {
    let token = new_secret();
    store
        .create_invitation(person_id, &sha256_hex(&token), now, now + valid_ms)
        .await?;
    Ok(token)
}

/// A link for someone who forgot their password, valid for [`RESET_MINUTES`]: the same kind
/// of link as an invitation (using it spends the person's other links, ends their sessions
/// and revokes their API tokens), shorter-lived because it is asked for by anyone who knows
/// the address.
pub async fn reset_link(state: &crate::AppState, person_id: PersonId) -> Result<String, Error> {
    let token = new_link(&state.store, person_id, state.now(), RESET_MINUTES * 60_000).await?;
    Ok(invitation_url(&state.config.public_url, &token))
}

/// The address of an invitation link on a deployment reached at `public_url`.
pub fn invitation_url(public_url: &str, token: &str) -> String {
    format!("{}/invite/{token}", public_url.trim_end_matches('/'))
}

/// Creates an invitation link for a person.
pub async fn invitation_link(
    state: &crate::AppState,
    person_id: PersonId,
) -> Result<String, Error> {
    let token = create_invitation(&state.store, person_id, state.now()).await?;
    Ok(invitation_url(&state.config.public_url, &token))
}

/// A token's name, as every way of creating one checks it.
pub fn token_name(name: &str) -> Result<&str, Error> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_TOKEN_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(Error::invalid(
            "name",
            format!("name: give the token a name of 1 to {MAX_TOKEN_NAME_CHARS} characters"),
        ));
    }
    Ok(name)
}

/// Creates an API token; the secret is returned once and only its hash is kept.
pub async fn new_api_token(
    store: &Store,
    person_id: PersonId,
    name: &str,
    now: i64,
) -> Result<(i64, String), Error> {
    let name = token_name(name)?;
    let token = format!("plk_{}", new_secret());
    let id = store
        .create_api_token(person_id, name, &sha256_hex(&token), now)
        .await?;
    Ok((id, token))
}

/// Adds a person; with a password they can log in at once (the password is checked against
/// the policy first), without one they get an invitation whose secret is returned.
pub async fn add_person(
    store: &Store,
    email: &Email,
    name: &PersonName,
    role: Role,
    password: Option<&str>,
    now: i64,
) -> Result<(PersonId, Option<String>), Error> {
    // Everything that can be refused is checked before anything is written.
    let hash = password.map(super::password::hash_password).transpose()?;
    let id = store
        .create_person(email, name, role, hash.as_deref(), now)
        .await?;
    let invitation = match hash {
        Some(_) => None,
        None => Some(create_invitation(store, id, now).await?),
    };
    Ok((id, invitation))
}
