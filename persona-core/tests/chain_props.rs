//! Property tests of the reply-chain splitter: every part fits the injected
//! length function, no part is empty, no word, link, mention or tag is cut
//! (joining the parts with spaces gives back the text's words in order), and
//! a failure is only reported when an independent check agrees it is
//! impossible.

use persona_core::{
    Budget, Error, Guardrails, Persona, PlatformLimits, SplitFailure, split_into_chain,
};
use proptest::prelude::*;

const PIECES: &[&str] = &[
    "bread",
    "starter",
    "the",
    "and",
    "a",
    "dough",
    "crumb",
    "héllo",
    "東京",
    "مرحبا",
    "#baking",
    "@bob",
    "https://example.com/a/long/path?q=1",
    "www.shop.io",
    "🍞",
    "👩\u{200d}💻",
    "❤️",
    ".",
    "!",
    "?",
    ",",
    "…",
    "—",
    ":",
    "\n",
    "\n\n",
    "   ",
    "\t",
];

fn text_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(PIECES).prop_map(str::to_owned),
            1 => "[a-zA-Z]{1,14}",
        ],
        0..160,
    )
    .prop_map(|parts| {
        let mut out = String::new();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 && i % 4 != 0 {
                out.push(' ');
            }
            out.push_str(p);
        }
        out
    })
}

fn limits(counting: u8, max: usize) -> PlatformLimits {
    match counting {
        0 => PlatformLimits::new("bytes", max, |s: &str| s.len()),
        1 => PlatformLimits::characters("chars", max),
        2 => PlatformLimits::new("utf16", max, |s: &str| s.encode_utf16().count()),
        _ => PlatformLimits::new("emoji2", max, |s: &str| {
            s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
        }),
    }
}

fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

/// The fewest parts cutting between words can give (greedy packing is
/// optimal for a length that grows with the text), written independently of
/// the library. `None` when one word alone is over the budget.
fn fewest_parts(text: &str, fits: impl Fn(&str) -> bool) -> Option<usize> {
    let tokens: Vec<(usize, usize)> = {
        let base = text.as_ptr() as usize;
        text.split_whitespace()
            .map(|w| {
                let start = w.as_ptr() as usize - base;
                (start, start + w.len())
            })
            .collect()
    };
    let mut parts = 0;
    let mut i = 0;
    while i < tokens.len() {
        if !fits(&text[tokens[i].0..tokens[i].1]) {
            return None;
        }
        let mut j = i;
        while j + 1 < tokens.len() && fits(&text[tokens[i].0..tokens[j + 1].1]) {
            j += 1;
        }
        parts += 1;
        i = j + 1;
    }
    Some(parts)
}

fn check_split(
    text: &str,
    result: Result<Vec<String>, Error>,
    max_parts: usize,
    fits: impl Fn(&str) -> bool,
) -> Result<(), TestCaseError> {
    let fewest = fewest_parts(text, &fits);
    match result {
        Ok(parts) => {
            prop_assert!(!parts.is_empty() && parts.len() <= max_parts);
            for part in &parts {
                prop_assert!(fits(part), "{part:?} is over budget");
                prop_assert!(!part.trim().is_empty());
                prop_assert_eq!(part.trim(), part.as_str());
            }
            let joined = parts.join(" ");
            prop_assert_eq!(words(&joined), words(text));
        }
        Err(Error::Unsplittable { reason }) => match reason {
            SplitFailure::Empty => prop_assert!(words(text).is_empty()),
            SplitFailure::WordTooLong { length, max, .. } => {
                prop_assert!(length > max);
                prop_assert_eq!(fewest, None);
            }
            SplitFailure::TooManyParts {
                needed,
                max_parts: m,
            } => {
                prop_assert_eq!(m, max_parts);
                prop_assert!(needed > max_parts);
                prop_assert_eq!(fewest, Some(needed));
            }
            other => return Err(TestCaseError::fail(format!("unexpected {other:?}"))),
        },
        Err(other) => return Err(TestCaseError::fail(format!("unexpected error {other}"))),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn parts_fit_and_keep_every_word(
        text in text_strategy(),
        counting in 0u8..4,
        max in 1usize..300,
        max_parts in 0usize..12,
    ) {
        let limits = limits(counting, max);
        let result = split_into_chain(&text, &limits, max_parts);
        // Whenever a split is possible, one is found.
        let possible = fewest_parts(&text, |p| limits.length(p) <= max)
            .is_some_and(|n| n >= 1 && n <= max_parts);
        prop_assert_eq!(result.is_ok(), possible, "{:?}", result);
        check_split(&text, result, max_parts, |p| limits.length(p) <= max)?;
    }

    #[test]
    fn guardrails_parts_fit_both_budgets(
        text in text_strategy(),
        counting in 0u8..4,
        max in 1usize..300,
        persona_max in 1usize..300,
        max_parts in 1usize..12,
    ) {
        let limits = limits(counting, max);
        let mut persona = Persona::new("Chain");
        persona.length.min = 0;
        persona.length.max = persona_max;
        let rails = Guardrails::new(&persona, limits.clone()).unwrap();
        let fits = |p: &str| limits.length(p) <= max && p.chars().count() <= persona_max;
        let result = rails.split_into_chain(&text, max_parts);
        if let Err(Error::Unsplittable { reason: SplitFailure::WordTooLong { budget, max: m, .. } }) = &result {
            let expected = if *budget == Budget::Platform { max } else { persona_max };
            prop_assert_eq!(*m, expected);
        }
        check_split(&text, result, max_parts, fits)?;
    }
}

/// The sentences of a long post become the parts of its chain.
#[test]
fn a_long_post_splits_at_its_sentences() {
    let sentences = [
        "Autolyse means resting flour and water before you add the salt and the starter.",
        "The rest lets gluten form on its own, so the dough needs far less kneading later.",
        "Twenty to sixty minutes is enough for most doughs, even with whole grain flour.",
        "Longer rests can make a very extensible dough that is hard to shape by hand.",
        "Try it on your next loaf and compare the crumb with the last one you baked.",
        "You will probably see a more open crumb and a crust that browns more evenly.",
        "Tell me how it goes and which flour you used this time around, friends.",
        "Bake it hot, and then let it cool fully before you slice it.",
    ];
    let text = sentences.join(" ");
    let limits = PlatformLimits::characters("demo", 280);
    let parts = split_into_chain(&text, &limits, 4).unwrap();
    assert_eq!(
        parts,
        [
            sentences[..3].join(" "),
            sentences[3..6].join(" "),
            sentences[6..].join(" "),
        ]
    );
}
