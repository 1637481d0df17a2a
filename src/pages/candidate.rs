//! The candidate's pages: the link's landing page (rules, Start), the quiz
//! itself, and the thank-you page.

use super::ErrorCard;
use crate::api::candidate::{attempt_finished, candidate_intro, start_attempt};
use crate::components::quiz::QuizRunner;
use crate::domain::candidate::Intro;
use crate::domain::AttemptStatus;
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

fn token_param() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("token").unwrap_or_default())
}

#[component]
pub fn TakePage() -> impl IntoView {
    let token = token_param();
    let intro = Resource::new(move || token.get(), candidate_intro);
    let start = Action::new(move |t: &String| start_attempt(t.clone()));

    // An attempt already under way resumes by itself once the page is live.
    Effect::new(move |_| {
        if let Some(Ok(i)) = intro.get() {
            if i.status == AttemptStatus::InProgress
                && start.value().get_untracked().is_none()
                && !start.pending().get_untracked()
            {
                start.dispatch(token.get_untracked());
            }
        }
    });

    let body = move || {
        if let Some(Ok(attempt)) = start.value().get() {
            return Either::Left(view! { <QuizRunner token=token.get_untracked() attempt/> });
        }
        let start_error = move || {
            start
                .value()
                .get()
                .and_then(|r| r.err())
                .map(|e| view! { <ErrorCard message=e.to_string()/> })
        };
        Either::Right(view! {
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match intro.await {
                        Err(e) => EitherOf3::A(view! { <ErrorCard message=e.to_string()/> }),
                        Ok(i) if i.status.is_final() => EitherOf3::B(view! {
                            <div class="card" data-testid="already-done">
                                <h1>{i.quiz_title.clone()}</h1>
                                <p>"This quiz has been submitted. Thank you!"</p>
                            </div>
                        }),
                        Ok(i) => EitherOf3::C(view! { <IntroCard intro=i start=start token=token/> }),
                    }
                })}
            </Suspense>
            {start_error}
        })
    };

    view! {
        <Title text="Quiz · rung"/>
        <main class="page candidate">{body}</main>
    }
}

#[component]
fn IntroCard(
    intro: Intro,
    start: Action<String, Result<crate::domain::candidate::AttemptView, crate::error::AppError>>,
    token: Memo<String>,
) -> impl IntoView {
    let resuming = intro.status == AttemptStatus::InProgress;
    view! {
        <div class="card intro" data-testid="intro">
            <p class="muted">{format!("Welcome, {}", intro.candidate_name)}</p>
            <h1 data-testid="quiz-title">{intro.quiz_title.clone()}</h1>
            {(!intro.quiz_description.is_empty()).then(|| view! { <p>{intro.quiz_description.clone()}</p> })}
            <dl class="facts">
                <div><dt>"Time"</dt><dd data-testid="duration">{format!("{} minutes", intro.duration_minutes)}</dd></div>
                <div><dt>"Questions"</dt><dd>{intro.question_count}</dd></div>
            </dl>
            <h2>"Before you start"</h2>
            <ul class="rules">
                <li>"The clock starts when you press Start and runs on our server: closing or reloading the page does not stop it. Reopen your link to continue."</li>
                <li>"Each answer is saved as soon as you choose it. You can move between questions and change answers until you submit."</li>
                <li>"When the time is up, the answers you have chosen are submitted for you."</li>
                <li>"Some questions have one answer; those marked \u{201c}select all that apply\u{201d} may have several. Unanswered questions count as wrong."</li>
                <li>"Answer from your own knowledge, on your own."</li>
            </ul>
            <button class="primary big" data-testid="start"
                disabled=move || start.pending().get()
                on:click=move |_| { start.dispatch(token.get_untracked()); }>
                {if resuming { "Resume" } else { "Start the quiz" }}
            </button>
        </div>
    }
}

#[component]
pub fn DonePage() -> impl IntoView {
    let token = token_param();
    let finished = Resource::new(move || token.get(), attempt_finished);
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
                                <p><a href=format!("/take/{}", token.get_untracked())>"Back to the quiz"</a></p>
                            </div>
                        }.into_any()),
                        Err(e) => Either::Right(view! { <ErrorCard message=e.to_string()/> }.into_any()),
                    }
                })}
            </Suspense>
        </main>
    }
}
