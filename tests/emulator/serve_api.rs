//! The XCore wire contract of `offerctl serve`, driven over HTTP on an ephemeral port.

use std::collections::{BTreeSet, HashMap};

use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::serve::ServeArgs;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn create_returns_a_receipt_location_and_etag_then_read_returns_the_envelope() {
    let emu = Emu::start().await;
    let response = emu
        .req(Method::POST, &emu.instances())
        .header(
            "content-type",
            format!("{HAL}; schema=\"{}\"", Kind::Tag.schema_id()),
        )
        .header("x-request-id", "req-123")
        .json(&json!({"_instance": {"xdm:name": "credit card"}, "_links": {}}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(header(&response, "etag"), "\"1\"");
    assert_eq!(header(&response, "x-request-id"), "req-123");
    assert!(header(&response, "content-type").contains("xdm.receipt+json"));
    let location = header(&response, "location");
    let base = header(&response, "content-base");
    let receipt: Value = response.json().await.expect("json");

    let instance_id = id(&receipt);
    assert!(uuid::Uuid::parse_str(&instance_id).is_ok());
    let at_id = uri(&receipt);
    let hex = at_id.strip_prefix("xcore:tag:").expect("xcore:tag: prefix");
    assert!(hex.len() == 16 && hex.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(receipt["repo:etag"], 1);
    assert_eq!(receipt["repo:createdBy"], "test-client@techacct.adobe.com");
    assert_eq!(receipt["repo:createdByClientId"], "test-client");
    assert_eq!(
        receipt["repo:createdDate"],
        receipt["repo:lastModifiedDate"]
    );
    assert_eq!(
        location,
        format!("{}/instances/{instance_id}", emu.container())
    );
    assert_eq!(base, format!("http://{}/data/core/xcore/", emu.server.addr));

    // The Location, resolved against Content-Base, reads the instance.
    let read = emu
        .client
        .get(format!("{base}{location}"))
        .bearer_auth("t")
        .header("x-api-key", "k")
        .header("x-gw-ims-org-id", "o")
        .send()
        .await
        .expect("request");
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(header(&read, "etag"), "\"1\"");
    assert_eq!(
        header(&read, "content-type"),
        format!("{HAL}; schema=\"{}\"", Kind::Tag.schema_id())
    );
    assert!(!header(&read, "x-request-id").is_empty());
    let envelope: Value = read.json().await.expect("json");
    assert_eq!(envelope["instanceId"], instance_id.as_str());
    assert_eq!(envelope["schemas"], json!([Kind::Tag.schema_id()]));
    assert_eq!(envelope["_instance"]["xdm:name"], "credit card");
    assert_eq!(envelope["_instance"]["@id"], at_id.as_str());
    assert_eq!(
        envelope["_links"]["self"]["href"],
        format!("/{}/instances/{instance_id}", emu.container())
    );
    for key in [
        "repo:etag",
        "repo:createdDate",
        "repo:lastModifiedDate",
        "repo:createdBy",
        "repo:lastModifiedBy",
        "repo:createdByClientId",
        "repo:lastModifiedByClientId",
    ] {
        assert!(envelope.get(key).is_some(), "{key} missing from {envelope}");
    }
}

#[tokio::test]
async fn bare_schema_instance_bodies_are_accepted_and_versions_echoed() {
    let emu = Emu::start().await;
    let schema = format!("{};version=0.1", Kind::Tag.schema_id());
    let response = emu
        .req(Method::POST, &emu.instances())
        .header(
            "content-type",
            format!("application/schema-instance+json; version=1; schema=\"{schema}\""),
        )
        .json(&json!({"xdm:name": "bare"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    let receipt: Value = response.json().await.expect("json");
    let (_, envelope) = emu.get(&id(&receipt)).await;
    assert_eq!(envelope["schemas"], json!([schema]));
    assert_eq!(envelope["_instance"]["xdm:name"], "bare");

    // The documented variant that wraps the instance despite the bare media type.
    let wrapped = emu
        .req(Method::POST, &emu.instances())
        .header(
            "content-type",
            format!(
                "application/schema-instance+json; schema={}",
                Kind::Tag.schema_id()
            ),
        )
        .json(&json!({"_instance": {"xdm:name": "wrapped"}, "_links": {}}))
        .send()
        .await
        .expect("request");
    assert_eq!(wrapped.status(), StatusCode::CREATED);
    let receipt: Value = wrapped.json().await.expect("json");
    let (_, envelope) = emu.get(&id(&receipt)).await;
    assert_eq!(envelope["_instance"]["xdm:name"], "wrapped");
    assert!(envelope["_instance"].get("_instance").is_none());
}

#[tokio::test]
async fn unsupported_media_types_are_415_and_malformed_bodies_400_with_a_reason() {
    let emu = Emu::start().await;
    let tag_schema = format!("{HAL}; schema=\"{}\"", Kind::Tag.schema_id());
    let cases: Vec<(&str, String, String, StatusCode, &str)> = vec![
        (
            "POST",
            "application/json".into(),
            r#"{"_instance":{"xdm:name":"a"},"_links":{}}"#.into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/json",
        ),
        (
            "POST",
            tag_schema.clone(),
            r#"{"_instance": {"xdm:name": "#.into(),
            StatusCode::BAD_REQUEST,
            "not valid JSON",
        ),
        (
            "POST",
            tag_schema.clone(),
            r#"[1, 2]"#.into(),
            StatusCode::BAD_REQUEST,
            "must be a JSON object",
        ),
        (
            "POST",
            tag_schema.clone(),
            r#"{"_instance": {"xdm:name": "a"}}"#.into(),
            StatusCode::BAD_REQUEST,
            "_links",
        ),
        (
            "POST",
            tag_schema.clone(),
            r#"{"xdm:name": "a", "_links": {}}"#.into(),
            StatusCode::BAD_REQUEST,
            "_instance",
        ),
        (
            "POST",
            tag_schema.clone(),
            r#"{"_instance": "a", "_links": {}}"#.into(),
            StatusCode::BAD_REQUEST,
            "_instance property must be an object",
        ),
        (
            "POST",
            HAL.into(),
            r#"{"_instance":{"xdm:name":"a"},"_links":{}}"#.into(),
            StatusCode::BAD_REQUEST,
            "schema parameter",
        ),
        (
            "POST",
            format!("{HAL}; schema=\"https://example.com/unknown\""),
            r#"{"_instance":{"xdm:name":"a"},"_links":{}}"#.into(),
            StatusCode::BAD_REQUEST,
            "unknown schema",
        ),
    ];
    for (method, content_type, body, status, reason) in cases {
        let response = emu
            .req(method.parse().expect("method"), &emu.instances())
            .header("content-type", &content_type)
            .body(body.clone())
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), status, "{content_type} {body}");
        assert!(header(&response, "content-type").contains("json"));
        let problem: Value = response.json().await.expect("a JSON error body");
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(reason),
            "{detail:?} should mention {reason:?}"
        );
    }
    let created = emu.create(Kind::Tag, json!({"xdm:name": "t"})).await;
    let path = emu.instance(&id(&created));
    let wrong_patch = emu
        .req(Method::PATCH, &path)
        .header("content-type", "application/json-patch+json")
        .body("[]")
        .send()
        .await
        .expect("request");
    assert_eq!(wrong_patch.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let not_a_patch = emu
        .patch(&id(&created), json!({"op": "replace"}), None)
        .await;
    assert_eq!(not_a_patch.status(), StatusCode::BAD_REQUEST);
    let unknown_op = emu
        .patch(
            &id(&created),
            json!([{"op": "frobnicate", "path": "/_instance"}]),
            None,
        )
        .await;
    assert_eq!(unknown_op.status(), StatusCode::BAD_REQUEST);
    // Nothing above was stored except the one valid tag, still at revision 1.
    assert_eq!(emu.list_all(Kind::Tag, "").await.len(), 1);
    assert_eq!(emu.get(&id(&created)).await.1["repo:etag"], 1);
}

#[tokio::test]
async fn etags_increment_and_guard_writes_with_409_while_if_none_match_gives_304() {
    let emu = Emu::start().await;
    let receipt = emu.create(Kind::Tag, json!({"xdm:name": "a"})).await;
    let instance_id = id(&receipt);
    let rename =
        |name: &str| json!([{"op": "replace", "path": "/_instance/xdm:name", "value": name}]);

    let ok = emu.patch(&instance_id, rename("b"), Some("\"1\"")).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(header(&ok, "etag"), "\"2\"");
    let ok: Value = ok.json().await.expect("json");
    assert_eq!(ok["repo:etag"], 2);

    let stale = emu.patch(&instance_id, rename("c"), Some("\"1\"")).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let problem: Value = stale.json().await.expect("json");
    assert_eq!(problem["currentEtag"], 2);
    let (_, now) = emu.get(&instance_id).await;
    assert_eq!(now["_instance"]["xdm:name"], "b");
    assert_eq!(now["repo:etag"], 2);

    // Unquoted etags are accepted too.
    let unquoted = emu.patch(&instance_id, rename("c"), Some("2")).await;
    assert_eq!(unquoted.status(), StatusCode::OK);

    let put_stale = emu
        .req(Method::PUT, &emu.instance(&instance_id))
        .header(
            "content-type",
            format!("{HAL}; schema=\"{}\"", Kind::Tag.schema_id()),
        )
        .header("if-match", "\"2\"")
        .json(&json!({"_instance": {"xdm:name": "d"}, "_links": {}}))
        .send()
        .await
        .expect("request");
    assert_eq!(put_stale.status(), StatusCode::CONFLICT);
    let delete_stale = emu
        .req(Method::DELETE, &emu.instance(&instance_id))
        .header("if-match", "\"1\"")
        .send()
        .await
        .expect("request");
    assert_eq!(delete_stale.status(), StatusCode::CONFLICT);
    let (status, now) = emu.get(&instance_id).await;
    assert_eq!(
        (status, now["repo:etag"].clone()),
        (StatusCode::OK, json!(3))
    );
    assert_eq!(now["_instance"]["xdm:name"], "c");

    let not_modified = emu
        .req(Method::GET, &emu.instance(&instance_id))
        .header("if-none-match", "\"3\"")
        .send()
        .await
        .expect("request");
    assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&not_modified, "etag"), "\"3\"");
    let modified = emu
        .req(Method::GET, &emu.instance(&instance_id))
        .header("if-none-match", "\"2\"")
        .send()
        .await
        .expect("request");
    assert_eq!(modified.status(), StatusCode::OK);

    let put_ok = emu
        .req(Method::PUT, &emu.instance(&instance_id))
        .header(
            "content-type",
            format!("{HAL}; schema=\"{}\"", Kind::Tag.schema_id()),
        )
        .header("if-match", "\"3\"")
        .json(&json!({"_instance": {"xdm:name": "e"}, "_links": {}}))
        .send()
        .await
        .expect("request");
    assert_eq!(put_ok.status(), StatusCode::OK);
    let (_, now) = emu.get(&instance_id).await;
    assert_eq!(now["repo:etag"], 4);
    assert_eq!(now["_instance"]["@id"], uri(&receipt).as_str());
    assert_eq!(now["repo:lastModifiedBy"], "test-client@techacct.adobe.com");
}

#[tokio::test]
async fn the_id_is_immutable_and_only_instance_and_links_are_patchable() {
    let emu = Emu::start().await;
    let receipt = emu.create(Kind::Tag, json!({"xdm:name": "a"})).await;
    let instance_id = id(&receipt);
    let cases = [
        json!([{"op": "replace", "path": "/_instance/@id", "value": "xcore:tag:0000000000000000"}]),
        json!([{"op": "remove", "path": "/_instance/@id"}]),
        json!([{"op": "replace", "path": "/repo:etag", "value": 9}]),
        json!([{"op": "replace", "path": "/_instance", "value": {"xdm:name": "x"}}]),
    ];
    for ops in cases {
        let response = emu.patch(&instance_id, ops.clone(), None).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{ops}");
        let body: Value = response.json().await.expect("json");
        assert!(body["property"].is_string(), "{body}");
    }
    let put = |instance: Value, schema: String| {
        emu.req(Method::PUT, &emu.instance(&instance_id))
            .header("content-type", format!("{HAL}; schema=\"{schema}\""))
            .json(&json!({"_instance": instance, "_links": {}}))
            .send()
    };
    let changed = put(
        json!({"xdm:name": "a", "@id": "xcore:tag:0000000000000000"}),
        Kind::Tag.schema_id(),
    )
    .await
    .expect("request");
    assert_eq!(changed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = changed.json().await.expect("json");
    assert_eq!(body["property"], "/_instance/@id");
    let retyped = put(placement("p"), Kind::Placement.schema_id())
        .await
        .expect("request");
    assert_eq!(retyped.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, now) = emu.get(&instance_id).await;
    assert_eq!(now["repo:etag"], 1);

    // Links can be patched; `self` stays the repository's own.
    let links = emu
        .patch(
            &instance_id,
            json!([{"op": "add", "path": "/_links/related", "value": {"href": "/x"}}]),
            None,
        )
        .await;
    assert_eq!(links.status(), StatusCode::OK);
    let (_, now) = emu.get(&instance_id).await;
    assert_eq!(now["_links"]["related"]["href"], "/x");
    assert!(
        now["_links"]["self"]["href"]
            .as_str()
            .is_some_and(|h| h.ends_with(&instance_id))
    );
}

#[tokio::test]
async fn patches_apply_atomically_and_are_validated_as_a_whole() {
    let emu = Emu::start().await;
    let p = emu.create(Kind::Placement, placement("p")).await;
    let o = emu.create(Kind::Offer, offer("o", &uri(&p))).await;
    let offer_id = id(&o);
    // The second operation fails (no xdm:tags array yet): the first must not apply either.
    let partly_bad = json!([
        {"op": "replace", "path": "/_instance/xdm:name", "value": "renamed"},
        {"op": "add", "path": "/_instance/xdm:tags/-", "value": "xcore:tag:1"}
    ]);
    let response = emu.patch(&offer_id, partly_bad, None).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["operation"], 1);
    assert_eq!(body["property"], "/_instance/xdm:tags/-");
    // Every operation applies but the result is invalid: nothing changes.
    let invalid_result = json!([
        {"op": "replace", "path": "/_instance/xdm:name", "value": "renamed"},
        {"op": "replace", "path": "/_instance/xdm:status", "value": "bogus"}
    ]);
    let response = emu.patch(&offer_id, invalid_result, None).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.expect("json");
    assert_eq!(violated(&body), vec!["/_instance/xdm:status"]);
    let (_, now) = emu.get(&offer_id).await;
    assert_eq!(now["_instance"]["xdm:name"], "o");
    assert_eq!(now["repo:etag"], 1);
}

#[tokio::test]
async fn invalid_instances_get_422_naming_the_property() {
    let emu = Emu::start().await;
    let p = uri(&emu.create(Kind::Placement, placement("p")).await);
    let p2 = uri(&emu.create(Kind::Placement, placement("p2")).await);
    let tag = uri(&emu.create(Kind::Tag, json!({"xdm:name": "t"})).await);
    let fallback = uri(&emu.create(Kind::FallbackOffer, offer("f", &p)).await);
    let filter = uri(&emu
        .create(
            Kind::Filter,
            json!({"xdm:name": "f", "xdm:filterType": "anyTags", "ids": [tag]}),
        )
        .await);
    let missing = "xcore:offer-placement:0123456789abcdef";
    let cases: Vec<(Kind, Value, &str)> = vec![
        (Kind::Tag, json!({}), "/_instance/xdm:name"),
        (Kind::Tag, json!({"xdm:name": 5}), "/_instance/xdm:name"),
        (
            Kind::Placement,
            json!({"xdm:name": "p", "xdm:channel": "not a uri", "xdm:componentType": "https://x/y"}),
            "/_instance/xdm:channel",
        ),
        (
            Kind::Placement,
            json!({"xdm:name": "p", "xdm:channel": "https://x/y"}),
            "/_instance/xdm:componentType",
        ),
        (
            Kind::Placement,
            json!({"xdm:name": "p", "xdm:channel": "https://x/y", "xdm:componentType": "https://x/y", "xdm:contentTypes": [1]}),
            "/_instance/xdm:contentTypes/0",
        ),
        (
            Kind::Rule,
            json!({"xdm:name": "r", "xdm:condition": {"xdm:type": "SQL", "xdm:format": "pql/text", "xdm:value": "true"}}),
            "/_instance/xdm:condition/xdm:type",
        ),
        (
            Kind::Rule,
            json!({"xdm:name": "r"}),
            "/_instance/xdm:condition",
        ),
        (
            Kind::Offer,
            json!({"xdm:name": "o", "xdm:status": "live"}),
            "/_instance/xdm:status",
        ),
        (
            Kind::Offer,
            json!({"xdm:name": "o", "xdm:status": "draft", "xdm:rank": {"xdm:priority": -1}}),
            "/_instance/xdm:rank/xdm:priority",
        ),
        (
            Kind::Offer,
            json!({"xdm:name": "o", "xdm:status": "draft", "xdm:cappingConstraint": {"xdm:globalCap": 0}}),
            "/_instance/xdm:cappingConstraint/xdm:globalCap",
        ),
        (
            Kind::Offer,
            json!({"xdm:name": "o", "xdm:status": "draft", "xdm:cappingConstraint": {"xdm:profileCap": "5"}}),
            "/_instance/xdm:cappingConstraint/xdm:profileCap",
        ),
        (
            Kind::Offer,
            json!({"xdm:name": "o", "xdm:status": "draft", "xdm:representations": [representation(&p), representation(&p)]}),
            "/_instance/xdm:representations/1/xdm:placement",
        ),
        (
            Kind::Offer,
            json!({"xdm:name": "o", "xdm:status": "draft", "xdm:representations": [{"xdm:components": []}]}),
            "/_instance/xdm:representations/0/xdm:placement",
        ),
        (
            Kind::Offer,
            json!({"xdm:name": "o", "xdm:status": "draft", "xdm:representations": [{"xdm:placement": p, "xdm:components": [{"dc:format": "text/html"}]}]}),
            "/_instance/xdm:representations/0/xdm:components/0/@type",
        ),
        (
            Kind::Offer,
            json!({"xdm:name": "o", "xdm:status": "draft", "xdm:selectionConstraint": {"xdm:startDate": "2023-10-01T16:00:00Z", "xdm:endDate": "2021-12-13T16:00:00Z"}}),
            "/_instance/xdm:selectionConstraint/xdm:startDate",
        ),
        (
            Kind::Offer,
            json!({"xdm:name": "o", "xdm:status": "draft", "xdm:selectionConstraint": {"xdm:endDate": "tomorrow"}}),
            "/_instance/xdm:selectionConstraint/xdm:endDate",
        ),
        (
            Kind::Offer,
            json!({"xdm:name": "o", "xdm:status": "draft", "xdm:characteristics": {"k": 1}}),
            "/_instance/xdm:characteristics/k",
        ),
        (
            Kind::Offer,
            json!({"xdm:name": "o", "xdm:status": "draft", "xdm:representations": [representation(missing)]}),
            "/_instance/xdm:representations/0/xdm:placement",
        ),
        (
            Kind::Offer,
            json!({"xdm:name": "o", "xdm:status": "draft", "xdm:tags": [p]}),
            "/_instance/xdm:tags/0",
        ),
        (
            Kind::Offer,
            json!({"xdm:name": "o", "xdm:status": "draft", "xdm:selectionConstraint": {"xdm:eligibilityRule": "xcore:eligibility-rule:0000000000000000"}}),
            "/_instance/xdm:selectionConstraint/xdm:eligibilityRule",
        ),
        (
            Kind::FallbackOffer,
            json!({"xdm:name": "f", "xdm:status": "approved", "xdm:cappingConstraint": {"xdm:globalCap": 1}}),
            "/_instance/xdm:cappingConstraint",
        ),
        (
            Kind::FallbackOffer,
            json!({"xdm:name": "f", "xdm:status": "approved", "xdm:selectionConstraint": {"xdm:profileConstraintType": "anySegments"}}),
            "/_instance/xdm:selectionConstraint",
        ),
        (
            Kind::Filter,
            json!({"xdm:name": "f", "xdm:filterType": "someTags", "ids": []}),
            "/_instance/xdm:filterType",
        ),
        (
            Kind::Filter,
            json!({"xdm:name": "f", "xdm:filterType": "offers", "ids": [tag]}),
            "/_instance/ids/0",
        ),
        (
            Kind::Filter,
            json!({"xdm:name": "f", "xdm:filterType": "allTags", "xdm:ids": [fallback]}),
            "/_instance/xdm:ids/0",
        ),
        (
            Kind::Activity,
            json!({"xdm:name": "a", "xdm:status": "approved", "xdm:placement": p, "xdm:filter": filter, "xdm:fallback": fallback}),
            "/_instance/xdm:status",
        ),
        (
            Kind::Activity,
            json!({"xdm:name": "a", "xdm:status": "live", "xdm:filter": filter, "xdm:fallback": fallback}),
            "/_instance/xdm:placement",
        ),
        (
            Kind::Activity,
            json!({"xdm:name": "a", "xdm:status": "live", "xdm:placement": p, "xdm:filter": filter, "xdm:fallback": tag}),
            "/_instance/xdm:fallback",
        ),
        (
            Kind::Activity,
            json!({"xdm:name": "a", "xdm:status": "live", "xdm:placement": p2, "xdm:filter": filter, "xdm:fallback": fallback}),
            "/_instance/xdm:fallback",
        ),
        (
            Kind::Activity,
            json!({"xdm:name": "a", "xdm:status": "live", "xdm:placement": p, "xdm:filter": filter, "xdm:fallback": fallback, "xdm:startDate": "2020-02-01T00:00:00Z", "xdm:endDate": "2020-01-01T00:00:00Z"}),
            "/_instance/xdm:startDate",
        ),
    ];
    for (kind, instance, property) in cases {
        let response = emu.post(kind, instance.clone()).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{kind} {instance}"
        );
        let body: Value = response.json().await.expect("json");
        assert!(
            violated(&body).iter().any(|v| v == property),
            "{kind} {instance}: expected {property} in {body}"
        );
        assert_eq!(body["status"], 422);
    }
    assert_eq!(emu.list_all(Kind::Activity, "").await.len(), 0);
    assert_eq!(emu.list_all(Kind::Offer, "").await.len(), 0);

    // Setting @id on create is refused too.
    let with_id = emu
        .post(
            Kind::Tag,
            json!({"xdm:name": "x", "@id": "xcore:tag:1111111111111111"}),
        )
        .await;
    assert_eq!(with_id.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Valid: unknown extra properties are stored verbatim; `xdm:ids` is accepted like `ids`.
    let mut rich = offer("rich", &p);
    rich["xdm:representations"][0]["xdm:components"][0]["offerui:previewThumbnail"] =
        json!({"href": "https://example.com/t.png", "w": 10});
    rich["xdm:rank"] = json!({"xdm:priority": 0});
    rich["xdm:cappingConstraint"] = json!({"xdm:globalCap": 1, "xdm:profileCap": 1});
    rich["xdm:characteristics"] = json!({"segment": "gold"});
    rich["vendor:extra"] = json!([1, {"deep": true}]);
    let created = emu.create(Kind::Offer, rich.clone()).await;
    let (_, stored) = emu.get(&id(&created)).await;
    let mut expected = rich;
    expected["@id"] = json!(uri(&created));
    assert_eq!(stored["_instance"], expected);
    emu.create(
        Kind::Filter,
        json!({"xdm:name": "f2", "xdm:filterType": "offers", "xdm:ids": [uri(&created)]}),
    )
    .await;
}

#[tokio::test]
async fn tag_names_are_unique_per_container_with_409() {
    let emu = Emu::start().await;
    let first = emu.create(Kind::Tag, json!({"xdm:name": "gold"})).await;
    let second = emu.post(Kind::Tag, json!({"xdm:name": "gold"})).await;
    assert_eq!(second.status(), StatusCode::CONFLICT);
    let body: Value = second.json().await.expect("json");
    assert_eq!(body["conflictingInstance"], uri(&first).as_str());
    assert_eq!(body["property"], "/_instance/xdm:name");

    let other = emu.create(Kind::Tag, json!({"xdm:name": "silver"})).await;
    let rename = emu
        .patch(
            &id(&other),
            json!([{"op": "replace", "path": "/_instance/xdm:name", "value": "gold"}]),
            None,
        )
        .await;
    assert_eq!(rename.status(), StatusCode::CONFLICT);
    // Renaming a tag to its own name is no conflict; another sandbox is another container.
    let same = emu
        .patch(
            &id(&first),
            json!([{"op": "replace", "path": "/_instance/xdm:name", "value": "gold"}]),
            None,
        )
        .await;
    assert_eq!(same.status(), StatusCode::OK);
    let mut dev = Emu::start().await;
    dev.sandbox = "dev".into();
    dev.create(Kind::Tag, json!({"xdm:name": "gold"})).await;
    // Non-tag kinds may share names.
    let p = emu.create(Kind::Placement, placement("same")).await;
    emu.create(Kind::Placement, placement("same")).await;
    assert_eq!(p["repo:etag"], 1);
}

#[tokio::test]
async fn an_unreferenced_delete_completes_at_once() {
    let emu = Emu::start().await;
    let tag = emu.create(Kind::Tag, json!({"xdm:name": "t"})).await;
    let response = emu.delete(&id(&tag)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(&response, "content-type").contains("xdm.receipt+json"));
    let receipt: Value = response.json().await.expect("json");
    assert_eq!(receipt["instanceId"], id(&tag).as_str());
    assert_eq!(receipt["@id"], uri(&tag).as_str());
    assert_eq!(emu.get(&id(&tag)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(emu.delete(&id(&tag)).await.status(), StatusCode::NOT_FOUND);
    // The name is free again.
    emu.create(Kind::Tag, json!({"xdm:name": "t"})).await;
}

async fn poll(emu: &Emu, base: &str, location: &str) -> (StatusCode, String, Value) {
    let response = emu
        .client
        .get(format!("{base}{location}"))
        .bearer_auth("t")
        .header("x-api-key", "k")
        .header("x-gw-ims-org-id", "o")
        .send()
        .await
        .expect("request");
    let status = response.status();
    let location = header(&response, "location");
    (status, location, response.json().await.expect("json"))
}

#[tokio::test]
async fn a_referenced_delete_is_accepted_then_rejected_and_later_succeeds() {
    let emu = Emu::start().await;
    let tag = emu.create(Kind::Tag, json!({"xdm:name": "t"})).await;
    let p = emu.create(Kind::Placement, placement("p")).await;
    let mut o = offer("o", &uri(&p));
    o["xdm:tags"] = json!([uri(&tag)]);
    let o = emu.create(Kind::Offer, o).await;

    let response = emu.delete(&id(&tag)).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = header(&response, "location");
    let base = header(&response, "content-base");
    assert!(location.starts_with(&format!("{}/deletes/", emu.container())));
    let accepted: Value = response.json().await.expect("json");
    assert_eq!(accepted["status"], "pending");

    let (status, _, outcome) = poll(&emu, &base, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(outcome["outcome"], "rejected");
    assert_eq!(outcome["referencedBy"][0]["@id"], uri(&o).as_str());
    assert_eq!(outcome["referencedBy"][0]["instanceId"], id(&o).as_str());
    assert_eq!(
        outcome["referencedBy"][0]["property"],
        "/_instance/xdm:tags/0"
    );
    // A decided job keeps answering with its outcome.
    let (status, _, again) = poll(&emu, &base, &location).await;
    assert_eq!(
        (status, again["outcome"].clone()),
        (StatusCode::OK, json!("rejected"))
    );
    assert_eq!(emu.get(&id(&tag)).await.0, StatusCode::OK);

    // Remove the reference; the next delete is still asynchronous only if referenced.
    let untag = emu
        .patch(
            &id(&o),
            json!([{"op": "remove", "path": "/_instance/xdm:tags/0"}]),
            None,
        )
        .await;
    assert_eq!(untag.status(), StatusCode::OK);
    assert_eq!(emu.delete(&id(&tag)).await.status(), StatusCode::OK);
    assert_eq!(emu.get(&id(&tag)).await.0, StatusCode::NOT_FOUND);

    // A job whose references disappear before the poll deletes.
    let response = emu.delete(&id(&p)).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = header(&response, "location");
    assert_eq!(emu.delete(&id(&o)).await.status(), StatusCode::OK);
    let (status, _, outcome) = poll(&emu, &base, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(outcome["outcome"], "deleted");
    assert_eq!(outcome["receipt"]["@id"], uri(&p).as_str());
    assert_eq!(emu.get(&id(&p)).await.0, StatusCode::NOT_FOUND);

    let unknown = emu
        .req(Method::GET, &format!("/{}/deletes/nope", emu.container()))
        .send()
        .await
        .expect("request");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn delete_polls_answer_202_for_the_configured_number_of_polls() {
    let emu = Emu::with(ServeArgs {
        delete_pending_polls: 2,
        ..ServeArgs::ephemeral()
    })
    .await;
    let p = emu.create(Kind::Placement, placement("p")).await;
    let f = emu.create(Kind::FallbackOffer, offer("f", &uri(&p))).await;
    let response = emu.delete(&id(&p)).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = header(&response, "location");
    let base = header(&response, "content-base");
    // A repeated DELETE while pending returns the same job.
    let repeat = emu.delete(&id(&p)).await;
    assert_eq!(repeat.status(), StatusCode::ACCEPTED);
    assert_eq!(header(&repeat, "location"), location);
    for _ in 0..2 {
        let (status, again, body) = poll(&emu, &base, &location).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(again, location);
        assert_eq!(body["status"], "pending");
    }
    let (status, _, outcome) = poll(&emu, &base, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(outcome["outcome"], "rejected");
    assert_eq!(outcome["referencedBy"][0]["@id"], uri(&f).as_str());
}

#[tokio::test]
async fn lists_filter_sort_and_page() {
    let emu = Emu::start().await;
    let p = uri(&emu.create(Kind::Placement, placement("p")).await);
    let mut offers = Vec::new();
    for (i, name) in [
        "Alpha cars",
        "beta",
        "Gamma CARS",
        "delta",
        "epsilon",
        "zeta",
        "eta",
    ]
    .iter()
    .enumerate()
    {
        let mut o = offer(name, &p);
        o["xdm:rank"] = json!({"xdm:priority": i});
        if i % 2 == 0 {
            o["xdm:status"] = json!("approved");
        }
        offers.push(emu.create(Kind::Offer, o).await);
    }
    let schema = Kind::Offer.schema_id();
    let base = format!("{}?schema={schema}", emu.instances());

    // Paging: limit 3 over 7 items gives pages of 3, 3, 1, each item once, in instanceId order.
    let first = emu.get_json(&format!("{base}&limit=3")).await;
    assert_eq!(first["_embedded"]["count"], 3);
    assert_eq!(first["_embedded"]["total"], 7);
    assert_eq!(first["containerId"], emu.container().as_str());
    assert_eq!(first["schemaNs"], schema.as_str());
    assert_eq!(
        first["_links"]["self"]["@type"],
        "https://ns.adobe.com/experience/xcore/hal/results"
    );
    let next = first["_links"]["next"]["href"]
        .as_str()
        .expect("a next link");
    assert!(
        next.contains("orderby=instanceId") && next.contains("limit=3"),
        "{next}"
    );
    let all = emu.list_all(Kind::Offer, "&limit=3").await;
    let ids: Vec<String> = all
        .iter()
        .map(|e| e["instanceId"].as_str().unwrap_or_default().to_string())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 7);
    let last = emu.get_json(&format!("{base}&limit=500")).await;
    assert!(last["_links"].get("next").is_none());
    assert_eq!(results(&last).len(), 7);

    let names = |list: &[Value]| -> Vec<String> {
        list.iter()
            .map(|e| {
                e["_instance"]["xdm:name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    };
    // Descending by a nested property, paged through `next` (start carries two values).
    let by_priority = emu
        .list_all(
            Kind::Offer,
            "&orderby=-_instance.xdm:rank.xdm:priority&limit=2",
        )
        .await;
    assert_eq!(
        names(&by_priority),
        [
            "eta",
            "zeta",
            "epsilon",
            "delta",
            "Gamma CARS",
            "beta",
            "Alpha cars"
        ]
    );
    let ascending = emu
        .list_all(Kind::Offer, "&orderby=%2Bxdm:name&limit=4")
        .await;
    assert_eq!(
        names(&ascending),
        [
            "Alpha cars",
            "Gamma CARS",
            "beta",
            "delta",
            "epsilon",
            "eta",
            "zeta"
        ]
    );
    let by_created = emu
        .list_all(Kind::Offer, "&orderby=repo:createdDate&limit=2")
        .await;
    assert_eq!(by_created.len(), 7);
    // Dates in `start` may be epoch milliseconds, the form XCore's own `next` links use.
    let since_epoch = emu
        .get_json(&format!("{base}&orderby=repo:createdDate&start=0"))
        .await;
    assert_eq!(results(&since_epoch).len(), 7);
    let future = emu
        .get_json(&format!(
            "{base}&orderby=repo:createdDate&start=99999999999999"
        ))
        .await;
    assert_eq!(results(&future).len(), 0);
    // `start` alone: strictly after the given value.
    let after = emu
        .get_json(&format!("{base}&orderby=xdm:name&start=delta"))
        .await;
    assert_eq!(names(&results(&after)), ["epsilon", "eta", "zeta"]);

    let emu = &emu;
    let filtered = |query: &str| {
        let path = format!("{base}&{query}");
        async move { names(&results(&emu.get_json(&path).await)) }
    };
    assert_eq!(
        filtered("property=_instance.xdm:status%3D%3Dapproved&orderby=xdm:name").await,
        ["Alpha cars", "Gamma CARS", "epsilon", "eta"]
    );
    assert_eq!(
        filtered("property=xdm:status!%3Dapproved&orderby=xdm:name").await,
        ["beta", "delta", "zeta"]
    );
    assert_eq!(
        filtered("property=xdm:rank.xdm:priority%3C2&orderby=xdm:name").await,
        ["Alpha cars", "beta"]
    );
    assert_eq!(
        filtered("property=xdm:rank.xdm:priority%3E%3D2&property=xdm:rank.xdm:priority%3C%3D3&orderby=xdm:name").await,
        ["Gamma CARS", "delta"]
    );
    assert_eq!(
        filtered("property=xdm:name~.*cars.*&orderby=xdm:name").await,
        ["Alpha cars", "Gamma CARS"]
    );
    assert_eq!(
        filtered("property=xdm:name~cars").await,
        Vec::<String>::new()
    );
    assert_eq!(
        filtered("property=xdm:rank&orderby=xdm:name").await.len(),
        7
    );
    assert_eq!(filtered("property=xdm:tags").await.len(), 0);
    assert_eq!(filtered("property=!xdm:tags").await.len(), 7);
    assert_eq!(filtered("property=repo:etag%3D%3D1").await.len(), 7);
    let created = offers[3]["repo:createdDate"].as_str().expect("date");
    assert!(
        filtered(&format!("property=repo:createdDate%3E%3D{created}"))
            .await
            .len()
            >= 4
    );
    let ids_query = format!(
        "id={}&id={}&orderby=xdm:name",
        uri(&offers[0]),
        uri(&offers[1])
    );
    assert_eq!(filtered(&ids_query).await, ["Alpha cars", "beta"]);
    assert_eq!(filtered("name=*ta").await.len(), 4);
    assert_eq!(filtered("name=beta").await, ["beta"]);
    assert_eq!(filtered("name=Beta").await.len(), 0);

    for bad in [
        format!("{}?limit=3", emu.instances()),
        format!("{base}&limit=0"),
        format!("{base}&limit=many"),
        format!("{base}&property=xdm:name=beta"),
        format!("{base}&property=xdm:name~("),
        format!("{base}&id=x&name=y"),
        format!("{}?schema=https://example.com/nope", emu.instances()),
    ] {
        let response = emu.req(Method::GET, &bad).send().await.expect("request");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: Value = response.json().await.expect("json");
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
}

#[tokio::test]
async fn paging_is_stable_while_instances_are_created_and_updated() {
    let emu = Emu::start().await;
    let mut originals = Vec::new();
    for i in 0..40 {
        originals.push(id(&emu
            .create(Kind::Tag, json!({"xdm:name": format!("orig-{i:02}")}))
            .await));
    }
    for order in [
        "",
        "&orderby=repo:createdDate",
        "&orderby=-repo:createdDate",
    ] {
        let mut path = format!(
            "{}?schema={}&limit=6{order}",
            emu.instances(),
            Kind::Tag.schema_id()
        );
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut round = 0;
        loop {
            let page = emu.get_json(&path).await;
            for item in results(&page) {
                *seen
                    .entry(item["instanceId"].as_str().unwrap_or_default().to_string())
                    .or_default() += 1;
            }
            // Between pages: create new instances and update originals anywhere in the order.
            for k in 0..3 {
                emu.create(
                    Kind::Tag,
                    json!({"xdm:name": format!("new-{order}-{round}-{k}")}),
                )
                .await;
            }
            for target in originals.iter().skip(round % 5).step_by(7) {
                let response = emu
                    .patch(target, json!([{"op": "add", "path": "/_instance/xdm:description", "value": round.to_string()}]), None)
                    .await;
                assert_eq!(response.status(), StatusCode::OK);
            }
            round += 1;
            match page["_links"]["next"]["href"].as_str() {
                Some(next) => path = next.to_string(),
                None => break,
            }
        }
        for original in &originals {
            assert_eq!(
                seen.get(original),
                Some(&1),
                "{original} with order {order:?}"
            );
        }
        assert!(
            seen.values().all(|n| *n == 1),
            "an item was returned twice with {order:?}"
        );
    }

    // The same guarantee with a writer running truly concurrently.
    let writer = {
        let client = emu.client.clone();
        let url = emu.url(&emu.instances());
        tokio::spawn(async move {
            for i in 0..60 {
                let response = client
                    .post(&url)
                    .bearer_auth("t")
                    .header("x-api-key", "k")
                    .header("x-gw-ims-org-id", "o")
                    .header(
                        "content-type",
                        format!("{HAL}; schema=\"{}\"", Kind::Tag.schema_id()),
                    )
                    .json(&json!({"_instance": {"xdm:name": format!("bg-{i}")}, "_links": {}}))
                    .send()
                    .await
                    .expect("request");
                assert_eq!(response.status(), StatusCode::CREATED);
            }
        })
    };
    let walked = emu.list_all(Kind::Tag, "&limit=5").await;
    writer.await.expect("writer");
    let mut counts: HashMap<String, usize> = HashMap::new();
    for item in &walked {
        *counts
            .entry(item["instanceId"].as_str().unwrap_or_default().to_string())
            .or_default() += 1;
    }
    assert!(originals.iter().all(|o| counts.get(o) == Some(&1)));
    assert!(counts.values().all(|n| *n == 1));
}

#[tokio::test]
async fn search_matches_terms_fields_and_qop() {
    let emu = Emu::start().await;
    let p = uri(&emu.create(Kind::Placement, placement("Kiosk banner")).await);
    let mut card = offer("ABC Bank Credit Card", &p);
    card["xdm:characteristics"] = json!({"tier": "gold"});
    emu.create(Kind::Offer, card).await;
    emu.create(Kind::Offer, offer("Free flight upgrade", &p))
        .await;
    emu.create(Kind::Offer, offer("Gold card lounge", &p)).await;
    let emu = &emu;
    let search = |query: &str| {
        let path = format!("/{}/queries/core/search?{query}", emu.container());
        async move {
            let page = emu.get_json(&path).await;
            let mut names: Vec<String> = results(&page)
                .iter()
                .map(|e| {
                    e["_instance"]["xdm:name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()
                })
                .collect();
            names.sort();
            (names, page)
        }
    };
    let schema = Kind::Offer.schema_id();
    let (names, page) = search(&format!("schema={schema}&q=card")).await;
    assert_eq!(names, ["ABC Bank Credit Card", "Gold card lounge"]);
    assert!(results(&page)[0]["_score"].is_number());
    let (names, _) = search(&format!("schema={schema}&q=credit+upgrade")).await;
    assert_eq!(names, ["ABC Bank Credit Card", "Free flight upgrade"]);
    let (names, _) = search(&format!("schema={schema}&q=gold+card&qop=and")).await;
    assert_eq!(names, ["ABC Bank Credit Card", "Gold card lounge"]);
    let (names, _) = search(&format!("schema={schema}&q=gold&field=_instance.xdm:name")).await;
    assert_eq!(names, ["Gold card lounge"]);
    let (names, _) = search(&format!("schema={schema}&q=%22credit+card%22")).await;
    assert_eq!(names, ["ABC Bank Credit Card"]);
    let (names, _) = search(&format!(
        "schema={schema}&q=card+lounge&qop=AND&property=xdm:status%3D%3Ddraft"
    ))
    .await;
    assert_eq!(names, ["Gold card lounge"]);
    // Without a schema, every kind is searched.
    let (names, _) = search("q=kiosk").await;
    assert_eq!(names, ["Kiosk banner"]);
    let bad = emu
        .req(
            Method::GET,
            &format!("/{}/queries/core/search?q=a&qop=xor", emu.container()),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn home_lists_the_one_predictable_container_per_sandbox() {
    let emu = Emu::start().await;
    let response = emu
        .req(Method::GET, "/?product=dma_offers&product=acp")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(&response, "content-type").contains("home.hal+json"));
    let home: Value = response.json().await.expect("json");
    let containers = home["_embedded"]["https://ns.adobe.com/experience/xcore/container"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(containers.len(), 1);
    assert_eq!(containers[0]["instanceId"], emu.container().as_str());
    assert_eq!(containers[0]["_instance"]["parentName"], "prod");
    let emu = &emu;
    let listed = |query: &'static str, sandbox: &'static str| {
        let request = emu.req_in(sandbox, Method::GET, query);
        async move {
            let home: Value = request
                .send()
                .await
                .expect("request")
                .json()
                .await
                .expect("json");
            home["_embedded"]["https://ns.adobe.com/experience/xcore/container"]
                .as_array()
                .map(|c| {
                    c.iter()
                        .map(|c| c["instanceId"].as_str().unwrap_or_default().to_string())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        }
    };
    assert_eq!(listed("/?product=acp", "prod").await, [emu.container()]);
    assert_eq!(listed("/?product=other", "prod").await.len(), 0);
    assert_eq!(
        listed("/?property=_instance.containerType%3D%3Ddecisioning&property=_instance.parentName%3D%3Ddev", "dev").await,
        [emu.server.container_id("dev")]
    );
    assert_eq!(
        listed("/?property=_instance.parentName%3D%3Dprod", "dev")
            .await
            .len(),
        0
    );
    assert_ne!(emu.server.container_id("dev"), emu.container());
    // Without the trailing slash too.
    let bare = emu.req(Method::GET, "").send().await.expect("request");
    assert_eq!(bare.status(), StatusCode::OK);
}

#[tokio::test]
async fn sandboxes_are_isolated_and_unknown_containers_are_404() {
    let emu = Emu::start().await;
    let tag = emu.create(Kind::Tag, json!({"xdm:name": "t"})).await;
    let dev_view = emu
        .req_in("dev", Method::GET, &emu.instance(&id(&tag)))
        .send()
        .await
        .expect("request");
    assert_eq!(dev_view.status(), StatusCode::NOT_FOUND);
    let mut dev = Emu::start().await;
    dev.server = emu.server;
    dev.sandbox = "dev".into();
    assert_eq!(dev.list_all(Kind::Tag, "").await.len(), 0);
    assert_eq!(dev.get(&id(&tag)).await.0, StatusCode::NOT_FOUND);
    let bogus = dev
        .req(
            Method::GET,
            &format!(
                "/not-a-container/instances?schema={}",
                Kind::Tag.schema_id()
            ),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(bogus.status(), StatusCode::NOT_FOUND);
    let bad_sandbox = dev
        .req_in("no spaces please", Method::GET, "/")
        .send()
        .await
        .expect("request");
    assert_eq!(bad_sandbox.status(), StatusCode::BAD_REQUEST);
    let nowhere = dev
        .req(Method::GET, "/a/b/c/d/e")
        .send()
        .await
        .expect("request");
    assert_eq!(nowhere.status(), StatusCode::NOT_FOUND);
    let body: Value = nowhere.json().await.expect("a JSON 404");
    assert_eq!(body["status"], 404);
}

#[tokio::test]
async fn concurrent_patches_with_the_same_if_match_have_exactly_one_winner() {
    let emu = Emu::start().await;
    let tag = emu.create(Kind::Tag, json!({"xdm:name": "race"})).await;
    let instance_id = id(&tag);
    let mut tasks = Vec::new();
    for i in 0..16 {
        let request = emu
            .req(Method::PATCH, &emu.instance(&instance_id))
            .header("content-type", PATCH_HAL)
            .header("if-match", "\"1\"")
            .body(
                json!([{"op": "replace", "path": "/_instance/xdm:name", "value": format!("w{i}")}])
                    .to_string(),
            );
        tasks.push(tokio::spawn(async move {
            request.send().await.expect("request").status()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("task"));
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        15
    );
    let (_, now) = emu.get(&instance_id).await;
    assert_eq!(now["repo:etag"], 2);

    // Concurrent creates are all kept, each with its own ids.
    let mut tasks = Vec::new();
    for i in 0..24 {
        let request = emu
            .req(Method::POST, &emu.instances())
            .header(
                "content-type",
                format!("{HAL}; schema=\"{}\"", Kind::Tag.schema_id()),
            )
            .json(&json!({"_instance": {"xdm:name": format!("c{i}")}, "_links": {}}));
        tasks.push(tokio::spawn(async move {
            request
                .send()
                .await
                .expect("request")
                .json::<Value>()
                .await
                .expect("json")
        }));
    }
    let mut uris = BTreeSet::new();
    for task in tasks {
        uris.insert(uri(&task.await.expect("task")));
    }
    assert_eq!(uris.len(), 24);
    assert_eq!(emu.list_all(Kind::Tag, "").await.len(), 25);
}
