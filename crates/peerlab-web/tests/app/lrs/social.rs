//! What people do in peerlab becomes statements, and the timeline and admin pages show them.

use super::*;

backend_tests! {
    social_actions_become_statements,
    the_timeline_and_the_admin_pages,
}

/// DESIGN X1: joining, accepting the rules, asking, answering, reacting, accepting an answer
/// and endorsing are recorded as valid statements; confidential spaces record nothing.
async fn social_actions_become_statements(b: Backend) {
    let app = crate::common::spawn(b).await;
    app.user("ana@example.com", "Ana", Role::Member).await;
    let ben = app.user("ben@example.com", "Ben", Role::Member).await;
    let skill = app.skill(ben, "Negotiation", 4).await;
    let ana = app.api_as("ana@example.com").await;
    let ben_api = app.api_as("ben@example.com").await;
    let mut spaces = Vec::new();
    for visibility in ["open", "confidential"] {
        let (_, v) = ben_api.post("/spaces", json!({"name": format!("{visibility} space"), "kind": "community", "visibility": visibility})).await;
        spaces.push(v["id"].as_i64().expect("id"));
    }
    ana.post(&format!("/spaces/{}/join", spaces[0]), json!({}))
        .await;
    ana.post(
        &format!("/spaces/{}/rules/acceptance", spaces[0]),
        json!({"version": 1}),
    )
    .await;
    let (_, v) = ana
        .post(
            &format!("/spaces/{}/threads", spaces[0]),
            json!({"kind": "question", "title": "How do I negotiate?", "body": "Help"}),
        )
        .await;
    let t = v["thread_id"].as_i64().expect("t");
    let (_, v) = ben_api
        .post(
            &format!("/threads/{t}/replies"),
            json!({"body": "Listen first."}),
        )
        .await;
    let p = v["post_id"].as_i64().expect("p");
    ana.post(
        &format!("/posts/{p}/reactions"),
        json!({"reaction": "thanks"}),
    )
    .await;
    ana.put(
        &format!("/threads/{t}/accepted-answer"),
        json!({"post_id": p}),
    )
    .await;
    let (st, _) = ana
        .post(
            &format!("/people/{ben}/skills/{skill}/endorsements"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    ben_api
        .post(
            &format!("/spaces/{}/threads", spaces[1]),
            json!({"kind": "story", "title": "Secret story", "body": "Shh"}),
        )
        .await;

    let lrs = credential(&app, "analytics", "all/read").await;
    let (_, page) = lrs
        .get(&format!("?agent={}&ascending=true", agent("ana")))
        .await;
    let verbs: Vec<&str> = page["statements"]
        .as_array()
        .expect("s")
        .iter()
        .map(|s| s["verb"]["id"].as_str().expect("v"))
        .collect();
    assert_eq!(
        verbs,
        [
            "http://activitystrea.ms/schema/1.0/join",
            "http://activitystrea.ms/schema/1.0/accept",
            "http://adlnet.gov/expapi/verbs/asked",
            "http://activitystrea.ms/schema/1.0/like",
            "http://activitystrea.ms/schema/1.0/accept",
            "https://peerlab.dev/xapi/verbs/endorsed",
        ]
    );
    let asked = &page["statements"][2];
    assert_eq!(asked["object"]["id"], format!("{}/threads/{t}", app.base));
    assert_eq!(
        asked["object"]["definition"]["name"]["en"],
        "How do I negotiate?"
    );
    assert_eq!(asked["authority"]["name"], "peerlab");
    assert_eq!(
        asked["context"]["contextActivities"]["parent"][0]["id"],
        format!("{}/spaces/{}", app.base, spaces[0])
    );
    let (_, answered) = lrs
        .get(&format!(
            "?agent={}&verb=http://adlnet.gov/expapi/verbs/answered",
            agent("ben")
        ))
        .await;
    assert_eq!(answered["statements"].as_array().expect("s").len(), 1);
    // Every statement peerlab wrote is valid under both versions, and nothing came from the
    // confidential space.
    let all = lrs.ids("?limit=0").await;
    assert_eq!(
        all.len(),
        8,
        "Ana's six, Ben's answer, and Ben creating the open space"
    );
    let (_, created) = lrs
        .get(&format!(
            "?agent={}&verb=http://activitystrea.ms/schema/1.0/create",
            agent("ben")
        ))
        .await;
    let created = created["statements"].as_array().expect("s");
    assert_eq!(
        created.len(),
        1,
        "the confidential space's creation is not recorded"
    );
    assert_eq!(
        created[0]["object"]["id"],
        format!("{}/spaces/{}", app.base, spaces[0])
    );
    let (_, page) = lrs.get("?limit=0").await;
    for s in page["statements"].as_array().expect("s") {
        assert!(!s.to_string().contains("Secret story"), "{s}");
        let mut clean = s.clone();
        for k in ["stored", "authority"] {
            clean.as_object_mut().expect("o").remove(k);
        }
        for version in [peerlab_xapi::Version::V1_0_3, peerlab_xapi::Version::V2_0_0] {
            assert!(
                peerlab_xapi::validate_statement(&clean, version).is_ok(),
                "{s}"
            );
        }
    }
}

/// DESIGN X1 and X2: the learning timeline on a profile (the person and admins only), and
/// the admin page's credentials and statement browser.
async fn the_timeline_and_the_admin_pages(b: Backend) {
    let app = crate::common::spawn(b).await;
    app.user("ana@example.com", "Ana", Role::Member).await;
    let ben = app.user("ben@example.com", "Ben", Role::Member).await;
    app.user("admin@example.com", "Ada", Role::Admin).await;
    let lrs = credential(&app, "Course platform", "all").await;
    lrs.post(statement(
        "ben",
        COMPLETED,
        "http://courses.example.com/negotiation",
    ))
    .await;
    let me = app.login("ben@example.com").await;
    let page = me.get(&format!("/people/{ben}")).await;
    assert!(
        page.body.contains("Learning timeline") && page.body.contains("via Course platform"),
        "{}",
        page.body
    );
    assert!(page.body.contains("completed <strong>A course</strong>"));
    let other = app.login("ana@example.com").await;
    assert!(!other
        .get(&format!("/people/{ben}"))
        .await
        .body
        .contains("Learning timeline"));
    assert_eq!(other.get("/admin/lrs").await.status, StatusCode::FORBIDDEN);

    let admin = app.login("admin@example.com").await;
    assert!(admin
        .get(&format!("/people/{ben}"))
        .await
        .body
        .contains("via Course platform"));
    let r = admin
        .post(
            "/admin/lrs/credentials",
            &[
                ("name", "Survey tool"),
                ("scopes", "statements/write, state"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("Credential “Survey tool” created") && r.body.contains("id=\"secret\"")
    );
    let r = admin
        .post(
            "/admin/lrs/credentials",
            &[("name", "Bad"), ("scopes", "everything")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let creds = app.store.lrs_credentials().await.expect("creds");
    assert_eq!(creds.len(), 2, "the refused credential was not created");
    assert_eq!(creds[0].scopes, "statements/write state");
    let page = admin.get("/admin/lrs?actor=ben%40example.com").await;
    assert!(
        page.body
            .contains("<strong>ben</strong> completed <em>A course</em>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<pre class=\"json\">") && page.body.contains("mailto:ben@example.com")
    );
    let page = admin.get("/admin/lrs?actor=ana%40example.com").await;
    assert!(page.body.contains("No statements match."));
    let page = admin.get("/admin/lrs?verb=not%20an%20iri").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
}
