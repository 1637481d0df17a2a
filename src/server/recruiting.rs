//! The recruiter's side: accounts, sessions, invitations and the overview.

use super::audit;
use super::auth::{self, sha256_hex};
use super::bank::markdown;
use super::db::{InvitationRow, RecruiterRow};
use super::scoring::{AttemptScoring, ScoreReport};
use super::state::AppState;
use crate::domain::recruiter::{AttemptRow, Invitation, Me, QuizSummary, ScoreSummary};
use crate::domain::report::{
    AttemptReport, BreakdownRow, ItemAnalysis, ItemRow, QuizReliabilityRow, ReviewItem,
    ReviewOption,
};
use crate::domain::AttemptStatus;
use crate::error::AppError;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

pub const SESSION_COOKIE: &str = "rung_session";
pub const SECURE_SESSION_COOKIE: &str = "__Host-rung_session";
/// A console session ends 12 hours after sign-in, or after 30 minutes
/// without a request, whichever comes first.
pub const SESSION_MS: i64 = 12 * 60 * 60 * 1000;
pub const SESSION_IDLE_MS: i64 = 30 * 60 * 1000;
/// How long a browser stays known to an account after its last sign-in.
pub const KNOWN_BROWSER_MS: i64 = 180 * 24 * 60 * 60 * 1000;
const MAX_NAME: usize = 200;
/// The most extra time an accommodation may grant (triple time).
pub const MAX_EXTRA_TIME_PERCENT: u32 = 200;
/// Passwords a recruiter chooses: at least 15 characters, NIST SP 800-63B
/// rev. 4's minimum for a password that is the only factor (as it is here),
/// and at most 1024 bytes. No composition rules (NIST advises against them).
pub const MIN_PASSWORD_CHARS: usize = 15;
const MAX_PASSWORD_BYTES: usize = 1024;

/// A recruiter signed in to the console with a password of their own. Only
/// [`console_user`] makes one, and every console use case takes one: an
/// endpoint that skips the sign-in check does not compile.
#[derive(Debug, Clone)]
pub struct Recruiter {
    row: RecruiterRow,
}

impl Recruiter {
    pub fn id(&self) -> &str {
        &self.row.id
    }

    pub fn email(&self) -> &str {
        &self.row.email
    }

    pub fn is_admin(&self) -> bool {
        self.row.is_admin
    }
}

/// The signed-in account as a console user: one still holding a generated
/// one-time password must choose a new one first.
pub fn console_user(account: RecruiterRow) -> Result<Recruiter, AppError> {
    if account.must_change_password {
        return Err(AppError::PasswordChangeRequired);
    }
    Ok(Recruiter { row: account })
}

/// Who acts: a signed-in recruiter, or the operator at the server's own
/// terminal (the `rung` command line, which has the database anyway).
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    Recruiter(&'a Recruiter),
    Operator,
}

impl Actor<'_> {
    /// The recruiter's id, for records (`None` for the operator).
    pub fn recruiter_id(&self) -> Option<&str> {
        match self {
            Actor::Recruiter(r) => Some(r.id()),
            Actor::Operator => None,
        }
    }

    /// How records name the actor.
    pub fn label(&self) -> &str {
        match self {
            Actor::Recruiter(r) => r.email(),
            Actor::Operator => "the command line",
        }
    }
}

/// A successful sign-in: the cookie to set and where the browser goes next.
pub struct SignedIn {
    pub cookie: Cookie<'static>,
    pub known_browser: Cookie<'static>,
    pub must_change_password: bool,
}

fn internal(context: &str) -> impl FnOnce(super::db::DbError) -> AppError + '_ {
    move |e| AppError::internal(context, e)
}

/// Check a password against a stored hash off the async threads.
async fn verify(password: String, stored: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || auth::verify_password(&password, &stored))
        .await
        .map_err(|e| AppError::internal("verifying a password", e))
}

pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| AppError::internal("hashing a password", e))?
        .map_err(|e| AppError::internal("hashing a password", e))
}

/// Sign in: returns the cookies to set. The same error answers a wrong
/// password and an unknown email, after the same work; failures are counted
/// per account, or per known browser when `browser` is this account's
/// known-browser cookie (see `http::limits`).
pub async fn login(
    state: &AppState,
    email: &str,
    password: &str,
    browser: Option<&str>,
    client: Option<std::net::IpAddr>,
) -> Result<SignedIn, AppError> {
    // Lengths first: nothing of an oversized input is stored or hashed.
    if email.len() > 320 || password.len() > MAX_PASSWORD_BYTES {
        return Err(AppError::BadCredentials);
    }
    let email = email.trim().to_lowercase();
    let now = state.clock.now_ms();
    let account = state
        .db
        .recruiter_by_email(&email)
        .await
        .map_err(internal("looking up a recruiter"))?;
    let known_browser = browser.filter(|b| {
        state
            .keys
            .device_owner(b, now, KNOWN_BROWSER_MS)
            .is_some_and(|owner| account.as_ref().is_some_and(|a| a.id == owner))
    });
    let (budget, key) = match known_browser {
        Some(b) => (&state.limits.sign_in_by_browser, b),
        None => (&state.limits.sign_in_by_account, email.as_str()),
    };
    let account_id = account
        .as_ref()
        .map_or("unknown", |a| a.id.as_str())
        .to_string();
    if budget.check(key, now).is_err() {
        audit::event(
            audit::Event::RateLimited,
            client,
            &[
                (
                    "limit",
                    if known_browser.is_some() {
                        "sign_in_browser"
                    } else {
                        "sign_in_account"
                    },
                ),
                ("account", &account_id),
            ],
        );
        return Err(AppError::RateLimited);
    }
    let stored = account.as_ref().map_or_else(
        || auth::dummy_hash().to_string(),
        |a| a.password_hash.clone(),
    );
    let ok = {
        let _permit = state.limits.hash_permit().await?;
        verify(password.to_string(), stored).await?
    };
    let Some(account) = account.filter(|_| ok) else {
        let _ = budget.hit(key, now);
        audit::event(
            audit::Event::SignInFailed,
            client,
            &[
                ("account", &account_id),
                ("known_browser", bool_str(known_browser.is_some())),
            ],
        );
        return Err(AppError::BadCredentials);
    };
    audit::event(
        audit::Event::SignInSucceeded,
        client,
        &[
            ("account", &account.id),
            ("known_browser", bool_str(known_browser.is_some())),
        ],
    );
    Ok(SignedIn {
        cookie: open_session(state, &account.id).await?,
        known_browser: known_browser_cookie(state, &account.id),
        must_change_password: account.must_change_password,
    })
}

fn bool_str(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// The known-browser cookie for `recruiter_id`: long-lived, HttpOnly,
/// SameSite=Strict, `__Host-` over HTTPS. It proves only that this browser
/// signed in to this account before; it opens nothing by itself.
pub fn known_browser_cookie(state: &AppState, recruiter_id: &str) -> Cookie<'static> {
    let value = state.keys.device_cookie(recruiter_id, state.clock.now_ms());
    Cookie::build((known_browser_cookie_name(state), value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.secure_cookies())
        .path("/")
        .max_age(cookie::time::Duration::milliseconds(KNOWN_BROWSER_MS))
        .build()
}

pub fn known_browser_cookie_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies() {
        "__Host-rung_browser"
    } else {
        "rung_browser"
    }
}

/// The session cookie's name: `__Host-` prefixed over HTTPS, so a sibling
/// subdomain cannot plant one.
pub fn session_cookie_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies() {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

async fn open_session(state: &AppState, recruiter_id: &str) -> Result<Cookie<'static>, AppError> {
    let now = state.clock.now_ms();
    let (token, token_hash) = auth::new_session_token();
    state
        .db
        .insert_session(&token_hash, recruiter_id, now, now + SESSION_MS)
        .await
        .map_err(internal("creating a session"))?;
    Ok(session_cookie(state, token, SESSION_MS / 1000))
}

/// Check a new password against the rules; the message says what to fix.
pub fn check_new_password(
    email: &str,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<(), AppError> {
    let bad = |m: &str| Err(AppError::BadRequest(m.into()));
    if new != confirm {
        return bad("The two new passwords differ.");
    }
    if new.chars().count() < MIN_PASSWORD_CHARS {
        return bad(&format!(
            "The new password needs at least {MIN_PASSWORD_CHARS} characters."
        ));
    }
    if new.len() > MAX_PASSWORD_BYTES {
        return bad("The new password is too long (at most 1024 bytes).");
    }
    if new == current {
        return bad("The new password must differ from the current one.");
    }
    if new.trim().eq_ignore_ascii_case(email.trim()) {
        return bad("The new password must not be your email address.");
    }
    password_policy(new, &[email]).map_err(AppError::BadRequest)
}

/// The rules every chosen password meets, the admin's from
/// `RUNG_ADMIN_PASSWORD` included: 15 to 1024 bytes' worth of characters,
/// no composition rules, and not guessable: not a common password (the
/// 30,000 of zxcvbn's list and its dictionaries), a keyboard walk, a
/// repeat or a sequence, alone or in a thin disguise, nor made of the
/// account's own email or the product's name. zxcvbn must estimate at least
/// 10^8 guesses (its score 3), NIST SP 800-63B's "blocklist" taken broadly.
pub fn password_policy(password: &str, context: &[&str]) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "The password needs at least {MIN_PASSWORD_CHARS} characters."
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err("The password is too long (at most 1024 bytes).".into());
    }
    let mut inputs: Vec<&str> = vec!["rung", "recruiter", "admin", "quiz"];
    for c in context {
        inputs.push(c);
        inputs.extend(c.split(['@', '.', '-', '_', '+']).filter(|p| p.len() >= 3));
    }
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if (estimate.score() as u8) < 3 {
        let hint = estimate
            .feedback()
            .and_then(|f| f.warning())
            .map(|w| format!(" ({w})"))
            .unwrap_or_default();
        return Err(format!(
            "This password is too easy to guess{hint}. A few unrelated words make a strong one."
        ));
    }
    Ok(())
}

/// Replace the signed-in recruiter's password: checks the current one,
/// ends every session of theirs (a leaked one-time password or a stolen
/// session stops working) and returns the cookie of a fresh session.
pub async fn change_password(
    state: &AppState,
    account: &RecruiterRow,
    current: &str,
    new: &str,
    confirm: &str,
    client: Option<std::net::IpAddr>,
) -> Result<Cookie<'static>, AppError> {
    let now = state.clock.now_ms();
    // Counted apart from sign-ins: failures against the account's email
    // from elsewhere do not stop its signed-in owner.
    let budget = &state.limits.sign_in_by_account;
    let key = format!("password-change:{}", account.id);
    if budget.check(&key, now).is_err() {
        audit::event(
            audit::Event::RateLimited,
            client,
            &[("limit", "password_change"), ("account", &account.id)],
        );
        return Err(AppError::RateLimited);
    }
    let ok = current.len() <= MAX_PASSWORD_BYTES && {
        let _permit = state.limits.hash_permit().await?;
        verify(current.to_string(), account.password_hash.clone()).await?
    };
    if !ok {
        let _ = budget.hit(&key, now);
        audit::event(
            audit::Event::PasswordChangeFailed,
            client,
            &[
                ("account", &account.id),
                ("reason", "current password wrong"),
            ],
        );
        return Err(AppError::BadRequest(
            "The current password is not correct.".into(),
        ));
    }
    check_new_password(&account.email, current, new, confirm)?;
    set_password(state, &account.id, new, false).await?;
    audit::event(
        audit::Event::PasswordChanged,
        client,
        &[("account", &account.id), ("sessions", "ended")],
    );
    open_session(state, &account.id).await
}

/// The session cookie: HttpOnly, SameSite=Strict, Secure over HTTPS.
pub fn session_cookie(state: &AppState, value: String, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build((session_cookie_name(state), value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.secure_cookies())
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
}

/// The signed-in recruiter, or `Unauthorized`.
pub async fn current(state: &AppState, jar: &CookieJar) -> Result<RecruiterRow, AppError> {
    let token = jar
        .get(session_cookie_name(state))
        .map(|c| c.value().to_string())
        .ok_or(AppError::Unauthorized)?;
    if token.len() > 128 {
        return Err(AppError::Unauthorized);
    }
    state
        .db
        .session_recruiter(&sha256_hex(&token), state.clock.now_ms(), SESSION_IDLE_MS)
        .await
        .map_err(internal("loading a session"))?
        .ok_or(AppError::Unauthorized)
}

pub async fn logout(
    state: &AppState,
    jar: &CookieJar,
    client: Option<std::net::IpAddr>,
) -> Result<Cookie<'static>, AppError> {
    if let Some(c) = jar.get(session_cookie_name(state)) {
        audit::event(audit::Event::SignOut, client, &[]);
        state
            .db
            .delete_session(&sha256_hex(c.value()))
            .await
            .map_err(internal("ending a session"))?;
    }
    Ok(session_cookie(state, String::new(), 0))
}

pub fn me(r: &RecruiterRow) -> Me {
    Me {
        email: r.email.clone(),
        name: r.name.clone(),
        must_change_password: r.must_change_password,
    }
}

pub fn quizzes(state: &AppState, _by: &Recruiter) -> Vec<QuizSummary> {
    state
        .bank
        .quizzes
        .iter()
        .map(|q| QuizSummary {
            id: q.id.clone(),
            title: q.title.clone(),
            duration_minutes: q.duration_minutes,
            question_count: q.question_count(),
        })
        .collect()
}

/// A candidate's name: trimmed, 1 to 200 characters, no control characters.
pub fn candidate_name(raw: &str) -> Result<String, AppError> {
    person_name(raw, "the candidate's")
}

/// A person's name, trimmed and bounded; `whose` names it in the message.
fn person_name(raw: &str, whose: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AppError::BadRequest(format!("Enter {whose} name.")));
    }
    if name.chars().count() > MAX_NAME {
        return Err(AppError::BadRequest(format!(
            "The name is longer than {MAX_NAME} characters."
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::BadRequest(
            "The name contains control characters.".into(),
        ));
    }
    Ok(name.to_string())
}

/// A recruiter's email address: trimmed, lower-cased, plausibly shaped.
pub fn recruiter_email(raw: &str) -> Result<String, AppError> {
    let email = raw.trim().to_lowercase();
    let shaped = email.len() <= 320
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
    if !shaped {
        return Err(AppError::BadRequest(format!(
            "{:?} is not an email address.",
            raw.trim()
        )));
    }
    Ok(email)
}

/// Create a recruiter account with a generated one-time password, which is
/// returned to be handed over; the recruiter chooses their own at first
/// sign-in.
pub async fn add_recruiter(state: &AppState, email: &str, name: &str) -> Result<String, AppError> {
    let email = recruiter_email(email)?;
    let name = person_name(name, "the recruiter's")?;
    let password = one_time_password();
    let row = RecruiterRow {
        id: auth::random_id(),
        email,
        name,
        password_hash: hash(password.clone()).await?,
        is_admin: false,
        must_change_password: true,
    };
    match state.db.insert_recruiter(&row, state.clock.now_ms()).await {
        Ok(()) => Ok(password),
        Err(e) if e.is_unique_violation() => Err(AppError::BadRequest(format!(
            "A recruiter with the email {} already exists.",
            row.email
        ))),
        Err(e) => Err(AppError::internal("creating a recruiter", e)),
    }
}

/// Give a recruiter a new one-time password (they forgot theirs, or it
/// leaked): ends every session of theirs and returns the password.
pub async fn reset_password(state: &AppState, email: &str) -> Result<String, AppError> {
    let email = recruiter_email(email)?;
    let account = state
        .db
        .recruiter_by_email(&email)
        .await
        .map_err(internal("looking up a recruiter"))?
        .ok_or_else(|| AppError::NotFound(format!("No recruiter has the email {email}.")))?;
    let password = one_time_password();
    set_password(state, &account.id, &password, true).await?;
    Ok(password)
}

/// A generated password, to be shown once and replaced at first sign-in.
fn one_time_password() -> String {
    auth::random_secret(15)
}

/// Hash and store a recruiter's password; every session of theirs ends.
async fn set_password(
    state: &AppState,
    recruiter_id: &str,
    password: &str,
    one_time: bool,
) -> Result<(), AppError> {
    let hashed = hash(password.to_string()).await?;
    state
        .db
        .replace_password(recruiter_id, &hashed, one_time)
        .await
        .map_err(internal("storing a password"))
}

/// Create an invitation and its signed link.
pub async fn invite(
    state: &AppState,
    by: Actor<'_>,
    quiz_id: &str,
    name: &str,
    email: Option<&str>,
    extra_time_percent: u32,
) -> Result<Invitation, AppError> {
    let name = candidate_name(name)?;
    if extra_time_percent > MAX_EXTRA_TIME_PERCENT {
        return Err(AppError::BadRequest(format!(
            "Extra time can be at most {MAX_EXTRA_TIME_PERCENT}% of the quiz's duration."
        )));
    }
    let quiz = state
        .bank
        .quiz(quiz_id)
        .ok_or_else(|| AppError::NotFound(format!("There is no quiz `{quiz_id}`.")))?;
    let email = email
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string);
    if email
        .as_ref()
        .is_some_and(|e| e.len() > 320 || !e.contains('@'))
    {
        return Err(AppError::BadRequest(
            "That email address does not look right.".into(),
        ));
    }
    let now = state.clock.now_ms();
    let inv = InvitationRow {
        id: auth::random_id(),
        quiz_id: quiz.id.clone(),
        candidate_name: name,
        candidate_email: email,
        created_at: now,
        expires_at: now + state.config.invitation_days * 24 * 60 * 60 * 1000,
        revoked_at: None,
        extra_time_percent: i64::from(extra_time_percent),
    };
    state
        .db
        .insert_invitation(&inv, by.recruiter_id())
        .await
        .map_err(internal("creating an invitation"))?;
    let token = state
        .keys
        .issue(&inv.id, now, inv.expires_at)
        .map_err(|e| AppError::internal("signing a link", e))?;
    Ok(Invitation {
        invitation_id: inv.id,
        link: state.config.candidate_link(&token),
        expires_at: inv.expires_at,
    })
}

/// Invitations and attempts, newest first.
pub async fn overview(state: &AppState, _by: &Recruiter) -> Result<Vec<AttemptRow>, AppError> {
    let rows = state
        .db
        .overview(500)
        .await
        .map_err(internal("listing attempts"))?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let quiz_title = r
                .attempt
                .as_ref()
                .map(|a| a.quiz_title.clone())
                .or_else(|| {
                    state
                        .bank
                        .quiz(&r.invitation.quiz_id)
                        .map(|q| q.title.clone())
                })
                .unwrap_or_else(|| r.invitation.quiz_id.clone());
            let status = r
                .attempt
                .as_ref()
                .and_then(|a| AttemptStatus::parse(&a.status))
                .unwrap_or(AttemptStatus::NotStarted);
            AttemptRow {
                invitation_id: r.invitation.id,
                candidate_name: r.invitation.candidate_name,
                quiz_id: r.invitation.quiz_id,
                quiz_title,
                status,
                invited_at: r.invitation.created_at,
                started_at: r.attempt.as_ref().map(|a| a.started_at),
                finished_at: r.attempt.as_ref().and_then(|a| a.finished_at),
                score: r
                    .attempt
                    .as_ref()
                    .and_then(|a| match (a.points, a.max_points) {
                        (Some(points), Some(max)) => Some(ScoreSummary { points, max }),
                        _ => None,
                    }),
                verdict: r
                    .attempt
                    .as_ref()
                    .and_then(|a| a.result.as_deref())
                    .and_then(|json| serde_json::from_str::<ScoreReport>(json).ok())
                    .map(|report| report.verdict),
                extra_time_percent: r.invitation.extra_time_percent.max(0) as u32,
                revoked: r.invitation.revoked_at.is_some(),
            }
        })
        .collect())
}

/// The full report of one attempt: verdict, breakdowns, and every question
/// with the candidate's answer, the key and the explanation. The version of
/// each question is the one the candidate saw.
pub async fn report(
    state: &AppState,
    _by: &Recruiter,
    invitation_id: &str,
) -> Result<AttemptReport, AppError> {
    let not_found = || AppError::NotFound("There is no such candidate.".into());
    if invitation_id.len() > 64 {
        return Err(not_found());
    }
    let inv = state
        .db
        .invitation(invitation_id)
        .await
        .map_err(internal("loading an invitation"))?
        .ok_or_else(not_found)?;
    let events = event_views(state, &inv.id).await?;
    let attempt = state
        .db
        .attempt_for_invitation(&inv.id)
        .await
        .map_err(internal("loading an attempt"))?;
    let Some(attempt) = attempt else {
        let title = state
            .bank
            .quiz(&inv.quiz_id)
            .map_or(inv.quiz_id.clone(), |q| q.title.clone());
        return Ok(AttemptReport {
            invitation_id: inv.id,
            candidate_name: inv.candidate_name,
            quiz_title: title,
            status: AttemptStatus::NotStarted,
            started_at: 0,
            finished_at: None,
            points: 0.0,
            max: 0.0,
            verdict: None,
            by_topic: Vec::new(),
            by_level: Vec::new(),
            items: Vec::new(),
            ladder: ladder_rows(state),
            extra_time_percent: inv.extra_time_percent.max(0) as u32,
            revoked_at: inv.revoked_at,
            events,
        });
    };
    let status = AttemptStatus::parse(&attempt.status).unwrap_or(AttemptStatus::InProgress);
    let scoring: AttemptScoring = serde_json::from_str(&attempt.policy)
        .map_err(|e| AppError::internal("decoding a policy", e))?;
    let result: Option<ScoreReport> = match attempt.result.as_deref() {
        Some(json) => Some(
            serde_json::from_str(json).map_err(|e| AppError::internal("decoding a result", e))?,
        ),
        None => None,
    };
    let items = state
        .db
        .items(&attempt.id)
        .await
        .map_err(internal("loading items"))?;
    let questions = super::attempts::questions(state, &attempt.id, &items).await?;
    let mut review = Vec::with_capacity(items.len());
    // Answers are shown only once the attempt is final.
    let show_answers = status.is_final();
    for (k, it) in items.iter().enumerate() {
        let q = questions.get(&it.question_hash).ok_or(AppError::Internal)?;
        let rendered = state.rendered.get(&it.question_hash, q);
        let order = super::attempts::option_order(it)?;
        let chosen = super::attempts::selected_ids(it)?.unwrap_or_default();
        review.push(ReviewItem {
            position: it.position as u32,
            question_id: q.id.clone(),
            topic: q.topic.clone(),
            level: q.level.get(),
            kind: q.kind.as_str().to_string(),
            prompt_html: rendered.prompt_html.clone(),
            options: order
                .iter()
                .map(|id| ReviewOption {
                    html: rendered.option_html(id).to_string(),
                    correct: show_answers && q.options.iter().any(|o| &o.id == id && o.correct),
                    chosen: show_answers && chosen.contains(id),
                })
                .collect(),
            credit: result
                .as_ref()
                .and_then(|r| r.items.get(k).copied().flatten()),
            explanation_html: markdown::block(&q.explanation),
            references: q.references.clone(),
            scored: it.scored,
            time_to_answer_ms: match (it.first_shown_at, it.answered_at) {
                (Some(shown), Some(answered)) if answered >= shown => Some(answered - shown),
                _ => None,
            },
        });
    }
    let row = |label: String, t: &super::scoring::Tally, threshold: Option<f64>| BreakdownRow {
        label,
        points: t.points,
        max: t.max,
        questions: t.questions,
        answered: t.answered,
        threshold,
    };
    let (by_topic, by_level) = match &result {
        Some(r) => (
            r.by_topic
                .iter()
                .map(|(topic, t)| {
                    let name = state
                        .bank
                        .topic(topic)
                        .map_or(topic.clone(), |t| t.name.clone());
                    row(name, t, None)
                })
                .collect(),
            r.by_level
                .iter()
                .enumerate()
                .filter(|(_, t)| t.questions > 0)
                .map(|(i, t)| {
                    let level = i as u8 + 1;
                    let name = crate::domain::Level::new(i64::from(level))
                        .and_then(|l| state.bank.ladder.level(l))
                        .map_or(format!("Level {level}"), |l| {
                            format!("Level {level}: {}", l.name)
                        });
                    row(name, t, scoring.policy.thresholds.get(i).copied())
                })
                .collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    Ok(AttemptReport {
        invitation_id: inv.id,
        candidate_name: inv.candidate_name,
        quiz_title: attempt.quiz_title.clone(),
        status,
        started_at: attempt.started_at,
        finished_at: attempt.finished_at,
        points: attempt.points.unwrap_or(0.0),
        max: attempt.max_points.unwrap_or(0.0),
        verdict: result.map(|r| r.verdict),
        by_topic,
        by_level,
        items: if show_answers { review } else { Vec::new() },
        ladder: ladder_rows(state),
        extra_time_percent: inv.extra_time_percent.max(0) as u32,
        revoked_at: inv.revoked_at,
        events,
    })
}

/// An invitation's event log in sentences.
async fn event_views(
    state: &AppState,
    invitation_id: &str,
) -> Result<Vec<crate::domain::report::EventView>, AppError> {
    let rows = state
        .db
        .events(invitation_id)
        .await
        .map_err(internal("loading events"))?;
    Ok(rows
        .into_iter()
        .map(|e| {
            let d: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
            let s = |k: &str| d.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
            let client = |addr: String, agent: String| {
                let addr = if addr.is_empty() {
                    "an unknown address".into()
                } else {
                    addr
                };
                if agent.is_empty() {
                    addr
                } else {
                    format!("{addr} ({agent})")
                }
            };
            let secs = d
                .get("duration_ms")
                .and_then(|v| v.as_u64())
                .map(|ms| format!("{:.0} s", ms as f64 / 1000.0));
            let text = match e.kind.as_str() {
                "session_started" => {
                    format!("Started the quiz from {}.", client(s("addr"), s("agent")))
                }
                "session_joined" => format!(
                    "Another session joined the attempt (session {}) from {}.",
                    d.get("session").and_then(|v| v.as_i64()).unwrap_or(0),
                    client(s("addr"), s("agent"))
                ),
                "client_changed" => format!(
                    "A session's requests came from {} instead of {}.",
                    client(s("to_addr"), s("to_agent")),
                    client(s("from_addr"), s("from_agent"))
                ),
                "focus_lost" => format!(
                    "The quiz window lost focus{}.",
                    secs.map(|t| format!(" for {t}")).unwrap_or_default()
                ),
                "page_hidden" => format!(
                    "The quiz page was hidden{}.",
                    secs.map(|t| format!(" for {t}")).unwrap_or_default()
                ),
                "paste" => "Something was pasted into the quiz page.".to_string(),
                "revoked" => format!("The invitation was revoked by {}.", s("by")),
                other => format!("{other}."),
            };
            crate::domain::report::EventView {
                at: e.at,
                kind: e.kind,
                text,
            }
        })
        .collect())
}

fn ladder_rows(state: &AppState) -> Vec<crate::domain::report::LadderRow> {
    state
        .bank
        .ladder
        .levels
        .iter()
        .map(|l| crate::domain::report::LadderRow {
            level: l.level.get(),
            name: l.name.clone(),
            summary: l.summary.clone(),
            measured: l.measured,
        })
        .collect()
}

/// Item analysis over the finished attempts, for authors.
pub async fn item_analysis(state: &AppState, _by: &Recruiter) -> Result<ItemAnalysis, AppError> {
    let (items, quizzes) = super::analysis::item_analysis(state)
        .await
        .map_err(|e| AppError::internal("item analysis", e))?;
    Ok(ItemAnalysis {
        quizzes: quizzes
            .into_iter()
            .map(|q| QuizReliabilityRow {
                quiz_id: q.quiz_id,
                attempts: q.attempts as u32,
                questions: q.items as u32,
                kr20: q.kr20,
                sem: q.sem,
                mean: q.mean,
                sd: q.sd,
            })
            .collect(),
        items: items
            .into_iter()
            .map(|s| ItemRow {
                question_id: s.question_id,
                version: s.hash.chars().take(8).collect(),
                responses: s.responses as u32,
                p_value: s.p_value,
                discrimination: s.discrimination,
                options: s.option_shares,
                flags: s.flags,
            })
            .collect(),
    })
}

/// What the first start created, to print once.
pub struct FirstRun {
    pub admin_email: String,
    /// Only when it was generated (not given in the environment).
    pub generated_password: Option<String>,
    pub demo_link: Option<String>,
}

/// On a database without recruiters, create the admin account (and a demo
/// invitation if configured). Several servers starting at once create one
/// admin: the others see the unique email and skip.
pub async fn first_run(state: &AppState) -> Result<Option<FirstRun>, AppError> {
    let count = state
        .db
        .recruiter_count()
        .await
        .map_err(internal("counting recruiters"))?;
    if count > 0 {
        return Ok(None);
    }
    let email = state.config.admin_email.trim().to_lowercase();
    let (password, generated) = match &state.config.admin_password {
        Some(p) => {
            password_policy(p, &[&email]).map_err(|reason| {
                AppError::BadRequest(format!("RUNG_ADMIN_PASSWORD is refused: {reason}"))
            })?;
            (p.clone(), false)
        }
        None => (one_time_password(), true),
    };
    let row = RecruiterRow {
        id: auth::random_id(),
        email: email.clone(),
        name: "Administrator".into(),
        password_hash: hash(password.clone()).await?,
        is_admin: true,
        // A generated password has been printed to a terminal (and perhaps a
        // log): it is good for one sign-in only.
        must_change_password: generated,
    };
    match state.db.insert_recruiter(&row, state.clock.now_ms()).await {
        Ok(()) => {}
        Err(e) if e.is_unique_violation() => return Ok(None),
        Err(e) => return Err(AppError::internal("creating the admin account", e)),
    }
    let demo_link = match (state.config.demo_invitation, state.bank.quizzes.first()) {
        (true, Some(q)) => {
            let quiz = state.bank.quiz("standard").unwrap_or(q);
            Some(
                invite(
                    state,
                    Actor::Operator,
                    &quiz.id.clone(),
                    "Demo Candidate",
                    None,
                    0,
                )
                .await?
                .link,
            )
        }
        _ => None,
    };
    Ok(Some(FirstRun {
        admin_email: email,
        generated_password: generated.then_some(password),
        demo_link,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_names_are_trimmed_and_bounded() {
        assert_eq!(candidate_name("  Ada Lovelace ").unwrap(), "Ada Lovelace");
        assert!(candidate_name("   ").is_err());
        assert!(candidate_name(&"x".repeat(201)).is_err());
        assert!(candidate_name("a\u{0}b").is_err());
        assert_eq!(candidate_name("Zoë Ñandú").unwrap(), "Zoë Ñandú");
    }

    #[test]
    fn recruiter_emails_are_normalized_and_checked() {
        assert_eq!(
            recruiter_email("  Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "a da@example.com",
            "ada@ex\nample",
        ] {
            assert!(recruiter_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn new_passwords_are_checked_with_a_reason() {
        let check = |new: &str, confirm: &str| {
            check_new_password("ada@example.com", "old-password-123", new, confirm)
        };
        assert!(check("a long enough one", "a long enough one").is_ok());
        // Characters, not bytes: 15 characters, 17 bytes.
        assert!(check("Zoë's 15 charsß", "Zoë's 15 charsß").is_ok());
        let reason = |r: Result<(), AppError>| r.unwrap_err().to_string();
        assert_eq!(
            reason(check("a long enough one", "a long enough 1")),
            "The two new passwords differ."
        );
        assert_eq!(
            reason(check("fourteen chars", "fourteen chars")),
            "The new password needs at least 15 characters."
        );
        // Long but guessable: a common password repeated, a keyboard walk, a
        // sequence.
        for weak in [
            "passwordpassword",
            "qwertyuiopasdfgh",
            "123456789012345",
            "aaaaaaaaaaaaaaaa",
        ] {
            let r = check(weak, weak);
            assert!(
                r.as_ref()
                    .is_err_and(|e| e.to_string().contains("too easy to guess")),
                "{weak}: {r:?}"
            );
        }
        let long = "x".repeat(1025);
        assert!(reason(check(&long, &long)).contains("too long"));
        assert!(reason(check("old-password-123", "old-password-123"))
            .contains("differ from the current"));
        assert!(reason(check("ADA@example.com", "ADA@example.com")).contains("email"));
    }
}
