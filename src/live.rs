//! Reading the live state of a repository: one complete list per kind, all kinds at once.

use std::collections::HashMap;

use futures::future::try_join_all;

use crate::backend::{Backend, BackendError, LiveObject};
use crate::kind::Kind;

/// Every object in the repository, of every kind.
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    pub objects: Vec<LiveObject>,
}

impl LiveState {
    /// Objects by `@id`.
    pub fn by_id(&self) -> HashMap<&str, &LiveObject> {
        self.objects.iter().map(|o| (o.id.as_str(), o)).collect()
    }
}

/// Reads every kind concurrently. Any failed or incomplete list fails the whole read: a
/// partial view would make missing objects look deleted and turn into duplicate creates.
pub async fn read(backend: &dyn Backend, kinds: &[Kind]) -> Result<LiveState, BackendError> {
    let lists = try_join_all(kinds.iter().map(|kind| backend.list(*kind))).await?;
    let mut objects: Vec<LiveObject> = lists.into_iter().flatten().collect();
    // A stable order, whatever order the repository pages in.
    objects.sort_by(|a, b| (a.kind, a.name(), &a.id).cmp(&(b.kind, b.name(), &b.id)));
    Ok(LiveState { objects })
}
