//! What the store guarantees underneath: stored times never go back, an old store's index is upgraded, the latest definition wins between two writers.

use super::*;

backend_tests! {
    stored_never_goes_back,
    a_store_from_before_the_statement_index_is_upgraded,
    the_latest_definition_wins_with_two_writers,
}

/// Comm 2.1.3 (X-Experience-API-Consistent-Through): a batch that waited for the write lock
/// behind a later one is stored at the later time, so a reader told "consistent through T"
/// never misses a statement stored afterwards with an earlier `stored`.
async fn stored_never_goes_back(b: Backend) {
    let app = crate::common::spawn(b).await;
    let authority =
        json!({"objectType": "Agent", "account": {"homePage": "http://x.example", "name": "t"}});
    let v = peerlab_xapi::Version::V1_0_3;
    let (ana, ben) = (
        statement("ana", COMPLETED, "http://example.com/a"),
        statement("ben", COMPLETED, "http://example.com/a"),
    );
    let (later, _) = peerlab_web::xapi::prepare(&ana, v, &authority, 2_000_000);
    let (earlier, id) = peerlab_web::xapi::prepare(&ben, v, &authority, 1_000_000);
    peerlab_web::xapi::insert(&app.store, &[ana], &[later], &[], None)
        .await
        .expect("later");
    peerlab_web::xapi::insert(&app.store, &[ben], &[earlier], &[], None)
        .await
        .expect("earlier");
    let s = app
        .store
        .statement(&id, false)
        .await
        .expect("store")
        .expect("statement");
    assert_eq!(s.stored, 2_000_000);
    let body: Value = serde_json::from_str(&s.body).expect("json");
    assert_eq!(body["stored"], peerlab_web::xapi::iso(2_000_000));
}

/// Migration 0005: statements stored with the first index layout (raw terms in
/// `statement_terms`) are found through the new one after the store opens, core and related
/// terms kept apart, and the old table is gone.
async fn a_store_from_before_the_statement_index_is_upgraded(b: Backend) {
    let (location, dir, _) = crate::common::fresh_location(b).await;
    let authority =
        json!({"objectType": "Agent", "account": {"homePage": "http://x.example", "name": "t"}});
    let mut old = statement("ana", COMPLETED, "http://example.com/a");
    old["context"] =
        json!({"contextActivities": {"parent": [{"id": "http://example.com/course"}]}});
    let (new, id) =
        peerlab_web::xapi::prepare(&old, peerlab_xapi::Version::V1_0_3, &authority, 1_000_000);
    // The database as the migrations before 0005 left it, with the statement stored the way
    // the store did then.
    macro_rules! at_version_4 {
        ($migrator:expr, $conn:expr) => {{
            let mut migrator = $migrator;
            migrator.migrations = migrator
                .migrations
                .iter()
                .filter(|m| m.version < 5)
                .cloned()
                .collect::<Vec<_>>()
                .into();
            migrator.run(&mut $conn).await.expect("migrations 1-4");
            let seq: i64 = sqlx::query_scalar(
                "INSERT INTO statements (id, body, stored, verb) VALUES ($1, $2, $3, $4) RETURNING seq",
            )
            .bind(&new.id)
            .bind(&new.body)
            .bind(new.stored)
            .bind(&new.verb)
            .fetch_one(&mut $conn)
            .await
            .expect("statement");
            for (term, core) in &new.terms {
                sqlx::query(
                    "INSERT INTO statement_terms (term, seq, core) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(term)
                .bind(seq)
                .bind(i64::from(*core))
                .execute(&mut $conn)
                .await
                .expect("term");
            }
        }};
    }
    match &location {
        peerlab_store::Location::Sqlite(path) => {
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true);
            let mut conn = sqlx::SqliteConnection::connect_with(&options)
                .await
                .expect("sqlite");
            at_version_4!(sqlx::migrate!("../peerlab-store/migrations/sqlite"), conn);
        }
        peerlab_store::Location::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await.expect("postgres");
            at_version_4!(sqlx::migrate!("../peerlab-store/migrations/postgres"), conn);
        }
    }
    let store = peerlab_store::Store::open(&location, peerlab_store::Create::MustExist)
        .await
        .expect("open and upgrade");
    let key = |prefix: &str, value: &str| {
        new.terms
            .iter()
            .find_map(|(t, _)| t.strip_prefix(prefix).filter(|k| k.contains(value)))
            .expect("term")
            .to_string()
    };
    let found = |q: peerlab_store::StatementQuery| {
        let store = store.clone();
        async move {
            store
                .query_statements(&q, 10)
                .await
                .expect("query")
                .iter()
                .map(|s| serde_json::from_str::<Value>(&s.body).expect("json")["id"].clone())
                .collect::<Vec<_>>()
        }
    };
    let ana = key("a:", "ana@example.com");
    assert_eq!(
        found(peerlab_store::StatementQuery {
            agent: Some(ana),
            ..Default::default()
        })
        .await,
        vec![json!(id)]
    );
    let course = key("o:", "example.com/course");
    let parent = |related| peerlab_store::StatementQuery {
        activity: Some(course.clone()),
        related_activities: related,
        ..Default::default()
    };
    assert_eq!(found(parent(true)).await, vec![json!(id)]);
    assert!(
        found(parent(false)).await.is_empty(),
        "a parent is related only"
    );
    assert_eq!(
        found(peerlab_store::StatementQuery {
            verb: Some(COMPLETED.into()),
            ..Default::default()
        })
        .await,
        vec![json!(id)]
    );
    // New statements go on beside the upgraded one, and the old table is gone.
    let (later, _) = peerlab_web::xapi::prepare(
        &statement("ana", ATTEMPTED, "http://example.com/a"),
        peerlab_xapi::Version::V1_0_3,
        &authority,
        2_000_000,
    );
    let received = [statement("ana", ATTEMPTED, "http://example.com/a")];
    peerlab_web::xapi::insert(&store, &received, &[later], &[], None)
        .await
        .expect("insert after the upgrade");
    let ana = key("a:", "ana@example.com");
    let all = found(peerlab_store::StatementQuery {
        agent: Some(ana),
        ..Default::default()
    })
    .await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[1], json!(id), "newest first");
    store.close().await;
    let again = peerlab_store::Store::open(&location, peerlab_store::Create::MustExist)
        .await
        .expect("a second open has nothing to upgrade");
    again.close().await;
    if let Some(dir) = dir {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Data 2.4.4.1 (canonical definition): the latest statement's definition wins, also when a
/// second process (here a second store on the same database) wrote in between; SQLite's
/// writer remembers the definitions it stored and must notice.
async fn the_latest_definition_wins_with_two_writers(b: Backend) {
    let app = crate::common::spawn(b).await;
    let other = peerlab_store::Store::open(&app.location, peerlab_store::Create::MustExist)
        .await
        .expect("a second store");
    let authority =
        json!({"objectType": "Agent", "account": {"homePage": "http://x.example", "name": "t"}});
    let activity = "http://example.com/course";
    let with_type = |kind: &str| {
        json!({
            "actor": {"mbox": "mailto:ana@example.com"},
            "verb": {"id": COMPLETED},
            "object": {"id": activity, "definition": {"type": kind, "name": {"en-US": "A course"}}},
        })
    };
    let store_in = |store: &peerlab_store::Store, s: Value| {
        let store = store.clone();
        let authority = authority.clone();
        async move {
            let (new, _) =
                peerlab_web::xapi::prepare(&s, peerlab_xapi::Version::V1_0_3, &authority, 1_000);
            peerlab_web::xapi::insert(&store, &[s], &[new], &[], None)
                .await
                .expect("insert");
        }
    };
    let kind = |store: &peerlab_store::Store| {
        let store = store.clone();
        async move {
            let text = store
                .activity_definition(activity)
                .await
                .expect("read")
                .expect("defined");
            serde_json::from_str::<Value>(&text).expect("json")["type"].clone()
        }
    };
    let (one, two) = ("http://example.com/one", "http://example.com/two");
    store_in(&app.store, with_type(one)).await;
    assert_eq!(kind(&app.store).await, json!(one));
    store_in(&other, with_type(two)).await;
    assert_eq!(kind(&app.store).await, json!(two));
    // The first writer sends the definition it stored before: it is the latest again.
    store_in(&app.store, with_type(one)).await;
    assert_eq!(kind(&other).await, json!(one));
    other.close().await;
}
