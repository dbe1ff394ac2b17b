//! The CSV import of people: every bad row reported, nothing half-written, progress, limits.

use crate::common::{check, Api, Backend, TestApp};
use peerlab_core::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

crate::backend_tests! {
    csv_import_reports_every_bad_row_and_writes_nothing,
    csv_import_refuses_wrong_columns_and_bad_encoding,
    csv_reimport_is_idempotent_and_updates_by_email,
    csv_import_page_shows_progress_and_result,
    oversized_uploads_are_refused,
}

fn rows(body: &Value) -> Vec<(u64, String)> {
    body["details"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().expect("line"),
                r["reason"].as_str().expect("reason").to_string(),
            )
        })
        .collect()
}

async fn csv_import_reports_every_bad_row_and_writes_nothing(b: Backend) {
    let app = crate::common::spawn(b).await;
    app.user("admin@example.com", "Admin", Role::Admin).await;
    let api = app.api_as("admin@example.com").await;
    let csv = "name,email,manager_email,skills\n\
        Ana,ana@x.com,,Negotiation:4\n\
        Ben,ben@x.com,ghost@x.com,\n\
        Cara,ana@x.com,,\n\
        Dan,dan@x.com,,SQL:7\n\
        Eve,eve@x.com,fay@x.com,\n\
        Fay,fay@x.com,eve@x.com,\n";
    let (st, body) = api
        .post_bytes("/people/import", "text/csv", csv.into())
        .await;
    check((st, &body), StatusCode::UNPROCESSABLE_ENTITY, "invalid_csv");
    let rows = rows(&body);
    let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7], "{rows:?}");
    assert!(rows[0].1.contains("unknown manager ghost@x.com"));
    assert!(rows[1]
        .1
        .contains("duplicate e-mail ana@x.com (first on line 2)"));
    assert!(rows[2].1.contains("level 7 is out of range"));
    assert!(rows[3].1.contains("cycle") && rows[4].1.contains("cycle"));
    assert_eq!(
        app.store.count_people().await.expect("count"),
        1,
        "only the admin: nothing was written"
    );
}

async fn csv_import_refuses_wrong_columns_and_bad_encoding(b: Backend) {
    let app = crate::common::spawn(b).await;
    app.user("admin@example.com", "Admin", Role::Admin).await;
    let api = app.api_as("admin@example.com").await;
    let (st, body) = api
        .post_bytes(
            "/people/import",
            "text/csv",
            b"name,email,shoe_size\nA,a@x.com,42\n".to_vec(),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["message"]
            .as_str()
            .expect("m")
            .contains("unknown column 'shoe_size'"),
        "{body}"
    );
    let (st, body) = api
        .post_bytes(
            "/people/import",
            "text/csv",
            b"fullname,mail\nA,a@x.com\n".to_vec(),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["message"]
        .as_str()
        .expect("m")
        .contains("unknown column 'fullname'"));
    let mut latin1 = b"name,email\nJos".to_vec();
    latin1.extend([0xE9, b',']);
    latin1.extend(b"jose@x.com\nAna,ana@x.com\n");
    let (st, body) = api.post_bytes("/people/import", "text/csv", latin1).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        rows(&body),
        vec![(
            2,
            "column 'name' is not valid UTF-8 (byte 0xE9 at position 4); save the file as UTF-8"
                .to_string()
        )]
    );
    let (st, _) = api
        .post_bytes("/people/import", "text/csv", vec![0xFF, 0xFE, 0, 0])
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.store.count_people().await.expect("count"), 1);
}

async fn csv_reimport_is_idempotent_and_updates_by_email(b: Backend) {
    let app = crate::common::spawn(b).await;
    app.user("admin@example.com", "Admin", Role::Admin).await;
    let api = app.api_as("admin@example.com").await;
    let csv = "name,email,title,department,manager_email,skills,wants_to_learn\n\
        Ana Silva,ana@x.com,VP,Sales,,Negotiation:5; Coaching:3,SQL\n\
        Ben Ode,ben@x.com,AE,Sales,ana@x.com,Negotiation:2,Coaching\n";
    let (st, body) = api
        .post_bytes("/people/import", "text/csv", csv.into())
        .await;
    assert_eq!(
        (st, body.clone()),
        (StatusCode::OK, json!({"created": 2, "updated": 0}))
    );
    let snapshot = |api: &Api| {
        let api = Api {
            base: api.base.clone(),
            client: api.client.clone(),
            token: api.token.clone(),
        };
        async move {
            let (_, list) = api.get("/people").await;
            let mut out = Vec::new();
            for p in list["items"].as_array().expect("items") {
                let (_, detail) = api.get(&format!("/people/{}", p["id"])).await;
                out.push(detail);
            }
            out
        }
    };
    let before = snapshot(&api).await;
    let (st, body) = api
        .post_bytes("/people/import", "text/csv", csv.into())
        .await;
    assert_eq!(
        (st, body),
        (StatusCode::OK, json!({"created": 0, "updated": 2}))
    );
    assert_eq!(
        snapshot(&api).await,
        before,
        "importing the same file again changes nothing"
    );

    // A file with fewer columns updates only what it has.
    let (st, _) = api
        .post_bytes(
            "/people/import",
            "text/csv",
            "email,name,title\nben@x.com,Ben Ode,Senior AE\n".into(),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let ben = app
        .store
        .person_by_email(&peerlab_core::Email::parse("ben@x.com").expect("e"))
        .await
        .expect("s")
        .expect("ben");
    assert_eq!(
        (
            ben.title.as_str(),
            ben.department.as_str(),
            ben.manager_name.as_deref()
        ),
        ("Senior AE", "Sales", Some("Ana Silva"))
    );
    assert_eq!(
        app.store
            .person_skills(ben.id, ben.id)
            .await
            .expect("s")
            .len(),
        1,
        "skills column absent: kept"
    );
}

async fn csv_import_page_shows_progress_and_result(b: Backend) {
    let app = crate::common::spawn(b).await;
    app.user("admin@example.com", "Admin", Role::Admin).await;
    let s = app.login("admin@example.com").await;
    let form = s.get("/admin/import").await;
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    let mut csv = String::from("name,email,department,skills\n");
    for i in 0..50_000 {
        csv.push_str(&format!(
            "Person {i},p{i}@x.com,Dept {},Skill {}:3\n",
            i % 9,
            i % 40
        ));
    }
    let upload = |csv: String, csrf: String| {
        let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("people.csv"),
        );
        s.client
            .post(format!("{}/admin/import", app.base))
            .multipart(form)
            .send()
    };
    // Another writer holds the table, so the import is seen running however fast it is.
    let lock = app.hold_people_lock().await;
    let r = upload(csv, s.csrf.clone()).await.expect("upload");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let job = r.headers()["location"].to_str().expect("loc").to_string();
    let state_of = |page: &crate::common::Page| {
        page.body
            .split("data-state=\"")
            .nth(1)
            .and_then(|x| x.split('"').next())
            .expect("state")
            .to_string()
    };
    let mut states = Vec::new();
    let mut lock = Some(lock);
    let finished = loop {
        let page = s.get(&job).await;
        if state_of(&page) != "running" {
            break page;
        }
        assert!(
            page.body.contains("http-equiv=\"refresh\""),
            "a running import refreshes itself"
        );
        let shown = page
            .body
            .split("<p>")
            .nth(1)
            .and_then(|x| x.split("</p>").next())
            .unwrap_or_default()
            .to_string();
        // Once the page counts the people to write, let the import go on.
        if shown.contains("of <strong>50000</strong> people") {
            lock = None;
        }
        states.push(shown);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert!(
        lock.is_none(),
        "the import finished while the table was locked"
    );
    // The page showed the import running, with a count of people written out of 50,000.
    assert!(!states.is_empty(), "the import was seen running");
    assert!(
        states
            .iter()
            .any(|s| s.contains("of <strong>50000</strong> people")),
        "{states:?}"
    );
    assert!(
        finished.body.contains("Imported: 50000 new, 0 updated."),
        "{}",
        finished.body
    );
    assert_eq!(app.store.count_people().await.expect("count"), 50_001);

    // A bad file lists its rows on the page.
    let r = upload("name,email\nA,not-an-email\n".into(), s.csrf.clone())
        .await
        .expect("upload");
    let job = r.headers()["location"].to_str().expect("loc").to_string();
    let page = loop {
        let page = s.get(&job).await;
        if !page.body.contains("data-state=\"running\"") {
            break page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert!(
        page.body.contains("Nothing was imported")
            && page.body.contains("email: must look like name@example.com"),
        "{}",
        page.body
    );
    // Without the CSRF field, the upload is refused.
    let r = upload("name,email\nA,a@x.com\n".into(), "forged".into())
        .await
        .expect("upload");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

async fn oversized_uploads_are_refused(b: Backend) {
    let app = crate::common::spawn(b).await;
    app.user("admin@example.com", "Admin", Role::Admin).await;
    let mut big = String::from("name,email\n");
    let mut i = 0;
    while big.len() < 50 * 1024 * 1024 {
        big.push_str(&format!(
            "Person number {i} with a long name,person{i}@example.com\n"
        ));
        i += 1;
    }
    let api = app.api_as("admin@example.com").await;
    // A client that announces its 50 MB body and waits for "100 Continue" gets the refusal
    // before sending any of it.
    let (status, body) = announce_upload(
        &app,
        "/api/v1/people/import",
        api.token.as_deref(),
        big.len(),
    )
    .await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(body["error"], "too_large");
    assert!(
        body["message"].as_str().expect("m").contains("20 MB"),
        "{body}"
    );
    // One that just sends it is cut off, or told the same.
    let sent = api
        .client
        .post(format!("{}/api/v1/people/import", app.base))
        .bearer_auth(api.token.as_deref().unwrap_or_default())
        .body(big.clone())
        .send()
        .await;
    match sent {
        Ok(r) => assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE),
        Err(e) => assert!(e.is_request(), "{e}"),
    }

    let s = app.login("admin@example.com").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", s.csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(big.into_bytes()).file_name("big.csv"),
        );
    let r = s
        .client
        .post(format!("{}/admin/import", app.base))
        .multipart(form)
        .send()
        .await;
    // The server may close the connection as soon as the limit is passed; if it answered, it said 413.
    if let Ok(r) = r {
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(r
            .text()
            .await
            .expect("body")
            .contains("larger than the 20 MB limit"));
    }
    assert_eq!(app.store.count_people().await.expect("count"), 1);

    let (st, body) = api
        .post(
            "/me/skills",
            json!({"name": "x".repeat(100_000), "level": 3}),
        )
        .await;
    check((st, &body), StatusCode::PAYLOAD_TOO_LARGE, "too_large");
}

/// Sends only the headers of an upload of `len` bytes with `Expect: 100-continue`, and returns
/// the status line and body of the answer.
async fn announce_upload(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    len: usize,
) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: text/csv\r\n\
         Content-Length: {len}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").expect("a whole response");
    (
        head.lines().next().unwrap_or_default().to_string(),
        body.to_string(),
    )
}
