//! Reading requests, for both facades: the caller and its sandbox, path and query parameters,
//! the body, and `If-Match`.

use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri, header};
use serde::de::DeserializeOwned;

use super::media;
use super::problem::ApiError;
use crate::providers::adobe::repository::{Actor, IfMatch};

/// Largest request body accepted (real instances are a few KiB).
const MAX_BODY: usize = 8 << 20;

pub(super) type Result<T, E = ApiError> = std::result::Result<T, E>;

/// Who is calling, in which sandbox.
pub(super) struct Caller {
    pub(super) sandbox: String,
    pub(super) actor: Actor,
}

/// Sandbox names as AEP spells them: letters, digits, `-` and `_`.
pub(super) fn sandbox_name(name: &str) -> Result<String> {
    let name = name.trim();
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(name.to_string())
    } else {
        Err(ApiError::BadRequest(
            "a sandbox name must be 1-64 letters, digits, '-' or '_'".into(),
        ))
    }
}

pub(super) fn caller(headers: &HeaderMap) -> Result<Caller> {
    let sandbox = match headers.get("x-sandbox-name") {
        None => "prod".to_string(),
        Some(value) => sandbox_name(value.to_str().unwrap_or_default())?,
    };
    let api_key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .unwrap_or("anonymous");
    Ok(Caller {
        sandbox,
        actor: Actor::new(format!("{api_key}@techacct.adobe.com"), api_key),
    })
}

pub(super) fn path_params<T>(extracted: Result<Path<T>, PathRejection>) -> Result<T> {
    extracted
        .map(|Path(p)| p)
        .map_err(|e| ApiError::BadRequest(format!("invalid path: {e}")))
}

/// What a request addresses (its path parameters) and who asks: the path is checked first,
/// then the caller.
pub(super) struct Addressed<T> {
    pub(super) at: T,
    pub(super) caller: Caller,
}

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Addressed<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        let at = path_params(Path::<T>::from_request_parts(parts, state).await)?;
        let caller = caller(&parts.headers)?;
        Ok(Addressed { at, caller })
    }
}

pub(super) async fn read_body(body: Body) -> Result<Bytes> {
    axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
        ApiError::PayloadTooLarge(format!("request bodies are limited to {MAX_BODY} bytes"))
    })
}

pub(super) fn header_str(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub(super) fn if_match(headers: &HeaderMap) -> Option<IfMatch> {
    let value = headers.get(header::IF_MATCH)?;
    // An If-Match that is not even text names no etag of ours: it can never match.
    Some(match value.to_str() {
        Ok(text) => media::parse_if_match(text),
        Err(_) => IfMatch::OneOf(Vec::new()),
    })
}

pub(super) fn query_params(uri: &Uri) -> Vec<(String, String)> {
    media::parse_form(uri.query().unwrap_or_default())
}
