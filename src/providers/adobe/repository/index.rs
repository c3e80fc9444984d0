//! A sandbox's indexes over its instances, kept by [`super::store`] as it puts and removes
//! them: each kind's instances in the two orders the APIs list by default, and who references
//! each `@id`. Without them every list page scans every instance of every kind and every
//! delete every instance, so a walk of all pages costs the square of the catalogue's size.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::envelope::Envelope;
use super::query::{lead_of, timestamp_shaped};
use super::validate::references;
use crate::providers::adobe::kind::Kind;

/// One kind's instances, by `instanceId`.
#[derive(Default)]
pub(crate) struct KindIndex {
    /// In `instanceId` order (XCore's default list order).
    pub(crate) by_id: BTreeSet<String>,
    /// By `repo:lastModifiedDate` descending, then `instanceId` (the DPS default order,
    /// `-modified`, with the repository's tie-breaker).
    pub(crate) by_modified: BTreeSet<(Reverse<String>, String)>,
    /// How many of them have a modified date not in the repository's own timestamp format
    /// (only a log written by hand holds one): text order is then not time order, and a list
    /// filtering on the date cannot use [`Self::by_modified`].
    pub(crate) odd_dates: usize,
    /// By the first byte of the `@id`'s last `:`-separated segment (`None`: empty): a list
    /// sharded on it (see `query::LeadSet`) reads only its shard's instances.
    pub(crate) by_lead: BTreeMap<Option<u8>, BTreeSet<String>>,
    /// [`Self::by_modified`] by the same first byte: a sharded DPS list reads its page from
    /// its shard's cursor on, not every instance of its shard for every page.
    pub(crate) by_lead_modified: BTreeMap<Option<u8>, BTreeSet<(Reverse<String>, String)>>,
}

#[derive(Default)]
pub(super) struct Indexes {
    kinds: HashMap<Kind, KindIndex>,
    /// Target `@id` → the `instanceId`s of the instances whose references name it.
    referrers: HashMap<String, BTreeSet<String>>,
}

/// The empty index of a kind with no instances.
static EMPTY: std::sync::LazyLock<KindIndex> = std::sync::LazyLock::new(KindIndex::default);

impl Indexes {
    pub(super) fn kind(&self, kind: Kind) -> &KindIndex {
        self.kinds.get(&kind).unwrap_or(&EMPTY)
    }

    /// The instances (by `instanceId`, ascending) whose references name `uri`.
    pub(super) fn referring_to(&self, uri: &str) -> impl Iterator<Item = &str> {
        self.referrers
            .get(uri)
            .into_iter()
            .flatten()
            .map(String::as_str)
    }

    pub(super) fn insert(&mut self, envelope: &Envelope) {
        let index = self.kinds.entry(envelope.kind).or_default();
        index.by_id.insert(envelope.instance_id.clone());
        index.by_modified.insert(modified_key(envelope));
        if !timestamp_shaped(&envelope.last_modified_date) {
            index.odd_dates += 1;
        }
        let lead = lead_of(envelope.uri());
        index
            .by_lead
            .entry(lead)
            .or_default()
            .insert(envelope.instance_id.clone());
        index
            .by_lead_modified
            .entry(lead)
            .or_default()
            .insert(modified_key(envelope));
        for reference in references(envelope.kind, &envelope.instance) {
            self.referrers
                .entry(reference.target)
                .or_default()
                .insert(envelope.instance_id.clone());
        }
    }

    pub(super) fn remove(&mut self, envelope: &Envelope) {
        if let Some(index) = self.kinds.get_mut(&envelope.kind) {
            index.by_id.remove(&envelope.instance_id);
            index.by_modified.remove(&modified_key(envelope));
            if !timestamp_shaped(&envelope.last_modified_date) {
                index.odd_dates -= 1;
            }
            let lead = lead_of(envelope.uri());
            if let Some(ids) = index.by_lead.get_mut(&lead) {
                ids.remove(&envelope.instance_id);
                if ids.is_empty() {
                    index.by_lead.remove(&lead);
                }
            }
            if let Some(keys) = index.by_lead_modified.get_mut(&lead) {
                keys.remove(&modified_key(envelope));
                if keys.is_empty() {
                    index.by_lead_modified.remove(&lead);
                }
            }
        }
        for reference in references(envelope.kind, &envelope.instance) {
            if let Some(referring) = self.referrers.get_mut(&reference.target) {
                referring.remove(&envelope.instance_id);
                if referring.is_empty() {
                    self.referrers.remove(&reference.target);
                }
            }
        }
    }

    pub(super) fn clear(&mut self) {
        self.kinds.clear();
        self.referrers.clear();
    }
}

fn modified_key(envelope: &Envelope) -> (Reverse<String>, String) {
    (
        Reverse(envelope.last_modified_date.clone()),
        envelope.instance_id.clone(),
    )
}
