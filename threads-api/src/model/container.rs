//! The publish request as data, and the status of a media container.
//!
//! Publishing on Threads is two steps: `POST /{user}/threads` creates a
//! *container* from a [`ContainerRequest`], then `POST /{user}/threads_publish`
//! publishes it (unless `auto_publish_text` did so at once). This module holds
//! the request and its client-side checks; it does no I/O.
//!
//! ```
//! use threads_api::model::{ContainerRequest, PollAttachment, ReplyControl};
//!
//! let post = ContainerRequest::text("Which do you prefer?")
//!     .poll_attachment(PollAttachment::new("Tabs", "Spaces"))
//!     .reply_control(ReplyControl::AccountsYouFollow)
//!     .topic_tag("Rust");
//! post.validate().expect("a valid poll post");
//!
//! let form = post.to_form();
//! assert!(form.contains(&("media_type", "TEXT".to_string())));
//! assert!(form.contains(&("reply_control", "accounts_you_follow".to_string())));
//! assert!(form.contains(&(
//!     "poll_attachment",
//!     r#"{"option_a":"Tabs","option_b":"Spaces"}"#.to_string()
//! )));
//! ```

use serde::{Deserialize, Serialize};

use crate::ids::{ContainerId, LocationId, MediaId};
use crate::model::attachment::{
    GifAttachment, MAX_SPOILERS, PollAttachment, TextAttachment, TextEntity, check_ranges,
};
use crate::text::{self, LINK_LIMIT, TEXT_LIMIT, TextCounting};
use crate::validation::{Reason, ValidationError};

/// Most characters of `alt_text`.
pub const ALT_TEXT_MAX_CHARS: usize = 1_000;
/// Fewest children of a carousel.
pub const CAROUSEL_MIN_CHILDREN: usize = 2;
/// Most children of a carousel.
pub const CAROUSEL_MAX_CHILDREN: usize = 20;

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

    /// Checks every documented client-side rule with the default text
    /// counting; returns the first violation.
    ///
    /// The rules:
    /// - `TEXT` needs non-blank `text`, `IMAGE` an `image_url`, `VIDEO` a
    ///   `video_url`, `CAROUSEL` 2–20 `children`; `image_url`, `video_url`,
    ///   `children` and `is_carousel_item` only with their media types;
    /// - `text` within the 500 text budget ([`crate::text`]);
    /// - at most 5 unique links across `text`, `link_attachment` and
    ///   `text_attachment.link_attachment_url`;
    /// - `link_attachment`, `poll_attachment`, `gif_attachment`,
    ///   `text_attachment` and `auto_publish_text` only on `TEXT`;
    /// - poll: 2–4 options of 1–25 characters;
    /// - text attachment: 1–10,000 characters, not with a poll, no link of its
    ///   own when the post has `link_attachment`, styled ranges inside the
    ///   text and not overlapping;
    /// - at most 10 spoilers, inside `text` (UTF-16 units), not overlapping;
    /// - `alt_text` ≤ 1,000 characters, only on `IMAGE`/`VIDEO`;
    /// - `is_spoiler_media` only on `IMAGE`/`VIDEO`/`CAROUSEL`;
    /// - `topic_tag` 1–50 characters without `.` or `&`;
    /// - `allowlisted_country_codes` are two-letter codes;
    /// - ghost posts: `TEXT` only, not a reply, no reply approvals.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.validate_with(TextCounting::default())
    }

    /// Like [`validate`](Self::validate), counting `text` with `counting`.
    pub fn validate_with(&self, counting: TextCounting) -> Result<(), ValidationError> {
        match self.validation_errors_with(counting).into_iter().next() {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    /// Every rule violation, in a stable order (empty when valid).
    pub fn validation_errors(&self) -> Vec<ValidationError> {
        self.validation_errors_with(TextCounting::default())
    }

    /// Every rule violation, counting `text` with `counting`.
    pub fn validation_errors_with(&self, counting: TextCounting) -> Vec<ValidationError> {
        let mut errs = Vec::new();
        macro_rules! push {
            ($field:expr, $reason:expr $(,)?) => {
                errs.push(ValidationError::new($field, $reason))
            };
        }
        use ContainerMediaType as M;
        let mt = &self.media_type;
        let is_text = *mt == M::Text;
        let is_media = matches!(mt, M::Image | M::Video);
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());

        // Media type and the parameters it requires or excludes.
        match mt {
            M::Text if blank(&self.text) => push!(
                "text",
                Reason::Required {
                    when: "for TEXT containers",
                },
            ),
            M::Image if blank(&self.image_url) => push!(
                "image_url",
                Reason::Required {
                    when: "for IMAGE containers",
                },
            ),
            M::Video if blank(&self.video_url) => push!(
                "video_url",
                Reason::Required {
                    when: "for VIDEO containers",
                },
            ),
            M::Unknown(v) if v.trim().is_empty() => {
                push!("media_type", Reason::TooShort { min: 1, actual: 0 },)
            }
            _ => {}
        }
        if self.image_url.is_some() && *mt != M::Image {
            push!(
                "image_url",
                Reason::NotAllowed {
                    when: "unless media_type is IMAGE",
                },
            );
        }
        if self.video_url.is_some() && *mt != M::Video {
            push!(
                "video_url",
                Reason::NotAllowed {
                    when: "unless media_type is VIDEO",
                },
            );
        }
        if self.is_carousel_item && !is_media {
            push!(
                "is_carousel_item",
                Reason::NotAllowed {
                    when: "unless media_type is IMAGE or VIDEO",
                },
            );
        }
        if *mt == M::Carousel {
            let n = self.children.len();
            if n < CAROUSEL_MIN_CHILDREN {
                push!(
                    "children",
                    Reason::TooFew {
                        what: "children",
                        min: CAROUSEL_MIN_CHILDREN,
                        actual: n,
                    },
                );
            } else if n > CAROUSEL_MAX_CHILDREN {
                push!(
                    "children",
                    Reason::TooMany {
                        what: "children",
                        max: CAROUSEL_MAX_CHILDREN,
                        actual: n,
                    },
                );
            }
            if self.children.iter().any(|c| c.as_str().trim().is_empty()) {
                push!(
                    "children",
                    Reason::Invalid {
                        message: "contains an empty container ID".to_owned(),
                    },
                );
            }
        } else if !self.children.is_empty() {
            push!(
                "children",
                Reason::NotAllowed {
                    when: "unless media_type is CAROUSEL",
                },
            );
        }

        // Text budget, links, spoilers.
        if let Some(text) = &self.text {
            let len = counting.count(text);
            if len > TEXT_LIMIT {
                push!(
                    "text",
                    Reason::TooLong {
                        max: TEXT_LIMIT,
                        actual: len,
                    },
                );
            }
        }
        let attachment_link = self
            .text_attachment
            .as_ref()
            .and_then(|a| a.link_attachment_url.as_deref());
        let links = text::unique_links(
            self.text.as_deref().unwrap_or(""),
            self.link_attachment
                .as_deref()
                .into_iter()
                .chain(attachment_link),
        );
        if links.len() > LINK_LIMIT {
            push!(
                "text",
                Reason::TooMany {
                    what: "unique links",
                    max: LINK_LIMIT,
                    actual: links.len(),
                },
            );
        }
        if !self.text_entities.is_empty() {
            let n = self.text_entities.len();
            if n > MAX_SPOILERS {
                push!(
                    "text_entities",
                    Reason::TooMany {
                        what: "spoilers",
                        max: MAX_SPOILERS,
                        actual: n,
                    },
                );
            }
            match &self.text {
                None => push!(
                    "text_entities",
                    Reason::NotAllowed {
                        when: "without text",
                    },
                ),
                Some(text) => {
                    if let Err(e) = check_ranges(
                        "text_entities",
                        self.text_entities.iter().map(|e| (e.offset, e.length)),
                        text::utf16_len(text),
                    ) {
                        errs.push(e);
                    }
                }
            }
            if let Some(bad) = self
                .text_entities
                .iter()
                .find(|e| e.entity_type.is_unknown())
            {
                push!(
                    "text_entities",
                    Reason::Invalid {
                        message: format!("unknown entity_type {:?}", bad.entity_type.as_str()),
                    },
                );
            }
        }

        // Text-only attachments.
        let text_only = "unless media_type is TEXT";
        if self.link_attachment.is_some() && !is_text {
            push!("link_attachment", Reason::NotAllowed { when: text_only });
        }
        if let Some(url) = &self.link_attachment {
            if url.trim().is_empty() {
                push!("link_attachment", Reason::TooShort { min: 1, actual: 0 });
            }
        }
        if let Some(poll) = &self.poll_attachment {
            if !is_text {
                push!("poll_attachment", Reason::NotAllowed { when: text_only });
            }
            if let Err(e) = poll.validate() {
                errs.push(e);
            }
        }
        if let Some(gif) = &self.gif_attachment {
            if !is_text {
                push!("gif_attachment", Reason::NotAllowed { when: text_only });
            }
            if gif.gif_id.trim().is_empty() {
                push!(
                    "gif_attachment.gif_id",
                    Reason::TooShort { min: 1, actual: 0 }
                );
            }
        }
        if let Some(att) = &self.text_attachment {
            if !is_text {
                push!("text_attachment", Reason::NotAllowed { when: text_only });
            }
            if self.poll_attachment.is_some() {
                push!(
                    "text_attachment",
                    Reason::Conflicts {
                        other: "poll_attachment",
                    },
                );
            }
            if att.link_attachment_url.is_some() && self.link_attachment.is_some() {
                push!(
                    "text_attachment.link_attachment_url",
                    Reason::Conflicts {
                        other: "link_attachment",
                    },
                );
            }
            if let Err(e) = att.validate() {
                errs.push(e);
            }
        }
        if self.auto_publish_text && !is_text {
            push!("auto_publish_text", Reason::NotAllowed { when: text_only });
        }

        // Media-only parameters.
        if let Some(alt) = &self.alt_text {
            if !is_media {
                push!(
                    "alt_text",
                    Reason::NotAllowed {
                        when: "unless media_type is IMAGE or VIDEO",
                    },
                );
            }
            let len = text::char_len(alt);
            if len > ALT_TEXT_MAX_CHARS {
                push!(
                    "alt_text",
                    Reason::TooLong {
                        max: ALT_TEXT_MAX_CHARS,
                        actual: len,
                    },
                );
            }
        }
        if self.is_spoiler_media && is_text {
            push!(
                "is_spoiler_media",
                Reason::NotAllowed {
                    when: "unless media_type is IMAGE, VIDEO or CAROUSEL",
                },
            );
        }

        // Topic, geo-gating.
        if let Some(tag) = &self.topic_tag {
            if let Err(e) = text::validate_topic_tag(tag) {
                errs.push(e);
            }
        }
        if let Some(code) = self
            .allowlisted_country_codes
            .iter()
            .find(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()))
        {
            push!(
                "allowlisted_country_codes",
                Reason::Invalid {
                    message: format!("{code:?} is not an ISO 3166-1 alpha-2 code"),
                },
            );
        }

        // Ghost posts.
        if self.is_ghost_post {
            if !is_text {
                push!("is_ghost_post", Reason::NotAllowed { when: text_only });
            }
            if self.reply_to_id.is_some() {
                push!(
                    "is_ghost_post",
                    Reason::Conflicts {
                        other: "reply_to_id",
                    },
                );
            }
            if self.enable_reply_approvals {
                push!(
                    "is_ghost_post",
                    Reason::Conflicts {
                        other: "enable_reply_approvals",
                    },
                );
            }
        }

        // Empty IDs would produce a malformed request.
        for (field, id) in [
            (
                "reply_to_id",
                self.reply_to_id.as_ref().map(MediaId::as_str),
            ),
            (
                "quote_post_id",
                self.quote_post_id.as_ref().map(MediaId::as_str),
            ),
            (
                "location_id",
                self.location_id.as_ref().map(LocationId::as_str),
            ),
        ] {
            if id.is_some_and(|id| id.trim().is_empty()) {
                push!(field, Reason::TooShort { min: 1, actual: 0 });
            }
        }
        errs
    }

    /// The exact wire parameters, in a stable order: object parameters as
    /// JSON strings, lists comma-separated, `media_type` upper-case,
    /// `reply_control` lower-case, flags as `"true"` (only when set).
    pub fn to_form(&self) -> Vec<(&'static str, String)> {
        let mut form: Vec<(&'static str, String)> = Vec::new();
        form.push(("media_type", self.media_type.as_str().to_owned()));
        let mut opt = |key: &'static str, value: Option<&str>| {
            if let Some(v) = value {
                form.push((key, v.to_owned()));
            }
        };
        opt("text", self.text.as_deref());
        opt("image_url", self.image_url.as_deref());
        opt("video_url", self.video_url.as_deref());
        opt(
            "reply_to_id",
            self.reply_to_id.as_ref().map(MediaId::as_str),
        );
        opt(
            "reply_control",
            self.reply_control.as_ref().map(ReplyControl::as_str),
        );
        opt(
            "quote_post_id",
            self.quote_post_id.as_ref().map(MediaId::as_str),
        );
        opt("link_attachment", self.link_attachment.as_deref());
        opt("alt_text", self.alt_text.as_deref());
        opt(
            "location_id",
            self.location_id.as_ref().map(LocationId::as_str),
        );
        opt("topic_tag", self.topic_tag.as_deref());
        if !self.children.is_empty() {
            let ids: Vec<&str> = self.children.iter().map(ContainerId::as_str).collect();
            form.push(("children", ids.join(",")));
        }
        if !self.allowlisted_country_codes.is_empty() {
            let codes: Vec<String> = self
                .allowlisted_country_codes
                .iter()
                .map(|c| c.trim().to_ascii_uppercase())
                .collect();
            form.push(("allowlisted_country_codes", codes.join(",")));
        }
        if let Some(poll) = &self.poll_attachment {
            form.push(("poll_attachment", to_json(poll)));
        }
        if let Some(gif) = &self.gif_attachment {
            form.push(("gif_attachment", to_json(gif)));
        }
        if !self.text_entities.is_empty() {
            form.push(("text_entities", to_json(&self.text_entities)));
        }
        if let Some(att) = &self.text_attachment {
            form.push(("text_attachment", to_json(att)));
        }
        for (key, set) in [
            ("is_carousel_item", self.is_carousel_item),
            ("auto_publish_text", self.auto_publish_text),
            ("is_spoiler_media", self.is_spoiler_media),
            ("is_ghost_post", self.is_ghost_post),
            ("enable_reply_approvals", self.enable_reply_approvals),
            ("crossreshare_to_ig", self.crossreshare_to_ig),
            (
                "crossreshare_to_ig_dark_mode",
                self.crossreshare_to_ig_dark_mode,
            ),
        ] {
            if set {
                form.push((key, "true".to_owned()));
            }
        }
        form
    }
}

fn to_json<T: Serialize>(value: &T) -> String {
    // These types are plain structs of strings, integers and string enums,
    // whose serialization cannot fail.
    serde_json::to_string(value).expect("attachment types always serialize to JSON")
}

wire_enum! {
    /// The `status` of a media container.
    pub enum ContainerState {
        /// Still processing.
        InProgress = "IN_PROGRESS",
        /// Ready to publish.
        Finished = "FINISHED",
        /// Already published.
        Published = "PUBLISHED",
        /// Processing failed; see `error_message`.
        Error = "ERROR",
        /// Not published within 24 hours.
        Expired = "EXPIRED",
    }
}

impl ContainerState {
    /// Whether the container will not change state any more by itself
    /// (`PUBLISHED`, `ERROR`, `EXPIRED`).
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Published | Self::Error | Self::Expired)
    }
}

wire_enum! {
    /// Why a container failed (`error_message`, with `status = ERROR`).
    pub enum ContainerErrorCode {
        /// The video could not be downloaded.
        FailedDownloadingVideo = "FAILED_DOWNLOADING_VIDEO",
        /// The audio track could not be processed.
        FailedProcessingAudio = "FAILED_PROCESSING_AUDIO",
        /// The video could not be processed.
        FailedProcessingVideo = "FAILED_PROCESSING_VIDEO",
        /// Unsupported aspect ratio. The wire value is Meta's spelling,
        /// `INVALID_ASPEC_RATIO`.
        InvalidAspectRatio = "INVALID_ASPEC_RATIO",
        /// Unsupported bit rate.
        InvalidBitRate = "INVALID_BIT_RATE",
        /// Unsupported duration.
        InvalidDuration = "INVALID_DURATION",
        /// Unsupported frame rate.
        InvalidFrameRate = "INVALID_FRAME_RATE",
        /// Unsupported number of audio channels.
        InvalidAudioChannels = "INVALID_AUDIO_CHANNELS",
        /// Unsupported audio channel layout.
        InvalidAudioChannelLayout = "INVALID_AUDIO_CHANNEL_LAYOUT",
        /// Unspecified failure (often an unreachable image/video URL).
        Unspecified = "UNKNOWN",
    }
}

/// The status of a container: `GET /{container-id}?fields=id,status,error_message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContainerStatus {
    /// The container.
    pub id: ContainerId,
    /// Its processing state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ContainerState>,
    /// Why it failed (only with `ERROR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<ContainerErrorCode>,
}

impl ContainerStatus {
    /// Whether the container can be published now (`FINISHED`).
    pub fn is_ready(&self) -> bool {
        self.status == Some(ContainerState::Finished)
    }
}

wire_enum! {
    /// Outcome of sharing to Instagram Stories (`crossreshare_to_ig_status`).
    pub enum CrossreshareStatus {
        /// Shared.
        Success = "SUCCESS",
        /// Not shared (the Threads post is published anyway).
        Failed = "FAILED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{GifProvider, TextStyle};

    fn fields(errs: &[ValidationError]) -> Vec<&'static str> {
        errs.iter().map(|e| e.field).collect()
    }

    #[test]
    fn minimal_requests_are_valid() {
        assert_eq!(ContainerRequest::text("hi").validation_errors(), vec![]);
        assert!(
            ContainerRequest::image("https://x/a.jpg")
                .validate()
                .is_ok()
        );
        assert!(
            ContainerRequest::video("https://x/a.mp4")
                .validate()
                .is_ok()
        );
        assert!(ContainerRequest::carousel(["1", "2"]).validate().is_ok());
        assert!(
            ContainerRequest::image("https://x/a.jpg")
                .carousel_item(true)
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn required_fields_per_media_type() {
        assert_eq!(
            fields(&ContainerRequest::text("  ").validation_errors()),
            vec!["text"]
        );
        assert_eq!(
            fields(&ContainerRequest::image("").validation_errors()),
            vec!["image_url"]
        );
        let mut req = ContainerRequest::video("v");
        req.image_url = Some("i".into());
        assert_eq!(fields(&req.validation_errors()), vec!["image_url"]);
        assert_eq!(
            fields(
                &ContainerRequest::text("t")
                    .carousel_item(true)
                    .validation_errors()
            ),
            vec!["is_carousel_item"]
        );
    }

    #[test]
    fn unknown_media_types_pass_through() {
        let mut req = ContainerRequest::text("listen");
        req.media_type = ContainerMediaType::from_wire("AUDIO");
        assert!(req.validate().is_ok());
        assert_eq!(req.to_form()[0], ("media_type", "AUDIO".to_owned()));
        req.media_type = ContainerMediaType::from_wire("");
        assert_eq!(req.validate().unwrap_err().field, "media_type");
        assert_eq!(
            fields(&req.link_attachment("https://a.x").validation_errors()),
            vec!["media_type", "link_attachment"]
        );
    }

    #[test]
    fn carousel_bounds() {
        let one = ContainerRequest::carousel(["1"]);
        assert_eq!(
            one.validate().unwrap_err().reason,
            Reason::TooFew {
                what: "children",
                min: 2,
                actual: 1
            }
        );
        let ids: Vec<String> = (0..21).map(|i| i.to_string()).collect();
        let many = ContainerRequest::carousel(ids.iter().map(String::as_str));
        assert!(matches!(
            many.validate().unwrap_err().reason,
            Reason::TooMany {
                max: 20,
                actual: 21,
                ..
            }
        ));
        let twenty = ContainerRequest::carousel(ids[..20].iter().map(String::as_str));
        assert!(twenty.validate().is_ok());
    }

    #[test]
    fn text_budget_and_links() {
        assert!(ContainerRequest::text("a".repeat(500)).validate().is_ok());
        let err = ContainerRequest::text("a".repeat(497) + "😀")
            .validate()
            .unwrap_err();
        assert_eq!(
            err.reason,
            Reason::TooLong {
                max: 500,
                actual: 501
            }
        );
        assert!(
            ContainerRequest::text("a".repeat(497) + "😀")
                .validate_with(TextCounting::EmojiClusterBytes)
                .is_err()
        );

        let five = "https://a.x https://b.x https://c.x https://d.x https://e.x";
        assert!(ContainerRequest::text(five).validate().is_ok());
        // The attachment repeats a link in the text: still five.
        assert!(
            ContainerRequest::text(five)
                .link_attachment("https://a.x/")
                .validate()
                .is_ok()
        );
        let err = ContainerRequest::text(five)
            .link_attachment("https://f.x")
            .validate()
            .unwrap_err();
        assert!(matches!(
            err.reason,
            Reason::TooMany {
                max: 5,
                actual: 6,
                ..
            }
        ));
        let err = ContainerRequest::text(five)
            .text_attachment(TextAttachment::new("body").link("https://g.x"))
            .validate()
            .unwrap_err();
        assert!(matches!(err.reason, Reason::TooMany { actual: 6, .. }));
    }

    #[test]
    fn text_only_attachments() {
        let img = || ContainerRequest::image("https://x/a.jpg");
        let cases = [
            (img().link_attachment("https://l"), "link_attachment"),
            (
                img().poll_attachment(PollAttachment::new("a", "b")),
                "poll_attachment",
            ),
            (
                img().gif_attachment(GifAttachment::giphy("g")),
                "gif_attachment",
            ),
            (
                img().text_attachment(TextAttachment::new("t")),
                "text_attachment",
            ),
            (img().auto_publish_text(true), "auto_publish_text"),
            (img().ghost_post(true), "is_ghost_post"),
        ];
        for (req, field) in cases {
            assert_eq!(fields(&req.validation_errors()), vec![field]);
        }
    }

    #[test]
    fn media_only_parameters() {
        assert_eq!(
            fields(
                &ContainerRequest::text("t")
                    .spoiler_media(true)
                    .validation_errors()
            ),
            vec!["is_spoiler_media"]
        );
        assert!(
            ContainerRequest::carousel(["1", "2"])
                .spoiler_media(true)
                .validate()
                .is_ok()
        );
        assert_eq!(
            fields(
                &ContainerRequest::text("t")
                    .alt_text("a")
                    .validation_errors()
            ),
            vec!["alt_text"]
        );
        let err = ContainerRequest::image("i")
            .alt_text("x".repeat(1001))
            .validate()
            .unwrap_err();
        assert_eq!(
            err.reason,
            Reason::TooLong {
                max: 1000,
                actual: 1001
            }
        );
        assert!(
            ContainerRequest::image("i")
                .alt_text("x".repeat(1000))
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn text_attachment_rules() {
        let err = ContainerRequest::text("t")
            .poll_attachment(PollAttachment::new("a", "b"))
            .text_attachment(TextAttachment::new("long"))
            .validate()
            .unwrap_err();
        assert_eq!(
            err.reason,
            Reason::Conflicts {
                other: "poll_attachment"
            }
        );
        let err = ContainerRequest::text("t")
            .link_attachment("https://a.x")
            .text_attachment(TextAttachment::new("long").link("https://b.x"))
            .validate()
            .unwrap_err();
        assert_eq!(err.field, "text_attachment.link_attachment_url");
        let err = ContainerRequest::text("t")
            .text_attachment(TextAttachment::new("x".repeat(10_001)))
            .validate()
            .unwrap_err();
        assert_eq!(err.field, "text_attachment.plaintext");
        let err = ContainerRequest::text("t")
            .text_attachment(
                TextAttachment::new("abcdef")
                    .style(0, 3, [TextStyle::Bold])
                    .style(2, 2, [TextStyle::Italic]),
            )
            .validate()
            .unwrap_err();
        assert_eq!(
            err.reason,
            Reason::Overlapping {
                first: 0,
                second: 1
            }
        );
    }

    #[test]
    fn spoilers() {
        assert!(
            ContainerRequest::text("abcdef")
                .spoiler(0, 2)
                .spoiler(3, 3)
                .validate()
                .is_ok()
        );
        let err = ContainerRequest::text("abc")
            .spoiler(2, 2)
            .validate()
            .unwrap_err();
        assert!(matches!(err.reason, Reason::RangeOutOfBounds { .. }));
        let mut req = ContainerRequest::text("x".repeat(30));
        for i in 0..11 {
            req = req.spoiler(i * 2, 1);
        }
        assert!(matches!(
            req.validate().unwrap_err().reason,
            Reason::TooMany {
                what: "spoilers",
                max: 10,
                actual: 11
            }
        ));
    }

    #[test]
    fn ghost_posts() {
        let errs = ContainerRequest::text("boo")
            .ghost_post(true)
            .reply_to("1")
            .reply_approvals(true)
            .validation_errors();
        assert_eq!(
            errs.iter().map(|e| e.reason.clone()).collect::<Vec<_>>(),
            vec![
                Reason::Conflicts {
                    other: "reply_to_id"
                },
                Reason::Conflicts {
                    other: "enable_reply_approvals"
                },
            ]
        );
        assert!(
            ContainerRequest::text("boo")
                .ghost_post(true)
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn topic_and_countries() {
        assert_eq!(
            ContainerRequest::text("t")
                .topic_tag("a.b")
                .validate()
                .unwrap_err()
                .reason,
            Reason::ForbiddenChar { ch: '.' }
        );
        assert!(
            ContainerRequest::text("t")
                .allowlisted_country_codes(["us", "CA"])
                .validate()
                .is_ok()
        );
        assert_eq!(
            ContainerRequest::text("t")
                .allowlisted_country_codes(["USA"])
                .validate()
                .unwrap_err()
                .field,
            "allowlisted_country_codes"
        );
    }

    #[test]
    fn form_encoding() {
        let req = ContainerRequest::text("Hello")
            .reply_to("111")
            .reply_control(ReplyControl::ParentPostAuthorOnly)
            .quote("222")
            .link_attachment("https://l.x")
            .allowlisted_country_codes(["us", "CA"])
            .location("333")
            .topic_tag("Rust")
            .gif_attachment(GifAttachment::new("abc", GifProvider::Tenor))
            .spoiler(0, 2)
            .auto_publish_text(true)
            .reply_approvals(true)
            .crossreshare_to_ig(true)
            .crossreshare_to_ig_dark_mode(true);
        let form = req.to_form();
        let want: Vec<(&str, &str)> = vec![
            ("media_type", "TEXT"),
            ("text", "Hello"),
            ("reply_to_id", "111"),
            ("reply_control", "parent_post_author_only"),
            ("quote_post_id", "222"),
            ("link_attachment", "https://l.x"),
            ("location_id", "333"),
            ("topic_tag", "Rust"),
            ("allowlisted_country_codes", "US,CA"),
            ("gif_attachment", r#"{"gif_id":"abc","provider":"TENOR"}"#),
            (
                "text_entities",
                r#"[{"entity_type":"SPOILER","offset":0,"length":2}]"#,
            ),
            ("auto_publish_text", "true"),
            ("enable_reply_approvals", "true"),
            ("crossreshare_to_ig", "true"),
            ("crossreshare_to_ig_dark_mode", "true"),
        ];
        let got: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(got, want);

        let carousel = ContainerRequest::carousel(["1", "2", "3"]).spoiler_media(true);
        assert_eq!(
            carousel.to_form(),
            vec![
                ("media_type", "CAROUSEL".to_owned()),
                ("children", "1,2,3".to_owned()),
                ("is_spoiler_media", "true".to_owned()),
            ]
        );
        let item = ContainerRequest::video("https://v.x/a.mp4")
            .carousel_item(true)
            .alt_text("a cat");
        assert_eq!(
            item.to_form(),
            vec![
                ("media_type", "VIDEO".to_owned()),
                ("video_url", "https://v.x/a.mp4".to_owned()),
                ("alt_text", "a cat".to_owned()),
                ("is_carousel_item", "true".to_owned()),
            ]
        );
        let att = ContainerRequest::text("t").text_attachment(
            TextAttachment::new("Bold start")
                .style(0, 4, [TextStyle::Bold, TextStyle::Underline])
                .link("https://x.y"),
        );
        assert_eq!(
            att.to_form()[2],
            (
                "text_attachment",
                r#"{"plaintext":"Bold start","link_attachment_url":"https://x.y","text_with_styling_info":[{"offset":0,"length":4,"styling_info":["bold","underline"]}]}"#.to_owned()
            )
        );
    }

    #[test]
    fn container_status_decodes() {
        let s: ContainerStatus = serde_json::from_str(
            r#"{"status":"ERROR","id":"1","error_message":"INVALID_ASPEC_RATIO"}"#,
        )
        .unwrap();
        assert_eq!(s.status, Some(ContainerState::Error));
        assert_eq!(
            s.error_message,
            Some(ContainerErrorCode::InvalidAspectRatio)
        );
        assert!(s.status.as_ref().is_some_and(ContainerState::is_terminal));
        let s: ContainerStatus =
            serde_json::from_str(r#"{"status":"SCHEDULED","id":"2"}"#).unwrap();
        assert_eq!(s.status, Some(ContainerState::Unknown("SCHEDULED".into())));
        assert!(!s.is_ready());
    }
}
