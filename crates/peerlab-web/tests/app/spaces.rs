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

backend_tests! {
    spaces_are_joined_left_and_always_keep_a_facilitator,
    ground_rules_are_accepted_before_contributing_and_again_when_they_change,
    questions_replies_reactions_and_accepted_answers,
    accepted_answers_become_expert_evidence,
    markdown_is_rendered_and_sanitised,
    bad_posts_are_refused_and_write_nothing,
    forms_without_csrf_and_outsiders_change_nothing,
    edits_keep_a_history_for_moderators_and_authors_delete_their_posts,
    flags_hide_posts_pending_review_and_moderators_are_audited,
    search_never_shows_confidential_spaces_outside_themselves,
    mentions_replies_and_accepted_answers_notify,
    open_threads_hear_new_replies_live,
    the_thread_form_coaches_closed_reflection_questions,
    authorisation_matrix,
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

async fn questions_replies_reactions_and_accepted_answers(b: Backend) {
    let app = crate::common::spawn(b).await;
    people(&app).await;
    let f = fixture(&app, "private").await;
    let (t, opening) = thread(
        &f.member,
        f.space,
        "question",
        "How do I run a retrospective?",
        "First time facilitating one.",
    )
    .await;
    let answer = reply(&f.moderator, t, "Start with what went well.").await;
    let other = reply(&f.facilitator, t, "Timebox every part.").await;

    // Reactions: once each, and taken back.
    let (st, _) = f
        .member
        .post(
            &format!("/posts/{answer}/reactions"),
            json!({"reaction": "thanks"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, v) = f
        .member
        .post(
            &format!("/posts/{answer}/reactions"),
            json!({"reaction": "thanks"}),
        )
        .await;
    assert_eq!(
        (st, v["message"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("you have already reacted Thanks to this post")
        )
    );
    let (st, v) = f
        .member
        .post(
            &format!("/posts/{answer}/reactions"),
            json!({"reaction": "boo"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    f.facilitator
        .post(
            &format!("/posts/{answer}/reactions"),
            json!({"reaction": "thanks"}),
        )
        .await;
    f.facilitator
        .post(
            &format!("/posts/{answer}/reactions"),
            json!({"reaction": "insightful"}),
        )
        .await;
    let all = posts(&f.member, t).await;
    assert_eq!(all.len(), 3);
    assert_eq!(
        all[1]["reactions"],
        json!([{"reaction": "thanks", "count": 2, "mine": true}, {"reaction": "insightful", "count": 1, "mine": false}])
    );
    let (st, _) = f
        .member
        .delete(&format!("/posts/{answer}/reactions/thanks"))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = f
        .member
        .delete(&format!("/posts/{answer}/reactions/thanks"))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // Only the asker or a facilitator accepts; a plain member in someone else's question may not.
    let (t2, _) = thread(
        &f.facilitator,
        f.space,
        "question",
        "Who has used Miro?",
        "For a remote workshop.",
    )
    .await;
    let r2 = reply(&f.moderator, t2, "I have.").await;
    let (st, v) = f
        .member
        .put(
            &format!("/threads/{t2}/accepted-answer"),
            json!({"post_id": r2}),
        )
        .await;
    assert_eq!(
        (st, v["message"].as_str()),
        (
            StatusCode::FORBIDDEN,
            Some("only the person who asked, or a facilitator, may accept an answer")
        )
    );
    assert!(posts(&f.member, t2).await.len() == 2);
    let (_, v) = f.member.get(&format!("/threads/{t2}")).await;
    assert_eq!(
        v["thread"]["accepted_post_id"],
        Value::Null,
        "nothing was written"
    );
    // The opening post is not an answer; an answer from another thread is not either.
    let (st, _) = f
        .member
        .put(
            &format!("/threads/{t}/accepted-answer"),
            json!({"post_id": opening}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    let (st, _) = f
        .member
        .put(
            &format!("/threads/{t}/accepted-answer"),
            json!({"post_id": r2}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = f
        .member
        .put(
            &format!("/threads/{t}/accepted-answer"),
            json!({"post_id": answer}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, v) = f.member.get(&format!("/threads/{t}")).await;
    assert_eq!(v["thread"]["accepted_post_id"].as_i64(), Some(answer.get()));
    // The facilitator may change the choice.
    let (st, _) = f
        .facilitator
        .put(
            &format!("/threads/{t}/accepted-answer"),
            json!({"post_id": other}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    // Only questions have answers.
    let (d, _) = thread(&f.member, f.space, "story", "A story", "Once upon a time.").await;
    let dr = reply(&f.moderator, d, "Nice").await;
    let (st, _) = f
        .member
        .put(
            &format!("/threads/{d}/accepted-answer"),
            json!({"post_id": dr}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);

    // Every kind can be started; prompts only by facilitators.
    for kind in ["discussion", "faq", "challenge", "takeaway", "introduction"] {
        thread(&f.member, f.space, kind, &format!("A {kind}"), "Text").await;
    }
    let (st, v) = f.member.post(&format!("/spaces/{}/threads", f.space), json!({"kind": "prompt", "title": "Reflect", "body": "Watch this", "question": "What did you notice?"})).await;
    assert_eq!(
        (st, v["message"].as_str()),
        (
            StatusCode::FORBIDDEN,
            Some("only the space's facilitators post prompts")
        )
    );
    let (st, _) = f.facilitator.post(&format!("/spaces/{}/threads", f.space), json!({"kind": "prompt", "title": "Reflect", "body": "Watch this", "question": "What did you notice?"})).await;
    assert_eq!(st, StatusCode::CREATED);

    // The thread page shows the accepted answer and its reactions.
    let web = app.login("me@x.com").await;
    let page = web.get(&format!("/threads/{t}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("✓ Accepted answer"));
    assert!(page.body.contains("Timebox every part."));
    // The page's reaction buttons add and take back.
    let r = web
        .post(
            &format!("/posts/{other}/react"),
            &[("toggle", "celebrate:1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mine = |all: &[Value]| all[2]["reactions"].clone();
    assert_eq!(
        mine(&posts(&f.member, t).await),
        json!([{"reaction": "celebrate", "count": 1, "mine": true}])
    );
    web.post(
        &format!("/posts/{other}/react"),
        &[("toggle", "celebrate:0")],
    )
    .await;
    assert_eq!(mine(&posts(&f.member, t).await), json!([]));
}

async fn accepted_answers_become_expert_evidence(b: Backend) {
    let app = crate::common::spawn(b).await;
    people(&app).await;
    let open = fixture(&app, "open").await;
    let conf = fixture(&app, "confidential").await;
    for (f, title) in [
        (&open, "How do I say no to my manager?"),
        (&conf, "How do I say no to my director?"),
    ] {
        let (st, v) = f.member.post(&format!("/spaces/{}/threads", f.space), json!({"kind": "question", "title": title, "body": "Help", "skills": ["Saying no"]})).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let t = ThreadId::new(v["thread_id"].as_i64().expect("t"));
        let r = reply(&f.moderator, t, "Offer a trade-off.").await;
        let (st, _) = f
            .member
            .put(
                &format!("/threads/{t}/accepted-answer"),
                json!({"post_id": r}),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
    }
    // A confidential question creates no new skill name, which everyone could list.
    let (st, _) = conf
        .member
        .post(
            &format!("/spaces/{}/threads", conf.space),
            json!({"kind": "question", "title": "Coping with burnout?", "body": "Help", "skills": ["Burnout recovery"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (_, skills) = open.outsider.get("/skills?q=burnout").await;
    assert_eq!(skills, json!([]), "{skills}");
    let (st, v) = open.outsider.get("/experts?skill=saying%20no").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let experts = v.as_array().expect("experts");
    assert_eq!(experts.len(), 1, "{v}");
    assert_eq!(experts[0]["person"]["name"], "Moses Moderator");
    assert_eq!(
        experts[0]["reasons"][0]["text"], "1 accepted answer to questions on Saying no",
        "the confidential space lends no evidence: {v}"
    );
}

async fn markdown_is_rendered_and_sanitised(b: Backend) {
    let app = crate::common::spawn(b).await;
    people(&app).await;
    let f = fixture(&app, "open").await;
    let evil = "**bold** <script>alert(1)</script> <iframe src=\"https://evil.example\"></iframe>\n\n\
                <img src=x onerror=\"alert(2)\"> [click](javascript:alert(3)) [data](data:text/html;base64,PHNjcmlwdD4=) \
                <a href=\"#\" onclick=\"alert(4)\">x</a>";
    let (t, _) = thread(&f.member, f.space, "discussion", "Sanitising", evil).await;
    let all = posts(&f.member, t).await;
    let html = all[0]["body_html"].as_str().expect("html").to_lowercase();
    assert!(html.contains("<strong>bold</strong>"), "{html}");
    for tag in tags(&html) {
        let name = tag.split([' ', '>']).next().unwrap_or_default();
        assert!(
            ["<p", "<strong", "<a", "</p", "</strong", "</a"].contains(&name),
            "{tag} in {html}"
        );
        assert!(
            !tag.contains(" on") && !tag.contains("javascript:") && !tag.contains("data:"),
            "{tag} in {html}"
        );
    }
    assert!(
        html.contains("&lt;script&gt;"),
        "raw HTML is shown as text: {html}"
    );
    assert_eq!(all[0]["body"], evil, "the source is stored intact");
    let web = app.login("me@x.com").await;
    let page = web.get(&format!("/threads/{t}")).await.body.to_lowercase();
    assert!(page.contains("&lt;script&gt;alert(1)"));
    assert!(!tags(&page)
        .iter()
        .any(|t| t.contains("alert") || t.starts_with("<iframe") || t.starts_with("<img")));
}

/// The tags of an HTML text: each `<` followed by a letter or `/`, up to its `>`. Escaped
/// text (`&lt;script&gt;`) has none.
fn tags(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        let tail = &rest[i..];
        let end = tail.find('>').map_or(tail.len(), |e| e + 1);
        if tail[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/') {
            out.push(&tail[..end]);
        }
        rest = &tail[end..];
    }
    out
}

async fn bad_posts_are_refused_and_write_nothing(b: Backend) {
    let app = crate::common::spawn(b).await;
    people(&app).await;
    let f = fixture(&app, "open").await;
    let s = f.space;
    let path = format!("/spaces/{s}/threads");
    let cases = [
        (json!({"kind": "discussion", "title": "Empty", "body": "   "}), StatusCode::UNPROCESSABLE_ENTITY, "body: is required"),
        (json!({"kind": "discussion", "title": "Long", "body": "x".repeat(10_001)}), StatusCode::UNPROCESSABLE_ENTITY, "body: must have at most 10000 characters (this has 10001)"),
        (json!({"kind": "discussion", "title": "Hi", "body": "x"}), StatusCode::UNPROCESSABLE_ENTITY, "title: must have at least 3 characters"),
        (json!({"kind": "poll", "title": "Vote", "body": "x"}), StatusCode::UNPROCESSABLE_ENTITY, "kind: must be one of discussion, question, faq, story, challenge, takeaway, introduction, prompt, not \"poll\""),
        (json!({"kind": "question", "title": "Tags", "body": "x", "skills": ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta"]}), StatusCode::UNPROCESSABLE_ENTITY, "skills: at most 5 skills per thread"),
    ];
    for (body, status, message) in cases {
        let (st, v) = f.member.post(&path, body).await;
        assert_eq!((st, v["message"].as_str()), (status, Some(message)));
    }
    let (st, v) = f
        .member
        .post(
            &path,
            json!({"kind": "discussion", "title": "Extra", "body": "x", "color": "red"}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown fields are refused: {v}"
    );
    let huge = json!({"kind": "discussion", "title": "Huge", "body": "x".repeat(70_000)});
    let (st, v) = f.member.post(&path, huge).await;
    check((st, &v), StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    let (st, _) = f
        .member
        .post_bytes(&path, "application/json", b"{not json".to_vec())
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (_, v) = f.member.get(&format!("/spaces/{s}/threads")).await;
    assert_eq!(v["threads"], json!([]), "no refused request wrote anything");

    // A locked thread takes no reply.
    let (t, _) = thread(&f.member, s, "discussion", "Lockable", "Text").await;
    let (st, _) = f
        .moderator
        .put(&format!("/threads/{t}/lock"), json!({"locked": true}))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, v) = f
        .member
        .post(&format!("/threads/{t}/replies"), json!({"body": "Late"}))
        .await;
    assert_eq!(
        (st, v["message"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("this thread is locked by a moderator: it takes no new replies")
        )
    );
    let (st, _) = f
        .moderator
        .put(&format!("/threads/{t}/lock"), json!({"locked": false}))
        .await;
    assert_eq!(st, StatusCode::OK);
    reply(&f.member, t, "Now it works").await;
    let replies = posts(&f.member, t).await.len();
    assert_eq!(replies, 2);

    // The page answers an oversized reply with the limit and keeps the draft.
    let web = app.login("me@x.com").await;
    let long = "y".repeat(10_001);
    let r = web
        .post(&format!("/threads/{t}/replies"), &[("body", &long)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Body: must have at most 10000 characters"),
        "{}",
        r.body
    );
    assert!(r.body.contains(&long), "the draft is kept");
    assert_eq!(posts(&f.member, t).await.len(), replies);
}

async fn forms_without_csrf_and_outsiders_change_nothing(b: Backend) {
    let app = crate::common::spawn(b).await;
    people(&app).await;
    let f = fixture(&app, "private").await;
    let (t, p) = thread(&f.member, f.space, "discussion", "Protected", "Text").await;
    let web = app.login("me@x.com").await;
    for (path, fields) in [
        (format!("/threads/{t}/replies"), vec![("body", "no token")]),
        (format!("/posts/{p}/react"), vec![("toggle", "thanks:1")]),
        (
            format!("/spaces/{}/threads", f.space),
            vec![("kind", "discussion"), ("title", "Forged"), ("body", "x")],
        ),
        (format!("/posts/{p}/delete"), vec![]),
    ] {
        let r = web.post_raw(&path, &fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert!(r.body.contains("security token"), "{path}");
    }
    let all = posts(&f.member, t).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["reactions"], json!([]));
    assert_eq!(all[0]["state"], "visible");

    // An outsider learns nothing about the private space from the pages either.
    let outsider = app.login("out@x.com").await;
    for path in [
        format!("/spaces/{}", f.space),
        format!("/threads/{t}"),
        format!("/posts/{p}/fragment"),
        format!("/threads/{t}/events"),
    ] {
        let r = outsider.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!r.body.contains("Protected"), "{path}");
    }
    let r = outsider
        .post(&format!("/threads/{t}/replies"), &[("body", "let me in")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(posts(&f.member, t).await.len(), 1);
    // And anonymous visitors are sent to log in.
    let r = app.browser().get(&format!("/threads/{t}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

async fn edits_keep_a_history_for_moderators_and_authors_delete_their_posts(b: Backend) {
    let app = crate::common::spawn(b).await;
    people(&app).await;
    let f = fixture(&app, "open").await;
    let (t, _) = thread(&f.facilitator, f.space, "discussion", "Edits", "Text").await;
    let p = reply(&f.member, t, "First version").await;
    let (st, v) = f
        .moderator
        .put(&format!("/posts/{p}"), json!({"body": "Not mine"}))
        .await;
    assert_eq!(
        (st, v["message"].as_str()),
        (
            StatusCode::FORBIDDEN,
            Some("only its author may edit a post")
        )
    );
    let (st, _) = f
        .member
        .put(&format!("/posts/{p}"), json!({"body": "Second version"}))
        .await;
    assert_eq!(st, StatusCode::OK);
    f.member
        .put(&format!("/posts/{p}"), json!({"body": "Third version"}))
        .await;
    let (st, v) = f.moderator.get(&format!("/posts/{p}/history")).await;
    assert_eq!(st, StatusCode::OK);
    let bodies: Vec<&str> = v["edits"]
        .as_array()
        .expect("edits")
        .iter()
        .map(|e| e["body"].as_str().expect("b"))
        .collect();
    assert_eq!(bodies, ["Second version", "First version"]);
    let (st, _) = f.outsider.get(&format!("/posts/{p}/history")).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = f.member.get(&format!("/posts/{p}/history")).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "edit history is for moderators");

    let (st, _) = f.facilitator.delete(&format!("/posts/{p}")).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = f.member.delete(&format!("/posts/{p}")).await;
    assert_eq!(st, StatusCode::OK);
    let all = posts(&f.moderator, t).await;
    assert_eq!(
        (all[1]["state"].as_str(), all[1]["body"].as_str()),
        (Some("deleted"), Some(""))
    );
    let (_, v) = f.moderator.get(&format!("/posts/{p}/history")).await;
    assert_eq!(
        v["edits"],
        json!([]),
        "deleting removes the earlier versions too"
    );
    let (st, _) = f
        .member
        .put(&format!("/posts/{p}"), json!({"body": "Back"}))
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
}

async fn flags_hide_posts_pending_review_and_moderators_are_audited(b: Backend) {
    let app = crate::common::spawn(b).await;
    people(&app).await;
    app.user("x1@x.com", "Xena One", Role::Member).await;
    let f = fixture(&app, "open").await;
    let s = f.space;
    let (st, _) = f
        .facilitator
        .put(
            &format!("/spaces/{s}"),
            json!({"name": "A open space", "visibility": "open", "auto_hide_flags": 2}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, v) = f
        .facilitator
        .put(
            &format!("/spaces/{s}"),
            json!({"name": "A open space", "visibility": "open", "auto_hide_flags": 0}),
        )
        .await;
    assert_eq!(
        (st, v["message"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("auto_hide_flags: must be a whole number from 1 to 100")
        )
    );
    let (t, _) = thread(&f.facilitator, s, "discussion", "Flags", "Text").await;
    let p = reply(f.outsider_joined(&app, s).await, t, "Something rude").await;

    let (st, v) = f
        .member
        .post(
            &format!("/posts/{p}/flags"),
            json!({"reason": "Mocks a colleague"}),
        )
        .await;
    assert_eq!(
        (st, v["hidden_pending_review"].as_bool()),
        (StatusCode::CREATED, Some(false))
    );
    app.clock.advance_ms(60_000);
    let (st, _) = f
        .member
        .post(&format!("/posts/{p}/flags"), json!({"reason": "Again"}))
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "one flag per person");
    let (st, v) = f
        .member
        .post(&format!("/posts/{p}/flags"), json!({"reason": ""}))
        .await;
    assert_eq!(
        (st, v["message"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("reason: is required")
        )
    );
    let (st, v) = f
        .moderator
        .post(&format!("/posts/{p}/flags"), json!({"reason": "Not kind"}))
        .await;
    assert_eq!(
        (st, v["hidden_pending_review"].as_bool()),
        (StatusCode::CREATED, Some(true))
    );

    // Hidden from members, shown to moderators, queued for review.
    let all = posts(&f.member, t).await;
    assert_eq!(
        (all[1]["state"].as_str(), all[1]["body"].as_str()),
        (Some("pending"), Some(""))
    );
    let all = posts(&f.moderator, t).await;
    assert_eq!(all[1]["body"], "Something rude");
    let (_, v) = f.moderator.get(&format!("/spaces/{s}/moderation")).await;
    assert_eq!(v["queue"][0]["post_id"].as_i64(), Some(p.get()));
    assert_eq!(
        v["queue"][0]["reasons"],
        json!(["Mocks a colleague", "Not kind"])
    );
    let (_, v) = f.admin.get("/moderation").await;
    assert_eq!(
        v["queue"].as_array().expect("q").len(),
        1,
        "admins see the queue of open spaces"
    );
    let (st, _) = f.member.get(&format!("/spaces/{s}/moderation")).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = f.member.get("/moderation").await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // Restore, hide, lock: each in the audit log.
    let (st, _) = f
        .moderator
        .post(
            &format!("/posts/{p}/restore"),
            json!({"note": "Reviewed: banter"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(posts(&f.member, t).await[1]["body"], "Something rude");
    let (st, _) = f
        .facilitator
        .post(&format!("/posts/{p}/hide"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(posts(&f.member, t).await[1]["state"], "hidden");
    f.moderator
        .put(&format!("/threads/{t}/lock"), json!({"locked": true}))
        .await;
    let (st, v) = f.moderator.get(&format!("/spaces/{s}/audit-log")).await;
    assert_eq!(st, StatusCode::OK);
    let actions: Vec<(&str, Option<&str>)> = v["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| (e["action"].as_str().expect("a"), e["actor_name"].as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("lock", Some("Moses Moderator")),
            ("hide", Some("Fatima Facilitator")),
            ("restore", Some("Moses Moderator")),
            ("auto_hide", None),
            ("edit_settings", Some("Fatima Facilitator")),
            ("add_member", Some("Fatima Facilitator")),
            ("add_member", Some("Fatima Facilitator")),
        ]
    );
    let web = app.login("mo@x.com").await;
    let page = web.get(&format!("/spaces/{s}/moderation")).await;
    assert!(page.body.contains("Audit log") && page.body.contains("Reviewed: banter"));
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

async fn the_thread_form_coaches_closed_reflection_questions(b: Backend) {
    let app = crate::common::spawn(b).await;
    people(&app).await;
    let f = fixture(&app, "open").await;
    let web = app.login("fa@x.com").await;
    let fields = [
        ("kind", "prompt"),
        ("title", "Watch the video"),
        ("body", "Six minutes."),
        (
            "question",
            "Was the person in the video right to act this way?",
        ),
    ];
    let r = web
        .post(&format!("/spaces/{}/threads", f.space), &fields)
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "the form comes back with the coach's advice"
    );
    assert!(
        r.body.contains("this reflection question is closed")
            && r.body.contains("It can be answered with yes or no."),
        "{}",
        r.body
    );
    assert!(r
        .body
        .contains("What would you have done in that situation, and why?"));
    let (_, v) = f.member.get(&format!("/spaces/{}/threads", f.space)).await;
    assert_eq!(
        v["threads"],
        json!([]),
        "nothing is posted before the facilitator decides"
    );
    let mut keep = fields.to_vec();
    keep.push(("keep_question", "1"));
    let r = web
        .post(&format!("/spaces/{}/threads", f.space), &keep)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let open = [
        ("kind", "prompt"),
        ("title", "Second video"),
        ("body", "Four minutes."),
        ("question", "What would you have done differently, and why?"),
    ];
    let r = web
        .post(&format!("/spaces/{}/threads", f.space), &open)
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "an open question posts straight away"
    );
    // The editor's script asks the same coach.
    let r = web.get("/coach?q=Did%20you%20like%20it%3F").await;
    let v: Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(v["kind"], "closed");
}

// ---- The authorisation matrix --------------------------------------------------------

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
