//! Outbound: what peerlab sends out of the product, and the people's choices about it.
//!
//! How a message travels (see ARCHITECTURE.md, "Outbound"):
//! 1. A feature writes what happened where it already does — an in-app notification, a
//!    calendar message — inside its own transaction. It sends nothing itself.
//! 2. The **relay**, a step of every node's job runner, reads the rows nobody has dealt with
//!    and decides for each, by its [`topics`] and the person's choice: an e-mail now (a job),
//!    the digest (a mark), or nothing. The marks and the jobs are written in one transaction
//!    per batch, guarded so that two nodes relaying at once enqueue each e-mail once.
//! 3. The job runner delivers: each job is one e-mail, retried with backoff (see `jobs.rs`),
//!    ending `failed` with the server's answer on the admin's outbound page. With no SMTP
//!    server configured the job still runs and records where the e-mail would have gone.
//! 4. Every hour, a `digest_hour` job finds the people whose local time is 07:00 and who have
//!    notifications waiting (every day, or on Mondays for a weekly digest), and enqueues one
//!    digest job per person and local date.

mod admin_api;
mod api;
pub(crate) mod hook_pages;
pub mod hooks;
pub mod mail;
pub(crate) mod pages;
pub mod topics;
pub mod unsubscribe;

use chrono::{Datelike, Timelike};
use peerlab_core::space::{NoticeKind, Visibility};
use peerlab_store::{Job, NewJob, Notice, PersonId, Relay};
use serde::{Deserialize, Serialize};
use serde_json::json;

pub use admin_api::api as admin_api;
pub use api::api;

use crate::error::Failure;
use crate::AppState;
use mail::Mail;
use topics::{Mode, Topic};

/// The job kinds of outbound work, for the runner and the admin's queue.
pub const EMAIL_NOTICE: &str = "email_notice";
pub const EMAIL_INVITATION: &str = "email_invitation";
pub const EMAIL_DIGEST: &str = "email_digest";
pub const EMAIL_TEST: &str = "email_test";
pub const EMAIL_INVITE: &str = "email_invite";
pub const EMAIL_RESET: &str = "email_reset";
pub const DIGEST_HOUR: &str = "digest_hour";

/// The kinds that are one e-mail each, listed on the outbound page.
pub const EMAIL_KINDS: &[&str] = &[
    EMAIL_NOTICE,
    EMAIL_INVITATION,
    EMAIL_DIGEST,
    EMAIL_TEST,
    EMAIL_INVITE,
    EMAIL_RESET,
];

/// Attempts an e-mail gets: 30 s, 1, 2 and 4 minutes apart, then it is failed and shown.
const EMAIL_ATTEMPTS: i64 = 5;
/// Rows the relay reads at once.
const RELAY_BATCH: i64 = 200;
/// The local hour at which digests go.
pub const DIGEST_LOCAL_HOUR: u32 = 7;
/// Notifications one digest lists at most; the rest wait for the next.
const DIGEST_MAX: i64 = 50;
const HOUR_MS: i64 = 3_600_000;

/// What every e-mail job carries: enough for the outbound page to say what it is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    pub to: String,
    pub subject: String,
    /// The notification, calendar message or person it is about.
    pub about: i64,
    /// The local date of a digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// An invitation's path (`/invite/<token>`): a secret, removed from the job once the
    /// e-mail went (or was held), so the queue keeps no usable link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

fn email_job(kind: &str, envelope: &Envelope, dedupe: String, now: i64) -> NewJob {
    NewJob {
        kind: kind.into(),
        payload: serde_json::to_string(envelope).unwrap_or_default(),
        run_at: now,
        max_attempts: EMAIL_ATTEMPTS,
        dedupe_key: Some(dedupe),
    }
}

/// Cuts `s` to at most `max` characters, with an ellipsis when cut.
fn cut(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// What a notification says, as the bell says it: "Ana replied to Pricing in Sales".
fn notice_sentence(n: &Notice) -> String {
    let actor = n.actor_name.as_deref().unwrap_or("Someone");
    let mut s = format!("{actor} {}", n.kind.label());
    if let Some(t) = &n.session_title {
        s.push_str(&format!(" {t} in"));
    }
    if let Some(t) = &n.thread_title {
        s.push_str(&format!(" {t} in"));
    }
    s.push_str(&format!(" {}", n.space_name));
    s
}

/// Where a notification leads.
fn notice_path(n: &Notice) -> String {
    if let (Some(thread), Some(post)) = (n.thread_id, n.post_id) {
        format!("/threads/{thread}#post-{post}")
    } else if let Some(thread) = n.thread_id {
        format!("/threads/{thread}")
    } else if let Some(session) = n.session_id {
        format!("/sessions/{session}")
    } else if matches!(n.kind, NoticeKind::Coffee | NoticeKind::CoffeeMet) {
        format!("/spaces/{}/coffee", n.space_id)
    } else {
        format!("/spaces/{}", n.space_id)
    }
}

/// What `person` chose for `topic`, among the relay's `(person, topic, mode)` rows.
fn choice<'a>(
    chosen: &'a [(PersonId, String, String)],
    person: PersonId,
    topic: &Topic,
) -> Option<&'a str> {
    chosen
        .iter()
        .find(|(p, t, _)| *p == person && t == topic.key)
        .map(|(_, _, m)| m.as_str())
}

/// The relay: deals with every notification and calendar message nobody has dealt with yet,
/// a batch at a time. Returns how many rows this node marked.
pub(crate) async fn relay(state: &AppState) -> Result<u64, String> {
    let now = state.now();
    let mut marked = 0;
    loop {
        let notices = state
            .store
            .unrelayed_notices(RELAY_BATCH)
            .await
            .map_err(|e| e.to_string())?;
        if notices.is_empty() {
            break;
        }
        let full = notices.len() as i64 == RELAY_BATCH;
        let people: Vec<PersonId> = notices.iter().map(|n| n.person_id).collect();
        let chosen = state
            .store
            .modes_of(&people)
            .await
            .map_err(|e| e.to_string())?;
        let relays: Vec<Relay> = notices
            .iter()
            .map(|n| {
                let mode = topics::of_notice(n.kind)
                    .map(|t| topics::mode_of(t, choice(&chosen, n.person_id, t)));
                match mode {
                    Some(Mode::Immediately) if !n.email.is_empty() => Relay {
                        id: n.id,
                        mark: "mail",
                        job: Some(email_job(
                            EMAIL_NOTICE,
                            &Envelope {
                                to: n.email.clone(),
                                subject: notice_subject(n),
                                about: n.id,
                                date: None,
                                link: None,
                            },
                            format!("mail:notice:{}", n.id),
                            now,
                        )),
                    },
                    Some(Mode::Digest) if !n.email.is_empty() => Relay {
                        id: n.id,
                        mark: "digest",
                        job: None,
                    },
                    _ => Relay {
                        id: n.id,
                        mark: "none",
                        job: None,
                    },
                }
            })
            .collect();
        marked += state
            .store
            .relay_notices(&relays, now)
            .await
            .map_err(|e| e.to_string())?;
        if !full {
            break;
        }
    }
    loop {
        let messages = state
            .store
            .unrelayed_calendar(RELAY_BATCH)
            .await
            .map_err(|e| e.to_string())?;
        if messages.is_empty() {
            break;
        }
        let full = messages.len() as i64 == RELAY_BATCH;
        let people: Vec<PersonId> = messages.iter().map(|m| m.person_id).collect();
        let chosen = state
            .store
            .modes_of(&people)
            .await
            .map_err(|e| e.to_string())?;
        let relays: Vec<Relay> = messages
            .iter()
            .map(|m| {
                let chosen = choice(&chosen, m.person_id, &topics::SESSIONS);
                let wanted = topics::mode_of(&topics::SESSIONS, chosen) != Mode::Never;
                // A superseded message is not sent: the later one says what the calendar
                // should hold, and is relayed in its turn.
                let job = (wanted && m.latest && !m.email.is_empty()).then(|| {
                    email_job(
                        EMAIL_INVITATION,
                        &Envelope {
                            to: m.email.clone(),
                            subject: invitation_subject(&m.method, m.sequence, &m.title),
                            about: m.id,
                            date: None,
                            link: None,
                        },
                        format!("mail:calendar:{}", m.id),
                        now,
                    )
                });
                Relay {
                    id: m.id,
                    mark: "",
                    job,
                }
            })
            .collect();
        marked += state
            .store
            .relay_calendar(&relays, now)
            .await
            .map_err(|e| e.to_string())?;
        if !full {
            break;
        }
    }
    marked += hooks::relay(state).await?;
    Ok(marked)
}

fn notice_subject(n: &Notice) -> String {
    if n.visibility == Visibility::Confidential {
        return "Something new for you in a confidential space".into();
    }
    cut(&notice_sentence(n), 140)
}

fn invitation_subject(method: &str, sequence: i64, title: &str) -> String {
    let title = cut(title, 120);
    match (method, sequence) {
        ("CANCEL", _) => format!("Cancelled: {title}"),
        (_, 0) => format!("Invitation: {title}"),
        _ => format!("Updated invitation: {title}"),
    }
}

/// Enqueues the digest round of `hour` (Unix hours); whether the store answered.
pub(crate) async fn schedule_digests(state: &AppState, hour: i64) -> bool {
    let job = NewJob {
        kind: DIGEST_HOUR.into(),
        payload: json!({ "hour": hour }).to_string(),
        run_at: hour * HOUR_MS,
        max_attempts: 3,
        dedupe_key: Some(format!("digest_hour:{hour}")),
    };
    match state.store.enqueue_job(&job, state.now()).await {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %e, "scheduling the digest round failed");
            false
        }
    }
}

/// Runs an outbound job: `None` when `job` is not outbound work.
pub(crate) async fn handle(state: &AppState, job: &Job) -> Option<Result<Option<String>, Failure>> {
    let kind = job.kind.as_str();
    if kind == DIGEST_HOUR {
        return Some(
            digest_round(state, job)
                .await
                .map(Some)
                .map_err(Failure::from),
        );
    }
    if kind == hooks::WEBHOOK {
        return Some(hooks::deliver(state, job).await);
    }
    if !EMAIL_KINDS.contains(&kind) {
        return None;
    }
    let envelope: Envelope = match serde_json::from_str(&job.payload) {
        Ok(e) => e,
        Err(e) => {
            return Some(Err(
                format!("the job's payload is not an envelope: {e}").into()
            ))
        }
    };
    Some(deliver(state, job, &envelope).await.map_err(Failure::from))
}

/// Builds and sends one e-mail job's message.
async fn deliver(
    state: &AppState,
    job: &Job,
    envelope: &Envelope,
) -> Result<Option<String>, String> {
    let message_id = format!(
        "<job-{}.{}@{}>",
        job.id,
        job.kind,
        host(&state.config.public_url)
    );
    let built = match job.kind.as_str() {
        EMAIL_NOTICE => notice_mail(state, envelope).await?,
        EMAIL_INVITATION => invitation_mail(state, envelope).await?,
        EMAIL_DIGEST => digest_mail(state, envelope).await?,
        EMAIL_INVITE | EMAIL_RESET => link_mail(state, job, envelope).await?,
        _ => Some((test_mail(&state.config.public_url), Vec::new())),
    };
    let Some((mut mail, digested)) = built else {
        return Ok(Some("skipped: what it was about is gone".into()));
    };
    mail.message_id = message_id;
    let Some(mailer) = &state.mailer else {
        forget_link(state, job, envelope).await?;
        return Ok(Some(format!(
            "held: e-mail is off, so it did not go to {}",
            envelope.to
        )));
    };
    let answer = mailer
        .send(&mail, &envelope.to)
        .await
        .map_err(|e| e.message)?;
    forget_link(state, job, envelope).await?;
    if !digested.is_empty() {
        state
            .store
            .mark_digested(&digested)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(Some(format!("sent to {}: {answer}", envelope.to)))
}

/// Removes an invitation's link from its job once it is no longer needed.
async fn forget_link(state: &AppState, job: &Job, envelope: &Envelope) -> Result<(), String> {
    if envelope.link.is_none() {
        return Ok(());
    }
    let mut kept = envelope.clone();
    kept.link = None;
    state
        .store
        .set_job_payload(job.id, &serde_json::to_string(&kept).unwrap_or_default())
        .await
        .map_err(|e| e.to_string())
}

/// Queues a finished or failed job of one of `kinds` again (a copy, so its log stays) and
/// returns the copy's id; `what` names it in the 404.
pub(crate) async fn replay(
    state: &AppState,
    id: i64,
    kinds: &[&str],
    what: &'static str,
) -> Result<i64, crate::error::Error> {
    let job = state.store.job(id).await?;
    if !job
        .as_ref()
        .is_some_and(|j| kinds.contains(&j.kind.as_str()))
    {
        return Err(crate::error::Error::not_found(what));
    }
    let copy = state
        .store
        .replay_job(id, state.now())
        .await?
        .ok_or_else(|| {
            crate::error::Error::conflict(format!(
                "this {what} has not finished yet: it can be sent again once it has gone or failed"
            ))
        })?;
    state.jobs.wake();
    Ok(copy)
}

/// Queues the e-mail that brings a new person their invitation link (`/invite/<token>`).
/// With e-mail off it is held in the queue, and the admin sends the link themselves.
pub(crate) async fn send_invitation(
    state: &AppState,
    person: &peerlab_store::Person,
    link: &str,
) -> Result<(), crate::error::Error> {
    send_link(
        state,
        person,
        link,
        EMAIL_INVITE,
        "You are invited to peerlab",
    )
    .await
}

/// Queues the e-mail with a link to choose a new password, asked for on the login page
/// (only sent when e-mail is on: the page says so otherwise).
pub(crate) async fn send_reset(
    state: &AppState,
    person: &peerlab_store::Person,
    link: &str,
) -> Result<(), crate::error::Error> {
    send_link(
        state,
        person,
        link,
        EMAIL_RESET,
        "Choose a new peerlab password",
    )
    .await
}

async fn send_link(
    state: &AppState,
    person: &peerlab_store::Person,
    link: &str,
    kind: &str,
    subject: &str,
) -> Result<(), crate::error::Error> {
    let base = state.config.public_url.trim_end_matches('/');
    let path = link.strip_prefix(base).unwrap_or(link);
    let envelope = Envelope {
        to: person.email.clone(),
        subject: subject.into(),
        about: person.id.get(),
        date: None,
        link: Some(path.to_string()),
    };
    let mut job = email_job(kind, &envelope, String::new(), state.now());
    job.dedupe_key = None;
    state.jobs.enqueue(state, &job).await?;
    Ok(())
}

/// An invitation's or a password reset's e-mail: the person's link and what it does.
async fn link_mail(state: &AppState, job: &Job, envelope: &Envelope) -> Result<Built, String> {
    let Some(link) = &envelope.link else {
        return Ok(None);
    };
    let name = state
        .store
        .person(PersonId::new(envelope.about))
        .await
        .map_err(|e| e.to_string())?
        .map(|p| p.name)
        .unwrap_or_default();
    let (intro, action) = if job.kind == EMAIL_RESET {
        (
            format!(
                "Hello {name}, someone asked to reset the password of your peerlab account — we hope it was you. The link works once, for {} minutes; using it logs you out everywhere and revokes your API tokens. If it was not you, ignore this e-mail: your password stays as it is.",
                crate::RESET_MINUTES
            ),
            "Choose a new password",
        )
    } else {
        (
            format!(
                "Hello {name}, your colleagues learn from each other on peerlab: communities of practice, cohorts, who knows what. Set a password to join them; the link works for {} days.",
                crate::INVITATION_DAYS
            ),
            "Set your password",
        )
    };
    let letter = Letter {
        heading: envelope.subject.clone(),
        intro,
        items: Vec::new(),
        action: Some((action.into(), link.clone())),
        topic: None,
    };
    Ok(Some((
        letter.into_mail(
            &state.config.public_url,
            &envelope.subject,
            None,
            None,
            String::new(),
        ),
        Vec::new(),
    )))
}

/// The message that checks the SMTP settings (an admin's, or `peerlab mail test`).
pub fn test_mail(base: &str) -> Mail {
    Letter {
        heading: "peerlab can send e-mail".into(),
        intro: "This is a test message. If you can read it, peerlab's SMTP settings work.".into(),
        items: Vec::new(),
        action: Some(("Open the outbound queue".into(), "/admin/outbound".into())),
        topic: None,
    }
    .into_mail(
        base,
        "peerlab test message",
        None,
        None,
        format!("<test-{:016x}@{}>", rand::random::<u64>(), host(base)),
    )
}

/// The host of the public URL, for Message-IDs.
fn host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', ':'])
        .next()
        .unwrap_or("peerlab")
        .to_string()
}

/// An e-mail's content before it is laid out as text and HTML.
pub(crate) struct Letter {
    pub heading: String,
    pub intro: String,
    pub items: Vec<Item>,
    /// `(label, path)` of the main button.
    pub action: Option<(String, String)>,
    /// The topic it is about, for the footer's "why you get this".
    pub topic: Option<&'static Topic>,
}

pub(crate) struct Item {
    pub text: String,
    pub quote: Option<String>,
    pub path: String,
}

#[derive(askama::Template)]
#[template(path = "outbound/email.html")]
struct EmailHtml<'a> {
    letter: &'a Letter,
    base: &'a str,
    unsubscribe: Option<&'a str>,
    settings: String,
}

impl Letter {
    fn into_mail(
        self,
        base: &str,
        subject: &str,
        unsubscribe: Option<String>,
        calendar: Option<(&'static str, String)>,
        message_id: String,
    ) -> Mail {
        let base = base.trim_end_matches('/');
        let settings = format!("{base}/settings/notifications");
        let mut text = format!("{}\n\n{}\n", self.heading, self.intro);
        for item in &self.items {
            text.push_str(&format!("\n- {}\n  {base}{}\n", item.text, item.path));
            if let Some(q) = &item.quote {
                for line in q.lines() {
                    text.push_str(&format!("  > {line}\n"));
                }
            }
        }
        if let Some((label, path)) = &self.action {
            text.push_str(&format!("\n{label}: {base}{path}\n"));
        }
        text.push_str("\n-- \n");
        match (&self.topic, &unsubscribe) {
            (Some(t), Some(link)) => text.push_str(&format!(
                "You get this because of your choice for “{}”. Stop these e-mails: {link}\nAll your e-mail choices: {settings}\n",
                t.label
            )),
            (None, Some(link)) => text.push_str(&format!(
                "This is your peerlab digest. Stop it: {link}\nAll your e-mail choices: {settings}\n"
            )),
            _ => text.push_str(&format!("Sent by peerlab at {base}\n")),
        }
        let html = askama::Template::render(&EmailHtml {
            letter: &self,
            base,
            unsubscribe: unsubscribe.as_deref(),
            settings,
        })
        .unwrap_or_else(|_| text.clone());
        Mail {
            subject: subject.to_string(),
            text,
            html,
            calendar,
            unsubscribe,
            message_id,
        }
    }
}

/// The unsubscribe link for `person` and `topic` (or the digest).
async fn unsubscribe_link(
    state: &AppState,
    person: PersonId,
    topic: &str,
) -> Result<String, String> {
    let key = pages::unsubscribe_key(state)
        .await
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "{}/unsubscribe?t={}",
        state.config.public_url.trim_end_matches('/'),
        unsubscribe::token(&key, person, topic, state.now())
    ))
}

fn notice_item(n: &Notice) -> Item {
    if n.visibility == Visibility::Confidential {
        // A confidential space's names and words stay inside peerlab, e-mail included.
        return Item {
            text: "Something new for you in a confidential space".into(),
            quote: None,
            path: "/notifications".into(),
        };
    }
    let quote = match n.kind {
        NoticeKind::Reply | NoticeKind::Mention | NoticeKind::Prompt | NoticeKind::Accepted => {
            n.post_body.as_deref().map(|b| cut(b, 600))
        }
        _ => None,
    };
    Item {
        text: notice_sentence(n),
        quote,
        path: notice_path(n),
    }
}

type Built = Option<(Mail, Vec<i64>)>;

async fn notice_mail(state: &AppState, envelope: &Envelope) -> Result<Built, String> {
    let Some(n) = state
        .store
        .notice(envelope.about)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    let Some(topic) = topics::of_notice(n.kind) else {
        return Ok(None);
    };
    let item = notice_item(&n);
    let link = unsubscribe_link(state, n.person_id, topic.key).await?;
    let letter = Letter {
        heading: item.text.clone(),
        intro: format!("Hello {},", n.name),
        action: Some(("Open it in peerlab".into(), item.path.clone())),
        items: vec![item],
        topic: Some(topic),
    };
    Ok(Some((
        letter.into_mail(
            &state.config.public_url,
            &envelope.subject,
            Some(link),
            None,
            String::new(),
        ),
        Vec::new(),
    )))
}

async fn invitation_mail(state: &AppState, envelope: &Envelope) -> Result<Built, String> {
    let Some(message) = state
        .store
        .calendar_message(envelope.about)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    let Some(session) = state
        .store
        .session(message.session_id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    let Some(person) = state
        .store
        .person(message.person_id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    let ics = crate::programs::ops::invitations::for_message(state, &session, &message, &person)
        .await
        .map_err(|e| e.message)?;
    let method = if message.method == "CANCEL" {
        "CANCEL"
    } else {
        "REQUEST"
    };
    let when = crate::programs::session_when(&session);
    let place = if session.place.is_empty() {
        String::new()
    } else {
        format!(" · {}", session.place)
    };
    let intro = match (method, message.sequence) {
        ("CANCEL", _) => format!("Hello {}, this session will not take place: {when}.", person.name),
        (_, 0) => format!(
            "Hello {}, you are invited: {when}{place}. Accept or decline in your calendar.",
            person.name
        ),
        _ => format!(
            "Hello {}, this session changed: it is now {when}{place}. Your calendar updates the event you have.",
            person.name
        ),
    };
    let letter = Letter {
        heading: format!("{} · {}", session.title, session.space_name),
        intro,
        items: Vec::new(),
        action: Some((
            "Open the session".into(),
            format!("/sessions/{}", session.id),
        )),
        topic: Some(&topics::SESSIONS),
    };
    let link = unsubscribe_link(state, person.id, topics::SESSIONS.key).await?;
    Ok(Some((
        letter.into_mail(
            &state.config.public_url,
            &envelope.subject,
            Some(link),
            Some((method, ics)),
            String::new(),
        ),
        Vec::new(),
    )))
}

async fn digest_mail(state: &AppState, envelope: &Envelope) -> Result<Built, String> {
    let person = PersonId::new(envelope.about);
    let notices = state
        .store
        .digest_notices(person, DIGEST_MAX)
        .await
        .map_err(|e| e.to_string())?;
    let Some(first) = notices.first() else {
        return Ok(None);
    };
    let ids: Vec<i64> = notices.iter().map(|n| n.id).collect();
    let letter = Letter {
        heading: format!(
            "{} {} since your last digest",
            notices.len(),
            if notices.len() == 1 {
                "update"
            } else {
                "updates"
            }
        ),
        intro: format!(
            "Hello {}, here is what happened in your spaces and cohorts.",
            first.name
        ),
        items: notices.iter().map(notice_item).collect(),
        action: Some(("Open your notifications".into(), "/notifications".into())),
        topic: None,
    };
    let link = unsubscribe_link(state, person, topics::DIGEST).await?;
    Ok(Some((
        letter.into_mail(
            &state.config.public_url,
            &envelope.subject,
            Some(link),
            None,
            String::new(),
        ),
        ids,
    )))
}

/// A digest round: one digest job for each person whose local time is the digest hour, who
/// has notifications waiting, and whose frequency falls today. Returns what it did.
async fn digest_round(state: &AppState, job: &Job) -> Result<String, String> {
    #[derive(Deserialize)]
    struct Round {
        hour: i64,
    }
    let round: Round = serde_json::from_str(&job.payload).map_err(|e| e.to_string())?;
    let at = chrono::DateTime::from_timestamp_millis(round.hour * HOUR_MS).unwrap_or_default();
    let due = state.store.digests_due().await.map_err(|e| e.to_string())?;
    let mut queued = 0;
    for d in due {
        let tz = peerlab_core::program::zone(&d.time_zone).unwrap_or(chrono_tz::UTC);
        let local = at.with_timezone(&tz);
        if local.hour() != DIGEST_LOCAL_HOUR
            || (d.frequency == "weekly" && local.weekday() != chrono::Weekday::Mon)
        {
            continue;
        }
        let Some(person) = state
            .store
            .person(d.person_id)
            .await
            .map_err(|e| e.to_string())?
        else {
            continue;
        };
        let date = local.date_naive().to_string();
        let envelope = Envelope {
            to: person.email.clone(),
            subject: format!(
                "Your peerlab {} digest · {}",
                d.frequency,
                local.format("%a %-d %b")
            ),
            about: d.person_id.get(),
            date: Some(date.clone()),
            link: None,
        };
        let job = email_job(
            EMAIL_DIGEST,
            &envelope,
            format!("mail:digest:{}:{date}", d.person_id),
            state.now(),
        );
        if state
            .store
            .enqueue_job(&job, state.now())
            .await
            .map_err(|e| e.to_string())?
            .is_some()
        {
            queued += 1;
        }
    }
    if queued > 0 {
        state.jobs.wake();
    }
    Ok(format!("{queued} digests queued"))
}

/// Enqueues an admin's test message to `to`; its job id.
pub(crate) async fn send_test(state: &AppState, to: &str) -> Result<Option<i64>, String> {
    let envelope = Envelope {
        to: to.to_string(),
        subject: "peerlab test message".into(),
        about: 0,
        date: None,
        link: None,
    };
    let mut job = email_job(EMAIL_TEST, &envelope, String::new(), state.now());
    job.dedupe_key = None;
    job.max_attempts = 1;
    state
        .jobs
        .enqueue(state, &job)
        .await
        .map_err(|e| e.to_string())
}
