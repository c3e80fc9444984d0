//! Adobe's clients: the XCore and DPS HTTP APIs over one shared transport, and the embedded
//! repository (no network) for local use.

pub mod dps;
pub mod embedded;
pub mod http;
pub mod shards;
pub mod xcore;

use serde_json::Value;

use crate::backend::LiveObject;
use crate::providers::adobe::kind::Kind;

/// A live object from an `_instance` document: its name is `xdm:name`; who changed it last
/// is added by the caller that knows ([`LiveObject::modified`]).
pub fn live_object(
    kind: Kind,
    instance_id: String,
    id: String,
    etag: String,
    instance: Value,
) -> LiveObject {
    let name = instance
        .get("xdm:name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    LiveObject {
        kind: kind.core(),
        instance_id,
        id,
        etag,
        name,
        instance,
        modified: None,
    }
}
