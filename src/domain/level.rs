//! A level of the security-engineering ladder, 1 to 6.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A ladder level. Construct with [`Level::new`]; the field is private so a
/// `Level` is always within 1..=6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Level(u8);

impl Level {
    pub const MIN: Level = Level(1);
    pub const MAX: Level = Level(6);

    pub fn new(n: i64) -> Option<Level> {
        (1..=6).contains(&n).then_some(Level(n as u8))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// Index 0..6, for per-level arrays.
    pub fn index(self) -> usize {
        usize::from(self.0 - 1)
    }

    pub fn all() -> impl Iterator<Item = Level> {
        (1..=6).map(Level)
    }

    /// One line on what the level means on the ladder.
    pub fn summary(self) -> &'static str {
        match self.0 {
            1 => "Learns best practices; runs the common attacks",
            2 => "Applies them: CA-based designs, strong TLS, right authn/authz",
            3 => "Deep in one field, broad across neighbours; chains attacks; compliance by design",
            4 => "The expert others ask; novel proof-of-concept attacks",
            5 => "Leads critical security infrastructure beyond the state of the art",
            _ => "Designs novel solutions to industry-wide problems",
        }
    }
}

impl TryFrom<u8> for Level {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        Level::new(i64::from(n)).ok_or_else(|| format!("level must be 1 to 6, not {n}"))
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
    fn only_one_to_six_are_levels() {
        assert_eq!(Level::new(0), None);
        assert_eq!(Level::new(7), None);
        assert_eq!(Level::new(-1), None);
        assert_eq!(Level::new(1).map(Level::get), Some(1));
        assert_eq!(Level::new(6).map(Level::index), Some(5));
        assert_eq!(Level::all().count(), 6);
    }

    #[test]
    fn deserializing_an_out_of_range_level_fails() {
        assert!(serde_json::from_str::<Level>("7").is_err());
        assert_eq!(serde_json::from_str::<Level>("3").unwrap().get(), 3);
    }
}
