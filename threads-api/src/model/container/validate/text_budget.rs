//! Text rules: `text` within the 500-unit budget, and at most 5 unique links
//! across the text, the link card and the text attachment's link.

use super::Violations;
use crate::model::container::ContainerRequest;
use crate::text::{self, LINK_LIMIT, TEXT_LIMIT, TextCounting};
use crate::validation::Reason;

/// The text budget (counted with `counting`) and the unique-link limit.
pub(super) fn check(request: &ContainerRequest, counting: TextCounting, found: &mut Violations) {
    if let Some(text) = &request.text {
        let len = counting.count(text);
        if len > TEXT_LIMIT {
            found.add(
                "text",
                Reason::TooLong {
                    max: TEXT_LIMIT,
                    actual: len,
                },
            );
        }
    }
    let links = unique_links(request);
    if links > LINK_LIMIT {
        found.add(
            "text",
            Reason::TooMany {
                what: "unique links",
                max: LINK_LIMIT,
                actual: links,
            },
        );
    }
}

/// How many distinct links the post carries: those in `text`, the
/// `link_attachment` card and `text_attachment.link_attachment_url`.
fn unique_links(request: &ContainerRequest) -> usize {
    let attachment_link = request
        .text_attachment
        .as_ref()
        .and_then(|a| a.link_attachment_url.as_deref());
    let extra = request
        .link_attachment
        .as_deref()
        .into_iter()
        .chain(attachment_link);
    text::unique_links(request.text.as_deref().unwrap_or(""), extra).len()
}

#[cfg(test)]
mod tests {
    use crate::model::TextAttachment;
    use crate::model::container::ContainerRequest;
    use crate::text::TextCounting;
    use crate::validation::Reason;

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
}
