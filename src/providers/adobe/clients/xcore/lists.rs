//! Lists: every instance of a kind, following `next` links page by page, refusing partial or
//! inconsistent lists.

use super::super::{listing, pages};
use super::wire::{Envelope, parse_envelope};
use super::{LIST_ACCEPT, XcoreClient};
use crate::backend::{BackendError, LiveObject};
use crate::live::compact::Owned;
use crate::providers::adobe::kind::Kind;

/// XCore lists: HAL, the results and counts under `_embedded`, shards on `_instance.@id`.
const LIST: listing::Form = listing::Form {
    accept: LIST_ACCEPT,
    shape: pages::Shape {
        results: &["_embedded", "results"],
        results_name: "_embedded.results",
        total: "/_embedded/total",
        count: "/_embedded/count",
        keys: &["instanceId", "@id", "xdm:name"],
    },
    id_property: "_instance.@id",
    noun: "instances",
    id: |object| &object.instance_id,
};

impl XcoreClient {
    /// Every instance of `kind`: one walk when it is small, concurrent shards of ids (filters
    /// on `_instance.@id`) when the first page says it is large (see [`pages::list_all`]).
    pub(super) async fn list_all(
        &self,
        kind: Kind,
        what: &str,
    ) -> Result<Vec<LiveObject>, BackendError> {
        let sharding = LIST.sharding(what, self.page_size);
        pages::list_all(&self.t, sharding, |filter, extent| async move {
            let filters: Vec<(&str, &str)> =
                filter.iter().map(|f| ("property", f.as_str())).collect();
            let (objects, walked) = self.list_pages(kind, &filters, what, extent).await?;
            Ok((objects.into_iter().map(|(o, _)| o).collect(), walked))
        })
        .await
    }

    /// The pages `extent` says of the instances of `kind` matching `filters`,
    /// with the total the first page gives and whether the walk reached the end.
    pub(super) async fn list_pages(
        &self,
        kind: Kind,
        filters: &[(&str, &str)],
        what: &str,
        extent: pages::Extent,
    ) -> Result<(Vec<(LiveObject, String)>, pages::Walked), BackendError> {
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
        let mut objects = Vec::new();
        let mut seen_ids = foldhash::HashSet::default();
        // Each envelope becomes its object as soon as it is read (its `_instance` text moves
        // in for the rest of the run); the page is never held whole.
        let walked = listing::read(
            &self.t,
            LIST.request(what, url, extent),
            &Owned::<Envelope>::default(),
            |envelope, _, own| parse_envelope(kind, envelope, own),
            |(object, created)| {
                if !seen_ids.insert(object.instance_id.clone()) {
                    return Err(format!("instance {} appears twice", object.instance_id));
                }
                objects.push((object, created));
                Ok(true)
            },
            || None,
        )
        .await?;
        Ok((objects, walked))
    }
}
