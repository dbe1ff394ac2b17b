//! A cohort's accountability partners in the product: preview, confirm, each person sees
//! their own pair, one rematch request with a reason only the facilitator reads, earlier
//! partners (of any program) never paired again, and every refusal writing nothing.

use crate::common::{check, Api, Backend};
use crate::programs::person;
use crate::small_groups::{company, TWELVE};
use peerlab_core::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashSet;

crate::backend_tests! {
    a_facilitator_matches_partners_and_each_person_sees_their_own,
    odd_cohorts_get_a_trio_and_stale_or_tiny_cohorts_are_refused,
}

/// A Manager Lab cohort facilitated by Nia with `emails` enrolled.
async fn cohort_of(ada: &Api, name: &str, emails: &[&str]) -> i64 {
    crate::small_groups::cohort_of(ada, name, emails).await.0
}

/// Each pair's members, as sets of person ids.
fn pairs_of(v: &Value, key: &str) -> Vec<HashSet<i64>> {
    v[key]
        .as_array()
        .expect("pairs")
        .iter()
        .map(|p| {
            p["members"]
                .as_array()
                .expect("members")
                .iter()
                .map(|m| m["person_id"].as_i64().expect("id"))
                .collect()
        })
        .collect()
}

async fn a_facilitator_matches_partners_and_each_person_sees_their_own(b: Backend) {
    let app = crate::common::spawn(b).await;
    // Nia logs in with a password too; the import fills in everyone's facts.
    app.user("nia@x.com", "Nia Noor", Role::Member).await;
    let ada = company(&app).await;
    let cohort = cohort_of(&ada, "Manager Lab", &TWELVE).await;
    let nia = app.api_as("nia@x.com").await;
    let ana = app.api_as("ana@x.com").await;
    let path = format!("/cohorts/{cohort}/partners");
    let id = |email: &'static str| person(&app, email);
    let (mo, rae, ana_id, dev) = (
        id("mo@x.com").await,
        id("rae@x.com").await,
        id("ana@x.com").await,
        id("dev@x.com").await,
    );
    let (st, _) = ana.post("/me/blocks", json!({"email": "dev@x.com"})).await;
    assert_eq!(st, StatusCode::CREATED);

    // A participant may neither preview nor confirm; an outsider does not see the cohort.
    let (st, body) = ana.post(&format!("{path}/preview"), json!({})).await;
    check((st, &body), StatusCode::FORBIDDEN, "forbidden");
    app.user("out@x.com", "Out Sider", Role::Member).await;
    let out = app.api_as("out@x.com").await;
    let (st, body) = out.get(&path).await;
    check((st, &body), StatusCode::NOT_FOUND, "not_found");

    // The preview pairs everyone once, never a manager with a report or a blocked pair,
    // each pair with its reasons, and writes nothing.
    let (st, preview) = nia.post(&format!("{path}/preview"), json!({})).await;
    assert_eq!(st, StatusCode::OK, "{preview}");
    let pairs = pairs_of(&preview, "pairs");
    assert_eq!(pairs.len(), 6, "{preview}");
    let everyone: HashSet<i64> = pairs.iter().flatten().copied().collect();
    assert_eq!(everyone.len(), 12);
    assert!(pairs.iter().all(|p| p.len() == 2));
    assert!(!pairs.iter().any(|p| p.contains(&mo) && p.contains(&rae)));
    assert!(!pairs
        .iter()
        .any(|p| p.contains(&ana_id) && p.contains(&dev)));
    for p in preview["pairs"].as_array().expect("pairs") {
        assert!(!p["reasons"].as_array().expect("reasons").is_empty(), "{p}");
    }
    let (st, body) = nia.get(&path).await;
    check((st, &body), StatusCode::NOT_FOUND, "not_found");

    // A roster that is not the preview's, or none, is refused and writes nothing.
    let roster: Vec<i64> = preview["roster"]
        .as_array()
        .expect("roster")
        .iter()
        .map(|v| v.as_i64().expect("id"))
        .collect();
    let (st, body) = nia.post(&path, json!({"roster": roster[1..]})).await;
    check((st, &body), StatusCode::CONFLICT, "conflict");
    let (st, body) = nia.post(&path, json!({"roster": []})).await;
    check(
        (st, &body),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    let (st, body) = nia.post(&path, json!({"roster": "1,2"})).await;
    assert!(st.is_client_error(), "{st} {body}");
    let (st, _) = nia.get(&path).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // Confirmed as previewed (the matching is deterministic); once only.
    let (st, stored) = nia.post(&path, json!({"roster": roster})).await;
    assert_eq!(st, StatusCode::CREATED, "{stored}");
    assert_eq!(pairs_of(&stored, "groups"), pairs);
    let (st, body) = nia.post(&path, json!({"roster": roster})).await;
    check((st, &body), StatusCode::CONFLICT, "conflict");
    // `/api/v1/pairs` given the same people reads their partners from the database and
    // pairs nobody with their partner again.
    let people: Vec<Value> = TWELVE
        .iter()
        .map(|e| json!({"name": e, "email": e}))
        .collect();
    let (st, again) = ada.post("/pairs", json!({"people": people})).await;
    assert_eq!(st, StatusCode::OK, "{again}");
    let emails_of = |p: &Value| -> HashSet<String> {
        p["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| m["email"].as_str().expect("email").to_string())
            .collect()
    };
    let stored_emails: Vec<HashSet<String>> = stored["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(emails_of)
        .collect();
    let fresh: Vec<HashSet<String>> = again["pairs"]
        .as_array()
        .expect("pairs")
        .iter()
        .map(emails_of)
        .collect();
    assert_eq!(fresh.len(), 6, "{again}");
    for pair in &fresh {
        assert!(
            !stored_emails.iter().any(|s| pair.is_subset(s)),
            "{pair:?} were partners already"
        );
    }
    // Each of the twelve "was paired in" the cohort's partners, once.
    let lrs = crate::lrs::credential(&app, "analytics", "all/read").await;
    let (_, page) = lrs
        .get("?verb=https%3A%2F%2Fpeerlab.dev%2Fxapi%2Fverbs%2Fwas-paired&limit=50")
        .await;
    let statements = page["statements"].as_array().expect("statements");
    assert_eq!(statements.len(), 12, "{page}");
    assert!(statements[0]["object"]["id"]
        .as_str()
        .expect("activity")
        .ends_with(&format!("/cohorts/{cohort}/partners")));

    // Ana sees her own pair only.
    let (st, mine) = ana.get(&path).await;
    assert_eq!(st, StatusCode::OK, "{mine}");
    let mine = pairs_of(&mine, "groups");
    assert_eq!(mine.len(), 1);
    assert!(mine[0].contains(&ana_id));
    let partner = *mine[0].iter().find(|&&p| p != ana_id).expect("partner");

    // One rematch request, with a reason the facilitator sees and the partner does not.
    let rematch = format!("{path}/rematch");
    for (reason, needle) in [("  ", "say why"), (&"x".repeat(501)[..], "at most 500")] {
        let (st, body) = ana.post(&rematch, json!({"reason": reason})).await;
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
    let (st, body) = out.post(&rematch, json!({"reason": "why not"})).await;
    check((st, &body), StatusCode::NOT_FOUND, "not_found");
    let (st, _) = ana
        .post(&rematch, json!({"reason": "We share a project already"}))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, body) = ana.post(&rematch, json!({"reason": "again"})).await;
    check((st, &body), StatusCode::CONFLICT, "conflict");
    let reasons = |v: &Value| -> Vec<String> {
        v["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .flat_map(|g| g["members"].as_array().expect("members").clone())
            .filter_map(|m| m["rematch_reason"].as_str().map(str::to_string))
            .collect()
    };
    let (_, all) = nia.get(&path).await;
    assert_eq!(reasons(&all), ["We share a project already"]);
    let partner_email = all["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["members"].as_array().expect("members").clone())
        .find(|m| m["person_id"].as_i64() == Some(partner))
        .and_then(|m| m["email"].as_str().map(str::to_string))
        .expect("partner's e-mail");
    let (_, theirs) = app.api_as(&partner_email).await.get(&path).await;
    assert!(reasons(&theirs).is_empty(), "{theirs}");

    // The page shows the pairs; the facilitator sees the request with its reason.
    let page = app.login("nia@x.com").await;
    let html = page.get(&format!("/cohorts/{cohort}/partners")).await;
    assert!(html.body.contains("asked to be rematched"), "{}", html.body);
    assert!(html.body.contains("We share a project already"));

    // A second program's cohort of the same people never pairs earlier partners again.
    let again = cohort_of(&ada, "Manager Lab II", &TWELVE).await;
    let (st, next) = nia
        .post(&format!("/cohorts/{again}/partners/preview"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{next}");
    for p in pairs_of(&next, "pairs") {
        assert!(!pairs.contains(&p), "{p:?} were partners before");
    }
}

async fn odd_cohorts_get_a_trio_and_stale_or_tiny_cohorts_are_refused(b: Backend) {
    let app = crate::common::spawn(b).await;
    // Nia logs in with a password too; the import fills in everyone's facts.
    app.user("nia@x.com", "Nia Noor", Role::Member).await;
    let ada = company(&app).await;
    let nia = app.api_as("nia@x.com").await;

    // Eleven people: five partnerships, one of them a trio.
    let cohort = cohort_of(&ada, "Manager Lab", &TWELVE[..11]).await;
    let path = format!("/cohorts/{cohort}/partners");
    let (st, preview) = nia.post(&format!("{path}/preview"), json!({})).await;
    assert_eq!(st, StatusCode::OK, "{preview}");
    let pairs = pairs_of(&preview, "pairs");
    assert_eq!(pairs.len(), 5, "{preview}");
    let mut sizes: Vec<usize> = pairs.iter().map(HashSet::len).collect();
    sizes.sort();
    assert_eq!(sizes, [2, 2, 2, 2, 3]);

    // Someone joins after the preview: confirming it is refused and writes nothing.
    let (st, body) = ada
        .post(
            &format!("/cohorts/{cohort}/enrolments"),
            json!({ "emails": [TWELVE[11]] }),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (st, body) = nia.post(&path, json!({"roster": preview["roster"]})).await;
    check((st, &body), StatusCode::CONFLICT, "conflict");
    assert!(
        body["message"].as_str().expect("m").contains("changed"),
        "{body}"
    );
    let (st, _) = nia.get(&path).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // A cohort of one has nobody to pair with.
    let tiny = cohort_of(&ada, "Solo Lab", &TWELVE[..1]).await;
    let (st, body) = nia
        .post(&format!("/cohorts/{tiny}/partners/preview"), json!({}))
        .await;
    check(
        (st, &body),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert!(
        body["message"].as_str().expect("m").contains("at least 2"),
        "{body}"
    );
    // The page says so too, and stays where the facilitator was.
    let page = app.login("nia@x.com").await;
    let html = page.get(&format!("/cohorts/{tiny}/partners")).await;
    assert!(html.body.contains("Preview partners"), "{}", html.body);
    let html = page
        .post(&format!("/cohorts/{tiny}/partners/preview"), &[])
        .await;
    assert_eq!(html.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.body.contains("at least 2"), "{}", html.body);
}
