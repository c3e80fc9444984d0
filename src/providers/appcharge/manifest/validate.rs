//! Appcharge's checks across documents. References (existence and kind, such as a
//! progress-bar entry naming a `ProgressBar`) are the core's; the rest is here: an offer's
//! design must be made for its offer type.

use super::model::{OfferDesign, offer_head};
use crate::diagnostic::Diagnostic;
use crate::manifest::{Catalog, Target};
use crate::providers::appcharge::kind::Kind;

pub fn check_design_types(catalog: &Catalog, diagnostics: &mut Vec<Diagnostic>) {
    let objects = catalog.objects();
    for object in objects {
        let Some((kind, head)) = offer_head(object.manifest.as_ref()) else {
            continue;
        };
        let Some(reference) = &head.design else {
            continue;
        };
        let Some(Target::Object(index)) = catalog.resolve(Kind::OfferDesign.core(), reference)
        else {
            continue; // unresolved: reported with the references
        };
        let Some(design) = objects[index].document::<OfferDesign>() else {
            continue;
        };
        let wanted = kind.offer_type().unwrap_or_default();
        if design.offer_type.value != wanted {
            diagnostics.push(
                Diagnostic::error(
                    "design-type",
                    format!(
                        "design `{}` is for {} offers, not {}s",
                        reference.value,
                        design.offer_type.value,
                        kind.noun()
                    ),
                )
                .with_label(reference.loc, "a design of another offer type")
                .with_label(design.offer_type.loc, "made for this offer type")
                .with_help(format!("use a design whose `offerType` is `{wanted}`")),
            );
        }
    }
}
