//! The Decision Management API (`https://platform.adobe.io/data/core/dps/`) as a [`Backend`].
//!
//! The rest of offerctl works with XCore `_instance` documents (the canonical form); this
//! client translates at the edge with [`crate::providers::adobe::mapping::dps`]: lists are read as DPS documents
//! and turned into canonical ones, creates are translated the other way, and a planned patch
//! (RFC 6902 under `/_instance`) is applied to the canonical document as last read, both
//! versions are translated, and the difference between the two DPS documents is what is sent
//! (ranking formulas: the whole new document, with `PUT`, as their update page documents).
//! That keeps the wire patch minimal and correct even where the two APIs' shapes differ (the
//! activity criteria, `profileConstraintType`).
//!
//! Lists are in [`lists`].
//!
//! Wire contract (reference §2, seed 000): no container, the sandbox header selects the data;
//! `application/json` bodies; a list is paged by following `_links.next.href` until it is
//! absent, and since its cursor is a timestamp, items are de-duplicated by `id`; writes send
//! `If-Match` with the etag the plan saw. Retries, authentication and redaction are the shared
//! [`Transport`]'s (rules in [`crate::providers::adobe::clients::xcore`]).
//!
//! Choices where Adobe's documentation is silent (documented in the README):
//! * a stale `If-Match` is expected to answer 409, as XCore does;
//! * a delete refused because other objects still refer to the object is expected to answer
//!   422 with a problem body listing them in `referencedBy` (what `offerctl serve` does);
//! * a create whose outcome is unknown is looked up by `property=name==<name>`;
//! * a ranking formula is updated with one `PUT` of the whole formula (its update page's title
//!   and API format; the curl example there says `PATCH` with a full object), the other kinds
//!   with JSON Patch.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering as AtomicOrdering};

use reqwest::{Method, StatusCode, Url};
use serde_json::{Value, json};

use super::Api;
use super::create::{Candidate, Created, create};
use super::http::{
    BackendErrorExt, Call, ConfigError, Connection, Reply, Safety, Transport, quote_etag,
    receipt_etag,
};
use crate::backend::{BackendError, Deleted, ErrorKind, LiveDocument, LiveObject, Receipt, Target};
use crate::diff::{self, Op};
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::mapping::dps;
use crate::providers::adobe::mapping::xcore::diff_rules;

mod documents;
mod lists;

use documents::parse_document;

/// The API path appended to the endpoint.
pub const API_PATH: &str = "/data/core/dps";
/// `limit` of list requests unless `--page-size` says otherwise: XCore's documented maximum,
/// since Adobe documents none for DPS (third-party clients use 50–100). Pages hold whatever the
/// server gives: a smaller page is still walked to the end, and shards are sized from the
/// first page actually received.
pub const DEFAULT_PAGE_SIZE: usize = 500;
/// `limit` when a server refuses [`DEFAULT_PAGE_SIZE`] (HTTP 400 or 422 on a list's first
/// page) and the page size was not chosen: what DPS clients commonly ask for.
pub const FALLBACK_PAGE_SIZE: usize = 100;
const JSON: &str = "application/json";
pub(crate) const ACCEPT_ANY_JSON: &str = "*,application/json";

/// An object's etag and canonical document.
type Remembered = (String, LiveDocument);

/// The Decision Management API client.
pub struct DpsClient {
    t: Transport,
    /// `limit` of list requests (lowered once to [`FALLBACK_PAGE_SIZE`] when the server refuses
    /// the default).
    page_size: AtomicUsize,
    /// The page size was chosen (`--page-size`): a refusal is an error, not a fallback.
    page_size_chosen: bool,
    /// The etag and canonical document (as JSON text) of every object this client read or
    /// wrote, by id: a planned patch is applied to it to work out the DPS patch (read again
    /// when absent or at another etag). Held as text, as the live objects hold theirs.
    seen: Mutex<HashMap<String, Remembered>>,
    /// Whether listed objects are remembered in `seen` too: only when writes will follow
    /// ([`Backend::expect_writes`]); a plan never patches.
    remember_lists: AtomicBool,
}

impl fmt::Debug for DpsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DpsClient")
            .field("transport", &self.t)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl DpsClient {
    /// Checks the configuration and builds the HTTP client, with lists paged by `page_size`
    /// (as chosen with `--page-size`). No network I/O.
    pub fn new(connection: &Connection, page_size: usize) -> Result<DpsClient, ConfigError> {
        if page_size == 0 {
            return Err(ConfigError("the page size must be at least 1".into()));
        }
        Ok(DpsClient {
            t: Transport::new(connection, API_PATH)?,
            page_size: AtomicUsize::new(page_size),
            page_size_chosen: true,
            seen: Mutex::new(HashMap::new()),
            remember_lists: AtomicBool::new(false),
        })
    }

    /// [`Self::new`] with the default page size, [`DEFAULT_PAGE_SIZE`], or
    /// [`FALLBACK_PAGE_SIZE`] once the server refuses it.
    pub fn with_default_page_size(connection: &Connection) -> Result<DpsClient, ConfigError> {
        let mut client = Self::new(connection, DEFAULT_PAGE_SIZE)?;
        client.page_size_chosen = false;
        Ok(client)
    }

    /// `limit` of list requests.
    pub fn page_size(&self) -> usize {
        self.page_size.load(AtomicOrdering::Relaxed)
    }

    /// After the server refused `limit` on a list's first page: whether to ask again, with
    /// [`FALLBACK_PAGE_SIZE`] (which this client then keeps). Only when the page size was the
    /// default and larger than the fallback.
    fn falls_back_from(&self, limit: usize) -> bool {
        if self.page_size_chosen || limit <= FALLBACK_PAGE_SIZE {
            return false;
        }
        self.page_size
            .fetch_min(FALLBACK_PAGE_SIZE, AtomicOrdering::Relaxed);
        tracing::info!(
            target: "offerctl::dps",
            "the server refused limit={limit}; asking for {FALLBACK_PAGE_SIZE} objects a page"
        );
        true
    }

    /// The API base URL (`…/data/core/dps/`).
    pub fn api_url(&self) -> &Url {
        &self.t.api
    }

    fn remember(&self, id: &str, etag: &str, instance: LiveDocument) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.insert(id.to_string(), (etag.to_string(), instance));
        }
    }

    /// [`Self::remember`] for every object of a list, when writes are expected.
    fn remember_all(&self, objects: &[LiveObject]) {
        if !self.remember_lists.load(AtomicOrdering::Relaxed) {
            return;
        }
        if let Ok(mut seen) = self.seen.lock() {
            seen.reserve(objects.len());
            for object in objects {
                let entry = (object.etag.clone(), object.instance.clone());
                seen.insert(object.id.clone(), entry);
            }
        }
    }

    fn recall(&self, id: &str, etag: &str) -> Option<Value> {
        let seen = self.seen.lock().ok()?;
        let (known, document) = seen.get(id)?;
        if known != etag {
            return None;
        }
        Some(document.value())
    }

    /// `{api}/offers` (+ `offer-type`), or one object under it.
    fn url(&self, kind: Kind, id: Option<&str>) -> Url {
        let (path, offer_type) = dps::resource(kind);
        let mut url = self.t.api.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty();
            segments.extend(path.trim_matches('/').split('/'));
            if let Some(id) = id {
                segments.push(id);
            }
        }
        if let Some(offer_type) = offer_type {
            url.query_pairs_mut().append_pair("offer-type", offer_type);
        }
        url
    }

    // ---- reads -----------------------------------------------------------------------------

    /// One object, as the repository holds it now.
    async fn read(&self, target: &Target, what: &str) -> Result<LiveObject, BackendError> {
        let call = Call::get(
            what,
            self.url(Kind::from_core(target.kind), Some(&target.id)),
            ACCEPT_ANY_JSON,
        );
        let reply = self.t.execute_resendable(&call).await?;
        if reply.status != StatusCode::OK {
            return Err(self.t.answer_error(what, &reply, ErrorKind::Other));
        }
        let document: Value = serde_json::from_slice(&reply.body).map_err(|e| {
            self.t.error(
                ErrorKind::Other,
                format!("{what}: the answer is not JSON ({e})"),
            )
        })?;
        let object = parse_document(Kind::from_core(target.kind), document, &self.t.client_id())
            .map_err(|problem| self.t.error(ErrorKind::Other, format!("{what}: {problem}")))?;
        self.remember(&object.id, &object.etag, object.instance.clone());
        Ok(object)
    }

    // ---- writes ----------------------------------------------------------------------------

    fn to_wire(&self, kind: Kind, instance: &Value, what: &str) -> Result<Value, BackendError> {
        dps::to_dps(kind, instance).map_err(|e| {
            self.t.error(
                ErrorKind::Other,
                format!("{what}: cannot express it in the DPS API: {e}"),
            )
        })
    }
}

/// Whether updates of `kind` send the whole document with `PUT` rather than a JSON Patch:
/// ranking formulas, whose update page documents `PUT` with the full object (reference §2.2;
/// its curl example says `PATCH` but sends a full object, so `PUT` is the safe reading).
fn replaced_whole(kind: Kind) -> bool {
    kind == Kind::RankingFormula
}

/// A write receipt: `{"id": ..., "etag": ...}` (`target` fills in what a patch receipt may
/// leave out).
fn parse_receipt(reply: &Reply, target: Option<&Target>) -> Result<Receipt, String> {
    let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    let id = body
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .or_else(|| target.map(|t| t.id.clone()))
        .ok_or("the receipt has no id")?;
    let etag = receipt_etag(reply, &body, "etag").ok_or("the receipt has no etag")?;
    Ok(Receipt {
        instance_id: id.clone(),
        id,
        etag,
        request_id: Some(reply.request_id.clone()),
    })
}

/// The ids a refused delete names (`referencedBy` of the problem body).
fn referenced_by(body: &[u8]) -> Option<Vec<String>> {
    let body: Value = serde_json::from_slice(body).ok()?;
    let ids = body.get("referencedBy")?.as_array()?;
    Some(
        ids.iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
    )
}

/// The canonical document after the planned operations (paths under `/_instance`).
fn apply_ops(instance: &Value, ops: &[Op]) -> Result<Value, String> {
    let mut document = json!({ "_instance": instance });
    let patch: json_patch::Patch =
        serde_json::from_value(serde_json::to_value(ops).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    json_patch::patch(&mut document, &patch).map_err(|e| e.to_string())?;
    Ok(document
        .get_mut("_instance")
        .map(Value::take)
        .unwrap_or(Value::Null))
}

/// Whether etag `a` is newer than `b` (numeric etags compare as numbers).
impl Candidate for LiveObject {
    fn object(self) -> LiveObject {
        self
    }

    fn live(&self) -> &LiveObject {
        self
    }

    fn replaces(&self, best: &Self) -> bool {
        newer(&self.etag, &best.etag)
    }
}

fn newer(a: &str, b: &str) -> bool {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(a), Ok(b)) => a > b,
        _ => a != b,
    }
}

impl DpsClient {
    /// A resent PATCH got 409 after an attempt whose outcome is unknown: it applied if the
    /// object changed exactly once since `etag` and now reads as the patched document.
    async fn confirm_patch(
        &self,
        target: &Target,
        expected: &Value,
        etag: &str,
        conflict: &Reply,
        what: &str,
    ) -> Result<Receipt, BackendError> {
        let unknown = || {
            self.t
                .error(
                    ErrorKind::Conflict,
                    format!(
                        "{what}: HTTP 409 Conflict on a resent request after an attempt whose outcome is unknown; whether the change was applied is unknown, and a new plan will show the object's current state"
                    ),
                )
                .with_status(409)
                .with_request_id(conflict.request_id.clone())
        };
        let Ok(object) = self.read(target, what).await else {
            return Err(unknown());
        };
        let one_change = match (etag.parse::<u64>(), object.etag.parse::<u64>()) {
            (Ok(before), Ok(now)) => now == before + 1,
            _ => object.etag != etag,
        };
        if one_change
            && diff::equivalent(
                &diff_rules(Kind::from_core(target.kind)),
                &object.instance.value(),
                expected,
            )
        {
            return Ok(Receipt {
                instance_id: object.instance_id,
                id: object.id,
                etag: object.etag,
                request_id: Some(conflict.request_id.clone()),
            });
        }
        Err(unknown())
    }
}

impl Api for DpsClient {
    const NAME: &'static str = "dps";

    fn describe(&self) -> String {
        self.t.describe("DPS", "")
    }

    async fn read_all(&self, kind: Kind, what: &str) -> Result<Vec<LiveObject>, BackendError> {
        self.list_all(kind, what).await
    }

    async fn send_create(&self, kind: Kind, instance: &Value) -> Result<Receipt, BackendError> {
        let name = instance.get("xdm:name").and_then(Value::as_str);
        let what = match name {
            Some(name) => format!("creating {kind} {name:?}"),
            None => format!("creating a {kind} without a name"),
        };
        let mut bare = instance.clone();
        if let Some(map) = bare.as_object_mut() {
            map.remove("@id");
        }
        let document = self.to_wire(kind, &bare, &what)?;
        let body = serde_json::to_vec(&document)
            .map_err(|e| self.t.error(ErrorKind::Other, format!("{what}: {e}")))?;
        let call = Call::create(&what, self.url(kind, None), JSON, JSON.into(), body);
        let find = |name: &str, what: String| {
            let filter = format!("name=={name}");
            async move {
                Ok(self
                    .list_pages(kind, &[filter.as_str()], &what, super::pages::Extent::All)
                    .await?
                    .0)
            }
        };
        match create(&self.t, &call, (kind, &bare), name, find).await? {
            Created::Answer(reply) => {
                let receipt = parse_receipt(&reply, None).map_err(|problem| {
                    self.t.error(ErrorKind::Other, format!("{what}: {problem}"))
                })?;
                let mut stored = bare.clone();
                if let Some(map) = stored.as_object_mut() {
                    map.insert("@id".into(), json!(receipt.id));
                }
                self.remember(&receipt.id, &receipt.etag, LiveDocument::new(&stored));
                Ok(receipt)
            }
            Created::Found(receipt) => Ok(receipt),
        }
    }

    async fn send_patch(
        &self,
        target: &Target,
        ops: &[Op],
        etag: &str,
    ) -> Result<Receipt, BackendError> {
        let kind = Kind::from_core(target.kind);
        let what = if replaced_whole(kind) {
            format!("replacing {target}")
        } else {
            format!("patching {target}")
        };
        let before = match self.recall(&target.id, etag) {
            Some(instance) => instance,
            None => {
                let object = self.read(target, &format!("reading {target}")).await?;
                if object.etag != etag {
                    return Err(self
                        .t
                        .error(
                            ErrorKind::Conflict,
                            format!(
                                "{what}: it is at etag {} but the plan saw {etag} (the object changed since it was read; run plan again)",
                                object.etag
                            ),
                        )
                        .with_status(409));
                }
                object.instance.value()
            }
        };
        let after = apply_ops(&before, ops).map_err(|problem| {
            self.t.error(
                ErrorKind::Other,
                format!(
                    "{what}: the planned change does not apply to the object as read: {problem}"
                ),
            )
        })?;
        let before_wire = self.to_wire(kind, &before, &what)?;
        let after_wire = self.to_wire(kind, &after, &what)?;
        if before_wire == after_wire {
            // The two documents say the same in DPS terms: nothing to send.
            return Ok(Receipt {
                instance_id: target.instance_id.clone(),
                id: target.id.clone(),
                etag: etag.to_string(),
                request_id: None,
            });
        }
        let (method, body) = if replaced_whole(kind) {
            let mut whole = after_wire;
            if let Some(map) = whole.as_object_mut() {
                map.shift_remove("id");
            }
            (Method::PUT, serde_json::to_vec(&whole))
        } else {
            let wire = dps::wire_patch(&before_wire, &after_wire);
            (Method::PATCH, serde_json::to_vec(&wire))
        };
        let body = body.map_err(|e| self.t.error(ErrorKind::Other, format!("{what}: {e}")))?;
        let call = Call {
            what: &what,
            method,
            url: self.url(kind, Some(&target.id)),
            accept: JSON,
            content_type: Some(JSON.into()),
            if_match: Some(quote_etag(etag)),
            body: Some(body),
            safety: Safety::Resendable,
        };
        let reply = self.t.execute_resendable(&call).await?;
        if reply.status.is_success() {
            let receipt = parse_receipt(&reply, Some(target))
                .map_err(|problem| self.t.error(ErrorKind::Other, format!("{what}: {problem}")))?;
            self.remember(&receipt.id, &receipt.etag, LiveDocument::new(&after));
            return Ok(receipt);
        }
        if reply.status == StatusCode::CONFLICT && reply.uncertain {
            return self
                .confirm_patch(target, &after, etag, &reply, &what)
                .await;
        }
        Err(self.t.answer_error(&what, &reply, ErrorKind::Conflict))
    }

    async fn send_delete(&self, target: &Target, etag: &str) -> Result<Deleted, BackendError> {
        let what = format!("deleting {target}");
        let call = Call {
            if_match: Some(quote_etag(etag)),
            ..Call::new(
                &what,
                Method::DELETE,
                self.url(Kind::from_core(target.kind), Some(&target.id)),
                JSON,
            )
        };
        let reply = self.t.execute_resendable(&call).await?;
        match reply.status.as_u16() {
            200 | 202 | 204 => Ok(Deleted::Deleted {
                request_id: Some(reply.request_id),
            }),
            404 if reply.uncertain => Ok(Deleted::Deleted {
                request_id: Some(reply.request_id),
            }),
            422 => match referenced_by(&reply.body) {
                Some(referenced_by) => Ok(Deleted::Rejected {
                    referenced_by,
                    request_id: Some(reply.request_id),
                }),
                None => Err(self.t.answer_error(&what, &reply, ErrorKind::Conflict)),
            },
            _ => Err(self.t.answer_error(&what, &reply, ErrorKind::Conflict)),
        }
    }

    fn expect_writes(&self) {
        self.remember_lists.store(true, AtomicOrdering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::adobe::clients::http::{Auth, RetryPolicy};
    use crate::secret::Secret;
    use std::time::Duration;

    fn client(endpoint: &str) -> DpsClient {
        let connection = Connection {
            endpoint: endpoint.into(),
            sandbox: "prod".into(),
            org: "ORG@AdobeOrg".into(),
            api_key: Some(Secret::new("key-123456")),
            auth: Auth::Token(Secret::new("tok-123456")),
            connect_timeout: Duration::from_secs(1),
            request_timeout: Duration::from_secs(1),
            retry: RetryPolicy::none(),
        };
        DpsClient::new(&connection, 10).expect("valid")
    }

    #[test]
    fn urls_follow_the_documented_resources() {
        let client = client("https://platform.adobe.io");
        assert_eq!(
            client
                .url(Kind::FallbackOffer, Some("xcore:fallback-offer:1"))
                .as_str(),
            "https://platform.adobe.io/data/core/dps/offers/xcore:fallback-offer:1?offer-type=fallback"
        );
        assert_eq!(
            client.url(Kind::Activity, None).as_str(),
            "https://platform.adobe.io/data/core/dps/offer-decisions"
        );
        let client = client_at("https://platform.adobe.io/data/core/dps/");
        assert_eq!(
            client.url(Kind::Tag, Some("dps:tag:1 2")).as_str(),
            "https://platform.adobe.io/data/core/dps/tags/dps:tag:1%202"
        );
    }

    fn client_at(endpoint: &str) -> DpsClient {
        client(endpoint)
    }

    #[test]
    fn planned_operations_apply_to_the_canonical_document() {
        let before = json!({"xdm:name": "a", "xdm:tags": ["t1"]});
        let ops = vec![
            Op::Replace {
                path: "/_instance/xdm:name".into(),
                value: json!("b"),
            },
            Op::Add {
                path: "/_instance/xdm:tags/-".into(),
                value: json!("t2"),
            },
        ];
        assert_eq!(
            apply_ops(&before, &ops).unwrap(),
            json!({"xdm:name": "b", "xdm:tags": ["t1", "t2"]})
        );
        let bad = vec![Op::Remove {
            path: "/_instance/xdm:nothing".into(),
        }];
        assert!(apply_ops(&before, &bad).is_err());
    }

    #[test]
    fn etags_compare_as_numbers_and_refusals_name_the_referrers() {
        assert!(newer("10", "9") && !newer("9", "10") && newer("b", "a"));
        assert_eq!(quote_etag("3"), "\"3\"");
        assert_eq!(
            referenced_by(br#"{"status":422,"referencedBy":["xcore:offer-activity:1"]}"#),
            Some(vec!["xcore:offer-activity:1".to_string()])
        );
        assert_eq!(referenced_by(b"{}"), None);
    }
}
