//! One authenticated, patient HTTP connection to Appcharge's publisher API: the
//! `x-publisher-token` header (never logged, redacted from every message), retries of what is
//! safe to resend, and errors that name the object and the HTTP status.
//!
//! Retry rules: 429, 502, 503 and 504 are transient. A request that is safe to resend (GET,
//! PUT, DELETE: each names the whole outcome) is retried on them and on network errors. A POST
//! is sent again only when the server provably did not process it (429, 503, or a connection
//! that never opened); any other failure after sending is an unknown outcome, which the caller
//! resolves by looking the object up (see `client`).

use std::fmt;
use std::time::{Instant, SystemTime};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde_json::Value;

use crate::backend::{BackendError, ErrorKind};
use crate::net::retry::{RetryPolicy, is_transient, parse_retry_after, was_refused};
use crate::net::{error_chain, server_detail};
use crate::secret::Secret;

/// Whether a request may be sent again after an unknown outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    Resendable,
    Once,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
    pub attempts: u32,
    /// An earlier attempt of this write was sent and got no usable answer.
    pub uncertain: bool,
}

impl Reply {
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

pub enum Failure {
    Error(BackendError),
    /// A POST was sent and no usable answer came: it may have been processed.
    Unknown {
        error: BackendError,
        retryable: bool,
    },
}

pub struct Transport {
    http: reqwest::Client,
    /// The API origin and base path, ending in `/`.
    pub base: Url,
    token: Secret,
    pub retry: RetryPolicy,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("base", &self.base.as_str())
            .field("token", &self.token)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Transport {
    pub fn new(
        base: Url,
        token: Secret,
        retry: RetryPolicy,
        connect_timeout: std::time::Duration,
        request_timeout: std::time::Duration,
    ) -> Result<Transport, String> {
        if token.is_empty() {
            return Err("the Appcharge publisher token is empty".into());
        }
        if HeaderValue::from_str(token.expose()).is_err() {
            return Err("the Appcharge publisher token cannot be sent in a header".into());
        }
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .timeout(request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("offerctl/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
        let mut retry = retry;
        retry.max_attempts = retry.max_attempts.max(1);
        Ok(Transport {
            http,
            base,
            token,
            retry,
        })
    }

    /// `{base}{path}` (path without a leading `/`).
    pub fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty();
            segments.extend(path.split('/'));
        }
        url
    }

    pub fn redact(&self, text: String) -> String {
        crate::secret::redact(&text, [&self.token])
    }

    pub fn error(&self, kind: ErrorKind, message: String) -> BackendError {
        BackendError::new(kind, self.redact(message))
    }

    async fn send_once(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&[u8]>,
    ) -> Result<(StatusCode, reqwest::header::HeaderMap, Vec<u8>), reqwest::Error> {
        let mut token = HeaderValue::from_str(self.token.expose())
            .unwrap_or_else(|_| HeaderValue::from_static(""));
        token.set_sensitive(true);
        let mut request = self
            .http
            .request(method.clone(), url.clone())
            .header("x-publisher-token", token)
            .header(ACCEPT, "application/json");
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let response = request.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?;
        Ok((status, headers, bytes.to_vec()))
    }

    /// Sends until a final answer, by the retry rules above.
    pub async fn execute(
        &self,
        what: &str,
        method: Method,
        url: Url,
        body: Option<&Value>,
        safety: Safety,
    ) -> Result<Reply, Failure> {
        let body = body.map(|b| serde_json::to_vec(b).unwrap_or_default());
        let path = url.path().to_string();
        let mut attempt = 0;
        let mut uncertain = false;
        loop {
            attempt += 1;
            let started = Instant::now();
            let result = self.send_once(&method, &url, body.as_deref()).await;
            let elapsed_ms = started.elapsed().as_millis() as u64;
            match result {
                Ok((status, headers, reply)) => {
                    tracing::debug!(
                        target: "offerctl::appcharge",
                        method = %method, path = %path, status = status.as_u16(),
                        attempt, elapsed_ms, "response"
                    );
                    let refused = was_refused(status);
                    if is_transient(status)
                        && attempt < self.retry.max_attempts
                        && (refused || safety == Safety::Resendable)
                    {
                        uncertain |= !refused;
                        let retry_after = headers
                            .get(RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| parse_retry_after(v, SystemTime::now()));
                        tokio::time::sleep(self.retry.delay(attempt, retry_after)).await;
                        continue;
                    }
                    if safety == Safety::Once && status.is_server_error() && !refused {
                        let detail = server_detail(&reply)
                            .map(|d| format!(": {d}"))
                            .unwrap_or_default();
                        return Err(Failure::Unknown {
                            error: self
                                .error(
                                    ErrorKind::Unavailable,
                                    format!("{what}: HTTP {status}{detail}"),
                                )
                                .with_status(status.as_u16()),
                            retryable: is_transient(status),
                        });
                    }
                    return Ok(Reply {
                        status,
                        body: reply,
                        attempts: attempt,
                        uncertain: uncertain && method != Method::GET,
                    });
                }
                Err(error) => {
                    let chain = error_chain(&error);
                    tracing::debug!(
                        target: "offerctl::appcharge",
                        method = %method, path = %path, attempt, elapsed_ms,
                        error = %chain, "no response"
                    );
                    let sent = !error.is_connect();
                    if sent && safety == Safety::Once {
                        return Err(Failure::Unknown {
                            error: self.error(ErrorKind::Unavailable, format!("{what}: {chain}")),
                            retryable: true,
                        });
                    }
                    uncertain |= sent;
                    if attempt < self.retry.max_attempts {
                        tokio::time::sleep(self.retry.backoff(attempt)).await;
                        continue;
                    }
                    let host = self.base.host_str().unwrap_or_default().to_string();
                    return Err(Failure::Error(self.error(
                        ErrorKind::Unavailable,
                        format!("{what}: {host}: {chain} (after {attempt} attempts)"),
                    )));
                }
            }
        }
    }

    /// `execute` for requests that are always resendable.
    pub async fn resendable(
        &self,
        what: &str,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<Reply, BackendError> {
        match self
            .execute(what, method, url, body, Safety::Resendable)
            .await
        {
            Ok(reply) => Ok(reply),
            Err(Failure::Error(error) | Failure::Unknown { error, .. }) => Err(error),
        }
    }

    /// The error for an answer that is not the expected one.
    pub fn answer_error(&self, what: &str, reply: &Reply) -> BackendError {
        let status = reply.status;
        let kind = match status.as_u16() {
            401 | 403 => ErrorKind::Auth,
            404 | 410 => ErrorKind::NotFound,
            409 | 412 => ErrorKind::Conflict,
            400 | 413 | 415 | 422 => ErrorKind::Rejected,
            429 | 500..=599 => ErrorKind::Unavailable,
            _ => ErrorKind::Other,
        };
        let detail = server_detail(&reply.body)
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        let after = if reply.attempts > 1 {
            format!(" (after {} attempts)", reply.attempts)
        } else {
            String::new()
        };
        let hint = match kind {
            ErrorKind::Auth => {
                " (check OFFERCTL_APPCHARGE_TOKEN, the publisher token of this environment)"
            }
            ErrorKind::Conflict => " (the object changed or exists already; run plan again)",
            _ => "",
        };
        self.error(kind, format!("{what}: HTTP {status}{detail}{after}{hint}"))
            .with_status(status.as_u16())
    }
}
