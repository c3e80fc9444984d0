//! Never panic: arbitrary text, and text assembled from PQL's own vocabulary.

use proptest::prelude::*;
use serde_json::json;

use super::{Env, NOW, context, decide, evaluate, offer, parse, profile};

const WORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "!",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "=>",
    "in",
    "notIn",
    "like",
    "occurs",
    "before",
    "after",
    "from",
    "between",
    "on",
    "select",
    "exists",
    "forall",
    "let",
    "where",
    "if",
    "date",
    "now",
    "today",
    "yesterday",
    "this",
    "month",
    "days",
    "years",
    "true",
    "false",
    "null",
    "0",
    "1",
    "3",
    "-2",
    "1.5",
    "1e308",
    "\"CA\"",
    "\"%a_\"",
    "\"[\"",
    "\"2024-01-01\"",
    "\"\\u12\"",
    "@{s}",
    "@{_xdm.ctx;version=1}",
    "@{",
    "profile",
    "offer",
    "xEvent",
    "e",
    "x",
    "creditScore",
    "homeAddress",
    "city",
    "lastLogin",
    "interests",
    "segmentMembership",
    "count()",
    "isNull()",
    "get(\"ups\")",
    "equals(\"a\", false)",
    "matches(\"(a\")",
    "includes(1)",
    "intersects([1])",
    "regexGroup(\"a\")",
    "\"",
];

fn vocabulary_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 0..24).prop_map(|words| words.join(" "))
}

const LEAVES: &[&str] = &[
    "creditScore",
    "homeAddress.city",
    "homeAddress",
    "xEvent",
    "lastLogin",
    "signupDate",
    "interests",
    "scores",
    "nosuch",
    "nickname",
    "e",
    "e.type",
    "e.timestamp",
    "zip",
    "isVip",
    "offer.rank.priority",
    "offer.tags",
    "offer.characteristics",
    "@{s}.x",
    "@{_xdm.context.additionalParameters;version=1}.channel",
    "segmentMembership",
    "badDate",
    "0",
    "1",
    "-3",
    "2.5",
    "\"CA\"",
    "\"\"",
    "\"%a_\"",
    "\"2024-01-01\"",
    "true",
    "false",
    "null",
    "now",
    "today",
    "yesterday",
    "date(2024, 2, 29)",
    "date(2024, 1, 1, 1, 2, 3)",
    "[]",
    "[1, \"a\"]",
];

const METHODS: &[&str] = &[
    "count()",
    "isNull()",
    "isNotNull()",
    "get(\"ups\")",
    "get(\"status\")",
    "equals(\"CA\", false)",
    "contains(\"a\")",
    "startsWith(\"S\")",
    "matches(\"[0-9]+\")",
    "matches(\"(a\")",
    "includes(1)",
    "intersects([\"golf\"])",
    "regexGroup(\"a\", 1)",
];

/// Expressions built from PQL's grammar, so most of them parse and reach the evaluator.
fn grammar_text() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(LEAVES).prop_map(str::to_string);
    leaf.prop_recursive(6, 48, 3, |inner| {
        let op = prop::sample::select(
            &[
                "=", "!=", "<", "<=", ">", ">=", "and", "or", "+", "-", "*", "/", "in", "notIn",
                "like", "AND",
            ][..],
        );
        let cmp = prop::sample::select(&["=", "!=", "<", "<=", ">", ">="][..]);
        let unit = prop::sample::select(&["days", "month", "years", "hours", "week"][..]);
        prop_oneof![
            (inner.clone(), op, inner.clone()).prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            inner.clone().prop_map(|a| format!("not ({a})")),
            inner.clone().prop_map(|a| format!("({a})")),
            (inner.clone(), prop::sample::select(METHODS)).prop_map(|(a, m)| format!("({a}).{m}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("[{a}, {b}]")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("(select e from {a} where {b})")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("exists e from {a} where {b}")),
            (inner.clone(), cmp, 0u32..30, unit, inner.clone())
                .prop_map(|(a, c, n, u, b)| format!("{a} occurs {c} {n} {u} before {b}")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("{a} occurs between {b} and {c}")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("if({a}, {b}, {c})")),
        ]
    })
}

/// A grammatical text, sometimes with a word of noise spliced in.
fn noisy_grammar_text() -> impl Strategy<Value = String> {
    (
        grammar_text(),
        prop::option::weighted(
            0.2,
            (any::<prop::sample::Index>(), prop::sample::select(WORDS)),
        ),
    )
        .prop_map(|(text, noise)| match noise {
            None => text,
            Some((at, word)) => {
                let mut cut = at.index(text.len() + 1);
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                format!("{} {word} {}", &text[..cut], &text[cut..])
            }
        })
}

fn run(text: &str) {
    let Ok(expr) = parse(text) else { return };
    let profile = profile();
    let offer = offer();
    let context = context();
    let env = Env {
        profile: &profile,
        offer: Some(&offer),
        context: &context,
        now: NOW,
    };
    let within = |span: super::super::Span| span.start <= span.end && span.end <= text.len();
    if let Err(e) = evaluate(&expr, &env) {
        assert!(within(e.span), "{text}: {e}");
    }
    match decide(&expr, &env) {
        Ok(v) => assert!(v.culprit.is_none_or(within) && v.value == v.culprit.is_none()),
        Err(e) => assert!(within(e.span), "{text}: {e}"),
    }
    let empty = json!(null);
    let env = Env {
        profile: &empty,
        offer: None,
        context: &empty,
        now: NOW,
    };
    if let Err(e) = evaluate(&expr, &env) {
        assert!(within(e.span), "{text}: {e}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics_on_arbitrary_text(text in any::<String>()) {
        if let Err(e) = parse(&text) {
            prop_assert!(e.span.start <= e.span.end && e.span.end <= text.len());
            let _ = e.line_col(&text);
        }
    }

    #[test]
    fn parse_and_evaluate_never_panic(text in vocabulary_text()) {
        run(&text);
    }

    #[test]
    fn parse_and_evaluate_grammatical_text_never_panic(text in noisy_grammar_text()) {
        run(&text);
    }

    #[test]
    fn spans_lie_within_the_text(text in vocabulary_text()) {
        match parse(&text) {
            Ok(expr) => prop_assert!(expr.span.end <= text.len()),
            Err(e) => prop_assert!(e.span.end <= text.len() && e.span.start <= e.span.end),
        }
    }
}

#[test]
fn arbitrary_unicode_and_edge_inputs() {
    for text in [
        "",
        " ",
        "\u{0}",
        "é",
        "\"é",
        "@",
        "@{",
        "@{}",
        "\\",
        "1e999",
        "9".repeat(400).as_str(),
        "x.\u{1F600}",
        "date(99999999999, 1, 1)",
        "date(2024, 300, 1)",
        "lastLogin occurs <= 99999999999999 days before now",
        "now occurs <= 1 millennium after date(9999, 12, 31)",
        "\"a\" like \"\\\"",
        "today occurs = 1 week before date(-9999, 1, 1)",
    ] {
        run(text);
    }
    assert!(parse("").is_err());
}

#[test]
fn the_deepest_expressions_evaluate_on_a_small_stack() {
    use super::super::MAX_DEPTH;
    let n = MAX_DEPTH - 2;
    let texts = [
        format!("{}isVip", "not ".repeat(n)),
        format!("{}1{}", "-(".repeat(n / 2), ")".repeat(n / 2)),
        format!("segmentMembership{}", ".get(\"ups\")".repeat(n)),
        format!(
            "{}true{}",
            "(select x from [1] where ".repeat(n / 2),
            ")".repeat(n / 2)
        ),
        format!("{}1{}", "if(true, ".repeat(n), ", 0)".repeat(n)),
        format!("[{}1{}]", "[".repeat(n - 1), "]".repeat(n - 1)),
        format!("{}1{}", "(1 + ".repeat(n / 2), ")".repeat(n / 2)),
    ];
    for text in texts {
        let expr = parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        // Debug builds need under 512 KiB for these; 1 MiB is half of what test threads get.
        let outcome = std::thread::Builder::new()
            .stack_size(1024 * 1024)
            .spawn(move || {
                let profile = profile();
                let context = context();
                let env = Env {
                    profile: &profile,
                    offer: None,
                    context: &context,
                    now: NOW,
                };
                evaluate(&expr, &env).map(|_| ()).map_err(|e| e.reason)
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(outcome, Ok(()), "{text}");
    }
}
