//! The crate's one error type.

use std::path::PathBuf;

/// A boxed error source.
type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything drawing, converting or writing a chart can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The data holds nothing to draw (no follower count, no post with
    /// views, an empty heat map or audience). No chart is made: a chart
    /// without data would look like a chart of zeros.
    #[error("no data for the {chart} chart: {reason}")]
    NoData {
        /// Which chart (`"follower growth"`, ...).
        chart: &'static str,
        /// What is missing.
        reason: String,
    },

    /// The options cannot make a chart (a size of zero or too large, a
    /// scale that is not a positive finite number).
    #[error("invalid chart options: {0}")]
    InvalidOptions(String),

    /// plotters failed while drawing.
    #[error("drawing the {chart} chart failed: {source}")]
    Draw {
        /// Which chart.
        chart: &'static str,
        /// The drawing error.
        #[source]
        source: BoxError,
    },

    /// The SVG could not be read back for rasterising.
    #[error("the chart's SVG cannot be read: {0}")]
    Svg(#[source] resvg::usvg::Error),

    /// The PNG could not be made.
    #[error("PNG encoding failed: {0}")]
    Png(#[source] BoxError),

    /// Writing a file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn no_data(chart: &'static str, reason: impl Into<String>) -> Self {
        Self::NoData {
            chart,
            reason: reason.into(),
        }
    }

    /// A closure that wraps a plotters error for `chart`.
    pub(crate) fn draw<E>(chart: &'static str) -> impl FnOnce(E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        move |e| Self::Draw {
            chart,
            source: Box::new(e),
        }
    }
}
