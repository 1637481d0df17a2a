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

/// The `typ` header of a candidate link (RFC 8725 §3.11: explicit typing,
/// so no other kind of JWT can stand in for one).
pub const CANDIDATE_TYP: &str = "rung-invite+jwt";
/// Clock skew allowed on `nbf` and `exp`, in seconds.
pub const LEEWAY_SECS: i64 = 5;
/// How long after its invitation's start window a link still opens the
/// landing page (which then says the invitation expired, or resumes an
/// attempt started in time); after that it is just an invalid link.
pub const LINK_GRACE_MS: i64 = 7 * 24 * 60 * 60 * 1000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CandidateClaims {
    pub iss: String,
    pub aud: String,
    /// The invitation the link is for.
    pub sub: String,
    /// The invitation id, also stored in the database (revocation).
    pub jti: String,
    pub iat: i64,
    /// Seconds since the epoch (JWT convention).
    pub nbf: i64,
    pub exp: i64,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TokenError {
    /// Malformed, forged, of another kind, not yet or no longer valid: one
    /// answer for all, so a guesser learns nothing.
    #[error("the token is not a valid candidate link")]
    Invalid,
}

/// The keys derived from the server's secret: the HS256 key that signs
/// candidate links and the key of the known-browser cookies. Not `Debug`,
/// not `Serialize`.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    device: [u8; 32],
}

impl TokenKeys {
    /// `secret` must carry at least 256 bits (checked by [`decode_secret`]).
    pub fn new(secret: &[u8]) -> Self {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            device: derive_key(secret, b"rung known-browser cookie v1"),
        }
    }

    /// A link for `invitation_id`, valid from `now_ms` until
    /// [`LINK_GRACE_MS`] after its start window closes at `expires_at_ms`.
    pub fn issue(
        &self,
        invitation_id: &str,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = CandidateClaims {
            iss: ISSUER.into(),
            aud: CANDIDATE_AUDIENCE.into(),
            sub: invitation_id.into(),
            jti: invitation_id.into(),
            iat: now_ms / 1000,
            nbf: now_ms / 1000,
            exp: (expires_at_ms + LINK_GRACE_MS) / 1000,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(CANDIDATE_TYP.into());
        encode(&header, &claims, &self.encoding)
    }

    /// Check a link at `now_ms` (the server's clock): HS256 only, our
    /// issuer, audience and `typ`, every claim present and numeric where it
    /// should be, `sub` naming the same invitation as `jti`, and `nbf`/`exp`
    /// within [`LEEWAY_SECS`]. The caller then looks the invitation up (it
    /// may be revoked, or its start window over).
    pub fn verify(&self, token: &str, now_ms: i64) -> Result<CandidateClaims, TokenError> {
        if token.len() > 2048 || token.split('.').count() != 3 {
            return Err(TokenError::Invalid);
        }
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[ISSUER]);
        v.set_audience(&[CANDIDATE_AUDIENCE]);
        v.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub", "jti"]);
        // Times are checked below against the server's clock (the one the
        // deadlines use), not the crate's view of the system clock.
        v.validate_exp = false;
        v.validate_nbf = false;
        let data = decode::<CandidateClaims>(token, &self.decoding, &v)
            .map_err(|_| TokenError::Invalid)?;
        let c = data.claims;
        let now = now_ms.div_euclid(1000);
        let typed = data.header.typ.as_deref() == Some(CANDIDATE_TYP);
        let timely = c.nbf - LEEWAY_SECS <= now && now < c.exp + LEEWAY_SECS;
        if !typed || !timely || c.sub != c.jti || c.jti.is_empty() {
            return Err(TokenError::Invalid);
        }
        Ok(c)
    }

    /// The value of a known-browser cookie for `recruiter_id`, issued at
    /// `now_ms`: `id.issued.mac`.
    pub fn device_cookie(&self, recruiter_id: &str, now_ms: i64) -> String {
        let issued = now_ms.div_euclid(1000);
        let mac = self.device_mac(recruiter_id, issued);
        format!("{recruiter_id}.{issued}.{mac}")
    }

    /// The account a known-browser cookie was issued to, if it is ours and
    /// younger than `max_age_ms`.
    pub fn device_owner(&self, value: &str, now_ms: i64, max_age_ms: i64) -> Option<String> {
        if value.len() > 200 {
            return None;
        }
        let mut parts = value.splitn(3, '.');
        let (id, issued, mac) = (parts.next()?, parts.next()?, parts.next()?);
        let issued: i64 = issued.parse().ok()?;
        let expected = self.device_mac(id, issued);
        let fresh = now_ms.div_euclid(1000) - issued <= max_age_ms / 1000;
        (constant_time_eq(expected.as_bytes(), mac.as_bytes()) && fresh).then(|| id.to_string())
    }

    fn device_mac(&self, recruiter_id: &str, issued: i64) -> String {
        let mac = hmac_sha256(&self.device, format!("{recruiter_id}.{issued}").as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac)
    }
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// A key for one purpose, derived from the server's secret.
fn derive_key(secret: &[u8], purpose: &[u8]) -> [u8; 32] {
    hmac_sha256(secret, purpose)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The bytes of a configured secret: hex or base64 (standard or URL-safe,
/// padded or not) of at least 32 bytes (256 bits).
pub fn decode_secret(encoded: &str) -> Result<Vec<u8>, String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let s = encoded.trim();
    let bytes = if s.len().is_multiple_of(2) && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(s).ok()
    } else {
        [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|e| e.decode(s).ok())
    };
    match bytes {
        Some(b) if b.len() >= 32 => Ok(b),
        Some(b) => Err(format!(
            "RUNG_JWT_SECRET decodes to {} bytes; it needs at least 32 (256 bits): generate one with `openssl rand -base64 32`",
            b.len()
        )),
        None => Err(
            "RUNG_JWT_SECRET is neither hex nor base64: generate one with `openssl rand -base64 32`"
                .into(),
        ),
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

    const NOW: i64 = 1_800_000_000_000;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"0123456789abcdef0123456789abcdef")
    }

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    /// A token signed with our key, of any header and payload.
    fn signed(header: &str, payload: &str) -> String {
        let input = format!("{}.{}", b64(header), b64(payload));
        let mac = hmac_sha256(b"0123456789abcdef0123456789abcdef", input.as_bytes());
        format!(
            "{input}.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac)
        )
    }

    const HEADER: &str = r#"{"alg":"HS256","typ":"rung-invite+jwt"}"#;

    fn payload(extra: &str) -> String {
        let now = NOW / 1000;
        let base = format!(
            r#""iss":"rung","aud":"rung:candidate","sub":"x","jti":"x","iat":{now},"nbf":{now},"exp":{}"#,
            now + 3600
        );
        if extra.is_empty() {
            format!("{{{base}}}")
        } else {
            format!("{{{extra}}}")
        }
    }

    #[test]
    fn an_issued_token_verifies_with_its_claims() {
        let t = keys().issue("inv1", NOW, NOW + 1_000_000).unwrap();
        let c = keys().verify(&t, NOW).unwrap();
        assert_eq!(c.jti, "inv1");
        assert_eq!(c.sub, "inv1");
        assert_eq!(c.nbf, NOW / 1000);
        assert_eq!(c.exp, (NOW + 1_000_000 + LINK_GRACE_MS) / 1000);
        assert_eq!(c.aud, CANDIDATE_AUDIENCE);
        // Our hand-made signer agrees with the crate's.
        assert!(keys().verify(&signed(HEADER, &payload("")), NOW).is_ok());
    }

    #[test]
    fn times_are_checked_with_a_few_seconds_of_leeway() {
        let t = keys().issue("inv1", NOW, NOW).unwrap();
        let exp = (NOW + LINK_GRACE_MS) / 1000 * 1000;
        assert!(keys().verify(&t, NOW - 4_000).is_ok());
        assert_eq!(keys().verify(&t, NOW - 6_000), Err(TokenError::Invalid));
        assert!(keys().verify(&t, exp + 4_000).is_ok());
        assert_eq!(keys().verify(&t, exp + 5_000), Err(TokenError::Invalid));
    }

    #[test]
    fn a_token_signed_with_another_key_is_rejected() {
        let other = TokenKeys::new(b"ffffffffffffffffffffffffffffffff");
        let t = other.issue("inv1", NOW, NOW + 10_000_000).unwrap();
        assert_eq!(keys().verify(&t, NOW), Err(TokenError::Invalid));
    }

    #[test]
    fn a_tampered_token_is_rejected() {
        let t = keys().issue("inv1", NOW, NOW + 10_000_000).unwrap();
        let mut parts: Vec<String> = t.split('.').map(String::from).collect();
        // Swap the payload for one naming another invitation.
        let forged = keys().issue("inv2", NOW, NOW + 10_000_000).unwrap();
        parts[1] = forged.split('.').nth(1).unwrap().to_string();
        assert_eq!(
            keys().verify(&parts.join("."), NOW),
            Err(TokenError::Invalid)
        );
        // A truncated signature, a five-part token.
        assert_eq!(
            keys().verify(&t[..t.len() - 3], NOW),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            keys().verify(&format!("{t}.a.b"), NOW),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn correctly_signed_tokens_with_wrong_claims_are_rejected() {
        let now = NOW / 1000;
        let later = now + 3600;
        let common = r#""iss":"rung","aud":"rung:candidate","sub":"x","jti":"x""#;
        let bad_payloads = [
            format!(r#"{common},"nbf":{now}"#),                      // no exp
            format!(r#"{common},"exp":{later}"#),                    // no nbf
            format!(r#"{common},"nbf":{now},"exp":"{later}""#),      // string exp
            format!(r#"{common},"nbf":"{now}","exp":{later}"#),      // string nbf
            format!(r#"{common},"nbf":{},"exp":{later}"#, now + 60), // not yet
            format!(r#"{common},"nbf":{},"exp":{}"#, now - 99, now - 60), // expired
            format!(r#""iss":"rung","sub":"x","jti":"x","nbf":{now},"exp":{later}"#), // no aud
            format!(r#""iss":"rung","aud":"other","sub":"x","jti":"x","nbf":{now},"exp":{later}"#),
            format!(
                r#""iss":"rung","aud":["other","more"],"sub":"x","jti":"x","nbf":{now},"exp":{later}"#
            ),
            format!(
                r#""iss":"evil","aud":"rung:candidate","sub":"x","jti":"x","nbf":{now},"exp":{later}"#
            ),
            format!(r#""aud":"rung:candidate","sub":"x","jti":"x","nbf":{now},"exp":{later}"#), // no iss
            format!(r#""iss":"rung","aud":"rung:candidate","jti":"x","nbf":{now},"exp":{later}"#), // no sub
            format!(
                r#""iss":"rung","aud":"rung:candidate","sub":"y","jti":"x","nbf":{now},"exp":{later}"#
            ),
        ];
        for p in &bad_payloads {
            let t = signed(HEADER, &payload(p));
            assert_eq!(keys().verify(&t, NOW), Err(TokenError::Invalid), "{p}");
        }
        for header in [
            r#"{"alg":"HS256","typ":"JWT"}"#,
            r#"{"alg":"HS256"}"#,
            r#"{"alg":"none","typ":"rung-invite+jwt"}"#,
            r#"{"alg":"HS512","typ":"rung-invite+jwt"}"#,
        ] {
            let t = signed(header, &payload(""));
            assert_eq!(keys().verify(&t, NOW), Err(TokenError::Invalid), "{header}");
        }
    }

    #[test]
    fn unsigned_tokens_and_garbage_are_rejected() {
        for alg in ["none", "None", "NONE", "nOnE"] {
            let t = format!(
                "{}.{}.",
                b64(&format!(r#"{{"alg":"{alg}","typ":"rung-invite+jwt"}}"#)),
                b64(&payload(""))
            );
            assert_eq!(keys().verify(&t, NOW), Err(TokenError::Invalid), "{alg}");
        }
        assert_eq!(keys().verify("garbage", NOW), Err(TokenError::Invalid));
        assert_eq!(
            keys().verify(&"a".repeat(100_000), NOW),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn configured_secrets_must_decode_to_256_bits() {
        assert_eq!(decode_secret(&"ab".repeat(32)).unwrap().len(), 32);
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(decode_secret(&b64).unwrap(), vec![7u8; 32]);
        assert_eq!(decode_secret(&random_secret(32)).unwrap().len(), 32);
        let short = decode_secret(&"ab".repeat(16)).unwrap_err();
        assert!(short.contains("16 bytes"), "{short}");
        assert!(decode_secret("not a key!")
            .unwrap_err()
            .contains("neither hex nor base64"));
    }

    #[test]
    fn known_browser_cookies_name_their_account_and_cannot_be_forged() {
        let k = keys();
        let v = k.device_cookie("rec1", NOW);
        assert_eq!(k.device_owner(&v, NOW, 1000).as_deref(), Some("rec1"));
        // Too old.
        assert_eq!(k.device_owner(&v, NOW + 2000, 1000), None);
        // Another account's name on this cookie's MAC.
        let forged = v.replacen("rec1", "rec2", 1);
        assert_eq!(k.device_owner(&forged, NOW, 1000), None);
        let other = TokenKeys::new(b"ffffffffffffffffffffffffffffffff").device_cookie("rec1", NOW);
        assert_eq!(k.device_owner(&other, NOW, 1000), None);
        assert_eq!(k.device_owner("garbage", NOW, 1000), None);
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
