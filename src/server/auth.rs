//! Credentials: candidate link tokens (JWT), recruiter passwords (argon2id)
//! and recruiter session tokens.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine as _;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const ISSUER: &str = "rung";
pub const CANDIDATE_AUDIENCE: &str = "rung:candidate";

/// A random identifier: 128 bits as 32 hex characters.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A random secret of `n` bytes, URL-safe base64 without padding.
pub fn random_secret(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

// ---- candidate tokens ------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CandidateClaims {
    pub iss: String,
    pub aud: String,
    /// The invitation id, also stored in the database.
    pub jti: String,
    pub iat: i64,
    /// Seconds since the epoch (JWT convention).
    pub exp: i64,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TokenError {
    #[error("the token is malformed or its signature, issuer or audience is wrong")]
    Invalid,
}

/// The HS256 key that signs candidate links. Not `Debug`, not `Serialize`.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenKeys {
    /// `secret` must carry at least 256 bits.
    pub fn new(secret: &[u8]) -> Self {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    pub fn issue(
        &self,
        invitation_id: &str,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = CandidateClaims {
            iss: ISSUER.into(),
            aud: CANDIDATE_AUDIENCE.into(),
            jti: invitation_id.into(),
            iat: now_ms / 1000,
            exp: expires_at_ms / 1000,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// Check signature, algorithm, issuer and audience. Expiry is checked
    /// by the caller against the server's clock and the attempt's state: an
    /// expired link may still finish an attempt that was started in time.
    pub fn verify(&self, token: &str) -> Result<CandidateClaims, TokenError> {
        if token.len() > 2048 {
            return Err(TokenError::Invalid);
        }
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[ISSUER]);
        v.set_audience(&[CANDIDATE_AUDIENCE]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "jti"]);
        v.validate_exp = false;
        decode::<CandidateClaims>(token, &self.decoding, &v)
            .map(|d| d.claims)
            .map_err(|_| TokenError::Invalid)
    }
}

// ---- passwords ---------------------------------------------------------------

/// Hash a password with argon2id (CPU-heavy: call from `spawn_blocking`).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Verify a password against a stored hash (CPU-heavy: `spawn_blocking`).
/// A malformed stored hash verifies as false.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a random password, verified against when the account does not
/// exist, so a wrong email costs the same time as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_secret(24)).unwrap_or_default())
}

/// A fresh session token and the hash stored in the database.
pub fn new_session_token() -> (String, String) {
    let token = random_secret(32);
    let hash = sha256_hex(&token);
    (token, hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn an_issued_token_verifies_with_its_claims() {
        let t = keys().issue("inv1", 1_000_000, 2_000_000).unwrap();
        let c = keys().verify(&t).unwrap();
        assert_eq!(c.jti, "inv1");
        assert_eq!(c.exp, 2000);
        assert_eq!(c.aud, CANDIDATE_AUDIENCE);
    }

    #[test]
    fn a_token_signed_with_another_key_is_rejected() {
        let other = TokenKeys::new(b"ffffffffffffffffffffffffffffffff");
        let t = other.issue("inv1", 0, 10_000_000).unwrap();
        assert_eq!(keys().verify(&t), Err(TokenError::Invalid));
    }

    #[test]
    fn a_tampered_token_is_rejected() {
        let t = keys().issue("inv1", 0, 10_000_000).unwrap();
        let mut parts: Vec<String> = t.split('.').map(String::from).collect();
        // Swap the payload for one naming another invitation.
        let forged = keys().issue("inv2", 0, 10_000_000).unwrap();
        parts[1] = forged.split('.').nth(1).unwrap().to_string();
        assert_eq!(keys().verify(&parts.join(".")), Err(TokenError::Invalid));
    }

    #[test]
    fn unsigned_and_wrong_audience_tokens_are_rejected() {
        // alg=none token with the right claims.
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"alg":"none","typ":"JWT"}"#);
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"iss":"rung","aud":"rung:candidate","jti":"x","iat":0,"exp":9999999999}"#);
        assert_eq!(
            keys().verify(&format!("{header}.{body}.")),
            Err(TokenError::Invalid)
        );

        let claims = CandidateClaims {
            iss: ISSUER.into(),
            aud: "someone-else".into(),
            jti: "x".into(),
            iat: 0,
            exp: 9_999_999_999,
        };
        let t = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap();
        assert_eq!(keys().verify(&t), Err(TokenError::Invalid));
        assert_eq!(keys().verify("garbage"), Err(TokenError::Invalid));
    }

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let h = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn session_tokens_are_random_and_stored_hashed() {
        let (a, ha) = new_session_token();
        let (b, _) = new_session_token();
        assert_ne!(a, b);
        assert_eq!(ha, sha256_hex(&a));
        assert!(a.len() >= 43);
    }
}
