//! Reading statements back: voiding, every query parameter, paging while statements arrive, statement references, formats and languages.

use super::*;

backend_tests! {
    voiding_hides_the_target_but_keeps_it_reachable,
    every_query_parameter_filters,
    more_pages_stay_correct_while_statements_are_added,
    filters_match_through_statement_references,
    formats_and_languages,
}

/// Data 2.3.2 (Voiding): a voided statement leaves list queries and `statementId`, stays
/// reachable by `voidedStatementId`; the voiding statement is listed; a voiding statement
/// is never voided itself.
async fn voiding_hides_the_target_but_keeps_it_reachable(b: Backend) {
    let app = crate::common::spawn(b).await;
    let lrs = credential(&app, "tool", "all").await;
    let (_, v) = lrs
        .post(statement("ana", COMPLETED, "http://example.com/a"))
        .await;
    let target = v[0].as_str().expect("id").to_string();
    let void = |id: &str| {
        json!({
            "actor": {"mbox": "mailto:admin@example.com"},
            "verb": {"id": VOIDED, "display": {"en-US": "voided"}},
            "object": {"objectType": "StatementRef", "id": id},
        })
    };
    let (st, v) = lrs.post(void(&target)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let voiding = v[0].as_str().expect("id").to_string();
    assert_eq!(
        lrs.get(&format!("?statementId={target}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (st, v) = lrs.get(&format!("?voidedStatementId={target}")).await;
    assert_eq!(
        (st, v["id"].as_str()),
        (StatusCode::OK, Some(target.as_str()))
    );
    assert_eq!(lrs.ids("").await, vec![voiding.clone()]);
    // Voiding the voiding statement does not void it.
    lrs.post(void(&voiding)).await;
    assert_eq!(
        lrs.get(&format!("?statementId={voiding}")).await.0,
        StatusCode::OK
    );
    // A target that arrives after its voiding statement is voided as it arrives.
    let later = "9c9b7c1c-0f6a-4b53-9a4e-2f1f2d2c2b2a";
    lrs.post(void(later)).await;
    lrs.put(later, statement("ben", COMPLETED, "http://example.com/b"))
        .await;
    assert_eq!(
        lrs.get(&format!("?statementId={later}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        lrs.get(&format!("?voidedStatementId={later}")).await.0,
        StatusCode::OK
    );
}

/// Comm 2.1.3 (GET Statements): agent, verb, activity, registration, related_agents,
/// related_activities, since, until, limit, ascending; the
/// X-Experience-API-Consistent-Through and Last-Modified headers; HEAD (Comm 3.1).
async fn every_query_parameter_filters(b: Backend) {
    let app = crate::common::spawn(b).await;
    let lrs = credential(&app, "tool", "all").await;
    let registration = "ec531277-b57b-4c15-8d91-d292c5b2b8f7";
    let mut with_context = statement("ana", COMPLETED, "http://example.com/a");
    with_context["context"] = json!({
        "registration": registration,
        "instructor": {"mbox": "mailto:teacher@example.com"},
        "contextActivities": {"parent": {"id": "http://example.com/programme"}},
    });
    let (_, v) = lrs.post(json!([with_context])).await;
    let a = v[0].as_str().expect("id").to_string();
    app.clock.advance_ms(1_000);
    let middle = app.now();
    let (_, v) = lrs
        .post(statement("ben", ATTEMPTED, "http://example.com/a"))
        .await;
    let b_id = v[0].as_str().expect("id").to_string();
    app.clock.advance_ms(1_000);
    let (_, v) = lrs
        .post(statement("ana", ATTEMPTED, "http://example.com/b"))
        .await;
    let c = v[0].as_str().expect("id").to_string();
    let iso = |ms: i64| crate::common::urlencode(&peerlab_web::xapi::iso(ms));

    assert_eq!(
        lrs.ids("").await,
        [c.clone(), b_id.clone(), a.clone()],
        "newest first"
    );
    assert_eq!(
        lrs.ids("?ascending=true").await,
        [a.clone(), b_id.clone(), c.clone()]
    );
    assert_eq!(
        lrs.ids(&format!("?agent={}", agent("ana"))).await,
        [c.clone(), a.clone()]
    );
    assert_eq!(
        lrs.ids(&format!("?agent={}", agent("teacher"))).await,
        Vec::<String>::new()
    );
    assert_eq!(
        lrs.ids(&format!("?agent={}&related_agents=true", agent("teacher")))
            .await,
        std::slice::from_ref(&a)
    );
    assert_eq!(
        lrs.ids(&format!("?verb={ATTEMPTED}")).await,
        [c.clone(), b_id.clone()]
    );
    assert_eq!(
        lrs.ids("?activity=http://example.com/a").await,
        [b_id.clone(), a.clone()]
    );
    assert_eq!(
        lrs.ids("?activity=http://example.com/programme").await,
        Vec::<String>::new()
    );
    assert_eq!(
        lrs.ids("?activity=http://example.com/programme&related_activities=true")
            .await,
        std::slice::from_ref(&a)
    );
    assert_eq!(
        lrs.ids(&format!("?registration={registration}")).await,
        std::slice::from_ref(&a)
    );
    assert_eq!(
        lrs.ids(&format!("?agent={}&verb={ATTEMPTED}", agent("ana")))
            .await,
        std::slice::from_ref(&c)
    );
    assert_eq!(
        lrs.ids(&format!("?since={}", iso(middle))).await,
        std::slice::from_ref(&c),
        "since is exclusive"
    );
    assert_eq!(
        lrs.ids(&format!("?until={}", iso(middle))).await,
        [b_id.clone(), a.clone()],
        "until is inclusive"
    );
    let (_, v) = lrs.get("?limit=2").await;
    assert_eq!(v["statements"].as_array().expect("s").len(), 2);
    assert!(v["more"]
        .as_str()
        .expect("more")
        .starts_with("/xapi/statements?more="));
    let (_, v) = lrs.get("?limit=0").await;
    assert_eq!(
        (
            v["statements"].as_array().expect("s").len(),
            v["more"].as_str()
        ),
        (3, Some(""))
    );

    let (st, headers, _) = Lrs::send(lrs.request(Method::GET, "/statements")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        headers["x-experience-api-consistent-through"],
        peerlab_web::xapi::iso(app.now())
    );
    assert!(headers.contains_key("last-modified"));
    let r = lrs
        .request(Method::HEAD, "/statements")
        .send()
        .await
        .expect("head");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r
        .headers()
        .contains_key("x-experience-api-consistent-through"));
    assert_eq!(r.text().await.expect("body"), "", "HEAD has no body");
}

/// Comm 2.1.3.s2 (`more`): paging neither repeats nor skips statements while others are
/// being stored.
async fn more_pages_stay_correct_while_statements_are_added(b: Backend) {
    let app = crate::common::spawn(b).await;
    let lrs = credential(&app, "tool", "all").await;
    let first: Vec<Value> = (0..25)
        .map(|i| statement(&format!("p{i}"), COMPLETED, "http://example.com/a"))
        .collect();
    let (_, ids) = lrs.post(json!(first)).await;
    let mut expected: Vec<String> = ids
        .as_array()
        .expect("ids")
        .iter()
        .map(|v| v.as_str().expect("id").to_string())
        .collect();
    expected.reverse();
    let (_, mut page) = lrs.get("?limit=10").await;
    let mut seen = Vec::new();
    let mut round = 0;
    loop {
        for s in page["statements"].as_array().expect("s") {
            seen.push(s["id"].as_str().expect("id").to_string());
        }
        // Others keep writing between pages.
        round += 1;
        lrs.post(json!([statement(
            &format!("late{round}"),
            COMPLETED,
            "http://example.com/a"
        )]))
        .await;
        let more = page["more"].as_str().expect("more").to_string();
        if more.is_empty() {
            break;
        }
        page = lrs
            .get(more.strip_prefix("/xapi/statements").expect("rel"))
            .await
            .1;
    }
    assert_eq!(
        seen, expected,
        "exactly the statements stored when the first page was read"
    );
}

/// Comm 2.1.3 (Filter Conditions for StatementRefs): a statement whose object is a
/// StatementRef matches a filter when its target does, even when the target is stored after it.
async fn filters_match_through_statement_references(b: Backend) {
    let app = crate::common::spawn(b).await;
    let lrs = credential(&app, "tool", "all").await;
    let target = "5d3b3b77-7a5a-4b4a-9c53-3f9a4a3c0d11";
    let referring = json!({
        "actor": {"mbox": "mailto:coach@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/commented"},
        "object": {"objectType": "StatementRef", "id": target},
    });
    let (_, v) = lrs.post(referring).await;
    let r = v[0].as_str().expect("id").to_string();
    lrs.put(
        target,
        statement("ana", COMPLETED, "http://example.com/course"),
    )
    .await;
    assert_eq!(
        lrs.ids(&format!("?agent={}", agent("ana"))).await,
        [target.to_string(), r.clone()]
    );
    assert_eq!(
        lrs.ids("?activity=http://example.com/course").await,
        [target.to_string(), r.clone()]
    );
    assert_eq!(
        lrs.ids(&format!("?verb={COMPLETED}")).await,
        [target.to_string(), r]
    );
}

/// Comm 2.1.3 (`format`): ids, exact, canonical with Accept-Language; the canonical
/// definition is the one merged from stored statements (Comm 2.5, activities).
async fn formats_and_languages(b: Backend) {
    let app = crate::common::spawn(b).await;
    let lrs = credential(&app, "tool", "all").await;
    let (_, v) = lrs
        .post(statement("ana", COMPLETED, "http://example.com/a"))
        .await;
    let id = v[0].as_str().expect("id").to_string();
    let (_, v) = lrs.get(&format!("?statementId={id}&format=ids")).await;
    assert_eq!(
        v["actor"],
        json!({"objectType": "Agent", "mbox": "mailto:ana@example.com"})
    );
    assert_eq!(v["verb"], json!({"id": COMPLETED}));
    assert!(v["object"].get("definition").is_none());
    let (_, _, v) = Lrs::send(
        lrs.request(
            Method::GET,
            &format!("/statements?statementId={id}&format=canonical"),
        )
        .header("Accept-Language", "fr-FR, en;q=0.5"),
    )
    .await;
    assert_eq!(
        v["object"]["definition"]["name"],
        json!({"fr-FR": "Un cours"})
    );
    let (st, _) = lrs.get(&format!("?statementId={id}&format=pretty")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}
