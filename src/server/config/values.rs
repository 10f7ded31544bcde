//! Parsers for single values, each naming its variable in the error.

use std::net::SocketAddr;

use super::ConfigError;

pub(super) fn parse_socket_addr(variable: &'static str, value: &str) -> Result<SocketAddr, ConfigError> {
    value.parse().map_err(|_| ConfigError::new(variable, format!("{value:?} is not an address like 127.0.0.1:3000")))
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
