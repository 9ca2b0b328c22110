//! The client-side rules of a [`ContainerRequest`], one module per group of
//! parameters:
//!
//! - [`media`]: the media type, the URLs and children it requires or excludes,
//!   and the parameters only media posts take (`alt_text`, `is_spoiler_media`);
//! - [`text_budget`]: the 500-unit text budget and the 5 unique links;
//! - [`spoilers`]: spoiler ranges over the text (`text_entities`);
//! - [`attachments`]: the text-only attachments (link card, poll, GIF, long-form
//!   text) and `auto_publish_text`;
//! - [`topic_and_countries`]: the topic tag and the country allowlist;
//! - [`ghost_posts`]: what a ghost post cannot be combined with;
//! - [`references`]: the IDs of other objects (reply target, quoted post, place).
//!
//! The groups run in this order, so [`ContainerRequest::validation_errors`]
//! lists violations in a stable order.

mod attachments;
mod ghost_posts;
mod media;
mod references;
mod spoilers;
mod text_budget;
mod topic_and_countries;

use crate::model::container::{ContainerMediaType, ContainerRequest};
use crate::text::TextCounting;
use crate::validation::{Reason, ValidationError};

/// The condition of parameters that only text posts take.
const TEXT_ONLY: &str = "unless media_type is TEXT";

/// The condition of parameters that only single image or video posts take.
const SINGLE_MEDIA_ONLY: &str = "unless media_type is IMAGE or VIDEO";

impl ContainerRequest {
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
    /// - ghost posts: `TEXT` only, not a reply, no reply approvals;
    /// - `reply_to_id`, `quote_post_id` and `location_id` not blank.
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
        let mut found = Violations::default();
        media::check_media_type(self, &mut found);
        text_budget::check(self, counting, &mut found);
        spoilers::check(self, &mut found);
        attachments::check(self, &mut found);
        media::check_media_only(self, &mut found);
        topic_and_countries::check(self, &mut found);
        ghost_posts::check(self, &mut found);
        references::check(self, &mut found);
        found.0
    }
}

/// The violations found so far, in the order the rules ran.
#[derive(Default)]
struct Violations(Vec<ValidationError>);

impl Violations {
    /// Records that `field` broke a rule for `reason`.
    fn add(&mut self, field: &'static str, reason: Reason) {
        self.0.push(ValidationError::new(field, reason));
    }

    /// Records the error of a check that returns its first violation.
    fn add_result(&mut self, result: Result<(), ValidationError>) {
        if let Err(err) = result {
            self.0.push(err);
        }
    }
}

/// Whether the request is a text post.
fn is_text(request: &ContainerRequest) -> bool {
    request.media_type == ContainerMediaType::Text
}

/// Whether the request is a single image or video (possibly a carousel item).
fn is_single_media(request: &ContainerRequest) -> bool {
    matches!(
        request.media_type,
        ContainerMediaType::Image | ContainerMediaType::Video
    )
}

/// Whether an optional string parameter is missing or only whitespace.
fn is_blank(value: Option<&str>) -> bool {
    value.is_none_or(|v| v.trim().is_empty())
}

/// The fields of `errs`, for compact assertions in the rule modules' tests.
#[cfg(test)]
fn fields(errs: &[ValidationError]) -> Vec<&'static str> {
    errs.iter().map(|e| e.field).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PollAttachment;

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
    fn violations_of_several_groups_come_in_rule_order() {
        let mut req = ContainerRequest::image("https://x/a.jpg")
            .poll_attachment(PollAttachment::new("yes", "no"))
            .topic_tag("a&b")
            .ghost_post(true)
            .quote(" ");
        req.text = Some("a".repeat(501));
        assert_eq!(
            fields(&req.validation_errors()),
            vec![
                "text",
                "poll_attachment",
                "topic_tag",
                "is_ghost_post",
                "quote_post_id"
            ]
        );
        assert_eq!(req.validate().unwrap_err().field, "text");
    }
}
