//! A toy provider for the core's own tests: shelves, and books that stand on a shelf, kept in
//! memory. Small on purpose: it shows what a provider must supply, and proves the core needs
//! nothing more.

use std::any::Any;
use std::sync::Mutex;

use serde_json::{Map, Value, json};

use crate::backend::{
    Backend, BackendError, BoxFuture, Deleted, ErrorKind, LiveDocument, LiveObject, Receipt, Target,
};
use crate::diff::{Op, Rules};
use crate::kind::{Kind, KindInfo};
use crate::manifest::emit::Node;
use crate::manifest::{
    Decoder, Document, Fields, Language, Meta, Reference, ReferenceSite, Spanned,
};
use crate::provider::{Provider, Providers};

const PREFIXES: &[&str] = &["toy:"];
static SHELF_INFO: KindInfo = KindInfo {
    provider: "toy",
    name: "Shelf",
    description: "shelf",
    rank: 0,
    literal_prefixes: PREFIXES,
    id_hint: Some("toy:shelf:"),
};
static BOOK_INFO: KindInfo = KindInfo {
    provider: "toy",
    name: "Book",
    description: "book",
    rank: 1,
    literal_prefixes: PREFIXES,
    id_hint: Some("toy:book:"),
};
pub const SHELF: Kind = Kind::new(&SHELF_INFO);
pub const BOOK: Kind = Kind::new(&BOOK_INFO);

pub struct Toy;
pub static TOY: Toy = Toy;

pub fn providers() -> Providers {
    Providers::new(vec![&TOY])
}

/// A shelf (`label`) or a book (`shelf`, `pages`).
#[derive(Debug, Clone)]
pub struct ToyDoc {
    kind: Kind,
    meta: Meta,
    label: Option<Spanned<String>>,
    shelf: Option<Reference>,
    pages: Option<Spanned<i64>>,
}

impl Document for ToyDoc {
    fn kind(&self) -> Kind {
        self.kind
    }
    fn meta(&self) -> &Meta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
    fn references(&self) -> Vec<ReferenceSite<'_>> {
        let site = |reference| ReferenceSite {
            field: "shelf",
            expected: SHELF,
            reference,
        };
        self.shelf.iter().map(site).collect()
    }
    fn desired(&self, resolve: &dyn Fn(Kind, &str) -> String) -> Value {
        let mut out = Map::new();
        out.insert("name".into(), json!(self.meta.name.value));
        if let Some(label) = &self.label {
            out.insert("label".into(), json!(label.value));
        }
        if let Some(shelf) = &self.shelf {
            out.insert("shelf".into(), json!(resolve(SHELF, shelf)));
        }
        if let Some(pages) = &self.pages {
            out.insert("pages".into(), json!(pages.value));
        }
        for (key, value) in &self.meta.extra {
            out.insert(key.clone(), value.value.clone());
        }
        Value::Object(out)
    }
    fn entries(&self) -> Vec<(String, Node)> {
        let mut e = vec![
            ("kind".to_string(), Node::str(self.kind.as_str())),
            ("name".to_string(), Node::str(self.meta.name.value.clone())),
        ];
        if let Some(id) = &self.meta.id {
            e.push(("id".into(), Node::str(id.value.clone())));
        }
        if let Some(label) = &self.label {
            e.push(("label".into(), Node::str(label.value.clone())));
        }
        if let Some(shelf) = &self.shelf {
            e.push(("shelf".into(), Node::str(shelf.value.clone())));
        }
        if let Some(pages) = &self.pages {
            e.push(("pages".into(), Node::json(&json!(pages.value))));
        }
        if !self.meta.extra.is_empty() {
            let extra = self
                .meta
                .extra
                .iter()
                .map(|(k, v)| (k.clone(), Node::json(&v.value)));
            e.push(("extra".into(), Node::Map(extra.collect())));
        }
        e
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Language for Toy {
    fn kinds(&self) -> Vec<Kind> {
        vec![SHELF, BOOK]
    }
    fn decode(
        &self,
        kind: Kind,
        decoder: &mut Decoder<'_>,
        fields: &mut Fields<'_>,
        meta: Option<Meta>,
    ) -> Option<Box<dyn Document>> {
        let (mut label, mut shelf, mut pages) = (None, None, None);
        if kind == SHELF {
            label = fields.get("label").and_then(|n| decoder.text(n, "label"));
        } else {
            shelf = fields
                .required(decoder, "shelf", "Book")
                .and_then(|n| decoder.non_empty_text(n, "shelf"));
            pages = fields
                .get("pages")
                .and_then(|n| decoder.integer(n, "pages"));
        }
        let doc = ToyDoc {
            kind,
            meta: meta?,
            label,
            shelf,
            pages,
        };
        Some(Box::new(doc))
    }
    fn check_pinned_id(
        &self,
        _kind: Kind,
        id: &Spanned<String>,
        _decoder: &mut Decoder<'_>,
    ) -> bool {
        id.starts_with("toy:")
    }
    fn ignorable_fields(&self, kind: Kind) -> Vec<&'static str> {
        if kind == SHELF {
            vec!["label"]
        } else {
            vec!["pages"]
        }
    }
}

impl Provider for Toy {
    fn name(&self) -> &'static str {
        "toy"
    }
    fn diff_rules(&self, kind: Kind) -> Rules {
        let properties: &'static [&'static str] = if kind == SHELF {
            &["name", "label"]
        } else {
            &["name", "shelf", "pages"]
        };
        let members = |_: &str| None;
        Rules {
            root: "",
            properties,
            members,
            types: &[],
            sets: &[],
            keyed: &[],
            keep_container: &[],
            assigned: &["id"],
            assigned_members: &[],
            neutral: crate::diff::nothing_neutral,
        }
    }
    fn references(&self, _kind: Kind, document: &Value) -> Vec<String> {
        document
            .get("shelf")
            .and_then(Value::as_str)
            .map(String::from)
            .into_iter()
            .collect()
    }
    fn field_pointer(&self, _kind: Kind, field: &str) -> Option<&'static str> {
        ["/label", "/pages"].into_iter().find(|p| p[1..] == *field)
    }
    fn field_label(&self, _kind: Kind, pointer: &str) -> String {
        pointer.trim_start_matches('/').to_string()
    }
    fn export(
        &self,
        object: &LiveObject,
        name_of: &(dyn Fn(Kind, &str) -> String + Sync),
    ) -> Result<Box<dyn Document>, Vec<String>> {
        let mut rest = object
            .instance
            .value()
            .as_object()
            .cloned()
            .ok_or(vec!["not an object".to_string()])?;
        rest.remove("id");
        let name = rest
            .remove("name")
            .and_then(|v| v.as_str().map(String::from));
        let text = |v: Value| {
            v.as_str()
                .map(|s| crate::manifest::synthetic(s.to_string()))
        };
        let label = rest.remove("label").and_then(text);
        let shelf = rest
            .remove("shelf")
            .and_then(|v| v.as_str().map(|id| name_of(SHELF, id)));
        let pages = rest
            .remove("pages")
            .and_then(|v| v.as_i64())
            .map(crate::manifest::synthetic);
        let meta = Meta {
            name: crate::manifest::synthetic(name.ok_or(vec!["no name".to_string()])?),
            id: None,
            protect: false,
            depends_on: Vec::new(),
            ignore_changes: Vec::new(),
            extra: rest
                .into_iter()
                .map(|(k, v)| (k, crate::manifest::synthetic(v)))
                .collect(),
        };
        let shelf = shelf.map(crate::manifest::synthetic);
        Ok(Box::new(ToyDoc {
            kind: object.kind,
            meta,
            label,
            shelf,
            pages,
        }))
    }
    fn file_name(&self, kind: Kind) -> &'static str {
        if kind == SHELF { "shelves" } else { "books" }
    }
    fn json_schema(&self) -> Value {
        json!({"title": "toy manifest"})
    }
    fn deactivation(&self, kind: Kind, live: &Value) -> Option<Vec<Op>> {
        if kind != BOOK {
            return None;
        }
        if live["retired"] == true {
            return Some(Vec::new());
        }
        Some(vec![Op::Add {
            path: "/retired".into(),
            value: json!(true),
        }])
    }
}

/// The toy vendor's repository: objects in memory, revisions counted, references enforced.
#[derive(Default)]
pub struct Memory {
    objects: Mutex<Vec<LiveObject>>,
    next: Mutex<u64>,
}

impl Memory {
    pub fn objects(&self) -> Vec<LiveObject> {
        self.objects.lock().unwrap().clone()
    }

    /// A change made outside offerctl (a person in the vendor's UI).
    pub fn touch(&self, name: &str, key: &str, value: Value) {
        let mut objects = self.objects.lock().unwrap();
        let object = objects.iter_mut().find(|o| o.name == name).expect("object");
        object.instance.edit(|instance| instance[key] = value);
        object.etag = format!("{}+", object.etag);
        object.modified = Some(crate::backend::Modified {
            by: Some("someone@example.com".into()),
            client_id: Some("vendor-ui".into()),
            at: Some("2026-11-29T10:00:00Z".into()),
            by_offerctl: false,
        });
    }

    fn tick(&self) -> u64 {
        let mut next = self.next.lock().unwrap();
        *next += 1;
        *next
    }
}

fn receipt(object: &LiveObject) -> Receipt {
    Receipt {
        instance_id: object.instance_id.clone(),
        id: object.id.clone(),
        etag: object.etag.clone(),
        request_id: None,
    }
}

impl Backend for Memory {
    fn describe(&self) -> String {
        "toy repository in memory".into()
    }
    fn list(&self, kind: Kind) -> BoxFuture<'_, Result<Vec<LiveObject>, BackendError>> {
        let objects = self
            .objects()
            .into_iter()
            .filter(|o| o.kind == kind)
            .collect();
        Box::pin(async move { Ok(objects) })
    }
    fn create<'a>(
        &'a self,
        kind: Kind,
        instance: &'a Value,
    ) -> BoxFuture<'a, Result<Receipt, BackendError>> {
        Box::pin(async move {
            let n = self.tick();
            let id = format!("toy:{}:{n}", kind.as_str().to_lowercase());
            let mut instance = instance.clone();
            instance["id"] = json!(id);
            let name = instance["name"].as_str().unwrap_or_default().to_string();
            let object = LiveObject {
                modified: Some(crate::backend::Modified {
                    by_offerctl: true,
                    ..Default::default()
                }),
                kind,
                instance_id: n.to_string(),
                id,
                etag: format!("e{n}"),
                name,
                instance: instance.into(),
            };
            let receipt = receipt(&object);
            self.objects.lock().unwrap().push(object);
            Ok(receipt)
        })
    }
    fn patch<'a>(
        &'a self,
        target: &'a Target,
        ops: &'a [Op],
        etag: &'a str,
    ) -> BoxFuture<'a, Result<Receipt, BackendError>> {
        Box::pin(async move {
            let tick = self.tick();
            let mut objects = self.objects.lock().unwrap();
            let object = objects
                .iter_mut()
                .find(|o| o.id == target.id)
                .ok_or_else(|| {
                    BackendError::new(ErrorKind::NotFound, format!("{target} is gone"))
                })?;
            if object.etag != etag {
                return Err(
                    BackendError::new(ErrorKind::Conflict, format!("{target} changed"))
                        .with_status(409),
                );
            }
            let patch: json_patch::Patch =
                serde_json::from_value(serde_json::to_value(ops).unwrap())
                    .map_err(|e| BackendError::new(ErrorKind::Rejected, e.to_string()))?;
            let mut instance = object.instance.value();
            json_patch::patch(&mut instance, &patch).map_err(|e| {
                BackendError::new(ErrorKind::Rejected, e.to_string()).with_status(422)
            })?;
            object.instance = LiveDocument::new(&instance);
            object.etag = format!("e{tick}");
            object.name = instance["name"].as_str().unwrap_or_default().to_string();
            Ok(receipt(object))
        })
    }
    fn delete<'a>(
        &'a self,
        target: &'a Target,
        _etag: &'a str,
    ) -> BoxFuture<'a, Result<Deleted, BackendError>> {
        Box::pin(async move {
            let mut objects = self.objects.lock().unwrap();
            let referenced_by: Vec<String> = objects
                .iter()
                .filter(|o| {
                    o.instance.value().get("shelf").and_then(Value::as_str)
                        == Some(target.id.as_str())
                })
                .map(|o| o.id.clone())
                .collect();
            if !referenced_by.is_empty() {
                return Ok(Deleted::Rejected {
                    referenced_by,
                    request_id: None,
                });
            }
            objects.retain(|o| o.id != target.id);
            Ok(Deleted::Deleted { request_id: None })
        })
    }
}
