//! The Threads media object.
//!
//! [`Media`] is what `GET /{media-id}` and every list of posts return
//! (`/threads`, `/replies`, `/conversation`, `/mentions`, `/keyword_search`,
//! ...). The API returns only the fields named in `fields=` (just `id` when it
//! is omitted), so every other field is optional.
//!
//! Which fields to ask for is [`crate::model::fields`]'s concern.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::{LocationId, MediaId};
use crate::model::attachment::{PollResults, TextAttachment, TextEntity};
use crate::model::location::Location;
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

#[cfg(test)]
mod tests {
    use super::*;

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
