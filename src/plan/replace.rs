//! Objects whose kind changes: a manifest object of one kind whose name a live object of
//! another kind holds, where the provider keeps both kinds' names in one namespace
//! ([`crate::provider::Provider::replaces`]). The plan deletes the old object and creates the
//! new one after it: an object's kind never changes in place.

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
    let claimed: std::collections::HashSet<&str> =
        matched.iter().flatten().map(|o| o.id.as_str()).collect();
    let mut taken = std::collections::HashSet::new();
    objects
        .iter()
        .zip(matched)
        .map(|(object, found)| {
            if found.is_some() || object.manifest.meta().id.is_some() {
                return None;
            }
            let kind = object.kind();
            let provider = providers.of(kind);
            let old = live.iter().find(|o| {
                o.kind != kind
                    && o.kind.provider() == kind.provider()
                    && o.name() == object.name()
                    && !claimed.contains(o.id.as_str())
                    && !taken.contains(o.id.as_str())
                    && provider.replaces(kind, o.kind)
            })?;
            taken.insert(old.id.as_str());
            Some(old)
        })
        .collect()
}
