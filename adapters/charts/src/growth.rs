//! Follower growth over time: a line of the follower count per day.

use chrono::{Datelike, NaiveDate};
use content_pipeline::insights::Growth;
use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::frame::{self, MARGIN};
use crate::options::ChartOptions;
use crate::style;
use crate::svg::Svg;

const CHART: &str = "follower growth";

/// The follower count per day of `growth`, as a line over the dates of the
/// period (days in the account's zone), with the change over the period in
/// the subtitle. Days without a reading are bridged by the line.
///
/// # Errors
/// [`Error::NoData`] when no day of the period has a follower count;
/// [`Error::InvalidOptions`] for bad options.
///
/// # Example
/// ```
/// # fn demo(growth: &content_pipeline::insights::Growth) -> threads_charts::Result<()> {
/// let svg = threads_charts::follower_growth(growth, &threads_charts::ChartOptions::default())?;
/// svg.write_png("followers.png", 2.0)?;
/// # Ok(()) }
/// ```
pub fn follower_growth(growth: &Growth, options: &ChartOptions) -> Result<Svg> {
    let days: Vec<NaiveDate> = growth.days.iter().map(|d| d.date).collect();
    let points: Vec<(i32, i64)> = growth
        .days
        .iter()
        .enumerate()
        .filter_map(|(i, d)| Some((i32::try_from(i).ok()?, d.followers?)))
        .collect();
    let (Some(first_day), Some(last_day)) = (days.first().copied(), days.last().copied()) else {
        return Err(Error::no_data(CHART, "the period has no days"));
    };
    if points.is_empty() {
        return Err(Error::no_data(
            CHART,
            "no follower count was read in the period",
        ));
    }
    // Bounds in floating point: no overflow, whatever the counts.
    let low = points
        .iter()
        .map(|p| p.1 as f64)
        .fold(f64::INFINITY, f64::min);
    let high = points
        .iter()
        .map(|p| p.1 as f64)
        .fold(f64::NEG_INFINITY, f64::max);
    let pad = ((high - low) * 0.12).max(1.0).max(high.abs() * 0.01);
    // Counts start at zero; a negative reading (bad data) stays visible.
    let floor = if low >= 0.0 {
        (low - pad).max(0.0)
    } else {
        low - pad
    };
    let y_range = floor..(high + pad);
    let last = i32::try_from(days.len()).unwrap_or(i32::MAX) - 1;
    let x_range = if last == 0 { -1..1 } else { 0..last };

    let zone = growth.time_zone.name();
    let change = match (growth.followers_start, growth.followers_end) {
        (Some(a), Some(b)) => format!(
            "from {} to {} followers ({})",
            style::count(a),
            style::count(b),
            style::change(b.saturating_sub(a))
        ),
        _ => format!(
            "{} followers at the last reading",
            style::count(points[points.len() - 1].1)
        ),
    };
    let period = if first_day == last_day {
        format!("on {}", first_day.format("%b %-d, %Y"))
    } else {
        format!(
            "{} to {}",
            first_day.format("%b %-d, %Y"),
            last_day.format("%b %-d, %Y")
        )
    };
    let subtitle = format!("{change}  ·  {period}  ·  days in {zone}");
    let spans_years = first_day.year() != last_day.year();
    let date_label = move |i: &i32| -> String {
        let Ok(offset) = u64::try_from(*i) else {
            return String::new();
        };
        match first_day.checked_add_days(chrono::Days::new(offset)) {
            Some(d) if d <= last_day && spans_years => d.format("%b %-d %Y").to_string(),
            Some(d) if d <= last_day => d.format("%b %-d").to_string(),
            _ => String::new(),
        }
    };
    let label_count = (options.width as usize / 110)
        .clamp(2, 12)
        .min(days.len().max(2));

    frame::page(CHART, options, "Follower growth", &subtitle, |area| {
        let mut chart = ChartBuilder::on(area)
            .margin_left(MARGIN)
            .margin_right(MARGIN + 8)
            .margin_top(8)
            .margin_bottom(12)
            .x_label_area_size(64)
            .y_label_area_size(style::value_axis_width(&style::tick(high + pad)))
            .build_cartesian_2d(x_range.clone(), y_range.clone())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(style::GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(style::MUTED)
            .x_labels(label_count)
            .y_labels(6)
            .x_label_formatter(&date_label)
            .y_label_formatter(&|v| style::tick(*v))
            .label_style(style::label())
            .axis_desc_style(style::axis_title())
            .x_desc(format!("Date ({zone})"))
            .y_desc("Followers (count)")
            .draw()?;
        let line: Vec<(i32, f64)> = points.iter().map(|(x, y)| (*x, *y as f64)).collect();
        // A line needs two readings; one reading is a dot.
        if line.len() > 1 {
            chart.draw_series(AreaSeries::new(
                line.iter().copied(),
                y_range.start,
                style::ACCENT.mix(0.10),
            ))?;
            chart.draw_series(LineSeries::new(
                line.iter().copied(),
                style::ACCENT.stroke_width(3),
            ))?;
        }
        let dot = if line.len() > 60 { 2 } else { 4 };
        chart.draw_series(
            line.iter()
                .map(|p| Circle::new(*p, dot, style::ACCENT.filled())),
        )?;
        Ok(())
    })
}
