//! Logic, conditions, `select`/`exists`, `if`, context data, verdicts and their culprits.

use serde_json::json;

use super::super::Span;
use super::{
    PqlValue, blamed, context, eval_on, profile, s, truths, unevaluable, unevaluable_because,
    value, verdict,
};

#[test]
fn and_or_not() {
    truths(&[
        ("creditScore > 700 and isVip", true),
        ("creditScore > 800 and isVip", false),
        ("creditScore > 800 or isVip", true),
        ("creditScore > 800 or isVip = false", false),
        ("not (creditScore > 800)", true),
        ("!isVip", false),
        ("!(creditScore > 800) AND (isVip Or false)", true),
    ]);
}

#[test]
fn logic_is_two_valued_null_is_false() {
    // The research notes' example: `not(x = "CA")` is true for a missing x, `x != "CA"` false.
    truths(&[
        ("not(nosuch = \"CA\")", true),
        ("nosuch != \"CA\"", false),
        ("nosuch", false),
        ("not nosuch", true),
        ("nosuch and true", false),
        ("nosuch or true", true),
    ]);
    assert_eq!(value("not nickname"), PqlValue::Bool(true));
}

#[test]
fn lists_are_conditions_when_non_empty() {
    truths(&[
        ("interests", true),
        ("empty", false),
        ("interests and isVip", true),
    ]);
}

#[test]
fn other_values_are_not_conditions() {
    let u = unevaluable("creditScore and isVip");
    assert_eq!(u.reason, "expected a condition, got a number");
    assert_eq!(blamed("isVip and creditScore"), "creditScore");
    unevaluable_because(&[
        ("not zip", "expected a condition, got a string"),
        (
            "if(membership, 1, 2)",
            "expected a condition, got an object",
        ),
    ]);
}

#[test]
fn and_or_short_circuit_data_problems_but_not_unsupported_constructs() {
    // The right operand would be a type error, but the left one decides.
    truths(&[
        ("isVip = false and creditScore = \"high\"", false),
        ("isVip or creditScore = \"high\"", true),
    ]);
    // …and when it does not, the problem surfaces.
    assert_eq!(
        unevaluable("isVip = false or creditScore = \"high\" and true").reason,
        "cannot compare a number with \"high\": not a number"
    );
}

#[test]
fn unsupported_constructs_are_reported_even_where_evaluation_would_not_reach() {
    let text = "isVip = false and person.name.firstName.regexGroup(\"J(.)\", 1) = \"o\"";
    let u = unevaluable(text);
    assert_eq!(
        u.reason,
        "`.regexGroup()` is outside the supported PQL subset"
    );
    assert_eq!(u.span.slice(text), "regexGroup(\"J(.)\", 1)");
    assert_eq!(
        blamed("forall e from xEvent where e.type = \"flight\""),
        "forall e from xEvent where e.type = \"flight\""
    );
    unevaluable_because(&[
        (
            "forall e from xEvent where e.type = \"flight\"",
            "`forall` is outside the supported PQL subset",
        ),
        (
            "let s = (select e from xEvent) in (s.count() > 1)",
            "`let … in …` is outside the supported PQL subset",
        ),
        (
            "interests.topN(2)",
            "`.topN()` is outside the supported PQL subset",
        ),
        (
            "scores.sum() > 1",
            "`.sum()` is outside the supported PQL subset",
        ),
        (
            "person.birthDate.getMonth() = 3",
            "`.getMonth()` is outside the supported PQL subset",
        ),
    ]);
    assert_eq!(blamed("isVip and currentMonth() = 6"), "currentMonth()");
    unevaluable_because(&[
        (
            "isVip and currentMonth() = 6",
            "`currentMonth()` is outside the supported PQL subset",
        ),
        (
            "xEvent.filter(e => e.type = \"flight\").count() > 1",
            "`.filter()` is outside the supported PQL subset",
        ),
        (
            "lastLogin occurs this month",
            "a relative period (`this month`, `last year`, …) is outside the supported PQL subset",
        ),
    ]);
    assert_eq!(blamed("(x) => x.a = 1"), "(x) => x.a = 1");
    // The first one in the text is reported.
    assert_eq!(blamed("x.sum() = 1 and y.max() = 2"), "sum()");
}

#[test]
fn if_picks_a_branch_lazily() {
    assert_eq!(value("if(isVip, \"gold\", \"plain\")"), s("gold"));
    assert_eq!(value("if(nosuch, \"gold\", \"plain\")"), s("plain"));
    assert_eq!(value("if(isVip, 1, 1 / 0)"), PqlValue::Number(1.0));
    assert_eq!(
        unevaluable("if(isVip, 1)").reason,
        "`if()` takes 3 arguments, got 2"
    );
}

#[test]
fn select_filters_a_list_and_is_true_when_non_empty() {
    assert_eq!(
        value("(select e from xEvent where e.type = \"flight\").count()"),
        PqlValue::Number(6.0)
    );
    assert_eq!(
        value("select i from interests where i.startsWith(\"g\")"),
        PqlValue::List(vec![s("golf")])
    );
    assert_eq!(
        value("(select e from xEvent).count()"),
        PqlValue::Number(8.0)
    );
    truths(&[
        (
            "select e from xEvent where e.eventType = \"purchase\"",
            true,
        ),
        ("select e from xEvent where e.eventType = \"refund\"", false),
        ("select e from nosuch where e.x = 1", false),
        (
            "exists e from xEvent where e.eventType = \"pageView\"",
            true,
        ),
        ("exists e in xEvent where e.eventType = \"refund\"", false),
        // an object is one item
        ("select m from membership where m.status = \"elite\"", true),
        // variables shadow profile fields and do not leak out
        (
            "select homeAddress from xEvent where homeAddress.type = \"flight\"",
            true,
        ),
    ]);
    assert_eq!(
        unevaluable("select e from creditScore where e.x = 1").reason,
        "`select` reads a list or an object, got a number"
    );
}

#[test]
fn nested_selects_see_outer_variables() {
    let text = "select e from xEvent where e.type = \"flight\" and \
                (select f from xEvent where f.type = \"flight\" and f.flightnumber = e.flightnumber \
                 and f.timestamp occurs before e.timestamp)";
    assert_eq!(
        eval_on(&format!("({text}).count()"), &profile(), None, &context()).unwrap(),
        PqlValue::Number(4.0)
    );
}

#[test]
fn context_data_by_schema() {
    assert_eq!(
        value("@{https://ns.adobe.com/experience/offer-management/context}.flightnumber"),
        s("LH123")
    );
    assert_eq!(
        value("@{_xdm.context.additionalParameters;version=1}.channel"),
        s("mobile")
    );
    // the key may also be the schema alone
    let ctx = json!({"_xdm.context.additionalParameters": {"channel": "web"}});
    assert_eq!(
        eval_on(
            "@{_xdm.context.additionalParameters;version=1}.channel",
            &profile(),
            None,
            &ctx
        )
        .unwrap(),
        s("web")
    );
    assert_eq!(
        value("@{_xdm.context.additionalParameters;version=1}.nosuch"),
        PqlValue::Null
    );
}

#[test]
fn missing_context_is_unevaluable_not_false() {
    let text = "homeAddress.city = \"San Jose\" and @{https://example.com/ctx}.channel = \"web\"";
    let e = eval_on(text, &profile(), None, &json!({})).unwrap_err();
    assert_eq!(e.reason, "no context data for https://example.com/ctx");
    assert_eq!(e.span.slice(text), "@{https://example.com/ctx}");
    // even where null semantics would have made the comparison false
    let e = eval_on("nosuch = @{s}.x", &profile(), None, &json!(null)).unwrap_err();
    assert_eq!(e.reason, "no context data for s");
}

#[test]
fn verdict_blames_the_first_false_conjunct() {
    let profile = json!({"a": 1, "b": 3});
    let text = "a = 1 and b = 2";
    let v = super::verdict_on(text, &profile, &json!({}));
    assert!(!v.value);
    assert_eq!(v.culprit.unwrap().slice(text), "b = 2");

    let text = "a = 1 and (b > 0 and (b = 2 or a = 2))";
    let v = super::verdict_on(text, &profile, &json!({}));
    assert_eq!(v.culprit.unwrap().slice(text), "(b = 2 or a = 2)");

    let text = "(a = 2 and b = 3) and b = 2";
    let v = super::verdict_on(text, &profile, &json!({}));
    assert_eq!(v.culprit.unwrap().slice(text), "a = 2");

    let text = "a = 2 or b = 2";
    let v = super::verdict_on(text, &profile, &json!({}));
    assert_eq!(v.culprit, Some(Span::new(0, text.len())));

    let text = "not (a = 1 and b = 3)";
    let v = super::verdict_on(text, &profile, &json!({}));
    assert_eq!(v.culprit, Some(Span::new(0, text.len())));

    let v = super::verdict_on("a = 1 and b = 3", &profile, &json!({}));
    assert_eq!((v.value, v.culprit), (true, None));

    // a null rule is false, blamed whole
    let v = verdict("nosuch");
    assert_eq!((v.value, v.culprit), (false, Some(Span::new(0, 6))));
}
