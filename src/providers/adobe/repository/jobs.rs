//! Delete requests and jobs: the outcome of a delete, and the asynchronous job (with its
//! decision) started when the target is still referenced.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::envelope::Envelope;
use super::error::Referrer;

/// The result of a delete request.
#[derive(Debug, Clone)]
pub enum DeleteOutcome {
    /// Nothing referenced the instance: it is gone. The envelope is its final state.
    Deleted(Envelope),
    /// Other instances reference it; the outcome is decided when the job is polled.
    Accepted(DeleteJob),
}

/// An asynchronous delete, created when the target is referenced at the time of the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeleteJob {
    pub id: String,
    pub instance_id: String,
    pub uri: String,
    pub schema: String,
    pub requested_by: String,
    pub requested_by_client_id: String,
    pub requested_date: String,
    /// How many more polls answer "pending" before the outcome is decided.
    pub pending_polls: u32,
    pub decision: Option<DeleteDecision>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum DeleteDecision {
    /// The instance was deleted; `receipt` is its final receipt.
    Deleted {
        receipt: Value,
        decided_date: String,
    },
    /// The instance was kept because others still reference it (or it was already gone).
    Rejected {
        reason: String,
        referenced_by: Vec<Referrer>,
        decided_date: String,
    },
}
