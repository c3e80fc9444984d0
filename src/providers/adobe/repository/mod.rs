//! The offer repository engine: a faithful model of the XCore instance repository (storage,
//! etags, validation, references, delete jobs, lists and search), with no knowledge of HTTP.
//!
//! It backs `offerctl serve` and can be embedded directly:
//!
//! ```
//! use offerctl::providers::adobe::repository::{Actor, Repository, container_id};
//! use offerctl::providers::adobe::kind::Kind;
//! use serde_json::json;
//!
//! let repo = Repository::open_in_memory();
//! let me = Actor::new("me@techacct.adobe.com", "my-api-key");
//! let container = container_id("prod");
//! let tag = repo
//!     .create("prod", &container, &Kind::Tag.schema_id(), json!({"xdm:name": "gold"}), &me)
//!     .unwrap();
//! assert_eq!(tag.etag, 1);
//! assert!(tag.uri().starts_with("xcore:tag:"));
//! ```
//!
//! Every sandbox is an isolated store holding exactly one container, whose id
//! [`container_id`] derives from the sandbox name. All operations on a repository are
//! serialized by one lock, so each is atomic: a conditional write checks the etag and commits
//! in the same critical section (two writers holding the same etag: exactly one wins). In
//! durable mode the change is synced to the log inside that section, before it is applied in
//! memory and acknowledged.

mod envelope;
mod error;
mod ids;
mod query;
mod validate;
mod wal;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering as AtomicOrdering};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

pub use envelope::{
    Actor, Draft, Envelope, format_timestamp, millis_to_timestamp, parse_rfc3339, values_in_map,
};
pub use error::{Referrer, RepoError, Violation};
pub use ids::{IdScheme, container_id, dataset_id, sandbox_id};
pub use query::{
    CompareOp, DEFAULT_LIMIT, Hit, ListQuery, MAX_LIMIT, OrderKey, Page, PropertyFilter, Test,
    TextSearch,
};
pub use validate::{Reference, references};
pub use wal::WalError;

use crate::providers::adobe::kind::Kind;
use wal::Wal;

/// The schema id of containers, as home lists them.
pub const CONTAINER_SCHEMA: &str = "https://ns.adobe.com/experience/xcore/container";

/// An `If-Match` precondition on a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// `*`: the instance must exist (it always does when the precondition is checked).
    Any,
    /// Any one of these etags must be current.
    OneOf(Vec<u64>),
}

impl IfMatch {
    fn check(&self, current: u64) -> Result<(), RepoError> {
        match self {
            IfMatch::Any => Ok(()),
            IfMatch::OneOf(etags) if etags.contains(&current) => Ok(()),
            IfMatch::OneOf(_) => Err(RepoError::EtagMismatch { current }),
        }
    }
}

/// The result of a delete request.
#[derive(Debug, Clone)]
pub enum DeleteOutcome {
    /// Nothing referenced the instance: it is gone. The envelope is its final state.
    Deleted(Envelope),
    /// Other instances reference it; the outcome is decided when the job is polled.
    Accepted(DeleteJob),
}

/// An asynchronous delete, created when the target is referenced at the time of the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeleteJob {
    pub id: String,
    pub instance_id: String,
    pub uri: String,
    pub schema: String,
    pub requested_by: String,
    pub requested_by_client_id: String,
    pub requested_date: String,
    /// How many more polls answer "pending" before the outcome is decided.
    pub pending_polls: u32,
    pub decision: Option<DeleteDecision>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum DeleteDecision {
    /// The instance was deleted; `receipt` is its final receipt.
    Deleted {
        receipt: Value,
        decided_date: String,
    },
    /// The instance was kept because others still reference it (or it was already gone).
    Rejected {
        reason: String,
        referenced_by: Vec<Referrer>,
        decided_date: String,
    },
}

/// The one container of a sandbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    pub id: String,
    pub sandbox: String,
    pub created_date: String,
}

impl Container {
    /// The container as the home document lists it.
    pub fn to_hal(&self) -> Value {
        serde_json::json!({
            "instanceId": self.id,
            "schemas": [format!("{CONTAINER_SCHEMA};version=0.5")],
            "productContexts": ["dma_offers", "acp"],
            "repo:etag": 1,
            "repo:createdDate": self.created_date,
            "repo:lastModifiedDate": self.created_date,
            "repo:createdBy": "offerctl-emulator",
            "repo:lastModifiedBy": "offerctl-emulator",
            "repo:createdByClientId": "offerctl-emulator",
            "repo:lastModifiedByClientId": "offerctl-emulator",
            "sandboxName": self.sandbox,
            "_instance": {
                "containerType": "decisioning",
                "repo:name": format!("Decisioning container of sandbox {}", self.sandbox),
                "dataCenter": "LOCAL",
                "parentName": self.sandbox,
                "parentId": self.sandbox,
            },
            "_links": {"self": {"href": format!("/containers/{}", self.id)}},
        })
    }
}

/// One durable state change. Replaying the log applies these in order with [`State::apply`],
/// the same function live writes use, so recovered state equals acknowledged state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
enum Record {
    Put {
        sandbox: String,
        envelope: Envelope,
    },
    Remove {
        sandbox: String,
        instance_id: String,
    },
    /// A job created or decided; a `Deleted` decision also removes the instance.
    Job {
        sandbox: String,
        job: DeleteJob,
    },
    Reset {
        sandbox: String,
    },
}

#[derive(Default)]
struct Sandbox {
    created_date: String,
    instances: BTreeMap<String, Envelope>,
    /// `@id` → `instanceId`.
    uris: HashMap<String, String>,
    jobs: HashMap<String, DeleteJob>,
}

impl Sandbox {
    fn by_uri(&self, uri: &str) -> Option<&Envelope> {
        self.instances.get(self.uris.get(uri)?)
    }

    fn referrers(&self, uri: &str) -> Vec<Referrer> {
        let mut out = Vec::new();
        for envelope in self.instances.values() {
            for reference in references(envelope.kind, &envelope.instance) {
                if reference.target == uri {
                    out.push(Referrer {
                        instance_id: envelope.instance_id.clone(),
                        id: envelope.uri().to_string(),
                        schema: envelope.schema.clone(),
                        property: reference.pointer,
                    });
                }
            }
        }
        out
    }

    fn put(&mut self, envelope: Envelope) {
        self.uris
            .insert(envelope.uri().to_string(), envelope.instance_id.clone());
        self.instances
            .insert(envelope.instance_id.clone(), envelope);
    }

    fn remove(&mut self, instance_id: &str) {
        if let Some(old) = self.instances.remove(instance_id) {
            self.uris.remove(old.uri());
        }
        self.jobs
            .retain(|_, job| job.instance_id != instance_id || job.decision.is_some());
    }
}

#[derive(Default)]
struct State {
    sandboxes: BTreeMap<String, Sandbox>,
    /// The latest timestamp handed out; timestamps never go backwards.
    last_time: Option<OffsetDateTime>,
}

impl State {
    /// The current time, truncated to milliseconds and strictly later than every timestamp
    /// handed out before (the DPS list cursor is a `modified` timestamp, so no two writes may
    /// share one). When writes come faster than one per millisecond, time runs a little ahead.
    fn now(&mut self) -> String {
        let now = OffsetDateTime::now_utc();
        let mut now = now - time::Duration::nanoseconds(i64::from(now.nanosecond() % 1_000_000));
        if let Some(last) = self.last_time
            && last >= now
        {
            now = last + time::Duration::milliseconds(1);
        }
        self.last_time = Some(now);
        format_timestamp(now)
    }

    /// Keeps [`State::now`] ahead of a timestamp read back from the log.
    fn observe(&mut self, timestamp: &str) {
        if let Some(at) = envelope::parse_rfc3339(timestamp)
            && self.last_time.is_none_or(|last| last < at)
        {
            self.last_time = Some(at);
        }
    }

    fn sandbox(&mut self, name: &str) -> &mut Sandbox {
        if !self.sandboxes.contains_key(name) {
            let created_date = self.now();
            self.sandboxes.insert(
                name.to_string(),
                Sandbox {
                    created_date,
                    ..Sandbox::default()
                },
            );
        }
        self.sandboxes
            .get_mut(name)
            .expect("the sandbox was just inserted")
    }

    fn apply(&mut self, record: Record) {
        match record {
            Record::Put { sandbox, envelope } => {
                self.observe(&envelope.last_modified_date);
                self.sandbox(&sandbox).put(envelope)
            }
            Record::Remove {
                sandbox,
                instance_id,
            } => self.sandbox(&sandbox).remove(&instance_id),
            Record::Job { sandbox, job } => {
                let sandbox = self.sandbox(&sandbox);
                if matches!(job.decision, Some(DeleteDecision::Deleted { .. })) {
                    sandbox.remove(&job.instance_id);
                }
                sandbox.jobs.insert(job.id.clone(), job);
            }
            Record::Reset { sandbox } => {
                let sandbox = self.sandbox(&sandbox);
                sandbox.instances.clear();
                sandbox.uris.clear();
                sandbox.jobs.clear();
            }
        }
    }

    /// Records that rebuild this state (for compaction).
    fn snapshot(&self) -> Vec<Record> {
        let mut out = Vec::new();
        for (name, sandbox) in &self.sandboxes {
            out.extend(sandbox.instances.values().map(|envelope| Record::Put {
                sandbox: name.clone(),
                envelope: envelope.clone(),
            }));
            out.extend(sandbox.jobs.values().map(|job| Record::Job {
                sandbox: name.clone(),
                job: job.clone(),
            }));
        }
        out
    }
}

struct Inner {
    state: State,
    wal: Option<Wal>,
}

/// The repository. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct Repository {
    inner: Mutex<Inner>,
    delete_pending_polls: AtomicU32,
}

impl std::fmt::Debug for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repository").finish_non_exhaustive()
    }
}

impl Repository {
    /// A repository that lives in memory only.
    pub fn open_in_memory() -> Repository {
        Repository {
            inner: Mutex::new(Inner {
                state: State::default(),
                wal: None,
            }),
            delete_pending_polls: AtomicU32::new(0),
        }
    }

    /// A durable repository stored in `dir` (created if missing). Every acknowledged write is
    /// on disk; a torn last record from a crash is discarded. See the `wal` module.
    pub fn open(dir: &Path) -> Result<Repository, RepoError> {
        let (mut wal, replay) =
            Wal::open::<Record>(dir).map_err(|e| RepoError::Storage(e.to_string()))?;
        if replay.discarded_bytes > 0 {
            tracing::warn!(
                bytes = replay.discarded_bytes,
                "discarded a torn, unacknowledged record at the end of the log"
            );
        }
        let mut state = State::default();
        for record in replay.records {
            state.apply(record);
        }
        let live: usize = state
            .sandboxes
            .values()
            .map(|s| s.instances.len() + s.jobs.len())
            .sum();
        if wal.record_count() > 4 * live + 1024 {
            wal.rewrite(&state.snapshot())
                .map_err(|e| RepoError::Storage(e.to_string()))?;
        }
        Ok(Repository {
            inner: Mutex::new(Inner {
                state,
                wal: Some(wal),
            }),
            delete_pending_polls: AtomicU32::new(0),
        })
    }

    /// How many polls of a delete job answer "pending" before the outcome is decided
    /// (default 0: the first poll decides).
    pub fn set_delete_pending_polls(&self, polls: u32) {
        self.delete_pending_polls
            .store(polls, AtomicOrdering::Relaxed);
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every mutation happens after all fallible steps, so a panic elsewhere while the lock
        // was held cannot have left the state half-updated; keep serving.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The container of `sandbox`.
    pub fn container(&self, sandbox: &str) -> Container {
        let mut inner = self.lock();
        let created_date = inner.state.sandbox(sandbox).created_date.clone();
        Container {
            id: container_id(sandbox),
            sandbox: sandbox.to_string(),
            created_date,
        }
    }

    /// Creates an instance of `schema`; the repository assigns `instanceId` and `@id`.
    pub fn create(
        &self,
        sandbox: &str,
        container: &str,
        schema: &str,
        draft: impl Into<Draft>,
        actor: &Actor,
    ) -> Result<Envelope, RepoError> {
        self.create_as(sandbox, container, schema, draft, actor, IdScheme::Xcore)
    }

    /// [`Repository::create`] with the `@id` scheme of the API that creates the instance:
    /// `xcore:<type>:<hex>` or `dps:<type>:<hex>`.
    pub fn create_as(
        &self,
        sandbox: &str,
        container: &str,
        schema: &str,
        draft: impl Into<Draft>,
        actor: &Actor,
        scheme: IdScheme,
    ) -> Result<Envelope, RepoError> {
        let draft = draft.into();
        let kind = kind_of(schema)?;
        let mut instance = into_object(draft.instance)?;
        if instance.contains_key("@id") {
            return Err(RepoError::invalid(
                "/_instance/@id",
                "is assigned by the repository and cannot be set",
            ));
        }
        let mut inner = self.lock();
        let Inner { state, wal } = &mut *inner;
        let now = state.now();
        let space = open_container(state, sandbox, container)?;
        check_instance(space, kind, &instance, None)?;
        let instance_id = loop {
            let id = ids::new_instance_id();
            if !space.instances.contains_key(&id) {
                break id;
            }
        };
        let uri = loop {
            let uri = ids::new_uri_in(scheme, kind);
            if !space.uris.contains_key(&uri) {
                break uri;
            }
        };
        instance.insert("@id".into(), Value::String(uri));
        let envelope = Envelope {
            instance_id,
            schema: clean_schema(schema),
            kind,
            etag: 1,
            created_date: now.clone(),
            last_modified_date: now,
            created_by: actor.user.clone(),
            last_modified_by: actor.user.clone(),
            created_by_client_id: actor.client_id.clone(),
            last_modified_by_client_id: actor.client_id.clone(),
            instance,
            links: user_links(draft.links),
        };
        commit(
            state,
            wal,
            Record::Put {
                sandbox: sandbox.to_string(),
                envelope: envelope.clone(),
            },
        )?;
        Ok(envelope)
    }

    pub fn get(
        &self,
        sandbox: &str,
        container: &str,
        instance_id: &str,
    ) -> Result<Envelope, RepoError> {
        let mut inner = self.lock();
        let space = open_container(&mut inner.state, sandbox, container)?;
        space
            .instances
            .get(instance_id)
            .cloned()
            .ok_or_else(|| RepoError::NotFound(instance_id.to_string()))
    }

    /// The instance whose `@id` is `uri`.
    pub fn get_by_uri(
        &self,
        sandbox: &str,
        container: &str,
        uri: &str,
    ) -> Result<Envelope, RepoError> {
        let mut inner = self.lock();
        let space = open_container(&mut inner.state, sandbox, container)?;
        space
            .by_uri(uri)
            .cloned()
            .ok_or_else(|| RepoError::NotFound(uri.to_string()))
    }

    /// Deletes an instance synchronously, as the DPS API does: `Ok(Ok(last state))` when it
    /// was deleted, `Ok(Err(referrers))` (and nothing changes) while others reference it.
    pub fn delete_unreferenced(
        &self,
        sandbox: &str,
        container: &str,
        instance_id: &str,
        if_match: Option<&IfMatch>,
        actor: &Actor,
    ) -> Result<Result<Envelope, Vec<Referrer>>, RepoError> {
        let mut inner = self.lock();
        let Inner { state, wal } = &mut *inner;
        let now = state.now();
        let space = open_container(state, sandbox, container)?;
        let current = current(space, instance_id, if_match)?;
        let referrers = space.referrers(current.uri());
        if !referrers.is_empty() {
            return Ok(Err(referrers));
        }
        let last = revise(
            current,
            current.instance.clone(),
            current.links.clone(),
            now,
            actor,
        );
        commit(
            state,
            wal,
            Record::Remove {
                sandbox: sandbox.to_string(),
                instance_id: instance_id.to_string(),
            },
        )?;
        Ok(Ok(last))
    }

    /// Replaces the instance's properties and links. `@id` may be omitted (it is kept) but not
    /// changed; the schema cannot change.
    #[allow(clippy::too_many_arguments)]
    pub fn put(
        &self,
        sandbox: &str,
        container: &str,
        instance_id: &str,
        schema: &str,
        draft: impl Into<Draft>,
        if_match: Option<&IfMatch>,
        actor: &Actor,
    ) -> Result<Envelope, RepoError> {
        let draft = draft.into();
        let kind = kind_of(schema)?;
        let mut instance = into_object(draft.instance)?;
        let mut inner = self.lock();
        let Inner { state, wal } = &mut *inner;
        let now = state.now();
        let space = open_container(state, sandbox, container)?;
        let current = current(space, instance_id, if_match)?;
        if kind != current.kind {
            return Err(RepoError::invalid(
                "/schemas",
                format!(
                    "the instance is a {} and cannot become a {}",
                    current.kind.short_name(),
                    kind.short_name()
                ),
            ));
        }
        match instance.get("@id") {
            None => {
                instance.insert("@id".into(), Value::from(current.uri()));
            }
            Some(id) if id.as_str() == Some(current.uri()) => {}
            Some(_) => {
                return Err(RepoError::invalid(
                    "/_instance/@id",
                    format!("is immutable; it must stay {}", current.uri()),
                ));
            }
        }
        check_instance(space, kind, &instance, Some(instance_id))?;
        let envelope = revise(current, instance, user_links(draft.links), now, actor);
        commit(
            state,
            wal,
            Record::Put {
                sandbox: sandbox.to_string(),
                envelope: envelope.clone(),
            },
        )?;
        Ok(envelope)
    }

    /// Applies an RFC 6902 patch to the HAL document `{"_instance": ..., "_links": ...}`.
    /// All operations apply or none do; the result is validated like a PUT.
    pub fn patch(
        &self,
        sandbox: &str,
        container: &str,
        instance_id: &str,
        ops: &[json_patch::PatchOperation],
        if_match: Option<&IfMatch>,
        actor: &Actor,
    ) -> Result<Envelope, RepoError> {
        for (index, op) in ops.iter().enumerate() {
            let from = match op {
                json_patch::PatchOperation::Move(m) => Some(m.from.as_str()),
                json_patch::PatchOperation::Copy(c) => Some(c.from.as_str()),
                _ => None,
            };
            for path in std::iter::once(op.path().as_str()).chain(from) {
                if !patchable(path) {
                    return Err(RepoError::PatchFailed {
                        index,
                        path: path.to_string(),
                        reason: "only /_instance/... and /_links/... can be patched".into(),
                    });
                }
            }
        }
        let mut inner = self.lock();
        let Inner { state, wal } = &mut *inner;
        let now = state.now();
        let space = open_container(state, sandbox, container)?;
        let current = current(space, instance_id, if_match)?;
        let mut links = current.links.clone();
        links.remove("self");
        let mut doc = serde_json::json!({
            "_instance": current.instance,
            "_links": links,
        });
        // Atomicity comes from patching this throw-away copy: on any error it is dropped and the
        // stored instance is untouched. `json_patch::patch` would add an undo pass, which in
        // json-patch 5.0.0 panics (`unreachable!`) when undoing some `move` sequences; the
        // property test below found one.
        json_patch::patch_unsafe(&mut doc, ops).map_err(|e| RepoError::PatchFailed {
            index: e.operation,
            path: e.path.to_string(),
            reason: e.kind.to_string(),
        })?;
        let Value::Object(mut doc) = doc else {
            return Err(RepoError::invalid(
                "",
                "the patched document must be an object",
            ));
        };
        let instance = match doc.remove("_instance") {
            Some(Value::Object(instance)) => instance,
            _ => return Err(RepoError::invalid("/_instance", "must be an object")),
        };
        let links = match doc.remove("_links") {
            Some(Value::Object(links)) => links,
            None => Map::new(),
            Some(_) => return Err(RepoError::invalid("/_links", "must be an object")),
        };
        if instance.get("@id").and_then(Value::as_str) != Some(current.uri()) {
            return Err(RepoError::invalid(
                "/_instance/@id",
                format!("is immutable; it must stay {}", current.uri()),
            ));
        }
        check_instance(space, current.kind, &instance, Some(instance_id))?;
        let envelope = revise(current, instance, user_links(links), now, actor);
        commit(
            state,
            wal,
            Record::Put {
                sandbox: sandbox.to_string(),
                envelope: envelope.clone(),
            },
        )?;
        Ok(envelope)
    }

    /// Deletes an instance. Unreferenced: done at once. Referenced: a [`DeleteJob`] is started
    /// (or the pending one for this instance returned) and [`Repository::poll_delete`] decides.
    pub fn delete(
        &self,
        sandbox: &str,
        container: &str,
        instance_id: &str,
        if_match: Option<&IfMatch>,
        actor: &Actor,
    ) -> Result<DeleteOutcome, RepoError> {
        let pending_polls = self.delete_pending_polls.load(AtomicOrdering::Relaxed);
        let mut inner = self.lock();
        let Inner { state, wal } = &mut *inner;
        let now = state.now();
        let space = open_container(state, sandbox, container)?;
        let current = current(space, instance_id, if_match)?;
        if let Some(job) = space
            .jobs
            .values()
            .find(|job| job.instance_id == instance_id && job.decision.is_none())
        {
            return Ok(DeleteOutcome::Accepted(job.clone()));
        }
        if space.referrers(current.uri()).is_empty() {
            let last = revise(
                current,
                current.instance.clone(),
                current.links.clone(),
                now,
                actor,
            );
            commit(
                state,
                wal,
                Record::Remove {
                    sandbox: sandbox.to_string(),
                    instance_id: instance_id.to_string(),
                },
            )?;
            return Ok(DeleteOutcome::Deleted(last));
        }
        let job = DeleteJob {
            id: ids::new_job_id(),
            instance_id: instance_id.to_string(),
            uri: current.uri().to_string(),
            schema: current.schema.clone(),
            requested_by: actor.user.clone(),
            requested_by_client_id: actor.client_id.clone(),
            requested_date: now,
            pending_polls,
            decision: None,
        };
        commit(
            state,
            wal,
            Record::Job {
                sandbox: sandbox.to_string(),
                job: job.clone(),
            },
        )?;
        Ok(DeleteOutcome::Accepted(job))
    }

    /// Reports on a delete job, deciding it once its pending polls are used up: the instance
    /// is deleted if nothing references it any more, and kept otherwise.
    pub fn poll_delete(
        &self,
        sandbox: &str,
        container: &str,
        job_id: &str,
    ) -> Result<DeleteJob, RepoError> {
        let mut inner = self.lock();
        let Inner { state, wal } = &mut *inner;
        let now = state.now();
        let space = open_container(state, sandbox, container)?;
        let job = space
            .jobs
            .get_mut(job_id)
            .ok_or_else(|| RepoError::JobNotFound(job_id.to_string()))?;
        if job.decision.is_some() {
            return Ok(job.clone());
        }
        if job.pending_polls > 0 {
            // Not logged: after a restart the countdown starts again, which only delays.
            job.pending_polls -= 1;
            return Ok(job.clone());
        }
        let mut job = job.clone();
        let decision = match space.instances.get(&job.instance_id) {
            None => DeleteDecision::Rejected {
                reason: "the instance no longer exists".into(),
                referenced_by: Vec::new(),
                decided_date: now,
            },
            Some(target) => {
                let referrers = space.referrers(target.uri());
                if referrers.is_empty() {
                    let actor = Actor::new(&job.requested_by, &job.requested_by_client_id);
                    let last = revise(
                        target,
                        target.instance.clone(),
                        Map::new(),
                        now.clone(),
                        &actor,
                    );
                    DeleteDecision::Deleted {
                        receipt: last.to_receipt(),
                        decided_date: now,
                    }
                } else {
                    DeleteDecision::Rejected {
                        reason: "other instances still reference it".into(),
                        referenced_by: referrers,
                        decided_date: now,
                    }
                }
            }
        };
        job.decision = Some(decision);
        commit(
            state,
            wal,
            Record::Job {
                sandbox: sandbox.to_string(),
                job: job.clone(),
            },
        )?;
        Ok(job)
    }

    /// Lists instances of `query.schema` (required).
    pub fn list(
        &self,
        sandbox: &str,
        container: &str,
        query: &ListQuery,
    ) -> Result<Page, RepoError> {
        let kind = listed_kind(query)?;
        let mut inner = self.lock();
        let space = open_container(&mut inner.state, sandbox, container)?;
        query.run(space.instances.values().filter(|e| e.kind == kind))
    }

    /// How many instances `query` matches (its `schema`, ids, name and filters; no cursor).
    pub fn count(
        &self,
        sandbox: &str,
        container: &str,
        query: &ListQuery,
    ) -> Result<usize, RepoError> {
        let kind = listed_kind(query)?;
        let mut inner = self.lock();
        let space = open_container(&mut inner.state, sandbox, container)?;
        query.count(space.instances.values().filter(|e| e.kind == kind))
    }

    /// Searches instances; `query.schema` is optional here, and `query.search` holds the terms.
    pub fn search(
        &self,
        sandbox: &str,
        container: &str,
        query: &ListQuery,
    ) -> Result<Page, RepoError> {
        let kind = query.schema.as_deref().map(kind_of).transpose()?;
        let mut inner = self.lock();
        let space = open_container(&mut inner.state, sandbox, container)?;
        query.run(
            space
                .instances
                .values()
                .filter(|e| kind.is_none_or(|k| e.kind == k)),
        )
    }

    /// Removes every instance and delete job of `sandbox`.
    pub fn reset(&self, sandbox: &str) -> Result<(), RepoError> {
        let mut inner = self.lock();
        let Inner { state, wal } = &mut *inner;
        commit(
            state,
            wal,
            Record::Reset {
                sandbox: sandbox.to_string(),
            },
        )
    }
}

fn commit(state: &mut State, wal: &mut Option<Wal>, record: Record) -> Result<(), RepoError> {
    if let Some(wal) = wal {
        wal.append(&record)
            .map_err(|e| RepoError::Storage(e.to_string()))?;
    }
    state.apply(record);
    Ok(())
}

fn kind_of(schema: &str) -> Result<Kind, RepoError> {
    Kind::from_schema_id(&clean_schema(schema))
        .ok_or_else(|| RepoError::UnknownSchema(schema.to_string()))
}

fn clean_schema(schema: &str) -> String {
    let schema = schema.trim();
    schema
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(schema)
        .trim()
        .to_string()
}

fn into_object(instance: Value) -> Result<Map<String, Value>, RepoError> {
    match instance {
        Value::Object(map) => Ok(map),
        other => Err(RepoError::invalid(
            "/_instance",
            format!("must be an object, not {}", validate::type_name(&other)),
        )),
    }
}

/// The caller's custom links; `self` is the repository's own.
fn user_links(mut links: Map<String, Value>) -> Map<String, Value> {
    links.remove("self");
    links
}

fn patchable(path: &str) -> bool {
    ["/_instance", "/_links"]
        .iter()
        .any(|root| path == *root || path.starts_with(&format!("{root}/")))
}

fn open_container<'s>(
    state: &'s mut State,
    sandbox: &str,
    container: &str,
) -> Result<&'s mut Sandbox, RepoError> {
    if container != container_id(sandbox) {
        return Err(RepoError::ContainerNotFound(container.to_string()));
    }
    Ok(state.sandbox(sandbox))
}

fn current<'s>(
    space: &'s Sandbox,
    instance_id: &str,
    if_match: Option<&IfMatch>,
) -> Result<&'s Envelope, RepoError> {
    let current = space
        .instances
        .get(instance_id)
        .ok_or_else(|| RepoError::NotFound(instance_id.to_string()))?;
    if let Some(condition) = if_match {
        condition.check(current.etag)?;
    }
    Ok(current)
}

fn revise(
    current: &Envelope,
    instance: Map<String, Value>,
    links: Map<String, Value>,
    now: String,
    actor: &Actor,
) -> Envelope {
    Envelope {
        etag: current.etag + 1,
        last_modified_date: now,
        last_modified_by: actor.user.clone(),
        last_modified_by_client_id: actor.client_id.clone(),
        instance,
        links,
        ..current.clone()
    }
}

/// Schema rules, references and uniqueness, in that order (422 before 409).
fn check_instance(
    space: &Sandbox,
    kind: Kind,
    instance: &Map<String, Value>,
    self_id: Option<&str>,
) -> Result<(), RepoError> {
    let mut violations = validate::check(kind, instance);
    for reference in references(kind, instance) {
        match space.by_uri(&reference.target) {
            None => violations.push(Violation::new(
                &reference.pointer,
                format!(
                    "references {}, which does not exist in this container",
                    reference.target
                ),
            )),
            Some(target) if target.kind != reference.expected => violations.push(Violation::new(
                &reference.pointer,
                format!(
                    "must reference a {}, but {} is a {}",
                    reference.expected.description(),
                    reference.target,
                    target.kind.description()
                ),
            )),
            Some(_) => {}
        }
    }
    if kind == Kind::Activity && violations.is_empty() {
        check_fallback_fits(space, instance, &mut violations);
    }
    if !violations.is_empty() {
        return Err(RepoError::Invalid(violations));
    }
    if kind == Kind::Tag
        && let Some(name) = instance.get("xdm:name").and_then(Value::as_str)
        && let Some(other) = space.instances.values().find(|e| {
            e.kind == Kind::Tag
                && Some(e.instance_id.as_str()) != self_id
                && e.instance.get("xdm:name").and_then(Value::as_str) == Some(name)
        })
    {
        return Err(RepoError::Duplicate {
            property: "/_instance/xdm:name".into(),
            value: name.to_string(),
            existing: other.uri().to_string(),
        });
    }
    Ok(())
}

/// An activity's fallback must have a representation for every placement the activity
/// decides for: the flat `xdm:placement`, or each placement of each criterion.
fn check_fallback_fits(
    space: &Sandbox,
    activity: &Map<String, Value>,
    violations: &mut Vec<Violation>,
) {
    let fallback = activity
        .get("xdm:fallback")
        .and_then(Value::as_str)
        .and_then(|uri| space.by_uri(uri));
    let Some(fallback) = fallback else {
        return;
    };
    let mut placements: Vec<&str> = Vec::new();
    placements.extend(activity.get("xdm:placement").and_then(Value::as_str));
    if let Some(Value::Array(criteria)) = activity.get("xdm:criteria") {
        for criterion in criteria {
            if let Some(Value::Array(list)) = criterion.get("xdm:placements") {
                placements.extend(list.iter().filter_map(Value::as_str));
            }
        }
    }
    let represented: Vec<&str> = fallback
        .instance
        .get("xdm:representations")
        .and_then(Value::as_array)
        .map(|reps| {
            reps.iter()
                .filter_map(|rep| rep.get("xdm:placement").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let mut reported: Vec<&str> = Vec::new();
    for placement in placements {
        if represented.contains(&placement) || reported.contains(&placement) {
            continue;
        }
        reported.push(placement);
        violations.push(Violation::new(
            "/_instance/xdm:fallback",
            format!(
                "fallback offer {} has no representation for placement {placement}",
                fallback.uri()
            ),
        ));
    }
}

/// The kind a list or count is about: its `schema` parameter, which is required.
fn listed_kind(query: &ListQuery) -> Result<Kind, RepoError> {
    let Some(schema) = &query.schema else {
        return Err(RepoError::BadQuery(
            "the schema parameter is required".into(),
        ));
    };
    kind_of(schema)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn me() -> Actor {
        Actor::new("me", "key")
    }

    #[test]
    fn durable_state_survives_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = container_id("prod");
        let tag = {
            let repo = Repository::open(dir.path()).expect("opens");
            let tag = repo
                .create(
                    "prod",
                    &c,
                    &Kind::Tag.schema_id(),
                    json!({"xdm:name": "a"}),
                    &me(),
                )
                .expect("create");
            let ops: Vec<json_patch::PatchOperation> = serde_json::from_value(json!([
                {"op": "replace", "path": "/_instance/xdm:name", "value": "b"}
            ]))
            .expect("patch");
            repo.patch("prod", &c, &tag.instance_id, &ops, None, &me())
                .expect("patch")
        };
        let repo = Repository::open(dir.path()).expect("reopens");
        let again = repo.get("prod", &c, &tag.instance_id).expect("get");
        assert_eq!(again, tag);
        assert_eq!(again.etag, 2);
    }

    #[test]
    fn a_patch_whose_undo_would_fail_is_refused_without_panicking() {
        let repo = Repository::open_in_memory();
        let c = container_id("prod");
        let tag = repo
            .create(
                "prod",
                &c,
                &Kind::Tag.schema_id(),
                json!({"xdm:name": "a"}),
                &me(),
            )
            .expect("create");
        let ops: Vec<json_patch::PatchOperation> = serde_json::from_value(json!([
            {"op": "move", "from": "/_instance/@id", "path": "/_instance"},
            {"op": "test", "path": "/_instance", "value": "not this"}
        ]))
        .expect("ops");
        // The library's own atomic `patch` cannot undo the first operation and panics.
        let mut doc = json!({"_instance": {"@id": "x"}});
        let library = std::panic::catch_unwind(move || json_patch::patch(&mut doc, &ops.clone()));
        assert!(
            library.is_err(),
            "json_patch::patch no longer panics here; the comment in patch() can go"
        );
        let ops: Vec<json_patch::PatchOperation> = serde_json::from_value(json!([
            {"op": "move", "from": "/_instance/@id", "path": "/_instance"},
            {"op": "test", "path": "/_instance", "value": "not this"}
        ]))
        .expect("ops");
        let result = repo.patch("prod", &c, &tag.instance_id, &ops, None, &me());
        assert!(
            matches!(result, Err(RepoError::PatchFailed { index: 1, .. })),
            "{result:?}"
        );
        assert_eq!(repo.get("prod", &c, &tag.instance_id).expect("get"), tag);
    }

    #[test]
    fn wrong_container_and_sandbox_isolation() {
        let repo = Repository::open_in_memory();
        let prod = container_id("prod");
        let tag = repo
            .create(
                "prod",
                &prod,
                &Kind::Tag.schema_id(),
                json!({"xdm:name": "a"}),
                &me(),
            )
            .expect("create");
        assert!(matches!(
            repo.get("dev", &prod, &tag.instance_id),
            Err(RepoError::ContainerNotFound(_))
        ));
        assert!(matches!(
            repo.get("dev", &container_id("dev"), &tag.instance_id),
            Err(RepoError::NotFound(_))
        ));
    }

    #[test]
    fn criteria_references_are_checked_and_protect_their_targets() {
        let repo = Repository::open_in_memory();
        let c = container_id("prod");
        let create = |kind: Kind, instance: Value| {
            repo.create_as(
                "prod",
                &c,
                &kind.schema_id(),
                instance,
                &me(),
                IdScheme::Dps,
            )
            .expect("create")
        };
        let web = "https://ns.adobe.com/xdm/channel-types/web";
        let html = "https://ns.adobe.com/experience/offer-management/content-component-html";
        let placement = |name: &str| {
            create(
                Kind::Placement,
                json!({"xdm:name": name, "xdm:channel": web, "xdm:componentType": html}),
            )
        };
        let (p1, p2) = (placement("p1"), placement("p2"));
        assert!(p1.uri().starts_with("dps:offer-placement:"));
        let rule = create(
            Kind::Rule,
            json!({"xdm:name": "r", "xdm:condition":
                {"xdm:type": "PQL", "xdm:format": "pql/text", "xdm:value": "true"}}),
        );
        let filter = create(
            Kind::Filter,
            json!({"xdm:name": "f", "xdm:filterType": "anyTags", "ids": []}),
        );
        let fallback = create(
            Kind::FallbackOffer,
            json!({"xdm:name": "fb", "xdm:status": "approved", "xdm:representations": [
                {"xdm:placement": p1.uri(), "xdm:components": []}]}),
        );
        let activity = |placements: Vec<&str>| {
            json!({"xdm:name": "a", "xdm:status": "live", "xdm:fallback": fallback.uri(),
                "xdm:criteria": [{"xdm:placements": placements,
                    "xdm:optionSelection": {"xdm:filter": filter.uri()},
                    "xdm:profileConstraint": {"xdm:profileConstraintType": "eligibilityRule",
                                              "xdm:eligibilityRule": rule.uri()}}]})
        };
        // The fallback must cover every placement of every criterion.
        let uncovered = repo.create(
            "prod",
            &c,
            &Kind::Activity.schema_id(),
            activity(vec![p1.uri(), p2.uri()]),
            &me(),
        );
        match uncovered {
            Err(RepoError::Invalid(v)) => {
                assert_eq!(v.len(), 1, "{v:?}");
                assert_eq!(v[0].property, "/_instance/xdm:fallback");
                assert!(v[0].message.contains(p2.uri()), "{v:?}");
            }
            other => panic!("expected a violation, got {other:?}"),
        }
        let dangling = repo.create(
            "prod",
            &c,
            &Kind::Activity.schema_id(),
            activity(vec!["xcore:offer-placement:0000000000000000"]),
            &me(),
        );
        assert!(
            matches!(&dangling, Err(RepoError::Invalid(v)) if v[0].property == "/_instance/xdm:criteria/0/xdm:placements/0"),
            "{dangling:?}"
        );
        let decision = create(Kind::Activity, activity(vec![p1.uri()]));
        for target in [&p1, &filter, &rule] {
            let refused = repo
                .delete_unreferenced("prod", &c, &target.instance_id, None, &me())
                .expect("no engine error");
            let referrers = refused.expect_err("still referenced");
            assert!(
                referrers.iter().any(|r| r.id == decision.uri()),
                "{referrers:?}"
            );
        }
        assert!(matches!(
            repo.delete("prod", &c, &p1.instance_id, None, &me()),
            Ok(DeleteOutcome::Accepted(_))
        ));
        repo.delete_unreferenced("prod", &c, &decision.instance_id, None, &me())
            .expect("no engine error")
            .expect("unreferenced");
        repo.delete_unreferenced("prod", &c, &rule.instance_id, None, &me())
            .expect("no engine error")
            .expect("no longer referenced");
        assert_eq!(
            repo.get_by_uri("prod", &c, p2.uri())
                .expect("found")
                .instance_id,
            p2.instance_id
        );
    }

    #[test]
    fn modified_timestamps_are_unique_and_increasing() {
        let repo = Repository::open_in_memory();
        let c = container_id("prod");
        let mut last = String::new();
        for i in 0..200 {
            let tag = repo
                .create(
                    "prod",
                    &c,
                    &Kind::Tag.schema_id(),
                    json!({"xdm:name": format!("t{i}")}),
                    &me(),
                )
                .expect("create");
            assert!(
                tag.last_modified_date > last,
                "{} after {last}",
                tag.last_modified_date
            );
            last = tag.last_modified_date;
        }
    }

    mod no_panics {
        use proptest::prelude::*;
        use serde_json::{Value, json};

        use super::super::*;

        fn json_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                (-1e6f64..1e6).prop_map(Value::from),
                "[a-z:@/ -]{0,12}".prop_map(Value::from),
                Just(json!("xcore:offer-placement:0000000000000000")),
                Just(json!("2020-01-01T00:00:00Z")),
            ];
            leaf.prop_recursive(3, 24, 4, |inner| {
                let keys = prop_oneof![
                    Just("xdm:name".to_string()),
                    Just("xdm:status".to_string()),
                    Just("xdm:representations".to_string()),
                    Just("xdm:placement".to_string()),
                    Just("xdm:rank".to_string()),
                    Just("xdm:priority".to_string()),
                    Just("xdm:tags".to_string()),
                    Just("ids".to_string()),
                    Just("@id".to_string()),
                    "[a-z:]{1,6}",
                ];
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    prop::collection::vec((keys, inner), 0..5)
                        .prop_map(|kv| Value::Object(kv.into_iter().collect())),
                ]
            })
        }

        fn patch_op() -> impl Strategy<Value = Value> {
            let path = || {
                prop_oneof![
                    Just("/_instance".to_string()),
                    Just("/_instance/xdm:name".to_string()),
                    Just("/_instance/xdm:tags/-".to_string()),
                    Just("/_instance/@id".to_string()),
                    Just("/_links/x".to_string()),
                    "/[a-z_:/0-9~-]{0,16}",
                ]
            };
            let op = prop_oneof![
                Just("add"),
                Just("remove"),
                Just("replace"),
                Just("test"),
                Just("move"),
                Just("copy")
            ];
            (op, path(), path(), json_value()).prop_map(|(op, path, from, value)| {
                json!({"op": op, "path": path, "from": from, "value": value})
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(96))]

            #[test]
            fn writes_of_arbitrary_json_never_panic(
                kind in 0usize..7,
                instance in json_value(),
                ops in prop::collection::vec(patch_op(), 0..4),
            ) {
                let repo = Repository::open_in_memory();
                let c = container_id("prod");
                let me = Actor::new("me", "key");
                let schema = Kind::ALL[kind].schema_id();
                let _ = repo.create("prod", &c, &schema, instance.clone(), &me);
                let tag = repo
                    .create("prod", &c, &Kind::Tag.schema_id(), json!({"xdm:name": "t"}), &me)
                    .expect("a valid tag");
                let _ = repo.put("prod", &c, &tag.instance_id, &schema, instance, None, &me);
                let ops = serde_json::from_value::<Vec<json_patch::PatchOperation>>(Value::Array(ops));
                if let Ok(ops) = ops {
                    let condition = IfMatch::OneOf(vec![1, 2]);
                    let _ = repo.patch("prod", &c, &tag.instance_id, &ops, Some(&condition), &me);
                }
                let after = repo.get("prod", &c, &tag.instance_id).expect("still there");
                prop_assert!(after.uri().starts_with("xcore:tag:"));
            }

            #[test]
            fn arbitrary_query_parameters_never_panic(
                params in prop::collection::vec(
                    (
                        prop_oneof![
                            Just("orderby"), Just("start"), Just("limit"), Just("property"),
                            Just("id"), Just("name"), Just("q"), Just("field"), Just("qop")
                        ],
                        "\\PC{0,16}",
                    ),
                    0..6,
                ),
            ) {
                let params: Vec<(String, String)> =
                    params.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
                let repo = Repository::open_in_memory();
                let c = container_id("prod");
                let me = Actor::new("me", "key");
                for name in ["a", "b,c", "\\N"] {
                    repo.create("prod", &c, &Kind::Tag.schema_id(), json!({"xdm:name": name}), &me)
                        .expect("a valid tag");
                }
                if let Ok(mut query) = ListQuery::from_params(&params) {
                    query.schema = Some(Kind::Tag.schema_id());
                    let _ = repo.list("prod", &c, &query);
                    let _ = repo.search("prod", &c, &query);
                }
            }
        }
    }
}
