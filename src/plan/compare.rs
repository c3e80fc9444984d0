//! Comparing each manifest object with its live object, all objects at once on several
//! threads: building the desired documents and diffing them is most of a large plan's work,
//! and each object's is independent of the others'.

use serde_json::Value;

use super::{keep_ignored, managed, without_nulls};
use crate::backend::LiveObject;
use crate::diff::{self, Op};
use crate::kind::Kind;
use crate::manifest::Object;
use crate::provider::Providers;

/// What comparing one manifest object with its live object found.
pub(super) enum Compared<'l> {
    /// No live object: the create body.
    Create(Value),
    /// The managed live properties, the desired document and the operations between them.
    Update {
        live: &'l LiveObject,
        before: Value,
        after: Value,
        ops: Vec<Op>,
    },
    /// Nothing to change; what the object refers to, when pruning (see `plan_deletes`).
    UpToDate {
        live: &'l LiveObject,
        references: Vec<String>,
    },
}

pub(super) fn compare<'l>(
    providers: &Providers,
    object: &Object,
    live: Option<&'l LiveObject>,
    resolve: &(dyn Fn(Kind, &str) -> String + Sync),
    prune: bool,
) -> Compared<'l> {
    let kind = object.kind();
    let mut desired = object.manifest.desired(resolve);
    let Some(live) = live else {
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
        return up_to_date(providers, kind, live, &desired, prune);
    }
    // Parsed here, on the comparing thread, and dropped when this object is compared.
    let instance = live.instance.value();
    keep_ignored(providers, object, &instance, &mut desired);
    providers
        .of(kind)
        .match_spelling(kind, &instance, &mut desired);
    let ops = diff::diff(&rules, &instance, &desired);
    if ops.is_empty() {
        return up_to_date(providers, kind, live, &desired, prune);
    }
    Compared::Update {
        live,
        before: managed(&rules, &instance, Some(&desired)),
        after: desired,
        ops,
    }
}

fn up_to_date<'l>(
    providers: &Providers,
    kind: Kind,
    live: &'l LiveObject,
    desired: &Value,
    prune: bool,
) -> Compared<'l> {
    let references = if prune {
        providers.references(kind, desired)
    } else {
        Vec::new()
    };
    Compared::UpToDate { live, references }
}
