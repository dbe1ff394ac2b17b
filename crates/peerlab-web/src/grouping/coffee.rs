//! Coffee rounds (DESIGN C6): a space (a cohort's channel or any community) pairs the people
//! who opted in, weekly or fortnightly, through the job runner, on exactly one node.
//!
//! Decisions:
//! - A circle belongs to a space; a cohort's rounds are its channel's. The space's
//!   facilitators start, stop and run a round early; its members opt in, skip the next
//!   round, or leave. The first round forms at 09:00 UTC on the chosen day, or a day after
//!   the start (time to opt in); a facilitator may pair the next round at once.
//! - Each round is formed when it is due from who takes part then, so joining, leaving and
//!   skipping take effect at the next round. The pairing (`pairs::coffee_round`) meets
//!   nobody twice while the people allow it and never pairs a manager with their report or
//!   someone with a person they blocked; each round is history like any grouping.
//! - People see their own pair, its reasons and the conversation starter; the space's
//!   facilitators see every pair; the counts of "did you meet?" are for every reader.
//! - A round with fewer than two people forms no pairs and the next is scheduled; running a
//!   round by hand with fewer than two is refused (422).
//! - Statements: each member "was paired in" the round, and their answer is "responded to";
//!   none in a confidential space (the social module's rule).

use chrono::{DateTime, NaiveDate, Utc};
use peerlab_core::grouping::pairs;
use peerlab_core::grouping::{History, Pool};
use peerlab_store::{
    Circle, CoffeeMember, Formed, Job, NewCoffeeRound, PersonId, RoundSummary, SpaceId,
    StoredGrouping, COFFEE_ASK, COFFEE_ROUND, MET_ANSWERS,
};
use serde::Deserialize;
use std::collections::HashSet;

use super::ops::search;
use crate::error::{Error, Failure, Kind};
use crate::kit::session::User;
use crate::lrs::social::{write, Action, SpaceRef};
use crate::spaces::ops::{space, Ctx};
use crate::AppState;

/// The longest conversation starter a facilitator may write.
pub const MAX_STARTER_CHARS: usize = 300;
const DAY_MS: i64 = 86_400_000;

/// What a facilitator chooses when starting the rounds.
#[derive(Debug, Default, Deserialize)]
pub struct StartForm {
    /// `weekly` or `fortnightly`.
    #[serde(default)]
    pub cadence: String,
    /// The first round's day (`YYYY-MM-DD`); empty: a day from now.
    #[serde(default)]
    pub first: String,
    /// Their own conversation starter; empty: peerlab's, a new one each round.
    #[serde(default)]
    pub starter: String,
}

/// A space's coffee rounds as one person sees them.
pub struct CoffeeView {
    pub ctx: Ctx,
    pub circle: Option<Circle>,
    pub members: Vec<CoffeeMember>,
    /// This person's row among them, if they opted in.
    pub me: Option<CoffeeMember>,
    pub rounds: Vec<RoundSummary>,
    /// The latest round with pairs: every pair for a facilitator, only their own for others.
    pub latest: Option<(RoundSummary, StoredGrouping)>,
}

impl CoffeeView {
    pub fn manage(&self) -> bool {
        self.ctx.access.facilitate
    }

    /// The round people skip when they choose to skip "the next round".
    pub fn next_round(&self) -> Option<i64> {
        self.circle
            .as_ref()
            .filter(|c| c.running())
            .map(|c| c.next_round)
    }
}

/// The rounds of a space, for anyone who may read it.
pub async fn view(state: &AppState, user: &User, space_id: SpaceId) -> Result<CoffeeView, Error> {
    let ctx = space(state, user, space_id).await?;
    let circle = state.store.coffee_circle(space_id).await?;
    let members = state.store.coffee_members(space_id).await?;
    let me = members.iter().find(|m| m.person_id == user.id()).cloned();
    let rounds = state.store.coffee_rounds(space_id).await?;
    let mut latest = None;
    if let Some((r, id)) = rounds.iter().find_map(|r| Some((r, r.grouping_id?))) {
        if let Some(mut g) = state.store.grouping_of(id).await? {
            if !ctx.access.facilitate {
                g.groups
                    .retain(|grp| grp.members.iter().any(|m| m.person_id == user.id()));
            }
            latest = Some((r.clone(), g));
        }
    }
    Ok(CoffeeView {
        ctx,
        circle,
        members,
        me,
        rounds,
        latest,
    })
}

fn cadence_days(raw: &str) -> Result<i64, Error> {
    match raw.trim() {
        "" | "weekly" => Ok(7),
        "fortnightly" => Ok(14),
        other => Err(Error::invalid(
            "cadence",
            format!("cadence: weekly or fortnightly, not {other:?}"),
        )),
    }
}

/// Starts (or starts again) a space's rounds.
pub async fn start(
    state: &AppState,
    user: &User,
    space_id: SpaceId,
    form: &StartForm,
) -> Result<Circle, Error> {
    let ctx = space(state, user, space_id).await?;
    ctx.require_facilitator()?;
    let cadence = cadence_days(&form.cadence)?;
    let now = state.now();
    let first = match form.first.trim() {
        // A day for people to opt in; a facilitator can always pair a round now.
        "" => now + DAY_MS,
        raw => {
            let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
                Error::invalid("first", format!("first: a date as YYYY-MM-DD, not {raw:?}"))
            })?;
            let at = day
                .and_hms_opt(9, 0, 0)
                .map(|t| t.and_utc().timestamp_millis())
                .unwrap_or_default();
            if at + DAY_MS <= now {
                return Err(Error::invalid(
                    "first",
                    format!("first: {raw} has passed; choose today or a later day"),
                ));
            }
            if at > now + 90 * DAY_MS {
                return Err(Error::invalid(
                    "first",
                    "first: the first round must be within 90 days",
                ));
            }
            at.max(now)
        }
    };
    let starter = form.starter.trim();
    if starter.chars().count() > MAX_STARTER_CHARS {
        return Err(Error::invalid(
            "starter",
            format!(
                "starter: at most {MAX_STARTER_CHARS} characters ({} given)",
                starter.chars().count()
            ),
        ));
    }
    let circle = state
        .store
        .start_coffee(space_id, cadence, first, starter, user.id(), now)
        .await?;
    state.jobs.wake();
    Ok(circle)
}

/// Stops a space's rounds; the rounds so far stay history.
pub async fn stop(state: &AppState, user: &User, space_id: SpaceId) -> Result<(), Error> {
    let ctx = space(state, user, space_id).await?;
    ctx.require_facilitator()?;
    if !state.store.stop_coffee(space_id, state.now()).await? {
        return Err(Error::conflict(
            "coffee rounds are not running in this space",
        ));
    }
    Ok(())
}

/// What a member does about their own place in the rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Join,
    Leave,
    Skip,
    Unskip,
}

/// A member opts in, leaves, or skips (or un-skips) the next round.
pub async fn choose(
    state: &AppState,
    user: &User,
    space_id: SpaceId,
    choice: Choice,
) -> Result<&'static str, Error> {
    let ctx = space(state, user, space_id).await?;
    if !ctx.access.member {
        return Err(Error::forbidden(
            "join this space before you take part in its coffee rounds",
        ));
    }
    let circle = state.store.coffee_circle(space_id).await?;
    let running = circle.as_ref().filter(|c| c.running());
    let me = user.id();
    Ok(match choice {
        Choice::Join => {
            if running.is_none() {
                return Err(Error::conflict(
                    "coffee rounds are not running in this space",
                ));
            }
            if !state.store.join_coffee(space_id, me, state.now()).await? {
                return Err(Error::conflict("you are already in the coffee rounds"));
            }
            "You are in: the next round pairs you with someone."
        }
        Choice::Leave => {
            if !state.store.leave_coffee(space_id, me).await? {
                return Err(Error::conflict("you are not in the coffee rounds"));
            }
            "You left the coffee rounds. Your earlier rounds stay in your history."
        }
        Choice::Skip | Choice::Unskip => {
            let Some(c) = running else {
                return Err(Error::conflict(
                    "coffee rounds are not running in this space",
                ));
            };
            let round = (choice == Choice::Skip).then_some(c.next_round);
            if !state.store.skip_coffee(space_id, me, round).await? {
                return Err(Error::conflict("you are not in the coffee rounds"));
            }
            if round.is_some() {
                "You skip the next round; the one after pairs you again."
            } else {
                "You are back in the next round."
            }
        }
    })
}

/// A facilitator forms the next round now rather than at its time.
pub async fn run_now(state: &AppState, user: &User, space_id: SpaceId) -> Result<String, Error> {
    let ctx = space(state, user, space_id).await?;
    ctx.require_facilitator()?;
    let Some(circle) = state
        .store
        .coffee_circle(space_id)
        .await?
        .filter(|c| c.running())
    else {
        return Err(Error::conflict(
            "coffee rounds are not running in this space; start them first",
        ));
    };
    let people = state
        .store
        .coffee_participants(space_id, circle.next_round)
        .await?;
    if people.len() < 2 {
        return Err(Error::invalid(
            "round",
            format!(
                "a coffee round needs at least 2 people taking part; {} {} in round {}",
                people.len(),
                if people.len() == 1 { "is" } else { "are" },
                circle.next_round
            ),
        ));
    }
    form_round(state, space_ref(&ctx), &circle, people, state.now()).await
}

// The order people sit in for the circle method: stable for the space, and unrelated to ids.
fn seat(space: SpaceId, person: PersonId) -> u64 {
    let mut x = ((space.get() as u64) << 32) ^ person.get() as u64;
    // splitmix64's finaliser
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Forms the circle's next round starting at `starts_at`, from `ids`, who take part in it.
async fn form_round(
    state: &AppState,
    space: SpaceRef,
    circle: &Circle,
    mut ids: Vec<PersonId>,
    starts_at: i64,
) -> Result<String, Error> {
    let space_id = circle.space_id;
    let round = circle.next_round;
    ids.sort_by_key(|&p| (seat(space_id, p), p));
    let day = DateTime::<Utc>::from_timestamp_millis(starts_at)
        .ok_or_else(|| Error::internal("the clock is out of range"))?
        .date_naive();
    let starter = if circle.starter.is_empty() {
        pairs::STARTERS[(round as usize).saturating_sub(1) % pairs::STARTERS.len()].to_string()
    } else {
        circle.starter.clone()
    };
    let mut pairs_found = Vec::new();
    if ids.len() >= 2 {
        let facts = state.store.grouping_facts(&ids).await?;
        // Someone removed from the directory meanwhile is left out of this round.
        let id_of = |f: &peerlab_core::grouping::PersonFacts| PersonId::new(f.id.unwrap_or(0));
        let mut facts = facts;
        facts.sort_by_key(|f| (seat(space_id, id_of(f)), id_of(f)));
        ids = facts.iter().map(id_of).collect();
        let history = circle_history(state, space_id, &ids).await?;
        let pool = Pool::from_people(facts).map_err(Error::internal)?;
        let index = round.saturating_sub(1) as usize;
        let (pool, found) = search(state, move || {
            let found = pairs::coffee_round(&pool, &history, index, day);
            (pool, found)
        })
        .await?;
        if let Ok(found) = found {
            for p in &found.pairs {
                pairs_found.push((p.members.iter().map(|&m| ids[m]).collect(), p.summary()));
            }
            drop(pool);
        }
    }
    let new = NewCoffeeRound {
        space_id,
        generation: circle.generation,
        round_no: round,
        starts_at,
        on_date: day.format("%Y-%m-%d").to_string(),
        starter,
        people: ids.len() as i64,
        pairs: pairs_found,
    };
    let formed = state.store.form_coffee_round(&new, state.now()).await?;
    state.jobs.wake();
    Ok(match formed {
        Formed::Superseded => format!("round {round} was formed already or the rounds stopped"),
        Formed::Round(None) => format!(
            "round {round} had {} taking part, fewer than two: no pairs; the next round is scheduled",
            ids.len()
        ),
        Formed::Round(Some(grouping)) => {
            record_paired(
                state,
                &space,
                grouping,
                format!("/coffee/{grouping}"),
                format!("{} · Coffee round {round}", space.name),
                "coffee",
            )
            .await;
            format!(
                "round {round} paired {} people in {} pairs",
                ids.len(),
                new.pairs.len()
            )
        }
    })
}

/// The circle's earlier rounds as meetings of `ids` (in pool order).
async fn circle_history(
    state: &AppState,
    space_id: SpaceId,
    ids: &[PersonId],
) -> Result<History, Error> {
    let rounds: HashSet<i64> = state
        .store
        .coffee_groupings(space_id)
        .await?
        .into_iter()
        .collect();
    super::ops::history_of(state, ids, |r| rounds.contains(&r.grouping_id)).await
}

fn space_ref(ctx: &Ctx) -> SpaceRef {
    SpaceRef {
        id: ctx.space.id,
        name: ctx.space.name.clone(),
        visibility: ctx.space.visibility,
    }
}

/// Records that every member of `grouping` "was paired in" it (`pairing`: its page, `name`:
/// its name, `kind`: `partners` or `coffee`); nothing in a confidential space.
pub(super) async fn record_paired(
    state: &AppState,
    space: &SpaceRef,
    grouping: i64,
    pairing: String,
    name: String,
    kind: &'static str,
) {
    let Ok(Some(stored)) = state.store.grouping_of(grouping).await else {
        return;
    };
    let base = state.config.public_url.trim_end_matches('/');
    for m in stored.groups.iter().flat_map(|g| &g.members) {
        let action = Action::Paired {
            space: space.clone(),
            pairing: pairing.clone(),
            name: name.clone(),
            kind,
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
            tracing::error!(error = %e, "could not record a pairing statement");
        }
    }
    state.jobs.wake();
}

/// A member of a round answers "did you meet?" (`yes`, `not_yet` or `couldnt`).
pub async fn answer(
    state: &AppState,
    user: &User,
    grouping: i64,
    met: &str,
) -> Result<SpaceId, Error> {
    let Some(space_id) = state.store.coffee_space(grouping).await? else {
        return Err(Error::not_found("coffee round"));
    };
    let ctx = space(state, user, space_id)
        .await
        .map_err(|_| Error::not_found("coffee round"))?;
    let met = met.trim();
    if !MET_ANSWERS.contains(&met) {
        return Err(Error::invalid(
            "met",
            format!("met: yes, not_yet or couldnt, not {met:?}"),
        ));
    }
    state
        .store
        .answer_coffee(grouping, user.id(), met, state.now())
        .await
        .map_err(|e| match e {
            peerlab_store::StoreError::NotFound(_) => {
                Error::forbidden("only the people of this round answer whether they met")
            }
            e => e.into(),
        })?;
    let round = state
        .store
        .coffee_rounds(space_id)
        .await?
        .into_iter()
        .find(|r| r.grouping_id == Some(grouping))
        .map_or(0, |r| r.round_no);
    crate::lrs::social::record(
        state,
        user,
        Action::Met {
            space: space_ref(&ctx),
            pairing: format!("/coffee/{grouping}"),
            name: format!("{} · Coffee round {round}", ctx.space.name),
            answer: met.to_string(),
        },
    )
    .await;
    Ok(space_id)
}

/// Runs a coffee job (`None` when `job` is not one): a round when it is due, or the "did you
/// meet?" question. Both are safe to run twice and on two nodes (see the store's invariants).
pub(crate) async fn handle(state: &AppState, job: &Job) -> Option<Result<Option<String>, Failure>> {
    let kind = job.kind.as_str();
    if kind != COFFEE_ROUND && kind != COFFEE_ASK {
        return None;
    }
    #[derive(Deserialize)]
    struct Payload {
        space: SpaceId,
        #[serde(default)]
        generation: i64,
        round: i64,
    }
    let p = match serde_json::from_str::<Payload>(&job.payload) {
        Ok(p) => p,
        Err(e) => {
            return Some(Err(Failure {
                permanent: true,
                ..format!("the job's payload names no coffee round: {e}").into()
            }))
        }
    };
    let outcome = async {
        if kind == COFFEE_ASK {
            return Ok(
                match state
                    .store
                    .ask_coffee(p.space, p.round, state.now())
                    .await?
                {
                    Some(n) => format!("asked {n} people whether they met"),
                    None => "nobody asked: the round was asked already".into(),
                },
            );
        }
        let Some(circle) = state.store.coffee_circle(p.space).await? else {
            return Ok("the space no longer has coffee rounds".to_string());
        };
        if !circle.running() || circle.generation != p.generation || circle.next_round != p.round {
            return Ok(format!(
                "round {} is superseded: the rounds stopped, started again or moved on",
                p.round
            ));
        }
        let Some(space) = state.store.space(p.space).await? else {
            return Ok("the space no longer exists".to_string());
        };
        let space = SpaceRef {
            id: space.id,
            name: space.name,
            visibility: space.visibility,
        };
        let starts_at = circle.next_round_at.min(state.now());
        let people = state
            .store
            .coffee_participants(p.space, circle.next_round)
            .await?;
        form_round(state, space, &circle, people, starts_at).await
    }
    .await;
    Some(
        outcome
            .map(Some)
            .map_err(|e: Error| Failure::from(e.to_string())),
    )
}

/// The error a page shows for a member's choice, as the API would answer it.
pub fn choice_of(raw: &str) -> Result<Choice, Error> {
    match raw {
        "join" => Ok(Choice::Join),
        "leave" => Ok(Choice::Leave),
        "skip" => Ok(Choice::Skip),
        "unskip" => Ok(Choice::Unskip),
        other => Err(Error::new(
            Kind::Invalid,
            "invalid_input",
            format!("choice: join, leave, skip or unskip, not {other:?}"),
        )),
    }
}
