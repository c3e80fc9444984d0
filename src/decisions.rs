//! Offline decisions, a capability some providers have (`Provider::decisions`):
//! which offers a profile would be proposed, decided without the vendor's service, over the
//! manifests or the live objects. `simulate`, `test` and the decision impact of `plan` ask for
//! it; the algorithm and the expectations' format are the provider's.

use std::any::Any;
use std::collections::{HashMap, HashSet};

use serde_json::Value;
use time::OffsetDateTime;

use crate::diagnostic::Diagnostic;
use crate::live::LiveState;
use crate::manifest::Catalog;
use crate::source::SourceSet;

/// Capping counters: offer (name or id) → counts so far.
pub type Counters = HashMap<String, Counter>;

/// The objects a plan changes (kind and name; a live object's `@id` too, since a live
/// catalogue names an object by id where its name is not unique).
pub type Changed = HashSet<(crate::kind::Kind, String)>;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Counter {
    #[serde(default)]
    pub global: Option<u64>,
    #[serde(default)]
    pub profile: Option<u64>,
}

/// One profile's request: whom, when, and how.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub profile: &'a Value,
    /// Context data by schema URI (`@{schema}.field` in rules).
    pub context: &'a Value,
    pub counters: Option<&'a Counters>,
    /// Overrides the placement's item count.
    pub item_count: Option<usize>,
    /// Allow the same offer in several placements of one decision.
    pub allow_duplicates: bool,
    /// List every candidate with its reason; without it only the options, the fallback and
    /// the notes are made (bulk runs).
    pub explain: bool,
}

/// How a simulator writes one profile's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A table per scope, for people.
    Text,
    /// The decisioning API's shape: pretty for one profile, one line (with the profile's
    /// 1-based position) for several; the candidates only with `explain`.
    Json {
        profile: Option<usize>,
        explain: bool,
    },
}

/// One expectation's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub name: String,
    /// `decision @ placement`.
    pub scope: String,
    /// Differences between what was expected and what came out (empty: passed).
    pub failures: Vec<String>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// One expectation whose outcome a plan changes (a plan carries them: `plan::impact`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Impact {
    /// The expectation's name.
    pub case: String,
    /// Where it is decided (`decision @ placement`).
    pub scope: String,
    /// The outcome with the live catalogue.
    pub before: String,
    /// The outcome once the plan is applied.
    pub after: String,
}

/// A provider's offline decisions.
pub trait Decisions: Send + Sync {
    /// The catalogue of loaded manifests.
    fn catalogue(&self, catalog: &Catalog) -> Box<dyn Catalogue>;

    /// The catalogue of the live state (this provider's objects), and what of it could not be
    /// read as manifests and is left out.
    fn live_catalogue(&self, live: &LiveState) -> (Box<dyn Catalogue>, Vec<String>);

    /// The expectations of `sources` (a `tests.d/` directory), every problem located.
    fn expectations(&self, sources: &SourceSet) -> (Box<dyn Expectations>, Vec<Diagnostic>);

    /// The JSON Schema of one expectation document, for editors.
    fn expectations_schema(&self) -> Value;
}

/// What to decide: the scopes of the decisions named (every one when none is), narrowed to one
/// placement when given, at `at`; `seed` breaks ties.
#[derive(Debug, Clone, Copy)]
pub struct Scopes<'a> {
    pub at: OffsetDateTime,
    pub seed: Option<u64>,
    pub decisions: &'a [String],
    pub placement: Option<&'a str>,
}

/// What offline decisions are made over.
pub trait Catalogue: Any {
    /// A simulator for `scopes`; fails naming what is unknown.
    fn simulator(&self, scopes: Scopes<'_>) -> Result<Box<dyn Simulator + '_>, String>;
}

/// Decides for many profiles over one catalogue at one instant.
pub trait Simulator {
    /// How many (decision, placement) scopes each answer covers.
    fn scopes(&self) -> usize;

    /// Decides for one profile and writes the answer.
    fn answer(
        &mut self,
        request: &Request,
        answer: Answer,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()>;
}

/// Decision expectations (profile, decision, placement → what is proposed).
pub trait Expectations: Any + Send + Sync {
    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The names the expectations refer to (decisions, placements, offers, reason codes) that
    /// `catalogue` does not have, each located, with the closest name it has: a misspelt name
    /// makes an expectation invalid, not merely failing.
    fn unknown_names(&self, catalogue: &dyn Catalogue) -> Vec<Diagnostic>;

    /// Each expectation decided over `catalogue` (at its instant, or `now`), in order.
    fn check(&self, catalogue: &dyn Catalogue, now: OffsetDateTime) -> Vec<Outcome>;

    /// The expectations whose outcome differs between the live catalogue and the desired one
    /// (`catalog`, with the live objects' ids): what a plan changes for customers. `changed`
    /// holds the objects the plan changes; an expectation whose decision reads none of them
    /// cannot differ and is not decided (nothing at all when `changed` is empty).
    fn impact(
        &self,
        catalog: &Catalog,
        live: &LiveState,
        changed: &Changed,
        now: OffsetDateTime,
    ) -> Vec<Impact>;
}
