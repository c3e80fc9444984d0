//! The selection algorithm (see `../shared/reference/decision-simulation.md` §1–2): for one
//! profile, instant and decision scope (decision × placement), which offers are proposed, in
//! which order, with which score, and why every other candidate was not. Which offers may be
//! proposed is [`eligibility`]; their order is [`ranking`]; this module puts them together.

mod eligibility;
mod ranking;
mod reach;

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::catalogue::Catalogue;
use super::pql;
use super::reason::{Reason, Skipped};
use crate::providers::adobe::kind::Kind;
use eligibility::evaluate_rule;

/// Most options one placement may return (Adobe's documented maximum).
pub const MAX_ITEMS: usize = 30;

pub use crate::decisions::{Counter, Counters, Request};

/// A name and the id to show for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// One proposed option.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chosen {
    pub id: String,
    pub name: String,
    pub score: f64,
    /// Another eligible offer had the same score: Adobe picks at random among ties.
    pub tie: bool,
}

/// One candidate offer and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub offer: String,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// 1-based rank among the eligible offers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<usize>,
    pub tie: bool,
    /// Why it was not proposed (absent: proposed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
}

/// The answer for one scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposition {
    pub decision: Named,
    pub placement: Named,
    pub options: Vec<Chosen>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Named>,
    /// Set when the decision made no proposition at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<Skipped>,
    /// Every offer in a collection of this decision's criteria for the placement.
    pub candidates: Vec<Candidate>,
    /// Offers in no collection the decision uses for this placement.
    pub not_in_collection: usize,
    pub notes: Vec<String>,
}

/// The profile-independent part of one scope.
#[derive(Debug)]
struct Prepared {
    skipped: Option<Skipped>,
    criteria: Vec<Criterion>,
    /// Criteria indexes, grouped (first group first).
    groups: Vec<Vec<usize>>,
    members: usize,
    item_count: usize,
    notes: Vec<String>,
}

#[derive(Debug)]
struct Criterion {
    rule: Option<String>,
    formula: Option<String>,
    /// Offer index → the static reason it cannot be proposed, if any.
    offers: Vec<(usize, Option<Reason>)>,
}

/// Decides for many profiles over one catalogue at one instant.
pub struct Engine<'c> {
    catalogue: &'c Catalogue,
    at: OffsetDateTime,
    prepared: HashMap<(String, String), Prepared>,
    /// What ranking formulas see as `offer`, made when first needed.
    offer_views: std::cell::RefCell<HashMap<usize, Value>>,
    /// Tie-break: offers of equal score are ordered by a hash of (seed, name), or by name.
    seed: Option<u64>,
}

impl<'c> Engine<'c> {
    pub fn new(catalogue: &'c Catalogue, at: OffsetDateTime, seed: Option<u64>) -> Engine<'c> {
        Engine {
            catalogue,
            at,
            prepared: HashMap::new(),
            offer_views: std::cell::RefCell::new(HashMap::new()),
            seed,
        }
    }

    /// The (decision, placement) scopes of the decisions named (every decision when none is),
    /// narrowed to one placement when given. Fails on unknown names.
    pub fn scopes(
        &self,
        decisions: &[String],
        placement: Option<&str>,
    ) -> Result<Vec<(String, String)>, String> {
        let names: Vec<String> = if decisions.is_empty() {
            self.catalogue
                .activities
                .iter()
                .map(|a| a.meta.name.value.clone())
                .collect()
        } else {
            decisions.to_vec()
        };
        let mut scopes = Vec::new();
        for name in &names {
            let activity = self.catalogue.activity(name).ok_or_else(|| {
                let known = self
                    .catalogue
                    .activities
                    .iter()
                    .map(|a| a.meta.name.value.as_str());
                match crate::diagnostic::suggest(name, known) {
                    Some(best) => {
                        format!("no decision (Activity) named `{name}`; did you mean `{best}`?")
                    }
                    None => format!("no decision (Activity) named `{name}`"),
                }
            })?;
            let mut placements: Vec<String> = Vec::new();
            for criterion in &activity.criteria {
                for p in &criterion.placements {
                    if !placements.contains(&p.value) {
                        placements.push(p.value.clone());
                    }
                }
            }
            if let Some(only) = placement {
                if !placements.iter().any(|p| p == only) {
                    if decisions.is_empty() {
                        continue;
                    }
                    return Err(format!(
                        "decision `{name}` does not decide for placement `{only}` (it decides for {})",
                        placements.join(", ")
                    ));
                }
                placements.retain(|p| p == only);
            }
            scopes.extend(placements.into_iter().map(|p| (name.clone(), p)));
        }
        if scopes.is_empty() {
            return Err(match placement {
                Some(p) => format!("no decision decides for placement `{p}`"),
                None => "the catalogue has no decisions".into(),
            });
        }
        Ok(scopes)
    }

    /// The propositions for one profile, scope by scope in order.
    pub fn decide(&mut self, scopes: &[(String, String)], request: &Request) -> Vec<Proposition> {
        let mut rules: HashMap<String, Result<pql::Verdict, pql::Unevaluable>> = HashMap::new();
        let mut proposed: HashMap<&str, Vec<(usize, String)>> = HashMap::new();
        let mut out = Vec::with_capacity(scopes.len());
        for (decision, placement) in scopes {
            let key = (decision.clone(), placement.clone());
            if !self.prepared.contains_key(&key) {
                let prepared = self.prepare(decision, placement);
                self.prepared.insert(key.clone(), prepared);
            }
            let already = proposed.entry(decision.as_str()).or_default();
            let proposition = self.scope(&key, request, &mut rules, already);
            out.push(proposition);
        }
        out
    }

    fn scope(
        &mut self,
        key: &(String, String),
        request: &Request,
        rules: &mut HashMap<String, Result<pql::Verdict, pql::Unevaluable>>,
        already: &mut Vec<(usize, String)>,
    ) -> Proposition {
        let catalogue = self.catalogue;
        let (decision, placement) = key;
        let activity = catalogue.activity(decision).expect("known decision");
        let named = |kind: Kind, name: &str| Named {
            id: catalogue.id_of(kind, name),
            name: name.to_string(),
        };
        let mut proposition = Proposition {
            decision: named(Kind::Activity, decision),
            placement: named(Kind::Placement, placement),
            options: Vec::new(),
            fallback: None,
            skipped: None,
            candidates: Vec::new(),
            not_in_collection: 0,
            notes: Vec::new(),
        };
        let prepared = &self.prepared[key];
        proposition.notes = prepared.notes.clone();
        proposition.not_in_collection = catalogue.offers.len() - prepared.members;
        if let Some(skipped) = &prepared.skipped {
            proposition.skipped = Some(skipped.clone());
            return proposition;
        }

        // Each offer's outcome: eligible with a score, or its first reason.
        let mut outcome: HashMap<usize, (usize, Result<f64, Reason>)> = HashMap::new();
        let mut order: Vec<usize> = Vec::new();
        let mut capped_unknown = false;
        let mut group_of = vec![0; prepared.criteria.len()];
        for (g, members) in prepared.groups.iter().enumerate() {
            for c in members {
                group_of[*c] = g;
            }
        }
        for (c, criterion) in prepared.criteria.iter().enumerate() {
            let group = group_of[c];
            let criterion_rule = criterion.rule.as_deref().map(|rule| {
                (
                    rule,
                    evaluate_rule(catalogue, rules, rule, &self.env(request, None)),
                )
            });
            for (offer_index, static_reason) in &criterion.offers {
                let offer = &catalogue.offers[*offer_index];
                let result = match static_reason {
                    // Never eligible: without explaining, not worth a look.
                    Some(_) if !request.explain => continue,
                    Some(reason) => Err(reason.clone()),
                    None => self.eligibility(
                        offer,
                        criterion_rule.as_ref(),
                        rules,
                        request,
                        &mut capped_unknown,
                    ),
                };
                let result = result
                    .and_then(|()| self.score(*offer_index, criterion.formula.as_deref(), request));
                match outcome.get_mut(offer_index) {
                    None => {
                        order.push(*offer_index);
                        outcome.insert(*offer_index, (group, result));
                    }
                    // An offer qualifies through any criterion; it is ranked in the first
                    // group it qualifies in, with its highest score there [D].
                    Some((g, previous)) => match (&previous, result) {
                        (Err(_), Ok(score)) => {
                            *g = group;
                            *previous = Ok(score);
                        }
                        (Ok(_), Ok(score)) if group < *g => {
                            *g = group;
                            *previous = Ok(score);
                        }
                        (Ok(old), Ok(score)) if *g == group && score > *old => {
                            *previous = Ok(score)
                        }
                        _ => {}
                    },
                }
            }
        }
        if capped_unknown {
            proposition
                .notes
                .push("caps not evaluated (no counters given): counted as not reached".into());
        }

        // Rank group by group; later groups add only offers not ranked yet.
        // (Each offer has one group in `outcome`, so no offer is ranked twice.)
        let mut ranked: Vec<(usize, f64, bool)> = Vec::new();
        for g in 0..prepared.groups.len() {
            let mut eligible: Vec<(usize, f64)> = order
                .iter()
                .filter_map(|i| match &outcome[i] {
                    (group, Ok(score)) if *group == g => Some((*i, *score)),
                    _ => None,
                })
                .collect();
            eligible.sort_by(|a, b| {
                b.1.total_cmp(&a.1)
                    .then_with(|| self.tie_key(a.0).cmp(&self.tie_key(b.0)))
            });
            // Sorted by score: equal scores are neighbours.
            for (k, (i, score)) in eligible.iter().enumerate() {
                let tie = (k > 0 && eligible[k - 1].1 == *score)
                    || eligible.get(k + 1).is_some_and(|next| next.1 == *score);
                ranked.push((*i, *score, tie));
            }
        }

        // Duplicates across this decision's placements, then the item count.
        let limit = request
            .item_count
            .unwrap_or(prepared.item_count)
            .clamp(1, MAX_ITEMS);
        let mut reasons: HashMap<usize, Reason> = HashMap::new();
        let mut rank = 0;
        for (i, score, tie) in &ranked {
            if !request.allow_duplicates
                && let Some((_, earlier)) = already.iter().find(|(o, _)| o == i)
            {
                if !request.explain {
                    continue;
                }
                reasons.insert(
                    *i,
                    Reason::DuplicateAcrossPlacements {
                        placement: earlier.clone(),
                    },
                );
                continue;
            }
            rank += 1;
            if proposition.options.len() < limit {
                let name = &catalogue.offers[*i].meta.name.value;
                proposition.options.push(Chosen {
                    id: catalogue.id_of(Kind::Offer, name),
                    name: name.clone(),
                    score: *score,
                    tie: *tie,
                });
                already.push((*i, placement.clone()));
            } else if !request.explain {
                break;
            } else {
                reasons.insert(
                    *i,
                    Reason::BelowCutoff {
                        rank,
                        score: *score,
                    },
                );
            }
        }
        let ranks: HashMap<usize, (usize, f64, bool)> = if !request.explain {
            HashMap::new()
        } else {
            ranked
                .iter()
                .enumerate()
                .map(|(r, (i, s, t))| (*i, (r + 1, *s, *t)))
                .collect()
        };
        for i in order.iter().filter(|_| request.explain) {
            let name = &catalogue.offers[*i].meta.name.value;
            let (rank, score, tie) = match ranks.get(i) {
                Some((r, s, t)) => (Some(*r), Some(*s), *t),
                None => (None, None, false),
            };
            let reason = match &outcome[i].1 {
                Err(reason) => Some(reason.clone()),
                Ok(_) => reasons.remove(i),
            };
            proposition.candidates.push(Candidate {
                offer: name.clone(),
                id: catalogue.id_of(Kind::Offer, name),
                score,
                rank,
                tie,
                reason,
            });
        }

        if proposition.options.is_empty() {
            let fallback = &activity.fallback.value;
            match catalogue.fallbacks.get(fallback) {
                Some(f)
                    if !f
                        .representations
                        .iter()
                        .any(|r| r.placement.value == *placement) =>
                {
                    proposition.notes.push(format!(
                        "catalogue error: fallback `{fallback}` has no representation for placement `{placement}`"
                    ));
                }
                None => proposition.notes.push(format!(
                    "catalogue error: fallback `{fallback}` is not in the catalogue"
                )),
                Some(_) => {}
            }
            proposition.fallback = Some(named(Kind::FallbackOffer, fallback));
        }
        proposition
    }
}
