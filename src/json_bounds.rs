//! Bounds on JSON documents, the same on both sides of the wire: what an emulator stores, a
//! client can read. A reader parses a page of documents with serde_json's limit of 128 nested
//! levels, and a page wraps each document in a few levels of its own (results, envelope,
//! instance), so a stored document may nest at most [`MAX_DEPTH`] levels.
//!
//! A JSON Patch can grow a document far past any request size (each `copy` of the root into a
//! child doubles it), so [`apply_patch`] applies operations one by one and refuses, before
//! copying, one that would take the document past its size or depth limit.

use json_patch::PatchOperation;
use serde_json::Value;

/// Deepest nesting a stored document may have (objects and arrays, the document itself being
/// level 1), leaving serde_json's 128 levels room for the pages and envelopes around it.
pub const MAX_DEPTH: usize = 100;

/// A document's size as compact JSON text (an upper bound within a few bytes per string of
/// escapes), and how deeply it nests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Measure {
    pub bytes: usize,
    pub depth: usize,
}

/// Measures `value` without recursion, so any depth is safe to measure.
pub fn measure(value: &Value) -> Measure {
    let mut measure = Measure::default();
    let mut pending: Vec<(&Value, usize)> = vec![(value, 1)];
    while let Some((value, depth)) = pending.pop() {
        measure.bytes += match value {
            Value::Null => 4,
            Value::Bool(b) => 4 + usize::from(!b),
            Value::Number(n) => n.to_string().len(),
            Value::String(s) => s.len() + 2,
            Value::Array(items) => {
                measure.depth = measure.depth.max(depth);
                pending.extend(items.iter().map(|item| (item, depth + 1)));
                2 + items.len().saturating_sub(1)
            }
            Value::Object(fields) => {
                measure.depth = measure.depth.max(depth);
                pending.extend(fields.values().map(|item| (item, depth + 1)));
                let keys: usize = fields.keys().map(|k| k.len() + 3).sum();
                2 + keys + fields.len().saturating_sub(1)
            }
        };
    }
    measure
}

/// Whether `value` nests more than `limit` levels (the value itself being level 1), found
/// without recursion.
pub fn deeper_than(value: &Value, limit: usize) -> bool {
    let mut pending: Vec<(&Value, usize)> = vec![(value, 1)];
    while let Some((value, depth)) = pending.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(members) => Box::new(members.values()),
            _ => continue,
        };
        if depth > limit {
            return true;
        }
        pending.extend(children.map(|child| (child, depth + 1)));
    }
    false
}

/// The pointer of one of the deepest places in `value` (for an error that names where), found
/// without recursion.
pub fn deepest_pointer(value: &Value) -> String {
    let mut deepest = (0, String::new());
    let mut pending: Vec<(&Value, usize, String)> = vec![(value, 1, String::new())];
    while let Some((value, depth, pointer)) = pending.pop() {
        if depth > deepest.0 {
            deepest = (depth, pointer.clone());
        }
        match value {
            Value::Array(items) => pending.extend(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| (item, depth + 1, format!("{pointer}/{i}"))),
            ),
            Value::Object(fields) => pending.extend(fields.iter().map(|(key, item)| {
                let key = key.replace('~', "~0").replace('/', "~1");
                (item, depth + 1, format!("{pointer}/{key}"))
            })),
            _ => {}
        }
    }
    deepest.1
}

/// The deepest-nesting item of the array at nesting level `item_depth - 1` in the JSON text
/// `bytes` (a list page whose documents a parser refused as too deep), as the string members
/// named in `keys` found in the item or one level inside it, in the order written: what a
/// reader needs to name the object it cannot read. A byte scan with no recursion, so it works
/// at any depth. `None` when no item is found.
pub fn deepest_item(
    bytes: &[u8],
    item_depth: usize,
    keys: &[&str],
) -> Option<Vec<(String, String)>> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut string_start = 0;
    let mut last_string: Option<(usize, usize)> = None;
    let mut key: Option<String> = None;
    let mut current: (usize, Vec<(String, String)>) = (0, Vec::new());
    let mut deepest: Option<(usize, Vec<(String, String)>)> = None;
    for (i, &byte) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => {
                    in_string = false;
                    last_string = Some((string_start, i));
                }
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => {
                in_string = true;
                string_start = i + 1;
            }
            b':' => {
                key = last_string
                    .take()
                    .map(|(from, to)| String::from_utf8_lossy(&bytes[from..to]).into_owned());
            }
            b',' | b'}' | b']' => {
                if let (Some(name), Some((from, to))) = (key.take(), last_string.take())
                    && depth <= item_depth + 1
                    && depth >= item_depth
                    && keys.contains(&name.as_str())
                {
                    current
                        .1
                        .push((name, String::from_utf8_lossy(&bytes[from..to]).into_owned()));
                }
                if byte != b',' {
                    if depth == item_depth && deepest.as_ref().is_none_or(|d| current.0 > d.0) {
                        deepest = Some(std::mem::take(&mut current));
                    }
                    depth = depth.saturating_sub(1);
                }
            }
            b'{' | b'[' => {
                key = None;
                last_string = None;
                depth += 1;
                if depth == item_depth {
                    current = (depth, Vec::new());
                }
                current.0 = current.0.max(depth);
            }
            _ => {}
        }
    }
    deepest.map(|(_, found)| found)
}

/// Why a patch was refused: which operation, at which path, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchError {
    /// Index of the operation in the patch.
    pub operation: usize,
    pub path: String,
    pub kind: PatchErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchErrorKind {
    /// The result would exceed this many bytes (answered 413).
    TooLarge(usize),
    /// The result would nest deeper than this (answered 422).
    TooDeep(usize),
    /// The operation does not apply (a missing path, a failed test; answered 422).
    Failed(String),
}

impl std::fmt::Display for PatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            PatchErrorKind::TooLarge(limit) => write!(
                f,
                "patch operation {} ({}) would make the document larger than {limit} bytes",
                self.operation, self.path
            ),
            PatchErrorKind::TooDeep(limit) => write!(
                f,
                "patch operation {} ({}) would nest the document deeper than {limit} levels",
                self.operation, self.path
            ),
            PatchErrorKind::Failed(reason) => write!(
                f,
                "patch operation {} ({}) cannot be applied: {reason}",
                self.operation, self.path
            ),
        }
    }
}

/// Applies `ops` to `doc` in order, refusing the first operation that fails or would take the
/// document past `max_bytes` or [`MAX_DEPTH`]. Work stays proportional to the bytes the result
/// may hold: a copy is measured (as costly as the copy itself) before it is made, and all the
/// copies of one patch together may move at most `max_bytes`.
///
/// On error `doc` may hold the operations before the failing one: patch a throw-away copy.
pub fn apply_patch(
    doc: &mut Value,
    ops: &[PatchOperation],
    max_bytes: usize,
) -> Result<(), PatchError> {
    let start = measure(doc);
    let mut bytes = start.bytes;
    // An upper bound of the document's depth: insertions raise it, removals do not lower it.
    let mut depth = start.depth;
    let mut copied = 0usize;
    for (index, op) in ops.iter().enumerate() {
        let error = |kind| PatchError {
            operation: index,
            path: op.path().to_string(),
            kind,
        };
        let at = levels(op.path().as_str());
        let (added, added_depth) = match op {
            PatchOperation::Add(add) => {
                let m = measure(&add.value);
                (m.bytes, at + m.depth)
            }
            PatchOperation::Replace(replace) => {
                let m = measure(&replace.value);
                (m.bytes, at + m.depth)
            }
            PatchOperation::Copy(copy) => {
                let Some(source) = doc.pointer(copy.from.as_str()) else {
                    return Err(error(PatchErrorKind::Failed(format!(
                        "\"from\" location {} does not exist",
                        copy.from
                    ))));
                };
                let m = measure(source);
                copied = copied.saturating_add(m.bytes);
                if copied > max_bytes {
                    return Err(error(PatchErrorKind::TooLarge(max_bytes)));
                }
                (m.bytes, at + m.depth)
            }
            // The moved value is at most as deep as the document below where it was.
            PatchOperation::Move(moved) => {
                (0, at + depth.saturating_sub(levels(moved.from.as_str())))
            }
            PatchOperation::Remove(_) | PatchOperation::Test(_) => (0, 0),
        };
        if bytes.saturating_add(added) > max_bytes {
            return Err(error(PatchErrorKind::TooLarge(max_bytes)));
        }
        if added_depth > MAX_DEPTH {
            return Err(error(PatchErrorKind::TooDeep(MAX_DEPTH)));
        }
        // What an operation replaces or removes no longer counts.
        let removed = match op {
            PatchOperation::Replace(_) | PatchOperation::Remove(_) => doc
                .pointer(op.path().as_str())
                .map_or(0, |old| measure(old).bytes),
            PatchOperation::Add(_) | PatchOperation::Copy(_) => {
                match doc.pointer(op.path().as_str()) {
                    Some(old)
                        if !matches!(
                            doc.pointer(parent(op.path().as_str())),
                            Some(Value::Array(_))
                        ) =>
                    {
                        measure(old).bytes
                    }
                    _ => 0,
                }
            }
            PatchOperation::Move(_) | PatchOperation::Test(_) => 0,
        };
        json_patch::patch_unsafe(doc, std::slice::from_ref(op))
            .map_err(|e| error(PatchErrorKind::Failed(e.kind.to_string())))?;
        bytes = bytes.saturating_add(added).saturating_sub(removed);
        depth = depth.max(added_depth);
    }
    Ok(())
}

/// How many levels below the root a JSON pointer reaches (`""` is the root itself).
fn levels(pointer: &str) -> usize {
    pointer.matches('/').count()
}

fn parent(pointer: &str) -> &str {
    pointer.rfind('/').map_or("", |i| &pointer[..i])
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ops(value: Value) -> Vec<PatchOperation> {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn measure_matches_compact_json_and_survives_any_depth() {
        let doc = json!({"a": [1, "two", null, true, false, {"b~/": 2.5}], "c": {}});
        assert_eq!(
            measure(&doc).bytes,
            serde_json::to_string(&doc).unwrap().len()
        );
        assert_eq!(measure(&doc).depth, 3);
        let mut deep = json!(1);
        for _ in 0..100_000 {
            deep = Value::Array(vec![deep]);
        }
        assert_eq!(measure(&deep).depth, 100_000);
        assert_eq!(deepest_pointer(&json!({"x": {"y~/": [0]}})), "/x/y~0~1/0");
        // Dropping a deep value recurses in serde_json: leak it instead in this test.
        std::mem::forget(deep);
    }

    #[test]
    fn the_deepest_item_of_a_page_is_named_at_any_depth() {
        let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
        let page = format!(
            r#"{{"_embedded": {{"results": [
                {{"key": "a1", "inner": {{"id": "obj:1", "name": "fine", "v": [[1]]}}}},
                {{"key": "b2", "inner": {{"v": {deep}, "id": "obj:2", "name": "too \"deep\""}}}},
                {{"key": "c3", "inner": {{"name": "after"}}}}
            ]}}}}"#
        );
        assert!(
            serde_json::from_str::<Value>(&page).is_err(),
            "too deep for serde_json"
        );
        let found = deepest_item(page.as_bytes(), 4, &["key", "id", "name"]).unwrap();
        assert_eq!(
            found,
            [
                ("key".to_string(), "b2".to_string()),
                ("id".to_string(), "obj:2".to_string()),
                ("name".to_string(), "too \\\"deep\\\"".to_string()),
            ]
        );
    }

    #[test]
    fn doubling_copies_stop_at_the_size_limit_before_allocating() {
        // Issue 26 case 1: copies of the whole document into its own children double it.
        let mut doc = json!({"inner": {"name": "x".repeat(1000)}});
        let doubling: Vec<Value> = (0..26)
            .map(|i| json!({"op": "copy", "from": "/inner", "path": format!("/inner/c{i}")}))
            .collect();
        let error = apply_patch(&mut doc, &ops(Value::Array(doubling)), 1 << 20).unwrap_err();
        assert_eq!(error.kind, PatchErrorKind::TooLarge(1 << 20));
        assert!(error.operation < 12, "{error}");
        assert!(measure(&doc).bytes <= 1 << 20);
    }

    #[test]
    fn nesting_copies_stop_at_the_depth_limit() {
        let mut doc = json!({"a": {"b": {}}});
        let mut deep = json!({});
        // The document's root and `a` are two levels; the value at `/a/b` nests 98 more.
        for _ in 0..MAX_DEPTH - 3 {
            deep = json!({"x": deep});
        }
        let fits = ops(json!([{"op": "add", "path": "/a/b", "value": deep.clone()}]));
        apply_patch(&mut doc, &fits, 1 << 20).unwrap();
        assert_eq!(measure(&doc).depth, MAX_DEPTH);
        let nesting = ops(json!([{"op": "add", "path": "/a/b/x", "value": deep}]));
        let error = apply_patch(&mut doc, &nesting, 1 << 20).unwrap_err();
        assert_eq!(error.kind, PatchErrorKind::TooDeep(MAX_DEPTH));
        // Moving a subtree deeper is bounded as well, without measuring it.
        let moving = ops(json!([{"op": "move", "from": "/a/b", "path": "/a/c/d"}]));
        let error = apply_patch(&mut doc, &moving, 1 << 20).unwrap_err();
        assert_eq!(error.kind, PatchErrorKind::TooDeep(MAX_DEPTH));
    }

    #[test]
    fn ordinary_patches_apply_and_failures_name_their_operation() {
        let mut doc = json!({"a": 1, "list": [1, 2]});
        let patch = ops(json!([
            {"op": "replace", "path": "/a", "value": 2},
            {"op": "add", "path": "/list/-", "value": 3},
            {"op": "copy", "from": "/list", "path": "/copy"},
            {"op": "move", "from": "/copy", "path": "/moved"},
            {"op": "remove", "path": "/moved/0"},
            {"op": "test", "path": "/a", "value": 2},
        ]));
        apply_patch(&mut doc, &patch, 1 << 20).unwrap();
        assert_eq!(doc, json!({"a": 2, "list": [1, 2, 3], "moved": [2, 3]}));
        let error = apply_patch(&mut doc, &ops(json!([{"op": "test", "path": "/a", "value": 2}, {"op": "remove", "path": "/nope"}])), 1 << 20).unwrap_err();
        assert_eq!(error.operation, 1);
        assert!(matches!(error.kind, PatchErrorKind::Failed(_)));
    }
}
