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
use crate::manifest::{Document, Meta, Reference, ReferenceSite, Spanned};
use crate::source::Loc;

/// One Appcharge manifest document, for the JSON Schema.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(tag = "kind")]
pub enum Manifest {
    Product(Product),
    Badge(Badge),
    OfferDesign(OfferDesign),
    RollingOffer(RollingOffer),
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

/// A ladder of 2 to 50 steps that a player buys one after another. `name` is the publisher
/// offer id (the dashboard's "External ID").
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RollingOffer {
    #[serde(flatten)]
    pub meta: Meta,
    /// The offer's name in the dashboard (`name` on the wire, at least 3 characters).
    pub title: Spanned<String>,
    /// Whether players see it [default: true]. `false` deactivates without deleting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<Spanned<bool>>,
    /// 1 is the highest; only the highest-priority rolling offer is shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Spanned<i64>>,
    /// The `OfferDesign` (by name) the store draws it with; its `offerType` must be
    /// `RollingOffer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design: Option<Reference>,
    /// Player segments it is shown to; empty means everyone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<Spanned<String>>,
    /// When it is shown [default: always].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    /// The ladder, in order: each step is keyed by its position (1, 2, ...).
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Schedule {
    /// Always shown (`true`), or only inside `timeFrames`.
    pub permanent: Spanned<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub time_frames: Vec<TimeFrame>,
    #[serde(skip)]
    pub loc: Loc,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeFrame {
    /// RFC 3339 instant, such as `2026-12-01T00:00:00Z`.
    pub start: Spanned<String>,
    /// RFC 3339 instant after `start`.
    pub end: Spanned<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Spanned<String>>,
    #[serde(skip)]
    pub loc: Loc,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Step {
    /// The step's `index` on the wire; by default its position (1, 2, ...). Only needed to
    /// adopt an offer whose indexes are not 1..n.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<Spanned<i64>>,
    /// Price in US cents: 0 (free) or at least 80.
    pub price: Spanned<i64>,
    /// 1 to 3 products.
    pub products: Vec<ProductLine>,
    /// Badges (by name) shown on this step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub badges: Vec<Reference>,
    /// A discount shown on the price (`priceDiscount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Adjustment>,
    /// A sale shown on the products (`productSale`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale: Option<Adjustment>,
    #[serde(skip)]
    pub loc: Loc,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductLine {
    /// The `Product` (by name).
    pub product: Reference,
    /// How many.
    pub quantity: Spanned<i64>,
    #[serde(skip)]
    pub loc: Loc,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    /// `percentage` or `fixed_amount`.
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    pub amount: Spanned<i64>,
    #[serde(skip)]
    pub loc: Loc,
}

/// The ways a discount or a sale may be given on a rolling offer (the documented enum).
pub const ADJUSTMENT_TYPES: &[&str] = &["percentage", "fixed_amount"];
/// The offer types a design may be for.
pub const OFFER_TYPES: &[&str] = &["RollingOffer", "Bundle", "SpecialOffer"];

fn text(node: &mut Vec<(String, Node)>, key: &str, value: &Option<Spanned<String>>) {
    if let Some(value) = value {
        node.push((key.to_string(), Node::str(value.value.clone())));
    }
}

fn head(kind: Kind, meta: &Meta) -> Vec<(String, Node)> {
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

fn tail(meta: &Meta, mut entries: Vec<(String, Node)>) -> Vec<(String, Node)> {
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
fn with_extra(meta: &Meta, mut out: Map<String, Value>) -> Value {
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
        fn meta(&self) -> &Meta {
            &self.meta
        }
        fn meta_mut(&mut self) -> &mut Meta {
            &mut self.meta
        }
        fn clone_box(&self) -> Box<dyn Document> {
            Box::new(self.clone())
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

impl Step {
    /// The wire `index` of the step at `position` (0-based) in the list.
    pub fn wire_index(&self, position: usize) -> i64 {
        self.index
            .as_ref()
            .map_or(position as i64 + 1, |index| index.value)
    }
}

impl Document for RollingOffer {
    document_basics!(Kind::RollingOffer);

    fn references(&self) -> Vec<ReferenceSite<'_>> {
        let mut out = Vec::new();
        if let Some(design) = &self.design {
            out.push(ReferenceSite {
                field: "design",
                expected: Kind::OfferDesign.core(),
                reference: design,
            });
        }
        for step in &self.steps {
            for line in &step.products {
                out.push(ReferenceSite {
                    field: "product",
                    expected: Kind::Product.core(),
                    reference: &line.product,
                });
            }
            for badge in &step.badges {
                out.push(ReferenceSite {
                    field: "badges",
                    expected: Kind::Badge.core(),
                    reference: badge,
                });
            }
        }
        out
    }

    fn desired(&self, resolve: &dyn Fn(CoreKind, &str) -> String) -> Value {
        let mut out = Map::new();
        out.insert("publisherOfferId".into(), json!(self.meta.name.value));
        out.insert("name".into(), json!(self.title.value));
        out.insert("type".into(), json!("RollingOffer"));
        let active = self.active.as_ref().is_none_or(|a| a.value);
        out.insert("active".into(), json!(active));
        if let Some(priority) = &self.priority {
            out.insert("priority".into(), json!(priority.value));
        }
        if let Some(design) = &self.design {
            let id = resolve(Kind::OfferDesign.core(), design);
            out.insert("offerExternalUiId".into(), json!(id));
        }
        let segments: Vec<&str> = self.segments.iter().map(|s| s.value.as_str()).collect();
        out.insert("segments".into(), json!(segments));
        let steps: Vec<Value> = self
            .steps
            .iter()
            .enumerate()
            .map(|(position, step)| step.desired(position, resolve))
            .collect();
        out.insert("productsSequence".into(), Value::Array(steps));
        let schedule = match &self.schedule {
            Some(schedule) => schedule.desired(),
            None => json!({"permanent": true, "timeFrames": []}),
        };
        out.insert("schedule".into(), schedule);
        with_extra(&self.meta, out)
    }

    fn entries(&self) -> Vec<(String, Node)> {
        let mut e = head(Kind::RollingOffer, &self.meta);
        e.push(("title".into(), Node::str(self.title.value.clone())));
        if let Some(active) = &self.active {
            e.push(("active".into(), Node::json(&json!(active.value))));
        }
        if let Some(priority) = &self.priority {
            e.push(("priority".into(), Node::json(&json!(priority.value))));
        }
        text(&mut e, "design", &self.design);
        if !self.segments.is_empty() {
            let list = self.segments.iter().map(|s| Node::str(s.value.clone()));
            e.push(("segments".into(), Node::Seq(list.collect())));
        }
        if let Some(schedule) = &self.schedule {
            e.push(("schedule".into(), schedule.node()));
        }
        let steps = self.steps.iter().map(Step::node).collect();
        e.push(("steps".into(), Node::Seq(steps)));
        tail(&self.meta, e)
    }
}

impl Schedule {
    fn desired(&self) -> Value {
        let frames: Vec<Value> = self
            .time_frames
            .iter()
            .map(|frame| {
                let mut out = Map::new();
                out.insert("startTime".into(), json!(frame.start.value));
                out.insert("endTime".into(), json!(frame.end.value));
                if let Some(notes) = &frame.notes {
                    out.insert("notes".into(), json!(notes.value));
                }
                Value::Object(out)
            })
            .collect();
        json!({"permanent": self.permanent.value, "timeFrames": frames})
    }

    fn node(&self) -> Node {
        let mut entries = vec![(
            "permanent".to_string(),
            Node::json(&json!(self.permanent.value)),
        )];
        if !self.time_frames.is_empty() {
            let frames = self.time_frames.iter().map(|frame| {
                let mut e = vec![
                    ("start".to_string(), Node::str(frame.start.value.clone())),
                    ("end".to_string(), Node::str(frame.end.value.clone())),
                ];
                text(&mut e, "notes", &frame.notes);
                Node::Map(e)
            });
            entries.push(("timeFrames".into(), Node::Seq(frames.collect())));
        }
        Node::Map(entries)
    }
}

impl Step {
    fn desired(&self, position: usize, resolve: &dyn Fn(CoreKind, &str) -> String) -> Value {
        let mut out = Map::new();
        out.insert("index".into(), json!(self.wire_index(position)));
        let products: Vec<Value> = self
            .products
            .iter()
            .map(|line| {
                json!({
                    "publisherProductId": resolve(Kind::Product.core(), &line.product),
                    "quantity": line.quantity.value,
                })
            })
            .collect();
        out.insert("products".into(), Value::Array(products));
        out.insert("priceInUsdCents".into(), json!(self.price.value));
        if let Some(discount) = &self.discount {
            out.insert(
                "priceDiscount".into(),
                json!({"discount": discount.amount.value, "type": discount.kind.value}),
            );
        }
        if let Some(sale) = &self.sale {
            out.insert(
                "productSale".into(),
                json!({"sale": sale.amount.value, "type": sale.kind.value}),
            );
        }
        let badges: Vec<Value> = self
            .badges
            .iter()
            .map(|badge| json!({"publisherBadgeId": resolve(Kind::Badge.core(), badge)}))
            .collect();
        out.insert("badges".into(), Value::Array(badges));
        Value::Object(out)
    }

    fn node(&self) -> Node {
        let mut e = Vec::new();
        if let Some(index) = &self.index {
            e.push(("index".to_string(), Node::json(&json!(index.value))));
        }
        e.push(("price".to_string(), Node::json(&json!(self.price.value))));
        let products = self.products.iter().map(|line| {
            Node::Map(vec![
                ("product".into(), Node::str(line.product.value.clone())),
                ("quantity".into(), Node::json(&json!(line.quantity.value))),
            ])
        });
        e.push(("products".into(), Node::Seq(products.collect())));
        if !self.badges.is_empty() {
            let badges = self.badges.iter().map(|b| Node::str(b.value.clone()));
            e.push(("badges".into(), Node::Seq(badges.collect())));
        }
        for (key, adjustment) in [("discount", &self.discount), ("sale", &self.sale)] {
            if let Some(adjustment) = adjustment {
                e.push((
                    key.into(),
                    Node::Map(vec![
                        ("type".into(), Node::str(adjustment.kind.value.clone())),
                        ("amount".into(), Node::json(&json!(adjustment.amount.value))),
                    ]),
                ));
            }
        }
        Node::Map(e)
    }
}
