//! Colours, text sizes and number formats shared by the charts.

use plotters::style::{FontDesc, FontStyle, IntoFont, RGBColor, TextStyle};

/// Text and axis lines.
pub(crate) const INK: RGBColor = RGBColor(33, 37, 41);
/// Secondary text (subtitles, notes).
pub(crate) const MUTED: RGBColor = RGBColor(100, 106, 115);
/// Grid lines.
pub(crate) const GRID: RGBColor = RGBColor(225, 228, 232);
/// The main series colour.
pub(crate) const ACCENT: RGBColor = RGBColor(37, 99, 235);
/// A second series colour (averages, "before" bars).
pub(crate) const SECOND: RGBColor = RGBColor(234, 88, 12);
/// Cells and bars that hold nothing.
pub(crate) const EMPTY: RGBColor = RGBColor(243, 244, 246);

/// The generic family every text uses.
pub(crate) const FAMILY: &str = "sans-serif";

/// A text style of `size` pixels in `color`.
pub(crate) fn text(size: f64, color: RGBColor) -> TextStyle<'static> {
    FontDesc::new(FAMILY.into(), size, FontStyle::Normal).color(&color)
}

/// A bold text style.
pub(crate) fn bold(size: f64, color: RGBColor) -> TextStyle<'static> {
    (FAMILY, size)
        .into_font()
        .style(FontStyle::Bold)
        .color(&color)
}

/// Tick labels.
pub(crate) fn label() -> TextStyle<'static> {
    text(15.0, INK)
}

/// Axis titles.
pub(crate) fn axis_title() -> TextStyle<'static> {
    text(17.0, INK)
}

/// The segmented range for `n` bars (`n` at least 1). A segmented range
/// holds its end too, so `0..n-1` is `n` segments; a single bar gets
/// `-1..1`, an empty segment either side, since a range of one value has no
/// width.
pub(crate) fn slots(n: usize) -> std::ops::Range<i32> {
    let n = i32::try_from(n).unwrap_or(i32::MAX);
    if n <= 1 { -1..1 } else { 0..n - 1 }
}

/// Width of a value axis's label area, in pixels: room for tick labels as
/// long as `widest` (about 9 pixels a character at the tick label size)
/// and for the rotated axis title beside them; at least 96.
pub(crate) fn value_axis_width(widest: &str) -> u32 {
    let chars = u32::try_from(widest.chars().count()).unwrap_or(u32::MAX);
    chars.saturating_mul(9).saturating_add(50).max(96)
}

/// `12345` as `"12,345"`.
pub(crate) fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A signed change: `"+12"`, `"-3"`, `"±0"`.
pub(crate) fn change(n: i64) -> String {
    match n {
        0 => "±0".to_owned(),
        n if n > 0 => format!("+{}", count(n)),
        n => count(n),
    }
}

/// A percentage (already × 100) with one decimal below 10, none above,
/// grouped when large: `"4.2%"`, `"37%"`, `"5,003%"`.
pub(crate) fn percent(p: f64) -> String {
    if p.abs() < 10.0 {
        format!("{p:.1}%")
    } else {
        format!("{}%", count(p.round() as i64))
    }
}

/// An axis label value: whole numbers plain, else one decimal.
pub(crate) fn tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        count(v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let cut: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        let mut cut: String = cut.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(-1_234_567), "-1,234,567");
        assert_eq!(change(5), "+5");
        assert_eq!(change(-1_500), "-1,500");
        assert_eq!(change(0), "±0");
    }

    #[test]
    fn percents_and_ticks() {
        assert_eq!(percent(4.25), "4.2%");
        assert_eq!(percent(37.4), "37%");
        assert_eq!(percent(500_300.0), "500,300%");
        assert_eq!(tick(1_500.0), "1,500");
        assert_eq!(tick(2.5), "2.5");
    }

    #[test]
    fn value_axes_widen_for_long_labels() {
        assert_eq!(value_axis_width("1,500"), 96);
        assert!(value_axis_width("9,223,372,036,854,775,807") > 200);
    }

    #[test]
    fn shortening_counts_characters() {
        assert_eq!(shorten("héllo", 10), "héllo");
        assert_eq!(shorten("héllo wörld", 6), "héllo…");
    }
}
