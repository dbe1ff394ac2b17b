//! `peerlab demo`: fills an empty database with the demo company, once.

use peerlab_core::demo::company;
use peerlab_core::import::ImportPlan;
use peerlab_core::program::{self, Attendance};
use peerlab_core::space::{self, Reaction, SpaceKind, SpaceRole, ThreadKind, Visibility};
use peerlab_core::{Email, Role, SkillName};
use peerlab_store::{
    DirectoryFilter, NewCohort, NewProgram, NewSpace, NewThread, PersonId, PostInput, SpaceId,
    Store,
};
use peerlab_web::programs::ops::sessions;
use peerlab_web::social::{self, Action, SpaceRef, ThreadRef};
use rand::SeedableRng;

/// The demo accounts' password. Demo data is for trying peerlab out, never for production.
pub const PASSWORD: &str = "peerlab-demo";

pub struct Logins {
    pub admin: Email,
    pub facilitator: Email,
    pub member: Email,
}

/// Creates the demo company unless the database already has people, and returns the logins.
pub async fn ensure(store: &Store, people: usize, now: i64, base: &str) -> anyhow::Result<Logins> {
    // The company is deterministic: the same seed gives the same people every time.
    let demo = company(&mut rand::rngs::StdRng::seed_from_u64(2026), people);
    let logins = Logins {
        admin: demo.logins.admin.clone(),
        facilitator: demo.logins.facilitator.clone(),
        member: demo.logins.member.clone(),
    };
    // The steps below are each idempotent, so a demo whose creation was interrupted is
    // completed on the next start; one whose admin can log in is done.
    match store.person_by_email(&logins.admin).await? {
        Some(admin) if admin.has_login => return Ok(logins),
        None if store.count_people().await? > 0 => anyhow::bail!(
            "this database already has people but not the demo company; use `peerlab serve` for it, \
             or a new --data-dir for the demo"
        ),
        _ => {}
    }
    println!("Creating the demo company ({} people)…", demo.people.len());
    let people: Vec<Email> = demo.people.iter().map(|p| p.email.clone()).collect();
    store
        .apply_import(
            &ImportPlan {
                people: demo.people,
            },
            now,
            &|_| {},
        )
        .await?;
    for e in &demo.endorsements {
        store
            .endorse_by_email(&e.endorser, &e.person, &e.skill, now)
            .await?;
    }
    conversation(store, &logins, &people, now, base).await?;
    let hash = peerlab_web::hash_password(PASSWORD).map_err(|e| anyhow::anyhow!(e.message))?;
    // The admin's password comes last: it marks the demo as complete.
    for (email, role) in [
        (&logins.member, Role::Member),
        (&logins.facilitator, Role::Facilitator),
        (&logins.admin, Role::Admin),
    ] {
        let person = store
            .person_by_email(email)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo login {email} missing"))?;
        store.set_role(person.id, role).await?;
        store.set_password(person.id, &hash).await?;
    }
    Ok(logins)
}

/// A thread of the demo: its kind, title, author (an index into the cast), body, replies
/// (author, body, reactions given by the next n people), and which reply is accepted.
struct DemoThread {
    kind: ThreadKind,
    title: &'static str,
    author: usize,
    question: &'static str,
    skills: &'static [&'static str],
    body: &'static str,
    replies: &'static [(usize, &'static str, usize)],
    accepted: Option<usize>,
}

/// Fills the demo company's spaces with conversation, so the pages look like a living
/// product. Skipped when the spaces already exist.
async fn conversation(
    store: &Store,
    logins: &Logins,
    people: &[Email],
    now: i64,
    base: &str,
) -> anyhow::Result<()> {
    let id = |email: &Email| {
        let email = email.clone();
        async move {
            store
                .person_by_email(&email)
                .await?
                .map(|p| p.id)
                .ok_or_else(|| anyhow::anyhow!("demo person {email} missing"))
        }
    };
    let facilitator = id(&logins.facilitator).await?;
    if !store.spaces_for(facilitator, Role::Admin).await?.is_empty() {
        return Ok(());
    }
    let member = id(&logins.member).await?;
    let admin = id(&logins.admin).await?;
    // The cast: the three logins, then colleagues from across the company.
    let mut cast = vec![member, facilitator, admin];
    for email in people.iter().step_by(7).take(40) {
        let p = id(email).await?;
        if !cast.contains(&p) {
            cast.push(p);
        }
    }
    let hour = 3_600_000;
    let (cohort_space, managers) = programs(store, base, facilitator, admin, member, now).await?;
    let mut clock = now - 30 * 24 * hour;
    // Name, description, kind, visibility, members (indexes into the cast), threads.
    type DemoSpace<'a> = (
        &'a str,
        &'a str,
        SpaceKind,
        Visibility,
        &'a [usize],
        &'a [DemoThread],
    );
    let spaces: [DemoSpace; 4] = [
        ("Giving feedback", "A community of practice for giving and receiving feedback well: questions, stories and what worked.", SpaceKind::Community, Visibility::Open, &[0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], FEEDBACK),
        // The Manager Lab cohort's channel, made with its program: its people are enrolled.
        ("", "", SpaceKind::CohortChannel, Visibility::Private, &[], MANAGERS),
        ("Peer coaching circle", "Four of us, every other Thursday. What is said here stays here.", SpaceKind::Group, Visibility::Confidential, &[0, 23, 24], COACHING),
        ("Data & analytics guild", "SQL, dashboards, experiments and the questions nobody dares to ask.", SpaceKind::Community, Visibility::Open, &[3, 5, 25, 26, 27, 28, 29, 30], DATA),
    ];
    for (name, description, kind, visibility, members, threads) in spaces {
        // In the cohort channel the cast's 17–22 are the enrolled managers.
        let mut pool = cast.clone();
        let space = if kind == SpaceKind::CohortChannel {
            for (slot, m) in (17..=22).zip(managers.iter().cycle()) {
                if slot < pool.len() {
                    pool[slot] = *m;
                }
            }
            cohort_space
        } else {
            store
                .create_space(
                    &NewSpace {
                        name: name.into(),
                        description: description.into(),
                        kind,
                        visibility,
                        rules: space::DEFAULT_RULES.into(),
                    },
                    facilitator,
                    clock,
                )
                .await?
        };
        let name = store
            .space(space)
            .await?
            .map(|s| s.name)
            .unwrap_or_else(|| name.to_string());
        let space_ref = SpaceRef {
            id: space,
            name,
            visibility,
        };
        for &m in members {
            let person = cast[m.min(cast.len() - 1)];
            if person != facilitator && store.membership(space, person).await?.is_none() {
                store
                    .add_member(space, person, SpaceRole::Member, None, clock)
                    .await?;
                store.accept_rules(space, person, 1, clock).await?;
                let joined = Action::JoinedSpace(space_ref.clone());
                say(store, base, person, joined, clock).await?;
                let accepted = Action::AcceptedRules {
                    space: space_ref.clone(),
                    version: 1,
                };
                say(store, base, person, accepted, clock).await?;
            }
        }
        let who = |i: usize| {
            if i == 1 {
                facilitator
            } else {
                pool[i.min(pool.len() - 1)]
            }
        };
        for t in threads.iter() {
            clock += 7 * hour;
            let author = who(t.author);
            let (body_html, search_text) = rendered(store, t.title, t.body).await?;
            let thread = store
                .create_thread(
                    &NewThread {
                        space_id: space,
                        kind: t.kind,
                        title: space::Title::parse(t.title)?,
                        question: t.question.into(),
                        skills: t
                            .skills
                            .iter()
                            .filter_map(|s| SkillName::parse(s).ok())
                            .collect(),
                        post: PostInput {
                            body: space::Body::parse(t.body)?,
                            body_html,
                            search_text,
                            mentions: Vec::new(),
                        },
                    },
                    author,
                    clock,
                )
                .await?
                .thread_id;
            let thread_ref = ThreadRef {
                id: thread,
                title: t.title.into(),
                kind: t.kind,
            };
            let started = Action::StartedThread {
                space: space_ref.clone(),
                thread: thread_ref.clone(),
            };
            say(store, base, author, started, clock).await?;
            let mut reply_ids = Vec::new();
            for (k, &(replier, body, reactions)) in t.replies.iter().enumerate() {
                clock += hour + (k as i64) * 1_234_567;
                let replier = who(replier);
                ensure_member(store, space, replier, clock).await?;
                let (body_html, search_text) = rendered(store, "", body).await?;
                let w = store
                    .reply(
                        thread,
                        &PostInput {
                            body: space::Body::parse(body)?,
                            body_html,
                            search_text,
                            mentions: Vec::new(),
                        },
                        replier,
                        clock,
                    )
                    .await?;
                reply_ids.push(w.post_id);
                let replied = Action::Replied {
                    space: space_ref.clone(),
                    thread: thread_ref.clone(),
                    post: w.post_id,
                };
                say(store, base, replier, replied, clock).await?;
                for (n, r) in (0..reactions).zip(Reaction::ALL.iter().cycle().skip(k)) {
                    let fan = who(3 + (k * 5 + n) % 14);
                    if fan != replier
                        && store.membership(space, fan).await?.is_some()
                        && store.react(w.post_id, fan, *r, clock).await.is_ok()
                    {
                        let reacted = Action::Reacted {
                            space: space_ref.clone(),
                            thread: thread_ref.clone(),
                            post: w.post_id,
                            reaction: *r,
                        };
                        say(store, base, fan, reacted, clock).await?;
                    }
                }
            }
            if let Some(a) = t.accepted {
                store
                    .accept_answer(thread, reply_ids[a], author, clock + hour)
                    .await?;
            }
        }
        if name_is_feedback(&space_ref.name) {
            let people: Vec<PersonId> = members
                .iter()
                .take(10)
                .map(|&m| cast[m.min(cast.len() - 1)])
                .collect();
            coffee(store, base, &space_ref, facilitator, &people, now).await?;
        }
    }
    Ok(())
}

fn name_is_feedback(name: &str) -> bool {
    name == "Giving feedback"
}

/// Two weekly coffee rounds of the feedback community, formed as the product forms them
/// (the second avoids the first's pairs), with some "did you meet?" answers; the third round
/// forms by itself a day after the demo starts.
async fn coffee(
    store: &Store,
    base: &str,
    space: &SpaceRef,
    facilitator: PersonId,
    people: &[PersonId],
    now: i64,
) -> anyhow::Result<()> {
    use peerlab_core::grouping::{pairs, History, Meeting, Pool};
    let day = 86_400_000;
    let first = now - 13 * day + 3_600_000;
    store
        .start_coffee(space.id, 7, first, "", facilitator, now - 14 * day)
        .await?;
    for &p in people {
        store.join_coffee(space.id, p, now - 14 * day).await?;
    }
    let mut ids = store.coffee_participants(space.id, 1).await?;
    ids.sort();
    let pool = Pool::from_people(store.grouping_facts(&ids).await?)?;
    let mut history = History::default();
    for round in 1..=2_i64 {
        let starts = first + (round - 1) * 7 * day;
        let today = chrono::DateTime::from_timestamp_millis(starts)
            .unwrap_or_default()
            .date_naive();
        let found = pairs::coffee_round(&pool, &history, round as usize - 1, today)
            .map_err(|e| anyhow::anyhow!(e.0))?;
        let new = peerlab_store::NewCoffeeRound {
            space_id: space.id,
            generation: 1,
            round_no: round,
            starts_at: starts,
            on_date: today.format("%Y-%m-%d").to_string(),
            starter: pairs::STARTERS[round as usize - 1].into(),
            people: ids.len() as i64,
            pairs: found
                .pairs
                .iter()
                .map(|p| (p.members.iter().map(|&i| ids[i]).collect(), p.summary()))
                .collect(),
        };
        let peerlab_store::Formed::Round(Some(grouping)) =
            store.form_coffee_round(&new, starts).await?
        else {
            anyhow::bail!("the demo's coffee round {round} did not form");
        };
        for (k, (members, _)) in new.pairs.iter().enumerate() {
            for &m in members {
                let paired = Action::Paired {
                    space: space.clone(),
                    pairing: format!("/coffee/{grouping}"),
                    name: format!("{} · Coffee round {round}", space.name),
                    kind: "coffee",
                };
                say(store, base, m, paired, starts).await?;
                // Most of round 1 met; round 2 is under way.
                let answer = match (round, k % 4) {
                    (1, 3) => Some("couldnt"),
                    (1, _) => Some("yes"),
                    (_, 0) => Some("yes"),
                    _ => None,
                };
                if let Some(a) = answer {
                    let when = starts + 3 * day;
                    store.answer_coffee(grouping, m, a, when).await?;
                    let met = Action::Met {
                        space: space.clone(),
                        pairing: format!("/coffee/{grouping}"),
                        name: format!("{} · Coffee round {round}", space.name),
                        answer: a.into(),
                    };
                    say(store, base, m, met, when).await?;
                }
            }
        }
        history.meetings.extend(found.pairs.iter().map(|p| Meeting {
            date: Some(today),
            members: p.members.iter().map(|&m| (m, String::new())).collect(),
        }));
    }
    Ok(())
}

/// The demo's programs: a Manager Lab for people managers from across the company, anchored
/// to the review cycle ten days from now (so it is in its reproduction stage), facilitated by
/// the facilitator login, who manages none of them; and a Learning Loop on difficult
/// conversations, open to anyone, that the member login has joined. Returns the Manager Lab
/// cohort's channel and its participants.
async fn programs(
    store: &Store,
    base: &str,
    facilitator: PersonId,
    admin: PersonId,
    member: PersonId,
    now: i64,
) -> anyhow::Result<(SpaceId, Vec<PersonId>)> {
    let day = 24 * 3_600_000;
    let today = chrono::DateTime::from_timestamp_millis(now)
        .map(|t| t.date_naive())
        .unwrap_or_default();
    let template = |key: &str| {
        program::shipped()
            .into_iter()
            .find(|t| t.key == key)
            .ok_or_else(|| anyhow::anyhow!("template {key} missing"))
    };
    let skill = |name: &str| {
        let name = SkillName::parse(name);
        async move {
            match name {
                Ok(n) => store.skill_by_name(&n).await.map_err(anyhow::Error::from),
                Err(e) => Err(anyhow::anyhow!(e)),
            }
        }
    };
    let intro = {
        let (body_html, search_text) = rendered(
            store,
            program::INTRODUCTIONS_TITLE,
            program::INTRODUCTIONS_BODY,
        )
        .await?;
        PostInput {
            body: space::Body::parse(program::INTRODUCTIONS_BODY)?,
            body_html,
            search_text,
            mentions: Vec::new(),
        }
    };
    let london = chrono_tz::Europe::London;
    let cohort = |program_id,
                  template: &program::Template,
                  anchor,
                  name: &str,
                  channel: &str,
                  capacity,
                  self_enrol| {
        NewCohort {
        program_id,
        name: name.into(),
        facilitator,
        shift_days: 0,
        capacity,
        self_enrol,
        channel_name: channel.into(),
        channel_description: format!("The channel of the {channel} cohort: introductions, prompts and what we learn between sessions."),
        rules: space::DEFAULT_RULES.into(),
        intro_title: space::Title::parse(program::INTRODUCTIONS_TITLE).expect("a valid title"),
        intro_question: program::INTRODUCTIONS_QUESTION.into(),
        intro: intro.clone(),
        time_zone: london.name().into(),
        sessions: sessions::plan(template, anchor, london)
            .into_iter()
            .map(|(stage, mut details)| {
                // Past sessions ran online; the next one is in the London office.
                if details.ends_at < now {
                    details.place = "https://meet.example.com/manager-lab".into();
                } else {
                    details.mode = program::SessionMode::InPerson;
                    details.place = "London office, room 4.2 (and on https://meet.example.com/manager-lab)".into();
                }
                (sessions::new_uid(base), stage, details)
            })
            .collect(),
    }
    };

    let lab_template = template("manager-lab")?;
    let lab_anchor = today + chrono::Days::new(10);
    let lab = store
        .create_program(
            &NewProgram {
                name: "Manager Lab · spring".into(),
                purpose: "People managers practise giving feedback that lands, in time for the review cycle: see it modelled, share stories, role-play, then commit to one step with a partner.".into(),
                template: lab_template.clone(),
                moment: "Performance-review cycle opens".into(),
                anchor: lab_anchor,
                skills: [skill("Giving feedback").await?, skill("Coaching").await?].into_iter().flatten().collect(),
            },
            admin,
            now - 40 * day,
        )
        .await?;
    let spring = store
        .create_cohort(
            &cohort(
                lab,
                &lab_template,
                lab_anchor,
                "Spring cohort",
                "Manager Lab · spring cohort",
                Some(14),
                false,
            ),
            now - 30 * day,
        )
        .await?;
    // Twelve people managers from across the company (not the L&D team).
    let (everyone, _) = store
        .directory(
            &DirectoryFilter {
                managers_only: true,
                ..DirectoryFilter::default()
            },
            1000,
            0,
        )
        .await?;
    let mut managers = Vec::new();
    let mut departments = std::collections::HashMap::<String, usize>::new();
    for p in everyone
        .iter()
        .filter(|p| p.title.ends_with(" Manager") && p.department != "People & Culture")
    {
        let seen = departments.entry(p.department.clone()).or_default();
        if *seen < 2 && managers.len() < 12 {
            *seen += 1;
            managers.push(p.id);
        }
    }
    store
        .enrol(spring, &managers, Some(facilitator), now - 29 * day)
        .await?;
    let channel = store
        .cohort(spring)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo cohort missing"))?
        .space_id;
    for m in &managers {
        store.accept_rules(channel, *m, 1, now - 29 * day).await?;
    }
    store
        .accept_rules(channel, facilitator, 1, now - 30 * day)
        .await?;
    // The sessions that have happened have their attendance: most checked in, one came
    // late, one was excused.
    let channel_ref = SpaceRef {
        id: channel,
        name: "Manager Lab · spring cohort".into(),
        visibility: Visibility::Private,
    };
    for s in store.cohort_sessions(spring).await? {
        if s.ends_at >= now {
            continue;
        }
        for (i, m) in managers.iter().enumerate() {
            let status = match (i + s.id.get() as usize) % 12 {
                0 => Attendance::Excused,
                1 => Attendance::Late,
                _ => Attendance::Present,
            };
            if status == Attendance::Present {
                store
                    .record_check_in(s.id, *m, s.starts_at + 60_000 * (i as i64 % 7))
                    .await?;
            } else {
                store
                    .mark_attendance(s.id, *m, status, facilitator, s.ends_at)
                    .await?;
            }
            if status.came() {
                let attended = Action::Attended {
                    space: channel_ref.clone(),
                    session: s.id,
                    title: s.title.clone(),
                };
                say(store, base, *m, attended, s.starts_at + 60_000).await?;
            }
        }
    }

    // The next session has its agenda board open: topics suggested, votes given (counts
    // stay hidden until it closes the evening before).
    if let Some(next) = store
        .cohort_sessions(spring)
        .await?
        .into_iter()
        .find(|s| s.starts_at > now)
    {
        let closes = (next.starts_at - 20 * 3_600_000).max(now + 3_600_000);
        store
            .open_board(next.id, 3, 15, closes, facilitator, now - 2 * day)
            .await?;
        let topics = [
            "Giving feedback upward, to my own manager",
            "When a report gets emotional in a review",
            "Calibration meetings without horse-trading",
            "Written feedback that does not sound like a form",
            "Praising in public without embarrassing people",
        ];
        let mut ids = Vec::new();
        for (i, title) in topics.iter().enumerate() {
            let author = managers[(i * 2) % managers.len()];
            ids.push((
                author,
                store
                    .suggest(
                        next.id,
                        author,
                        title,
                        "",
                        now - 2 * day + i as i64 * 600_000,
                    )
                    .await?,
            ));
        }
        for (k, m) in managers.iter().enumerate() {
            for pick in [k % 3, (k + 1) % 5, 1] {
                let (author, topic) = ids[pick];
                if author != *m {
                    let _ = store.vote(topic, *m, now - day).await;
                }
            }
        }
    }
    let loop_template = template("learning-loop")?;
    let loop_anchor = today + chrono::Days::new(5);
    let circle = store
        .create_program(
            &NewProgram {
                name: "Difficult conversations".into(),
                purpose: "Bring a conversation you have been putting off, practise it with a peer, have it for real, and reflect on it together.".into(),
                template: loop_template.clone(),
                moment: "First session".into(),
                anchor: loop_anchor,
                skills: [skill("Giving feedback").await?].into_iter().flatten().collect(),
            },
            admin,
            now - 10 * day,
        )
        .await?;
    let open = store
        .create_cohort(
            &cohort(
                circle,
                &loop_template,
                loop_anchor,
                "Open cohort",
                "Difficult conversations · open cohort",
                Some(12),
                true,
            ),
            now - 9 * day,
        )
        .await?;
    let mut joiners = vec![member];
    for department in ["Engineering", "Customer Success"] {
        let filter = DirectoryFilter {
            department: department.into(),
            ..DirectoryFilter::default()
        };
        let (people, _) = store.directory(&filter, 40, 0).await?;
        joiners.extend(
            people
                .iter()
                .filter(|p| !p.title.contains("Manager") && !p.title.starts_with("VP"))
                .map(|p| p.id)
                .take(3),
        );
    }
    store.enrol(open, &joiners, None, now - 8 * day).await?;
    past_groups(store, base, spring, facilitator, now).await?;
    partners(store, spring, facilitator, now).await?;
    // Mia keeps one name on her private "never group me with" list.
    if let Some(&other) = joiners.get(1) {
        store.block(member, other, now - 7 * day).await?;
    }
    Ok((channel, managers))
}

/// The spring cohort's past sessions had small groups, formed as the product forms them
/// (the engine, with the history of the sessions before), so the next session's groups
/// avoid those pairs and the debrief threads have their first approaches.
async fn past_groups(
    store: &Store,
    base: &str,
    cohort: peerlab_store::CohortId,
    facilitator: PersonId,
    now: i64,
) -> anyhow::Result<()> {
    use peerlab_core::grouping::groups::{self, GroupOptions, RoleSpec, SizeRange, Weights};
    use peerlab_core::grouping::{adjust, History, Meeting, Pool};
    let c = store
        .cohort(cohort)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo cohort missing"))?;
    let ids = enrolled(store, cohort).await?;
    let past: Vec<_> = store
        .cohort_sessions(cohort)
        .await?
        .into_iter()
        .filter(|s| s.ends_at < now)
        .collect();
    let roles = [
        vec![],
        vec![
            RoleSpec::parse("storyteller").map_err(anyhow::Error::msg)?,
            RoleSpec::parse("listener").map_err(anyhow::Error::msg)?,
            RoleSpec::parse("observer").map_err(anyhow::Error::msg)?,
        ],
    ];
    let approaches = [
        "We agreed to open every feedback conversation with what went well, then one concrete change. Next: try it in this week's one-to-ones.",
        "Our approach: ask 'what do you think went well?' before giving our view. Question for the others: how do you handle silence?",
        "We practised turning 'you always' into one specific example. Hardest part was keeping it short.",
    ];
    for (k, s) in past.iter().enumerate() {
        let day = chrono::NaiveDate::parse_from_str(
            s.local_start.get(..10).unwrap_or_default(),
            "%Y-%m-%d",
        )?;
        let pool = Pool::from_people(store.grouping_facts(&ids).await?)?;
        let index: std::collections::HashMap<PersonId, usize> =
            ids.iter().enumerate().map(|(i, &p)| (p, i)).collect();
        let mut history = History::default();
        let mut at = std::collections::HashMap::new();
        for r in store.meetings(&ids).await? {
            let slot = *at.entry((r.grouping_id, r.group_no)).or_insert_with(|| {
                history.meetings.push(Meeting {
                    date: chrono::NaiveDate::parse_from_str(&r.on_date, "%Y-%m-%d").ok(),
                    members: Vec::new(),
                });
                history.meetings.len() - 1
            });
            history.meetings[slot]
                .members
                .push((index[&r.person_id], r.role));
        }
        let options = GroupOptions {
            size: SizeRange { min: 4, max: 4 },
            weights: Weights::default(),
            roles: roles[k % 2].clone(),
            keep_apart: Vec::new(),
            keep_together: Vec::new(),
            today: day,
        };
        let prepared = groups::prepare(&pool, &history, options).map_err(anyhow::Error::msg)?;
        let mut rng = rand::rngs::StdRng::seed_from_u64(s.id.get() as u64);
        let grouping =
            groups::form(&prepared, &mut rng, &mut |i| i >= 200).map_err(anyhow::Error::msg)?;
        let stories = adjust::describe(&prepared, &grouping);
        let post = |title: &str, body: &str| {
            let title = title.to_string();
            let body = body.to_string();
            async move {
                let (body_html, search_text) = rendered(store, &title, &body).await?;
                anyhow::Ok(PostInput {
                    body: space::Body::parse(&body)?,
                    body_html,
                    search_text,
                    mentions: Vec::new(),
                })
            }
        };
        let challenge = "Share one feedback conversation that went well and one that did not. What made the difference?";
        let debrief_title = format!("Debrief: {}", s.title);
        let new = peerlab_store::NewGroups {
            session_id: s.id,
            cohort_id: cohort,
            channel: c.space_id,
            on_date: day.format("%Y-%m-%d").to_string(),
            challenge: challenge.into(),
            formed_by: facilitator,
            facilitators: vec![facilitator],
            roster: ids.clone(),
            groups: grouping
                .groups
                .iter()
                .zip(&stories)
                .enumerate()
                .map(|(g, (members, story))| peerlab_store::NewGroup {
                    space_name: format!("{} · Group {}", s.title, g + 1).chars().take(space::MAX_NAME_CHARS).collect(),
                    space_description: story.summary.clone(),
                    summary: story.summary.clone(),
                    members: members
                        .iter()
                        .zip(&story.members)
                        .map(|(&i, m)| (ids[i], m.role.clone(), m.reasons.clone()))
                        .collect(),
                })
                .collect(),
            rules: space::DEFAULT_RULES.into(),
            debrief_title: space::Title::parse(&debrief_title.chars().take(space::MAX_TITLE_CHARS).collect::<String>())?,
            debrief: post(&debrief_title, "Each group posts its approach here: what you tried, what you would do next, and one question for the other groups.").await?,
            brief_title: space::Title::parse("Your group's challenge")?,
            brief: post("Your group's challenge", challenge).await?,
        };
        let when = s.starts_at - 3_600_000;
        store.confirm_groups(&new, when).await?;
        // One member of each group posts its approach in the debrief.
        let stored = store
            .session_groups(s.id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo groups missing"))?;
        if let Some(thread) = stored.debrief_thread_id {
            for (g, group) in stored.groups.iter().enumerate() {
                if let Some(first) = group.members.first() {
                    let text = approaches[g % approaches.len()];
                    let input = post("", text).await?;
                    store
                        .reply(
                            thread,
                            &input,
                            first.person_id,
                            s.ends_at + 3_600_000 * (g as i64 + 1),
                        )
                        .await?;
                }
            }
        }
        let channel = SpaceRef {
            id: c.space_id,
            name: "Manager Lab · spring cohort".into(),
            visibility: Visibility::Private,
        };
        for group in &stored.groups {
            for m in &group.members {
                let action = Action::Grouped {
                    space: channel.clone(),
                    group: group.space_id.unwrap_or(c.space_id),
                    name: format!("{} · Group {}", s.title, group.number),
                    role: m.role.clone(),
                };
                say(store, base, m.person_id, action, when).await?;
            }
        }
    }
    Ok(())
}

/// The spring cohort's accountability partners were matched as the product matches them,
/// and one participant asked to be rematched, so the facilitator's page shows a request.
async fn partners(
    store: &Store,
    cohort: peerlab_store::CohortId,
    facilitator: PersonId,
    now: i64,
) -> anyhow::Result<()> {
    use peerlab_core::grouping::{pairs, History, Pool};
    let c = store
        .cohort(cohort)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo cohort missing"))?;
    let ids = enrolled(store, cohort).await?;
    let pool = Pool::from_people(store.grouping_facts(&ids).await?)?;
    let when = now - 2 * 86_400_000;
    let today = chrono::DateTime::from_timestamp_millis(when)
        .unwrap_or_default()
        .date_naive();
    let matched =
        pairs::partners(&pool, &History::default(), today).map_err(|e| anyhow::anyhow!(e.0))?;
    let new = peerlab_store::NewPartners {
        cohort_id: cohort,
        channel: c.space_id,
        on_date: today.format("%Y-%m-%d").to_string(),
        formed_by: facilitator,
        roster: ids.clone(),
        pairs: matched
            .pairs
            .iter()
            .map(|p| (p.members.iter().map(|&i| ids[i]).collect(), p.summary()))
            .collect(),
    };
    let grouping = store.confirm_partners(&new, when).await?;
    if let Some(asker) = new.pairs.last().and_then(|p| p.0.first()) {
        store
            .request_rematch(
                grouping,
                *asker,
                "We already sit in the same weekly project meeting; I would learn more from someone outside it.",
                when + 3_600_000,
            )
            .await?;
    }
    Ok(())
}

/// A cohort's enrolled people, sorted, as the product groups them.
async fn enrolled(store: &Store, cohort: peerlab_store::CohortId) -> anyhow::Result<Vec<PersonId>> {
    let mut ids: Vec<PersonId> = store
        .enrolments(cohort)
        .await?
        .into_iter()
        .filter(|e| e.state == program::EnrolState::Enrolled)
        .map(|e| e.person_id)
        .collect();
    ids.sort();
    Ok(ids)
}

/// Records a demo action in the LRS as peerlab records real ones (confidential spaces
/// produce none).
async fn say(
    store: &Store,
    base: &str,
    person: PersonId,
    action: Action,
    when: i64,
) -> anyhow::Result<()> {
    let who = store
        .person(person)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo person {person} missing"))?;
    social::write(store, base, (&who.name, &who.email), &action, when)
        .await
        .map_err(anyhow::Error::msg)
}

async fn ensure_member(
    store: &Store,
    space: SpaceId,
    person: PersonId,
    now: i64,
) -> anyhow::Result<()> {
    if store.membership(space, person).await?.is_none() {
        store
            .add_member(space, person, SpaceRole::Member, None, now)
            .await?;
        store.accept_rules(space, person, 1, now).await?;
    }
    Ok(())
}

async fn rendered(store: &Store, title: &str, body: &str) -> anyhow::Result<(String, String)> {
    let handles = peerlab_core::markdown::mentions(body);
    let people = store.resolve_handles(&handles).await?;
    Ok(space::rendered(title, body, &|h: &str| {
        people.get(h).map(|id| id.get())
    }))
}

const FEEDBACK: &[DemoThread] = &[
    DemoThread {
        kind: ThreadKind::Question,
        title: "How do you give feedback to someone more senior than you?",
        author: 0,
        question: "",
        skills: &["Giving feedback"],
        body: "My manager's manager runs our quarterly review, and the last one ran **40 minutes over** with no decisions. I'd like to say something, but I'm two levels below.\n\nHow have you raised something like this upwards without it landing badly?",
        replies: &[
            (3, "Ask for permission first: *\"Can I share an observation about the review?\"* Senior people almost always say yes, and then it is an invitation rather than an ambush.", 3),
            (4, "I use **situation – behaviour – impact**, and keep it to one meeting:\n\n1. *Situation*: the Q3 review last Tuesday\n2. *Behaviour*: we spent 40 minutes on the first slide\n3. *Impact*: we left without the two decisions the team was waiting for\n\nThen stop talking and ask what they saw.", 4),
            (5, "Offer a fix along with it. \"Would it help if I timed the agenda?\" turns feedback into help.", 2),
        ],
        accepted: Some(1),
    },
    DemoThread {
        kind: ThreadKind::Prompt,
        title: "Watch: the difficult conversation (6 min video)",
        author: 1,
        question: "What would you have done in that situation, and why?",
        skills: &[],
        body: "This week's clip shows a team lead telling a colleague that their report was not ready for the client. Watch it before Thursday's session, then reply below.\n\nThere are no right answers — we learn from how differently we would each handle it.",
        replies: &[
            (6, "I would have started by asking how *they* felt the report went. Half the time people already know, and it becomes their insight rather than my verdict.", 2),
            (7, "Honestly, I would have avoided the conversation until it was too late. Seeing it done calmly helps. I'd have kept the client out of it at first and focused on the gaps.", 3),
            (0, "I'd move it out of the open-plan office. The content was fine, the setting was not.", 1),
        ],
        accepted: None,
    },
    DemoThread {
        kind: ThreadKind::Story,
        title: "The feedback that changed how I run meetings",
        author: 8,
        question: "",
        skills: &["Facilitation"],
        body: "Two years ago a new joiner told me, very politely, that in my meetings *only three people ever spoke*. I had never noticed.\n\nSince then I start with a one-minute silent write-up and go round the table. Meetings got shorter, not longer.",
        replies: &[
            (9, "Stealing the silent minute. Thank you for sharing this.", 4),
            (2, "This is the kind of story we need more of — the person who gave the feedback was brave, and you listened.", 2),
        ],
        accepted: None,
    },
    DemoThread {
        kind: ThreadKind::Takeaway,
        title: "Takeaway from session 2: feedback is a gift, even when it is wrapped badly",
        author: 10,
        question: "",
        skills: &[],
        body: "- Say *thank you* first, think second.\n- Ask one clarifying question before you respond.\n- Decide later what to do with it; you don't owe an answer on the spot.",
        replies: &[(11, "Asking one clarifying question is the part I always skip. Noted.", 1)],
        accepted: None,
    },
    DemoThread {
        kind: ThreadKind::Introduction,
        title: "Hi, I'm new to the community 👋",
        author: 12,
        question: "",
        skills: &[],
        body: "I lead a support team of eight and I want to get better at feedback that is specific rather than \"good job\". Looking forward to learning from you all.",
        replies: &[(1, "Welcome! Thursday's session is a great place to start.", 2)],
        accepted: None,
    },
];

const MANAGERS: &[DemoThread] = &[
    DemoThread {
        kind: ThreadKind::Challenge,
        title: "Challenge for week 3: run a one-on-one where you speak less than 30% of the time",
        author: 1,
        question: "What did you notice when you held back?",
        skills: &["Coaching"],
        body: "Record (with permission) or ask a colleague to time you. Report back here: what happened, what you learned, what you'd change.",
        replies: &[
            (17, "Managed 35%. The silences were uncomfortable, but my report brought up a problem I had no idea about.", 3),
            (18, "Under 30%! Open questions did the work: *\"What's getting in your way?\"* is my new favourite.", 2),
        ],
        accepted: None,
    },
    DemoThread {
        kind: ThreadKind::Question,
        title: "How do you say no to your own manager's request when the team is at capacity?",
        author: 19,
        question: "",
        skills: &["Prioritisation"],
        body: "Third \"small\" request this month. How do you push back without sounding like you're not a team player?",
        replies: &[(20, "Don't say no — say what it would replace. \"Happy to, which of these three should slip?\" makes the trade-off theirs.", 4)],
        accepted: Some(0),
    },
];

const COACHING: &[DemoThread] = &[DemoThread {
    kind: ThreadKind::Story,
    title: "Something I have not told my team yet",
    author: 23,
    question: "",
    skills: &[],
    body: "I'm considering a move to another department, and I don't know how to bring it up with my manager without damaging the trust we have built. Thinking out loud here before Thursday.",
    replies: &[(0, "Thank you for trusting us with this. What would a good outcome look like for you *and* for your manager?", 2)],
    accepted: None,
}];

const DATA: &[DemoThread] = &[DemoThread {
    kind: ThreadKind::Question,
    title: "Why is my PostgreSQL query fast in staging and slow in production?",
    author: 25,
    question: "",
    skills: &["SQL", "PostgreSQL"],
    body: "Same query, same indexes. Staging: 20 ms. Production: 4 s. `EXPLAIN` shows a sequential scan in production only.",
    replies: &[
        (3, "Run `ANALYZE` on the table in production — stale statistics make the planner think the table is tiny. Then compare `EXPLAIN (ANALYZE, BUFFERS)` again.", 3),
        (26, "Also check `random_page_cost`: if production runs on SSDs but keeps the default 4.0, the planner avoids index scans.", 1),
    ],
    accepted: Some(0),
}];
