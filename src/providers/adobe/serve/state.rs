//! What every handler shares: the server's state ([`App`]), and [`blocking`], the way handlers
//! call its repository.

use std::net::SocketAddr;
use std::sync::Arc;

use super::credentials::Credentials;
use super::problem::ApiError;
use super::request::Result;
use super::revisions::PerRevision;
use crate::providers::adobe::repository::{RepoError, Repository};

/// Shared state of the running server.
pub(crate) struct App {
    pub(super) repo: Arc<Repository>,
    pub(super) credentials: Credentials,
    pub(super) addr: SocketAddr,
    /// DPS bodies, each mapped once per revision of its object (see `dps/rendered.rs`).
    pub(super) dps_bodies: PerRevision<DpsBody>,
}

/// A DPS body's members, each value as JSON text, in order and without `id`.
pub(super) type DpsBody = Vec<(String, Box<serde_json::value::RawValue>)>;

/// Runs a repository call off the async workers: durable writes block on `fsync` while
/// holding the repository lock, so any call may wait for one.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, RepoError> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(error) => Err(ApiError::Internal(format!(
            "repository task failed: {error}"
        ))),
    }
}
