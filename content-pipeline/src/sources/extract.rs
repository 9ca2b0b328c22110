//! Main-content extraction from a web page: title, byline and text with
//! `dom_smoothie` (a port of Mozilla's Readability), OpenGraph and Twitter
//! card values and the canonical URL from the page's `<head>`.

use std::collections::BTreeMap;

use dom_query::Document;
use dom_smoothie::{Config, Readability, TextMode};
use url::Url;

use super::error::SourceError;

/// Most elements a page may have before extraction gives up (a page this
/// large is not an article; the body size cap usually stops it earlier).
const MAX_ELEMENTS: usize = 100_000;

/// Main text shorter than this (in characters) is treated as "Readability
/// found nothing", and the fallback reads the page's body.
const MIN_TEXT_CHARS: usize = 80;

/// What extraction found in a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Extracted {
    /// The page's title (the article's headline when it has one).
    pub title: Option<String>,
    /// The author line.
    pub byline: Option<String>,
    /// The main text: paragraphs separated by blank lines, navigation,
    /// scripts and boilerplate left out.
    pub text: String,
    /// A short description (the page's or the article's first paragraph).
    pub excerpt: Option<String>,
    /// The site's name.
    pub site_name: Option<String>,
    /// The document's language.
    pub lang: Option<String>,
    /// When the article was published, as the page states it.
    pub published: Option<String>,
    /// The canonical URL (`<link rel="canonical">`, else `og:url`), absolute.
    pub canonical_url: Option<String>,
    /// Every `og:*`, `twitter:*` and `article:*` meta value, by property
    /// name (lowercase); the first of repeated properties wins.
    pub meta: BTreeMap<String, String>,
}

impl Extracted {
    /// Everything but title and text as one flat map (the form
    /// [`Source::metadata`](store_traits::Source::metadata) stores):
    /// `byline`, `excerpt`, `site_name`, `lang`, `published`,
    /// `canonical_url`, and the meta values under their property names.
    pub fn metadata(&self) -> BTreeMap<String, String> {
        let mut out = self.meta.clone();
        let fields = [
            ("byline", &self.byline),
            ("excerpt", &self.excerpt),
            ("site_name", &self.site_name),
            ("lang", &self.lang),
            ("published", &self.published),
            ("canonical_url", &self.canonical_url),
        ];
        for (key, value) in fields {
            if let Some(value) = value {
                out.insert(key.to_owned(), value.clone());
            }
        }
        out
    }
}

/// Whitespace tidied: spaces collapsed inside lines, at most one blank line
/// between paragraphs, no blank lines at either end.
pub(crate) fn tidy_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0usize;
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(&line);
    }
    out
}

/// A one-line value: whitespace collapsed, empty as `None`.
fn one_line(text: &str) -> Option<String> {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!line.is_empty()).then_some(line)
}

/// `og:*`, `twitter:*`, `article:*`, `author` and `description` meta values.
fn read_meta(doc: &Document) -> BTreeMap<String, String> {
    let mut meta = BTreeMap::new();
    for node in doc.select("meta").nodes() {
        let Some(key) = node.attr("property").or_else(|| node.attr("name")) else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let wanted = key.starts_with("og:")
            || key.starts_with("twitter:")
            || key.starts_with("article:")
            || key == "author"
            || key == "description";
        if !wanted {
            continue;
        }
        if let Some(value) = node.attr("content").and_then(|v| one_line(&v)) {
            meta.entry(key).or_insert(value);
        }
    }
    meta
}

/// An absolute http(s) URL for `href`, resolved against `base`.
fn absolute(base: &Url, href: &str) -> Option<String> {
    let url = base.join(href.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

fn canonical(doc: &Document, base: &Url, meta: &BTreeMap<String, String>) -> Option<String> {
    doc.select("link[rel][href]")
        .nodes()
        .iter()
        .find(|node| {
            node.attr("rel").is_some_and(|rel| {
                rel.split_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("canonical"))
            })
        })
        .and_then(|node| node.attr("href"))
        .and_then(|href| absolute(base, &href))
        .or_else(|| meta.get("og:url").and_then(|u| absolute(base, u)))
}

/// The body's visible text, without scripts, navigation and page furniture:
/// for pages Readability finds no article in.
fn body_text(doc: &Document) -> String {
    doc.select(
        "script, style, noscript, template, nav, header, footer, aside, form, \
         button, select, iframe, svg, [hidden], [aria-hidden=true]",
    )
    .remove();
    let body = doc.select("body");
    let text = if body.exists() {
        body.formatted_text()
    } else {
        doc.formatted_text()
    };
    tidy_text(&text)
}

/// Extracts the main content of an HTML page (synchronous DOM work: call it
/// from a blocking thread, or use [`extract_page`]).
///
/// Title, byline and text come from Readability; a page without article
/// markup falls back to its body text without navigation, headers, footers,
/// forms and scripts. Fails with [`SourceError::Extraction`] when the page
/// has no text at all.
///
/// ```
/// use content_pipeline::sources::extract_html;
///
/// let html = r#"<html><head><title>Proofing times | Crumb</title>
///   <meta property="og:title" content="Proofing times">
///   <link rel="canonical" href="/proofing"></head>
///   <body><article><h1>Proofing times</h1>
///   <p>Dough proofs faster in a warm kitchen. Check it by poking it gently:
///   a slow spring back means it is ready for the oven.</p></article></body></html>"#;
/// let base = url::Url::parse("https://crumb.example/posts/7").unwrap();
/// let page = extract_html(html, &base).unwrap();
/// assert_eq!(page.title.as_deref(), Some("Proofing times"));
/// assert!(page.text.contains("slow spring back"));
/// assert_eq!(page.canonical_url.as_deref(), Some("https://crumb.example/proofing"));
/// ```
pub fn extract_html(html: &str, url: &Url) -> Result<Extracted, SourceError> {
    let doc = Document::from(html);
    let meta = read_meta(&doc);
    let canonical_url = canonical(&doc, url, &meta);
    let head_title = one_line(&doc.select("head title").text());
    let first_heading = one_line(&doc.select("h1").first().text());

    let config = Config {
        max_elements_to_parse: MAX_ELEMENTS,
        text_mode: TextMode::Formatted,
        ..Config::default()
    };
    let article = Readability::with_document(doc, Some(url.as_str()), Some(config))
        .and_then(|mut readability| readability.parse())
        .ok();

    let mut out = Extracted {
        meta,
        canonical_url,
        ..Extracted::default()
    };
    if let Some(article) = &article {
        out.title = one_line(&article.title);
        out.byline = article.byline.as_deref().and_then(one_line);
        out.excerpt = article.excerpt.as_deref().and_then(one_line);
        out.site_name = article.site_name.as_deref().and_then(one_line);
        out.lang = article.lang.as_deref().and_then(one_line);
        out.published = article.published_time.as_deref().and_then(one_line);
        out.text = tidy_text(&article.text_content);
    }
    if out.text.chars().count() < MIN_TEXT_CHARS {
        // Readability changed its copy of the DOM: read the page afresh.
        let body = body_text(&Document::from(html));
        if body.chars().count() > out.text.chars().count() {
            out.text = body;
        }
    }
    out.title = out
        .title
        .or_else(|| out.meta.get("og:title").cloned())
        .or_else(|| out.meta.get("twitter:title").cloned())
        .or(head_title)
        .or(first_heading);
    out.byline = out
        .byline
        .or_else(|| out.meta.get("author").cloned())
        .or_else(|| out.meta.get("article:author").cloned());
    out.excerpt = out
        .excerpt
        .or_else(|| out.meta.get("og:description").cloned())
        .or_else(|| out.meta.get("description").cloned());
    out.site_name = out
        .site_name
        .or_else(|| out.meta.get("og:site_name").cloned());
    out.published = out
        .published
        .or_else(|| out.meta.get("article:published_time").cloned());
    if out.text.is_empty() {
        return Err(SourceError::Extraction {
            reason: "the page has no text".into(),
        });
    }
    Ok(out)
}

/// [`extract_html`] on a blocking thread (the DOM work is synchronous and
/// can take a while on large pages).
pub async fn extract_page(html: String, url: Url) -> Result<Extracted, SourceError> {
    tokio::task::spawn_blocking(move || extract_html(&html, &url))
        .await
        .map_err(|e| SourceError::Extraction {
            reason: format!("extraction stopped: {e}"),
        })?
}

/// Plain text of an HTML fragment (a feed item's content).
pub(crate) fn fragment_text(html: &str) -> String {
    let doc = Document::fragment(html);
    doc.select("script, style, noscript, template").remove();
    tidy_text(&doc.formatted_text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_text_keeps_paragraphs_and_drops_noise() {
        assert_eq!(
            tidy_text("  One   two \n\n\n\n three\n four  \n\n"),
            "One two\n\nthree\nfour"
        );
        assert_eq!(tidy_text("\n \n"), "");
    }

    #[test]
    fn fragments_become_text() {
        let text = fragment_text("<p>Hello <b>there</b>.</p><script>x()</script><p>Next.</p>");
        assert!(text.contains("Hello there."), "{text}");
        assert!(text.contains("Next."), "{text}");
        assert!(!text.contains("x()"), "{text}");
    }

    #[test]
    fn an_empty_page_is_an_extraction_error() {
        let url = Url::parse("https://example.com/").expect("url");
        assert!(matches!(
            extract_html("<html><body><script>1</script></body></html>", &url),
            Err(SourceError::Extraction { .. })
        ));
    }
}
