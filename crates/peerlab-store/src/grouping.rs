//! What the grouping engine needs to know of stored people: their attributes, skills, wants
//! and managers as `peerlab_core::grouping::PersonFacts`, so that groups and partners can be
//! formed from the people of a programme's cohort or of a space without a CSV file.

use std::collections::{HashMap, HashSet};

use peerlab_core::grouping::PersonFacts;
use peerlab_core::{Email, Level, PersonName, SkillName, TimeZone, ValueError};

#[allow(unused_imports)]
use crate::ids::{PersonId, PostId, SkillId, SpaceId, ThreadId};
use crate::{on_pool, Result, Store, StoreError};

// People per round of queries: far below the bound-parameter limit of either database
// (SQLite's was 999 before 3.32), so a large pool costs a few rounds, not one per person.
const IDS_PER_QUERY: usize = 500;

// (id, e-mail, name, department, function, location, time zone, manager's e-mail).
type PersonRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

// A stored value that no longer parses is a fault of the data, not of the caller: it is
// reported as a decoding error, as sqlx reports a column it cannot decode, instead of
// silently leaving a person or a skill out of a grouping.
fn decode(e: ValueError) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(Box::new(e)))
}

// An empty stored attribute means "not known".
fn known(text: String) -> Option<String> {
    (!text.trim().is_empty()).then_some(text)
}

impl Store {
    /// The facts the grouping engine uses about each of `person_ids`, in the order given. An
    /// id repeated counts once, and an id that names nobody (a person deleted meanwhile) is
    /// left out, so the caller compares lengths when every person must be there.
    ///
    /// Four queries per 500 people: the people with their managers' e-mails, their skills,
    /// their wants, their block lists. They share no snapshot; a profile edited between them
    /// shows part of the edit, which a grouping tolerates. peerlab stores no seniority or
    /// start date, so those facts are empty.
    pub async fn grouping_facts(&self, person_ids: &[PersonId]) -> Result<Vec<PersonFacts>> {
        let mut seen = HashSet::with_capacity(person_ids.len());
        let ids: Vec<i64> = person_ids
            .iter()
            .map(|id| id.get())
            .filter(|id| seen.insert(*id))
            .collect();
        let mut found: HashMap<i64, PersonFacts> = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let list = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let people_sql = format!(
                "SELECT p.id, p.email, p.name, p.department, p.function, p.location, p.time_zone, \
                 m.email FROM people p LEFT JOIN people m ON m.id = p.manager_id \
                 WHERE p.id IN ({list})"
            );
            let skills_sql = format!(
                "SELECT ps.person_id, s.name, ps.level FROM person_skills ps \
                 JOIN skills s ON s.id = ps.skill_id WHERE ps.person_id IN ({list})"
            );
            let wants_sql = format!(
                "SELECT w.person_id, s.name FROM wants w JOIN skills s ON s.id = w.skill_id \
                 WHERE w.person_id IN ({list})"
            );
            let blocks_sql = format!(
                "SELECT b.person_id, p.email FROM person_blocks b JOIN people p ON p.id = b.blocked_id \
                 WHERE b.person_id IN ({list})"
            );
            type Rows = (
                Vec<PersonRow>,
                Vec<(i64, String, i64)>,
                Vec<(i64, String)>,
                Vec<(i64, String)>,
            );
            let (people, skills, wants, blocks): Rows = on_pool!(self, |p| {
                let mut q = sqlx::query_as(&people_sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                let people = q.fetch_all(p).await?;
                let mut q = sqlx::query_as(&skills_sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                let skills = q.fetch_all(p).await?;
                let mut q = sqlx::query_as(&wants_sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                let wants = q.fetch_all(p).await?;
                let mut q = sqlx::query_as(&blocks_sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                let blocks = q.fetch_all(p).await?;
                Ok::<_, sqlx::Error>((people, skills, wants, blocks))
            })?;
            for (id, email, name, department, function, location, time_zone, manager) in people {
                let time_zone = match known(time_zone) {
                    Some(tz) => Some(TimeZone::parse(&tz).map_err(decode)?),
                    None => None,
                };
                let facts = PersonFacts {
                    id: Some(id),
                    email: Email::parse(&email).map_err(decode)?,
                    name: PersonName::parse(&name).map_err(decode)?,
                    department: known(department),
                    function: known(function),
                    location: known(location),
                    time_zone,
                    seniority: None,
                    start_date: None,
                    skills: Vec::new(),
                    wants: Vec::new(),
                    manager: manager
                        .map(|m| Email::parse(&m))
                        .transpose()
                        .map_err(decode)?,
                    blocked: Vec::new(),
                };
                found.insert(id, facts);
            }
            for (person, skill, level) in skills {
                if let Some(f) = found.get_mut(&person) {
                    let skill = SkillName::parse(&skill).map_err(decode)?;
                    f.skills.push((skill, Level::new(level).map_err(decode)?));
                }
            }
            for (person, email) in blocks {
                if let Some(f) = found.get_mut(&person) {
                    f.blocked.push(Email::parse(&email).map_err(decode)?);
                }
            }
            for (person, skill) in wants {
                if let Some(f) = found.get_mut(&person) {
                    f.wants.push(SkillName::parse(&skill).map_err(decode)?);
                }
            }
        }
        // Skills in a stable order whichever order the database returned them in, so the
        // same people give the same facts on both backends.
        for f in found.values_mut() {
            f.skills.sort_by_cached_key(|(s, _)| s.key());
            f.wants.sort_by_cached_key(SkillName::key);
            f.blocked.sort();
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }
}
