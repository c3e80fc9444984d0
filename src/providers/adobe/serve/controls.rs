//! Adobe's part of the emulator's own controls: `POST /_emulator/reset` empties a sandbox.

use axum::http::{HeaderMap, Uri};
use serde_json::{Value, json};

use super::request::{Result, caller, query_params, sandbox_name};
use super::state::{App, blocking};

/// Empties the sandbox named by `?sandbox=` or `x-sandbox-name` (`prod` by default).
pub(super) async fn reset(app: &App, headers: &HeaderMap, uri: &Uri) -> Result<Value> {
    let sandbox = match query_params(uri).into_iter().find(|(k, _)| k == "sandbox") {
        Some((_, name)) => sandbox_name(&name)?,
        None => caller(headers)?.sandbox,
    };
    let repo = app.repo.clone();
    let name = sandbox.clone();
    blocking(move || repo.reset(&name)).await?;
    Ok(json!({
        "sandbox": sandbox,
        "containerId": crate::providers::adobe::repository::container_id(&sandbox),
        "reset": true,
    }))
}
