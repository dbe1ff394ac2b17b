//! Groups, pairs and coffee rounds through the API.

use crate::common::{check, Backend};
use peerlab_core::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

crate::backend_tests! {
    facilitators_form_groups_through_the_api,
    group_and_pair_requests_are_checked_before_any_search,
    partners_and_coffee_rounds_through_the_api,
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
    let app = crate::common::spawn(b).await;
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
    check((st, &body), StatusCode::FORBIDDEN, "forbidden");
    let (st, _) = app
        .api(None)
        .post("/pairs", json!({"people": cohort()}))
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
}

async fn group_and_pair_requests_are_checked_before_any_search(b: Backend) {
    let app = crate::common::spawn(b).await;
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
    let app = crate::common::spawn(b).await;
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
