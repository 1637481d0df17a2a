//! rung: a security-knowledge quiz engine.
//!
//! The crate builds twice: as the server binary (`ssr` feature) and as the
//! browser bundle (`hydrate` feature, compiled to wasm). Everything under
//! [`server`] exists only in the server build, so the answer key, password
//! hashes and signing keys cannot reach the browser bundle.

#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
pub mod domain;
pub mod error;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
