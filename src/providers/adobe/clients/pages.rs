//! Reading a list page by page, for both Adobe APIs: each page's items streamed to the caller
//! one at a time (a page is never held whole), `next` links followed on the same origin only,
//! and a list that is partial or inconsistent refused (a repeated page, a count that disagrees
//! with the items, a cursor that does not advance, a page without its results).

use std::collections::HashSet;
use std::future::Future;

use reqwest::{StatusCode, Url};
use serde_json::Value;

use super::http::{Call, Transport, strip_query};
use super::shards;
use crate::backend::{BackendError, ErrorKind, LiveObject};
use crate::live::compact::{self, ItemReader, StreamError};

/// A list longer than this many pages is taken for a server bug rather than followed forever.
const MAX_PAGES: usize = 100_000;
/// Pages in a row that bring no new object, each with a next link, before the list is declared
/// stuck: a few are legal (filters skip items), a long run is a cursor that does not advance.
const MAX_STALE_PAGES: usize = 100;

/// Where an API's list page keeps its parts.
pub(crate) struct Shape {
    /// The path of the results array (`["_embedded", "results"]`).
    pub(crate) results: &'static [&'static str],
    /// Its name in messages (`_embedded.results`).
    pub(crate) results_name: &'static str,
    /// Pointers to the count of matching objects and to the count of this page's items.
    pub(crate) total: &'static str,
    pub(crate) count: &'static str,
    /// The members that name an item, for a message about one that cannot be read.
    pub(crate) keys: &'static [&'static str],
}

/// One list to read.
pub(crate) struct Request<'a> {
    pub(crate) what: &'a str,
    pub(crate) first: Url,
    pub(crate) accept: &'a str,
    pub(crate) shape: &'a Shape,
    pub(crate) extent: Extent,
}

/// How far a walk reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Extent {
    /// To the last page.
    All,
    /// At most this many pages.
    Pages(usize),
    /// To the last page when the first page's total says the list fits in this many pages (or
    /// gives no total); otherwise the first page only, for the caller to shard the rest.
    AllWithin(usize),
}

/// What a walk found besides the items.
pub(crate) struct Walked {
    /// The count of matching objects the first page gave, if any.
    pub(crate) total: Option<u64>,
    /// Whether the walk reached the last page.
    pub(crate) complete: bool,
    /// How many items the first page held when more followed: the page size the server
    /// actually gives, which may be less than the limit asked.
    pub(crate) page_len: Option<usize>,
}

/// Reads the pages of `request`, giving each item (read by `reader` as the page is parsed) to
/// `item` with its page's number and a way back to it; `item` says whether the item was new
/// (not a repeat of one already read), or why it is unusable.
/// When the first page is refused (400, 422), `refused_first` may give another first page to
/// start from (a smaller page size).
pub(crate) async fn walk<R: ItemReader>(
    t: &Transport,
    request: Request<'_>,
    reader: &R,
    mut item: impl FnMut(usize, R::Item, Reread<'_>) -> Result<bool, String>,
    mut refused_first: impl FnMut() -> Option<Url>,
) -> Result<Walked, BackendError> {
    let Request {
        what,
        first,
        accept,
        shape,
        extent,
    } = request;
    let bad = |problem: String| {
        t.error(
            ErrorKind::Other,
            format!("{what}: {problem}; refusing to use a partial list"),
        )
    };
    let mut url = first;
    let mut seen_pages = HashSet::new();
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
        let call = Call::get(what, url.clone(), accept);
        let reply = t.execute_resendable(&call).await?;
        if matches!(reply.status.as_u16(), 400 | 422)
            && seen_pages.len() == 1
            && let Some(again) = refused_first()
        {
            url = again;
            seen_pages.clear();
            continue;
        }
        if reply.status != StatusCode::OK {
            return Err(t.answer_error(what, &reply, ErrorKind::Other));
        }
        let page_number = seen_pages.len();
        let mut new = 0;
        let mut index = 0;
        let read = compact::stream_slice_with(&reply.body, shape.results, reader, |value| {
            let reread = Reread {
                page: &reply.body,
                results: shape.results,
                index,
            };
            index += 1;
            new += usize::from(item(page_number, value, reread)?);
            Ok(())
        });
        let (page, held) = match read {
            Ok(read) => read,
            Err(StreamError::Item(problem)) => return Err(bad(problem)),
            Err(StreamError::Json(e)) => {
                let why = compact::unreadable(&reply.body, shape.results, &e, shape.keys);
                return Err(bad(format!("page {page_number} {why}")));
            }
        };
        let Some(held) = held else {
            return Err(bad(format!(
                "page {page_number} has no {}",
                shape.results_name
            )));
        };
        if page_number == 1 {
            total = page.pointer(shape.total).and_then(Value::as_u64);
            page_len = Some(held);
        }
        if let Some(count) = page.pointer(shape.count).and_then(Value::as_u64)
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
            Some(_) if stops_after(extent, page_number, total, page_len) => break false,
            Some(Value::String(href)) => {
                if stale_in_a_row > MAX_STALE_PAGES {
                    return Err(bad(format!(
                        "{stale_in_a_row} pages in a row brought no new object, each with a next link"
                    )));
                }
                url = t
                    .resolve_link(href)
                    .map_err(|e| bad(format!("unusable next link: {e}")))?;
            }
            Some(_) => return Err(bad("a next link without an href string".into())),
        }
    };
    Ok(Walked {
        total,
        complete,
        // Only a first page that more followed says how large the server makes pages.
        page_len: page_len.filter(|_| seen_pages.len() > 1 || !complete),
    })
}

/// The way back to one item of a page, for a reader that declined it (a `Value` says what is
/// wrong with it, if anything).
pub(crate) struct Reread<'p> {
    page: &'p [u8],
    results: &'p [&'p str],
    index: usize,
}

impl Reread<'_> {
    /// The item, read again as a `Value`.
    pub(crate) fn value(&self) -> Result<Value, String> {
        match compact::nth_item(self.page, self.results, self.index) {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(format!("item {} is not on the page", self.index)),
            Err(_) => Err(format!("item {} cannot be read again", self.index)),
        }
    }
}

/// Whether a walk of `extent` ends at page `page_number` although more follow.
fn stops_after(
    extent: Extent,
    page_number: usize,
    total: Option<u64>,
    first_len: Option<usize>,
) -> bool {
    match extent {
        Extent::All => false,
        Extent::Pages(max) => page_number >= max,
        Extent::AllWithin(pages) => match (total, first_len) {
            (Some(total), Some(len)) => total > (pages * len.max(1)) as u64,
            _ => false,
        },
    }
}

/// How a client lists one kind for [`list_all`].
pub(crate) struct Sharding<'a> {
    pub(crate) what: &'a str,
    /// The largest page the client asks for.
    pub(crate) page_size: usize,
    /// The property a shard's id filter is on (`id`, `_instance.@id`).
    pub(crate) id_property: &'a str,
    /// What the objects are called in messages (`objects`, `instances`).
    pub(crate) noun: &'a str,
    /// The id that must not come twice.
    pub(crate) id: fn(&LiveObject) -> &str,
}

/// Every object of a kind: one walk when it is small, concurrent shards of ids when the first
/// page says it is large (see [`shards`]), the shards' union duplicate-free and as large as the
/// kind (counted again before giving up, the repository may have changed meanwhile).
/// `list(filter, extent)` reads the objects matching an id filter (all when `None`).
pub(crate) async fn list_all<F, Fut>(
    t: &Transport,
    sharding: Sharding<'_>,
    list: F,
) -> Result<Vec<LiveObject>, BackendError>
where
    F: Fn(Option<String>, Extent) -> Fut,
    Fut: Future<Output = Result<(Vec<LiveObject>, Walked), BackendError>>,
{
    let Sharding {
        what,
        page_size,
        id_property,
        noun,
        id,
    } = sharding;
    // Unsharded while the first page says the kind fits in two pages (or gives no total to
    // check shards against): such a kind is read with no request wasted. A larger one stops
    // after its first page, and its shards start one round trip sooner.
    let (objects, first) = list(None, Extent::AllWithin(2)).await?;
    if first.complete {
        return Ok(objects);
    }
    let Some(total) = first.total else {
        // (A walk stops early only on a total; should one not, read the whole list.)
        return Ok(list(None, Extent::All).await?.0);
    };
    let page = first.page_len.unwrap_or(usize::MAX).min(page_size);
    let parts = shards::partition(shards::shard_count(total, page));
    let list = &list;
    let lists = shards::walk(&parts, |shard| async move {
        let (pattern, negated) = shard.pattern();
        let filter = format!("{}{id_property}~{pattern}", if negated { "!" } else { "" });
        Ok::<_, BackendError>(list(Some(filter), Extent::All).await?.0)
    })
    .await?;
    let objects: Vec<LiveObject> = lists.into_iter().flatten().collect();
    let mut ids = foldhash::HashSet::default();
    if let Some(twice) = objects.iter().find(|o| !ids.insert(id(o))) {
        return Err(t.error(
            ErrorKind::Other,
            format!(
                "{what}: {} came in two shards; refusing to use a partial list",
                twice.id
            ),
        ));
    }
    if objects.len() as u64 == total {
        return Ok(objects);
    }
    let now = list(None, Extent::Pages(1)).await?.1.total;
    if now == Some(objects.len() as u64) {
        return Ok(objects);
    }
    Err(t.error(
        ErrorKind::Other,
        format!(
            "{what}: the shards hold {} {noun} but the repository counts {}; refusing to use a partial list (if someone is editing the sandbox, run again)",
            objects.len(),
            now.map_or_else(|| "none".into(), |n| n.to_string())
        ),
    ))
}
