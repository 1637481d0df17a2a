//! A level of the ladder. Which levels exist, what they mean and which of
//! them a quiz can measure is data (`quizzes/ladder.toml`), not code: a
//! `Level` is only a small positive number, checked against the ladder when
//! the bank is loaded.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A ladder level, 1 to [`Level::LIMIT`]. Construct with [`Level::new`]; the
/// field is private so a `Level` is never 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Level(u8);

impl Level {
    /// The most levels a ladder may have.
    pub const LIMIT: u8 = 12;
    pub const MIN: Level = Level(1);

    pub fn new(n: i64) -> Option<Level> {
        (1..=i64::from(Self::LIMIT))
            .contains(&n)
            .then_some(Level(n as u8))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// Index from 0 (level 1), for per-level vectors.
    pub fn index(self) -> usize {
        usize::from(self.0 - 1)
    }

    /// Levels 1 to `top`.
    pub fn up_to(top: u8) -> impl Iterator<Item = Level> {
        (1..=top.min(Self::LIMIT)).map(Level)
    }
}

impl TryFrom<u8> for Level {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        Level::new(i64::from(n))
            .ok_or_else(|| format!("level must be 1 to {}, not {n}", Level::LIMIT))
    }
}

impl From<Level> for u8 {
    fn from(l: Level) -> u8 {
        l.0
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_small_positive_numbers() {
        assert_eq!(Level::new(0), None);
        assert_eq!(Level::new(13), None);
        assert_eq!(Level::new(-1), None);
        assert_eq!(Level::new(1).map(Level::get), Some(1));
        assert_eq!(Level::new(6).map(Level::index), Some(5));
        assert_eq!(Level::up_to(4).count(), 4);
    }

    #[test]
    fn deserializing_an_out_of_range_level_fails() {
        assert!(serde_json::from_str::<Level>("0").is_err());
        assert_eq!(serde_json::from_str::<Level>("3").unwrap().get(), 3);
    }
}
