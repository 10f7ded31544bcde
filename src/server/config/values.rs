//! Parsers for single values, each naming its variable in the error.

use std::net::SocketAddr;

use super::ConfigError;

pub(super) fn parse_socket_addr(variable: &'static str, value: &str) -> Result<SocketAddr, ConfigError> {
    value.parse().map_err(|_| ConfigError::new(variable, format!("{value:?} is not an address like 127.0.0.1:3000")))
}

/// `TRUSTED_PROXIES`: comma-separated addresses or networks (`10.0.0.0/8`) of the reverse
/// proxies in front of the app, whose `X-Forwarded-For` names the client.
pub(super) fn parse_trusted_proxies(value: Option<String>) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let Some(value) = value else {
        return Ok(vec![
            ipnet::IpNet::V4(ipnet::Ipv4Net::new_assert(std::net::Ipv4Addr::new(127, 0, 0, 0), 8)),
            ipnet::IpNet::from(std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST)),
        ]);
    };
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>().or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from)).map_err(
                |_| {
                    ConfigError::new(
                        "TRUSTED_PROXIES",
                        format!("{item:?} is not an address or a network like 10.0.0.0/8"),
                    )
                },
            )
        })
        .collect()
}

/// A whole number of at least one, e.g. a rate.
pub(super) fn parse_positive(variable: &'static str, value: Option<String>, default: u32) -> Result<u32, ConfigError> {
    match value {
        None => Ok(default),
        Some(value) => value
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| ConfigError::new(variable, format!("{value:?} is not a whole number of at least 1"))),
    }
}

/// `METRICS_ADDR`: `HOST:PORT`, or a bare port, which listens on loopback only: metrics are
/// for the operator's scraper, never public by accident.
pub(super) fn parse_metrics_addr(value: &str) -> Result<SocketAddr, ConfigError> {
    if let Ok(port) = value.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    value.parse().map_err(|_| {
        ConfigError::new("METRICS_ADDR", format!("{value:?} is not a port or an address like 127.0.0.1:9100"))
    })
}
