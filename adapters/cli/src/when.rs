//! Times given on the command line: RFC 3339, `now`, or `+2h`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};
use content_pipeline::When;

/// Longest offset accepted (a year): a typo like `+2000d` is refused.
const MAX_DAYS: i64 = 366;

/// A time as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WhenArg {
    /// `now`.
    Now,
    /// An instant (`2026-03-02T18:00:00+01:00`).
    At(DateTime<Utc>),
    /// An offset from now (`+2h`).
    In(TimeDelta),
}

impl WhenArg {
    /// The pipeline's [`When`], offsets counted from `now`.
    pub(crate) fn resolve(self, now: DateTime<Utc>) -> When {
        match self {
            Self::Now => When::Now,
            Self::At(at) => When::At { at },
            Self::In(delta) => When::At { at: now + delta },
        }
    }
}

/// Why a time was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadTime(String);

impl fmt::Display for BadTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadTime {}

impl FromStr for WhenArg {
    type Err = BadTime;

    fn from_str(s: &str) -> Result<Self, BadTime> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("now") {
            return Ok(Self::Now);
        }
        if let Some(offset) = s.strip_prefix('+') {
            return parse_offset(offset).map(Self::In);
        }
        DateTime::parse_from_rfc3339(s)
            .map(|t| Self::At(t.with_timezone(&Utc)))
            .map_err(|e| {
                BadTime(format!(
                    "`{s}` is not a time ({e}); use RFC 3339 with an offset \
                     (2026-03-02T18:00:00+01:00 or ...Z), `now`, or +30m / +2h / +1d"
                ))
            })
    }
}

/// `90s`, `30m`, `2h`, `1d`, `1w`.
fn parse_offset(text: &str) -> Result<TimeDelta, BadTime> {
    let bad = || {
        BadTime(format!(
            "`+{text}` is not an offset; use a whole number and a unit: +90s, +30m, +2h, +1d, +1w"
        ))
    };
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (digits, unit) = text.split_at(split);
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let seconds_per = match unit {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    let seconds = n.checked_mul(seconds_per).ok_or_else(bad)?;
    if n == 0 || seconds > MAX_DAYS * 86_400 {
        return Err(BadTime(format!(
            "`+{text}` must be more than zero and at most {MAX_DAYS} days"
        )));
    }
    Ok(TimeDelta::seconds(seconds))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn offsets_and_instants_parse() {
        assert_eq!(
            "+2h".parse::<WhenArg>(),
            Ok(WhenArg::In(TimeDelta::hours(2)))
        );
        assert_eq!(
            "+90s".parse::<WhenArg>(),
            Ok(WhenArg::In(TimeDelta::seconds(90)))
        );
        assert_eq!(
            "+1w".parse::<WhenArg>(),
            Ok(WhenArg::In(TimeDelta::days(7)))
        );
        assert_eq!("NOW".parse::<WhenArg>(), Ok(WhenArg::Now));
        assert_eq!(
            "2026-03-02T18:00:00+01:00".parse::<WhenArg>(),
            Ok(WhenArg::At(
                Utc.with_ymd_and_hms(2026, 3, 2, 17, 0, 0).unwrap()
            ))
        );
    }

    #[test]
    fn nonsense_is_refused_with_a_hint() {
        for bad in [
            "tomorrow",
            "+2",
            "+h",
            "+2y",
            "+0h",
            "+9999d",
            "2026-03-02 18:00",
            "+99999999999999999999h",
        ] {
            let err = bad.parse::<WhenArg>().expect_err(bad);
            assert!(
                err.to_string().contains(bad.trim_start_matches('+')),
                "{err}"
            );
        }
    }

    #[test]
    fn offsets_count_from_now() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        assert_eq!(
            WhenArg::In(TimeDelta::hours(2)).resolve(now),
            When::At {
                at: now + TimeDelta::hours(2)
            }
        );
    }
}
