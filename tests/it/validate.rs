//! Validation: the sample and examples are valid; every broken fixture yields the expected
//! located diagnostics (snapshots of the rendered reports).

use offerctl::check::check;
use offerctl::diagnostic::render;

use crate::{check_text, read, root};

#[test]
fn sample_catalogue_and_examples_are_valid() {
    let dirs = crate::catalogue_dirs();
    assert!(
        dirs.len() >= 3,
        "expected offers.d and at least two examples"
    );
    for dir in dirs {
        let sources = read(&dir);
        let checked = check(&sources, offerctl::providers::builtin());
        let report = render(&checked.diagnostics, &sources, false);
        assert!(
            checked.diagnostics.is_empty(),
            "{}:\n{report}",
            dir.display()
        );
        assert!(!checked.catalog.objects().is_empty());
    }
}

#[test]
fn sample_catalogue_covers_every_kind() {
    let checked = check(
        &read(&root().join("offers.d")),
        offerctl::providers::builtin(),
    );
    for kind in offerctl::providers::adobe::kind::Kind::ALL {
        assert!(
            checked
                .catalog
                .objects()
                .iter()
                .filter(|o| o.kind() == kind.core())
                .count()
                >= 2,
            "offers.d should have at least two objects of kind {kind}"
        );
    }
}

#[test]
fn every_broken_fixture_reports_located_problems() {
    insta::glob!("../fixtures", "invalid/*.yaml", |path| {
        let name = path.file_name().unwrap().to_string_lossy();
        let text = std::fs::read_to_string(path).unwrap();
        let (sources, checked) = check_text(&format!("invalid/{name}"), &text);
        assert!(checked.errors() > 0, "{name} should be invalid");
        for diagnostic in checked.diagnostics.iter().filter(|d| d.is_error()) {
            assert!(
                !diagnostic.labels.is_empty(),
                "{name}: unlocated error {diagnostic:?}"
            );
        }
        insta::assert_snapshot!(render(&checked.diagnostics, &sources, false));
    });
}

/// YAML 1.2: `on`, `yes` and `0755` are text where text is expected, never booleans or numbers.
#[test]
fn yaml_1_1_lookalikes_stay_text() {
    let (_, checked) = check_text(
        "scalars.yaml",
        "kind: Offer\nname: on\ncharacteristics:\n  freeDrinks: yes\n  gate: 0755\n  ratio: 1.50\n",
    );
    assert_eq!(checked.errors(), 0, "{:?}", checked.diagnostics);
    let offer = &checked.catalog.objects()[0];
    assert_eq!(offer.name(), "on");
    let Some(offerctl::providers::adobe::manifest::Manifest::Offer(offer)) = offer.document()
    else {
        panic!()
    };
    let values: Vec<&str> = offer.characteristics.values().map(String::as_str).collect();
    assert_eq!(values, ["yes", "0755", "1.50"]);
}

#[test]
fn problems_in_several_files_are_all_reported_in_file_order() {
    let mut sources = offerctl::source::SourceSet::new();
    sources.add(offerctl::source::SourceFile::new(
        "a.yaml",
        "kind: Tag\nname: x\ncolour: red\n",
    ));
    sources.add(offerctl::source::SourceFile::new(
        "b.yaml",
        "kind: Offer\nname: y\ntags: [z]\npriority: -2\n",
    ));
    let checked = check(&sources, offerctl::providers::builtin());
    let located: Vec<String> = checked
        .diagnostics
        .iter()
        .map(|d| sources.describe(d.labels[0].loc))
        .collect();
    assert_eq!(located, ["a.yaml:3:1", "b.yaml:3:8", "b.yaml:4:11"]);
}

#[test]
fn pql_that_offline_decisions_cannot_evaluate_is_a_located_warning_not_an_error() {
    let text = "kind: Rule\nname: Bad\ncondition: a = and b\n---\nkind: Rule\nname: Odd\ncondition: x = 1 and name.regexGroup(\"a\", 1) = \"b\"\n---\nkind: RankingFormula\nname: Fine\nformula: offer.rank.priority * 2\n";
    let (sources, checked) = check_text("test.yaml", text);
    assert!(!checked.diagnostics.iter().any(|d| d.is_error()));
    let found: Vec<(&str, String)> = checked
        .diagnostics
        .iter()
        .map(|d| (d.code, sources.describe(d.labels[0].loc)))
        .collect();
    assert_eq!(
        found,
        [
            ("pql-unparsed", "test.yaml:3:12".to_string()),
            ("pql-unevaluable", "test.yaml:7:12".to_string())
        ]
    );
    assert!(
        checked.diagnostics[0]
            .message
            .contains("(line 1, column 5 of it): expected an expression, found `and`"),
        "{}",
        checked.diagnostics[0].message
    );
    assert!(
        checked.diagnostics[1]
            .message
            .contains("`.regexGroup()` is outside the supported PQL subset"),
        "{}",
        checked.diagnostics[1].message
    );
}

/// Dates and time frames are instants: written with any RFC 3339 offset, they are ordered and
/// checked for overlap as the instants they name.
#[test]
fn dates_and_time_frames_with_any_offset_are_checked_as_instants() {
    let codes = |text: &str| {
        let (_, checked) = check_text("dates.yaml", text);
        let mut codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code).collect();
        codes.retain(|c| matches!(*c, "date-order" | "overlapping-time-frames"));
        codes
    };
    let offer = |start: &str, end: &str| {
        format!("kind: Offer\nname: o\nstartDate: {start}\nendDate: {end}\n")
    };
    // 06:00 at +02:00 is 04:00 UTC: before 05:00 UTC, whatever the digits say.
    assert!(codes(&offer("2026-03-01T06:00:00+02:00", "2026-03-01T05:00:00Z")).is_empty());
    assert_eq!(
        codes(&offer(
            "2026-03-01T06:00:00.000+00:00",
            "2026-03-01T07:00:00+02:00"
        )),
        ["date-order"]
    );
    let offer = |second_start: &str| {
        format!(
            "kind: Product\nname: gold\ntitle: Gold\nunit: Quantity\n---\n\
             kind: RollingOffer\nname: ladder\ntitle: Ladder\nschedule:\n  permanent: false\n  timeFrames:\n\
             \x20   - start: 2026-12-01T00:00:00Z\n      end: 2026-12-02T00:00:00Z\n\
             \x20   - start: {second_start}\n      end: 2026-12-05T00:00:00Z\n\
             steps:\n  - price: 0\n    products: [{{product: gold, quantity: 1}}]\n"
        )
    };
    // 01:00 at +02:00 on the 2nd is 23:00 UTC on the 1st: inside the first frame.
    assert_eq!(
        codes(&offer("2026-12-02T01:00:00+02:00")),
        ["overlapping-time-frames"]
    );
    assert!(codes(&offer("2026-12-02T01:00:00.000+00:00")).is_empty());
}

/// `tags: credit card` is not a list: that is the problem, not that the filter lists no tags.
#[test]
fn a_filter_whose_tags_are_not_a_list_is_not_also_called_empty() {
    let codes = |text: &str| -> Vec<&'static str> {
        let (_, checked) = check_text("filter.yaml", text);
        checked.diagnostics.iter().map(|d| d.code).collect()
    };
    let filter = "kind: Tag\nname: credit card\n---\nkind: Filter\nname: Cards\nmatch: anyTags\n";
    assert_eq!(
        codes(&format!("{filter}tags: credit card\n")),
        ["wrong-type"]
    );
    // A list with nothing in it, or none at all, selects nothing: that is worth a warning.
    assert_eq!(codes(&format!("{filter}tags: []\n")), ["empty-filter"]);
    assert_eq!(codes(filter), ["empty-filter"]);
    assert!(codes(&format!("{filter}tags: [credit card]\n")).is_empty());
}
