//! A sandbox's instances: found by `instanceId` in one hash lookup (a list page looks up
//! each of its hundreds of instances by the id its index gives, and a tree search of string
//! keys was most of a large list's time), walked in `instanceId` order.

use std::collections::BTreeSet;

use super::envelope::Envelope;

#[derive(Default)]
pub(crate) struct Instances {
    by_id: foldhash::HashMap<String, Envelope>,
    /// The same ids, in order (what scans and snapshots walk).
    ids: BTreeSet<String>,
}

impl Instances {
    pub(crate) fn get(&self, instance_id: &str) -> Option<&Envelope> {
        self.by_id.get(instance_id)
    }

    /// Every instance, by `instanceId`.
    pub(crate) fn values(&self) -> impl Iterator<Item = &Envelope> + '_ {
        self.ids.iter().filter_map(|id| self.by_id.get(id))
    }

    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Puts `envelope` under its `instanceId`; the one it replaces, if any.
    pub(super) fn insert(&mut self, envelope: Envelope) -> Option<Envelope> {
        if !self.by_id.contains_key(&envelope.instance_id) {
            self.ids.insert(envelope.instance_id.clone());
        }
        self.by_id.insert(envelope.instance_id.clone(), envelope)
    }

    pub(super) fn remove(&mut self, instance_id: &str) -> Option<Envelope> {
        self.ids.remove(instance_id);
        self.by_id.remove(instance_id)
    }

    pub(super) fn clear(&mut self) {
        self.by_id.clear();
        self.ids.clear();
    }
}
