//! Lists: every instance of a kind, following `next` links page by page, refusing partial or
//! inconsistent lists.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::super::shards;
use super::wire::parse_envelope;
use super::{HAL, XcoreClient, strip_query};
use crate::backend::{BackendError, ErrorKind, LiveObject};
use crate::live::compact::{self, StreamError};
use crate::providers::adobe::clients::http::{Call, Safety};
use crate::providers::adobe::kind::Kind;

/// Some pages of a list, each instance with its `repo:createdDate`.
struct Listed {
    objects: Vec<(LiveObject, String)>,
    /// The count of matching instances the first page gave, if any.
    total: Option<u64>,
    /// Whether the walk reached the last page.
    complete: bool,
    /// How many items the first page held when more followed: the page size the server
    /// actually gives, which may be less than `limit` asked.
    page_len: Option<usize>,
}

const RESULTS_SCHEMA: &str = "https://ns.adobe.com/experience/xcore/hal/results";
/// A list longer than this many pages is taken for a server bug rather than followed forever.
const MAX_PAGES: usize = 100_000;
/// Empty pages that still link to a next one: a few are legal (filters skip items), a long run
/// is a cursor that does not advance.
const MAX_EMPTY_PAGES: usize = 100;

impl XcoreClient {
    /// Every instance of `kind` matching `filters`, following `next` links; fails rather than
    /// return a partial or inconsistent list. Returns each object with its `repo:createdDate`.
    pub(super) async fn list_where(
        &self,
        kind: Kind,
        filters: &[(&str, &str)],
        what: &str,
    ) -> Result<Vec<(LiveObject, String)>, BackendError> {
        Ok(self.list_pages(kind, filters, what, None).await?.objects)
    }

    /// Every instance of `kind`: one walk when it is small, concurrent shards of ids (filters
    /// on `_instance.@id`) when the first page says it is large (see [`shards`]).
    pub(super) async fn list_all(
        &self,
        kind: Kind,
        what: &str,
    ) -> Result<Vec<LiveObject>, BackendError> {
        // Up to two pages unsharded: a kind that fits is read with no request wasted.
        let first = self.list_pages(kind, &[], what, Some(2)).await?;
        if first.complete {
            return Ok(first.objects.into_iter().map(|(o, _)| o).collect());
        }
        let Some(total) = first.total else {
            // No total to check shards against: walk the whole list instead.
            let objects = self.list_where(kind, &[], what).await?;
            return Ok(objects.into_iter().map(|(o, _)| o).collect());
        };
        let page = first.page_len.unwrap_or(usize::MAX).min(self.page_size);
        let parts = shards::partition(shards::shard_count(total, page));
        let lists = shards::walk(&parts, |shard| async move {
            let (pattern, negated) = shard.pattern();
            let filter = format!("{}_instance.@id~{pattern}", if negated { "!" } else { "" });
            self.list_where(kind, &[("property", filter.as_str())], what)
                .await
        })
        .await?;
        let objects: Vec<LiveObject> = lists.into_iter().flatten().map(|(o, _)| o).collect();
        let mut ids = HashSet::new();
        if let Some(twice) = objects.iter().find(|o| !ids.insert(o.instance_id.as_str())) {
            return Err(self.t.error(
                ErrorKind::Other,
                format!(
                    "{what}: {} came in two shards; refusing to use a partial list",
                    twice.id
                ),
            ));
        }
        if objects.len() as u64 != total {
            // The repository may have changed meanwhile: count again before giving up.
            let now = self.list_pages(kind, &[], what, Some(1)).await?.total;
            if now != Some(objects.len() as u64) {
                return Err(self.t.error(
                    ErrorKind::Other,
                    format!(
                        "{what}: the shards hold {} instances but the repository counts {}; refusing to use a partial list (if someone is editing the sandbox, run again)",
                        objects.len(),
                        now.map_or_else(|| "none".into(), |n| n.to_string())
                    ),
                ));
            }
        }
        Ok(objects)
    }

    /// Up to `max_pages` pages (all when `None`) of the instances of `kind` matching `filters`,
    /// with the total the first page gives and whether the walk reached the end.
    async fn list_pages(
        &self,
        kind: Kind,
        filters: &[(&str, &str)],
        what: &str,
        max_pages: Option<usize>,
    ) -> Result<Listed, BackendError> {
        let container = self.container().await?.to_string();
        let mut url = self.container_url(&container, &["instances"]);
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("schema", &kind.schema_id());
            for (key, value) in filters {
                query.append_pair(key, value);
            }
            query.append_pair("limit", &self.page_size.to_string());
        }
        let accept = format!("*, {HAL}; schema=\"{RESULTS_SCHEMA}\"");
        let mut objects = Vec::new();
        let mut seen_ids = HashSet::new();
        let mut seen_pages = HashSet::new();
        let own = self.t.client_id();
        let mut empty_in_a_row = 0;
        let mut total = None;
        let mut page_len = None;
        let bad = |problem: String| {
            self.t.error(
                ErrorKind::Other,
                format!("{what}: {problem}; refusing to use a partial list"),
            )
        };
        loop {
            if !seen_pages.insert(url.as_str().to_string()) {
                return Err(bad(format!(
                    "the server's next link repeats an earlier page ({})",
                    strip_query(&url)
                )));
            }
            if seen_pages.len() > MAX_PAGES {
                return Err(bad(format!("more than {MAX_PAGES} pages")));
            }
            let call = Call {
                what,
                method: Method::GET,
                url: url.clone(),
                accept: &accept,
                content_type: None,
                if_match: None,
                body: None,
                safety: Safety::Resendable,
            };
            let reply = self.t.execute_resendable(&call).await?;
            if reply.status != StatusCode::OK {
                return Err(self.t.answer_error(what, &reply, ErrorKind::Other));
            }
            // Each envelope becomes its object as soon as it is read (its `_instance` moves in,
            // compact, for the rest of the run); the page is never held whole.
            let page_number = seen_pages.len();
            let before = objects.len();
            let read = compact::stream_slice(&reply.body, &["_embedded", "results"], |item| {
                let (object, created) = parse_envelope(kind, item, &own)
                    .map_err(|problem| format!("page {page_number}: {problem}"))?;
                if !seen_ids.insert(object.instance_id.clone()) {
                    return Err(format!("instance {} appears twice", object.instance_id));
                }
                objects.push((object, created));
                Ok(())
            });
            let (page, held) = match read {
                Ok(read) => read,
                Err(StreamError::Item(problem)) => return Err(bad(problem)),
                Err(StreamError::Json(e)) => {
                    let path = ["_embedded", "results"];
                    let keys = ["instanceId", "@id", "xdm:name"];
                    let why = compact::unreadable(&reply.body, &path, &e, &keys);
                    return Err(bad(format!("page {page_number} {why}")));
                }
            };
            let Some(held) = held else {
                return Err(bad(format!("page {page_number} has no _embedded.results")));
            };
            debug_assert_eq!(held, objects.len() - before);
            if page_number == 1 {
                total = page.pointer("/_embedded/total").and_then(Value::as_u64);
                page_len = Some(held);
            }
            if let Some(count) = page.pointer("/_embedded/count").and_then(Value::as_u64)
                && count != held as u64
            {
                return Err(bad(format!(
                    "page {page_number} says it has {count} results but holds {held}"
                )));
            }
            empty_in_a_row = if held == 0 { empty_in_a_row + 1 } else { 0 };
            if empty_in_a_row > MAX_EMPTY_PAGES {
                return Err(bad(format!(
                    "{empty_in_a_row} empty pages in a row, each with a next link"
                )));
            }
            let mut done = |complete| Listed {
                objects: std::mem::take(&mut objects),
                total,
                complete,
                // Only a first page that more followed says how large the server makes pages.
                page_len: page_len.filter(|_| seen_pages.len() > 1 || !complete),
            };
            match page.pointer("/_links/next/href") {
                None | Some(Value::Null) => return Ok(done(true)),
                Some(_) if max_pages.is_some_and(|max| seen_pages.len() >= max) => {
                    return Ok(done(false));
                }
                Some(Value::String(href)) => {
                    url = self
                        .t
                        .resolve_link(href)
                        .map_err(|e| bad(format!("unusable next link: {e}")))?;
                }
                Some(_) => return Err(bad("a next link without an href string".into())),
            }
        }
    }
}
