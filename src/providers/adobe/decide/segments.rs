//! Audience (segment) constraints: the manifest language has no field for them, so they come
//! from a repository property kept verbatim under `extra` (an offer's selection constraint
//! with `profileConstraintType` `anySegments` or `allSegments`), in either API's spelling.
//! Membership is the profile's `segmentMembership.<namespace>.<id>.status`: `realized` or
//! `existing` (not `exited`), as the decisioning service reads it without recomputing audiences.

use serde_json::Value;

use crate::manifest::Extra;

/// `(any, segment ids)` when `extra` holds a segments constraint.
pub fn constraint(extra: &Extra) -> Option<(bool, Vec<String>)> {
    extra.iter().find_map(|(key, value)| {
        if !key.contains("selectionConstraint") && !key.contains("profileConstraint") {
            return None;
        }
        find(&value.value)
    })
}

fn find(value: &Value) -> Option<(bool, Vec<String>)> {
    let object = value.as_object()?;
    let get = |names: &[&str]| names.iter().find_map(|n| object.get(*n));
    if let Some(kind) =
        get(&["xdm:profileConstraintType", "profileConstraintType"]).and_then(Value::as_str)
    {
        let any = match kind {
            "anySegments" => true,
            "allSegments" => false,
            _ => return None,
        };
        let ids = get(&["xdm:segmentIdentities", "segmentIdentities"])?
            .as_array()?
            .iter()
            .filter_map(|s| {
                ["xdm:_id", "_id", "xdm:id", "id"]
                    .iter()
                    .find_map(|k| s.get(*k))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect();
        return Some((any, ids));
    }
    object.values().find_map(find)
}

/// Whether the profile is in any (or all) of `segments`.
pub fn satisfied(profile: &Value, any: bool, segments: &[String]) -> bool {
    let profile = profile
        .get("profile")
        .filter(|p| p.is_object())
        .unwrap_or(profile);
    let member = |id: &String| {
        profile
            .get("segmentMembership")
            .and_then(Value::as_object)
            .is_some_and(|namespaces| {
                namespaces.values().any(|ns| {
                    ns.get(id)
                        .and_then(|m| m.get("status"))
                        .and_then(Value::as_str)
                        .is_some_and(|s| s == "realized" || s == "existing")
                })
            })
    };
    if any {
        segments.iter().any(member)
    } else {
        segments.iter().all(member)
    }
}
