//! Unit tests of list queries: filters, cursors, ordering and search terms.

use serde_json::json;

use super::*;

#[test]
fn filters_parse_and_match() {
    let f = PropertyFilter::parse("_instance.xdm:status==approved").expect("parses");
    let approved = [Cow::Owned(json!("approved"))];
    let draft = [Cow::Owned(json!("draft"))];
    assert!(f.matches_values(&approved) && !f.matches_values(&draft));
    let re = PropertyFilter::parse("xdm:name~.*CARS.*").expect("parses");
    assert!(re.matches_values(&[Cow::Owned(json!("fast cars here"))]));
    assert!(!re.matches_values(&[Cow::Owned(json!("bikes"))]));
    let exists = PropertyFilter::parse("xdm:tags").expect("parses");
    assert!(!exists.matches_values(&[]));
    let not_exists = PropertyFilter::parse("!xdm:tags").expect("parses");
    assert!(not_exists.matches_values(&[]));
    let ge =
        PropertyFilter::parse("repo:lastModifiedDate>=2019-02-23T16:30:00.000Z").expect("parses");
    assert!(ge.matches_values(&[Cow::Owned(json!("2019-02-23T17:00:00+00:00"))]));
    let lt = PropertyFilter::parse("xdm:rank.xdm:priority<10").expect("parses");
    assert!(lt.matches_values(&[Cow::Owned(json!(9))]));
    assert!(PropertyFilter::parse("a=b").is_err());
    assert!(PropertyFilter::parse("a~x)|(y").is_err());
    assert!(PropertyFilter::parse("a~(").is_err());
}

#[test]
fn repository_timestamps_compare_as_text_as_parsing_would() {
    let parsed = |a: &str, b: &str| match (parse_rfc3339(a), parse_rfc3339(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a.cmp(b),
    };
    let stamps = [
        "2026-11-30T01:09:48.459Z",
        "2026-11-30T01:09:48.460Z",
        "2026-11-30T01:09:48.459+00:00",
        "2026-11-29T23:59:59.999Z",
        "2026-13-45T01:09:48.459Z",
        "2026-11-30T01:09:48Z",
        "not a date",
    ];
    for a in stamps {
        for b in stamps {
            assert_eq!(compare_text(a, b), parsed(a, b), "{a} vs {b}");
        }
    }
    assert!(timestamp_shaped("2026-11-30T01:09:48.459Z"));
    assert!(!timestamp_shaped("2026-11-30T01:09:48.459+00:00"));
}

#[test]
fn cursors_round_trip_awkward_values() {
    let keys = vec![
        Some(Cow::Owned(json!("a,b\\c"))),
        None,
        Some(Cow::Owned(json!(3))),
        Some(Cow::Owned(json!("\\N"))),
    ];
    let encoded = encode_cursor(&keys);
    let decoded = decode_cursor(&encoded, 4);
    assert_eq!(
        decoded,
        vec![
            CursorValue::Text("a,b\\c".into()),
            CursorValue::Missing,
            CursorValue::Text("3".into()),
            CursorValue::Text("\\N".into()),
        ]
    );
    let order: Vec<OrderKey> = (0..4)
        .map(|i| OrderKey {
            property: i.to_string(),
            descending: false,
        })
        .collect();
    assert!(!strictly_after(&keys, &decoded, &order));
}

#[test]
fn search_terms_and_phrases() {
    assert_eq!(
        parse_terms("Credit \"gold card\" x"),
        vec![
            vec!["credit".to_string()],
            vec!["gold".into(), "card".into()],
            vec!["x".into()]
        ]
    );
}

/// The id filter of every shard clients make, for each shard count, parsed once: compiling
/// their regular expressions for every generated case made the property below the slowest
/// unit test.
fn shard_filters(count: usize) -> &'static [(String, PropertyFilter)] {
    use crate::providers::adobe::clients::shards::partition;
    type Filters = Vec<(String, PropertyFilter)>;
    static FILTERS: std::sync::OnceLock<Vec<(usize, Filters)>> = std::sync::OnceLock::new();
    let all = FILTERS.get_or_init(|| {
        [1usize, 2, 4, 8, 16]
            .into_iter()
            .map(|count| {
                let filters = partition(count)
                    .into_iter()
                    .map(|shard| {
                        let (pattern, negated) = shard.pattern();
                        let spelled =
                            format!("{}_instance.@id~{pattern}", if negated { "!" } else { "" });
                        let filter = PropertyFilter::parse(&spelled).expect("parses");
                        (pattern, filter)
                    })
                    .collect();
                (count, filters)
            })
            .collect()
    });
    &all.iter()
        .find(|(c, _)| *c == count)
        .expect("a shard count clients use")
        .1
}

proptest::proptest! {
    /// A shard's filter tested by one byte says what its regular expression says, for every
    /// shard clients make and any id (colons, letters of both cases, non-ASCII, empty).
    #[test]
    fn a_shard_filter_tested_by_its_leading_byte_agrees_with_its_expression(
        id in "([0-9a-fA-Fg-zG-Z:éß\u{212a}-]{0,12})",
        count in proptest::sample::select(vec![1usize, 2, 4, 8, 16]),
    ) {
        for (pattern, filter) in shard_filters(count) {
            let Test::Leads(regex, leads) = &filter.test else {
                panic!("{pattern} is not recognised as a shard");
            };
            proptest::prop_assert_eq!(leads.admits(&id), regex.is_match(&id), "{} on {:?}", pattern, id);
        }
    }
}

#[test]
fn only_the_exact_shard_shape_is_tested_by_its_leading_byte() {
    for pattern in ["^(.*:)?[0-7][^:]*$", "^(.*:)?[aAbB][^:]*$"] {
        let filter = PropertyFilter::parse(&format!("@id~{pattern}")).expect("parses");
        assert!(matches!(filter.test, Test::Leads(..)), "{pattern}");
    }
    for pattern in [
        "^(.*:)?[0-7]+$",
        "^(.*:)?[^0-7][^:]*$",
        "^(.*:)?[0-7\\d][^:]*$",
        "(.*:)?[0-7][^:]*",
    ] {
        let filter = PropertyFilter::parse(&format!("@id~{pattern}")).expect("parses");
        assert!(matches!(filter.test, Test::Matches(_)), "{pattern}");
    }
}
