//! Signing in and out, the throttle, sessions and CSRF, invitation links, roles, API tokens.

use crate::common::{check, Api, Backend, PASSWORD};
use peerlab_core::Role;
use reqwest::StatusCode;
use serde_json::json;

crate::backend_tests! {
    login_and_logout,
    wrong_password_never_reveals_whether_the_email_exists,
    repeated_failures_are_throttled,
    forged_and_expired_session_cookies_are_refused,
    forms_without_the_csrf_token_change_nothing,
    invitation_links_set_a_password_once,
    only_admins_change_roles_and_one_admin_always_remains,
    api_tokens_are_required_and_revocable,
    logins_only_ever_redirect_within_the_site,
    parallel_login_attempts_cannot_pass_the_throttle,
}

async fn login_and_logout(b: Backend) {
    let app = crate::common::spawn(b).await;
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
    let csrf = crate::common::csrf_in(&form.body).expect("csrf");
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
    let app = crate::common::spawn(b).await;
    app.user("ana@example.com", "Ana", Role::Member).await;
    let mut s = app.browser();
    let known = s.login("ana@example.com", "wrong password!").await;
    let unknown = s.login("nobody@example.com", "wrong password!").await;
    assert_eq!(known.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let message = |p: &crate::common::Page| {
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
    let app = crate::common::spawn(b).await;
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
    let app = crate::common::spawn(b).await;
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
    let app = crate::common::spawn(b).await;
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
    let app = crate::common::spawn(b).await;
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
    let csrf = crate::common::csrf_in(&form.body).expect("the form carries a token");
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
    let csrf = crate::common::csrf_in(&short.body).expect("token");
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
    let csrf = crate::common::csrf_in(&mismatch.body).expect("token");
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
    let app = crate::common::spawn(b).await;
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

async fn api_tokens_are_required_and_revocable(b: Backend) {
    let app = crate::common::spawn(b).await;
    app.user("ana@example.com", "Ana", Role::Member).await;
    let (st, body) = app.api(None).get("/people").await;
    check((st, &body), StatusCode::UNAUTHORIZED, "unauthenticated");
    let (st, body) = app.api(Some("plk_not-a-token")).get("/people").await;
    check((st, &body), StatusCode::UNAUTHORIZED, "invalid_token");
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
    check((st, &body), StatusCode::UNAUTHORIZED, "invalid_token");

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

async fn logins_only_ever_redirect_within_the_site(b: Backend) {
    let app = crate::common::spawn(b).await;
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
        let csrf = crate::common::csrf_in(&form.body).expect("csrf");
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
            .get(&format!("/login?next={}", crate::common::urlencode(next)))
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
    let app = crate::common::spawn(b).await;
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
