//! Server-rendered pages.

use crate::helpers::{spawn_sqlite, TestApp};
use reqwest::StatusCode;

async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = app.get(path).await;
    let status = res.status();
    (status, res.text().await.unwrap())
}

#[tokio::test]
async fn a_candidate_link_renders_the_quiz_rules_on_the_server() {
    let app = spawn_sqlite().await;
    let token = app.invite("Ada").await;
    let (status, html) = page(&app, &format!("/take/{token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Security engineering: standard"), "{html}");
    assert!(html.contains("Welcome, Ada"));
    assert!(html.contains("25 minutes"));
    assert!(html.contains("data-testid=\"start\""));
}

#[tokio::test]
async fn a_bad_link_renders_an_explanation_not_a_crash() {
    let app = spawn_sqlite().await;
    let (status, html) = page(&app, "/take/not-a-token").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("This link does not work"), "{html}");
}

#[tokio::test]
async fn unknown_pages_are_404_and_pages_carry_security_headers() {
    let app = spawn_sqlite().await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app.get("/").await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cache-control"], "no-store");
}

#[tokio::test]
async fn the_console_redirects_strangers_to_sign_in() {
    let app = spawn_sqlite().await;
    let (status, html) = page(&app, "/recruiter").await;
    // Rendered on the server, the redirect is a 302 or a client-side
    // navigation in the HTML; either way no candidate data is shown.
    assert!(
        status == StatusCode::FOUND || status == StatusCode::OK,
        "{status}"
    );
    assert!(!html.contains("attempt-row"));
}

#[tokio::test]
async fn the_health_check_answers() {
    let app = spawn_sqlite().await;
    let (status, body) = page(&app, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "ok");
}
