//! `GET /<collection>`: DPS lists, with their order, property filters and inclusive `start`
//! cursor, over the engine's lists and counts.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde::Serialize;
use serde_json::{Value, json};

use super::super::media;
use super::super::problem::ApiError;
use super::super::request::{caller, query_params};
use super::super::response::bytes_response;
use super::super::revisions::{KeptText, page_bytes};
use super::super::state::App;
use super::document::JSON;
use super::error::{DpsError, Result, bad_request, engine};
use super::rendered::kept_document;
use super::resource::{collection_of, kind_of};
use crate::providers::adobe::comparison::Cmp;
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::mapping::dps as mapping;
use crate::providers::adobe::repository::{
    Envelope, ListQuery, MAX_LIMIT, OrderKey, PropertyFilter, Test, container_id,
    millis_to_timestamp, parse_rfc3339,
};

const DEFAULT_LIMIT: usize = 50;
const DEFAULT_ORDER: &str = "-modified";

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
pub(super) async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response> {
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
    // The page: the query from the cursor on (an inclusive filter on the first order key);
    // its total counts everything that matches, in the same pass.
    let mut cursor = Vec::new();
    if let Some(start) = &start {
        let op = if first.descending { Cmp::Le } else { Cmp::Ge };
        cursor.push(PropertyFilter {
            property: first.property.clone(),
            negated: false,
            test: Test::Compare(op, start.clone()),
        });
        // One more than asked: a page that only repeats the cursor item takes one more, so
        // walking always makes progress (only possible with limit=1).
        query.limit = Some(request.limit + 1);
    } else {
        query.limit = Some(request.limit);
    }
    let sandbox = caller.sandbox.clone();
    let property = first.property.clone();
    let state = app.clone();
    // Each listed instance is rendered where it is stored, as text: its document (its body
    // mapped once per revision) and its cursor value.
    let render = move |envelope: &Envelope, _| {
        let doc = match kept_document(&state.dps_documents, envelope, &caller.sandbox) {
            Ok(doc) => doc,
            Err(_) => KeptText::from(
                serde_json::value::to_raw_value(&json!({
                    "id": envelope.uri(),
                    "etag": envelope.etag,
                    "modified": envelope.last_modified_date,
                    "_mappingError": "this object cannot be represented in the DPS form",
                }))
                .expect("a JSON value writes as text"),
            ),
        };
        (doc, cursor_value(envelope, &property))
    };
    let (total, page) = engine(kind, move || {
        let c = container_id(&sandbox);
        app.repo
            .list_counting(&sandbox, &c, &query, &cursor, render)
    })
    .await?;
    let remaining = page.total;
    let mut items = page.items;
    if let Some(start) = &start {
        let repeats_only = items
            .iter()
            .take(request.limit)
            .all(|(_, cursor)| cursor.as_deref().is_some_and(|v| same_cursor(v, start)));
        items.truncate(if repeats_only {
            request.limit + 1
        } else {
            request.limit
        });
    }
    let count = items.len();
    let next = if remaining > count {
        items.last().and_then(|(_, cursor)| cursor.clone())
    } else {
        None
    };
    let results: Vec<KeptText> = items.into_iter().map(|(doc, _)| doc).collect();
    let collection = collection_of(&uri);
    let self_href = match uri.query() {
        Some(q) => format!("{collection}?{q}"),
        None => collection.to_string(),
    };
    let mut links = json!({"self": {"href": self_href, "type": JSON}});
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
    let body = Page {
        results,
        count,
        total,
        links,
    };
    let bytes = page_bytes(&body, &body.results).map_err(|e| {
        DpsError::Api(ApiError::Internal(format!(
            "the page cannot be written: {e}"
        )))
    })?;
    Ok(bytes_response(StatusCode::OK, bytes, JSON))
}

/// A list page, its documents written as text where they are stored.
#[derive(Serialize)]
struct Page {
    results: Vec<KeptText>,
    count: usize,
    total: usize,
    #[serde(rename = "_links")]
    links: Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_properties_map_to_engine_paths() {
        for (kind, given, expected) in [
            (Kind::Tag, "name", "xdm:name"),
            (Kind::Tag, "id", "@id"),
            (Kind::Offer, "modified", "repo:lastModifiedDate"),
            (Kind::Offer, "rank.priority", "xdm:rank.xdm:priority"),
            (Kind::Offer, "labels", "labels"),
        ] {
            assert_eq!(engine_property(kind, given), expected, "{kind:?} {given}");
        }
    }
}
