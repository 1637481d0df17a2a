//! What a recruiter reads about an attempt: the level verdict, with how
//! sure it is, and the breakdowns behind it.

use serde::{Deserialize, Serialize};

/// The level verdict of an attempt, on the ladder 1 to 6 (0 = below
/// level 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The most probable level.
    pub level: u8,
    /// The probability of that level, given the answers (0 to 1).
    pub confidence: f64,
    /// The 90% band, in levels: from `band_low` to `band_high`.
    pub band_low: u8,
    pub band_high: u8,
    /// Ability on the logit scale, with its standard error.
    pub ability: f64,
    pub standard_error: f64,
    /// Position on the ladder: the level plus how far into it (3.4 = 40%
    /// of the way through level 3).
    pub ladder_position: f64,
    /// Probability of each level 0 (below 1) to 6.
    pub level_probabilities: Vec<f64>,
    /// Where each level 1 to 6 starts on the logit scale.
    pub cut_points: Vec<f64>,
}

/// "level 3", or "below level 1" for level 0.
pub fn level_name(level: u8) -> String {
    if level == 0 {
        "below level 1".to_string()
    } else {
        format!("level {level}")
    }
}

impl Verdict {
    /// "Works at level 3 (61% likely, possibly levels 2–4)"
    pub fn sentence(&self) -> String {
        let head = if self.level == 0 {
            "Not yet at level 1".to_string()
        } else {
            format!("Works at level {}", self.level)
        };
        let band = if self.band_low == self.band_high {
            String::new()
        } else {
            format!(", possibly {}", self.band())
        };
        format!("{head} ({:.0}% likely{band})", self.confidence * 100.0)
    }

    /// The 90% band in words: "levels 2–4", "below level 1 to level 2".
    pub fn band(&self) -> String {
        match (self.band_low, self.band_high) {
            (l, h) if l == h => level_name(l),
            (0, h) => format!("below level 1 to level {h}"),
            (l, h) => format!("levels {l}–{h}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(level: u8, low: u8, high: u8) -> Verdict {
        Verdict {
            level,
            confidence: 0.614,
            band_low: low,
            band_high: high,
            ability: 0.0,
            standard_error: 1.0,
            ladder_position: 3.5,
            level_probabilities: vec![],
            cut_points: vec![],
        }
    }

    #[test]
    fn verdicts_read_as_one_sentence() {
        assert_eq!(
            verdict(3, 2, 4).sentence(),
            "Works at level 3 (61% likely, possibly levels 2–4)"
        );
        assert_eq!(verdict(6, 6, 6).sentence(), "Works at level 6 (61% likely)");
        assert_eq!(
            verdict(0, 0, 1).sentence(),
            "Not yet at level 1 (61% likely, possibly below level 1 to level 1)"
        );
        assert_eq!(verdict(0, 0, 0).band(), "below level 1");
    }
}

/// Points per topic or level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakdownRow {
    pub label: String,
    pub points: f64,
    pub max: f64,
    pub questions: u32,
    pub answered: u32,
    /// For levels: the threshold of the quiz (chance of a correct answer at
    /// the bottom of the level), to read the percentage against.
    pub threshold: Option<f64>,
}

impl BreakdownRow {
    pub fn percent(&self) -> f64 {
        if self.max > 0.0 {
            100.0 * self.points / self.max
        } else {
            0.0
        }
    }
}

/// One question of an attempt, for the recruiter's review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub position: u32,
    pub question_id: String,
    pub topic: String,
    pub level: u8,
    pub kind: String,
    pub prompt_html: String,
    /// Options in the order the candidate saw them.
    pub options: Vec<ReviewOption>,
    pub credit: Option<f64>,
    pub explanation_html: String,
    pub references: Vec<String>,
    /// Pilot questions are served but not scored.
    pub scored: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewOption {
    pub html: String,
    pub correct: bool,
    pub chosen: bool,
}

/// The report of a finished attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptReport {
    pub invitation_id: String,
    pub candidate_name: String,
    pub quiz_title: String,
    pub status: super::AttemptStatus,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub points: f64,
    pub max: f64,
    pub verdict: Option<Verdict>,
    pub by_topic: Vec<BreakdownRow>,
    pub by_level: Vec<BreakdownRow>,
    pub items: Vec<ReviewItem>,
}

/// Item analysis for authors, as the console shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemAnalysis {
    pub quizzes: Vec<QuizReliabilityRow>,
    pub items: Vec<ItemRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizReliabilityRow {
    pub quiz_id: String,
    pub attempts: u32,
    pub questions: u32,
    pub kr20: Option<f64>,
    pub sem: Option<f64>,
    pub mean: f64,
    pub sd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemRow {
    pub question_id: String,
    pub version: String,
    pub responses: u32,
    pub p_value: f64,
    pub discrimination: Option<f64>,
    /// (option id, correct, share chosen)
    pub options: Vec<(String, bool, f64)>,
    pub flags: Vec<String>,
}
