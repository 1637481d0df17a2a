//! The security headers on every response, and the nonce of each page's
//! Content-Security-Policy.
//!
//! Pages insert server-rendered HTML (sanitized Markdown); the policy is the
//! second wall behind ammonia: scripts run only from this origin or with
//! this response's nonce (Leptos puts it on its hydration scripts), wasm may
//! be compiled (`'wasm-unsafe-eval'`), and nothing (images included) loads
//! from anywhere else, so authored content cannot beacon out.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// This response's CSP nonce, put in the request's extensions for the page
/// renderer (see [`adopt_nonce`]).
#[derive(Clone, Debug)]
pub struct CspNonce(pub Arc<str>);

/// What the headers depend on: whether rung is served over HTTPS.
#[derive(Clone, Copy, Debug)]
pub struct HeaderPolicy {
    pub https: bool,
}

/// The Content-Security-Policy for a response whose nonce is `nonce`.
pub fn content_security_policy(nonce: &str) -> String {
    [
        "default-src 'self'".to_string(),
        format!("script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
        "style-src 'self'".into(),
        "img-src 'self'".into(),
        "font-src 'self'".into(),
        "connect-src 'self'".into(),
        "object-src 'none'".into(),
        "base-uri 'none'".into(),
        "frame-ancestors 'none'".into(),
        "form-action 'self'".into(),
    ]
    .join("; ")
}

/// Middleware: a fresh nonce for the renderer, then the headers.
pub async fn security_headers(
    State(policy): State<HeaderPolicy>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce: Arc<str> = crate::server::auth::random_secret(18).into();
    let is_asset = req.uri().path().starts_with("/pkg/");
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut res = next.run(req).await;
    set_headers(res.headers_mut(), policy, &nonce, is_asset);
    res
}

fn set_headers(h: &mut HeaderMap, policy: HeaderPolicy, nonce: &str, is_asset: bool) {
    let mut put = |name: HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    put(
        header::CONTENT_SECURITY_POLICY,
        &content_security_policy(nonce),
    );
    if policy.https {
        put(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    put(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    put(header::X_FRAME_OPTIONS, "DENY");
    put(header::REFERRER_POLICY, "no-referrer");
    put(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    put(
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    put(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    );
    // Pages and API answers carry private data (scores, sessions): never
    // stored. The bundle under /pkg is revalidated on every load (its file
    // names carry no hash), so a new build is picked up at once.
    put(
        header::CACHE_CONTROL,
        if is_asset { "no-cache" } else { "no-store" },
    );
}

/// Called in every page render's context: Leptos's hydration and resource
/// scripts take the nonce of the response's policy.
pub fn adopt_nonce() {
    use leptos::prelude::{provide_context, use_context};
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(n)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(n));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_only_this_origin_and_the_nonce() {
        let p = content_security_policy("abc");
        assert!(p.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'"));
        for d in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "img-src 'self'",
        ] {
            assert!(p.contains(d), "{d} in {p}");
        }
        assert!(!p.contains("unsafe-inline"));
    }

    #[test]
    fn hsts_is_sent_only_over_https() {
        let mut h = HeaderMap::new();
        set_headers(&mut h, HeaderPolicy { https: false }, "n", false);
        assert!(h.get(header::STRICT_TRANSPORT_SECURITY).is_none());
        assert_eq!(h[header::CACHE_CONTROL], "no-store");
        let mut h = HeaderMap::new();
        set_headers(&mut h, HeaderPolicy { https: true }, "n", true);
        assert!(h[header::STRICT_TRANSPORT_SECURITY]
            .to_str()
            .unwrap()
            .starts_with("max-age="));
        assert_eq!(h[header::CACHE_CONTROL], "no-cache");
    }
}
