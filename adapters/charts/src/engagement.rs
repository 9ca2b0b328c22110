//! Engagement per post: one bar per post, its engagement rate in percent.

use content_pipeline::insights::PostPerformance;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{Error, Result};
use crate::frame::{self, MARGIN};
use crate::options::ChartOptions;
use crate::style;
use crate::svg::Svg;

const CHART: &str = "engagement per post";

/// Most bars that get their value written above them.
const MAX_VALUE_LABELS: usize = 24;

/// Widest bar, in pixels: a few posts get bars, not blocks.
const MAX_BAR: i64 = 90;

/// The engagement rate ((likes + replies + reposts + quotes) / views, in
/// percent) of each post with views, one bar per post in the order given
/// (pass them oldest first, as [`Pipeline::post_performance`] returns them),
/// labelled with the publication date in
/// [`ChartOptions::time_zone`]. A line marks the mean rate.
///
/// [`Pipeline::post_performance`]: content_pipeline::Pipeline::post_performance
///
/// # Errors
/// [`Error::NoData`] when no post has views; [`Error::InvalidOptions`] for
/// bad options.
pub fn engagement_per_post(posts: &[PostPerformance], options: &ChartOptions) -> Result<Svg> {
    let zone = options.time_zone;
    let bars: Vec<(String, f64, i64)> = posts
        .iter()
        .filter_map(|p| {
            let rate = p.engagement_rate()? * 100.0;
            // Counts from the network are not trusted to be sane.
            let rate = if rate.is_finite() { rate.max(0.0) } else { 0.0 };
            let when = p.post.published_at.with_timezone(&zone);
            Some((when.format("%b %-d %H:%M").to_string(), rate, p.views()))
        })
        .collect();
    if bars.is_empty() {
        return Err(Error::no_data(CHART, "no post has views yet"));
    }
    let n = bars.len();
    let mean = bars.iter().map(|b| b.1).sum::<f64>() / n as f64;
    let top = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max);
    let y_max = (top * 1.3).max(1.0);
    let views: i64 = bars.iter().map(|b| b.2).fold(0, i64::saturating_add);
    let skipped = posts.len() - n;
    let mut subtitle = format!(
        "{n} post{} · mean {} · {} views in all",
        if n == 1 { "" } else { "s" },
        style::percent(mean),
        style::count(views)
    );
    if skipped > 0 {
        subtitle.push_str(&format!(" · {skipped} without views left out"));
    }
    // Room for one label per ~90 px of plot width.
    let capacity = ((options.width as usize).saturating_sub(160) / 90).max(1);
    let step = n.div_ceil(capacity).max(1);
    let labels = bars.iter().map(|b| b.0.clone()).collect::<Vec<_>>();
    let label = move |v: &SegmentValue<i32>| -> String {
        let i = match v {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => *i,
            SegmentValue::Last => return String::new(),
        };
        match usize::try_from(i) {
            Ok(i) if i % step == 0 => labels.get(i).cloned().unwrap_or_default(),
            _ => String::new(),
        }
    };

    let axis_width = style::value_axis_width(&format!("{}%", style::tick(y_max)));
    // The gap either side of a bar: narrow for many bars, wide enough for
    // few that no bar is wider than MAX_BAR.
    let plot_width = i64::from(options.width) - 2 * i64::from(MARGIN) - 8 - i64::from(axis_width);
    let segments = i64::from(style::slots(n).end - style::slots(n).start + 1);
    let slot = plot_width / segments.max(1);
    let gap = if n > 40 { 1 } else { 6 };
    let gap = u32::try_from(((slot - MAX_BAR) / 2).max(gap)).unwrap_or(6);
    frame::page(CHART, options, "Engagement per post", &subtitle, |area| {
        let mut chart = ChartBuilder::on(area)
            .margin_left(MARGIN)
            .margin_right(MARGIN + 8)
            .margin_top(8)
            .margin_bottom(12)
            .x_label_area_size(64)
            .y_label_area_size(axis_width)
            .build_cartesian_2d(style::slots(n).into_segmented(), 0.0..y_max)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(style::GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(style::MUTED)
            .x_labels(n)
            .y_labels(6)
            .x_label_formatter(&label)
            .y_label_formatter(&|v| format!("{}%", style::tick(*v)))
            .label_style(style::label())
            .axis_desc_style(style::axis_title())
            .x_desc(format!("Post, by publication time ({})", zone.name()))
            .y_desc("Engagement rate (%)")
            .draw()?;
        chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
            let x = i32::try_from(i).unwrap_or(i32::MAX);
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(x), 0.0),
                    (SegmentValue::Exact(x + 1), b.1),
                ],
                style::ACCENT.filled(),
            );
            bar.set_margin(0, 0, gap, gap);
            bar
        }))?;
        if n <= MAX_VALUE_LABELS {
            let above = style::text(14.0, style::INK).pos(Pos::new(HPos::Center, VPos::Bottom));
            chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
                let x = i32::try_from(i).unwrap_or(i32::MAX);
                Text::new(
                    style::percent(b.1),
                    (SegmentValue::CenterOf(x), b.1 + y_max * 0.01),
                    above.clone(),
                )
            }))?;
        }
        chart
            .draw_series(LineSeries::new(
                [
                    (SegmentValue::Exact(style::slots(n).start), mean),
                    (SegmentValue::Last, mean),
                ],
                style::SECOND.stroke_width(2),
            ))?
            .label(format!("mean rate {}", style::percent(mean)))
            .legend(|(x, y)| {
                PathElement::new([(x, y), (x + 24, y)], style::SECOND.stroke_width(2))
            });
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(style::GRID)
            .label_font(style::text(15.0, style::INK))
            .draw()?;
        Ok(())
    })
}
