//! What a recruiter reads about an attempt: the level verdict, with how
//! sure it is, and the breakdowns behind it.

use serde::{Deserialize, Serialize};

/// The level verdict of an attempt, on the measured levels of the ladder
/// (0 = below level 1; the top one reads "or above" when the ladder has
/// levels a quiz cannot measure).
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
    /// Probability of each level from 0 (below 1) to `top`.
    pub level_probabilities: Vec<f64>,
    /// Where each measured level starts on the logit scale (at the most
    /// probable spacing of the levels).
    pub cut_points: Vec<f64>,
    /// The highest measured level.
    #[serde(default = "legacy_top")]
    pub top: u8,
    /// Whether the top level means "that level or above".
    #[serde(default)]
    pub open_top: bool,
    /// The spacing of the levels (logits) the verdict averaged over.
    #[serde(default)]
    pub spacing: f64,
    /// How well the answer pattern fits the model: evidence to look at,
    /// never a verdict.
    #[serde(default)]
    pub person_fit: Option<PersonFit>,
    /// Questions the candidate never reached before time ran out: left out
    /// of the verdict rather than counted wrong.
    #[serde(default)]
    pub not_reached: u32,
}

/// Verdicts stored before the ladder file existed were on six levels.
fn legacy_top() -> u8 {
    6
}

/// Person fit of an answer pattern (lz*, Snijders 2001).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonFit {
    /// About N(0, 1) for patterns the model expects; very negative for
    /// improbable ones (right on hard questions, wrong on easy ones).
    pub lz_star: f64,
    /// lz* below the 5% one-sided cut.
    pub flagged: bool,
    /// Right answers the model gave under a 35% chance.
    pub unexpected_right: u32,
    /// Wrong answers the model gave over an 85% chance.
    pub unexpected_wrong: u32,
}

/// "level 3", "below level 1", or "level 4 or above" for an open top.
pub fn level_label(level: u8, top: u8, open_top: bool) -> String {
    if level == 0 {
        "below level 1".to_string()
    } else if level == top && open_top {
        format!("level {level} or above")
    } else {
        format!("level {level}")
    }
}

impl Verdict {
    /// "2 (61%, 1–3)", "4+ (80%)", "below 1 (90%, below 1–1)" for tables.
    pub fn short(&self) -> String {
        let name = |l: u8| {
            if l == 0 {
                "below 1".to_string()
            } else if l == self.top && self.open_top {
                format!("{l}+")
            } else {
                l.to_string()
            }
        };
        if self.band_low == self.band_high {
            format!("{} ({:.0}%)", name(self.level), self.confidence * 100.0)
        } else {
            format!(
                "{} ({:.0}%, {}–{})",
                name(self.level),
                self.confidence * 100.0,
                name(self.band_low),
                name(self.band_high)
            )
        }
    }

    /// "Works at level 3 (61% likely, possibly levels 2–4 or above)"
    pub fn sentence(&self) -> String {
        let head = if self.level == 0 {
            "Not yet at level 1".to_string()
        } else {
            format!(
                "Works at {}",
                level_label(self.level, self.top, self.open_top)
            )
        };
        let band = if self.band_low == self.band_high {
            String::new()
        } else {
            format!(", possibly {}", self.band())
        };
        format!("{head} ({:.0}% likely{band})", self.confidence * 100.0)
    }

    /// The 90% band in words: "levels 2–4", "below level 1 to level 2",
    /// "levels 3–4 or above".
    pub fn band(&self) -> String {
        let open = if self.band_high == self.top && self.open_top {
            " or above"
        } else {
            ""
        };
        match (self.band_low, self.band_high) {
            (l, h) if l == h => level_label(l, self.top, self.open_top),
            (0, h) => format!("below level 1 to level {h}{open}"),
            (l, h) => format!("levels {l}–{h}{open}"),
        }
    }

    pub fn label(&self) -> String {
        level_label(self.level, self.top, self.open_top)
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
            top: 4,
            open_top: true,
            spacing: 1.2,
            person_fit: None,
            not_reached: 0,
        }
    }

    #[test]
    fn verdicts_read_as_one_sentence() {
        assert_eq!(
            verdict(3, 2, 4).sentence(),
            "Works at level 3 (61% likely, possibly levels 2–4 or above)"
        );
        assert_eq!(
            verdict(4, 4, 4).sentence(),
            "Works at level 4 or above (61% likely)"
        );
        assert_eq!(
            verdict(2, 1, 3).sentence(),
            "Works at level 2 (61% likely, possibly levels 1–3)"
        );
        assert_eq!(
            verdict(0, 0, 1).sentence(),
            "Not yet at level 1 (61% likely, possibly below level 1 to level 1)"
        );
        assert_eq!(verdict(0, 0, 0).band(), "below level 1");
        let closed = Verdict {
            open_top: false,
            ..verdict(4, 4, 4)
        };
        assert_eq!(closed.sentence(), "Works at level 4 (61% likely)");
        assert_eq!(verdict(3, 2, 4).short(), "3 (61%, 2–4+)");
        assert_eq!(verdict(0, 0, 1).short(), "below 1 (61%, below 1–1)");
    }

    #[test]
    fn a_verdict_stored_before_the_ladder_file_still_reads() {
        let old = r#"{"level":5,"confidence":0.6,"band_low":4,"band_high":6,"ability":3.0,
            "standard_error":1.0,"ladder_position":5.2,"level_probabilities":[0,0,0,0,0.2,0.6,0.2],
            "cut_points":[1,2,3,4,5,6]}"#;
        let v: Verdict = serde_json::from_str(old).unwrap();
        assert_eq!(v.top, 6);
        assert_eq!(
            v.sentence(),
            "Works at level 5 (60% likely, possibly levels 4–6)"
        );
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
    /// Milliseconds from the question's first showing to its last saved
    /// answer, when both are known.
    pub time_to_answer_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewOption {
    pub html: String,
    pub correct: bool,
    pub chosen: bool,
}

/// A level of the ladder as the report explains it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LadderRow {
    pub level: u8,
    pub name: String,
    pub summary: String,
    /// Whether the quiz measures this level.
    pub measured: bool,
}

/// What a knowledge quiz can and cannot say, in plain words, for the report.
pub const WHAT_IT_MEASURES: &str = "The quiz observes two columns of the ladder: security knowledge and threat fluency. It cannot see impact, scope, communication or mentorship, so the levels defined by them are decided outside the quiz.";

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
    /// The ladder's levels, for the verdict's explanation.
    pub ladder: Vec<LadderRow>,
    /// Extra time granted, in percent of the quiz's duration.
    pub extra_time_percent: u32,
    /// When the invitation was revoked, if it was.
    pub revoked_at: Option<i64>,
    /// The attempt's event log: integrity evidence, never a verdict.
    pub events: Vec<EventView>,
}

/// One entry of an attempt's event log, as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// `session_started`, `session_joined`, `client_changed`, `focus_lost`,
    /// `page_hidden`, `paste`, `revoked`.
    pub kind: String,
    /// What happened, in a sentence.
    pub text: String,
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
