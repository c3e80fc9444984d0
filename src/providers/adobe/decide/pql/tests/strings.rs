//! String functions, `like` and `matches`.

use super::{blamed, truth, unevaluable};

#[test]
fn equals_and_not_equal_to_with_the_case_flag() {
    assert!(truth("person.name.firstName.equals(\"Joe\")"));
    assert!(!truth("person.name.firstName.equals(\"joe\")"));
    assert!(!truth("person.name.firstName.equals(\"joe\", true)"));
    assert!(truth("person.name.firstName.equals(\"JOE\", false)"));
    assert!(truth("person.name.firstName.notEqualTo(\"joe\")"));
    assert!(!truth("person.name.firstName.notEqualTo(\"joe\", false)"));
}

#[test]
fn prefixes_suffixes_and_substrings() {
    assert!(truth("email.startsWith(\"Joe\")"));
    assert!(!truth("email.startsWith(\"joe\")"));
    assert!(truth("email.startsWith(\"joe\", false)"));
    assert!(truth("email.doesNotStartWith(\"joe\")"));
    assert!(!truth("email.doesNotStartWith(\"joe\", false)"));
    assert!(truth("email.endsWith(\"example.com\", false)"));
    assert!(!truth("email.endsWith(\"example.com\")"));
    assert!(truth("email.doesNotEndWith(\"example.com\")"));
    assert!(!truth("email.doesNotEndWith(\"EXAMPLE.COM\", false)"));
    assert!(truth("email.contains(\"Smith@\")"));
    assert!(!truth("email.contains(\"smith@\")"));
    assert!(truth("email.contains(\"smith@\", false)"));
    assert!(truth("email.doesNotContain(\"smith@\")"));
    assert!(!truth("email.doesNotContain(\"smith@\", false)"));
}

#[test]
fn string_functions_on_null_are_false_even_the_negative_ones() {
    for f in [
        "equals",
        "notEqualTo",
        "startsWith",
        "doesNotStartWith",
        "endsWith",
        "doesNotEndWith",
        "contains",
        "doesNotContain",
    ] {
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
    assert_eq!(
        unevaluable("email.contains(1)").reason,
        "`.contains()` needs a string, got 1"
    );
    assert_eq!(
        unevaluable("email.contains(\"a\", \"no\")").reason,
        "the case-sensitivity flag must be true or false, got \"no\""
    );
    assert_eq!(
        unevaluable("interests.contains(\"golf\")").reason,
        "`.contains()` needs a string, got a list"
    );
    assert_eq!(
        unevaluable("(1 = 1).equals(\"true\")").reason,
        "`.equals()` needs a string, but its receiver is a boolean"
    );
}

#[test]
fn like_patterns() {
    assert!(truth("homeAddress.city like \"San%\""));
    assert!(truth("homeAddress.city like \"%Jose\""));
    assert!(truth("homeAddress.city like \"San_Jose\""));
    assert!(truth("homeAddress.city like \"%\""));
    assert!(!truth("homeAddress.city like \"san%\""));
    assert!(!truth("homeAddress.city like \"San\""));
    assert!(!truth("homeAddress.city like \"S_Jose\""));
    // regex characters are literal, `\` escapes `%` and `_`
    assert!(truth("\"a.b\" like \"a.b\""));
    assert!(!truth("\"axb\" like \"a.b\""));
    assert!(truth("\"50%\" like \"50\\%\""));
    assert!(!truth("\"500\" like \"50\\%\""));
    assert!(truth("\"a\\nb\" like \"a%b\""));
    // null: false
    assert!(!truth("nosuch like \"%\""));
    assert!(!truth("homeAddress.city like nosuch"));
    assert_eq!(
        unevaluable("creditScore like \"7%\"").reason,
        "`like` needs strings, got a number and a string"
    );
}

#[test]
fn matches_uses_the_whole_string() {
    assert!(truth("zip.matches(\"9[0-9]{4}\")"));
    assert!(truth("zip.matches(\"\\\\d+\")"));
    assert!(truth("zip.matches(\"\\d+\")"));
    assert!(!truth("zip.matches(\"951\")"));
    assert!(truth("zip.matches(\"951.*\")"));
    assert!(truth("zip.matches(\"1|95112\")"));
    assert!(!truth("nosuch.matches(\".*\")"));
    assert!(!truth("zip.matches(nosuch)"));
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
