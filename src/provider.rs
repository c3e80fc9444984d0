//! The provider interface: everything the core asks of a vendor, and the registry that answers
//! for several vendors at once by routing each question to the provider owning the kind.
//!
//! A provider is stateless knowledge about a vendor's objects (kinds, manifest language, diff
//! rules, how to read live documents back into manifests). Talking to the vendor is a
//! [`crate::backend::Backend`], which the provider's own code builds from configuration.

use serde_json::Value;

use crate::backend::LiveObject;
use crate::decisions::Decisions;
use crate::diagnostic::Diagnostic;
use crate::diff::Rules;
use crate::kind::{self, Kind};
use crate::manifest::{Catalog, Decoder, Document, Fields, Language, Meta, Spanned};

/// One vendor. Implementations live under `src/providers/<vendor>/`.
pub trait Provider: Language + Send + Sync {
    /// Short lower-case name (`acme`), as each of its kinds records it.
    fn name(&self) -> &'static str;

    /// How documents of `kind` compare, and what offerctl manages in them.
    fn diff_rules(&self, kind: Kind) -> Rules;

    /// The ids a document of `kind` refers to (desired or live): what must exist before it,
    /// and what a delete would leave dangling.
    fn references(&self, kind: Kind, document: &Value) -> Vec<String>;

    /// The pointer (under the diff root) of a manifest field, for `ignoreChanges`.
    fn field_pointer(&self, kind: Kind, field: &str) -> Option<&'static str>;

    /// A reviewer's label for a patch path (`/rank/priority` → `priority`).
    fn field_label(&self, kind: Kind, pointer: &str) -> String;

    /// The manifest of a live object, referring to others by `name_of(kind, id)`. Fails with
    /// the reasons when the live document cannot be expressed.
    fn export(
        &self,
        object: &LiveObject,
        name_of: &(dyn Fn(Kind, &str) -> String + Sync),
    ) -> Result<Box<dyn Document>, Vec<String>>;

    /// The file (or directory) name for exported objects of `kind` (`offers`).
    fn file_name(&self, kind: Kind) -> &'static str;

    /// The JSON Schema of one of this provider's manifest documents.
    fn json_schema(&self) -> Value;

    /// The line introducing an update's operations in a plan: how they will be sent.
    fn update_note(&self, _kind: Kind, operations: usize, revision: &str) -> String {
        let noun = if operations == 1 {
            "operation"
        } else {
            "operations"
        };
        format!("patch ({operations} {noun}, If-Match \"{revision}\"):")
    }

    /// Rewrites `desired` into the spelling `live` uses where the vendor's API accepts two
    /// spellings of the same content, so that an object that did not change is not rewritten
    /// into the other spelling. Called before every comparison of a desired and a live document
    /// except where the live text already equals the desired document on every key the diff
    /// compares (`diff::unchanged_text`): there it must change nothing, and is not called.
    fn match_spelling(&self, _kind: Kind, _live: &Value, _desired: &mut Value) {}

    /// How to switch a live object of `kind` off instead of deleting it, for pruning by
    /// deactivation: the operations (none when it is off already), or `None` when the kind
    /// cannot be switched off.
    fn deactivation(&self, _kind: Kind, _live: &Value) -> Option<Vec<crate::diff::Op>> {
        None
    }

    /// Offline decisions (`simulate`, `test`, a plan's decision impact), for a provider that
    /// can decide without its vendor's service.
    fn decisions(&self) -> Option<&dyn Decisions> {
        None
    }

    /// Checks of the vendor's service against what this provider's clients assume of it
    /// (`doctor`), for a provider that has them.
    fn doctor(&self) -> Option<&dyn crate::doctor::Doctor> {
        None
    }

    /// A synthetic catalogue of about `objects` objects, deterministic from `seed`: manifest
    /// file names (relative) and texts, for benchmarks and demos.
    fn synthetic_catalogue(&self, _objects: usize, _seed: u64) -> Option<Vec<(String, String)>> {
        None
    }

    /// What customers see of a document of `kind` (images, HTML, text, offer cards), for
    /// reviewing a plan; nothing for kinds customers do not see.
    fn preview(
        &self,
        _kind: Kind,
        _document: &Value,
        _lookup: &dyn crate::preview::Lookup,
    ) -> Vec<crate::preview::Block> {
        Vec::new()
    }

    /// Whether an object of `kind` takes the place of a live object of `live_kind` (another
    /// of this provider's kinds) with the same name: the repository keeps both kinds' names in
    /// one namespace and cannot change an object's kind in place, so the plan deletes the old
    /// object before it creates the new one.
    fn replaces(&self, _kind: Kind, _live_kind: Kind) -> bool {
        false
    }
}

/// The providers of a run. Every kind the core meets belongs to one of them.
#[derive(Clone)]
pub struct Providers {
    list: Vec<&'static dyn Provider>,
    /// Every provider's kinds, in order: asked for once per manifest document decoded.
    kinds: Vec<Kind>,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.list.iter().map(|p| p.name()))
            .finish()
    }
}

impl Providers {
    /// Registers the providers' kinds, so that flags and saved plans can name them.
    pub fn new(list: Vec<&'static dyn Provider>) -> Self {
        for provider in &list {
            kind::register(&provider.kinds());
        }
        let mut kinds: Vec<Kind> = list.iter().flat_map(|p| p.kinds()).collect();
        kinds.sort();
        Providers { list, kinds }
    }

    pub fn iter(&self) -> impl Iterator<Item = &'static dyn Provider> + '_ {
        self.list.iter().copied()
    }

    /// The provider owning `kind`.
    ///
    /// # Panics
    /// When no provider of this registry declares `kind`: kinds only come from providers, so
    /// that is a wiring mistake, not bad input.
    pub fn of(&self, kind: Kind) -> &'static dyn Provider {
        self.list
            .iter()
            .copied()
            .find(|p| p.name() == kind.provider())
            .unwrap_or_else(|| panic!("no provider `{}` for kind {kind}", kind.provider()))
    }

    /// Every kind, in order.
    pub fn kinds(&self) -> Vec<Kind> {
        self.kinds.clone()
    }

    pub fn diff_rules(&self, kind: Kind) -> Rules {
        self.of(kind).diff_rules(kind)
    }

    pub fn references(&self, kind: Kind, document: &Value) -> Vec<String> {
        self.of(kind).references(kind, document)
    }

    /// The first provider (in registry order) that decides offline, with its decisions.
    pub fn decisions(&self) -> Option<(&'static dyn Provider, &'static dyn Decisions)> {
        self.iter().find_map(|p| p.decisions().map(|d| (p, d)))
    }

    /// The first provider's (in registry order) synthetic catalogue.
    pub fn synthetic_catalogue(&self, objects: usize, seed: u64) -> Option<Vec<(String, String)>> {
        self.iter()
            .find_map(|p| p.synthetic_catalogue(objects, seed))
    }
}

impl Language for Providers {
    fn kinds(&self) -> Vec<Kind> {
        Providers::kinds(self)
    }

    fn decode(
        &self,
        kind: Kind,
        decoder: &mut Decoder<'_>,
        fields: &mut Fields<'_>,
        meta: Option<Meta>,
    ) -> Option<Box<dyn Document>> {
        self.of(kind).decode(kind, decoder, fields, meta)
    }

    fn check_pinned_id(&self, kind: Kind, id: &Spanned<String>, decoder: &mut Decoder<'_>) -> bool {
        self.of(kind).check_pinned_id(kind, id, decoder)
    }

    fn ignorable_fields(&self, kind: Kind) -> Vec<&'static str> {
        self.of(kind).ignorable_fields(kind)
    }

    fn check_decoded(&self, document: &dyn Document, decoder: &mut Decoder<'_>) {
        self.of(document.kind()).check_decoded(document, decoder);
    }

    fn kind_of_id(&self, id: &str) -> Option<Kind> {
        self.list.iter().find_map(|p| p.kind_of_id(id))
    }

    fn wrong_kind_help(&self, field: &str, expected: Kind, actual: Kind) -> Option<&'static str> {
        self.of(expected).wrong_kind_help(field, expected, actual)
    }

    fn validate(&self, catalog: &Catalog, diagnostics: &mut Vec<Diagnostic>) {
        for provider in &self.list {
            provider.validate(catalog, diagnostics);
        }
    }
}
