//! Business days: which days count when a review takes "2-5 営業日" (the onboarding guide).
//!
//! A sandbox counts them on one of two calendars:
//! - `weekends` (the default): Monday to Friday, by UTC date;
//! - `JP`: Monday to Friday that are not Japan's national holidays (国民の祝日, 振替休日 and 国民の
//!   休日), by the date in Japan (UTC+9).
//!
//! Japan's holidays are computed from the Act on National Holidays as amended (成人の日 and the
//! other Happy Monday days, the 2019 enthronement days, the 2020-2021 Olympic moves, 天皇誕生日
//! on 2月23日 from 2020, 振替休日 on the next day that is not a holiday from 2007, 国民の休日
//! between two holidays), with the equinox days from the astronomical formula the Cabinet Office
//! list follows. The rules are checked against the Cabinet Office's list (内閣府「国民の祝日」,
//! syukujitsu.csv) for 2005-2009 and 2019-2027, its last announced year. Later years follow the
//! same rules: exact unless the law changes or an equinox lands on another day than the formula
//! says (the Cabinet Office announces each year's equinoxes in February of the year before). The
//! formula is defined through 2150, past every date a sandbox clock can reach (a century ahead);
//! before 2000 (no sandbox starts there) only weekends count.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// Which days are business days in a sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum BusinessCalendar {
    /// Monday to Friday (UTC).
    #[default]
    #[serde(rename = "weekends")]
    Weekends,
    /// Monday to Friday that are not Japan's national holidays (Japan's date).
    #[serde(rename = "JP")]
    Japan,
}

impl BusinessCalendar {
    pub fn as_str(self) -> &'static str {
        match self {
            BusinessCalendar::Weekends => "weekends",
            BusinessCalendar::Japan => "JP",
        }
    }

    /// `weekends` or `JP` (any case).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "weekends" => Some(Self::Weekends),
            "jp" => Some(Self::Japan),
            _ => None,
        }
    }

    /// The date that decides whether an instant falls on a business day.
    fn local_date(self, t: DateTime<Utc>) -> NaiveDate {
        match self {
            BusinessCalendar::Weekends => t.date_naive(),
            BusinessCalendar::Japan => (t + Duration::hours(9)).date_naive(),
        }
    }

    /// Whether a date is a business day on this calendar.
    pub fn is_business_date(self, d: NaiveDate) -> bool {
        let weekday = !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        match self {
            BusinessCalendar::Weekends => weekday,
            BusinessCalendar::Japan => weekday && !is_jp_holiday(d),
        }
    }

    /// The instant `n` business days after `from`, keeping the time of day: each day forward
    /// whose date (on this calendar) is a business day counts one.
    pub fn add_business_days(self, from: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        let mut t = from;
        let mut left = n;
        while left > 0 {
            t += Duration::days(1);
            if self.is_business_date(self.local_date(t)) {
                left -= 1;
            }
        }
        t
    }
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// The `n`th Monday of a month (Happy Monday).
fn nth_monday(y: i32, m: u32, n: u32) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(y, m, Weekday::Mon, u8::try_from(n).ok()?)
}

/// The day of the March (vernal) and September (autumnal) equinoxes in Japan, by the formula
/// the Cabinet Office's dates follow (defined 1980-2150).
fn equinoxes(y: i32) -> Option<(u32, u32)> {
    let n = f64::from(y - 1980);
    let leap = f64::from((y - 1980).div_euclid(4));
    let (spring, autumn) = match y {
        1980..=2099 => (20.8431, 23.2488),
        2100..=2150 => (21.8510, 24.2488),
        _ => return None,
    };
    // Within 19..=25 by the ranges above: the casts cannot truncate.
    let day = |base: f64| (base + 0.242194 * n - leap).floor() as u32;
    Some((day(spring), day(autumn)))
}

/// The national holidays of a year that have a name (国民の祝日), before substitutes and the
/// days between two of them. From 2000.
fn named(y: i32) -> Vec<NaiveDate> {
    if !(2000..=2150).contains(&y) {
        return Vec::new();
    }
    let mut days: Vec<Option<NaiveDate>> = vec![
        date(y, 1, 1),
        nth_monday(y, 1, 2),
        date(y, 2, 11),
        date(y, 4, 29),
        date(y, 5, 3),
        date(y, 5, 5),
        date(y, 11, 3),
        date(y, 11, 23),
    ];
    if y >= 2007 {
        days.push(date(y, 5, 4));
    }
    days.push(match y {
        ..=2002 => date(y, 7, 20),
        2020 => date(y, 7, 23),
        2021 => date(y, 7, 22),
        _ => nth_monday(y, 7, 3),
    });
    days.push(match y {
        ..=2002 => date(y, 9, 15),
        _ => nth_monday(y, 9, 3),
    });
    days.push(match y {
        2020 => date(y, 7, 24),
        2021 => date(y, 7, 23),
        _ => nth_monday(y, 10, 2),
    });
    if y >= 2016 {
        days.push(match y {
            2020 => date(y, 8, 10),
            2021 => date(y, 8, 8),
            _ => date(y, 8, 11),
        });
    }
    match y {
        ..=2018 => days.push(date(y, 12, 23)),
        2019 => {
            // The enthronement: 5月1日 and the ceremony of 10月22日.
            days.push(date(y, 5, 1));
            days.push(date(y, 10, 22));
        }
        _ => days.push(date(y, 2, 23)),
    }
    if let Some((spring, autumn)) = equinoxes(y) {
        days.push(date(y, 3, spring));
        days.push(date(y, 9, autumn));
    }
    let mut out: Vec<NaiveDate> = days.into_iter().flatten().collect();
    out.sort();
    out.dedup();
    out
}

/// Every national holiday of a year: the named ones, 振替休日 (a named holiday on a Sunday moves
/// the rest to the next day that is not one; before 2007, to the Monday) and 国民の休日 (a day
/// between two named holidays; before 2007 not on a Sunday).
pub fn jp_holidays(y: i32) -> Vec<NaiveDate> {
    let named = named(y);
    let is_named = |d: NaiveDate| named.binary_search(&d).is_ok();
    let mut out = named.clone();
    for d in &named {
        if d.weekday() == Weekday::Sun {
            let mut next = *d + Duration::days(1);
            if y >= 2007 {
                while is_named(next) {
                    next += Duration::days(1);
                }
                out.push(next);
            } else if !is_named(next) {
                out.push(next);
            }
        }
    }
    for pair in named.windows(2) {
        let between = pair[0] + Duration::days(1);
        if pair[1] == between + Duration::days(1)
            && !out.contains(&between)
            && (y >= 2007 || between.weekday() != Weekday::Sun)
        {
            out.push(between);
        }
    }
    out.retain(|d| d.year() == y);
    out.sort();
    out.dedup();
    out
}

/// Whether a date is one of Japan's national holidays.
pub fn is_jp_holiday(d: NaiveDate) -> bool {
    jp_holidays(d.year()).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// 内閣府「国民の祝日」(syukujitsu.csv): every holiday of these years, as the Cabinet Office
    /// lists them.
    const OFFICIAL: &[(i32, &[(u32, u32)])] = &[
        (
            2005,
            &[
                (1, 1),
                (1, 10),
                (2, 11),
                (3, 20),
                (3, 21),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (7, 18),
                (9, 19),
                (9, 23),
                (10, 10),
                (11, 3),
                (11, 23),
                (12, 23),
            ],
        ),
        (
            2006,
            &[
                (1, 1),
                (1, 2),
                (1, 9),
                (2, 11),
                (3, 21),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (7, 17),
                (9, 18),
                (9, 23),
                (10, 9),
                (11, 3),
                (11, 23),
                (12, 23),
            ],
        ),
        (
            2007,
            &[
                (1, 1),
                (1, 8),
                (2, 11),
                (2, 12),
                (3, 21),
                (4, 29),
                (4, 30),
                (5, 3),
                (5, 4),
                (5, 5),
                (7, 16),
                (9, 17),
                (9, 23),
                (9, 24),
                (10, 8),
                (11, 3),
                (11, 23),
                (12, 23),
                (12, 24),
            ],
        ),
        (
            2008,
            &[
                (1, 1),
                (1, 14),
                (2, 11),
                (3, 20),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (5, 6),
                (7, 21),
                (9, 15),
                (9, 23),
                (10, 13),
                (11, 3),
                (11, 23),
                (11, 24),
                (12, 23),
            ],
        ),
        (
            2009,
            &[
                (1, 1),
                (1, 12),
                (2, 11),
                (3, 20),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (5, 6),
                (7, 20),
                (9, 21),
                (9, 22),
                (9, 23),
                (10, 12),
                (11, 3),
                (11, 23),
                (12, 23),
            ],
        ),
        (
            2019,
            &[
                (1, 1),
                (1, 14),
                (2, 11),
                (3, 21),
                (4, 29),
                (4, 30),
                (5, 1),
                (5, 2),
                (5, 3),
                (5, 4),
                (5, 5),
                (5, 6),
                (7, 15),
                (8, 11),
                (8, 12),
                (9, 16),
                (9, 23),
                (10, 14),
                (10, 22),
                (11, 3),
                (11, 4),
                (11, 23),
            ],
        ),
        (
            2020,
            &[
                (1, 1),
                (1, 13),
                (2, 11),
                (2, 23),
                (2, 24),
                (3, 20),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (5, 6),
                (7, 23),
                (7, 24),
                (8, 10),
                (9, 21),
                (9, 22),
                (11, 3),
                (11, 23),
            ],
        ),
        (
            2021,
            &[
                (1, 1),
                (1, 11),
                (2, 11),
                (2, 23),
                (3, 20),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (7, 22),
                (7, 23),
                (8, 8),
                (8, 9),
                (9, 20),
                (9, 23),
                (11, 3),
                (11, 23),
            ],
        ),
        (
            2022,
            &[
                (1, 1),
                (1, 10),
                (2, 11),
                (2, 23),
                (3, 21),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (7, 18),
                (8, 11),
                (9, 19),
                (9, 23),
                (10, 10),
                (11, 3),
                (11, 23),
            ],
        ),
        (
            2023,
            &[
                (1, 1),
                (1, 2),
                (1, 9),
                (2, 11),
                (2, 23),
                (3, 21),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (7, 17),
                (8, 11),
                (9, 18),
                (9, 23),
                (10, 9),
                (11, 3),
                (11, 23),
            ],
        ),
        (
            2024,
            &[
                (1, 1),
                (1, 8),
                (2, 11),
                (2, 12),
                (2, 23),
                (3, 20),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (5, 6),
                (7, 15),
                (8, 11),
                (8, 12),
                (9, 16),
                (9, 22),
                (9, 23),
                (10, 14),
                (11, 3),
                (11, 4),
                (11, 23),
            ],
        ),
        (
            2025,
            &[
                (1, 1),
                (1, 13),
                (2, 11),
                (2, 23),
                (2, 24),
                (3, 20),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (5, 6),
                (7, 21),
                (8, 11),
                (9, 15),
                (9, 23),
                (10, 13),
                (11, 3),
                (11, 23),
                (11, 24),
            ],
        ),
        (
            2026,
            &[
                (1, 1),
                (1, 12),
                (2, 11),
                (2, 23),
                (3, 20),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (5, 6),
                (7, 20),
                (8, 11),
                (9, 21),
                (9, 22),
                (9, 23),
                (10, 12),
                (11, 3),
                (11, 23),
            ],
        ),
        (
            2027,
            &[
                (1, 1),
                (1, 11),
                (2, 11),
                (2, 23),
                (3, 21),
                (3, 22),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (7, 19),
                (8, 11),
                (9, 20),
                (9, 23),
                (10, 11),
                (11, 3),
                (11, 23),
            ],
        ),
    ];

    #[test]
    fn the_holidays_are_the_cabinet_offices() {
        for (y, days) in OFFICIAL {
            let want: Vec<NaiveDate> = days.iter().filter_map(|(m, d)| date(*y, *m, *d)).collect();
            assert_eq!(jp_holidays(*y), want, "{y}");
        }
    }

    #[test]
    fn every_year_the_clock_reaches_has_its_holidays() {
        for y in 2000..=2150 {
            let h = jp_holidays(y);
            assert!((15..=25).contains(&h.len()), "{y}: {} holidays", h.len());
            let (spring, autumn) = equinoxes(y).unwrap();
            assert!((19..=22).contains(&spring) && (21..=24).contains(&autumn), "{y}");
        }
        assert!(jp_holidays(2151).is_empty() && jp_holidays(1999).is_empty());
    }

    fn jst(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap() - Duration::hours(9)
    }

    #[test]
    fn a_review_across_golden_week_and_the_new_year() {
        let jp = BusinessCalendar::Japan;
        // Tuesday 2027-04-27 10:00 JST + 5 business days: 4/28, (4/29 昭和の日), 4/30, (5/3-5/5
        // holidays), 5/6, 5/7, 5/10.
        assert_eq!(jp.add_business_days(jst(2027, 4, 27, 10), 5), jst(2027, 5, 10, 10));
        // On weekends only, the same review ends Tuesday 5/4.
        assert_eq!(
            BusinessCalendar::Weekends.add_business_days(jst(2027, 4, 27, 10), 5),
            jst(2027, 5, 4, 10)
        );
        // Monday 2026-12-28 + 2: 12/29, 12/30 (the new year's 1/1 only is a national holiday).
        assert_eq!(jp.add_business_days(jst(2026, 12, 28, 9), 2), jst(2026, 12, 30, 9));
        // Thursday 2026-12-31 + 1: Friday 1/1 is 元日, so Monday 1/4.
        assert_eq!(jp.add_business_days(jst(2026, 12, 31, 9), 1), jst(2027, 1, 4, 9));
        // Silver Week 2026: Friday 9/18 + 1 skips 9/21 (敬老の日), 9/22 (国民の休日), 9/23 (秋分の日).
        assert_eq!(jp.add_business_days(jst(2026, 9, 18, 9), 1), jst(2026, 9, 24, 9));
    }

    #[test]
    fn japans_date_decides_not_utcs() {
        let jp = BusinessCalendar::Japan;
        // 2027-01-10 16:00 UTC is Monday 1/11 01:00 in Japan: 成人の日, not a business day.
        let sunday_utc = Utc.with_ymd_and_hms(2027, 1, 10, 16, 0, 0).unwrap();
        assert!(!jp.is_business_date(jp.local_date(sunday_utc)));
        assert_eq!(BusinessCalendar::parse("jp"), Some(BusinessCalendar::Japan));
        assert_eq!(BusinessCalendar::parse(" Weekends "), Some(BusinessCalendar::Weekends));
        assert_eq!(BusinessCalendar::parse("US"), None);
        assert_eq!(BusinessCalendar::Japan.as_str(), "JP");
    }
}
