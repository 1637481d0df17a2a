//! The running quiz: one question at a time, a palette to move around,
//! answers saved as they are chosen (and retried until the server has them),
//! the clock, and submission.

use super::countdown::Countdown;
use super::monotonic_ms;
use crate::api::candidate::{save_answer, submit_attempt};
use crate::domain::candidate::{AttemptView, PendingAnswer, QuestionView};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Save {
    Idle,
    Saving,
    Saved,
    /// Not saved yet: retrying.
    Retrying,
    /// The server refused this answer (it will not be retried).
    Refused,
}

/// Signals shared by the runner's parts (all `Copy`).
#[derive(Clone, Copy)]
struct Runner {
    token: StoredValue<String>,
    questions: RwSignal<Vec<QuestionView>>,
    saves: RwSignal<Vec<Save>>,
    versions: StoredValue<Vec<u64>>,
    /// The deadline on the browser's monotonic clock.
    deadline: RwSignal<f64>,
    remaining: RwSignal<i64>,
    finishing: RwSignal<bool>,
    message: RwSignal<Option<String>>,
}

impl Runner {
    fn sync_clock(self, remaining_ms: i64) {
        self.deadline.set(monotonic_ms() + remaining_ms as f64);
    }

    /// Leave for the thank-you page (a full load: the runner's state ends).
    fn go_done(self) {
        #[cfg(feature = "hydrate")]
        if let Some(w) = web_sys::window() {
            let _ = w
                .location()
                .set_href(&format!("/take/{}/done", self.token.get_value()));
        }
    }

    /// Save the selection of `pos`, retrying with backoff until the server
    /// has it, unless a newer selection supersedes it.
    fn save(self, pos: usize, selected: Vec<u32>, version: u64, attempt: u32) {
        spawn_local(async move {
            let result = save_answer(self.token.get_value(), pos as u32, selected.clone()).await;
            let current = self.versions.with_value(|v| v.get(pos).copied()) == Some(version);
            match result {
                Ok(receipt) => {
                    self.sync_clock(receipt.remaining_ms);
                    if current {
                        self.saves.update(|s| s[pos] = Save::Saved);
                    }
                }
                Err(AppError::TimeUp) | Err(AppError::AlreadySubmitted) => self.go_done(),
                Err(AppError::BadRequest(msg)) => {
                    if current {
                        self.saves.update(|s| s[pos] = Save::Refused);
                        self.message.set(Some(msg));
                    }
                }
                Err(_) if current && !self.finishing.get_untracked() => {
                    self.saves.update(|s| s[pos] = Save::Retrying);
                    let delay = 500u64 << attempt.min(4);
                    set_timeout(
                        move || {
                            if self.versions.with_value(|v| v.get(pos).copied()) == Some(version) {
                                self.save(pos, selected, version, attempt + 1);
                            }
                        },
                        Duration::from_millis(delay),
                    );
                }
                Err(_) => {}
            }
        });
    }

    fn choose(self, pos: usize, option: u32, checked: bool) {
        if self.finishing.get_untracked() {
            return;
        }
        let Some(q) = self.questions.with_untracked(|qs| qs.get(pos).cloned()) else {
            return;
        };
        let mut selected = q.selected.clone();
        if q.kind.allows_many() {
            if checked && !selected.contains(&option) {
                selected.push(option);
            } else if !checked {
                selected.retain(|&o| o != option);
            }
            selected.sort_unstable();
        } else {
            selected = vec![option];
        }
        self.questions
            .update(|qs| qs[pos].selected = selected.clone());
        let mut version = 0;
        self.versions.update_value(|v| {
            v[pos] += 1;
            version = v[pos];
        });
        self.saves.update(|s| s[pos] = Save::Saving);
        self.save(pos, selected, version, 0);
    }

    fn submit(self) {
        if self.finishing.get_untracked() {
            return;
        }
        self.finishing.set(true);
        // Whatever the server has not confirmed travels with the submit.
        let pending: Vec<PendingAnswer> = self.saves.with_untracked(|saves| {
            self.questions.with_untracked(|qs| {
                qs.iter()
                    .zip(saves)
                    .filter(|(_, s)| matches!(s, Save::Saving | Save::Retrying))
                    .map(|(q, _)| PendingAnswer {
                        position: q.position,
                        selected: q.selected.clone(),
                    })
                    .collect()
            })
        });
        spawn_local(async move {
            match submit_attempt(self.token.get_value(), pending).await {
                Ok(_) | Err(AppError::TimeUp) | Err(AppError::AlreadySubmitted) => self.go_done(),
                Err(e) => {
                    self.finishing.set(false);
                    self.message.set(Some(e.to_string()));
                }
            }
        });
    }

    fn unsaved(self) -> usize {
        self.saves.with(|s| {
            s.iter()
                .filter(|s| matches!(s, Save::Saving | Save::Retrying))
                .count()
        })
    }
}

#[component]
pub fn QuizRunner(token: String, attempt: AttemptView) -> impl IntoView {
    let n = attempt.questions.len();
    let initial_saves = attempt
        .questions
        .iter()
        .map(|q| {
            if q.selected.is_empty() {
                Save::Idle
            } else {
                Save::Saved
            }
        })
        .collect();
    let runner = Runner {
        token: StoredValue::new(token),
        questions: RwSignal::new(attempt.questions),
        saves: RwSignal::new(initial_saves),
        versions: StoredValue::new(vec![0; n]),
        deadline: RwSignal::new(monotonic_ms() + attempt.remaining_ms as f64),
        remaining: RwSignal::new(attempt.remaining_ms),
        finishing: RwSignal::new(false),
        message: RwSignal::new(None),
    };
    let current = RwSignal::new(0usize);
    let confirming = RwSignal::new(false);
    let (remaining, set_remaining) = signal(attempt.remaining_ms);

    // Tick the display from the server's deadline; submit at zero.
    Effect::new(move |_| {
        let tick = move || {
            let left = (runner.deadline.get_untracked() - monotonic_ms()).max(0.0) as i64;
            set_remaining.set(left);
            runner.remaining.set(left);
            if left == 0 {
                runner.submit();
            }
        };
        tick();
        if let Ok(handle) = set_interval_with_handle(tick, Duration::from_millis(250)) {
            on_cleanup(move || handle.clear());
        }
    });

    let answered = move || {
        runner
            .questions
            .with(|qs| qs.iter().filter(|q| !q.selected.is_empty()).count())
    };

    let question = move || {
        let pos = current.get();
        let q = runner.questions.with_untracked(|qs| qs.get(pos).cloned())?;
        let many = q.kind.allows_many();
        let input_type = if many { "checkbox" } else { "radio" };
        let options = q
            .options
            .into_iter()
            .enumerate()
            .map(|(i, o)| {
                let i = i as u32;
                let checked = move || runner.questions.with(|qs| qs[pos].selected.contains(&i));
                view! {
                    <label class="option" class:chosen=checked data-testid="option">
                        <input
                            type=input_type
                            name=format!("q{pos}")
                            value=i.to_string()
                            prop:checked=checked
                            on:change=move |ev| runner.choose(pos, i, event_target_checked(&ev))
                        />
                        <span class="option-text" inner_html=o.html></span>
                    </label>
                }
            })
            .collect_view();
        let save_note = move || match runner.saves.with(|s| s[pos]) {
            Save::Idle => "",
            Save::Saving => "Saving…",
            Save::Saved => "Saved",
            Save::Retrying => "Not saved yet: retrying…",
            Save::Refused => "Not saved",
        };
        Some(view! {
            <section class="question card" data-testid="question" data-position=pos>
                <p class="qmeta">
                    "Question " {pos + 1} " of " {n}
                    {many.then_some(" · select all that apply")}
                </p>
                <div class="prompt" inner_html=q.prompt_html></div>
                <fieldset>
                    <legend class="sr-only">{format!("Options for question {}", pos + 1)}</legend>
                    {options}
                </fieldset>
                <p class="save-note" aria-live="polite" data-testid="save-note">{save_note}</p>
            </section>
        })
    };

    let palette = move || {
        (0..n)
            .map(|i| {
                let done = move || runner.questions.with(|qs| !qs[i].selected.is_empty());
                let here = move || current.get() == i;
                view! {
                    <button
                        type="button"
                        class="pip"
                        class:answered=done
                        class:current=here
                        aria-current=move || here().then_some("step")
                        aria-label=move || format!("Question {}{}", i + 1, if done() { ", answered" } else { "" })
                        on:click=move |_| current.set(i)
                    >
                        {i + 1}
                    </button>
                }
            })
            .collect_view()
    };

    view! {
        <div class="runner" data-testid="runner">
            <header class="runner-head">
                <div>
                    <h1 class="quiz-title">{attempt.quiz_title}</h1>
                    <p class="progress" data-testid="progress">{move || format!("{} of {n} answered", answered())}</p>
                </div>
                <Countdown remaining_ms=remaining/>
            </header>
            {move || runner.message.get().map(|m| view! { <p class="notice" role="alert">{m}</p> })}
            {question}
            <nav class="stepper">
                <button type="button" class="secondary" disabled=move || current.get() == 0
                    on:click=move |_| current.update(|c| *c = c.saturating_sub(1))>"Previous"</button>
                <button type="button" class="secondary" data-testid="next" disabled=move || { current.get() + 1 >= n }
                    on:click=move |_| current.update(|c| *c = (*c + 1).min(n.saturating_sub(1)))>"Next"</button>
                <button type="button" class="primary" data-testid="submit" on:click=move |_| confirming.set(true)>
                    "Submit…"
                </button>
            </nav>
            <nav class="palette" aria-label="Questions">{palette}</nav>
            <Show when=move || confirming.get()>
                <div class="confirm card" role="dialog" aria-modal="false" aria-labelledby="confirm-title">
                    <h2 id="confirm-title">"Submit your answers?"</h2>
                    <p>
                        {move || {
                            let left = n - answered();
                            if left == 0 {
                                "You have answered every question.".to_string()
                            } else {
                                format!("{left} of {n} questions are unanswered and will count as wrong.")
                            }
                        }}
                    </p>
                    {move || (runner.unsaved() > 0).then(|| view! { <p class="notice">"Some answers are still being saved."</p> })}
                    <p>"You cannot change your answers after submitting."</p>
                    <div class="actions">
                        <button type="button" class="secondary" on:click=move |_| confirming.set(false)>"Keep working"</button>
                        <button type="button" class="primary" data-testid="confirm-submit"
                            disabled=move || runner.finishing.get()
                            on:click=move |_| runner.submit()>
                            "Submit now"
                        </button>
                    </div>
                </div>
            </Show>
        </div>
    }
}
