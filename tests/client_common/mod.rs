//! Helpers shared by the `client_*` tests: an `XcoreClient` pointed at the in-process emulator
//! with small delays, and tiny fake servers for answers the emulator never gives.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use offerctl::backend::xcore::{Auth, RetryPolicy, XcoreClient, XcoreConfig};
use offerctl::secret::Secret;
use serde_json::{Value, json};

/// The credentials `tests/common` sends, accepted by an emulator started without `--token`.
pub const TOKEN: &str = "test-token";
pub const API_KEY: &str = "test-client";
pub const ORG: &str = "TEST@AdobeOrg";

/// Retries that take milliseconds, not seconds.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 6,
        base_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(3),
    }
}

/// A configuration for `base` (`http://127.0.0.1:PORT`) with a static token and quick retries.
pub fn config(base: &str) -> XcoreConfig {
    let mut config = XcoreConfig::new(base, "prod", ORG, Auth::Token(Secret::new(TOKEN)));
    config.api_key = Some(Secret::new(API_KEY));
    config.retry = fast_retry();
    config.connect_timeout = Duration::from_secs(2);
    config.request_timeout = Duration::from_secs(10);
    config.delete_poll_interval = Duration::from_millis(5);
    config
}

pub fn client(base: &str) -> XcoreClient {
    XcoreClient::new(config(base)).expect("a valid configuration")
}

pub fn tag(name: &str) -> Value {
    json!({"xdm:name": name})
}

/// How many requests the emulator counted for `route` (`"GET /data/core/xcore/..."`).
pub fn route_count(stats: &Value, route: &str) -> u64 {
    stats["byRoute"][route].as_u64().unwrap_or(0)
}

pub fn status_count(stats: &Value, status: u16) -> u64 {
    stats["byStatus"][status.to_string()].as_u64().unwrap_or(0)
}

pub const LIST_ROUTE: &str = "GET /data/core/xcore/{containerId}/instances";
pub const READ_ROUTE: &str = "GET /data/core/xcore/{containerId}/instances/{instanceId}";
pub const CREATE_ROUTE: &str = "POST /data/core/xcore/{containerId}/instances";
pub const TOKEN_ROUTE: &str = "POST /ims/token/v3";

/// Serves `router` on an ephemeral loopback port; returns `http://127.0.0.1:PORT`.
pub async fn fake_server(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}
