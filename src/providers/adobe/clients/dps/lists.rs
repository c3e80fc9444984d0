//! DPS lists: one walk of `_links.next.href` for a small kind, concurrent shards of ids for a
//! large one; complete and duplicate-free, or an error.

use std::collections::{HashMap, HashSet};

use super::super::{pages, shards};
use super::{ACCEPT_ANY_JSON, DpsClient, newer, parse_document};
use crate::backend::{BackendError, ErrorKind, LiveObject};
use crate::providers::adobe::kind::Kind;

/// A DPS list page: `results`, `total` and `count` at the top.
const SHAPE: pages::Shape = pages::Shape {
    results: &["results"],
    results_name: "results list",
    total: "/total",
    count: "/count",
};

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
        let mut objects: Vec<LiveObject> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let own = self.t.client_id();
        let request = pages::Request {
            what,
            first: first_url(limit),
            accept: ACCEPT_ANY_JSON,
            shape: &SHAPE,
            max_pages,
        };
        // Each item becomes its object as soon as it is read; the page is never held whole.
        let walked = pages::walk(
            &self.t,
            request,
            |page_number, item| {
                let object = parse_document(kind, &item, &own)
                    .map_err(|problem| format!("page {page_number}: {problem}"))?;
                // The cursor is a timestamp: the item at a page boundary may come again, and an
                // object changed meanwhile comes back newer. Keep the latest version.
                match index.get(&object.id) {
                    Some(&at) => {
                        if newer(&object.etag, &objects[at].etag) {
                            objects[at] = object;
                        }
                        Ok(false)
                    }
                    None => {
                        index.insert(object.id.clone(), objects.len());
                        objects.push(object);
                        Ok(true)
                    }
                }
            },
            // The server refuses the default page size: ask again for the usual one.
            || {
                let again = self.falls_back_from(limit);
                limit = self.page_size();
                again.then(|| first_url(limit))
            },
        )
        .await?;
        self.remember_all(&objects);
        Ok(Listed {
            objects,
            total: walked.total,
            complete: walked.complete,
            page_len: walked.page_len,
        })
    }
}
