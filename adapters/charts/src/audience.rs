//! The audience: followers by country, age and gender as horizontal bars
//! of their share, one panel per breakdown.

use content_pipeline::Breakdown;
use content_pipeline::insights::Audience;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{Error, Result};
use crate::frame::{self, MARGIN};
use crate::options::ChartOptions;
use crate::style;
use crate::svg::Svg;

const CHART: &str = "audience";

/// Longest value label, in characters.
const LABEL_CHARS: usize = 18;

/// One bar: a label and its share in percent.
#[derive(Debug, Clone, PartialEq)]
struct Bar {
    label: String,
    share: f64,
}

/// A breakdown's name for a panel title.
fn title(breakdown: Breakdown) -> &'static str {
    match breakdown {
        Breakdown::Country => "Country",
        Breakdown::City => "City",
        Breakdown::Age => "Age",
        Breakdown::Gender => "Gender",
        _ => "Other breakdown",
    }
}

/// A value as people read it (`F` → `Female`).
fn value_label(breakdown: Breakdown, key: &str) -> String {
    match (breakdown, key) {
        (Breakdown::Gender, "F") => "Female".to_owned(),
        (Breakdown::Gender, "M") => "Male".to_owned(),
        (Breakdown::Gender, "U") => "Unspecified".to_owned(),
        // "São Paulo, São Paulo State": the city alone when both do not fit.
        (Breakdown::City, _) if key.chars().count() > LABEL_CHARS => {
            let city = key.split(',').next().unwrap_or(key).trim();
            style::shorten(city, LABEL_CHARS)
        }
        _ => style::shorten(key, LABEL_CHARS),
    }
}

/// The bars of one audience: age and gender in their natural order, other
/// breakdowns largest first with the values past `max_bars - 1` summed as
/// "Other". Values with no followers are left out.
fn bars(audience: &Audience, max_bars: usize) -> (i64, Vec<Bar>) {
    let total: i64 = audience
        .followers
        .values()
        .map(|v| (*v).max(0))
        .fold(0, i64::saturating_add);
    let share = |v: i64| {
        if total > 0 {
            v.max(0) as f64 * 100.0 / total as f64
        } else {
            0.0
        }
    };
    let mut values: Vec<(&String, i64)> = audience
        .followers
        .iter()
        .filter(|(_, v)| **v > 0)
        .map(|(k, v)| (k, *v))
        .collect();
    let natural = matches!(audience.breakdown, Breakdown::Age | Breakdown::Gender);
    if !natural {
        values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    }
    let mut out: Vec<Bar> = Vec::new();
    if !natural && values.len() > max_bars {
        let keep = max_bars.saturating_sub(1);
        let rest: i64 = values[keep..]
            .iter()
            .map(|v| v.1)
            .fold(0, i64::saturating_add);
        let others = values.len() - keep;
        values.truncate(keep);
        out.extend(values.iter().map(|(k, v)| Bar {
            label: value_label(audience.breakdown, k),
            share: share(*v),
        }));
        out.push(Bar {
            label: format!("Other ({others})"),
            share: share(rest),
        });
    } else {
        out.extend(values.iter().map(|(k, v)| Bar {
            label: value_label(audience.breakdown, k),
            share: share(*v),
        }));
    }
    (total, out)
}

/// The audience by each breakdown in `audiences` (country, age, gender,
/// city: one panel each, in the order given), each value a horizontal bar
/// of its share of the followers in percent. Country and city show the
/// [`ChartOptions::max_bars`] largest values, the rest summed as "Other";
/// age and gender show every value in order. Up to three panels stand side
/// by side; four make two rows of two (give such a chart more height, e.g.
/// 1280 × 900).
///
/// # Errors
/// [`Error::NoData`] when `audiences` is empty or none has a follower;
/// [`Error::InvalidOptions`] for bad options.
pub fn audience(audiences: &[Audience], options: &ChartOptions) -> Result<Svg> {
    options.check()?;
    let panels: Vec<(Breakdown, i64, Vec<Bar>)> = audiences
        .iter()
        .map(|a| {
            let (total, bars) = bars(a, options.max_bars);
            (a.breakdown, total, bars)
        })
        .filter(|(_, _, bars)| !bars.is_empty())
        .collect();
    if panels.is_empty() {
        return Err(Error::no_data(
            CHART,
            "no breakdown has followers (Threads gives demographics only to profiles with at least 100 followers)",
        ));
    }
    let newest = audiences.iter().map(|a| a.taken_at).max();
    let subtitle = match newest {
        Some(at) => format!(
            "Each breakdown's values as a share of the followers it counts · as of {}",
            at.format("%b %-d, %Y")
        ),
        None => "Each breakdown's values as a share of the followers it counts".to_owned(),
    };
    // Up to three panels side by side; four as two rows of two.
    let count = panels.len();
    let grid_columns = match count {
        4 => 2,
        n => n.min(3),
    };
    let grid_rows = count.div_ceil(grid_columns);
    frame::page(CHART, options, "Audience", &subtitle, |area| {
        let area = area.margin(0, 8, MARGIN, MARGIN);
        let cells = area.split_evenly((grid_rows, grid_columns));
        for ((breakdown, total, bars), panel) in panels.iter().zip(cells.iter()) {
            let longest = bars
                .iter()
                .map(|b| b.label.chars().count())
                .max()
                .unwrap_or(4);
            let label_width = u32::try_from(longest * 9 + 18).unwrap_or(180).min(180);
            let top = bars.iter().map(|b| b.share).fold(0.0_f64, f64::max);
            let x_max = (top * 1.3).clamp(1.0, 100.0);
            let rows = i32::try_from(bars.len()).unwrap_or(i32::MAX);
            let mut chart = ChartBuilder::on(panel)
                .caption(
                    format!("{} ({} followers)", title(*breakdown), style::count(*total)),
                    style::bold(20.0, style::INK),
                )
                .margin(10)
                .x_label_area_size(52)
                .y_label_area_size(label_width)
                .build_cartesian_2d(0.0..x_max, style::slots(bars.len()).into_segmented())?;
            let names: Vec<String> = bars.iter().map(|b| b.label.clone()).collect();
            chart
                .configure_mesh()
                .disable_y_mesh()
                .bold_line_style(style::GRID)
                .light_line_style(TRANSPARENT)
                .axis_style(style::MUTED)
                .x_labels(4)
                .y_labels(bars.len())
                .x_label_formatter(&|v| format!("{}%", style::tick(*v)))
                .y_label_formatter(&|v| match v {
                    // The first bar on top.
                    SegmentValue::CenterOf(row) => usize::try_from(rows - 1 - row)
                        .ok()
                        .and_then(|i| names.get(i).cloned())
                        .unwrap_or_default(),
                    _ => String::new(),
                })
                .label_style(style::label())
                .axis_desc_style(style::axis_title())
                .x_desc("Share of followers (%)")
                .draw()?;
            let gap = if bars.len() > 10 { 2 } else { 5 };
            chart.draw_series(bars.iter().enumerate().map(|(i, bar)| {
                let row = rows - 1 - i32::try_from(i).unwrap_or(0);
                let mut rect = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(row)),
                        (bar.share, SegmentValue::Exact(row + 1)),
                    ],
                    style::ACCENT.filled(),
                );
                rect.set_margin(gap, gap, 0, 0);
                rect
            }))?;
            // The share beside its bar, or inside the bar's end when the
            // bar reaches the right edge.
            let beside = style::text(14.0, style::INK).pos(Pos::new(HPos::Left, VPos::Center));
            let inside = style::text(14.0, WHITE).pos(Pos::new(HPos::Right, VPos::Center));
            chart.draw_series(bars.iter().enumerate().map(|(i, bar)| {
                let row = rows - 1 - i32::try_from(i).unwrap_or(0);
                let (x, font) = if bar.share > x_max * 0.85 {
                    (bar.share - x_max * 0.015, inside.clone())
                } else {
                    (bar.share + x_max * 0.015, beside.clone())
                };
                Text::new(
                    style::percent(bar.share),
                    (x, SegmentValue::CenterOf(row)),
                    font,
                )
            }))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{TimeZone, Utc};

    use super::*;

    fn audience_of(breakdown: Breakdown, values: &[(&str, i64)]) -> Audience {
        serde_json::from_value(serde_json::json!({
            "breakdown": breakdown,
            "taken_at": Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(),
            "followers": values.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect::<BTreeMap<_, _>>(),
        }))
        .unwrap()
    }

    #[test]
    fn countries_past_the_limit_become_other() {
        let a = audience_of(
            Breakdown::Country,
            &[("US", 50), ("DE", 20), ("FR", 15), ("JP", 10), ("BR", 5)],
        );
        let (total, bars) = bars(&a, 3);
        assert_eq!(total, 100);
        let labels: Vec<&str> = bars.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["US", "DE", "Other (3)"]);
        assert!((bars[2].share - 30.0).abs() < 1e-9);
    }

    #[test]
    fn long_city_names_keep_the_city() {
        assert_eq!(
            value_label(Breakdown::City, "São Paulo, São Paulo State"),
            "São Paulo"
        );
        assert_eq!(
            value_label(Breakdown::City, "Berlin, Berlin"),
            "Berlin, Berlin"
        );
        assert_eq!(
            value_label(Breakdown::City, "Garmisch-Partenkirchen, Bavaria"),
            "Garmisch-Partenki…"
        );
        assert_eq!(value_label(Breakdown::Country, "US"), "US");
    }

    #[test]
    fn age_and_gender_keep_their_order() {
        let a = audience_of(Breakdown::Gender, &[("F", 10), ("M", 30), ("U", 0)]);
        let (_, bars) = bars(&a, 1);
        let labels: Vec<&str> = bars.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["Female", "Male"], "no Other, no empty value");
    }
}
