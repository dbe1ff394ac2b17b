//! Verbs and objects: Activities with their definitions, StatementRefs (Data 2.4.3, 2.4.4).

use serde_json::{Map, Value};

use super::*;

impl Checker {
    /// A verb; returns its id when valid, for the voiding rule.
    pub(super) fn verb<'a>(&mut self, value: &'a Value, path: &str) -> Option<&'a str> {
        let map = self.object(value, path)?;
        self.known_keys(map, path, &["id", "display"], "a Verb");
        if let Some(display) = map.get("display") {
            self.language_map(display, &child(path, "display"));
        }
        let id = self.required(map, path, "id")?;
        let at = child(path, "id");
        let before = self.errors.len();
        self.iri(id, &at);
        if self.errors.len() == before {
            id.as_str()
        } else {
            None
        }
    }

    pub(super) fn statement_object(
        &mut self,
        value: &Value,
        path: &str,
        in_sub: bool,
    ) -> ObjectKind {
        let Some(map) = self.object(value, path) else {
            return ObjectKind::Unknown;
        };
        let at = child(path, "objectType");
        let kind = match map.get("objectType") {
            None => {
                if IFIS.iter().any(|k| map.contains_key(*k)) || map.contains_key("member") {
                    self.fail(
                        &at,
                        "is required when the object is an Agent or a Group (without it the object is an Activity)",
                    );
                    return ObjectKind::Unknown;
                }
                "Activity"
            }
            Some(kind) => match self.string(kind, &at) {
                Some(kind) => kind,
                None => return ObjectKind::Unknown,
            },
        };
        match kind {
            "Activity" => {
                self.activity_body(map, path);
                ObjectKind::Activity
            }
            "Agent" => {
                self.agent_body(map, path);
                ObjectKind::Other
            }
            "Group" => {
                self.group_body(map, path);
                ObjectKind::Other
            }
            "StatementRef" => {
                self.statement_ref_body(map, path);
                ObjectKind::Other
            }
            "SubStatement" if in_sub => {
                self.fail(&at, "a SubStatement must not contain a SubStatement");
                ObjectKind::Unknown
            }
            "SubStatement" => {
                self.statement(value, path, true);
                ObjectKind::Other
            }
            _ => {
                self.fail(
                    &at,
                    "must be \"Activity\", \"Agent\", \"Group\", \"StatementRef\" or \"SubStatement\" (case-sensitive)",
                );
                ObjectKind::Unknown
            }
        }
    }

    pub(super) fn statement_ref(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        let at = child(path, "objectType");
        match map.get("objectType") {
            None => self.fail(&at, "is required and must be \"StatementRef\""),
            Some(kind) => {
                if let Some(kind) = self.string(kind, &at) {
                    if kind != "StatementRef" {
                        self.fail(&at, "must be \"StatementRef\"");
                    }
                }
            }
        }
        self.statement_ref_body(map, path);
    }

    pub(super) fn statement_ref_body(&mut self, map: &Map<String, Value>, path: &str) {
        self.known_keys(map, path, &["objectType", "id"], "a StatementRef");
        if let Some(id) = self.required(map, path, "id") {
            self.uuid(id, &child(path, "id"));
        }
    }

    /// An Activity in a context list: `objectType`, when present, must be `Activity`.
    pub(super) fn activity(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        if let Some(kind) = map.get("objectType") {
            let at = child(path, "objectType");
            if let Some(kind) = self.string(kind, &at) {
                if kind != "Activity" {
                    self.fail(&at, "must be \"Activity\" (case-sensitive)");
                    return;
                }
            }
        }
        self.activity_body(map, path);
    }

    pub(super) fn activity_body(&mut self, map: &Map<String, Value>, path: &str) {
        self.known_keys(
            map,
            path,
            &["objectType", "id", "definition"],
            "an Activity",
        );
        if let Some(id) = self.required(map, path, "id") {
            self.iri(id, &child(path, "id"));
        }
        if let Some(definition) = map.get("definition") {
            self.definition(definition, &child(path, "definition"));
        }
    }

    pub(super) fn definition(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        self.known_keys(map, path, &DEFINITION_KEYS, "an Activity definition");
        if let Some(name) = map.get("name") {
            self.language_map(name, &child(path, "name"));
        }
        if let Some(description) = map.get("description") {
            self.language_map(description, &child(path, "description"));
        }
        if let Some(kind) = map.get("type") {
            self.iri(kind, &child(path, "type"));
        }
        if let Some(more) = map.get("moreInfo") {
            self.irl(more, &child(path, "moreInfo"));
        }
        if let Some(extensions) = map.get("extensions") {
            self.extensions(extensions, &child(path, "extensions"));
        }
        let interaction_path = child(path, "interactionType");
        let interaction = match map.get("interactionType") {
            None => {
                if map.contains_key("correctResponsesPattern")
                    || COMPONENT_LISTS.iter().any(|k| map.contains_key(*k))
                {
                    self.fail(
                        &interaction_path,
                        "is required when correctResponsesPattern or interaction components are present",
                    );
                }
                None
            }
            Some(kind) => match self.string(kind, &interaction_path) {
                Some(kind) if INTERACTION_TYPES.contains(&kind) => Some(kind),
                Some(_) => {
                    self.fail(
                        &interaction_path,
                        format!(
                            "must be one of {} (case-sensitive)",
                            INTERACTION_TYPES.join(", ")
                        ),
                    );
                    None
                }
                None => None,
            },
        };
        if let Some(pattern) = map.get("correctResponsesPattern") {
            let at = child(path, "correctResponsesPattern");
            if let Some(items) = self.array(pattern, &at) {
                for (i, item) in items.iter().enumerate() {
                    self.string(item, &index(&at, i));
                }
            }
        }
        for list in COMPONENT_LISTS {
            let Some(components) = map.get(list) else {
                continue;
            };
            let at = child(path, list);
            if let Some(kind) = interaction {
                let supported: &[&str] = match kind {
                    "choice" | "sequencing" => &["choices"],
                    "likert" => &["scale"],
                    "matching" => &["source", "target"],
                    "performance" => &["steps"],
                    _ => &[],
                };
                if !supported.contains(&list) {
                    self.fail(
                        &at,
                        format!("is not allowed for interactionType \"{kind}\""),
                    );
                }
            }
            self.components(components, &at);
        }
    }

    /// An interaction component list (Data 2.4.4.1.s15): ids required and distinct.
    pub(super) fn components(&mut self, value: &Value, path: &str) {
        let Some(items) = self.array(value, path) else {
            return;
        };
        let mut seen = BTreeSet::new();
        for (i, item) in items.iter().enumerate() {
            if self.full() {
                return;
            }
            let at = index(path, i);
            let Some(map) = self.object(item, &at) else {
                continue;
            };
            self.known_keys(map, &at, &["id", "description"], "an interaction component");
            if let Some(id) = self.required(map, &at, "id") {
                let id_path = child(&at, "id");
                if let Some(id) = self.string(id, &id_path) {
                    if !seen.insert(id) {
                        self.fail(&id_path, "must be distinct within the list");
                    }
                }
            }
            if let Some(description) = map.get("description") {
                self.language_map(description, &child(&at, "description"));
            }
        }
    }
}
