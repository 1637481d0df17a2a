//! Calibration and item analysis over the stored attempts: loads what the
//! pure modules (`scoring::calibrate`, `scoring::items`) need.

use super::bank::{Question, QuestionContent};
use super::db::{CalibrationRow, DbError};
use super::scoring::calibrate::{self, CalibrationResult, ItemInfo};
use super::scoring::items::{self, Attempt, ItemStats, QuizReliability, Served};
use super::scoring::{credit, irt, AttemptScoring};
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
    pub items: Vec<Answered>,
    pub scoring: AttemptScoring,
}

/// One served question of a finished attempt.
pub struct Answered {
    pub question: Arc<Question>,
    pub scored: bool,
    pub selected: Option<Vec<String>>,
    pub credit: f64,
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
    let mut current = String::new();
    for r in rows {
        if r.attempt_id != current {
            current = r.attempt_id.clone();
            let scoring: AttemptScoring = serde_json::from_str(&r.policy)
                .map_err(|e| AnalysisError::Corrupt(format!("attempt {}: {e}", r.attempt_id)))?;
            out.push(Finished {
                quiz_id: r.quiz_id.clone(),
                items: Vec::new(),
                scoring,
            });
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
        });
    }
    Ok(out)
}

/// A calibration over every finished attempt.
pub struct CalibrationRun {
    pub result: CalibrationResult,
    /// Question id and authored level by version hash.
    pub questions: HashMap<String, (String, u8)>,
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
        let mut responses = Vec::with_capacity(a.items.len());
        for Answered {
            question: q,
            credit: c,
            ..
        } in &a.items
        {
            let i = *index.entry(q.hash.clone()).or_insert_with(|| {
                infos.push(ItemInfo {
                    key: q.hash.clone(),
                    guessing: irt::guessing_floor(q, a.scoring.policy.multiple),
                    level_difficulty: irt::level_difficulty(q.level),
                });
                questions.insert(q.hash.clone(), (q.id.clone(), q.level.get()));
                infos.len() - 1
            });
            responses.push((i, *c));
        }
        persons.push(responses);
    }
    Ok(CalibrationRun {
        result: calibrate::calibrate(&infos, &persons, min_responses),
        questions,
    })
}

/// Store a calibration: scoring uses it from the next attempt on.
pub async fn store(state: &AppState, run: &CalibrationRun) -> Result<(), AnalysisError> {
    let rows: Vec<CalibrationRow> = run
        .result
        .items
        .iter()
        .map(|e| CalibrationRow {
            question_hash: e.key.clone(),
            question_id: run
                .questions
                .get(&e.key)
                .map(|q| q.0.clone())
                .unwrap_or_default(),
            difficulty: e.difficulty,
            standard_error: e.standard_error,
            responses: e.responses as i64,
            infit: e.infit,
            outfit: e.outfit,
        })
        .collect();
    state
        .db
        .store_calibration(&rows, state.clock.now_ms())
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
