//! Comparing a live `_instance` with the desired one, and the smallest RFC 6902 patch that turns
//! the first into the second.
//!
//! Both sides are compared in a normal form, so that a plan right after a successful apply is
//! empty: absent ≡ empty (`[]`, `{}`, `null`), set-like arrays compare as sets, representations
//! are matched by placement, and only the properties offerctl manages are looked at (others,
//! such as `@id` or `offerui:previewThumbnail`, are never touched). Patches are minimal: a
//! changed field is one `replace`, a new tag one `add .../-`, never a chain of index rewrites.
//!
//! What is managed: the properties the manifest language models (`managed_properties`,
//! `managed_members`), plus, in each JSON object, the members the desired document itself sets
//! there (a manifest's `extra`). So an object whose manifest has no `extra` never touches
//! unmodelled live properties, and one that lists `offerui:previewThumbnail: null` removes it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::kind::Kind;
use crate::mapping::xcore::{managed_members, managed_properties};

/// One RFC 6902 operation. Paths start at `/_instance`, as the XCore PATCH expects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Op {
    Add { path: String, value: Value },
    Remove { path: String },
    Replace { path: String, value: Value },
}

impl Op {
    pub fn path(&self) -> &str {
        match self {
            Op::Add { path, .. } | Op::Remove { path } | Op::Replace { path, .. } => path,
        }
    }
}

/// Arrays whose order carries no meaning.
const SETS: &[&str] = &[
    "xdm:tags",
    "ids",
    "xdm:contentTypes",
    "xdm:representations/*/xdm:components/*/dc:language",
];
/// Arrays of objects identified by one of their fields.
const KEYED: &[(&str, &str)] = &[("xdm:representations", "xdm:placement")];
/// Objects that must not be removed whole (seed 002: "PATCH operations should not attempt
/// [to] remove the entire SelectionConstraint property"); their members are removed instead.
const KEEP_CONTAINER: &[&str] = &["xdm:selectionConstraint"];

const ROOT: &str = "/_instance";

/// The normal form of an instance, for comparison: the modelled properties only, empties
/// dropped, sets sorted, keyed arrays ordered by key.
pub fn normalize(kind: Kind, instance: &Value) -> Value {
    normalize_against(kind, instance, None)
}

/// The normal form of `instance` restricted to what is managed when `desired` is the goal:
/// the modelled properties plus those `desired` sets.
fn normalize_against(kind: Kind, instance: &Value, desired: Option<&Value>) -> Value {
    let mut out = Map::new();
    if let Value::Object(map) = instance {
        for key in top_level_keys(kind, desired) {
            let counterpart = desired.and_then(|d| d.get(key));
            if let Some(value) = map.get(key).and_then(|v| normal(&[key], v, counterpart)) {
                out.insert(key.to_string(), value);
            }
        }
    }
    out.sort_keys();
    Value::Object(out)
}

/// The top-level properties managed when `desired` is the goal, modelled ones first. `@id` is
/// the repository's, never managed.
fn top_level_keys(kind: Kind, desired: Option<&Value>) -> Vec<&str> {
    let mut keys: Vec<&str> = managed_properties(kind).to_vec();
    if let Some(Value::Object(map)) = desired {
        keys.extend(
            map.keys()
                .map(String::as_str)
                .filter(|k| *k != "@id" && !managed_properties(kind).contains(k)),
        );
    }
    keys
}

/// Whether `live` already is what `desired` asks for.
pub fn equivalent(kind: Kind, live: &Value, desired: &Value) -> bool {
    normalize_against(kind, live, Some(desired)) == normalize_against(kind, desired, Some(desired))
}

/// The operations that turn `live` into `desired` (empty when equivalent).
pub fn diff(kind: Kind, live: &Value, desired: &Value) -> Vec<Op> {
    let empty = Map::new();
    let live_map = live.as_object().unwrap_or(&empty);
    let desired_map = desired.as_object().unwrap_or(&empty);
    let mut ops = Vec::new();
    for key in top_level_keys(kind, Some(desired)) {
        let (live, desired) = (live_map.get(key), desired_map.get(key));
        if live == desired {
            // Identical values have identical normal forms (and both absent is no change):
            // the common case of a plan with no changes, decided without normalizing.
            continue;
        }
        let path = [key];
        let pointer = format!("{ROOT}/{}", escape(key));
        members(&path, &pointer, live, desired, &mut ops);
    }
    ops
}

/// Pointers (under `/_instance`) of the non-empty live properties that `diff` does not look at
/// when `desired` is the goal: neither modelled nor set by `desired`. Empty when `desired`
/// accounts for everything in `live` (`@id`, assigned by the repository, is not counted).
pub fn unaccounted(kind: Kind, live: &Value, desired: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Value::Object(map) = live else {
        return out;
    };
    let keys = top_level_keys(kind, Some(desired));
    for (key, value) in map {
        let pointer = format!("{ROOT}/{}", escape(key));
        if key == "@id" {
            continue;
        }
        if keys.contains(&key.as_str()) {
            hidden(&[key], &pointer, value, desired.get(key), &mut out);
        } else if normal(&[key], value, None).is_some() {
            out.push(pointer);
        }
    }
    out
}

fn hidden(
    path: &[&str],
    pointer: &str,
    live: &Value,
    desired: Option<&Value>,
    out: &mut Vec<String>,
) {
    let shape = pattern(path);
    match live {
        Value::Object(map) => {
            for (key, child) in map {
                let child_path: Vec<&str> = path.iter().copied().chain([key.as_str()]).collect();
                let child_pointer = format!("{pointer}/{}", escape(key));
                let counterpart = desired.and_then(|d| d.get(key));
                if is_managed(&shape, key, desired) {
                    hidden(&child_path, &child_pointer, child, counterpart, out);
                } else if normal(&child_path, child, None).is_some() {
                    out.push(child_pointer);
                }
            }
        }
        Value::Array(items) => {
            let child_path: Vec<&str> = path.iter().copied().chain(["*"]).collect();
            for (i, item) in items.iter().enumerate() {
                let counterpart = counterpart_element(&shape, item, i, desired);
                hidden(
                    &child_path,
                    &format!("{pointer}/{i}"),
                    item,
                    counterpart,
                    out,
                );
            }
        }
        _ => {}
    }
}

/// Whether member `key` of the object at `shape` is managed: modelled there, or set by the
/// desired object (`counterpart`).
fn is_managed(shape: &str, key: &str, counterpart: Option<&Value>) -> bool {
    managed_members(shape).is_none_or(|m| m.contains(&key))
        || counterpart
            .and_then(Value::as_object)
            .is_some_and(|d| d.contains_key(key))
}

/// The element of the desired array (`counterpart`) that live element `item` (at `index`) is
/// compared with: the one with the same key in keyed arrays, the one at the same index otherwise.
fn counterpart_element<'d>(
    shape: &str,
    item: &Value,
    index: usize,
    counterpart: Option<&'d Value>,
) -> Option<&'d Value> {
    let items = counterpart?.as_array()?;
    match KEYED.iter().find(|(p, _)| *p == shape) {
        Some((_, key)) => {
            let wanted = item.get(*key).filter(|k| !k.is_null())?;
            items.iter().find(|d| d.get(*key) == Some(wanted))
        }
        None => items.get(index),
    }
}

/// Diffs one object member that may be absent on either side.
fn members(
    path: &[&str],
    pointer: &str,
    live: Option<&Value>,
    desired: Option<&Value>,
    ops: &mut Vec<Op>,
) {
    let live_normal = live.and_then(|v| normal(path, v, desired));
    let desired_normal = desired.and_then(|v| normal(path, v, Some(v)));
    match (live_normal, desired_normal) {
        (None, None) => {}
        (None, Some(_)) => ops.push(Op::Add {
            path: pointer.to_string(),
            value: desired.cloned().unwrap_or(Value::Null),
        }),
        (Some(_), None) => {
            let shape = pattern(path);
            let live_object = live.and_then(Value::as_object);
            if let (true, Some(live)) = (KEEP_CONTAINER.contains(&shape.as_str()), live_object) {
                let managed = |k: &str| {
                    managed_members(&shape).is_some_and(|m| m.contains(&k))
                        || desired
                            .and_then(Value::as_object)
                            .is_some_and(|d| d.contains_key(k))
                };
                for (key, value) in live.iter().filter(|(k, _)| managed(k)) {
                    let child: Vec<&str> = path.iter().copied().chain([key.as_str()]).collect();
                    members(
                        &child,
                        &format!("{pointer}/{}", escape(key)),
                        Some(value),
                        desired.and_then(|d| d.get(key)),
                        ops,
                    );
                }
            } else {
                ops.push(Op::Remove {
                    path: pointer.to_string(),
                });
            }
        }
        (Some(l), Some(d)) if l == d => {}
        (Some(_), Some(_)) => {
            // Both present and different: both are non-empty, so `live`/`desired` are Some.
            if let (Some(l), Some(d)) = (live, desired) {
                value(path, pointer, l, d, ops);
            }
        }
    }
}

/// Diffs two present, non-equivalent values.
fn value(path: &[&str], pointer: &str, live: &Value, desired: &Value, ops: &mut Vec<Op>) {
    let shape = pattern(path);
    match (live, desired) {
        (Value::Object(l), Value::Object(d)) => {
            let keys = l.keys().chain(d.keys().filter(|k| !l.contains_key(*k)));
            for key in keys.filter(|k| is_managed(&shape, k, Some(desired))) {
                let child: Vec<&str> = path.iter().copied().chain([key.as_str()]).collect();
                members(
                    &child,
                    &format!("{pointer}/{}", escape(key)),
                    l.get(key),
                    d.get(key),
                    ops,
                );
            }
        }
        (Value::Array(l), Value::Array(d)) if SETS.contains(&shape.as_str()) => {
            set(pointer, l, d, ops)
        }
        (Value::Array(l), Value::Array(d)) => {
            let key = KEYED.iter().find(|(p, _)| *p == shape).map(|(_, k)| *k);
            let mut candidate = Vec::new();
            let done = match key {
                Some(key) => keyed(path, pointer, key, l, d, &mut candidate),
                None => ordered(path, pointer, l, d, &mut candidate),
            };
            push_cheapest(pointer, desired, done.then_some(candidate), ops);
        }
        _ => ops.push(Op::Replace {
            path: pointer.to_string(),
            value: desired.clone(),
        }),
    }
}

/// Diffs two array elements. Elements always exist, so an element that is empty on one side
/// is replaced (an `add` at an index would insert, and a `remove` would shift the rest).
fn element(path: &[&str], pointer: &str, live: &Value, desired: &Value, ops: &mut Vec<Op>) {
    if live == desired {
        return;
    }
    match (
        normal(path, live, Some(desired)),
        normal(path, desired, Some(desired)),
    ) {
        (l, d) if l == d => {}
        (Some(_), Some(_)) => value(path, pointer, live, desired, ops),
        _ => ops.push(Op::Replace {
            path: pointer.to_string(),
            value: desired.clone(),
        }),
    }
}

/// Element-wise ops, or one `replace` of the whole array when that is smaller (or the only way).
fn push_cheapest(pointer: &str, desired: &Value, candidate: Option<Vec<Op>>, ops: &mut Vec<Op>) {
    let replace = Op::Replace {
        path: pointer.to_string(),
        value: desired.clone(),
    };
    match candidate {
        Some(candidate) if size(&candidate) <= size(std::slice::from_ref(&replace)) => {
            ops.extend(candidate)
        }
        _ => ops.push(replace),
    }
}

fn size(ops: &[Op]) -> usize {
    serde_json::to_string(ops).map_or(usize::MAX, |s| s.len())
}

/// Set semantics: remove what is no longer wanted (highest index first, so indices stay valid),
/// then append what is new.
fn set(pointer: &str, live: &[Value], desired: &[Value], ops: &mut Vec<Op>) {
    let mut kept: Vec<&Value> = Vec::new();
    let mut removals = Vec::new();
    for (i, item) in live.iter().enumerate() {
        if desired.contains(item) && !kept.contains(&item) {
            kept.push(item);
        } else {
            removals.push(i);
        }
    }
    for i in removals.into_iter().rev() {
        ops.push(Op::Remove {
            path: format!("{pointer}/{i}"),
        });
    }
    let mut added: Vec<&Value> = Vec::new();
    for item in desired {
        if !kept.contains(&item) && !added.contains(&item) {
            added.push(item);
            ops.push(Op::Add {
                path: format!("{pointer}/-"),
                value: item.clone(),
            });
        }
    }
}

/// Arrays of objects matched by `key`: changed elements are patched in place, then removed
/// ones dropped (highest index first), then new ones appended. `false` when elements lack the
/// key or repeat it, so that matching is impossible.
fn keyed(
    path: &[&str],
    pointer: &str,
    key: &str,
    live: &[Value],
    desired: &[Value],
    ops: &mut Vec<Op>,
) -> bool {
    let key_of = |v: &Value| v.get(key).filter(|k| !k.is_null()).cloned();
    let live_keys: Vec<Option<Value>> = live.iter().map(key_of).collect();
    let desired_keys: Vec<Option<Value>> = desired.iter().map(key_of).collect();
    let unique = |keys: &[Option<Value>]| {
        keys.iter().all(Option::is_some)
            && keys.iter().enumerate().all(|(i, k)| !keys[..i].contains(k))
    };
    if !unique(&live_keys) || !unique(&desired_keys) {
        return false;
    }
    let child_path: Vec<&str> = path.iter().copied().chain(["*"]).collect();
    let mut removals = Vec::new();
    for (i, live_key) in live_keys.iter().enumerate() {
        match desired_keys.iter().position(|k| k == live_key) {
            Some(j) => element(
                &child_path,
                &format!("{pointer}/{i}"),
                &live[i],
                &desired[j],
                ops,
            ),
            None => removals.push(i),
        }
    }
    for i in removals.into_iter().rev() {
        ops.push(Op::Remove {
            path: format!("{pointer}/{i}"),
        });
    }
    for (j, desired_key) in desired_keys.iter().enumerate() {
        if !live_keys.contains(desired_key) {
            ops.push(Op::Add {
                path: format!("{pointer}/-"),
                value: desired[j].clone(),
            });
        }
    }
    true
}

/// Ordered arrays: keep the common prefix and suffix, patch the middle in place where lengths
/// allow, and insert or remove the rest.
fn ordered(
    path: &[&str],
    pointer: &str,
    live: &[Value],
    desired: &[Value],
    ops: &mut Vec<Op>,
) -> bool {
    let child_path: Vec<&str> = path.iter().copied().chain(["*"]).collect();
    let same =
        |l: &Value, d: &Value| normal(&child_path, l, Some(d)) == normal(&child_path, d, Some(d));
    let prefix = live
        .iter()
        .zip(desired)
        .take_while(|(l, d)| same(l, d))
        .count();
    let max_suffix = live.len().min(desired.len()) - prefix;
    let suffix = live
        .iter()
        .rev()
        .zip(desired.iter().rev())
        .take(max_suffix)
        .take_while(|(l, d)| same(l, d))
        .count();
    let live_middle = &live[prefix..live.len() - suffix];
    let desired_middle = &desired[prefix..desired.len() - suffix];
    let common = live_middle.len().min(desired_middle.len());
    for i in 0..common {
        let at = prefix + i;
        element(
            &child_path,
            &format!("{pointer}/{at}"),
            &live[at],
            &desired[at],
            ops,
        );
    }
    for i in (common..live_middle.len()).rev() {
        ops.push(Op::Remove {
            path: format!("{pointer}/{}", prefix + i),
        });
    }
    for (i, item) in desired_middle.iter().enumerate().skip(common) {
        ops.push(Op::Add {
            path: format!("{pointer}/{}", prefix + i),
            value: item.clone(),
        });
    }
    true
}

/// The normal form of one value at `path`; `None` for empty values. Members are kept when
/// managed: modelled, or set by `counterpart` (the desired value at the same place).
fn normal(path: &[&str], value: &Value, counterpart: Option<&Value>) -> Option<Value> {
    let shape = pattern(path);
    match value {
        Value::Null => None,
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, child) in map
                .iter()
                .filter(|(k, _)| is_managed(&shape, k, counterpart))
            {
                let child_path: Vec<&str> = path.iter().copied().chain([key.as_str()]).collect();
                let child_counterpart = counterpart.and_then(|c| c.get(key));
                if let Some(child) = normal(&child_path, child, child_counterpart) {
                    out.insert(key.clone(), child);
                }
            }
            // Key order carries no meaning.
            out.sort_keys();
            (!out.is_empty()).then_some(Value::Object(out))
        }
        Value::Array(items) => {
            let child_path: Vec<&str> = path.iter().copied().chain(["*"]).collect();
            let mut out: Vec<Value> = items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let element = counterpart_element(&shape, item, i, counterpart);
                    normal(&child_path, item, element).unwrap_or(Value::Null)
                })
                .collect();
            if SETS.contains(&shape.as_str()) {
                out.sort_by_cached_key(|v| v.to_string());
                out.dedup();
            } else if let Some((_, key)) = KEYED.iter().find(|(p, _)| *p == shape) {
                out.sort_by_cached_key(|v| v.get(*key).map(Value::to_string));
            }
            (!out.is_empty()).then_some(Value::Array(out))
        }
        other => Some(other.clone()),
    }
}

/// `xdm:representations/*/xdm:components` for a path with array positions as `*`.
fn pattern(path: &[&str]) -> String {
    path.join("/")
}

/// JSON Pointer escaping of one reference token (RFC 6901).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apply(live: &Value, ops: &[Op]) -> Value {
        let mut doc = json!({ "_instance": live });
        let patch: json_patch::Patch =
            serde_json::from_value(serde_json::to_value(ops).unwrap()).unwrap();
        json_patch::patch(&mut doc, &patch).unwrap_or_else(|e| panic!("{e}: {ops:#?}"));
        doc["_instance"].take()
    }

    fn offer() -> Value {
        json!({
            "@id": "xcore:personalized-offer:124e181c8b0d7878",
            "xdm:name": "ABC Bank Credit Card",
            "xdm:status": "draft",
            "xdm:tags": ["xcore:tag:1", "xcore:tag:2"],
            "xdm:selectionConstraint": {"xdm:startDate": "2026-01-01T00:00:00Z", "xdm:eligibilityRule": "xcore:eligibility-rule:9"},
            "xdm:rank": {"xdm:priority": 1},
            "xdm:representations": [
                {"xdm:placement": "xcore:offer-placement:a", "xdm:components": [{"@type": "html", "dc:language": ["en", "fr"]}]},
                {"xdm:placement": "xcore:offer-placement:b", "xdm:components": [{"@type": "text"}]}
            ],
            "offerui:previewThumbnail": "https://example.com/thumb.png"
        })
    }

    #[test]
    fn one_field_change_is_one_replace() {
        let live = offer();
        let mut desired = live.clone();
        desired["xdm:status"] = json!("approved");
        let ops = diff(Kind::Offer, &live, &desired);
        assert_eq!(
            ops,
            [Op::Replace {
                path: "/_instance/xdm:status".into(),
                value: json!("approved")
            }]
        );
        desired["xdm:rank"]["xdm:priority"] = json!(7);
        let ops = diff(Kind::Offer, &live, &desired);
        assert_eq!(
            ops[1],
            Op::Replace {
                path: "/_instance/xdm:rank/xdm:priority".into(),
                value: json!(7)
            }
        );
    }

    #[test]
    fn adding_a_tag_is_one_append_and_order_of_sets_is_ignored() {
        let live = offer();
        let mut desired = live.clone();
        desired["xdm:tags"] = json!(["xcore:tag:2", "xcore:tag:1", "xcore:tag:3"]);
        assert_eq!(
            diff(Kind::Offer, &live, &desired),
            [Op::Add {
                path: "/_instance/xdm:tags/-".into(),
                value: json!("xcore:tag:3")
            }]
        );
        desired["xdm:tags"] = json!(["xcore:tag:2", "xcore:tag:1"]);
        assert!(diff(Kind::Offer, &live, &desired).is_empty());
    }

    #[test]
    fn absent_equals_empty_and_unmanaged_properties_are_left_alone() {
        let mut live = offer();
        live["xdm:characteristics"] = json!({});
        let mut desired = offer();
        desired.as_object_mut().unwrap().remove("@id");
        desired
            .as_object_mut()
            .unwrap()
            .remove("offerui:previewThumbnail");
        assert!(diff(Kind::Offer, &live, &desired).is_empty());
        assert!(equivalent(Kind::Offer, &live, &desired));
    }

    #[test]
    fn representations_match_by_placement_not_position() {
        let live = offer();
        let mut desired = live.clone();
        let reps = desired["xdm:representations"].as_array_mut().unwrap();
        reps.reverse();
        reps[0]["xdm:components"][0]["@type"] = json!("json");
        let ops = diff(Kind::Offer, &live, &desired);
        assert_eq!(
            ops,
            [Op::Replace {
                path: "/_instance/xdm:representations/1/xdm:components/0/@type".into(),
                value: json!("json")
            }]
        );
    }

    #[test]
    fn selection_constraint_is_emptied_member_by_member_never_removed_whole() {
        let live = offer();
        let mut desired = live.clone();
        desired
            .as_object_mut()
            .unwrap()
            .remove("xdm:selectionConstraint");
        let ops = diff(Kind::Offer, &live, &desired);
        assert_eq!(
            ops,
            [
                Op::Remove {
                    path: "/_instance/xdm:selectionConstraint/xdm:startDate".into()
                },
                Op::Remove {
                    path: "/_instance/xdm:selectionConstraint/xdm:eligibilityRule".into()
                }
            ]
        );
        assert!(equivalent(Kind::Offer, &apply(&live, &ops), &desired));
    }

    #[test]
    fn missing_parents_are_created_with_the_value() {
        let mut live = offer();
        live.as_object_mut().unwrap().remove("xdm:tags");
        live.as_object_mut().unwrap().remove("xdm:rank");
        let mut desired = offer();
        desired["xdm:cappingConstraint"] = json!({"xdm:globalCap": 5});
        let ops = diff(Kind::Offer, &live, &desired);
        assert_eq!(ops.len(), 3, "{ops:#?}");
        assert!(ops.iter().all(|op| matches!(op, Op::Add { .. })));
        assert!(equivalent(Kind::Offer, &apply(&live, &ops), &desired));
    }

    #[test]
    fn unmanaged_members_inside_managed_properties_are_kept() {
        let mut live = offer();
        live["xdm:representations"][0]["xdm:components"][0]["offerui:previewThumbnail"] =
            json!("t.png");
        live["xdm:selectionConstraint"]["xdm:profileConstraintType"] = json!("none");
        let mut desired = offer();
        assert!(diff(Kind::Offer, &live, &desired).is_empty());
        desired
            .as_object_mut()
            .unwrap()
            .remove("xdm:selectionConstraint");
        desired["xdm:representations"][0]["xdm:components"][0]["dc:format"] = json!("text/html");
        let patched = apply(&live, &diff(Kind::Offer, &live, &desired));
        assert_eq!(
            patched["xdm:representations"][0]["xdm:components"][0]["offerui:previewThumbnail"],
            "t.png"
        );
        assert_eq!(
            patched["xdm:selectionConstraint"],
            json!({"xdm:profileConstraintType": "none"})
        );
        assert!(equivalent(Kind::Offer, &patched, &desired));
    }

    #[test]
    fn properties_the_desired_document_sets_are_managed_and_null_removes_them() {
        let mut live = offer();
        live["xdm:representations"][0]["xdm:components"][0]["offerui:previewThumbnail"] =
            json!("old.png");
        live["offerui:segmentModel"] = json!({"a": 1});
        // Without them in the desired document, nothing is touched.
        let mut desired = live.clone();
        desired
            .as_object_mut()
            .unwrap()
            .remove("offerui:previewThumbnail");
        desired
            .as_object_mut()
            .unwrap()
            .remove("offerui:segmentModel");
        desired["xdm:representations"][0]["xdm:components"][0]
            .as_object_mut()
            .unwrap()
            .remove("offerui:previewThumbnail");
        assert!(diff(Kind::Offer, &live, &desired).is_empty());
        assert_eq!(
            unaccounted(Kind::Offer, &live, &desired),
            [
                "/_instance/xdm:representations/0/xdm:components/0/offerui:previewThumbnail",
                "/_instance/offerui:previewThumbnail",
                "/_instance/offerui:segmentModel"
            ]
        );
        // Set: compared and patched; null: removed.
        desired["xdm:representations"][0]["xdm:components"][0]["offerui:previewThumbnail"] =
            json!("new.png");
        desired["offerui:segmentModel"] = Value::Null;
        let ops = diff(Kind::Offer, &live, &desired);
        assert_eq!(
            ops,
            [
                Op::Replace {
                    path:
                        "/_instance/xdm:representations/0/xdm:components/0/offerui:previewThumbnail"
                            .into(),
                    value: json!("new.png")
                },
                Op::Remove {
                    path: "/_instance/offerui:segmentModel".into()
                }
            ]
        );
        let patched = apply(&live, &ops);
        assert!(equivalent(Kind::Offer, &patched, &desired));
        assert_eq!(
            patched["offerui:previewThumbnail"],
            live["offerui:previewThumbnail"]
        );
        // A member of a modelled container set by the desired document.
        let mut desired = live.clone();
        desired["xdm:selectionConstraint"]["xdm:profileConstraintType"] = json!("none");
        assert_eq!(
            diff(Kind::Offer, &live, &desired),
            [Op::Add {
                path: "/_instance/xdm:selectionConstraint/xdm:profileConstraintType".into(),
                value: json!("none")
            }]
        );
    }

    #[test]
    fn keys_with_slashes_and_tildes_are_escaped() {
        let live = json!({"xdm:name": "x", "xdm:status": "draft", "xdm:characteristics": {"a/b": "1", "c~d": "2"}});
        let desired = json!({"xdm:name": "x", "xdm:status": "draft", "xdm:characteristics": {"a/b": "3", "c~d": "2"}});
        let ops = diff(Kind::Offer, &live, &desired);
        assert_eq!(
            ops,
            [Op::Replace {
                path: "/_instance/xdm:characteristics/a~1b".into(),
                value: json!("3")
            }]
        );
        assert_eq!(apply(&live, &ops), desired);
    }
}
