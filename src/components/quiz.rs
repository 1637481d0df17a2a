//! The running quiz: one question at a time, a palette to move around,
//! answers saved as they are chosen (and retried until the server has them),
//! the clock, and submission.

use super::countdown::Countdown;
use super::monotonic_ms;
use crate::api::candidate::{
    flag_question, question_shown, report_event, save_answer, submit_attempt,
};
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
            let _ = w.location().set_href("/quiz/done");
        }
    }

    /// Save the selection of `pos`, retrying with backoff until the server
    /// has it, unless a newer selection supersedes it.
    fn save(self, pos: usize, selected: Vec<u32>, version: u64, attempt: u32) {
        spawn_local(async move {
            let result = save_answer(pos as u32, selected.clone()).await;
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
            match submit_attempt(pending).await {
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
pub fn QuizRunner(
    attempt: AttemptView,
    /// The question to show first (from `/quiz?q=`), 0-based.
    #[prop(default = 0)]
    start_at: usize,
) -> impl IntoView {
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
        questions: RwSignal::new(attempt.questions),
        saves: RwSignal::new(initial_saves),
        versions: StoredValue::new(vec![0; n]),
        deadline: RwSignal::new(monotonic_ms() + attempt.remaining_ms as f64),
        remaining: RwSignal::new(attempt.remaining_ms),
        finishing: RwSignal::new(false),
        message: RwSignal::new(None),
    };
    let current = RwSignal::new(start_at.min(n.saturating_sub(1)));
    let heading = NodeRef::<leptos::html::H2>::new();
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

    // The server records when each question is first shown; after a move,
    // focus goes to the new question's heading (screen readers read it).
    Effect::new(move |first: Option<()>| {
        let pos = current.get() as u32;
        spawn_local(async move {
            let _ = question_shown(pos).await;
        });
        if first.is_some() {
            request_animation_frame(move || {
                if let Some(h) = heading.get_untracked() {
                    let _ = h.focus();
                }
            });
        }
    });

    // Integrity evidence (never a verdict): the window losing focus and
    // for how long, and pastes into the quiz. Reported, not acted on.
    Effect::new(move |_| {
        let blurred_at = StoredValue::new(None::<f64>);
        let blur = window_event_listener(leptos::ev::blur, move |_| {
            blurred_at.set_value(Some(monotonic_ms()));
        });
        let focus = window_event_listener(leptos::ev::focus, move |_| {
            if let Some(t) = blurred_at.get_value() {
                blurred_at.set_value(None);
                let ms = (monotonic_ms() - t).max(0.0) as u32;
                if !runner.finishing.get_untracked() {
                    spawn_local(async move {
                        let _ = report_event("blur".into(), Some(ms)).await;
                    });
                }
            }
        });
        let paste = window_event_listener(leptos::ev::paste, move |_| {
            spawn_local(async move {
                let _ = report_event("paste".into(), None).await;
            });
        });
        on_cleanup(move || {
            blur.remove();
            focus.remove();
            paste.remove();
        });
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
                            name="choice"
                            value=i.to_string()
                            checked=q.selected.contains(&i)
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
        let flagged = move || runner.questions.with(|qs| qs[pos].flagged);
        Some(view! {
            <section class="question card" data-testid="question" data-position=pos aria-labelledby="question-heading">
                <input type="hidden" name="position" value=pos.to_string()/>
                <h2 class="qmeta" id="question-heading" tabindex="-1" node_ref=heading>
                    {format!("Question {} of {n}{}", pos + 1, if many { " · select all that apply" } else { "" })}
                    {move || flagged().then_some(" · flagged for review")}
                </h2>
                <div class="prompt" id="question-prompt" inner_html=q.prompt_html></div>
                <fieldset aria-describedby="question-prompt">
                    <legend class="sr-only">{format!("Your answer to question {}{}", pos + 1, if many { ", select all that apply" } else { "" })}</legend>
                    {options}
                </fieldset>
                <p class="save-note" aria-live="polite" data-testid="save-note">{save_note}</p>
            </section>
        })
    };

    // Without JavaScript, every button below submits the form to
    // `/quiz/answer` (the choice is saved, then the browser goes where the
    // button says); with it, the same buttons act in place.
    let go = move |ev: leptos::ev::MouseEvent, to: usize| {
        ev.prevent_default();
        current.set(to.min(n.saturating_sub(1)));
    };

    let palette = move || {
        (0..n)
            .map(|i| {
                let done = move || runner.questions.with(|qs| !qs[i].selected.is_empty());
                let marked = move || runner.questions.with(|qs| qs[i].flagged);
                let here = move || current.get() == i;
                view! {
                    <button
                        type="submit"
                        name="go"
                        value=format!("q{i}")
                        class="pip"
                        class:answered=done
                        class:flagged=marked
                        class:current=here
                        aria-current=move || here().then_some("step")
                        aria-label=move || format!(
                            "Question {}{}{}",
                            i + 1,
                            if done() { ", answered" } else { ", not answered" },
                            if marked() { ", flagged" } else { "" },
                        )
                        on:click=move |ev| go(ev, i)
                    >
                        {i + 1}
                    </button>
                }
            })
            .collect_view()
    };

    let toggle_flag = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let pos = current.get_untracked();
        let now = !runner.questions.with_untracked(|qs| qs[pos].flagged);
        runner.questions.update(|qs| qs[pos].flagged = now);
        spawn_local(async move {
            if flag_question(pos as u32, now).await.is_err() {
                runner.questions.update(|qs| qs[pos].flagged = !now);
            }
        });
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
            <noscript>
                <p class="notice">"Your choice is saved when you press Next, Previous, Flag, a question number or Submit. The time left is as of this page's loading."</p>
            </noscript>
            <form method="post" action="/quiz/answer" data-testid="answer-form" on:submit=|ev| ev.prevent_default()>
                {question}
                <nav class="stepper" aria-label="Move between questions">
                    <button type="submit" name="go" value="next" class="primary" data-testid="next"
                        disabled=move || { current.get() + 1 >= n }
                        on:click=move |ev| go(ev, current.get_untracked() + 1)>"Next"</button>
                    <button type="submit" name="go" value="prev" class="secondary" data-testid="previous"
                        disabled=move || current.get() == 0
                        on:click=move |ev| go(ev, current.get_untracked().saturating_sub(1))>"Previous"</button>
                    <button type="submit" name="go" value="flag" class="secondary" data-testid="flag"
                        aria-pressed=move || if runner.questions.with(|qs| qs.get(current.get()).is_some_and(|q| q.flagged)) { "true" } else { "false" }
                        on:click=toggle_flag>"Flag for review"</button>
                    <button type="submit" name="go" value="submit" class="secondary" data-testid="submit"
                        on:click=move |ev| { ev.prevent_default(); confirming.set(true); }>
                        "Submit…"
                    </button>
                </nav>
                <nav class="palette" aria-label="All questions: answered and flagged">{palette}</nav>
            </form>
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
                    {move || {
                        let flagged = runner.questions.with(|qs| qs.iter().filter(|q| q.flagged).count());
                        (flagged > 0).then(|| view! { <p>{format!("{flagged} flagged for review.")}</p> })
                    }}
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
