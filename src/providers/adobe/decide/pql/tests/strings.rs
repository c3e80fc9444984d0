//! String functions, `like` and `matches`.

use super::super::check::STRING_PREDICATES;
use super::{blamed, truth, truths, unevaluable, unevaluable_because};

#[test]
fn equals_and_not_equal_to_with_the_case_flag() {
    truths(&[
        ("person.name.firstName.equals(\"Joe\")", true),
        ("person.name.firstName.equals(\"joe\")", false),
        ("person.name.firstName.equals(\"joe\", true)", false),
        ("person.name.firstName.equals(\"JOE\", false)", true),
        ("person.name.firstName.notEqualTo(\"joe\")", true),
        ("person.name.firstName.notEqualTo(\"joe\", false)", false),
    ]);
}

#[test]
fn prefixes_suffixes_and_substrings() {
    truths(&[
        ("email.startsWith(\"Joe\")", true),
        ("email.startsWith(\"joe\")", false),
        ("email.startsWith(\"joe\", false)", true),
        ("email.doesNotStartWith(\"joe\")", true),
        ("email.doesNotStartWith(\"joe\", false)", false),
        ("email.endsWith(\"example.com\", false)", true),
        ("email.endsWith(\"example.com\")", false),
        ("email.doesNotEndWith(\"example.com\")", true),
        ("email.doesNotEndWith(\"EXAMPLE.COM\", false)", false),
        ("email.contains(\"Smith@\")", true),
        ("email.contains(\"smith@\")", false),
        ("email.contains(\"smith@\", false)", true),
        ("email.doesNotContain(\"smith@\")", true),
        ("email.doesNotContain(\"smith@\", false)", false),
    ]);
}

#[test]
fn string_functions_on_null_are_false_even_the_negative_ones() {
    for f in STRING_PREDICATES {
        assert!(!truth(&format!("nosuch.{f}(\"a\")")), "nosuch.{f}");
        assert!(!truth(&format!("email.{f}(nosuch)")), "email.{f}(nosuch)");
        // …and `not (…)` of them is true: two-valued logic
        assert!(truth(&format!("not (nosuch.{f}(\"a\"))")), "not nosuch.{f}");
    }
}

#[test]
fn string_functions_on_other_types_are_unevaluable() {
    assert_eq!(
        unevaluable("creditScore.startsWith(\"7\")").reason,
        "`.startsWith()` needs a string, got a number"
    );
    assert_eq!(blamed("creditScore.startsWith(\"7\")"), "startsWith(\"7\")");
    unevaluable_because(&[
        ("email.contains(1)", "`.contains()` needs a string, got 1"),
        (
            "email.contains(\"a\", \"no\")",
            "the case-sensitivity flag must be true or false, got \"no\"",
        ),
        (
            "interests.contains(\"golf\")",
            "`.contains()` needs a string, got a list",
        ),
        (
            "(1 = 1).equals(\"true\")",
            "`.equals()` needs a string, but its receiver is a boolean",
        ),
    ]);
}

#[test]
fn like_patterns() {
    truths(&[
        ("homeAddress.city like \"San%\"", true),
        ("homeAddress.city like \"%Jose\"", true),
        ("homeAddress.city like \"San_Jose\"", true),
        ("homeAddress.city like \"%\"", true),
        ("homeAddress.city like \"san%\"", false),
        ("homeAddress.city like \"San\"", false),
        ("homeAddress.city like \"S_Jose\"", false),
        // regex characters are literal, `\` escapes `%` and `_`
        ("\"a.b\" like \"a.b\"", true),
        ("\"axb\" like \"a.b\"", false),
        ("\"50%\" like \"50\\%\"", true),
        ("\"500\" like \"50\\%\"", false),
        ("\"a\\nb\" like \"a%b\"", true),
        // null: false
        ("nosuch like \"%\"", false),
        ("homeAddress.city like nosuch", false),
    ]);
    assert_eq!(
        unevaluable("creditScore like \"7%\"").reason,
        "`like` needs strings, got a number and a string"
    );
}

#[test]
fn matches_uses_the_whole_string() {
    truths(&[
        ("zip.matches(\"9[0-9]{4}\")", true),
        ("zip.matches(\"\\\\d+\")", true),
        ("zip.matches(\"\\d+\")", true),
        ("zip.matches(\"951\")", false),
        ("zip.matches(\"951.*\")", true),
        ("zip.matches(\"1|95112\")", true),
        ("nosuch.matches(\".*\")", false),
        ("zip.matches(nosuch)", false),
    ]);
}

#[test]
fn java_regex_features_the_regex_crate_lacks_are_unevaluable() {
    let u = unevaluable("zip.matches(\"(?=9)\\\\d+\")");
    assert!(
        u.reason.starts_with("regular expression not supported"),
        "{}",
        u.reason
    );
    assert_eq!(blamed("zip.matches(\"(?=9)\\\\d+\")"), "\"(?=9)\\\\d+\"");
    let u = unevaluable("zip.matches(\"(9)\\\\1\")");
    assert!(
        u.reason.starts_with("regular expression not supported"),
        "{}",
        u.reason
    );
    let u = unevaluable("zip.matches(\"[\")");
    assert!(
        u.reason.starts_with("regular expression not supported"),
        "{}",
        u.reason
    );
}
