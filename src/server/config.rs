//! Runtime configuration, from flags and environment variables (see
//! `rung --help`). Nothing secret has a default in code: the signing key is
//! generated on first start and kept in the database, unless given.

use std::path::PathBuf;

/// The default time a client has to send a request's headers.
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// The default time a whole request may take.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

#[derive(Clone)]
pub struct Config {
    /// `sqlite://rung.db` (default) or `postgres://...`.
    pub database_url: String,
    /// The bank directory.
    pub quizzes_dir: PathBuf,
    /// The address candidates and recruiters use, for links.
    pub public_url: String,
    /// HS256 key for candidate links; generated and stored when absent.
    pub jwt_secret: Option<String>,
    /// The first admin account, created on first start.
    pub admin_email: String,
    /// The first admin's password; random and printed once when absent.
    pub admin_password: Option<String>,
    /// How long an invitation link can be used to start the quiz.
    pub invitation_days: i64,
    /// Create and print a demo invitation on first start.
    pub demo_invitation: bool,
    /// Proxies whose `X-Forwarded-For` is believed (`RUNG_TRUSTED_PROXIES`,
    /// comma-separated addresses and networks); empty: none.
    pub trusted_proxies: String,
    /// How long a client may take to send a request's headers.
    pub header_timeout: std::time::Duration,
    /// How long a whole request may take, body included.
    pub request_timeout: std::time::Duration,
}

impl Config {
    /// Cookies get `Secure` when rung is served over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The candidate link for a token.
    pub fn candidate_link(&self, token: &str) -> String {
        format!("{}/take/{token}", self.public_url.trim_end_matches('/'))
    }

    /// A configuration for tests: a given database, the shipped bank.
    pub fn for_tests(database_url: String) -> Self {
        Config {
            database_url,
            quizzes_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("quizzes"),
            public_url: "http://127.0.0.1".into(),
            jwt_secret: None,
            admin_email: "admin@rung.local".into(),
            admin_password: Some("tidal ochre lantern quiver".into()),
            invitation_days: 14,
            demo_invitation: false,
            trusted_proxies: String::new(),
            header_timeout: HEADER_TIMEOUT,
            request_timeout: REQUEST_TIMEOUT,
        }
    }
}

// Keep secrets out of logs.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("quizzes_dir", &self.quizzes_dir)
            .field("public_url", &self.public_url)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "<set>"))
            .field("admin_email", &self.admin_email)
            .field("trusted_proxies", &self.trusted_proxies)
            .field(
                "admin_password",
                &self.admin_password.as_ref().map(|_| "<set>"),
            )
            .finish_non_exhaustive()
    }
}

/// A database URL with any password replaced.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://rung.db"), "sqlite://rung.db");
    }

    #[test]
    fn links_join_the_public_url_and_the_token() {
        let mut c = Config::for_tests("sqlite::memory:".into());
        c.public_url = "https://quiz.example.com/".into();
        assert_eq!(c.candidate_link("abc"), "https://quiz.example.com/take/abc");
        assert!(c.secure_cookies());
    }
}
