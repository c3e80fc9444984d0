//! Unit tests of the client's configuration, links, error details and patch-effect checks.

use serde_json::json;

use super::patch::in_effect;
use super::*;

fn token_auth() -> Auth {
    Auth::Token(Secret::new("tok-123456"))
}

fn client(endpoint: &str) -> Result<XcoreClient, ConfigError> {
    let mut config = XcoreConfig::new(endpoint, "prod", "ORG@AdobeOrg", token_auth());
    config.api_key = Some(Secret::new("key-123456"));
    XcoreClient::new(config)
}

#[test]
fn plain_http_only_to_loopback() {
    for ok in [
        "https://platform.adobe.io",
        "http://127.0.0.1:8080",
        "http://127.3.4.5",
        "http://[::1]:9000/",
        "http://localhost:1",
        "http://LOCALHOST./",
    ] {
        assert!(client(ok).is_ok(), "{ok}");
    }
    for refused in [
        "http://platform.adobe.io",
        "http://10.0.0.1",
        "http://128.0.0.1",
        "http://[::2]",
        "http://localhost.example.com",
        "ftp://127.0.0.1",
        "https://user:pw@platform.adobe.io",
        "https://platform.adobe.io/?token=x",
        "not a url",
    ] {
        assert!(client(refused).is_err(), "{refused}");
    }
    let error = client("http://platform.adobe.io").expect_err("refused");
    assert!(error.0.contains("http://"), "{error}");
    assert!(error.0.contains("loopback"), "{error}");
}

#[test]
fn the_api_path_is_appended_once() {
    for endpoint in [
        "https://platform.adobe.io",
        "https://platform.adobe.io/",
        "https://platform.adobe.io/data/core/xcore",
        "https://platform.adobe.io/data/core/xcore/",
    ] {
        let client = client(endpoint).expect("valid");
        assert_eq!(
            client.api_url().as_str(),
            "https://platform.adobe.io/data/core/xcore/"
        );
    }
}

#[test]
fn next_links_resolve_against_the_api_path_on_the_same_origin() {
    let client = client("https://platform.adobe.io").expect("valid");
    let url = client
        .t
        .resolve_link("/c1/instances?start=a%2Cb&limit=2")
        .expect("resolves");
    assert_eq!(
        url.as_str(),
        "https://platform.adobe.io/data/core/xcore/c1/instances?start=a%2Cb&limit=2"
    );
    let url = client
        .t
        .resolve_link("/data/core/xcore/c1/instances?x=1")
        .expect("resolves");
    assert_eq!(
        url.as_str(),
        "https://platform.adobe.io/data/core/xcore/c1/instances?x=1"
    );
    assert!(
        client
            .t
            .resolve_link("https://evil.example/c1/instances")
            .is_err()
    );
    assert!(client.t.resolve_link("//evil.example/c1").is_err());
}

#[test]
fn server_details_are_extracted() {
    let problem = br#"{"type":"x","title":"Unprocessable Entity","status":422,"detail":"invalid instance","property":"/_instance/xdm:status","violations":[{"property":"/_instance/xdm:status","message":"must be one of draft, approved, archived"}]}"#;
    let detail = server_detail(problem).expect("detail");
    assert!(detail.contains("/_instance/xdm:status"), "{detail}");
    assert!(detail.contains("must be one of"), "{detail}");
    let gateway = br#"{"error_code":"401013","message":"Oauth token is not valid"}"#;
    assert_eq!(
        server_detail(gateway).as_deref(),
        Some("Oauth token is not valid")
    );
    assert_eq!(server_detail(b"<html>oops</html>"), None);
}

#[test]
fn effects_of_operations_are_checked_conservatively() {
    let doc = json!({"_instance": {"xdm:name": "b", "xdm:tags": ["t1", "t2"], "x": {"y": 1}}});
    let yes = [
        Op::Replace {
            path: "/_instance/xdm:name".into(),
            value: json!("b"),
        },
        Op::Add {
            path: "/_instance/xdm:tags/-".into(),
            value: json!("t2"),
        },
        Op::Add {
            path: "/_instance/x/y".into(),
            value: json!(1),
        },
        Op::Remove {
            path: "/_instance/gone".into(),
        },
    ];
    for op in &yes {
        assert!(in_effect(&doc, op), "{op:?}");
    }
    let no = [
        Op::Replace {
            path: "/_instance/xdm:name".into(),
            value: json!("a"),
        },
        Op::Add {
            path: "/_instance/xdm:tags/-".into(),
            value: json!("t3"),
        },
        Op::Add {
            path: "/_instance/xdm:tags/0".into(),
            value: json!("t1"),
        },
        Op::Remove {
            path: "/_instance/xdm:tags/1".into(),
        },
        Op::Remove {
            path: "/_instance/x".into(),
        },
    ];
    for op in &no {
        assert!(!in_effect(&doc, op), "{op:?}");
    }
}

#[test]
fn debug_output_hides_credentials() {
    let client = client("https://platform.adobe.io").expect("valid");
    let out = format!("{client:?}");
    assert!(!out.contains("tok-123456"), "{out}");
    assert!(!out.contains("key-123456"), "{out}");
    assert!(out.contains("platform.adobe.io"));
}

#[test]
fn lists_ask_for_hal_results_and_accept_any_type() {
    assert_eq!(
        LIST_ACCEPT,
        format!("*, {HAL}; schema=\"https://ns.adobe.com/experience/xcore/hal/results\"")
    );
}

/// A listed envelope whose `_instance` the page reader kept as text is the live object the
/// whole envelope makes, document included; the same refusals hold.
#[test]
fn a_listed_envelope_with_its_instance_as_text_is_the_envelope_parsed_whole() {
    use serde_json::value::RawValue;

    use super::wire::{parse_envelope, parse_listed};
    use crate::providers::adobe::kind::Kind;

    let instance = json!({"@id": "xcore:tag:1", "xdm:name": "Summer", "x:more": [1, {"b": null}]});
    let head = json!({
        "instanceId": "abc", "repo:etag": 3, "schemas": [Kind::Tag.schema_id()],
        "repo:createdDate": "2026-01-01T00:00:00Z", "repo:lastModifiedBy": "someone",
    });
    let mut whole = head.clone();
    whole["_instance"] = instance.clone();
    let kept = |v: &serde_json::Value| Some(RawValue::from_string(v.to_string()).unwrap());
    let listed = parse_listed(Kind::Tag, head.clone(), kept(&instance), "me").unwrap();
    assert_eq!(listed, parse_envelope(Kind::Tag, whole, "me").unwrap());
    assert_eq!(listed.0.instance, instance);
    assert_eq!(
        (listed.0.id.as_str(), listed.0.name()),
        ("xcore:tag:1", "Summer")
    );
    for (instance, problem) in [
        (None, "has no _instance object"),
        (kept(&json!([1])), "has no _instance object"),
        (kept(&json!({"xdm:name": "x"})), "has no @id"),
        (kept(&json!({"@id": 7})), "has no @id"),
    ] {
        let error = parse_listed(Kind::Tag, head.clone(), instance, "me").unwrap_err();
        assert!(error.contains(problem), "{error}");
    }
    let too_big = RawValue::from_string(r#"{"@id": "xcore:tag:1", "v": 1e400}"#.into()).unwrap();
    let error = parse_listed(Kind::Tag, head, Some(too_big), "me").unwrap_err();
    assert!(error.contains("not JSON a reader accepts"), "{error}");
}

/// A list page's envelopes, read with only the members the client builds, are the live
/// objects their whole envelopes make: nothing `parse_listed` reads is left unbuilt.
#[test]
fn a_listed_envelope_read_with_only_its_built_members_is_the_whole_envelope() {
    use super::wire::{ENVELOPE_MEMBERS, parse_envelope, parse_listed};
    use crate::live::compact::{self, ItemParts};
    use crate::providers::adobe::kind::Kind;

    let envelope = |etag: u64, by: &str, client: &str| {
        json!({
            "instanceId": format!("id-{etag}"), "schemas": [Kind::Offer.schema_id()],
            "productContexts": ["dma_offers", "acp"], "repo:etag": etag,
            "repo:createdDate": "2026-01-01T00:00:00Z",
            "repo:lastModifiedDate": "2026-01-02T00:00:00Z",
            "repo:createdBy": "creator", "repo:lastModifiedBy": by,
            "repo:createdByClientId": "creator-client", "repo:lastModifiedByClientId": client,
            "_links": {"self": {"name": "n", "href": "/c/instances/x", "@type": "t"}},
            "_instance": {"@id": format!("xcore:personalized-offer:{etag}"), "xdm:name": "O",
                          "xdm:status": "approved", "xdm:x": {"deep": [1, 2.5, null]}},
        })
    };
    let items = [
        envelope(1, "someone", "their-client"),
        envelope(2, "me@techacct.adobe.com", "me"),
    ];
    let page = json!({"_embedded": {"results": items.clone(), "count": 2}}).to_string();
    let parts = ItemParts {
        kept: Some("_instance"),
        built: Some(ENVELOPE_MEMBERS),
    };
    let mut listed = Vec::new();
    compact::stream_slice_keeping(
        page.as_bytes(),
        &["_embedded", "results"],
        parts,
        |item, kept| {
            // The links, creators and product contexts were not built.
            assert!(item.get("_links").is_none() && item.get("repo:createdBy").is_none());
            listed.push(parse_listed(Kind::Offer, item, kept, "me")?);
            Ok(())
        },
    )
    .expect("a page");
    let whole: Vec<_> = items
        .into_iter()
        .map(|item| parse_envelope(Kind::Offer, item, "me").expect("an envelope"))
        .collect();
    assert_eq!(listed, whole);
    // One modified by another client, one by this one: both told apart as the whole read does.
    assert!(whole[0].0.modified.as_ref().is_some_and(|m| m.is_drift()));
    assert!(!whole[1].0.modified.as_ref().is_some_and(|m| m.is_drift()));
}
