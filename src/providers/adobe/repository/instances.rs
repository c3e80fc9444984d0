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

#[cfg(test)]
mod tests {
    use serde_json::Map;

    use super::*;
    use crate::providers::adobe::kind::Kind;

    fn envelope(instance_id: &str, etag: u64) -> Envelope {
        Envelope {
            instance_id: instance_id.into(),
            schema: String::new(),
            kind: Kind::Tag,
            etag,
            created_date: String::new(),
            last_modified_date: String::new(),
            created_by: String::new(),
            last_modified_by: String::new(),
            created_by_client_id: String::new(),
            last_modified_by_client_id: String::new(),
            instance: Map::new(),
            links: Map::new(),
            uri: Default::default(),
        }
    }

    fn walked(instances: &Instances) -> Vec<(&str, u64)> {
        instances
            .values()
            .map(|e| (e.instance_id.as_str(), e.etag))
            .collect()
    }

    #[test]
    fn found_by_id_and_walked_in_id_order_through_every_change() {
        let mut instances = Instances::default();
        for id in ["c", "a", "b"] {
            assert!(instances.insert(envelope(id, 1)).is_none());
        }
        let replaced = instances.insert(envelope("a", 2)).map(|e| e.etag);
        assert_eq!(replaced, Some(1));
        assert_eq!(walked(&instances), [("a", 2), ("b", 1), ("c", 1)]);
        assert_eq!(instances.get("c").map(|e| e.etag), Some(1));

        assert_eq!(instances.remove("b").map(|e| e.etag), Some(1));
        assert!(instances.remove("b").is_none());
        assert!(instances.get("b").is_none());
        assert_eq!(
            (instances.len(), walked(&instances)),
            (2, vec![("a", 2), ("c", 1)])
        );

        instances.clear();
        assert_eq!((instances.len(), walked(&instances)), (0, vec![]));
        assert!(instances.get("a").is_none());
    }
}
