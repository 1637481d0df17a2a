//! Building and running the application: load the bank, connect and migrate
//! the database, assemble the router. `main` and the tests both go through
//! [`Application::build`]; tests bind port 0.

use super::attempts;
use super::auth::{self, TokenKeys};
use super::bank::{self, Bank};
use super::clock::Clock;
use super::config::Config;
use super::db::{Db, DbError, VersionRow};
use super::limiter::Limiter;
use super::recruiting::{self, FirstRun};
use super::render::RenderCache;
use super::state::AppState;
use crate::app::{shell, App};
use axum::http::{header, HeaderValue, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("the question bank has errors:\n{0}")]
    Bank(String),
    #[error("cannot open the database: {0}")]
    Database(#[from] DbError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Setup(String),
}

/// Load the bank, refusing one with errors (the diagnostics are the error).
pub fn load_bank(config: &Config) -> Result<Bank, StartupError> {
    let loaded = bank::load_dir(&config.quizzes_dir);
    if !loaded.is_ok() {
        return Err(StartupError::Bank(loaded.report.render()));
    }
    Ok(loaded.bank)
}

/// Everything but the listener: used by the CLI commands too.
pub async fn state(
    config: Config,
    clock: Clock,
    leptos_options: LeptosOptions,
) -> Result<AppState, StartupError> {
    let bank = load_bank(&config)?;
    let db = Db::connect(&config.database_url).await?;
    let now = clock.now_ms();
    let contents: Vec<String> = bank
        .questions
        .iter()
        .map(|q| serde_json::to_string(&q.content).unwrap_or_default())
        .collect();
    let versions: Vec<VersionRow<'_>> = bank
        .questions
        .iter()
        .zip(contents)
        .map(|(q, content)| VersionRow {
            hash: &q.hash,
            question_id: &q.id,
            topic: &q.topic,
            level: i64::from(q.level.get()),
            content,
        })
        .collect();
    db.record_versions(&versions, now).await?;
    let secret = match &config.jwt_secret {
        Some(s) if s.len() >= 32 => s.clone(),
        Some(_) => {
            return Err(StartupError::Setup(
                "RUNG_JWT_SECRET must be at least 32 characters".into(),
            ))
        }
        None => {
            db.setting_or_init("jwt_secret", &auth::random_secret(32))
                .await?
        }
    };
    Ok(AppState {
        db,
        bank: Arc::new(bank),
        keys: Arc::new(TokenKeys::new(secret.as_bytes())),
        clock,
        config: Arc::new(config),
        leptos_options,
        rendered: Arc::new(RenderCache::default()),
        login_limiter: Arc::new(Limiter::new(10, 60_000)),
    })
}

pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    pub state: AppState,
    pub addr: SocketAddr,
    pub first_run: Option<FirstRun>,
}

impl Application {
    pub async fn build(
        config: Config,
        clock: Clock,
        leptos_options: LeptosOptions,
    ) -> Result<Self, StartupError> {
        let addr = leptos_options.site_addr;
        let state = state(config, clock, leptos_options).await?;
        let first_run = recruiting::first_run(&state)
            .await
            .map_err(|e| StartupError::Setup(format!("first start: {e}")))?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StartupError::Bind { addr, source })?;
        let router = router(state.clone());
        Ok(Application {
            listener,
            router,
            state,
            addr,
            first_run,
        })
    }

    /// Serve until the process is asked to stop; finalize overdue attempts
    /// in the background meanwhile.
    pub async fn run(self) -> std::io::Result<()> {
        let sweeper = tokio::spawn(sweep_forever(self.state.clone()));
        let result = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await;
        sweeper.abort();
        result
    }

    /// Serve without waiting for a signal (tests: the task is dropped with
    /// the runtime).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let sweeper = tokio::spawn(sweep_forever(self.state.clone()));
        let result = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
        sweeper.abort();
        result
    }
}

async fn sweep_forever(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        if let Err(e) = attempts::sweep(&state).await {
            tracing::warn!(error = %e, "sweeping overdue attempts");
        }
        if let Err(e) = state.db.delete_expired_sessions(state.clock.now_ms()).await {
            tracing::warn!(error = %e, "deleting expired sessions");
        }
        if let Err(e) = state
            .db
            .delete_expired_attempt_sessions(state.clock.now_ms())
            .await
        {
            tracing::warn!(error = %e, "deleting expired candidate sessions");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (StatusCode, &'static str) {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check");
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
        }
    }
}

/// Pages and API answers carry private data (tokens in links, scores):
/// never stored. The bundle under /pkg is revalidated on every load (its
/// file names carry no hash), so a new build is picked up at once.
async fn cache_policy(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let is_asset = req.uri().path().starts_with("/pkg/");
    let mut res = next.run(req).await;
    let value = if is_asset { "no-cache" } else { "no-store" };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    res
}

#[derive(serde::Deserialize)]
struct StartForm {
    token: String,
}

/// Start (or resume) the quiz of a link: the landing page's plain form
/// posts the token here; the answer sets the candidate's session cookie
/// and sends the browser to `/quiz`, a URL without the token. A problem
/// with the link sends it to `/link`, which says what to do.
async fn take_start(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    jar: axum_extra::extract::cookie::CookieJar,
    form: Result<axum::Form<StartForm>, axum::extract::rejection::FormRejection>,
) -> axum::response::Response {
    use crate::error::AppError;
    use axum::response::{IntoResponse, Redirect};
    // Only our own landing page starts a quiz: a cross-site post is refused.
    if cross_site(&headers, &state.config.public_url) {
        tracing::warn!("cross-site start refused");
        return (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response();
    }
    let Ok(axum::Form(form)) = form else {
        return Redirect::to("/link?problem=invalid").into_response();
    };
    let client = form_client(peer, &headers);
    let existing = jar
        .get(attempts::session_cookie_name(&state))
        .map(|c| c.value().to_string());
    match attempts::start_session(&state, &form.token, existing.as_deref(), &client).await {
        Ok(cookie) => {
            let mut res = Redirect::to("/quiz").into_response();
            if let Some(v) = cookie.and_then(|c| HeaderValue::from_str(&c.to_string()).ok()) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => {
            let problem = match e {
                AppError::ExpiredLink => "expired",
                AppError::AlreadySubmitted | AppError::TimeUp => "submitted",
                AppError::NotFound(_) => "gone",
                AppError::Internal => "error",
                _ => "invalid",
            };
            Redirect::to(&format!("/link?problem={problem}")).into_response()
        }
    }
}

/// The candidate's client and session cookie, from a plain form post.
fn form_client(peer: SocketAddr, headers: &axum::http::HeaderMap) -> attempts::ClientInfo {
    attempts::ClientInfo::new(
        Some(peer.ip()),
        headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    )
}

/// A form post that did not come from our own pages: refused. Browsers
/// say where a request comes from in `Sec-Fetch-Site` (only `same-origin`,
/// or `none` for one the user typed, is ours; `same-site` is a sibling
/// subdomain); older ones send only `Origin`, checked against the public
/// URL. A request with neither is not from a browser and carries no one's
/// cookies but its own.
fn cross_site(headers: &axum::http::HeaderMap, public_url: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => origin.trim_end_matches('/') != public_url.trim_end_matches('/'),
        None => false,
    }
}

#[derive(serde::Deserialize)]
struct AnswerForm {
    position: u32,
    #[serde(default)]
    choice: Vec<u32>,
    #[serde(default)]
    go: String,
}

/// The quiz without JavaScript: a question's form posts here. The choice
/// is saved (as `candidate/answer` would), then the browser goes where the
/// pressed button says: `next`, `prev`, `flag` (toggle, stay), `submit`
/// (the confirmation page) or `qN` (question N, 0-based).
async fn quiz_answer(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    jar: axum_extra::extract::cookie::CookieJar,
    form: Result<axum_extra::extract::Form<AnswerForm>, axum_extra::extract::FormRejection>,
) -> axum::response::Response {
    use crate::error::AppError;
    use axum::response::{IntoResponse, Redirect};
    if cross_site(&headers, &state.config.public_url) {
        tracing::warn!("cross-site answer refused");
        return (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response();
    }
    let cookie = jar
        .get(attempts::session_cookie_name(&state))
        .map(|c| c.value().to_string());
    let inv = match attempts::session(&state, cookie.as_deref(), &form_client(peer, &headers)).await
    {
        Ok(inv) => inv,
        // `/quiz` explains (no session, revoked).
        Err(_) => return Redirect::to("/quiz").into_response(),
    };
    let Ok(axum_extra::extract::Form(form)) = form else {
        return Redirect::to("/quiz").into_response();
    };
    let pos = form.position;
    let here = |p: u32| Redirect::to(&format!("/quiz?q={}", p.saturating_add(1))).into_response();
    match attempts::answer_from_form(&state, &inv, pos, form.choice).await {
        Ok(()) => {}
        Err(AppError::TimeUp) | Err(AppError::AlreadySubmitted) => {
            return Redirect::to("/quiz/done").into_response()
        }
        // A malformed choice is not saved; the page shows what is.
        Err(AppError::BadRequest(_)) => return here(pos),
        Err(_) => return here(pos),
    }
    match form.go.as_str() {
        "next" => here(pos + 1),
        "prev" => here(pos.saturating_sub(1)),
        "submit" => Redirect::to("/quiz/submit").into_response(),
        "flag" => {
            let flagged = attempts::attempt_view(&state, &inv)
                .await
                .ok()
                .and_then(|v| v.questions.get(pos as usize).map(|q| q.flagged))
                .unwrap_or(false);
            let _ = attempts::flag(&state, &inv, pos, !flagged).await;
            here(pos)
        }
        other => match other.strip_prefix('q').and_then(|n| n.parse::<u32>().ok()) {
            Some(n) => here(n),
            None => here(pos),
        },
    }
}

/// The confirmation page's plain form posts here: submit, then thank you.
async fn quiz_finish(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    jar: axum_extra::extract::cookie::CookieJar,
) -> axum::response::Response {
    use axum::response::{IntoResponse, Redirect};
    if cross_site(&headers, &state.config.public_url) {
        tracing::warn!("cross-site submit refused");
        return (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response();
    }
    let cookie = jar
        .get(attempts::session_cookie_name(&state))
        .map(|c| c.value().to_string());
    let inv = match attempts::session(&state, cookie.as_deref(), &form_client(peer, &headers)).await
    {
        Ok(inv) => inv,
        Err(_) => return Redirect::to("/quiz").into_response(),
    };
    match attempts::submit(&state, &inv, Vec::new()).await {
        Ok(_) => Redirect::to("/quiz/done").into_response(),
        Err(_) => Redirect::to("/quiz/submit").into_response(),
    }
}

/// The router: server functions, pages, static files, health, and the
/// security headers on every response.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(health))
        .route("/take/start", post(take_start))
        .route("/quiz/answer", post(quiz_answer))
        .route("/quiz/finish", post(quiz_finish))
        .leptos_routes(&state, routes, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(RequestBodyLimitLayer::new(64 * 1024))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(axum::middleware::from_fn(cache_policy))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
