//! The security event log: one structured record per event an
//! investigation needs (sign-ins, refusals, token rejections, late or
//! replayed submissions, revocations), under the tracing target
//! `rung::security`, so an operator can route it on its own
//! (`RUST_LOG=rung::security=info`).
//!
//! A record names the event, the client address and a few details chosen by
//! the caller. Never a secret: no token, password, cookie or one-time
//! password is ever passed here. Accounts are named by their id, not their
//! email; tokens by nothing at all.

use std::fmt::Write as _;
use std::net::IpAddr;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    SignInSucceeded,
    SignInFailed,
    SignOut,
    PasswordChanged,
    PasswordChangeFailed,
    RateLimited,
    CrossSiteRefused,
    TokenRejected,
    SessionRejected,
    LateSubmission,
    ReplayedSubmission,
    Revoked,
}

impl Event {
    pub fn name(self) -> &'static str {
        match self {
            Event::SignInSucceeded => "sign_in_succeeded",
            Event::SignInFailed => "sign_in_failed",
            Event::SignOut => "sign_out",
            Event::PasswordChanged => "password_changed",
            Event::PasswordChangeFailed => "password_change_failed",
            Event::RateLimited => "rate_limited",
            Event::CrossSiteRefused => "cross_site_refused",
            Event::TokenRejected => "token_rejected",
            Event::SessionRejected => "session_rejected",
            Event::LateSubmission => "late_submission",
            Event::ReplayedSubmission => "replayed_submission",
            Event::Revoked => "revoked",
        }
    }

    /// Refusals are warnings; the rest is information.
    fn is_refusal(self) -> bool {
        matches!(
            self,
            Event::SignInFailed
                | Event::PasswordChangeFailed
                | Event::RateLimited
                | Event::CrossSiteRefused
                | Event::TokenRejected
                | Event::SessionRejected
                | Event::LateSubmission
                | Event::ReplayedSubmission
        )
    }
}

/// `key=value` pairs, values quoted when they hold spaces or quotes, and
/// bounded so a hostile header cannot flood the log.
pub fn details(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        let v: String = v.chars().take(120).filter(|c| !c.is_control()).collect();
        if !out.is_empty() {
            out.push(' ');
        }
        if v.is_empty() || v.contains([' ', '"', '=']) {
            let _ = write!(out, "{k}={v:?}");
        } else {
            let _ = write!(out, "{k}={v}");
        }
    }
    out
}

/// Record a security event.
pub fn event(what: Event, client: Option<IpAddr>, pairs: &[(&str, &str)]) {
    let client = client.map_or_else(|| "-".to_string(), |c| c.to_string());
    let detail = details(pairs);
    if what.is_refusal() {
        tracing::warn!(target: "rung::security", event = what.name(), %client, %detail);
    } else {
        tracing::info!(target: "rung::security", event = what.name(), %client, %detail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_quoted_bounded_and_free_of_control_characters() {
        assert_eq!(details(&[("a", "b"), ("c", "d e")]), "a=b c=\"d e\"");
        let long = "x".repeat(500);
        assert_eq!(details(&[("k", &long)]).len(), 2 + 120);
        assert_eq!(details(&[("k", "a\nb")]), "k=ab");
        assert_eq!(details(&[("k", "")]), "k=\"\"");
    }
}
