//! The candidate's pages: the link's landing page (rules, Start), the quiz
//! itself, the thank-you page, and the page that explains a link problem.
//!
//! The link (`/take/<token>`) is the only URL that holds the token. Start is
//! a plain form post (it works with JavaScript off) that exchanges the token
//! for a session cookie and lands on `/quiz`; `/quiz/done` is the thank-you
//! page. Both are authorized by the session alone.

use super::ErrorCard;
use crate::api::candidate::{attempt_finished, candidate_intro, current_attempt};
use crate::components::quiz::QuizRunner;
use crate::domain::candidate::Intro;
use crate::domain::AttemptStatus;
use crate::error::AppError;
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn TakePage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let intro = Resource::new(move || token.get(), candidate_intro);
    view! {
        <Title text="Quiz · rung"/>
        <main class="page candidate">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match intro.await {
                        Err(e) => EitherOf3::A(view! { <ErrorCard message=e.to_string()/> }),
                        Ok(i) if i.status.is_final() => EitherOf3::B(view! {
                            <div class="card" data-testid="already-done">
                                <h1>{i.quiz_title.clone()}</h1>
                                <p>"This quiz has been submitted. Thank you! There is nothing more to do."</p>
                            </div>
                        }),
                        Ok(i) => EitherOf3::C(view! { <IntroCard intro=i token=token.get_untracked()/> }),
                    }
                })}
            </Suspense>
        </main>
    }
}

fn duration_text(intro: &Intro) -> String {
    if intro.extra_time_percent > 0 {
        format!(
            "{} minutes (with {}% extra time)",
            intro.duration_minutes, intro.extra_time_percent
        )
    } else {
        format!("{} minutes", intro.duration_minutes)
    }
}

#[component]
fn IntroCard(intro: Intro, token: String) -> impl IntoView {
    let resuming = intro.status == AttemptStatus::InProgress;
    view! {
        <div class="card intro" data-testid="intro">
            <p class="muted">{format!("Welcome, {}", intro.candidate_name)}</p>
            <h1 data-testid="quiz-title">{intro.quiz_title.clone()}</h1>
            {(!intro.quiz_description.is_empty()).then(|| view! { <p>{intro.quiz_description.clone()}</p> })}
            <dl class="facts">
                <div><dt>"Time"</dt><dd data-testid="duration">{duration_text(&intro)}</dd></div>
                <div><dt>"Questions"</dt><dd>{intro.question_count}</dd></div>
            </dl>
            <h2>"Before you start"</h2>
            <ul class="rules">
                <li>"The clock starts when you press Start and runs on our server: closing or reloading the page does not stop it. To continue on another tab or device, open your link again and press Resume."</li>
                <li>"Each answer is saved as soon as you choose it. You can move between questions and change answers until you submit."</li>
                <li>"When the time is up, the answers you have chosen are submitted for you."</li>
                <li>"Some questions have one answer; those marked \u{201c}select all that apply\u{201d} may have several. Unanswered questions count as wrong."</li>
                <li>"Answer from your own knowledge, on your own. Your recruiter sees when the quiz is opened on another device."</li>
            </ul>
            {resuming.then(|| view! {
                <p class="notice" data-testid="resume-note">"Your quiz is under way; the clock has kept running."</p>
            })}
            // A plain form: it works without JavaScript, and the token goes in
            // the body of a POST, never into another URL.
            <form method="post" action="/take/start" data-testid="start-form">
                <input type="hidden" name="token" value=token/>
                <button type="submit" class="primary big" data-testid="start">
                    {if resuming { "Resume the quiz" } else { "Start the quiz" }}
                </button>
            </form>
        </div>
    }
}

/// Where a candidate without a live session is sent.
fn no_session_card(e: &AppError) -> impl IntoView {
    view! {
        <div class="card" data-testid="no-session">
            <h1>"Your quiz"</h1>
            <p>{e.to_string()}</p>
        </div>
    }
}

/// The question to show first: `?q=N` (1-based, as the candidate sees it).
fn start_at() -> usize {
    let query = use_query_map();
    query
        .read_untracked()
        .get("q")
        .and_then(|q| q.parse::<usize>().ok())
        .map_or(0, |q| q.saturating_sub(1))
}

#[component]
pub fn QuizPage() -> impl IntoView {
    let first = start_at();
    let attempt = Resource::new(|| (), move |_| current_attempt(Some(first as u32)));
    view! {
        <Title text="Quiz · rung"/>
        <main class="page candidate">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match attempt.await {
                        Ok(attempt) => EitherOf3::A(view! { <QuizRunner attempt start_at=first/> }),
                        Err(AppError::TimeUp) | Err(AppError::AlreadySubmitted) => EitherOf3::B(view! {
                            <div class="card" data-testid="already-done">
                                <p>"This quiz has been submitted."</p>
                                <p><a href="/quiz/done">"See your submission"</a></p>
                            </div>
                        }),
                        Err(e) => EitherOf3::C(no_session_card(&e)),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// Submitting without JavaScript: what is unanswered or flagged, then a
/// plain form that submits.
#[component]
pub fn SubmitPage() -> impl IntoView {
    let attempt = Resource::new(|| (), |_| current_attempt(None));
    view! {
        <Title text="Submit · rung"/>
        <main class="page narrow">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match attempt.await {
                        Ok(a) => {
                            let n = a.questions.len();
                            let open: Vec<usize> = a.questions.iter().filter(|q| q.selected.is_empty()).map(|q| q.position as usize + 1).collect();
                            let flagged: Vec<usize> = a.questions.iter().filter(|q| q.flagged).map(|q| q.position as usize + 1).collect();
                            let back = open.first().or(flagged.first()).copied().unwrap_or(1);
                            let links = |list: Vec<usize>| list.into_iter().map(|p| view! {
                                " " <a href=format!("/quiz?q={p}")>{format!("{p}")}</a>
                            }).collect_view();
                            Either::Left(view! {
                                <div class="card" data-testid="confirm-page">
                                    <h1>"Submit your answers?"</h1>
                                    <p class="muted">{format!("Time left: {} (as of this page's loading).", crate::components::format_remaining(a.remaining_ms))}</p>
                                    {if open.is_empty() {
                                        Either::Left(view! { <p>"You have answered every question."</p> })
                                    } else {
                                        Either::Right(view! {
                                            <p>{format!("{} of {n} questions are unanswered and will count as wrong:", open.len())}{links(open.clone())}</p>
                                        })
                                    }}
                                    {(!flagged.is_empty()).then(|| view! {
                                        <p>{format!("{} flagged for review:", flagged.len())}{links(flagged.clone())}</p>
                                    })}
                                    <p>"You cannot change your answers after submitting."</p>
                                    <form method="post" action="/quiz/finish" class="actions">
                                        <a class="button secondary" href=format!("/quiz?q={back}")>"Keep working"</a>
                                        <button type="submit" class="primary" data-testid="confirm-submit">"Submit now"</button>
                                    </form>
                                </div>
                            })
                        }
                        Err(AppError::TimeUp) | Err(AppError::AlreadySubmitted) => Either::Right(view! {
                            <div class="card" data-testid="already-done">
                                <p>"This quiz has been submitted."</p>
                                <p><a href="/quiz/done">"See your submission"</a></p>
                            </div>
                        }.into_any()),
                        Err(e) => Either::Right(no_session_card(&e).into_any()),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
pub fn DonePage() -> impl IntoView {
    let finished = Resource::new(|| (), |_| attempt_finished());
    view! {
        <Title text="Thank you · rung"/>
        <main class="page narrow">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match finished.await {
                        Ok(f) if f.status.is_final() => Either::Left(view! {
                            <div class="card" data-testid="thank-you">
                                <h1>"Thank you!"</h1>
                                <p>
                                    {match f.status {
                                        AttemptStatus::TimedOut => "The time ran out and your saved answers were submitted.",
                                        _ => "Your answers have been submitted.",
                                    }}
                                </p>
                                <p>{format!("You answered {} of {} questions.", f.answered, f.question_count)}</p>
                                <p class="muted">"Your recruiter will be in touch. You can close this page."</p>
                            </div>
                        }),
                        Ok(_) => Either::Right(view! {
                            <div class="card">
                                <p>"Your quiz is still open."</p>
                                <p><a href="/quiz">"Back to the quiz"</a></p>
                            </div>
                        }.into_any()),
                        Err(e) => Either::Right(no_session_card(&e).into_any()),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// What went wrong with a link, and what to do. The same page answers a
/// forged, mistyped, unknown or withdrawn link, so a guesser learns nothing.
#[component]
pub fn LinkPage() -> impl IntoView {
    let query = use_query_map();
    let message = move || match query.read().get("problem").as_deref() {
        Some("expired") => AppError::ExpiredLink.to_string(),
        Some("submitted") => {
            "This quiz has already been submitted. Thank you! There is nothing more to do.".into()
        }
        Some("gone") => "This quiz is no longer offered. Ask your recruiter for a new link.".into(),
        Some("error") => AppError::Internal.to_string(),
        _ => AppError::InvalidLink.to_string(),
    };
    view! {
        <Title text="Your link · rung"/>
        <main class="page narrow">
            <div class="card" data-testid="link-problem">
                <h1>"Your quiz link"</h1>
                <p>{message}</p>
            </div>
        </main>
    }
}
