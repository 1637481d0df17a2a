//! Helpers for `#[server]` functions: the app state from context, and the
//! HTTP status that matches an [`AppError`].

use crate::error::AppError;
use crate::server::state::AppState;
use axum::http::StatusCode;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

/// Set the response status for an error (a no-op outside a request).
pub fn set_status(error: &AppError) {
    if let Some(res) = use_context::<ResponseOptions>() {
        res.set_status(
            StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
}

/// The app state of the current request.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>()
        .ok_or_else(|| AppError::internal("server function", "no AppState in context"))
}

/// Pass a result through, setting the status of an error.
pub fn reply<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result {
        set_status(e);
    }
    result
}

/// The client's address of the current request (see `http::client`).
pub fn client_addr() -> Option<std::net::IpAddr> {
    use_context::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<super::client::ClientAddr>().copied())
        .map(|c| c.0)
}
