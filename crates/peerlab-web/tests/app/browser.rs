//! Browser journeys in real headless Chromium (Debian's chromium and chromium-driver).

use crate::common::webdriver::Driver;
use crate::common::{Backend, PASSWORD};
use peerlab_core::space::{SpaceKind, SpaceRole, Visibility, DEFAULT_RULES};
use peerlab_core::Role;
use peerlab_store::NewSpace;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_edit_skills_and_find_who_knows() {
    let app = crate::common::spawn(Backend::Sqlite).await;
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
    browser.click(".topbar .me a.profile").await;
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

/// A marker that survives only as long as the page is not reloaded.
const MARK: &str = "window.peerlabMark = 'unchanged'; return true;";
const MARKED: &str = "return window.peerlabMark === 'unchanged';";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_answer_live_accept_and_become_an_expert() {
    let app = crate::common::spawn(Backend::Sqlite).await;
    let fay = app
        .user("fay@example.com", "Fay Facilitator", Role::Facilitator)
        .await;
    let ana = app.user("ana@example.com", "Ana Asker", Role::Member).await;
    let ben = app
        .user("ben@example.com", "Ben Answerer", Role::Member)
        .await;
    let space = app
        .store
        .create_space(
            &NewSpace {
                name: "Giving feedback".into(),
                description: "Questions, stories and what worked.".into(),
                kind: SpaceKind::Community,
                visibility: Visibility::Open,
                rules: DEFAULT_RULES.into(),
            },
            fay,
            app.now(),
        )
        .await
        .expect("space");
    for person in [ana, ben] {
        app.store
            .add_member(space, person, SpaceRole::Member, None, app.now())
            .await
            .expect("member");
    }
    app.store
        .accept_rules(space, ben, 1, app.now())
        .await
        .expect("accept");
    let space_url = format!("{}/spaces/{space}", app.base);

    // B, in a second browser, watches the space.
    let b = Driver::start().await;
    b.goto(&space_url).await;
    b.type_into("#email", "ben@example.com").await;
    b.type_into("#password", PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;
    b.wait_text("h1", "Giving feedback").await;
    b.execute(MARK).await;

    // A accepts the ground rules, then asks a question tagged with a skill.
    let a = Driver::start().await;
    a.goto(&space_url).await;
    a.type_into("#email", "ana@example.com").await;
    a.type_into("#password", PASSWORD).await;
    a.click("form[action='/login'] button[type=submit]").await;
    a.wait_text("#rules-banner", "ground rules").await;
    a.click("#rules-banner a").await;
    a.wait_text(".rules", "What is said here stays here").await;
    a.screenshot("space-rules").await;
    a.click("#accept-rules button").await;
    a.wait_text("#new-thread h2", "Start a thread").await;
    a.select("#thread-kind", "question").await;
    a.type_into("#thread-title", "How do I give feedback to my manager?")
        .await;
    a.type_into(
        "#thread-body",
        "She asked for it, but I freeze. **Any** tips?",
    )
    .await;
    a.type_into("#thread-skills", "Giving feedback").await;
    a.screenshot("space-new-question").await;
    a.click("#thread-form button[type=submit]").await;
    a.wait_text(".thread-title", "How do I give feedback to my manager?")
        .await;
    a.execute(MARK).await;

    // B sees the question appear without reloading, and answers it.
    b.wait_text("#threads", "How do I give feedback to my manager?")
        .await;
    assert_eq!(b.execute(MARKED).await, true, "B's page was not reloaded");
    b.screenshot("space-live").await;
    b.click("#threads li:first-child a.name").await;
    b.wait_text(".thread-title", "How do I give feedback to my manager?")
        .await;
    b.type_into(
        "#reply-body",
        "Ask her which meeting she wants feedback on, then use situation, behaviour, impact.",
    )
    .await;
    b.click("#reply-form button[type=submit]").await;
    b.wait_text("#posts", "situation, behaviour, impact").await;

    // A sees the answer arrive live, and accepts it.
    a.wait_text("#posts", "situation, behaviour, impact").await;
    assert_eq!(a.execute(MARKED).await, true, "A's page was not reloaded");
    a.click("#posts li:nth-child(2) button.accept").await;
    a.wait_text("#posts li:nth-child(2)", "Accepted answer")
        .await;
    a.screenshot("thread-accepted").await;

    // B's expert-finder evidence now includes the accepted answer.
    b.goto(&format!("{}/experts?q=giving+feedback", app.base))
        .await;
    let first = b
        .wait_text("#results li.expert:first-child", "Ben Answerer")
        .await;
    assert!(
        first.contains("1 accepted answer to questions on Giving feedback"),
        "{first}"
    );
    b.screenshot("experts-accepted-answer").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_coach_suggests_an_open_prompt_as_the_facilitator_types() {
    let app = crate::common::spawn(Backend::Sqlite).await;
    let fay = app
        .user("fay@example.com", "Fay Facilitator", Role::Facilitator)
        .await;
    let space = app
        .store
        .create_space(
            &NewSpace {
                name: "New managers".into(),
                description: String::new(),
                kind: SpaceKind::CohortChannel,
                visibility: Visibility::Private,
                rules: DEFAULT_RULES.into(),
            },
            fay,
            app.now(),
        )
        .await
        .expect("space");
    let browser = Driver::start().await;
    browser.goto(&format!("{}/spaces/{space}", app.base)).await;
    browser.type_into("#email", "fay@example.com").await;
    browser.type_into("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.wait_text("#new-thread h2", "Start a thread").await;
    browser.select("#thread-kind", "prompt").await;
    browser
        .type_into("#thread-title", "Watch: the difficult conversation")
        .await;
    browser
        .type_into("#thread-body", "A six-minute video for Thursday.")
        .await;
    browser
        .type_into(
            "#thread-question",
            "Was the person in the video right to act this way?",
        )
        .await;
    let advice = browser
        .wait_text(
            "#coach-live",
            "What would you have done in that situation, and why?",
        )
        .await;
    assert!(
        advice.contains("A closed question. It can be answered with yes or no."),
        "{advice}"
    );
    browser.screenshot("coach-suggestion").await;
    browser.click("#coach-live button").await;
    browser.wait_text("#coach-live", "An open question").await;
    browser.click("#thread-form button[type=submit]").await;
    let question = browser
        .wait_text(".prompt-question", "What would you have done")
        .await;
    assert!(
        question.contains("What would you have done in that situation, and why?"),
        "{question}"
    );
    browser.screenshot("prompt-posted").await;
}

/// A finished browser session leaves nothing behind: no Chromium process of its profile and
/// no profile folder (they used to outlive every run of the test command, because the
/// driver was killed without ending its WebDriver session).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_session_leaves_no_chromium_behind() {
    let app = crate::common::spawn(Backend::Sqlite).await;
    let browser = Driver::start().await;
    browser.goto(&format!("{}/login", app.base)).await;
    let profile = browser.profile();
    let needle = format!("--user-data-dir={}", profile.display());
    assert!(
        !crate::common::webdriver::processes_naming(&needle).is_empty(),
        "Chromium runs with the profile while the session is open"
    );
    assert!(profile.exists());
    drop(browser);
    assert_eq!(
        crate::common::webdriver::processes_naming(&needle),
        Vec::<u32>::new(),
        "no Chromium process of {} outlives its session",
        profile.display()
    );
    assert!(!profile.exists(), "the profile folder is removed");
}

/// An L&D admin runs a Manager Lab from the template to the check-in: starts it anchored to
/// the review cycle, enrols a department's people managers with the directory filter, is
/// refused a facilitator who manages one of them (by name) and hands the cohort to a neutral
/// one; a participant sees what is next, finds the invitation, suggests a topic and votes;
/// the facilitator closes the board into an agenda and opens check-in; the participant
/// checks in from a phone-sized window with the code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_runs_a_manager_lab_from_template_to_check_in() {
    let app = crate::common::spawn(Backend::Sqlite).await;
    for (email, name) in [
        ("nia@x.com", "Nia Noor"),
        ("sam@x.com", "Sam Soto"),
        ("lee@x.com", "Lee Lam"),
    ] {
        app.user(email, name, Role::Member).await;
    }
    let ada_api = crate::programs::company(&app).await;
    let anchor = (chrono::Utc::now() + chrono::Duration::days(40))
        .date_naive()
        .to_string();

    let admin = Driver::start().await;
    admin.goto(&format!("{}/login", app.base)).await;
    admin.type_into("#email", "ada@example.com").await;
    admin.type_into("#password", PASSWORD).await;
    admin
        .click("form[action='/login'] button[type=submit]")
        .await;
    admin.wait_text("h1", "Who knows").await;
    admin.click("nav a[href='/programs']").await;
    admin.wait_text("h1", "Programs").await;
    admin.click("a.button[href='/programs/templates']").await;
    admin
        .click("a[href='/programs/templates/manager-lab']")
        .await;
    admin.wait_text("h1", "Manager Lab").await;
    admin.type_into("#name", "Manager Lab · spring").await;
    admin.type_into("#skills", "Giving feedback").await;
    admin
        .type_into("#moment", "Performance-review cycle opens")
        .await;
    admin
        .execute(&format!(
            "document.getElementById('start-anchor').value = '{anchor}'"
        ))
        .await;
    admin.click("#start button[type=submit]").await;
    admin.wait_text(".alert.ok", "Program started").await;
    admin
        .wait_text(".program-facts", "Performance-review cycle opens")
        .await;
    admin.screenshot("program").await;

    // The cohort, first with Vic, who runs Sales.
    admin.type_into("#cohort-name", "Spring cohort").await;
    admin.type_into("#facilitator", "vic@x.com").await;
    admin
        .click("form[action$='/cohorts'] button[type=submit]")
        .await;
    admin.wait_text(".alert.ok", "Cohort added").await;
    let cohort_url = admin.url().await;
    admin.click("a.button[href$='/enrol']").await;
    admin.select("#department", "Sales").await;
    admin.select("#function", "Sales").await;
    admin.click("#managers").await;
    admin
        .click("form[action$='/enrol'] button[type=submit]")
        .await;
    let refused = admin.wait_text(".alert.error", "Vic Vance manages").await;
    assert!(
        refused.contains("Vic Vance manages Dana Diaz, who would be enrolled"),
        "{refused}"
    );
    admin.goto(&cohort_url).await;
    admin.type_into("#new-facilitator", "nia@x.com").await;
    admin
        .click("form[action$='/facilitator'] button[type=submit]")
        .await;
    admin.wait_text(".alert.ok", "new facilitator").await;
    admin.click("a.button[href$='/enrol']").await;
    admin.select("#department", "Sales").await;
    admin.select("#function", "Sales").await;
    admin.click("#managers").await;
    admin
        .click("form[action$='/enrol'] button[type=submit]")
        .await;
    admin.wait_text(".alert.ok", "3 people enrolled").await;
    admin.wait_text(".roster", "Sam Soto").await;
    admin.screenshot("cohort").await;
    let cohort = cohort_url
        .split("/cohorts/")
        .nth(1)
        .and_then(|r| r.split('?').next())
        .expect("a cohort id")
        .to_string();

    // Nia opens the board on the "Commit and pair up" session; Lee suggests a topic.
    let (_, list) = ada_api.get(&format!("/cohorts/{cohort}/sessions")).await;
    let commit = list["items"]
        .as_array()
        .expect("sessions")
        .iter()
        .find(|s| s["title"] == "Commit and pair up")
        .expect("the session")
        .clone();
    let id = commit["id"].as_i64().expect("id");
    let day_before = commit["local_start"].as_str().expect("start")[..10].to_string();
    let day_before = (chrono::NaiveDate::parse_from_str(&day_before, "%Y-%m-%d").expect("date")
        - chrono::Duration::days(1))
    .to_string();
    let nia_api = app.api_as("nia@x.com").await;
    let (st, _) = nia_api
        .post(
            &format!("/sessions/{id}/board"),
            serde_json::json!({"votes": "2", "closes_date": day_before, "closes_time": "18:00"}),
        )
        .await;
    assert_eq!(st, reqwest::StatusCode::CREATED);
    let lee_api = app.api_as("lee@x.com").await;
    let (st, _) = lee_api
        .post(
            &format!("/sessions/{id}/topics"),
            serde_json::json!({"title": "When a report cries"}),
        )
        .await;
    assert_eq!(st, reqwest::StatusCode::CREATED);

    // Sam: what's next, the invitation, a topic and a vote.
    let sam = Driver::start().await;
    sam.goto(&format!("{}/login", app.base)).await;
    sam.type_into("#email", "sam@x.com").await;
    sam.type_into("#password", PASSWORD).await;
    sam.click("form[action='/login'] button[type=submit]").await;
    sam.wait_text("h1", "Who knows").await;
    sam.goto(&format!("{}/programs", app.base)).await;
    sam.wait_text(".program-list", "Next:").await;
    sam.click(&format!("a[href='/cohorts/{cohort}']")).await;
    sam.wait_text(".next", "What’s next for you").await;
    sam.click(&format!("a[href='/sessions/{id}']")).await;
    sam.wait_text("h1", "Commit and pair up").await;
    sam.wait_text("#about-h + p, section.card", "Organised by Nia Noor")
        .await;
    sam.find(&format!("a[href='/sessions/{id}/invitation.ics']"))
        .await;
    sam.type_into("#topic-title", "Feedback to my own manager")
        .await;
    sam.click("form.suggest button[type=submit]").await;
    sam.wait_text(".alert.ok", "Topic added").await;
    sam.click(".topics li:first-child form[action$='/vote'] button")
        .await;
    sam.wait_text(".alert.ok", "Vote counted").await;
    let board = sam.wait_text("#board", "1 of 2").await;
    assert!(
        !board.contains("votes ·"),
        "counts are hidden while the board is open: {board}"
    );
    sam.screenshot("board").await;

    // Nia closes the board into an agenda and opens check-in.
    let nia = Driver::start().await;
    nia.goto(&format!("{}/login", app.base)).await;
    nia.type_into("#email", "nia@x.com").await;
    nia.type_into("#password", PASSWORD).await;
    nia.click("form[action='/login'] button[type=submit]").await;
    nia.wait_text("h1", "Who knows").await;
    nia.goto(&format!("{}/sessions/{id}", app.base)).await;
    nia.click("form[action$='/board/close'] button").await;
    let agenda = nia.wait_text("#board", "Agenda").await;
    assert!(agenda.contains("When a report cries"), "{agenda}");
    assert!(agenda.contains("1 vote"), "{agenda}");
    nia.click("form[action$='/check-in/open'] button").await;
    let code = nia.wait_text("#checkin-code", "").await;
    assert_eq!(code.trim().len(), 6, "{code}");
    nia.find(".qr svg").await;
    nia.screenshot("check-in-open").await;

    // Sam checks in on a phone.
    sam.resize(390, 844).await;
    sam.goto(&format!("{}/check-in", app.base)).await;
    sam.type_into("#code", &code.trim().to_lowercase()).await;
    sam.click("form[action='/check-in'] button[type=submit]")
        .await;
    sam.wait_text(".alert.ok", "You are checked in").await;
    let width = sam
        .execute("return document.documentElement.scrollWidth")
        .await;
    assert!(
        width.as_i64().expect("width") <= 390,
        "the page fits the phone: {width}"
    );
    sam.screenshot("checked-in-phone").await;
    let (_, roster) = nia_api.get(&format!("/sessions/{id}/attendance")).await;
    assert!(
        roster.to_string().contains("\"source\":\"check_in\""),
        "{roster}"
    );
}

/// A member chooses "replies: in my digest" on her e-mail settings, gets a reply, and the
/// morning's digest (captured by a real SMTP server) holds it; she unsubscribes with its
/// link in the browser and gets no more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_gets_replies_in_her_digest_then_unsubscribes_with_its_link() {
    use crate::outbound::{reply, space, text, thread, unsubscribe_link, SmtpSink};
    let sink = SmtpSink::start(&[]);
    let app = crate::common::spawn_with(Backend::Sqlite, Some(sink.settings())).await;
    let (space, _fay, mei, ben) = space(&app).await;
    let t = thread(&mei, space, "Pricing a renewal").await;

    let browser = Driver::start().await;
    browser.goto(&format!("{}/login", app.base)).await;
    browser.type_into("#email", "mei@x.com").await;
    browser.type_into("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.goto(&format!("{}/notifications", app.base)).await;
    browser.click("#email-settings").await;
    browser.wait_text("h1", "E-mail settings").await;
    browser
        .click(".choice label:has(input[name=replies][value=digest])")
        .await;
    browser
        .click("form#mail-settings button[type=submit]")
        .await;
    browser.wait_text(".alert.ok", "Saved.").await;
    let checked = browser
        .execute("return document.querySelector('input[name=replies][value=digest]').checked")
        .await;
    assert_eq!(
        checked,
        serde_json::json!(true),
        "the page shows what was saved"
    );
    browser.screenshot("email-settings").await;

    reply(&ben, t, "Anchor on the value they got this year.").await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(sink.count(), 0, "the reply waits for the digest");
    let day = 86_400_000;
    let now = app.now();
    app.clock
        .advance_ms((now.div_euclid(day) + 1) * day + 7 * 3_600_000 + 60_000 - now);
    let mail = sink.wait_for(1).await;
    let digest = &mail[0];
    assert_eq!(digest["headers"]["To"], "mei@x.com");
    assert!(text(digest).contains("Anchor on the value they got this year."));

    browser.goto(&unsubscribe_link(digest)).await;
    browser
        .wait_text("h1", "Stop e-mails about your digest?")
        .await;
    browser.click("#unsubscribe").await;
    browser.wait_text("h1", "You are unsubscribed").await;
    browser.screenshot("unsubscribed").await;

    reply(&ben, t, "And name the next step before you leave.").await;
    app.clock.advance_ms(day);
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(sink.count(), 1, "no more digests");
}
