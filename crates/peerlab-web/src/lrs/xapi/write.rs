//! Writing statements (Communication 2.1.1, 2.1.2): PUT and POST, checked whole, signatures
//! verified, stored in one transaction with their index terms.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use peerlab_store::{AttachmentData, Credential, NewStatement, Store};
use peerlab_xapi::{
    agent_ifi, attachments_request, first_difference, multipart, normalise_statement, parse_json,
    validate_statement, Uuid, Version, VOIDED_VERB,
};
use rand::RngCore;
use serde_json::{json, Value};

use crate::AppState;

use super::*;

/// The authority peerlab sets on statements sent with `credential`.
pub(super) fn authority(state: &AppState, credential: &Credential) -> Value {
    json!({
        "objectType": "Agent",
        "name": credential.name,
        "account": {"homePage": state.config.public_url, "name": credential.key},
    })
}

/// The id of a statement sent without one: time-ordered (version 7), so that the id index
/// grows at its end.
pub fn new_id(now: i64) -> Uuid {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    Uuid::new_v7(u64::try_from(now).unwrap_or_default(), bytes)
}

/// Adds one term per Agent (and each member of a Group) in `value`.
pub(super) fn agent_terms(value: Option<&Value>, core: bool, out: &mut Vec<(String, bool)>) {
    let Some(v) = value else { return };
    if let Some(key) = agent_ifi(v) {
        out.push((format!("a:{key}"), core));
    }
    if let Some(Value::Array(members)) = v.get("member") {
        for m in members {
            if let Some(key) = agent_ifi(m) {
                out.push((format!("a:{key}"), core));
            }
        }
    }
}

pub(super) fn activity_term(value: &Value, core: bool, out: &mut Vec<(String, bool)>) {
    if let Some(id) = value.get("id").and_then(Value::as_str) {
        out.push((format!("o:{id}"), core));
    }
}

/// What a statement is found by: its actor, verb, object, registration (core), and its
/// authority, context agents and activities and a SubStatement's parts (related).
pub(super) fn terms(s: &Value) -> (Vec<(String, bool)>, Option<String>) {
    let mut out = Vec::new();
    agent_terms(s.get("actor"), true, &mut out);
    if let Some(id) = s.pointer("/verb/id").and_then(Value::as_str) {
        out.push((format!("v:{id}"), true));
    }
    let mut reference = None;
    if let Some(object) = s.get("object") {
        match object.get("objectType").and_then(Value::as_str) {
            None | Some("Activity") => activity_term(object, true, &mut out),
            Some("Agent" | "Group") => agent_terms(Some(object), true, &mut out),
            Some("StatementRef") => {
                reference = object
                    .get("id")
                    .and_then(Value::as_str)
                    .map(str::to_lowercase)
            }
            Some("SubStatement") => {
                agent_terms(object.get("actor"), false, &mut out);
                match object.pointer("/object/objectType").and_then(Value::as_str) {
                    None | Some("Activity") => {
                        if let Some(o) = object.get("object") {
                            activity_term(o, false, &mut out)
                        }
                    }
                    Some("Agent" | "Group") => agent_terms(object.get("object"), false, &mut out),
                    _ => {}
                }
                context_terms(object.get("context"), &mut out);
            }
            _ => {}
        }
    }
    agent_terms(s.get("authority"), false, &mut out);
    context_terms(s.get("context"), &mut out);
    if let Some(r) = s.pointer("/context/registration").and_then(Value::as_str) {
        out.push((format!("r:{}", r.to_lowercase()), true));
    }
    (out, reference)
}

pub(super) fn context_terms(context: Option<&Value>, out: &mut Vec<(String, bool)>) {
    let Some(c) = context else { return };
    agent_terms(c.get("instructor"), false, out);
    agent_terms(c.get("team"), false, out);
    for list in ["contextAgents", "contextGroups"] {
        if let Some(Value::Array(items)) = c.get(list) {
            for item in items {
                agent_terms(item.get("agent").or_else(|| item.get("group")), false, out);
            }
        }
    }
    if let Some(Value::Object(activities)) = c.get("contextActivities") {
        for list in activities.values() {
            match list {
                Value::Array(items) => items.iter().for_each(|a| activity_term(a, false, out)),
                other => activity_term(other, false, out),
            }
        }
    }
}

/// Activity definitions carried by a statement's object (for the canonical definitions).
pub(super) fn definitions(s: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Some(o) = s.get("object") {
        if matches!(
            o.get("objectType").and_then(Value::as_str),
            None | Some("Activity")
        ) {
            if let (Some(id), Some(def)) =
                (o.get("id").and_then(Value::as_str), o.get("definition"))
            {
                out.push((id.to_string(), def.clone()));
            }
        }
    }
    out
}

/// A checked statement made ready to store: the LRS's own properties set, terms computed.
pub fn prepare(
    received: &Value,
    version: Version,
    authority: &Value,
    now: i64,
) -> (NewStatement, String) {
    let mut s = normalise_statement(received, version);
    let map = s
        .as_object_mut()
        .expect("a validated statement is an object");
    let given = map.get("id").and_then(Value::as_str);
    let id_given = given.is_some();
    let id = match given {
        Some(id) => id.to_lowercase(),
        None => new_id(now).to_string(),
    };
    map.insert("id".into(), json!(id));
    let stored = iso(now);
    map.insert("stored".into(), json!(stored));
    if !map.contains_key("timestamp") {
        map.insert("timestamp".into(), json!(stored));
    }
    map.insert("authority".into(), authority.clone());
    if !map.contains_key("version") {
        map.insert("version".into(), json!(version.default_statement_version()));
    }
    let verb = s
        .pointer("/verb/id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let (terms, reference) = terms(&s);
    let voids = (verb == VOIDED_VERB).then(|| reference.clone()).flatten();
    let attachments = s
        .get("attachments")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|x| x.get("fileUrl").is_none() || x.get("sha2").is_some())
                .filter_map(|x| x.get("sha2").and_then(Value::as_str).map(str::to_lowercase))
                .collect()
        })
        .unwrap_or_default();
    let definitions = definitions(&s);
    (
        NewStatement {
            id: id.clone(),
            id_given,
            body: s.to_string(),
            stored: now,
            verb,
            voids,
            reference,
            terms,
            attachments,
            definitions,
        },
        id,
    )
}

/// Stores prepared statements, all or nothing. `received[i]` is `batch[i]` as it arrived: a
/// statement whose id is stored already is accepted again when it is the same statement by
/// the specification's comparison rules (`first_difference`), and is a conflict otherwise.
pub async fn insert(
    store: &Store,
    received: &[Value],
    batch: &[NewStatement],
    attachments: &[AttachmentData],
    credential: Option<i64>,
) -> Result<usize, peerlab_store::StoreError> {
    let same = |i: usize, stored: &str| {
        serde_json::from_str::<Value>(stored)
            .is_ok_and(|stored| first_difference(&stored, &received[i]).is_none())
    };
    store
        .insert_statements(batch, attachments, credential, &same)
        .await
}

/// Checks every statement of a request; `Err` lists every problem, each with its path.
pub(super) fn check(statements: &[Value], version: Version, batch: bool) -> XResult<()> {
    let mut problems = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        if let Err(errors) = validate_statement(s, version) {
            for e in errors {
                problems.push(if batch {
                    format!("[{i}].{e}")
                } else {
                    e.to_string()
                });
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = problems.iter().take(5).map(String::as_str).collect();
    let more = problems.len().saturating_sub(shown.len());
    let mut message = format!("the statement is invalid: {}", shown.join("; "));
    if more > 0 {
        message.push_str(&format!(" (and {more} more)"));
    }
    let mut e =
        XapiError::new(StatusCode::BAD_REQUEST, "invalid_statement", message).in_version(version);
    e.details = Some(json!(problems));
    Err(e)
}

/// The statements of a request, and the attachment data of a `multipart/mixed` one
/// (Data 2.4.11, Comm 2.1.4): every attachment without a `fileUrl` must come as a part
/// whose SHA-2 matches, and no part may be left over.
pub(super) fn read_statements(
    headers: &HeaderMap,
    body: &[u8],
    version: Version,
) -> XResult<(Value, Vec<AttachmentData>)> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let bad = |m: String| XapiError::bad(m).in_version(version);
    if content_type
        .split(';')
        .next()
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("multipart/mixed"))
    {
        let boundary = multipart::boundary(content_type)
            .ok_or_else(|| bad("multipart/mixed needs a boundary parameter".into()))?;
        let parts = multipart::parse(body, &boundary)
            .map_err(|e| bad(format!("the multipart body is malformed: {e}")))?;
        let (statements, data) = attachments_request(parts)
            .map_err(|e| bad(format!("the attachments do not match the statements: {e}")))?;
        let data = data
            .into_iter()
            .map(|(sha2, content_type, content)| AttachmentData {
                sha2,
                content_type,
                content,
            })
            .collect();
        return Ok((statements, data));
    }
    let statements = json_body(headers, body, version)?;
    let list: Vec<&Value> = match &statements {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for (i, s) in list.iter().enumerate() {
        if let Some(Value::Array(items)) = s.get("attachments") {
            if let Some(j) = items.iter().position(|a| a.get("fileUrl").is_none()) {
                return Err(bad(format!(
                    "[{i}].attachments[{j}] has no fileUrl, so its data must come in a multipart/mixed request"
                )));
            }
        }
    }
    Ok((statements, Vec::new()))
}

/// Signed statements (Data 2.6): each signature attachment must be a valid JWS of the
/// statement as received.
pub(super) fn check_signatures(
    statements: &[Value],
    attachments: &[AttachmentData],
    version: Version,
    batch: bool,
) -> XResult<()> {
    let data: Vec<peerlab_xapi::AttachmentData> = attachments
        .iter()
        .map(|a| (a.sha2.clone(), a.content_type.clone(), a.content.clone()))
        .collect();
    for (i, s) in statements.iter().enumerate() {
        if let Err(e) = peerlab_xapi::verify_signed_statement(s, &data) {
            let at = if batch {
                format!("[{i}].")
            } else {
                String::new()
            };
            return Err(XapiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_signature",
                format!("the signed statement is not valid: {at}{e}"),
            )
            .in_version(version));
        }
    }
    Ok(())
}

pub(super) fn json_body(headers: &HeaderMap, body: &[u8], version: Version) -> XResult<Value> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" {
        return Err(XapiError::bad(format!(
            "send statements as application/json (or multipart/mixed with attachments), not {:?}",
            content_type
        ))
        .in_version(version));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| XapiError::bad("the body is not UTF-8").in_version(version))?;
    parse_json(text)
        .map_err(|e| XapiError::bad(format!("the body is not valid JSON: {e}")).in_version(version))
}

pub(super) async fn store(
    state: &AppState,
    client: &Client,
    statements: &[Value],
    attachments: &[AttachmentData],
) -> XResult<Vec<String>> {
    let authority = authority(state, &client.credential);
    let now = state.now();
    let mut batch = Vec::with_capacity(statements.len());
    let mut ids = Vec::with_capacity(statements.len());
    for s in statements {
        let (new, id) = prepare(s, client.version, &authority, now);
        if ids.contains(&id) {
            return Err(
                XapiError::bad(format!("statement id {id} appears twice in this batch"))
                    .in_version(client.version),
            );
        }
        ids.push(id);
        batch.push(new);
    }
    insert(
        &state.store,
        statements,
        &batch,
        attachments,
        Some(client.credential.id),
    )
    .await
    .map_err(|e| XapiError::from(e).in_version(client.version))?;
    Ok(ids)
}

pub(super) async fn put_statement(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> XResult<Response> {
    let client = client(&state, &headers, Need::WriteStatements).await?;
    let v = client.version;
    let pairs = params(query.as_deref(), &["statementId"], v)?;
    let Some(id) = param(&pairs, "statementId") else {
        return Err(XapiError::bad("PUT needs the statementId parameter").in_version(v));
    };
    if Uuid::parse(id).is_none() {
        return Err(XapiError::bad(format!("statementId: {id:?} is not a UUID")).in_version(v));
    }
    let (statement, attachments) = read_statements(&headers, &body, v)?;
    if !statement.is_object() {
        return Err(XapiError::bad("PUT takes one statement, a JSON object").in_version(v));
    }
    check(std::slice::from_ref(&statement), v, false)?;
    check_signatures(std::slice::from_ref(&statement), &attachments, v, false)?;
    let mut statement = statement;
    match statement.get("id").and_then(Value::as_str) {
        Some(own) if !own.eq_ignore_ascii_case(id) => {
            return Err(XapiError::bad(format!(
                "the statement's id {own} differs from the statementId parameter {id}"
            ))
            .in_version(v))
        }
        Some(_) => {}
        None => {
            statement["id"] = json!(id.to_lowercase());
        }
    }
    store(&state, &client, &[statement], &attachments).await?;
    Ok(with_version(StatusCode::NO_CONTENT.into_response(), v))
}

pub(super) async fn post_statements(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> XResult<Response> {
    let client = client(&state, &headers, Need::WriteStatements).await?;
    let v = client.version;
    params(query.as_deref(), &[], v)?;
    let (value, attachments) = read_statements(&headers, &body, v)?;
    let (statements, batch) = match value {
        Value::Array(items) => (items, true),
        object @ Value::Object(_) => (vec![object], false),
        _ => {
            return Err(XapiError::bad(
                "POST takes a statement (a JSON object) or an array of statements",
            )
            .in_version(v))
        }
    };
    if statements.is_empty() {
        return Err(XapiError::bad("the batch is empty").in_version(v));
    }
    if statements.len() > MAX_BATCH {
        return Err(XapiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "at most {MAX_BATCH} statements per request; this one has {}",
                statements.len()
            ),
        )
        .in_version(v));
    }
    check(&statements, v, batch)?;
    check_signatures(&statements, &attachments, v, batch)?;
    let ids = store(&state, &client, &statements, &attachments).await?;
    Ok(with_version(axum::Json(ids).into_response(), v))
}
