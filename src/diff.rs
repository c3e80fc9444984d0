//! Comparing a live document with the desired one, and the smallest RFC 6902 patch that turns
//! the first into the second.
//!
//! Both sides are compared in a normal form, so that a plan right after a successful apply is
//! empty: absent ≡ empty (`[]`, `{}`, `null`), set-like arrays compare as sets, keyed arrays
//! are matched by their key, and only the properties offerctl manages are looked at (others,
//! set by the vendor's UI or server, are never touched). Patches are minimal: a changed field is
//! one `replace`, a new set member one `add .../-`, never a chain of index rewrites.
//!
//! What is managed, and which arrays are sets or keyed, is the provider's word, per kind
//! ([`Rules`]); plus, in each JSON object, the members the desired document itself sets there (a
//! manifest's `extra`). So an object whose manifest has no `extra` never touches unmodelled live
//! properties, and one that lists a property with `null` removes it.
//!
//! Scalars compare by meaning under the type the provider declares ([`Rules::types`], see
//! [`meaning`]): an instant respelled by the service is no change, and a patch carries the
//! desired document's own spelling, only where the meaning differs.

pub mod meaning;
#[cfg(test)]
mod typed_tests;
mod unchanged;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use meaning::{Case, Type};
pub use unchanged::unchanged_text;

/// One RFC 6902 operation. Paths start at the provider's document root ([`Rules::root`]).
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

/// How a provider's documents of one kind compare: which properties offerctl manages, and the
/// shape of their arrays. Paths are patterns with array positions as `*`
/// (`representations/*/components`).
#[derive(Clone, Copy)]
pub struct Rules {
    /// Where the document sits in the provider's patch paths (such as `/body`; empty for the root).
    pub root: &'static str,
    /// The top-level properties the manifest language models.
    pub properties: &'static [&'static str],
    /// Inside managed properties, the members managed at a path pattern; `None` means every
    /// member (free-form maps).
    pub members: fn(&str) -> Option<&'static [&'static str]>,
    /// The type of scalar fields, by path pattern (`constraint/startDate`,
    /// `schedule/timeFrames/*/startTime`): how two spellings compare. Undeclared fields are
    /// [`Type::Text`], compared as written.
    pub types: &'static [(&'static str, Type)],
    /// Arrays whose order carries no meaning.
    pub sets: &'static [&'static str],
    /// Arrays of objects identified by one of their members: (path pattern, member).
    pub keyed: &'static [(&'static str, &'static str)],
    /// Objects that must not be removed whole; their members are removed instead.
    pub keep_container: &'static [&'static str],
    /// Top-level properties the repository assigns (an id): never managed, never counted.
    pub assigned: &'static [&'static str],
    /// Members the repository assigns inside managed objects (path pattern, member), such as
    /// an id per array element: never managed, never counted, kept as they are.
    pub assigned_members: &'static [(&'static str, &'static str)],
    /// Whether a managed value (at a path pattern, in normal form) is one the repository stores
    /// by default and that means the same as its absence, such as a constraint of type "none":
    /// compared as absent, so that a server default never shows as drift.
    pub neutral: fn(&str, &Value) -> bool,
}

/// [`Rules::neutral`] for providers whose repositories fill in no such defaults.
pub fn nothing_neutral(_pattern: &str, _value: &Value) -> bool {
    false
}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rules")
            .field("root", &self.root)
            .field("properties", &self.properties)
            .finish_non_exhaustive()
    }
}

/// The normal form of an instance, for comparison: the modelled properties only, empties
/// dropped, sets sorted, keyed arrays ordered by key.
pub fn normalize(rules: &Rules, instance: &Value) -> Value {
    rules.normalize_against(instance, None)
}

/// Whether `live` already is what `desired` asks for.
pub fn equivalent(rules: &Rules, live: &Value, desired: &Value) -> bool {
    rules.normalize_against(live, Some(desired)) == rules.normalize_against(desired, Some(desired))
}

/// The operations that turn `live` into `desired` (empty when equivalent).
pub fn diff(rules: &Rules, live: &Value, desired: &Value) -> Vec<Op> {
    let empty = Map::new();
    let live_map = live.as_object().unwrap_or(&empty);
    let desired_map = desired.as_object().unwrap_or(&empty);
    let mut ops = Vec::new();
    for key in rules.top_level_keys(Some(desired)) {
        let (live, desired) = (live_map.get(key), desired_map.get(key));
        if live == desired {
            // Identical values have identical normal forms (and both absent is no change):
            // the common case of a plan with no changes, decided without normalizing.
            continue;
        }
        let path = [key];
        let pointer = format!("{}/{}", rules.root, escape(key));
        rules.members(&path, &pointer, live, desired, &mut ops);
    }
    ops
}

/// Pointers (under the root) of the non-empty live properties that `diff` does not look at
/// when `desired` is the goal: neither modelled nor set by `desired`. Empty when `desired`
/// accounts for everything in `live` (what the repository assigns is not counted).
pub fn unaccounted(rules: &Rules, live: &Value, desired: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Value::Object(map) = live else {
        return out;
    };
    let keys = rules.top_level_keys(Some(desired));
    for (key, value) in map {
        let pointer = format!("{}/{}", rules.root, escape(key));
        if rules.assigned.contains(&key.as_str()) {
            continue;
        }
        if keys.contains(&key.as_str()) {
            rules.hidden(&[key], &pointer, value, desired.get(key), &mut out);
        } else if rules.normal(&[key], value, None).is_some() {
            out.push(pointer);
        }
    }
    out
}

/// `live`, with each declared scalar that means what its counterpart in `desired` means
/// spelled as `desired` spells it: what a reader of the live object (such as `pull`) writes
/// back so that values equal in meaning keep the desired document's spelling.
pub fn respell(rules: &Rules, live: &Value, desired: &Value) -> Value {
    let mut out = live.clone();
    if let (Value::Object(map), Value::Object(wanted)) = (&mut out, desired) {
        for (key, value) in map.iter_mut() {
            if let Some(counterpart) = wanted.get(key) {
                rules.respell_at(&[key], value, counterpart);
            }
        }
    }
    out
}

fn is_scalar(value: &Value) -> bool {
    matches!(value, Value::Bool(_) | Value::Number(_) | Value::String(_))
}

fn size(ops: &[Op]) -> usize {
    serde_json::to_string(ops).map_or(usize::MAX, |s| s.len())
}

/// `representations/*/components` for a path with array positions as `*`.
fn pattern(path: &[&str]) -> String {
    path.join("/")
}

/// JSON Pointer escaping of one reference token (RFC 6901).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

impl Rules {
    /// The modelled properties in their usual order, then the other members of `document`
    /// (those a manifest's `extra` sets).
    pub fn properties_then_extra<'a>(
        &'a self,
        document: Option<&'a Value>,
    ) -> impl Iterator<Item = &'a str> + 'a {
        let extra = document
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|d| d.keys())
            .map(String::as_str)
            .filter(|k| !self.properties.contains(k));
        self.properties.iter().copied().chain(extra)
    }

    /// The declared type of the scalar at path pattern `shape`.
    fn type_at(&self, shape: &str) -> Type {
        self.types
            .iter()
            .find(|(p, _)| *p == shape)
            .map_or(Type::Text, |(_, t)| *t)
    }

    /// The key of element `item` of the keyed array at `shape`, in normal form.
    fn key_of(&self, shape: &str, key: &str, item: &Value) -> Option<Value> {
        let value = item.get(key).filter(|k| !k.is_null())?;
        Some(meaning::canonical(
            self.type_at(&format!("{shape}/*/{key}")),
            value,
        ))
    }

    /// Whether two elements of the array at `shape` are the same element: equal, or scalars
    /// equal in meaning.
    fn same_element(&self, shape: &str, a: &Value, b: &Value) -> bool {
        a == b
            || (is_scalar(a)
                && is_scalar(b)
                && meaning::same(self.type_at(&format!("{shape}/*")), a, b))
    }

    fn respell_at(&self, path: &[&str], live: &mut Value, desired: &Value) {
        let shape = pattern(path);
        match (live, desired) {
            (Value::Object(map), Value::Object(wanted)) => {
                for (key, value) in map.iter_mut() {
                    if let Some(counterpart) = wanted.get(key) {
                        let child: Vec<&str> = path.iter().copied().chain([key.as_str()]).collect();
                        self.respell_at(&child, value, counterpart);
                    }
                }
            }
            (Value::Array(items), Value::Array(wanted)) => {
                let child: Vec<&str> = path.iter().copied().chain(["*"]).collect();
                let set = self.sets.contains(&shape.as_str());
                for (i, item) in items.iter_mut().enumerate() {
                    let counterpart = if set {
                        wanted.iter().find(|w| self.same_element(&shape, item, w))
                    } else {
                        self.counterpart_element(&shape, item, i, Some(desired))
                    };
                    if let Some(counterpart) = counterpart {
                        self.respell_at(&child, item, counterpart);
                    }
                }
            }
            (live, desired)
                if live != desired
                    && is_scalar(live)
                    && is_scalar(desired)
                    && meaning::same(self.type_at(&shape), live, desired) =>
            {
                *live = desired.clone();
            }
            _ => {}
        }
    }

    /// The normal form of `instance` restricted to what is managed when `desired` is the goal:
    /// the modelled properties plus those `desired` sets.
    fn normalize_against(&self, instance: &Value, desired: Option<&Value>) -> Value {
        let mut out = Map::new();
        if let Value::Object(map) = instance {
            for key in self.top_level_keys(desired) {
                let counterpart = desired.and_then(|d| d.get(key));
                if let Some(value) = map
                    .get(key)
                    .and_then(|v| self.normal(&[key], v, counterpart))
                {
                    out.insert(key.to_string(), value);
                }
            }
        }
        out.sort_keys();
        Value::Object(out)
    }

    /// The top-level properties managed when `desired` is the goal, modelled ones first. What
    /// the repository assigns is never managed.
    fn top_level_keys<'a>(&'a self, desired: Option<&'a Value>) -> Vec<&'a str> {
        let mut keys: Vec<&str> = self.properties.to_vec();
        if let Some(Value::Object(map)) = desired {
            keys.extend(
                map.keys()
                    .map(String::as_str)
                    .filter(|k| !self.properties.contains(k) && self.compares(k, map)),
            );
        }
        keys
    }

    /// Whether `diff` compares the top-level member `key` when `desired` is the goal: every
    /// modelled property, and what the desired document sets that the repository does not
    /// assign.
    fn compares(&self, key: &str, desired: &Map<String, Value>) -> bool {
        self.properties.contains(&key)
            || (desired.contains_key(key) && !self.assigned.contains(&key))
    }

    fn hidden(
        &self,
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
                    let child_path: Vec<&str> =
                        path.iter().copied().chain([key.as_str()]).collect();
                    let child_pointer = format!("{pointer}/{}", escape(key));
                    let counterpart = desired.and_then(|d| d.get(key));
                    if self.is_managed(&shape, key, desired) {
                        self.hidden(&child_path, &child_pointer, child, counterpart, out);
                    } else if self
                        .assigned_members
                        .contains(&(shape.as_str(), key.as_str()))
                    {
                        continue;
                    } else if self.normal(&child_path, child, None).is_some() {
                        out.push(child_pointer);
                    }
                }
            }
            Value::Array(items) => {
                let child_path: Vec<&str> = path.iter().copied().chain(["*"]).collect();
                for (i, item) in items.iter().enumerate() {
                    let counterpart = self.counterpart_element(&shape, item, i, desired);
                    self.hidden(
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
    fn is_managed(&self, shape: &str, key: &str, counterpart: Option<&Value>) -> bool {
        (self.members)(shape).is_none_or(|m| m.contains(&key))
            || counterpart
                .and_then(Value::as_object)
                .is_some_and(|d| d.contains_key(key))
    }

    /// The element of the desired array (`counterpart`) that live element `item` (at `index`) is
    /// compared with: the one with the same key in keyed arrays, the one at the same index otherwise.
    fn counterpart_element<'d>(
        &self,
        shape: &str,
        item: &Value,
        index: usize,
        counterpart: Option<&'d Value>,
    ) -> Option<&'d Value> {
        let items = counterpart?.as_array()?;
        match self.keyed.iter().find(|(p, _)| *p == shape) {
            Some((_, key)) => {
                // The same key as written first (the common case, and no allocation), then
                // the same key in meaning.
                let written = item.get(*key).filter(|k| !k.is_null())?;
                items
                    .iter()
                    .find(|d| d.get(*key) == Some(written))
                    .or_else(|| {
                        let wanted = self.key_of(shape, key, item)?;
                        items
                            .iter()
                            .find(|d| self.key_of(shape, key, d).as_ref() == Some(&wanted))
                    })
            }
            None => items.get(index),
        }
    }

    /// Diffs one object member that may be absent on either side.
    fn members(
        &self,
        path: &[&str],
        pointer: &str,
        live: Option<&Value>,
        desired: Option<&Value>,
        ops: &mut Vec<Op>,
    ) {
        let live_normal = live.and_then(|v| self.normal(path, v, desired));
        let desired_normal = desired.and_then(|v| self.normal(path, v, Some(v)));
        match (live_normal, desired_normal) {
            (None, None) => {}
            // A live object that only holds members offerctl does not manage: fill in the
            // managed ones, so that the others stay.
            // Or, in a container never removed whole, only values that count as absent (a
            // default): set what changed inside it rather than writing it anew.
            (None, Some(_))
                if live.is_some_and(|l| {
                    self.holds_unmanaged(path, l, desired)
                        || (l.as_object().is_some_and(|m| !m.is_empty())
                            && self.keep_container.contains(&pattern(path).as_str()))
                }) =>
            {
                if let (Some(l), Some(d)) = (live, desired) {
                    self.value(path, pointer, l, d, ops);
                }
            }
            // A live value that counts as absent (a default) is there all the same: replaced.
            (None, Some(_)) if live.is_some_and(is_scalar) => ops.push(Op::Replace {
                path: pointer.to_string(),
                value: desired.cloned().unwrap_or(Value::Null),
            }),
            (None, Some(_)) => ops.push(Op::Add {
                path: pointer.to_string(),
                value: desired.cloned().unwrap_or(Value::Null),
            }),
            // A value that means the same as absence (a server default) where live holds
            // another: set it, as written, rather than removing the member.
            (Some(_), None) if live.is_some() && desired.is_some_and(is_scalar) => {
                ops.push(Op::Replace {
                    path: pointer.to_string(),
                    value: desired.cloned().unwrap_or(Value::Null),
                })
            }
            (Some(_), None) => {
                let shape = pattern(path);
                let live_object = live.and_then(Value::as_object);
                let keep = self.keep_container.contains(&shape.as_str())
                    || live.is_some_and(|l| self.holds_unmanaged(path, l, desired));
                if let (true, Some(live)) = (keep, live_object) {
                    let managed = |k: &str| {
                        (self.members)(&shape).is_some_and(|m| m.contains(&k))
                            || desired
                                .and_then(Value::as_object)
                                .is_some_and(|d| d.contains_key(k))
                    };
                    for (key, value) in live.iter().filter(|(k, _)| managed(k)) {
                        let child: Vec<&str> = path.iter().copied().chain([key.as_str()]).collect();
                        self.members(
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
                    self.value(path, pointer, l, d, ops);
                }
            }
        }
    }

    /// Diffs two present, non-equivalent values.
    fn value(
        &self,
        path: &[&str],
        pointer: &str,
        live: &Value,
        desired: &Value,
        ops: &mut Vec<Op>,
    ) {
        let shape = pattern(path);
        match (live, desired) {
            (Value::Object(l), Value::Object(d)) => {
                let keys = l.keys().chain(d.keys().filter(|k| !l.contains_key(*k)));
                for key in keys.filter(|k| self.is_managed(&shape, k, Some(desired))) {
                    let child: Vec<&str> = path.iter().copied().chain([key.as_str()]).collect();
                    self.members(
                        &child,
                        &format!("{pointer}/{}", escape(key)),
                        l.get(key),
                        d.get(key),
                        ops,
                    );
                }
            }
            (Value::Array(l), Value::Array(d)) if self.sets.contains(&shape.as_str()) => {
                self.set(&shape, pointer, l, d, ops)
            }
            (Value::Array(l), Value::Array(d)) => {
                let key = self
                    .keyed
                    .iter()
                    .find(|(p, _)| *p == shape)
                    .map(|(_, k)| *k);
                let mut candidate = Vec::new();
                let matched =
                    key.is_some_and(|key| self.keyed(path, pointer, key, l, d, &mut candidate));
                if !matched {
                    candidate.clear();
                    self.ordered(path, pointer, l, d, &mut candidate);
                }
                // A whole-array replace would write back stale copies of (or drop) members
                // offerctl does not manage: only when the live array holds none is it allowed.
                let replaceable = !self.holds_unmanaged(path, live, Some(desired));
                self.push_cheapest(pointer, desired, candidate, replaceable, ops);
            }
            _ => ops.push(Op::Replace {
                path: pointer.to_string(),
                value: desired.clone(),
            }),
        }
    }

    /// Diffs two array elements. Elements always exist, so an element that is empty on one side
    /// is replaced (an `add` at an index would insert, and a `remove` would shift the rest).
    fn element(
        &self,
        path: &[&str],
        pointer: &str,
        live: &Value,
        desired: &Value,
        ops: &mut Vec<Op>,
    ) {
        if live == desired {
            return;
        }
        match (
            self.normal(path, live, Some(desired)),
            self.normal(path, desired, Some(desired)),
        ) {
            (l, d) if l == d => {}
            (Some(_), Some(_)) => self.value(path, pointer, live, desired, ops),
            (None, Some(_))
                if live.is_object() && self.holds_unmanaged(path, live, Some(desired)) =>
            {
                self.value(path, pointer, live, desired, ops)
            }
            _ => ops.push(Op::Replace {
                path: pointer.to_string(),
                value: desired.clone(),
            }),
        }
    }

    /// Set semantics: remove what is no longer wanted (highest index first, so indices stay valid),
    /// then append what is new.
    fn set(
        &self,
        shape: &str,
        pointer: &str,
        live: &[Value],
        desired: &[Value],
        ops: &mut Vec<Op>,
    ) {
        let mut kept: Vec<&Value> = Vec::new();
        let mut removals = Vec::new();
        let contains = |list: &[&Value], item: &Value| {
            list.iter()
                .any(|other| self.same_element(shape, other, item))
        };
        for (i, item) in live.iter().enumerate() {
            if desired.iter().any(|d| self.same_element(shape, d, item)) && !contains(&kept, item) {
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
            if !contains(&kept, item) && !contains(&added, item) {
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
        &self,
        path: &[&str],
        pointer: &str,
        key: &str,
        live: &[Value],
        desired: &[Value],
        ops: &mut Vec<Op>,
    ) -> bool {
        let shape = pattern(path);
        let key_of = |v: &Value| self.key_of(&shape, key, v);
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
                Some(j) => self.element(
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
        &self,
        path: &[&str],
        pointer: &str,
        live: &[Value],
        desired: &[Value],
        ops: &mut Vec<Op>,
    ) -> bool {
        let child_path: Vec<&str> = path.iter().copied().chain(["*"]).collect();
        let same = |l: &Value, d: &Value| {
            self.normal(&child_path, l, Some(d)) == self.normal(&child_path, d, Some(d))
        };
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
            self.element(
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
    fn normal(&self, path: &[&str], value: &Value, counterpart: Option<&Value>) -> Option<Value> {
        let shape = pattern(path);
        match value {
            Value::Null => None,
            Value::Object(map) => {
                let mut out = Map::new();
                for (key, child) in map
                    .iter()
                    .filter(|(k, _)| self.is_managed(&shape, k, counterpart))
                {
                    let child_path: Vec<&str> =
                        path.iter().copied().chain([key.as_str()]).collect();
                    let child_counterpart = counterpart.and_then(|c| c.get(key));
                    if let Some(child) = self.normal(&child_path, child, child_counterpart) {
                        out.insert(key.clone(), child);
                    }
                }
                // Key order carries no meaning.
                out.sort_keys();
                let out = Value::Object(out);
                (!out.as_object().is_some_and(Map::is_empty) && !(self.neutral)(&shape, &out))
                    .then_some(out)
            }
            Value::Array(items) => {
                let child_path: Vec<&str> = path.iter().copied().chain(["*"]).collect();
                let mut out: Vec<Value> = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let element = self.counterpart_element(&shape, item, i, counterpart);
                        self.normal(&child_path, item, element)
                            .unwrap_or(Value::Null)
                    })
                    .collect();
                if self.sets.contains(&shape.as_str()) {
                    out.sort_by_cached_key(|v| v.to_string());
                    out.dedup();
                } else if let Some((_, key)) = self.keyed.iter().find(|(p, _)| *p == shape) {
                    out.sort_by_cached_key(|v| v.get(*key).map(Value::to_string));
                }
                (!out.is_empty()).then_some(Value::Array(out))
            }
            other => {
                let canonical = meaning::canonical(self.type_at(&shape), other);
                (!(self.neutral)(&shape, &canonical)).then_some(canonical)
            }
        }
    }

    /// Element-wise ops, or one `replace` of the whole array when that is allowed and smaller.
    fn push_cheapest(
        &self,
        pointer: &str,
        desired: &Value,
        candidate: Vec<Op>,
        replaceable: bool,
        ops: &mut Vec<Op>,
    ) {
        let replace = Op::Replace {
            path: pointer.to_string(),
            value: desired.clone(),
        };
        if replaceable && size(&candidate) > size(std::slice::from_ref(&replace)) {
            ops.push(replace);
        } else {
            ops.extend(candidate);
        }
    }

    /// Whether `live` (at `path`) holds, at any depth, a non-empty member that neither the
    /// provider manages nor `desired` sets: what a whole replace or remove would lose.
    fn holds_unmanaged(&self, path: &[&str], live: &Value, desired: Option<&Value>) -> bool {
        let mut found = Vec::new();
        self.hidden(path, "", live, desired, &mut found);
        !found.is_empty()
    }
}
