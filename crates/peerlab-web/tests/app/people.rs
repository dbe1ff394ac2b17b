//! Profiles, skills and wants, endorsements, the directory and the expert finder.

use crate::common::{check, Backend, TestApp};
use peerlab_core::Role;
use peerlab_store::PersonId;
use reqwest::StatusCode;
use serde_json::{json, Value};

crate::backend_tests! {
    people_edit_their_own_skills_and_wants,
    bad_skill_input_is_refused_and_writes_nothing,
    colleagues_endorse_skills,
    expert_finder_ranks_by_evidence_and_says_why,
    expert_finder_tolerates_case_accents_and_word_forms,
    directory_browses_and_searches,
    markup_and_sql_in_names_are_escaped_and_stored_intact,
    nobody_removes_someone_elses_skills_or_topics,
    the_directory_sorts_alike_on_both_databases,
}

async fn people_edit_their_own_skills_and_wants(b: Backend) {
    let app = crate::common::spawn(b).await;
    let id = app.user("ana@example.com", "Ana", Role::Member).await;
    let s = app.login("ana@example.com").await;
    assert_eq!(
        s.post(
            "/me/skills",
            &[("name", "  Giving   feedback "), ("level", "3")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        s.post("/me/skills", &[("name", "giving feedback"), ("level", "5")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let skills = app.store.person_skills(id, id).await.expect("skills");
    assert_eq!(skills.len(), 1, "same skill, case and spacing ignored");
    assert_eq!(
        (skills[0].name.as_str(), skills[0].level),
        ("Giving feedback", 5)
    );
    let page = s.get(&format!("/people/{id}")).await;
    assert!(page.body.contains("Giving feedback") && page.body.contains("5/5"));

    assert_eq!(
        s.post(&format!("/me/skills/{}/delete", skills[0].skill_id), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(app
        .store
        .person_skills(id, id)
        .await
        .expect("skills")
        .is_empty());

    assert_eq!(
        s.post("/me/wants", &[("name", "Public speaking")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let wants = app.store.wants(id).await.expect("wants");
    assert_eq!(wants.len(), 1);
    assert_eq!(
        s.post(&format!("/me/wants/{}/delete", wants[0].id), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(app.store.wants(id).await.expect("wants").is_empty());

    // The API does the same.
    let api = app.api_as("ana@example.com").await;
    let (st, body) = api
        .post("/me/skills", json!({"name": "Negotiation", "level": 4}))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (_, me) = api.get(&format!("/people/{id}")).await;
    assert_eq!(me["skills"][0]["name"], "Negotiation");
    let (st, _) = api
        .delete(&format!("/me/skills/{}", body["skill_id"]))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = api
        .delete(&format!("/me/skills/{}", body["skill_id"]))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

async fn bad_skill_input_is_refused_and_writes_nothing(b: Backend) {
    let app = crate::common::spawn(b).await;
    let id = app.user("ana@example.com", "Ana", Role::Member).await;
    let s = app.login("ana@example.com").await;
    let long = "x".repeat(81);
    for (name, level, expect) in [
        ("Negotiation", "9", "out of range"),
        ("Negotiation", "0", "out of range"),
        ("Negotiation", "abc", "not a number"),
        ("", "3", "kill: is empty"),
        (long.as_str(), "3", "longer than 80"),
        ("a;b", "3", "must not contain"),
    ] {
        let r = s
            .post("/me/skills", &[("name", name), ("level", level)])
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name:?} {level:?}"
        );
        assert!(
            r.body.contains(expect),
            "{name:?}/{level:?}: expected {expect:?} in {}",
            r.body
        );
    }
    assert!(app
        .store
        .person_skills(id, id)
        .await
        .expect("skills")
        .is_empty());
    let api = app.api_as("ana@example.com").await;
    let (st, body) = api
        .post("/me/skills", json!({"name": "SQL", "level": 6}))
        .await;
    check(
        (st, &body),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert_eq!(body["message"], "level: 6 is out of range; use 1 to 5");
    let (st, _) = api
        .post("/me/skills", json!({"name": "SQL", "level": "high"}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app
        .store
        .person_skills(id, id)
        .await
        .expect("skills")
        .is_empty());
}

async fn colleagues_endorse_skills(b: Backend) {
    let app = crate::common::spawn(b).await;
    let ana = app.user("ana@example.com", "Ana", Role::Member).await;
    app.user("ben@example.com", "Ben", Role::Member).await;
    let skill = app.skill(ana, "Negotiation", 4).await;
    let ben = app.login("ben@example.com").await;
    let path = format!("/people/{ana}/skills/{skill}/endorse");
    assert_eq!(ben.post(&path, &[]).await.status, StatusCode::SEE_OTHER);
    let twice = ben.post(&path, &[]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(twice.body.contains("already endorsed"));
    let page = ben.get(&format!("/people/{ana}")).await;
    assert!(page.body.contains("1 endorsement") && page.body.contains("Endorsed ✓"));

    let ana_s = app.login("ana@example.com").await;
    assert_eq!(
        ana_s.post(&path, &[]).await.status,
        StatusCode::CONFLICT,
        "no self-endorsement"
    );
    let missing = ben
        .post(&format!("/people/{ana}/skills/99999/endorse"), &[])
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let api = app.api_as("ben@example.com").await;
    let (st, body) = api
        .post(
            &format!("/people/{ana}/skills/{skill}/endorsements"),
            json!({}),
        )
        .await;
    check((st, &body), StatusCode::CONFLICT, "conflict");
    let (st, _) = api
        .delete(&format!("/people/{ana}/skills/{skill}/endorsements"))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(
        app.store.person_skills(ana, ana).await.expect("s")[0].endorsements,
        0
    );
    let (st, _) = api
        .post(
            &format!("/people/{ana}/skills/{skill}/endorsements"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
}

async fn seed_negotiators(app: &TestApp) -> (PersonId, PersonId, PersonId) {
    let ana = app.user("ana@example.com", "Ana Silva", Role::Member).await;
    let ben = app.user("ben@example.com", "Ben Ode", Role::Member).await;
    let cara = app
        .user("cara@example.com", "Cara Núñez", Role::Member)
        .await;
    app.skill(ana, "Negotiating", 4).await;
    let ben_skill = app.skill(ben, "Negotiation", 3).await;
    app.skill(cara, "Salary négociation", 2).await;
    for e in [ana, cara] {
        app.store
            .endorse(e, ben, ben_skill, app.now())
            .await
            .expect("endorse");
    }
    (ana, ben, cara)
}

async fn expert_finder_ranks_by_evidence_and_says_why(b: Backend) {
    let app = crate::common::spawn(b).await;
    let (ana, ben, cara) = seed_negotiators(&app).await;
    let api = app.api_as("ana@example.com").await;
    let (st, body) = api.get("/experts?skill=negotiation").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let ids: Vec<i64> = body
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["person"]["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(
        ids,
        vec![ben.get(), ana.get()],
        "two endorsements outweigh one level: {body}"
    );
    let (_, french) = api.get("/experts?skill=N%C3%A9gociation").await;
    assert_eq!(
        french[0]["person"]["id"],
        cara.get(),
        "a different word is a different skill: {french}"
    );
    let reasons: Vec<&str> = body[0]["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r["text"].as_str().expect("text"))
        .collect();
    assert_eq!(
        reasons,
        vec![
            "rates themselves 3/5 (proficient) in Negotiation",
            "endorsed for Negotiation by 2 colleagues (Ana Silva, Cara Núñez)"
        ]
    );
    assert_eq!(body[0]["reasons"][1]["kind"], "endorsements");

    let s = app.login("ben@example.com").await;
    let page = s.get("/experts?q=Negotiation").await;
    assert!(page.body.contains("People who know “Negotiation”"));
    let first = page.body.find("Ben Ode").expect("Ben listed");
    assert!(first < page.body.find("Ana Silva").expect("Ana listed"));
    assert!(page
        .body
        .contains("endorsed for Negotiation by 2 colleagues"));
    let none = s.get("/experts?q=underwater+basket+weaving").await;
    assert!(none.body.contains("Nobody has listed"));
}

async fn expert_finder_tolerates_case_accents_and_word_forms(b: Backend) {
    let app = crate::common::spawn(b).await;
    let (ana, ben, cara) = seed_negotiators(&app).await;
    let api = app.api_as("ana@example.com").await;
    for query in [
        "negotiation",
        "NEGOTIATING",
        "negotiate",
        "Négotiation",
        "negot",
    ] {
        let (_, body) = api.get(&format!("/experts?skill={query}")).await;
        let mut ids: Vec<i64> = body
            .as_array()
            .expect("array")
            .iter()
            .map(|e| e["person"]["id"].as_i64().expect("id"))
            .collect();
        ids.sort();
        let mut want = vec![ana.get(), ben.get()];
        want.sort();
        assert_eq!(ids, want, "query {query:?}: {body}");
    }
    let (_, body) = api.get("/experts?skill=negociation").await;
    assert_eq!(
        body.as_array().map(Vec::len),
        Some(1),
        "accents folded: {body}"
    );
    assert_eq!(body[0]["person"]["id"], cara.get());
    let (_, body) = api.get("/experts?skill=SALARY").await;
    assert_eq!(body[0]["person"]["id"], cara.get());
}

async fn directory_browses_and_searches(b: Backend) {
    let app = crate::common::spawn(b).await;
    let csv = "name,email,title,department,function,location,time_zone,skills\n\
        Ana Silva,ana@x.com,Engineer,Engineering,Backend,Lisbon,Europe/Lisbon,Rust:4\n\
        Ben Ode,ben@x.com,AE,Sales,Account Executive,London,Europe/London,Negotiation:3\n\
        Cara Núñez,cara@x.com,Engineer,Engineering,Frontend,London,Europe/London,TypeScript:2\n";
    app.user("admin@example.com", "Admin", Role::Admin).await;
    let admin = app.api_as("admin@example.com").await;
    let (st, body) = admin
        .post_bytes("/people/import", "text/csv", csv.into())
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");

    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["name"].as_str().expect("n").to_string())
            .collect()
    };
    let (_, v) = admin.get("/people?department=Engineering").await;
    assert_eq!(names(&v), vec!["Ana Silva", "Cara Núñez"]);
    let (_, v) = admin
        .get("/people?location=London&department=Engineering")
        .await;
    assert_eq!(names(&v), vec!["Cara Núñez"]);
    let (_, v) = admin.get("/people?function=Account%20Executive").await;
    assert_eq!(names(&v), vec!["Ben Ode"]);
    let (_, v) = admin.get("/people?q=cara").await;
    assert_eq!(names(&v), vec!["Cara Núñez"]);
    let (_, v) = admin.get("/people?q=nun").await;
    assert_eq!(
        names(&v),
        vec!["Cara Núñez"],
        "accents folded, prefix matched"
    );
    let (_, v) = admin.get("/people?q=negotiating").await;
    assert_eq!(names(&v), vec!["Ben Ode"], "search by skill, any word form");
    let (_, v) = admin.get("/people?limit=2&offset=2").await;
    assert_eq!((v["total"].as_i64(), names(&v).len()), (Some(4), 2));

    let s = app.login("admin@example.com").await;
    let page = s.get("/people?department=Sales").await;
    assert!(
        page.body.contains("1 person")
            && page.body.contains("Ben Ode")
            && !page.body.contains("Ana Silva")
    );
    assert!(
        page.body
            .contains("<option value=\"Engineering\" >Engineering (2)</option>"),
        "the department filter lists each department with its count"
    );
    let page = s.get("/people?q=%22%3B+DROP+TABLE+people%3B--").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("0 people"));
}

async fn markup_and_sql_in_names_are_escaped_and_stored_intact(b: Backend) {
    let app = crate::common::spawn(b).await;
    let name = "<script>alert('x')</script> Robert'); DROP TABLE people;--";
    let id = app
        .store
        .create_person(
            &peerlab_core::Email::parse("bobby@example.com").expect("e"),
            &peerlab_core::PersonName::parse(name).expect("n"),
            Role::Member,
            None,
            app.now(),
        )
        .await
        .expect("create");
    app.user("ana@example.com", "Ana", Role::Member).await;
    let s = app.login("ana@example.com").await;
    let page = s.get(&format!("/people/{id}")).await;
    assert!(!page.body.contains("<script>alert"), "rendered escaped");
    assert!(
        page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"),
        "{}",
        page.body
    );
    let api = app.api_as("ana@example.com").await;
    let (_, body) = api.get(&format!("/people/{id}")).await;
    assert_eq!(body["name"], name, "stored intact");
    let (_, list) = api.get("/people").await;
    assert_eq!(list["total"], 2, "the people table is still there");
}

async fn nobody_removes_someone_elses_skills_or_topics(b: Backend) {
    let app = crate::common::spawn(b).await;
    let ana = app.user("ana@example.com", "Ana", Role::Member).await;
    app.user("ben@example.com", "Ben", Role::Member).await;
    let skill = app.skill(ana, "SQL", 3).await;
    let want = app
        .store
        .add_want(ana, &peerlab_core::SkillName::parse("Coaching").expect("s"))
        .await
        .expect("want");
    let ben = app.login("ben@example.com").await;
    assert_eq!(
        ben.post(&format!("/me/skills/{skill}/delete"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ben.post(&format!("/me/wants/{want}/delete"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let api = app.api_as("ben@example.com").await;
    assert_eq!(
        api.delete(&format!("/me/skills/{skill}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.store.person_skills(ana, ana).await.expect("s").len(), 1);
    assert_eq!(app.store.wants(ana).await.expect("w").len(), 1);
}

async fn the_directory_sorts_alike_on_both_databases(b: Backend) {
    let app = crate::common::spawn(b).await;
    for (email, name) in [
        ("z@x.com", "Zoe Park"),
        ("b@x.com", "ben ode"),
        ("a2@x.com", "Álvaro Ruiz"),
        ("a@x.com", "ana Silva"),
    ] {
        app.user(email, name, Role::Member).await;
    }
    let api = app.api_as("a@x.com").await;
    let (_, v) = api.get("/people").await;
    let names: Vec<&str> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().expect("n"))
        .collect();
    assert_eq!(
        names,
        vec!["Álvaro Ruiz", "ana Silva", "ben ode", "Zoe Park"],
        "case and accents ignored"
    );
}
