//! The store handle: opening (in memory or durable), the lock, committing a change, reset.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use super::error::StoreError;
use super::state::{Record, State};
use crate::wal::Wal;

/// The `publisherId` of every offer (one fake publisher per emulator).
pub const PUBLISHER_ID: &str = "65f0c0ffee0ddba11ad5eed5";

/// A thread-safe Appcharge store. See the module documentation.
pub struct Store {
    inner: Mutex<Inner>,
}

pub(super) struct Inner {
    pub(super) state: State,
    wal: Option<Wal>,
}

impl Inner {
    /// Makes `record` durable (in durable mode), then applies it.
    pub(super) fn commit(&mut self, record: Record) -> Result<(), StoreError> {
        if let Some(wal) = &mut self.wal {
            wal.append(&record)?;
        }
        self.state.apply(record);
        Ok(())
    }
}

impl Store {
    /// An empty store that forgets everything when dropped.
    pub fn in_memory() -> Store {
        Store {
            inner: Mutex::new(Inner {
                state: State::default(),
                wal: None,
            }),
        }
    }

    /// Opens (creating if needed) the store persisted in `dir`: every acknowledged write is
    /// synced to a log there before it is answered; a torn last record from a crash is
    /// discarded. One process at a time may open a directory.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let (mut wal, replay) = Wal::open::<Record>(dir)?;
        let mut state = State::default();
        for record in replay.records {
            state.apply(record);
        }
        // Compact a log that is mostly history.
        if wal.record_count() > 4 * state.live() + 1024 {
            wal.rewrite(&state.snapshot())?;
        }
        Ok(Store {
            inner: Mutex::new(Inner {
                state,
                wal: Some(wal),
            }),
        })
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets every offer and component (`/_emulator/reset`).
    pub fn reset(&self) -> Result<(), StoreError> {
        self.lock().commit(Record::Reset)
    }
}
