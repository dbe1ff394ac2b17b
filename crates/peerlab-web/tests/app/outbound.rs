//! Outbound e-mail through a real SMTP server (aiosmtpd, see tests/tools/smtp_sink.py): the
//! messages are read back with Python's `email` package and their calendar parts with the
//! `icalendar` package (tests/tools/mail.py), never with peerlab's own code.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use peerlab_core::Role;
use peerlab_web::outbound::mail::MailSettings;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{spawn_with, Api, Backend, TestApp};

crate::backend_tests! {
    a_reply_is_mailed_with_a_one_click_unsubscribe_that_works,
    session_invitations_are_calendar_requests_then_updates_then_a_cancellation,
    choices_are_checked_whole_and_the_digest_gathers_what_waits,
    a_refusing_server_is_retried_with_backoff_then_shown_failed,
    two_nodes_relay_and_send_each_message_once,
    a_node_that_dies_mid_delivery_leaves_its_message_to_another_node_once,
    the_outbound_queue_is_for_admins_and_shows_held_mail_when_mail_is_off,
    a_new_persons_invitation_link_is_mailed_then_forgotten,
}

/// A real SMTP server writing what it accepts to a folder; stopped when dropped.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

fn python() -> String {
    std::env::var("PEERLAB_PYTHON").expect(
        "PEERLAB_PYTHON is not set: run the tests with ./scripts/test, which installs the Python tools",
    )
}

impl SmtpSink {
    pub fn start(args: &[&str]) -> SmtpSink {
        let dir = std::env::temp_dir().join(format!("peerlab-mail-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).expect("sink dir");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/smtp_sink.py");
        let mut child = Command::new(python())
            .arg(script)
            .arg(&dir)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the SMTP server");
        let mut line = String::new();
        let out = child.stdout.take().expect("stdout");
        std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line)
            .expect("read the port");
        let port = line
            .trim()
            .strip_prefix("ready ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the SMTP server did not start: {line:?}"));
        SmtpSink { child, port, dir }
    }

    pub fn settings(&self) -> MailSettings {
        self.settings_with("")
    }

    pub fn settings_with(&self, credentials: &str) -> MailSettings {
        MailSettings::new(
            &format!("smtp://{credentials}127.0.0.1:{}", self.port),
            "peerlab <peerlab@example.com>",
        )
        .expect("settings")
    }

    pub fn count(&self) -> usize {
        std::fs::read_dir(&self.dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                    .count()
            })
            .unwrap_or(0)
    }

    /// Every message so far, read by Python's `email` package.
    pub fn messages(&self) -> Vec<Value> {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/mail.py");
        let out = Command::new(python())
            .arg(script)
            .arg(&self.dir)
            .output()
            .expect("run the mail reader");
        assert!(
            out.status.success(),
            "Python's email package found defects: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Vec<Value>>(&out.stdout).expect("the reader's JSON")
    }

    /// Waits until at least `n` messages arrived (the runner polls every second), then reads
    /// them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        for _ in 0..300 {
            if self.count() >= n {
                return self.messages();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "{n} messages expected, {} arrived: {:#?}",
            self.count(),
            self.messages()
        );
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The text of a message's part of `content_type`.
pub fn part<'a>(message: &'a Value, content_type: &str) -> &'a Value {
    message["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .find(|p| p["type"] == content_type)
        .unwrap_or_else(|| panic!("no {content_type} part in {message:#}"))
}

pub fn text(message: &Value) -> String {
    part(message, "text/plain")["text"]
        .as_str()
        .expect("text")
        .to_string()
}

/// The unsubscribe link of a message, from its `List-Unsubscribe` header.
pub fn unsubscribe_link(message: &Value) -> String {
    let header = message["headers"]["List-Unsubscribe"]
        .as_str()
        .unwrap_or_else(|| panic!("no List-Unsubscribe in {message:#}"));
    header
        .trim()
        .strip_prefix('<')
        .and_then(|h| h.strip_suffix('>'))
        .expect("<link>")
        .to_string()
}

/// Ada (admin), Fay who runs a space, and its members Mei and Ben (who have accepted its
/// rules). Returns (space id, Fay's API, Mei's, Ben's).
pub(crate) async fn space(app: &TestApp) -> (i64, Api, Api, Api) {
    app.user("ada@x.com", "Ada Admin", Role::Admin).await;
    app.user("fay@x.com", "Fay Facilitator", Role::Facilitator)
        .await;
    app.user("mei@x.com", "Mei Member", Role::Member).await;
    app.user("ben@x.com", "Ben Member", Role::Member).await;
    let fay = app.api_as("fay@x.com").await;
    let (st, v) = fay
        .post(
            "/spaces",
            json!({"name": "Pricing practice", "kind": "community", "visibility": "open"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let space = v["id"].as_i64().expect("space");
    let mei = app.api_as("mei@x.com").await;
    let ben = app.api_as("ben@x.com").await;
    for api in [&mei, &ben] {
        let (st, v) = api.post(&format!("/spaces/{space}/join"), json!({})).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let (st, v) = api
            .post(
                &format!("/spaces/{space}/rules/acceptance"),
                json!({"version": 1}),
            )
            .await;
        assert!(st.is_success(), "{v}");
    }
    (space, fay, mei, ben)
}

pub(crate) async fn thread(api: &Api, space: i64, title: &str) -> i64 {
    let (st, v) = api
        .post(
            &format!("/spaces/{space}/threads"),
            json!({"kind": "discussion", "title": title, "body": "How do you open a pricing talk?"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    v["thread_id"].as_i64().expect("thread")
}

pub(crate) async fn reply(api: &Api, thread: i64, body: &str) {
    let (st, v) = api
        .post(&format!("/threads/{thread}/replies"), json!({"body": body}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
}

async fn settings(api: &Api) -> Value {
    let (st, v) = api.get("/me/email-settings").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v
}

fn mode(settings: &Value, topic: &str) -> String {
    settings["topics"]
        .as_array()
        .expect("topics")
        .iter()
        .find(|t| t["key"] == topic)
        .and_then(|t| t["mode"].as_str())
        .expect("topic")
        .to_string()
}

async fn a_reply_is_mailed_with_a_one_click_unsubscribe_that_works(b: Backend) {
    let sink = SmtpSink::start(&[]);
    let app = spawn_with(b, Some(sink.settings())).await;
    let (space, _fay, mei, ben) = space(&app).await;
    let t = thread(&mei, space, "Opening a pricing talk").await;
    reply(&ben, t, "I start with **their** numbers, never ours.").await;

    let mail = sink.wait_for(1).await;
    let m = &mail[0];
    let h = &m["headers"];
    assert_eq!(h["X-Envelope-To"], "mei@x.com");
    assert_eq!(h["To"], "mei@x.com");
    assert_eq!(h["From"], "peerlab <peerlab@example.com>");
    assert_eq!(
        h["Subject"],
        "Ben Member replied to Opening a pricing talk in Pricing practice"
    );
    assert_eq!(h["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
    assert_eq!(h["Auto-Submitted"], "auto-generated");
    assert!(h["Message-ID"]
        .as_str()
        .is_some_and(|id| id.starts_with("<job-")));
    assert_eq!(m["type"], "multipart/alternative");
    let types: Vec<&str> = m["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .filter_map(|p| p["type"].as_str())
        .collect();
    assert_eq!(types, ["text/plain", "text/html"]);
    let body = text(m);
    assert!(body.contains("I start with **their** numbers"), "{body}");
    assert!(
        body.contains(&format!("{}/threads/{t}#post-", app.base)),
        "{body}"
    );
    let html = part(m, "text/html")["text"].as_str().expect("html");
    assert!(html.contains("Stop these e-mails"), "{html}");

    // A link that was changed, or one past its 90 days, changes nothing.
    let link = unsubscribe_link(m);
    assert!(
        link.starts_with(&format!("{}/unsubscribe?t=", app.base)),
        "{link}"
    );
    let http = reqwest::Client::new();
    let tampered = link.replacen(".replies.", ".mentions.", 1);
    let r = http
        .post(&tampered)
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.expect("body").contains("not valid"));
    assert_eq!(mode(&settings(&mei).await, "replies"), "immediately");
    assert_eq!(mode(&settings(&mei).await, "mentions"), "immediately");

    // Opening the link asks first (mail scanners open links); the one-click POST of RFC
    // 8058, as a mail provider sends it, with no cookie, unsubscribes.
    let r = http.get(&link).send().await.expect("GET");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r
        .text()
        .await
        .expect("body")
        .contains("Stop e-mails about “Replies to my threads”?"));
    assert_eq!(mode(&settings(&mei).await, "replies"), "immediately");
    let r = http
        .post(&link)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r
        .text()
        .await
        .expect("body")
        .contains("no more e-mails about"));
    assert_eq!(mode(&settings(&mei).await, "replies"), "never");

    // Another reply sends nothing; a mention, which Mei still wants, comes after it.
    reply(&ben, t, "And I listen twice as long as I talk.").await;
    reply(&ben, t, "@mei@x.com what do you open with?").await;
    let mail = sink.wait_for(2).await;
    assert_eq!(mail.len(), 2, "{mail:#?}");
    assert!(mail[1]["headers"]["Subject"]
        .as_str()
        .is_some_and(|s| s.starts_with("Ben Member mentioned you in")));

    app.clock
        .advance_ms((peerlab_web::outbound::unsubscribe::VALID_DAYS + 1) * 86_400_000);
    let r = http
        .post(&link)
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(r.text().await.expect("body").contains("stopped working"));
}

/// A session in a space that Mei answers going to: its invitation, update and cancellation
/// reach her as three e-mails of one UID with a rising SEQUENCE.
async fn session_invitations_are_calendar_requests_then_updates_then_a_cancellation(b: Backend) {
    let sink = SmtpSink::start(&[]);
    let app = spawn_with(b, Some(sink.settings())).await;
    let (space, fay, mei, _ben) = space(&app).await;
    let session = json!({"title": "Pricing role-play", "mode": "virtual", "place": "https://meet.example.com/p",
        "date": "2027-05-07", "starts": "12:30", "ends": "13:15", "time_zone": "Europe/Lisbon"});
    let (st, made) = fay
        .post(&format!("/spaces/{space}/sessions"), session)
        .await;
    assert_eq!(st, StatusCode::CREATED, "{made}");
    let id = made["id"].as_i64().expect("id");
    let (st, v) = mei
        .put(&format!("/sessions/{id}/rsvp"), json!({"answer": "going"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let mail = sink.wait_for(1).await;
    let invite = &mail[0];
    assert_eq!(invite["headers"]["To"], "mei@x.com");
    assert_eq!(
        invite["headers"]["Subject"],
        "Invitation: Pricing role-play"
    );
    let types: Vec<&str> = invite["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .filter_map(|p| p["type"].as_str())
        .collect();
    assert_eq!(types, ["text/plain", "text/html", "text/calendar"]);
    let cal = part(invite, "text/calendar");
    assert_eq!(cal["params"]["method"], "REQUEST");
    assert_eq!(cal["calendar"]["method"], "REQUEST");
    let event = &cal["calendar"]["events"][0];
    let uid = event["uid"].as_str().expect("uid").to_string();
    assert_eq!(event["sequence"], 0);
    assert_eq!(event["summary"], "Pricing role-play");
    assert_eq!(
        event["dtstart"], "2027-05-07T11:30:00+00:00",
        "12:30 in Lisbon (UTC+1)"
    );
    assert!(event["attendees"][0]
        .as_str()
        .is_some_and(|a| a.eq_ignore_ascii_case("mailto:mei@x.com")));
    assert!(
        text(invite).contains("Fri 7 May 2027, 12:30–13:15 Europe/Lisbon"),
        "{}",
        text(invite)
    );

    let moved = json!({"title": "Pricing role-play", "mode": "virtual", "place": "https://meet.example.com/p",
        "date": "2027-05-07", "starts": "14:00", "ends": "14:45", "time_zone": "Europe/Lisbon"});
    let (st, v) = fay.put(&format!("/sessions/{id}"), moved).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let mail = sink.wait_for(2).await;
    let update = &mail[1];
    assert_eq!(
        update["headers"]["Subject"],
        "Updated invitation: Pricing role-play"
    );
    let event = &part(update, "text/calendar")["calendar"]["events"][0];
    assert_eq!(event["uid"], uid.as_str());
    assert_eq!(event["sequence"], 1);
    assert_eq!(event["dtstart"], "2027-05-07T13:00:00+00:00");

    let (st, v) = fay.post(&format!("/sessions/{id}/cancel"), json!({})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let mail = sink.wait_for(3).await;
    let cancel = &mail[2];
    assert_eq!(cancel["headers"]["Subject"], "Cancelled: Pricing role-play");
    let cal = part(cancel, "text/calendar");
    assert_eq!(cal["params"]["method"], "CANCEL");
    assert_eq!(cal["calendar"]["method"], "CANCEL");
    let event = &cal["calendar"]["events"][0];
    assert_eq!(event["uid"], uid.as_str());
    assert_eq!(event["sequence"], 2);
    assert_eq!(event["status"], "CANCELLED");
    assert_eq!(mail.len(), 3, "one message per change");
}

async fn choices_are_checked_whole_and_the_digest_gathers_what_waits(b: Backend) {
    let sink = SmtpSink::start(&[]);
    let app = spawn_with(b, Some(sink.settings())).await;
    let (space, _fay, mei, ben) = space(&app).await;
    let before = settings(&mei).await;
    for (body, says) in [
        (
            json!({"topics": {"replies": "digest", "gossip": "never"}}),
            "no kind of e-mail called 'gossip'",
        ),
        (
            json!({"topics": {"replies": "sometimes"}}),
            "takes immediately, digest or never, not 'sometimes'",
        ),
        (
            json!({"topics": {"sessions": "digest"}}),
            "cannot wait for the digest",
        ),
        (
            json!({"topics": {"replies": "digest"}, "digest": "hourly"}),
            "daily or weekly, not 'hourly'",
        ),
        (
            json!({"topics": {"replies": "digest"}, "colour": "blue"}),
            "colour",
        ),
    ] {
        let (st, v) = mei.put("/me/email-settings", body.clone()).await;
        assert!(
            st == StatusCode::UNPROCESSABLE_ENTITY || st == StatusCode::BAD_REQUEST,
            "{body} → {st} {v}"
        );
        assert!(
            v["message"].as_str().is_some_and(|m| m.contains(says)),
            "{body} → {v}"
        );
        assert_eq!(settings(&mei).await, before, "{body} changed something");
    }
    let (st, v) = mei
        .put(
            "/me/email-settings",
            json!({"topics": {"replies": "digest"}, "digest": "daily"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(mode(&v, "replies"), "digest");

    let t = thread(&mei, space, "Discounts").await;
    reply(&ben, t, "Never discount in the first meeting.").await;
    reply(&ben, t, "Trade something for it, always.").await;
    // A mention still comes right away, which shows that the relay ran.
    reply(&ben, t, "@mei@x.com agree?").await;
    let mail = sink.wait_for(1).await;
    assert_eq!(mail.len(), 1, "replies wait for the digest: {mail:#?}");

    // The digest goes at 07:00 in Mei's time zone (UTC here): move the clock there.
    let now = app.now();
    let day = 86_400_000;
    let next_seven = (now.div_euclid(day) + 1) * day + 7 * 3_600_000;
    app.clock.advance_ms(next_seven - now + 60_000);
    let mail = sink.wait_for(2).await;
    let digest = &mail[1];
    assert!(
        digest["headers"]["Subject"]
            .as_str()
            .is_some_and(|s| s.starts_with("Your peerlab daily digest")),
        "{digest:#}"
    );
    let body = text(digest);
    assert!(body.contains("2 updates since your last digest"), "{body}");
    assert!(
        body.contains("Never discount in the first meeting."),
        "{body}"
    );
    assert!(body.contains("Trade something for it, always."), "{body}");
    assert!(!body.contains("agree?"), "the mention went already: {body}");

    // The digest's link stops the digest: what waited for it is now never.
    let link = unsubscribe_link(digest);
    let r = reqwest::Client::new()
        .post(&link)
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.expect("body").contains("no more digests"));
    let after = settings(&mei).await;
    assert_eq!(mode(&after, "replies"), "never");
    assert_eq!(mode(&after, "accepted"), "never");
    assert_eq!(mode(&after, "mentions"), "immediately");

    // Nothing waits, so the next morning sends nothing.
    reply(&ben, t, "One more thought.").await;
    app.clock.advance_ms(day);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sink.count(), 2);
}

async fn a_refusing_server_is_retried_with_backoff_then_shown_failed(b: Backend) {
    // The first message meets a 451 (try again later), every message to Ben a 550.
    let sink = SmtpSink::start(&["--flaky", "1", "--refuse", "ben@"]);
    let app = spawn_with(b, Some(sink.settings())).await;
    let (space, _fay, mei, ben) = space(&app).await;
    let t = thread(&mei, space, "Renewals").await;
    reply(&ben, t, "Start 90 days out.").await;
    let admin = app.login("ada@x.com").await;
    let page = |admin: &crate::common::Browser| {
        let r = admin.client.get(format!("{}/admin/outbound", admin.base));
        async move { r.send().await.expect("GET").text().await.expect("page") }
    };
    // The first attempt failed with the server's words, and waits 30 s.
    let mut seen = String::new();
    for _ in 0..100 {
        seen = page(&admin).await;
        if seen.contains("451") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        seen.contains("retrying") && seen.contains("(451): 4.3.0 try again later"),
        "{seen}"
    );
    assert_eq!(sink.count(), 0);
    app.clock.advance_ms(31_000);
    let mail = sink.wait_for(1).await;
    assert_eq!(mail[0]["headers"]["To"], "mei@x.com");

    // Every attempt to Ben is refused: 5 attempts, 30 s, 1, 2 and 4 minutes apart.
    let t2 = thread(&ben, space, "Ben's question").await;
    reply(&mei, t2, "Here is my answer.").await;
    for wait in [0, 31_000, 61_000, 121_000, 241_000] {
        app.clock.advance_ms(wait);
        tokio::time::sleep(Duration::from_millis(1_500)).await;
    }
    let mut failed = String::new();
    for _ in 0..100 {
        failed = page(&admin).await;
        if failed.contains("q-failed") {
            break;
        }
        app.clock.advance_ms(60_000);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(failed.contains("q-failed"), "{failed}");
    assert!(
        failed.contains("550") && failed.contains("mailbox unavailable"),
        "{failed}"
    );
    assert!(failed.contains("5 attempts"), "{failed}");
    assert_eq!(sink.count(), 1, "nothing reached Ben");
}

async fn two_nodes_relay_and_send_each_message_once(b: Backend) {
    let sink = SmtpSink::start(&[]);
    let app = spawn_with(b, Some(sink.settings())).await;
    let _second = app.second_node().await;
    let (space, _fay, mei, ben) = space(&app).await;
    let t = thread(&mei, space, "Many replies").await;
    for i in 0..30 {
        reply(&ben, t, &format!("Reply number {i}.")).await;
    }
    let mail = sink.wait_for(30).await;
    // Both nodes relay and run jobs; wait a little more for any duplicate to show.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mail = if sink.count() > mail.len() {
        sink.messages()
    } else {
        mail
    };
    let mut bodies: Vec<String> = mail.iter().map(text).collect();
    bodies.sort();
    bodies.dedup();
    assert_eq!(mail.len(), 30, "each reply once");
    assert_eq!(bodies.len(), 30);
}

/// A node dies while the SMTP server is taking its message (the server never answered, so
/// it never accepted it): once the node's lease has passed, the node that takes over sends
/// the message, and it arrives once.
async fn a_node_that_dies_mid_delivery_leaves_its_message_to_another_node_once(b: Backend) {
    let sink = SmtpSink::start(&["--slow", "3"]);
    let (app, crash) = crate::common::spawn_crashable(b, Some(sink.settings())).await;
    let (space, _fay, mei, ben) = space(&app).await;
    let t = thread(&mei, space, "Crash").await;
    reply(&ben, t, "Sent while the node dies.").await;
    // Wait until the node is in the middle of the SMTP exchange: its job is running.
    let mut running = None;
    for _ in 0..200 {
        let jobs = app
            .store
            .jobs_of_kinds(&["email_notice"], Some(peerlab_store::JobState::Running), 5)
            .await
            .expect("jobs");
        if let Some(j) = jobs.into_iter().next() {
            running = Some(j);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let running = running.expect("the node started sending");
    tokio::time::sleep(Duration::from_millis(500)).await;
    crash.now();
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        sink.count(),
        0,
        "the server kept a message it never accepted"
    );
    let job = app
        .store
        .job(running.id)
        .await
        .expect("job")
        .expect("the job");
    assert_eq!(job.state, peerlab_store::JobState::Running, "{job:?}");

    // Another node waits out the dead node's lease, then sends it.
    let _second = app.second_node().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.count(), 0, "the lease still holds");
    app.clock.advance_ms(6 * 60_000);
    let mail = sink.wait_for(1).await;
    assert!(text(&mail[0]).contains("Sent while the node dies."));
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(sink.count(), 1, "once");
    let job = app
        .store
        .job(running.id)
        .await
        .expect("job")
        .expect("the job");
    assert_eq!(job.state, peerlab_store::JobState::Done);
    assert_eq!(job.attempts, 2);
}

async fn the_outbound_queue_is_for_admins_and_shows_held_mail_when_mail_is_off(b: Backend) {
    let app = spawn_with(b, None).await;
    let (space, _fay, mei, ben) = space(&app).await;
    let t = thread(&mei, space, "Held").await;
    reply(&ben, t, "Nobody gets this by e-mail.").await;
    let mut admin = app.login("ada@x.com").await;
    let mut seen = String::new();
    for _ in 0..100 {
        seen = admin.get("/admin/outbound").await.body;
        if seen.contains("q-held") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen.contains("E-mail is <strong>off</strong>"), "{seen}");
    assert!(
        seen.contains("q-held") && seen.contains("did not go to mei@x.com"),
        "{seen}"
    );

    // A test message with a bad address is refused and queues nothing; a good one is held.
    let page = admin
        .post("/admin/outbound/test", &[("to", "not an address")])
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    let page = admin
        .post("/admin/outbound/test", &[("to", "ops@x.com")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/admin/outbound?done=test"));
    let page = admin.get("/admin/outbound?done=test").await;
    assert!(page.body.contains("Test message queued"), "{}", page.body);
    let page = admin.post("/admin/outbound/check", &[]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("e-mail is off") || page.body.contains("E-mail is off"));
    admin.refresh_csrf().await;

    // Members see neither the queue nor its actions.
    let member = app.login("mei@x.com").await;
    assert_eq!(
        member.get("/admin/outbound").await.status,
        StatusCode::FORBIDDEN
    );
    let page = member
        .post("/admin/outbound/test", &[("to", "x@x.com")])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // The settings page saves what it shows, and refuses what it does not offer.
    let page = member.get("/settings/notifications").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("E-mail is not set up"), "{}", page.body);
    let page = member
        .post(
            "/settings/notifications",
            &[("replies", "never"), ("digest", "weekly")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = member.get("/settings/notifications?done=saved").await;
    assert!(page.body.contains("Saved."), "{}", page.body);
    let page = member
        .post("/settings/notifications", &[("check_in", "digest")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("cannot wait for the digest"),
        "{}",
        page.body
    );
    let s = settings(&app.api_as("mei@x.com").await).await;
    assert_eq!(mode(&s, "replies"), "never");
    assert_eq!(mode(&s, "check_in"), "never");
    assert_eq!(s["digest"], "weekly");
}

/// An admin invites someone new: the link goes by e-mail, works, and the queue keeps no
/// usable copy of it once sent.
async fn a_new_persons_invitation_link_is_mailed_then_forgotten(b: Backend) {
    let sink = SmtpSink::start(&[]);
    let app = spawn_with(b, Some(sink.settings())).await;
    app.user("ada@x.com", "Ada Admin", Role::Admin).await;
    let newcomer = app
        .store
        .create_person(
            &peerlab_core::Email::parse("noor@x.com").expect("email"),
            &peerlab_core::PersonName::parse("Noor Newcomer").expect("name"),
            Role::Member,
            None,
            app.now(),
        )
        .await
        .expect("person");
    let ada = app.api_as("ada@x.com").await;
    let (st, v) = ada
        .post(&format!("/people/{newcomer}/invitations"), json!({}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(v["emailed"], true);
    let url = v["url"].as_str().expect("url").to_string();
    let mail = sink.wait_for(1).await;
    let m = &mail[0];
    assert_eq!(m["headers"]["To"], "noor@x.com");
    assert_eq!(m["headers"]["Subject"], "You are invited to peerlab");
    assert!(
        m["headers"].get("List-Unsubscribe").is_none(),
        "not a bulk e-mail"
    );
    assert!(text(m).contains(&url), "{}", text(m));
    let r = reqwest::get(&url).await.expect("GET");
    assert_eq!(r.status(), StatusCode::OK, "the e-mailed link works");
    let token = url.rsplit('/').next().expect("token");
    let mut payloads = Vec::new();
    for _ in 0..50 {
        payloads = app
            .store
            .jobs_of_kinds(&["email_invite"], None, 10)
            .await
            .expect("jobs")
            .into_iter()
            .map(|j| (j.state, j.payload))
            .collect();
        if payloads
            .iter()
            .all(|(s, _)| *s == peerlab_store::JobState::Done)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(payloads.len(), 1);
    assert!(!payloads[0].1.contains(token), "{:?}", payloads[0]);
    assert!(payloads[0].1.contains("noor@x.com"));
}
