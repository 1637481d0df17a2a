//! Integration tests: the real server on a random port, called over HTTP as
//! a browser (or an attacker) would, against SQLite and PostgreSQL.

mod helpers;

mod analysis;
mod candidate;
mod pages;
mod recruiter;
mod security;
mod session;
