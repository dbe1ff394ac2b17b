//! The expert finder as pages and the API both use it: evidence from the store, ranking from
//! the core, then names for the top suggestions.

use peerlab_core::expert::{rank, Reason, Signal};
use peerlab_store::{Person, PersonId, Store, StoreError};
use serde::Serialize;

/// How many endorsers a reason names.
const NAMED_ENDORSERS: i64 = 3;

#[derive(Debug, Clone, Serialize)]
pub struct Expert {
    pub person: Person,
    pub score: f64,
    pub reasons: Vec<Reason>,
}

/// The best `limit` people for `query`, best first, each with the reasons they are suggested.
pub async fn find(store: &Store, query: &str, limit: usize) -> Result<Vec<Expert>, StoreError> {
    let mut ranked = rank(store.expert_evidence(query).await?, limit);
    // The ranking works on plain numbers; the store's people are found by their ids.
    let ids: Vec<i64> = ranked.iter().map(|s| s.person_id).collect();
    let mut names = store.endorser_names(&ids, query, NAMED_ENDORSERS).await?;
    let person_ids: Vec<PersonId> = ids.iter().copied().map(PersonId::new).collect();
    for suggestion in &mut ranked {
        for reason in &mut suggestion.reasons {
            if matches!(reason.signal, Signal::Endorsements { .. }) {
                let key = (suggestion.person_id, reason.skill.clone());
                reason.name_endorsers(names.remove(&key).unwrap_or_default());
            }
        }
    }
    let mut people: std::collections::HashMap<i64, Person> = store
        .people_by_ids(&person_ids)
        .await?
        .into_iter()
        .map(|p| (p.id.get(), p))
        .collect();
    Ok(ranked
        .into_iter()
        .filter_map(|s| {
            people.remove(&s.person_id).map(|person| Expert {
                person,
                score: s.score,
                reasons: s.reasons,
            })
        })
        .collect())
}
