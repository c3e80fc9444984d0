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

/// Reads one envelope as the client does, and makes its live object.
fn envelope_object(envelope: &serde_json::Value) -> Result<(LiveObject, String), String> {
    use super::wire::{Envelope, parse_envelope};
    use crate::providers::adobe::kind::Kind;

    let read: Envelope = serde_json::from_str(&envelope.to_string()).map_err(|e| e.to_string())?;
    parse_envelope(Kind::Tag, read, "me")
}

/// An envelope's `_instance` is the live document as its text says, its identity and
/// bookkeeping are read as the envelope gives them, and the refusals hold.
#[test]
fn an_envelope_makes_its_live_object_with_the_instance_as_text() {
    use crate::backend::Modified;
    use crate::providers::adobe::kind::Kind;

    let instance = json!({"@id": "xcore:tag:1", "xdm:name": "Summer", "x:more": [1, {"b": null}]});
    let envelope = json!({
        "instanceId": "abc", "repo:etag": 3, "schemas": [Kind::Tag.schema_id()],
        "repo:createdDate": "2026-01-01T00:00:00Z", "repo:lastModifiedBy": "someone",
        "repo:lastModifiedByClientId": "their-client", "repo:lastModifiedDate": "2026-01-02T00:00:00Z",
        "_links": {"self": {"href": "/c/instances/abc"}}, "productContexts": ["acp"],
        "_instance": instance,
    });
    let (object, created) = envelope_object(&envelope).unwrap();
    assert_eq!(object.instance, instance);
    assert_eq!(object.instance.text(), Some(instance.to_string().as_str()));
    assert_eq!(
        (
            object.instance_id.as_str(),
            object.etag.as_str(),
            object.id.as_str(),
            object.name()
        ),
        ("abc", "3", "xcore:tag:1", "Summer")
    );
    assert_eq!(created, "2026-01-01T00:00:00Z");
    assert_eq!(
        object.modified,
        Modified::from_parts(
            Some("someone"),
            Some("their-client"),
            Some("2026-01-02T00:00:00Z"),
            Some("me")
        )
    );
    assert!(object.modified.as_ref().is_some_and(Modified::is_drift));
    // This client's own change is not drift; a string etag loses its quotes.
    let mut own = envelope.clone();
    own["repo:lastModifiedByClientId"] = json!("me");
    own["repo:etag"] = json!("\"7\"");
    let (object, _) = envelope_object(&own).unwrap();
    assert!(!object.modified.as_ref().is_some_and(Modified::is_drift));
    assert_eq!(object.etag, "7");
    // Members of another type than the client reads count as absent; `schemas` that is no
    // array is not checked; a repeated member counts once, the last.
    let mut odd = envelope.clone();
    odd["repo:createdDate"] = json!(5);
    odd["repo:lastModifiedBy"] = json!({"name": "someone"});
    odd["schemas"] = json!("not a list");
    let (object, created) = envelope_object(&odd).unwrap();
    assert_eq!(created, "");
    assert_eq!(object.modified.as_ref().and_then(|m| m.by.clone()), None);
    let repeated = envelope.to_string().replacen(
        r#""instanceId":"abc""#,
        r#""instanceId":"first","instanceId":"abc""#,
        1,
    );
    let read: super::wire::Envelope = serde_json::from_str(&repeated).unwrap();
    let (object, _) = super::wire::parse_envelope(Kind::Tag, read, "me").unwrap();
    assert_eq!(object.instance_id, "abc");

    let with = |key: &str, value: serde_json::Value| {
        let mut changed = envelope.clone();
        changed[key] = value;
        changed
    };
    let without = |key: &str| {
        let mut changed = envelope.clone();
        changed.as_object_mut().unwrap().remove(key);
        changed
    };
    for (bad, problem) in [
        (without("_instance"), "has no _instance object"),
        (with("_instance", json!([1])), "has no _instance object"),
        (with("_instance", json!({"xdm:name": "x"})), "has no @id"),
        (with("_instance", json!({"@id": 7})), "has no @id"),
        (without("instanceId"), "without an instanceId"),
        (with("instanceId", json!("")), "without an instanceId"),
        (without("repo:etag"), "has no repo:etag"),
        (
            with("schemas", json!([Kind::Offer.schema_id(), 3])),
            "has schemas",
        ),
        (json!([envelope.clone()]), "without an instanceId"),
    ] {
        let error = envelope_object(&bad).unwrap_err();
        assert!(error.contains(problem), "{bad}: {error}");
    }
    let too_big = envelope
        .to_string()
        .replace(r#""x:more":[1"#, r#""x:more":[1e400"#);
    let read: super::wire::Envelope = serde_json::from_str(&too_big).unwrap();
    let error = super::wire::parse_envelope(Kind::Tag, read, "me").unwrap_err();
    assert!(error.contains("not JSON a reader accepts"), "{error}");
}

/// A list page's envelopes stream into live objects; the members the client does not read
/// are still read with every check of a parse: too deep or not JSON fails the page.
#[test]
fn a_list_page_reads_each_envelope_and_checks_what_it_drops() {
    use super::wire::{Envelope, parse_envelope};
    use crate::live::compact::{self, StreamError};
    use crate::providers::adobe::kind::Kind;

    let envelope = |n: u64| {
        json!({
            "instanceId": format!("id-{n}"), "repo:etag": n, "schemas": [Kind::Tag.schema_id()],
            "_links": {"self": {"name": "n", "href": "/c/instances/x", "@type": "t"}},
            "_instance": {"@id": format!("xcore:tag:{n}"), "xdm:name": format!("T{n}")},
        })
    };
    let page = json!({"_embedded": {"results": [envelope(1), envelope(2)], "count": 2}});
    let mut listed = Vec::new();
    let (rest, taken) = compact::stream_slice(
        page.to_string().as_bytes(),
        &["_embedded", "results"],
        |item: Envelope| {
            listed.push(parse_envelope(Kind::Tag, item, "me")?.0);
            Ok(())
        },
    )
    .expect("a page");
    assert_eq!(taken, Some(2));
    assert_eq!(rest["_embedded"]["count"], 2);
    let names: Vec<(&str, &str)> = listed.iter().map(|o| (o.id.as_str(), o.name())).collect();
    assert_eq!(names, [("xcore:tag:1", "T1"), ("xcore:tag:2", "T2")]);
    for (n, object) in listed.iter().enumerate() {
        assert_eq!(object.instance, envelope(n as u64 + 1)["_instance"]);
    }
    let deep = format!("{}1{}", "[".repeat(130), "]".repeat(130));
    for bad in [
        page.to_string()
            .replacen(r#""@type":"t""#, &format!(r#""@type":{deep}"#), 1),
        page.to_string()
            .replacen(r#""@type":"t""#, r#""@type":[1,]"#, 1),
    ] {
        let read =
            compact::stream_slice(bad.as_bytes(), &["_embedded", "results"], |_: Envelope| {
                Ok(())
            });
        assert!(matches!(read, Err(StreamError::Json(_))), "{bad}");
    }
}
