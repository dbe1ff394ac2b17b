//! Behaviour tests at the HTTP boundary: the real server, a fresh database per test, every
//! test run once on SQLite and once on PostgreSQL.

mod common;

use common::{Api, Backend, TestApp, PASSWORD};
use peerlab_core::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

backend_tests! {
    health_and_readiness,
    login_and_logout,
    wrong_password_never_reveals_whether_the_email_exists,
    repeated_failures_are_throttled,
    forged_and_expired_session_cookies_are_refused,
    forms_without_the_csrf_token_change_nothing,
    invitation_links_set_a_password_once,
    only_admins_change_roles_and_one_admin_always_remains,
    people_edit_their_own_skills_and_wants,
    bad_skill_input_is_refused_and_writes_nothing,
    colleagues_endorse_skills,
    expert_finder_ranks_by_evidence_and_says_why,
    expert_finder_tolerates_case_accents_and_word_forms,
    directory_browses_and_searches,
    markup_and_sql_in_names_are_escaped_and_stored_intact,
    csv_import_reports_every_bad_row_and_writes_nothing,
    csv_import_refuses_wrong_columns_and_bad_encoding,
    csv_reimport_is_idempotent_and_updates_by_email,
    csv_import_page_shows_progress_and_result,
    oversized_uploads_are_refused,
    api_tokens_are_required_and_revocable,
    members_cannot_call_admin_endpoints,
    api_errors_are_precise,
    openapi_document_matches_the_routes,
    logins_only_ever_redirect_within_the_site,
    parallel_login_attempts_cannot_pass_the_throttle,
    nobody_removes_someone_elses_skills_or_topics,
    the_directory_sorts_alike_on_both_databases,
    facilitators_form_groups_through_the_api,
    group_and_pair_requests_are_checked_before_any_search,
    partners_and_coffee_rounds_through_the_api,
    the_question_coach_flags_closed_questions,
}

async fn health_and_readiness(b: Backend) {
    let app = common::spawn(b).await;
    let anon = app.browser();
    assert_eq!(anon.get("/healthz").await.status, StatusCode::OK);
    let ready = anon.get("/readyz").await;
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (StatusCode::OK, "ready")
    );
    let r = reqwest::get(format!("{}/healthz", app.base))
        .await
        .expect("get");
    for (name, expected) in [
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
    ] {
        assert_eq!(r.headers()[name], expected);
    }
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .contains("script-src 'self'"));
    assert!(
        r.headers().get("x-request-id").is_some(),
        "every response carries its request id"
    );
}

async fn login_and_logout(b: Backend) {
    let app = common::spawn(b).await;
    app.user("ana@example.com", "Ana Silva", Role::Member).await;
    let anon = app.browser();
    let r = anon.get("/people").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location.as_deref(), Some("/login?next=/people"));

    let mut s = app.browser();
    let r = s.login("ana@example.com", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    s.refresh_csrf().await;
    let home = s.get("/").await;
    assert!(home.body.contains("Who knows what, Ana?"), "{}", home.body);

    // The session cookie is HttpOnly, SameSite and Secure (127.0.0.1 is a secure context).
    let b2 = app.browser();
    let form = b2.get("/login").await;
    let csrf = common::csrf_in(&form.body).expect("csrf");
    let raw = b2
        .client
        .post(format!("{}/login", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "ana@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("post");
    let cookies: Vec<String> = raw
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap_or("").to_string())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("peerlab_session="))
        .expect("session cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(session.contains(attr), "{session} lacks {attr}");
    }

    let out = s.post("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(s.get("/").await.status, StatusCode::SEE_OTHER, "logged out");
}

async fn wrong_password_never_reveals_whether_the_email_exists(b: Backend) {
    let app = common::spawn(b).await;
    app.user("ana@example.com", "Ana", Role::Member).await;
    let mut s = app.browser();
    let known = s.login("ana@example.com", "wrong password!").await;
    let unknown = s.login("nobody@example.com", "wrong password!").await;
    assert_eq!(known.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let message = |p: &common::Page| {
        p.body
            .split("role=\"alert\">")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .map(str::to_string)
    };
    assert_eq!(message(&known), message(&unknown));
    assert_eq!(
        message(&known).as_deref(),
        Some("That e-mail and password do not match")
    );
    // Without the login form's cookie, the post is refused.
    let bare = app
        .browser()
        .post_raw(
            "/login",
            &[
                ("csrf", "x"),
                ("email", "ana@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(bare.status, StatusCode::FORBIDDEN);
}

async fn repeated_failures_are_throttled(b: Backend) {
    let app = common::spawn(b).await;
    app.user("ana@example.com", "Ana", Role::Member).await;
    let mut s = app.browser();
    for _ in 0..5 {
        assert_eq!(
            s.login("ana@example.com", "wrong password!").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let blocked = s.login("ana@example.com", PASSWORD).await;
    assert_eq!(
        blocked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(
        blocked.body.contains("Too many failed logins"),
        "{}",
        blocked.body
    );
    // An unknown e-mail is throttled the same way, so throttling reveals nothing either.
    for _ in 0..5 {
        s.login("ghost@example.com", "wrong password!").await;
    }
    assert_eq!(
        s.login("ghost@example.com", "wrong password!").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    app.clock.advance_ms(16 * 60 * 1000);
    assert_eq!(
        s.login("ana@example.com", PASSWORD).await.status,
        StatusCode::SEE_OTHER,
        "the window passed"
    );
}

async fn forged_and_expired_session_cookies_are_refused(b: Backend) {
    let app = common::spawn(b).await;
    app.user("ana@example.com", "Ana", Role::Member).await;
    let forged = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = forged
        .get(format!("{}/people", app.base))
        .header("cookie", "peerlab_session=forged-value")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let s = app.login("ana@example.com").await;
    assert_eq!(s.get("/people").await.status, StatusCode::OK);
    app.clock.advance_ms(15 * 86_400_000);
    let r = s.get("/people").await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "a 15-day-old session has expired"
    );
}

async fn forms_without_the_csrf_token_change_nothing(b: Backend) {
    let app = common::spawn(b).await;
    let id = app.user("ana@example.com", "Ana", Role::Member).await;
    let s = app.login("ana@example.com").await;
    for fields in [
        vec![("name", "Negotiation"), ("level", "4")],
        vec![("csrf", "forged"), ("name", "Negotiation"), ("level", "4")],
    ] {
        let r = s.post_raw("/me/skills", &fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(r.body.contains("security token"));
    }
    assert!(
        app.store
            .person_skills(id, id)
            .await
            .expect("skills")
            .is_empty(),
        "nothing was written"
    );
    let r = s.post_raw("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn invitation_links_set_a_password_once(b: Backend) {
    let app = common::spawn(b).await;
    app.user("admin@example.com", "Ada Admin", Role::Admin)
        .await;
    let ben = app
        .store
        .create_person(
            &peerlab_core::Email::parse("ben@example.com").expect("e"),
            &peerlab_core::PersonName::parse("Ben Ode").expect("n"),
            Role::Member,
            None,
            app.now(),
        )
        .await
        .expect("create");
    let admin = app.login("admin@example.com").await;
    let page = admin.post(&format!("/people/{ben}/invite"), &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let link = page
        .body
        .split("<code id=\"secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("link")
        .to_string();
    let path = link
        .strip_prefix(&app.base)
        .expect("link on this server")
        .to_string();

    let mut newcomer = app.browser();
    let form = newcomer.get(&path).await;
    assert!(form.body.contains("Welcome, Ben Ode"));
    let csrf = common::csrf_in(&form.body).expect("the form carries a token");
    // Without the form's token (a cross-site post), nothing happens.
    let forged = newcomer
        .post_raw(
            &path,
            &[
                ("password", "a long password"),
                ("confirm", "a long password"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        !app.store
            .person(ben)
            .await
            .expect("p")
            .expect("p")
            .has_login
    );
    let short = newcomer
        .post_raw(
            &path,
            &[("csrf", &csrf), ("password", "short"), ("confirm", "short")],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("at least 10 characters"));
    let csrf = common::csrf_in(&short.body).expect("token");
    let mismatch = newcomer
        .post_raw(
            &path,
            &[
                ("csrf", &csrf),
                ("password", "a long password"),
                ("confirm", "another one!!"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    let csrf = common::csrf_in(&mismatch.body).expect("token");
    let ok = newcomer
        .post_raw(
            &path,
            &[
                ("csrf", &csrf),
                ("password", "a long password"),
                ("confirm", "a long password"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    newcomer.refresh_csrf().await;
    assert_eq!(
        newcomer.get(&path).await.status,
        StatusCode::NOT_FOUND,
        "a link works once"
    );
    let mut again = app.browser();
    assert_eq!(
        again
            .login("ben@example.com", "a long password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // A member cannot create invitations.
    assert_eq!(
        newcomer
            .post(&format!("/people/{ben}/invite"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Expired links are refused.
    let page = admin.post(&format!("/people/{ben}/invite"), &[]).await;
    let link = page
        .body
        .split("<code id=\"secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("link")
        .to_string();
    app.clock.advance_ms(8 * 86_400_000);
    assert_eq!(
        app.browser()
            .get(link.strip_prefix(&app.base).expect("path"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn only_admins_change_roles_and_one_admin_always_remains(b: Backend) {
    let app = common::spawn(b).await;
    let admin_id = app.user("admin@example.com", "Ada", Role::Admin).await;
    let ben = app.user("ben@example.com", "Ben", Role::Member).await;
    let member = app.login("ben@example.com").await;
    let r = member
        .post(&format!("/people/{ben}/role"), &[("role", "admin")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.store.person(ben).await.expect("p").expect("p").role,
        Role::Member
    );

    let admin = app.login("admin@example.com").await;
    assert_eq!(
        admin
            .post(&format!("/people/{ben}/role"), &[("role", "facilitator")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.store.person(ben).await.expect("p").expect("p").role,
        Role::Facilitator
    );
    assert_eq!(
        admin
            .post(&format!("/people/{ben}/role"), &[("role", "owner")])
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let last = admin
        .post(&format!("/people/{admin_id}/role"), &[("role", "member")])
        .await;
    assert_eq!(last.status, StatusCode::CONFLICT);
    assert!(last.body.contains("at least one admin"));
}

async fn people_edit_their_own_skills_and_wants(b: Backend) {
    let app = common::spawn(b).await;
    let id = app.user("ana@example.com", "Ana", Role::Member).await;
    let s = app.login("ana@example.com").await;
    assert_eq!(
        s.post(
            "/me/skills",
            &[("name", "  Giving   feedback "), ("level", "3")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        s.post("/me/skills", &[("name", "giving feedback"), ("level", "5")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let skills = app.store.person_skills(id, id).await.expect("skills");
    assert_eq!(skills.len(), 1, "same skill, case and spacing ignored");
    assert_eq!(
        (skills[0].name.as_str(), skills[0].level),
        ("Giving feedback", 5)
    );
    let page = s.get(&format!("/people/{id}")).await;
    assert!(page.body.contains("Giving feedback") && page.body.contains("5/5"));

    assert_eq!(
        s.post(&format!("/me/skills/{}/delete", skills[0].skill_id), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(app
        .store
        .person_skills(id, id)
        .await
        .expect("skills")
        .is_empty());

    assert_eq!(
        s.post("/me/wants", &[("name", "Public speaking")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let wants = app.store.wants(id).await.expect("wants");
    assert_eq!(wants.len(), 1);
    assert_eq!(
        s.post(&format!("/me/wants/{}/delete", wants[0].id), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(app.store.wants(id).await.expect("wants").is_empty());

    // The API does the same.
    let api = app.api_as("ana@example.com").await;
    let (st, body) = api
        .post("/me/skills", json!({"name": "Negotiation", "level": 4}))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (_, me) = api.get(&format!("/people/{id}")).await;
    assert_eq!(me["skills"][0]["name"], "Negotiation");
    let (st, _) = api
        .delete(&format!("/me/skills/{}", body["skill_id"]))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = api
        .delete(&format!("/me/skills/{}", body["skill_id"]))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

async fn bad_skill_input_is_refused_and_writes_nothing(b: Backend) {
    let app = common::spawn(b).await;
    let id = app.user("ana@example.com", "Ana", Role::Member).await;
    let s = app.login("ana@example.com").await;
    let long = "x".repeat(81);
    for (name, level, expect) in [
        ("Negotiation", "9", "out of range"),
        ("Negotiation", "0", "out of range"),
        ("Negotiation", "abc", "not a number"),
        ("", "3", "kill: is empty"),
        (long.as_str(), "3", "longer than 80"),
        ("a;b", "3", "must not contain"),
    ] {
        let r = s
            .post("/me/skills", &[("name", name), ("level", level)])
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name:?} {level:?}"
        );
        assert!(
            r.body.contains(expect),
            "{name:?}/{level:?}: expected {expect:?} in {}",
            r.body
        );
    }
    assert!(app
        .store
        .person_skills(id, id)
        .await
        .expect("skills")
        .is_empty());
    let api = app.api_as("ana@example.com").await;
    let (st, body) = api
        .post("/me/skills", json!({"name": "SQL", "level": 6}))
        .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input"))
    );
    assert_eq!(body["message"], "level: 6 is out of range; use 1 to 5");
    let (st, _) = api
        .post("/me/skills", json!({"name": "SQL", "level": "high"}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app
        .store
        .person_skills(id, id)
        .await
        .expect("skills")
        .is_empty());
}

async fn colleagues_endorse_skills(b: Backend) {
    let app = common::spawn(b).await;
    let ana = app.user("ana@example.com", "Ana", Role::Member).await;
    app.user("ben@example.com", "Ben", Role::Member).await;
    let skill = app.skill(ana, "Negotiation", 4).await;
    let ben = app.login("ben@example.com").await;
    let path = format!("/people/{ana}/skills/{skill}/endorse");
    assert_eq!(ben.post(&path, &[]).await.status, StatusCode::SEE_OTHER);
    let twice = ben.post(&path, &[]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(twice.body.contains("already endorsed"));
    let page = ben.get(&format!("/people/{ana}")).await;
    assert!(page.body.contains("1 endorsement") && page.body.contains("Endorsed ✓"));

    let ana_s = app.login("ana@example.com").await;
    assert_eq!(
        ana_s.post(&path, &[]).await.status,
        StatusCode::CONFLICT,
        "no self-endorsement"
    );
    let missing = ben
        .post(&format!("/people/{ana}/skills/99999/endorse"), &[])
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let api = app.api_as("ben@example.com").await;
    let (st, body) = api
        .post(
            &format!("/people/{ana}/skills/{skill}/endorsements"),
            json!({}),
        )
        .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
    let (st, _) = api
        .delete(&format!("/people/{ana}/skills/{skill}/endorsements"))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(
        app.store.person_skills(ana, ana).await.expect("s")[0].endorsements,
        0
    );
    let (st, _) = api
        .post(
            &format!("/people/{ana}/skills/{skill}/endorsements"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
}

async fn seed_negotiators(app: &TestApp) -> (i64, i64, i64) {
    let ana = app.user("ana@example.com", "Ana Silva", Role::Member).await;
    let ben = app.user("ben@example.com", "Ben Ode", Role::Member).await;
    let cara = app
        .user("cara@example.com", "Cara Núñez", Role::Member)
        .await;
    app.skill(ana, "Negotiating", 4).await;
    let ben_skill = app.skill(ben, "Negotiation", 3).await;
    app.skill(cara, "Salary négociation", 2).await;
    for e in [ana, cara] {
        app.store
            .endorse(e, ben, ben_skill, app.now())
            .await
            .expect("endorse");
    }
    (ana, ben, cara)
}

async fn expert_finder_ranks_by_evidence_and_says_why(b: Backend) {
    let app = common::spawn(b).await;
    let (ana, ben, cara) = seed_negotiators(&app).await;
    let api = app.api_as("ana@example.com").await;
    let (st, body) = api.get("/experts?skill=negotiation").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let ids: Vec<i64> = body
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["person"]["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(
        ids,
        vec![ben, ana],
        "two endorsements outweigh one level: {body}"
    );
    let (_, french) = api.get("/experts?skill=N%C3%A9gociation").await;
    assert_eq!(
        french[0]["person"]["id"], cara,
        "a different word is a different skill: {french}"
    );
    let reasons: Vec<&str> = body[0]["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r["text"].as_str().expect("text"))
        .collect();
    assert_eq!(
        reasons,
        vec![
            "rates themselves 3/5 (proficient) in Negotiation",
            "endorsed for Negotiation by 2 colleagues (Ana Silva, Cara Núñez)"
        ]
    );
    assert_eq!(body[0]["reasons"][1]["kind"], "endorsements");

    let s = app.login("ben@example.com").await;
    let page = s.get("/experts?q=Negotiation").await;
    assert!(page.body.contains("People who know “Negotiation”"));
    let first = page.body.find("Ben Ode").expect("Ben listed");
    assert!(first < page.body.find("Ana Silva").expect("Ana listed"));
    assert!(page
        .body
        .contains("endorsed for Negotiation by 2 colleagues"));
    let none = s.get("/experts?q=underwater+basket+weaving").await;
    assert!(none.body.contains("Nobody has listed"));
}

async fn expert_finder_tolerates_case_accents_and_word_forms(b: Backend) {
    let app = common::spawn(b).await;
    let (ana, ben, cara) = seed_negotiators(&app).await;
    let api = app.api_as("ana@example.com").await;
    for query in [
        "negotiation",
        "NEGOTIATING",
        "negotiate",
        "Négotiation",
        "negot",
    ] {
        let (_, body) = api.get(&format!("/experts?skill={query}")).await;
        let mut ids: Vec<i64> = body
            .as_array()
            .expect("array")
            .iter()
            .map(|e| e["person"]["id"].as_i64().expect("id"))
            .collect();
        ids.sort();
        let mut want = vec![ana, ben];
        want.sort();
        assert_eq!(ids, want, "query {query:?}: {body}");
    }
    let (_, body) = api.get("/experts?skill=negociation").await;
    assert_eq!(
        body.as_array().map(Vec::len),
        Some(1),
        "accents folded: {body}"
    );
    assert_eq!(body[0]["person"]["id"], cara);
    let (_, body) = api.get("/experts?skill=SALARY").await;
    assert_eq!(body[0]["person"]["id"], cara);
}

async fn directory_browses_and_searches(b: Backend) {
    let app = common::spawn(b).await;
    let csv = "name,email,title,department,function,location,time_zone,skills\n\
        Ana Silva,ana@x.com,Engineer,Engineering,Backend,Lisbon,Europe/Lisbon,Rust:4\n\
        Ben Ode,ben@x.com,AE,Sales,Account Executive,London,Europe/London,Negotiation:3\n\
        Cara Núñez,cara@x.com,Engineer,Engineering,Frontend,London,Europe/London,TypeScript:2\n";
    app.user("admin@example.com", "Admin", Role::Admin).await;
    let admin = app.api_as("admin@example.com").await;
    let (st, body) = admin
        .post_bytes("/people/import", "text/csv", csv.into())
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");

    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["name"].as_str().expect("n").to_string())
            .collect()
    };
    let (_, v) = admin.get("/people?department=Engineering").await;
    assert_eq!(names(&v), vec!["Ana Silva", "Cara Núñez"]);
    let (_, v) = admin
        .get("/people?location=London&department=Engineering")
        .await;
    assert_eq!(names(&v), vec!["Cara Núñez"]);
    let (_, v) = admin.get("/people?function=Account%20Executive").await;
    assert_eq!(names(&v), vec!["Ben Ode"]);
    let (_, v) = admin.get("/people?q=cara").await;
    assert_eq!(names(&v), vec!["Cara Núñez"]);
    let (_, v) = admin.get("/people?q=nun").await;
    assert_eq!(
        names(&v),
        vec!["Cara Núñez"],
        "accents folded, prefix matched"
    );
    let (_, v) = admin.get("/people?q=negotiating").await;
    assert_eq!(names(&v), vec!["Ben Ode"], "search by skill, any word form");
    let (_, v) = admin.get("/people?limit=2&offset=2").await;
    assert_eq!((v["total"].as_i64(), names(&v).len()), (Some(4), 2));

    let s = app.login("admin@example.com").await;
    let page = s.get("/people?department=Sales").await;
    assert!(
        page.body.contains("1 person")
            && page.body.contains("Ben Ode")
            && !page.body.contains("Ana Silva")
    );
    assert!(
        page.body
            .contains("<option value=\"Engineering\" >Engineering (2)</option>"),
        "the department filter lists each department with its count"
    );
    let page = s.get("/people?q=%22%3B+DROP+TABLE+people%3B--").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("0 people"));
}

async fn markup_and_sql_in_names_are_escaped_and_stored_intact(b: Backend) {
    let app = common::spawn(b).await;
    let name = "<script>alert('x')</script> Robert'); DROP TABLE people;--";
    let id = app
        .store
        .create_person(
            &peerlab_core::Email::parse("bobby@example.com").expect("e"),
            &peerlab_core::PersonName::parse(name).expect("n"),
            Role::Member,
            None,
            app.now(),
        )
        .await
        .expect("create");
    app.user("ana@example.com", "Ana", Role::Member).await;
    let s = app.login("ana@example.com").await;
    let page = s.get(&format!("/people/{id}")).await;
    assert!(!page.body.contains("<script>alert"), "rendered escaped");
    assert!(
        page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"),
        "{}",
        page.body
    );
    let api = app.api_as("ana@example.com").await;
    let (_, body) = api.get(&format!("/people/{id}")).await;
    assert_eq!(body["name"], name, "stored intact");
    let (_, list) = api.get("/people").await;
    assert_eq!(list["total"], 2, "the people table is still there");
}

fn rows(body: &Value) -> Vec<(u64, String)> {
    body["details"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().expect("line"),
                r["reason"].as_str().expect("reason").to_string(),
            )
        })
        .collect()
}

async fn csv_import_reports_every_bad_row_and_writes_nothing(b: Backend) {
    let app = common::spawn(b).await;
    app.user("admin@example.com", "Admin", Role::Admin).await;
    let api = app.api_as("admin@example.com").await;
    let csv = "name,email,manager_email,skills\n\
        Ana,ana@x.com,,Negotiation:4\n\
        Ben,ben@x.com,ghost@x.com,\n\
        Cara,ana@x.com,,\n\
        Dan,dan@x.com,,SQL:7\n\
        Eve,eve@x.com,fay@x.com,\n\
        Fay,fay@x.com,eve@x.com,\n";
    let (st, body) = api
        .post_bytes("/people/import", "text/csv", csv.into())
        .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_csv")),
        "{body}"
    );
    let rows = rows(&body);
    let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7], "{rows:?}");
    assert!(rows[0].1.contains("unknown manager ghost@x.com"));
    assert!(rows[1]
        .1
        .contains("duplicate e-mail ana@x.com (first on line 2)"));
    assert!(rows[2].1.contains("level 7 is out of range"));
    assert!(rows[3].1.contains("cycle") && rows[4].1.contains("cycle"));
    assert_eq!(
        app.store.count_people().await.expect("count"),
        1,
        "only the admin: nothing was written"
    );
}

async fn csv_import_refuses_wrong_columns_and_bad_encoding(b: Backend) {
    let app = common::spawn(b).await;
    app.user("admin@example.com", "Admin", Role::Admin).await;
    let api = app.api_as("admin@example.com").await;
    let (st, body) = api
        .post_bytes(
            "/people/import",
            "text/csv",
            b"name,email,shoe_size\nA,a@x.com,42\n".to_vec(),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["message"]
            .as_str()
            .expect("m")
            .contains("unknown column 'shoe_size'"),
        "{body}"
    );
    let (st, body) = api
        .post_bytes(
            "/people/import",
            "text/csv",
            b"fullname,mail\nA,a@x.com\n".to_vec(),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["message"]
        .as_str()
        .expect("m")
        .contains("unknown column 'fullname'"));
    let mut latin1 = b"name,email\nJos".to_vec();
    latin1.extend([0xE9, b',']);
    latin1.extend(b"jose@x.com\nAna,ana@x.com\n");
    let (st, body) = api.post_bytes("/people/import", "text/csv", latin1).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        rows(&body),
        vec![(
            2,
            "column 'name' is not valid UTF-8 (byte 0xE9 at position 4); save the file as UTF-8"
                .to_string()
        )]
    );
    let (st, _) = api
        .post_bytes("/people/import", "text/csv", vec![0xFF, 0xFE, 0, 0])
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.store.count_people().await.expect("count"), 1);
}

async fn csv_reimport_is_idempotent_and_updates_by_email(b: Backend) {
    let app = common::spawn(b).await;
    app.user("admin@example.com", "Admin", Role::Admin).await;
    let api = app.api_as("admin@example.com").await;
    let csv = "name,email,title,department,manager_email,skills,wants_to_learn\n\
        Ana Silva,ana@x.com,VP,Sales,,Negotiation:5; Coaching:3,SQL\n\
        Ben Ode,ben@x.com,AE,Sales,ana@x.com,Negotiation:2,Coaching\n";
    let (st, body) = api
        .post_bytes("/people/import", "text/csv", csv.into())
        .await;
    assert_eq!(
        (st, body.clone()),
        (StatusCode::OK, json!({"created": 2, "updated": 0}))
    );
    let snapshot = |api: &Api| {
        let api = Api {
            base: api.base.clone(),
            client: api.client.clone(),
            token: api.token.clone(),
        };
        async move {
            let (_, list) = api.get("/people").await;
            let mut out = Vec::new();
            for p in list["items"].as_array().expect("items") {
                let (_, detail) = api.get(&format!("/people/{}", p["id"])).await;
                out.push(detail);
            }
            out
        }
    };
    let before = snapshot(&api).await;
    let (st, body) = api
        .post_bytes("/people/import", "text/csv", csv.into())
        .await;
    assert_eq!(
        (st, body),
        (StatusCode::OK, json!({"created": 0, "updated": 2}))
    );
    assert_eq!(
        snapshot(&api).await,
        before,
        "importing the same file again changes nothing"
    );

    // A file with fewer columns updates only what it has.
    let (st, _) = api
        .post_bytes(
            "/people/import",
            "text/csv",
            "email,name,title\nben@x.com,Ben Ode,Senior AE\n".into(),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let ben = app
        .store
        .person_by_email(&peerlab_core::Email::parse("ben@x.com").expect("e"))
        .await
        .expect("s")
        .expect("ben");
    assert_eq!(
        (
            ben.title.as_str(),
            ben.department.as_str(),
            ben.manager_name.as_deref()
        ),
        ("Senior AE", "Sales", Some("Ana Silva"))
    );
    assert_eq!(
        app.store
            .person_skills(ben.id, ben.id)
            .await
            .expect("s")
            .len(),
        1,
        "skills column absent: kept"
    );
}

async fn csv_import_page_shows_progress_and_result(b: Backend) {
    let app = common::spawn(b).await;
    app.user("admin@example.com", "Admin", Role::Admin).await;
    let s = app.login("admin@example.com").await;
    let form = s.get("/admin/import").await;
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    let mut csv = String::from("name,email,department,skills\n");
    for i in 0..50_000 {
        csv.push_str(&format!(
            "Person {i},p{i}@x.com,Dept {},Skill {}:3\n",
            i % 9,
            i % 40
        ));
    }
    let upload = |csv: String, csrf: String| {
        let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("people.csv"),
        );
        s.client
            .post(format!("{}/admin/import", app.base))
            .multipart(form)
            .send()
    };
    let r = upload(csv, s.csrf.clone()).await.expect("upload");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let job = r.headers()["location"].to_str().expect("loc").to_string();
    let mut states = Vec::new();
    let finished = loop {
        let page = s.get(&job).await;
        let state = page
            .body
            .split("data-state=\"")
            .nth(1)
            .and_then(|x| x.split('"').next())
            .expect("state")
            .to_string();
        if state != "running" {
            break page;
        }
        assert!(
            page.body.contains("http-equiv=\"refresh\""),
            "a running import refreshes itself"
        );
        let shown = page
            .body
            .split("<p>")
            .nth(1)
            .and_then(|x| x.split("</p>").next())
            .unwrap_or_default()
            .to_string();
        states.push(shown);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    // The page showed the import running, with a count of people written out of 50,000.
    assert!(!states.is_empty(), "the import was seen running");
    assert!(
        states
            .iter()
            .any(|s| s.contains("of <strong>50000</strong> people")),
        "{states:?}"
    );
    assert!(
        finished.body.contains("Imported: 50000 new, 0 updated."),
        "{}",
        finished.body
    );
    assert_eq!(app.store.count_people().await.expect("count"), 50_001);

    // A bad file lists its rows on the page.
    let r = upload("name,email\nA,not-an-email\n".into(), s.csrf.clone())
        .await
        .expect("upload");
    let job = r.headers()["location"].to_str().expect("loc").to_string();
    let page = loop {
        let page = s.get(&job).await;
        if !page.body.contains("data-state=\"running\"") {
            break page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert!(
        page.body.contains("Nothing was imported")
            && page.body.contains("email: must look like name@example.com"),
        "{}",
        page.body
    );
    // Without the CSRF field, the upload is refused.
    let r = upload("name,email\nA,a@x.com\n".into(), "forged".into())
        .await
        .expect("upload");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

async fn oversized_uploads_are_refused(b: Backend) {
    let app = common::spawn(b).await;
    app.user("admin@example.com", "Admin", Role::Admin).await;
    let mut big = String::from("name,email\n");
    let mut i = 0;
    while big.len() < 50 * 1024 * 1024 {
        big.push_str(&format!(
            "Person number {i} with a long name,person{i}@example.com\n"
        ));
        i += 1;
    }
    let api = app.api_as("admin@example.com").await;
    // A client that announces its 50 MB body and waits for "100 Continue" gets the refusal
    // before sending any of it.
    let (status, body) = announce_upload(
        &app,
        "/api/v1/people/import",
        api.token.as_deref(),
        big.len(),
    )
    .await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(body["error"], "too_large");
    assert!(
        body["message"].as_str().expect("m").contains("20 MB"),
        "{body}"
    );
    // One that just sends it is cut off, or told the same.
    let sent = api
        .client
        .post(format!("{}/api/v1/people/import", app.base))
        .bearer_auth(api.token.as_deref().unwrap_or_default())
        .body(big.clone())
        .send()
        .await;
    match sent {
        Ok(r) => assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE),
        Err(e) => assert!(e.is_request(), "{e}"),
    }

    let s = app.login("admin@example.com").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", s.csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(big.into_bytes()).file_name("big.csv"),
        );
    let r = s
        .client
        .post(format!("{}/admin/import", app.base))
        .multipart(form)
        .send()
        .await;
    // The server may close the connection as soon as the limit is passed; if it answered, it said 413.
    if let Ok(r) = r {
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(r
            .text()
            .await
            .expect("body")
            .contains("larger than the 20 MB limit"));
    }
    assert_eq!(app.store.count_people().await.expect("count"), 1);

    let (st, body) = api
        .post(
            "/me/skills",
            json!({"name": "x".repeat(100_000), "level": 3}),
        )
        .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large"))
    );
}

/// Sends only the headers of an upload of `len` bytes with `Expect: 100-continue`, and returns
/// the status line and body of the answer.
async fn announce_upload(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    len: usize,
) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: text/csv\r\n\
         Content-Length: {len}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").expect("a whole response");
    (
        head.lines().next().unwrap_or_default().to_string(),
        body.to_string(),
    )
}

async fn api_tokens_are_required_and_revocable(b: Backend) {
    let app = common::spawn(b).await;
    app.user("ana@example.com", "Ana", Role::Member).await;
    let (st, body) = app.api(None).get("/people").await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );
    let (st, body) = app.api(Some("plk_not-a-token")).get("/people").await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_token"))
    );
    let (st, _) = Api::send(
        app.api(None)
            .raw(reqwest::Method::GET, "/people")
            .header("authorization", "Basic YTpi"),
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // A token made on the profile page works, and stops working once revoked there.
    let s = app.login("ana@example.com").await;
    let page = s.post("/me/tokens", &[("name", "my script")]).await;
    let token = page
        .body
        .split("<code id=\"secret\">")
        .nth(1)
        .and_then(|x| x.split('<').next())
        .expect("token")
        .to_string();
    let api = app.api(Some(&token));
    let (st, me) = api.get("/me").await;
    assert_eq!(
        (st, me["email"].as_str()),
        (StatusCode::OK, Some("ana@example.com"))
    );
    let (_, tokens) = api.get("/me/tokens").await;
    let id = tokens[0]["id"].as_i64().expect("id");
    assert!(s.get("/me").await.location.is_some());
    assert_eq!(
        s.post(&format!("/me/tokens/{id}/revoke"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let (st, body) = api.get("/me").await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_token"))
    );

    // And through the API: create, use, revoke.
    let other = app.api_as("ana@example.com").await;
    let (st, created) = other.post("/me/tokens", json!({"name": "ci"})).await;
    assert_eq!(st, StatusCode::CREATED);
    let third = app.api(created["token"].as_str());
    assert_eq!(third.get("/me").await.0, StatusCode::OK);
    assert_eq!(
        other
            .delete(&format!("/me/tokens/{}", created["id"]))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(third.get("/me").await.0, StatusCode::UNAUTHORIZED);
    // Someone else's token cannot be revoked, and keeps working.
    app.user("ben@example.com", "Ben", Role::Member).await;
    let ben = app.api_as("ben@example.com").await;
    let (_, tokens) = other.get("/me/tokens").await;
    let active = tokens
        .as_array()
        .expect("tokens")
        .iter()
        .find(|t| t["name"] == "test" && t["revoked_at"].is_null())
        .and_then(|t| t["id"].as_i64())
        .expect("Ana's active token");
    assert_eq!(
        ben.delete(&format!("/me/tokens/{active}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(other.get("/me").await.0, StatusCode::OK);
}

async fn members_cannot_call_admin_endpoints(b: Backend) {
    let app = common::spawn(b).await;
    let ana = app.user("ana@example.com", "Ana", Role::Member).await;
    app.user("admin@example.com", "Admin", Role::Admin).await;
    let member = app.api_as("ana@example.com").await;
    let (st, body) = member
        .post_bytes(
            "/people/import",
            "text/csv",
            b"name,email\nX,x@x.com\n".to_vec(),
        )
        .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (st, _) = member
        .put(&format!("/people/{ana}/role"), json!({"role": "admin"}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = member
        .post(&format!("/people/{ana}/invitations"), json!({}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(app.store.count_people().await.expect("count"), 2);
    assert_eq!(
        app.store.person(ana).await.expect("s").expect("p").role,
        Role::Member
    );
    let s = app.login("ana@example.com").await;
    assert_eq!(s.get("/admin/import").await.status, StatusCode::FORBIDDEN);

    let admin = app.api_as("admin@example.com").await;
    assert_eq!(
        admin
            .put(
                &format!("/people/{ana}/role"),
                json!({"role": "facilitator"})
            )
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (st, inv) = admin
        .post(&format!("/people/{ana}/invitations"), json!({}))
        .await;
    assert_eq!(st, StatusCode::CREATED);
    assert!(inv["url"]
        .as_str()
        .expect("url")
        .starts_with(&format!("{}/invite/", app.base)));
}

async fn api_errors_are_precise(b: Backend) {
    let app = common::spawn(b).await;
    app.user("ana@example.com", "Ana", Role::Member).await;
    let api = app.api_as("ana@example.com").await;
    let (st, body) = api.get("/people?shoe_size=42").await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_query"))
    );
    assert!(
        body["message"].as_str().expect("m").contains("shoe_size"),
        "{body}"
    );
    let (st, body) = api.get("/people?limit=1000").await;
    assert_eq!(
        (st, body["message"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("limit: 1000 is out of range; use 1 to 200")
        )
    );
    let (st, body) = api.get("/people/abc").await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_path"))
    );
    let (st, body) = api.get("/people/424242").await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (st, body) = api
        .post_bytes("/me/skills", "application/json", b"{not json".to_vec())
        .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_json"))
    );
    let (st, body) = api
        .post_bytes("/me/skills", "text/plain", b"{}".to_vec())
        .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("unsupported_media_type")
        )
    );
    let (st, body) = api
        .post(
            "/me/skills",
            json!({"name": "SQL", "level": 3, "extra": true}),
        )
        .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input"))
    );
    let (st, body) = api.get("/nowhere").await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (st, _) = api.get("/experts").await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "skill is required");
}

/// A documented path with its parameters filled in.
fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{skill_id}", "1")
        .replace("{person}", "1")
        .replace("{reaction}", "thanks")
}

async fn openapi_document_matches_the_routes(b: Backend) {
    let app = common::spawn(b).await;
    let (st, doc) = app.api(None).get("/openapi.json").await;
    assert_eq!(st, StatusCode::OK);
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    let paths = doc["paths"].as_object().expect("paths");
    // Every route of the router itself is documented, with exactly its methods …
    let routed: Vec<String> = peerlab_web::api_paths()
        .into_iter()
        .filter(|p| *p != "/openapi.json")
        .map(String::from)
        .collect();
    assert!(routed.len() >= 40);
    for path in &routed {
        let documented = paths
            .get(path.as_str())
            .unwrap_or_else(|| panic!("{path} is not in openapi.json"));
        let mut documented: Vec<String> = documented
            .as_object()
            .expect("ops")
            .keys()
            .map(|m| m.to_uppercase())
            .collect();
        documented.sort();
        // A method the route does not take is answered 405 with the route's own `Allow`.
        let r = reqwest::Client::new()
            .request(
                reqwest::Method::from_bytes(b"TRACE").expect("method"),
                format!("{}/api/v1{}", app.base, concrete(path)),
            )
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        let allow = r
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let mut served: Vec<String> = allow
            .split(',')
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty() && m != "HEAD")
            .collect();
        served.sort();
        assert_eq!(
            served, documented,
            "methods of {path}: served vs documented"
        );
    }
    // … and every documented operation exists and demands a token.
    for (path, ops) in paths {
        assert!(routed.contains(path), "{path} is documented but not routed");
        for method in ops.as_object().expect("ops").keys() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let (st, body) = Api::send(app.api(None).raw(m, &concrete(path))).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{method} {path}: {body}");
            assert!(
                ops[method]["responses"].is_object(),
                "{method} {path} documents its responses"
            );
        }
    }
}

async fn logins_only_ever_redirect_within_the_site(b: Backend) {
    let app = common::spawn(b).await;
    app.user("ana@example.com", "Ana", Role::Member).await;
    for next in [
        "//evil.example",
        "/\t/evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/%09/x\n",
    ] {
        let s = app.browser();
        let form = s.get("/login").await;
        let csrf = common::csrf_in(&form.body).expect("csrf");
        let r = s
            .post_raw(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("email", "ana@example.com"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(
            r.location.as_deref(),
            Some("/"),
            "{next:?} must not leave the site"
        );
        // Signed in, the login page itself redirects the same way.
        let again = s
            .get(&format!("/login?next={}", common::urlencode(next)))
            .await;
        assert_eq!(again.location.as_deref(), Some("/"), "{next:?}");
    }
    let s = app.browser();
    let form = s.get("/login?next=/people%3Fdepartment%3DSales").await;
    assert!(
        form.body.contains("value=\"/people?department=Sales\""),
        "a local path is kept"
    );
}

async fn parallel_login_attempts_cannot_pass_the_throttle(b: Backend) {
    let app = common::spawn(b).await;
    app.user("ana@example.com", "Ana", Role::Member).await;
    // Thirty wrong guesses at once: every attempt is counted before any password is checked,
    // so exactly five are checked and the rest refused.
    let mut attempts = Vec::new();
    for _ in 0..30 {
        let mut s = app.browser();
        attempts.push(tokio::spawn(async move {
            s.login("ana@example.com", "wrong password!").await.status
        }));
    }
    let mut statuses = Vec::new();
    for a in attempts {
        statuses.push(a.await.expect("join"));
    }
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (5, 25), "{statuses:?}");
}

async fn nobody_removes_someone_elses_skills_or_topics(b: Backend) {
    let app = common::spawn(b).await;
    let ana = app.user("ana@example.com", "Ana", Role::Member).await;
    app.user("ben@example.com", "Ben", Role::Member).await;
    let skill = app.skill(ana, "SQL", 3).await;
    let want = app
        .store
        .add_want(ana, &peerlab_core::SkillName::parse("Coaching").expect("s"))
        .await
        .expect("want");
    let ben = app.login("ben@example.com").await;
    assert_eq!(
        ben.post(&format!("/me/skills/{skill}/delete"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ben.post(&format!("/me/wants/{want}/delete"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let api = app.api_as("ben@example.com").await;
    assert_eq!(
        api.delete(&format!("/me/skills/{skill}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.store.person_skills(ana, ana).await.expect("s").len(), 1);
    assert_eq!(app.store.wants(ana).await.expect("w").len(), 1);
}

async fn the_directory_sorts_alike_on_both_databases(b: Backend) {
    let app = common::spawn(b).await;
    for (email, name) in [
        ("z@x.com", "Zoe Park"),
        ("b@x.com", "ben ode"),
        ("a2@x.com", "Álvaro Ruiz"),
        ("a@x.com", "ana Silva"),
    ] {
        app.user(email, name, Role::Member).await;
    }
    let api = app.api_as("a@x.com").await;
    let (_, v) = api.get("/people").await;
    let names: Vec<&str> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().expect("n"))
        .collect();
    assert_eq!(
        names,
        vec!["Álvaro Ruiz", "ana Silva", "ben ode", "Zoe Park"],
        "case and accents ignored"
    );
}

// Twelve people in four departments; M1 manages R1 and R2, and N1 blocks N2.
fn cohort() -> Value {
    let person = |name: &str, dept: &str, function: &str, manager: &str| {
        json!({
            "name": name,
            "email": format!("{}@x.com", name.to_lowercase()),
            "department": dept,
            "function": function,
            "manager_email": manager,
            "time_zone": "Europe/Lisbon",
        })
    };
    let mut people = vec![
        person("M1", "Sales", "Sales", ""),
        person("R1", "Sales", "Sales", "m1@x.com"),
        person("R2", "Sales", "Finance", "m1@x.com"),
        person("N1", "Legal", "Finance", ""),
        person("N2", "Legal", "Sales", ""),
        person("L3", "Legal", "Finance", ""),
    ];
    for (k, dept) in ["Engineering", "People"].iter().enumerate() {
        for i in 1..=3 {
            let function = if i % 2 == 0 { "Finance" } else { "Sales" };
            people.push(person(&format!("{}{i}", ["E", "P"][k]), dept, function, ""));
        }
    }
    people[3]["block"] = json!(["n2@x.com"]);
    people[4]["skills"] = json!("SQL:3");
    people[5]["wants_to_learn"] = json!(["SQL"]);
    Value::Array(people)
}

fn emails(group: &Value) -> Vec<String> {
    group
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["email"].as_str().expect("email").to_string())
        .collect()
}

async fn facilitators_form_groups_through_the_api(b: Backend) {
    let app = common::spawn(b).await;
    app.user("fay@example.com", "Fay", Role::Facilitator).await;
    app.user("mo@example.com", "Mo", Role::Member).await;
    let fay = app.api_as("fay@example.com").await;
    let request = json!({
        "people": cohort(),
        "size": "3-4",
        "roles": ["buyer=Finance", "seller=Sales"],
        "date": "2026-03-02",
        "iterations": 300,
        "seed": 5,
    });
    let (st, body) = fay.post("/groups", request.clone()).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["date"], "2026-03-02");
    let groups = body["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 3);
    let mut seen = Vec::new();
    for g in groups {
        let members = emails(&g["members"]);
        assert!((3..=4).contains(&members.len()), "{g}");
        let has = |e: &str| members.iter().any(|m| m == e);
        assert!(
            !(has("m1@x.com") && (has("r1@x.com") || has("r2@x.com"))),
            "{g}"
        );
        assert!(!(has("n1@x.com") && has("n2@x.com")), "{g}");
        let roles: Vec<&str> = g["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| m["role"].as_str().expect("role"))
            .collect();
        assert_eq!(roles.iter().filter(|r| **r == "buyer").count(), 1, "{g}");
        assert_eq!(roles.iter().filter(|r| **r == "seller").count(), 1, "{g}");
        seen.extend(members);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 12, "everyone exactly once");
    let report = &body["report"];
    assert_eq!(report["people"], 12);
    assert_eq!(report["kept_apart"], 3);
    assert_eq!(report["roles_own_function"], 0);
    assert_eq!(report["measures"][0]["label"], "departments per group");
    assert!(report["measures"][0]["formed"].as_f64() > report["measures"][0]["random"].as_f64());
    // Deterministic for a seed and an iteration budget.
    let (_, again) = fay.post("/groups", request.clone()).await;
    assert_eq!(again["groups"], body["groups"]);

    // Members may not run cohorts, and nobody may without a token.
    let (st, body) = app
        .api_as("mo@example.com")
        .await
        .post("/groups", request.clone())
        .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (st, _) = app
        .api(None)
        .post("/pairs", json!({"people": cohort()}))
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
}

async fn group_and_pair_requests_are_checked_before_any_search(b: Backend) {
    let app = common::spawn(b).await;
    app.user("fay@example.com", "Fay", Role::Facilitator).await;
    let fay = app.api_as("fay@example.com").await;
    let refused = |body: Value, needle: &'static str| {
        let fay = &fay;
        async move {
            let (st, answer) = fay.post("/groups", body).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{needle}: {answer}");
            let message = answer["message"].as_str().expect("message");
            assert!(
                message.contains(needle),
                "expected {needle:?} in {message:?}"
            );
            answer
        }
    };
    refused(
        json!({"people": cohort(), "size": "5"}),
        "12 people cannot be split into groups of 5 to 5",
    )
    .await;
    refused(
        json!({"people": cohort(), "size": "four"}),
        "size: group size 'four' must look like 4-5",
    )
    .await;
    refused(json!({"people": [], "size": "2"}), "the list is empty").await;
    refused(
        json!({"people": cohort(), "size": "3", "seconds": 60}),
        "seconds must be above 0 and at most 10",
    )
    .await;
    refused(
        json!({"people": cohort(), "size": "3", "weights": {"colour": 1}}),
        "unknown weight 'colour'",
    )
    .await;
    refused(
        json!({"people": cohort(), "size": "3", "colour": 1}),
        "unknown field `colour`",
    )
    .await;
    refused(
        json!({"people": [{"name": "A", "email": "a@x.com", "shoe": "42"}], "size": "2"}),
        "unknown column 'shoe'",
    )
    .await;
    refused(
        json!({"people": cohort(), "size": "3-4", "keep_together": [["m1@x.com", "r1@x.com"]]}),
        "M1 <m1@x.com> and R1 <r1@x.com> must be kept together",
    )
    .await;
    refused(
        json!({"people": cohort(), "size": "3-4", "keep_apart": [["m1@x.com", "zed@x.com"]]}),
        "zed@x.com is not in the people file",
    )
    .await;
    let mut people = cohort();
    people[2]["email"] = json!("not-an-email");
    people[7]["start_date"] = json!("2020-02-30");
    people[9]["email"] = json!("M1@x.com");
    let answer = refused(
        json!({"people": people, "size": "3"}),
        "3 people entries have errors; people[2]",
    )
    .await;
    let entries = answer["details"]["entries"].as_array().expect("entries");
    assert_eq!(
        entries
            .iter()
            .map(|e| e["index"].as_u64())
            .collect::<Vec<_>>(),
        vec![Some(2), Some(7), Some(9)]
    );
    assert_eq!(
        entries[2]["reason"],
        "duplicate e-mail m1@x.com (first at people[0])"
    );
    assert!(entries[1]["reason"]
        .as_str()
        .expect("reason")
        .contains("start_date '2020-02-30'"));

    let many: Vec<Value> = (0..2001)
        .map(|i| json!({"name": "P", "email": format!("p{i}@x.com")}))
        .collect();
    refused(
        json!({"people": many, "size": "5"}),
        "2001 people are more than the 2000",
    )
    .await;
    let r = fay
        .raw(reqwest::Method::POST, "/groups")
        .header("content-type", "application/json")
        .body(vec![b' '; 5 * 1024 * 1024])
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        r.headers()["connection"],
        "close",
        "the unread body ends the connection, and the client is told"
    );
    let (st, answer) = fay
        .post("/pairs", json!({"people": cohort(), "rounds": 12}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer["message"],
        "12 people can have 1 to 11 rounds without meeting anyone twice; 12 were asked for"
    );
}

async fn partners_and_coffee_rounds_through_the_api(b: Backend) {
    let app = common::spawn(b).await;
    app.user("fay@example.com", "Fay", Role::Facilitator).await;
    let fay = app.api_as("fay@example.com").await;
    let mut people = cohort();
    people.as_array_mut().expect("people").pop();
    let (st, body) = fay
        .post("/pairs", json!({"people": people, "date": "2026-01-15", "history": [{"a": "e1@x.com", "b": "e2@x.com"}]}))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let pairs = body["pairs"].as_array().expect("pairs");
    let mut sizes: Vec<usize> = pairs
        .iter()
        .map(|p| p["members"].as_array().expect("m").len())
        .collect();
    sizes.sort_unstable();
    assert_eq!(sizes, vec![2, 2, 2, 2, 3], "eleven people: one trio");
    assert_eq!(body["unmatched"], json!([]));
    assert_eq!(
        body["forbidden"], 4,
        "two reports, one block, one earlier meeting"
    );
    for p in pairs {
        let m = emails(&p["members"]);
        let has = |e: &str| m.iter().any(|x| x == e);
        assert!(
            !(has("e1@x.com") && has("e2@x.com")),
            "earlier partners met again: {p}"
        );
        assert!(!p["reasons"].as_array().expect("reasons").is_empty());
    }
    let sql = pairs
        .iter()
        .find(|p| emails(&p["members"]).contains(&"l3@x.com".to_string()))
        .expect("L3 has a partner");
    assert!(
        sql["reasons"]
            .as_array()
            .expect("reasons")
            .contains(&json!("N2 offers SQL (level 3), which L3 wants to learn")),
        "{sql}"
    );

    let (st, body) = fay
        .post(
            "/pairs",
            json!({"people": cohort(), "rounds": 3, "seed": 2}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let rounds = body["rounds"].as_array().expect("rounds");
    assert_eq!(rounds.len(), 3);
    let mut met = std::collections::HashSet::new();
    for round in rounds {
        let groups = round.as_array().expect("groups");
        assert_eq!(groups.len(), 6);
        for g in groups {
            let m = emails(g);
            assert!(
                met.insert((
                    m[0].clone().min(m[1].clone()),
                    m[0].clone().max(m[1].clone())
                )),
                "repeat {g}"
            );
        }
    }
}

async fn the_question_coach_flags_closed_questions(b: Backend) {
    let app = common::spawn(b).await;
    app.user("mo@example.com", "Mo", Role::Member).await;
    let mo = app.api_as("mo@example.com").await;
    let (st, advice) = mo
        .post(
            "/coach",
            json!({"question": "Was the person in the video right to act this way?"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{advice}");
    assert_eq!(advice["kind"], "closed");
    let suggestion = advice["suggestion"].as_str().expect("a rewording");
    let (_, again) = mo.post("/coach", json!({ "question": suggestion })).await;
    assert_eq!(again["kind"], "open", "the rewording is open: {suggestion}");
    let (st, open) = mo
        .post(
            "/coach",
            json!({"question": "Can you describe a time when feedback changed your mind?"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        (open["kind"].as_str(), &open["suggestion"]),
        (Some("open"), &Value::Null)
    );

    for (body, needle) in [
        (json!({"question": "  "}), "1 to 1000 characters, not 0"),
        (json!({"question": "x".repeat(1001)}), "not 1001"),
    ] {
        let (st, e) = mo.post("/coach", body).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            e["message"].as_str().expect("message").contains(needle),
            "{e}"
        );
    }
    let (st, _) = app
        .api(None)
        .post("/coach", json!({"question": "Why?"}))
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
}
