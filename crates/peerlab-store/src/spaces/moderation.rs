//! Flags (one per person and post), auto-hide, moderation and its audit log, and the review
//! queue.

use super::*;

impl Store {
    // ---- Moderation --------------------------------------------------------------------

    /// Flags a post. When its flags reach the space's threshold, the post is hidden pending
    /// review; returns whether this flag hid it.
    pub async fn flag(
        &self,
        post_id: PostId,
        person_id: PersonId,
        reason: &str,
        now: i64,
    ) -> Result<(Written, bool)> {
        Ok(write_tx!(self, |tx| {
            let row: Option<(ThreadId, SpaceId, String, i64)> = sqlx::query_as(
                "SELECT p.thread_id, p.space_id, p.state, s.auto_hide_flags FROM posts p JOIN spaces s ON s.id = p.space_id WHERE p.id = $1",
            )
            .bind(post_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((thread_id, space_id, state, threshold)) = row else {
                return Err(StoreError::NotFound("post"));
            };
            let state: PostState = keyword(state)?;
            if state == PostState::Deleted {
                return Err(StoreError::NotFound("post"));
            }
            sqlx::query("INSERT INTO flags (post_id, person_id, reason, created_at) VALUES ($1, $2, $3, $4)")
                .bind(post_id)
                .bind(person_id)
                .bind(reason)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(conflict_on_unique(|| "you have already flagged this post".into()))?;
            let flags: i64 = sqlx::query_scalar(
                "UPDATE posts SET flag_count = flag_count + 1 WHERE id = $1 RETURNING flag_count",
            )
            .bind(post_id)
            .fetch_one(&mut *tx)
            .await?;
            let hide = state == PostState::Visible && flags >= threshold;
            if hide {
                sqlx::query("UPDATE posts SET state = 'pending' WHERE id = $1")
                    .bind(post_id)
                    .execute(&mut *tx)
                    .await?;
                Tx::from(&mut *tx)
                    .log(&NewLogEntry {
                        space_id,
                        actor: None,
                        action: action::AUTO_HIDE,
                        thread_id: Some(thread_id),
                        post_id: Some(post_id),
                        detail: &format!("{flags} flags"),
                        now,
                    })
                    .await?;
            }
            (Written { thread_id, post_id }, hide)
        }))
    }

    /// Hides a post, or restores it (which also clears its flags: it has been reviewed).
    pub async fn moderate(
        &self,
        post_id: PostId,
        what: Moderation,
        actor: PersonId,
        note: &str,
        now: i64,
    ) -> Result<Written> {
        Ok(write_tx!(self, |tx| {
            let row: Option<(ThreadId, SpaceId, String)> =
                sqlx::query_as("SELECT thread_id, space_id, state FROM posts WHERE id = $1")
                    .bind(post_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((thread_id, space_id, state)) = row else {
                return Err(StoreError::NotFound("post"));
            };
            if keyword::<PostState>(state)? == PostState::Deleted {
                return Err(StoreError::Conflict(
                    "this post was deleted by its author".into(),
                ));
            }
            let (new_state, name) = match what {
                Moderation::Hide => ("hidden", action::HIDE),
                Moderation::Restore => ("visible", action::RESTORE),
            };
            sqlx::query("UPDATE posts SET state = $1 WHERE id = $2")
                .bind(new_state)
                .bind(post_id)
                .execute(&mut *tx)
                .await?;
            if what == Moderation::Restore {
                sqlx::query("DELETE FROM flags WHERE post_id = $1")
                    .bind(post_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE posts SET flag_count = 0 WHERE id = $1")
                    .bind(post_id)
                    .execute(&mut *tx)
                    .await?;
            }
            Tx::from(&mut *tx)
                .log(&NewLogEntry {
                    space_id,
                    actor: Some(actor),
                    action: name,
                    thread_id: Some(thread_id),
                    post_id: Some(post_id),
                    detail: note,
                    now,
                })
                .await?;
            Written { thread_id, post_id }
        }))
    }

    pub async fn lock_thread(
        &self,
        thread_id: ThreadId,
        locked: bool,
        actor: PersonId,
        now: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            let space_id: Option<SpaceId> = sqlx::query_scalar(
                "UPDATE threads SET locked = $1 WHERE id = $2 RETURNING space_id",
            )
            .bind(i64::from(locked))
            .bind(thread_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(space_id) = space_id else {
                return Err(StoreError::NotFound("thread"));
            };
            let name = if locked { action::LOCK } else { action::UNLOCK };
            Tx::from(&mut *tx)
                .log(&NewLogEntry {
                    space_id,
                    actor: Some(actor),
                    action: name,
                    thread_id: Some(thread_id),
                    post_id: None,
                    detail: "",
                    now,
                })
                .await?;
        });
        Ok(())
    }

    /// Flagged and pending posts, most flagged first: in one space, or (for admins) in every
    /// space that is not confidential.
    pub async fn review_queue(&self, space_id: Option<SpaceId>) -> Result<Vec<QueueItem>> {
        let filter = match space_id {
            Some(_) => "p.space_id = $1",
            None => "s.visibility <> 'confidential' AND $1 = $1",
        };
        let sql = format!(
            "SELECT p.id AS post_id, p.thread_id, t.title AS thread_title, p.space_id, s.name AS space_name, \
             a.name AS author_name, p.body, p.state, p.flag_count, p.created_at \
             FROM posts p JOIN threads t ON t.id = p.thread_id JOIN spaces s ON s.id = p.space_id \
             LEFT JOIN people a ON a.id = p.author_id \
             WHERE (p.state = 'pending' OR p.flag_count > 0) AND p.state <> 'deleted' AND {filter} \
             ORDER BY (p.state = 'pending') DESC, p.flag_count DESC, p.id LIMIT 200"
        );
        let mut items: Vec<QueueItem> = on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(space_id.map_or(0, SpaceId::get))
            .fetch_all(p)
            .await)?;
        let ids: Vec<PostId> = items.iter().map(|i| i.post_id).collect();
        if !ids.is_empty() {
            let list = ids
                .iter()
                .map(PostId::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let sql = format!("SELECT post_id, reason FROM flags WHERE post_id IN ({list}) ORDER BY created_at, person_id");
            let rows: Vec<(PostId, String)> =
                on_pool!(self, |p| sqlx::query_as(&sql).fetch_all(p).await)?;
            let mut by_post: HashMap<PostId, Vec<String>> = HashMap::new();
            for (post, reason) in rows {
                by_post.entry(post).or_default().push(reason);
            }
            for item in &mut items {
                item.reasons = by_post.remove(&item.post_id).unwrap_or_default();
            }
        }
        Ok(items)
    }

    pub async fn moderation_log(&self, space_id: SpaceId, limit: i64) -> Result<Vec<LogEntry>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT l.id, l.space_id, l.actor_id, a.name AS actor_name, l.action, l.thread_id, l.post_id, l.detail, l.created_at \
             FROM moderation_log l LEFT JOIN people a ON a.id = l.actor_id WHERE l.space_id = $1 ORDER BY l.id DESC LIMIT $2"
        )
        .bind(space_id)
        .bind(limit)
        .fetch_all(p)
        .await
        })?)
    }
}

impl Tx<'_> {
    pub(crate) async fn log(&mut self, e: &NewLogEntry<'_>) -> Result<()> {
        on_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO moderation_log (space_id, actor_id, action, thread_id, post_id, detail, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(e.space_id)
            .bind(e.actor)
            .bind(e.action)
            .bind(e.thread_id)
            .bind(e.post_id)
            .bind(e.detail)
            .bind(e.now)
            .execute(&mut *c)
            .await?;
            Ok(())
        })
    }
}
