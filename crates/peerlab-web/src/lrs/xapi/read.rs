//! Reading statements (Communication 2.1.3): one by id or voided id, or a filtered page
//! with a stable `more` link, in the `ids`, `exact` or `canonical` format.

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use peerlab_store::{StatementQuery, StoredStatement};
use peerlab_xapi::{
    agent_ifi, format_statement, multipart, parse_json, parse_timestamp, syntax, Format, Uuid,
    Version,
};
use serde_json::{json, Value};

use crate::AppState;

use super::*;

pub(super) const GET_PARAMS: &[&str] = &[
    "statementId",
    "voidedStatementId",
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
    "more",
];

pub(super) fn boolean(pairs: &[(String, String)], name: &str, version: Version) -> XResult<bool> {
    match param(pairs, name) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(
            XapiError::bad(format!("{name}: must be true or false, not {other:?}"))
                .in_version(version),
        ),
    }
}

/// What a list query asks for beyond the store's filters.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct Page {
    #[serde(flatten)]
    pub(super) query: StatementQuery,
    pub(super) limit: i64,
    pub(super) format: String,
    pub(super) attachments: bool,
}

pub(super) fn time_param(
    pairs: &[(String, String)],
    name: &str,
    version: Version,
) -> XResult<Option<i64>> {
    param(pairs, name)
        .map(|t| {
            parse_timestamp(t, version)
                .map(|at| at.timestamp_millis())
                .map_err(|e| XapiError::bad(format!("{name}: {e}")).in_version(version))
        })
        .transpose()
}

pub(super) fn list_page(pairs: &[(String, String)], version: Version) -> XResult<Page> {
    let bad = |m: String| XapiError::bad(m).in_version(version);
    let agent = match param(pairs, "agent") {
        None => None,
        Some(raw) => {
            let value = parse_json(raw).map_err(|e| bad(format!("agent: not valid JSON: {e}")))?;
            Some(agent_ifi(&value).ok_or_else(|| {
                bad("agent: must be an Agent or identified Group with exactly one of mbox, mbox_sha1sum, openid or account".into())
            })?)
        }
    };
    let iri = |name: &str| -> XResult<Option<String>> {
        match param(pairs, name) {
            Some(v) if !syntax::is_iri(v) => Err(bad(format!("{name}: must be an IRI, not {v:?}"))),
            other => Ok(other.map(str::to_string)),
        }
    };
    let registration = match param(pairs, "registration") {
        Some(r) => Some(
            Uuid::parse(r)
                .ok_or_else(|| bad(format!("registration: {r:?} is not a UUID")))?
                .to_string(),
        ),
        None => None,
    };
    let limit = match param(pairs, "limit") {
        None => MAX_PAGE,
        Some(l) => match l.parse::<i64>() {
            Ok(0) => MAX_PAGE,
            Ok(n) if n > 0 => n.min(MAX_PAGE),
            _ => {
                return Err(bad(format!(
                    "limit: must be a whole number of 0 or more, not {l:?}"
                )))
            }
        },
    };
    let format = param(pairs, "format").unwrap_or("exact");
    if Format::from_param(format).is_none() {
        return Err(bad(format!(
            "format: must be ids, exact or canonical, not {format:?}"
        )));
    }
    Ok(Page {
        query: StatementQuery {
            agent,
            related_agents: boolean(pairs, "related_agents", version)?,
            verb: iri("verb")?,
            activity: iri("activity")?,
            related_activities: boolean(pairs, "related_activities", version)?,
            registration,
            since: time_param(pairs, "since", version)?,
            until: time_param(pairs, "until", version)?,
            ascending: boolean(pairs, "ascending", version)?,
            ..Default::default()
        },
        limit,
        format: format.to_string(),
        attachments: boolean(pairs, "attachments", version)?,
    })
}

pub(super) fn languages(headers: &HeaderMap) -> Vec<String> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(peerlab_xapi::accept_language)
        .unwrap_or_default()
}

/// A stored statement in the asked format, with the canonical activity definition when the
/// format is `canonical` and the client may read every statement (the canonical definition
/// is merged from all of them; a `statements/read/mine` client keeps its own).
pub(super) async fn shaped(
    state: &AppState,
    s: &StoredStatement,
    format: Format,
    langs: &[&str],
    all_definitions: bool,
) -> XResult<Value> {
    let mut value: Value = serde_json::from_str(&s.body).unwrap_or(Value::Null);
    if format == Format::Canonical && all_definitions {
        if let Some(Value::Object(object)) = value.get_mut("object") {
            let is_activity = matches!(
                object.get("objectType").and_then(Value::as_str),
                None | Some("Activity")
            );
            if let (true, Some(id)) = (
                is_activity,
                object.get("id").and_then(Value::as_str).map(str::to_string),
            ) {
                if let Some(def) = state.store.activity_definition(&id).await? {
                    if let Ok(def) = serde_json::from_str::<Value>(&def) {
                        object.insert("definition".into(), def);
                    }
                }
            }
        }
    }
    Ok(format_statement(&value, format, langs))
}

pub(super) async fn get_statements(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> XResult<Response> {
    let client = client(&state, &headers, Need::ReadStatements).await?;
    let v = client.version;
    let pairs = params(query.as_deref(), GET_PARAMS, v)?;
    let (newest, consistent) = state
        .store
        .statements_head()
        .await
        .map_err(|e| XapiError::from(e).in_version(v))?;
    let langs = languages(&headers);
    let langs: Vec<&str> = langs.iter().map(String::as_str).collect();
    let single = ["statementId", "voidedStatementId"]
        .iter()
        .find_map(|name| param(&pairs, name).map(|id| (*name, id)));
    let mut response = if let Some((name, id)) = single {
        if let Some((other, _)) = pairs.iter().find(|(n, _)| {
            !["statementId", "voidedStatementId", "format", "attachments"].contains(&n.as_str())
                || (n != name && n.ends_with("tatementId"))
        }) {
            return Err(
                XapiError::bad(format!("{name} cannot be combined with {other}")).in_version(v),
            );
        }
        let Some(uuid) = Uuid::parse(id) else {
            return Err(XapiError::bad(format!("{name}: {id:?} is not a UUID")).in_version(v));
        };
        let format =
            Format::from_param(param(&pairs, "format").unwrap_or("exact")).ok_or_else(|| {
                XapiError::bad("format: must be ids, exact or canonical").in_version(v)
            })?;
        let with_attachments = boolean(&pairs, "attachments", v)?;
        let found = state
            .store
            .statement(&uuid.to_string(), name == "voidedStatementId")
            .await
            .map_err(|e| XapiError::from(e).in_version(v))?;
        let found = found.filter(|s| !client.mine_only || mine(s, &client));
        let Some(s) = found else {
            return Err(XapiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no statement with {name} {id}"),
            )
            .in_version(v));
        };
        let body = shaped(&state, &s, format, &langs, !client.mine_only).await?;
        let seqs: Vec<i64> = [&s]
            .iter()
            .filter(|s| s.attachments)
            .map(|s| s.seq)
            .collect();
        let mut r = respond(&state, body, &seqs, with_attachments, v).await?;
        if let Ok(h) = HeaderValue::from_str(&http_date(s.stored)) {
            r.headers_mut().insert(header::LAST_MODIFIED, h);
        }
        r
    } else {
        let mut page = match param(&pairs, "more") {
            Some(token) => {
                if pairs.len() > 1 {
                    return Err(
                        XapiError::bad("more cannot be combined with other parameters")
                            .in_version(v),
                    );
                }
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(token)
                    .ok()
                    .and_then(|b| serde_json::from_slice::<Page>(&b).ok())
                    .filter(|p: &Page| (1..=MAX_PAGE).contains(&p.limit))
                    .ok_or_else(|| {
                        XapiError::bad("more: this is not a link this LRS gave out").in_version(v)
                    })?
            }
            None => {
                let mut page = list_page(&pairs, v)?;
                page.query.upto = Some(newest);
                page
            }
        };
        if client.mine_only {
            page.query.credential = Some(client.credential.id);
        }
        let format = Format::from_param(&page.format).unwrap_or(Format::Exact);
        let mut rows = state
            .store
            .query_statements(&page.query, page.limit + 1)
            .await
            .map_err(|e| XapiError::from(e).in_version(v))?;
        let more = if rows.len() as i64 > page.limit {
            rows.truncate(page.limit as usize);
            page.query.after = rows.last().map(|s| s.seq);
            let token = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(serde_json::to_vec(&page).unwrap_or_default());
            format!("/xapi/statements?more={token}")
        } else {
            String::new()
        };
        let mut statements = Vec::with_capacity(rows.len());
        for s in &rows {
            statements.push(shaped(&state, s, format, &langs, !client.mine_only).await?);
        }
        let last = rows.iter().map(|s| s.stored).max().unwrap_or(consistent);
        let seqs: Vec<i64> = rows
            .iter()
            .filter(|s| s.attachments)
            .map(|s| s.seq)
            .collect();
        let body = json!({"statements": statements, "more": more});
        let mut r = respond(&state, body, &seqs, page.attachments, v).await?;
        if let Ok(h) = HeaderValue::from_str(&http_date(last)) {
            r.headers_mut().insert(header::LAST_MODIFIED, h);
        }
        r
    };
    if let Ok(h) = HeaderValue::from_str(&iso(consistent)) {
        response.headers_mut().insert(CONSISTENT_THROUGH.clone(), h);
    }
    Ok(with_version(response, v))
}

/// The answer to a GET: JSON, or with `attachments=true` a `multipart/mixed` response whose
/// first part is the JSON and whose other parts are the attachments of the statements
/// returned, each once (Comm 2.1.3, attachments).
pub(super) async fn respond(
    state: &AppState,
    body: Value,
    seqs: &[i64],
    attachments: bool,
    version: Version,
) -> XResult<Response> {
    if !attachments {
        return Ok(axum::Json(body).into_response());
    }
    let stored = state
        .store
        .statement_attachments(seqs)
        .await
        .map_err(|e| XapiError::from(e).in_version(version))?;
    let mut parts = vec![multipart::Part::json(body.to_string().into_bytes())];
    let mut seen = std::collections::HashSet::new();
    for (_, sha2, content_type, content) in stored {
        if seen.insert(sha2.clone()) {
            parts.push(multipart::Part::attachment(&sha2, &content_type, content));
        }
    }
    let boundary = multipart::choose_boundary(&parts);
    let bytes = multipart::write(&parts, &boundary);
    let mut r = bytes.into_response();
    if let Ok(ct) = HeaderValue::from_str(&format!("multipart/mixed; boundary={boundary}")) {
        r.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    Ok(r)
}

/// Whether a stored statement was written with the client's credential.
pub(super) fn mine(s: &StoredStatement, client: &Client) -> bool {
    serde_json::from_str::<Value>(&s.body)
        .ok()
        .and_then(|b| {
            b.pointer("/authority/account/name")
                .and_then(Value::as_str)
                .map(|n| n == client.credential.key)
        })
        .unwrap_or(false)
}
