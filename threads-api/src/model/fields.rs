//! Field selection for media reads.
//!
//! [`Fields`] renders a `fields=` value, including Graph-style nested
//! expansion, and [`Endpoint`] knows which media fields each endpoint accepts:
//!
//! ```
//! use threads_api::model::{Endpoint, Fields, MediaField};
//!
//! let fields = Fields::new()
//!     .field(MediaField::Id)
//!     .field(MediaField::Text)
//!     .nested(MediaField::PollAttachment, ["option_a", "total_votes"]);
//! assert_eq!(fields.to_string(), "id,text,poll_attachment{option_a,total_votes}");
//!
//! assert!(!Endpoint::KeywordSearch.allows(&MediaField::Owner));
//! assert!(Fields::all_for(Endpoint::Media).contains("owner"));
//! ```

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::model::location::LocationField;
use crate::model::media::MediaField;

/// Subfields of `poll_attachment`, used when it is expanded.
pub const POLL_SUBFIELDS: [&str; 10] = [
    "option_a",
    "option_b",
    "option_c",
    "option_d",
    "option_a_votes_percentage",
    "option_b_votes_percentage",
    "option_c_votes_percentage",
    "option_d_votes_percentage",
    "total_votes",
    "expiration_timestamp",
];

use MediaField as F;

const MEDIA_OBJECT_FIELDS: &[MediaField] = &[
    F::Id,
    F::MediaProductType,
    F::MediaType,
    F::MediaUrl,
    F::Permalink,
    F::Owner,
    F::Username,
    F::Text,
    F::Timestamp,
    F::Shortcode,
    F::ThumbnailUrl,
    F::Children,
    F::IsQuotePost,
    F::AltText,
    F::LinkAttachmentUrl,
    F::HasReplies,
    F::IsReply,
    F::IsReplyOwnedByMe,
    F::RootPost,
    F::RepliedTo,
    F::HideStatus,
    F::ReplyAudience,
    F::QuotedPost,
    F::RepostedPost,
    F::GifUrl,
    F::PollAttachment,
    F::TopicTag,
    F::IsSpoilerMedia,
    F::TextEntities,
    F::TextAttachment,
    F::LocationId,
    F::Location,
    F::AllowlistedCountryCodes,
];

const USER_THREADS_FIELDS: &[MediaField] = &[
    F::Id,
    F::MediaProductType,
    F::MediaType,
    F::MediaUrl,
    F::Permalink,
    F::Owner,
    F::Username,
    F::Text,
    F::Timestamp,
    F::Shortcode,
    F::ThumbnailUrl,
    F::Children,
    F::IsQuotePost,
    F::AltText,
    F::LinkAttachmentUrl,
    F::HasReplies,
    F::IsReply,
    F::ReplyAudience,
    F::QuotedPost,
    F::RepostedPost,
    F::GifUrl,
    F::PollAttachment,
    F::TopicTag,
    F::IsSpoilerMedia,
    F::TextEntities,
    F::TextAttachment,
    F::LocationId,
    F::Location,
    F::AllowlistedCountryCodes,
    F::IsVerified,
    F::ProfilePictureUrl,
    F::GhostPostStatus,
    F::GhostPostExpirationTimestamp,
];

const REPLY_FIELDS: &[MediaField] = &[
    F::Id,
    F::MediaProductType,
    F::MediaType,
    F::MediaUrl,
    F::Permalink,
    F::Username,
    F::Text,
    F::Timestamp,
    F::Shortcode,
    F::ThumbnailUrl,
    F::Children,
    F::IsQuotePost,
    F::HasReplies,
    F::RootPost,
    F::RepliedTo,
    F::IsReply,
    F::IsReplyOwnedByMe,
    F::HideStatus,
    F::ReplyAudience,
    F::QuotedPost,
    F::RepostedPost,
    F::GifUrl,
    F::TopicTag,
    F::IsVerified,
    F::ProfilePictureUrl,
];

const PENDING_REPLY_FIELDS: &[MediaField] = &[
    F::Id,
    F::MediaProductType,
    F::MediaType,
    F::MediaUrl,
    F::Permalink,
    F::Username,
    F::Text,
    F::Timestamp,
    F::Shortcode,
    F::ThumbnailUrl,
    F::Children,
    F::IsQuotePost,
    F::HasReplies,
    F::RootPost,
    F::RepliedTo,
    F::IsReply,
    F::IsReplyOwnedByMe,
    F::HideStatus,
    F::ReplyAudience,
    F::QuotedPost,
    F::RepostedPost,
    F::GifUrl,
    F::TopicTag,
    F::IsVerified,
    F::ProfilePictureUrl,
    F::ReplyApprovalStatus,
];

const KEYWORD_SEARCH_FIELDS: &[MediaField] = &[
    F::Id,
    F::MediaProductType,
    F::MediaType,
    F::MediaUrl,
    F::Permalink,
    F::Username,
    F::Text,
    F::Timestamp,
    F::Shortcode,
    F::ThumbnailUrl,
    F::Children,
    F::IsQuotePost,
    F::AltText,
    F::LinkAttachmentUrl,
    F::HasReplies,
    F::IsReply,
    F::RootPost,
    F::RepliedTo,
    F::ReplyAudience,
    F::QuotedPost,
    F::RepostedPost,
    F::GifUrl,
    F::PollAttachment,
    F::TopicTag,
];

/// Every media field except `owner` (for endpoints documented as "media
/// fields except owner": mentions and profile posts).
const WITHOUT_OWNER: &[MediaField] = &[
    F::Id,
    F::MediaProductType,
    F::MediaType,
    F::MediaUrl,
    F::Permalink,
    F::Username,
    F::Text,
    F::Timestamp,
    F::Shortcode,
    F::ThumbnailUrl,
    F::Children,
    F::IsQuotePost,
    F::AltText,
    F::LinkAttachmentUrl,
    F::HasReplies,
    F::IsReply,
    F::RootPost,
    F::RepliedTo,
    F::ReplyAudience,
    F::QuotedPost,
    F::RepostedPost,
    F::GifUrl,
    F::PollAttachment,
    F::TopicTag,
    F::IsSpoilerMedia,
    F::TextEntities,
    F::TextAttachment,
    F::LocationId,
    F::Location,
    F::IsVerified,
    F::ProfilePictureUrl,
];

/// Fields that make a compact, broadly useful default.
const CORE_FIELDS: &[MediaField] = &[
    F::Id,
    F::MediaProductType,
    F::MediaType,
    F::MediaUrl,
    F::Permalink,
    F::Owner,
    F::Username,
    F::Text,
    F::Timestamp,
    F::Shortcode,
    F::ThumbnailUrl,
    F::Children,
    F::IsQuotePost,
    F::QuotedPost,
    F::RepostedPost,
    F::HasReplies,
    F::IsReply,
    F::RootPost,
    F::RepliedTo,
    F::HideStatus,
    F::ReplyAudience,
    F::ReplyApprovalStatus,
    F::TopicTag,
    F::GhostPostStatus,
    F::GhostPostExpirationTimestamp,
];

/// An endpoint returning media objects, with its documented `fields` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// `GET /{media-id}`.
    Media,
    /// `GET /{user}/threads`.
    UserThreads,
    /// `GET /{media-id}/replies` and `/conversation`.
    Replies,
    /// `GET /{media-id}/pending_replies`.
    PendingReplies,
    /// `GET /{user}/replies` (same list as the reply endpoints).
    UserReplies,
    /// `GET /{user}/mentions` (documented as "media fields"; `owner` left out).
    Mentions,
    /// `GET /keyword_search`.
    KeywordSearch,
    /// `GET /profile_posts` (user-post fields without `owner`).
    ProfilePosts,
    /// `GET /{user}/ghost_posts` (the user-post fields).
    GhostPosts,
}

impl Endpoint {
    /// How many endpoints there are (the length of [`Endpoint::index`]'s range).
    const COUNT: usize = 9;

    /// A dense index of the endpoint, below [`Endpoint::COUNT`].
    const fn index(self) -> usize {
        match self {
            Endpoint::Media => 0,
            Endpoint::UserThreads => 1,
            Endpoint::Replies => 2,
            Endpoint::PendingReplies => 3,
            Endpoint::UserReplies => 4,
            Endpoint::Mentions => 5,
            Endpoint::KeywordSearch => 6,
            Endpoint::ProfilePosts => 7,
            Endpoint::GhostPosts => 8,
        }
    }

    /// The media fields the endpoint accepts, per Meta's reference pages.
    pub fn allowed_fields(self) -> &'static [MediaField] {
        match self {
            Endpoint::Media => MEDIA_OBJECT_FIELDS,
            Endpoint::UserThreads | Endpoint::GhostPosts => USER_THREADS_FIELDS,
            Endpoint::Replies | Endpoint::UserReplies => REPLY_FIELDS,
            Endpoint::PendingReplies => PENDING_REPLY_FIELDS,
            Endpoint::KeywordSearch => KEYWORD_SEARCH_FIELDS,
            Endpoint::Mentions => WITHOUT_OWNER,
            Endpoint::ProfilePosts => USER_THREADS_FIELDS_WITHOUT_OWNER,
        }
    }

    /// Whether the endpoint accepts `field`. Unknown fields are assumed to be
    /// accepted (they are the caller's explicit choice).
    pub fn allows(self, field: &MediaField) -> bool {
        field.is_unknown() || self.allowed_fields().contains(field)
    }
}

/// The user-post fields without `owner` (profile posts).
const USER_THREADS_FIELDS_WITHOUT_OWNER: &[MediaField] = &[
    F::Id,
    F::MediaProductType,
    F::MediaType,
    F::MediaUrl,
    F::Permalink,
    F::Username,
    F::Text,
    F::Timestamp,
    F::Shortcode,
    F::ThumbnailUrl,
    F::Children,
    F::IsQuotePost,
    F::AltText,
    F::LinkAttachmentUrl,
    F::HasReplies,
    F::IsReply,
    F::ReplyAudience,
    F::QuotedPost,
    F::RepostedPost,
    F::GifUrl,
    F::PollAttachment,
    F::TopicTag,
    F::IsSpoilerMedia,
    F::TextEntities,
    F::TextAttachment,
    F::LocationId,
    F::Location,
    F::AllowlistedCountryCodes,
    F::IsVerified,
    F::ProfilePictureUrl,
    F::GhostPostStatus,
    F::GhostPostExpirationTimestamp,
];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FieldItem {
    name: String,
    nested: Option<Vec<String>>,
}

/// The selection and its rendering, kept in step by every change.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
struct FieldsInner {
    items: Vec<FieldItem>,
    /// `items` rendered as a `fields=` value (empty exactly when `items` is).
    rendered: String,
}

impl FieldsInner {
    fn find(&self, name: &str) -> Option<usize> {
        self.items.iter().position(|i| i.name == name)
    }

    fn render_item(out: &mut String, item: &FieldItem) {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&item.name);
        if let Some(subs) = &item.nested {
            out.push('{');
            for (i, sub) in subs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(sub);
            }
            out.push('}');
        }
    }

    fn push(&mut self, item: FieldItem) {
        Self::render_item(&mut self.rendered, &item);
        self.items.push(item);
    }

    fn rerender(&mut self) {
        self.rendered.clear();
        for item in &self.items {
            Self::render_item(&mut self.rendered, item);
        }
    }
}

/// A `fields=` selection, rendered as Graph API field syntax: names separated
/// by commas, nested selections in braces (`poll_attachment{option_a,total_votes}`).
///
/// Works with any field enum of this crate ([`MediaField`],
/// [`ProfileField`](crate::model::ProfileField), ...) or plain strings. Adding
/// a field twice keeps the first position; adding a nested selection to a
/// field already present replaces its subfields.
///
/// The selection is shared, not copied, between clones (cloning is cheap), and its
/// rendering is kept up to date as fields are added, so sending a request with it
/// does not render it again.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Fields {
    inner: Arc<FieldsInner>,
}

impl Fields {
    /// An empty selection (the API then returns its default fields).
    pub fn new() -> Self {
        Self::default()
    }

    /// A selection of the given fields.
    pub fn of<I>(fields: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        fields.into_iter().fold(Self::new(), |f, x| f.field(x))
    }

    /// Adds a field.
    pub fn field(mut self, field: impl AsRef<str>) -> Self {
        let name = field.as_ref().trim();
        if !name.is_empty() && !self.contains(name) {
            Arc::make_mut(&mut self.inner).push(FieldItem {
                name: name.to_owned(),
                nested: None,
            });
        }
        self
    }

    /// Adds a field with a nested selection: `field{sub1,sub2}`.
    pub fn nested<I>(mut self, field: impl AsRef<str>, subfields: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let name = field.as_ref().trim();
        if name.is_empty() {
            return self;
        }
        let subs: Vec<String> = subfields
            .into_iter()
            .map(|s| s.as_ref().trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        let nested = if subs.is_empty() { None } else { Some(subs) };
        let inner = Arc::make_mut(&mut self.inner);
        match inner.find(name) {
            Some(at) => {
                inner.items[at].nested = nested;
                inner.rerender();
            }
            None => inner.push(FieldItem {
                name: name.to_owned(),
                nested,
            }),
        }
        self
    }

    /// Whether `name` is selected (top level).
    pub fn contains(&self, name: &str) -> bool {
        self.inner.find(name).is_some()
    }

    /// Whether nothing is selected.
    pub fn is_empty(&self) -> bool {
        self.inner.items.is_empty()
    }

    /// The selected top-level field names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.inner.items.iter().map(|i| i.name.as_str())
    }

    /// Every field `endpoint` accepts, with `poll_attachment` and `location`
    /// expanded to all their subfields.
    pub fn all_for(endpoint: Endpoint) -> Self {
        Self::expanded(endpoint.allowed_fields().iter())
    }

    /// A compact default for `endpoint`: identity, content, timing, threading
    /// and moderation fields the endpoint accepts (no attachments), which is
    /// what most list views need.
    ///
    /// Built once per endpoint; later calls share it.
    pub fn default_for(endpoint: Endpoint) -> Self {
        static DEFAULTS: [OnceLock<Fields>; Endpoint::COUNT] =
            [const { OnceLock::new() }; Endpoint::COUNT];
        DEFAULTS[endpoint.index()]
            .get_or_init(|| {
                Self::expanded(
                    CORE_FIELDS
                        .iter()
                        .filter(|f| endpoint.allowed_fields().contains(f)),
                )
            })
            .clone()
    }

    fn expanded<'a>(fields: impl Iterator<Item = &'a MediaField>) -> Self {
        fields.fold(Self::new(), |acc, f| match f {
            MediaField::PollAttachment => acc.nested(f, POLL_SUBFIELDS),
            MediaField::Location => acc.nested(f, LocationField::ALL),
            _ => acc.field(f),
        })
    }

    /// The rendered `fields=` value.
    pub fn render(&self) -> String {
        self.inner.rendered.clone()
    }

    /// The rendered `fields=` value, borrowed.
    pub fn as_str(&self) -> &str {
        &self.inner.rendered
    }
}

impl fmt::Display for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.rendered)
    }
}

impl<F: AsRef<str>> FromIterator<F> for Fields {
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> Self {
        Self::of(iter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_lists_follow_the_reference() {
        assert!(Endpoint::Media.allows(&F::Owner));
        assert!(Endpoint::Media.allows(&F::IsReplyOwnedByMe));
        assert!(!Endpoint::UserThreads.allows(&F::IsReplyOwnedByMe));
        assert!(Endpoint::UserThreads.allows(&F::IsVerified));
        assert!(!Endpoint::KeywordSearch.allows(&F::Owner));
        assert!(!Endpoint::ProfilePosts.allows(&F::Owner));
        assert!(Endpoint::ProfilePosts.allows(&F::GhostPostStatus));
        assert_eq!(
            Endpoint::ProfilePosts.allowed_fields().len(),
            USER_THREADS_FIELDS.len() - 1
        );
        assert!(Endpoint::PendingReplies.allows(&F::ReplyApprovalStatus));
        assert!(!Endpoint::Replies.allows(&F::ReplyApprovalStatus));
        assert!(Endpoint::Replies.allows(&MediaField::from_wire("brand_new")));
    }

    #[test]
    fn fields_render_and_dedupe() {
        let f = Fields::of(["id", "text", "id"]).nested("location", ["id", "name"]);
        assert_eq!(f.render(), "id,text,location{id,name}");
        let f = f.nested("text", Vec::<String>::new());
        assert_eq!(f.render(), "id,text,location{id,name}");
        assert_eq!(Fields::new().render(), "");
        let all = Fields::all_for(Endpoint::KeywordSearch).render();
        assert!(all.contains("poll_attachment{option_a,option_b,option_c,option_d,"));
        assert!(!all.contains("owner"));
        let def = Fields::default_for(Endpoint::PendingReplies);
        assert!(def.contains("reply_approval_status"));
        assert!(!def.contains("owner"));
        assert!(Fields::default_for(Endpoint::Media).contains("owner"));
    }

    #[test]
    fn fields_rendering_follows_every_change() {
        let base = Fields::of(["id", "text"]).nested("location", ["id"]);
        let copy = base.clone().field("permalink");
        // Changing a clone leaves the original alone.
        assert_eq!(base.render(), "id,text,location{id}");
        assert_eq!(copy.as_str(), "id,text,location{id},permalink");
        // Replacing the subfields of a field in the middle re-renders it in place.
        let replaced = copy
            .nested("location", ["id", "name"])
            .nested("text", [" a ", ""]);
        assert_eq!(
            replaced.to_string(),
            "id,text{a},location{id,name},permalink"
        );
        assert_eq!(
            replaced.names().collect::<Vec<_>>(),
            ["id", "text", "location", "permalink"]
        );
        // Equal selections are equal however they were built.
        assert_eq!(
            Fields::of(["id", "text"]),
            Fields::new().field("id").field("text").field("id")
        );
        // The shared default equals a freshly built one.
        let fresh = Fields::expanded(
            CORE_FIELDS
                .iter()
                .filter(|f| Endpoint::Replies.allowed_fields().contains(f)),
        );
        assert_eq!(Fields::default_for(Endpoint::Replies), fresh);
        assert_eq!(Fields::default_for(Endpoint::Replies), fresh);
    }
}
