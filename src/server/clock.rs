//! The server's clock. Deadlines are computed and enforced here, never from
//! anything a browser sends. Tests move it forward instead of sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
    /// When non-zero, the wall time this clock stopped at (tests only).
    frozen_at_ms: Arc<AtomicI64>,
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Clock {
    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        let frozen = self.frozen_at_ms.load(Ordering::Relaxed);
        let base = if frozen != 0 { frozen } else { wall_ms() };
        base + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Stop this clock (and its clones): from now on only `advance_ms`
    /// moves it, so a test can stand exactly 500 ms before a deadline
    /// however slow the machine is (tests only).
    pub fn freeze(&self) {
        let _ =
            self.frozen_at_ms
                .compare_exchange(0, wall_ms(), Ordering::Relaxed, Ordering::Relaxed);
    }

    /// Move this clock forward (tests only; nothing in the app calls it).
    pub fn advance_ms(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_every_clone() {
        let c = Clock::default();
        let d = c.clone();
        let before = d.now_ms();
        c.advance_ms(60_000);
        assert!(d.now_ms() - before >= 60_000);
    }

    #[test]
    fn a_frozen_clock_moves_only_when_advanced() {
        let c = Clock::default();
        c.freeze();
        let t = c.now_ms();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(c.now_ms(), t);
        c.clone().advance_ms(1_500);
        assert_eq!(c.now_ms(), t + 1_500);
    }
}
