//! What the platform gateway does before and after a request reaches the repository: request
//! ids, per-request logging, request statistics, injected faults, and credential checks.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::conn::ConnHandle;
use super::problem::ApiError;
use super::state::App;

/// Marks a response to a write that committed; only those may be dropped after commit.
#[derive(Clone, Copy, Debug)]
pub struct Committed;

const REQUEST_ID: &str = "x-request-id";

/// The middleware around every route.
pub async fn gate(
    State(app): State<Arc<App>>,
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
    let needs_auth = path.starts_with("/data/");

    let mut response = if internal {
        next.run(request).await
    } else {
        match before(&app, needs_auth, request.headers()).await {
            Err(error) => error.into_response(),
            Ok(()) => next.run(request).await,
        }
    };

    let mut dropped = false;
    if response.extensions().get::<Committed>().is_some() && app.faults.drop_response() {
        conn.kill();
        dropped = true;
    }
    response
        .headers_mut()
        .insert(REQUEST_ID, request_id.clone());
    let status = response.status();
    if !internal {
        let route = route.as_deref().unwrap_or("(unmatched)");
        app.stats.record(&method, route, status, dropped);
    }
    // The path only: query strings can carry credentials (the token endpoint accepts them).
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

/// Latency, then injected failure, then throttling, then credentials.
async fn before(app: &App, needs_auth: bool, headers: &HeaderMap) -> Result<(), ApiError> {
    if !app.faults.latency.is_zero() {
        tokio::time::sleep(app.faults.latency).await;
    }
    if app.faults.fail() {
        return Err(ApiError::gateway(
            StatusCode::SERVICE_UNAVAILABLE,
            "503000",
            "Service unavailable (injected fault)",
        ));
    }
    if let Some(bucket) = &app.faults.throttle {
        let verdict = bucket.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Err(seconds) = verdict {
            return Err(ApiError::Throttled { seconds });
        }
    }
    if needs_auth {
        app.credentials.check(headers)?;
    }
    Ok(())
}
