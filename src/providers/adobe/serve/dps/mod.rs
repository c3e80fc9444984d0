//! The Decision Management ("DPS") facade under `/data/core/dps`, over the same store as the
//! XCore facade. Requests arrive in DPS form and are turned into the canonical `_instance`
//! document by [`crate::providers::adobe::mapping::dps`]; the repository engine then applies exactly the rules it
//! applies to XCore writes (validation, references, etags, uniqueness). See `docs/serve.md`.
//!
//! There is no container in the path: the `x-sandbox-name` header selects the store, whose one
//! container is used. Objects are addressed by their `@id` (`xcore:…` or `dps:…`), not by
//! `instanceId`.

mod document;
mod error;
mod list;
mod objects;
mod rendered;
mod resource;

use std::sync::Arc;

use axum::Router;
use axum::routing::post;

use super::state::App;
use list::list;
use objects::{create, delete, patch, read, replace};

pub use resource::DPS_BASE;

const COLLECTIONS: &[&str] = &[
    "/offers",
    "/placements",
    "/tags",
    "/offer-rules",
    "/offer-collections",
    "/offer-decisions",
    "/ranking-formulas",
];

/// Collections whose objects are also updated by `PUT` with the whole document (reference
/// §2.2: ranking formulas); JSON Patch works on them too, as a third party reports.
const REPLACEABLE: &[&str] = &["/ranking-formulas"];

pub fn routes() -> Router<Arc<App>> {
    let mut router = Router::new();
    for collection in COLLECTIONS {
        let mut one = axum::routing::get(read).patch(patch).delete(delete);
        if REPLACEABLE.contains(collection) {
            one = one.put(replace);
        }
        router = router
            .route(&format!("{DPS_BASE}{collection}"), post(create).get(list))
            .route(&format!("{DPS_BASE}{collection}/{{id}}"), one);
    }
    router
}
