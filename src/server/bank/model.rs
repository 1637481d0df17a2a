//! The question bank in memory, after loading and validation.

use super::diag::Loc;
use crate::domain::{Level, QuestionKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

/// One level of the ladder, declared in `ladder.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LadderLevel {
    pub level: Level,
    pub name: String,
    /// Whether a knowledge quiz can tell this level from its neighbours.
    pub measured: bool,
    /// One line on what the level means.
    pub summary: String,
    /// The ladder's descriptors of the level, by column
    /// (`security_knowledge`, `threat_fluency`, `impact`, ...).
    pub descriptors: Vec<(String, String)>,
}

/// The ladder the verdicts refer to: its levels, and which of them a quiz
/// can measure. The measured levels are always 1 to [`Ladder::top`]: a
/// quiz tells levels apart from the bottom up, and everything above its top
/// measured level is reported as "that level or above".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ladder {
    pub name: String,
    pub levels: Vec<LadderLevel>,
}

impl Ladder {
    /// The columns of the ladder a knowledge quiz observes.
    pub const OBSERVED: [&'static str; 2] = ["security_knowledge", "threat_fluency"];
    pub const COLUMNS: [&'static str; 6] = [
        "security_knowledge",
        "threat_fluency",
        "impact",
        "communication",
        "mentorship",
        "scope",
    ];

    /// The highest measured level (0 for an empty ladder).
    pub fn top(&self) -> u8 {
        self.levels
            .iter()
            .filter(|l| l.measured)
            .map(|l| l.level.get())
            .max()
            .unwrap_or(0)
    }

    /// The highest level of the ladder.
    pub fn max(&self) -> u8 {
        self.levels.iter().map(|l| l.level.get()).max().unwrap_or(0)
    }

    /// Whether the verdict's top band is open ("level 4 or above"): the
    /// ladder has levels above the ones a quiz measures.
    pub fn open_top(&self) -> bool {
        self.max() > self.top()
    }

    /// The measured levels, 1 to `top`.
    pub fn measured(&self) -> impl Iterator<Item = Level> {
        Level::up_to(self.top())
    }

    pub fn is_measured(&self, level: Level) -> bool {
        self.level(level).is_some_and(|l| l.measured)
    }

    pub fn level(&self, level: Level) -> Option<&LadderLevel> {
        self.levels.iter().find(|l| l.level == level)
    }

    /// A standard ladder for tests: `n` levels, the first `measured` of them
    /// measured.
    pub fn numbered(n: u8, measured: u8) -> Ladder {
        Ladder {
            name: "Test ladder".into(),
            levels: Level::up_to(n)
                .map(|level| LadderLevel {
                    level,
                    name: format!("Level {level}"),
                    measured: level.get() <= measured,
                    summary: String::new(),
                    descriptors: Vec::new(),
                })
                .collect(),
        }
    }
}

/// A topic, declared in `topics.toml`.
#[derive(Debug, Clone)]
pub struct Topic {
    pub id: String,
    pub name: String,
    pub description: String,
}

/// A question's content: everything that grading and review depend on.
///
/// This is the snapshot stored with the attempts that served it and the input
/// of the question's hash. It holds the answer key, so it lives in the
/// server-only module and is never returned by a server function (those
/// return the DTOs of `crate::domain`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionContent {
    pub id: String,
    pub topic: String,
    pub level: Level,
    pub kind: QuestionKind,
    /// Markdown.
    pub prompt: String,
    pub options: Vec<OptionContent>,
    /// Markdown, for recruiters' reviews only.
    pub explanation: String,
    pub references: Vec<String>,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionContent {
    pub id: String,
    /// Inline Markdown.
    pub text: String,
    pub correct: bool,
    /// Keeps its authored position when options are shuffled.
    pub pinned: bool,
}

impl QuestionContent {
    /// The version hash: SHA-256 of the canonical JSON of the content.
    pub fn hash(&self) -> String {
        // Serializing plain strings, numbers and vectors cannot fail.
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(bytes))
    }

    pub fn option_index(&self, id: &str) -> Option<usize> {
        self.options.iter().position(|o| o.id == id)
    }

    pub fn correct_count(&self) -> usize {
        self.options.iter().filter(|o| o.correct).count()
    }
}

/// Where a question's parts were written, for diagnostics.
#[derive(Debug, Clone)]
pub struct QuestionLocs {
    /// The `[[question]]` header (or inline table).
    pub header: Loc,
    pub prompt: Loc,
    /// Each option's text, in authored order.
    pub options: Vec<Loc>,
}

/// A loaded question: its content, its version hash, and where it was
/// written (absent for versions read back from the database).
#[derive(Debug, Clone)]
pub struct Question {
    pub content: QuestionContent,
    pub hash: String,
    pub locs: Option<QuestionLocs>,
    /// Questions of one exclusion group are never drawn onto one form (one
    /// would answer or cue another). Not part of the content: it decides how
    /// forms are drawn, not how the question is graded.
    pub group: Option<String>,
}

impl Question {
    pub fn new(content: QuestionContent, locs: Option<QuestionLocs>) -> Self {
        let hash = content.hash();
        Question {
            content,
            hash,
            locs,
            group: None,
        }
    }

    pub fn with_group(mut self, group: Option<String>) -> Self {
        self.group = group;
        self
    }
}

impl Deref for Question {
    type Target = QuestionContent;
    fn deref(&self) -> &QuestionContent {
        &self.content
    }
}

/// How `multiple` (select all that apply) questions are scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MultiplePolicy {
    /// Full credit only for exactly the correct set.
    AllOrNothing,
    /// Per correct option chosen, minus per wrong option chosen, floored at 0.
    Partial,
}

impl MultiplePolicy {
    pub const NAMES: [&'static str; 2] = ["all_or_nothing", "partial"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "all_or_nothing" => Some(MultiplePolicy::AllOrNothing),
            "partial" => Some(MultiplePolicy::Partial),
            _ => None,
        }
    }
}

/// The scoring part of a quiz definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoringPolicy {
    pub multiple: MultiplePolicy,
    /// For each measured level (index 0 = level 1): the chance that a
    /// candidate at the bottom of that level answers a question of that
    /// level correctly.
    pub thresholds: Vec<f64>,
}

impl ScoringPolicy {
    pub const DEFAULT_THRESHOLD: f64 = 0.7;

    /// The default policy for a ladder measuring levels 1 to `top`.
    pub fn for_levels(top: u8) -> Self {
        ScoringPolicy {
            multiple: MultiplePolicy::AllOrNothing,
            thresholds: vec![Self::DEFAULT_THRESHOLD; usize::from(top)],
        }
    }
}

/// One cell of a blueprint: draw `count` questions of `topic` at `level`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draw {
    pub topic: String,
    pub level: Level,
    pub count: u32,
}

/// A quiz definition (a blueprint).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizContent {
    pub id: String,
    pub title: String,
    pub description: String,
    pub duration_minutes: u32,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
    pub draws: Vec<Draw>,
    /// Unscored pilot questions served to every candidate of this quiz.
    pub pilot: Vec<String>,
    pub scoring: ScoringPolicy,
}

impl QuizContent {
    pub const MIN_MINUTES: i64 = 20;
    pub const MAX_MINUTES: i64 = 30;

    pub fn question_count(&self) -> u32 {
        self.draws.iter().map(|d| d.count).sum::<u32>() + self.pilot.len() as u32
    }

    pub fn hash(&self) -> String {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(bytes))
    }
}

#[derive(Debug, Clone)]
pub struct Quiz {
    pub content: QuizContent,
    pub hash: String,
    pub loc: Option<Loc>,
    /// Where each `draw` was written, parallel to `content.draws`.
    pub draw_locs: Vec<Loc>,
    /// Where the thresholds were written (or the quiz id, by default).
    pub thresholds_loc: Option<Loc>,
}

impl Deref for Quiz {
    type Target = QuizContent;
    fn deref(&self) -> &QuizContent {
        &self.content
    }
}

/// The whole bank: topics, questions and quiz definitions.
#[derive(Debug, Default)]
pub struct Bank {
    pub ladder: Ladder,
    pub topics: Vec<Topic>,
    pub questions: Vec<Arc<Question>>,
    pub quizzes: Vec<Arc<Quiz>>,
    by_id: HashMap<String, usize>,
    by_hash: HashMap<String, usize>,
    by_cell: HashMap<(String, Level), Vec<usize>>,
}

impl Bank {
    pub fn new(
        ladder: Ladder,
        topics: Vec<Topic>,
        questions: Vec<Arc<Question>>,
        quizzes: Vec<Arc<Quiz>>,
    ) -> Self {
        let mut by_id = HashMap::new();
        let mut by_hash = HashMap::new();
        let mut by_cell: HashMap<(String, Level), Vec<usize>> = HashMap::new();
        for (i, q) in questions.iter().enumerate() {
            by_id.entry(q.id.clone()).or_insert(i);
            by_hash.entry(q.hash.clone()).or_insert(i);
            by_cell
                .entry((q.topic.clone(), q.level))
                .or_default()
                .push(i);
        }
        Bank {
            ladder,
            topics,
            questions,
            quizzes,
            by_id,
            by_hash,
            by_cell,
        }
    }

    pub fn question(&self, id: &str) -> Option<&Arc<Question>> {
        self.by_id.get(id).map(|&i| &self.questions[i])
    }

    /// The question of a version hash, if that version is the current one.
    pub fn question_by_hash(&self, hash: &str) -> Option<&Arc<Question>> {
        self.by_hash.get(hash).map(|&i| &self.questions[i])
    }

    pub fn quiz(&self, id: &str) -> Option<&Arc<Quiz>> {
        self.quizzes.iter().find(|q| q.id == id)
    }

    pub fn topic(&self, id: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.id == id)
    }

    /// The questions of one topic and level, in bank order.
    pub fn cell(&self, topic: &str, level: Level) -> impl Iterator<Item = &Arc<Question>> {
        self.by_cell
            .get(&(topic.to_string(), level))
            .into_iter()
            .flatten()
            .map(|&i| &self.questions[i])
    }

    /// How many questions of a cell a quiz can draw from: the cell minus the
    /// quiz's pilot questions.
    pub fn available(&self, quiz: &QuizContent, topic: &str, level: Level) -> usize {
        self.cell(topic, level)
            .filter(|q| !quiz.pilot.contains(&q.id))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> QuestionContent {
        QuestionContent {
            id: "q1".into(),
            topic: "pki".into(),
            level: Level::new(2).unwrap(),
            kind: QuestionKind::Single,
            prompt: "Which?".into(),
            options: vec![
                OptionContent {
                    id: "a".into(),
                    text: "A".into(),
                    correct: true,
                    pinned: false,
                },
                OptionContent {
                    id: "b".into(),
                    text: "B".into(),
                    correct: false,
                    pinned: false,
                },
            ],
            explanation: String::new(),
            references: vec![],
            tags: vec![],
        }
    }

    #[test]
    fn the_hash_changes_with_any_edit_and_only_then() {
        let a = content();
        assert_eq!(a.hash(), content().hash());
        assert_eq!(a.hash().len(), 64);
        let mut b = content();
        b.options[1].correct = true;
        assert_ne!(a.hash(), b.hash());
        let mut c = content();
        c.explanation.push('.');
        assert_ne!(a.hash(), c.hash());
    }

    #[test]
    fn snapshots_round_trip_through_json() {
        let a = content();
        let json = serde_json::to_string(&a).unwrap();
        let back: QuestionContent = serde_json::from_str(&json).unwrap();
        assert_eq!(a, back);
        assert_eq!(back.hash(), a.hash());
    }
}
