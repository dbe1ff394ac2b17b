//! Statements with attachments in `multipart/mixed` bodies: xAPI 1.0.3 Communication 1.5.2 and
//! Data 2.4.11, and RFC 2046 section 5.1 for the format itself.

use peerlab_xapi::multipart::{self, boundary, choose_boundary, parse, write};
use peerlab_xapi::{attachments_request, MultipartError, Part};
use proptest::prelude::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256, Sha512};

const TEXT1: &[u8] = b"here is a simple attachment";
const TEXT1_SHA256: &str = "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a";
const TEXT2: &[u8] = b"here is another simple attachment";

fn sha256(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn sha512(data: &[u8]) -> String {
    hex(&Sha512::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn attachment(sha2: &str, length: usize) -> Value {
    json!({
        "usageType": "http://example.com/attachment-usage/test",
        "display": {"en-US": "A test attachment"},
        "contentType": "text/plain",
        "length": length,
        "sha2": sha2
    })
}

fn statement(attachments: Vec<Value>) -> Value {
    json!({
        "actor": {"mbox": "mailto:sample.agent@example.com", "objectType": "Agent"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
        "object": {"id": "http://www.example.com/tincan/activities/multipart"},
        "attachments": attachments
    })
}

/// A request body: the statements, then one part per `(extra headers, data)`, each with a
/// Content-Type, CRLF line breaks and boundary `b0undary`.
/// Extra header fields of a part, and its data.
type PartSpec<'a> = (&'a [(&'a str, &'a str)], &'a [u8]);

fn request(statements: &Value, parts: &[PartSpec]) -> Vec<u8> {
    let mut all = vec![Part::json(statements.to_string().into_bytes())];
    for (headers, data) in parts {
        let mut part = Part {
            headers: vec![("Content-Type".to_string(), "text/plain".to_string())],
            body: data.to_vec(),
        };
        for (name, value) in *headers {
            part.headers.push((name.to_string(), value.to_string()));
        }
        all.push(part);
    }
    write(&all, "b0undary")
}

fn check(body: &[u8]) -> Result<(Value, Vec<multipart::AttachmentData>), MultipartError> {
    attachments_request(parse(body, "b0undary")?)
}

fn binary(sha2: &str) -> [(&str, &str); 2] {
    [
        ("Content-Transfer-Encoding", "binary"),
        ("X-Experience-API-Hash", sha2),
    ]
}

/// Communication 1.5.2.s6: the specification's own example, with its quoted boundary, an
/// empty preamble line and a `charset` parameter on the attachment.
#[test]
fn the_specification_example_is_accepted() {
    let content_type = "multipart/mixed; boundary=\"abcABC0123'()+_,-./:=?\"";
    let b = boundary(content_type).expect("boundary");
    assert_eq!(b, "abcABC0123'()+_,-./:=?");
    let json = r#"{
    "actor": {"mbox": "mailto:sample.agent@example.com", "name": "Sample Agent", "objectType": "Agent"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
    "object": {"id": "http://www.example.com/tincan/activities/multipart", "objectType": "Activity"},
    "attachments": [
        {
            "usageType": "http://example.com/attachment-usage/test",
            "display": { "en-US": "A test attachment" },
            "description": { "en-US": "A test attachment (description)" },
            "contentType": "text/plain; charset=ascii",
            "length": 27,
            "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"
        }
    ]
}"#;
    let body = format!(
        "\r\n--{b}\r\nContent-Type:application/json\r\n\r\n{json}\r\n--{b}\r\n\
         Content-Type:text/plain\r\nContent-Transfer-Encoding:binary\r\n\
         X-Experience-API-Hash:{TEXT1_SHA256}\r\n\r\nhere is a simple attachment\r\n--{b}--"
    );
    let parts = parse(body.as_bytes(), &b).expect("parses");
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[1].header("x-experience-api-hash"), Some(TEXT1_SHA256));
    let (statements, data) = attachments_request(parts).expect("accepted");
    assert_eq!(statements["attachments"][0]["length"], 27);
    assert_eq!(
        data,
        vec![(
            TEXT1_SHA256.to_string(),
            "text/plain".to_string(),
            TEXT1.to_vec()
        )]
    );
}

/// Communication 1.5.2.s3.b4: two attachments, SHA-256 and SHA-512, plus a third that is
/// only referenced by fileUrl (1.5.2.s3.b9).
#[test]
fn a_request_with_two_attachments_is_accepted() {
    let mut by_url = attachment(&sha256(b"elsewhere"), 9);
    by_url["fileUrl"] = json!("http://example.com/file.txt");
    let stmt = statement(vec![
        attachment(TEXT1_SHA256, TEXT1.len()),
        attachment(&sha512(TEXT2), TEXT2.len()),
        by_url,
    ]);
    let sha_2 = sha512(TEXT2).to_uppercase();
    let body = request(
        &stmt,
        &[(&binary(TEXT1_SHA256), TEXT1), (&binary(&sha_2), TEXT2)],
    );
    let (statements, data) = check(&body).expect("accepted");
    assert_eq!(statements, stmt);
    assert_eq!(data.len(), 2);
    assert_eq!(data[0].0, TEXT1_SHA256);
    // The hash is returned in lower case whatever case the header used.
    assert_eq!(data[1].0, sha512(TEXT2));
    assert_eq!(data[1].2, TEXT2);
}

#[test]
fn a_hash_that_does_not_match_the_data_is_refused() {
    let stmt = statement(vec![attachment(TEXT1_SHA256, TEXT1.len())]);
    let body = request(
        &stmt,
        &[(&binary(TEXT1_SHA256), b"here is a simple attachment!")],
    );
    assert_eq!(
        check(&body),
        Err(MultipartError::HashMismatch {
            part: 2,
            sha2: TEXT1_SHA256.to_string()
        })
    );
    let err = check(&body).expect_err("refused").to_string();
    assert!(
        err.contains("part 2") && err.contains(TEXT1_SHA256),
        "{err}"
    );
}

/// Communication 1.5.2.s3.b5 and conformance test XAPI-00129.
#[test]
fn an_attachment_without_its_part_or_file_url_is_refused() {
    let stmt = statement(vec![
        attachment(TEXT1_SHA256, TEXT1.len()),
        attachment(&sha256(TEXT2), TEXT2.len()),
    ]);
    let body = request(&stmt, &[(&binary(TEXT1_SHA256), TEXT1)]);
    let err = check(&body).expect_err("refused");
    assert_eq!(
        err,
        MultipartError::MissingPart {
            path: "attachments[1]".to_string(),
            sha2: sha256(TEXT2)
        }
    );
    assert!(
        err.to_string().starts_with("attachments[1].sha2: "),
        "{err}"
    );
}

/// Conformance test XAPI-00128: excess parts that are not attachments of the statements.
#[test]
fn a_part_no_attachment_declares_is_refused() {
    let stmt = statement(vec![attachment(TEXT1_SHA256, TEXT1.len())]);
    let body = request(
        &stmt,
        &[
            (&binary(TEXT1_SHA256), TEXT1),
            (&binary(&sha256(TEXT2)), TEXT2),
        ],
    );
    assert_eq!(
        check(&body),
        Err(MultipartError::ExtraPart {
            part: 3,
            sha2: sha256(TEXT2)
        })
    );
    // A statement without attachments cannot come with parts either.
    let body = request(&statement(vec![]), &[(&binary(TEXT1_SHA256), TEXT1)]);
    assert!(matches!(
        check(&body),
        Err(MultipartError::ExtraPart { part: 2, .. })
    ));
}

/// Communication 1.5.2.s2.b2.b3 and conformance test XAPI-00132.
#[test]
fn a_part_without_x_experience_api_hash_is_refused() {
    let stmt = statement(vec![attachment(TEXT1_SHA256, TEXT1.len())]);
    let body = request(
        &stmt,
        &[(&[("Content-Transfer-Encoding", "binary")], TEXT1)],
    );
    assert_eq!(check(&body), Err(MultipartError::MissingHash { part: 2 }));
    for bad in [
        "",
        "xyz",
        &TEXT1_SHA256[1..],
        &format!("{}g", &TEXT1_SHA256[1..]),
    ] {
        let body = request(&stmt, &[(&binary(bad), TEXT1)]);
        assert!(
            matches!(check(&body), Err(MultipartError::BadHash { part: 2, .. })),
            "{bad}"
        );
    }
}

/// Communication 1.5.2.s2.b2.b4 (MUST send binary), 1.5.2.s3.b6 (SHOULD assume binary) and
/// conformance test XAPI-00135 (base64 refused).
#[test]
fn content_transfer_encoding_is_binary_or_absent() {
    let stmt = statement(vec![attachment(TEXT1_SHA256, TEXT1.len())]);
    let body = request(
        &stmt,
        &[(
            &[
                ("Content-Transfer-Encoding", "base64"),
                ("X-Experience-API-Hash", TEXT1_SHA256),
            ],
            TEXT1,
        )],
    );
    assert_eq!(
        check(&body),
        Err(MultipartError::Encoding {
            part: 2,
            value: "base64".to_string()
        })
    );
    let body = request(
        &stmt,
        &[(&[("X-Experience-API-Hash", TEXT1_SHA256)], TEXT1)],
    );
    assert!(check(&body).is_ok());
    let body = request(
        &stmt,
        &[(
            &[
                ("content-transfer-encoding", "BINARY"),
                ("x-experience-api-hash", TEXT1_SHA256),
            ],
            TEXT1,
        )],
    );
    assert!(check(&body).is_ok());
}

/// Data 2.4.11: `length` is the length of the data in octets.
#[test]
fn an_attachment_length_must_be_the_data_length() {
    let stmt = statement(vec![attachment(TEXT1_SHA256, 26)]);
    let body = request(&stmt, &[(&binary(TEXT1_SHA256), TEXT1)]);
    let err = check(&body).expect_err("refused");
    assert_eq!(
        err.to_string(),
        format!(
            "attachments[0].length: is 26 but the data with sha2 {TEXT1_SHA256} is 27 octets long"
        )
    );
    // An integral float is the same integer, as statement validation accepts it.
    let mut stmt = statement(vec![attachment(TEXT1_SHA256, 0)]);
    stmt["attachments"][0]["length"] = json!(27.0);
    assert!(check(&request(&stmt, &[(&binary(TEXT1_SHA256), TEXT1)])).is_ok());
}

/// Conformance tests run with files that have bare LF line endings, as here; the conformance
/// "excess parts" file also has a header line without a colon.
#[test]
fn lf_line_endings_are_accepted() {
    let json = statement(vec![attachment(TEXT1_SHA256, TEXT1.len())]).to_string();
    let body = format!(
        "---------314159265358979323846\nContent-Type: application/json\n\n{json}\n\
         ---------314159265358979323846\nContent-Disposition: attachment; filename=\"text_data.txt\"\n\
         Content-Type: text/plain\nContent-Transfer-Encoding: binary\n\
         X-Experience-API-Hash: {TEXT1_SHA256}\n\nhere is a simple attachment\n\
         ---------314159265358979323846--\n"
    );
    let b = boundary("multipart/mixed; boundary=-------314159265358979323846").expect("boundary");
    let (_, data) = attachments_request(parse(body.as_bytes(), &b).expect("parses")).expect("ok");
    assert_eq!(data[0].2, TEXT1);

    let excess = body.replace(
        "---------314159265358979323846--\n",
        "---------314159265358979323846\nContent-Type: text/plain\n\
         7063d0a4cfa93373753ad2f5a6ffcf684559fb1df3c2f0473a14ece7d4edb06a\n\n\
         here is another simple attachment\n---------314159265358979323846--\n",
    );
    assert_eq!(
        parse(excess.as_bytes(), &b),
        Err(MultipartError::Header {
            part: 3,
            line: "7063d0a4cfa93373753ad2f5a6ffcf684559fb1df3c2f0473a14ece7d4edb06a".to_string()
        })
    );
}

/// Conformance tests XAPI-00130 and XAPI-00133: a missing delimiter leaves the attachment's
/// headers inside the statements part, which is then not JSON.
#[test]
fn statements_must_be_one_json_part() {
    let json = statement(vec![attachment(TEXT1_SHA256, TEXT1.len())]).to_string();
    let body = format!(
        "--b0undary\r\nContent-Type: application/json\r\n\r\n{json}\r\n\r\nContent-Type: text/plain\r\n\
         X-Experience-API-Hash: {TEXT1_SHA256}\r\n\r\nhere is a simple attachment\r\n--b0undary--\r\n"
    );
    assert!(matches!(
        check(body.as_bytes()),
        Err(MultipartError::Json(_))
    ));
    let duplicate = "--b0undary\r\nContent-Type: application/json\r\n\r\n{\"id\": 1, \"id\": 2}\r\n--b0undary--";
    let err = check(duplicate.as_bytes())
        .expect_err("refused")
        .to_string();
    assert!(err.contains("used more than once"), "{err}");
    let latin1 =
        b"--b0undary\r\nContent-Type: application/json\r\n\r\n{\"a\": \"\xe9\"}\r\n--b0undary--";
    assert!(matches!(check(latin1), Err(MultipartError::Json(_))));
}

/// Communication 1.5.2.s2.b2.b1 and conformance test XAPI-00134.
#[test]
fn the_first_part_must_be_application_json() {
    let stmt = statement(vec![]).to_string();
    for (header, ok) in [
        ("Content-Type: application/json", true),
        ("content-type: Application/JSON; charset=UTF-8", true),
        ("Content-Type: text/plain", false),
        ("X-Other: application/json", false),
    ] {
        let body = format!("--b0undary\r\n{header}\r\n\r\n{stmt}\r\n--b0undary--\r\n");
        let result = check(body.as_bytes());
        assert_eq!(result.is_ok(), ok, "{header}: {result:?}");
        if !ok {
            assert!(matches!(result, Err(MultipartError::FirstPartType(_))));
        }
    }
}

/// Data 2.4.11: attachments of every statement of a batch, and of a SubStatement, count.
#[test]
fn batches_and_substatements() {
    let mut sub = statement(vec![]);
    sub["object"] = json!({
        "objectType": "SubStatement",
        "actor": {"mbox": "mailto:a@example.com"},
        "verb": {"id": "http://example.com/v"},
        "object": {"id": "http://example.com/o"},
        "attachments": [attachment(&sha256(TEXT2), TEXT2.len())]
    });
    let batch = json!([statement(vec![attachment(TEXT1_SHA256, TEXT1.len())]), sub]);
    let both = request(
        &batch,
        &[
            (&binary(TEXT1_SHA256), TEXT1),
            (&binary(&sha256(TEXT2)), TEXT2),
        ],
    );
    let (statements, data) = check(&both).expect("accepted");
    assert_eq!(statements, batch);
    assert_eq!(data.len(), 2);
    let missing = request(&batch, &[(&binary(TEXT1_SHA256), TEXT1)]);
    assert_eq!(
        check(&missing),
        Err(MultipartError::MissingPart {
            path: "[1].object.attachments[0]".to_string(),
            sha2: sha256(TEXT2)
        })
    );
}

/// Communication 1.5.2.s2.b2.b5: one copy of data used twice SHOULD be sent, but two copies are
/// not refused; the data is returned once, and each attachment's length is checked.
#[test]
fn shared_and_repeated_data() {
    let batch = json!([
        statement(vec![attachment(TEXT1_SHA256, TEXT1.len())]),
        statement(vec![attachment(TEXT1_SHA256, TEXT1.len())])
    ]);
    let once = request(&batch, &[(&binary(TEXT1_SHA256), TEXT1)]);
    assert_eq!(check(&once).expect("accepted").1.len(), 1);
    let twice = request(
        &batch,
        &[
            (&binary(TEXT1_SHA256), TEXT1),
            (&binary(TEXT1_SHA256), TEXT1),
        ],
    );
    assert_eq!(check(&twice).expect("accepted").1.len(), 1);
    let mut wrong = batch.clone();
    wrong[1]["attachments"][0]["length"] = json!(1);
    assert!(matches!(
        check(&request(&wrong, &[(&binary(TEXT1_SHA256), TEXT1)])),
        Err(MultipartError::Length { path, .. }) if path == "[1].attachments[0]"
    ));
}

#[test]
fn the_content_type_comes_from_the_part_or_the_statement() {
    let stmt = statement(vec![attachment(TEXT1_SHA256, TEXT1.len())]);
    let parts = vec![
        Part::json(stmt.to_string().into_bytes()),
        Part {
            headers: binary(TEXT1_SHA256)
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: TEXT1.to_vec(),
        },
    ];
    let (_, data) = attachments_request(parts).expect("accepted");
    assert_eq!(data[0].1, "text/plain");
}

#[test]
fn framing_errors() {
    assert_eq!(
        parse(b"no delimiter here", "b"),
        Err(MultipartError::NoDelimiter("b".to_string()))
    );
    assert_eq!(
        parse(b"--b\r\nA: 1\r\n\r\nbody", "b"),
        Err(MultipartError::Unterminated("b".to_string()))
    );
    assert_eq!(parse(b"--b--\r\n", "b"), Err(MultipartError::NoParts));
    assert_eq!(
        parse(b"--b\r\n\r\n--b--", ""),
        Err(MultipartError::Boundary)
    );
    assert_eq!(
        parse(b"--b\r\n\r\n--b--", &"b".repeat(71)),
        Err(MultipartError::Boundary)
    );
    assert_eq!(
        attachments_request(Vec::new()),
        Err(MultipartError::NoParts)
    );
    // Preamble and epilogue are ignored; transport padding after a delimiter is allowed.
    let parts = parse(
        b"preamble --b\r\n--b  \r\nA: 1\r\n\r\nx\r\n--b--\t\r\nepilogue\r\n--b\r\n",
        "b",
    )
    .expect("parses");
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].body, b"x");
}

/// GET /statements?attachments=true: written, then read back as any client would.
#[test]
fn responses_round_trip() {
    let parts = vec![
        Part::json(br#"{"statements":[],"more":""}"#.to_vec()),
        Part::attachment(TEXT1_SHA256, "text/plain; charset=ascii", TEXT1.to_vec()),
        Part::attachment("00", "image/png", b"\r\n--\r\n\x00\xff\r\n".to_vec()),
        Part::attachment("01", "application/octet-stream", Vec::new()),
    ];
    let b = choose_boundary(&parts);
    assert!(b.starts_with("xapi-") && b.len() <= 70, "{b}");
    let body = write(&parts, &b);
    assert!(body.starts_with(format!("--{b}\r\nContent-Type: application/json\r\n\r\n").as_bytes()));
    assert!(body.ends_with(format!("\r\n--{b}--\r\n").as_bytes()));
    assert_eq!(parse(&body, &b).expect("parses"), parts);
    assert_eq!(
        boundary(&format!("multipart/mixed; boundary=\"{b}\"")).as_deref(),
        Some(b.as_str())
    );
    // A header value cannot add a header line.
    let sneaky = vec![Part::attachment(
        "00",
        "text/plain\r\nX-Evil: 1",
        Vec::new(),
    )];
    let parsed = parse(&write(&sneaky, "b"), "b").expect("parses");
    assert_eq!(parsed[0].header("X-Evil"), None);
}

#[test]
fn choose_boundary_avoids_the_bodies() {
    let first = choose_boundary(&[Part::json(b"x".to_vec())]);
    let parts = vec![Part::json(format!("a{first}b").into_bytes())];
    let chosen = choose_boundary(&parts);
    assert!(!String::from_utf8_lossy(&parts[0].body).contains(&chosen));
}

fn header_strategy() -> impl Strategy<Value = (String, String)> {
    (
        "[A-Za-z][A-Za-z0-9-]{0,15}",
        "[ -~]{0,20}".prop_map(|v| v.trim().to_string()),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever the bytes and the boundary, parsing returns and never panics, and checking
    /// what it returns never panics either.
    #[test]
    fn parse_never_panics(
        body in prop::collection::vec(any::<u8>(), 0..400),
        boundary in prop_oneof!["[ -~]{0,72}", any::<String>()],
    ) {
        if let Ok(parts) = parse(&body, &boundary) {
            let _ = attachments_request(parts);
        }
    }

    /// Bodies made of the pieces that matter (delimiters, line breaks, colons) reach the
    /// deeper branches that random bytes rarely do.
    #[test]
    fn parse_never_panics_on_near_misses(
        pieces in prop::collection::vec(prop::sample::select(vec![
            "--b", "--b--", "\r\n", "\n", "\r", ":", " ", "\t", "A", "X-Experience-API-Hash: 0",
            "Content-Type: application/json", "{}", "[]", "--", "b", "\u{e9}",
        ]), 0..40),
    ) {
        let body = pieces.concat();
        if let Ok(parts) = parse(body.as_bytes(), "b") {
            prop_assert!(!parts.is_empty());
            let _ = attachments_request(parts);
        }
    }

    /// Whatever `write` produces, `parse` reads back unchanged.
    #[test]
    fn write_then_parse_is_the_identity(
        parts in prop::collection::vec(
            (prop::collection::vec(header_strategy(), 0..4),
             prop::collection::vec(any::<u8>(), 0..200)),
            1..5,
        ),
    ) {
        let parts: Vec<Part> = parts
            .into_iter()
            .map(|(headers, body)| Part { headers, body })
            .collect();
        let b = choose_boundary(&parts);
        prop_assert_eq!(parse(&write(&parts, &b), &b).expect("parses"), parts);
    }
}
