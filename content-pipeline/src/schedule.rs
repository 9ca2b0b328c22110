//! Scheduling: explicit times and the next free slot of a persona's posting
//! windows, in its IANA time zone, with defined behaviour across daylight
//! saving changes.
//!
//! # Wall-clock times and DST
//!
//! Posting windows are local wall-clock times ("weekdays 09:00–11:00,
//! Europe/Berlin") and recur every week. Turning a local time into an instant
//! ([`resolve_local`]) follows the iCalendar rule (RFC 5545, 3.3.5):
//!
//! * **Spring gap** (the local time does not exist, e.g. 02:30 on the night
//!   clocks go from 02:00 to 03:00): the time is moved forward by the length
//!   of the gap, so 02:30 becomes 03:30 local. Slots that fall in the gap are
//!   therefore offered right after it, never dropped and never early.
//! * **Autumn overlap** (the local time happens twice, e.g. 02:30 on the
//!   night clocks go from 03:00 back to 02:00): the first occurrence (the
//!   earlier instant, still on summer time) is used. A window spanning the
//!   overlap does not gain extra slots.
//!
//! Instants are stored in UTC; nothing is stored as a local time or a fixed
//! offset, so a post scheduled in March for a date in November lands at the
//! intended local time.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use persona_core::PostingWindow;
use serde::{Deserialize, Serialize};

use crate::config::SlotPolicy;

/// When to publish a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "when", rename_all = "snake_case")]
#[non_exhaustive]
pub enum When {
    /// As soon as a worker picks it up.
    Now,
    /// At this instant.
    At {
        /// The instant.
        at: DateTime<Utc>,
    },
    /// At this wall-clock time in the persona's zone (DST rules as in the
    /// [module docs](self)).
    Local {
        /// The local date and time.
        at: NaiveDateTime,
    },
    /// In the next free slot of the persona's posting windows.
    NextSlot,
}

/// The instant a local wall-clock time stands for in `tz`, by the rules in the
/// [module docs](self): a time in a spring gap moves forward by the gap's
/// length; a time in an autumn overlap means its first occurrence.
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use content_pipeline::schedule::resolve_local;
///
/// let berlin = chrono_tz::Europe::Berlin;
/// // 2026-03-29 02:30 does not exist in Berlin (02:00 → 03:00): it becomes 03:30 CEST.
/// let gap = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap().and_hms_opt(2, 30, 0).unwrap();
/// assert_eq!(resolve_local(berlin, gap), Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap());
/// // 2026-10-25 02:30 happens twice (03:00 → 02:00): the first one, still CEST.
/// let overlap = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap().and_hms_opt(2, 30, 0).unwrap();
/// assert_eq!(resolve_local(berlin, overlap), Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap());
/// ```
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        chrono::LocalResult::None => {
            // Read the wall time with the offset in force before the gap: the
            // instant then shows as `local + gap` on the new offset. Offsets
            // change at most twice a year, so 36 hours earlier is before the gap.
            let before = local - TimeDelta::hours(36);
            let offset = tz.offset_from_utc_datetime(&before);
            let seconds = chrono::Offset::fix(&offset).local_minus_utc();
            (local - TimeDelta::seconds(i64::from(seconds))).and_utc()
        }
    }
}

/// The slots of `windows` (weekly, local to `tz`) that start in
/// `[from, until)`, in time order, without duplicates: each window's start and
/// every `interval` after it while inside the window. With no windows, every
/// multiple of `interval` (from midnight UTC) is a slot.
pub fn slots_between(
    windows: &[PostingWindow],
    tz: Tz,
    interval: TimeDelta,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let step = if interval > TimeDelta::zero() {
        interval
    } else {
        TimeDelta::minutes(30)
    };
    let mut out = Vec::new();
    if from >= until {
        return out;
    }
    if windows.is_empty() {
        let step_s = step.num_seconds().max(1);
        let mut t = from.timestamp().div_euclid(step_s) * step_s;
        if t < from.timestamp() || (t == from.timestamp() && from.timestamp_subsec_nanos() > 0) {
            t += step_s;
        }
        while let Some(at) = DateTime::<Utc>::from_timestamp(t, 0) {
            if at >= until {
                break;
            }
            out.push(at);
            t += step_s;
        }
        return out;
    }
    // Local days that can hold a slot in range (one day of margin each side for offsets).
    let first = from.with_timezone(&tz).date_naive() - TimeDelta::days(1);
    let last = until.with_timezone(&tz).date_naive() + TimeDelta::days(1);
    let mut day = first;
    while day <= last {
        for window in windows {
            if !window.days.is_empty() && !window.days.contains(&day.weekday()) {
                continue;
            }
            push_window_slots(&mut out, tz, day, window, step, from, until);
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    out.sort();
    out.dedup();
    out
}

fn push_window_slots(
    out: &mut Vec<DateTime<Utc>>,
    tz: Tz,
    day: NaiveDate,
    window: &PostingWindow,
    step: TimeDelta,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) {
    let mut local: NaiveTime = window.start;
    loop {
        let at = resolve_local(tz, day.and_time(local));
        if at >= from && at < until {
            out.push(at);
        }
        let (next, wrapped) = local.overflowing_add_signed(step);
        if wrapped != 0 || next >= window.end || next <= local {
            break;
        }
        local = next;
    }
}

/// The first slot at or after `after` (within `policy.horizon`) that is at
/// least `policy.min_gap` away from every instant in `taken`.
pub fn next_free_slot(
    windows: &[PostingWindow],
    tz: Tz,
    after: DateTime<Utc>,
    taken: &[DateTime<Utc>],
    policy: &SlotPolicy,
) -> Option<DateTime<Utc>> {
    let horizon = after + policy.horizon;
    // Look a week at a time so a long horizon does not build one huge list.
    let mut from = after;
    while from < horizon {
        let until = (from + TimeDelta::days(7)).min(horizon);
        for slot in slots_between(windows, tz, policy.interval, from, until) {
            let clash = taken.iter().any(|t| (*t - slot).abs() < policy.min_gap);
            if !clash {
                return Some(slot);
            }
        }
        from = until;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn window(start: (u32, u32), end: (u32, u32)) -> PostingWindow {
        PostingWindow {
            days: Vec::new(),
            start: NaiveTime::from_hms_opt(start.0, start.1, 0).unwrap(),
            end: NaiveTime::from_hms_opt(end.0, end.1, 0).unwrap(),
        }
    }

    fn local(tz: Tz, at: DateTime<Utc>) -> String {
        at.with_timezone(&tz)
            .format("%Y-%m-%d %H:%M %Z")
            .to_string()
    }

    #[test]
    fn no_windows_means_every_interval() {
        let slots = slots_between(
            &[],
            Tz::UTC,
            TimeDelta::minutes(30),
            utc(2026, 1, 1, 9, 10),
            utc(2026, 1, 1, 10, 31),
        );
        assert_eq!(
            slots,
            vec![
                utc(2026, 1, 1, 9, 30),
                utc(2026, 1, 1, 10, 0),
                utc(2026, 1, 1, 10, 30)
            ]
        );
    }

    #[test]
    fn weekday_windows_skip_other_days() {
        let mut w = window((9, 0), (10, 0));
        w.days = vec![Weekday::Mon];
        // 2026-03-02 is a Monday.
        let slots = slots_between(
            &[w],
            Tz::UTC,
            TimeDelta::minutes(30),
            utc(2026, 3, 1, 0, 0),
            utc(2026, 3, 9, 0, 0),
        );
        assert_eq!(slots, vec![utc(2026, 3, 2, 9, 0), utc(2026, 3, 2, 9, 30)]);
    }

    #[test]
    fn taken_slots_are_skipped_by_the_gap() {
        let policy = SlotPolicy::default();
        let w = [window((9, 0), (12, 0))];
        let after = utc(2026, 5, 4, 8, 0);
        let first = next_free_slot(&w, Tz::UTC, after, &[], &policy).unwrap();
        assert_eq!(first, utc(2026, 5, 4, 9, 0));
        let second = next_free_slot(&w, Tz::UTC, after, &[first], &policy).unwrap();
        assert_eq!(second, utc(2026, 5, 4, 9, 30));
        // A post at 09:10 blocks 09:00 and 09:30 (both closer than 30 minutes).
        let third = next_free_slot(&w, Tz::UTC, after, &[utc(2026, 5, 4, 9, 10)], &policy);
        assert_eq!(third, Some(utc(2026, 5, 4, 10, 0)));
    }

    #[test]
    fn no_slot_within_the_horizon_is_none() {
        let policy = SlotPolicy {
            horizon: TimeDelta::hours(1),
            ..SlotPolicy::default()
        };
        let w = [window((9, 0), (9, 30))];
        assert_eq!(
            next_free_slot(&w, Tz::UTC, utc(2026, 5, 4, 10, 0), &[], &policy),
            None
        );
    }

    /// Spring gaps in three zones, both hemispheres: slots inside the gap move
    /// forward by the gap; nothing is dropped or early.
    /// A zone, a day, and the local times expected on it.
    type Case = (Tz, (i32, u32, u32), [&'static str; 4]);

    #[test]
    fn spring_gaps_move_forward() {
        let cases: [Case; 3] = [
            // Berlin: 2026-03-29 02:00 CET → 03:00 CEST.
            (
                chrono_tz::Europe::Berlin,
                (2026, 3, 29),
                [
                    "2026-03-29 01:30 CET",
                    "2026-03-29 03:00 CEST",
                    "2026-03-29 03:30 CEST",
                    "2026-03-29 03:30 CEST",
                ],
            ),
            // New York: 2026-03-08 02:00 EST → 03:00 EDT.
            (
                chrono_tz::America::New_York,
                (2026, 3, 8),
                [
                    "2026-03-08 01:30 EST",
                    "2026-03-08 03:00 EDT",
                    "2026-03-08 03:30 EDT",
                    "2026-03-08 03:30 EDT",
                ],
            ),
            // Sydney (southern hemisphere): 2026-10-04 02:00 AEST → 03:00 AEDT.
            (
                chrono_tz::Australia::Sydney,
                (2026, 10, 4),
                [
                    "2026-10-04 01:30 AEST",
                    "2026-10-04 03:00 AEDT",
                    "2026-10-04 03:30 AEDT",
                    "2026-10-04 03:30 AEDT",
                ],
            ),
        ];
        for (tz, (y, m, d), expected) in cases {
            let day = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let from = resolve_local(tz, day.and_hms_opt(0, 0, 0).unwrap());
            let until = from + TimeDelta::hours(6);
            let slots = slots_between(
                &[window((1, 30), (4, 0))],
                tz,
                TimeDelta::minutes(30),
                from,
                until,
            );
            // 01:30, 02:00→03:00, 02:30→03:30, 03:00, 03:30 (03:30 twice → once).
            let shown: Vec<String> = slots.iter().map(|s| local(tz, *s)).collect();
            assert_eq!(
                shown,
                vec![
                    expected[0].to_owned(),
                    expected[1].to_owned(),
                    expected[2].to_owned(),
                ],
                "{tz}"
            );
            assert!(
                slots.windows(2).all(|w| w[0] < w[1]),
                "{tz}: slots in order"
            );
            // 02:30 on the gap day resolves to 03:30 local.
            let gap = resolve_local(tz, day.and_hms_opt(2, 30, 0).unwrap());
            assert_eq!(local(tz, gap), expected[3], "{tz}");
        }
    }

    /// Autumn overlaps in three zones, both hemispheres: an ambiguous time is
    /// its first occurrence, and a window across the overlap gains no slots.
    #[test]
    fn autumn_overlaps_take_the_first_occurrence() {
        let cases: [(Tz, (i32, u32, u32), &str); 3] = [
            // Berlin: 2026-10-25 03:00 CEST → 02:00 CET.
            (chrono_tz::Europe::Berlin, (2026, 10, 25), "CEST"),
            // New York: 2026-11-01 02:00 EDT → 01:00 EST; 01:xx is ambiguous.
            (chrono_tz::America::New_York, (2026, 11, 1), "EDT"),
            // Sydney: 2026-04-05 03:00 AEDT → 02:00 AEST.
            (chrono_tz::Australia::Sydney, (2026, 4, 5), "AEDT"),
        ];
        for (tz, (y, m, d), summer) in cases {
            let day = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            // The ambiguous hour: 02:30 in Berlin/Sydney, 01:30 in New York.
            let hour = if tz == chrono_tz::America::New_York {
                1
            } else {
                2
            };
            let at = resolve_local(tz, day.and_hms_opt(hour, 30, 0).unwrap());
            assert!(local(tz, at).ends_with(summer), "{tz}: {}", local(tz, at));
            let later = tz
                .from_local_datetime(&day.and_hms_opt(hour, 30, 0).unwrap())
                .latest()
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(
                later - at,
                TimeDelta::hours(1),
                "{tz}: the overlap is one hour"
            );
            // A window over the ambiguous hour: one slot per wall time, in order.
            let from = resolve_local(tz, day.and_hms_opt(0, 0, 0).unwrap());
            let slots = slots_between(
                &[window((hour, 0), (hour + 1, 0))],
                tz,
                TimeDelta::minutes(30),
                from,
                from + TimeDelta::hours(8),
            );
            assert_eq!(slots.len(), 2, "{tz}: {slots:?}");
            assert_eq!(slots[1], at, "{tz}");
        }
    }

    #[test]
    fn a_daily_window_keeps_its_local_time_across_the_change() {
        // 09:00 Berlin every day: 08:00 UTC in winter, 07:00 UTC in summer.
        let tz = chrono_tz::Europe::Berlin;
        let slots = slots_between(
            &[window((9, 0), (9, 30))],
            tz,
            TimeDelta::minutes(30),
            utc(2026, 3, 27, 0, 0),
            utc(2026, 3, 31, 0, 0),
        );
        assert_eq!(
            slots,
            vec![
                utc(2026, 3, 27, 8, 0),
                utc(2026, 3, 28, 8, 0),
                utc(2026, 3, 29, 7, 0),
                utc(2026, 3, 30, 7, 0),
            ]
        );
    }
}
