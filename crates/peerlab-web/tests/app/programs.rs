//! Cohort programs: the template catalogue and a template's schedule for an anchor date.

use crate::common::{check, Backend, TestApp};
use peerlab_core::Role;
use reqwest::StatusCode;

crate::backend_tests! {
    facilitators_browse_templates_and_see_their_dates,
    members_and_bad_anchors_are_refused_with_the_reason,
    the_api_gives_templates_and_schedules,
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
    assert!(home.body.contains(r#"href="/programs/templates""#));
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
