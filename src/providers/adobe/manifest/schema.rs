//! The JSON Schema of the manifest language, generated from the model types.

use super::model::Manifest;
use crate::manifest::document_schema;

/// The schema for one manifest document, as JSON.
pub fn json_schema() -> serde_json::Value {
    let mut value = document_schema::<Manifest>(
        "offerctl manifest",
        "One document of an offerctl manifest file (offers.d/*.yaml): a tag, placement, rule, \
         offer, fallback offer, filter, ranking formula or activity.",
    );
    adobe_meta(&mut value);
    value
}

/// The common fields (the core's `Meta`) in Adobe's words: which ids pin, which kinds
/// `dependsOn` names, and what `extra` holds.
fn adobe_meta(schema: &mut serde_json::Value) {
    use serde_json::Value;
    match schema {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get_mut("properties")
                && properties.contains_key("dependsOn")
                && properties.contains_key("id")
            {
                let set = |properties: &mut serde_json::Map<String, Value>,
                           field: &str,
                           key: &str,
                           text: &str| {
                    if let Some(Value::Object(field)) = properties.get_mut(field) {
                        field.insert(key.into(), text.into());
                    }
                };
                set(
                    properties,
                    "name",
                    "description",
                    "The object's identity within its kind (`xdm:name`, what the product UI shows).",
                );
                set(
                    properties,
                    "id",
                    "description",
                    "Pins this object to an existing repository object (`xcore:<type>:<hex>`): adopts it, and\nlets a rename be applied as a patch.",
                );
                set(
                    properties,
                    "id",
                    "pattern",
                    r"^(xcore|dps):[a-z-]+:[0-9a-zA-Z]+$",
                );
                set(
                    properties,
                    "extra",
                    "description",
                    "Repository properties of this object that no field models, kept verbatim and managed\nexactly as written (`offerctl export` fills it): wire name → JSON value, such as\n`offerui:segmentModel` or `xdm:definedOn`; `null` removes the property. A key may also be\na pointer into a modelled container, such as `/xdm:selectionConstraint/xdm:profileConstraintType`.\nProperties a field of this manifest sets cannot be given here; references inside stay ids.",
                );
                if let Some(Value::Object(items)) = properties
                    .get_mut("dependsOn")
                    .and_then(|d| d.get_mut("items"))
                {
                    items.insert(
                        "pattern".into(),
                        r"^(Tag|Placement|Rule|Offer|FallbackOffer|Filter|RankingFormula|Activity)/.+$".into(),
                    );
                }
            }
            map.values_mut().for_each(adobe_meta);
        }
        Value::Array(items) => items.iter_mut().for_each(adobe_meta),
        _ => {}
    }
}
