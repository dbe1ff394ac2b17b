//! Signed statements: xAPI 1.0.3 Data 2.6. The fixtures were made once with openssl (see
//! `tests/fixtures/jws/README.md`); nothing here signs at run time.

// Tests read their fixture files; the library itself never touches the file system.
#![allow(clippy::disallowed_methods)]

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use peerlab_xapi::multipart::{parse, write};
use peerlab_xapi::{
    attachments_request, verify_signature, verify_signed_statement, Part, SignatureError,
    SignedStatementError, SIGNATURE_USAGE_TYPE,
};
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/jws")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The statement as a client sends it: the signed one plus the signature attachment.
fn received(jws: &[u8]) -> Value {
    let mut statement: Value = serde_json::from_slice(&fixture("statement.json")).expect("json");
    statement["attachments"] = json!([signature_attachment(jws)]);
    statement
}

fn signature_attachment(jws: &[u8]) -> Value {
    json!({
        "usageType": SIGNATURE_USAGE_TYPE,
        "display": {"en-US": "Signature"},
        "contentType": "application/octet-stream",
        "length": jws.len(),
        "sha2": sha256(jws)
    })
}

fn sha256(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn b64(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// A JWS from a header, a payload and a signature, none of them signed for real.
fn unsigned(header: &Value, payload: &[u8], signature: &[u8]) -> Vec<u8> {
    format!(
        "{}.{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload),
        b64(signature)
    )
    .into_bytes()
}

fn verify(jws: &[u8]) -> Result<(), SignatureError> {
    verify_signature(&received(jws), jws)
}

/// Data 2.6.s4.b4: RS256, RS384 and RS512 with the signer's certificate in x5c.
#[test]
fn rs256_rs384_and_rs512_signatures_verify() {
    for name in ["rs256.jws", "rs384.jws", "rs512.jws"] {
        assert_eq!(verify(&fixture(name)), Ok(()), "{name}");
    }
}

/// Data 2.6.s5.b3.b2: the payload must be "logically equivalent", not byte-identical.
#[test]
fn a_differently_serialised_payload_is_the_same_statement() {
    let jws = fixture("rs256-reformatted.jws");
    assert_eq!(verify(&jws), Ok(()));
}

/// Data Appendix D: the specification's example, a chain of two 1024-bit certificates and a
/// payload with CRLF line breaks, verifies against its signed statement.
#[test]
fn the_specification_example_verifies() {
    let jws = fixture("spec-appendix-d.jws");
    let statement: Value = serde_json::from_slice(&fixture("spec-appendix-d.json")).expect("json");
    assert_eq!(
        statement["attachments"][0]["sha2"],
        sha256(jws.trim_ascii())
    );
    assert_eq!(verify_signature(&statement, &jws), Ok(()));
    let mut changed = statement.clone();
    changed["verb"]["id"] = json!("http://adlnet.gov/expapi/verbs/attempted");
    assert_eq!(
        verify_signature(&changed, &jws),
        Err(SignatureError::PayloadMismatch("verb.id".to_string()))
    );
}

/// Data 2.6.s5.b3.b2: a received statement that is not the signed one is refused.
#[test]
fn a_payload_that_differs_from_the_statement_is_refused() {
    let jws = fixture("rs256.jws");
    let mut statement = received(&jws);
    statement["actor"]["name"] = json!("Charles Babbage");
    assert_eq!(
        verify_signature(&statement, &jws),
        Err(SignatureError::PayloadMismatch("actor.name".to_string()))
    );
    let mut statement = received(&jws);
    statement["result"]["score"]["scaled"] = json!(0.5);
    let err = verify_signature(&statement, &jws).expect_err("refused");
    assert_eq!(
        err.to_string(),
        "the signed statement (the JWS payload) differs from the statement at result.score.scaled"
    );
    // What the LRS assigns or overwrites is not a difference.
    let mut statement = received(&jws);
    statement["stored"] = json!("2024-03-02T00:00:00Z");
    statement["authority"] = json!({"mbox": "mailto:lrs@example.com"});
    statement["version"] = json!("1.0.0");
    assert_eq!(verify_signature(&statement, &jws), Ok(()));
}

/// Data 2.6.s4.b4 and conformance test XAPI-00117.
#[test]
fn algorithms_other_than_rs256_rs384_rs512_are_refused() {
    assert_eq!(
        verify(&fixture("hs256.jws")),
        Err(SignatureError::Algorithm("\"HS256\"".to_string()))
    );
    assert_eq!(
        verify(&fixture("none.jws")),
        Err(SignatureError::Algorithm("\"none\"".to_string()))
    );
    let payload = fixture("statement.json");
    for alg in [json!("PS256"), json!("rs256"), json!(256)] {
        let jws = unsigned(&json!({"alg": alg}), payload.trim_ascii(), b"sig");
        assert!(
            matches!(verify(&jws), Err(SignatureError::Algorithm(_))),
            "{alg}"
        );
    }
}

/// Data 2.6.s5.b1: malformed signatures are refused.
#[test]
fn malformed_jws_are_refused() {
    let payload = fixture("statement.json");
    let payload = payload.trim_ascii();
    let header = json!({"alg": "RS256"});
    let good_header = b64(header.to_string().as_bytes());
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"abc.def".to_vec(), "2 dot-separated segments"),
        (b"a.b.c.d".to_vec(), "4 dot-separated segments"),
        (b"".to_vec(), "1 dot-separated segments"),
        (
            format!("!!!.{}.c2ln", b64(payload)).into_bytes(),
            "the header is not base64url",
        ),
        (
            format!("{}.{}.c2ln", b64(b"not json"), b64(payload)).into_bytes(),
            "the header:",
        ),
        (
            format!("{}.{}.c2ln", b64(b"[1]"), b64(payload)).into_bytes(),
            "the header is not a JSON object",
        ),
        (
            format!("{}.{}.c2ln", b64(b"{}"), b64(payload)).into_bytes(),
            "no alg",
        ),
        (
            format!("{good_header}.%%%.c2ln").into_bytes(),
            "the payload is not base64url",
        ),
        (
            // The conformance suite's "breakJson": a quote replaced by an apostrophe.
            unsigned(
                &header,
                String::from_utf8_lossy(payload)
                    .replacen('"', "'", 1)
                    .as_bytes(),
                b"sig",
            ),
            "the payload:",
        ),
        (
            unsigned(&header, b"[]", b"sig"),
            "the payload is not a statement",
        ),
        (
            unsigned(&header, b"\xff\xfe", b"sig"),
            "the payload is not UTF-8",
        ),
        (unsigned(&header, payload, b""), "the signature is empty"),
        (
            format!("{good_header}.{}.+/+/", b64(payload)).into_bytes(),
            "the signature is not base64url",
        ),
        (
            unsigned(
                &json!({"alg": "RS256", "crit": ["b64"], "b64": false}),
                payload,
                b"s",
            ),
            "critical extensions",
        ),
        (
            br#"{"payload": "e30", "signatures": []}"#.to_vec(),
            "JSON serialization",
        ),
        (b"\xff.\xff.\xff".to_vec(), "it is not text"),
    ];
    for (jws, expected) in cases {
        match verify(&jws) {
            Err(SignatureError::Malformed(why)) => {
                assert!(why.contains(expected), "{expected:?} not in {why:?}")
            }
            other => panic!(
                "{:?}: expected Malformed({expected:?}), got {other:?}",
                String::from_utf8_lossy(&jws)
            ),
        }
    }
}

/// Data 2.6.s5.b3.b3: "If the JWS header includes an X.509 certificate, validate the signature
/// against that certificate as defined in JWS."
#[test]
fn a_signature_by_another_key_is_refused() {
    assert_eq!(
        verify(&fixture("other-key.jws")),
        Err(SignatureError::Invalid)
    );
}

#[test]
fn a_tampered_signature_or_payload_is_refused() {
    let jws = String::from_utf8(fixture("rs256.jws")).expect("ascii");
    let jws = jws.trim();
    let (signed, signature) = jws.rsplit_once('.').expect("dots");
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).expect("base64");
    bytes[10] ^= 1;
    let tampered = format!("{signed}.{}", b64(&bytes));
    assert_eq!(verify(tampered.as_bytes()), Err(SignatureError::Invalid));
    let short = format!("{signed}.{}", b64(&bytes[1..]));
    assert_eq!(verify(short.as_bytes()), Err(SignatureError::Invalid));

    // Another payload under the same header and signature: the signature check comes first.
    let (header, _) = signed.split_once('.').expect("dot");
    let mut other: Value = serde_json::from_slice(&fixture("statement.json")).expect("json");
    other["actor"]["name"] = json!("Charles Babbage");
    let swapped = format!("{header}.{}.{signature}", b64(other.to_string().as_bytes()));
    let mut statement = received(swapped.as_bytes());
    statement["actor"]["name"] = json!("Charles Babbage");
    assert_eq!(
        verify_signature(&statement, swapped.as_bytes()),
        Err(SignatureError::Invalid)
    );
}

/// Without x5c there is nothing to verify the signature with (Data 2.6.s4.b6 makes x5c a
/// SHOULD, and 2.6.s5.b3.b3 applies only when it is there): the JWS is accepted when it is
/// well formed and its payload is the statement.
#[test]
fn without_x5c_only_the_payload_is_checked() {
    let jws = fixture("no-x5c.jws");
    assert_eq!(verify(&jws), Ok(()));
    // Even with a signature that would not verify.
    let text = String::from_utf8(jws.clone()).expect("ascii");
    let (signed, _) = text.trim().rsplit_once('.').expect("dot");
    let garbage = format!("{signed}.{}", b64(b"not a signature"));
    assert_eq!(verify(garbage.as_bytes()), Ok(()));
    // But the payload must still match.
    let mut statement = received(&jws);
    statement["verb"]["id"] = json!("http://adlnet.gov/expapi/verbs/failed");
    assert_eq!(
        verify_signature(&statement, &jws),
        Err(SignatureError::PayloadMismatch("verb.id".to_string()))
    );
}

#[test]
fn unusable_certificates_are_refused() {
    assert!(matches!(
        verify(&fixture("ec-certificate.jws")),
        Err(SignatureError::Certificate(why)) if why.contains("RSA public key")
    ));
    let payload = fixture("statement.json");
    let payload = payload.trim_ascii();
    for (x5c, expected) in [
        (json!([]), "non-empty array"),
        (json!("MIIB"), "non-empty array"),
        (json!([1]), "non-empty array"),
        (json!(["***"]), "not base64"),
        (json!(["AAAA"]), "not an X.509 certificate"),
    ] {
        let jws = unsigned(&json!({"alg": "RS256", "x5c": x5c}), payload, b"sig");
        match verify(&jws) {
            Err(SignatureError::Certificate(why)) => {
                assert!(why.contains(expected), "{expected:?} not in {why:?}")
            }
            other => panic!("{x5c}: got {other:?}"),
        }
    }
}

/// Data 2.6.s4.b1 and conformance test XAPI-00115: the signature attachment's contentType is
/// application/octet-stream.
#[test]
fn signature_attachments_are_checked_with_the_request_data() {
    let jws = fixture("rs384.jws");
    let data = vec![(
        sha256(&jws),
        "application/octet-stream".to_string(),
        jws.clone(),
    )];
    assert_eq!(verify_signed_statement(&received(&jws), &data), Ok(()));

    let mut statement = received(&jws);
    statement["attachments"][0]["contentType"] = json!("text/plain; charset=ascii");
    let err = verify_signed_statement(&statement, &data).expect_err("refused");
    assert_eq!(
        err,
        SignedStatementError {
            index: 0,
            error: SignatureError::ContentType("text/plain; charset=ascii".to_string())
        }
    );
    assert!(err.to_string().starts_with("attachments[0]: "), "{err}");

    assert_eq!(
        verify_signed_statement(&received(&jws), &[]),
        Err(SignedStatementError {
            index: 0,
            error: SignatureError::MissingData(sha256(&jws))
        })
    );

    // Other attachments come first; the error names the signature's index.
    let other = fixture("other-key.jws");
    let mut statement = received(&other);
    let mut attachments = vec![json!({
        "usageType": "http://example.com/essay", "display": {"en": "Essay"},
        "contentType": "text/plain", "length": 1, "sha2": sha256(b"x")
    })];
    attachments.push(statement["attachments"][0].clone());
    statement["attachments"] = json!(attachments);
    let data = vec![(sha256(&other), String::new(), other.clone())];
    assert_eq!(
        verify_signed_statement(&statement, &data),
        Err(SignedStatementError {
            index: 1,
            error: SignatureError::Invalid
        })
    );

    let unsigned_statement: Value =
        serde_json::from_slice(&fixture("statement.json")).expect("json");
    assert_eq!(verify_signed_statement(&unsigned_statement, &[]), Ok(()));
}

/// The whole path of a signed statement through a multipart request, as the conformance
/// suite's signStatement helper builds it.
#[test]
fn a_signed_statement_in_a_multipart_request() {
    let jws = fixture("rs512.jws");
    let jws = jws.trim_ascii().to_vec();
    let statement = received(&jws);
    let body = write(
        &[
            Part::json(statement.to_string().into_bytes()),
            Part::attachment(&sha256(&jws), "application/octet-stream", jws.clone()),
        ],
        "-------314159265358979323846",
    );
    let parts = parse(&body, "-------314159265358979323846").expect("parses");
    let (statements, data) = attachments_request(parts).expect("accepted");
    assert_eq!(data[0].2, jws);
    assert_eq!(verify_signed_statement(&statements, &data), Ok(()));
}

/// JSON values with the property names the comparison rules look at.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    let key = prop::sample::select(vec![
        "id",
        "actor",
        "verb",
        "object",
        "objectType",
        "definition",
        "display",
        "member",
        "mbox",
        "mbox_sha1sum",
        "timestamp",
        "stored",
        "authority",
        "version",
        "attachments",
        "context",
        "contextActivities",
        "parent",
        "registration",
        "language",
        "extensions",
        "SubStatement",
        "Activity",
        "Group",
    ])
    .prop_map(str::to_string);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        prop::sample::select(vec![
            "Activity",
            "Group",
            "SubStatement",
            "mailto:A@B.C",
            "mailto:a@b.c",
            "2024-03-01T12:00:00Z",
            "2024-03-01T13:00:00+01:00",
            "not a time",
            "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
            "6690E6C9-3EF0-4ED3-8B37-7F3964730BEE",
            "mailto:",
            "",
            "en-US",
        ])
        .prop_map(|s| json!(s)),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..5)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary bytes never make verification panic.
    #[test]
    fn verification_never_panics_on_bytes(
        jws in prop::collection::vec(any::<u8>(), 0..300),
        dots in prop::collection::vec(any::<u8>(), 0..3),
    ) {
        let mut jws = jws;
        for at in dots {
            let at = usize::from(at) % (jws.len() + 1);
            jws.insert(at, b'.');
        }
        let _ = verify_signature(&json!({}), &jws);
    }

    /// A well-formed JWS without x5c around any JSON: verification never panics, an object
    /// payload is always the same statement as itself, and comparing two values gives the
    /// same answer whichever way round the rules allow.
    #[test]
    fn any_payload_matches_itself(payload in arbitrary_json(), other in arbitrary_json()) {
        let text = payload.to_string();
        let jws = unsigned(&json!({"alg": "RS256"}), text.as_bytes(), b"sig");
        // Read back as the LRS reads a request, since serde_json's float parsing does not
        // always return the very f64 that was printed.
        let statement = peerlab_xapi::parse_json(&text).expect("json");
        let result = verify_signature(&statement, &jws);
        if payload.is_object() {
            prop_assert_eq!(result, Ok(()));
        } else {
            prop_assert!(matches!(result, Err(SignatureError::Malformed(_))));
        }
        let _ = verify_signature(&other, &jws);
        prop_assert_eq!(peerlab_xapi::first_difference(&other, &other), None);
    }
}
