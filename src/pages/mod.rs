//! One module per route; components are named `*Page`.

pub mod candidate;
pub mod recruiter;

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="rung"/>
        <main class="page narrow">
            <h1 class="brand">"rung"</h1>
            <p class="lead">
                "Timed security-knowledge quizzes (OWASP, PKI, authentication and authorization), "
                "scored against the levels of a security-engineering ladder."
            </p>
            <p>"Candidates: open the link your recruiter sent you."</p>
            <p><a class="button" href="/recruiter/login">"Recruiter sign-in"</a></p>
        </main>
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(axum::http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="Not found · rung"/>
        <main class="page narrow">
            <h1>"Page not found"</h1>
            <p>"If you followed a quiz link, copy the whole link from your invitation."</p>
        </main>
    }
}

/// An error shown in place of a page's content.
#[component]
pub fn ErrorCard(message: String) -> impl IntoView {
    view! {
        <div class="card error" role="alert" data-testid="error">
            <p>{message}</p>
        </div>
    }
}
