//! Decision impact for plans: each expectation decided over the live catalogue and over the
//! desired one; those whose outcome differs are what the plan changes for customers.

use time::OffsetDateTime;

use super::cases::{Case, run};
use super::catalogue::Catalogue;
use crate::plan::impact::Impact;

/// The expectations whose outcome differs between `live` and `desired`, in case order.
pub fn impact(
    cases: &[Case],
    live: &Catalogue,
    desired: &Catalogue,
    now: OffsetDateTime,
) -> Vec<Impact> {
    cases
        .iter()
        .filter_map(|case| {
            let before = run(case, live, now);
            let after = run(case, desired, now);
            (before.actual != after.actual).then(|| Impact {
                case: case.spec.name.clone(),
                scope: after.scope,
                before: before.actual,
                after: after.actual,
            })
        })
        .collect()
}
