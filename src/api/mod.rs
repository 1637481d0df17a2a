//! `#[server]` functions, grouped by caller. Each one is a public HTTP
//! endpoint with a pinned path: it authenticates first (a candidate link or
//! a recruiter session) and returns only DTOs made for that caller.

pub mod candidate;
pub mod recruiter;
