//! Media rules: what each media type requires (`text`, `image_url`,
//! `video_url`, 2–20 carousel `children`), the parameters that belong to one
//! media type only, and the parameters only media posts take (`alt_text`,
//! `is_spoiler_media`).

use super::{SINGLE_MEDIA_ONLY, Violations, is_blank, is_single_media, is_text};
use crate::model::container::{
    ALT_TEXT_MAX_CHARS, CAROUSEL_MAX_CHILDREN, CAROUSEL_MIN_CHILDREN, ContainerMediaType as M,
    ContainerRequest,
};
use crate::text;
use crate::validation::Reason;

/// The media type, the parameters it requires, and those it excludes.
pub(super) fn check_media_type(request: &ContainerRequest, found: &mut Violations) {
    check_required(request, found);
    if request.image_url.is_some() && request.media_type != M::Image {
        found.add(
            "image_url",
            Reason::NotAllowed {
                when: "unless media_type is IMAGE",
            },
        );
    }
    if request.video_url.is_some() && request.media_type != M::Video {
        found.add(
            "video_url",
            Reason::NotAllowed {
                when: "unless media_type is VIDEO",
            },
        );
    }
    if request.is_carousel_item && !is_single_media(request) {
        found.add(
            "is_carousel_item",
            Reason::NotAllowed {
                when: SINGLE_MEDIA_ONLY,
            },
        );
    }
    check_children(request, found);
}

/// The one parameter each known media type cannot do without. A media type
/// this crate does not know passes, unless it is blank.
fn check_required(request: &ContainerRequest, found: &mut Violations) {
    let (field, when) = match &request.media_type {
        M::Text if is_blank(request.text.as_deref()) => ("text", "for TEXT containers"),
        M::Image if is_blank(request.image_url.as_deref()) => ("image_url", "for IMAGE containers"),
        M::Video if is_blank(request.video_url.as_deref()) => ("video_url", "for VIDEO containers"),
        M::Unknown(wire) if wire.trim().is_empty() => {
            found.add("media_type", Reason::TooShort { min: 1, actual: 0 });
            return;
        }
        _ => return,
    };
    found.add(field, Reason::Required { when });
}

/// A carousel has 2–20 non-blank children; other media types have none.
fn check_children(request: &ContainerRequest, found: &mut Violations) {
    if request.media_type != M::Carousel {
        if !request.children.is_empty() {
            found.add(
                "children",
                Reason::NotAllowed {
                    when: "unless media_type is CAROUSEL",
                },
            );
        }
        return;
    }
    let n = request.children.len();
    if n < CAROUSEL_MIN_CHILDREN {
        found.add(
            "children",
            Reason::TooFew {
                what: "children",
                min: CAROUSEL_MIN_CHILDREN,
                actual: n,
            },
        );
    } else if n > CAROUSEL_MAX_CHILDREN {
        found.add(
            "children",
            Reason::TooMany {
                what: "children",
                max: CAROUSEL_MAX_CHILDREN,
                actual: n,
            },
        );
    }
    if request
        .children
        .iter()
        .any(|c| c.as_str().trim().is_empty())
    {
        found.add(
            "children",
            Reason::Invalid {
                message: "contains an empty container ID".to_owned(),
            },
        );
    }
}

/// `alt_text` (at most 1,000 characters, images and videos only) and
/// `is_spoiler_media` (not on text posts).
pub(super) fn check_media_only(request: &ContainerRequest, found: &mut Violations) {
    if let Some(alt) = &request.alt_text {
        if !is_single_media(request) {
            found.add(
                "alt_text",
                Reason::NotAllowed {
                    when: SINGLE_MEDIA_ONLY,
                },
            );
        }
        let len = text::char_len(alt);
        if len > ALT_TEXT_MAX_CHARS {
            found.add(
                "alt_text",
                Reason::TooLong {
                    max: ALT_TEXT_MAX_CHARS,
                    actual: len,
                },
            );
        }
    }
    if request.is_spoiler_media && is_text(request) {
        found.add(
            "is_spoiler_media",
            Reason::NotAllowed {
                when: "unless media_type is IMAGE, VIDEO or CAROUSEL",
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::fields;
    use crate::model::container::ContainerRequest;
    use crate::validation::Reason;

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
        assert_eq!(
            ContainerRequest::video(" ").validate().unwrap_err().reason,
            Reason::Required {
                when: "for VIDEO containers"
            }
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
        let mut req = ContainerRequest::text("t");
        req.children = vec!["1".into(), "2".into()];
        assert_eq!(fields(&req.validation_errors()), vec!["children"]);
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
        assert!(matches!(
            ContainerRequest::carousel(["1", " "])
                .validate()
                .unwrap_err()
                .reason,
            Reason::Invalid { .. }
        ));
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
}
