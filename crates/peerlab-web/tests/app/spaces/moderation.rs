//! Edit histories, deletion, flags, hidden posts and the moderators' audit trail.

use super::*;

backend_tests! {
    edits_keep_a_history_for_moderators_and_authors_delete_their_posts,
    flags_hide_posts_pending_review_and_moderators_are_audited,
}

async fn edits_keep_a_history_for_moderators_and_authors_delete_their_posts(b: Backend) {
    let app = crate::common::spawn(b).await;
    people(&app).await;
    let f = fixture(&app, "open").await;
    let (t, _) = thread(&f.facilitator, f.space, "discussion", "Edits", "Text").await;
    let p = reply(&f.member, t, "First version").await;
    let (st, v) = f
        .moderator
        .put(&format!("/posts/{p}"), json!({"body": "Not mine"}))
        .await;
    assert_eq!(
        (st, v["message"].as_str()),
        (
            StatusCode::FORBIDDEN,
            Some("only its author may edit a post")
        )
    );
    let (st, _) = f
        .member
        .put(&format!("/posts/{p}"), json!({"body": "Second version"}))
        .await;
    assert_eq!(st, StatusCode::OK);
    f.member
        .put(&format!("/posts/{p}"), json!({"body": "Third version"}))
        .await;
    let (st, v) = f.moderator.get(&format!("/posts/{p}/history")).await;
    assert_eq!(st, StatusCode::OK);
    let bodies: Vec<&str> = v["edits"]
        .as_array()
        .expect("edits")
        .iter()
        .map(|e| e["body"].as_str().expect("b"))
        .collect();
    assert_eq!(bodies, ["Second version", "First version"]);
    let (st, _) = f.outsider.get(&format!("/posts/{p}/history")).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = f.member.get(&format!("/posts/{p}/history")).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "edit history is for moderators");

    let (st, _) = f.facilitator.delete(&format!("/posts/{p}")).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = f.member.delete(&format!("/posts/{p}")).await;
    assert_eq!(st, StatusCode::OK);
    let all = posts(&f.moderator, t).await;
    assert_eq!(
        (all[1]["state"].as_str(), all[1]["body"].as_str()),
        (Some("deleted"), Some(""))
    );
    let (_, v) = f.moderator.get(&format!("/posts/{p}/history")).await;
    assert_eq!(
        v["edits"],
        json!([]),
        "deleting removes the earlier versions too"
    );
    let (st, _) = f
        .member
        .put(&format!("/posts/{p}"), json!({"body": "Back"}))
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
}

async fn flags_hide_posts_pending_review_and_moderators_are_audited(b: Backend) {
    let app = crate::common::spawn(b).await;
    people(&app).await;
    app.user("x1@x.com", "Xena One", Role::Member).await;
    let f = fixture(&app, "open").await;
    let s = f.space;
    let (st, _) = f
        .facilitator
        .put(
            &format!("/spaces/{s}"),
            json!({"name": "A open space", "visibility": "open", "auto_hide_flags": 2}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, v) = f
        .facilitator
        .put(
            &format!("/spaces/{s}"),
            json!({"name": "A open space", "visibility": "open", "auto_hide_flags": 0}),
        )
        .await;
    assert_eq!(
        (st, v["message"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("auto_hide_flags: must be a whole number from 1 to 100")
        )
    );
    let (t, _) = thread(&f.facilitator, s, "discussion", "Flags", "Text").await;
    let p = reply(f.outsider_joined(&app, s).await, t, "Something rude").await;

    let (st, v) = f
        .member
        .post(
            &format!("/posts/{p}/flags"),
            json!({"reason": "Mocks a colleague"}),
        )
        .await;
    assert_eq!(
        (st, v["hidden_pending_review"].as_bool()),
        (StatusCode::CREATED, Some(false))
    );
    app.clock.advance_ms(60_000);
    let (st, _) = f
        .member
        .post(&format!("/posts/{p}/flags"), json!({"reason": "Again"}))
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "one flag per person");
    let (st, v) = f
        .member
        .post(&format!("/posts/{p}/flags"), json!({"reason": ""}))
        .await;
    assert_eq!(
        (st, v["message"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("reason: is required")
        )
    );
    let (st, v) = f
        .moderator
        .post(&format!("/posts/{p}/flags"), json!({"reason": "Not kind"}))
        .await;
    assert_eq!(
        (st, v["hidden_pending_review"].as_bool()),
        (StatusCode::CREATED, Some(true))
    );

    // Hidden from members, shown to moderators, queued for review.
    let all = posts(&f.member, t).await;
    assert_eq!(
        (all[1]["state"].as_str(), all[1]["body"].as_str()),
        (Some("pending"), Some(""))
    );
    let all = posts(&f.moderator, t).await;
    assert_eq!(all[1]["body"], "Something rude");
    let (_, v) = f.moderator.get(&format!("/spaces/{s}/moderation")).await;
    assert_eq!(v["queue"][0]["post_id"].as_i64(), Some(p.get()));
    assert_eq!(
        v["queue"][0]["reasons"],
        json!(["Mocks a colleague", "Not kind"])
    );
    let (_, v) = f.admin.get("/moderation").await;
    assert_eq!(
        v["queue"].as_array().expect("q").len(),
        1,
        "admins see the queue of open spaces"
    );
    let (st, _) = f.member.get(&format!("/spaces/{s}/moderation")).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = f.member.get("/moderation").await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // Restore, hide, lock: each in the audit log.
    let (st, _) = f
        .moderator
        .post(
            &format!("/posts/{p}/restore"),
            json!({"note": "Reviewed: banter"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(posts(&f.member, t).await[1]["body"], "Something rude");
    let (st, _) = f
        .facilitator
        .post(&format!("/posts/{p}/hide"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(posts(&f.member, t).await[1]["state"], "hidden");
    f.moderator
        .put(&format!("/threads/{t}/lock"), json!({"locked": true}))
        .await;
    let (st, v) = f.moderator.get(&format!("/spaces/{s}/audit-log")).await;
    assert_eq!(st, StatusCode::OK);
    let actions: Vec<(&str, Option<&str>)> = v["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| (e["action"].as_str().expect("a"), e["actor_name"].as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("lock", Some("Moses Moderator")),
            ("hide", Some("Fatima Facilitator")),
            ("restore", Some("Moses Moderator")),
            ("auto_hide", None),
            ("edit_settings", Some("Fatima Facilitator")),
            ("add_member", Some("Fatima Facilitator")),
            ("add_member", Some("Fatima Facilitator")),
        ]
    );
    let web = app.login("mo@x.com").await;
    let page = web.get(&format!("/spaces/{s}/moderation")).await;
    assert!(page.body.contains("Audit log") && page.body.contains("Reviewed: banter"));
}
