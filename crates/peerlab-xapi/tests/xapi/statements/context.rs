//! Results, context, timestamps, the authority and the statement's version.

use super::objects::substatement;
use super::*;

/// Data 2.4.5 — result properties and no others.
#[test]
fn result_properties() {
    invalid(
        set(base(), "/result", json!({"passed": true})),
        &["result.passed: is not a property of a Result"],
    );
    invalid(
        set(base(), "/result", json!({"extensions": {"not an iri": 1}})),
        &["result.extensions[\"not an iri\"]: extension keys must be absolute IRIs"],
    );
}

/// Data 2.4.5.1 — scaled is within [-1, 1].
#[test]
fn score_scaled_is_between_minus_one_and_one() {
    invalid(
        set(base(), "/result", json!({"score": {"scaled": 1.5}})),
        &["result.score.scaled: must be between -1 and 1"],
    );
    invalid(
        set(base(), "/result", json!({"score": {"scaled": -1.01}})),
        &["result.score.scaled: must be between -1 and 1"],
    );
    valid(
        &set(base(), "/result", json!({"score": {"scaled": -1}})),
        V1,
    );
}

/// Data 2.4.5.1 — min < max, and raw between them.
#[test]
fn score_raw_is_between_min_and_max() {
    invalid(
        set(
            base(),
            "/result",
            json!({"score": {"raw": 11, "min": 0, "max": 10}}),
        ),
        &["result.score.raw: must not be greater than max"],
    );
    invalid(
        set(base(), "/result", json!({"score": {"raw": -1, "min": 0}})),
        &["result.score.raw: must not be less than min"],
    );
    invalid(
        set(base(), "/result", json!({"score": {"min": 10, "max": 10}})),
        &["result.score.min: must be less than max"],
    );
    invalid(
        set(base(), "/result", json!({"score": {"percent": 10}})),
        &["result.score.percent: is not a property of a Score"],
    );
    valid(
        &set(
            base(),
            "/result",
            json!({"score": {"raw": 10, "min": 0, "max": 10}}),
        ),
        V1,
    );
}

/// Data 4.6 — durations are ISO 8601 durations (section 4.4.3.2 format).
#[test]
fn durations_are_iso_8601() {
    for bad in [
        "1 hour",
        "PT",
        "P4W1D",
        "01:00:00",
        "P0003-01-29T04:35:59",
        "P16559.14S",
    ] {
        invalid(
            set(base(), "/result", json!({"duration": bad})),
            &["result.duration: must be an ISO 8601 duration such as PT1H30M or PT4.5S"],
        );
    }
    for good in [
        "PT4H35M59.14S",
        "P3Y1M29DT4H35M59.14S",
        "P3Y",
        "P4W",
        "PT0.001S",
    ] {
        valid(&set(base(), "/result", json!({"duration": good})), V1);
    }
}

/// Data 2.4.6 — context properties and no others.
#[test]
fn context_properties() {
    invalid(
        set(base(), "/context", json!({"registration": "abc", "instructor": {"name": "x"}, "language": "en_GB", "course": "x"})),
        &[
            "context.course: is not a property of a Context",
            "context.registration: must be a UUID in standard string form (8-4-4-4-12 hex digits)",
            "context.instructor: an Agent must have exactly one inverse functional identifier (mbox, mbox_sha1sum, openid or account)",
            "context.language: must be an RFC 5646 language tag",
        ],
    );
}

/// Data 2.4.6.s3 — the team is a Group.
#[test]
fn the_team_is_a_group() {
    invalid(
        set(
            base(),
            "/context",
            json!({"team": {"mbox": "mailto:team@example.com"}}),
        ),
        &["context.team.objectType: is required: a team must be a Group"],
    );
    invalid(
        set(
            base(),
            "/context",
            json!({"team": {"objectType": "Agent", "mbox": "mailto:team@example.com"}}),
        ),
        &["context.team.objectType: must be \"Group\": a team must be a Group"],
    );
}

/// Data 2.4.6.s4.b1, b2 — revision and platform only with an Activity object.
#[test]
fn revision_and_platform_need_an_activity() {
    let stmt = set(
        set(
            base(),
            "/object",
            json!({"objectType": "Agent", "mbox": "mailto:ben@example.com"}),
        ),
        "/context",
        json!({"revision": "2", "platform": "web"}),
    );
    invalid(
        stmt,
        &[
            "context.revision: must only be used when the object is an Activity",
            "context.platform: must only be used when the object is an Activity",
        ],
    );
    valid(
        &set(
            base(),
            "/context",
            json!({"revision": "2", "platform": "web"}),
        ),
        V1,
    );
}

/// Data 2.4.6.2.s4.b1 — contextActivities keys are parent, grouping, category and other.
#[test]
fn context_activity_keys() {
    invalid(
        set(base(), "/context", json!({"contextActivities": {"Parent": [], "sibling": []}})),
        &[
            "context.contextActivities.Parent: is not a property of contextActivities; property names are case-sensitive (did you mean \"parent\"?)",
            "context.contextActivities.sibling: is not a property of contextActivities",
        ],
    );
}

/// Data 2.4.6.2.s4.b2 — each value is an Activity or an array of Activities.
#[test]
fn context_activity_values_are_activities() {
    invalid(
        set(
            base(),
            "/context",
            json!({"contextActivities": {"parent": "http://example.com/course"}}),
        ),
        &["context.contextActivities.parent: must be an Activity or an array of Activities"],
    );
    invalid(
        set(base(), "/context", json!({"contextActivities": {"parent": [{"id": "http://example.com/a"}, {"id": "course 1"}]}})),
        &["context.contextActivities.parent[1].id: must be an absolute IRI (a scheme, a colon and no spaces)"],
    );
    invalid(
        set(base(), "/context", json!({"contextActivities": {"grouping": [{"objectType": "Agent", "mbox": "mailto:a@b.c"}]}})),
        &["context.contextActivities.grouping[0].objectType: must be \"Activity\" (case-sensitive)"],
    );
    valid(
        &set(
            base(),
            "/context",
            json!({"contextActivities": {"other": {"id": "http://example.com/a"}}}),
        ),
        V1,
    );
}

/// Data 2.4.6.2.s4.b3, b4 — single context Activities are returned as arrays of one.
#[test]
fn context_activities_are_normalised_to_arrays() {
    let stmt = set(
        set(
            base(),
            "/context",
            json!({"contextActivities": {"other": {"id": "http://example.com/a"}, "parent": [{"id": "http://example.com/p"}]}}),
        ),
        "/object",
        set(
            substatement(),
            "/context",
            json!({"contextActivities": {"category": {"id": "http://example.com/c"}}}),
        ),
    );
    let out = normalise_statement(&stmt, V1);
    assert_eq!(
        out["context"]["contextActivities"]["other"],
        json!([{"id": "http://example.com/a"}])
    );
    assert_eq!(
        out["context"]["contextActivities"]["parent"],
        json!([{"id": "http://example.com/p"}])
    );
    assert_eq!(
        out["object"]["context"]["contextActivities"]["category"],
        json!([{"id": "http://example.com/c"}])
    );
    valid(&out, V1);
}

/// Data 2.4.6 — context.statement is a StatementRef.
#[test]
fn the_context_statement_is_a_statement_ref() {
    invalid(
        set(
            base(),
            "/context",
            json!({"statement": {"id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"}}),
        ),
        &["context.statement.objectType: is required and must be \"StatementRef\""],
    );
    invalid(
        set(
            base(),
            "/context",
            json!({"statement": {"objectType": "SubStatement", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"}}),
        ),
        &["context.statement.objectType: must be \"StatementRef\""],
    );
}

/// Data 4.5, checklist — a 1.0.3 timestamp is ISO 8601, and -00:00 is refused.
#[test]
fn timestamps_are_iso_8601() {
    invalid(
        set(base(), "/timestamp", json!("18 May 2013")),
        &["timestamp: must be an ISO 8601 date and time such as 2013-05-18T05:32:34.804Z"],
    );
    for negative_zero in [
        "2013-05-18T05:32:34.804-00:00",
        "20130518T053234-0000",
        "2013-05-18T05:32:34-00",
    ] {
        invalid(
            set(base(), "/timestamp", json!(negative_zero)),
            &["timestamp: must not use the offset -00:00 (use Z or +00:00 for UTC)"],
        );
    }
    invalid(
        set(base(), "/timestamp", json!("2013-02-29T05:32:34Z")),
        &["timestamp: is not an existing date and time"],
    );
    invalid(
        set(base(), "/stored", json!("yesterday")),
        &["stored: must be an ISO 8601 date and time such as 2013-05-18T05:32:34.804Z"],
    );
    valid(
        &set(base(), "/timestamp", json!("2013-05-18T05:32:34.804")),
        V1,
    );
}

/// 2.0 (checklist) — timestamps are RFC 3339; -00:00 is accepted and non-UTC offsets are
/// converted to UTC.
#[test]
fn timestamps_are_rfc_3339_in_2_0() {
    invalid_in(
        &set(base(), "/timestamp", json!("2013-05-18T05:32:34")),
        V2,
        &["timestamp: must be an RFC 3339 date-time with a time zone, such as 2013-05-18T05:32:34.804Z"],
    );
    let stmt = set(base(), "/timestamp", json!("2013-05-18T07:32:34.804+02:00"));
    valid(&stmt, V2);
    assert_eq!(
        normalise_statement(&stmt, V2)["timestamp"],
        json!("2013-05-18T05:32:34.804Z")
    );
    assert_eq!(
        normalise_statement(&stmt, V1)["timestamp"],
        json!("2013-05-18T07:32:34.804+02:00"),
        "1.0.3 keeps the client's serialisation"
    );
    valid(
        &set(base(), "/timestamp", json!("2013-05-18T05:32:34.804-00:00")),
        V2,
    );
    let year_zero = set(base(), "/timestamp", json!("0000-01-01T00:30:00+01:00"));
    valid(&year_zero, V2);
    assert_eq!(
        normalise_statement(&year_zero, V2)["timestamp"],
        json!("0000-01-01T00:30:00+01:00"),
        "a UTC form outside four-digit years is not produced"
    );
}

/// Data 2.4.9.s3.b1 — the authority is an Agent, or a Group of two Agents (3-legged OAuth).
#[test]
fn the_authority_is_an_agent_or_an_oauth_pair() {
    let oauth = json!({"objectType": "Group", "member": [
        {"account": {"homePage": "http://example.com/xAPI/OAuth/Token", "name": "oauth_consumer_x75db"}},
        {"mbox": "mailto:bob@example.com"}
    ]});
    valid(&set(base(), "/authority", oauth.clone()), V1);
    invalid(
        set(base(), "/authority", set(oauth.clone(), "/member", json!([{"mbox": "mailto:bob@example.com"}]))),
        &["authority.member: an authority Group must have exactly two members (the OAuth application and the user)"],
    );
    invalid(
        set(base(), "/authority", set(oauth, "/member/0", json!({"mbox": "mailto:app@example.com"}))),
        &["authority.member: one member of an authority Group must be the OAuth consumer, identified by account"],
    );
    invalid(
        set(base(), "/authority", json!({"name": "LRS"})),
        &["authority: an Agent must have exactly one inverse functional identifier (mbox, mbox_sha1sum, openid or account)"],
    );
}

/// Data 2.4.10.s3.b1, b2 — the statement version starts with 1.0. (2.0 also takes 2.0.x).
#[test]
fn statement_versions() {
    for good in ["1.0.0", "1.0.3", "1.0.27"] {
        valid(&set(base(), "/version", json!(good)), V1);
    }
    for bad in ["1.1.0", "0.95", "1.0", "2.0.0", "1.0.0-beta"] {
        invalid(
            set(base(), "/version", json!(bad)),
            &["version: must be 1.0.x, e.g. 1.0.0"],
        );
    }
    valid(&set(base(), "/version", json!("2.0.0")), V2);
    valid(&set(base(), "/version", json!("1.0.0")), V2);
    invalid_in(
        &set(base(), "/version", json!("2.1.0")),
        V2,
        &["version: must be 1.0.x or 2.0.x, e.g. 2.0.0"],
    );
    invalid(
        set(base(), "/version", json!(1.0)),
        &["version: must be a string"],
    );
}
