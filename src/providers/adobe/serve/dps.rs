//! The Decision Management ("DPS") facade under `/data/core/dps`, over the same store as the
//! XCore facade. Requests arrive in DPS form and are turned into the canonical `_instance`
//! document by [`crate::providers::adobe::mapping::dps`]; the repository engine then applies exactly the rules it
//! applies to XCore writes (validation, references, etags, uniqueness). See `docs/serve.md`.
//!
//! There is no container in the path: the `x-sandbox-name` header selects the store, whose one
//! container is used. Objects are addressed by their `@id` (`xcore:…` or `dps:…`), not by
//! `instanceId`.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Map, Value, json};

use super::App;
use super::gate::Committed;
use super::http::{
    blocking, caller, header_str, if_match, json_response, path_params, query_params, read_body,
    set_header,
};
use super::media::{self, MediaType};
use super::problem::{ApiError, problem_in};
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::mapping::dps::{self as mapping, MappingError};
use crate::providers::adobe::repository::{
    CompareOp, Draft, Envelope, IdScheme, IfMatch, ListQuery, MAX_LIMIT, OrderKey, PropertyFilter,
    RepoError, Test, container_id, dataset_id, millis_to_timestamp, parse_rfc3339, sandbox_id,
};

pub const DPS_BASE: &str = "/data/core/dps";
const JSON: &str = "application/json";
const JSON_PATCH: &str = "application/json-patch+json";
const DEFAULT_LIMIT: usize = 50;
const DEFAULT_ORDER: &str = "-modified";
/// How often a PATCH without `If-Match` is retried when another write lands in between.
const PATCH_ATTEMPTS: usize = 8;

const COLLECTIONS: &[&str] = &[
    "/offers",
    "/placements",
    "/tags",
    "/offer-rules",
    "/offer-collections",
    "/offer-decisions",
];

pub fn routes() -> Router<Arc<App>> {
    let mut router = Router::new();
    for collection in COLLECTIONS {
        router = router
            .route(&format!("{DPS_BASE}{collection}"), post(create).get(list))
            .route(
                &format!("{DPS_BASE}{collection}/{{id}}"),
                axum::routing::get(read).patch(patch).delete(delete),
            );
    }
    router
}

// ---- errors --------------------------------------------------------------------------------

/// A DPS answer that is not a success: the facade's own problems, or the shared ones.
enum DpsError {
    Api(ApiError),
    Problem {
        status: StatusCode,
        kind: &'static str,
        detail: String,
        extra: Value,
    },
}

type Result<T, E = DpsError> = std::result::Result<T, E>;

impl From<ApiError> for DpsError {
    fn from(error: ApiError) -> Self {
        DpsError::Api(error)
    }
}

impl IntoResponse for DpsError {
    fn into_response(self) -> Response {
        match self {
            DpsError::Api(error) => error.into_response(),
            DpsError::Problem {
                status,
                kind,
                detail,
                extra,
            } => problem_in("dps", status, kind, detail, extra),
        }
    }
}

fn problem(status: StatusCode, kind: &'static str, detail: impl Into<String>) -> DpsError {
    DpsError::Problem {
        status,
        kind,
        detail: detail.into(),
        extra: json!({}),
    }
}

fn bad_request(detail: impl Into<String>) -> DpsError {
    problem(StatusCode::BAD_REQUEST, "bad-request", detail)
}

/// A 422 naming one DPS property.
fn invalid(property: &str, message: impl Into<String>) -> DpsError {
    let message = message.into();
    DpsError::Problem {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        kind: "validation",
        detail: format!("invalid document: {property}: {message}"),
        extra: json!({
            "property": property,
            "violations": [{"property": property, "message": message}],
        }),
    }
}

fn mapping_error(error: MappingError) -> DpsError {
    invalid(&error.pointer, error.message)
}

fn not_found(id: &str, kind: Kind) -> DpsError {
    DpsError::Problem {
        status: StatusCode::NOT_FOUND,
        kind: "not-found",
        detail: format!("no {} with id {id}", kind.description()),
        extra: json!({"id": id}),
    }
}

/// Engine errors, with canonical property pointers rewritten into DPS pointers.
fn repo_error(kind: Kind, error: RepoError) -> DpsError {
    match error {
        RepoError::Invalid(violations) => {
            let violations: Vec<Value> = violations
                .iter()
                .map(|v| {
                    json!({"property": mapping::dps_pointer(kind, &v.property), "message": v.message})
                })
                .collect();
            let detail = violations
                .iter()
                .map(|v| {
                    format!(
                        "{}: {}",
                        v["property"].as_str().unwrap_or(""),
                        v["message"].as_str().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            DpsError::Problem {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                kind: "validation",
                detail: format!("invalid document: {detail}"),
                extra: json!({"property": violations.first().map(|v| v["property"].clone()), "violations": violations}),
            }
        }
        RepoError::Duplicate {
            property,
            value,
            existing,
        } => DpsError::Problem {
            status: StatusCode::CONFLICT,
            kind: "duplicate",
            detail: format!(
                "{} {value:?} is already used by {existing}",
                mapping::dps_pointer(kind, &property)
            ),
            extra: json!({"property": mapping::dps_pointer(kind, &property), "conflictingId": existing}),
        },
        RepoError::EtagMismatch { current } => DpsError::Problem {
            status: StatusCode::CONFLICT,
            kind: "etag-mismatch",
            detail: format!("the object has changed: its current etag is {current}"),
            extra: json!({"currentEtag": current}),
        },
        other => DpsError::Api(ApiError::from(other)),
    }
}

/// Runs a repository call off the async workers, keeping the engine error for translation.
async fn engine<T: Send + 'static>(
    kind: Kind,
    f: impl FnOnce() -> Result<T, RepoError> + Send + 'static,
) -> Result<T> {
    blocking(move || Ok(f()))
        .await?
        .map_err(|e| repo_error(kind, e))
}

// ---- request pieces ------------------------------------------------------------------------

/// The collection of a request path (`/offers` of `/data/core/dps/offers/x`).
fn collection_of(uri: &Uri) -> &str {
    let rest = uri.path().strip_prefix(DPS_BASE).unwrap_or_default();
    let end = rest[1.min(rest.len())..]
        .find('/')
        .map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

/// The kind a request addresses: its collection, and for `/offers` the `offer-type` parameter.
fn kind_of(uri: &Uri, params: &[(String, String)]) -> Result<Kind> {
    let collection = collection_of(uri);
    if collection == "/offers" {
        let offer_type = params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("offer-type"))
            .map(|(_, v)| v.trim().to_ascii_lowercase());
        return match offer_type.as_deref() {
            Some("personalized") => Ok(Kind::Offer),
            Some("fallback") => Ok(Kind::FallbackOffer),
            Some(other) => Err(bad_request(format!(
                "offer-type must be personalized or fallback, not {other:?}"
            ))),
            None => Err(bad_request(
                "the offer-type parameter is required (personalized or fallback)",
            )),
        };
    }
    Kind::ALL
        .into_iter()
        .find(|kind| mapping::resource(*kind).0 == collection)
        .ok_or_else(|| problem(StatusCode::NOT_FOUND, "not-found", "no such collection"))
}

fn require_json(headers: &HeaderMap, allowed: &[&str]) -> Result<()> {
    let essence = header_str(headers, header::CONTENT_TYPE)
        .and_then(MediaType::parse)
        .map(|m| m.essence);
    match essence {
        Some(essence) if allowed.contains(&essence.as_str()) => Ok(()),
        _ => Err(problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            format!(
                "a valid content-type must be specified: {}",
                allowed.join(" or ")
            ),
        )),
    }
}

fn default_version(kind: Kind) -> &'static str {
    match kind {
        Kind::Tag => "0.1",
        Kind::Placement => "0.5",
        Kind::Rule => "0.3",
        Kind::Offer => "0.15",
        Kind::FallbackOffer => "0.8",
        Kind::Filter => "0.4",
        Kind::Activity => "0.8",
    }
}

/// The schema a DPS create records (and XCore reads echo).
fn dps_schema(kind: Kind) -> String {
    format!("{};version={}", kind.schema_id(), default_version(kind))
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
fn to_canonical(kind: Kind, document: &Value) -> Result<Value> {
    let Value::Object(object) = document else {
        return Err(bad_request("the body must be a JSON object"));
    };
    check_dps_rules(kind, object)?;
    let mut instance = mapping::from_dps(kind, document).map_err(mapping_error)?;
    // DPS fallbacks may carry `selectionConstraint: {profileConstraintType: "none"}`, which
    // constrains nothing; XCore fallbacks carry no constraint at all, so it is dropped.
    if kind == Kind::FallbackOffer
        && let Value::Object(map) = &mut instance
        && map
            .get("xdm:selectionConstraint")
            .is_some_and(|c| c.as_object().is_some_and(Map::is_empty))
    {
        map.shift_remove("xdm:selectionConstraint");
    }
    Ok(instance)
}

/// The stored instance in DPS form (with `id`), or 422 when it cannot be represented.
///
/// An activity made in the product UI carries both the flat pair and `xdm:criteria`; DPS has
/// only `criteria`, so the flat pair is left out (a DPS write then stores a single form).
fn dps_body(envelope: &Envelope) -> Result<Value> {
    let mut instance = envelope.instance.clone();
    if envelope.kind == Kind::Activity && instance.contains_key("xdm:criteria") {
        instance.shift_remove("xdm:placement");
        instance.shift_remove("xdm:filter");
    }
    mapping::to_dps(envelope.kind, &Value::Object(instance)).map_err(|e| DpsError::Problem {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        kind: "unrepresentable",
        detail: format!(
            "{} cannot be represented in the DPS form: {e}",
            envelope.uri()
        ),
        extra: json!({"id": envelope.uri()}),
    })
}

fn schema_of(envelope: &Envelope) -> String {
    if envelope.schema.contains(";version=") {
        envelope.schema.clone()
    } else {
        format!(
            "{};version={}",
            envelope.schema,
            default_version(envelope.kind)
        )
    }
}

/// The document as GET and lists return it: the body plus server metadata.
fn document(envelope: &Envelope, sandbox: &str) -> Result<Value> {
    let Value::Object(body) = dps_body(envelope)? else {
        return Err(DpsError::Api(ApiError::Internal(
            "the mapping returned a non-object".into(),
        )));
    };
    let mut out = Map::new();
    out.insert("id".into(), Value::from(envelope.uri()));
    out.extend(body.into_iter().filter(|(k, _)| k != "id"));
    let metadata = json!({
        "etag": envelope.etag,
        "created": envelope.created_date,
        "modified": envelope.last_modified_date,
        "createdBy": envelope.created_by,
        "lastModifiedBy": envelope.last_modified_by,
        "createdByClientId": envelope.created_by_client_id,
        "lastModifiedByClientId": envelope.last_modified_by_client_id,
        "schemas": [schema_of(envelope)],
        "sandboxId": sandbox_id(sandbox),
    });
    if let Value::Object(metadata) = metadata {
        out.extend(metadata);
    }
    Ok(Value::Object(out))
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

fn receipt(status: StatusCode, envelope: &Envelope, sandbox: &str) -> Response {
    let mut response = json_response(status, &receipt_body(envelope, sandbox), JSON);
    set_header(&mut response, "etag", &media::etag_header(envelope.etag));
    response.extensions_mut().insert(Committed);
    response
}

/// The stored object `id`, which must be of `kind` (a fallback under personalized is 404).
async fn find(app: &App, sandbox: &str, kind: Kind, id: &str) -> Result<Envelope> {
    let repo = app.repo.clone();
    let (s, c, i) = (sandbox.to_string(), container_id(sandbox), id.to_string());
    let found = blocking(move || Ok(repo.get_by_uri(&s, &c, &i))).await?;
    match found {
        Ok(envelope) if envelope.kind == kind => Ok(envelope),
        Ok(_) | Err(RepoError::NotFound(_)) => Err(not_found(id, kind)),
        Err(other) => Err(repo_error(kind, other)),
    }
}

fn parse_json(bytes: &[u8]) -> Result<Value> {
    serde_json::from_slice(bytes)
        .map_err(|e| bad_request(format!("the body is not valid JSON: {e}")))
}

// ---- handlers ------------------------------------------------------------------------------

async fn create(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Result<Response> {
    let caller = caller(&headers)?;
    let kind = kind_of(&uri, &query_params(&uri))?;
    require_json(&headers, &[JSON])?;
    let document = parse_json(&read_body(body).await?)?;
    if document.get("id").is_some() {
        return Err(invalid(
            "/id",
            "is assigned by the server and cannot be set",
        ));
    }
    let instance = to_canonical(kind, &document)?;
    let repo = app.repo.clone();
    let sandbox = caller.sandbox.clone();
    let envelope = engine(kind, move || {
        repo.create_as(
            &sandbox,
            &container_id(&sandbox),
            &dps_schema(kind),
            instance,
            &caller.actor,
            IdScheme::Dps,
        )
    })
    .await?;
    Ok(receipt(StatusCode::CREATED, &envelope, &caller.sandbox))
}

async fn read(
    State(app): State<Arc<App>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response> {
    let id = path_params(path)?;
    let caller = caller(&headers)?;
    let kind = kind_of(&uri, &query_params(&uri))?;
    let envelope = find(&app, &caller.sandbox, kind, &id).await?;
    let etag = media::etag_header(envelope.etag);
    if let Some(none_match) = header_str(&headers, header::IF_NONE_MATCH) {
        let unchanged = match media::parse_if_match(none_match) {
            IfMatch::Any => true,
            IfMatch::OneOf(etags) => etags.contains(&envelope.etag),
        };
        if unchanged {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            set_header(&mut response, "etag", &etag);
            return Ok(response);
        }
    }
    let mut response = json_response(StatusCode::OK, &document(&envelope, &caller.sandbox)?, JSON);
    set_header(&mut response, "etag", &etag);
    Ok(response)
}

async fn patch(
    State(app): State<Arc<App>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Result<Response> {
    let id = path_params(path)?;
    let caller = caller(&headers)?;
    let kind = kind_of(&uri, &query_params(&uri))?;
    require_json(&headers, &[JSON, JSON_PATCH])?;
    let bytes = read_body(body).await?;
    let ops: Vec<json_patch::PatchOperation> = serde_json::from_slice(&bytes).map_err(|e| {
        bad_request(format!(
            "the body is not a JSON Patch (an array of {{\"op\", \"path\", ...}} objects): {e}"
        ))
    })?;
    let condition = if_match(&headers);
    for _ in 0..PATCH_ATTEMPTS {
        let current = find(&app, &caller.sandbox, kind, &id).await?;
        if let Some(condition) = &condition {
            match condition {
                IfMatch::Any => {}
                IfMatch::OneOf(etags) if etags.contains(&current.etag) => {}
                IfMatch::OneOf(_) => {
                    return Err(repo_error(
                        kind,
                        RepoError::EtagMismatch {
                            current: current.etag,
                        },
                    ));
                }
            }
        }
        let mut doc = dps_body(&current)?;
        // On a throw-away copy, so a failing operation changes nothing (see Repository::patch
        // for why not `json_patch::patch`).
        json_patch::patch_unsafe(&mut doc, &ops).map_err(|e| DpsError::Problem {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            kind: "patch-failed",
            detail: format!(
                "patch operation {} ({}) cannot be applied: {}",
                e.operation, e.path, e.kind
            ),
            extra: json!({"operation": e.operation, "property": e.path.to_string()}),
        })?;
        match doc.get("id") {
            Some(Value::String(new)) if new == current.uri() => {}
            None => {}
            Some(_) => {
                return Err(invalid(
                    "/id",
                    format!("is immutable; it must stay {}", current.uri()),
                ));
            }
        }
        let instance = to_canonical(kind, &doc)?;
        let draft = Draft {
            instance,
            links: current.links.clone(),
        };
        let repo = app.repo.clone();
        let sandbox = caller.sandbox.clone();
        let actor = caller.actor.clone();
        let (instance_id, schema, etag) = (
            current.instance_id.clone(),
            current.schema.clone(),
            current.etag,
        );
        let written = blocking(move || {
            Ok(repo.put(
                &sandbox,
                &container_id(&sandbox),
                &instance_id,
                &schema,
                draft,
                Some(&IfMatch::OneOf(vec![etag])),
                &actor,
            ))
        })
        .await?;
        match written {
            Ok(envelope) => return Ok(receipt(StatusCode::OK, &envelope, &caller.sandbox)),
            // Another write landed between the read and this one: start again, unless the
            // client pinned the revision it patched.
            Err(RepoError::EtagMismatch { .. }) if condition.is_none() => continue,
            Err(RepoError::NotFound(_)) => return Err(not_found(&id, kind)),
            Err(other) => return Err(repo_error(kind, other)),
        }
    }
    Err(problem(
        StatusCode::CONFLICT,
        "busy",
        "the object kept changing while the patch was applied; retry",
    ))
}

async fn delete(
    State(app): State<Arc<App>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response> {
    let id = path_params(path)?;
    let caller = caller(&headers)?;
    let kind = kind_of(&uri, &query_params(&uri))?;
    let current = find(&app, &caller.sandbox, kind, &id).await?;
    let condition = if_match(&headers);
    let repo = app.repo.clone();
    let sandbox = caller.sandbox.clone();
    let instance_id = current.instance_id.clone();
    let outcome = blocking(move || {
        Ok(repo.delete_unreferenced(
            &sandbox,
            &container_id(&sandbox),
            &instance_id,
            condition.as_ref(),
            &caller.actor,
        ))
    })
    .await?;
    match outcome {
        Ok(Ok(_)) => {
            let mut response = StatusCode::OK.into_response();
            response.extensions_mut().insert(Committed);
            Ok(response)
        }
        Ok(Err(referrers)) => {
            let ids: Vec<&str> = referrers.iter().map(|r| r.id.as_str()).collect();
            Err(DpsError::Problem {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                kind: "referenced",
                detail: format!(
                    "{id} cannot be deleted while other objects reference it: {}",
                    ids.join(", ")
                ),
                extra: json!({"id": id, "referencedBy": ids}),
            })
        }
        Err(RepoError::NotFound(_)) => Err(not_found(&id, kind)),
        Err(other) => Err(repo_error(kind, other)),
    }
}

// ---- lists ---------------------------------------------------------------------------------

/// A DPS property path (`name`, `modified`, `rank.priority`) → the engine's dotted path.
fn engine_property(kind: Kind, dps: &str) -> String {
    match dps {
        "modified" | "lastModifiedDate" => return "repo:lastModifiedDate".into(),
        "created" | "createdDate" => return "repo:createdDate".into(),
        "createdBy" => return "repo:createdBy".into(),
        "lastModifiedBy" => return "repo:lastModifiedBy".into(),
        "etag" => return "repo:etag".into(),
        _ => {}
    }
    let pointer: String = dps.split('.').map(|s| format!("/{s}")).collect();
    let canonical = mapping::canonical_pointer(kind, &pointer);
    canonical.split('/').skip(1).collect::<Vec<_>>().join(".")
}

struct ListRequest {
    order: Vec<OrderKey>,
    /// The order as the client spelled it (echoed in links).
    order_text: String,
    limit: usize,
    start: Option<String>,
    filters: Vec<PropertyFilter>,
    /// Parameters carried over into `next`: `property`s and `offer-type`.
    carried: Vec<(String, String)>,
}

fn list_request(kind: Kind, params: &[(String, String)]) -> Result<ListRequest> {
    let mut request = ListRequest {
        order: Vec::new(),
        order_text: DEFAULT_ORDER.into(),
        limit: DEFAULT_LIMIT,
        start: None,
        filters: Vec::new(),
        carried: Vec::new(),
    };
    for (key, value) in params {
        match key.as_str() {
            "orderby" | "orderBy" => request.order_text = value.trim().to_string(),
            "limit" => {
                request.limit = match value.trim().parse::<usize>() {
                    Ok(n) if n > 0 => n.min(MAX_LIMIT - 1),
                    _ => {
                        return Err(bad_request(format!(
                            "limit must be a positive integer, not {value:?}"
                        )));
                    }
                }
            }
            "start" => request.start = Some(value.clone()),
            "property" => {
                let mut filter =
                    PropertyFilter::parse(value).map_err(|e| bad_request(e.to_string()))?;
                filter.property = engine_property(kind, &filter.property);
                request.filters.push(filter);
                request.carried.push((key.clone(), value.clone()));
            }
            k if k.eq_ignore_ascii_case("offer-type") => request
                .carried
                .push(("offer-type".into(), value.trim().to_ascii_uppercase())),
            _ => {}
        }
    }
    for part in request.order_text.split(',') {
        let part = part.trim_end();
        let (descending, name) = match part.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, part.strip_prefix('+').unwrap_or(part)),
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(bad_request(format!(
                "orderby has an empty property in {:?}",
                request.order_text
            )));
        }
        request.order.push(OrderKey {
            property: engine_property(kind, name),
            descending,
        });
    }
    Ok(request)
}

/// The first order key's value of an item, as `start` spells it.
fn cursor_value(envelope: &Envelope, property: &str) -> Option<String> {
    let value = envelope.values_at(property).into_iter().next()?;
    Some(match value.as_ref() {
        Value::String(s) => s.clone(),
        Value::Null => return None,
        other => other.to_string(),
    })
}

fn same_cursor(a: &str, b: &str) -> bool {
    match (parse_rfc3339(a), parse_rfc3339(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// `GET /<collection>`: `start` is inclusive (items at or beyond the cursor in the requested
/// order), so the last item of a page is the first of the next; clients de-duplicate by `id`.
async fn list(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Result<Response> {
    let caller = caller(&headers)?;
    let params = query_params(&uri);
    let kind = kind_of(&uri, &params)?;
    let request = list_request(kind, &params)?;
    let first = request.order[0].clone();
    let mut start = request.start.clone();
    if let Some(text) = &start
        && first.property.starts_with("repo:")
        && first.property.ends_with("Date")
        && !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
    {
        start = text
            .parse::<i64>()
            .ok()
            .and_then(millis_to_timestamp)
            .or(start);
    }
    let mut query = ListQuery {
        schema: Some(kind.schema_id()),
        order_by: request.order.clone(),
        filters: request.filters.clone(),
        ..ListQuery::default()
    };
    // Everything that matches, for `total` (the engine counts from the cursor on).
    query.limit = Some(1);
    let mut paged = query.clone();
    if let Some(start) = &start {
        let op = if first.descending {
            CompareOp::Le
        } else {
            CompareOp::Ge
        };
        paged.filters.push(PropertyFilter {
            property: first.property.clone(),
            negated: false,
            test: Test::Compare(op, start.clone()),
        });
        // One more than asked: a page that only repeats the cursor item takes one more, so
        // walking always makes progress (only possible with limit=1).
        paged.limit = Some(request.limit + 1);
    } else {
        paged.limit = Some(request.limit);
    }
    let repo = app.repo.clone();
    let sandbox = caller.sandbox.clone();
    let (total, page) = engine(kind, move || {
        let c = container_id(&sandbox);
        let total = repo.count(&sandbox, &c, &query)?;
        let page = repo.list(&sandbox, &c, &paged)?;
        Ok((total, page))
    })
    .await?;
    let remaining = page.total;
    let mut items: Vec<Envelope> = page.items.into_iter().map(|h| h.envelope).collect();
    if let Some(start) = &start {
        let repeats_only = items
            .iter()
            .take(request.limit)
            .all(|e| cursor_value(e, &first.property).is_some_and(|v| same_cursor(&v, start)));
        items.truncate(if repeats_only {
            request.limit + 1
        } else {
            request.limit
        });
    }
    let mut results = Vec::with_capacity(items.len());
    for envelope in &items {
        results.push(match document(envelope, &caller.sandbox) {
            Ok(doc) => doc,
            Err(_) => json!({
                "id": envelope.uri(),
                "etag": envelope.etag,
                "modified": envelope.last_modified_date,
                "_mappingError": "this object cannot be represented in the DPS form",
            }),
        });
    }
    let collection = collection_of(&uri);
    let self_href = match uri.query() {
        Some(q) => format!("{collection}?{q}"),
        None => collection.to_string(),
    };
    let mut links = json!({"self": {"href": self_href, "type": JSON}});
    let next = if remaining > items.len() {
        items.last().and_then(|e| cursor_value(e, &first.property))
    } else {
        None
    };
    if let Some(next) = next {
        let mut query = vec![
            ("orderby".to_string(), request.order_text.clone()),
            ("limit".to_string(), request.limit.to_string()),
            ("start".to_string(), next),
        ];
        query.extend(request.carried.iter().cloned());
        links["next"] = json!({
            "href": format!("{collection}?{}", media::encode_query(&query)),
            "type": JSON,
        });
    }
    let body = json!({
        "results": results,
        "count": items.len(),
        "total": total,
        "_links": links,
    });
    Ok(json_response(StatusCode::OK, &body, JSON))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collections_and_kinds() {
        let uri: Uri = "/data/core/dps/offers/dps:x?offer-type=FALLBACK"
            .parse()
            .expect("uri");
        assert_eq!(collection_of(&uri), "/offers");
        assert_eq!(
            kind_of(&uri, &query_params(&uri)).ok(),
            Some(Kind::FallbackOffer)
        );
        let uri: Uri = "/data/core/dps/offer-decisions".parse().expect("uri");
        assert_eq!(collection_of(&uri), "/offer-decisions");
        assert_eq!(kind_of(&uri, &[]).ok(), Some(Kind::Activity));
        let uri: Uri = "/data/core/dps/offers".parse().expect("uri");
        assert!(kind_of(&uri, &[]).is_err());
    }

    #[test]
    fn list_properties_map_to_engine_paths() {
        assert_eq!(engine_property(Kind::Tag, "name"), "xdm:name");
        assert_eq!(engine_property(Kind::Tag, "id"), "@id");
        assert_eq!(
            engine_property(Kind::Offer, "modified"),
            "repo:lastModifiedDate"
        );
        assert_eq!(
            engine_property(Kind::Offer, "rank.priority"),
            "xdm:rank.xdm:priority"
        );
        assert_eq!(engine_property(Kind::Offer, "labels"), "labels");
    }
}
