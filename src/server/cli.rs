//! The `rung` command line: `serve` (the default), `invite`, `lint`.

use super::bank;
use super::clock::Clock;
use super::config::{redact_url, Config};
use super::http::startup::{self, Application, StartupError};
use super::recruiting;
use super::state::AppState;
use clap::{Args, Parser, Subcommand};
use leptos::prelude::LeptosOptions;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "rung", version, about = "A security-knowledge quiz engine", long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Args, Debug)]
pub struct Global {
    /// Database URL: sqlite://FILE (created if missing) or postgres://...
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://rung.db",
        global = true
    )]
    pub database_url: String,
    /// The question bank directory.
    #[arg(long, env = "RUNG_QUIZZES", default_value = "quizzes", global = true)]
    pub quizzes: PathBuf,
    /// The public address of this server, used in candidate links
    /// [default: http://<listen address>].
    #[arg(long, env = "RUNG_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the app (the default). Listens on LEPTOS_SITE_ADDR, default 127.0.0.1:3000.
    Serve {
        /// Listen address, overriding LEPTOS_SITE_ADDR.
        #[arg(long)]
        addr: Option<SocketAddr>,
    },
    /// Invite a candidate: prints the candidate's link as the last line.
    /// `rung invite revoke ID-OR-LINK` revokes an invitation instead.
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Invite {
        #[command(subcommand)]
        action: Option<InviteAction>,
        /// The quiz id (a file under quizzes/blueprints/).
        #[arg(long, required = true)]
        quiz: Option<String>,
        /// The candidate's name.
        #[arg(long, required = true)]
        name: Option<String>,
        /// The candidate's email address (optional, for your records).
        #[arg(long)]
        email: Option<String>,
        /// Extra time for an accommodation, in percent of the quiz's
        /// duration (0 to 200): `--extra-time 25` turns 25 minutes into 32
        /// (rounded up to a whole minute).
        #[arg(long, default_value_t = 0, value_name = "PERCENT")]
        extra_time: u32,
    },
    /// Convert questions from another format into rung's TOML.
    Import {
        #[command(subcommand)]
        from: ImportFrom,
    },
    /// Estimate the spacing of the levels and the question difficulties
    /// from the finished attempts and store them; scoring uses them from the
    /// next attempt on.
    Calibrate {
        /// Questions with fewer responses help the estimate but stay
        /// uncalibrated.
        #[arg(long, default_value_t = 10)]
        min_responses: usize,
        /// Show the estimates without storing them.
        #[arg(long)]
        dry_run: bool,
    },
    /// Item analysis: per question version and per quiz, from the finished
    /// attempts.
    Items {
        /// Only the questions with flags.
        #[arg(long)]
        flagged: bool,
    },
    /// Simulate candidates spread evenly over the measured levels, in a
    /// world that departs from the scorer's model, and report how often the
    /// verdict finds their level, beside an oracle that knows the truth.
    Simulate {
        /// The quiz id.
        #[arg(long)]
        quiz: String,
        /// How many simulated candidates (each takes two forms).
        #[arg(long, default_value_t = 5000)]
        candidates: usize,
        /// Random seed (the same seed gives the same figures).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The true worlds to simulate (comma-separated): rung, narrow,
        /// wide, 2pl, guessing, not-reached, realistic, or all.
        #[arg(long, value_delimiter = ',', default_value = "rung,realistic")]
        truth: Vec<String>,
        /// Print the calibration of the reported confidence, bin by bin.
        #[arg(long)]
        confidence: bool,
        /// Also simulate the quiz rescaled to these numbers of questions per
        /// level (comma-separated), to show accuracy against length.
        #[arg(long, value_delimiter = ',')]
        per_level: Vec<u32>,
    },
    /// Manage recruiter accounts. Each new or reset password is one-time:
    /// the recruiter chooses their own at the next sign-in.
    Recruiter {
        #[command(subcommand)]
        action: RecruiterAction,
    },
    /// Check the question bank; exit status 1 on any error.
    Lint {
        /// The bank directory [default: the --quizzes directory].
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum InviteAction {
    /// Revoke an invitation: its link and every session of it stop working
    /// at once (an attempt under way keeps its saved answers and is
    /// finalized at its deadline).
    Revoke {
        /// The invitation's id (as in the console's address of its report)
        /// or the candidate's whole link.
        invitation: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum RecruiterAction {
    /// Create a recruiter account; prints its one-time password last.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Give a recruiter a new one-time password and end their sessions;
    /// prints the password last.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportFrom {
    /// mdbook-quiz TOML files: MultipleChoice questions are converted, the
    /// other types are reported as skipped.
    MdbookQuiz {
        /// The mdbook-quiz files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The topic of every imported question (a topic id of topics.toml).
        #[arg(long)]
        topic: String,
        /// The ladder level of every imported question (a measured level of
        /// ladder.toml).
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=12))]
        level: u8,
        /// Write to this file (it must not exist) instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Prefix of the generated question ids [default: the topic].
        #[arg(long)]
        id_prefix: Option<String>,
    },
}

fn env_opt(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Options for commands that do not serve: only the address matters (for
/// the default public URL of links).
fn offline_options() -> LeptosOptions {
    let addr = std::env::var("LEPTOS_SITE_ADDR")
        .ok()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)));
    LeptosOptions::builder()
        .output_name("rung")
        .site_addr(addr)
        .build()
}

fn leptos_options(addr: Option<SocketAddr>) -> LeptosOptions {
    let mut options = leptos::config::get_configuration(None)
        .map(|c| c.leptos_options)
        .unwrap_or_else(|_| {
            LeptosOptions::builder()
                .output_name("rung")
                .site_root(
                    std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into()),
                )
                .site_addr(SocketAddr::from(([127, 0, 0, 1], 3000)))
                .build()
        });
    if let Some(addr) = addr {
        options.site_addr = addr;
    }
    options
}

fn config(global: &Global, addr: SocketAddr) -> Config {
    Config {
        database_url: global.database_url.clone(),
        quizzes_dir: global.quizzes.clone(),
        public_url: global
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}")),
        jwt_secret: env_opt("RUNG_JWT_SECRET"),
        admin_email: env_opt("RUNG_ADMIN_EMAIL").unwrap_or_else(|| "admin@rung.local".into()),
        admin_password: env_opt("RUNG_ADMIN_PASSWORD"),
        invitation_days: 14,
        demo_invitation: true,
        trusted_proxies: env_opt("RUNG_TRUSTED_PROXIES").unwrap_or_default(),
        header_timeout: crate::server::config::HEADER_TIMEOUT,
        request_timeout: crate::server::config::REQUEST_TIMEOUT,
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Lint { dir }) => lint(dir.unwrap_or(cli.global.quizzes)),
        Some(Command::Import { from }) => import(from, &cli.global.quizzes),
        Some(Command::Simulate {
            quiz,
            candidates,
            seed,
            truth,
            confidence,
            per_level,
        }) => simulate(
            &cli.global,
            &quiz,
            candidates,
            seed,
            &truth,
            confidence,
            &per_level,
        ),
        Some(Command::Calibrate {
            min_responses,
            dry_run,
        }) => {
            init_tracing();
            match with_state(&cli.global).await {
                Ok(state) => calibrate(&state, min_responses, dry_run).await,
                Err(code) => code,
            }
        }
        Some(Command::Items { flagged }) => {
            init_tracing();
            match with_state(&cli.global).await {
                Ok(state) => items(&state, flagged).await,
                Err(code) => code,
            }
        }
        Some(Command::Invite {
            action,
            quiz,
            name,
            email,
            extra_time,
        }) => {
            init_tracing();
            let options = offline_options();
            let config = config(&cli.global, options.site_addr);
            let state = match startup::state(config, Clock::default(), options).await {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            if let Some(InviteAction::Revoke { invitation }) = action {
                return revoke(&state, &invitation).await;
            }
            let (Some(quiz), Some(name)) = (quiz, name) else {
                eprintln!("error: --quiz and --name are required");
                return ExitCode::from(2);
            };
            match recruiting::invite(
                &state,
                recruiting::Actor::Operator,
                &quiz,
                &name,
                email.as_deref(),
                extra_time,
            )
            .await
            {
                Ok(inv) => {
                    println!(
                        "Invited {} to quiz `{quiz}`; the link works until {} (UTC).",
                        name.trim(),
                        crate::domain::format_utc(inv.expires_at)
                    );
                    println!("{}", inv.link);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Some(Command::Recruiter { action }) => {
            init_tracing();
            let state = match with_state(&cli.global).await {
                Ok(state) => state,
                Err(code) => return code,
            };
            let (result, done) = match action {
                RecruiterAction::Add { email, name } => (
                    recruiting::add_recruiter(&state, &email, &name).await,
                    format!(
                        "Created the recruiter account {}",
                        email.trim().to_lowercase()
                    ),
                ),
                RecruiterAction::ResetPassword { email } => (
                    recruiting::reset_password(&state, &email).await,
                    format!("Reset the password of {}", email.trim().to_lowercase()),
                ),
            };
            match result {
                Ok(password) => {
                    println!(
                        "{done}. Hand over this one-time password; it must be replaced at the first sign-in ({}/recruiter/login):",
                        state.config.public_url
                    );
                    println!("{password}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Some(Command::Serve { addr }) => serve(&cli.global, addr).await,
        None => serve(&cli.global, None).await,
    }
}

async fn with_state(global: &Global) -> Result<super::state::AppState, ExitCode> {
    let options = offline_options();
    let config = config(global, options.site_addr);
    startup::state(config, Clock::default(), options)
        .await
        .map_err(fail)
}

/// `rung invite revoke`: by invitation id, or by the candidate's link.
async fn revoke(state: &AppState, invitation: &str) -> ExitCode {
    let given = invitation.trim();
    let id = if given.contains('.') {
        // By the token's id: a link already revoked can be named again.
        let token = given.rsplit('/').next().unwrap_or(given);
        match state.keys.verify(token, state.clock.now_ms()) {
            Ok(claims) => claims.jti,
            Err(_) => {
                eprintln!("error: that is not one of this server's candidate links");
                return ExitCode::FAILURE;
            }
        }
    } else {
        given.to_string()
    };
    match crate::server::attempts::revoke(state, &id, crate::server::recruiting::Actor::Operator)
        .await
    {
        Ok(()) => {
            println!("Revoked invitation {id}: its link and sessions no longer work.");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn simulate(
    global: &Global,
    quiz_id: &str,
    candidates: usize,
    seed: u64,
    truths: &[String],
    confidence: bool,
    per_level: &[u32],
) -> ExitCode {
    use super::scoring::simulate::{self, Truth};
    use super::scoring::Calibration;
    let options = offline_options();
    let bank = match startup::load_bank(&config(global, options.site_addr)) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let Some(quiz) = bank.quiz(quiz_id) else {
        eprintln!("error: there is no quiz `{quiz_id}`");
        return ExitCode::FAILURE;
    };
    let mut worlds = Vec::new();
    for t in truths {
        if t == "all" {
            worlds = Truth::all();
            break;
        }
        match Truth::named(t) {
            Some(w) => worlds.push(w),
            None => {
                let names: Vec<&str> = Truth::all().iter().map(|t| t.name).collect();
                eprintln!(
                    "error: unknown truth `{t}`; expected {} or all",
                    names.join(", ")
                );
                return ExitCode::FAILURE;
            }
        }
    }
    let mut runs = vec![quiz.content.clone()];
    for &n in per_level {
        match simulate::scaled(&bank, quiz, n) {
            Some(q) => runs.push(q),
            None => {
                eprintln!("warning: the bank cannot supply {n} questions per level for `{quiz_id}`")
            }
        }
    }
    println!(
        "Simulated candidates: every reported level equally likely; each takes two forms; scored by rung (authored levels, uncalibrated) and by an oracle that knows the true parameters; seed {seed}."
    );
    println!(
        "{:<26} {:<12} {:>4} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>6} {:>6}",
        "quiz",
        "truth",
        "qs",
        "exact",
        "within1",
        "consist",
        "oracle",
        "o-wi1",
        "o-cons",
        "conf",
        "band",
        "cover"
    );
    for q in &runs {
        for truth in &worlds {
            match simulate::simulate(&bank, q, &Calibration::new(), truth, candidates, seed) {
                Ok(r) => {
                    println!(
                        "{:<26} {:<12} {:>4} {:>6.1}% {:>7.1}% {:>7.1}% {:>7.1}% {:>7.1}% {:>7.1}% {:>6.1}% {:>6.2} {:>5.1}%",
                        r.quiz_id,
                        r.truth,
                        r.questions,
                        100.0 * r.rung.exact,
                        100.0 * r.rung.within_one,
                        100.0 * r.rung.consistency,
                        100.0 * r.oracle.exact,
                        100.0 * r.oracle.within_one,
                        100.0 * r.oracle.consistency,
                        100.0 * r.mean_confidence,
                        r.mean_band_levels,
                        100.0 * r.band_coverage,
                    );
                    if confidence && q.id == quiz.id {
                        let bins: Vec<String> = r
                            .calibration
                            .iter()
                            .filter(|b| b.candidates > 0)
                            .map(|b| {
                                format!(
                                    "{:.0}-{:.0}%: n={} stated {:.1}% actual {:.1}%",
                                    100.0 * b.low,
                                    100.0 * b.high,
                                    b.candidates,
                                    100.0 * b.stated,
                                    100.0 * b.actual
                                )
                            })
                            .collect();
                        println!("    confidence: {}", bins.join("; "));
                        let verdicts: Vec<String> = r
                            .by_verdict
                            .iter()
                            .filter(|b| b.candidates > 0)
                            .map(|b| {
                                format!(
                                    "L{:.0}: n={} stated {:.1}% actual {:.1}%",
                                    b.low,
                                    b.candidates,
                                    100.0 * b.stated,
                                    100.0 * b.actual
                                )
                            })
                            .collect();
                        println!("    by verdict: {}", verdicts.join("; "));
                        let by: Vec<String> = r
                            .by_level
                            .iter()
                            .map(|a| {
                                format!(
                                    "L{}: {:.0}%/{:.0}%",
                                    a.level,
                                    100.0 * a.exact,
                                    100.0 * a.within_one
                                )
                            })
                            .collect();
                        println!(
                            "    by true level (exact/within one): {}; person fit flagged {:.1}%",
                            by.join("  "),
                            100.0 * r.person_fit_flagged
                        );
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    ExitCode::SUCCESS
}

async fn calibrate(
    state: &super::state::AppState,
    min_responses: usize,
    dry_run: bool,
) -> ExitCode {
    let run = match super::analysis::calibrate(state, min_responses).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let r = &run.result;
    println!(
        "{} finished attempts, {} question versions calibrated, {} skipped (fewer than {min_responses} responses); {} EM cycles{}",
        r.persons,
        r.items.len(),
        r.skipped.len(),
        r.iterations,
        if r.converged { "" } else { " (NOT converged)" }
    );
    if r.items.is_empty() {
        return ExitCode::SUCCESS;
    }
    println!(
        "levels {:.2} ± {:.2} logits apart, spread {:.2} within a level; ability distribution: mean {:.2}, sd {:.2} logits",
        r.scale.spacing, r.scale.spacing_se, r.scale.spread, r.population_mean, r.population_sd
    );
    println!(
        "{:<44} {:>5} {:>6} {:>6} {:>13} {:>8} {:>6} {:>6}  flag",
        "question", "level", "n", "p", "difficulty", "measured", "infit", "outfit"
    );
    let mut items: Vec<_> = r.items.iter().collect();
    items.sort_by(|a, b| a.difficulty.total_cmp(&b.difficulty));
    for e in items {
        let (id, level) = run
            .questions
            .get(&e.key)
            .map(|q| (q.question_id.clone(), q.level))
            .unwrap_or_default();
        println!(
            "{:<44} {:>5} {:>6} {:>6.2} {:>6.2} ± {:<4.2} {:>8.1} {:>6.2} {:>6.2}  {}",
            id,
            level,
            e.responses,
            e.p_value,
            e.difficulty,
            e.standard_error,
            e.measured_level,
            e.infit,
            e.outfit,
            if e.contradicts_level {
                "measured level contradicts the authored one"
            } else {
                ""
            }
        );
    }
    if dry_run {
        println!("dry run: nothing stored");
        return ExitCode::SUCCESS;
    }
    // Would any quiz's levels come out of order under this calibration?
    let mut calibration = super::scoring::Calibration::new();
    calibration.scale = Some(super::scoring::CalibratedScale {
        spacing: r.scale.spacing,
        spacing_se: r.scale.spacing_se,
        spread: r.scale.spread,
    });
    for e in &r.items {
        if let Some(q) = run.questions.get(&e.key) {
            calibration.items.insert(
                (q.hash.clone(), q.policy),
                super::scoring::ItemCalibration {
                    difficulty: e.difficulty,
                    standard_error: e.standard_error,
                },
            );
        }
    }
    for quiz in &state.bank.quizzes {
        if let Ok((_, _, Some(problem))) =
            super::scoring::attempt_model(&state.bank, quiz, &calibration)
        {
            println!(
                "warning: quiz `{}`: with these difficulties {problem}; its attempts keep the authored levels' cut points until the questions flagged above are re-levelled or rewritten",
                quiz.id
            );
        }
    }
    match super::analysis::store(state, &run).await {
        Ok(()) => {
            println!("stored; attempts started from now on are scored with these difficulties");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn items(state: &super::state::AppState, flagged_only: bool) -> ExitCode {
    let (stats, reliability) = match super::analysis::item_analysis(state).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for q in &reliability {
        println!(
            "quiz {} (version {}): {} attempts, {} scored questions, mean {:.1} (sd {:.1}), KR-20 {}, SEM {}",
            q.quiz_id,
            &q.version[..q.version.len().min(8)],
            q.attempts,
            q.items,
            q.mean,
            q.sd,
            q.kr20.map_or("n/a".into(), |r| format!("{r:.2}")),
            q.sem.map_or("n/a".into(), |s| format!("{s:.2} points")),
        );
    }
    println!(
        "{:<44} {:>6} {:>6} {:>7}  options (share chosen; * = correct)",
        "question", "n", "p", "r_it"
    );
    for s in stats
        .iter()
        .filter(|s| !flagged_only || s.flags.iter().any(|f| !f.starts_with("only ")))
    {
        let options: Vec<String> = s
            .option_shares
            .iter()
            .map(|(id, correct, share)| {
                format!(
                    "{id}{}={:.0}%",
                    if *correct { "*" } else { "" },
                    share * 100.0
                )
            })
            .collect();
        println!(
            "{:<44} {:>6} {:>6.2} {:>7}  {}",
            s.question_id,
            s.responses,
            s.p_value,
            s.discrimination.map_or("n/a".into(), |d| format!("{d:.2}")),
            options.join(" ")
        );
        for f in &s.flags {
            println!("    - {f}");
        }
    }
    ExitCode::SUCCESS
}

fn fail(e: StartupError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}

async fn serve(global: &Global, addr: Option<SocketAddr>) -> ExitCode {
    init_tracing();
    let options = leptos_options(addr);
    let config = config(global, options.site_addr);
    tracing::info!(database = %redact_url(&config.database_url), quizzes = %config.quizzes_dir.display(), "starting");
    let app = match Application::build(config, Clock::default(), options).await {
        Ok(app) => app,
        Err(e) => return fail(e),
    };
    let public = app.state.config.public_url.clone();
    let b = &app.state.bank;
    println!(
        "rung: {} questions, {} quizzes; serving on http://{} (public address {public})",
        b.questions.len(),
        b.quizzes.len(),
        app.addr
    );
    if let Some(first) = &app.first_run {
        println!();
        println!(
            "First start: created the admin account {}",
            first.admin_email
        );
        // Secrets go only to a person at a terminal, never to a log file
        // that stdout may be redirected to.
        let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
        if let Some(p) = &first.generated_password {
            if terminal {
                println!("  one-time password: {p}");
                println!(
                    "  (shown only now; set RUNG_ADMIN_PASSWORD before the first start to choose it)"
                );
            } else {
                println!(
                    "  its one-time password is not shown here (this output is not a terminal): run \
                     `rung recruiter reset-password --email {}` in a terminal to get one",
                    first.admin_email
                );
            }
        }
        println!("  sign in at {public}/recruiter/login");
        if let Some(link) = first.demo_link.as_ref().filter(|_| terminal) {
            println!(
                "Demo invitation (take the quiz as a candidate, then see the score as the admin):"
            );
            println!("  {link}");
        }
        println!();
    }
    match app.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: server stopped: {e}");
            ExitCode::FAILURE
        }
    }
}

fn import(from: ImportFrom, bank_dir: &std::path::Path) -> ExitCode {
    let ImportFrom::MdbookQuiz {
        files,
        topic,
        level,
        out,
        id_prefix,
    } = from;
    // The level must be one the bank's ladder measures.
    let ladder = bank::load_dir(bank_dir).bank.ladder;
    let top = ladder.top();
    let Some(level) =
        crate::domain::Level::new(i64::from(level)).filter(|l| ladder.is_measured(*l))
    else {
        if top == 0 {
            eprintln!(
                "error: cannot read the ladder of {} to check --level",
                bank::diag::display_path(bank_dir)
            );
        } else {
            eprintln!("error: --level must be a level the ladder measures, 1 to {top}");
        }
        return ExitCode::FAILURE;
    };
    let prefix = id_prefix.unwrap_or_else(|| topic.clone());
    let mut questions = Vec::new();
    let mut failed = false;
    for file in &files {
        let shown = file.display();
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {shown}: {e}");
                failed = true;
                continue;
            }
        };
        match super::import::mdbook_quiz(&text, &topic, level, &prefix) {
            Ok(imported) => {
                eprintln!("{shown}: imported {} questions", imported.questions.len());
                for s in &imported.skipped {
                    eprintln!("{shown}: skipped question {}: {}", s.number, s.reason);
                }
                questions.extend(imported.questions);
            }
            Err(e) => {
                eprintln!("error: {shown}: {e}");
                failed = true;
            }
        }
    }
    if failed {
        return ExitCode::FAILURE;
    }
    super::import::dedupe_ids(&mut questions);
    let origin = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let toml = super::import::to_toml(&questions, &origin);
    match out {
        None => {
            print!("{toml}");
            ExitCode::SUCCESS
        }
        Some(path) => {
            let written = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .and_then(|mut f| std::io::Write::write_all(&mut f, toml.as_bytes()));
            match written {
                Ok(()) => {
                    eprintln!(
                        "wrote {} questions to {}; run `rung lint` next",
                        questions.len(),
                        path.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {}: {e}", path.display());
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn lint(dir: PathBuf) -> ExitCode {
    let loaded = bank::lint_dir(&dir);
    let report = &loaded.report;
    print!("{}", report.render());
    if report.errors() == 0 && !loaded.bank.questions.is_empty() {
        println!();
        print!("{}", bank::cues::report(&loaded.bank).render());
        print!("{}", testwise_verdicts(&loaded.bank));
    }
    if report.errors() > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The verdicts the test-wise answerer gets on every quiz (500 forms each).
fn testwise_verdicts(bank: &bank::Bank) -> String {
    let mut out = String::from("  its verdicts on 500 forms of each quiz:");
    // Its answers do not depend on the order of the options (ties are
    // broken by the options' text): work each question out once.
    let answers: std::collections::HashMap<&str, Vec<String>> = bank
        .questions
        .iter()
        .map(|q| {
            let order: Vec<String> = q.options.iter().map(|o| o.id.clone()).collect();
            (q.id.as_str(), bank::cues::testwise_answer(q, &order))
        })
        .collect();
    let answerer = |q: &bank::QuestionContent, order: &[String]| {
        answers
            .get(q.id.as_str())
            .cloned()
            .unwrap_or_else(|| bank::cues::testwise_answer(q, order))
    };
    for quiz in &bank.quizzes {
        match super::scoring::simulate::verdicts_of(bank, quiz, 500, 7, answerer) {
            Ok(counts) => {
                let top = bank.ladder.top();
                let parts: Vec<String> = counts
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n > 0)
                    .map(|(l, n)| {
                        let label = crate::domain::report::level_label(
                            l as u8,
                            top,
                            bank.ladder.open_top(),
                        );
                        format!("{label} {:.0}%", 100.0 * *n as f64 / 500.0)
                    })
                    .collect();
                out.push_str(&format!("\n    {}: {}", quiz.id, parts.join(", ")));
            }
            Err(e) => out.push_str(&format!("\n    {}: {e}", quiz.id)),
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
