//! Gateway behaviour of `offerctl serve`: credentials, the IMS token endpoint, fault and
//! latency injection, request statistics and sandbox reset.

use std::time::{Duration, Instant};

use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::adobe::repository::ListQuery;
use offerctl::providers::serve::ServeArgs;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

async fn status_and_body(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn missing_gateway_headers_get_the_gateway_error_shape() {
    let emu = Emu::start().await;
    let url = emu.url("/");
    let cases = [
        (None, Some("k"), Some("o"), StatusCode::FORBIDDEN, "403010"),
        (
            Some("Basic abc"),
            Some("k"),
            Some("o"),
            StatusCode::FORBIDDEN,
            "403010",
        ),
        (
            Some("Bearer t"),
            None,
            Some("o"),
            StatusCode::FORBIDDEN,
            "403000",
        ),
        (
            Some("Bearer t"),
            Some("k"),
            None,
            StatusCode::BAD_REQUEST,
            "400003",
        ),
    ];
    for (auth, key, org, status, code) in cases {
        let mut request = emu.client.get(&url);
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        if let Some(org) = org {
            request = request.header("x-gw-ims-org-id", org);
        }
        let (got, body) = status_and_body(request).await;
        assert_eq!(got, status, "{auth:?} {key:?} {org:?}");
        assert_eq!(body["error_code"], code);
        assert!(body["message"].is_string());
    }
    let (ok, _) = status_and_body(emu.req(Method::GET, "/")).await;
    assert_eq!(ok, StatusCode::OK);
}

#[tokio::test]
async fn with_a_token_only_that_token_is_accepted_and_ims_issues_it() {
    let emu = Emu::with(ServeArgs {
        token: Some("s3cret-token".into()),
        client_id: Some("my-client".into()),
        client_secret: Some("my-secret".into()),
        ..ServeArgs::ephemeral()
    })
    .await;
    let (status, body) = status_and_body(emu.req(Method::GET, "/")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error_code"], "401013");

    let ims = emu.url("/ims/token/v3");
    let form = |pairs: &str| {
        emu.client
            .post(&ims)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(pairs.to_string())
    };
    let (status, body) = status_and_body(form(
        "grant_type=client_credentials&client_id=my-client&client_secret=wrong&scope=openid",
    ))
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");
    let (status, body) = status_and_body(form(
        "grant_type=password&client_id=my-client&client_secret=my-secret",
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "unsupported_grant_type");
    let (status, _) = status_and_body(form("grant_type=client_credentials")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, token) = status_and_body(form(
        "grant_type=client_credentials&client_id=my-client&client_secret=my-secret&scope=openid%2CAdobeID",
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(token["token_type"], "bearer");
    assert_eq!(token["expires_in"], 86399);
    let access = token["access_token"].as_str().expect("a token").to_string();
    assert_eq!(access, "s3cret-token");

    let with = |api_key: &str| {
        emu.client
            .get(emu.url("/"))
            .bearer_auth(&access)
            .header("x-api-key", api_key)
            .header("x-gw-ims-org-id", "o")
    };
    assert_eq!(
        with("my-client").send().await.expect("request").status(),
        StatusCode::OK
    );
    let (status, body) = status_and_body(with("someone-else")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error_code"], "403003");

    // Parameters may also come in the query string.
    let query = emu
        .client
        .post(format!(
            "{ims}?grant_type=client_credentials&client_id=my-client&client_secret=my-secret"
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(query.status(), StatusCode::OK);
}

#[tokio::test]
async fn without_configured_credentials_ims_issues_fresh_tokens() {
    let emu = Emu::start().await;
    let (status, token) = status_and_body(
        emu.client
            .post(emu.url("/ims/token/v3"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&client_id=a&client_secret=b"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(token["access_token"].as_str().is_some_and(|t| t.len() > 16));
    let (status, body) = status_and_body(
        emu.client
            .post(emu.url("/ims/token/v3"))
            .header("content-type", "application/json")
            .body("{}"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn fail_rate_one_answers_503_before_doing_anything() {
    let emu = Emu::with(ServeArgs {
        fail_rate: 1.0,
        ..ServeArgs::ephemeral()
    })
    .await;
    let response = emu.post(Kind::Tag, json!({"xdm:name": "never"})).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error_code"], "503000");
    let query = ListQuery {
        schema: Some(Kind::Tag.schema_id()),
        ..ListQuery::default()
    };
    let page = emu
        .server
        .repository()
        .list("prod", &emu.container(), &query)
        .expect("list");
    assert_eq!(page.total, 0, "a failed request must not commit");
    let stats = emu.stats().await;
    assert_eq!(stats["byStatus"]["503"], 1);
}

#[tokio::test]
async fn seeded_faults_are_reproducible() {
    async fn statuses(seed: u64) -> Vec<u16> {
        let emu = Emu::with(ServeArgs {
            fail_rate: 0.5,
            seed: Some(seed),
            ..ServeArgs::ephemeral()
        })
        .await;
        let mut out = Vec::new();
        for _ in 0..24 {
            out.push(
                emu.req(Method::GET, "/")
                    .send()
                    .await
                    .expect("request")
                    .status()
                    .as_u16(),
            );
        }
        out
    }
    let first = statuses(7).await;
    assert_eq!(first, statuses(7).await);
    assert!(first.contains(&503) && first.contains(&200), "{first:?}");
    assert_ne!(first, statuses(8).await);
}

#[tokio::test]
async fn throttling_answers_429_with_retry_after() {
    // One request per 1000 s: the first passes, the next is throttled whatever the timing.
    let emu = Emu::with(ServeArgs {
        throttle: Some(0.001),
        ..ServeArgs::ephemeral()
    })
    .await;
    assert_eq!(
        emu.req(Method::GET, "/")
            .send()
            .await
            .expect("request")
            .status(),
        StatusCode::OK
    );
    let throttled = emu.req(Method::GET, "/").send().await.expect("request");
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = throttled
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a numeric Retry-After");
    assert!(retry_after >= 1);
    let body: Value = throttled.json().await.expect("json");
    assert_eq!(body["error_code"], "429050");
}

#[tokio::test]
async fn throttle_every_refuses_every_nth_request_however_fast_they_come() {
    // Counted by arrival, not by time: the 3rd and the 6th request are refused.
    let emu = Emu::with(ServeArgs {
        throttle_every: Some(3),
        ..ServeArgs::ephemeral()
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let response = emu.req(Method::GET, "/").send().await.expect("request");
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(
                response.headers().get("retry-after").map(|v| v.as_bytes()),
                Some(&b"1"[..])
            );
        }
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 429, 200, 200, 429, 200]);
    assert_eq!(stat(&emu.stats().await, "byStatus", "429"), 2);
}

#[tokio::test]
async fn latency_delays_every_request() {
    let emu = Emu::with(ServeArgs {
        latency: 40,
        ..ServeArgs::ephemeral()
    })
    .await;
    let started = Instant::now();
    let response = emu.req(Method::GET, "/").send().await.expect("request");
    // A lower bound only: the server sleeps at least this long; no upper bound is asserted.
    assert!(started.elapsed() >= Duration::from_millis(40));
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn drop_after_commit_commits_then_closes_the_connection_without_a_response() {
    let emu = Emu::with(ServeArgs {
        drop_after_commit: 1.0,
        ..ServeArgs::ephemeral()
    })
    .await;
    let schema = format!("{HAL}; schema=\"{}\"", Kind::Tag.schema_id());
    let result = emu
        .req(Method::POST, &emu.instances())
        .header("content-type", &schema)
        .json(&json!({"_instance": {"xdm:name": "committed"}, "_links": {}}))
        .send()
        .await;
    let error = result.expect_err("the client must not get a response");
    assert!(!error.is_status(), "{error:?}");

    // Reads are never dropped: the write is there.
    let tags = emu.list_all(Kind::Tag, "").await;
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0]["_instance"]["xdm:name"], "committed");
    let tag_id = tags[0]["instanceId"].as_str().expect("id").to_string();

    // A naive retry creates a duplicate-named tag: rejected with 409, which a careful client
    // resolves by reading; patches and failed writes behave as expected too.
    let retry = emu
        .req(Method::POST, &emu.instances())
        .header("content-type", &schema)
        .json(&json!({"_instance": {"xdm:name": "committed"}, "_links": {}}))
        .send()
        .await
        .expect("a failed write is answered normally");
    assert_eq!(retry.status(), StatusCode::CONFLICT);
    let patch = emu
        .req(Method::PATCH, &emu.instance(&tag_id))
        .header("content-type", PATCH_HAL)
        .body(
            json!([{"op": "replace", "path": "/_instance/xdm:name", "value": "patched"}])
                .to_string(),
        )
        .send()
        .await;
    assert!(patch.is_err());
    let (_, now) = emu.get(&tag_id).await;
    assert_eq!(now["_instance"]["xdm:name"], "patched");
    assert_eq!(now["repo:etag"], 2);
    let stats = emu.stats().await;
    assert_eq!(stats["dropped"], 2);
}

#[tokio::test]
async fn stats_count_requests_by_method_and_route() {
    let emu = Emu::start().await;
    let tag = emu.create(Kind::Tag, json!({"xdm:name": "a"})).await;
    emu.create(Kind::Tag, json!({"xdm:name": "b"})).await;
    emu.get(&id(&tag)).await;
    emu.patch(
        &id(&tag),
        json!([{"op": "replace", "path": "/_instance/xdm:name", "value": "c"}]),
        None,
    )
    .await;
    emu.list_all(Kind::Tag, "").await;
    let stats = emu.stats().await;
    let routes = &stats["byRoute"];
    assert_eq!(routes["POST /data/core/xcore/{containerId}/instances"], 2);
    assert_eq!(
        routes["GET /data/core/xcore/{containerId}/instances/{instanceId}"],
        1
    );
    assert_eq!(
        routes["PATCH /data/core/xcore/{containerId}/instances/{instanceId}"],
        1
    );
    assert_eq!(routes["GET /data/core/xcore/{containerId}/instances"], 1);
    assert_eq!(stats["byMethod"]["POST"], 2);
    assert_eq!(stats["total"], 5);
    assert_eq!(stats["byStatus"]["201"], 2);
    // The stats endpoint does not count itself; DELETE clears the counters.
    assert_eq!(emu.stats().await["total"], 5);
    let cleared = emu
        .client
        .delete(emu.url("/_emulator/stats"))
        .send()
        .await
        .expect("request");
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert_eq!(emu.stats().await["total"], 0);
}

#[tokio::test]
async fn reset_clears_one_sandbox() {
    let emu = Emu::start().await;
    emu.create(Kind::Tag, json!({"xdm:name": "prod-tag"})).await;
    let dev_tag = emu
        .req_in(
            "dev",
            Method::POST,
            &format!("/{}/instances", emu.server.container_id("dev")),
        )
        .header(
            "content-type",
            format!("{HAL}; schema=\"{}\"", Kind::Tag.schema_id()),
        )
        .json(&json!({"_instance": {"xdm:name": "dev-tag"}, "_links": {}}))
        .send()
        .await
        .expect("request");
    assert_eq!(dev_tag.status(), StatusCode::CREATED);
    let reset = emu
        .client
        .post(emu.url("/_emulator/reset?sandbox=prod"))
        .send()
        .await
        .expect("request");
    assert_eq!(reset.status(), StatusCode::OK);
    let body: Value = reset.json().await.expect("json");
    assert_eq!(body["containerId"], emu.container().as_str());
    assert_eq!(emu.list_all(Kind::Tag, "").await.len(), 0);
    let dev_list = emu
        .req_in(
            "dev",
            Method::GET,
            &format!(
                "/{}/instances?schema={}",
                emu.server.container_id("dev"),
                Kind::Tag.schema_id()
            ),
        )
        .send()
        .await
        .expect("request")
        .json::<Value>()
        .await
        .expect("json");
    assert_eq!(results(&dev_list).len(), 1);
}

#[tokio::test]
async fn graceful_shutdown_completes() {
    let emu = Emu::start().await;
    emu.create(Kind::Tag, json!({"xdm:name": "a"})).await;
    let url = emu.url("/");
    emu.server.shutdown().await.expect("clean shutdown");
    let after = http_client().get(url).send().await;
    assert!(after.is_err(), "the server must be gone");
}
