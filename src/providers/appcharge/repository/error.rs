//! What the store refuses, by the status a facade gives it.

use crate::wal::WalError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A body that breaks a rule; the message names the field (400).
    #[error("{0}")]
    Invalid(String),
    /// No offer or component with that key (404).
    #[error("{0}")]
    NotFound(String),
    /// The key exists already, or a component is still referenced (409).
    #[error("{0}")]
    Conflict(String),
    /// The log could not be read or written (500).
    #[error("storage: {0}")]
    Storage(#[from] WalError),
}

impl StoreError {
    /// The HTTP status of this outcome.
    pub fn status(&self) -> u16 {
        match self {
            StoreError::Invalid(_) => 400,
            StoreError::NotFound(_) => 404,
            StoreError::Conflict(_) => 409,
            StoreError::Storage(_) => 500,
        }
    }
}

pub(super) fn invalid(message: impl Into<String>) -> StoreError {
    StoreError::Invalid(message.into())
}
