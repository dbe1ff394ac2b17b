//! Operations on the LRS that its admin page and the command line share: LRS credentials
//! (a key and secret for xAPI tools, with scopes). They return the domain's [`Error`].

use peerlab_store::{PersonId, Store};

use crate::error::Error;
use crate::kit::secret::sha256_hex;

/// The longest credential name.
pub const MAX_CREDENTIAL_NAME_CHARS: usize = 100;

/// A new credential, shown once: only the secret's hash is kept.
pub struct NewCredential {
    pub name: String,
    pub key: String,
    pub secret: String,
}

/// Creates a credential named `name` with the scopes in `scopes` (separated by commas or
/// spaces), made by `created_by` (an admin) or by the command line (`None`).
pub async fn create_credential(
    store: &Store,
    name: &str,
    scopes: &str,
    created_by: Option<PersonId>,
    now: i64,
) -> Result<NewCredential, Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_CREDENTIAL_NAME_CHARS {
        return Err(Error::invalid(
            "name",
            format!(
                "name: give a name of 1 to {MAX_CREDENTIAL_NAME_CHARS} characters, such as the tool that will use it"
            ),
        ));
    }
    let scopes = super::xapi::parse_scopes(scopes)
        .map_err(|m| Error::invalid("scopes", format!("scopes: {m}")))?;
    let (key, secret) = super::xapi::new_credential();
    store
        .create_credential(name, &key, &sha256_hex(&secret), &scopes, created_by, now)
        .await?;
    Ok(NewCredential {
        name: name.to_string(),
        key,
        secret,
    })
}
