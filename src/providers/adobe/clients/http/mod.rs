//! What every Adobe API client shares: URL checks, the authenticated HTTP transport with its
//! retry rules, and error reporting that never leaks a secret. The XCore and DPS backends build
//! their requests on [`Transport`]; the rules for what may be resent after an unknown outcome
//! are documented in [`crate::providers::adobe::clients::xcore`].

pub mod auth;

use std::fmt;
use std::time::{Instant, SystemTime};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, IF_MATCH, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};

pub use crate::net::retry::{RetryPolicy, parse_retry_after};
pub use auth::{Auth, ClientCredentials, DEFAULT_SCOPES, DEFAULT_TOKEN_URL};

use crate::backend::{BackendError, ErrorKind};
use crate::net::retry::{is_transient, was_refused};
use crate::secret::Secret;
use auth::TokenSource;

pub(crate) use crate::net::strip_query;
pub use crate::net::{ConfigError, check_url};

pub(crate) use crate::net::{error_chain, server_detail};

/// Whether a request may be sent again after an unknown outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Safety {
    /// GET, and writes guarded by `If-Match`.
    Resendable,
    /// POST: only when the server provably did not process it.
    Once,
}

/// One logical request.
pub(crate) struct Call<'a> {
    /// What the request is for ("listing Tag"), to begin error messages.
    pub(crate) what: &'a str,
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) accept: &'a str,
    pub(crate) content_type: Option<String>,
    pub(crate) if_match: Option<String>,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) safety: Safety,
}

/// A final answer.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) request_id: String,
    pub(crate) attempts: u32,
    /// A write of which an earlier attempt was sent and its outcome is unknown.
    pub(crate) uncertain: bool,
}

pub(crate) const UNKNOWN_OUTCOME: &str = "; an earlier attempt got no answer, so whether it was applied is unknown: a new plan will show the current state";

pub(crate) enum Failure {
    /// Give up with this error.
    Error(BackendError),
    /// A `Safety::Once` request was sent and no usable answer came: it may have been processed.
    /// `retryable` when the cause was transient (network, timeout, 502, 504).
    Unknown {
        error: BackendError,
        retryable: bool,
    },
}

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
        let http = reqwest::Client::builder()
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

    /// The client id (API key) requests are sent with: what the repository records as
    /// `repo:lastModifiedByClientId` for this client's writes. Compared, never printed.
    pub(crate) fn client_id(&self) -> String {
        self.api_key.expose().to_string()
    }

    /// Replaces every credential value in `text`, in any encoding, with `***`.
    pub(crate) fn redact(&self, text: String) -> String {
        let current = self.tokens.current();
        crate::secret::redact(&text, self.secrets.iter().chain(current.iter()))
    }

    pub(crate) fn error(&self, kind: ErrorKind, message: String) -> BackendError {
        BackendError::new(kind, self.redact(message))
    }

    /// `error` with `what` in front of its message.
    pub(crate) fn prefixed(&self, what: &str, error: BackendError) -> BackendError {
        BackendError {
            message: self.redact(format!("{what}: {}", error.message)),
            ..error
        }
    }

    async fn send_once(
        &self,
        call: &Call<'_>,
        token: &Secret,
        request_id: &str,
    ) -> Result<(StatusCode, HeaderMap, Vec<u8>), reqwest::Error> {
        let mut api_key = HeaderValue::from_str(self.api_key.expose())
            .unwrap_or_else(|_| HeaderValue::from_static(""));
        api_key.set_sensitive(true);
        let mut request = self
            .http
            .request(call.method.clone(), call.url.clone())
            .bearer_auth(token.expose())
            .header("x-api-key", api_key)
            .header("x-gw-ims-org-id", &self.org)
            .header("x-sandbox-name", &self.sandbox)
            .header("x-request-id", request_id)
            .header(ACCEPT, call.accept);
        if let Some(content_type) = &call.content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        if let Some(etag) = &call.if_match {
            request = request.header(IF_MATCH, etag);
        }
        if let Some(body) = &call.body {
            request = request.body(body.clone());
        }
        let response = request.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        Ok((status, headers, body.to_vec()))
    }

    /// Sends `call` until it gets a final answer, following the retry rules of the module
    /// documentation.
    pub(crate) async fn execute(&self, call: &Call<'_>) -> Result<Reply, Failure> {
        let mut token = self
            .tokens
            .token(&self.http, &self.retry)
            .await
            .map_err(|e| Failure::Error(self.prefixed(call.what, e)))?;
        let mut attempt = 0;
        let mut refreshed = false;
        let mut uncertain = false;
        let path = call.url.path().to_string();
        loop {
            attempt += 1;
            let request_id = uuid::Uuid::new_v4().to_string();
            let started = Instant::now();
            let result = self.send_once(call, &token, &request_id).await;
            let elapsed_ms = started.elapsed().as_millis() as u64;
            match result {
                Ok((status, headers, body)) => {
                    tracing::debug!(
                        target: "offerctl::http",
                        method = %call.method,
                        path = %path,
                        status = status.as_u16(),
                        attempt,
                        request_id = %request_id,
                        elapsed_ms,
                        "response"
                    );
                    if status == StatusCode::UNAUTHORIZED && !refreshed {
                        refreshed = true;
                        let fresh = self
                            .tokens
                            .refresh(&token, &self.http, &self.retry)
                            .await
                            .map_err(|e| Failure::Error(self.prefixed(call.what, e)))?;
                        if let Some(fresh) = fresh {
                            token = fresh;
                            // A 401 was not processed: this retry does not use up an attempt.
                            attempt -= 1;
                            continue;
                        }
                    }
                    let refused = was_refused(status);
                    if is_transient(status)
                        && attempt < self.retry.max_attempts
                        && (refused || call.safety == Safety::Resendable)
                    {
                        uncertain |= !refused;
                        let retry_after = headers
                            .get(RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| parse_retry_after(v, SystemTime::now()));
                        let delay = self.retry.delay(attempt, retry_after);
                        tracing::debug!(
                            target: "offerctl::http",
                            method = %call.method,
                            path = %path,
                            status = status.as_u16(),
                            attempt,
                            delay_ms = delay.as_millis() as u64,
                            "retrying"
                        );
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                    if call.safety == Safety::Once && status.is_server_error() && !refused {
                        let detail = server_detail(&body)
                            .map(|d| format!(": {d}"))
                            .unwrap_or_default();
                        return Err(Failure::Unknown {
                            error: self
                                .error(
                                    ErrorKind::Unavailable,
                                    format!("{}: HTTP {status}{detail}", call.what),
                                )
                                .with_status(status.as_u16())
                                .with_request_id(request_id),
                            retryable: is_transient(status),
                        });
                    }
                    return Ok(Reply {
                        status,
                        headers,
                        body,
                        request_id,
                        attempts: attempt,
                        uncertain: uncertain && call.method != Method::GET,
                    });
                }
                Err(error) => {
                    let chain = error_chain(&error);
                    tracing::debug!(
                        target: "offerctl::http",
                        method = %call.method,
                        path = %path,
                        attempt,
                        request_id = %request_id,
                        elapsed_ms,
                        error = %chain,
                        "no response"
                    );
                    // A connection that could not be opened carried nothing.
                    let sent = !error.is_connect();
                    if sent && call.safety == Safety::Once {
                        return Err(Failure::Unknown {
                            error: self
                                .error(ErrorKind::Unavailable, format!("{}: {chain}", call.what))
                                .with_request_id(request_id),
                            retryable: true,
                        });
                    }
                    uncertain |= sent;
                    if attempt < self.retry.max_attempts {
                        tokio::time::sleep(self.retry.backoff(attempt)).await;
                        continue;
                    }
                    let host = self.api.host_str().unwrap_or_default().to_string();
                    let unknown = if uncertain && call.method != Method::GET {
                        UNKNOWN_OUTCOME
                    } else {
                        ""
                    };
                    return Err(Failure::Error(
                        self.error(
                            ErrorKind::Unavailable,
                            format!(
                                "{}: {host}: {chain} (after {attempt} attempts){unknown}",
                                call.what
                            ),
                        )
                        .with_request_id(request_id),
                    ));
                }
            }
        }
    }

    /// `execute` for requests that are always resendable: unknown outcomes cannot surface.
    pub(crate) async fn execute_resendable(&self, call: &Call<'_>) -> Result<Reply, BackendError> {
        match self.execute(call).await {
            Ok(reply) => Ok(reply),
            Err(Failure::Error(error)) | Err(Failure::Unknown { error, .. }) => Err(error),
        }
    }

    /// The error for an answer that is not the expected one.
    pub(crate) fn answer_error(
        &self,
        what: &str,
        reply: &Reply,
        conflict: ErrorKind,
    ) -> BackendError {
        let status = reply.status;
        let kind = match status.as_u16() {
            401 | 403 => ErrorKind::Auth,
            404 | 410 => ErrorKind::NotFound,
            409 | 412 => conflict,
            400 | 413 | 415 | 422 => ErrorKind::Rejected,
            429 => ErrorKind::Unavailable,
            500..=599 => ErrorKind::Unavailable,
            _ => ErrorKind::Other,
        };
        let detail = server_detail(&reply.body)
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        let mut after = if reply.attempts > 1 {
            format!(" (after {} attempts)", reply.attempts)
        } else {
            String::new()
        };
        if reply.uncertain && kind == ErrorKind::Unavailable {
            after.push_str(UNKNOWN_OUTCOME);
        }
        let hint = match (kind, status.as_u16()) {
            (ErrorKind::Auth, 401) => {
                " (check OFFERCTL_ACCESS_TOKEN, or OFFERCTL_CLIENT_ID and OFFERCTL_CLIENT_SECRET)"
            }
            (ErrorKind::Auth, _) => {
                " (check the API key, the organization, and the credential's product profile for this sandbox)"
            }
            (ErrorKind::Conflict, _) => " (the object changed since it was read; run plan again)",
            _ => "",
        };
        self.error(kind, format!("{what}: HTTP {status}{detail}{after}{hint}"))
            .with_status(status.as_u16())
            .with_request_id(reply.request_id.clone())
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
