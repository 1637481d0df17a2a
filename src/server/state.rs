//! The application state, passed to handlers and server functions (axum
//! state and Leptos context). No globals: two apps with different databases
//! can run in one process, as the tests do.

use super::auth::TokenKeys;
use super::bank::Bank;
use super::clock::Clock;
use super::config::Config;
use super::db::Db;
use super::http::limits::Limits;
use super::render::RenderCache;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub bank: Arc<Bank>,
    pub keys: Arc<TokenKeys>,
    pub clock: Clock,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub rendered: Arc<RenderCache>,
    pub limits: Arc<Limits>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
