//! JSON mode: the Messages API has no `response_format`, so the model is
//! asked for JSON in the system prompt and its answer is checked here.

/// The JSON object in a model answer, or `None` when there is none.
///
/// Accepts the object alone, wrapped in a Markdown code fence, or surrounded
/// by prose (the outermost `{` … `}` span is taken). Whatever is returned
/// parses as a JSON object.
pub(crate) fn extract_json_object(text: &str) -> Option<String> {
    let trimmed = text.trim();
    let unfenced = trimmed
        .strip_prefix("```")
        .and_then(|rest| rest.strip_suffix("```"))
        .map(|inner| {
            let inner = inner.trim_start();
            inner
                .strip_prefix("json")
                .or_else(|| inner.strip_prefix("JSON"))
                .unwrap_or(inner)
                .trim()
        })
        .unwrap_or(trimmed);
    let is_object = |candidate: &str| {
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(candidate).is_ok()
    };
    if is_object(unfenced) {
        return Some(unfenced.to_owned());
    }
    let start = unfenced.find('{')?;
    let end = unfenced.rfind('}')?;
    let span = unfenced.get(start..=end)?;
    is_object(span).then(|| span.to_owned())
}

#[cfg(test)]
mod tests {
    use super::extract_json_object;

    #[test]
    fn finds_the_object_in_common_answer_shapes() {
        let object = r#"{"post":"Hi","tags":["a"]}"#;
        assert_eq!(extract_json_object(object).as_deref(), Some(object));
        assert_eq!(
            extract_json_object(&format!("  {object}\n")).as_deref(),
            Some(object)
        );
        assert_eq!(
            extract_json_object(&format!("```json\n{object}\n```")).as_deref(),
            Some(object)
        );
        assert_eq!(
            extract_json_object(&format!("```\n{object}\n```")).as_deref(),
            Some(object)
        );
        assert_eq!(
            extract_json_object(&format!("Here it is:\n{object}\nHope it helps.")).as_deref(),
            Some(object)
        );
    }

    #[test]
    fn rejects_answers_without_an_object() {
        assert_eq!(extract_json_object("Sorry, no."), None);
        assert_eq!(extract_json_object("[1, 2]"), None);
        assert_eq!(extract_json_object(r#"{"post": "cut"#), None);
        assert_eq!(extract_json_object("} {"), None);
        assert_eq!(extract_json_object(""), None);
    }
}
