//! `spawn_app`: the real server on a random port, against a temporary SQLite
//! file or a fresh PostgreSQL database.

use reqwest::{Client, Response, StatusCode};
use rung::server::clock::Clock;
use rung::server::config::Config;
use rung::server::http::startup::Application;
use rung::server::state::AppState;
use serde_json::{json, Value};
use sqlx::Connection;
use std::net::SocketAddr;

pub const ADMIN_EMAIL: &str = "admin@rung.local";
pub const ADMIN_PASSWORD: &str = "tidal ochre lantern quiver";

pub enum Db {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub state: AppState,
    /// A client with a cookie store and no redirect following.
    pub client: Client,
    /// One browser per candidate link: the client that pressed Start with
    /// it, holding that candidate's session cookie.
    candidates: std::sync::Mutex<std::collections::HashMap<String, Client>>,
    db: Db,
}

fn leptos_options() -> leptos::prelude::LeptosOptions {
    leptos::prelude::LeptosOptions::builder()
        .output_name("rung")
        .site_root("target/site")
        .site_addr(SocketAddr::from(([127, 0, 0, 1], 0)))
        .build()
}

/// A client with its own cookie store and no redirect following.
pub fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a reqwest client")
}

async fn start(config: Config, db: Db) -> TestApp {
    let app = Application::build(config, Clock::default(), leptos_options())
        .await
        .expect("the app builds");
    let addr = app.addr;
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        addr,
        state,
        client: client(),
        candidates: Default::default(),
        db,
    }
}

pub async fn spawn_sqlite() -> TestApp {
    spawn_sqlite_with(|_| {}).await
}

/// The SQLite app with a configuration of the test's choosing.
pub async fn spawn_sqlite_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = format!("sqlite://{}", dir.path().join("rung.db").display());
    let mut config = Config::for_tests(url);
    configure(&mut config);
    start(config, Db::Sqlite(dir)).await
}

/// A fresh database on the PostgreSQL server named by
/// `RUNG_TEST_POSTGRES_URL`; `None` (the test is skipped) when it is unset,
/// unless `RUNG_REQUIRE_POSTGRES=1`, which makes a missing URL a failure.
pub async fn spawn_postgres() -> Option<TestApp> {
    let Ok(admin_url) = std::env::var("RUNG_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("RUNG_REQUIRE_POSTGRES").is_err(),
            "RUNG_REQUIRE_POSTGRES is set but RUNG_TEST_POSTGRES_URL is not"
        );
        eprintln!("skipped: set RUNG_TEST_POSTGRES_URL to run the PostgreSQL variant");
        return None;
    };
    let name = format!("rung_test_{}", rung::server::auth::random_id());
    let mut conn = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    conn.close().await.ok();
    let mut url = reqwest::Url::parse(&admin_url).expect("RUNG_TEST_POSTGRES_URL is a URL");
    url.set_path(&name);
    let url = url.to_string();
    Some(start(Config::for_tests(url), Db::Postgres { admin_url, name }).await)
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Db::Postgres { admin_url, name } = &self.db {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime: use a thread of our own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let mut conn = sqlx::PgConnection::connect(&admin_url).await.ok()?;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await
                        .ok()
                })
            })
            .join();
        }
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn clock(&self) -> &Clock {
        &self.state.clock
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    /// Invite a candidate to the standard quiz; returns the link's token.
    pub async fn invite(&self, name: &str) -> String {
        self.invite_to("standard", name).await
    }

    pub async fn invite_to(&self, quiz: &str, name: &str) -> String {
        let inv = rung::server::recruiting::invite(
            &self.state,
            rung::server::recruiting::Actor::Operator,
            quiz,
            name,
            None,
            0,
        )
        .await
        .expect("an invitation");
        inv.link.rsplit('/').next().expect("a token").to_string()
    }

    pub async fn intro(&self, token: &str) -> Response {
        self.post_form("/api/candidate/intro", &[("token", token)])
            .await
    }

    /// The browser of the candidate holding `token` (made on first use).
    pub fn candidate(&self, token: &str) -> Client {
        self.candidates
            .lock()
            .expect("the candidates map")
            .entry(token.to_string())
            .or_insert_with(client)
            .clone()
    }

    /// Press Start on the landing page of `token` in `browser`: the plain
    /// form post that exchanges the link for a session.
    pub async fn press_start(&self, browser: &Client, token: &str) -> Response {
        browser
            .post(self.url("/take/start"))
            .form(&[("token", token)])
            .send()
            .await
            .expect("request sent")
    }

    /// Start (or resume) in the candidate's browser and return the running
    /// attempt; when Start does not lead to `/quiz`, its redirect instead.
    pub async fn start(&self, token: &str) -> Response {
        let browser = self.candidate(token);
        let res = self.press_start(&browser, token).await;
        if redirect_target(&res).as_deref() != Some("/quiz") {
            return res;
        }
        self.candidate_post(&browser, "/api/candidate/attempt", &json!({}))
            .await
    }

    /// A candidate endpoint called from a given browser, with a JSON body.
    pub async fn candidate_post(&self, browser: &Client, path: &str, body: &Value) -> Response {
        browser
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn answer(&self, token: &str, position: u32, selected: &[u32]) -> Response {
        self.candidate_post(
            &self.candidate(token),
            "/api/candidate/answer",
            &json!({ "position": position, "selected": selected }),
        )
        .await
    }

    pub async fn submit(&self, token: &str, pending: Value) -> Response {
        self.candidate_post(
            &self.candidate(token),
            "/api/candidate/submit",
            &json!({ "pending": pending }),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post_form(
            "/api/recruiter/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    pub async fn login_admin(&self) {
        let res = self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert!(
            res.status().is_redirection() || res.status().is_success(),
            "login: {}",
            res.status()
        );
    }

    pub async fn attempts(&self) -> Response {
        self.post_form("/api/recruiter/attempts", &[]).await
    }
}

/// Where a 303 redirect sends the browser, if it is one.
pub fn redirect_target(res: &Response) -> Option<String> {
    (res.status() == StatusCode::SEE_OTHER)
        .then(|| {
            res.headers()
                .get("location")?
                .to_str()
                .ok()
                .map(String::from)
        })
        .flatten()
}

/// The JSON body of a response that must have `status`.
pub async fn json_body(res: Response, status: StatusCode) -> Value {
    let got = res.status();
    let text = res.text().await.expect("a body");
    assert_eq!(got, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The correct option indexes of the question at `position` of a token's
/// attempt, from the server's own records (what a cheater cannot see).
pub async fn key_for(app: &TestApp, token: &str, position: usize) -> Vec<u32> {
    let inv = rung::server::attempts::invitation(&app.state, token)
        .await
        .expect("invitation");
    let attempt = app
        .state
        .db
        .attempt_for_invitation(&inv.id)
        .await
        .expect("db")
        .expect("an attempt");
    let items = app.state.db.items(&attempt.id).await.expect("items");
    let item = &items[position];
    let q = app
        .state
        .bank
        .question_by_hash(&item.question_hash)
        .expect("a current question");
    let order: Vec<String> = serde_json::from_str(&item.option_order).expect("an order");
    order
        .iter()
        .enumerate()
        .filter(|(_, id)| q.options.iter().any(|o| &o.id == *id && o.correct))
        .map(|(i, _)| i as u32)
        .collect()
}

/// Run each named test body against SQLite, and against PostgreSQL when a
/// test server is configured.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::spawn_sqlite().await).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::helpers::spawn_postgres().await {
                        super::$name(app).await
                    }
                }
            )*
        }
    };
}
