//! The read policy in SQL: [`may_read`] is `peerlab_core::space::Access::of(…).read` as one
//! fragment, built from the same three facts — the space's visibility, the person's
//! membership and whether they are a site admin — so that every listing, search, unread
//! count, notification and mention asks the same question. The web layer's
//! `read_policy` test checks, for every site role × membership × visibility, that listings,
//! search and notifications include a person exactly when `Access::of` says they may read.
//!
//! The rule: members read their spaces; everyone reads open spaces; site admins also read
//! private spaces (oversight), never confidential ones.

use peerlab_core::space::Visibility;
use peerlab_core::Role;

/// Whether the person `person` (a SQL expression of their id) may read the space aliased
/// `space`, where `admin` is a SQL boolean saying whether that person is a site admin (a
/// bound parameter, or [`is_admin`] of the person).
pub(crate) fn may_read(space: &str, person: &str, admin: &str) -> String {
    format!(
        "({space}.visibility = '{open}' \
         OR EXISTS (SELECT 1 FROM space_members rm WHERE rm.space_id = {space}.id AND rm.person_id = {person}) \
         OR ({admin} AND {space}.visibility = '{private}'))",
        open = Visibility::Open.as_str(),
        private = Visibility::Private.as_str(),
    )
}

/// Whether the person `person` (a SQL expression of their id) is a site admin now.
pub(crate) fn is_admin(person: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM people ra WHERE ra.id = {person} AND ra.role = '{admin}')",
        admin = Role::Admin.as_str()
    )
}
