//! Per-client limits on what a request without a session can make the server keep.
//!
//! The sign-in route (`GET /auth/login`, [`crate::routes`]) needs no session and stores a
//! sign-in in flight for ten minutes; one script repeating it must not crowd out everyone
//! else's sign-ins. So each client gets its own budget (a GCRA rate limit from `governor`),
//! keyed by its address: the peer's, or, behind a reverse proxy listed in
//! [`crate::config::SignInLimit::trusted_proxies`] (`TRUSTED_PROXIES`), the nearest untrusted
//! address of `X-Forwarded-For` (the proxies append to it, so anything further left may be
//! forged).
//! An IPv6 client is keyed by its /64: that is what one subscriber or host is given (RFC 6177
//! recommends at least a /64 per end site, and SLAAC needs one, RFC 4862), so it could take a
//! fresh address, and a fresh budget, for every request otherwise.
//!
//! The budget is per instance: each instance behind a balancer counts on its own, so a client
//! may start up to that many times the rate, still bounded, and never at others' expense.

use std::{net::IpAddr, net::SocketAddr, num::NonZeroU32, time::Duration};

use axum::http::HeaderMap;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock as _, clock::DefaultClock};

/// A budget of sign-ins per client (see the module notes).
pub struct ClientLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl ClientLimiter {
    /// `per_minute` sign-ins per client, all of them at once if it likes.
    pub fn per_minute(per_minute: u32) -> Self {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        ClientLimiter { limiter: RateLimiter::keyed(Quota::per_minute(per_minute)) }
    }

    /// `Ok(())`: go ahead. `Err(wait)`: this client is over its budget for `wait`.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        self.limiter
            .check_key(&budget_key(client))
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// Drops the counters of clients that are back to a full budget, so memory follows the
    /// number of recent clients.
    pub fn forget_idle_clients(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// Whose budget a request from `client` draws on: an IPv4 address (also when written as an
/// IPv4-mapped IPv6 address), or an IPv6 address's /64 (see the module notes).
fn budget_key(client: IpAddr) -> IpAddr {
    match client.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(std::net::Ipv6Addr::from_bits(v6.to_bits() & !u128::from(u64::MAX))),
        v4 => v4,
    }
}

/// The address that names the client of a request from `peer`: the peer itself, or behind
/// `trusted` proxies the nearest untrusted address of `X-Forwarded-For`.
pub fn client_address(peer: Option<SocketAddr>, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let peer = peer.map(|peer| peer.ip()).unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    // Right to left: each trusted proxy appended the address it received the request from.
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    let mut client = peer;
    for hop in forwarded.iter().rev() {
        let Ok(address) = hop.parse::<IpAddr>() else { break };
        client = address;
        if !is_trusted(&address) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn loopback() -> Vec<ipnet::IpNet> {
        vec!["127.0.0.0/8".parse().unwrap()]
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn an_ipv6_client_has_one_budget_for_its_slash_64() {
        let limiter = ClientLimiter::per_minute(2);
        for address in ["2001:db8:1:2::1", "2001:db8:1:2:ffff::7"] {
            assert!(limiter.check(address.parse().unwrap()).is_ok(), "{address}");
        }
        assert!(limiter.check("2001:db8:1:2:abcd::1".parse().unwrap()).is_err(), "same /64, budget spent");
        assert!(limiter.check("2001:db8:1:3::1".parse().unwrap()).is_ok(), "another /64 has its own");
        assert_eq!(budget_key("::ffff:198.51.100.7".parse().unwrap()), "198.51.100.7".parse::<IpAddr>().unwrap());
        assert_eq!(budget_key("198.51.100.7".parse().unwrap()), "198.51.100.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn the_client_is_the_peer_unless_the_peer_is_a_trusted_proxy() {
        let outside: SocketAddr = "203.0.113.9:5000".parse().unwrap();
        let proxy: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        assert_eq!(client_address(Some(outside), &forwarded("198.51.100.1"), &loopback()), outside.ip());
        assert_eq!(
            client_address(Some(proxy), &forwarded("198.51.100.1"), &loopback()),
            "198.51.100.1".parse::<IpAddr>().unwrap()
        );
        // A forged entry further left is not believed: the proxy appended the real one.
        assert_eq!(
            client_address(Some(proxy), &forwarded("10.9.9.9, 198.51.100.1"), &loopback()),
            "198.51.100.1".parse::<IpAddr>().unwrap()
        );
        // Two proxies in a row (a CDN's address trusted too): the right-most untrusted entry.
        assert_eq!(
            client_address(Some(proxy), &forwarded("10.9.9.9, 198.51.100.1, 127.0.0.2"), &loopback()),
            "198.51.100.1".parse::<IpAddr>().unwrap()
        );
        let mut two_headers = forwarded("10.9.9.9, 198.51.100.1");
        two_headers.append("x-forwarded-for", HeaderValue::from_static("127.0.0.2"));
        assert_eq!(
            client_address(Some(proxy), &two_headers, &loopback()),
            "198.51.100.1".parse::<IpAddr>().unwrap(),
            "the same spread over two header lines"
        );
        assert_eq!(client_address(Some(proxy), &HeaderMap::new(), &loopback()), proxy.ip());
        assert_eq!(client_address(Some(proxy), &forwarded("garbage"), &loopback()), proxy.ip());
    }

    #[test]
    fn each_client_has_its_own_budget() {
        let limiter = ClientLimiter::per_minute(3);
        let greedy: IpAddr = "198.51.100.1".parse().unwrap();
        let other: IpAddr = "198.51.100.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.check(greedy).is_ok());
        }
        let wait = limiter.check(greedy).expect_err("over budget");
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(20), "{wait:?}");
        assert!(limiter.check(other).is_ok(), "another client is unaffected");
    }
}
