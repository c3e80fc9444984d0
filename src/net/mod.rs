//! What every provider's HTTP clients share: which URLs may carry credentials, URLs safe to
//! print, the retry policy and the executor that sends requests by it, and the TLS set-up of
//! every client ([`tls`]).

pub mod http;
pub mod retry;
pub mod tls;

use std::collections::HashSet;

use reqwest::Url;
use serde_json::Value;

/// A configuration the client refuses (bad endpoint, bad container id...). Never contains a
/// secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Checks that a URL may carry credentials: `https`, or `http` to a loopback host only.
pub fn check_url(text: &str, what: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(text.trim())
        .map_err(|e| ConfigError(format!("the {what} {text:?} is not a valid URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError(format!(
            "the {what} must not contain credentials (user:password@); use the environment variables instead"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError(format!(
            "the {what} {} must not have a query or fragment",
            strip_query(&url)
        )));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(ConfigError(format!(
            "refusing the plain http:// {what} {}: credentials would cross the network unencrypted; use https:// (http:// is allowed only for loopback hosts such as 127.0.0.1 or localhost)",
            strip_query(&url)
        ))),
        other => Err(ConfigError(format!(
            "the {what} {} has the unsupported scheme {other}:; use https://",
            strip_query(&url)
        ))),
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => {
            let name = host.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    }
}

/// A URL for messages and logs: no query (it could carry anything), no credentials.
pub fn strip_query(url: &Url) -> String {
    format!(
        "{}://{}{}{}",
        url.scheme(),
        url.host_str().unwrap_or_default(),
        url.port().map(|p| format!(":{p}")).unwrap_or_default(),
        url.path()
    )
}

/// A reqwest error with its causes ("connection closed before message completed"), no URL.
pub fn error_chain(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "timed out".to_string()
    } else if error.is_connect() {
        "cannot connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(error);
    let mut seen = HashSet::new();
    while let Some(cause) = source {
        let line = cause.to_string();
        if seen.insert(line.clone()) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

/// The human part of an error body: problem `detail` (with violations), gateway `message`,
/// OAuth `error_description`, or `errorMessage` (Appcharge's V2 errors). `None` for bodies
/// that are not JSON objects.
pub fn server_detail(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_string);
    let mut detail = text("detail")
        .or_else(|| text("message"))
        .or_else(|| text("errorMessage"))
        .or_else(|| text("error_description"))
        .or_else(|| text("title"))
        .or_else(|| text("error"))?;
    let violations: Vec<String> = object
        .get("violations")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|v| {
                    let property = v.get("property").and_then(Value::as_str)?;
                    let message = v
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("invalid");
                    Some(format!("{property}: {message}"))
                })
                .collect()
        })
        .unwrap_or_default();
    if !violations.is_empty() {
        let listed = violations.join("; ");
        if !detail.contains(&listed) {
            detail = format!("{detail} ({listed})");
        }
    } else if let Some(property) = text("property")
        && !detail.contains(&property)
    {
        detail = format!("{detail} (property {property})");
    }
    const MAX: usize = 1000;
    if detail.len() > MAX {
        let cut = (0..=MAX)
            .rev()
            .find(|i| detail.is_char_boundary(*i))
            .unwrap_or(0);
        detail.truncate(cut);
        detail.push('…');
    }
    Some(detail)
}
