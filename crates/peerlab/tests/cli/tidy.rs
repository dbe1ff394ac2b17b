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

/// The pure crates' IO ban is enforced by clippy (`disallowed-methods`, `disallowed-types`),
/// which resolves paths (`use std::{fs, env}` then `fs::read` is caught, as text matching
/// would not). This keeps each crate's `clippy.toml` from being dropped or thinned.
#[test]
fn the_pure_crates_ban_io_through_clippy() {
    for krate in PURE {
        let config = std::fs::read_to_string(root().join("crates").join(krate).join("clippy.toml"))
            .unwrap_or_else(|e| panic!("{krate}/clippy.toml: {e}"));
        for banned in [
            "std::time::SystemTime::now",
            "std::time::Instant::now",
            "std::env::var",
            "std::fs::read_to_string",
            "std::fs::File",
            "std::net::TcpStream",
            "std::process::Command",
            "rand::thread_rng",
            "rand::rngs::OsRng",
        ] {
            assert!(
                config.contains(&format!("\"{banned}\"")),
                "{krate}/clippy.toml no longer bans {banned}"
            );
        }
        // The workspace's own settings must be repeated: clippy reads one file per crate.
        assert!(config.contains("allow-unwrap-in-tests = true"));
    }
}

/// Every crate says what it is for, and what it must never do, in its first lines.
#[test]
fn every_crate_starts_with_a_doc_paragraph() {
    for entry in std::fs::read_dir(root().join("crates")).expect("crates") {
        let dir = entry.expect("entry").path();
        let src = dir.join("src");
        let root_file = [src.join("lib.rs"), src.join("main.rs")]
            .into_iter()
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{} has no lib.rs or main.rs", dir.display()));
        let text = std::fs::read_to_string(&root_file).expect("read");
        let doc: Vec<&str> = text.lines().take_while(|l| l.starts_with("//!")).collect();
        assert!(
            doc.len() >= 2,
            "{} must start with a `//!` paragraph saying what the crate is for",
            root_file.display()
        );
    }
}

/// The storage crate knows nothing of HTTP, not even through a dependency.
#[test]
fn the_store_depends_on_no_http_crate() {
    let output = std::process::Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            "peerlab-store",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .expect("cargo tree");
    assert!(output.status.success());
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(
        tree.contains("sqlx"),
        "cargo tree listed the store's dependencies"
    );
    for forbidden in [
        "axum ",
        "hyper ",
        "http ",
        "tower ",
        "tower-http ",
        "reqwest ",
        "askama ",
    ] {
        assert!(
            !tree.lines().any(|l| l.starts_with(forbidden)),
            "peerlab-store depends on {forbidden}"
        );
    }
}

/// The modules of a crate's `src/` as file paths relative to it, with the module path each
/// file is (`spaces/ops.rs` is `spaces::ops`, `spaces/mod.rs` is `spaces`).
fn modules(krate: &str) -> Vec<(String, PathBuf, String)> {
    let src = root().join("crates").join(krate).join("src");
    sources(krate)
        .into_iter()
        .map(|(path, text)| {
            let rel = path.strip_prefix(&src).expect("under src").to_path_buf();
            let mut parts: Vec<String> = rel
                .with_extension("")
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            (parts.join("::"), rel, text)
        })
        .collect()
}

/// The `crate::…` and `super::…` module paths a file names, resolved to the longest module
/// of the crate they fall in (an item path like `crate::kit::page::render` names
/// `kit::page`).
fn references(module: &str, text: &str, known: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    // `super` in `a/b.rs` (module a::b) is `a`; in `a/b/mod.rs` (module a::b) also `a`.
    let parent = |m: &str| {
        m.rsplit_once("::")
            .map_or(String::new(), |(p, _)| p.to_string())
    };
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    for (prefix, base) in [("crate::", String::new()), ("super::", parent(module))] {
        let mut rest = code.as_str();
        while let Some(i) = rest.find(prefix) {
            let before = rest[..i].chars().last();
            rest = &rest[i + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':' || *c == '{')
                .collect();
            let segments: Vec<&str> = path
                .split("::")
                .filter(|s| !s.is_empty() && !s.starts_with('{'))
                .collect();
            let mut best = None;
            for n in 1..=segments.len() {
                let candidate = if base.is_empty() {
                    segments[..n].join("::")
                } else {
                    format!("{base}::{}", segments[..n].join("::"))
                };
                if known.contains(&candidate) {
                    best = Some(candidate);
                }
            }
            if let Some(b) = best {
                out.push(b);
            }
        }
    }
    out
}

/// No import circle between files, except a parent module and its children; and the web
/// layer's kit imports no feature.
#[test]
fn modules_import_each_other_one_way() {
    for krate in [
        "peerlab-core",
        "peerlab-match",
        "peerlab-xapi",
        "peerlab-store",
        "peerlab-web",
        "peerlab",
    ] {
        let mods = modules(krate);
        let known: Vec<String> = mods.iter().map(|(m, _, _)| m.clone()).collect();
        let mut edges: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
            Default::default();
        for (module, _, text) in &mods {
            for target in references(module, text, &known) {
                let related = target.is_empty()
                    || module.is_empty()
                    || target.starts_with(&format!("{module}::"))
                    || module.starts_with(&format!("{target}::"))
                    || &target == module;
                if !related {
                    edges.entry(module.clone()).or_default().insert(target);
                }
            }
        }
        // A circle is a path back to where it started.
        for start in edges.keys() {
            let mut stack = vec![(start.clone(), vec![start.clone()])];
            let mut seen = std::collections::BTreeSet::new();
            while let Some((at, path)) = stack.pop() {
                for next in edges.get(&at).into_iter().flatten() {
                    assert!(
                        next != start,
                        "{krate}: import circle {} → {start}",
                        path.join(" → ")
                    );
                    if seen.insert(next.clone()) {
                        let mut p = path.clone();
                        p.push(next.clone());
                        stack.push((next.clone(), p));
                    }
                }
            }
        }
        if krate == "peerlab-web" {
            let features: Vec<&String> = known
                .iter()
                .filter(|m| !m.is_empty() && !m.contains("::") && *m != "kit" && *m != "error")
                .collect();
            assert!(features.len() >= 4, "features found: {features:?}");
            for (module, _, text) in &mods {
                if module == "kit" || module.starts_with("kit::") {
                    for target in references(module, text, &known) {
                        let top = target.split("::").next().unwrap_or_default().to_string();
                        assert!(
                            !features.contains(&&top),
                            "{module} imports the feature {target}: the kit knows no feature"
                        );
                    }
                }
            }
        }
    }
}

/// A feature's operations speak no HTTP: pages, the API, the command line and background
/// jobs all call them, and the web layer maps their errors to statuses once.
#[test]
fn operations_speak_no_http() {
    let mut found = 0;
    for (module, rel, text) in modules("peerlab-web") {
        let is_ops = module.ends_with("::ops") || module.contains("::ops::") || module == "error";
        if is_ops {
            found += 1;
            for needle in ["axum", "StatusCode", "http::"] {
                assert!(
                    !text.contains(needle),
                    "{} mentions {needle}; operations speak no HTTP",
                    rel.display()
                );
            }
        }
    }
    assert!(found >= 4, "found {found} operations modules");
}

/// Templates sit beside their feature: `templates/<feature>/` for each folder of the web
/// crate's `src/`, and `templates/kit/` for the layout and macros every page shares, which
/// extend, include or import no feature's template.
#[test]
fn templates_live_in_feature_folders() {
    let web = root().join("crates/peerlab-web");
    let features: Vec<String> = std::fs::read_dir(web.join("src"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(features.iter().any(|f| f == "kit"), "{features:?}");
    let mut seen = 0;
    for entry in std::fs::read_dir(web.join("templates")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            entry.file_type().unwrap().is_dir() && features.contains(&name),
            "templates/{name}: a template belongs in templates/kit/ or in the folder of \
             the feature that renders it ({features:?})"
        );
        for file in std::fs::read_dir(entry.path()).unwrap() {
            let path = file.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            seen += 1;
            if name != "kit" {
                continue;
            }
            for used in text.split('"').skip(1).step_by(2) {
                if used.ends_with(".html") {
                    assert!(
                        used.starts_with("kit/"),
                        "{} uses {used}; the kit's templates use no feature's",
                        path.display()
                    );
                }
            }
        }
    }
    assert!(seen >= 20, "found {seen} templates");
}
