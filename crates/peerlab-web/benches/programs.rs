//! Cohort programs at scale: the program and cohort pages of a 300-person cohort with 12
//! sessions, moving the business moment of a program of 5 cohorts × 300 people, and 300
//! participants checking in to a session at once.
//!
//! Run with `cargo bench -p peerlab-web --bench programs`; set `PEERLAB_BENCH_PG` to a
//! PostgreSQL admin URL (`. scripts/deps.sh; ensure_postgres`, then
//! `PEERLAB_BENCH_PG=$PEERLAB_TEST_PG`) to measure PostgreSQL too, in a database created for
//! the run and dropped after it. `PEERLAB_BENCH_KEEP=1` keeps the databases.
//!
//! The data is written with the store: a demo company imported with `apply_import`, a
//! facilitator and an admin who manage nobody, and two Manager Lab programs anchored 40 days
//! ahead. Program A has one cohort of 300 with the template's 4 sessions and 8 more scheduled
//! with `ops::sessions::schedule_for_cohort` (12 in all); program B has 5 cohorts of 300, each
//! with the template's 4 sessions.
//!
//! What is timed:
//! - pages: `GET /programs/{id}` and `GET /cohorts/{id}` of program A (and `GET /programs/{id}`
//!   of program B), each the whole server work in-process through `peerlab_web::router`
//!   (routing, session, queries, template, body read to its end; no socket), for an admin,
//!   interleaved, after a warm-up; the target is p50 ≤ 10 ms. Then the cohort page's three
//!   largest store queries (`enrolments`, `cohort_sessions`) each timed alone, and `facets`, which
//!   only the enrolment page (`/cohorts/{id}/enrol`) counts;
//! - moment move: `ops::sessions::move_moment` of program B, alternately 7 days later and back
//!   again; each move rewrites every session's times and writes one updated invitation
//!   (`calendar_messages`) per session and participant, in one transaction. The rows written
//!   are counted with `program_message_count` before and after, and checked against
//!   sessions × participants;
//! - check-in: check-in opened with `ops::sessions::open_checkin` on a session of program A,
//!   then its 300 participants each send `POST /check-in` (their own session cookie and CSRF
//!   token, the code) through the router at once, from 300 tokio tasks released together on
//!   two worker threads; the latency of each request (to its 303) and the wall time until the
//!   last one answered. Afterwards the bench asserts that the session's attendance holds each
//!   of the 300 exactly once, as present by check-in, and that a second check-in is refused
//!   and records nothing. Repeated on three sessions; then, as a baseline, the same 300
//!   check-ins one after another on a fourth session (a check-in's own cost, without the
//!   queue).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::NaiveDate;
use peerlab_core::demo::company;
use peerlab_core::import::ImportPlan;
use peerlab_core::program::{self, Attendance, Template};
use peerlab_core::{space, Email, PersonName, Role};
use peerlab_store::{
    CohortId, Create, Location, NewCohort, NewProgram, PersonId, PostInput, ProgramId, Store,
};
use peerlab_web::kit::session::{User, SESSION_COOKIE};
use peerlab_web::programs::ops::sessions::{self, SessionForm};
use peerlab_web::{AppState, Clock, WebConfig};
use rand::SeedableRng;
use sqlx::Connection;
use tower::ServiceExt;

const PUBLIC_URL: &str = "http://127.0.0.1:8080";
/// Participants of each cohort.
const COHORT_SIZE: usize = 300;
/// Cohorts of the program whose moment moves.
const MOVE_COHORTS: usize = 5;
/// Sessions of program A's cohort: the template's four and eight more.
const SESSIONS: usize = 12;
const RENDERS: usize = 300;
const WARM_UP: usize = 20;
/// Runs of each of the cohort page's store queries, timed alone.
const PART_RUNS: usize = 100;
const MOVES: usize = 6;
const MOVE_DAYS: u64 = 7;
const CHECKIN_ROUNDS: usize = 3;
const TARGET_P50_MS: f64 = 10.0;

// ---- Reporting -----------------------------------------------------------------------------

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    ms(sorted[i])
}

/// One line of the table.
struct Line {
    backend: String,
    measure: String,
    n: usize,
    p50: f64,
    p99: f64,
    max: f64,
    note: String,
}

#[derive(Default)]
struct Table(Vec<Line>);

impl Table {
    fn samples(&mut self, backend: &str, measure: &str, mut samples: Vec<Duration>, note: String) {
        assert!(!samples.is_empty(), "{measure}: no samples");
        samples.sort();
        let line = Line {
            backend: backend.into(),
            measure: measure.into(),
            n: samples.len(),
            p50: percentile(&samples, 0.50),
            p99: percentile(&samples, 0.99),
            max: percentile(&samples, 1.0),
            note,
        };
        println!("{}", row(&line));
        self.0.push(line);
    }

    fn print(&self) {
        println!();
        println!("{}", header());
        println!("{}", "-".repeat(header().chars().count()));
        for line in &self.0 {
            println!("{}", row(line));
        }
    }
}

fn header() -> String {
    format!(
        "{:<8} {:<50} {:>5} {:>10} {:>10} {:>10}  {}",
        "backend", "measure", "n", "p50 ms", "p99 ms", "max ms", "notes"
    )
}

fn row(l: &Line) -> String {
    format!(
        "{:<8} {:<50} {:>5} {:>10.3} {:>10.3} {:>10.3}  {}",
        l.backend, l.measure, l.n, l.p50, l.p99, l.max, l.note
    )
}

fn now() -> i64 {
    Clock::System.now_ms()
}

// ---- Databases -----------------------------------------------------------------------------

/// A fresh database, removed by [`Db::remove`].
struct Db {
    location: Location,
    dir: Option<PathBuf>,
    /// Admin URL and database name of a PostgreSQL database.
    pg: Option<(String, String)>,
}

async fn fresh(backend: &str, tag: &str) -> Option<Db> {
    match backend {
        "sqlite" => {
            let dir =
                std::env::temp_dir().join(format!("peerlab-bench-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("dir");
            Some(Db {
                location: Location::in_data_dir(&dir),
                dir: Some(dir),
                pg: None,
            })
        }
        _ => {
            let admin = std::env::var("PEERLAB_BENCH_PG").ok()?;
            let name = format!("peerlab_bench_{tag}_{}", std::process::id());
            let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect");
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            sqlx::query(&drop).execute(&mut conn).await.expect("drop");
            let create = format!("CREATE DATABASE {name}");
            sqlx::query(&create)
                .execute(&mut conn)
                .await
                .expect("create");
            Some(Db {
                location: Location::Postgres(format!(
                    "{}/{name}",
                    admin.rsplit_once('/').expect("url").0
                )),
                dir: None,
                pg: Some((admin, name)),
            })
        }
    }
}

impl Db {
    async fn remove(self, store: Store) {
        store.close().await;
        if std::env::var("PEERLAB_BENCH_KEEP").is_ok() {
            match (&self.dir, &self.pg) {
                (Some(dir), _) => println!("  kept {}", dir.display()),
                (_, Some((_, name))) => println!("  kept PostgreSQL database {name}"),
                _ => {}
            }
            return;
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin, name)) = &self.pg {
            if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                let _ = sqlx::query(&sql).execute(&mut conn).await;
            }
        }
    }
}

// ---- Data ----------------------------------------------------------------------------------

/// A signed-in browser: its session cookie and the session's CSRF token.
struct Login {
    cookie: String,
    csrf: String,
    token_hash: String,
}

async fn login(store: &Store, person: PersonId) -> Login {
    let token = peerlab_web::new_secret();
    let csrf = peerlab_web::new_secret();
    let token_hash = peerlab_web::sha256_hex(&token);
    store
        .create_session(&token_hash, person, &csrf, now(), now() + 14 * 86_400_000)
        .await
        .expect("session");
    Login {
        cookie: format!("{SESSION_COOKIE}={token}"),
        csrf,
        token_hash,
    }
}

/// The signed-in person behind a login, as the operations take them.
async fn user(store: &Store, login: &Login) -> User {
    User(
        store
            .session_user(&login.token_hash, now())
            .await
            .expect("session user")
            .expect("signed in"),
    )
}

async fn lone_person(store: &Store, email: &str, name: &str, role: Role) -> PersonId {
    store
        .create_person(
            &Email::parse(email).expect("email"),
            &PersonName::parse(name).expect("name"),
            role,
            None,
            now(),
        )
        .await
        .expect("person")
}

/// The introductions post a new cohort's facilitator opens (as `ops::add_cohort` prepares it).
fn intro() -> PostInput {
    let (body_html, search_text) = space::rendered(
        program::INTRODUCTIONS_TITLE,
        program::INTRODUCTIONS_BODY,
        &|_| None,
    );
    PostInput {
        body: space::Body::parse(program::INTRODUCTIONS_BODY).expect("body"),
        body_html,
        search_text,
        mentions: Vec::new(),
    }
}

fn manager_lab() -> Template {
    program::shipped()
        .into_iter()
        .find(|t| t.key == "manager-lab")
        .expect("the Manager Lab template")
}

async fn new_program(store: &Store, name: &str, anchor: NaiveDate, admin: PersonId) -> ProgramId {
    store
        .create_program(
            &NewProgram {
                name: name.into(),
                purpose: "People managers practise giving feedback that lands, in time for the review cycle.".into(),
                template: manager_lab(),
                moment: "Performance-review cycle opens".into(),
                anchor,
                skills: Vec::new(),
            },
            admin,
            now(),
        )
        .await
        .expect("program")
}

/// A cohort with the template's sessions, built as `peerlab demo` builds its cohorts.
async fn new_cohort(
    store: &Store,
    program_id: ProgramId,
    anchor: NaiveDate,
    facilitator: PersonId,
    name: &str,
) -> CohortId {
    let london = chrono_tz::Europe::London;
    let template = manager_lab();
    let channel = format!("Manager Lab · {name}");
    store
        .create_cohort(
            &NewCohort {
                program_id,
                name: name.into(),
                facilitator,
                shift_days: 0,
                capacity: None,
                self_enrol: false,
                channel_description: format!(
                    "The channel of the {channel} cohort: introductions, prompts and what we learn between sessions."
                ),
                channel_name: channel,
                rules: space::DEFAULT_RULES.into(),
                intro_title: space::Title::parse(program::INTRODUCTIONS_TITLE).expect("title"),
                intro_question: program::INTRODUCTIONS_QUESTION.into(),
                intro: intro(),
                time_zone: london.name().into(),
                sessions: sessions::plan(&template, anchor, london)
                    .into_iter()
                    .map(|(stage, mut details)| {
                        details.place = "https://meet.example.com/manager-lab".into();
                        (sessions::new_uid(PUBLIC_URL), stage, details)
                    })
                    .collect(),
            },
            now(),
        )
        .await
        .expect("cohort")
}

async fn enrol(store: &Store, cohort: CohortId, people: &[PersonId], facilitator: PersonId) {
    let report = store
        .enrol(cohort, people, Some(facilitator), now())
        .await
        .expect("enrol");
    assert_eq!(report.enrolled.len(), people.len(), "everyone is enrolled");
}

/// Eight more sessions, two in each stage on the days after the template's session, through
/// the same operation as the cohort page's form.
async fn eight_more(state: &AppState, admin: &User, cohort: CohortId) {
    let planned = state.store.cohort_sessions(cohort).await.expect("sessions");
    assert_eq!(
        planned.len(),
        4,
        "the Manager Lab template plans 4 sessions"
    );
    for s in &planned {
        let day = program::parse_local(&s.local_start)
            .expect("local start")
            .date();
        for k in 1..=2u64 {
            let date = day + chrono::Days::new(k);
            let form = SessionForm {
                title: format!("{} · follow-up {k}", s.title),
                mode: "virtual".into(),
                place: "https://meet.example.com/manager-lab".into(),
                prework: String::new(),
                date: date.to_string(),
                starts: "15:00".into(),
                ends: "16:00".into(),
                end_date: String::new(),
                time_zone: s.time_zone.clone(),
                capacity: String::new(),
            };
            sessions::schedule_for_cohort(state, admin, cohort, &form)
                .await
                .unwrap_or_else(|e| panic!("schedule {}: {}", form.title, e.message));
        }
    }
    let n = state
        .store
        .cohort_sessions(cohort)
        .await
        .expect("sessions")
        .len();
    assert_eq!(n, SESSIONS);
}

// ---- Measures ------------------------------------------------------------------------------

async fn get(app: &axum::Router, path: &str, cookie: &str) -> (Duration, usize) {
    let request = Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("request");
    let t = Instant::now();
    let response = app.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let took = t.elapsed();
    assert_eq!(status, StatusCode::OK, "GET {path}");
    (took, body.len())
}

fn target(samples: &[Duration]) -> String {
    let mut s = samples.to_vec();
    s.sort();
    let p50 = percentile(&s, 0.5);
    if p50 <= TARGET_P50_MS {
        format!("target p50 <= {TARGET_P50_MS} ms: met")
    } else {
        format!("target p50 <= {TARGET_P50_MS} ms: MISSED")
    }
}

/// `POST /check-in` for one participant; the latency and the response status.
async fn check_in(
    app: axum::Router,
    login: Arc<Login>,
    code: Arc<String>,
) -> (Duration, StatusCode, String) {
    let body = format!("csrf={}&code={}", login.csrf, code);
    let request = Request::post("/check-in")
        .header(header::COOKIE, login.cookie.as_str())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .expect("request");
    let t = Instant::now();
    let response = app.oneshot(request).await.expect("response");
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (t.elapsed(), status, location)
}

async fn run(backend: &str, table: &mut Table) {
    let Some(db) = fresh(backend, "programs").await else {
        println!("{backend}: not measured (set PEERLAB_BENCH_PG to a PostgreSQL admin URL)");
        return;
    };
    let store = Store::open(&db.location, Create::IfMissing)
        .await
        .expect("open");
    let state = AppState::new(
        store.clone(),
        Clock::System,
        WebConfig {
            public_url: PUBLIC_URL.into(),
            mail: None,
        },
    );
    let app = peerlab_web::router(state.clone());

    // People: a company with its management chains, and an admin and a facilitator outside
    // them, who manage nobody.
    let building = Instant::now();
    let wanted = COHORT_SIZE * (1 + MOVE_COHORTS);
    let demo = company(&mut rand::rngs::StdRng::seed_from_u64(2026), wanted + 20);
    assert!(demo.people.len() >= wanted, "the company is large enough");
    let emails: Vec<Email> = demo.people.iter().map(|p| p.email.clone()).collect();
    store
        .apply_import(
            &ImportPlan {
                people: demo.people,
            },
            now(),
            &|_| {},
        )
        .await
        .expect("import");
    let mut people = Vec::with_capacity(wanted);
    for email in emails.iter().take(wanted) {
        people.push(
            store
                .person_by_email(email)
                .await
                .expect("person")
                .expect("imported")
                .id,
        );
    }
    let admin = lone_person(
        &store,
        "bench-admin@bench.example",
        "Ada Admin",
        Role::Admin,
    )
    .await;
    let facilitator = lone_person(
        &store,
        "bench-facilitator@bench.example",
        "Fran Facilitator",
        Role::Facilitator,
    )
    .await;
    let admin_login = login(&store, admin).await;
    let admin_user = user(&store, &admin_login).await;

    let today = chrono::DateTime::from_timestamp_millis(now())
        .expect("now")
        .date_naive();
    let anchor = today + chrono::Days::new(40);

    // Program A: one cohort of 300 with 12 sessions.
    let program_a = new_program(&store, "Manager Lab · pages", anchor, admin).await;
    let cohort_a = new_cohort(&store, program_a, anchor, facilitator, "Autumn cohort").await;
    let participants_a = &people[..COHORT_SIZE];
    enrol(&store, cohort_a, participants_a, facilitator).await;
    eight_more(&state, &admin_user, cohort_a).await;

    // Program B: 5 cohorts of 300, each with the template's 4 sessions.
    let program_b = new_program(&store, "Manager Lab · company-wide", anchor, admin).await;
    let mut b_sessions = 0;
    for (i, group) in people[COHORT_SIZE..].chunks(COHORT_SIZE).enumerate() {
        let c = new_cohort(
            &store,
            program_b,
            anchor,
            facilitator,
            &format!("Wave {}", i + 1),
        )
        .await;
        enrol(&store, c, group, facilitator).await;
        b_sessions += store.cohort_sessions(c).await.expect("sessions").len();
    }
    println!(
        "{backend}: {} people imported; program A: 1 cohort x {COHORT_SIZE} people, {SESSIONS} sessions; \
         program B: {MOVE_COHORTS} cohorts x {COHORT_SIZE} people, {b_sessions} sessions; built in {:.1} s",
        store.count_people().await.expect("count"),
        building.elapsed().as_secs_f64()
    );

    // 1. The program and cohort pages, interleaved.
    let program_path = format!("/programs/{program_a}");
    let cohort_path = format!("/cohorts/{cohort_a}");
    let program_b_path = format!("/programs/{program_b}");
    let (mut program_times, mut cohort_times, mut program_b_times) = (
        Vec::with_capacity(RENDERS),
        Vec::with_capacity(RENDERS),
        Vec::with_capacity(RENDERS),
    );
    let (mut program_bytes, mut cohort_bytes, mut program_b_bytes) = (0, 0, 0);
    for i in 0..RENDERS + WARM_UP {
        let (p, pb) = get(&app, &program_path, &admin_login.cookie).await;
        let (c, cb) = get(&app, &cohort_path, &admin_login.cookie).await;
        let (b, bb) = get(&app, &program_b_path, &admin_login.cookie).await;
        (program_bytes, cohort_bytes, program_b_bytes) = (pb, cb, bb);
        if i >= WARM_UP {
            program_times.push(p);
            cohort_times.push(c);
            program_b_times.push(b);
        }
    }
    let note = target(&program_times);
    table.samples(
        backend,
        "GET /programs/{id} (1 cohort x 300, in-process)",
        program_times,
        format!("{} kB; {note}", program_bytes / 1024),
    );
    let note = target(&cohort_times);
    table.samples(
        backend,
        "GET /cohorts/{id} (300 people, 12 sessions)",
        cohort_times,
        format!("{} kB; {note}", cohort_bytes / 1024),
    );
    let note = target(&program_b_times);
    table.samples(
        backend,
        "GET /programs/{id} (5 cohorts x 300, in-process)",
        program_b_times,
        format!("{} kB; {note}", program_b_bytes / 1024),
    );

    // The cohort page's big store queries, one by one, to see where its time goes, and the
    // directory's facets, which only the enrolment page counts.
    let (mut enrolments, mut facets, mut cohort_sessions_t) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..PART_RUNS + WARM_UP {
        let t = Instant::now();
        let e = store.enrolments(cohort_a).await.expect("enrolments");
        let e_took = t.elapsed();
        assert_eq!(e.len(), COHORT_SIZE);
        let t = Instant::now();
        store.facets().await.expect("facets");
        let f_took = t.elapsed();
        let t = Instant::now();
        let c = store.cohort_sessions(cohort_a).await.expect("sessions");
        let c_took = t.elapsed();
        assert_eq!(c.len(), SESSIONS);
        if i >= WARM_UP {
            enrolments.push(e_took);
            facets.push(f_took);
            cohort_sessions_t.push(c_took);
        }
    }
    table.samples(
        backend,
        "  cohort page part: store.enrolments (300)",
        enrolments,
        String::new(),
    );
    table.samples(
        backend,
        "  enrol page part: store.facets (directory)",
        facets,
        String::new(),
    );
    table.samples(
        backend,
        "  cohort page part: store.cohort_sessions (12)",
        cohort_sessions_t,
        String::new(),
    );

    // 2. Moving program B's moment, later and back again.
    let mut move_times = Vec::with_capacity(MOVES);
    let mut rows = Vec::with_capacity(MOVES);
    let expected_rows = (b_sessions * COHORT_SIZE) as i64;
    for i in 0..MOVES {
        let program = store
            .program(program_b)
            .await
            .expect("program")
            .expect("found");
        let to = if i % 2 == 0 {
            program.anchor + chrono::Days::new(MOVE_DAYS)
        } else {
            program.anchor - chrono::Days::new(MOVE_DAYS)
        };
        let before = store.program_message_count(program_b).await.expect("count");
        let t = Instant::now();
        sessions::move_moment(&state, &program, to)
            .await
            .unwrap_or_else(|e| panic!("move: {}", e.message));
        move_times.push(t.elapsed());
        let after = store.program_message_count(program_b).await.expect("count");
        assert_eq!(
            after - before,
            expected_rows,
            "one updated invitation per session and participant"
        );
        rows.push(after - before);
        let moved = store
            .program(program_b)
            .await
            .expect("program")
            .expect("found");
        assert_eq!(moved.anchor, to);
    }
    let total: Duration = move_times.iter().sum();
    let mean_ms = ms(total) / MOVES as f64;
    let per_row_us = mean_ms * 1000.0 / expected_rows as f64;
    table.samples(
        backend,
        "move_moment (5 cohorts x 300, 1 tx)",
        move_times,
        format!(
            "{} invitation rows written per move ({b_sessions} sessions x {COHORT_SIZE}); mean {mean_ms:.1} ms per move, {per_row_us:.1} us per row; {MOVES} moves total {:.0} ms",
            rows[0],
            ms(total)
        ),
    );

    // 3. Check-in: the 300 participants of program A's cohort at once.
    let mut logins = Vec::with_capacity(COHORT_SIZE);
    for &p in participants_a {
        logins.push(Arc::new(login(&store, p).await));
    }
    let facilitator_login = login(&store, facilitator).await;
    let facilitator_user = user(&store, &facilitator_login).await;
    let cohort_sessions = store.cohort_sessions(cohort_a).await.expect("sessions");
    let expected: HashSet<PersonId> = participants_a.iter().copied().collect();
    let mut all_latencies = Vec::with_capacity(COHORT_SIZE * CHECKIN_ROUNDS);
    for (round, s) in cohort_sessions.iter().take(CHECKIN_ROUNDS).enumerate() {
        let (code, _until) = sessions::open_checkin(&state, &facilitator_user, s.id)
            .await
            .unwrap_or_else(|e| panic!("open check-in: {}", e.message));
        let code = Arc::new(code);
        let barrier = Arc::new(tokio::sync::Barrier::new(COHORT_SIZE + 1));
        let mut tasks = Vec::with_capacity(COHORT_SIZE);
        for l in &logins {
            let (app, l, code, barrier) = (app.clone(), l.clone(), code.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                check_in(app, l, code).await
            }));
        }
        barrier.wait().await;
        let started = Instant::now();
        let mut latencies = Vec::with_capacity(COHORT_SIZE);
        let done = format!("/sessions/{}?done=checked-in", s.id);
        for task in tasks {
            let (took, status, location) = task.await.expect("task");
            assert_eq!(status, StatusCode::SEE_OTHER, "a check-in succeeds");
            assert_eq!(location, done);
            latencies.push(took);
        }
        let wall = started.elapsed();

        // Every participant recorded exactly once, present, by check-in.
        let attendance = store.attendance(s.id).await.expect("attendance");
        assert_eq!(
            attendance.len(),
            COHORT_SIZE,
            "one attendance row per participant"
        );
        let recorded: HashSet<PersonId> = attendance.iter().map(|a| a.person_id).collect();
        assert_eq!(recorded, expected, "each participant recorded exactly once");
        assert!(attendance
            .iter()
            .all(|a| a.status == Attendance::Present && a.source == "check_in"));
        // A second check-in is refused and records nothing.
        for l in logins.iter().take(5) {
            let (_, status, _) = check_in(app.clone(), l.clone(), code.clone()).await;
            assert_ne!(
                status,
                StatusCode::SEE_OTHER,
                "a second check-in is refused"
            );
        }
        assert_eq!(
            store.attendance(s.id).await.expect("attendance").len(),
            COHORT_SIZE
        );

        let mut sorted = latencies.clone();
        sorted.sort();
        table.samples(
            backend,
            &format!("POST /check-in, 300 at once (round {})", round + 1),
            latencies.clone(),
            format!(
                "wall {:.0} ms for all 300; {:.0} check-ins/s; attendance {} = 300, each once",
                ms(wall),
                COHORT_SIZE as f64 / wall.as_secs_f64(),
                attendance.len()
            ),
        );
        all_latencies.extend(latencies);
    }
    table.samples(
        backend,
        &format!("POST /check-in, all {CHECKIN_ROUNDS} rounds at once"),
        all_latencies,
        String::new(),
    );

    // The same, one participant after another on the next session: a check-in's own cost,
    // without the queue of the concurrent rounds.
    let s = &cohort_sessions[CHECKIN_ROUNDS];
    let (code, _until) = sessions::open_checkin(&state, &facilitator_user, s.id)
        .await
        .unwrap_or_else(|e| panic!("open check-in: {}", e.message));
    let code = Arc::new(code);
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(COHORT_SIZE);
    for l in &logins {
        let (took, status, _) = check_in(app.clone(), l.clone(), code.clone()).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "a check-in succeeds");
        latencies.push(took);
    }
    let wall = started.elapsed();
    let attendance = store.attendance(s.id).await.expect("attendance");
    let recorded: HashSet<PersonId> = attendance.iter().map(|a| a.person_id).collect();
    assert_eq!(attendance.len(), COHORT_SIZE);
    assert_eq!(recorded, expected, "each participant recorded exactly once");
    table.samples(
        backend,
        "POST /check-in, 300 one at a time (baseline)",
        latencies,
        format!("wall {:.0} ms for all 300", ms(wall)),
    );

    db.remove(store).await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let started = Instant::now();
    rt.block_on(async {
        let mut table = Table::default();
        for backend in ["sqlite", "postgres"] {
            run(backend, &mut table).await;
        }
        table.print();
    });
    println!("\nbench took {:.0} s", started.elapsed().as_secs_f64());
}
