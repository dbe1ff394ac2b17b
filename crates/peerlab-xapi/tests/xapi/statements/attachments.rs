//! Attachments, voiding, 2.0's context agents and groups, and how problems are reported.

use super::*;

fn attachment() -> Value {
    json!({
        "usageType": "http://example.com/attachment-usage/test",
        "display": {"en-US": "A test attachment"},
        "contentType": "text/plain; charset=ascii",
        "length": 27,
        "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a",
        "fileUrl": "http://example.com/files/1.txt"
    })
}

/// Data 2.4.11 — attachments carry usageType, display, contentType, length and sha2.
#[test]
fn attachment_required_properties() {
    valid(&set(base(), "/attachments", json!([attachment()])), V1);
    invalid(
        set(base(), "/attachments", json!([{}])),
        &[
            "attachments[0].usageType: is required",
            "attachments[0].display: is required",
            "attachments[0].contentType: is required",
            "attachments[0].length: is required",
            "attachments[0].sha2: is required",
        ],
    );
    invalid(
        set(base(), "/attachments", attachment()),
        &["attachments: must be an array"],
    );
}

/// Data 2.4.11 — attachment property formats.
#[test]
fn attachment_property_formats() {
    let mut bad = attachment();
    bad["usageType"] = json!("signature");
    bad["contentType"] = json!("text");
    bad["length"] = json!("27");
    bad["sha2"] = json!("abc");
    bad["fileUrl"] = json!("files/1.txt");
    bad["name"] = json!("x");
    invalid(
        set(base(), "/attachments", json!([bad])),
        &[
            "attachments[0].name: is not a property of an Attachment",
            "attachments[0].usageType: must be an absolute IRI (a scheme, a colon and no spaces)",
            "attachments[0].contentType: must be an Internet media type such as image/png",
            "attachments[0].length: must be a non-negative integer (not a string)",
            "attachments[0].sha2: must be a SHA-2 hash in hex (56, 64, 96 or 128 hex digits)",
            "attachments[0].fileUrl: must be an absolute IRL (a scheme, a colon and no spaces)",
        ],
    );
    invalid(
        set(
            base(),
            "/attachments",
            json!([set(attachment(), "/length", json!(-1))]),
        ),
        &["attachments[0].length: must be a non-negative integer"],
    );
    invalid(
        set(
            base(),
            "/attachments",
            json!([set(attachment(), "/length", json!(2.5))]),
        ),
        &["attachments[0].length: must be a non-negative integer"],
    );
}

/// Data 2.3.2.s2.b1 — a voiding statement's object is a StatementRef.
#[test]
fn a_voiding_statement_targets_a_statement_ref() {
    invalid(
        set(
            base(),
            "/verb/id",
            json!("http://adlnet.gov/expapi/verbs/voided"),
        ),
        &["object.objectType: must be \"StatementRef\" in a voiding statement"],
    );
}

/// 2.0 (checklist) — contextAgents and contextGroups exist only in 2.0.
#[test]
fn context_agents_are_2_0_only() {
    let stmt = set(
        base(),
        "/context",
        json!({"contextAgents": [], "contextGroups": []}),
    );
    invalid_in(
        &stmt,
        V1,
        &[
            "context.contextAgents: is not a property of a Context in xAPI 1.0.3 (it was added in 2.0)",
            "context.contextGroups: is not a property of a Context in xAPI 1.0.3 (it was added in 2.0)",
        ],
    );
    valid(&stmt, V2);
}

/// 2.0 (checklist) — a contextAgent has objectType contextAgent, an Agent and relevantTypes
/// IRIs.
#[test]
fn context_agent_rules() {
    let good = json!({"objectType": "contextAgent", "agent": {"mbox": "mailto:coach@example.com"}, "relevantTypes": ["http://example.com/types/coach"]});
    valid(
        &set(base(), "/context", json!({"contextAgents": [good.clone()]})),
        V2,
    );
    invalid_in(
        &set(base(), "/context", json!({"contextAgents": [
            {"agent": {"mbox": "mailto:coach@example.com"}},
            {"objectType": "ContextAgent", "agent": {"objectType": "Group", "mbox": "mailto:g@example.com"}},
            {"objectType": "contextAgent", "agent": {"mbox": "mailto:coach@example.com"}, "relevantTypes": []},
            {"objectType": "contextAgent", "relevantTypes": ["coach"]},
            set(good, "/role", json!("coach"))
        ]})),
        V2,
        &[
            "context.contextAgents[0].objectType: is required",
            "context.contextAgents[1].objectType: must be \"contextAgent\" (case-sensitive)",
            "context.contextAgents[1].agent.objectType: must be \"Agent\": a context agent is an Agent (use contextGroups for Groups)",
            "context.contextAgents[2].relevantTypes: must not be empty when present",
            "context.contextAgents[3].agent: is required",
            "context.contextAgents[3].relevantTypes[0]: must be an absolute IRI (a scheme, a colon and no spaces)",
            "context.contextAgents[4].role: is not a property of a Context Agent",
        ],
    );
}

/// 2.0 (checklist) — a contextGroup has objectType contextGroup and a Group.
#[test]
fn context_group_rules() {
    let team = json!({"objectType": "Group", "mbox": "mailto:team@example.com"});
    valid(
        &set(
            base(),
            "/context",
            json!({"contextGroups": [{"objectType": "contextGroup", "group": team}]}),
        ),
        V2,
    );
    invalid_in(
        &set(base(), "/context", json!({"contextGroups": [
            {"objectType": "contextGroup", "group": {"mbox": "mailto:team@example.com"}},
            {"objectType": "contextGroup"},
            "team"
        ]})),
        V2,
        &[
            "context.contextGroups[0].group.objectType: is required: a context group must be a Group",
            "context.contextGroups[1].group: is required",
            "context.contextGroups[2]: must be a JSON object",
        ],
    );
}

/// Data 2.2.s4.b1 — problems are all reported, up to a cap.
#[test]
fn all_problems_are_reported_up_to_the_cap() {
    let mut stmt = base();
    for i in 0..40 {
        stmt[format!("extra{i:02}")] = json!(i);
    }
    let errors = validate_statement(&stmt, V1).expect_err("invalid");
    assert_eq!(errors.len(), MAX_ERRORS);
    assert_eq!(errors[0].path, "extra00");
    assert_eq!(errors[0].rule, "is not a property of a Statement");
}

/// Data 2.2.s2.b2 — a property is used no more than once (checked while parsing).
#[test]
fn duplicate_properties_are_refused_when_parsing() {
    let body = r#"{"actor": {"mbox": "mailto:a@example.com"}, "verb": {"id": "http://example.com/v"},
                   "object": {"id": "http://example.com/a"}, "object": {"id": "http://example.com/b"}}"#;
    let err = parse_json(body).expect_err("duplicate");
    assert!(
        err.to_string()
            .contains("property \"object\" is used more than once"),
        "{err}"
    );
}
