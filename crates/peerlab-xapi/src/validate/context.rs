//! Results, contexts, authorities and attachments (Data 2.4.5 to 2.4.11).

use serde_json::Value;

use super::*;

impl Checker {
    pub(super) fn result(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        self.known_keys(
            map,
            path,
            &[
                "score",
                "success",
                "completion",
                "response",
                "duration",
                "extensions",
            ],
            "a Result",
        );
        if let Some(score) = map.get("score") {
            self.score(score, &child(path, "score"));
        }
        for key in ["success", "completion"] {
            if let Some(flag) = map.get(key) {
                self.boolean(flag, &child(path, key));
            }
        }
        if let Some(response) = map.get("response") {
            self.string(response, &child(path, "response"));
        }
        if let Some(duration) = map.get("duration") {
            let at = child(path, "duration");
            if let Some(d) = self.string(duration, &at) {
                if !is_duration(d) {
                    self.fail(
                        &at,
                        "must be an ISO 8601 duration such as PT1H30M or PT4.5S",
                    );
                }
            }
        }
        if let Some(extensions) = map.get("extensions") {
            self.extensions(extensions, &child(path, "extensions"));
        }
    }

    pub(super) fn score(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        self.known_keys(map, path, &["scaled", "raw", "min", "max"], "a Score");
        let mut read = |key: &str| map.get(key).and_then(|v| self.number(v, &child(path, key)));
        let scaled = read("scaled");
        let raw = read("raw");
        let min = read("min");
        let max = read("max");
        if scaled.is_some_and(|s| !(-1.0..=1.0).contains(&s)) {
            self.fail(&child(path, "scaled"), "must be between -1 and 1");
        }
        if let (Some(min), Some(max)) = (min, max) {
            if min >= max {
                self.fail(&child(path, "min"), "must be less than max");
            }
        }
        if let Some(raw) = raw {
            if min.is_some_and(|min| raw < min) {
                self.fail(&child(path, "raw"), "must not be less than min");
            }
            if max.is_some_and(|max| raw > max) {
                self.fail(&child(path, "raw"), "must not be greater than max");
            }
        }
    }

    pub(super) fn context(&mut self, value: &Value, path: &str, object: ObjectKind) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        match self.version {
            Version::V1_0_3 => {
                for key in map.keys() {
                    if matches!(key.as_str(), "contextAgents" | "contextGroups") {
                        self.fail(
                            &child(path, key),
                            "is not a property of a Context in xAPI 1.0.3 (it was added in 2.0)",
                        );
                    } else if !CONTEXT_KEYS_1.contains(&key.as_str()) {
                        self.unknown_key(path, key, &CONTEXT_KEYS_1, "a Context");
                    }
                }
            }
            Version::V2_0_0 => self.known_keys(map, path, &CONTEXT_KEYS_2, "a Context"),
        }
        if let Some(registration) = map.get("registration") {
            self.uuid(registration, &child(path, "registration"));
        }
        if let Some(instructor) = map.get("instructor") {
            self.actor(instructor, &child(path, "instructor"));
        }
        if let Some(team) = map.get("team") {
            self.group(team, &child(path, "team"), "a team");
        }
        if let Some(activities) = map.get("contextActivities") {
            self.context_activities(activities, &child(path, "contextActivities"));
        }
        for key in ["revision", "platform"] {
            if let Some(text) = map.get(key) {
                let at = child(path, key);
                self.string(text, &at);
                if object == ObjectKind::Other {
                    self.fail(&at, "must only be used when the object is an Activity");
                }
            }
        }
        if let Some(language) = map.get("language") {
            self.language_tag(language, &child(path, "language"));
        }
        if let Some(statement) = map.get("statement") {
            self.statement_ref(statement, &child(path, "statement"));
        }
        if let Some(extensions) = map.get("extensions") {
            self.extensions(extensions, &child(path, "extensions"));
        }
        if self.version == Version::V2_0_0 {
            if let Some(agents) = map.get("contextAgents") {
                self.context_agents(agents, &child(path, "contextAgents"), false);
            }
            if let Some(groups) = map.get("contextGroups") {
                self.context_agents(groups, &child(path, "contextGroups"), true);
            }
        }
    }

    pub(super) fn context_activities(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        self.known_keys(
            map,
            path,
            &["parent", "grouping", "category", "other"],
            "contextActivities",
        );
        for key in ["parent", "grouping", "category", "other"] {
            let Some(value) = map.get(key) else {
                continue;
            };
            let at = child(path, key);
            match value {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if self.full() {
                            return;
                        }
                        self.activity(item, &index(&at, i));
                    }
                }
                Value::Object(_) => self.activity(value, &at),
                Value::Null => self.fail(&at, "must not be null"),
                _ => self.fail(&at, "must be an Activity or an array of Activities"),
            }
        }
    }

    /// xAPI 2.0 `contextAgents` (or, with `groups`, `contextGroups`).
    pub(super) fn context_agents(&mut self, value: &Value, path: &str, groups: bool) {
        let Some(items) = self.array(value, path) else {
            return;
        };
        let (kind, member, what) = if groups {
            ("contextGroup", "group", "a Context Group")
        } else {
            ("contextAgent", "agent", "a Context Agent")
        };
        for (i, item) in items.iter().enumerate() {
            if self.full() {
                return;
            }
            let at = index(path, i);
            let Some(map) = self.object(item, &at) else {
                continue;
            };
            self.known_keys(map, &at, &["objectType", member, "relevantTypes"], what);
            if let Some(object_type) = self.required(map, &at, "objectType") {
                let type_path = child(&at, "objectType");
                if let Some(t) = self.string(object_type, &type_path) {
                    if t != kind {
                        self.fail(&type_path, format!("must be \"{kind}\" (case-sensitive)"));
                    }
                }
            }
            if let Some(who) = self.required(map, &at, member) {
                let who_path = child(&at, member);
                if groups {
                    self.group(who, &who_path, "a context group");
                } else {
                    self.agent(
                        who,
                        &who_path,
                        "must be \"Agent\": a context agent is an Agent (use contextGroups for Groups)",
                    );
                }
            }
            if let Some(types) = map.get("relevantTypes") {
                let types_path = child(&at, "relevantTypes");
                if let Some(list) = self.array(types, &types_path) {
                    if list.is_empty() {
                        self.fail(&types_path, "must not be empty when present");
                    }
                    for (j, t) in list.iter().enumerate() {
                        self.iri(t, &index(&types_path, j));
                    }
                }
            }
        }
    }

    pub(super) fn authority(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        match map.get("objectType").and_then(Value::as_str) {
            Some("Group") => {
                self.group_body(map, path);
                let Some(Value::Array(members)) = map.get("member") else {
                    return;
                };
                if members.len() != 2 {
                    self.fail(
                        &child(path, "member"),
                        "an authority Group must have exactly two members (the OAuth application and the user)",
                    );
                } else if !members.iter().any(|m| m.get("account").is_some()) {
                    self.fail(
                        &child(path, "member"),
                        "one member of an authority Group must be the OAuth consumer, identified by account",
                    );
                }
            }
            _ => self.actor(value, path),
        }
    }

    pub(super) fn attachments(&mut self, value: &Value, path: &str) {
        let Some(items) = self.array(value, path) else {
            return;
        };
        for (i, item) in items.iter().enumerate() {
            if self.full() {
                return;
            }
            let at = index(path, i);
            let Some(map) = self.object(item, &at) else {
                continue;
            };
            self.known_keys(
                map,
                &at,
                &[
                    "usageType",
                    "display",
                    "description",
                    "contentType",
                    "length",
                    "sha2",
                    "fileUrl",
                ],
                "an Attachment",
            );
            if let Some(usage) = self.required(map, &at, "usageType") {
                self.iri(usage, &child(&at, "usageType"));
            }
            if let Some(display) = self.required(map, &at, "display") {
                self.language_map(display, &child(&at, "display"));
            }
            if let Some(description) = map.get("description") {
                self.language_map(description, &child(&at, "description"));
            }
            if let Some(content_type) = self.required(map, &at, "contentType") {
                let ct_path = child(&at, "contentType");
                if let Some(ct) = self.string(content_type, &ct_path) {
                    if !is_media_type(ct) {
                        self.fail(&ct_path, "must be an Internet media type such as image/png");
                    }
                }
            }
            if let Some(length) = self.required(map, &at, "length") {
                let len_path = child(&at, "length");
                match length {
                    Value::Number(n) if n.is_u64() => {}
                    Value::Number(n)
                        if n.as_f64().is_some_and(|f| f >= 0.0 && f.fract() == 0.0) => {}
                    Value::Number(_) => self.fail(&len_path, "must be a non-negative integer"),
                    Value::Null => self.fail(&len_path, "must not be null"),
                    _ => self.fail(&len_path, "must be a non-negative integer (not a string)"),
                }
            }
            if let Some(sha2) = self.required(map, &at, "sha2") {
                let sha_path = child(&at, "sha2");
                if let Some(s) = self.string(sha2, &sha_path) {
                    if !is_sha2_hex(s) {
                        self.fail(
                            &sha_path,
                            "must be a SHA-2 hash in hex (56, 64, 96 or 128 hex digits)",
                        );
                    }
                }
            }
            if let Some(url) = map.get("fileUrl") {
                self.irl(url, &child(&at, "fileUrl"));
            }
        }
    }
}
