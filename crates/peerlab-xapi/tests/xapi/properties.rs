//! Property tests: validation and formatting never panic, whatever JSON arrives, and a
//! statement that validates stays valid once normalised and formatted.

use peerlab_xapi::{
    agent_ifi, format_statement, normalise_statement, validate_statement, Format, Version,
    MAX_ERRORS,
};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Strings that hit the interesting branches: property names, objectTypes, IRIs, UUIDs, tags,
/// timestamps, durations, and arbitrary text.
fn interesting_string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "objectType", "Agent", "Group", "Activity", "SubStatement", "StatementRef",
            "contextAgent", "contextGroup", "id", "mbox", "mbox_sha1sum", "openid", "account",
            "homePage", "name", "member", "actor", "verb", "object", "result", "context",
            "definition", "display", "interactionType", "choice", "likert", "choices", "scale",
            "source", "target", "steps", "correctResponsesPattern", "score", "raw", "min", "max",
            "scaled", "duration", "timestamp", "stored", "authority", "version", "attachments",
            "contextActivities", "parent", "grouping", "category", "other", "contextAgents",
            "contextGroups", "agent", "group", "relevantTypes", "statement", "extensions",
            "mailto:a@example.com", "http://example.com/a", "http://", "not an iri",
            "6690e6c9-3ef0-4ed3-8b37-7f3964730bee", "en-US", "x-", "-", "1.0.0", "2.0.0",
            "2013-05-18T05:32:34.804-00:00", "PT1.5H", "P4W", "", "%", "[", "é", "ﬃ",
            "http://adlnet.gov/expapi/verbs/voided",
        ]).prop_map(str::to_string),
        1 => any::<String>(),
        1 => "[a-zA-Z0-9:/@.%\\[\\]#?-]{0,24}",
    ]
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        (-1e12f64..1e12).prop_map(|f| json!(f)),
        interesting_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((interesting_string(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A statement that uses most properties, to mutate.
fn rich_statement() -> Value {
    json!({
        "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
        "actor": {"objectType": "Group", "name": "Pair", "member": [
            {"mbox": "mailto:a@example.com"},
            {"account": {"homePage": "http://example.com", "name": "b"}}
        ]},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered", "de": "beantwortet"}},
        "object": {"objectType": "Activity", "id": "http://example.com/q/1", "definition": {
            "name": {"en": "Question 1"},
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "interactionType": "choice",
            "correctResponsesPattern": ["a[,]b"],
            "choices": [{"id": "a", "description": {"en": "A"}}, {"id": "b"}],
            "extensions": {"http://example.com/ext": {"any": [1, null]}}
        }},
        "result": {"score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10}, "success": true,
                   "completion": false, "response": "a[,]b", "duration": "PT1M2.5S"},
        "context": {
            "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
            "instructor": {"openid": "http://coach.example.org/"},
            "team": {"objectType": "Group", "mbox": "mailto:team@example.com"},
            "contextActivities": {"parent": {"id": "http://example.com/quiz"}, "other": [{"id": "http://example.com/o"}]},
            "contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:c@example.com"}, "relevantTypes": ["http://example.com/t"]}],
            "contextGroups": [{"objectType": "contextGroup", "group": {"objectType": "Group", "member": [{"mbox": "mailto:d@example.com"}]}}],
            "revision": "2", "platform": "web", "language": "en-GB",
            "statement": {"objectType": "StatementRef", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"},
            "extensions": {"http://example.com/ctx": 1}
        },
        "timestamp": "2013-05-18T05:32:34.804+02:00",
        "stored": "2013-05-18T05:32:34.804Z",
        "authority": {"objectType": "Group", "member": [
            {"account": {"homePage": "http://example.com/oauth", "name": "app"}},
            {"mbox": "mailto:bob@example.com"}
        ]},
        "version": "2.0.0",
        "attachments": [{"usageType": "http://example.com/u", "display": {"en": "A"}, "contentType": "text/plain",
                         "length": 3, "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"}]
    })
}

/// Every JSON pointer to a value inside `value`.
fn pointers(value: &Value, prefix: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{prefix}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(v, p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{prefix}/{i}");
                out.push(p.clone());
                pointers(v, p, out);
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize),
    Replace(usize, Value),
    Insert(usize, String, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), arbitrary_json()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        (any::<usize>(), interesting_string(), arbitrary_json())
            .prop_map(|(i, k, v)| Mutation::Insert(i, k, v)),
    ]
}

fn mutate(mut value: Value, mutations: &[Mutation]) -> Value {
    for m in mutations {
        let mut all = Vec::new();
        pointers(&value, String::new(), &mut all);
        if all.is_empty() {
            return value;
        }
        let (Mutation::Delete(i) | Mutation::Replace(i, _) | Mutation::Insert(i, _, _)) = m;
        let pointer = &all[*i % all.len()];
        match m {
            Mutation::Delete(_) => {
                let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
                match value.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(items)) => {
                        if let Ok(index) = key.parse::<usize>() {
                            if index < items.len() {
                                items.remove(index);
                            }
                        }
                    }
                    _ => {}
                }
            }
            Mutation::Replace(_, new) => {
                if let Some(slot) = value.pointer_mut(pointer) {
                    *slot = new.clone();
                }
            }
            Mutation::Insert(_, key, new) => {
                if let Some(Value::Object(map)) = value.pointer_mut(pointer) {
                    map.insert(key.clone(), new.clone());
                }
            }
        }
    }
    value
}

fn exercise(value: &Value) {
    for version in [Version::V1_0_3, Version::V2_0_0] {
        let result = validate_statement(value, version);
        if let Err(errors) = &result {
            assert!(!errors.is_empty() && errors.len() <= MAX_ERRORS);
            for e in errors {
                assert!(!e.rule.is_empty());
                let _ = e.to_string();
            }
        }
        let normalised = normalise_statement(value, version);
        if result.is_ok() {
            assert_eq!(
                validate_statement(&normalised, version),
                Ok(()),
                "normalising keeps a statement valid"
            );
        }
    }
    for format in [Format::Ids, Format::Exact, Format::Canonical] {
        let formatted = format_statement(value, format, &["en", "*"]);
        if format == Format::Exact {
            assert_eq!(&formatted, value);
        }
    }
    let _ = agent_ifi(value);
    if let Some(actor) = value.get("actor") {
        let _ = agent_ifi(actor);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2500, ..ProptestConfig::default() })]

    /// Data 2.2.s4 — any JSON value is answered with Ok or a list of problems, never a panic.
    #[test]
    fn arbitrary_json_never_panics(value in arbitrary_json()) {
        exercise(&value);
    }

    /// Data 2.2.s4 — a valid statement with fields deleted, replaced or added never panics,
    /// whatever the new values are.
    #[test]
    fn mutated_statements_never_panic(mutations in prop::collection::vec(mutation(), 1..4)) {
        let statement = mutate(rich_statement(), &mutations);
        exercise(&statement);
    }
}

/// The statement the mutation test starts from is itself valid under 2.0, so mutations
/// explore the edges of validity rather than a statement that is already broken.
#[test]
fn the_rich_statement_is_valid() {
    assert_eq!(
        validate_statement(&rich_statement(), Version::V2_0_0),
        Ok(())
    );
    let ids = format_statement(&rich_statement(), Format::Ids, &[]);
    assert_eq!(validate_statement(&ids, Version::V2_0_0), Ok(()));
}
