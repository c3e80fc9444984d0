//! Writing responses, for both facades: JSON bodies with their content type, and headers.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::media;
use crate::providers::adobe::repository::IfMatch;

fn with_content_type(mut response: Response, content_type: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

pub(super) fn json_response(status: StatusCode, body: &Value, content_type: &str) -> Response {
    // The same compact text as `body.to_string()`, written straight to bytes (faster for the
    // large list pages than going through `fmt::Display`).
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| body.to_string().into_bytes());
    bytes_response(status, bytes, content_type)
}

/// A response of JSON already written.
pub(super) fn bytes_response(status: StatusCode, bytes: Vec<u8>, content_type: &str) -> Response {
    with_content_type((status, bytes).into_response(), content_type)
}

pub(super) fn set_header(response: &mut Response, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

/// A read's `304 Not Modified` (with the etag) when `If-None-Match` names the object's current
/// `etag`; `None` when the object must be sent.
pub(super) fn not_modified(headers: &HeaderMap, etag: u64) -> Option<Response> {
    let none_match = headers.get(header::IF_NONE_MATCH)?.to_str().ok()?;
    let unchanged = match media::parse_if_match(none_match) {
        IfMatch::Any => true,
        IfMatch::OneOf(etags) => etags.contains(&etag),
    };
    unchanged.then(|| {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        set_header(&mut response, "etag", &media::etag_header(etag));
        response
    })
}
