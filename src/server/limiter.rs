//! A small fixed-window rate limiter (per key, in memory).

use std::collections::HashMap;
use std::sync::Mutex;

pub struct Limiter {
    max: u32,
    window_ms: i64,
    hits: Mutex<HashMap<String, (i64, u32)>>,
}

impl Limiter {
    pub fn new(max: u32, window_ms: i64) -> Self {
        Limiter {
            max,
            window_ms,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Count a hit for `key` at `now`; false when over the limit.
    pub fn allow(&self, key: &str, now: i64) -> bool {
        let Ok(mut hits) = self.hits.lock() else {
            return true;
        };
        if hits.len() > 10_000 {
            let window = self.window_ms;
            hits.retain(|_, (start, _)| now - *start < window);
        }
        let entry = hits.entry(key.to_string()).or_insert((now, 0));
        if now - entry.0 >= self.window_ms {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_applies_per_key_and_resets_after_the_window() {
        let l = Limiter::new(2, 1000);
        assert!(l.allow("a", 0));
        assert!(l.allow("a", 10));
        assert!(!l.allow("a", 20));
        assert!(l.allow("b", 20));
        assert!(l.allow("a", 1000));
    }
}
