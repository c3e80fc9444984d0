//! Decoding Appcharge documents from the spanned YAML tree, with every rule that one document
//! can check on its own located at the field it is about. Rules that need several documents
//! (the design's type, references) are in [`super::validate`].

use super::super::kind::Kind;
use super::model::*;
use crate::diagnostic::Diagnostic;
use crate::manifest::decode::one_of;
use crate::manifest::{Decoder, Document, Fields, Meta, Spanned};
use crate::yaml::Node;

mod offers;

pub fn decode(
    kind: Kind,
    decoder: &mut Decoder<'_>,
    fields: &mut Fields<'_>,
    meta: Option<Meta>,
) -> Option<Box<dyn Document>> {
    let title = fields
        .required(decoder, "title", kind.as_str())
        .and_then(|node| decoder.non_empty_text(node, "title"));
    match kind {
        Kind::Product => {
            let display_name = text(decoder, fields, "displayName");
            let unit = fields
                .get("unit")
                .and_then(|node| decoder.choice(node, "unit", Unit::OPTIONS));
            let description = text(decoder, fields, "description");
            let image = text(decoder, fields, "image");
            Some(Box::new(Product {
                meta: meta?,
                title: title?,
                display_name,
                unit,
                description,
                image,
            }))
        }
        Kind::Badge => {
            let style = fields
                .required(decoder, "style", "Badge")
                .and_then(|node| decoder.choice(node, "style", BadgeStyle::OPTIONS));
            let text_field = text(decoder, fields, "text");
            let image = text(decoder, fields, "image");
            let style = style?;
            let missing = match style.value {
                BadgeStyle::Ribbon if text_field.is_none() => {
                    Some(("text", "a ribbon badge shows a text"))
                }
                BadgeStyle::Emblem if image.is_none() => {
                    Some(("image", "an emblem badge shows an image"))
                }
                _ => None,
            };
            if let Some((field, why)) = missing {
                decoder.report(
                    Diagnostic::error("missing-field", format!("{why}: `{field}` is required"))
                        .with_label(style.loc, format!("this style needs `{field}`")),
                );
            }
            Some(Box::new(Badge {
                meta: meta?,
                title: title?,
                style,
                text: text_field,
                image,
            }))
        }
        Kind::OfferDesign => {
            let offer_type = fields
                .required(decoder, "offerType", "OfferDesign")
                .and_then(|node| decoder.non_empty_text(node, "offerType"));
            if let Some(t) = &offer_type
                && !OFFER_TYPES.contains(&t.value.as_str())
            {
                decoder.report(
                    Diagnostic::error("bad-value", format!("`{}` is not an offer type", t.value))
                        .with_label(t.loc, format!("expected {}", one_of(OFFER_TYPES))),
                );
            }
            let background_image = text(decoder, fields, "backgroundImage");
            Some(Box::new(OfferDesign {
                meta: meta?,
                title: title?,
                offer_type: offer_type?,
                background_image,
            }))
        }
        _ => offers::offer(kind, decoder, fields, meta, title),
    }
}

pub(super) fn text(
    decoder: &mut Decoder<'_>,
    fields: &mut Fields<'_>,
    key: &'static str,
) -> Option<Spanned<String>> {
    fields.get(key).and_then(|node| decoder.text(node, key))
}

pub(super) fn boolean(
    decoder: &mut Decoder<'_>,
    node: &Node,
    field: &str,
) -> Option<Spanned<bool>> {
    let loc = decoder.loc(&node.span);
    decoder
        .boolean(node, field)
        .map(|value| Spanned { value, loc })
}
