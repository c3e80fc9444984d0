//! The DPS facade's errors: its own problem documents, and engine errors with their canonical
//! property pointers rewritten into DPS pointers.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::super::problem::{ApiError, problem_in};
use super::super::state::blocking;
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::mapping::dps::{self as mapping, MappingError};
use crate::providers::adobe::repository::RepoError;

/// A DPS answer that is not a success: the facade's own problems, or the shared ones.
pub(super) enum DpsError {
    Api(ApiError),
    Problem {
        status: StatusCode,
        kind: &'static str,
        detail: String,
        extra: Value,
    },
}

pub(super) type Result<T, E = DpsError> = std::result::Result<T, E>;

impl From<ApiError> for DpsError {
    fn from(error: ApiError) -> Self {
        DpsError::Api(error)
    }
}

impl IntoResponse for DpsError {
    fn into_response(self) -> Response {
        match self {
            DpsError::Api(error) => error.into_response(),
            DpsError::Problem {
                status,
                kind,
                detail,
                extra,
            } => problem_in("dps", status, kind, detail, extra),
        }
    }
}

pub(super) fn problem(
    status: StatusCode,
    kind: &'static str,
    detail: impl Into<String>,
) -> DpsError {
    DpsError::Problem {
        status,
        kind,
        detail: detail.into(),
        extra: json!({}),
    }
}

pub(super) fn bad_request(detail: impl Into<String>) -> DpsError {
    problem(StatusCode::BAD_REQUEST, "bad-request", detail)
}

/// A 422 naming one DPS property.
pub(super) fn invalid(property: &str, message: impl Into<String>) -> DpsError {
    let message = message.into();
    DpsError::Problem {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        kind: "validation",
        detail: format!("invalid document: {property}: {message}"),
        extra: json!({
            "property": property,
            "violations": [{"property": property, "message": message}],
        }),
    }
}

pub(super) fn mapping_error(error: MappingError) -> DpsError {
    invalid(&error.pointer, error.message)
}

pub(super) fn not_found(id: &str, kind: Kind) -> DpsError {
    DpsError::Problem {
        status: StatusCode::NOT_FOUND,
        kind: "not-found",
        detail: format!("no {} with id {id}", kind.description()),
        extra: json!({"id": id}),
    }
}

/// Engine errors, with canonical property pointers rewritten into DPS pointers.
pub(super) fn repo_error(kind: Kind, error: RepoError) -> DpsError {
    match error {
        RepoError::Invalid(violations) => {
            let violations: Vec<Value> = violations
                .iter()
                .map(|v| {
                    json!({"property": mapping::dps_pointer(kind, &v.property), "message": v.message})
                })
                .collect();
            let detail = violations
                .iter()
                .map(|v| {
                    format!(
                        "{}: {}",
                        v["property"].as_str().unwrap_or(""),
                        v["message"].as_str().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            DpsError::Problem {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                kind: "validation",
                detail: format!("invalid document: {detail}"),
                extra: json!({"property": violations.first().map(|v| v["property"].clone()), "violations": violations}),
            }
        }
        RepoError::Duplicate {
            property,
            value,
            existing,
        } => DpsError::Problem {
            status: StatusCode::CONFLICT,
            kind: "duplicate",
            detail: format!(
                "{} {value:?} is already used by {existing}",
                mapping::dps_pointer(kind, &property)
            ),
            extra: json!({"property": mapping::dps_pointer(kind, &property), "conflictingId": existing}),
        },
        RepoError::EtagMismatch { current } => DpsError::Problem {
            status: StatusCode::CONFLICT,
            kind: "etag-mismatch",
            detail: format!("the object has changed: its current etag is {current}"),
            extra: json!({"currentEtag": current}),
        },
        other => DpsError::Api(ApiError::from(other)),
    }
}

/// Runs a repository call off the async workers, keeping the engine error for translation.
pub(super) async fn engine<T: Send + 'static>(
    kind: Kind,
    f: impl FnOnce() -> Result<T, RepoError> + Send + 'static,
) -> Result<T> {
    blocking(move || Ok(f()))
        .await?
        .map_err(|e| repo_error(kind, e))
}
