//! Sessions: a cohort's, planned from its template, and a space's with RSVPs; calendar
//! invitations checked by an independent iCalendar parser (Python's `icalendar`), and
//! private calendar feeds.

use crate::common::{check, Api, Backend, TestApp};
use crate::programs::{company, lab, person};
use reqwest::StatusCode;
use serde_json::{json, Value};

crate::backend_tests! {
    a_cohorts_invitations_follow_every_change_of_its_sessions,
    bad_session_times_are_refused_and_change_nothing,
    a_space_holds_sessions_with_rsvps_and_a_capacity,
    check_in_is_once_with_a_valid_code_and_only_for_participants,
    concurrent_check_ins_are_each_recorded_once,
    an_agenda_board_votes_with_a_budget_and_closes_into_an_agenda,
    a_board_reminds_who_has_votes_left_once_and_closes_on_time_unopened,
}

/// What the Python `icalendar` package reads from an `.ics` (see tests/tools/ics.py); also
/// fails on a line longer than 75 octets or a missing CRLF.
pub fn parse_ics(ics: &str) -> Value {
    let python = std::env::var("PEERLAB_PYTHON").expect(
        "PEERLAB_PYTHON is not set: run the tests with ./scripts/test, which installs the Python tools",
    );
    let path = std::env::temp_dir().join(format!("peerlab-{}.ics", rand::random::<u64>()));
    std::fs::write(&path, ics).expect("write the .ics");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/ics.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(&path)
        .output()
        .expect("run the iCalendar parser");
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "icalendar refused the file: {}\n{ics}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the parser's JSON")
}

async fn ics(api: &Api, path: &str) -> Value {
    let r = api
        .raw(reqwest::Method::GET, path)
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    let ct = r.headers()["content-type"]
        .to_str()
        .expect("type")
        .to_string();
    assert!(ct.starts_with("text/calendar"), "{ct}");
    let parsed = parse_ics(&r.text().await.expect("body"));
    assert!(
        ct.contains(&format!(
            "method={}",
            parsed["method"].as_str().expect("method")
        )),
        "{ct}"
    );
    parsed
}

/// A Manager Lab anchored on 2027-03-25, with a cohort planned in London facilitated by
/// Nia; Sam and Lee enrolled. Returns (program, cohort).
async fn cohort(app: &TestApp, ada: &Api) -> (i64, i64) {
    let mut body = lab("Manager Lab");
    body["anchor"] = json!("2027-03-25");
    let (_, made) = ada.post("/programs", body).await;
    let program = made["id"].as_i64().expect("a program");
    let (st, made) = ada
        .post(
            &format!("/programs/{program}/cohorts"),
            json!({"name": "Spring", "facilitator": "nia@x.com", "time_zone": "Europe/London"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{made}");
    let cohort = made["id"].as_i64().expect("a cohort");
    let (st, _) = ada
        .post(
            &format!("/cohorts/{cohort}/enrolments"),
            json!({"emails": ["sam@x.com", "lee@x.com"]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let _ = app;
    (program, cohort)
}

async fn session_titled(api: &Api, cohort: i64, title: &str) -> Value {
    let (st, list) = api.get(&format!("/cohorts/{cohort}/sessions")).await;
    assert_eq!(st, StatusCode::OK, "{list}");
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["title"] == title)
        .cloned()
        .unwrap_or_else(|| panic!("no session {title}: {list}"))
}

async fn a_cohorts_invitations_follow_every_change_of_its_sessions(b: Backend) {
    let app = crate::common::spawn(b).await;
    let ada = company(&app).await;
    let (program, cohort) = cohort(&app, &ada).await;

    // The template's four sessions, each in its stage, at 15:00 London time.
    let (_, list) = ada.get(&format!("/cohorts/{cohort}/sessions")).await;
    let titles: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["title"].as_str().expect("title"))
        .collect();
    assert_eq!(
        titles,
        [
            "Kick-off: what good looks like",
            "Stories of success and failure",
            "Role-play lab",
            "Commit and pair up"
        ]
    );
    let commit = session_titled(&ada, cohort, "Commit and pair up").await;
    let id = commit["id"].as_i64().expect("id");
    assert_eq!(
        commit["starts"], "2027-03-22T15:00:00Z",
        "GMT in March, before the clocks change"
    );
    assert_eq!(commit["stage"], 3);

    let sam = app.api_as("sam@x.com").await;
    let first = ics(&sam, &format!("/sessions/{id}/invitation.ics")).await;
    assert_eq!(first["method"], "REQUEST");
    let event = &first["events"][0];
    let uid = event["uid"].as_str().expect("uid").to_string();
    assert_eq!(event["sequence"], 0);
    assert_eq!(event["status"], "CONFIRMED");
    assert_eq!(event["organizer"], "mailto:nia@x.com");
    assert_eq!(event["attendees"], json!(["mailto:sam@x.com"]));
    assert_eq!(event["dtstart"], "2027-03-22T15:00:00+00:00");
    assert_eq!(event["dtend"], "2027-03-22T15:45:00+00:00");

    // Moving the moment a week moves the session across the change to summer time: still
    // 15:00 in London, so 14:00 UTC; the same UID with SEQUENCE 1.
    let (st, _) = ada
        .put(
            &format!("/programs/{program}/anchor"),
            json!({"anchor": "2027-04-01"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let moved = ics(&sam, &format!("/sessions/{id}/invitation.ics")).await;
    let event = &moved["events"][0];
    assert_eq!(moved["method"], "REQUEST");
    assert_eq!(event["uid"], uid.as_str());
    assert_eq!(event["sequence"], 1);
    assert_eq!(event["dtstart"], "2027-03-29T14:00:00+00:00");

    // The facilitator gives it a room: SEQUENCE 2, the place in LOCATION.
    let nia = app.api_as("nia@x.com").await;
    let change = json!({"title": "Commit and pair up", "mode": "in_person", "place": "Lisbon office, room 4",
        "date": "2027-03-29", "starts": "16:00", "ends": "17:00", "time_zone": "Europe/London",
        "prework": "Bring one action step, written down."});
    let (st, edited) = nia.put(&format!("/sessions/{id}"), change).await;
    assert_eq!(st, StatusCode::OK, "{edited}");
    let placed = ics(&sam, &format!("/sessions/{id}/invitation.ics")).await;
    let event = &placed["events"][0];
    assert_eq!(event["sequence"], 2);
    assert_eq!(event["location"], "Lisbon office, room 4");
    assert_eq!(event["dtstart"], "2027-03-29T15:00:00+00:00");
    assert!(event["description"]
        .as_str()
        .expect("text")
        .contains("Bring one action step"));

    // A participant may not change it; an outsider does not see it.
    let answer = sam.put(&format!("/sessions/{id}"), json!({"title": "x", "mode": "async", "date": "2027-03-29", "starts": "10:00", "ends": "11:00", "time_zone": "UTC"})).await;
    check((answer.0, &answer.1), StatusCode::FORBIDDEN, "forbidden");
    let ria = app.api_as("ria@x.com").await;
    assert_eq!(
        ria.get(&format!("/sessions/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ria.get(&format!("/cohorts/{cohort}/sessions")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ria.get(&format!("/sessions/{id}/invitation.ics")).await.0,
        StatusCode::NOT_FOUND
    );

    // Lee keeps a feed; removing Lee cancels the session for Lee only.
    let lee = app.api_as("lee@x.com").await;
    let (st, feed) = lee.post("/calendar-feed", json!({})).await;
    assert_eq!(st, StatusCode::CREATED);
    let lee_feed = feed["url"].as_str().expect("url").to_string();
    let lee_id = person(&app, "lee@x.com").await;
    let (st, _) = ada
        .delete(&format!("/cohorts/{cohort}/enrolments/{lee_id}"))
        .await;
    assert_eq!(st, StatusCode::OK);
    let text = reqwest::get(&lee_feed)
        .await
        .expect("feed")
        .text()
        .await
        .expect("body");
    let parsed = parse_ics(&text);
    let mine: Vec<&Value> = parsed["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["uid"] == uid.as_str())
        .collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["status"], "CANCELLED", "Lee's calendar drops it");
    let still = ics(&sam, &format!("/sessions/{id}/invitation.ics")).await;
    assert_eq!(still["method"], "REQUEST", "Sam is still invited");

    // Cancelling: METHOD:CANCEL, the same UID, SEQUENCE raised again.
    let (st, _) = nia.post(&format!("/sessions/{id}/cancel"), json!({})).await;
    assert_eq!(st, StatusCode::OK);
    let cancelled = ics(&sam, &format!("/sessions/{id}/invitation.ics")).await;
    assert_eq!(cancelled["method"], "CANCEL");
    assert_eq!(cancelled["events"][0]["uid"], uid.as_str());
    assert_eq!(cancelled["events"][0]["sequence"], 3);
    assert_eq!(cancelled["events"][0]["status"], "CANCELLED");
    let answer = nia.post(&format!("/sessions/{id}/cancel"), json!({})).await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");

    // Sam heard of both, with the session; a new prompt in the channel reaches Sam too.
    let space = commit["space_id"].as_i64().expect("space");
    let (st, _) = nia
        .post(
            &format!("/spaces/{space}/rules/acceptance"),
            json!({"version": 1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, made) = nia
        .post(&format!("/spaces/{space}/threads"), json!({"kind": "prompt", "title": "Your first action step",
            "question": "What will you do differently in your next review, and how will you know it worked?", "body": "Reply below."}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{made}");
    let (_, notes) = sam.get("/notifications").await;
    let kinds: Vec<(&str, Value)> = notes["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .map(|n| (n["kind"].as_str().expect("kind"), n["session_id"].clone()))
        .collect();
    assert!(kinds.contains(&("session_changed", json!(id))), "{kinds:?}");
    assert!(
        kinds.contains(&("session_cancelled", json!(id))),
        "{kinds:?}"
    );
    assert!(kinds.iter().any(|(k, _)| *k == "prompt"), "{kinds:?}");
    let hash = peerlab_web::hash_password(crate::common::PASSWORD).expect("hash");
    let sam_id = peerlab_store::PersonId::new(person(&app, "sam@x.com").await);
    app.store
        .set_password(sam_id, &hash)
        .await
        .expect("password");
    let sam_page = app.login("sam@x.com").await;
    let page = sam_page.get("/notifications").await;
    assert!(
        page.body
            .contains(&format!("href=\"/sessions/{id}\">Commit and pair up</a>")),
        "{}",
        page.body
    );

    // Sam's feed: every session, a reminder on those still on; revoking it makes it 404.
    let (_, feed) = sam.post("/calendar-feed", json!({})).await;
    let url = feed["url"].as_str().expect("url").to_string();
    let r = reqwest::get(&url).await.expect("feed");
    assert_eq!(r.status(), StatusCode::OK);
    let parsed = parse_ics(&r.text().await.expect("body"));
    let events = parsed["events"].as_array().expect("events");
    assert_eq!(events.len(), 4);
    assert!(events
        .iter()
        .filter(|e| e["status"] == "CONFIRMED")
        .all(|e| e["alarms"] == json!(["-PT30M"])));
    let (st, _) = sam.delete("/calendar-feed").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        reqwest::get(&url).await.expect("feed").status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        reqwest::get(format!("{}/calendar/nope.ics", app.base))
            .await
            .expect("feed")
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(sam.delete("/calendar-feed").await.0, StatusCode::NOT_FOUND);
}

async fn bad_session_times_are_refused_and_change_nothing(b: Backend) {
    let app = crate::common::spawn(b).await;
    let ada = company(&app).await;
    let (_, cohort) = cohort(&app, &ada).await;
    let role_play = session_titled(&ada, cohort, "Role-play lab").await;
    let id = role_play["id"].as_i64().expect("id");
    let good = json!({"title": "Role-play lab", "mode": "virtual", "place": "https://meet.example.com/lab",
        "date": "2027-03-12", "starts": "10:00", "ends": "11:30", "time_zone": "Europe/London"});
    let cases = [
        (json!({"ends": "09:00"}), "before it starts"),
        (json!({"date": "2027-06-01"}), "outside every stage"),
        (json!({"time_zone": "Mars/Olympus"}), "IANA time zone"),
        (
            json!({"date": "2027-03-28", "starts": "01:30", "ends": "03:00"}),
            "does not exist in Europe/London",
        ),
        (json!({"starts": "25:00"}), "HH:MM"),
        (json!({"mode": "telepathy"}), "mode"),
        (json!({"place": "zoom.us/j/1"}), "https://"),
        (json!({"mode": "in_person", "place": ""}), "needs a place"),
        (json!({"title": "t".repeat(121)}), "at most 120"),
    ];
    for (change, needle) in cases {
        let mut body = good.clone();
        for (k, v) in change.as_object().expect("object") {
            body[k] = v.clone();
        }
        let answer = ada.put(&format!("/sessions/{id}"), body).await;
        check(
            (answer.0, &answer.1),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        );
        let message = answer.1["message"].as_str().expect("message");
        assert!(message.contains(needle), "{needle}: {message}");
    }
    let after = session_titled(&ada, cohort, "Role-play lab").await;
    assert_eq!(after["sequence"], 0, "nothing refused was written");
    assert_eq!(after["starts"], role_play["starts"]);
    let (st, _) = ada.put(&format!("/sessions/{id}"), good).await;
    assert_eq!(st, StatusCode::OK);
    let after = session_titled(&ada, cohort, "Role-play lab").await;
    assert_eq!(after["sequence"], 1);
    assert_eq!(after["starts"], "2027-03-12T10:00:00Z");
    // A new session in a stage, and one that spans two stages, refused.
    let (st, made) = ada
        .post(&format!("/cohorts/{cohort}/sessions"), json!({"title": "Office hours", "mode": "async",
            "date": "2027-03-13", "end_date": "2027-03-15", "starts": "09:00", "ends": "17:00", "time_zone": "Europe/London"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{made}");
    let answer = ada
        .post(&format!("/cohorts/{cohort}/sessions"), json!({"title": "Too long", "mode": "async",
            "date": "2027-03-19", "end_date": "2027-03-23", "starts": "09:00", "ends": "17:00", "time_zone": "Europe/London"}))
        .await;
    check(
        (answer.0, &answer.1),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    let sam = app.api_as("sam@x.com").await;
    let office = ics(&sam, &format!("/sessions/{}/invitation.ics", made["id"])).await;
    assert_eq!(office["events"][0]["location"], "Online, in your own time");
}

async fn a_space_holds_sessions_with_rsvps_and_a_capacity(b: Backend) {
    let app = crate::common::spawn(b).await;
    let ada = company(&app).await;
    let (st, space) = ada
        .post("/spaces", json!({"name": "Lunch and learn", "description": "Fridays", "kind": "community", "visibility": "open"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{space}");
    let space = space["id"].as_i64().expect("space");
    let lunch = json!({"title": "What we learned from the Q3 launch", "mode": "virtual", "place": "https://meet.example.com/lunch",
        "date": "2027-05-07", "starts": "12:30", "ends": "13:15", "time_zone": "Europe/Lisbon", "capacity": "1"});
    let sam = app.api_as("sam@x.com").await;
    let answer = sam
        .post(&format!("/spaces/{space}/sessions"), lunch.clone())
        .await;
    check((answer.0, &answer.1), StatusCode::FORBIDDEN, "forbidden");
    let (st, made) = ada.post(&format!("/spaces/{space}/sessions"), lunch).await;
    assert_eq!(st, StatusCode::CREATED, "{made}");
    let id = made["id"].as_i64().expect("id");

    let answer = sam
        .put(&format!("/sessions/{id}/rsvp"), json!({"answer": "going"}))
        .await;
    check((answer.0, &answer.1), StatusCode::FORBIDDEN, "forbidden");
    let answer = sam.get(&format!("/sessions/{id}/invitation.ics")).await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");
    for api in [&sam, &app.api_as("lee@x.com").await] {
        let (st, _) = api.post(&format!("/spaces/{space}/join"), json!({})).await;
        assert_eq!(st, StatusCode::OK);
        let (st, _) = api
            .post(
                &format!("/spaces/{space}/rules/acceptance"),
                json!({"version": 1}),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
    }
    let (st, _) = sam
        .put(&format!("/sessions/{id}/rsvp"), json!({"answer": "going"}))
        .await;
    assert_eq!(st, StatusCode::OK);
    let lee = app.api_as("lee@x.com").await;
    let answer = lee
        .put(&format!("/sessions/{id}/rsvp"), json!({"answer": "going"}))
        .await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");
    assert!(answer.1["message"]
        .as_str()
        .expect("message")
        .contains("full"));
    let answer = lee
        .put(
            &format!("/sessions/{id}/rsvp"),
            json!({"answer": "perhaps"}),
        )
        .await;
    check(
        (answer.0, &answer.1),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    let (st, _) = lee
        .put(&format!("/sessions/{id}/rsvp"), json!({"answer": "maybe"}))
        .await;
    assert_eq!(st, StatusCode::OK);
    let invite = ics(&lee, &format!("/sessions/{id}/invitation.ics")).await;
    assert_eq!(invite["method"], "REQUEST");
    assert_eq!(
        invite["events"][0]["dtstart"], "2027-05-07T11:30:00+00:00",
        "Lisbon summer time"
    );
    assert_eq!(invite["events"][0]["organizer"], "mailto:ada@example.com");
    let (st, _) = sam
        .put(
            &format!("/sessions/{id}/rsvp"),
            json!({"answer": "declined"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let declined = ics(&sam, &format!("/sessions/{id}/invitation.ics")).await;
    assert_eq!(declined["method"], "CANCEL");
    let (_, list) = ada.get(&format!("/spaces/{space}/sessions")).await;
    assert_eq!(list["items"][0]["expected"], 0, "nobody is going now");
}

async fn check_in_is_once_with_a_valid_code_and_only_for_participants(b: Backend) {
    let app = crate::common::spawn(b).await;
    let ada = company(&app).await;
    let (_, cohort) = cohort(&app, &ada).await;
    let s = session_titled(&ada, cohort, "Role-play lab").await;
    let id = s["id"].as_i64().expect("id");
    let nia = app.api_as("nia@x.com").await;
    let sam = app.api_as("sam@x.com").await;
    let lee = app.api_as("lee@x.com").await;
    let ria = app.api_as("ria@x.com").await;

    let answer = sam.post("/check-ins", json!({"code": "ABCDEF"})).await;
    check(
        (answer.0, &answer.1),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    let answer = sam.post("/check-ins", json!({"code": "12"})).await;
    check(
        (answer.0, &answer.1),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    let answer = sam
        .post(&format!("/sessions/{id}/check-in/open"), json!({}))
        .await;
    check((answer.0, &answer.1), StatusCode::FORBIDDEN, "forbidden");

    let (st, open) = nia
        .post(&format!("/sessions/{id}/check-in/open"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{open}");
    let code = open["code"].as_str().expect("code").to_string();
    assert!(open["url"]
        .as_str()
        .expect("url")
        .ends_with(&format!("/check-in?code={code}")));
    // Typed as people type it: lower case, a dash in the middle.
    let typed = format!("{}-{}", code[..3].to_lowercase(), &code[3..]);
    let (st, done) = sam.post("/check-ins", json!({"code": typed})).await;
    assert_eq!(st, StatusCode::CREATED, "{done}");
    assert_eq!(done["session_id"], id);
    let answer = sam.post("/check-ins", json!({"code": code})).await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");
    assert!(answer.1["message"]
        .as_str()
        .expect("message")
        .contains("already checked in"));
    let answer = ria.post("/check-ins", json!({"code": code})).await;
    check((answer.0, &answer.1), StatusCode::FORBIDDEN, "forbidden");

    // Closed, then reopened with a new code: the old one is unknown, the new one expires.
    let (st, _) = nia
        .post(&format!("/sessions/{id}/check-in/close"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK);
    let answer = lee.post("/check-ins", json!({"code": code})).await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");
    assert!(answer.1["message"]
        .as_str()
        .expect("message")
        .contains("is closed"));
    let (_, open) = nia
        .post(&format!("/sessions/{id}/check-in/open"), json!({}))
        .await;
    let fresh = open["code"].as_str().expect("code").to_string();
    if fresh != code {
        let answer = lee.post("/check-ins", json!({"code": code})).await;
        check(
            (answer.0, &answer.1),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        );
    }
    app.clock.advance_ms(21 * 60_000);
    let answer = lee.post("/check-ins", json!({"code": fresh})).await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");
    assert!(answer.1["message"]
        .as_str()
        .expect("message")
        .contains("closed at"));

    // Marks: not by participants, not before the start, not for strangers.
    let lee_id = person(&app, "lee@x.com").await;
    let ria_id = person(&app, "ria@x.com").await;
    let answer = sam
        .put(
            &format!("/sessions/{id}/attendance/{lee_id}"),
            json!({"status": "present"}),
        )
        .await;
    check((answer.0, &answer.1), StatusCode::FORBIDDEN, "forbidden");
    let answer = nia
        .put(
            &format!("/sessions/{id}/attendance/{lee_id}"),
            json!({"status": "late"}),
        )
        .await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");
    let starts =
        chrono::DateTime::parse_from_rfc3339(s["starts"].as_str().expect("starts")).expect("time");
    app.clock
        .advance_ms(starts.timestamp_millis() - app.now() + 60_000);
    let answer = nia
        .put(
            &format!("/sessions/{id}/attendance/{lee_id}"),
            json!({"status": "asleep"}),
        )
        .await;
    check(
        (answer.0, &answer.1),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    let answer = nia
        .put(
            &format!("/sessions/{id}/attendance/{ria_id}"),
            json!({"status": "present"}),
        )
        .await;
    check(
        (answer.0, &answer.1),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    let (st, _) = nia
        .put(
            &format!("/sessions/{id}/attendance/{lee_id}"),
            json!({"status": "late"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, roster) = nia.get(&format!("/sessions/{id}/attendance")).await;
    assert_eq!(st, StatusCode::OK);
    let lines: Vec<(String, String, String)> = roster["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|l| {
            (
                l["name"].as_str().expect("name").into(),
                l["status"].as_str().unwrap_or("").into(),
                l["source"].as_str().expect("source").into(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (
                "Lee Lam".to_string(),
                "late".to_string(),
                "facilitator".to_string()
            ),
            ("Sam Soto".into(), "present".into(), "check_in".into())
        ]
    );
    assert_eq!(
        sam.get(&format!("/sessions/{id}/attendance")).await.0,
        StatusCode::FORBIDDEN
    );

    // Both came, so both have an xAPI `attended` statement about the session.
    let lrs = crate::lrs::credential(&app, "analytics", "all/read").await;
    let verb = crate::common::urlencode("http://adlnet.gov/expapi/verbs/attended");
    let (st, page) = lrs.get(&format!("?verb={verb}&ascending=true")).await;
    assert_eq!(st, StatusCode::OK, "{page}");
    let actors: Vec<&str> = page["statements"]
        .as_array()
        .expect("statements")
        .iter()
        .map(|s| s["actor"]["mbox"].as_str().expect("mbox"))
        .collect();
    assert_eq!(actors, ["mailto:sam@x.com", "mailto:lee@x.com"]);
    assert!(page["statements"][0]["object"]["id"]
        .as_str()
        .expect("id")
        .ends_with(&format!("/sessions/{id}")));
}

/// Sixty participants check in at once, each twice: every one is recorded exactly once (the
/// benchmark runs 300).
async fn concurrent_check_ins_are_each_recorded_once(b: Backend) {
    let app = crate::common::spawn(b).await;
    let ada = company(&app).await;
    let (_, cohort) = cohort(&app, &ada).await;
    let mut csv = String::from("name,email\n");
    for i in 0..60 {
        csv.push_str(&format!("P{i},p{i}@x.com\n"));
    }
    let (st, _) = ada
        .post_bytes("/people/import", "text/csv", csv.into())
        .await;
    assert_eq!(st, StatusCode::OK);
    let emails: Vec<String> = (0..60).map(|i| format!("p{i}@x.com")).collect();
    let (st, _) = ada
        .post(
            &format!("/cohorts/{cohort}/enrolments"),
            json!({"emails": emails}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let s = session_titled(&ada, cohort, "Role-play lab").await;
    let id = s["id"].as_i64().expect("id");
    let nia = app.api_as("nia@x.com").await;
    let (_, open) = nia
        .post(&format!("/sessions/{id}/check-in/open"), json!({}))
        .await;
    let code = open["code"].as_str().expect("code").to_string();
    let mut clients = Vec::new();
    for e in &emails {
        clients.push(app.api_as(e).await);
    }
    // Each person sends twice, all at once.
    let mut tasks = Vec::new();
    for c in clients.iter().chain(clients.iter()) {
        let r = c
            .raw(reqwest::Method::POST, "/check-ins")
            .json(&json!({"code": code}));
        tasks.push(tokio::spawn(async move {
            r.send().await.expect("send").status()
        }));
    }
    let mut created = 0;
    let mut refused = 0;
    for t in tasks {
        match t.await.expect("task") {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((created, refused), (60, 60));
    let (_, roster) = nia.get(&format!("/sessions/{id}/attendance")).await;
    let present = roster["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|l| l["status"] == "present")
        .count();
    assert_eq!(present, 60);
}

async fn an_agenda_board_votes_with_a_budget_and_closes_into_an_agenda(b: Backend) {
    let app = crate::common::spawn(b).await;
    let ada = company(&app).await;
    let (_, cohort) = cohort(&app, &ada).await;
    let (st, _) = ada
        .post(
            &format!("/cohorts/{cohort}/enrolments"),
            json!({"emails": ["ria@x.com", "lia@x.com"]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let s = session_titled(&ada, cohort, "Commit and pair up").await;
    let id = s["id"].as_i64().expect("id");
    let nia = app.api_as("nia@x.com").await;
    let board =
        json!({"votes": "2", "minutes": "15", "closes_date": "2027-03-21", "closes_time": "18:00"});
    for (change, needle) in [
        (
            json!({"closes_date": "2027-03-23"}),
            "before the session starts",
        ),
        (json!({"closes_date": "2020-01-01"}), "in the future"),
        (json!({"votes": "0"}), "from 1 to 20"),
    ] {
        let mut body = board.clone();
        for (k, v) in change.as_object().expect("object") {
            body[k] = v.clone();
        }
        let answer = nia.post(&format!("/sessions/{id}/board"), body).await;
        check(
            (answer.0, &answer.1),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        );
        assert!(
            answer.1["message"]
                .as_str()
                .expect("message")
                .contains(needle),
            "{needle}"
        );
    }
    let sam = app.api_as("sam@x.com").await;
    let answer = sam
        .post(&format!("/sessions/{id}/board"), board.clone())
        .await;
    check((answer.0, &answer.1), StatusCode::FORBIDDEN, "forbidden");
    let (st, _) = nia
        .post(&format!("/sessions/{id}/board"), board.clone())
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let answer = nia.post(&format!("/sessions/{id}/board"), board).await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");

    let lee = app.api_as("lee@x.com").await;
    let ria = app.api_as("ria@x.com").await;
    let lia = app.api_as("lia@x.com").await;
    let mut topic = std::collections::HashMap::new();
    for (api, title) in [
        (&sam, "Feedback upward"),
        (&sam, "Remote one-to-ones"),
        (&sam, "Praise in public"),
        (&lee, "When a report cries"),
        (&ria, "Calibration meetings"),
        (&lia, "Written feedback"),
    ] {
        let (st, made) = api
            .post(&format!("/sessions/{id}/topics"), json!({"title": title}))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{made}");
        topic.insert(title, made["id"].as_i64().expect("id"));
    }
    let answer = sam
        .post(
            &format!("/sessions/{id}/topics"),
            json!({"title": "A fourth one"}),
        )
        .await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");
    let vic = app.api_as("vic@x.com").await;
    assert_eq!(
        vic.post(
            &format!("/sessions/{id}/topics"),
            json!({"title": "Outsider"})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );

    let votes = |t: &str| format!("/topics/{}/votes", topic[t]);
    let answer = sam.post(&votes("Feedback upward"), json!({})).await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");
    assert!(answer.1["message"]
        .as_str()
        .expect("message")
        .contains("your own topic"));
    assert_eq!(
        sam.post(&votes("When a report cries"), json!({})).await.0,
        StatusCode::CREATED
    );
    let answer = sam.post(&votes("When a report cries"), json!({})).await;
    assert!(answer.1["message"]
        .as_str()
        .expect("message")
        .contains("already voted"));
    assert_eq!(
        sam.post(&votes("Calibration meetings"), json!({})).await.0,
        StatusCode::CREATED
    );
    let answer = sam.post(&votes("Written feedback"), json!({})).await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");
    assert!(answer.1["message"]
        .as_str()
        .expect("message")
        .contains("all 2 of your votes"));
    assert_eq!(
        sam.delete(&votes("Calibration meetings")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        sam.post(&votes("Written feedback"), json!({})).await.0,
        StatusCode::CREATED
    );
    for (api, titles) in [
        (&lee, ["Feedback upward", "Remote one-to-ones"]),
        (&ria, ["Feedback upward", "When a report cries"]),
        (&lia, ["Feedback upward", "When a report cries"]),
    ] {
        for t in titles {
            assert_eq!(
                api.post(&votes(t), json!({})).await.0,
                StatusCode::CREATED,
                "{t}"
            );
        }
    }
    // While open, nobody sees counts.
    let (_, open) = sam.get(&format!("/sessions/{id}/board")).await;
    assert_eq!(open["open"], true);
    assert_eq!(open["votes_left"], 0);
    assert!(
        open["topics"]
            .as_array()
            .expect("topics")
            .iter()
            .all(|t| t.get("votes").is_none()),
        "{open}"
    );

    // The board closes at its time: by votes, the tie going to the older topic; three
    // 15-minute items fit in 45 minutes, the rest continue as threads.
    let closes = chrono::DateTime::parse_from_rfc3339("2027-03-21T18:00:00Z")
        .expect("time")
        .timestamp_millis();
    app.clock.advance_ms(closes - app.now() + 1_000);
    let (_, closed) = sam.get(&format!("/sessions/{id}/board")).await;
    assert_eq!(closed["open"], false);
    let agenda: Vec<(String, Option<i64>, i64)> = closed["topics"]
        .as_array()
        .expect("topics")
        .iter()
        .map(|t| {
            (
                t["title"].as_str().expect("title").to_string(),
                t["position"].as_i64(),
                t["votes"].as_i64().expect("votes"),
            )
        })
        .collect();
    assert_eq!(
        agenda,
        [
            ("Feedback upward".to_string(), Some(1), 3),
            ("When a report cries".to_string(), Some(2), 3),
            ("Remote one-to-ones".to_string(), Some(3), 1),
            ("Written feedback".to_string(), None, 1),
            ("Praise in public".to_string(), None, 0),
            ("Calibration meetings".to_string(), None, 0),
        ],
        "ties go to the older topic"
    );
    let answer = lee.post(&votes("Written feedback"), json!({})).await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");
    assert!(answer.1["message"]
        .as_str()
        .expect("message")
        .contains("closed"));
    let space = s["space_id"].as_i64().expect("space");
    let (_, threads) = sam.get(&format!("/spaces/{space}/threads")).await;
    for t in [
        "Written feedback",
        "Calibration meetings",
        "Praise in public",
    ] {
        assert!(threads.to_string().contains(t), "{t} continues as a thread");
    }
    let invite = ics(&sam, &format!("/sessions/{id}/invitation.ics")).await;
    assert_eq!(
        invite["events"][0]["sequence"], 1,
        "the agenda updates the invitation"
    );
    assert!(invite["events"][0]["description"]
        .as_str()
        .expect("text")
        .contains("Agenda:\n1. Feedback upward (15 min)"));

    let owner =
        json!({"owner": "sam@x.com", "action": "Draft the upward-feedback guide by Friday"});
    let (st, _) = nia
        .put(
            &format!("/topics/{}/owner", topic["Feedback upward"]),
            owner.clone(),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let answer = nia
        .put(
            &format!("/topics/{}/owner", topic["Praise in public"]),
            owner.clone(),
        )
        .await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");
    let answer = sam
        .put(
            &format!("/topics/{}/owner", topic["Feedback upward"]),
            owner,
        )
        .await;
    check((answer.0, &answer.1), StatusCode::FORBIDDEN, "forbidden");
    let (_, closed) = nia.get(&format!("/sessions/{id}/board")).await;
    assert_eq!(closed["topics"][0]["owner_name"], "Sam Soto");

    // Suggesting and voting are statements too: six topics, nine votes given (Sam took one
    // of them back; a statement is a fact about what happened and stays).
    let lrs = crate::lrs::credential(&app, "analytics", "all/read").await;
    for (verb, n) in [
        ("https://peerlab.dev/xapi/verbs/suggested", 6),
        ("http://id.tincanapi.com/verb/voted-up", 9),
    ] {
        let (_, page) = lrs
            .get(&format!(
                "?verb={}&limit=100",
                crate::common::urlencode(verb)
            ))
            .await;
        assert_eq!(
            page["statements"].as_array().expect("statements").len(),
            n,
            "{verb}"
        );
    }
}

/// Waits (at most 30 s) until `done` holds, checking every 100 ms: for the job runner, which
/// polls every second.
pub(crate) async fn eventually<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..300 {
        if done().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within 30 s");
}

async fn kinds_of_notices(api: &Api) -> Vec<String> {
    let (_, notes) = api.get("/notifications").await;
    notes["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .map(|n| n["kind"].as_str().expect("kind").to_string())
        .collect()
}

async fn a_board_reminds_who_has_votes_left_once_and_closes_on_time_unopened(b: Backend) {
    let app = crate::common::spawn(b).await;
    let ada = company(&app).await;
    let (_, cohort) = cohort(&app, &ada).await;
    let s = session_titled(&ada, cohort, "Commit and pair up").await;
    let id = s["id"].as_i64().expect("id");
    let nia = app.api_as("nia@x.com").await;
    let (st, _) = nia
        .post(
            &format!("/sessions/{id}/board"),
            json!({"votes": "1", "minutes": "30", "closes_date": "2027-03-21", "closes_time": "18:00"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let sam = app.api_as("sam@x.com").await;
    let lee = app.api_as("lee@x.com").await;
    let mut topics = Vec::new();
    for (api, title) in [(&lee, "Remote one-to-ones"), (&lee, "Praise in public")] {
        let (st, made) = api
            .post(&format!("/sessions/{id}/topics"), json!({"title": title}))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{made}");
        topics.push(made["id"].as_i64().expect("id"));
    }
    // Sam spends his one vote; Lee has his left.
    assert_eq!(
        sam.post(&format!("/topics/{}/votes", topics[0]), json!({}))
            .await
            .0,
        StatusCode::CREATED
    );

    // A day before it closes, the reminder goes to Lee only (Sam has voted; Nia opened it).
    let closes = chrono::DateTime::parse_from_rfc3339("2027-03-21T18:00:00Z")
        .expect("time")
        .timestamp_millis();
    app.clock
        .advance_ms(closes - 24 * 3_600_000 - app.now() + 1_000);
    eventually("the reminder", || async {
        kinds_of_notices(&lee)
            .await
            .iter()
            .any(|k| k == "board_closing")
    })
    .await;
    assert!(!kinds_of_notices(&sam)
        .await
        .iter()
        .any(|k| k == "board_closing"));
    assert!(!kinds_of_notices(&nia)
        .await
        .iter()
        .any(|k| k == "board_closing"));
    // A reminder run again (a node that died after reminding) reminds nobody twice.
    let session = peerlab_store::SessionId::new(id);
    assert_eq!(
        app.store
            .remind_board(session, app.now())
            .await
            .expect("remind"),
        None
    );
    let reminded = kinds_of_notices(&lee)
        .await
        .iter()
        .filter(|k| *k == "board_closing")
        .count();
    assert_eq!(reminded, 1);

    // At its time the board closes with nobody looking: the invitation carries the agenda
    // (one 30-minute item fits the 45-minute session) and the other topic continues as a
    // thread.
    app.clock.advance_ms(closes - app.now() + 1_000);
    eventually("the board's closing", || async {
        app.store
            .board(session)
            .await
            .expect("board")
            .is_some_and(|b| b.closed_at.is_some())
    })
    .await;
    let invite = ics(&sam, &format!("/sessions/{id}/invitation.ics")).await;
    assert_eq!(invite["events"][0]["sequence"], 1);
    let text = invite["events"][0]["description"].as_str().expect("text");
    assert!(
        text.contains("Agenda:\n1. Remote one-to-ones (30 min)"),
        "{text}"
    );
    let space = s["space_id"].as_i64().expect("space");
    eventually("the leftover's thread", || async {
        let (_, threads) = sam.get(&format!("/spaces/{space}/threads")).await;
        threads.to_string().contains("Praise in public")
    })
    .await;
    // Too late to remind, and nothing to close twice.
    assert_eq!(
        app.store
            .remind_board(session, app.now())
            .await
            .expect("remind"),
        None
    );
}
