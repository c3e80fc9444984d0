//! Listing a large kind as concurrent shards, for both of Adobe's APIs.
//!
//! A list is one cursor walked page by page, so its time grows with pages × latency. When the
//! first page says the kind is large, the list is split into independent ranges of ids that
//! the API can filter on (a regular expression on the id, as Adobe documents for DPS lists),
//! and the ranges are walked concurrently. The ranges partition every possible id: one per
//! group of leading hex digits of the id's last `:`-separated segment, and one for every other
//! id. The guarantee the plan rests on is kept: the union must be duplicate-free and hold as
//! many objects as the unsharded list says exist; if it does not, the total is read again (the
//! repository may have changed meanwhile) and a disagreement that remains is an error, never a
//! partial list.

use futures::stream::{self, StreamExt, TryStreamExt};

/// At most this many shards, so that sharding never multiplies requests.
pub const MAX_SHARDS: usize = 16;
/// Shards walked at once per kind.
pub const CONCURRENCY: usize = 16;

/// One range of ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shard {
    /// Ids whose last segment starts with one of these hex digits (a regex character class).
    Digits(String),
    /// Ids whose last segment does not start with a hex digit.
    Other,
}

impl Shard {
    /// The regular expression and whether the filter must be negated. Anchored at both ends,
    /// so that it means the same whether the server searches (`is_match`) or matches the whole
    /// id (DPS documents `id~.*1234.*`, which reads like whole-id matching).
    pub fn pattern(&self) -> (String, bool) {
        match self {
            Shard::Digits(class) => (format!("^(.*:)?[{class}][^:]*$"), false),
            Shard::Other => ("^(.*:)?[0-9a-fA-F][^:]*$".into(), true),
        }
    }
}

/// How many shards a kind of `total` objects needs at `page_size` per page: a power of two
/// from 2 to [`MAX_SHARDS`]. A large kind (8 pages or more) gets about one page per shard, so
/// that its shards, walked at once, take one round trip for about as many requests as one
/// cursor; a smaller one about two pages per shard, since a shard that overflows its page
/// costs a request more and a small kind's round trips are few anyway (1 when the kind fits
/// in two pages, which the first, unsharded walk reads whole).
pub fn shard_count(total: u64, page_size: usize) -> usize {
    let pages = total.div_ceil(page_size.max(1) as u64) as usize;
    if pages <= 2 {
        return 1;
    }
    let per_shard = if pages >= 8 { 1 } else { 2 };
    (pages / per_shard).next_power_of_two().clamp(2, MAX_SHARDS)
}

/// `count` ranges of hex digits (a power of two dividing 16) plus the range of other ids.
pub fn partition(count: usize) -> Vec<Shard> {
    const HEX: &[u8] = b"0123456789abcdef";
    let count = count.clamp(1, 16).next_power_of_two();
    let width = 16 / count;
    let mut shards: Vec<Shard> = HEX
        .chunks(width)
        .map(|digits| {
            let class: String = digits
                .iter()
                .flat_map(|d| {
                    let c = *d as char;
                    let upper = c.to_ascii_uppercase();
                    if upper == c { vec![c] } else { vec![c, upper] }
                })
                .collect();
            Shard::Digits(class)
        })
        .collect();
    shards.push(Shard::Other);
    shards
}

/// Walks every shard with `list`, [`CONCURRENCY`] at a time; the lists in shard order, or the
/// first error.
pub async fn walk<T, E, F, Fut>(shards: &[Shard], list: F) -> Result<Vec<Vec<T>>, E>
where
    F: Fn(Shard) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, E>>,
{
    stream::iter(shards.iter().cloned().map(list))
        .buffered(CONCURRENCY)
        .try_collect()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matching(id: &str, shards: &[Shard]) -> usize {
        shards
            .iter()
            .filter(|shard| {
                let (pattern, negated) = shard.pattern();
                let searched = regex::Regex::new(&pattern).unwrap().is_match(id);
                let whole = regex::Regex::new(&format!("^(?:{pattern})$"))
                    .unwrap()
                    .is_match(id);
                assert_eq!(searched, whole, "{pattern} on {id}");
                searched != negated
            })
            .count()
    }

    #[test]
    fn every_id_falls_in_exactly_one_shard() {
        for count in [1, 2, 4, 8, 16] {
            let shards = partition(count);
            assert_eq!(shards.len(), count + 1);
            for id in [
                "xcore:personalized-offer:1234abcd",
                "dps:offer:F00d",
                "xcore:tag:00",
                "xcore:tag:zz-not-hex",
                "plain",
                "",
                "a:b:",
                "xcore:offer-activity:9",
            ] {
                assert_eq!(matching(id, &shards), 1, "{id} in {count} shards");
            }
        }
    }

    #[test]
    fn small_kinds_stay_one_request_and_large_ones_cap_at_sixteen() {
        assert_eq!(shard_count(0, 100), 1);
        assert_eq!(shard_count(200, 100), 1);
        assert_eq!(shard_count(300, 100), 2);
        assert_eq!(shard_count(500, 100), 2);
        assert_eq!(shard_count(4_000, 500), 8);
        assert_eq!(shard_count(7_000, 100), 16);
        assert_eq!(shard_count(7_000, 500), 16);
        assert_eq!(shard_count(1_000_000, 500), 16);
    }
}
