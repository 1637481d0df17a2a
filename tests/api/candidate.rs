//! The candidate's endpoints: links, starting, answering, the clock,
//! submitting, and what never reaches the browser.

use crate::helpers::{client, json_body, key_for, redirect_target, TestApp};
use crate::on_both_databases;
use reqwest::StatusCode;
use rung::server::attempts::{self, GRACE_MS};
use serde_json::{json, Value};

const MINUTE: i64 = 60_000;

async fn intro_names_the_candidate_and_the_quiz(app: TestApp) {
    let token = app.invite("Ada Lovelace").await;
    let intro = json_body(app.intro(&token).await, StatusCode::OK).await;
    assert_eq!(intro["candidate_name"], "Ada Lovelace");
    assert_eq!(intro["quiz_title"], "Security engineering: standard");
    assert_eq!(intro["duration_minutes"], 25);
    assert_eq!(intro["status"], "not_started");
    let expected = app.state.bank.quiz("standard").unwrap().question_count();
    assert_eq!(intro["question_count"], expected);
}

async fn forged_and_damaged_links_are_refused(app: TestApp) {
    let token = app.invite("Mallory").await;
    let parts: Vec<&str> = token.split('.').collect();
    let other_key = rung::server::auth::TokenKeys::new(b"an attacker's key of 32 bytes!!!")
        .issue(&rung::server::auth::random_id(), 0, i64::MAX / 2)
        .unwrap();
    let none_alg = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts[1]);
    let flipped = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        parts[2].chars().rev().collect::<String>()
    );
    for bad in [
        other_key.as_str(),
        none_alg.as_str(),
        flipped.as_str(),
        "garbage",
        "",
    ] {
        let res = app.intro(bad).await;
        let body = json_body(res, StatusCode::FORBIDDEN).await;
        assert_eq!(body, json!("InvalidLink"), "token {bad:?}");
        let res = app.start(bad).await;
        assert_eq!(
            redirect_target(&res).as_deref(),
            Some("/link?problem=invalid"),
            "token {bad:?}"
        );
    }
}

async fn a_token_for_an_unknown_invitation_is_refused(app: TestApp) {
    // Correctly signed with the server's key, but the id is not in the database.
    let token = app
        .state
        .keys
        .issue(
            "00000000000000000000000000000000",
            app.clock().now_ms(),
            app.clock().now_ms() + MINUTE,
        )
        .unwrap();
    let body = json_body(app.intro(&token).await, StatusCode::FORBIDDEN).await;
    assert_eq!(body, json!("InvalidLink"));
}

/// Every string that identifies an answer or a question in the bank.
fn secrets(app: &TestApp) -> Vec<String> {
    let mut out = Vec::new();
    for q in &app.state.bank.questions {
        out.push(q.id.clone());
        if !q.explanation.is_empty() {
            out.push(q.explanation.chars().take(40).collect());
        }
    }
    out
}

async fn the_form_carries_no_answer_key(app: TestApp) {
    let token = app.invite("Eve").await;
    let res = app.start(&token).await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    // As JSON keys: prompt text that mentions these words is escaped and
    // cannot produce a bare quoted key.
    for key in ["correct", "explanation", "pinned", "id", "topic", "level"] {
        let quoted = format!("\"{key}\"");
        assert!(!text.contains(&quoted), "the form carries {quoted}: {text}");
    }
    for s in secrets(&app) {
        assert!(!text.contains(&s), "the form contains {s:?}");
    }
    let view: Value = serde_json::from_str(&text).unwrap();
    let questions = view["questions"].as_array().unwrap();
    assert_eq!(
        questions.len() as u32,
        app.state.bank.quiz("standard").unwrap().question_count()
    );
    for q in questions {
        let mut keys: Vec<&String> = q.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "flagged",
                "kind",
                "options",
                "position",
                "prompt_html",
                "selected"
            ]
        );
        for o in q["options"].as_array().unwrap() {
            assert_eq!(o.as_object().unwrap().keys().collect::<Vec<_>>(), ["html"]);
        }
    }
    let remaining = view["remaining_ms"].as_i64().unwrap();
    assert!(
        remaining > 24 * MINUTE && remaining <= 25 * MINUTE,
        "{remaining}"
    );
}

async fn starting_again_resumes_the_same_form_with_its_answers(app: TestApp) {
    let token = app.invite("Resumer").await;
    let first = json_body(app.start(&token).await, StatusCode::OK).await;
    json_body(app.answer(&token, 1, &[0]).await, StatusCode::OK).await;
    app.clock().advance_ms(3 * MINUTE);
    let again = json_body(app.start(&token).await, StatusCode::OK).await;
    for (a, b) in first["questions"]
        .as_array()
        .unwrap()
        .iter()
        .zip(again["questions"].as_array().unwrap())
    {
        assert_eq!(a["prompt_html"], b["prompt_html"]);
        assert_eq!(a["options"], b["options"]);
    }
    assert_eq!(again["questions"][1]["selected"], json!([0]));
    assert_eq!(again["questions"][0]["selected"], json!([]));
    let left = again["remaining_ms"].as_i64().unwrap();
    assert!(
        left <= 22 * MINUTE && left > 21 * MINUTE,
        "the clock kept running: {left}"
    );
    let intro = json_body(app.intro(&token).await, StatusCode::OK).await;
    assert_eq!(intro["status"], "in_progress");
}

async fn simultaneous_starts_create_one_attempt(app: TestApp) {
    let token = app.invite("Double clicker").await;
    let app = std::sync::Arc::new(app);
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let (app, token) = (app.clone(), token.clone());
        calls.spawn(async move {
            // Six browsers pressing Start at once.
            let browser = client();
            let res = app.press_start(&browser, &token).await;
            assert_eq!(redirect_target(&res).as_deref(), Some("/quiz"));
            app.candidate_post(&browser, "/api/candidate/attempt", &json!({}))
                .await
        });
    }
    let mut forms = Vec::new();
    while let Some(res) = calls.join_next().await {
        let v = json_body(res.unwrap(), StatusCode::OK).await;
        forms.push(v["questions"].clone());
    }
    assert!(
        forms.windows(2).all(|w| w[0] == w[1]),
        "every start returned the same form"
    );
    let rows = app.state.db.overview(10).await.unwrap();
    assert_eq!(rows.iter().filter(|r| r.attempt.is_some()).count(), 1);
}

async fn malformed_answers_are_refused_and_change_nothing(app: TestApp) {
    let token = app.invite("Fuzzer").await;
    let view = json_body(app.start(&token).await, StatusCode::OK).await;
    let questions = view["questions"].as_array().unwrap();
    let single = questions
        .iter()
        .position(|q| q["kind"] == "single")
        .unwrap() as u32;
    let n_opts = questions[single as usize]["options"]
        .as_array()
        .unwrap()
        .len() as u32;
    json_body(app.answer(&token, single, &[0]).await, StatusCode::OK).await;

    for (pos, sel) in [
        (single, vec![n_opts]),
        (single, vec![0, 1]),
        (single, vec![1, 1]),
        (questions.len() as u32, vec![0]),
        (u32::MAX, vec![0]),
    ] {
        let res = app.answer(&token, pos, &sel).await;
        let body = json_body(res, StatusCode::BAD_REQUEST).await;
        assert!(body["BadRequest"].is_string(), "{body}");
    }
    // A body that is not the expected shape at all.
    let res = app
        .candidate_post(
            &app.candidate(&token),
            "/api/candidate/answer",
            &json!({ "position": "x" }),
        )
        .await;
    let body = json_body(res, StatusCode::BAD_REQUEST).await;
    assert_eq!(body, json!({ "BadRequest": "The request was malformed." }));

    let again = json_body(app.start(&token).await, StatusCode::OK).await;
    assert_eq!(again["questions"][single as usize]["selected"], json!([0]));
}

async fn an_empty_selection_clears_an_answer(app: TestApp) {
    let token = app.invite("Changer").await;
    json_body(app.start(&token).await, StatusCode::OK).await;
    json_body(app.answer(&token, 0, &[1]).await, StatusCode::OK).await;
    json_body(app.answer(&token, 0, &[]).await, StatusCode::OK).await;
    let view = json_body(app.start(&token).await, StatusCode::OK).await;
    assert_eq!(view["questions"][0]["selected"], json!([]));
}

/// Answer every question correctly (from the server's key) and submit.
async fn answer_everything_right(app: &TestApp, token: &str) -> usize {
    let view = json_body(app.start(token).await, StatusCode::OK).await;
    let n = view["questions"].as_array().unwrap().len();
    for pos in 0..n {
        let key = key_for(app, token, pos).await;
        json_body(app.answer(token, pos as u32, &key).await, StatusCode::OK).await;
    }
    n
}

async fn the_server_scores_a_submitted_attempt(app: TestApp) {
    let token = app.invite("Perfect").await;
    let n = answer_everything_right(&app, &token).await;
    // Then get the first one wrong.
    let key = key_for(&app, &token, 0).await;
    let view = json_body(app.start(&token).await, StatusCode::OK).await;
    let n_opts = view["questions"][0]["options"].as_array().unwrap().len() as u32;
    let wrong: u32 = (0..n_opts).find(|i| !key.contains(i)).unwrap();
    json_body(app.answer(&token, 0, &[wrong]).await, StatusCode::OK).await;

    let done = json_body(app.submit(&token, json!([])).await, StatusCode::OK).await;
    assert_eq!(done["status"], "submitted");
    assert_eq!(done["answered"], n);
    // The candidate's receipt carries no score.
    assert!(done.get("points").is_none() && done.get("score").is_none());

    let rows = app.state.db.overview(10).await.unwrap();
    let a = rows[0].attempt.as_ref().unwrap();
    assert_eq!(a.status, "submitted");
    assert_eq!(a.max_points, Some(n as f64));
    assert_eq!(a.points, Some(n as f64 - 1.0));
}

async fn submitting_twice_answers_the_same_and_locks_the_answers(app: TestApp) {
    let token = app.invite("Twice").await;
    json_body(app.start(&token).await, StatusCode::OK).await;
    json_body(app.answer(&token, 0, &[0]).await, StatusCode::OK).await;
    let a = json_body(app.submit(&token, json!([])).await, StatusCode::OK).await;
    let b = json_body(
        app.submit(&token, json!([{ "position": 1, "selected": [0] }]))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(a, b, "the second submit changed nothing");
    let body = json_body(app.answer(&token, 1, &[0]).await, StatusCode::CONFLICT).await;
    assert_eq!(body, json!("AlreadySubmitted"));
    let res = app.start(&token).await;
    assert_eq!(
        redirect_target(&res).as_deref(),
        Some("/link?problem=submitted")
    );
}

async fn answers_pending_at_submit_are_applied(app: TestApp) {
    let token = app.invite("Flaky network").await;
    json_body(app.start(&token).await, StatusCode::OK).await;
    let k0 = key_for(&app, &token, 0).await;
    let k1 = key_for(&app, &token, 1).await;
    let done = json_body(
        app.submit(
            &token,
            json!([
                { "position": 0, "selected": k0 },
                { "position": 1, "selected": k1 },
                { "position": 999, "selected": [0] },
            ]),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["answered"], 2);
    let a = app.state.db.overview(10).await.unwrap()[0]
        .attempt
        .clone()
        .unwrap();
    assert_eq!(a.points, Some(2.0));
}

async fn an_answer_after_the_deadline_is_refused_and_the_saved_ones_are_scored(app: TestApp) {
    // Stopped, so "500 ms before the end of the grace" is exact however
    // slow the machine (it failed under CI load with the wall clock).
    app.clock().freeze();
    let token = app.invite("Slowpoke").await;
    json_body(app.start(&token).await, StatusCode::OK).await;
    let k0 = key_for(&app, &token, 0).await;
    json_body(app.answer(&token, 0, &k0).await, StatusCode::OK).await;

    // Within the grace period an in-flight answer still lands.
    app.clock().advance_ms(25 * MINUTE + GRACE_MS - 500);
    let k1 = key_for(&app, &token, 1).await;
    json_body(app.answer(&token, 1, &k1).await, StatusCode::OK).await;

    app.clock().advance_ms(1_000);
    let k2 = key_for(&app, &token, 2).await;
    let body = json_body(app.answer(&token, 2, &k2).await, StatusCode::CONFLICT).await;
    assert_eq!(body, json!("TimeUp"));

    let a = app.state.db.overview(10).await.unwrap()[0]
        .attempt
        .clone()
        .unwrap();
    assert_eq!(a.status, "timed_out");
    assert_eq!(a.points, Some(2.0), "the two answers saved in time count");
    assert_eq!(a.finished_at, Some(a.deadline_at));
    let intro = json_body(app.intro(&token).await, StatusCode::OK).await;
    assert_eq!(intro["status"], "timed_out");
    let done = json_body(app.submit(&token, json!([])).await, StatusCode::OK).await;
    assert_eq!(done["status"], "timed_out");
}

async fn a_late_submit_with_pending_answers_saves_none_of_them(app: TestApp) {
    let token = app.invite("Too late").await;
    json_body(app.start(&token).await, StatusCode::OK).await;
    app.clock().advance_ms(26 * MINUTE);
    let k0 = key_for(&app, &token, 0).await;
    let done = json_body(
        app.submit(&token, json!([{ "position": 0, "selected": k0 }]))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["status"], "timed_out");
    assert_eq!(done["answered"], 0);
}

async fn the_sweeper_finalizes_abandoned_attempts(app: TestApp) {
    let token = app.invite("Gone").await;
    json_body(app.start(&token).await, StatusCode::OK).await;
    let k0 = key_for(&app, &token, 0).await;
    json_body(app.answer(&token, 0, &k0).await, StatusCode::OK).await;
    assert_eq!(
        attempts::sweep(&app.state).await.unwrap(),
        0,
        "nothing is overdue yet"
    );
    app.clock().advance_ms(25 * MINUTE + GRACE_MS + 1);
    assert_eq!(attempts::sweep(&app.state).await.unwrap(), 1);
    assert_eq!(
        attempts::sweep(&app.state).await.unwrap(),
        0,
        "finalizing is done once"
    );
    let a = app.state.db.overview(10).await.unwrap()[0]
        .attempt
        .clone()
        .unwrap();
    assert_eq!(a.status, "timed_out");
    assert_eq!(a.points, Some(1.0));
}

async fn an_expired_invitation_cannot_start_but_a_started_attempt_can_finish(app: TestApp) {
    let unused = app.invite("Procrastinator").await;
    let started = app.invite("Early bird").await;
    json_body(app.start(&started).await, StatusCode::OK).await;
    // Push the start to within a minute of the link's expiry.
    app.clock().advance_ms(14 * 24 * 60 * MINUTE - MINUTE);
    let late_start = app.invite("Just in time").await;
    json_body(app.start(&late_start).await, StatusCode::OK).await;
    app.clock().advance_ms(2 * MINUTE);

    let body = json_body(app.intro(&unused).await, StatusCode::GONE).await;
    assert_eq!(body, json!("ExpiredLink"));
    let res = app.start(&unused).await;
    assert_eq!(
        redirect_target(&res).as_deref(),
        Some("/link?problem=expired")
    );
    // The attempt started a minute before expiry still runs.
    json_body(app.answer(&late_start, 0, &[0]).await, StatusCode::OK).await;
    json_body(app.submit(&late_start, json!([])).await, StatusCode::OK).await;
}

on_both_databases!(
    intro_names_the_candidate_and_the_quiz,
    forged_and_damaged_links_are_refused,
    a_token_for_an_unknown_invitation_is_refused,
    the_form_carries_no_answer_key,
    starting_again_resumes_the_same_form_with_its_answers,
    simultaneous_starts_create_one_attempt,
    malformed_answers_are_refused_and_change_nothing,
    an_empty_selection_clears_an_answer,
    the_server_scores_a_submitted_attempt,
    submitting_twice_answers_the_same_and_locks_the_answers,
    answers_pending_at_submit_are_applied,
    an_answer_after_the_deadline_is_refused_and_the_saved_ones_are_scored,
    a_late_submit_with_pending_answers_saves_none_of_them,
    the_sweeper_finalizes_abandoned_attempts,
    an_expired_invitation_cannot_start_but_a_started_attempt_can_finish,
);
