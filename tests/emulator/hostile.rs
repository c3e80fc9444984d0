//! Issue 26 over HTTP: a JSON Patch that doubles a document is refused (413) by both APIs in
//! bounded memory; a document nested past what a client can read is refused with a 4xx naming
//! the property, and a client reading one anyway names the object; a server echoing a
//! credential back in any encoding never gets it printed.

use axum::Router;
use axum::routing::{get, post};
use offerctl::backend::Backend;
use offerctl::json_bounds::MAX_DEPTH;
use offerctl::providers::adobe::clients::dps::DpsClient;
use offerctl::providers::adobe::clients::xcore::{
    Auth, ClientCredentials, DEFAULT_SCOPES, XcoreClient,
};
use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::adobe::serve::DPS_BASE;
use offerctl::secret::Secret;
use reqwest::{Method, StatusCode, Url};
use serde_json::{Value, json};

use crate::support::*;

/// Peak resident memory of a process, from `/proc` (Linux).
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmHWM")
        * 1024
}

/// `n` copies of the document (or `/_instance`) into new children of itself: each doubles it.
fn doubling(from: &str, n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!({"op": "copy", "from": from, "path": format!("{from}/c{i}")}))
            .collect(),
    )
}

/// Case 1: 26 doubling copies (2^26 times the document: it reached 15 GB before) are answered
/// 413 by XCore (`/_instance`) and DPS (`""`), and the server's memory stays bounded.
#[tokio::test(flavor = "multi_thread")]
async fn a_doubling_patch_is_refused_with_413_in_bounded_memory() {
    let serve = ServeProcess::spawn(0, &[], Log::Quiet);
    let remote = Remote::new(&serve.url);
    let tag = remote
        .create(
            Kind::Tag,
            json!({"xdm:name": "amplified", "xdm:description": "x".repeat(1000)}),
        )
        .await;
    let response = remote
        .patch(
            tag["instanceId"].as_str().unwrap(),
            doubling("/_instance", 26),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.expect("problem");
    assert!(
        body.to_string().contains("larger than 8388608 bytes"),
        "{body}"
    );

    let id = tag["_instance"]["@id"]
        .as_str()
        .or(tag["@id"].as_str())
        .unwrap()
        .to_string();
    let response = remote
        .req(
            Method::PATCH,
            &format!("{DPS_BASE}/tags/{}", id.replace(':', "%3A")),
        )
        .header("content-type", "application/json-patch+json")
        .body(doubling("", 26).to_string())
        .send()
        .await
        .expect("request");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{text}");
    // The stored tag is unchanged, and the server is well.
    let (status, stored) = remote.get(tag["instanceId"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(stored["_instance"].get("c0").is_none(), "{stored}");
    let peak = peak_rss(serve.child.id());
    assert!(peak < 512 << 20, "serve peaked at {} MiB", peak >> 20);
}

fn nested(levels: usize) -> Value {
    let mut value = json!("bottom");
    for _ in 0..levels {
        value = json!({"deeper": value});
    }
    value
}

/// Case 4: a tag with a property nested 126 levels is refused by both APIs with a 4xx naming
/// the property (it was stored, and then broke every plan); so is a patch that nests one.
/// (Through XCore the envelope adds a level: 125 is the deepest its parser reads.)
#[tokio::test(flavor = "multi_thread")]
async fn a_document_nested_too_deep_for_clients_is_refused_by_both_apis() {
    let emu = Emu::start().await;
    let response = emu
        .post(
            Kind::Tag,
            json!({"xdm:name": "deep", "x:deep": nested(125)}),
        )
        .await;
    let status = response.status();
    let body: Value = response.json().await.expect("problem");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.to_string().contains("/_instance/x:deep/deeper/deeper"),
        "{body}"
    );
    assert!(
        body.to_string()
            .contains(&format!("nests deeper than {MAX_DEPTH} levels")),
        "{body}"
    );

    let response = emu
        .req(Method::POST, &format!("{DPS_BASE}/tags"))
        .header("content-type", "application/json")
        .body(json!({"name": "deep", "x:deep": nested(126)}).to_string())
        .send()
        .await
        .expect("request");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    assert!(status.is_client_error(), "{status} {text}");
    assert!(text.contains("deeper than"), "{text}");

    // Exactly at the limit is accepted and read back by the client.
    let fits = emu
        .create(
            Kind::Tag,
            json!({"xdm:name": "fits", "x:deep": nested(MAX_DEPTH - 2)}),
        )
        .await;
    let response = emu
        .patch(
            fits["instanceId"].as_str().unwrap(),
            json!([{"op": "add", "path": "/_instance/more", "value": nested(MAX_DEPTH)}]),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let listed = client(&emu.server.url())
        .list(Kind::Tag.core())
        .await
        .expect("readable");
    assert!(listed.iter().any(|o| o.name() == "fits"));
}

/// Case 4, the other side: a server that holds an object too deep to read gets it named in the
/// client's error, not "page 1 is not JSON".
#[tokio::test(flavor = "multi_thread")]
async fn a_client_reading_a_too_deep_object_names_it() {
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let page = format!(
        r#"{{"_embedded": {{"total": 1, "count": 1, "results": [{{"instanceId": "abc123", "schema": "{schema}", "_instance": {{"@id": "xcore:tag:deep1", "xdm:name": "deep tag", "v": {deep}}}, "repo:etag": 1}}]}}, "_links": {{}}}}"#,
        schema = Kind::Tag.schema_id()
    );
    let router = Router::new().fallback(get(move || {
        let page = page.clone();
        async move { ([("content-type", "application/json")], page) }
    }));
    let origin = fake_server(router).await;
    let mut config = config(&origin);
    config.container = Some("c".into());
    let client = XcoreClient::new(config).expect("valid");
    let error = client.list(Kind::Tag.core()).await.expect_err("too deep");
    let message = error.to_string();
    assert!(message.contains("instanceId \"abc123\""), "{message}");
    assert!(message.contains("xdm:name \"deep tag\""), "{message}");
    assert!(
        message.contains("nests deeper than a JSON reader accepts"),
        "{message}"
    );
}

/// The same over the Decision Management API, whose items are read straight into canonical
/// text as the page is parsed: one too deep is named; one the direct reading declines (a
/// repeated name) is read again as a value, the last of the repeated member kept; one the
/// mapping refuses names the object; a number out of range names the page.
#[tokio::test(flavor = "multi_thread")]
async fn a_dps_client_names_an_unreadable_object_and_reads_a_declined_one() {
    let serve = |items: String| async move {
        let count = items.matches(r#""etag""#).count();
        let page = format!(
            r#"{{"results": [{items}], "count": {count}, "total": {count}, "_links": {{}}}}"#
        );
        let router = Router::new().fallback(get(move || {
            let page = page.clone();
            async move { ([("content-type", "application/json")], page) }
        }));
        let origin = fake_server(router).await;
        DpsClient::new(&config(&origin).connection(), 50).expect("valid")
    };
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let client = serve(format!(
        r#"{{"id": "dps:tag:deep1", "name": "deep tag", "v": {deep}, "etag": 1}}"#
    ))
    .await;
    let message = client
        .list(Kind::Tag.core())
        .await
        .expect_err("too deep")
        .to_string();
    assert!(message.contains(r#"id "dps:tag:deep1""#), "{message}");
    assert!(message.contains(r#"name "deep tag""#), "{message}");
    assert!(
        message.contains("nests deeper than a JSON reader accepts"),
        "{message}"
    );

    // Between two others on its page: each is read, and as itself.
    let client = serve(
        [
            r#"{"id": "dps:tag:before", "name": "b", "etag": 1}"#,
            r#"{"id": "dps:tag:twice", "name": "first", "labels": [{"k": 1}], "name": "second", "etag": 1}"#,
            r#"{"id": "dps:tag:after", "name": "a", "etag": 1}"#,
        ]
        .join(", "),
    )
    .await;
    let listed = client.list(Kind::Tag.core()).await.expect("readable");
    let documents: Vec<Value> = listed.iter().map(|o| o.instance.value()).collect();
    assert_eq!(
        documents,
        vec![
            json!({"@id": "dps:tag:before", "xdm:name": "b"}),
            json!({"@id": "dps:tag:twice", "xdm:name": "second", "labels": [{"k": 1}]}),
            json!({"@id": "dps:tag:after", "xdm:name": "a"}),
        ]
    );
    assert_eq!(listed[1].name, "second");

    let client = serve(r#"{"id": "dps:tag:odd", "xdm:name": "x", "etag": 1}"#.into()).await;
    let message = client
        .list(Kind::Tag.core())
        .await
        .expect_err("refused")
        .to_string();
    assert!(
        message.contains("object dps:tag:odd: /xdm:name"),
        "{message}"
    );

    let client = serve(r#"{"id": "dps:tag:big", "name": "n", "n": 1e400, "etag": 1}"#.into()).await;
    let message = client
        .list(Kind::Tag.core())
        .await
        .expect_err("out of range")
        .to_string();
    assert!(
        message.contains("page 1 is not JSON (number out of range"),
        "{message}"
    );
}

/// Case 5: a token endpoint that echoes the request body back (form-encoded) and a header
/// (JSON-escaped, base64) in its error never gets the client secret printed.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_echoed_by_a_server_in_any_encoding_is_redacted() {
    const SECRET: &str = "SEKRIT/x+y=z\"q\\w";
    let router = Router::new().route(
        "/ims/token/v3",
        post(|body: String| async move {
            use base64::Engine as _;
            let json_escaped = serde_json::to_string(SECRET).unwrap();
            let encoded = base64::engine::general_purpose::STANDARD.encode(format!("client:{SECRET}"));
            let echo = json!({
                "error": "invalid_client",
                "error_description": format!("bad request: {body}; secret {json_escaped}; basic {encoded}"),
            });
            (StatusCode::BAD_REQUEST, axum::Json(echo))
        }),
    );
    let origin = fake_server(router).await;
    let mut config = config(&origin);
    config.container = Some("c".into());
    config.api_key = None;
    config.auth = Auth::ClientCredentials(ClientCredentials {
        client_id: Secret::new("CLIENTID-5b1e8a4c"),
        client_secret: Secret::new(SECRET),
        scopes: DEFAULT_SCOPES.into(),
        token_url: Url::parse(&format!("{origin}/ims/token/v3")).unwrap(),
    });
    let client = XcoreClient::new(config).expect("valid");
    let error = client.list(Kind::Tag.core()).await.expect_err("refused");
    let message = format!("{error} {error:?}");
    assert!(
        message.contains("***"),
        "the echo is shown, redacted: {message}"
    );
    for leak in ["SEKRIT", "U0VLUklU", "x%2By", "q\\\\w"] {
        assert!(!message.contains(leak), "{leak} leaked: {message}");
    }
}

/// Appcharge's side of the same bound: an offer nested deeper than a page of offers can be read
/// back is refused with a 400 naming where, and one at the limit is stored and listed.
#[tokio::test(flavor = "multi_thread")]
async fn an_appcharge_offer_nested_too_deep_for_clients_is_refused() {
    let server = start_emulator(offerctl::providers::serve::ServeArgs::ephemeral()).await;
    let shop = crate::support::appcharge::Shop::new(&server.url());
    let offer = |levels: usize| json!({"publisherOfferId": "deep", "name": "Deep", "type": "Bundle", "x": nested(levels)});
    let (status, body) = shop
        .call(Method::POST, "/v2/offer", Some(offer(MAX_DEPTH + 5)))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.to_string().contains(&format!(
            "nests deeper than {MAX_DEPTH} levels (at /x/deeper/deeper"
        )),
        "{body}"
    );
    let (status, _) = shop
        .call(Method::GET, "/v2/offer?recordLimit=10", None)
        .await;
    assert_eq!(status, 200, "the refused offer left nothing unreadable");
}
