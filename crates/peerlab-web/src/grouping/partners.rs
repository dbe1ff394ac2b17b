//! A cohort's accountability partners (DESIGN A2): exact maximum-weight matching of its
//! enrolled people (complementary skills both ways, different departments, working-day
//! overlap; never a manager and a report, a blocked person or earlier partners), previewed
//! with each pair's reasons, confirmed as history, and one rematch request per person with a
//! reason the facilitator sees.
//!
//! Decisions. Only earlier *partner* pairings forbid a pair: having shared a small group is
//! what a cohort is for, and forbidding it would leave a 12-person cohort with few pairs
//! left. The matching is deterministic, so confirming matches again and the store checks
//! that the cohort's people are those previewed. Pairs with no working hours in common are
//! weighted below every alternative, and any that remain are listed for the facilitator.

use peerlab_core::grouping::pairs::{self, Partners};
use peerlab_core::grouping::Pool;
use peerlab_core::program::EnrolState;
use peerlab_store::{CohortId, NewPartners, PersonId, StoredGrouping};

use super::ops::{history_of, search};
use crate::error::{Error, Kind};
use crate::kit::session::User;
use crate::programs::ops::{cohort, CohortCtx};
use crate::AppState;

/// The longest rematch reason.
pub const MAX_REASON_CHARS: usize = 500;

/// A matching, ready to show.
pub struct PartnersPreview {
    pub ctx: CohortCtx,
    pub ids: Vec<PersonId>,
    pub pool: Pool,
    pub partners: Partners,
    /// Pairs (by number, from 1) that share no working hours.
    pub no_overlap: Vec<usize>,
}

impl PartnersPreview {
    /// The people matched, as the confirm form carries them.
    pub fn roster(&self) -> String {
        self.ids
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Matches the cohort's enrolled people into partners; writes nothing.
pub async fn preview(
    state: &AppState,
    user: &User,
    id: CohortId,
) -> Result<PartnersPreview, Error> {
    let ctx = cohort(state, user, id).await?;
    ctx.require_manage()?;
    let mut ids: Vec<PersonId> = state
        .store
        .enrolments(id)
        .await?
        .into_iter()
        .filter(|e| e.state == EnrolState::Enrolled)
        .map(|e| e.person_id)
        .collect();
    ids.sort();
    if ids.len() < 2 {
        return Err(Error::invalid(
            "cohort",
            format!(
                "partners need at least 2 enrolled people; this cohort has {}",
                ids.len()
            ),
        ));
    }
    let facts = state.store.grouping_facts(&ids).await?;
    if facts.len() != ids.len() {
        return Err(Error::conflict(
            "someone left the directory meanwhile; try again",
        ));
    }
    let pool = Pool::from_people(facts).map_err(Error::internal)?;
    let history = history_of(state, &ids, |r| r.kind == "partners").await?;
    let today = chrono::DateTime::from_timestamp_millis(state.now())
        .ok_or_else(|| Error::internal("the clock is out of range"))?
        .date_naive();
    let (pool, outcome) = search(state, move || {
        let outcome = pairs::partners(&pool, &history, today);
        (pool, outcome)
    })
    .await?;
    let partners = outcome.map_err(|e| Error::new(Kind::Invalid, "invalid_input", e.0))?;
    let no_overlap = partners
        .pairs
        .iter()
        .enumerate()
        .filter(|(_, p)| p.reasons.iter().any(|r| r == "no working hours in common"))
        .map(|(k, _)| k + 1)
        .collect();
    Ok(PartnersPreview {
        ctx,
        ids,
        pool,
        partners,
        no_overlap,
    })
}

/// Confirms the matching the facilitator previewed (`roster`: the ids it matched).
pub async fn confirm(
    state: &AppState,
    user: &User,
    id: CohortId,
    roster: &str,
) -> Result<i64, Error> {
    let seen: Vec<PersonId> = roster
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<PersonId>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            Error::invalid(
                "roster",
                "roster: the ids of the people the preview matched",
            )
        })?;
    if seen.is_empty() {
        return Err(Error::invalid(
            "roster",
            "roster: preview the partners first, then confirm them",
        ));
    }
    if state.store.cohort_partners(id).await?.is_some() {
        return Err(Error::conflict(
            "this cohort's partners were already matched",
        ));
    }
    let p = preview(state, user, id).await?;
    if p.ids != seen {
        return Err(Error::conflict(
            "the cohort changed since this preview (someone joined or left); match the partners again",
        ));
    }
    if let Some(&u) = p.partners.unmatched.first() {
        return Err(Error::conflict(format!(
            "{} cannot be paired with anyone allowed (everyone left is a manager, a report, blocked or an earlier partner); remove them from the cohort or pair them by hand",
            p.pool.name(u)
        )));
    }
    let new = NewPartners {
        cohort_id: id,
        channel: p.ctx.cohort.space_id,
        on_date: chrono::DateTime::from_timestamp_millis(state.now())
            .unwrap_or_default()
            .date_naive()
            .format("%Y-%m-%d")
            .to_string(),
        formed_by: user.id(),
        roster: p.ids.clone(),
        pairs: p
            .partners
            .pairs
            .iter()
            .map(|pair| {
                (
                    pair.members.iter().map(|&i| p.ids[i]).collect(),
                    pair.summary(),
                )
            })
            .collect(),
    };
    let grouping = state.store.confirm_partners(&new, state.now()).await?;
    if let Some(channel) = state.store.space(p.ctx.cohort.space_id).await? {
        let space = crate::lrs::social::SpaceRef {
            id: channel.id,
            name: channel.name,
            visibility: channel.visibility,
        };
        super::coffee::record_paired(
            state,
            &space,
            grouping,
            format!("/cohorts/{id}/partners"),
            format!("{} · {} · Partners", p.ctx.program.name, p.ctx.cohort.name),
            "partners",
        )
        .await;
    }
    Ok(grouping)
}

/// A cohort's partners, for whoever may see its people: those who manage it see every pair
/// and every rematch request; a participant sees only their own pair.
pub async fn matched(
    state: &AppState,
    user: &User,
    id: CohortId,
) -> Result<(CohortCtx, Option<StoredGrouping>), Error> {
    let ctx = cohort(state, user, id).await?;
    if !ctx.see_people {
        return Err(Error::not_found("cohort"));
    }
    let mut partners = state.store.cohort_partners(id).await?;
    if let Some(g) = &mut partners {
        if !ctx.manage {
            g.groups
                .retain(|pair| pair.members.iter().any(|m| m.person_id == user.id()));
            // A request to be rematched is between its author and the facilitator.
            for m in g.groups.iter_mut().flat_map(|p| p.members.iter_mut()) {
                if m.person_id != user.id() {
                    m.rematch_reason = None;
                }
            }
        }
    }
    Ok((ctx, partners))
}

/// A participant asks once to be rematched, saying why; their facilitator sees it.
pub async fn rematch(
    state: &AppState,
    user: &User,
    id: CohortId,
    reason: &str,
) -> Result<(), Error> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid(
            "reason",
            "reason: say why, so the facilitator can find a better partner",
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(Error::invalid(
            "reason",
            format!("reason: at most {MAX_REASON_CHARS} characters"),
        ));
    }
    let (_, partners) = matched(state, user, id).await?;
    let mine = |g: &StoredGrouping| {
        g.groups
            .iter()
            .any(|p| p.members.iter().any(|m| m.person_id == user.id()))
    };
    let Some(g) = partners.filter(mine) else {
        return Err(Error::conflict("you have no partner in this cohort yet"));
    };
    Ok(state
        .store
        .request_rematch(g.id, user.id(), reason, state.now())
        .await?)
}
