//! `offerctl export`, the pure part: the live state of a repository (and a selection of it) →
//! manifest files as text, in the canonical form of [`crate::manifest::emit`]. No I/O.
//!
//! The contract is the round trip: planning the exported files against the same repository
//! shows no changes. Each object is mapped back to a manifest by its provider
//! ([`Provider::export`]: what no field expresses goes to `extra`, verbatim), references become names when the referenced object is exported too
//! (literal ids otherwise), and objects whose name is shared within their kind are pinned with
//! `id:`. Before anything is returned the result is checked: each object must map back to its
//! live document with nothing left out, and the files, read back exactly as `plan` reads them,
//! must plan to no changes. An object that cannot be exported losslessly fails the export.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use regex::Regex;

use crate::backend::LiveObject;
use crate::check::check;
use crate::diff;
use crate::kind::Kind;
use crate::live::LiveState;
use crate::manifest::{Document, emit, synthetic};
use crate::plan::{self, PlanOptions};
use crate::provider::{Provider, Providers};
use crate::source::{SourceFile, SourceSet};

/// Which live objects to export.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only these kinds (every kind when empty).
    pub kinds: Vec<Kind>,
    /// Only objects whose name matches (anywhere in the name, as `grep` would).
    pub name: Option<Regex>,
}

impl Selection {
    pub fn selects(&self, object: &LiveObject) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&object.kind))
            && self
                .name
                .as_ref()
                .is_none_or(|re| re.is_match(object.name()))
    }
}

/// How the files are laid out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    /// One file per kind (`offers.yaml`, ...).
    #[default]
    PerKind,
    /// One file per object (`offers/abc-bank-credit-card.yaml`, ...).
    PerObject,
}

/// One file to write: a path relative to the output directory, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: PathBuf,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct Exported {
    /// In path order.
    pub files: Vec<File>,
    /// How many objects the files describe.
    pub objects: usize,
    /// Things to tell the user (shared names pinned by id, references left as ids...).
    pub warnings: Vec<String>,
}

/// An object that cannot be exported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `Kind/name (id)`.
    pub object: String,
    pub reasons: Vec<String>,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.object, self.reasons.join("; "))
    }
}

/// The manifests of the selected live objects, as files. Fails with every object that cannot
/// be exported losslessly (nothing is returned then: a partial export would let a later
/// `plan --prune` delete what was left out).
pub fn export(
    live: &LiveState,
    providers: &Providers,
    selection: &Selection,
    layout: Layout,
) -> Result<Exported, Vec<Problem>> {
    let mut selected: Vec<&LiveObject> = live
        .objects
        .iter()
        .filter(|o| selection.selects(o))
        .collect();
    selected.sort_by(|a, b| (a.kind, a.name(), &a.id).cmp(&(b.kind, b.name(), &b.id)));

    // Names shared within a kind, across the whole repository: plans match by name, so such
    // objects are pinned by id, and references to them stay ids.
    let mut name_counts: HashMap<(Kind, &str), usize> = HashMap::new();
    for object in &live.objects {
        *name_counts.entry((object.kind, object.name())).or_default() += 1;
    }
    let shared = |object: &LiveObject| name_counts[&(object.kind, object.name())] > 1;
    let exported: HashMap<&str, &LiveObject> =
        selected.iter().map(|o| (o.id.as_str(), *o)).collect();
    let by_name: HashMap<(Kind, &str), &str> = selected
        .iter()
        .filter(|o| !shared(o))
        .map(|o| ((o.kind, o.name()), o.id.as_str()))
        .collect();
    // A reference is the target's name when the target is exported under a name that reads
    // as a name; the id otherwise.
    let namer = |kind: Kind, id: &str| -> String {
        match exported.get(id) {
            Some(target)
                if target.kind == kind && !shared(target) && !kind.is_literal_id(target.name()) =>
            {
                target.name().to_string()
            }
            _ => id.to_string(),
        }
    };
    let resolver = |kind: Kind, reference: &str| -> String {
        if kind.is_literal_id(reference) {
            return reference.to_string();
        }
        by_name
            .get(&(kind, reference))
            .map_or_else(|| format!("unresolved:{reference}"), |id| id.to_string())
    };

    // Map and check every object (in parallel: this is most of an export's time).
    let results = parallel_map(&selected, |object| {
        map_object(
            providers.of(object.kind),
            object,
            &namer,
            &resolver,
            shared(object),
        )
    });
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut manifests: Vec<(&LiveObject, Box<dyn Document>)> = Vec::with_capacity(selected.len());
    let mut warned: HashSet<(Kind, &str)> = HashSet::new();
    for (object, result) in selected.iter().zip(results) {
        match result {
            Ok(manifest) => manifests.push((object, manifest)),
            Err(problem) => problems.push(problem),
        }
        if shared(object) && warned.insert((object.kind, object.name())) {
            warnings.push(format!(
                "{} {} objects are named `{}`: each is pinned with its `id:`, and references to them are ids",
                name_counts[&(object.kind, object.name())],
                object.kind,
                object.name()
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let literal_refs = manifests
        .iter()
        .flat_map(|(_, m)| m.references())
        .filter(|site| site.expected.is_literal_id(&site.reference.value))
        .count();
    if literal_refs > 0 && (selection.name.is_some() || !selection.kinds.is_empty()) {
        warnings.push(format!(
            "{literal_refs} reference{} to objects outside the selection stay as literal ids",
            if literal_refs == 1 { "" } else { "s" }
        ));
    }

    let files = layout_files(providers, &manifests, layout);
    let exported = Exported {
        objects: manifests.len(),
        files,
        warnings,
    };
    verify(&exported, live, providers, &selected)?;
    Ok(exported)
}

/// The manifest of one live object, checked: mapped back to the wire it must give exactly
/// the live document, with nothing left out.
fn map_object(
    provider: &dyn Provider,
    object: &LiveObject,
    namer: &(dyn Fn(Kind, &str) -> String + Sync),
    resolver: &(dyn Fn(Kind, &str) -> String + Sync),
    pinned: bool,
) -> Result<Box<dyn Document>, Problem> {
    let address = || format!("{}/{} ({})", object.kind, object.name(), object.id);
    let mut manifest = provider.export(object, namer).map_err(|reasons| Problem {
        object: address(),
        reasons,
    })?;
    if pinned {
        manifest.meta_mut().id = Some(synthetic(object.id.clone()));
    }
    let mut desired = manifest.desired(resolver);
    let instance = object.instance.value();
    provider.match_spelling(object.kind, &instance, &mut desired);
    let rules = provider.diff_rules(object.kind);
    let ops = diff::diff(&rules, &instance, &desired);
    let left_out = diff::unaccounted(&rules, &instance, &desired);
    if ops.is_empty() && left_out.is_empty() {
        return Ok(manifest);
    }
    let mut reasons: Vec<String> = ops
        .iter()
        .map(|op| format!("the manifest would change `{}`", op.path()))
        .collect();
    reasons.extend(left_out.iter().map(|p| format!("`{p}` would be left out")));
    Err(Problem {
        object: address(),
        reasons,
    })
}

/// `f` over `items` on all cores, results in order.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || items.len() < 256 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("export worker panicked"))
            .collect()
    })
}

/// Groups the documents into files.
fn layout_files(
    providers: &Providers,
    manifests: &[(&LiveObject, Box<dyn Document>)],
    layout: Layout,
) -> Vec<File> {
    let mut files: BTreeMap<PathBuf, String> = BTreeMap::new();
    match layout {
        Layout::PerKind => {
            for kind in providers.kinds() {
                let docs: Vec<&dyn Document> = manifests
                    .iter()
                    .filter(|(o, _)| o.kind == kind)
                    .map(|(_, m)| m.as_ref())
                    .collect();
                if !docs.is_empty() {
                    // Documents are rendered in parallel, then joined as `emit::documents` does.
                    let texts = parallel_map(&docs, |m| emit::document(*m));
                    let path =
                        PathBuf::from(format!("{}.yaml", providers.of(kind).file_name(kind)));
                    files.insert(path, texts.join("---\n"));
                }
            }
        }
        Layout::PerObject => {
            let mut taken: HashSet<String> = HashSet::new();
            for (object, manifest) in manifests {
                let dir = providers.of(object.kind).file_name(object.kind);
                let mut stem = file_stem(object.name());
                if !taken.insert(format!("{dir}/{stem}")) {
                    stem = format!("{stem}-{}", id_tail(&object.id));
                    taken.insert(format!("{dir}/{stem}"));
                }
                let path = PathBuf::from(dir).join(format!("{stem}.yaml"));
                files.insert(path, emit::document(manifest.as_ref()));
            }
        }
    }
    files
        .into_iter()
        .map(|(path, text)| File { path, text })
        .collect()
}

/// A file name stem from an object name that is safe on every file system: lower-case ASCII
/// letters, digits and single dashes, at most 60 characters, never empty, hidden or reserved.
pub fn file_stem(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    const RESERVED: &[&str] = &["con", "prn", "aux", "nul"];
    let reserved = RESERVED.contains(&out.as_str())
        || ((out.starts_with("com") || out.starts_with("lpt"))
            && out.len() == 4
            && out.ends_with(|c: char| c.is_ascii_digit()));
    match out.as_str() {
        "" => "object".to_string(),
        _ if reserved => format!("{out}-object"),
        _ => out,
    }
}

/// The last part of an id, to tell apart two objects whose names give the same file name.
fn id_tail(id: &str) -> String {
    let tail = id.rsplit(':').next().unwrap_or(id);
    file_stem(tail)
}

/// Reads the files back exactly as `validate` and `plan` would, and checks that they are valid
/// and plan to no changes, with every exported object matched.
fn verify(
    exported: &Exported,
    live: &LiveState,
    providers: &Providers,
    selected: &[&LiveObject],
) -> Result<(), Vec<Problem>> {
    let mut sources = SourceSet::new();
    for file in &exported.files {
        sources.add(SourceFile::new(
            file.path.display().to_string(),
            file.text.as_str(),
        ));
    }
    let checked = check(&sources, providers);
    let bug = |reasons: Vec<String>| {
        vec![Problem {
            object: "the exported files".into(),
            reasons,
        }]
    };
    if checked.errors() > 0 {
        let reasons = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.message.clone())
            .collect();
        return Err(bug(reasons));
    }
    let plan = plan::build(
        &checked.catalog,
        &checked.graph,
        live,
        providers,
        "export",
        "",
        PlanOptions::default(),
    )
    .map_err(|diagnostics| bug(diagnostics.into_iter().map(|d| d.message).collect()))?;
    let changed: Vec<String> = plan
        .actions()
        .map(|c| format!("{} would not be a no-op ({:?})", c.address, c.action))
        .collect();
    if !changed.is_empty() {
        return Err(bug(changed));
    }
    let matched: HashSet<&str> = plan
        .changes
        .iter()
        .filter_map(|c| c.live.as_ref().map(|l| l.id.as_str()))
        .collect();
    let missing: Vec<String> = selected
        .iter()
        .filter(|o| !matched.contains(o.id.as_str()))
        .map(|o| format!("{}/{} is not matched", o.kind, o.name()))
        .collect();
    if !missing.is_empty() {
        return Err(bug(missing));
    }
    Ok(())
}
