//! Post search over a large corpus written with bulk INSERTs straight into the database.

use super::*;

/// Replies in the search corpus: `PEERLAB_BENCH_REPLIES`, default 1,000,000.
fn corpus_replies() -> usize {
    std::env::var("PEERLAB_BENCH_REPLIES")
        .ok()
        .map(|v| {
            v.replace(['_', ','], "")
                .parse()
                .expect("PEERLAB_BENCH_REPLIES is a number")
        })
        .unwrap_or(1_000_000)
}

struct PlanThread {
    space: u8,
    author: u32,
    kind: ThreadKind,
    title: String,
    title_ids: Vec<u32>,
    created_at: i64,
    last_activity_at: i64,
    replies: i64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Visible,
    Hidden,
    Deleted,
}

struct PlanPost {
    thread: u32,
    author: u32,
    created_at: i64,
    opening: bool,
    state: State,
}

struct PostRow {
    id: i64,
    thread_id: ThreadId,
    space_id: SpaceId,
    author_id: PersonId,
    opening: i64,
    body: String,
    body_html: String,
    search_text: String,
    state: &'static str,
    created_at: i64,
}

/// A direct connection for bulk writes, beside the store's pool.
enum Fill {
    Sqlite(sqlx::SqliteConnection),
    Pg(sqlx::PgConnection),
}

fn values(rows: usize, cols: usize, pg: bool) -> String {
    let mut out = String::with_capacity(rows * cols * 6);
    let mut n = 0;
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ",(" });
        for c in 0..cols {
            if c > 0 {
                out.push(',');
            }
            n += 1;
            if pg {
                out.push_str(&format!("${n}"));
            } else {
                out.push('?');
            }
        }
        out.push(')');
    }
    out
}

macro_rules! on_fill {
    ($fill:expr, |$conn:ident, $pg:ident| $body:expr) => {
        match $fill {
            Fill::Sqlite($conn) => {
                let $pg = false;
                $body
            }
            Fill::Pg($conn) => {
                let $pg = true;
                $body
            }
        }
    };
}

impl Fill {
    async fn open(location: &Location) -> Self {
        match location {
            Location::Sqlite(path) => {
                let options = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(path)
                    .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(60))
                    .pragma("cache_size", "-400000");
                Fill::Sqlite(
                    sqlx::SqliteConnection::connect_with(&options)
                        .await
                        .expect("sqlite"),
                )
            }
            Location::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.expect("postgres");
                for sql in [
                    "SET synchronous_commit = off",
                    "SET maintenance_work_mem = '512MB'",
                ] {
                    sqlx::query(sql).execute(&mut conn).await.expect("set");
                }
                Fill::Pg(conn)
            }
        }
    }

    async fn exec(&mut self, sql: &str) {
        on_fill!(self, |c, _pg| {
            sqlx::query(sql)
                .execute(&mut *c)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        })
    }

    async fn insert_threads(
        &mut self,
        first_id: i64,
        rows: &[PlanThread],
        spaces: &[SpaceId],
        people: &[PersonId],
    ) {
        on_fill!(self, |c, pg| {
            let sql = format!(
                "INSERT INTO threads (id, space_id, kind, title, author_id, reply_count, created_at, last_activity_at) VALUES {}",
                values(rows.len(), 8, pg)
            );
            let mut q = sqlx::query(&sql);
            for (i, t) in rows.iter().enumerate() {
                q = q
                    .bind(first_id + i as i64)
                    .bind(spaces[t.space as usize])
                    .bind(t.kind.as_str())
                    .bind(&t.title)
                    .bind(people[t.author as usize])
                    .bind(t.replies)
                    .bind(t.created_at)
                    .bind(t.last_activity_at);
            }
            q.execute(&mut *c).await.expect("insert threads");
        })
    }

    async fn insert_posts(&mut self, rows: &[PostRow]) {
        on_fill!(self, |c, pg| {
            let sql = format!(
                "INSERT INTO posts (id, thread_id, space_id, author_id, opening, body, body_html, search_text, state, created_at) VALUES {}",
                values(rows.len(), 10, pg)
            );
            let mut q = sqlx::query(&sql);
            for p in rows {
                q = q
                    .bind(p.id)
                    .bind(p.thread_id)
                    .bind(p.space_id)
                    .bind(p.author_id)
                    .bind(p.opening)
                    .bind(&p.body)
                    .bind(&p.body_html)
                    .bind(&p.search_text)
                    .bind(p.state)
                    .bind(p.created_at);
            }
            q.execute(&mut *c).await.expect("insert posts");
        })
    }

    /// The secondary indexes of `table` as (name, CREATE statement).
    async fn indexes(&mut self, table: &str) -> Vec<(String, String)> {
        match self {
            Fill::Sqlite(c) => sqlx::query_as(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL",
            )
            .bind(table)
            .fetch_all(&mut *c)
            .await
            .expect("indexes"),
            Fill::Pg(c) => sqlx::query_as(
                "SELECT i.indexname::text, i.indexdef FROM pg_indexes i WHERE i.tablename = $1 \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)",
            )
            .bind(table)
            .fetch_all(&mut *c)
            .await
            .expect("indexes"),
        }
    }
}

pub(super) async fn search(backend: &str, words: Arc<Words>) {
    let Some(db) = fresh(backend, "search").await else {
        return;
    };
    let store = Store::open(&db.location, Create::IfMissing)
        .await
        .expect("open");
    let replies = corpus_replies();
    let n_threads = (replies / REPLIES_PER_THREAD).max(1);
    let n_posts = replies + n_threads;
    let mut rng = StdRng::seed_from_u64(1_000_000);
    let t0 = now();
    let started = Instant::now();

    // People and spaces through the store, as the application makes them.
    let mut people = Vec::with_capacity(CORPUS_PEOPLE);
    for i in 0..CORPUS_PEOPLE {
        let role = if i == 0 { Role::Admin } else { Role::Member };
        people.push(person(&store, i, role).await);
    }
    let (owner, searcher) = (people[0], people[1]);
    let mut spaces = Vec::with_capacity(CORPUS_SPACES);
    let mut visibility = Vec::with_capacity(CORPUS_SPACES);
    for i in 0..CORPUS_SPACES {
        // Sizes fall with the index (Zipf); visibilities alternate so that each has big spaces.
        let v = match i % 4 {
            0 | 2 => Visibility::Open,
            1 => Visibility::Private,
            _ => Visibility::Confidential,
        };
        let (name, _) = words.title(&mut rng);
        let id = store
            .create_space(
                &NewSpace {
                    name: format!("Space {i}: {}", &name[..name.len().min(60)]),
                    description: String::new(),
                    kind: SpaceKind::Community,
                    visibility: v,
                    rules: space::DEFAULT_RULES.to_string(),
                },
                owner,
                t0,
            )
            .await
            .expect("space");
        spaces.push(id);
        visibility.push(v);
    }
    // The searcher belongs to two open, two private and one confidential space.
    let joined = [0usize, 2, 1, 5, 3];
    for &i in &joined {
        store
            .add_member(spaces[i], searcher, SpaceRole::Member, None, t0)
            .await
            .expect("member");
    }
    let allowed: HashSet<SpaceId> = (0..CORPUS_SPACES)
        .filter(|&i| {
            visibility[i] == Visibility::Open
                || (visibility[i] == Visibility::Private && joined.contains(&i))
        })
        .map(|i| spaces[i])
        .collect();

    // The plan: posts in time order over three years, threads started among them, replies
    // mostly to recent threads.
    let span = 3 * 365 * 86_400_000i64;
    let first = t0 - span;
    let space_cdf = zipf_cdf(CORPUS_SPACES, 0.8);
    let kinds = [
        ThreadKind::Discussion,
        ThreadKind::Discussion,
        ThreadKind::Question,
        ThreadKind::Question,
        ThreadKind::Story,
        ThreadKind::Takeaway,
    ];
    let mut threads: Vec<PlanThread> = Vec::with_capacity(n_threads);
    let mut posts: Vec<PlanPost> = Vec::with_capacity(n_posts);
    for k in 0..n_posts {
        let at = first + (k as i64 * span) / n_posts as i64;
        let author = rng.gen_range(0..CORPUS_PEOPLE) as u32;
        let left_threads = n_threads - threads.len();
        if threads.is_empty() || (left_threads > 0 && rng.gen_range(0..n_posts - k) < left_threads)
        {
            let (title, title_ids) = words.title(&mut rng);
            threads.push(PlanThread {
                space: pick(&space_cdf, &mut rng) as u8,
                author,
                kind: kinds[rng.gen_range(0..kinds.len())],
                title,
                title_ids,
                created_at: at,
                last_activity_at: at,
                replies: 0,
            });
            posts.push(PlanPost {
                thread: threads.len() as u32 - 1,
                author,
                created_at: at,
                opening: true,
                state: State::Visible,
            });
        } else {
            let m = threads.len();
            let back = ((rng.gen::<f64>().powi(4) * m as f64) as usize).min(m - 1);
            let t = m - 1 - back;
            threads[t].replies += 1;
            threads[t].last_activity_at = at;
            let state = match rng.gen_range(0..1000) {
                0 | 1 => State::Hidden,
                2 | 3 => State::Deleted,
                _ => State::Visible,
            };
            posts.push(PlanPost {
                thread: t as u32,
                author,
                created_at: at,
                opening: false,
                state,
            });
        }
    }

    let mut fill = Fill::open(&db.location).await;
    // Bulk load: secondary indexes of posts are dropped and built again after the rows (the
    // primary key, and SQLite's full-text index kept by trigger, stay throughout).
    let indexes = fill.indexes("posts").await;
    for (name, _) in &indexes {
        fill.exec(&format!("DROP INDEX {name}")).await;
    }
    fill.exec("BEGIN").await;
    for (i, chunk) in threads.chunks(ROWS_PER_INSERT).enumerate() {
        fill.insert_threads(1 + (i * ROWS_PER_INSERT) as i64, chunk, &spaces, &people)
            .await;
    }
    fill.exec("COMMIT").await;

    // Posts are written by a generator thread and inserted here, in big transactions.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<PostRow>>(4);
    let thread_info: Vec<(SpaceId, String, Vec<u32>)> = threads
        .into_iter()
        .map(|t| (spaces[t.space as usize], t.title, t.title_ids))
        .collect();
    let generator_words = words.clone();
    let generator_people = people.clone();
    let generator = std::thread::spawn(move || {
        let words = generator_words;
        let mut rng = StdRng::seed_from_u64(77);
        let mut df = vec![0u32; words.words.len()];
        let mut last = vec![0u32; words.words.len()];
        let mut batch = Vec::with_capacity(ROWS_PER_INSERT);
        for (k, p) in posts.iter().enumerate() {
            let (space_id, title, title_ids) = &thread_info[p.thread as usize];
            let (body, mut ids) = if p.state == State::Deleted {
                (String::new(), Vec::new())
            } else {
                words.plain_post(&mut rng, 200, 700)
            };
            let search_text = match (p.state, p.opening) {
                (State::Deleted, _) => String::new(),
                (_, true) => {
                    ids.extend_from_slice(title_ids);
                    text::index_text([title.as_str(), body.as_str()])
                }
                (_, false) => text::index_text(["", body.as_str()]),
            };
            if p.state == State::Visible {
                for id in ids {
                    if last[id as usize] != k as u32 + 1 {
                        last[id as usize] = k as u32 + 1;
                        df[id as usize] += 1;
                    }
                }
            }
            let body_html = if body.is_empty() {
                String::new()
            } else {
                body.split("\n\n")
                    .map(|p| format!("<p>{p}</p>"))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            batch.push(PostRow {
                id: k as i64 + 1,
                thread_id: ThreadId::new(p.thread as i64 + 1),
                space_id: *space_id,
                author_id: generator_people[p.author as usize],
                opening: i64::from(p.opening),
                body,
                body_html,
                search_text,
                state: match p.state {
                    State::Visible => "visible",
                    State::Hidden => "hidden",
                    State::Deleted => "deleted",
                },
                created_at: p.created_at,
            });
            if batch.len() == ROWS_PER_INSERT {
                if tx.blocking_send(std::mem::take(&mut batch)).is_err() {
                    break;
                }
                batch.reserve(ROWS_PER_INSERT);
            }
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(batch);
        }
        df
    });
    let mut in_tx = 0;
    let mut written = 0;
    fill.exec("BEGIN").await;
    while let Some(batch) = rx.recv().await {
        fill.insert_posts(&batch).await;
        in_tx += batch.len();
        written += batch.len();
        if in_tx >= ROWS_PER_TX {
            fill.exec("COMMIT").await;
            fill.exec("BEGIN").await;
            in_tx = 0;
        }
        if verbose() && written % 200_000 == 0 {
            println!(
                "  {written} posts written in {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    fill.exec("COMMIT").await;
    let df = generator.join().expect("generator");
    let rows_done = started.elapsed();
    for (_, sql) in &indexes {
        fill.exec(sql).await;
    }
    let indexed = started.elapsed();
    let size_mb = match &mut fill {
        Fill::Sqlite(c) => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut *c)
                .await
                .expect("checkpoint");
            let Location::Sqlite(path) = &db.location else {
                unreachable!()
            };
            let wal = PathBuf::from(format!("{}-wal", path.display()));
            (std::fs::metadata(path).map_or(0, |m| m.len())
                + std::fs::metadata(&wal).map_or(0, |m| m.len())) as f64
                / 1e6
        }
        Fill::Pg(c) => {
            for sql in [
                "SELECT setval(pg_get_serial_sequence('threads', 'id'), (SELECT MAX(id) FROM threads))",
                "SELECT setval(pg_get_serial_sequence('posts', 'id'), (SELECT MAX(id) FROM posts))",
                // What autovacuum would have done by now: statistics and the visibility map.
                "VACUUM ANALYZE",
            ] {
                sqlx::query(sql).execute(&mut *c).await.expect(sql);
            }
            let bytes: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
                .fetch_one(&mut *c)
                .await
                .expect("size");
            bytes as f64 / 1e6
        }
    };
    println!(
        "{backend}: search corpus: {replies} replies + {n_threads} opening posts in {n_threads} threads, {CORPUS_SPACES} spaces, {CORPUS_PEOPLE} people"
    );
    println!(
        "{backend}: corpus fill: rows {:.1} s, indexes {:.1} s, total {:.1} s; database {:.0} MB",
        rows_done.as_secs_f64(),
        (indexed - rows_done).as_secs_f64(),
        started.elapsed().as_secs_f64(),
        size_mb
    );

    // Query words by document frequency (visible posts containing the word); only words whose
    // term is not the prefix of another, so that the prefix search matches exactly them.
    let mut sorted_stems: Vec<&str> = words.stems.iter().map(String::as_str).collect();
    sorted_stems.sort_unstable();
    let is_prefix = |s: &str| {
        let i = sorted_stems.partition_point(|&t| t <= s);
        i < sorted_stems.len() && sorted_stems[i].starts_with(s)
    };
    let mut used = HashSet::new();
    let mut class_words = |target: f64| -> Vec<u32> {
        let mut candidates: Vec<u32> = (0..words.words.len() as u32)
            .filter(|&id| df[id as usize] > 0 && !used.contains(&id))
            .filter(|&id| !is_prefix(&words.stems[id as usize]))
            .collect();
        candidates.sort_by(|&a, &b| {
            let da = ((df[a as usize] as f64).ln() - target.ln()).abs();
            let db = ((df[b as usize] as f64).ln() - target.ln()).abs();
            da.total_cmp(&db)
        });
        candidates.truncate(10);
        used.extend(candidates.iter().copied());
        candidates
    };
    let posts_f = n_posts as f64;
    let common = class_words(posts_f * 0.20);
    let medium = class_words(posts_f * 0.005);
    let rare = class_words((posts_f * 0.00005).max(3.0));
    let df_range = |ids: &[u32]| {
        let d: Vec<u32> = ids.iter().map(|&i| df[i as usize]).collect();
        format!(
            "{}..{}",
            d.iter().min().copied().unwrap_or(0),
            d.iter().max().copied().unwrap_or(0)
        )
    };
    let w = |id: u32| words.words[id as usize];
    println!(
        "{backend}: query words (posts containing each): common {} ({}), medium {} ({}), rare {} ({})",
        df_range(&common),
        common.iter().take(4).map(|&i| w(i)).collect::<Vec<_>>().join(" "),
        df_range(&medium),
        medium.iter().take(4).map(|&i| w(i)).collect::<Vec<_>>().join(" "),
        df_range(&rare),
        rare.iter().take(4).map(|&i| w(i)).collect::<Vec<_>>().join(" "),
    );
    // `count` queries of one word of `ids`, or of two words (`a`'s, and `b`'s `shift` on).
    let one = |ids: &[u32], count: usize| -> Vec<String> {
        (0..count)
            .map(|i| w(ids[i % ids.len().max(1)]).to_string())
            .collect()
    };
    let two = |a: &[u32], b: &[u32], shift: usize| -> Vec<String> {
        (0..PER_CLASS)
            .map(|i| {
                format!(
                    "{} {}",
                    w(a[i % a.len().max(1)]),
                    w(b[(i + shift) % b.len().max(1)])
                )
            })
            .collect()
    };
    let classes: Vec<(&str, Option<SpaceId>, Vec<String>)> = vec![
        ("1 common word", None, one(&common, PER_CLASS)),
        ("1 medium word", None, one(&medium, PER_CLASS)),
        ("1 rare word", None, one(&rare, PER_CLASS)),
        ("2 common words", None, two(&common, &common, 3)),
        ("2 medium words", None, two(&medium, &medium, 1)),
        ("rare + common word", None, two(&rare, &common, 1)),
        (
            "1 common word, in one space",
            Some(spaces[1]),
            one(&common, PER_CLASS / 2),
        ),
        (
            "1 rare word, in one space",
            Some(spaces[1]),
            one(&rare, PER_CLASS / 2),
        ),
    ];

    let scope = |space_id| SearchScope {
        person_id: searcher,
        site_role: Role::Member,
        space_id,
    };
    // Warm-up: every query once.
    for (_, space_id, queries) in &classes {
        for q in queries.iter().collect::<HashSet<_>>() {
            store
                .search_posts(q, scope(*space_id), 20)
                .await
                .expect("search");
        }
    }
    for (label, space_id, queries) in &classes {
        let mut samples = Vec::with_capacity(queries.len());
        let mut spent = Duration::ZERO;
        let mut hits = 0;
        for q in queries {
            let t = Instant::now();
            let found = store
                .search_posts(q, scope(*space_id), 20)
                .await
                .expect("search");
            let took = t.elapsed();
            samples.push(took);
            spent += took;
            hits += found.len();
            for h in &found {
                assert!(
                    space_id.map_or(allowed.contains(&h.space_id), |s| s == h.space_id),
                    "a hit in space {} that the searcher may not search",
                    h.space_id
                );
            }
            if spent > CLASS_BUDGET {
                break;
            }
        }
        let mean_hits = hits as f64 / samples.len() as f64;
        report(
            &format!("{backend}: search_posts, {label} ({mean_hits:.0} hits)"),
            samples,
        );
    }

    // A subset through the API, token authentication included.
    let server = start(&store).await;
    let token = api_token(&store, searcher).await;
    let client = reqwest::Client::new();
    for (label, space_id, queries) in &classes {
        if space_id.is_some() {
            continue;
        }
        let mut samples = Vec::with_capacity(HTTP_PER_CLASS);
        let mut spent = Duration::ZERO;
        for q in queries.iter().take(HTTP_PER_CLASS) {
            let t = Instant::now();
            let r = client
                .get(format!("{}/api/v1/search", server.base))
                .query(&[("q", q.as_str()), ("limit", "20")])
                .bearer_auth(&token)
                .send()
                .await
                .expect("search");
            assert_eq!(r.status(), 200);
            r.bytes().await.expect("body");
            let took = t.elapsed();
            samples.push(took);
            spent += took;
            if spent > CLASS_BUDGET {
                break;
            }
        }
        report(&format!("{backend}: GET /api/v1/search, {label}"), samples);
    }
    drop(server);
    drop(fill);
    db.remove(store).await;
}
