//! Actors: Agents, Groups, their identifiers and accounts (Data 2.4.2).

use serde_json::{Map, Value};

use super::*;

impl Checker {
    /// An Agent or a Group where either may appear (actor, instructor): `objectType` is
    /// optional and means Agent when absent (Data 2.4.2.1).
    pub(super) fn actor(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        match map.get("objectType") {
            None => self.agent_body(map, path),
            Some(kind) => match self.string(kind, &child(path, "objectType")) {
                Some("Agent") => self.agent_body(map, path),
                Some("Group") => self.group_body(map, path),
                Some(_) => self.fail(
                    &child(path, "objectType"),
                    "must be \"Agent\" or \"Group\" (case-sensitive)",
                ),
                None => {}
            },
        }
    }

    /// An Agent where only an Agent may appear (group members, contextAgents).
    pub(super) fn agent(&mut self, value: &Value, path: &str, rule_if_group: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        if let Some(kind) = map.get("objectType") {
            match self.string(kind, &child(path, "objectType")) {
                Some("Agent") => {}
                Some("Group") => {
                    self.fail(&child(path, "objectType"), rule_if_group);
                    return;
                }
                Some(_) => {
                    self.fail(
                        &child(path, "objectType"),
                        "must be \"Agent\" (case-sensitive)",
                    );
                    return;
                }
                None => return,
            }
        }
        self.agent_body(map, path);
    }

    /// A Group where only a Group may appear (team, contextGroups): `objectType` is required.
    pub(super) fn group(&mut self, value: &Value, path: &str, what: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        let at = child(path, "objectType");
        match map.get("objectType") {
            None => self.fail(&at, format!("is required: {what} must be a Group")),
            Some(kind) => match self.string(kind, &at) {
                Some("Group") => self.group_body(map, path),
                Some(_) => self.fail(&at, format!("must be \"Group\": {what} must be a Group")),
                None => {}
            },
        }
    }

    /// The IFIs present in `map`, checking each one's format.
    pub(super) fn ifis(&mut self, map: &Map<String, Value>, path: &str) -> Vec<&'static str> {
        let mut present = Vec::new();
        for key in IFIS {
            let Some(value) = map.get(key) else {
                continue;
            };
            present.push(key);
            let at = child(path, key);
            match key {
                "mbox" => {
                    if let Some(s) = self.string(value, &at) {
                        if !is_mailto_iri(s) {
                            self.fail(&at, "must be a mailto: IRI");
                        }
                    }
                }
                "mbox_sha1sum" => {
                    if let Some(s) = self.string(value, &at) {
                        if !is_sha1_hex(s) {
                            self.fail(&at, "must be a SHA-1 hash as 40 hex digits");
                        }
                    }
                }
                "openid" => {
                    if let Some(s) = self.string(value, &at) {
                        if !is_uri(s) {
                            self.fail(&at, "must be an absolute URI");
                        }
                    }
                }
                _ => self.account(value, &at),
            }
        }
        present
    }

    pub(super) fn account(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        self.known_keys(map, path, &["homePage", "name"], "an Account");
        if let Some(home) = self.required(map, path, "homePage") {
            self.irl(home, &child(path, "homePage"));
        }
        if let Some(name) = self.required(map, path, "name") {
            self.string(name, &child(path, "name"));
        }
    }

    pub(super) fn agent_body(&mut self, map: &Map<String, Value>, path: &str) {
        self.known_keys(map, path, &AGENT_KEYS, "an Agent");
        if let Some(name) = map.get("name") {
            self.string(name, &child(path, "name"));
        }
        let ifis = self.ifis(map, path);
        match ifis.len() {
            0 => self.fail(
                path,
                "an Agent must have exactly one inverse functional identifier (mbox, mbox_sha1sum, openid or account)",
            ),
            1 => {}
            _ => self.fail(
                path,
                format!(
                    "an Agent must have exactly one inverse functional identifier, not {}",
                    ifis.join(" and ")
                ),
            ),
        }
    }

    pub(super) fn group_body(&mut self, map: &Map<String, Value>, path: &str) {
        self.known_keys(map, path, &GROUP_KEYS, "a Group");
        if let Some(name) = map.get("name") {
            self.string(name, &child(path, "name"));
        }
        let ifis = self.ifis(map, path);
        if ifis.len() > 1 {
            self.fail(
                path,
                format!(
                    "an identified Group must have exactly one inverse functional identifier, not {}",
                    ifis.join(" and ")
                ),
            );
        }
        let member_path = child(path, "member");
        match map.get("member") {
            None if ifis.is_empty() => self.fail(
                &member_path,
                "is required: a Group without an inverse functional identifier is anonymous and must list its members",
            ),
            None => {}
            Some(members) => {
                let Some(items) = self.array(members, &member_path) else {
                    return;
                };
                if items.is_empty() && ifis.is_empty() {
                    self.fail(&member_path, "an anonymous Group must list at least one member");
                }
                for (i, member) in items.iter().enumerate() {
                    if self.full() {
                        return;
                    }
                    self.agent(
                        member,
                        &index(&member_path, i),
                        "must be \"Agent\": a Group's members are Agents, not Groups",
                    );
                }
            }
        }
    }
}
