//! Attachment rules: the link card, poll, GIF and long-form text attachments,
//! and `auto_publish_text`, all for text posts only; a text attachment is not
//! combined with a poll, nor carries its own link next to a link card.

use super::{TEXT_ONLY, Violations, is_text};
use crate::model::container::ContainerRequest;
use crate::validation::Reason;

/// Every attachment of the request, and `auto_publish_text`.
pub(super) fn check(request: &ContainerRequest, found: &mut Violations) {
    let text_post = is_text(request);
    if let Some(url) = &request.link_attachment {
        if !text_post {
            found.add("link_attachment", Reason::NotAllowed { when: TEXT_ONLY });
        }
        if url.trim().is_empty() {
            found.add("link_attachment", Reason::TooShort { min: 1, actual: 0 });
        }
    }
    if let Some(poll) = &request.poll_attachment {
        if !text_post {
            found.add("poll_attachment", Reason::NotAllowed { when: TEXT_ONLY });
        }
        found.add_result(poll.validate());
    }
    if let Some(gif) = &request.gif_attachment {
        if !text_post {
            found.add("gif_attachment", Reason::NotAllowed { when: TEXT_ONLY });
        }
        if gif.gif_id.trim().is_empty() {
            found.add(
                "gif_attachment.gif_id",
                Reason::TooShort { min: 1, actual: 0 },
            );
        }
    }
    check_text_attachment(request, found);
    if request.auto_publish_text && !text_post {
        found.add("auto_publish_text", Reason::NotAllowed { when: TEXT_ONLY });
    }
}

/// The long-form text attachment: its own rules, and what it cannot be
/// combined with.
fn check_text_attachment(request: &ContainerRequest, found: &mut Violations) {
    let Some(attachment) = &request.text_attachment else {
        return;
    };
    if !is_text(request) {
        found.add("text_attachment", Reason::NotAllowed { when: TEXT_ONLY });
    }
    if request.poll_attachment.is_some() {
        found.add(
            "text_attachment",
            Reason::Conflicts {
                other: "poll_attachment",
            },
        );
    }
    if attachment.link_attachment_url.is_some() && request.link_attachment.is_some() {
        found.add(
            "text_attachment.link_attachment_url",
            Reason::Conflicts {
                other: "link_attachment",
            },
        );
    }
    found.add_result(attachment.validate());
}

#[cfg(test)]
mod tests {
    use super::super::fields;
    use crate::model::container::ContainerRequest;
    use crate::model::{GifAttachment, PollAttachment, TextAttachment, TextStyle};
    use crate::validation::Reason;

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
    fn blank_attachments_are_rejected() {
        let errs = ContainerRequest::text("t")
            .link_attachment(" ")
            .gif_attachment(GifAttachment::giphy(""))
            .validation_errors();
        assert_eq!(
            fields(&errs),
            vec!["link_attachment", "gif_attachment.gif_id"]
        );
        assert!(
            errs.iter()
                .all(|e| e.reason == Reason::TooShort { min: 1, actual: 0 })
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
}
