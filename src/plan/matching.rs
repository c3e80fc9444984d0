//! Matching manifest objects to live ones: pinned ids first, then names; and literal id
//! references checked against the repository before anything is written.

use crate::backend::LiveObject;
use crate::diagnostic::Diagnostic;
use crate::kind::Kind;
use crate::live::LiveState;
use crate::manifest::Object;

/// Matches each manifest object to its live object: pinned ids first, then names.
pub(super) fn match_live<'l>(
    objects: &[Object],
    live: &'l LiveState,
    by_id: &crate::live::ById<'l>,
) -> Result<Vec<Option<&'l LiveObject>>, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut matched: Vec<Option<&LiveObject>> = vec![None; objects.len()];
    let mut claimed: foldhash::HashSet<&str> = foldhash::HashSet::default();
    for (i, object) in objects.iter().enumerate() {
        let Some(pin) = &object.manifest.meta().id else {
            continue;
        };
        match by_id.get(pin.value.as_str()) {
            Some(live) if live.kind == object.kind() => {
                matched[i] = Some(live);
                claimed.insert(&live.id);
            }
            _ => diagnostics.push(
                Diagnostic::error(
                    "pinned-id-not-found",
                    format!(
                        "{} is pinned to `{}`, which does not exist in the repository",
                        object.key(),
                        pin.value
                    ),
                )
                .with_label(pin.loc, "no such object")
                .with_help("remove `id:` to create the object anew, or correct the id"),
            ),
        }
    }
    // By name: the first live object of each, and how many share it (most names are unique,
    // and counting them allocates nothing per name).
    let mut by_name: foldhash::HashMap<(Kind, &str), (&LiveObject, usize)> =
        foldhash::HashMap::with_capacity_and_hasher(live.objects.len(), Default::default());
    for object in &live.objects {
        if !claimed.contains(object.id.as_str()) {
            by_name
                .entry((object.kind, object.name()))
                .and_modify(|(_, count)| *count += 1)
                .or_insert((object, 1));
        }
    }
    for (i, object) in objects.iter().enumerate() {
        if object.manifest.meta().id.is_some() {
            continue;
        }
        match by_name.get(&(object.kind(), object.name())) {
            None => {}
            Some((one, 1)) => matched[i] = Some(one),
            Some(_) => {
                let several: Vec<&LiveObject> = live
                    .objects
                    .iter()
                    .filter(|o| {
                        o.kind == object.kind()
                            && o.name() == object.name()
                            && !claimed.contains(o.id.as_str())
                    })
                    .collect();
                let ids: Vec<&str> = several.iter().map(|o| o.id.as_str()).collect();
                diagnostics.push(
                    Diagnostic::error(
                        "ambiguous-name",
                        format!(
                            "{} matches {} live objects with that name: {}",
                            object.key(),
                            several.len(),
                            ids.join(", ")
                        ),
                    )
                    .with_label(object.manifest.meta().name.loc, "ambiguous")
                    .with_help(format!(
                        "pin the one to manage with `id: {}`, and rename or delete the others",
                        ids[0]
                    )),
                );
            }
        }
    }
    if diagnostics.is_empty() {
        Ok(matched)
    } else {
        Err(diagnostics)
    }
}

/// A literal id reference must name an existing object of the right kind: otherwise the
/// repository would reject the write halfway through an apply.
pub(super) fn check_literal_references(
    objects: &[Object],
    by_id: &crate::live::ById<'_>,
) -> Result<(), Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    for object in objects {
        for site in object.manifest.references() {
            let reference = &site.reference.value;
            if !site.expected.is_literal_id(reference) {
                continue;
            }
            match by_id.get(reference.as_str()) {
                Some(live) if live.kind == site.expected => {}
                Some(live) => diagnostics.push(
                    Diagnostic::error(
                        "wrong-kind",
                        format!("`{}` names {reference}, which is a {} in the repository", site.field, live.kind),
                    )
                    .with_label(site.reference.loc, format!("expected a {}", site.expected)),
                ),
                None => diagnostics.push(
                    Diagnostic::error(
                        "unknown-reference",
                        format!("`{}` names {reference}, which does not exist in the repository", site.field),
                    )
                    .with_label(site.reference.loc, "no such object")
                    .with_help("the repository would reject this write; correct the id or manage the object here"),
                ),
            }
        }
    }
    if diagnostics.is_empty() {
        Ok(())
    } else {
        Err(diagnostics)
    }
}
