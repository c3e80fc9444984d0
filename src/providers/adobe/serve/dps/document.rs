//! DPS documents and stored instances: a document to the canonical instance (with the rules
//! the DPS API adds), an instance back to the document GET and lists return, and receipts.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::super::media;
use super::super::response::{json_response, set_header};
use super::error::{DpsError, Result, bad_request, invalid, mapping_error};
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::mapping::dps as mapping;
use crate::providers::adobe::repository::{Envelope, dataset_id, sandbox_id};
use crate::serve::Committed;

pub(super) const JSON: &str = "application/json";
pub(super) const JSON_PATCH: &str = "application/json-patch+json";

/// The schema version DPS reports for objects it created; ranking formulas made through DPS
/// report their schema without one (reference §2.3).
fn default_version(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::Tag => "0.1",
        Kind::Placement => "0.5",
        Kind::Rule => "0.3",
        Kind::Offer => "0.15",
        Kind::FallbackOffer => "0.8",
        Kind::Filter => "0.4",
        Kind::RankingFormula => return None,
        Kind::Activity => "0.8",
    })
}

/// The schema a DPS create records (and XCore reads echo).
pub(super) fn dps_schema(kind: Kind) -> String {
    match default_version(kind) {
        Some(version) => format!("{};version={version}", kind.schema_id()),
        None => kind.schema_id(),
    }
}

/// Rules the DPS API adds to the engine's: a rule needs `profileConstraintType:
/// "eligibilityRule"`, and that type needs a rule (reference §2.3, after ExD).
fn check_dps_rules(kind: Kind, document: &Map<String, Value>) -> Result<()> {
    let check = |constraint: Option<&Value>, base: &str| -> Result<()> {
        let Some(Value::Object(constraint)) = constraint else {
            return Ok(());
        };
        let declared = constraint
            .get("profileConstraintType")
            .and_then(Value::as_str);
        let has_rule = constraint.contains_key("eligibilityRule");
        if has_rule && declared != Some("eligibilityRule") {
            return Err(invalid(
                &format!("{base}/profileConstraintType"),
                "Cannot specify eligibilityRule without a declared profileConstraintType \
                 (it must be \"eligibilityRule\")",
            ));
        }
        if !has_rule && declared == Some("eligibilityRule") {
            return Err(invalid(
                &format!("{base}/eligibilityRule"),
                "is required when profileConstraintType is \"eligibilityRule\"",
            ));
        }
        Ok(())
    };
    match kind {
        Kind::Offer | Kind::FallbackOffer => {
            check(document.get("selectionConstraint"), "/selectionConstraint")
        }
        Kind::Activity => {
            if let Some(Value::Array(criteria)) = document.get("criteria") {
                for (i, criterion) in criteria.iter().enumerate() {
                    check(
                        criterion.get("profileConstraint"),
                        &format!("/criteria/{i}/profileConstraint"),
                    )?;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A DPS document → the canonical instance the engine stores.
pub(super) fn to_canonical(kind: Kind, document: &Value) -> Result<Value> {
    let Value::Object(object) = document else {
        return Err(bad_request("the body must be a JSON object"));
    };
    check_dps_rules(kind, object)?;
    // A fallback's neutral `selectionConstraint: {profileConstraintType: "none"}` is stored as
    // it came (an empty constraint), so that it reads back as sent.
    mapping::from_dps(kind, document).map_err(mapping_error)
}

/// The stored instance in DPS form (with `id`), or 422 when it cannot be represented.
///
/// An activity made in the product UI carries both the flat pair and `xdm:criteria`; DPS has
/// only `criteria`, so the flat pair is left out (a DPS write then stores a single form).
pub(super) fn dps_body(envelope: &Envelope) -> Result<Value> {
    let instance = &envelope.instance;
    let mapped = if envelope.kind == Kind::Activity && instance.contains_key("xdm:criteria") {
        let mut instance = instance.clone();
        instance.shift_remove("xdm:placement");
        instance.shift_remove("xdm:filter");
        mapping::to_dps_object(envelope.kind, &instance)
    } else {
        mapping::to_dps_object(envelope.kind, instance)
    };
    mapped.map_err(|e| DpsError::Problem {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        kind: "unrepresentable",
        detail: format!(
            "{} cannot be represented in the DPS form: {e}",
            envelope.uri()
        ),
        extra: json!({"id": envelope.uri()}),
    })
}

pub(super) fn schema_of(envelope: &Envelope) -> String {
    match default_version(envelope.kind) {
        Some(version) if !envelope.schema.contains(";version=") => {
            format!("{};version={version}", envelope.schema)
        }
        _ => envelope.schema.clone(),
    }
}

/// A ranking formula's `returnType.type` as DPS reads it back: upper-cased (`"integer"` is
/// sent, `"INTEGER"` is read; reference §2.3).
pub(super) fn upper_case_return_type(kind: Kind, body: &mut Map<String, Value>) {
    if kind != Kind::RankingFormula {
        return;
    }
    if let Some(Value::Object(return_type)) = body.get_mut("returnType")
        && let Some(Value::String(name)) = return_type.get_mut("type")
    {
        *name = name.to_ascii_uppercase();
    }
}

fn receipt_body(envelope: &Envelope, sandbox: &str) -> Value {
    json!({
        "etag": envelope.etag,
        "id": envelope.uri(),
        "datasetId": dataset_id(sandbox),
        "sandboxId": sandbox_id(sandbox),
        "createdDate": envelope.created_date,
        "lastModifiedDate": envelope.last_modified_date,
        "createdBy": envelope.created_by,
        "lastModifiedBy": envelope.last_modified_by,
        "createdByClientId": envelope.created_by_client_id,
        "lastModifiedByClientId": envelope.last_modified_by_client_id,
    })
}

pub(super) fn receipt(status: StatusCode, envelope: &Envelope, sandbox: &str) -> Response {
    let mut response = json_response(status, &receipt_body(envelope, sandbox), JSON);
    set_header(&mut response, "etag", &media::etag_header(envelope.etag));
    response.extensions_mut().insert(Committed);
    response
}

pub(super) fn parse_json(bytes: &[u8]) -> Result<Value> {
    serde_json::from_slice(bytes)
        .map_err(|e| bad_request(format!("the body is not valid JSON: {e}")))
}
