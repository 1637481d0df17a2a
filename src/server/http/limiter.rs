//! Rate limits in bounded memory: a fixed-size table of fixed-window
//! counters, whatever the input.
//!
//! A key (an address, an account's email, a device cookie) is never stored:
//! only a 64-bit SipHash of it under a key chosen at random when the server
//! starts, so nobody can aim keys at one another's slots. The table is
//! set-associative (four slots per set, one small mutex per set). A new key
//! takes an empty or expired slot of its set; when all four are live, the
//! one with the fewest hits goes, so a flood of fresh keys evicts other
//! fresh keys and not the counter of an account under attack.
//!
//! The limits are per server: behind a load balancer with N servers, a
//! client that reaches all of them gets N times the budget (SECURITY.md).

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::Mutex;

const WAYS: usize = 4;

#[derive(Clone, Copy, Default)]
struct Slot {
    /// 0: empty.
    key: u64,
    start: i64,
    hits: u32,
}

pub struct Limiter {
    max: u32,
    window_ms: i64,
    hasher: RandomState,
    sets: Box<[Mutex<[Slot; WAYS]>]>,
}

/// When a refused caller may try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter {
    pub ms: i64,
}

impl RetryAfter {
    /// Whole seconds, at least one (for a `Retry-After` header).
    pub fn secs(self) -> i64 {
        (self.ms + 999).div_euclid(1000).max(1)
    }
}

impl Limiter {
    /// `max` hits per `window_ms` per key, for about `capacity` keys at once
    /// (rounded up to a power of two); memory is `capacity × 24` bytes.
    pub fn new(max: u32, window_ms: i64, capacity: usize) -> Self {
        let sets = (capacity / WAYS).max(1).next_power_of_two();
        Limiter {
            max,
            window_ms,
            hasher: RandomState::new(),
            sets: (0..sets)
                .map(|_| Mutex::new([Slot::default(); WAYS]))
                .collect(),
        }
    }

    /// The number of keys the table can hold.
    pub fn capacity(&self) -> usize {
        self.sets.len() * WAYS
    }

    /// The bytes the table takes, whatever it has seen.
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of_val(&*self.sets)
    }

    fn hash(&self, key: &str) -> u64 {
        // 0 marks an empty slot.
        self.hasher.hash_one(key).max(1)
    }

    fn with_slot<T>(&self, key: &str, now: i64, f: impl FnOnce(&mut Slot) -> T) -> T {
        let h = self.hash(key);
        let set = &self.sets[(h as usize) & (self.sets.len() - 1)];
        // A poisoned lock only means another thread panicked mid-update of
        // plain integers: the data is still usable.
        let mut set = set.lock().unwrap_or_else(|p| p.into_inner());
        let window = self.window_ms;
        let live = |s: &Slot| s.key != 0 && now - s.start < window;
        let i = set
            .iter()
            .position(|s| s.key == h)
            .or_else(|| set.iter().position(|s| !live(s)))
            .unwrap_or_else(|| {
                (0..WAYS)
                    .min_by_key(|&i| (set[i].hits, set[i].start))
                    .unwrap_or(0)
            });
        let slot = &mut set[i];
        if slot.key != h || !live(slot) {
            *slot = Slot {
                key: h,
                start: now,
                hits: 0,
            };
        }
        f(slot)
    }

    /// Count a hit for `key` at `now`: refused once over the limit.
    pub fn hit(&self, key: &str, now: i64) -> Result<(), RetryAfter> {
        let (max, window) = (self.max, self.window_ms);
        self.with_slot(key, now, |s| {
            s.hits = s.hits.saturating_add(1);
            if s.hits <= max {
                Ok(())
            } else {
                Err(RetryAfter {
                    ms: s.start + window - now,
                })
            }
        })
    }

    /// Whether `key` has used up its hits, without counting one.
    pub fn check(&self, key: &str, now: i64) -> Result<(), RetryAfter> {
        let (max, window) = (self.max, self.window_ms);
        self.with_slot(key, now, |s| {
            if s.hits < max {
                Ok(())
            } else {
                Err(RetryAfter {
                    ms: s.start + window - now,
                })
            }
        })
    }

    /// Forget `key`'s hits (a correct password ends a run of failures).
    pub fn clear(&self, key: &str, now: i64) {
        self.with_slot(key, now, |s| s.hits = 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_applies_per_key_and_resets_after_the_window() {
        let l = Limiter::new(2, 1000, 64);
        assert!(l.hit("a", 0).is_ok());
        assert!(l.hit("a", 10).is_ok());
        assert_eq!(l.hit("a", 20), Err(RetryAfter { ms: 980 }));
        assert!(l.hit("b", 20).is_ok());
        assert!(l.hit("a", 1000).is_ok());
    }

    #[test]
    fn check_does_not_count_and_clear_forgets() {
        let l = Limiter::new(2, 1000, 64);
        for _ in 0..5 {
            assert!(l.check("a", 0).is_ok());
        }
        l.hit("a", 0).unwrap();
        l.hit("a", 0).unwrap();
        assert!(l.check("a", 1).is_err());
        l.clear("a", 2);
        assert!(l.check("a", 3).is_ok());
    }

    #[test]
    fn memory_is_fixed_and_a_flood_of_new_keys_does_not_free_a_busy_one() {
        let l = Limiter::new(5, 60_000, 1024);
        let before = l.memory_bytes();
        for _ in 0..5 {
            l.hit("victim@example.com", 0).unwrap();
        }
        assert!(l.hit("victim@example.com", 0).is_err());
        for i in 0..100_000 {
            let _ = l.hit(&format!("{i}@spray.example"), 1);
        }
        assert_eq!(l.memory_bytes(), before);
        assert!(before <= 1024 * 32, "{before} bytes");
        // The victim's counter survived the flood: still refused.
        assert!(l.check("victim@example.com", 2).is_err());
    }

    #[test]
    fn retry_after_is_at_least_a_second() {
        assert_eq!(RetryAfter { ms: 1 }.secs(), 1);
        assert_eq!(RetryAfter { ms: 1001 }.secs(), 2);
        assert_eq!(RetryAfter { ms: -5 }.secs(), 1);
    }
}
