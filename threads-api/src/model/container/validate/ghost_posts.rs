//! Ghost-post rules: a ghost post (`is_ghost_post`, archived after 24 hours)
//! is a text post, not a reply, and takes no reply approvals.

use super::{TEXT_ONLY, Violations, is_text};
use crate::model::container::ContainerRequest;
use crate::validation::Reason;

/// What a ghost post cannot be combined with.
pub(super) fn check(request: &ContainerRequest, found: &mut Violations) {
    if !request.is_ghost_post {
        return;
    }
    if !is_text(request) {
        found.add("is_ghost_post", Reason::NotAllowed { when: TEXT_ONLY });
    }
    if request.reply_to_id.is_some() {
        found.add(
            "is_ghost_post",
            Reason::Conflicts {
                other: "reply_to_id",
            },
        );
    }
    if request.enable_reply_approvals {
        found.add(
            "is_ghost_post",
            Reason::Conflicts {
                other: "enable_reply_approvals",
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::model::container::ContainerRequest;
    use crate::validation::Reason;

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
        // Without the flag, replies and approvals are fine.
        assert!(
            ContainerRequest::text("boo")
                .reply_to("1")
                .reply_approvals(true)
                .validate()
                .is_ok()
        );
    }
}
