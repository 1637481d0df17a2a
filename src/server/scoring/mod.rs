//! Scoring: credit per question, breakdowns per topic and level, and the
//! level verdict. Pure: no web or database code.

pub mod calibrate;
pub mod credit;
pub mod irt;
pub mod items;
pub mod simulate;

pub use credit::credit;

use crate::domain::report::Verdict;
use crate::domain::{Level, QuestionKind};
use crate::server::bank::{Bank, MultiplePolicy, QuestionContent, QuizContent, ScoringPolicy};
use irt::{CutError, ItemModel, Observation, Scale, Scorer, ScoringModel};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A calibrated question version: its difficulty and standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ItemCalibration {
    pub difficulty: f64,
    pub standard_error: f64,
}

/// The spacing and spread of the levels as a calibration measured them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibratedScale {
    pub spacing: f64,
    pub spacing_se: f64,
    pub spread: f64,
}

/// What `rung calibrate` stored: the scale and, per question version and
/// scoring policy of select-all questions, a difficulty.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Calibration {
    pub scale: Option<CalibratedScale>,
    pub items: HashMap<(String, MultiplePolicy), ItemCalibration>,
}

impl Calibration {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.scale.is_none() && self.items.is_empty()
    }

    /// The scale questions are placed on for a ladder measuring 1 to `top`.
    pub fn scale(&self, top: u8) -> Scale {
        match self.scale {
            Some(c) => Scale::estimated(c.spacing, c.spacing_se, c.spread, top),
            None => Scale::authored(top),
        }
    }
}

/// The chance of a right answer by picking at random.
///
/// single and true/false: one of k options. multiple, all-or-nothing: one of
/// the 2^k − 1 non-empty subsets. multiple, partial credit: the expected
/// credit of a uniformly random non-empty subset.
pub fn guessing_floor(q: &QuestionContent, policy: MultiplePolicy) -> f64 {
    let k = q.options.len().max(1);
    match q.kind {
        QuestionKind::Single | QuestionKind::TrueFalse => 1.0 / k as f64,
        QuestionKind::Multiple => {
            let subsets = (1u32 << k.min(16)) - 1;
            match policy {
                MultiplePolicy::AllOrNothing => 1.0 / f64::from(subsets),
                MultiplePolicy::Partial => {
                    let m = q.correct_count().max(1);
                    let mut total = 0.0;
                    for s in 1..=subsets {
                        let right = (0..k)
                            .filter(|&i| s & (1 << i) != 0 && q.options[i].correct)
                            .count();
                        let wrong = (s.count_ones() as usize) - right;
                        total += ((right as f64 - wrong as f64) / m as f64).clamp(0.0, 1.0);
                    }
                    total / f64::from(subsets)
                }
            }
        }
    }
}

/// The model of a question: its calibrated difficulty if it has one under
/// this policy, else its authored level's place on the scale; the guessing
/// floor of its format under the quiz's policy.
pub fn item_model(
    q: &QuestionContent,
    hash: &str,
    calibration: &Calibration,
    policy: MultiplePolicy,
    scale: &Scale,
) -> ItemModel {
    let guessing = guessing_floor(q, policy);
    match calibration.items.get(&(hash.to_string(), policy)) {
        Some(c) => ItemModel {
            level: q.level.get(),
            difficulty: Some(c.difficulty),
            uncertainty: c.standard_error,
            guessing,
        },
        None => ItemModel::authored(q.level.get(), guessing, scale),
    }
}

/// The scoring model of a quiz: the scale of the calibration (or of the
/// authored levels), and the cut points from the quiz's thresholds and, per
/// level, the questions it can draw there (all the bank's questions of the
/// level when it draws none there).
pub fn quiz_model(
    bank: &Bank,
    quiz: &QuizContent,
    calibration: &Calibration,
) -> Result<ScoringModel, CutError> {
    let top = bank.ladder.top();
    let scale = calibration.scale(top);
    let mut typical: Vec<Vec<ItemModel>> = Vec::new();
    for level in Level::up_to(top) {
        let drawn: Vec<&str> = quiz
            .draws
            .iter()
            .filter(|d| d.level == level)
            .map(|d| d.topic.as_str())
            .collect();
        let items: Vec<ItemModel> = bank
            .questions
            .iter()
            .filter(|q| q.level == level && (drawn.is_empty() || drawn.contains(&q.topic.as_str())))
            .map(|q| item_model(q, &q.hash, calibration, quiz.scoring.multiple, &scale))
            .collect();
        typical.push(items);
    }
    // A level without questions in the bank takes a typical authored one.
    for (i, items) in typical.iter_mut().enumerate() {
        if items.is_empty() {
            items.push(ItemModel::authored(i as u8 + 1, 0.25, &scale));
        }
    }
    ScoringModel::new(
        scale,
        &quiz.scoring.thresholds,
        &typical,
        bank.ladder.open_top(),
    )
}

/// The model a new attempt of `quiz` is scored against. A calibration that
/// puts a level's questions, on average, below the level under it would
/// give levels out of order; rather than refuse candidates, the attempt
/// then uses the authored levels' model, and the calibration's problem is
/// returned so that it can be reported. The authored model fails only on
/// thresholds the linter rejects.
pub fn attempt_model(
    bank: &Bank,
    quiz: &QuizContent,
    calibration: &Calibration,
) -> Result<(ScoringModel, Calibration, Option<CutError>), CutError> {
    match quiz_model(bank, quiz, calibration) {
        Ok(model) => Ok((model, calibration.clone(), None)),
        Err(problem) if !calibration.is_empty() => {
            let authored = quiz_model(bank, quiz, &Calibration::new())?;
            Ok((authored, Calibration::new(), Some(problem)))
        }
        Err(e) => Err(e),
    }
}

/// What an attempt is scored with, fixed when it starts: the quiz's policy,
/// the scale and cut points, and the model of every served question (in
/// form order). A calibration stored while the attempt runs changes none of
/// them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptScoring {
    pub policy: ScoringPolicy,
    /// Absent in attempts started before models were stored: those are
    /// scored with the authored levels' model of the current bank.
    #[serde(default)]
    pub model: Option<ScoringModel>,
    #[serde(default)]
    pub items: Option<Vec<ItemModel>>,
}

/// One served question with the candidate's answer.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    pub question: &'a QuestionContent,
    /// Chosen option ids; `None` when unanswered.
    pub selected: Option<&'a [String]>,
    /// Pilot questions are recorded but not scored.
    pub scored: bool,
    /// False for a question the candidate never reached before time ran
    /// out: left out of the verdict and of the points, not counted wrong.
    pub reached: bool,
    pub item: ItemModel,
}

/// Which served questions were not reached: when time ran out, the
/// unanswered questions after the last answered one (in the order they
/// were served). A candidate who submits has reached every question.
pub fn not_reached(answered: &[bool], timed_out: bool) -> Vec<bool> {
    let mut out = vec![false; answered.len()];
    if timed_out {
        let last = answered.iter().rposition(|&a| a);
        let from = last.map_or(0, |l| l + 1);
        for v in out.iter_mut().skip(from) {
            *v = true;
        }
    }
    out
}

/// Points and maximum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub points: f64,
    pub max: f64,
    pub answered: u32,
    pub questions: u32,
    /// Served but not reached (not in `max`).
    #[serde(default)]
    pub not_reached: u32,
}

impl Tally {
    fn add(&mut self, points: f64, answered: bool, reached: bool) {
        self.questions += 1;
        if !reached {
            self.not_reached += 1;
            return;
        }
        self.points += points;
        self.max += 1.0;
        self.answered += u32::from(answered);
    }

    pub fn fraction(&self) -> f64 {
        if self.max > 0.0 {
            self.points / self.max
        } else {
            0.0
        }
    }
}

/// The result of an attempt, stored with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreReport {
    pub total: Tally,
    pub by_topic: BTreeMap<String, Tally>,
    /// Index 0 = level 1.
    pub by_level: Vec<Tally>,
    /// Per served question, in form order: the credit earned (None for
    /// unscored pilot questions and questions not reached).
    pub items: Vec<Option<f64>>,
    /// The model each question was scored with.
    #[serde(default)]
    pub models: Vec<Option<ItemModel>>,
    pub verdict: Verdict,
}

pub fn score(
    responses: &[Response<'_>],
    multiple: MultiplePolicy,
    model: &ScoringModel,
) -> ScoreReport {
    score_with(responses, multiple, &Scorer::new(model))
}

/// `score` with a scorer that may be reused (its item curves are cached).
pub fn score_with(
    responses: &[Response<'_>],
    multiple: MultiplePolicy,
    scorer: &Scorer<'_>,
) -> ScoreReport {
    let mut total = Tally::default();
    let mut by_topic: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_level = vec![Tally::default(); scorer.model.top()];
    let mut items = Vec::with_capacity(responses.len());
    let mut observations = Vec::with_capacity(responses.len());
    let mut not_reached = 0;
    for r in responses {
        if !r.scored {
            items.push(None);
            continue;
        }
        let c = credit(r.question, r.selected, multiple);
        let answered = r.selected.is_some_and(|s| !s.is_empty());
        total.add(c, answered, r.reached);
        by_topic
            .entry(r.question.topic.clone())
            .or_default()
            .add(c, answered, r.reached);
        if let Some(t) = by_level.get_mut(r.question.level.index()) {
            t.add(c, answered, r.reached);
        }
        if !r.reached {
            not_reached += 1;
            items.push(None);
            continue;
        }
        items.push(Some(c));
        observations.push(Observation {
            item: r.item,
            credit: c,
        });
    }
    let mut verdict = scorer.verdict(&observations);
    verdict.not_reached = not_reached;
    ScoreReport {
        total,
        by_topic,
        by_level,
        items,
        models: responses
            .iter()
            .map(|r| r.scored.then_some(r.item))
            .collect(),
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::bank::model::OptionContent;

    fn q(level: u8, topic: &str) -> QuestionContent {
        QuestionContent {
            id: format!("q{level}{topic}"),
            topic: topic.into(),
            level: Level::new(i64::from(level)).unwrap(),
            kind: QuestionKind::Single,
            prompt: "?".into(),
            options: ["a", "b", "c", "d"]
                .iter()
                .map(|id| OptionContent {
                    id: id.to_string(),
                    text: id.to_string(),
                    correct: *id == "a",
                    pinned: false,
                })
                .collect(),
            explanation: String::new(),
            references: vec![],
            tags: vec![],
        }
    }

    fn shipped() -> crate::server::bank::Loaded {
        crate::server::bank::load_dir(std::path::Path::new("quizzes"))
    }

    #[test]
    fn a_calibration_that_unorders_the_levels_falls_back_to_the_authored_model() {
        let loaded = shipped();
        let bank = &loaded.bank;
        let quiz = bank.quiz("standard").unwrap();
        let authored = quiz_model(bank, quiz, &Calibration::new()).unwrap();
        let p = quiz.scoring.multiple;

        // A calibration that keeps the order is used as it is.
        let mut shift = Calibration::new();
        shift.scale = Some(CalibratedScale {
            spacing: 1.0,
            spacing_se: 0.05,
            spread: 0.5,
        });
        let (model, used, problem) = attempt_model(bank, quiz, &shift).unwrap();
        assert!(problem.is_none());
        assert_eq!(used, shift);
        assert_ne!(model, authored);

        // One that measures the top level easier than the one below is not.
        let mut inverted = Calibration::new();
        let top = bank.ladder.top();
        for q in bank.questions.iter().filter(|q| q.level.get() == top) {
            inverted.items.insert(
                (q.hash.clone(), p),
                ItemCalibration {
                    difficulty: -6.0,
                    standard_error: 0.2,
                },
            );
        }
        assert!(quiz_model(bank, quiz, &inverted).is_err());
        let (model, used, problem) = attempt_model(bank, quiz, &inverted).unwrap();
        assert_eq!(model, authored);
        assert!(used.is_empty());
        assert_eq!(
            problem.unwrap().to_string(),
            format!(
                "the thresholds make level {top} start below level {}",
                top - 1
            )
        );
    }

    fn model() -> ScoringModel {
        let scale = Scale::authored(4);
        let typical: Vec<Vec<ItemModel>> = (1..=4)
            .map(|l| vec![ItemModel::authored(l, 0.25, &scale)])
            .collect();
        ScoringModel::new(scale, &[0.7; 4], &typical, true).unwrap()
    }

    #[test]
    fn pilot_questions_are_not_scored_and_unanswered_counts_as_wrong() {
        let q1 = q(3, "authn");
        let right = vec!["a".to_string()];
        let m = model();
        let item = item_model(
            &q1,
            "h",
            &Calibration::new(),
            MultiplePolicy::AllOrNothing,
            &m.scale,
        );
        let r = |selected, scored| Response {
            question: &q1,
            selected,
            scored,
            reached: true,
            item,
        };
        let responses = [
            r(Some(right.as_slice()), true),
            r(None, true),
            r(Some(right.as_slice()), false),
        ];
        let r = score(&responses, MultiplePolicy::AllOrNothing, &m);
        assert_eq!(r.total.points, 1.0);
        assert_eq!(r.total.max, 2.0);
        assert_eq!(r.total.answered, 1);
        assert_eq!(r.by_level[2].max, 2.0);
        assert_eq!(r.by_topic["authn"].points, 1.0);
        assert_eq!(r.items, vec![Some(1.0), Some(0.0), None]);
        assert_eq!(r.models[0], Some(item));
        assert_eq!(r.models[2], None);
    }

    /// B4 of the scoring review: questions never reached at the deadline
    /// were scored as wrong answers. They are now left out: the verdict is
    /// the one the reached questions alone give.
    #[test]
    fn questions_not_reached_are_left_out_not_counted_wrong() {
        let m = model();
        let qs: Vec<QuestionContent> = (1..=4u8)
            .flat_map(|l| (0..6).map(move |_| q(l, "pki")))
            .collect();
        let right = vec!["a".to_string()];
        let item = |q: &QuestionContent| {
            item_model(
                q,
                "h",
                &Calibration::new(),
                MultiplePolicy::AllOrNothing,
                &m.scale,
            )
        };
        // A strong candidate: right on everything answered; ran out of time
        // with the last 8 questions (served last) untouched.
        let answered: Vec<bool> = (0..qs.len()).map(|i| i < qs.len() - 8).collect();
        let reached = not_reached(&answered, true);
        assert_eq!(reached.iter().filter(|r| **r).count(), 8);
        let responses: Vec<Response> = qs
            .iter()
            .zip(&answered)
            .zip(&reached)
            .map(|((q, &a), &nr)| Response {
                question: q,
                selected: a.then_some(right.as_slice()),
                scored: true,
                reached: !nr,
                item: item(q),
            })
            .collect();
        let with = score(&responses, MultiplePolicy::AllOrNothing, &m);
        let only_reached: Vec<Response> = responses.iter().copied().filter(|r| r.reached).collect();
        let alone = score(&only_reached, MultiplePolicy::AllOrNothing, &m);
        assert_eq!(
            with.verdict.level_probabilities,
            alone.verdict.level_probabilities
        );
        assert_eq!(with.verdict.not_reached, 8);
        assert_eq!(with.total.max, 16.0);
        assert_eq!(with.total.not_reached, 8);
        // Counted wrong, as before, the same answers look much weaker.
        let as_wrong: Vec<Response> = responses
            .iter()
            .map(|r| Response {
                reached: true,
                ..*r
            })
            .collect();
        let wrong = score(&as_wrong, MultiplePolicy::AllOrNothing, &m);
        assert!(wrong.verdict.ability < with.verdict.ability - 0.5);
        // A candidate who submits reached every question.
        assert!(not_reached(&answered, false).iter().all(|r| !r));
        assert!(not_reached(&[false, false], true).iter().all(|r| *r));
    }

    #[test]
    fn a_calibrated_difficulty_replaces_the_level_default_under_its_own_policy() {
        let q1 = q(3, "pki");
        let scale = Scale::authored(4);
        let mut cal = Calibration::new();
        cal.items.insert(
            ("h".into(), MultiplePolicy::AllOrNothing),
            ItemCalibration {
                difficulty: 0.4,
                standard_error: 0.3,
            },
        );
        let m = item_model(&q1, "h", &cal, MultiplePolicy::AllOrNothing, &scale);
        assert_eq!((m.difficulty, m.uncertainty), (Some(0.4), 0.3));
        let other = item_model(&q1, "other", &cal, MultiplePolicy::AllOrNothing, &scale);
        assert_eq!((other.difficulty, other.uncertainty), (None, scale.spread));
        // B6: the same version scored under another policy is another item.
        let partial = item_model(&q1, "h", &cal, MultiplePolicy::Partial, &scale);
        assert_eq!(partial.difficulty, None);
    }
}
