//! Appcharge's error bodies, which differ by API generation: V2 `{errorCode, errorMessage}`,
//! V1 `{message, requestUrl, body}`, components, auth and the gateway `{message}`.

use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::providers::appcharge::repository::StoreError;

/// Which of Appcharge's APIs a path belongs to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Api {
    /// `/v2/offer…`
    V2,
    /// `/offering/…`
    V1,
    /// `/components/v1/…`
    Components,
}

impl Api {
    /// The API of `path`, if it is Appcharge's.
    pub(super) fn of(path: &str) -> Option<Api> {
        if path.starts_with("/v2/") {
            Some(Api::V2)
        } else if path.starts_with("/offering/") {
            Some(Api::V1)
        } else if path.starts_with("/components/") {
            Some(Api::Components)
        } else {
            None
        }
    }

    /// The error answer of this API; `body` is the request body (V1 echoes it).
    pub(super) fn error(self, failure: Failure, uri: &Uri, body: Option<Value>) -> Response {
        let Failure { status, message } = failure;
        let body = match self {
            Api::V2 => json!({"errorCode": status.as_u16(), "errorMessage": message}),
            Api::V1 => json!({
                "message": message,
                "requestUrl": uri.to_string(),
                "body": body.unwrap_or(Value::Null),
            }),
            Api::Components => json!({"message": message}),
        };
        (status, axum::Json(body)).into_response()
    }
}

/// A refusal, before it takes its API's shape.
#[derive(Debug)]
pub(super) struct Failure {
    pub(super) status: StatusCode,
    pub(super) message: String,
}

impl Failure {
    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
        }
    }

    pub(super) fn bad(message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::BAD_REQUEST, message)
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Failure {
        let status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Failure::new(status, error.to_string())
    }
}

/// `{"message": ...}` with `status` (auth, throttling, injected faults).
pub(super) fn message(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({"message": message}))).into_response()
}

/// 429 `{"message":"Rate limit exceeded."}` (as Appcharge documents it) with `Retry-After`.
pub(super) fn rate_limited(seconds: u64) -> Response {
    let mut response = message(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded.");
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}
