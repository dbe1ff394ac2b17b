//! Repository rules, checked as tests (the "tidy" test): the core stays pure.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The core crate may depend only on pure libraries. Adding anything else (a runtime, a
/// database driver, an HTTP stack) must be a deliberate change to this list.
#[test]
fn the_core_crate_has_no_io_dependencies() {
    let manifest = std::fs::read_to_string(root().join("crates/peerlab-core/Cargo.toml"))
        .expect("core manifest");
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .expect("dependencies")
        .split("\n[")
        .next()
        .unwrap_or_default();
    let names: Vec<&str> = deps
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split(['.', '=', ' ']).next())
        .collect();
    let allowed = [
        "csv",
        "rand",
        "rust-stemmers",
        "serde",
        "thiserror",
        "unicode-normalization",
    ];
    for name in &names {
        assert!(
            allowed.contains(name),
            "peerlab-core depends on {name}, which is not on the pure list {allowed:?}"
        );
    }
    assert!(!names.is_empty());
}

/// Nor may the core's transitive dependencies bring in a runtime or a network stack.
#[test]
fn the_core_crate_pulls_in_no_runtime_transitively() {
    let output = std::process::Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            "peerlab-core",
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
    for forbidden in [
        "tokio ",
        "mio ",
        "socket2 ",
        "sqlx",
        "hyper ",
        "axum ",
        "reqwest ",
        "libsqlite3-sys ",
    ] {
        assert!(
            !tree.contains(forbidden),
            "peerlab-core depends on {forbidden}through:\n{tree}"
        );
    }
}

/// The core's source reads no clock, file, network, process, environment or OS randomness.
#[test]
fn the_core_source_does_no_io() {
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
    let mut stack = vec![root().join("crates/peerlab-core/src")];
    let mut checked = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read");
                for f in forbidden {
                    assert!(
                        !text.contains(f),
                        "{} uses {f}; the core must stay pure",
                        path.display()
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 5, "found the core's source files");
}

/// No SQL outside the storage crate.
#[test]
fn sql_lives_only_in_the_store() {
    for krate in ["peerlab-core", "peerlab-web", "peerlab"] {
        let mut stack = vec![root().join("crates").join(krate).join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("read dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("read");
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
    }
}
