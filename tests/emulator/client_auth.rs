//! Authentication, container discovery, endpoint checks, and keeping secrets out of logs,
//! `Debug` output and errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use offerctl::backend::{Backend, ErrorKind};
use offerctl::providers::adobe::clients::xcore::{
    Auth, ClientCredentials, DEFAULT_SCOPES, XcoreClient, XcoreConfig,
};
use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::serve::ServeArgs;
use offerctl::secret::Secret;
use reqwest::Url;
use serde_json::json;

use crate::support::*;

const CLIENT_ID: &str = "CLIENTID-5b1e8a4c";
const CLIENT_SECRET: &str = "CLIENTSECRET-77d2e0f1";
const ISSUED_TOKEN: &str = "ISSUEDTOKEN-9f3a1c2d";

/// An emulator that accepts only our client credentials and issues `ISSUED_TOKEN`.
async fn locked_emulator() -> Emu {
    Emu::with(ServeArgs {
        token: Some(ISSUED_TOKEN.into()),
        client_id: Some(CLIENT_ID.into()),
        client_secret: Some(CLIENT_SECRET.into()),
        ..ServeArgs::ephemeral()
    })
    .await
}

fn oauth_config(base: &str, token_url: &str, secret: &str) -> XcoreConfig {
    let mut config = config(base);
    config.api_key = None; // defaults to the client id
    config.auth = Auth::ClientCredentials(ClientCredentials {
        client_id: Secret::new(CLIENT_ID),
        client_secret: Secret::new(secret),
        scopes: DEFAULT_SCOPES.into(),
        token_url: Url::parse(token_url).expect("url"),
    });
    config
}

fn oauth_client(emu: &Emu, secret: &str) -> XcoreClient {
    XcoreClient::new(oauth_config(
        &emu.server.url(),
        &emu.url("/ims/token/v3"),
        secret,
    ))
    .expect("valid")
}

#[tokio::test]
async fn client_credentials_are_exchanged_once_for_concurrent_requests() {
    let emu = locked_emulator().await;
    let client = oauth_client(&emu, CLIENT_SECRET);
    let (tags, placements, offers, rules) = tokio::join!(
        client.list(Kind::Tag.core()),
        client.list(Kind::Placement.core()),
        client.list(Kind::Offer.core()),
        client.list(Kind::Rule.core()),
    );
    for list in [tags, placements, offers, rules] {
        assert!(list.expect("list").is_empty());
    }
    client
        .create(Kind::Tag.core(), &tag("t"))
        .await
        .expect("create");
    let stats = emu.stats().await;
    assert_eq!(stat(&stats, "byRoute", TOKEN_ROUTE), 1, "{stats}");
    assert_eq!(stat(&stats, "byRoute", LIST_ROUTE), 4, "{stats}");
}

#[tokio::test]
async fn a_wrong_client_secret_is_an_auth_error() {
    let emu = locked_emulator().await;
    let client = oauth_client(&emu, "not-the-secret-1234");
    let error = client.list(Kind::Tag.core()).await.expect_err("refused");
    assert_eq!(error.kind, ErrorKind::Auth, "{error:?}");
    assert_eq!(error.status, Some(401));
    assert!(error.message.contains("token"), "{}", error.message);
    assert!(error.message.contains("/ims/token/v3"), "{}", error.message);
    assert!(
        error
            .message
            .starts_with("finding the container of sandbox prod: "),
        "{}",
        error.message
    );
    assert!(
        error.message.contains(&emu.url("/ims/token/v3")),
        "{}",
        error.message
    );
    assert!(
        !error.message.contains("not-the-secret-1234"),
        "{}",
        error.message
    );
    let stats = emu.stats().await;
    assert_eq!(
        stat(&stats, "byRoute", TOKEN_ROUTE),
        1,
        "a 401 is not retried: {stats}"
    );
    assert_eq!(stat(&stats, "byRoute", LIST_ROUTE), 0, "{stats}");
}

#[tokio::test]
async fn a_wrong_static_token_is_an_auth_error() {
    let emu = Emu::with(ServeArgs {
        token: Some("the-right-token".into()),
        ..ServeArgs::ephemeral()
    })
    .await;
    let mut config = config(&emu.server.url());
    config.auth = Auth::Token(Secret::new("a-wrong-token-5678"));
    config.container = Some(emu.container());
    let client = XcoreClient::new(config).expect("valid");
    let error = client.list(Kind::Tag.core()).await.expect_err("refused");
    assert_eq!(error.kind, ErrorKind::Auth, "{error:?}");
    assert_eq!(error.status, Some(401));
    assert!(
        error.message.contains("Oauth token is not valid"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("OFFERCTL_ACCESS_TOKEN"),
        "{}",
        error.message
    );
    assert!(!error.message.contains("a-wrong-token-5678"));
    assert_eq!(error.exit(), offerctl::exit::Exit::Auth);
    let stats = emu.stats().await;
    assert_eq!(
        stat(&stats, "byRoute", LIST_ROUTE),
        1,
        "a static token is not retried: {stats}"
    );

    // 403 (here: a missing API key at the gateway) is an auth failure too.
    let mut config = crate::support::config(&emu.server.url());
    config.auth = Auth::Token(Secret::new("the-right-token"));
    config.api_key = Some(Secret::new("   "));
    assert!(
        XcoreClient::new(config).is_err(),
        "an empty API key is refused up front"
    );
}

/// A token endpoint that issues `t1`, `t2`, ... and an API that accepts only `accepted`.
fn rotating_tokens(accepted: &'static str, issued: Arc<AtomicUsize>) -> Router {
    Router::new()
        .route(
            "/ims/token/v3",
            post(move || {
                let issued = issued.clone();
                async move {
                    let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
                    axum::Json(json!({"access_token": format!("t{n}"), "expires_in": 86399}))
                }
            }),
        )
        .route(
            "/data/core/xcore/c/instances",
            get(move |headers: HeaderMap| async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                if auth == format!("Bearer {accepted}") {
                    Ok(axum::Json(
                        json!({"_embedded": {"results": [], "count": 0}}),
                    ))
                } else {
                    Err((
                        StatusCode::UNAUTHORIZED,
                        axum::Json(
                            json!({"error_code": "401013", "message": "Oauth token is not valid"}),
                        ),
                    ))
                }
            }),
        )
}

#[tokio::test]
async fn a_401_exchanges_the_credentials_again_once() {
    let issued = Arc::new(AtomicUsize::new(0));
    let base = fake_server(rotating_tokens("t2", issued.clone())).await;
    let mut config = oauth_config(&base, &format!("{base}/ims/token/v3"), CLIENT_SECRET);
    config.container = Some("c".into());
    let client = XcoreClient::new(config).expect("valid");
    assert!(
        client
            .list(Kind::Tag.core())
            .await
            .expect("list after a refresh")
            .is_empty()
    );
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    // The refreshed token is kept for later calls.
    client.list(Kind::Tag.core()).await.expect("list");
    assert_eq!(issued.load(Ordering::SeqCst), 2);

    // A token that keeps being refused: one refresh, then an auth error.
    let issued = Arc::new(AtomicUsize::new(0));
    let base = fake_server(rotating_tokens("never", issued.clone())).await;
    let mut config = oauth_config(&base, &format!("{base}/ims/token/v3"), CLIENT_SECRET);
    config.container = Some("c".into());
    let client = XcoreClient::new(config).expect("valid");
    let error = client.list(Kind::Tag.core()).await.expect_err("refused");
    assert_eq!(error.kind, ErrorKind::Auth, "{error:?}");
    assert_eq!(issued.load(Ordering::SeqCst), 2);
}

fn home_with(containers: serde_json::Value) -> Router {
    Router::new().route(
        "/data/core/xcore/",
        get(move || {
            let containers = containers.clone();
            async move {
                axum::Json(json!({
                    "_embedded": {"https://ns.adobe.com/experience/xcore/container": containers},
                    "_links": {"self": {"href": "/"}},
                }))
            }
        }),
    )
}

#[tokio::test]
async fn the_container_is_discovered_once_and_must_be_unique() {
    let emu = Emu::start().await;
    let client = client(&emu.server.url());
    assert!(client.describe().contains("discovered on first use"));
    assert_eq!(
        client.container().await.expect("one container"),
        emu.container()
    );
    client.list(Kind::Tag.core()).await.expect("list");
    assert!(
        client.describe().contains(&emu.container()),
        "{}",
        client.describe()
    );
    let stats = emu.stats().await;
    assert_eq!(
        stat(&stats, "byRoute", "GET /data/core/xcore/"),
        1,
        "{stats}"
    );

    let base = fake_server(home_with(json!([]))).await;
    let error = crate::support::client(&base)
        .list(Kind::Tag.core())
        .await
        .expect_err("no container");
    assert!(error.message.contains("none"), "{}", error.message);
    assert!(error.message.contains("--container"), "{}", error.message);
    assert!(error.message.contains("prod"), "{}", error.message);

    let two = json!([
        {"instanceId": "c-one", "productContexts": ["acp"], "_instance": {"repo:name": "first"}},
        {"instanceId": "c-two", "productContexts": ["acp"], "_instance": {"repo:name": "second"}},
        {"instanceId": "c-dev", "productContexts": ["acp"], "_instance": {"parentName": "dev"}},
    ]);
    let base = fake_server(home_with(two)).await;
    let error = crate::support::client(&base)
        .list(Kind::Tag.core())
        .await
        .expect_err("ambiguous");
    assert!(error.message.contains("c-one (first)"), "{}", error.message);
    assert!(
        error.message.contains("c-two (second)"),
        "{}",
        error.message
    );
    assert!(
        !error.message.contains("c-dev"),
        "another sandbox's: {}",
        error.message
    );
    assert!(error.message.contains("--container"), "{}", error.message);
}

#[test]
fn plain_http_to_a_remote_host_is_refused_before_connecting() {
    let error = XcoreClient::new(config("http://platform.adobe.io")).expect_err("refused");
    assert!(
        error.to_string().contains("http://platform.adobe.io"),
        "{error}"
    );
    assert!(error.to_string().contains("https://"), "{error}");
    let error = XcoreClient::new(oauth_config(
        "https://platform.adobe.io",
        "http://ims.example.com/ims/token/v3",
        CLIENT_SECRET,
    ))
    .expect_err("a token URL over http is refused too");
    assert!(error.to_string().contains("token URL"), "{error}");
    for loopback in ["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9"] {
        assert!(XcoreClient::new(config(loopback)).is_ok(), "{loopback}");
    }
}
