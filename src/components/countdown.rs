//! The quiz clock as the candidate sees it. It only displays the server's
//! deadline; the server enforces it.

use super::format_remaining;
use leptos::prelude::*;

#[component]
pub fn Countdown(remaining_ms: ReadSignal<i64>) -> impl IntoView {
    let low = move || remaining_ms.get() < 5 * 60_000;
    // A polite announcement at 5 minutes and 1 minute for screen readers.
    let announcement = move || {
        let r = remaining_ms.get();
        if r <= 60_000 {
            "One minute left."
        } else if r <= 5 * 60_000 {
            "Five minutes left."
        } else {
            ""
        }
    };
    view! {
        <div class="countdown" class:low=low role="timer" aria-label="Time left" data-testid="countdown">
            {move || format_remaining(remaining_ms.get())}
        </div>
        <div class="sr-only" aria-live="polite">{announcement}</div>
    }
}
