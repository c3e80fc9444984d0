//! Decision expectations kept in git (`tests.d/*.yaml`): a profile, an instant, a decision
//! and placement, and what must come out. `offerctl test` runs them; `plan` evaluates them
//! against the live and the desired catalogue to show what a change does to customers.
//!
//! ```yaml
//! name: gold member in the US sees the ABC card on the kiosk
//! decision: Kiosk personalization
//! placement: Kiosk banner            # optional when the decision has one placement
//! at: 2026-06-01T12:00:00Z           # optional (default: now)
//! profile:                           # or profileFile: profiles/good-credit-us.json (relative to this file)
//!   membership: {status: gold}
//! expect:
//!   offers: [ABC Bank Credit Card]   # in order; or `fallback: NAME`
//!   excluded:                        # optional: offer → reason code
//!     ABC Platinum Card: NOT_APPROVED
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::catalogue::Catalogue;
use super::engine::{Counter, Counters, Engine, Proposition, Request};
use super::names::{self, NameRef};
use super::output;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Loc, SourceSet};
use crate::yaml;

/// One expectation, as written.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CaseSpec {
    /// What this case checks, shown by `offerctl test` and in plans.
    pub name: String,
    /// The decision (Activity) by name.
    pub decision: String,
    /// The placement by name; optional when the decision decides for one placement.
    #[serde(default)]
    pub placement: Option<String>,
    /// The instant (RFC 3339); default: now.
    #[serde(default)]
    #[schemars(extend("format" = "date-time"))]
    pub at: Option<String>,
    /// The profile (XDM-shaped JSON; `segmentMembership` for audiences, `xEvent` for events).
    #[serde(default)]
    pub profile: Option<Value>,
    /// A JSON file holding the profile, relative to this file.
    #[serde(default)]
    pub profile_file: Option<String>,
    /// Context data by schema URI (`@{schema}.field` in rules).
    #[serde(default)]
    pub context: Option<Value>,
    /// Capping counters so far: offer name → `{global, profile}`.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, BTreeMap<String, u64>>>")]
    pub counters: Option<BTreeMap<String, CounterSpec>>,
    /// Overrides the placement's item count (1 to 30).
    #[serde(default)]
    #[schemars(range(min = 1, max = 30))]
    pub item_count: Option<usize>,
    pub expect: Expect,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterSpec {
    #[serde(default)]
    pub global: Option<u64>,
    #[serde(default)]
    pub profile: Option<u64>,
}

/// What must come out: the offers in order, or the fallback; and optionally why some offers
/// were not proposed.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The proposed offers, in order.
    #[serde(default)]
    pub offers: Option<Vec<String>>,
    /// The fallback offer (when no offer qualifies).
    #[serde(default)]
    pub fallback: Option<String>,
    /// Offers that must not be proposed, with the reason code (`NOT_APPROVED`,
    /// `OFFER_RULE_FALSE`, `CAPPED`, ...).
    #[serde(default)]
    pub excluded: BTreeMap<String, String>,
}

/// A case ready to run.
#[derive(Debug, Clone)]
pub struct Case {
    pub spec: CaseSpec,
    pub loc: Loc,
    pub profile: Value,
    pub at: Option<OffsetDateTime>,
    /// The names it refers to, located.
    pub names: Vec<NameRef>,
}

/// The cases of a directory (or file) of expectations, and every problem, located.
#[derive(Debug, Default)]
pub struct Loaded {
    pub cases: Vec<Case>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the cases of `sources`. `base` resolves `profileFile` (the file's directory).
pub fn load(sources: &SourceSet) -> Loaded {
    let mut loaded = Loaded::default();
    for (file, source) in sources.iter() {
        let stream = yaml::parse(&source.text);
        let loc = |span: std::ops::Range<usize>| Loc {
            file,
            start: span.start,
            end: span.end,
        };
        if let Some(error) = &stream.error {
            loaded.diagnostics.push(
                Diagnostic::error("test-yaml", format!("not valid YAML: {}", error.message))
                    .with_label(loc(error.span.clone()), "here"),
            );
        }
        for document in &stream.documents {
            match case(file, &source.path, &document.root) {
                Ok(case) => loaded.cases.push(case),
                Err((span, message)) => loaded
                    .diagnostics
                    .push(Diagnostic::error("test-invalid", message).with_label(loc(span), "here")),
            }
        }
    }
    loaded
}

type Located<T> = Result<T, (std::ops::Range<usize>, String)>;

fn case(file: FileId, path: &str, root: &yaml::Node) -> Located<Case> {
    let json = root.to_json();
    let spec: CaseSpec = serde_json::from_value(json).map_err(|e| {
        let message = e.to_string();
        // Point at the field the message names, when it names one.
        let field = message.split('`').nth(1).unwrap_or_default();
        (
            field_span(root, field).unwrap_or(root.span.clone()),
            format!("invalid expectation: {message}"),
        )
    })?;
    let span_of = |field: &str| field_span(root, field).unwrap_or(root.span.clone());
    if spec.expect.offers.is_some() == spec.expect.fallback.is_some()
        && spec.expect.excluded.is_empty()
    {
        return Err((
            span_of("expect"),
            "`expect` needs `offers` (in order) or `fallback`, or at least `excluded`".into(),
        ));
    }
    if spec.expect.offers.is_some() && spec.expect.fallback.is_some() {
        return Err((
            span_of("expect"),
            "`expect` has both `offers` and `fallback`: a placement returns one or the other"
                .into(),
        ));
    }
    let at = match &spec.at {
        Some(text) => Some(crate::diff::meaning::instant(text).ok_or_else(|| {
            (
                span_of("at"),
                format!("`at` is not an RFC 3339 instant, such as 2026-03-01T05:59:59Z: {text}"),
            )
        })?),
        None => None,
    };
    let profile = match (&spec.profile, &spec.profile_file) {
        (Some(_), Some(_)) => {
            return Err((
                span_of("profileFile"),
                "give `profile` or `profileFile`, not both".into(),
            ));
        }
        (Some(profile), None) => profile.clone(),
        (None, Some(relative)) => {
            let base = Path::new(path).parent().unwrap_or(Path::new("."));
            read_profile(&base.join(relative)).map_err(|e| (span_of("profileFile"), e))?
        }
        (None, None) => Value::Object(Default::default()),
    };
    Ok(Case {
        loc: Loc {
            file,
            start: root.span.start,
            end: root.span.end,
        },
        spec,
        profile,
        at,
        names: names::collect(file, root),
    })
}

fn field_span(root: &yaml::Node, field: &str) -> Option<std::ops::Range<usize>> {
    match &root.value {
        yaml::Value::Map(entries) => entries.iter().find_map(|e| {
            if e.key == field {
                Some(e.key_span.clone())
            } else {
                field_span(&e.value, field)
            }
        }),
        _ => None,
    }
}

/// A profile file: JSON (or YAML, which JSON is part of).
pub fn read_profile(path: &PathBuf) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the profile {}: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a JSON profile: {e}", path.display()))
}

/// One case's result.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub name: String,
    /// `decision @ placement`.
    pub scope: String,
    /// Differences between what was expected and what came out (empty: passed).
    pub failures: Vec<String>,
    /// What came out, in one line.
    pub actual: String,
    pub proposition: Option<Proposition>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs a case over a catalogue, at its instant or `now`.
pub fn run(case: &Case, catalogue: &Catalogue, now: OffsetDateTime) -> Outcome {
    let spec = &case.spec;
    let mut outcome = Outcome {
        name: spec.name.clone(),
        scope: format!(
            "{} @ {}",
            spec.decision,
            spec.placement.as_deref().unwrap_or("?")
        ),
        failures: Vec::new(),
        actual: String::new(),
        proposition: None,
    };
    let mut engine = Engine::new(catalogue, case.at.unwrap_or(now), None);
    let scopes = match engine.scopes(
        std::slice::from_ref(&spec.decision),
        spec.placement.as_deref(),
    ) {
        Ok(scopes) => scopes,
        Err(error) => {
            outcome.actual = error.clone();
            outcome.failures.push(error);
            return outcome;
        }
    };
    if scopes.len() > 1 {
        let placements: Vec<&str> = scopes.iter().map(|(_, p)| p.as_str()).collect();
        let error = format!(
            "decision `{}` decides for several placements ({}): name one with `placement`",
            spec.decision,
            placements.join(", ")
        );
        outcome.actual = error.clone();
        outcome.failures.push(error);
        return outcome;
    }
    outcome.scope = format!("{} @ {}", scopes[0].0, scopes[0].1);
    let counters: Option<Counters> = spec.counters.as_ref().map(|c| {
        c.iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    Counter {
                        global: v.global,
                        profile: v.profile,
                    },
                )
            })
            .collect()
    });
    let empty = Value::Object(Default::default());
    let request = Request {
        profile: &case.profile,
        context: spec.context.as_ref().unwrap_or(&empty),
        counters: counters.as_ref(),
        item_count: spec.item_count,
        allow_duplicates: true,
        explain: true,
    };
    let proposition = engine.decide(&scopes, &request).remove(0);
    outcome.actual = output::outcome(&proposition);
    let options: Vec<&str> = proposition
        .options
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    let fallback = if options.is_empty() {
        proposition.fallback.as_ref().map(|f| f.name.as_str())
    } else {
        None
    };
    if let Some(expected) = &spec.expect.offers
        && (expected.iter().map(String::as_str).collect::<Vec<_>>() != options
            || fallback.is_some())
    {
        outcome.failures.push(format!(
            "expected offers {}, got {}",
            if expected.is_empty() {
                "(none)".to_string()
            } else {
                expected.join(", ")
            },
            outcome.actual
        ));
    }
    if let Some(expected) = &spec.expect.fallback
        && fallback != Some(expected.as_str())
    {
        outcome.failures.push(format!(
            "expected fallback {expected}, got {}",
            outcome.actual
        ));
    }
    for (offer, code) in &spec.expect.excluded {
        let candidate = proposition.candidates.iter().find(|c| c.offer == *offer);
        match candidate.and_then(|c| c.reason.as_ref()) {
            Some(reason) if reason.code() == code => {}
            Some(reason) => outcome.failures.push(format!(
                "expected {offer} excluded with {code}, but {} ({reason})",
                reason.code()
            )),
            None if candidate.is_some() => outcome.failures.push(format!(
                "expected {offer} excluded with {code}, but it was proposed"
            )),
            None => outcome.failures.push(format!(
                "expected {offer} excluded with {code}, but it is in no collection of this decision"
            )),
        }
    }
    outcome.proposition = Some(proposition);
    outcome
}

/// The JSON Schema (draft-07) of one expectation document, for editors.
pub fn json_schema() -> Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<CaseSpec>();
    serde_json::to_value(schema).unwrap_or(Value::Null)
}
