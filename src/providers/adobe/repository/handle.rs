//! The repository handle: opening it (in memory or durable), its lock, and the operations on a
//! whole sandbox (its container, reset).

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering as AtomicOrdering};
use std::sync::{Mutex, MutexGuard};

use super::checks::IfMatch;
use super::container::Container;
use super::error::RepoError;
use super::ids::container_id;
use super::query::{DEFAULT_LIMIT, ListQuery};
use super::store::{Inner, Record, Removal, State, commit};
use crate::wal::Wal;

/// The repository. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct Repository {
    inner: Mutex<Inner>,
    pub(super) delete_pending_polls: AtomicU32,
    pub(super) deviations: Deviations,
}

/// Ways to make the emulator deliberately behave unlike the documented API, so that
/// `offerctl doctor` can be tested against a sandbox that breaks the client's assumptions.
/// All off by default.
#[derive(Debug, Default)]
pub struct Deviations {
    /// Pages hold at most this many items, whatever `limit` asks (0: the usual 500).
    pub max_page_size: AtomicUsize,
    /// `If-Match` is not checked: a stale etag does not get 409.
    pub ignore_if_match: AtomicBool,
    /// A referenced object is deleted anyway instead of the delete being refused.
    pub delete_referenced: AtomicBool,
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
            deviations: Deviations::default(),
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
            .map(|s| s.instances().len() + s.jobs.len())
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
            deviations: Deviations::default(),
        })
    }

    /// How many polls of a delete job answer "pending" before the outcome is decided
    /// (default 0: the first poll decides).
    pub fn set_delete_pending_polls(&self, polls: u32) {
        self.delete_pending_polls
            .store(polls, AtomicOrdering::Relaxed);
    }

    /// Calls `listener` with every instance (or sandbox) removed from now on, as the removal
    /// commits, under the repository's lock: whatever it forgets cannot be made again from the
    /// removed instance by a read that ran before.
    pub fn on_removal(&self, listener: impl Fn(Removal<'_>) + Send + Sync + 'static) {
        self.lock().state.removal_listeners.push(Box::new(listener));
    }

    /// The deliberate deviations from the documented API (see [`Deviations`]).
    pub fn deviations(&self) -> &Deviations {
        &self.deviations
    }

    /// The `If-Match` condition to enforce: none while the emulator is told to ignore it.
    pub fn enforced<'a>(&self, if_match: Option<&'a IfMatch>) -> Option<&'a IfMatch> {
        if self
            .deviations
            .ignore_if_match
            .load(AtomicOrdering::Relaxed)
        {
            None
        } else {
            if_match
        }
    }

    pub(super) fn deletes_referenced(&self) -> bool {
        self.deviations
            .delete_referenced
            .load(AtomicOrdering::Relaxed)
    }

    /// `query` with its page size capped by [`Deviations::max_page_size`].
    pub(super) fn capped(&self, query: &ListQuery) -> ListQuery {
        let mut query = query.clone();
        let max = self.deviations.max_page_size.load(AtomicOrdering::Relaxed);
        if max > 0 {
            query.limit = Some(query.limit.unwrap_or(DEFAULT_LIMIT).min(max));
        }
        query
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Inner> {
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
