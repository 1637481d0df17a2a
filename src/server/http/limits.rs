//! Which rate limits apply where, and the cap on password hashing.
//!
//! - Every client address: sign-in and password change 30 a minute, link
//!   redemption (landing page and Start) 60 a minute, candidate writes
//!   (answers, flags, events, submit) 1,200 a minute. Enforced by
//!   [`limit_by_client`] in front of the routes, so no handler can forget.
//! - Sign-in per account, counted in failures only: 10 in 15 minutes from
//!   browsers the account never signed in with. A browser that did holds a
//!   known-browser cookie and gets its own budget of 10 failures, so an
//!   attacker spraying guesses at a named account (the admin's, say) cannot
//!   lock its owner out of the browsers they use (OWASP's device cookies).
//!   Unknown emails are counted exactly like known ones, so the limit tells
//!   nobody which accounts exist.
//! - At most [`HASH_PERMITS`] argon2 verifications run at once (each takes
//!   19 MiB and a core for tens of milliseconds); a request that cannot get
//!   a permit within [`HASH_WAIT`] is answered 503 instead of queueing
//!   without end.
//!
//! Memory is fixed (see [`Limiter`]); limits are per server.

use super::client::ClientAddr;
use super::limiter::{Limiter, RetryAfter};
use crate::error::AppError;
use crate::server::audit;
use crate::server::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

const MINUTE: i64 = 60_000;
pub const SIGN_IN_FAILURES: u32 = 10;
pub const SIGN_IN_WINDOW_MS: i64 = 15 * MINUTE;
pub const HASH_PERMITS: usize = 4;
pub const HASH_WAIT: Duration = Duration::from_secs(5);

/// The kinds of request limited per client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    SignIn,
    Link,
    CandidateWrite,
}

impl Kind {
    /// The kind of a request, or `None` for one not limited by address.
    pub fn of(method: &Method, path: &str) -> Option<Kind> {
        if method == Method::GET || method == Method::HEAD {
            return None;
        }
        match path {
            "/api/recruiter/login" | "/api/recruiter/password" => Some(Kind::SignIn),
            "/take/start" | "/api/candidate/intro" => Some(Kind::Link),
            "/quiz/answer" | "/quiz/finish" => Some(Kind::CandidateWrite),
            p if p.starts_with("/api/candidate/") => Some(Kind::CandidateWrite),
            _ => None,
        }
    }
}

pub struct Limits {
    sign_in_by_client: Limiter,
    link_by_client: Limiter,
    writes_by_client: Limiter,
    /// Failed sign-ins per account email, from unknown browsers.
    pub sign_in_by_account: Limiter,
    /// Failed sign-ins per known-browser cookie.
    pub sign_in_by_browser: Limiter,
    hashing: Semaphore,
    hash_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::new(HASH_PERMITS, HASH_WAIT)
    }
}

impl Limits {
    pub fn new(hash_permits: usize, hash_wait: Duration) -> Self {
        Limits {
            sign_in_by_client: Limiter::new(30, MINUTE, 16_384),
            link_by_client: Limiter::new(60, MINUTE, 16_384),
            writes_by_client: Limiter::new(1_200, MINUTE, 16_384),
            sign_in_by_account: Limiter::new(SIGN_IN_FAILURES, SIGN_IN_WINDOW_MS, 65_536),
            sign_in_by_browser: Limiter::new(SIGN_IN_FAILURES, SIGN_IN_WINDOW_MS, 65_536),
            hashing: Semaphore::new(hash_permits.max(1)),
            hash_wait,
        }
    }

    fn by_client(&self, kind: Kind) -> &Limiter {
        match kind {
            Kind::SignIn => &self.sign_in_by_client,
            Kind::Link => &self.link_by_client,
            Kind::CandidateWrite => &self.writes_by_client,
        }
    }

    /// Count a request of `kind` from `client`.
    pub fn hit_client(&self, kind: Kind, client: &str, now: i64) -> Result<(), RetryAfter> {
        self.by_client(kind).hit(client, now)
    }

    /// A permit to run one password hash; `Busy` when none frees up soon.
    pub async fn hash_permit(&self) -> Result<SemaphorePermit<'_>, AppError> {
        match tokio::time::timeout(self.hash_wait, self.hashing.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(AppError::Busy),
        }
    }

    /// The bytes the limit tables take (fixed at startup).
    pub fn memory_bytes(&self) -> usize {
        [
            &self.sign_in_by_client,
            &self.link_by_client,
            &self.writes_by_client,
            &self.sign_in_by_account,
            &self.sign_in_by_browser,
        ]
        .iter()
        .map(|l| l.memory_bytes())
        .sum()
    }
}

/// The answer to a refused request: 429 with `Retry-After`; JSON (the
/// server functions' error encoding) for a script's call, text for a page.
pub fn too_many(retry: RetryAfter, json: bool) -> Response {
    let mut res = if json {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_string(&AppError::RateLimited).unwrap_or_default(),
        )
            .into_response()
    } else {
        (
            StatusCode::TOO_MANY_REQUESTS,
            AppError::RateLimited.to_string(),
        )
            .into_response()
    };
    if let Ok(v) = HeaderValue::from_str(&retry.secs().to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// Middleware: the per-address limits.
pub async fn limit_by_client(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(kind) = Kind::of(req.method(), req.uri().path()) else {
        return next.run(req).await;
    };
    let client = req.extensions().get::<ClientAddr>().map(|c| c.0);
    let key = client.map_or_else(|| "-".to_string(), |c| c.to_string());
    if let Err(retry) = state.limits.hit_client(kind, &key, state.clock.now_ms()) {
        audit::event(
            audit::Event::RateLimited,
            client,
            &[("limit", &format!("{kind:?}")), ("path", req.uri().path())],
        );
        let wants_page = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
        return too_many(retry, !wants_page && req.uri().path().starts_with("/api/"));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_sorted_into_their_limits() {
        let post = Method::POST;
        assert_eq!(Kind::of(&post, "/api/recruiter/login"), Some(Kind::SignIn));
        assert_eq!(Kind::of(&post, "/take/start"), Some(Kind::Link));
        assert_eq!(Kind::of(&post, "/api/candidate/intro"), Some(Kind::Link));
        assert_eq!(
            Kind::of(&post, "/api/candidate/answer"),
            Some(Kind::CandidateWrite)
        );
        assert_eq!(Kind::of(&post, "/quiz/answer"), Some(Kind::CandidateWrite));
        assert_eq!(Kind::of(&Method::GET, "/take/start"), None);
        assert_eq!(Kind::of(&post, "/api/recruiter/attempts"), None);
    }

    #[test]
    fn the_tables_take_a_few_megabytes_whatever_they_see() {
        let l = Limits::default();
        let before = l.memory_bytes();
        for i in 0..100_000 {
            let _ = l.sign_in_by_account.hit(&format!("user{i}@example.com"), 0);
            let _ = l.hit_client(Kind::SignIn, &format!("10.0.{}.{}", i / 256, i % 256), 0);
        }
        assert_eq!(l.memory_bytes(), before);
        assert!(before < 8 << 20, "{before} bytes");
    }

    #[tokio::test]
    async fn password_hashes_beyond_the_cap_are_refused_not_queued() {
        let l = Limits::new(1, Duration::from_millis(20));
        let held = l.hash_permit().await.unwrap();
        assert_eq!(l.hash_permit().await.unwrap_err(), AppError::Busy);
        drop(held);
        assert!(l.hash_permit().await.is_ok());
    }
}
