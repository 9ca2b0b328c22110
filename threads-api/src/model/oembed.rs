//! oEmbed: embeddable HTML for a public post (`GET /oembed`).

use serde::{Deserialize, Serialize};

/// Smallest accepted `maxwidth`.
pub const MIN_WIDTH: u32 = 320;
/// Largest accepted `maxwidth`.
pub const MAX_WIDTH: u32 = 658;

/// An oEmbed response.
///
/// Meta's terms allow this only for front-end display; using the metadata for
/// analytics is prohibited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OEmbed {
    /// Always `rich`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// oEmbed version (`1.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The HTML to embed (a blockquote plus the `embed.js` script).
    #[serde(default)]
    pub html: String,
    /// `Threads`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_name: Option<String>,
    /// `https://www.threads.com/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_url: Option<String>,
    /// Width of the embed in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height of the embed in pixels, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}
