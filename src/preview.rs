//! What customers see of an object, in vendor-neutral blocks: a provider describes a document
//! as blocks (images, HTML, text, offer cards), and the plan's renderers draw them before and
//! after a change. Only descriptions here: no vendor, no drawing.

use std::borrow::Cow;

use serde_json::Value;

/// One thing a customer sees. `label` says where (a placement and format, `card`) and pairs
/// the block before a change with the block after it.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// An image at its own hosted URL (and where clicking it leads, when known).
    Image {
        label: String,
        url: String,
        link: Option<String>,
    },
    /// HTML, to be drawn in a sandbox without scripts.
    Html { label: String, html: String },
    /// Plain text.
    Text { label: String, text: String },
    /// Structured data (JSON), shown as text.
    Data { label: String, value: Value },
    /// An offer drawn as a store card: its steps (one for a single-purchase offer).
    Card { label: String, card: Card },
}

impl Block {
    pub fn label(&self) -> &str {
        match self {
            Block::Image { label, .. }
            | Block::Html { label, .. }
            | Block::Text { label, .. }
            | Block::Data { label, .. }
            | Block::Card { label, .. } => label,
        }
    }
}

/// A store card: a title over a background, and the steps a customer buys in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Card {
    pub title: String,
    /// The design's background image URL.
    pub background: Option<String>,
    /// What the card's design is called, shown when its background is not known.
    pub design: Option<String>,
    /// Whether customers see the offer at all (a switched-off offer is drawn dimmed).
    pub active: bool,
    /// Short facts under the title (schedule, segments).
    pub notes: Vec<String>,
    pub steps: Vec<Step>,
}

/// One purchase of a card.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Step {
    /// The price as customers read it (`$1.99`, `Free`).
    pub price: String,
    /// Discounts and sales (`20% off`, `sale: 50% more`).
    pub deals: Vec<String>,
    pub products: Vec<Item>,
    pub badges: Vec<Item>,
}

/// A product or a badge on a step: its text, and its image when it has one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Item {
    pub text: String,
    pub image: Option<String>,
}

/// What a provider may look up while describing a document: names of objects by id, and the
/// documents of other objects (on the same side of the change) by id.
pub trait Lookup {
    /// `Kind/name` of the object with `id` (also for ids of objects this run creates).
    fn name(&self, id: &str) -> Option<String>;
    /// The document of the object with `id`, as it is on this side of the change (borrowed,
    /// or parsed from a live object's text).
    fn document(&self, id: &str) -> Option<Cow<'_, Value>>;
}

/// The name part of `Kind/name`, or the id itself when nothing is known about it.
pub fn short_name(lookup: &dyn Lookup, id: &str) -> String {
    match lookup.name(id) {
        Some(address) => address
            .split_once('/')
            .map_or(address.as_str(), |(_, name)| name)
            .to_string(),
        None => id.to_string(),
    }
}
