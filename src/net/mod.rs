//! What every provider's HTTP clients share: which URLs may carry credentials, URLs safe to
//! print, and the retry policy.

pub mod retry;

use reqwest::Url;

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
