//! `offerctl pull`, the pure part: the manifest files rewritten so that the selected objects
//! say what the repository holds, changing only the drifted values (see [`edit`]).
//!
//! For each object the plan would update, the provider maps the live object back to a
//! manifest ([`crate::provider::Provider::export`]); that and the manifest as written are both
//! rendered canonically ([`crate::manifest::Document::entries`]), and only where the two differ
//! is the source text rewritten. What the manifest holds that the repository does not say
//! (`protect`, `dependsOn`, `ignoreChanges`, the fields it ignores, `extra` members it does not
//! list) is kept from the manifest. Then the result is checked as `plan` would read it: the
//! files must validate and every pulled object must plan to nothing. An object that does not
//! is rendered again less conservatively (see [`Attempt`]: first without keys the manifest
//! leaves out and with lists in the manifest's order, last exactly as the repository holds
//! it); when none holds, it is left as it was and reported with the reason.

mod documents;
pub mod edit;
mod layout;
pub mod overlay;
#[cfg(test)]
mod tests;
mod verify;

use std::collections::HashMap;
use std::ops::Range;

use regex::Regex;

use crate::backend::{LiveObject, Modified};

use crate::graph::DependencyGraph;
use crate::kind::Kind;
use crate::live::LiveState;
use crate::manifest::emit::Node;
use crate::manifest::{Catalog, Document, Object, ObjectKey, synthetic};
use crate::plan::{Action, Plan};
use crate::provider::Providers;
use crate::source::{FileId, Loc, SourceSet};
use crate::yaml;
use verify::{Failure, verify};

pub use layout::NewTarget;

/// Which objects to pull, and what else to do.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only these kinds (every kind when empty).
    pub kinds: Vec<Kind>,
    /// Only objects whose name matches.
    pub name: Option<Regex>,
    /// Delete the documents of objects the repository no longer has.
    pub remove_deleted: bool,
}

impl Selection {
    fn selects(&self, kind: Kind, name: &str) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&kind))
            && self.name.as_ref().is_none_or(|re| re.is_match(name))
    }
}

/// One file the pull rewrites, creates or deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: String,
    /// The text before (`None`: a new file).
    pub before: Option<String>,
    /// The text after (`None`: the file is deleted, nothing but comments was left in it).
    pub after: Option<String>,
}

/// An object whose manifest now says what the repository holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Pulled {
    pub address: String,
    pub path: String,
    /// The manifest fields rewritten (`representations[0].components[0].deliveryURL`).
    pub fields: Vec<String>,
    /// Who changed it last, when that was not offerctl (absent: a manifest change not applied
    /// yet, which the pull reverts).
    pub drift: Option<Modified>,
}

/// An object left as it was, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub address: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub files: Vec<FileChange>,
    pub pulled: Vec<Pulled>,
    pub refused: Vec<Refused>,
    /// Objects the manifests describe that the repository does not have, and whether their
    /// documents were removed.
    pub deleted: Vec<(String, bool)>,
    /// Live objects no manifest describes, and whether they were added.
    pub new: Vec<(String, bool)>,
}

/// Where new objects' documents go, when they are wanted.
pub type NewPlacement<'a> = Option<&'a dyn Fn(Kind) -> NewTarget>;

/// Rewrites the manifests (`sources`, read into `catalog` and its `graph`) for the selected
/// changes of `plan`;
/// with `overlaying`, as one environment's (its drift of base objects into its overlay).
#[allow(clippy::too_many_arguments)] // the inputs of a plan, and where to write
pub fn pull(
    sources: &SourceSet,
    catalog: &Catalog,
    graph: &DependencyGraph,
    live: &LiveState,
    plan: &Plan,
    providers: &Providers,
    selection: &Selection,
    new_placement: NewPlacement<'_>,
    overlaying: Option<&overlay::Overlaying<'_>>,
) -> Outcome {
    let by_id = live.by_id();
    let respelled = respelled(plan, &by_id, providers);
    let namer = namer(live);
    let rewriting = Rewriting {
        sources,
        providers,
        namer: &namer,
        overlaying,
    };
    let object_of = |key: &ObjectKey| {
        catalog
            .get(key.kind, &key.name)
            .map(|i| &catalog.objects()[i])
    };
    let updated: Vec<&Object> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Update && selection.selects(c.kind, &c.name))
        .filter_map(|c| object_of(&c.key()))
        .collect();
    let trees = documents::of(sources, &updated);
    let mut outcome = Outcome::default();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut removals: Vec<(FileId, usize)> = Vec::new();

    for change in plan
        .changes
        .iter()
        .filter(|c| selection.selects(c.kind, &c.name))
    {
        let Some(object) = object_of(&change.key()) else {
            continue;
        };
        match change.action {
            Action::Update => {
                let live_object = change
                    .live
                    .as_ref()
                    .and_then(|l| respelled.get(l.id.as_str()));
                let Some(live_object) = live_object else {
                    continue;
                };
                let Some(stream) = trees.get(&object.loc.file) else {
                    outcome.refused.push(Refused {
                        address: change.address.clone(),
                        reason: format!("{} cannot be read again", sources.describe(object.loc)),
                    });
                    continue;
                };
                match Candidate::new(object, live_object, stream, Attempt::Lean, &rewriting) {
                    Ok(candidate) => candidates.push(candidate.with_drift(change.drift.clone())),
                    Err(reason) => outcome.refused.push(Refused {
                        address: change.address.clone(),
                        reason,
                    }),
                }
            }
            Action::Create => {
                if selection.remove_deleted && !object.manifest.meta().protect {
                    removals.push((object.loc.file, object.loc.start));
                    outcome.deleted.push((change.address.clone(), true));
                } else {
                    outcome.deleted.push((change.address.clone(), false));
                }
            }
            Action::Delete | Action::NoOp => {}
        }
    }

    let mut additions: Vec<layout::Addition> = Vec::new();
    for unmanaged in plan
        .unmanaged
        .iter()
        .filter(|u| selection.selects(u.kind, &u.name))
    {
        let added = match (new_placement, by_id.get(unmanaged.id.as_str())) {
            (Some(place), Some(object)) => match new_document(object, live, providers, &namer) {
                Ok(text) => {
                    additions.push(layout::Addition {
                        address: unmanaged.address.clone(),
                        target: place(unmanaged.kind),
                        text,
                    });
                    true
                }
                Err(reason) => {
                    outcome.refused.push(Refused {
                        address: unmanaged.address.clone(),
                        reason,
                    });
                    false
                }
            },
            _ => false,
        };
        outcome.new.push((unmanaged.address.clone(), added));
    }

    // Check, dropping what does not hold, until what is left does.
    loop {
        let files = layout::files(sources, &candidates, &removals, &additions);
        let added: Vec<&str> = additions.iter().map(|a| a.address.as_str()).collect();
        let failures = match verify(
            sources,
            (catalog, graph),
            &files,
            &candidates,
            &added,
            live,
            plan,
            providers,
            overlaying,
        ) {
            Ok(()) => {
                outcome.files = files;
                break;
            }
            Err(Failure::Objects(failures)) => failures,
            Err(Failure::Files(reason)) => {
                // Not one rewrite's fault: give up the additions, then the removals, then all.
                if !additions.is_empty() {
                    for addition in additions.drain(..) {
                        outcome.refused.push(Refused {
                            address: addition.address.clone(),
                            reason: reason.clone(),
                        });
                        set_flag(&mut outcome.new, &addition.address, false);
                    }
                } else if !removals.is_empty() {
                    removals.clear();
                    for (_, removed) in &mut outcome.deleted {
                        *removed = false;
                    }
                } else {
                    outcome
                        .refused
                        .extend(candidates.drain(..).map(|c| Refused {
                            address: c.key.to_string(),
                            reason: reason.clone(),
                        }));
                }
                continue;
            }
        };
        for (index, reason) in failures.into_iter().rev() {
            let candidate = candidates.remove(index);
            // Try the next, less conservative rendering, if it says anything different.
            // Its object, live object and document were found when it was made.
            let found = object_of(&candidate.key).and_then(|object| {
                let live = respelled.get(candidate.live_id.as_str())?;
                Some((object, live, trees.get(&object.loc.file)?))
            });
            let mut replaced = false;
            let mut attempt = found.and(candidate.attempt.next());
            while let Some(this) = attempt
                && let Some((object, live_object, stream)) = found
            {
                let next = Candidate::new(object, live_object, stream, this, &rewriting);
                if let Ok(next) = next
                    && next.edits != candidate.edits
                {
                    candidates.push(next.with_drift(candidate.drift.clone()));
                    replaced = true;
                    break;
                }
                attempt = this.next();
            }
            if replaced {
                continue;
            }
            outcome.refused.push(Refused {
                address: candidate.key.to_string(),
                reason,
            });
        }
    }
    outcome.pulled = candidates
        .iter()
        .map(|c| Pulled {
            address: c.key.to_string(),
            path: sources.get(c.file).path.clone(),
            fields: c.fields.clone(),
            drift: c.drift.clone(),
        })
        .collect();
    outcome
}

/// One object's rewrite, before it is checked.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    key: ObjectKey,
    live_id: String,
    file: FileId,
    /// The object's document in the original text.
    span: Range<usize>,
    edits: Vec<edit::Edit>,
    fields: Vec<String>,
    drift: Option<Modified>,
    attempt: Attempt,
}

/// How a pulled object is rendered, most conservative first; the check after the rewrite
/// moves an object to the next one when its rewrite does not plan empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Attempt {
    /// Lists in the manifest's order when only the order differs, and no key the manifest
    /// leaves out (export writes some defaults out, such as `active: true`).
    Lean,
    /// Lists in the manifest's order; every key the repository's version has.
    Aligned,
    /// Exactly as the repository holds it.
    AsHeld,
}

impl Attempt {
    fn next(self) -> Option<Attempt> {
        match self {
            Attempt::Lean => Some(Attempt::Aligned),
            Attempt::Aligned => Some(Attempt::AsHeld),
            Attempt::AsHeld => None,
        }
    }
}

/// What every object's rewrite reads besides the object, its live version and its file.
#[derive(Clone, Copy)]
struct Rewriting<'a, 'o> {
    sources: &'a SourceSet,
    providers: &'a Providers,
    namer: &'a (dyn Fn(Kind, &str) -> String + Sync),
    overlaying: Option<&'a overlay::Overlaying<'o>>,
}

impl Candidate {
    fn new(
        object: &Object,
        live: &LiveObject,
        stream: &yaml::Stream,
        attempt: Attempt,
        rewriting: &Rewriting<'_, '_>,
    ) -> Result<Candidate, String> {
        let Rewriting {
            sources,
            providers,
            namer,
            overlaying,
        } = *rewriting;
        let provider = providers.of(object.kind());
        let mut pulled = provider.export(live, namer).map_err(|reasons| {
            format!(
                "the repository's version cannot be written as a manifest: {}",
                reasons.join("; ")
            )
        })?;
        let meta = object.manifest.meta();
        {
            let target = pulled.meta_mut();
            target.name = meta.name.clone();
            target.id = meta.id.clone();
            target.protect = meta.protect;
            target.depends_on = meta.depends_on.clone();
            target.ignore_changes = meta.ignore_changes.clone();
        }
        let old = object.manifest.entries();
        let mut new = pulled.entries();
        keep_listed_extra(&old, &mut new);
        for field in &meta.ignore_changes {
            keep_field(&old, &mut new, &field.value);
        }
        if attempt < Attempt::AsHeld {
            align_lists(&old, &mut new);
        }
        if attempt == Attempt::Lean {
            drop_unwritten(&old, &mut new);
        }
        let mut fields = Vec::new();
        changed_fields(
            &Node::Map(old.clone()),
            &Node::Map(new.clone()),
            "",
            &mut fields,
        );
        if let Some(overlaying) = overlaying
            && overlaying.patches(object.loc.file)
        {
            // The base is shared with other environments: the drift becomes this
            // environment's patch.
            let patch = overlay::minimal_patch(&old, &new);
            let (file, edits) = overlay::edits(
                sources,
                overlaying,
                object.loc,
                object.kind().as_str(),
                &meta.name,
                &patch,
            )?;
            return Ok(Candidate {
                key: object.key(),
                live_id: live.id.clone(),
                file,
                // Any problem in the overlay file may be this patch's.
                span: 0..usize::MAX,
                edits,
                fields,
                drift: None,
                attempt,
            });
        }
        let document = stream
            .documents
            .iter()
            .find(|d| d.root.span.start == object.loc.start)
            .ok_or_else(|| {
                format!(
                    "{} cannot be found in its file again",
                    sources.describe(object.loc)
                )
            })?;
        let text = &sources.get(object.loc.file).text;
        let edits = edit::document(text, &document.root, &old, &new)?;
        if let Some(shared) = edits
            .iter()
            .find_map(|edit| document.shared.iter().find(|s| overlaps(s, &edit.range)))
        {
            let loc = Loc {
                file: object.loc.file,
                start: shared.start,
                end: shared.end,
            };
            return Err(format!(
                "the value at {} is shared through a YAML anchor or alias, so rewriting it would change other values too; edit it by hand",
                sources.describe(loc)
            ));
        }
        edit::apply(text, &edits)?;
        Ok(Candidate {
            key: object.key(),
            live_id: live.id.clone(),
            file: object.loc.file,
            span: object.loc.start..object.loc.end,
            edits,
            fields,
            drift: None,
            attempt,
        })
    }

    fn with_drift(mut self, drift: Option<Modified>) -> Self {
        self.drift = drift;
        self
    }
}

/// The live objects of the plan's updates, with each value equal in meaning to what the
/// manifest says spelled as the manifest spells it (an instant the service writes
/// `….000+00:00`, the manifest `…Z`): pulled, only what really changed takes the repository's
/// spelling.
fn respelled(
    plan: &Plan,
    by_id: &crate::live::ById<'_>,
    providers: &Providers,
) -> HashMap<String, LiveObject> {
    plan.changes
        .iter()
        .filter(|c| c.action == Action::Update)
        .filter_map(|change| {
            let live = *by_id.get(change.live.as_ref()?.id.as_str())?;
            let mut object = live.clone();
            if let Some(desired) = &change.after {
                let rules = providers.diff_rules(live.kind);
                let respelled = crate::diff::respell(&rules, &live.instance.value(), desired);
                object.instance = respelled.into();
            }
            Some((live.id.clone(), object))
        })
        .collect()
}

/// Whether an edit of `edit` touches text inside `shared` (an insertion counts when strictly
/// inside it).
fn overlaps(shared: &Range<usize>, edit: &Range<usize>) -> bool {
    if edit.is_empty() {
        shared.start < edit.start && edit.start < shared.end
    } else {
        edit.start < shared.end && shared.start < edit.end
    }
}

/// References by name where the name says which object (unique in its kind, not an id).
fn namer(live: &LiveState) -> impl Fn(Kind, &str) -> String + Sync + '_ {
    let mut counts: HashMap<(Kind, &str), usize> = HashMap::new();
    for object in &live.objects {
        *counts.entry((object.kind, object.name())).or_default() += 1;
    }
    let by_id = live.by_id();
    move |kind: Kind, id: &str| match by_id.get(id) {
        Some(target)
            if target.kind == kind
                && counts[&(kind, target.name())] == 1
                && !kind.is_literal_id(target.name()) =>
        {
            target.name().to_string()
        }
        _ => id.to_string(),
    }
}

/// A live object no manifest describes, as a canonical document (pinned by id when its name
/// is shared).
fn new_document(
    object: &LiveObject,
    live: &LiveState,
    providers: &Providers,
    namer: &(dyn Fn(Kind, &str) -> String + Sync),
) -> Result<String, String> {
    let mut manifest: Box<dyn Document> = providers
        .of(object.kind)
        .export(object, namer)
        .map_err(|reasons| format!("cannot be written as a manifest: {}", reasons.join("; ")))?;
    let shared = live
        .objects
        .iter()
        .filter(|o| o.kind == object.kind && o.name() == object.name())
        .count()
        > 1;
    if shared {
        manifest.meta_mut().id = Some(synthetic(object.id.clone()));
    }
    Ok(crate::manifest::emit::document(manifest.as_ref()))
}

/// `extra` members are managed only when the manifest lists them: the pulled version keeps
/// the manifest's keys (with the repository's values) and no others, at every depth.
fn keep_listed_extra(old: &[(String, Node)], new: &mut Vec<(String, Node)>) {
    for (key, value) in new.iter_mut() {
        let before = old.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        if key == "extra" {
            if let Node::Map(members) = value {
                let listed: Vec<&String> = match before {
                    Some(Node::Map(old_members)) => old_members.iter().map(|(k, _)| k).collect(),
                    _ => Vec::new(),
                };
                members.retain(|(k, _)| listed.contains(&k));
            }
            continue;
        }
        match (before, value) {
            (Some(Node::Map(o)), Node::Map(n)) => keep_listed_extra(o, n),
            (Some(Node::Seq(o)), Node::Seq(n)) => {
                for (i, item) in n.iter_mut().enumerate() {
                    if let (Some(Node::Map(o)), Node::Map(n)) = (o.get(i), item) {
                        keep_listed_extra(o, n);
                    }
                }
            }
            _ => {}
        }
    }
    new.retain(|(k, v)| k != "extra" || !matches!(v, Node::Map(m) if m.is_empty()));
}

/// A field the manifest ignores (`ignoreChanges`, dotted for nested ones) keeps the manifest's
/// value.
fn keep_field(old: &[(String, Node)], new: &mut Vec<(String, Node)>, field: &str) {
    let (head, rest) = match field.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (field, None),
    };
    let before = old.iter().find(|(k, _)| k == head).map(|(_, v)| v);
    let at = new.iter().position(|(k, _)| k == head);
    match (rest, before, at) {
        (Some(rest), Some(Node::Map(o)), Some(i)) => {
            if let Node::Map(n) = &mut new[i].1 {
                keep_field(o, n, rest);
            }
        }
        (Some(_), _, _) => {}
        (None, Some(value), Some(i)) => new[i].1 = value.clone(),
        (None, Some(value), None) => {
            // Where the manifest has it: after its predecessor there, if the pulled one has it.
            let place = old
                .iter()
                .position(|(k, _)| k == head)
                .and_then(|p| {
                    old[..p]
                        .iter()
                        .rev()
                        .find_map(|(k, _)| new.iter().position(|(n, _)| n == k))
                })
                .map_or(new.len(), |p| p + 1);
            new.insert(place, (head.to_string(), value.clone()));
        }
        (None, None, Some(i)) => {
            new.remove(i);
        }
        (None, None, None) => {}
    }
}

/// Leaves out of `new` the keys `old` does not write, at every depth where both are mappings
/// (or lists of the same length).
fn drop_unwritten(old: &[(String, Node)], new: &mut Vec<(String, Node)>) {
    new.retain(|(key, _)| old.iter().any(|(k, _)| k == key));
    for (key, value) in new.iter_mut() {
        let Some((_, before)) = old.iter().find(|(k, _)| k == key) else {
            continue;
        };
        match (before, value) {
            (Node::Map(o), Node::Map(n)) => drop_unwritten(o, n),
            (Node::Seq(o), Node::Seq(n)) if o.len() == n.len() => {
                for (before, after) in o.iter().zip(n.iter_mut()) {
                    if let (Node::Map(o), Node::Map(n)) = (before, after) {
                        drop_unwritten(o, n);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Lists the repository holds with the same items in another order keep the manifest's order
/// (most lists are sets to the repository; the check after the rewrite tells when not).
fn align_lists(old: &[(String, Node)], new: &mut [(String, Node)]) {
    for (key, value) in new.iter_mut() {
        if let Some((_, before)) = old.iter().find(|(k, _)| k == key) {
            align(before, value);
        }
    }
}

fn align(old: &Node, new: &mut Node) {
    match (old, new) {
        (Node::Map(o), Node::Map(n)) => align_lists(o, n),
        (Node::Seq(o), Node::Seq(n)) => {
            if o != n && o.len() == n.len() && is_permutation(o, n) {
                *n = o.clone();
                return;
            }
            if o.len() == n.len() {
                for (before, after) in o.iter().zip(n.iter_mut()) {
                    align(before, after);
                }
            }
        }
        _ => {}
    }
}

fn is_permutation(a: &[Node], b: &[Node]) -> bool {
    let mut left: Vec<&Node> = b.iter().collect();
    a.iter()
        .all(|item| match left.iter().position(|other| *other == item) {
            Some(at) => {
                left.swap_remove(at);
                true
            }
            None => false,
        })
}

/// The paths of the values that differ, for the report.
fn changed_fields(old: &Node, new: &Node, path: &str, out: &mut Vec<String>) {
    if old == new {
        return;
    }
    let child = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match (old, new) {
        (Node::Map(o), Node::Map(n)) => {
            for (key, value) in n {
                match o.iter().find(|(k, _)| k == key) {
                    Some((_, before)) => changed_fields(before, value, &child(key), out),
                    None => out.push(child(key)),
                }
            }
            for (key, _) in o.iter().filter(|(k, _)| !n.iter().any(|(m, _)| m == k)) {
                out.push(child(key));
            }
        }
        (Node::Seq(o), Node::Seq(n)) if o.len() == n.len() => {
            for (i, (before, after)) in o.iter().zip(n).enumerate() {
                changed_fields(before, after, &format!("{path}[{i}]"), out);
            }
        }
        _ => out.push(path.to_string()),
    }
}

fn set_flag(list: &mut [(String, bool)], address: &str, value: bool) {
    if let Some((_, flag)) = list.iter_mut().find(|(a, _)| a == address) {
        *flag = value;
    }
}
