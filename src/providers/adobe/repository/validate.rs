//! The rules each offer-management schema enforces on `_instance`, and where references live.
//!
//! Only the properties the reconciler writes are checked; anything else (for example
//! `offerui:previewThumbnail`, which real instances carry) is accepted and stored verbatim.
//! Violations are collected rather than stopping at the first, so one 422 names every problem.

use serde_json::{Map, Value};

use super::envelope::parse_rfc3339;
use super::error::Violation;
use crate::providers::adobe::kind::{COMPONENT_MEMBERS, Kind};

const OFFER_STATUSES: &[&str] = &["draft", "approved", "archived"];
const ACTIVITY_STATUSES: &[&str] = &["draft", "live", "archived"];
const FILTER_TYPES: &[&str] = &["offers", "anyTags", "allTags"];
/// The order type of a criterion ranked by a ranking formula (`xdm:function`).
const SCORING_FUNCTION: &str = "scoringFunction";
/// A ranking formula's `xdm:returnType.xdm:type`, in any case (DPS reads it upper-cased).
const RETURN_TYPES: &[&str] = &["integer", "double"];

/// A reference held by an instance: the `@id` it names and the kinds it may name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// JSON pointer of the reference inside the HAL document.
    pub pointer: String,
    pub target: String,
    pub expected: Kind,
}

/// Every reference `instance` (of `kind`) holds, well-formed or not, in document order.
pub fn references(kind: Kind, instance: &Map<String, Value>) -> Vec<Reference> {
    let mut refs = Vec::new();
    let mut push = |pointer: String, value: Option<&Value>, expected: Kind| {
        if let Some(Value::String(target)) = value {
            refs.push(Reference {
                pointer,
                target: target.clone(),
                expected,
            });
        }
    };
    match kind {
        Kind::Offer | Kind::FallbackOffer => {
            if let Some(Value::Array(reps)) = instance.get("xdm:representations") {
                for (i, rep) in reps.iter().enumerate() {
                    push(
                        format!("/_instance/xdm:representations/{i}/xdm:placement"),
                        rep.get("xdm:placement"),
                        Kind::Placement,
                    );
                }
            }
            if let Some(Value::Array(tags)) = instance.get("xdm:tags") {
                for (i, tag) in tags.iter().enumerate() {
                    push(format!("/_instance/xdm:tags/{i}"), Some(tag), Kind::Tag);
                }
            }
            push(
                "/_instance/xdm:selectionConstraint/xdm:eligibilityRule".into(),
                instance
                    .get("xdm:selectionConstraint")
                    .and_then(|c| c.get("xdm:eligibilityRule")),
                Kind::Rule,
            );
        }
        Kind::Filter => {
            let expected = match instance.get("xdm:filterType").and_then(Value::as_str) {
                Some("offers") => Kind::Offer,
                _ => Kind::Tag,
            };
            for key in ["ids", "xdm:ids"] {
                if let Some(Value::Array(ids)) = instance.get(key) {
                    for (i, id) in ids.iter().enumerate() {
                        push(format!("/_instance/{key}/{i}"), Some(id), expected);
                    }
                }
            }
        }
        Kind::Activity => {
            for (key, expected) in [
                ("xdm:placement", Kind::Placement),
                ("xdm:filter", Kind::Filter),
                ("xdm:fallback", Kind::FallbackOffer),
            ] {
                push(format!("/_instance/{key}"), instance.get(key), expected);
            }
            if let Some(Value::Array(criteria)) = instance.get("xdm:criteria") {
                for (i, criterion) in criteria.iter().enumerate() {
                    let base = format!("/_instance/xdm:criteria/{i}");
                    if let Some(Value::Array(placements)) = criterion.get("xdm:placements") {
                        for (j, placement) in placements.iter().enumerate() {
                            push(
                                format!("{base}/xdm:placements/{j}"),
                                Some(placement),
                                Kind::Placement,
                            );
                        }
                    }
                    push(
                        format!("{base}/xdm:optionSelection/xdm:filter"),
                        criterion
                            .get("xdm:optionSelection")
                            .and_then(|s| s.get("xdm:filter")),
                        Kind::Filter,
                    );
                    push(
                        format!("{base}/xdm:profileConstraint/xdm:eligibilityRule"),
                        criterion
                            .get("xdm:profileConstraint")
                            .and_then(|c| c.get("xdm:eligibilityRule")),
                        Kind::Rule,
                    );
                    push(
                        format!("{base}/xdm:rank/xdm:order/xdm:function"),
                        criterion.pointer("/xdm:rank/xdm:order/xdm:function"),
                        Kind::RankingFormula,
                    );
                }
            }
        }
        Kind::Tag | Kind::Placement | Kind::Rule | Kind::RankingFormula => {}
    }
    refs
}

/// Checks `instance` against the rules of `kind`, without looking at other instances.
pub fn check(kind: Kind, instance: &Map<String, Value>) -> Vec<Violation> {
    let mut v = Checker {
        object: instance,
        base: "/_instance".into(),
        out: Vec::new(),
    };
    v.required_string("xdm:name");
    match kind {
        Kind::Tag => {}
        Kind::Placement => {
            v.required_uri("xdm:channel");
            v.required_uri("xdm:componentType");
            v.optional_string_array("xdm:contentTypes");
            v.optional_string("xdm:description");
        }
        Kind::Rule => {
            v.optional_string("xdm:description");
            if let Some(mut condition) = v.required_object("xdm:condition") {
                condition.required_enum("xdm:type", &["PQL"]);
                condition.required_enum("xdm:format", &["pql/text"]);
                condition.required_string("xdm:value");
                v.out.append(&mut condition.out);
            }
        }
        Kind::RankingFormula => {
            v.optional_string("xdm:description");
            if let Some(mut expression) = v.required_object("xdm:expression") {
                expression.required_enum("xdm:type", &["PQL"]);
                expression.required_enum("xdm:format", &["pql/text"]);
                if expression
                    .required_string("xdm:value")
                    .is_some_and(|text| text.trim().is_empty())
                {
                    expression.violation("xdm:value", "must not be empty");
                }
                v.out.append(&mut expression.out);
            }
            if let Some(mut return_type) = v.optional_object("xdm:returnType") {
                if let Some(name) = return_type.required_string("xdm:type")
                    && !RETURN_TYPES.iter().any(|t| t.eq_ignore_ascii_case(name))
                {
                    return_type.violation(
                        "xdm:type",
                        format!("must be one of {}, not {name:?}", RETURN_TYPES.join(", ")),
                    );
                }
                v.out.append(&mut return_type.out);
            }
        }
        Kind::Offer | Kind::FallbackOffer => check_offer(kind, &mut v),
        Kind::Filter => {
            v.required_enum("xdm:filterType", FILTER_TYPES);
            v.optional_string_array("ids");
            v.optional_string_array("xdm:ids");
        }
        Kind::Activity => {
            v.required_enum("xdm:status", ACTIVITY_STATUSES);
            v.date_range("xdm:startDate", "xdm:endDate");
            check_activity_targets(&mut v);
            v.required_string("xdm:fallback");
        }
    }
    v.out
}

/// Where an activity decides: the flat `xdm:placement` + `xdm:filter` (XCore v0.1), or
/// `xdm:criteria` (XCore v0.5 and the DPS form). Instances made in the product UI carry both,
/// so both are accepted together; each form present is checked, and its references too.
fn check_activity_targets(v: &mut Checker<'_>) {
    let Some(criteria) = v.object.get("xdm:criteria") else {
        v.required_string("xdm:placement");
        v.required_string("xdm:filter");
        return;
    };
    v.optional_string("xdm:placement");
    v.optional_string("xdm:filter");
    let Value::Array(criteria) = criteria else {
        v.violation(
            "xdm:criteria",
            format!("must be an array, not {}", type_name(criteria)),
        );
        return;
    };
    if criteria.is_empty() {
        v.violation("xdm:criteria", "must have at least one criterion");
    }
    for (i, criterion) in criteria.iter().enumerate() {
        let Some(mut c) = v.element_object(&format!("xdm:criteria/{i}"), criterion) else {
            continue;
        };
        match c.object.get("xdm:placements") {
            None => c.violation("xdm:placements", "is required"),
            Some(Value::Array(placements)) => {
                if placements.is_empty() {
                    c.violation("xdm:placements", "must name at least one placement");
                }
                c.optional_string_array("xdm:placements");
            }
            Some(other) => c.violation(
                "xdm:placements",
                format!("must be an array, not {}", type_name(other)),
            ),
        }
        if let Some(mut selection) = c.required_object("xdm:optionSelection") {
            selection.required_string("xdm:filter");
            c.out.append(&mut selection.out);
        }
        if let Some(mut profile) = c.optional_object("xdm:profileConstraint") {
            profile.optional_string("xdm:profileConstraintType");
            profile.optional_string("xdm:eligibilityRule");
            c.out.append(&mut profile.out);
        }
        if let Some(mut rank) = c.optional_object("xdm:rank") {
            rank.optional_integer_at_least("xdm:priority", 0);
            if let Some(mut order) = rank.optional_object("xdm:order") {
                let kind = order.optional_string("xdm:orderEvaluationType");
                order.optional_string("xdm:function");
                if kind == Some(SCORING_FUNCTION) && !order.object.contains_key("xdm:function") {
                    order.violation(
                        "xdm:function",
                        "is required when xdm:orderEvaluationType is scoringFunction",
                    );
                }
                rank.out.append(&mut order.out);
            }
            c.out.append(&mut rank.out);
        }
        v.out.append(&mut c.out);
    }
}

fn check_offer(kind: Kind, v: &mut Checker<'_>) {
    v.required_enum("xdm:status", OFFER_STATUSES);
    if let Some(reps) = v.optional_array("xdm:representations") {
        let mut seen: Vec<&str> = Vec::new();
        for (i, rep) in reps.iter().enumerate() {
            let Some(mut rep_v) = v.element_object(&format!("xdm:representations/{i}"), rep) else {
                continue;
            };
            if let Some(placement) = rep_v.required_string("xdm:placement") {
                if seen.contains(&placement) {
                    rep_v.violation(
                        "xdm:placement",
                        format!(
                            "another representation already uses placement {placement}; \
                             each representation needs a different placement"
                        ),
                    );
                }
                seen.push(placement);
            }
            rep_v.optional_string("xdm:channel");
            if let Some(components) = rep_v.optional_array("xdm:components") {
                for (j, component) in components.iter().enumerate() {
                    let Some(mut c) =
                        rep_v.element_object(&format!("xdm:components/{j}"), component)
                    else {
                        continue;
                    };
                    c.required_string("@type");
                    c.optional_string_array("dc:language");
                    let text = COMPONENT_MEMBERS
                        .iter()
                        .filter(|key| !matches!(**key, "@type" | "dc:language"));
                    for key in text {
                        c.optional_string(key);
                    }
                    rep_v.out.append(&mut c.out);
                }
            }
            v.out.append(&mut rep_v.out);
        }
    }
    if let Some(tags) = v.optional_array("xdm:tags") {
        for (i, tag) in tags.iter().enumerate() {
            if !tag.is_string() {
                v.violation(&format!("xdm:tags/{i}"), "must be a string (a tag @id)");
            }
        }
    }
    if let Some(characteristics) = v.optional_object("xdm:characteristics") {
        for (key, value) in characteristics.object {
            if !value.is_string() {
                v.violation(
                    &format!("xdm:characteristics/{}", escape_pointer(key)),
                    "characteristic values must be strings",
                );
            }
        }
    }
    let constraints = [
        "xdm:selectionConstraint",
        "xdm:rank",
        "xdm:cappingConstraint",
    ];
    if kind == Kind::FallbackOffer {
        for key in constraints {
            if v.object
                .get(key)
                .is_some_and(|value| !is_neutral_constraint(key, value))
            {
                v.violation(key, "fallback offers cannot have constraints");
            }
        }
        return;
    }
    if let Some(mut selection) = v.optional_object("xdm:selectionConstraint") {
        selection.date_range("xdm:startDate", "xdm:endDate");
        selection.optional_string("xdm:eligibilityRule");
        v.out.append(&mut selection.out);
    }
    if let Some(mut rank) = v.optional_object("xdm:rank") {
        rank.optional_integer_at_least("xdm:priority", 0);
        v.out.append(&mut rank.out);
    }
    if let Some(mut capping) = v.optional_object("xdm:cappingConstraint") {
        capping.optional_integer_at_least("xdm:globalCap", 1);
        capping.optional_integer_at_least("xdm:profileCap", 1);
        v.out.append(&mut capping.out);
    }
}

/// Whether a fallback offer's constraint property constrains nothing. Adobe's fallback pages
/// show fallbacks carrying `selectionConstraint: {profileConstraintType: none}` and a `rank`
/// (reference §2.3): a selection constraint without rule, dates or another profile constraint
/// type, any rank (a fallback is never ranked against others) and an empty capping constraint
/// are accepted; anything that would restrict when the fallback is shown is not.
fn is_neutral_constraint(key: &str, value: &Value) -> bool {
    let Some(members) = value.as_object() else {
        return false;
    };
    match key {
        "xdm:selectionConstraint" => members.iter().all(|(member, value)| {
            member == "xdm:profileConstraintType" && value.as_str() == Some("none")
        }),
        "xdm:rank" => members
            .iter()
            .all(|(member, value)| member == "xdm:priority" && value.is_i64()),
        _ => members.is_empty(),
    }
}

/// Escapes a property name for use inside a JSON pointer (RFC 6901).
pub fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Checks properties of one JSON object, recording violations under `base`.
struct Checker<'a> {
    object: &'a Map<String, Value>,
    base: String,
    out: Vec<Violation>,
}

impl<'a> Checker<'a> {
    fn pointer(&self, key: &str) -> String {
        format!("{}/{}", self.base, key)
    }

    fn violation(&mut self, key: &str, message: impl Into<String>) {
        let pointer = self.pointer(key);
        self.out.push(Violation::new(pointer, message));
    }

    fn present(&mut self, key: &str) -> Option<&'a Value> {
        match self.object.get(key) {
            None => {
                self.violation(key, "is required");
                None
            }
            Some(value) => Some(value),
        }
    }

    fn required_string(&mut self, key: &str) -> Option<&'a str> {
        let value = self.present(key)?;
        self.string_value(key, value)
    }

    fn optional_string(&mut self, key: &str) -> Option<&'a str> {
        let value = self.object.get(key)?;
        self.string_value(key, value)
    }

    fn string_value(&mut self, key: &str, value: &'a Value) -> Option<&'a str> {
        match value.as_str() {
            Some("") if key == "xdm:name" => {
                self.violation(key, "must not be empty");
                None
            }
            Some(text) => Some(text),
            None => {
                self.violation(key, format!("must be a string, not {}", type_name(value)));
                None
            }
        }
    }

    fn required_uri(&mut self, key: &str) {
        if let Some(text) = self.required_string(key)
            && !looks_like_uri(text)
        {
            self.violation(key, format!("must be a URI, not {text:?}"));
        }
    }

    fn required_enum(&mut self, key: &str, allowed: &[&str]) {
        if let Some(text) = self.required_string(key)
            && !allowed.contains(&text)
        {
            self.violation(
                key,
                format!("must be one of {}, not {text:?}", allowed.join(", ")),
            );
        }
    }

    fn optional_array(&mut self, key: &str) -> Option<&'a Vec<Value>> {
        match self.object.get(key)? {
            Value::Array(items) => Some(items),
            other => {
                self.violation(key, format!("must be an array, not {}", type_name(other)));
                None
            }
        }
    }

    fn optional_string_array(&mut self, key: &str) {
        if let Some(items) = self.optional_array(key) {
            for (i, item) in items.iter().enumerate() {
                if !item.is_string() {
                    self.violation(&format!("{key}/{i}"), "must be a string");
                }
            }
        }
    }

    fn nested(&self, key: &str, object: &'a Map<String, Value>) -> Checker<'a> {
        Checker {
            object,
            base: self.pointer(key),
            out: Vec::new(),
        }
    }

    fn element_object(&mut self, key: &str, value: &'a Value) -> Option<Checker<'a>> {
        match value {
            Value::Object(object) => Some(self.nested(key, object)),
            other => {
                self.violation(key, format!("must be an object, not {}", type_name(other)));
                None
            }
        }
    }

    fn required_object(&mut self, key: &str) -> Option<Checker<'a>> {
        let value = self.present(key)?;
        self.element_object(key, value)
    }

    fn optional_object(&mut self, key: &str) -> Option<Checker<'a>> {
        let value = self.object.get(key)?;
        self.element_object(key, value)
    }

    fn optional_integer_at_least(&mut self, key: &str, minimum: i64) {
        let Some(value) = self.object.get(key) else {
            return;
        };
        match value.as_i64() {
            Some(n) if n >= minimum => {}
            Some(n) => self.violation(key, format!("must be at least {minimum}, not {n}")),
            None if value.as_u64().is_some() => {}
            None => self.violation(key, format!("must be an integer, not {value}")),
        }
    }

    fn date_range(&mut self, start_key: &str, end_key: &str) {
        let start = self.optional_date(start_key);
        let end = self.optional_date(end_key);
        if let (Some(start), Some(end)) = (start, end)
            && start > end
        {
            self.violation(start_key, format!("must not be later than {end_key}"));
        }
    }

    fn optional_date(&mut self, key: &str) -> Option<time::OffsetDateTime> {
        let text = self.optional_string(key)?;
        let parsed = parse_rfc3339(text);
        if parsed.is_none() {
            self.violation(key, format!("must be an RFC 3339 date-time, not {text:?}"));
        }
        parsed
    }
}

fn looks_like_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !text.chars().any(char::is_whitespace)
}

pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// `found` holds one violation starting with each of `expect`, and no other.
    fn assert_each_once(found: &[String], expect: &[&str]) {
        for prefix in expect {
            assert!(
                found.iter().any(|v| v.starts_with(prefix)),
                "{prefix} not in {found:#?}"
            );
        }
        assert_eq!(found.len(), expect.len(), "{found:#?}");
    }

    fn violations(kind: Kind, instance: Value) -> Vec<String> {
        let map = instance.as_object().cloned().unwrap_or_default();
        check(kind, &map)
            .into_iter()
            .map(|v| v.to_string())
            .collect()
    }

    #[test]
    fn seed_examples_are_valid() {
        assert!(violations(Kind::Tag, json!({"xdm:name": "credit card"})).is_empty());
        let placement = json!({
            "xdm:name": "Kiosk Placement 1",
            "xdm:channel": "https://ns.adobe.com/xdm/channels/web",
            "xdm:componentType": "https://ns.adobe.com/experience/offer-management/content-component-imagelink",
            "xdm:contentTypes": ["image/png", "image/png"],
            "xdm:description": "Generic placeholder"
        });
        assert!(violations(Kind::Placement, placement).is_empty());
    }

    #[test]
    fn offer_rules_name_the_property() {
        let offer = json!({
            "xdm:name": "o", "xdm:status": "live",
            "xdm:rank": {"xdm:priority": -1},
            "xdm:cappingConstraint": {"xdm:globalCap": 0, "xdm:profileCap": 1.5},
            "xdm:representations": [
                {"xdm:placement": "xcore:offer-placement:1"},
                {"xdm:placement": "xcore:offer-placement:1"}
            ],
            "xdm:selectionConstraint": {"xdm:startDate": "2020-02-01T00:00:00Z", "xdm:endDate": "2020-01-01T00:00:00Z"},
            "xdm:characteristics": {"a": 1},
            "offerui:previewThumbnail": {"anything": true}
        });
        let found = violations(Kind::Offer, offer);
        let expect = [
            "/_instance/xdm:status: must be one of draft, approved, archived",
            "/_instance/xdm:representations/1/xdm:placement: another representation",
            "/_instance/xdm:characteristics/a:",
            "/_instance/xdm:selectionConstraint/xdm:startDate: must not be later",
            "/_instance/xdm:rank/xdm:priority: must be at least 0",
            "/_instance/xdm:cappingConstraint/xdm:globalCap: must be at least 1",
            "/_instance/xdm:cappingConstraint/xdm:profileCap: must be an integer",
        ];
        assert_each_once(&found, &expect);
    }

    #[test]
    fn fallback_offers_reject_constraints_but_accept_the_documented_neutral_ones() {
        let neutral = json!({"xdm:name": "f", "xdm:status": "approved",
            "xdm:selectionConstraint": {"xdm:profileConstraintType": "none"},
            "xdm:rank": {"xdm:priority": 0}, "xdm:cappingConstraint": {}});
        assert_eq!(
            violations(Kind::FallbackOffer, neutral),
            Vec::<String>::new()
        );
        let constrained = json!({"xdm:name": "f", "xdm:status": "approved",
            "xdm:selectionConstraint": {"xdm:eligibilityRule": "xcore:eligibility-rule:1"},
            "xdm:rank": {"xdm:priority": 1, "xdm:order": {}},
            "xdm:cappingConstraint": {"xdm:globalCap": 3}});
        assert_eq!(
            violations(Kind::FallbackOffer, constrained),
            vec![
                "/_instance/xdm:selectionConstraint: fallback offers cannot have constraints",
                "/_instance/xdm:rank: fallback offers cannot have constraints",
                "/_instance/xdm:cappingConstraint: fallback offers cannot have constraints",
            ]
        );
    }

    #[test]
    fn activities_take_flat_or_criteria_form() {
        let criteria = json!({
            "xdm:name": "a", "xdm:status": "live", "xdm:fallback": "xcore:fallback-offer:1",
            "xdm:criteria": [{
                "xdm:placements": ["xcore:offer-placement:1", "dps:offer-placement:2"],
                "xdm:optionSelection": {"xdm:filter": "xcore:offer-filter:1"},
                "xdm:profileConstraint": {"xdm:profileConstraintType": "eligibilityRule",
                                          "xdm:eligibilityRule": "xcore:eligibility-rule:1"},
                "xdm:rank": {"xdm:priority": 2, "xdm:order": {}}
            }]
        });
        assert!(violations(Kind::Activity, criteria.clone()).is_empty());
        // The product UI stores both forms at once.
        let mut both = criteria.clone();
        both["xdm:placement"] = json!("xcore:offer-placement:1");
        both["xdm:filter"] = json!("xcore:offer-filter:1");
        assert!(violations(Kind::Activity, both).is_empty());
        let refs = references(Kind::Activity, criteria.as_object().expect("object"));
        let pointers: Vec<(&str, Kind)> = refs
            .iter()
            .map(|r| (r.pointer.as_str(), r.expected))
            .collect();
        assert_eq!(
            pointers,
            vec![
                ("/_instance/xdm:fallback", Kind::FallbackOffer),
                (
                    "/_instance/xdm:criteria/0/xdm:placements/0",
                    Kind::Placement
                ),
                (
                    "/_instance/xdm:criteria/0/xdm:placements/1",
                    Kind::Placement
                ),
                (
                    "/_instance/xdm:criteria/0/xdm:optionSelection/xdm:filter",
                    Kind::Filter
                ),
                (
                    "/_instance/xdm:criteria/0/xdm:profileConstraint/xdm:eligibilityRule",
                    Kind::Rule
                ),
            ]
        );
        let bad = json!({
            "xdm:name": "a", "xdm:status": "live", "xdm:fallback": "f", "xdm:placement": 1,
            "xdm:criteria": [{"xdm:placements": [], "xdm:rank": {"xdm:priority": -1}}, 3]
        });
        let found = violations(Kind::Activity, bad);
        let expect = [
            "/_instance/xdm:placement: must be a string",
            "/_instance/xdm:criteria/0/xdm:placements: must name at least one",
            "/_instance/xdm:criteria/0/xdm:optionSelection: is required",
            "/_instance/xdm:criteria/0/xdm:rank/xdm:priority: must be at least 0",
            "/_instance/xdm:criteria/1: must be an object",
        ];
        assert_each_once(&found, &expect);
        let empty = json!({"xdm:name": "a", "xdm:status": "live", "xdm:fallback": "f",
                           "xdm:criteria": []});
        assert_eq!(
            violations(Kind::Activity, empty),
            vec!["/_instance/xdm:criteria: must have at least one criterion"]
        );
    }

    #[test]
    fn references_follow_the_filter_type() {
        let filter = json!({"xdm:name": "f", "xdm:filterType": "offers", "xdm:ids": ["xcore:personalized-offer:1"]});
        let refs = references(Kind::Filter, filter.as_object().expect("object"));
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].expected, Kind::Offer);
        assert_eq!(refs[0].pointer, "/_instance/xdm:ids/0");
    }
}
