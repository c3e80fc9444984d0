//! The routes: HTTP in, store calls (off the async workers), HTTP out. No rule of the store
//! lives here.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use serde_json::Value;

use super::error::{Api, Failure};
use crate::providers::appcharge::repository::{Component, OFFER_TYPES, Store, StoreError};
use crate::serve::Committed;

/// Largest request body accepted (offers are a few KiB).
const MAX_BODY: usize = 4 << 20;
/// `recordLimit` when absent, and its largest value (Appcharge documents 0-500).
pub const DEFAULT_RECORD_LIMIT: usize = 100;
pub const MAX_RECORD_LIMIT: usize = 500;

type Shared = Arc<Store>;
type Key = Result<Path<String>, PathRejection>;

pub(super) fn routes(store: Arc<Store>) -> Router {
    let mut router = Router::new()
        .route("/v2/offer", post(v2_create).get(v2_list))
        .route(
            "/v2/offer/{publisherOfferId}",
            put(v2_update).delete(v2_delete),
        )
        .route("/offering/rolling-offer", post(v1_create))
        .route("/offering/rolling-offer/{rollingOfferSKU}", put(v1_update));
    for (segment, kind) in [
        ("product", Component::Product),
        ("badge", Component::Badge),
        ("offer-design", Component::OfferDesign),
    ] {
        let collection = format!("/components/v1/{segment}");
        router = router.route(
            &collection,
            post(
                move |State(s): State<Shared>, uri: Uri, body: Body| async move {
                    let api = Api::Components;
                    write(api, &uri, body, StatusCode::OK, move |v| {
                        s.create_component(kind, v)
                    })
                    .await
                },
            )
            .get(move |State(s): State<Shared>| async move {
                let list = s.list_components(kind);
                (StatusCode::OK, axum::Json(Value::Array(list))).into_response()
            }),
        );
        let mut one = put(
            move |State(s): State<Shared>, key: Key, uri: Uri, body: Body| async move {
                update(Api::Components, &uri, key, body, move |key, v| {
                    s.update_component(kind, key, v)
                })
                .await
            },
        )
        .delete(
            move |State(s): State<Shared>, key: Key, uri: Uri| async move {
                match key {
                    Ok(Path(key)) => {
                        commit(Api::Components, &uri, move || {
                            s.delete_component(kind, &key)
                        })
                        .await
                    }
                    Err(e) => bad_path(Api::Components, &uri, e),
                }
            },
        );
        // Appcharge documents no single GET for offer designs.
        if kind != Component::OfferDesign {
            one = one.get(
                move |State(s): State<Shared>, key: Key, uri: Uri| async move {
                    match key {
                        Ok(Path(key)) => {
                            read(Api::Components, &uri, move || s.get_component(kind, &key)).await
                        }
                        Err(e) => bad_path(Api::Components, &uri, e),
                    }
                },
            );
        }
        router = router.route(&format!("{collection}/{{externalId}}"), one);
    }
    router
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(store)
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let api = Api::of(uri.path()).unwrap_or(Api::Components);
    let hint = if uri.path().starts_with("/components/v1/offer-design/") && method == Method::GET {
        " (Appcharge has no single GET for offer designs: list them with GET /components/v1/offer-design)"
    } else {
        ""
    };
    let message = format!("{method} is not supported on {}{hint}", uri.path());
    api.error(
        Failure::new(StatusCode::METHOD_NOT_ALLOWED, message),
        &uri,
        None,
    )
}

fn bad_path(api: Api, uri: &Uri, error: PathRejection) -> Response {
    api.error(Failure::bad(format!("invalid path: {error}")), uri, None)
}

/// Runs a store call off the async workers: durable writes block on `fsync` under the lock.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, Failure> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(Failure::from),
        Err(error) => Err(Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("store task failed: {error}"),
        )),
    }
}

/// The request body as JSON, or the error answer.
async fn json_body(api: Api, uri: &Uri, body: Body) -> Result<Value, Response> {
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
        let failure = Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request bodies are limited to {MAX_BODY} bytes"),
        );
        api.error(failure, uri, None)
    })?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        let text = Value::String(String::from_utf8_lossy(&bytes).into_owned());
        api.error(
            Failure::bad(format!("the body is not valid JSON: {e}")),
            uri,
            Some(text),
        )
    })?;
    // What is stored must be readable back inside a page of offers by every client.
    let depth = crate::json_bounds::measure(&value).depth;
    if depth > crate::json_bounds::MAX_DEPTH {
        let failure = Failure::bad(format!(
            "the body nests deeper than {} levels (at {}); a page of offers holding it could not be read",
            crate::json_bounds::MAX_DEPTH,
            crate::json_bounds::deepest_pointer(&value)
        ));
        return Err(api.error(failure, uri, None));
    }
    Ok(value)
}

fn committed(status: StatusCode, body: Value) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response.extensions_mut().insert(Committed);
    response
}

/// A write with a JSON body; `ok` and the store's answer on success.
async fn write(
    api: Api,
    uri: &Uri,
    body: Body,
    ok: StatusCode,
    op: impl FnOnce(Value) -> Result<Value, StoreError> + Send + 'static,
) -> Response {
    let value = match json_body(api, uri, body).await {
        Ok(value) => value,
        Err(response) => return response,
    };
    let echo = (api == Api::V1).then(|| value.clone());
    match blocking(move || op(value)).await {
        Ok(answer) => committed(ok, answer),
        Err(failure) => api.error(failure, uri, echo),
    }
}

/// A write with a JSON body to the object the path names: 200 and the store's answer.
async fn update(
    api: Api,
    uri: &Uri,
    key: Key,
    body: Body,
    op: impl FnOnce(&str, Value) -> Result<Value, StoreError> + Send + 'static,
) -> Response {
    match key {
        Ok(Path(key)) => write(api, uri, body, StatusCode::OK, move |v| op(&key, v)).await,
        Err(e) => bad_path(api, uri, e),
    }
}

/// A write without a body (a delete).
async fn commit(
    api: Api,
    uri: &Uri,
    op: impl FnOnce() -> Result<Value, StoreError> + Send + 'static,
) -> Response {
    match blocking(op).await {
        Ok(answer) => committed(StatusCode::OK, answer),
        Err(failure) => api.error(failure, uri, None),
    }
}

async fn read(
    api: Api,
    uri: &Uri,
    op: impl FnOnce() -> Result<Value, StoreError> + Send + 'static,
) -> Response {
    match blocking(op).await {
        Ok(answer) => (StatusCode::OK, axum::Json(answer)).into_response(),
        Err(failure) => api.error(failure, uri, None),
    }
}

async fn v2_create(State(s): State<Shared>, uri: Uri, body: Body) -> Response {
    write(Api::V2, &uri, body, StatusCode::CREATED, move |v| {
        s.create_offer(v)
    })
    .await
}

async fn v2_update(State(s): State<Shared>, key: Key, uri: Uri, body: Body) -> Response {
    update(Api::V2, &uri, key, body, move |key, v| {
        s.update_offer(key, v)
    })
    .await
}

async fn v2_delete(State(s): State<Shared>, key: Key, uri: Uri) -> Response {
    match key {
        Ok(Path(key)) => commit(Api::V2, &uri, move || s.delete_offer(&key)).await,
        Err(e) => bad_path(Api::V2, &uri, e),
    }
}

/// `GET /v2/offer?recordLimit=N&offset=M&publisherOfferIds=a,b&offerType=Bundle`.
async fn v2_list(State(s): State<Shared>, uri: Uri) -> Response {
    let params = match list_params(&uri) {
        Ok(params) => params,
        Err(failure) => return Api::V2.error(failure, &uri, None),
    };
    let ListParams {
        offset,
        limit,
        ids,
        offer_type,
    } = params;
    read(Api::V2, &uri, move || {
        let (total, offers) = s.list_offers_of(offset, limit, ids.as_deref(), offer_type);
        Ok(serde_json::json!({"totalCount": total, "offers": offers}))
    })
    .await
}

struct ListParams {
    offset: usize,
    limit: usize,
    ids: Option<Vec<String>>,
    /// One of [`OFFER_TYPES`], matched exactly.
    offer_type: Option<&'static str>,
}

fn list_params(uri: &Uri) -> Result<ListParams, Failure> {
    let Query(params) = Query::<HashMap<String, String>>::try_from_uri(uri)
        .map_err(|e| Failure::bad(format!("invalid query: {e}")))?;
    let number = |name: &str, default: usize| -> Result<usize, Failure> {
        match params.get(name).map(|v| v.trim()) {
            None | Some("") => Ok(default),
            Some(text) => text.parse::<usize>().map_err(|_| {
                Failure::bad(format!(
                    "{name}: must be a non-negative integer, not {text:?}"
                ))
            }),
        }
    };
    let limit = number("recordLimit", DEFAULT_RECORD_LIMIT)?;
    if limit > MAX_RECORD_LIMIT {
        return Err(Failure::bad(format!(
            "recordLimit: at most {MAX_RECORD_LIMIT} (got {limit})"
        )));
    }
    let offset = number("offset", 0)?;
    let ids = params.get("publisherOfferIds").and_then(|list| {
        let ids: Vec<String> = list
            .split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_string)
            .collect();
        (!ids.is_empty()).then_some(ids)
    });
    let offer_type = match params.get("offerType").map(|t| t.trim()) {
        None | Some("") => None,
        Some(text) => Some(
            OFFER_TYPES
                .into_iter()
                .find(|t| *t == text)
                .ok_or_else(|| {
                    Failure::bad(format!(
                        "offerType: {text:?} is not one of {}",
                        OFFER_TYPES.join(", ")
                    ))
                })?,
        ),
    };
    Ok(ListParams {
        offset,
        limit,
        ids,
        offer_type,
    })
}

async fn v1_create(State(s): State<Shared>, uri: Uri, body: Body) -> Response {
    write(Api::V1, &uri, body, StatusCode::CREATED, move |v| {
        s.create_rolling_v1(v)
    })
    .await
}

async fn v1_update(State(s): State<Shared>, key: Key, uri: Uri, body: Body) -> Response {
    update(Api::V1, &uri, key, body, move |key, v| {
        s.update_rolling_v1(key, v)
    })
    .await
}
