//! What a value means, whatever its spelling: the typed part of the diff's normal form.
//!
//! Services read values back in their own spelling (an instant written `…T05:59:59Z` comes back
//! `…T05:59:59.000+00:00`, an enum upper-cased, a number as text). A provider declares the type
//! of the scalar fields it maps ([`super::Rules::types`]); the diff compares each by its
//! [`canonical`] form, and patches still carry the desired document's own spelling.

use serde_json::{Number, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The type of a scalar field, which says when two spellings mean the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// A point in time: RFC 3339 with 0–9 fractional digits, `Z` or any offset. Text that is no
    /// such instant compares as text.
    Instant,
    /// A number, whether sent as a JSON number or as text (`1`, `1.0` and `"1"` are equal).
    Number,
    /// One word of a fixed set, compared under its case rule.
    Enum(Case),
    /// Free text: compared byte for byte (the default for undeclared fields).
    Text,
}

/// How an enum's words compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// `integer` and `INTEGER` are one word.
    Insensitive,
    /// Only the same letters are the same word.
    Exact,
}

/// An RFC 3339 instant (`2026-03-01T05:59:59Z`, `2026-03-01T06:59:59.000+01:00`; `t`/`z` in
/// lower case too), or `None`.
pub fn instant(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(&text.to_ascii_uppercase(), &Rfc3339))
        .ok()
}

/// The form of `value` that is equal for every spelling of one meaning under `ty`. Values that
/// are not of the type (a word where a number belongs) are left as they are, so that they
/// compare as written.
pub fn canonical(ty: Type, value: &Value) -> Value {
    match (ty, value) {
        (Type::Instant, Value::String(text)) => match instant(text) {
            Some(at) => Value::String(format!("@{}", at.unix_timestamp_nanos())),
            None => value.clone(),
        },
        (Type::Number, Value::Number(n)) => number(n).unwrap_or_else(|| value.clone()),
        (Type::Number, Value::String(text)) => text
            .trim()
            .parse::<Number>()
            .ok()
            .and_then(|n| number(&n))
            .unwrap_or_else(|| value.clone()),
        (Type::Enum(Case::Insensitive), Value::String(word)) => Value::String(word.to_lowercase()),
        _ => value.clone(),
    }
}

/// One form per numeric value: integers as integers, and floats with no fraction (`1.0`) as
/// the integer they equal, when it is exactly representable.
fn number(n: &Number) -> Option<Value> {
    if n.is_i64() || n.is_u64() {
        return Some(Value::Number(n.clone()));
    }
    let float = n.as_f64()?;
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if float.fract() == 0.0 && float.abs() <= EXACT {
        return Some(Value::from(float as i64));
    }
    Number::from_f64(float).map(Value::Number)
}

/// Whether `a` and `b` mean the same under `ty`.
pub fn same(ty: Type, a: &Value, b: &Value) -> bool {
    a == b || canonical(ty, a) == canonical(ty, b)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;
    use time::{Duration, UtcOffset};

    use super::*;

    #[test]
    fn instants_compare_as_instants() {
        let one = [
            "2026-03-01T05:59:59Z",
            "2026-03-01T05:59:59.000Z",
            "2026-03-01T05:59:59.000000Z",
            "2026-03-01T05:59:59.000000000Z",
            "2026-03-01T05:59:59.000+00:00",
            "2026-03-01T06:59:59+01:00",
            "2026-03-01T00:29:59-05:30",
            "2026-03-01t05:59:59z",
        ];
        for spelling in one {
            assert!(
                same(Type::Instant, &json!(one[0]), &json!(spelling)),
                "{spelling}"
            );
        }
        assert!(!same(
            Type::Instant,
            &json!("2026-03-01T05:59:59Z"),
            &json!("2026-03-01T05:59:59.001Z")
        ));
        // Not an instant: compared as written.
        assert!(!same(Type::Instant, &json!("soon"), &json!("Soon")));
        assert!(same(Type::Instant, &json!("soon"), &json!("soon")));
    }

    #[test]
    fn numbers_compare_as_numbers() {
        for spelling in [
            json!(100),
            json!(100.0),
            json!("100"),
            json!(" 100 "),
            json!("1e2"),
        ] {
            assert!(same(Type::Number, &json!(100), &spelling), "{spelling}");
        }
        assert!(same(Type::Number, &json!(0.5), &json!("0.5")));
        assert!(!same(Type::Number, &json!(100), &json!(101)));
        assert!(!same(Type::Number, &json!(100), &json!("100 coins")));
        // Without a type, a number and its text differ.
        assert!(!same(Type::Text, &json!(100), &json!("100")));
    }

    #[test]
    fn enums_follow_their_case_rule() {
        let (upper, lower) = (json!("INTEGER"), json!("integer"));
        assert!(same(Type::Enum(Case::Insensitive), &upper, &lower));
        assert!(!same(Type::Enum(Case::Exact), &upper, &lower));
        assert!(!same(
            Type::Enum(Case::Insensitive),
            &upper,
            &json!("number")
        ));
    }

    /// An instant between 1970 and 2200, with nanoseconds.
    fn any_instant() -> impl Strategy<Value = OffsetDateTime> {
        (0i64..7_258_118_400, 0u32..1_000_000_000).prop_map(|(seconds, nanos)| {
            OffsetDateTime::from_unix_timestamp(seconds).expect("in range")
                + Duration::nanoseconds(i64::from(nanos))
        })
    }

    /// One RFC 3339 spelling of `at`: in the zone at `offset_minutes`, with `digits` fractional
    /// digits when they lose nothing (the nanoseconds always fit in nine), `Z` or `+00:00`.
    fn spell(at: OffsetDateTime, offset_minutes: i32, digits: usize, zulu: bool) -> String {
        let offset = UtcOffset::from_whole_seconds(offset_minutes * 60).expect("offset");
        let local = at.to_offset(offset);
        let nanos = local.nanosecond();
        let fraction = format!("{nanos:09}");
        let needed = fraction.trim_end_matches('0').len();
        let digits = digits.max(needed);
        let fraction = if digits == 0 {
            String::new()
        } else {
            format!(".{}", &fraction[..digits])
        };
        let zone = if offset_minutes == 0 && zulu {
            "Z".to_string()
        } else {
            let sign = if offset_minutes < 0 { '-' } else { '+' };
            let m = offset_minutes.abs();
            format!("{sign}{:02}:{:02}", m / 60, m % 60)
        };
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{fraction}{zone}",
            local.year(),
            u8::from(local.month()),
            local.day(),
            local.hour(),
            local.minute(),
            local.second()
        )
    }

    proptest! {
        #[test]
        fn any_two_spellings_of_one_instant_compare_equal(
            at in any_instant(),
            a in (-12 * 60i32..=14 * 60, 0usize..=9, any::<bool>()),
            b in (-12 * 60i32..=14 * 60, 0usize..=9, any::<bool>()),
        ) {
            let (one, other) = (spell(at, a.0, a.1, a.2), spell(at, b.0, b.1, b.2));
            prop_assert!(instant(&one).is_some(), "{one} parses");
            prop_assert!(same(Type::Instant, &json!(one), &json!(other)), "{one} vs {other}");
        }

        #[test]
        fn instants_one_millisecond_apart_do_not(
            at in any_instant(),
            a in (-12 * 60i32..=14 * 60, 0usize..=9, any::<bool>()),
            b in (-12 * 60i32..=14 * 60, 0usize..=9, any::<bool>()),
        ) {
            let later = at + Duration::milliseconds(1);
            let (one, other) = (spell(at, a.0, a.1, a.2), spell(later, b.0, b.1, b.2));
            prop_assert!(!same(Type::Instant, &json!(one), &json!(other)), "{one} vs {other}");
        }
    }
}
