//! Checks that need more than one document, for every provider: references (unknown, of the
//! wrong kind, ambiguous), `dependsOn` entries, and ids pinned twice. Then each provider's own.

use std::collections::HashMap;

use super::{Catalog, Language, Target};
use crate::diagnostic::{Diagnostic, a, suggest};
use crate::kind::Kind;

pub(super) fn check(catalog: &Catalog, language: &dyn Language, diagnostics: &mut Vec<Diagnostic>) {
    check_references(catalog, language, diagnostics);
    check_pinned_ids(catalog, diagnostics);
    language.validate(catalog, diagnostics);
}

fn check_references(catalog: &Catalog, language: &dyn Language, diagnostics: &mut Vec<Diagnostic>) {
    for object in catalog.objects() {
        for site in object.manifest.references() {
            let reference = &site.reference.value;
            let loc = site.reference.loc;
            let expected = site.expected;
            match catalog.resolve(expected, reference) {
                Some(Target::Literal(id)) => {
                    if let Some(actual) = language.kind_of_id(id).filter(|k| *k != expected) {
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
                                format!(
                                    "expected `{}...`",
                                    expected.info().id_hint.unwrap_or_default()
                                ),
                            ),
                        );
                    }
                }
                Some(Target::Object(_)) => {}
                None => diagnostics.push(unresolved(
                    catalog, language, site.field, expected, reference, loc,
                )),
            }
        }
        for entry in &object.manifest.meta().depends_on {
            if catalog.resolve_dependency(entry).is_none() {
                let (kind, name) = entry.split_once('/').unwrap_or_default();
                let Ok(kind) = kind.parse::<Kind>() else {
                    continue; // not `Kind/name`: reported when decoding
                };
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
    language: &dyn Language,
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
    let elsewhere: Vec<Kind> = language
        .kinds()
        .into_iter()
        .filter(|kind| kind.provider() == expected.provider())
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
        if let Some(help) = language.wrong_kind_help(field, expected, *actual) {
            diagnostic = diagnostic.with_help(help);
        }
        return diagnostic;
    }
    let mut diagnostic = Diagnostic::error(
        "unknown-reference",
        format!("`{field}` names `{reference}`, but there is no {expected} with that name"),
    )
    .with_label(loc, format!("unknown {}", expected.description()));
    diagnostic = match (suggest(reference, catalog.names(expected)), expected.info().id_hint) {
        (Some(best), _) => diagnostic.with_help(format!("did you mean `{best}`?")),
        (None, Some(hint)) => diagnostic.with_help(format!(
            "declare a {expected} named `{reference}`, or write the `{hint}...` id of one that exists only in the repository"
        )),
        (None, None) => diagnostic.with_help(format!("declare a {expected} named `{reference}`")),
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
