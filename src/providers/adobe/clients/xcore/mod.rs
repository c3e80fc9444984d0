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

use std::collections::HashSet;
use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::header::RETRY_AFTER;
use reqwest::{Method, StatusCode, Url};
use serde_json::{Value, json};
use tokio::sync::OnceCell;
use tracing::Instrument;

#[cfg(test)]
use super::http::server_detail;
pub(crate) use super::http::strip_query;
pub use super::http::{
    Auth, ClientCredentials, ConfigError, DEFAULT_SCOPES, DEFAULT_TOKEN_URL, RetryPolicy,
    check_url, parse_retry_after,
};

use super::http::{BackendErrorExt, Call, Connection, Failure, Reply, Safety, Transport};
use crate::backend::{
    Backend, BackendError, BoxFuture, Deleted, ErrorKind, LiveObject, Receipt, Target,
};
use crate::diff::{self, Op};
use crate::kind::Kind as CoreKind;
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::mapping::xcore::diff_rules;
use crate::secret::Secret;

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

    // ---- container -------------------------------------------------------------------------

    async fn discover_container(&self) -> Result<String, BackendError> {
        let what = format!("finding the container of sandbox {}", self.t.sandbox);
        let mut url = self.t.api.clone();
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
        let reply = self.t.execute_resendable(&call).await?;
        if reply.status != StatusCode::OK {
            return Err(self.t.answer_error(&what, &reply, ErrorKind::Other));
        }
        let home: Value = serde_json::from_slice(&reply.body).map_err(|_| {
            self.t.error(
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
                    && text(c, "/_instance/parentName").is_none_or(|p| p == self.t.sandbox)
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
                    self.t.error(
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
                Err(self.t.error(
                    ErrorKind::Config,
                    format!(
                        "configuration error: no decisioning container of sandbox {} is visible to this credential (containers listed: {others}); check the sandbox name and the credential's permissions, or set --container / OFFERCTL_CONTAINER",
                        self.t.sandbox
                    ),
                ))
            }
            several => Err(self.t.error(
                ErrorKind::Config,
                format!(
                    "configuration error: {} decisioning containers match sandbox {}: {}; choose one with --container / OFFERCTL_CONTAINER",
                    several.len(),
                    self.t.sandbox,
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
            self.t.error(
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
            let reply = self.t.execute_resendable(&call).await?;
            if reply.status != StatusCode::OK {
                return Err(self.t.answer_error(what, &reply, ErrorKind::Other));
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
                        .t
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
                object.name() == name
                    && diff::equivalent(&diff_rules(kind), &object.instance, instance)
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
            .map_err(|e| self.t.error(ErrorKind::Other, format!("{what}: {e}")))?;
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
            match self.t.execute(&call).await {
                Ok(reply) if reply.status.is_success() => {
                    return parse_receipt(&reply, None).map_err(|problem| {
                        self.t.error(ErrorKind::Other, format!("{what}: {problem}"))
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
                    return Err(self.t.answer_error(&what, &reply, ErrorKind::Rejected));
                }
                Err(Failure::Error(error)) => return Err(error),
                Err(Failure::Unknown { error, retryable }) => {
                    uncertain = true;
                    let request_id = error.request_id.clone();
                    let Some(name) = name else {
                        return Err(self.t.error(
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
                    if !retryable || sends >= self.t.retry.max_attempts {
                        return Err(self.t
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
                    tokio::time::sleep(self.t.retry.backoff(sends)).await;
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
            .map_err(|e| self.t.error(ErrorKind::Other, format!("{what}: {e}")))?;
        let call = Call {
            what: &what,
            method: Method::PATCH,
            url: self.container_url(&container, &["instances", &target.instance_id]),
            accept: RECEIPT,
            content_type: Some(format!(
                "{PATCH_HAL}; schema=\"{}\"",
                Kind::from_core(target.kind).schema_id()
            )),
            if_match: Some(quote_etag(etag)),
            body: Some(body),
            safety: Safety::Resendable,
        };
        let reply = self.t.execute_resendable(&call).await?;
        if reply.status.is_success() {
            return parse_receipt(&reply, Some(target))
                .map_err(|problem| self.t.error(ErrorKind::Other, format!("{what}: {problem}")));
        }
        if reply.status == StatusCode::CONFLICT && reply.uncertain {
            return self.confirm_patch(target, ops, etag, &reply, &what).await;
        }
        Err(self.t.answer_error(&what, &reply, ErrorKind::Conflict))
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
            self.t.error(
                ErrorKind::Conflict,
                format!(
                    "{what}: HTTP 409 Conflict on a resent request after an attempt whose outcome is unknown (the connection failed after it was sent){extra}; whether the change was applied is unknown, and a new plan will show the object's current state"
                ),
            )
            .with_status(409)
            .with_request_id(conflict.request_id.clone())
        };
        let container = self.container().await?.to_string();
        let accept = format!(
            "*, {HAL}; schema=\"{}\"",
            Kind::from_core(target.kind).schema_id()
        );
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
        let reply = self.t.execute_resendable(&call).await?;
        if reply.status != StatusCode::OK {
            return Err(unknown(&format!(
                " (reading it back answered HTTP {})",
                reply.status
            )));
        }
        let Ok(envelope) = serde_json::from_slice::<Value>(&reply.body) else {
            return Err(unknown(" (reading it back did not give JSON)"));
        };
        let Ok((object, _)) = parse_envelope(Kind::from_core(target.kind), envelope) else {
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
        let reply = self.t.execute_resendable(&call).await?;
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
            _ => Err(self.t.answer_error(&what, &reply, ErrorKind::Conflict)),
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
            return Err(self.t.error(
                ErrorKind::Other,
                format!("{what}: HTTP 202 Accepted without a Location to poll"),
            ));
        };
        let base = match header(accepted, "content-base") {
            Some(base) => Url::parse(&base).ok(),
            None => None,
        }
        .unwrap_or_else(|| self.t.api.clone());
        let url = base
            .join(&location)
            .map_err(|e| e.to_string())
            .and_then(|url| self.t.same_origin(url))
            .map_err(|e| {
                self.t.error(
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
                .map(|w| w.min(self.t.retry.max_retry_after))
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
            let reply = self.t.execute_resendable(&call).await?;
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
                        other => Err(self.t
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
                    return Err(self.t.answer_error(
                        &format!("{what} (polling the delete job)"),
                        &reply,
                        ErrorKind::Other,
                    ));
                }
            }
        }
        Err(self.t.error(
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
        crate::providers::adobe::clients::live_object(kind, instance_id, id, etag, instance),
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

impl Backend for XcoreClient {
    fn describe(&self) -> String {
        let container = match self.container.get() {
            Some(id) => format!("container {id}"),
            None => "container discovered on first use".to_string(),
        };
        format!(
            "XCore API at {} (organization {}, sandbox {}, {container})",
            self.t.api.as_str().trim_end_matches('/'),
            self.t.org,
            self.t.sandbox,
        )
    }

    fn list(&self, kind: CoreKind) -> BoxFuture<'_, Result<Vec<LiveObject>, BackendError>> {
        let kind = Kind::from_core(kind);
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
        kind: CoreKind,
        instance: &'a Value,
    ) -> BoxFuture<'a, Result<Receipt, BackendError>> {
        let kind = Kind::from_core(kind);
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
            kind = %Kind::from_core(target.kind),
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
            kind = %Kind::from_core(target.kind),
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
            .t
            .resolve_link("/c1/instances?start=a%2Cb&limit=2")
            .expect("resolves");
        assert_eq!(
            url.as_str(),
            "https://platform.adobe.io/data/core/xcore/c1/instances?start=a%2Cb&limit=2"
        );
        let url = client
            .t
            .resolve_link("/data/core/xcore/c1/instances?x=1")
            .expect("resolves");
        assert_eq!(
            url.as_str(),
            "https://platform.adobe.io/data/core/xcore/c1/instances?x=1"
        );
        assert!(
            client
                .t
                .resolve_link("https://evil.example/c1/instances")
                .is_err()
        );
        assert!(client.t.resolve_link("//evil.example/c1").is_err());
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
