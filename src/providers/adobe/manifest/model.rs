//! Adobe's manifest language as Rust types: one struct per kind, with friendly camelCase fields.
//!
//! These types are the single description of the language: the decoder fills them, the JSON
//! Schema is generated from them (`offerctl schema`), and the wire mapping reads them.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

use crate::manifest::{Extra, Meta, Reference, ReferenceSite, Spanned};
use crate::providers::adobe::kind::Kind;

/// One manifest document. `kind` selects the fields that follow.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(tag = "kind")]
pub enum Manifest {
    /// A tag (collection qualifier) that offers carry and filters select by.
    Tag(Tag),
    /// Where offers are shown: a channel and a kind of content.
    Placement(Placement),
    /// An eligibility (decision) rule: a PQL condition on the profile.
    Rule(Rule),
    /// A personalized offer.
    Offer(Offer),
    /// The offer shown when no personalized offer qualifies.
    FallbackOffer(FallbackOffer),
    /// An offer filter (collection): a set of offers, listed or selected by tags.
    Filter(Filter),
    /// A ranking formula: a PQL expression that scores offers, used by activity criteria.
    RankingFormula(RankingFormula),
    /// An offer activity (decision): a placement, a filter and a fallback.
    Activity(Activity),
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tag {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Placement {
    #[serde(flatten)]
    pub meta: Meta,
    /// `web`, `email`, `mobile`, `offline`, ... or a full channel URI.
    pub channel: Spanned<String>,
    /// `imagelink`, `text`, `html`, `json`, or a full component-type URI.
    pub component_type: Spanned<String>,
    /// Media types accepted in this placement, such as `image/png`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub content_types: Vec<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rule {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Spanned<String>>,
    /// The PQL condition, as text.
    pub condition: Spanned<String>,
}

/// What a ranking formula's expression computes (`returnType.type`; the repository reads it
/// back upper-cased, which is not a change).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReturnType {
    #[default]
    Integer,
    Double,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RankingFormula {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Spanned<String>>,
    /// The PQL expression that scores an offer, as text (such as
    /// `offer.rank.priority * 2`).
    pub formula: Spanned<String>,
    /// The type of the score: `integer` (the default) or `double`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_type: Option<Spanned<ReturnType>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OfferStatus {
    #[default]
    Draft,
    Approved,
    Archived,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ActivityStatus {
    #[default]
    Draft,
    Live,
    Archived,
}

/// Frequency capping: how many times the offer may be proposed.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cap {
    /// Across all profiles (`xdm:globalCap`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub global: Option<Spanned<i64>>,
    /// Per profile (`xdm:profileCap`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub profile: Option<Spanned<i64>>,
}

/// The content of an offer for one placement.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Representation {
    /// The placement (by name, or `xcore:` id).
    pub placement: Reference,
    /// A channel (`web`, ... or URI); normally implied by the placement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Spanned<String>>,
    #[schemars(length(min = 1))]
    pub components: Vec<Component>,
    /// Repository properties of this representation that no field models, kept verbatim (wire
    /// name → JSON value; `null` removes the property).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub extra: Extra,
}

/// One content fragment of a representation.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// `imagelink`, `text`, `html`, `json`, or a full component-type URI (`@type`).
    #[serde(rename = "type")]
    pub component_type: Spanned<String>,
    /// Media type of the content (`dc:format`), such as `text/html`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Spanned<String>>,
    /// Languages (`dc:language`), such as `en` or `fr-CA`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub language: Vec<Spanned<String>>,
    /// Inline content (`xdm:content`): text, HTML or JSON as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Spanned<String>>,
    /// A short text (`xdm:copyline`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copyline: Option<Spanned<String>>,
    /// Where an image link leads (`xdm:linkURL`).
    #[serde(default, rename = "linkURL", skip_serializing_if = "Option::is_none")]
    pub link_url: Option<Spanned<String>>,
    /// Where the asset is delivered from (`xdm:deliveryURL`).
    #[serde(
        default,
        rename = "deliveryURL",
        skip_serializing_if = "Option::is_none"
    )]
    pub delivery_url: Option<Spanned<String>>,
    /// Where to read the asset (`repo:resolveURL`).
    #[serde(
        default,
        rename = "resolveURL",
        skip_serializing_if = "Option::is_none"
    )]
    pub resolve_url: Option<Spanned<String>>,
    /// The asset's id in its content repository (`repo:id`).
    #[serde(default, rename = "repoId", skip_serializing_if = "Option::is_none")]
    pub repo_id: Option<Spanned<String>>,
    /// The asset's name in its content repository (`repo:name`).
    #[serde(default, rename = "repoName", skip_serializing_if = "Option::is_none")]
    pub repo_name: Option<Spanned<String>>,
    /// Repository properties of this component that no field models, kept verbatim (wire name →
    /// JSON value), such as the product UI's `offerui:previewThumbnail`; `null` removes one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub extra: Extra,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Offer {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Spanned<String>>,
    #[serde(default)]
    pub status: OfferStatus,
    /// RFC 3339 time from which the offer may be proposed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub start_date: Option<Spanned<String>>,
    /// RFC 3339 time after which the offer is no longer proposed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub end_date: Option<Spanned<String>>,
    /// The eligibility rule the profile must satisfy (by name, or `xcore:` id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<Reference>,
    /// Base priority: higher wins when no ranking applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub priority: Option<Spanned<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Cap>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Reference>,
    /// Free-form attributes (text to text), usable in rules and content.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub characteristics: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub representations: Vec<Representation>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FallbackOffer {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Spanned<String>>,
    #[serde(default)]
    pub status: OfferStatus,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Reference>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub characteristics: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub representations: Vec<Representation>,
}

/// How a filter selects offers (`xdm:filterType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum FilterMatch {
    /// The offers listed under `offers`.
    Offers,
    /// Offers carrying any of the `tags`.
    AnyTags,
    /// Offers carrying all of the `tags`.
    AllTags,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Spanned<String>>,
    #[serde(rename = "match")]
    pub filter_match: Spanned<FilterMatch>,
    /// With `match: offers`: the offers in the collection.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offers: Vec<Reference>,
    /// With `match: anyTags` or `allTags`: the tags to select by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Reference>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Activity {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Spanned<String>>,
    #[serde(default)]
    pub status: ActivityStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub start_date: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub end_date: Option<Spanned<String>>,
    /// Shorthand for one criterion: the placement decided for (by name, or repository id).
    /// Write either `placement` + `filter`, or `criteria`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Reference>,
    /// Shorthand for one criterion: the offer filter that narrows the inventory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<Reference>,
    /// The decision's criteria, each selecting offers for its placements. The shorthand
    /// `placement` + `filter` is decoded into one criterion here, so every stage reads this list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<Criterion>,
    /// The fallback offer; it must have a representation for every placement.
    pub fallback: Reference,
}

/// One criterion of an activity: which offers may fill which placements, and how they rank.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Criterion {
    /// The placements this criterion decides for (at least one).
    #[schemars(length(min = 1))]
    pub placements: Vec<Reference>,
    /// The offer filter (collection) the offers come from.
    pub filter: Reference,
    /// An eligibility rule the profile must satisfy for this criterion to apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<Reference>,
    /// Ranking priority of this criterion (0 or more).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub priority: Option<Spanned<i64>>,
    /// A ranking formula that orders this criterion's offers (by name, or repository id):
    /// `xdm:rank.xdm:order` of type `scoringFunction`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranking_formula: Option<Reference>,
    /// Repository properties of this criterion that no field models, kept verbatim (wire name
    /// → JSON value); a `/container/member` key sets one member of `xdm:rank`,
    /// `xdm:optionSelection` or `xdm:profileConstraint` (such as `/xdm:rank/xdm:order`, a
    /// ranking strategy, when no `rankingFormula` is set); `null` removes one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub extra: Extra,
}

impl Criterion {
    /// Whether the shorthand `placement` + `filter` says all this criterion says.
    pub fn is_shorthand(&self) -> bool {
        self.placements.len() == 1
            && self.rule.is_none()
            && self.priority.is_none()
            && self.ranking_formula.is_none()
            && self.extra.is_empty()
    }
}

impl Manifest {
    pub fn kind(&self) -> Kind {
        match self {
            Manifest::Tag(_) => Kind::Tag,
            Manifest::Placement(_) => Kind::Placement,
            Manifest::Rule(_) => Kind::Rule,
            Manifest::Offer(_) => Kind::Offer,
            Manifest::FallbackOffer(_) => Kind::FallbackOffer,
            Manifest::Filter(_) => Kind::Filter,
            Manifest::RankingFormula(_) => Kind::RankingFormula,
            Manifest::Activity(_) => Kind::Activity,
        }
    }

    pub fn meta(&self) -> &Meta {
        match self {
            Manifest::Tag(o) => &o.meta,
            Manifest::Placement(o) => &o.meta,
            Manifest::Rule(o) => &o.meta,
            Manifest::Offer(o) => &o.meta,
            Manifest::FallbackOffer(o) => &o.meta,
            Manifest::Filter(o) => &o.meta,
            Manifest::RankingFormula(o) => &o.meta,
            Manifest::Activity(o) => &o.meta,
        }
    }

    pub fn meta_mut(&mut self) -> &mut Meta {
        match self {
            Manifest::Tag(o) => &mut o.meta,
            Manifest::Placement(o) => &mut o.meta,
            Manifest::Rule(o) => &mut o.meta,
            Manifest::Offer(o) => &mut o.meta,
            Manifest::FallbackOffer(o) => &mut o.meta,
            Manifest::Filter(o) => &mut o.meta,
            Manifest::RankingFormula(o) => &mut o.meta,
            Manifest::Activity(o) => &mut o.meta,
        }
    }

    /// The representations of an offer or fallback offer (empty for other kinds).
    pub fn representations(&self) -> &[Representation] {
        match self {
            Manifest::Offer(o) => &o.representations,
            Manifest::FallbackOffer(o) => &o.representations,
            _ => &[],
        }
    }

    /// Every reference this object makes to another object, in field order.
    pub fn references(&self) -> Vec<ReferenceSite<'_>> {
        let mut sites = Vec::new();
        match self {
            Manifest::Tag(_)
            | Manifest::Placement(_)
            | Manifest::Rule(_)
            | Manifest::RankingFormula(_) => {}
            Manifest::Offer(o) => {
                push_sites(&mut sites, "rule", Kind::Rule, o.rule.iter());
                push_offer_sites(&mut sites, &o.tags, &o.representations);
            }
            Manifest::FallbackOffer(o) => push_offer_sites(&mut sites, &o.tags, &o.representations),
            Manifest::Filter(f) => {
                push_sites(&mut sites, "offers", Kind::Offer, f.offers.iter());
                push_sites(&mut sites, "tags", Kind::Tag, f.tags.iter());
            }
            Manifest::Activity(a) => {
                for criterion in &a.criteria {
                    let (placements, filter, rule) = if a.placement.is_some() {
                        ("placement", "filter", "rule")
                    } else {
                        ("criteria.placements", "criteria.filter", "criteria.rule")
                    };
                    let formula = criterion.ranking_formula.iter();
                    push_sites(
                        &mut sites,
                        placements,
                        Kind::Placement,
                        &criterion.placements,
                    );
                    push_sites(&mut sites, filter, Kind::Filter, [&criterion.filter]);
                    push_sites(&mut sites, rule, Kind::Rule, criterion.rule.iter());
                    let field = "criteria.rankingFormula";
                    push_sites(&mut sites, field, Kind::RankingFormula, formula);
                }
                push_sites(&mut sites, "fallback", Kind::FallbackOffer, [&a.fallback]);
            }
        }
        sites
    }
}

fn push_sites<'a>(
    sites: &mut Vec<ReferenceSite<'a>>,
    field: &'static str,
    expected: Kind,
    references: impl IntoIterator<Item = &'a Reference>,
) {
    sites.extend(references.into_iter().map(|reference| ReferenceSite {
        field,
        expected: expected.core(),
        reference,
    }));
}

fn push_offer_sites<'a>(
    sites: &mut Vec<ReferenceSite<'a>>,
    tags: &'a [Reference],
    representations: &'a [Representation],
) {
    push_sites(sites, "tags", Kind::Tag, tags);
    let placements = representations.iter().map(|r| &r.placement);
    push_sites(
        sites,
        "representations.placement",
        Kind::Placement,
        placements,
    );
}
