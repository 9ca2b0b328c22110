//! Spoiler rules: at most 10 `text_entities`, each a range inside `text`
//! (in UTF-16 units) not overlapping another, of a known entity type.

use super::Violations;
use crate::model::attachment::{MAX_SPOILERS, check_ranges};
use crate::model::container::ContainerRequest;
use crate::text;
use crate::validation::Reason;

/// The spoiler count, their ranges over `text`, and their entity types.
pub(super) fn check(request: &ContainerRequest, found: &mut Violations) {
    let entities = &request.text_entities;
    if entities.is_empty() {
        return;
    }
    if entities.len() > MAX_SPOILERS {
        found.add(
            "text_entities",
            Reason::TooMany {
                what: "spoilers",
                max: MAX_SPOILERS,
                actual: entities.len(),
            },
        );
    }
    match &request.text {
        None => found.add(
            "text_entities",
            Reason::NotAllowed {
                when: "without text",
            },
        ),
        Some(text) => found.add_result(check_ranges(
            "text_entities",
            entities.iter().map(|e| (e.offset, e.length)),
            text::utf16_len(text),
        )),
    }
    if let Some(bad) = entities.iter().find(|e| e.entity_type.is_unknown()) {
        found.add(
            "text_entities",
            Reason::Invalid {
                message: format!("unknown entity_type {:?}", bad.entity_type.as_str()),
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
    fn spoilers_need_text() {
        let mut req = ContainerRequest::image("https://x/a.jpg").spoiler(0, 1);
        req.text = None;
        assert_eq!(
            req.validate().unwrap_err().reason,
            Reason::NotAllowed {
                when: "without text"
            }
        );
        assert_eq!(fields(&req.validation_errors()), vec!["text_entities"]);
    }
}
