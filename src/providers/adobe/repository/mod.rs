//! The offer repository engine: a faithful model of the XCore instance repository (storage,
//! etags, validation, references, delete jobs, lists and search), with no knowledge of HTTP.
//!
//! It backs `offerctl serve` and can be embedded directly:
//!
//! ```
//! use offerctl::providers::adobe::repository::{Actor, Repository, container_id};
//! use offerctl::providers::adobe::kind::Kind;
//! use serde_json::json;
//!
//! let repo = Repository::open_in_memory();
//! let me = Actor::new("me@techacct.adobe.com", "my-api-key");
//! let container = container_id("prod");
//! let tag = repo
//!     .create("prod", &container, &Kind::Tag.schema_id(), json!({"xdm:name": "gold"}), &me)
//!     .unwrap();
//! assert_eq!(tag.etag, 1);
//! assert!(tag.uri().starts_with("xcore:tag:"));
//! ```
//!
//! Every sandbox is an isolated store holding exactly one container, whose id
//! [`container_id`] derives from the sandbox name. All operations on a repository are
//! serialized by one lock, so each is atomic: a conditional write checks the etag and commits
//! in the same critical section (two writers holding the same etag: exactly one wins). In
//! durable mode the change is synced to the log inside that section, before it is applied in
//! memory and acknowledged.

mod checks;
mod container;
mod deletes;
mod envelope;
mod error;
mod handle;
mod ids;
mod index;
mod instances;
mod jobs;
mod query;
mod reads;
mod store;
mod validate;
mod writes;

#[cfg(test)]
mod tests;

pub use crate::wal::WalError;
pub use checks::IfMatch;
pub use container::{CONTAINER_SCHEMA, Container};
pub use envelope::{
    Actor, Draft, Envelope, format_timestamp, millis_to_timestamp, parse_rfc3339, values_in_map,
};
pub use error::{Referrer, RepoError, Violation};
pub use handle::Repository;
pub use ids::{IdScheme, container_id, dataset_id, sandbox_id};
pub use jobs::{DeleteDecision, DeleteJob, DeleteOutcome};
pub use query::{
    DEFAULT_LIMIT, Hit, ListQuery, MAX_LIMIT, OrderKey, Page, PropertyFilter, Test, TextSearch,
};
pub use store::Removal;
pub use validate::{Reference, references};

/// Largest document a write may leave stored, as JSON text: the largest request body the
/// emulator reads, so a patch cannot grow a document past what a PUT could send.
pub const MAX_DOCUMENT_BYTES: usize = 8 << 20;

/// Applies a JSON Patch to a throw-away copy of a document, bounded in size
/// ([`MAX_DOCUMENT_BYTES`], else [`RepoError::PatchTooLarge`]) and depth: the one patch
/// applier behind both APIs' PATCH.
pub fn apply_patch(
    doc: &mut serde_json::Value,
    ops: &[json_patch::PatchOperation],
) -> Result<(), RepoError> {
    crate::json_bounds::apply_patch(doc, ops, MAX_DOCUMENT_BYTES).map_err(RepoError::from)
}
