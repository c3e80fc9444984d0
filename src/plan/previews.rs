//! Previews of a plan's changes: what customers see of each changed object before and after,
//! as the providers describe it (`Provider::preview`), paired block by block for review.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use super::{Action, Change, PENDING, Plan};
use crate::preview::{Block, Lookup};
use crate::provider::Providers;

/// One thing customers see, before and after a change (`None`: absent on that side).
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub label: String,
    pub before: Option<Block>,
    pub after: Option<Block>,
}

impl Pair {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// Looks up names and documents in a plan, on one side of its changes.
pub struct Previews<'p> {
    plan: &'p Plan,
    providers: &'p Providers,
    by_id: HashMap<&'p str, &'p Change>,
    by_address: HashMap<&'p str, &'p Change>,
}

struct Side<'a, 'p> {
    previews: &'a Previews<'p>,
    after: bool,
}

impl Lookup for Side<'_, '_> {
    fn name(&self, id: &str) -> Option<String> {
        match id.strip_prefix(PENDING) {
            Some(address) => Some(address.to_string()),
            None => self.previews.plan.names.get(id).cloned(),
        }
    }

    fn document(&self, id: &str) -> Option<Cow<'_, Value>> {
        let p = self.previews;
        let change = match id.strip_prefix(PENDING) {
            Some(address) => p.by_address.get(address),
            None => p.by_id.get(id),
        };
        match change {
            Some(change) if change.action != Action::NoOp => {
                if self.after {
                    change.after.as_ref()
                } else {
                    change.before.as_ref()
                }
            }
            _ => p.plan.related.get(id),
        }
        .map(Cow::Borrowed)
    }
}

impl<'p> Previews<'p> {
    pub fn new(plan: &'p Plan, providers: &'p Providers) -> Self {
        let by_id = plan
            .changes
            .iter()
            .filter_map(|c| c.live.as_ref().map(|l| (l.id.as_str(), c)))
            .collect();
        let by_address = plan
            .changes
            .iter()
            .map(|c| (c.address.as_str(), c))
            .collect();
        Previews {
            plan,
            providers,
            by_id,
            by_address,
        }
    }

    fn blocks(&self, change: &Change, after: bool) -> Vec<Block> {
        let document = if after { &change.after } else { &change.before };
        let Some(document) = document else {
            return Vec::new();
        };
        let side = Side {
            previews: self,
            after,
        };
        self.providers
            .of(change.kind)
            .preview(change.kind, document, &side)
    }

    /// The change's blocks paired by label: those after the change in their order, then those
    /// that go away. Empty when customers see nothing of the object.
    pub fn pairs(&self, change: &Change) -> Vec<Pair> {
        let before = self.blocks(change, false);
        let after = self.blocks(change, true);
        let mut gone: Vec<Option<Block>> = before.into_iter().map(Some).collect();
        let mut out: Vec<Pair> = after
            .into_iter()
            .map(|block| {
                let before = gone
                    .iter_mut()
                    .find(|b| b.as_ref().is_some_and(|b| b.label() == block.label()))
                    .and_then(Option::take);
                Pair {
                    label: block.label().to_string(),
                    before,
                    after: Some(block),
                }
            })
            .collect();
        out.extend(gone.into_iter().flatten().map(|block| Pair {
            label: block.label().to_string(),
            before: Some(block),
            after: None,
        }));
        out
    }
}

/// Looks documents up in the live state, recording which ones were asked for.
struct Recorder<'a, 'l> {
    by_id: &'a crate::live::ById<'l>,
    names: &'a BTreeMap<String, String>,
    asked: RefCell<HashSet<String>>,
}

impl Lookup for Recorder<'_, '_> {
    fn name(&self, id: &str) -> Option<String> {
        self.names.get(id).cloned()
    }

    fn document(&self, id: &str) -> Option<Cow<'_, Value>> {
        let object = self.by_id.get(id)?;
        self.asked.borrow_mut().insert(id.to_string());
        Some(Cow::Owned(object.instance.value()))
    }
}

/// The live documents (managed properties) of objects the previews of `changes` read but that
/// the plan leaves alone, such as an offer's products and design: a saved plan must be able to
/// draw its previews without the repository.
pub fn related(
    providers: &Providers,
    changes: &[Change],
    by_id: &crate::live::ById<'_>,
    names: &BTreeMap<String, String>,
) -> BTreeMap<String, Value> {
    let recorder = Recorder {
        by_id,
        names,
        asked: RefCell::new(HashSet::new()),
    };
    let acting: HashSet<&str> = changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .filter_map(|c| c.live.as_ref().map(|l| l.id.as_str()))
        .collect();
    for change in changes.iter().filter(|c| c.action != Action::NoOp) {
        let provider = providers.of(change.kind);
        for document in [&change.before, &change.after].into_iter().flatten() {
            provider.preview(change.kind, document, &recorder);
        }
    }
    recorder
        .asked
        .into_inner()
        .into_iter()
        .filter(|id| !acting.contains(id.as_str()))
        .filter_map(|id| {
            let object = by_id.get(id.as_str())?;
            let rules = providers.diff_rules(object.kind);
            Some((id, super::managed(&rules, &object.instance.value(), None)))
        })
        .collect()
}
