//! Tests of the XCore mapping: manifests → `_instance` → manifests.

use super::*;
use crate::providers::adobe::mapping::fixtures::{checked, manifests, resolve as resolver};

fn instances(text: &str) -> Vec<Value> {
    let to_instance = |manifest| super::to_instance(manifest, &resolver);
    manifests(text).iter().map(to_instance).collect()
}

/// Reverse mapping of the ids the test resolver makes (`xcore:<kind>:Name-with-dashes`).
fn namer(_: Kind, id: &str) -> String {
    match id.splitn(3, ':').nth(2) {
        Some(name) if !id.contains("f2df943c428b6f7") => name.replace('-', " "),
        _ => id.to_string(),
    }
}

#[test]
fn from_instance_is_the_reverse_of_to_instance() {
    let docs = instances(SEED_002);
    for (doc, kind) in docs.iter().zip(SEED_002_KINDS) {
        let manifest = from_instance(kind, doc, &namer).unwrap();
        assert!(manifest.meta().extra.is_empty(), "{kind}: {doc}");
        assert_eq!(&to_instance(&manifest, &resolver), doc, "{kind}");
    }
}

const CRITERIA: &str = "\
kind: Activity
name: Two criteria
status: live
criteria:
  - placements: [xcore:offer-placement:web, xcore:offer-placement:mail]
    filter: xcore:offer-filter:all
    rule: xcore:eligibility-rule:gold
    priority: 2
  - placements: [xcore:offer-placement:web]
    filter: xcore:offer-filter:rest
fallback: xcore:fallback-offer:fb
---
kind: Activity
name: One simple criterion
criteria:
  - placements: [xcore:offer-placement:web]
    filter: xcore:offer-filter:all
fallback: xcore:fallback-offer:fb
";

#[test]
fn criteria_map_to_the_v05_form_and_one_simple_criterion_to_the_flat_form() {
    let docs = instances(CRITERIA);
    assert_eq!(
        docs[0],
        json!({"xdm:name": "Two criteria", "xdm:status": "live",
                "xdm:criteria": [
                    {"xdm:placements": ["xcore:offer-placement:web", "xcore:offer-placement:mail"],
                     "xdm:optionSelection": {"xdm:filter": "xcore:offer-filter:all"},
                     "xdm:profileConstraint": {"xdm:profileConstraintType": "eligibilityRule",
                                               "xdm:eligibilityRule": "xcore:eligibility-rule:gold"},
                     "xdm:rank": {"xdm:priority": 2}},
                    {"xdm:placements": ["xcore:offer-placement:web"],
                     "xdm:optionSelection": {"xdm:filter": "xcore:offer-filter:rest"}}],
                "xdm:fallback": "xcore:fallback-offer:fb"})
    );
    assert_eq!(
        docs[1],
        json!({"xdm:name": "One simple criterion", "xdm:status": "draft",
                "xdm:placement": "xcore:offer-placement:web", "xdm:filter": "xcore:offer-filter:all",
                "xdm:fallback": "xcore:fallback-offer:fb"})
    );
    let keep = |_: Kind, id: &str| id.to_string();
    let resolver = |_: Kind, r: &str| r.to_string();
    for doc in &docs {
        let manifest = from_instance(Kind::Activity, doc, &keep).unwrap();
        assert!(manifest.meta().extra.is_empty(), "{doc}");
        assert_eq!(&to_instance(&manifest, &resolver), doc);
    }
    let refs = references(&docs[0]);
    for id in [
        "xcore:offer-placement:mail",
        "xcore:offer-filter:rest",
        "xcore:eligibility-rule:gold",
    ] {
        assert!(refs.iter().any(|r| r == id), "{id} in {refs:?}");
    }
    assert_eq!(
        field_label(
            Kind::Activity,
            "/_instance/xdm:criteria/0/xdm:profileConstraint/xdm:eligibilityRule"
        ),
        "criteria[0].rule"
    );
    // Members no field expresses stay in the criterion's `extra`, and come back verbatim.
    let mut ranked = docs[0].clone();
    ranked["xdm:criteria"][1]["xdm:rank"] = json!({"xdm:priority": 2,
        "xdm:order": {"xdm:orderEvaluationType": "static"}});
    ranked["xdm:criteria"][1]["xdm:optionSelection"]["xdm:limit"] = json!(3);
    let manifest = from_instance(Kind::Activity, &ranked, &keep).unwrap();
    let Manifest::Activity(activity) = &manifest else {
        panic!("an activity")
    };
    let extra: Vec<&String> = activity.criteria[1].extra.keys().collect();
    assert_eq!(
        extra,
        ["/xdm:optionSelection/xdm:limit", "/xdm:rank/xdm:order"]
    );
    assert_eq!(to_instance(&manifest, &resolver), ranked);
}

#[test]
fn from_instance_keeps_what_no_field_expresses_in_extra() {
    let rule = json!({"@id": "xcore:eligibility-rule:1", "xdm:name": "r",
            "xdm:condition": {"xdm:type": "PQL", "xdm:format": "pql/text", "xdm:value": "true", "x:y": 1},
            "xdm:definedOn": {"profile": {}}});
    let Manifest::Rule(r) = from_instance(Kind::Rule, &rule, &namer).unwrap() else {
        panic!("a rule")
    };
    let keys: Vec<&String> = r.meta.extra.keys().collect();
    assert_eq!(keys, ["/xdm:condition/x:y", "xdm:definedOn"]);
    let offer = json!({"xdm:name": "o", "xdm:status": "draft",
            "xdm:rank": {"xdm:priority": -1},
            "xdm:selectionConstraint": {"xdm:startDate": "2026-02-01T00:00:00Z", "xdm:endDate": "2026-01-01T00:00:00Z"},
            "xdm:representations": [{"xdm:placement": "xcore:offer-placement:P", "xdm:channel": "kiosk",
                "xdm:components": [{"@type": "html", "dc:format": "html"}]}]});
    let manifest = from_instance(Kind::Offer, &offer, &namer).unwrap();
    let keys: Vec<&String> = manifest.meta().extra.keys().collect();
    assert_eq!(
        keys,
        [
            "/xdm:rank/xdm:priority",
            "/xdm:selectionConstraint/xdm:endDate",
            "/xdm:selectionConstraint/xdm:startDate",
            "xdm:representations"
        ]
    );
    let resolver = |_: Kind, r: &str| r.to_string();
    assert_eq!(to_instance(&manifest, &resolver), offer);
    let errors = from_instance(
        Kind::Activity,
        &json!({"xdm:name": " ", "xdm:status": "complete",
            "xdm:criteria": []}),
        &namer,
    )
    .unwrap_err();
    assert_eq!(
        errors,
        [
            "`xdm:name` is \" \", which no manifest field can express",
            "`xdm:status` is \"complete\", which no manifest field can express",
            "`xdm:criteria` is [], which no manifest field can express",
            "`xdm:fallback` is missing"
        ]
    );
}

#[test]
fn extra_may_not_set_what_a_field_sets() {
    let text = "kind: Offer\nname: o\npriority: 1\nextra:\n  xdm:status: approved\n  /xdm:rank/xdm:priority: 2\n  /xdm:nope/x: 1\n  /xdm:rank/x:ok: 3\n  x:fine: 4\nrepresentations:\n  - placement: xcore:offer-placement:1\n    components:\n      - type: html\n        extra: {\"@type\": x, offerui:previewThumbnail: t.png}\n";
    let messages: Vec<String> = checked(text)
        .diagnostics
        .iter()
        .filter(|d| d.code == "bad-extra")
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(
        messages,
        [
            "`extra` sets `xdm:status`, which the field `status` already sets",
            "`extra` sets `/xdm:rank/xdm:priority`, which the field `priority` already sets",
            "`/xdm:nope/x` is not a pointer `extra` can use in Offer",
            "`extra` of representations[0].components[0] sets `@type`, which the field `type` already sets"
        ]
    );
}

const SEED_002: &str = r#"
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
"#;
const SEED_002_KINDS: [Kind; 7] = [
    Kind::Placement,
    Kind::Rule,
    Kind::Tag,
    Kind::Offer,
    Kind::FallbackOffer,
    Kind::Filter,
    Kind::Activity,
];

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
    assert!(ignorable_fields(Kind::Tag) == ["name", "description"]);
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
    let docs = instances(SEED_002);
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
    for (doc, kind) in docs.iter().zip(SEED_002_KINDS) {
        for key in doc.as_object().unwrap().keys() {
            assert!(
                managed_properties(kind).contains(&key.as_str()),
                "{kind} {key}"
            );
        }
    }
}

#[test]
fn an_unchanged_activity_keeps_the_spelling_the_repository_holds() {
    let flat = json!({"xdm:name": "a", "xdm:status": "live", "xdm:placement": "p:1",
        "xdm:filter": "f:1", "xdm:fallback": "fb:1"});
    let criteria = json!({"xdm:name": "a", "xdm:status": "live", "xdm:fallback": "fb:1",
        "xdm:criteria": [{"xdm:placements": ["p:1"], "xdm:optionSelection": {"xdm:filter": "f:1"}}]});
    let rules = diff_rules(Kind::Activity);
    for (live, desired) in [(&criteria, &flat), (&flat, &criteria)] {
        let mut matched = desired.clone();
        match_spelling(Kind::Activity, live, &mut matched);
        assert_eq!(&matched, live);
        assert!(crate::diff::diff(&rules, live, &matched).is_empty());
    }
    // Where the live text already equals the desired document, in either spelling, plans skip
    // this step (`diff::unchanged_text`): it must change nothing there, unmodelled members
    // beside them or not.
    for spelling in [&flat, &criteria] {
        let mut live = spelling.clone();
        live["repo:note"] = json!("set in the UI");
        let text = live.to_string();
        assert!(crate::diff::unchanged_text(&rules, &text, spelling));
        let mut matched = spelling.clone();
        match_spelling(Kind::Activity, &live, &mut matched);
        assert_eq!(&matched, spelling);
    }
    // A real change is planned in the repository's spelling, as a one-member patch.
    let mut moved = flat.clone();
    moved["xdm:placement"] = json!("p:2");
    match_spelling(Kind::Activity, &criteria, &mut moved);
    assert_eq!(
        crate::diff::diff(&rules, &criteria, &moved),
        vec![crate::diff::Op::Replace {
            path: "/_instance/xdm:criteria/0/xdm:placements/0".into(),
            value: json!("p:2")
        }]
    );
}
