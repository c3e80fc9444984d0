//! offerctl's XCore client pointed at an emulator with small delays, and tiny fake servers on
//! loopback for answers the emulator never gives (and for the recording proxy of `world`).

use std::net::SocketAddr;
use std::time::Duration;

use offerctl::providers::adobe::clients::xcore::{Auth, RetryPolicy, XcoreClient, XcoreConfig};
use offerctl::secret::Secret;

use super::emulator::{API_KEY, ORG, TOKEN};

/// Retries that take milliseconds, not seconds.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 6,
        base_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(3),
    }
}

/// A configuration for `base` (`http://127.0.0.1:PORT`) with the harness's static token and
/// quick retries.
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

/// Serves `router` on an ephemeral loopback port until the returned task ends or is aborted;
/// returns `http://127.0.0.1:PORT` and the task.
pub async fn serve_router(router: axum::Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{addr}"), task)
}

/// Serves `router` on an ephemeral loopback port for the rest of the test; returns
/// `http://127.0.0.1:PORT`.
pub async fn fake_server(router: axum::Router) -> String {
    serve_router(router).await.0
}
