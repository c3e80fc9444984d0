//! The IMS token endpoint (`POST /ims/token/v3`), as Adobe IMS serves the client-credentials
//! grant.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::credentials;
use super::media::{self, MediaType};
use super::request::{Result, header_str, query_params, read_body};
use super::state::App;

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({"error": error, "error_description": description});
    (status, axum::Json(body)).into_response()
}

/// `POST /ims/token/v3` with the client-credentials grant, as Adobe IMS serves it.
pub(super) async fn ims_token(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Result<Response> {
    let mut params = query_params(&uri);
    let bytes = read_body(body).await?;
    if !bytes.is_empty() {
        let essence = header_str(&headers, header::CONTENT_TYPE)
            .and_then(MediaType::parse)
            .map(|m| m.essence);
        if essence.as_deref() != Some("application/x-www-form-urlencoded") {
            return Ok(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "the body must be application/x-www-form-urlencoded",
            ));
        }
        params.extend(media::parse_form(&String::from_utf8_lossy(&bytes)));
    }
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if param("grant_type") != Some("client_credentials") {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be client_credentials",
        ));
    }
    let (Some(client_id), Some(client_secret)) = (param("client_id"), param("client_secret"))
    else {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "client_id and client_secret are required",
        ));
    };
    let credentials = &app.credentials;
    let id_ok = credentials
        .client_id
        .as_deref()
        .is_none_or(|expected| credentials::same_secret(client_id, expected));
    let secret_ok = credentials
        .client_secret
        .as_deref()
        .is_none_or(|expected| credentials::same_secret(client_secret, expected));
    if !(id_ok && secret_ok) {
        return Ok(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "invalid client_id or client_secret",
        ));
    }
    let token = credentials
        .token
        .clone()
        .unwrap_or_else(|| format!("emulator-{}", uuid::Uuid::new_v4().simple()));
    let body = json!({"access_token": token, "token_type": "bearer", "expires_in": 86399});
    Ok((StatusCode::OK, axum::Json(body)).into_response())
}
