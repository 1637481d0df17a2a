//! Endpoints for candidates. The link's token is used once, by Start (a
//! plain form post to `/take/start`, handled in `server::http::startup`), which
//! exchanges it for a session cookie; every endpoint here but `intro` is
//! authorized by that session alone. Nothing here ever returns an answer
//! key, an explanation or a score.

use crate::domain::candidate::{AttemptView, Finished, Intro, PendingAnswer, SaveReceipt};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
mod session {
    use crate::error::AppError;
    use crate::server::attempts;
    use crate::server::db::InvitationRow;
    use crate::server::http::client::current_client_info;
    use crate::server::state::AppState;
    use axum_extra::extract::cookie::CookieJar;

    /// The invitation of the request's candidate session.
    pub async fn invitation(state: &AppState) -> Result<InvitationRow, AppError> {
        let jar = leptos_axum::extract::<CookieJar>()
            .await
            .map_err(|e| AppError::internal("reading cookies", e))?;
        let value = jar
            .get(attempts::session_cookie_name(state))
            .map(|c| c.value().to_string());
        attempts::session(state, value.as_deref(), &current_client_info()).await
    }
}

/// The landing page of a link: who is invited to what. Changes nothing.
#[server(endpoint = "candidate/intro")]
pub async fn candidate_intro(token: String) -> Result<Intro, AppError> {
    use crate::server::{attempts, http::respond};
    respond::reply(async { attempts::intro(&respond::state()?, &token).await }.await)
}

/// The running attempt of this browser's session; `showing` (if given) is
/// the question the page is about to show, recorded as shown.
#[server(endpoint = "candidate/attempt", input = Json)]
pub async fn current_attempt(
    #[server(default)] showing: Option<u32>,
) -> Result<AttemptView, AppError> {
    use crate::server::{attempts, http::respond};
    respond::reply(
        async {
            let state = respond::state()?;
            let inv = session::invitation(&state).await?;
            let view = attempts::attempt_view(&state, &inv).await?;
            if let Some(p) = showing.filter(|&p| (p as usize) < view.questions.len()) {
                attempts::shown(&state, &inv, p).await?;
            }
            Ok(view)
        }
        .await,
    )
}

/// Set or clear the review flag on the question at `position`.
#[server(endpoint = "candidate/flag", input = Json)]
pub async fn flag_question(position: u32, flagged: bool) -> Result<(), AppError> {
    use crate::server::{attempts, http::respond};
    respond::reply(
        async {
            let state = respond::state()?;
            let inv = session::invitation(&state).await?;
            attempts::flag(&state, &inv, position, flagged).await
        }
        .await,
    )
}

/// Save the answer to the question at `position`; `selected` indexes the
/// options as shown. An empty list clears the answer.
#[server(endpoint = "candidate/answer", input = Json)]
pub async fn save_answer(position: u32, selected: Vec<u32>) -> Result<SaveReceipt, AppError> {
    use crate::server::{attempts, http::respond};
    respond::reply(
        async {
            let state = respond::state()?;
            let inv = session::invitation(&state).await?;
            attempts::answer(&state, &inv, position, selected).await
        }
        .await,
    )
}

/// The candidate is looking at the question at `position` (its first
/// showing is recorded, so time per question is known).
#[server(endpoint = "candidate/shown", input = Json)]
pub async fn question_shown(position: u32) -> Result<(), AppError> {
    use crate::server::{attempts, http::respond};
    respond::reply(
        async {
            let state = respond::state()?;
            let inv = session::invitation(&state).await?;
            attempts::shown(&state, &inv, position).await
        }
        .await,
    )
}

/// Integrity evidence the page reports about itself: `hidden` (the page
/// was hidden for `duration_ms`), `blur` (the window lost focus for
/// `duration_ms`), `paste`.
#[server(endpoint = "candidate/event", input = Json)]
pub async fn report_event(kind: String, duration_ms: Option<u32>) -> Result<(), AppError> {
    use crate::server::{attempts, http::respond};
    respond::reply(
        async {
            let state = respond::state()?;
            let inv = session::invitation(&state).await?;
            attempts::report(&state, &inv, &kind, duration_ms).await
        }
        .await,
    )
}

/// Submit the quiz, with any answers whose saves were not yet confirmed
/// (they are checked and applied exactly as by `save_answer`, deadline
/// included). Submitting twice answers the same.
#[server(endpoint = "candidate/submit", input = Json)]
pub async fn submit_attempt(pending: Vec<PendingAnswer>) -> Result<Finished, AppError> {
    use crate::server::{attempts, http::respond};
    respond::reply(
        async {
            let state = respond::state()?;
            let inv = session::invitation(&state).await?;
            attempts::submit(&state, &inv, pending).await
        }
        .await,
    )
}

/// The state of a finished attempt, for the thank-you page.
#[server(endpoint = "candidate/finished", input = Json)]
pub async fn attempt_finished() -> Result<Finished, AppError> {
    use crate::server::{attempts, http::respond};
    respond::reply(
        async {
            let state = respond::state()?;
            let inv = session::invitation(&state).await?;
            attempts::finished(&state, &inv).await
        }
        .await,
    )
}
