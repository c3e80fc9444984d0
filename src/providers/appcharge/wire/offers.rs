//! The wire of the offer types: which properties each manages, how single-item offers
//! (bundles, special offers, checkout links) place their item, and the manifest field of each
//! property.
//!
//! A single-item offer is one `productsSequence` entry (index 1) with its discount and sale at
//! the top level (`priceDiscount`, `productSale`), as Appcharge's V2 bodies have them. Pop-ups
//! add `subType` and the settings of their sub-type (`displayRule`, `rewardCalendar`).

use super::Kind;

/// What every offer manages at the top level, in the wire's order, with what a type adds after
/// `type`, before `productsSequence` and before `schedule`.
macro_rules! offer_properties {
    ([$($after_type:literal),*], [$($before_sequence:literal),*], [$($before_schedule:literal),*]) => {
        &[
            "name",
            "type",
            $($after_type,)*
            "active",
            "priority",
            "offerExternalUiId",
            "segments",
            $($before_sequence,)*
            "productsSequence",
            $($before_schedule,)*
            "schedule",
        ]
    };
}

const SINGLE_ITEM: &[&str] = offer_properties!([], [], ["priceDiscount", "productSale"]);
const STEPS: &[&str] = offer_properties!([], [], []);
const POPUP: &[&str] = offer_properties!(["subType"], ["displayRule", "rewardCalendar"], []);

pub fn managed_properties(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Popup => POPUP,
        k if k.is_single_item() => SINGLE_ITEM,
        _ => STEPS,
    }
}

/// Members of the item of a single-item offer (its discount and sale are at the top level).
pub fn single_item_members(pattern: &str) -> Option<&'static [&'static str]> {
    match pattern {
        "productsSequence/*" => Some(&[
            "index",
            "products",
            "priceInUsdCents",
            "badges",
            "progressBarPoints",
        ]),
        "priceDiscount" => Some(&["discount", "type"]),
        "productSale" => Some(&["sale", "type"]),
        other => super::members(other),
    }
}

/// The manifest fields every offer has and their wire pointers, then what a type adds.
macro_rules! offer_fields {
    ($($added:expr),* $(,)?) => {
        &[
            ("title", "/name"),
            ("active", "/active"),
            ("priority", "/priority"),
            ("design", "/offerExternalUiId"),
            ("segments", "/segments"),
            ("schedule", "/schedule"),
            $($added,)*
        ]
    };
}

/// The manifest fields of the offers and their wire pointers.
pub fn fields(kind: Kind) -> &'static [(&'static str, &'static str)] {
    match kind {
        Kind::Popup => offer_fields![
            ("subType", "/subType"),
            ("displayRule", "/displayRule"),
            ("rewardCalendar", "/rewardCalendar"),
            ("steps", "/productsSequence"),
        ],
        k if k.is_single_item() => offer_fields![
            ("price", "/productsSequence/0/priceInUsdCents"),
            ("products", "/productsSequence/0/products"),
            ("badges", "/productsSequence/0/badges"),
            ("progressBarPoints", "/productsSequence/0/progressBarPoints"),
            ("discount", "/priceDiscount"),
            ("sale", "/productSale"),
        ],
        _ => offer_fields![("steps", "/productsSequence")],
    }
}

/// The pointer a single-item offer's label is made from: its only item's fields read as the
/// offer's own (`/productsSequence/0/priceInUsdCents` → `/priceInUsdCents`, labelled `price`).
pub fn label_pointer(kind: Kind, pointer: &str) -> &str {
    if kind.is_single_item() {
        pointer
            .strip_prefix("/productsSequence/0")
            .filter(|rest| !rest.is_empty())
            .unwrap_or(pointer)
    } else {
        pointer
    }
}
