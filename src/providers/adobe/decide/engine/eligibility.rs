//! Eligibility: which offers of a scope may be proposed to a profile, and why not. What does
//! not depend on the profile (collection membership, status, representation, dates) is
//! prepared once per scope; rules are evaluated at most once per profile.

use std::collections::{HashMap, HashSet};

use crate::diff::meaning::instant;

use super::ranking::groups;
use super::{Criterion, Engine, Prepared, Request};
use crate::providers::adobe::decide::catalogue::{Catalogue, Parsed};
use crate::providers::adobe::decide::pql;
use crate::providers::adobe::decide::reason::{Reason, Skipped};
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::manifest::{ActivityStatus, FilterMatch, Offer, OfferStatus};

impl<'c> Engine<'c> {
    pub(super) fn prepare(&self, decision: &str, placement: &str) -> Prepared {
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
    pub(super) fn collection(&self, filter: &str, notes: &mut Vec<String>) -> Vec<usize> {
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

    pub(super) fn started(&self, start: &str) -> bool {
        instant(start).is_some_and(|s| s <= self.at)
    }

    pub(super) fn ended(&self, end: &str) -> bool {
        instant(end).is_some_and(|e| e <= self.at)
    }

    /// The first profile-independent check an offer fails for a placement.
    pub(super) fn static_reason(&self, offer: &Offer, placement: &str) -> Option<Reason> {
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

    /// The profile-dependent checks, in order: criterion rule, offer rule, segments, caps.
    pub(super) fn eligibility(
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
        if let Some((any, segments)) =
            crate::providers::adobe::decide::segments::constraint(&offer.meta.extra)
            && !crate::providers::adobe::decide::segments::satisfied(
                request.profile,
                any,
                &segments,
            )
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
    pub(super) fn culprit(&self, rule: &str, verdict: &pql::Verdict, explain: bool) -> String {
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
}

/// A rule's verdict for this profile, evaluated once per profile.
pub(super) fn evaluate_rule(
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
