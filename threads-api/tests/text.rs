//! The text budget, link counting and topic-tag rules.

use proptest::prelude::*;
use threads_api::text::{
    LINK_LIMIT, TEXT_LIMIT, TextCounting, char_len, find_links, threads_text_len,
    topic_tag_from_text, unique_links, utf16_len, validate_topic_tag,
};
use threads_api::validation::Reason;

/// What each tricky case counts as under the documented rule
/// (`EmojiClusterBytes`) and under the threads-rs rule (`NonAsciiBytes`).
#[test]
fn documented_edge_cases() {
    let cases: &[(&str, usize, usize, &str)] = &[
        ("hello", 5, 5, "ASCII: one per character"),
        ("😀", 4, 4, "single emoji: its 4 UTF-8 bytes"),
        ("👍🏽", 8, 8, "emoji + skin tone: one cluster, 4 + 4 bytes"),
        ("👨‍👩‍👧", 18, 18, "ZWJ family: 3 emoji + 2 ZWJ (3 bytes each)"),
        ("👨‍👩‍👧‍👦", 25, 25, "ZWJ family of four"),
        ("🇫🇷", 8, 8, "flag: two regional indicators"),
        ("🇫🇷🇩🇪", 16, 16, "two flags are two clusters"),
        (
            "🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}",
            28,
            28,
            "England: tag sequence",
        ),
        ("❤️", 6, 6, "text-default heart + VS16 is an emoji"),
        ("❤", 1, 3, "text-default heart without VS16 is a symbol"),
        (
            "❤️‍🔥",
            13,
            13,
            "ZWJ sequence starting with a text-default emoji",
        ),
        (
            "🏳️‍🌈",
            14,
            14,
            "rainbow flag: white flag + VS16 + ZWJ + rainbow",
        ),
        ("1️⃣", 7, 7, "keycap sequence"),
        ("#", 1, 1, "emoji component alone is plain text"),
        ("©", 1, 2, "copyright sign without VS16"),
        ("中文字", 3, 9, "CJK: one per character (documented rule)"),
        ("こんにちは", 5, 15, "kana"),
        ("한국어", 3, 9, "precomposed Hangul syllables"),
        (
            "\u{1112}\u{1161}\u{11AB}",
            1,
            9,
            "decomposed Hangul (jamo) is one cluster",
        ),
        ("e\u{301}", 1, 3, "combining acute: one cluster"),
        ("é", 1, 2, "precomposed é"),
        (
            "Z\u{364}\u{311}\u{313}",
            1,
            7,
            "stacked combining marks: one cluster",
        ),
        ("\r\n", 1, 2, "CRLF is one cluster"),
        ("", 0, 0, "empty"),
    ];
    for &(text, documented, non_ascii, why) in cases {
        assert_eq!(threads_text_len(text), documented, "{why}: {text:?}");
        assert_eq!(
            TextCounting::EmojiClusterBytes.count(text),
            documented,
            "{why}"
        );
        assert_eq!(
            TextCounting::NonAsciiBytes.count(text),
            non_ascii,
            "{why}: {text:?}"
        );
    }
}

#[test]
fn budget_boundary() {
    let exact = "a".repeat(496) + "😀";
    assert_eq!(threads_text_len(&exact), TEXT_LIMIT);
    let over = "a".repeat(497) + "😀";
    assert_eq!(threads_text_len(&over), TEXT_LIMIT + 1);
    // 500 CJK characters fit under the documented rule but not under threads-rs's.
    let cjk = "中".repeat(500);
    assert_eq!(threads_text_len(&cjk), 500);
    assert_eq!(TextCounting::NonAsciiBytes.count(&cjk), 1500);
}

#[test]
fn default_policy_is_the_documented_rule() {
    assert_eq!(TextCounting::default(), TextCounting::EmojiClusterBytes);
}

#[test]
fn utf16_units() {
    assert_eq!(utf16_len("a😀"), 3);
    assert_eq!(char_len("a😀"), 2);
}

#[test]
fn link_detection() {
    let cases: &[(&str, &[&str])] = &[
        ("no links", &[]),
        ("see https://a.example/x.", &["https://a.example/x"]),
        ("(see https://a.example/x)", &["https://a.example/x"]),
        (
            "https://en.wikipedia.org/wiki/Rust_(programming_language)!",
            &["https://en.wikipedia.org/wiki/Rust_(programming_language)"],
        ),
        (
            "HTTP://UPPER.example/Path?q=1",
            &["HTTP://UPPER.example/Path?q=1"],
        ),
        ("visit www.example.com, now", &["www.example.com"]),
        ("mail me@www.example.com", &[]),
        ("not a link: example.com or http:// alone", &[]),
        (
            "two:https://a.x\nhttps://b.x",
            &["https://a.x", "https://b.x"],
        ),
        ("quoted \"https://q.x/a\"", &["https://q.x/a"]),
        ("日本 https://例え.jp/パス 語", &["https://例え.jp/パス"]),
    ];
    for &(text, want) in cases {
        assert_eq!(find_links(text), want, "{text:?}");
    }
    // Unbalanced closing brackets are trimmed, balanced ones kept, in linear time.
    let long = format!("https://a.x/(b){}", ")".repeat(100_000));
    assert_eq!(find_links(&long), vec!["https://a.x/(b)"]);
}

#[test]
fn unique_link_counting() {
    let text = "https://www.A.example/x http://www.a.example/x www.a.example/x \
                https://b.example/ https://b.example https://a.example/x";
    assert_eq!(
        unique_links(text, None::<&str>),
        vec![
            "https://www.A.example/x",
            "https://b.example/",
            "https://a.example/x"
        ]
    );
    // Paths are case-sensitive.
    assert_eq!(
        unique_links("https://a.x/P https://a.x/p", [""; 0]).len(),
        2
    );
    // Extras count, and blank extras are ignored.
    let links = unique_links("https://a.x", ["https://a.x/", " ", "https://c.x"]);
    assert_eq!(links, vec!["https://a.x", "https://c.x"]);
    let six: String = (0..6).map(|i| format!("https://s{i}.example ")).collect();
    assert_eq!(unique_links(&six, [""; 0]).len(), LINK_LIMIT + 1);
}

#[test]
fn topic_tags_from_text() {
    let cases: &[(&str, Option<&str>)] = &[
        ("#rust is great", Some("rust")),
        ("Top #1 of #2024 is #RustLang, today", Some("RustLang")),
        ("#rust.lang", Some("rust")),
        ("#a&b", Some("a")),
        ("#hi@you #hey!", Some("hi")),
        ("#q? #w; #e: #r,", Some("q")),
        ("C# and F#", None),
        ("#", None),
        ("# spaced", None),
        ("##double", Some("double")),
        ("#123abc", Some("123abc")),
        ("#日本語 です", Some("日本語")),
        ("no tag", None),
        ("end #", None),
        ("mail#tag", None),
        ("(#paren)", Some("paren)")),
    ];
    for &(text, want) in cases {
        assert_eq!(topic_tag_from_text(text), want, "{text:?}");
    }
    let long = format!("#{} #short", "x".repeat(51));
    assert_eq!(topic_tag_from_text(&long), Some("short"));
    let fifty = format!("#{}", "x".repeat(50));
    assert_eq!(topic_tag_from_text(&fifty), Some(&fifty[1..]));
}

#[test]
fn topic_tag_parameter() {
    assert!(validate_topic_tag("Rust").is_ok());
    assert!(validate_topic_tag(&"ü".repeat(50)).is_ok());
    assert_eq!(
        validate_topic_tag("").unwrap_err().reason,
        Reason::TooShort { min: 1, actual: 0 }
    );
    assert_eq!(
        validate_topic_tag(&"x".repeat(51)).unwrap_err().reason,
        Reason::TooLong {
            max: 50,
            actual: 51
        }
    );
    assert_eq!(
        validate_topic_tag("a&b").unwrap_err().reason,
        Reason::ForbiddenChar { ch: '&' }
    );
    assert_eq!(validate_topic_tag("a.b").unwrap_err().field, "topic_tag");
}

const EMOJI: &[&str] = &[
    "😀",
    "👍🏽",
    "👨‍👩‍👧",
    "🇫🇷",
    "❤️",
    "1️⃣",
    "🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn ascii_counts_bytes(s in "[ -~\t\n]{0,600}") {
        prop_assert_eq!(threads_text_len(&s), s.len());
        prop_assert_eq!(TextCounting::NonAsciiBytes.count(&s), s.len());
    }

    #[test]
    fn appending_an_emoji_adds_its_bytes(s in "[ -~]{0,100}", i in 0..EMOJI.len()) {
        let emoji = EMOJI[i];
        let joined = format!("{s}{emoji}");
        prop_assert_eq!(threads_text_len(&joined), s.len() + emoji.len());
    }

    #[test]
    fn bounded_by_clusters_and_bytes(s in any::<String>()) {
        use unicode_segmentation::UnicodeSegmentation;
        let n = threads_text_len(&s);
        prop_assert!(n >= s.graphemes(true).count());
        prop_assert!(n <= s.len());
        prop_assert!(TextCounting::NonAsciiBytes.count(&s) >= n);
    }

    #[test]
    fn additive_across_a_newline(a in any::<String>(), b in any::<String>()) {
        prop_assume!(!a.ends_with('\r'));
        let joined = format!("{a}\n{b}");
        prop_assert_eq!(threads_text_len(&joined), threads_text_len(&a) + 1 + threads_text_len(&b));
    }

    #[test]
    fn text_functions_never_panic(s in any::<String>(), extra in any::<String>()) {
        let _ = find_links(&s);
        let _ = unique_links(&s, [extra.as_str()]);
        let _ = validate_topic_tag(&s);
        let _ = topic_tag_from_text(&s);
    }

    #[test]
    fn found_links_are_substrings_and_unique(s in "([a-z ]{0,5}(https?://|www\\.|HTTPS://)[a-zA-Z./()!,?]{0,12}){0,8}") {
        let found = find_links(&s);
        for link in &found {
            prop_assert!(s.contains(link));
        }
        let unique = unique_links(&s, [""; 0]);
        prop_assert!(unique.len() <= found.len());
        // Deduplicating again changes nothing.
        prop_assert_eq!(unique_links("", &unique), unique.clone());
    }

    #[test]
    fn extracted_tags_follow_the_rules(s in "([a-z0-9 ]{0,4}#[a-zA-Z0-9.&@!?,;:日]{0,6}){0,5}") {
        if let Some(tag) = topic_tag_from_text(&s) {
            let hashed = format!("#{tag}");
            prop_assert!(s.contains(&hashed));
            prop_assert!(!tag.is_empty());
            prop_assert!(!tag.chars().all(|c| c.is_ascii_digit()));
            prop_assert!(!tag.contains(['.', '&', '@', '!', '?', ',', ';', ':', ' ', '#']));
            prop_assert!(validate_topic_tag(tag).is_ok());
        }
    }
}
