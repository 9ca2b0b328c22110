//! oEmbed: `GET /oembed?url=...`, embeddable HTML for a public post.
//!
//! Since 2026-03-03 no access token is needed; before that an app token
//! (`TH|app_id|app_secret`) was required, which [`OEmbedRequest::token`] still
//! allows. Limit: 1,000 requests per hour. Posts of private, inactive,
//! age-restricted or geo-gated accounts cannot be embedded. Meta's terms allow
//! the result only for front-end display, not for analytics.

use crate::client::{RequestSpec, ThreadsClient};
use crate::error::Result;
use crate::model::OEmbed;
use crate::model::oembed::{MAX_WIDTH, MIN_WIDTH};
use crate::token::AccessToken;
use crate::validation::{Reason, ValidationError};

impl ThreadsClient {
    /// Embeddable HTML for the post at `url` (a permalink such as
    /// `https://www.threads.com/@user/post/<shortcode>` or
    /// `https://www.threads.com/t/<shortcode>`; threads.net links work too).
    ///
    /// ```no_run
    /// # use threads_api::ThreadsClient;
    /// # async fn run(client: ThreadsClient) -> Result<(), threads_api::Error> {
    /// let embed = client
    ///     .oembed("https://www.threads.com/@meta/post/C9Xyz")
    ///     .max_width(500)
    ///     .send()
    ///     .await?;
    /// println!("{}", embed.html);
    /// # Ok(()) }
    /// ```
    pub fn oembed(&self, url: impl Into<String>) -> OEmbedRequest {
        OEmbedRequest {
            client: self.clone(),
            url: url.into(),
            max_width: None,
            token: None,
        }
    }
}

/// Builder of `GET /oembed`. Created by [`ThreadsClient::oembed`].
#[derive(Debug, Clone)]
#[must_use = "the request is sent by `send()`"]
pub struct OEmbedRequest {
    client: ThreadsClient,
    url: String,
    max_width: Option<u32>,
    token: Option<AccessToken>,
}

impl OEmbedRequest {
    /// `maxwidth` in pixels, 320–658.
    pub fn max_width(mut self, width: u32) -> Self {
        self.max_width = Some(width);
        self
    }

    /// Sends an access token (an app token), for deployments that still need one.
    pub fn token(mut self, token: AccessToken) -> Self {
        self.token = Some(token);
        self
    }

    /// Checks the URL (an absolute `http(s)` URL) and `maxwidth` range.
    ///
    /// # Errors
    /// A [`ValidationError`] naming the offending parameter.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let url = self.url.trim();
        let has_host = ["https://", "http://"]
            .iter()
            .filter_map(|scheme| {
                url.get(..scheme.len())
                    .filter(|p| p.eq_ignore_ascii_case(scheme))
                    .map(|_| &url[scheme.len()..])
            })
            .any(|rest| !rest.is_empty() && !rest.starts_with('/'));
        if !has_host || url.contains(char::is_whitespace) {
            return Err(ValidationError::new(
                "url",
                Reason::Invalid {
                    message: format!("{url:?} is not an absolute http(s) URL of a Threads post"),
                },
            ));
        }
        if let Some(w) = self.max_width
            && !(MIN_WIDTH..=MAX_WIDTH).contains(&w)
        {
            return Err(ValidationError::new(
                "maxwidth",
                Reason::OutOfRange {
                    min: i64::from(MIN_WIDTH),
                    max: i64::from(MAX_WIDTH),
                    actual: i64::from(w),
                },
            ));
        }
        Ok(())
    }

    /// Sends the request.
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) (see
    /// [`validate`](Self::validate)); any request error.
    pub async fn send(self) -> Result<OEmbed> {
        self.validate()?;
        let mut spec = RequestSpec::get(["oembed"])
            .query("url", self.url.trim())
            .query_opt("maxwidth", self.max_width.map(|w| w.to_string()));
        if let Some(token) = &self.token {
            spec = spec.token(token);
        }
        self.client.send(spec).await
    }
}

awaitable!(OEmbedRequest => OEmbed);
