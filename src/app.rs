//! The HTML shell and the route table.

use crate::pages::candidate::{DonePage, LinkPage, QuizPage, SubmitPage, TakePage};
use crate::pages::recruiter::{DashboardPage, ItemsPage, LoginPage, PasswordPage, ReportPage};
use crate::pages::{HomePage, NotFoundPage};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="referrer" content="no-referrer"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser: this marks the page as hydrated, so
    // end-to-end tests (and a user's first click) wait for a live page.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/rung.css"/>
        <Title text="rung"/>
        <Router>
            // The candidate's pages render whole on the server before the
            // first byte (`Async`): they work without JavaScript, and their
            // status code is the real one.
            <Routes fallback=NotFoundPage>
                <Route path=path!("/") view=HomePage/>
                <Route path=path!("/take/:token") view=TakePage ssr=SsrMode::Async/>
                <Route path=path!("/quiz") view=QuizPage ssr=SsrMode::Async/>
                <Route path=path!("/quiz/done") view=DonePage ssr=SsrMode::Async/>
                <Route path=path!("/quiz/submit") view=SubmitPage ssr=SsrMode::Async/>
                <Route path=path!("/link") view=LinkPage ssr=SsrMode::Async/>
                <Route path=path!("/recruiter/login") view=LoginPage/>
                <Route path=path!("/recruiter/password") view=PasswordPage/>
                <Route path=path!("/recruiter") view=DashboardPage/>
                <Route path=path!("/recruiter/candidates/:id") view=ReportPage/>
                <Route path=path!("/recruiter/items") view=ItemsPage/>
            </Routes>
        </Router>
    }
}
