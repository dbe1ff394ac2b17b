//! Threads and posts: writing them (a locked thread takes no reply), reading a thread with
//! its reactions, editing with history, deleting.

use super::*;

fn attach_reactions(posts: &mut [Post], rows: Vec<(PostId, String, i64, i64)>) {
    let mut by_post: HashMap<PostId, Vec<ReactionCount>> = HashMap::new();
    for (post, reaction, count, mine) in rows {
        if let Ok(reaction) = Reaction::parse(&reaction) {
            by_post.entry(post).or_default().push(ReactionCount {
                reaction,
                count,
                mine: mine > 0,
            });
        }
    }
    for post in posts {
        if let Some(mut r) = by_post.remove(&post.id) {
            r.sort_by_key(|c| Reaction::ALL.iter().position(|&x| x == c.reaction));
            post.reactions = r;
        }
    }
}

impl Store {
    // ---- Threads and posts -------------------------------------------------------------

    pub async fn threads(
        &self,
        space_id: SpaceId,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ThreadSummary>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT t.id, t.space_id, t.kind, t.title, t.author_id, a.name AS author_name, t.reply_count, \
             (t.locked <> 0) AS locked, (t.accepted_post_id IS NOT NULL) AS answered, t.created_at, t.last_activity_at \
             FROM threads t LEFT JOIN people a ON a.id = t.author_id WHERE t.space_id = $1 \
             ORDER BY t.last_activity_at DESC, t.id DESC LIMIT $2 OFFSET $3"
        )
        .bind(space_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await
        })?)
    }

    /// One thread as its space's list shows it.
    pub async fn thread_summary(&self, thread_id: ThreadId) -> Result<Option<ThreadSummary>> {
        let sql = format!("SELECT {SUMMARY_COLUMNS} WHERE t.id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(thread_id)
            .fetch_optional(p)
            .await)?)
    }

    /// Starts a thread with its opening post; mentioned people are notified.
    pub async fn create_thread(
        &self,
        new: &NewThread,
        author: PersonId,
        now: i64,
    ) -> Result<Written> {
        Ok(write_tx!(self, |tx| {
            let thread_id: ThreadId = sqlx::query_scalar(
                "INSERT INTO threads (space_id, kind, title, question, author_id, created_at, last_activity_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
            )
            .bind(new.space_id)
            .bind(new.kind.as_str())
            .bind(new.title.as_str())
            .bind(&new.question)
            .bind(author)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            // A confidential thread tags only skills that exist: a new skill name would be
            // listed company-wide, and what is said in the space stays there.
            let confidential: bool =
                sqlx::query_scalar("SELECT visibility = 'confidential' FROM spaces WHERE id = $1")
                    .bind(new.space_id)
                    .fetch_one(&mut *tx)
                    .await?;
            for skill in &new.skills {
                let skill_id = if confidential {
                    let found: Option<SkillId> =
                        sqlx::query_scalar("SELECT id FROM skills WHERE key = $1")
                            .bind(skill.key())
                            .fetch_optional(&mut *tx)
                            .await?;
                    match found {
                        Some(id) => id,
                        None => continue,
                    }
                } else {
                    Tx::from(&mut *tx).ensure_skill(skill).await?
                };
                sqlx::query("INSERT INTO thread_skills (thread_id, skill_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(thread_id)
                    .bind(skill_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let post_id = Tx::from(&mut *tx)
                .insert_post(new.space_id, thread_id, author, true, &new.post, now)
                .await?;
            Tx::from(&mut *tx).touch_space(new.space_id, now).await?;
            Tx::from(&mut *tx)
                .notify_mentions(
                    &new.post.mentions,
                    author,
                    new.space_id,
                    thread_id,
                    post_id,
                    now,
                )
                .await?;
            // A new prompt is for everyone in the space: its members hear of it.
            if new.kind == ThreadKind::Prompt {
                sqlx::query(
                    "INSERT INTO notifications (person_id, kind, actor_id, space_id, thread_id, post_id, created_at) \
                     SELECT m.person_id, 'prompt', $1, $2, $3, $4, $5 FROM space_members m \
                     WHERE m.space_id = $2 AND m.person_id <> $1",
                )
                .bind(author)
                .bind(new.space_id)
                .bind(thread_id)
                .bind(post_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            Written { thread_id, post_id }
        }))
    }

    /// Adds a reply. A locked thread takes none. The thread's author hears of it, and so does
    /// everyone mentioned.
    pub async fn reply(
        &self,
        thread_id: ThreadId,
        post: &PostInput,
        author: PersonId,
        now: i64,
    ) -> Result<Written> {
        Ok(write_tx!(self, |tx| {
            let row: Option<(SpaceId, i64, Option<PersonId>)> =
                sqlx::query_as("SELECT space_id, locked, author_id FROM threads WHERE id = $1")
                    .bind(thread_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((space_id, locked, thread_author)) = row else {
                return Err(StoreError::NotFound("thread"));
            };
            if locked != 0 {
                return Err(StoreError::Conflict(
                    "this thread is locked by a moderator: it takes no new replies".into(),
                ));
            }
            let post_id = Tx::from(&mut *tx)
                .insert_post(space_id, thread_id, author, false, post, now)
                .await?;
            sqlx::query("UPDATE threads SET reply_count = reply_count + 1, last_activity_at = $1 WHERE id = $2")
                .bind(now)
                .bind(thread_id)
                .execute(&mut *tx)
                .await?;
            Tx::from(&mut *tx).touch_space(space_id, now).await?;
            if let Some(owner) =
                thread_author.filter(|&a| a != author && !post.mentions.contains(&a))
            {
                Tx::from(&mut *tx)
                    .notify(&NewNotification {
                        person_id: owner,
                        kind: NoticeKind::Reply,
                        actor: author,
                        space_id,
                        thread_id: Some(thread_id),
                        post_id: Some(post_id),
                        now,
                    })
                    .await?;
            }
            Tx::from(&mut *tx)
                .notify_mentions(&post.mentions, author, space_id, thread_id, post_id, now)
                .await?;
            Written { thread_id, post_id }
        }))
    }

    pub async fn thread(&self, thread_id: ThreadId) -> Result<Option<Thread>> {
        let sql = format!("SELECT {THREAD_COLUMNS} WHERE t.id = $1");
        let thread: Option<Thread> = on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(thread_id)
            .fetch_optional(p)
            .await)?;
        let Some(mut thread) = thread else {
            return Ok(None);
        };
        thread.skills = on_pool!(self, |p| {
            sqlx::query_scalar(
            "SELECT s.name FROM thread_skills ts JOIN skills s ON s.id = ts.skill_id WHERE ts.thread_id = $1 ORDER BY s.name"
        )
        .bind(thread_id)
        .fetch_all(p)
        .await
        })?;
        Ok(Some(thread))
    }

    /// A thread with all its posts and their reactions as `viewer` sees them: three queries
    /// whatever the number of replies.
    pub async fn thread_view(
        &self,
        thread_id: ThreadId,
        viewer: PersonId,
    ) -> Result<Option<ThreadView>> {
        let Some(thread) = self.thread(thread_id).await? else {
            return Ok(None);
        };
        let posts = self.thread_posts(thread_id, viewer, true).await?;
        Ok(Some(ThreadView { thread, posts }))
    }

    /// A thread's posts, opening post first, with their reactions as `viewer` sees them: two
    /// queries whatever the number of replies. Without `source`, the Markdown source is left
    /// out (pages show only the rendered HTML).
    pub async fn thread_posts(
        &self,
        thread_id: ThreadId,
        viewer: PersonId,
        source: bool,
    ) -> Result<Vec<Post>> {
        let columns = if source {
            POST_COLUMNS.to_string()
        } else {
            POST_COLUMNS.replace("p.body, ", "'' AS body, ")
        };
        let sql = format!("SELECT {columns} WHERE p.thread_id = $1 ORDER BY p.id");
        let mut posts: Vec<Post> = on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(thread_id)
            .fetch_all(p)
            .await)?;
        let rows: Vec<(PostId, String, i64, i64)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT r.post_id, r.reaction, COUNT(*), SUM(CASE WHEN r.person_id = $2 THEN 1 ELSE 0 END) \
             FROM reactions r JOIN posts p ON p.id = r.post_id WHERE p.thread_id = $1 GROUP BY r.post_id, r.reaction"
        )
        .bind(thread_id)
        .bind(viewer)
        .fetch_all(p)
        .await
        })?;
        attach_reactions(&mut posts, rows);
        Ok(posts)
    }

    /// One post as `viewer` sees it, with its reactions (for live updates).
    pub async fn post_view(&self, post_id: PostId, viewer: PersonId) -> Result<Option<Post>> {
        let sql = format!("SELECT {POST_COLUMNS} WHERE p.id = $1");
        let post: Option<Post> = on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(post_id)
            .fetch_optional(p)
            .await)?;
        let Some(post) = post else {
            return Ok(None);
        };
        let rows: Vec<(PostId, String, i64, i64)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT post_id, reaction, COUNT(*), SUM(CASE WHEN person_id = $2 THEN 1 ELSE 0 END) \
             FROM reactions WHERE post_id = $1 GROUP BY post_id, reaction"
        )
        .bind(post_id)
        .bind(viewer)
        .fetch_all(p)
        .await
        })?;
        let mut posts = vec![post];
        attach_reactions(&mut posts, rows);
        Ok(posts.pop())
    }

    /// Replaces a post's text, keeping the old one in its history.
    pub async fn edit_post(
        &self,
        post_id: PostId,
        post: &PostInput,
        editor: PersonId,
        now: i64,
    ) -> Result<Written> {
        Ok(write_tx!(self, |tx| {
            let row: Option<(ThreadId, String, String)> =
                sqlx::query_as("SELECT thread_id, body, state FROM posts WHERE id = $1")
                    .bind(post_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((thread_id, old, state)) = row else {
                return Err(StoreError::NotFound("post"));
            };
            if keyword::<PostState>(state)? == PostState::Deleted {
                return Err(StoreError::Conflict("this post was deleted".into()));
            }
            sqlx::query("INSERT INTO post_edits (post_id, body, edited_by, replaced_at) VALUES ($1, $2, $3, $4)")
                .bind(post_id)
                .bind(&old)
                .bind(editor)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE posts SET body = $1, body_html = $2, search_text = $3, edited_at = $4 WHERE id = $5")
                .bind(post.body.as_str())
                .bind(&post.body_html)
                .bind(&post.search_text)
                .bind(now)
                .bind(post_id)
                .execute(&mut *tx)
                .await?;
            Written { thread_id, post_id }
        }))
    }

    /// Deletes a post's text and its history at its author's wish; the post stays as a
    /// placeholder so that replies keep their place.
    pub async fn delete_post(&self, post_id: PostId, now: i64) -> Result<Written> {
        Ok(write_tx!(self, |tx| {
            let thread_id: Option<ThreadId> = sqlx::query_scalar(
                "UPDATE posts SET body = '', body_html = '', search_text = '', state = 'deleted', edited_at = $1 \
                 WHERE id = $2 AND state <> 'deleted' RETURNING thread_id",
            )
            .bind(now)
            .bind(post_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(thread_id) = thread_id else {
                return Err(StoreError::NotFound("post"));
            };
            sqlx::query("DELETE FROM post_edits WHERE post_id = $1")
                .bind(post_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE threads SET accepted_post_id = NULL WHERE accepted_post_id = $1")
                .bind(post_id)
                .execute(&mut *tx)
                .await?;
            Written { thread_id, post_id }
        }))
    }

    pub async fn post_history(&self, post_id: PostId) -> Result<Vec<Edit>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT e.body, e.edited_by, a.name AS editor_name, e.replaced_at FROM post_edits e \
             LEFT JOIN people a ON a.id = e.edited_by WHERE e.post_id = $1 ORDER BY e.id DESC"
        )
        .bind(post_id)
        .fetch_all(p)
        .await)?)
    }
}

impl Tx<'_> {
    pub(crate) async fn insert_post(
        &mut self,
        space_id: SpaceId,
        thread_id: ThreadId,
        author: PersonId,
        opening: bool,
        post: &PostInput,
        now: i64,
    ) -> Result<PostId> {
        on_conn!(self, |c| {
            let id: PostId = sqlx::query_scalar(
                "INSERT INTO posts (thread_id, space_id, author_id, opening, body, body_html, search_text, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(thread_id)
            .bind(space_id)
            .bind(author)
            .bind(i64::from(opening))
            .bind(post.body.as_str())
            .bind(&post.body_html)
            .bind(&post.search_text)
            .bind(now)
            .fetch_one(&mut *c)
            .await?;
            Ok(id)
        })
    }

    pub(crate) async fn touch_space(&mut self, space_id: SpaceId, now: i64) -> Result<()> {
        on_conn!(self, |c| {
            sqlx::query("UPDATE spaces SET last_activity_at = $1 WHERE id = $2")
                .bind(now)
                .bind(space_id)
                .execute(&mut *c)
                .await?;
            Ok(())
        })
    }
}
