//! What every chart takes besides its data: size, title, time zone.

use chrono_tz::Tz;

use crate::error::{Error, Result};

/// Smallest width or height a chart is drawn at, in pixels.
pub const MIN_SIZE: u32 = 320;
/// Largest width or height a chart is drawn at, in pixels.
pub const MAX_SIZE: u32 = 8_000;

/// Size and title of a chart. Start from [`ChartOptions::default`]
/// (960 × 540, each chart's own title) and change what you need.
///
/// ```
/// let options = threads_charts::ChartOptions::default()
///     .size(1200, 600)
///     .title("Followers, March");
/// assert_eq!(options.width, 1200);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChartOptions {
    /// Width in pixels (SVG user units); PNGs multiply it by their scale.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The title; `None` uses the chart's own ("Follower growth", ...).
    pub title: Option<String>,
    /// Most bars per breakdown in the audience chart; the rest are summed
    /// as "Other".
    pub max_bars: usize,
    /// The zone publication times are shown in by the engagement chart
    /// (UTC by default; pass the account's zone). Growth and heat map
    /// results carry their own zone.
    pub time_zone: Tz,
}

impl Default for ChartOptions {
    fn default() -> Self {
        Self {
            width: 960,
            height: 540,
            title: None,
            max_bars: 8,
            time_zone: Tz::UTC,
        }
    }
}

impl ChartOptions {
    /// Sets the size in pixels.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.width = width;
        self.height = height;
        self
    }

    /// Sets the title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the most bars per breakdown of the audience chart (at least 1).
    pub fn max_bars(mut self, n: usize) -> Self {
        self.max_bars = n;
        self
    }

    /// Sets the zone the engagement chart shows publication times in.
    pub fn time_zone(mut self, zone: Tz) -> Self {
        self.time_zone = zone;
        self
    }

    /// The title to draw: the one set, else `default`.
    pub(crate) fn title_or<'a>(&'a self, default: &'a str) -> &'a str {
        self.title.as_deref().unwrap_or(default)
    }

    /// Checks the size and bar count.
    pub(crate) fn check(&self) -> Result<()> {
        for (name, value) in [("width", self.width), ("height", self.height)] {
            if !(MIN_SIZE..=MAX_SIZE).contains(&value) {
                return Err(Error::InvalidOptions(format!(
                    "{name} {value} is outside {MIN_SIZE}..={MAX_SIZE} pixels"
                )));
            }
        }
        if self.max_bars == 0 {
            return Err(Error::InvalidOptions(
                "max_bars must be at least 1".to_owned(),
            ));
        }
        Ok(())
    }
}
