//! The candidate's side: a link's invitation, starting an attempt, saving
//! answers, submitting, and finalizing attempts whose time is over.
//!
//! The clock is the server's: the deadline is fixed when the attempt starts,
//! answers are accepted until the deadline plus a short grace for requests
//! in flight, and an attempt past its deadline is finalized with the answers
//! saved by then, whether or not the browser is still there.

use super::bank::{Question, QuestionContent};
use super::db::{AttemptRow, InvitationRow, ItemRow, NewAttempt, SaveOutcome};
use super::form;
use super::scoring::{self, AttemptScoring, Response};
use super::state::AppState;
use crate::domain::candidate::{
    AttemptView, Finished, Intro, OptionView, PendingAnswer, QuestionView, SaveReceipt,
};
use crate::domain::{AttemptStatus, QuestionKind};
use crate::error::AppError;
use rand::RngCore;
use std::collections::HashMap;
use std::sync::Arc;

/// How late (ms) an answer sent before the deadline may arrive.
pub const GRACE_MS: i64 = 3_000;

fn internal(context: &str) -> impl FnOnce(super::db::DbError) -> AppError + '_ {
    move |e| AppError::internal(context, e)
}

/// The invitation of a candidate link: signature, issuer and audience
/// checked, then the invitation looked up by the token's id.
pub async fn invitation(state: &AppState, token: &str) -> Result<InvitationRow, AppError> {
    let claims = state
        .keys
        .verify(token, state.clock.now_ms())
        .map_err(|_| {
            super::audit::event(
                super::audit::Event::TokenRejected,
                super::http::respond::client_addr(),
                &[("length", &token.len().to_string())],
            );
            AppError::InvalidLink
        })?;
    let inv = state
        .db
        .invitation(&claims.jti)
        .await
        .map_err(internal("loading an invitation"))?
        .ok_or(AppError::InvalidLink)?;
    if inv.revoked_at.is_some() {
        return Err(AppError::InvalidLink);
    }
    Ok(inv)
}

fn status_of(a: &AttemptRow) -> AttemptStatus {
    AttemptStatus::parse(&a.status).unwrap_or(AttemptStatus::Submitted)
}

/// The invitation's attempt, finalized first if its time is over.
async fn current_attempt(
    state: &AppState,
    inv: &InvitationRow,
) -> Result<Option<AttemptRow>, AppError> {
    let attempt = state
        .db
        .attempt_for_invitation(&inv.id)
        .await
        .map_err(internal("loading an attempt"))?;
    match attempt {
        Some(a)
            if status_of(&a) == AttemptStatus::InProgress
                && state.clock.now_ms() > a.deadline_at + GRACE_MS =>
        {
            finalize(state, &a, AttemptStatus::TimedOut).await?;
            state
                .db
                .attempt(&a.id)
                .await
                .map_err(internal("reloading an attempt"))
        }
        other => Ok(other),
    }
}

pub async fn intro(state: &AppState, token: &str) -> Result<Intro, AppError> {
    let inv = invitation(state, token).await?;
    let attempt = current_attempt(state, &inv).await?;
    let status = attempt
        .as_ref()
        .map_or(AttemptStatus::NotStarted, status_of);
    if status == AttemptStatus::NotStarted && state.clock.now_ms() > inv.expires_at {
        return Err(AppError::ExpiredLink);
    }
    let quiz = state.bank.quiz(&inv.quiz_id);
    let (title, description, minutes, count) = match (&attempt, quiz) {
        (Some(a), q) => {
            let items = state
                .db
                .items(&a.id)
                .await
                .map_err(internal("loading items"))?;
            let minutes = ((a.deadline_at - a.started_at) / 60_000) as u32;
            let description = q.map(|q| q.description.clone()).unwrap_or_default();
            (
                a.quiz_title.clone(),
                description,
                minutes,
                items.len() as u32,
            )
        }
        (None, Some(q)) => (
            q.title.clone(),
            q.description.clone(),
            (duration_ms(q.duration_minutes, inv.extra_time_percent) / 60_000) as u32,
            q.question_count(),
        ),
        (None, None) => {
            return Err(AppError::NotFound(
                "This quiz is no longer offered. Ask your recruiter for a new link.".into(),
            ))
        }
    };
    Ok(Intro {
        extra_time_percent: inv.extra_time_percent.max(0) as u32,
        candidate_name: inv.candidate_name,
        quiz_title: title,
        quiz_description: description,
        duration_minutes: minutes,
        question_count: count,
        status,
    })
}

/// Start the invitation's attempt (or resume it) without opening a
/// session: for tools and tests that act in-process. Candidates start
/// through [`start_session`].
pub async fn start(state: &AppState, inv: &InvitationRow) -> Result<AttemptView, AppError> {
    let attempt = begin(state, inv).await?;
    view(state, &attempt).await
}

/// Start the invitation's attempt, or return the one already started if
/// it is still open.
async fn begin(state: &AppState, inv: &InvitationRow) -> Result<AttemptRow, AppError> {
    if let Some(a) = current_attempt(state, inv).await? {
        return match status_of(&a) {
            AttemptStatus::InProgress => Ok(a),
            AttemptStatus::TimedOut => Err(AppError::TimeUp),
            _ => Err(AppError::AlreadySubmitted),
        };
    }
    let now = state.clock.now_ms();
    if now > inv.expires_at {
        return Err(AppError::ExpiredLink);
    }
    let quiz = state.bank.quiz(&inv.quiz_id).ok_or_else(|| {
        AppError::NotFound(
            "This quiz is no longer offered. Ask your recruiter for a new link.".into(),
        )
    })?;
    let seed = rand::rng().next_u64();
    let items =
        form::draw(&state.bank, quiz, seed).map_err(|e| AppError::internal("drawing a form", e))?;
    // The scale is fixed now: the model of this quiz and of every served
    // question under the current calibration. Later calibrations change
    // neither this attempt's levels nor its questions' difficulties.
    let calibration = state
        .db
        .calibration()
        .await
        .map_err(internal("loading calibrations"))?;
    let (model, used, problem) = scoring::attempt_model(&state.bank, quiz, &calibration)
        .map_err(|e| AppError::internal("computing the scoring model", e))?;
    if let Some(problem) = problem {
        tracing::warn!(quiz = %quiz.id, %problem, "the stored calibration puts this quiz's levels out of order; this attempt uses the authored levels' model (see `rung calibrate`)");
    }
    let item_models = items
        .iter()
        .map(|it| {
            scoring::item_model(
                &it.question,
                &it.question.hash,
                &used,
                quiz.scoring.multiple,
                &model.scale,
            )
        })
        .collect();
    let policy = serde_json::to_string(&AttemptScoring {
        policy: quiz.scoring.clone(),
        model: Some(model),
        items: Some(item_models),
    })
    .map_err(|e| AppError::internal("encoding a policy", e))?;
    let new = NewAttempt {
        attempt: AttemptRow {
            id: super::auth::random_id(),
            invitation_id: inv.id.clone(),
            quiz_id: quiz.id.clone(),
            quiz_hash: quiz.hash.clone(),
            quiz_title: quiz.title.clone(),
            policy,
            seed: seed as i64,
            started_at: now,
            deadline_at: now + duration_ms(quiz.duration_minutes, inv.extra_time_percent),
            finished_at: None,
            status: AttemptStatus::InProgress.as_str().into(),
            points: None,
            max_points: None,
            result: None,
        },
        items: items
            .iter()
            .enumerate()
            .map(|(i, it)| ItemRow {
                position: i as i64,
                question_hash: it.question.hash.clone(),
                option_order: serde_json::to_string(&it.option_order).unwrap_or_default(),
                scored: it.scored,
                selected: None,
                answered_at: None,
                first_shown_at: None,
                flagged: false,
            })
            .collect(),
    };
    let created = state
        .db
        .insert_attempt(&new)
        .await
        .map_err(internal("starting an attempt"))?;
    if created {
        return Ok(new.attempt);
    }
    // Another request started it first: resume that one.
    state
        .db
        .attempt_for_invitation(&inv.id)
        .await
        .map_err(internal("loading an attempt"))?
        .ok_or(AppError::Internal)
}

/// A candidate's time: the quiz's duration with the invitation's extra time,
/// rounded up to a whole minute (never in the candidate's disfavour).
pub fn duration_ms(minutes: u32, extra_percent: i64) -> i64 {
    let base = i64::from(minutes) * 60_000;
    let extra = base * extra_percent.max(0) / 100;
    (base + extra + 59_999) / 60_000 * 60_000
}

/// The questions of an attempt's items, by version hash: from the bank when
/// the version is current, else from the stored snapshot.
pub(crate) async fn questions(
    state: &AppState,
    attempt_id: &str,
    items: &[ItemRow],
) -> Result<HashMap<String, Arc<Question>>, AppError> {
    let mut out = HashMap::new();
    let mut missing = false;
    for it in items {
        match state.bank.question_by_hash(&it.question_hash) {
            Some(q) => {
                out.insert(it.question_hash.clone(), Arc::clone(q));
            }
            None => missing = true,
        }
    }
    if missing {
        for (hash, json) in state
            .db
            .attempt_versions(attempt_id)
            .await
            .map_err(internal("loading question versions"))?
        {
            if out.contains_key(&hash) {
                continue;
            }
            let content: QuestionContent = serde_json::from_str(&json)
                .map_err(|e| AppError::internal("decoding a stored question", e))?;
            out.insert(hash, Arc::new(Question::new(content, None)));
        }
    }
    Ok(out)
}

pub(crate) fn option_order(item: &ItemRow) -> Result<Vec<String>, AppError> {
    serde_json::from_str(&item.option_order)
        .map_err(|e| AppError::internal("decoding an option order", e))
}

pub(crate) fn selected_ids(item: &ItemRow) -> Result<Option<Vec<String>>, AppError> {
    item.selected
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| AppError::internal("decoding an answer", e))
}

/// The running attempt of a session, as the candidate sees it.
pub async fn attempt_view(state: &AppState, inv: &InvitationRow) -> Result<AttemptView, AppError> {
    let attempt = open_attempt(state, inv).await?;
    view(state, &attempt).await
}

/// Set or clear the candidate's review flag on a question.
pub async fn flag(
    state: &AppState,
    inv: &InvitationRow,
    position: u32,
    flagged: bool,
) -> Result<(), AppError> {
    let attempt = open_attempt(state, inv).await?;
    let ok = state
        .db
        .set_flag(&attempt.id, i64::from(position), flagged)
        .await
        .map_err(internal("flagging a question"))?;
    if ok {
        Ok(())
    } else {
        Err(AppError::BadRequest(
            "There is no such question in this quiz.".into(),
        ))
    }
}

/// A plain form's answer (no JavaScript): saved unless it is what the
/// server already holds, so moving through questions without changing an
/// answer leaves its time alone.
pub async fn answer_from_form(
    state: &AppState,
    inv: &InvitationRow,
    position: u32,
    selected: Vec<u32>,
) -> Result<(), AppError> {
    let attempt = open_attempt(state, inv).await?;
    let items = state
        .db
        .items(&attempt.id)
        .await
        .map_err(internal("loading items"))?;
    let item = items
        .get(position as usize)
        .ok_or_else(|| AppError::BadRequest("There is no such question in this quiz.".into()))?;
    let order = option_order(item)?;
    let stored = selected_ids(item)?.unwrap_or_default();
    let mut have: Vec<u32> = order
        .iter()
        .enumerate()
        .filter(|(_, id)| stored.contains(id))
        .map(|(i, _)| i as u32)
        .collect();
    have.sort_unstable();
    let mut want = selected.clone();
    want.sort_unstable();
    if have == want {
        return Ok(());
    }
    save_one(state, &attempt, &items, position, &selected)
        .await
        .map(|_| ())
}

/// Record that the candidate is looking at the question at `position`
/// (the first time counts: time per question is known from it).
pub async fn shown(state: &AppState, inv: &InvitationRow, position: u32) -> Result<(), AppError> {
    let attempt = open_attempt(state, inv).await?;
    state
        .db
        .mark_shown(&attempt.id, i64::from(position), state.clock.now_ms())
        .await
        .map_err(internal("recording a shown question"))
}

async fn view(state: &AppState, attempt: &AttemptRow) -> Result<AttemptView, AppError> {
    let items = state
        .db
        .items(&attempt.id)
        .await
        .map_err(internal("loading items"))?;
    let questions = questions(state, &attempt.id, &items).await?;
    let mut views = Vec::with_capacity(items.len());
    for it in &items {
        let q = questions.get(&it.question_hash).ok_or(AppError::Internal)?;
        let rendered = state.rendered.get(&it.question_hash, q);
        let order = option_order(it)?;
        let chosen = selected_ids(it)?.unwrap_or_default();
        views.push(QuestionView {
            position: it.position as u32,
            kind: q.kind,
            prompt_html: rendered.prompt_html.clone(),
            options: order
                .iter()
                .map(|id| OptionView {
                    html: rendered.option_html(id).to_string(),
                })
                .collect(),
            selected: order
                .iter()
                .enumerate()
                .filter(|(_, id)| chosen.contains(id))
                .map(|(i, _)| i as u32)
                .collect(),
            flagged: it.flagged,
        });
    }
    Ok(AttemptView {
        quiz_title: attempt.quiz_title.clone(),
        questions: views,
        remaining_ms: (attempt.deadline_at - state.clock.now_ms()).max(0),
        duration_minutes: ((attempt.deadline_at - attempt.started_at) / 60_000) as u32,
    })
}

/// Save the answer to one question. `selected` indexes the options as
/// shown; an empty selection clears the answer.
pub async fn answer(
    state: &AppState,
    inv: &InvitationRow,
    position: u32,
    selected: Vec<u32>,
) -> Result<SaveReceipt, AppError> {
    let attempt = open_attempt(state, inv).await?;
    let items = state
        .db
        .items(&attempt.id)
        .await
        .map_err(internal("loading items"))?;
    let indexes = save_one(state, &attempt, &items, position, &selected).await;
    match indexes {
        Ok(indexes) => Ok(SaveReceipt {
            position,
            selected: indexes,
            remaining_ms: (attempt.deadline_at - state.clock.now_ms()).max(0),
        }),
        Err(AppError::TimeUp) => {
            // Closed between our read and our write: say why.
            let a = current_attempt(state, inv).await?;
            match a.map(|a| status_of(&a)) {
                Some(AttemptStatus::Submitted) => Err(AppError::AlreadySubmitted),
                _ => Err(AppError::TimeUp),
            }
        }
        Err(e) => Err(e),
    }
}

/// The invitation's attempt if it is open, or why not.
async fn open_attempt(state: &AppState, inv: &InvitationRow) -> Result<AttemptRow, AppError> {
    let attempt = current_attempt(state, inv)
        .await?
        .ok_or_else(|| AppError::BadRequest("Start the quiz first.".into()))?;
    match status_of(&attempt) {
        AttemptStatus::InProgress => Ok(attempt),
        AttemptStatus::TimedOut => Err(AppError::TimeUp),
        _ => Err(AppError::AlreadySubmitted),
    }
}

/// Check one answer against its question and store it if the attempt is
/// still open. Returns the stored option indexes; `TimeUp` if closed.
async fn save_one(
    state: &AppState,
    attempt: &AttemptRow,
    items: &[ItemRow],
    position: u32,
    selected: &[u32],
) -> Result<Vec<u32>, AppError> {
    let item = items
        .get(position as usize)
        .ok_or_else(|| AppError::BadRequest("There is no such question in this quiz.".into()))?;
    let questions = questions(state, &attempt.id, std::slice::from_ref(item)).await?;
    let q = questions
        .get(&item.question_hash)
        .ok_or(AppError::Internal)?;
    let order = option_order(item)?;

    let mut indexes = selected.to_vec();
    indexes.sort_unstable();
    indexes.dedup();
    if indexes.len() != selected.len() || indexes.iter().any(|&i| i as usize >= order.len()) {
        return Err(AppError::BadRequest(
            "That answer does not match the question's options.".into(),
        ));
    }
    if q.kind != QuestionKind::Multiple && indexes.len() > 1 {
        return Err(AppError::BadRequest(
            "This question takes one answer.".into(),
        ));
    }
    let ids: Vec<&String> = indexes.iter().map(|&i| &order[i as usize]).collect();
    let stored = if ids.is_empty() {
        None
    } else {
        Some(serde_json::to_string(&ids).map_err(|e| AppError::internal("encoding an answer", e))?)
    };
    let outcome = state
        .db
        .save_answer(
            &attempt.id,
            item.position,
            stored.as_deref(),
            state.clock.now_ms(),
            GRACE_MS,
        )
        .await
        .map_err(internal("saving an answer"))?;
    match outcome {
        SaveOutcome::Saved => Ok(indexes),
        SaveOutcome::Closed => {
            super::audit::event(
                super::audit::Event::LateSubmission,
                super::http::respond::client_addr(),
                &[("attempt", &attempt.id), ("what", "answer")],
            );
            Err(AppError::TimeUp)
        }
    }
}

/// Submit the attempt after applying the answers still pending in the
/// browser. Submitting a final attempt again answers the same.
pub async fn submit(
    state: &AppState,
    inv: &InvitationRow,
    pending: Vec<PendingAnswer>,
) -> Result<Finished, AppError> {
    let attempt = current_attempt(state, inv)
        .await?
        .ok_or_else(|| AppError::BadRequest("Start the quiz first.".into()))?;
    if status_of(&attempt) == AttemptStatus::InProgress {
        if pending.len() > 200 {
            return Err(AppError::BadRequest(
                "Too many answers in one request.".into(),
            ));
        }
        let items = state
            .db
            .items(&attempt.id)
            .await
            .map_err(internal("loading items"))?;
        for p in &pending {
            match save_one(state, &attempt, &items, p.position, &p.selected).await {
                // One malformed or late answer must not block the others or
                // the submission itself.
                Ok(_) | Err(AppError::BadRequest(_)) | Err(AppError::TimeUp) => {}
                Err(e) => return Err(e),
            }
        }
        let late = state.clock.now_ms() > attempt.deadline_at + GRACE_MS;
        let status = if late {
            AttemptStatus::TimedOut
        } else {
            AttemptStatus::Submitted
        };
        if late {
            super::audit::event(
                super::audit::Event::LateSubmission,
                super::http::respond::client_addr(),
                &[("attempt", &attempt.id), ("what", "submit")],
            );
        }
        finalize(state, &attempt, status).await?;
    } else {
        super::audit::event(
            super::audit::Event::ReplayedSubmission,
            super::http::respond::client_addr(),
            &[("attempt", &attempt.id), ("status", &attempt.status)],
        );
    }
    finished(state, inv).await
}

/// The candidate's view of a finished attempt.
pub async fn finished(state: &AppState, inv: &InvitationRow) -> Result<Finished, AppError> {
    let attempt = current_attempt(state, inv)
        .await?
        .ok_or_else(|| AppError::BadRequest("Start the quiz first.".into()))?;
    let items = state
        .db
        .items(&attempt.id)
        .await
        .map_err(internal("loading items"))?;
    Ok(Finished {
        status: status_of(&attempt),
        answered: items.iter().filter(|i| i.selected.is_some()).count() as u32,
        question_count: items.len() as u32,
    })
}

/// Score an open attempt from its saved answers and mark it final. A no-op
/// if it is already final.
pub async fn finalize(
    state: &AppState,
    attempt: &AttemptRow,
    status: AttemptStatus,
) -> Result<(), AppError> {
    // The questions first (they never change), so the lock below is held
    // for as short a time as possible and needs no other connection.
    let drawn = state
        .db
        .items(&attempt.id)
        .await
        .map_err(internal("loading items"))?;
    let questions = questions(state, &attempt.id, &drawn).await?;
    // The attempt stays locked from here to `finish`: an answer acknowledged
    // before is in the score, one sent after is refused (the attempt is
    // closed). Another request that got here first leaves nothing to do.
    let Some(mut locked) = state
        .db
        .begin_finalize(&attempt.id)
        .await
        .map_err(internal("locking an attempt to finalize"))?
    else {
        return Ok(());
    };
    let items = locked.items().await.map_err(internal("loading items"))?;
    let attempt_scoring: AttemptScoring = serde_json::from_str(&attempt.policy)
        .map_err(|e| AppError::internal("decoding a scoring policy", e))?;
    let (model, item_models) = match (attempt_scoring.model, attempt_scoring.items) {
        (Some(m), Some(i)) if i.len() == items.len() => (m, i),
        // Started before models were stored: the authored levels' model.
        _ => legacy_model(state, attempt, &items, &questions, &attempt_scoring.policy)?,
    };
    let mut answers = Vec::with_capacity(items.len());
    for it in &items {
        answers.push(selected_ids(it)?);
    }
    let answered: Vec<bool> = answers
        .iter()
        .map(|a| a.as_ref().is_some_and(|s| !s.is_empty()))
        .collect();
    let unreached = scoring::not_reached(&answered, status == AttemptStatus::TimedOut);
    let mut responses = Vec::with_capacity(items.len());
    for (((it, sel), item), &nr) in items.iter().zip(&answers).zip(&item_models).zip(&unreached) {
        let q = questions.get(&it.question_hash).ok_or(AppError::Internal)?;
        responses.push(Response {
            question: &q.content,
            selected: sel.as_deref(),
            scored: it.scored,
            reached: !nr,
            item: *item,
        });
    }
    let report = scoring::score(&responses, attempt_scoring.policy.multiple, &model);
    let json =
        serde_json::to_string(&report).map_err(|e| AppError::internal("encoding a report", e))?;
    let now = state.clock.now_ms();
    // A candidate's own submit is stamped now; a timed-out attempt ends at
    // its deadline.
    let finished_at = match status {
        AttemptStatus::TimedOut => attempt.deadline_at,
        _ => now,
    };
    locked
        .finish(
            status.as_str(),
            finished_at,
            report.total.points,
            report.total.max,
            &json,
        )
        .await
        .map_err(internal("finalizing an attempt"))?;
    Ok(())
}

/// The model of an attempt stored before models were: the authored levels'
/// model of its quiz in the current bank, or of the ladder alone if the quiz
/// is gone.
fn legacy_model(
    state: &AppState,
    attempt: &AttemptRow,
    items: &[ItemRow],
    questions: &HashMap<String, Arc<Question>>,
    policy: &crate::server::bank::ScoringPolicy,
) -> Result<(scoring::irt::ScoringModel, Vec<scoring::irt::ItemModel>), AppError> {
    let none = scoring::Calibration::new();
    let model = match state.bank.quiz(&attempt.quiz_id) {
        Some(quiz) => scoring::quiz_model(&state.bank, quiz, &none)
            .map_err(|e| AppError::internal("computing a legacy scoring model", e))?,
        None => {
            return Err(AppError::internal(
                "scoring an attempt of a removed quiz",
                "no model stored",
            ))
        }
    };
    let mut models = Vec::with_capacity(items.len());
    for it in items {
        let q = questions.get(&it.question_hash).ok_or(AppError::Internal)?;
        models.push(scoring::item_model(
            q,
            &it.question_hash,
            &none,
            policy.multiple,
            &model.scale,
        ));
    }
    Ok((model, models))
}

/// Finalize every attempt whose time is over. Safe to run on several
/// servers at once: finalizing is conditional on the attempt being open.
pub async fn sweep(state: &AppState) -> Result<usize, AppError> {
    Ok(sweep_report(state).await?.finalized)
}

/// What one sweep did: attempts finalized, and attempts that failed (each
/// logged, and tried again at the next sweep; one never stops the others).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub finalized: usize,
    pub failed: usize,
}

/// Finalize the overdue attempts, oldest first, at most 500 a sweep.
pub async fn sweep_report(state: &AppState) -> Result<SweepReport, AppError> {
    let ids = state
        .db
        .overdue_attempts(state.clock.now_ms(), GRACE_MS, 500)
        .await
        .map_err(internal("listing overdue attempts"))?;
    let mut report = SweepReport::default();
    for id in ids {
        let outcome = match state.db.attempt(&id).await {
            Ok(Some(a)) => finalize(state, &a, AttemptStatus::TimedOut)
                .await
                .map(|()| true),
            Ok(None) => Ok(false),
            Err(e) => Err(AppError::internal("loading an overdue attempt", e)),
        };
        match outcome {
            Ok(true) => report.finalized += 1,
            Ok(false) => {}
            Err(_) => {
                // The cause is logged where it happened.
                tracing::error!(attempt = %id, "an overdue attempt could not be finalized; it is tried again at the next sweep");
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

// ---- the candidate's session ----------------------------------------------
//
// The link's token is a credential only once: Start (a POST) checks it and
// exchanges it for a random session whose cookie is HttpOnly, SameSite=Strict
// and, over HTTPS, `__Host-` prefixed and Secure. Every later request of the
// attempt is authorized by that session, never by the token. Opening the link
// again (another tab or device, cleared cookies) and pressing Start joins the
// same attempt with a new session; the earlier sessions keep working (a
// candidate who moves from a laptop to a phone is not cut off, and whoever
// else holds the link cannot lock the candidate out). Each join is recorded as
// integrity evidence for the recruiter, who can revoke the invitation: its
// link and every session of it stop at once.

/// The session cookie's name over plain HTTP (local use).
pub const SESSION_COOKIE: &str = "rung_attempt";
/// Its name over HTTPS: the prefix makes browsers refuse it unless it is
/// Secure, has Path=/ and no Domain (so no sibling subdomain can plant it).
pub const SECURE_SESSION_COOKIE: &str = "__Host-rung_attempt";
/// How long after the deadline a session may still show the thank-you page.
const SESSION_AFTER_DEADLINE_MS: i64 = 2 * 60 * 60 * 1000;
const MAX_AGENT: usize = 300;
/// At most this many events per invitation are recorded from the page.
const MAX_EVENTS: i64 = 300;

/// The client of a request, as integrity evidence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub addr: String,
    pub agent: String,
}

impl ClientInfo {
    pub fn new(addr: Option<std::net::IpAddr>, agent: Option<&str>) -> Self {
        let mut agent = agent.unwrap_or("").to_string();
        if agent.len() > MAX_AGENT {
            let mut cut = MAX_AGENT;
            while !agent.is_char_boundary(cut) {
                cut -= 1;
            }
            agent.truncate(cut);
        }
        ClientInfo {
            addr: addr.map(|a| a.to_string()).unwrap_or_default(),
            agent,
        }
    }
}

pub fn session_cookie_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies() {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

fn session_cookie(
    state: &AppState,
    value: String,
    max_age_ms: i64,
) -> axum_extra::extract::cookie::Cookie<'static> {
    use axum_extra::extract::cookie::{Cookie, SameSite};
    Cookie::build((session_cookie_name(state), value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.secure_cookies())
        .path("/")
        .max_age(cookie::time::Duration::seconds((max_age_ms / 1000).max(0)))
        .build()
}

async fn log_event(state: &AppState, invitation_id: &str, kind: &str, detail: serde_json::Value) {
    // Evidence is worth keeping, but never worth failing the candidate's
    // request for.
    if let Err(e) = state
        .db
        .insert_event(
            invitation_id,
            state.clock.now_ms(),
            kind,
            &detail.to_string(),
        )
        .await
    {
        tracing::warn!(error = %e, kind, "recording an attempt event");
    }
}

/// Start (or rejoin) the attempt of a link: the token is checked, the
/// attempt started if it was not, and a new session opened. Returns the
/// new session's cookie, or `None` when this browser already holds a live
/// session of the same invitation (pressing Resume again is no new session).
pub async fn start_session(
    state: &AppState,
    token: &str,
    existing: Option<&str>,
    client: &ClientInfo,
) -> Result<Option<axum_extra::extract::cookie::Cookie<'static>>, AppError> {
    let inv = invitation(state, token).await?;
    let attempt = begin(state, &inv).await?;
    let now = state.clock.now_ms();
    if let Some(value) = existing.filter(|v| !v.is_empty() && v.len() <= 128) {
        let held = state
            .db
            .attempt_session(&super::auth::sha256_hex(value), now)
            .await
            .map_err(internal("loading a candidate session"))?;
        if held.is_some_and(|(_, held)| held.id == inv.id) {
            return Ok(None);
        }
    }
    let (value, token_hash) = super::auth::new_session_token();
    let expires_at = attempt.deadline_at + GRACE_MS + SESSION_AFTER_DEADLINE_MS;
    let number = state
        .db
        .insert_attempt_session(&super::db::AttemptSessionRow {
            token_hash,
            invitation_id: inv.id.clone(),
            created_at: now,
            expires_at,
            last_addr: client.addr.clone(),
            last_agent: client.agent.clone(),
        })
        .await
        .map_err(internal("opening a candidate session"))?;
    let kind = if number == 1 {
        "session_started"
    } else {
        "session_joined"
    };
    log_event(
        state,
        &inv.id,
        kind,
        serde_json::json!({ "session": number, "addr": client.addr, "agent": client.agent }),
    )
    .await;
    Ok(Some(session_cookie(state, value, expires_at - now)))
}

/// The invitation of the request's candidate session, or why there is
/// none. A change of client address or browser since the session's last
/// request is recorded.
pub async fn session(
    state: &AppState,
    cookie_value: Option<&str>,
    client: &ClientInfo,
) -> Result<InvitationRow, AppError> {
    let value = cookie_value
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .ok_or(AppError::NoSession)?;
    let (s, inv) = state
        .db
        .attempt_session(&super::auth::sha256_hex(value), state.clock.now_ms())
        .await
        .map_err(internal("loading a candidate session"))?
        .ok_or(AppError::NoSession)?;
    if inv.revoked_at.is_some() {
        return Err(AppError::Revoked);
    }
    if s.last_addr != client.addr || s.last_agent != client.agent {
        log_event(
            state,
            &inv.id,
            "client_changed",
            serde_json::json!({
                "from_addr": s.last_addr, "to_addr": client.addr,
                "from_agent": s.last_agent, "to_agent": client.agent,
            }),
        )
        .await;
        state
            .db
            .touch_attempt_session(&s.token_hash, &client.addr, &client.agent)
            .await
            .map_err(internal("updating a candidate session"))?;
    }
    Ok(inv)
}

/// What the candidate's browser may report about itself (JavaScript only):
/// the page hidden or unfocused, and for how long; a paste into the quiz.
pub async fn report(
    state: &AppState,
    inv: &InvitationRow,
    kind: &str,
    duration_ms: Option<u32>,
) -> Result<(), AppError> {
    let kind = match kind {
        "hidden" => "page_hidden",
        "blur" => "focus_lost",
        "paste" => "paste",
        _ => return Err(AppError::BadRequest("Unknown event.".into())),
    };
    // Only during the attempt: a finished one takes no more evidence.
    open_attempt(state, inv).await?;
    // A page cannot flood the recruiter's timeline.
    let logged = state
        .db
        .event_count(&inv.id)
        .await
        .map_err(internal("counting events"))?;
    if logged >= MAX_EVENTS {
        return Ok(());
    }
    let detail = match duration_ms {
        Some(ms) => serde_json::json!({ "duration_ms": ms }),
        None => serde_json::json!({}),
    };
    log_event(state, &inv.id, kind, detail).await;
    Ok(())
}

/// Revoke an invitation: its link and every session of it stop at once.
/// An attempt under way keeps its saved answers and is finalized at its
/// deadline as usual.
pub async fn revoke(
    state: &AppState,
    invitation_id: &str,
    by: super::recruiting::Actor<'_>,
) -> Result<(), AppError> {
    let done = state
        .db
        .revoke_invitation(invitation_id, state.clock.now_ms())
        .await
        .map_err(internal("revoking an invitation"))?;
    if !done {
        return match state
            .db
            .invitation(invitation_id)
            .await
            .map_err(internal("loading an invitation"))?
        {
            Some(_) => Ok(()),
            None => Err(AppError::NotFound("There is no such invitation.".into())),
        };
    }
    log_event(
        state,
        invitation_id,
        "revoked",
        serde_json::json!({ "by": by.label() }),
    )
    .await;
    super::audit::event(
        super::audit::Event::Revoked,
        super::http::respond::client_addr(),
        &[
            ("invitation", invitation_id),
            ("by", by.recruiter_id().unwrap_or("operator")),
        ],
    );
    Ok(())
}
