//! Reusable views.

pub mod countdown;
pub mod quiz;

/// Milliseconds on the browser's monotonic clock (0 on the server).
pub fn monotonic_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.performance())
            .map(|p| p.now())
            .unwrap_or(0.0)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

/// `m:ss` (or `h:mm:ss`) for a number of milliseconds, rounded up so the
/// display reaches 0:00 exactly when the time is over.
pub fn format_remaining(ms: i64) -> String {
    let secs = (ms.max(0) + 999) / 1000;
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaining_time_rounds_up_to_the_second() {
        assert_eq!(format_remaining(25 * 60_000), "25:00");
        assert_eq!(format_remaining(1), "0:01");
        assert_eq!(format_remaining(0), "0:00");
        assert_eq!(format_remaining(-5), "0:00");
        assert_eq!(format_remaining(59_001), "1:00");
        assert_eq!(format_remaining(3_600_000), "1:00:00");
    }
}
