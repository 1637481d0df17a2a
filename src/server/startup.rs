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
use axum::routing::get;
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
        let result = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown_signal())
            .await;
        sweeper.abort();
        result
    }

    /// Serve without waiting for a signal (tests: the task is dropped with
    /// the runtime).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let sweeper = tokio::spawn(sweep_forever(self.state.clone()));
        let result = axum::serve(self.listener, self.router).await;
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

/// The router: server functions, pages, static files, health, and the
/// security headers on every response.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(health))
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
