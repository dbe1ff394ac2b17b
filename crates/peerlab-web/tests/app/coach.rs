//! The question coach at the HTTP boundary.

use crate::common::Backend;
use peerlab_core::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

crate::backend_tests! {
    the_question_coach_flags_closed_questions,
}

async fn the_question_coach_flags_closed_questions(b: Backend) {
    let app = crate::common::spawn(b).await;
    app.user("mo@example.com", "Mo", Role::Member).await;
    let mo = app.api_as("mo@example.com").await;
    let (st, advice) = mo
        .post(
            "/coach",
            json!({"question": "Was the person in the video right to act this way?"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{advice}");
    assert_eq!(advice["kind"], "closed");
    let suggestion = advice["suggestion"].as_str().expect("a rewording");
    let (_, again) = mo.post("/coach", json!({ "question": suggestion })).await;
    assert_eq!(again["kind"], "open", "the rewording is open: {suggestion}");
    let (st, open) = mo
        .post(
            "/coach",
            json!({"question": "Can you describe a time when feedback changed your mind?"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        (open["kind"].as_str(), &open["suggestion"]),
        (Some("open"), &Value::Null)
    );

    for (body, needle) in [
        (json!({"question": "  "}), "1 to 1000 characters, not 0"),
        (json!({"question": "x".repeat(1001)}), "not 1001"),
    ] {
        let (st, e) = mo.post("/coach", body).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            e["message"].as_str().expect("message").contains(needle),
            "{e}"
        );
    }
    let (st, _) = app
        .api(None)
        .post("/coach", json!({"question": "Why?"}))
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
}
