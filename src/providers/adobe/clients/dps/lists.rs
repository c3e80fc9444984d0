//! DPS lists: one walk of `_links.next.href` for a small kind, concurrent shards of ids for a
//! large one; complete and duplicate-free, or an error.

use std::collections::HashMap;

use super::super::{listing, pages};
use super::documents::{READ, parse_listed};
use super::{ACCEPT_ANY_JSON, DpsClient, newer};
use crate::backend::{BackendError, LiveObject};
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::mapping::dps::DocumentReader;

/// DPS lists: any JSON, `results`, `total` and `count` at the top of a page, shards on `id`.
const LIST: listing::Form = listing::Form {
    accept: ACCEPT_ANY_JSON,
    shape: pages::Shape {
        results: &["results"],
        results_name: "results list",
        total: "/total",
        count: "/count",
        keys: &["id", "name"],
    },
    id_property: "id",
    noun: "objects",
    id: |object| &object.id,
};

impl DpsClient {
    /// Every object of `kind`: one walk when it is small, concurrent shards of ids when the
    /// first page says it is large (see [`pages::list_all`]).
    pub(super) async fn list_all(
        &self,
        kind: Kind,
        what: &str,
    ) -> Result<Vec<LiveObject>, BackendError> {
        let sharding = LIST.sharding(what, self.page_size());
        pages::list_all(&self.t, sharding, |filter, extent| async move {
            let filters: Vec<&str> = filter.iter().map(String::as_str).collect();
            self.list_pages(kind, &filters, what, extent).await
        })
        .await
    }

    /// The pages `extent` says of the objects of `kind` matching `filters`,
    /// with the total the first page gives and whether the walk reached the end.
    pub(super) async fn list_pages(
        &self,
        kind: Kind,
        filters: &[&str],
        what: &str,
        extent: pages::Extent,
    ) -> Result<(Vec<LiveObject>, pages::Walked), BackendError> {
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
        // Each item becomes its object as soon as it is read; the page is never held whole.
        let walked = listing::read(
            &self.t,
            LIST.request(what, first_url(limit), extent),
            &DocumentReader {
                kind,
                members: &READ,
            },
            |item, reread, own| parse_listed(kind, item, reread, own),
            |object| {
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
        Ok((objects, walked))
    }
}
