//! What every Adobe API client shares: URL checks, the authenticated HTTP transport with its
//! retry rules, and error reporting that never leaks a secret. The XCore and DPS backends build
//! their requests on [`Transport`]; the rules for what may be resent after an unknown outcome
//! are documented in [`crate::providers::adobe::clients::xcore`].

pub mod auth;

use std::fmt;

use reqwest::header::HeaderValue;
use reqwest::{RequestBuilder, Url};
use serde_json::Value;

pub use crate::net::retry::{RetryPolicy, parse_retry_after};
pub use auth::{Auth, ClientCredentials, DEFAULT_SCOPES, DEFAULT_TOKEN_URL};

use crate::backend::{BackendError, ErrorKind};
use crate::secret::Secret;
use auth::TokenSource;

pub(crate) use crate::net::strip_query;
pub use crate::net::{ConfigError, check_url};

pub(crate) use crate::net::{error_chain, server_detail};

pub(crate) use crate::net::http::{Call, Failure, Reply, Safety};

/// An authenticated HTTP client for one API base URL of one sandbox.
pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    /// The API base, ending in `/` (`{endpoint}/data/core/xcore/`).
    pub(crate) api: Url,
    pub(crate) sandbox: String,
    pub(crate) org: String,
    api_key: Secret,
    pub(crate) tokens: TokenSource,
    pub(crate) retry: RetryPolicy,
    /// Credential values, for redaction of messages.
    secrets: Vec<Secret>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("api", &self.api.as_str())
            .field("sandbox", &self.sandbox)
            .field("org", &self.org)
            .field("api_key", &self.api_key)
            .field("auth", &self.tokens.auth())
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// What every client needs to reach an API: where, as whom, and how patiently.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Gateway base URL (`https://platform.adobe.io`); the API path is appended unless present.
    pub endpoint: String,
    pub sandbox: String,
    /// IMS organization (`...@AdobeOrg`), sent as `x-gw-ims-org-id`.
    pub org: String,
    /// `x-api-key`; defaults to the client id with client credentials.
    pub api_key: Option<Secret>,
    pub auth: Auth,
    pub connect_timeout: std::time::Duration,
    /// Per attempt, body included.
    pub request_timeout: std::time::Duration,
    pub retry: RetryPolicy,
}

impl Transport {
    /// Checks the connection settings and builds the HTTP client for `api_path`
    /// (`/data/core/xcore`). No network I/O.
    pub(crate) fn new(config: &Connection, api_path: &str) -> Result<Transport, ConfigError> {
        let mut api = check_url(&config.endpoint, "endpoint")?;
        let path = api.path().trim_end_matches('/').to_string();
        let path = if path.ends_with(api_path) {
            format!("{path}/")
        } else {
            format!("{path}{api_path}/")
        };
        api.set_path(&path);
        tracing::info!(target: "offerctl::http", "authenticating with {}", config.auth.describe());
        if let Auth::ClientCredentials(c) = &config.auth {
            check_url(c.token_url.as_str(), "token URL")?;
            if c.client_id.is_empty() || c.client_secret.is_empty() {
                return Err(ConfigError(
                    "OAuth client credentials need both a client id and a client secret".into(),
                ));
            }
        }
        if let Auth::Token(token) = &config.auth
            && token.is_empty()
        {
            return Err(ConfigError("the access token is empty".into()));
        }
        let api_key = match (&config.api_key, &config.auth) {
            (Some(key), _) if !key.is_empty() => key.clone(),
            (_, Auth::ClientCredentials(c)) => c.client_id.clone(),
            _ => {
                return Err(ConfigError(
                    "an API key is required with an access token: set --api-key or OFFERCTL_API_KEY (the client id of your Adobe Developer Console project)".into(),
                ));
            }
        };
        let header_safe = |s: &str| HeaderValue::from_str(s).is_ok() && !s.trim().is_empty();
        if !header_safe(&config.org) {
            return Err(ConfigError(
                "the organization (--org, OFFERCTL_ORG) must be a non-empty IMS org id such as ABC123@AdobeOrg".into(),
            ));
        }
        if !header_safe(&config.sandbox) {
            return Err(ConfigError(
                "the sandbox name (--sandbox, OFFERCTL_SANDBOX) must not be empty".into(),
            ));
        }
        if !header_safe(api_key.expose()) {
            return Err(ConfigError(
                "the API key contains characters that cannot be sent in a header".into(),
            ));
        }
        // The endpoint (links are followed on its origin only) and, for client credentials,
        // the token URL: all this client ever sends to.
        let token_url = match &config.auth {
            Auth::ClientCredentials(c) => Some(&c.token_url),
            _ => None,
        };
        let http = crate::net::tls::client_builder_for([&api].into_iter().chain(token_url))
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("offerctl/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError(format!("cannot set up the HTTP client: {e}")))?;
        let mut secrets = config.auth.secrets();
        secrets.push(api_key.clone());
        let mut retry = config.retry.clone();
        retry.max_attempts = retry.max_attempts.max(1);
        Ok(Transport {
            http,
            api,
            sandbox: config.sandbox.clone(),
            org: config.org.clone(),
            api_key,
            tokens: TokenSource::new(config.auth.clone()),
            retry,
            secrets,
        })
    }

    /// What a client says about itself: `{api} API at {url} (organization, sandbox{more})`.
    pub(crate) fn describe(&self, api: &str, more: &str) -> String {
        format!(
            "{api} API at {} (organization {}, sandbox {}{more})",
            self.api.as_str().trim_end_matches('/'),
            self.org,
            self.sandbox,
        )
    }

    /// The client id (API key) requests are sent with: what the repository records as
    /// `repo:lastModifiedByClientId` for this client's writes. Compared, never printed.
    pub(crate) fn client_id(&self) -> String {
        self.api_key.expose().to_string()
    }

    /// Replaces every credential value in `text`, in any encoding, with `***`.
    pub(crate) fn redact(&self, text: String) -> String {
        crate::net::http::redact(self, &text)
    }

    pub(crate) fn error(&self, kind: ErrorKind, message: String) -> BackendError {
        BackendError::new(kind, self.redact(message))
    }

    /// Sends `call` until it gets a final answer (see [`crate::net::http`]).
    pub(crate) async fn execute(&self, call: &Call<'_>) -> Result<Reply, Failure> {
        crate::net::http::execute(self, &self.http, &self.retry, call).await
    }

    /// `execute` for requests that are always resendable: unknown outcomes cannot surface.
    pub(crate) async fn execute_resendable(&self, call: &Call<'_>) -> Result<Reply, BackendError> {
        self.execute(call).await.map_err(Failure::into_error)
    }

    /// The error for an answer that is not the expected one.
    pub(crate) fn answer_error(
        &self,
        what: &str,
        reply: &Reply,
        conflict: ErrorKind,
    ) -> BackendError {
        crate::net::http::answer_error(self, what, reply, conflict, |kind, status| {
            match (kind, status.as_u16()) {
                (ErrorKind::Auth, 401) => {
                    " (check OFFERCTL_ACCESS_TOKEN, or OFFERCTL_CLIENT_ID and OFFERCTL_CLIENT_SECRET)"
                }
                (ErrorKind::Auth, _) => {
                    " (check the API key, the organization, and the credential's product profile for this sandbox)"
                }
                (ErrorKind::Conflict, _) => {
                    " (the object changed since it was read; run plan again)"
                }
                _ => "",
            }
        })
    }

    /// Resolves a link the server gave (`_links.next.href`, relative to the API path), refusing
    /// any that would send our credentials to another origin.
    pub(crate) fn resolve_link(&self, href: &str) -> Result<Url, String> {
        let api_path = self.api.path().trim_end_matches('/');
        let url = if href.starts_with("http://") || href.starts_with("https://") {
            Url::parse(href).map_err(|e| e.to_string())?
        } else if href.starts_with("//") || href.starts_with(&format!("{api_path}/")) {
            self.api.join(href).map_err(|e| e.to_string())?
        } else if let Some(rest) = href.strip_prefix('/') {
            self.api.join(rest).map_err(|e| e.to_string())?
        } else {
            self.api.join(href).map_err(|e| e.to_string())?
        };
        self.same_origin(url)
    }

    pub(crate) fn same_origin(&self, url: Url) -> Result<Url, String> {
        if url.origin() == self.api.origin() {
            Ok(url)
        } else {
            Err(format!(
                "it points to another server ({}), refused",
                strip_query(&url)
            ))
        }
    }
}

/// Adobe's side of each request: a bearer token (refreshed once after a 401), the API key,
/// the organization and the sandbox.
impl crate::net::http::Endpoint for Transport {
    type Credential = Secret;
    const REQUEST_IDS: bool = true;

    async fn credential(&self) -> Result<Secret, BackendError> {
        self.tokens.token(&self.http, &self.retry).await
    }

    async fn refresh(&self, stale: &Secret) -> Result<Option<Secret>, BackendError> {
        self.tokens.refresh(stale, &self.http, &self.retry).await
    }

    fn authenticate(&self, request: RequestBuilder, token: &Secret) -> RequestBuilder {
        let mut api_key = HeaderValue::from_str(self.api_key.expose())
            .unwrap_or_else(|_| HeaderValue::from_static(""));
        api_key.set_sensitive(true);
        request
            .bearer_auth(token.expose())
            .header("x-api-key", api_key)
            .header("x-gw-ims-org-id", &self.org)
            .header("x-sandbox-name", &self.sandbox)
    }

    fn secrets(&self) -> Vec<Secret> {
        let mut secrets = self.secrets.clone();
        secrets.extend(self.tokens.current());
        secrets
    }

    fn host(&self) -> String {
        self.api.host_str().unwrap_or_default().to_string()
    }
}

/// `If-Match` wants a quoted entity tag.
pub(crate) fn quote_etag(etag: &str) -> String {
    format!("\"{}\"", etag.trim().trim_matches('"'))
}

/// An etag the server wrote as a number or a (possibly quoted) string.
pub(crate) fn etag_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.trim_matches('"').to_string()),
        _ => None,
    }
}

/// A list or read item's identity (the non-empty string at `id_key`) and entity tag (at
/// `etag_key`), or why it has none; `member` gives the item's members, `noun` names the item
/// (`object`, `instance`).
pub(crate) fn identity_and_etag<'v>(
    member: impl Fn(&str) -> Option<&'v Value>,
    noun: &str,
    id_key: &str,
    etag_key: &str,
) -> Result<(&'v str, String), String> {
    let id = member(id_key)
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| format!("an {noun} without an {id_key}"))?;
    let etag = member(etag_key)
        .and_then(etag_text)
        .ok_or_else(|| format!("{noun} {id} has no {etag_key}"))?;
    Ok((id, etag))
}

/// A write receipt's etag: `key` in its body, else its `ETag` header.
pub(crate) fn receipt_etag(reply: &Reply, body: &Value, key: &str) -> Option<String> {
    body.get(key).and_then(etag_text).or_else(|| {
        reply
            .headers
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(|e| e.trim_start_matches("W/").trim_matches('"').to_string())
    })
}

pub(crate) trait BackendErrorExt {
    fn with_request_id(self, id: String) -> Self;
    fn with_request_id_opt(self, id: Option<String>) -> Self;
    fn with_status_opt(self, status: Option<u16>) -> Self;
}

impl BackendErrorExt for BackendError {
    fn with_request_id(mut self, id: String) -> Self {
        self.request_id = Some(id);
        self
    }

    fn with_request_id_opt(mut self, id: Option<String>) -> Self {
        self.request_id = id;
        self
    }

    fn with_status_opt(mut self, status: Option<u16>) -> Self {
        self.status = status;
        self
    }
}
