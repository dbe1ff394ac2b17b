//! Request forms beyond plain JSON: multipart attachments, signed statements and the 1.0.3 alternate request syntax.

use super::*;

backend_tests! {
    attachments_travel_in_multipart_and_come_back,
    signed_statements_are_verified,
    the_alternate_request_syntax_in_1_0_3_only,
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
