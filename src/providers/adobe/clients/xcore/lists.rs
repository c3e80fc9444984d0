//! Lists: every instance of a kind, following `next` links page by page, refusing partial or
//! inconsistent lists.

use std::collections::HashSet;

use super::super::{pages, shards};
use super::wire::parse_envelope;
use super::{HAL, XcoreClient};
use crate::backend::{BackendError, ErrorKind, LiveObject};
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

/// An XCore list page: HAL, the results and counts under `_embedded`.
const SHAPE: pages::Shape = pages::Shape {
    results: &["_embedded", "results"],
    results_name: "_embedded.results",
    total: "/_embedded/total",
    count: "/_embedded/count",
};

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
        let own = self.t.client_id();
        let request = pages::Request {
            what,
            first: url,
            accept: &accept,
            shape: &SHAPE,
            max_pages,
        };
        // Each envelope becomes its object as soon as it is read (its `_instance` moves in,
        // compact, for the rest of the run); the page is never held whole.
        let walked = pages::walk(
            &self.t,
            request,
            |page_number, item| {
                let (object, created) = parse_envelope(kind, item, &own)
                    .map_err(|problem| format!("page {page_number}: {problem}"))?;
                if !seen_ids.insert(object.instance_id.clone()) {
                    return Err(format!("instance {} appears twice", object.instance_id));
                }
                objects.push((object, created));
                Ok(true)
            },
            || None,
        )
        .await?;
        Ok(Listed {
            objects,
            total: walked.total,
            complete: walked.complete,
            page_len: walked.page_len,
        })
    }
}
