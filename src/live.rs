//! Reading the live state of a repository: one complete list per kind, all kinds at once.

pub mod compact;

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

impl LiveState {
    /// One state from the states of several repositories (one per provider).
    pub fn merge(states: impl IntoIterator<Item = LiveState>) -> LiveState {
        let mut objects: Vec<LiveObject> = states.into_iter().flat_map(|s| s.objects).collect();
        sort(&mut objects);
        LiveState { objects }
    }
}

fn sort(objects: &mut [LiveObject]) {
    // A stable order, whatever order the repository pages in.
    objects.sort_by(|a, b| (a.kind, a.name(), &a.id).cmp(&(b.kind, b.name(), &b.id)));
}

/// Reads every kind concurrently. Any failed or incomplete list fails the whole read: a
/// partial view would make missing objects look deleted and turn into duplicate creates.
pub async fn read(backend: &dyn Backend, kinds: &[Kind]) -> Result<LiveState, BackendError> {
    let lists = try_join_all(kinds.iter().map(|kind| backend.list(*kind))).await?;
    let mut objects: Vec<LiveObject> = lists.into_iter().flatten().collect();
    sort(&mut objects);
    Ok(LiveState { objects })
}
