//! The authorisation matrix: every role against every route of a space, for each visibility.

use super::*;

backend_tests! {
    authorisation_matrix,
}

/// One route: method, path with `{s}` `{t}` `{p}` `{asker}`, body, and the expected status
/// for each role (rows) and visibility (open, private, confidential).
type Row = Route<6, 3>;

fn matrix() -> Vec<Row> {
    const READ: [[u16; 3]; 6] = [
        [401; 3],
        [200, 404, 404],
        [200; 3],
        [200; 3],
        [200; 3],
        [200, 200, 404],
    ];
    const WRITE: [[u16; 3]; 6] = [
        [401; 3],
        [403, 404, 404],
        [201; 3],
        [201; 3],
        [201; 3],
        [403, 403, 404],
    ];
    const MODERATE: [[u16; 3]; 6] = [
        [401; 3],
        [403, 404, 404],
        [403; 3],
        [200; 3],
        [200; 3],
        [200, 200, 404],
    ];
    const FACILITATE: [[u16; 3]; 6] = [
        [401; 3],
        [403, 404, 404],
        [403; 3],
        [403; 3],
        [200; 3],
        [200, 200, 404],
    ];
    vec![
        ("GET", "/spaces/{s}", Value::Null, READ),
        ("GET", "/spaces/{s}/threads", Value::Null, READ),
        ("GET", "/spaces/{s}/members", Value::Null, READ),
        ("GET", "/threads/{t}", Value::Null, READ),
        ("GET", "/search?q=matrix&space={s}", Value::Null, READ),
        (
            "POST",
            "/spaces/{s}/threads",
            json!({"kind": "discussion", "title": "New one", "body": "Text"}),
            WRITE,
        ),
        (
            "POST",
            "/threads/{t}/replies",
            json!({"body": "Reply"}),
            WRITE,
        ),
        (
            "POST",
            "/posts/{p}/reactions",
            json!({"reaction": "agree"}),
            WRITE,
        ),
        (
            "POST",
            "/posts/{p}/flags",
            json!({"reason": "Please check"}),
            WRITE,
        ),
        (
            "PUT",
            "/threads/{t}/accepted-answer",
            json!({"post_id": "{p}"}),
            FACILITATE,
        ),
        (
            "PUT",
            "/posts/{p}",
            json!({"body": "Not my post"}),
            [
                [401; 3],
                [403, 404, 404],
                [403; 3],
                [403; 3],
                [403; 3],
                [403, 403, 404],
            ],
        ),
        (
            "DELETE",
            "/posts/{p}",
            Value::Null,
            [
                [401; 3],
                [403, 404, 404],
                [403; 3],
                [403; 3],
                [403; 3],
                [403, 403, 404],
            ],
        ),
        ("POST", "/posts/{p}/hide", json!({}), MODERATE),
        ("POST", "/posts/{p}/restore", json!({}), MODERATE),
        (
            "PUT",
            "/threads/{t}/lock",
            json!({"locked": true}),
            MODERATE,
        ),
        ("GET", "/posts/{p}/history", Value::Null, MODERATE),
        ("GET", "/spaces/{s}/moderation", Value::Null, MODERATE),
        ("GET", "/spaces/{s}/audit-log", Value::Null, MODERATE),
        (
            "PUT",
            "/spaces/{s}/rules",
            json!({"rules": "Be kind to each other."}),
            FACILITATE,
        ),
        (
            "PUT",
            "/spaces/{s}",
            json!({"name": "Renamed", "visibility": "{v}", "auto_hide_flags": 3}),
            FACILITATE,
        ),
        (
            "DELETE",
            "/spaces/{s}/members/{asker}",
            Value::Null,
            FACILITATE,
        ),
        (
            "PUT",
            "/spaces/{s}/members/{asker}/role",
            json!({"role": "moderator"}),
            FACILITATE,
        ),
        (
            "POST",
            "/spaces/{s}/members",
            json!({"email": "new@x.com"}),
            [
                [401; 3],
                [403, 404, 404],
                [201, 201, 403],
                [201, 201, 403],
                [201; 3],
                [201, 201, 404],
            ],
        ),
        (
            "POST",
            "/spaces/{s}/join",
            json!({}),
            [
                [401; 3],
                [200, 404, 404],
                [409; 3],
                [409; 3],
                [409; 3],
                [200, 403, 404],
            ],
        ),
        (
            "POST",
            "/spaces/{s}/rules/acceptance",
            json!({"version": 1}),
            [
                [401; 3],
                [403, 404, 404],
                [200; 3],
                [200; 3],
                [200; 3],
                [403, 403, 404],
            ],
        ),
    ]
}

async fn target(
    app: &TestApp,
    ids: &[PersonId; 6],
    asker: PersonId,
    answerer: PersonId,
    visibility: Visibility,
) -> Target {
    let store = &app.store;
    let now = app.now();
    let space = store
        .create_space(
            &NewSpace {
                name: "Matrix".into(),
                description: String::new(),
                kind: SpaceKind::Community,
                visibility,
                rules: DEFAULT_RULES.into(),
            },
            ids[4],
            now,
        )
        .await
        .expect("space");
    for (person, role) in [
        (ids[2], SpaceRole::Member),
        (ids[3], SpaceRole::Moderator),
        (asker, SpaceRole::Member),
        (answerer, SpaceRole::Member),
    ] {
        store
            .add_member(space, person, role, None, now)
            .await
            .expect("member");
        store
            .accept_rules(space, person, 1, now)
            .await
            .expect("accept");
    }
    let post = |body: &str| PostInput {
        body: Body::parse(body).expect("body"),
        body_html: body.into(),
        search_text: peerlab_core::text::index_text(["matrix", body]),
        mentions: Vec::new(),
    };
    let thread = store
        .create_thread(
            &NewThread {
                space_id: space,
                kind: ThreadKind::Question,
                title: Title::parse("Matrix question").expect("title"),
                question: String::new(),
                skills: Vec::new(),
                post: post("Question"),
            },
            asker,
            now,
        )
        .await
        .expect("thread")
        .thread_id;
    let reply = store
        .reply(thread, &post("Answer"), answerer, now)
        .await
        .expect("reply")
        .post_id;
    Target {
        space,
        thread,
        reply,
        asker,
    }
}

async fn authorisation_matrix(b: Backend) {
    let app = crate::common::spawn(b).await;
    let mut ids = [PersonId::new(0); 6];
    let mut apis = vec![app.api(None)];
    for (i, role) in ROLES.iter().enumerate().skip(1) {
        let site = if *role == "admin" {
            Role::Admin
        } else {
            Role::Member
        };
        ids[i] = app
            .user(&format!("{role}@x.com"), &format!("The {role}"), site)
            .await;
        apis.push(app.api_as(&format!("{role}@x.com")).await);
    }
    let asker = app.user("asker@x.com", "The asker", Role::Member).await;
    let answerer = app
        .user("answerer@x.com", "The answerer", Role::Member)
        .await;
    app.user("new@x.com", "The newcomer", Role::Member).await;
    let askers: [(&str, Api); 6] = std::array::from_fn(|i| (ROLES[i], apis[i].clone()));
    let checks = check_matrix(&askers, &VISIBILITIES.map(|v| v.as_str()), &matrix(), |v| {
        let (app, ids) = (&app, &ids);
        async move {
            let t = target(app, ids, asker, answerer, VISIBILITIES[v]).await;
            vec![
                ("s", t.space.to_string()),
                ("t", t.thread.to_string()),
                ("p", t.reply.to_string()),
                ("asker", t.asker.to_string()),
                ("v", VISIBILITIES[v].as_str().to_string()),
            ]
        }
    })
    .await;
    assert_eq!(checks, 25 * 3 * 6);

    // Pages follow the same policy: a few reads as a browser.
    let out = app.login("outsider@x.com").await;
    let admin = app.login("admin@x.com").await;
    let member = app.login("member@x.com").await;
    for (v, visibility) in VISIBILITIES.iter().enumerate() {
        let t = target(&app, &ids, asker, answerer, *visibility).await;
        for path in [
            format!("/spaces/{}", t.space),
            format!("/threads/{}", t.thread),
            format!("/posts/{}/fragment", t.reply),
        ] {
            assert_eq!(
                member.get(&path).await.status.as_u16(),
                200,
                "{path} {visibility}"
            );
            assert_eq!(
                out.get(&path).await.status.as_u16(),
                [200, 404, 404][v],
                "{path} {visibility}"
            );
            assert_eq!(
                admin.get(&path).await.status.as_u16(),
                [200, 200, 404][v],
                "{path} {visibility}"
            );
        }
        let m = format!("/spaces/{}/moderation", t.space);
        assert_eq!(member.get(&m).await.status.as_u16(), 403);
        assert_eq!(admin.get(&m).await.status.as_u16(), [200, 200, 404][v]);
    }
}
