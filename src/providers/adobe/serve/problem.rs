//! Every error the facade answers with, and the single mapping from engine errors to HTTP.
//!
//! Repository errors use RFC 7807 problem bodies (`type`, `title`, `status`, `detail`, plus
//! `violations` or `conflict` details); the gateway's own checks (auth, throttling) use the
//! gateway's `{"error_code", "message"}` shape, as platform.adobe.io does.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::providers::adobe::repository::RepoError;

const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug)]
pub enum ApiError {
    Repo(RepoError),
    /// A request the facade cannot parse (headers, body, query).
    BadRequest(String),
    UnsupportedMediaType(String),
    PayloadTooLarge(String),
    NotFound(String),
    MethodNotAllowed(String),
    /// A gateway-level rejection: auth, throttling, injected faults.
    Gateway {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    /// Throttled by `--throttle`: 429 with `Retry-After`.
    Throttled {
        seconds: u64,
    },
    Internal(String),
}

impl From<RepoError> for ApiError {
    fn from(error: RepoError) -> Self {
        ApiError::Repo(error)
    }
}

impl ApiError {
    pub fn gateway(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Gateway {
            status,
            code,
            message: message.into(),
        }
    }
}

fn problem(status: StatusCode, kind: &str, detail: String, extra: Value) -> Response {
    problem_in("xcore", status, kind, detail, extra)
}

/// An RFC 7807 response whose `type` is `https://ns.adobe.com/aep/errors/<api>/<kind>`.
pub(super) fn problem_in(
    api: &str,
    status: StatusCode,
    kind: &str,
    detail: String,
    extra: Value,
) -> Response {
    let mut body = json!({
        "type": format!("https://ns.adobe.com/aep/errors/{api}/{kind}"),
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
        body.extend(extra);
    }
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

/// A problem with nothing beyond its status, kind and detail.
fn plain(status: StatusCode, kind: &str, detail: String) -> Response {
    problem(status, kind, detail, json!({}))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Repo(error) => repo_response(error),
            ApiError::BadRequest(detail) => plain(StatusCode::BAD_REQUEST, "bad-request", detail),
            ApiError::UnsupportedMediaType(detail) => plain(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                detail,
            ),
            ApiError::PayloadTooLarge(detail) => {
                plain(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", detail)
            }
            ApiError::NotFound(detail) => plain(StatusCode::NOT_FOUND, "not-found", detail),
            ApiError::MethodNotAllowed(detail) => {
                plain(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", detail)
            }
            ApiError::Gateway {
                status,
                code,
                message,
            } => {
                let body = json!({"error_code": code, "message": message});
                (status, axum::Json(body)).into_response()
            }
            ApiError::Throttled { seconds } => {
                let body = json!({"error_code": "429050", "message": "Too many requests"});
                let mut response =
                    (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
                response
            }
            ApiError::Internal(detail) => problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                detail,
                json!({}),
            ),
        }
    }
}

/// The one place that decides which status each engine outcome gets.
fn repo_response(error: RepoError) -> Response {
    let detail = error.to_string();
    match error {
        RepoError::ContainerNotFound(_) => problem(
            StatusCode::NOT_FOUND,
            "container-not-found",
            detail,
            json!({}),
        ),
        RepoError::NotFound(id) => problem(
            StatusCode::NOT_FOUND,
            "instance-not-found",
            detail,
            json!({"instanceId": id}),
        ),
        RepoError::JobNotFound(_) => {
            problem(StatusCode::NOT_FOUND, "job-not-found", detail, json!({}))
        }
        RepoError::UnknownSchema(_) => {
            problem(StatusCode::BAD_REQUEST, "unknown-schema", detail, json!({}))
        }
        RepoError::BadQuery(_) => problem(StatusCode::BAD_REQUEST, "bad-query", detail, json!({})),
        RepoError::EtagMismatch { current } => problem(
            StatusCode::CONFLICT,
            "etag-mismatch",
            detail,
            json!({"currentEtag": current}),
        ),
        RepoError::Invalid(violations) => {
            let property = violations.first().map(|v| v.property.clone());
            problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                detail,
                json!({"property": property, "violations": violations}),
            )
        }
        RepoError::PatchFailed { index, path, .. } => problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "patch-failed",
            detail,
            json!({"operation": index, "property": path}),
        ),
        RepoError::PatchTooLarge { index, path, limit } => problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "patch-too-large",
            detail,
            json!({"operation": index, "property": path, "limit": limit}),
        ),
        RepoError::Duplicate {
            property, existing, ..
        } => problem(
            StatusCode::CONFLICT,
            "duplicate",
            detail,
            json!({"property": property, "conflictingInstance": existing}),
        ),
        RepoError::Storage(_) => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "storage",
            detail,
            json!({}),
        ),
    }
}
