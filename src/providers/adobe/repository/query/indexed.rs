//! Lists served from a kind's index: a plain list (no selection, filter or search) in one of
//! the orders the index keeps reads its page from the cursor on, instead of filtering and
//! ordering every instance of the kind. Every other list scans, as before; both give the
//! same page (the tests compare them).

use std::borrow::Borrow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use super::{
    Cmp, CursorValue, LeadSet, ListQuery, OrderKey, Page, PropertyFilter, Test, decode_cursor,
    encode_cursor, render_order, timestamp_shaped,
};
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::repository::envelope::Envelope;
use crate::providers::adobe::repository::error::RepoError;
use crate::providers::adobe::repository::index::KindIndex;
use crate::providers::adobe::repository::instances::Instances;

/// One kind's instances and their index: what a list runs over.
pub(crate) struct Listing<'a> {
    kind: Kind,
    instances: &'a Instances,
    index: &'a KindIndex,
}

/// The instances a page is cut from, in the list's order, and how many there are.
struct Walk<'a> {
    /// How many instances the list's selection admits, the cursor aside.
    admitted: usize,
    total: usize,
    ids: Box<dyn Iterator<Item = &'a String> + 'a>,
}

impl<'a> Listing<'a> {
    pub(crate) fn new(kind: Kind, instances: &'a Instances, index: &'a KindIndex) -> Self {
        Listing {
            kind,
            instances,
            index,
        }
    }

    /// Every instance of the kind, by `instanceId`.
    pub(crate) fn all(&self) -> Box<dyn Iterator<Item = &'a Envelope> + 'a> {
        let instances = self.instances;
        // A kind that is a large part of the sandbox (the offers: a create looks one up by
        // name, a filtered list scans them) is read in one pass over the sandbox, in the same
        // order: looking each of its ids up would cost a tree search each.
        if self.index.by_id.len() * 4 >= instances.len() {
            let kind = self.kind;
            return Box::new(instances.values().filter(move |e| e.kind == kind));
        }
        Box::new(
            self.index
                .by_id
                .iter()
                .filter_map(move |id| instances.get(id)),
        )
    }

    /// The instances `query` can select: those of its shard when one of its filters is a
    /// shard of ids (see [`PropertyFilter::shard`]), else every instance of the kind. The
    /// other filters, the order and the cursor are the scan's to apply.
    fn candidates<'q>(&self, query: &'q ListQuery) -> Box<dyn Iterator<Item = &'a Envelope> + 'q>
    where
        'a: 'q,
    {
        let Some((leads, negated)) = query.filters.iter().find_map(PropertyFilter::shard) else {
            return self.all();
        };
        let instances = self.instances;
        Box::new(
            self.index
                .by_lead
                .iter()
                .filter(move |(lead, _)| leads.admits_lead(**lead) != negated)
                .flat_map(|(_, ids)| ids.iter())
                .filter_map(move |id| instances.get(id)),
        )
    }

    /// The instances after the cursor that pass `also`, in the query's order, when the index
    /// holds that order and nothing else selects; `None` when the list must scan.
    fn walk(&self, query: &ListQuery, also: &[PropertyFilter]) -> Option<Walk<'a>> {
        // A shard of ids (the one filter of a sharded list) is served from the index too.
        let shard = match query.filters.as_slice() {
            [] => None,
            [filter] => Some(filter.shard()?),
            _ => return None,
        };
        let plain = query.ids.is_empty() && query.name.is_none() && query.search.is_none();
        if !plain {
            return None;
        }
        let order = query.effective_order();
        let ascending = |property: &str| OrderKey {
            property: property.into(),
            descending: false,
        };
        let by_modified = [
            OrderKey {
                property: "repo:lastModifiedDate".into(),
                descending: true,
            },
            ascending("instanceId"),
        ];
        if order == [ascending("instanceId")] && also.is_empty() {
            let cursor = query.start.as_deref().map(|s| decode_cursor(s, 1));
            let from = match cursor.as_deref() {
                None => Bound::Unbounded,
                Some(cursor) => match cursor {
                    // Every instance has an id, and any id is after a missing value.
                    [CursorValue::Missing] => Bound::Unbounded,
                    // All digits would be read as epoch milliseconds if an id were a date.
                    [CursorValue::Text(text)]
                        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) =>
                    {
                        Bound::Excluded(text.as_str())
                    }
                    _ => return None,
                },
            };
            let Some((leads, negated)) = shard else {
                let range = self.index.by_id.range::<str, _>((from, Bound::Unbounded));
                return Some(Walk {
                    admitted: self.index.by_id.len(),
                    total: range.clone().count(),
                    ids: Box::new(range),
                });
            };
            // A page reads its own instances, not every instance of its shard again.
            let (admitted, total, ids) = shard_from(&self.index.by_lead, (leads, negated), from);
            return Some(Walk {
                admitted,
                total,
                ids: Box::new(ids),
            });
        }
        if order == by_modified && query.start.is_none() && self.index.odd_dates == 0 {
            let from = match also {
                [] => Bound::Unbounded,
                // The DPS cursor: at or before a modified date. The repository's timestamps
                // order as text, as the filter compares them.
                [
                    PropertyFilter {
                        property,
                        negated: false,
                        test: Test::Compare(Cmp::Le, literal),
                    },
                ] if property == "repo:lastModifiedDate" && timestamp_shaped(literal) => {
                    Bound::Included((Reverse(literal.clone()), String::new()))
                }
                _ => return None,
            };
            let Some((leads, negated)) = shard else {
                let range = self.index.by_modified.range((from, Bound::Unbounded));
                return Some(Walk {
                    admitted: self.index.by_id.len(),
                    total: range.clone().count(),
                    ids: Box::new(range.map(|(_, id)| id)),
                });
            };
            // A shard of a DPS list, the same way in its order.
            let (admitted, total, keys) = shard_from(
                &self.index.by_lead_modified,
                (leads, negated),
                from.as_ref(),
            );
            return Some(Walk {
                admitted,
                total,
                ids: Box::new(keys.map(|(_, id)| id)),
            });
        }
        None
    }
}

/// A shard's instances in an order the index keeps, from `from` on: the sets of its leading
/// bytes (`by_lead`, each in that order) read from `from` and merged. How many the shard
/// holds, how many of them are from `from` on, and those.
fn shard_from<'a, K, Q>(
    by_lead: &'a BTreeMap<Option<u8>, BTreeSet<K>>,
    (leads, negated): (&LeadSet, bool),
    from: Bound<&Q>,
) -> (usize, usize, impl Iterator<Item = &'a K> + 'a)
where
    K: Ord + Borrow<Q> + 'a,
    Q: Ord + ?Sized,
{
    let sets: Vec<&BTreeSet<K>> = by_lead
        .iter()
        .filter(|(lead, _)| leads.admits_lead(**lead) != negated)
        .map(|(_, keys)| keys)
        .collect();
    let ranges: Vec<_> = sets
        .iter()
        .map(|keys| keys.range::<Q, _>((from, Bound::Unbounded)))
        .collect();
    let admitted = sets.iter().map(|keys| keys.len()).sum();
    let total = ranges.iter().map(|range| range.clone().count()).sum();
    (admitted, total, merged(ranges))
}

/// Sorted sequences merged into one sorted sequence.
fn merged<'a, T: Ord + 'a>(
    sequences: Vec<impl Iterator<Item = &'a T> + 'a>,
) -> impl Iterator<Item = &'a T> + 'a {
    let mut heads: Vec<_> = sequences.into_iter().map(Iterator::peekable).collect();
    std::iter::from_fn(move || {
        let next = heads
            .iter_mut()
            .enumerate()
            .filter_map(|(at, sequence)| sequence.peek().map(|id| (*id, at)))
            .min()?
            .1;
        heads[next].next()
    })
}

impl ListQuery {
    /// [`Self::run_counting`] over one kind's instances, from its index where it can be.
    pub(crate) fn run_listing<I>(
        &self,
        listing: &Listing<'_>,
        also: &[PropertyFilter],
        mut render: impl FnMut(&Envelope, Option<f64>) -> I,
    ) -> Result<(usize, Page<I>), RepoError> {
        let Some(walk) = listing.walk(self, also) else {
            return self.run_counting(listing.candidates(self), also, render);
        };
        let order = self.effective_order();
        let limit = self.page_limit();
        let mut items = Vec::with_capacity(limit.min(walk.total));
        let mut last = None;
        for envelope in walk
            .ids
            .filter_map(|id| listing.instances.get(id))
            .take(limit)
        {
            items.push(render(envelope, None));
            last = Some(envelope);
        }
        let next_start = last.filter(|_| walk.total > limit).map(|envelope| {
            let keys: Vec<_> = order
                .iter()
                .map(|k| envelope.first_value_at(&k.property))
                .collect();
            encode_cursor(&keys)
        });
        let page = Page {
            items,
            total: walk.total,
            next_start,
            order_by: render_order(&order),
            limit,
        };
        Ok((walk.admitted, page))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::providers::adobe::repository::error::Referrer;
    use crate::providers::adobe::repository::store::{Sandbox, referring};
    use crate::providers::adobe::repository::{Actor, Repository, container_id};

    const KINDS: [Kind; 2] = [Kind::Placement, Kind::FallbackOffer];

    #[derive(Debug, Clone)]
    enum Op {
        Placement,
        /// A fallback offer on these placements (indexes into the placements made so far).
        Fallback(Vec<usize>),
        /// Renames an instance (indexes into every instance made so far): a new modified date.
        Rename(usize),
        /// Deletes one, referenced or not.
        Delete(usize),
        Reset,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => Just(Op::Placement),
            4 => prop::collection::vec(0..64usize, 0..3).prop_map(Op::Fallback),
            2 => (0..64usize).prop_map(Op::Rename),
            2 => (0..64usize).prop_map(Op::Delete),
            1 => Just(Op::Reset),
        ]
    }

    fn replay(ops: &[Op]) -> Repository {
        let repo = Repository::open_in_memory();
        repo.deviations()
            .delete_referenced
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let (c, me) = (container_id("prod"), Actor::new("me", "key"));
        let (mut placements, mut made): (Vec<String>, Vec<String>) = Default::default();
        for (n, op) in ops.iter().enumerate() {
            let create = |kind: Kind, instance| {
                repo.create("prod", &c, &kind.schema_id(), instance, &me)
                    .expect("valid")
            };
            let pick = |list: &[String], i: usize| list.get(i % list.len().max(1)).cloned();
            match op {
                Op::Placement => {
                    let placement = create(
                        Kind::Placement,
                        json!({"xdm:name": format!("p{n}"),
                            "xdm:channel": "https://ns.adobe.com/xdm/channel-types/web",
                            "xdm:componentType": "https://ns.adobe.com/experience/offer-management/content-component-html"}),
                    );
                    placements.push(placement.uri().to_string());
                    made.push(placement.instance_id);
                }
                Op::Fallback(on) => {
                    let live: std::collections::BTreeSet<String> = on
                        .iter()
                        .filter_map(|&i| pick(&placements, i))
                        .filter(|uri| repo.get_by_uri("prod", &c, uri).is_ok())
                        .collect();
                    let representations: Vec<_> = live
                        .iter()
                        .map(|uri| json!({"xdm:placement": uri, "xdm:components": []}))
                        .collect();
                    let fallback = create(
                        Kind::FallbackOffer,
                        json!({"xdm:name": format!("f{n}"), "xdm:status": "approved",
                            "xdm:representations": representations}),
                    );
                    made.push(fallback.instance_id);
                }
                Op::Rename(i) => {
                    if let Some(id) = pick(&made, *i) {
                        let ops: Vec<json_patch::PatchOperation> =
                            serde_json::from_value(json!([{"op": "replace",
                            "path": "/_instance/xdm:name", "value": format!("r{n}")}]))
                            .expect("patch");
                        let _ = repo.patch("prod", &c, &id, &ops, None, &me);
                    }
                }
                Op::Delete(i) => {
                    if let Some(id) = pick(&made, *i) {
                        let _ = repo.delete_unreferenced("prod", &c, &id, None, &me);
                    }
                }
                Op::Reset => repo.reset("prod").expect("reset"),
            }
        }
        repo
    }

    /// Every page of `query` walked from the start, served from the index and by a scan of
    /// every instance: the same pages.
    /// `indexed`: whether the first page is expected to come from the index.
    fn same_walk(
        space: &Sandbox,
        kind: Kind,
        mut query: ListQuery,
        also: &[PropertyFilter],
        indexed: bool,
    ) {
        assert_eq!(
            space.of_kind(kind).walk(&query, also).is_some(),
            indexed,
            "{query:?} {also:?}"
        );
        let id = |envelope: &Envelope, _| envelope.instance_id.clone();
        for _ in 0..200 {
            let scanned = query
                .run_counting(
                    space.instances().values().filter(|e| e.kind == kind),
                    also,
                    id,
                )
                .expect("runs");
            let indexed = query
                .run_listing(&space.of_kind(kind), also, id)
                .expect("runs");
            assert_eq!(indexed.0, scanned.0, "admitted, {query:?}");
            let (a, b) = (indexed.1, scanned.1);
            assert_eq!(
                (&a.items, a.total, &a.next_start, &a.order_by, a.limit),
                (&b.items, b.total, &b.next_start, &b.order_by, b.limit),
                "{query:?} {also:?}"
            );
            match b.next_start {
                Some(next) => query.start = Some(next),
                None => return,
            }
        }
    }

    /// `Sandbox::referrers` as it was before the index: every instance scanned.
    fn scanned_referrers(space: &Sandbox, uri: &str) -> Vec<Referrer> {
        space
            .instances()
            .values()
            .flat_map(|envelope| referring(envelope, uri))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn indexed_lists_and_referrers_equal_a_scan(ops in prop::collection::vec(op(), 0..40), limit in 1..4usize) {
            let repo = replay(&ops);
            let inner = repo.lock();
            let Some(space) = inner.state.sandboxes.get("prod") else { return Ok(()) };
            for kind in KINDS {
                let schema = Some(kind.schema_id());
                for start in [None, Some("\\N"), Some(""), Some("123"), Some("m")] {
                    let query = ListQuery {
                        schema: schema.clone(),
                        start: start.map(String::from),
                        limit: Some(limit),
                        ..ListQuery::default()
                    };
                    same_walk(space, kind, query, &[], start != Some("123"));
                }
                // DPS: newest first, from each instance's date on (and from a date none has).
                let newest = ListQuery {
                    schema: schema.clone(),
                    order_by: vec![OrderKey { property: "repo:lastModifiedDate".into(), descending: true }],
                    limit: Some(limit),
                    ..ListQuery::default()
                };
                same_walk(space, kind, newest.clone(), &[], true);
                let dates = space.instances().values().map(|e| e.last_modified_date.clone());
                for date in dates.chain(["2000-01-01T00:00:00.000Z".into(), "2999-01-01T00:00:00+00:00".into()]) {
                    let cursor = PropertyFilter::parse(&format!("repo:lastModifiedDate<={date}")).expect("parses");
                    same_walk(space, kind, newest.clone(), &[cursor], !date.contains('+'));
                }
                // Any other list scans, as before.
                let filtered = ListQuery {
                    filters: vec![PropertyFilter::parse("xdm:name~p.*").expect("parses")],
                    ..newest.clone()
                };
                same_walk(space, kind, filtered, &[], false);
                // A shard of ids (as clients shard lists) reads its shard's instances only.
                for shard in crate::providers::adobe::clients::shards::partition(4) {
                    let (pattern, negated) = shard.pattern();
                    let spelled = format!("{}_instance.@id~{pattern}", if negated { "!" } else { "" });
                    let sharded = ListQuery {
                        filters: vec![PropertyFilter::parse(&spelled).expect("parses")],
                        ..newest.clone()
                    };
                    same_walk(space, kind, sharded.clone(), &[], true);
                    for date in space.instances().values().map(|e| e.last_modified_date.clone()) {
                        let cursor = PropertyFilter::parse(&format!("repo:lastModifiedDate<={date}")).expect("parses");
                        same_walk(space, kind, sharded.clone(), &[cursor], true);
                    }
                    let by_id = ListQuery { order_by: Vec::new(), ..sharded };
                    same_walk(space, kind, by_id, &[], true);
                }
            }
            let targets = space.instances().values().map(|e| e.uri().to_string());
            for uri in targets.chain(["dps:offer-placement:0000000000000000".to_string()]) {
                prop_assert_eq!(space.referrers(&uri), scanned_referrers(space, &uri));
            }
        }
    }
}
