//! The built-in Learning Record Store at `/xapi/`, requirement by requirement; each test's
//! comment names the sections of the xAPI 1.0.3 Data ("Data") and Communication ("Comm")
//! documents it checks. Every test runs on SQLite and on PostgreSQL.

use crate::common::{Backend, TestApp};
use base64::Engine;
use peerlab_core::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::Connection;

mod documents;
mod queries;
mod requests;
mod social;
mod storage;

backend_tests! {
    about_answers_without_credentials,
    the_version_header_is_required_and_answered,
    credentials_and_scopes_are_enforced,
    statements_are_stored_by_put_and_post_and_read_back,
    a_batch_with_one_bad_statement_stores_nothing,
    malformed_statements_are_400_naming_the_field_and_rule,
    oversized_bodies_and_unknown_parameters_are_refused,
}

const COMPLETED: &str = "http://adlnet.gov/expapi/verbs/completed";
const ATTEMPTED: &str = "http://adlnet.gov/expapi/verbs/attempted";
const VOIDED: &str = "http://adlnet.gov/expapi/verbs/voided";

/// An xAPI client with Basic credentials and a version header.
pub(crate) struct Lrs {
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

    pub(crate) async fn get(&self, query: &str) -> (StatusCode, Value) {
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

pub(crate) async fn credential(app: &TestApp, name: &str, scopes: &str) -> Lrs {
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
