//! Reading the live state of a repository: one complete list per kind, all kinds at once.

pub mod compact;

use futures::future::try_join_all;

use crate::backend::{Backend, BackendError, LiveObject};
use crate::kind::Kind;

/// Every object in the repository, of every kind.
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    pub objects: Vec<LiveObject>,
}

/// Live objects by id (hashed with foldhash: a plan builds and reads one of every object).
pub type ById<'a> = foldhash::HashMap<&'a str, &'a LiveObject>;

impl LiveState {
    /// Objects by `@id`.
    pub fn by_id(&self) -> ById<'_> {
        self.objects.iter().map(|o| (o.id.as_str(), o)).collect()
    }

    /// The position in `objects` of `object`, which must be one of them (a reference into
    /// this state, as [`LiveState::by_id`] gives): what a result that outlives the borrow
    /// keeps instead of the reference.
    pub fn position(&self, object: &LiveObject) -> usize {
        let offset =
            (object as *const LiveObject as usize).wrapping_sub(self.objects.as_ptr() as usize);
        let at = offset / std::mem::size_of::<LiveObject>().max(1);
        match self.objects.get(at) {
            Some(found) if std::ptr::eq(found, object) => at,
            _ => panic!("LiveState::position of an object of another state"),
        }
    }
}

impl LiveState {
    /// One state from the states of several repositories (one per provider).
    pub fn merge(states: impl IntoIterator<Item = LiveState>) -> LiveState {
        let states: Vec<LiveState> = states.into_iter().collect();
        let objects = concat(states.into_iter().map(|s| s.objects).collect());
        let mut merged = LiveState { objects };
        sort(&mut merged.objects);
        merged
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
    let mut objects = concat(lists);
    sort(&mut objects);
    Ok(LiveState { objects })
}

/// The lists one after the other, in one vector of exactly their size (collecting through
/// `flatten` grows it by doubling; the live objects are kept for the whole run). The first
/// list's allocation is reused when it is the only one.
fn concat(mut lists: Vec<Vec<LiveObject>>) -> Vec<LiveObject> {
    if lists.len() == 1 {
        return lists.pop().unwrap_or_default();
    }
    let mut objects = Vec::with_capacity(lists.iter().map(Vec::len).sum());
    for list in lists {
        objects.extend(list);
    }
    objects
}
