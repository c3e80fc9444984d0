//! The embedded local repository: the emulator's engine, in-process, persisted on disk
//! (by default under `.offerctl/` in the working directory). Used when no endpoint is
//! configured, so that `offerctl apply` works on a fresh machine with no credentials.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::backend::{
    Backend, BackendError, BoxFuture, Deleted, ErrorKind, LiveObject, Receipt, Target,
};
use crate::diff::Op;
use crate::kind::Kind as CoreKind;
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::repository::{
    Actor, DeleteDecision, DeleteOutcome, Envelope, IfMatch, ListQuery, MAX_LIMIT, RepoError,
    Repository, container_id,
};

pub struct Embedded {
    repo: Arc<Repository>,
    sandbox: String,
    container: String,
    actor: Actor,
    location: String,
}

impl Embedded {
    /// Opens (or creates) the repository stored in `dir`.
    pub fn open(dir: &Path, sandbox: &str) -> Result<Self, BackendError> {
        let repo = Repository::open(dir).map_err(|e| {
            BackendError::new(
                ErrorKind::Other,
                format!(
                    "cannot open the embedded repository in {}: {e}",
                    dir.display()
                ),
            )
        })?;
        Ok(Self::with(
            repo,
            sandbox,
            format!("embedded repository in {}", dir.display()),
        ))
    }

    /// A repository that lives only as long as this value (for tests).
    pub fn in_memory(sandbox: &str) -> Self {
        Self::with(
            Repository::open_in_memory(),
            sandbox,
            "embedded in-memory repository".into(),
        )
    }

    fn with(repo: Repository, sandbox: &str, location: String) -> Self {
        Embedded {
            repo: Arc::new(repo),
            sandbox: sandbox.to_string(),
            container: container_id(sandbox),
            actor: Actor::new("offerctl@local", "offerctl"),
            location,
        }
    }

    /// Runs a repository call off the async workers: durable writes wait for the disk.
    fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Repository, &str, &str, &Actor) -> Result<T, RepoError> + Send + 'static,
    ) -> BoxFuture<'static, Result<T, BackendError>> {
        let repo = Arc::clone(&self.repo);
        let (sandbox, container, actor) = (
            self.sandbox.clone(),
            self.container.clone(),
            self.actor.clone(),
        );
        Box::pin(async move {
            tokio::task::spawn_blocking(move || f(&repo, &sandbox, &container, &actor))
                .await
                .map_err(|e| {
                    BackendError::new(ErrorKind::Other, format!("repository task failed: {e}"))
                })?
                .map_err(to_backend_error)
        })
    }
}

fn receipt(envelope: &Envelope) -> Receipt {
    Receipt {
        instance_id: envelope.instance_id.clone(),
        id: envelope.uri().to_string(),
        etag: envelope.etag.to_string(),
        request_id: None,
    }
}

fn live(envelope: Envelope, own_client: &str) -> LiveObject {
    let modified = crate::backend::Modified::from_parts(
        Some(&envelope.last_modified_by),
        Some(&envelope.last_modified_by_client_id),
        Some(&envelope.last_modified_date),
        Some(own_client),
    );
    let mut object = super::live_object(
        envelope.kind,
        envelope.instance_id.clone(),
        envelope.uri().to_string(),
        envelope.etag.to_string(),
        Value::Object(envelope.instance),
    );
    object.modified = modified;
    object
}

fn if_match(etag: &str) -> IfMatch {
    // An etag that is not a number can never be current.
    IfMatch::OneOf(etag.trim_matches('"').parse().into_iter().collect())
}

fn to_backend_error(error: RepoError) -> BackendError {
    let (kind, status) = match &error {
        RepoError::NotFound(_) => (ErrorKind::NotFound, 404),
        RepoError::EtagMismatch { .. } => (ErrorKind::Conflict, 409),
        RepoError::Invalid(_) | RepoError::PatchFailed { .. } => (ErrorKind::Rejected, 422),
        RepoError::Duplicate { .. } => (ErrorKind::Rejected, 409),
        RepoError::PatchTooLarge { .. } => (ErrorKind::Rejected, 413),
        RepoError::BadQuery(_) | RepoError::UnknownSchema(_) => (ErrorKind::Rejected, 400),
        _ => (ErrorKind::Other, 500),
    };
    BackendError::new(kind, error.to_string()).with_status(status)
}

impl Backend for Embedded {
    fn describe(&self) -> String {
        format!("{} (sandbox {})", self.location, self.sandbox)
    }

    fn list(&self, kind: CoreKind) -> BoxFuture<'_, Result<Vec<LiveObject>, BackendError>> {
        let kind = Kind::from_core(kind);
        self.call(move |repo, sandbox, container, actor| {
            let mut query = ListQuery {
                schema: Some(kind.schema_id()),
                limit: Some(MAX_LIMIT),
                ..ListQuery::default()
            };
            let mut objects = Vec::new();
            loop {
                let page = repo.list(sandbox, container, &query)?;
                objects.extend(
                    page.items
                        .into_iter()
                        .map(|hit| live(hit.envelope, &actor.client_id)),
                );
                match page.next_start {
                    Some(start) => query.start = Some(start),
                    None => return Ok(objects),
                }
            }
        })
    }

    fn create<'a>(
        &'a self,
        kind: CoreKind,
        instance: &'a Value,
    ) -> BoxFuture<'a, Result<Receipt, BackendError>> {
        let kind = Kind::from_core(kind);
        let instance = instance.clone();
        self.call(move |repo, sandbox, container, actor| {
            repo.create(sandbox, container, &kind.schema_id(), instance, actor)
                .map(|e| receipt(&e))
        })
    }

    fn patch<'a>(
        &'a self,
        target: &'a Target,
        ops: &'a [Op],
        etag: &'a str,
    ) -> BoxFuture<'a, Result<Receipt, BackendError>> {
        let instance_id = target.instance_id.clone();
        let condition = if_match(etag);
        let ops: Result<Vec<json_patch::PatchOperation>, _> =
            serde_json::to_value(ops).and_then(serde_json::from_value);
        Box::pin(async move {
            let ops = ops.map_err(|e| {
                BackendError::new(ErrorKind::Other, format!("unrepresentable patch: {e}"))
            })?;
            self.call(move |repo, sandbox, container, actor| {
                repo.patch(
                    sandbox,
                    container,
                    &instance_id,
                    &ops,
                    Some(&condition),
                    actor,
                )
                .map(|e| receipt(&e))
            })
            .await
        })
    }

    fn delete<'a>(
        &'a self,
        target: &'a Target,
        etag: &'a str,
    ) -> BoxFuture<'a, Result<Deleted, BackendError>> {
        let instance_id = target.instance_id.clone();
        let condition = if_match(etag);
        self.call(move |repo, sandbox, container, actor| {
            let job =
                match repo.delete(sandbox, container, &instance_id, Some(&condition), actor)? {
                    DeleteOutcome::Deleted(_) => return Ok(Deleted::Deleted { request_id: None }),
                    DeleteOutcome::Accepted(job) => job,
                };
            loop {
                let job = repo.poll_delete(sandbox, container, &job.id)?;
                match job.decision {
                    None => continue,
                    Some(DeleteDecision::Deleted { .. }) => {
                        return Ok(Deleted::Deleted { request_id: None });
                    }
                    Some(DeleteDecision::Rejected { referenced_by, .. }) => {
                        return Ok(Deleted::Rejected {
                            referenced_by: referenced_by.into_iter().map(|r| r.id).collect(),
                            request_id: None,
                        });
                    }
                }
            }
        })
    }
}
