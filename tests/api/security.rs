//! The hardening rules, tried as an attacker would: cross-site posts, the
//! headers on every kind of page, oversized and slow requests, rate limits
//! that cannot be turned against the real user, idle sessions, the signing
//! key policy.

use crate::helpers::{
    client, spawn_sqlite, spawn_sqlite_with, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD,
};
use crate::on_both_databases;
use reqwest::StatusCode;
use rung::server::config::Config;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both_databases!(
    cross_site_posts_are_refused_everywhere,
    an_idle_console_session_ends
);

/// A sign-in attempt with extra request headers, from a fresh browser.
async fn login_with(
    app: &TestApp,
    browser: &reqwest::Client,
    headers: &[(&str, &str)],
    password: &str,
) -> reqwest::Response {
    login_as(app, browser, headers, ADMIN_EMAIL, password).await
}

async fn login_as(
    app: &TestApp,
    browser: &reqwest::Client,
    headers: &[(&str, &str)],
    email: &str,
    password: &str,
) -> reqwest::Response {
    let mut req = browser
        .post(app.url("/api/recruiter/login"))
        .form(&[("email", email), ("password", password)]);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

async fn cross_site_posts_are_refused_everywhere(app: TestApp) {
    let token = app.invite("Victim").await;
    let attacker_pages = [
        vec![("origin", "https://evil.example")],
        // A sibling subdomain is same-site, not same-origin.
        vec![
            ("sec-fetch-site", "same-site"),
            ("origin", "https://x.127.0.0.1"),
        ],
        vec![("sec-fetch-site", "cross-site")],
        vec![("origin", "null")],
    ];
    for headers in &attacker_pages {
        // Login CSRF, a forced sign-out, a cross-site Start and answer.
        for (path, body) in [
            (
                "/api/recruiter/login",
                vec![("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)],
            ),
            ("/api/recruiter/logout", vec![]),
            ("/take/start", vec![("token", token.as_str())]),
            ("/quiz/answer", vec![("position", "0"), ("choice", "0")]),
            ("/api/candidate/answer", vec![]),
        ] {
            let mut req = client().post(app.url(path)).form(&body);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            let res = req.send().await.unwrap();
            assert_eq!(
                res.status(),
                StatusCode::FORBIDDEN,
                "{path} with {headers:?}"
            );
            assert!(res.headers().get("set-cookie").is_none(), "{path}");
        }
    }
    // Our own pages (the public URL's origin, or same-origin fetches) pass.
    let own = app.state.config.public_url.clone();
    let res = login_with(&app, &client(), &[("origin", &own)], ADMIN_PASSWORD).await;
    assert!(
        res.status().is_redirection() || res.status().is_success(),
        "{}",
        res.status()
    );
    let res = login_with(
        &app,
        &client(),
        &[("sec-fetch-site", "same-origin")],
        ADMIN_PASSWORD,
    )
    .await;
    assert!(
        res.status().is_redirection() || res.status().is_success(),
        "{}",
        res.status()
    );
    // Reads need no check (and change nothing).
    let res = client()
        .get(app.url("/recruiter/login"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

async fn an_idle_console_session_ends(app: TestApp) {
    app.clock().freeze();
    app.login_admin().await;
    assert_eq!(app.attempts().await.status(), StatusCode::OK);
    // Used within the idle limit, it lives on (each use counts).
    app.clock().advance_ms(29 * 60_000);
    assert_eq!(app.attempts().await.status(), StatusCode::OK);
    app.clock().advance_ms(29 * 60_000);
    assert_eq!(app.attempts().await.status(), StatusCode::OK);
    // 31 idle minutes later it is over.
    app.clock().advance_ms(31 * 60_000);
    assert_eq!(app.attempts().await.status(), StatusCode::UNAUTHORIZED);
}

/// The nonce of a response's Content-Security-Policy.
fn csp_nonce(res: &reqwest::Response) -> Option<String> {
    let csp = res
        .headers()
        .get("content-security-policy")?
        .to_str()
        .ok()?;
    let start = csp.find("'nonce-")? + 7;
    let end = start + csp[start..].find('\'')?;
    Some(csp[start..end].to_string())
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let app = spawn_sqlite().await;
    let token = app.invite("Headers").await;
    let mut nonces = std::collections::HashSet::new();
    for (method, path) in [
        ("GET", "/".to_string()),
        ("GET", format!("/take/{token}")),
        ("GET", "/take/not-a-token".into()),
        ("GET", "/quiz".into()),
        ("GET", "/link?problem=invalid".into()),
        ("GET", "/recruiter/login".into()),
        ("GET", "/recruiter".into()),
        ("GET", "/no/such/page".into()),
        ("GET", "/healthz".into()),
        ("POST", "/api/recruiter/whoami".into()),
        ("POST", "/api/candidate/attempt".into()),
        ("POST", "/take/start".into()),
    ] {
        let req = match method {
            "GET" => client().get(app.url(&path)),
            _ => client().post(app.url(&path)).form(&[("x", "y")]),
        };
        let res = req.send().await.unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap().to_string();
        for d in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "img-src 'self'",
            "'wasm-unsafe-eval'",
        ] {
            assert!(csp.contains(d), "{path}: {d} missing from {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["cross-origin-opener-policy"], "same-origin", "{path}");
        assert_eq!(h["cache-control"], "no-store", "{path}");
        // Plain HTTP (local use): no HSTS.
        assert!(h.get("strict-transport-security").is_none(), "{path}");
        let nonce = csp_nonce(&res).expect("a nonce");
        assert!(nonces.insert(nonce.clone()), "{path}: a nonce was reused");
        let is_html = h
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap().starts_with("text/html"));
        let body = res.text().await.unwrap();
        if is_html {
            // Every script carries this response's nonce.
            let tags: Vec<&str> = body
                .match_indices("<script")
                .map(|(i, _)| &body[i..i + body[i..].find('>').unwrap_or(0)])
                .collect();
            assert!(!tags.is_empty(), "{path}: no script in a page?");
            for tag in tags {
                assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "{path}: {tag}");
            }
            assert!(!body.contains("style=\""), "{path}: an inline style");
        }
    }
}

#[tokio::test]
async fn over_https_hsts_is_sent_and_cookies_are_host_prefixed() {
    let app = spawn_sqlite_with(|c| {
        c.public_url = "https://quiz.example.com".into();
        c.jwt_secret = Some("ab".repeat(32));
    })
    .await;
    let res = client()
        .get(app.url("/recruiter/login"))
        .send()
        .await
        .unwrap();
    let hsts = res.headers()["strict-transport-security"].to_str().unwrap();
    assert!(hsts.starts_with("max-age=31536000"), "{hsts}");
    let res = login_with(&app, &client(), &[], ADMIN_PASSWORD).await;
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    for c in &cookies {
        assert!(
            c.starts_with("__Host-rung_session=") || c.starts_with("__Host-rung_browser="),
            "{c}"
        );
        for attr in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(c.contains(attr), "{attr} in {c}");
        }
        assert!(!c.contains("Domain"), "{c}");
    }
}

#[tokio::test]
async fn the_signing_key_policy_is_enforced_at_startup() {
    let build = |configure: fn(&mut Config)| async move {
        let dir = tempfile::tempdir().unwrap();
        let mut config =
            Config::for_tests(format!("sqlite://{}", dir.path().join("k.db").display()));
        configure(&mut config);
        let options = leptos::prelude::LeptosOptions::builder()
            .output_name("rung")
            .site_root("target/site")
            .site_addr(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
            .build();
        rung::server::http::startup::Application::build(config, Default::default(), options)
            .await
            .err()
            .map(|e| e.to_string())
    };
    let production_without_key = build(|c| c.public_url = "https://quiz.example.com".into()).await;
    assert!(production_without_key.unwrap().contains("RUNG_JWT_SECRET"));
    let short = build(|c| c.jwt_secret = Some("ab".repeat(16))).await;
    assert!(short.unwrap().contains("at least 32"));
    let text =
        build(|c| c.jwt_secret = Some("correct horse battery staple, long enough".into())).await;
    assert!(text.unwrap().contains("neither hex nor base64"));
    assert_eq!(build(|c| c.jwt_secret = Some("ab".repeat(32))).await, None);
    let weak_admin = build(|c| c.admin_password = Some("passwordpassword".into())).await;
    assert!(weak_admin
        .unwrap()
        .contains("RUNG_ADMIN_PASSWORD is refused"));
    let short_admin = build(|c| c.admin_password = Some("short".into())).await;
    assert!(short_admin.unwrap().contains("at least 15 characters"));
    let bad_proxies = build(|c| c.trusted_proxies = "10.0.0.0/8, proxy".into()).await;
    assert!(bad_proxies.unwrap().contains("RUNG_TRUSTED_PROXIES"));
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let app = spawn_sqlite().await;
    let big = "x".repeat(100 * 1024);
    for path in [
        "/api/recruiter/login",
        "/take/start",
        "/quiz/answer",
        "/api/candidate/intro",
    ] {
        let res = client()
            .post(app.url(path))
            .form(&[("email", big.as_str()), ("token", big.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
    }
}

#[tokio::test]
async fn a_client_too_slow_to_send_its_headers_is_cut_off() {
    let app = spawn_sqlite_with(|c| c.header_timeout = Duration::from_secs(1)).await;
    let mut slow = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // ... and never the blank line. The server gives up and closes.
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the connection is still open after 20 s");
    // A prompt client on the same server is served.
    let res = client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn sign_in_is_limited_per_address_and_forwarded_for_is_believed_only_from_trusted_proxies() {
    // Without a trusted proxy, X-Forwarded-For changes nothing: every
    // request counts against the peer's address.
    // (A new email each time: the per-account limit stays out of it.)
    let app = spawn_sqlite().await;
    let mut refused = None;
    for i in 0..40 {
        let ip = format!("198.51.100.{i}");
        let email = format!("user{i}@example.com");
        let res = login_as(
            &app,
            &client(),
            &[("x-forwarded-for", &ip)],
            &email,
            "wrong",
        )
        .await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.headers().get("retry-after").is_some());
            refused = Some(i);
            break;
        }
    }
    assert_eq!(
        refused,
        Some(30),
        "the 31st sign-in a minute from one address is refused"
    );

    // Behind a trusted proxy, each forwarded client has its own budget.
    let app = spawn_sqlite_with(|c| c.trusted_proxies = "127.0.0.1".into()).await;
    for i in 0..35 {
        let ip = format!("198.51.100.{i}");
        let email = format!("user{i}@example.com");
        let res = login_as(
            &app,
            &client(),
            &[("x-forwarded-for", &ip)],
            &email,
            "wrong",
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "client {i}");
    }
}

#[tokio::test]
async fn guessing_at_an_account_never_locks_its_owner_out_of_a_known_browser() {
    let app = spawn_sqlite_with(|c| c.trusted_proxies = "127.0.0.1".into()).await;
    // The admin signed in on this browser before: it is known.
    let own_browser = client();
    let res = login_with(
        &app,
        &own_browser,
        &[("x-forwarded-for", "192.0.2.10")],
        ADMIN_PASSWORD,
    )
    .await;
    assert!(res.status().is_redirection() || res.status().is_success());
    // An attacker sprays guesses from many addresses.
    for i in 0..15 {
        let ip = format!("203.0.113.{i}");
        let res = login_with(&app, &client(), &[("x-forwarded-for", &ip)], "guess").await;
        let expected = if i < 10 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(res.status(), expected, "guess {i}");
    }
    // From an unknown browser, even the right password waits.
    let res = login_with(
        &app,
        &client(),
        &[("x-forwarded-for", "192.0.2.11")],
        ADMIN_PASSWORD,
    )
    .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // From the known browser, the owner signs in.
    let res = login_with(
        &app,
        &own_browser,
        &[("x-forwarded-for", "192.0.2.10")],
        ADMIN_PASSWORD,
    )
    .await;
    assert!(
        res.status().is_redirection() || res.status().is_success(),
        "{}",
        res.status()
    );
    // An unknown email is limited exactly like a real one (no enumeration).
    for i in 0..11 {
        let res = client()
            .post(app.url("/api/recruiter/login"))
            .header("x-forwarded-for", format!("203.0.113.{}", 100 + i))
            .form(&[("email", "nobody@example.com"), ("password", "guess")])
            .send()
            .await
            .unwrap();
        let expected = if i < 10 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(res.status(), expected, "unknown email, guess {i}");
    }
}

#[tokio::test]
async fn mutations_are_never_served_to_get() {
    let app = spawn_sqlite().await;
    app.login_admin().await;
    for path in [
        "/api/recruiter/logout",
        "/api/recruiter/invite",
        "/take/start",
        "/quiz/answer",
        "/quiz/finish",
        "/api/candidate/submit",
    ] {
        let res = app.get(path).await;
        assert!(
            matches!(
                res.status(),
                StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_FOUND
            ),
            "GET {path}: {}",
            res.status()
        );
    }
    // Still signed in: the GET of logout did nothing.
    assert_eq!(app.attempts().await.status(), StatusCode::OK);
}

/// Every registered server function, found by walking the registry (so a
/// new one cannot be missed): without the right session it answers 401
/// (403 for an account that must first replace its one-time password),
/// whoever else's session the caller holds. The public ones are named, and
/// each says why it is public.
#[tokio::test]
async fn every_server_function_refuses_a_caller_without_the_right_session() {
    use serde_json::json;
    let app = spawn_sqlite().await;
    let token = app.invite("Walker").await;
    // A candidate with a live session, and a recruiter who has not yet
    // replaced the one-time password.
    let candidate = client();
    app.press_start(&candidate, &token).await;
    let one_time = rung::server::recruiting::add_recruiter(&app.state, "new@example.com", "New")
        .await
        .unwrap();
    let fresh_recruiter = client();
    let res = login_as(&app, &fresh_recruiter, &[], "new@example.com", &one_time).await;
    assert!(res.status().is_redirection() || res.status().is_success());

    let public = [
        ("/api/recruiter/login", "signing in is how a session starts"),
        (
            "/api/recruiter/logout",
            "ends whatever session the caller has, if any",
        ),
        ("/api/recruiter/whoami", "answers null without a session"),
        (
            "/api/candidate/intro",
            "the landing page of a link, authorized by the link itself",
        ),
    ];
    let mut paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_string())
        .collect();
    paths.sort();
    assert!(paths.len() >= 18, "{paths:?}");
    for path in &paths {
        if public.iter().any(|(p, _)| p == path) {
            continue;
        }
        // Well-formed arguments, so the answer is about the session.
        let (json_body, form): (Option<serde_json::Value>, Vec<(&str, &str)>) = match path.as_str() {
            "/api/candidate/attempt" | "/api/candidate/finished" => (Some(json!({})), vec![]),
            "/api/candidate/flag" => (Some(json!({"position": 0, "flagged": true})), vec![]),
            "/api/candidate/answer" => (Some(json!({"position": 0, "selected": [0]})), vec![]),
            "/api/candidate/shown" => (Some(json!({"position": 0})), vec![]),
            "/api/candidate/event" => (Some(json!({"kind": "blur", "duration_ms": 5})), vec![]),
            "/api/candidate/submit" => (Some(json!({"pending": []})), vec![]),
            "/api/recruiter/password" => (
                None,
                vec![("current_password", "x"), ("new_password", "y"), ("confirm_password", "y")],
            ),
            "/api/recruiter/invite" => (
                None,
                vec![("quiz_id", "standard"), ("candidate_name", "X"), ("candidate_email", "")],
            ),
            "/api/recruiter/revoke" | "/api/recruiter/report" => {
                (None, vec![("invitation_id", "nope")])
            }
            "/api/recruiter/quizzes" | "/api/recruiter/attempts" | "/api/recruiter/items" => {
                (None, vec![])
            }
            other => panic!("{other} is a new server function: add its arguments here, and make sure it checks its caller"),
        };
        let is_candidate = path.starts_with("/api/candidate/");
        let callers: Vec<(&str, reqwest::Client, StatusCode)> = vec![
            ("nobody", client(), StatusCode::UNAUTHORIZED),
            (
                if is_candidate {
                    "a recruiter"
                } else {
                    "a candidate"
                },
                if is_candidate {
                    fresh_recruiter.clone()
                } else {
                    candidate.clone()
                },
                StatusCode::UNAUTHORIZED,
            ),
        ];
        let mut callers = callers;
        if !is_candidate && path != "/api/recruiter/password" {
            callers.push((
                "a one-time-password account",
                fresh_recruiter.clone(),
                StatusCode::FORBIDDEN,
            ));
        }
        for (who, browser, expected) in callers {
            let req = browser.post(app.url(path));
            let req = match &json_body {
                Some(b) => req.json(b),
                None => req.form(&form),
            };
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), expected, "{path} called by {who}");
        }
    }
}
