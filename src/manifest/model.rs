//! The core's view of a manifest object: what every provider's documents share (name, pinned
//! id, `dependsOn`, `ignoreChanges`, `extra`), where it was written, and the [`Document`] trait
//! through which the core reaches a provider's typed document.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::emit::Node;
use crate::kind::Kind;
use crate::source::Loc;

/// A value together with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub loc: Loc,
}

impl<T> Deref for Spanned<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: Serialize> Serialize for Spanned<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<T: JsonSchema> JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// A value made by offerctl (export), not read from a file: it has no location.
pub fn synthetic<T>(value: T) -> Spanned<T> {
    Spanned {
        value,
        loc: Loc {
            file: crate::source::FileId(0),
            start: 0,
            end: 0,
        },
    }
}

/// A reference to another object: its `name`, or a literal repository id.
pub type Reference = Spanned<String>;

/// Repository properties the manifest language does not model, kept verbatim: wire property
/// name → JSON value. Plans manage exactly the properties
/// listed here (a `null` value removes the property); unlisted ones are never touched.
pub type Extra = BTreeMap<String, Spanned<serde_json::Value>>;

fn is_false(value: &bool) -> bool {
    !value
}

/// Fields every kind has.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// The object's identity within its kind (what the vendor's UI shows).
    pub name: Spanned<String>,
    /// Pins this object to an existing repository object (by its id): adopts it, and
    /// lets a rename be applied as a patch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Spanned<String>>,
    /// Never delete this object, even when pruning.
    #[serde(default, skip_serializing_if = "is_false")]
    pub protect: bool,
    /// Extra ordering: objects (`Kind/name`) that must exist before this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<Spanned<String>>,
    /// Fields edited outside git on purpose: plans never change them (creates still set them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore_changes: Vec<Spanned<String>>,
    /// Repository properties of this object that no field models, kept verbatim and managed
    /// exactly as written (`offerctl export` fills it): wire name → JSON value; `null` removes
    /// the property. A key may also be a JSON pointer into a modelled container.
    /// Properties a field of this manifest sets cannot be given here; references inside stay ids.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub extra: Extra,
}

/// Identity of a manifest object: its kind and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectKey {
    pub kind: Kind,
    pub name: String,
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

/// A place where one object refers to another.
#[derive(Debug, Clone, Copy)]
pub struct ReferenceSite<'a> {
    /// The field path, such as `tags` or `steps.products`, for messages.
    pub field: &'static str,
    /// The kinds the reference may name.
    pub expected: Kind,
    pub reference: &'a Reference,
}

/// A decoded manifest document with where it was written. Cloning one shares its document
/// (documents are never changed once decoded), so environments that leave a base document as
/// written hold one copy of it between them.
#[derive(Debug, Clone)]
pub struct Object {
    pub manifest: Arc<dyn Document>,
    /// The whole document.
    pub loc: Loc,
    /// Another object of the same kind has the same name, and both are pinned by `id`: the
    /// object is then known as `name [id]` in plans and graphs (see [`Object::key`]).
    pub disambiguated: bool,
}

/// A decoded manifest document of some provider. The core plans, orders and prints objects
/// through this trait; the provider downcasts (`as_any`) to its own types.
pub trait Document: fmt::Debug + Send + Sync + Any {
    fn kind(&self) -> Kind;

    fn meta(&self) -> &Meta;

    fn meta_mut(&mut self) -> &mut Meta;

    /// Every reference this object makes to another object, in field order.
    fn references(&self) -> Vec<ReferenceSite<'_>>;

    /// The document to send (the provider's canonical form), with each reference turned into an
    /// id by `resolve(expected kind, reference)`.
    fn desired(&self, resolve: &dyn Fn(Kind, &str) -> String) -> Value;

    /// The top-level entries in canonical order, for `fmt` and `export` (see [`super::emit`]).
    fn entries(&self) -> Vec<(String, Node)>;

    fn as_any(&self) -> &dyn Any;
}

impl Object {
    /// The provider's typed document, if it is a `T`.
    pub fn document<T: Document>(&self) -> Option<&T> {
        self.manifest.as_any().downcast_ref::<T>()
    }
}

impl Object {
    pub fn kind(&self) -> Kind {
        self.manifest.kind()
    }

    pub fn name(&self) -> &str {
        &self.manifest.meta().name
    }

    /// The object's identity: its kind and name, or `name [id]` when the name is shared by
    /// several objects of its kind (each pinned to its own id).
    pub fn key(&self) -> ObjectKey {
        let name = match (&self.manifest.meta().id, self.disambiguated) {
            (Some(id), true) => format!("{} [{}]", self.name(), id.value),
            _ => self.name().to_string(),
        };
        ObjectKey {
            kind: self.kind(),
            name,
        }
    }
}

/// The JSON Schema of one manifest document of type `T`, titled and described. Draft-07,
/// because yaml-language-server (what most editors use for YAML) supports it fully.
pub fn document_schema<T: JsonSchema>(title: &str, description: &str) -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<T>();
    schema.insert("title".into(), title.into());
    schema.insert("description".into(), description.into());
    schema.to_value()
}
