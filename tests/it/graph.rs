//! The dependency graph: order of the sample, cycles with their full path.

use offerctl::check::check;
use offerctl::manifest::Target;

use crate::{check_text, read, root};

#[test]
fn sample_order_puts_every_object_after_what_it_references() {
    let checked = check(
        &read(&root().join("offers.d")),
        offerctl::providers::builtin(),
    );
    let order = checked.graph.topological_order().unwrap();
    assert_eq!(order.len(), checked.catalog.objects().len());
    let position =
        |key: &offerctl::manifest::ObjectKey| order.iter().position(|k| k == key).unwrap();
    let mut edges = 0;
    for object in checked.catalog.objects() {
        for site in object.manifest.references() {
            if let Some(Target::Object(i)) = checked.catalog.resolve(site.expected, site.reference)
            {
                let dependency = checked.catalog.objects()[i].key();
                assert!(
                    position(&dependency) < position(&object.key()),
                    "{dependency} after {}",
                    object.key()
                );
                edges += 1;
            }
        }
    }
    assert!(
        edges > 20,
        "the sample should exercise many references, found {edges}"
    );
    let deletion = checked.graph.deletion_order().unwrap();
    assert_eq!(deletion.first(), order.last());
}

#[test]
fn dependencies_and_dependents_are_exposed() {
    let checked = check(
        &read(&root().join("offers.d")),
        offerctl::providers::builtin(),
    );
    let key =
        |kind: offerctl::providers::adobe::kind::Kind, name: &str| offerctl::manifest::ObjectKey {
            kind: kind.core(),
            name: name.into(),
        };
    use offerctl::providers::adobe::kind::Kind::*;
    let kiosk = key(Placement, "Kiosk banner");
    let dependents: Vec<String> = checked
        .graph
        .dependents(&kiosk)
        .iter()
        .map(|k| k.to_string())
        .collect();
    assert_eq!(
        dependents,
        [
            "Offer/ABC Bank Credit Card",
            "Offer/ABC Platinum Card",
            "Offer/Free flight upgrade",
            "Offer/Travel rewards card",
            "FallbackOffer/Default for Kiosk Placements",
            "Activity/Kiosk personalization"
        ]
    );
    let card = key(Offer, "ABC Bank Credit Card");
    let deps: Vec<String> = checked
        .graph
        .dependencies(&card)
        .iter()
        .map(|k| k.to_string())
        .collect();
    assert_eq!(
        deps,
        [
            "Tag/credit card",
            "Tag/loyalty",
            "Placement/Email hero",
            "Placement/Kiosk banner",
            "Rule/Good credit standing"
        ]
    );
    // A failure creating the placement must skip everything downstream of it.
    let downstream = checked.graph.transitive_dependents(&kiosk);
    assert!(downstream.contains(&key(Activity, "Kiosk personalization")));
    assert!(downstream.contains(&key(Filter, "Newsletter picks")));
    assert!(!downstream.contains(&key(Offer, "Lounge day pass")));
}

#[test]
fn cycles_are_reported_with_their_full_path() {
    let text = std::fs::read_to_string(root().join("tests/fixtures/invalid/cycle.yaml")).unwrap();
    let (sources, checked) = check_text("cycle.yaml", &text);
    let cycles = checked.graph.cycles();
    let paths: Vec<String> = cycles.iter().map(|c| c.describe()).collect();
    assert_eq!(
        paths,
        [
            "Tag/travel → Offer/Lounge day pass → Tag/travel",
            "Rule/Self-referential → Rule/Self-referential"
        ]
    );
    assert!(checked.graph.topological_order().is_err());
    // Every step of the loop is located at the reference that creates it.
    let at: Vec<String> = cycles[0]
        .locs
        .iter()
        .map(|l| sources.describe(*l))
        .collect();
    assert_eq!(at, ["cycle.yaml:7:8", "cycle.yaml:3:13"]);
}

#[test]
fn a_longer_cycle_lists_every_object_once() {
    let (_, checked) = check_text(
        "long.yaml",
        "kind: Tag\nname: a\ndependsOn: [Rule/c]\n---\nkind: Placement\nname: b\nchannel: web\ncomponentType: text\ndependsOn: [Tag/a]\n---\nkind: Rule\nname: c\ncondition: x\ndependsOn: [Placement/b]\n---\nkind: Tag\nname: outside\ndependsOn: [Tag/a]\n",
    );
    let paths: Vec<String> = checked
        .graph
        .cycles()
        .iter()
        .map(|c| c.describe())
        .collect();
    assert_eq!(paths, ["Tag/a → Placement/b → Rule/c → Tag/a"]);
}
