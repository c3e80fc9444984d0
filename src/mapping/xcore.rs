//! Manifest fields → XCore `_instance` properties (seed 002). The one place that knows the
//! `xdm:` spellings; everything else works with manifests or with these documents as opaque JSON.

use serde_json::{Map, Value, json};

use crate::kind::Kind;
use crate::manifest::{
    ActivityStatus, Component, FilterMatch, Manifest, OfferStatus, Representation, Spanned,
};

const CHANNEL_BASE: &str = "https://ns.adobe.com/xdm/channel-types/";
const COMPONENT_BASE: &str = "https://ns.adobe.com/experience/offer-management/content-component-";

/// Turns a reference (a name or a literal id) into the `@id` to send. The plan stage supplies
/// live ids, or a pending marker for objects this run will create (see `plan`).
pub trait Resolver {
    fn resolve(&self, kind: Kind, reference: &str) -> String;
}

impl<F: Fn(Kind, &str) -> String> Resolver for F {
    fn resolve(&self, kind: Kind, reference: &str) -> String {
        self(kind, reference)
    }
}

/// `web` → `https://ns.adobe.com/xdm/channel-types/web`; full URIs are kept.
pub fn channel_uri(channel: &str) -> String {
    expand(channel, CHANNEL_BASE)
}

/// `html` → `https://ns.adobe.com/experience/offer-management/content-component-html`.
pub fn component_type_uri(component_type: &str) -> String {
    expand(component_type, COMPONENT_BASE)
}

fn expand(value: &str, base: &str) -> String {
    if value.contains("://") {
        value.to_string()
    } else {
        format!("{base}{value}")
    }
}

/// The `_instance` document for a manifest. Optional fields that are not set are left out, so
/// the repository's defaults apply.
pub fn to_instance(manifest: &Manifest, resolver: &dyn Resolver) -> Value {
    let mut out = Map::new();
    out.insert("xdm:name".into(), json!(manifest.meta().name.value));
    match manifest {
        Manifest::Tag(_) => {}
        Manifest::Placement(p) => {
            out.insert("xdm:channel".into(), json!(channel_uri(&p.channel)));
            out.insert(
                "xdm:componentType".into(),
                json!(component_type_uri(&p.component_type)),
            );
            insert_texts(&mut out, "xdm:contentTypes", &p.content_types);
            insert_text(&mut out, "xdm:description", &p.description);
        }
        Manifest::Rule(r) => {
            insert_text(&mut out, "xdm:description", &r.description);
            out.insert(
                "xdm:condition".into(),
                json!({"xdm:type": "PQL", "xdm:format": "pql/text", "xdm:value": r.condition.value}),
            );
        }
        Manifest::Offer(o) => {
            out.insert("xdm:status".into(), json!(offer_status(o.status)));
            insert_representations(&mut out, &o.representations, resolver);
            let mut constraint = Map::new();
            insert_text(&mut constraint, "xdm:startDate", &o.start_date);
            insert_text(&mut constraint, "xdm:endDate", &o.end_date);
            if let Some(rule) = &o.rule {
                constraint.insert(
                    "xdm:eligibilityRule".into(),
                    json!(resolver.resolve(Kind::Rule, rule)),
                );
            }
            if !constraint.is_empty() {
                out.insert("xdm:selectionConstraint".into(), Value::Object(constraint));
            }
            if let Some(priority) = &o.priority {
                out.insert("xdm:rank".into(), json!({"xdm:priority": priority.value}));
            }
            if let Some(cap) = &o.cap {
                let mut capping = Map::new();
                if let Some(global) = &cap.global {
                    capping.insert("xdm:globalCap".into(), json!(global.value));
                }
                if let Some(profile) = &cap.profile {
                    capping.insert("xdm:profileCap".into(), json!(profile.value));
                }
                if !capping.is_empty() {
                    out.insert("xdm:cappingConstraint".into(), Value::Object(capping));
                }
            }
            insert_references(&mut out, "xdm:tags", Kind::Tag, &o.tags, resolver);
            insert_characteristics(&mut out, &o.characteristics);
        }
        Manifest::FallbackOffer(o) => {
            out.insert("xdm:status".into(), json!(offer_status(o.status)));
            insert_representations(&mut out, &o.representations, resolver);
            insert_references(&mut out, "xdm:tags", Kind::Tag, &o.tags, resolver);
            insert_characteristics(&mut out, &o.characteristics);
        }
        Manifest::Filter(f) => {
            let (filter_type, kind, ids) = match f.filter_match.value {
                FilterMatch::Offers => ("offers", Kind::Offer, &f.offers),
                FilterMatch::AnyTags => ("anyTags", Kind::Tag, &f.tags),
                FilterMatch::AllTags => ("allTags", Kind::Tag, &f.tags),
            };
            out.insert("xdm:filterType".into(), json!(filter_type));
            // Seed 002 spells the list `ids` (newer stored instances use `xdm:ids`).
            let ids: Vec<String> = ids.iter().map(|r| resolver.resolve(kind, r)).collect();
            out.insert("ids".into(), json!(ids));
        }
        Manifest::Activity(a) => {
            out.insert("xdm:status".into(), json!(activity_status(a.status)));
            insert_text(&mut out, "xdm:startDate", &a.start_date);
            insert_text(&mut out, "xdm:endDate", &a.end_date);
            out.insert(
                "xdm:placement".into(),
                json!(resolver.resolve(Kind::Placement, &a.placement)),
            );
            out.insert(
                "xdm:filter".into(),
                json!(resolver.resolve(Kind::Filter, &a.filter)),
            );
            out.insert(
                "xdm:fallback".into(),
                json!(resolver.resolve(Kind::FallbackOffer, &a.fallback)),
            );
        }
    }
    Value::Object(out)
}

pub fn offer_status(status: OfferStatus) -> &'static str {
    match status {
        OfferStatus::Draft => "draft",
        OfferStatus::Approved => "approved",
        OfferStatus::Archived => "archived",
    }
}

pub fn activity_status(status: ActivityStatus) -> &'static str {
    match status {
        ActivityStatus::Draft => "draft",
        ActivityStatus::Live => "live",
        ActivityStatus::Archived => "archived",
    }
}

fn insert_text(out: &mut Map<String, Value>, key: &str, value: &Option<Spanned<String>>) {
    if let Some(value) = value {
        out.insert(key.into(), json!(value.value));
    }
}

fn insert_texts(out: &mut Map<String, Value>, key: &str, values: &[Spanned<String>]) {
    if !values.is_empty() {
        let values: Vec<&str> = values.iter().map(|v| v.value.as_str()).collect();
        out.insert(key.into(), json!(values));
    }
}

fn insert_references(
    out: &mut Map<String, Value>,
    key: &str,
    kind: Kind,
    references: &[Spanned<String>],
    resolver: &dyn Resolver,
) {
    if !references.is_empty() {
        let ids: Vec<String> = references
            .iter()
            .map(|r| resolver.resolve(kind, r))
            .collect();
        out.insert(key.into(), json!(ids));
    }
}

fn insert_characteristics(
    out: &mut Map<String, Value>,
    characteristics: &std::collections::BTreeMap<String, String>,
) {
    if !characteristics.is_empty() {
        out.insert("xdm:characteristics".into(), json!(characteristics));
    }
}

fn insert_representations(
    out: &mut Map<String, Value>,
    representations: &[Representation],
    resolver: &dyn Resolver,
) {
    if representations.is_empty() {
        return;
    }
    let list: Vec<Value> = representations
        .iter()
        .map(|r| {
            let mut rep = Map::new();
            rep.insert(
                "xdm:placement".into(),
                json!(resolver.resolve(Kind::Placement, &r.placement)),
            );
            if let Some(channel) = &r.channel {
                rep.insert("xdm:channel".into(), json!(channel_uri(channel)));
            }
            let components: Vec<Value> = r.components.iter().map(component).collect();
            rep.insert("xdm:components".into(), Value::Array(components));
            Value::Object(rep)
        })
        .collect();
    out.insert("xdm:representations".into(), Value::Array(list));
}

fn component(c: &Component) -> Value {
    let mut out = Map::new();
    out.insert("@type".into(), json!(component_type_uri(&c.component_type)));
    insert_text(&mut out, "dc:format", &c.format);
    insert_texts(&mut out, "dc:language", &c.language);
    insert_text(&mut out, "xdm:content", &c.content);
    insert_text(&mut out, "xdm:copyline", &c.copyline);
    insert_text(&mut out, "xdm:linkURL", &c.link_url);
    insert_text(&mut out, "xdm:deliveryURL", &c.delivery_url);
    insert_text(&mut out, "repo:resolveURL", &c.resolve_url);
    insert_text(&mut out, "repo:id", &c.repo_id);
    insert_text(&mut out, "repo:name", &c.repo_name);
    Value::Object(out)
}

/// The `_instance` properties offerctl manages for a kind. Other live properties (for example
/// `offerui:previewThumbnail`, set by the product UI) are left untouched by plans.
pub fn managed_properties(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Tag => &["xdm:name"],
        Kind::Placement => &[
            "xdm:name",
            "xdm:channel",
            "xdm:componentType",
            "xdm:contentTypes",
            "xdm:description",
        ],
        Kind::Rule => &["xdm:name", "xdm:description", "xdm:condition"],
        Kind::Offer => &[
            "xdm:name",
            "xdm:status",
            "xdm:representations",
            "xdm:selectionConstraint",
            "xdm:rank",
            "xdm:cappingConstraint",
            "xdm:tags",
            "xdm:characteristics",
        ],
        Kind::FallbackOffer => &[
            "xdm:name",
            "xdm:status",
            "xdm:representations",
            "xdm:tags",
            "xdm:characteristics",
        ],
        Kind::Filter => &["xdm:name", "xdm:filterType", "ids"],
        Kind::Activity => &[
            "xdm:name",
            "xdm:status",
            "xdm:startDate",
            "xdm:endDate",
            "xdm:placement",
            "xdm:filter",
            "xdm:fallback",
        ],
    }
}

/// Inside managed properties, the members offerctl manages, by path pattern (array positions
/// as `*`). `None` means every member is managed (free-form maps such as characteristics).
pub fn managed_members(pattern: &str) -> Option<&'static [&'static str]> {
    match pattern {
        "xdm:representations/*" => Some(&["xdm:placement", "xdm:channel", "xdm:components"]),
        "xdm:representations/*/xdm:components/*" => Some(&[
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
        ]),
        "xdm:selectionConstraint" => Some(&["xdm:startDate", "xdm:endDate", "xdm:eligibilityRule"]),
        "xdm:rank" => Some(&["xdm:priority"]),
        "xdm:cappingConstraint" => Some(&["xdm:globalCap", "xdm:profileCap"]),
        "xdm:condition" => Some(&["xdm:type", "xdm:format", "xdm:value"]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check;
    use crate::source::{SourceFile, SourceSet};

    fn instances(text: &str) -> Vec<Value> {
        let mut sources = SourceSet::new();
        sources.add(SourceFile::new("t.yaml", text));
        let checked = check(&sources);
        assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
        let resolver = |kind: Kind, reference: &str| {
            if crate::kind::is_literal_id(reference) {
                reference.to_string()
            } else {
                format!(
                    "xcore:{}:{}",
                    kind.short_name(),
                    reference.replace(' ', "-")
                )
            }
        };
        checked
            .catalog
            .objects()
            .iter()
            .map(|o| to_instance(&o.manifest, &resolver))
            .collect()
    }

    /// The shapes of seed 002's examples.
    #[test]
    fn seed_002_shapes() {
        let docs = instances(
            r#"
kind: Placement
name: Kiosk Placement 1
channel: https://ns.adobe.com/xdm/channels/web
componentType: imagelink
contentTypes: [image/png]
---
kind: Rule
name: Eligible for a free flight upgrade
condition: membership.status = "elite"
---
kind: Tag
name: credit card
---
kind: Offer
name: ABC Bank Credit Card
status: approved
startDate: 2019-06-13T00:00:00.000Z
endDate: 2019-07-13T00:00:00.000Z
rule: Eligible for a free flight upgrade
priority: 0
cap: {global: 1000000, profile: 5}
tags: [credit card, xcore:tag:f2df943c428b6f7]
representations:
  - placement: Kiosk Placement 1
    components:
      - {type: html, format: text/html, language: [en]}
---
kind: FallbackOffer
name: Default for Kiosk Placements
status: approved
representations:
  - placement: Kiosk Placement 1
    components: [{type: html, format: text/html, language: [en]}]
---
kind: Filter
name: All Upgrade offers
match: allTags
tags: [credit card]
---
kind: Activity
name: Call center IVR Personalization
status: live
startDate: 2019-03-01T05:59:59.999Z
endDate: 2019-12-27T00:00:00.000Z
placement: Kiosk Placement 1
filter: All Upgrade offers
fallback: Default for Kiosk Placements
"#,
        );
        assert_eq!(
            docs[0],
            json!({"xdm:name": "Kiosk Placement 1", "xdm:channel": "https://ns.adobe.com/xdm/channels/web",
                   "xdm:componentType": "https://ns.adobe.com/experience/offer-management/content-component-imagelink",
                   "xdm:contentTypes": ["image/png"]})
        );
        assert_eq!(
            docs[1],
            json!({"xdm:name": "Eligible for a free flight upgrade",
                   "xdm:condition": {"xdm:type": "PQL", "xdm:format": "pql/text", "xdm:value": "membership.status = \"elite\""}})
        );
        assert_eq!(
            docs[3],
            json!({
                "xdm:name": "ABC Bank Credit Card", "xdm:status": "approved",
                "xdm:representations": [{"xdm:placement": "xcore:offer-placement:Kiosk-Placement-1",
                    "xdm:components": [{"@type": "https://ns.adobe.com/experience/offer-management/content-component-html",
                                        "dc:format": "text/html", "dc:language": ["en"]}]}],
                "xdm:selectionConstraint": {"xdm:startDate": "2019-06-13T00:00:00.000Z", "xdm:endDate": "2019-07-13T00:00:00.000Z",
                                            "xdm:eligibilityRule": "xcore:eligibility-rule:Eligible-for-a-free-flight-upgrade"},
                "xdm:rank": {"xdm:priority": 0},
                "xdm:cappingConstraint": {"xdm:globalCap": 1000000, "xdm:profileCap": 5},
                "xdm:tags": ["xcore:tag:credit-card", "xcore:tag:f2df943c428b6f7"]
            })
        );
        assert!(docs[4].get("xdm:selectionConstraint").is_none());
        assert_eq!(
            docs[5],
            json!({"xdm:name": "All Upgrade offers", "xdm:filterType": "allTags", "ids": ["xcore:tag:credit-card"]})
        );
        assert_eq!(
            docs[6]["xdm:fallback"],
            "xcore:fallback-offer:Default-for-Kiosk-Placements"
        );
        for (doc, kind) in docs.iter().zip([
            Kind::Placement,
            Kind::Rule,
            Kind::Tag,
            Kind::Offer,
            Kind::FallbackOffer,
            Kind::Filter,
            Kind::Activity,
        ]) {
            for key in doc.as_object().unwrap().keys() {
                assert!(
                    managed_properties(kind).contains(&key.as_str()),
                    "{kind} {key}"
                );
            }
        }
    }
}
