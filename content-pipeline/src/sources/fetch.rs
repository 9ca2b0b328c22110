//! [`SourceFetcher`]: fetches a URL without letting it reach anything but the
//! public internet.
//!
//! # How a fetch goes
//!
//! For the URL and again for every redirect (at most
//! [`FetchPolicy::max_redirects`]):
//!
//! 1. the URL is parsed (numeric IPv4 spellings such as `2130706433`,
//!    `0x7f.1` or `017700000001` become the address they stand for); only
//!    `http` and `https` without credentials pass;
//! 2. a literal address is checked; a name is resolved **once**, through the
//!    fetcher's [`HostResolver`], and every address it gave is checked
//!    ([`classify_address`]): one refused address
//!    refuses the host;
//! 3. the request is sent by an HTTP client whose only resolver answers that
//!    host with exactly the checked addresses, so the connection goes where
//!    the check looked (a second, different DNS answer is never asked for);
//!    proxies are off and the client follows no redirect itself;
//! 4. a redirect's `Location` goes back to step 1; any other answer must be
//!    a success with an allowed content type, and its body is read (after
//!    decompression) up to [`FetchPolicy::max_body_bytes`].
//!
//! The whole fetch, redirects and body included, is bounded by
//! [`FetchPolicy::timeout`].
//!
//! # Turning the guard off
//!
//! Only code can do it, per fetcher:
//! [`SourceFetcherBuilder::trust_address`] lets one address through (a
//! host's own service, or a test server), and
//! [`SourceFetcherBuilder::disable_address_guard`] lets everything through
//! (tests against local servers). Neither is reachable from
//! [`PipelineConfig`](crate::PipelineConfig).

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use url::{Host, Url};

use super::address::{classify_address, is_localhost_name, parse_ipv4_host};
use super::error::SourceError;
use crate::config::FetchPolicy;

/// Resolves host names for the fetcher. The fetcher asks once per URL it
/// visits and connects only to the addresses returned (after checking every
/// one of them), so a resolver that answers differently the second time
/// cannot steer the connection.
#[async_trait]
pub trait HostResolver: Send + Sync + fmt::Debug {
    /// The addresses of `host` (a name, never an IP literal).
    async fn resolve(&self, host: &str) -> std::io::Result<Vec<IpAddr>>;
}

/// The operating system's resolver (`getaddrinfo`, through tokio).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

#[async_trait]
impl HostResolver for SystemResolver {
    async fn resolve(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        let addrs = tokio::net::lookup_host((host, 0)).await?;
        Ok(addrs.map(|a| a.ip()).collect())
    }
}

/// What a successful fetch returned.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Fetched {
    /// The URL that answered (after redirects).
    pub url: Url,
    /// How many redirects were followed.
    pub redirects: u32,
    /// The media type (`text/html`), lowercase, without parameters.
    pub content_type: String,
    /// The `charset` parameter of the content type, if any.
    pub charset: Option<String>,
    /// The body, decompressed.
    pub body: Vec<u8>,
}

impl fmt::Debug for Fetched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetched")
            .field("host", &self.url.host_str())
            .field("redirects", &self.redirects)
            .field("content_type", &self.content_type)
            .field("charset", &self.charset)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

impl Fetched {
    /// The body as text: decoded with the declared charset, else the one a
    /// byte-order mark or an HTML `<meta charset>` names, else UTF-8
    /// (invalid sequences replaced).
    pub fn text(&self) -> String {
        let declared = self
            .charset
            .as_deref()
            .or_else(|| sniff_meta_charset(&self.body))
            .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()));
        let encoding = declared.unwrap_or(encoding_rs::UTF_8);
        // `decode` honours a byte-order mark over the given encoding.
        let (text, _, _) = encoding.decode(&self.body);
        text.into_owned()
    }

    /// Whether the body is a web page (HTML or XHTML).
    pub fn is_html(&self) -> bool {
        matches!(
            self.content_type.as_str(),
            "text/html" | "application/xhtml+xml"
        )
    }
}

/// The charset named by a `<meta charset>` (or `http-equiv` content type)
/// in the first 1,024 bytes.
fn sniff_meta_charset(body: &[u8]) -> Option<&str> {
    let head = &body[..body.len().min(1024)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let at = lower.windows(8).position(|w| w == b"charset=")? + 8;
    let rest = &head[at..];
    let rest = rest
        .strip_prefix(b"\"")
        .or_else(|| rest.strip_prefix(b"'"))
        .unwrap_or(rest);
    let end = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
        .unwrap_or(rest.len());
    std::str::from_utf8(&rest[..end])
        .ok()
        .filter(|s| !s.is_empty())
}

/// Which addresses may be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Guard {
    /// Public addresses, plus these.
    On { trusted: Vec<IpAddr> },
    /// Everything (tests against local servers).
    Off,
}

/// Fetches URLs safely: see the [module docs](self). Cheap to clone.
///
/// ```no_run
/// # async fn demo() -> Result<(), content_pipeline::sources::SourceError> {
/// use content_pipeline::sources::SourceFetcher;
///
/// let fetcher = SourceFetcher::new();
/// let page = fetcher.fetch("https://example.com/article").await?;
/// println!("{} bytes of {}", page.body.len(), page.content_type);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SourceFetcher {
    inner: Arc<FetcherInner>,
}

struct FetcherInner {
    policy: FetchPolicy,
    guard: Guard,
    resolver: Arc<dyn HostResolver>,
}

impl fmt::Debug for SourceFetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceFetcher")
            .field("policy", &self.inner.policy)
            .field("guard", &self.inner.guard)
            .field("resolver", &self.inner.resolver)
            .finish()
    }
}

impl Default for SourceFetcher {
    fn default() -> Self {
        Self::new()
    }
}

/// Builds a [`SourceFetcher`]. The address guard is on unless
/// [`disable_address_guard`](Self::disable_address_guard) is called.
#[derive(Debug)]
pub struct SourceFetcherBuilder {
    policy: FetchPolicy,
    trusted: Vec<IpAddr>,
    guard_off: bool,
    resolver: Option<Arc<dyn HostResolver>>,
}

impl SourceFetcherBuilder {
    /// Limits, content types and user agent (default: [`FetchPolicy::default`]).
    pub fn policy(mut self, policy: FetchPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The resolver for host names (default: [`SystemResolver`]).
    pub fn resolver(mut self, resolver: Arc<dyn HostResolver>) -> Self {
        self.resolver = Some(resolver);
        self
    }

    /// Lets the fetcher reach `ip` even though it is not public (a host's
    /// own service, or a test server). Every other address stays guarded.
    pub fn trust_address(mut self, ip: IpAddr) -> Self {
        self.trusted.push(ip);
        self
    }

    /// Turns the address guard off for this fetcher: any address, loopback
    /// and private ones included, may be reached. Meant for tests against
    /// local servers; never for URLs that people or feeds supply. Schemes,
    /// redirects, size, time and content types stay checked.
    pub fn disable_address_guard(mut self) -> Self {
        self.guard_off = true;
        self
    }

    /// The fetcher, or why the policy cannot work (a negative timeout).
    pub fn build(self) -> Result<SourceFetcher, SourceError> {
        let invalid = |what: &str| SourceError::InvalidUrl {
            reason: format!("the fetch policy's {what} must not be negative"),
        };
        self.policy
            .timeout
            .to_std()
            .map_err(|_| invalid("timeout"))?;
        self.policy
            .connect_timeout
            .to_std()
            .map_err(|_| invalid("connect timeout"))?;
        Ok(SourceFetcher {
            inner: Arc::new(FetcherInner {
                policy: self.policy,
                guard: if self.guard_off {
                    Guard::Off
                } else {
                    Guard::On {
                        trusted: self.trusted,
                    }
                },
                resolver: self.resolver.unwrap_or_else(|| Arc::new(SystemResolver)),
            }),
        })
    }
}

/// Where one request may connect: the checked addresses of its host.
struct Pinned {
    /// The host name, when the URL names one (IP literals need no resolver).
    name: Option<String>,
    addrs: Vec<SocketAddr>,
}

/// The HTTP client's only resolver: the checked addresses for the one host
/// of the request, an error for any other name.
struct PinnedResolver {
    name: String,
    addrs: Vec<SocketAddr>,
}

impl reqwest::dns::Resolve for PinnedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let answer: Result<reqwest::dns::Addrs, crate::error::BoxError> =
            if name.as_str().eq_ignore_ascii_case(&self.name) {
                Ok(Box::new(self.addrs.clone().into_iter()))
            } else {
                Err(format!("`{}` was not checked by the address guard", name.as_str()).into())
            };
        Box::pin(std::future::ready(answer))
    }
}

/// The URL's host as text, for errors (no path, query or credentials).
fn host_of(url: &Url) -> String {
    url.host_str().unwrap_or("").to_owned()
}

/// Parses and screens a URL: http(s) only, a host, no credentials.
pub(crate) fn parse_url(raw: &str) -> Result<Url, SourceError> {
    let url = Url::parse(raw.trim()).map_err(|e| SourceError::InvalidUrl {
        reason: e.to_string(),
    })?;
    screen_url(url)
}

fn screen_url(url: Url) -> Result<Url, SourceError> {
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(SourceError::SchemeNotAllowed {
                scheme: other.to_owned(),
            });
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(SourceError::CredentialsInUrl);
    }
    if url.host().is_none() {
        return Err(SourceError::InvalidUrl {
            reason: "no host".into(),
        });
    }
    Ok(url)
}

impl SourceFetcher {
    /// A fetcher with the default policy, the system resolver and the
    /// address guard on.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(FetcherInner {
                policy: FetchPolicy::default(),
                guard: Guard::On {
                    trusted: Vec::new(),
                },
                resolver: Arc::new(SystemResolver),
            }),
        }
    }

    /// Starts building a fetcher.
    pub fn builder() -> SourceFetcherBuilder {
        SourceFetcherBuilder {
            policy: FetchPolicy::default(),
            trusted: Vec::new(),
            guard_off: false,
            resolver: None,
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &FetchPolicy {
        &self.inner.policy
    }

    /// Whether the address guard is on (it is unless
    /// [`disable_address_guard`](SourceFetcherBuilder::disable_address_guard)
    /// was called).
    pub fn guards_addresses(&self) -> bool {
        matches!(self.inner.guard, Guard::On { .. })
    }

    /// Fetches `url` (see the [module docs](self) for every check on the
    /// way). Fails with a typed [`SourceError`] and nothing sent when a check
    /// refuses.
    pub async fn fetch(&self, url: &str) -> Result<Fetched, SourceError> {
        let url = parse_url(url)?;
        self.fetch_url(url).await
    }

    /// [`fetch`](Self::fetch) for a parsed URL.
    pub async fn fetch_url(&self, url: Url) -> Result<Fetched, SourceError> {
        let after = self.timeout();
        match tokio::time::timeout(after, self.follow(screen_url(url)?)).await {
            Ok(result) => result,
            Err(_) => Err(SourceError::Timeout { after }),
        }
    }

    fn timeout(&self) -> Duration {
        self.inner.policy.timeout.to_std().unwrap_or_default()
    }

    /// Checks one address of `host`.
    fn check(&self, host: &str, ip: IpAddr) -> Result<(), SourceError> {
        let Guard::On { trusted } = &self.inner.guard else {
            return Ok(());
        };
        if trusted.contains(&ip) {
            return Ok(());
        }
        match classify_address(ip) {
            None => Ok(()),
            Some(reason) => Err(SourceError::ForbiddenAddress {
                host: host.to_owned(),
                ip,
                reason,
            }),
        }
    }

    /// Resolves (once) and checks where `url` may connect.
    async fn pin(&self, url: &Url) -> Result<Pinned, SourceError> {
        let port = url.port_or_known_default().unwrap_or(80);
        let host = host_of(url);
        let literal = match url.host() {
            Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            Some(Host::Domain(name)) => parse_ipv4_host(name).map(IpAddr::V4),
            None => {
                return Err(SourceError::InvalidUrl {
                    reason: "no host".into(),
                });
            }
        };
        if let Some(ip) = literal {
            self.check(&host, ip)?;
            return Ok(Pinned {
                // A numeric spelling the URL parser left as a name is pinned
                // to the address it stands for.
                name: matches!(url.host(), Some(Host::Domain(_))).then(|| host.clone()),
                addrs: vec![SocketAddr::new(ip, port)],
            });
        }
        let guarded = self.guards_addresses();
        if guarded && is_localhost_name(&host) {
            return Err(SourceError::ForbiddenHost {
                host,
                reason: "`localhost` names always mean this machine",
            });
        }
        let name = host.trim_end_matches('.');
        let ips =
            self.inner
                .resolver
                .resolve(name)
                .await
                .map_err(|source| SourceError::Resolve {
                    host: host.clone(),
                    source,
                })?;
        if ips.is_empty() {
            return Err(SourceError::NoAddress { host });
        }
        for ip in &ips {
            self.check(&host, *ip)?;
        }
        let mut addrs: Vec<SocketAddr> = Vec::with_capacity(ips.len());
        for ip in ips {
            let addr = SocketAddr::new(ip, port);
            if !addrs.contains(&addr) {
                addrs.push(addr);
            }
        }
        Ok(Pinned {
            name: Some(host),
            addrs,
        })
    }

    /// An HTTP client that can reach only the pinned addresses.
    fn client(&self, pinned: Pinned) -> Result<reqwest::Client, SourceError> {
        let policy = &self.inner.policy;
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .retry(reqwest::retry::never())
            .timeout(self.timeout())
            .connect_timeout(policy.connect_timeout.to_std().unwrap_or_default())
            .user_agent(policy.user_agent.clone())
            .gzip(true)
            .deflate(true);
        if let Some(name) = pinned.name {
            builder = builder.dns_resolver(Arc::new(PinnedResolver {
                name,
                addrs: pinned.addrs,
            }));
        }
        builder.build().map_err(|e| SourceError::Http {
            source: Box::new(e.without_url()),
        })
    }

    /// Follows the URL through its redirects to an answer.
    async fn follow(&self, mut url: Url) -> Result<Fetched, SourceError> {
        let policy = &self.inner.policy;
        let mut redirects = 0u32;
        loop {
            let pinned = self.pin(&url).await?;
            let client = self.client(pinned)?;
            let mut response = client
                .get(url.clone())
                .header(
                    ACCEPT,
                    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,\
                     application/xml;q=0.9,text/xml;q=0.9,application/feed+json;q=0.9,\
                     text/plain;q=0.8",
                )
                .send()
                .await
                .map_err(|e| self.transport_error(&url, e))?;
            let status = response.status();
            if status.is_redirection() && status != reqwest::StatusCode::NOT_MODIFIED {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .ok_or_else(|| SourceError::BadRedirect {
                        reason: format!("HTTP {} without a Location", status.as_u16()),
                    })?
                    .to_str()
                    .map_err(|_| SourceError::BadRedirect {
                        reason: "a Location that is not text".into(),
                    })?;
                let next = url.join(location).map_err(|e| SourceError::BadRedirect {
                    reason: e.to_string(),
                })?;
                if redirects >= policy.max_redirects {
                    return Err(SourceError::TooManyRedirects {
                        max: policy.max_redirects,
                    });
                }
                redirects += 1;
                url = screen_url(next)?;
                continue;
            }
            if !status.is_success() {
                return Err(SourceError::Status {
                    status: status.as_u16(),
                });
            }
            let (content_type, charset) = content_type_of(&response);
            if !policy
                .allowed_content_types
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(&content_type))
            {
                return Err(SourceError::ContentType {
                    found: if content_type.is_empty() {
                        "(none)".into()
                    } else {
                        content_type
                    },
                });
            }
            let limit = policy.max_body_bytes;
            if response.content_length().is_some_and(|n| n > limit as u64) {
                return Err(SourceError::BodyTooLarge { limit });
            }
            let mut body: Vec<u8> = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| self.transport_error(&url, e))?
            {
                if body.len() + chunk.len() > limit {
                    return Err(SourceError::BodyTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            return Ok(Fetched {
                url,
                redirects,
                content_type,
                charset,
                body,
            });
        }
    }

    fn transport_error(&self, url: &Url, e: reqwest::Error) -> SourceError {
        if e.is_timeout() {
            SourceError::Timeout {
                after: self.timeout(),
            }
        } else if e.is_connect() {
            SourceError::Connect {
                host: host_of(url),
                source: Box::new(e.without_url()),
            }
        } else {
            SourceError::Http {
                source: Box::new(e.without_url()),
            }
        }
    }
}

/// The media type (lowercase, no parameters) and charset of a response.
fn content_type_of(response: &reqwest::Response) -> (String, Option<String>) {
    let Some(value) = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return (String::new(), None);
    };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let charset = parts.find_map(|p| {
        let (key, value) = p.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_owned())
    });
    (essence, charset)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the `url` crate (WHATWG URL parsing) already does with numeric
    /// hosts: for http(s) every `inet_aton` spelling becomes an IPv4 host,
    /// and one that overflows is a parse error. The fetcher still reads
    /// names with `parse_ipv4_host` in case a spelling slips through.
    #[test]
    fn url_crate_normalises_numeric_ipv4_hosts() {
        for raw in [
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0x7f.1/",
            "http://017700000001/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://127.0.0.1./",
            "http://127.000.000.001/",
            "http://0x7f.0x0.0x0.0x1/",
            "http://１２７.０.０.１/",
            "http://①②⑦.⓪.⓪.①/",
        ] {
            let url = Url::parse(raw).expect(raw);
            assert_eq!(
                url.host(),
                Some(Host::Ipv4(std::net::Ipv4Addr::LOCALHOST)),
                "{raw}"
            );
        }
        assert!(Url::parse("http://4294967296/").is_err());
        assert!(Url::parse("http://0x100000000/").is_err());
        assert!(Url::parse("http://[fe80::1%25eth0]/").is_err());
    }

    #[test]
    fn only_http_without_credentials_passes_screening() {
        assert!(parse_url("https://example.com/a?b=c").is_ok());
        assert!(matches!(
            parse_url("ftp://example.com/"),
            Err(SourceError::SchemeNotAllowed { scheme }) if scheme == "ftp"
        ));
        assert!(matches!(
            parse_url("https://user:secret@example.com/"),
            Err(SourceError::CredentialsInUrl)
        ));
        assert!(matches!(
            parse_url("not a url"),
            Err(SourceError::InvalidUrl { .. })
        ));
    }

    #[test]
    fn charset_is_sniffed_from_meta() {
        assert_eq!(
            sniff_meta_charset(b"<html><head><meta charset=\"windows-1252\">"),
            Some("windows-1252")
        );
        assert_eq!(
            sniff_meta_charset(
                b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\">"
            ),
            Some("ISO-8859-1")
        );
        assert_eq!(sniff_meta_charset(b"<html><body>no charset"), None);
        let page = Fetched {
            url: Url::parse("https://example.com/").expect("url"),
            redirects: 0,
            content_type: "text/html".into(),
            charset: None,
            body: b"<meta charset=windows-1252><p>caf\xe9</p>".to_vec(),
        };
        assert!(page.text().contains("café"));
    }
}
