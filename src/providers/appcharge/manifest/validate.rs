//! Appcharge's checks across documents. References (existence and kind) are the core's; the
//! rest is here: an offer's design must be made for its offer type.

use super::super::kind::Kind;
use super::model::{OfferDesign, RollingOffer};
use crate::diagnostic::Diagnostic;
use crate::manifest::{Catalog, Target};

pub fn check_design_types(catalog: &Catalog, diagnostics: &mut Vec<Diagnostic>) {
    let objects = catalog.objects();
    for object in objects {
        let Some(offer) = object.document::<RollingOffer>() else {
            continue;
        };
        let Some(reference) = &offer.design else {
            continue;
        };
        let Some(Target::Object(index)) = catalog.resolve(Kind::OfferDesign.core(), reference)
        else {
            continue; // unresolved: reported with the references
        };
        let Some(design) = objects[index].document::<OfferDesign>() else {
            continue;
        };
        if design.offer_type.value != "RollingOffer" {
            diagnostics.push(
                Diagnostic::error(
                    "design-type",
                    format!(
                        "design `{}` is for {} offers, not rolling offers",
                        reference.value, design.offer_type.value
                    ),
                )
                .with_label(reference.loc, "a design of another offer type")
                .with_label(design.offer_type.loc, "made for this offer type")
                .with_help("use a design whose `offerType` is `RollingOffer`"),
            );
        }
    }
}
