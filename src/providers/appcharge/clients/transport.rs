//! One authenticated connection to Appcharge's publisher API: the `x-publisher-token` header
//! (never logged, redacted from every message) on requests sent by the shared executor
//! ([`crate::net::http`]: its retry rules, a POST sent again only when the server provably did
//! not process it), and errors that name the object and the HTTP status. An unknown outcome of
//! a POST is resolved by the caller looking the object up (see `client`).

use std::fmt;

use reqwest::header::HeaderValue;
use reqwest::{Method, RequestBuilder, Url};
use serde_json::Value;

use crate::backend::{BackendError, ErrorKind};
use crate::net::http::{Call, Endpoint};
pub use crate::net::http::{Failure, Reply, Safety};
use crate::net::retry::RetryPolicy;
use crate::secret::Secret;

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
        let http = crate::net::tls::client_builder_for([&base])
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

    pub fn error(&self, kind: ErrorKind, message: String) -> BackendError {
        crate::net::http::error(self, kind, &message)
    }

    /// Sends until a final answer, by the executor's retry rules.
    pub async fn execute(
        &self,
        what: &str,
        method: Method,
        url: Url,
        body: Option<&Value>,
        safety: Safety,
    ) -> Result<Reply, Failure> {
        let body = body.map(|b| serde_json::to_vec(b).unwrap_or_default());
        let call = Call {
            what,
            method,
            url,
            accept: "application/json",
            content_type: body.as_ref().map(|_| "application/json".to_string()),
            if_match: None,
            body,
            safety,
        };
        crate::net::http::execute(self, &self.http, &self.retry, &call).await
    }

    /// `execute` for requests that are always resendable.
    pub async fn resendable(
        &self,
        what: &str,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<Reply, BackendError> {
        self.execute(what, method, url, body, Safety::Resendable)
            .await
            .map_err(Failure::into_error)
    }

    /// The error for an answer that is not the expected one.
    pub fn answer_error(&self, what: &str, reply: &Reply) -> BackendError {
        crate::net::http::answer_error(self, what, reply, ErrorKind::Conflict, |kind, _| match kind
        {
            ErrorKind::Auth => {
                " (check OFFERCTL_APPCHARGE_TOKEN, the publisher token of this environment)"
            }
            ErrorKind::Conflict => " (the object changed or exists already; run plan again)",
            _ => "",
        })
    }
}

/// Appcharge's side of each request: the publisher token, nothing to refresh.
impl Endpoint for Transport {
    type Credential = ();
    const REQUEST_IDS: bool = false;

    async fn credential(&self) -> Result<(), BackendError> {
        Ok(())
    }

    fn authenticate(&self, request: RequestBuilder, _: &()) -> RequestBuilder {
        let mut token = HeaderValue::from_str(self.token.expose())
            .unwrap_or_else(|_| HeaderValue::from_static(""));
        token.set_sensitive(true);
        request.header("x-publisher-token", token)
    }

    fn secrets(&self) -> Vec<Secret> {
        vec![self.token.clone()]
    }

    fn host(&self) -> String {
        self.base.host_str().unwrap_or_default().to_string()
    }
}
