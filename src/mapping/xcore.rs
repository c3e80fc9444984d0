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

/// Manifest fields of a kind that `ignoreChanges` may name, with the wire pointer (under
/// `_instance`) each one maps to.
const FIELD_POINTERS: &[(Kind, &str, &str)] = &[
    (Kind::Tag, "name", "/xdm:name"),
    (Kind::Placement, "name", "/xdm:name"),
    (Kind::Placement, "channel", "/xdm:channel"),
    (Kind::Placement, "componentType", "/xdm:componentType"),
    (Kind::Placement, "contentTypes", "/xdm:contentTypes"),
    (Kind::Placement, "description", "/xdm:description"),
    (Kind::Rule, "name", "/xdm:name"),
    (Kind::Rule, "description", "/xdm:description"),
    (Kind::Rule, "condition", "/xdm:condition"),
    (Kind::Offer, "name", "/xdm:name"),
    (Kind::Offer, "status", "/xdm:status"),
    (
        Kind::Offer,
        "startDate",
        "/xdm:selectionConstraint/xdm:startDate",
    ),
    (
        Kind::Offer,
        "endDate",
        "/xdm:selectionConstraint/xdm:endDate",
    ),
    (
        Kind::Offer,
        "rule",
        "/xdm:selectionConstraint/xdm:eligibilityRule",
    ),
    (Kind::Offer, "priority", "/xdm:rank/xdm:priority"),
    (Kind::Offer, "cap", "/xdm:cappingConstraint"),
    (Kind::Offer, "tags", "/xdm:tags"),
    (Kind::Offer, "characteristics", "/xdm:characteristics"),
    (Kind::Offer, "representations", "/xdm:representations"),
    (Kind::FallbackOffer, "name", "/xdm:name"),
    (Kind::FallbackOffer, "status", "/xdm:status"),
    (Kind::FallbackOffer, "tags", "/xdm:tags"),
    (
        Kind::FallbackOffer,
        "characteristics",
        "/xdm:characteristics",
    ),
    (
        Kind::FallbackOffer,
        "representations",
        "/xdm:representations",
    ),
    (Kind::Filter, "name", "/xdm:name"),
    (Kind::Filter, "match", "/xdm:filterType"),
    (Kind::Filter, "offers", "/ids"),
    (Kind::Filter, "tags", "/ids"),
    (Kind::Activity, "name", "/xdm:name"),
    (Kind::Activity, "status", "/xdm:status"),
    (Kind::Activity, "startDate", "/xdm:startDate"),
    (Kind::Activity, "endDate", "/xdm:endDate"),
    (Kind::Activity, "placement", "/xdm:placement"),
    (Kind::Activity, "filter", "/xdm:filter"),
    (Kind::Activity, "fallback", "/xdm:fallback"),
];

/// The fields `ignoreChanges` accepts for a kind.
pub fn ignorable_fields(kind: Kind) -> Vec<&'static str> {
    FIELD_POINTERS
        .iter()
        .filter(|(k, _, _)| *k == kind)
        .map(|(_, f, _)| *f)
        .collect()
}

/// The `_instance` pointer of a manifest field (`priority` → `/xdm:rank/xdm:priority`).
pub fn field_pointer(kind: Kind, field: &str) -> Option<&'static str> {
    FIELD_POINTERS
        .iter()
        .find(|(k, f, _)| *k == kind && *f == field)
        .map(|(_, _, p)| *p)
}

/// A readable label for a wire pointer under `_instance`, in manifest terms where one exists:
/// `/xdm:rank/xdm:priority` → `priority`, `/xdm:representations/0/xdm:components/1/xdm:content`
/// → `representations[0].components[1].content`.
pub fn field_label(kind: Kind, pointer: &str) -> String {
    let pointer = pointer.strip_prefix("/_instance").unwrap_or(pointer);
    // A filter's `ids` holds offers or tags, depending on `match`: keep the wire name there.
    if let Some((_, field, _)) = FIELD_POINTERS
        .iter()
        .find(|(k, _, p)| *k == kind && *p == pointer && *p != "/ids")
    {
        return (*field).to_string();
    }
    let mut label = String::new();
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        if token == "-" || token.parse::<usize>().is_ok() {
            label.push_str(&format!("[{token}]"));
            continue;
        }
        let name = match token.strip_prefix("xdm:").unwrap_or(&token) {
            // Containers with no manifest counterpart: their members are top-level fields.
            "selectionConstraint" | "rank" => continue,
            "eligibilityRule" => "rule",
            "cappingConstraint" => "cap",
            "globalCap" => "global",
            "profileCap" => "profile",
            "filterType" => "match",
            "@type" => "type",
            "dc:format" => "format",
            "dc:language" => "language",
            "repo:resolveURL" => "resolveURL",
            "repo:id" => "repoId",
            "repo:name" => "repoName",
            other => other,
        }
        .to_string();
        if !label.is_empty() {
            label.push('.');
        }
        label.push_str(&name);
    }
    label
}

/// The `@id`s a live instance refers to (placements, rules, tags, filter ids, an activity's
/// placement, filter and fallback).
pub fn references(instance: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |v: Option<&Value>| {
        if let Some(s) = v.and_then(Value::as_str) {
            out.push(s.to_string());
        }
    };
    for key in ["xdm:placement", "xdm:filter", "xdm:fallback"] {
        push(instance.get(key));
    }
    push(instance.pointer("/xdm:selectionConstraint/xdm:eligibilityRule"));
    for key in ["xdm:tags", "ids", "xdm:ids"] {
        for item in instance
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            push(Some(item));
        }
    }
    for rep in instance
        .get("xdm:representations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        push(rep.get("xdm:placement"));
    }
    out
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
    fn labels_use_manifest_names() {
        assert_eq!(
            field_label(Kind::Offer, "/_instance/xdm:rank/xdm:priority"),
            "priority"
        );
        assert_eq!(
            field_label(
                Kind::Offer,
                "/_instance/xdm:selectionConstraint/xdm:eligibilityRule"
            ),
            "rule"
        );
        assert_eq!(
            field_label(
                Kind::Offer,
                "/_instance/xdm:cappingConstraint/xdm:globalCap"
            ),
            "cap.global"
        );
        assert_eq!(
            field_label(
                Kind::Offer,
                "/_instance/xdm:representations/0/xdm:components/1/dc:language/-"
            ),
            "representations[0].components[1].language[-]"
        );
        assert_eq!(field_label(Kind::Filter, "/_instance/ids/2"), "ids[2]");
        assert_eq!(
            field_label(Kind::Activity, "/_instance/xdm:startDate"),
            "startDate"
        );
        assert_eq!(
            field_pointer(Kind::Offer, "startDate"),
            Some("/xdm:selectionConstraint/xdm:startDate")
        );
        assert!(ignorable_fields(Kind::Tag) == ["name"]);
    }

    #[test]
    fn references_of_live_instances() {
        let offer = json!({"xdm:tags": ["t1", "t2"], "xdm:selectionConstraint": {"xdm:eligibilityRule": "r"},
                           "xdm:representations": [{"xdm:placement": "p"}]});
        assert_eq!(references(&offer), ["r", "t1", "t2", "p"]);
        let activity = json!({"xdm:placement": "p", "xdm:filter": "f", "xdm:fallback": "b"});
        assert_eq!(references(&activity), ["p", "f", "b"]);
    }

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
