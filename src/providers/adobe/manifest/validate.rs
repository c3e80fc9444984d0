//! Adobe's checks across documents: each activity's fallback offer must be shown in every
//! placement of the activity.

use super::model::Manifest;
use crate::diagnostic::Diagnostic;
use crate::manifest::{Catalog, Target};
use crate::providers::adobe::kind::Kind;

/// Seed 002: "Before activity instances can be created a fallback offer must exist that
/// qualifies for the placement of the activity." With criteria, that is every placement.
pub fn check_fallbacks_qualify(catalog: &Catalog, diagnostics: &mut Vec<Diagnostic>) {
    let objects = catalog.objects();
    for object in objects {
        let Some(Manifest::Activity(activity)) = object.document::<Manifest>() else {
            continue;
        };
        let Some(Target::Object(fallback_index)) =
            catalog.resolve(Kind::FallbackOffer.core(), &activity.fallback)
        else {
            continue; // unresolved (reported above) or repository-only: cannot check offline
        };
        let fallback = &objects[fallback_index];
        if fallback
            .manifest
            .meta()
            .extra
            .contains_key("xdm:representations")
        {
            continue; // representations kept verbatim in `extra`: not checked offline
        }
        let placements = activity.criteria.iter().flat_map(|c| &c.placements);
        for placement_ref in placements {
            let Some(placement) = catalog.resolve(Kind::Placement.core(), placement_ref) else {
                continue;
            };
            let same_placement = |reference: &str| match (
                catalog.resolve(Kind::Placement.core(), reference),
                placement,
            ) {
                (Some(a), b) if a == b => true,
                // A repository id on one side and a pinned manifest object on the other.
                (Some(Target::Literal(id)), Target::Object(i))
                | (Some(Target::Object(i)), Target::Literal(id)) => objects[i]
                    .manifest
                    .meta()
                    .id
                    .as_ref()
                    .is_some_and(|pinned| pinned.value == id),
                _ => false,
            };
            let representations = fallback
                .document::<Manifest>()
                .map_or(&[][..], Manifest::representations);
            if representations.iter().any(|r| same_placement(&r.placement)) {
                continue;
            }
            let listed: Vec<String> = representations
                .iter()
                .map(|r| format!("`{}`", r.placement.value))
                .collect();
            let has = if listed.is_empty() {
                "has no representations".to_string()
            } else {
                format!("has representations for {}", listed.join(", "))
            };
            diagnostics.push(
                Diagnostic::error(
                    "fallback-placement",
                    format!(
                        "fallback offer `{}` has no representation for placement `{}`",
                        activity.fallback.value, placement_ref.value
                    ),
                )
                .with_label(activity.fallback.loc, "this fallback cannot be shown...")
                .with_label(placement_ref.loc, "...in this placement")
                .with_label(fallback.manifest.meta().name.loc, has)
                .with_help(format!(
                    "add a representation for `{}` to the fallback offer, or pick a fallback that has one; the repository rejects the activity otherwise",
                    placement_ref.value
                )),
            );
        }
    }
}
