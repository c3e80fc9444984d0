//! What operations check before they commit: the schema, the `If-Match` precondition, the
//! shape of instances and patch paths, and the rules, references and uniqueness of an instance.

use serde_json::{Map, Value};

use super::envelope::Envelope;
use super::error::{RepoError, Violation};
use super::query::ListQuery;
use super::store::Sandbox;
use super::validate::{self, references};
use crate::json_bounds;
use crate::providers::adobe::kind::Kind;

/// An `If-Match` precondition on a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// `*`: the instance must exist (it always does when the precondition is checked).
    Any,
    /// Any one of these etags must be current.
    OneOf(Vec<u64>),
}

impl IfMatch {
    fn check(&self, current: u64) -> Result<(), RepoError> {
        match self {
            IfMatch::Any => Ok(()),
            IfMatch::OneOf(etags) if etags.contains(&current) => Ok(()),
            IfMatch::OneOf(_) => Err(RepoError::EtagMismatch { current }),
        }
    }
}

pub(super) fn kind_of(schema: &str) -> Result<Kind, RepoError> {
    Kind::from_schema_id(&clean_schema(schema))
        .ok_or_else(|| RepoError::UnknownSchema(schema.to_string()))
}

pub(super) fn clean_schema(schema: &str) -> String {
    let schema = schema.trim();
    schema
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(schema)
        .trim()
        .to_string()
}

pub(super) fn into_object(instance: Value) -> Result<Map<String, Value>, RepoError> {
    match instance {
        Value::Object(map) => Ok(map),
        other => Err(RepoError::invalid(
            "/_instance",
            format!("must be an object, not {}", validate::type_name(&other)),
        )),
    }
}

/// The caller's custom links; `self` is the repository's own.
pub(super) fn user_links(mut links: Map<String, Value>) -> Map<String, Value> {
    links.remove("self");
    links
}

pub(super) fn patchable(path: &str) -> bool {
    ["/_instance", "/_links"]
        .iter()
        .any(|root| path == *root || path.starts_with(&format!("{root}/")))
}

pub(super) fn current<'s>(
    space: &'s Sandbox,
    instance_id: &str,
    if_match: Option<&IfMatch>,
) -> Result<&'s Envelope, RepoError> {
    let current = space
        .get(instance_id)
        .ok_or_else(|| RepoError::NotFound(instance_id.to_string()))?;
    if let Some(condition) = if_match {
        condition.check(current.etag)?;
    }
    Ok(current)
}

/// Schema rules, references and uniqueness, in that order (422 before 409).
/// A stored instance nests at most [`json_bounds::MAX_DEPTH`] levels, so every client can
/// read it back inside a page of results (see `json_bounds`).
fn check_depth(instance: &Map<String, Value>) -> Result<(), RepoError> {
    let deepest = instance
        .iter()
        .map(|(key, value)| (key, value, json_bounds::measure(value).depth))
        .max_by_key(|(_, _, depth)| *depth);
    match deepest {
        Some((key, value, depth)) if depth + 1 > json_bounds::MAX_DEPTH => {
            let key = key.replace('~', "~0").replace('/', "~1");
            Err(RepoError::invalid(
                format!("/_instance/{key}{}", json_bounds::deepest_pointer(value)),
                format!(
                    "nests deeper than {} levels (objects and arrays), which clients cannot read back",
                    json_bounds::MAX_DEPTH
                ),
            ))
        }
        _ => Ok(()),
    }
}

pub(super) fn check_instance(
    space: &Sandbox,
    kind: Kind,
    instance: &Map<String, Value>,
    self_id: Option<&str>,
) -> Result<(), RepoError> {
    check_depth(instance)?;
    let mut violations = validate::check(kind, instance);
    for reference in references(kind, instance) {
        match space.by_uri(&reference.target) {
            None => violations.push(Violation::new(
                &reference.pointer,
                format!(
                    "references {}, which does not exist in this container",
                    reference.target
                ),
            )),
            Some(target) if target.kind != reference.expected => violations.push(Violation::new(
                &reference.pointer,
                format!(
                    "must reference a {}, but {} is a {}",
                    reference.expected.description(),
                    reference.target,
                    target.kind.description()
                ),
            )),
            Some(_) => {}
        }
    }
    if kind == Kind::Activity && violations.is_empty() {
        check_fallback_fits(space, instance, &mut violations);
    }
    if !violations.is_empty() {
        return Err(RepoError::Invalid(violations));
    }
    // Tag names are unique (seed 002). Ranking formulas' are too, by the emulator's choice:
    // Adobe documents nothing either way, and people pick a formula by its name.
    if matches!(kind, Kind::Tag | Kind::RankingFormula)
        && let Some(name) = instance.get("xdm:name").and_then(Value::as_str)
        && let Some(other) = space.of_kind(kind).all().find(|e| {
            Some(e.instance_id.as_str()) != self_id
                && e.instance.get("xdm:name").and_then(Value::as_str) == Some(name)
        })
    {
        return Err(RepoError::Duplicate {
            property: "/_instance/xdm:name".into(),
            value: name.to_string(),
            existing: other.uri().to_string(),
        });
    }
    Ok(())
}

/// An activity's fallback must have a representation for every placement the activity
/// decides for: the flat `xdm:placement`, or each placement of each criterion.
fn check_fallback_fits(
    space: &Sandbox,
    activity: &Map<String, Value>,
    violations: &mut Vec<Violation>,
) {
    let fallback = activity
        .get("xdm:fallback")
        .and_then(Value::as_str)
        .and_then(|uri| space.by_uri(uri));
    let Some(fallback) = fallback else {
        return;
    };
    let mut placements: Vec<&str> = Vec::new();
    placements.extend(activity.get("xdm:placement").and_then(Value::as_str));
    if let Some(Value::Array(criteria)) = activity.get("xdm:criteria") {
        for criterion in criteria {
            if let Some(Value::Array(list)) = criterion.get("xdm:placements") {
                placements.extend(list.iter().filter_map(Value::as_str));
            }
        }
    }
    let represented: Vec<&str> = fallback
        .instance
        .get("xdm:representations")
        .and_then(Value::as_array)
        .map(|reps| {
            reps.iter()
                .filter_map(|rep| rep.get("xdm:placement").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let mut reported: Vec<&str> = Vec::new();
    for placement in placements {
        if represented.contains(&placement) || reported.contains(&placement) {
            continue;
        }
        reported.push(placement);
        violations.push(Violation::new(
            "/_instance/xdm:fallback",
            format!(
                "fallback offer {} has no representation for placement {placement}",
                fallback.uri()
            ),
        ));
    }
}

/// The kind a list or count is about: its `schema` parameter, which is required.
pub(super) fn listed_kind(query: &ListQuery) -> Result<Kind, RepoError> {
    let Some(schema) = &query.schema else {
        return Err(RepoError::BadQuery(
            "the schema parameter is required".into(),
        ));
    };
    kind_of(schema)
}
