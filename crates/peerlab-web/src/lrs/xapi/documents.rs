//! The document resources (Comm 2.3 State, 2.6 Activity Profile, 2.7 Agent Profile) and the
//! `/agents` and `/activities` resources (Comm 2.5, 2.4).
//!
//! Decisions:
//! - A document is stored byte for byte with its Content-Type; its ETag is the SHA-1 of its
//!   content in lowercase hex, quoted (Comm 3.1.s4.b2, b4).
//! - Concurrency (Comm 3.1): `If-Match` and `If-None-Match: *` are honoured on PUT, POST and
//!   DELETE (412 when they fail, and nothing changes). A PUT to an existing profile without
//!   either header is a 409; under 2.0 the same holds for state documents.
//! - POST merges JSON: when the stored and the posted documents are both JSON objects, the
//!   posted top-level properties replace the stored ones; otherwise it is a 400 (Comm 2.2.s7).
//!   The merge is written only if the document is still the one read (its ETag), so two
//!   merges never lose each other's properties; a clash is retried.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use peerlab_store::{DocKey, DocKind, Expect, StoreError};
use peerlab_xapi::{agent_ifi, parse_json, syntax, Uuid, Version};
use serde_json::{json, Value};
use sha1::{Digest, Sha1};

use super::{client, http_date, param, params, time_param, with_version, Need, XResult, XapiError};
use crate::AppState;

fn etag(content: &[u8]) -> String {
    Sha1::digest(content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The resource a request is about: which kind, and which of its parameters it takes.
#[derive(Clone, Copy)]
struct Resource {
    kind: DocKind,
    /// The name of the document id parameter.
    id: &'static str,
}

const STATE: Resource = Resource {
    kind: DocKind::State,
    id: "stateId",
};
const ACTIVITY_PROFILE: Resource = Resource {
    kind: DocKind::ActivityProfile,
    id: "profileId",
};
const AGENT_PROFILE: Resource = Resource {
    kind: DocKind::AgentProfile,
    id: "profileId",
};

impl Resource {
    fn allowed(self) -> &'static [&'static str] {
        match self.kind {
            DocKind::State => &["activityId", "agent", "registration", "stateId", "since"],
            DocKind::ActivityProfile => &["activityId", "profileId", "since"],
            DocKind::AgentProfile => &["agent", "profileId", "since"],
        }
    }

    fn need(self, write: bool) -> Need {
        match self.kind {
            DocKind::State => Need::State(write),
            _ => Need::Profile(write),
        }
    }
}

/// Reads and checks the parameters into a document key; `id` is empty when not given.
fn key(resource: Resource, pairs: &[(String, String)], version: Version) -> XResult<DocKey> {
    let bad = |m: String| XapiError::bad(m).in_version(version);
    let activity = if resource.kind == DocKind::AgentProfile {
        String::new()
    } else {
        let a = param(pairs, "activityId").ok_or_else(|| bad("activityId is required".into()))?;
        if !syntax::is_iri(a) {
            return Err(bad(format!("activityId: must be an IRI, not {a:?}")));
        }
        a.to_string()
    };
    let agent = if resource.kind == DocKind::ActivityProfile {
        String::new()
    } else {
        let raw = param(pairs, "agent").ok_or_else(|| bad("agent is required".into()))?;
        let value = parse_json(raw).map_err(|e| bad(format!("agent: not valid JSON: {e}")))?;
        agent_ifi(&value).ok_or_else(|| {
            bad(
                "agent: must be an Agent with exactly one of mbox, mbox_sha1sum, openid or account"
                    .into(),
            )
        })?
    };
    let registration = match param(pairs, "registration") {
        Some(r) => Uuid::parse(r)
            .ok_or_else(|| bad(format!("registration: {r:?} is not a UUID")))?
            .to_string(),
        None => String::new(),
    };
    Ok(DocKey {
        kind: resource.kind,
        activity,
        agent,
        registration,
        id: param(pairs, resource.id).unwrap_or("").to_string(),
    })
}

/// Authenticates a document request and reads its parameters: the version, the parameters
/// and the document's key.
async fn open(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
    resource: Resource,
    write: bool,
) -> XResult<(Version, Vec<(String, String)>, DocKey)> {
    let v = client(state, headers, resource.need(write)).await?.version;
    let pairs = params(query, resource.allowed(), v)?;
    let key = key(resource, &pairs, v)?;
    Ok((v, pairs, key))
}

fn unquote(tag: &str) -> String {
    let t = tag.trim();
    let t = t.strip_prefix("W/").unwrap_or(t);
    t.trim_matches('"').to_string()
}

/// What the request's concurrency headers ask for, if anything.
fn condition(headers: &HeaderMap) -> Option<Expect> {
    if let Some(m) = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) {
        return Some(if m.trim() == "*" {
            Expect::Present
        } else {
            Expect::Etag(unquote(m.split(',').next().unwrap_or("")))
        });
    }
    match headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        Some(n) if n.trim() == "*" => Some(Expect::Absent),
        _ => None,
    }
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_string()
}

fn is_json(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("application/json"))
}

async fn get_document(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
    resource: Resource,
) -> XResult<Response> {
    let (v, pairs, key) = open(state, headers, query, resource, false).await?;
    let err = |e: StoreError| XapiError::from(e).in_version(v);
    if key.id.is_empty() {
        let since = time_param(&pairs, "since", v)?;
        let ids = state.store.document_ids(&key, since).await.map_err(err)?;
        return Ok(with_version(axum::Json(ids).into_response(), v));
    }
    if param(&pairs, "since").is_some() {
        return Err(
            XapiError::bad(format!("since cannot be combined with {}", resource.id)).in_version(v),
        );
    }
    let Some(doc) = state.store.document(&key).await.map_err(err)? else {
        return Err(XapiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no document with {} {:?}", resource.id, key.id),
        )
        .in_version(v));
    };
    let mut r = doc.content.into_response();
    let h = r.headers_mut();
    if let Ok(ct) = HeaderValue::from_str(&doc.content_type) {
        h.insert(header::CONTENT_TYPE, ct);
    }
    if let Ok(tag) = HeaderValue::from_str(&format!("\"{}\"", doc.etag)) {
        h.insert(header::ETAG, tag);
    }
    if let Ok(lm) = HeaderValue::from_str(&http_date(doc.updated)) {
        h.insert(header::LAST_MODIFIED, lm);
    }
    Ok(with_version(r, v))
}

async fn put_document(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
    resource: Resource,
    body: Bytes,
) -> XResult<Response> {
    let (v, pairs, key) = open(state, headers, query, resource, true).await?;
    if key.id.is_empty() || param(&pairs, "since").is_some() {
        return Err(
            XapiError::bad(format!("PUT needs {} and takes no since", resource.id)).in_version(v),
        );
    }
    let expect = condition(headers).unwrap_or(match (resource.kind, v) {
        (DocKind::State, Version::V1_0_3) => Expect::Any,
        _ => Expect::AbsentElseConflict,
    });
    state
        .store
        .put_document(
            &key,
            &content_type(headers),
            &body,
            &etag(&body),
            &expect,
            state.now(),
        )
        .await
        .map_err(|e| XapiError::from(e).in_version(v))?;
    Ok(with_version(StatusCode::NO_CONTENT.into_response(), v))
}

async fn post_document(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
    resource: Resource,
    body: Bytes,
) -> XResult<Response> {
    let (v, pairs, key) = open(state, headers, query, resource, true).await?;
    if key.id.is_empty() || param(&pairs, "since").is_some() {
        return Err(
            XapiError::bad(format!("POST needs {} and takes no since", resource.id)).in_version(v),
        );
    }
    let posted_type = content_type(headers);
    let wanted = condition(headers);
    let err = |e: StoreError| XapiError::from(e).in_version(v);
    for _attempt in 0..5 {
        let current = state.store.document(&key).await.map_err(err)?;
        // The request's own conditions, against what is stored now.
        if let Some(wanted) = &wanted {
            wanted
                .check(current.as_ref().map(|d| d.etag.as_str()))
                .map_err(err)?;
        }
        let (content, content_type, expect) = match current {
            None => (body.to_vec(), posted_type.clone(), Expect::Absent),
            Some(doc) => {
                let merged = merge(&doc.content_type, &doc.content, &posted_type, &body)
                    .map_err(|m| XapiError::bad(m).in_version(v))?;
                (
                    merged,
                    "application/json".to_string(),
                    Expect::Etag(doc.etag),
                )
            }
        };
        match state
            .store
            .put_document(
                &key,
                &content_type,
                &content,
                &etag(&content),
                &expect,
                state.now(),
            )
            .await
        {
            Ok(()) => return Ok(with_version(StatusCode::NO_CONTENT.into_response(), v)),
            // Someone else wrote between our read and our write: read again and merge again.
            Err(StoreError::Precondition(_)) => continue,
            Err(e) => return Err(err(e)),
        }
    }
    Err(XapiError::new(
        StatusCode::CONFLICT,
        "conflict",
        "the document kept changing while it was being merged; try again",
    )
    .in_version(v))
}

/// Merges a posted JSON object into a stored one (top-level properties), or says why not.
fn merge(
    stored_type: &str,
    stored: &[u8],
    posted_type: &str,
    posted: &[u8],
) -> Result<Vec<u8>, String> {
    let as_object = |ct: &str,
                     bytes: &[u8],
                     which: &str|
     -> Result<serde_json::Map<String, Value>, String> {
        if !is_json(ct) {
            return Err(format!("the {which} document is not application/json, so it cannot be merged; PUT replaces it"));
        }
        match std::str::from_utf8(bytes).ok().and_then(|t| parse_json(t).ok()) {
            Some(Value::Object(m)) => Ok(m),
            _ => Err(format!("the {which} document is not a JSON object, so it cannot be merged; PUT replaces it")),
        }
    };
    let mut base = as_object(stored_type, stored, "stored")?;
    let new = as_object(posted_type, posted, "posted")?;
    base.extend(new);
    Ok(Value::Object(base).to_string().into_bytes())
}

async fn delete_document(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
    resource: Resource,
) -> XResult<Response> {
    let (v, pairs, key) = open(state, headers, query, resource, true).await?;
    if param(&pairs, "since").is_some() {
        return Err(XapiError::bad("DELETE takes no since").in_version(v));
    }
    if key.id.is_empty() && resource.kind != DocKind::State {
        return Err(XapiError::bad("DELETE needs profileId").in_version(v));
    }
    let expect = condition(headers).unwrap_or(Expect::Any);
    state
        .store
        .delete_documents(&key, &expect)
        .await
        .map_err(|e| XapiError::from(e).in_version(v))?;
    Ok(with_version(StatusCode::NO_CONTENT.into_response(), v))
}

macro_rules! document_routes {
    ($resource:expr, $get:ident, $put:ident, $post:ident, $delete:ident) => {
        pub async fn $get(
            State(state): State<AppState>,
            headers: HeaderMap,
            RawQuery(q): RawQuery,
        ) -> XResult<Response> {
            get_document(&state, &headers, q.as_deref(), $resource).await
        }
        pub async fn $put(
            State(state): State<AppState>,
            headers: HeaderMap,
            RawQuery(q): RawQuery,
            body: Bytes,
        ) -> XResult<Response> {
            put_document(&state, &headers, q.as_deref(), $resource, body).await
        }
        pub async fn $post(
            State(state): State<AppState>,
            headers: HeaderMap,
            RawQuery(q): RawQuery,
            body: Bytes,
        ) -> XResult<Response> {
            post_document(&state, &headers, q.as_deref(), $resource, body).await
        }
        pub async fn $delete(
            State(state): State<AppState>,
            headers: HeaderMap,
            RawQuery(q): RawQuery,
        ) -> XResult<Response> {
            delete_document(&state, &headers, q.as_deref(), $resource).await
        }
    };
}

document_routes!(STATE, get_state, put_state, post_state, delete_state);
document_routes!(
    ACTIVITY_PROFILE,
    get_activity_profile,
    put_activity_profile,
    post_activity_profile,
    delete_activity_profile
);
document_routes!(
    AGENT_PROFILE,
    get_agent_profile,
    put_agent_profile,
    post_agent_profile,
    delete_agent_profile
);

/// GET /agents (Comm 2.5): the Person object of an Agent — its identifier, and the name of
/// the peerlab person with that e-mail address when there is one.
pub async fn agents(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> XResult<Response> {
    let client = client(&state, &headers, Need::Read).await?;
    let v = client.version;
    let pairs = params(q.as_deref(), &["agent"], v)?;
    let raw =
        param(&pairs, "agent").ok_or_else(|| XapiError::bad("agent is required").in_version(v))?;
    let agent = parse_json(raw)
        .map_err(|e| XapiError::bad(format!("agent: not valid JSON: {e}")).in_version(v))?;
    if agent_ifi(&agent).is_none() {
        return Err(XapiError::bad(
            "agent: must be an Agent with exactly one of mbox, mbox_sha1sum, openid or account",
        )
        .in_version(v));
    }
    let mut person = json!({"objectType": "Person"});
    let mut names: Vec<String> = agent
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .into_iter()
        .collect();
    for ifi in ["mbox", "mbox_sha1sum", "openid", "account"] {
        if let Some(value) = agent.get(ifi) {
            person[ifi] = json!([value]);
        }
    }
    if let Some(email) = agent
        .get("mbox")
        .and_then(Value::as_str)
        .and_then(|m| m.strip_prefix("mailto:"))
    {
        if let Ok(email) = peerlab_core::Email::parse(email) {
            if let Some(p) = state
                .store
                .person_by_email(&email)
                .await
                .map_err(|e| XapiError::from(e).in_version(v))?
            {
                if !names.contains(&p.name) {
                    names.push(p.name);
                }
            }
        }
    }
    if !names.is_empty() {
        person["name"] = json!(names);
    }
    Ok(with_version(axum::Json(person).into_response(), v))
}

/// GET /activities (Comm 2.4): the canonical definition merged from the statements stored,
/// or the bare activity when none defined it.
pub async fn activities(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> XResult<Response> {
    let client = client(&state, &headers, Need::Read).await?;
    let v = client.version;
    let pairs = params(q.as_deref(), &["activityId"], v)?;
    let id = param(&pairs, "activityId")
        .ok_or_else(|| XapiError::bad("activityId is required").in_version(v))?;
    if !syntax::is_iri(id) {
        return Err(
            XapiError::bad(format!("activityId: must be an IRI, not {id:?}")).in_version(v),
        );
    }
    let mut activity = json!({"objectType": "Activity", "id": id});
    if let Some(def) = state
        .store
        .activity_definition(id)
        .await
        .map_err(|e| XapiError::from(e).in_version(v))?
    {
        if let Ok(def) = serde_json::from_str::<Value>(&def) {
            activity["definition"] = def;
        }
    }
    Ok(with_version(axum::Json(activity).into_response(), v))
}
