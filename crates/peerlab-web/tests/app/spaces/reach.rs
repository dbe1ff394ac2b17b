//! What reaches people beyond the thread: search, notifications and live updates, on one node and across two.

use super::*;

backend_tests! {
    search_never_shows_confidential_spaces_outside_themselves,
    mentions_replies_and_accepted_answers_notify,
    open_threads_hear_new_replies_live,
}

async fn search_never_shows_confidential_spaces_outside_themselves(b: Backend) {
    let app = crate::common::spawn(b).await;
    people(&app).await;
    let open = fixture(&app, "open").await;
    let private = fixture(&app, "private").await;
    let conf = fixture(&app, "confidential").await;
    for (f, where_) in [
        (&open, "open"),
        (&private, "private"),
        (&conf, "confidential"),
    ] {
        let (t, _) = thread(
            &f.member,
            f.space,
            "discussion",
            &format!("Onboarding in the {where_} space"),
            "How do we welcome people?",
        )
        .await;
        reply(
            &f.facilitator,
            t,
            &format!("Buddies help onboarding ({where_})"),
        )
        .await;
    }
    let titles = |v: &Value| -> Vec<String> {
        let mut t: Vec<String> = v["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|h| h["thread_title"].as_str().expect("t").to_string())
            .collect();
        t.dedup();
        t
    };
    let (_, v) = open.outsider.get("/search?q=onboard").await;
    assert_eq!(titles(&v), ["Onboarding in the open space"]);
    let (_, v) = open.admin.get("/search?q=onboard").await;
    assert_eq!(
        titles(&v),
        [
            "Onboarding in the private space",
            "Onboarding in the open space"
        ]
    );
    let (_, v) = conf.member.get("/search?q=onboarding").await;
    assert_eq!(
        v["results"].as_array().expect("r").len(),
        4,
        "even members find confidential posts only from inside: {v}"
    );
    assert!(!titles(&v).iter().any(|t| t.contains("confidential")));
    let (st, v) = conf
        .member
        .get(&format!("/search?q=onboarding&space={}", conf.space))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(titles(&v), ["Onboarding in the confidential space"]);
    assert_eq!(
        v["results"][0]["body"],
        "Buddies help onboarding (confidential)"
    );
    let (st, _) = conf
        .outsider
        .get(&format!("/search?q=onboarding&space={}", conf.space))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = conf
        .admin
        .get(&format!("/search?q=onboarding&space={}", conf.space))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, v) = conf.member.get("/search?q=").await;
    assert_eq!(
        (st, v["message"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("q: give one or more words to search for")
        )
    );
    let (st, _) = conf.member.get("/search?q=x&colour=red").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // Hidden posts are not found.
    let (_, v) = open.outsider.get("/search?q=buddies").await;
    let p = v["results"][0]["post_id"].as_i64().expect("post");
    open.moderator
        .post(&format!("/posts/{p}/hide"), json!({}))
        .await;
    let (_, v) = open.outsider.get("/search?q=buddies").await;
    assert_eq!(v["results"], json!([]));
    // The search page.
    let web = app.login("out@x.com").await;
    let page = web.get("/search?q=onboarding").await;
    assert!(page.body.contains("Onboarding in the open space"));
    assert!(!page.body.contains("confidential space"));
}

async fn mentions_replies_and_accepted_answers_notify(b: Backend) {
    let app = crate::common::spawn(b).await;
    people(&app).await;
    let f = fixture(&app, "private").await;
    let (t, _) = thread(
        &f.member,
        f.space,
        "question",
        "Who knows OKRs?",
        "Asking @mo and @out (not a member).",
    )
    .await;
    let answer = reply(&f.moderator, t, "Me! Thanks for asking @me.").await;
    f.member
        .put(
            &format!("/threads/{t}/accepted-answer"),
            json!({"post_id": answer}),
        )
        .await;
    let kinds = |v: &Value| -> Vec<String> {
        v["notifications"]
            .as_array()
            .expect("n")
            .iter()
            .map(|n| n["kind"].as_str().expect("k").to_string())
            .collect()
    };
    let (_, v) = f.moderator.get("/notifications").await;
    assert_eq!(kinds(&v), ["accepted", "mention", "added"]);
    assert_eq!(v["unread"], 3);
    let (_, v) = f.member.get("/notifications").await;
    assert_eq!(
        kinds(&v),
        ["mention", "added"],
        "a mention is not also a reply notification"
    );
    let (_, v) = f.outsider.get("/notifications").await;
    assert_eq!(
        kinds(&v),
        Vec::<String>::new(),
        "people outside a private space hear nothing of it"
    );
    let all = posts(&f.member, t).await;
    assert!(
        all[0]["body_html"]
            .as_str()
            .expect("h")
            .contains("class=\"mention\""),
        "{}",
        all[0]["body_html"]
    );

    // The bell counts unread notifications; read one, then all.
    let web = app.login("mo@x.com").await;
    let page = web.get("/notifications").await;
    assert!(page.body.contains("id=\"unread\">3<"), "the bell shows 3");
    assert!(page.body.contains("accepted your answer in"));
    let (_, v) = f.moderator.get("/notifications").await;
    let first = v["notifications"][0]["id"].as_i64().expect("id");
    let (st, _) = f
        .moderator
        .post("/notifications/read", json!({"id": first}))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, v) = f.moderator.get("/notifications").await;
    assert_eq!(v["unread"], 2);
    let (st, _) = f
        .member
        .post("/notifications/read", json!({"id": first}))
        .await;
    assert_eq!(
        st,
        StatusCode::NOT_FOUND,
        "nobody reads someone else's notifications"
    );
    let r = web.post("/notifications/read", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (_, v) = f.moderator.get("/notifications").await;
    assert_eq!(v["unread"], 0);

    // Someone removed from a private space hears nothing more of it, not even of replies to
    // their own thread.
    let me = member_id(&app, "me@x.com").await;
    let (st, _) = f
        .facilitator
        .delete(&format!("/spaces/{}/members/{me}", f.space))
        .await;
    assert_eq!(st, StatusCode::OK);
    reply(&f.moderator, t, "Another answer after Mei left").await;
    let (_, v) = f.member.get("/notifications").await;
    assert_eq!(
        (kinds(&v), v["unread"].as_i64()),
        (Vec::<String>::new(), Some(0))
    );
}

async fn open_threads_hear_new_replies_live(b: Backend) {
    let app = crate::common::spawn(b).await;
    people(&app).await;
    let f = fixture(&app, "open").await;
    let (t, _) = thread(&f.member, f.space, "discussion", "Live", "Watch this").await;
    let web = app.login("mo@x.com").await;
    let mut space_events = web
        .client
        .get(format!("{}/spaces/{}/events", app.base, f.space))
        .send()
        .await
        .expect("sse");
    assert_eq!(space_events.status(), StatusCode::OK);
    let mut events = web
        .client
        .get(format!("{}/threads/{t}/events", app.base))
        .send()
        .await
        .expect("sse");
    assert_eq!(events.status(), StatusCode::OK);
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let p = reply(&f.member, t, "A new reply").await;
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while !seen.contains(&format!("{{\"post\":{p}}}")) {
        let chunk = tokio::time::timeout_at(deadline, events.chunk())
            .await
            .expect("an event within 5 s")
            .expect("chunk")
            .expect("open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("event: post"), "{seen}");
    // The space page hears of the thread's new activity, and fetches its line.
    let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), space_events.chunk())
        .await
        .expect("event")
        .expect("chunk")
        .expect("open");
    let text = String::from_utf8_lossy(&chunk).to_string();
    assert!(
        text.contains("event: item") && text.contains(&format!("{{\"thread\":{t}}}")),
        "{text}"
    );
    let item = web.get(&format!("/threads/{t}/item")).await;
    assert!(
        item.body.starts_with(&format!("<li id=\"thread-{t}\""))
            && item.body.contains("1<small>reply"),
        "{}",
        item.body
    );
    // The fragment the page fetches is the post as this reader sees it.
    let fragment = web.get(&format!("/posts/{p}/fragment")).await;
    assert_eq!(fragment.status, StatusCode::OK);
    assert!(
        fragment.body.trim_start().starts_with("<li class=\"post")
            && fragment.body.contains("A new reply")
    );
    assert!(
        fragment.body.contains("/hide"),
        "a moderator gets the moderation buttons"
    );
    // A post's own address leads to its place in the thread.
    let r = web.get(&format!("/posts/{p}")).await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (
            StatusCode::SEE_OTHER,
            Some(format!("/threads/{t}#post-{p}").as_str())
        )
    );
    // A reaction is an event too.
    f.facilitator
        .post(
            &format!("/posts/{p}/reactions"),
            json!({"reaction": "celebrate"}),
        )
        .await;
    let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), events.chunk())
        .await
        .expect("event")
        .expect("chunk")
        .expect("open");
    assert!(String::from_utf8_lossy(&chunk).contains(&format!("{{\"post\":{p}}}")));
}

/// Several nodes share one PostgreSQL database: a reply posted through one node reaches a
/// page listening on another (SQLite serves one process, so this is PostgreSQL's alone).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_sharing_postgresql_hear_each_others_replies() {
    let app = crate::common::spawn(Backend::Postgres).await;
    people(&app).await;
    let f = fixture(&app, "open").await;
    let (t, _) = thread(&f.member, f.space, "discussion", "Two nodes", "Hello").await;
    let other = app.second_node().await;
    // Log in on the second node and listen there.
    let mut web = app.browser();
    web.base = other.clone();
    web.login("mo@x.com", crate::common::PASSWORD).await;
    let mut events = web
        .client
        .get(format!("{other}/threads/{t}/events"))
        .send()
        .await
        .expect("sse");
    assert_eq!(events.status(), StatusCode::OK);
    let p = reply(&f.member, t, "Posted on the first node").await;
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while !seen.contains(&format!("{{\"post\":{p}}}")) {
        let chunk = tokio::time::timeout_at(deadline, events.chunk())
            .await
            .expect("the other node's event within 5 s")
            .expect("chunk")
            .expect("open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}
