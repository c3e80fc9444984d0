//! Handlers for one object, addressed by its `@id`: create, read, patch, replace (ranking
//! formulas) and delete.

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::super::media;
use super::super::request::{Addressed, Caller, caller, if_match, query_params, read_body};
use super::super::response::{json_response, not_modified, set_header};
use super::super::state::{App, blocking};
use super::document::{JSON, JSON_PATCH, dps_body, dps_schema, parse_json, receipt, to_canonical};
use super::error::{
    DpsError, Result, bad_request, engine, invalid, not_found, problem, repo_error,
};
use super::rendered::document;
use super::resource::{kind_of, require_json};
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::repository::{
    Draft, Envelope, IdScheme, IfMatch, RepoError, apply_patch, container_id,
};
use crate::serve::Committed;

/// How often a PATCH without `If-Match` is retried when another write lands in between.
const PATCH_ATTEMPTS: usize = 8;

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

/// What every handler of one object starts from: the object's id and who asks (see
/// [`Addressed`]), the kind the path names, and the revision a write must find (`If-Match`).
pub(super) struct Object {
    id: String,
    caller: Caller,
    kind: Kind,
    condition: Option<IfMatch>,
}

impl<S: Send + Sync> FromRequestParts<S> for Object {
    type Rejection = DpsError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        let Addressed { at: id, caller } = Addressed::from_request_parts(parts, state).await?;
        let kind = kind_of(&parts.uri, &query_params(&parts.uri))?;
        let condition = if_match(&parts.headers);
        Ok(Object {
            id,
            caller,
            kind,
            condition,
        })
    }
}

/// Who asks, and the kind of the collection the path names: where a create starts.
pub(super) struct Collection {
    caller: Caller,
    kind: Kind,
}

impl<S: Send + Sync> FromRequestParts<S> for Collection {
    type Rejection = DpsError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        let caller = caller(&parts.headers)?;
        let kind = kind_of(&parts.uri, &query_params(&parts.uri))?;
        Ok(Collection { caller, kind })
    }
}

/// A JSON Patch body (`application/json` or `application/json-patch+json`).
pub(super) struct JsonPatch(Vec<json_patch::PatchOperation>);

impl<S: Send + Sync> FromRequest<S> for JsonPatch {
    type Rejection = DpsError;

    async fn from_request(request: Request, _: &S) -> Result<Self> {
        require_json(request.headers(), &[JSON, JSON_PATCH])?;
        let bytes = read_body(request.into_body()).await?;
        let ops = serde_json::from_slice(&bytes).map_err(|e| {
            bad_request(format!(
                "the body is not a JSON Patch (an array of {{\"op\", \"path\", ...}} objects): {e}"
            ))
        })?;
        Ok(JsonPatch(ops))
    }
}

/// A whole document in the body (`application/json`).
pub(super) struct JsonDocument(Value);

impl<S: Send + Sync> FromRequest<S> for JsonDocument {
    type Rejection = DpsError;

    async fn from_request(request: Request, _: &S) -> Result<Self> {
        require_json(request.headers(), &[JSON])?;
        Ok(JsonDocument(parse_json(
            &read_body(request.into_body()).await?,
        )?))
    }
}

/// The object the path names, as stored (404 when there is none): where reading and deleting
/// start.
pub(super) struct Found {
    object: Object,
    current: Envelope,
}

impl FromRequestParts<Arc<App>> for Found {
    type Rejection = DpsError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self> {
        let object = Object::from_request_parts(parts, app).await?;
        let current = find(app, &object.caller.sandbox, object.kind, &object.id).await?;
        Ok(Found { object, current })
    }
}

/// A body's `id`, when it has one, must be the object's own.
fn check_same_id(document: &Value, current: &Envelope) -> Result<()> {
    match document.get("id") {
        None => Ok(()),
        Some(Value::String(given)) if given == current.uri() => Ok(()),
        Some(_) => Err(invalid(
            "/id",
            format!("is immutable; it must stay {}", current.uri()),
        )),
    }
}

/// Writes `document` (DPS form) over `current`, under `condition`; the repository's answer.
async fn overwrite(
    app: &App,
    caller: &Caller,
    kind: Kind,
    current: &Envelope,
    document: &Value,
    condition: Option<IfMatch>,
) -> Result<std::result::Result<Envelope, RepoError>> {
    let draft = Draft {
        instance: to_canonical(kind, document)?,
        links: current.links.clone(),
    };
    let repo = app.repo.clone();
    let sandbox = caller.sandbox.clone();
    let actor = caller.actor.clone();
    let (instance_id, schema) = (current.instance_id.clone(), current.schema.clone());
    let written = blocking(move || {
        Ok(repo.put(
            &sandbox,
            &container_id(&sandbox),
            &instance_id,
            &schema,
            draft,
            condition.as_ref(),
            &actor,
        ))
    })
    .await?;
    Ok(written)
}

pub(super) async fn create(
    State(app): State<Arc<App>>,
    Collection { caller, kind }: Collection,
    JsonDocument(document): JsonDocument,
) -> Result<Response> {
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

pub(super) async fn read(Found { object, current }: Found, headers: HeaderMap) -> Result<Response> {
    let etag = media::etag_header(current.etag);
    if let Some(response) = not_modified(&headers, current.etag) {
        return Ok(response);
    }
    let body = document(&current, &object.caller.sandbox)?;
    let mut response = json_response(StatusCode::OK, &body, JSON);
    set_header(&mut response, "etag", &etag);
    Ok(response)
}

pub(super) async fn patch(
    State(app): State<Arc<App>>,
    Object {
        id,
        caller,
        kind,
        condition: given,
    }: Object,
    JsonPatch(ops): JsonPatch,
) -> Result<Response> {
    let condition = app.repo.enforced(given.as_ref());
    for _ in 0..PATCH_ATTEMPTS {
        let current = find(&app, &caller.sandbox, kind, &id).await?;
        if let Some(condition) = condition {
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
        // Bounded in size and depth, as XCore's.
        apply_patch(&mut doc, &ops).map_err(|e| repo_error(kind, e))?;
        check_same_id(&doc, &current)?;
        let pinned = Some(IfMatch::OneOf(vec![current.etag]));
        let written = overwrite(&app, &caller, kind, &current, &doc, pinned).await?;
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

/// `PUT /ranking-formulas/{id}`: the whole document replaces the stored one, as Adobe's
/// update page for ranking formulas documents (reference §2.2). Server metadata in the body is
/// ignored; an `id` must be the object's own.
pub(super) async fn replace(
    State(app): State<Arc<App>>,
    Object {
        id,
        caller,
        kind,
        condition,
    }: Object,
    JsonDocument(document): JsonDocument,
) -> Result<Response> {
    let current = find(&app, &caller.sandbox, kind, &id).await?;
    check_same_id(&document, &current)?;
    let written = overwrite(&app, &caller, kind, &current, &document, condition).await?;
    match written {
        Ok(envelope) => Ok(receipt(StatusCode::OK, &envelope, &caller.sandbox)),
        Err(RepoError::NotFound(_)) => Err(not_found(&id, kind)),
        Err(other) => Err(repo_error(kind, other)),
    }
}

pub(super) async fn delete(
    State(app): State<Arc<App>>,
    Found {
        object:
            Object {
                id,
                caller,
                kind,
                condition,
            },
        current,
    }: Found,
) -> Result<Response> {
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
