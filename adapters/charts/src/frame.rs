//! The frame every chart is drawn in: a white page with a title and a
//! subtitle on top.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{Error, Result};
use crate::options::ChartOptions;
use crate::style;
use crate::svg::Svg;

/// The drawing area charts draw on.
pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// What drawing on an [`Area`] can fail with.
pub(crate) type DrawError = DrawingAreaErrorKind<std::io::Error>;

/// Height of the title block, in pixels.
const HEADER: u32 = 76;
/// Left and right page margin.
pub(crate) const MARGIN: i32 = 24;

/// Draws a chart: the page, `title` (or the options' title) and
/// `subtitle`, then `body` on the area below them.
pub(crate) fn page<F>(
    chart: &'static str,
    options: &ChartOptions,
    title: &str,
    subtitle: &str,
    body: F,
) -> Result<Svg>
where
    F: FnOnce(&Area<'_>) -> Result<(), DrawError>,
{
    options.check()?;
    let (width, height) = (options.width, options.height);
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (width, height)).into_drawing_area();
        let drawn = (|| {
            root.fill(&WHITE)?;
            let left = Pos::new(HPos::Left, VPos::Top);
            root.draw_text(
                options.title_or(title),
                &style::bold(30.0, style::INK).pos(left),
                (MARGIN, 14),
            )?;
            root.draw_text(
                subtitle,
                &style::text(18.0, style::MUTED).pos(left),
                (MARGIN, 48),
            )?;
            let (_, below) = root.split_vertically(HEADER);
            body(&below)?;
            root.present()
        })();
        drawn.map_err(Error::draw(chart))?;
    }
    Ok(Svg::new(text, width, height))
}
