//! Browser journeys in real headless Chromium (Debian's chromium and chromium-driver).

mod common;

use common::webdriver::Driver;
use common::{Backend, PASSWORD};
use peerlab_core::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_edit_skills_and_find_who_knows() {
    let app = common::spawn(Backend::Sqlite).await;
    app.user("ana@example.com", "Ana Silva", Role::Member).await;
    let ben = app.user("ben@example.com", "Ben Ode", Role::Member).await;
    let cara = app
        .user("cara@example.com", "Cara Núñez", Role::Member)
        .await;
    let dan = app.user("dan@example.com", "Dan Kim", Role::Member).await;
    let skill = app.skill(ben, "Negotiation", 4).await;
    app.skill(cara, "Negotiating", 5).await;
    for endorser in [cara, dan] {
        app.store
            .endorse(endorser, ben, skill, app.now())
            .await
            .expect("endorse");
    }

    let browser = Driver::start().await;
    browser.goto(&format!("{}/people", app.base)).await;
    assert!(
        browser.url().await.contains("/login?next=/people"),
        "sent to log in first"
    );
    browser.screenshot("login").await;
    browser.type_into("#email", "ana@example.com").await;
    browser.type_into("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.wait_text("h1", "Directory").await; // back where the person was going

    // Edit own skills on the profile page.
    browser.click(".topbar .me a").await;
    browser.wait_text("h1", "Ana Silva").await;
    browser.type_into("#new-skill", "Conflict resolution").await;
    browser.select("#new-level", "4").await;
    browser
        .click("form[action='/me/skills'].row button[type=submit]")
        .await;
    let skills = browser
        .wait_text("#skills .skills", "Conflict resolution")
        .await;
    assert!(skills.contains("4/5"), "{skills}");
    // Changing a level saves at once (the page's one script, allowed by its CSP).
    browser
        .select("li.skill[data-skill='Conflict resolution'] select", "5")
        .await;
    browser.wait_text("#skills .skills", "5/5").await;
    browser.type_into("#new-want", "Negotiation").await;
    browser
        .click("form[action='/me/wants'] button[type=submit]")
        .await;
    browser.wait_text("#wants .chips", "Negotiation").await;
    browser.screenshot("profile").await;

    // Ask who knows negotiation: Ben, with two endorsements, comes first and says why.
    browser.click(".brand").await;
    browser.wait_text(".hero h1", "Who knows what, Ana?").await;
    browser.screenshot("home").await;
    browser.type_into("#hero-q", "negotiation").await;
    browser.click(".hero button[type=submit]").await;
    let first = browser
        .wait_text("#results li.expert:first-child", "Ben Ode")
        .await;
    assert!(
        first.contains("endorsed for Negotiation by 2 colleagues (Cara Núñez, Dan Kim)"),
        "{first}"
    );
    assert!(
        first.contains("rates themselves 4/5 (advanced) in Negotiation"),
        "{first}"
    );
    let second = browser
        .wait_text("#results li.expert:nth-child(2)", "Cara")
        .await;
    assert!(
        second.contains("Cara Núñez") && second.contains("5/5 (expert) in Negotiating"),
        "{second}"
    );
    browser.screenshot("experts").await;

    // The directory filters by department without JavaScript-only controls.
    browser.goto(&format!("{}/people?q=ana", app.base)).await;
    browser.wait_text("#main", "1 person").await;
    browser.screenshot("directory").await;
}
