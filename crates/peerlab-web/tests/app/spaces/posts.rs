//! Threads, replies, reactions, accepted answers, markdown, the coach and bad input.

use super::*;

backend_tests! {
    questions_replies_reactions_and_accepted_answers,
    accepted_answers_become_expert_evidence,
    markdown_is_rendered_and_sanitised,
    bad_posts_are_refused_and_write_nothing,
    forms_without_csrf_and_outsiders_change_nothing,
    the_thread_form_coaches_closed_reflection_questions,
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
