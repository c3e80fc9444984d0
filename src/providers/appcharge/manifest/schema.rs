//! The JSON Schema of Appcharge's manifest documents, generated from the model types.

use super::model::Manifest;
use crate::manifest::document_schema;

pub fn json_schema() -> serde_json::Value {
    let mut value = document_schema::<Manifest>(
        "offerctl Appcharge manifest",
        "One Appcharge document of an offerctl manifest file: a product, badge or offer design, \
         or an offer (progress bar, rolling offer, bundle, special offer, checkout link, \
         pop-up). `name` is the publisher's own id of the object.",
    );
    if let Some(variants) = value.get_mut("oneOf").and_then(|v| v.as_array_mut()) {
        for variant in variants {
            let Some(properties) = variant
                .get_mut("properties")
                .and_then(|p| p.as_object_mut())
            else {
                continue;
            };
            // Objects are keyed by the publisher's id, their `name`: nothing to pin.
            properties.remove("id");
            if let Some(name) = properties.get_mut("name").and_then(|n| n.as_object_mut()) {
                name.insert(
                    "description".into(),
                    "The publisher's own id of the object (publisherProductId, publisherBadgeId, \
                     externalId or publisherOfferId): its identity in Appcharge."
                        .into(),
                );
            }
        }
    }
    value
}
