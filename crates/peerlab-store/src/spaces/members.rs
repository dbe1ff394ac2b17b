//! Spaces, their settings and rules, and their members. The last facilitator of a space
//! stays: the check runs in the writing transaction ([`Tx::keep_a_facilitator`]).

use super::*;

fn last_keeper() -> StoreError {
    StoreError::Conflict(
        "every space keeps at least one facilitator: make someone else a facilitator first".into(),
    )
}

impl Store {
    // ---- Spaces and members ------------------------------------------------------------

    /// Creates a space; its creator is its first facilitator and, having written or kept its
    /// rules, has accepted them.
    pub async fn create_space(
        &self,
        new: &NewSpace,
        creator: PersonId,
        now: i64,
    ) -> Result<SpaceId> {
        Ok(write_tx!(self, |tx| {
            let id: SpaceId = sqlx::query_scalar(
                "INSERT INTO spaces (name, description, kind, visibility, rules, created_by, created_at, last_activity_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            )
            .bind(&new.name)
            .bind(&new.description)
            .bind(new.kind.as_str())
            .bind(new.visibility.as_str())
            .bind(&new.rules)
            .bind(creator)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO space_members (space_id, person_id, role, joined_at, accepted_version) VALUES ($1, $2, 'facilitator', $3, 1)",
            )
            .bind(id)
            .bind(creator)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO rule_acceptances (space_id, person_id, version, accepted_at) VALUES ($1, $2, 1, $3)")
                .bind(id)
                .bind(creator)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            id
        }))
    }

    pub async fn space(&self, id: SpaceId) -> Result<Option<Space>> {
        let sql = format!("SELECT {SPACE_COLUMNS} WHERE s.id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    pub async fn membership(
        &self,
        space_id: SpaceId,
        person_id: PersonId,
    ) -> Result<Option<Membership>> {
        let row: Option<(String, i64)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT role, accepted_version FROM space_members WHERE space_id = $1 AND person_id = $2"
        )
        .bind(space_id)
        .bind(person_id)
        .fetch_optional(p)
        .await
        })?;
        Ok(row.and_then(|(role, accepted_version)| {
            Some(Membership {
                role: SpaceRole::parse(&role).ok()?,
                accepted_version,
            })
        }))
    }

    /// The spaces `person` may see: open ones, the ones they belong to, and for admins the
    /// private ones. Confidential spaces appear to their members only. Most recent first.
    pub async fn spaces_for(
        &self,
        person_id: PersonId,
        site_role: Role,
    ) -> Result<Vec<SpaceSummary>> {
        let sql = format!(
            "SELECT s.id, s.name, s.description, s.kind, s.visibility, \
             (SELECT COUNT(*) FROM space_members m WHERE m.space_id = s.id) AS member_count, \
             (SELECT COUNT(*) FROM threads t WHERE t.space_id = s.id) AS thread_count, \
             s.last_activity_at, me.role AS my_role \
             FROM spaces s LEFT JOIN space_members me ON me.space_id = s.id AND me.person_id = $1 \
             WHERE {} ORDER BY (me.person_id IS NULL), s.last_activity_at DESC, s.id",
            super::policy::may_read("s", "$1", "$2")
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(person_id)
            .bind(site_role == Role::Admin)
            .fetch_all(p)
            .await)?)
    }

    pub async fn update_space(
        &self,
        space_id: SpaceId,
        settings: &SpaceSettings,
        actor: PersonId,
        now: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            let done = sqlx::query(
                "UPDATE spaces SET name = $1, description = $2, visibility = $3, auto_hide_flags = $4 WHERE id = $5",
            )
            .bind(&settings.name)
            .bind(&settings.description)
            .bind(settings.visibility.as_str())
            .bind(settings.auto_hide_flags)
            .bind(space_id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("space"));
            }
            Tx::from(&mut *tx)
                .log(&NewLogEntry {
                    space_id,
                    actor: Some(actor),
                    action: action::SETTINGS,
                    thread_id: None,
                    post_id: None,
                    detail: &format!(
                        "visibility {}, auto-hide after {} flags",
                        settings.visibility, settings.auto_hide_flags
                    ),
                    now,
                })
                .await?;
        });
        Ok(())
    }

    /// Replaces the ground rules and raises their version: every member, the editor too,
    /// accepts again before contributing.
    pub async fn set_rules(
        &self,
        space_id: SpaceId,
        rules: &str,
        actor: PersonId,
        now: i64,
    ) -> Result<i64> {
        Ok(write_tx!(self, |tx| {
            let version: Option<i64> = sqlx::query_scalar(
                "UPDATE spaces SET rules = $1, rules_version = rules_version + 1 WHERE id = $2 RETURNING rules_version",
            )
            .bind(rules)
            .bind(space_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(version) = version else {
                return Err(StoreError::NotFound("space"));
            };
            Tx::from(&mut *tx)
                .log(&NewLogEntry {
                    space_id,
                    actor: Some(actor),
                    action: action::RULES,
                    thread_id: None,
                    post_id: None,
                    detail: &format!("version {version}"),
                    now,
                })
                .await?;
            version
        }))
    }

    /// Records that `person` accepts version `version` of the rules. The version must be the
    /// current one: rules that changed while the person read them are read again.
    pub async fn accept_rules(
        &self,
        space_id: SpaceId,
        person_id: PersonId,
        version: i64,
        now: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            let current: Option<i64> =
                sqlx::query_scalar("SELECT rules_version FROM spaces WHERE id = $1")
                    .bind(space_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(current) = current else {
                return Err(StoreError::NotFound("space"));
            };
            if current != version {
                return Err(StoreError::Conflict(format!(
                    "the ground rules changed while you read them (now version {current}); read them again and accept"
                )));
            }
            let done = sqlx::query("UPDATE space_members SET accepted_version = $1 WHERE space_id = $2 AND person_id = $3")
                .bind(version)
                .bind(space_id)
                .bind(person_id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("membership"));
            }
            sqlx::query(
                "INSERT INTO rule_acceptances (space_id, person_id, version, accepted_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (space_id, person_id, version) DO NOTHING",
            )
            .bind(space_id)
            .bind(person_id)
            .bind(version)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// When `person` accepted version `version`, if they did.
    pub async fn accepted_at(
        &self,
        space_id: SpaceId,
        person_id: PersonId,
        version: i64,
    ) -> Result<Option<i64>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_scalar(
            "SELECT accepted_at FROM rule_acceptances WHERE space_id = $1 AND person_id = $2 AND version = $3"
        )
        .bind(space_id)
        .bind(person_id)
        .bind(version)
        .fetch_optional(p)
        .await
        })?)
    }

    /// Adds `person` to a space. `added_by` is `None` when they join by themselves; otherwise
    /// they are told in a notification and the addition is logged.
    pub async fn add_member(
        &self,
        space_id: SpaceId,
        person_id: PersonId,
        role: SpaceRole,
        added_by: Option<PersonId>,
        now: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            sqlx::query("INSERT INTO space_members (space_id, person_id, role, joined_at) VALUES ($1, $2, $3, $4)")
                .bind(space_id)
                .bind(person_id)
                .bind(role.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(conflict_on_unique(|| "already a member of this space".into()))?;
            if let Some(actor) = added_by {
                Tx::from(&mut *tx)
                    .notify(&NewNotification {
                        person_id,
                        kind: NoticeKind::Added,
                        actor,
                        space_id,
                        thread_id: None,
                        post_id: None,
                        now,
                    })
                    .await?;
                Tx::from(&mut *tx)
                    .log(&NewLogEntry {
                        space_id,
                        actor: Some(actor),
                        action: action::ADD_MEMBER,
                        thread_id: None,
                        post_id: None,
                        detail: &format!("person {person_id} as {role}"),
                        now,
                    })
                    .await?;
            }
        });
        Ok(())
    }

    /// Removes `person` from a space (they leave, or `removed_by` removes them); the last
    /// facilitator stays.
    pub async fn remove_member(
        &self,
        space_id: SpaceId,
        person_id: PersonId,
        removed_by: Option<PersonId>,
        now: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            Tx::from(&mut *tx)
                .keep_a_facilitator(space_id, person_id, false)
                .await?;
            sqlx::query("DELETE FROM space_members WHERE space_id = $1 AND person_id = $2")
                .bind(space_id)
                .bind(person_id)
                .execute(&mut *tx)
                .await?;
            // What a former member was told about a space that is not open goes with them.
            sqlx::query(
                "DELETE FROM notifications WHERE space_id = $1 AND person_id = $2 \
                 AND EXISTS (SELECT 1 FROM spaces s WHERE s.id = $1 AND s.visibility <> 'open')",
            )
            .bind(space_id)
            .bind(person_id)
            .execute(&mut *tx)
            .await?;
            if let Some(actor) = removed_by {
                Tx::from(&mut *tx)
                    .log(&NewLogEntry {
                        space_id,
                        actor: Some(actor),
                        action: action::REMOVE_MEMBER,
                        thread_id: None,
                        post_id: None,
                        detail: &format!("person {person_id}"),
                        now,
                    })
                    .await?;
            }
        });
        Ok(())
    }

    /// Changes a member's role; the last facilitator keeps theirs.
    pub async fn set_member_role(
        &self,
        space_id: SpaceId,
        person_id: PersonId,
        role: SpaceRole,
        actor: PersonId,
        now: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            Tx::from(&mut *tx)
                .keep_a_facilitator(space_id, person_id, role == SpaceRole::Facilitator)
                .await?;
            sqlx::query(
                "UPDATE space_members SET role = $1 WHERE space_id = $2 AND person_id = $3",
            )
            .bind(role.as_str())
            .bind(space_id)
            .bind(person_id)
            .execute(&mut *tx)
            .await?;
            Tx::from(&mut *tx)
                .log(&NewLogEntry {
                    space_id,
                    actor: Some(actor),
                    action: action::SET_ROLE,
                    thread_id: None,
                    post_id: None,
                    detail: &format!("person {person_id} to {role}"),
                    now,
                })
                .await?;
        });
        Ok(())
    }

    pub async fn members(&self, space_id: SpaceId) -> Result<Vec<Member>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT m.person_id, p.name, p.title, p.department, m.role, m.accepted_version, m.joined_at \
             FROM space_members m JOIN people p ON p.id = m.person_id WHERE m.space_id = $1 \
             ORDER BY CASE m.role WHEN 'facilitator' THEN 0 WHEN 'moderator' THEN 1 ELSE 2 END, p.sort_name"
        )
        .bind(space_id)
        .fetch_all(p)
        .await
        })?)
    }
}

impl Tx<'_> {
    /// Checks that `person_id` is a member and that the space keeps a facilitator if they stop
    /// being one (`stays` false). PostgreSQL first locks the space's row, so that two
    /// facilitators leaving at once cannot both pass (SQLite's write lock already does that).
    pub(crate) async fn keep_a_facilitator(
        &mut self,
        space_id: SpaceId,
        person_id: PersonId,
        stays: bool,
    ) -> Result<()> {
        let lock = self.is_postgres();
        on_conn!(self, |c| {
            if lock {
                sqlx::query("SELECT id FROM spaces WHERE id = $1 FOR UPDATE")
                    .bind(space_id)
                    .execute(&mut *c)
                    .await?;
            }
            let role: Option<String> = sqlx::query_scalar(
                "SELECT role FROM space_members WHERE space_id = $1 AND person_id = $2",
            )
            .bind(space_id)
            .bind(person_id)
            .fetch_optional(&mut *c)
            .await?;
            let Some(role) = role else {
                return Err(StoreError::NotFound("membership"));
            };
            if keyword::<SpaceRole>(role)? == SpaceRole::Facilitator && !stays {
                let facilitators: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM space_members WHERE space_id = $1 AND role = 'facilitator'",
                )
                .bind(space_id)
                .fetch_one(&mut *c)
                .await?;
                if facilitators <= 1 {
                    return Err(last_keeper());
                }
            }
            Ok(())
        })
    }
}
