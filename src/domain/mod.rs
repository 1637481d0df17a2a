//! Pure, wasm-safe types shared by the server and the browser.
//!
//! Nothing here carries an answer key: these are the shapes that cross the
//! network, each made for one caller.

pub mod candidate;
pub mod level;
pub mod recruiter;
pub mod report;

pub use level::Level;

/// `YYYY-MM-DD HH:MM` in UTC for milliseconds since the epoch. The same on
/// the server and in the browser, so hydration matches.
pub fn format_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60
    )
}

use serde::{Deserialize, Serialize};

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// Exactly one option is correct.
    Single,
    /// Select all that apply.
    Multiple,
    /// Two options, true and false.
    TrueFalse,
}

impl QuestionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
            QuestionKind::TrueFalse => "true_false",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "single" => Some(QuestionKind::Single),
            "multiple" => Some(QuestionKind::Multiple),
            "true_false" => Some(QuestionKind::TrueFalse),
            _ => None,
        }
    }

    /// Whether a candidate may select more than one option.
    pub fn allows_many(self) -> bool {
        matches!(self, QuestionKind::Multiple)
    }
}

/// Where an attempt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptStatus {
    /// The invitation exists; the candidate has not pressed Start.
    NotStarted,
    /// The clock is running.
    InProgress,
    /// The candidate submitted.
    Submitted,
    /// The clock ran out and the server submitted the saved answers.
    TimedOut,
}

impl AttemptStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptStatus::NotStarted => "not_started",
            AttemptStatus::InProgress => "in_progress",
            AttemptStatus::Submitted => "submitted",
            AttemptStatus::TimedOut => "timed_out",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "not_started" => Some(AttemptStatus::NotStarted),
            "in_progress" => Some(AttemptStatus::InProgress),
            "submitted" => Some(AttemptStatus::Submitted),
            "timed_out" => Some(AttemptStatus::TimedOut),
            _ => None,
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, AttemptStatus::Submitted | AttemptStatus::TimedOut)
    }

    /// Words for a recruiter's table.
    pub fn label(self) -> &'static str {
        match self {
            AttemptStatus::NotStarted => "Invited",
            AttemptStatus::InProgress => "In progress",
            AttemptStatus::Submitted => "Submitted",
            AttemptStatus::TimedOut => "Timed out",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(format_utc(0), "1970-01-01 00:00");
        assert_eq!(format_utc(951_782_400_000), "2000-02-29 00:00");
        assert_eq!(format_utc(1_795_435_200_000), "2026-11-23 12:00");
        assert_eq!(format_utc(-60_000), "1969-12-31 23:59");
    }

    #[test]
    fn kind_and_status_names_round_trip() {
        for k in [
            QuestionKind::Single,
            QuestionKind::Multiple,
            QuestionKind::TrueFalse,
        ] {
            assert_eq!(QuestionKind::parse(k.as_str()), Some(k));
        }
        for s in [
            AttemptStatus::NotStarted,
            AttemptStatus::InProgress,
            AttemptStatus::Submitted,
            AttemptStatus::TimedOut,
        ] {
            assert_eq!(AttemptStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(QuestionKind::parse("Single"), None);
    }
}
