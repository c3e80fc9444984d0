//! Real rule texts: Adobe's documented examples (research notes §4.2), the repository's
//! `offers.d/rules.yaml`, and the ranking formula from Adobe's docs.

use serde_json::{Value, json};

use super::{blamed, context, offer, parse, profile, score, truth, unevaluable, verdict_on};

/// §4.2 rule 3, verbatim.
const PURCHASE_RULE: &str = r#"homeAddress.stateProvince.equals("CA", false) and (select var1 from xEvent where var1.eventType.equals("purchase", true) and (var1.commerce.order.priceTotal = 1000.0 and var1.commerce.order.currencyCode.equals("USD", false)))"#;

/// §4.2 rule 6, verbatim: `.count()` is applied to the `occurs` test, a boolean.
const FLIGHT_RULE: &str = r#"membership.status = "elite" and (select e from xEvent where e.type = "flight" and e.flightnumber = @{{SCHEMA_ID}}.flightnumber and (e.timestamp occurs <= 6 months before now).count() > 3)"#;

const CHANNEL_RULE: &str = r#"select contextData from @{_xdm.context.additionalParameters;version=1} where !contextData.channel.isNull() AND contextData.channel!="" AND contextData.channel="mobile""#;

const FEATURES_RULE: &str = r#"select contextData from @{_xdm.context.additionalParameters;version=1} where contextData.features AND (select personetic from contextData.features where personetic.contains("123"))"#;

const SEGMENT_RULE: &str = r#"segmentMembership.get("ups").get(offer.characteristics.get("prioritySegmentId")).status in (["realized","existing"])"#;

const FORMULA: &str = r#"if( offer.characteristics.get("city") = homeAddress.city, offer.rank.priority * 2, offer.rank.priority)"#;

fn with(mut base: Value, pointer: &str, new: Value) -> Value {
    *base.pointer_mut(pointer).unwrap() = new;
    base
}

#[test]
fn documented_rule_texts_all_parse() {
    for text in [
        r#"profile.person.name.firstName.equals("Joe", false)"#,
        r#"_xcoree2etesting.productCategory.equals("mortgage", false)"#,
        PURCHASE_RULE,
        "person.birthDate occurs after date(1981, 1, 1)",
        CHANNEL_RULE,
        FEATURES_RULE,
        FLIGHT_RULE,
        SEGMENT_RULE,
        "xEvent._tenant.channel = \"web\"",
        FORMULA,
    ] {
        assert!(parse(text).is_ok(), "{text}: {:?}", parse(text));
    }
}

#[test]
fn rule_1_first_name_case_insensitively() {
    let text = r#"profile.person.name.firstName.equals("Joe", false)"#;
    assert!(truth(text));
    let jim = with(profile(), "/person/name/firstName", json!("JOE"));
    assert!(verdict_on(text, &jim, &context()).value);
    let jim = with(profile(), "/person/name/firstName", json!("Jim"));
    assert!(!verdict_on(text, &jim, &context()).value);
}

#[test]
fn rule_2_tenant_field() {
    assert!(truth(
        r#"_xcoree2etesting.productCategory.equals("mortgage", false)"#
    ));
    assert!(!truth(
        r#"_xcoree2etesting.productCategory.equals("mortgage")"#
    ));
}

#[test]
fn rule_3_state_and_a_purchase_event() {
    assert!(truth(PURCHASE_RULE));
    // no purchase of 1000 USD: the select (the second conjunct) is to blame
    let cheap = with(
        profile(),
        "/xEvent/0/commerce/order/priceTotal",
        json!(999.0),
    );
    let v = verdict_on(PURCHASE_RULE, &cheap, &context());
    assert!(!v.value);
    assert_eq!(
        v.culprit.unwrap().slice(PURCHASE_RULE),
        &PURCHASE_RULE[PURCHASE_RULE.find("(select").unwrap()..]
    );
    // another state: the first conjunct is
    let texan = with(profile(), "/homeAddress/stateProvince", json!("TX"));
    let v = verdict_on(PURCHASE_RULE, &texan, &context());
    assert_eq!(
        v.culprit.unwrap().slice(PURCHASE_RULE),
        r#"homeAddress.stateProvince.equals("CA", false)"#
    );
}

#[test]
fn rule_4_born_after_1981() {
    assert!(truth("person.birthDate occurs after date(1981, 1, 1)"));
    let older = with(profile(), "/person/birthDate", json!("1980-12-31"));
    assert!(
        !verdict_on(
            "person.birthDate occurs after date(1981, 1, 1)",
            &older,
            &context()
        )
        .value
    );
}

#[test]
fn rule_5_context_data_channel_and_features() {
    assert!(truth(CHANNEL_RULE));
    assert!(truth(FEATURES_RULE));
    let web = json!({"_xdm.context.additionalParameters;version=1": {"channel": "web", "features": ["x"]}});
    assert!(!verdict_on(CHANNEL_RULE, &profile(), &web).value);
    assert!(!verdict_on(FEATURES_RULE, &profile(), &web).value);
    let silent = json!({"_xdm.context.additionalParameters;version=1": {}});
    assert!(!verdict_on(CHANNEL_RULE, &profile(), &silent).value);
    assert!(!verdict_on(FEATURES_RULE, &profile(), &silent).value);
    // without context data the rule cannot be decided
    let e = super::eval_on(CHANNEL_RULE, &profile(), None, &json!({})).unwrap_err();
    assert_eq!(
        e.reason,
        "no context data for _xdm.context.additionalParameters"
    );
    assert_eq!(
        e.span.slice(CHANNEL_RULE),
        "@{_xdm.context.additionalParameters;version=1}"
    );
}

#[test]
fn rule_6_as_documented_counts_a_boolean() {
    let u = unevaluable(FLIGHT_RULE);
    assert_eq!(
        u.reason,
        "`.count()` needs a list, but its receiver is a boolean (to count matching items, write `(select x from … where …).count()`)"
    );
    assert_eq!(blamed(FLIGHT_RULE), "count()");
}

#[test]
fn rule_6_with_the_count_on_the_select() {
    let text = r#"membership.status = "elite" and (select e from xEvent where e.type = "flight" and e.flightnumber = @{{SCHEMA_ID}}.flightnumber and e.timestamp occurs <= 6 months before now).count() > 3"#;
    assert!(truth(text));
    let other_flight = json!({"{SCHEMA_ID}": {"flightnumber": "LH999"}});
    let v = verdict_on(text, &profile(), &other_flight);
    assert!(!v.value);
    assert!(
        v.culprit
            .unwrap()
            .slice(text)
            .starts_with("(select e from xEvent")
    );
    let silver = with(profile(), "/membership/status", json!("silver"));
    let v = verdict_on(text, &silver, &json!({}));
    assert_eq!(
        v.culprit.unwrap().slice(text),
        r#"membership.status = "elite""#
    );
    let e = super::eval_on(text, &profile(), None, &json!({})).unwrap_err();
    assert_eq!(e.reason, "no context data for {SCHEMA_ID}");
}

#[test]
fn rule_7_segment_named_by_the_offer() {
    assert!(truth(SEGMENT_RULE));
    let gold = with(offer(), "/characteristics/prioritySegmentId", json!("gold"));
    let v = super::eval_on(SEGMENT_RULE, &profile(), Some(&gold), &context()).unwrap();
    assert_eq!(v, super::PqlValue::Bool(false));
    let unknown = with(offer(), "/characteristics/prioritySegmentId", json!("nope"));
    let v = super::eval_on(SEGMENT_RULE, &profile(), Some(&unknown), &context()).unwrap();
    assert_eq!(v, super::PqlValue::Bool(false));
    let e = super::eval_on(SEGMENT_RULE, &profile(), None, &context()).unwrap_err();
    assert_eq!(e.reason, "`offer` is only bound when ranking an offer");
}

#[test]
fn rule_8_edge_events_are_one_object() {
    let text = "xEvent._tenant.channel = \"web\"";
    // on the hub, xEvent is the list of events: reading a field of it is a type error
    assert!(unevaluable(text).reason.contains("this is a list"));
    let edge = json!({"xEvent": {"_tenant": {"channel": "web"}}});
    assert!(verdict_on(text, &edge, &json!({})).value);
}

#[test]
fn ranking_formula_from_the_docs() {
    assert_eq!(score(FORMULA, &offer()), Ok(20.0));
    let elsewhere = with(offer(), "/characteristics/city", json!("Paris"));
    assert_eq!(score(FORMULA, &elsewhere), Ok(10.0));
    let unranked = with(offer(), "/rank", json!({}));
    assert_eq!(
        score(FORMULA, &unranked).unwrap_err().reason,
        "formula returned null"
    );
    assert_eq!(
        score("offer.rank.priority / 0", &offer())
            .unwrap_err()
            .reason,
        "division by zero"
    );
    assert_eq!(
        score("offer._id", &offer()).unwrap_err().reason,
        "formula returned a string, not a number"
    );
    assert_eq!(
        score("offer.tags.count() * 1.5 + creditScore / 80", &offer()),
        Ok(12.0)
    );
}

/// The repository's own rules, read from `offers.d/rules.yaml`.
fn repository_rules() -> Vec<(String, String)> {
    let text = include_str!("../../../../../../offers.d/rules.yaml");
    let stream = crate::yaml::parse(text);
    assert!(stream.error.is_none(), "{:?}", stream.error);
    stream
        .documents
        .iter()
        .map(|doc| {
            let json = doc.root.to_json();
            (
                json["name"].as_str().unwrap().to_string(),
                json["condition"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn repository_rules_parse_and_evaluate() {
    let rules = repository_rules();
    assert_eq!(rules.len(), 3, "{rules:#?}");
    for (name, condition) in &rules {
        let expr = parse(condition).unwrap_or_else(|e| panic!("{name}: {e}"));
        let env_profile = json!({
            "membership": {"status": "elite"},
            "creditScore": 720,
            "homeAddress": {"countryCode": "US"},
            "segmentMembership": {"ups": {"newsletter-subscribers": {"status": "existing"}}},
            "xEvent": profile()["xEvent"].clone()
        });
        let context = context();
        let env = super::Env {
            profile: &env_profile,
            offer: None,
            context: &context,
            now: super::NOW,
        };
        let outcome = super::decide(&expr, &env);
        match name.as_str() {
            // §4.2 rule 6 counted the `occurs` test (a boolean); the sample counts the select.
            "Eligible for a free flight upgrade" => {
                assert!(
                    outcome.unwrap().value,
                    "four flights on the route in six months"
                );
            }
            "Good credit standing" => {
                assert!(outcome.unwrap().value);
                let poor = json!({"creditScore": 650, "homeAddress": {"countryCode": "US"}});
                let env = super::Env {
                    profile: &poor,
                    ..env
                };
                let v = super::decide(&expr, &env).unwrap();
                assert_eq!(
                    v.culprit.unwrap().slice(condition),
                    "profile.creditScore >= 700"
                );
            }
            "Newsletter subscriber" => {
                assert!(outcome.unwrap().value);
                let exited = json!({"segmentMembership": {"ups": {"newsletter-subscribers": {"status": "exited"}}}});
                let env = super::Env {
                    profile: &exited,
                    ..env
                };
                assert!(!super::decide(&expr, &env).unwrap().value);
                let none = json!({});
                let env = super::Env {
                    profile: &none,
                    ..env
                };
                assert!(!super::decide(&expr, &env).unwrap().value);
            }
            other => panic!("a rule this test does not know: {other}"),
        }
    }
}
