//! Replays the walk-through of seed 002 ("Manage Decisioning objects and rules using APIs")
//! against `offerctl serve`, with the tutorial's headers and payloads.

use offerctl::providers::adobe::kind::Kind;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

const RECEIPT: &str = "application/vnd.adobe.platform.xcore.xdm.receipt+json";
const RESULTS: &str = "*, application/vnd.adobe.platform.xcore.hal+json; schema=\"https://ns.adobe.com/experience/xcore/hal/results\"";

struct Walk {
    emu: Emu,
    container: String,
}

impl Walk {
    fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.emu
            .req(method, path)
            .header("x-request-id", uuid::Uuid::new_v4().to_string())
    }

    async fn create(&self, kind: Kind, instance: Value) -> Value {
        let response = self
            .req(Method::POST, &format!("/{}/instances", self.container))
            .header(
                "content-type",
                format!("{HAL}; schema=\"{}\"", kind.schema_id()),
            )
            .header("accept", RECEIPT)
            .json(&json!({"_instance": instance, "_links": {}}))
            .send()
            .await
            .expect("request");
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert_eq!(status, StatusCode::CREATED, "{kind}: {body}");
        body
    }

    async fn patch(&self, kind: Kind, receipt: &Value, ops: Value) -> Value {
        let response = self
            .req(
                Method::PATCH,
                &format!("/{}/instances/{}", self.container, id(receipt)),
            )
            .header(
                "content-type",
                format!("{PATCH_HAL}; schema=\"{}\"", kind.schema_id()),
            )
            .header("accept", RECEIPT)
            .body(ops.to_string())
            .send()
            .await
            .expect("request");
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert_eq!(status, StatusCode::OK, "{ops}: {body}");
        body
    }

    async fn read(&self, kind: Kind, receipt: &Value) -> Value {
        let response = self
            .req(
                Method::GET,
                &format!("/{}/instances/{}", self.container, id(receipt)),
            )
            .header(
                "accept",
                format!("*, {HAL}; schema=\"{}\"", kind.schema_id()),
            )
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("json")
    }

    /// Deletes and, when the repository answers 202, polls the `Location` until decided.
    async fn delete(&self, receipt: &Value) -> (StatusCode, Value) {
        let response = self
            .req(
                Method::DELETE,
                &format!("/{}/instances/{}", self.container, id(receipt)),
            )
            .header("accept", RECEIPT)
            .send()
            .await
            .expect("request");
        if response.status() != StatusCode::ACCEPTED {
            let status = response.status();
            return (status, response.json().await.expect("json"));
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .expect("header")
                .to_string()
        };
        let url = format!("{}{}", header("content-base"), header("location"));
        for _ in 0..10 {
            let polled = self
                .emu
                .client
                .get(&url)
                .bearer_auth("t")
                .header("x-api-key", "k")
                .header("x-gw-ims-org-id", "o")
                .send()
                .await
                .expect("request");
            if polled.status() == StatusCode::OK {
                return (StatusCode::OK, polled.json().await.expect("json"));
            }
            assert_eq!(polled.status(), StatusCode::ACCEPTED);
        }
        panic!("the delete was never decided");
    }
}

#[tokio::test]
async fn the_seed_002_walkthrough() {
    let emu = Emu::start().await;
    // Find the container from home, as the tutorial does.
    let home = emu
        .req(Method::GET, "/?product=dma_offers&product=acp")
        .header(
            "accept",
            "application/vnd.adobe.platform.xcore.home.hal+json",
        )
        .send()
        .await
        .expect("request")
        .json::<Value>()
        .await
        .expect("json");
    let container =
        home["_embedded"]["https://ns.adobe.com/experience/xcore/container"][0]["instanceId"]
            .as_str()
            .expect("a container")
            .to_string();
    let walk = Walk { emu, container };

    // Placements, tags and a rule come first: everything else references them.
    let placement = walk
        .create(
            Kind::Placement,
            json!({
                "xdm:name": "Kiosk Placement 1",
                "xdm:channel": "https://ns.adobe.com/xdm/channels/web",
                "xdm:componentType": "https://ns.adobe.com/experience/offer-management/content-component-imagelink",
                "xdm:contentTypes": ["image/png", "image/png"],
                "xdm:description": "Generic placeholder for offers in the Kiosk application. \nTechnical constraints: max width 530dpi, min width 480 dpi, aspect ratio 12:5. \nStylistic constraints: single background color with text block in complementary colors, \nNo magenta, please!"
            }),
        )
        .await;
    let text_placement = walk
        .create(
            Kind::Placement,
            json!({
                "xdm:name": "Kiosk text",
                "xdm:channel": "https://ns.adobe.com/xdm/channels/web",
                "xdm:componentType": "https://ns.adobe.com/experience/offer-management/content-component-text"
            }),
        )
        .await;
    let credit_card = walk
        .create(Kind::Tag, json!({"xdm:name": "credit card"}))
        .await;
    let upgrade = walk.create(Kind::Tag, json!({"xdm:name": "upgrade"})).await;
    let rule = walk
        .create(
            Kind::Rule,
            json!({
                "xdm:name": "Eligible for a free flight upgrade",
                "xdm:condition": {
                    "xdm:value": "membership.status = \"elite\" and (select e from xEvent where e.type = \"flight\" and e.flightnumber = @{https://ns.adobe.com/xdm/context/flight}.flightnumber and (e.timestamp occurs <= 6 months before now).count() > 3)",
                    "xdm:format": "pql/text",
                    "xdm:type": "PQL"
                }
            }),
        )
        .await;

    // The offer, with the tutorial's tags, then patched step by step.
    let offer = walk
        .create(
            Kind::Offer,
            json!({
                "xdm:name": "ABC Bank Credit Card",
                "xdm:status": "draft",
                "xdm:tags": [uri(&credit_card)],
                "xdm:representations": [{
                    "xdm:placement": uri(&placement),
                    "xdm:components": [{
                        "dc:language": ["en"],
                        "@type": "https://ns.adobe.com/experience/offer-management/content-component-imagelink",
                        "dc:format": "image/png",
                        "xdm:linkURL": "https://example.com/apply",
                        "offerui:previewThumbnail": "https://example.com/thumb.png"
                    }]
                }],
                "xdm:rank": {"xdm:priority": 1},
                "xdm:characteristics": {"category": "finance"}
            }),
        )
        .await;
    let steps = [
        json!([{"op": "replace", "path": "/_instance/xdm:status", "value": "approved"}]),
        json!([{"op": "add", "path": "/_instance/xdm:representations/-", "value": {
            "xdm:placement": uri(&text_placement),
            "xdm:components": [{
                "xdm:copyline": "Get what you want!",
                "@type": "https://ns.adobe.com/experience/offer-management/content-component-text",
                "dc:format": "text/plain"
            }]
        }}]),
        json!([{"op": "add", "path": "/_instance/xdm:selectionConstraint", "value": {
            "xdm:startDate": "2019-06-13T00:00:00.000Z",
            "xdm:endDate": "2019-07-13T00:00:00.000Z"
        }}]),
        json!([{"op": "add", "path": "/_instance/xdm:cappingConstraint", "value": {
            "xdm:globalCap": 1_000_000,
            "xdm:profileCap": 5
        }}]),
        json!([{"op": "remove", "path": "/_instance/xdm:cappingConstraint/xdm:profileCap"}]),
        json!([{"op": "add", "path": "/_instance/xdm:selectionConstraint/xdm:eligibilityRule", "value": uri(&rule)}]),
        json!([{"op": "replace", "path": "/_instance/xdm:rank/xdm:priority", "value": 0}]),
        json!([{"op": "add", "path": "/_instance/xdm:tags/-", "value": uri(&upgrade)}]),
    ];
    let mut etag = 1;
    for ops in steps {
        let receipt = walk.patch(Kind::Offer, &offer, ops).await;
        etag += 1;
        assert_eq!(receipt["repo:etag"], etag);
    }
    let stored = walk.read(Kind::Offer, &offer).await;
    let instance = &stored["_instance"];
    assert_eq!(instance["xdm:status"], "approved");
    assert_eq!(
        instance["xdm:representations"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(
        instance["xdm:selectionConstraint"]["xdm:eligibilityRule"],
        uri(&rule).as_str()
    );
    assert_eq!(
        instance["xdm:cappingConstraint"],
        json!({"xdm:globalCap": 1_000_000})
    );
    assert_eq!(instance["xdm:rank"]["xdm:priority"], 0);
    assert_eq!(
        instance["xdm:tags"],
        json!([uri(&credit_card), uri(&upgrade)])
    );
    assert_eq!(
        instance["xdm:representations"][0]["xdm:components"][0]["offerui:previewThumbnail"],
        "https://example.com/thumb.png"
    );

    let fallback = walk
        .create(
            Kind::FallbackOffer,
            json!({
                "xdm:name": "Default for Kiosk Placements",
                "xdm:status": "approved",
                "xdm:representations": [{
                    "xdm:placement": uri(&placement),
                    "xdm:components": [{
                        "dc:language": ["en"],
                        "@type": "https://ns.adobe.com/experience/offer-management/content-component-html",
                        "dc:format": "text/html"
                    }]
                }]
            }),
        )
        .await;
    let tag_filter = walk
        .create(
            Kind::Filter,
            json!({
                "xdm:name": "All Upgrade offers",
                "xdm:filterType": "allTags",
                "ids": [uri(&credit_card), uri(&upgrade)]
            }),
        )
        .await;
    let offer_filter = walk
        .create(
            Kind::Filter,
            json!({"xdm:name": "Listed offers", "xdm:filterType": "offers", "ids": [uri(&offer)]}),
        )
        .await;
    let activity = walk
        .create(
            Kind::Activity,
            json!({
                "xdm:name": "Call center IVR Personalization",
                "xdm:startDate": "2019-03-01T05:59:59.999Z",
                "xdm:endDate": "2019-12-27T00:00:00.000Z",
                "xdm:status": "live",
                "xdm:placement": uri(&placement),
                "xdm:filter": uri(&tag_filter),
                "xdm:fallback": uri(&fallback)
            }),
        )
        .await;

    // List and search, with the tutorial's Accept header.
    let list = walk
        .req(
            Method::GET,
            &format!(
                "/{}/instances?schema={}&property=_instance.xdm:status%3D%3Dapproved",
                walk.container,
                Kind::Offer.schema_id()
            ),
        )
        .header("accept", RESULTS)
        .send()
        .await
        .expect("request")
        .json::<Value>()
        .await
        .expect("json");
    assert_eq!(results(&list).len(), 1);
    assert_eq!(results(&list)[0]["_instance"]["@id"], uri(&offer).as_str());
    let activities = walk
        .emu
        .list_all(Kind::Activity, &format!("&id={}", uri(&activity)))
        .await;
    assert_eq!(activities.len(), 1);
    let search = walk
        .req(
            Method::GET,
            &format!(
                "/{}/queries/core/search?schema={}&q=credit&field=_instance.xdm:name",
                walk.container,
                Kind::Offer.schema_id()
            ),
        )
        .header("accept", RESULTS)
        .send()
        .await
        .expect("request")
        .json::<Value>()
        .await
        .expect("json");
    assert_eq!(results(&search).len(), 1);

    // Deleting in the wrong order is refused through the 202 protocol...
    let (status, outcome) = walk.delete(&placement).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(outcome["outcome"], "rejected");
    let referrers: Vec<&str> = outcome["referencedBy"]
        .as_array()
        .map(|r| r.iter().filter_map(|r| r["@id"].as_str()).collect())
        .unwrap_or_default();
    for expected in [uri(&offer), uri(&fallback), uri(&activity)] {
        assert!(
            referrers.contains(&expected.as_str()),
            "{expected} in {referrers:?}"
        );
    }

    // ...and succeeds in dependency order: referrers first.
    for receipt in [
        &activity,
        &tag_filter,
        &offer_filter,
        &offer,
        &fallback,
        &rule,
        &credit_card,
        &upgrade,
        &text_placement,
        &placement,
    ] {
        let (status, body) = walk.delete(receipt).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("outcome").is_none_or(|o| o == "deleted"), "{body}");
        assert_eq!(walk.emu.get(&id(receipt)).await.0, StatusCode::NOT_FOUND);
    }
    for kind in Kind::ALL {
        assert!(
            walk.emu.list_all(kind, "").await.is_empty(),
            "{kind} left over"
        );
    }
}
