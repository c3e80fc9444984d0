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
    /// Before the offers: they refer to progress bars (`progressBarPoints`).
    ProgressBar,
    RollingOffer,
    Bundle,
    SpecialOffer,
    CheckoutLink,
    Popup,
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

static KINDS: [KindInfo; 9] = [
    info("Product", "Appcharge product", 0),
    info("Badge", "Appcharge badge", 1),
    info("OfferDesign", "Appcharge offer design", 2),
    info("ProgressBar", "Appcharge progress bar", 3),
    info("RollingOffer", "Appcharge rolling offer", 4),
    info("Bundle", "Appcharge bundle", 5),
    info("SpecialOffer", "Appcharge special offer", 6),
    info("CheckoutLink", "Appcharge checkout link", 7),
    info("Popup", "Appcharge pop-up", 8),
];

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Product,
        Kind::Badge,
        Kind::OfferDesign,
        Kind::ProgressBar,
        Kind::RollingOffer,
        Kind::Bundle,
        Kind::SpecialOffer,
        Kind::CheckoutLink,
        Kind::Popup,
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
            _ => "publisherOfferId",
        }
    }

    /// Whether this kind is an offer (`/v2/offer`) rather than a component.
    pub fn is_offer(self) -> bool {
        self.offer_type().is_some()
    }

    /// Whether this offer kind holds one item, its settings at the top of the manifest
    /// (`price`, `products`, ...), rather than `steps`.
    pub fn is_single_item(self) -> bool {
        matches!(self, Kind::Bundle | Kind::SpecialOffer | Kind::CheckoutLink)
    }

    /// What people call an object of this kind in messages (`rolling offer`, `pop-up`).
    pub fn noun(self) -> &'static str {
        KINDS[self as usize]
            .description
            .trim_start_matches("Appcharge ")
    }

    /// Whether other objects may refer to objects of this kind, so that deleting one can be
    /// refused while they do: components, and progress bars (`progressBarPoints`).
    pub fn can_be_referenced(self) -> bool {
        !self.is_offer() || self == Kind::ProgressBar
    }

    /// The offer `type` on the wire (pop-ups tell their kind apart by `subType`).
    pub fn offer_type(self) -> Option<&'static str> {
        match self {
            Kind::Product | Kind::Badge | Kind::OfferDesign => None,
            Kind::ProgressBar => Some("ProgressBar"),
            Kind::RollingOffer => Some("RollingOffer"),
            Kind::Bundle => Some("Bundle"),
            Kind::SpecialOffer => Some("SpecialOffer"),
            Kind::CheckoutLink => Some("CheckoutLink"),
            Kind::Popup => Some("PopUp"),
        }
    }

    /// The offer kind of a wire `type`.
    pub fn of_offer_type(offer_type: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.offer_type() == Some(offer_type))
    }

    /// The component path segment (`/components/v1/<segment>`).
    pub fn component_path(self) -> Option<&'static str> {
        match self {
            Kind::Product => Some("product"),
            Kind::Badge => Some("badge"),
            Kind::OfferDesign => Some("offer-design"),
            _ => None,
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
