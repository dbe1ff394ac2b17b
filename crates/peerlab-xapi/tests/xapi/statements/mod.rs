//! Statement validation and formatting, requirement by requirement. Each test names the
//! section of the xAPI 1.0.3 Data (or Communication) document it checks; "2.0" marks the
//! IEEE 9274.1.1 changes listed in the project's xAPI checklist.

// Tests read their fixture files; the library itself never touches the file system.
#![allow(clippy::disallowed_methods)]

use std::path::Path;

use peerlab_xapi::{
    accept_language, agent_ifi, format_statement, normalise_statement, parse_json, statement_id,
    validate_statement, voided_statement_id, Format, Version, VersionError, MAX_ERRORS,
};
use serde_json::{json, Value};

mod actors;
mod attachments;
mod context;
mod formats;
mod objects;

const V1: Version = Version::V1_0_3;
const V2: Version = Version::V2_0_0;

/// A minimal valid statement to mutate.
fn base() -> Value {
    json!({
        "actor": {"objectType": "Agent", "mbox": "mailto:ada@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted", "display": {"en-US": "attempted"}},
        "object": {"id": "http://example.com/activities/1"}
    })
}

/// `value` with the JSON pointer `pointer` set to `new` (the parent must exist).
fn set(mut value: Value, pointer: &str, new: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a slash");
    match value.pointer_mut(parent).expect("parent exists") {
        Value::Object(map) => {
            map.insert(key.replace("~1", "/").replace("~0", "~"), new);
        }
        Value::Array(items) => {
            let i: usize = key.parse().expect("index");
            items[i] = new;
        }
        other => panic!("cannot set {pointer} in {other}"),
    }
    value
}

/// `value` without the property at `pointer`.
fn remove(mut value: Value, pointer: &str) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a slash");
    if let Some(Value::Object(map)) = value.pointer_mut(parent) {
        map.remove(key);
    }
    value
}

fn problems(value: &Value, version: Version) -> Vec<String> {
    match validate_statement(value, version) {
        Ok(()) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

#[track_caller]
fn valid(value: &Value, version: Version) {
    assert_eq!(problems(value, version), Vec::<String>::new(), "{value:#}");
}

#[track_caller]
fn invalid_in(value: &Value, version: Version, expected: &[&str]) {
    assert_eq!(problems(value, version), expected, "{value:#}");
}

#[track_caller]
fn invalid(value: Value, expected: &[&str]) {
    invalid_in(&value, V1, expected);
}

fn spec_examples() -> Vec<(&'static str, Value)> {
    vec![
        (
            "Data 2.4.s2 simplest statement",
            json!({
                "id": "12345678-1234-5678-1234-567812345678",
                "actor": {"mbox": "mailto:xapi@adlnet.gov"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/created", "display": {"en-US": "created"}},
                "object": {"id": "http://example.adlnet.gov/xapi/example/activity"}
            }),
        ),
        (
            "Data 2.3.2.s3 voiding",
            json!({
                "actor": {"objectType": "Agent", "name": "Example Admin", "mbox": "mailto:admin@example.adlnet.gov"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
                "object": {"objectType": "StatementRef", "id": "e05aa883-acaf-40ad-bf54-02c8ce485fb0"}
            }),
        ),
        (
            "Data 2.4.4.3.s5 StatementRef",
            json!({
                "actor": {"objectType": "Agent", "mbox": "mailto:test@example.com"},
                "verb": {"id": "http://example.com/commented", "display": {"en-US": "commented"}},
                "object": {"objectType": "StatementRef", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"},
                "result": {"response": "Wow, nice work!"}
            }),
        ),
        (
            "Data 2.4.4.3.s9 SubStatement",
            json!({
                "actor": {"objectType": "Agent", "mbox": "mailto:test@example.com"},
                "verb": {"id": "http://example.com/planned", "display": {"en-US": "planned"}},
                "object": {
                    "objectType": "SubStatement",
                    "actor": {"objectType": "Agent", "mbox": "mailto:test@example.com"},
                    "verb": {"id": "http://example.com/visited", "display": {"en-US": "will visit"}},
                    "object": {
                        "objectType": "Activity",
                        "id": "http://example.com/website",
                        "definition": {"name": {"en-US": "Some Awesome Website"}}
                    }
                }
            }),
        ),
        (
            "Data Appendix A simple",
            json!({
                "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
                "timestamp": "2015-11-18T12:17:00+00:00",
                "actor": {"objectType": "Agent", "name": "Project Tin Can API", "mbox": "mailto:user@example.com"},
                "verb": {"id": "http://example.com/xapi/verbs#sent-a-statement", "display": {"en-US": "sent"}},
                "object": {
                    "id": "http://example.com/xapi/activity/simplestatement",
                    "definition": {
                        "name": {"en-US": "simple statement"},
                        "description": {"en-US": "A simple Experience API statement."}
                    }
                }
            }),
        ),
        (
            "Data Appendix A completion",
            json!({
                "id": "7ccd3322-e1a5-411a-a67d-6a735c76f119",
                "timestamp": "2015-12-18T12:17:00+00:00",
                "actor": {"objectType": "Agent", "name": "Example Learner", "mbox": "mailto:example.learner@adlnet.gov"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted", "display": {"en-US": "attempted"}},
                "object": {
                    "id": "http://example.adlnet.gov/xapi/example/simpleCBT",
                    "definition": {"name": {"en-US": "simple CBT course"}, "description": {"en-US": "A fictitious example CBT course."}}
                },
                "result": {"score": {"scaled": 0.95}, "success": true, "completion": true, "duration": "PT1234S"}
            }),
        ),
        ("Data Appendix A long", long_example()),
        (
            "Data Appendix D signed",
            json!({
                "version": "1.0.0",
                "id": "33cff416-e331-4c9d-969e-5373a1756120",
                "actor": {"mbox": "mailto:example@example.com", "name": "Example Learner", "objectType": "Agent"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
                "object": {
                    "id": "https://www.youtube.com/watch?v=xh4kIiH3Sm8",
                    "objectType": "Activity",
                    "definition": {
                        "name": {"en-US": "Tax Tips & Information : How to File a Tax Return "},
                        "description": {"en-US": "Filing a tax return will require filling out either a 1040, 1040A or 1040EZ form"}
                    }
                },
                "timestamp": "2013-04-01T12:00:00Z",
                "attachments": [{
                    "usageType": "http://adlnet.gov/expapi/attachments/signature",
                    "display": {"en-US": "Signature"},
                    "description": {"en-US": "A test signature"},
                    "contentType": "application/octet-stream",
                    "length": 4235,
                    "sha2": "672fa5fa658017f1b72d65036f13379c6ab05d4ab3b6664908d8acf0b6a0c634"
                }]
            }),
        ),
    ]
}

/// The long example statement of Data Appendix A, verbatim.
fn long_example() -> Value {
    let text = include_str!("../../corpus/valid-appendix-a-long.json");
    serde_json::from_str(text).expect("example parses")
}

/// Data Appendix A, B, D and 2.x examples — every example statement in the spec validates,
/// under 1.0.3 and under 2.0 (whose data model is a superset).
#[test]
fn the_spec_examples_are_valid() {
    for (name, example) in spec_examples() {
        assert_eq!(problems(&example, V1), Vec::<String>::new(), "{name}");
        assert_eq!(
            problems(&example, V2),
            Vec::<String>::new(),
            "{name} under 2.0"
        );
    }
}

/// Data Appendix B — every example object of a different type is a valid statement object.
#[test]
fn the_appendix_b_objects_are_valid() {
    let objects = [
        json!({"id": "http://www.example.co.uk/exampleactivity", "definition": {"name": {"en-GB": "example activity", "en-US": "example activity"}, "description": {"en-GB": "An example of an activity", "en-US": "An example of an activity"}, "type": "http://www.example.co.uk/types/exampleactivitytype"}, "objectType": "Activity"}),
        json!({"name": "Andrew Downes", "mbox": "mailto:andrew@example.co.uk", "objectType": "Agent"}),
        json!({"name": "Example Group", "account": {"homePage": "http://example.com/homePage", "name": "GroupAccount"}, "objectType": "Group", "member": [{"name": "Andrew Downes", "mbox": "mailto:andrew@example.com", "objectType": "Agent"}, {"name": "Aaron Silvers", "openid": "http://aaron.openid.example.org", "objectType": "Agent"}]}),
        json!({"objectType": "SubStatement", "actor": {"objectType": "Agent", "mbox": "mailto:agent@example.com"}, "verb": {"id": "http://example.com/confirmed", "display": {"en": "confirmed"}}, "object": {"objectType": "StatementRef", "id": "9e13cefd-53d3-4eac-b5ed-2cf6693903bb"}}),
    ];
    for object in objects {
        valid(&set(base(), "/object", object), V1);
    }
}

/// Data Appendix C — the example definition of every cmi.interaction type is valid.
#[test]
fn the_appendix_c_interactions_are_valid() {
    let component = |id: &str| json!({"id": id, "description": {"en-US": id}});
    let definitions = [
        json!({"interactionType": "true-false", "correctResponsesPattern": ["true"]}),
        json!({"interactionType": "choice", "correctResponsesPattern": ["golf[,]tetris"], "choices": [component("golf"), component("facebook"), component("tetris")]}),
        json!({"interactionType": "fill-in", "correctResponsesPattern": ["Bob's your uncle"]}),
        json!({"interactionType": "long-fill-in", "correctResponsesPattern": ["{case_matters=false}{lang=en}To store and provide access to learning experiences."]}),
        json!({"interactionType": "likert", "correctResponsesPattern": ["likert_3"], "scale": [component("likert_0"), component("likert_3")]}),
        json!({"interactionType": "matching", "correctResponsesPattern": ["ben[.]3[,]chris[.]2"], "source": [component("ben"), component("chris")], "target": [component("2"), component("3")]}),
        json!({"interactionType": "performance", "correctResponsesPattern": ["pong[.]1:[,]dg[.]:10[,]lunch[.]"], "steps": [component("pong"), component("dg"), component("lunch")]}),
        json!({"interactionType": "sequencing", "correctResponsesPattern": ["tim[,]mike"], "choices": [component("tim"), component("mike")]}),
        json!({"interactionType": "numeric", "correctResponsesPattern": ["4[:]"]}),
        json!({"interactionType": "other", "correctResponsesPattern": ["(35.937432,-86.868896)"]}),
    ];
    for mut definition in definitions {
        definition["type"] = json!("http://adlnet.gov/expapi/activities/cmi.interaction");
        definition["description"] = json!({"en-US": "A question"});
        valid(&set(base(), "/object/definition", definition), V1);
    }
}

/// Data 2.2.s2.b3 — a statement MUST use actor, verb and object.
#[test]
fn actor_verb_and_object_are_required() {
    invalid(
        json!({}),
        &[
            "actor: is required",
            "verb: is required",
            "object: is required",
        ],
    );
    invalid(remove(base(), "/verb"), &["verb: is required"]);
}

/// Data 2.2.s4.b1.b2 — a statement is a JSON object.
#[test]
fn a_statement_is_an_object() {
    invalid(json!([]), &["statement: must be a JSON object"]);
    invalid(json!(null), &["statement: must not be null"]);
}

/// Data 2.2.s4.b1.b7, 2.2.s4.b8 — properties the spec does not define are rejected.
#[test]
fn unknown_properties_are_rejected() {
    invalid(
        set(base(), "/foo", json!(1)),
        &["foo: is not a property of a Statement"],
    );
    invalid(
        set(base(), "/objectType", json!("Statement")),
        &["objectType: is not a property of a Statement"],
    );
    invalid(
        set(base(), "/verb/name", json!("x")),
        &["verb.name: is not a property of a Verb"],
    );
    invalid(
        set(base(), "/object/definition", json!({"title": {"en": "x"}})),
        &["object.definition.title: is not a property of an Activity definition"],
    );
}

/// Data 2.2.s4.b1.b5 — the case of a key must match the spec.
#[test]
fn property_names_are_case_sensitive() {
    invalid(
        set(remove(base(), "/actor/mbox"), "/actor/Mbox", json!("mailto:ada@example.com")),
        &[
            "actor.Mbox: is not a property of an Agent; property names are case-sensitive (did you mean \"mbox\"?)",
            "actor: an Agent must have exactly one inverse functional identifier (mbox, mbox_sha1sum, openid or account)",
        ],
    );
    invalid(
        set(base(), "/Result", json!({})),
        &["Result: is not a property of a Statement; property names are case-sensitive (did you mean \"result\"?)"],
    );
}

/// Data 2.2.s4.b1.b6 — enumerated values must match exactly, case included.
#[test]
fn enumerated_values_are_case_sensitive() {
    invalid(
        set(base(), "/actor/objectType", json!("agent")),
        &["actor.objectType: must be \"Agent\" or \"Group\" (case-sensitive)"],
    );
    invalid(
        set(base(), "/object/objectType", json!("activity")),
        &["object.objectType: must be \"Activity\", \"Agent\", \"Group\", \"StatementRef\" or \"SubStatement\" (case-sensitive)"],
    );
    invalid(
        set(base(), "/object/definition", json!({"interactionType": "Choice"})),
        &["object.definition.interactionType: must be one of true-false, choice, fill-in, long-fill-in, matching, performance, sequencing, likert, numeric, other (case-sensitive)"],
    );
}

/// Data 2.2.s4.b1.b1 — null values are rejected, except inside extensions.
#[test]
fn nulls_are_rejected_outside_extensions() {
    invalid(set(base(), "/id", Value::Null), &["id: must not be null"]);
    invalid(
        set(base(), "/result", Value::Null),
        &["result: must not be null"],
    );
    invalid(
        set(base(), "/verb/display/en-US", Value::Null),
        &["verb.display.en-US: must not be null"],
    );
    invalid(
        set(base(), "/actor/name", Value::Null),
        &["actor.name: must not be null"],
    );
    valid(
        &set(
            base(),
            "/result",
            json!({"extensions": {"http://example.com/x": null}}),
        ),
        V1,
    );
}

/// Data 2.2.s4.b1.b2, b3 — strings are not numbers or booleans, even when they look like one.
#[test]
fn wrong_types_are_rejected() {
    invalid(
        set(
            base(),
            "/result",
            json!({"score": {"scaled": "0.5"}, "success": "true", "completion": 1}),
        ),
        &[
            "result.score.scaled: must be a number (not a string)",
            "result.success: must be a boolean (true or false, not a string)",
            "result.completion: must be a boolean (true or false, not a string)",
        ],
    );
    invalid(
        set(base(), "/result", json!({"response": 42})),
        &["result.response: must be a string"],
    );
}

/// Data 2.4.1, 4.4 — the id is a UUID in standard string form.
#[test]
fn the_id_is_a_uuid() {
    for bad in [
        "",
        "not-a-uuid",
        "6690e6c93ef04ed38b377f3964730bee",
        "{6690e6c9-3ef0-4ed3-8b37-7f3964730bee}",
        "6690e6c9-3ef0-4ed3-8b37-7f3964730bex",
    ] {
        invalid(
            set(base(), "/id", json!(bad)),
            &["id: must be a UUID in standard string form (8-4-4-4-12 hex digits)"],
        );
    }
    invalid(set(base(), "/id", json!(12)), &["id: must be a string"]);
    valid(
        &set(base(), "/id", json!("6690E6C9-3EF0-4ED3-8B37-7F3964730BEE")),
        V1,
    );
}
