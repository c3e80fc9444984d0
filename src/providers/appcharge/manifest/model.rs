//! The Appcharge manifest language: one struct per kind, with friendly field names. The wire
//! names live in one place, [`crate::providers::appcharge::wire`]; here each document says what
//! it wants (`desired`) and how it is written back (`entries`, for `fmt` and `export`).

use std::any::Any;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::super::kind::Kind;
use crate::kind::Kind as CoreKind;
use crate::manifest::emit::Node;
use crate::manifest::{Document, Meta, ReferenceSite, Spanned};

/// One Appcharge manifest document, for the JSON Schema.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(tag = "kind")]
pub enum Manifest {
    Product(Product),
    Badge(Badge),
    OfferDesign(OfferDesign),
    ProgressBar(ProgressBar),
    RollingOffer(RollingOffer),
    Bundle(SingleOffer),
    SpecialOffer(SingleOffer),
    CheckoutLink(SingleOffer),
    Popup(Popup),
}

/// Something a player gets (coins, gems, time). `name` is the publisher product id.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Product {
    #[serde(flatten)]
    pub meta: Meta,
    /// The product's name in the dashboard (`name` on the wire).
    pub title: Spanned<String>,
    /// What the store shows; Appcharge defaults it to the title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Spanned<String>>,
    /// `Quantity` (coins, gems) or `Time` (a boost that lasts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Spanned<Unit>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Spanned<String>>,
    /// Image URL (`productImageUrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum Unit {
    Quantity,
    Time,
}

impl Unit {
    pub const OPTIONS: &[(&'static str, Unit)] =
        &[("Quantity", Unit::Quantity), ("Time", Unit::Time)];
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Quantity => "Quantity",
            Unit::Time => "Time",
        }
    }
}

/// A label on a step of an offer. `name` is the publisher badge id.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Badge {
    #[serde(flatten)]
    pub meta: Meta,
    /// The badge's name in the dashboard (`name` on the wire).
    pub title: Spanned<String>,
    /// `ribbon` (needs `text`) or `emblem` (needs `image`).
    pub style: Spanned<BadgeStyle>,
    /// The ribbon's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Spanned<String>>,
    /// Image URL (`badgeImageUrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BadgeStyle {
    Ribbon,
    Emblem,
}

impl BadgeStyle {
    pub const OPTIONS: &[(&'static str, BadgeStyle)] = &[
        ("ribbon", BadgeStyle::Ribbon),
        ("emblem", BadgeStyle::Emblem),
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            BadgeStyle::Ribbon => "ribbon",
            BadgeStyle::Emblem => "emblem",
        }
    }
}

/// How an offer looks in the store. `name` is the design's external id.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OfferDesign {
    #[serde(flatten)]
    pub meta: Meta,
    /// The design's name in the dashboard (`name` on the wire).
    pub title: Spanned<String>,
    /// The offer type this design is for (`offerUiType`): `RollingOffer`, `Bundle`, ...
    pub offer_type: Spanned<String>,
    /// Background image URL (`backgroundImageUrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_image: Option<Spanned<String>>,
}

pub(super) fn text(node: &mut Vec<(String, Node)>, key: &str, value: &Option<Spanned<String>>) {
    if let Some(value) = value {
        node.push((key.to_string(), Node::str(value.value.clone())));
    }
}

pub(super) fn head(kind: Kind, meta: &Meta) -> Vec<(String, Node)> {
    let mut entries = vec![
        ("kind".to_string(), Node::str(kind.as_str())),
        ("name".to_string(), Node::str(meta.name.value.clone())),
    ];
    if meta.protect {
        entries.push(("protect".into(), Node::json(&json!(true))));
    }
    if !meta.depends_on.is_empty() {
        let list = meta.depends_on.iter().map(|d| Node::str(d.value.clone()));
        entries.push(("dependsOn".into(), Node::Seq(list.collect())));
    }
    if !meta.ignore_changes.is_empty() {
        let list = meta
            .ignore_changes
            .iter()
            .map(|d| Node::str(d.value.clone()));
        entries.push(("ignoreChanges".into(), Node::Seq(list.collect())));
    }
    entries
}

pub(super) fn tail(meta: &Meta, mut entries: Vec<(String, Node)>) -> Vec<(String, Node)> {
    if !meta.extra.is_empty() {
        let extra = meta
            .extra
            .iter()
            .map(|(k, v)| (k.clone(), Node::json(&v.value)));
        entries.push(("extra".into(), Node::Map(extra.collect())));
    }
    entries
}

/// The `extra` properties, added to a desired wire document.
pub(super) fn with_extra(meta: &Meta, mut out: Map<String, Value>) -> Value {
    for (key, value) in &meta.extra {
        out.insert(key.clone(), value.value.clone());
    }
    Value::Object(out)
}

macro_rules! document_basics {
    ($kind:expr) => {
        fn kind(&self) -> CoreKind {
            $kind.core()
        }
        document_basics!();
    };
    () => {
        fn meta(&self) -> &Meta {
            &self.meta
        }
        fn meta_mut(&mut self) -> &mut Meta {
            &mut self.meta
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    };
}

impl Document for Product {
    document_basics!(Kind::Product);

    fn references(&self) -> Vec<ReferenceSite<'_>> {
        Vec::new()
    }

    fn desired(&self, _resolve: &dyn Fn(CoreKind, &str) -> String) -> Value {
        let mut out = Map::new();
        out.insert("publisherProductId".into(), json!(self.meta.name.value));
        out.insert("name".into(), json!(self.title.value));
        if let Some(v) = &self.display_name {
            out.insert("displayName".into(), json!(v.value));
        }
        if let Some(v) = &self.unit {
            out.insert("type".into(), json!(v.value.as_str()));
        }
        if let Some(v) = &self.description {
            out.insert("description".into(), json!(v.value));
        }
        if let Some(v) = &self.image {
            out.insert("productImageUrl".into(), json!(v.value));
        }
        with_extra(&self.meta, out)
    }

    fn entries(&self) -> Vec<(String, Node)> {
        let mut e = head(Kind::Product, &self.meta);
        e.push(("title".into(), Node::str(self.title.value.clone())));
        text(&mut e, "displayName", &self.display_name);
        if let Some(unit) = &self.unit {
            e.push(("unit".into(), Node::str(unit.value.as_str())));
        }
        if let Some(d) = &self.description {
            e.push(("description".into(), Node::long_text(d.value.clone())));
        }
        text(&mut e, "image", &self.image);
        tail(&self.meta, e)
    }
}

impl Document for Badge {
    document_basics!(Kind::Badge);

    fn references(&self) -> Vec<ReferenceSite<'_>> {
        Vec::new()
    }

    fn desired(&self, _resolve: &dyn Fn(CoreKind, &str) -> String) -> Value {
        let mut out = Map::new();
        out.insert("publisherBadgeId".into(), json!(self.meta.name.value));
        out.insert("name".into(), json!(self.title.value));
        out.insert("type".into(), json!(self.style.value.as_str()));
        if let Some(v) = &self.text {
            out.insert("text".into(), json!(v.value));
        }
        if let Some(v) = &self.image {
            out.insert("badgeImageUrl".into(), json!(v.value));
        }
        with_extra(&self.meta, out)
    }

    fn entries(&self) -> Vec<(String, Node)> {
        let mut e = head(Kind::Badge, &self.meta);
        e.push(("title".into(), Node::str(self.title.value.clone())));
        e.push(("style".into(), Node::str(self.style.value.as_str())));
        text(&mut e, "text", &self.text);
        text(&mut e, "image", &self.image);
        tail(&self.meta, e)
    }
}

impl Document for OfferDesign {
    document_basics!(Kind::OfferDesign);

    fn references(&self) -> Vec<ReferenceSite<'_>> {
        Vec::new()
    }

    fn desired(&self, _resolve: &dyn Fn(CoreKind, &str) -> String) -> Value {
        let mut out = Map::new();
        out.insert("externalId".into(), json!(self.meta.name.value));
        out.insert("name".into(), json!(self.title.value));
        out.insert("offerUiType".into(), json!(self.offer_type.value));
        if let Some(v) = &self.background_image {
            out.insert("backgroundImageUrl".into(), json!(v.value));
        }
        with_extra(&self.meta, out)
    }

    fn entries(&self) -> Vec<(String, Node)> {
        let mut e = head(Kind::OfferDesign, &self.meta);
        e.push(("title".into(), Node::str(self.title.value.clone())));
        e.push(("offerType".into(), Node::str(self.offer_type.value.clone())));
        text(&mut e, "backgroundImage", &self.background_image);
        tail(&self.meta, e)
    }
}

mod offers;
pub use offers::*;
