//! Tests of the PQL parser and evaluator, on one fixed profile at a fixed instant.

mod compare;
mod logic;
mod occurs;
mod parse;
mod props;
mod rules;
mod strings;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

use super::{Env, ParseError, PqlValue, Unevaluable, Verdict, decide, evaluate, number, parse};

/// Saturday 15 June 2024, noon UTC.
pub(super) const NOW: OffsetDateTime = datetime!(2024-06-15 12:00:00 UTC);

pub(super) fn profile() -> Value {
    json!({
        "person": {
            "name": {"firstName": "Joe", "lastName": "Smith"},
            "birthDate": "1985-03-10"
        },
        "homeAddress": {"city": "San Jose", "stateProvince": "CA", "countryCode": "US"},
        "creditScore": 720,
        "zip": "95112",
        "loyaltyPoints": "1500",
        "isVip": true,
        "nickname": null,
        "email": "Joe.Smith@Example.com",
        "membership": {"status": "elite"},
        "_xcoree2etesting": {"productCategory": "Mortgage"},
        "interests": ["golf", "travel"],
        "scores": [1, 2, 3],
        "empty": [],
        "lastLogin": "2024-06-14T08:30:00Z",
        "signupDate": "2024-01-31",
        "badDate": "last tuesday",
        "segmentMembership": {"ups": {
            "newsletter-subscribers": {"status": "realized"},
            "gold": {"status": "exited"},
            "silver": {"status": "existing"}
        }},
        "xEvent": [
            {"eventType": "purchase", "timestamp": "2024-06-01T10:00:00Z",
             "commerce": {"order": {"priceTotal": 1000.0, "currencyCode": "usd"}}},
            {"eventType": "pageView", "timestamp": "2024-06-10T10:00:00Z"},
            {"type": "flight", "flightnumber": "LH123", "timestamp": "2024-05-01T00:00:00Z"},
            {"type": "flight", "flightnumber": "LH123", "timestamp": "2024-03-01T00:00:00Z"},
            {"type": "flight", "flightnumber": "LH123", "timestamp": "2024-02-01T00:00:00Z"},
            {"type": "flight", "flightnumber": "LH123", "timestamp": "2024-01-01T00:00:00Z"},
            {"type": "flight", "flightnumber": "LH999", "timestamp": "2024-06-01T00:00:00Z"},
            {"type": "flight", "flightnumber": "LH123", "timestamp": "2023-06-01T00:00:00Z"}
        ]
    })
}

pub(super) fn context() -> Value {
    json!({
        "https://ns.adobe.com/experience/offer-management/context": {"flightnumber": "LH123"},
        "_xdm.context.additionalParameters;version=1": {
            "channel": "mobile",
            "features": ["a123b", "x"]
        },
        "{SCHEMA_ID}": {"flightnumber": "LH123"}
    })
}

pub(super) fn offer() -> Value {
    json!({
        "_id": "dps:personalized-offer:1",
        "rank": {"priority": 10},
        "characteristics": {"city": "San Jose", "prioritySegmentId": "silver"},
        "tags": ["summer", "travel"],
        "selectionConstraint": {"endDate": "2024-07-01T00:00:00Z"}
    })
}

/// Evaluates `text` against the given data (parse errors fail the test).
pub(super) fn eval_on(
    text: &str,
    profile: &Value,
    offer: Option<&Value>,
    context: &Value,
) -> Result<PqlValue, Unevaluable> {
    let expr = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let env = Env {
        profile,
        offer,
        context,
        now: NOW,
    };
    evaluate(&expr, &env)
}

/// The value of `text` on the fixture profile, offer and context.
pub(super) fn value(text: &str) -> PqlValue {
    eval_on(text, &profile(), Some(&offer()), &context()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The verdict of `text` on the fixture profile, offer and context.
pub(super) fn verdict(text: &str) -> Verdict {
    verdict_on(text, &profile(), &context())
}

pub(super) fn verdict_on(text: &str, profile: &Value, context: &Value) -> Verdict {
    let expr = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let offer = offer();
    let env = Env {
        profile,
        offer: Some(&offer),
        context,
        now: NOW,
    };
    decide(&expr, &env).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The truth of a rule on the fixture.
pub(super) fn truth(text: &str) -> bool {
    verdict(text).value
}

/// Each rule's truth on the fixture, as expected.
pub(super) fn truths(cases: &[(&str, bool)]) {
    for &(rule, expected) in cases {
        assert_eq!(truth(rule), expected, "{rule}");
    }
}

/// Why each text cannot be evaluated on the fixture, as expected.
pub(super) fn unevaluable_because(cases: &[(&str, &str)]) {
    for &(text, reason) in cases {
        assert_eq!(unevaluable(text).reason, reason, "{text}");
    }
}

/// Why `text` cannot be evaluated on the fixture (fails the test if it can).
pub(super) fn unevaluable(text: &str) -> Unevaluable {
    match eval_on(text, &profile(), Some(&offer()), &context()) {
        Ok(v) => panic!("{text}: expected unevaluable, got {v:?}"),
        Err(e) => e,
    }
}

/// The text an unevaluable construct's span covers.
pub(super) fn blamed(text: &str) -> String {
    unevaluable(text).span.slice(text).to_string()
}

pub(super) fn parse_error(text: &str) -> ParseError {
    match parse(text) {
        Ok(e) => panic!("{text}: expected a parse error, got {e:?}"),
        Err(e) => e,
    }
}

pub(super) fn score(text: &str, offer: &Value) -> Result<f64, Unevaluable> {
    let expr = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let profile = profile();
    let context = context();
    let env = Env {
        profile: &profile,
        offer: Some(offer),
        context: &context,
        now: NOW,
    };
    number(&expr, &env)
}

pub(super) fn s(text: &str) -> PqlValue {
    PqlValue::String(text.to_string())
}
