//! Logic, conditions, `select`/`exists`, `if`, context data, verdicts and their culprits.

use serde_json::json;

use super::super::Span;
use super::{PqlValue, blamed, context, eval_on, profile, s, truth, unevaluable, value, verdict};

#[test]
fn and_or_not() {
    assert!(truth("creditScore > 700 and isVip"));
    assert!(!truth("creditScore > 800 and isVip"));
    assert!(truth("creditScore > 800 or isVip"));
    assert!(!truth("creditScore > 800 or isVip = false"));
    assert!(truth("not (creditScore > 800)"));
    assert!(!truth("!isVip"));
    assert!(truth("!(creditScore > 800) AND (isVip Or false)"));
}

#[test]
fn logic_is_two_valued_null_is_false() {
    // The research notes' example: `not(x = "CA")` is true for a missing x, `x != "CA"` false.
    assert!(truth("not(nosuch = \"CA\")"));
    assert!(!truth("nosuch != \"CA\""));
    assert!(!truth("nosuch"));
    assert!(truth("not nosuch"));
    assert!(!truth("nosuch and true"));
    assert!(truth("nosuch or true"));
    assert_eq!(value("not nickname"), PqlValue::Bool(true));
}

#[test]
fn lists_are_conditions_when_non_empty() {
    assert!(truth("interests"));
    assert!(!truth("empty"));
    assert!(truth("interests and isVip"));
}

#[test]
fn other_values_are_not_conditions() {
    let u = unevaluable("creditScore and isVip");
    assert_eq!(u.reason, "expected a condition, got a number");
    assert_eq!(blamed("isVip and creditScore"), "creditScore");
    assert_eq!(
        unevaluable("not zip").reason,
        "expected a condition, got a string"
    );
    assert_eq!(
        unevaluable("if(membership, 1, 2)").reason,
        "expected a condition, got an object"
    );
}

#[test]
fn and_or_short_circuit_data_problems_but_not_unsupported_constructs() {
    // The right operand would be a type error, but the left one decides.
    assert!(!truth("isVip = false and creditScore = \"high\""));
    assert!(truth("isVip or creditScore = \"high\""));
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
    assert_eq!(
        unevaluable("forall e from xEvent where e.type = \"flight\"").reason,
        "`forall` is outside the supported PQL subset"
    );
    assert_eq!(
        unevaluable("let s = (select e from xEvent) in (s.count() > 1)").reason,
        "`let … in …` is outside the supported PQL subset"
    );
    assert_eq!(
        unevaluable("interests.topN(2)").reason,
        "`.topN()` is outside the supported PQL subset"
    );
    assert_eq!(
        unevaluable("scores.sum() > 1").reason,
        "`.sum()` is outside the supported PQL subset"
    );
    assert_eq!(
        unevaluable("person.birthDate.getMonth() = 3").reason,
        "`.getMonth()` is outside the supported PQL subset"
    );
    assert_eq!(blamed("isVip and currentMonth() = 6"), "currentMonth()");
    assert_eq!(
        unevaluable("isVip and currentMonth() = 6").reason,
        "`currentMonth()` is outside the supported PQL subset"
    );
    assert_eq!(
        unevaluable("xEvent.filter(e => e.type = \"flight\").count() > 1").reason,
        "`.filter()` is outside the supported PQL subset"
    );
    assert_eq!(blamed("(x) => x.a = 1"), "(x) => x.a = 1");
    assert_eq!(
        unevaluable("lastLogin occurs this month").reason,
        "a relative period (`this month`, `last year`, …) is outside the supported PQL subset"
    );
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
    assert!(truth(
        "select e from xEvent where e.eventType = \"purchase\""
    ));
    assert!(!truth(
        "select e from xEvent where e.eventType = \"refund\""
    ));
    assert!(!truth("select e from nosuch where e.x = 1"));
    assert!(truth(
        "exists e from xEvent where e.eventType = \"pageView\""
    ));
    assert!(!truth("exists e in xEvent where e.eventType = \"refund\""));
    // an object is one item
    assert!(truth("select m from membership where m.status = \"elite\""));
    // variables shadow profile fields and do not leak out
    assert!(truth(
        "select homeAddress from xEvent where homeAddress.type = \"flight\""
    ));
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
