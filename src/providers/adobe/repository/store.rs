//! The state behind the repository's lock: each sandbox's instances, `@id` index and delete
//! jobs, the log records that change them, and the steps every operation shares (open the
//! container, commit a record, revise an envelope).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::envelope::{self, Actor, Envelope, format_timestamp};
use super::error::{Referrer, RepoError};
use super::ids::container_id;
use super::index::Indexes;
use super::instances::Instances;
use super::jobs::{DeleteDecision, DeleteJob};
use super::query::Listing;
use super::validate::references;
use crate::providers::adobe::kind::Kind;
use crate::wal::Wal;

/// One durable state change. Replaying the log applies these in order with [`State::apply`],
/// the same function live writes use, so recovered state equals acknowledged state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub(super) enum Record {
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

/// One sandbox's instances. They change only through [`Sandbox::put`] and
/// [`Sandbox::remove`] (and a reset), which keep the `@id` map and the [`Indexes`] in step.
#[derive(Default)]
pub(super) struct Sandbox {
    pub(super) created_date: String,
    instances: Instances,
    /// `@id` → `instanceId`.
    uris: HashMap<String, String>,
    indexes: Indexes,
    pub(super) jobs: HashMap<String, DeleteJob>,
}

impl Sandbox {
    /// Every instance, by `instanceId`.
    pub(super) fn instances(&self) -> &Instances {
        &self.instances
    }

    pub(super) fn get(&self, instance_id: &str) -> Option<&Envelope> {
        self.instances.get(instance_id)
    }

    pub(super) fn by_uri(&self, uri: &str) -> Option<&Envelope> {
        self.instances.get(self.uris.get(uri)?)
    }

    /// The instances of `kind`, in the orders lists use.
    pub(super) fn of_kind(&self, kind: Kind) -> Listing<'_> {
        Listing::new(kind, &self.instances, self.indexes.kind(kind))
    }

    /// The instances whose references name `uri`, by `instanceId`, with each such reference.
    pub(super) fn referrers(&self, uri: &str) -> Vec<Referrer> {
        self.indexes
            .referring_to(uri)
            .filter_map(|id| self.get(id))
            .flat_map(|envelope| referring(envelope, uri))
            .collect()
    }

    fn put(&mut self, envelope: Envelope) {
        if let Some(old) = self.instances.get(&envelope.instance_id) {
            self.indexes.remove(old);
        }
        self.indexes.insert(&envelope);
        self.uris
            .insert(envelope.uri().to_string(), envelope.instance_id.clone());
        self.instances.insert(envelope);
    }

    fn remove(&mut self, instance_id: &str) {
        if let Some(old) = self.instances.remove(instance_id) {
            self.uris.remove(old.uri());
            self.indexes.remove(&old);
        }
        self.jobs
            .retain(|_, job| job.instance_id != instance_id || job.decision.is_some());
    }

    fn clear(&mut self) {
        self.instances.clear();
        self.uris.clear();
        self.indexes.clear();
        self.jobs.clear();
    }
}

/// Each reference of `envelope` to `uri`, as a [`Referrer`].
pub(super) fn referring(envelope: &Envelope, uri: &str) -> Vec<Referrer> {
    references(envelope.kind, &envelope.instance)
        .into_iter()
        .filter(|reference| reference.target == uri)
        .map(|reference| Referrer {
            instance_id: envelope.instance_id.clone(),
            id: envelope.uri().to_string(),
            schema: envelope.schema.clone(),
            property: reference.pointer,
        })
        .collect()
}

/// What a committed change removed: one instance, or every instance of a sandbox (a reset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal<'a> {
    Instance {
        sandbox: &'a str,
        instance_id: &'a str,
    },
    Sandbox(&'a str),
}

/// Told of every [`Removal`], under the repository's lock (see [`Repository::on_removal`]).
///
/// [`Repository::on_removal`]: super::Repository::on_removal
pub(super) type RemovalListener = Box<dyn Fn(Removal<'_>) + Send + Sync>;

#[derive(Default)]
pub(super) struct State {
    pub(super) sandboxes: BTreeMap<String, Sandbox>,
    /// The latest timestamp handed out; timestamps never go backwards.
    last_time: Option<OffsetDateTime>,
    pub(super) removal_listeners: Vec<RemovalListener>,
}

impl State {
    /// The current time, truncated to milliseconds and strictly later than every timestamp
    /// handed out before (the DPS list cursor is a `modified` timestamp, so no two writes may
    /// share one). When writes come faster than one per millisecond, time runs a little ahead.
    pub(super) fn now(&mut self) -> String {
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

    pub(super) fn sandbox(&mut self, name: &str) -> &mut Sandbox {
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

    pub(super) fn apply(&mut self, record: Record) {
        match record {
            Record::Put { sandbox, envelope } => {
                self.observe(&envelope.last_modified_date);
                self.sandbox(&sandbox).put(envelope)
            }
            Record::Remove {
                sandbox,
                instance_id,
            } => {
                self.sandbox(&sandbox).remove(&instance_id);
                self.removed(Removal::Instance {
                    sandbox: &sandbox,
                    instance_id: &instance_id,
                });
            }
            Record::Job { sandbox, job } => {
                let deleted = matches!(job.decision, Some(DeleteDecision::Deleted { .. }));
                let space = self.sandbox(&sandbox);
                if deleted {
                    space.remove(&job.instance_id);
                }
                let instance_id = job.instance_id.clone();
                space.jobs.insert(job.id.clone(), job);
                if deleted {
                    self.removed(Removal::Instance {
                        sandbox: &sandbox,
                        instance_id: &instance_id,
                    });
                }
            }
            Record::Reset { sandbox } => {
                self.sandbox(&sandbox).clear();
                self.removed(Removal::Sandbox(&sandbox));
            }
        }
    }

    fn removed(&self, removal: Removal<'_>) {
        for listener in &self.removal_listeners {
            listener(removal);
        }
    }

    /// Records that rebuild this state (for compaction).
    pub(super) fn snapshot(&self) -> Vec<Record> {
        let mut out = Vec::new();
        for (name, sandbox) in &self.sandboxes {
            out.extend(sandbox.instances().values().map(|envelope| Record::Put {
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

pub(super) struct Inner {
    pub(super) state: State,
    pub(super) wal: Option<Wal>,
}

pub(super) fn commit(
    state: &mut State,
    wal: &mut Option<Wal>,
    record: Record,
) -> Result<(), RepoError> {
    if let Some(wal) = wal {
        wal.append(&record)
            .map_err(|e| RepoError::Storage(e.to_string()))?;
    }
    state.apply(record);
    Ok(())
}

pub(super) fn open_container<'s>(
    state: &'s mut State,
    sandbox: &str,
    container: &str,
) -> Result<&'s mut Sandbox, RepoError> {
    if container != container_id(sandbox) {
        return Err(RepoError::ContainerNotFound(container.to_string()));
    }
    Ok(state.sandbox(sandbox))
}

pub(super) fn revise(
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
