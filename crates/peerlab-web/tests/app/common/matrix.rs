//! The authorisation matrix: a feature states, for every API route, the status each kind of
//! asker must get under each setting (a space's visibility, a program's state, …), and
//! [`check_matrix`] sends every request against a fresh target and lists every cell that
//! differs — all of them, not just the first.

use std::future::Future;

use serde_json::Value;

use super::Api;

/// One route: method, path and JSON body (`Value::Null` for none) with `{name}`
/// placeholders, and the expected status for each asker (rows) under each setting
/// (columns).
pub type Route<const A: usize, const S: usize> = (&'static str, &'static str, Value, [[u16; S]; A]);

/// Checks every cell of `routes`. `askers` names and holds one client per row, `settings`
/// names the columns, and `fresh(setting)` builds a new target and returns the values of
/// its placeholders (`("s", "42")` fills `{s}`). A body string that is exactly one
/// placeholder whose value is a number becomes that number. Returns how many cells were
/// checked; panics with the list of every wrong one.
pub async fn check_matrix<const A: usize, const S: usize, F, Fut>(
    askers: &[(&str, Api); A],
    settings: &[&str; S],
    routes: &[Route<A, S>],
    mut fresh: F,
) -> usize
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Vec<(&'static str, String)>>,
{
    let mut failures = Vec::new();
    let mut checks = 0;
    for (method, path, body, expected) in routes {
        for (s, setting) in settings.iter().enumerate() {
            for (a, (asker, api)) in askers.iter().enumerate() {
                let values = fresh(s).await;
                let mut req = api.req(method.parse().expect("method"), &fill(path, &values));
                if !body.is_null() {
                    let body = fill_json(body, &values);
                    req = req
                        .header("content-type", "application/json")
                        .body(body.to_string());
                }
                let (status, answer) = Api::send(req).await;
                checks += 1;
                if status.as_u16() != expected[a][s] {
                    failures.push(format!(
                        "{method} {path} as {asker} ({setting}): expected {}, got {status} {answer}",
                        expected[a][s]
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checks} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    checks
}

fn fill(text: &str, values: &[(&str, String)]) -> String {
    values.iter().fold(text.to_owned(), |text, (name, value)| {
        text.replace(&format!("{{{name}}}"), value)
    })
}

fn fill_json(body: &Value, values: &[(&str, String)]) -> Value {
    match body {
        Value::String(s) => {
            let filled = fill(s, values);
            let whole = values.iter().any(|(name, _)| *s == format!("{{{name}}}"));
            match filled.parse::<i64>() {
                Ok(n) if whole => Value::from(n),
                _ => Value::String(filled),
            }
        }
        Value::Array(items) => items.iter().map(|v| fill_json(v, values)).collect(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.clone(), fill_json(v, values)))
            .collect(),
        other => other.clone(),
    }
}
