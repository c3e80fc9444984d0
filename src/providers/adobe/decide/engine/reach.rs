//! What a decision's outcome can depend on: every object the engine reads to decide for one
//! scope. A plan's decision impact decides only the expectations whose reach (in the live
//! catalogue or the desired one) holds a changed object; any other expectation's answer is the
//! same on both sides by construction.

use std::collections::HashSet;

use super::Engine;
use crate::providers::adobe::kind::Kind;

impl Engine<'_> {
    /// The objects (kind and name, as the catalogue names them) that deciding `decision` for
    /// `placement` (every placement of the decision when `None`) reads: the decision, its
    /// placements, collections, their tags, the offers they hold, those offers' rules, the
    /// criteria's rules and ranking formulas, and the fallback offer. The decision's name is in
    /// it even when the catalogue does not define it (creating it changes the outcome).
    pub fn reach(&self, decision: &str, placement: Option<&str>) -> HashSet<(Kind, String)> {
        let catalogue = self.catalogue;
        let mut reach = HashSet::new();
        reach.insert((Kind::Activity, decision.to_string()));
        if let Some(placement) = placement {
            reach.insert((Kind::Placement, placement.to_string()));
        }
        let Some(activity) = catalogue.activity(decision) else {
            return reach;
        };
        reach.insert((Kind::FallbackOffer, activity.fallback.value.clone()));
        if let Some(fallback) = catalogue.fallbacks.get(&activity.fallback.value) {
            reach.extend(fallback.tags.iter().map(|t| (Kind::Tag, t.value.clone())));
        }
        let mut notes = Vec::new();
        for criterion in activity
            .criteria
            .iter()
            .filter(|c| placement.is_none_or(|p| c.placements.iter().any(|cp| cp.value == p)))
        {
            reach.extend(
                criterion
                    .placements
                    .iter()
                    .map(|p| (Kind::Placement, p.value.clone())),
            );
            reach.insert((Kind::Filter, criterion.filter.value.clone()));
            if let Some(rule) = &criterion.rule {
                reach.insert((Kind::Rule, rule.value.clone()));
            }
            if let Some(formula) = &criterion.ranking_formula {
                reach.insert((Kind::RankingFormula, formula.value.clone()));
            }
            if let Some(filter) = catalogue.filters.get(&criterion.filter.value) {
                reach.extend(filter.tags.iter().map(|t| (Kind::Tag, t.value.clone())));
                // Offers a collection names but the catalogue lacks still count: creating one
                // adds it to the collection.
                reach.extend(filter.offers.iter().map(|o| (Kind::Offer, o.value.clone())));
            }
            for i in self.collection(&criterion.filter.value, &mut notes) {
                let offer = &catalogue.offers[i];
                reach.insert((Kind::Offer, offer.meta.name.value.clone()));
                if let Some(rule) = &offer.rule {
                    reach.insert((Kind::Rule, rule.value.clone()));
                }
            }
        }
        reach
    }
}
