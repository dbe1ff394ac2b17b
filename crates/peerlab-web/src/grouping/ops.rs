//! A session's small groups in the product (DESIGN C5): formed from the cohort's enrolled
//! people with the history of every earlier grouping read from the store, previewed with
//! their reasons next to a random grouping, adjusted by hand, and confirmed into one private
//! space per group and a debrief thread in the cohort's channel. People's own block lists
//! and grouping history are here too.
//!
//! Decisions. A preview writes nothing: it is the assignment itself (person id → group),
//! carried by the page's hidden field or the API's body and scored again on every request, so
//! any node can answer the next click. Confirming sends the assignment back; the store
//! refuses it (409) when the cohort's enrolled people are no longer the ones grouped. Roles
//! are handed out again after every move, so they follow the people. Groups are formed for
//! a cohort's sessions; a session held in a space has no roster to group.

use std::collections::HashMap;

use chrono::NaiveDate;
use peerlab_core::grouping::adjust::{self, Edit, GroupStory};
use peerlab_core::grouping::groups::{
    self, GroupOptions, Grouping, GroupsError, Report, RoleSpec, SizeRange, Weights,
};
use peerlab_core::grouping::{History, Meeting, Pool};
use peerlab_core::program::EnrolState;
use peerlab_core::space::{self, Title};
use peerlab_core::Email;
use peerlab_store::{
    Blocked, MeetingRow, MyGrouping, NewGroup, NewGroups, PersonId, SessionId, StoredGrouping,
};
use rand::SeedableRng;
use serde::Deserialize;

use crate::error::{Error, Kind};
use crate::kit::session::User;
use crate::programs::ops::sessions::{self as program_sessions, SessionCtx};
use crate::spaces::ops as spaces;
use crate::AppState;

/// The most roles a group may need.
pub const MAX_ROLES: usize = 8;
/// The longest challenge text.
pub const MAX_CHALLENGE_CHARS: usize = 4_000;

/// What a facilitator asks for: from a form or the API.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct GroupsForm {
    /// `4-5` or `5`.
    #[serde(default)]
    pub size: String,
    /// The roles, one per line or separated by commas; `name=Function` names the function
    /// the role stands for.
    #[serde(default)]
    pub roles: String,
    /// `name=value` pairs over the default weights.
    #[serde(default)]
    pub weights: String,
    /// The challenge and the framework, given to every group.
    #[serde(default)]
    pub challenge: String,
    /// The previewed grouping: `person:group` pairs (group from 1) separated by commas.
    /// Empty asks for a new search.
    #[serde(default)]
    pub assignment: String,
    /// `swap` or `move`, applied to the assignment before scoring.
    #[serde(default)]
    pub edit: String,
    /// The person moved, or the first of two swapped (an id).
    #[serde(default)]
    pub a: String,
    /// The group moved to (from 1), or the second person swapped (an id).
    #[serde(default)]
    pub b: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> Error {
    Error::invalid(field, message)
}

fn refused(e: GroupsError) -> Error {
    Error::new(Kind::Invalid, "invalid_input", e.0)
}

/// The checked options of a form, without the pool.
pub struct Options {
    pub size: SizeRange,
    pub roles: Vec<RoleSpec>,
    pub weights: Weights,
    pub challenge: String,
}

pub fn options(form: &GroupsForm) -> Result<Options, Error> {
    let size = if form.size.trim().is_empty() {
        SizeRange { min: 4, max: 5 }
    } else {
        SizeRange::parse(form.size.trim()).map_err(|e| invalid("size", format!("size: {e}")))?
    };
    let roles = form
        .roles
        .split(['\n', ','])
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(RoleSpec::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid("roles", format!("roles: {e}")))?;
    if roles.len() > MAX_ROLES {
        return Err(invalid(
            "roles",
            format!(
                "roles: {} roles are more than the {MAX_ROLES} a group may need",
                roles.len()
            ),
        ));
    }
    let weights =
        Weights::parse(&form.weights).map_err(|e| invalid("weights", format!("weights: {e}")))?;
    let challenge = form.challenge.trim().to_string();
    if challenge.chars().count() > MAX_CHALLENGE_CHARS {
        return Err(invalid(
            "challenge",
            format!("challenge: at most {MAX_CHALLENGE_CHARS} characters"),
        ));
    }
    Ok(Options {
        size,
        roles,
        weights,
        challenge,
    })
}

/// Who is grouped for a session, and what they did before.
pub struct Roster {
    pub ctx: SessionCtx,
    /// The enrolled people, by id.
    pub ids: Vec<PersonId>,
    pub pool: Pool,
    pub history: History,
    /// The session's local day.
    pub day: NaiveDate,
}

/// The session, for someone who may form its groups (its cohort's facilitators, program
/// facilitators and admins), with its cohort's enrolled people and their history.
pub async fn roster(state: &AppState, user: &User, id: SessionId) -> Result<Roster, Error> {
    let ctx = program_sessions::session(state, user, id).await?;
    ctx.require_manage()?;
    let Some(cohort) = &ctx.cohort else {
        return Err(Error::conflict(
            "groups are formed from a cohort's people; this session belongs to a space, not a cohort",
        ));
    };
    if ctx.session.cancelled {
        return Err(Error::conflict("the session is cancelled"));
    }
    let mut ids: Vec<PersonId> = state
        .store
        .enrolments(cohort.cohort.id)
        .await?
        .into_iter()
        .filter(|e| e.state == EnrolState::Enrolled)
        .map(|e| e.person_id)
        .collect();
    ids.sort();
    let facts = state.store.grouping_facts(&ids).await?;
    if facts.len() != ids.len() {
        return Err(Error::conflict(
            "someone left the directory meanwhile; try again",
        ));
    }
    let pool = Pool::from_people(facts).map_err(Error::internal)?;
    let history = history_of(state, &ids, |_| true).await?;
    let day = NaiveDate::parse_from_str(
        ctx.session.local_start.get(..10).unwrap_or_default(),
        "%Y-%m-%d",
    )
    .map_err(Error::internal)?;
    Ok(Roster {
        ctx,
        ids,
        pool,
        history,
        day,
    })
}

/// Every earlier grouping of these people, of every program, whose rows `keep` accepts (by
/// kind, or by grouping), as meetings of the pool (`ids` in pool order).
pub(super) async fn history_of(
    state: &AppState,
    ids: &[PersonId],
    keep: impl Fn(&MeetingRow) -> bool,
) -> Result<History, Error> {
    let index: HashMap<PersonId, usize> = ids.iter().enumerate().map(|(i, &p)| (p, i)).collect();
    let rows = state.store.meetings(ids).await?;
    let mut meetings: Vec<Meeting> = Vec::new();
    let mut at: HashMap<(i64, i64), usize> = HashMap::new();
    for r in rows {
        let Some(&i) = index.get(&r.person_id).filter(|_| keep(&r)) else {
            continue;
        };
        let k = *at.entry((r.grouping_id, r.group_no)).or_insert_with(|| {
            meetings.push(Meeting {
                date: NaiveDate::parse_from_str(&r.on_date, "%Y-%m-%d").ok(),
                members: Vec::new(),
            });
            meetings.len() - 1
        });
        meetings[k].members.push((i, r.role));
    }
    Ok(History { meetings })
}

/// A scored grouping, ready to show.
pub struct Preview {
    pub roster: Roster,
    pub options: Options,
    pub grouping: Grouping,
    pub stories: Vec<GroupStory>,
    /// The assignment as the next request carries it.
    pub assignment: String,
    /// What the last move or swap did to the score, said in words.
    pub change: Option<String>,
}

impl Preview {
    pub fn report(&self) -> &Report {
        &self.grouping.report
    }
}

// The search's budget: enough for a large cohort to settle, little for a small one.
fn budget(n: usize) -> std::time::Duration {
    std::time::Duration::from_secs_f64((0.05 + n as f64 * 0.003).min(1.0))
}

// The carried assignment, checked against the cohort first (a stale preview is a conflict,
// whatever else is wrong with it), then against the number of groups the size gives.
fn parse_assignment(raw: &str, roster: &Roster, size: SizeRange) -> Result<Vec<usize>, Error> {
    let index: HashMap<PersonId, usize> = roster
        .ids
        .iter()
        .enumerate()
        .map(|(i, &p)| (p, i))
        .collect();
    let mut placed = vec![None; roster.ids.len()];
    let mut stale = false;
    for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let parsed = item.split_once(':').and_then(|(p, g)| {
            Some((
                p.trim().parse::<i64>().ok()?,
                g.trim().parse::<usize>().ok()?,
            ))
        });
        let Some((person, group)) = parsed else {
            return Err(invalid(
                "assignment",
                format!(
                    "assignment: '{item}' must look like 12:3 (a person's id and a group number)"
                ),
            ));
        };
        match index.get(&PersonId::new(person)) {
            Some(&i) => placed[i] = Some(group),
            None => stale = true,
        }
    }
    if stale || placed.contains(&None) {
        return Err(Error::conflict(
            "the cohort changed since this preview (someone joined or left); form the groups again",
        ));
    }
    let groups = size
        .groups_for(roster.ids.len())
        .map_err(|e| invalid("size", format!("size: {e}")))?;
    placed
        .into_iter()
        .map(|g| match g {
            Some(g) if (1..=groups).contains(&g) => Ok(g - 1),
            Some(g) => Err(invalid(
                "assignment",
                format!("assignment: there is no group {g}; this grouping has {groups}"),
            )),
            None => unreachable!("checked above"),
        })
        .collect()
}

fn assignment_text(roster: &Roster, grouping: &Grouping) -> String {
    let mut parts = Vec::new();
    for (g, members) in grouping.groups.iter().enumerate() {
        for &i in members {
            parts.push(format!("{}:{}", roster.ids[i], g + 1));
        }
    }
    parts.join(",")
}

fn person_arg(roster: &Roster, field: &'static str, raw: &str) -> Result<usize, Error> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| roster.ids.iter().position(|p| p.get() == id))
        .ok_or_else(|| invalid(field, format!("{field}: choose someone of this cohort")))
}

fn edit_of(form: &GroupsForm, roster: &Roster) -> Result<Option<Edit>, Error> {
    match form.edit.trim() {
        "" => Ok(None),
        "swap" => {
            let a = person_arg(roster, "a", &form.a)?;
            let b = person_arg(roster, "b", &form.b)?;
            Ok(Some(Edit::Swap(a, b)))
        }
        "move" => {
            let person = person_arg(roster, "a", &form.a)?;
            let to: usize = form
                .b
                .trim()
                .parse()
                .ok()
                .filter(|g| *g >= 1)
                .ok_or_else(|| invalid("b", "b: choose the group to move to"))?;
            Ok(Some(Edit::Move { person, to: to - 1 }))
        }
        other => Err(invalid(
            "edit",
            format!("edit must be swap or move, not {other:?}"),
        )),
    }
}

/// Forms a preview (a new search when the form carries no assignment) or scores the
/// carried one after its move or swap. A move that breaks a hard constraint or a size is
/// refused with its reason (422); nothing is ever written.
pub async fn preview(
    state: &AppState,
    user: &User,
    id: SessionId,
    form: &GroupsForm,
) -> Result<Preview, Error> {
    let options = options(form)?;
    let roster = roster(state, user, id).await?;
    if roster.ids.len() < 2 {
        return Err(invalid(
            "size",
            format!(
                "size: {} enrolled {} cannot be split into groups; enrol more people first",
                roster.ids.len(),
                if roster.ids.len() == 1 {
                    "person"
                } else {
                    "people"
                }
            ),
        ));
    }
    let group_options = GroupOptions {
        size: options.size,
        weights: options.weights.clone(),
        roles: options.roles.clone(),
        keep_apart: Vec::new(),
        keep_together: Vec::new(),
        today: roster.day,
    };
    let carried = if form.assignment.trim().is_empty() {
        None
    } else {
        Some(parse_assignment(&form.assignment, &roster, options.size)?)
    };
    let edit = edit_of(form, &roster)?;
    if edit.is_some() && carried.is_none() {
        return Err(invalid(
            "assignment",
            "assignment: a move or a swap needs the previewed grouping",
        ));
    }
    let seed = id.get() as u64;
    let (roster, outcome) = search(state, move || {
        let outcome = (|| {
            let prepared = groups::prepare(&roster.pool, &roster.history, group_options)?;
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let (grouping, change) = match carried {
                None => {
                    let deadline = std::time::Instant::now() + budget(roster.ids.len());
                    let g = groups::form(&prepared, &mut rng, &mut |_| {
                        std::time::Instant::now() >= deadline
                    })?;
                    (g, None)
                }
                Some(mut assignment) => {
                    let before = adjust::regroup(&prepared, &assignment, &mut rng)?;
                    match edit {
                        None => (before, None),
                        Some(edit) => {
                            adjust::apply(&mut assignment, prepared.group_count(), edit)?;
                            let after = adjust::regroup(&prepared, &assignment, &mut rng)?;
                            let change = cost(&before.report, &after.report);
                            (after, Some(change))
                        }
                    }
                }
            };
            let stories = adjust::describe(&prepared, &grouping);
            Ok::<_, GroupsError>((grouping, stories, change))
        })();
        (roster, outcome)
    })
    .await?;
    let (grouping, stories, change) = outcome.map_err(refused)?;
    Ok(Preview {
        assignment: assignment_text(&roster, &grouping),
        roster,
        options,
        grouping,
        stories,
        change,
    })
}

// What a move did, in words: the score's change and pairs who met before.
fn cost(before: &Report, after: &Report) -> String {
    let delta = after.score - before.score;
    let pct = if before.score.abs() > f64::EPSILON {
        100.0 * delta / before.score.abs()
    } else {
        0.0
    };
    let mut text = format!(
        "Diversity score {:.1} → {:.1} ({}{:.1} %)",
        before.score,
        after.score,
        if delta >= 0.0 { "+" } else { "−" },
        pct.abs()
    );
    match after.repeat_pairs.cmp(&before.repeat_pairs) {
        std::cmp::Ordering::Greater => text.push_str(&format!(
            "; it puts {} more pair(s) who met before together",
            after.repeat_pairs - before.repeat_pairs
        )),
        std::cmp::Ordering::Less => text.push_str(&format!(
            "; {} fewer pair(s) who met before",
            before.repeat_pairs - after.repeat_pairs
        )),
        std::cmp::Ordering::Equal => {}
    }
    text.push('.');
    text
}

/// Confirms a previewed grouping: each group gets its private space with the challenge, the
/// cohort's channel a debrief thread, and the grouping is kept as history.
pub async fn confirm(
    state: &AppState,
    user: &User,
    id: SessionId,
    form: &GroupsForm,
) -> Result<i64, Error> {
    if form.assignment.trim().is_empty() {
        return Err(invalid(
            "assignment",
            "assignment: preview the groups first, then confirm them",
        ));
    }
    if !form.edit.trim().is_empty() {
        return Err(invalid("edit", "edit: confirm the grouping as previewed"));
    }
    if state.store.session_groups(id).await?.is_some() {
        return Err(Error::conflict("this session's groups were already formed"));
    }
    let preview = preview(state, user, id, form).await?;
    let roster = &preview.roster;
    let Some(cohort) = &roster.ctx.cohort else {
        return Err(Error::internal("a grouped session without a cohort"));
    };
    let session = &roster.ctx.session;
    let challenge = preview.options.challenge.clone();
    let brief_text = if challenge.is_empty() {
        format!(
            "Welcome to your small group for **{}**. Agree how you will work, then post your group's approach in the debrief thread of the cohort channel.",
            session.title
        )
    } else {
        format!(
            "{challenge}\n\n---\nWhen you have an approach, post it in the debrief thread of the cohort channel."
        )
    };
    let brief_title = Title::parse("Your group's challenge")?;
    let brief = spaces::prepare(state, brief_title.as_str(), &brief_text).await?;
    let debrief_title = Title::parse(
        &format!("Debrief: {}", session.title)
            .chars()
            .take(space::MAX_TITLE_CHARS)
            .collect::<String>(),
    )?;
    let debrief_text = format!(
        "Each group posts its approach here: what you tried, what you would do next, and one question for the other groups.{}",
        if challenge.is_empty() { String::new() } else { format!("\n\nThe challenge:\n\n{challenge}") }
    );
    let debrief = spaces::prepare(state, debrief_title.as_str(), &debrief_text).await?;
    let mut facilitators = vec![user.id()];
    if let Some(f) = cohort.cohort.facilitator_id {
        if f != user.id() {
            facilitators.push(f);
        }
    }
    let groups = preview
        .grouping
        .groups
        .iter()
        .zip(&preview.stories)
        .enumerate()
        .map(|(k, (members, story))| NewGroup {
            space_name: format!("{} · Group {}", session.title, k + 1)
                .chars()
                .take(space::MAX_NAME_CHARS)
                .collect(),
            space_description: story
                .summary
                .chars()
                .take(space::MAX_DESCRIPTION_CHARS)
                .collect(),
            summary: story.summary.clone(),
            members: members
                .iter()
                .zip(&story.members)
                .map(|(&i, m)| (roster.ids[i], m.role.clone(), m.reasons.clone()))
                .collect(),
        })
        .collect();
    let new = NewGroups {
        session_id: id,
        cohort_id: cohort.cohort.id,
        channel: cohort.cohort.space_id,
        on_date: roster.day.format("%Y-%m-%d").to_string(),
        challenge,
        formed_by: user.id(),
        facilitators,
        roster: roster.ids.clone(),
        groups,
        rules: space::DEFAULT_RULES.to_string(),
        debrief_title,
        debrief,
        brief_title,
        brief,
    };
    let grouping = state.store.confirm_groups(&new, state.now()).await?;
    record(state, &preview, cohort).await;
    Ok(grouping)
}

// Each member "was grouped into" their group's space, as a statement; the cohort's channel
// is private, never confidential, so these are always written.
async fn record(state: &AppState, preview: &Preview, cohort: &crate::programs::ops::CohortCtx) {
    use crate::lrs::social::{write, Action, SpaceRef};
    let session = &preview.roster.ctx.session;
    let Ok(Some(stored)) = state.store.session_groups(session.id).await else {
        return;
    };
    let base = state.config.public_url.trim_end_matches('/');
    let channel = SpaceRef {
        id: cohort.cohort.space_id,
        name: format!("{} · {}", cohort.program.name, cohort.cohort.name),
        visibility: space::Visibility::Private,
    };
    for group in &stored.groups {
        let Some(group_space) = group.space_id else {
            continue;
        };
        for m in &group.members {
            let action = Action::Grouped {
                space: channel.clone(),
                group: group_space,
                name: format!("{} · Group {}", session.title, group.number),
                role: m.role.clone(),
            };
            if let Err(e) = write(
                &state.store,
                base,
                (&m.name, &m.email),
                &action,
                state.now(),
            )
            .await
            {
                tracing::error!(error = %e, "could not record a grouping statement");
            }
        }
    }
    state.jobs.wake();
}

/// A session's formed groups, for whoever may read the session: those who manage it see
/// every group; a participant sees the groups, but their members' reasons only for their
/// own group.
pub async fn formed(
    state: &AppState,
    user: &User,
    id: SessionId,
) -> Result<(SessionCtx, Option<StoredGrouping>), Error> {
    let ctx = program_sessions::session(state, user, id).await?;
    let mut grouping = state.store.session_groups(id).await?;
    if let Some(g) = &mut grouping {
        if !ctx.manage {
            for group in &mut g.groups {
                if !group.members.iter().any(|m| m.person_id == user.id()) {
                    group.members.iter_mut().for_each(|m| m.reasons.clear());
                }
            }
        }
    }
    Ok((ctx, grouping))
}

// Runs a CPU-bound search on a blocking thread, one at a time per server. The permit moves
// into the thread, so a client that hangs up does not let a second search start while the
// first still runs.
pub(crate) async fn search<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Error> {
    let permit = state
        .searching
        .clone()
        .acquire_owned()
        .await
        .map_err(Error::internal)?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        f()
    })
    .await
    .map_err(Error::internal)
}

// ---- A person's own say ------------------------------------------------------------------

/// The most people one block list holds.
pub const MAX_BLOCKS: usize = 50;

/// A person's block list and their grouping history.
pub async fn mine(state: &AppState, user: &User) -> Result<(Vec<Blocked>, Vec<MyGrouping>), Error> {
    Ok((
        state.store.blocked_by(user.id()).await?,
        state.store.my_groupings(user.id()).await?,
    ))
}

/// Adds someone, by e-mail, to the person's private block list.
pub async fn block(state: &AppState, user: &User, raw: &str) -> Result<String, Error> {
    let email = Email::parse(raw).map_err(|e| invalid("email", format!("email: {}", e.message)))?;
    let other = state.store.person_by_email(&email).await?.ok_or_else(|| {
        invalid(
            "email",
            format!("email: nobody in the directory has the e-mail {email}"),
        )
    })?;
    if other.id == user.id() {
        return Err(invalid("email", "email: that is your own address"));
    }
    if state.store.blocked_by(user.id()).await?.len() >= MAX_BLOCKS {
        return Err(invalid(
            "email",
            format!("email: a block list holds at most {MAX_BLOCKS} people"),
        ));
    }
    state.store.block(user.id(), other.id, state.now()).await?;
    Ok(other.name)
}

/// Takes someone off the person's block list.
pub async fn unblock(state: &AppState, user: &User, other: PersonId) -> Result<(), Error> {
    if state.store.unblock(user.id(), other).await? {
        Ok(())
    } else {
        Err(Error::not_found("blocked person"))
    }
}
