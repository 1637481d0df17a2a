//! Calibration and item analysis over the stored attempts: loads what the
//! pure modules (`scoring::calibrate`, `scoring::items`) need.

use super::bank::MultiplePolicy;
use super::bank::{Question, QuestionContent};
use super::db::{CalibrationRow, DbError};
use super::scoring::calibrate::{self, CalibrationResult, ItemInfo};
use super::scoring::items::{self, Attempt, ItemStats, QuizReliability, Served};
use super::scoring::{self, credit, AttemptScoring, CalibratedScale};
use super::state::AppState;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error("{0}")]
    Db(#[from] DbError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// A finished attempt's served questions, with credits recomputed under the
/// attempt's own policy (pilot questions included).
pub struct Finished {
    pub quiz_id: String,
    /// The version of the quiz definition the attempt followed.
    pub quiz_hash: String,
    pub items: Vec<Answered>,
    pub scoring: AttemptScoring,
}

/// One served question of a finished attempt.
pub struct Answered {
    pub question: Arc<Question>,
    pub scored: bool,
    pub selected: Option<Vec<String>>,
    pub credit: f64,
    /// False for a question the candidate never reached before time ran out.
    pub reached: bool,
}

pub async fn finished_attempts(state: &AppState) -> Result<Vec<Finished>, AnalysisError> {
    let rows = state.db.finished_items().await?;
    let mut hashes: Vec<String> = rows.iter().map(|r| r.question_hash.clone()).collect();
    hashes.sort();
    hashes.dedup();
    let mut questions: HashMap<String, Arc<Question>> = HashMap::new();
    for (hash, json) in state.db.versions(&hashes).await? {
        let content: QuestionContent = serde_json::from_str(&json)
            .map_err(|e| AnalysisError::Corrupt(format!("question {hash}: {e}")))?;
        questions.insert(hash, Arc::new(Question::new(content, None)));
    }
    let mut out: Vec<Finished> = Vec::new();
    let mut timed_out: Vec<bool> = Vec::new();
    let mut current = String::new();
    for r in rows {
        if r.attempt_id != current {
            current = r.attempt_id.clone();
            let scoring: AttemptScoring = serde_json::from_str(&r.policy)
                .map_err(|e| AnalysisError::Corrupt(format!("attempt {}: {e}", r.attempt_id)))?;
            out.push(Finished {
                quiz_id: r.quiz_id.clone(),
                quiz_hash: r.quiz_hash.clone(),
                items: Vec::new(),
                scoring,
            });
            timed_out.push(r.status == crate::domain::AttemptStatus::TimedOut.as_str());
        }
        let q = questions.get(&r.question_hash).cloned().ok_or_else(|| {
            AnalysisError::Corrupt(format!("missing question version {}", r.question_hash))
        })?;
        let selected: Option<Vec<String>> = r
            .selected
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| AnalysisError::Corrupt(format!("answer: {e}")))?;
        let Some(attempt) = out.last_mut() else {
            continue;
        };
        let c = credit(&q, selected.as_deref(), attempt.scoring.policy.multiple);
        attempt.items.push(Answered {
            question: q,
            scored: r.scored,
            selected,
            credit: c,
            reached: true,
        });
    }
    for (attempt, &late) in out.iter_mut().zip(&timed_out) {
        let answered: Vec<bool> = attempt
            .items
            .iter()
            .map(|a| a.selected.as_ref().is_some_and(|s| !s.is_empty()))
            .collect();
        for (item, nr) in attempt
            .items
            .iter_mut()
            .zip(scoring::not_reached(&answered, late))
        {
            item.reached = !nr;
        }
    }
    Ok(out)
}

/// A calibration over every finished attempt.
pub struct CalibrationRun {
    pub result: CalibrationResult,
    /// Question id, authored level and scoring policy by calibration key.
    pub questions: HashMap<String, CalibratedItem>,
}

pub struct CalibratedItem {
    pub hash: String,
    pub question_id: String,
    pub level: u8,
    pub policy: MultiplePolicy,
}

/// The calibration key of a question version under a scoring policy: the
/// same version scored all-or-nothing and with partial credit is two items
/// with different difficulties and guessing floors.
fn key(hash: &str, policy: MultiplePolicy) -> String {
    match policy {
        MultiplePolicy::AllOrNothing => hash.to_string(),
        MultiplePolicy::Partial => format!("{hash}:partial"),
    }
}

pub async fn calibrate(
    state: &AppState,
    min_responses: usize,
) -> Result<CalibrationRun, AnalysisError> {
    let attempts = finished_attempts(state).await?;
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut infos: Vec<ItemInfo> = Vec::new();
    let mut questions = HashMap::new();
    let mut persons = Vec::with_capacity(attempts.len());
    for a in &attempts {
        let policy = a.scoring.policy.multiple;
        let mut responses = Vec::with_capacity(a.items.len());
        for Answered {
            question: q,
            credit: c,
            reached,
            ..
        } in &a.items
        {
            // Not reached is not an answer.
            if !reached {
                continue;
            }
            let k = key(&q.hash, policy);
            let i = *index.entry(k.clone()).or_insert_with(|| {
                infos.push(ItemInfo {
                    key: k.clone(),
                    guessing: scoring::guessing_floor(q, policy),
                    level: q.level.get(),
                });
                questions.insert(
                    k.clone(),
                    CalibratedItem {
                        hash: q.hash.clone(),
                        question_id: q.id.clone(),
                        level: q.level.get(),
                        policy,
                    },
                );
                infos.len() - 1
            });
            responses.push((i, *c));
        }
        persons.push(responses);
    }
    let top = state.bank.ladder.top();
    Ok(CalibrationRun {
        result: calibrate::calibrate(&infos, &persons, min_responses, top),
        questions,
    })
}

/// Store a calibration: scoring uses it from the next attempt on.
pub async fn store(state: &AppState, run: &CalibrationRun) -> Result<(), AnalysisError> {
    let mut rows = Vec::new();
    for e in &run.result.items {
        let Some(q) = run.questions.get(&e.key) else {
            continue;
        };
        rows.push(CalibrationRow {
            question_hash: q.hash.clone(),
            multiple_policy: match q.policy {
                MultiplePolicy::AllOrNothing => "all_or_nothing".into(),
                MultiplePolicy::Partial => "partial".into(),
            },
            question_id: q.question_id.clone(),
            difficulty: e.difficulty,
            standard_error: e.standard_error,
            responses: e.responses as i64,
            infit: e.infit,
            outfit: e.outfit,
        });
    }
    let s = run.result.scale;
    let scale = CalibratedScale {
        spacing: s.spacing,
        spacing_se: s.spacing_se,
        spread: s.spread,
    };
    state
        .db
        .store_calibration(
            &scale,
            run.result.persons as i64,
            &rows,
            state.clock.now_ms(),
        )
        .await?;
    Ok(())
}

/// Item statistics and per-quiz reliability over every finished attempt.
pub async fn item_analysis(
    state: &AppState,
) -> Result<(Vec<ItemStats>, Vec<QuizReliability>), AnalysisError> {
    let attempts: Vec<Attempt> = finished_attempts(state)
        .await?
        .into_iter()
        .map(|a| Attempt {
            quiz_id: a.quiz_id,
            quiz_version: a.quiz_hash,
            items: a
                .items
                .into_iter()
                .map(|a| Served {
                    hash: a.question.hash.clone(),
                    question_id: a.question.id.clone(),
                    cell: format!("{}/{}", a.question.topic, a.question.level),
                    scored: a.scored,
                    credit: a.credit,
                    selected: a.selected,
                    options: a
                        .question
                        .options
                        .iter()
                        .map(|o| (o.id.clone(), o.correct))
                        .collect(),
                })
                .collect(),
        })
        .collect();
    Ok((items::item_stats(&attempts), items::reliability(&attempts)))
}
