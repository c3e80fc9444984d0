//! Dates: ISO-8601 parsing, calendar arithmetic in UTC, and the `occurs` tests.

use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::ast::{Cmp, Direction, TimeUnit};

/// Whether a date value denotes an instant or a whole (UTC) day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grain {
    Instant,
    Day,
}

/// A date value: the instant (for a day, its 00:00 UTC) and its grain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Moment {
    pub at: OffsetDateTime,
    pub grain: Grain,
}

impl Moment {
    pub fn instant(at: OffsetDateTime) -> Moment {
        Moment {
            at,
            grain: Grain::Instant,
        }
    }

    pub fn day(date: Date) -> Moment {
        Moment {
            at: date.midnight().assume_utc(),
            grain: Grain::Day,
        }
    }

    pub fn date(self) -> Date {
        self.at.to_offset(UtcOffset::UTC).date()
    }
}

/// An ISO-8601 date-time (with an offset, or without one: UTC) or a date (a whole day).
pub(crate) fn parse_iso(text: &str) -> Option<Moment> {
    let text = text.trim();
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(Moment::instant(at));
    }
    if let Ok(at) = OffsetDateTime::parse(text, &Iso8601::DEFAULT) {
        return Some(Moment::instant(at));
    }
    if let Ok(at) = PrimitiveDateTime::parse(text, &Iso8601::DEFAULT) {
        return Some(Moment::instant(at.assume_utc()));
    }
    // `Date` parsing with `Iso8601` would also accept week and ordinal dates; keep calendar dates.
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).ok().map(Moment::day)
}

/// `date(y, m, d)` or `date(y, m, d, h, mi, s)` (UTC).
pub(crate) fn from_parts(parts: &[i64]) -> Result<Moment, String> {
    let small = |v: i64| u8::try_from(v).map_err(|_| format!("{v} is out of range"));
    let year = i32::try_from(parts[0])
        .ok()
        .filter(|y| (-9999..=9999).contains(y))
        .ok_or_else(|| format!("year {} is out of range", parts[0]))?;
    let month = Month::try_from(small(parts[1])?).map_err(|_| format!("no month {}", parts[1]))?;
    let date = Date::from_calendar_date(year, month, small(parts[2])?)
        .map_err(|e| format!("invalid date: {e}"))?;
    if parts.len() == 3 {
        return Ok(Moment::day(date));
    }
    let time = Time::from_hms(small(parts[3])?, small(parts[4])?, small(parts[5])?)
        .map_err(|e| format!("invalid time: {e}"))?;
    Ok(Moment::instant(
        PrimitiveDateTime::new(date, time).assume_utc(),
    ))
}

/// `at` moved by `amount` units (negative: earlier). Months and years are calendar units: the day
/// is clamped to the target month's length (31 March − 1 month = 28 or 29 February).
pub(crate) fn shift(at: OffsetDateTime, unit: TimeUnit, amount: i64) -> Option<OffsetDateTime> {
    let fixed = |ms_per: i64| {
        let ms = amount.checked_mul(ms_per)?;
        at.checked_add(Duration::milliseconds(ms))
    };
    let months = match unit {
        TimeUnit::Millisecond => return fixed(1),
        TimeUnit::Second => return fixed(1_000),
        TimeUnit::Minute => return fixed(60_000),
        TimeUnit::Hour => return fixed(3_600_000),
        TimeUnit::Day => return fixed(86_400_000),
        TimeUnit::Week => return fixed(7 * 86_400_000),
        TimeUnit::Month => amount,
        TimeUnit::Year => amount.checked_mul(12)?,
        TimeUnit::Decade => amount.checked_mul(120)?,
        TimeUnit::Century => amount.checked_mul(1_200)?,
        TimeUnit::Millennium => amount.checked_mul(12_000)?,
    };
    let at = at.to_offset(UtcOffset::UTC);
    let index = i64::from(at.year())
        .checked_mul(12)?
        .checked_add(i64::from(u8::from(at.month())) - 1)?
        .checked_add(months)?;
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let day = at.day().min(month.length(year));
    let date = Date::from_calendar_date(year, month, day).ok()?;
    Some(at.replace_date(date))
}

/// The start of the unit period `at` falls in (UTC; weeks start on Sunday).
fn truncate(at: OffsetDateTime, unit: TimeUnit) -> Option<OffsetDateTime> {
    let at = at.to_offset(UtcOffset::UTC);
    let date = at.date();
    let midnight = |d: Date| d.midnight().assume_utc();
    let first_of_year = |y: i32| Date::from_calendar_date(y, Month::January, 1).ok();
    Some(match unit {
        TimeUnit::Millisecond => at
            .replace_nanosecond(at.millisecond() as u32 * 1_000_000)
            .ok()?,
        TimeUnit::Second => at.replace_nanosecond(0).ok()?,
        TimeUnit::Minute => at.replace_nanosecond(0).ok()?.replace_second(0).ok()?,
        TimeUnit::Hour => at.replace_time(Time::from_hms(at.hour(), 0, 0).ok()?),
        TimeUnit::Day => midnight(date),
        TimeUnit::Week => {
            let back = date.weekday().number_days_from_sunday();
            midnight(date.checked_sub(Duration::days(i64::from(back)))?)
        }
        TimeUnit::Month => midnight(date.replace_day(1).ok()?),
        TimeUnit::Year => midnight(first_of_year(date.year())?),
        TimeUnit::Decade => midnight(first_of_year(date.year().div_euclid(10) * 10)?),
        TimeUnit::Century => midnight(first_of_year(date.year().div_euclid(100) * 100)?),
        TimeUnit::Millennium => midnight(first_of_year(date.year().div_euclid(1000) * 1000)?),
    })
}

/// Compares two moments with `cmp`: on UTC dates when either is a whole day, else as instants.
pub(crate) fn compare(cmp: Cmp, a: Moment, b: Moment) -> bool {
    let ordering = if a.grain == Grain::Day || b.grain == Grain::Day {
        a.date().cmp(&b.date())
    } else {
        a.at.cmp(&b.at)
    };
    cmp.holds(ordering)
}

/// `t occurs on x`: the same UTC day.
pub(crate) fn on(t: Moment, x: Moment) -> bool {
    t.date() == x.date()
}

/// `t occurs before x`: strictly before the instant, or before the whole day.
pub(crate) fn before(t: Moment, x: Moment) -> bool {
    compare(Cmp::Lt, t, x)
}

/// `t occurs after x`: strictly after the instant, or after the whole day.
pub(crate) fn after(t: Moment, x: Moment) -> bool {
    compare(Cmp::Gt, t, x)
}

/// `t occurs between low and high`: inclusive; a whole day counts entirely.
pub(crate) fn between(t: Moment, low: Moment, high: Moment) -> bool {
    compare(Cmp::Ge, t, low) && compare(Cmp::Le, t, high)
}

/// `t occurs <cmp> amount unit <direction> anchor` (see the module documentation). `None` when
/// the boundary falls outside the representable dates.
pub(crate) fn within(
    t: Moment,
    cmp: Cmp,
    amount: i64,
    unit: TimeUnit,
    direction: Direction,
    anchor: Moment,
) -> Option<bool> {
    let days = t.grain == Grain::Day || anchor.grain == Grain::Day;
    // On whole days, work on midnights: both sides at UTC date precision.
    let (t_at, anchor_at) = if days {
        (Moment::day(t.date()).at, Moment::day(anchor.date()).at)
    } else {
        (t.at, anchor.at)
    };
    let signed = match direction {
        Direction::Before => amount.checked_neg()?,
        Direction::After => amount,
    };
    let boundary = shift(anchor_at, unit, signed)?;
    let boundary = if days {
        Moment::day(boundary.to_offset(UtcOffset::UTC).date()).at
    } else {
        boundary
    };
    let same_unit = || -> Option<bool> {
        let unit = if days { unit.max(TimeUnit::Day) } else { unit };
        Some(truncate(t_at, unit)? == truncate(boundary, unit)?)
    };
    // Before: the boundary B = anchor − N lies behind the anchor; after: B = anchor + N ahead.
    let (b, x, t) = (boundary, anchor_at, t_at);
    Some(match (direction, cmp) {
        (Direction::Before, Cmp::Le) => b <= t && t <= x,
        (Direction::Before, Cmp::Lt) => b < t && t <= x,
        (Direction::Before, Cmp::Ge) => t <= b,
        (Direction::Before, Cmp::Gt) => t < b,
        (Direction::After, Cmp::Le) => x <= t && t <= b,
        (Direction::After, Cmp::Lt) => x <= t && t < b,
        (Direction::After, Cmp::Ge) => t >= b,
        (Direction::After, Cmp::Gt) => t > b,
        (_, Cmp::Eq) => same_unit()?,
        (_, Cmp::Ne) => !same_unit()?,
    })
}

/// The moment `now`, `today`, `yesterday` or `tomorrow` names.
pub(crate) fn today(now: OffsetDateTime, offset_days: i64) -> Option<Moment> {
    let date = now.to_offset(UtcOffset::UTC).date();
    let date = date.checked_add(Duration::days(offset_days))?;
    Some(Moment::day(date))
}
