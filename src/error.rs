//! The error policy.
//!
//! Every `#[server]` function returns [`AppError`]. Its messages are written
//! for the person in front of the browser and never carry an infrastructure
//! error's text: server code maps such errors with [`AppError::internal`],
//! which logs the cause and returns a generic message. There is deliberately
//! no `From<sqlx::Error>` (or any other infrastructure error) for `AppError`.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The caller is not signed in, or the session has ended.
    #[error("Please sign in.")]
    Unauthorized,
    /// Email and password do not match an account (deliberately vague).
    #[error("The email or password is incorrect.")]
    BadCredentials,
    /// The recruiter signed in with a generated one-time password and must
    /// choose their own before anything else.
    #[error("Choose a new password before you continue.")]
    PasswordChangeRequired,
    /// Too many attempts from this caller; try again later.
    #[error("Too many attempts. Wait a minute and try again.")]
    RateLimited,
    /// Too many password checks are running at once; try again shortly.
    #[error("The server is busy. Try again in a few seconds.")]
    Busy,
    /// A candidate link that is forged, damaged, revoked or unknown.
    #[error("This link does not work. Check that you copied the whole link from your invitation; if it still does not work, ask your recruiter for a new one.")]
    InvalidLink,
    /// A candidate link whose invitation expired before the quiz was started.
    #[error("This invitation has expired. Ask your recruiter for a new one.")]
    ExpiredLink,
    /// No live candidate session in this browser (never started here, or
    /// ended): the candidate re-enters through the link.
    #[error("Your quiz is not open in this browser. Open the link from your invitation and press Start or Resume to continue; your saved answers are kept.")]
    NoSession,
    /// The recruiter withdrew the invitation.
    #[error("This invitation has been withdrawn. Please contact your recruiter.")]
    Revoked,
    /// The quiz's time is over: the attempt has been submitted.
    #[error("Time is up: your quiz has been submitted with the answers you saved.")]
    TimeUp,
    /// The attempt was already submitted.
    #[error("This quiz has already been submitted.")]
    AlreadySubmitted,
    /// A well-formed request that asks for something impossible.
    #[error("{0}")]
    BadRequest(String),
    /// A named thing does not exist (the message says which).
    #[error("{0}")]
    NotFound(String),
    /// Something failed on the server; the cause is in the server's log.
    #[error("Something went wrong on our side. Nothing you saved is lost; try again in a moment.")]
    Internal,
    /// The request did not reach the server or its answer could not be read.
    #[error(
        "The server could not be reached. Check your connection; your saved answers are safe."
    )]
    Network,
}

impl AppError {
    /// Log an infrastructure error with its full cause and return the generic
    /// client-safe error.
    #[cfg(feature = "ssr")]
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "{context}");
        AppError::Internal
    }

    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthorized | AppError::BadCredentials | AppError::NoSession => 401,
            AppError::InvalidLink | AppError::PasswordChangeRequired | AppError::Revoked => 403,
            AppError::RateLimited => 429,
            AppError::ExpiredLink => 410,
            AppError::TimeUp | AppError::AlreadySubmitted => 409,
            AppError::BadRequest(_) => 400,
            AppError::NotFound(_) => 404,
            AppError::Internal => 500,
            AppError::Busy => 503,
            AppError::Network => 502,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let error = match value {
            // The arguments could not be decoded: the caller sent a malformed
            // request. Serde's message is not echoed back.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                AppError::BadRequest("The request was malformed.".into())
            }
            // On the server, a body that does not decode is the caller's
            // mistake; in the browser, it is an unreadable answer.
            ServerFnErrorErr::Deserialization(_) if cfg!(feature = "ssr") => {
                AppError::BadRequest("The request was malformed.".into())
            }
            ServerFnErrorErr::Request(_)
            | ServerFnErrorErr::Response(_)
            | ServerFnErrorErr::Deserialization(_) => AppError::Network,
            _ => AppError::Internal,
        };
        #[cfg(feature = "ssr")]
        crate::server::http::respond::set_status(&error);
        error
    }
}
