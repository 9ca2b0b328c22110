//! Cursor pagination: [`Page`], [`ListParams`] and streams across pages.
//!
//! List endpoints answer `{"data": [...], "paging": {"cursors": {"before": "...",
//! "after": "..."}}}`, sometimes with `paging.next`/`paging.previous` URLs, and some
//! clients report a flat `paging.before`/`paging.after`; [`Page`] accepts all of these.
//!
//! A page fetched through a list builder remembers how it was fetched, so it can fetch the
//! next one ([`Page::next_page`]) or turn into a stream of items across all pages
//! ([`Page::into_stream`]; list builders also have `.stream()`):
//!
//! ```no_run
//! use futures::TryStreamExt;
//! # async fn run(account: threads_api::AccountClient) -> Result<(), threads_api::Error> {
//! let mut posts = account.posts().list().limit(50).stream();
//! while let Some(post) = posts.try_next().await? {
//!     println!("{}", post.id);
//! }
//! # Ok(()) }
//! ```
//!
//! The stream follows the `after` cursor, ends after the first error, on an empty page,
//! when a Graph-style response omits `next`, and when the same cursor comes back twice
//! (a server bug that would otherwise loop forever).
//!
//! Cursor URLs (`next`/`previous`) are stored **without** their `access_token` parameter:
//! Graph embeds the caller's token in them.

use std::collections::{HashSet, VecDeque};
use std::fmt;

use chrono::{DateTime, Utc};
use futures::Stream;
use futures::stream::{BoxStream, StreamExt};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::client::{RequestSpec, ThreadsClient};
use crate::error::Result;
use crate::validation::{Reason, ValidationError};

/// The earliest `since` the API accepts: 2023-07-05 (Unix `1688540400`).
pub const MIN_SINCE: i64 = 1_688_540_400;
/// The largest page size the API accepts.
pub const MAX_LIMIT: u32 = 100;

/// The `before`/`after` cursors of a page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Cursors {
    /// Cursor to the previous page.
    #[serde(default)]
    pub before: Option<String>,
    /// Cursor to the next page.
    #[serde(default)]
    pub after: Option<String>,
}

/// One page of a list endpoint.
///
/// Iterate it directly (`for item in &page`, `page.into_iter()`), or follow it with
/// [`next_page`](Self::next_page) / [`into_stream`](Self::into_stream).
#[derive(Clone)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items.
    pub data: Vec<T>,
    /// The cursors (from `paging.cursors`, or a flat `paging.before`/`paging.after`).
    pub cursors: Cursors,
    /// `paging.next`, with the `access_token` parameter removed.
    pub next: Option<String>,
    /// `paging.previous`, with the `access_token` parameter removed.
    pub previous: Option<String>,
    continuation: Option<Continuation>,
}

/// How to fetch the page after this one: the client and the request that fetched it.
#[derive(Clone)]
struct Continuation {
    client: ThreadsClient,
    spec: RequestSpec,
}

impl fmt::Debug for Continuation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Continuation")
            .field("path", &self.spec.segments.join("/"))
            .finish_non_exhaustive()
    }
}

impl<T: fmt::Debug> fmt::Debug for Page<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Page")
            .field("data", &self.data)
            .field("cursors", &self.cursors)
            .field("next", &self.next)
            .field("previous", &self.previous)
            .finish_non_exhaustive()
    }
}

impl<T: PartialEq> PartialEq for Page<T> {
    fn eq(&self, other: &Self) -> bool {
        self.data == other.data
            && self.cursors == other.cursors
            && self.next == other.next
            && self.previous == other.previous
    }
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
struct RawPage<T> {
    #[serde(default = "Vec::new")]
    data: Vec<T>,
    #[serde(default)]
    paging: Option<RawPaging>,
}

#[derive(Deserialize, Default)]
struct RawPaging {
    #[serde(default)]
    cursors: Option<Cursors>,
    #[serde(default)]
    before: Option<String>,
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    previous: Option<String>,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Page<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawPage::<T>::deserialize(deserializer)?;
        let paging = raw.paging.unwrap_or_default();
        let nested = paging.cursors.unwrap_or_default();
        Ok(Page {
            data: raw.data,
            cursors: Cursors {
                before: nested.before.or(paging.before),
                after: nested.after.or(paging.after),
            },
            next: paging.next.as_deref().and_then(strip_token),
            previous: paging.previous.as_deref().and_then(strip_token),
            continuation: None,
        })
    }
}

/// Removes `access_token` from a cursor URL. Unparseable URLs are dropped rather than
/// kept with a possible token in them.
fn strip_token(raw: &str) -> Option<String> {
    let mut url = url::Url::parse(raw).ok()?;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "access_token")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    Some(url.into())
}

fn query_param(raw: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(raw).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

impl<T> Page<T> {
    /// A page holding `data` and nothing else (for tests and adapters).
    pub fn from_items(data: Vec<T>) -> Self {
        Self {
            data,
            cursors: Cursors::default(),
            next: None,
            previous: None,
            continuation: None,
        }
    }

    /// Number of items on this page.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the page has no items.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Iterates the items.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.data.iter()
    }

    /// The cursor to request the next page with: `cursors.after`, or the `after`
    /// parameter of the `next` URL.
    pub fn after_cursor(&self) -> Option<String> {
        self.cursors
            .after
            .clone()
            .or_else(|| self.next.as_deref().and_then(|n| query_param(n, "after")))
    }

    /// Whether another page probably follows: the page is non-empty, has an `after`
    /// cursor, and (for Graph-style responses that send URLs) has a `next` URL.
    pub fn has_next(&self) -> bool {
        let graph_style_end = self.next.is_none() && self.previous.is_some();
        !self.data.is_empty() && !graph_style_end && self.after_cursor().is_some()
    }

    pub(crate) fn with_continuation(mut self, client: ThreadsClient, spec: RequestSpec) -> Self {
        self.continuation = Some(Continuation { client, spec });
        self
    }

    /// The request for the page after this one, if there is one and this page was
    /// fetched through the client.
    fn next_request(&self) -> Option<Continuation> {
        if !self.has_next() {
            return None;
        }
        let cont = self.continuation.as_ref()?;
        let after = self.after_cursor()?;
        if cont
            .spec
            .query
            .iter()
            .any(|(k, v)| k == "after" && *v == after)
        {
            // The server returned the cursor we sent: following it would loop.
            return None;
        }
        let mut spec = cont.spec.clone();
        spec.set_query("before", None);
        spec.set_query("after", Some(after));
        Some(Continuation {
            client: cont.client.clone(),
            spec,
        })
    }
}

impl<T: DeserializeOwned + Send + 'static> Page<T> {
    /// Fetches the next page. `Ok(None)` when this is the last page, or the page was not
    /// fetched through the client (deserialized by hand).
    ///
    /// # Errors
    /// Any [`Error`](crate::Error) of the request.
    pub async fn next_page(&self) -> Result<Option<Page<T>>> {
        match self.next_request() {
            Some(cont) => fetch_page(cont.client, cont.spec).await.map(Some),
            None => Ok(None),
        }
    }

    /// A stream of this page's items followed by the items of every later page.
    ///
    /// Ends after the first error, on an empty page, and when the same cursor comes back
    /// twice.
    ///
    /// The stream is boxed (and so `Unpin`): `try_next()` works on it directly.
    pub fn into_stream(self) -> BoxStream<'static, Result<T>> {
        let next = self.next_request();
        let mut seen = HashSet::new();
        if let Some(after) = self.after_cursor() {
            seen.insert(after);
        }
        item_stream(StreamState {
            buffer: self.data.into(),
            next,
            seen,
        })
        .boxed()
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.data.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Page<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.data.iter()
    }
}

/// Fetches one page and remembers the request, so the page can continue itself.
pub(crate) async fn fetch_page<T: DeserializeOwned>(
    client: ThreadsClient,
    spec: RequestSpec,
) -> Result<Page<T>> {
    let page: Page<T> = client.send(spec.clone()).await?;
    Ok(page.with_continuation(client, spec))
}

/// A stream of items starting with the page `spec` fetches.
pub(crate) fn stream_items<T: DeserializeOwned + Send + 'static>(
    client: ThreadsClient,
    spec: RequestSpec,
) -> impl Stream<Item = Result<T>> + Send + 'static {
    item_stream(StreamState {
        buffer: VecDeque::new(),
        next: Some(Continuation { client, spec }),
        seen: HashSet::new(),
    })
}

struct StreamState<T> {
    buffer: VecDeque<T>,
    next: Option<Continuation>,
    seen: HashSet<String>,
}

fn item_stream<T: DeserializeOwned + Send + 'static>(
    state: StreamState<T>,
) -> impl Stream<Item = Result<T>> + Send + 'static {
    futures::stream::try_unfold(state, |mut state| async move {
        loop {
            if let Some(item) = state.buffer.pop_front() {
                return Ok(Some((item, state)));
            }
            let Some(cont) = state.next.take() else {
                return Ok(None);
            };
            let page: Page<T> = fetch_page(cont.client, cont.spec).await?;
            state.next = page.next_request().filter(|_| {
                page.after_cursor()
                    .is_some_and(|after| state.seen.insert(after))
            });
            state.buffer = page.data.into();
        }
    })
}

/// Defines the chainable paging setters `limit`, `since`, `until`, `after` and `before`
/// on a type that holds a [`ListParams`], given the field path to it:
/// `list_param_setters!()` on `ListParams` itself, `list_param_setters!(params)` on a
/// builder with a `params: ListParams` field, `list_param_setters!(list.params)` through
/// a nested builder. Every list builder gets the same names, types and docs this way.
macro_rules! list_param_setters {
    ($($field:ident).*) => {
        /// Page size (`limit`), 1–100; the server default is 25.
        pub fn limit(mut self, limit: u32) -> Self {
            self $(.$field)* .limit = Some(limit);
            self
        }

        /// Only items at or after this time (`since`, Unix seconds on the wire; not
        /// before 2023-07-05).
        pub fn since(mut self, at: chrono::DateTime<chrono::Utc>) -> Self {
            self $(.$field)* .since = Some(at.timestamp());
            self
        }

        /// Only items at or before this time (`until`, Unix seconds on the wire; not in
        /// the future).
        pub fn until(mut self, at: chrono::DateTime<chrono::Utc>) -> Self {
            self $(.$field)* .until = Some(at.timestamp());
            self
        }

        /// Starts after this cursor (`after`; not together with `before`).
        pub fn after(mut self, cursor: impl Into<String>) -> Self {
            self $(.$field)* .after = Some(cursor.into());
            self
        }

        /// Starts before this cursor (`before`; not together with `after`).
        pub fn before(mut self, cursor: impl Into<String>) -> Self {
            self $(.$field)* .before = Some(cursor.into());
            self
        }
    };
}

pub(crate) use list_param_setters;

/// Common parameters of list endpoints: page size, time window and cursor.
///
/// Checked by [`validate`](Self::validate) before any request is sent (list builders do
/// this for you):
///
/// * `limit` in `1..=100`;
/// * `since` ≥ 2023-07-05 (`1688540400`) and before `until`;
/// * `until` not in the future;
/// * not both `before` and `after`.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use threads_api::pagination::ListParams;
///
/// let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// let params = ListParams::new().limit(500);
/// let err = params.validate(now).unwrap_err();
/// assert_eq!(err.field, "limit");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
#[must_use = "paging parameters do nothing until given to a list request"]
pub struct ListParams {
    /// Page size (`limit`).
    pub limit: Option<u32>,
    /// Lower time bound, Unix seconds (`since`).
    pub since: Option<i64>,
    /// Upper time bound, Unix seconds (`until`).
    pub until: Option<i64>,
    /// Cursor to page backwards from (`before`).
    pub before: Option<String>,
    /// Cursor to page forwards from (`after`).
    pub after: Option<String>,
}

impl ListParams {
    /// No parameters (server defaults: 25 items, newest first).
    pub fn new() -> Self {
        Self::default()
    }

    list_param_setters!();

    /// Checks the documented rules against the current time `now`.
    ///
    /// # Errors
    /// A [`ValidationError`] naming the offending parameter.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), ValidationError> {
        if let Some(limit) = self.limit
            && !(1..=MAX_LIMIT).contains(&limit)
        {
            return Err(ValidationError::new(
                "limit",
                Reason::OutOfRange {
                    min: 1,
                    max: i64::from(MAX_LIMIT),
                    actual: i64::from(limit),
                },
            ));
        }
        let now = now.timestamp();
        if let Some(since) = self.since
            && (since < MIN_SINCE || since > now)
        {
            return Err(ValidationError::new(
                "since",
                Reason::OutOfRange {
                    min: MIN_SINCE,
                    max: now,
                    actual: since,
                },
            ));
        }
        if let Some(until) = self.until
            && (until <= MIN_SINCE || until > now)
        {
            return Err(ValidationError::new(
                "until",
                Reason::OutOfRange {
                    min: MIN_SINCE + 1,
                    max: now,
                    actual: until,
                },
            ));
        }
        if let (Some(since), Some(until)) = (self.since, self.until)
            && since >= until
        {
            return Err(ValidationError::new(
                "since",
                Reason::Invalid {
                    message: format!("{since} must be earlier than `until` ({until})"),
                },
            ));
        }
        if self.before.is_some() && self.after.is_some() {
            return Err(ValidationError::new(
                "before",
                Reason::Conflicts { other: "after" },
            ));
        }
        Ok(())
    }

    /// Adds the set parameters to a request's query string.
    pub(crate) fn apply(&self, spec: RequestSpec) -> RequestSpec {
        spec.query_opt("limit", self.limit.map(|v| v.to_string()))
            .query_opt("since", self.since.map(|v| v.to_string()))
            .query_opt("until", self.until.map(|v| v.to_string()))
            .query_opt("before", self.before.clone())
            .query_opt("after", self.after.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn nested_and_flat_cursors() {
        let nested: Page<u32> = serde_json::from_str(
            r#"{"data":[1,2],"paging":{"cursors":{"before":"B","after":"A"}}}"#,
        )
        .unwrap();
        assert_eq!(nested.cursors.after.as_deref(), Some("A"));
        assert_eq!(nested.cursors.before.as_deref(), Some("B"));
        assert!(nested.has_next());
        let flat: Page<u32> =
            serde_json::from_str(r#"{"data":[1],"paging":{"before":"B","after":"A"}}"#).unwrap();
        assert_eq!(flat.cursors.after.as_deref(), Some("A"));
        let bare: Page<u32> = serde_json::from_str(r#"{"data":[]}"#).unwrap();
        assert!(bare.is_empty());
        assert!(!bare.has_next());
        assert_eq!(bare.into_iter().count(), 0);
    }

    #[test]
    fn next_urls_lose_their_token() {
        let page: Page<u32> = serde_json::from_str(
            r#"{"data":[1],"paging":{"next":"https://graph.threads.net/v1.0/me/threads?access_token=THsecret&limit=2&after=XYZ","previous":"https://graph.threads.net/v1.0/me/threads?access_token=THsecret"}}"#,
        )
        .unwrap();
        let next = page.next.clone().unwrap();
        assert!(!next.contains("THsecret"), "{next}");
        assert!(next.contains("after=XYZ"));
        assert_eq!(
            page.previous.as_deref(),
            Some("https://graph.threads.net/v1.0/me/threads")
        );
        assert_eq!(page.after_cursor().as_deref(), Some("XYZ"));
        assert!(!format!("{page:?}").contains("THsecret"));
    }

    #[test]
    fn graph_style_end_is_detected() {
        let page: Page<u32> = serde_json::from_str(
            r#"{"data":[1],"paging":{"cursors":{"after":"A"},"previous":"https://x.example/p"}}"#,
        )
        .unwrap();
        assert!(!page.has_next());
    }

    #[test]
    fn list_params_rules() {
        let ok = ListParams::new()
            .limit(100)
            .since(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap())
            .until(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap())
            .after("A");
        assert_eq!(ok.validate(now()), Ok(()));

        let field = |p: ListParams| p.validate(now()).unwrap_err().field;
        assert_eq!(field(ListParams::new().limit(0)), "limit");
        assert_eq!(field(ListParams::new().limit(101)), "limit");
        let mut early = ListParams::new();
        early.since = Some(MIN_SINCE - 1);
        assert_eq!(field(early), "since");
        let future = ListParams::new().until(Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap());
        assert_eq!(field(future), "until");
        let mut inverted = ListParams::new();
        inverted.since = Some(1_700_000_100);
        inverted.until = Some(1_700_000_000);
        assert_eq!(field(inverted.clone()), "since");
        inverted.until = Some(1_700_000_100);
        assert_eq!(field(inverted), "since");
        let both = ListParams::new().before("B").after("A");
        let err = both.validate(now()).unwrap_err();
        assert_eq!(err.field, "before");
        assert_eq!(err.reason, Reason::Conflicts { other: "after" });
        // Exactly the minimum is allowed.
        let mut min = ListParams::new();
        min.since = Some(MIN_SINCE);
        assert_eq!(min.validate(now()), Ok(()));
    }

    #[test]
    fn list_params_to_query() {
        let mut p = ListParams::new().limit(5).after("A");
        p.since = Some(1_700_000_000);
        let spec = p.apply(RequestSpec::get(["me", "threads"]));
        let q: Vec<(String, String)> = spec
            .query
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        assert_eq!(
            q,
            vec![
                ("limit".into(), "5".into()),
                ("since".into(), "1700000000".into()),
                ("after".into(), "A".into())
            ]
        );
    }
}
