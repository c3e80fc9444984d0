//! Ranking: each eligible offer's score (its ranking formula's value, or its priority), the
//! criteria grouped by priority, and a stable order for ties.

use serde_json::{Value, json};

use super::{Engine, Request};
use crate::providers::adobe::decide::catalogue::Catalogue;
use crate::providers::adobe::decide::pql;
use crate::providers::adobe::decide::reason::Reason;
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::manifest::Offer;

impl<'c> Engine<'c> {
    /// The offer's score: its ranking formula's value, or its priority.
    pub(super) fn score(
        &self,
        offer_index: usize,
        formula: Option<&str>,
        request: &Request,
    ) -> Result<f64, Reason> {
        let offer = &self.catalogue.offers[offer_index];
        let priority = offer.priority.as_ref().map_or(0, |p| p.value) as f64;
        let Some(formula) = formula else {
            return Ok(priority);
        };
        let unevaluable = |reason: String| Reason::RankingUnevaluable {
            formula: formula.to_string(),
            reason,
        };
        let parsed = self
            .catalogue
            .formulas
            .get(formula)
            .ok_or_else(|| unevaluable("not in the catalogue".into()))?;
        let expr = parsed
            .expr
            .as_ref()
            .map_err(|e| unevaluable(format!("does not parse: {}", e.message)))?;
        let mut views = self.offer_views.borrow_mut();
        let view = views
            .entry(offer_index)
            .or_insert_with(|| offer_view(self.catalogue, offer));
        pql::number(expr, &self.env(request, Some(view))).map_err(|e| unevaluable(e.reason))
    }

    pub(super) fn env<'v>(&self, request: &'v Request, offer: Option<&'v Value>) -> pql::Env<'v> {
        pql::Env {
            profile: request.profile,
            offer,
            context: request.context,
            now: self.at,
        }
    }

    /// Ties are ordered by name (the same in the live and the desired catalogue, unlike ids),
    /// or by a seeded hash of it.
    pub(super) fn tie_key(&self, offer_index: usize) -> (u64, &str) {
        let name = self.catalogue.offers[offer_index].meta.name.value.as_str();
        match self.seed {
            Some(seed) => (fnv(seed, name), name),
            None => (0, name),
        }
    }
}

/// Criteria grouped for ranking: equal priorities share a group, higher first; without any
/// priority, each criterion is its own group, in order.
pub(super) fn groups(priorities: &[Option<i64>]) -> Vec<Vec<usize>> {
    if priorities.iter().all(Option::is_none) {
        return (0..priorities.len()).map(|i| vec![i]).collect();
    }
    let mut order: Vec<usize> = (0..priorities.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(priorities[i].unwrap_or(0)));
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in order {
        match groups.last_mut() {
            Some(group) if priorities[group[0]].unwrap_or(0) == priorities[i].unwrap_or(0) => {
                group.push(i)
            }
            _ => groups.push(vec![i]),
        }
    }
    groups
}

/// What a ranking formula sees as `offer`.
fn offer_view(catalogue: &Catalogue, offer: &Offer) -> Value {
    let name = &offer.meta.name.value;
    json!({
        "_id": catalogue.id_of(Kind::Offer, name),
        "name": name,
        "rank": {"priority": offer.priority.as_ref().map(|p| p.value)},
        "characteristics": offer.characteristics,
        "tags": offer.tags.iter().map(|t| catalogue.id_of(Kind::Tag, &t.value)).collect::<Vec<_>>(),
        "selectionConstraint": {
            "startDate": offer.start_date.as_ref().map(|d| d.value.clone()),
            "endDate": offer.end_date.as_ref().map(|d| d.value.clone()),
        },
    })
}

/// FNV-1a over the seed and a name: a stable, seedable order for ties.
fn fnv(seed: u64, id: &str) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for byte in id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}
