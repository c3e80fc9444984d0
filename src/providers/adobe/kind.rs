//! The eight kinds of offer-decisioning object, and the facts about each that every stage shares:
//! its manifest spelling, its XCore schema id, and the short name used inside `@id` values.

use std::fmt;
use std::str::FromStr;

/// A kind of object in the offer repository.
///
/// The declaration order is the natural creation order (what others reference comes first);
/// the dependency graph refines it, but it is also used to break ties deterministically.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Kind {
    Tag,
    Placement,
    Rule,
    Offer,
    FallbackOffer,
    Filter,
    /// A ranking formula (`ranking-function`): a PQL score a criterion may order offers by.
    /// Created before the activities whose criteria use it.
    RankingFormula,
    Activity,
}

const SCHEMA_BASE: &str = "https://ns.adobe.com/experience/offer-management/";

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Tag,
        Kind::Placement,
        Kind::Rule,
        Kind::Offer,
        Kind::FallbackOffer,
        Kind::Filter,
        Kind::RankingFormula,
        Kind::Activity,
    ];

    /// The spelling used in manifests (`kind: FallbackOffer`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Tag => "Tag",
            Kind::Placement => "Placement",
            Kind::Rule => "Rule",
            Kind::Offer => "Offer",
            Kind::FallbackOffer => "FallbackOffer",
            Kind::Filter => "Filter",
            Kind::RankingFormula => "RankingFormula",
            Kind::Activity => "Activity",
        }
    }

    /// The segment of the XCore schema id and of `@id` values (`xcore:<short>:<hex>`).
    pub fn short_name(self) -> &'static str {
        match self {
            Kind::Tag => "tag",
            Kind::Placement => "offer-placement",
            Kind::Rule => "eligibility-rule",
            Kind::Offer => "personalized-offer",
            Kind::FallbackOffer => "fallback-offer",
            Kind::Filter => "offer-filter",
            Kind::RankingFormula => "ranking-function",
            Kind::Activity => "offer-activity",
        }
    }

    /// The XCore schema id, without a version parameter (the repository treats versions as opaque).
    pub fn schema_id(self) -> String {
        format!("{SCHEMA_BASE}{}", self.short_name())
    }

    /// The kind whose schema id is `schema`; a `;version=...` suffix is ignored.
    pub fn from_schema_id(schema: &str) -> Option<Kind> {
        let schema = schema.split(';').next().unwrap_or_default().trim();
        let short = schema.strip_prefix(SCHEMA_BASE)?;
        Kind::ALL
            .into_iter()
            .find(|kind| kind.short_name() == short)
    }

    /// The kind whose short name appears in an `@id` such as `xcore:tag:124e147572cd7866`.
    pub fn from_id(id: &str) -> Option<Kind> {
        let mut parts = id.splitn(3, ':');
        let _scheme = parts.next()?;
        let short = parts.next()?;
        Kind::ALL
            .into_iter()
            .find(|kind| kind.short_name() == short)
    }

    /// The core's handle for this kind.
    pub fn core(self) -> crate::kind::Kind {
        crate::kind::Kind::new(&KINDS[self as usize])
    }

    /// Adobe's kind for a core kind, if it is one.
    pub fn of(kind: crate::kind::Kind) -> Option<Kind> {
        if kind.provider() != PROVIDER {
            return None;
        }
        Kind::ALL.into_iter().find(|k| k.as_str() == kind.as_str())
    }

    /// Adobe's kind for a core kind that the registry routed to this provider.
    ///
    /// # Panics
    /// When `kind` is another provider's: callers are reached by routing on the provider, so
    /// that is a wiring mistake, not bad input.
    pub fn from_core(kind: crate::kind::Kind) -> Kind {
        Kind::of(kind).unwrap_or_else(|| panic!("{kind} is not an Adobe kind"))
    }

    /// Words people use for this kind in the product UI, for messages.
    pub fn description(self) -> &'static str {
        match self {
            Kind::Tag => "tag (collection qualifier)",
            Kind::Placement => "placement",
            Kind::Rule => "eligibility rule",
            Kind::Offer => "personalized offer",
            Kind::FallbackOffer => "fallback offer",
            Kind::Filter => "offer filter (collection)",
            Kind::RankingFormula => "ranking formula",
            Kind::Activity => "offer activity (decision)",
        }
    }
}

/// The provider's name, as kinds and saved plans record it.
pub const PROVIDER: &str = "adobe";

/// The members a component of an offer's representation may have (XDM): its `@type`, format
/// and languages, then its content, all text.
pub const COMPONENT_MEMBERS: &[&str] = &[
    "@type",
    "dc:format",
    "dc:language",
    "xdm:content",
    "xdm:copyline",
    "xdm:linkURL",
    "xdm:deliveryURL",
    "repo:resolveURL",
    "repo:id",
    "repo:name",
];

const LITERAL_PREFIXES: &[&str] = &["xcore:", "dps:"];

const fn info(
    name: &'static str,
    description: &'static str,
    rank: u16,
    id_hint: &'static str,
) -> crate::kind::KindInfo {
    crate::kind::KindInfo {
        provider: PROVIDER,
        name,
        description,
        rank,
        literal_prefixes: LITERAL_PREFIXES,
        id_hint: Some(id_hint),
    }
}

/// What the core knows of each kind, in declaration order (indexed by `Kind as usize`).
static KINDS: [crate::kind::KindInfo; 8] = [
    info("Tag", "tag (collection qualifier)", 0, "xcore:tag:"),
    info("Placement", "placement", 1, "xcore:offer-placement:"),
    info("Rule", "eligibility rule", 2, "xcore:eligibility-rule:"),
    info(
        "Offer",
        "personalized offer",
        3,
        "xcore:personalized-offer:",
    ),
    info(
        "FallbackOffer",
        "fallback offer",
        4,
        "xcore:fallback-offer:",
    ),
    info(
        "Filter",
        "offer filter (collection)",
        5,
        "xcore:offer-filter:",
    ),
    info(
        "RankingFormula",
        "ranking formula",
        6,
        "xcore:ranking-function:",
    ),
    info(
        "Activity",
        "offer activity (decision)",
        7,
        "xcore:offer-activity:",
    ),
];

/// Every kind, as the core sees them.
pub fn core_kinds() -> Vec<crate::kind::Kind> {
    Kind::ALL.into_iter().map(Kind::core).collect()
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or(())
    }
}

/// Whether a reference is a literal repository id rather than the name of a manifest object.
/// `xcore:` ids come from the XCore API; `dps:` ids from objects created through the newer API.
pub fn is_literal_id(reference: &str) -> bool {
    reference.starts_with("xcore:") || reference.starts_with("dps:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_ids_round_trip_with_and_without_version() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_schema_id(&kind.schema_id()), Some(kind));
            let versioned = format!("{};version=0.5", kind.schema_id());
            assert_eq!(Kind::from_schema_id(&versioned), Some(kind));
            assert_eq!(kind.as_str().parse::<Kind>(), Ok(kind));
        }
        assert_eq!(Kind::from_schema_id("https://example.com/tag"), None);
    }

    #[test]
    fn kind_is_read_from_seed_ids() {
        assert_eq!(
            Kind::from_id("xcore:fallback-offer:124e2e764b1ac1b9"),
            Some(Kind::FallbackOffer)
        );
        assert_eq!(
            Kind::from_id("xcore:offer-placement:e91afcf81bad130"),
            Some(Kind::Placement)
        );
        assert_eq!(Kind::from_id("dps:tag:1ae3b5a203797a2b"), Some(Kind::Tag));
        assert_eq!(
            Kind::from_id("xcore:ranking-function:18ca80c5b15c5e11"),
            Some(Kind::RankingFormula)
        );
        assert_eq!(
            Kind::from_id("dps:ranking-function:1947f5372cc4ed74"),
            Some(Kind::RankingFormula)
        );
        assert_eq!(Kind::from_id("xcore:ranking-strategy:1"), None);
        assert!(is_literal_id("xcore:tag:1") && !is_literal_id("credit card"));
    }

    #[test]
    fn core_kinds_say_what_adobe_kinds_say() {
        for kind in Kind::ALL {
            let core = kind.core();
            assert_eq!(core.as_str(), kind.as_str());
            assert_eq!(core.description(), kind.description());
            assert_eq!(
                core.info().id_hint,
                Some(format!("xcore:{}:", kind.short_name()).as_str())
            );
            assert_eq!(Kind::of(core), Some(kind));
        }
        let order: Vec<_> = Kind::ALL.map(Kind::core).to_vec();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
    }
}
