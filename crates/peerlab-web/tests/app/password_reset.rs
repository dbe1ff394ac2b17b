//! "Forgot your password?": a link by e-mail (to a real SMTP server) that works once, within
//! the hour, and ends the old password's sessions and API tokens; the same answer whether or
//! not the address has an account; a throttle; and no form at all when e-mail is off.

use std::time::Duration;

use crate::common::{csrf_in, spawn, spawn_with, Backend, TestApp, PASSWORD};
use crate::outbound::{text, SmtpSink};
use peerlab_core::Role;
use reqwest::StatusCode;

crate::backend_tests! {
    a_forgotten_password_is_replaced_through_a_mailed_link_once,
    reset_requests_are_checked_throttled_and_tell_nobody_who_has_an_account,
}

/// Asks for a link for `email` from a fresh anonymous browser.
async fn ask(app: &TestApp, email: &str) -> crate::common::Page {
    let anon = app.browser();
    let form = anon.get("/password/forgot").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = csrf_in(&form.body).expect("the form carries a token");
    anon.post_raw("/password/forgot", &[("csrf", &csrf), ("email", email)])
        .await
}

/// The link in a reset e-mail.
fn link_in(mail: &serde_json::Value) -> String {
    let body = text(mail);
    body.split_whitespace()
        .find(|w| w.contains("/invite/"))
        .unwrap_or_else(|| panic!("no link in {body}"))
        .trim_matches(|c: char| c == '<' || c == '>' || c == '(' || c == ')')
        .to_string()
}

async fn a_forgotten_password_is_replaced_through_a_mailed_link_once(b: Backend) {
    let sink = SmtpSink::start(&[]);
    let app = spawn_with(b, Some(sink.settings())).await;
    app.user("ana@x.com", "Ana Silva", Role::Member).await;
    let old_session = app.login("ana@x.com").await;
    let token = app.api_as("ana@x.com").await;
    assert_eq!(token.get("/me").await.0, StatusCode::OK);

    let login = app.browser().get("/login").await;
    assert!(login.body.contains("href=\"/password/forgot\""));
    let page = ask(&app, "ana@x.com").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("is on its way"), "{}", page.body);
    let mail = sink.wait_for(1).await;
    assert_eq!(mail[0]["headers"]["To"], "ana@x.com");
    assert_eq!(
        mail[0]["headers"]["Subject"],
        "Choose a new peerlab password"
    );
    let link = link_in(&mail[0]);
    let path = link
        .strip_prefix(&app.base)
        .expect("a link here")
        .to_string();

    let ana = app.browser();
    let form = ana.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Choose a new password"), "{}", form.body);
    let csrf = csrf_in(&form.body).expect("token");
    let new = "a brand new passphrase";
    let done = ana
        .post_raw(
            &path,
            &[("csrf", &csrf), ("password", new), ("confirm", new)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    // The old password, the old session and the old API token are all gone.
    assert_eq!(
        app.browser().login("ana@x.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        old_session.get("/people").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(token.get("/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.browser().login("ana@x.com", new).await.status,
        StatusCode::SEE_OTHER
    );
    // The link works once.
    assert_eq!(ana.get(&path).await.status, StatusCode::NOT_FOUND);

    // A second link expires after the hour.
    assert_eq!(ask(&app, "ana@x.com").await.status, StatusCode::OK);
    let mail = sink.wait_for(2).await;
    let later = link_in(&mail[1]);
    let later = later.strip_prefix(&app.base).expect("here").to_string();
    app.clock.advance_ms(61 * 60_000);
    assert_eq!(
        app.browser().get(&later).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn reset_requests_are_checked_throttled_and_tell_nobody_who_has_an_account(b: Backend) {
    // E-mail off: no form, and a post is refused without writing a link.
    let app = spawn(b).await;
    app.user("ana@x.com", "Ana Silva", Role::Member).await;
    let page = app.browser().get("/password/forgot").await;
    assert!(page.body.contains("does not send e-mail"), "{}", page.body);
    assert!(!page
        .body
        .contains("<form method=\"post\" action=\"/password/forgot\""));
    let anon = app.browser();
    let csrf = csrf_in(&anon.get("/login").await.body).expect("token");
    let refused = anon
        .post_raw(
            "/password/forgot",
            &[("csrf", &csrf), ("email", "ana@x.com")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    drop(app);

    let sink = SmtpSink::start(&[]);
    let app = spawn_with(b, Some(sink.settings())).await;
    app.user("ana@x.com", "Ana Silva", Role::Member).await;
    // Without the form's token, or with a malformed address: refused, nothing mailed.
    let forged = app
        .browser()
        .post_raw("/password/forgot", &[("email", "ana@x.com")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let bad = ask(&app, "not an address").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("name@example.com"), "{}", bad.body);
    // An unknown address gets the same answer as a known one, and no e-mail.
    let unknown = ask(&app, "nobody@x.com").await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert!(unknown.body.contains("is on its way"));
    // Three links an address; the fourth is refused (known or not).
    for _ in 0..3 {
        assert_eq!(ask(&app, "ana@x.com").await.status, StatusCode::OK);
    }
    let fourth = ask(&app, "ana@x.com").await;
    assert_eq!(fourth.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(fourth.body.contains("wait 15 minutes"), "{}", fourth.body);
    for _ in 0..3 {
        ask(&app, "nobody@x.com").await;
    }
    assert_eq!(
        ask(&app, "nobody@x.com").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let mail = sink.wait_for(3).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.count(), 3, "only Ana's three: {mail:#?}");
    assert!(mail.iter().all(|m| m["headers"]["To"] == "ana@x.com"));
}
