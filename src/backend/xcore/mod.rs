//! The XCore repository API (`https://platform.adobe.io/data/core/xcore/`) as a [`Backend`].
//!
//! Wire contract: seed 002 and `docs/serve.md`. Every request carries `Authorization: Bearer`,
//! `x-api-key`, `x-gw-ims-org-id`, `x-sandbox-name` and a fresh `x-request-id` (one per
//! attempt; the last one is reported in receipts and errors).
//!
//! # Retries and unknown outcomes
//!
//! Transient answers (429, 502, 503, 504) and network failures are retried with exponential
//! backoff and jitter, honouring `Retry-After`, for at most [`RetryPolicy::max_attempts`]
//! attempts. What may be sent again depends on the request:
//!
//! * GET, and PATCH or DELETE guarded by `If-Match`, are resent after any transient failure: a
//!   duplicate of a conditional write that already committed finds a newer etag and is refused,
//!   it cannot apply twice. The client remembers that an earlier attempt's outcome was unknown
//!   (sent, but no answer, or a 502/504) and reads the refusal in that light:
//!   * DELETE answered 404: the earlier attempt deleted it, so the result is `Deleted`.
//!   * PATCH answered 409: the object is read again. The patch counts as applied when exactly
//!     one change happened since `etag` (numeric etags: current = etag + 1) and every operation
//!     is visibly in effect (`replace`/`add` values present, removed members absent, appended
//!     set elements present). Otherwise (another writer, or an operation whose effect cannot
//!     be checked, such as a removal by array index) the result is a `Conflict` whose message
//!     says that the earlier attempt's outcome is unknown and that a new plan shows the truth.
//! * POST (create) is never resent blindly. A 429 or 503 answer, or a connection that could not
//!   be opened, proves the request was not processed, so it is sent again. When the outcome is
//!   unknown (timeout, connection dropped after sending, 500/502/504), the name is looked up
//!   (`property=_instance.xdm:name==<name>`): an instance with that name and the same content
//!   (`diff::equivalent`; the newest if several) is taken to be the one we created, and its
//!   receipt is returned. Only when none exists, and the failure was transient (not a 500), is
//!   the create sent again; a 409 duplicate after an unknown outcome triggers the same lookup.
//!   This relies on plan having seen no object of that name (so an equivalent one appearing
//!   since is ours), and on lists reflecting a committed create, as the emulator's do.
//!
//! A 401 with OAuth client credentials exchanges them again once, then retries; a second 401,
//! or any 403, is [`ErrorKind::Auth`].
//!
//! # Container discovery
//!
//! The container is configured, or discovered lazily on the first call that needs it, from the
//! home document (`GET /?product=dma_offers&product=acp`), and cached. Exactly one decisioning
//! container of the sandbox must be visible; otherwise the error lists what was found.
//! [`XcoreClient::new`] does no network I/O.
//!
//! # Secrets
//!
//! Tokens, the client secret and the API key are held as [`Secret`]s, sent only in headers or
//! the token request body, never logged (requests are traced at debug level with method, path
//! without query, status, attempt and request id), and redacted from error messages.

mod auth;
mod retry;

use std::collections::HashSet;
use std::fmt;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, IF_MATCH, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde_json::{Value, json};
use tokio::sync::OnceCell;
use tracing::Instrument;

pub use auth::{Auth, ClientCredentials, DEFAULT_SCOPES, DEFAULT_TOKEN_URL};
pub use retry::{RetryPolicy, parse_retry_after};

use super::{Backend, BackendError, BoxFuture, Deleted, ErrorKind, LiveObject, Receipt, Target};
use crate::diff::{self, Op};
use crate::kind::Kind;
use crate::secret::Secret;
use auth::TokenSource;
use retry::{is_transient, was_refused};

/// The API's path below the gateway.
pub const API_PATH: &str = "/data/core/xcore";

const HAL: &str = "application/vnd.adobe.platform.xcore.hal+json";
const PATCH_HAL: &str = "application/vnd.adobe.platform.xcore.patch.hal+json";
const HOME_HAL: &str = "application/vnd.adobe.platform.xcore.home.hal+json";
const RECEIPT: &str = "application/vnd.adobe.platform.xcore.xdm.receipt+json";
const RESULTS_SCHEMA: &str = "https://ns.adobe.com/experience/xcore/hal/results";
const CONTAINER_SCHEMA: &str = "https://ns.adobe.com/experience/xcore/container";
/// Largest page the repository serves.
pub const MAX_PAGE_SIZE: usize = 500;
/// A list longer than this many pages is taken for a server bug rather than followed forever.
const MAX_PAGES: usize = 100_000;
/// Empty pages that still link to a next one: a few are legal (filters skip items), a long run
/// is a cursor that does not advance.
const MAX_EMPTY_PAGES: usize = 100;

/// A configuration the client refuses (bad endpoint, bad container id...). Never contains a
/// secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Everything [`XcoreClient::new`] needs. Build with [`XcoreConfig::new`], then adjust.
#[derive(Debug, Clone)]
pub struct XcoreConfig {
    /// Gateway base URL (`https://platform.adobe.io`); [`API_PATH`] is appended unless present.
    pub endpoint: String,
    pub sandbox: String,
    /// IMS organization (`...@AdobeOrg`), sent as `x-gw-ims-org-id`.
    pub org: String,
    /// `x-api-key`; defaults to the client id with client credentials.
    pub api_key: Option<Secret>,
    /// The container id; discovered on first use when absent.
    pub container: Option<String>,
    pub auth: Auth,
    pub connect_timeout: Duration,
    /// Per attempt, body included.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    /// `limit` of list requests (a hint to the server), 1..=500.
    pub page_size: usize,
    /// Polls of an accepted (202) delete before giving up.
    pub delete_polls: u32,
    /// Wait before each poll when the server gives no `Retry-After`.
    pub delete_poll_interval: Duration,
}

impl XcoreConfig {
    /// Production defaults: 5 s connect and 30 s request timeouts, 5 attempts, pages of 500,
    /// up to 60 delete polls one second apart.
    pub fn new(
        endpoint: impl Into<String>,
        sandbox: impl Into<String>,
        org: impl Into<String>,
        auth: Auth,
    ) -> Self {
        XcoreConfig {
            endpoint: endpoint.into(),
            sandbox: sandbox.into(),
            org: org.into(),
            api_key: None,
            container: None,
            auth,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            page_size: MAX_PAGE_SIZE,
            delete_polls: 60,
            delete_poll_interval: Duration::from_secs(1),
        }
    }
}

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
pub(crate) fn strip_query(url: &Url) -> String {
    format!(
        "{}://{}{}{}",
        url.scheme(),
        url.host_str().unwrap_or_default(),
        url.port().map(|p| format!(":{p}")).unwrap_or_default(),
        url.path()
    )
}

/// A reqwest error with its causes ("connection closed before message completed"), no URL.
pub(crate) fn error_chain(error: &reqwest::Error) -> String {
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

/// The human part of an error body: problem `detail` (with violations), gateway `message`, or
/// OAuth `error_description`. `None` for bodies that are not JSON objects.
pub(crate) fn server_detail(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_string);
    let mut detail = text("detail")
        .or_else(|| text("message"))
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

/// Whether a request may be sent again after an unknown outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Safety {
    /// GET, and writes guarded by `If-Match`.
    Resendable,
    /// POST: only when the server provably did not process it.
    Once,
}

/// One logical request.
struct Call<'a> {
    /// What the request is for ("listing Tag"), to begin error messages.
    what: &'a str,
    method: Method,
    url: Url,
    accept: &'a str,
    content_type: Option<String>,
    if_match: Option<String>,
    body: Option<Vec<u8>>,
    safety: Safety,
}

/// A final answer.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
    request_id: String,
    attempts: u32,
    /// A write of which an earlier attempt was sent and its outcome is unknown.
    uncertain: bool,
}

const UNKNOWN_OUTCOME: &str = "; an earlier attempt got no answer, so whether it was applied is unknown: a new plan will show the current state";

enum Failure {
    /// Give up with this error.
    Error(BackendError),
    /// A `Safety::Once` request was sent and no usable answer came: it may have been processed.
    /// `retryable` when the cause was transient (network, timeout, 502, 504).
    Unknown {
        error: BackendError,
        retryable: bool,
    },
}

/// The XCore API client.
pub struct XcoreClient {
    http: reqwest::Client,
    /// `{endpoint}/data/core/xcore/`.
    api: Url,
    sandbox: String,
    org: String,
    api_key: Secret,
    tokens: TokenSource,
    container: OnceCell<String>,
    retry: RetryPolicy,
    page_size: usize,
    delete_polls: u32,
    delete_poll_interval: Duration,
    /// Credential values, for redaction of messages.
    secrets: Vec<Secret>,
}

impl fmt::Debug for XcoreClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XcoreClient")
            .field("api", &self.api.as_str())
            .field("sandbox", &self.sandbox)
            .field("org", &self.org)
            .field("api_key", &self.api_key)
            .field("auth", &self.tokens.auth())
            .field("container", &self.container.get())
            .field("retry", &self.retry)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl XcoreClient {
    /// Checks the configuration and builds the HTTP client. No network I/O.
    pub fn new(config: XcoreConfig) -> Result<XcoreClient, ConfigError> {
        let mut api = check_url(&config.endpoint, "endpoint")?;
        let path = api.path().trim_end_matches('/').to_string();
        let path = if path.ends_with(API_PATH) {
            format!("{path}/")
        } else {
            format!("{path}{API_PATH}/")
        };
        api.set_path(&path);
        tracing::info!(target: "offerctl::xcore", "authenticating with {}", config.auth.describe());
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
        if let Some(container) = &config.container {
            let valid = !container.is_empty()
                && container
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !valid {
                return Err(ConfigError(format!(
                    "the container id {container:?} is not valid (expected an id such as 82d1f250-85b6-11e9-ac80-99ba4655b277)"
                )));
            }
        }
        if !(1..=MAX_PAGE_SIZE).contains(&config.page_size) {
            return Err(ConfigError(format!(
                "the page size must be between 1 and {MAX_PAGE_SIZE}"
            )));
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
        let container = match config.container {
            Some(id) => OnceCell::new_with(Some(id)),
            None => OnceCell::new(),
        };
        let mut retry = config.retry;
        retry.max_attempts = retry.max_attempts.max(1);
        Ok(XcoreClient {
            http,
            api,
            sandbox: config.sandbox,
            org: config.org,
            api_key,
            tokens: TokenSource::new(config.auth),
            container,
            retry,
            page_size: config.page_size,
            delete_polls: config.delete_polls.max(1),
            delete_poll_interval: config.delete_poll_interval,
            secrets,
        })
    }

    /// The API base URL (`…/data/core/xcore/`).
    pub fn api_url(&self) -> &Url {
        &self.api
    }

    /// The container id: configured, or discovered (once) from the home document.
    pub async fn container(&self) -> Result<&str, BackendError> {
        self.container
            .get_or_try_init(|| self.discover_container())
            .await
            .map(String::as_str)
    }

    /// Replaces every credential value in `text` with `***`.
    fn redact(&self, text: String) -> String {
        let mut text = text;
        let current = self.tokens.current();
        for secret in self.secrets.iter().chain(current.iter()) {
            let value = secret.expose();
            if value.len() >= 4 && text.contains(value) {
                text = text.replace(value, "***");
            }
        }
        text
    }

    fn error(&self, kind: ErrorKind, message: String) -> BackendError {
        BackendError::new(kind, self.redact(message))
    }

    /// `error` with `what` in front of its message.
    fn prefixed(&self, what: &str, error: BackendError) -> BackendError {
        BackendError {
            message: self.redact(format!("{what}: {}", error.message)),
            ..error
        }
    }

    // ---- transport -------------------------------------------------------------------------

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
    async fn execute(&self, call: &Call<'_>) -> Result<Reply, Failure> {
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
                        target: "offerctl::xcore",
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
                            target: "offerctl::xcore",
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
                        target: "offerctl::xcore",
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
    async fn execute_resendable(&self, call: &Call<'_>) -> Result<Reply, BackendError> {
        match self.execute(call).await {
            Ok(reply) => Ok(reply),
            Err(Failure::Error(error)) | Err(Failure::Unknown { error, .. }) => Err(error),
        }
    }

    /// The error for an answer that is not the expected one.
    fn answer_error(&self, what: &str, reply: &Reply, conflict: ErrorKind) -> BackendError {
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

    // ---- URLs ------------------------------------------------------------------------------

    fn container_url(&self, container: &str, segments: &[&str]) -> Url {
        let mut url = self.api.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push(container).extend(segments);
        }
        url
    }

    /// Resolves a link the server gave (`_links.next.href`, relative to the API path), refusing
    /// any that would send our credentials to another origin.
    fn resolve_link(&self, href: &str) -> Result<Url, String> {
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

    fn same_origin(&self, url: Url) -> Result<Url, String> {
        if url.origin() == self.api.origin() {
            Ok(url)
        } else {
            Err(format!(
                "it points to another server ({}), refused",
                strip_query(&url)
            ))
        }
    }

    // ---- container -------------------------------------------------------------------------

    async fn discover_container(&self) -> Result<String, BackendError> {
        let what = format!("finding the container of sandbox {}", self.sandbox);
        let mut url = self.api.clone();
        url.query_pairs_mut()
            .append_pair("product", "dma_offers")
            .append_pair("product", "acp");
        let call = Call {
            what: &what,
            method: Method::GET,
            url,
            accept: HOME_HAL,
            content_type: None,
            if_match: None,
            body: None,
            safety: Safety::Resendable,
        };
        let reply = self.execute_resendable(&call).await?;
        if reply.status != StatusCode::OK {
            return Err(self.answer_error(&what, &reply, ErrorKind::Other));
        }
        let home: Value = serde_json::from_slice(&reply.body).map_err(|_| {
            self.error(
                ErrorKind::Other,
                format!("{what}: the home document is not JSON"),
            )
        })?;
        let listed = home
            .pointer("/_embedded")
            .and_then(|e| e.get(CONTAINER_SCHEMA))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let text = |c: &Value, pointer: &str| {
            c.pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let matching: Vec<&Value> = listed
            .iter()
            .filter(|c| {
                text(c, "/_instance/containerType").is_none_or(|t| t == "decisioning")
                    && text(c, "/_instance/parentName").is_none_or(|p| p == self.sandbox)
            })
            .collect();
        let describe = |c: &Value| {
            let id = text(c, "/instanceId").unwrap_or_else(|| "(no id)".into());
            match text(c, "/_instance/repo:name") {
                Some(name) => format!("{id} ({name})"),
                None => id,
            }
        };
        match matching.as_slice() {
            [one] => text(one, "/instanceId")
                .filter(|id| !id.is_empty())
                .ok_or_else(|| {
                    self.error(
                        ErrorKind::Other,
                        format!("{what}: the home document lists a container without an instanceId"),
                    )
                }),
            [] => {
                let others = if listed.is_empty() {
                    "none".to_string()
                } else {
                    listed.iter().map(describe).collect::<Vec<_>>().join(", ")
                };
                Err(self.error(
                    ErrorKind::Config,
                    format!(
                        "configuration error: no decisioning container of sandbox {} is visible to this credential (containers listed: {others}); check the sandbox name and the credential's permissions, or set --container / OFFERCTL_CONTAINER",
                        self.sandbox
                    ),
                ))
            }
            several => Err(self.error(
                ErrorKind::Config,
                format!(
                    "configuration error: {} decisioning containers match sandbox {}: {}; choose one with --container / OFFERCTL_CONTAINER",
                    several.len(),
                    self.sandbox,
                    several.iter().map(|c| describe(c)).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }

    // ---- lists -----------------------------------------------------------------------------

    /// Every instance of `kind` matching `filters`, following `next` links; fails rather than
    /// return a partial or inconsistent list. Returns each object with its `repo:createdDate`.
    async fn list_where(
        &self,
        kind: Kind,
        filters: &[(&str, &str)],
        what: &str,
    ) -> Result<Vec<(LiveObject, String)>, BackendError> {
        let container = self.container().await?.to_string();
        let mut url = self.container_url(&container, &["instances"]);
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("schema", &kind.schema_id());
            for (key, value) in filters {
                query.append_pair(key, value);
            }
            query.append_pair("limit", &self.page_size.to_string());
        }
        let accept = format!("*, {HAL}; schema=\"{RESULTS_SCHEMA}\"");
        let mut objects = Vec::new();
        let mut seen_ids = HashSet::new();
        let mut seen_pages = HashSet::new();
        let mut empty_in_a_row = 0;
        let bad = |problem: String| {
            self.error(
                ErrorKind::Other,
                format!("{what}: {problem}; refusing to use a partial list"),
            )
        };
        loop {
            if !seen_pages.insert(url.as_str().to_string()) {
                return Err(bad(format!(
                    "the server's next link repeats an earlier page ({})",
                    strip_query(&url)
                )));
            }
            if seen_pages.len() > MAX_PAGES {
                return Err(bad(format!("more than {MAX_PAGES} pages")));
            }
            let call = Call {
                what,
                method: Method::GET,
                url: url.clone(),
                accept: &accept,
                content_type: None,
                if_match: None,
                body: None,
                safety: Safety::Resendable,
            };
            let reply = self.execute_resendable(&call).await?;
            if reply.status != StatusCode::OK {
                return Err(self.answer_error(what, &reply, ErrorKind::Other));
            }
            let mut page: Value = serde_json::from_slice(&reply.body)
                .map_err(|e| bad(format!("page {} is not JSON ({e})", seen_pages.len())))?;
            // Taken out of the page, so that each `_instance` moves into its object uncopied.
            let Some(results) = page
                .pointer_mut("/_embedded/results")
                .and_then(Value::as_array_mut)
                .map(std::mem::take)
            else {
                return Err(bad(format!(
                    "page {} has no _embedded.results",
                    seen_pages.len()
                )));
            };
            if let Some(count) = page.pointer("/_embedded/count").and_then(Value::as_u64)
                && count != results.len() as u64
            {
                return Err(bad(format!(
                    "page {} says it has {count} results but holds {}",
                    seen_pages.len(),
                    results.len()
                )));
            }
            empty_in_a_row = if results.is_empty() {
                empty_in_a_row + 1
            } else {
                0
            };
            if empty_in_a_row > MAX_EMPTY_PAGES {
                return Err(bad(format!(
                    "{empty_in_a_row} empty pages in a row, each with a next link"
                )));
            }
            for item in results {
                let (object, created) = parse_envelope(kind, item)
                    .map_err(|problem| bad(format!("page {}: {problem}", seen_pages.len())))?;
                if !seen_ids.insert(object.instance_id.clone()) {
                    return Err(bad(format!(
                        "instance {} appears twice",
                        object.instance_id
                    )));
                }
                objects.push((object, created));
            }
            match page.pointer("/_links/next/href") {
                None | Some(Value::Null) => return Ok(objects),
                Some(Value::String(href)) => {
                    url = self
                        .resolve_link(href)
                        .map_err(|e| bad(format!("unusable next link: {e}")))?;
                }
                Some(_) => return Err(bad("a next link without an href string".into())),
            }
        }
    }

    /// After a create whose outcome is unknown: the instance we created, if it exists (same
    /// name, same content; the newest when several).
    async fn find_created(
        &self,
        kind: Kind,
        name: &str,
        instance: &Value,
    ) -> Result<Option<LiveObject>, BackendError> {
        let filter = format!("_instance.xdm:name=={name}");
        let what = format!("looking up {kind} {name:?} after a create whose outcome is unknown");
        let found = self
            .list_where(kind, &[("property", filter.as_str())], &what)
            .await?;
        let best = found
            .into_iter()
            .filter(|(object, _)| {
                object.name() == name && diff::equivalent(kind, &object.instance, instance)
            })
            .max_by(|a, b| a.1.cmp(&b.1));
        Ok(best.map(|(object, _)| object))
    }

    // ---- writes ----------------------------------------------------------------------------

    async fn create_instance(&self, kind: Kind, instance: &Value) -> Result<Receipt, BackendError> {
        let name = instance.get("xdm:name").and_then(Value::as_str);
        let what = match name {
            Some(name) => format!("creating {kind} {name:?}"),
            None => format!("creating a {kind} without a name"),
        };
        let container = self.container().await?.to_string();
        let body = serde_json::to_vec(&json!({"_instance": instance, "_links": {}}))
            .map_err(|e| self.error(ErrorKind::Other, format!("{what}: {e}")))?;
        let call = Call {
            what: &what,
            method: Method::POST,
            url: self.container_url(&container, &["instances"]),
            accept: RECEIPT,
            content_type: Some(format!("{HAL}; schema=\"{}\"", kind.schema_id())),
            if_match: None,
            body: Some(body),
            safety: Safety::Once,
        };
        let adopt = |object: LiveObject, request_id: Option<String>| {
            tracing::debug!(
                target: "offerctl::xcore",
                instance_id = %object.instance_id,
                "the create whose outcome was unknown did happen: using the instance found by name"
            );
            Receipt {
                instance_id: object.instance_id,
                id: object.id,
                etag: object.etag,
                request_id,
            }
        };
        let mut sends = 0;
        let mut uncertain = false;
        loop {
            sends += 1;
            match self.execute(&call).await {
                Ok(reply) if reply.status.is_success() => {
                    return parse_receipt(&reply, None).map_err(|problem| {
                        self.error(ErrorKind::Other, format!("{what}: {problem}"))
                    });
                }
                Ok(reply) => {
                    if reply.status == StatusCode::CONFLICT
                        && uncertain
                        && let Some(name) = name
                        && let Some(object) = self.find_created(kind, name, instance).await?
                    {
                        return Ok(adopt(object, Some(reply.request_id)));
                    }
                    return Err(self.answer_error(&what, &reply, ErrorKind::Rejected));
                }
                Err(Failure::Error(error)) => return Err(error),
                Err(Failure::Unknown { error, retryable }) => {
                    uncertain = true;
                    let request_id = error.request_id.clone();
                    let Some(name) = name else {
                        return Err(self.error(
                            ErrorKind::Unavailable,
                            format!("{}; the outcome is unknown and an object without a name cannot be looked up, so it was not sent again", error.message),
                        ).with_request_id_opt(request_id));
                    };
                    tracing::debug!(
                        target: "offerctl::xcore",
                        kind = %kind,
                        error = %error.message,
                        "create outcome unknown: looking the name up before sending it again"
                    );
                    if let Some(object) = self.find_created(kind, name, instance).await? {
                        return Ok(adopt(object, request_id));
                    }
                    if !retryable || sends >= self.retry.max_attempts {
                        return Err(self
                            .error(
                                ErrorKind::Unavailable,
                                format!(
                                    "{} (after {sends} attempts; no {kind} named {name:?} with this content exists, so it was not created)",
                                    error.message
                                ),
                            )
                            .with_request_id_opt(request_id)
                            .with_status_opt(error.status));
                    }
                    tokio::time::sleep(self.retry.backoff(sends)).await;
                }
            }
        }
    }

    async fn patch_instance(
        &self,
        target: &Target,
        ops: &[Op],
        etag: &str,
    ) -> Result<Receipt, BackendError> {
        let what = format!("patching {target}");
        let container = self.container().await?.to_string();
        let body = serde_json::to_vec(ops)
            .map_err(|e| self.error(ErrorKind::Other, format!("{what}: {e}")))?;
        let call = Call {
            what: &what,
            method: Method::PATCH,
            url: self.container_url(&container, &["instances", &target.instance_id]),
            accept: RECEIPT,
            content_type: Some(format!(
                "{PATCH_HAL}; schema=\"{}\"",
                target.kind.schema_id()
            )),
            if_match: Some(quote_etag(etag)),
            body: Some(body),
            safety: Safety::Resendable,
        };
        let reply = self.execute_resendable(&call).await?;
        if reply.status.is_success() {
            return parse_receipt(&reply, Some(target))
                .map_err(|problem| self.error(ErrorKind::Other, format!("{what}: {problem}")));
        }
        if reply.status == StatusCode::CONFLICT && reply.uncertain {
            return self.confirm_patch(target, ops, etag, &reply, &what).await;
        }
        Err(self.answer_error(&what, &reply, ErrorKind::Conflict))
    }

    /// A resent PATCH got 409 after an attempt with an unknown outcome: did that attempt apply?
    async fn confirm_patch(
        &self,
        target: &Target,
        ops: &[Op],
        etag: &str,
        conflict: &Reply,
        what: &str,
    ) -> Result<Receipt, BackendError> {
        let unknown = |extra: &str| {
            self.error(
                ErrorKind::Conflict,
                format!(
                    "{what}: HTTP 409 Conflict on a resent request after an attempt whose outcome is unknown (the connection failed after it was sent){extra}; whether the change was applied is unknown, and a new plan will show the object's current state"
                ),
            )
            .with_status(409)
            .with_request_id(conflict.request_id.clone())
        };
        let container = self.container().await?.to_string();
        let accept = format!("*, {HAL}; schema=\"{}\"", target.kind.schema_id());
        let call = Call {
            what,
            method: Method::GET,
            url: self.container_url(&container, &["instances", &target.instance_id]),
            accept: &accept,
            content_type: None,
            if_match: None,
            body: None,
            safety: Safety::Resendable,
        };
        let reply = self.execute_resendable(&call).await?;
        if reply.status != StatusCode::OK {
            return Err(unknown(&format!(
                " (reading it back answered HTTP {})",
                reply.status
            )));
        }
        let Ok(envelope) = serde_json::from_slice::<Value>(&reply.body) else {
            return Err(unknown(" (reading it back did not give JSON)"));
        };
        let Ok((object, _)) = parse_envelope(target.kind, envelope) else {
            return Err(unknown(" (reading it back gave an unusable document)"));
        };
        let sent = etag.trim_matches('"');
        let one_change = match (sent.parse::<u64>(), object.etag.parse::<u64>()) {
            (Ok(before), Ok(now)) => now == before + 1,
            _ => object.etag != sent,
        };
        let document = json!({"_instance": object.instance});
        if one_change && ops.iter().all(|op| in_effect(&document, op)) {
            tracing::debug!(
                target: "offerctl::xcore",
                instance_id = %object.instance_id,
                "the patch whose outcome was unknown did apply"
            );
            return Ok(Receipt {
                instance_id: object.instance_id,
                id: object.id,
                etag: object.etag,
                request_id: Some(reply.request_id),
            });
        }
        Err(unknown(""))
    }

    async fn delete_instance(&self, target: &Target, etag: &str) -> Result<Deleted, BackendError> {
        let what = format!("deleting {target}");
        let container = self.container().await?.to_string();
        let call = Call {
            what: &what,
            method: Method::DELETE,
            url: self.container_url(&container, &["instances", &target.instance_id]),
            accept: RECEIPT,
            content_type: None,
            if_match: Some(quote_etag(etag)),
            body: None,
            safety: Safety::Resendable,
        };
        let reply = self.execute_resendable(&call).await?;
        match reply.status.as_u16() {
            200 | 204 => Ok(Deleted::Deleted {
                request_id: Some(reply.request_id),
            }),
            202 => self.await_delete(&reply, &what).await,
            404 if reply.uncertain => {
                tracing::debug!(
                    target: "offerctl::xcore",
                    instance_id = %target.instance_id,
                    "a resent delete found nothing: the earlier attempt deleted it"
                );
                Ok(Deleted::Deleted {
                    request_id: Some(reply.request_id),
                })
            }
            _ => Err(self.answer_error(&what, &reply, ErrorKind::Conflict)),
        }
    }

    /// Polls an accepted delete's `Location` (relative to `Content-Base`) until it is decided.
    async fn await_delete(&self, accepted: &Reply, what: &str) -> Result<Deleted, BackendError> {
        let header = |reply: &Reply, name: &str| {
            reply
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let Some(location) = header(accepted, "location") else {
            return Err(self.error(
                ErrorKind::Other,
                format!("{what}: HTTP 202 Accepted without a Location to poll"),
            ));
        };
        let base = match header(accepted, "content-base") {
            Some(base) => Url::parse(&base).ok(),
            None => None,
        }
        .unwrap_or_else(|| self.api.clone());
        let url = base
            .join(&location)
            .map_err(|e| e.to_string())
            .and_then(|url| self.same_origin(url))
            .map_err(|e| {
                self.error(
                    ErrorKind::Other,
                    format!("{what}: cannot follow the delete job's Location: {e}"),
                )
            })?;
        let mut wait = accepted
            .headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        for _ in 0..self.delete_polls {
            let delay = wait
                .map(|w| w.min(self.retry.max_retry_after))
                .unwrap_or(self.delete_poll_interval);
            tokio::time::sleep(delay).await;
            let call = Call {
                what,
                method: Method::GET,
                url: url.clone(),
                accept: "application/json, */*",
                content_type: None,
                if_match: None,
                body: None,
                safety: Safety::Resendable,
            };
            let reply = self.execute_resendable(&call).await?;
            match reply.status.as_u16() {
                202 => {
                    wait = reply
                        .headers
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                }
                200 => {
                    let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
                    let request_id = Some(reply.request_id.clone());
                    return match body.get("outcome").and_then(Value::as_str) {
                        Some("deleted") => Ok(Deleted::Deleted { request_id }),
                        Some("rejected") => Ok(Deleted::Rejected {
                            referenced_by: body
                                .get("referencedBy")
                                .and_then(Value::as_array)
                                .map(|refs| {
                                    refs.iter()
                                        .filter_map(|r| r.get("@id").and_then(Value::as_str))
                                        .map(str::to_string)
                                        .collect()
                                })
                                .unwrap_or_default(),
                            request_id,
                        }),
                        other => Err(self
                            .error(
                                ErrorKind::Other,
                                format!(
                                    "{what}: the delete job answered 200 with an unrecognised outcome {}",
                                    other.map_or("(none)".to_string(), |o| format!("{o:?}"))
                                ),
                            )
                            .with_request_id(reply.request_id)),
                    };
                }
                _ => {
                    return Err(self.answer_error(
                        &format!("{what} (polling the delete job)"),
                        &reply,
                        ErrorKind::Other,
                    ));
                }
            }
        }
        Err(self.error(
            ErrorKind::Unavailable,
            format!(
                "{what}: the repository had not decided after {} polls of the delete job; the delete may still happen, and a new plan will show the outcome",
                self.delete_polls
            ),
        ))
    }
}

/// `If-Match` wants a quoted entity tag.
fn quote_etag(etag: &str) -> String {
    format!("\"{}\"", etag.trim().trim_matches('"'))
}

fn etag_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.trim_matches('"').to_string()),
        _ => None,
    }
}

/// A list or read envelope as a live object, with its `repo:createdDate`.
fn parse_envelope(kind: Kind, mut item: Value) -> Result<(LiveObject, String), String> {
    let instance_id = item
        .get("instanceId")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or("an instance without an instanceId")?;
    let etag = item
        .get("repo:etag")
        .and_then(etag_text)
        .ok_or_else(|| format!("instance {instance_id} has no repo:etag"))?;
    let instance = item
        .get("_instance")
        .filter(|i| i.is_object())
        .ok_or_else(|| format!("instance {instance_id} has no _instance object"))?;
    let id = instance
        .get("@id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| format!("instance {instance_id} has no @id"))?;
    if let Some(schemas) = item.get("schemas").and_then(Value::as_array) {
        let ours = schemas
            .iter()
            .filter_map(Value::as_str)
            .any(|s| Kind::from_schema_id(s) == Some(kind));
        if !ours {
            return Err(format!(
                "instance {instance_id} has schemas {} (expected {})",
                Value::Array(schemas.clone()),
                kind.schema_id()
            ));
        }
    }
    let created = item
        .get("repo:createdDate")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let (instance_id, id) = (instance_id.to_string(), id.to_string());
    let instance = item
        .get_mut("_instance")
        .map(Value::take)
        .unwrap_or_default();
    Ok((
        LiveObject {
            kind,
            instance_id,
            id,
            etag,
            instance,
        },
        created,
    ))
}

/// A write's receipt. `target` fills in what a patch receipt may leave out.
fn parse_receipt(reply: &Reply, target: Option<&Target>) -> Result<Receipt, String> {
    let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    let location_id = reply
        .headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .and_then(|l| l.split('?').next())
        .and_then(|l| l.trim_end_matches('/').rsplit('/').next())
        .map(str::to_string);
    let instance_id = body
        .get("instanceId")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or(location_id)
        .or_else(|| target.map(|t| t.instance_id.clone()))
        .ok_or("the receipt has no instanceId")?;
    let id = body
        .get("@id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| target.map(|t| t.id.clone()))
        .ok_or("the receipt has no @id")?;
    let etag = body
        .get("repo:etag")
        .and_then(etag_text)
        .or_else(|| {
            reply
                .headers
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .map(|e| e.trim_start_matches("W/").trim_matches('"').to_string())
        })
        .ok_or("the receipt has no repo:etag")?;
    Ok(Receipt {
        instance_id,
        id,
        etag,
        request_id: Some(reply.request_id.clone()),
    })
}

/// Whether the effect of `op` is visible in `document` (`{"_instance": ...}`). Effects that
/// cannot be checked (array positions) count as not visible.
fn in_effect(document: &Value, op: &Op) -> bool {
    let (parent, last) = match op.path().rsplit_once('/') {
        Some(split) => split,
        None => return false,
    };
    let is_index = |segment: &str| segment.bytes().all(|b| b.is_ascii_digit());
    match op {
        Op::Replace { path, value } => document.pointer(path) == Some(value),
        Op::Add { value, .. } if last == "-" => document
            .pointer(parent)
            .and_then(Value::as_array)
            .is_some_and(|items| items.contains(value)),
        Op::Add { path, value } => {
            let into_array = document.pointer(parent).is_some_and(Value::is_array);
            !into_array && document.pointer(path) == Some(value)
        }
        Op::Remove { path } => {
            let from_array =
                document.pointer(parent).is_some_and(Value::is_array) || is_index(last);
            !from_array && document.pointer(path).is_none()
        }
    }
}

trait BackendErrorExt {
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

impl Backend for XcoreClient {
    fn describe(&self) -> String {
        let container = match self.container.get() {
            Some(id) => format!("container {id}"),
            None => "container discovered on first use".to_string(),
        };
        format!(
            "XCore API at {} (organization {}, sandbox {}, {container})",
            self.api.as_str().trim_end_matches('/'),
            self.org,
            self.sandbox,
        )
    }

    fn list(&self, kind: Kind) -> BoxFuture<'_, Result<Vec<LiveObject>, BackendError>> {
        let span = tracing::debug_span!(target: "offerctl::xcore", "list", kind = %kind);
        Box::pin(
            async move {
                let what = format!("listing {kind}");
                let objects = self.list_where(kind, &[], &what).await?;
                Ok(objects.into_iter().map(|(object, _)| object).collect())
            }
            .instrument(span),
        )
    }

    fn create<'a>(
        &'a self,
        kind: Kind,
        instance: &'a Value,
    ) -> BoxFuture<'a, Result<Receipt, BackendError>> {
        let span = tracing::debug_span!(target: "offerctl::xcore", "create", kind = %kind);
        Box::pin(self.create_instance(kind, instance).instrument(span))
    }

    fn patch<'a>(
        &'a self,
        target: &'a Target,
        ops: &'a [Op],
        etag: &'a str,
    ) -> BoxFuture<'a, Result<Receipt, BackendError>> {
        let span = tracing::debug_span!(
            target: "offerctl::xcore",
            "patch",
            kind = %target.kind,
            instance_id = %target.instance_id
        );
        Box::pin(self.patch_instance(target, ops, etag).instrument(span))
    }

    fn delete<'a>(
        &'a self,
        target: &'a Target,
        etag: &'a str,
    ) -> BoxFuture<'a, Result<Deleted, BackendError>> {
        let span = tracing::debug_span!(
            target: "offerctl::xcore",
            "delete",
            kind = %target.kind,
            instance_id = %target.instance_id
        );
        Box::pin(self.delete_instance(target, etag).instrument(span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_auth() -> Auth {
        Auth::Token(Secret::new("tok-123456"))
    }

    fn client(endpoint: &str) -> Result<XcoreClient, ConfigError> {
        let mut config = XcoreConfig::new(endpoint, "prod", "ORG@AdobeOrg", token_auth());
        config.api_key = Some(Secret::new("key-123456"));
        XcoreClient::new(config)
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "https://platform.adobe.io",
            "http://127.0.0.1:8080",
            "http://127.3.4.5",
            "http://[::1]:9000/",
            "http://localhost:1",
            "http://LOCALHOST./",
        ] {
            assert!(client(ok).is_ok(), "{ok}");
        }
        for refused in [
            "http://platform.adobe.io",
            "http://10.0.0.1",
            "http://128.0.0.1",
            "http://[::2]",
            "http://localhost.example.com",
            "ftp://127.0.0.1",
            "https://user:pw@platform.adobe.io",
            "https://platform.adobe.io/?token=x",
            "not a url",
        ] {
            assert!(client(refused).is_err(), "{refused}");
        }
        let error = client("http://platform.adobe.io").expect_err("refused");
        assert!(error.0.contains("http://"), "{error}");
        assert!(error.0.contains("loopback"), "{error}");
    }

    #[test]
    fn the_api_path_is_appended_once() {
        for endpoint in [
            "https://platform.adobe.io",
            "https://platform.adobe.io/",
            "https://platform.adobe.io/data/core/xcore",
            "https://platform.adobe.io/data/core/xcore/",
        ] {
            let client = client(endpoint).expect("valid");
            assert_eq!(
                client.api_url().as_str(),
                "https://platform.adobe.io/data/core/xcore/"
            );
        }
    }

    #[test]
    fn next_links_resolve_against_the_api_path_on_the_same_origin() {
        let client = client("https://platform.adobe.io").expect("valid");
        let url = client
            .resolve_link("/c1/instances?start=a%2Cb&limit=2")
            .expect("resolves");
        assert_eq!(
            url.as_str(),
            "https://platform.adobe.io/data/core/xcore/c1/instances?start=a%2Cb&limit=2"
        );
        let url = client
            .resolve_link("/data/core/xcore/c1/instances?x=1")
            .expect("resolves");
        assert_eq!(
            url.as_str(),
            "https://platform.adobe.io/data/core/xcore/c1/instances?x=1"
        );
        assert!(
            client
                .resolve_link("https://evil.example/c1/instances")
                .is_err()
        );
        assert!(client.resolve_link("//evil.example/c1").is_err());
    }

    #[test]
    fn server_details_are_extracted() {
        let problem = br#"{"type":"x","title":"Unprocessable Entity","status":422,"detail":"invalid instance","property":"/_instance/xdm:status","violations":[{"property":"/_instance/xdm:status","message":"must be one of draft, approved, archived"}]}"#;
        let detail = server_detail(problem).expect("detail");
        assert!(detail.contains("/_instance/xdm:status"), "{detail}");
        assert!(detail.contains("must be one of"), "{detail}");
        let gateway = br#"{"error_code":"401013","message":"Oauth token is not valid"}"#;
        assert_eq!(
            server_detail(gateway).as_deref(),
            Some("Oauth token is not valid")
        );
        assert_eq!(server_detail(b"<html>oops</html>"), None);
    }

    #[test]
    fn effects_of_operations_are_checked_conservatively() {
        let doc = json!({"_instance": {"xdm:name": "b", "xdm:tags": ["t1", "t2"], "x": {"y": 1}}});
        let yes = [
            Op::Replace {
                path: "/_instance/xdm:name".into(),
                value: json!("b"),
            },
            Op::Add {
                path: "/_instance/xdm:tags/-".into(),
                value: json!("t2"),
            },
            Op::Add {
                path: "/_instance/x/y".into(),
                value: json!(1),
            },
            Op::Remove {
                path: "/_instance/gone".into(),
            },
        ];
        for op in &yes {
            assert!(in_effect(&doc, op), "{op:?}");
        }
        let no = [
            Op::Replace {
                path: "/_instance/xdm:name".into(),
                value: json!("a"),
            },
            Op::Add {
                path: "/_instance/xdm:tags/-".into(),
                value: json!("t3"),
            },
            Op::Add {
                path: "/_instance/xdm:tags/0".into(),
                value: json!("t1"),
            },
            Op::Remove {
                path: "/_instance/xdm:tags/1".into(),
            },
            Op::Remove {
                path: "/_instance/x".into(),
            },
        ];
        for op in &no {
            assert!(!in_effect(&doc, op), "{op:?}");
        }
    }

    #[test]
    fn debug_output_hides_credentials() {
        let client = client("https://platform.adobe.io").expect("valid");
        let out = format!("{client:?}");
        assert!(!out.contains("tok-123456"), "{out}");
        assert!(!out.contains("key-123456"), "{out}");
        assert!(out.contains("platform.adobe.io"));
    }
}
