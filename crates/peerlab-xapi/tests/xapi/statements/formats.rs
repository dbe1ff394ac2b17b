//! Version headers, the statement formats, Accept-Language, agent keys, id helpers and the corpus.

use super::objects::substatement;
use super::*;

/// Communication 3.3.s3 — version header negotiation.
#[test]
fn version_headers() {
    for accepted in [
        "1.0", "1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.9", " 1.0.3 ",
    ] {
        assert_eq!(Version::from_header(accepted), Ok(V1), "{accepted}");
    }
    assert_eq!(Version::from_header("2.0.0"), Ok(V2));
    assert_eq!(Version::from_header(""), Err(VersionError::Missing));
    for refused in [
        "0.9",
        "0.95",
        "1.1.0",
        "1.0.x",
        "2.0",
        "2.1.0",
        "3.0.0",
        "1.0.3-beta",
        "latest",
    ] {
        assert_eq!(
            Version::from_header(refused),
            Err(VersionError::Unsupported(refused.to_string())),
            "{refused}"
        );
    }
    assert_eq!(
        VersionError::Unsupported("1.1.0".into()).to_string(),
        "X-Experience-API-Version \"1.1.0\" is not supported; send 1.0.3 (or any 1.0.x) or 2.0.0"
    );
    assert_eq!(V1.header_value(), "1.0.3");
    assert_eq!(V2.default_statement_version(), "2.0.0");
}

/// Communication 2.1.3 (format=exact) — the statement comes back unchanged.
#[test]
fn format_exact_is_unchanged() {
    let stmt = long_example();
    assert_eq!(format_statement(&stmt, Format::Exact, &["en-US"]), stmt);
    assert_eq!(Format::from_param("exact"), Some(Format::Exact));
    assert_eq!(Format::from_param("IDS"), None);
}

/// Communication 2.1.3 (format=ids), Data 2.4.3.s6.b2 — only identifying properties remain.
#[test]
fn format_ids_keeps_identifiers() {
    let out = format_statement(&long_example(), Format::Ids, &[]);
    assert_eq!(
        out["actor"],
        json!({"objectType": "Group", "mbox": "mailto:teampb@example.com"})
    );
    assert_eq!(
        out["verb"],
        json!({"id": "http://adlnet.gov/expapi/verbs/attended"})
    );
    assert_eq!(
        out["object"],
        json!({"id": "http://www.example.com/meetings/occurances/34534", "objectType": "Activity"})
    );
    assert_eq!(
        out["context"]["instructor"],
        json!({"objectType": "Agent", "account": {"homePage": "http://www.example.com", "name": "13936749"}})
    );
    assert_eq!(
        out["context"]["contextActivities"]["category"],
        json!([{"id": "http://www.example.com/meetings/categories/teammeeting", "objectType": "Activity"}])
    );
    assert_eq!(
        out["result"],
        long_example()["result"],
        "results are not identifiers"
    );
    let anonymous = set(
        base(),
        "/actor",
        json!({"objectType": "Group", "name": "Pair", "member": [{"name": "A", "mbox": "mailto:a@example.com"}, {"objectType": "Agent", "name": "B", "openid": "http://b.example.com/"}]}),
    );
    assert_eq!(
        format_statement(&anonymous, Format::Ids, &[])["actor"],
        json!({"objectType": "Group", "member": [{"objectType": "Agent", "mbox": "mailto:a@example.com"}, {"objectType": "Agent", "openid": "http://b.example.com/"}]})
    );
    let sub = format_statement(&set(base(), "/object", substatement()), Format::Ids, &[]);
    assert_eq!(
        sub["object"]["actor"],
        json!({"objectType": "Agent", "mbox": "mailto:ben@example.com"})
    );
}

/// Communication 2.1.3.s4 (format=canonical) — one language per Activity and Verb map.
#[test]
fn format_canonical_picks_one_language() {
    let stmt = long_example();
    let out = format_statement(&stmt, Format::Canonical, &["en-GB"]);
    assert_eq!(out["verb"]["display"], json!({"en-GB": "attended"}));
    assert_eq!(
        out["object"]["definition"]["name"],
        json!({"en-GB": "example meeting"})
    );
    assert_eq!(out["actor"], stmt["actor"], "agents are as in exact");
    let out = format_statement(&stmt, Format::Canonical, &["en"]);
    assert_eq!(
        out["verb"]["display"],
        json!({"en-GB": "attended"}),
        "a range matches its subtags"
    );
    let out = format_statement(&stmt, Format::Canonical, &["fr", "en-us"]);
    assert_eq!(
        out["verb"]["display"],
        json!({"en-US": "attended"}),
        "case-insensitive, in preference order"
    );
    let out = format_statement(&stmt, Format::Canonical, &["tlh"]);
    assert_eq!(
        out["verb"]["display"],
        json!({"en-GB": "attended"}),
        "no match: the first entry"
    );
    let out = format_statement(&stmt, Format::Canonical, &["en-AU"]);
    assert_eq!(
        out["context"]["contextActivities"]["category"][0]["definition"]["name"],
        json!({"en": "team meeting"}),
        "fallback: a tag that is a prefix of the range"
    );
}

/// Communication 2.1.3.s4.b5 — Accept-Language ranges by preference (RFC 2616 14.4).
#[test]
fn accept_language_ranges() {
    assert_eq!(
        accept_language("da, en-gb;q=0.8, en;q=0.7, fr;q=0, *;q=0.1"),
        vec!["da", "en-gb", "en", "*"]
    );
    assert_eq!(accept_language("en;q=0.5, de"), vec!["de", "en"]);
    assert_eq!(accept_language(""), Vec::<String>::new());
    assert_eq!(accept_language("en;q=2, de;q=abc, fr"), vec!["fr"]);
}

/// Data 2.4.2.3 — the agent key for indexing and the `agent` query parameter.
#[test]
fn agent_keys() {
    assert_eq!(
        agent_ifi(&json!({"objectType": "Agent", "name": "A", "mbox": "mailto:Ada@Example.COM"}))
            .as_deref(),
        Some("mbox:mailto:Ada@example.com")
    );
    assert_eq!(
        agent_ifi(&json!({"mbox_sha1sum": "EBD31E95054C018B10727CCFFD2EF2EC3A016EE9"})).as_deref(),
        Some("mbox_sha1sum:ebd31e95054c018b10727ccffd2ef2ec3a016ee9")
    );
    assert_eq!(
        agent_ifi(&json!({"openid": "http://toby.openid.example.org/"})).as_deref(),
        Some("openid:http://toby.openid.example.org/")
    );
    assert_eq!(
        agent_ifi(&json!({"objectType": "Group", "account": {"homePage": "http://www.example.com", "name": "13936749"}})).as_deref(),
        Some("account:http://www.example.com|13936749")
    );
    assert_eq!(
        agent_ifi(&json!({"objectType": "Group", "member": []})),
        None
    );
    assert_eq!(
        agent_ifi(&json!({"mbox": "mailto:a@b.c", "openid": "http://x.y/"})),
        None
    );
    assert_eq!(agent_ifi(&json!({"mbox": "a@b.c"})), None);
    assert_eq!(agent_ifi(&json!("mailto:a@b.c")), None);
}

/// Data 2.4.1, 2.3.2 — statement id and voiding target helpers.
#[test]
fn id_helpers() {
    let voiding = &spec_examples()[1].1;
    assert_eq!(
        voided_statement_id(voiding)
            .map(|u| u.to_string())
            .as_deref(),
        Some("e05aa883-acaf-40ad-bf54-02c8ce485fb0")
    );
    assert_eq!(voided_statement_id(&base()), None);
    assert_eq!(
        statement_id(&long_example())
            .map(|u| u.to_string())
            .as_deref(),
        Some("6690e6c9-3ef0-4ed3-8b37-7f3964730bee")
    );
    assert_eq!(statement_id(&base()), None);
}

/// Regression corpus: every `valid-*.json` file under `tests/corpus` validates and every
/// `invalid-*.json` file does not, and then yields exactly the problems listed one per line in
/// its sibling `.errors` file. A `-v2-` in the name means xAPI 2.0, otherwise 1.0.3.
#[test]
fn the_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut count = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        let text = std::fs::read_to_string(&path).expect("read");
        let value = parse_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let version = if name.contains("-v2-") { V2 } else { V1 };
        for format in [Format::Ids, Format::Exact, Format::Canonical] {
            format_statement(&value, format, &["en"]);
        }
        if name.starts_with("valid-") {
            assert_eq!(problems(&value, version), Vec::<String>::new(), "{name}");
        } else if name.starts_with("invalid-") {
            let expected = std::fs::read_to_string(path.with_extension("errors"))
                .unwrap_or_else(|e| panic!("{name}: its .errors file: {e}"));
            let expected: Vec<&str> = expected.lines().filter(|l| !l.is_empty()).collect();
            assert_eq!(problems(&value, version), expected, "{name}");
        } else {
            panic!("{name}: corpus files are named valid-* or invalid-*");
        }
        count += 1;
    }
    assert!(count >= 10, "the corpus has {count} files");
}
