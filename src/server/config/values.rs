//! Parsers for single values, each naming its variable in the error.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use url::Url;

use super::{ConfigError, SessionStoreSetting};

pub(super) fn missing(variable: &'static str, what: &str) -> ConfigError {
    ConfigError::new(variable, format!("is not set ({what})"))
}

pub(super) fn parse_socket_addr(variable: &'static str, value: &str) -> Result<SocketAddr, ConfigError> {
    value.parse().map_err(|_| ConfigError::new(variable, format!("{value:?} is not an address like 127.0.0.1:3000")))
}

pub(super) fn parse_url(variable: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value)
        .map_err(|error| ConfigError::new(variable, format!("{value:?} is not an absolute URL ({error})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ConfigError::new(variable, format!("{value:?} is not an http(s) URL with a host")));
    }
    if url.fragment().is_some() {
        return Err(ConfigError::new(variable, format!("{value:?} must not have a #fragment")));
    }
    Ok(url)
}

/// A base URL: no query, and a path ending in `/` so relative joins stay under it.
pub(super) fn parse_base_url(variable: &'static str, value: &str) -> Result<Url, ConfigError> {
    let mut url = parse_url(variable, value)?;
    if url.query().is_some() {
        return Err(ConfigError::new(variable, format!("{value:?} must not have a query string")));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

pub(super) fn join_app_url(app_url: &Url, relative: &str) -> Url {
    // `app_url` always ends in '/', and `relative` is a constant path segment.
    app_url.join(relative).unwrap_or_else(|_| app_url.clone())
}

pub(super) fn parse_session_store(value: &str) -> Result<SessionStoreSetting, ConfigError> {
    if value == "memory" {
        return Ok(SessionStoreSetting::Memory);
    }
    if let Some(path) = value.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(ConfigError::new("SESSION_STORE", "sqlite:// needs a file path, e.g. sqlite://sessions.db"));
        }
        return Ok(SessionStoreSetting::Sqlite(PathBuf::from(path)));
    }
    if let Some(authority) = value.strip_prefix("redis://") {
        let (host, port) = authority
            .rsplit_once(':')
            .and_then(|(host, port)| Some((host, port.parse::<u16>().ok()?)))
            .filter(|(host, _)| !host.is_empty())
            .ok_or_else(|| ConfigError::new("SESSION_STORE", format!("{value:?} is not redis://HOST:PORT")))?;
        return Ok(SessionStoreSetting::Redis { host: host.to_string(), port });
    }
    Err(ConfigError::new("SESSION_STORE", format!("{value:?} is not memory, sqlite://PATH or redis://HOST:PORT")))
}

pub(super) fn parse_seconds(
    variable: &'static str,
    value: Option<String>,
    default: u64,
) -> Result<Duration, ConfigError> {
    let Some(value) = value else { return Ok(Duration::from_secs(default)) };
    match value.parse::<u64>() {
        Ok(seconds) if seconds > 0 => Ok(Duration::from_secs(seconds)),
        _ => Err(ConfigError::new(variable, format!("{value:?} is not a positive whole number of seconds"))),
    }
}

/// `API_ALLOWED_CLIENT_IDS`: comma-separated client ids of the same pool.
pub(super) fn parse_client_ids(variable: &'static str, value: Option<String>) -> Result<Vec<String>, ConfigError> {
    let Some(list) = value else { return Ok(Vec::new()) };
    list.split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| {
            if id.chars().all(|c| c.is_ascii_alphanumeric()) {
                Ok(id.to_string())
            } else {
                Err(ConfigError::new(variable, format!("{id:?} is not a client id")))
            }
        })
        .collect()
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
