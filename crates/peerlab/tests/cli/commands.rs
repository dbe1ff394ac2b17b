//! The `peerlab` command line, run as a real process: bad database locations, the demo, and
//! the scripting commands working beside a running server, on SQLite and PostgreSQL.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection;

fn peerlab() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_peerlab"));
    c.env_remove("PEERLAB_DATA_DIR")
        .env_remove("PEERLAB_DATABASE_URL")
        .env("PEERLAB_LOG", "warn");
    c
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "peerlab-cli-{tag}-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64 % 1_000_000_007)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that the command failed, printed nothing on stdout, and said `needle` on stderr.
fn assert_fails_with(o: &Output, needle: &str) {
    assert!(
        !o.status.success(),
        "expected a failure mentioning {needle:?}"
    );
    assert!(
        o.stdout.is_empty(),
        "no output on error: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(
        stderr(o).contains(needle),
        "expected {needle:?} in: {}",
        stderr(o)
    );
}

/// A server process that is killed when the test ends.
struct Server {
    child: Child,
    base: String,
    stdout: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `peerlab <command> <db args>` and waits until it says it is ready.
fn start(command: &str, db: &[String]) -> Server {
    let port = free_port();
    let mut child = peerlab()
        .arg(command)
        .args(db)
        .args(["--port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start peerlab");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut stdout = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(
            Instant::now() < deadline,
            "peerlab did not become ready: {stdout:?}"
        );
        match lines.next() {
            Some(Ok(line)) => {
                let ready = line.starts_with("Press Ctrl+C");
                stdout.push(line);
                if ready {
                    break;
                }
            }
            _ => panic!("peerlab exited before it was ready: {stdout:?}"),
        }
    }
    Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        stdout,
    }
}

async fn pg_database() -> String {
    let admin =
        std::env::var("PEERLAB_TEST_PG").expect("PEERLAB_TEST_PG is not set: run ./scripts/test");
    let name = format!("peerlab_cli_{}_{}", std::process::id(), rand_suffix());
    let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect");
    let sql = format!("CREATE DATABASE {name}");
    sqlx::query(&sql)
        .execute(&mut conn)
        .await
        .expect("create database");
    format!("{}/{name}", admin.rsplit_once('/').expect("url").0)
}

#[test]
fn a_mistyped_sqlite_path_is_an_error_not_a_new_database() {
    let o = peerlab()
        .args([
            "serve",
            "--database-url",
            "sqlite:///no/such/dir/peerlab.db",
        ])
        .output()
        .expect("run");
    assert_fails_with(
        &o,
        "the directory /no/such/dir of SQLite database /no/such/dir/peerlab.db does not exist",
    );
    assert!(!std::path::Path::new("/no/such/dir").exists());

    let o = peerlab()
        .args(["serve", "--data-dir", "/no/such/parent/data"])
        .output()
        .expect("run");
    assert_fails_with(&o, "cannot create the data directory /no/such/parent/data");
}

#[test]
fn an_unknown_url_scheme_is_an_error() {
    let o = peerlab()
        .args(["serve", "--database-url", "mysql://root@localhost/peerlab"])
        .output()
        .expect("run");
    assert_fails_with(&o, "unknown database URL scheme 'mysql'");
}

#[test]
fn admin_commands_refuse_a_database_that_does_not_exist() {
    let dir = temp_dir("missing");
    let o = peerlab()
        .args(["token", "create", "--email", "a@example.com", "--data-dir"])
        .arg(dir.join("typo"))
        .output()
        .expect("run");
    assert_fails_with(&o, "there is no peerlab database at");
    assert!(!dir.join("typo").exists(), "nothing was created");
    let o = peerlab()
        .args([
            "user",
            "add",
            "--email",
            "not-an-email",
            "--name",
            "X",
            "--data-dir",
        ])
        .arg(&dir)
        .output()
        .expect("run");
    assert_fails_with(&o, "email: must look like name@example.com");
    let _ = std::fs::remove_dir_all(dir);
}

async fn scripting_beside_a_running_server(db: Vec<String>) {
    let server = start("serve", &db);
    let mut add = peerlab()
        .args([
            "user",
            "add",
            "--email",
            "lead@example.com",
            "--name",
            "L&D Lead",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .args(&db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("user add");
    add.stdin
        .take()
        .expect("stdin")
        .write_all(b"a good long password\n")
        .expect("write");
    let o = add.wait_with_output().expect("wait");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "added lead@example.com as admin"
    );

    let o = peerlab()
        .args([
            "user",
            "add",
            "--email",
            "new@example.com",
            "--name",
            "Newcomer",
        ])
        .args(&db)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let link = out.lines().last().expect("link");
    assert!(link.starts_with("http://127.0.0.1:8080/invite/"), "{out}");
    let again = peerlab()
        .args([
            "user",
            "add",
            "--email",
            "new@example.com",
            "--name",
            "Twice",
        ])
        .args(&db)
        .output()
        .expect("run");
    assert_fails_with(
        &again,
        "a person with e-mail new@example.com already exists",
    );

    let o = peerlab()
        .args(["token", "create", "--email", "lead@example.com"])
        .args(&db)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8(o.stdout).expect("utf8");
    assert_eq!(stdout.lines().count(), 1, "the token alone: {stdout:?}");
    let token = stdout.trim();
    let me: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/me", server.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET /me")
        .json()
        .await
        .expect("json");
    assert_eq!(
        (me["email"].as_str(), me["role"].as_str()),
        (Some("lead@example.com"), Some("admin"))
    );
    let o = peerlab()
        .args(["token", "create", "--email", "ghost@example.com"])
        .args(&db)
        .output()
        .expect("run");
    assert_fails_with(&o, "nobody with e-mail ghost@example.com");
    // The command line keeps the pages' and the API's rule for token names.
    let long = "x".repeat(81);
    for bad in ["   ", long.as_str(), "tab\there"] {
        let o = peerlab()
            .args([
                "token",
                "create",
                "--email",
                "lead@example.com",
                "--name",
                bad,
            ])
            .args(&db)
            .output()
            .expect("run");
        assert_fails_with(&o, "--name: give the token a name of 1 to 80 characters");
    }
    let o = peerlab()
        .args([
            "lrs",
            "credential",
            "create",
            "--name",
            " ",
            "--scopes",
            "all",
        ])
        .args(&db)
        .output()
        .expect("run");
    assert_fails_with(&o, "--name: give a name of 1 to 100 characters");
}

#[tokio::test]
async fn scripting_beside_a_running_server_on_sqlite() {
    let dir = temp_dir("script");
    scripting_beside_a_running_server(vec!["--data-dir".into(), dir.display().to_string()]).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn scripting_beside_a_running_server_on_postgres() {
    let url = pg_database().await;
    scripting_beside_a_running_server(vec!["--database-url".into(), url]).await;
}

async fn the_demo_company_is_created_once(db: Vec<String>) {
    let server = start("demo", &db);
    assert!(
        server
            .stdout
            .iter()
            .any(|l| l.starts_with("Creating the demo company (320 people)")),
        "{:?}",
        server.stdout
    );
    for role in [
        "admin        priya.raman@example.com",
        "facilitator  tomas.okafor@example.com",
        "member       mia.chen@example.com",
    ] {
        assert!(
            server.stdout.iter().any(|l| l.contains(role)),
            "{role} missing from {:?}",
            server.stdout
        );
    }
    let o = peerlab()
        .args(["token", "create", "--email", "priya.raman@example.com"])
        .args(&db)
        .output()
        .expect("run");
    let token = String::from_utf8(o.stdout)
        .expect("utf8")
        .trim()
        .to_string();
    let client = reqwest::Client::new();
    let get = |path: &str| {
        client
            .get(format!("{}/api/v1{path}", server.base))
            .bearer_auth(&token)
            .send()
    };
    let people: serde_json::Value = get("/people?limit=1")
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(people["total"], 320);
    let experts: serde_json::Value = get("/experts?skill=negotiation")
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert!(
        experts.as_array().expect("array").len() >= 5,
        "the demo has negotiators: {experts}"
    );
    drop(server);

    let again = start("demo", &db);
    assert!(
        !again.stdout.iter().any(|l| l.starts_with("Creating")),
        "created once: {:?}",
        again.stdout
    );
    let people: serde_json::Value = client
        .get(format!("{}/api/v1/people?limit=1", again.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(people["total"], 320);
}

#[tokio::test]
async fn the_demo_company_is_created_once_on_sqlite() {
    let dir = temp_dir("demo");
    the_demo_company_is_created_once(vec![
        "--data-dir".into(),
        dir.join("data").display().to_string(),
    ])
    .await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_demo_company_is_created_once_on_postgres() {
    let url = pg_database().await;
    the_demo_company_is_created_once(vec!["--database-url".into(), url]).await;
}

#[test]
fn bench_matching_prints_the_weight_and_writes_the_pairs() {
    let dir = temp_dir("matching");
    // A path 0-1-2-3 whose middle edge is heaviest alone but lighter than the two ends.
    std::fs::write(dir.join("g.txt"), "0 1 5\n1 2 8\n2 3 5\n\n").expect("write");
    let o = peerlab()
        .args(["bench", "matching"])
        .arg(dir.join("g.txt"))
        .arg("--solution")
        .arg(dir.join("pairs.txt"))
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "10");
    assert_eq!(
        std::fs::read_to_string(dir.join("pairs.txt")).expect("pairs"),
        "0 1\n2 3\n"
    );

    std::fs::write(dir.join("bad.txt"), "0 1 5\n1 two 8\n").expect("write");
    let o = peerlab()
        .args(["bench", "matching"])
        .arg(dir.join("bad.txt"))
        .output()
        .expect("run");
    assert_fails_with(&o, "line 2: expected `u v w`");
    let _ = std::fs::remove_dir_all(dir);
}

fn mdgp_dir() -> std::path::PathBuf {
    // The small instances kept with the grouping tests (copied from ../shared/bench/mdgp).
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../peerlab-match/tests/fixtures/mdgp");
    assert!(
        dir.is_dir(),
        "the MDGP benchmark is missing at {}",
        dir.display()
    );
    dir
}

#[test]
fn bench_mdgp_finds_the_proven_optimum_and_writes_solutions() {
    let bench = mdgp_dir();
    let out = temp_dir("mdgp");
    let o = peerlab()
        .args([
            "bench",
            "mdgp",
            "--seconds",
            "0.3",
            "--seed",
            "7",
            "--solutions",
        ])
        .arg(&out)
        .arg(bench.join("instances/RanInt_n012_ss_01.txt"))
        .arg(bench.join("instances/Geo_n010_ds_01.txt"))
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let optimum = |name: &str| -> f64 {
        let table =
            std::fs::read_to_string(bench.join("exact_small.csv")).expect("exact_small.csv");
        let row = table
            .lines()
            .find(|l| l.starts_with(&format!("{name},")))
            .expect("instance listed");
        row.rsplit(',')
            .next()
            .expect("optimum")
            .parse()
            .expect("number")
    };
    let lines: Vec<(&str, f64)> = stdout
        .lines()
        .map(|l| {
            let (name, value) = l.split_once(' ').expect("NAME OBJECTIVE");
            (name, value.parse().expect("objective"))
        })
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    for (name, value) in &lines {
        assert!(
            (value - optimum(name)).abs() < 1e-3,
            "{name}: {value} vs {}",
            optimum(name)
        );
    }
    let groups = std::fs::read_to_string(out.join("RanInt_n012_ss_01.txt")).expect("solution file");
    assert_eq!(groups.lines().count(), 12, "one group index per element");
    assert!(
        groups
            .lines()
            .all(|g| g.parse::<usize>().is_ok_and(|g| g < 4)),
        "{groups}"
    );

    std::fs::write(out.join("bad.txt"), "3 2 ss 2 2 1 1\n0 1 5\n").expect("write");
    let o = peerlab()
        .args(["bench", "mdgp"])
        .arg(out.join("bad.txt"))
        .output()
        .expect("run");
    assert_fails_with(&o, "bad.txt");
    let _ = std::fs::remove_dir_all(out);
}

// Twelve people in four departments and two functions; M1 manages the two R's, N1 blocks N2.
const COHORT: &str =
    "name,email,department,function,manager_email,block,time_zone,skills,wants_to_learn\n\
    M1,m1@x.com,Sales,Sales,,,Europe/Lisbon,Negotiation:5,\n\
    R1,r1@x.com,Sales,Sales,m1@x.com,,Europe/Lisbon,,Negotiation\n\
    R2,r2@x.com,Sales,Finance,m1@x.com,,Europe/Lisbon,,\n\
    N1,n1@x.com,Legal,Finance,,n2@x.com,America/New_York,,\n\
    N2,n2@x.com,Legal,Sales,,,America/New_York,SQL:3,\n\
    L3,l3@x.com,Legal,Finance,,,America/New_York,,SQL\n\
    E1,e1@x.com,Engineering,Sales,,,Asia/Tokyo,,\n\
    E2,e2@x.com,Engineering,Finance,,,Asia/Tokyo,,\n\
    E3,e3@x.com,Engineering,Sales,,,Asia/Tokyo,,\n\
    P1,p1@x.com,People,Finance,,,Europe/Berlin,,\n\
    P2,p2@x.com,People,Sales,,,Europe/Berlin,,\n\
    P3,p3@x.com,People,Finance,,,Europe/Berlin,,\n";

/// Parses a roster: (date, round, group, email, role, reasons) per row, after checking the
/// header.
fn roster(bytes: &[u8]) -> Vec<[String; 6]> {
    let mut r = csv::Reader::from_reader(bytes);
    assert_eq!(
        r.headers().expect("header"),
        vec!["date", "round", "group", "email", "name", "role", "reasons"]
    );
    r.records()
        .map(|row| {
            let row = row.expect("row");
            [0, 1, 2, 3, 5, 6].map(|k| row[k].to_string())
        })
        .collect()
}

// Who shares a group with whom, per (round, group).
fn together(rows: &[[String; 6]]) -> std::collections::HashMap<(String, String), Vec<String>> {
    let mut groups: std::collections::HashMap<(String, String), Vec<String>> = Default::default();
    for r in rows {
        groups
            .entry((r[1].clone(), r[2].clone()))
            .or_default()
            .push(r[3].clone());
    }
    groups
}

#[test]
fn groups_writes_a_roster_and_a_report_and_reads_it_back_as_history() {
    let dir = temp_dir("groups");
    std::fs::write(dir.join("people.csv"), COHORT).expect("write");
    let run = |extra: &[&str]| {
        peerlab()
            .arg("groups")
            .arg(dir.join("people.csv"))
            .args(["--size", "3-4", "--iterations", "300", "--seed", "5"])
            .args(["--role", "buyer=Finance", "--role", "seller=Sales"])
            .args(extra)
            .output()
            .expect("run")
    };
    let o = run(&["--date", "2026-03-02"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = roster(&o.stdout);
    assert_eq!(rows.len(), 12, "everyone once");
    // Every member's row says why they are in their group.
    assert!(rows.iter().all(|r| !r[5].is_empty()), "{rows:?}");
    let groups = together(&rows);
    assert_eq!(groups.len(), 3, "12 people in groups of at most 4");
    for members in groups.values() {
        assert!((3..=4).contains(&members.len()), "{members:?}");
        let has = |e: &str| members.iter().any(|m| m == e);
        assert!(
            !(has("m1@x.com") && (has("r1@x.com") || has("r2@x.com"))),
            "manager with report"
        );
        assert!(!(has("n1@x.com") && has("n2@x.com")), "a block was ignored");
    }
    for r in &rows {
        assert_eq!(r[0], "2026-03-02");
        let function = COHORT.lines().find(|l| l.contains(&r[3])).expect("person");
        match r[4].as_str() {
            "buyer" => assert!(function.contains(",Sales,"), "{r:?}"),
            "seller" => assert!(function.contains(",Finance,"), "{r:?}"),
            _ => {}
        }
    }
    let report = stderr(&o);
    assert!(report.contains("12 people in 3 groups of 4"), "{report}");
    assert!(report.contains("kept apart: 3 pair(s)"), "{report}");
    assert!(
        report.contains("roles: 6 given; 0 play their own function"),
        "{report}"
    );

    // The same seed and iteration budget give the same roster.
    assert_eq!(run(&["--date", "2026-03-02"]).stdout, o.stdout);

    // Next week, with this week as history, written to a file this time.
    std::fs::write(dir.join("week1.csv"), &o.stdout).expect("write");
    let out = dir.join("week2.csv");
    let o2 = run(&[
        "--date",
        "2026-03-09",
        "--history",
        dir.join("week1.csv").to_str().expect("path"),
        "--out",
        out.to_str().expect("path"),
    ]);
    assert!(o2.status.success(), "{}", stderr(&o2));
    assert!(o2.stdout.is_empty(), "the roster went to the file");
    let week2 = roster(&std::fs::read(&out).expect("week 2"));
    let before: std::collections::HashSet<(String, String)> = together(&rows)
        .values()
        .flat_map(|m| {
            m.iter()
                .flat_map(move |a| m.iter().map(move |b| (a.clone(), b.clone())))
        })
        .collect();
    let repeats = together(&week2)
        .values()
        .map(|m| {
            let mut k = 0;
            for (x, a) in m.iter().enumerate() {
                for b in &m[x + 1..] {
                    k += before.contains(&(a.clone(), b.clone())) as usize;
                }
            }
            k
        })
        .sum::<usize>();
    let report = stderr(&o2);
    let reported: usize = report
        .lines()
        .find_map(|l| l.strip_prefix("pairs who met before"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .expect("the report counts repeats");
    assert_eq!(reported, repeats, "{report}");
    // Four people from three earlier groups always include one earlier pair, so three
    // repeats (one per group) is the least possible.
    assert_eq!(repeats, 3, "{report}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn groups_refuses_bad_input_with_no_output() {
    let dir = temp_dir("groups-bad");
    let people = dir.join("people.csv");
    let out = dir.join("out.csv");
    let run = |csv: &str, extra: &[&str]| {
        std::fs::write(&people, csv).expect("write");
        peerlab()
            .arg("groups")
            .arg(&people)
            .arg("--out")
            .arg(&out)
            .args(extra)
            .output()
            .expect("run")
    };
    let cases: [(&str, &[&str], &str); 7] = [
        (
            COHORT,
            &["--size", "5-5"],
            "12 people cannot be split into groups of 5 to 5",
        ),
        (
            "name,email,shoe_size\nA,a@x.com,42\n",
            &["--size", "2"],
            "unknown column 'shoe_size' in the people file",
        ),
        (
            "name,email\n",
            &["--size", "2"],
            "the people file has a header but no rows",
        ),
        ("", &["--size", "2"], "the file is empty"),
        (
            COHORT,
            &["--size", "3", "--weights", "colour=1"],
            "unknown weight 'colour'",
        ),
        (
            COHORT,
            &[
                "--size", "3-4", "--role", "a", "--role", "b", "--role", "c", "--role", "d",
            ],
            "4 roles need groups of at least 4 people",
        ),
        (
            "name,email,start_date\nA,a@x.com,2020-02-30\nB,b@x.com,\n",
            &["--size", "2"],
            "line 2: start_date '2020-02-30'",
        ),
    ];
    for (csv, args, needle) in cases {
        let o = run(csv, args);
        assert_fails_with(&o, needle);
        assert!(!out.exists(), "no roster after: {needle}");
    }
    // Constraints that cannot all hold, by name.
    std::fs::write(dir.join("together.csv"), "a,b\nm1@x.com,r1@x.com\n").expect("write");
    let together = dir.join("together.csv");
    let o = run(
        COHORT,
        &[
            "--size",
            "3-4",
            "--keep-together",
            together.to_str().expect("path"),
        ],
    );
    assert_fails_with(&o, "M1 <m1@x.com> and R1 <r1@x.com> must be kept together");
    assert_fails_with(&o, "one manages the other");
    std::fs::write(&together, "a,b\nm1@x.com,nobody@x.com\n").expect("write");
    let o = run(
        COHORT,
        &[
            "--size",
            "3-4",
            "--keep-together",
            together.to_str().expect("path"),
        ],
    );
    assert_fails_with(&o, "line 2: nobody@x.com is not in the people file");
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn pairs_match_partners_with_reasons_and_lay_out_coffee_rounds() {
    let dir = temp_dir("pairs");
    let people = dir.join("people.csv");
    // Eleven people: one trio.
    let odd: String = COHORT.lines().take(12).map(|l| format!("{l}\n")).collect();
    std::fs::write(&people, &odd).expect("write");
    let o = peerlab()
        .arg("pairs")
        .arg(&people)
        .args(["--date", "2026-01-15"])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = roster(&o.stdout);
    assert_eq!(rows.len(), 11);
    let pairs = together(&rows);
    let mut sizes: Vec<usize> = pairs.values().map(Vec::len).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, vec![2, 2, 2, 2, 3], "one trio for an odd count");
    let m1 = rows.iter().find(|r| r[3] == "m1@x.com").expect("M1");
    let partner = &pairs[&(m1[1].clone(), m1[2].clone())];
    assert!(
        !partner.contains(&"r1@x.com".to_string()),
        "a manager is never paired with a report"
    );
    let n2 = rows.iter().find(|r| r[3] == "n2@x.com").expect("N2");
    assert!(
        n2[5].contains("N2 offers SQL (level 3), which L3 wants to learn"),
        "{n2:?}"
    );
    assert!(
        stderr(&o).contains("11 people in 5 pairs (1 trio)"),
        "{}",
        stderr(&o)
    );

    let o = peerlab()
        .arg("pairs")
        .arg(&people)
        .args(["--rounds", "4", "--date", "2026-01-15"])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = roster(&o.stdout);
    assert_eq!(rows.len(), 4 * 11, "everyone in every round");
    let mut met = std::collections::HashSet::new();
    for members in together(&rows).values() {
        // The base pair of each group is new; a trio's guest may repeat.
        let (a, b) = (members[0].clone(), members[1].clone());
        assert!(
            met.insert((a.clone().min(b.clone()), a.max(b))),
            "a repeat: {members:?}"
        );
    }
    let o = peerlab()
        .arg("pairs")
        .arg(&people)
        .args(["--rounds", "12"])
        .output()
        .expect("run");
    assert_fails_with(
        &o,
        "11 people can have 1 to 11 rounds without meeting anyone twice",
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// `--out` to something that is not a regular file (a pipe here, /dev/null in scripts) is
/// written into, never replaced by a renamed temporary file.
#[cfg(unix)]
#[test]
fn a_roster_written_to_a_pipe_leaves_the_pipe_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let dir = temp_dir("fifo");
    std::fs::write(dir.join("people.csv"), COHORT).expect("write");
    let fifo = dir.join("roster");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).expect("read the pipe"))
    };
    let o = peerlab()
        .arg("pairs")
        .arg(dir.join("people.csv"))
        .arg("--out")
        .arg(&fifo)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    // Checked before joining: had the pipe been replaced, its reader would wait forever.
    let kind = std::fs::symlink_metadata(&fifo)
        .expect("still there")
        .file_type();
    assert!(kind.is_fifo(), "the pipe was replaced by {kind:?}");
    let roster = reader.join().expect("reader");
    assert_eq!(roster.lines().count(), 13, "a header and twelve people");
    let _ = std::fs::remove_dir_all(dir);
}

/// Comm 2.1.2 and DESIGN X2: the server is killed with SIGKILL while four clients post
/// statements; after a restart every statement whose POST was acknowledged is there, and
/// every stored statement is whole — found by its id and through the agent filter (its
/// index rows were written with it).
async fn acknowledged_statements_survive_a_kill(db: Vec<String>) {
    use std::sync::{Arc, Mutex};
    let mut server = start("serve", &db);
    let o = peerlab()
        .args([
            "lrs",
            "credential",
            "create",
            "--name",
            "crash test",
            "--scopes",
            "all",
        ])
        .args(&db)
        .output()
        .expect("credential");
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let line = |prefix: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in {out}"))
            .to_string()
    };
    let (key, secret) = (line("key: "), line("secret: "));
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    // The server is killed once this many statements were acknowledged, whatever the
    // machine's speed: the clients say so, the test does not guess a duration.
    const BEFORE_THE_KILL: usize = 200;
    let enough = std::sync::Arc::new(tokio::sync::Notify::new());
    let mut clients = Vec::new();
    for k in 0..4 {
        let (base, key, secret, acked, enough) = (
            server.base.clone(),
            key.clone(),
            secret.clone(),
            acked.clone(),
            enough.clone(),
        );
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            for round in 0.. {
                let ids: Vec<String> = (0..20)
                    .map(|i| format!("{:08x}-0000-4000-8000-{:012x}", k, round * 100 + i))
                    .collect();
                let batch: Vec<serde_json::Value> = ids
                    .iter()
                    .map(|id| {
                        serde_json::json!({
                            "id": id,
                            "actor": {"mbox": format!("mailto:client{k}@example.com")},
                            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                            "object": {"id": format!("http://example.com/pages/{round}")},
                        })
                    })
                    .collect();
                let sent = http
                    .post(format!("{base}/xapi/statements"))
                    .basic_auth(&key, Some(&secret))
                    .header("X-Experience-API-Version", "1.0.3")
                    .json(&batch)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => {
                        let mut acked = acked.lock().expect("lock");
                        acked.extend(ids);
                        if acked.len() >= BEFORE_THE_KILL {
                            enough.notify_one();
                        }
                    }
                    _ => return,
                }
            }
        }));
    }
    tokio::time::timeout(Duration::from_secs(120), enough.notified())
        .await
        .expect("the clients got statements in");
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("wait");
    for c in clients {
        c.await.expect("client");
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(
        acked.len() >= BEFORE_THE_KILL,
        "the clients got {} statements in before the kill",
        acked.len()
    );

    let server = start("serve", &db);
    let http = reqwest::Client::new();
    let get = |query: String| {
        let (http, base, key, secret) = (
            http.clone(),
            server.base.clone(),
            key.clone(),
            secret.clone(),
        );
        async move {
            let r = http
                .get(format!("{base}/xapi/statements?{query}"))
                .basic_auth(&key, Some(&secret))
                .header("X-Experience-API-Version", "1.0.3")
                .send()
                .await
                .expect("get");
            assert!(r.status().is_success(), "{query}: {}", r.status());
            r.json::<serde_json::Value>().await.expect("json")
        }
    };
    // Everything stored, page by page, and everything each client's agent filter finds.
    let mut stored = std::collections::HashSet::new();
    let mut query = "limit=500".to_string();
    loop {
        let page = get(query).await;
        for s in page["statements"].as_array().expect("statements") {
            stored.insert(s["id"].as_str().expect("id").to_string());
        }
        match page["more"].as_str().expect("more") {
            "" => break,
            more => query = more.split_once('?').expect("query").1.to_string(),
        }
    }
    for id in &acked {
        assert!(stored.contains(id), "acknowledged statement {id} was lost");
    }
    let mut indexed = 0;
    for k in 0..4 {
        let agent = format!("%7B%22mbox%22%3A%22mailto%3Aclient{k}%40example.com%22%7D");
        let mut query = format!("agent={agent}&limit=500");
        loop {
            let page = get(query).await;
            indexed += page["statements"].as_array().expect("s").len();
            match page["more"].as_str().expect("more") {
                "" => break,
                more => query = more.split_once('?').expect("query").1.to_string(),
            }
        }
    }
    assert_eq!(
        indexed,
        stored.len(),
        "every stored statement is found through its index rows"
    );
    assert!(
        stored.len() % 20 == 0,
        "batches are stored whole: {}",
        stored.len()
    );
}

#[tokio::test]
async fn acknowledged_statements_survive_a_kill_on_sqlite() {
    let dir = temp_dir("crash");
    acknowledged_statements_survive_a_kill(vec!["--data-dir".into(), dir.display().to_string()])
        .await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn acknowledged_statements_survive_a_kill_on_postgres() {
    let url = pg_database().await;
    acknowledged_statements_survive_a_kill(vec!["--database-url".into(), url]).await;
}

/// aiosmtpd (`peerlab-web/tests/tools/smtp_sink.py`) requiring a login; (process, port, dir).
fn smtp_sink(args: &[&str]) -> (Child, u16, std::path::PathBuf) {
    let python = std::env::var("PEERLAB_PYTHON").expect(
        "PEERLAB_PYTHON is not set: run the tests with ./scripts/test, which installs the Python tools",
    );
    let dir = temp_dir("mail");
    let mut child = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../peerlab-web/tests/tools/smtp_sink.py"
        ))
        .arg(&dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the SMTP server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("port");
    let port = line
        .trim()
        .trim_start_matches("ready ")
        .parse()
        .expect("port");
    (child, port, dir)
}

#[test]
fn mail_test_sends_through_the_server_and_says_why_when_it_cannot() {
    let (mut sink, port, dir) = smtp_sink(&["--auth", "ann:s3cret"]);
    let url = format!("smtp://ann:s3cret@127.0.0.1:{port}");
    let o = peerlab()
        .args([
            "mail",
            "test",
            "--to",
            "mia@example.com",
            "--smtp-url",
            &url,
        ])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("sent to mia@example.com through smtp://ann:***@127.0.0.1"),
        "{out}"
    );
    assert!(
        !out.contains("s3cret"),
        "the password is never printed: {out}"
    );
    let written: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .collect();
    assert_eq!(written.len(), 1);
    let message = std::fs::read_to_string(written[0].path()).expect("message");
    assert!(
        message.contains("Subject: peerlab test message"),
        "{message}"
    );

    // Bad credentials: the server's refusal, at once, for the test and for serve alike.
    let bad = format!("smtp://ann:wrong@127.0.0.1:{port}");
    let o = peerlab()
        .args([
            "mail",
            "test",
            "--to",
            "mia@example.com",
            "--smtp-url",
            &bad,
        ])
        .output()
        .expect("run");
    assert_fails_with(&o, "535");
    let data = temp_dir("mail-serve");
    let o = peerlab()
        .args(["serve", "--port", &free_port().to_string(), "--data-dir"])
        .arg(&data)
        .args(["--smtp-url", &bad])
        .output()
        .expect("run");
    assert_fails_with(&o, "Authentication credentials invalid");
    assert!(
        !stderr(&o).contains("wrong"),
        "the password is never printed"
    );

    for (url, says) in [
        ("http://mail.example.com", "must start with smtp://"),
        ("mail.example.com", "must start with smtp://"),
    ] {
        let o = peerlab()
            .args(["mail", "test", "--to", "mia@example.com", "--smtp-url", url])
            .output()
            .expect("run");
        assert_fails_with(&o, says);
        let o = peerlab()
            .args(["serve", "--port", &free_port().to_string(), "--data-dir"])
            .arg(&data)
            .args(["--smtp-url", url])
            .output()
            .expect("run");
        assert_fails_with(&o, says);
    }
    let o = peerlab()
        .args(["mail", "test", "--to", "not an address", "--smtp-url", &url])
        .output()
        .expect("run");
    assert_fails_with(&o, "--to");
    let _ = sink.kill();
    let _ = sink.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&data);
}
