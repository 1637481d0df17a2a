//! Scoring: credit per question, breakdowns per topic and level, and the
//! level verdict. Pure: no web or database code.

pub mod calibrate;
pub mod credit;
pub mod irt;
pub mod items;
pub mod simulate;

pub use credit::credit;

use crate::domain::report::Verdict;
use crate::domain::Level;
use crate::server::bank::{Bank, MultiplePolicy, QuestionContent, QuizContent, ScoringPolicy};
use irt::{CutError, CutPoints, ItemParams, Observation};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Calibrated difficulties by question version hash.
pub type Calibration = HashMap<String, f64>;

/// The parameters of a question: calibrated difficulty if there is one,
/// else the difficulty of its authored level; the guessing floor of its
/// format under the quiz's policy.
pub fn item_params(
    q: &QuestionContent,
    hash: &str,
    calibration: &Calibration,
    policy: MultiplePolicy,
) -> ItemParams {
    ItemParams {
        difficulty: calibration
            .get(hash)
            .copied()
            .unwrap_or_else(|| irt::level_difficulty(q.level)),
        guessing: irt::guessing_floor(q, policy),
    }
}

/// The cut points of a quiz: from its thresholds and, per level, the mean
/// parameters of the questions it can draw at that level (all the bank's
/// questions of the level when it draws none there).
pub fn quiz_cut_points(
    bank: &Bank,
    quiz: &QuizContent,
    calibration: &Calibration,
) -> Result<CutPoints, CutError> {
    let mut typical = [(0.0, 0.25); 6];
    for level in Level::all() {
        let drawn: Vec<&str> = quiz
            .draws
            .iter()
            .filter(|d| d.level == level)
            .map(|d| d.topic.as_str())
            .collect();
        let params: Vec<ItemParams> = bank
            .questions
            .iter()
            .filter(|q| q.level == level && (drawn.is_empty() || drawn.contains(&q.topic.as_str())))
            .map(|q| item_params(q, &q.hash, calibration, quiz.scoring.multiple))
            .collect();
        typical[level.index()] = if params.is_empty() {
            (irt::level_difficulty(level), 0.25)
        } else {
            let n = params.len() as f64;
            (
                params.iter().map(|p| p.difficulty).sum::<f64>() / n,
                params.iter().map(|p| p.guessing).sum::<f64>() / n,
            )
        };
    }
    irt::cut_points(&quiz.scoring.thresholds, &typical)
}

/// The cut points a new attempt of `quiz` is scored against. A calibration
/// that puts a level's questions, on average, below the level under it
/// would give levels out of order; rather than refuse candidates, the
/// attempt then uses the cut points of the authored levels, and the
/// calibration's problem is returned so that it can be reported. Authored
/// cut points fail only on thresholds the linter rejects.
pub fn attempt_cut_points(
    bank: &Bank,
    quiz: &QuizContent,
    calibration: &Calibration,
) -> Result<(CutPoints, Option<CutError>), CutError> {
    match quiz_cut_points(bank, quiz, calibration) {
        Ok(cuts) => Ok((cuts, None)),
        Err(problem) if !calibration.is_empty() => {
            let authored = quiz_cut_points(bank, quiz, &Calibration::new())?;
            Ok((authored, Some(problem)))
        }
        Err(e) => Err(e),
    }
}

/// What an attempt is scored with, fixed when it starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptScoring {
    pub policy: ScoringPolicy,
    pub cuts: CutPoints,
}

/// One served question with the candidate's answer.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    pub question: &'a QuestionContent,
    /// Chosen option ids; `None` when unanswered.
    pub selected: Option<&'a [String]>,
    /// Pilot questions are recorded but not scored.
    pub scored: bool,
    pub params: ItemParams,
}

/// Points and maximum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub points: f64,
    pub max: f64,
    pub answered: u32,
    pub questions: u32,
}

impl Tally {
    fn add(&mut self, points: f64, answered: bool) {
        self.points += points;
        self.max += 1.0;
        self.questions += 1;
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
    pub by_level: [Tally; 6],
    /// Per served question, in form order: the credit earned (None for
    /// unscored pilot questions).
    pub items: Vec<Option<f64>>,
    /// The difficulty and guessing floor each question was scored with.
    pub params: Vec<(f64, f64)>,
    pub verdict: Verdict,
}

pub fn score(responses: &[Response<'_>], scoring: &AttemptScoring) -> ScoreReport {
    let mut total = Tally::default();
    let mut by_topic: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_level = [Tally::default(); 6];
    let mut items = Vec::with_capacity(responses.len());
    let mut observations = Vec::with_capacity(responses.len());
    for r in responses {
        if !r.scored {
            items.push(None);
            continue;
        }
        let c = credit(r.question, r.selected, scoring.policy.multiple);
        let answered = r.selected.is_some_and(|s| !s.is_empty());
        total.add(c, answered);
        by_topic
            .entry(r.question.topic.clone())
            .or_default()
            .add(c, answered);
        by_level[r.question.level.index()].add(c, answered);
        items.push(Some(c));
        observations.push(Observation {
            item: r.params,
            credit: c,
        });
    }
    ScoreReport {
        total,
        by_topic,
        by_level,
        items,
        params: responses
            .iter()
            .map(|r| (r.params.difficulty, r.params.guessing))
            .collect(),
        verdict: irt::verdict(&scoring.cuts, &observations),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::QuestionKind;
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

    #[test]
    fn a_calibration_that_unorders_the_levels_falls_back_to_the_authored_cuts() {
        let loaded = crate::server::bank::load_dir(std::path::Path::new("quizzes"));
        let bank = &loaded.bank;
        let quiz = bank.quiz("standard").unwrap();
        let authored = quiz_cut_points(bank, quiz, &Calibration::new()).unwrap();

        // A calibration that keeps the order is used as it is.
        let shift: Calibration = bank
            .questions
            .iter()
            .map(|q| (q.hash.clone(), irt::level_difficulty(q.level) + 0.3))
            .collect();
        let (cuts, problem) = attempt_cut_points(bank, quiz, &shift).unwrap();
        assert!(problem.is_none());
        assert!((cuts.0[2] - authored.0[2] - 0.3).abs() < 1e-9);

        // One that measures level 5 easier than level 4 is not.
        let inverted: Calibration = bank
            .questions
            .iter()
            .filter(|q| q.level.get() == 5)
            .map(|q| (q.hash.clone(), -6.0))
            .collect();
        assert!(quiz_cut_points(bank, quiz, &inverted).is_err());
        let (cuts, problem) = attempt_cut_points(bank, quiz, &inverted).unwrap();
        assert_eq!(cuts, authored);
        assert_eq!(
            problem.unwrap().to_string(),
            "the thresholds make level 5 start below level 4"
        );
    }

    fn scoring() -> AttemptScoring {
        let mut typical = [(0.0, 0.25); 6];
        for l in Level::all() {
            typical[l.index()] = (irt::level_difficulty(l), 0.25);
        }
        AttemptScoring {
            policy: ScoringPolicy::default(),
            cuts: irt::cut_points(&[0.7; 6], &typical).unwrap(),
        }
    }

    #[test]
    fn pilot_questions_are_not_scored_and_unanswered_counts_as_wrong() {
        let q1 = q(3, "authn");
        let right = vec!["a".to_string()];
        let params = item_params(&q1, "h", &Calibration::new(), MultiplePolicy::AllOrNothing);
        let responses = [
            Response {
                question: &q1,
                selected: Some(&right),
                scored: true,
                params,
            },
            Response {
                question: &q1,
                selected: None,
                scored: true,
                params,
            },
            Response {
                question: &q1,
                selected: Some(&right),
                scored: false,
                params,
            },
        ];
        let r = score(&responses, &scoring());
        assert_eq!(r.total.points, 1.0);
        assert_eq!(r.total.max, 2.0);
        assert_eq!(r.total.answered, 1);
        assert_eq!(r.by_level[2].max, 2.0);
        assert_eq!(r.by_topic["authn"].points, 1.0);
        assert_eq!(r.items, vec![Some(1.0), Some(0.0), None]);
        assert_eq!(r.params[0], (-1.25, 0.25));
    }

    #[test]
    fn a_calibrated_difficulty_replaces_the_level_default() {
        let q1 = q(3, "pki");
        let mut cal = Calibration::new();
        cal.insert("h".into(), 0.4);
        assert_eq!(
            item_params(&q1, "h", &cal, MultiplePolicy::AllOrNothing).difficulty,
            0.4
        );
        assert_eq!(
            item_params(&q1, "other", &cal, MultiplePolicy::AllOrNothing).difficulty,
            -1.25
        );
    }
}
