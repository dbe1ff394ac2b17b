//! Verbs, language maps, IRIs, activities and their interaction definitions, statement references and sub-statements.

use super::*;

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

pub(super) fn substatement() -> Value {
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
