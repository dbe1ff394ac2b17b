//! The authorisation matrix of programs: every kind of asker against every program, cohort
//! and session route, for a closed cohort and one open for self-enrolment.

use crate::common::matrix::{check_matrix, Route};
use crate::common::{Api, Backend, TestApp};
use peerlab_core::Role;
use serde_json::{json, Value};

crate::backend_tests! {
    programs_authorisation_matrix,
}

const ASKERS: [&str; 6] = [
    "anonymous",
    "outsider",
    "participant",
    "cohort facilitator",
    "site facilitator",
    "admin",
];
const SETTINGS: [&str; 2] = ["closed", "open"];

fn matrix() -> Vec<Route<6, 2>> {
    // Reads of the program and cohort: an open cohort shows itself to everyone.
    const SEE: [[u16; 2]; 6] = [[401; 2], [404, 200], [200; 2], [200; 2], [200; 2], [200; 2]];
    // Who is in it, and its sessions: the people inside and those who run it.
    const PEOPLE: [[u16; 2]; 6] = [[401; 2], [404, 403], [200; 2], [200; 2], [200; 2], [200; 2]];
    const SESSIONS: [[u16; 2]; 6] = [[401; 2], [404, 404], [200; 2], [200; 2], [200; 2], [200; 2]];
    // Managing the cohort and its sessions: its facilitator, and those who run programs.
    const MANAGE: [[u16; 2]; 6] = [[401; 2], [404, 404], [403; 2], [200; 2], [200; 2], [200; 2]];
    const MANAGE_NEW: [[u16; 2]; 6] =
        [[401; 2], [404, 403], [403; 2], [201; 2], [201; 2], [201; 2]];
    const ENROL: [[u16; 2]; 6] = [[401; 2], [404, 403], [403; 2], [200; 2], [200; 2], [200; 2]];
    // Programs themselves: only site facilitators and admins.
    const RUN: [[u16; 2]; 6] = [[401; 2], [403; 2], [403; 2], [403; 2], [200; 2], [200; 2]];
    const RUN_NEW: [[u16; 2]; 6] = [[401; 2], [403; 2], [403; 2], [403; 2], [201; 2], [201; 2]];
    const JOIN: [[u16; 2]; 6] = [
        [401; 2],
        [404, 200],
        [409, 409],
        [403, 409],
        [403, 200],
        [403, 200],
    ];
    // The cohort's private channel: its members (participants and facilitator), and admins
    // as for every private space (never a confidential one).
    const SEE_CHANNEL: [[u16; 2]; 6] = [[401; 2], [404; 2], [200; 2], [200; 2], [404; 2], [200; 2]];
    let session = json!({"title": "Extra session", "mode": "virtual", "date": "2027-05-05", "starts": "10:00",
        "ends": "11:00", "time_zone": "UTC"});
    vec![
        ("GET", "/programs/{p}", Value::Null, SEE),
        ("GET", "/cohorts/{c}", Value::Null, SEE),
        ("GET", "/cohorts/{c}/enrolments", Value::Null, PEOPLE),
        ("GET", "/cohorts/{c}/sessions", Value::Null, SESSIONS),
        ("GET", "/sessions/{s}", Value::Null, SESSIONS),
        (
            "GET",
            "/sessions/{s}/attendance",
            Value::Null,
            [[401; 2], [404, 404], [403; 2], [200; 2], [200; 2], [200; 2]],
        ),
        (
            "POST",
            "/cohorts/{c}/enrolments",
            json!({"emails": ["new@x.com"]}),
            ENROL,
        ),
        ("POST", "/cohorts/{c}/sessions", session.clone(), MANAGE_NEW),
        ("PUT", "/sessions/{s}", session, MANAGE),
        ("POST", "/sessions/{s}/check-in/open", json!({}), MANAGE),
        (
            "POST",
            "/sessions/{s}/board",
            json!({"closes_date": "2027-05-05", "closes_time": "18:00"}),
            [[401; 2], [404, 404], [403; 2], [201; 2], [201; 2], [201; 2]],
        ),
        (
            "PUT",
            "/cohorts/{c}/facilitator",
            json!({"facilitator": "other@x.com"}),
            RUN,
        ),
        (
            "PUT",
            "/programs/{p}/anchor",
            json!({"anchor": "2027-06-08"}),
            RUN,
        ),
        (
            "POST",
            "/programs/{p}/cohorts",
            json!({"name": "Another cohort", "facilitator": "other@x.com"}),
            RUN_NEW,
        ),
        (
            "POST",
            "/programs",
            json!({"template": "learning-loop", "name": "A new program", "moment": "First session", "anchor": "2027-06-01"}),
            RUN_NEW,
        ),
        ("POST", "/cohorts/{c}/join", json!({}), JOIN),
        // Groups and partners: formed by those who manage the cohort (a cohort of one is
        // refused after that check, with its reason); only a participant with a partner asks
        // to be rematched (nobody has one yet: 409).
        (
            "POST",
            "/sessions/{s}/groups/preview",
            json!({}),
            [[401; 2], [404, 404], [403; 2], [422; 2], [422; 2], [422; 2]],
        ),
        (
            "POST",
            "/cohorts/{c}/partners/preview",
            json!({}),
            [[401; 2], [404, 403], [403; 2], [422; 2], [422; 2], [422; 2]],
        ),
        (
            "POST",
            "/cohorts/{c}/partners/rematch",
            json!({"reason": "We sit together"}),
            [[401; 2], [404; 2], [409; 2], [409; 2], [409; 2], [409; 2]],
        ),
        // Coffee rounds live in the cohort's channel: its members read them and opt in
        // (nothing runs yet: 409); its facilitators and admins start them.
        ("GET", "/spaces/{ch}/coffee", Value::Null, SEE_CHANNEL),
        (
            "POST",
            "/spaces/{ch}/coffee/start",
            json!({"cadence": "weekly"}),
            [[401; 2], [404; 2], [403; 2], [201; 2], [404; 2], [201; 2]],
        ),
        (
            "POST",
            "/spaces/{ch}/coffee/me",
            json!({"choice": "join"}),
            [[401; 2], [404; 2], [409; 2], [409; 2], [404; 2], [403; 2]],
        ),
    ]
}

/// A Manager Lab anchored on 2027-06-01 (its first stage runs 4–10 May), with one cohort
/// facilitated by the cohort facilitator, the participant enrolled.
async fn target(admin: &Api, open: bool) -> Vec<(&'static str, String)> {
    let (_, p) = admin
        .post("/programs", json!({"template": "manager-lab", "name": "Matrix lab", "moment": "Review cycle opens", "anchor": "2027-06-01"}))
        .await;
    let p = p["id"].as_i64().expect("program");
    let (_, c) = admin
        .post(&format!("/programs/{p}/cohorts"), json!({"name": "Cohort", "facilitator": "cfac@x.com", "self_enrol": open, "time_zone": "UTC"}))
        .await;
    let c = c["id"].as_i64().expect("cohort");
    let (st, _) = admin
        .post(
            &format!("/cohorts/{c}/enrolments"),
            json!({"emails": ["participant@x.com"]}),
        )
        .await;
    assert_eq!(st.as_u16(), 200);
    let (_, list) = admin.get(&format!("/cohorts/{c}/sessions")).await;
    let s = list["items"][0]["id"].as_i64().expect("a session");
    let (_, cohort) = admin.get(&format!("/cohorts/{c}")).await;
    let ch = cohort["cohort"]["space_id"].as_i64().expect("channel");
    vec![
        ("p", p.to_string()),
        ("c", c.to_string()),
        ("s", s.to_string()),
        ("ch", ch.to_string()),
    ]
}

async fn programs_authorisation_matrix(b: Backend) {
    let app: TestApp = crate::common::spawn(b).await;
    let people = [
        ("outsider@x.com", Role::Member),
        ("participant@x.com", Role::Member),
        ("cfac@x.com", Role::Member),
        ("sfac@x.com", Role::Facilitator),
        ("admin@x.com", Role::Admin),
        ("other@x.com", Role::Member),
        ("new@x.com", Role::Member),
    ];
    for (email, role) in people {
        app.user(email, email, role).await;
    }
    let mut apis = vec![app.api(None)];
    for (email, _) in &people[..5] {
        apis.push(app.api_as(email).await);
    }
    let admin = apis[5].clone();
    let askers: [(&str, Api); 6] = std::array::from_fn(|i| (ASKERS[i], apis[i].clone()));
    let checks = check_matrix(&askers, &SETTINGS, &matrix(), |s| {
        let admin = admin.clone();
        async move { target(&admin, s == 1).await }
    })
    .await;
    assert_eq!(checks, 22 * 2 * 6);

    // Pages follow the same policy.
    let t = target(&admin, false).await;
    let outsider = app.login("outsider@x.com").await;
    let participant = app.login("participant@x.com").await;
    for path in [
        format!("/programs/{}", t[0].1),
        format!("/cohorts/{}", t[1].1),
        format!("/sessions/{}", t[2].1),
    ] {
        assert_eq!(outsider.get(&path).await.status.as_u16(), 404, "{path}");
        assert_eq!(participant.get(&path).await.status.as_u16(), 200, "{path}");
    }
    let refused = participant
        .post(
            &format!("/cohorts/{}/enrol", t[1].1),
            &[("emails", "new@x.com")],
        )
        .await;
    assert_eq!(refused.status.as_u16(), 403);
    let refused = outsider
        .post(
            "/programs",
            &[
                ("template", "custom"),
                ("name", "Mine"),
                ("moment", "Start"),
                ("anchor", "2027-01-01"),
            ],
        )
        .await;
    assert_eq!(refused.status.as_u16(), 403);
}
