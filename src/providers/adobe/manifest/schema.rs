//! The JSON Schema of the manifest language, generated from the model types.
//!
//! Draft-07, because yaml-language-server (what most editors use for YAML) supports it fully.

use schemars::generate::SchemaSettings;

use super::model::Manifest;

/// The schema for one manifest document, as JSON.
pub fn json_schema() -> serde_json::Value {
    let generator = SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<Manifest>();
    schema.insert("title".into(), "offerctl manifest".into());
    schema.insert(
        "description".into(),
        "One document of an offerctl manifest file (offers.d/*.yaml): a tag, placement, rule, \
         offer, fallback offer, filter or activity."
            .into(),
    );
    schema.to_value()
}
