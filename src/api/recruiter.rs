//! Endpoints for recruiters. Every one but `login` requires a session.

use crate::domain::recruiter::{AttemptRow, Invitation, Me, QuizSummary};
use crate::domain::report::{AttemptReport, ItemAnalysis};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod session {
    use crate::error::AppError;
    use crate::server::db::RecruiterRow;
    use crate::server::recruiting;
    use crate::server::state::AppState;
    use axum::http::{header, HeaderValue};
    use axum_extra::extract::cookie::{Cookie, CookieJar};
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;

    pub async fn jar() -> Result<CookieJar, AppError> {
        leptos_axum::extract::<CookieJar>()
            .await
            .map_err(|e| AppError::internal("reading cookies", e))
    }

    /// The signed-in recruiter, whatever the state of their password.
    pub async fn account(state: &AppState) -> Result<RecruiterRow, AppError> {
        recruiting::current(state, &jar().await?).await
    }

    /// The signed-in recruiter, who may use the console (see
    /// [`recruiting::console_user`]).
    pub async fn recruiter(state: &AppState) -> Result<recruiting::Recruiter, AppError> {
        recruiting::console_user(account(state).await?)
    }

    /// The one way into a console use case: the request's state and its
    /// signed-in recruiter, handed to `use_case`, whose error sets the
    /// response's status.
    pub async fn console<T, F, Fut>(use_case: F) -> Result<T, AppError>
    where
        F: FnOnce(AppState, recruiting::Recruiter) -> Fut,
        Fut: std::future::Future<Output = Result<T, AppError>>,
    {
        crate::server::http::respond::reply(
            async {
                let state = crate::server::http::respond::state()?;
                let r = recruiter(&state).await?;
                use_case(state, r).await
            }
            .await,
        )
    }

    pub fn set_cookie(cookie: Cookie<'static>) -> Result<(), AppError> {
        let value = HeaderValue::from_str(&cookie.to_string())
            .map_err(|e| AppError::internal("encoding a cookie", e))?;
        if let Some(res) = use_context::<ResponseOptions>() {
            res.append_header(header::SET_COOKIE, value);
        }
        Ok(())
    }
}

/// Sign in. On success the session cookie is set and the browser is sent
/// to the console (this also works as a plain form post before hydration).
#[server(endpoint = "recruiter/login")]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    use crate::server::{http::respond, recruiting};
    respond::reply(
        async {
            let state = respond::state()?;
            let jar = session::jar().await?;
            let browser = jar
                .get(recruiting::known_browser_cookie_name(&state))
                .map(|c| c.value().to_string());
            let signed_in = recruiting::login(
                &state,
                &email,
                &password,
                browser.as_deref(),
                respond::client_addr(),
            )
            .await?;
            session::set_cookie(signed_in.cookie)?;
            session::set_cookie(signed_in.known_browser)?;
            leptos_axum::redirect(if signed_in.must_change_password {
                "/recruiter/password"
            } else {
                "/recruiter"
            });
            Ok(())
        }
        .await,
    )
}

#[server(endpoint = "recruiter/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::{http::respond, recruiting};
    respond::reply(
        async {
            let state = respond::state()?;
            let cookie =
                recruiting::logout(&state, &session::jar().await?, respond::client_addr()).await?;
            session::set_cookie(cookie)?;
            leptos_axum::redirect("/recruiter/login");
            Ok(())
        }
        .await,
    )
}

/// The signed-in recruiter, or `None`.
#[server(endpoint = "recruiter/whoami")]
pub async fn whoami() -> Result<Option<Me>, AppError> {
    use crate::server::{http::respond, recruiting};
    respond::reply(
        async {
            let state = respond::state()?;
            match session::account(&state).await {
                Ok(r) => Ok(Some(recruiting::me(&r))),
                Err(AppError::Unauthorized) => Ok(None),
                Err(e) => Err(e),
            }
        }
        .await,
    )
}

/// Change the signed-in recruiter's password (the only console action open
/// to one holding a generated one-time password). Every session of theirs
/// ends; this browser gets a fresh one and goes to the console.
#[server(endpoint = "recruiter/password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use crate::server::{http::respond, recruiting};
    respond::reply(
        async {
            let state = respond::state()?;
            let account = session::account(&state).await?;
            let cookie = recruiting::change_password(
                &state,
                &account,
                &current_password,
                &new_password,
                &confirm_password,
                respond::client_addr(),
            )
            .await?;
            session::set_cookie(cookie)?;
            leptos_axum::redirect("/recruiter");
            Ok(())
        }
        .await,
    )
}

#[server(endpoint = "recruiter/quizzes")]
pub async fn quizzes() -> Result<Vec<QuizSummary>, AppError> {
    use crate::server::recruiting;
    session::console(|state, r| async move { Ok(recruiting::quizzes(&state, &r)) }).await
}

#[server(endpoint = "recruiter/attempts")]
pub async fn attempts() -> Result<Vec<AttemptRow>, AppError> {
    use crate::server::recruiting;
    session::console(|state, r| async move { recruiting::overview(&state, &r).await }).await
}

/// Invite a candidate. `extra_time_percent` (empty for none) grants extra
/// time for an accommodation, in percent of the quiz's duration.
#[server(endpoint = "recruiter/invite")]
pub async fn invite(
    quiz_id: String,
    candidate_name: String,
    candidate_email: String,
    #[server(default)] extra_time_percent: String,
) -> Result<Invitation, AppError> {
    use crate::server::recruiting;
    session::console(|state, r| async move {
        let extra = match extra_time_percent.trim() {
            "" => 0,
            t => t.parse::<u32>().map_err(|_| {
                AppError::BadRequest("Extra time is a whole number of percent, 0 to 200.".into())
            })?,
        };
        recruiting::invite(
            &state,
            recruiting::Actor::Recruiter(&r),
            &quiz_id,
            &candidate_name,
            Some(&candidate_email),
            extra,
        )
        .await
    })
    .await
}

/// Revoke an invitation: its link and every candidate session of it stop
/// working at once.
#[server(endpoint = "recruiter/revoke")]
pub async fn revoke(invitation_id: String) -> Result<(), AppError> {
    use crate::server::{attempts, recruiting};
    session::console(|state, r| async move {
        if invitation_id.len() > 64 {
            return Err(AppError::NotFound("There is no such invitation.".into()));
        }
        attempts::revoke(&state, &invitation_id, recruiting::Actor::Recruiter(&r)).await
    })
    .await
}

/// The report of one candidate's attempt.
#[server(endpoint = "recruiter/report")]
pub async fn fetch_report(invitation_id: String) -> Result<AttemptReport, AppError> {
    use crate::server::recruiting;
    session::console(|state, r| async move { recruiting::report(&state, &r, &invitation_id).await })
        .await
}

/// Item analysis for authors.
#[server(endpoint = "recruiter/items")]
pub async fn fetch_item_analysis() -> Result<ItemAnalysis, AppError> {
    use crate::server::recruiting;
    session::console(|state, r| async move { recruiting::item_analysis(&state, &r).await }).await
}
