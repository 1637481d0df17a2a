//! What a candidate's browser receives. No answer key, no explanation, no
//! authored ids: questions and options are addressed by their position in
//! this attempt's form.

use super::{AttemptStatus, QuestionKind};
use serde::{Deserialize, Serialize};

/// The landing page of a candidate link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intro {
    pub candidate_name: String,
    pub quiz_title: String,
    /// Markdown-free plain text.
    pub quiz_description: String,
    /// The candidate's own time, extra time included.
    pub duration_minutes: u32,
    /// Extra time granted for an accommodation, in percent (0 if none).
    pub extra_time_percent: u32,
    pub question_count: u32,
    pub status: AttemptStatus,
}

/// A running attempt, as the candidate sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptView {
    pub quiz_title: String,
    pub questions: Vec<QuestionView>,
    /// Milliseconds left on the server's clock when the answer was made.
    pub remaining_ms: i64,
    pub duration_minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionView {
    /// 0-based position in this attempt's form.
    pub position: u32,
    pub kind: QuestionKind,
    /// Sanitized HTML rendered on the server from the Markdown prompt.
    pub prompt_html: String,
    pub options: Vec<OptionView>,
    /// Indexes into `options` that the candidate has saved.
    pub selected: Vec<u32>,
    /// The candidate's own "flag for review" mark.
    pub flagged: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionView {
    /// Sanitized inline HTML.
    pub html: String,
}

/// The server's receipt for a saved answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaveReceipt {
    pub position: u32,
    pub selected: Vec<u32>,
    pub remaining_ms: i64,
}

/// The end of an attempt, as the candidate sees it: no score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finished {
    pub status: AttemptStatus,
    pub answered: u32,
    pub question_count: u32,
}

/// An answer the browser has not yet had confirmed, sent with the submit so
/// that nothing chosen before the deadline is lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingAnswer {
    pub position: u32,
    pub selected: Vec<u32>,
}
