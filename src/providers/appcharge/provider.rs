//! Appcharge as the core sees it: the [`Provider`] implementation.

use serde_json::Value;

use super::kind::{self, Kind};
use super::manifest::{decode, validate};
use super::{export, wire};
use crate::backend::LiveObject;
use crate::diagnostic::Diagnostic;
use crate::diff::Rules;
use crate::kind::Kind as CoreKind;
use crate::manifest::{Catalog, Decoder, Document, Fields, Language, Meta, Spanned};
use crate::provider::Provider;

/// Appcharge web-store offers and their components.
pub struct Appcharge;

pub static APPCHARGE: Appcharge = Appcharge;

impl Language for Appcharge {
    fn kinds(&self) -> Vec<CoreKind> {
        Kind::core_kinds()
    }

    fn decode(
        &self,
        kind: CoreKind,
        decoder: &mut Decoder<'_>,
        fields: &mut Fields<'_>,
        meta: Option<Meta>,
    ) -> Option<Box<dyn Document>> {
        decode::decode(Kind::from_core(kind), decoder, fields, meta)
    }

    /// Appcharge objects are keyed by the publisher's own id, which is their `name`: there is
    /// no server id to pin.
    fn check_pinned_id(
        &self,
        kind: CoreKind,
        id: &Spanned<String>,
        decoder: &mut Decoder<'_>,
    ) -> bool {
        decoder.report(
            Diagnostic::error(
                "bad-id",
                format!("{kind} objects cannot be pinned with `id`"),
            )
            .with_label(id.loc, "not used by Appcharge")
            .with_help("Appcharge keys objects by the publisher's id, which is the `name`"),
        );
        false
    }

    fn ignorable_fields(&self, kind: CoreKind) -> Vec<&'static str> {
        wire::ignorable_fields(Kind::from_core(kind))
    }

    fn validate(&self, catalog: &Catalog, diagnostics: &mut Vec<Diagnostic>) {
        validate::check_design_types(catalog, diagnostics);
    }
}

impl Provider for Appcharge {
    fn name(&self) -> &'static str {
        kind::PROVIDER
    }

    fn diff_rules(&self, kind: CoreKind) -> Rules {
        wire::diff_rules(Kind::from_core(kind))
    }

    fn references(&self, kind: CoreKind, document: &Value) -> Vec<String> {
        wire::references(Kind::from_core(kind), document)
    }

    fn field_pointer(&self, kind: CoreKind, field: &str) -> Option<&'static str> {
        wire::field_pointer(Kind::from_core(kind), field)
    }

    fn field_label(&self, kind: CoreKind, pointer: &str) -> String {
        wire::field_label(Kind::from_core(kind), pointer)
    }

    fn export(
        &self,
        object: &LiveObject,
        name_of: &(dyn Fn(CoreKind, &str) -> String + Sync),
    ) -> Result<Box<dyn Document>, Vec<String>> {
        export::export(
            Kind::from_core(object.kind),
            &object.instance.value(),
            name_of,
        )
    }

    fn file_name(&self, kind: CoreKind) -> &'static str {
        match Kind::from_core(kind) {
            Kind::Product => "appcharge-products",
            Kind::Badge => "appcharge-badges",
            Kind::OfferDesign => "appcharge-offer-designs",
            Kind::ProgressBar => "appcharge-progress-bars",
            Kind::RollingOffer => "appcharge-rolling-offers",
            Kind::Bundle => "appcharge-bundles",
            Kind::SpecialOffer => "appcharge-special-offers",
            Kind::CheckoutLink => "appcharge-checkout-links",
            Kind::Popup => "appcharge-popups",
        }
    }

    fn json_schema(&self) -> Value {
        super::manifest::schema::json_schema()
    }

    /// Appcharge has no PATCH: the changes travel in one full-document PUT, built from the
    /// object as read just before (so what offerctl does not model is sent back unchanged).
    fn update_note(&self, _kind: CoreKind, operations: usize, revision: &str) -> String {
        let changes = if operations == 1 {
            "this change".to_string()
        } else {
            format!("these {operations} changes")
        };
        format!(
            "one full-document PUT carries {changes} (no PATCH on this API; revision \"{revision}\" is checked just before):"
        )
    }

    /// Offers can be switched off (`active: false`), as Appcharge's guide recommends for live
    /// campaigns; components cannot.
    fn deactivation(&self, kind: CoreKind, live: &Value) -> Option<Vec<crate::diff::Op>> {
        if !Kind::from_core(kind).is_offer() {
            return None;
        }
        if live.get("active") == Some(&Value::Bool(false)) {
            return Some(Vec::new());
        }
        Some(vec![crate::diff::Op::Replace {
            path: "/active".into(),
            value: Value::Bool(false),
        }])
    }

    fn preview(
        &self,
        _kind: CoreKind,
        document: &Value,
        lookup: &dyn crate::preview::Lookup,
    ) -> Vec<crate::preview::Block> {
        super::preview::blocks(document, lookup)
    }

    /// Offers of every type share one namespace of `publisherOfferId`s, and Appcharge
    /// documents no change of `type` (or `subType`) by PUT: an offer whose type changes is
    /// deleted and created anew.
    fn replaces(&self, kind: CoreKind, live_kind: CoreKind) -> bool {
        let offer = |k| Kind::of(k).is_some_and(Kind::is_offer);
        offer(kind) && offer(live_kind)
    }
}
