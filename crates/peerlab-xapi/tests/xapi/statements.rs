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
    let text = include_str!("../corpus/valid-appendix-a-long.json");
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

/// Data 2.4.2.1.s2.b1 — an Agent is identified by one IFI.
#[test]
fn an_agent_needs_an_ifi() {
    invalid(
        set(base(), "/actor", json!({"name": "Ada"})),
        &["actor: an Agent must have exactly one inverse functional identifier (mbox, mbox_sha1sum, openid or account)"],
    );
}

/// Data 2.4.2.1.s2.b2 — an Agent has no more than one IFI.
#[test]
fn an_agent_has_only_one_ifi() {
    invalid(
        set(base(), "/actor/openid", json!("http://ada.openid.example.org/")),
        &["actor: an Agent must have exactly one inverse functional identifier, not mbox and openid"],
    );
}

/// Data 2.4.2.3 — mbox is a mailto IRI.
#[test]
fn mbox_is_a_mailto_iri() {
    for bad in [
        "ada@example.com",
        "MAILTO:ada@example.com",
        "mailto:",
        "mailto:ada",
        "mailto:@example.com",
        "mailto:ada@",
        "mailto:ada lovelace@example.com",
        "mailto:a@b.c,d@e.f",
    ] {
        invalid(
            set(base(), "/actor/mbox", json!(bad)),
            &["actor.mbox: must be a mailto: IRI"],
        );
    }
}

/// Data 2.4.2.3 — mbox_sha1sum is a hex SHA-1 hash.
#[test]
fn mbox_sha1sum_is_hex() {
    let agent = |sum: &str| json!({"mbox_sha1sum": sum});
    valid(
        &set(
            base(),
            "/actor",
            agent("ebd31e95054c018b10727ccffd2ef2ec3a016ee9"),
        ),
        V1,
    );
    for bad in [
        "ebd31e95054c018b10727ccffd2ef2ec3a016ee",
        "zbd31e95054c018b10727ccffd2ef2ec3a016ee9",
        "",
    ] {
        invalid(
            set(base(), "/actor", agent(bad)),
            &["actor.mbox_sha1sum: must be a SHA-1 hash as 40 hex digits"],
        );
    }
}

/// Data 2.4.2.3 — openid is a URI.
#[test]
fn openid_is_a_uri() {
    invalid(
        set(
            base(),
            "/actor",
            json!({"openid": "toby.openid.example.org"}),
        ),
        &["actor.openid: must be an absolute URI"],
    );
}

/// Data 2.4.2.4 — an account has homePage (an IRL) and name, and nothing else.
#[test]
fn an_account_has_home_page_and_name() {
    invalid(
        set(base(), "/actor", json!({"account": {"name": "13936749"}})),
        &["actor.account.homePage: is required"],
    );
    invalid(
        set(
            base(),
            "/actor",
            json!({"account": {"homePage": "www.example.com", "name": "x"}}),
        ),
        &["actor.account.homePage: must be an absolute IRL (a scheme, a colon and no spaces)"],
    );
    invalid(
        set(
            base(),
            "/actor",
            json!({"account": {"homePage": "http://www.example.com", "name": 13936749}}),
        ),
        &["actor.account.name: must be a string"],
    );
    invalid(
        set(
            base(),
            "/actor",
            json!({"account": {"homePage": "http://www.example.com", "name": "x", "id": 1}}),
        ),
        &["actor.account.id: is not a property of an Account"],
    );
}

/// Data 2.4.2.2.s4.b1 — an anonymous Group lists its members.
#[test]
fn an_anonymous_group_lists_members() {
    invalid(
        set(base(), "/actor", json!({"objectType": "Group", "name": "Team"})),
        &["actor.member: is required: a Group without an inverse functional identifier is anonymous and must list its members"],
    );
    invalid(
        set(
            base(),
            "/actor",
            json!({"objectType": "Group", "member": []}),
        ),
        &["actor.member: an anonymous Group must list at least one member"],
    );
    invalid(
        set(
            base(),
            "/actor",
            json!({"objectType": "Group", "member": {"mbox": "mailto:a@b.c"}}),
        ),
        &["actor.member: must be an array"],
    );
}

/// Data 2.4.2.2.s4.b2, s5.b2 — Groups do not contain Groups.
#[test]
fn group_members_are_agents() {
    invalid(
        set(base(), "/actor", json!({"objectType": "Group", "member": [{"objectType": "Group", "mbox": "mailto:g@example.com"}]})),
        &["actor.member[0].objectType: must be \"Agent\": a Group's members are Agents, not Groups"],
    );
    invalid(
        set(base(), "/actor", json!({"objectType": "Group", "mbox": "mailto:team@example.com", "member": [{"mbox": "mailto:a@example.com"}, {"name": "nobody"}]})),
        &["actor.member[1]: an Agent must have exactly one inverse functional identifier (mbox, mbox_sha1sum, openid or account)"],
    );
}

/// Data 2.4.2.2.s5.b1 — an identified Group has exactly one IFI.
#[test]
fn an_identified_group_has_one_ifi() {
    invalid(
        set(base(), "/actor", json!({"objectType": "Group", "mbox": "mailto:team@example.com", "openid": "http://team.example.com/"})),
        &["actor: an identified Group must have exactly one inverse functional identifier, not mbox and openid"],
    );
    valid(
        &set(
            base(),
            "/actor",
            json!({"objectType": "Group", "mbox": "mailto:team@example.com"}),
        ),
        V1,
    );
}

/// Data 2.4.2.1 — an Agent has no member list.
#[test]
fn an_agent_has_no_members() {
    invalid(
        set(base(), "/actor/member", json!([])),
        &["actor.member: is not a property of an Agent"],
    );
}

/// Data 2.4.3 — the verb id is an IRI; display is a language map.
#[test]
fn the_verb_is_an_iri_with_a_display_map() {
    invalid(
        set(base(), "/verb/id", json!("attempted")),
        &["verb.id: must be an absolute IRI (a scheme, a colon and no spaces)"],
    );
    invalid(
        set(base(), "/verb", json!({"display": {"en-US": "attempted"}})),
        &["verb.id: is required"],
    );
    invalid(
        set(base(), "/verb/display", json!("attempted")),
        &["verb.display: must be a JSON object"],
    );
}

/// Data 2.2.s4.b2, 4.2 — language map keys are RFC 5646 tags, values strings.
#[test]
fn language_map_keys_are_language_tags() {
    invalid(
        set(base(), "/verb/display", json!({"en_US": "attempted"})),
        &["verb.display.en_US: must be an RFC 5646 language tag"],
    );
    invalid(
        set(base(), "/verb/display", json!({"e": "attempted", "": "x"})),
        &[
            "verb.display[\"\"]: must be an RFC 5646 language tag",
            "verb.display.e: must be an RFC 5646 language tag",
        ],
    );
    invalid(
        set(base(), "/verb/display", json!({"en": ["attempted"]})),
        &["verb.display.en: must be a string"],
    );
}

/// Data 2.2.s4.b1.b8, 3.1 — IRIs need a scheme and no spaces.
#[test]
fn iris_need_a_scheme() {
    for bad in [
        "not an iri",
        "http://",
        "http://example.com/a b",
        "/activities/1",
        "example.com/a",
    ] {
        invalid(
            set(base(), "/object/id", json!(bad)),
            &["object.id: must be an absolute IRI (a scheme, a colon and no spaces)"],
        );
    }
    valid(
        &set(base(), "/object/id", json!("http://example.com/فعل/خواندن")),
        V1,
    );
}

/// Data 2.4.4.1 — an Activity has an id and only objectType, id and definition.
#[test]
fn an_activity_has_an_id() {
    invalid(
        set(base(), "/object", json!({"objectType": "Activity"})),
        &["object.id: is required"],
    );
    invalid(
        set(base(), "/object/name", json!("x")),
        &["object.name: is not a property of an Activity"],
    );
}

/// Data 2.4.4.1.s2 — definition name/description are language maps, type an IRI, moreInfo an
/// IRL, extension keys IRIs.
#[test]
fn an_activity_definition_is_checked() {
    invalid(
        set(
            base(),
            "/object/definition",
            json!({"name": "Quiz", "description": {"en": 1}, "type": "quiz", "moreInfo": "quiz.html", "extensions": {"level": 3}}),
        ),
        &[
            "object.definition.name: must be a JSON object",
            "object.definition.description.en: must be a string",
            "object.definition.type: must be an absolute IRI (a scheme, a colon and no spaces)",
            "object.definition.moreInfo: must be an absolute IRL (a scheme, a colon and no spaces)",
            "object.definition.extensions.level: extension keys must be absolute IRIs",
        ],
    );
}

/// Data 2.4.4.1.s8, s13.b1 — interaction properties need a valid interactionType.
#[test]
fn interaction_properties_need_an_interaction_type() {
    invalid(
        set(base(), "/object/definition", json!({"correctResponsesPattern": ["true"]})),
        &["object.definition.interactionType: is required when correctResponsesPattern or interaction components are present"],
    );
    invalid(
        set(base(), "/object/definition", json!({"interactionType": "essay"})),
        &["object.definition.interactionType: must be one of true-false, choice, fill-in, long-fill-in, matching, performance, sequencing, likert, numeric, other (case-sensitive)"],
    );
    invalid(
        set(
            base(),
            "/object/definition",
            json!({"interactionType": "fill-in", "correctResponsesPattern": "foo"}),
        ),
        &["object.definition.correctResponsesPattern: must be an array"],
    );
    invalid(
        set(
            base(),
            "/object/definition",
            json!({"interactionType": "fill-in", "correctResponsesPattern": ["foo", 1]}),
        ),
        &["object.definition.correctResponsesPattern[1]: must be a string"],
    );
}

/// Data 2.4.4.1.s15 — each interaction type supports only its component lists.
#[test]
fn component_lists_match_the_interaction_type() {
    let c = json!([{"id": "a"}]);
    invalid(
        set(
            base(),
            "/object/definition",
            json!({"interactionType": "choice", "scale": c}),
        ),
        &["object.definition.scale: is not allowed for interactionType \"choice\""],
    );
    invalid(
        set(
            base(),
            "/object/definition",
            json!({"interactionType": "true-false", "choices": c}),
        ),
        &["object.definition.choices: is not allowed for interactionType \"true-false\""],
    );
    invalid(
        set(
            base(),
            "/object/definition",
            json!({"interactionType": "likert", "steps": c, "source": c}),
        ),
        &[
            "object.definition.source: is not allowed for interactionType \"likert\"",
            "object.definition.steps: is not allowed for interactionType \"likert\"",
        ],
    );
}

/// Data 2.4.4.1.s15, s16.b1 — components have an id, distinct within the list.
#[test]
fn interaction_components_have_distinct_ids() {
    invalid(
        set(
            base(),
            "/object/definition",
            json!({"interactionType": "choice", "choices": [{"id": "a"}, {"id": "b"}, {"id": "a"}]}),
        ),
        &["object.definition.choices[2].id: must be distinct within the list"],
    );
    invalid(
        set(
            base(),
            "/object/definition",
            json!({"interactionType": "choice", "choices": [{"description": {"en": "A"}}, {"id": 2}, {"id": "c", "label": "C"}]}),
        ),
        &[
            "object.definition.choices[0].id: is required",
            "object.definition.choices[1].id: must be a string",
            "object.definition.choices[2].label: is not a property of an interaction component",
        ],
    );
}

/// Data 2.4.4.2.s1.b1 — an Agent or Group as the object must say so with objectType.
#[test]
fn an_agent_object_needs_an_object_type() {
    invalid(
        set(base(), "/object", json!({"mbox": "mailto:ben@example.com"})),
        &["object.objectType: is required when the object is an Agent or a Group (without it the object is an Activity)"],
    );
    valid(
        &set(
            base(),
            "/object",
            json!({"objectType": "Agent", "mbox": "mailto:ben@example.com"}),
        ),
        V1,
    );
    invalid(
        set(
            base(),
            "/object",
            json!({"objectType": "Agent", "mbox": "ben@example.com"}),
        ),
        &["object.mbox: must be a mailto: IRI"],
    );
}

/// Data 2.4.4.3.s4 — a StatementRef has objectType StatementRef and a UUID id.
#[test]
fn a_statement_ref_has_a_uuid() {
    invalid(
        set(
            base(),
            "/object",
            json!({"objectType": "StatementRef", "id": "http://example.com/s/1"}),
        ),
        &["object.id: must be a UUID in standard string form (8-4-4-4-12 hex digits)"],
    );
    invalid(
        set(base(), "/object", json!({"objectType": "StatementRef"})),
        &["object.id: is required"],
    );
    invalid(
        set(
            base(),
            "/object",
            json!({"objectType": "StatementRef", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0", "definition": {}}),
        ),
        &["object.definition: is not a property of a StatementRef"],
    );
}

fn substatement() -> Value {
    json!({
        "objectType": "SubStatement",
        "actor": {"mbox": "mailto:ben@example.com"},
        "verb": {"id": "http://example.com/visited"},
        "object": {"id": "http://example.com/website"}
    })
}

/// Data 2.4.4.3.s8.b2 — a SubStatement is validated as a Statement.
#[test]
fn a_substatement_is_validated_as_a_statement() {
    invalid(
        set(
            base(),
            "/object",
            remove(set(substatement(), "/actor/mbox", json!("ben")), "/verb"),
        ),
        &[
            "object.actor.mbox: must be a mailto: IRI",
            "object.verb: is required",
        ],
    );
}

/// Data 2.4.4.3.s8.b3 — a SubStatement has no id, stored, version or authority.
#[test]
fn a_substatement_has_no_lrs_properties() {
    let mut sub = substatement();
    sub["id"] = json!("8f87ccde-bb56-4c2e-ab83-44982ef22df0");
    sub["stored"] = json!("2013-05-18T05:32:34.804+00:00");
    sub["version"] = json!("1.0.0");
    sub["authority"] = json!({"mbox": "mailto:lrs@example.com"});
    sub["extra"] = json!(1);
    invalid(
        set(base(), "/object", sub),
        &[
            "object.authority: must not be used in a SubStatement",
            "object.extra: is not a property of a SubStatement",
            "object.id: must not be used in a SubStatement",
            "object.stored: must not be used in a SubStatement",
            "object.version: must not be used in a SubStatement",
        ],
    );
}

/// Data 2.4.4.3.s8.b4 — SubStatements do not nest.
#[test]
fn substatements_do_not_nest() {
    let nested = set(substatement(), "/object", substatement());
    invalid(
        set(base(), "/object", nested),
        &["object.object.objectType: a SubStatement must not contain a SubStatement"],
    );
}

/// Data 2.4.7.s3.b5 — a SubStatement may have a timestamp, even in the future.
#[test]
fn a_substatement_may_have_a_future_timestamp() {
    valid(
        &set(
            base(),
            "/object",
            set(substatement(), "/timestamp", json!("2999-01-01T00:00:00Z")),
        ),
        V1,
    );
}

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
