//! A plan's decision impact decides only the expectations its changes can touch, and is still
//! exact for those.

use super::capability::{impact, touched};
use super::cases::{self, Case};
use super::catalogue::Catalogue;
use super::tests::{AT, catalogue, offer};
use crate::decisions::Changed;
use crate::providers::adobe::kind::Kind;
use crate::source::{SourceFile, SourceSet};

/// Two decisions over two collections: `Cards` (tag card) for `Card decision`, `Trips` (tag
/// travel) for `Trip decision`, with `rest` added (offers, rules).
fn two_decisions(rest: &str) -> Catalogue {
    catalogue(&format!(
        "{rest}kind: Filter\nname: Cards\nmatch: anyTags\ntags: [card]\n---\n\
kind: Filter\nname: Trips\nmatch: anyTags\ntags: [travel]\n---\n\
kind: Activity\nname: Card decision\nstatus: live\nplacement: Banner\nfilter: Cards\nfallback: Default\n---\n\
kind: Activity\nname: Trip decision\nstatus: live\nplacement: Banner\nfilter: Trips\nfallback: Default\n"
    ))
}

/// One expectation per decision.
fn cases() -> Vec<Case> {
    let mut sources = SourceSet::new();
    sources.add(SourceFile::new(
        "tests.yaml",
        "name: cards\ndecision: Card decision\nexpect: {offers: [Gold card]}\n---\n\
name: trips\ndecision: Trip decision\nexpect: {offers: [City trip]}\n"
            .to_string(),
    ));
    let loaded = cases::load(&sources);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    loaded.cases
}

fn changed(objects: &[(Kind, &str)]) -> Changed {
    objects
        .iter()
        .map(|(kind, name)| (kind.core(), name.to_string()))
        .collect()
}

fn names(cases: Vec<&Case>) -> Vec<&str> {
    cases.into_iter().map(|c| c.spec.name.as_str()).collect()
}

#[test]
fn an_unrelated_change_decides_no_expectation_of_an_untouched_decision() {
    let rest = offer("Gold card", "tags: [card]\n") + &offer("City trip", "tags: [travel]\n");
    let live = two_decisions(&rest);
    let edited =
        offer("Gold card", "tags: [card]\npriority: 5\n") + &offer("City trip", "tags: [travel]\n");
    let desired = two_decisions(&edited);
    let cases = cases();
    // The card offer changed: only the card decision reads it.
    let card = changed(&[(Kind::Offer, "Gold card")]);
    assert_eq!(
        names(touched(&cases, &live, &desired, &card, AT)),
        ["cards"]
    );
    // A tag no collection selects, an offer nobody holds: nothing is decided at all.
    let unrelated = changed(&[(Kind::Tag, "unused"), (Kind::Offer, "Elsewhere")]);
    assert!(touched(&cases, &live, &desired, &unrelated, AT).is_empty());
    // No change, no decision.
    assert!(touched(&cases, &live, &desired, &Changed::new(), AT).is_empty());
}

#[test]
fn an_offer_moving_between_collections_touches_both_decisions() {
    let live = two_decisions(
        &(offer("Gold card", "tags: [card]\n") + &offer("City trip", "tags: [travel]\n")),
    );
    // The trip offer is retagged as a card: it leaves Trips (live side) and joins Cards
    // (desired side).
    let desired = two_decisions(
        &(offer("Gold card", "tags: [card]\n") + &offer("City trip", "tags: [card]\n")),
    );
    let cases = cases();
    let moved = changed(&[(Kind::Offer, "City trip")]);
    assert_eq!(
        names(touched(&cases, &live, &desired, &moved, AT)),
        ["cards", "trips"]
    );
    let impacts = impact(&cases, &live, &desired, &moved, AT);
    let trips = impacts
        .iter()
        .find(|i| i.case == "trips")
        .expect("trips changes");
    assert_eq!(trips.before, "City trip");
    assert_ne!(trips.after, "City trip");
}

#[test]
fn a_rule_of_an_offer_in_a_collection_and_the_fallback_are_read() {
    let rest = "kind: Rule\nname: Adults\ncondition: profile.age >= 18\n---\n".to_string()
        + &offer("Gold card", "tags: [card]\nrule: Adults\n")
        + &offer("City trip", "tags: [travel]\n");
    let both = two_decisions(&rest);
    let cases = cases();
    let rule = changed(&[(Kind::Rule, "Adults")]);
    assert_eq!(names(touched(&cases, &both, &both, &rule, AT)), ["cards"]);
    let fallback = changed(&[(Kind::FallbackOffer, "Default")]);
    assert_eq!(
        names(touched(&cases, &both, &both, &fallback, AT)),
        ["cards", "trips"]
    );
    // A decision created by the plan is read even though the live catalogue lacks it.
    let created = changed(&[(Kind::Activity, "Trip decision")]);
    assert_eq!(
        names(touched(&cases, &both, &both, &created, AT)),
        ["trips"]
    );
}
