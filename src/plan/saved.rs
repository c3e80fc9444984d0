//! Saved plans: what makes one stale or altered. A saved plan is applied exactly as reviewed,
//! so every object it acts on must still be where and as the plan saw it, and the file must
//! still say what it said when it was made.

use std::collections::HashMap;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Action, Plan};
use crate::backend::LiveObject;
use crate::live::LiveState;

/// SHA-256 of the plan's canonical JSON (object keys sorted, no whitespace), the `digest` field
/// left out: every field counts (operations, targets and their etags, names, the repository,
/// the summary a reviewer read), so a field added to [`Plan`] is covered without code here.
pub fn digest(plan: &Plan) -> String {
    let mut value = serde_json::to_value(plan).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut value {
        fields.remove("digest");
    }
    let mut hasher = Sha256::new();
    hasher.update(canonical(&value).as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The plan with its digest set, as saved.
pub fn sealed(plan: &Plan) -> Plan {
    Plan {
        digest: digest(plan),
        ..plan.clone()
    }
}

/// Why a saved plan's content no longer matches its digest, if it does not.
pub fn altered(plan: &Plan) -> Option<String> {
    if plan.digest.is_empty() {
        Some("it carries no digest (saved by an older offerctl, or the digest was removed)".into())
    } else if digest(plan) != plan.digest {
        Some("it was edited after it was saved: its content no longer matches its digest".into())
    } else {
        None
    }
}

/// JSON with object keys sorted and no whitespace. Recursion is bounded by the depth
/// serde_json accepts when reading (128).
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(fields) => {
            let mut entries: Vec<(&String, &Value)> = fields.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(key, value)| format!("{}:{}", Value::from(key.as_str()), canonical(value)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", inner.join(","))
        }
        scalar => scalar.to_string(),
    }
}

/// The changes of `plan` that can no longer be applied as planned, given the repository as
/// it is now: address → why. Creates whose object appeared meanwhile, and updates or deletes
/// whose object is gone or at another revision.
pub fn stale(plan: &Plan, live: &LiveState) -> Vec<(String, String)> {
    let by_instance: HashMap<&str, &LiveObject> = live
        .objects
        .iter()
        .map(|o| (o.instance_id.as_str(), o))
        .collect();
    let mut stale = Vec::new();
    for change in plan.actions() {
        let problem = match (&change.action, &change.live) {
            (Action::Create, _) => live
                .objects
                .iter()
                .any(|o| o.kind == change.kind && o.name() == change.name)
                .then(|| {
                    format!(
                        "{} was created in the repository after the plan was made",
                        change.address
                    )
                }),
            (_, Some(expected)) => match by_instance.get(expected.instance_id.as_str()) {
                None => Some(format!(
                    "{} was deleted from the repository after the plan was made",
                    change.address
                )),
                Some(now) if now.etag != expected.etag => Some(format!(
                    "{} changed in the repository after the plan was made (etag {} then, {} now)",
                    change.address, expected.etag, now.etag
                )),
                Some(_) => None,
            },
            (_, None) => Some(format!(
                "the plan entry for {} names no live object",
                change.address
            )),
        };
        if let Some(message) = problem {
            stale.push((change.address.clone(), message));
        }
    }
    stale
}
