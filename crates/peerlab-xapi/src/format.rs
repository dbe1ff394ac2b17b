//! The `format` parameter of GET /statements (Communication 2.1.3) and agent keys.

use serde_json::{Map, Value};

use crate::syntax::{is_iri, is_mailto_iri, is_sha1_hex, is_uri};

/// How much of the Agents, Groups, Activities and Verbs a returned statement carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Only what identifies them.
    Ids,
    /// Exactly as received (the default).
    Exact,
    /// Activities and Verbs with one language per language map.
    Canonical,
}

impl Format {
    /// Reads the query parameter: `ids`, `exact` or `canonical`, case-sensitive like every
    /// enumerated value in xAPI (Data 2.2.s4.b1.b6).
    pub fn from_param(value: &str) -> Option<Format> {
        match value {
            "ids" => Some(Format::Ids),
            "exact" => Some(Format::Exact),
            "canonical" => Some(Format::Canonical),
            _ => None,
        }
    }
}

/// The statement as returned in `format`, for the languages the client accepts in order of
/// preference (see [`accept_language`]).
///
/// - `exact`: unchanged.
/// - `ids`: every Agent becomes `{"objectType": "Agent", <its IFI>}`; an identified Group
///   `{"objectType": "Group", <its IFI>}`; an anonymous Group keeps `objectType` and its members,
///   each reduced like an Agent ("the minimum information needed to identify each member");
///   every Activity keeps `id` (and `objectType` when it had one); every Verb keeps only `id`
///   (Data 2.4.3.s6.b2). This covers actor, object, authority, context instructor, team,
///   contextActivities, contextAgents and contextGroups, and the same places in a SubStatement.
/// - `canonical`: every language map of a Verb (`display`) and of an Activity definition
///   (`name`, `description`, interaction components' `description`) keeps one entry: the best
///   match for `languages` (Communication 2.1.3.s4), else the first entry in the map's order
///   (`serde_json` keeps keys sorted, so the alphabetically first tag). Agents and Groups are as
///   in `exact`. The LRS's canonical Activity definitions are not known here: a caller that
///   keeps them substitutes them before formatting.
///
/// Never fails and never panics: parts that are not shaped like a statement are left as they
/// are, so a stored statement is always returned in some form.
pub fn format_statement(stmt: &Value, format: Format, languages: &[&str]) -> Value {
    let mut out = stmt.clone();
    match format {
        Format::Exact => {}
        Format::Ids => ids_statement(&mut out, true),
        Format::Canonical => canonical_statement(&mut out, languages, true),
    }
    out
}

fn ids_statement(value: &mut Value, top: bool) {
    let Value::Object(map) = value else {
        return;
    };
    if let Some(actor) = map.get_mut("actor") {
        ids_agent(actor);
    }
    if let Some(authority) = map.get_mut("authority") {
        ids_agent(authority);
    }
    if let Some(Value::Object(verb)) = map.get_mut("verb") {
        verb.retain(|k, _| k == "id");
    }
    if let Some(object) = map.get_mut("object") {
        match object.get("objectType").and_then(Value::as_str) {
            None | Some("Activity") => ids_activity(object),
            Some("Agent" | "Group") => ids_agent(object),
            Some("SubStatement") if top => ids_statement(object, false),
            _ => {}
        }
    }
    if let Some(Value::Object(context)) = map.get_mut("context") {
        for key in ["instructor", "team"] {
            if let Some(who) = context.get_mut(key) {
                ids_agent(who);
            }
        }
        if let Some(Value::Object(activities)) = context.get_mut("contextActivities") {
            for (_, entry) in activities.iter_mut() {
                match entry {
                    Value::Array(items) => items.iter_mut().for_each(ids_activity),
                    other => ids_activity(other),
                }
            }
        }
        for (list, member) in [("contextAgents", "agent"), ("contextGroups", "group")] {
            if let Some(Value::Array(items)) = context.get_mut(list) {
                for item in items {
                    if let Some(who) = item.get_mut(member) {
                        ids_agent(who);
                    }
                }
            }
        }
    }
}

fn ids_activity(value: &mut Value) {
    if let Value::Object(map) = value {
        map.retain(|k, _| k == "id" || k == "objectType");
    }
}

/// Reduces an Agent or Group to what identifies it.
fn ids_agent(value: &mut Value) {
    let Value::Object(map) = value else {
        return;
    };
    let group = map.get("objectType").and_then(Value::as_str) == Some("Group");
    let mut out = Map::new();
    out.insert(
        "objectType".to_string(),
        Value::String(if group { "Group" } else { "Agent" }.to_string()),
    );
    let mut identified = false;
    for key in IFI_KEYS {
        if let Some(ifi) = map.get(key) {
            out.insert(key.to_string(), ifi.clone());
            identified = true;
        }
    }
    if group && !identified {
        if let Some(Value::Array(members)) = map.get("member") {
            let mut members = members.clone();
            members.iter_mut().for_each(ids_agent);
            out.insert("member".to_string(), Value::Array(members));
        }
    }
    *map = out;
}

const IFI_KEYS: [&str; 4] = ["mbox", "mbox_sha1sum", "openid", "account"];

fn canonical_statement(value: &mut Value, languages: &[&str], top: bool) {
    let Value::Object(map) = value else {
        return;
    };
    if let Some(display) = map.get_mut("verb").and_then(|v| v.get_mut("display")) {
        pick_language(display, languages);
    }
    if let Some(object) = map.get_mut("object") {
        match object.get("objectType").and_then(Value::as_str) {
            None | Some("Activity") => canonical_activity(object, languages),
            Some("SubStatement") if top => canonical_statement(object, languages, false),
            _ => {}
        }
    }
    if let Some(Value::Object(activities)) = map
        .get_mut("context")
        .and_then(|c| c.get_mut("contextActivities"))
    {
        for (_, entry) in activities.iter_mut() {
            match entry {
                Value::Array(items) => items
                    .iter_mut()
                    .for_each(|a| canonical_activity(a, languages)),
                other => canonical_activity(other, languages),
            }
        }
    }
}

fn canonical_activity(value: &mut Value, languages: &[&str]) {
    let Some(Value::Object(definition)) = value.get_mut("definition") else {
        return;
    };
    for key in ["name", "description"] {
        if let Some(map) = definition.get_mut(key) {
            pick_language(map, languages);
        }
    }
    for list in ["choices", "scale", "source", "target", "steps"] {
        if let Some(Value::Array(components)) = definition.get_mut(list) {
            for component in components {
                if let Some(description) = component.get_mut("description") {
                    pick_language(description, languages);
                }
            }
        }
    }
}

/// Keeps one entry of a language map: the first language range in `languages` that matches a
/// key (RFC 2616 section 14.4: equal ignoring case, or a prefix of the key followed by `-`;
/// `*` matches anything), then, as a fallback, a key that is a prefix of a range (`en` for a
/// client asking for `en-GB`), else the map's first entry.
fn pick_language(value: &mut Value, languages: &[&str]) {
    let Value::Object(map) = value else {
        return;
    };
    let Some(key) = best_language(map, languages).or_else(|| map.keys().next().cloned()) else {
        return;
    };
    map.retain(|k, _| *k == key);
}

fn best_language(map: &Map<String, Value>, languages: &[&str]) -> Option<String> {
    let prefix_of = |short: &str, long: &str| {
        long.len() > short.len()
            && long.as_bytes()[short.len()] == b'-'
            && long[..short.len()].eq_ignore_ascii_case(short)
    };
    for range in languages {
        if *range == "*" {
            return map.keys().next().cloned();
        }
        if let Some(k) = map.keys().find(|k| k.eq_ignore_ascii_case(range)) {
            return Some(k.clone());
        }
        if let Some(k) = map.keys().find(|k| prefix_of(range, k)) {
            return Some(k.clone());
        }
    }
    for range in languages {
        if let Some(k) = map.keys().find(|k| prefix_of(k, range)) {
            return Some(k.clone());
        }
    }
    None
}

/// The language ranges of an `Accept-Language` header, most preferred first: ranges ordered by
/// their `q` weight (default 1), ties kept in header order, ranges with `q=0` (refused) left
/// out, malformed entries skipped.
pub fn accept_language(header: &str) -> Vec<String> {
    let mut ranges: Vec<(u32, usize, String)> = Vec::new();
    for (position, item) in header.split(',').enumerate() {
        let mut parts = item.split(';');
        let range = parts.next().unwrap_or_default().trim();
        let valid_range = range == "*"
            || (!range.is_empty()
                && range.split('-').all(|s| {
                    (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
                }));
        if !valid_range {
            continue;
        }
        let mut weight = 1000;
        for param in parts {
            if let Some((name, value)) = param.trim().split_once('=') {
                if name.trim().eq_ignore_ascii_case("q") {
                    weight = parse_q(value.trim()).unwrap_or(0);
                }
            }
        }
        if weight > 0 {
            ranges.push((weight, position, range.to_string()));
        }
    }
    ranges.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges.into_iter().map(|(_, _, range)| range).collect()
}

/// A `qvalue` (`0`, `0.5`, `1.000`) in thousandths.
fn parse_q(text: &str) -> Option<u32> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u32>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// A stable key for the Agent or identified Group `value`, from its one inverse functional
/// identifier, for indexing and for matching the `agent` query parameter:
///
/// - `mbox:mailto:someone@example.com`, the domain in lower case (Data 2.3.1.b7: e-mail
///   domains are case-insensitive; the local part is kept as sent);
/// - `mbox_sha1sum:<40 hex digits in lower case>`;
/// - `openid:<URI as sent>`;
/// - `account:<homePage>|<name>` (`|` cannot occur in a valid IRI, so the split is unambiguous).
///
/// `None` when `value` is not an object, has no IFI or more than one (an anonymous Group, an
/// invalid Agent), or its IFI is malformed. `objectType` is not part of the key: an Agent and
/// a Group should not share an IFI (Data 2.4.2.1.s2.b3), and the `agent` parameter matches
/// either.
pub fn agent_ifi(value: &Value) -> Option<String> {
    let map = value.as_object()?;
    let mut present = IFI_KEYS.iter().filter(|k| map.contains_key(**k));
    let key = *present.next()?;
    if present.next().is_some() {
        return None;
    }
    let ifi = map.get(key)?;
    match key {
        "mbox" => {
            let text = ifi.as_str().filter(|s| is_mailto_iri(s))?;
            let (local, domain) = text.rsplit_once('@')?;
            Some(format!("mbox:{local}@{}", domain.to_lowercase()))
        }
        "mbox_sha1sum" => {
            let text = ifi.as_str().filter(|s| is_sha1_hex(s))?;
            Some(format!("mbox_sha1sum:{}", text.to_ascii_lowercase()))
        }
        "openid" => {
            let text = ifi.as_str().filter(|s| is_uri(s))?;
            Some(format!("openid:{text}"))
        }
        _ => {
            let account = ifi.as_object()?;
            let home = account.get("homePage")?.as_str().filter(|s| is_iri(s))?;
            let name = account.get("name")?.as_str()?;
            Some(format!("account:{home}|{name}"))
        }
    }
}
