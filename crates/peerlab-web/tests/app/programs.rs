//! Cohort programs: the template catalogue and a template's schedule for an anchor date.

use crate::common::{check, Backend, TestApp};
use peerlab_core::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

crate::backend_tests! {
    facilitators_browse_templates_and_see_their_dates,
    members_and_bad_anchors_are_refused_with_the_reason,
    the_api_gives_templates_and_schedules,
    programs_start_from_a_template_and_refuse_bad_input,
    a_facilitator_never_manages_anyone_in_their_cohort,
    capacity_fills_a_waiting_list_that_moves_up,
    the_pages_start_a_program_and_run_a_cohort,
    a_template_is_copied_and_edited_as_checked_data,
}

/// A small company: Vic runs Sales through Dana, who manages Sam and Lee; Sam manages Ria;
/// Erin manages Eli in Engineering; Nia in People manages nobody.
const COMPANY: &str = "name,email,department,function,manager_email,skills\n\
    Vic Vance,vic@x.com,Sales,Leadership,,\n\
    Dana Diaz,dana@x.com,Sales,Sales,vic@x.com,Giving feedback:4\n\
    Sam Soto,sam@x.com,Sales,Sales,dana@x.com,\n\
    Lee Lam,lee@x.com,Sales,Sales,dana@x.com,\n\
    Ria Roy,ria@x.com,Sales,Sales,sam@x.com,\n\
    Lia Lo,lia@x.com,Sales,Sales,lee@x.com,\n\
    Erin Ek,erin@x.com,Engineering,Engineering,,\n\
    Eli Eng,eli@x.com,Engineering,Engineering,erin@x.com,\n\
    Nia Noor,nia@x.com,People,People,,\n";

pub(crate) async fn company(app: &TestApp) -> crate::common::Api {
    app.user("ada@example.com", "Ada Admin", Role::Admin).await;
    let ada = app.api_as("ada@example.com").await;
    let (st, body) = ada
        .post_bytes("/people/import", "text/csv", COMPANY.into())
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    ada
}

pub(crate) async fn person(app: &TestApp, email: &str) -> i64 {
    app.store
        .person_by_email(&peerlab_core::Email::parse(email).expect("email"))
        .await
        .expect("store")
        .expect("person")
        .id
        .get()
}

pub(crate) fn lab(name: &str) -> Value {
    json!({
        "template": "manager-lab",
        "name": name,
        "purpose": "Give feedback that lands, before the review cycle.",
        "skills": ["Giving feedback"],
        "moment": "Performance-review cycle opens",
        "anchor": "2027-03-01",
    })
}

async fn programs_start_from_a_template_and_refuse_bad_input(b: Backend) {
    let app = crate::common::spawn(b).await;
    let ada = company(&app).await;
    app.user("max@example.com", "Max Member", Role::Member)
        .await;

    let refusals = [
        (json!({"template": "nope"}), "template"),
        (
            json!({"skills": ["Underwater basket weaving"]}),
            "no skill called",
        ),
        (json!({"anchor": "2027-02-30"}), "YYYY-MM-DD"),
        (json!({"anchor": ""}), "anchor: is required"),
        (json!({"name": "x"}), "at least 3"),
        (json!({"moment": ""}), "moment"),
        (json!({"name": "n".repeat(101)}), "at most 100"),
    ];
    for (change, needle) in refusals {
        let mut body = lab("Manager Lab · spring");
        for (k, v) in change.as_object().expect("an object") {
            body[k] = v.clone();
        }
        let answer = ada.post("/programs", body).await;
        check(
            (answer.0, &answer.1),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        );
        let message = answer.1["message"].as_str().expect("a message");
        assert!(message.contains(needle), "{needle}: {message}");
    }
    let mut unknown = lab("Manager Lab");
    unknown["colour"] = json!("blue");
    assert_eq!(
        ada.post("/programs", unknown).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let max = app.api_as("max@example.com").await;
    let answer = max.post("/programs", lab("Mine")).await;
    check((answer.0, &answer.1), StatusCode::FORBIDDEN, "forbidden");
    let (_, list) = ada.get("/programs").await;
    assert_eq!(list["items"], json!([]), "nothing refused was written");

    let (st, made) = ada.post("/programs", lab("Manager Lab · spring")).await;
    assert_eq!(st, StatusCode::CREATED, "{made}");
    let id = made["id"].as_i64().expect("an id");
    let (st, program) = ada.get(&format!("/programs/{id}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(program["program"]["template"]["key"], "manager-lab");
    assert_eq!(program["program"]["skills"], json!(["Giving feedback"]));
    assert_eq!(program["program"]["anchor"], "2027-03-01");
    assert_eq!(program["schedule"][0]["starts"], "2027-02-01");

    // Moving the moment moves every stage.
    let (st, _) = ada
        .put(
            &format!("/programs/{id}/anchor"),
            json!({"anchor": "2027-03-08"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, moved) = ada.get(&format!("/programs/{id}")).await;
    assert_eq!(moved["schedule"][0]["starts"], "2027-02-08");
    let answer = max
        .put(
            &format!("/programs/{id}/anchor"),
            json!({"anchor": "2027-04-01"}),
        )
        .await;
    check((answer.0, &answer.1), StatusCode::FORBIDDEN, "forbidden");
    let answer = max.get(&format!("/programs/{id}")).await;
    check((answer.0, &answer.1), StatusCode::NOT_FOUND, "not_found");
}

async fn a_facilitator_never_manages_anyone_in_their_cohort(b: Backend) {
    let app = crate::common::spawn(b).await;
    let ada = company(&app).await;
    let (_, made) = ada.post("/programs", lab("Manager Lab")).await;
    let program = made["id"].as_i64().expect("an id");

    let answer = ada
        .post(
            &format!("/programs/{program}/cohorts"),
            json!({"name": "Spring", "facilitator": "ghost@x.com"}),
        )
        .await;
    check(
        (answer.0, &answer.1),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert!(answer.1["message"]
        .as_str()
        .expect("message")
        .contains("ghost@x.com"));

    let (st, made) = ada
        .post(
            &format!("/programs/{program}/cohorts"),
            json!({"name": "Spring", "facilitator": "dana@x.com"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{made}");
    let cohort = made["id"].as_i64().expect("an id");
    let answer = ada
        .post(
            &format!("/programs/{program}/cohorts"),
            json!({"name": "Spring", "facilitator": "nia@x.com"}),
        )
        .await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");

    // All people managers in Sales include Dana herself, who facilitates.
    let sales_managers = json!({"filter": {"department": "Sales", "managers": true}});
    let enrol = format!("/cohorts/{cohort}/enrolments");
    let answer = ada.post(&enrol, sales_managers.clone()).await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");
    assert!(answer.1["message"]
        .as_str()
        .expect("message")
        .contains("Dana Diaz facilitates this cohort"));

    // A facilitator who manages someone already enrolled is refused, naming the conflict.
    let (st, _) = ada
        .put(
            &format!("/cohorts/{cohort}/facilitator"),
            json!({"facilitator": "nia@x.com"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, done) = ada.post(&enrol, sales_managers).await;
    assert_eq!(st, StatusCode::OK, "{done}");
    assert_eq!(
        done,
        json!({"enrolled": 4, "waiting": 0, "already": 0}),
        "Vic, Dana, Sam and Lee"
    );
    let answer = ada.post(&enrol, json!({"emails": ["sam@x.com"]})).await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");
    assert!(answer.1["message"]
        .as_str()
        .expect("message")
        .contains("already in this cohort"));

    let answer = ada
        .put(
            &format!("/cohorts/{cohort}/facilitator"),
            json!({"facilitator": "dana@x.com"}),
        )
        .await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");
    assert!(answer.1["message"]
        .as_str()
        .expect("message")
        .contains("Dana Diaz is a participant"));
    let vic = person(&app, "vic@x.com").await;
    let dana = person(&app, "dana@x.com").await;
    let (st, _) = ada
        .delete(&format!("/cohorts/{cohort}/enrolments/{vic}"))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = ada
        .delete(&format!("/cohorts/{cohort}/enrolments/{dana}"))
        .await;
    assert_eq!(st, StatusCode::OK);
    // Vic now manages Sam and Lee two levels up.
    let answer = ada
        .put(
            &format!("/cohorts/{cohort}/facilitator"),
            json!({"facilitator": "vic@x.com"}),
        )
        .await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");
    assert_eq!(
        answer.1["message"],
        "Vic Vance manages Lee Lam (2 levels up the management chain), who is enrolled"
    );
    let answer = ada
        .put(
            &format!("/cohorts/{cohort}/facilitator"),
            json!({"facilitator": "dana@x.com"}),
        )
        .await;
    assert_eq!(
        answer.1["message"],
        "Dana Diaz manages Lee Lam, who is enrolled"
    );
    let (_, c) = ada.get(&format!("/cohorts/{cohort}")).await;
    assert_eq!(
        c["cohort"]["facilitator_name"], "Nia Noor",
        "refused changes wrote nothing"
    );

    // The check runs again when someone is enrolled later: Erin may facilitate, but then
    // her report Eli cannot join, and neither can anyone enrolled with him.
    let (st, _) = ada
        .put(
            &format!("/cohorts/{cohort}/facilitator"),
            json!({"facilitator": "erin@x.com"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let answer = ada
        .post(&enrol, json!({"emails": ["ria@x.com", "eli@x.com"]}))
        .await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");
    assert!(answer.1["message"]
        .as_str()
        .expect("message")
        .starts_with("Erin Ek manages Eli Eng, who would be enrolled"));
    let (_, list) = ada.get(&enrol).await;
    let names: Vec<(&str, &str)> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            (
                e["name"].as_str().expect("name"),
                e["state"].as_str().expect("state"),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("Lee Lam", "enrolled"),
            ("Sam Soto", "enrolled"),
            ("Dana Diaz", "removed"),
            ("Vic Vance", "removed")
        ],
        "Ria was not enrolled with Eli; removed people keep their history"
    );

    // The cohort channel: private, Erin facilitates it, Nia has left it, and it opens with
    // the introductions prompt.
    let space = c["cohort"]["space_id"].as_i64().expect("a space");
    let (_, members) = ada.get(&format!("/spaces/{space}/members")).await;
    let roles: Vec<(String, String)> = members["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            (
                m["name"].as_str().expect("name").to_string(),
                m["role"].as_str().expect("role").to_string(),
            )
        })
        .collect();
    assert!(
        roles.contains(&("Erin Ek".into(), "facilitator".into())),
        "{roles:?}"
    );
    assert!(
        roles.contains(&("Sam Soto".into(), "member".into())),
        "{roles:?}"
    );
    assert!(
        !roles
            .iter()
            .any(|(n, _)| n == "Nia Noor" || n == "Vic Vance"),
        "{roles:?}"
    );
    let sam = app.api_as("sam@x.com").await;
    let (st, threads) = sam.get(&format!("/spaces/{space}/threads")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(threads.to_string().contains("Introductions"), "{threads}");
    let ria = app.api_as("ria@x.com").await;
    assert_eq!(
        ria.get(&format!("/spaces/{space}/threads")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ria.get(&format!("/cohorts/{cohort}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ria.get(&format!("/programs/{program}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (st, mine) = sam.get(&format!("/programs/{program}")).await;
    assert_eq!(st, StatusCode::OK, "a participant sees the program");
    assert_eq!(mine["cohorts"][0]["enrolled"], 2);
    let answer = sam.post(&enrol, json!({"emails": ["ria@x.com"]})).await;
    check((answer.0, &answer.1), StatusCode::FORBIDDEN, "forbidden");
}

async fn capacity_fills_a_waiting_list_that_moves_up(b: Backend) {
    let app = crate::common::spawn(b).await;
    let ada = company(&app).await;
    let (_, made) = ada.post("/programs", lab("Manager Lab")).await;
    let program = made["id"].as_i64().expect("an id");
    let (st, made) = ada
        .post(
            &format!("/programs/{program}/cohorts"),
            json!({"name": "Open", "facilitator": "nia@x.com", "capacity": 2, "self_enrol": true, "starts": "2027-09-06"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{made}");
    let open = made["id"].as_i64().expect("an id");
    let (_, made) = ada
        .post(
            &format!("/programs/{program}/cohorts"),
            json!({"name": "Closed", "facilitator": "nia@x.com"}),
        )
        .await;
    let closed = made["id"].as_i64().expect("an id");
    let answer = ada
        .post(
            &format!("/programs/{program}/cohorts"),
            json!({"name": "Huge", "facilitator": "nia@x.com", "capacity": 0}),
        )
        .await;
    check(
        (answer.0, &answer.1),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );

    let (_, c) = ada.get(&format!("/cohorts/{open}")).await;
    assert_eq!(
        c["anchor"], "2027-09-06",
        "the autumn cohort runs its own dates"
    );
    assert_eq!(c["schedule"][0]["starts"], "2027-08-09");

    let mut states = Vec::new();
    for who in ["sam@x.com", "lee@x.com", "ria@x.com", "lia@x.com"] {
        let api = app.api_as(who).await;
        let (st, body) = api.post(&format!("/cohorts/{open}/join"), json!({})).await;
        assert_eq!(st, StatusCode::OK, "{body}");
        states.push(body["state"].as_str().expect("state").to_string());
    }
    assert_eq!(states, ["enrolled", "enrolled", "waiting", "waiting"]);
    let ria = app.api_as("ria@x.com").await;
    let answer = ria.post(&format!("/cohorts/{open}/join"), json!({})).await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");
    let answer = ria
        .post(&format!("/cohorts/{closed}/join"), json!({}))
        .await;
    assert_eq!(
        answer.0,
        StatusCode::NOT_FOUND,
        "a closed cohort is not shown to outsiders"
    );
    let (st, _) = ria.get(&format!("/programs/{program}")).await;
    assert_eq!(st, StatusCode::OK, "an open cohort shows its program");

    // Sam leaves: Ria, first on the waiting list, moves up and into the channel.
    let sam = app.api_as("sam@x.com").await;
    let sam_id = person(&app, "sam@x.com").await;
    let (st, left) = sam
        .delete(&format!("/cohorts/{open}/enrolments/{sam_id}"))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        left["promoted"].as_i64(),
        Some(person(&app, "ria@x.com").await)
    );
    let (_, c) = ria.get(&format!("/cohorts/{open}")).await;
    assert_eq!(c["my_state"], "enrolled");
    let space = c["cohort"]["space_id"].as_i64().expect("space");
    assert_eq!(
        ria.get(&format!("/spaces/{space}/threads")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        sam.get(&format!("/spaces/{space}/threads")).await.0,
        StatusCode::NOT_FOUND
    );
    // Lia may not remove Lee; removing someone twice finds nothing.
    let lee = person(&app, "lee@x.com").await;
    let lia = app.api_as("lia@x.com").await;
    let answer = lia
        .delete(&format!("/cohorts/{open}/enrolments/{lee}"))
        .await;
    check((answer.0, &answer.1), StatusCode::FORBIDDEN, "forbidden");
    let answer = sam
        .delete(&format!("/cohorts/{open}/enrolments/{sam_id}"))
        .await;
    check((answer.0, &answer.1), StatusCode::NOT_FOUND, "not_found");
    // Participants see names but not e-mails.
    let (_, list) = lia.get(&format!("/cohorts/{open}/enrolments")).await;
    assert!(list["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|e| e["email"] == ""));
    assert!(
        !list.to_string().contains("Sam Soto"),
        "removed people are for facilitators"
    );
}

async fn people(app: &TestApp) {
    app.user("fay@example.com", "Fay Facilitator", Role::Facilitator)
        .await;
    app.user("max@example.com", "Max Member", Role::Member)
        .await;
}

async fn facilitators_browse_templates_and_see_their_dates(b: Backend) {
    let app = crate::common::spawn(b).await;
    people(&app).await;
    let s = app.login("fay@example.com").await;

    let home = s.get("/").await;
    assert!(home.body.contains(r#"href="/programs""#));
    let list = s.get("/programs/templates").await;
    assert_eq!(list.status, StatusCode::OK);
    for name in [
        "Slack&#39;s three stages",
        "Manager Lab",
        "Learning Loop",
        "Custom",
    ] {
        assert!(list.body.contains(name), "{name} missing");
    }

    // Without an anchor the page gives offsets; with one, dates.
    let lab = s.get("/programs/templates/manager-lab").await;
    assert_eq!(lab.status, StatusCode::OK);
    assert!(lab.body.contains("28 days before, for 7 days"));
    assert!(lab.body.contains("Who are you, and what challenge"));
    let dated = s
        .get("/programs/templates/manager-lab?anchor=2027-03-01")
        .await;
    assert_eq!(dated.status, StatusCode::OK);
    assert!(dated.body.contains("Mon 1 Feb 2027 – Sun 7 Feb 2027"));
    assert!(dated.body.contains("Thu 25 Feb 2027 – Sun 14 Mar 2027"));
    // Moving the anchor by a week moves the first stage by a week.
    let later = s
        .get("/programs/templates/manager-lab?anchor=2027-03-08")
        .await;
    assert!(later.body.contains("Mon 8 Feb 2027 – Sun 14 Feb 2027"));
}

async fn members_and_bad_anchors_are_refused_with_the_reason(b: Backend) {
    let app = crate::common::spawn(b).await;
    people(&app).await;
    let member = app.login("max@example.com").await;
    assert!(!member.get("/").await.body.contains("/programs/templates"));
    for path in ["/programs/templates", "/programs/templates/manager-lab"] {
        let page = member.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page
            .body
            .contains("Only a facilitator or an admin may do this"));
    }

    let fay = app.login("fay@example.com").await;
    let missing = fay.get("/programs/templates/no-such-template").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    for anchor in ["2027-02-30", "next+monday", "2027-3"] {
        let page = fay
            .get(&format!("/programs/templates/manager-lab?anchor={anchor}"))
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{anchor}");
        assert!(page.body.contains("write it as YYYY-MM-DD"), "{anchor}");
    }

    let anonymous = app.browser().get("/programs/templates").await;
    assert_eq!(
        anonymous.location.as_deref(),
        Some("/login?next=/programs/templates")
    );
}

async fn the_api_gives_templates_and_schedules(b: Backend) {
    let app = crate::common::spawn(b).await;
    people(&app).await;
    let fay = app.api_as("fay@example.com").await;
    let (status, list) = fay.get("/program-templates").await;
    assert_eq!(status, StatusCode::OK);
    let keys: Vec<&str> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|t| t["key"].as_str().expect("a key"))
        .collect();
    assert_eq!(
        keys,
        [
            "slack-three-stages",
            "manager-lab",
            "learning-loop",
            "custom"
        ]
    );
    assert_eq!(list[1]["stages"][3]["name"], "Motivation");

    let (status, lab) = fay
        .get("/program-templates/manager-lab?anchor=2027-03-01")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(lab["template"]["name"], "Manager Lab");
    assert_eq!(lab["schedule"][0]["starts"], "2027-02-01");
    assert_eq!(lab["schedule"][0]["activities"][2], "2027-02-03");
    let (_, undated) = fay.get("/program-templates/manager-lab").await;
    assert!(undated.get("schedule").is_none());

    let answer = fay
        .get("/program-templates/manager-lab?anchor=2027-02-30")
        .await;
    check(
        (answer.0, &answer.1),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert!(answer.1["message"]
        .as_str()
        .expect("a message")
        .contains("YYYY-MM-DD"));
    let answer = fay.get("/program-templates/nope").await;
    check((answer.0, &answer.1), StatusCode::NOT_FOUND, "not_found");

    let max = app.api_as("max@example.com").await;
    let answer = max.get("/program-templates").await;
    check((answer.0, &answer.1), StatusCode::FORBIDDEN, "forbidden");
    let answer = app.api(None).get("/program-templates").await;
    assert_eq!(answer.0, StatusCode::UNAUTHORIZED);
}

async fn the_pages_start_a_program_and_run_a_cohort(b: Backend) {
    let app = crate::common::spawn(b).await;
    // Logins first; the import then places them in the company.
    app.user("nia@x.com", "Nia Noor", Role::Member).await;
    app.user("sam@x.com", "Sam Soto", Role::Member).await;
    app.user("ria@x.com", "Ria Roy", Role::Member).await;
    company(&app).await;
    let ada = app.login("ada@example.com").await;

    let list = ada.get("/programs").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("No program yet"));
    assert!(list.body.contains(r#"href="/programs/templates""#));

    let form = ada
        .get("/programs/templates/manager-lab?anchor=2027-03-01")
        .await;
    assert!(form.body.contains(r#"action="/programs""#));
    assert!(
        form.body.contains(r#"value="2027-03-01""#),
        "the anchor carries into the form"
    );
    let fields = |name: &'static str, skills: &'static str| {
        vec![
            ("template", "manager-lab"),
            ("name", name),
            ("purpose", "Feedback that lands."),
            ("skills", skills),
            ("moment", "Performance-review cycle opens"),
            ("anchor", "2027-03-01"),
        ]
    };
    let refused = ada
        .post("/programs", &fields("Manager Lab", "Juggling"))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("Skills: the directory has no skill called &#34;Juggling&#34;"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains(r#"value="Manager Lab""#),
        "what was typed stays"
    );
    let started = ada
        .post("/programs", &fields("Manager Lab", "Giving feedback"))
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let at = started.location.expect("a redirect");
    assert!(at.ends_with("?done=started"), "{at}");
    let page = ada.get(&at).await;
    assert!(page.body.contains("Program started."));
    assert!(page
        .body
        .contains("Performance-review cycle opens: <strong>Mon 1 Mar 2027</strong>"));
    assert!(page.body.contains("Mon 1 Feb 2027 – Sun 7 Feb 2027"));
    let program = at
        .trim_start_matches("/programs/")
        .trim_end_matches("?done=started")
        .to_string();

    let added = ada
        .post(
            &format!("/programs/{program}/cohorts"),
            &[
                ("name", "Spring"),
                ("facilitator", "dana@x.com"),
                ("capacity", "10"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let cohort_at = added.location.expect("a redirect");
    let cohort = ada.get(&cohort_at).await;
    assert!(cohort
        .body
        .contains("Cohort added, with its private channel"));
    let cohort_path = cohort_at.trim_end_matches("?done=cohort").to_string();

    // The directory filter enrols Sales's people managers, but Dana facilitates: refused,
    // by name, and the page keeps the filter.
    let enrol = format!("{cohort_path}/enrol");
    let refused = ada
        .post(&enrol, &[("department", "Sales"), ("managers", "on")])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("Dana Diaz facilitates this cohort"));
    assert!(refused.body.contains(r#"<option value="Sales" selected>"#));
    let handed = ada
        .post(
            &format!("{cohort_path}/facilitator"),
            &[("facilitator", "nia@x.com")],
        )
        .await;
    assert_eq!(handed.status, StatusCode::SEE_OTHER);
    let done = ada
        .post(
            &enrol,
            &[
                ("department", "Sales"),
                ("managers", "on"),
                ("emails", "ria@x.com"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = ada.get(&done.location.expect("a redirect")).await;
    assert!(page.body.contains("5 people enrolled."), "{}", page.body);
    let refused = ada
        .post(
            &format!("{cohort_path}/facilitator"),
            &[("facilitator", "sam@x.com")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused
        .body
        .contains("Sam Soto is a participant of this cohort"));
    let refused = ada
        .post(
            &format!("{cohort_path}/facilitator"),
            &[("facilitator", "lee@x.com")],
        )
        .await;
    assert!(
        refused.body.contains("Lee Lam is a participant"),
        "Lee came in with the filter"
    );
    let refused = ada
        .post(
            &format!("{cohort_path}/facilitator"),
            &[("facilitator", "vic@x.com")],
        )
        .await;
    assert!(refused.body.contains("Vic Vance is a participant"));

    // Sam, a participant, sees what is next, the cohort's people and its channel, and
    // cannot enrol anyone; Ria leaves and is back on the programs page, told so.
    let sam = app.login("sam@x.com").await;
    let mine = sam.get("/programs").await;
    assert!(mine.body.contains("Your cohorts"));
    assert!(mine.body.contains("Manager Lab · Spring"));
    let page = sam.get(&cohort_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("What’s next for you"));
    assert!(page.body.contains("Ria Roy"));
    assert!(page.body.contains("Cohort channel"));
    assert!(!page.body.contains("Enrol people"));
    let refused = sam.post(&enrol, &[("emails", "eli@x.com")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let ria = app.login("ria@x.com").await;
    let ria_id = person(&app, "ria@x.com").await;
    let left = ria
        .post(&format!("{cohort_path}/people/{ria_id}/remove"), &[])
        .await;
    assert_eq!(left.location.as_deref(), Some("/programs?done=left"));
    assert!(ria
        .get("/programs?done=left")
        .await
        .body
        .contains("You left the cohort."));
    assert_eq!(ria.get(&cohort_path).await.status, StatusCode::NOT_FOUND);
    let outsider = app.login("nia@x.com").await;
    assert_eq!(
        outsider.get(&cohort_path).await.status,
        StatusCode::OK,
        "Nia facilitates it"
    );
}

async fn a_template_is_copied_and_edited_as_checked_data(b: Backend) {
    let app = crate::common::spawn(b).await;
    let ada = company(&app).await;
    app.user("max@example.com", "Max Member", Role::Member)
        .await;
    let max = app.api_as("max@example.com").await;
    let answer = max
        .post(
            "/program-templates/manager-lab/copy",
            json!({"name": "Mine"}),
        )
        .await;
    check((answer.0, &answer.1), StatusCode::FORBIDDEN, "forbidden");

    let (st, copy) = ada
        .post(
            "/program-templates/manager-lab/copy",
            json!({"name": "Manager Lab · Sales"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{copy}");
    assert_eq!(copy["key"], "manager-lab-sales");
    let answer = ada
        .post(
            "/program-templates/manager-lab/copy",
            json!({"name": "Manager Lab · Sales"}),
        )
        .await;
    check((answer.0, &answer.1), StatusCode::CONFLICT, "conflict");
    let (_, list) = ada.get("/program-templates").await;
    assert_eq!(
        list.as_array().expect("list").len(),
        5,
        "the copy joins the catalogue"
    );

    // A program started before the edit keeps its copy.
    let mut body = lab("Before the edit");
    body["template"] = json!("manager-lab-sales");
    let (_, before) = ada.post("/programs", body.clone()).await;

    let answer = ada
        .put("/program-templates/manager-lab", copy.clone())
        .await;
    check((answer.0, &answer.1), StatusCode::FORBIDDEN, "forbidden");
    let mut bad = copy.clone();
    bad["stages"][1]["start_day"] = json!(-27);
    let answer = ada.put("/program-templates/manager-lab-sales", bad).await;
    check(
        (answer.0, &answer.1),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert!(
        answer.1["details"]["at"]
            .as_str()
            .expect("at")
            .starts_with("stages[1]"),
        "{}",
        answer.1
    );
    let mut bad = copy.clone();
    bad["stages"][0]["activities"][2]["minutes"] = Value::Null;
    let answer = ada.put("/program-templates/manager-lab-sales", bad).await;
    assert!(
        answer.1["message"]
            .as_str()
            .expect("message")
            .contains("stages[0].activities[2]"),
        "{}",
        answer.1
    );
    let mut renamed = copy.clone();
    renamed["key"] = json!("something-else");
    let answer = ada
        .put("/program-templates/manager-lab-sales", renamed)
        .await;
    check(
        (answer.0, &answer.1),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );

    let mut edited = copy.clone();
    edited["stages"][0]["name"] = json!("Attention: see it done");
    let (st, saved) = ada
        .put("/program-templates/manager-lab-sales", edited)
        .await;
    assert_eq!(st, StatusCode::OK, "{saved}");
    let (_, after) = ada.post("/programs", body).await;
    let (_, old) = ada.get(&format!("/programs/{}", before["id"])).await;
    let (_, new) = ada.get(&format!("/programs/{}", after["id"])).await;
    assert_eq!(old["program"]["template"]["stages"][0]["name"], "Attention");
    assert_eq!(
        new["program"]["template"]["stages"][0]["name"],
        "Attention: see it done"
    );

    // The pages: the copy's page has the editor, a shipped one does not.
    let page = app.login("ada@example.com").await;
    assert!(page
        .get("/programs/templates/manager-lab-sales")
        .await
        .body
        .contains(r#"id="edit""#));
    assert!(!page
        .get("/programs/templates/manager-lab")
        .await
        .body
        .contains(r#"id="edit""#));
    let refused = page
        .post(
            "/programs/templates/manager-lab-sales",
            &[("json", "{ not json")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("line 1 column"),
        "the error says where"
    );
    assert!(refused.body.contains("{ not json"), "what was typed stays");
}
