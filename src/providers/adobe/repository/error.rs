//! The engine's error vocabulary. Each variant is a distinct client-visible outcome; the HTTP
//! facade maps them to statuses in exactly one place (`serve::problem`).

use std::fmt;

use serde::Serialize;

/// One reason an instance is invalid, named by the JSON pointer of the offending property
/// relative to the HAL document (`/_instance/xdm:rank/xdm:priority`), as PATCH paths are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub property: String,
    pub message: String,
}

impl Violation {
    pub fn new(property: impl Into<String>, message: impl Into<String>) -> Self {
        Violation {
            property: property.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.property, self.message)
    }
}

/// An instance that still references the target of a delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Referrer {
    #[serde(rename = "instanceId")]
    pub instance_id: String,
    #[serde(rename = "@id")]
    pub id: String,
    pub schema: String,
    /// Where in the referrer the reference sits (`/_instance/xdm:tags/0`).
    pub property: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("container {0} does not exist in this sandbox")]
    ContainerNotFound(String),
    #[error("instance {0} does not exist")]
    NotFound(String),
    #[error("delete job {0} does not exist")]
    JobNotFound(String),
    /// The schema id names no type this repository knows.
    #[error("unknown schema {0:?}")]
    UnknownSchema(String),
    /// A list or search request the engine cannot interpret.
    #[error("invalid query: {0}")]
    BadQuery(String),
    /// `If-Match` named a revision that is no longer current. XCore answers 409, not 412.
    #[error("the instance has changed: current etag is {current}")]
    EtagMismatch { current: u64 },
    /// The instance (after a PATCH, the patched result) breaks the schema's rules.
    #[error("invalid instance: {}", join(.0))]
    Invalid(Vec<Violation>),
    /// A JSON Patch that cannot be applied to the current document.
    #[error("patch operation {index} ({path}) cannot be applied: {reason}")]
    PatchFailed {
        index: usize,
        path: String,
        reason: String,
    },
    /// A JSON Patch whose result would be larger than a stored document may be (answered 413).
    #[error("patch operation {index} ({path}) would make the document larger than {limit} bytes")]
    PatchTooLarge {
        index: usize,
        path: String,
        limit: usize,
    },
    /// Another instance already holds a value that must be unique in the container.
    #[error("{property} {value:?} is already used by instance {existing}")]
    Duplicate {
        property: String,
        value: String,
        existing: String,
    },
    /// The store could not durably record a write; nothing was acknowledged.
    #[error("storage failure: {0}")]
    Storage(String),
}

fn join(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(Violation::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl RepoError {
    pub(crate) fn invalid(property: impl Into<String>, message: impl Into<String>) -> Self {
        RepoError::Invalid(vec![Violation::new(property, message)])
    }
}

impl From<crate::json_bounds::PatchError> for RepoError {
    fn from(error: crate::json_bounds::PatchError) -> Self {
        use crate::json_bounds::PatchErrorKind;
        match error.kind {
            PatchErrorKind::TooLarge(limit) => RepoError::PatchTooLarge {
                index: error.operation,
                path: error.path,
                limit,
            },
            PatchErrorKind::TooDeep(limit) => RepoError::PatchFailed {
                index: error.operation,
                path: error.path,
                reason: format!("the result would nest deeper than {limit} levels"),
            },
            PatchErrorKind::Failed(reason) => RepoError::PatchFailed {
                index: error.operation,
                path: error.path,
                reason,
            },
        }
    }
}
