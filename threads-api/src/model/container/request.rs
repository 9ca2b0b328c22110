//! The container request: its media type, reply audience, and every parameter
//! of `POST /{threads-user-id}/threads` with chainable setters.

use serde::{Deserialize, Serialize};

use crate::ids::{ContainerId, LocationId, MediaId};
use crate::model::attachment::{GifAttachment, PollAttachment, TextAttachment, TextEntity};

wire_enum! {
    /// The `media_type` of a container (write side; upper-case on the wire).
    ///
    /// Read back as [`MediaType`](crate::model::MediaType): `TEXT` becomes
    /// `TEXT_POST` and `CAROUSEL` becomes `CAROUSEL_ALBUM`.
    pub enum ContainerMediaType {
        /// A text post (optionally with link, poll, GIF or text attachment).
        Text = "TEXT",
        /// A single image, or an image carousel item.
        Image = "IMAGE",
        /// A single video, or a video carousel item.
        Video = "VIDEO",
        /// A carousel of 2–20 image/video children.
        Carousel = "CAROUSEL",
    }
}

wire_enum! {
    /// Who may reply to a post (`reply_control`; lower-case on the wire).
    ///
    /// Read back upper-case as [`ReplyAudience`](crate::model::ReplyAudience).
    pub enum ReplyControl {
        /// Anyone.
        Everyone = "everyone",
        /// Accounts the author follows.
        AccountsYouFollow = "accounts_you_follow",
        /// Accounts mentioned in the post.
        MentionedOnly = "mentioned_only",
        /// Only the author of the parent post (added 2025-07-07).
        ParentPostAuthorOnly = "parent_post_author_only",
        /// The author's followers (added 2025-07-07).
        FollowersOnly = "followers_only",
    }
}

/// A request to create a media container: every parameter of
/// `POST /{threads-user-id}/threads`.
///
/// Build it with [`text`](Self::text), [`image`](Self::image),
/// [`video`](Self::video) or [`carousel`](Self::carousel) and the chainable
/// setters; check it with [`validate`](Self::validate); encode it with
/// [`to_form`](Self::to_form). Boolean flags are sent only when `true`.
///
/// A media type this crate does not know (`ContainerMediaType::Unknown`) is
/// sent as given, so new types can be used before the crate names them; the
/// text-only and media-only rules then treat it as neither.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContainerRequest {
    /// `media_type`.
    pub media_type: ContainerMediaType,
    /// `text`: the post text (required for `TEXT`, a caption otherwise).
    pub text: Option<String>,
    /// `image_url`: public URL Meta downloads (required for `IMAGE`).
    pub image_url: Option<String>,
    /// `video_url`: public URL Meta downloads (required for `VIDEO`).
    pub video_url: Option<String>,
    /// `is_carousel_item`: this image/video is a carousel child.
    pub is_carousel_item: bool,
    /// `children`: the carousel's child containers (2–20).
    pub children: Vec<ContainerId>,
    /// `reply_to_id`: makes the post a reply to this post.
    pub reply_to_id: Option<MediaId>,
    /// `reply_control`: who may reply.
    pub reply_control: Option<ReplyControl>,
    /// `quote_post_id`: the post being quoted.
    pub quote_post_id: Option<MediaId>,
    /// `link_attachment`: URL of the preview card (text posts only).
    pub link_attachment: Option<String>,
    /// `alt_text`: description of an image or video (≤ 1,000 characters).
    pub alt_text: Option<String>,
    /// `allowlisted_country_codes`: ISO 3166-1 alpha-2 codes the post is
    /// limited to (geo-gating).
    pub allowlisted_country_codes: Vec<String>,
    /// `location_id`: a place from `/location_search`.
    pub location_id: Option<LocationId>,
    /// `topic_tag`: the post's topic (1–50 characters, no `.` or `&`).
    pub topic_tag: Option<String>,
    /// `poll_attachment`: a poll (text posts only).
    pub poll_attachment: Option<PollAttachment>,
    /// `auto_publish_text`: publish at creation (text posts only).
    pub auto_publish_text: bool,
    /// `gif_attachment`: a GIF (text posts only).
    pub gif_attachment: Option<GifAttachment>,
    /// `text_entities`: spoiler ranges of `text` (at most 10).
    pub text_entities: Vec<TextEntity>,
    /// `is_spoiler_media`: blur the media (image, video, carousel).
    pub is_spoiler_media: bool,
    /// `text_attachment`: long-form text (text posts only).
    pub text_attachment: Option<TextAttachment>,
    /// `is_ghost_post`: a text post that archives itself after 24 h.
    pub is_ghost_post: bool,
    /// `enable_reply_approvals`: replies wait for the author's approval.
    pub enable_reply_approvals: bool,
    /// `crossreshare_to_ig`: also share as an Instagram Story.
    pub crossreshare_to_ig: bool,
    /// `crossreshare_to_ig_dark_mode`: share to Instagram in dark mode.
    pub crossreshare_to_ig_dark_mode: bool,
}

impl ContainerRequest {
    fn empty(media_type: ContainerMediaType) -> Self {
        Self {
            media_type,
            text: None,
            image_url: None,
            video_url: None,
            is_carousel_item: false,
            children: Vec::new(),
            reply_to_id: None,
            reply_control: None,
            quote_post_id: None,
            link_attachment: None,
            alt_text: None,
            allowlisted_country_codes: Vec::new(),
            location_id: None,
            topic_tag: None,
            poll_attachment: None,
            auto_publish_text: false,
            gif_attachment: None,
            text_entities: Vec::new(),
            is_spoiler_media: false,
            text_attachment: None,
            is_ghost_post: false,
            enable_reply_approvals: false,
            crossreshare_to_ig: false,
            crossreshare_to_ig_dark_mode: false,
        }
    }

    /// A text post.
    pub fn text(text: impl Into<String>) -> Self {
        let mut req = Self::empty(ContainerMediaType::Text);
        req.text = Some(text.into());
        req
    }

    /// An image post from a public image URL.
    pub fn image(image_url: impl Into<String>) -> Self {
        let mut req = Self::empty(ContainerMediaType::Image);
        req.image_url = Some(image_url.into());
        req
    }

    /// A video post from a public video URL.
    pub fn video(video_url: impl Into<String>) -> Self {
        let mut req = Self::empty(ContainerMediaType::Video);
        req.video_url = Some(video_url.into());
        req
    }

    /// A carousel of already-created child containers (2–20, each created
    /// with [`carousel_item`](Self::carousel_item)).
    pub fn carousel<I>(children: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<ContainerId>,
    {
        let mut req = Self::empty(ContainerMediaType::Carousel);
        req.children = children.into_iter().map(Into::into).collect();
        req
    }

    /// Marks an image/video container as a carousel child (`is_carousel_item`).
    pub fn carousel_item(mut self, yes: bool) -> Self {
        self.is_carousel_item = yes;
        self
    }

    /// Sets `text` (the caption of a media post, or replaces a text post's text).
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Makes the post a reply (`reply_to_id`).
    pub fn reply_to(mut self, id: impl Into<MediaId>) -> Self {
        self.reply_to_id = Some(id.into());
        self
    }

    /// Sets who may reply (`reply_control`).
    pub fn reply_control(mut self, control: ReplyControl) -> Self {
        self.reply_control = Some(control);
        self
    }

    /// Quotes a post (`quote_post_id`).
    pub fn quote(mut self, id: impl Into<MediaId>) -> Self {
        self.quote_post_id = Some(id.into());
        self
    }

    /// Sets the preview-card URL (`link_attachment`; text posts only).
    pub fn link_attachment(mut self, url: impl Into<String>) -> Self {
        self.link_attachment = Some(url.into());
        self
    }

    /// Sets the media description (`alt_text`; images and videos).
    pub fn alt_text(mut self, alt: impl Into<String>) -> Self {
        self.alt_text = Some(alt.into());
        self
    }

    /// Limits the post to these countries (`allowlisted_country_codes`).
    pub fn allowlisted_country_codes<I, S>(mut self, codes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowlisted_country_codes = codes.into_iter().map(Into::into).collect();
        self
    }

    /// Tags a place (`location_id`).
    pub fn location(mut self, id: impl Into<LocationId>) -> Self {
        self.location_id = Some(id.into());
        self
    }

    /// Sets the topic (`topic_tag`).
    pub fn topic_tag(mut self, tag: impl Into<String>) -> Self {
        self.topic_tag = Some(tag.into());
        self
    }

    /// Attaches a poll (`poll_attachment`; text posts only).
    pub fn poll_attachment(mut self, poll: PollAttachment) -> Self {
        self.poll_attachment = Some(poll);
        self
    }

    /// Publishes at creation (`auto_publish_text`; text posts only).
    pub fn auto_publish_text(mut self, yes: bool) -> Self {
        self.auto_publish_text = yes;
        self
    }

    /// Attaches a GIF (`gif_attachment`; text posts only).
    pub fn gif_attachment(mut self, gif: GifAttachment) -> Self {
        self.gif_attachment = Some(gif);
        self
    }

    /// Adds a spoiler range over `text` (UTF-16 offset and length).
    pub fn spoiler(mut self, offset: u64, length: u64) -> Self {
        self.text_entities.push(TextEntity::spoiler(offset, length));
        self
    }

    /// Replaces the text entities (`text_entities`).
    pub fn text_entities(mut self, entities: impl IntoIterator<Item = TextEntity>) -> Self {
        self.text_entities = entities.into_iter().collect();
        self
    }

    /// Blurs the media (`is_spoiler_media`; image, video, carousel).
    pub fn spoiler_media(mut self, yes: bool) -> Self {
        self.is_spoiler_media = yes;
        self
    }

    /// Attaches long-form text (`text_attachment`; text posts only).
    pub fn text_attachment(mut self, attachment: TextAttachment) -> Self {
        self.text_attachment = Some(attachment);
        self
    }

    /// Makes a ghost post that archives after 24 h (`is_ghost_post`).
    pub fn ghost_post(mut self, yes: bool) -> Self {
        self.is_ghost_post = yes;
        self
    }

    /// Holds replies for approval (`enable_reply_approvals`).
    pub fn reply_approvals(mut self, yes: bool) -> Self {
        self.enable_reply_approvals = yes;
        self
    }

    /// Also shares to Instagram Stories (`crossreshare_to_ig`).
    pub fn crossreshare_to_ig(mut self, yes: bool) -> Self {
        self.crossreshare_to_ig = yes;
        self
    }

    /// Shares to Instagram Stories in dark mode (`crossreshare_to_ig_dark_mode`).
    pub fn crossreshare_to_ig_dark_mode(mut self, yes: bool) -> Self {
        self.crossreshare_to_ig_dark_mode = yes;
        self
    }
}
