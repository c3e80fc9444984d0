//! The plan: what apply will do, as data (Terraform's `internal/plans` idea). Built purely from
//! the manifests, their dependency order and the live state; rendered for review, saved to a
//! file, and applied exactly as reviewed.

mod compare;
pub mod impact;
mod matching;
pub mod previews;
pub mod render;
mod replace;
pub mod saved;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::backend::{LiveObject, Modified};
use crate::diagnostic::Diagnostic;
use crate::diff::{self, Op};
use crate::graph::DependencyGraph;
use crate::json_bounds;
use crate::kind::Kind;
use crate::live::LiveState;
use crate::manifest::{Catalog, Object, ObjectKey};
use crate::provider::Providers;
use crate::source::SourceSet;
use compare::Compared;
pub use compare::{Comparison, comparison};

/// Version of the saved and JSON plan format. Minor versions only add fields.
pub const FORMAT_VERSION: &str = "1.3";

/// Marks, inside a desired document, the id of an object this run creates: apply replaces it
/// with the id from the create receipt. It cannot clash with a repository id.
pub const PENDING: &str = "offerctl:pending:";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Delete,
    NoOp,
}

/// Where a change's object lives in the repository, as read when planning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveRef {
    pub instance_id: String,
    pub id: String,
    /// The revision the plan was made against; apply sends it as `If-Match`.
    pub etag: String,
}

/// One object's planned change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// `Kind/name`.
    pub address: String,
    pub kind: Kind,
    pub name: String,
    pub action: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<LiveRef>,
    /// Addresses of changes in this plan that must succeed first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// The live document (managed properties only), for updates and deletes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// The desired document, for creates and updates (ids of objects created in this run
    /// are [`PENDING`] markers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    /// The exact operations an update sends.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ops: Vec<Op>,
    /// For deletes: objects that will still refer to this one, so the repository will refuse.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub referenced_by: Vec<String>,
    /// For updates of objects someone other than offerctl changed last: who and when (the live
    /// state drifted from git). Absent when offerctl wrote last (a pending manifest change) or
    /// the repository does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<Modified>,
}

impl Change {
    pub fn key(&self) -> ObjectKey {
        ObjectKey {
            kind: self.kind,
            name: self.name.clone(),
        }
    }
}

/// A live object that no manifest describes, left alone unless pruning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmanaged {
    pub address: String,
    pub kind: Kind,
    pub name: String,
    pub id: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub delete: usize,
    pub no_op: usize,
    pub unmanaged: usize,
    /// Of the updates, those of objects changed outside offerctl since it last wrote them
    /// (drift); the others are pending manifest changes. Format 1.1; 0 in 1.0 plans.
    #[serde(default)]
    pub drifted: usize,
}

impl Summary {
    pub fn has_changes(&self) -> bool {
        self.create + self.update + self.delete > 0
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: String,
    pub offerctl_version: String,
    /// Which repository the plan was made against (as `Backend::describe` says).
    pub repository: String,
    /// The environment of offerctl.yaml it was made for (absent without
    /// environments). `apply` refuses it in another environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// SHA-256 over the manifest files, so a saved plan can refuse changed manifests.
    pub manifests_hash: String,
    /// SHA-256 over everything else in the plan (format 1.3): what it will do, to what, under
    /// which names. Set when rendered as JSON; apply refuses a plan that no longer matches it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub digest: String,
    pub summary: Summary,
    /// Creates and updates in dependency order (no-ops included), then deletes.
    pub changes: Vec<Change>,
    pub unmanaged: Vec<Unmanaged>,
    /// `@id` → `Kind/name` of every live object, to show references by name.
    pub names: BTreeMap<String, String>,
    /// Expectations whose outcome for customers this plan changes (format 1.2; absent when
    /// none does or none are kept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub impact: Vec<impact::Impact>,
    /// `@id` → live document of objects the changes refer to and leave alone, which previews
    /// of what customers see read (an offer's products and design). Format 1.3.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub related: BTreeMap<String, Value>,
}

impl Plan {
    /// The changes that do something.
    pub fn actions(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.action != Action::NoOp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn the_manifest_hash_ignores_where_the_checkout_is() {
        let set = |root: &str| {
            let mut sources = SourceSet::new();
            sources.add(SourceFile::new(
                format!("{root}/tags.yaml"),
                "kind: Tag\nname: a\n",
            ));
            sources
        };
        let here = hash_sources(
            &set("/work/a/offers.d"),
            std::path::Path::new("/work/a/offers.d"),
        );
        let there = hash_sources(
            &set("/tmp/b/offers.d"),
            std::path::Path::new("/tmp/b/offers.d"),
        );
        let relative = hash_sources(&set("offers.d"), std::path::Path::new("offers.d"));
        assert_eq!(here, there);
        assert_eq!(here, relative);
        let mut changed = set("offers.d");
        changed.add(SourceFile::new(
            "offers.d/more.yaml",
            "kind: Tag\nname: b\n",
        ));
        assert_ne!(
            hash_sources(&changed, std::path::Path::new("offers.d")),
            relative
        );
    }
}

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Delete live objects that no manifest describes.
    pub prune: bool,
    /// Limit pruning to these kinds (all kinds when empty).
    pub prune_kinds: Vec<Kind>,
    /// Prune by deactivating, where the provider can (an offer switched off rather than
    /// deleted), instead of deleting.
    pub deactivate: bool,
}

impl PlanOptions {
    fn prunes(&self, kind: Kind) -> bool {
        self.prune && (self.prune_kinds.is_empty() || self.prune_kinds.contains(&kind))
    }
}

/// SHA-256 over the manifest files' contents and their paths relative to `root` (the manifest
/// directory), so the same manifests hash the same in any checkout and however `--dir` is
/// spelled.
pub fn hash_sources(sources: &SourceSet, root: &std::path::Path) -> String {
    let root = root.display().to_string();
    let mut hasher = Sha256::new();
    for (_, file) in sources.iter() {
        let relative = file
            .path
            .strip_prefix(&root)
            .unwrap_or(&file.path)
            .trim_start_matches(['/', '\\']);
        hasher.update(relative.as_bytes());
        hasher.update([0]);
        hasher.update(file.text.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Builds the plan. Fails with located diagnostics when manifests and the repository cannot
/// be matched unambiguously (a pinned id that does not exist, two live objects with one name,
/// a literal id that names nothing).
pub fn build(
    catalog: &Catalog,
    graph: &DependencyGraph,
    live: &LiveState,
    providers: &Providers,
    repository: &str,
    manifests_hash: &str,
    options: PlanOptions,
) -> Result<Plan, Vec<Diagnostic>> {
    let made = Made {
        catalog,
        graph,
        live,
        providers,
        repository,
        manifests_hash,
    };
    build_with(None, &made, options)
}

/// [`build`] from a [`Comparison`] made earlier (beside the checks of the manifests) of the
/// same catalogue and live state; without one, or with one that does not fit them (other
/// numbers of objects, or pruning or not), the objects are compared now.
pub fn build_with(
    comparison: Option<Comparison>,
    made: &Made<'_>,
    options: PlanOptions,
) -> Result<Plan, Vec<Diagnostic>> {
    let (catalog, graph, live) = (made.catalog, made.graph, made.live);
    let comparison = comparison.filter(|c| c.fits(catalog, live, options.prune));
    let (comparison, order) = match comparison {
        Some(comparison) => (comparison, creation_order(graph, catalog)),
        // The creation order needs neither the matching nor the comparisons: it is made on a
        // thread of its own, on the core the matching leaves idle (~5 ms of a 10,000-object
        // plan).
        None => std::thread::scope(|scope| {
            let side = scope.spawn(|| creation_order(graph, catalog));
            let comparison = compare::comparison(catalog, live, made.providers, options.prune);
            let order = side
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (comparison, order)
        }),
    };
    Ok(from_comparison(made, comparison.found?, order, &options))
}

/// What a plan is made from: the checked manifests, the live state, and what the plan says
/// it was made against.
#[derive(Clone, Copy)]
pub struct Made<'a> {
    pub catalog: &'a Catalog,
    pub graph: &'a DependencyGraph,
    pub live: &'a LiveState,
    pub providers: &'a Providers,
    /// Which repository (as `Backend::describe` says).
    pub repository: &'a str,
    pub manifests_hash: &'a str,
}

/// The plan of a comparison: the changes in creation `order`, then the unmanaged objects and
/// the deletes.
fn from_comparison(
    made: &Made<'_>,
    found: compare::Found,
    order: Vec<usize>,
    options: &PlanOptions,
) -> Plan {
    let Made {
        catalog,
        graph,
        live,
        providers,
        ..
    } = *made;
    let compare::Found {
        matched,
        replaced,
        mut compared,
        names,
    } = found;
    let objects = catalog.objects();
    let in_graph = graph.len() == objects.len();
    let mut changes: Vec<Change> = Vec::with_capacity(objects.len());
    let mut acting: foldhash::HashSet<String> = foldhash::HashSet::default();
    // References of up-to-date objects, which keep no documents (see plan_deletes).
    let mut managed_refs: Vec<(String, Vec<String>)> = Vec::new();
    for at in order {
        let key = &if in_graph {
            std::borrow::Cow::Borrowed(graph.key_at(at))
        } else {
            std::borrow::Cow::Owned(objects[at].key())
        };
        // Only changes already in the plan count; none yet, nothing to look up.
        let depends_on: Vec<String> = if acting.is_empty() {
            Vec::new()
        } else {
            graph
                .dependencies(key)
                .into_iter()
                .map(ToString::to_string)
                .filter(|address| acting.contains(address))
                .collect()
        };
        let found = compared[at].take();
        let change = match found.expect("each object comes once in the order") {
            Compared::Create(desired) => Change {
                action: Action::Create,
                after: Some(desired),
                depends_on: depends_on
                    .into_iter()
                    .chain(replaced[at].map(|old| {
                        let old = &live.objects[old];
                        format!("{}/{}", old.kind, old.name())
                    }))
                    .collect(),
                ..change_for(key)
            },
            Compared::UpToDate {
                live: at,
                references,
            } => {
                // Up to date: no documents to show or send, only what it keeps referring to.
                if options.prune {
                    managed_refs.push((key.to_string(), references));
                }
                Change {
                    live: Some(live_ref(&live.objects[at])),
                    ..change_for(key)
                }
            }
            Compared::Update {
                live: at,
                before,
                after,
                ops,
            } => {
                let object = &live.objects[at];
                Change {
                    action: Action::Update,
                    drift: object.modified.clone().filter(Modified::is_drift),
                    live: Some(live_ref(object)),
                    before: Some(before),
                    after: Some(after),
                    ops,
                    depends_on,
                    ..change_for(key)
                }
            }
        };
        if change.action != Action::NoOp {
            acting.insert(change.address.clone());
        }
        changes.push(change);
    }

    let claimed: foldhash::HashSet<&str> = matched
        .iter()
        .chain(&replaced)
        .flatten()
        .map(|&at| live.objects[at].id.as_str())
        .collect();
    let unclaimed: Vec<&LiveObject> = live
        .objects
        .iter()
        .filter(|o| !claimed.contains(o.id.as_str()))
        .collect();
    let (pruned, kept): (Vec<&LiveObject>, Vec<&LiveObject>) =
        unclaimed.into_iter().partition(|o| options.prunes(o.kind));
    let unmanaged: Vec<Unmanaged> = kept
        .iter()
        .map(|o| Unmanaged {
            address: format!("{}/{}", o.kind, o.name()),
            kind: o.kind,
            name: o.name().to_string(),
            id: o.id.clone(),
        })
        .collect();
    let (mut pruned, deactivations) = deactivate(providers, pruned, options.deactivate);
    changes.extend(deactivations);
    pruned.extend(replaced.iter().flatten().map(|&at| &live.objects[at]));
    let deletes = plan_deletes(providers, &pruned, &kept, &changes, managed_refs, &names);
    changes.extend(deletes);

    // The previews of what changes read other objects; nothing changes, nothing to look up.
    let by_id = if changes.iter().any(|c| c.action != Action::NoOp) {
        live.by_id()
    } else {
        Default::default()
    };
    let related = previews::related(providers, &changes, &by_id, &names);
    let count = |action| changes.iter().filter(|c| c.action == action).count();
    let summary = Summary {
        create: count(Action::Create),
        update: count(Action::Update),
        delete: count(Action::Delete),
        no_op: count(Action::NoOp),
        unmanaged: unmanaged.len(),
        drifted: changes.iter().filter(|c| c.drift.is_some()).count(),
    };
    Plan {
        format_version: FORMAT_VERSION.to_string(),
        offerctl_version: env!("CARGO_PKG_VERSION").to_string(),
        repository: made.repository.to_string(),
        environment: None,
        manifests_hash: made.manifests_hash.to_string(),
        digest: String::new(),
        summary,
        changes,
        unmanaged,
        names,
        impact: Vec::new(),
        related,
    }
}

/// The positions of the catalogue's objects in creation order. The graph holds the
/// catalogue's objects, in its order; cycles were rejected by validation, so should there be
/// one (or a graph of other objects), file order rather than a failure.
fn creation_order(graph: &DependencyGraph, catalog: &Catalog) -> Vec<usize> {
    let count = catalog.objects().len();
    match graph.topological_positions() {
        Ok(order) if graph.len() == count => order,
        _ => (0..count).collect(),
    }
}

/// Refuses documents nested deeper than a repository stores ([`json_bounds::MAX_DEPTH`], what
/// every client can read back), before anything is sent: located at the object's name.
fn too_deep(objects: &[Object], compared: &[Option<Compared>]) -> Result<(), Vec<Diagnostic>> {
    let diagnostics: Vec<Diagnostic> = objects
        .iter()
        .zip(compared)
        .filter_map(|(object, compared)| {
            let document = match compared {
                Some(Compared::Create(document) | Compared::Update { after: document, .. }) => {
                    document
                }
                _ => return None,
            };
            let depth = json_bounds::measure(document).depth;
            (depth > json_bounds::MAX_DEPTH).then(|| {
                Diagnostic::error(
                    "too-deep",
                    format!(
                        "{} would be sent nested {depth} levels deep (at {}); a repository stores at most {}",
                        object.key(),
                        json_bounds::deepest_pointer(document),
                        json_bounds::MAX_DEPTH
                    ),
                )
                .with_label(object.manifest.meta().name.loc, "in this object")
                .with_help("flatten the deepest value (usually under `extra`)")
            })
        })
        .collect();
    if diagnostics.is_empty() {
        Ok(())
    } else {
        Err(diagnostics)
    }
}

fn change_for(key: &ObjectKey) -> Change {
    Change {
        address: key.to_string(),
        kind: key.kind,
        name: key.name.clone(),
        action: Action::NoOp,
        live: None,
        depends_on: Vec::new(),
        before: None,
        after: None,
        ops: Vec::new(),
        referenced_by: Vec::new(),
        drift: None,
    }
}

fn live_ref(live: &LiveObject) -> LiveRef {
    LiveRef {
        instance_id: live.instance_id.clone(),
        id: live.id.clone(),
        etag: live.etag.clone(),
    }
}

/// The managed properties of a live instance (what a reviewer needs to see): the modelled ones,
/// and those the desired document sets (a manifest's `extra`).
fn managed(rules: &diff::Rules, instance: &Value, desired: Option<&Value>) -> Value {
    let mut out = serde_json::Map::new();
    for key in rules.properties_then_extra(desired) {
        if let Some(value) = instance.get(key) {
            out.insert(key.to_string(), value.clone());
        }
    }
    Value::Object(out)
}

/// A create body: `null` members (an `extra` property set to `null` means "absent") are left
/// out rather than sent.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// `ignoreChanges`: the live value of each ignored field stands in for the desired one.
fn keep_ignored(providers: &Providers, object: &Object, live: &Value, desired: &mut Value) {
    let provider = providers.of(object.kind());
    for field in &object.manifest.meta().ignore_changes {
        let Some(pointer) = provider.field_pointer(object.kind(), field) else {
            continue;
        };
        let (parent, member) = pointer.rsplit_once('/').unwrap_or(("", pointer));
        let member = member.to_string();
        match live.pointer(pointer).cloned() {
            Some(value) => {
                if desired.pointer(parent).is_none_or(|p| !p.is_object()) {
                    let _ = set_pointer(desired, parent, Value::Object(Default::default()));
                }
                if let Some(Value::Object(map)) = desired.pointer_mut(parent) {
                    map.insert(member, value);
                }
            }
            None => {
                if let Some(Value::Object(map)) = desired.pointer_mut(parent) {
                    map.remove(&member);
                }
            }
        }
    }
}

/// Sets `pointer` (one level below an existing object) to `value`.
fn set_pointer(doc: &mut Value, pointer: &str, value: Value) -> Option<()> {
    let (parent, member) = pointer.rsplit_once('/')?;
    let Value::Object(map) = doc.pointer_mut(parent)? else {
        return None;
    };
    map.insert(member.to_string(), value);
    Some(())
}

/// With `enabled`, the pruned objects that their provider can switch off instead (updates,
/// or nothing when already off), and those left to delete.
fn deactivate<'l>(
    providers: &Providers,
    pruned: Vec<&'l LiveObject>,
    enabled: bool,
) -> (Vec<&'l LiveObject>, Vec<Change>) {
    if !enabled {
        return (pruned, Vec::new());
    }
    let mut deletes = Vec::new();
    let mut changes = Vec::new();
    for object in pruned {
        let instance = object.instance.value();
        let Some(ops) = providers
            .of(object.kind)
            .deactivation(object.kind, &instance)
        else {
            deletes.push(object);
            continue;
        };
        let key = ObjectKey {
            kind: object.kind,
            name: object.name().to_string(),
        };
        let rules = providers.diff_rules(object.kind);
        if ops.is_empty() {
            changes.push(Change {
                live: Some(live_ref(object)),
                ..change_for(&key)
            });
            continue;
        }
        let mut after = instance.clone();
        let patch: Option<json_patch::Patch> = serde_json::to_value(&ops)
            .ok()
            .and_then(|v| serde_json::from_value(v).ok());
        if patch.is_none_or(|p| json_patch::patch(&mut after, &p).is_err()) {
            deletes.push(object);
            continue;
        }
        changes.push(Change {
            action: Action::Update,
            live: Some(live_ref(object)),
            before: Some(managed(&rules, &instance, None)),
            after: Some(managed(&rules, &after, None)),
            ops,
            ..change_for(&key)
        });
    }
    (deletes, changes)
}

/// Deletes of pruned objects, dependents first. Each is flagged when an object that stays (a
/// managed one after this plan's updates, or an unmanaged one left alone) will still refer to
/// it, since the repository would refuse the delete.
fn plan_deletes(
    providers: &Providers,
    pruned: &[&LiveObject],
    kept: &[&LiveObject],
    changes: &[Change],
    up_to_date_refs: Vec<(String, Vec<String>)>,
    names: &BTreeMap<String, String>,
) -> Vec<Change> {
    let unclaimed = pruned;
    // Without deletes there is nothing to flag or order: the remaining objects' references
    // (every unmanaged live document, parsed) are not needed.
    if unclaimed.is_empty() {
        return Vec::new();
    }
    let deleted: foldhash::HashSet<&str> = unclaimed.iter().map(|o| o.id.as_str()).collect();
    // What each remaining object will refer to once the creates and updates are done.
    let mut remaining_refs = up_to_date_refs;
    for change in changes {
        if let Some(after) = &change.after {
            remaining_refs.push((
                change.address.clone(),
                providers.references(change.kind, after),
            ));
        }
    }
    for object in kept {
        let address = format!("{}/{} (not managed)", object.kind, object.name());
        let references = providers.references(object.kind, &object.instance.value());
        remaining_refs.push((address, references));
    }
    // Each deleted object's document, parsed once: its references order the deletes.
    let documents: Vec<Value> = unclaimed.iter().map(|o| o.instance.value()).collect();
    let references: Vec<Vec<String>> = unclaimed
        .iter()
        .zip(&documents)
        .map(|(object, document)| providers.references(object.kind, document))
        .collect();
    let mut deletes: Vec<Change> = unclaimed
        .iter()
        .zip(&documents)
        .map(|(object, document)| {
            let referenced_by = remaining_refs
                .iter()
                .filter(|(_, refs)| refs.contains(&object.id))
                .map(|(address, _)| address.clone())
                .collect();
            // Deleted objects that refer to this one must go first.
            let depends_on = unclaimed
                .iter()
                .zip(&references)
                .filter(|(other, refs)| other.id != object.id && refs.contains(&object.id))
                .map(|(other, _)| other)
                .filter(|other| deleted.contains(other.id.as_str()))
                .map(|other| {
                    names
                        .get(&other.id)
                        .cloned()
                        .unwrap_or_else(|| other.id.clone())
                })
                .collect();
            Change {
                action: Action::Delete,
                live: Some(live_ref(object)),
                before: Some(managed(&providers.diff_rules(object.kind), document, None)),
                referenced_by,
                depends_on,
                ..change_for(&ObjectKey {
                    kind: object.kind,
                    name: object.name().to_string(),
                })
            }
        })
        .collect();
    // Dependents first: kinds only refer to kinds declared before them.
    deletes.sort_by(|a, b| {
        (std::cmp::Reverse(a.kind), &a.name).cmp(&(std::cmp::Reverse(b.kind), &b.name))
    });
    deletes
}
