//! Checks that need more than one document: references, pinned ids, and whether each activity's
//! fallback offer can be shown in the activity's placement.

use std::collections::HashMap;

use super::{Catalog, Manifest, Target};
use crate::diagnostic::{Diagnostic, a, suggest};
use crate::kind::Kind;

pub(super) fn check(catalog: &Catalog, diagnostics: &mut Vec<Diagnostic>) {
    check_references(catalog, diagnostics);
    check_pinned_ids(catalog, diagnostics);
    check_fallbacks_qualify(catalog, diagnostics);
}

fn check_references(catalog: &Catalog, diagnostics: &mut Vec<Diagnostic>) {
    for object in catalog.objects() {
        for site in object.manifest.references() {
            let reference = &site.reference.value;
            let loc = site.reference.loc;
            let expected = site.expected;
            match catalog.resolve(expected, reference) {
                Some(Target::Literal(id)) => {
                    if let Some(actual) = Kind::from_id(id).filter(|k| *k != expected) {
                        diagnostics.push(
                            Diagnostic::error(
                                "wrong-kind",
                                format!(
                                    "`{}` must name {}, but `{id}` is the id of {}",
                                    site.field,
                                    a(expected.description()),
                                    a(actual.description())
                                ),
                            )
                            .with_label(
                                loc,
                                format!("expected `xcore:{}:...`", expected.short_name()),
                            ),
                        );
                    }
                }
                Some(Target::Object(_)) => {}
                None => diagnostics.push(unresolved(catalog, site.field, expected, reference, loc)),
            }
        }
        for entry in &object.manifest.meta().depends_on {
            if catalog.resolve_dependency(entry).is_none() {
                let (kind, name) = entry.split_once('/').unwrap_or_default();
                let kind: Kind = kind.parse().unwrap_or(Kind::Tag);
                let mut diagnostic = Diagnostic::error(
                    "unknown-reference",
                    format!(
                        "`dependsOn` names `{}`, which is not in the manifests",
                        entry.value
                    ),
                )
                .with_label(entry.loc, format!("no {kind} with this name"));
                if let Some(best) = suggest(name, catalog.names(kind)) {
                    diagnostic = diagnostic.with_help(format!("did you mean `{kind}/{best}`?"));
                }
                diagnostics.push(diagnostic);
            }
        }
    }
}

fn unresolved(
    catalog: &Catalog,
    field: &str,
    expected: Kind,
    reference: &str,
    loc: crate::source::Loc,
) -> Diagnostic {
    let sharing = catalog.sharing(expected, reference);
    if !sharing.is_empty() {
        let ids: Vec<String> = sharing
            .iter()
            .filter_map(|&i| catalog.objects()[i].manifest.meta().id.as_ref())
            .map(|id| format!("`{}`", id.value))
            .collect();
        return Diagnostic::error(
            "ambiguous-reference",
            format!(
                "`{field}` names `{reference}`, but {} {expected} objects have that name",
                sharing.len()
            ),
        )
        .with_label(loc, "ambiguous")
        .with_help(format!("refer to one by its id: {}", ids.join(" or ")));
    }
    let elsewhere: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|kind| catalog.get(*kind, reference).is_some())
        .collect();
    if let Some(actual) = elsewhere.first() {
        let mut diagnostic = Diagnostic::error(
            "wrong-kind",
            format!(
                "`{field}` must name {}, but `{reference}` is {}",
                a(expected.description()),
                a(actual.description())
            ),
        )
        .with_label(
            loc,
            format!(
                "this is {}, not {}",
                a(actual.as_str()),
                a(expected.as_str())
            ),
        );
        if field == "offers" && *actual == Kind::Tag {
            diagnostic = diagnostic.with_help("to select offers by tag, use `match: anyTags` (or `allTags`) and list the tag under `tags`");
        } else if field == "tags" && *actual == Kind::Offer {
            diagnostic = diagnostic.with_help(
                "to list offers one by one, use `match: offers` and list them under `offers`",
            );
        }
        return diagnostic;
    }
    let mut diagnostic = Diagnostic::error(
        "unknown-reference",
        format!("`{field}` names `{reference}`, but there is no {expected} with that name"),
    )
    .with_label(loc, format!("unknown {}", expected.description()));
    diagnostic = match suggest(reference, catalog.names(expected)) {
        Some(best) => diagnostic.with_help(format!("did you mean `{best}`?")),
        None => diagnostic.with_help(format!(
            "declare a {expected} named `{reference}`, or write the `xcore:{}:...` id of one that exists only in the repository",
            expected.short_name()
        )),
    };
    diagnostic
}

fn check_pinned_ids(catalog: &Catalog, diagnostics: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, crate::source::Loc> = HashMap::new();
    for object in catalog.objects() {
        let Some(id) = &object.manifest.meta().id else {
            continue;
        };
        if let Some(first) = seen.insert(&id.value, id.loc) {
            diagnostics.push(
                Diagnostic::error(
                    "duplicate-id",
                    format!("two objects are pinned to `{}`", id.value),
                )
                .with_label(id.loc, "pinned again here")
                .with_label(first, "first pinned here")
                .with_help("one repository object can be managed by one manifest only"),
            );
        }
    }
}

/// Seed 002: "Before activity instances can be created a fallback offer must exist that
/// qualifies for the placement of the activity." With criteria, that is every placement.
fn check_fallbacks_qualify(catalog: &Catalog, diagnostics: &mut Vec<Diagnostic>) {
    let objects = catalog.objects();
    for object in objects {
        let Manifest::Activity(activity) = &object.manifest else {
            continue;
        };
        let Some(Target::Object(fallback_index)) =
            catalog.resolve(Kind::FallbackOffer, &activity.fallback)
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
            let Some(placement) = catalog.resolve(Kind::Placement, placement_ref) else {
                continue;
            };
            let same_placement =
                |reference: &str| match (catalog.resolve(Kind::Placement, reference), placement) {
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
            let representations = fallback.manifest.representations();
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
