//! Topic and geo-gating rules: `topic_tag` is 1–50 characters without `.` or
//! `&`, and `allowlisted_country_codes` are ISO 3166-1 alpha-2 codes.

use super::Violations;
use crate::model::container::ContainerRequest;
use crate::text;
use crate::validation::Reason;

/// The topic tag and the country allowlist.
pub(super) fn check(request: &ContainerRequest, found: &mut Violations) {
    if let Some(tag) = &request.topic_tag {
        found.add_result(text::validate_topic_tag(tag));
    }
    if let Some(code) = request
        .allowlisted_country_codes
        .iter()
        .find(|c| !is_alpha2(c))
    {
        found.add(
            "allowlisted_country_codes",
            Reason::Invalid {
                message: format!("{code:?} is not an ISO 3166-1 alpha-2 code"),
            },
        );
    }
}

/// Two ASCII letters, in either case (the form sends them upper-case).
fn is_alpha2(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use crate::model::container::ContainerRequest;
    use crate::validation::Reason;

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
        for bad in ["USA", "u1", "é"] {
            assert_eq!(
                ContainerRequest::text("t")
                    .allowlisted_country_codes([bad])
                    .validate()
                    .unwrap_err()
                    .field,
                "allowlisted_country_codes",
                "{bad}"
            );
        }
    }
}
