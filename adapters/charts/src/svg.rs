//! A drawn chart: its SVG text, and its conversion to PNG.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use crate::error::{Error, Result};

/// The font text is drawn with in PNGs: Roboto Regular (Apache License 2.0,
/// Copyright 2015 Google Inc.; the license text ships in the crate's
/// `fonts/` directory). Embedded so rendering needs no system fonts.
const FONT: &[u8] = include_bytes!("../fonts/Roboto-Regular.ttf");

/// The family name of [`FONT`], which every generic family maps to.
const FONT_FAMILY: &str = "Roboto";

/// Largest PNG side, in pixels.
const MAX_PNG_SIDE: f32 = 16_384.0;

/// A chart as SVG text, with its size in pixels.
///
/// Text in the SVG names the generic `sans-serif` family, so a browser uses
/// its own sans-serif font; [`Svg::to_png`] draws it with the embedded
/// Roboto font, the same on every machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Svg {
    text: String,
    width: u32,
    height: u32,
}

impl Svg {
    pub(crate) fn new(text: String, width: u32, height: u32) -> Self {
        Self {
            text,
            width,
            height,
        }
    }

    /// The SVG document.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The SVG document, owned.
    pub fn into_string(self) -> String {
        self.text
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The chart as a PNG of `scale` times its size (2.0 for a sharp image
    /// on high-density screens), on a white background.
    ///
    /// # Errors
    /// [`Error::InvalidOptions`] for a scale that is not positive and finite
    /// or makes a side larger than 16,384 pixels; [`Error::Svg`] and
    /// [`Error::Png`] when rasterising or encoding fails.
    pub fn to_png(&self, scale: f32) -> Result<Vec<u8>> {
        let (width, height) = self.png_size(scale)?;
        let options = usvg::Options {
            font_family: FONT_FAMILY.to_owned(),
            fontdb: fonts(),
            ..usvg::Options::default()
        };
        let tree = usvg::Tree::from_str(&self.text, &options).map_err(Error::Svg)?;
        let mut pixmap = tiny_skia::Pixmap::new(width, height).ok_or_else(|| {
            Error::InvalidOptions(format!("a {width} × {height} image cannot be made"))
        })?;
        pixmap.fill(tiny_skia::Color::WHITE);
        resvg::render(
            &tree,
            tiny_skia::Transform::from_scale(scale, scale),
            &mut pixmap.as_mut(),
        );
        pixmap.encode_png().map_err(|e| Error::Png(Box::new(e)))
    }

    /// The pixel size of a PNG at `scale`.
    fn png_size(&self, scale: f32) -> Result<(u32, u32)> {
        if !scale.is_finite() || scale <= 0.0 {
            return Err(Error::InvalidOptions(format!(
                "the PNG scale must be a positive number, not {scale}"
            )));
        }
        let side = |v: u32| (v as f32 * scale).round();
        let (w, h) = (side(self.width), side(self.height));
        if w < 1.0 || h < 1.0 || w > MAX_PNG_SIDE || h > MAX_PNG_SIDE {
            return Err(Error::InvalidOptions(format!(
                "scale {scale} makes a {w} × {h} image; each side must be 1 to {MAX_PNG_SIDE} pixels"
            )));
        }
        Ok((w as u32, h as u32))
    }

    /// Writes the SVG document to `path`.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written.
    pub fn write_svg(&self, path: impl AsRef<Path>) -> Result<()> {
        write(path.as_ref(), self.text.as_bytes())
    }

    /// Writes the chart as a PNG at `scale` (see [`Svg::to_png`]) to `path`.
    ///
    /// # Errors
    /// As [`Svg::to_png`], and [`Error::Io`] when the file cannot be written.
    pub fn write_png(&self, path: impl AsRef<Path>, scale: f32) -> Result<()> {
        let png = self.to_png(scale)?;
        write(path.as_ref(), &png)
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

/// The font database: the embedded font, standing in for every generic
/// family. Built once.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_font_data(FONT.to_vec());
            db.set_sans_serif_family(FONT_FAMILY);
            db.set_serif_family(FONT_FAMILY);
            db.set_monospace_family(FONT_FAMILY);
            db.set_cursive_family(FONT_FAMILY);
            db.set_fantasy_family(FONT_FAMILY);
            Arc::new(db)
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Svg {
        Svg::new(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"><text x="10" y="50" font-family="sans-serif">Hi</text></svg>"#.to_owned(),
            400,
            300,
        )
    }

    #[test]
    fn bad_scales_are_refused() {
        for scale in [0.0, -1.0, f32::NAN, f32::INFINITY, 100.0] {
            assert!(
                matches!(tiny().to_png(scale), Err(Error::InvalidOptions(_))),
                "{scale}"
            );
        }
    }

    #[test]
    fn the_embedded_font_is_readable() {
        let db = fonts();
        assert_eq!(db.len(), 1);
        let face = db.faces().next().expect("one face");
        assert!(face.families.iter().any(|(name, _)| name == FONT_FAMILY));
    }

    #[test]
    fn broken_svg_is_a_typed_error() {
        let broken = Svg::new("<svg".to_owned(), 400, 300);
        assert!(matches!(broken.to_png(1.0), Err(Error::Svg(_))));
    }
}
