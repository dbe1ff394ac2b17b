//! A session's small groups in the product: preview, adjust and confirm from a cohort's
//! people, with history read from the database across programs, block lists, roles that
//! rotate, and every refusal writing nothing.

use crate::common::{check, Api, Backend, TestApp};
use crate::programs::{lab, person};
use peerlab_core::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

crate::backend_tests! {
    a_facilitator_previews_adjusts_and_confirms_a_sessions_groups,
    history_across_programs_is_honoured_and_roles_rotate,
    block_lists_are_private_and_always_honoured,
}

/// Twelve people in four departments and three locations (Mo manages Rae, both in Sales),
/// and Nia in People, who facilitates and manages nobody.
pub(crate) const PEOPLE: &str = "name,email,department,function,location,manager_email,skills\n\
    Mo Moss,mo@x.com,Sales,Sales,London,,\n\
    Rae Ray,rae@x.com,Sales,Sales,Lisbon,mo@x.com,\n\
    Sol Sun,sol@x.com,Sales,Sales,Berlin,,\n\
    Ana Alm,ana@x.com,Finance,Finance,London,,Giving feedback:3\n\
    Ben Bos,ben@x.com,Finance,Finance,Lisbon,,\n\
    Cal Cruz,cal@x.com,Finance,Finance,Berlin,,\n\
    Dev Dal,dev@x.com,Engineering,Engineering,London,,\n\
    Eve Eck,eve@x.com,Engineering,Engineering,Lisbon,,\n\
    Fay Fox,fay@x.com,Engineering,Engineering,Berlin,,\n\
    Gus Gil,gus@x.com,Support,Support,London,,\n\
    Hal Hu,hal@x.com,Support,Support,Lisbon,,\n\
    Ivy Ito,ivy@x.com,Support,Support,Berlin,,\n\
    Nia Noor,nia@x.com,People,People,London,,\n";

pub(crate) const TWELVE: [&str; 12] = [
    "mo@x.com",
    "rae@x.com",
    "sol@x.com",
    "ana@x.com",
    "ben@x.com",
    "cal@x.com",
    "dev@x.com",
    "eve@x.com",
    "fay@x.com",
    "gus@x.com",
    "hal@x.com",
    "ivy@x.com",
];

struct Setup {
    ada: Api,
    nia: Api,
    cohort: i64,
    sessions: Vec<i64>,
}

pub(crate) async fn company(app: &TestApp) -> Api {
    app.user("ada@example.com", "Ada Admin", Role::Admin).await;
    let ada = app.api_as("ada@example.com").await;
    let (st, body) = ada
        .post_bytes("/people/import", "text/csv", PEOPLE.into())
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    ada
}

/// A Manager Lab cohort facilitated by Nia with the twelve enrolled; its sessions in order.
pub(crate) async fn cohort(app: &TestApp, ada: &Api, name: &str) -> (i64, Vec<i64>) {
    let _ = app;
    cohort_of(ada, name, &TWELVE).await
}

/// A Manager Lab cohort facilitated by Nia with `emails` enrolled; its sessions in order.
pub(crate) async fn cohort_of(ada: &Api, name: &str, emails: &[&str]) -> (i64, Vec<i64>) {
    let (st, made) = ada.post("/programs", lab(name)).await;
    assert_eq!(st, StatusCode::CREATED, "{made}");
    let program = made["id"].as_i64().expect("program");
    let (st, made) = ada
        .post(
            &format!("/programs/{program}/cohorts"),
            json!({"name": "Spring", "facilitator": "nia@x.com", "time_zone": "Europe/London"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{made}");
    let cohort = made["id"].as_i64().expect("cohort");
    let (st, body) = ada
        .post(
            &format!("/cohorts/{cohort}/enrolments"),
            json!({ "emails": emails }),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (_, list) = ada.get(&format!("/cohorts/{cohort}/sessions")).await;
    let sessions = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["id"].as_i64().expect("id"))
        .collect();
    (cohort, sessions)
}

async fn setup(app: &TestApp) -> Setup {
    let ada = company(app).await;
    let (cohort, sessions) = cohort(app, &ada, "Manager Lab").await;
    Setup {
        nia: app.api_as("nia@x.com").await,
        ada,
        cohort,
        sessions,
    }
}

/// Each member's group, by e-mail.
fn groups_of(preview: &Value) -> HashMap<String, i64> {
    let mut out = HashMap::new();
    for g in preview["groups"].as_array().expect("groups") {
        for m in g["members"].as_array().expect("members") {
            out.insert(
                m["email"].as_str().expect("email").to_string(),
                g["number"].as_i64().expect("number"),
            );
        }
    }
    out
}

fn roles_of(preview: &Value) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for g in preview["groups"].as_array().expect("groups") {
        for m in g["members"].as_array().expect("members") {
            out.insert(
                m["email"].as_str().expect("email").to_string(),
                m["role"].as_str().expect("role").to_string(),
            );
        }
    }
    out
}

fn members_by_group(preview: &Value) -> Vec<HashSet<String>> {
    preview["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            g["members"]
                .as_array()
                .expect("members")
                .iter()
                .map(|m| m["email"].as_str().expect("email").to_string())
                .collect()
        })
        .collect()
}

async fn a_facilitator_previews_adjusts_and_confirms_a_sessions_groups(b: Backend) {
    let app = crate::common::spawn(b).await;
    let s = setup(&app).await;
    let session = s.sessions[0];
    let path = format!("/sessions/{session}/groups");

    // A participant may read the session but not form its groups; an outsider does not see it.
    let sol = app.api_as("sol@x.com").await;
    check(
        sol.post(&format!("{path}/preview"), json!({"size": "4"}))
            .await
            .as_ref_pair(),
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let nobody = app.user("zed@x.com", "Zed Zen", Role::Member).await;
    let _ = nobody;
    let zed = app.api_as("zed@x.com").await;
    check(
        zed.post(&format!("{path}/preview"), json!({"size": "4"}))
            .await
            .as_ref_pair(),
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // Impossible sizes and too many roles say why, with the numbers.
    let (st, body) = s
        .nia
        .post(&format!("{path}/preview"), json!({"size": "5"}))
        .await;
    check(
        (st, &body),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("12 people cannot be split into groups of 5 to 5"),
        "{body}"
    );
    let (st, body) = s
        .nia
        .post(
            &format!("{path}/preview"),
            json!({"size": "2-3", "roles": ["customer", "lead", "observer", "scribe"]}),
        )
        .await;
    check(
        (st, &body),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert!(
        body["message"]
            .as_str()
            .expect("m")
            .contains("4 roles need groups of at least 4"),
        "{body}"
    );

    // The preview: three groups of four, nobody with their manager, reasons for everyone,
    // next to a random grouping. Nothing is written.
    let (st, preview) = s
        .nia
        .post(
            &format!("{path}/preview"),
            json!({"size": "4", "challenge": "Fix onboarding."}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{preview}");
    let groups = groups_of(&preview);
    assert_eq!(groups.len(), 12);
    assert_ne!(
        groups["mo@x.com"], groups["rae@x.com"],
        "a manager with their report"
    );
    for g in preview["groups"].as_array().expect("groups") {
        assert_eq!(g["members"].as_array().expect("m").len(), 4);
        assert!(
            g["summary"].as_str().expect("s").contains("4 departments"),
            "{g}"
        );
        for m in g["members"].as_array().expect("m") {
            assert!(!m["reasons"].as_str().expect("r").is_empty(), "{m}");
        }
    }
    let report = &preview["report"];
    assert!(
        report["score"].as_f64().expect("score") > report["random_score"].as_f64().expect("random")
    );
    check(
        s.nia.get(&path).await.as_ref_pair(),
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // A swap between groups rescores and says what it cost.
    let assignment = preview["assignment"].clone();
    let (a, b) = ("ana@x.com", "dev@x.com");
    let (ida, idb) = (person(&app, a).await, person(&app, b).await);
    let (st, swapped) = s
        .nia
        .post(
            &format!("{path}/preview"),
            json!({"size": "4", "assignment": assignment, "edit": {"swap": [ida, idb]}}),
        )
        .await;
    if groups[a] == groups[b] {
        check(
            (st, &swapped),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        );
    } else {
        assert_eq!(st, StatusCode::OK, "{swapped}");
        let after = groups_of(&swapped);
        assert_eq!((after[a], after[b]), (groups[b], groups[a]));
        assert!(
            swapped["change"]
                .as_str()
                .expect("change")
                .starts_with("Diversity score"),
            "{swapped}"
        );
    }

    // A move that puts Mo with his report is refused with the reason; so is one that breaks
    // the size.
    let rae_group = groups["rae@x.com"];
    let (st, body) = s
        .nia
        .post(
            &format!("{path}/preview"),
            json!({"size": "4", "assignment": assignment,
                   "edit": {"move": {"person": person(&app, "mo@x.com").await, "to": rae_group}}}),
        )
        .await;
    check(
        (st, &body),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert!(
        body["message"]
            .as_str()
            .expect("m")
            .contains("Mo Moss and Rae Ray cannot be in one group: one manages the other"),
        "{body}"
    );
    let other = if groups["ana@x.com"] == 1 { 2 } else { 1 };
    let (st, body) = s
        .nia
        .post(
            &format!("{path}/preview"),
            json!({"size": "4", "assignment": assignment,
                   "edit": {"move": {"person": ida, "to": other}}}),
        )
        .await;
    check(
        (st, &body),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert!(
        body["message"]
            .as_str()
            .expect("m")
            .contains(" members; groups here have 4"),
        "{body}"
    );

    // Someone joins after the preview: confirming it is stale (409) and writes nothing.
    let (st, _) = s
        .ada
        .post(
            &format!("/cohorts/{}/enrolments", s.cohort),
            json!({"emails": ["zed@x.com"]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let confirm_body =
        json!({"size": "4", "challenge": "Fix onboarding.", "assignment": assignment});
    check(
        s.nia.post(&path, confirm_body.clone()).await.as_ref_pair(),
        StatusCode::CONFLICT,
        "conflict",
    );
    check(
        s.nia.get(&path).await.as_ref_pair(),
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let zed_id = person(&app, "zed@x.com").await;
    let (st, _) = s
        .ada
        .delete(&format!("/cohorts/{}/enrolments/{zed_id}", s.cohort))
        .await;
    assert!(st.is_success(), "{st}");

    // Confirmed: exactly the previewed groups, each with its private space (its members and
    // the facilitator), and the debrief thread in the cohort's channel.
    let (st, stored) = s.nia.post(&path, confirm_body.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{stored}");
    let stored_groups: Vec<HashSet<String>> = stored["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            g["members"]
                .as_array()
                .expect("m")
                .iter()
                .map(|m| m["email"].as_str().expect("e").to_string())
                .collect()
        })
        .collect();
    assert_eq!(stored_groups, members_by_group(&preview));
    let nia_id = person(&app, "nia@x.com").await;
    let mut spaces = Vec::new();
    for g in stored["groups"].as_array().expect("groups") {
        let space = g["space_id"].as_i64().expect("a space");
        let (st, members) = s.nia.get(&format!("/spaces/{space}/members")).await;
        assert_eq!(st, StatusCode::OK, "{members}");
        let mut ids: Vec<i64> = members["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| m["person_id"].as_i64().expect("id"))
            .collect();
        ids.sort();
        let mut want: Vec<i64> = g["members"]
            .as_array()
            .expect("m")
            .iter()
            .map(|m| m["person_id"].as_i64().expect("id"))
            .chain([nia_id])
            .collect();
        want.sort();
        assert_eq!(
            ids, want,
            "the group's space holds its members and the facilitator"
        );
        let emails: Vec<String> = g["members"]
            .as_array()
            .expect("m")
            .iter()
            .map(|m| m["email"].as_str().expect("e").to_string())
            .collect();
        spaces.push((space, emails));
    }
    check(
        s.nia.post(&path, confirm_body).await.as_ref_pair(),
        StatusCode::CONFLICT,
        "conflict",
    );

    // Sol reads their own group's space, not another's, and posts the debrief.
    let (mine, others): (Vec<_>, Vec<_>) = spaces
        .iter()
        .partition(|(_, emails)| emails.contains(&"sol@x.com".to_string()));
    let (st, _) = sol.get(&format!("/spaces/{}", mine[0].0)).await;
    assert_eq!(st, StatusCode::OK);
    check(
        sol.get(&format!("/spaces/{}", others[0].0))
            .await
            .as_ref_pair(),
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let debrief = stored["debrief_thread_id"]
        .as_i64()
        .expect("a debrief thread");
    let (_, about) = sol.get(&format!("/sessions/{session}")).await;
    let channel = about["space_id"].as_i64().expect("the channel");
    let (st, _) = sol
        .post(
            &format!("/spaces/{channel}/rules/acceptance"),
            json!({"version": 1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, body) = sol
        .post(
            &format!("/threads/{debrief}/replies"),
            json!({"body": "We mapped the first week."}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");

    // Every member was recorded as grouped, with their group's space as the activity.
    let lrs = crate::lrs::credential(&app, "analytics", "all/read").await;
    let (_, page) = lrs
        .get("?verb=https%3A%2F%2Fpeerlab.dev%2Fxapi%2Fverbs%2Fwas-grouped&limit=50")
        .await;
    let statements = page["statements"].as_array().expect("statements");
    assert_eq!(statements.len(), 12, "{page}");

    // The history is theirs to see.
    let (_, history) = sol.get("/me/groupings").await;
    let items = history["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{history}");
    assert_eq!(
        items[0]["others"]
            .as_str()
            .expect("others")
            .split(", ")
            .count(),
        3
    );
}

async fn history_across_programs_is_honoured_and_roles_rotate(b: Backend) {
    let app = crate::common::spawn(b).await;
    let s = setup(&app).await;
    let roles = json!(["storyteller", "listener", "observer", "timekeeper"]);
    let mut rounds = Vec::new();
    for &session in &s.sessions[..3] {
        let path = format!("/sessions/{session}/groups");
        let (st, preview) = s
            .nia
            .post(
                &format!("{path}/preview"),
                json!({"size": "4", "roles": roles}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{preview}");
        let (st, stored) = s
            .nia
            .post(
                &path,
                json!({"size": "4", "roles": roles, "assignment": preview["assignment"]}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{stored}");
        rounds.push(preview);
    }
    // After one grouping of 12 into 3 groups of 4, any next one repeats at least one pair
    // per group (4 people from 3 earlier groups): the history is read, and the engine finds
    // that minimum.
    assert_eq!(rounds[0]["report"]["repeat_pairs"], 0);
    assert_eq!(
        rounds[1]["report"]["repeat_pairs"], 3,
        "{}",
        rounds[1]["report"]
    );
    // Nobody plays the same role twice in a row.
    for pair in rounds.windows(2) {
        let (before, after) = (roles_of(&pair[0]), roles_of(&pair[1]));
        for (who, role) in &after {
            assert_ne!(&before[who], role, "{who} played {role} twice in a row");
        }
    }

    // Another program with the same people sees the first program's meetings.
    let (_, sessions) = cohort(&app, &s.ada, "Manager Lab · autumn").await;
    let (st, preview) = s
        .nia
        .post(
            &format!("/sessions/{}/groups/preview", sessions[0]),
            json!({"size": "4"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{preview}");
    let repeats = preview["report"]["repeat_pairs"].as_i64().expect("repeats");
    assert!(
        repeats >= 3,
        "history from the other program is counted: {}",
        preview["report"]
    );
    let random = preview["report"]["random_repeat_pairs"]
        .as_f64()
        .expect("random");
    assert!((repeats as f64) < random, "{}", preview["report"]);
}

async fn block_lists_are_private_and_always_honoured(b: Backend) {
    let app = crate::common::spawn(b).await;
    let s = setup(&app).await;
    let ana = app.api_as("ana@x.com").await;
    // Bad input is refused and writes nothing.
    for (email, needle) in [
        ("not-an-email", "email:"),
        ("nobody@x.com", "nobody in the directory"),
        ("ana@x.com", "your own address"),
    ] {
        let (st, body) = ana.post("/me/blocks", json!({"email": email})).await;
        check(
            (st, &body),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        );
        assert!(
            body["message"].as_str().expect("m").contains(needle),
            "{body}"
        );
    }
    let (_, list) = ana.get("/me/blocks").await;
    assert_eq!(list["items"].as_array().expect("items").len(), 0);

    // Ana blocks Dev (London, Engineering): the pair a diverse grouping would like.
    let (st, list) = ana.post("/me/blocks", json!({"email": "dev@x.com"})).await;
    assert_eq!(st, StatusCode::CREATED, "{list}");
    // Only Ana sees her list.
    let (_, devs) = app.api_as("dev@x.com").await.get("/me/blocks").await;
    assert_eq!(devs["items"].as_array().expect("items").len(), 0);

    let path = format!("/sessions/{}/groups/preview", s.sessions[0]);
    for _ in 0..3 {
        let (st, preview) = s.nia.post(&path, json!({"size": "4"})).await;
        assert_eq!(st, StatusCode::OK, "{preview}");
        let groups = groups_of(&preview);
        assert_ne!(groups["ana@x.com"], groups["dev@x.com"]);
        // A move that puts them together is refused without saying who blocked whom.
        let dev = person(&app, "dev@x.com").await;
        let ana_group = groups["ana@x.com"];
        let someone = groups
            .iter()
            .find(|(e, g)| {
                **g == ana_group && !["ana@x.com", "mo@x.com", "rae@x.com"].contains(&e.as_str())
            })
            .map(|(e, _)| e.clone())
            .expect("someone");
        let (st, body) = s
            .nia
            .post(
                &path,
                json!({"size": "4", "assignment": preview["assignment"],
                       "edit": {"swap": [dev, person(&app, &someone).await]}}),
            )
            .await;
        check(
            (st, &body),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        );
        let message = body["message"].as_str().expect("m");
        assert!(
            message.contains("one of them asked not to be grouped with the other"),
            "{body}"
        );
        assert!(
            !message.contains("Ana Alm asked") && !message.contains("blocks"),
            "{body}"
        );
    }
    let (st, _) = ana
        .delete(&format!("/me/blocks/{}", person(&app, "dev@x.com").await))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    check(
        ana.delete(&format!("/me/blocks/{}", person(&app, "dev@x.com").await))
            .await
            .as_ref_pair(),
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

trait Pair {
    fn as_ref_pair(&self) -> (StatusCode, &Value);
}

impl Pair for (StatusCode, Value) {
    fn as_ref_pair(&self) -> (StatusCode, &Value) {
        (self.0, &self.1)
    }
}
