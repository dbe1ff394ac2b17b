//! The expert finder's evidence: self-ratings, endorsements and accepted answers per
//! matching skill, and the endorsers' names shown with a result.

use super::*;

impl Store {
    /// The expert finder's evidence: for every skill matching `query`, each person who has it,
    /// their self-rating and how many colleagues endorsed it. New signals add a query here.
    pub async fn expert_evidence(&self, query: &str) -> Result<Vec<Evidence>> {
        let Some(q) = fts_query(&self.pool, query) else {
            return Ok(Vec::new());
        };
        let matching = skills_matching(&self.pool);
        let names_sql = format!("SELECT id, name FROM skills WHERE id IN ({matching})");
        let rows_sql = format!(
            "SELECT person_id, skill_id, level, endorsements FROM person_skills WHERE skill_id IN ({matching})"
        );
        // (skill id, name) and (person id, skill id, level, endorsements).
        type Rows = (Vec<(i64, String)>, Vec<(i64, i64, i64, i64)>);
        let (names, rows): Rows = on_pool!(self, |p| {
            let names = sqlx::query_as(&names_sql).bind(&q).fetch_all(p).await?;
            let rows = sqlx::query_as(&rows_sql).bind(&q).fetch_all(p).await?;
            Ok::<_, sqlx::Error>((names, rows))
        })?;
        // One shared name per skill: thousands of rows, a handful of skills.
        let names: HashMap<i64, Arc<str>> = names
            .into_iter()
            .map(|(id, name)| (id, Arc::from(name)))
            .collect();
        let mut out = Vec::with_capacity(rows.len() * 2);
        for (person_id, skill_id, level, endorsements) in rows {
            let Some(skill) = names.get(&skill_id) else {
                continue;
            };
            out.push(Evidence {
                person_id,
                skill: skill.clone(),
                signal: Signal::SelfRating {
                    level: level.clamp(1, 5) as u8,
                },
            });
            if endorsements > 0 {
                out.push(Evidence {
                    person_id,
                    skill: skill.clone(),
                    signal: Signal::Endorsements {
                        count: endorsements as u32,
                        names: Vec::new(),
                    },
                });
            }
        }
        // Accepted answers to questions tagged with a matching skill. Confidential spaces
        // lend no evidence: what happens there stays there.
        let answers_sql = format!(
            "SELECT p.author_id, ts.skill_id, COUNT(*) FROM threads t \
             JOIN posts p ON p.id = t.accepted_post_id JOIN thread_skills ts ON ts.thread_id = t.id \
             JOIN spaces s ON s.id = t.space_id \
             WHERE ts.skill_id IN ({matching}) AND s.visibility <> 'confidential' AND p.state = 'visible' \
             AND p.author_id IS NOT NULL GROUP BY p.author_id, ts.skill_id"
        );
        let answers: Vec<(i64, i64, i64)> = on_pool!(self, |p| sqlx::query_as(&answers_sql)
            .bind(&q)
            .fetch_all(p)
            .await)?;
        for (person_id, skill_id, count) in answers {
            if let Some(skill) = names.get(&skill_id) {
                out.push(Evidence {
                    person_id,
                    skill: skill.clone(),
                    signal: Signal::AcceptedAnswers {
                        count: count as u32,
                    },
                });
            }
        }
        // Sessions facilitated in programs for a matching skill, that people came to.
        let facilitated_sql = format!(
            "SELECT s.organizer_id, ps.skill_id, COUNT(DISTINCT s.id) FROM learning_sessions s \
             JOIN cohorts c ON c.id = s.cohort_id JOIN program_skills ps ON ps.program_id = c.program_id \
             WHERE ps.skill_id IN ({matching}) AND s.cancelled = 0 AND s.organizer_id IS NOT NULL \
             AND EXISTS (SELECT 1 FROM attendance a WHERE a.session_id = s.id AND a.status IN ('present', 'late')) \
             GROUP BY s.organizer_id, ps.skill_id"
        );
        let facilitated: Vec<(i64, i64, i64)> =
            on_pool!(self, |p| sqlx::query_as(&facilitated_sql)
                .bind(&q)
                .fetch_all(p)
                .await)?;
        for (person_id, skill_id, count) in facilitated {
            if let Some(skill) = names.get(&skill_id) {
                out.push(Evidence {
                    person_id,
                    skill: skill.clone(),
                    signal: Signal::FacilitatedSessions {
                        count: count as u32,
                    },
                });
            }
        }
        Ok(out)
    }

    /// For each of `people`, up to `per_skill` names of the colleagues who endorsed each of
    /// their skills matching `query`, most recent first: one query for a whole result page.
    pub async fn endorser_names(
        &self,
        people: &[i64],
        query: &str,
        per_skill: i64,
    ) -> Result<HashMap<(i64, String), Vec<String>>> {
        let Some(q) = fts_query(&self.pool, query) else {
            return Ok(HashMap::new());
        };
        if people.is_empty() {
            return Ok(HashMap::new());
        }
        let placeholders = (3..people.len() + 3)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT person_id, skill, endorser FROM ( \
               SELECT e.person_id, s.name AS skill, p.name AS endorser, \
                 ROW_NUMBER() OVER (PARTITION BY e.person_id, e.skill_id ORDER BY e.created_at DESC, p.name) AS rn \
               FROM endorsements e JOIN people p ON p.id = e.endorser_id JOIN skills s ON s.id = e.skill_id \
               WHERE e.skill_id IN ({}) AND e.person_id IN ({placeholders}) \
             ) ranked WHERE rn <= $2 ORDER BY person_id, skill, rn",
            skills_matching(&self.pool)
        );
        let rows: Vec<(i64, String, String)> = on_pool!(self, |p| {
            let mut query = sqlx::query_as(&sql).bind(q.clone()).bind(per_skill);
            for id in people {
                query = query.bind(*id);
            }
            query.fetch_all(p).await
        })?;
        let mut out: HashMap<(i64, String), Vec<String>> = HashMap::new();
        for (person, skill, endorser) in rows {
            out.entry((person, skill)).or_default().push(endorser);
        }
        Ok(out)
    }

    /// Adds demo endorsements by e-mail; unknown people or skills are skipped.
    pub async fn endorse_by_email(
        &self,
        endorser: &Email,
        person: &Email,
        skill: &SkillName,
        now: i64,
    ) -> Result<()> {
        on_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO endorsements (person_id, skill_id, endorser_id, created_at) \
             SELECT ps.person_id, ps.skill_id, e.id, $4 FROM person_skills ps \
             JOIN people t ON t.id = ps.person_id JOIN skills s ON s.id = ps.skill_id JOIN people e ON e.email = $1 \
             WHERE t.email = $2 AND s.key = $3 AND e.id <> t.id ON CONFLICT DO NOTHING"
        )
        .bind(endorser.as_str())
        .bind(person.as_str())
        .bind(skill.key())
        .bind(now)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }
}
