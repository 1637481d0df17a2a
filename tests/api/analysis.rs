//! Reports, item analysis and calibration over stored attempts.

use crate::helpers::{json_body, key_for, TestApp};
use crate::on_both_databases;
use reqwest::StatusCode;
use rung::server::bank::MultiplePolicy;
use rung::server::scoring::CalibratedScale;
use rung::server::{analysis, attempts};
use serde_json::json;

/// Finish an attempt through the service layer, answering right where
/// `right(position)` says so and the first wrong option elsewhere.
async fn finish(app: &TestApp, name: &str, right: impl Fn(usize) -> bool) -> String {
    let token = app.invite(name).await;
    let inv = attempts::invitation(&app.state, &token).await.unwrap();
    let view = attempts::start(&app.state, &inv).await.unwrap();
    for (pos, q) in view.questions.iter().enumerate() {
        let key = key_for(app, &token, pos).await;
        let answer = if right(pos) {
            key
        } else {
            let wrong = (0..q.options.len() as u32)
                .find(|i| !key.contains(i))
                .unwrap();
            vec![wrong]
        };
        attempts::answer(&app.state, &inv, pos as u32, answer)
            .await
            .unwrap();
    }
    attempts::submit(&app.state, &inv, vec![]).await.unwrap();
    token
}

async fn attempt_of(app: &TestApp, token: &str) -> rung::server::db::AttemptRow {
    let inv = attempts::invitation(&app.state, token).await.unwrap();
    let attempt = app.state.db.attempt_for_invitation(&inv.id).await.unwrap();
    attempt.expect("the attempt of this invitation")
}

fn invitation_id(app: &TestApp, token: &str) -> String {
    app.state
        .keys
        .verify(token, app.clock().now_ms())
        .unwrap()
        .jti
}

async fn a_report_needs_a_session_and_hides_answers_until_the_end(app: TestApp) {
    let token = app.invite("Pending").await;
    let id = invitation_id(&app, &token);
    let res = app
        .post_form("/api/recruiter/report", &[("invitation_id", &id)])
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    app.login_admin().await;
    let r = json_body(
        app.post_form("/api/recruiter/report", &[("invitation_id", &id)])
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(r["status"], "not_started");
    json_body(app.start(&token).await, StatusCode::OK).await;
    json_body(app.answer(&token, 0, &[0]).await, StatusCode::OK).await;
    let r = json_body(
        app.post_form("/api/recruiter/report", &[("invitation_id", &id)])
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(r["status"], "in_progress");
    assert_eq!(r["verdict"], json!(null));
    assert_eq!(
        r["items"],
        json!([]),
        "no key or answers while the candidate is still working"
    );
    let res = app
        .post_form("/api/recruiter/report", &[("invitation_id", "nope")])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

async fn a_finished_attempt_reports_a_verdict_breakdowns_and_the_review(app: TestApp) {
    let token = finish(&app, "Reviewed", |pos| pos % 2 == 0).await;
    app.login_admin().await;
    let id = invitation_id(&app, &token);
    let r = json_body(
        app.post_form("/api/recruiter/report", &[("invitation_id", &id)])
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(r["status"], "submitted");
    let v = &r["verdict"];
    // The verdict stops where the ladder's measured levels stop.
    assert!(v["level"].as_u64().unwrap() <= 4);
    assert_eq!(v["top"], 4);
    assert_eq!(v["open_top"], true);
    assert_eq!(v["level_probabilities"].as_array().unwrap().len(), 5);
    let ladder = r["ladder"].as_array().unwrap();
    assert_eq!(ladder.len(), 6);
    assert_eq!(ladder[4]["measured"], false);
    assert_eq!(r["by_level"].as_array().unwrap().len(), 4);
    let probabilities: f64 = v["level_probabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_f64().unwrap())
        .sum();
    assert!((probabilities - 1.0).abs() < 1e-6);
    assert!(
        v["band_low"].as_u64() <= v["level"].as_u64()
            && v["level"].as_u64() <= v["band_high"].as_u64()
    );
    let items = r["items"].as_array().unwrap();
    let n = app.state.bank.quiz("standard").unwrap().question_count() as usize;
    assert_eq!(items.len(), n);
    for (pos, item) in items.iter().enumerate() {
        let options = item["options"].as_array().unwrap();
        let chosen = options.iter().filter(|o| o["chosen"] == true).count();
        let right = options.iter().all(|o| o["chosen"] == o["correct"]);
        assert_eq!(right, pos % 2 == 0, "{item}");
        if !right {
            assert_eq!(chosen, 1, "one wrong option was chosen: {item}");
        }
        assert_eq!(
            item["credit"].as_f64().unwrap(),
            if right { 1.0 } else { 0.0 }
        );
        assert!(!item["explanation_html"].as_str().unwrap().is_empty());
    }
    let points: f64 = r["by_level"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["points"].as_f64().unwrap())
        .sum();
    assert_eq!(points, r["points"].as_f64().unwrap());
    assert!(r["by_level"][0]["threshold"].as_f64().unwrap() > 0.0);
    // The candidates table carries the verdict too.
    let rows = json_body(app.attempts().await, StatusCode::OK).await;
    assert_eq!(rows[0]["verdict"]["level"], v["level"]);
}

async fn item_analysis_counts_responses_and_calibration_feeds_later_attempts(app: TestApp) {
    // Forty candidates: stronger ones (higher k) get more right.
    for k in 0..40usize {
        finish(&app, &format!("C{k}"), |pos| (pos * 7 + k) % 40 < k).await;
    }
    app.login_admin().await;
    let a = json_body(
        app.post_form("/api/recruiter/items", &[]).await,
        StatusCode::OK,
    )
    .await;
    let quiz = &a["quizzes"][0];
    assert_eq!(quiz["quiz_id"], "standard");
    assert_eq!(quiz["attempts"], 40);
    assert!(quiz["kr20"].as_f64().is_some(), "{quiz}");
    let total: u64 = a["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["responses"].as_u64().unwrap())
        .sum();
    let per_attempt = app.state.bank.quiz("standard").unwrap().question_count() as u64;
    assert_eq!(total, 40 * per_attempt);

    let before = app.state.db.calibration().await.unwrap();
    assert!(before.is_empty());
    let run = analysis::calibrate(&app.state, 1).await.unwrap();
    assert_eq!(run.result.persons, 40);
    assert!(!run.result.items.is_empty());
    analysis::store(&app.state, &run).await.unwrap();
    let stored = app.state.db.calibration().await.unwrap();
    assert_eq!(stored.items.len(), run.result.items.len());
    let scale = stored.scale.expect("the scale is stored");
    assert!((scale.spacing - run.result.scale.spacing).abs() < 1e-12);
    // Recalibrating replaces rows instead of duplicating them.
    analysis::store(&app.state, &run).await.unwrap();
    assert_eq!(
        app.state.db.calibration().await.unwrap().items.len(),
        stored.items.len()
    );
    // A later attempt is scored with the calibrated difficulties and scale.
    let token = finish(&app, "After calibration", |_| true).await;
    let attempt = attempt_of(&app, &token).await;
    let report: rung::server::scoring::ScoreReport =
        serde_json::from_str(attempt.result.as_deref().unwrap()).unwrap();
    let items = app.state.db.items(&attempt.id).await.unwrap();
    let used_calibration = items.iter().zip(&report.models).any(|(it, m)| {
        let calibrated = stored
            .items
            .get(&(it.question_hash.clone(), MultiplePolicy::AllOrNothing));
        match (calibrated, m) {
            (Some(c), Some(m)) => m.difficulty == Some(c.difficulty),
            _ => false,
        }
    });
    assert!(used_calibration, "{:?}", report.models);
    assert!((report.verdict.spacing - scale.spacing).abs() < 0.3);
}

/// B3 of the scoring review: an attempt's cut points were fixed at start
/// but its questions' difficulties were re-read at finalize, so a
/// calibration stored while it ran mixed two scales. The whole model is
/// now fixed at start.
async fn a_calibration_stored_during_an_attempt_does_not_change_how_it_is_scored(app: TestApp) {
    let token = app.invite("Running").await;
    let inv = attempts::invitation(&app.state, &token).await.unwrap();
    attempts::start(&app.state, &inv).await.unwrap();
    let at_start: rung::server::scoring::AttemptScoring =
        serde_json::from_str(&attempt_of(&app, &token).await.policy).unwrap();
    // Meanwhile, every question is calibrated far from its level.
    let rows: Vec<rung::server::db::CalibrationRow> = app
        .state
        .bank
        .questions
        .iter()
        .map(|q| rung::server::db::CalibrationRow {
            question_hash: q.hash.clone(),
            multiple_policy: "all_or_nothing".into(),
            question_id: q.id.clone(),
            difficulty: 3.0,
            standard_error: 0.2,
            responses: 100,
            infit: 1.0,
            outfit: 1.0,
        })
        .collect();
    let scale = CalibratedScale {
        spacing: 0.5,
        spacing_se: 0.01,
        spread: 0.1,
    };
    app.state
        .db
        .store_calibration(&scale, 100, &rows, 0)
        .await
        .unwrap();
    attempts::submit(&app.state, &inv, vec![]).await.unwrap();
    let attempt = attempt_of(&app, &token).await;
    let report: rung::server::scoring::ScoreReport =
        serde_json::from_str(attempt.result.as_deref().unwrap()).unwrap();
    let served: Vec<_> = at_start
        .items
        .clone()
        .unwrap()
        .into_iter()
        .map(Some)
        .collect();
    assert_eq!(report.models, served);
    assert!(report
        .models
        .iter()
        .flatten()
        .all(|m| m.difficulty.is_none()));
    let model = at_start.model.unwrap();
    assert_eq!(report.verdict.cut_points.len(), model.top());
    assert!(model.cuts.contains(&report.verdict.cut_points));
}

/// A candidate who runs out of time: the questions after the last answered
/// one are not reached, left out of the verdict instead of counted wrong.
async fn questions_not_reached_at_the_deadline_are_left_out_of_the_verdict(app: TestApp) {
    let token = app.invite("Slow").await;
    let inv = attempts::invitation(&app.state, &token).await.unwrap();
    let view = attempts::start(&app.state, &inv).await.unwrap();
    let n = view.questions.len();
    for pos in 0..n - 6 {
        let key = key_for(&app, &token, pos).await;
        attempts::answer(&app.state, &inv, pos as u32, key)
            .await
            .unwrap();
    }
    app.clock()
        .advance_ms(i64::from(view.duration_minutes) * 60_000 + attempts::GRACE_MS + 1);
    assert_eq!(attempts::sweep(&app.state).await.unwrap(), 1);
    let attempt = attempt_of(&app, &token).await;
    assert_eq!(attempt.status, "timed_out");
    let report: rung::server::scoring::ScoreReport =
        serde_json::from_str(attempt.result.as_deref().unwrap()).unwrap();
    assert_eq!(report.verdict.not_reached, 6);
    assert_eq!(report.total.not_reached, 6);
    assert_eq!(report.total.max, (n - 6) as f64);
    assert_eq!(report.total.points, (n - 6) as f64);
    assert!(report.items[n - 6..].iter().all(Option::is_none));
    // All right on what was reached: a strong verdict, not a weak one.
    assert!(report.verdict.level >= 3, "{:?}", report.verdict);
}

/// A calibration that measures the top level's questions as the easiest
/// of all would put the levels out of order: candidates still start and
/// finish, on the authored levels' model.
async fn a_calibration_with_levels_out_of_order_does_not_block_candidates(app: TestApp) {
    let top = app.state.bank.ladder.top();
    let rows: Vec<rung::server::db::CalibrationRow> = app
        .state
        .bank
        .questions
        .iter()
        .filter(|q| q.level.get() == top)
        .map(|q| rung::server::db::CalibrationRow {
            question_hash: q.hash.clone(),
            multiple_policy: "all_or_nothing".into(),
            question_id: q.id.clone(),
            difficulty: -8.0,
            standard_error: 0.3,
            responses: 100,
            infit: 1.0,
            outfit: 1.0,
        })
        .collect();
    let scale = CalibratedScale {
        spacing: 1.2,
        spacing_se: 0.05,
        spread: 0.7,
    };
    app.state
        .db
        .store_calibration(&scale, 100, &rows, 0)
        .await
        .unwrap();
    let token = finish(&app, "Unordered", |_| true).await;
    let attempt = attempt_of(&app, &token).await;
    let scoring: rung::server::scoring::AttemptScoring =
        serde_json::from_str(&attempt.policy).unwrap();
    let quiz = app.state.bank.quiz("standard").unwrap();
    let authored = rung::server::scoring::quiz_model(
        &app.state.bank,
        quiz,
        &rung::server::scoring::Calibration::new(),
    )
    .unwrap();
    assert_eq!(scoring.model, Some(authored));
    assert_eq!(attempt.status, "submitted");
}

on_both_databases!(
    a_report_needs_a_session_and_hides_answers_until_the_end,
    a_finished_attempt_reports_a_verdict_breakdowns_and_the_review,
    item_analysis_counts_responses_and_calibration_feeds_later_attempts,
    a_calibration_stored_during_an_attempt_does_not_change_how_it_is_scored,
    questions_not_reached_at_the_deadline_are_left_out_of_the_verdict,
    a_calibration_with_levels_out_of_order_does_not_block_candidates,
);
