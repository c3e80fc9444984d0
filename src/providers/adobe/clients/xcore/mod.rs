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
//! or any 403, is [`ErrorKind::Auth`](crate::backend::ErrorKind::Auth).
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

mod create;
mod delete;
mod discovery;
mod lists;
mod patch;
mod wire;

#[cfg(test)]
mod tests;

use std::fmt;
use std::time::Duration;

use reqwest::Url;
use serde_json::Value;
use tokio::sync::OnceCell;

#[cfg(test)]
use super::http::server_detail;
pub use super::http::{
    Auth, ClientCredentials, ConfigError, DEFAULT_SCOPES, DEFAULT_TOKEN_URL, RetryPolicy,
    check_url, parse_retry_after,
};

use super::Api;
use super::http::{Connection, Transport};
use crate::backend::{BackendError, Deleted, LiveObject, Receipt, Target};
use crate::diff::Op;
use crate::providers::adobe::kind::Kind;
use crate::secret::Secret;

/// The API's path below the gateway.
pub const API_PATH: &str = "/data/core/xcore";

pub(crate) const HAL: &str = "application/vnd.adobe.platform.xcore.hal+json";
pub(crate) const PATCH_HAL: &str = "application/vnd.adobe.platform.xcore.patch.hal+json";
/// What a list asks for: any type, HAL results preferred (`HAL` with the results schema).
pub(crate) const LIST_ACCEPT: &str = "*, application/vnd.adobe.platform.xcore.hal+json; \
     schema=\"https://ns.adobe.com/experience/xcore/hal/results\"";
const RECEIPT: &str = "application/vnd.adobe.platform.xcore.xdm.receipt+json";
/// Largest page the repository serves.
pub const MAX_PAGE_SIZE: usize = 500;

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
    /// The settings every API client shares.
    pub fn connection(&self) -> Connection {
        Connection {
            endpoint: self.endpoint.clone(),
            sandbox: self.sandbox.clone(),
            org: self.org.clone(),
            api_key: self.api_key.clone(),
            auth: self.auth.clone(),
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
            retry: self.retry.clone(),
        }
    }

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

/// The XCore API client.
pub struct XcoreClient {
    t: Transport,
    container: OnceCell<String>,
    page_size: usize,
    delete_polls: u32,
    delete_poll_interval: Duration,
}

impl fmt::Debug for XcoreClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XcoreClient")
            .field("transport", &self.t)
            .field("container", &self.container.get())
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl XcoreClient {
    /// Checks the configuration and builds the HTTP client. No network I/O.
    pub fn new(config: XcoreConfig) -> Result<XcoreClient, ConfigError> {
        let t = Transport::new(&config.connection(), API_PATH)?;
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
        let container = match config.container {
            Some(id) => OnceCell::new_with(Some(id)),
            None => OnceCell::new(),
        };
        Ok(XcoreClient {
            t,
            container,
            page_size: config.page_size,
            delete_polls: config.delete_polls.max(1),
            delete_poll_interval: config.delete_poll_interval,
        })
    }

    /// The API base URL (`…/data/core/xcore/`).
    pub fn api_url(&self) -> &Url {
        &self.t.api
    }

    /// The container id: configured, or discovered (once) from the home document.
    pub async fn container(&self) -> Result<&str, BackendError> {
        self.container
            .get_or_try_init(|| self.discover_container())
            .await
            .map(String::as_str)
    }

    // ---- URLs ------------------------------------------------------------------------------

    fn container_url(&self, container: &str, segments: &[&str]) -> Url {
        let mut url = self.t.api.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push(container).extend(segments);
        }
        url
    }
}

impl Api for XcoreClient {
    const NAME: &'static str = "xcore";

    fn describe(&self) -> String {
        let container = match self.container.get() {
            Some(id) => format!("container {id}"),
            None => "container discovered on first use".to_string(),
        };
        self.t.describe("XCore", &format!(", {container}"))
    }

    async fn read_all(&self, kind: Kind, what: &str) -> Result<Vec<LiveObject>, BackendError> {
        self.list_all(kind, what).await
    }

    async fn send_create(&self, kind: Kind, instance: &Value) -> Result<Receipt, BackendError> {
        self.create_instance(kind, instance).await
    }

    async fn send_patch(
        &self,
        target: &Target,
        ops: &[Op],
        etag: &str,
    ) -> Result<Receipt, BackendError> {
        self.patch_instance(target, ops, etag).await
    }

    async fn send_delete(&self, target: &Target, etag: &str) -> Result<Deleted, BackendError> {
        self.delete_instance(target, etag).await
    }
}
