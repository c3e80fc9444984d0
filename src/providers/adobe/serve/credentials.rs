//! The credentials the gateway accepts, and its header checks.

use axum::http::{HeaderMap, StatusCode, header};

use super::problem::ApiError;
use super::request::header_str;

/// Credentials the gateway accepts.
#[derive(Clone, Default)]
pub struct Credentials {
    pub token: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

pub use crate::serve::same_secret;

impl Credentials {
    /// The gateway's header checks, with its error codes (AEP troubleshooting guide).
    pub(super) fn check(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let bearer = header_str(headers, header::AUTHORIZATION)
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|token| !token.is_empty());
        let Some(bearer) = bearer else {
            return Err(ApiError::gateway(
                StatusCode::FORBIDDEN,
                "403010",
                "Oauth token is missing.",
            ));
        };
        if let Some(expected) = &self.token
            && !same_secret(bearer, expected)
        {
            return Err(ApiError::gateway(
                StatusCode::UNAUTHORIZED,
                "401013",
                "Oauth token is not valid",
            ));
        }
        let api_key = header_str(headers, "x-api-key").filter(|v| !v.trim().is_empty());
        let Some(api_key) = api_key else {
            return Err(ApiError::gateway(
                StatusCode::FORBIDDEN,
                "403000",
                "Api Key is required",
            ));
        };
        if let Some(client_id) = &self.client_id
            && api_key != client_id
        {
            return Err(ApiError::gateway(
                StatusCode::FORBIDDEN,
                "403003",
                "Api Key is invalid",
            ));
        }
        let has_org = header_str(headers, "x-gw-ims-org-id").is_some_and(|v| !v.trim().is_empty());
        if !has_org {
            return Err(ApiError::gateway(
                StatusCode::BAD_REQUEST,
                "400003",
                "Missing header: x-gw-ims-org-id",
            ));
        }
        Ok(())
    }
}
