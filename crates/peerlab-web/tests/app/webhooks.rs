//! Outgoing webhooks to a real local HTTP receiver that answers as scripted (200, 429 with
//! `Retry-After`, 500, 404): signed JSON whose signature Python's `hmac` checks, Slack and
//! Teams cards checked against their documented shapes and limits, retries, the log and
//! replay, and the refusals.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode as AxStatus};
use axum::response::IntoResponse;
use peerlab_core::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{spawn, Api, Backend, Browser, TestApp};

crate::backend_tests! {
    a_signed_hook_gets_each_statement_signed_retried_after_429_and_500,
    chat_hooks_get_cards_for_their_space_only_once_with_two_nodes,
    a_receiver_that_refuses_with_404_fails_at_once_and_shows_why,
    bad_hooks_are_refused_and_change_nothing,
    the_admin_api_connects_logs_replays_and_stops_hooks_and_reads_the_queue,
}

#[derive(Clone, Debug)]
struct Received {
    path: String,
    headers: HeaderMap,
    body: String,
}

/// An answer: a status and a `Retry-After`.
type Answer = (u16, Option<&'static str>);

/// A local HTTP server that records every request and answers from a script (then 200).
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<Answer>>>,
    base: String,
}

impl Receiver {
    async fn start(script: &[Answer]) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let r = Receiver {
            base: format!("http://{}", listener.local_addr().expect("addr")),
            ..Receiver::default()
        };
        r.script
            .lock()
            .expect("script")
            .extend(script.iter().copied());
        let state = r.clone();
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: HeaderMap, body: String| {
                let state = state.clone();
                async move {
                    state.got.lock().expect("got").push(Received {
                        path: uri.path().to_string(),
                        headers,
                        body,
                    });
                    let next = state.script.lock().expect("script").pop_front();
                    let (code, retry) = next.unwrap_or((200, None));
                    let mut response =
                        (AxStatus::from_u16(code).expect("status"), "answer").into_response();
                    if let Some(r) = retry {
                        response
                            .headers_mut()
                            .insert("retry-after", r.parse().expect("header"));
                    }
                    response
                }
            },
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        r
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().expect("got").clone()
    }

    async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..300 {
            if self.got().len() >= n {
                return self.got();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{n} requests expected, got {:#?}", self.got());
    }
}

/// Ada the admin, Fay who runs two open spaces, and Mei, a member of both.
async fn company(app: &TestApp) -> (Browser, Api, Api, i64, i64) {
    app.user("ada@x.com", "Ada Admin", Role::Admin).await;
    app.user("fay@x.com", "Fay Facilitator", Role::Facilitator)
        .await;
    app.user("mei@x.com", "Mei Member", Role::Member).await;
    let fay = app.api_as("fay@x.com").await;
    let mei = app.api_as("mei@x.com").await;
    let mut spaces = Vec::new();
    for name in ["Pricing practice", "Onboarding"] {
        let (st, v) = fay
            .post(
                "/spaces",
                json!({"name": name, "kind": "community", "visibility": "open"}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().expect("space");
        let (st, _) = mei.post(&format!("/spaces/{id}/join"), json!({})).await;
        assert_eq!(st, StatusCode::OK);
        let (st, _) = mei
            .post(
                &format!("/spaces/{id}/rules/acceptance"),
                json!({"version": 1}),
            )
            .await;
        assert!(st.is_success());
        spaces.push(id);
    }
    (app.login("ada@x.com").await, fay, mei, spaces[0], spaces[1])
}

async fn connect(admin: &mut Browser, fields: &[(&str, &str)]) -> crate::common::Page {
    admin.post("/admin/webhooks", fields).await
}

fn secret_in(html: &str) -> String {
    let start =
        html.find(r#"<code id="secret">"#).expect("a secret") + r#"<code id="secret">"#.len();
    html[start..].split('<').next().expect("secret").to_string()
}

async fn thread(api: &Api, space: i64, title: &str) -> i64 {
    let (st, v) = api
        .post(
            &format!("/spaces/{space}/threads"),
            json!({"kind": "discussion", "title": title, "body": "What worked for you?"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    v["thread_id"].as_i64().expect("thread")
}

/// Checks a signature with Python's `hmac`, not peerlab's code.
fn python_verifies(secret: &str, signature: &str, body: &str) -> bool {
    let python = std::env::var("PEERLAB_PYTHON").expect(
        "PEERLAB_PYTHON is not set: run the tests with ./scripts/test, which installs the Python tools",
    );
    let script = r#"
import hashlib, hmac, sys
secret, header, body = sys.argv[1], sys.argv[2], sys.stdin.read()
parts = dict(p.split("=", 1) for p in header.split(","))
mac = hmac.new(secret.encode(), (parts["t"] + "." + body).encode(), hashlib.sha256).hexdigest()
sys.exit(0 if hmac.compare_digest(mac, parts["v1"]) else 1)
"#;
    let mut child = std::process::Command::new(python)
        .args(["-c", script, secret, signature])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("python");
    std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), body.as_bytes())
        .expect("write");
    child.wait().expect("wait").success()
}

async fn a_signed_hook_gets_each_statement_signed_retried_after_429_and_500(b: Backend) {
    let receiver = Receiver::start(&[(429, Some("7")), (500, None)]).await;
    let app = spawn(b).await;
    let (mut ada, _fay, mei, space, _) = company(&app).await;
    let url = format!("{}/signed", receiver.base);
    let page = connect(
        &mut ada,
        &[
            ("name", "HR analytics"),
            ("url", &url),
            ("format", "auto"),
            ("loopback", "on"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::CREATED, "{}", page.body);
    let secret = secret_in(&page.body);
    assert!(secret.starts_with("whsec_"), "{secret}");

    thread(&mei, space, "Opening lines").await;
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].path, "/signed");
    // 429 with Retry-After: 7 → nothing before 7 s have passed, then the 500 → the backoff.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(receiver.got().len(), 1, "Retry-After is respected");
    app.clock.advance_ms(8_000);
    receiver.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(receiver.got().len(), 2);
    app.clock.advance_ms(61_000);
    let got = receiver.wait_for(3).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(receiver.got().len(), 3, "delivered once it succeeded");

    let last = &got[2];
    assert_eq!(last.headers["content-type"], "application/json");
    let signature = last.headers["peerlab-signature"].to_str().expect("header");
    assert!(
        python_verifies(&secret, signature, &last.body),
        "{signature}"
    );
    assert!(!python_verifies("whsec_other", signature, &last.body));
    assert!(!python_verifies(
        &secret,
        signature,
        &last.body.replace("Opening", "Closing")
    ));
    let t: i64 = signature
        .split(',')
        .next()
        .and_then(|t| t.strip_prefix("t="))
        .and_then(|t| t.parse().ok())
        .expect("t=");
    assert_eq!(t, app.now() / 1_000, "the time of the attempt is signed");
    let body: Value = serde_json::from_str(&last.body).expect("JSON");
    assert_eq!(body["type"], "statement.stored");
    assert_eq!(
        body["statement"]["verb"]["id"],
        "http://activitystrea.ms/schema/1.0/post"
    );
    assert_eq!(
        body["statement"]["object"]["definition"]["name"]["en"],
        "Opening lines"
    );
    assert_eq!(body["id"], body["statement"]["id"]);
    assert_eq!(
        last.headers["peerlab-event-id"].to_str().expect("id"),
        body["id"].as_str().expect("id")
    );
    // Every attempt carried the same event.
    for r in &got {
        assert_eq!(
            r.headers["peerlab-event-id"],
            last.headers["peerlab-event-id"]
        );
    }

    // The log says what each attempt met; a delivery can be sent again.
    let log = ada.get("/admin/webhooks").await.body;
    assert!(
        log.contains("q-delivered") && log.contains("200 OK in"),
        "{log}"
    );
    assert!(log.contains("3 attempts"), "{log}");
    let id = log
        .split("id=\"delivery-")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a delivery")
        .to_string();
    let page = ada.post("/admin/webhooks/replay", &[("id", &id)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    receiver.wait_for(4).await;
}

async fn chat_hooks_get_cards_for_their_space_only_once_with_two_nodes(b: Backend) {
    let receiver = Receiver::start(&[]).await;
    let app = spawn(b).await;
    let _second = app.second_node().await;
    let (mut ada, fay, mei, space, other) = company(&app).await;
    let space_s = space.to_string();
    for (name, path, format) in [
        ("Slack #pricing", "/slack", "slack"),
        ("Teams Pricing", "/teams", "teams"),
        ("Old Teams connector", "/connector", "teams_connector"),
    ] {
        let url = format!("{}{path}", receiver.base);
        let page = connect(
            &mut ada,
            &[
                ("name", name),
                ("url", &url),
                ("format", format),
                ("space", &space_s),
                ("loopback", "on"),
            ],
        )
        .await;
        assert_eq!(page.status, StatusCode::CREATED, "{}", page.body);
        assert!(
            !page.body.contains(r#"<code id="secret">"#),
            "chat hooks have no secret"
        );
    }
    let t = thread(&mei, space, "How do you open a renewal talk?").await;
    thread(&mei, other, "Not for the pricing channel").await;
    // A reply does not post to a channel.
    let (st, _) = fay
        .post(
            &format!("/threads/{t}/replies"),
            json!({"body": "With their numbers."}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let got = receiver.wait_for(3).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = if receiver.got().len() > got.len() {
        receiver.got()
    } else {
        got
    };
    let paths: Vec<&str> = got.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(got.len(), 3, "one card per channel, once: {paths:?}");
    let by = |p: &str| -> Value {
        let r = got.iter().find(|r| r.path == p).expect("a request");
        serde_json::from_str(&r.body).expect("JSON")
    };

    // Slack: Block Kit with a plain-text fallback, within its limits.
    let slack = by("/slack");
    assert_eq!(
        slack["text"],
        "Mei Member posted “How do you open a renewal talk?” in Pricing practice"
    );
    let blocks = slack["blocks"].as_array().expect("blocks");
    assert!(!blocks.is_empty() && blocks.len() <= 50);
    assert_eq!(blocks[0]["type"], "section");
    assert_eq!(blocks[0]["text"]["type"], "mrkdwn");
    let mrkdwn = blocks[0]["text"]["text"].as_str().expect("text");
    assert!(mrkdwn.starts_with("*Mei Member* posted <"), "{mrkdwn}");
    assert!(mrkdwn.contains(&format!("/threads/{t}|")), "{mrkdwn}");

    // Teams Workflows: an Adaptive Card in a message, under 28 KB.
    let raw = &got.iter().find(|r| r.path == "/teams").expect("teams").body;
    assert!(raw.len() <= 28 * 1024);
    let teams = by("/teams");
    assert_eq!(teams["type"], "message");
    let attachment = &teams["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(attachment["content"]["type"], "AdaptiveCard");
    assert_eq!(attachment["content"]["version"], "1.4");
    assert_eq!(
        attachment["content"]["actions"][0]["type"],
        "Action.OpenUrl"
    );
    assert!(attachment["content"]["body"][0]["text"]
        .as_str()
        .is_some_and(|t| t.contains("How do you open a renewal talk?")));

    // The older connector: a MessageCard.
    let card = by("/connector");
    assert_eq!(card["@type"], "MessageCard");
    assert_eq!(card["@context"], "https://schema.org/extensions");
    assert_eq!(card["potentialAction"][0]["@type"], "OpenUri");
}

async fn a_receiver_that_refuses_with_404_fails_at_once_and_shows_why(b: Backend) {
    let receiver = Receiver::start(&[(404, None)]).await;
    let app = spawn(b).await;
    let (mut ada, _fay, mei, space, _) = company(&app).await;
    let url = format!("{}/gone", receiver.base);
    let page = connect(
        &mut ada,
        &[("name", "Old system"), ("url", &url), ("loopback", "on")],
    )
    .await;
    assert_eq!(page.status, StatusCode::CREATED, "{}", page.body);
    thread(&mei, space, "Anyone?").await;
    receiver.wait_for(1).await;
    let mut log = String::new();
    for _ in 0..100 {
        log = ada.get("/admin/webhooks").await.body;
        if log.contains("q-failed") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        log.contains("q-failed") && log.contains("404 Not Found"),
        "{log}"
    );
    app.clock.advance_ms(3_600_000);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(receiver.got().len(), 1, "a 404 is not retried");
}

async fn bad_hooks_are_refused_and_change_nothing(b: Backend) {
    let app = spawn(b).await;
    let (mut ada, fay, _mei, space, _) = company(&app).await;
    let (st, v) = fay
        .post(
            "/spaces",
            json!({"name": "Leadership circle", "kind": "community", "visibility": "confidential"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let secret_space = v["id"].as_i64().expect("space").to_string();
    let space = space.to_string();
    for (fields, says) in [
        (
            vec![("name", "x"), ("url", "http://hr.example.com/h")],
            "must start with https://",
        ),
        (
            vec![("name", "x"), ("url", "http://127.0.0.1:9/h")],
            "loopback",
        ),
        (
            vec![("name", "x"), ("url", "ftp://hr.example.com/h")],
            "must start with https://",
        ),
        (
            vec![("name", ""), ("url", "https://hr.example.com/h")],
            "name",
        ),
        (
            vec![
                ("name", "x"),
                ("url", "https://hooks.slack.com/services/T/B/x"),
            ],
            "choose which",
        ),
        (
            vec![
                ("name", "x"),
                ("url", "https://hooks.slack.com/services/T/B/x"),
                ("space", &secret_space),
            ],
            "confidential space cannot be connected",
        ),
        (
            vec![
                ("name", "x"),
                ("url", "https://hr.example.com/h"),
                ("verbs", "asked"),
            ],
            "verbs are IRIs",
        ),
        (
            vec![
                ("name", "x"),
                ("url", "https://hr.example.com/h"),
                ("format", "fax"),
            ],
            "format is",
        ),
        (
            vec![
                ("name", "x"),
                ("url", "https://hr.example.com/h"),
                ("space", "999999"),
            ],
            "does not exist",
        ),
    ] {
        let page = connect(&mut ada, &fields).await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields:?}: {}",
            page.body
        );
        assert!(
            page.body.contains(says),
            "{fields:?} should say {says}: {}",
            page.body
        );
    }
    assert!(
        app.store.webhooks().await.expect("hooks").is_empty(),
        "nothing was written"
    );
    // Members may not connect, stop or replay.
    let mei = app.login("mei@x.com").await;
    for (path, fields) in [
        (
            "/admin/webhooks",
            vec![
                ("name", "x"),
                ("url", "https://hr.example.com/h"),
                ("space", space.as_str()),
            ],
        ),
        ("/admin/webhooks/stop", vec![("id", "1")]),
        ("/admin/webhooks/replay", vec![("id", "1")]),
    ] {
        let page = mei.post(path, &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        mei.get("/admin/webhooks").await.status,
        StatusCode::FORBIDDEN
    );
    assert!(app.store.webhooks().await.expect("hooks").is_empty());
}

async fn the_admin_api_connects_logs_replays_and_stops_hooks_and_reads_the_queue(b: Backend) {
    let receiver = Receiver::start(&[]).await;
    let app = spawn(b).await;
    let (_, fay, mei, space, _) = company(&app).await;
    let ada = app.api_as("ada@x.com").await;
    let url = format!("{}/api-hook", receiver.base);
    let hook = json!({"name": "HR analytics", "url": url, "allow_loopback": true,
                      "verbs": ["http://activitystrea.ms/schema/1.0/post"]});
    // Only admins, and bad hooks are refused with the field's reason and write nothing.
    let answer = fay.post("/admin/webhooks", hook.clone()).await;
    crate::common::check((answer.0, &answer.1), StatusCode::FORBIDDEN, "forbidden");
    for (change, field) in [
        (json!({"url": url.replace("http://", "ftp://")}), "url"),
        (json!({"allow_loopback": false}), "url"),
        (json!({"format": "pigeon"}), "format"),
        (json!({"format": "slack"}), "space"),
        (json!({"verbs": ["not an iri"]}), "verbs"),
        (json!({"name": ""}), "name"),
    ] {
        let mut body = hook.clone();
        for (k, v) in change.as_object().expect("object") {
            body[k] = v.clone();
        }
        let (st, v) = ada.post("/admin/webhooks", body).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{change}: {v}");
        assert_eq!(v["field"], field, "{change}: {v}");
    }
    let (_, list) = ada.get("/admin/webhooks").await;
    assert_eq!(list["items"], json!([]));

    let (st, made) = ada.post("/admin/webhooks", hook).await;
    assert_eq!(st, StatusCode::CREATED, "{made}");
    assert_eq!(made["format"], "signed");
    let secret = made["secret"]
        .as_str()
        .expect("the secret, once")
        .to_string();
    let id = made["id"].as_i64().expect("id");
    let (_, list) = ada.get("/admin/webhooks").await;
    assert_eq!(list["items"][0]["id"], id);
    assert!(list["items"][0].get("secret").is_none(), "{list}");
    assert_eq!(list["items"][0]["active"], true);

    thread(&mei, space, "Opening lines").await;
    let got = receiver.wait_for(1).await;
    let signature = got[0].headers["peerlab-signature"]
        .to_str()
        .expect("header");
    assert!(python_verifies(&secret, signature, &got[0].body));
    let mut log = Value::Null;
    for _ in 0..100 {
        log = ada.get(&format!("/admin/webhooks/{id}/deliveries")).await.1;
        if log["items"][0]["state"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(log["items"][0]["state"], "delivered", "{log}");
    assert!(log["items"][0]["said"]
        .as_str()
        .expect("said")
        .contains("200"));
    let delivery = log["items"][0]["id"].as_i64().expect("delivery");
    let (st, copy) = ada
        .post(
            &format!("/admin/webhooks/deliveries/{delivery}/replay"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::ACCEPTED, "{copy}");
    let got = receiver.wait_for(2).await;
    assert_eq!(
        got[1].headers["peerlab-event-id"],
        got[0].headers["peerlab-event-id"]
    );
    let answer = mei
        .post(
            &format!("/admin/webhooks/deliveries/{delivery}/replay"),
            json!({}),
        )
        .await;
    crate::common::check((answer.0, &answer.1), StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(
        ada.post("/admin/webhooks/deliveries/999999/replay", json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ada.get("/admin/webhooks/999999/deliveries").await.0,
        StatusCode::NOT_FOUND
    );

    // Stopped: nothing more goes to it, its log stays.
    assert_eq!(
        ada.delete(&format!("/admin/webhooks/{id}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        ada.delete(&format!("/admin/webhooks/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = ada.get("/admin/webhooks").await;
    assert_eq!(list["items"][0]["active"], false);
    thread(&mei, space, "After the stop").await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(receiver.got().len(), 2, "a stopped hook hears nothing");
    assert_eq!(
        ada.get(&format!("/admin/webhooks/{id}/deliveries")).await.1["items"]
            .as_array()
            .expect("log")
            .len(),
        2
    );

    // The e-mail queue: e-mail is off, so a test message is held; a bad filter is refused.
    let answer = ada.get("/admin/outbound?state=lost").await;
    crate::common::check(
        (answer.0, &answer.1),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert_eq!(mei.get("/admin/outbound").await.0, StatusCode::FORBIDDEN);
    let answer = ada
        .post("/admin/outbound/test", json!({"to": "nope"}))
        .await;
    assert_eq!(answer.0, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.1);
    let (st, v) = ada
        .post("/admin/outbound/test", json!({"to": "ada@x.com"}))
        .await;
    assert_eq!(
        (st, v["sending"].clone()),
        (StatusCode::ACCEPTED, json!(false))
    );
    let mut queue = Value::Null;
    for _ in 0..100 {
        queue = ada.get("/admin/outbound").await.1;
        if queue["messages"][0]["state"] == "held" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let held = &queue["messages"][0];
    assert_eq!(
        (held["state"].clone(), held["to"].clone()),
        (json!("held"), json!("ada@x.com")),
        "{queue}"
    );
    assert_eq!(
        held["replayable"], false,
        "held mail waits for a server: {queue}"
    );
    assert_eq!(queue["sending"], false);
}
