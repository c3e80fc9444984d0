//! The emulator's own controls under `/_emulator/`: request statistics and sandbox reset.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::request::{Result, caller, query_params, sandbox_name};
use super::state::{App, blocking};

pub(super) async fn stats(State(app): State<Arc<App>>) -> Response {
    (StatusCode::OK, axum::Json(app.stats.snapshot())).into_response()
}

pub(super) async fn clear_stats(State(app): State<Arc<App>>) -> Response {
    app.stats.clear();
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_emulator/reset` empties the sandbox named by `?sandbox=` or `x-sandbox-name`.
pub(super) async fn reset(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response> {
    let sandbox = match query_params(&uri).into_iter().find(|(k, _)| k == "sandbox") {
        Some((_, name)) => sandbox_name(&name)?,
        None => caller(&headers)?.sandbox,
    };
    let repo = app.repo.clone();
    let name = sandbox.clone();
    blocking(move || repo.reset(&name)).await?;
    let body = json!({"sandbox": sandbox, "containerId": crate::providers::adobe::repository::container_id(&sandbox), "reset": true});
    Ok((StatusCode::OK, axum::Json(body)).into_response())
}
