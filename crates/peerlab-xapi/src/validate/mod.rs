//! Statement validation (Data 2.2 to 2.4, 4.1 to 4.6) and normalisation.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::syntax::{
    is_duration, is_iri, is_language_tag, is_mailto_iri, is_media_type, is_sha1_hex, is_sha2_hex,
    is_uri, parse_timestamp, Uuid,
};
use crate::Version;

mod actors;
mod context;
mod objects;

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
