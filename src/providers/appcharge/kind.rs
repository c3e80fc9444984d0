//! Appcharge's kinds: the offer components (products, badges, offer designs) and the offers
//! that use them. Every object is keyed by the publisher's own id, which is also its manifest
//! `name`, so there are no server ids to pin and no literal-id syntax.

use crate::kind::KindInfo;

pub const PROVIDER: &str = "appcharge";

/// An Appcharge kind. The declaration order is the creation order: components first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Product,
    Badge,
    OfferDesign,
    RollingOffer,
}

const fn info(name: &'static str, description: &'static str, rank: u16) -> KindInfo {
    KindInfo {
        provider: PROVIDER,
        name,
        description,
        rank,
        literal_prefixes: &[],
        id_hint: None,
    }
}

static KINDS: [KindInfo; 4] = [
    info("Product", "Appcharge product", 0),
    info("Badge", "Appcharge badge", 1),
    info("OfferDesign", "Appcharge offer design", 2),
    info("RollingOffer", "Appcharge rolling offer", 3),
];

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Product,
        Kind::Badge,
        Kind::OfferDesign,
        Kind::RollingOffer,
    ];

    /// The core's handle for this kind.
    pub fn core(self) -> crate::kind::Kind {
        crate::kind::Kind::new(&KINDS[self as usize])
    }

    /// Appcharge's kind for a core kind, if it is one.
    pub fn of(kind: crate::kind::Kind) -> Option<Kind> {
        if kind.provider() != PROVIDER {
            return None;
        }
        Kind::ALL.into_iter().find(|k| k.core() == kind)
    }

    /// Appcharge's kind for a core kind that the registry routed to this provider.
    ///
    /// # Panics
    /// When `kind` is another provider's: callers are reached by routing on the provider.
    pub fn from_core(kind: crate::kind::Kind) -> Kind {
        Kind::of(kind).unwrap_or_else(|| panic!("{kind} is not an Appcharge kind"))
    }

    pub fn as_str(self) -> &'static str {
        KINDS[self as usize].name
    }

    /// The wire property holding the publisher's key of an object of this kind.
    pub fn key_field(self) -> &'static str {
        match self {
            Kind::Product => "publisherProductId",
            Kind::Badge => "publisherBadgeId",
            Kind::OfferDesign => "externalId",
            Kind::RollingOffer => "publisherOfferId",
        }
    }

    /// Whether this kind is an offer (`/v2/offer`) rather than a component.
    pub fn is_offer(self) -> bool {
        matches!(self, Kind::RollingOffer)
    }

    /// The offer `type` on the wire.
    pub fn offer_type(self) -> Option<&'static str> {
        match self {
            Kind::RollingOffer => Some("RollingOffer"),
            _ => None,
        }
    }

    /// The component path segment (`/components/v1/<segment>`).
    pub fn component_path(self) -> Option<&'static str> {
        match self {
            Kind::Product => Some("product"),
            Kind::Badge => Some("badge"),
            Kind::OfferDesign => Some("offer-design"),
            Kind::RollingOffer => None,
        }
    }

    pub fn core_kinds() -> Vec<crate::kind::Kind> {
        Kind::ALL.into_iter().map(Kind::core).collect()
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
