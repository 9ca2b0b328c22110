//! A reachability probe of the URL Meta will fetch: `HEAD`, falling back to a
//! one-byte ranged `GET` (`Range: bytes=0-0`) when `HEAD` is refused (as it
//! is for presigned S3 URLs, which are signed for `GET` only). It reports the
//! status, `Content-Type` and length without downloading the body.

use std::fmt;
use std::time::Duration;

use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, LOCATION, RANGE};
use reqwest::{Method, Response, redirect};
use url::Url;

use crate::error::redact_url;
use crate::rules::{Limit, Measure, PreflightError, Rule};
use crate::{Error, Limits, MediaKind, MediaType};

/// Settings of a [`Prober`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProbeOptions {
    /// Time allowed for each request, connection included (10 s).
    pub timeout: Duration,
    /// Redirects followed per request before giving up (3). Each hop must be
    /// an `http` or `https` URL.
    pub max_redirects: u8,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            timeout: Duration::from_secs(10),
            max_redirects: 3,
        }
    }
}

/// Which request produced a [`ProbeReport`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeMethod {
    /// A `HEAD` request that succeeded.
    Head,
    /// A `GET` with `Range: bytes=0-0`, sent because `HEAD` did not succeed.
    RangedGet,
}

/// What a probe saw at the end of the redirects.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProbeReport {
    /// The URL that answered (after redirects).
    pub url: Url,
    /// How many redirects were followed.
    pub redirects: u8,
    /// The request that produced this report.
    pub method: ProbeMethod,
    /// The HTTP status code (`206` for a ranged `GET` the server honoured).
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The full length of the resource: `Content-Length` of a `HEAD` or of
    /// a `GET` that ignored the range, or the total of `Content-Range`.
    pub content_length: Option<u64>,
}

impl fmt::Debug for ProbeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProbeReport")
            .field("url", &redact_url(self.url.as_str()))
            .field("redirects", &self.redirects)
            .field("method", &self.method)
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("content_length", &self.content_length)
            .finish()
    }
}

impl ProbeReport {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The media type named by `Content-Type`, if it is one Threads accepts.
    pub fn media_type(&self) -> Option<MediaType> {
        self.content_type.as_deref().and_then(MediaType::from_mime)
    }

    /// Checks the report for media of `kind`: a 2xx status, a `Content-Type`
    /// Threads accepts for that kind, and a length (when announced) within
    /// the file-size limit.
    ///
    /// Meta's documentation does not say whether its fetcher looks at
    /// `Content-Type`; requiring the right one is a conservative choice
    /// (object stores answer `application/octet-stream` when none was set
    /// at upload, which some fetchers refuse).
    ///
    /// # Errors
    ///
    /// A [`PreflightError`] naming [`Rule::UrlStatus`],
    /// [`Rule::UrlContentType`] or [`Rule::UrlContentLength`].
    pub fn check(&self, kind: MediaKind, limits: &Limits) -> Result<(), PreflightError> {
        if !self.is_success() {
            return Err(PreflightError::new(
                Rule::UrlStatus,
                Measure::Status(self.status),
                Limit::Requires("a 2xx status (200, or 206 for a ranged GET)"),
            ));
        }
        let (accepted, max_bytes) = match kind {
            MediaKind::Image => (vec!["image/jpeg", "image/png"], limits.image.max_bytes),
            MediaKind::Video => (vec!["video/mp4", "video/quicktime"], limits.video.max_bytes),
        };
        if self.media_type().map(MediaType::kind) != Some(kind) {
            let measured = match &self.content_type {
                Some(ct) => ct.clone(),
                None => "no Content-Type".to_owned(),
            };
            return Err(PreflightError::new(
                Rule::UrlContentType,
                Measure::Text(measured),
                Limit::OneOf(accepted),
            ));
        }
        if let Some(n) = self.content_length.filter(|n| *n > max_bytes) {
            return Err(PreflightError::new(
                Rule::UrlContentLength,
                Measure::Bytes(n),
                Limit::AtMost(Measure::Bytes(max_bytes)),
            ));
        }
        Ok(())
    }
}

/// Probes media URLs with one HTTP client.
#[derive(Debug, Clone)]
pub struct Prober {
    client: reqwest::Client,
    max_redirects: u8,
}

impl Prober {
    /// A prober with its own HTTP client (redirects are followed by the
    /// prober, not the client, so each hop is checked and counted).
    ///
    /// # Errors
    ///
    /// [`Error::HttpClient`] if the client cannot be built (no TLS backend).
    pub fn new(options: &ProbeOptions) -> Result<Prober, Error> {
        let client = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .build()
            .map_err(Error::HttpClient)?;
        Ok(Prober {
            client,
            max_redirects: options.max_redirects,
        })
    }

    /// A prober using the caller's client (to share its pool and proxy
    /// settings). Build that client with
    /// `redirect(reqwest::redirect::Policy::none())` and a timeout: a
    /// client that follows redirects itself hides them from the count.
    pub fn with_client(client: reqwest::Client, max_redirects: u8) -> Prober {
        Prober {
            client,
            max_redirects,
        }
    }

    /// Probes `url`: `HEAD` first, then a ranged `GET` if `HEAD` did not
    /// succeed. A non-2xx answer is a report, not an error; check it with
    /// [`ProbeReport::check`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] for a URL that is not `http`/`https`,
    /// [`Error::Redirect`] for too many or unusable redirects, and
    /// [`Error::Probe`] when no answer came (connection refused, TLS,
    /// timeout).
    pub async fn probe(&self, url: &str) -> Result<ProbeReport, Error> {
        let start = parse_http_url(url)?;
        let (url, redirects, response) = self.follow(Method::HEAD, start.clone()).await?;
        if response.status().is_success() {
            return Ok(report(url, redirects, ProbeMethod::Head, &response));
        }
        drop(response);
        let (url, redirects, response) = self.follow(Method::GET, start).await?;
        Ok(report(url, redirects, ProbeMethod::RangedGet, &response))
    }

    /// Sends `method` to `url`, following redirects up to the cap. A `GET`
    /// asks for the first byte only; its body is never read.
    async fn follow(&self, method: Method, mut url: Url) -> Result<(Url, u8, Response), Error> {
        let mut redirects = 0u8;
        loop {
            let mut request = self.client.request(method.clone(), url.clone());
            if method == Method::GET {
                request = request.header(RANGE, "bytes=0-0");
            }
            let response = request.send().await.map_err(|e| Error::Probe {
                url: redact_url(url.as_str()),
                source: e.without_url(),
            })?;
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let Some(location) = location.filter(|_| response.status().is_redirection()) else {
                return Ok((url, redirects, response));
            };
            if redirects >= self.max_redirects {
                return Err(Error::Redirect {
                    url: redact_url(url.as_str()),
                    reason: format!("more than {} redirects", self.max_redirects),
                });
            }
            let next = url.join(&location).map_err(|e| Error::Redirect {
                url: redact_url(url.as_str()),
                reason: format!("unusable Location header: {e}"),
            })?;
            if !matches!(next.scheme(), "http" | "https") {
                return Err(Error::Redirect {
                    url: redact_url(url.as_str()),
                    reason: format!("redirect to a {} URL", next.scheme()),
                });
            }
            redirects += 1;
            url = next;
        }
    }
}

/// Probes `url` with [`ProbeOptions::default`] (10 s timeout, 3 redirects).
///
/// # Errors
///
/// As [`Prober::probe`], plus [`Error::HttpClient`].
///
/// ```no_run
/// use threads_media::{Limits, MediaKind, probe_url};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let report = probe_url("https://media.example.com/acct/0190f5a2.jpg").await?;
/// report.check(MediaKind::Image, &Limits::default())?;
/// # Ok(())
/// # }
/// ```
pub async fn probe_url(url: &str) -> Result<ProbeReport, Error> {
    Prober::new(&ProbeOptions::default())?.probe(url).await
}

/// Parses an absolute `http`/`https` URL.
pub(crate) fn parse_http_url(url: &str) -> Result<Url, Error> {
    let parsed = Url::parse(url).map_err(|e| Error::InvalidUrl {
        url: redact_url(url),
        reason: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::InvalidUrl {
            url: redact_url(url),
            reason: format!("the scheme is {}, not http or https", parsed.scheme()),
        });
    }
    Ok(parsed)
}

fn report(url: Url, redirects: u8, method: ProbeMethod, response: &Response) -> ProbeReport {
    let headers = response.headers();
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::trim)
    };
    // Read the header itself: a HEAD response has no body, so the body's
    // size hint would say 0.
    let declared = text(CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    let status = response.status().as_u16();
    let content_length = if status == 206 {
        // `bytes 0-0/12345`; the total may be `*` (unknown).
        text(CONTENT_RANGE)
            .and_then(|v| v.rsplit_once('/'))
            .and_then(|(_, total)| total.parse::<u64>().ok())
    } else if (200..300).contains(&status) {
        declared
    } else {
        None
    };
    ProbeReport {
        url,
        redirects,
        method,
        status,
        content_type: text(CONTENT_TYPE).map(str::to_owned),
        content_length,
    }
}
