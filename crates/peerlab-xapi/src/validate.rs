//! Statement validation (Data 2.2 to 2.4, 4.1 to 4.6) and normalisation.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::syntax::{
    is_duration, is_iri, is_language_tag, is_mailto_iri, is_media_type, is_sha1_hex, is_sha2_hex,
    is_uri, parse_timestamp, Uuid,
};
use crate::Version;

/// At most this many problems are reported for one statement: enough to fix a client in one
/// round trip, few enough to keep a 400 response short when a client sends something that is
/// not a statement at all.
pub const MAX_ERRORS: usize = 20;

/// The verb that voids a statement (Data 2.3.2).
pub const VOIDED_VERB: &str = "http://adlnet.gov/expapi/verbs/voided";

/// One broken rule: where, and what the rule is.
///
/// `path` locates the value in JSON-path style without the leading `$`: `actor.mbox`,
/// `context.contextActivities.parent[0].id`, `result.extensions["http://x.y/z"]`. Keys made only
/// of letters, digits, `-` and `_` are written after a dot; any other key (an IRI, an empty
/// key) is written as a quoted JSON string in brackets. The statement itself is the empty path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {rule}", if path.is_empty() { "statement" } else { path.as_str() })]
pub struct Invalid {
    /// Where the problem is.
    pub path: String,
    /// The rule, phrased to follow the path: "must be a mailto: IRI".
    pub rule: String,
}

const IFIS: [&str; 4] = ["mbox", "mbox_sha1sum", "openid", "account"];

const STATEMENT_KEYS: [&str; 11] = [
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
];
const SUBSTATEMENT_KEYS: [&str; 8] = [
    "objectType",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "attachments",
];
const AGENT_KEYS: [&str; 6] = [
    "objectType",
    "name",
    "mbox",
    "mbox_sha1sum",
    "openid",
    "account",
];
const GROUP_KEYS: [&str; 7] = [
    "objectType",
    "name",
    "member",
    "mbox",
    "mbox_sha1sum",
    "openid",
    "account",
];
const DEFINITION_KEYS: [&str; 12] = [
    "name",
    "description",
    "type",
    "moreInfo",
    "extensions",
    "interactionType",
    "correctResponsesPattern",
    "choices",
    "scale",
    "source",
    "target",
    "steps",
];
const COMPONENT_LISTS: [&str; 5] = ["choices", "scale", "source", "target", "steps"];
const INTERACTION_TYPES: [&str; 10] = [
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
];
const CONTEXT_KEYS_1: [&str; 9] = [
    "registration",
    "instructor",
    "team",
    "contextActivities",
    "revision",
    "platform",
    "language",
    "statement",
    "extensions",
];
const CONTEXT_KEYS_2: [&str; 11] = [
    "registration",
    "instructor",
    "team",
    "contextActivities",
    "contextAgents",
    "contextGroups",
    "revision",
    "platform",
    "language",
    "statement",
    "extensions",
];

/// Checks `value` against every MUST the xAPI Data document places on a statement, as received
/// by the LRS under `version`. Returns up to [`MAX_ERRORS`] problems, in document order of the
/// statement's properties (object keys in the order `serde_json` iterates them).
///
/// Decisions beyond the letter of the spec, each also noted where it is made:
///
/// - Unknown properties are rejected everywhere except inside `extensions` (Data 2.2.s4.b1.b7;
///   2.2.s4.b8 makes this a SHOULD* for the rest, and peerlab follows it). So is a top-level
///   `objectType`, which 1.0.3 does not define for a statement. When an unknown key differs
///   from a known one only in case, the message says so (Data 2.2.s4.b1.b5).
/// - `stored`, `authority` and `version` sent by the client are validated even though the LRS
///   overwrites the first two (Data 2.4.8.s3.b2 says "SHOULD validate and then MUST overwrite").
/// - An anonymous Group (one without an IFI) must list at least one member.
/// - An authority Group (3-legged OAuth) must have exactly two members, one of them identified
///   by `account` (Data 2.4.9.s3.b1, 2.4.9.s7.b2).
/// - A voiding statement's object must be a StatementRef (Data 2.3.2.s2.b1).
/// - An object without `objectType` that carries an IFI or `member` is reported as missing its
///   `objectType` (Data 2.4.4.2.s1.b1), rather than as an Activity with stray properties.
/// - Interaction component lists are only accepted for the interaction types that support them
///   (Data 2.4.4.1.s15), and `interactionType` is required when `correctResponsesPattern` or a
///   component list is present. Response patterns themselves are not checked: Data
///   2.4.4.1.s13.b3 makes that a MAY, and characterstring parameters are explicitly unchecked.
/// - In xAPI 2.0, `contextAgents` and `contextGroups` are arrays of objects with `objectType`
///   `contextAgent` / `contextGroup`, an `agent` that is an Agent / a `group` that is a Group,
///   and optional `relevantTypes`, a non-empty array of IRIs. Under 1.0.3 both are unknown
///   properties.
pub fn validate_statement(value: &Value, version: Version) -> Result<(), Vec<Invalid>> {
    let mut check = Checker {
        version,
        errors: Vec::new(),
    };
    check.statement(value, "", false);
    if check.errors.is_empty() {
        Ok(())
    } else {
        Err(check.errors)
    }
}

/// What a statement's object turned out to be, for the rules that depend on it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ObjectKind {
    Activity,
    Other,
    /// Invalid or missing: rules depending on the kind are skipped.
    Unknown,
}

struct Checker {
    version: Version,
    errors: Vec<Invalid>,
}

/// `parent.key` or `parent["key"]`.
fn child(parent: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    match (parent.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{parent}.{key}"),
        (_, false) => format!("{parent}[{}]", Value::String(key.to_string())),
    }
}

fn index(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

impl Checker {
    fn fail(&mut self, path: &str, rule: impl Into<String>) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(Invalid {
                path: path.to_string(),
                rule: rule.into(),
            });
        }
    }

    fn full(&self) -> bool {
        self.errors.len() >= MAX_ERRORS
    }

    /// The JSON object at `path`, or an error.
    fn object<'a>(&mut self, value: &'a Value, path: &str) -> Option<&'a Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            Value::Null => {
                self.fail(path, "must not be null");
                None
            }
            _ => {
                self.fail(path, "must be a JSON object");
                None
            }
        }
    }

    fn array<'a>(&mut self, value: &'a Value, path: &str) -> Option<&'a Vec<Value>> {
        match value {
            Value::Array(items) => Some(items),
            Value::Null => {
                self.fail(path, "must not be null");
                None
            }
            _ => {
                self.fail(path, "must be an array");
                None
            }
        }
    }

    fn string<'a>(&mut self, value: &'a Value, path: &str) -> Option<&'a str> {
        match value {
            Value::String(s) => Some(s),
            Value::Null => {
                self.fail(path, "must not be null");
                None
            }
            _ => {
                self.fail(path, "must be a string");
                None
            }
        }
    }

    fn boolean(&mut self, value: &Value, path: &str) {
        match value {
            Value::Bool(_) => {}
            Value::Null => self.fail(path, "must not be null"),
            _ => self.fail(path, "must be a boolean (true or false, not a string)"),
        }
    }

    fn number(&mut self, value: &Value, path: &str) -> Option<f64> {
        match value {
            Value::Number(n) => n.as_f64(),
            Value::Null => {
                self.fail(path, "must not be null");
                None
            }
            _ => {
                self.fail(path, "must be a number (not a string)");
                None
            }
        }
    }

    /// Reports every key of `map` that is not in `allowed`. `what` names the object ("an
    /// Agent") for the message.
    fn known_keys(&mut self, map: &Map<String, Value>, path: &str, allowed: &[&str], what: &str) {
        for key in map.keys() {
            if !allowed.contains(&key.as_str()) {
                self.unknown_key(path, key, allowed, what);
            }
        }
    }

    fn unknown_key(&mut self, path: &str, key: &str, allowed: &[&str], what: &str) {
        let rule = match allowed.iter().find(|a| a.eq_ignore_ascii_case(key)) {
            Some(known) => format!(
                "is not a property of {what}; property names are case-sensitive (did you mean \"{known}\"?)"
            ),
            None => format!("is not a property of {what}"),
        };
        self.fail(&child(path, key), rule);
    }

    /// The value of a required property, reporting it missing.
    fn required<'a>(
        &mut self,
        map: &'a Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Option<&'a Value> {
        let value = map.get(key);
        if value.is_none() {
            self.fail(&child(path, key), "is required");
        }
        value
    }

    fn iri(&mut self, value: &Value, path: &str) {
        self.absolute(value, path, "IRI");
    }

    /// An IRL is an IRI meant to be fetched: the syntax checked is the same.
    fn irl(&mut self, value: &Value, path: &str) {
        self.absolute(value, path, "IRL");
    }

    fn absolute(&mut self, value: &Value, path: &str, kind: &str) {
        if let Some(s) = self.string(value, path) {
            if !is_iri(s) {
                self.fail(
                    path,
                    format!("must be an absolute {kind} (a scheme, a colon and no spaces)"),
                );
            }
        }
    }

    fn uuid(&mut self, value: &Value, path: &str) {
        if let Some(s) = self.string(value, path) {
            if Uuid::parse(s).is_none() {
                self.fail(
                    path,
                    "must be a UUID in standard string form (8-4-4-4-12 hex digits)",
                );
            }
        }
    }

    fn language_tag(&mut self, value: &Value, path: &str) {
        if let Some(s) = self.string(value, path) {
            if !is_language_tag(s) {
                self.fail(path, "must be an RFC 5646 language tag");
            }
        }
    }

    /// A language map (Data 4.2): RFC 5646 keys, string values.
    fn language_map(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        for (key, text) in map {
            let at = child(path, key);
            if !is_language_tag(key) {
                self.fail(&at, "must be an RFC 5646 language tag");
            }
            self.string(text, &at);
        }
    }

    /// An extensions map (Data 4.1): IRI keys, any values (null included: Data 2.2.s4.b1.b1
    /// exempts extensions, and 4.1.s3.b2 forbids rejecting on their values).
    fn extensions(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        for key in map.keys() {
            if !is_iri(key) {
                self.fail(&child(path, key), "extension keys must be absolute IRIs");
            }
        }
    }

    fn timestamp(&mut self, value: &Value, path: &str) {
        if let Some(s) = self.string(value, path) {
            if let Err(e) = parse_timestamp(s, self.version) {
                self.fail(path, e.to_string());
            }
        }
    }

    fn statement(&mut self, value: &Value, path: &str, sub: bool) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        if sub {
            for key in map.keys() {
                if matches!(key.as_str(), "id" | "stored" | "version" | "authority") {
                    self.fail(&child(path, key), "must not be used in a SubStatement");
                } else if !SUBSTATEMENT_KEYS.contains(&key.as_str()) {
                    self.unknown_key(path, key, &SUBSTATEMENT_KEYS, "a SubStatement");
                }
            }
        } else {
            self.known_keys(map, path, &STATEMENT_KEYS, "a Statement");
            if let Some(id) = map.get("id") {
                self.uuid(id, &child(path, "id"));
            }
        }
        if let Some(actor) = self.required(map, path, "actor") {
            self.actor(actor, &child(path, "actor"));
        }
        let verb_id = match self.required(map, path, "verb") {
            Some(verb) => self.verb(verb, &child(path, "verb")),
            None => None,
        };
        let kind = match self.required(map, path, "object") {
            Some(object) => self.statement_object(object, &child(path, "object"), sub),
            None => ObjectKind::Unknown,
        };
        if !sub && verb_id == Some(VOIDED_VERB) {
            if let Some(Value::Object(object)) = map.get("object") {
                if object.get("objectType").and_then(Value::as_str) != Some("StatementRef") {
                    self.fail(
                        &child(&child(path, "object"), "objectType"),
                        "must be \"StatementRef\" in a voiding statement",
                    );
                }
            }
        }
        if let Some(result) = map.get("result") {
            self.result(result, &child(path, "result"));
        }
        if let Some(context) = map.get("context") {
            self.context(context, &child(path, "context"), kind);
        }
        if let Some(timestamp) = map.get("timestamp") {
            self.timestamp(timestamp, &child(path, "timestamp"));
        }
        if !sub {
            if let Some(stored) = map.get("stored") {
                self.timestamp(stored, &child(path, "stored"));
            }
            if let Some(authority) = map.get("authority") {
                self.authority(authority, &child(path, "authority"));
            }
            if let Some(version) = map.get("version") {
                let at = child(path, "version");
                if let Some(v) = self.string(version, &at) {
                    if !self.version.accepts_statement_version(v) {
                        let rule = match self.version {
                            Version::V1_0_3 => "must be 1.0.x, e.g. 1.0.0",
                            Version::V2_0_0 => "must be 1.0.x or 2.0.x, e.g. 2.0.0",
                        };
                        self.fail(&at, rule);
                    }
                }
            }
        }
        if let Some(attachments) = map.get("attachments") {
            self.attachments(attachments, &child(path, "attachments"));
        }
    }

    /// An Agent or a Group where either may appear (actor, instructor): `objectType` is
    /// optional and means Agent when absent (Data 2.4.2.1).
    fn actor(&mut self, value: &Value, path: &str) {
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
    fn agent(&mut self, value: &Value, path: &str, rule_if_group: &str) {
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
    fn group(&mut self, value: &Value, path: &str, what: &str) {
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
    fn ifis(&mut self, map: &Map<String, Value>, path: &str) -> Vec<&'static str> {
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

    fn account(&mut self, value: &Value, path: &str) {
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

    fn agent_body(&mut self, map: &Map<String, Value>, path: &str) {
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

    fn group_body(&mut self, map: &Map<String, Value>, path: &str) {
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

    /// A verb; returns its id when valid, for the voiding rule.
    fn verb<'a>(&mut self, value: &'a Value, path: &str) -> Option<&'a str> {
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

    fn statement_object(&mut self, value: &Value, path: &str, in_sub: bool) -> ObjectKind {
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

    fn statement_ref(&mut self, value: &Value, path: &str) {
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

    fn statement_ref_body(&mut self, map: &Map<String, Value>, path: &str) {
        self.known_keys(map, path, &["objectType", "id"], "a StatementRef");
        if let Some(id) = self.required(map, path, "id") {
            self.uuid(id, &child(path, "id"));
        }
    }

    /// An Activity in a context list: `objectType`, when present, must be `Activity`.
    fn activity(&mut self, value: &Value, path: &str) {
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

    fn activity_body(&mut self, map: &Map<String, Value>, path: &str) {
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

    fn definition(&mut self, value: &Value, path: &str) {
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
    fn components(&mut self, value: &Value, path: &str) {
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

    fn result(&mut self, value: &Value, path: &str) {
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

    fn score(&mut self, value: &Value, path: &str) {
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

    fn context(&mut self, value: &Value, path: &str, object: ObjectKind) {
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

    fn context_activities(&mut self, value: &Value, path: &str) {
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
    fn context_agents(&mut self, value: &Value, path: &str, groups: bool) {
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

    fn authority(&mut self, value: &Value, path: &str) {
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

    fn attachments(&mut self, value: &Value, path: &str) {
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

/// The statement as the LRS stores and returns it, for a statement that passed
/// [`validate_statement`]:
///
/// - every `contextActivities` value becomes an array, a single Activity becoming an array of
///   one (Data 2.4.6.2.s4.b3, b4), in the statement and in a SubStatement;
/// - under xAPI 2.0, `timestamp` and `stored` are converted to UTC (`…Z`), keeping their
///   fraction of a second. Under 1.0.3 they are kept as sent: converting is allowed (Data
///   2.3.1.b4) but not required, and keeping them leaves the client's serialisation intact.
///
/// The LRS's own assignments (`id`, `stored`, `authority`, `version`, a missing `timestamp`)
/// are the caller's: they need a clock, randomness and the credentials.
pub fn normalise_statement(value: &Value, version: Version) -> Value {
    let mut out = value.clone();
    normalise_in_place(&mut out, version, true);
    out
}

fn normalise_in_place(value: &mut Value, version: Version, top: bool) {
    let Value::Object(map) = value else {
        return;
    };
    if let Some(Value::Object(activities)) = map
        .get_mut("context")
        .and_then(|c| c.get_mut("contextActivities"))
    {
        for (_, entry) in activities.iter_mut() {
            if entry.is_object() {
                *entry = Value::Array(vec![entry.take()]);
            }
        }
    }
    if version == Version::V2_0_0 {
        for key in ["timestamp", "stored"] {
            if let Some(Value::String(text)) = map.get_mut(key) {
                if let Ok(parsed) = parse_timestamp(text, version) {
                    let utc = parsed
                        .with_timezone(&chrono::Utc)
                        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
                    // Near year 0 or 9999 the UTC form can leave RFC 3339's four-digit years;
                    // such a timestamp is kept as sent.
                    if parse_timestamp(&utc, version).is_ok() {
                        *text = utc;
                    }
                }
            }
        }
    }
    if top {
        if let Some(object) = map.get_mut("object") {
            if object.get("objectType").and_then(Value::as_str) == Some("SubStatement") {
                normalise_in_place(object, version, false);
            }
        }
    }
}

/// The statement's `id`, when it has a valid one.
pub fn statement_id(value: &Value) -> Option<Uuid> {
    value
        .get("id")
        .and_then(Value::as_str)
        .and_then(Uuid::parse)
}

/// For a voiding statement (verb [`VOIDED_VERB`], object a StatementRef), the id of the
/// statement it voids.
pub fn voided_statement_id(value: &Value) -> Option<Uuid> {
    if value.get("verb")?.get("id")?.as_str()? != VOIDED_VERB {
        return None;
    }
    let object = value.get("object")?;
    if object.get("objectType")?.as_str()? != "StatementRef" {
        return None;
    }
    Uuid::parse(object.get("id")?.as_str()?)
}
