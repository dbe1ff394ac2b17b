//! Spaces and conversation (DESIGN S1–S9) at the HTTP boundary, on SQLite and PostgreSQL:
//! membership, ground rules, threads, reactions, accepted answers, moderation, search,
//! notifications, live updates, bad input, and the authorisation matrix.

use crate::common::matrix::{check_matrix, Route};
use crate::common::{check, Api, Backend, TestApp};
use peerlab_core::space::{
    Body, SpaceKind, SpaceRole, ThreadKind, Title, Visibility, DEFAULT_RULES,
};
use peerlab_core::Role;
use peerlab_store::{NewSpace, NewThread, PersonId, PostId, PostInput, SpaceId, ThreadId};
use reqwest::StatusCode;
use serde_json::{json, Value};

mod matrix;
mod moderation;
mod posts;
mod reach;

backend_tests! {
    spaces_are_joined_left_and_always_keep_a_facilitator,
    ground_rules_are_accepted_before_contributing_and_again_when_they_change,
}

/// A space of `visibility` with a facilitator, a moderator and a member who accepted its
/// rules; returns (space id, facilitator, moderator, member) as API clients' e-mails.
struct Fixture {
    space: SpaceId,
    facilitator: Api,
    moderator: Api,
    member: Api,
    outsider: Api,
    admin: Api,
}

async fn people(app: &TestApp) {
    app.user("fa@x.com", "Fatima Facilitator", Role::Member)
        .await;
    app.user("mo@x.com", "Moses Moderator", Role::Member).await;
    app.user("me@x.com", "Mei Member", Role::Member).await;
    app.user("out@x.com", "Otto Outsider", Role::Member).await;
    app.user("ad@x.com", "Ada Admin", Role::Admin).await;
}

async fn fixture(app: &TestApp, visibility: &str) -> Fixture {
    let facilitator = app.api_as("fa@x.com").await;
    let (st, v) = facilitator
        .post(
            "/spaces",
            json!({"name": format!("A {visibility} space"), "kind": "community", "visibility": visibility}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let space = SpaceId::new(v["id"].as_i64().expect("id"));
    for (email, role) in [("mo@x.com", "moderator"), ("me@x.com", "member")] {
        let (st, v) = facilitator
            .post(
                &format!("/spaces/{space}/members"),
                json!({"email": email, "role": role}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
    }
    let f = Fixture {
        space,
        moderator: app.api_as("mo@x.com").await,
        member: app.api_as("me@x.com").await,
        outsider: app.api_as("out@x.com").await,
        admin: app.api_as("ad@x.com").await,
        facilitator,
    };
    for api in [&f.moderator, &f.member] {
        let (st, v) = api
            .post(
                &format!("/spaces/{space}/rules/acceptance"),
                json!({"version": 1}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
    f
}

async fn thread(
    api: &Api,
    space: SpaceId,
    kind: &str,
    title: &str,
    body: &str,
) -> (ThreadId, PostId) {
    let (st, v) = api
        .post(
            &format!("/spaces/{space}/threads"),
            json!({"kind": kind, "title": title, "body": body}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    (
        ThreadId::new(v["thread_id"].as_i64().expect("thread")),
        PostId::new(v["post_id"].as_i64().expect("post")),
    )
}

async fn reply(api: &Api, thread: ThreadId, body: &str) -> PostId {
    let (st, v) = api
        .post(&format!("/threads/{thread}/replies"), json!({"body": body}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    PostId::new(v["post_id"].as_i64().expect("post"))
}

async fn posts(api: &Api, thread: ThreadId) -> Vec<Value> {
    let (st, v) = api.get(&format!("/threads/{thread}")).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["posts"].as_array().expect("posts").clone()
}

async fn spaces_are_joined_left_and_always_keep_a_facilitator(b: Backend) {
    let app = crate::common::spawn(b).await;
    people(&app).await;
    let open = fixture(&app, "open").await;
    let private = fixture(&app, "private").await;
    let confidential = fixture(&app, "confidential").await;

    // An outsider sees and joins the open space, and is told nothing of the others.
    let (_, list) = open.outsider.get("/spaces").await;
    let names: Vec<&str> = list["spaces"]
        .as_array()
        .expect("spaces")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["A open space"]);
    let (st, _) = open
        .outsider
        .post(&format!("/spaces/{}/join", open.space), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, v) = open
        .outsider
        .post(&format!("/spaces/{}/join", open.space), json!({}))
        .await;
    check((st, &v), StatusCode::CONFLICT, "conflict");
    for s in [private.space, confidential.space] {
        let (st, v) = open.outsider.get(&format!("/spaces/{s}")).await;
        assert_eq!(
            (st, v["message"].as_str()),
            (StatusCode::NOT_FOUND, Some("space not found"))
        );
        let (st, _) = open
            .outsider
            .post(&format!("/spaces/{s}/join"), json!({}))
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    }
    // A site admin oversees the private space but not the confidential one.
    let (st, _) = open.admin.get(&format!("/spaces/{}", private.space)).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = open
        .admin
        .get(&format!("/spaces/{}", confidential.space))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // A facilitator cannot leave while they are the only one, even with a moderator beside
    // them: only facilitators add people to a confidential space.
    let fa_id = member_id(&app, "fa@x.com").await;
    let (st, v) = confidential
        .facilitator
        .delete(&format!("/spaces/{}/members/{fa_id}", confidential.space))
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    let (st, _) = confidential
        .facilitator
        .put(
            &format!("/spaces/{}/members/{fa_id}/role", confidential.space),
            json!({"role": "moderator"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    // The only facilitator-or-moderator left cannot leave, nor be removed or demoted.
    let s = confidential.space;
    let (st, _) = confidential
        .facilitator
        .delete(&format!(
            "/spaces/{s}/members/{}",
            member_id(&app, "mo@x.com").await
        ))
        .await;
    assert_eq!(st, StatusCode::OK, "the moderator is removed");
    let fa = member_id(&app, "fa@x.com").await;
    let (st, v) = confidential
        .facilitator
        .delete(&format!("/spaces/{s}/members/{fa}"))
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert!(v["message"]
        .as_str()
        .expect("m")
        .contains("at least one facilitator"));
    let (st, _) = confidential
        .facilitator
        .put(
            &format!("/spaces/{s}/members/{fa}/role"),
            json!({"role": "member"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    // After promoting the member, the facilitator may go.
    let me = member_id(&app, "me@x.com").await;
    let (st, _) = confidential
        .facilitator
        .put(
            &format!("/spaces/{s}/members/{me}/role"),
            json!({"role": "facilitator"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = confidential
        .facilitator
        .delete(&format!("/spaces/{s}/members/{fa}"))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = confidential.facilitator.get(&format!("/spaces/{s}")).await;
    assert_eq!(
        st,
        StatusCode::NOT_FOUND,
        "a former member of a confidential space no longer sees it"
    );
    let (_, v) = confidential
        .member
        .get(&format!("/spaces/{s}/members"))
        .await;
    let roles: Vec<(&str, &str)> = v["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            (
                m["name"].as_str().expect("n"),
                m["role"].as_str().expect("r"),
            )
        })
        .collect();
    assert_eq!(roles, [("Mei Member", "facilitator")]);

    // Members of a private space may add colleagues; of a confidential one, only facilitators.
    let (st, _) = private
        .member
        .post(
            &format!("/spaces/{}/members", private.space),
            json!({"email": "out@x.com"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, v) = open
        .member
        .post(
            &format!("/spaces/{}/members", open.space),
            json!({"email": "nobody@x.com"}),
        )
        .await;
    assert_eq!(
        (st, v["message"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("nobody in peerlab has the e-mail address nobody@x.com")
        )
    );
    // Cohort channels are created by facilitators and admins only.
    let (st, v) = open
        .member
        .post(
            "/spaces",
            json!({"name": "My cohort", "kind": "cohort", "visibility": "private"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    let (st, _) = open
        .admin
        .post(
            "/spaces",
            json!({"name": "Managers 2027", "kind": "cohort", "visibility": "private"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
}

async fn member_id(app: &TestApp, email: &str) -> PersonId {
    app.store
        .person_by_email(&peerlab_core::Email::parse(email).expect("email"))
        .await
        .expect("store")
        .expect("person")
        .id
}

async fn ground_rules_are_accepted_before_contributing_and_again_when_they_change(b: Backend) {
    let app = crate::common::spawn(b).await;
    people(&app).await;
    let f = fixture(&app, "open").await;
    let s = f.space;
    let (_, v) = f.member.get(&format!("/spaces/{s}")).await;
    assert_eq!(v["space"]["rules"], DEFAULT_RULES);
    assert!(
        DEFAULT_RULES.contains("stays here")
            && DEFAULT_RULES.contains("gratitude")
            && DEFAULT_RULES.contains("Empathy")
            && DEFAULT_RULES.contains("Never mock")
    );

    // A newcomer joins, and may not post before accepting the rules.
    f.outsider
        .post(&format!("/spaces/{s}/join"), json!({}))
        .await;
    let (st, v) = f
        .outsider
        .post(
            &format!("/spaces/{s}/threads"),
            json!({"kind": "discussion", "title": "Hello all", "body": "Hi"}),
        )
        .await;
    check((st, &v), StatusCode::FORBIDDEN, "rules_not_accepted");
    assert_eq!(
        v["message"],
        "accept the space's ground rules (version 1) before you contribute"
    );
    let (_, v) = f.outsider.get(&format!("/spaces/{s}/threads")).await;
    assert_eq!(
        v["threads"].as_array().expect("threads").len(),
        0,
        "nothing was written"
    );
    f.outsider
        .post(
            &format!("/spaces/{s}/rules/acceptance"),
            json!({"version": 1}),
        )
        .await;
    let (t, _) = thread(&f.outsider, s, "introduction", "Hello all", "Hi, I'm Otto.").await;

    // The facilitator changes the rules: everyone accepts again, the editor too.
    let (st, v) = f
        .facilitator
        .put(
            &format!("/spaces/{s}/rules"),
            json!({"rules": "Be kind. Keep confidences. Assume good intent."}),
        )
        .await;
    assert_eq!((st, v["version"].as_i64()), (StatusCode::OK, Some(2)));
    for api in [&f.outsider, &f.facilitator] {
        let (st, v) = api
            .post(&format!("/threads/{t}/replies"), json!({"body": "Welcome"}))
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
        assert!(v["message"].as_str().expect("m").contains("version 2"));
    }
    let (st, v) = f
        .outsider
        .post(
            &format!("/spaces/{s}/rules/acceptance"),
            json!({"version": 1}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::CONFLICT,
        "an old version cannot be accepted: {v}"
    );
    let (st, _) = f
        .outsider
        .post(
            &format!("/spaces/{s}/rules/acceptance"),
            json!({"version": 2}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    reply(&f.outsider, t, "Glad to be here").await;
    // Acceptance is recorded with its version and time.
    let out = member_id(&app, "out@x.com").await;
    assert_eq!(
        app.store.accepted_at(s, out, 1).await.expect("store"),
        Some(app.now())
    );
    assert_eq!(
        app.store.accepted_at(s, out, 2).await.expect("store"),
        Some(app.now())
    );

    // The page shows the rules and the button to accept them.
    let web = app.login("fa@x.com").await;
    let page = web.get(&format!("/spaces/{s}")).await;
    assert!(
        page.body.contains("rules-banner"),
        "the space asks to accept the changed rules"
    );
    let rules = web.get(&format!("/spaces/{s}/rules")).await;
    assert!(
        rules.body.contains("Keep confidences")
            && rules.body.contains("I accept these ground rules")
    );
    let r = web
        .post(&format!("/spaces/{s}/rules/accept"), &[("version", "2")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let rules = web.get(&format!("/spaces/{s}/rules")).await;
    assert!(rules.body.contains("You accepted these rules on"));
}

impl Fixture {
    /// The outsider, joined and agreed, as an API client.
    async fn outsider_joined(&self, _app: &TestApp, space: SpaceId) -> &Api {
        self.outsider
            .post(&format!("/spaces/{space}/join"), json!({}))
            .await;
        self.outsider
            .post(
                &format!("/spaces/{space}/rules/acceptance"),
                json!({"version": 1}),
            )
            .await;
        &self.outsider
    }
}

/// Who asks: nobody, a colleague outside the space, its member, moderator and facilitator,
/// and a site admin who is not a member.
const ROLES: [&str; 6] = [
    "anonymous",
    "outsider",
    "member",
    "moderator",
    "facilitator",
    "admin",
];
const VISIBILITIES: [Visibility; 3] = [
    Visibility::Open,
    Visibility::Private,
    Visibility::Confidential,
];

/// What a check acts on; fresh for every check, so that writes do not interfere.
struct Target {
    space: SpaceId,
    thread: ThreadId,
    reply: PostId,
    asker: PersonId,
}
