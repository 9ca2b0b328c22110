//! Best posting hours: a weekday × hour grid coloured by engagement rate,
//! with a colour legend.

use chrono::Weekday;
use content_pipeline::insights::HeatMap;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{Error, Result};
use crate::frame::{self, MARGIN};
use crate::options::ChartOptions;
use crate::style;
use crate::svg::Svg;

const CHART: &str = "best hours";

/// Width of the legend column besides its labels: the colour bar and
/// margins, in pixels.
const LEGEND_BAR: u32 = 56;

/// The colour scale, light (low rates) to dark (high rates).
const SCALE: [(u8, u8, u8); 5] = [
    (222, 235, 247),
    (158, 202, 225),
    (66, 146, 198),
    (8, 81, 156),
    (8, 48, 107),
];

/// The colour of `t` in `[0, 1]` on [`SCALE`].
fn shade(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (SCALE.len() - 1) as f64;
    let i = (pos.floor() as usize).min(SCALE.len() - 2);
    let f = pos - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (SCALE[i], SCALE[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A rate (in percent) short enough for a cell: `"4.2"`, `"37"`, `">999"`.
fn cell_label(rate: f64) -> String {
    if !rate.is_finite() {
        String::new()
    } else if rate < 10.0 {
        format!("{rate:.1}")
    } else if rate < 999.5 {
        format!("{rate:.0}")
    } else {
        ">999".to_owned()
    }
}

const DAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn short_day(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Mon",
        Weekday::Tue => "Tue",
        Weekday::Wed => "Wed",
        Weekday::Thu => "Thu",
        Weekday::Fri => "Fri",
        Weekday::Sat => "Sat",
        Weekday::Sun => "Sun",
    }
}

/// The weekday × hour heat map of `map` in its zone: one cell per hour of
/// the week, coloured by the mean engagement rate of the posts published in
/// it (rate written in the cell when there is room), grey where nothing was
/// published, with a colour legend in percent on the right.
///
/// # Errors
/// [`Error::NoData`] when the map has no cell; [`Error::InvalidOptions`]
/// for bad options.
pub fn best_hours(map: &HeatMap, options: &ChartOptions) -> Result<Svg> {
    if map.is_empty() {
        return Err(Error::no_data(CHART, "no post with views to place"));
    }
    let rates: Vec<f64> = map
        .cells
        .iter()
        .map(|c| c.engagement_rate * 100.0)
        .filter(|r| r.is_finite())
        .collect();
    let low = rates.iter().copied().fold(f64::INFINITY, f64::min);
    let high = rates.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (low, high) = if !low.is_finite() || !high.is_finite() {
        (0.0, 1.0)
    } else if high - low < 1e-9 {
        ((low - 0.5).max(0.0), high + 0.5)
    } else {
        (low, high)
    };
    let t = |rate: f64| (rate * 100.0 - low) / (high - low);
    let posts: usize = map.cells.iter().map(|c| c.posts).sum();
    let zone = map.time_zone.name();
    let best = map
        .best(1)
        .first()
        .map(|c| {
            format!(
                " · best: {} ({})",
                c.label(),
                style::percent(c.engagement_rate * 100.0)
            )
        })
        .unwrap_or_default();
    let subtitle = format!(
        "{posts} post{} in {} hour{} of the week{best}",
        if posts == 1 { "" } else { "s" },
        map.cells.len(),
        if map.cells.len() == 1 { "" } else { "s" },
    );
    // Roughly the width of one cell; the rate is written when it fits.
    let legend_labels = style::value_axis_width(&format!("{}%", style::tick(high))) - 26;
    let legend_width = LEGEND_BAR + legend_labels;
    let cell_width =
        (f64::from(options.width) - f64::from(legend_width) - 2.0 * f64::from(MARGIN) - 80.0)
            / 24.0;
    let write_rates = cell_width >= 34.0;
    let hour_step = if cell_width >= 26.0 { 1 } else { 3 };

    frame::page(CHART, options, "Best posting hours", &subtitle, |area| {
        let (grid, legend) =
            area.split_horizontally(area.dim_in_pixel().0.saturating_sub(legend_width));
        let mut chart = ChartBuilder::on(&grid)
            .margin_left(MARGIN)
            .margin_right(12)
            .margin_top(8)
            .margin_bottom(12)
            .x_label_area_size(64)
            .y_label_area_size(80)
            // A segmented range holds its end too: 0..23 is 24 columns.
            .build_cartesian_2d((0..23).into_segmented(), (0..6).into_segmented())?;
        chart
            .configure_mesh()
            .disable_mesh()
            .axis_style(style::MUTED)
            .x_labels(24)
            .y_labels(7)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(h) if h % hour_step == 0 => format!("{h:02}"),
                _ => String::new(),
            })
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(row) => usize::try_from(6 - row)
                    .ok()
                    .and_then(|i| DAYS.get(i))
                    .map(|d| short_day(*d).to_owned())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(style::label())
            .axis_desc_style(style::axis_title())
            .x_desc(format!("Hour of publication ({zone})"))
            .y_desc("Weekday")
            .draw()?;
        let cells = DAYS
            .iter()
            .enumerate()
            .flat_map(|(day_index, day)| (0..24u32).map(move |hour| (day_index, *day, hour)));
        let mut boxes = Vec::with_capacity(7 * 24);
        let mut labels = Vec::new();
        for (day_index, day, hour) in cells {
            let row = 6 - i32::try_from(day_index).unwrap_or(0);
            let col = i32::try_from(hour).unwrap_or(0);
            let cell = map.cell(day, hour);
            let colour = cell.map_or(style::EMPTY, |c| shade(t(c.engagement_rate)));
            let mut rect = Rectangle::new(
                [
                    (SegmentValue::Exact(col), SegmentValue::Exact(row)),
                    (SegmentValue::Exact(col + 1), SegmentValue::Exact(row + 1)),
                ],
                colour.filled(),
            );
            rect.set_margin(1, 1, 1, 1);
            boxes.push(rect);
            if let (Some(c), true) = (cell, write_rates) {
                let ink = if t(c.engagement_rate) > 0.5 {
                    WHITE
                } else {
                    style::INK
                };
                labels.push(Text::new(
                    cell_label(c.engagement_rate * 100.0),
                    (SegmentValue::CenterOf(col), SegmentValue::CenterOf(row)),
                    style::text(13.0, ink).pos(Pos::new(HPos::Center, VPos::Center)),
                ));
            }
        }
        chart.draw_series(boxes)?;
        chart.draw_series(labels)?;

        // The legend: the scale from the lowest to the highest rate.
        let mut key = ChartBuilder::on(&legend)
            .margin_top(8)
            .margin_bottom(76)
            .margin_right(MARGIN)
            .y_label_area_size(legend_labels)
            .build_cartesian_2d(0.0..1.0, low..high)?;
        key.configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .axis_style(style::MUTED)
            .y_labels(6)
            .y_label_formatter(&|v| format!("{}%", style::tick(*v)))
            .label_style(style::label())
            .axis_desc_style(style::axis_title())
            .y_desc("Engagement rate")
            .draw()?;
        let steps = 60;
        key.draw_series((0..steps).map(|i| {
            let a = low + (high - low) * f64::from(i) / f64::from(steps);
            let b = low + (high - low) * f64::from(i + 1) / f64::from(steps);
            Rectangle::new(
                [(0.0, a), (1.0, b)],
                shade(f64::from(i) / f64::from(steps - 1)).filled(),
            )
        }))?;
        let note = style::text(14.0, style::MUTED).pos(Pos::new(HPos::Left, VPos::Top));
        let (_, legend_height) = legend.dim_in_pixel();
        let y = i32::try_from(legend_height).unwrap_or(0) - 56;
        legend.draw(&Rectangle::new(
            [(10, y), (26, y + 16)],
            style::EMPTY.filled(),
        ))?;
        legend.draw_text("no posts", &note, (32, y))?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_runs_from_light_to_dark() {
        let luminance = |c: RGBColor| u32::from(c.0) + u32::from(c.1) + u32::from(c.2);
        let mut previous = u32::MAX;
        for i in 0..=10 {
            let l = luminance(shade(f64::from(i) / 10.0));
            assert!(l < previous, "step {i} is not darker");
            previous = l;
        }
        assert_eq!(shade(f64::NAN), shade(0.0));
        assert_eq!(shade(7.0), shade(1.0));
    }

    #[test]
    fn cell_labels_stay_short() {
        assert_eq!(cell_label(4.25), "4.2");
        assert_eq!(cell_label(19.44), "19");
        assert_eq!(cell_label(500_000.0), ">999");
        assert_eq!(cell_label(f64::NAN), "");
    }
}
