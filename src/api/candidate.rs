//! Endpoints for candidates. The credential is the signed token of their
//! link, sent with every call; nothing here ever returns an answer key, an
//! explanation or a score.

use crate::domain::candidate::{AttemptView, Finished, Intro, PendingAnswer, SaveReceipt};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The landing page of a link: who is invited to what.
#[server(endpoint = "candidate/intro")]
pub async fn candidate_intro(token: String) -> Result<Intro, AppError> {
    use crate::server::{attempts, respond};
    respond::reply(async { attempts::intro(&respond::state()?, &token).await }.await)
}

/// Start the quiz (or resume it): the clock starts on the server now.
#[server(endpoint = "candidate/start")]
pub async fn start_attempt(token: String) -> Result<AttemptView, AppError> {
    use crate::server::{attempts, respond};
    respond::reply(async { attempts::start(&respond::state()?, &token).await }.await)
}

/// Save the answer to the question at `position`; `selected` indexes the
/// options as shown. An empty list clears the answer.
#[server(endpoint = "candidate/answer", input = Json)]
pub async fn save_answer(
    token: String,
    position: u32,
    selected: Vec<u32>,
) -> Result<SaveReceipt, AppError> {
    use crate::server::{attempts, respond};
    respond::reply(
        async { attempts::answer(&respond::state()?, &token, position, selected).await }.await,
    )
}

/// Submit the quiz, with any answers whose saves were not yet confirmed
/// (they are checked and applied exactly as by `save_answer`, deadline
/// included). Submitting twice answers the same.
#[server(endpoint = "candidate/submit", input = Json)]
pub async fn submit_attempt(
    token: String,
    pending: Vec<PendingAnswer>,
) -> Result<Finished, AppError> {
    use crate::server::{attempts, respond};
    respond::reply(async { attempts::submit(&respond::state()?, &token, pending).await }.await)
}

/// The state of a finished attempt, for the thank-you page.
#[server(endpoint = "candidate/finished")]
pub async fn attempt_finished(token: String) -> Result<Finished, AppError> {
    use crate::server::{attempts, respond};
    respond::reply(
        async {
            let state = respond::state()?;
            let inv = attempts::invitation(&state, &token).await?;
            attempts::finished(&state, &inv).await
        }
        .await,
    )
}
