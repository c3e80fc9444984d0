//! Lists: every instance of a kind, following `next` links page by page, refusing partial or
//! inconsistent lists.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::wire::parse_envelope;
use super::{HAL, XcoreClient, strip_query};
use crate::backend::{BackendError, ErrorKind, LiveObject};
use crate::providers::adobe::clients::http::{Call, Safety};
use crate::providers::adobe::kind::Kind;

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
        let mut empty_in_a_row = 0;
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
            let mut page: Value = serde_json::from_slice(&reply.body)
                .map_err(|e| bad(format!("page {} is not JSON ({e})", seen_pages.len())))?;
            // Taken out of the page, so that each `_instance` moves into its object uncopied.
            let Some(results) = page
                .pointer_mut("/_embedded/results")
                .and_then(Value::as_array_mut)
                .map(std::mem::take)
            else {
                return Err(bad(format!(
                    "page {} has no _embedded.results",
                    seen_pages.len()
                )));
            };
            if let Some(count) = page.pointer("/_embedded/count").and_then(Value::as_u64)
                && count != results.len() as u64
            {
                return Err(bad(format!(
                    "page {} says it has {count} results but holds {}",
                    seen_pages.len(),
                    results.len()
                )));
            }
            empty_in_a_row = if results.is_empty() {
                empty_in_a_row + 1
            } else {
                0
            };
            if empty_in_a_row > MAX_EMPTY_PAGES {
                return Err(bad(format!(
                    "{empty_in_a_row} empty pages in a row, each with a next link"
                )));
            }
            for item in results {
                let (object, created) = parse_envelope(kind, item)
                    .map_err(|problem| bad(format!("page {}: {problem}", seen_pages.len())))?;
                if !seen_ids.insert(object.instance_id.clone()) {
                    return Err(bad(format!(
                        "instance {} appears twice",
                        object.instance_id
                    )));
                }
                objects.push((object, created));
            }
            match page.pointer("/_links/next/href") {
                None | Some(Value::Null) => return Ok(objects),
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
