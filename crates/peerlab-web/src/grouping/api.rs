//! `POST /api/v1/groups` and `POST /api/v1/pairs`: the grouping and matching engine for
//! facilitators, taking the same people, history and options as `peerlab groups` and
//! `peerlab pairs`, as JSON.
//!
//! People and history arrive as arrays of objects whose keys are the CSV columns, so they are
//! validated by the same code as the files and fail with the same reasons, each pointing at
//! the array index. The search is CPU-bound: it runs on a blocking thread, one search at a
//! time per server (others wait their turn), within a time budget of at most
//! [`MAX_SECONDS`]. A request is refused before any search when it holds more than
//! [`MAX_PEOPLE`] people, because the search keeps a distance for every pair.

use axum::extract::State;
use axum::Json;
use chrono::NaiveDate;
use peerlab_core::grouping::groups::{self, GroupOptions, RoleSpec, SizeRange, Weights};
use peerlab_core::grouping::{pairs, parse_date, History, Pool, Rows};
use peerlab_core::import::{ImportError, RowError, RowProblem};
use rand::SeedableRng;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

use super::ops::search;
use crate::error::{Error, Kind};
use crate::kit::extract::ApiJson;
use crate::kit::http::ApiResult;
use crate::kit::routes::ApiRoutes;
use crate::kit::session::ApiUser;
use crate::AppState;

/// The most people one request may group or pair.
pub const MAX_PEOPLE: usize = 2_000;
/// The longest search one request may ask for.
pub const MAX_SECONDS: f64 = 10.0;
/// The largest body these endpoints read (2,000 people with long skill lists fit).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupsBody {
    people: Vec<Map<String, Value>>,
    size: String,
    #[serde(default)]
    history: Vec<Map<String, Value>>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    keep_apart: Vec<(String, String)>,
    #[serde(default)]
    keep_together: Vec<(String, String)>,
    #[serde(default)]
    weights: HashMap<String, f64>,
    date: Option<String>,
    #[serde(default = "one")]
    seed: u64,
    seconds: Option<f64>,
    iterations: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairsBody {
    people: Vec<Map<String, Value>>,
    #[serde(default)]
    history: Vec<Map<String, Value>>,
    date: Option<String>,
    #[serde(default = "one")]
    seed: u64,
    rounds: Option<usize>,
}

fn one() -> u64 {
    1
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(Kind::Invalid, "invalid_input", message)
}

// Objects to a header (the keys in order of first appearance) and rows of text fields. A
// row's "line" is its array index, so errors can name it.
fn rows(items: &[Map<String, Value>], what: &str) -> Result<Rows, Error> {
    let mut header: Vec<String> = Vec::new();
    for item in items {
        for key in item.keys() {
            if !header.contains(key) {
                header.push(key.clone());
            }
        }
    }
    let mut out = Vec::with_capacity(items.len());
    for (k, item) in items.iter().enumerate() {
        let fields = header
            .iter()
            .map(|h| match item.get(h) {
                None | Some(Value::Null) => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(Value::Number(n)) => Ok(n.to_string()),
                Some(Value::Array(list)) => list
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .map(|v| v.join("; "))
                    .ok_or_else(|| {
                        invalid(format!("{what}[{k}].{h}: a list must hold only strings"))
                    }),
                Some(_) => Err(invalid(format!(
                    "{what}[{k}].{h} must be a string, a number or a list of strings"
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        out.push((k as u64, fields));
    }
    Ok((header, out))
}

// A validation failure of people or history, with every bad entry by index.
fn refused(e: ImportError, what: &str) -> Error {
    match e {
        ImportError::File(m) => invalid(format!("{what}: {m}")),
        ImportError::Rows { errors, total } => {
            // The rows were numbered by array index, so a problem that points at another row
            // (a duplicate e-mail) is said in the API's terms.
            let reason = |r: &RowError| {
                r.reason
                    .problems()
                    .iter()
                    .map(|p| match p {
                        RowProblem::DuplicateEmail { email, first_line } => {
                            format!("duplicate e-mail {email} (first at {what}[{first_line}])")
                        }
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let first = errors
                .first()
                .map(|r| format!("; {what}[{}]: {}", r.line, reason(r)))
                .unwrap_or_default();
            let list: Vec<Value> = errors
                .iter()
                .map(|r| json!({ "index": r.line, "reason": reason(r) }))
                .collect();
            invalid(format!("{total} {what} entries have errors{first}"))
                .with_details(json!({ "total": total, "entries": list }))
        }
    }
}

fn load(
    state: &AppState,
    people: &[Map<String, Value>],
    history: &[Map<String, Value>],
    date: Option<&str>,
) -> Result<(Pool, History, NaiveDate), Error> {
    if people.len() > MAX_PEOPLE {
        return Err(invalid(format!(
            "people: {} people are more than the {MAX_PEOPLE} one request may hold",
            people.len()
        )));
    }
    let today = match date {
        Some(raw) => parse_date(raw, "date").map_err(invalid)?,
        None => chrono::DateTime::from_timestamp_millis(state.clock.now_ms())
            .ok_or_else(|| Error::internal("the clock is out of range"))?
            .date_naive(),
    };
    let (header, list) = rows(people, "people")?;
    if list.is_empty() {
        return Err(invalid("people: the list is empty; send at least 2 people"));
    }
    let pool = Pool::from_rows(&header, list).map_err(|e| refused(e, "people"))?;
    let history = if history.is_empty() {
        History::default()
    } else {
        let (header, list) = rows(history, "history")?;
        History::from_rows(&header, list, &pool).map_err(|e| refused(e, "history"))?
    };
    Ok((pool, history, today))
}

fn person(pool: &Pool, i: usize) -> Value {
    let p = &pool.people()[i];
    json!({ "email": p.email.as_str(), "name": p.name.as_str() })
}

pub async fn groups_handler(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<GroupsBody>,
) -> ApiResult<Json<Value>> {
    user.require_facilitator()?;
    // Everything that can be refused is checked before the search starts.
    let size = SizeRange::parse(&body.size).map_err(|e| invalid(format!("size: {e}")))?;
    let mut weights = Weights::default();
    for (name, &v) in &body.weights {
        if !(v.is_finite() && (0.0..=1000.0).contains(&v)) {
            return Err(invalid(format!("weights.{name} must be a number from 0 to 1000")).into());
        }
        weights
            .set(name, v)
            .map_err(|e| invalid(format!("weights: {e}")))?;
    }
    if weights.half_life_days <= 0.0 {
        return Err(invalid("weights.half_life_days must be above 0").into());
    }
    let roles = body
        .roles
        .iter()
        .map(|r| RoleSpec::parse(r))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("roles: {e}")))?;
    let seconds = body.seconds.unwrap_or(1.0);
    if !(seconds > 0.0 && seconds <= MAX_SECONDS) {
        return Err(invalid(format!("seconds must be above 0 and at most {MAX_SECONDS}")).into());
    }
    let (pool, mut history, today) =
        load(&state, &body.people, &body.history, body.date.as_deref())?;
    history.extend(stored_history(&state, &pool, |_| true).await?);
    let pairs_of = |list: &[(String, String)], what: &str| -> Result<Vec<(usize, usize)>, Error> {
        let header = vec!["a".to_string(), "b".to_string()];
        let rows = list
            .iter()
            .enumerate()
            .map(|(k, (a, b))| (k as u64, vec![a.clone(), b.clone()]))
            .collect();
        pool.pairs_from_rows(&header, rows, what)
            .map_err(|e| refused(e, what))
    };
    let options = GroupOptions {
        size,
        weights,
        roles,
        keep_apart: pairs_of(&body.keep_apart, "keep_apart")?,
        keep_together: pairs_of(&body.keep_together, "keep_together")?,
        today,
    };
    let seed = body.seed;
    let limit = body.iterations.unwrap_or(u64::MAX);
    let outcome = search(&state, move || {
        let prepared = groups::prepare(&pool, &history, options)?;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs_f64(seconds);
        let grouping = groups::form(&prepared, &mut rng, &mut |done| {
            done >= limit || std::time::Instant::now() >= deadline
        })?;
        let stories = peerlab_core::grouping::adjust::describe(&prepared, &grouping);
        let groups: Vec<Value> = grouping
            .groups
            .iter()
            .zip(&stories)
            .enumerate()
            .map(|(g, (members, story))| {
                let members: Vec<Value> = members
                    .iter()
                    .map(|&i| {
                        let mut m = person(&pool, i);
                        m["role"] = json!(grouping.roles[i]);
                        m["reasons"] = json!(story
                            .members
                            .iter()
                            .find(|s| s.person == i)
                            .map_or("", |s| s.reasons.as_str()));
                        m
                    })
                    .collect();
                json!({ "group": g + 1, "summary": story.summary, "members": members })
            })
            .collect();
        Ok::<_, groups::GroupsError>(json!({
            "date": today.format("%Y-%m-%d").to_string(),
            "groups": groups,
            "report": grouping.report,
        }))
    })
    .await?;
    outcome.map(Json).map_err(|e| invalid(e.to_string()).into())
}

/// The groupings stored in this instance's database of the people of `pool` who are in its
/// directory (matched by e-mail), whose kind `keep` accepts: the product's history joins
/// whatever history the request brings.
async fn stored_history(
    state: &AppState,
    pool: &Pool,
    keep: impl Fn(&str) -> bool,
) -> Result<History, Error> {
    let mut ids = Vec::with_capacity(pool.len());
    for p in pool.people() {
        let id = state.store.person_by_email(&p.email).await?.map(|p| p.id);
        // Nobody has id 0: a person outside the directory has no stored meetings.
        ids.push(id.unwrap_or(peerlab_store::PersonId::new(0)));
    }
    super::ops::history_of(state, &ids, |r| keep(&r.kind)).await
}

pub async fn pairs_handler(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<PairsBody>,
) -> ApiResult<Json<Value>> {
    user.require_facilitator()?;
    let (pool, mut history, today) =
        load(&state, &body.people, &body.history, body.date.as_deref())?;
    // Earlier partners forbid partners, earlier coffee pairs coffee pairs (as in the product).
    let kind = if body.rounds.is_some() {
        "coffee"
    } else {
        "partners"
    };
    history.extend(stored_history(&state, &pool, |k: &str| k == kind).await?);
    let date = today.format("%Y-%m-%d").to_string();
    let seed = body.seed;
    let rounds = body.rounds;
    let outcome = search(&state, move || match rounds {
        None => pairs::partners(&pool, &history, today).map(|p| {
            let list: Vec<Value> = p
                .pairs
                .iter()
                .map(|pair| {
                    json!({
                        "members": pair.members.iter().map(|&i| person(&pool, i)).collect::<Vec<_>>(),
                        "weight": pair.weight,
                        "reasons": pair.reasons,
                    })
                })
                .collect();
            json!({
                "date": date,
                "pairs": list,
                "unmatched": p.unmatched.iter().map(|&i| person(&pool, i)).collect::<Vec<_>>(),
                "forbidden": p.forbidden,
            })
        }),
        Some(rounds) => {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            pairs::coffee(&pool, &history, rounds, &mut rng).map(|c| {
                let list: Vec<Value> = c
                    .rounds
                    .iter()
                    .map(|round| {
                        json!(round
                            .iter()
                            .map(|g| g.iter().map(|&i| person(&pool, i)).collect::<Vec<_>>())
                            .collect::<Vec<_>>())
                    })
                    .collect();
                json!({ "date": date, "rounds": list, "unwanted": c.unwanted })
            })
        }
    })
    .await?;
    outcome.map(Json).map_err(|e| invalid(e.to_string()).into())
}

pub fn api() -> ApiRoutes {
    use axum::extract::DefaultBodyLimit;
    use axum::routing::post;
    ApiRoutes::new()
        .route(
            "/groups",
            post(groups_handler).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route(
            "/pairs",
            post(pairs_handler).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
}
