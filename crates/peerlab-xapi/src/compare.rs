//! Whether two serialisations are the same statement (Data 2.3.1, "Statement Comparison
//! Requirements" 2.3.1.s9), as signed statements need (Data 2.6.s5.b3.b2) and as a repeated
//! statement id needs (Communication 2.1.1: same id, different content).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::syntax::{parse_timestamp, Uuid};
use crate::Version;

/// The path to the first difference between `original` and `received` that the comparison
/// rules do not excuse, or `None` when they are the same statement. Paths are written like
/// statement validation paths (`actor.mbox`, `context.contextActivities.parent[0]`); the empty
/// path is the statement as a whole.
///
/// Data 2.3.1.s9: "Differences which could have been caused by exceptions to Statement
/// immutability MUST be ignored. Differences relating to a different serialization of any
/// properties not listed as exceptions MUST not be ignored." The exceptions (2.3.1.b1 to b7)
/// become these rules, applied everywhere except inside `extensions`, which must be equal:
///
/// - b1, properties the LRS assigns: `authority` and `stored` are ignored (the LRS overwrites
///   them); `id`, `version` and `timestamp` of the statement are compared only when both
///   carry them, since the LRS fills them in when they are missing. Pass the received
///   statement as it arrived, before the LRS's assignments: an `id` the LRS made up would
///   differ from a signed one.
/// - b2, Activity definitions are not part of the statement: `definition` is ignored on every
///   Activity.
/// - b3, a Verb's `display` is not part of the statement: ignored.
/// - b4, timestamps: `timestamp` and `stored` (also in a SubStatement) are compared as points
///   in time, so `2024-03-01T12:00:00Z` equals `2024-03-01T13:00:00.000+01:00`.
/// - b5, a Group's `member` list is unordered.
/// - b6, attachments are not part of the statement: `attachments` is ignored.
/// - b7, case-insensitive values: the `mailto:` scheme and the domain of an `mbox`, the hex
///   digits of `mbox_sha1sum` and of UUIDs (statement, StatementRef and `registration` ids),
///   and the language tag in `context.language` are compared without regard to case.
///
/// Also equal: a `contextActivities` value given as one Activity and as an array holding just
/// that Activity, the two forms Data 2.4.6.2 allows and the LRS normalises to the second.
///
/// Anything else must be equal as JSON: object key order and whitespace never matter, but a
/// property present on one side only, a different number (`1` against `1.0`), or a missing
/// `objectType` against an explicit default one is a difference.
pub fn first_difference(original: &Value, received: &Value) -> Option<String> {
    walk(original, received, "", true)
}

fn walk(a: &Value, b: &Value, path: &str, top: bool) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => object(x, y, path, top),
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(path.to_string());
            }
            x.iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (x, y))| walk(x, y, &index(path, i), false))
        }
        _ => (a != b).then(|| path.to_string()),
    }
}

fn object(a: &Map<String, Value>, b: &Map<String, Value>, path: &str, top: bool) -> Option<String> {
    let activity = |m: &Map<String, Value>| {
        matches!(
            m.get("objectType").and_then(Value::as_str),
            None | Some("Activity")
        )
    };
    let is_activity = activity(a) && activity(b);
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for key in keys {
        let at = child(path, key);
        let skip = match key.as_str() {
            "authority" | "stored" if top => true,
            "attachments" => true,
            "definition" => is_activity,
            "id" | "version" | "timestamp" if top => !(a.contains_key(key) && b.contains_key(key)),
            _ => false,
        };
        if skip {
            continue;
        }
        let (Some(x), Some(y)) = (a.get(key), b.get(key)) else {
            return Some(at);
        };
        let difference = match key.as_str() {
            "extensions" => (x != y).then_some(at),
            "verb" => match (x, y) {
                (Value::Object(x), Value::Object(y)) => {
                    let strip = |m: &Map<String, Value>| {
                        let mut m = m.clone();
                        m.remove("display");
                        Value::Object(m)
                    };
                    walk(&strip(x), &strip(y), &at, false)
                }
                _ => walk(x, y, &at, false),
            },
            "timestamp" | "stored" => (!same_instant(x, y)).then_some(at),
            "member" => members(x, y, &at),
            "mbox" => (!same_with(x, y, mailto_key)).then_some(at),
            "mbox_sha1sum" | "language" => {
                (!same_with(x, y, |s| Some(s.to_ascii_lowercase()))).then_some(at)
            }
            "id" | "registration" => (!same_with(x, y, Uuid::parse)).then_some(at),
            "contextActivities" => match (x, y) {
                (Value::Object(x), Value::Object(y)) => {
                    let as_arrays = |m: &Map<String, Value>| {
                        Value::Object(
                            m.iter()
                                .map(|(k, v)| match v {
                                    Value::Object(_) => (k.clone(), Value::Array(vec![v.clone()])),
                                    _ => (k.clone(), v.clone()),
                                })
                                .collect(),
                        )
                    };
                    walk(&as_arrays(x), &as_arrays(y), &at, false)
                }
                _ => walk(x, y, &at, false),
            },
            _ => walk(x, y, &at, false),
        };
        if difference.is_some() {
            return difference;
        }
    }
    None
}

/// Whether two values are equal once strings are mapped by `key`; a string `key` does not
/// map (`None`) and any other value must be equal as it is.
fn same_with<K: PartialEq>(a: &Value, b: &Value, key: impl Fn(&str) -> Option<K>) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) if x != y => match (key(x), key(y)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
        _ => a == b,
    }
}

/// `mailto:` in lower case, the local part as written, the domain in lower case.
fn mailto_key(text: &str) -> Option<String> {
    let scheme = text.get(..7)?;
    if !scheme.eq_ignore_ascii_case("mailto:") {
        return None;
    }
    let (local, domain) = text[7..].rsplit_once('@')?;
    Some(format!("mailto:{local}@{}", domain.to_ascii_lowercase()))
}

/// Timestamps that denote the same instant, or equal values.
fn same_instant(a: &Value, b: &Value) -> bool {
    let parse = |v: &Value| {
        let text = v.as_str()?;
        parse_timestamp(text, Version::V1_0_3)
            .or_else(|_| parse_timestamp(text, Version::V2_0_0))
            .ok()
    };
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Group members in any order: every member of `a` matches a distinct member of `b`.
fn members(a: &Value, b: &Value, path: &str) -> Option<String> {
    let (Value::Array(x), Value::Array(y)) = (a, b) else {
        return walk(a, b, path, false);
    };
    if x.len() != y.len() {
        return Some(path.to_string());
    }
    // Usually the order is the same: one pass first, which ends the comparison (`?` on
    // `None`, no difference) when it finds the lists equal as they are.
    walk(a, b, path, false)?;
    let mut unused: Vec<&Value> = y.iter().collect();
    for (i, member) in x.iter().enumerate() {
        let found = unused
            .iter()
            .position(|other| walk(member, other, "", false).is_none());
        match found {
            Some(j) => {
                unused.swap_remove(j);
            }
            None => return Some(index(path, i)),
        }
    }
    None
}

/// `parent.key` or `parent["key"]`, as in statement validation paths.
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn statement() -> Value {
        json!({
            "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
            "actor": {"objectType": "Group", "name": "G", "member": [
                {"mbox": "mailto:Ada@Example.com"},
                {"mbox_sha1sum": "ABCDEF0123456789ABCDEF0123456789ABCDEF01"}
            ]},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
            "object": {"id": "http://example.com/a", "definition": {"name": {"en-US": "A"}}},
            "context": {
                "registration": "6690E6C9-3EF0-4ED3-8B37-7F3964730BEE",
                "language": "en-US",
                "contextActivities": {"parent": {"id": "http://example.com/p"}},
                "extensions": {"http://example.com/x": {"definition": 1}}
            },
            "timestamp": "2024-03-01T12:00:00Z"
        })
    }

    fn with(mut value: Value, pointer: &str, new: Option<Value>) -> Value {
        let (parent, key) = pointer.rsplit_once('/').expect("slash");
        if let Some(Value::Object(map)) = value.pointer_mut(parent) {
            match new {
                Some(v) => map.insert(key.to_string(), v),
                None => map.remove(key),
            };
        }
        value
    }

    #[test]
    fn the_immutability_exceptions_are_ignored() {
        let original = statement();
        assert_eq!(first_difference(&original, &original), None);
        let received = [
            (
                "/authority",
                Some(json!({"mbox": "mailto:lrs@example.com"})),
            ),
            ("/stored", Some(json!("2024-03-02T00:00:00Z"))),
            ("/version", Some(json!("1.0.0"))),
            ("/attachments", Some(json!([]))),
            ("/timestamp", Some(json!("2024-03-01T13:00:00.000+01:00"))),
            ("/verb/display", Some(json!({"fr": "terminé"}))),
            ("/object/definition", None),
            (
                "/actor/member",
                Some(json!([
                    {"mbox_sha1sum": "abcdef0123456789abcdef0123456789abcdef01"},
                    {"mbox": "MAILTO:Ada@example.COM"}
                ])),
            ),
            (
                "/context/registration",
                Some(json!("6690e6c9-3ef0-4ed3-8b37-7f3964730bee")),
            ),
            ("/context/language", Some(json!("EN-us"))),
            (
                "/context/contextActivities",
                Some(json!({"parent": [{"id": "http://example.com/p"}]})),
            ),
        ]
        .into_iter()
        .fold(original.clone(), |v, (p, new)| with(v, p, new));
        assert_eq!(first_difference(&original, &received), None);
        // An id or timestamp on one side only: the LRS may have assigned it.
        let bare = with(with(original.clone(), "/id", None), "/timestamp", None);
        assert_eq!(first_difference(&bare, &original), None);
        assert_eq!(first_difference(&original, &bare), None);
    }

    #[test]
    fn other_differences_count() {
        let original = statement();
        for (pointer, new, path) in [
            (
                "/id",
                Some(json!("6690e6c9-3ef0-4ed3-8b37-7f3964730bef")),
                "id",
            ),
            (
                "/timestamp",
                Some(json!("2024-03-01T12:00:00.001Z")),
                "timestamp",
            ),
            ("/actor/name", Some(json!("H")), "actor.name"),
            ("/actor/objectType", None, "actor.objectType"),
            ("/verb/id", Some(json!("http://example.com/v")), "verb.id"),
            (
                "/object/objectType",
                Some(json!("Activity")),
                "object.objectType",
            ),
            ("/result", Some(json!({"score": {"raw": 1}})), "result"),
            (
                "/context/extensions",
                Some(json!({"http://example.com/x": {"definition": 2}})),
                "context.extensions",
            ),
        ] {
            let received = with(original.clone(), pointer, new);
            assert_eq!(
                first_difference(&original, &received).as_deref(),
                Some(path),
                "{pointer}"
            );
        }
        let local_case = with(
            original.clone(),
            "/actor/member",
            Some(
                json!([{"mbox": "mailto:ADA@example.com"}, {"mbox_sha1sum": "abcdef0123456789abcdef0123456789abcdef01"}]),
            ),
        );
        assert_eq!(
            first_difference(&original, &local_case).as_deref(),
            Some("actor.member[0]")
        );
        let number = |n: Value| {
            with(
                original.clone(),
                "/result",
                Some(json!({"score": {"raw": n}})),
            )
        };
        assert_eq!(
            first_difference(&number(json!(1)), &number(json!(1.0))).as_deref(),
            Some("result.score.raw")
        );
        assert_eq!(
            first_difference(&json!([1]), &json!({})).as_deref(),
            Some("")
        );
    }

    #[test]
    fn substatements_follow_the_same_rules() {
        let sub = |ts: &str, display: &str| {
            json!({"actor": {"mbox": "mailto:a@b.c"}, "verb": {"id": "http://v.x/y"},
                "object": {"objectType": "SubStatement", "actor": {"mbox": "mailto:a@b.c"},
                    "verb": {"id": "http://v.x/z", "display": {"en": display}},
                    "object": {"id": "http://a.x/b"}, "timestamp": ts}})
        };
        assert_eq!(
            first_difference(
                &sub("2024-01-01T00:00:00Z", "x"),
                &sub("2024-01-01T01:00:00+01:00", "y")
            ),
            None
        );
        assert_eq!(
            first_difference(
                &sub("2024-01-01T00:00:00Z", "x"),
                &sub("2024-01-01T00:00:01Z", "x")
            )
            .as_deref(),
            Some("object.timestamp")
        );
    }
}
