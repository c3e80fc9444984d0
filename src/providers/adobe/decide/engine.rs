//! The selection algorithm (see `../shared/reference/decision-simulation.md` §1–2): for one
//! profile, instant and decision scope (decision × placement), which offers are proposed, in
//! which order, with which score, and why every other candidate was not.
//!
//! What does not depend on the profile (collection membership, status, representation, dates)
//! is computed once per scope and reused for every profile; rules are evaluated at most once
//! per profile.

use std::collections::{HashMap, HashSet};

use crate::diff::meaning::instant;
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::catalogue::{Catalogue, Parsed};
use super::pql;
use super::reason::{Reason, Skipped};
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::manifest::{ActivityStatus, FilterMatch, Offer, OfferStatus};

/// Most options one placement may return (Adobe's documented maximum).
pub const MAX_ITEMS: usize = 30;

/// Capping counters: offer (name or id) → counts so far.
pub type Counters = HashMap<String, Counter>;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Counter {
    #[serde(default)]
    pub global: Option<u64>,
    #[serde(default)]
    pub profile: Option<u64>,
}

/// One profile's request: whom, when, and how.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub profile: &'a Value,
    /// Context data by schema URI (`@{schema}.field` in rules).
    pub context: &'a Value,
    pub counters: Option<&'a Counters>,
    /// Overrides the placement's item count.
    pub item_count: Option<usize>,
    /// Allow the same offer in several placements of one decision.
    pub allow_duplicates: bool,
    /// List every candidate with its reason (`Proposition::candidates`); without it only
    /// the options, the fallback and the notes are made (bulk runs).
    pub explain: bool,
}

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
            let activity = self
                .catalogue
                .activity(name)
                .ok_or_else(|| format!("no decision (Activity) named `{name}`"))?;
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

    fn prepare(&self, decision: &str, placement: &str) -> Prepared {
        let catalogue = self.catalogue;
        let activity = catalogue
            .activity(decision)
            .expect("scopes name known decisions");
        let skipped = if activity.status != ActivityStatus::Live {
            Some(Skipped::DecisionNotLive {
                status: format!("{:?}", activity.status).to_lowercase(),
            })
        } else if let Some(start) = activity.start_date.as_ref().filter(|s| !self.started(s)) {
            Some(Skipped::DecisionNotStarted {
                start: start.value.clone(),
            })
        } else {
            activity
                .end_date
                .as_ref()
                .filter(|e| self.ended(e))
                .map(|end| Skipped::DecisionExpired {
                    end: end.value.clone(),
                })
        };
        let mut notes = Vec::new();
        let mut members: HashSet<usize> = HashSet::new();
        let mut criteria = Vec::new();
        let mut priorities = Vec::new();
        for criterion in &activity.criteria {
            if !criterion.placements.iter().any(|p| p.value == placement) {
                continue;
            }
            let offers: Vec<(usize, Option<Reason>)> = self
                .collection(&criterion.filter.value, &mut notes)
                .into_iter()
                .map(|i| (i, self.static_reason(&catalogue.offers[i], placement)))
                .collect();
            members.extend(offers.iter().map(|(i, _)| *i));
            priorities.push(criterion.priority.as_ref().map(|p| p.value));
            criteria.push(Criterion {
                rule: criterion.rule.as_ref().map(|r| r.value.clone()),
                formula: criterion.ranking_formula.as_ref().map(|f| f.value.clone()),
                offers,
            });
        }
        let item_count = catalogue
            .placements
            .get(placement)
            .and_then(|p| {
                ["xdm:itemCount", "itemCount"]
                    .iter()
                    .find_map(|k| p.meta.extra.get(*k))
                    .and_then(|v| v.value.as_u64())
            })
            .map_or(1, |n| n as usize);
        Prepared {
            skipped,
            groups: groups(&priorities),
            criteria,
            members: members.len(),
            item_count,
            notes,
        }
    }

    /// The offers a filter (collection) holds, by index.
    fn collection(&self, filter: &str, notes: &mut Vec<String>) -> Vec<usize> {
        let catalogue = self.catalogue;
        let Some(filter) = catalogue.filters.get(filter) else {
            notes.push(format!("collection `{filter}` is not in the catalogue"));
            return Vec::new();
        };
        let tags: HashSet<&str> = filter.tags.iter().map(|t| t.value.as_str()).collect();
        match filter.filter_match.value {
            FilterMatch::Offers => filter
                .offers
                .iter()
                .filter_map(|o| catalogue.offer_position(&o.value))
                .collect(),
            FilterMatch::AnyTags => (0..catalogue.offers.len())
                .filter(|&i| {
                    catalogue.offers[i]
                        .tags
                        .iter()
                        .any(|t| tags.contains(t.value.as_str()))
                })
                .collect(),
            FilterMatch::AllTags => (0..catalogue.offers.len())
                .filter(|&i| {
                    let own: HashSet<&str> = catalogue.offers[i]
                        .tags
                        .iter()
                        .map(|t| t.value.as_str())
                        .collect();
                    !tags.is_empty() && tags.iter().all(|t| own.contains(t))
                })
                .collect(),
        }
    }

    /// Instants compare as instants, whatever their offset or spelling.
    fn started(&self, start: &str) -> bool {
        instant(start).is_some_and(|s| s <= self.at)
    }

    fn ended(&self, end: &str) -> bool {
        instant(end).is_some_and(|e| e <= self.at)
    }

    /// The first profile-independent check an offer fails for a placement.
    fn static_reason(&self, offer: &Offer, placement: &str) -> Option<Reason> {
        if offer.status != OfferStatus::Approved {
            return Some(Reason::NotApproved {
                status: format!("{:?}", offer.status).to_lowercase(),
            });
        }
        if !offer
            .representations
            .iter()
            .any(|r| r.placement.value == placement)
        {
            return Some(Reason::NoRepresentationForPlacement);
        }
        if let Some(start) = offer.start_date.as_ref().filter(|s| !self.started(s)) {
            return Some(Reason::NotStarted {
                start: start.value.clone(),
            });
        }
        if let Some(end) = offer.end_date.as_ref().filter(|e| self.ended(e)) {
            return Some(Reason::Expired {
                end: end.value.clone(),
            });
        }
        None
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

    /// The profile-dependent checks, in order: criterion rule, offer rule, segments, caps.
    fn eligibility(
        &self,
        offer: &Offer,
        criterion_rule: Option<&(&str, Result<pql::Verdict, Reason>)>,
        rules: &mut HashMap<String, Result<pql::Verdict, pql::Unevaluable>>,
        request: &Request,
        capped_unknown: &mut bool,
    ) -> Result<(), Reason> {
        if let Some((rule, verdict)) = criterion_rule {
            match verdict {
                Ok(v) if v.value => {}
                Ok(v) => {
                    return Err(Reason::CriterionConstraintFalse {
                        rule: rule.to_string(),
                        failing: self.culprit(rule, v, request.explain),
                    });
                }
                Err(reason) => return Err(reason.clone()),
            }
        }
        if let Some(rule) = &offer.rule {
            let verdict =
                evaluate_rule(self.catalogue, rules, &rule.value, &self.env(request, None))?;
            if !verdict.value {
                return Err(Reason::OfferRuleFalse {
                    rule: rule.value.clone(),
                    failing: self.culprit(&rule.value, &verdict, request.explain),
                });
            }
        }
        if let Some((any, segments)) = super::segments::constraint(&offer.meta.extra)
            && !super::segments::satisfied(request.profile, any, &segments)
        {
            return Err(Reason::NotInSegments { any, segments });
        }
        if let Some(cap) = &offer.cap {
            let name = &offer.meta.name.value;
            let counter = request.counters.and_then(|c| {
                c.get(name)
                    .or_else(|| c.get(&self.catalogue.id_of(Kind::Offer, name)))
            });
            match (request.counters, counter) {
                (None, _) => *capped_unknown = true,
                (Some(_), counter) => {
                    let counter = counter.copied().unwrap_or_default();
                    let checks = [
                        ("global", cap.global.as_ref(), counter.global),
                        ("profile", cap.profile.as_ref(), counter.profile),
                    ];
                    for (scope, limit, count) in checks {
                        if let Some(limit) = limit {
                            let (limit, count) = (limit.value.max(0) as u64, count.unwrap_or(0));
                            if count >= limit {
                                return Err(Reason::Capped {
                                    scope: scope.into(),
                                    count,
                                    limit,
                                });
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The text of the sub-expression that made a rule false.
    fn culprit(&self, rule: &str, verdict: &pql::Verdict, explain: bool) -> String {
        let Some(parsed) = self.catalogue.rules.get(rule).filter(|_| explain) else {
            return String::new();
        };
        match &verdict.culprit {
            Some(span) => parsed
                .text
                .get(span.start..span.end)
                .unwrap_or(&parsed.text)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            None => parsed.text.split_whitespace().collect::<Vec<_>>().join(" "),
        }
    }

    /// The offer's score: its ranking formula's value, or its priority.
    fn score(
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

    fn env<'v>(&self, request: &'v Request, offer: Option<&'v Value>) -> pql::Env<'v> {
        pql::Env {
            profile: request.profile,
            offer,
            context: request.context,
            now: self.at,
        }
    }

    /// Ties are ordered by name (the same in the live and the desired catalogue, unlike ids),
    /// or by a seeded hash of it.
    fn tie_key(&self, offer_index: usize) -> (u64, &str) {
        let name = self.catalogue.offers[offer_index].meta.name.value.as_str();
        match self.seed {
            Some(seed) => (fnv(seed, name), name),
            None => (0, name),
        }
    }
}

/// Criteria grouped for ranking: equal priorities share a group, higher first; without any
/// priority, each criterion is its own group, in order.
fn groups(priorities: &[Option<i64>]) -> Vec<Vec<usize>> {
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

/// A rule's verdict for this profile, evaluated once per profile.
fn evaluate_rule(
    catalogue: &Catalogue,
    cache: &mut HashMap<String, Result<pql::Verdict, pql::Unevaluable>>,
    rule: &str,
    env: &pql::Env<'_>,
) -> Result<pql::Verdict, Reason> {
    let Some(parsed) = catalogue.rules.get(rule) else {
        return Err(Reason::RuleMissing {
            rule: rule.to_string(),
        });
    };
    let expr = match &parsed.expr {
        Ok(expr) => expr,
        Err(error) => return Err(unevaluable(parsed, &error.span, &error.message)),
    };
    let verdict = match cache.get(rule) {
        Some(verdict) => verdict,
        None => cache
            .entry(rule.to_string())
            .or_insert_with(|| pql::decide(expr, env)),
    };
    verdict
        .clone()
        .map_err(|e| unevaluable(parsed, &e.span, &e.reason))
}

fn unevaluable(parsed: &Parsed, span: &pql::Span, reason: &str) -> Reason {
    let before = &parsed.text[..span.start.min(parsed.text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Reason::RuleUnevaluable {
        rule: parsed.name.clone(),
        reason: reason.to_string(),
        line,
        column,
    }
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
