//! Building and running the application: load the bank, connect and migrate
//! the database, assemble the router. `main` and the tests both go through
//! [`Application::build`]; tests bind port 0.

use super::client::{self, Client, TrustedProxies};
use super::headers::{self, HeaderPolicy};
use super::limits;
use super::limits::Limits;
use super::origin::{self, OwnOrigin};
use crate::app::{shell, App};
use crate::server::attempts;
use crate::server::auth::{self, TokenKeys};
use crate::server::bank::{self, Bank};
use crate::server::clock::Clock;
use crate::server::config::Config;
use crate::server::db::{Db, DbError, VersionRow};
use crate::server::recruiting::{self, FirstRun};
use crate::server::render::RenderCache;
use crate::server::state::AppState;
use axum::http::{header, HeaderValue, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
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
    let secret = signing_secret(&config, &db).await?;
    super::client::TrustedProxies::parse(&config.trusted_proxies).map_err(StartupError::Setup)?;
    Ok(AppState {
        db,
        bank: Arc::new(bank),
        keys: Arc::new(TokenKeys::new(&secret)),
        clock,
        config: Arc::new(config),
        leptos_options,
        rendered: Arc::new(RenderCache::default()),
        limits: Arc::new(Limits::default()),
    })
}

/// The key that signs candidate links. A configured one must decode to at
/// least 256 bits. Served over HTTPS (production), rung refuses to start
/// without one; locally, one is generated and kept in the database, which
/// is then as secret as the key (README).
async fn signing_secret(config: &Config, db: &Db) -> Result<Vec<u8>, StartupError> {
    match &config.jwt_secret {
        Some(s) => auth::decode_secret(s).map_err(StartupError::Setup),
        None if config.secure_cookies() => Err(StartupError::Setup(
            "RUNG_PUBLIC_URL is HTTPS, so rung runs in production mode and needs its own signing key: \
             set RUNG_JWT_SECRET to at least 32 random bytes, hex or base64 (`openssl rand -base64 32`)"
                .into(),
        )),
        None => {
            let stored = db
                .setting_or_init("jwt_secret", &auth::random_secret(32))
                .await?;
            // Keys generated before they were decoded are used as they are.
            Ok(auth::decode_secret(&stored).unwrap_or_else(|_| stored.into_bytes()))
        }
    }
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
        self.serve_until(shutdown_signal()).await
    }

    /// Serve without waiting for a signal (tests: the task is dropped with
    /// the runtime).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.serve_until(std::future::pending()).await
    }

    async fn serve_until(self, stop: impl std::future::Future<Output = ()>) -> std::io::Result<()> {
        let sweeper = tokio::spawn(sweep_forever(self.state.clone()));
        let header_timeout = self.state.config.header_timeout;
        let result = super::serve::serve(self.listener, self.router, header_timeout, stop).await;
        sweeper.abort();
        result
    }
}

async fn sweep_forever(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        match attempts::sweep_report(&state).await {
            Ok(r) if r.failed > 0 => {
                tracing::warn!(
                    finalized = r.finalized,
                    failed = r.failed,
                    "sweep: some overdue attempts failed"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "sweeping overdue attempts"),
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
    Client(client): Client,
    jar: axum_extra::extract::cookie::CookieJar,
    form: Result<axum::Form<StartForm>, axum::extract::rejection::FormRejection>,
) -> axum::response::Response {
    use crate::error::AppError;
    use axum::response::{IntoResponse, Redirect};
    // (A cross-site post never gets here: see `origin`.)
    let Ok(axum::Form(form)) = form else {
        return Redirect::to("/link?problem=invalid").into_response();
    };
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
    Client(client): Client,
    jar: axum_extra::extract::cookie::CookieJar,
    form: Result<axum_extra::extract::Form<AnswerForm>, axum_extra::extract::FormRejection>,
) -> axum::response::Response {
    use crate::error::AppError;
    use axum::response::{IntoResponse, Redirect};
    let cookie = jar
        .get(attempts::session_cookie_name(&state))
        .map(|c| c.value().to_string());
    let inv = match attempts::session(&state, cookie.as_deref(), &client).await {
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
    Client(client): Client,
    jar: axum_extra::extract::cookie::CookieJar,
) -> axum::response::Response {
    use axum::response::{IntoResponse, Redirect};
    let cookie = jar
        .get(attempts::session_cookie_name(&state))
        .map(|c| c.value().to_string());
    let inv = match attempts::session(&state, cookie.as_deref(), &client).await {
        Ok(inv) => inv,
        Err(_) => return Redirect::to("/quiz").into_response(),
    };
    match attempts::submit(&state, &inv, Vec::new()).await {
        Ok(_) => Redirect::to("/quiz/done").into_response(),
        Err(_) => Redirect::to("/quiz/submit").into_response(),
    }
}

/// The router: server functions, pages, static files, health; in front of
/// them all, from the outside in: tracing, the client's address, the
/// security headers, the request timeout, the body limit, the cross-site
/// refusal and the per-address rate limits.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    // Bad lists are refused at startup (`state`): here the list is valid.
    let trusted = TrustedProxies::parse(&state.config.trusted_proxies).unwrap_or_default();
    let policy = HeaderPolicy {
        https: state.config.secure_cookies(),
    };
    let own = OwnOrigin::of(&state.config.public_url);
    Router::new()
        .route("/healthz", get(health))
        .route("/take/start", post(take_start))
        .route("/quiz/answer", post(quiz_answer))
        .route("/quiz/finish", post(quiz_finish))
        .leptos_routes_with_context(&state, routes, headers::adopt_nonce, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(headers::adopt_nonce, shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::limit_by_client,
        ))
        .layer(axum::middleware::from_fn_with_state(
            own,
            origin::refuse_cross_site,
        ))
        .layer(RequestBodyLimitLayer::new(64 * 1024))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            state.config.request_timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            policy,
            headers::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            trusted,
            client::identify,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// The tracing span of a request: method and path, with a candidate link's
/// token left out (`/take/…`), and never the query string.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let path = req.uri().path();
    let path = if path.starts_with("/take/") && path != "/take/start" {
        "/take/…"
    } else {
        path
    };
    tracing::debug_span!("request", method = %req.method(), path = %path)
}
