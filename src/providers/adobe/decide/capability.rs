//! Adobe's offline decisions as the commands see them ([`crate::decisions::Decisions`]): the
//! catalogue, the expectations and a plan's decision impact (each expectation decided over the
//! live catalogue and over the desired one; those whose outcome differs are what the plan
//! changes for customers).

use std::io::Write;

use time::OffsetDateTime;

use super::cases::{self, Case};
use super::catalogue::Catalogue;
use super::engine::Engine;
use super::names;
use super::output;
use crate::decisions::Impact;
use crate::decisions::{self, Answer, Outcome, Request, Scopes, Simulator};
use crate::diagnostic::Diagnostic;
use crate::live::LiveState;
use crate::manifest::Catalog;
use crate::source::SourceSet;

/// Adobe's offline decisions.
pub struct Decide;

impl decisions::Decisions for Decide {
    fn catalogue(&self, catalog: &Catalog) -> Box<dyn decisions::Catalogue> {
        Box::new(Catalogue::of_catalog(catalog))
    }

    fn live_catalogue(&self, live: &LiveState) -> (Box<dyn decisions::Catalogue>, Vec<String>) {
        let (catalogue, left_out) = Catalogue::of_live(live);
        (Box::new(catalogue), left_out)
    }

    fn expectations(
        &self,
        sources: &SourceSet,
    ) -> (Box<dyn decisions::Expectations>, Vec<Diagnostic>) {
        let loaded = cases::load(sources);
        (Box::new(Cases(loaded.cases)), loaded.diagnostics)
    }

    fn expectations_schema(&self) -> serde_json::Value {
        cases::json_schema()
    }
}

impl decisions::Catalogue for Catalogue {
    fn simulator(&self, wanted: Scopes<'_>) -> Result<Box<dyn Simulator + '_>, String> {
        let engine = Engine::new(self, wanted.at, wanted.seed);
        let scopes = engine.scopes(wanted.decisions, wanted.placement)?;
        Ok(Box::new(Simulation { engine, scopes }))
    }
}

struct Simulation<'c> {
    engine: Engine<'c>,
    scopes: Vec<(String, String)>,
}

impl Simulator for Simulation<'_> {
    fn scopes(&self) -> usize {
        self.scopes.len()
    }

    fn answer(
        &mut self,
        request: &Request,
        answer: Answer,
        mut out: &mut dyn Write,
    ) -> std::io::Result<()> {
        let propositions = self.engine.decide(&self.scopes, request);
        match answer {
            Answer::Json { profile, explain } => {
                output::write_json(&mut out, &propositions, profile, explain)
            }
            Answer::Text => out.write_all(output::text(&propositions).as_bytes()),
        }
    }
}

/// Loaded expectations.
struct Cases(Vec<Case>);

impl decisions::Expectations for Cases {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn unknown_names(&self, catalogue: &dyn decisions::Catalogue) -> Vec<Diagnostic> {
        let any: &dyn std::any::Any = catalogue;
        let Some(catalogue) = any.downcast_ref::<Catalogue>() else {
            return Vec::new();
        };
        self.0
            .iter()
            .flat_map(|case| names::unknown(&case.names, catalogue))
            .collect()
    }

    fn check(&self, catalogue: &dyn decisions::Catalogue, now: OffsetDateTime) -> Vec<Outcome> {
        let any: &dyn std::any::Any = catalogue;
        let Some(catalogue) = any.downcast_ref::<Catalogue>() else {
            let failure = "the catalogue is not one Adobe can decide over".to_string();
            return self.0.iter().map(|case| failed(case, &failure)).collect();
        };
        self.0
            .iter()
            .map(|case| {
                let outcome = cases::run(case, catalogue, now);
                Outcome {
                    name: outcome.name,
                    scope: outcome.scope,
                    failures: outcome.failures,
                }
            })
            .collect()
    }

    fn impact(
        &self,
        catalog: &Catalog,
        live: &LiveState,
        changed: &decisions::Changed,
        now: OffsetDateTime,
    ) -> Vec<Impact> {
        let ours: decisions::Changed = changed
            .iter()
            .filter(|(kind, _)| kind.provider() == crate::providers::adobe::kind::PROVIDER)
            .cloned()
            .collect();
        if ours.is_empty() || self.0.is_empty() {
            return Vec::new();
        }
        let (live, _) = Catalogue::of_live(live);
        let desired = Catalogue::of_catalog(catalog).with_ids(live.known_ids());
        impact(&self.0, &live, &desired, &ours, now)
    }
}

fn failed(case: &Case, failure: &str) -> Outcome {
    Outcome {
        name: case.spec.name.clone(),
        scope: case.spec.decision.clone(),
        failures: vec![failure.to_string()],
    }
}

/// The expectations whose outcome differs between `live` and `desired`, in case order. Only
/// the expectations whose decision reads a `changed` object (on either side) are decided: the
/// others cannot differ.
pub fn impact(
    cases: &[Case],
    live: &Catalogue,
    desired: &Catalogue,
    changed: &decisions::Changed,
    now: OffsetDateTime,
) -> Vec<Impact> {
    touched(cases, live, desired, changed, now)
        .into_iter()
        .filter_map(|case| {
            let before = cases::run(case, live, now);
            let after = cases::run(case, desired, now);
            (before.actual != after.actual).then(|| Impact {
                case: case.spec.name.clone(),
                scope: after.scope,
                before: before.actual,
                after: after.actual,
            })
        })
        .collect()
}

/// The cases whose decision (for their placement) reads one of the `changed` objects in
/// `live` or in `desired`.
pub(super) fn touched<'a>(
    cases: &'a [Case],
    live: &Catalogue,
    desired: &Catalogue,
    changed: &decisions::Changed,
    now: OffsetDateTime,
) -> Vec<&'a Case> {
    let reads = |catalogue: &Catalogue, case: &Case| {
        let engine = Engine::new(catalogue, case.at.unwrap_or(now), None);
        engine
            .reach(&case.spec.decision, case.spec.placement.as_deref())
            .into_iter()
            .any(|(kind, name)| changed.contains(&(kind.core(), name)))
    };
    cases
        .iter()
        .filter(|case| reads(live, case) || reads(desired, case))
        .collect()
}
