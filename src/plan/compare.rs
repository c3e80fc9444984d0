//! Comparing each manifest object with its live object, all objects at once on several
//! threads: building the desired documents and diffing them is most of a large plan's work,
//! and each object's is independent of the others'. It needs the catalogue and the live
//! state, not the dependency graph nor the checks across documents, so a run may make it
//! beside those checks ([`Comparison`]).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{PENDING, keep_ignored, managed, matching, replace, without_nulls};
use crate::backend::LiveObject;
use crate::diagnostic::Diagnostic;
use crate::diff::{self, Op};
use crate::kind::Kind;
use crate::live::LiveState;
use crate::manifest::{Catalog, Object};
use crate::provider::Providers;

/// What comparing one manifest object with its live object found (live objects by their
/// position in the live state).
pub(super) enum Compared {
    /// No live object: the create body.
    Create(Value),
    /// The managed live properties, the desired document and the operations between them.
    Update {
        live: usize,
        before: Value,
        after: Value,
        ops: Vec<Op>,
    },
    /// Nothing to change; what the object refers to, when pruning (see `plan_deletes`).
    UpToDate {
        live: usize,
        references: Vec<String>,
    },
}

/// The part of a plan that reads only the catalogue and the live state: each manifest object
/// matched to its live object (by pinned id, then name) and compared with it, the objects
/// whose kind changes, and the live objects' names. Made before the manifests are known to
/// be valid (beside the checks across documents, on the core they leave idle), it is used
/// only once they are, with the catalogue and live state it was made from
/// ([`super::build_with`]).
pub struct Comparison {
    /// How many manifest and live objects it was made from, and whether for pruning: one that
    /// does not fit the plan's is made again. (Its caller hands it the catalogue and live
    /// state it was made of; this catches a mix-up of sizes, not every mix-up.)
    made_from: (usize, usize, bool),
    /// What was found, or why the two cannot be matched.
    pub(super) found: Result<Found, Vec<Diagnostic>>,
}

pub(super) struct Found {
    pub(super) matched: Vec<Option<usize>>,
    pub(super) replaced: Vec<Option<usize>>,
    pub(super) compared: Vec<Option<Compared>>,
    pub(super) names: BTreeMap<String, String>,
}

impl Comparison {
    pub(super) fn fits(&self, catalog: &Catalog, live: &LiveState, prune: bool) -> bool {
        self.made_from == (catalog.objects().len(), live.objects.len(), prune)
    }

    /// Why the manifests and the live state cannot be matched (nothing when they can).
    pub fn problems(&self) -> &[Diagnostic] {
        self.found.as_ref().err().map_or(&[], Vec::as_slice)
    }
}

/// Matches and compares every object of `catalog` with `live` ([`Comparison`]). It finds
/// located diagnostics when they cannot be matched unambiguously (a pinned id that does not
/// exist, two live objects with one name, a literal id that names nothing) or a document
/// would be sent nested too deep.
pub fn comparison(
    catalog: &Catalog,
    live: &LiveState,
    providers: &Providers,
    prune: bool,
) -> Comparison {
    Comparison {
        made_from: (catalog.objects().len(), live.objects.len(), prune),
        found: found(catalog, live, providers, prune),
    }
}

fn found(
    catalog: &Catalog,
    live: &LiveState,
    providers: &Providers,
    prune: bool,
) -> Result<Found, Vec<Diagnostic>> {
    // The live objects' names need neither the matching nor the comparisons: made on a thread
    // of their own, on the core the matching leaves idle (~4 ms of a 10,000-object plan).
    std::thread::scope(|scope| {
        let side = scope.spawn(|| live_names(live));
        let names = || {
            side.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        };
        let objects = catalog.objects();
        let by_id = live.by_id();
        let matched = matching::match_live(objects, live, &by_id)?;
        matching::check_literal_references(objects, &by_id)?;
        // Objects whose kind changes: the old object is deleted before the new one is created.
        let replaced = replace::replacements(providers, objects, &live.objects, &matched);
        let resolve = |kind: Kind, reference: &str| -> String {
            if kind.is_literal_id(reference) {
                return reference.to_string();
            }
            match catalog.get(kind, reference).and_then(|i| matched[i]) {
                Some(live) => live.id.clone(),
                None => format!("{PENDING}{kind}/{reference}"),
            }
        };
        let compared: Vec<Option<Compared>> = crate::parallel::map(objects.len(), 1000, |i| {
            Some(compare(
                providers,
                &objects[i],
                matched[i].map(|o| (live.position(o), o)),
                &resolve,
                prune,
            ))
        });
        super::too_deep(objects, &compared)?;
        let positions = |found: &[Option<&LiveObject>]| -> Vec<Option<usize>> {
            found.iter().map(|o| o.map(|o| live.position(o))).collect()
        };
        Ok(Found {
            matched: positions(&matched),
            replaced: positions(&replaced),
            compared,
            names: names(),
        })
    })
}

/// Each live object's address by id, for references shown by name.
fn live_names(live: &LiveState) -> BTreeMap<String, String> {
    live.objects
        .iter()
        .map(|o| (o.id.clone(), format!("{}/{}", o.kind, o.name())))
        .collect()
}

fn compare(
    providers: &Providers,
    object: &Object,
    live: Option<(usize, &LiveObject)>,
    resolve: &(dyn Fn(Kind, &str) -> String + Sync),
    prune: bool,
) -> Compared {
    let kind = object.kind();
    let mut desired = object.manifest.desired(resolve);
    let Some((at, live)) = live else {
        return Compared::Create(without_nulls(desired));
    };
    let rules = providers.diff_rules(kind);
    // Most objects are up to date. When the live text already equals the desired document on
    // every property the diff looks at, the steps below find nothing either (no ignored field
    // to copy, no spelling to match where the two are the same), so the live document is not
    // parsed.
    if object.manifest.meta().ignore_changes.is_empty()
        && live
            .instance
            .text()
            .is_some_and(|text| diff::unchanged_text(&rules, text, &desired))
    {
        return up_to_date(providers, kind, at, &desired, prune);
    }
    // Parsed here, on the comparing thread, and dropped when this object is compared.
    let instance = live.instance.value();
    keep_ignored(providers, object, &instance, &mut desired);
    providers
        .of(kind)
        .match_spelling(kind, &instance, &mut desired);
    let ops = diff::diff(&rules, &instance, &desired);
    if ops.is_empty() {
        return up_to_date(providers, kind, at, &desired, prune);
    }
    Compared::Update {
        live: at,
        before: managed(&rules, &instance, Some(&desired)),
        after: desired,
        ops,
    }
}

fn up_to_date(
    providers: &Providers,
    kind: Kind,
    live: usize,
    desired: &Value,
    prune: bool,
) -> Compared {
    let references = if prune {
        providers.references(kind, desired)
    } else {
        Vec::new()
    };
    Compared::UpToDate { live, references }
}
