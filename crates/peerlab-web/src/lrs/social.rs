//! peerlab's own activity as xAPI statements (DESIGN X1): every social action is recorded in
//! the built-in LRS, beside the statements other tools send.
//!
//! One mechanism: a feature declares its actions in [`Action`] — a verb from the ADL
//! vocabulary or the xAPI registry, an activity type, and which activity the action is
//! about — and calls [`record`] after its write. Nothing else builds statement JSON.
//!
//! Decisions:
//! - The actor is the person as `mbox` (their e-mail), so that statements other tools send
//!   about the same person meet peerlab's on their timeline. The authority is peerlab itself.
//! - Activities are peerlab's own pages (`<public URL>/threads/42`); names are titles, never
//!   post text: the LRS is read by analytics tools, and a post's words stay in its space.
//! - **Confidential spaces produce no statements**: their members' activity stays inside.
//! - Recording happens after the action is written, outside its transaction: a failure is
//!   logged and does not undo the action. Statements are facts about actions that happened,
//!   never the other way round.
//! - The peerlab activity-type profile is documented in `docs/xapi-profile.md`.

use peerlab_core::space::{Reaction, ThreadKind, Visibility};
use peerlab_xapi::{Uuid, Version};
use serde_json::{json, Value};

use crate::kit::session::User;
use crate::AppState;
use peerlab_store::{CohortId, PersonId, PostId, SessionId, SkillId, SpaceId, ThreadId};

/// Where peerlab's own extensions and activity types live.
pub const PROFILE: &str = "https://peerlab.dev/xapi";

/// A verb: its IRI and its English display.
#[derive(Debug, Clone, Copy)]
pub struct Verb(pub &'static str, pub &'static str);

pub const JOINED: Verb = Verb("http://activitystrea.ms/schema/1.0/join", "joined");
pub const ACCEPTED: Verb = Verb("http://activitystrea.ms/schema/1.0/accept", "accepted");
pub const ASKED: Verb = Verb("http://adlnet.gov/expapi/verbs/asked", "asked");
pub const SHARED: Verb = Verb("http://adlnet.gov/expapi/verbs/shared", "shared");
pub const POSTED: Verb = Verb("http://activitystrea.ms/schema/1.0/post", "posted");
pub const ANSWERED: Verb = Verb("http://adlnet.gov/expapi/verbs/answered", "answered");
pub const COMMENTED: Verb = Verb("http://adlnet.gov/expapi/verbs/commented", "commented");
pub const LIKED: Verb = Verb("http://activitystrea.ms/schema/1.0/like", "liked");
pub const ENDORSED: Verb = Verb("https://peerlab.dev/xapi/verbs/endorsed", "endorsed");
pub const ATTENDED: Verb = Verb("http://adlnet.gov/expapi/verbs/attended", "attended");
pub const REGISTERED: Verb = Verb("http://adlnet.gov/expapi/verbs/registered", "registered");
pub const ORGANISED: Verb = Verb("https://peerlab.dev/xapi/verbs/organised", "organised");
pub const SUGGESTED: Verb = Verb("https://peerlab.dev/xapi/verbs/suggested", "suggested");
pub const VOTED: Verb = Verb("http://id.tincanapi.com/verb/voted-up", "voted up");
pub const CREATED: Verb = Verb("http://activitystrea.ms/schema/1.0/create", "created");
pub const GROUPED: Verb = Verb(
    "https://peerlab.dev/xapi/verbs/was-grouped",
    "was grouped into",
);
pub const PAIRED: Verb = Verb("https://peerlab.dev/xapi/verbs/was-paired", "was paired in");
pub const RESPONDED: Verb = Verb("http://adlnet.gov/expapi/verbs/responded", "responded to");

/// Activity types: the xAPI registry's where one fits, peerlab's profile otherwise.
pub mod activity_type {
    pub const SPACE: &str = "http://id.tincanapi.com/activitytype/community-site";
    pub const RULES: &str = "https://peerlab.dev/xapi/activity-types/ground-rules";
    pub const QUESTION: &str = "http://activitystrea.ms/schema/1.0/question";
    pub const THREAD: &str = "http://id.tincanapi.com/activitytype/discussion";
    pub const REPLY: &str = "http://id.tincanapi.com/activitytype/forum-reply";
    pub const ANSWER: &str = "http://activitystrea.ms/schema/1.0/answer";
    pub const SKILL: &str = "https://peerlab.dev/xapi/activity-types/skill";
    pub const MEETING: &str = "http://adlnet.gov/expapi/activities/meeting";
    pub const COHORT: &str = "https://peerlab.dev/xapi/activity-types/cohort";
    pub const TOPIC: &str = "https://peerlab.dev/xapi/activity-types/agenda-topic";
    pub const SMALL_GROUP: &str = "https://peerlab.dev/xapi/activity-types/small-group";
    pub const PAIRING: &str = "https://peerlab.dev/xapi/activity-types/pairing";
}

/// Where an action happened.
#[derive(Debug, Clone)]
pub struct SpaceRef {
    pub id: SpaceId,
    pub name: String,
    pub visibility: Visibility,
}

/// The thread an action is about.
#[derive(Debug, Clone)]
pub struct ThreadRef {
    pub id: ThreadId,
    pub title: String,
    pub kind: ThreadKind,
}

/// Every social action peerlab records. A new feature adds a variant and its line in
/// [`Action::statement_parts`].
#[derive(Debug, Clone)]
pub enum Action {
    JoinedSpace(SpaceRef),
    AcceptedRules {
        space: SpaceRef,
        version: i64,
    },
    StartedThread {
        space: SpaceRef,
        thread: ThreadRef,
    },
    Replied {
        space: SpaceRef,
        thread: ThreadRef,
        post: PostId,
    },
    Reacted {
        space: SpaceRef,
        thread: ThreadRef,
        post: PostId,
        reaction: Reaction,
    },
    AcceptedAnswer {
        space: SpaceRef,
        thread: ThreadRef,
        post: PostId,
    },
    Endorsed {
        person_id: PersonId,
        person: String,
        skill: String,
    },
    /// Came to a session (checked in, or marked present or late).
    Attended {
        space: SpaceRef,
        session: SessionId,
        title: String,
    },
    /// Organised a session (scheduled it).
    Organised {
        space: SpaceRef,
        session: SessionId,
        title: String,
    },
    /// Created a space (a community, a group, a cohort's channel).
    CreatedSpace(SpaceRef),
    /// Suggested a topic for a session's agenda.
    Suggested {
        space: SpaceRef,
        topic: i64,
        title: String,
    },
    /// Voted for a topic on a session's agenda board.
    Voted {
        space: SpaceRef,
        topic: i64,
        title: String,
    },
    /// Enrolled in a cohort of a program.
    Registered {
        space: SpaceRef,
        cohort: CohortId,
        name: String,
    },
    /// Was placed in a session's small group (by a facilitator), in a role or none; `space`
    /// is the cohort's channel, `group` the group's own space.
    Grouped {
        space: SpaceRef,
        group: SpaceId,
        name: String,
        role: String,
    },
    /// Was paired (by a facilitator, or by a coffee round): `pairing` is the page of the
    /// pairing (`/cohorts/3/partners`, `/coffee/12`), `kind` `partners` or `coffee`.
    Paired {
        space: SpaceRef,
        pairing: String,
        name: String,
        kind: &'static str,
    },
    /// Answered "did you meet?" for a coffee round: `yes`, `not_yet` or `couldnt`.
    Met {
        space: SpaceRef,
        pairing: String,
        name: String,
        answer: String,
    },
}

/// An activity: id, type and English name.
struct Activity {
    id: String,
    kind: &'static str,
    name: String,
}

impl Action {
    /// Whether peerlab records it: not when it happened in a confidential space.
    pub fn recorded(&self) -> bool {
        self.space()
            .is_none_or(|s| s.visibility != Visibility::Confidential)
    }

    /// The space it happened in, if any.
    fn space(&self) -> Option<&SpaceRef> {
        match self {
            Action::JoinedSpace(s)
            | Action::AcceptedRules { space: s, .. }
            | Action::StartedThread { space: s, .. }
            | Action::Replied { space: s, .. }
            | Action::Reacted { space: s, .. }
            | Action::AcceptedAnswer { space: s, .. }
            | Action::Attended { space: s, .. }
            | Action::Organised { space: s, .. }
            | Action::Registered { space: s, .. }
            | Action::CreatedSpace(s)
            | Action::Suggested { space: s, .. }
            | Action::Voted { space: s, .. }
            | Action::Grouped { space: s, .. }
            | Action::Paired { space: s, .. }
            | Action::Met { space: s, .. } => Some(s),
            Action::Endorsed { .. } => None,
        }
    }

    /// The verb, the object, and an optional result extension.
    fn statement_parts(&self, base: &str) -> (Verb, Activity, Option<(String, Value)>) {
        let space = |s: &SpaceRef| Activity {
            id: format!("{base}/spaces/{}", s.id),
            kind: activity_type::SPACE,
            name: s.name.clone(),
        };
        let thread = |t: &ThreadRef| Activity {
            id: format!("{base}/threads/{}", t.id),
            kind: if t.kind == ThreadKind::Question {
                activity_type::QUESTION
            } else {
                activity_type::THREAD
            },
            name: t.title.clone(),
        };
        let post = |t: &ThreadRef, p: PostId, kind| Activity {
            id: format!("{base}/posts/{p}"),
            kind,
            name: format!("Reply in “{}”", t.title),
        };
        match self {
            Action::JoinedSpace(s) => (JOINED, space(s), None),
            Action::AcceptedRules { space: s, version } => (
                ACCEPTED,
                Activity {
                    id: format!("{base}/spaces/{}/rules?version={version}", s.id),
                    kind: activity_type::RULES,
                    name: format!("Ground rules of {} (version {version})", s.name),
                },
                None,
            ),
            Action::StartedThread { thread: t, .. } => {
                let verb = match t.kind {
                    ThreadKind::Question => ASKED,
                    ThreadKind::Story | ThreadKind::Takeaway | ThreadKind::Faq => SHARED,
                    _ => POSTED,
                };
                (
                    verb,
                    thread(t),
                    Some((
                        format!("{PROFILE}/extensions/thread-kind"),
                        json!(t.kind.as_str()),
                    )),
                )
            }
            Action::Replied {
                thread: t, post: p, ..
            } => {
                let (verb, kind) = if t.kind == ThreadKind::Question {
                    (ANSWERED, activity_type::ANSWER)
                } else {
                    (COMMENTED, activity_type::REPLY)
                };
                (verb, post(t, *p, kind), None)
            }
            Action::Reacted {
                thread: t,
                post: p,
                reaction,
                ..
            } => (
                LIKED,
                post(t, *p, activity_type::REPLY),
                Some((
                    format!("{PROFILE}/extensions/reaction"),
                    json!(reaction.as_str()),
                )),
            ),
            Action::AcceptedAnswer {
                thread: t, post: p, ..
            } => (ACCEPTED, post(t, *p, activity_type::ANSWER), None),
            Action::Endorsed {
                person_id,
                person,
                skill,
            } => (
                ENDORSED,
                Activity {
                    id: format!(
                        "{base}/people/{person_id}/skills/{}",
                        peerlab_core::text::skill_key(skill).replace(' ', "-")
                    ),
                    kind: activity_type::SKILL,
                    name: format!("{skill} of {person}"),
                },
                None,
            ),
            Action::Attended { session, title, .. } | Action::Organised { session, title, .. } => (
                if matches!(self, Action::Attended { .. }) {
                    ATTENDED
                } else {
                    ORGANISED
                },
                Activity {
                    id: format!("{base}/sessions/{session}"),
                    kind: activity_type::MEETING,
                    name: title.clone(),
                },
                None,
            ),
            Action::CreatedSpace(s) => (CREATED, space(s), None),
            Action::Suggested { topic, title, .. } | Action::Voted { topic, title, .. } => (
                if matches!(self, Action::Suggested { .. }) {
                    SUGGESTED
                } else {
                    VOTED
                },
                Activity {
                    id: format!("{base}/topics/{topic}"),
                    kind: activity_type::TOPIC,
                    name: title.clone(),
                },
                None,
            ),
            Action::Registered { cohort, name, .. } => (
                REGISTERED,
                Activity {
                    id: format!("{base}/cohorts/{cohort}"),
                    kind: activity_type::COHORT,
                    name: name.clone(),
                },
                None,
            ),
            Action::Grouped {
                group, name, role, ..
            } => (
                GROUPED,
                Activity {
                    id: format!("{base}/spaces/{group}"),
                    kind: activity_type::SMALL_GROUP,
                    name: name.clone(),
                },
                (!role.is_empty()).then(|| (format!("{PROFILE}/extensions/role"), json!(role))),
            ),
            Action::Paired {
                pairing,
                name,
                kind,
                ..
            } => (
                PAIRED,
                Activity {
                    id: format!("{base}{pairing}"),
                    kind: activity_type::PAIRING,
                    name: name.clone(),
                },
                Some((format!("{PROFILE}/extensions/pairing-kind"), json!(kind))),
            ),
            Action::Met {
                pairing,
                name,
                answer,
                ..
            } => (
                RESPONDED,
                Activity {
                    id: format!("{base}{pairing}"),
                    kind: activity_type::PAIRING,
                    name: name.clone(),
                },
                Some((format!("{PROFILE}/extensions/met"), json!(answer))),
            ),
        }
    }
}

/// The statement for `action` by `actor` (name, e-mail) at `now`.
pub fn statement(base: &str, actor: (&str, &str), action: &Action, id: Uuid) -> Value {
    let (verb, object, extension) = action.statement_parts(base);
    let mut s = json!({
        "id": id.to_string(),
        "actor": {"objectType": "Agent", "name": actor.0, "mbox": format!("mailto:{}", actor.1)},
        "verb": {"id": verb.0, "display": {"en": verb.1}},
        "object": {
            "objectType": "Activity",
            "id": object.id,
            "definition": {"type": object.kind, "name": {"en": object.name}},
        },
        "context": {
            "platform": "peerlab",
            "contextActivities": {"category": [{"id": format!("{PROFILE}/profile"), "objectType": "Activity"}]},
        },
    });
    if let Some(space) = action.space() {
        if !matches!(action, Action::JoinedSpace(_) | Action::CreatedSpace(_)) {
            s["context"]["contextActivities"]["parent"] = json!([{
                "objectType": "Activity",
                "id": format!("{base}/spaces/{}", space.id),
                "definition": {"type": activity_type::SPACE, "name": {"en": space.name}},
            }]);
        }
    }
    if let Some((key, value)) = extension {
        s["result"] = json!({"extensions": {key: value}});
    }
    s
}

/// The authority of peerlab's own statements.
pub fn authority(base: &str) -> Value {
    json!({"objectType": "Agent", "name": "peerlab", "account": {"homePage": base, "name": "peerlab"}})
}

/// Records `action` by `user` in the LRS. Never fails the caller: see the module's decisions.
pub async fn record(state: &AppState, user: &User, action: Action) {
    let base = state.config.public_url.trim_end_matches('/');
    let actor = (user.0.name.as_str(), user.0.email.as_str());
    if let Err(e) = write(&state.store, base, actor, &action, state.now()).await {
        tracing::error!(error = %e, "could not record a social statement");
    }
    // What the action notified and recorded is the relay's to send on (e-mail, webhooks):
    // this node's runner looks now rather than at its next poll.
    state.jobs.wake();
}

/// Writes the statement of `action` by `actor` (name, e-mail) at `now`, validated like any
/// statement an xAPI client sends. The demo builder writes its history through this too.
pub async fn write(
    store: &peerlab_store::Store,
    base: &str,
    actor: (&str, &str),
    action: &Action,
    now: i64,
) -> Result<(), String> {
    if !action.recorded() {
        return Ok(());
    }
    let s = statement(base, actor, action, super::xapi::new_id(now));
    if let Err(errors) = peerlab_xapi::validate_statement(&s, Version::V1_0_3) {
        return Err(format!("a social statement is invalid: {errors:?}"));
    }
    let (new, _) = super::xapi::prepare(&s, Version::V1_0_3, &authority(base), now);
    super::xapi::insert(store, &[s], &[new], &[], None)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Endorses a colleague's skill and records it: the pages and the API both call this.
pub async fn endorse(
    state: &AppState,
    user: &User,
    person_id: PersonId,
    skill_id: SkillId,
) -> Result<(), peerlab_store::StoreError> {
    state
        .store
        .endorse(user.id(), person_id, skill_id, state.now())
        .await?;
    let person = state.store.person(person_id).await?;
    let skills = state.store.person_skills(person_id, user.id()).await?;
    if let (Some(person), Some(skill)) = (person, skills.iter().find(|s| s.skill_id == skill_id)) {
        let action = Action::Endorsed {
            person_id,
            person: person.name,
            skill: skill.name.clone(),
        };
        record(state, user, action).await;
    }
    Ok(())
}

/// One line of a person's learning timeline.
#[derive(Debug, Clone)]
pub struct Moment {
    pub when: i64,
    pub verb: String,
    pub object: String,
    /// A link inside peerlab, when the activity is one of its pages.
    pub link: Option<String>,
    /// "peerlab" or the name of the tool whose credential sent it.
    pub source: String,
}

/// The English (or else any) entry of a language map.
fn display(map: Option<&Value>) -> Option<String> {
    let m = map?.as_object()?;
    m.iter()
        .find(|(k, _)| k.starts_with("en"))
        .or_else(|| m.iter().next())
        .and_then(|(_, v)| v.as_str())
        .map(str::to_string)
}

/// A person's learning timeline, newest first: peerlab's statements about them and those
/// other tools sent with their e-mail address. Shown to the person and to admins only.
pub async fn timeline(
    state: &AppState,
    email: &str,
    limit: i64,
) -> Result<Vec<Moment>, peerlab_store::StoreError> {
    let query = peerlab_store::StatementQuery {
        agent: Some(format!("mbox:mailto:{email}")),
        ..Default::default()
    };
    let rows = state.store.query_statements(&query, limit).await?;
    let base = state.config.public_url.trim_end_matches('/');
    Ok(rows
        .iter()
        .filter_map(|row| {
            let s: Value = serde_json::from_str(&row.body).ok()?;
            let verb_id = s.pointer("/verb/id").and_then(Value::as_str).unwrap_or("");
            let verb = display(s.pointer("/verb/display"))
                .unwrap_or_else(|| verb_id.rsplit('/').next().unwrap_or(verb_id).to_string());
            let object_id = s
                .pointer("/object/id")
                .and_then(Value::as_str)
                .unwrap_or("");
            let object = display(s.pointer("/object/definition/name"))
                .or_else(|| {
                    s.pointer("/object/name")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_else(|| object_id.to_string());
            // Only peerlab's own pages are links: a tool could send any IRI.
            let link = object_id
                .strip_prefix(base)
                .filter(|rest| {
                    ["/threads/", "/posts/", "/spaces/", "/people/"]
                        .iter()
                        .any(|p| rest.starts_with(p))
                        && rest
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "/-_".contains(c))
                })
                .map(str::to_string);
            let source = s
                .pointer("/authority/name")
                .and_then(Value::as_str)
                .unwrap_or("an xAPI tool")
                .to_string();
            Some(Moment {
                when: row.stored,
                verb,
                object,
                link,
                source,
            })
        })
        .collect())
}
