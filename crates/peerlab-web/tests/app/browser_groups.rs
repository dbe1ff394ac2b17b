//! The small-groups journey in real headless Chromium: a facilitator forms groups for a
//! session, swaps two people and sees the score change, confirms, and a participant opens
//! their group's space and posts the debrief.

use crate::common::webdriver::Driver;
use crate::common::{Backend, PASSWORD};
use peerlab_core::Role;
use reqwest::StatusCode;
use serde_json::json;

async fn log_in(app: &crate::common::TestApp, email: &str) -> Driver {
    let d = Driver::start().await;
    d.goto(&format!("{}/login", app.base)).await;
    d.type_into("#email", email).await;
    d.type_into("#password", PASSWORD).await;
    d.click("form[action='/login'] button[type=submit]").await;
    d.wait_text("h1", "").await;
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_facilitator_forms_swaps_and_confirms_groups_and_a_participant_debriefs() {
    let app = crate::common::spawn(Backend::Sqlite).await;
    // Nia and Sol log in with a password; the import fills in everyone's facts.
    app.user("nia@x.com", "Nia Noor", Role::Member).await;
    app.user("sol@x.com", "Sol Sun", Role::Member).await;
    app.user("ada@example.com", "Ada Admin", Role::Admin).await;
    let ada = app.api_as("ada@example.com").await;
    let (st, body) = ada
        .post_bytes(
            "/people/import",
            "text/csv",
            crate::small_groups::PEOPLE.into(),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (_, sessions) = crate::small_groups::cohort(&app, &ada, "Manager Lab").await;
    let session = sessions[0];

    let nia = log_in(&app, "nia@x.com").await;
    nia.goto(&format!("{}/sessions/{session}", app.base)).await;
    nia.click(&format!("a[href='/sessions/{session}/groups']"))
        .await;
    nia.wait_text("h1", "Small groups").await;
    nia.type_into("#size", "4").await;
    nia.type_into("#challenge", "Cut the time a new hire waits for a laptop.")
        .await;
    nia.click("form[action$='/groups/preview'] button[type=submit]")
        .await;
    nia.wait_text("h1", "Preview: 3 groups").await;
    let before = nia.wait_text("#score", "").await;

    // Swap the first person listed with someone of another group (not Mo with Rae's group,
    // which the page would refuse).
    let picked = nia
        .execute(
            "const opts = [...document.querySelectorAll('#swap-a option')];\
             const group = o => o.textContent.match(/group (\\d+)/)[1];\
             const ok = o => !/Mo Moss|Rae Ray/.test(o.textContent);\
             const a = opts.find(ok);\
             const b = opts.find(o => ok(o) && group(o) !== group(a));\
             document.getElementById('swap-a').value = a.value;\
             document.getElementById('swap-b').value = b.value;\
             return [a.textContent, b.textContent];",
        )
        .await;
    nia.click("form[aria-labelledby='swap-h'] button[type=submit]")
        .await;
    let said = nia.wait_text(".alert.ok", "Diversity score").await;
    let after = nia.wait_text("#score", "").await;
    assert!(
        said.contains(&format!("{before} → {after}")),
        "{said} (before {before}, after {after}; swapped {picked})"
    );
    nia.screenshot("groups-preview").await;
    nia.click("form[action$='/groups'] button[type=submit]")
        .await;
    nia.wait_text(".alert.ok", "Groups formed").await;
    nia.screenshot("groups-formed").await;

    // Sol opens their group's space, then posts the group's approach in the debrief.
    let (_, about) = app
        .api_as("sol@x.com")
        .await
        .get(&format!("/sessions/{session}"))
        .await;
    let channel = about["space_id"].as_i64().expect("channel");
    let (st, _) = app
        .api_as("sol@x.com")
        .await
        .post(
            &format!("/spaces/{channel}/rules/acceptance"),
            json!({"version": 1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let sol = log_in(&app, "sol@x.com").await;
    sol.goto(&format!("{}/sessions/{session}/groups", app.base))
        .await;
    sol.wait_text(".group.mine h2", "Your group").await;
    sol.click(".group.mine a.button").await;
    sol.wait_text("main", "Your group's challenge").await;
    sol.goto(&format!("{}/sessions/{session}/groups", app.base))
        .await;
    sol.click("a[href^='/threads/']").await;
    sol.wait_text("main", "Debrief: ").await;
    sol.type_into("#reply-body", "We will pre-order laptops at offer time.")
        .await;
    sol.click("#reply-form button[type=submit]").await;
    sol.wait_text("main", "We will pre-order laptops at offer time.")
        .await;
}
