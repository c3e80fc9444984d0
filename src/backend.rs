//! A vendor's repository, behind one small trait, so that every provider's clients (HTTP APIs,
//! embedded stores) plug in without touching manifests, diff, plan or apply.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diff::Op;
use crate::exit::Exit;
use crate::kind::Kind;

mod document;

pub use document::LiveDocument;

/// A boxed future, so the trait stays object-safe (`dyn Backend`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One object as the repository holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveObject {
    pub kind: Kind,
    /// The physical id, used in URLs.
    pub instance_id: String,
    /// The `@id` other objects use to refer to this one.
    pub id: String,
    /// Opaque revision, sent back as `If-Match`.
    pub etag: String,
    /// The name the vendor shows, which manifests match by.
    pub name: String,
    /// The document in the provider's canonical form (what desired documents are compared
    /// with), including the id the repository assigned; held as text (see [`LiveDocument`]).
    pub instance: LiveDocument,
    /// Who changed the object last, and when, where the repository says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<Modified>,
}

/// The last change to a live object, as the repository records it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Modified {
    /// The account (`repo:lastModifiedBy`, DPS `lastModifiedBy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The integration's client id (`repo:lastModifiedByClientId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// When (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// The change was this offerctl's own (its client id). Who that is is then not kept: the
    /// client id is a credential's, and must not reach plans or logs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_offerctl: bool,
}

impl Modified {
    /// What the repository says about the last change (`None` when it says nothing), with the
    /// identity left out when `own_client` made it.
    pub fn from_parts(
        by: Option<&str>,
        client_id: Option<&str>,
        at: Option<&str>,
        own_client: Option<&str>,
    ) -> Option<Self> {
        let text = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(String::from);
        let ours = own_client.is_some() && client_id == own_client;
        let modified = Modified {
            by: if ours { None } else { text(by) },
            client_id: if ours { None } else { text(client_id) },
            at: text(at),
            by_offerctl: ours,
        };
        (modified != Modified::default()).then_some(modified)
    }

    /// Someone else, known by client id, changed the object last.
    pub fn is_drift(&self) -> bool {
        !self.by_offerctl && self.client_id.is_some()
    }
}

impl LiveObject {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn target(&self) -> Target {
        Target {
            kind: self.kind,
            instance_id: self.instance_id.clone(),
            id: self.id.clone(),
            name: self.name().to_string(),
        }
    }
}

/// Which object a write is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub kind: Kind,
    pub instance_id: String,
    pub id: String,
    /// For messages.
    pub name: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{} ({})", self.kind, self.name, self.id)
    }
}

/// What a successful write returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    pub instance_id: String,
    pub id: String,
    pub etag: String,
    /// The request id the server saw, for the journal and for support.
    pub request_id: Option<String>,
}

/// The outcome of a delete that the repository answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Deleted {
    Deleted {
        request_id: Option<String>,
    },
    /// The repository kept the object because these `@id`s still refer to it.
    Rejected {
        referenced_by: Vec<String>,
        request_id: Option<String>,
    },
}

/// Why a call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Credentials missing, wrong or refused (after one token refresh).
    Auth,
    /// The object changed since it was read (stale etag, HTTP 409).
    Conflict,
    /// The object does not exist (any more).
    NotFound,
    /// The repository refused the request as invalid (400, 415, 422...).
    Rejected,
    /// The repository or the network kept failing (after retries).
    Unavailable,
    /// The configuration cannot work (e.g. no container, or several, match the sandbox).
    Config,
    /// Anything else, including responses that make no sense.
    Other,
}

/// A failed call, safe to print: never contains a secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct BackendError {
    pub kind: ErrorKind,
    /// What failed and why, naming the object and the HTTP status where there is one.
    pub message: String,
    pub status: Option<u16>,
    pub request_id: Option<String>,
}

impl BackendError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        BackendError {
            kind,
            message: message.into(),
            status: None,
            request_id: None,
        }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// The exit code this failure deserves when it ends a command.
    pub fn exit(&self) -> Exit {
        match self.kind {
            ErrorKind::Auth => Exit::Auth,
            ErrorKind::Conflict => Exit::Conflict,
            ErrorKind::Config => Exit::Invalid,
            _ => Exit::Error,
        }
    }
}

/// A vendor's repository.
///
/// Implementations own transport concerns: authentication, retries of idempotent calls,
/// paging, and making a create whose outcome is unknown safe (look the name up before sending
/// it again). Callers see complete answers or an error.
pub trait Backend: Send + Sync {
    /// Which repository this is, in one line for users: the same for the same repository
    /// however it is reached (no credentials, no auth method), once it has been read (a
    /// container may be discovered on first use). Saved plans record it. Never a secret.
    fn describe(&self) -> String;

    /// Every object of one kind. Fails rather than return a partial list.
    fn list(&self, kind: Kind) -> BoxFuture<'_, Result<Vec<LiveObject>, BackendError>>;

    /// Creates an object from its desired document.
    fn create<'a>(
        &'a self,
        kind: Kind,
        instance: &'a Value,
    ) -> BoxFuture<'a, Result<Receipt, BackendError>>;

    /// Applies RFC 6902 operations (paths as the provider's diff rules root them) if the object
    /// is still at `etag`.
    fn patch<'a>(
        &'a self,
        target: &'a Target,
        ops: &'a [Op],
        etag: &'a str,
    ) -> BoxFuture<'a, Result<Receipt, BackendError>>;

    /// Deletes an object if it is still at `etag`, waiting for the repository's decision.
    fn delete<'a>(
        &'a self,
        target: &'a Target,
        etag: &'a str,
    ) -> BoxFuture<'a, Result<Deleted, BackendError>>;

    /// The caller will write through this backend after its next lists (an apply), so it may
    /// keep from them what its writes need. Without this call, a backend keeps nothing that
    /// only writes would use (a read-only run such as a plan holds every live object already),
    /// and reads an object again if it comes to write it. By default nothing changes.
    fn expect_writes(&self) {}
}

/// Several providers' repositories as one: each call goes to the backend of the provider that
/// owns the kind. What a run reads and writes when its manifests span providers.
pub struct Routed {
    /// `(provider name, backend)`, sorted by provider name.
    backends: Vec<(&'static str, Arc<dyn Backend>)>,
}

impl Routed {
    pub fn new(mut backends: Vec<(&'static str, Arc<dyn Backend>)>) -> Self {
        backends.sort_by_key(|(name, _)| *name);
        Routed { backends }
    }

    pub fn providers(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.backends.iter().map(|(name, _)| *name)
    }

    /// Each backend's description (`describe` joins them into one line).
    pub fn descriptions(&self) -> Vec<String> {
        self.backends.iter().map(|(_, b)| b.describe()).collect()
    }

    fn of(&self, kind: Kind) -> Result<&dyn Backend, BackendError> {
        self.backends
            .iter()
            .find(|(name, _)| *name == kind.provider())
            .map(|(_, backend)| backend.as_ref())
            .ok_or_else(|| {
                BackendError::new(
                    ErrorKind::Config,
                    format!(
                        "no repository of provider `{}` is part of this run (for {kind}); name it with --provider {}",
                        kind.provider(),
                        kind.provider()
                    ),
                )
            })
    }
}

impl Backend for Routed {
    /// The repositories, `; `-separated in provider order (one provider: its own description).
    fn describe(&self) -> String {
        let all: Vec<String> = self.backends.iter().map(|(_, b)| b.describe()).collect();
        all.join("; ")
    }

    fn list(&self, kind: Kind) -> BoxFuture<'_, Result<Vec<LiveObject>, BackendError>> {
        match self.of(kind) {
            Ok(backend) => backend.list(kind),
            Err(error) => Box::pin(async move { Err(error) }),
        }
    }

    fn expect_writes(&self) {
        for (_, backend) in &self.backends {
            backend.expect_writes();
        }
    }

    fn create<'a>(
        &'a self,
        kind: Kind,
        instance: &'a Value,
    ) -> BoxFuture<'a, Result<Receipt, BackendError>> {
        match self.of(kind) {
            Ok(backend) => backend.create(kind, instance),
            Err(error) => Box::pin(async move { Err(error) }),
        }
    }

    fn patch<'a>(
        &'a self,
        target: &'a Target,
        ops: &'a [Op],
        etag: &'a str,
    ) -> BoxFuture<'a, Result<Receipt, BackendError>> {
        match self.of(target.kind) {
            Ok(backend) => backend.patch(target, ops, etag),
            Err(error) => Box::pin(async move { Err(error) }),
        }
    }

    fn delete<'a>(
        &'a self,
        target: &'a Target,
        etag: &'a str,
    ) -> BoxFuture<'a, Result<Deleted, BackendError>> {
        match self.of(target.kind) {
            Ok(backend) => backend.delete(target, etag),
            Err(error) => Box::pin(async move { Err(error) }),
        }
    }
}
