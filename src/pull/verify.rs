//! The check after a rewrite: the rewritten files read as `plan` would read them, and, when
//! they do not hold, which objects' rewrites are to blame.

use std::collections::HashSet;

use super::{Candidate, FileChange, edit};
use crate::check::{Checked, recheck};
use crate::graph::DependencyGraph;
use crate::live::LiveState;
use crate::manifest::{self, Catalog, Object, ObjectKey};
use crate::plan::{self, Action, Plan, PlanOptions};
use crate::provider::Providers;
use crate::source::{FileId, Loc, SourceFile, SourceSet};

/// Why the rewritten files do not hold.
pub(super) enum Failure {
    /// These candidates (by index, ascending) do not.
    Objects(Vec<(usize, String)>),
    /// Something no single rewrite is to blame for.
    Files(String),
}

/// Which candidate (of `in_file`, indexes into `candidates`) the place `at` of the rewritten
/// text belongs to, and where that is in the original text: inside one of its edits, or inside
/// its document. `None` when the rewritten text is not exactly the original with these
/// candidates' edits (removals or additions changed the file too), or no document holds `at`.
fn culprit(
    original: &str,
    rewritten: &str,
    candidates: &[Candidate],
    in_file: &[usize],
    at: usize,
) -> Option<(usize, usize)> {
    let mut edits: Vec<(usize, &edit::Edit)> = in_file
        .iter()
        .flat_map(|&i| candidates[i].edits.iter().map(move |e| (i, e)))
        .collect();
    edits.sort_by_key(|(_, e)| (e.range.start, e.range.end));
    let all: Vec<edit::Edit> = edits.iter().map(|(_, e)| (*e).clone()).collect();
    if edit::apply(original, &all).ok().as_deref() != Some(rewritten) {
        return None;
    }
    let mut shift: isize = 0;
    for (owner, edit) in &edits {
        let start = edit.range.start.checked_add_signed(shift)?;
        if at < start {
            break;
        }
        if at < start + edit.text.len() {
            return Some((*owner, edit.range.start));
        }
        shift += edit.text.len() as isize - edit.range.len() as isize;
    }
    let at = at.checked_add_signed(-shift)?;
    in_file
        .iter()
        .find(|&&i| candidates[i].span.contains(&at))
        .map(|&i| (i, at))
}

/// Reads the rewritten files as `plan` would: they must validate, every pulled object must plan
/// to nothing, and so must every added one. Without an overlay, only what the rewrite touched
/// is read again: the rewritten files are parsed (the others' objects are `catalog`'s, as plan
/// read them), checked across documents with what they touch (`check::recheck`, from `graph`),
/// and the objects of the rewritten files
/// planned with what they depend on against the live state already read.
#[allow(clippy::too_many_arguments)] // the inputs of one plan, each needed
pub(super) fn verify(
    sources: &SourceSet,
    (catalog, graph): (&Catalog, &DependencyGraph),
    files: &[FileChange],
    candidates: &[Candidate],
    added: &[&str],
    live: &LiveState,
    plan: &Plan,
    providers: &Providers,
    overlaying: Option<&super::overlay::Overlaying<'_>>,
) -> Result<(), Failure> {
    // Every file keeps its id (a removed one is left empty); new files come after.
    let mut rewritten = SourceSet::new();
    let mut changed: HashSet<FileId> = HashSet::new();
    for (id, file) in sources.iter() {
        let text = match files
            .iter()
            .find(|c| c.before.is_some() && c.path == file.path)
        {
            Some(change) => {
                changed.insert(id);
                change.after.clone().unwrap_or_default()
            }
            None => file.text.to_string(),
        };
        rewritten.add(SourceFile::new(file.path.clone(), text));
    }
    for change in files.iter().filter(|c| c.before.is_none()) {
        if let Some(text) = &change.after {
            changed.insert(rewritten.add(SourceFile::new(change.path.clone(), text.clone())));
        }
    }
    let (checked, rewritten_objects) = match overlaying {
        Some(overlaying) => ((overlaying.check)(&rewritten), None),
        None => {
            let rechecked = recheck(catalog, graph, sources, &rewritten, &changed, providers);
            (rechecked.checked, rechecked.rewritten)
        }
    };
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    if let Some(first) = errors.first() {
        let describe = |d: &crate::diagnostic::Diagnostic| match d.labels.first() {
            Some(label) => format!("{}: {}", rewritten.describe(label.loc), d.message),
            None => d.message.clone(),
        };
        let mut blamed: std::collections::BTreeMap<usize, String> = Default::default();
        for error in &errors {
            let Some(label) = error.labels.first() else {
                continue;
            };
            let file = label.loc.file;
            if file.0 >= sources.len() {
                continue;
            }
            let in_file: Vec<usize> = (0..candidates.len())
                .filter(|&i| candidates[i].file == file)
                .collect();
            let rewritten_text = &rewritten.get(label.loc.file).text;
            match culprit(
                &sources.get(file).text,
                rewritten_text,
                candidates,
                &in_file,
                label.loc.start,
            ) {
                // Said where the problem would be in the file as it is on disk.
                Some((i, at)) => {
                    let loc = Loc {
                        file,
                        start: at,
                        end: at,
                    };
                    blamed.entry(i).or_insert_with(|| {
                        format!(
                            "rewriting it would not validate: {}: {}",
                            sources.describe(loc),
                            error.message
                        )
                    });
                }
                None => {
                    for i in in_file {
                        blamed.entry(i).or_insert_with(|| {
                            format!("the rewritten file does not validate: {}", describe(error))
                        });
                    }
                }
            }
        }
        let blamed: Vec<(usize, String)> = blamed.into_iter().collect();
        return Err(if blamed.is_empty() {
            Failure::Files(format!(
                "the rewritten files do not validate: {}",
                describe(first)
            ))
        } else {
            Failure::Objects(blamed)
        });
    }
    let affected;
    let (planned, graph) = match overlaying {
        Some(_) => (checked.catalog.as_ref(), checked.graph.as_ref()),
        None => {
            let pulled: HashSet<&ObjectKey> = candidates.iter().map(|c| &c.key).collect();
            affected = affected_by(
                &checked,
                rewritten_objects.as_deref(),
                &changed,
                &pulled,
                providers,
            );
            (&affected.0, &affected.1)
        }
    };
    let replanned = plan::build(
        planned,
        graph,
        live,
        providers,
        &plan.repository,
        "",
        PlanOptions::default(),
    )
    .map_err(|diagnostics| {
        let first = diagnostics
            .first()
            .map(|d| d.message.clone())
            .unwrap_or_default();
        Failure::Files(format!("the rewritten files cannot be planned: {first}"))
    })?;
    let residual = |key: &ObjectKey| -> Option<String> {
        let change = replanned.changes.iter().find(|c| c.key() == *key)?;
        (change.action != Action::NoOp).then(|| {
            let provider = providers.of(change.kind);
            let mut fields: Vec<String> = change
                .ops
                .iter()
                .map(|op| provider.field_label(change.kind, op.path()))
                .collect();
            fields.dedup();
            if fields.is_empty() {
                format!("{:?}", change.action).to_lowercase()
            } else {
                fields.join(", ")
            }
        })
    };
    let failures: Vec<(usize, String)> = candidates
        .iter()
        .enumerate()
        .filter_map(|(i, candidate)| {
            residual(&candidate.key).map(|fields| {
                (
                    i,
                    format!("the manifest cannot be made to say what the repository holds in place (it would still differ in {fields})"),
                )
            })
        })
        .collect();
    if !failures.is_empty() {
        return Err(Failure::Objects(failures));
    }
    for address in added {
        let still = replanned
            .changes
            .iter()
            .find(|c| c.address == *address)
            .filter(|c| c.action != Action::NoOp)
            .map(|c| format!("{:?}", c.action).to_lowercase())
            .or_else(|| {
                replanned
                    .unmanaged
                    .iter()
                    .any(|u| u.address == *address)
                    .then(|| "still unmanaged".to_string())
            });
        if let Some(what) = still {
            return Err(Failure::Files(format!(
                "the added documents do not match the repository ({address}: {what})"
            )));
        }
    }
    // Every object of the rewritten set, decoded and checked: freeing it is not worth waiting for.
    crate::parallel::discard((checked, replanned));
    Ok(())
}

/// The objects pulled and those the `changed` files rewrote (`rewritten`, by index; `None`:
/// all of those files' objects), and every pinned object (they claim their live objects before
/// names are matched), with all they depend on: what planning those objects reads. Each object
/// is compared with its own live object, its references resolved through the objects they
/// name; so each plans here as it would in a plan of the whole set. (An object whose document
/// was not rewritten plans as it did in the plan pulled from, which did not fail.)
fn affected_by(
    checked: &Checked,
    rewritten: Option<&[usize]>,
    changed: &HashSet<FileId>,
    pulled: &HashSet<&ObjectKey>,
    providers: &Providers,
) -> (Catalog, DependencyGraph) {
    let catalog = &checked.catalog;
    let objects = catalog.objects();
    let mut starts: Vec<usize> = match rewritten {
        Some(rewritten) => rewritten.to_vec(),
        None => (0..objects.len())
            .filter(|&i| changed.contains(&objects[i].loc.file))
            .collect(),
    };
    starts.extend((0..objects.len()).filter(|&i| objects[i].manifest.meta().id.is_some()));
    starts.extend(
        pulled
            .iter()
            .filter_map(|key| catalog.get(key.kind, &key.name)),
    );
    let kept: Vec<Object> = checked
        .graph
        .with_dependencies(starts)
        .into_iter()
        .map(|i| objects[i].clone())
        .collect();
    // Closed under references, so these objects check as they did in the whole set.
    let catalog = manifest::assemble(kept, Vec::new(), false, providers).catalog;
    let graph = DependencyGraph::build(&catalog);
    (catalog, graph)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core_tests::toy::SHELF;
    use crate::pull::Attempt;

    fn candidate(name: &str, span: std::ops::Range<usize>, edits: Vec<edit::Edit>) -> Candidate {
        Candidate {
            key: ObjectKey {
                kind: SHELF,
                name: name.into(),
            },
            live_id: name.into(),
            file: FileId(0),
            span,
            edits,
            fields: Vec::new(),
            drift: None,
            attempt: Attempt::Lean,
        }
    }

    #[test]
    fn a_problem_in_the_rewritten_text_is_blamed_on_the_document_that_holds_it() {
        let original = "kind: Shelf\nname: a\nlabel: x\n---\nkind: Shelf\nname: b\nlabel: y\n";
        let second = original.find("---").unwrap();
        let at = |text: &str, what: &str| text.find(what).unwrap();
        let candidates = vec![
            candidate(
                "a",
                0..second,
                vec![edit::Edit {
                    range: at(original, "x\n")..at(original, "x\n") + 1,
                    text: "longer".into(),
                }],
            ),
            candidate(
                "b",
                second + 4..original.len(),
                vec![edit::Edit {
                    range: at(original, "y\n")..at(original, "y\n") + 1,
                    text: "z".into(),
                }],
            ),
        ];
        let rewritten =
            "kind: Shelf\nname: a\nlabel: longer\n---\nkind: Shelf\nname: b\nlabel: z\n";
        let both = [0, 1];
        // Inside an edit: that object, at the edit's place in the original.
        assert_eq!(
            culprit(
                original,
                rewritten,
                &candidates,
                &both,
                at(rewritten, "onger")
            ),
            Some((0, at(original, "x\n")))
        );
        // Outside any edit: the object whose document holds the place, mapped back.
        assert_eq!(
            culprit(
                original,
                rewritten,
                &candidates,
                &both,
                at(rewritten, "name: b")
            ),
            Some((1, at(original, "name: b")))
        );
        // A file changed by more than these edits: no guess.
        let changed = rewritten.replace("kind: Shelf\nname: b", "kind: Shelf\nname: c");
        assert_eq!(culprit(original, &changed, &candidates, &both, 0), None);
    }
}
