//! Reactions (one of each kind per person and post) and accepted answers to questions.

use super::*;

impl Store {
    pub async fn react(
        &self,
        post_id: PostId,
        person_id: PersonId,
        reaction: Reaction,
        now: i64,
    ) -> Result<Written> {
        Ok(write_tx!(self, |tx| {
            let thread_id: Option<ThreadId> = sqlx::query_scalar(
                "SELECT thread_id FROM posts WHERE id = $1 AND state = 'visible'",
            )
            .bind(post_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(thread_id) = thread_id else {
                return Err(StoreError::NotFound("post"));
            };
            sqlx::query("INSERT INTO reactions (post_id, person_id, reaction, created_at) VALUES ($1, $2, $3, $4)")
                .bind(post_id)
                .bind(person_id)
                .bind(reaction.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(conflict_on_unique(|| format!("you have already reacted {} to this post", reaction.name())))?;
            Written { thread_id, post_id }
        }))
    }

    pub async fn unreact(
        &self,
        post_id: PostId,
        person_id: PersonId,
        reaction: Reaction,
    ) -> Result<Written> {
        Ok(write_tx!(self, |tx| {
            let thread_id: Option<ThreadId> = sqlx::query_scalar(
                "DELETE FROM reactions WHERE post_id = $1 AND person_id = $2 AND reaction = $3 \
                 RETURNING (SELECT thread_id FROM posts WHERE id = $1)",
            )
            .bind(post_id)
            .bind(person_id)
            .bind(reaction.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let Some(thread_id) = thread_id else {
                return Err(StoreError::NotFound("reaction"));
            };
            Written { thread_id, post_id }
        }))
    }

    /// Marks `post_id` as the answer to its question (replacing an earlier choice) and tells
    /// its author.
    pub async fn accept_answer(
        &self,
        thread_id: ThreadId,
        post_id: PostId,
        actor: PersonId,
        now: i64,
    ) -> Result<Written> {
        Ok(write_tx!(self, |tx| {
            let row: Option<(SpaceId, i64, Option<PersonId>, String)> = sqlx::query_as(
                "SELECT p.space_id, p.opening, p.author_id, p.state FROM posts p WHERE p.id = $1 AND p.thread_id = $2",
            )
            .bind(post_id)
            .bind(thread_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((space_id, opening, author, state)) = row else {
                return Err(StoreError::NotFound("reply in this thread"));
            };
            if opening != 0 || keyword::<PostState>(state)? != PostState::Visible {
                return Err(StoreError::Conflict(
                    "only a visible reply can be the accepted answer".into(),
                ));
            }
            sqlx::query("UPDATE threads SET accepted_post_id = $1 WHERE id = $2")
                .bind(post_id)
                .bind(thread_id)
                .execute(&mut *tx)
                .await?;
            if let Some(author) = author.filter(|&a| a != actor) {
                Tx::from(&mut *tx)
                    .notify(&NewNotification {
                        person_id: author,
                        kind: NoticeKind::Accepted,
                        actor,
                        space_id,
                        thread_id: Some(thread_id),
                        post_id: Some(post_id),
                        now,
                    })
                    .await?;
            }
            Written { thread_id, post_id }
        }))
    }
}
