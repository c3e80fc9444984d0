//! Objects whose kind changes: a manifest object of one kind whose name a live object of
//! another kind holds, where the provider keeps both kinds' names in one namespace
//! ([`crate::provider::Provider::replaces`]). The plan deletes the old object and creates the
//! new one after it: an object's kind never changes in place.

use std::collections::{HashMap, HashSet};

use crate::backend::LiveObject;
use crate::manifest::Object;
use crate::provider::Providers;

/// For each object not matched already (and not pinned by id), the unclaimed live object of
/// another kind it replaces, if any.
pub(super) fn replacements<'l>(
    providers: &Providers,
    objects: &[Object],
    live: &'l [LiveObject],
    matched: &[Option<&'l LiveObject>],
) -> Vec<Option<&'l LiveObject>> {
    let unmatched = |(object, found): (&Object, &Option<&LiveObject>)| {
        found.is_none() && object.manifest.meta().id.is_none()
    };
    if !objects.iter().zip(matched).any(unmatched) {
        return vec![None; objects.len()]; // the common case: nothing new
    }
    let claimed: foldhash::HashSet<&str> =
        matched.iter().flatten().map(|o| o.id.as_str()).collect();
    let mut by_name: HashMap<&str, Vec<&'l LiveObject>> = HashMap::new();
    for object in live.iter().filter(|o| !claimed.contains(o.id.as_str())) {
        by_name.entry(object.name()).or_default().push(object);
    }
    let mut taken = HashSet::new();
    objects
        .iter()
        .zip(matched)
        .map(|(object, found)| {
            if !unmatched((object, found)) {
                return None;
            }
            let kind = object.kind();
            let old = by_name.get(object.name())?.iter().copied().find(|o| {
                o.kind != kind
                    && o.kind.provider() == kind.provider()
                    && !taken.contains(o.id.as_str())
                    && providers.of(kind).replaces(kind, o.kind)
            })?;
            taken.insert(old.id.as_str());
            Some(old)
        })
        .collect()
}
