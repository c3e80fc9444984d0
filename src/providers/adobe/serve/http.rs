//! The router (every route, behind the gate) and the XCore facade under `/data/core/xcore`: its
//! handlers translate HTTP to repository calls and results back to HTTP. No repository rule
//! lives here; errors go through `problem` to get their status.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::hal::kept_hal;
use super::ims::ims_token;
use super::media::{self, MediaType};
use super::problem::ApiError;
use super::request::{Addressed, Result, caller, header_str, if_match, query_params, read_body};
use super::response::{bytes_response, json_response, not_modified, set_header};
use super::revisions::{KeptText, page_bytes};
use super::state::{App, blocking};
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::repository::{
    DeleteDecision, DeleteJob, DeleteOutcome, Draft, Envelope, ListQuery, Page, format_timestamp,
    values_in_map,
};
use crate::serve::Committed;

pub const BASE: &str = "/data/core/xcore";

/// The XCore, DPS and IMS routes (the gateway and `/_emulator/` are the server's).
pub(super) fn routes(app: Arc<App>) -> Router {
    Router::new()
        .route(BASE, get(home))
        .route(&format!("{BASE}/"), get(home))
        .route(
            &format!("{BASE}/{{containerId}}/instances"),
            post(create).get(list),
        )
        .route(
            &format!("{BASE}/{{containerId}}/instances/{{instanceId}}"),
            get(read).put(replace).patch(patch).delete(delete),
        )
        .route(
            &format!("{BASE}/{{containerId}}/queries/core/search"),
            get(search),
        )
        .route(
            &format!("{BASE}/{{containerId}}/deletes/{{jobId}}"),
            get(poll_delete),
        )
        .merge(super::dps::routes())
        .route("/ims/token/v3", post(ims_token))
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(app)
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!("{method} is not supported on {}", uri.path()))
}

fn content_base(app: &App, headers: &HeaderMap) -> String {
    let host = header_str(headers, header::HOST)
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(|| app.addr.to_string());
    format!("http://{host}{BASE}/")
}

/// A receipt response for a committed write.
fn receipt(status: StatusCode, envelope: &Envelope) -> Response {
    let mut response = json_response(status, &envelope.to_receipt(), media::RECEIPT);
    set_header(&mut response, "etag", &media::etag_header(envelope.etag));
    response.extensions_mut().insert(Committed);
    response
}

// ---- home --------------------------------------------------------------------------------

async fn home(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Result<Response> {
    let caller = caller(&headers)?;
    let params = query_params(&uri);
    let mut filters = Vec::new();
    let mut products = Vec::new();
    for (key, value) in &params {
        match key.as_str() {
            "product" => products.push(value.as_str()),
            "property" => filters.push(crate::providers::adobe::repository::PropertyFilter::parse(
                value,
            )?),
            _ => {}
        }
    }
    let repo = app.repo.clone();
    let sandbox = caller.sandbox.clone();
    let container = blocking(move || Ok(repo.container(&sandbox)))
        .await?
        .to_hal();
    let object = container.as_object().cloned().unwrap_or_default();
    let product_ok =
        products.is_empty() || products.iter().any(|p| matches!(*p, "dma_offers" | "acp"));
    let filters_ok = filters
        .iter()
        .all(|f| f.matches_values(&values_in_map(&object, &f.property)));
    let containers: Vec<Value> = if product_ok && filters_ok {
        vec![container]
    } else {
        Vec::new()
    };
    let self_href = match uri.query() {
        Some(q) => format!("/?{q}"),
        None => "/".to_string(),
    };
    let body = json!({
        "_embedded": {crate::providers::adobe::repository::CONTAINER_SCHEMA: containers},
        "_links": {"self": {"href": self_href, "@type": media::HOME_SCHEMA}},
    });
    Ok(json_response(StatusCode::OK, &body, media::HOME_HAL))
}

// ---- create, read, replace, patch ----------------------------------------------------------

/// Reads the schema id and instance from a create or PUT request.
fn instance_body(headers: &HeaderMap, bytes: &[u8]) -> Result<(String, Draft)> {
    let accepted = format!(
        "use `{}; schema=\"<schema id>\"` with {{\"_instance\": ..., \"_links\": ...}} or `{}; schema=\"<schema id>\"` with the bare instance",
        media::HAL,
        media::SCHEMA_INSTANCE
    );
    let Some(content_type) = header_str(headers, header::CONTENT_TYPE) else {
        return Err(ApiError::UnsupportedMediaType(format!(
            "a Content-Type is required: {accepted}"
        )));
    };
    let media_type = MediaType::parse(content_type).ok_or_else(|| {
        ApiError::UnsupportedMediaType(format!("unparseable Content-Type; {accepted}"))
    })?;
    let wrapped = match media_type.essence.as_str() {
        media::HAL => true,
        media::SCHEMA_INSTANCE => false,
        other => {
            return Err(ApiError::UnsupportedMediaType(format!(
                "{other} is not accepted here; {accepted}"
            )));
        }
    };
    let schemas: Vec<&str> = media_type
        .param("schema")
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let Some(first) = schemas.first() else {
        return Err(ApiError::BadRequest(format!(
            "the Content-Type has no schema parameter naming the instance's schema; {accepted}"
        )));
    };
    let schema = schemas
        .iter()
        .find(|s| Kind::from_schema_id(s).is_some())
        .unwrap_or(first)
        .to_string();
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    let Value::Object(mut body) = value else {
        return Err(ApiError::BadRequest(
            "the body must be a JSON object".into(),
        ));
    };
    // Some published examples wrap the instance even with the bare media type; a real
    // instance never has an `_instance` property, so unwrapping is unambiguous.
    let is_wrapper =
        body.contains_key("_instance") && body.keys().all(|k| k == "_instance" || k == "_links");
    if !wrapped && !is_wrapper {
        return Ok((schema, Draft::from(Value::Object(body))));
    }
    let instance = match body.remove("_instance") {
        Some(instance @ Value::Object(_)) => instance,
        Some(_) => {
            return Err(ApiError::BadRequest(
                "the body's _instance property must be an object".into(),
            ));
        }
        None => {
            return Err(ApiError::BadRequest(
                "the body must wrap the instance as {\"_instance\": {...}, \"_links\": {}}".into(),
            ));
        }
    };
    let links = match body.remove("_links") {
        Some(Value::Object(links)) => links,
        Some(_) => {
            return Err(ApiError::BadRequest(
                "the body's _links property must be an object".into(),
            ));
        }
        None if wrapped => {
            return Err(ApiError::BadRequest(
                "the body must have a _links property (it may be empty: \"_links\": {})".into(),
            ));
        }
        None => Map::new(),
    };
    Ok((schema, Draft { instance, links }))
}

async fn create(
    State(app): State<Arc<App>>,
    Addressed {
        at: container,
        caller,
    }: Addressed<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let bytes = read_body(body).await?;
    let (schema, draft) = instance_body(&headers, &bytes)?;
    let repo = app.repo.clone();
    let (sandbox, c) = (caller.sandbox, container.clone());
    let envelope =
        blocking(move || repo.create(&sandbox, &c, &schema, draft, &caller.actor)).await?;
    let mut response = receipt(StatusCode::CREATED, &envelope);
    let location = format!("{container}/instances/{}", envelope.instance_id);
    set_header(&mut response, "location", &location);
    set_header(&mut response, "content-base", &content_base(&app, &headers));
    Ok(response)
}

async fn read(
    State(app): State<Arc<App>>,
    Addressed {
        at: (container, instance_id),
        caller,
    }: Addressed<(String, String)>,
    headers: HeaderMap,
) -> Result<Response> {
    let (state, c) = (app.clone(), container.clone());
    // Written where it is stored, once per revision, as list items are.
    let (etag, schema, text) = blocking(move || {
        let sandbox = &caller.sandbox;
        state.repo.get_with(sandbox, &c, &instance_id, |envelope| {
            let text = kept_hal(&state.hal_items, sandbox, &c, envelope, None);
            (envelope.etag, envelope.schema.clone(), text)
        })
    })
    .await?;
    if let Some(response) = not_modified(&headers, etag) {
        return Ok(response);
    }
    let content_type = format!("{}; schema=\"{}\"", media::HAL, schema);
    let bytes = text.get().as_bytes().to_vec();
    let mut response = bytes_response(StatusCode::OK, bytes, &content_type);
    set_header(&mut response, "etag", &media::etag_header(etag));
    Ok(response)
}

async fn replace(
    State(app): State<Arc<App>>,
    Addressed {
        at: (container, instance_id),
        caller,
    }: Addressed<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let bytes = read_body(body).await?;
    let (schema, draft) = instance_body(&headers, &bytes)?;
    let condition = if_match(&headers);
    let repo = app.repo.clone();
    let envelope = blocking(move || {
        repo.put(
            &caller.sandbox,
            &container,
            &instance_id,
            &schema,
            draft,
            condition.as_ref(),
            &caller.actor,
        )
    })
    .await?;
    Ok(receipt(StatusCode::OK, &envelope))
}

async fn patch(
    State(app): State<Arc<App>>,
    Addressed {
        at: (container, instance_id),
        caller,
    }: Addressed<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let essence = header_str(&headers, header::CONTENT_TYPE)
        .and_then(MediaType::parse)
        .map(|m| m.essence);
    if essence.as_deref() != Some(media::PATCH_HAL) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "PATCH takes `{}` with an RFC 6902 array whose paths start at /_instance",
            media::PATCH_HAL
        )));
    }
    let bytes = read_body(body).await?;
    let ops: Vec<json_patch::PatchOperation> = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::BadRequest(format!(
            "the body is not a JSON Patch (an array of {{\"op\", \"path\", ...}} objects): {e}"
        ))
    })?;
    let condition = if_match(&headers);
    let repo = app.repo.clone();
    let envelope = blocking(move || {
        repo.patch(
            &caller.sandbox,
            &container,
            &instance_id,
            &ops,
            condition.as_ref(),
            &caller.actor,
        )
    })
    .await?;
    Ok(receipt(StatusCode::OK, &envelope))
}

// ---- delete and its poll -------------------------------------------------------------------

fn job_location(container: &str, job: &DeleteJob) -> String {
    format!("{container}/deletes/{}", job.id)
}

fn job_body(job: &DeleteJob) -> Value {
    let mut body = json!({
        "jobId": job.id,
        "instanceId": job.instance_id,
        "@id": job.uri,
        "schema": job.schema,
        "requestedDate": job.requested_date,
    });
    let extra = match &job.decision {
        None => json!({"status": "pending"}),
        Some(DeleteDecision::Deleted {
            receipt,
            decided_date,
        }) => json!({
            "status": "decided",
            "outcome": "deleted",
            "decidedDate": decided_date,
            "receipt": receipt,
        }),
        Some(DeleteDecision::Rejected {
            reason,
            referenced_by,
            decided_date,
        }) => json!({
            "status": "decided",
            "outcome": "rejected",
            "decidedDate": decided_date,
            "reason": reason,
            "referencedBy": referenced_by,
        }),
    };
    if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
        body.extend(extra);
    }
    body
}

/// 202 with the poll `Location` while pending; 200 with the outcome once decided.
fn job_response(app: &App, headers: &HeaderMap, container: &str, job: &DeleteJob) -> Response {
    let status = if job.decision.is_some() {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    let mut response = json_response(status, &job_body(job), "application/json");
    if job.decision.is_none() {
        set_header(&mut response, "location", &job_location(container, job));
        set_header(&mut response, "content-base", &content_base(app, headers));
    }
    response
}

async fn delete(
    State(app): State<Arc<App>>,
    Addressed {
        at: (container, instance_id),
        caller,
    }: Addressed<(String, String)>,
    headers: HeaderMap,
) -> Result<Response> {
    let condition = if_match(&headers);
    let repo = app.repo.clone();
    let c = container.clone();
    let outcome = blocking(move || {
        repo.delete(
            &caller.sandbox,
            &c,
            &instance_id,
            condition.as_ref(),
            &caller.actor,
        )
    })
    .await?;
    Ok(match outcome {
        DeleteOutcome::Deleted(envelope) => receipt(StatusCode::OK, &envelope),
        DeleteOutcome::Accepted(job) => {
            let mut response = job_response(&app, &headers, &container, &job);
            response.extensions_mut().insert(Committed);
            response
        }
    })
}

async fn poll_delete(
    State(app): State<Arc<App>>,
    Addressed {
        at: (container, job_id),
        caller,
    }: Addressed<(String, String)>,
    headers: HeaderMap,
) -> Result<Response> {
    let repo = app.repo.clone();
    let c = container.clone();
    let job = blocking(move || repo.poll_delete(&caller.sandbox, &c, &job_id)).await?;
    Ok(job_response(&app, &headers, &container, &job))
}

// ---- list and search -----------------------------------------------------------------------

async fn list(
    State(app): State<Arc<App>>,
    addressed: Addressed<String>,
    uri: Uri,
) -> Result<Response> {
    run_query(app, addressed, uri, false).await
}

async fn search(
    State(app): State<Arc<App>>,
    addressed: Addressed<String>,
    uri: Uri,
) -> Result<Response> {
    run_query(app, addressed, uri, true).await
}

async fn run_query(
    app: Arc<App>,
    Addressed {
        at: container,
        caller,
    }: Addressed<String>,
    uri: Uri,
    is_search: bool,
) -> Result<Response> {
    let params = query_params(&uri);
    let query = ListQuery::from_params(&params)?;
    let (state, c, q) = (app.clone(), container.clone(), query.clone());
    // Each listed instance is written as text where it is stored (not copied out first), once
    // per revision.
    let page = blocking(move || {
        let (repo, sandbox) = (&state.repo, &caller.sandbox);
        let render =
            |envelope: &Envelope, score| kept_hal(&state.hal_items, sandbox, &c, envelope, score);
        if is_search {
            let page = repo.search(sandbox, &c, &q)?;
            Ok(Page {
                items: page
                    .items
                    .iter()
                    .map(|hit| render(&hit.envelope, hit.score))
                    .collect(),
                total: page.total,
                next_start: page.next_start,
                order_by: page.order_by,
                limit: page.limit,
            })
        } else {
            Ok(repo.list_counting(sandbox, &c, &q, &[], render)?.1)
        }
    })
    .await?;
    let route = if is_search {
        format!("/{container}/queries/core/search")
    } else {
        format!("/{container}/instances")
    };
    let body = results_body(&container, &query, page, &route, &uri, &params);
    let content_type = format!("{}; schema=\"{}\"", media::HAL, media::RESULTS_SCHEMA);
    // A map of strings to JSON values always serializes.
    let bytes = page_bytes(&body, &body.embedded.results).expect("JSON values serialize");
    Ok(bytes_response(StatusCode::OK, bytes, &content_type))
}

/// A list or search page as XCore sends it: `_embedded.results` holds the HAL envelopes.
#[derive(Serialize)]
struct ResultsBody<'a> {
    #[serde(rename = "requestTime")]
    request_time: String,
    #[serde(rename = "_embedded")]
    embedded: Embedded,
    #[serde(rename = "_links")]
    links: Value,
    #[serde(rename = "containerId")]
    container_id: &'a str,
    #[serde(rename = "schemaNs", skip_serializing_if = "Option::is_none")]
    schema_ns: Option<&'a str>,
}

#[derive(Serialize)]
struct Embedded {
    results: Vec<KeptText>,
    total: usize,
    count: usize,
}

fn results_body<'a>(
    container: &'a str,
    query: &'a ListQuery,
    page: Page<KeptText>,
    route: &str,
    uri: &Uri,
    params: &[(String, String)],
) -> ResultsBody<'a> {
    let self_href = match uri.query() {
        Some(q) => format!("{route}?{q}"),
        None => route.to_string(),
    };
    let mut links = json!({"self": {"href": self_href, "@type": media::RESULTS_SCHEMA}});
    if let Some(start) = &page.next_start {
        let mut next: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "start" | "orderby" | "orderBy" | "limit"))
            .cloned()
            .collect();
        next.push(("start".into(), start.clone()));
        next.push(("orderby".into(), page.order_by.clone()));
        next.push(("limit".into(), page.limit.to_string()));
        links["next"] = json!({
            "href": format!("{route}?{}", media::encode_query(&next)),
            "@type": media::RESULTS_SCHEMA,
        });
    }
    ResultsBody {
        request_time: format_timestamp(time::OffsetDateTime::now_utc()),
        embedded: Embedded {
            count: page.items.len(),
            results: page.items,
            total: page.total,
        },
        links,
        container_id: container,
        schema_ns: query.schema.as_deref(),
    }
}
