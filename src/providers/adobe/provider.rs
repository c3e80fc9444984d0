//! Adobe as the core sees it: the [`Provider`] implementation, routing each question to the
//! module that knows the answer (kinds, manifest decoding, XCore mapping, export).

use serde_json::Value;

use super::kind::{self, Kind};
use super::manifest::{Manifest, decode, validate};
use super::mapping::xcore;
use crate::backend::LiveObject;
use crate::diagnostic::Diagnostic;
use crate::diff::Rules;
use crate::kind::Kind as CoreKind;
use crate::manifest::{Catalog, Decoder, Document, Fields, Language, Meta, Spanned};
use crate::provider::Provider;

/// Adobe offer decisioning (XCore and DPS APIs, the embedded repository).
pub struct Adobe;

/// The one instance, for registries.
pub static ADOBE: Adobe = Adobe;

/// Adobe's kind for a core kind this provider was asked about.
///
/// # Panics
/// When `kind` is not Adobe's: the registry routes by provider, so that is a wiring mistake.
fn adobe(kind: CoreKind) -> Kind {
    Kind::of(kind).unwrap_or_else(|| panic!("{kind} is not an Adobe kind"))
}

impl Language for Adobe {
    fn kinds(&self) -> Vec<CoreKind> {
        kind::core_kinds()
    }

    fn decode(
        &self,
        kind: CoreKind,
        decoder: &mut Decoder<'_>,
        fields: &mut Fields<'_>,
        meta: Option<Meta>,
    ) -> Option<Box<dyn Document>> {
        decode::body(decoder, adobe(kind), fields, meta).map(|m| Box::new(m) as Box<dyn Document>)
    }

    fn check_pinned_id(
        &self,
        kind: CoreKind,
        id: &Spanned<String>,
        decoder: &mut Decoder<'_>,
    ) -> bool {
        decode::check_pinned_id(decoder, adobe(kind), id)
    }

    fn ignorable_fields(&self, kind: CoreKind) -> Vec<&'static str> {
        xcore::ignorable_fields(adobe(kind))
    }

    fn check_decoded(&self, document: &dyn Document, decoder: &mut Decoder<'_>) {
        if let Some(manifest) = document.as_any().downcast_ref::<Manifest>() {
            decode::check_decoded(decoder, manifest);
        }
    }

    fn kind_of_id(&self, id: &str) -> Option<CoreKind> {
        Kind::from_id(id).map(Kind::core)
    }

    fn wrong_kind_help(
        &self,
        field: &str,
        _expected: CoreKind,
        actual: CoreKind,
    ) -> Option<&'static str> {
        match (field, Kind::of(actual)?) {
            ("offers", Kind::Tag) => Some(
                "to select offers by tag, use `match: anyTags` (or `allTags`) and list the tag under `tags`",
            ),
            ("tags", Kind::Offer) => {
                Some("to list offers one by one, use `match: offers` and list them under `offers`")
            }
            _ => None,
        }
    }

    fn validate(&self, catalog: &Catalog, diagnostics: &mut Vec<Diagnostic>) {
        validate::check_fallbacks_qualify(catalog, diagnostics);
    }
}

impl Provider for Adobe {
    fn name(&self) -> &'static str {
        kind::PROVIDER
    }

    fn diff_rules(&self, kind: CoreKind) -> Rules {
        xcore::diff_rules(adobe(kind))
    }

    fn references(&self, _kind: CoreKind, document: &Value) -> Vec<String> {
        xcore::references(document)
    }

    fn preview(
        &self,
        kind: CoreKind,
        document: &Value,
        lookup: &dyn crate::preview::Lookup,
    ) -> Vec<crate::preview::Block> {
        super::preview::blocks(adobe(kind), document, lookup)
    }

    fn update_note(&self, kind: CoreKind, operations: usize, revision: &str) -> String {
        let noun = if operations == 1 {
            "operation"
        } else {
            "operations"
        };
        match adobe(kind) {
            // The DPS API updates ranking formulas with PUT (the whole formula), XCore with
            // these operations.
            Kind::RankingFormula => format!(
                "patch ({operations} {noun}, If-Match \"{revision}\"; the DPS API sends the whole formula with PUT):"
            ),
            _ => format!("patch ({operations} {noun}, If-Match \"{revision}\"):"),
        }
    }

    fn match_spelling(&self, kind: CoreKind, live: &Value, desired: &mut Value) {
        xcore::match_spelling(adobe(kind), live, desired);
    }

    fn decisions(&self) -> Option<&dyn crate::decisions::Decisions> {
        Some(&super::decide::capability::Decide)
    }

    fn doctor(&self) -> Option<&dyn crate::doctor::Doctor> {
        Some(&super::doctor::SandboxDoctor)
    }

    fn synthetic_catalogue(&self, objects: usize, seed: u64) -> Option<Vec<(String, String)>> {
        Some(super::generate::catalogue(objects, seed))
    }

    fn field_pointer(&self, kind: CoreKind, field: &str) -> Option<&'static str> {
        xcore::field_pointer(adobe(kind), field)
    }

    fn field_label(&self, kind: CoreKind, pointer: &str) -> String {
        xcore::field_label(adobe(kind), pointer)
    }

    fn export(
        &self,
        object: &LiveObject,
        name_of: &(dyn Fn(CoreKind, &str) -> String + Sync),
    ) -> Result<Box<dyn Document>, Vec<String>> {
        let namer = |kind: Kind, id: &str| name_of(kind.core(), id);
        xcore::from_instance(adobe(object.kind), &object.instance.value(), &namer)
            .map(|m| Box::new(m) as Box<dyn Document>)
    }

    fn file_name(&self, kind: CoreKind) -> &'static str {
        match adobe(kind) {
            Kind::Tag => "tags",
            Kind::Placement => "placements",
            Kind::Rule => "rules",
            Kind::Offer => "offers",
            Kind::FallbackOffer => "fallback-offers",
            Kind::Filter => "filters",
            Kind::RankingFormula => "ranking-formulas",
            Kind::Activity => "activities",
        }
    }

    fn json_schema(&self) -> Value {
        super::manifest::schema::json_schema()
    }
}
