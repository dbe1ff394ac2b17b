//! Notifications: written only for people who may read the space, read and marked read.

use super::policy::{is_admin, may_read};
use super::*;

impl Store {
    // ---- Notifications -----------------------------------------------------------------

    pub async fn notifications(
        &self,
        person_id: PersonId,
        limit: i64,
    ) -> Result<Vec<Notification>> {
        let sql = format!(
            "SELECT n.id, n.kind, a.name AS actor_name, n.space_id, s.name AS space_name, n.thread_id, \
             t.title AS thread_title, n.post_id, n.created_at, (n.read_at IS NOT NULL) AS read, \
             n.session_id, ls.title AS session_title \
             FROM notifications n JOIN spaces s ON s.id = n.space_id LEFT JOIN threads t ON t.id = n.thread_id \
             LEFT JOIN learning_sessions ls ON ls.id = n.session_id \
             LEFT JOIN people a ON a.id = n.actor_id \
             WHERE n.person_id = $1 AND {} ORDER BY n.id DESC LIMIT $2",
            may_read("s", "n.person_id", &is_admin("n.person_id"))
        );
        Ok(on_pool!(self, |p| {
            sqlx::query_as(&sql)
                .bind(person_id)
                .bind(limit)
                .fetch_all(p)
                .await
        })?)
    }

    pub async fn unread_count(&self, person_id: PersonId) -> Result<i64> {
        let sql = unread_count_sql("$1");
        Ok(on_pool!(self, |p| {
            sqlx::query_scalar(&sql).bind(person_id).fetch_one(p).await
        })?)
    }

    /// Marks one notification (or, with `None`, all of them) as read.
    pub async fn mark_read(&self, person_id: PersonId, id: Option<i64>, now: i64) -> Result<()> {
        let done = on_pool!(self, |p| {
            match id {
            Some(id) => sqlx::query("UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE person_id = $2 AND id = $3")
                .bind(now)
                .bind(person_id)
                .bind(id)
                .execute(p)
                .await
                .map(|r| r.rows_affected()),
            None => sqlx::query("UPDATE notifications SET read_at = $1 WHERE person_id = $2 AND read_at IS NULL")
                .bind(now)
                .bind(person_id)
                .execute(p)
                .await
                .map(|r| r.rows_affected()),
        }
        })?;
        if id.is_some() && done == 0 {
            return Err(StoreError::NotFound("notification"));
        }
        Ok(())
    }
}

impl Tx<'_> {
    pub(crate) async fn notify(&mut self, n: &NewNotification) -> Result<()> {
        on_conn!(self, |c| {
            // Only someone who may read the space now hears of it: a former member of a
            // private or confidential space does not.
            let sql = format!(
                "INSERT INTO notifications (person_id, kind, actor_id, space_id, thread_id, post_id, created_at) \
                 SELECT $1, $2, $3, $4, $5, $6, $7 FROM spaces s WHERE s.id = $4 AND {}",
                may_read("s", "$1", &is_admin("$1"))
            );
            sqlx::query(&sql)
                .bind(n.person_id)
                .bind(n.kind.as_str())
                .bind(n.actor)
                .bind(n.space_id)
                .bind(n.thread_id)
                .bind(n.post_id)
                .bind(n.now)
                .execute(&mut *c)
                .await?;
            Ok(())
        })
    }

    /// Notifies the mentioned people who may read the space (see [`may_read`]), except the
    /// author.
    pub(crate) async fn notify_mentions(
        &mut self,
        mentions: &[PersonId],
        author: PersonId,
        space_id: SpaceId,
        thread_id: ThreadId,
        post_id: PostId,
        now: i64,
    ) -> Result<()> {
        on_conn!(self, |c| {
            let ids: Vec<String> = mentions
                .iter()
                .filter(|&&m| m != author)
                .take(MAX_MENTIONS)
                .map(PersonId::to_string)
                .collect();
            if ids.is_empty() {
                return Ok(());
            }
            let sql = format!(
                "INSERT INTO notifications (person_id, kind, actor_id, space_id, thread_id, post_id, created_at) \
                 SELECT p.id, '{}', $1, $2, $3, $4, $5 FROM people p JOIN spaces s ON s.id = $2 \
                 WHERE p.id IN ({}) AND {}",
                NoticeKind::Mention.as_str(),
                ids.join(","),
                may_read("s", "p.id", &is_admin("p.id"))
            );
            sqlx::query(&sql)
                .bind(author)
                .bind(space_id)
                .bind(thread_id)
                .bind(post_id)
                .bind(now)
                .execute(&mut *c)
                .await?;
            Ok(())
        })
    }
}

/// The count of unread notifications of the person `person` (a SQL expression of their id)
/// in spaces they may read: the bell's number, on every page.
pub(crate) fn unread_count_sql(person: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM notifications n JOIN spaces s ON s.id = n.space_id \
         WHERE n.person_id = {person} AND n.read_at IS NULL AND {}",
        may_read("s", "n.person_id", &is_admin("n.person_id"))
    )
}
