//! Reference rules: the IDs of other objects (`reply_to_id`, `quote_post_id`,
//! `location_id`) are not blank, since a blank ID makes a malformed request.

use super::{Violations, is_blank};
use crate::ids::{LocationId, MediaId};
use crate::model::container::ContainerRequest;
use crate::validation::Reason;

/// Every ID parameter that is set holds more than whitespace.
pub(super) fn check(request: &ContainerRequest, found: &mut Violations) {
    let references = [
        (
            "reply_to_id",
            request.reply_to_id.as_ref().map(MediaId::as_str),
        ),
        (
            "quote_post_id",
            request.quote_post_id.as_ref().map(MediaId::as_str),
        ),
        (
            "location_id",
            request.location_id.as_ref().map(LocationId::as_str),
        ),
    ];
    for (field, id) in references {
        if id.is_some() && is_blank(id) {
            found.add(field, Reason::TooShort { min: 1, actual: 0 });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fields;
    use crate::model::container::ContainerRequest;

    #[test]
    fn blank_ids_are_rejected() {
        let errs = ContainerRequest::text("t")
            .reply_to(" ")
            .quote("")
            .location("\t")
            .validation_errors();
        assert_eq!(
            fields(&errs),
            vec!["reply_to_id", "quote_post_id", "location_id"]
        );
        assert!(
            ContainerRequest::text("t")
                .reply_to("1")
                .quote("2")
                .location("3")
                .validate()
                .is_ok()
        );
    }
}
