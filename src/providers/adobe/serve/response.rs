//! Writing responses, for both facades: JSON bodies with their content type, and headers.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

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
    with_content_type((status, bytes).into_response(), content_type)
}

pub(super) fn set_header(response: &mut Response, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}
