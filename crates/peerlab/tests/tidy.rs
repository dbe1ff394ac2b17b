//! Repository rules, checked as tests (the "tidy" test): the pure crates stay pure, and SQL
//! stays in the store.

use std::path::{Path, PathBuf};

/// The crates that do no IO: the domain core, the pairing algorithms and the xAPI model.
const PURE: [&str; 3] = ["peerlab-core", "peerlab-match", "peerlab-xapi"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file under `crates/<krate>/src`.
fn sources(krate: &str) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root().join("crates").join(krate).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read");
                out.push((path, text));
            }
        }
    }
    assert!(!out.is_empty(), "{krate} has sources");
    out
}

/// A pure crate may depend only on pure libraries. Adding anything else (a runtime, a
/// database driver, an HTTP stack) must be a deliberate change to this list.
#[test]
fn the_pure_crates_have_no_io_dependencies() {
    let allowed = [
        "base64",
        "chrono",
        "chrono-tz",
        "csv",
        "peerlab-match",
        "pulldown-cmark",
        "rand",
        "rsa",
        "rust-stemmers",
        "serde",
        "serde_json",
        "sha2",
        "thiserror",
        "unicode-normalization",
    ];
    for krate in PURE {
        let manifest =
            std::fs::read_to_string(root().join("crates").join(krate).join("Cargo.toml"))
                .expect("manifest");
        let deps = manifest
            .split("[dependencies]")
            .nth(1)
            .unwrap_or_default()
            .split("\n[")
            .next()
            .unwrap_or_default();
        for line in deps
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let name = line.split(['.', '=', ' ']).next().unwrap_or_default();
            assert!(
                allowed.contains(&name),
                "{krate} depends on {name}, which is not on the pure list {allowed:?}"
            );
        }
    }
}

/// Nor may their transitive dependencies bring in a runtime or a network stack.
#[test]
fn the_pure_crates_pull_in_no_runtime_transitively() {
    for krate in PURE {
        let output = std::process::Command::new(env!("CARGO"))
            .args([
                "tree",
                "-p",
                krate,
                "-e",
                "normal",
                "--prefix",
                "none",
                "--offline",
            ])
            .current_dir(root())
            .output()
            .expect("cargo tree");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let tree = String::from_utf8_lossy(&output.stdout);
        assert!(tree.contains(krate), "cargo tree listed {krate}");
        for forbidden in [
            "tokio ",
            "mio ",
            "socket2 ",
            "sqlx",
            "hyper ",
            "axum ",
            "reqwest ",
            "libsqlite3-sys ",
            // chrono's clock feature, which asks the OS for the local time zone.
            "iana-time-zone ",
        ] {
            assert!(
                !tree.contains(forbidden),
                "{krate} depends on {forbidden}through:\n{tree}"
            );
        }
    }
}

/// Their source reads no clock, file, network, process, environment or OS randomness.
#[test]
fn the_pure_sources_do_no_io() {
    let forbidden = [
        "std::fs",
        "std::net",
        "std::process",
        "std::env",
        "SystemTime",
        "Instant::now",
        "thread_rng",
        "OsRng",
        "std::io",
    ];
    for krate in PURE {
        for (path, text) in sources(krate) {
            for f in forbidden {
                assert!(
                    !text.contains(f),
                    "{} uses {f}; {krate} must stay pure",
                    path.display()
                );
            }
        }
    }
}

/// No SQL outside the storage crate.
#[test]
fn sql_lives_only_in_the_store() {
    for krate in ["peerlab-core", "peerlab-match", "peerlab-web", "peerlab"] {
        for (path, text) in sources(krate) {
            for needle in ["sqlx::query", "SELECT ", "INSERT INTO", "DELETE FROM"] {
                assert!(
                    !text.contains(needle),
                    "{} contains SQL ({needle})",
                    path.display()
                );
            }
        }
    }
}
