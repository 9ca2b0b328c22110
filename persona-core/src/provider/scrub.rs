//! Making a provider's error message safe to keep: [`scrub`].
//!
//! Model servers and the proxies in front of them sometimes echo request
//! headers, API key included, or answer with a whole HTML page. Adapters pass
//! every message taken from an answer through [`scrub`] before putting it in
//! an [`LlmError`](super::LlmError).

/// The longest message [`scrub`] keeps, in characters (an ellipsis marks the
/// cut).
pub const MAX_MESSAGE_CHARS: usize = 500;

/// Replaces every occurrence of `secret` in `message` with `[redacted]` and
/// cuts the result to [`MAX_MESSAGE_CHARS`] characters, adding `…` when it
/// cuts. An empty `secret` (a server without authentication) leaves the text
/// as it is.
///
/// ```
/// use persona_core::provider::scrub::scrub;
///
/// assert_eq!(scrub("bad key sk-123", "sk-123"), "bad key [redacted]");
/// assert_eq!(scrub(&"x".repeat(600), "").chars().count(), 501);
/// ```
pub fn scrub(message: &str, secret: &str) -> String {
    let cleaned = if secret.is_empty() {
        message.to_owned()
    } else {
        message.replace(secret, "[redacted]")
    };
    match cleaned.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &cleaned[..cut]),
        None => cleaned,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_everywhere() {
        assert_eq!(
            scrub("key k-1 then k-1 again", "k-1"),
            "key [redacted] then [redacted] again"
        );
        assert_eq!(scrub("nothing to hide", ""), "nothing to hide");
    }

    #[test]
    fn long_messages_are_cut_on_character_boundaries() {
        let short = "é".repeat(MAX_MESSAGE_CHARS);
        assert_eq!(scrub(&short, ""), short);
        let long = "é".repeat(MAX_MESSAGE_CHARS + 1);
        let cut = scrub(&long, "");
        assert_eq!(cut.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(cut.ends_with("é…"));
    }

    #[test]
    fn a_secret_across_the_cut_is_redacted_before_cutting() {
        let secret = "sk-secret-value";
        let message = format!("{}{secret}", "x".repeat(MAX_MESSAGE_CHARS - 3));
        let cut = scrub(&message, secret);
        assert!(!cut.contains("sk-"), "{cut}");
    }
}
