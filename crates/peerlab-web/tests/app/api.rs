//! The API as a whole: health, admin-only endpoints, precise errors, the OpenAPI document against the router.

use crate::common::{check, Api, Backend};
use peerlab_core::Role;
use reqwest::StatusCode;
use serde_json::json;

crate::backend_tests! {
    health_and_readiness,
    members_cannot_call_admin_endpoints,
    api_errors_are_precise,
    openapi_document_matches_the_routes,
}

async fn health_and_readiness(b: Backend) {
    let app = crate::common::spawn(b).await;
    let anon = app.browser();
    assert_eq!(anon.get("/healthz").await.status, StatusCode::OK);
    let ready = anon.get("/readyz").await;
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (StatusCode::OK, "ready")
    );
    let r = reqwest::get(format!("{}/healthz", app.base))
        .await
        .expect("get");
    for (name, expected) in [
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
    ] {
        assert_eq!(r.headers()[name], expected);
    }
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .contains("script-src 'self'"));
    assert!(
        r.headers().get("x-request-id").is_some(),
        "every response carries its request id"
    );
}

async fn members_cannot_call_admin_endpoints(b: Backend) {
    let app = crate::common::spawn(b).await;
    let ana = app.user("ana@example.com", "Ana", Role::Member).await;
    app.user("admin@example.com", "Admin", Role::Admin).await;
    let member = app.api_as("ana@example.com").await;
    let (st, body) = member
        .post_bytes(
            "/people/import",
            "text/csv",
            b"name,email\nX,x@x.com\n".to_vec(),
        )
        .await;
    check((st, &body), StatusCode::FORBIDDEN, "forbidden");
    let (st, _) = member
        .put(&format!("/people/{ana}/role"), json!({"role": "admin"}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = member
        .post(&format!("/people/{ana}/invitations"), json!({}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(app.store.count_people().await.expect("count"), 2);
    assert_eq!(
        app.store.person(ana).await.expect("s").expect("p").role,
        Role::Member
    );
    let s = app.login("ana@example.com").await;
    assert_eq!(s.get("/admin/import").await.status, StatusCode::FORBIDDEN);

    let admin = app.api_as("admin@example.com").await;
    assert_eq!(
        admin
            .put(
                &format!("/people/{ana}/role"),
                json!({"role": "facilitator"})
            )
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (st, inv) = admin
        .post(&format!("/people/{ana}/invitations"), json!({}))
        .await;
    assert_eq!(st, StatusCode::CREATED);
    assert!(inv["url"]
        .as_str()
        .expect("url")
        .starts_with(&format!("{}/invite/", app.base)));
}

async fn api_errors_are_precise(b: Backend) {
    let app = crate::common::spawn(b).await;
    app.user("ana@example.com", "Ana", Role::Member).await;
    let api = app.api_as("ana@example.com").await;
    let (st, body) = api.get("/people?shoe_size=42").await;
    check((st, &body), StatusCode::BAD_REQUEST, "invalid_query");
    assert!(
        body["message"].as_str().expect("m").contains("shoe_size"),
        "{body}"
    );
    let (st, body) = api.get("/people?limit=1000").await;
    assert_eq!(
        (st, body["message"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("limit: 1000 is out of range; use 1 to 200")
        )
    );
    let (st, body) = api.get("/people/abc").await;
    check((st, &body), StatusCode::BAD_REQUEST, "invalid_path");
    let (st, body) = api.get("/people/424242").await;
    check((st, &body), StatusCode::NOT_FOUND, "not_found");
    let (st, body) = api
        .post_bytes("/me/skills", "application/json", b"{not json".to_vec())
        .await;
    check((st, &body), StatusCode::BAD_REQUEST, "invalid_json");
    let (st, body) = api
        .post_bytes("/me/skills", "text/plain", b"{}".to_vec())
        .await;
    check(
        (st, &body),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    let (st, body) = api
        .post(
            "/me/skills",
            json!({"name": "SQL", "level": 3, "extra": true}),
        )
        .await;
    check(
        (st, &body),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    let (st, body) = api.get("/nowhere").await;
    check((st, &body), StatusCode::NOT_FOUND, "not_found");
    let (st, _) = api.get("/experts").await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "skill is required");
}

/// A documented path with its parameters filled in.
fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{skill_id}", "1")
        .replace("{person}", "1")
        .replace("{reaction}", "thanks")
}

async fn openapi_document_matches_the_routes(b: Backend) {
    let app = crate::common::spawn(b).await;
    let (st, doc) = app.api(None).get("/openapi.json").await;
    assert_eq!(st, StatusCode::OK);
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    let paths = doc["paths"].as_object().expect("paths");
    // Every route of the router itself is documented, with exactly its methods …
    let routed: Vec<String> = peerlab_web::api_paths()
        .into_iter()
        .filter(|p| *p != "/openapi.json")
        .map(String::from)
        .collect();
    assert!(routed.len() >= 40);
    for path in &routed {
        let documented = paths
            .get(path.as_str())
            .unwrap_or_else(|| panic!("{path} is not in openapi.json"));
        let mut documented: Vec<String> = documented
            .as_object()
            .expect("ops")
            .keys()
            .map(|m| m.to_uppercase())
            .collect();
        documented.sort();
        // A method the route does not take is answered 405 with the route's own `Allow`.
        let r = reqwest::Client::new()
            .request(
                reqwest::Method::from_bytes(b"TRACE").expect("method"),
                format!("{}/api/v1{}", app.base, concrete(path)),
            )
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        let allow = r
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let mut served: Vec<String> = allow
            .split(',')
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty() && m != "HEAD")
            .collect();
        served.sort();
        assert_eq!(
            served, documented,
            "methods of {path}: served vs documented"
        );
    }
    // … and every documented operation exists and demands a token.
    for (path, ops) in paths {
        assert!(routed.contains(path), "{path} is documented but not routed");
        for method in ops.as_object().expect("ops").keys() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let (st, body) = Api::send(app.api(None).raw(m, &concrete(path))).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{method} {path}: {body}");
            assert!(
                ops[method]["responses"].is_object(),
                "{method} {path} documents its responses"
            );
        }
    }
}
