//! What the gateway does before and after a request reaches a facade: request ids, per-request
//! logging, request statistics, injected faults, and the owning facade's credential check.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use super::Facade;
use super::conn::ConnHandle;
use super::faults::Faults;
use super::stats::Stats;

/// Marks a response to a write that committed; only those may be dropped after commit.
#[derive(Clone, Copy, Debug)]
pub struct Committed;

const REQUEST_ID: &str = "x-request-id";

/// The gateway's state: faults, statistics, and the facades whose paths it guards.
pub(crate) struct Gateway {
    pub(super) faults: Faults,
    pub(super) stats: Stats,
    facades: Vec<Arc<dyn Facade>>,
}

impl Gateway {
    pub(super) fn new(faults: Faults, facades: Vec<Arc<dyn Facade>>) -> Gateway {
        Gateway {
            faults,
            stats: Stats::default(),
            facades,
        }
    }

    /// The facade owning `path`; the first one for paths nobody claims.
    pub(super) fn facade(&self, path: &str) -> Option<&dyn Facade> {
        self.facades
            .iter()
            .find(|f| f.owns(path))
            .or(self.facades.first())
            .map(|f| f.as_ref())
    }
}

/// The middleware around every route.
pub(super) async fn gate(
    State(gateway): State<Arc<Gateway>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    let path = request.uri().path().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
                .unwrap_or(HeaderValue::from_static("-"))
        });
    let internal = path.starts_with("/_emulator/");

    let mut response = if internal {
        next.run(request).await
    } else {
        match before(&gateway, &path, request.headers()).await {
            Err(rejection) => rejection,
            Ok(()) => next.run(request).await,
        }
    };

    let mut dropped = false;
    if response.extensions().get::<Committed>().is_some() && gateway.faults.drop_response() {
        conn.kill();
        dropped = true;
    }
    response
        .headers_mut()
        .insert(REQUEST_ID, request_id.clone());
    let status = response.status();
    if !internal {
        let route = route.as_deref().unwrap_or("(unmatched)");
        gateway.stats.record(&method, route, status, dropped);
    }
    // The path only: query strings can carry credentials (token endpoints accept them).
    tracing::info!(
        target: "offerctl::serve",
        method = %method,
        path = %path,
        status = status.as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        request_id = request_id.to_str().unwrap_or("-"),
        dropped,
        "request"
    );
    response
}

/// Latency, then injected failure, then throttling, then credentials; each rejection in the
/// shape of the facade owning the path.
async fn before(gateway: &Gateway, path: &str, headers: &HeaderMap) -> Result<(), Response> {
    let faults = &gateway.faults;
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let facade = gateway.facade(path);
    if faults.fail() {
        return Err(match facade {
            Some(f) => f.unavailable(),
            None => plain(503, "Service unavailable (injected fault)"),
        });
    }
    let verdict = if faults.throttled_by_count() {
        Err(1)
    } else if let Some(bucket) = &faults.throttle {
        bucket.lock().unwrap_or_else(|e| e.into_inner()).take()
    } else {
        Ok(())
    };
    if let Err(seconds) = verdict {
        return Err(match facade {
            Some(f) => f.throttled(seconds),
            None => plain(429, "Too many requests"),
        });
    }
    match facade.and_then(|f| f.reject(path, headers)) {
        Some(rejection) => Err(rejection),
        None => Ok(()),
    }
}

/// A `{"message": ...}` answer, for servers without any facade.
pub(super) fn plain(status: u16, message: &str) -> Response {
    use axum::response::IntoResponse;
    let status = axum::http::StatusCode::from_u16(status)
        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(serde_json::json!({"message": message}))).into_response()
}
