//! # threads-charts
//!
//! Charts of a Threads account's insights, drawn from the result types of
//! [`content_pipeline::insights`]:
//!
//! | chart | function | data |
//! |---|---|---|
//! | follower count per day | [`follower_growth`] | [`Growth`](content_pipeline::insights::Growth) ([`Pipeline::growth`](content_pipeline::Pipeline::growth)) |
//! | engagement rate per post (bars, %) | [`engagement_per_post`] | [`PostPerformance`](content_pipeline::insights::PostPerformance)s ([`Pipeline::post_performance`](content_pipeline::Pipeline::post_performance)) |
//! | weekday × hour heat map with a colour legend | [`best_hours`] | [`HeatMap`](content_pipeline::insights::HeatMap) ([`Pipeline::best_hours`](content_pipeline::Pipeline::best_hours)) |
//! | followers by country, age, gender (horizontal bars, %) | [`audience`] | [`Audience`](content_pipeline::insights::Audience)s ([`Pipeline::audience`](content_pipeline::Pipeline::audience)) |
//!
//! Each chart has a title, a subtitle that sums the data up, axes with
//! their units, and labels thinned out so they do not overlap.
//!
//! ## Output
//!
//! Every function returns an [`Svg`]: SVG text drawn by
//! [plotters](https://docs.rs/plotters)' SVG backend. [`Svg::to_png`]
//! rasterises it with [resvg](https://docs.rs/resvg) at any scale; text is
//! drawn with an embedded font (Roboto Regular, Apache License 2.0), so PNGs
//! look the same on every machine, with or without system fonts.
//!
//! ```
//! use threads_charts::{ChartOptions, follower_growth};
//! # fn demo(growth: &content_pipeline::insights::Growth) -> threads_charts::Result<()> {
//! let options = ChartOptions::default().size(1200, 600);
//! let chart = follower_growth(growth, &options)?;
//! chart.write_svg("followers.svg")?;
//! chart.write_png("followers.png", 2.0)?; // 2400 × 1200 pixels
//! # Ok(()) }
//! ```
//!
//! ## Empty data
//!
//! A chart with nothing to show is not drawn: the functions return
//! [`Error::NoData`] saying what is missing (no follower count yet, no post
//! with views, ...), so a host can print that instead of an empty frame
//! that looks like a chart of zeros.

mod audience;
mod engagement;
mod error;
mod frame;
mod growth;
mod heatmap;
mod options;
mod style;
mod svg;

pub use audience::audience;
pub use engagement::engagement_per_post;
pub use error::{Error, Result};
pub use growth::follower_growth;
pub use heatmap::best_hours;
pub use options::{ChartOptions, MAX_SIZE, MIN_SIZE};
pub use svg::Svg;
