//! The Threads media object and field selection.
//!
//! [`Media`] is what `GET /{media-id}` and every list of posts return
//! (`/threads`, `/replies`, `/conversation`, `/mentions`, `/keyword_search`,
//! ...). The API returns only the fields named in `fields=` (just `id` when it
//! is omitted), so every other field is optional.
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

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::{LocationId, MediaId};
use crate::model::attachment::{PollResults, TextAttachment, TextEntity};
use crate::model::location::{Location, LocationField};
use crate::model::serde_helpers::{IsoOpt, ListOrData};
use crate::model::{DataList, Owner, PostRef};

wire_enum! {
    /// `media_product_type`: always `THREADS` today.
    pub enum MediaProductType {
        /// A Threads post.
        Threads = "THREADS",
    }
}

wire_enum! {
    /// `media_type` of a published post (read side).
    ///
    /// Differs from the write side ([`ContainerMediaType`](crate::model::ContainerMediaType)):
    /// text posts (including GIF and poll posts) read back as `TEXT_POST` and
    /// carousels as `CAROUSEL_ALBUM`. `TEXT`, as printed in the keyword-search
    /// documentation examples, is read as `TEXT_POST`.
    pub enum MediaType {
        /// A text post.
        TextPost = "TEXT_POST" | "TEXT",
        /// An image post.
        Image = "IMAGE",
        /// A video post.
        Video = "VIDEO",
        /// A carousel post.
        CarouselAlbum = "CAROUSEL_ALBUM" | "CAROUSEL",
        /// An audio post.
        Audio = "AUDIO",
        /// A repost of another post (see `reposted_post`).
        RepostFacade = "REPOST_FACADE",
    }
}

wire_enum! {
    /// `hide_status` of a reply.
    pub enum HideStatus {
        /// Not hidden.
        NotHushed = "NOT_HUSHED",
        /// Was hidden, then unhidden.
        Unhushed = "UNHUSHED",
        /// Hidden by the post owner.
        Hidden = "HIDDEN",
        /// Covered (shown behind a warning).
        Covered = "COVERED",
        /// From a blocked account.
        Blocked = "BLOCKED",
        /// From a restricted account.
        Restricted = "RESTRICTED",
    }
}

wire_enum! {
    /// `reply_audience`: who may reply (read side, upper-case; written as
    /// [`ReplyControl`](crate::model::ReplyControl)).
    pub enum ReplyAudience {
        /// Anyone.
        Everyone = "EVERYONE",
        /// Accounts the author follows.
        AccountsYouFollow = "ACCOUNTS_YOU_FOLLOW",
        /// Accounts mentioned in the post.
        MentionedOnly = "MENTIONED_ONLY",
        /// Only the author of the parent post.
        ParentPostAuthorOnly = "PARENT_POST_AUTHOR_ONLY",
        /// The author's followers.
        FollowersOnly = "FOLLOWERS_ONLY",
    }
}

wire_enum! {
    /// `reply_approval_status` of a pending reply (lower-case on the wire;
    /// also the `approval_status` filter of `/pending_replies`).
    pub enum ReplyApprovalStatus {
        /// Waiting for approval.
        Pending = "pending",
        /// Ignored by the author (can still be approved).
        Ignored = "ignored",
    }
}

wire_enum! {
    /// `ghost_post_status` of a ghost post.
    pub enum GhostPostStatus {
        /// Visible.
        Active = "ACTIVE",
        /// Archived (24 hours after posting).
        Archived = "ARCHIVED",
    }
}

/// A Threads post, reply or repost, as returned by the media endpoints.
///
/// Every field except `id` is present only when requested (and applicable).
/// Fields Meta adds later are kept in [`extra`](Self::extra).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Media {
    /// The media ID.
    pub id: MediaId,
    /// Always `THREADS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_product_type: Option<MediaProductType>,
    /// The kind of post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<MediaType>,
    /// Image/video URL (image, video and carousel posts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    /// Public link to the post (absent when copyright-flagged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permalink: Option<String>,
    /// The owner (only on your own top-level posts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// The author's username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The post text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// When the post was published.
    #[serde(
        default,
        with = "crate::model::time::iso_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp: Option<DateTime<Utc>>,
    /// The post's shortcode (last part of the permalink).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortcode: Option<String>,
    /// Video thumbnail URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    /// Carousel children (`{"data": [{"id": ...}]}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children: Option<DataList<PostRef>>,
    /// Whether the post quotes another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_quote_post: Option<bool>,
    /// The quoted post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quoted_post: Option<PostRef>,
    /// The reposted post (on `REPOST_FACADE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reposted_post: Option<PostRef>,
    /// Media description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
    /// The link preview's URL (written as `link_attachment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_attachment_url: Option<String>,
    /// The attached GIF's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gif_url: Option<String>,
    /// The poll and its results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_attachment: Option<PollResults>,
    /// The post's topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_tag: Option<String>,
    /// Whether the post has replies the token owner can see.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_replies: Option<bool>,
    /// Whether the post is a reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_reply: Option<bool>,
    /// Whether the reply was written by the token owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_reply_owned_by_me: Option<bool>,
    /// The top of the conversation (replies only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_post: Option<PostRef>,
    /// The post this replies to (replies only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replied_to: Option<PostRef>,
    /// Whether the reply is hidden (replies only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hide_status: Option<HideStatus>,
    /// Who may reply (your own posts only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_audience: Option<ReplyAudience>,
    /// Approval state (`/pending_replies` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_approval_status: Option<ReplyApprovalStatus>,
    /// Whether the media is blurred as a spoiler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_spoiler_media: Option<bool>,
    /// Spoiler ranges of the text (a bare list or `{"data": [...]}`).
    #[serde(
        default,
        deserialize_with = "crate::model::serde_helpers::list_or_data_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub text_entities: Option<Vec<TextEntity>>,
    /// The long-form text attachment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_attachment: Option<TextAttachment>,
    /// The tagged place's ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<LocationId>,
    /// The tagged place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Countries the post is limited to (geo-gated posts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowlisted_country_codes: Option<Vec<String>>,
    /// State of a ghost post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ghost_post_status: Option<GhostPostStatus>,
    /// When a ghost post archives.
    #[serde(
        default,
        with = "crate::model::time::iso_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub ghost_post_expiration_timestamp: Option<DateTime<Utc>>,
    /// Whether the author is verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_verified: Option<bool>,
    /// The author's profile picture URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_picture_url: Option<String>,
    /// Fields this crate does not model yet, as raw JSON.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

deserialize_keeping_extra!(
    Media, "a Threads media object",
    id: MediaId,
    {
        media_product_type: Option<MediaProductType>,
        media_type: Option<MediaType>,
        media_url: Option<String>,
        permalink: Option<String>,
        owner: Option<Owner>,
        username: Option<String>,
        text: Option<String>,
        timestamp: Option<DateTime<Utc>> => IsoOpt,
        shortcode: Option<String>,
        thumbnail_url: Option<String>,
        children: Option<DataList<PostRef>>,
        is_quote_post: Option<bool>,
        quoted_post: Option<PostRef>,
        reposted_post: Option<PostRef>,
        alt_text: Option<String>,
        link_attachment_url: Option<String>,
        gif_url: Option<String>,
        poll_attachment: Option<PollResults>,
        topic_tag: Option<String>,
        has_replies: Option<bool>,
        is_reply: Option<bool>,
        is_reply_owned_by_me: Option<bool>,
        root_post: Option<PostRef>,
        replied_to: Option<PostRef>,
        hide_status: Option<HideStatus>,
        reply_audience: Option<ReplyAudience>,
        reply_approval_status: Option<ReplyApprovalStatus>,
        is_spoiler_media: Option<bool>,
        text_entities: Option<Vec<TextEntity>> => ListOrData<TextEntity>,
        text_attachment: Option<TextAttachment>,
        location_id: Option<LocationId>,
        location: Option<Location>,
        allowlisted_country_codes: Option<Vec<String>>,
        ghost_post_status: Option<GhostPostStatus>,
        ghost_post_expiration_timestamp: Option<DateTime<Utc>> => IsoOpt,
        is_verified: Option<bool>,
        profile_picture_url: Option<String>,
    }
);

impl Media {
    /// A media object with only its ID (what the API returns without `fields`).
    pub fn new(id: impl Into<MediaId>) -> Self {
        Self {
            id: id.into(),
            media_product_type: None,
            media_type: None,
            media_url: None,
            permalink: None,
            owner: None,
            username: None,
            text: None,
            timestamp: None,
            shortcode: None,
            thumbnail_url: None,
            children: None,
            is_quote_post: None,
            quoted_post: None,
            reposted_post: None,
            alt_text: None,
            link_attachment_url: None,
            gif_url: None,
            poll_attachment: None,
            topic_tag: None,
            has_replies: None,
            is_reply: None,
            is_reply_owned_by_me: None,
            root_post: None,
            replied_to: None,
            hide_status: None,
            reply_audience: None,
            reply_approval_status: None,
            is_spoiler_media: None,
            text_entities: None,
            text_attachment: None,
            location_id: None,
            location: None,
            allowlisted_country_codes: None,
            ghost_post_status: None,
            ghost_post_expiration_timestamp: None,
            is_verified: None,
            profile_picture_url: None,
            extra: serde_json::Map::new(),
        }
    }

    /// Whether this is a repost (`REPOST_FACADE`).
    pub fn is_repost(&self) -> bool {
        self.media_type == Some(MediaType::RepostFacade)
    }

    /// The IDs of a carousel's children (empty when not requested or not a carousel).
    pub fn children_ids(&self) -> Vec<&MediaId> {
        self.children
            .as_ref()
            .map(|c| c.data.iter().map(|r| &r.id).collect())
            .unwrap_or_default()
    }
}

wire_enum! {
    /// A field of the media object, for `fields=`.
    ///
    /// `Unknown` doubles as the escape hatch for fields Meta adds before this
    /// crate names them: `MediaField::from_wire("new_field")`.
    pub enum MediaField {
        /// `id`.
        Id = "id",
        /// `media_product_type`.
        MediaProductType = "media_product_type",
        /// `media_type`.
        MediaType = "media_type",
        /// `media_url`.
        MediaUrl = "media_url",
        /// `permalink`.
        Permalink = "permalink",
        /// `owner`.
        Owner = "owner",
        /// `username`.
        Username = "username",
        /// `text`.
        Text = "text",
        /// `timestamp`.
        Timestamp = "timestamp",
        /// `shortcode`.
        Shortcode = "shortcode",
        /// `thumbnail_url`.
        ThumbnailUrl = "thumbnail_url",
        /// `children`.
        Children = "children",
        /// `is_quote_post`.
        IsQuotePost = "is_quote_post",
        /// `quoted_post`.
        QuotedPost = "quoted_post",
        /// `reposted_post`.
        RepostedPost = "reposted_post",
        /// `alt_text`.
        AltText = "alt_text",
        /// `link_attachment_url`.
        LinkAttachmentUrl = "link_attachment_url",
        /// `gif_url`.
        GifUrl = "gif_url",
        /// `poll_attachment`.
        PollAttachment = "poll_attachment",
        /// `topic_tag`.
        TopicTag = "topic_tag",
        /// `has_replies`.
        HasReplies = "has_replies",
        /// `is_reply`.
        IsReply = "is_reply",
        /// `is_reply_owned_by_me`.
        IsReplyOwnedByMe = "is_reply_owned_by_me",
        /// `root_post`.
        RootPost = "root_post",
        /// `replied_to`.
        RepliedTo = "replied_to",
        /// `hide_status`.
        HideStatus = "hide_status",
        /// `reply_audience`.
        ReplyAudience = "reply_audience",
        /// `reply_approval_status`.
        ReplyApprovalStatus = "reply_approval_status",
        /// `is_spoiler_media`.
        IsSpoilerMedia = "is_spoiler_media",
        /// `text_entities`.
        TextEntities = "text_entities",
        /// `text_attachment`.
        TextAttachment = "text_attachment",
        /// `location_id`.
        LocationId = "location_id",
        /// `location`.
        Location = "location",
        /// `allowlisted_country_codes`.
        AllowlistedCountryCodes = "allowlisted_country_codes",
        /// `ghost_post_status`.
        GhostPostStatus = "ghost_post_status",
        /// `ghost_post_expiration_timestamp`.
        GhostPostExpirationTimestamp = "ghost_post_expiration_timestamp",
        /// `is_verified`.
        IsVerified = "is_verified",
        /// `profile_picture_url`.
        ProfilePictureUrl = "profile_picture_url",
    }
}

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

    #[test]
    fn media_keeps_unknown_keys_and_round_trips() {
        let body = r#"{
            "id": "1",
            "text": "hi",
            "future": {"x": [1, 2, {"y": null}]},
            "fut\u0075re_escaped": 3,
            "media_type": "SOMETHING_NEW",
            "timestamp": "2023-10-17T07:42:03+0200",
            "username": null,
            "again": 1,
            "again": 2
        }"#;
        let m: Media = serde_json::from_str(body).unwrap();
        assert_eq!(m.id, "1");
        assert_eq!(m.text.as_deref(), Some("hi"));
        assert_eq!(m.username, None);
        assert_eq!(m.media_type, Some(MediaType::from_wire("SOMETHING_NEW")));
        assert_eq!(
            m.timestamp,
            crate::model::time::parse("2023-10-17T05:42:03Z")
        );
        assert_eq!(m.extra["future"]["x"][2]["y"], serde_json::Value::Null);
        assert_eq!(m.extra["future_escaped"], 3);
        assert_eq!(m.extra["again"], 2);
        assert_eq!(m.extra.len(), 3);
        let again: Media = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(again, m);
    }

    #[test]
    fn media_rejects_what_the_derive_rejected() {
        let missing = serde_json::from_str::<Media>(r#"{"text": "no id"}"#).unwrap_err();
        assert!(
            missing.to_string().contains("missing field `id`"),
            "{missing}"
        );
        let dup =
            serde_json::from_str::<Media>(r#"{"id": "1", "text": "a", "text": "b"}"#).unwrap_err();
        assert!(dup.to_string().contains("duplicate field `text`"), "{dup}");
        let wrong = serde_json::from_str::<Media>(r#"{"id": "1", "is_reply": "yes"}"#);
        assert!(wrong.is_err());
        let bad_time =
            serde_json::from_str::<Media>(r#"{"id": "1", "timestamp": "soon"}"#).unwrap_err();
        assert!(
            bad_time.to_string().contains("invalid timestamp"),
            "{bad_time}"
        );
        assert!(serde_json::from_str::<Media>("[]").is_err());
    }
}
