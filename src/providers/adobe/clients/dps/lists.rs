//! DPS lists: one walk of `_links.next.href` for a small kind, concurrent shards of ids for a
//! large one; complete and duplicate-free, or an error.

use std::collections::{HashMap, HashSet};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::super::http::{Call, Safety, strip_query};
use super::super::shards;
use super::{ACCEPT_ANY_JSON, DpsClient, MAX_PAGES, MAX_STALE_PAGES, newer, parse_document};
use crate::backend::{BackendError, ErrorKind, LiveObject};
use crate::live::compact::{self, StreamError};
use crate::providers::adobe::kind::Kind;

/// Some pages of a list.
struct Listed {
    objects: Vec<LiveObject>,
    /// The count of matching objects the first page gave, if any.
    total: Option<u64>,
    /// Whether the walk reached the last page.
    complete: bool,
    /// How many items the first page held when more followed: the page size the server
    /// actually gives, which may be less than `limit` asked.
    page_len: Option<usize>,
}

impl DpsClient {
    /// Every object of `kind` matching `filters` (`property` expressions), following
    /// `_links.next.href`; fails rather than return a partial list.
    pub(super) async fn list_where(
        &self,
        kind: Kind,
        filters: &[&str],
        what: &str,
    ) -> Result<Vec<LiveObject>, BackendError> {
        Ok(self.list_pages(kind, filters, what, None).await?.objects)
    }

    /// Every object of `kind`: one walk when it is small, concurrent shards of ids when the
    /// first page says it is large (see [`shards`]).
    pub(super) async fn list_all(
        &self,
        kind: Kind,
        what: &str,
    ) -> Result<Vec<LiveObject>, BackendError> {
        // Up to two pages unsharded: a kind that fits is read with no request wasted.
        let first = self.list_pages(kind, &[], what, Some(2)).await?;
        if first.complete {
            return Ok(first.objects);
        }
        let Some(total) = first.total else {
            // No total to check shards against: walk the whole list instead.
            return self.list_where(kind, &[], what).await;
        };
        let page = first.page_len.unwrap_or(usize::MAX).min(self.page_size());
        let count = shards::shard_count(total, page);
        let parts = shards::partition(count);
        let lists = shards::walk(&parts, |shard| async move {
            let (pattern, negated) = shard.pattern();
            let filter = format!("{}id~{pattern}", if negated { "!" } else { "" });
            self.list_where(kind, &[filter.as_str()], what).await
        })
        .await?;
        let objects: Vec<LiveObject> = lists.into_iter().flatten().collect();
        self.check_union(kind, &objects, total, what).await?;
        Ok(objects)
    }

    /// The shards' union must be duplicate-free and as large as the kind: if it is not, the
    /// total is read again, and a disagreement that remains is an error.
    async fn check_union(
        &self,
        kind: Kind,
        objects: &[LiveObject],
        total: u64,
        what: &str,
    ) -> Result<(), BackendError> {
        let mut ids = HashSet::new();
        if let Some(twice) = objects.iter().find(|o| !ids.insert(o.id.as_str())) {
            return Err(self.t.error(
                ErrorKind::Other,
                format!(
                    "{what}: {} came in two shards; refusing to use a partial list",
                    twice.id
                ),
            ));
        }
        if objects.len() as u64 == total {
            return Ok(());
        }
        let now = self.list_pages(kind, &[], what, Some(1)).await?.total;
        if now == Some(objects.len() as u64) {
            return Ok(());
        }
        Err(self.t.error(
            ErrorKind::Other,
            format!(
                "{what}: the shards hold {} objects but the repository counts {}; refusing to use a partial list (if someone is editing the sandbox, run again)",
                objects.len(),
                now.map_or_else(|| "none".into(), |n| n.to_string())
            ),
        ))
    }

    /// Up to `max_pages` pages (all when `None`) of the objects of `kind` matching `filters`,
    /// with the total the first page gives and whether the walk reached the end.
    async fn list_pages(
        &self,
        kind: Kind,
        filters: &[&str],
        what: &str,
        max_pages: Option<usize>,
    ) -> Result<Listed, BackendError> {
        let first_url = |limit: usize| {
            let mut url = self.url(kind, None);
            {
                let mut query = url.query_pairs_mut();
                for filter in filters {
                    query.append_pair("property", filter);
                }
                query.append_pair("limit", &limit.to_string());
            }
            url
        };
        let mut limit = self.page_size();
        let mut url = first_url(limit);
        let bad = |problem: String| {
            self.t.error(
                ErrorKind::Other,
                format!("{what}: {problem}; refusing to use a partial list"),
            )
        };
        let mut objects: Vec<LiveObject> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut seen_pages = HashSet::new();
        let own = self.t.client_id();
        let mut stale_in_a_row = 0;
        let mut total = None;
        let mut page_len = None;
        let complete = loop {
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
                accept: ACCEPT_ANY_JSON,
                content_type: None,
                if_match: None,
                body: None,
                safety: Safety::Resendable,
            };
            let reply = self.t.execute_resendable(&call).await?;
            let refused = matches!(reply.status.as_u16(), 400 | 422);
            if refused && seen_pages.len() == 1 && self.falls_back_from(limit) {
                // The server refuses the default page size: ask again for the usual one.
                limit = self.page_size();
                url = first_url(limit);
                seen_pages.clear();
                continue;
            }
            if reply.status != StatusCode::OK {
                return Err(self.t.answer_error(what, &reply, ErrorKind::Other));
            }
            let page_number = seen_pages.len();
            // Each item becomes its object as soon as it is read; the page is never held whole.
            let mut new = 0;
            let read = compact::stream_slice(&reply.body, &["results"], |item| {
                let object = parse_document(kind, &item, &own)
                    .map_err(|problem| format!("page {page_number}: {problem}"))?;
                // The cursor is a timestamp: the item at a page boundary may come again, and an
                // object changed meanwhile comes back newer. Keep the latest version.
                match index.get(&object.id) {
                    Some(&at) => {
                        if newer(&object.etag, &objects[at].etag) {
                            objects[at] = object;
                        }
                    }
                    None => {
                        index.insert(object.id.clone(), objects.len());
                        objects.push(object);
                        new += 1;
                    }
                }
                Ok(())
            });
            let (page, held) = match read {
                Ok(read) => read,
                Err(StreamError::Item(problem)) => return Err(bad(problem)),
                Err(StreamError::Json(e)) => {
                    let why = compact::unreadable(&reply.body, &["results"], &e, &["id", "name"]);
                    return Err(bad(format!("page {page_number} {why}")));
                }
            };
            let Some(held) = held else {
                return Err(bad(format!("page {page_number} has no results list")));
            };
            if page_number == 1 {
                total = page.get("total").and_then(Value::as_u64);
                page_len = Some(held);
            }
            if let Some(count) = page.get("count").and_then(Value::as_u64)
                && count != held as u64
            {
                return Err(bad(format!(
                    "page {page_number} says it has {count} results but holds {held}"
                )));
            }
            stale_in_a_row = if new == 0 { stale_in_a_row + 1 } else { 0 };
            match page.pointer("/_links/next/href") {
                None | Some(Value::Null) => break true,
                Some(Value::String(href)) if href.is_empty() => break true,
                Some(_) if max_pages.is_some_and(|max| page_number >= max) => break false,
                Some(Value::String(href)) => {
                    if stale_in_a_row > MAX_STALE_PAGES {
                        return Err(bad(format!(
                            "{stale_in_a_row} pages in a row brought no new object, each with a next link"
                        )));
                    }
                    url = self
                        .t
                        .resolve_link(href)
                        .map_err(|e| bad(format!("unusable next link: {e}")))?;
                }
                Some(_) => return Err(bad("a next link without an href string".into())),
            }
        };
        self.remember_all(&objects);
        // Only a first page that more followed says how large the server makes pages.
        let page_len = page_len.filter(|_| seen_pages.len() > 1 || !complete);
        Ok(Listed {
            objects,
            total,
            complete,
            page_len,
        })
    }
}
