//! Ranking formulas and the criteria that use them, through every mapping: manifest → XCore
//! `_instance` → DPS body and back, the reverse mapping export uses, the spelling the diff
//! matches, and the diff rules of a criterion's order.

use serde_json::{Value, json};

use super::fixtures::{checked, manifests, resolve};
use crate::diff::{self, Op};
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::manifest::{Manifest, emit};
use crate::providers::adobe::mapping::dps::{from_dps, to_dps};
use crate::providers::adobe::mapping::xcore::{
    diff_rules, field_label, from_instance, references, to_instance,
};

fn name(_: Kind, id: &str) -> String {
    id.splitn(3, ':').nth(2).unwrap_or(id).replace('-', " ")
}

const FORMULAS: &str = "\
kind: RankingFormula
name: City boost
description: Offers of the profile's city first.
formula: if(offer.characteristics.get(\"city\") = homeAddress.city, offer.rank.priority * 2, offer.rank.priority)
---
kind: RankingFormula
name: Propensity
formula: offer.rank.priority * 0.5
returnType: double
";

#[test]
fn a_formula_maps_to_both_apis_and_back() {
    let formulas = manifests(FORMULAS);
    let city = to_instance(&formulas[0], &resolve);
    let pql = "if(offer.characteristics.get(\"city\") = homeAddress.city, offer.rank.priority * 2, offer.rank.priority)";
    assert_eq!(
        city,
        json!({"xdm:name": "City boost", "xdm:description": "Offers of the profile's city first.",
               "xdm:returnType": {"xdm:type": "integer"},
               "xdm:expression": {"xdm:type": "PQL", "xdm:format": "pql/text", "xdm:value": pql}})
    );
    let propensity = to_instance(&formulas[1], &resolve);
    assert_eq!(propensity["xdm:returnType"], json!({"xdm:type": "double"}));
    // The DPS body is the documented one (reference §2.3), field for field.
    let dps = to_dps(Kind::RankingFormula, &city).expect("maps");
    assert_eq!(
        dps,
        json!({"name": "City boost", "description": "Offers of the profile's city first.",
               "returnType": {"type": "integer"},
               "expression": {"type": "PQL", "format": "pql/text", "value": pql}})
    );
    assert_eq!(from_dps(Kind::RankingFormula, &dps).expect("maps"), city);
    // Export writes the manifests back, `integer` (the default) left out.
    for (manifest, instance) in formulas.iter().zip([&city, &propensity]) {
        let exported = from_instance(Kind::RankingFormula, instance, &name).expect("expressible");
        assert!(exported.meta().extra.is_empty(), "{instance}");
        assert_eq!(emit::document(&exported), emit::document(manifest));
        assert_eq!(&to_instance(&exported, &resolve), instance);
    }
    assert_eq!(
        field_label(Kind::RankingFormula, "/_instance/xdm:expression/xdm:value"),
        "formula"
    );
    assert_eq!(
        field_label(Kind::RankingFormula, "/_instance/xdm:returnType/xdm:type"),
        "returnType"
    );
}

/// The §2.3 body as the DPS API reads it back: `INTEGER`, metadata, and properties the language
/// does not model (`exdFunction`, `definedOn`), which export keeps in `extra`.
#[test]
fn the_documented_formula_exports_losslessly() {
    let read = json!({"created": "2024-08-08T23:45:15.380Z", "modified": "2024-10-22T18:15:05.909Z",
        "etag": 36, "schemas": ["https://ns.adobe.com/experience/offer-management/ranking-function"],
        "id": "dps:ranking-function:1947f5372cc4ed74",
        "name": "Test Ranking Function DPS", "description": "Ranking  function description",
        "exdFunction": true, "returnType": {"type": "INTEGER"},
        "expression": {"type": "PQL", "format": "pql/text",
            "value": "if(offer.rank.priority.isNotNull(), offer.rank.priority, 0) * if(offer.tags.intersects(boosted.tags), 2, 1)"},
        "definedOn": {"offer": {"schema": {"altId": "_experience.offer-management.personalized-offer", "version": "0"}},
                      "boosted": {"schema": {"altId": "_xdm.context.foo", "version": "0"}}}});
    let live = from_dps(Kind::RankingFormula, &read).expect("maps");
    assert_eq!(live["xdm:returnType"], json!({"xdm:type": "INTEGER"}));
    let manifest = from_instance(Kind::RankingFormula, &live, &name).expect("expressible");
    let Manifest::RankingFormula(formula) = &manifest else {
        panic!("{manifest:?}")
    };
    assert!(formula.return_type.is_none(), "integer is the default");
    let extra: Vec<&str> = manifest.meta().extra.keys().map(String::as_str).collect();
    assert_eq!(extra, ["definedOn", "exdFunction"]);
    let desired = to_instance(&manifest, &resolve);
    assert_eq!(desired["xdm:returnType"], json!({"xdm:type": "integer"}));
    let rules = diff_rules(Kind::RankingFormula);
    assert_eq!(diff::diff(&rules, &live, &desired), []);
    assert_eq!(
        diff::unaccounted(&rules, &live, &desired),
        Vec::<String>::new()
    );
}

#[test]
fn the_return_type_compares_by_meaning_whatever_the_repository_spells() {
    let rules = diff_rules(Kind::RankingFormula);
    let formula = |kind: Option<&str>| {
        let mut f = json!({"xdm:name": "f",
            "xdm:expression": {"xdm:type": "PQL", "xdm:format": "pql/text", "xdm:value": "1"}});
        if let Some(kind) = kind {
            f["xdm:returnType"] = json!({"xdm:type": kind});
        }
        f
    };
    // Upper-cased by the repository, or absent (the default): no change.
    for (live, wanted) in [
        (Some("INTEGER"), Some("integer")),
        (Some("DOUBLE"), Some("double")),
        (None, Some("integer")),
        (Some("integer"), Some("integer")),
    ] {
        let (live, desired) = (formula(live), formula(wanted));
        assert_eq!(
            diff::diff(&rules, &live, &desired),
            [],
            "{live} / {desired}"
        );
    }
    // A real change is one replace of the type, in the manifest's spelling; back to the
    // default from another type is written, not removed.
    for (live, desired) in [("INTEGER", "double"), ("DOUBLE", "integer")] {
        assert_eq!(
            diff::diff(&rules, &formula(Some(live)), &formula(Some(desired))),
            [Op::Replace {
                path: "/_instance/xdm:returnType/xdm:type".into(),
                value: json!(desired)
            }]
        );
    }
    // A type the language has no name for is kept verbatim, and not overwritten by the default.
    let live = formula(Some("LONG"));
    let manifest = from_instance(Kind::RankingFormula, &live, &name).expect("expressible");
    assert!(
        manifest
            .meta()
            .extra
            .contains_key("/xdm:returnType/xdm:type")
    );
    let desired = to_instance(&manifest, &resolve);
    assert_eq!(desired["xdm:returnType"], json!({"xdm:type": "LONG"}));
}

const RANKED: &str = "\
kind: Activity
name: Ranked
fallback: xcore:fallback-offer:fb
criteria:
  - placements: [xcore:offer-placement:web]
    filter: xcore:offer-filter:all
    priority: 1
    rankingFormula: City boost
  - placements: [xcore:offer-placement:mail]
    filter: xcore:offer-filter:all
    rankingFormula: xcore:ranking-function:18ca80c5b15c5e11
---
kind: RankingFormula
name: City boost
formula: offer.rank.priority * 2
";

#[test]
fn a_criterion_orders_by_its_formula_on_both_apis() {
    let documents = manifests(RANKED);
    let activity = &documents[0];
    let sites: Vec<(&str, crate::kind::Kind)> = activity
        .references()
        .iter()
        .map(|s| (s.field, s.expected))
        .filter(|(_, kind)| *kind == Kind::RankingFormula.core())
        .collect();
    assert_eq!(sites.len(), 2, "both criteria name a formula");
    assert_eq!(sites[0].0, "criteria.rankingFormula");
    let instance = to_instance(activity, &resolve);
    let criteria = &instance["xdm:criteria"];
    assert_eq!(
        criteria[0]["xdm:rank"],
        json!({"xdm:priority": 1, "xdm:order": {"xdm:orderEvaluationType": "scoringFunction",
                                                "xdm:function": "xcore:ranking-function:City-boost"}})
    );
    assert_eq!(
        criteria[1]["xdm:rank"],
        json!({"xdm:order": {"xdm:orderEvaluationType": "scoringFunction",
                             "xdm:function": "xcore:ranking-function:18ca80c5b15c5e11"}})
    );
    let dps = to_dps(Kind::Activity, &instance).expect("maps");
    assert_eq!(
        dps["criteria"][0]["rank"],
        json!({"priority": 1, "order": {"orderEvaluationType": "scoringFunction",
                                        "function": "xcore:ranking-function:City-boost"}})
    );
    assert_eq!(from_dps(Kind::Activity, &dps).expect("maps"), instance);
    assert!(
        references(&instance).contains(&"xcore:ranking-function:City-boost".to_string()),
        "a formula still used is flagged when deleted"
    );
    let exported = from_instance(Kind::Activity, &instance, &|kind: Kind, id: &str| {
        if id.ends_with("City-boost") {
            name(kind, id)
        } else {
            id.to_string()
        }
    })
    .expect("expressible");
    assert_eq!(emit::document(&exported), emit::document(activity));
}

/// The criterion of Adobe's decision example orders by a ranking strategy, which no field
/// models: it stays in `extra` (the escape hatch), plans with it keep working, and a manifest
/// that leaves it out does not remove it. A formula's order, on the other hand, is offerctl's:
/// removing `rankingFormula` removes it.
#[test]
fn orders_by_a_strategy_stay_in_extra_and_formula_orders_are_managed() {
    let rules = diff_rules(Kind::Activity);
    let activity = |order: Option<Value>| {
        let mut rank = json!({"xdm:priority": 0});
        if let Some(order) = order {
            rank["xdm:order"] = order;
        }
        json!({"xdm:name": "d", "xdm:status": "live", "xdm:fallback": "f",
               "xdm:criteria": [{"xdm:placements": ["p", "q"],
                                 "xdm:optionSelection": {"xdm:filter": "c"},
                                 "xdm:rank": rank}]})
    };
    let strategy = |id: &str| json!({"xdm:orderEvaluationType": "ranking-strategy", "xdm:rankingStrategy": id});
    let formula =
        |id: &str| json!({"xdm:orderEvaluationType": "scoringFunction", "xdm:function": id});
    let keep = |_: Kind, id: &str| id.to_string();

    // Exported: the strategy goes to the criterion's `extra`, and plans empty.
    let live = activity(Some(strategy("123456789123")));
    let manifest = from_instance(Kind::Activity, &live, &keep).expect("expressible");
    let Manifest::Activity(exported) = &manifest else {
        panic!()
    };
    assert!(exported.criteria[0].ranking_formula.is_none());
    assert!(
        exported.criteria[0]
            .extra
            .contains_key("/xdm:rank/xdm:order")
    );
    let desired = to_instance(&manifest, &keep);
    assert_eq!(desired, live);
    assert_eq!(diff::diff(&rules, &live, &desired), []);
    // Left out of a manifest: kept (not offerctl's).
    assert_eq!(diff::diff(&rules, &live, &activity(None)), []);
    // Changed through `extra`: patched.
    let ops = diff::diff(&rules, &live, &activity(Some(strategy("42"))));
    assert_eq!(
        ops,
        [Op::Replace {
            path: "/_instance/xdm:criteria/0/xdm:rank/xdm:order/xdm:rankingStrategy".into(),
            value: json!("42")
        }]
    );
    // A formula replaces a strategy wholesale where nothing else is in the order.
    let ops = diff::diff(
        &rules,
        &activity(Some(json!({"xdm:orderEvaluationType": "static"}))),
        &activity(Some(formula("xcore:ranking-function:1"))),
    );
    assert_eq!(
        ops,
        [Op::Add {
            path: "/_instance/xdm:criteria/0/xdm:rank/xdm:order".into(),
            value: formula("xcore:ranking-function:1")
        }]
    );
    // `rankingFormula` removed from the manifest: the order goes.
    let live = activity(Some(formula("xcore:ranking-function:1")));
    assert_eq!(
        diff::diff(&rules, &live, &activity(None)),
        [Op::Remove {
            path: "/_instance/xdm:criteria/0/xdm:rank/xdm:order".into()
        }]
    );
    // Another formula: one replace of the function.
    assert_eq!(
        diff::diff(
            &rules,
            &live,
            &activity(Some(formula("xcore:ranking-function:2")))
        ),
        [Op::Replace {
            path: "/_instance/xdm:criteria/0/xdm:rank/xdm:order/xdm:function".into(),
            value: json!("xcore:ranking-function:2")
        }]
    );
}

#[test]
fn extra_cannot_set_the_order_a_ranking_formula_sets() {
    let text = "\
kind: Activity
name: Clash
fallback: xcore:fallback-offer:fb
criteria:
  - placements: [xcore:offer-placement:web]
    filter: xcore:offer-filter:all
    rankingFormula: xcore:ranking-function:1
    extra:
      /xdm:rank/xdm:order: {xdm:orderEvaluationType: rankingStrategy}
";
    let checked = checked(text);
    let problems: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code == "bad-extra")
        .collect();
    assert_eq!(problems.len(), 1, "{:?}", checked.diagnostics);
    assert!(
        problems[0].message.contains("rankingFormula"),
        "{}",
        problems[0].message
    );
    let loc = problems[0].labels[0].loc;
    assert_eq!(&text[loc.start..loc.end], "/xdm:rank/xdm:order");
}
