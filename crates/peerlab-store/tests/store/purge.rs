//! `purge_expired`, the first job's work: it removes exactly the expired sessions, the spent
//! or expired invitation links and the stale throttle windows.

use peerlab_core::{Email, PersonName, Role};
use peerlab_store::{PersonId, Purged, Store};

use crate::{Backend, TestDb};

const NOW: i64 = 1_790_000_000_000;
const DAY: i64 = 86_400_000;

async fn person(store: &Store, email: &str) -> PersonId {
    let email = Email::parse(email).expect("email");
    let name = PersonName::parse("Ada Lovelace").expect("name");
    store
        .create_person(&email, &name, Role::Member, None, NOW - DAY)
        .await
        .expect("person")
}

async fn purges_exactly_the_expired_rows(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let (a, b, c) = (
        person(&store, "a@example.com").await,
        person(&store, "b@example.com").await,
        person(&store, "c@example.com").await,
    );
    // Invitations: a's is live, b's expired, c's was used (its expiry is still ahead).
    store
        .create_invitation(a, "inv-live", NOW - DAY, NOW + DAY)
        .await
        .expect("invite");
    store
        .create_invitation(b, "inv-expired", NOW - DAY, NOW)
        .await
        .expect("invite");
    store
        .create_invitation(c, "inv-used", NOW - DAY, NOW + DAY)
        .await
        .expect("invite");
    store
        .accept_invitation("inv-used", "hash", NOW - 5)
        .await
        .expect("accept");
    // Sessions: one expires exactly now, one a millisecond later.
    store
        .create_session("s-expired", a, "csrf", NOW - DAY, NOW)
        .await
        .expect("session");
    store
        .create_session("s-live", a, "csrf", NOW - DAY, NOW + 1)
        .await
        .expect("session");
    // Throttle windows: one from two days ago, one from an hour ago.
    store
        .count_login_attempt("old", NOW - 2 * DAY, NOW - 3 * DAY)
        .await
        .expect("count");
    store
        .count_login_attempt("recent", NOW - 3_600_000, NOW - DAY)
        .await
        .expect("count");

    let purged = store.purge_expired(NOW).await.expect("purge");
    assert_eq!(
        purged,
        Purged {
            sessions: 1,
            invitations: 2,
            login_windows: 1
        }
    );
    // What was kept still works; what was removed is gone even for a clock that says it
    // would still be valid.
    assert!(store
        .session_user("s-live", NOW)
        .await
        .expect("read")
        .is_some());
    assert!(store
        .session_user("s-expired", NOW - 10)
        .await
        .expect("read")
        .is_none());
    assert!(store
        .invitation("inv-live", NOW)
        .await
        .expect("read")
        .is_some());
    assert!(store
        .invitation("inv-expired", NOW - 10)
        .await
        .expect("read")
        .is_none());
    // The recent window counts on from 1; the old one was removed, so it starts over at 1
    // even for a cut-off that would have kept it.
    assert_eq!(
        store
            .count_login_attempt("recent", NOW, NOW - DAY)
            .await
            .expect("count"),
        2
    );
    assert_eq!(
        store
            .count_login_attempt("old", NOW, 0)
            .await
            .expect("count"),
        1
    );

    assert_eq!(
        store.purge_expired(NOW).await.expect("purge"),
        Purged::default()
    );
}

crate::backend_tests!(purges_exactly_the_expired_rows);
