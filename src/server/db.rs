//! The data layer: the only place SQL lives.
//!
//! One code path serves SQLite (the embedded default) and PostgreSQL (for
//! several app servers behind a load balancer) through `sqlx::AnyPool`, with
//! `$n` placeholders that both accept. The schema is kept per dialect in
//! `migrations/sqlite` and `migrations/postgres`; integers are 64-bit in
//! both so they decode alike, times are milliseconds since the Unix epoch.

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL `{0}`: use sqlite:// or postgres://")]
    Scheme(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl DbError {
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Sqlx(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}

pub type DbResult<T> = Result<T, DbError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> DbResult<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(DbError::Scheme(
                url.split(':').next().unwrap_or("").to_string(),
            ))
        }
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    pub backend: Backend,
}

// ---- rows -------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct RecruiterRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub is_admin: bool,
    /// The password was generated and shown once: the console stays closed
    /// until the recruiter chooses a new one.
    pub must_change_password: bool,
}

#[derive(Debug, Clone)]
pub struct InvitationRow {
    pub id: String,
    pub quiz_id: String,
    pub candidate_name: String,
    pub candidate_email: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    /// Extra time for an accommodation, in percent of the quiz's duration.
    pub extra_time_percent: i64,
}

#[derive(Debug, Clone)]
pub struct AttemptRow {
    pub id: String,
    pub invitation_id: String,
    pub quiz_id: String,
    pub quiz_hash: String,
    pub quiz_title: String,
    pub policy: String,
    pub seed: i64,
    pub started_at: i64,
    pub deadline_at: i64,
    pub finished_at: Option<i64>,
    pub status: String,
    pub points: Option<f64>,
    pub max_points: Option<f64>,
    pub result: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ItemRow {
    pub position: i64,
    pub question_hash: String,
    pub option_order: String,
    pub scored: bool,
    pub selected: Option<String>,
    pub answered_at: Option<i64>,
    /// When the candidate first saw the question.
    pub first_shown_at: Option<i64>,
    /// The candidate's "flag for review" mark.
    pub flagged: bool,
}

/// A candidate's session: the link's token exchanged at Start.
#[derive(Debug, Clone)]
pub struct AttemptSessionRow {
    /// SHA-256 of the cookie's value; the value itself is never stored.
    pub token_hash: String,
    pub invitation_id: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// The client address and browser the session was last used from.
    pub last_addr: String,
    pub last_agent: String,
}

/// One entry of an attempt's event log.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub at: i64,
    pub kind: String,
    /// JSON.
    pub detail: String,
}

/// A new attempt with its served form.
#[derive(Debug, Clone)]
pub struct NewAttempt {
    pub attempt: AttemptRow,
    pub items: Vec<ItemRow>,
}

/// An invitation with its attempt, if any, for the recruiter's table.
#[derive(Debug, Clone)]
pub struct OverviewRow {
    pub invitation: InvitationRow,
    pub attempt: Option<AttemptRow>,
}

/// The result of trying to save an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    Saved,
    /// The attempt is no longer open (submitted, or past its deadline).
    Closed,
}

/// A calibrated difficulty to store.
#[derive(Debug, Clone)]
pub struct CalibrationRow {
    pub question_hash: String,
    /// `all_or_nothing` or `partial`: how its select-all answers were scored.
    pub multiple_policy: String,
    pub question_id: String,
    pub difficulty: f64,
    pub standard_error: f64,
    pub responses: i64,
    pub infit: f64,
    pub outfit: f64,
}

/// A served question of a finished attempt, for calibration and analysis.
#[derive(Debug, Clone)]
pub struct FinishedItemRow {
    pub attempt_id: String,
    pub quiz_id: String,
    pub quiz_hash: String,
    pub status: String,
    pub policy: String,
    pub position: i64,
    pub question_hash: String,
    pub scored: bool,
    pub selected: Option<String>,
}

/// A question version to record.
pub struct VersionRow<'a> {
    pub hash: &'a str,
    pub question_id: &'a str,
    pub topic: &'a str,
    pub level: i64,
    pub content: String,
}

const ATTEMPT_COLUMNS: &str =
    "a.id, a.invitation_id, a.quiz_id, a.quiz_hash, a.quiz_title, a.policy, a.seed, \
     a.started_at, a.deadline_at, a.finished_at, a.status, a.points, a.max_points, a.result";
const INVITATION_COLUMNS: &str =
    "i.id, i.quiz_id, i.candidate_name, i.candidate_email, i.created_at, i.expires_at, i.revoked_at, \
     i.extra_time_percent";
/// How many columns `INVITATION_COLUMNS` selects.
const INVITATION_WIDTH: usize = 8;

fn attempt_from(row: &AnyRow, offset: usize) -> Result<AttemptRow, sqlx::Error> {
    Ok(AttemptRow {
        id: row.try_get(offset)?,
        invitation_id: row.try_get(offset + 1)?,
        quiz_id: row.try_get(offset + 2)?,
        quiz_hash: row.try_get(offset + 3)?,
        quiz_title: row.try_get(offset + 4)?,
        policy: row.try_get(offset + 5)?,
        seed: row.try_get(offset + 6)?,
        started_at: row.try_get(offset + 7)?,
        deadline_at: row.try_get(offset + 8)?,
        finished_at: row.try_get(offset + 9)?,
        status: row.try_get(offset + 10)?,
        points: row.try_get(offset + 11)?,
        max_points: row.try_get(offset + 12)?,
        result: row.try_get(offset + 13)?,
    })
}

fn invitation_from(row: &AnyRow) -> Result<InvitationRow, sqlx::Error> {
    Ok(InvitationRow {
        id: row.try_get(0)?,
        quiz_id: row.try_get(1)?,
        candidate_name: row.try_get(2)?,
        candidate_email: row.try_get(3)?,
        created_at: row.try_get(4)?,
        expires_at: row.try_get(5)?,
        revoked_at: row.try_get(6)?,
        extra_time_percent: row.try_get(7)?,
    })
}

fn recruiter_from(row: &AnyRow) -> Result<RecruiterRow, sqlx::Error> {
    Ok(RecruiterRow {
        id: row.try_get(0)?,
        email: row.try_get(1)?,
        name: row.try_get(2)?,
        password_hash: row.try_get(3)?,
        is_admin: row.try_get::<i64, _>(4)? != 0,
        must_change_password: row.try_get::<i64, _>(5)? != 0,
    })
}

impl Db {
    /// Connect, apply the connection settings, and run the migrations.
    /// A migration failure is fatal: the caller must not serve.
    pub async fn connect(url: &str) -> DbResult<Db> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            // Create the file on first use.
            Backend::Sqlite if !url.contains("mode=") && !url.contains(":memory:") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let options = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10));
        let options = if backend == Backend::Sqlite {
            options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL lets readers run beside the writer; the busy
                    // timeout makes writers wait instead of failing.
                    sqlx::query("PRAGMA journal_mode = WAL")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA synchronous = NORMAL")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA busy_timeout = 5000")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA foreign_keys = ON")
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool = options.connect(&url).await?;
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        Ok(Db { pool, backend })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Run a statement as is. For tests that sabotage the database; the
    /// app never calls it.
    #[doc(hidden)]
    pub async fn execute_for_tests(&self, sql: &str) -> DbResult<()> {
        sqlx::query(sql).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn ping(&self) -> DbResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    // ---- settings -------------------------------------------------------

    /// The stored value of `key`, storing `init` first if there is none.
    /// Safe when several servers start at once: the first insert wins.
    pub async fn setting_or_init(&self, key: &str, init: &str) -> DbResult<String> {
        let inserted = sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(init)
        .execute(&self.pool)
        .await;
        if let Err(e) = inserted {
            let e = DbError::from(e);
            if !e.is_unique_violation() {
                return Err(e);
            }
        }
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    // ---- recruiters and sessions ------------------------------------------

    pub async fn recruiter_count(&self) -> DbResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM recruiters")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn insert_recruiter(&self, r: &RecruiterRow, now: i64) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO recruiters (id, email, name, password_hash, is_admin, must_change_password, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&r.id)
        .bind(&r.email)
        .bind(&r.name)
        .bind(&r.password_hash)
        .bind(i64::from(r.is_admin))
        .bind(i64::from(r.must_change_password))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn recruiter_by_email(&self, email: &str) -> DbResult<Option<RecruiterRow>> {
        let row = sqlx::query(
            "SELECT id, email, name, password_hash, is_admin, must_change_password FROM recruiters WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(recruiter_from).transpose()?)
    }

    pub async fn insert_session(
        &self,
        token_hash: &str,
        recruiter_id: &str,
        now: i64,
        expires_at: i64,
    ) -> DbResult<()> {
        sqlx::query("INSERT INTO sessions (token_hash, recruiter_id, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $3)")
            .bind(token_hash)
            .bind(recruiter_id)
            .bind(now)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The recruiter of a live session: younger than its absolute expiry
    /// and used within `idle_ms`. The use is recorded.
    pub async fn session_recruiter(
        &self,
        token_hash: &str,
        now: i64,
        idle_ms: i64,
    ) -> DbResult<Option<RecruiterRow>> {
        let touched = sqlx::query(
            "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2 AND expires_at > $1 AND last_seen_at > $3",
        )
        .bind(now)
        .bind(token_hash)
        .bind(now - idle_ms)
        .execute(&self.pool)
        .await?;
        if touched.rows_affected() == 0 {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT r.id, r.email, r.name, r.password_hash, r.is_admin, r.must_change_password FROM sessions s \
             JOIN recruiters r ON r.id = s.recruiter_id WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(recruiter_from).transpose()?)
    }

    pub async fn delete_session(&self, token_hash: &str) -> DbResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Store a recruiter's new password hash and whether it is one-time,
    /// and end every session of theirs, in one transaction.
    pub async fn replace_password(
        &self,
        recruiter_id: &str,
        password_hash: &str,
        one_time: bool,
    ) -> DbResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE recruiters SET password_hash = $1, must_change_password = $2 WHERE id = $3",
        )
        .bind(password_hash)
        .bind(i64::from(one_time))
        .bind(recruiter_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE recruiter_id = $1")
            .bind(recruiter_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_expired_sessions(&self, now: i64) -> DbResult<u64> {
        let r = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }

    // ---- question versions ----------------------------------------------

    /// Record question versions; versions already known are left alone.
    pub async fn record_versions(&self, versions: &[VersionRow<'_>], now: i64) -> DbResult<()> {
        let mut tx = self.pool.begin().await?;
        for v in versions {
            sqlx::query(
                "INSERT INTO question_versions (hash, question_id, topic, level, content, first_seen_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hash) DO NOTHING",
            )
            .bind(v.hash)
            .bind(v.question_id)
            .bind(v.topic)
            .bind(v.level)
            .bind(&v.content)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The stored content (JSON) of each version of an attempt's items.
    pub async fn attempt_versions(&self, attempt_id: &str) -> DbResult<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT DISTINCT v.hash, v.content FROM attempt_items it \
             JOIN question_versions v ON v.hash = it.question_hash WHERE it.attempt_id = $1",
        )
        .bind(attempt_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(DbError::from)
    }

    /// Every stored question version (hash, content JSON) among `hashes`.
    pub async fn versions(&self, hashes: &[String]) -> DbResult<Vec<(String, String)>> {
        let mut out = Vec::with_capacity(hashes.len());
        // Chunked IN lists: both backends cap the number of parameters.
        for chunk in hashes.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT hash, content FROM question_versions WHERE hash IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for h in chunk {
                q = q.bind(h);
            }
            for r in q.fetch_all(&self.pool).await? {
                out.push((r.try_get(0)?, r.try_get(1)?));
            }
        }
        Ok(out)
    }

    // ---- calibrations -----------------------------------------------------

    /// The stored calibration: the scale and every calibrated question
    /// version, by scoring policy.
    pub async fn calibration(&self) -> DbResult<crate::server::scoring::Calibration> {
        use crate::server::bank::MultiplePolicy;
        use crate::server::scoring::{CalibratedScale, Calibration, ItemCalibration};
        let mut out = Calibration::new();
        let scale = sqlx::query(
            "SELECT spacing, spacing_se, spread FROM calibration_scale WHERE id = 'current'",
        )
        .fetch_optional(&self.pool)
        .await?;
        if let Some(r) = scale {
            out.scale = Some(CalibratedScale {
                spacing: r.try_get("spacing")?,
                spacing_se: r.try_get("spacing_se")?,
                spread: r.try_get("spread")?,
            });
        }
        let rows = sqlx::query(
            "SELECT question_hash, multiple_policy, difficulty, standard_error FROM item_calibrations",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            let policy: String = r.try_get("multiple_policy")?;
            let policy = MultiplePolicy::parse(&policy)
                .ok_or_else(|| DbError::Corrupt(format!("scoring policy `{policy}`")))?;
            out.items.insert(
                (r.try_get("question_hash")?, policy),
                ItemCalibration {
                    difficulty: r.try_get("difficulty")?,
                    standard_error: r.try_get("standard_error")?,
                },
            );
        }
        Ok(out)
    }

    /// Store a calibration run. It replaces the previous one whole: every
    /// run places all questions on a scale of its own.
    pub async fn store_calibration(
        &self,
        scale: &crate::server::scoring::CalibratedScale,
        persons: i64,
        rows: &[CalibrationRow],
        now: i64,
    ) -> DbResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM item_calibrations")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM calibration_scale")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO calibration_scale (id, spacing, spacing_se, spread, persons, calibrated_at) \
             VALUES ('current', $1, $2, $3, $4, $5)",
        )
        .bind(scale.spacing)
        .bind(scale.spacing_se)
        .bind(scale.spread)
        .bind(persons)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for c in rows {
            sqlx::query(
                "INSERT INTO item_calibrations (question_hash, multiple_policy, question_id, difficulty, standard_error, responses, infit, outfit, calibrated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&c.question_hash)
            .bind(&c.multiple_policy)
            .bind(&c.question_id)
            .bind(c.difficulty)
            .bind(c.standard_error)
            .bind(c.responses)
            .bind(c.infit)
            .bind(c.outfit)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every served question of every finished attempt, in attempt then
    /// form order.
    pub async fn finished_items(&self) -> DbResult<Vec<FinishedItemRow>> {
        let rows = sqlx::query(
            "SELECT a.id, a.quiz_id, a.quiz_hash, a.status, a.policy, it.position, it.question_hash, it.scored, it.selected \
             FROM attempts a JOIN attempt_items it ON it.attempt_id = a.id \
             WHERE a.status IN ('submitted', 'timed_out') ORDER BY a.id, it.position",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FinishedItemRow {
                    attempt_id: r.try_get("id")?,
                    quiz_id: r.try_get("quiz_id")?,
                    quiz_hash: r.try_get("quiz_hash")?,
                    status: r.try_get("status")?,
                    policy: r.try_get("policy")?,
                    position: r.try_get("position")?,
                    question_hash: r.try_get("question_hash")?,
                    scored: r.try_get::<i64, _>("scored")? != 0,
                    selected: r.try_get("selected")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(DbError::from)
    }

    // ---- invitations ------------------------------------------------------

    pub async fn insert_invitation(
        &self,
        inv: &InvitationRow,
        created_by: Option<&str>,
    ) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO invitations (id, quiz_id, candidate_name, candidate_email, created_by, created_at, expires_at, revoked_at, extra_time_percent) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&inv.id)
        .bind(&inv.quiz_id)
        .bind(&inv.candidate_name)
        .bind(&inv.candidate_email)
        .bind(created_by)
        .bind(inv.created_at)
        .bind(inv.expires_at)
        .bind(inv.revoked_at)
        .bind(inv.extra_time_percent)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn invitation(&self, id: &str) -> DbResult<Option<InvitationRow>> {
        let row = sqlx::query(&format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations i WHERE i.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(invitation_from).transpose()?)
    }

    /// Revoke an invitation (its link and every session of it stop working
    /// at once). Returns false if there is no such invitation or it was
    /// already revoked.
    pub async fn revoke_invitation(&self, id: &str, now: i64) -> DbResult<bool> {
        let r = sqlx::query(
            "UPDATE invitations SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    // ---- candidate sessions and the event log ------------------------------

    /// Open a candidate session; returns how many sessions the invitation
    /// has had, this one included.
    pub async fn insert_attempt_session(&self, s: &AttemptSessionRow) -> DbResult<i64> {
        sqlx::query(
            "INSERT INTO attempt_sessions (token_hash, invitation_id, created_at, expires_at, first_addr, first_agent, last_addr, last_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, $5, $6)",
        )
        .bind(&s.token_hash)
        .bind(&s.invitation_id)
        .bind(s.created_at)
        .bind(s.expires_at)
        .bind(&s.last_addr)
        .bind(&s.last_agent)
        .execute(&self.pool)
        .await?;
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM attempt_sessions WHERE invitation_id = $1")
                .bind(&s.invitation_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(n)
    }

    /// A live candidate session with its invitation.
    pub async fn attempt_session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> DbResult<Option<(AttemptSessionRow, InvitationRow)>> {
        let row = sqlx::query(&format!(
            "SELECT {INVITATION_COLUMNS}, s.token_hash, s.invitation_id, s.created_at, s.expires_at, s.last_addr, s.last_agent \
             FROM attempt_sessions s JOIN invitations i ON i.id = s.invitation_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let inv = invitation_from(&r)?;
        let w = INVITATION_WIDTH;
        let s = AttemptSessionRow {
            token_hash: r.try_get(w)?,
            invitation_id: r.try_get(w + 1)?,
            created_at: r.try_get(w + 2)?,
            expires_at: r.try_get(w + 3)?,
            last_addr: r.try_get(w + 4)?,
            last_agent: r.try_get(w + 5)?,
        };
        Ok(Some((s, inv)))
    }

    /// Remember the client a session was last used from.
    pub async fn touch_attempt_session(
        &self,
        token_hash: &str,
        addr: &str,
        agent: &str,
    ) -> DbResult<()> {
        sqlx::query(
            "UPDATE attempt_sessions SET last_addr = $1, last_agent = $2 WHERE token_hash = $3",
        )
        .bind(addr)
        .bind(agent)
        .bind(token_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn delete_expired_attempt_sessions(&self, now: i64) -> DbResult<u64> {
        let r = sqlx::query("DELETE FROM attempt_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }

    /// Append to an invitation's event log.
    pub async fn insert_event(
        &self,
        invitation_id: &str,
        at: i64,
        kind: &str,
        detail: &str,
    ) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO attempt_events (invitation_id, at, kind, detail) VALUES ($1, $2, $3, $4)",
        )
        .bind(invitation_id)
        .bind(at)
        .bind(kind)
        .bind(detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn event_count(&self, invitation_id: &str) -> DbResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM attempt_events WHERE invitation_id = $1")
                .bind(invitation_id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// An invitation's event log, oldest first.
    pub async fn events(&self, invitation_id: &str) -> DbResult<Vec<EventRow>> {
        let rows = sqlx::query(
            "SELECT at, kind, detail FROM attempt_events WHERE invitation_id = $1 ORDER BY seq",
        )
        .bind(invitation_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(EventRow {
                    at: r.try_get(0)?,
                    kind: r.try_get(1)?,
                    detail: r.try_get(2)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(DbError::from)
    }

    /// Set or clear the candidate's review flag on a question, only while
    /// the attempt is open. Returns false if it is not.
    pub async fn set_flag(&self, attempt_id: &str, position: i64, flagged: bool) -> DbResult<bool> {
        let r = sqlx::query(
            "UPDATE attempt_items SET flagged = $1 WHERE attempt_id = $2 AND position = $3 AND EXISTS ( \
               SELECT 1 FROM attempts a WHERE a.id = $2 AND a.status = 'in_progress')",
        )
        .bind(i64::from(flagged))
        .bind(attempt_id)
        .bind(position)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Record when a question was first shown (later showings keep the
    /// first time).
    pub async fn mark_shown(&self, attempt_id: &str, position: i64, now: i64) -> DbResult<()> {
        sqlx::query(
            "UPDATE attempt_items SET first_shown_at = $1 \
             WHERE attempt_id = $2 AND position = $3 AND first_shown_at IS NULL",
        )
        .bind(now)
        .bind(attempt_id)
        .bind(position)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ---- attempts -----------------------------------------------------------

    pub async fn attempt_for_invitation(
        &self,
        invitation_id: &str,
    ) -> DbResult<Option<AttemptRow>> {
        let row = sqlx::query(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts a WHERE a.invitation_id = $1"
        ))
        .bind(invitation_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(|r| attempt_from(r, 0)).transpose()?)
    }

    pub async fn attempt(&self, id: &str) -> DbResult<Option<AttemptRow>> {
        let row = sqlx::query(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts a WHERE a.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(|r| attempt_from(r, 0)).transpose()?)
    }

    /// Insert an attempt and its form in one transaction. If the invitation
    /// already has an attempt (two Start presses racing, on one server or
    /// two), nothing is written and `false` is returned.
    pub async fn insert_attempt(&self, new: &NewAttempt) -> DbResult<bool> {
        let a = &new.attempt;
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO attempts (id, invitation_id, quiz_id, quiz_hash, quiz_title, policy, seed, started_at, deadline_at, \
             finished_at, status, points, max_points, result) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, NULL, NULL, NULL) ON CONFLICT (invitation_id) DO NOTHING",
        )
        .bind(&a.id)
        .bind(&a.invitation_id)
        .bind(&a.quiz_id)
        .bind(&a.quiz_hash)
        .bind(&a.quiz_title)
        .bind(&a.policy)
        .bind(a.seed)
        .bind(a.started_at)
        .bind(a.deadline_at)
        .bind(&a.status)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        for it in &new.items {
            sqlx::query(
                "INSERT INTO attempt_items (attempt_id, position, question_hash, option_order, scored, selected, answered_at) \
                 VALUES ($1, $2, $3, $4, $5, NULL, NULL)",
            )
            .bind(&a.id)
            .bind(it.position)
            .bind(&it.question_hash)
            .bind(&it.option_order)
            .bind(i64::from(it.scored))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn items(&self, attempt_id: &str) -> DbResult<Vec<ItemRow>> {
        let rows = sqlx::query(ITEMS_SQL)
            .bind(attempt_id)
            .fetch_all(&self.pool)
            .await?;
        items_from(&rows)
    }

    /// Begin finalizing an open attempt: its row is locked until
    /// [`Finalizing::finish`], so no answer can be saved meanwhile (a save
    /// waits, then finds the attempt closed). `None` if it is already final.
    pub async fn begin_finalize(&self, attempt_id: &str) -> DbResult<Option<Finalizing>> {
        let mut tx = self.pool.begin().await?;
        let locked = sqlx::query(
            "UPDATE attempts SET status = status WHERE id = $1 AND status = 'in_progress'",
        )
        .bind(attempt_id)
        .execute(&mut *tx)
        .await?;
        if locked.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        Ok(Some(Finalizing {
            tx,
            attempt_id: attempt_id.to_string(),
        }))
    }

    /// Save one answer (`None` clears it), only while the attempt is open and `now` is within
    /// `deadline + grace_ms`. The check and the write are one statement, so
    /// no answer lands after the attempt was finalized.
    pub async fn save_answer(
        &self,
        attempt_id: &str,
        position: i64,
        selected: Option<&str>,
        now: i64,
        grace_ms: i64,
    ) -> DbResult<SaveOutcome> {
        // Lock the attempt's row first (as finalizing does), so a save and
        // a finalization never interleave: the answer is either in before
        // the score is computed, or refused.
        let mut tx = self.pool.begin().await?;
        let open = sqlx::query(
            "UPDATE attempts SET status = status WHERE id = $1 AND status = 'in_progress' AND $2 <= deadline_at + $3",
        )
        .bind(attempt_id)
        .bind(now)
        .bind(grace_ms)
        .execute(&mut *tx)
        .await?;
        if open.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(SaveOutcome::Closed);
        }
        let r = sqlx::query(
            "UPDATE attempt_items SET selected = $1, answered_at = $2 WHERE attempt_id = $3 AND position = $4",
        )
        .bind(selected)
        .bind(now)
        .bind(attempt_id)
        .bind(position)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(SaveOutcome::Closed);
        }
        tx.commit().await?;
        Ok(SaveOutcome::Saved)
    }

    /// Open attempts whose deadline (plus grace) has passed.
    pub async fn overdue_attempts(
        &self,
        now: i64,
        grace_ms: i64,
        limit: i64,
    ) -> DbResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT id FROM attempts WHERE status = 'in_progress' AND deadline_at + $2 < $1 ORDER BY deadline_at LIMIT $3",
        )
        .bind(now)
        .bind(grace_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(DbError::from)
    }

    /// Invitations, newest first, with their attempts.
    pub async fn overview(&self, limit: i64) -> DbResult<Vec<OverviewRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {INVITATION_COLUMNS}, {ATTEMPT_COLUMNS} FROM invitations i \
             LEFT JOIN attempts a ON a.invitation_id = i.id ORDER BY i.created_at DESC, i.id LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let invitation = invitation_from(r)?;
                let attempt_id: Option<String> = r.try_get(INVITATION_WIDTH)?;
                let attempt = match attempt_id {
                    Some(_) => Some(attempt_from(r, INVITATION_WIDTH)?),
                    None => None,
                };
                Ok(OverviewRow {
                    invitation,
                    attempt,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(DbError::from)
    }
}

const ITEMS_SQL: &str = "SELECT position, question_hash, option_order, scored, selected, answered_at, first_shown_at, flagged FROM attempt_items \
     WHERE attempt_id = $1 ORDER BY position";

fn items_from(rows: &[AnyRow]) -> DbResult<Vec<ItemRow>> {
    rows.iter()
        .map(|r| {
            Ok(ItemRow {
                position: r.try_get(0)?,
                question_hash: r.try_get(1)?,
                option_order: r.try_get(2)?,
                scored: r.try_get::<i64, _>(3)? != 0,
                selected: r.try_get(4)?,
                answered_at: r.try_get(5)?,
                first_shown_at: r.try_get(6)?,
                flagged: r.try_get::<i64, _>(7)? != 0,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(DbError::from)
}

/// An attempt being finalized, its row locked (see [`Db::begin_finalize`]).
/// Dropped without [`Finalizing::finish`], nothing changes.
pub struct Finalizing {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    attempt_id: String,
}

impl Finalizing {
    /// The attempt's items, every acknowledged answer included.
    pub async fn items(&mut self) -> DbResult<Vec<ItemRow>> {
        let rows = sqlx::query(ITEMS_SQL)
            .bind(&self.attempt_id)
            .fetch_all(&mut *self.tx)
            .await?;
        items_from(&rows)
    }

    /// Mark the attempt final with its score, and release it.
    pub async fn finish(
        mut self,
        status: &str,
        finished_at: i64,
        points: f64,
        max_points: f64,
        result: &str,
    ) -> DbResult<()> {
        sqlx::query(
            "UPDATE attempts SET status = $1, finished_at = $2, points = $3, max_points = $4, result = $5 \
             WHERE id = $6 AND status = 'in_progress'",
        )
        .bind(status)
        .bind(finished_at)
        .bind(points)
        .bind(max_points)
        .bind(result)
        .bind(&self.attempt_id)
        .execute(&mut *self.tx)
        .await?;
        self.tx.commit().await?;
        Ok(())
    }
}
