//! The sandbox clock's arithmetic: ISO 8601 durations and business days.
//!
//! A sandbox's clock is real time plus an offset that only moves forward; reading real time is
//! the caller's business, this module only computes.

use chrono::{DateTime, Duration, Utc};

use crate::FieldError;

/// Parses an ISO 8601 duration of days and time (`P3D`, `PT90M`, `P1W`, `P1DT12H`, `PT0.5S`).
/// Years and months have no fixed length and are refused, as are negative durations: the
/// sandbox clock only moves forward.
pub fn parse_duration(field: &str, text: &str) -> Result<Duration, FieldError> {
    let bad = |why: &str| {
        Err(FieldError::new(
            field,
            format!("'{text}' is not an ISO 8601 duration such as P3D or PT2H30M: {why}"),
        ))
    };
    let s = text.trim();
    let Some(rest) = s.strip_prefix('P').or_else(|| s.strip_prefix('p')) else {
        return bad("it must start with P");
    };
    if rest.is_empty() {
        return bad("it has no amount");
    }
    let (date_part, time_part) = match rest.split_once(['T', 't']) {
        Some((_, "")) => return bad_owned(field, text, "T must be followed by a time"),
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    // Summed as floating point: a huge amount gives a huge (or infinite) total that the limit
    // below refuses, where integer arithmetic would overflow and wrap the clock backwards.
    let mut millis = 0f64;
    for (unit, amount) in components(field, text, date_part)? {
        let per = match unit {
            'W' => 7.0 * 86_400_000.0,
            'D' => 86_400_000.0,
            'Y' | 'M' => return bad("years and months have no fixed length; use days"),
            _ => return bad("unknown date unit"),
        };
        millis += amount * per;
    }
    if let Some(t) = time_part {
        for (unit, amount) in components(field, text, t)? {
            let per = match unit {
                'H' => 3_600_000.0,
                'M' => 60_000.0,
                'S' => 1_000.0,
                _ => return bad("unknown time unit"),
            };
            millis += amount * per;
        }
    }
    // Ten years is far beyond any review deadline and keeps the offset well inside i64.
    if !millis.is_finite() || millis > MAX_ADVANCE_MS as f64 {
        return bad("at most ten years at a time");
    }
    // In range by the check above: the cast cannot saturate.
    Ok(Duration::milliseconds(millis.round() as i64))
}

/// The longest single move of a sandbox clock: ten years.
pub const MAX_ADVANCE_MS: i64 = 10 * 366 * 86_400_000;

/// How far a sandbox clock may run ahead of real time in all: a century. Chrono's dates end in
/// the year 262143, so without a bound enough moves forward would overflow them.
pub const MAX_OFFSET_MS: i64 = 100 * 366 * 86_400_000;

/// The clock offset after moving `now` (the sandbox clock) to `target`: refused beyond
/// [`MAX_OFFSET_MS`] ahead of `real`.
pub fn offset_for(field: &str, real: DateTime<Utc>, target: DateTime<Utc>) -> Result<i64, FieldError> {
    let offset = target.signed_duration_since(real).num_milliseconds();
    if offset > MAX_OFFSET_MS {
        return Err(FieldError::new(
            field,
            "the sandbox clock can run at most 100 years ahead of real time; reset the sandbox to start again",
        ));
    }
    // A sandbox that started in the past (`startAt`) runs behind real time: its offset is
    // negative, and a move forward keeps it so.
    Ok(offset.max(-MAX_OFFSET_MS))
}

/// The earliest instant a sandbox may start at: TOTP steps, partner-ID dates and document ages
/// are all counted after it.
pub const EARLIEST_START: &str = "2000-01-01T00:00:00Z";

/// The clock offset that makes a sandbox clock read `start` at real time `real` (a sandbox that
/// starts at a chosen instant, `startAt`): from 2000-01-01 to a century ahead of real time.
pub fn start_offset(field: &str, real: DateTime<Utc>, start: DateTime<Utc>) -> Result<i64, FieldError> {
    let earliest = earliest_start();
    if start < earliest {
        return Err(FieldError::new(
            field,
            format!("a sandbox clock starts on {EARLIEST_START} or later"),
        ));
    }
    let offset = start.signed_duration_since(real).num_milliseconds();
    if offset > MAX_OFFSET_MS {
        return Err(FieldError::new(
            field,
            "a sandbox clock starts at most 100 years ahead of real time",
        ));
    }
    Ok(offset)
}

fn earliest_start() -> DateTime<Utc> {
    // 2000-01-01T00:00:00Z as seconds since the epoch: a constant, so no parse can fail.
    DateTime::from_timestamp(946_684_800, 0).unwrap_or_default()
}

/// Parses an instant as clients send it (RFC 3339 with a zone, such as
/// `2027-01-08T03:00:00Z` or `2027-01-08T12:00:00+09:00`).
pub fn parse_instant(field: &str, text: &str) -> Result<DateTime<Utc>, FieldError> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            FieldError::new(
                field,
                format!("'{text}' is not an RFC 3339 instant with a zone, such as 2027-01-08T03:00:00Z"),
            )
        })
}

/// `real + offset`, saturating instead of overflowing (an offset is bounded when written; a
/// corrupt one must not panic a read).
pub fn shifted(real: DateTime<Utc>, offset_ms: i64) -> DateTime<Utc> {
    real.checked_add_signed(Duration::milliseconds(offset_ms.clamp(-MAX_OFFSET_MS, MAX_OFFSET_MS)))
        .unwrap_or(real)
}

fn bad_owned<T>(field: &str, text: &str, why: &str) -> Result<T, FieldError> {
    Err(FieldError::new(
        field,
        format!("'{text}' is not an ISO 8601 duration such as P3D or PT2H30M: {why}"),
    ))
}

fn components(field: &str, text: &str, part: &str) -> Result<Vec<(char, f64)>, FieldError> {
    let mut out = Vec::new();
    let mut number = String::new();
    for c in part.chars() {
        if c.is_ascii_digit() || c == '.' || c == ',' {
            number.push(if c == ',' { '.' } else { c });
        } else {
            let unit = c.to_ascii_uppercase();
            let amount: f64 = number.parse().map_err(|_| {
                FieldError::new(
                    field,
                    format!(
                        "'{text}' is not an ISO 8601 duration such as P3D or PT2H30M: a number must come before {unit}"
                    ),
                )
            })?;
            if !amount.is_finite() || amount < 0.0 {
                return bad_owned(field, text, "amounts must be positive");
            }
            out.push((unit, amount));
            number.clear();
        }
    }
    if !number.is_empty() {
        return bad_owned(field, text, "a number has no unit");
    }
    Ok(out)
}

/// The instant `n` business days after `from` on the `weekends` calendar, keeping the time of
/// day: Friday + 1 = Monday. (A sandbox's own calendar: [`crate::calendar::BusinessCalendar`].)
pub fn add_business_days(from: DateTime<Utc>, n: u32) -> DateTime<Utc> {
    crate::calendar::BusinessCalendar::Weekends.add_business_days(from, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn durations_parse_days_weeks_and_times() {
        assert_eq!(parse_duration("a", "P3D").unwrap(), Duration::days(3));
        assert_eq!(parse_duration("a", "P1W").unwrap(), Duration::days(7));
        assert_eq!(parse_duration("a", "P1DT12H").unwrap(), Duration::hours(36));
        assert_eq!(parse_duration("a", "PT2H30M").unwrap(), Duration::minutes(150));
        assert_eq!(parse_duration("a", "PT0.5S").unwrap(), Duration::milliseconds(500));
        assert_eq!(parse_duration("a", "PT1M").unwrap(), Duration::minutes(1));
        assert_eq!(parse_duration("a", "P1M").unwrap_err().field, "a");
        for bad in ["", "P", "3D", "PT", "P-1D", "PXD", "P3", "P1DT", "P10000D"] {
            assert!(parse_duration("a", bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn huge_amounts_are_refused_instead_of_wrapping() {
        let nines = "9".repeat(400);
        for text in [
            format!("P{nines}W1D"),
            format!("P{nines}D"),
            format!("PT{nines}S"),
            "P99999999999999999999W".to_owned(),
            "P1e400D".to_owned(),
        ] {
            assert!(parse_duration("advance", &text).is_err(), "{text} should be refused");
        }
        assert_eq!(parse_duration("a", "P3660D").unwrap(), Duration::days(3660));
    }

    #[test]
    fn five_business_days_are_seven_calendar_days_from_a_weekday_only() {
        // 2027-01-08 is a Friday.
        let friday = Utc.with_ymd_and_hms(2027, 1, 8, 3, 0, 0).unwrap();
        assert_eq!(add_business_days(friday, 5), friday + Duration::days(7));
        assert_eq!(add_business_days(friday, 1), friday + Duration::days(3));
        let saturday = friday + Duration::days(1);
        assert_eq!(add_business_days(saturday, 5), friday + Duration::days(7));
        let sunday = friday + Duration::days(2);
        assert_eq!(add_business_days(sunday, 1), friday + Duration::days(3));
        assert_eq!(add_business_days(sunday, 0), sunday);
    }

    #[test]
    fn a_sandbox_may_start_in_the_past_or_the_future_within_bounds() {
        let real = Utc.with_ymd_and_hms(2026, 12, 5, 7, 0, 0).unwrap();
        let past = Utc.with_ymd_and_hms(2025, 12, 5, 7, 0, 0).unwrap();
        let offset = start_offset("startAt", real, past).unwrap();
        assert_eq!(shifted(real, offset), past);
        // A move forward from a past start stays behind real time instead of jumping to it.
        let moved = offset_for("advance", real, past + Duration::days(1)).unwrap();
        assert_eq!(shifted(real, moved), past + Duration::days(1));
        let before = Utc.with_ymd_and_hms(1999, 12, 31, 23, 59, 59).unwrap();
        assert_eq!(start_offset("startAt", real, before).unwrap_err().field, "startAt");
        let far = real + Duration::milliseconds(MAX_OFFSET_MS + 1);
        assert!(start_offset("startAt", real, far).is_err());
        assert_eq!(
            parse_instant("startAt", "2027-01-08T12:00:00+09:00").unwrap(),
            Utc.with_ymd_and_hms(2027, 1, 8, 3, 0, 0).unwrap()
        );
        for bad in ["2027-01-08", "2027-01-08T03:00:00", "tomorrow", ""] {
            assert!(parse_instant("startAt", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_offset_is_bounded_so_the_clock_never_overflows() {
        let real = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap();
        let mut offset = 0i64;
        let mut refused = false;
        // 25,958 moves of P3660D once panicked in chrono; now the 10th or so century is refused.
        for _ in 0..30_000 {
            let now = shifted(real, offset);
            match offset_for("advance", real, now + parse_duration("a", "P3660D").unwrap()) {
                Ok(o) => offset = o,
                Err(e) => {
                    assert!(e.message.contains("100 years"));
                    refused = true;
                    break;
                }
            }
        }
        assert!(refused);
        assert!(offset <= MAX_OFFSET_MS);
        assert_eq!(shifted(real, i64::MAX), real + Duration::milliseconds(MAX_OFFSET_MS));
    }

    #[test]
    fn business_days_skip_weekends() {
        // 2026-11-20 is a Friday.
        let fri = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
        assert_eq!(
            add_business_days(fri, 1),
            Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
        );
        assert_eq!(
            add_business_days(fri, 2),
            Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap()
        );
        assert_eq!(
            add_business_days(fri, 5),
            Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap()
        );
        assert_eq!(add_business_days(fri, 0), fri);
        let sat = Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, 0).unwrap();
        assert_eq!(
            add_business_days(sat, 1),
            Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
        );
        let wed = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
        assert_eq!(
            add_business_days(wed, 2),
            Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap()
        );
        assert_eq!(
            add_business_days(wed, 3),
            Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap()
        );
    }
}
