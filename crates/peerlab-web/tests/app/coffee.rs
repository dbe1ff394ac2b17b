//! Coffee rounds in the product: a cohort channel's facilitator starts them, members opt in,
//! skip and leave, each round pairs everyone who takes part with someone new (never a
//! manager with their report), each person sees their own pair and answers "did you meet?",
//! the rounds run by themselves through the job runner — once, with two nodes on PostgreSQL
//! — and every refusal writes nothing.

use crate::common::{check, Api, Backend, TestApp};
use crate::programs::person;
use crate::sessions::eventually;
use crate::small_groups::{company, TWELVE};
use peerlab_core::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashSet;

crate::backend_tests! {
    rounds_pair_everyone_with_someone_new_and_count_who_met,
    bad_coffee_requests_are_refused_and_write_nothing,
}

const DAY: i64 = 86_400_000;

/// The twelve in Nia's cohort; its channel's id.
async fn channel(app: &TestApp) -> (Api, i64) {
    app.user("nia@x.com", "Nia Noor", Role::Member).await;
    let ada = company(app).await;
    let (cohort, _) = crate::small_groups::cohort_of(&ada, "Manager Lab", &TWELVE).await;
    let (st, c) = ada.get(&format!("/cohorts/{cohort}")).await;
    assert_eq!(st, StatusCode::OK, "{c}");
    (ada, c["cohort"]["space_id"].as_i64().expect("channel"))
}

/// Each pair of the latest round, as sets of person ids.
fn pairs_of(view: &Value) -> Vec<HashSet<i64>> {
    view["latest"]["pairs"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    p["members"]
                        .as_array()
                        .expect("members")
                        .iter()
                        .map(|m| m["person_id"].as_i64().expect("id"))
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default()
}

fn met_pairs(pairs: &[HashSet<i64>]) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    for p in pairs {
        let v: Vec<i64> = p.iter().copied().collect();
        for (x, a) in v.iter().enumerate() {
            for b in &v[x + 1..] {
                out.push((*a.min(b), *a.max(b)));
            }
        }
    }
    out
}

async fn rounds_pair_everyone_with_someone_new_and_count_who_met(b: Backend) {
    let app = crate::common::spawn(b).await;
    let (_, space) = channel(&app).await;
    let nia = app.api_as("nia@x.com").await;
    let path = format!("/spaces/{space}/coffee");
    let six = [
        "ana@x.com",
        "ben@x.com",
        "cal@x.com",
        "dev@x.com",
        "eve@x.com",
        "fay@x.com",
    ];

    // Nia starts weekly rounds; the first is a day away, so people can opt in.
    let (st, circle) = nia
        .post(&format!("{path}/start"), json!({"cadence": "weekly"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{circle}");
    assert_eq!(circle["next_round_at"], app.now() + DAY);
    let mut members = Vec::new();
    for email in six {
        let api = app.api_as(email).await;
        let (st, body) = api
            .post(&format!("{path}/me"), json!({"choice": "join"}))
            .await;
        assert_eq!(st, StatusCode::OK, "{body}");
        members.push(api);
    }
    let (st, body) = members[0]
        .post(&format!("{path}/me"), json!({"choice": "join"}))
        .await;
    check((st, &body), StatusCode::CONFLICT, "conflict");

    // Round 1 forms by itself at its time, through the job runner.
    app.clock.advance_ms(DAY + 1_000);
    eventually("round 1", || async {
        let (_, v) = nia.get(&path).await;
        v["rounds"].as_array().is_some_and(|r| r.len() == 1)
    })
    .await;
    let (_, view) = nia.get(&path).await;
    assert_eq!(view["circle"]["next_round"], 2, "{view}");
    let mut all = met_pairs(&pairs_of(&view));
    assert_eq!(pairs_of(&view).len(), 3, "{view}");

    // Ana sees only her own pair, its reasons and the starter, and is told who she meets.
    let (_, mine) = members[0].get(&path).await;
    let own = pairs_of(&mine);
    let ana = person(&app, "ana@x.com").await;
    assert_eq!(own.len(), 1, "{mine}");
    assert!(own[0].contains(&ana));
    assert!(!mine["latest"]["starter"]
        .as_str()
        .expect("starter")
        .is_empty());
    assert!(mine["latest"]["pairs"][0]["summary"]
        .as_str()
        .expect("reasons")
        .starts_with("First time paired in these rounds"));
    assert_eq!(mine["members"], 6, "members see how many, not who: {mine}");
    let (_, notes) = members[0].get("/notifications").await;
    let partner = mine["latest"]["pairs"][0]["members"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["person_id"] != ana)
        .map(|m| m["name"].clone())
        .expect("partner");
    assert!(
        notes["notifications"]
            .as_array()
            .expect("notifications")
            .iter()
            .any(|n| n["kind"] == "coffee" && n["actor_name"] == partner),
        "{notes}"
    );

    // Four more rounds, run by hand: six people meet all fifteen pairs once.
    for round in 2..=5 {
        let (st, v) = nia.post(&format!("{path}/run"), json!({})).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        assert_eq!(v["latest"]["round_no"], round);
        all.extend(met_pairs(&pairs_of(&v)));
    }
    let distinct: HashSet<(i64, i64)> = all.iter().copied().collect();
    assert_eq!(all.len(), 15, "three pairs a round: {all:?}");
    assert_eq!(distinct.len(), all.len(), "nobody met twice: {all:?}");

    // Ben skips the next round: five take part, in two pairs of which one is a trio.
    let ben = person(&app, "ben@x.com").await;
    let (st, body) = members[1]
        .post(&format!("{path}/me"), json!({"choice": "skip"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (_, v) = nia.post(&format!("{path}/run"), json!({})).await;
    let pairs = pairs_of(&v);
    assert_eq!(pairs.iter().map(HashSet::len).sum::<usize>(), 5, "{v}");
    assert!(pairs.iter().all(|p| !p.contains(&ben)));
    assert_eq!(pairs.iter().filter(|p| p.len() == 3).count(), 1);

    // "Did you meet?": Ana answers, may change her mind, and it is counted once.
    let grouping = v["latest"]["grouping_id"].as_i64().expect("round");
    for answer in ["not_yet", "yes"] {
        let (st, body) = members[0]
            .post(&format!("/coffee/{grouping}/met"), json!({"met": answer}))
            .await;
        assert_eq!(st, StatusCode::NO_CONTENT, "{body}");
    }
    let (_, view) = nia.get(&path).await;
    let latest = &view["rounds"][0];
    assert_eq!(
        (latest["yes"].as_i64(), latest["not_yet"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(latest["unanswered"], 4, "{latest}");

    // The ask jobs, two days before each round ends, ask those who have not answered: Ana
    // about rounds 1 to 5 (one partner each), not about round 6, which she answered.
    app.clock.advance_ms(5 * DAY + 1_000);
    let asked = |api: &Api| {
        let api = api.clone();
        async move {
            let (_, notes) = api.get("/notifications").await;
            notes["notifications"]
                .as_array()
                .expect("notifications")
                .iter()
                .filter(|n| n["kind"] == "coffee_met")
                .count()
        }
    };
    eventually("the did-you-meet questions", || async {
        asked(&members[0]).await >= 5 && asked(&members[2]).await >= 6
    })
    .await;
    assert_eq!(asked(&members[0]).await, 5);

    // Every pairing and the answer are statements; the rounds are each person's history.
    let lrs = crate::lrs::credential(&app, "analytics", "all/read").await;
    let (_, page) = lrs
        .get("?verb=https%3A%2F%2Fpeerlab.dev%2Fxapi%2Fverbs%2Fwas-paired&limit=100")
        .await;
    assert_eq!(
        page["statements"].as_array().expect("statements").len(),
        6 * 5 + 5
    );
    let (_, page) = lrs
        .get("?verb=http%3A%2F%2Fadlnet.gov%2Fexpapi%2Fverbs%2Fresponded&limit=10")
        .await;
    assert_eq!(page["statements"].as_array().expect("statements").len(), 2);
    let (_, history) = members[0].get("/me/groupings").await;
    let coffee = history["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|h| h["kind"] == "coffee")
        .count();
    assert_eq!(coffee, 6, "{history}");

    // Leaving takes Ana out of the next round; stopping ends the rounds.
    let (st, _) = members[0]
        .post(&format!("{path}/me"), json!({"choice": "leave"}))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = nia.post(&format!("{path}/stop"), json!({})).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, body) = nia.post(&format!("{path}/run"), json!({})).await;
    check((st, &body), StatusCode::CONFLICT, "conflict");
}

async fn bad_coffee_requests_are_refused_and_write_nothing(b: Backend) {
    let app = crate::common::spawn(b).await;
    let (ada, space) = channel(&app).await;
    let nia = app.api_as("nia@x.com").await;
    let ana = app.api_as("ana@x.com").await;
    let path = format!("/spaces/{space}/coffee");
    app.user("out@x.com", "Out Sider", Role::Member).await;
    let out = app.api_as("out@x.com").await;

    // A member may not start them; an outsider (and an admin outside this private channel)
    // does not see them; nothing runs before they start.
    let (st, body) = ana.post(&format!("{path}/start"), json!({})).await;
    check((st, &body), StatusCode::FORBIDDEN, "forbidden");
    let (st, body) = out.get(&path).await;
    check((st, &body), StatusCode::NOT_FOUND, "not_found");
    let (st, body) = ana
        .post(&format!("{path}/me"), json!({"choice": "join"}))
        .await;
    check((st, &body), StatusCode::CONFLICT, "conflict");
    let _ = ada;

    // Malformed starts say which field and why.
    for (body, field) in [
        (json!({"cadence": "daily"}), "cadence"),
        (json!({"first": "next week"}), "first"),
        (json!({"first": "2020-01-01"}), "first"),
        (json!({"starter": "x".repeat(301)}), "starter"),
    ] {
        let (st, answer) = nia.post(&format!("{path}/start"), body).await;
        check(
            (st, &answer),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        );
        assert_eq!(answer["field"], field, "{answer}");
    }
    let (st, body) = nia
        .post(
            &format!("{path}/start"),
            json!({"cadence": "weekly", "extra": 1}),
        )
        .await;
    assert_eq!(st.as_u16() / 100, 4, "{body}");
    let (_, view) = nia.get(&path).await;
    assert!(view["circle"].is_null(), "nothing was started: {view}");

    // A round with fewer than two people is refused by hand, with the count.
    let (st, _) = nia
        .post(&format!("{path}/start"), json!({"cadence": "fortnightly"}))
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, body) = nia.post(&format!("{path}/start"), json!({})).await;
    check((st, &body), StatusCode::CONFLICT, "conflict");
    let (st, _) = ana
        .post(&format!("{path}/me"), json!({"choice": "join"}))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, body) = nia.post(&format!("{path}/run"), json!({})).await;
    check(
        (st, &body),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("1 is in round 1"),
        "{body}"
    );
    let (st, body) = ana.post(&format!("{path}/run"), json!({})).await;
    check((st, &body), StatusCode::FORBIDDEN, "forbidden");
    let (st, body) = ana
        .post(&format!("{path}/me"), json!({"choice": "dance"}))
        .await;
    check(
        (st, &body),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );

    // At its time, a round of one forms no pairs and the next one is scheduled.
    app.clock.advance_ms(DAY + 1_000);
    eventually("the empty round", || async {
        let (_, v) = nia.get(&path).await;
        v["circle"]["next_round"] == 2
    })
    .await;
    let (_, view) = nia.get(&path).await;
    assert!(view["rounds"][0]["grouping_id"].is_null(), "{view}");
    assert!(view["latest"].is_null());

    // With a second person a round forms; answers are checked and only its people answer.
    let ben = app.api_as("ben@x.com").await;
    let (st, _) = ben
        .post(&format!("{path}/me"), json!({"choice": "join"}))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, v) = nia.post(&format!("{path}/run"), json!({})).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let grouping = v["latest"]["grouping_id"].as_i64().expect("round");
    let met = format!("/coffee/{grouping}/met");
    let (st, body) = ana.post(&met, json!({"met": "maybe"})).await;
    check(
        (st, &body),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    let cal = app.api_as("cal@x.com").await;
    let (st, body) = cal.post(&met, json!({"met": "yes"})).await;
    check((st, &body), StatusCode::FORBIDDEN, "forbidden");
    let (st, body) = out.post(&met, json!({"met": "yes"})).await;
    check((st, &body), StatusCode::NOT_FOUND, "not_found");
    let (_, view) = nia.get(&path).await;
    assert_eq!(
        view["rounds"][0]["unanswered"], 2,
        "no answer was written: {view}"
    );
}

/// Two nodes on one PostgreSQL database: a due round forms once, and the next is scheduled
/// once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_round_forms_once_with_two_nodes_on_postgres() {
    let app = crate::common::spawn(Backend::Postgres).await;
    let (_, space) = channel(&app).await;
    let _second = app.second_node().await;
    let nia = app.api_as("nia@x.com").await;
    let path = format!("/spaces/{space}/coffee");
    let (st, _) = nia.post(&format!("{path}/start"), json!({})).await;
    assert_eq!(st, StatusCode::CREATED);
    for email in TWELVE {
        let api = app.api_as(email).await;
        let (st, _) = api
            .post(&format!("{path}/me"), json!({"choice": "join"}))
            .await;
        assert_eq!(st, StatusCode::OK);
    }
    app.clock.advance_ms(DAY + 1_000);
    eventually("round 1", || async {
        let (_, v) = nia.get(&path).await;
        v["circle"]["next_round"] == 2
    })
    .await;
    // Both runners polled meanwhile; give them another poll each.
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    let (_, view) = nia.get(&path).await;
    assert_eq!(
        view["rounds"].as_array().expect("rounds").len(),
        1,
        "{view}"
    );
    let pairs = pairs_of(&view);
    assert_eq!(pairs.len(), 6);
    let people: HashSet<i64> = pairs.iter().flatten().copied().collect();
    assert_eq!(people.len(), 12, "everyone once: {view}");
    // Never a manager with their report: Rae reports to Mo.
    let (mo, rae) = (
        person(&app, "mo@x.com").await,
        person(&app, "rae@x.com").await,
    );
    assert!(
        !pairs.iter().any(|p| p.contains(&mo) && p.contains(&rae)),
        "{view}"
    );
    // Each person was told once who they meet.
    for email in ["ana@x.com", "mo@x.com", "ivy@x.com"] {
        let api = app.api_as(email).await;
        let (_, notes) = api.get("/notifications").await;
        let told = notes["notifications"]
            .as_array()
            .expect("notifications")
            .iter()
            .filter(|n| n["kind"] == "coffee")
            .count();
        assert_eq!(told, 1, "{email}: {notes}");
    }
}
