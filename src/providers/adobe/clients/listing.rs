//! One list of an Adobe API, read page by page through [`pages::walk`]: each item parsed as it
//! streams, knowing this run's own client id (to tell its own changes), and an item that
//! cannot be read named by its page.

use reqwest::Url;

use super::http::Transport;
use super::pages::{self, Reread, Shape, Walked};
use crate::backend::{BackendError, LiveObject};
use crate::live::compact::ItemReader;

/// How an API's lists are read: how pages are asked for (`Accept`), where they keep their
/// parts, and how a large kind is sharded (see [`pages::Sharding`]).
pub(crate) struct Form {
    pub(crate) accept: &'static str,
    pub(crate) shape: Shape,
    pub(crate) id_property: &'static str,
    pub(crate) noun: &'static str,
    pub(crate) id: fn(&LiveObject) -> &str,
}

impl Form {
    /// How a kind is listed for [`pages::list_all`], in pages of up to `page_size`.
    pub(crate) fn sharding<'a>(&self, what: &'a str, page_size: usize) -> pages::Sharding<'a> {
        pages::Sharding {
            what,
            page_size,
            id_property: self.id_property,
            noun: self.noun,
            id: self.id,
        }
    }

    /// The request for the pages `extent` says, from `first` on.
    pub(crate) fn request<'a>(
        &'a self,
        what: &'a str,
        first: Url,
        extent: pages::Extent,
    ) -> pages::Request<'a> {
        pages::Request {
            what,
            first,
            accept: self.accept,
            shape: &self.shape,
            extent,
        }
    }
}

/// Reads the pages of `request`: `parse` turns each item (read by `reader`) into an object,
/// given the way back to it and this run's own client id; `keep` says whether it was new, or
/// why the list is unusable. When the first page is refused, `refused_first` may give another
/// first page (see [`pages::walk`]).
pub(crate) async fn read<R: ItemReader, T>(
    t: &Transport,
    request: pages::Request<'_>,
    reader: &R,
    parse: impl Fn(R::Item, Reread<'_>, &str) -> Result<T, String>,
    mut keep: impl FnMut(T) -> Result<bool, String>,
    refused_first: impl FnMut() -> Option<Url>,
) -> Result<Walked, BackendError> {
    let own = t.client_id();
    let item = |page_number: usize, item: R::Item, reread: Reread<'_>| {
        let parsed = parse(item, reread, &own)
            .map_err(|problem| format!("page {page_number}: {problem}"))?;
        keep(parsed)
    };
    pages::walk(t, request, reader, item, refused_first).await
}
