//! The DPS (Decision Management) facade of `offerctl serve`, over HTTP on an ephemeral port:
//! CRUD for every kind, the same store as the XCore facade, paging, etags, references, and a
//! replay of seed 000.

use std::collections::BTreeSet;

use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::adobe::serve::DPS_BASE;
use offerctl::providers::serve::ServeArgs;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

const WEB: &str = "https://ns.adobe.com/xdm/channel-types/web";

fn dps_url(emu: &Emu, path: &str) -> String {
    format!("{}{DPS_BASE}{path}", emu.server.url())
}

fn dps(emu: &Emu, method: Method, path: &str) -> RequestBuilder {
    emu.req(method, &format!("{DPS_BASE}{path}"))
}

fn enc(id: &str) -> String {
    id.replace(':', "%3A")
}

/// `/offers/{id}?offer-type=…` or `/placements/{id}`.
fn item(collection: &str, id: &str, query: &str) -> String {
    format!("{collection}/{}{query}", enc(id))
}

async fn body(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body");
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, value)
}

async fn post(emu: &Emu, path: &str, document: Value) -> (StatusCode, Value) {
    body(
        dps(emu, Method::POST, path)
            .header("content-type", "application/json")
            .body(document.to_string())
            .send()
            .await
            .expect("request"),
    )
    .await
}

/// Creates through DPS, asserting 201; returns the new `id`.
async fn create(emu: &Emu, path: &str, document: Value) -> String {
    let (status, receipt) = post(emu, path, document.clone()).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "POST {path} {document}: {receipt}"
    );
    receipt["id"].as_str().expect("an id").to_string()
}

async fn get(emu: &Emu, path: &str) -> (StatusCode, Value) {
    body(
        dps(emu, Method::GET, path)
            .header("accept", "*,application/json")
            .send()
            .await
            .expect("request"),
    )
    .await
}

async fn patch(emu: &Emu, path: &str, ops: Value, if_match: Option<&str>) -> (StatusCode, Value) {
    let mut request = dps(emu, Method::PATCH, path)
        .header("content-type", "application/json-patch+json")
        .body(ops.to_string());
    if let Some(etag) = if_match {
        request = request.header("if-match", etag);
    }
    body(request.send().await.expect("request")).await
}

async fn delete(emu: &Emu, path: &str, if_match: Option<&str>) -> (StatusCode, Value) {
    let mut request = dps(emu, Method::DELETE, path);
    if let Some(etag) = if_match {
        request = request.header("if-match", etag);
    }
    body(request.send().await.expect("request")).await
}

/// The XCore `instanceId` of an object known by its `@id`.
async fn xcore_instance_id(emu: &Emu, kind: Kind, uri: &str) -> String {
    let page = emu
        .get_json(&format!(
            "{}?schema={}&id={}",
            emu.instances(),
            kind.schema_id(),
            enc(uri)
        ))
        .await;
    let found = results(&page);
    assert_eq!(found.len(), 1, "{uri} via XCore: {page}");
    found[0]["instanceId"]
        .as_str()
        .expect("instanceId")
        .to_string()
}

fn placement_doc(name: &str) -> Value {
    json!({"name": name, "description": "a placement", "componentType": "html", "channel": WEB,
           "itemCount": 1, "returnContent": true})
}

fn representation(placement: &str) -> Value {
    json!({"placement": placement, "channel": WEB,
           "components": [{"type": "html", "format": "text/html", "language": ["en-us"],
                           "content": "<p>hi</p>"}]})
}

/// Every kind, created through DPS in dependency order: (collection path, query, id).
async fn catalogue(emu: &Emu) -> Vec<(Kind, String)> {
    let tag = create(
        emu,
        "/tags",
        json!({"name": "gold", "description": "gold members"}),
    )
    .await;
    let placement = create(emu, "/placements", placement_doc("banner")).await;
    let rule = create(
        emu,
        "/offer-rules",
        json!({"name": "adults", "condition": {"type": "PQL", "format": "pql/text",
               "value": "person.age >= 18"}}),
    )
    .await;
    let fallback = create(
        emu,
        "/offers?offer-type=fallback",
        json!({"name": "fallback", "status": "approved",
               "representations": [representation(&placement)]}),
    )
    .await;
    let offer = create(
        emu,
        "/offers?offer-type=personalized",
        json!({"name": "ten percent", "status": "approved",
               "representations": [representation(&placement)],
               "selectionConstraint": {"startDate": "2024-01-01T00:00:00.000Z",
                   "endDate": "2030-01-01T00:00:00.000Z",
                   "profileConstraintType": "eligibilityRule", "eligibilityRule": rule},
               "rank": {"priority": 3}, "cappingConstraint": {"globalCap": 100},
               "tags": [tag], "characteristics": {"tier": "gold"},
               "labels": ["custom/myLabel"]}),
    )
    .await;
    let collection = create(
        emu,
        "/offer-collections",
        json!({"name": "gold offers", "filterType": "any-tags", "ids": [tag]}),
    )
    .await;
    let decision = create(
        emu,
        "/offer-decisions",
        json!({"name": "homepage", "status": "draft", "fallback": fallback,
               "criteria": [{"placements": [placement],
                             "rank": {"priority": 0},
                             "profileConstraint": {"profileConstraintType": "eligibilityRule",
                                                   "eligibilityRule": rule},
                             "optionSelection": {"filter": collection}}]}),
    )
    .await;
    vec![
        (Kind::Tag, tag),
        (Kind::Placement, placement),
        (Kind::Rule, rule),
        (Kind::FallbackOffer, fallback),
        (Kind::Offer, offer),
        (Kind::Filter, collection),
        (Kind::Activity, decision),
    ]
}

fn path_of(kind: Kind, id: &str) -> String {
    let (collection, offer_type) = offerctl::providers::adobe::mapping::dps::resource(kind);
    let query = offer_type
        .map(|t| format!("?offer-type={t}"))
        .unwrap_or_default();
    item(collection, id, &query)
}

#[tokio::test]
async fn every_kind_round_trips_through_dps() {
    let emu = Emu::start().await;
    let objects = catalogue(&emu).await;
    for (kind, id) in &objects {
        assert!(
            id.starts_with(&format!("dps:{}:", kind.short_name())),
            "{kind}: {id}"
        );
        let (status, doc) = get(&emu, &path_of(*kind, id)).await;
        assert_eq!(status, StatusCode::OK, "{doc}");
        assert_eq!(doc["id"], json!(id));
        assert_eq!(doc["etag"], json!(1));
        assert!(
            doc["created"].is_string() && doc["modified"].is_string(),
            "{doc}"
        );
        assert_eq!(doc["createdBy"], json!("test-client@techacct.adobe.com"));
        let schema = doc["schemas"][0].as_str().expect("schemas");
        assert!(
            schema.starts_with(&kind.schema_id()) && schema.contains(";version="),
            "{schema}"
        );
        assert!(
            !doc.as_object()
                .expect("object")
                .keys()
                .any(|k| k.starts_with("xdm:")),
            "{doc}"
        );
        let (status, receipt) = patch(
            &emu,
            &path_of(*kind, id),
            json!([{"op": "replace", "path": "/name", "value": format!("renamed {kind}")}]),
            Some("1"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{kind}: {receipt}");
        assert_eq!(receipt["etag"], json!(2));
        let (_, doc) = get(&emu, &path_of(*kind, id)).await;
        assert_eq!(doc["name"], json!(format!("renamed {kind}")));
    }
    let by_kind = |k: Kind| {
        objects
            .iter()
            .find(|(kind, _)| *kind == k)
            .expect("kind")
            .1
            .clone()
    };
    let (_, offer) = get(&emu, &path_of(Kind::Offer, &by_kind(Kind::Offer))).await;
    assert_eq!(
        offer["representations"][0]["components"][0]["type"],
        json!("html")
    );
    assert_eq!(
        offer["selectionConstraint"]["profileConstraintType"],
        json!("eligibilityRule")
    );
    assert_eq!(offer["labels"], json!(["custom/myLabel"]));
    let (_, placement) = get(&emu, &path_of(Kind::Placement, &by_kind(Kind::Placement))).await;
    assert_eq!(placement["componentType"], json!("html"));
    assert_eq!(placement["itemCount"], json!(1));
    let (_, collection) = get(&emu, &path_of(Kind::Filter, &by_kind(Kind::Filter))).await;
    assert_eq!(collection["filterType"], json!("any-tags"));
    let (_, decision) = get(&emu, &path_of(Kind::Activity, &by_kind(Kind::Activity))).await;
    assert_eq!(
        decision["criteria"][0]["profileConstraint"]["eligibilityRule"],
        json!(by_kind(Kind::Rule))
    );
    for (kind, id) in objects.iter().rev() {
        let (status, body) = delete(&emu, &path_of(*kind, id), None).await;
        assert_eq!(status, StatusCode::OK, "{kind}: {body}");
        assert_eq!(body, Value::Null, "DELETE answers an empty body");
        let (status, _) = get(&emu, &path_of(*kind, id)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn objects_are_shared_between_the_facades() {
    let emu = Emu::start().await;
    // XCore → DPS.
    let placement = uri(&emu
        .create(Kind::Placement, placement("xcore placement"))
        .await);
    let fallback_receipt = emu
        .create(
            Kind::FallbackOffer,
            json!({"xdm:name": "xcore fallback", "xdm:status": "approved",
                   "xdm:representations": [crate::support::representation(&placement)]}),
        )
        .await;
    let fallback = uri(&fallback_receipt);
    assert!(fallback.starts_with("xcore:fallback-offer:"));
    let (status, doc) = get(&emu, &path_of(Kind::FallbackOffer, &fallback)).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["id"], json!(fallback));
    assert_eq!(doc["name"], json!("xcore fallback"));
    assert_eq!(doc["representations"][0]["placement"], json!(placement));
    let (status, receipt) = patch(
        &emu,
        &path_of(Kind::FallbackOffer, &fallback),
        json!([{"op": "add", "path": "/description", "value": "patched through DPS"}]),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    assert_eq!(receipt["id"], json!(fallback));
    let (_, hal) = emu.get(&id(&fallback_receipt)).await;
    assert_eq!(
        hal["_instance"]["xdm:description"],
        json!("patched through DPS")
    );
    assert_eq!(hal["repo:etag"], json!(2));
    // DPS → XCore: a decision over the XCore objects, created through DPS.
    let tag = create(&emu, "/tags", json!({"name": "dps tag"})).await;
    let collection = create(
        &emu,
        "/offer-collections",
        json!({"name": "c", "filterType": "all-tags", "ids": [tag]}),
    )
    .await;
    let decision = create(
        &emu,
        "/offer-decisions",
        json!({"name": "d", "status": "live", "fallback": fallback,
               "criteria": [{"placements": [placement], "optionSelection": {"filter": collection}}]}),
    )
    .await;
    let decision_id = xcore_instance_id(&emu, Kind::Activity, &decision).await;
    let (_, hal) = emu.get(&decision_id).await;
    assert_eq!(hal["_instance"]["@id"], json!(decision));
    // One simple criterion is stored in the flat XCore form.
    assert_eq!(hal["_instance"]["xdm:placement"], json!(placement));
    assert_eq!(hal["_instance"]["xdm:filter"], json!(collection));
    let tag_id = xcore_instance_id(&emu, Kind::Tag, &tag).await;
    let response = emu
        .patch(
            &tag_id,
            json!([{"op": "replace", "path": "/_instance/xdm:name", "value": "renamed in xcore"}]),
            Some("\"1\""),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let (_, doc) = get(&emu, &item("/tags", &tag, "")).await;
    assert_eq!(doc["name"], json!("renamed in xcore"));
    assert_eq!(doc["etag"], json!(2));
    // References hold across facades: the XCore placement is used by a DPS decision.
    let (status, problem) = delete(&emu, &item("/placements", &placement, ""), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    // Deletes: the DPS decision through XCore, the XCore fallback through DPS.
    let response = emu.delete(&decision_id).await;
    assert_eq!(response.status(), StatusCode::OK);
    let (status, _) = get(&emu, &path_of(Kind::Activity, &decision)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = delete(&emu, &path_of(Kind::FallbackOffer, &fallback), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = emu.get(&id(&fallback_receipt)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn seed_000_patch_of_a_fallback_offer_replays() {
    let emu = Emu::start().await;
    let placement = create(&emu, "/placements", placement_doc("p")).await;
    let fallback = create(
        &emu,
        "/offers?offer-type=fallback",
        json!({"name": "fallback", "description": "before", "status": "approved",
               "representations": [representation(&placement)]}),
    )
    .await;
    // Exactly seed 000's request.
    let response = dps(
        &emu,
        Method::PATCH,
        &format!("/offers/{}?offer-type=fallback", enc(&fallback)),
    )
    .header("Content-Type", "application/json")
    .body(
        r#"[
    {
        "op": "replace",
        "path": "/name",
        "value": "Updated fallback offer"
    },
    {
        "op": "replace",
        "path": "/description",
        "value": "Updated fallback offer description"
    }
]"#,
    )
    .send()
    .await
    .expect("request");
    let (status, receipt) = body(response).await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    let keys: BTreeSet<&str> = receipt
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let seed: BTreeSet<&str> = [
        "id",
        "datasetId",
        "sandboxId",
        "etag",
        "createdDate",
        "lastModifiedDate",
        "createdBy",
        "lastModifiedBy",
        "createdByClientId",
        "lastModifiedByClientId",
    ]
    .into_iter()
    .collect();
    assert_eq!(keys, seed);
    assert_eq!(receipt["id"], json!(fallback));
    assert_eq!(receipt["etag"], json!(2));
    assert!(receipt["lastModifiedDate"].as_str() > receipt["createdDate"].as_str());
    let found = emu
        .list_all(Kind::FallbackOffer, &format!("&id={}", enc(&fallback)))
        .await;
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0]["_instance"]["xdm:name"],
        json!("Updated fallback offer")
    );
    assert_eq!(
        found[0]["_instance"]["xdm:description"],
        json!("Updated fallback offer description")
    );
}

#[tokio::test]
async fn paging_with_an_inclusive_cursor_returns_every_object() {
    let emu = Emu::start().await;
    let mut created = BTreeSet::new();
    for i in 0..25 {
        created.insert(create(&emu, "/tags", json!({"name": format!("tag {i:02}")})).await);
    }
    for limit in [1, 4, 7] {
        let mut path = format!("/tags?limit={limit}");
        let mut seen = BTreeSet::new();
        let mut pages = 0;
        let mut last_modified: Option<String> = None;
        loop {
            let (status, page) = get(&emu, &path).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            assert_eq!(page["total"], json!(25));
            let results = page["results"].as_array().expect("results");
            assert_eq!(page["count"], json!(results.len()));
            for doc in results {
                let modified = doc["modified"].as_str().expect("modified").to_string();
                if let Some(last) = &last_modified {
                    assert!(&modified <= last, "default order is -modified");
                }
                last_modified = Some(modified);
                seen.insert(doc["id"].as_str().expect("id").to_string());
            }
            pages += 1;
            assert!(pages < 60, "paging does not end");
            match page["_links"]["next"]["href"].as_str() {
                Some(next) => {
                    assert!(next.starts_with("/tags?orderby=-modified&limit="), "{next}");
                    path = next.to_string();
                }
                None => break,
            }
        }
        assert_eq!(seen, created, "limit {limit}");
    }
    // Filters: exact name, and id.
    let (_, page) = get(&emu, "/tags?property=name%3D%3Dtag%2007").await;
    assert_eq!(page["count"], json!(1), "{page}");
    let one = page["results"][0]["id"].as_str().expect("id").to_string();
    let (_, page) = get(&emu, &format!("/tags?property=id%3D%3D{}", enc(&one))).await;
    assert_eq!(page["results"][0]["name"], json!("tag 07"));
    let (_, page) = get(&emu, "/tags?property=name~tag%201.*&orderby=name").await;
    assert_eq!(page["count"], json!(10), "{page}");
    assert_eq!(page["results"][0]["name"], json!("tag 10"));
}

#[tokio::test]
async fn offer_type_selects_the_kind() {
    let emu = Emu::start().await;
    let placement = create(&emu, "/placements", placement_doc("p")).await;
    let fallback = create(
        &emu,
        "/offers?offer-type=fallback",
        json!({"name": "f", "status": "approved", "representations": [representation(&placement)]}),
    )
    .await;
    let (status, _) = get(
        &emu,
        &item("/offers", &fallback, "?offer-type=personalized"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&emu, &item("/offers", &fallback, "?offer-type=FALLBACK")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = get(&emu, &item("/offers", &fallback, "")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = get(&emu, &item("/tags", &placement, "")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, page) = get(&emu, "/offers?offer-type=personalized").await;
    assert_eq!(page["total"], json!(0));
    let (_, page) = get(&emu, "/offers?offer-type=fallback").await;
    assert_eq!(page["total"], json!(1));
}

#[tokio::test]
async fn stale_etags_conflict_and_references_block_deletes() {
    let emu = Emu::start().await;
    let placement = create(&emu, "/placements", placement_doc("p")).await;
    let path = item("/placements", &placement, "");
    let (status, _) = patch(
        &emu,
        &path,
        json!([{"op": "replace", "path": "/description", "value": "v2"}]),
        Some("\"1\""),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, problem) = patch(
        &emu,
        &path,
        json!([{"op": "replace", "path": "/description", "value": "v3"}]),
        Some("\"1\""),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["status"], json!(409));
    assert_eq!(problem["currentEtag"], json!(2));
    let (status, _) = delete(&emu, &path, Some("1")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let offer = create(
        &emu,
        "/offers?offer-type=personalized",
        json!({"name": "o", "status": "draft", "representations": [representation(&placement)]}),
    )
    .await;
    let response = dps(&emu, Method::DELETE, &path)
        .send()
        .await
        .expect("request");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let (status, problem) = body(response).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["referencedBy"], json!([offer]));
    assert!(
        problem["type"].is_string()
            && problem["title"].is_string()
            && problem["detail"].is_string()
    );
    let (status, _) = get(&emu, &path).await;
    assert_eq!(status, StatusCode::OK, "a refused delete changes nothing");
}

#[tokio::test]
async fn validation_errors_name_dps_fields() {
    let emu = Emu::start().await;
    let placement = create(&emu, "/placements", placement_doc("p")).await;
    let rule = create(
        &emu,
        "/offer-rules",
        json!({"name": "r", "condition": {"type": "PQL", "format": "pql/text", "value": "true"}}),
    )
    .await;
    let (status, problem) = post(
        &emu,
        "/offers?offer-type=personalized",
        json!({"name": "o", "status": "draft", "selectionConstraint": {"eligibilityRule": rule}}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        problem["property"],
        json!("/selectionConstraint/profileConstraintType")
    );
    assert!(
        problem["detail"].as_str().is_some_and(|d| d
            .contains("Cannot specify eligibilityRule without a declared profileConstraintType")),
        "{problem}"
    );
    let (status, problem) = post(
        &emu,
        "/offers?offer-type=personalized",
        json!({"status": "live", "rank": {"priority": -1},
               "representations": [{"placement": "dps:offer-placement:0000000000000000",
                                    "components": []}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let properties = violated(&problem);
    for expected in [
        "/name",
        "/status",
        "/rank/priority",
        "/representations/0/placement",
    ] {
        assert!(
            properties.iter().any(|p| p == expected),
            "{expected} in {properties:?}"
        );
    }
    let (status, problem) = post(&emu, "/tags", json!({"name": "t", "id": "dps:tag:1"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, problem) = post(&emu, "/tags", json!({"xdm:name": "t"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["property"], json!("/xdm:name"));
    // A decision's fallback must cover every placement of every criterion.
    let other = create(&emu, "/placements", placement_doc("q")).await;
    let fallback = create(
        &emu,
        "/offers?offer-type=fallback",
        json!({"name": "f", "status": "approved",
               "selectionConstraint": {"profileConstraintType": "none"},
               "representations": [representation(&placement)]}),
    )
    .await;
    let collection = create(
        &emu,
        "/offer-collections",
        json!({"name": "c", "filterType": "offers", "ids": []}),
    )
    .await;
    let (status, problem) = post(
        &emu,
        "/offer-decisions",
        json!({"name": "d", "status": "draft", "fallback": fallback,
               "criteria": [{"placements": [placement], "optionSelection": {"filter": collection}},
                            {"placements": [other], "optionSelection": {"filter": collection}}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["property"], json!("/fallback"));
    // Patches are atomic: a failing operation changes nothing.
    let path = item("/placements", &placement, "");
    let (status, problem) = patch(
        &emu,
        &path,
        json!([{"op": "replace", "path": "/name", "value": "x"},
               {"op": "remove", "path": "/nothing"}]),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, problem) = patch(
        &emu,
        &path,
        json!([{"op": "replace", "path": "/id", "value": "dps:offer-placement:1"}]),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (_, doc) = get(&emu, &path).await;
    assert_eq!(
        (doc["name"].clone(), doc["etag"].clone()),
        (json!("p"), json!(1))
    );
    let response = dps(&emu, Method::PATCH, &path)
        .header("content-type", "text/plain")
        .body("[]")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn gateway_checks_stats_and_faults_cover_dps() {
    let emu = Emu::start().await;
    let response = emu
        .client
        .get(dps_url(&emu, "/tags"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (_, problem) = body(response).await;
    assert_eq!(problem["error_code"], json!("403010"));
    let tag = create(&emu, "/tags", json!({"name": "t"})).await;
    get(&emu, &item("/tags", &tag, "")).await;
    let stats = emu.stats().await;
    assert_eq!(
        stats["byRoute"]["POST /data/core/dps/tags"],
        json!(1),
        "{stats}"
    );
    assert_eq!(
        stats["byRoute"]["GET /data/core/dps/tags/{id}"],
        json!(1),
        "{stats}"
    );
    assert_eq!(stats["byMethod"]["POST"], json!(1), "{stats}");
    // A sandbox is a separate store, selected by the header alone.
    let mut dev = Emu::with(ServeArgs {
        fail_rate: 1.0,
        ..ServeArgs::ephemeral()
    })
    .await;
    dev.sandbox = "dev".into();
    let (status, _) = get(&dev, "/tags").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, _) = get(
        &Emu {
            sandbox: "dev".into(),
            ..emu
        },
        &item("/tags", &tag, ""),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_dropped_dps_write_is_committed() {
    let emu = Emu::with(ServeArgs {
        drop_after_commit: 1.0,
        seed: Some(7),
        ..ServeArgs::ephemeral()
    })
    .await;
    let sent = dps(&emu, Method::POST, "/tags")
        .header("content-type", "application/json")
        .body(json!({"name": "dropped"}).to_string())
        .send()
        .await;
    assert!(sent.is_err(), "the connection is closed without an answer");
    let (status, page) = get(&emu, "/tags?property=name%3D%3Ddropped").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["count"], json!(1), "{page}");
    assert_eq!(emu.stats().await["dropped"], json!(1));
}

#[tokio::test]
async fn an_activity_with_both_forms_reads_as_criteria() {
    let emu = Emu::start().await;
    let placement = uri(&emu.create(Kind::Placement, placement("p")).await);
    let fallback = uri(&emu
        .create(
            Kind::FallbackOffer,
            json!({"xdm:name": "f", "xdm:status": "approved",
                   "xdm:representations": [crate::support::representation(&placement)]}),
        )
        .await);
    let filter = uri(&emu
        .create(
            Kind::Filter,
            json!({"xdm:name": "c", "xdm:filterType": "offers", "xdm:ids": []}),
        )
        .await);
    // As the product UI stores them: the flat pair and the criteria.
    let receipt = emu
        .create(
            Kind::Activity,
            json!({"xdm:name": "ui", "xdm:status": "live", "xdm:fallback": fallback,
                   "xdm:placement": placement, "xdm:filter": filter,
                   "xdm:criteria": [{"xdm:placements": [placement],
                                     "xdm:optionSelection": {"xdm:filter": filter},
                                     "xdm:rank": {"xdm:priority": 2}}]}),
        )
        .await;
    let activity = uri(&receipt);
    let path = item("/offer-decisions", &activity, "");
    let (status, doc) = get(&emu, &path).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(
        doc["criteria"],
        json!([{"placements": [placement], "optionSelection": {"filter": filter},
                "rank": {"priority": 2}}])
    );
    let (status, receipt_body) = patch(
        &emu,
        &path,
        json!([{"op": "replace", "path": "/criteria/0/rank/priority", "value": 5}]),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{receipt_body}");
    let (_, hal) = emu.get(&id(&receipt)).await;
    assert_eq!(
        hal["_instance"]["xdm:criteria"][0]["xdm:rank"],
        json!({"xdm:priority": 5})
    );
    assert!(hal["_instance"].get("xdm:placement").is_none(), "{hal}");
}
