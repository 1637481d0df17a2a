//! Who is calling: the client's address and browser, worked out once per
//! request by a middleware and read by every handler and server function.
//!
//! The address is the TCP peer's, unless the peer is a configured trusted
//! proxy (`RUNG_TRUSTED_PROXIES`): then `X-Forwarded-For` is read from the
//! right, skipping trusted proxies, and the first address that is not one
//! is the client. Entries left of it were written by the client and are not
//! believed. Without a trusted proxy the header is ignored, so no client can
//! pick the address its limits are counted under.

use crate::server::attempts::ClientInfo;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Extensions, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The client's address, as [`client_addr`] decided it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Arc<[IpNet]>);

impl TrustedProxies {
    /// Parse a comma-separated list of addresses and networks
    /// (`10.0.0.0/8, 192.0.2.7, 2001:db8::/32`).
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let net = item
                .parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!("RUNG_TRUSTED_PROXIES: {item:?} is not an address or a network (like 10.0.0.0/8)")
                })?;
            nets.push(net);
        }
        Ok(TrustedProxies(nets.into()))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// The client's address for a request from `peer` with these headers.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.trusts(peer) {
        return peer;
    }
    // Every X-Forwarded-For header, in order, as one list; read from the
    // right.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>().map(canonical) else {
            // A malformed entry: nothing left of it can be believed.
            break;
        };
        client = ip;
        if !trusted.trusts(ip) {
            break;
        }
    }
    client
}

/// The browser's User-Agent (bounded by `ClientInfo::new`).
pub fn user_agent(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

/// The client of a request, as the candidate's integrity evidence records
/// it: the one place it is worked out, for handlers and server functions.
pub fn client_info(headers: &HeaderMap, extensions: &Extensions) -> ClientInfo {
    ClientInfo::new(
        extensions.get::<ClientAddr>().map(|c| c.0),
        user_agent(headers),
    )
}

/// The client of the current server function's request.
pub fn current_client_info() -> ClientInfo {
    match leptos::prelude::use_context::<Parts>() {
        Some(p) => client_info(&p.headers, &p.extensions),
        None => ClientInfo::new(None, None),
    }
}

/// Extractor: the [`ClientInfo`] of a handler's request.
pub struct Client(pub ClientInfo);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Client(client_info(&parts.headers, &parts.extensions)))
    }
}

/// Middleware: put the [`ClientAddr`] in the request's extensions.
pub async fn identify(
    State(trusted): State<TrustedProxies>,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let ip = client_addr(peer.ip(), req.headers(), &trusted);
        req.extensions_mut().insert(ClientAddr(ip));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn xff(values: &[&'static str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_static(v));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_a_trusted_proxy_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(
            client_addr(ip("203.0.113.9"), &xff(&["1.2.3.4"]), &none),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_header_is_read_from_the_right() {
        let t = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").unwrap();
        // The client forged the leftmost entry; the proxy appended the
        // real address.
        let h = xff(&["6.6.6.6, 198.51.100.4", "10.1.2.3"]);
        assert_eq!(client_addr(ip("192.0.2.7"), &h, &t), ip("198.51.100.4"));
        // No header: the proxy itself.
        assert_eq!(
            client_addr(ip("10.0.0.1"), &HeaderMap::new(), &t),
            ip("10.0.0.1")
        );
        // A garbage entry stops the walk at the last good hop.
        let h = xff(&["198.51.100.4, garbage"]);
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &t), ip("10.0.0.1"));
        // A mapped IPv4 peer is its IPv4 address.
        assert_eq!(
            client_addr(ip("::ffff:10.0.0.1"), &xff(&["198.51.100.4"]), &t),
            ip("198.51.100.4")
        );
    }

    #[test]
    fn a_bad_list_is_refused_with_the_entry_named() {
        let e = TrustedProxies::parse("10.0.0.0/8, proxy.local").unwrap_err();
        assert!(e.contains("\"proxy.local\""), "{e}");
        assert!(TrustedProxies::parse("").unwrap().0.is_empty());
    }
}
