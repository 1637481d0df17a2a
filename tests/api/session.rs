//! The candidate's session: the link is exchanged at Start for a private
//! session; other browsers can join (and are recorded); revocation stops
//! the link and every session; extra time is part of the deadline; the
//! event log records integrity evidence.

use crate::helpers::{client, json_body, redirect_target, spawn_sqlite_with, TestApp, ADMIN_EMAIL};
use crate::on_both_databases;
use reqwest::StatusCode;
use rung::server::attempts::{self, GRACE_MS};
use serde_json::{json, Value};

const MINUTE: i64 = 60_000;

fn set_cookie(res: &reqwest::Response) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.contains("rung_attempt="))
        .expect("a session cookie is set")
}

/// The event log of a link's invitation (the id is the token's `jti`).
async fn events(app: &TestApp, token: &str) -> Vec<(String, Value)> {
    let id = app
        .state
        .keys
        .verify(token, app.clock().now_ms())
        .expect("our token")
        .jti;
    app.state
        .db
        .events(&id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, serde_json::from_str(&e.detail).unwrap()))
        .collect()
}

async fn attempt_view(app: &TestApp, browser: &reqwest::Client) -> reqwest::Response {
    app.candidate_post(browser, "/api/candidate/attempt", &json!({}))
        .await
}

async fn opening_the_link_changes_nothing_and_start_exchanges_it_for_a_session(app: TestApp) {
    let token = app.invite("Ada").await;
    // GET, as a mail scanner or a chat preview would: no attempt, no clock.
    let page = app.get(&format!("/take/{token}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let inv = attempts::invitation(&app.state, &token).await.unwrap();
    assert!(app
        .state
        .db
        .attempt_for_invitation(&inv.id)
        .await
        .unwrap()
        .is_none());

    let browser = client();
    let res = app.press_start(&browser, &token).await;
    assert_eq!(redirect_target(&res).as_deref(), Some("/quiz"));
    let cookie = set_cookie(&res);
    assert!(cookie.starts_with("rung_attempt="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{attr} missing: {cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    assert!(!cookie.contains(&token), "the cookie is not the token");
    let value = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("rung_attempt=");
    assert!(value.len() >= 43, "{value}");
    // The database keeps only a hash of it.
    assert!(events(&app, &token)
        .await
        .iter()
        .all(|(_, d)| !d.to_string().contains(value)));

    // Pressing Resume again in the same browser keeps its session: no new
    // one, nothing recorded.
    let again = app.press_start(&browser, &token).await;
    assert_eq!(redirect_target(&again).as_deref(), Some("/quiz"));
    assert!(again.headers().get("set-cookie").is_none());
    let kinds: Vec<String> = events(&app, &token)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(kinds, ["session_started"]);

    // The session authorizes; the token no longer does.
    json_body(attempt_view(&app, &browser).await, StatusCode::OK).await;
    let stranger = client();
    for (path, body) in [
        ("/api/candidate/attempt", json!({ "token": token })),
        (
            "/api/candidate/answer",
            json!({ "token": token, "position": 0, "selected": [0] }),
        ),
        (
            "/api/candidate/submit",
            json!({ "token": token, "pending": [] }),
        ),
        ("/api/candidate/finished", json!({ "token": token })),
    ] {
        let res = app.candidate_post(&stranger, path, &body).await;
        let body = json_body(res, StatusCode::UNAUTHORIZED).await;
        assert_eq!(body, json!("NoSession"), "{path}");
    }
    // A forged cookie is no session either.
    let res = app
        .client
        .post(app.url("/api/candidate/attempt"))
        .header(
            "cookie",
            "rung_attempt=forged-value-of-some-length-0123456789abcdef",
        )
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    json_body(res, StatusCode::UNAUTHORIZED).await;
}

async fn a_second_browser_joins_the_same_attempt_and_is_recorded(app: TestApp) {
    let token = app.invite("Two devices").await;
    let laptop = client();
    app.press_start(&laptop, &token).await;
    let first = json_body(attempt_view(&app, &laptop).await, StatusCode::OK).await;
    json_body(
        app.candidate_post(
            &laptop,
            "/api/candidate/answer",
            &json!({ "position": 0, "selected": [1] }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    app.clock().advance_ms(2 * MINUTE);

    let phone = client();
    let res = phone
        .post(app.url("/take/start"))
        .header("user-agent", "Phone browser")
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(redirect_target(&res).as_deref(), Some("/quiz"));
    let second = phone
        .post(app.url("/api/candidate/attempt"))
        .header("user-agent", "Phone browser")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let second = json_body(second, StatusCode::OK).await;
    assert_eq!(
        first["questions"][3]["prompt_html"],
        second["questions"][3]["prompt_html"]
    );
    assert_eq!(
        second["questions"][0]["selected"],
        json!([1]),
        "the answer is there"
    );
    let left = second["remaining_ms"].as_i64().unwrap();
    assert!(left <= 23 * MINUTE, "the clock did not restart: {left}");
    // The earlier session keeps working.
    json_body(
        app.candidate_post(
            &laptop,
            "/api/candidate/answer",
            &json!({ "position": 1, "selected": [0] }),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    let log = events(&app, &token).await;
    let kinds: Vec<&str> = log.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["session_started", "session_joined"], "{log:?}");
    assert_eq!(log[1].1["session"], 2);
    assert_eq!(log[1].1["agent"], "Phone browser");
    assert_eq!(log[1].1["addr"], "127.0.0.1");

    // The recruiter's report shows it as evidence.
    app.login_admin().await;
    let inv = attempts::invitation(&app.state, &token).await.unwrap();
    let report = json_body(
        app.post_form("/api/recruiter/report", &[("invitation_id", &inv.id)])
            .await,
        StatusCode::OK,
    )
    .await;
    let texts: Vec<String> = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("Another session joined the attempt (session 2)")),
        "{texts:?}"
    );
}

async fn a_change_of_browser_within_a_session_is_recorded(app: TestApp) {
    let token = app.invite("Shape shifter").await;
    let browser = client();
    browser
        .post(app.url("/take/start"))
        .header("user-agent", "Browser A")
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    for agent in ["Browser A", "Browser B", "Browser B"] {
        let res = browser
            .post(app.url("/api/candidate/attempt"))
            .header("user-agent", agent)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        json_body(res, StatusCode::OK).await;
    }
    let log = events(&app, &token).await;
    let changes: Vec<&Value> = log
        .iter()
        .filter(|(k, _)| k == "client_changed")
        .map(|(_, d)| d)
        .collect();
    assert_eq!(changes.len(), 1, "recorded once, at the change: {log:?}");
    assert_eq!(changes[0]["from_agent"], "Browser A");
    assert_eq!(changes[0]["to_agent"], "Browser B");
}

async fn revoking_stops_the_link_and_every_session_at_once(app: TestApp) {
    let token = app.invite("Revoked").await;
    let (a, b) = (client(), client());
    app.press_start(&a, &token).await;
    app.press_start(&b, &token).await;
    json_body(attempt_view(&app, &a).await, StatusCode::OK).await;

    // Strangers cannot revoke.
    let inv = attempts::invitation(&app.state, &token).await.unwrap();
    let res = client()
        .post(app.url("/api/recruiter/revoke"))
        .form(&[("invitation_id", inv.id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    json_body(attempt_view(&app, &a).await, StatusCode::OK).await;

    app.login_admin().await;
    let res = app
        .post_form("/api/recruiter/revoke", &[("invitation_id", &inv.id)])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );

    for browser in [&a, &b] {
        let body = json_body(attempt_view(&app, browser).await, StatusCode::FORBIDDEN).await;
        assert_eq!(body, json!("Revoked"));
        let res = app
            .candidate_post(
                browser,
                "/api/candidate/answer",
                &json!({ "position": 0, "selected": [0] }),
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    // The link: the same answer as a forged one.
    let body = json_body(app.intro(&token).await, StatusCode::FORBIDDEN).await;
    assert_eq!(body, json!("InvalidLink"));
    let res = app.press_start(&client(), &token).await;
    assert_eq!(
        redirect_target(&res).as_deref(),
        Some("/link?problem=invalid")
    );

    let rows = json_body(app.attempts().await, StatusCode::OK).await;
    assert_eq!(rows[0]["revoked"], true);
    let log = events(&app, &token).await;
    assert_eq!(log.last().unwrap().0, "revoked");
    assert_eq!(log.last().unwrap().1["by"], ADMIN_EMAIL);

    // Revoking again is harmless; an unknown invitation is a clear 404.
    let res = app
        .post_form("/api/recruiter/revoke", &[("invitation_id", &inv.id)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .post_form("/api/recruiter/revoke", &[("invitation_id", "nope")])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

async fn extra_time_is_stated_and_part_of_the_deadline(app: TestApp) {
    app.clock().freeze();
    let inv = rung::server::recruiting::invite(
        &app.state,
        rung::server::recruiting::Actor::Operator,
        "standard",
        "Accommodated",
        None,
        25,
    )
    .await
    .unwrap();
    let token = inv.link.rsplit('/').next().unwrap().to_string();
    let intro = json_body(app.intro(&token).await, StatusCode::OK).await;
    // 25 minutes + 25% = 31.25, rounded up to a whole minute.
    assert_eq!(intro["duration_minutes"], 32);
    assert_eq!(intro["extra_time_percent"], 25);
    let view = json_body(app.start(&token).await, StatusCode::OK).await;
    let left = view["remaining_ms"].as_i64().unwrap();
    assert!(left > 31 * MINUTE && left <= 32 * MINUTE, "{left}");
    assert_eq!(view["duration_minutes"], 32);

    // At 31 minutes (past the standard 25) answers are still taken...
    app.clock().advance_ms(31 * MINUTE);
    json_body(app.answer(&token, 0, &[0]).await, StatusCode::OK).await;
    // ...and after 32 minutes and the grace, no longer.
    app.clock().advance_ms(MINUTE + GRACE_MS + 1);
    let body = json_body(app.answer(&token, 1, &[0]).await, StatusCode::CONFLICT).await;
    assert_eq!(body, json!("TimeUp"));

    // The console refuses nonsense.
    app.login_admin().await;
    for bad in ["250", "-5", "ten"] {
        let res = app
            .post_form(
                "/api/recruiter/invite",
                &[
                    ("quiz_id", "standard"),
                    ("candidate_name", "X"),
                    ("candidate_email", ""),
                    ("extra_time_percent", bad),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let res = app
        .post_form(
            "/api/recruiter/invite",
            &[
                ("quiz_id", "standard"),
                ("candidate_name", "Y"),
                ("candidate_email", ""),
                ("extra_time_percent", "50"),
            ],
        )
        .await;
    let made = json_body(res, StatusCode::OK).await;
    let token = made["link"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let intro = json_body(app.intro(&token).await, StatusCode::OK).await;
    assert_eq!(intro["duration_minutes"], 38);
    // Without the field (an older form), no extra time.
    let res = app
        .post_form(
            "/api/recruiter/invite",
            &[
                ("quiz_id", "standard"),
                ("candidate_name", "Z"),
                ("candidate_email", ""),
            ],
        )
        .await;
    let made = json_body(res, StatusCode::OK).await;
    let token = made["link"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let intro = json_body(app.intro(&token).await, StatusCode::OK).await;
    assert_eq!(intro["duration_minutes"], 25);
}

async fn the_page_reports_focus_and_paste_and_the_server_times_each_question(app: TestApp) {
    // Stopped: the time per question is exactly what the test moves it by.
    app.clock().freeze();
    let token = app.invite("Observed").await;
    json_body(app.start(&token).await, StatusCode::OK).await;
    let browser = app.candidate(&token);
    let post = |path: &'static str, body: Value| {
        let (app, browser) = (&app, browser.clone());
        async move { app.candidate_post(&browser, path, &body).await }
    };
    json_body(
        post("/api/candidate/shown", json!({ "position": 2 })).await,
        StatusCode::OK,
    )
    .await;
    app.clock().advance_ms(40_000);
    json_body(
        post(
            "/api/candidate/event",
            json!({ "kind": "blur", "duration_ms": 12_000 }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    json_body(
        post(
            "/api/candidate/event",
            json!({ "kind": "paste", "duration_ms": null }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let res = post(
        "/api/candidate/event",
        json!({ "kind": "teleport", "duration_ms": null }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // Shown again later: the first showing counts.
    app.clock().advance_ms(5_000);
    json_body(
        post("/api/candidate/shown", json!({ "position": 2 })).await,
        StatusCode::OK,
    )
    .await;
    json_body(app.answer(&token, 2, &[0]).await, StatusCode::OK).await;
    json_body(app.submit(&token, json!([])).await, StatusCode::OK).await;
    // After the attempt, the page reports nothing more.
    let res = post(
        "/api/candidate/event",
        json!({ "kind": "paste", "duration_ms": null }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    let kinds: Vec<String> = events(&app, &token)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(kinds, ["session_started", "focus_lost", "paste"]);

    app.login_admin().await;
    let inv = attempts::invitation(&app.state, &token).await.unwrap();
    let report = json_body(
        app.post_form("/api/recruiter/report", &[("invitation_id", &inv.id)])
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report["items"][2]["time_to_answer_ms"], 45_000);
    assert_eq!(report["items"][0]["time_to_answer_ms"], Value::Null);
    let texts: Vec<&str> = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains(&"The quiz window lost focus for 12 s."),
        "{texts:?}"
    );
}

async fn start_refuses_a_cross_site_post_and_a_malformed_form(app: TestApp) {
    let token = app.invite("Target").await;
    let res = client()
        .post(app.url("/take/start"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let inv = attempts::invitation(&app.state, &token).await.unwrap();
    assert!(app
        .state
        .db
        .attempt_for_invitation(&inv.id)
        .await
        .unwrap()
        .is_none());

    // A sibling subdomain, and an older browser's foreign Origin.
    for (name, value) in [
        ("sec-fetch-site", "same-site"),
        ("origin", "https://evil.example"),
    ] {
        let res = client()
            .post(app.url("/take/start"))
            .header(name, value)
            .form(&[("token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{name}: {value}");
    }
    assert!(app
        .state
        .db
        .attempt_for_invitation(&inv.id)
        .await
        .unwrap()
        .is_none());
    // Our own origin is welcome.
    let res = client()
        .post(app.url("/take/start"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(redirect_target(&res).as_deref(), Some("/quiz"));

    let res = client()
        .post(app.url("/take/start"))
        .form(&[("not_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        redirect_target(&res).as_deref(),
        Some("/link?problem=invalid")
    );
    let res = client()
        .post(app.url("/take/start"))
        .form(&[("token", "x".repeat(60_000))])
        .send()
        .await
        .unwrap();
    assert_eq!(
        redirect_target(&res).as_deref(),
        Some("/link?problem=invalid")
    );
}

async fn post_quiz_form(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    form: &[(&str, String)],
) -> Option<String> {
    let res = browser
        .post(app.url(path))
        .header("accept", "text/html")
        .form(form)
        .send()
        .await
        .unwrap();
    redirect_target(&res)
}

async fn page_html(app: &TestApp, browser: &reqwest::Client, path: &str) -> String {
    let res = browser.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.unwrap()
}

async fn the_whole_quiz_works_with_plain_forms(app: TestApp) {
    let token = app.invite("No script").await;
    let browser = client();
    app.press_start(&browser, &token).await;
    let html = page_html(&app, &browser, "/quiz").await;
    assert!(html.contains(r#"action="/quiz/answer""#), "{html}");
    assert!(html.contains("Question 1 of "), "{html}");
    assert!(
        html.contains("25:00") || html.contains("24:59"),
        "the time left is printed"
    );
    let view = json_body(attempt_view(&app, &browser).await, StatusCode::OK).await;
    let questions = view["questions"].as_array().unwrap().clone();
    let n = questions.len();

    let k0 = crate::helpers::key_for(&app, &token, 0).await;
    let form = |pos: usize, choices: &[u32], go: &str| {
        let mut f = vec![("position", pos.to_string()), ("go", go.to_string())];
        f.extend(choices.iter().map(|c| ("choice", c.to_string())));
        f
    };
    assert_eq!(
        post_quiz_form(&app, &browser, "/quiz/answer", &form(0, &k0, "next"))
            .await
            .as_deref(),
        Some("/quiz?q=2")
    );
    // The second page shows question 2 and remembers question 1.
    let html = page_html(&app, &browser, "/quiz?q=2").await;
    assert!(html.contains("Question 2 of"), "{html}");
    // A select-all question takes several choices from one form.
    let multi = questions
        .iter()
        .skip(1)
        .position(|q| q["kind"] == "multiple")
        .unwrap()
        + 1;
    // Positions that hold no answer in this test, for moving around.
    let free: Vec<usize> = (1..n).filter(|&p| p != multi).collect();
    let km = crate::helpers::key_for(&app, &token, multi).await;
    assert_eq!(
        post_quiz_form(&app, &browser, "/quiz/answer", &form(multi, &km, "flag")).await,
        Some(format!("/quiz?q={}", multi + 1)),
        "flag stays on the question"
    );
    let view = json_body(attempt_view(&app, &browser).await, StatusCode::OK).await;
    assert_eq!(view["questions"][0]["selected"], json!(k0));
    assert_eq!(view["questions"][multi]["selected"], json!(km));
    assert_eq!(view["questions"][multi]["flagged"], true);
    // Pressing Flag again clears it; jumping by number and going back work.
    post_quiz_form(&app, &browser, "/quiz/answer", &form(multi, &km, "flag")).await;
    let view = json_body(attempt_view(&app, &browser).await, StatusCode::OK).await;
    assert_eq!(view["questions"][multi]["flagged"], false);
    let (a, b) = (free[0], free[1]);
    assert_eq!(
        post_quiz_form(
            &app,
            &browser,
            "/quiz/answer",
            &form(a, &[], &format!("q{b}"))
        )
        .await,
        Some(format!("/quiz?q={}", b + 1))
    );
    assert_eq!(
        post_quiz_form(&app, &browser, "/quiz/answer", &form(b, &[], "prev")).await,
        Some(format!("/quiz?q={b}"))
    );
    // A choice that does not exist is not saved; an absurd position or
    // jump is no crash.
    post_quiz_form(&app, &browser, "/quiz/answer", &form(a, &[99], "next")).await;
    let view = json_body(attempt_view(&app, &browser).await, StatusCode::OK).await;
    assert_eq!(view["questions"][a]["selected"], json!([]));
    let absurd = vec![
        ("position", u32::MAX.to_string()),
        ("go", format!("q{}", u32::MAX)),
    ];
    assert!(post_quiz_form(&app, &browser, "/quiz/answer", &absurd)
        .await
        .is_some_and(|to| to.starts_with("/quiz?q=")));

    // Submit: a confirmation page, then a plain form.
    assert_eq!(
        post_quiz_form(&app, &browser, "/quiz/answer", &form(a, &[], "submit"))
            .await
            .as_deref(),
        Some("/quiz/submit")
    );
    let html = page_html(&app, &browser, "/quiz/submit").await;
    assert!(
        html.contains(&format!("{} of {n} questions are unanswered", n - 2)),
        "{html}"
    );
    assert!(html.contains(r#"action="/quiz/finish""#));
    assert_eq!(
        post_quiz_form(&app, &browser, "/quiz/finish", &[])
            .await
            .as_deref(),
        Some("/quiz/done")
    );
    let html = page_html(&app, &browser, "/quiz/done").await;
    assert!(html.contains("You answered 2 of"), "{html}");
    let a = app.state.db.overview(10).await.unwrap()[0]
        .attempt
        .clone()
        .unwrap();
    assert_eq!(a.status, "submitted");
    // Nothing more is taken.
    assert_eq!(
        post_quiz_form(&app, &browser, "/quiz/answer", &form(b, &[0], "next"))
            .await
            .as_deref(),
        Some("/quiz/done")
    );
    // And without a session the forms lead to the page that explains.
    assert_eq!(
        post_quiz_form(&app, &client(), "/quiz/answer", &form(0, &[0], "next"))
            .await
            .as_deref(),
        Some("/quiz")
    );
    let res = client().get(app.url("/quiz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let html = res.text().await.unwrap();
    assert!(html.contains("not open in this browser"), "{html}");
}

on_both_databases!(
    the_whole_quiz_works_with_plain_forms,
    opening_the_link_changes_nothing_and_start_exchanges_it_for_a_session,
    a_second_browser_joins_the_same_attempt_and_is_recorded,
    a_change_of_browser_within_a_session_is_recorded,
    revoking_stops_the_link_and_every_session_at_once,
    extra_time_is_stated_and_part_of_the_deadline,
    the_page_reports_focus_and_paste_and_the_server_times_each_question,
    start_refuses_a_cross_site_post_and_a_malformed_form,
);

#[tokio::test]
async fn over_https_the_session_cookie_is_host_prefixed_and_secure() {
    let app = spawn_sqlite_with(|c| {
        c.public_url = "https://quiz.example.com".into();
        c.jwt_secret = Some("ab".repeat(32));
    })
    .await;
    let token = app.invite("Secure").await;
    let res = app.press_start(&client(), &token).await;
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.contains("rung_attempt"))
        .unwrap();
    assert!(cookie.starts_with("__Host-rung_attempt="), "{cookie}");
    for attr in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{attr} missing: {cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
}

#[test]
fn extra_time_rounds_up_to_a_whole_minute() {
    assert_eq!(attempts::duration_ms(25, 0), 25 * MINUTE);
    assert_eq!(attempts::duration_ms(25, 25), 32 * MINUTE);
    assert_eq!(attempts::duration_ms(25, 50), 38 * MINUTE);
    assert_eq!(attempts::duration_ms(20, 100), 40 * MINUTE);
    assert_eq!(attempts::duration_ms(30, 10), 33 * MINUTE);
    assert_eq!(attempts::duration_ms(25, -5), 25 * MINUTE);
}
