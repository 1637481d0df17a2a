//! The recruiter's endpoints: sessions, invitations, the overview.

use crate::helpers::{
    client, json_body, spawn_sqlite, spawn_sqlite_with, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD,
};
use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::json;

/// The `name=value` part of a response's session cookie, to replay it.
fn session_cookie(res: &reqwest::Response) -> String {
    let header = res.headers()["set-cookie"].to_str().unwrap();
    header.split(';').next().unwrap().to_string()
}

/// The candidates table, asked for with exactly this session cookie.
async fn attempts_with_cookie(app: &TestApp, cookie: &str) -> reqwest::Response {
    let request = app.client.post(app.url("/api/recruiter/attempts"));
    request.header("cookie", cookie).send().await.unwrap()
}

/// An invitation through the console.
async fn invite_x(app: &TestApp) -> reqwest::Response {
    app.post_form(
        "/api/recruiter/invite",
        &[
            ("quiz_id", "standard"),
            ("candidate_name", "X"),
            ("candidate_email", ""),
        ],
    )
    .await
}

async fn recruiter_endpoints_require_a_session(app: TestApp) {
    for path in ["/api/recruiter/attempts", "/api/recruiter/quizzes"] {
        let body = json_body(app.post_form(path, &[]).await, StatusCode::UNAUTHORIZED).await;
        assert_eq!(body, json!("Unauthorized"), "{path}");
    }
    let res = invite_x(&app).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // A made-up session cookie is no better.
    let res = attempts_with_cookie(&app, "rung_session=made-up").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let me = json_body(
        app.post_form("/api/recruiter/whoami", &[]).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me, json!(null));
}

async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(app: TestApp) {
    let wrong = app.login(ADMIN_EMAIL, "wrong").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get("set-cookie").is_none());
    let wrong = wrong.text().await.unwrap();
    let unknown = app.login("nobody@example.com", "wrong").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong, unknown.text().await.unwrap());
    assert_eq!(wrong, "\"BadCredentials\"");
}

async fn signing_in_sets_a_strict_http_only_session_cookie(app: TestApp) {
    let res = app
        .login(
            &format!("  {}  ", ADMIN_EMAIL.to_uppercase()),
            ADMIN_PASSWORD,
        )
        .await;
    // A script caller gets 200 and the redirect in a header (a plain form
    // post, accepting text/html, gets a 302).
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["location"], "/recruiter");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("rung_session="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(attr), "{attr} missing: {cookie}");
    }
    // Served over plain HTTP in tests, so not Secure.
    assert!(!cookie.contains("Secure"), "{cookie}");
    let me = json_body(
        app.post_form("/api/recruiter/whoami", &[]).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["email"], ADMIN_EMAIL);
}

/// Sign in as a browser without JavaScript does: a form post for HTML.
async fn form_login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/recruiter/login"))
        .header("accept", "text/html")
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

async fn a_plain_form_post_sign_in_is_redirected_with_302(app: TestApp) {
    let res = form_login(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/recruiter");
}

async fn signing_out_ends_the_session_on_the_server(app: TestApp) {
    let res = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let cookie = session_cookie(&res);
    json_body(app.attempts().await, StatusCode::OK).await;
    let out = app.post_form("/api/recruiter/logout", &[]).await;
    assert_eq!(out.status(), StatusCode::OK);
    let cleared = out.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cleared.starts_with("rung_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    // Replaying the old cookie does not work.
    let res = attempts_with_cookie(&app, &cookie).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

/// A recruiter holding a generated one-time password: only the password
/// page is open until they choose their own, which ends every session.
async fn a_one_time_password_must_be_replaced_before_the_console_opens(app: TestApp) {
    let email = "otp@rung.local";
    let otp: &'static str =
        rung::server::recruiting::add_recruiter(&app.state, " OTP@rung.local", "One Time")
            .await
            .unwrap()
            .leak();
    // The email is taken now.
    let again = rung::server::recruiting::add_recruiter(&app.state, email, "Twice").await;
    assert!(again.unwrap_err().to_string().contains("already exists"));

    // A plain form post signs in and goes to the password page.
    let res = form_login(&app, email, otp).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/recruiter/password");
    let first_session = session_cookie(&res);

    // The console is closed; whoami says why.
    let refused = json_body(app.attempts().await, StatusCode::FORBIDDEN).await;
    assert_eq!(refused, serde_json::json!("PasswordChangeRequired"));
    let res = invite_x(&app).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let me = json_body(
        app.post_form("/api/recruiter/whoami", &[]).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["must_change_password"], true);

    let change = |current: &'static str, new: &'static str, confirm: &'static str| {
        let app = &app;
        async move {
            app.post_form(
                "/api/recruiter/password",
                &[
                    ("current_password", current),
                    ("new_password", new),
                    ("confirm_password", confirm),
                ],
            )
            .await
        }
    };
    // Mistakes are explained and change nothing.
    for (current, new, confirm, why) in [
        (
            "wrong-current-pw",
            "a brand new passphrase",
            "a brand new passphrase",
            "current password",
        ),
        (otp, "too short", "too short", "at least 15"),
        (
            otp,
            "a brand new passphrase",
            "a brand new passphrase!",
            "differ",
        ),
        (otp, otp, otp, "differ from the current"),
    ] {
        let body = json_body(change(current, new, confirm).await, StatusCode::BAD_REQUEST).await;
        assert!(body.to_string().contains(why), "{why}: {body}");
    }
    assert_eq!(app.attempts().await.status(), StatusCode::FORBIDDEN);

    // The right change opens the console with a fresh session...
    let res = change(otp, "a brand new passphrase", "a brand new passphrase").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .starts_with("rung_session="));
    json_body(app.attempts().await, StatusCode::OK).await;
    let me = json_body(
        app.post_form("/api/recruiter/whoami", &[]).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["must_change_password"], false);

    // ...ends the session opened with the one-time password...
    let res = attempts_with_cookie(&app, &first_session).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // ...and the one-time password no longer signs in; the new one does.
    let fresh = client();
    let again = |password: &'static str| {
        fresh
            .post(app.url("/api/recruiter/login"))
            .form(&[("email", email), ("password", password)])
            .send()
    };
    assert_eq!(again(otp).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        again("a brand new passphrase").await.unwrap().status(),
        StatusCode::OK
    );

    // A reset (a forgotten password) ends the sessions and hands out a new
    // one-time password.
    let reset: &'static str = rung::server::recruiting::reset_password(&app.state, email)
        .await
        .unwrap()
        .leak();
    assert_eq!(app.attempts().await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        again("a brand new passphrase").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let res = app.login(email, reset).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.attempts().await.status(), StatusCode::FORBIDDEN);
    let unknown = rung::server::recruiting::reset_password(&app.state, "nobody@rung.local").await;
    assert_eq!(unknown.unwrap_err().status_code(), 404);
}

/// The first start on an empty database: a generated admin password is
/// one-time, a configured one is not.
#[tokio::test]
async fn the_admin_created_with_a_generated_password_must_change_it() {
    let chosen = spawn_sqlite().await;
    let admin = chosen
        .state
        .db
        .recruiter_by_email(ADMIN_EMAIL)
        .await
        .unwrap()
        .unwrap();
    assert!(!admin.must_change_password);

    let app = spawn_sqlite_with(|c| c.admin_password = None).await;
    let admin = app
        .state
        .db
        .recruiter_by_email(ADMIN_EMAIL)
        .await
        .unwrap()
        .unwrap();
    assert!(admin.must_change_password);
}

async fn repeated_failed_logins_are_slowed_down(app: TestApp) {
    for _ in 0..10 {
        assert_eq!(
            app.login(ADMIN_EMAIL, "guess").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let res = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

async fn a_recruiter_invites_and_sees_status_and_score(app: TestApp) {
    app.login_admin().await;
    let inv = json_body(
        app.post_form(
            "/api/recruiter/invite",
            &[
                ("quiz_id", "standard"),
                ("candidate_name", "  Grace Hopper "),
                ("candidate_email", "grace@example.com"),
            ],
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let link = inv["link"].as_str().unwrap();
    assert!(link.starts_with("http://127.0.0.1/take/"), "{link}");
    let token = link.rsplit('/').next().unwrap();
    let claims = app.state.keys.verify(token, app.clock().now_ms()).unwrap();
    assert_eq!(claims.jti, inv["invitation_id"].as_str().unwrap());
    assert_eq!(claims.iss, "rung");
    assert_eq!(claims.aud, "rung:candidate");
    assert!(claims.exp * 1000 > app.clock().now_ms() + 13 * 24 * 3_600_000);

    let rows = json_body(app.attempts().await, StatusCode::OK).await;
    assert_eq!(rows[0]["candidate_name"], "Grace Hopper");
    assert_eq!(rows[0]["status"], "not_started");
    assert_eq!(rows[0]["score"], json!(null));

    json_body(app.start(token).await, StatusCode::OK).await;
    let key = crate::helpers::key_for(&app, token, 0).await;
    json_body(app.answer(token, 0, &key).await, StatusCode::OK).await;
    let rows = json_body(app.attempts().await, StatusCode::OK).await;
    assert_eq!(rows[0]["status"], "in_progress");

    json_body(app.submit(token, json!([])).await, StatusCode::OK).await;
    let rows = json_body(app.attempts().await, StatusCode::OK).await;
    assert_eq!(rows[0]["status"], "submitted");
    let n = app.state.bank.quiz("standard").unwrap().question_count();
    assert_eq!(rows[0]["score"], json!({ "points": 1.0, "max": n as f64 }));
}

async fn invitations_are_checked(app: TestApp) {
    app.login_admin().await;
    let res = app
        .post_form(
            "/api/recruiter/invite",
            &[
                ("quiz_id", "nope"),
                ("candidate_name", "A"),
                ("candidate_email", ""),
            ],
        )
        .await;
    assert_eq!(
        json_body(res, StatusCode::NOT_FOUND).await,
        json!({ "NotFound": "There is no quiz `nope`." })
    );
    let res = app
        .post_form(
            "/api/recruiter/invite",
            &[
                ("quiz_id", "standard"),
                ("candidate_name", "  "),
                ("candidate_email", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .post_form(
            "/api/recruiter/invite",
            &[
                ("quiz_id", "standard"),
                ("candidate_name", "A"),
                ("candidate_email", "not-an-email"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .post_form("/api/recruiter/invite", &[("quiz_id", "standard")])
        .await;
    assert_eq!(
        json_body(res, StatusCode::BAD_REQUEST).await,
        json!({ "BadRequest": "The request was malformed." })
    );
}

async fn a_broken_database_gives_a_generic_error_without_sql(app: TestApp) {
    let token = app.invite("Unlucky").await;
    sqlx_drop_attempts(&app).await;
    let res = app.intro(&token).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let text = res.text().await.unwrap();
    assert_eq!(text, "\"Internal\"");
    let lower = text.to_lowercase();
    for leak in [
        "select",
        "attempts",
        "sqlite",
        "postgres",
        "no such table",
        "relation",
    ] {
        assert!(!lower.contains(leak), "{leak} leaked: {text}");
    }
}

async fn sqlx_drop_attempts(app: &TestApp) {
    app.state
        .db
        .execute_for_tests("DROP TABLE attempt_items")
        .await
        .unwrap();
    app.state
        .db
        .execute_for_tests("DROP TABLE attempts")
        .await
        .unwrap();
}

on_both_databases!(
    recruiter_endpoints_require_a_session,
    a_wrong_password_and_an_unknown_email_get_the_same_answer,
    signing_in_sets_a_strict_http_only_session_cookie,
    signing_out_ends_the_session_on_the_server,
    a_plain_form_post_sign_in_is_redirected_with_302,
    a_one_time_password_must_be_replaced_before_the_console_opens,
    repeated_failed_logins_are_slowed_down,
    a_recruiter_invites_and_sees_status_and_score,
    invitations_are_checked,
    a_broken_database_gives_a_generic_error_without_sql,
);
