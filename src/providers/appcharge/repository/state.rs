//! The data behind the store's lock: four tables in creation order, the clock behind
//! `updatedAt`, and the log records that change them.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// Documents by key, remembered in creation order (a replace keeps the position).
#[derive(Default)]
pub(super) struct Table {
    next: u64,
    order: BTreeMap<u64, String>,
    rows: HashMap<String, (u64, Value)>,
}

impl Table {
    pub(super) fn get(&self, key: &str) -> Option<&Value> {
        self.rows.get(key).map(|(_, doc)| doc)
    }

    pub(super) fn contains(&self, key: &str) -> bool {
        self.rows.contains_key(key)
    }

    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }

    fn put(&mut self, key: String, doc: Value) {
        if let Some(row) = self.rows.get_mut(&key) {
            row.1 = doc;
            return;
        }
        let seq = self.next;
        self.next += 1;
        self.order.insert(seq, key.clone());
        self.rows.insert(key, (seq, doc));
    }

    fn remove(&mut self, key: &str) {
        if let Some((seq, _)) = self.rows.remove(key) {
            self.order.remove(&seq);
        }
    }

    /// `(key, document)` in creation order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.order
            .values()
            .filter_map(|key| self.rows.get(key).map(|(_, doc)| (key.as_str(), doc)))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) enum TableName {
    Offers,
    Products,
    Badges,
    Designs,
}

/// One durable change. Replaying the log applies these in order with [`State::apply`], the
/// function live writes use, so recovered state equals acknowledged state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub(super) enum Record {
    /// Create or fully replace `key`.
    Put {
        table: TableName,
        key: String,
        doc: Value,
    },
    Remove {
        table: TableName,
        key: String,
    },
    Reset,
}

#[derive(Default)]
pub(super) struct State {
    pub(super) offers: Table,
    pub(super) products: Table,
    pub(super) badges: Table,
    pub(super) designs: Table,
    /// The last `updatedAt` handed out, in epoch milliseconds.
    last_millis: i64,
}

impl State {
    /// The offers (`publisherOfferId`s) for which `holds` is true, in creation order.
    pub(super) fn offers_where(&self, holds: impl Fn(&Value) -> bool) -> Vec<String> {
        self.offers
            .iter()
            .filter(|(_, offer)| holds(offer))
            .map(|(id, _)| id.to_string())
            .collect()
    }

    pub(super) fn table(&self, name: TableName) -> &Table {
        match name {
            TableName::Offers => &self.offers,
            TableName::Products => &self.products,
            TableName::Badges => &self.badges,
            TableName::Designs => &self.designs,
        }
    }

    fn table_mut(&mut self, name: TableName) -> &mut Table {
        match name {
            TableName::Offers => &mut self.offers,
            TableName::Products => &mut self.products,
            TableName::Badges => &mut self.badges,
            TableName::Designs => &mut self.designs,
        }
    }

    pub(super) fn apply(&mut self, record: Record) {
        match record {
            Record::Put { table, key, doc } => {
                if let Some(at) = doc.get("updatedAt").and_then(Value::as_str) {
                    self.last_millis = self.last_millis.max(millis(at));
                }
                self.table_mut(table).put(key, doc);
            }
            Record::Remove { table, key } => self.table_mut(table).remove(&key),
            Record::Reset => {
                // The clock stays: `updatedAt` keeps increasing across a reset.
                let last_millis = self.last_millis;
                *self = State {
                    last_millis,
                    ..State::default()
                };
            }
        }
    }

    /// The next `updatedAt`: now, or a millisecond after the previous one if that is not
    /// earlier, so timestamps strictly increase across all writes.
    pub(super) fn tick(&mut self) -> String {
        let now = (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
        self.last_millis = now.max(self.last_millis + 1);
        timestamp(self.last_millis)
    }

    /// Every document as `Put` records, in creation order (a compacted log).
    pub(super) fn snapshot(&self) -> Vec<Record> {
        let mut out = Vec::new();
        for name in [
            TableName::Products,
            TableName::Badges,
            TableName::Designs,
            TableName::Offers,
        ] {
            for (key, doc) in self.table(name).iter() {
                out.push(Record::Put {
                    table: name,
                    key: key.to_string(),
                    doc: doc.clone(),
                });
            }
        }
        out
    }

    pub(super) fn live(&self) -> usize {
        self.offers.len() + self.products.len() + self.badges.len() + self.designs.len()
    }
}

/// RFC 3339 UTC with milliseconds, `2026-01-02T03:04:05.678Z`.
pub(super) fn timestamp(millis: i64) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .ok()
        .and_then(|at| at.format(format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".into())
}

fn millis(text: &str) -> i64 {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(|at| (at.unix_timestamp_nanos() / 1_000_000) as i64)
        .unwrap_or(0)
}

/// A server id: 24 lowercase hex digits, as Appcharge's (Mongo-style) ids look.
pub(super) fn new_id() -> String {
    let bytes: [u8; 12] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
