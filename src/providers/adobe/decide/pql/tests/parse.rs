//! Parsing: shapes, spans, precedence, errors and their positions.

use super::super::ast::{BinaryOp, Cmp, Direction, ExprKind, OccursTest, TimeUnit};
use super::super::{MAX_DEPTH, Span};
use super::{parse, parse_error};

fn kind(text: &str) -> ExprKind {
    parse(text).unwrap().kind
}

#[test]
fn a_path_is_nested_fields_on_a_root_name() {
    let expr = parse("profile.person.name").unwrap();
    assert_eq!(expr.span, Span::new(0, 19));
    let ExprKind::Field { object, name } = expr.kind else {
        panic!("not a field")
    };
    assert_eq!(name, "name");
    assert_eq!(object.span, Span::new(0, 14));
    let ExprKind::Field { object, name } = object.kind else {
        panic!("not a field")
    };
    assert_eq!(name, "person");
    assert_eq!(object.kind, ExprKind::Ident("profile".into()));
}

#[test]
fn and_binds_tighter_than_or_and_chains_flatten() {
    let ExprKind::Or(items) = kind("a = 1 or b = 2 and c = 3 and d = 4") else {
        panic!("not an or")
    };
    assert_eq!(items.len(), 2);
    let ExprKind::And(conjuncts) = &items[1].kind else {
        panic!("not an and")
    };
    assert_eq!(conjuncts.len(), 3);
}

#[test]
fn parentheses_keep_their_own_node_and_widen_the_span() {
    let text = "(a and b) and c";
    let expr = parse(text).unwrap();
    let ExprKind::And(items) = expr.kind else {
        panic!("not an and")
    };
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].span.slice(text), "(a and b)");
    assert!(matches!(items[0].kind, ExprKind::And(_)));
}

#[test]
fn keywords_are_case_insensitive() {
    assert!(matches!(kind("a AND b"), ExprKind::And(_)));
    assert!(matches!(kind("a Or b"), ExprKind::Or(_)));
    assert!(matches!(kind("NOT a"), ExprKind::Not(_)));
    assert!(matches!(kind("TRUE"), ExprKind::Bool(true)));
    assert!(matches!(
        kind("x NOTIN [1]"),
        ExprKind::Binary {
            op: BinaryOp::NotIn,
            ..
        }
    ));
}

#[test]
fn not_and_bang_take_a_whole_comparison() {
    let ExprKind::Not(inner) = kind("not x = 1") else {
        panic!("not a not")
    };
    assert!(matches!(
        inner.kind,
        ExprKind::Binary {
            op: BinaryOp::Cmp(Cmp::Eq),
            ..
        }
    ));
    // `!` binds looser than a method chain, tighter than `and`.
    let ExprKind::And(items) = kind("!x.isNull() AND y") else {
        panic!("not an and")
    };
    assert!(
        matches!(&items[0].kind, ExprKind::Not(m) if matches!(m.kind, ExprKind::Method { .. }))
    );
}

#[test]
fn arithmetic_has_the_usual_precedence() {
    let ExprKind::Binary { op, rhs, .. } = kind("1 + 2 * 3") else {
        panic!("not binary")
    };
    assert_eq!(op, BinaryOp::Add);
    assert!(matches!(
        rhs.kind,
        ExprKind::Binary {
            op: BinaryOp::Mul,
            ..
        }
    ));
    assert_eq!(kind("-2"), ExprKind::Number(-2.0));
}

#[test]
fn lists_come_in_three_spellings() {
    for text in [
        r#"x in ["a", "b"]"#,
        r#"x in ("a", "b")"#,
        r#"x in (["a", "b"])"#,
    ] {
        let ExprKind::Binary { op, rhs, .. } = kind(text) else {
            panic!("{text}: not binary")
        };
        assert_eq!(op, BinaryOp::In, "{text}");
        let ExprKind::List(items) = rhs.kind else {
            panic!("{text}: not a list")
        };
        assert_eq!(items.len(), 2, "{text}");
    }
}

#[test]
fn occurs_forms_parse() {
    let ExprKind::Occurs { test, .. } = kind("t occurs <= 6 months before now") else {
        panic!("not occurs")
    };
    let OccursTest::Within {
        cmp,
        unit,
        direction,
        ..
    } = test
    else {
        panic!("not within")
    };
    assert_eq!(
        (cmp, unit, direction),
        (Cmp::Le, TimeUnit::Month, Direction::Before)
    );
    assert!(matches!(
        kind("t occurs between date(2020,1,1) and today"),
        ExprKind::Occurs {
            test: OccursTest::Between(..),
            ..
        }
    ));
    assert!(matches!(
        kind("t occurs on today"),
        ExprKind::Occurs {
            test: OccursTest::On(_),
            ..
        }
    ));
    assert!(matches!(
        kind("t occurs yesterday"),
        ExprKind::Occurs {
            test: OccursTest::On(_),
            ..
        }
    ));
    assert!(matches!(
        kind("t occurs 3 days from now"),
        ExprKind::Occurs {
            test: OccursTest::Within {
                cmp: Cmp::Eq,
                direction: Direction::After,
                ..
            },
            ..
        }
    ));
    // `between … and …` does not swallow a following `and`.
    let ExprKind::And(items) = kind("t occurs between yesterday and today and x") else {
        panic!("not an and")
    };
    assert_eq!(items.len(), 2);
}

#[test]
fn context_references_keep_schema_and_parameters() {
    let ExprKind::Field { object, name } = kind("@{_xdm.context.additionalParameters;version=1}.x")
    else {
        panic!("not a field")
    };
    assert_eq!(name, "x");
    assert_eq!(
        object.kind,
        ExprKind::Context {
            raw: "_xdm.context.additionalParameters;version=1".into(),
            schema: "_xdm.context.additionalParameters".into()
        }
    );
    // Template placeholders nest braces.
    assert!(matches!(
        kind("@{{SCHEMA_ID}}.f"),
        ExprKind::Field { object, .. } if object.kind == ExprKind::Context { raw: "{SCHEMA_ID}".into(), schema: "{SCHEMA_ID}".into() }
    ));
}

#[test]
fn constructs_outside_the_subset_still_parse() {
    for text in [
        "forall e from xEvent where e.x = 1",
        "let s = (x) in (s = 1)",
        "xEvent.filter(e => e.x = 1)",
        "(a, b) => a",
        "person.birthDate occurs this month",
        "currentMonth() = 6",
        "x.topN(3)",
    ] {
        assert!(parse(text).is_ok(), "{text}: {:?}", parse(text));
    }
}

#[test]
fn string_escapes() {
    assert_eq!(
        kind(r#""a\"b\\c\n\u00e9""#),
        ExprKind::String("a\"b\\c\né".into())
    );
    assert_eq!(kind(r#""\d+""#), ExprKind::String(r"\d+".into()));
    assert_eq!(kind(r#""\ud83d\ude00""#), ExprKind::String("😀".into()));
}

#[test]
fn errors_name_what_was_expected_and_where() {
    for (text, message, span) in [
        (
            "a = ",
            "expected an expression, found end of input",
            Some(Span::new(4, 4)),
        ),
        ("(a = 1", "expected `)`, found end of input", None),
        (
            "a = 1 b",
            "expected an operator or end of input, found `b`",
            Some(Span::new(6, 7)),
        ),
        (
            "x.equals(\"a\" \"b\")",
            "expected `,` or `)`, found string \"b\"",
            None,
        ),
        (
            "a = 1 and and b",
            "expected an expression, found `and`",
            Some(Span::new(10, 13)),
        ),
        (
            "t occurs <= 6 parsecs before now",
            "expected a time unit (`days`, `months`, …), found `parsecs`",
            None,
        ),
        (
            "t occurs <= 6 days since now",
            "expected `before`, `after` or `from`, found `since`",
            None,
        ),
        (
            "a = 1 = 2",
            "comparisons do not chain: add parentheses",
            None,
        ),
        (
            "x = \"open",
            "unterminated string: expected a closing `\"`",
            Some(Span::new(4, 9)),
        ),
        ("x # 1", "unexpected character `#`", None),
        (
            "@{a.b",
            "unterminated context reference: expected `}`",
            None,
        ),
        (
            "select from xEvent",
            "expected `from`, found `xEvent`",
            None,
        ),
        (
            "x.",
            "expected a field or function name after `.`, found end of input",
            None,
        ),
    ] {
        let e = parse_error(text);
        assert_eq!(e.message, message, "{text}");
        if let Some(span) = span {
            assert_eq!(e.span, span, "{text}");
        }
    }
}

#[test]
fn line_col_is_one_based_in_characters() {
    let text = "a = 1\nand é = 2\n  and )";
    let e = parse_error(text);
    assert_eq!(e.span.slice(text), ")");
    assert_eq!(e.line_col(text), (3, 7));
    let text = "é = ";
    assert_eq!(parse_error(text).line_col(text), (1, 5));
    let text = "(";
    assert_eq!(parse_error(text).line_col(text), (1, 2));
}

#[test]
fn nesting_is_limited_without_overflowing_the_stack() {
    let ok = format!(
        "{}x{}",
        "(".repeat(MAX_DEPTH - 1),
        ")".repeat(MAX_DEPTH - 1)
    );
    assert!(parse(&ok).is_ok());
    let deep = format!("{}x{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(
        parse_error(&deep)
            .message
            .starts_with("expression nested too deeply")
    );
    let chain = format!("x{}", ".y".repeat(10_000));
    assert!(
        parse_error(&chain)
            .message
            .starts_with("expression nested too deeply")
    );
    let sum = format!("1{}", " + 1".repeat(10_000));
    assert!(
        parse_error(&sum)
            .message
            .starts_with("expression nested too deeply")
    );
    // A long `and` chain is one level, however long.
    let conjunction = vec!["x = 1"; 2_000].join(" and ");
    assert!(parse(&conjunction).is_ok());
}
