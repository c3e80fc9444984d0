//! The HTTP executor every provider's clients send through: one logical request sent until it
//! gets a final answer, with the retry policy ([`super::retry`]), `Retry-After`, per-attempt
//! timeouts (the `reqwest::Client`'s), secrets redacted from every message, a tracing span
//! per request, and a provider's hook for a one-time credential refresh after a 401.
//!
//! Retry rules: 429, 502, 503 and 504 are transient. A request that is safe to resend (GET, and
//! writes that name their whole outcome or are guarded by `If-Match`) is retried on them and on
//! network errors. A request sent [`Safety::Once`] (POST) is sent again only when the server
//! provably did not process it (429, 503, or a connection that never opened); any other failure
//! after sending is an unknown outcome ([`Failure::Unknown`]), which the provider's client
//! resolves by looking the object up.

use std::future::Future;
use std::time::{Instant, SystemTime};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, IF_MATCH, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, StatusCode, Url};
use tracing::Instrument;

use super::retry::{RetryPolicy, is_transient, parse_retry_after, was_refused};
use super::{error_chain, server_detail};
use crate::backend::{BackendError, ErrorKind};
use crate::secret::Secret;

/// Whether a request may be sent again after an unknown outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// GET, and writes that name their whole outcome or are guarded by `If-Match`.
    Resendable,
    /// POST: only when the server provably did not process it.
    Once,
}

/// One logical request.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    /// What the request is for ("listing Tag"), to begin error messages.
    pub what: &'a str,
    pub method: Method,
    pub url: Url,
    pub accept: &'a str,
    pub content_type: Option<String>,
    pub if_match: Option<String>,
    pub body: Option<Vec<u8>>,
    pub safety: Safety,
}

impl<'a> Call<'a> {
    /// A resendable request without a body (set the rest with struct update syntax).
    pub fn new(what: &'a str, method: Method, url: Url, accept: &'a str) -> Self {
        Call {
            what,
            method,
            url,
            accept,
            content_type: None,
            if_match: None,
            body: None,
            safety: Safety::Resendable,
        }
    }

    /// A GET of `url`.
    pub fn get(what: &'a str, url: Url, accept: &'a str) -> Self {
        Call::new(what, Method::GET, url, accept)
    }

    /// A POST creating something: `body` of `content_type`, sent [`Safety::Once`].
    pub fn create(
        what: &'a str,
        url: Url,
        accept: &'a str,
        content_type: String,
        body: Vec<u8>,
    ) -> Self {
        Call {
            content_type: Some(content_type),
            body: Some(body),
            safety: Safety::Once,
            ..Call::new(what, Method::POST, url, accept)
        }
    }
}

/// A final answer.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The `x-request-id` of the last attempt (empty when the provider sends none).
    pub request_id: String,
    pub attempts: u32,
    /// A write of which an earlier attempt was sent and its outcome is unknown.
    pub uncertain: bool,
}

impl Reply {
    /// The body as JSON, `None` when it is not.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// The end of a message about a write whose earlier attempt got no answer.
pub const UNKNOWN_OUTCOME: &str = "; an earlier attempt got no answer, so whether it was applied is unknown: a new plan will show the current state";

pub enum Failure {
    /// Give up with this error.
    Error(BackendError),
    /// A [`Safety::Once`] request was sent and no usable answer came: it may have been
    /// processed. `retryable` when the cause was transient (network, timeout, 502, 504).
    Unknown {
        error: BackendError,
        retryable: bool,
    },
}

impl Failure {
    /// The error, whatever the outcome: for requests that are always resendable, where an
    /// unknown outcome cannot surface.
    pub fn into_error(self) -> BackendError {
        match self {
            Failure::Error(error) | Failure::Unknown { error, .. } => error,
        }
    }
}

/// A provider's side of its requests: how an attempt is authenticated, and which values are
/// secret.
pub trait Endpoint: Sync {
    /// What an attempt is authenticated with, fetched once per call.
    type Credential: Send + Sync;

    /// Whether attempts carry an `x-request-id` (then named in errors and logs).
    const REQUEST_IDS: bool;

    /// The credential for the next call.
    fn credential(&self) -> impl Future<Output = Result<Self::Credential, BackendError>> + Send;

    /// After a 401 answered `stale`: a fresh credential to send the request once more with, or
    /// `None` to take the 401 as the answer. Asked at most once per call.
    fn refresh(
        &self,
        _stale: &Self::Credential,
    ) -> impl Future<Output = Result<Option<Self::Credential>, BackendError>> + Send {
        async { Ok(None) }
    }

    /// The provider's headers on one attempt's request.
    fn authenticate(
        &self,
        request: RequestBuilder,
        credential: &Self::Credential,
    ) -> RequestBuilder;

    /// The values no message may show (tokens, keys), as of now.
    fn secrets(&self) -> Vec<Secret>;

    /// The host named in network errors.
    fn host(&self) -> String;
}

/// `text` with the endpoint's secrets replaced (see [`crate::secret::redact`]).
pub fn redact(endpoint: &impl Endpoint, text: &str) -> String {
    crate::secret::redact(text, &endpoint.secrets())
}

/// An error whose message cannot carry a secret.
pub fn error(endpoint: &impl Endpoint, kind: ErrorKind, message: &str) -> BackendError {
    BackendError::new(kind, redact(endpoint, message))
}

fn with_request_id<E: Endpoint>(error: BackendError, request_id: &str) -> BackendError {
    BackendError {
        request_id: E::REQUEST_IDS.then(|| request_id.to_string()),
        ..error
    }
}

async fn send_once<E: Endpoint>(
    endpoint: &E,
    http: &reqwest::Client,
    call: &Call<'_>,
    credential: &E::Credential,
    request_id: &str,
) -> Result<(StatusCode, HeaderMap, Vec<u8>), reqwest::Error> {
    let mut request = endpoint.authenticate(
        http.request(call.method.clone(), call.url.clone()),
        credential,
    );
    if E::REQUEST_IDS {
        request = request.header("x-request-id", request_id);
    }
    request = request.header(ACCEPT, call.accept);
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
    // Taken over rather than copied where the body is one buffer of its own (a list page of
    // megabytes cost a copy into fresh memory, page faults included).
    let body = Vec::from(response.bytes().await?);
    Ok((status, headers, body))
}

/// Sends `call` until it gets a final answer, by the rules of the module documentation.
pub async fn execute<E: Endpoint>(
    endpoint: &E,
    http: &reqwest::Client,
    retry: &RetryPolicy,
    call: &Call<'_>,
) -> Result<Reply, Failure> {
    let span = tracing::debug_span!(
        target: "offerctl::http",
        "request",
        method = %call.method,
        path = %call.url.path(),
    );
    attempts(endpoint, http, retry, call).instrument(span).await
}

async fn attempts<E: Endpoint>(
    endpoint: &E,
    http: &reqwest::Client,
    retry: &RetryPolicy,
    call: &Call<'_>,
) -> Result<Reply, Failure> {
    let prefixed = |error: BackendError| BackendError {
        message: redact(endpoint, &format!("{}: {}", call.what, error.message)),
        ..error
    };
    let mut credential = endpoint
        .credential()
        .await
        .map_err(|e| Failure::Error(prefixed(e)))?;
    let max_attempts = retry.max_attempts.max(1);
    let mut attempt = 0;
    let mut refreshed = false;
    let mut uncertain = false;
    loop {
        attempt += 1;
        let request_id = if E::REQUEST_IDS {
            uuid::Uuid::new_v4().to_string()
        } else {
            String::new()
        };
        let started = Instant::now();
        let result = send_once(endpoint, http, call, &credential, &request_id).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let (status, headers, body) = match result {
            Ok(answer) => answer,
            Err(error) => {
                let chain = error_chain(&error);
                tracing::debug!(
                    target: "offerctl::http",
                    attempt, request_id = %request_id, elapsed_ms, error = %chain, "no response"
                );
                // A connection that could not be opened carried nothing.
                let sent = !error.is_connect();
                if sent && call.safety == Safety::Once {
                    let error = self::error(
                        endpoint,
                        ErrorKind::Unavailable,
                        &format!("{}: {chain}", call.what),
                    );
                    return Err(Failure::Unknown {
                        error: with_request_id::<E>(error, &request_id),
                        retryable: true,
                    });
                }
                uncertain |= sent;
                if attempt < max_attempts {
                    tokio::time::sleep(retry.backoff(attempt)).await;
                    continue;
                }
                let unknown = if uncertain && call.method != Method::GET {
                    UNKNOWN_OUTCOME
                } else {
                    ""
                };
                let error = self::error(
                    endpoint,
                    ErrorKind::Unavailable,
                    &format!(
                        "{}: {}: {chain} (after {attempt} attempts){unknown}",
                        call.what,
                        endpoint.host()
                    ),
                );
                return Err(Failure::Error(with_request_id::<E>(error, &request_id)));
            }
        };
        tracing::debug!(
            target: "offerctl::http",
            status = status.as_u16(), attempt, request_id = %request_id, elapsed_ms, "response"
        );
        if status == StatusCode::UNAUTHORIZED && !refreshed {
            refreshed = true;
            let fresh = endpoint
                .refresh(&credential)
                .await
                .map_err(|e| Failure::Error(prefixed(e)))?;
            if let Some(fresh) = fresh {
                credential = fresh;
                // A 401 was not processed: this retry does not use up an attempt.
                attempt -= 1;
                continue;
            }
        }
        let refused = was_refused(status);
        if is_transient(status)
            && attempt < max_attempts
            && (refused || call.safety == Safety::Resendable)
        {
            uncertain |= !refused;
            let retry_after = headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
            let delay = retry.delay(attempt, retry_after);
            tracing::debug!(
                target: "offerctl::http",
                status = status.as_u16(), attempt, delay_ms = delay.as_millis() as u64, "retrying"
            );
            tokio::time::sleep(delay).await;
            continue;
        }
        if call.safety == Safety::Once && status.is_server_error() && !refused {
            let detail = server_detail(&body)
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            let error = self::error(
                endpoint,
                ErrorKind::Unavailable,
                &format!("{}: HTTP {status}{detail}", call.what),
            )
            .with_status(status.as_u16());
            return Err(Failure::Unknown {
                error: with_request_id::<E>(error, &request_id),
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
}

/// The kind of error an unexpected answer is: `conflict` for 409 and 412.
pub fn error_kind(status: StatusCode, conflict: ErrorKind) -> ErrorKind {
    match status.as_u16() {
        401 | 403 => ErrorKind::Auth,
        404 | 410 => ErrorKind::NotFound,
        409 | 412 => conflict,
        400 | 413 | 415 | 422 => ErrorKind::Rejected,
        429 | 500..=599 => ErrorKind::Unavailable,
        _ => ErrorKind::Other,
    }
}

/// The error for an answer that is not the expected one: `what`, the status, the server's
/// detail, the attempts, and `hint` (what to check for this kind of error).
pub fn answer_error<E: Endpoint>(
    endpoint: &E,
    what: &str,
    reply: &Reply,
    conflict: ErrorKind,
    hint: impl Fn(ErrorKind, StatusCode) -> &'static str,
) -> BackendError {
    let status = reply.status;
    let kind = error_kind(status, conflict);
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
    let hint = hint(kind, status);
    let error = self::error(
        endpoint,
        kind,
        &format!("{what}: HTTP {status}{detail}{after}{hint}"),
    )
    .with_status(status.as_u16());
    with_request_id::<E>(error, &reply.request_id)
}
