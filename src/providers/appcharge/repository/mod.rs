//! The Appcharge repository engine: a local stand-in for Appcharge's publisher API (offers of
//! every modelled type in one namespace, products, badges and offer designs), with no
//! knowledge of HTTP. It backs the Appcharge facade of `offerctl serve` and can be embedded:
//!
//! ```
//! use offerctl::providers::appcharge::repository::{Component, Store};
//! use serde_json::json;
//!
//! let store = Store::in_memory();
//! store.create_component(Component::Product, json!({"publisherProductId": "gold", "name": "Gold"})).unwrap();
//! let step = |index| json!({"index": index, "priceInUsdCents": 0,
//!     "products": [{"publisherProductId": "gold", "quantity": 100}]});
//! let offer = store.create_offer(json!({
//!     "publisherOfferId": "roll-1", "name": "Rolling", "type": "RollingOffer", "active": true,
//!     "productsSequence": [step(1), step(2)], "myOwnField": 7,
//! })).unwrap();
//! assert_eq!(offer["productsSequence"][0]["products"][0]["product"]["name"], "Gold");
//! assert_eq!(offer["myOwnField"], 7); // unmodelled fields are kept
//! ```
//!
//! Offers are stored in the V2 write shape, exactly as sent plus the server's fields (`offerId`,
//! `publisherId`, `createdAt`, `updatedAt`, `displayName` and `schedule` defaults, time-frame
//! ids); reads expand references (see [`Store::create_offer`]). Every operation holds one lock,
//! so each is atomic; in durable mode ([`Store::open`]) a change is synced to the log before it
//! is applied and acknowledged, and reopening replays it.

mod components;
mod error;
mod offers;
mod shape;
mod state;
mod store;
mod validate;

#[cfg(test)]
mod tests;

pub use error::StoreError;
pub use store::{PUBLISHER_ID, Store};
pub use validate::OFFER_TYPES;

/// The three kinds of offer component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Component {
    Product,
    Badge,
    OfferDesign,
}

impl Component {
    pub const ALL: [Component; 3] = [Component::Product, Component::Badge, Component::OfferDesign];

    /// The publisher-chosen key (`publisherProductId`, `publisherBadgeId`, `externalId`).
    pub fn key_field(self) -> &'static str {
        match self {
            Component::Product => "publisherProductId",
            Component::Badge => "publisherBadgeId",
            Component::OfferDesign => "externalId",
        }
    }

    /// `product`, `badge`, `offer design` (in messages).
    pub fn noun(self) -> &'static str {
        match self {
            Component::Product => "product",
            Component::Badge => "badge",
            Component::OfferDesign => "offer design",
        }
    }

    fn table(self) -> state::TableName {
        match self {
            Component::Product => state::TableName::Products,
            Component::Badge => state::TableName::Badges,
            Component::OfferDesign => state::TableName::Designs,
        }
    }
}
