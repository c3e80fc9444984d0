//! Dates: literals, comparisons, and every form of `occurs`. Now is Saturday 2024-06-15 12:00 UTC;
//! `lastLogin` is 2024-06-14T08:30Z, `person.birthDate` the day 1985-03-10.

use time::macros::datetime;

use super::{PqlValue, blamed, truth, unevaluable, value};

#[test]
fn time_words_and_date_literals() {
    assert_eq!(
        value("now"),
        PqlValue::Date(datetime!(2024-06-15 12:00:00 UTC))
    );
    assert_eq!(
        value("today"),
        PqlValue::Date(datetime!(2024-06-15 00:00:00 UTC))
    );
    assert_eq!(
        value("yesterday"),
        PqlValue::Date(datetime!(2024-06-14 00:00:00 UTC))
    );
    assert_eq!(
        value("tomorrow"),
        PqlValue::Date(datetime!(2024-06-16 00:00:00 UTC))
    );
    assert_eq!(
        value("date(1981, 1, 1)"),
        PqlValue::Date(datetime!(1981-01-01 00:00:00 UTC))
    );
    assert_eq!(
        value("date(2024, 2, 29, 13, 5, 9)"),
        PqlValue::Date(datetime!(2024-02-29 13:05:09 UTC))
    );
    assert_eq!(value("date(nosuch, 1, 1)"), PqlValue::Null);
}

#[test]
fn bad_dates_are_unevaluable() {
    assert!(
        unevaluable("date(2023, 2, 29)")
            .reason
            .starts_with("invalid date")
    );
    assert_eq!(unevaluable("date(2024, 13, 1)").reason, "no month 13");
    assert_eq!(
        unevaluable("date(2024, 1)").reason,
        "`date()` takes 3 or 6 arguments, got 2"
    );
    assert_eq!(
        unevaluable("date(2024, 1.5, 1)").reason,
        "`date()` needs whole numbers, got 1.5"
    );
    assert_eq!(blamed("date(2024, 1.5, 1)"), "1.5");
    assert_eq!(
        unevaluable("badDate occurs before now").reason,
        "\"last tuesday\" is not an ISO-8601 date"
    );
    assert_eq!(blamed("badDate occurs before now"), "badDate");
    assert_eq!(
        unevaluable("badDate < now").reason,
        "\"last tuesday\" is not an ISO-8601 date"
    );
    assert_eq!(
        unevaluable("creditScore occurs before now").reason,
        "a number is not a date"
    );
}

#[test]
fn iso_strings_compare_as_dates_against_dates() {
    assert!(truth("lastLogin < now"));
    assert!(truth("lastLogin > date(2024, 6, 13)"));
    // a whole day on either side compares UTC dates
    assert!(truth("lastLogin = date(2024, 6, 14)"));
    assert!(truth("date(2024, 6, 14) = lastLogin"));
    assert!(truth("lastLogin < today"));
    assert!(!truth("lastLogin >= today"));
    assert!(truth("signupDate = date(2024, 1, 31)"));
    assert!(truth("signupDate != date(2024, 2, 1)"));
    // instants compare exactly
    assert!(truth("lastLogin = date(2024, 6, 14, 8, 30, 0)"));
    assert!(!truth("lastLogin = date(2024, 6, 14, 8, 30, 1)"));
    // offsets are honoured: 23:00 at -05:00 is the 28th in UTC
    assert!(truth("\"2022-07-27T23:00:00-05:00\" = date(2022, 7, 28)"));
    assert!(truth(
        "\"2022-07-27T05:00:00.000+00:00\" = date(2022, 7, 27, 5, 0, 0)"
    ));
    assert!(truth(
        "\"2022-07-27T05:00:00\" = date(2022, 7, 27, 5, 0, 0)"
    ));
    // two strings are just strings
    assert!(truth("signupDate < \"2024-02-01\""));
    // null: false
    assert!(!truth("nosuch < now"));
    assert!(!truth("now > nosuch"));
}

#[test]
fn occurs_before_after_on() {
    assert!(truth("lastLogin occurs before now"));
    assert!(!truth("lastLogin occurs after now"));
    assert!(truth("lastLogin occurs on yesterday"));
    assert!(truth("lastLogin occurs yesterday"));
    assert!(!truth("lastLogin occurs on today"));
    assert!(truth("lastLogin occurs before today"));
    // after a whole day means from the next day on
    assert!(!truth("lastLogin occurs after yesterday"));
    assert!(truth("lastLogin occurs after date(2024, 6, 13)"));
    assert!(truth("person.birthDate occurs after date(1981, 1, 1)"));
    assert!(!truth("person.birthDate occurs after date(1985, 3, 10)"));
    assert!(!truth("person.birthDate occurs before date(1985, 3, 10)"));
    assert!(truth("person.birthDate occurs on date(1985, 3, 10)"));
    // instants: strict
    assert!(!truth("lastLogin occurs after date(2024, 6, 14, 8, 30, 0)"));
    assert!(truth("lastLogin occurs before date(2024, 6, 14, 8, 30, 1)"));
}

#[test]
fn occurs_between_is_inclusive() {
    assert!(truth(
        "lastLogin occurs between date(2024, 6, 14, 8, 30, 0) and now"
    ));
    assert!(truth("lastLogin occurs between yesterday and yesterday"));
    assert!(!truth("lastLogin occurs between today and tomorrow"));
    assert!(truth(
        "person.birthDate occurs between date(1985, 3, 10) and date(1985, 3, 10)"
    ));
    assert!(!truth(
        "person.birthDate occurs between date(1985, 3, 11) and today"
    ));
}

#[test]
fn occurs_with_null_is_false() {
    assert!(!truth("nosuch occurs before now"));
    assert!(!truth("lastLogin occurs before nosuch"));
    assert!(!truth("lastLogin occurs between nosuch and now"));
    assert!(!truth("lastLogin occurs <= 3 days before nosuch"));
    assert!(!truth("lastLogin occurs <= nosuch days before now"));
    assert!(truth("not (nosuch occurs before now)"));
}

#[test]
fn occurs_within_n_units_before() {
    // boundary: now − 1 day = 06-14 12:00; lastLogin is 3.5 hours before it
    assert!(!truth("lastLogin occurs <= 1 day before now"));
    assert!(truth("lastLogin occurs <= 2 days before now"));
    assert!(truth("lastLogin occurs < 2 days before now"));
    assert!(truth("lastLogin occurs >= 1 day before now"));
    assert!(truth("lastLogin occurs > 1 day before now"));
    assert!(!truth("lastLogin occurs >= 2 days before now"));
    // lastLogin is 27.5 hours (1650 minutes) before now; the boundary is inclusive
    assert!(!truth("lastLogin occurs <= 27 hours before now"));
    assert!(truth("lastLogin occurs <= 28 hours before now"));
    assert!(!truth("lastLogin occurs <= 1649 minutes before now"));
    assert!(truth("lastLogin occurs <= 1650 minutes before now"));
    assert!(!truth("lastLogin occurs < 1650 minutes before now"));
    assert!(truth("lastLogin occurs >= 1650 minutes before now"));
    assert!(!truth("lastLogin occurs > 1650 minutes before now"));
    // `=`: in the same unit as the boundary
    assert!(truth("lastLogin occurs = 1 day before now"));
    assert!(!truth("lastLogin occurs = 2 days before now"));
    assert!(truth("lastLogin occurs != 2 days before now"));
    assert!(truth("lastLogin occurs 1 day before now"));
    // weeks start on Sunday: now − 1 week is Saturday 06-08, in the week of Sunday 06-02
    assert!(truth(
        "date(2024, 6, 2, 0, 0, 0) occurs = 1 week before now"
    ));
    assert!(!truth(
        "date(2024, 6, 1, 23, 59, 59) occurs = 1 week before now"
    ));
    // the future is not "before"
    assert!(!truth("tomorrow occurs <= 3 days before now"));
}

#[test]
fn occurs_within_whole_days() {
    assert!(truth("lastLogin occurs <= 1 day before today"));
    assert!(!truth("lastLogin occurs < 1 day before today"));
    assert!(truth("lastLogin occurs = 1 day before today"));
    assert!(truth("person.birthDate occurs >= 18 years before today"));
    assert!(!truth("person.birthDate occurs < 18 years before today"));
    // calendar months, clamped to the month's end: 31 March − 1 month = 29 February 2024
    assert!(truth(
        "date(2024, 2, 29) occurs >= 1 month before date(2024, 3, 31)"
    ));
    assert!(!truth(
        "date(2024, 3, 1) occurs >= 1 month before date(2024, 3, 31)"
    ));
    assert!(truth(
        "signupDate occurs <= 4 months before date(2024, 5, 31)"
    ));
    assert!(!truth(
        "signupDate occurs < 4 months before date(2024, 5, 31)"
    ));
    assert!(truth(
        "signupDate occurs = 4 months before date(2024, 5, 15)"
    ));
}

#[test]
fn occurs_within_n_units_after() {
    // offer end: 2024-07-01T00:00Z; now + 2 weeks = 06-29 12:00, + 3 weeks = 07-06 12:00
    assert!(truth(
        "offer.selectionConstraint.endDate occurs <= 3 weeks after now"
    ));
    assert!(!truth(
        "offer.selectionConstraint.endDate occurs <= 2 weeks after now"
    ));
    assert!(truth(
        "offer.selectionConstraint.endDate occurs > 2 weeks after now"
    ));
    assert!(truth(
        "offer.selectionConstraint.endDate occurs >= 15 days from now"
    ));
    assert!(truth("tomorrow occurs <= 1 day after today"));
    assert!(!truth("yesterday occurs <= 1 day after today"));
    assert!(truth("tomorrow occurs = 1 day after today"));
}

#[test]
fn big_units_and_their_limits() {
    assert!(truth("lastLogin occurs <= 1 decade before now"));
    assert!(truth("person.birthDate occurs <= 1 century before now"));
    assert!(truth("person.birthDate occurs <= 1 millennium before now"));
    assert!(truth(
        "lastLogin occurs < 1000 milliseconds after date(2024, 6, 14, 8, 30, 0)"
    ));
    assert_eq!(
        unevaluable("lastLogin occurs <= 20000 years before now").reason,
        "date out of range"
    );
}

#[test]
fn occurs_amounts_must_be_whole_and_not_negative() {
    assert_eq!(
        unevaluable("lastLogin occurs <= 1.5 days before now").reason,
        "the amount of time must be a whole number ≥ 0, got 1.5"
    );
    assert_eq!(
        unevaluable("lastLogin occurs <= -1 days before now").reason,
        "the amount of time must be a whole number ≥ 0, got -1"
    );
    assert_eq!(
        unevaluable("lastLogin occurs <= zip days before now").reason,
        "the amount of time must be a whole number ≥ 0, got \"95112\""
    );
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
