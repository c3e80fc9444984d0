//! Lists and searches: property filters, `id`/`name` selection, full-text terms, ordering and
//! keyset paging.
//!
//! Paging is keyset-based and stateless, as XCore's is: the effective order is the requested
//! `orderby` keys with `instanceId` appended as a tie-breaker, so every instance has a unique
//! sort key and a page can end after any item. `start` carries the sort key of the last item
//! returned; the next page holds the items strictly after it. Walking `next` therefore returns
//! every instance that exists throughout the walk exactly once, whatever is created, updated or
//! deleted meanwhile, as long as the order keys are immutable (the default `instanceId`,
//! `repo:createdDate`, ...). Ordering by a mutable property lets an item move, as XCore warns.
//!
//! `start` encodes one value per key, separated by commas; a literal `,` or `\` in a value is
//! escaped with `\`, and a missing value is written `\N`. Dates may also be given as epoch
//! milliseconds, the form XCore itself puts in `next` links.

use std::borrow::Cow;
use std::cmp::Ordering;

use regex::Regex;
use serde_json::Value;

use super::envelope::{Envelope, millis_to_timestamp, parse_rfc3339};
use super::error::RepoError;
use crate::providers::adobe::comparison::Cmp;
pub use leads::LeadSet;
pub(crate) use leads::lead_of;

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 500;

/// A list or search request, parsed from query parameters.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// The schema id (a `;version=` suffix is allowed). Required for lists, optional for search.
    pub schema: Option<String>,
    /// The requested order, without the `instanceId` tie-breaker.
    pub order_by: Vec<OrderKey>,
    pub start: Option<String>,
    pub limit: Option<usize>,
    pub filters: Vec<PropertyFilter>,
    /// `@id` values to select (`id=` repeated).
    pub ids: Vec<String>,
    /// An `xdm:name` pattern: exact, case-sensitive, with `*` and `?` wildcards.
    pub name: Option<String>,
    pub search: Option<TextSearch>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderKey {
    pub property: String,
    pub descending: bool,
}

impl OrderKey {
    fn render(&self) -> String {
        if self.descending {
            format!("-{}", self.property)
        } else {
            self.property.clone()
        }
    }
}

#[derive(Debug, Clone)]
pub struct PropertyFilter {
    pub property: String,
    pub negated: bool,
    pub test: Test,
}

#[derive(Debug, Clone)]
pub enum Test {
    Exists,
    Compare(Cmp, String),
    Matches(Regex),
    /// A regular expression of the shape clients shard lists with (`^(.*:)?[0-7][^:]*$`:
    /// the id's last `:`-separated segment starts with one of some characters), kept with
    /// those characters so that an id is tested by looking at one byte.
    Leads(Regex, Box<LeadSet>),
}

/// Full-text search terms (`q`, `field`, `qop`).
#[derive(Debug, Clone)]
pub struct TextSearch {
    /// Each entry is a phrase: one or more normalized terms that must appear consecutively.
    pub phrases: Vec<Vec<String>>,
    /// Property paths to search; empty means every string in `_instance`.
    pub fields: Vec<String>,
    /// `qop=and`: every phrase must match; otherwise any.
    pub all: bool,
}

/// A candidate that passed the filters: its sort key, the instance and its search score.
/// A sort value, borrowed from the envelope where it can be.
type Key<'a> = Option<Cow<'a, Value>>;
type Matched<'a> = (Vec<Key<'a>>, &'a Envelope, Option<f64>);

/// One page of results.
#[derive(Debug, Clone)]
pub struct Page<I = Hit> {
    pub items: Vec<I>,
    /// Matching items from the start of this page to the end of the list.
    pub total: usize,
    /// The `start` value of the next page, when more items follow.
    pub next_start: Option<String>,
    /// The effective order, tie-breaker included, as `orderby` spells it.
    pub order_by: String,
    pub limit: usize,
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub envelope: Envelope,
    /// Search relevance: how many phrases matched. Absent for plain lists.
    pub score: Option<f64>,
}

impl ListQuery {
    /// Parses query parameters (`schema`, `orderby`, `start`, `limit`, `property`, `id`, `name`,
    /// `q`, `field`, `qop`). Unknown parameters are ignored, as gateways add their own.
    pub fn from_params(params: &[(String, String)]) -> Result<ListQuery, RepoError> {
        let mut query = ListQuery::default();
        let mut q = None;
        let mut fields = Vec::new();
        let mut all = false;
        for (key, value) in params {
            match key.as_str() {
                "schema" => query.schema = Some(unquote(value).to_string()),
                "orderby" | "orderBy" => query.order_by = parse_order(value)?,
                "start" => query.start = Some(value.clone()),
                "limit" => query.limit = Some(parse_limit(value)?),
                "property" => query.filters.push(PropertyFilter::parse(value)?),
                "id" => query.ids.push(value.clone()),
                "name" => query.name = Some(value.clone()),
                "q" => q = Some(value.clone()),
                "field" => fields.push(value.trim().to_string()),
                "qop" => {
                    all = match value.to_ascii_lowercase().as_str() {
                        "and" => true,
                        "or" | "" => false,
                        other => {
                            return Err(RepoError::BadQuery(format!(
                                "qop must be `and` or `or`, not {other:?}"
                            )));
                        }
                    }
                }
                _ => {}
            }
        }
        if !query.ids.is_empty() && query.name.is_some() {
            return Err(RepoError::BadQuery(
                "the parameters `id` and `name` cannot be used together".into(),
            ));
        }
        if let Some(q) = q {
            let phrases = parse_terms(&q);
            if !phrases.is_empty() {
                query.search = Some(TextSearch {
                    phrases,
                    fields,
                    all,
                });
            }
        }
        Ok(query)
    }

    /// The order actually used: the requested keys plus the `instanceId` tie-breaker.
    pub fn effective_order(&self) -> Vec<OrderKey> {
        let mut keys = if self.order_by.is_empty() {
            Vec::new()
        } else {
            self.order_by.clone()
        };
        if !keys.iter().any(|k| k.property == "instanceId") {
            keys.push(OrderKey {
                property: "instanceId".into(),
                descending: false,
            });
        }
        keys
    }

    fn name_pattern(&self) -> Result<Option<Regex>, RepoError> {
        let Some(name) = &self.name else {
            return Ok(None);
        };
        let mut pattern = String::from("^");
        for c in name.chars() {
            match c {
                '*' => pattern.push_str(".*"),
                '?' => pattern.push('.'),
                other => pattern.push_str(&regex::escape(&other.to_string())),
            }
        }
        pattern.push('$');
        regexes::compiled(&pattern)
            .map(Some)
            .map_err(|e| RepoError::BadQuery(format!("name pattern: {e}")))
    }

    /// Whether `envelope` passes the query's ids, name, filters and search (ignoring the
    /// cursor); `Some(score)` when it does.
    fn admits(&self, envelope: &Envelope, name: Option<&Regex>) -> Option<Option<f64>> {
        if !self.ids.is_empty() && !self.ids.iter().any(|id| id == envelope.uri()) {
            return None;
        }
        if let Some(name) = name {
            let instance_name = envelope.instance.get("xdm:name").and_then(Value::as_str);
            if !instance_name.is_some_and(|n| name.is_match(n)) {
                return None;
            }
        }
        if !self.filters.iter().all(|f| f.matches(envelope)) {
            return None;
        }
        match &self.search {
            Some(search) => search.score(envelope).map(Some),
            None => Some(None),
        }
    }

    /// How many of `candidates` the query admits, cursor and limit aside: a list's `total`,
    /// without building and sorting a page.
    pub(crate) fn count<'a>(
        &self,
        candidates: impl Iterator<Item = &'a Envelope>,
    ) -> Result<usize, RepoError> {
        let name = self.name_pattern()?;
        Ok(candidates
            .filter(|e| self.admits(e, name.as_ref()).is_some())
            .count())
    }

    /// How many items a page holds.
    fn page_limit(&self) -> usize {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }

    /// Runs the query over `candidates` (already restricted to the schema) and cuts one page.
    pub(crate) fn run<'a>(
        &self,
        candidates: impl Iterator<Item = &'a Envelope>,
    ) -> Result<Page, RepoError> {
        let hit = |envelope: &Envelope, score| Hit {
            envelope: envelope.clone(),
            score,
        };
        Ok(self.run_counting(candidates, &[], hit)?.1)
    }

    /// [`Self::run`] with `also` added to the query's filters, and how many candidates the
    /// query admits without them (what [`Self::count`] says): one pass for a list page
    /// and its total. Each item of the page is what `render` makes of its envelope (and
    /// score), while the candidates are still borrowed.
    pub(crate) fn run_counting<'a, I>(
        &self,
        candidates: impl Iterator<Item = &'a Envelope>,
        also: &[PropertyFilter],
        mut render: impl FnMut(&Envelope, Option<f64>) -> I,
    ) -> Result<(usize, Page<I>), RepoError> {
        let mut admitted = 0;
        let name = self.name_pattern()?;
        let order = self.effective_order();
        let cursor = self
            .start
            .as_ref()
            .map(|start| decode_cursor(start, order.len()));
        let mut matched: Vec<Matched<'a>> = Vec::new();
        for envelope in candidates {
            let Some(score) = self.admits(envelope, name.as_ref()) else {
                continue;
            };
            admitted += 1;
            if !also.iter().all(|f| f.matches(envelope)) {
                continue;
            }
            let keys: Vec<Key<'a>> = order
                .iter()
                .map(|k| envelope.first_value_at(&k.property))
                .collect();
            if let Some(cursor) = &cursor
                && !strictly_after(&keys, cursor, &order)
            {
                continue;
            }
            matched.push((keys, envelope, score));
        }
        let limit = self.page_limit();
        let total = matched.len();
        // Only the page needs ordering: select its `limit` smallest (the order is total, with
        // the instanceId tie-breaker), then sort just those.
        if total > limit {
            matched.select_nth_unstable_by(limit - 1, |a, b| compare_keys(&a.0, &b.0, &order));
            matched.truncate(limit);
        }
        matched.sort_by(|a, b| compare_keys(&a.0, &b.0, &order));
        let next_start = if total > limit {
            Some(encode_cursor(&matched[limit - 1].0))
        } else {
            None
        };
        let items = matched
            .into_iter()
            .take(limit)
            .map(|(_, envelope, score)| render(envelope, score))
            .collect();
        let page = Page {
            items,
            total,
            next_start,
            order_by: render_order(&order),
            limit,
        };
        Ok((admitted, page))
    }
}

/// The effective order as `orderby` spells it.
fn render_order(order: &[OrderKey]) -> String {
    order
        .iter()
        .map(OrderKey::render)
        .collect::<Vec<_>>()
        .join(",")
}

fn unquote(value: &str) -> &str {
    let value = value.trim();
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

fn parse_limit(value: &str) -> Result<usize, RepoError> {
    match value.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(RepoError::BadQuery(format!(
            "limit must be a positive integer, not {value:?}"
        ))),
    }
}

fn parse_order(value: &str) -> Result<Vec<OrderKey>, RepoError> {
    let mut keys = Vec::new();
    for part in value.split(',') {
        // A `+` sent unencoded in a query string arrives as a space.
        let part = part.trim_end();
        let (descending, property) = if let Some(rest) = part.strip_prefix('-') {
            (true, rest)
        } else if let Some(rest) = part.strip_prefix('+').or_else(|| part.strip_prefix(' ')) {
            (false, rest)
        } else {
            (false, part)
        };
        let property = property.trim();
        if property.is_empty() {
            return Err(RepoError::BadQuery(format!(
                "orderby has an empty property in {value:?}"
            )));
        }
        keys.push(OrderKey {
            property: property.to_string(),
            descending,
        });
    }
    Ok(keys)
}

impl PropertyFilter {
    /// Parses `[!]path[op value]` with `op` one of `== != <= >= < > ~`.
    pub fn parse(expression: &str) -> Result<PropertyFilter, RepoError> {
        let (negated, body) = match expression.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, expression),
        };
        let Some(at) = body.find(['=', '!', '<', '>', '~']) else {
            let property = body.trim();
            if property.is_empty() {
                return Err(RepoError::BadQuery("empty property filter".into()));
            }
            return Ok(PropertyFilter {
                property: property.to_string(),
                negated,
                test: Test::Exists,
            });
        };
        let property = body[..at].trim();
        if property.is_empty() {
            return Err(RepoError::BadQuery(format!(
                "property filter {expression:?} names no property"
            )));
        }
        let rest = &body[at..];
        let ops = [
            ("==", Some(Cmp::Eq)),
            ("!=", Some(Cmp::Ne)),
            ("<=", Some(Cmp::Le)),
            (">=", Some(Cmp::Ge)),
            ("<", Some(Cmp::Lt)),
            (">", Some(Cmp::Gt)),
            ("~", None),
        ];
        for (spelling, op) in ops {
            if let Some(value) = rest.strip_prefix(spelling) {
                let test = match op {
                    Some(op) => Test::Compare(op, value.to_string()),
                    None => {
                        let invalid = |e: regex::Error| {
                            RepoError::BadQuery(format!("invalid regular expression: {e}"))
                        };
                        // Compiled alone first: `a)|(b` must not escape the anchoring below.
                        regexes::compiled(value).map_err(invalid)?;
                        let anchored = format!("(?is)^(?:{value})$");
                        let regex = regexes::compiled(&anchored).map_err(invalid)?;
                        match LeadSet::of(value) {
                            Some(leads) => Test::Leads(regex, Box::new(leads)),
                            None => Test::Matches(regex),
                        }
                    }
                };
                return Ok(PropertyFilter {
                    property: property.to_string(),
                    negated,
                    test,
                });
            }
        }
        Err(RepoError::BadQuery(format!(
            "property filter {expression:?} has an unknown operator; use ==, !=, <, <=, >, >= or ~"
        )))
    }

    /// The leading characters this filter admits (or, when negated, rejects) when it is a
    /// shard of ids as clients send it (see [`LeadSet`]).
    pub(crate) fn shard(&self) -> Option<(&LeadSet, bool)> {
        match &self.test {
            Test::Leads(_, leads) if self.is_on_id() => Some((leads, self.negated)),
            _ => None,
        }
    }

    /// Whether the filter is on the instance's `@id`.
    fn is_on_id(&self) -> bool {
        matches!(self.property.as_str(), "@id" | "_instance.@id")
    }

    pub fn matches(&self, envelope: &Envelope) -> bool {
        // A regular expression on the `@id` (how clients shard lists) tests the envelope's
        // id in place: the same answer as below, without building a value per instance.
        if self.is_on_id() {
            match &self.test {
                Test::Matches(regex) => return regex.is_match(envelope.uri()) != self.negated,
                Test::Leads(_, leads) => return leads.admits(envelope.uri()) != self.negated,
                _ => {}
            }
        }
        // A comparison with an envelope property (DPS cursors compare the modified date) reads
        // its one text value in place, with the same outcome as below.
        if let Test::Compare(op, literal) = &self.test
            && let Some(text) = envelope.envelope_text(&self.property)
        {
            let ord = compare_text(text, literal);
            let result = match op {
                Cmp::Ne => ord != Ordering::Equal,
                op => op.holds(ord),
            };
            return result != self.negated;
        }
        self.matches_values(&envelope.values_at(&self.property))
    }

    /// Whether the filter holds for the values found at its property path.
    pub fn matches_values(&self, values: &[Cow<'_, Value>]) -> bool {
        let present = values.iter().filter(|v| !v.is_null());
        let result = match &self.test {
            Test::Exists => !values.is_empty(),
            // `!=` holds when no value equals the literal, which includes a missing property.
            Test::Compare(Cmp::Ne, literal) => !values
                .iter()
                .any(|v| compare_literal(v, literal) == Some(Ordering::Equal)),
            Test::Compare(op, literal) => present
                .into_iter()
                .any(|v| compare_literal(v, literal).is_some_and(|ord| op.holds(ord))),
            Test::Matches(regex) | Test::Leads(regex, _) => present
                .into_iter()
                .any(|v| v.as_str().is_some_and(|s| regex.is_match(s))),
        };
        result != self.negated
    }
}

/// Compares a stored text with a filter literal: as times when both are RFC 3339, as text
/// otherwise.
fn compare_text(text: &str, literal: &str) -> Ordering {
    // The repository's own timestamps (UTC, milliseconds, fixed width) order as text, which
    // is what parsing both would conclude (and what a failed parse falls back to).
    if timestamp_shaped(text) && timestamp_shaped(literal) {
        return text.cmp(literal);
    }
    match (parse_rfc3339(text), parse_rfc3339(literal)) {
        (Some(a), Some(b)) => a.cmp(&b),
        _ => text.cmp(literal),
    }
}

/// `dddd-dd-ddTdd:dd:dd.dddZ`, the repository's timestamp format.
pub(super) fn timestamp_shaped(text: &str) -> bool {
    const SHAPE: &[u8; 24] = b"dddd-dd-ddTdd:dd:dd.dddZ";
    text.len() == SHAPE.len()
        && text.bytes().zip(SHAPE).all(|(b, &s)| match s {
            b'd' => b.is_ascii_digit(),
            _ => b == s,
        })
}

/// Compares a stored value with a filter literal; `None` when they are not comparable.
fn compare_literal(value: &Value, literal: &str) -> Option<Ordering> {
    match value {
        Value::Number(n) => {
            let literal: f64 = literal.trim().parse().ok()?;
            n.as_f64()?.partial_cmp(&literal)
        }
        Value::String(s) => Some(compare_text(s, literal)),
        Value::Bool(b) => Some(b.cmp(&literal.parse::<bool>().ok()?)),
        Value::Null => (literal == "null").then_some(Ordering::Equal),
        compound => Some(compound.to_string().as_str().cmp(literal)),
    }
}

// ---- ordering and cursors ----------------------------------------------------------------

fn rank(value: Option<&Value>) -> u8 {
    match value {
        None | Some(Value::Null) => 0,
        Some(Value::Bool(_)) => 1,
        Some(Value::Number(_)) => 2,
        Some(Value::String(_)) => 3,
        Some(_) => 4,
    }
}

/// A total order on sort values: missing < booleans < numbers < strings < compound values.
fn compare_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        (Some(Value::Number(x)), Some(Value::Number(y))) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.total_cmp(&y)
        }
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        (
            Some(x @ (Value::Array(_) | Value::Object(_))),
            Some(y @ (Value::Array(_) | Value::Object(_))),
        ) => x.to_string().cmp(&y.to_string()),
        _ => rank(a).cmp(&rank(b)),
    }
}

fn compare_keys(a: &[Key<'_>], b: &[Key<'_>], order: &[OrderKey]) -> Ordering {
    for ((x, y), key) in a.iter().zip(b).zip(order) {
        let ord = compare_values(x.as_deref(), y.as_deref());
        let ord = if key.descending { ord.reverse() } else { ord };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// One decoded `start` value.
#[derive(Debug, Clone, PartialEq)]
enum CursorValue {
    Missing,
    Text(String),
}

/// Compares a sort value with a cursor value consistently with [`compare_values`]: the cursor
/// text is read as the type of the value it is compared with.
fn compare_cursor(value: Option<&Value>, cursor: &CursorValue) -> Ordering {
    let text = match cursor {
        CursorValue::Missing => {
            return if rank(value) == 0 {
                Ordering::Equal
            } else {
                Ordering::Greater
            };
        }
        CursorValue::Text(text) => text,
    };
    match value {
        None | Some(Value::Null) => Ordering::Less,
        Some(Value::Bool(b)) => match text.parse::<bool>() {
            Ok(t) => b.cmp(&t),
            Err(_) => Ordering::Less,
        },
        Some(Value::Number(n)) => match text.trim().parse::<f64>() {
            Ok(t) => n.as_f64().unwrap_or(0.0).total_cmp(&t),
            Err(_) => Ordering::Less,
        },
        Some(Value::String(s)) => {
            // XCore writes dates in `next` links as epoch milliseconds.
            if !text.is_empty()
                && text.bytes().all(|b| b.is_ascii_digit())
                && parse_rfc3339(s).is_some()
                && let Some(as_date) = text.parse::<i64>().ok().and_then(millis_to_timestamp)
            {
                return s.as_str().cmp(as_date.as_str());
            }
            s.as_str().cmp(text.as_str())
        }
        Some(compound) => compound.to_string().as_str().cmp(text.as_str()),
    }
}

/// Whether an item with sort key `keys` comes strictly after the cursor. A cursor with fewer
/// values than keys compares on its prefix only ("strictly greater than the given value").
fn strictly_after(keys: &[Key<'_>], cursor: &[CursorValue], order: &[OrderKey]) -> bool {
    for ((value, cursor_value), key) in keys.iter().zip(cursor).zip(order) {
        let ord = compare_cursor(value.as_deref(), cursor_value);
        let ord = if key.descending { ord.reverse() } else { ord };
        match ord {
            Ordering::Greater => return true,
            Ordering::Less => return false,
            Ordering::Equal => {}
        }
    }
    false
}

fn encode_cursor(keys: &[Key<'_>]) -> String {
    keys.iter()
        .map(|value| match value.as_deref() {
            None | Some(Value::Null) => "\\N".to_string(),
            Some(Value::String(s)) => escape_cursor(s),
            Some(other) => escape_cursor(&other.to_string()),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn escape_cursor(text: &str) -> String {
    text.replace('\\', "\\\\").replace(',', "\\,")
}

/// Splits `start` into at most `keys` values; with a single key the whole text is the value.
fn decode_cursor(start: &str, keys: usize) -> Vec<CursorValue> {
    let mut values = Vec::new();
    let mut current = String::new();
    let mut raw_null = false;
    let mut chars = start.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('N') if current.is_empty() => raw_null = true,
                Some(escaped) => current.push(escaped),
                None => current.push('\\'),
            },
            ',' if values.len() + 1 < keys => {
                values.push(finish(&mut current, &mut raw_null));
            }
            other => current.push(other),
        }
    }
    values.push(finish(&mut current, &mut raw_null));
    values
}

fn finish(current: &mut String, raw_null: &mut bool) -> CursorValue {
    let text = std::mem::take(current);
    if std::mem::take(raw_null) && text.is_empty() {
        CursorValue::Missing
    } else {
        CursorValue::Text(text)
    }
}

// ---- full-text search --------------------------------------------------------------------

/// Normalizes text into lower-case alphanumeric terms.
fn terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Splits `q` into phrases: double-quoted runs are one phrase, other terms one each.
fn parse_terms(q: &str) -> Vec<Vec<String>> {
    let mut phrases = Vec::new();
    for (i, part) in q.split('"').enumerate() {
        if i % 2 == 1 {
            let phrase = terms(part);
            if !phrase.is_empty() {
                phrases.push(phrase);
            }
        } else {
            phrases.extend(terms(part).into_iter().map(|t| vec![t]));
        }
    }
    phrases
}

impl TextSearch {
    /// The number of phrases found, or `None` when the instance does not qualify.
    fn score(&self, envelope: &Envelope) -> Option<f64> {
        let mut texts: Vec<Vec<String>> = Vec::new();
        if self.fields.is_empty() {
            collect_strings(&Value::Object(envelope.instance.clone()), &mut texts);
        } else {
            for field in &self.fields {
                for value in envelope.values_at(field) {
                    collect_strings(&value, &mut texts);
                }
            }
        }
        let found = self
            .phrases
            .iter()
            .filter(|phrase| {
                texts.iter().any(|t| {
                    t.windows(phrase.len())
                        .any(|window| window == phrase.as_slice())
                })
            })
            .count();
        let qualifies = if self.all {
            found == self.phrases.len()
        } else {
            found > 0
        };
        qualifies.then_some(found as f64)
    }
}

fn collect_strings(value: &Value, out: &mut Vec<Vec<String>>) {
    match value {
        Value::String(s) => out.push(terms(s)),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

mod indexed;
mod leads;
mod regexes;
#[cfg(test)]
mod tests;

pub(crate) use indexed::Listing;
