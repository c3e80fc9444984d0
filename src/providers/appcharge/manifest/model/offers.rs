//! The offer documents. Every offer type reads alike: the settings all offers share
//! ([`OfferHead`]), then one item at the top level (bundles, special offers, checkout links)
//! or a list of `steps` (rolling offers, progress bars, pop-ups).

use std::any::Any;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::super::super::kind::Kind;
use super::{head, tail, text, with_extra};
use crate::kind::Kind as CoreKind;
use crate::manifest::emit::Node;
use crate::manifest::{Document, Meta, Reference, ReferenceSite, Spanned};
use crate::source::Loc;

/// What every offer has, whatever its type.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OfferHead {
    /// The offer's name in the dashboard (`name` on the wire, at least 3 characters).
    pub title: Spanned<String>,
    /// Whether players see it [default: true]. `false` deactivates without deleting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<Spanned<bool>>,
    /// 1 is the highest (required for pop-ups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Spanned<i64>>,
    /// The `OfferDesign` (by name) the store draws it with; its `offerType` must be this
    /// offer's type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design: Option<Reference>,
    /// Player segments it is shown to; empty means everyone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<Spanned<String>>,
    /// When it is shown [default: always].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
}

/// A ladder of 2 to 50 steps that a player buys one after another. `name` is the publisher
/// offer id (the dashboard's "External ID").
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RollingOffer {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(flatten)]
    pub head: OfferHead,
    /// The ladder, in order: each step is keyed by its position (1, 2, ...).
    pub steps: Vec<Step>,
}

/// A bar players fill with the points other offers give (`progressBarPoints`), with a reward
/// per step. `name` is the publisher offer id, which offers name as `publisherBarId`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgressBar {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(flatten)]
    pub head: OfferHead,
    /// The rewards, in order (1 to 50).
    pub steps: Vec<Step>,
}

/// A pop-up (`type: PopUp`) of one of Appcharge's four sub-types. `name` is the publisher
/// offer id.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Popup {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(flatten)]
    pub head: OfferHead,
    /// `DailyBonus`, `PostPurchase`, `RewardCalendar` or `StoreRefresh` (`subType`).
    pub sub_type: Spanned<String>,
    /// When a store-refresh pop-up shows (`displayRule`, required for `StoreRefresh`), as
    /// Appcharge's API takes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_rule: Option<Spanned<Value>>,
    /// The reward calendar's settings (`rewardCalendar`, required for `RewardCalendar`), as
    /// Appcharge's API takes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward_calendar: Option<Spanned<Value>>,
    /// What it gives, in order (1 to 50 items: a daily bonus has one per day).
    pub steps: Vec<Step>,
}

/// A bundle, special offer or checkout link: one item, its settings at the top level.
/// `name` is the publisher offer id.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SingleOffer {
    #[serde(skip)]
    pub kind: Kind,
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(flatten)]
    pub head: OfferHead,
    #[serde(flatten)]
    pub item: Item,
    /// A discount shown on the price (`priceDiscount`; `percentage` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Adjustment>,
    /// A sale shown on the products (`productSale`: `percentage`, `multiplier` or
    /// `fixed_amount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale: Option<Adjustment>,
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

/// What one item of an offer sells (`productsSequence[]` on the wire).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// Price in US cents: 0 (free) or at least 80.
    pub price: Spanned<i64>,
    /// 1 to 3 products.
    pub products: Vec<ProductLine>,
    /// Badges (by name) shown on it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub badges: Vec<Reference>,
    /// Points a purchase adds to progress bars (`progressBarPoints`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub progress_bar_points: Vec<BarPoints>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Step {
    /// The step's `index` on the wire; by default its position (1, 2, ...). Only needed to
    /// adopt an offer whose indexes are not 1..n.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<Spanned<i64>>,
    #[serde(flatten)]
    pub item: Item,
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
    /// `Main` or `Sub`: how prominently the store shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Spanned<String>>,
    #[serde(skip)]
    pub loc: Loc,
}

/// Points towards a progress bar.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BarPoints {
    /// The `ProgressBar` (by name): `publisherBarId` on the wire.
    pub bar: Reference,
    /// How many points a purchase adds.
    pub points: Spanned<i64>,
    #[serde(skip)]
    pub loc: Loc,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    /// `percentage`, `fixed_amount` or `multiplier`, as the offer type allows.
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    pub amount: Spanned<i64>,
    #[serde(skip)]
    pub loc: Loc,
}

/// The offer types a design may be for (`offerUiType`): Appcharge's offer types.
pub const OFFER_TYPES: &[&str] = &crate::providers::appcharge::repository::OFFER_TYPES;
/// Appcharge's pop-up sub-types.
pub const POPUP_TYPES: &[&str] = &[
    "DailyBonus",
    "PostPurchase",
    "RewardCalendar",
    "StoreRefresh",
];
/// The `priority` of a product line.
pub const PRODUCT_PRIORITIES: &[&str] = &["Main", "Sub"];

/// The documented `type`s of a discount (`discount`) or a sale (`sale`) on an offer of
/// `kind` (a pop-up's `sub_type` matters).
pub fn adjustment_types(
    kind: Kind,
    sub_type: Option<&str>,
    field: &str,
) -> &'static [&'static str] {
    match (kind, sub_type, field) {
        (Kind::RollingOffer, _, _) => &["percentage", "fixed_amount"],
        (Kind::Popup, Some("StoreRefresh"), _) | (_, _, "discount") => &["percentage"],
        _ => &["percentage", "multiplier", "fixed_amount"],
    }
}

impl OfferHead {
    fn references<'a>(&'a self, out: &mut Vec<ReferenceSite<'a>>) {
        if let Some(design) = &self.design {
            out.push(ReferenceSite {
                field: "design",
                expected: Kind::OfferDesign.core(),
                reference: design,
            });
        }
    }

    /// The wire properties before the items: key, name, type, `active`, ...
    fn desired(
        &self,
        kind: Kind,
        meta: &Meta,
        resolve: &dyn Fn(CoreKind, &str) -> String,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        out.insert("publisherOfferId".into(), json!(meta.name.value));
        out.insert("name".into(), json!(self.title.value));
        out.insert("type".into(), json!(kind.offer_type()));
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
        out
    }

    /// The schedule (its default when absent), then `extra`: the end of every offer.
    fn finish(&self, meta: &Meta, mut out: Map<String, Value>) -> Value {
        let schedule = match &self.schedule {
            Some(schedule) => schedule.desired(),
            None => json!({"permanent": true, "timeFrames": []}),
        };
        out.insert("schedule".into(), schedule);
        with_extra(meta, out)
    }

    fn entries(&self, kind: Kind, meta: &Meta) -> Vec<(String, Node)> {
        let mut e = head(kind, meta);
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
        e
    }
}

/// The parts of an offer made of `steps` (rolling offers, progress bars, pop-ups), which build
/// its document around what its type adds (`own`) between the shared settings and the steps.
struct StepsOffer<'a> {
    kind: Kind,
    meta: &'a Meta,
    head: &'a OfferHead,
    steps: &'a [Step],
}

impl<'a> StepsOffer<'a> {
    fn references(&self) -> Vec<ReferenceSite<'a>> {
        let mut out = Vec::new();
        self.head.references(&mut out);
        for step in self.steps {
            step.item.references(&mut out);
        }
        out
    }

    fn desired(
        &self,
        resolve: &dyn Fn(CoreKind, &str) -> String,
        own: Vec<(&str, Value)>,
    ) -> Value {
        let mut out = self.head.desired(self.kind, self.meta, resolve);
        out.extend(own.into_iter().map(|(k, v)| (k.to_string(), v)));
        let steps = self
            .steps
            .iter()
            .enumerate()
            .map(|(position, step)| step.desired(position, resolve));
        out.insert("productsSequence".into(), Value::Array(steps.collect()));
        self.head.finish(self.meta, out)
    }

    fn entries(&self, own: Vec<(String, Node)>) -> Vec<(String, Node)> {
        let mut e = self.head.entries(self.kind, self.meta);
        e.extend(own);
        let steps = self.steps.iter().map(Step::node).collect();
        e.push(("steps".into(), Node::Seq(steps)));
        tail(self.meta, e)
    }
}

/// The [`Document`] of an offer type made of `steps` alone.
macro_rules! steps_document {
    ($type:ty, $kind:expr) => {
        impl $type {
            fn parts(&self) -> StepsOffer<'_> {
                StepsOffer {
                    kind: $kind,
                    meta: &self.meta,
                    head: &self.head,
                    steps: &self.steps,
                }
            }
        }

        impl Document for $type {
            document_basics!($kind);

            fn references(&self) -> Vec<ReferenceSite<'_>> {
                self.parts().references()
            }

            fn desired(&self, resolve: &dyn Fn(CoreKind, &str) -> String) -> Value {
                self.parts().desired(resolve, Vec::new())
            }

            fn entries(&self) -> Vec<(String, Node)> {
                self.parts().entries(Vec::new())
            }
        }
    };
}

steps_document!(RollingOffer, Kind::RollingOffer);
steps_document!(ProgressBar, Kind::ProgressBar);

impl Popup {
    fn parts(&self) -> StepsOffer<'_> {
        StepsOffer {
            kind: Kind::Popup,
            meta: &self.meta,
            head: &self.head,
            steps: &self.steps,
        }
    }

    /// Its sub-type's settings, by wire name.
    fn settings(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        [
            ("displayRule", &self.display_rule),
            ("rewardCalendar", &self.reward_calendar),
        ]
        .into_iter()
        .filter_map(|(key, value)| Some((key, &value.as_ref()?.value)))
    }
}

impl Document for Popup {
    document_basics!(Kind::Popup);

    fn references(&self) -> Vec<ReferenceSite<'_>> {
        self.parts().references()
    }

    fn desired(&self, resolve: &dyn Fn(CoreKind, &str) -> String) -> Value {
        let mut own = vec![("subType", json!(self.sub_type.value))];
        own.extend(self.settings().map(|(key, value)| (key, value.clone())));
        self.parts().desired(resolve, own)
    }

    fn entries(&self) -> Vec<(String, Node)> {
        let mut own = vec![("subType".into(), Node::str(self.sub_type.value.clone()))];
        own.extend(
            self.settings()
                .map(|(key, value)| (key.to_string(), Node::json(value))),
        );
        self.parts().entries(own)
    }
}

impl Document for SingleOffer {
    fn kind(&self) -> CoreKind {
        self.kind.core()
    }
    document_basics!();

    fn references(&self) -> Vec<ReferenceSite<'_>> {
        let mut out = Vec::new();
        self.head.references(&mut out);
        self.item.references(&mut out);
        out
    }

    fn desired(&self, resolve: &dyn Fn(CoreKind, &str) -> String) -> Value {
        let mut out = self.head.desired(self.kind, &self.meta, resolve);
        let item = self.item.desired(1, resolve);
        out.insert("productsSequence".into(), json!([item]));
        adjustments_desired(&mut out, &self.discount, &self.sale);
        self.head.finish(&self.meta, out)
    }

    fn entries(&self) -> Vec<(String, Node)> {
        let mut e = self.head.entries(self.kind, &self.meta);
        self.item.nodes(&mut e);
        adjustment_nodes(&mut e, &self.discount, &self.sale);
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

impl Item {
    fn references<'a>(&'a self, out: &mut Vec<ReferenceSite<'a>>) {
        for line in &self.products {
            out.push(ReferenceSite {
                field: "product",
                expected: Kind::Product.core(),
                reference: &line.product,
            });
        }
        for badge in &self.badges {
            out.push(ReferenceSite {
                field: "badges",
                expected: Kind::Badge.core(),
                reference: badge,
            });
        }
        for points in &self.progress_bar_points {
            out.push(ReferenceSite {
                field: "progressBarPoints",
                expected: Kind::ProgressBar.core(),
                reference: &points.bar,
            });
        }
    }

    /// `productsSequence[]` with wire `index`.
    fn desired(
        &self,
        index: i64,
        resolve: &dyn Fn(CoreKind, &str) -> String,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        out.insert("index".into(), json!(index));
        let products: Vec<Value> = self
            .products
            .iter()
            .map(|line| {
                let mut entry = Map::new();
                let id = resolve(Kind::Product.core(), &line.product);
                entry.insert("publisherProductId".into(), json!(id));
                entry.insert("quantity".into(), json!(line.quantity.value));
                if let Some(priority) = &line.priority {
                    entry.insert("priority".into(), json!(priority.value));
                }
                Value::Object(entry)
            })
            .collect();
        out.insert("products".into(), Value::Array(products));
        out.insert("priceInUsdCents".into(), json!(self.price.value));
        let badges: Vec<Value> = self
            .badges
            .iter()
            .map(|badge| json!({"publisherBadgeId": resolve(Kind::Badge.core(), badge)}))
            .collect();
        out.insert("badges".into(), Value::Array(badges));
        if !self.progress_bar_points.is_empty() {
            let points: Vec<Value> = self
                .progress_bar_points
                .iter()
                .map(|p| {
                    json!({
                        "publisherBarId": resolve(Kind::ProgressBar.core(), &p.bar),
                        "points": p.points.value,
                    })
                })
                .collect();
            out.insert("progressBarPoints".into(), Value::Array(points));
        }
        out
    }

    fn nodes(&self, e: &mut Vec<(String, Node)>) {
        e.push(("price".to_string(), Node::json(&json!(self.price.value))));
        let products = self.products.iter().map(|line| {
            let mut entry = vec![
                ("product".into(), Node::str(line.product.value.clone())),
                ("quantity".into(), Node::json(&json!(line.quantity.value))),
            ];
            text(&mut entry, "priority", &line.priority);
            Node::Map(entry)
        });
        e.push(("products".into(), Node::Seq(products.collect())));
        if !self.badges.is_empty() {
            let badges = self.badges.iter().map(|b| Node::str(b.value.clone()));
            e.push(("badges".into(), Node::Seq(badges.collect())));
        }
        if !self.progress_bar_points.is_empty() {
            let points = self.progress_bar_points.iter().map(|p| {
                Node::Map(vec![
                    ("bar".into(), Node::str(p.bar.value.clone())),
                    ("points".into(), Node::json(&json!(p.points.value))),
                ])
            });
            e.push(("progressBarPoints".into(), Node::Seq(points.collect())));
        }
    }
}

/// `priceDiscount` and `productSale`, into a wire object (an offer's top level or a step).
fn adjustments_desired(
    out: &mut Map<String, Value>,
    discount: &Option<Adjustment>,
    sale: &Option<Adjustment>,
) {
    if let Some(discount) = discount {
        out.insert(
            "priceDiscount".into(),
            json!({"discount": discount.amount.value, "type": discount.kind.value}),
        );
    }
    if let Some(sale) = sale {
        out.insert(
            "productSale".into(),
            json!({"sale": sale.amount.value, "type": sale.kind.value}),
        );
    }
}

fn adjustment_nodes(
    e: &mut Vec<(String, Node)>,
    discount: &Option<Adjustment>,
    sale: &Option<Adjustment>,
) {
    for (key, adjustment) in [("discount", discount), ("sale", sale)] {
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
}

impl Step {
    /// The wire `index` of the step at `position` (0-based) in the list.
    pub fn wire_index(&self, position: usize) -> i64 {
        self.index
            .as_ref()
            .map_or(position as i64 + 1, |index| index.value)
    }

    fn desired(&self, position: usize, resolve: &dyn Fn(CoreKind, &str) -> String) -> Value {
        let mut out = self.item.desired(self.wire_index(position), resolve);
        adjustments_desired(&mut out, &self.discount, &self.sale);
        Value::Object(out)
    }

    fn node(&self) -> Node {
        let mut e = Vec::new();
        if let Some(index) = &self.index {
            e.push(("index".to_string(), Node::json(&json!(index.value))));
        }
        self.item.nodes(&mut e);
        adjustment_nodes(&mut e, &self.discount, &self.sale);
        Node::Map(e)
    }
}

/// The kind and shared settings of an offer document; `None` for components.
pub fn offer_head(document: &dyn Document) -> Option<(Kind, &OfferHead)> {
    let any = document.as_any();
    if let Some(d) = any.downcast_ref::<RollingOffer>() {
        return Some((Kind::RollingOffer, &d.head));
    }
    if let Some(d) = any.downcast_ref::<ProgressBar>() {
        return Some((Kind::ProgressBar, &d.head));
    }
    if let Some(d) = any.downcast_ref::<Popup>() {
        return Some((Kind::Popup, &d.head));
    }
    any.downcast_ref::<SingleOffer>().map(|d| (d.kind, &d.head))
}
