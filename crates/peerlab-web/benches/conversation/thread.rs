//! A 200-reply thread rendered for a member, and live delivery of new replies to 200 open thread pages.

use super::*;

pub(super) async fn conversation(backend: &str, words: &Words) {
    let Some(db) = fresh(backend, "conv").await else {
        println!("{backend}: not measured (set PEERLAB_BENCH_PG to a PostgreSQL admin URL)");
        return;
    };
    let store = Store::open(&db.location, Create::IfMissing)
        .await
        .expect("open");
    let mut rng = StdRng::seed_from_u64(200);
    let t0 = now();

    let owner = person(&store, 0, Role::Facilitator).await;
    let space_id = store
        .create_space(
            &NewSpace {
                name: "Engineering leadership".into(),
                description: "Managers and leads learning from each other.".into(),
                kind: SpaceKind::Community,
                visibility: Visibility::Open,
                rules: space::DEFAULT_RULES.to_string(),
            },
            owner,
            t0,
        )
        .await
        .expect("space");
    let mut members = Vec::with_capacity(LISTENERS);
    for i in 1..=LISTENERS {
        let id = person(&store, i, Role::Member).await;
        store
            .add_member(space_id, id, SpaceRole::Member, None, t0)
            .await
            .expect("member");
        store
            .accept_rules(space_id, id, 1, t0)
            .await
            .expect("accept");
        members.push(id);
    }

    // The thread: an opening post, 200 replies by members, and reactions.
    let (title, _) = words.title(&mut rng);
    let opened_at = t0 - (THREAD_REPLIES as i64 + 10) * 60_000;
    let body = words.markdown_post(&mut rng);
    let thread_id = store
        .create_thread(
            &NewThread {
                space_id,
                kind: ThreadKind::Discussion,
                title: space::Title::parse(&title).expect("title"),
                question: String::new(),
                skills: Vec::new(),
                post: post_input(&title, &body),
            },
            owner,
            opened_at,
        )
        .await
        .expect("thread")
        .thread_id;
    let mut post_ids = Vec::with_capacity(THREAD_REPLIES);
    let mut chars = 0;
    for i in 0..THREAD_REPLIES {
        let body = words.markdown_post(&mut rng);
        chars += body.chars().count();
        let author = members[rng.gen_range(0..members.len())];
        let w = store
            .reply(
                thread_id,
                &post_input("", &body),
                author,
                opened_at + (i as i64 + 1) * 60_000,
            )
            .await
            .expect("reply");
        post_ids.push(w.post_id);
    }
    let mut reactions = 0;
    for &post in &post_ids {
        let mut given = HashSet::new();
        for _ in 0..rng.gen_range(0..=6) {
            let who = members[rng.gen_range(0..members.len())];
            let r = Reaction::ALL[rng.gen_range(0..Reaction::ALL.len())];
            if given.insert((who, r)) {
                store.react(post, who, r, t0).await.expect("react");
                reactions += 1;
            }
        }
    }
    println!(
        "{backend}: thread with {THREAD_REPLIES} replies of Markdown (mean {} characters), {reactions} reactions",
        chars / THREAD_REPLIES
    );

    let server = start(&store).await;
    let client = reqwest::Client::new();
    let viewer = members[0];
    let token = session(&store, viewer).await;
    let token_hash = peerlab_web::sha256_hex(&token);
    let cookie = format!("peerlab_session={token}");
    let path = format!("/threads/{thread_id}");
    let last_post = format!("post-{}", post_ids[THREAD_REPLIES - 1]);

    // Interleaved, so that whatever else runs on the machine weighs on all four alike:
    // 1. the store queries of the page, as the handler makes them;
    // 2. the whole handler in-process: router, session, queries, template, body;
    // 3. the page over loopback, and 4. the smallest request over loopback, as a baseline.
    let app = peerlab_web::router(server.state.clone());
    let mut store_time = Vec::with_capacity(RENDERS);
    let mut in_process = Vec::with_capacity(RENDERS);
    let mut http = Vec::with_capacity(RENDERS);
    let mut baseline = Vec::with_capacity(RENDERS);
    let mut page_bytes = 0;
    for i in 0..RENDERS + 20 {
        let t = Instant::now();
        let user = store
            .session_user(&token_hash, now())
            .await
            .expect("session")
            .expect("signed in");
        let thread = store
            .thread(thread_id)
            .await
            .expect("thread")
            .expect("found");
        store
            .space(thread.space_id)
            .await
            .expect("space")
            .expect("found");
        store
            .membership(thread.space_id, user.person_id)
            .await
            .expect("membership");
        let view = store
            .thread_view(thread_id, user.person_id)
            .await
            .expect("view")
            .expect("found");
        let store_took = t.elapsed();
        assert_eq!(view.posts.len(), THREAD_REPLIES + 1);

        let request = axum::http::Request::get(path.as_str())
            .header(axum::http::header::COOKIE, cookie.as_str())
            .body(axum::body::Body::empty())
            .expect("request");
        let t = Instant::now();
        let response = app.clone().oneshot(request).await.expect("response");
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        let in_process_took = t.elapsed();
        assert_eq!(status, 200);
        page_bytes = body.len();

        let t = Instant::now();
        let r = client
            .get(format!("{}{path}", server.base))
            .header(reqwest::header::COOKIE, &cookie)
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 200);
        let page = r.text().await.expect("body");
        let http_took = t.elapsed();
        assert!(page.contains(&last_post), "the page shows the last reply");

        let t = Instant::now();
        let r = client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .expect("get");
        r.bytes().await.expect("body");
        let baseline_took = t.elapsed();

        if i >= 20 {
            store_time.push(store_took);
            in_process.push(in_process_took);
            http.push(http_took);
            baseline.push(baseline_took);
        }
    }
    report(
        &format!("{backend}: thread page, store queries (5 calls)"),
        store_time,
    );
    report(
        &format!("{backend}: thread page, server work in-process"),
        in_process,
    );
    report(
        &format!(
            "{backend}: GET /threads/{{id}} over loopback ({} kB)",
            page_bytes / 1024
        ),
        http,
    );
    report(
        &format!("{backend}: GET /healthz over loopback (baseline)"),
        baseline,
    );

    live(backend, &store, &server, words, owner, space_id, &members).await;
    drop(server);
    db.remove(store).await;
}

/// The post id in an SSE `data:` line of a `post` event: `{"post":42}`.
fn post_id(data: &str) -> Option<i64> {
    data.trim()
        .strip_prefix("{\"post\":")?
        .strip_suffix('}')?
        .trim()
        .parse()
        .ok()
}

async fn live(
    backend: &str,
    store: &Store,
    server: &Server,
    words: &Words,
    owner: PersonId,
    space_id: SpaceId,
    members: &[PersonId],
) {
    let mut rng = StdRng::seed_from_u64(50);
    let (title, _) = words.title(&mut rng);
    let body = words.markdown_post(&mut rng);
    let thread_id = store
        .create_thread(
            &NewThread {
                space_id,
                kind: ThreadKind::Question,
                title: space::Title::parse(&title).expect("title"),
                question: String::new(),
                skills: Vec::new(),
                post: post_input(&title, &body),
            },
            owner,
            now(),
        )
        .await
        .expect("thread")
        .thread_id;
    let client = reqwest::Client::new();
    // A few replies before anyone listens, so that the timed ones find warm connections and
    // prepared statements.
    let token = api_token(store, owner).await;
    let replies_url = format!("{}/api/v1/threads/{thread_id}/replies", server.base);
    for _ in 0..5 {
        let r = client
            .post(&replies_url)
            .bearer_auth(&token)
            .json(&serde_json::json!({ "body": words.markdown_post(&mut rng) }))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 201);
    }
    let url = format!("{}/threads/{thread_id}/events", server.base);
    let connecting = Instant::now();
    let mut listeners = Vec::with_capacity(members.len());
    for &member in members {
        let cookie = format!("peerlab_session={}", session(store, member).await);
        let client = client.clone();
        let url = url.clone();
        listeners.push(tokio::spawn(async move {
            let mut response = client
                .get(&url)
                .header(reqwest::header::COOKIE, cookie)
                .send()
                .await
                .expect("events");
            assert_eq!(response.status(), 200);
            let mut seen: Vec<(i64, Instant)> = Vec::with_capacity(LIVE_REPLIES);
            let mut buf = String::new();
            let mut event = String::new();
            while seen.len() < LIVE_REPLIES {
                let Some(chunk) = response.chunk().await.expect("chunk") else {
                    break;
                };
                let at = Instant::now();
                buf.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
                while let Some(end) = buf.find('\n') {
                    let line: String = buf.drain(..=end).collect();
                    let line = line.trim_end();
                    if let Some(e) = line.strip_prefix("event:") {
                        event = e.trim().to_string();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        if event == "post" {
                            if let Some(id) = post_id(d) {
                                seen.push((id, at));
                            }
                        }
                    } else if line.is_empty() {
                        event.clear();
                    }
                }
            }
            seen
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.state.live.listeners(Topic::Thread(thread_id)) < members.len() {
        assert!(
            Instant::now() < deadline,
            "only {} of {} listeners connected",
            server.state.live.listeners(Topic::Thread(thread_id)),
            members.len()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    println!(
        "{backend}: {} listeners connected to GET /threads/{{id}}/events in {:.0} ms (sessions created on the way)",
        members.len(),
        connecting.elapsed().as_secs_f64() * 1e3
    );

    let url = replies_url;
    let mut sent: HashMap<i64, Instant> = HashMap::new();
    let mut posting = Vec::with_capacity(LIVE_REPLIES);
    for _ in 0..LIVE_REPLIES {
        let body = words.markdown_post(&mut rng);
        let t = Instant::now();
        let r = client
            .post(&url)
            .bearer_auth(&token)
            .json(&serde_json::json!({ "body": body }))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 201);
        let created: serde_json::Value = r.json().await.expect("json");
        posting.push(t.elapsed());
        sent.insert(created["post_id"].as_i64().expect("post_id"), t);
        tokio::time::sleep(LIVE_PAUSE).await;
    }

    let mut delays = Vec::with_capacity(LIVE_REPLIES * members.len());
    let mut missing = 0;
    let mut unexpected = 0;
    for listener in listeners {
        let seen = match tokio::time::timeout(Duration::from_secs(30), listener).await {
            Ok(Ok(seen)) => seen,
            _ => Vec::new(),
        };
        missing += LIVE_REPLIES.saturating_sub(seen.len());
        for (id, at) in seen {
            match sent.get(&id) {
                Some(&t) => delays.push(at.saturating_duration_since(t)),
                None => unexpected += 1,
            }
        }
    }
    report(
        &format!(
            "{backend}: POST /api/v1/threads/{{id}}/replies, {} listening",
            members.len()
        ),
        posting,
    );
    report(
        &format!(
            "{backend}: live delivery, {} listeners x {LIVE_REPLIES} replies",
            members.len()
        ),
        delays,
    );
    if missing > 0 || unexpected > 0 {
        println!("{backend}: live delivery: {missing} deliveries missing, {unexpected} unexpected");
    }
}
