//! The built-in Learning Record Store at `/xapi/`, requirement by requirement; each test's
//! comment names the sections of the xAPI 1.0.3 Data ("Data") and Communication ("Comm")
//! documents it checks. Every test runs on SQLite and on PostgreSQL.

use crate::common::{Backend, TestApp};
use base64::Engine;
use peerlab_core::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::Connection;

backend_tests! {
    about_answers_without_credentials,
    the_version_header_is_required_and_answered,
    credentials_and_scopes_are_enforced,
    statements_are_stored_by_put_and_post_and_read_back,
    a_batch_with_one_bad_statement_stores_nothing,
    malformed_statements_are_400_naming_the_field_and_rule,
    oversized_bodies_and_unknown_parameters_are_refused,
    voiding_hides_the_target_but_keeps_it_reachable,
    every_query_parameter_filters,
    more_pages_stay_correct_while_statements_are_added,
    filters_match_through_statement_references,
    formats_and_languages,
    social_actions_become_statements,
    the_timeline_and_the_admin_pages,
    state_documents_are_stored_merged_listed_and_deleted,
    profiles_follow_the_concurrency_rules,
    the_agents_and_activities_resources,
    attachments_travel_in_multipart_and_come_back,
    signed_statements_are_verified,
    the_alternate_request_syntax_in_1_0_3_only,
    stored_never_goes_back,
    a_store_from_before_the_statement_index_is_upgraded,
    the_latest_definition_wins_with_two_writers,
}

const COMPLETED: &str = "http://adlnet.gov/expapi/verbs/completed";
const ATTEMPTED: &str = "http://adlnet.gov/expapi/verbs/attempted";
const VOIDED: &str = "http://adlnet.gov/expapi/verbs/voided";

/// An xAPI client with Basic credentials and a version header.
struct Lrs {
    base: String,
    http: reqwest::Client,
    key: String,
    secret: String,
    version: &'static str,
}

impl Lrs {
    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let auth = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.key, self.secret));
        self.http
            .request(method, format!("{}/xapi{path}", self.base))
            .header("Authorization", format!("Basic {auth}"))
            .header("X-Experience-API-Version", self.version)
    }

    async fn send(r: reqwest::RequestBuilder) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let r = r.send().await.expect("request");
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.expect("body");
        let v = serde_json::from_str(&text).unwrap_or(if text.is_empty() {
            Value::Null
        } else {
            Value::String(text)
        });
        (status, headers, v)
    }

    async fn post(&self, body: Value) -> (StatusCode, Value) {
        let (s, _, v) = Self::send(self.request(Method::POST, "/statements").json(&body)).await;
        (s, v)
    }

    async fn put(&self, id: &str, body: Value) -> (StatusCode, Value) {
        let (s, _, v) = Self::send(
            self.request(Method::PUT, &format!("/statements?statementId={id}"))
                .json(&body),
        )
        .await;
        (s, v)
    }

    async fn get(&self, query: &str) -> (StatusCode, Value) {
        let (s, _, v) = Self::send(self.request(Method::GET, &format!("/statements{query}"))).await;
        (s, v)
    }

    /// The ids of the statements a list query returns, following every `more` link.
    async fn ids(&self, query: &str) -> Vec<String> {
        let mut out = Vec::new();
        let (st, mut page) = self.get(query).await;
        assert_eq!(st, StatusCode::OK, "{query}: {page}");
        loop {
            for s in page["statements"].as_array().expect("statements") {
                out.push(s["id"].as_str().expect("id").to_string());
            }
            let more = page["more"].as_str().expect("more").to_string();
            if more.is_empty() {
                return out;
            }
            let path = more
                .strip_prefix("/xapi/statements")
                .expect("relative more");
            let (st, next) = self.get(path).await;
            assert_eq!(st, StatusCode::OK, "{next}");
            page = next;
        }
    }
}

async fn credential(app: &TestApp, name: &str, scopes: &str) -> Lrs {
    let (key, secret) = peerlab_web::xapi::new_credential();
    app.store
        .create_credential(
            name,
            &key,
            &peerlab_web::sha256_hex(&secret),
            scopes,
            None,
            app.now(),
        )
        .await
        .expect("credential");
    Lrs {
        base: app.base.clone(),
        http: reqwest::Client::new(),
        key,
        secret,
        version: "1.0.3",
    }
}

fn statement(who: &str, verb: &str, activity: &str) -> Value {
    json!({
        "actor": {"objectType": "Agent", "name": who, "mbox": format!("mailto:{who}@example.com")},
        "verb": {"id": verb, "display": {"en-US": verb.rsplit('/').next().unwrap_or(verb)}},
        "object": {"objectType": "Activity", "id": activity, "definition": {"name": {"en-US": "A course", "fr-FR": "Un cours"}}},
    })
}

fn agent(who: &str) -> String {
    crate::common::urlencode(&json!({"mbox": format!("mailto:{who}@example.com")}).to_string())
}

/// Comm 2.8 (About Resource): no credentials, the versions supported.
async fn about_answers_without_credentials(b: Backend) {
    let app = crate::common::spawn(b).await;
    let r = reqwest::get(format!("{}/xapi/about", app.base))
        .await
        .expect("about");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().contains_key("x-experience-api-version"));
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["version"], json!(["1.0.3", "2.0.0"]));
}

/// Comm 3.3 (Versioning): the header is required, 1.0.x and 2.0.0 are accepted, others are
/// 400, and every response names the version.
async fn the_version_header_is_required_and_answered(b: Backend) {
    let app = crate::common::spawn(b).await;
    let mut lrs = credential(&app, "tool", "all").await;
    for (version, status, answered) in [
        ("1.0.3", StatusCode::OK, "1.0.3"),
        ("1.0", StatusCode::OK, "1.0.3"),
        ("1.0.1", StatusCode::OK, "1.0.3"),
        ("2.0.0", StatusCode::OK, "2.0.0"),
        ("0.95", StatusCode::BAD_REQUEST, "1.0.3"),
        ("1.1.0", StatusCode::BAD_REQUEST, "1.0.3"),
        ("", StatusCode::BAD_REQUEST, "1.0.3"),
    ] {
        lrs.version = version;
        let (st, headers, body) = Lrs::send(lrs.request(Method::GET, "/statements")).await;
        assert_eq!(st, status, "{version:?}: {body}");
        assert_eq!(headers["x-experience-api-version"], answered, "{version:?}");
    }
    lrs.version = "1.1.0";
    let (_, _, body) = Lrs::send(lrs.request(Method::GET, "/statements")).await;
    assert_eq!(
        body["message"],
        "X-Experience-API-Version \"1.1.0\" is not supported; send 1.0.3 (or any 1.0.x) or 2.0.0"
    );
}

/// Comm 4 (Security): HTTP Basic credentials; 401 without valid ones, 403 without the scope;
/// `statements/read/mine` reads only the credential's own statements; the authority is set
/// from the credential (Data 2.4.9).
async fn credentials_and_scopes_are_enforced(b: Backend) {
    let app = crate::common::spawn(b).await;
    let writer = credential(&app, "writer", "statements/write").await;
    let reader = credential(&app, "reader", "statements/read").await;
    let mine = credential(&app, "mine", "statements/write statements/read/mine").await;
    let none = Lrs {
        secret: "wrong".into(),
        ..credential(&app, "other", "all").await
    };
    let (st, headers, _) = Lrs::send(
        reqwest::Client::new()
            .get(format!("{}/xapi/statements", app.base))
            .header("X-Experience-API-Version", "1.0.3"),
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert!(headers["www-authenticate"]
        .to_str()
        .expect("h")
        .starts_with("Basic"));
    assert_eq!(none.get("").await.0, StatusCode::UNAUTHORIZED);
    let (st, v) = reader
        .post(statement("ana", COMPLETED, "http://example.com/a"))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    assert!(v["message"]
        .as_str()
        .expect("m")
        .contains("statements/write"));
    assert_eq!(writer.get("").await.0, StatusCode::FORBIDDEN);
    let (st, ids) = writer
        .post(statement("ana", COMPLETED, "http://example.com/a"))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = mine
        .post(statement("ben", COMPLETED, "http://example.com/b"))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(reader.ids("").await.len(), 2);
    let own = mine.ids("").await;
    assert_eq!(own.len(), 1, "read/mine sees only its own statements");
    let (st, _) = mine
        .get(&format!("?statementId={}", ids[0].as_str().expect("id")))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, v) = reader.get(&format!("?statementId={}", own[0])).await;
    assert_eq!(v["authority"]["account"]["name"], mine.key);
    assert_eq!(v["authority"]["name"], "mine");
    // A revoked credential is refused.
    let (c, _) = app
        .store
        .credential_by_key(&writer.key)
        .await
        .expect("s")
        .expect("c");
    app.store
        .revoke_credential(c.id, app.now())
        .await
        .expect("revoke");
    assert_eq!(
        writer
            .post(statement("ana", COMPLETED, "http://example.com/a"))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
}

/// Comm 2.1.1 (PUT), 2.1.2 (POST), 2.1.3 (GET by id); Data 2.4.1 (id assigned), 2.4.7
/// (timestamp defaults to stored), 2.4.8 (stored), 2.4.10 (version), 2.3.1 (immutability:
/// the same id with other content is a conflict, the same content is accepted again).
async fn statements_are_stored_by_put_and_post_and_read_back(b: Backend) {
    let app = crate::common::spawn(b).await;
    let lrs = credential(&app, "tool", "all").await;
    let id = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0";
    let s = statement("ana", COMPLETED, "http://example.com/course");
    let (st, _, body) = Lrs::send(
        lrs.request(Method::PUT, &format!("/statements?statementId={id}"))
            .json(&s),
    )
    .await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        lrs.put(id, s.clone()).await.0,
        StatusCode::NO_CONTENT,
        "the same statement again is fine"
    );
    let mut other = s.clone();
    other["verb"]["id"] = json!(ATTEMPTED);
    let (st, v) = lrs.put(id, other).await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    let mut same = s.clone();
    same["verb"]["display"] = json!({"de-DE": "abgeschlossen"});
    same["actor"]["mbox"] = json!("mailto:ana@EXAMPLE.com");
    assert_eq!(
        lrs.put(id, same).await.0,
        StatusCode::NO_CONTENT,
        "display and e-mail case are not part of a statement"
    );
    let (st, v) = lrs.put("not-a-uuid", s.clone()).await;
    assert_eq!(
        (st, v["message"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("statementId: \"not-a-uuid\" is not a UUID")
        )
    );
    let mut mismatch = s.clone();
    mismatch["id"] = json!("aa41c918-b88b-4b20-a0a5-a4c32391aaa0");
    assert_eq!(lrs.put(id, mismatch).await.0, StatusCode::BAD_REQUEST);

    let (st, v) = lrs.get(&format!("?statementId={id}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["id"], id);
    assert_eq!(v["version"], "1.0.0");
    assert_eq!(v["timestamp"], v["stored"]);
    assert!(v["stored"].as_str().expect("stored").ends_with('Z'));

    // POST: one or many; missing ids are assigned; the answer lists them in order.
    let given = "0b1e7d6e-4c1e-4b1f-9a57-1f2d3c4b5a69";
    let mut first = statement("ben", ATTEMPTED, "http://example.com/course");
    first["id"] = json!(given);
    let (st, v) = lrs
        .post(json!([
            first,
            statement("cy", COMPLETED, "http://example.com/other")
        ]))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let ids = v.as_array().expect("ids");
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], given);
    assert!(peerlab_xapi::Uuid::parse(ids[1].as_str().expect("id")).is_some());
    let (st, v) = lrs
        .post(json!([
            statement("dee", COMPLETED, "http://example.com/x"),
            first
        ]))
        .await;
    assert_eq!(
        st,
        StatusCode::OK,
        "a batch may repeat a stored statement: {v}"
    );
    let mut twice = statement("eve", COMPLETED, "http://example.com/x");
    twice["id"] = json!("11111111-2222-4333-8444-555555555555");
    let (st, v) = lrs.post(json!([twice, twice])).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(lrs.ids("").await.len(), 4);
    let (st, _) = lrs
        .get("?statementId=3fa85f64-5717-4562-b3fc-2c963f66afa6")
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = lrs
        .get(&format!("?statementId={id}&verb={COMPLETED}"))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "statementId takes no filters");
}

/// Comm 2.1.2.s2.b3: a batch is stored all or nothing.
async fn a_batch_with_one_bad_statement_stores_nothing(b: Backend) {
    let app = crate::common::spawn(b).await;
    let lrs = credential(&app, "tool", "all").await;
    let mut bad = statement("ben", COMPLETED, "http://example.com/a");
    bad["actor"]["mbox"] = json!("ben@example.com");
    let (st, v) = lrs
        .post(json!([
            statement("ana", COMPLETED, "http://example.com/a"),
            bad
        ]))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(
        v["message"],
        "the statement is invalid: [1].actor.mbox: must be a mailto: IRI"
    );
    assert_eq!(lrs.ids("").await.len(), 0);
    // A conflict anywhere in a batch stores none of it either.
    let id = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0";
    lrs.put(id, statement("ana", COMPLETED, "http://example.com/a"))
        .await;
    let mut conflicting = statement("ana", ATTEMPTED, "http://example.com/a");
    conflicting["id"] = json!(id);
    let (st, _) = lrs
        .post(json!([
            statement("cy", COMPLETED, "http://example.com/c"),
            conflicting
        ]))
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(lrs.ids("").await.len(), 1);
}

/// Data 2.2 and 2.4: every malformed statement is 400 (never 422) with the path and rule.
async fn malformed_statements_are_400_naming_the_field_and_rule(b: Backend) {
    let app = crate::common::spawn(b).await;
    let lrs = credential(&app, "tool", "all").await;
    let good = statement("ana", COMPLETED, "http://example.com/a");
    let cases: Vec<(Value, &str)> = vec![
        (
            {
                let mut s = good.clone();
                s.as_object_mut().expect("o").remove("verb");
                s
            },
            "verb: is required",
        ),
        (
            {
                let mut s = good.clone();
                s["actor"]["mbox"] = json!("ana@example.com");
                s
            },
            "actor.mbox: must be a mailto: IRI",
        ),
        (
            {
                let mut s = good.clone();
                s["verb"]["id"] = json!("completed");
                s
            },
            "verb.id: must be an absolute IRI",
        ),
        (
            {
                let mut s = good.clone();
                s["id"] = json!("123");
                s
            },
            "id: must be a UUID",
        ),
        (
            {
                let mut s = good.clone();
                s["result"] = json!({"score": {"scaled": 2}});
                s
            },
            "result.score.scaled: must be between -1 and 1",
        ),
        (
            {
                let mut s = good.clone();
                s["colour"] = json!("red");
                s
            },
            "colour",
        ),
        (
            {
                let mut s = good.clone();
                s["actor"]["openid"] = json!("http://openid.example.com/ana");
                s
            },
            "actor",
        ),
    ];
    for (s, expected) in cases {
        let (st, v) = lrs.post(s.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{s}");
        let m = v["message"].as_str().expect("m");
        assert!(m.contains(expected), "{m} does not mention {expected}");
    }
    for (body, ct) in [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("{}", "text/plain"),
    ] {
        let (st, _, v) = Lrs::send(
            lrs.request(Method::POST, "/statements")
                .header("content-type", ct)
                .body(body),
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{body}: {v}");
    }
    let (st, _, v) = Lrs::send(
        lrs.request(Method::POST, "/statements")
            .header("content-type", "application/json")
            .body(r#"{"actor": {"mbox": "mailto:a@b.c"}, "actor": {"mbox": "mailto:d@e.f"}, "verb": {"id": "http://a.b/c"}, "object": {"id": "http://a.b/d"}}"#),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "duplicate properties: {v}");
    assert_eq!(lrs.ids("").await.len(), 0);
}

/// Comm 3.2 (Error Codes): 413 for a body over the limit, 400 for unknown parameters.
async fn oversized_bodies_and_unknown_parameters_are_refused(b: Backend) {
    let app = crate::common::spawn(b).await;
    let lrs = credential(&app, "tool", "all").await;
    let big: Vec<Value> = (0..1001)
        .map(|i| statement(&format!("p{i}"), COMPLETED, "http://example.com/a"))
        .collect();
    let (st, v) = lrs.post(json!(big)).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    let huge = "x".repeat(17 * 1024 * 1024);
    let (st, _, _) = Lrs::send(
        lrs.request(Method::POST, "/statements")
            .header("content-type", "application/json")
            .body(huge),
    )
    .await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    let (st, v) = lrs.get("?colour=red").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(v["message"]
        .as_str()
        .expect("m")
        .starts_with("unknown query parameter \"colour\""));
    let (st, _) = lrs.get("?limit=ten").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = lrs.get("?agent=%7B%22name%22%3A%22x%22%7D").await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "an agent without an IFI");
    let (st, _) = lrs.get("?since=yesterday").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = lrs.get("?more=forged").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // A real more link with its page size raised is refused too.
    lrs.post(json!([
        statement("ana", COMPLETED, "http://example.com/a"),
        statement("ben", COMPLETED, "http://example.com/a")
    ]))
    .await;
    let (_, page) = lrs.get("?limit=1").await;
    let token = page["more"]
        .as_str()
        .expect("more")
        .rsplit('=')
        .next()
        .expect("token")
        .to_string();
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut decoded: Value =
        serde_json::from_slice(&engine.decode(&token).expect("b64")).expect("json");
    decoded["limit"] = json!(100_000_000);
    let forged = engine.encode(decoded.to_string());
    let (st, _) = lrs.get(&format!("?more={forged}")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(lrs.ids("").await.len(), 2);
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

/// DESIGN X1: joining, accepting the rules, asking, answering, reacting, accepting an answer
/// and endorsing are recorded as valid statements; confidential spaces record nothing.
async fn social_actions_become_statements(b: Backend) {
    let app = crate::common::spawn(b).await;
    app.user("ana@example.com", "Ana", Role::Member).await;
    let ben = app.user("ben@example.com", "Ben", Role::Member).await;
    let skill = app.skill(ben, "Negotiation", 4).await;
    let ana = app.api_as("ana@example.com").await;
    let ben_api = app.api_as("ben@example.com").await;
    let mut spaces = Vec::new();
    for visibility in ["open", "confidential"] {
        let (_, v) = ben_api.post("/spaces", json!({"name": format!("{visibility} space"), "kind": "community", "visibility": visibility})).await;
        spaces.push(v["id"].as_i64().expect("id"));
    }
    ana.post(&format!("/spaces/{}/join", spaces[0]), json!({}))
        .await;
    ana.post(
        &format!("/spaces/{}/rules/acceptance", spaces[0]),
        json!({"version": 1}),
    )
    .await;
    let (_, v) = ana
        .post(
            &format!("/spaces/{}/threads", spaces[0]),
            json!({"kind": "question", "title": "How do I negotiate?", "body": "Help"}),
        )
        .await;
    let t = v["thread_id"].as_i64().expect("t");
    let (_, v) = ben_api
        .post(
            &format!("/threads/{t}/replies"),
            json!({"body": "Listen first."}),
        )
        .await;
    let p = v["post_id"].as_i64().expect("p");
    ana.post(
        &format!("/posts/{p}/reactions"),
        json!({"reaction": "thanks"}),
    )
    .await;
    ana.put(
        &format!("/threads/{t}/accepted-answer"),
        json!({"post_id": p}),
    )
    .await;
    let (st, _) = ana
        .post(
            &format!("/people/{ben}/skills/{skill}/endorsements"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    ben_api
        .post(
            &format!("/spaces/{}/threads", spaces[1]),
            json!({"kind": "story", "title": "Secret story", "body": "Shh"}),
        )
        .await;

    let lrs = credential(&app, "analytics", "all/read").await;
    let (_, page) = lrs
        .get(&format!("?agent={}&ascending=true", agent("ana")))
        .await;
    let verbs: Vec<&str> = page["statements"]
        .as_array()
        .expect("s")
        .iter()
        .map(|s| s["verb"]["id"].as_str().expect("v"))
        .collect();
    assert_eq!(
        verbs,
        [
            "http://activitystrea.ms/schema/1.0/join",
            "http://activitystrea.ms/schema/1.0/accept",
            "http://adlnet.gov/expapi/verbs/asked",
            "http://activitystrea.ms/schema/1.0/like",
            "http://activitystrea.ms/schema/1.0/accept",
            "https://peerlab.dev/xapi/verbs/endorsed",
        ]
    );
    let asked = &page["statements"][2];
    assert_eq!(asked["object"]["id"], format!("{}/threads/{t}", app.base));
    assert_eq!(
        asked["object"]["definition"]["name"]["en"],
        "How do I negotiate?"
    );
    assert_eq!(asked["authority"]["name"], "peerlab");
    assert_eq!(
        asked["context"]["contextActivities"]["parent"][0]["id"],
        format!("{}/spaces/{}", app.base, spaces[0])
    );
    let (_, answered) = lrs
        .get(&format!(
            "?agent={}&verb=http://adlnet.gov/expapi/verbs/answered",
            agent("ben")
        ))
        .await;
    assert_eq!(answered["statements"].as_array().expect("s").len(), 1);
    // Every statement peerlab wrote is valid under both versions, and nothing came from the
    // confidential space.
    let all = lrs.ids("?limit=0").await;
    assert_eq!(all.len(), 7);
    let (_, page) = lrs.get("?limit=0").await;
    for s in page["statements"].as_array().expect("s") {
        assert!(!s.to_string().contains("Secret story"), "{s}");
        let mut clean = s.clone();
        for k in ["stored", "authority"] {
            clean.as_object_mut().expect("o").remove(k);
        }
        for version in [peerlab_xapi::Version::V1_0_3, peerlab_xapi::Version::V2_0_0] {
            assert!(
                peerlab_xapi::validate_statement(&clean, version).is_ok(),
                "{s}"
            );
        }
    }
}

/// DESIGN X1 and X2: the learning timeline on a profile (the person and admins only), and
/// the admin page's credentials and statement browser.
async fn the_timeline_and_the_admin_pages(b: Backend) {
    let app = crate::common::spawn(b).await;
    app.user("ana@example.com", "Ana", Role::Member).await;
    let ben = app.user("ben@example.com", "Ben", Role::Member).await;
    app.user("admin@example.com", "Ada", Role::Admin).await;
    let lrs = credential(&app, "Course platform", "all").await;
    lrs.post(statement(
        "ben",
        COMPLETED,
        "http://courses.example.com/negotiation",
    ))
    .await;
    let me = app.login("ben@example.com").await;
    let page = me.get(&format!("/people/{ben}")).await;
    assert!(
        page.body.contains("Learning timeline") && page.body.contains("via Course platform"),
        "{}",
        page.body
    );
    assert!(page.body.contains("completed <strong>A course</strong>"));
    let other = app.login("ana@example.com").await;
    assert!(!other
        .get(&format!("/people/{ben}"))
        .await
        .body
        .contains("Learning timeline"));
    assert_eq!(other.get("/admin/lrs").await.status, StatusCode::FORBIDDEN);

    let admin = app.login("admin@example.com").await;
    assert!(admin
        .get(&format!("/people/{ben}"))
        .await
        .body
        .contains("via Course platform"));
    let r = admin
        .post(
            "/admin/lrs/credentials",
            &[
                ("name", "Survey tool"),
                ("scopes", "statements/write, state"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("Credential “Survey tool” created") && r.body.contains("id=\"secret\"")
    );
    let r = admin
        .post(
            "/admin/lrs/credentials",
            &[("name", "Bad"), ("scopes", "everything")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let creds = app.store.lrs_credentials().await.expect("creds");
    assert_eq!(creds.len(), 2, "the refused credential was not created");
    assert_eq!(creds[0].scopes, "statements/write state");
    let page = admin.get("/admin/lrs?actor=ben%40example.com").await;
    assert!(
        page.body
            .contains("<strong>ben</strong> completed <em>A course</em>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<pre class=\"json\">") && page.body.contains("mailto:ben@example.com")
    );
    let page = admin.get("/admin/lrs?actor=ana%40example.com").await;
    assert!(page.body.contains("No statements match."));
    let page = admin.get("/admin/lrs?verb=not%20an%20iri").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
}

fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::Digest;
    sha1::Sha1::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Comm 2.3 (State Resource), 2.2.s7 (JSON merge on POST), 3.1.s4.b1–b4 (ETag).
async fn state_documents_are_stored_merged_listed_and_deleted(b: Backend) {
    let app = crate::common::spawn(b).await;
    let lrs = credential(&app, "tool", "state").await;
    let base = format!(
        "/activities/state?activityId=http://example.com/a&agent={}",
        agent("ana")
    );
    let doc = |id: &str| format!("{base}&stateId={id}");
    let (st, _, v) = Lrs::send(
        lrs.request(Method::PUT, &doc("progress"))
            .header("content-type", "application/json")
            .body(r#"{"x": "foo", "y": "bar"}"#),
    )
    .await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{v}");
    let (st, _, v) = Lrs::send(
        lrs.request(Method::POST, &doc("progress"))
            .header("content-type", "application/json")
            .body(r#"{"x": "bash", "z": "faz"}"#),
    )
    .await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{v}");
    let r = lrs
        .request(Method::GET, &doc("progress"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/json");
    let tag = r.headers()["etag"].to_str().expect("etag").to_string();
    let text = r.text().await.expect("body");
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("json"),
        json!({"x": "bash", "y": "bar", "z": "faz"})
    );
    assert_eq!(tag, format!("\"{}\"", sha1_hex(text.as_bytes())));
    // Binary documents are kept byte for byte; merging into one is a 400 that changes nothing.
    let bytes: Vec<u8> = (0..=255).collect();
    let (st, _, _) = Lrs::send(
        lrs.request(Method::PUT, &doc("blob"))
            .header("content-type", "application/octet-stream")
            .body(bytes.clone()),
    )
    .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _, v) = Lrs::send(
        lrs.request(Method::POST, &doc("blob"))
            .header("content-type", "application/json")
            .body("{}"),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    let got = lrs
        .request(Method::GET, &doc("blob"))
        .send()
        .await
        .expect("get")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(got.to_vec(), bytes);
    // Listing, since, registration, delete.
    let (_, _, ids) = Lrs::send(lrs.request(Method::GET, &base)).await;
    assert_eq!(ids, json!(["blob", "progress"]));
    let (_, _, ids) = Lrs::send(lrs.request(
        Method::GET,
        &format!(
            "{base}&since={}",
            crate::common::urlencode(&peerlab_web::xapi::iso(app.now()))
        ),
    ))
    .await;
    assert_eq!(ids, json!([]), "since is exclusive");
    let reg = format!("{base}&registration=ec531277-b57b-4c15-8d91-d292c5b2b8f7");
    let (_, _, ids) = Lrs::send(lrs.request(Method::GET, &reg)).await;
    assert_eq!(ids, json!([]), "a registration has its own documents");
    assert_eq!(
        Lrs::send(lrs.request(Method::DELETE, &doc("blob"))).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        Lrs::send(lrs.request(Method::GET, &doc("blob"))).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        Lrs::send(lrs.request(Method::DELETE, &base)).await.0,
        StatusCode::NO_CONTENT
    );
    let (_, _, ids) = Lrs::send(lrs.request(Method::GET, &base)).await;
    assert_eq!(ids, json!([]));
    // Missing or bad parameters, and scopes.
    let (st, _, v) = Lrs::send(lrs.request(
        Method::GET,
        "/activities/state?activityId=http://example.com/a",
    ))
    .await;
    assert_eq!(
        (st, v["message"].as_str()),
        (StatusCode::BAD_REQUEST, Some("agent is required"))
    );
    let (st, _, _) = Lrs::send(lrs.request(Method::GET, &format!("{base}&profileId=x"))).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let writer = credential(&app, "statements only", "statements/write").await;
    assert_eq!(
        Lrs::send(writer.request(Method::GET, &base)).await.0,
        StatusCode::FORBIDDEN
    );
}

/// Comm 3.1 (Concurrency): If-Match and If-None-Match on profiles; a PUT without either to
/// an existing profile is 409; a failed precondition is 412 and changes nothing.
async fn profiles_follow_the_concurrency_rules(b: Backend) {
    let app = crate::common::spawn(b).await;
    let lrs = credential(&app, "tool", "profile").await;
    for path in [
        "/activities/profile?activityId=http://example.com/a&profileId=p".to_string(),
        format!("/agents/profile?agent={}&profileId=p", agent("ana")),
    ] {
        let put = |body: &'static str| {
            lrs.request(Method::PUT, &path)
                .header("content-type", "application/json")
                .body(body)
        };
        assert_eq!(
            Lrs::send(put(r#"{"a": 1}"#)).await.0,
            StatusCode::NO_CONTENT,
            "{path}: creating needs no header"
        );
        let (st, _, v) = Lrs::send(put(r#"{"a": 2}"#)).await;
        assert_eq!(st, StatusCode::CONFLICT, "{path}");
        assert!(v["message"].as_str().expect("m").contains("If-Match"));
        let (st, _, _) = Lrs::send(put(r#"{"a": 3}"#).header("If-Match", "\"0000\"")).await;
        assert_eq!(st, StatusCode::PRECONDITION_FAILED, "{path}");
        let (st, _, _) = Lrs::send(put(r#"{"a": 4}"#).header("If-None-Match", "*")).await;
        assert_eq!(st, StatusCode::PRECONDITION_FAILED, "{path}");
        let r = lrs.request(Method::GET, &path).send().await.expect("get");
        let tag = r.headers()["etag"].to_str().expect("etag").to_string();
        assert_eq!(
            r.text().await.expect("body"),
            r#"{"a": 1}"#,
            "{path}: nothing changed"
        );
        assert_eq!(
            Lrs::send(put(r#"{"a": 5}"#).header("If-Match", tag.as_str()))
                .await
                .0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            Lrs::send(
                lrs.request(Method::DELETE, &path)
                    .header("If-Match", tag.as_str())
            )
            .await
            .0,
            StatusCode::PRECONDITION_FAILED,
            "the old ETag"
        );
        assert_eq!(
            Lrs::send(lrs.request(Method::DELETE, &path)).await.0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            Lrs::send(lrs.request(Method::GET, &path)).await.0,
            StatusCode::NOT_FOUND
        );
    }
}

/// Comm 2.4 (Activities) and 2.5 (Agents).
async fn the_agents_and_activities_resources(b: Backend) {
    let app = crate::common::spawn(b).await;
    app.user("ana@example.com", "Ana Silva", Role::Member).await;
    let lrs = credential(&app, "tool", "all").await;
    lrs.post(statement("ana", COMPLETED, "http://example.com/a"))
        .await;
    let mut later = statement("ben", COMPLETED, "http://example.com/a");
    later["object"]["definition"] = json!({"name": {"de-DE": "Ein Kurs"}, "type": "http://adlnet.gov/expapi/activities/course"});
    lrs.post(later).await;
    let (st, _, v) =
        Lrs::send(lrs.request(Method::GET, "/activities?activityId=http://example.com/a")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        v["definition"]["name"],
        json!({"en-US": "A course", "fr-FR": "Un cours", "de-DE": "Ein Kurs"}),
        "{v}"
    );
    assert_eq!(
        v["definition"]["type"],
        "http://adlnet.gov/expapi/activities/course"
    );
    let (_, _, v) = Lrs::send(lrs.request(
        Method::GET,
        "/activities?activityId=http://example.com/unknown",
    ))
    .await;
    assert_eq!(
        v,
        json!({"objectType": "Activity", "id": "http://example.com/unknown"})
    );
    let (_, _, v) =
        Lrs::send(lrs.request(Method::GET, &format!("/agents?agent={}", agent("ana")))).await;
    assert_eq!(
        v,
        json!({"objectType": "Person", "mbox": ["mailto:ana@example.com"], "name": ["Ana Silva"]})
    );
    let (st, _, _) = Lrs::send(lrs.request(Method::GET, "/agents")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // Definitions and names come from every statement: a credential that may not read them
    // all may not read these either.
    let state_only = credential(&app, "state only", "state statements/read/mine").await;
    let (st, _, _) =
        Lrs::send(state_only.request(Method::GET, "/activities?activityId=http://example.com/a"))
            .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A multipart/mixed request: the statements, then each (content type, bytes) part.
fn multipart_body(statements: &Value, parts: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "xapi-test-boundary-7f3a";
    let mut body =
        format!("--{boundary}\r\nContent-Type: application/json\r\n\r\n{statements}\r\n")
            .into_bytes();
    for (ct, bytes) in parts {
        body.extend(format!(
            "--{boundary}\r\nContent-Type: {ct}\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {}\r\n\r\n",
            sha256_hex(bytes)
        ).into_bytes());
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").into_bytes());
    (format!("multipart/mixed; boundary={boundary}"), body)
}

/// Data 2.4.11 (Attachments), Comm 2.1.2 and 2.1.3 (`attachments=true`): attachment data
/// arrives in multipart/mixed parts checked by SHA-2, and comes back the same way.
async fn attachments_travel_in_multipart_and_come_back(b: Backend) {
    let app = crate::common::spawn(b).await;
    let lrs = credential(&app, "tool", "all").await;
    let certificate = b"%PDF-1.4 a certificate of completion";
    let mut s = statement("ana", COMPLETED, "http://example.com/a");
    s["attachments"] = json!([{
        "usageType": "http://id.tincanapi.com/attachment/certificate-of-completion",
        "display": {"en-US": "Certificate"},
        "contentType": "application/pdf",
        "length": certificate.len(),
        "sha2": sha256_hex(certificate),
    }]);
    let (ct, body) = multipart_body(&json!([s]), &[("application/pdf", certificate)]);
    let (st, _, v) = Lrs::send(
        lrs.request(Method::POST, "/statements")
            .header("content-type", ct.as_str())
            .body(body),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let id = v[0].as_str().expect("id").to_string();
    // Without attachments=true: JSON. With it: the statement, then the bytes.
    let (_, v) = lrs.get(&format!("?statementId={id}")).await;
    assert_eq!(v["attachments"][0]["sha2"], sha256_hex(certificate));
    let r = lrs
        .request(
            Method::GET,
            &format!("/statements?statementId={id}&attachments=true"),
        )
        .send()
        .await
        .expect("get");
    let ct = r.headers()["content-type"]
        .to_str()
        .expect("ct")
        .to_string();
    assert!(ct.starts_with("multipart/mixed; boundary="), "{ct}");
    let bytes = r.bytes().await.expect("body");
    let parts =
        peerlab_xapi::multipart::parse(&bytes, &peerlab_xapi::multipart::boundary(&ct).expect("b"))
            .expect("parts");
    assert_eq!(parts.len(), 2);
    assert_eq!(
        serde_json::from_slice::<Value>(&parts[0].body).expect("json")["id"],
        id
    );
    assert_eq!(parts[1].body, certificate);
    assert_eq!(
        parts[1].header("X-Experience-API-Hash"),
        Some(sha256_hex(certificate).as_str())
    );
    // A wrong hash, a missing part, or data sent as plain JSON: 400, nothing stored.
    let (ct, body) = multipart_body(&json!([s]), &[("application/pdf", b"tampered")]);
    assert_eq!(
        Lrs::send(
            lrs.request(Method::POST, "/statements")
                .header("content-type", ct.as_str())
                .body(body)
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );
    let (ct, body) = multipart_body(&json!([s]), &[]);
    assert_eq!(
        Lrs::send(
            lrs.request(Method::POST, "/statements")
                .header("content-type", ct.as_str())
                .body(body)
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );
    let (st, v) = lrs.post(s.clone()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(
        v["message"],
        "[0].attachments[0] has no fileUrl, so its data must come in a multipart/mixed request"
    );
    assert_eq!(lrs.ids("").await.len(), 1);
}

/// Data 2.6 (Signed Statements): a JWS signature attachment is verified against the
/// statement; a signature by another key than its certificate's is refused.
async fn signed_statements_are_verified(b: Backend) {
    let app = crate::common::spawn(b).await;
    let lrs = credential(&app, "tool", "all").await;
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../peerlab-xapi/tests/fixtures/jws/"
    );
    let statement: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}statement.json")).expect("statement"),
    )
    .expect("json");
    for (file, status) in [
        ("other-key.jws", StatusCode::BAD_REQUEST),
        ("rs256.jws", StatusCode::OK),
    ] {
        let jws = std::fs::read(format!("{dir}{file}")).expect("jws");
        let mut s = statement.clone();
        s["attachments"] = json!([{
            "usageType": "http://adlnet.gov/expapi/attachments/signature",
            "display": {"en-US": "Signature"},
            "contentType": "application/octet-stream",
            "length": jws.len(),
            "sha2": sha256_hex(&jws),
        }]);
        let (ct, body) = multipart_body(&s, &[("application/octet-stream", &jws)]);
        let (st, _, v) = Lrs::send(
            lrs.request(Method::POST, "/statements")
                .header("content-type", ct.as_str())
                .body(body),
        )
        .await;
        assert_eq!(st, status, "{file}: {v}");
        if status == StatusCode::BAD_REQUEST {
            assert_eq!(v["error"], "invalid_signature", "{v}");
        }
    }
    assert_eq!(
        lrs.ids("").await,
        [statement["id"].as_str().expect("id").to_string()]
    );
}

/// Comm 1.3 (Alternate Request Syntax): POST with `?method=`, headers and parameters as form
/// fields, the body as `content`; accepted in 1.0.3, refused in 2.0.
async fn the_alternate_request_syntax_in_1_0_3_only(b: Backend) {
    let app = crate::common::spawn(b).await;
    let lrs = credential(&app, "tool", "all").await;
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", lrs.key, lrs.secret))
    );
    let id = "6690e6c9-3ef0-4ed3-8b37-7f3964730bee";
    let form = |method: &str, fields: Vec<(&str, String)>| {
        reqwest::Client::new()
            .post(format!("{}/xapi/statements?method={method}", app.base))
            .form(&fields)
    };
    let content = statement("ana", COMPLETED, "http://example.com/a").to_string();
    let put = vec![
        ("statementId", id.to_string()),
        ("content", content.clone()),
        ("Authorization", auth.clone()),
        ("X-Experience-API-Version", "1.0.3".to_string()),
        ("Content-Type", "application/json".to_string()),
    ];
    let (st, headers, v) = Lrs::send(form("PUT", put.clone())).await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{v}");
    assert_eq!(headers["x-experience-api-version"], "1.0.3");
    let get = vec![
        (
            "agent",
            json!({"mbox": "mailto:ana@example.com"}).to_string(),
        ),
        ("Authorization", auth.clone()),
        ("X-Experience-API-Version", "1.0.3".to_string()),
    ];
    let (st, _, v) = Lrs::send(form("GET", get)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["statements"][0]["id"], id);
    // 2.0 removed it.
    let mut v2 = put;
    v2[3].1 = "2.0.0".to_string();
    v2[0].1 = "7790e6c9-3ef0-4ed3-8b37-7f3964730bee".to_string();
    let (st, _, v) = Lrs::send(form("PUT", v2)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(v["message"]
        .as_str()
        .expect("m")
        .contains("2.0 removed the alternate request syntax"));
    // Other query parameters beside method are refused.
    let (st, _, _) = Lrs::send(
        reqwest::Client::new()
            .post(format!("{}/xapi/statements?method=GET&limit=1", app.base))
            .form(&[
                ("Authorization", auth.as_str()),
                ("X-Experience-API-Version", "1.0.3"),
            ]),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(lrs.ids("").await, [id.to_string()]);
}

/// Comm 2.1.3 (X-Experience-API-Consistent-Through): a batch that waited for the write lock
/// behind a later one is stored at the later time, so a reader told "consistent through T"
/// never misses a statement stored afterwards with an earlier `stored`.
async fn stored_never_goes_back(b: Backend) {
    let app = crate::common::spawn(b).await;
    let authority =
        json!({"objectType": "Agent", "account": {"homePage": "http://x.example", "name": "t"}});
    let v = peerlab_xapi::Version::V1_0_3;
    let (ana, ben) = (
        statement("ana", COMPLETED, "http://example.com/a"),
        statement("ben", COMPLETED, "http://example.com/a"),
    );
    let (later, _) = peerlab_web::xapi::prepare(&ana, v, &authority, 2_000_000);
    let (earlier, id) = peerlab_web::xapi::prepare(&ben, v, &authority, 1_000_000);
    peerlab_web::xapi::insert(&app.store, &[ana], &[later], &[], None)
        .await
        .expect("later");
    peerlab_web::xapi::insert(&app.store, &[ben], &[earlier], &[], None)
        .await
        .expect("earlier");
    let s = app
        .store
        .statement(&id, false)
        .await
        .expect("store")
        .expect("statement");
    assert_eq!(s.stored, 2_000_000);
    let body: Value = serde_json::from_str(&s.body).expect("json");
    assert_eq!(body["stored"], peerlab_web::xapi::iso(2_000_000));
}

/// Migration 0005: statements stored with the first index layout (raw terms in
/// `statement_terms`) are found through the new one after the store opens, core and related
/// terms kept apart, and the old table is gone.
async fn a_store_from_before_the_statement_index_is_upgraded(b: Backend) {
    let (location, dir, _) = crate::common::fresh_location(b).await;
    let authority =
        json!({"objectType": "Agent", "account": {"homePage": "http://x.example", "name": "t"}});
    let mut old = statement("ana", COMPLETED, "http://example.com/a");
    old["context"] =
        json!({"contextActivities": {"parent": [{"id": "http://example.com/course"}]}});
    let (new, id) =
        peerlab_web::xapi::prepare(&old, peerlab_xapi::Version::V1_0_3, &authority, 1_000_000);
    // The database as the migrations before 0005 left it, with the statement stored the way
    // the store did then.
    macro_rules! at_version_4 {
        ($migrator:expr, $conn:expr) => {{
            let mut migrator = $migrator;
            migrator.migrations = migrator
                .migrations
                .iter()
                .filter(|m| m.version < 5)
                .cloned()
                .collect::<Vec<_>>()
                .into();
            migrator.run(&mut $conn).await.expect("migrations 1-4");
            let seq: i64 = sqlx::query_scalar(
                "INSERT INTO statements (id, body, stored, verb) VALUES ($1, $2, $3, $4) RETURNING seq",
            )
            .bind(&new.id)
            .bind(&new.body)
            .bind(new.stored)
            .bind(&new.verb)
            .fetch_one(&mut $conn)
            .await
            .expect("statement");
            for (term, core) in &new.terms {
                sqlx::query(
                    "INSERT INTO statement_terms (term, seq, core) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(term)
                .bind(seq)
                .bind(i64::from(*core))
                .execute(&mut $conn)
                .await
                .expect("term");
            }
        }};
    }
    match &location {
        peerlab_store::Location::Sqlite(path) => {
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true);
            let mut conn = sqlx::SqliteConnection::connect_with(&options)
                .await
                .expect("sqlite");
            at_version_4!(sqlx::migrate!("../peerlab-store/migrations/sqlite"), conn);
        }
        peerlab_store::Location::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await.expect("postgres");
            at_version_4!(sqlx::migrate!("../peerlab-store/migrations/postgres"), conn);
        }
    }
    let store = peerlab_store::Store::open(&location, peerlab_store::Create::MustExist)
        .await
        .expect("open and upgrade");
    let key = |prefix: &str, value: &str| {
        new.terms
            .iter()
            .find_map(|(t, _)| t.strip_prefix(prefix).filter(|k| k.contains(value)))
            .expect("term")
            .to_string()
    };
    let found = |q: peerlab_store::StatementQuery| {
        let store = store.clone();
        async move {
            store
                .query_statements(&q, 10)
                .await
                .expect("query")
                .iter()
                .map(|s| serde_json::from_str::<Value>(&s.body).expect("json")["id"].clone())
                .collect::<Vec<_>>()
        }
    };
    let ana = key("a:", "ana@example.com");
    assert_eq!(
        found(peerlab_store::StatementQuery {
            agent: Some(ana),
            ..Default::default()
        })
        .await,
        vec![json!(id)]
    );
    let course = key("o:", "example.com/course");
    let parent = |related| peerlab_store::StatementQuery {
        activity: Some(course.clone()),
        related_activities: related,
        ..Default::default()
    };
    assert_eq!(found(parent(true)).await, vec![json!(id)]);
    assert!(
        found(parent(false)).await.is_empty(),
        "a parent is related only"
    );
    assert_eq!(
        found(peerlab_store::StatementQuery {
            verb: Some(COMPLETED.into()),
            ..Default::default()
        })
        .await,
        vec![json!(id)]
    );
    // New statements go on beside the upgraded one, and the old table is gone.
    let (later, _) = peerlab_web::xapi::prepare(
        &statement("ana", ATTEMPTED, "http://example.com/a"),
        peerlab_xapi::Version::V1_0_3,
        &authority,
        2_000_000,
    );
    let received = [statement("ana", ATTEMPTED, "http://example.com/a")];
    peerlab_web::xapi::insert(&store, &received, &[later], &[], None)
        .await
        .expect("insert after the upgrade");
    let ana = key("a:", "ana@example.com");
    let all = found(peerlab_store::StatementQuery {
        agent: Some(ana),
        ..Default::default()
    })
    .await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[1], json!(id), "newest first");
    store.close().await;
    let again = peerlab_store::Store::open(&location, peerlab_store::Create::MustExist)
        .await
        .expect("a second open has nothing to upgrade");
    again.close().await;
    if let Some(dir) = dir {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Data 2.4.4.1 (canonical definition): the latest statement's definition wins, also when a
/// second process (here a second store on the same database) wrote in between; SQLite's
/// writer remembers the definitions it stored and must notice.
async fn the_latest_definition_wins_with_two_writers(b: Backend) {
    let app = crate::common::spawn(b).await;
    let other = peerlab_store::Store::open(&app.location, peerlab_store::Create::MustExist)
        .await
        .expect("a second store");
    let authority =
        json!({"objectType": "Agent", "account": {"homePage": "http://x.example", "name": "t"}});
    let activity = "http://example.com/course";
    let with_type = |kind: &str| {
        json!({
            "actor": {"mbox": "mailto:ana@example.com"},
            "verb": {"id": COMPLETED},
            "object": {"id": activity, "definition": {"type": kind, "name": {"en-US": "A course"}}},
        })
    };
    let store_in = |store: &peerlab_store::Store, s: Value| {
        let store = store.clone();
        let authority = authority.clone();
        async move {
            let (new, _) =
                peerlab_web::xapi::prepare(&s, peerlab_xapi::Version::V1_0_3, &authority, 1_000);
            peerlab_web::xapi::insert(&store, &[s], &[new], &[], None)
                .await
                .expect("insert");
        }
    };
    let kind = |store: &peerlab_store::Store| {
        let store = store.clone();
        async move {
            let text = store
                .activity_definition(activity)
                .await
                .expect("read")
                .expect("defined");
            serde_json::from_str::<Value>(&text).expect("json")["type"].clone()
        }
    };
    let (one, two) = ("http://example.com/one", "http://example.com/two");
    store_in(&app.store, with_type(one)).await;
    assert_eq!(kind(&app.store).await, json!(one));
    store_in(&other, with_type(two)).await;
    assert_eq!(kind(&app.store).await, json!(two));
    // The first writer sends the definition it stored before: it is the latest again.
    store_in(&app.store, with_type(one)).await;
    assert_eq!(kind(&other).await, json!(one));
    other.close().await;
}
