//! Saved plans: what makes one stale. A saved plan is applied exactly as reviewed, so every
//! object it acts on must still be where and as the plan saw it.

use std::collections::HashMap;

use super::{Action, Plan};
use crate::backend::LiveObject;
use crate::live::LiveState;

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
