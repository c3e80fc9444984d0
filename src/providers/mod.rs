//! The providers: one folder per vendor, each owning its kinds, manifest language, wire
//! mappings, clients, emulator facades and export. The core reaches them only through
//! [`crate::provider::Provider`]; this module composes them.

pub mod adobe;
pub mod appcharge;
pub mod serve;

use crate::provider::Providers;

/// The JSON Schema of one manifest document of any compiled-in provider.
pub fn json_schema() -> serde_json::Value {
    let schemas: Vec<serde_json::Value> = builtin().iter().map(|p| p.json_schema()).collect();
    match <[serde_json::Value; 1]>::try_from(schemas) {
        Ok([one]) => one,
        Err(several) => serde_json::json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "title": "offerctl manifest",
            "oneOf": several,
        }),
    }
}

/// The providers compiled into offerctl (their kinds registered on first use).
pub fn builtin() -> Providers {
    Providers::new(vec![&adobe::provider::ADOBE])
}
