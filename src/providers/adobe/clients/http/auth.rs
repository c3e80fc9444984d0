//! Access tokens: a static one, or Adobe IMS server-to-server OAuth (client credentials),
//! exchanged once per run and shared by concurrent requests.

use std::fmt;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Client, StatusCode, Url};
use serde_json::Value;
use tokio::sync::Mutex;

use super::{error_chain, server_detail, strip_query};
use crate::backend::{BackendError, ErrorKind};
use crate::net::retry::{RetryPolicy, is_transient, parse_retry_after};
use crate::secret::Secret;

/// Adobe IMS's token endpoint (server-to-server OAuth).
pub const DEFAULT_TOKEN_URL: &str = "https://ims-na1.adobelogin.com/ims/token/v3";
/// The scopes AEP and AJO credentials usually carry.
pub const DEFAULT_SCOPES: &str =
    "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session";

/// How the client authenticates.
#[derive(Clone)]
pub enum Auth {
    /// A bearer token obtained elsewhere (`OFFERCTL_ACCESS_TOKEN`). It cannot be refreshed.
    Token(Secret),
    /// OAuth client credentials, exchanged for a token at `token_url`.
    ClientCredentials(ClientCredentials),
}

#[derive(Clone)]
pub struct ClientCredentials {
    /// Also the default API key, so it is kept out of output like one.
    pub client_id: Secret,
    pub client_secret: Secret,
    /// Comma-separated.
    pub scopes: String,
    pub token_url: Url,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Token(_) => f.write_str("Token(***)"),
            Auth::ClientCredentials(c) => f
                .debug_struct("ClientCredentials")
                .field("client_id", &c.client_id)
                .field("client_secret", &c.client_secret)
                .field("scopes", &c.scopes)
                .field("token_url", &c.token_url.as_str())
                .finish(),
        }
    }
}

impl Auth {
    /// Every credential value this authentication method holds, for redaction.
    pub(super) fn secrets(&self) -> Vec<Secret> {
        match self {
            Auth::Token(token) => vec![token.clone()],
            Auth::ClientCredentials(c) => vec![c.client_id.clone(), c.client_secret.clone()],
        }
    }

    pub(super) fn describe(&self) -> String {
        match self {
            Auth::Token(_) => "a static access token".into(),
            Auth::ClientCredentials(c) => {
                format!("OAuth client credentials via {}", strip_query(&c.token_url))
            }
        }
    }
}

struct Cached {
    token: Secret,
    /// When to stop using it (a minute before IMS says it expires).
    renew_at: Instant,
}

/// The token for requests: fetched on first use, cached for the run, replaced once when the
/// service answers 401.
pub(crate) struct TokenSource {
    auth: Auth,
    cached: Mutex<Option<Cached>>,
}

impl TokenSource {
    pub fn new(auth: Auth) -> Self {
        TokenSource {
            auth,
            cached: Mutex::new(None),
        }
    }

    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The current token; the first caller exchanges credentials while the others wait for it.
    pub async fn token(&self, http: &Client, retry: &RetryPolicy) -> Result<Secret, BackendError> {
        let credentials = match &self.auth {
            Auth::Token(token) => return Ok(token.clone()),
            Auth::ClientCredentials(c) => c,
        };
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && Instant::now() < c.renew_at
        {
            return Ok(c.token.clone());
        }
        let fresh = exchange(http, credentials, retry).await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    /// A replacement for `rejected` after a 401: `None` when tokens cannot be refreshed (a
    /// static token). When another request already replaced it, that newer token is returned
    /// without a second exchange.
    pub async fn refresh(
        &self,
        rejected: &Secret,
        http: &Client,
        retry: &RetryPolicy,
    ) -> Result<Option<Secret>, BackendError> {
        let credentials = match &self.auth {
            Auth::Token(_) => return Ok(None),
            Auth::ClientCredentials(c) => c,
        };
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && &c.token != rejected
        {
            return Ok(Some(c.token.clone()));
        }
        tracing::debug!(target: "offerctl::xcore", "access token refused (401): exchanging the client credentials again");
        let fresh = exchange(http, credentials, retry).await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(Some(token))
    }

    /// The exchanged token, when there is one (for redaction; never waits).
    pub fn current(&self) -> Option<Secret> {
        self.cached
            .try_lock()
            .ok()
            .and_then(|c| c.as_ref().map(|c| c.token.clone()))
    }
}

/// Percent-encodes a form value (everything but RFC 3986 unreserved characters).
fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `POST token_url` with the client-credentials grant, retrying transient failures.
async fn exchange(
    http: &Client,
    credentials: &ClientCredentials,
    retry: &RetryPolicy,
) -> Result<Cached, BackendError> {
    let url = &credentials.token_url;
    let where_ = strip_query(url);
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope={}",
        form_encode(credentials.client_id.expose()),
        form_encode(credentials.client_secret.expose()),
        form_encode(&credentials.scopes),
    );
    let mut attempt = 0;
    loop {
        attempt += 1;
        let started = Instant::now();
        let result = http
            .post(url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .body(body.clone())
            .send()
            .await;
        let response = match result {
            Ok(response) => response,
            Err(error) => {
                tracing::debug!(
                    target: "offerctl::xcore",
                    method = %"POST",
                    path = url.path(),
                    attempt,
                    error = %error_chain(&error),
                    "token request failed"
                );
                if attempt < retry.max_attempts {
                    tokio::time::sleep(retry.backoff(attempt)).await;
                    continue;
                }
                return Err(BackendError::new(
                    ErrorKind::Unavailable,
                    format!(
                        "cannot obtain an access token from {where_}: {} (after {attempt} attempts)",
                        error_chain(&error)
                    ),
                ));
            }
        };
        let status = response.status();
        tracing::debug!(
            target: "offerctl::xcore",
            method = %"POST",
            path = url.path(),
            status = status.as_u16(),
            attempt,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "token response"
        );
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()));
        let bytes = response.bytes().await.unwrap_or_default();
        if is_transient(status) && attempt < retry.max_attempts {
            tokio::time::sleep(retry.delay(attempt, retry_after)).await;
            continue;
        }
        if status != StatusCode::OK {
            let kind = if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
                ErrorKind::Unavailable
            } else {
                ErrorKind::Auth
            };
            let detail = server_detail(&bytes)
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            let hint = if kind == ErrorKind::Auth {
                " (check OFFERCTL_CLIENT_ID, OFFERCTL_CLIENT_SECRET and OFFERCTL_SCOPES)"
            } else {
                ""
            };
            return Err(BackendError::new(
                kind,
                format!("the token exchange at {where_} failed with HTTP {status}{detail}{hint}"),
            )
            .with_status(status.as_u16()));
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|_| {
            BackendError::new(
                ErrorKind::Auth,
                format!("the token exchange at {where_} answered something that is not JSON"),
            )
        })?;
        let Some(token) = value
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
        else {
            return Err(BackendError::new(
                ErrorKind::Auth,
                format!("the token exchange at {where_} answered without an access_token"),
            ));
        };
        let lifetime = value
            .get("expires_in")
            .and_then(Value::as_u64)
            .map(Duration::from_secs)
            .unwrap_or(Duration::from_secs(3600));
        let margin = Duration::from_secs(60).min(lifetime / 2);
        return Ok(Cached {
            token: Secret::new(token),
            renew_at: started + lifetime - margin,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_are_percent_encoded() {
        assert_eq!(form_encode("a b&c=d+e/é"), "a%20b%26c%3Dd%2Be%2F%C3%A9");
        assert_eq!(form_encode("openid,AdobeID"), "openid%2CAdobeID");
    }

    #[test]
    fn auth_debug_hides_every_credential() {
        let auth = Auth::ClientCredentials(ClientCredentials {
            client_id: Secret::new("the-client-id"),
            client_secret: Secret::new("the-client-secret"),
            scopes: DEFAULT_SCOPES.into(),
            token_url: Url::parse(DEFAULT_TOKEN_URL).expect("url"),
        });
        let out = format!("{auth:?} {:?}", Auth::Token(Secret::new("the-token")));
        for secret in ["the-client-id", "the-client-secret", "the-token"] {
            assert!(!out.contains(secret), "{out}");
        }
    }
}
