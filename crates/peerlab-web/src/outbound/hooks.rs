//! Outgoing webhooks: every statement the LRS stores — peerlab's own and other tools' — can go
//! to other systems as signed JSON, and what happens in a space (new threads and prompts,
//! shared stories and takeaways, sessions) to a Slack or Microsoft Teams channel as a card.
//!
//! Decisions:
//! - **The events are the LRS's statements.** They already say, in a standard form, every
//!   learning action; confidential spaces produce none (see `lrs::social`), so nothing from
//!   them can leave this way, and a confidential space cannot be connected at all.
//! - A signed hook's body is `{"id", "type": "statement.stored", "created", "statement"}`,
//!   with `Peerlab-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` under the
//!   hook's secret — the timestamp is signed so that a receiver can refuse replays — and
//!   `Peerlab-Event-Id` (the statement's id) to make a repeat recognisable.
//! - The format follows the URL when the admin does not choose: `hooks.slack.com` is Slack,
//!   `*.webhook.office.com` the older Teams connector (MessageCard: such URLs refuse Adaptive
//!   Cards), any other Teams or Power Automate URL a Workflows webhook (Adaptive Card), and
//!   anything else signed JSON.
//! - Only `https://` URLs, except `http://` to a loopback address when the admin allows it
//!   for that hook (tests, a receiver on the same machine).
//! - Delivery: 2xx is done; 429 waits for its `Retry-After` (Slack allows about a message a
//!   second per channel); 408 and 5xx are retried with the runner's backoff; another 4xx ends
//!   the delivery failed at once (the receiver will not change its mind). A Teams card over
//!   28 KB, or a Slack message over 50 blocks, is refused before it is sent. Every attempt's
//!   end is in the hook's log, which an admin can read and replay.

use std::time::Instant;

use hmac::{Hmac, Mac};
use peerlab_store::{Job, NewJob, Webhook};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::error::Error;
use crate::error::Failure;
use crate::lrs::social;
use crate::AppState;

/// The job kind of one delivery.
pub const WEBHOOK: &str = "webhook";
/// Attempts a delivery gets (30 s … 1 h apart), then it is failed and shown.
const ATTEMPTS: i64 = 8;
/// Teams refuses a payload over 28 KB.
pub const TEAMS_MAX_BYTES: usize = 28 * 1024;
/// Slack takes at most 50 blocks per message.
pub const SLACK_MAX_BLOCKS: usize = 50;
/// Statements the relay reads at once.
const BATCH: i64 = 200;

/// The verbs a chat channel hears of: new threads (questions, discussions, prompts, stories
/// and takeaways) and sessions. Replies, reactions and joins would drown a channel.
pub const CHAT_VERBS: &[&str] = &[
    social::ASKED.0,
    social::POSTED.0,
    social::SHARED.0,
    social::ORGANISED.0,
];

/// How a hook's messages are shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Signed,
    Slack,
    Teams,
    TeamsConnector,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Signed => "signed",
            Format::Slack => "slack",
            Format::Teams => "teams",
            Format::TeamsConnector => "teams_connector",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "signed" => Format::Signed,
            "slack" => Format::Slack,
            "teams" => Format::Teams,
            "teams_connector" => Format::TeamsConnector,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Format::Signed => "Signed JSON",
            Format::Slack => "Slack",
            Format::Teams => "Microsoft Teams (Workflows)",
            Format::TeamsConnector => "Microsoft Teams (connector)",
        }
    }

    /// The format a URL implies.
    pub fn of_url(url: &str) -> Format {
        let host = host_of(url).unwrap_or_default().to_ascii_lowercase();
        if host == "hooks.slack.com" {
            Format::Slack
        } else if host.ends_with(".webhook.office.com") || host == "outlook.office.com" {
            Format::TeamsConnector
        } else if host.ends_with(".logic.azure.com")
            || host.ends_with(".powerplatform.com")
            || host.ends_with(".powerautomate.com")
        {
            Format::Teams
        } else {
            Format::Signed
        }
    }

    pub fn is_chat(self) -> bool {
        self != Format::Signed
    }
}

fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    Some(if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    })
}

/// Checks a hook's URL: `https://` with a host, or `http://` to a loopback address when
/// `allow_loopback`.
pub fn check_url(url: &str, allow_loopback: bool) -> Result<(), Error> {
    let url = url.trim();
    if url.len() > 2_000 {
        return Err(Error::invalid(
            "url",
            "a webhook URL has at most 2,000 characters",
        ));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid("url", "a webhook URL has no spaces"));
    }
    let host = host_of(url)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| Error::invalid("url", "give the whole URL, starting with https://"))?;
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if url.starts_with("https://") {
        return Ok(());
    }
    if url.starts_with("http://") {
        if loopback && allow_loopback {
            return Ok(());
        }
        return Err(Error::invalid(
            "url",
            if loopback {
                "http:// to this machine needs “allow a loopback address” ticked (for tests and local receivers)"
            } else {
                "a webhook URL must start with https://: what peerlab sends is not for the open network"
            },
        ));
    }
    Err(Error::invalid(
        "url",
        "a webhook URL must start with https://",
    ))
}

/// What a delivery job carries. Field order matters: the log finds a hook's deliveries by
/// the payload's start (`{"hook":5,`).
#[derive(Debug, Serialize, Deserialize)]
struct Delivery {
    hook: i64,
    seq: i64,
}

fn statement_space(statement: &Value) -> Option<String> {
    statement
        .pointer("/context/contextActivities/parent")
        .and_then(Value::as_array)
        .and_then(|parents| {
            parents
                .iter()
                .filter_map(|p| p["id"].as_str())
                .find(|id| id.contains("/spaces/"))
        })
        .map(str::to_string)
}

/// Whether `hook` wants `statement` (with verb IRI `verb`), stored as `seq`.
fn wants(hook: &Webhook, base: &str, verb: &str, seq: i64, statement: &Value) -> bool {
    if seq <= hook.since_seq {
        return false;
    }
    let format = Format::parse(&hook.format).unwrap_or(Format::Signed);
    if format.is_chat() && !CHAT_VERBS.contains(&verb) {
        return false;
    }
    if !hook.verbs.trim().is_empty() && !hook.verbs.split_whitespace().any(|v| v == verb) {
        return false;
    }
    match hook.space_id {
        None => true,
        Some(space) => {
            let id = format!("{base}/spaces/{space}");
            statement_space(statement).as_deref() == Some(id.as_str())
        }
    }
}

/// Offers the statements nobody has relayed to every active hook. Returns how many
/// statements this node marked.
pub(crate) async fn relay(state: &AppState) -> Result<u64, String> {
    let hooks: Vec<Webhook> = state
        .store
        .webhooks()
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|h| h.disabled_at.is_none())
        .collect();
    if hooks.is_empty() {
        return state
            .store
            .skip_unrelayed_statements()
            .await
            .map_err(|e| e.to_string());
    }
    let base = state.config.public_url.trim_end_matches('/');
    let now = state.now();
    let mut marked = 0;
    loop {
        let pending = state
            .store
            .unrelayed_statements(BATCH)
            .await
            .map_err(|e| e.to_string())?;
        if pending.is_empty() {
            break;
        }
        let full = pending.len() as i64 == BATCH;
        let batch: Vec<(i64, Vec<NewJob>)> = pending
            .iter()
            .map(|s| {
                let statement: Value = serde_json::from_str(&s.body).unwrap_or(Value::Null);
                let jobs = hooks
                    .iter()
                    .filter(|h| wants(h, base, &s.verb, s.seq, &statement))
                    .map(|h| NewJob {
                        kind: WEBHOOK.into(),
                        payload: serde_json::to_string(&Delivery {
                            hook: h.id,
                            seq: s.seq,
                        })
                        .unwrap_or_default(),
                        run_at: now,
                        max_attempts: ATTEMPTS,
                        dedupe_key: Some(format!("hook:{}:{}", h.id, s.seq)),
                    })
                    .collect();
                (s.seq, jobs)
            })
            .collect();
        marked += state
            .store
            .relay_statements(&batch, now)
            .await
            .map_err(|e| e.to_string())?;
        if !full {
            break;
        }
    }
    Ok(marked)
}

/// `t=<seconds>,v1=<hex>`: HMAC-SHA256 of `"<t>.<body>"` under `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={timestamp},v1={hex}")
}

/// A statement in words: ("Ana Silva", "asked", "How do you price?", its link).
fn words(statement: &Value) -> (String, String, String, Option<String>) {
    let actor = statement
        .pointer("/actor/name")
        .and_then(Value::as_str)
        .unwrap_or("Someone")
        .to_string();
    let verb = statement
        .pointer("/verb/display")
        .and_then(Value::as_object)
        .and_then(|m| m.get("en").or_else(|| m.values().next()))
        .and_then(Value::as_str)
        .unwrap_or("did")
        .to_string();
    let object = statement
        .pointer("/object/definition/name")
        .and_then(Value::as_object)
        .and_then(|m| m.get("en").or_else(|| m.values().next()))
        .and_then(Value::as_str)
        .unwrap_or("something")
        .to_string();
    let link = statement
        .pointer("/object/id")
        .and_then(Value::as_str)
        .filter(|id| id.starts_with("https://") || id.starts_with("http://"))
        .map(str::to_string);
    (actor, verb, object, link)
}

fn space_name(statement: &Value) -> Option<String> {
    statement
        .pointer("/context/contextActivities/parent/0/definition/name/en")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Slack's mrkdwn needs `&`, `<` and `>` escaped.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn cut(s: &str, max: usize) -> String {
    super::cut(s, max)
}

/// The body a hook of `format` gets for `statement`.
pub fn payload(format: Format, statement: &Value, now_ms: i64) -> Result<String, Failure> {
    let (actor, verb, object, link) = words(statement);
    let space = space_name(statement);
    let fallback = match &space {
        Some(s) => format!("{actor} {verb} “{object}” in {s}"),
        None => format!("{actor} {verb} “{object}”"),
    };
    let body = match format {
        Format::Signed => json!({
            "id": statement["id"],
            "type": "statement.stored",
            "created": chrono::DateTime::from_timestamp_millis(now_ms)
                .unwrap_or_default()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "statement": statement,
        }),
        Format::Slack => {
            let mut text = format!(
                "*{}* {} *{}*",
                slack_escape(&actor),
                slack_escape(&verb),
                slack_escape(&cut(&object, 500))
            );
            if let Some(l) = &link {
                text = format!(
                    "*{}* {} <{}|{}>",
                    slack_escape(&actor),
                    slack_escape(&verb),
                    l,
                    slack_escape(&cut(&object, 500))
                );
            }
            let mut blocks =
                vec![json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})];
            if let Some(s) = &space {
                blocks.push(json!({"type": "context", "elements": [
                    {"type": "mrkdwn", "text": format!("in {} · peerlab", slack_escape(s))}
                ]}));
            }
            if blocks.len() > SLACK_MAX_BLOCKS {
                return Err(Failure {
                    message: format!(
                        "refused before sending: {} blocks, over Slack's {SLACK_MAX_BLOCKS}",
                        blocks.len()
                    ),
                    retry_in_ms: None,
                    permanent: true,
                });
            }
            json!({"text": cut(&fallback, 3_000), "blocks": blocks})
        }
        Format::Teams => {
            let mut card_body = vec![
                json!({"type": "TextBlock", "text": cut(&fallback, 2_000), "wrap": true, "weight": "Bolder"}),
            ];
            if let Some(s) = &space {
                card_body.push(json!({"type": "TextBlock", "text": format!("in {s} · peerlab"), "isSubtle": true, "spacing": "None", "wrap": true}));
            }
            let mut card = json!({
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": card_body,
            });
            if let Some(l) = &link {
                card["actions"] =
                    json!([{"type": "Action.OpenUrl", "title": "Open in peerlab", "url": l}]);
            }
            json!({"type": "message", "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null, "content": card}
            ]})
        }
        Format::TeamsConnector => {
            let mut card = json!({
                "@type": "MessageCard",
                "@context": "https://schema.org/extensions",
                "summary": cut(&fallback, 200),
                "title": cut(&object, 200),
                "text": cut(&fallback, 2_000),
            });
            if let Some(l) = &link {
                card["potentialAction"] = json!([{"@type": "OpenUri", "name": "Open in peerlab",
                    "targets": [{"os": "default", "uri": l}]}]);
            }
            card
        }
    };
    let text = body.to_string();
    if matches!(format, Format::Teams | Format::TeamsConnector) && text.len() > TEAMS_MAX_BYTES {
        return Err(Failure {
            message: format!(
                "refused before sending: {} bytes, over Teams' limit of {TEAMS_MAX_BYTES}",
                text.len()
            ),
            retry_in_ms: None,
            permanent: true,
        });
    }
    Ok(text)
}

/// `Retry-After` in seconds (or an HTTP date, which counts as a minute), capped at an hour.
fn retry_after_ms(value: Option<&reqwest::header::HeaderValue>) -> i64 {
    let secs = value
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(60);
    secs.clamp(1, 3_600) * 1_000
}

/// Sends one delivery.
pub(crate) async fn deliver(state: &AppState, job: &Job) -> Result<Option<String>, Failure> {
    let d: Delivery = serde_json::from_str(&job.payload)
        .map_err(|e| format!("the job's payload is not a delivery: {e}"))?;
    let Some(hook) = state
        .store
        .webhook(d.hook)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(Some("skipped: the webhook was removed".into()));
    };
    if hook.disabled_at.is_some() {
        return Ok(Some("skipped: the webhook is stopped".into()));
    }
    let Some(body) = state
        .store
        .statement_body(d.seq)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(Some("skipped: the statement is gone".into()));
    };
    let statement: Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    let format = Format::parse(&hook.format).unwrap_or(Format::Signed);
    let text = payload(format, &statement, state.now())?;
    let mut request = state
        .http
        .post(&hook.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json");
    if format == Format::Signed {
        let t = state.now().div_euclid(1_000);
        request = request
            .header("Peerlab-Signature", signature(&hook.secret, t, &text))
            .header(
                "Peerlab-Event-Id",
                statement["id"].as_str().unwrap_or_default(),
            );
    }
    let started = Instant::now();
    let response = request.body(text).send().await.map_err(|e| {
        Failure::from(format!(
            "{} could not be reached: {}",
            host_of(&hook.url).unwrap_or_default(),
            e
        ))
    })?;
    let status = response.status();
    let took = started.elapsed().as_millis();
    if status.is_success() {
        return Ok(Some(format!("{status} in {took} ms")));
    }
    let retry = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .cloned();
    let answer: String = response
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    let message = format!("the receiver answered {status}: {}", answer.trim());
    Err(match status.as_u16() {
        429 => Failure {
            message,
            retry_in_ms: Some(retry_after_ms(retry.as_ref())),
            permanent: false,
        },
        408 | 500..=599 => Failure::from(message),
        _ => Failure {
            message,
            retry_in_ms: None,
            permanent: true,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_follows_the_url() {
        assert_eq!(
            Format::of_url("https://hooks.slack.com/services/T/B/x"),
            Format::Slack
        );
        assert_eq!(
            Format::of_url("https://contoso.webhook.office.com/webhookb2/abc"),
            Format::TeamsConnector
        );
        assert_eq!(
            Format::of_url("https://prod-12.westeurope.logic.azure.com:443/workflows/x"),
            Format::Teams
        );
        assert_eq!(
            Format::of_url("https://hr.example.com/hooks/peerlab"),
            Format::Signed
        );
    }

    #[test]
    fn only_https_or_an_allowed_loopback() {
        assert!(check_url("https://hr.example.com/h", false).is_ok());
        assert!(check_url("http://127.0.0.1:9000/h", true).is_ok());
        assert!(check_url("http://[::1]:9000/h", true).is_ok());
        let e = check_url("http://127.0.0.1:9000/h", false).expect_err("needs the tick");
        assert!(e.message.contains("loopback"), "{}", e.message);
        let e = check_url("http://hr.example.com/h", true).expect_err("plain http");
        assert!(e.message.contains("https://"), "{}", e.message);
        assert!(check_url("ftp://x.example.com", true).is_err());
        assert!(check_url("https://", false).is_err());
        assert!(check_url("https://a b.example.com", false).is_err());
    }

    #[test]
    fn the_signature_covers_the_time_and_the_body() {
        let s = signature("whsec", 1_790_000_000, r#"{"a":1}"#);
        assert!(s.starts_with("t=1790000000,v1="));
        assert_eq!(s.len(), "t=1790000000,v1=".len() + 64);
        assert_ne!(s, signature("whsec", 1_790_000_001, r#"{"a":1}"#));
        assert_ne!(s, signature("whsec", 1_790_000_000, r#"{"a":2}"#));
        assert_ne!(s, signature("other", 1_790_000_000, r#"{"a":1}"#));
    }

    #[test]
    fn a_teams_card_over_28_kb_is_refused_before_sending() {
        let statement = json!({"id": "x", "actor": {"name": "Ana"}, "verb": {"display": {"en": "posted"}},
            "object": {"id": "https://p.example.com/threads/1", "definition": {"name": {"en": "y".repeat(40_000)}}}});
        // Names are cut to fit, so a normal statement fits…
        assert!(payload(Format::Teams, &statement, 0).is_ok());
        // …and a card that cannot fit is refused with the reason.
        let mut huge = statement.clone();
        huge["context"] = json!({"contextActivities": {"parent": [{"id": "https://p.example.com/spaces/1",
            "definition": {"name": {"en": "z".repeat(40_000)}}}]}});
        let e = payload(Format::Teams, &huge, 0).expect_err("too big");
        assert!(e.permanent && e.message.contains("28672"), "{}", e.message);
    }
}
