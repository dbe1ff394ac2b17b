//! Operations of signing in that pages, the API and the command line share: invitation
//! links and API tokens. They take parsed values and return the domain's [`Error`].

use crate::error::{Error, Kind};
use crate::kit::secret::{new_secret, sha256_hex};
use crate::AppState;

/// How long an invitation link stays valid.
pub const INVITATION_DAYS: i64 = 7;

/// Creates an invitation link for a person.
pub async fn invitation_link(state: &AppState, person_id: i64) -> Result<String, Error> {
    let token = new_secret();
    let now = state.now();
    state
        .store
        .create_invitation(
            person_id,
            &sha256_hex(&token),
            now,
            now + INVITATION_DAYS * 86_400_000,
        )
        .await?;
    Ok(format!(
        "{}/invite/{token}",
        state.config.public_url.trim_end_matches('/')
    ))
}

/// Creates an API token; the secret is returned once and only its hash is kept.
pub async fn new_api_token(
    state: &AppState,
    person_id: i64,
    name: &str,
) -> Result<(i64, String), Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(Error::new(
            Kind::Invalid,
            "invalid_input",
            "name: give the token a name of 1 to 80 characters",
        ));
    }
    let token = format!("plk_{}", new_secret());
    let id = state
        .store
        .create_api_token(person_id, name, &sha256_hex(&token), state.now())
        .await?;
    Ok((id, token))
}
