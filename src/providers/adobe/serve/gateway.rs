//! Adobe's face to the server's gateway: the paths it owns, its credential checks and the
//! platform gateway's error shapes for injected faults and throttling.

use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::credentials::Credentials;
use super::problem::ApiError;

pub(super) struct Gateway {
    pub(super) credentials: Credentials,
}

impl crate::serve::Facade for Gateway {
    fn owns(&self, path: &str) -> bool {
        path.starts_with("/data/") || path.starts_with("/ims/")
    }

    fn reject(&self, path: &str, headers: &HeaderMap) -> Option<Response> {
        if !path.starts_with("/data/") {
            return None;
        }
        self.credentials
            .check(headers)
            .err()
            .map(IntoResponse::into_response)
    }

    fn unavailable(&self) -> Response {
        ApiError::gateway(
            StatusCode::SERVICE_UNAVAILABLE,
            "503000",
            "Service unavailable (injected fault)",
        )
        .into_response()
    }

    fn throttled(&self, seconds: u64) -> Response {
        ApiError::Throttled { seconds }.into_response()
    }

    fn not_found(&self, _method: &Method, path: &str) -> Response {
        ApiError::NotFound(format!("no resource at {path}")).into_response()
    }
}
