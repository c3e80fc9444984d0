//! Issue 16, point 1: every example body of Adobe's DPS API reference, as printed in
//! `../shared/reference/adobe-offer-apis.md` §2.3 (ids substituted), is accepted by the
//! emulator's DPS facade, reads back unchanged, exports losslessly and then plans empty,
//! through either API. The bodies are literal: where the reference elides a value (`"…"` in the
//! frequency capping dates) a date is filled in, and where it only describes a body (the
//! fallback offer: "the same shape", plus a neutral `selectionConstraint` and `rank`) the body
//! is built from that description. The one documented difference between what is sent and what
//! is read back is kept: a ranking formula's `returnType.type` is read upper-cased (`INTEGER`).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::for_both_apis_and_spellings;
use crate::support::{Api, Spelling, Workdir, World};

const DPS: &str = "/data/core/dps";

/// POSTs a documented body to a DPS collection; returns the new object's id.
async fn create(world: &World, collection: &str, body: &Value) -> String {
    let response = world
        .remote
        .req(Method::POST, &format!("{DPS}{collection}"))
        .header("content-type", "application/json")
        .json(body)
        .send()
        .await
        .expect("request");
    let status = response.status();
    let receipt: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the documented body for {collection} was refused: {receipt}\nbody: {body}"
    );
    receipt["id"].as_str().expect("receipt id").to_string()
}

/// What GET returns for a property sent: the same, except a ranking formula's
/// `returnType.type`, which Adobe's lookup example shows upper-cased (reference §2.3).
fn as_read(collection: &str, key: &str, sent: &Value) -> Value {
    let mut read = sent.clone();
    if collection == "/ranking-formulas"
        && key == "returnType"
        && let Some(Value::String(kind)) = read.get_mut("type")
    {
        *kind = kind.to_uppercase();
    }
    read
}

/// Reads an object back through the DPS facade and asserts that every property sent is there,
/// unchanged (the server adds only its metadata).
async fn assert_reads_back(world: &World, collection: &str, id: &str, sent: &Value) {
    let (path, query) = collection.split_once('?').unwrap_or((collection, ""));
    let url = format!("{DPS}{path}/{}?{query}", id.replace(':', "%3A"));
    let response = world
        .remote
        .req(Method::GET, &url)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK, "GET {url}");
    let read: Value = response.json().await.expect("json");
    for (key, value) in sent.as_object().expect("object body") {
        assert_eq!(
            read.get(key),
            Some(&as_read(collection, key, value)),
            "{collection}: `{key}` did not read back unchanged\nsent: {sent}\nread: {read}"
        );
    }
}

/// The §2.3 bodies, created in dependency order; returns (collection, id, body) of each.
async fn create_documented_catalogue(world: &World) -> Vec<(&'static str, String, Value)> {
    let mut made = Vec::new();
    let tag = json!({"name": "Black Friday", "description": "Tag for black friday"});
    made.push(("/tags", create(world, "/tags", &tag).await, tag));

    let placement = |name: &str| {
        json!({"name": name, "description": "Placement description", "componentType": "html",
            "channel": "https://ns.adobe.com/xdm/channel-types/email", "itemCount": 1,
            "allowDuplicatePlacements": false, "returnContent": true,
            "returnMetaData": {"decisionName": false, "offerName": false, "offerAttributes": false,
                "offerPriority": false, "placementName": false, "channelType": false,
                "contentType": false}})
    };
    let first = placement("New placement");
    let first_id = create(world, "/placements", &first).await;
    made.push(("/placements", first_id.clone(), first));
    let second = placement("Second placement");
    let second_id = create(world, "/placements", &second).await;
    made.push(("/placements", second_id.clone(), second));

    let rule = json!({"name": "Sales rule", "description": "Decisioning rule for sales",
        "condition": {"type": "PQL", "format": "pql/text",
            "value": "profile.person.name.firstName.equals(\"Joe\", false)"},
        "definedOn": {"profile": {"schema": {"ref": "https://ns.adobe.com/xdm/context/profile_union",
            "version": "1"}, "referencePaths": ["person.name.firstName"]}}});
    made.push((
        "/offer-rules",
        create(world, "/offer-rules", &rule).await,
        rule,
    ));

    let formula = json!({"name": "Test Ranking Function DPS",
        "description": "Ranking  function description", "exdFunction": true,
        "returnType": {"type": "integer"},
        "expression": {"type": "PQL", "format": "pql/text",
            "value": "if(offer.rank.priority.isNotNull(), offer.rank.priority, 0) * if(offer.tags.intersects(boosted.tags), 2, 1)"},
        "definedOn": {"offer": {"schema": {"altId": "_experience.offer-management.personalized-offer",
                "version": "0"}},
            "boosted": {"schema": {"altId": "_xdm.context.foo", "version": "0"}}}});
    made.push((
        "/ranking-formulas",
        create(world, "/ranking-formulas", &formula).await,
        formula,
    ));

    let offer = json!({"name": "Test personalized offer with frequency constraint",
        "status": "draft",
        "representations": [{"channel": "https://ns.adobe.com/xdm/channel-types/web",
            "placement": first_id,
            "components": [{"type": "html", "format": "text/html", "language": ["en-us"],
                "content": "Hello You qualify for our Discount of 60%"}]}],
        "selectionConstraint": {"startDate": "2022-07-27T05:00:00.000+00:00",
            "endDate": "2023-07-29T05:00:00.000+00:00", "profileConstraintType": "none"},
        "rank": {"priority": 0},
        "cappingConstraint": {},
        "frequencyCappingConstraints": [{"enabled": false, "limit": 1,
            "startDate": "2022-07-27T05:00:00.000+00:00", "endDate": "2023-07-29T05:00:00.000+00:00",
            "scope": "global", "entity": "offer",
            "repeat": {"enabled": false, "unit": "month", "unitCount": 1}}]});
    let collection = "/offers?offer-type=personalized";
    made.push((collection, create(world, collection, &offer).await, offer));

    let representation = |placement: &str| {
        json!({"channel": "https://ns.adobe.com/xdm/channel-types/email", "placement": placement,
            "components": [
                {"type": "imagelink", "format": "image/png", "deliveryURL": "https://mysite.com"},
                {"type": "component-text", "format": "text/template", "content": "Hello"}]})
    };
    let fallback = json!({"name": "Test fallback offer", "status": "approved",
        "representations": [representation(&first_id), representation(&second_id)],
        "selectionConstraint": {"profileConstraintType": "none"},
        "rank": {"priority": 0}});
    let collection = "/offers?offer-type=fallback";
    let fallback_id = create(world, collection, &fallback).await;
    made.push((collection, fallback_id.clone(), fallback));

    let filter = json!({"name": "Test Collection with tags", "filterType": "any-tags",
        "ids": [made[0].1], "labels": ["core/C5", "custom/myLabel"]});
    let filter_id = create(world, "/offer-collections", &filter).await;
    made.push(("/offer-collections", filter_id.clone(), filter));

    let decision = json!({"name": "Test Offer Decision", "description": "Offer Decision description",
        "status": "live", "startDate": "2021-08-23T07:00:00.000+00:00",
        "endDate": "2021-08-25T07:00:00.000+00:00", "fallback": fallback_id,
        "criteria": [{"placements": [first_id, second_id],
            "rank": {"priority": 0,
                "order": {"orderEvaluationType": "ranking-strategy", "rankingStrategy": "123456789123"}},
            "profileConstraint": {"profileConstraintType": "none"},
            "optionSelection": {"filter": filter_id}}]});
    made.push((
        "/offer-decisions",
        create(world, "/offer-decisions", &decision).await,
        decision,
    ));
    made
}

for_both_apis_and_spellings! {
    /// Every §2.3 body: accepted, read back unchanged, exported, and the export plans empty.
    async fn every_documented_body_is_accepted_read_back_exported_and_plans_empty(api: Api, spelling: Spelling) {
        let world = World::spelled(api, spelling).await;
        let made = create_documented_catalogue(&world).await;
        for (collection, id, body) in &made {
            assert_reads_back(&world, collection, id, body).await;
        }

        let mut work = Workdir::sample(&world.server.url(), api);
        std::fs::remove_dir_all(work.path("offers.d")).expect("empty the directory");
        work.point_at(&world.server.url(), api);
        let exported = work.offerctl(&["export", "--out", "offers.d"]).await;
        assert_eq!(exported.code, 0, "export: {}", exported.all());
        let plan = work.offerctl(&["plan", "--detailed-exitcode"]).await;
        assert_eq!(plan.code, 0, "the export must plan empty: {}", plan.all());

        // Nothing offerctl did rewrote what the documentation's bodies stored.
        for (collection, id, body) in &made {
            assert_reads_back(&world, collection, id, body).await;
        }
    }

    /// A manifest written by hand, without any of the server-side defaults the documented
    /// bodies carry (placement `itemCount`/`returnContent`/`returnMetaData`, `labels`,
    /// `definedOn`, `frequencyCappingConstraints`, a fallback's neutral constraint and rank,
    /// criteria `rank.order` and `profileConstraint`, a formula's `exdFunction` and its
    /// `returnType` read back as `INTEGER`), plans no change to those objects.
    async fn server_side_defaults_never_show_as_drift(api: Api, spelling: Spelling) {
        let world = World::spelled(api, spelling).await;
        create_documented_catalogue(&world).await;
        let work = Workdir::sample(&world.server.url(), api);
        std::fs::remove_dir_all(work.path("offers.d")).expect("empty the directory");
        std::fs::create_dir_all(work.path("offers.d")).expect("mkdir");
        std::fs::write(work.path("offers.d/catalogue.yaml"), HAND_WRITTEN).expect("write");
        let plan = work.offerctl(&["plan", "--detailed-exitcode"]).await;
        assert_eq!(plan.code, 0, "defaults showed as drift: {}", plan.all());
    }
}

/// The documented catalogue as a user would describe it, leaving out every server default.
const HAND_WRITTEN: &str = "
kind: Tag
name: Black Friday
description: Tag for black friday
---
kind: Placement
name: New placement
description: Placement description
channel: email
componentType: html
---
kind: Placement
name: Second placement
description: Placement description
channel: email
componentType: html
---
kind: Rule
name: Sales rule
description: Decisioning rule for sales
condition: profile.person.name.firstName.equals(\"Joe\", false)
---
kind: RankingFormula
name: Test Ranking Function DPS
description: Ranking  function description
formula: if(offer.rank.priority.isNotNull(), offer.rank.priority, 0) * if(offer.tags.intersects(boosted.tags), 2, 1)
---
kind: Offer
name: Test personalized offer with frequency constraint
status: draft
startDate: 2022-07-27T05:00:00.000+00:00
endDate: 2023-07-29T05:00:00.000+00:00
priority: 0
representations:
  - placement: New placement
    channel: web
    components:
      - type: html
        format: text/html
        language: [en-us]
        content: Hello You qualify for our Discount of 60%
---
kind: FallbackOffer
name: Test fallback offer
status: approved
representations:
  - placement: New placement
    channel: email
    components:
      - type: imagelink
        format: image/png
        deliveryURL: https://mysite.com
      - type: text
        format: text/template
        content: Hello
  - placement: Second placement
    channel: email
    components:
      - type: imagelink
        format: image/png
        deliveryURL: https://mysite.com
      - type: text
        format: text/template
        content: Hello
---
kind: Filter
name: Test Collection with tags
match: anyTags
tags: [Black Friday]
---
kind: Activity
name: Test Offer Decision
description: Offer Decision description
status: live
startDate: 2021-08-23T07:00:00.000+00:00
endDate: 2021-08-25T07:00:00.000+00:00
criteria:
  - placements: [New placement, Second placement]
    filter: Test Collection with tags
    priority: 0
fallback: Test fallback offer
";
