//! The document resources (state, agent and activity profiles) and the agents and activities resources.

use super::*;

backend_tests! {
    state_documents_are_stored_merged_listed_and_deleted,
    profiles_follow_the_concurrency_rules,
    the_agents_and_activities_resources,
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
