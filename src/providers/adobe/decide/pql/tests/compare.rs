//! Comparisons, coercion, membership, arithmetic, and values of paths.

use serde_json::json;

use super::{
    PqlValue, blamed, eval_on, profile, s, truth, truths, unevaluable, unevaluable_because, value,
};

#[test]
fn paths_read_the_profile_with_or_without_a_root() {
    assert_eq!(value("homeAddress.city"), s("San Jose"));
    assert_eq!(value("profile.homeAddress.city"), s("San Jose"));
    assert_eq!(value("$1.homeAddress.city"), s("San Jose"));
    assert_eq!(value("person.name.firstName"), s("Joe"));
    assert_eq!(value("_xcoree2etesting.productCategory"), s("Mortgage"));
    assert_eq!(value("creditScore"), PqlValue::Number(720.0));
    assert_eq!(value("isVip"), PqlValue::Bool(true));
    assert_eq!(
        value("scores"),
        PqlValue::List(vec![
            PqlValue::Number(1.0),
            PqlValue::Number(2.0),
            PqlValue::Number(3.0)
        ])
    );
    assert_eq!(
        value("membership"),
        PqlValue::Object(json!({"status": "elite"}).as_object().unwrap().clone())
    );
}

#[test]
fn missing_paths_are_null_all_the_way_down() {
    assert_eq!(value("nosuch"), PqlValue::Null);
    assert_eq!(value("nosuch.deeper.still"), PqlValue::Null);
    assert_eq!(value("nickname"), PqlValue::Null);
    assert_eq!(value("homeAddress.street"), PqlValue::Null);
}

#[test]
fn fields_of_lists_and_scalars_are_unevaluable() {
    let u = unevaluable("interests.name = 1");
    assert!(u.reason.contains("this is a list"), "{}", u.reason);
    assert_eq!(blamed("interests.name = 1"), "interests.name");
    assert_eq!(
        unevaluable("homeAddress.city.x").reason,
        "cannot read field `x` of a string"
    );
}

#[test]
fn offer_paths_read_the_offer() {
    assert_eq!(value("offer._id"), s("dps:personalized-offer:1"));
    assert_eq!(value("offer.rank.priority"), PqlValue::Number(10.0));
    assert_eq!(value("offer.characteristics.get(\"city\")"), s("San Jose"));
    assert_eq!(value("offer.characteristics.city"), s("San Jose"));
    truths(&[
        ("offer.tags.includes(\"summer\")", true),
        ("offer.selectionConstraint.endDate occurs after now", true),
    ]);
    assert_eq!(value("offer.nosuch"), PqlValue::Null);
    // Without an offer, `offer` is unevaluable, not null.
    let e = eval_on("offer.rank.priority", &profile(), None, &json!({})).unwrap_err();
    assert_eq!(e.reason, "`offer` is only bound when ranking an offer");
    assert_eq!(e.span.start, 0);
    assert_eq!(e.span.end, 5);
}

#[test]
fn equality_and_order_on_numbers_and_strings() {
    truths(&[
        ("creditScore = 720", true),
        ("creditScore = 700", false),
        ("creditScore != 700", true),
        ("creditScore != 720", false),
        ("creditScore > 700", true),
        ("creditScore >= 720", true),
        ("creditScore < 720", false),
        ("creditScore <= 720", true),
        ("homeAddress.city = \"San Jose\"", true),
        ("homeAddress.city = \"san jose\"", false),
        ("homeAddress.city < \"Santa Clara\"", true),
        ("isVip = true", true),
        ("isVip != true", false),
    ]);
}

#[test]
fn null_comparisons_are_false_both_ways() {
    for op in ["=", "!=", "<", "<=", ">", ">="] {
        assert!(!truth(&format!("nosuch {op} 1")), "nosuch {op} 1");
        assert!(!truth(&format!("1 {op} nosuch")), "1 {op} nosuch");
        assert!(
            !truth(&format!("nickname {op} \"x\"")),
            "nickname {op} \"x\""
        );
        assert!(!truth(&format!("nosuch {op} null")), "nosuch {op} null");
    }
}

#[test]
fn the_second_operand_takes_the_type_of_the_first() {
    // number first: a numeric string becomes a number
    truths(&[
        ("creditScore = \"720\"", true),
        ("creditScore > \" 700 \"", true),
        // string first: a number becomes its decimal text
        ("zip = 95112", true),
        ("loyaltyPoints = 1500", true),
        // …and strings then compare as strings: "1500" < "700"
        ("loyaltyPoints < 700", true),
        // boolean first: "true"/"false"
        ("isVip = \"true\"", true),
    ]);
}

#[test]
fn impossible_coercions_are_unevaluable() {
    let u = unevaluable("creditScore = \"high\"");
    assert_eq!(
        u.reason,
        "cannot compare a number with \"high\": not a number"
    );
    assert_eq!(u.span.start, 0);
    unevaluable_because(&[
        (
            "creditScore = true",
            "cannot compare a number with a boolean using `=`",
        ),
        (
            "isVip < true",
            "cannot compare a boolean with a boolean using `<`",
        ),
        (
            "interests = \"golf\"",
            "cannot compare a list with a string using `=`",
        ),
        (
            "membership = 1",
            "cannot compare an object with a number using `=`",
        ),
    ]);
}

#[test]
fn in_and_not_in() {
    truths(&[
        ("homeAddress.stateProvince in [\"CA\", \"NY\"]", true),
        ("homeAddress.stateProvince in [\"TX\", \"NY\"]", false),
        ("homeAddress.stateProvince in (\"CA\", \"NY\")", true),
        ("homeAddress.stateProvince in ([\"CA\"])", true),
        ("homeAddress.stateProvince in (\"CA\")", true),
        ("homeAddress.stateProvince notIn (\"CA\")", false),
        ("creditScore in [700, 720]", true),
        ("creditScore in [\"720\"]", true),
        ("homeAddress.stateProvince notIn [\"TX\", \"NY\"]", true),
        ("homeAddress.stateProvince notIn [\"CA\"]", false),
        ("homeAddress.stateProvince in interests", false),
        ("\"golf\" in interests", true),
        // null on either side: both false (notIn is not the negation of in)
        ("nosuch in [\"CA\"]", false),
        ("nosuch notIn [\"CA\"]", false),
        ("homeAddress.stateProvince in nosuch", false),
        ("homeAddress.stateProvince notIn nosuch", false),
        // null items match nothing
        ("homeAddress.stateProvince in [null]", false),
        ("homeAddress.stateProvince notIn [null]", true),
    ]);
}

#[test]
fn in_with_the_wrong_shapes_is_unevaluable() {
    assert_eq!(
        unevaluable("creditScore in 720").reason,
        "`in` needs a list on its right, got a number"
    );
    assert_eq!(blamed("creditScore in 720"), "720");
    unevaluable_because(&[
        (
            "interests in [\"golf\"]",
            "`in` tests one value; to compare two lists use `.intersects()`",
        ),
        (
            "creditScore in [\"x\"]",
            "cannot compare a number with \"x\": not a number",
        ),
    ]);
}

#[test]
fn is_null_and_is_not_null() {
    truths(&[
        ("nosuch.isNull()", true),
        ("nickname.isNull()", true),
        ("homeAddress.isNull()", false),
        ("homeAddress.city.isNotNull()", true),
        ("nickname.isNotNull()", false),
        ("empty.isNull()", false),
    ]);
}

#[test]
fn count_get_includes_intersects() {
    assert_eq!(value("interests.count()"), PqlValue::Number(2.0));
    assert_eq!(value("empty.count()"), PqlValue::Number(0.0));
    assert_eq!(value("nosuch.count()"), PqlValue::Number(0.0));
    assert_eq!(value("xEvent.count()"), PqlValue::Number(8.0));
    assert_eq!(value("[1, 2, 3].count()"), PqlValue::Number(3.0));
    assert_eq!(
        value("segmentMembership.get(\"ups\").get(\"gold\").status"),
        s("exited")
    );
    assert_eq!(
        value("segmentMembership.get(\"nope\").get(\"gold\").status"),
        PqlValue::Null
    );
    assert_eq!(value("segmentMembership.get(nosuch)"), PqlValue::Null);
    truths(&[
        ("interests.includes(\"golf\")", true),
        ("interests.includes(\"chess\")", false),
        ("interests.includes(nosuch)", false),
        ("nosuch.includes(\"golf\")", false),
        ("scores.includes(\"2\")", true),
        ("interests.intersects([\"chess\", \"travel\"])", true),
        ("interests.intersects([\"chess\"])", false),
        ("interests.intersects(empty)", false),
        ("interests.intersects(nosuch)", false),
        ("nosuch.intersects([\"golf\"])", false),
    ]);
}

#[test]
fn list_and_map_functions_on_the_wrong_values_are_unevaluable() {
    assert_eq!(
        unevaluable("creditScore.count()").reason,
        "`.count()` needs a list, got a number"
    );
    assert_eq!(blamed("creditScore.count() > 1"), "count()");
    unevaluable_because(&[
        (
            "interests.get(\"a\")",
            "`.get()` needs an object, got a list",
        ),
        ("membership.get(1)", "`.get()` needs a string key, got 1"),
        (
            "homeAddress.includes(\"a\")",
            "`.includes()` needs a list, got an object",
        ),
        (
            "interests.intersects(\"golf\")",
            "`.intersects()` needs a list, got a string",
        ),
        // visible from the syntax alone: reported before evaluating anything
        (
            "(x = 1).count() > 1",
            "`.count()` needs a list, but its receiver is a boolean (to count matching items, write `(select x from … where …).count()`)",
        ),
        (
            "\"a\".get(\"b\")",
            "`.get()` needs an object, but its receiver is a string",
        ),
        ("x.get(\"a\", \"b\")", "`.get()` takes 1 argument, got 2"),
        ("x.equals()", "`.equals()` takes 1 or 2 arguments, got 0"),
    ]);
}

#[test]
fn arithmetic_on_numbers() {
    assert_eq!(value("1 + 2 * 3"), PqlValue::Number(7.0));
    assert_eq!(value("(1 + 2) * 3"), PqlValue::Number(9.0));
    assert_eq!(value("10 / 4 - 1"), PqlValue::Number(1.5));
    assert_eq!(value("-creditScore"), PqlValue::Number(-720.0));
    assert_eq!(value("creditScore / 2 > 300"), PqlValue::Bool(true));
    // null propagates
    assert_eq!(value("nosuch + 1"), PqlValue::Null);
    assert_eq!(value("2 * nosuch"), PqlValue::Null);
    assert_eq!(value("-nosuch"), PqlValue::Null);
    // errors
    assert_eq!(unevaluable("creditScore / 0").reason, "division by zero");
    assert_eq!(blamed("1 + creditScore / 0"), "creditScore / 0");
    unevaluable_because(&[
        (
            "zip + 1",
            "arithmetic needs numbers, got a string and a number",
        ),
        ("1e308 * 10", "arithmetic result out of range"),
        ("-zip", "`-` needs a number, got a string"),
    ]);
}

#[test]
fn literals_evaluate_to_themselves() {
    assert_eq!(value("null"), PqlValue::Null);
    assert_eq!(value("\"x\""), s("x"));
    assert_eq!(
        value("[1, \"a\", true]"),
        PqlValue::List(vec![PqlValue::Number(1.0), s("a"), PqlValue::Bool(true)])
    );
    assert_eq!(
        value("(\"a\", \"b\")"),
        PqlValue::List(vec![s("a"), s("b")])
    );
    assert_eq!(value("1.5e2"), PqlValue::Number(150.0));
}
