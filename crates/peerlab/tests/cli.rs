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
