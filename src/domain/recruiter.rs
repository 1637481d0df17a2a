//! What a recruiter's browser receives.

use super::AttemptStatus;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub name: String,
    /// Signed in with a generated one-time password: the console asks for
    /// a new one first.
    pub must_change_password: bool,
}

/// A quiz a recruiter can invite to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizSummary {
    pub id: String,
    pub title: String,
    pub duration_minutes: u32,
    pub question_count: u32,
}

/// One row of the candidates table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRow {
    pub invitation_id: String,
    pub candidate_name: String,
    pub quiz_id: String,
    pub quiz_title: String,
    pub status: AttemptStatus,
    /// Milliseconds since the Unix epoch.
    pub invited_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub score: Option<ScoreSummary>,
    pub verdict: Option<super::report::Verdict>,
    /// Extra time granted, in percent of the quiz's duration.
    pub extra_time_percent: u32,
    /// The invitation was revoked: its link and sessions no longer work.
    pub revoked: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreSummary {
    pub points: f64,
    pub max: f64,
}

impl ScoreSummary {
    pub fn percent(&self) -> f64 {
        if self.max > 0.0 {
            100.0 * self.points / self.max
        } else {
            0.0
        }
    }
}

/// A fresh invitation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invitation {
    pub invitation_id: String,
    pub link: String,
    pub expires_at: i64,
}
