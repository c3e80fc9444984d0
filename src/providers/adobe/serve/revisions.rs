//! Values made from a stored object, kept while the object stays at the revision they were
//! made from: `instanceId` is new on every create, the etag on every write, so a value kept
//! under both is never stale.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// An object: its sandbox and `instanceId`.
type Object = (String, String);

/// Values by object, each with the etag it was made at.
pub(crate) struct PerRevision<V>(Mutex<HashMap<Object, (u64, Arc<V>)>>);

impl<V> Default for PerRevision<V> {
    fn default() -> Self {
        Self(Mutex::new(HashMap::new()))
    }
}

impl<V> PerRevision<V> {
    /// The value kept for the object at `etag`, or the one `make` makes (then kept).
    pub(crate) fn get_or_make<E>(
        &self,
        sandbox: &str,
        instance_id: &str,
        etag: u64,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        let key = (sandbox.to_string(), instance_id.to_string());
        let kept = self.0.lock().ok().and_then(|kept| kept.get(&key).cloned());
        if let Some((at, value)) = kept
            && at == etag
        {
            return Ok(value);
        }
        let value = Arc::new(make()?);
        if let Ok(mut kept) = self.0.lock() {
            kept.insert(key, (etag, value.clone()));
        }
        Ok(value)
    }
}
