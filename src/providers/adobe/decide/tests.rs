//! The selection steps, one by one, over small catalogues written as manifests.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

use super::catalogue::Catalogue;
use super::engine::{Counter, Counters, Engine, Proposition, Request};
use crate::source::{SourceFile, SourceSet};

pub(super) const AT: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

/// Placements, tags, a fallback for both placements, and whatever `rest` adds.
pub(super) fn catalogue(rest: &str) -> Catalogue {
    let base = "\
kind: Placement
name: Banner
channel: web
componentType: text
---
kind: Placement
name: Email
channel: email
componentType: text
---
kind: Tag
name: card
---
kind: Tag
name: travel
---
kind: FallbackOffer
name: Default
status: approved
representations:
  - placement: Banner
    components: [{type: text, copyline: Hello}]
  - placement: Email
    components: [{type: text, copyline: Hello}]
---
";
    let mut sources = SourceSet::new();
    sources.add(SourceFile::new("test.yaml", format!("{base}{rest}")));
    let checked = crate::check::check(&sources, crate::providers::builtin());
    let errors: Vec<String> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", sources.describe(d.labels[0].loc), d.message))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    Catalogue::of_catalog(&checked.catalog)
}

pub(super) fn offer(name: &str, extra: &str) -> String {
    format!(
        "kind: Offer\nname: {name}\nstatus: approved\n{extra}representations:\n  - placement: Banner\n    components: [{{type: text, copyline: x}}]\n  - placement: Email\n    components: [{{type: text, copyline: x}}]\n---\n"
    )
}

fn decision(filter_match: &str, tags_or_offers: &str) -> String {
    format!(
        "kind: Filter\nname: F\nmatch: {filter_match}\n{tags_or_offers}\n---\nkind: Activity\nname: D\nstatus: live\nplacement: Banner\nfilter: F\nfallback: Default\n"
    )
}

/// Every scope of the catalogue for an empty profile.
fn run(
    catalogue: &Catalogue,
    seed: Option<u64>,
    item_count: Option<usize>,
    allow_duplicates: bool,
) -> Vec<Proposition> {
    let mut engine = Engine::new(catalogue, AT, seed);
    let scopes = engine.scopes(&[], None).unwrap();
    let (profile, context) = (json!({}), json!({}));
    let request = Request {
        profile: &profile,
        context: &context,
        counters: None,
        item_count,
        allow_duplicates,
        explain: true,
    };
    engine.decide(&scopes, &request)
}

fn decide_with(catalogue: &Catalogue, profile: Value, counters: Option<&Counters>) -> Proposition {
    let mut engine = Engine::new(catalogue, AT, None);
    let scopes = engine.scopes(&["D".into()], Some("Banner")).unwrap();
    let context = json!({});
    let request = Request {
        profile: &profile,
        context: &context,
        counters,
        item_count: Some(30),
        allow_duplicates: false,
        explain: true,
    };
    engine.decide(&scopes, &request).remove(0)
}

fn decide(catalogue: &Catalogue, profile: Value) -> Proposition {
    decide_with(catalogue, profile, None)
}

fn proposed(p: &Proposition) -> Vec<&str> {
    p.options.iter().map(|o| o.name.as_str()).collect()
}

fn reason(p: &Proposition, offer: &str) -> Option<&'static str> {
    p.candidates
        .iter()
        .find(|c| c.offer == offer)
        .and_then(|c| c.reason.as_ref())
        .map(|r| r.code())
}

#[test]
fn collections_select_by_listed_offers_any_tags_and_all_tags() {
    let offers = offer("Both", "tags: [card, travel]\n")
        + &offer("Card", "tags: [card]\n")
        + &offer("None", "");
    let any = catalogue(&(offers.clone() + &decision("anyTags", "tags: [card, travel]")));
    assert_eq!(proposed(&decide(&any, json!({}))), ["Both", "Card"]);
    let all = catalogue(&(offers.clone() + &decision("allTags", "tags: [card, travel]")));
    let p = decide(&all, json!({}));
    assert_eq!(proposed(&p), ["Both"]);
    assert_eq!(p.not_in_collection, 2);
    let listed = catalogue(&(offers + &decision("offers", "offers: [None]")));
    assert_eq!(proposed(&decide(&listed, json!({}))), ["None"]);
}

#[test]
fn status_representation_and_dates_exclude_with_the_first_reason() {
    let text = offer("Ok", "tags: [card]\n")
        + &offer("Draft", "tags: [card]\n").replace("status: approved", "status: draft")
        + &offer("Later", "tags: [card]\nstartDate: 2026-07-01T00:00:00Z\n")
        + &offer("Over", "tags: [card]\nendDate: 2026-06-01T12:00:00Z\n")
        + "kind: Offer\nname: EmailOnly\nstatus: approved\ntags: [card]\nrepresentations:\n  - placement: Email\n    components: [{type: text, copyline: x}]\n---\n"
        + &decision("anyTags", "tags: [card]");
    let p = decide(&catalogue(&text), json!({}));
    assert_eq!(proposed(&p), ["Ok"]);
    assert_eq!(reason(&p, "Draft"), Some("NOT_APPROVED"));
    assert_eq!(reason(&p, "Later"), Some("NOT_STARTED"));
    // The end is exclusive: at the end instant the offer is over.
    assert_eq!(reason(&p, "Over"), Some("EXPIRED"));
    assert_eq!(
        reason(&p, "EmailOnly"),
        Some("NO_REPRESENTATION_FOR_PLACEMENT")
    );
}

#[test]
fn dates_written_with_any_offset_mean_the_same_instant() {
    // AT is 2026-06-01 12:00 UTC: 14:00 at +02:00 and 07:00 at -05:00 are that instant.
    let text = offer(
        "Starts at 14:00+02",
        "tags: [card]\nstartDate: 2026-06-01T14:00:00+02:00\n",
    ) + &offer(
        "Starts a millisecond later",
        "tags: [card]\nstartDate: 2026-06-01T12:00:00.001Z\n",
    ) + &offer(
        "Ends at 07:00-05",
        "tags: [card]\nendDate: 2026-06-01T07:00:00.000-05:00\n",
    ) + &decision("anyTags", "tags: [card]");
    let p = decide(&catalogue(&text), json!({}));
    assert_eq!(proposed(&p), ["Starts at 14:00+02"]);
    assert_eq!(
        reason(&p, "Starts a millisecond later"),
        Some("NOT_STARTED")
    );
    assert_eq!(reason(&p, "Ends at 07:00-05"), Some("EXPIRED"));
}

#[test]
fn offer_rules_are_evaluated_with_the_failing_part_named_and_unevaluable_is_never_a_verdict() {
    let text = "kind: Rule\nname: Gold\ncondition: tier = \"gold\" and country = \"US\"\n---\n\
kind: Rule\nname: Odd\ncondition: name.regexGroup(\"x\", 1) = \"y\"\n---\n"
        .to_string()
        + &offer("Gold offer", "tags: [card]\nrule: Gold\n")
        + &offer("Odd offer", "tags: [card]\nrule: Odd\n")
        + &decision("anyTags", "tags: [card]");
    let catalogue = catalogue(&text);
    let p = decide(&catalogue, json!({"tier": "gold", "country": "FR"}));
    assert_eq!(proposed(&p), Vec::<&str>::new());
    let gold = p
        .candidates
        .iter()
        .find(|c| c.offer == "Gold offer")
        .unwrap();
    match gold.reason.as_ref().unwrap() {
        super::reason::Reason::OfferRuleFalse { rule, failing } => {
            assert_eq!(
                (rule.as_str(), failing.as_str()),
                ("Gold", "country = \"US\"")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(reason(&p, "Odd offer"), Some("RULE_UNEVALUABLE"));
    assert_eq!(
        p.fallback.as_ref().map(|f| f.name.as_str()),
        Some("Default")
    );
    let p = decide(&catalogue, json!({"tier": "gold", "country": "US"}));
    assert_eq!(proposed(&p), ["Gold offer"]);
}

#[test]
fn a_false_criterion_rule_cancels_every_offer_of_the_criterion() {
    let text = "kind: Rule\nname: Adult\ncondition: age >= 18\n---\n".to_string()
        + &offer("A", "tags: [card]\n")
        + "kind: Filter\nname: F\nmatch: anyTags\ntags: [card]\n---\n\
kind: Activity\nname: D\nstatus: live\ncriteria:\n  - placements: [Banner]\n    filter: F\n    rule: Adult\nfallback: Default\n";
    let catalogue = catalogue(&text);
    let p = decide(&catalogue, json!({"age": 12}));
    assert_eq!(reason(&p, "A"), Some("CRITERION_CONSTRAINT_FALSE"));
    assert_eq!(proposed(&decide(&catalogue, json!({"age": 30}))), ["A"]);
}

#[test]
fn caps_need_counters_and_say_so_without_them() {
    let text = offer(
        "Capped",
        "tags: [card]\ncap:\n  global: 100\n  profile: 2\n",
    ) + &decision("anyTags", "tags: [card]");
    let catalogue = catalogue(&text);
    let p = decide(&catalogue, json!({}));
    assert_eq!(proposed(&p), ["Capped"]);
    assert!(
        p.notes.iter().any(|n| n.contains("caps not evaluated")),
        "{:?}",
        p.notes
    );
    let mut counters = Counters::new();
    counters.insert(
        "Capped".into(),
        Counter {
            global: Some(10),
            profile: Some(2),
        },
    );
    let p = decide_with(&catalogue, json!({}), Some(&counters));
    assert_eq!(reason(&p, "Capped"), Some("CAPPED"));
    counters.insert(
        "Capped".into(),
        Counter {
            global: Some(99),
            profile: Some(1),
        },
    );
    assert_eq!(
        proposed(&decide_with(&catalogue, json!({}), Some(&counters))),
        ["Capped"]
    );
}

#[test]
fn priority_ranks_ties_are_flagged_and_the_seed_reorders_only_ties() {
    let text = offer("Low", "tags: [card]\npriority: 1\n")
        + &offer("Tie B", "tags: [card]\npriority: 5\n")
        + &offer("Tie A", "tags: [card]\npriority: 5\n")
        + &decision("anyTags", "tags: [card]");
    let catalogue = catalogue(&text);
    let p = decide(&catalogue, json!({}));
    assert_eq!(proposed(&p), ["Tie A", "Tie B", "Low"]);
    assert_eq!(
        p.options.iter().map(|o| o.tie).collect::<Vec<_>>(),
        [true, true, false]
    );
    let orders: std::collections::HashSet<Vec<String>> = (0..16)
        .map(|seed| {
            let p = run(&catalogue, Some(seed), Some(3), false).remove(0);
            assert_eq!(p.options[2].name, "Low");
            p.options.iter().map(|o| o.name.clone()).collect()
        })
        .collect();
    assert_eq!(orders.len(), 2, "seeds order the tie both ways: {orders:?}");
}

#[test]
fn the_item_count_cuts_and_the_rest_is_below_cutoff() {
    let text = offer("One", "tags: [card]\npriority: 3\n")
        + &offer("Two", "tags: [card]\npriority: 2\n")
        + &decision("anyTags", "tags: [card]");
    let catalogue = catalogue(&text);
    let p = run(&catalogue, None, None, false).remove(0);
    assert_eq!(proposed(&p), ["One"], "the placement default is 1");
    let below = p.candidates.iter().find(|c| c.offer == "Two").unwrap();
    assert_eq!(
        below.reason,
        Some(super::reason::Reason::BelowCutoff {
            rank: 2,
            score: 2.0
        })
    );
}

#[test]
fn criteria_groups_rank_by_priority_and_an_offer_is_ranked_once() {
    let text = offer("Card hi", "tags: [card]\npriority: 9\n")
        + &offer("Travel lo", "tags: [travel]\npriority: 1\n")
        + &offer("Both", "tags: [card, travel]\npriority: 5\n")
        + "kind: Filter\nname: Cards\nmatch: anyTags\ntags: [card]\n---\n\
kind: Filter\nname: Trips\nmatch: anyTags\ntags: [travel]\n---\n\
kind: Activity\nname: D\nstatus: live\ncriteria:\n  - placements: [Banner]\n    filter: Cards\n    priority: 0\n  - placements: [Banner]\n    filter: Trips\n    priority: 1\nfallback: Default\n";
    let p = decide(&catalogue(&text), json!({}));
    // The travel criterion has the higher priority: its group comes first, whole.
    assert_eq!(proposed(&p), ["Both", "Travel lo", "Card hi"]);
}

#[test]
fn a_ranking_formula_replaces_the_priority_as_the_score() {
    let text = "kind: RankingFormula\nname: City\nformula: if(offer.characteristics.get(\"city\") = homeAddress.city, offer.rank.priority * 10, offer.rank.priority)\n---\n".to_string()
        + &offer("Paris", "tags: [card]\npriority: 2\ncharacteristics:\n  city: Paris\n")
        + &offer("Rome", "tags: [card]\npriority: 5\ncharacteristics:\n  city: Rome\n")
        + "kind: Filter\nname: F\nmatch: anyTags\ntags: [card]\n---\n\
kind: Activity\nname: D\nstatus: live\ncriteria:\n  - placements: [Banner]\n    filter: F\n    rankingFormula: City\nfallback: Default\n";
    let p = decide(&catalogue(&text), json!({"homeAddress": {"city": "Paris"}}));
    assert_eq!(proposed(&p), ["Paris", "Rome"]);
    assert_eq!(p.options[0].score, 20.0);
}

#[test]
fn duplicates_across_placements_are_dropped_unless_allowed() {
    let text = offer("A", "tags: [card]\npriority: 2\n")
        + &offer("B", "tags: [card]\npriority: 1\n")
        + "kind: Filter\nname: F\nmatch: anyTags\ntags: [card]\n---\n\
kind: Activity\nname: D\nstatus: live\ncriteria:\n  - placements: [Banner, Email]\n    filter: F\nfallback: Default\n";
    let catalogue = catalogue(&text);
    let deduplicated = run(&catalogue, None, Some(1), false);
    assert_eq!(
        (proposed(&deduplicated[0]), proposed(&deduplicated[1])),
        (vec!["A"], vec!["B"])
    );
    assert_eq!(
        reason(&deduplicated[1], "A"),
        Some("DUPLICATE_ACROSS_PLACEMENTS")
    );
    let allowed = run(&catalogue, None, Some(1), true);
    assert_eq!(
        (proposed(&allowed[0]), proposed(&allowed[1])),
        (vec!["A"], vec!["A"])
    );
}

#[test]
fn a_decision_that_is_not_live_or_out_of_its_dates_proposes_nothing() {
    let draft = offer("A", "tags: [card]\n")
        + &decision("anyTags", "tags: [card]").replace("status: live", "status: draft");
    let p = decide(&catalogue(&draft), json!({}));
    assert_eq!(
        p.skipped.as_ref().map(|s| s.to_string()),
        Some("the decision is not live (status draft)".into())
    );
    assert!(p.options.is_empty() && p.fallback.is_none());
    let ended = offer("A", "tags: [card]\n")
        + &decision("anyTags", "tags: [card]").replace(
            "status: live\n",
            "status: live\nendDate: 2026-05-01T00:00:00Z\n",
        );
    assert!(matches!(
        decide(&catalogue(&ended), json!({})).skipped,
        Some(super::reason::Skipped::DecisionExpired { .. })
    ));
}

#[test]
fn segment_constraints_read_the_profiles_membership() {
    let extra: crate::manifest::Extra = [(
        "/xdm:selectionConstraint/xdm:profileConstraint".to_string(),
        crate::manifest::synthetic(json!({
            "xdm:profileConstraintType": "anySegments",
            "xdm:segmentIdentities": [{"xdm:_id": "gold"}, {"xdm:_id": "vip"}]
        })),
    )]
    .into_iter()
    .collect();
    let (any, ids) = super::segments::constraint(&extra).expect("a segments constraint");
    assert!(any);
    assert_eq!(ids, ["gold", "vip"]);
    let member = json!({"segmentMembership": {"ups": {"vip": {"status": "realized"}}}});
    let exited = json!({"segmentMembership": {"ups": {"vip": {"status": "exited"}}}});
    assert!(super::segments::satisfied(&member, true, &ids));
    assert!(!super::segments::satisfied(&member, false, &ids));
    assert!(!super::segments::satisfied(&exited, true, &ids));
}
