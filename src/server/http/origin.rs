//! Cross-site request refusal (CSRF), in front of every route.
//!
//! A request that changes something (any method but GET, HEAD and OPTIONS:
//! server functions and plain form posts alike) must come from our own
//! pages. Browsers say where a request comes from in `Sec-Fetch-Site`:
//! only `same-origin`, or `none` for one the user started themselves, is
//! ours; `same-site` is a sibling subdomain, which must not post with our
//! cookies either. Browsers without it send `Origin`, which must be the
//! configured public URL's. A request with neither is not from a browser
//! (no browser posts without `Origin` since 2020), and so carries no one's
//! cookies but its own: it passes, as in Go's `http.CrossOriginProtection`.
//! GET never changes anything in rung, so it needs no check.

use super::client::ClientAddr;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The origin rung is served from: `scheme://host[:port]` of the public URL.
#[derive(Clone, Debug)]
pub struct OwnOrigin(pub Arc<str>);

impl OwnOrigin {
    pub fn of(public_url: &str) -> Self {
        let url = public_url.trim_end_matches('/');
        // The origin is the URL up to its path.
        let origin = match url.find("://") {
            Some(s) => match url[s + 3..].find('/') {
                Some(p) => &url[..s + 3 + p],
                None => url,
            },
            None => url,
        };
        OwnOrigin(origin.to_ascii_lowercase().into())
    }
}

/// Whether a request with these headers came from another site.
pub fn cross_site(headers: &HeaderMap, own: &OwnOrigin) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    match headers.get(header::ORIGIN) {
        Some(origin) => !origin
            .to_str()
            .is_ok_and(|o| o.trim_end_matches('/').eq_ignore_ascii_case(&own.0)),
        None => false,
    }
}

/// Middleware: refuse a state-changing request from another site with 403.
pub async fn refuse_cross_site(State(own): State<OwnOrigin>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && cross_site(req.headers(), &own) {
        let client = req.extensions().get::<ClientAddr>().map(|c| c.0);
        crate::server::audit::event(
            crate::server::audit::Event::CrossSiteRefused,
            client,
            &[
                ("path", req.uri().path()),
                (
                    "origin",
                    req.headers()
                        .get(header::ORIGIN)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-"),
                ),
                (
                    "sec_fetch_site",
                    req.headers()
                        .get("sec-fetch-site")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-"),
                ),
            ],
        );
        return (
            StatusCode::FORBIDDEN,
            "This request came from another site and was refused. Use rung's own pages.",
        )
            .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn the_origin_is_the_public_url_without_its_path() {
        assert_eq!(
            &*OwnOrigin::of("https://Quiz.example.com/").0,
            "https://quiz.example.com"
        );
        assert_eq!(
            &*OwnOrigin::of("http://127.0.0.1:3000/rung").0,
            "http://127.0.0.1:3000"
        );
    }

    #[test]
    fn only_our_own_pages_may_post() {
        let own = OwnOrigin::of("https://quiz.example.com");
        assert!(!cross_site(
            &headers(&[("sec-fetch-site", "same-origin")]),
            &own
        ));
        assert!(!cross_site(&headers(&[("sec-fetch-site", "none")]), &own));
        assert!(cross_site(
            &headers(&[("sec-fetch-site", "same-site")]),
            &own
        ));
        assert!(cross_site(
            &headers(&[("sec-fetch-site", "cross-site")]),
            &own
        ));
        // Sec-Fetch-Site wins over a forged-looking Origin either way.
        assert!(cross_site(
            &headers(&[
                ("sec-fetch-site", "cross-site"),
                ("origin", "https://quiz.example.com")
            ]),
            &own
        ));
        assert!(!cross_site(
            &headers(&[("origin", "https://quiz.example.com")]),
            &own
        ));
        assert!(cross_site(
            &headers(&[("origin", "https://evil.example.com")]),
            &own
        ));
        assert!(cross_site(
            &headers(&[("origin", "https://x.quiz.example.com")]),
            &own
        ));
        assert!(cross_site(
            &headers(&[("origin", "http://quiz.example.com")]),
            &own
        ));
        assert!(cross_site(&headers(&[("origin", "null")]), &own));
        assert!(!cross_site(&HeaderMap::new(), &own));
    }
}
