//! Server-only code (the `ssr` feature): configuration, startup, state, the
//! database, authentication, the bank loader, form drawing and scoring.
//! The pure parts (bank, form, scoring) have no web or database code.

pub mod analysis;
pub mod attempts;
pub mod audit;
pub mod auth;
pub mod bank;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod form;
pub mod http;
pub mod import;
pub mod recruiting;
pub mod render;
pub mod scoring;
pub mod state;
