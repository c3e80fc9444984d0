//! What every handler shares: the server's state ([`App`]), and [`blocking`], the way handlers
//! call its repository.

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::value::RawValue;

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
    /// DPS documents, each mapped and written once per revision of its object (see
    /// `dps/rendered.rs`).
    pub(super) dps_documents: Arc<PerRevision<Box<RawValue>>>,
    /// XCore HAL envelopes as list items, each written once per revision of its object (see
    /// `http.rs`).
    pub(super) hal_items: Arc<PerRevision<Box<RawValue>>>,
}

impl App {
    /// The server's state over `repo`; what it keeps per revision is forgotten as objects are
    /// removed.
    pub(super) fn new(repo: Arc<Repository>, credentials: Credentials, addr: SocketAddr) -> App {
        let dps_documents = Arc::new(PerRevision::default());
        let hal_items = Arc::new(PerRevision::default());
        let (documents, items) = (dps_documents.clone(), hal_items.clone());
        repo.on_removal(move |removal| {
            documents.forget(removal);
            items.forget(removal);
        });
        App {
            repo,
            credentials,
            addr,
            dps_documents,
            hal_items,
        }
    }
}

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
