//! The recruiter's pages: sign-in and the console (candidates and scores,
//! inviting a candidate).

use super::ErrorCard;
use crate::api::recruiter::{
    attempts, fetch_item_analysis, fetch_report, quizzes, whoami, ChangePassword, Invite, Login,
    Logout, Revoke,
};
use crate::domain::recruiter::{AttemptRow, Me};
use crate::domain::report::{
    AttemptReport, BreakdownRow, ItemAnalysis, LadderRow, ReviewItem, Verdict, WHAT_IT_MEASURES,
};
use crate::domain::AttemptStatus;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};
use leptos_router::hooks::use_params_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let error = move || {
        login
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };
    view! {
        <Title text="Sign in · rung"/>
        <main class="page narrow">
            <div class="card">
                <h1>"Recruiter sign-in"</h1>
                <ActionForm action=login attr:data-testid="login-form">
                    <label>"Email" <input type="email" name="email" autocomplete="username" required data-testid="email"/></label>
                    <label>"Password" <input type="password" name="password" autocomplete="current-password" required data-testid="password"/></label>
                    <button type="submit" class="primary" data-testid="sign-in" disabled=move || login.pending().get()>"Sign in"</button>
                </ActionForm>
                {move || error().map(|m| view! { <p class="notice" role="alert" data-testid="login-error">{m}</p> })}
            </div>
        </main>
    }
}

fn when(ms: i64) -> String {
    format!("{} UTC", crate::domain::format_utc(ms))
}

fn attempt_row(r: AttemptRow, revoke: ServerAction<Revoke>) -> impl IntoView {
    let score = r
        .score
        .as_ref()
        .map(|s| format!("{:.1} / {:.0} ({:.0}%)", s.points, s.max, s.percent()));
    let status_class = match r.status {
        AttemptStatus::NotStarted => "status invited",
        AttemptStatus::InProgress => "status running",
        AttemptStatus::Submitted => "status done",
        AttemptStatus::TimedOut => "status timedout",
    };
    let verdict = r.verdict.as_ref().map(verdict_short);
    let href = format!("/recruiter/candidates/{}", r.invitation_id);
    let can_revoke = !r.revoked && !r.status.is_final();
    let invitation_id = r.invitation_id.clone();
    let revoke_label = format!("Revoke the invitation of {}", r.candidate_name);
    let extra = (r.extra_time_percent > 0).then(|| {
        view! { <span class="tag" title="Extra time for an accommodation">{format!("+{}% time", r.extra_time_percent)}</span> }
    });
    view! {
        <tr data-testid="attempt-row">
            <td data-testid="candidate"><a href=href>{r.candidate_name}</a></td>
            <td>{r.quiz_title}</td>
            <td>
                <span class=status_class data-testid="status">{r.status.label()}</span>
                {r.revoked.then(|| view! { " " <span class="status revoked" data-testid="revoked">"revoked"</span> })}
                {extra.map(|e| view! { " " {e} })}
            </td>
            <td>{when(r.invited_at)}</td>
            <td>{r.finished_at.map(when).unwrap_or_default()}</td>
            <td class="num" data-testid="score">{score.unwrap_or_else(|| "—".into())}</td>
            <td data-testid="verdict">{verdict.unwrap_or_else(|| "—".into())}</td>
            <td>
                {can_revoke.then(|| view! {
                    <ActionForm action=revoke>
                        <input type="hidden" name="invitation_id" value=invitation_id.clone()/>
                        <button type="submit" class="link-button" data-testid="revoke"
                            aria-label=revoke_label.clone()>"Revoke"</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}

/// The signed-in part of the console: checks the session (strangers go to
/// sign-in, holders of a one-time password to the password page), then
/// shows the top bar and the page.
#[component]
fn Signed(
    title: &'static str,
    /// This is the password page, open to holders of a one-time password.
    #[prop(optional)]
    password_page: bool,
    children: ChildrenFn,
) -> impl IntoView {
    let who = Resource::new(|| (), |_| whoami());
    let children = StoredValue::new(children);
    let logout = ServerAction::<Logout>::new();
    view! {
        <Title text=format!("{title} · rung")/>
        <Suspense fallback=|| view! { <p class="muted page">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match who.await {
                    Ok(Some(me)) if me.must_change_password && !password_page => {
                        Either::Right(view! { <Redirect path="/recruiter/password"/> }.into_any())
                    }
                    Ok(Some(me)) => Either::Left({
                        // The page below reads the account from here
                        // rather than asking the server again.
                        provide_context(me.clone());
                        view! {
                        <header class="topbar">
                            <span class="brand">"rung"</span>
                            <nav class="topnav">
                                <A href="/recruiter">"Candidates"</A>
                                <A href="/recruiter/items">"Item analysis"</A>
                            </nav>
                            <A href="/recruiter/password" attr:class="muted" attr:title="Change your password">{me.email}</A>
                            <ActionForm action=logout><button type="submit" class="link-button">"Sign out"</button></ActionForm>
                        </header>
                        {children.with_value(|c| c())}
                    }}),
                    Ok(None) => Either::Right(view! { <Redirect path="/recruiter/login"/> }.into_any()),
                    Err(e) => Either::Right(view! { <main class="page"><ErrorCard message=e.to_string()/></main> }.into_any()),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn PasswordPage() -> impl IntoView {
    view! { <Signed title="Password" password_page=true><PasswordForm/></Signed> }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let me = use_context::<Me>();
    let forced = me.as_ref().is_some_and(|m| m.must_change_password);
    let email = me.map(|m| m.email).unwrap_or_default();
    let change = ServerAction::<ChangePassword>::new();
    let error = move || {
        change
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };
    view! {
        <main class="page narrow">
            <div class="card">
                <h1 data-testid="password-title">{if forced { "Choose your password" } else { "Change your password" }}</h1>
                {forced.then(|| view! {
                    <p data-testid="password-forced">"You signed in with a one-time password. Choose your own to open the console: the one-time password then stops working, and so does every other session of this account."</p>
                })}
                // For password managers; not sent.
                <input type="email" class="sr-only" autocomplete="username" value=email readonly tabindex="-1" aria-hidden="true"/>
                <ActionForm action=change attr:data-testid="password-form">
                    <label>"Current password" <input type="password" name="current_password" autocomplete="current-password" required data-testid="current-password"/></label>
                    <label>"New password (at least 15 characters; a few unrelated words work well)"
                        <input type="password" name="new_password" autocomplete="new-password" minlength="15" maxlength="1024" required data-testid="new-password"/></label>
                    <label>"New password again" <input type="password" name="confirm_password" autocomplete="new-password" minlength="15" maxlength="1024" required data-testid="confirm-password"/></label>
                    <button type="submit" class="primary" data-testid="save-password" disabled=move || change.pending().get()>"Save password"</button>
                </ActionForm>
                {move || error().map(|m| view! { <p class="notice" role="alert" data-testid="password-error">{m}</p> })}
            </div>
        </main>
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! { <Signed title="Candidates"><Console/></Signed> }
}

fn verdict_short(v: &Verdict) -> String {
    v.short()
}

#[component]
fn Console() -> impl IntoView {
    let invite = ServerAction::<Invite>::new();
    let revoke = ServerAction::<Revoke>::new();
    let rows = Resource::new(
        move || (invite.version().get(), revoke.version().get()),
        |_| attempts(),
    );
    let quiz_list = Resource::new(|| (), |_| quizzes());

    let invited = move || {
        invite.value().get().map(|r| match r {
            Ok(inv) => Either::Left(view! {
                <div class="card invited" data-testid="invitation">
                    <p>"Send this link to the candidate (it works for 14 days, once):"</p>
                    <input class="link" readonly value=inv.link.clone() data-testid="invitation-link"/>
                </div>
            }),
            Err(e) => Either::Right(view! { <ErrorCard message=e.to_string()/> }),
        })
    };

    view! {
        <main class="page wide">
            <section class="card">
                <h2>"Invite a candidate"</h2>
                <ActionForm action=invite attr:class="inline-form">
                    <label>"Name" <input name="candidate_name" required maxlength="200" data-testid="invite-name"/></label>
                    <label>"Email (optional)" <input name="candidate_email" type="email" data-testid="invite-email"/></label>
                    <label>"Extra time, % (accommodation)" <input name="extra_time_percent" type="number" min="0" max="200" step="5" value="0" data-testid="invite-extra-time"/></label>
                    <label>"Quiz"
                        <select name="quiz_id" data-testid="invite-quiz">
                            <Suspense fallback=|| ()>
                                {move || Suspend::new(async move {
                                    quiz_list.await.unwrap_or_default().into_iter().map(|q| view! {
                                        <option value=q.id.clone()>{format!("{} ({} min, {} questions)", q.title, q.duration_minutes, q.question_count)}</option>
                                    }).collect_view()
                                })}
                            </Suspense>
                        </select>
                    </label>
                    <button type="submit" class="primary" data-testid="invite">"Create link"</button>
                </ActionForm>
                {invited}
            </section>
            <section class="card">
                <h2>"Candidates"</h2>
                <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match rows.await {
                            Ok(list) if list.is_empty() => Either::Left(view! { <p class="muted">"No invitations yet."</p> }),
                            Ok(list) => Either::Right(view! {
                                <table class="attempts" data-testid="attempts">
                                    <thead><tr>
                                        <th>"Candidate"</th><th>"Quiz"</th><th>"Status"</th><th>"Invited"</th><th>"Finished"</th><th class="num">"Score"</th><th>"Level"</th><th><span class="sr-only">"Actions"</span></th>
                                    </tr></thead>
                                    <tbody>{list.into_iter().map(|r| attempt_row(r, revoke)).collect_view()}</tbody>
                                </table>
                            }.into_any()),
                            Err(e) => Either::Right(view! { <ErrorCard message=e.to_string()/> }.into_any()),
                        }
                    })}
                </Transition>
                <button type="button" class="secondary" on:click=move |_| rows.refetch()>"Refresh"</button>
            </section>
        </main>
    }
}

#[component]
pub fn ReportPage() -> impl IntoView {
    view! { <Signed title="Report"><Report/></Signed> }
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn breakdown_table(caption: &'static str, rows: Vec<BreakdownRow>) -> impl IntoView {
    let with_threshold = rows.iter().any(|r| r.threshold.is_some());
    view! {
        <table class="breakdown">
            <caption>{caption}</caption>
            <thead><tr>
                <th></th><th class="num">"Points"</th><th class="num">"Score"</th>
                {with_threshold.then(|| view! { <th class="num">"Threshold"</th> })}
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let percent = r.percent();
                    let below = r.threshold.is_some_and(|t| percent < t * 100.0);
                    view! {
                        <tr class:below=below>
                            <td>{r.label.clone()}</td>
                            <td class="num">{format!("{:.1} / {:.0}", r.points, r.max)}</td>
                            <td class="num">{format!("{percent:.0}%")}</td>
                            {with_threshold.then(|| view! { <td class="num">{r.threshold.map(pct).unwrap_or_default()}</td> })}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

fn verdict_card(v: Verdict, ladder: Vec<LadderRow>) -> impl IntoView {
    let top = v.top;
    let open = v.open_top;
    let bars = v
        .level_probabilities
        .iter()
        .enumerate()
        .map(|(l, p)| {
            let label = if l == 0 {
                "<1".to_string()
            } else if l as u8 == top && open {
                format!("{l}+")
            } else {
                l.to_string()
            };
            let here = l as u8 == v.level;
            let title = format!("level {label}: {:.0}%", p * 100.0);
            view! {
                <div class="bar" class:here=here title=title>
                    // A class per 5% step, not a style attribute: the
                    // Content-Security-Policy allows no inline styles.
                    <span class=format!("fill h{}", (p * 20.0).round().clamp(0.0, 20.0) as u8)></span>
                    <span class="label">{label}</span>
                </div>
            }
        })
        .collect_view();
    let level_name = ladder
        .iter()
        .find(|l| l.level == v.level)
        .map(|l| format!("{}: {}.", l.name, l.summary));
    let unmeasured: Vec<String> = ladder
        .iter()
        .filter(|l| !l.measured)
        .map(|l| format!("{} ({})", l.level, l.name))
        .collect();
    let scope = if unmeasured.is_empty() {
        WHAT_IT_MEASURES.to_string()
    } else {
        format!(
            "{WHAT_IT_MEASURES} That is why its top verdict reads \"level {top} or above\": levels {} are for interviews and references to decide.",
            unmeasured.join(", ")
        )
    };
    let fit = v.person_fit.clone().filter(|f| f.flagged).map(|f| {
        view! {
            <p class="evidence" data-testid="person-fit">
                <strong>"Unusual answer pattern (evidence to look at, not a verdict): "</strong>
                {format!(
                    "{} right answer(s) the model thought unlikely and {} wrong answer(s) it thought likely (lz* = {:.2}). This can mean patchy, specialised knowledge, lucky guesses, or help from outside; review the answers below.",
                    f.unexpected_right, f.unexpected_wrong, f.lz_star
                )}
            </p>
        }
    });
    let not_reached = (v.not_reached > 0).then(|| {
        view! {
            <p class="muted" data-testid="not-reached">
                {format!("{} question(s) were not reached before time ran out; they are left out of the verdict, not counted wrong.", v.not_reached)}
            </p>
        }
    });
    view! {
        <section class="card verdict" data-testid="verdict">
            <h2>{v.sentence()}</h2>
            {level_name.map(|n| view! { <p data-testid="level-name">{n}</p> })}
            <p class="muted">
                {format!(
                    "Ladder position {:.1}; ability {:.2} ± {:.2} logits; 90% band: {}; levels {:.2} logits apart on average.",
                    v.ladder_position, v.ability, v.standard_error, v.band(), v.spacing
                )}
            </p>
            <div class="levels" aria-label="Probability of each level">{bars}</div>
            {fit}
            {not_reached}
            <p class="muted" data-testid="what-it-measures">{scope}</p>
        </section>
    }
}

fn review_item(item: ReviewItem) -> impl IntoView {
    let credit = item
        .credit
        .map(|c| format!("{:.0}%", c * 100.0))
        .unwrap_or_else(|| {
            if item.scored {
                "not reached (not scored)".into()
            } else {
                "pilot (not scored)".into()
            }
        });
    let status = match item.credit {
        Some(c) if c >= 1.0 => "right",
        Some(c) if c > 0.0 => "partial",
        Some(_) => "wrong",
        None => "pilot",
    };
    let timing = item
        .time_to_answer_ms
        .map(|ms| format!(" · answered {:.0} s after first shown", ms as f64 / 1000.0))
        .unwrap_or_default();
    view! {
        <article class=format!("card review {status}") data-testid="review-item">
            <p class="qmeta">{format!("Question {} · {} · level {} · {} · ", item.position + 1, item.topic, item.level, item.question_id)}<strong>{credit}</strong>{timing}</p>
            <div class="prompt" inner_html=item.prompt_html></div>
            <ul class="review-options">
                {item.options.into_iter().map(|o| view! {
                    <li class:correct=o.correct class:chosen=o.chosen>
                        <span class="mark">{match (o.chosen, o.correct) { (true, true) => "✓ chosen", (true, false) => "✗ chosen", (false, true) => "key", _ => "" }}</span>
                        <span inner_html=o.html></span>
                    </li>
                }).collect_view()}
            </ul>
            <details><summary>"Explanation"</summary>
                <div inner_html=item.explanation_html></div>
                <ul class="refs">{item.references.into_iter().map(|r| view! { <li><a href=r.clone() rel="noreferrer noopener" target="_blank">{r.clone()}</a></li> }).collect_view()}</ul>
            </details>
        </article>
    }
}

#[component]
fn Report() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let report = Resource::new(move || id.get(), fetch_report);
    view! {
        <main class="page wide">
            <p><a href="/recruiter">"← Candidates"</a></p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(r) => Either::Left(report_view(r)),
                        Err(e) => Either::Right(view! { <ErrorCard message=e.to_string()/> }),
                    }
                })}
            </Suspense>
        </main>
    }
}

fn report_view(r: AttemptReport) -> impl IntoView {
    let finished = r
        .finished_at
        .map(when)
        .unwrap_or_else(|| "not finished".into());
    view! {
        <h1 data-testid="report-name">{r.candidate_name.clone()}</h1>
        <p class="muted">{format!("{} · {} · finished {finished} · {:.1} of {:.0} points", r.quiz_title, r.status.label(), r.points, r.max)}</p>
        {match r.verdict.clone() {
            Some(v) => Either::Left(verdict_card(v, r.ladder.clone())),
            None => Either::Right(view! { <p class="card">"No verdict yet: the attempt is not finished."</p> }),
        }}
        {(!r.by_level.is_empty()).then(|| view! {
            <section class="card tables">
                {breakdown_table("By level (read against the threshold: the score expected at the bottom of the level)", r.by_level.clone())}
                {breakdown_table("By topic", r.by_topic.clone())}
            </section>
        })}
        {(r.extra_time_percent > 0).then(|| view! {
            <p class="muted" data-testid="extra-time">{format!("Taken with {}% extra time (an accommodation).", r.extra_time_percent)}</p>
        })}
        {r.revoked_at.map(|t| view! {
            <p class="notice" data-testid="revoked-note">{format!("The invitation was revoked on {}.", when(t))}</p>
        })}
        {(!r.events.is_empty()).then(|| view! {
            <section class="card" data-testid="timeline">
                <h2>"Timeline"</h2>
                <p class="muted">
                    "What the server and the candidate's browser recorded during the attempt. "
                    "These are evidence, not proof: a lost focus may be a notification, a second session "
                    "a change of device, a new address a phone changing networks. Ask before you conclude."
                </p>
                <ol class="timeline">
                    {r.events.clone().into_iter().map(|e| view! {
                        <li data-kind=e.kind.clone()><time>{when(e.at)}</time>" "{e.text}</li>
                    }).collect_view()}
                </ol>
            </section>
        })}
        {(!r.items.is_empty()).then(|| view! {
            <h2>"Answers"</h2>
            {r.items.clone().into_iter().map(review_item).collect_view()}
        })}
    }
}

#[component]
pub fn ItemsPage() -> impl IntoView {
    view! { <Signed title="Item analysis"><Items/></Signed> }
}

#[component]
fn Items() -> impl IntoView {
    let data = Resource::new(|| (), |_| fetch_item_analysis());
    view! {
        <main class="page wide">
            <h1>"Item analysis"</h1>
            <p class="muted">
                "From finished attempts. p: mean credit. r: corrected item-rest point-biserial (below 0.2 is weak, negative suggests a wrong key). "
                "Options: share of respondents choosing each; * marks the key. Run `rung calibrate` for difficulties on the level scale."
            </p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(a) => Either::Left(items_view(a)),
                        Err(e) => Either::Right(view! { <ErrorCard message=e.to_string()/> }),
                    }
                })}
            </Suspense>
        </main>
    }
}

fn items_view(a: ItemAnalysis) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Quizzes"</h2>
            <table class="attempts" data-testid="reliability">
                <thead><tr><th>"Quiz"</th><th class="num">"Attempts"</th><th class="num">"Questions"</th><th class="num">"Mean (sd)"</th><th class="num">"KR-20"</th><th class="num">"SEM"</th></tr></thead>
                <tbody>{a.quizzes.into_iter().map(|q| view! {
                    <tr>
                        <td>{q.quiz_id}</td><td class="num">{q.attempts}</td><td class="num">{q.questions}</td>
                        <td class="num">{format!("{:.1} ({:.1})", q.mean, q.sd)}</td>
                        <td class="num">{q.kr20.map(|r| format!("{r:.2}")).unwrap_or_else(|| "n/a".into())}</td>
                        <td class="num">{q.sem.map(|r| format!("{r:.2}")).unwrap_or_else(|| "n/a".into())}</td>
                    </tr>
                }).collect_view()}</tbody>
            </table>
        </section>
        <section class="card">
            <h2>"Questions"</h2>
            <table class="attempts items" data-testid="items">
                <thead><tr><th>"Question"</th><th class="num">"n"</th><th class="num">"p"</th><th class="num">"r"</th><th>"Options"</th><th>"Flags"</th></tr></thead>
                <tbody>{a.items.into_iter().map(|i| view! {
                    <tr class:flagged=i.flags.iter().any(|f| !f.starts_with("only "))>
                        <td><code>{i.question_id}</code><span class="muted">{format!(" @{}", i.version)}</span></td>
                        <td class="num">{i.responses}</td>
                        <td class="num">{format!("{:.2}", i.p_value)}</td>
                        <td class="num">{i.discrimination.map(|d| format!("{d:.2}")).unwrap_or_else(|| "n/a".into())}</td>
                        <td>{i.options.iter().map(|(id, c, s)| format!("{id}{}={:.0}%", if *c { "*" } else { "" }, s * 100.0)).collect::<Vec<_>>().join(" ")}</td>
                        <td>{i.flags.join("; ")}</td>
                    </tr>
                }).collect_view()}</tbody>
            </table>
        </section>
    }
}
