//! Dates: literals, comparisons, and every form of `occurs`. Now is Saturday 2024-06-15 12:00 UTC;
//! `lastLogin` is 2024-06-14T08:30Z, `person.birthDate` the day 1985-03-10.

use time::macros::datetime;

use super::{PqlValue, blamed, truths, unevaluable, unevaluable_because, value};

#[test]
fn time_words_and_date_literals() {
    for (text, date) in [
        ("now", datetime!(2024-06-15 12:00:00 UTC)),
        ("today", datetime!(2024-06-15 00:00:00 UTC)),
        ("yesterday", datetime!(2024-06-14 00:00:00 UTC)),
        ("tomorrow", datetime!(2024-06-16 00:00:00 UTC)),
        ("date(1981, 1, 1)", datetime!(1981-01-01 00:00:00 UTC)),
        (
            "date(2024, 2, 29, 13, 5, 9)",
            datetime!(2024-02-29 13:05:09 UTC),
        ),
    ] {
        assert_eq!(value(text), PqlValue::Date(date), "{text}");
    }
    assert_eq!(value("date(nosuch, 1, 1)"), PqlValue::Null);
}

#[test]
fn bad_dates_are_unevaluable() {
    assert!(
        unevaluable("date(2023, 2, 29)")
            .reason
            .starts_with("invalid date")
    );
    unevaluable_because(&[
        ("date(2024, 13, 1)", "no month 13"),
        ("date(2024, 1)", "`date()` takes 3 or 6 arguments, got 2"),
        (
            "date(2024, 1.5, 1)",
            "`date()` needs whole numbers, got 1.5",
        ),
    ]);
    assert_eq!(blamed("date(2024, 1.5, 1)"), "1.5");
    assert_eq!(blamed("badDate occurs before now"), "badDate");
    unevaluable_because(&[
        (
            "badDate occurs before now",
            "\"last tuesday\" is not an ISO-8601 date",
        ),
        ("badDate < now", "\"last tuesday\" is not an ISO-8601 date"),
        ("creditScore occurs before now", "a number is not a date"),
    ]);
}

#[test]
fn iso_strings_compare_as_dates_against_dates() {
    truths(&[
        ("lastLogin < now", true),
        ("lastLogin > date(2024, 6, 13)", true),
        // a whole day on either side compares UTC dates
        ("lastLogin = date(2024, 6, 14)", true),
        ("date(2024, 6, 14) = lastLogin", true),
        ("lastLogin < today", true),
        ("lastLogin >= today", false),
        ("signupDate = date(2024, 1, 31)", true),
        ("signupDate != date(2024, 2, 1)", true),
        // instants compare exactly
        ("lastLogin = date(2024, 6, 14, 8, 30, 0)", true),
        ("lastLogin = date(2024, 6, 14, 8, 30, 1)", false),
        // offsets are honoured: 23:00 at -05:00 is the 28th in UTC
        ("\"2022-07-27T23:00:00-05:00\" = date(2022, 7, 28)", true),
        (
            "\"2022-07-27T05:00:00.000+00:00\" = date(2022, 7, 27, 5, 0, 0)",
            true,
        ),
        ("\"2022-07-27T05:00:00\" = date(2022, 7, 27, 5, 0, 0)", true),
        // two strings are just strings
        ("signupDate < \"2024-02-01\"", true),
        // null: false
        ("nosuch < now", false),
        ("now > nosuch", false),
    ]);
}

#[test]
fn occurs_before_after_on() {
    truths(&[
        ("lastLogin occurs before now", true),
        ("lastLogin occurs after now", false),
        ("lastLogin occurs on yesterday", true),
        ("lastLogin occurs yesterday", true),
        ("lastLogin occurs on today", false),
        ("lastLogin occurs before today", true),
        // after a whole day means from the next day on
        ("lastLogin occurs after yesterday", false),
        ("lastLogin occurs after date(2024, 6, 13)", true),
        ("person.birthDate occurs after date(1981, 1, 1)", true),
        ("person.birthDate occurs after date(1985, 3, 10)", false),
        ("person.birthDate occurs before date(1985, 3, 10)", false),
        ("person.birthDate occurs on date(1985, 3, 10)", true),
        // instants: strict
        ("lastLogin occurs after date(2024, 6, 14, 8, 30, 0)", false),
        ("lastLogin occurs before date(2024, 6, 14, 8, 30, 1)", true),
    ]);
}

#[test]
fn occurs_between_is_inclusive() {
    truths(&[
        (
            "lastLogin occurs between date(2024, 6, 14, 8, 30, 0) and now",
            true,
        ),
        ("lastLogin occurs between yesterday and yesterday", true),
        ("lastLogin occurs between today and tomorrow", false),
        (
            "person.birthDate occurs between date(1985, 3, 10) and date(1985, 3, 10)",
            true,
        ),
        (
            "person.birthDate occurs between date(1985, 3, 11) and today",
            false,
        ),
    ]);
}

#[test]
fn occurs_with_null_is_false() {
    truths(&[
        ("nosuch occurs before now", false),
        ("lastLogin occurs before nosuch", false),
        ("lastLogin occurs between nosuch and now", false),
        ("lastLogin occurs <= 3 days before nosuch", false),
        ("lastLogin occurs <= nosuch days before now", false),
        ("not (nosuch occurs before now)", true),
    ]);
}

#[test]
fn occurs_within_n_units_before() {
    // boundary: now − 1 day = 06-14 12:00; lastLogin is 3.5 hours before it
    truths(&[
        ("lastLogin occurs <= 1 day before now", false),
        ("lastLogin occurs <= 2 days before now", true),
        ("lastLogin occurs < 2 days before now", true),
        ("lastLogin occurs >= 1 day before now", true),
        ("lastLogin occurs > 1 day before now", true),
        ("lastLogin occurs >= 2 days before now", false),
        // lastLogin is 27.5 hours (1650 minutes) before now; the boundary is inclusive
        ("lastLogin occurs <= 27 hours before now", false),
        ("lastLogin occurs <= 28 hours before now", true),
        ("lastLogin occurs <= 1649 minutes before now", false),
        ("lastLogin occurs <= 1650 minutes before now", true),
        ("lastLogin occurs < 1650 minutes before now", false),
        ("lastLogin occurs >= 1650 minutes before now", true),
        ("lastLogin occurs > 1650 minutes before now", false),
        // `=`: in the same unit as the boundary
        ("lastLogin occurs = 1 day before now", true),
        ("lastLogin occurs = 2 days before now", false),
        ("lastLogin occurs != 2 days before now", true),
        ("lastLogin occurs 1 day before now", true),
        // weeks start on Sunday: now − 1 week is Saturday 06-08, in the week of Sunday 06-02
        ("date(2024, 6, 2, 0, 0, 0) occurs = 1 week before now", true),
        (
            "date(2024, 6, 1, 23, 59, 59) occurs = 1 week before now",
            false,
        ),
        // the future is not "before"
        ("tomorrow occurs <= 3 days before now", false),
    ]);
}

#[test]
fn occurs_within_whole_days() {
    truths(&[
        ("lastLogin occurs <= 1 day before today", true),
        ("lastLogin occurs < 1 day before today", false),
        ("lastLogin occurs = 1 day before today", true),
        ("person.birthDate occurs >= 18 years before today", true),
        ("person.birthDate occurs < 18 years before today", false),
        // calendar months, clamped to the month's end: 31 March − 1 month = 29 February 2024
        (
            "date(2024, 2, 29) occurs >= 1 month before date(2024, 3, 31)",
            true,
        ),
        (
            "date(2024, 3, 1) occurs >= 1 month before date(2024, 3, 31)",
            false,
        ),
        (
            "signupDate occurs <= 4 months before date(2024, 5, 31)",
            true,
        ),
        (
            "signupDate occurs < 4 months before date(2024, 5, 31)",
            false,
        ),
        (
            "signupDate occurs = 4 months before date(2024, 5, 15)",
            true,
        ),
    ]);
}

#[test]
fn occurs_within_n_units_after() {
    // offer end: 2024-07-01T00:00Z; now + 2 weeks = 06-29 12:00, + 3 weeks = 07-06 12:00
    truths(&[
        (
            "offer.selectionConstraint.endDate occurs <= 3 weeks after now",
            true,
        ),
        (
            "offer.selectionConstraint.endDate occurs <= 2 weeks after now",
            false,
        ),
        (
            "offer.selectionConstraint.endDate occurs > 2 weeks after now",
            true,
        ),
        (
            "offer.selectionConstraint.endDate occurs >= 15 days from now",
            true,
        ),
        ("tomorrow occurs <= 1 day after today", true),
        ("yesterday occurs <= 1 day after today", false),
        ("tomorrow occurs = 1 day after today", true),
    ]);
}

#[test]
fn big_units_and_their_limits() {
    truths(&[
        ("lastLogin occurs <= 1 decade before now", true),
        ("person.birthDate occurs <= 1 century before now", true),
        ("person.birthDate occurs <= 1 millennium before now", true),
        (
            "lastLogin occurs < 1000 milliseconds after date(2024, 6, 14, 8, 30, 0)",
            true,
        ),
    ]);
    assert_eq!(
        unevaluable("lastLogin occurs <= 20000 years before now").reason,
        "date out of range"
    );
}

#[test]
fn occurs_amounts_must_be_whole_and_not_negative() {
    unevaluable_because(&[
        (
            "lastLogin occurs <= 1.5 days before now",
            "the amount of time must be a whole number ≥ 0, got 1.5",
        ),
        (
            "lastLogin occurs <= -1 days before now",
            "the amount of time must be a whole number ≥ 0, got -1",
        ),
        (
            "lastLogin occurs <= zip days before now",
            "the amount of time must be a whole number ≥ 0, got \"95112\"",
        ),
    ]);
}

#[test]
fn counting_events_in_a_window() {
    // flights since 2023-12-15 12:00: 05-01, 03-01, 02-01, 01-01 (LH123) and 06-01 (LH999)
    assert_eq!(
        value(
            "(select e from xEvent where e.type = \"flight\" and e.timestamp occurs <= 6 months before now).count()"
        ),
        PqlValue::Number(5.0)
    );
}
