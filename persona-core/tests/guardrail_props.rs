//! Property tests: whatever the input, a repaired text is within limits and
//! was never cut inside a sentence, and a rejection only lists reasons that
//! cannot be repaired, or a length that no sentence boundary could fix.

use persona_core::{
    Checked, Error, Frequency, Guardrails, Persona, PlatformLimits, Repair, ReplyRules, Violation,
};
use proptest::prelude::*;

const PIECES: &[&str] = &[
    "bread",
    "starter",
    "the",
    "a",
    "dough",
    "crumb",
    "flour",
    "water",
    "Lisbon",
    "héllo",
    "naïve",
    "東京",
    "مرحبا",
    "#baking",
    "#sourdough",
    "#rust",
    "#x",
    "@bob",
    "@eve",
    "@ana_b",
    "https://example.com/a",
    "https://evil.test/x?y=1",
    "www.shop.io",
    "docs.example.com/faq",
    "🍞",
    "👩\u{200d}💻",
    "❤️",
    "🙌🏽",
    ".",
    "!",
    "?",
    ",",
    "…",
    "—",
    "\n",
    "\n\n\n",
    "   ",
    "\t",
    "\u{202e}",
    "\u{200b}",
    "\u{feff}",
    "\u{0007}",
    "\u{2066}",
    "\u{200d}",
    "x@mallory",
];

fn text_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(PIECES).prop_map(str::to_owned),
            1 => "[a-zA-Z]{1,12}",
        ],
        0..120,
    )
    .prop_map(|parts| {
        let mut out = String::new();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 && i % 3 != 0 {
                out.push(' ');
            }
            out.push_str(p);
        }
        out
    })
}

#[derive(Debug, Clone, Copy)]
enum Counting {
    Bytes,
    Chars,
    Utf16,
    EmojiDouble,
}

fn limits(counting: Counting, max: usize) -> PlatformLimits {
    let base = match counting {
        Counting::Bytes => PlatformLimits::new("bytes", max, |s: &str| s.len()),
        Counting::Chars => PlatformLimits::characters("chars", max),
        Counting::Utf16 => PlatformLimits::new("utf16", max, |s: &str| s.encode_utf16().count()),
        Counting::EmojiDouble => PlatformLimits::new("emoji2", max, |s: &str| {
            s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
        }),
    };
    base.with_max_links(2).with_max_hashtags(1)
}

fn counting() -> impl Strategy<Value = Counting> {
    prop_oneof![
        Just(Counting::Bytes),
        Just(Counting::Chars),
        Just(Counting::Utf16),
        Just(Counting::EmojiDouble)
    ]
}

fn persona(max_chars: usize, links: bool, tags: usize) -> Persona {
    let mut p = Persona::new("Prop");
    p.length.min = 0;
    p.length.max = max_chars;
    p.habits.links_allowed = links;
    p.habits.max_hashtags = tags.max(1);
    p.habits.hashtags = if tags == 0 {
        Frequency::Never
    } else {
        Frequency::Sometimes
    };
    p
}

/// A rejection lists only what cannot be repaired, plus a length that no
/// sentence boundary could fix (a real overrun).
fn only_unrepairable(err: Error) -> Result<(), TestCaseError> {
    match err {
        Error::Rejected { violations } => {
            prop_assert!(!violations.is_empty());
            for v in &violations {
                match v {
                    Violation::TooLong { length, max, .. } => prop_assert!(length > max),
                    _ => {
                        prop_assert!(!v.is_repairable(), "repairable violation left: {v:?}");
                        prop_assert!(
                            matches!(
                                v,
                                Violation::Empty
                                    | Violation::Placeholder { .. }
                                    | Violation::Truncated { .. }
                            ),
                            "unexpected rejection {v:?}"
                        );
                    }
                }
            }
            Ok(())
        }
        other => Err(TestCaseError::fail(format!("unexpected error {other}"))),
    }
}

/// A trimmed text is the untrimmed repair (`full`, the same input repaired
/// under unbounded budgets) cut at a sentence boundary: a prefix of it that
/// ends with a terminator or before a line break, possibly followed by the
/// full text's trailing tag block. And it still says something.
fn trimmed_at_sentence(full: &str, checked: &Checked) -> Result<(), TestCaseError> {
    if !checked
        .repairs
        .iter()
        .any(|r| matches!(r, Repair::Trimmed { .. }))
    {
        return Ok(());
    }
    let out = &checked.text;
    prop_assert!(out.chars().any(char::is_alphanumeric), "{out:?}");
    let tag = |w: &str| w.starts_with('#') && w.len() > 1;
    // Try the output as a plain prefix, then with the full text's trailing
    // tags removed from its end.
    let tail: Vec<&str> = full
        .split_whitespace()
        .rev()
        .take_while(|w| tag(w))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let tail = tail.join(" ");
    let mut bodies = vec![out.as_str()];
    if !tail.is_empty()
        && let Some(body) = out.strip_suffix(tail.as_str())
    {
        bodies.push(body.trim_end());
    }
    let at_boundary = |body: &str| {
        full.starts_with(body) && {
            let rest = &full[body.len()..];
            rest.is_empty()
                || (rest.starts_with(char::is_whitespace)
                    && (body.ends_with(['.', '!', '?', '…'])
                        || rest.trim_start_matches(' ').starts_with('\n')))
        }
    };
    prop_assert!(
        bodies.iter().any(|b| !b.is_empty() && at_boundary(b)),
        "cut inside a sentence: {out:?} from {full:?}"
    );
    Ok(())
}

/// A budget nothing reaches.
const BIG: usize = 1 << 30;

fn invisible(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{200b}' | '\u{200c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn repaired_posts_are_within_limits(
        text in text_strategy(),
        count in counting(),
        max in 1usize..400,
        persona_max in 1usize..400,
        links in any::<bool>(),
        tags in 0usize..3,
    ) {
        let limits = limits(count, max);
        let rails = Guardrails::new(&persona(persona_max, links, tags), limits.clone())
            .unwrap()
            .with_language_check(false);
        match rails.repair_post(&text) {
            Ok(checked) => {
                let out = &checked.text;
                prop_assert!(limits.length(out) <= max, "{out:?} over {max}");
                prop_assert!(out.chars().count() <= persona_max);
                prop_assert!(!out.trim().is_empty());
                prop_assert!(!out.chars().any(invisible), "{out:?}");
                let tag_count = out.split_whitespace().filter(|w| w.starts_with('#') && w.len() > 1).count();
                prop_assert!(tag_count <= tags.min(1), "{out:?}");
                if !links {
                    prop_assert!(!out.contains("https://") && !out.contains("www."), "{out:?}");
                }
                prop_assert_eq!(rails.check_post(out), vec![]);
                let wide = Guardrails::new(&persona(BIG, links, tags), crate::limits(count, BIG))
                    .unwrap()
                    .with_language_check(false);
                if let Ok(full) = wide.repair_post(&text) {
                    trimmed_at_sentence(&full.text, &checked)?;
                }
                // Repairing again changes nothing.
                prop_assert_eq!(&rails.repair_post(out).unwrap().text, out);
            }
            Err(err) => only_unrepairable(err)?,
        }
    }

    #[test]
    fn repaired_replies_mention_only_the_person_answered(
        text in text_strategy(),
        count in counting(),
        max in 1usize..400,
    ) {
        let rails = Guardrails::new(&persona(400, true, 1), limits(count, max))
            .unwrap()
            .with_language_check(false);
        let rules = ReplyRules::replying_to("bob").allow_link_host("example.com");
        match rails.repair_reply(&text, &rules) {
            Ok(checked) => {
                let out = &checked.text;
                prop_assert_eq!(rails.check_reply(out, &rules), vec![]);
                for (i, _) in out.match_indices('@') {
                    let handle: String = out[i + 1..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    prop_assert!(handle.is_empty() || handle.eq_ignore_ascii_case("bob"), "{out:?}");
                }
                prop_assert!(!out.contains("evil.test"), "{out:?}");
                prop_assert!(!out.chars().any(invisible), "{out:?}");
                let wide = Guardrails::new(&persona(BIG, true, 1), limits(count, BIG))
                    .unwrap()
                    .with_language_check(false);
                if let Ok(full) = wide.repair_reply(&text, &rules) {
                    trimmed_at_sentence(&full.text, &checked)?;
                }
            }
            Err(err) => only_unrepairable(err)?,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The offline provider's posts and replies fit any budget, whatever the
    /// source or comment, and never leave placeholders.
    #[test]
    fn offline_outputs_fit_any_budget(
        source in text_strategy(),
        max in 1usize..500,
        seed in any::<u64>(),
        lowercase in any::<bool>(),
    ) {
        use persona_core::{OfflineProvider, TaskHeader, TaskKind};
        let mut p = persona(500, true, 1);
        p.habits.lowercase = lowercase;
        p.habits.emoji = Frequency::Often;
        p.habits.questions = Frequency::Often;
        p.topics = vec!["bread".into()];
        let provider = OfflineProvider::new();
        let post = provider.write_post(&TaskHeader::for_persona(TaskKind::Remix, &p, max), &source, seed);
        prop_assert!(post.len() <= max, "{post:?}");
        let leftover = |t: &str| t.contains("{topic}") || t.contains("{term}");
        prop_assert!(!leftover(&post), "{:?}", post);
        let mut header = TaskHeader::for_persona(TaskKind::ReplyComment, &p, max);
        header.reply_to = Some("bob".into());
        let reply = provider.write_reply(&header, &source, seed);
        prop_assert!(reply.len() <= max, "{reply:?}");
        prop_assert!(!leftover(&reply), "{:?}", reply);
    }
}
