//! Operations on people that pages, the API and the command line share. They take parsed
//! values and return the domain's [`Error`].

use peerlab_core::Role;

use crate::error::Error;
use crate::AppState;

/// Changes a person's role, keeping at least one admin.
pub async fn change_role(
    state: &AppState,
    id: peerlab_store::PersonId,
    role: Role,
) -> Result<(), Error> {
    Ok(state.store.change_role_keeping_an_admin(id, role).await?)
}
