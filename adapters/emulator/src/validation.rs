//! Content rules of a post: text length (500, emoji counted as their UTF-8 bytes:
//! <https://developers.facebook.com/docs/threads/posts>), unique links (at most 5:
//! <https://developers.facebook.com/docs/threads/create-posts/text-attachments>), topic tags
//! and country codes.

use unicode_properties::UnicodeEmoji;
use unicode_segmentation::UnicodeSegmentation;

/// Counts text the way the Threads docs describe: every character counts 1, except emoji,
/// which count as the number of UTF-8 bytes of the whole emoji (grapheme cluster).
pub fn threads_text_length(text: &str) -> usize {
    text.graphemes(true)
        .map(|g| {
            if g.chars().any(|c| !c.is_ascii() && c.is_emoji_char()) {
                g.len()
            } else {
                g.chars().count()
            }
        })
        .sum()
}

/// Unique `http(s)://` links in `text`.
pub(crate) fn links(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        let Some(start) = lower.find("http://").or_else(|| lower.find("https://")) else {
            continue;
        };
        let url = word[start..].trim_end_matches(|c: char| ".,;:!?)]}'\"".contains(c));
        push_link(&mut out, url);
    }
    out
}

/// Adds a link to a unique list (trailing `/` ignored).
pub(crate) fn push_link(list: &mut Vec<String>, url: &str) {
    let norm = url.trim_end_matches('/').to_owned();
    if !norm.is_empty() && !list.contains(&norm) {
        list.push(norm);
    }
}

/// The first valid in-text `#tag`: ends at whitespace or `. & @ ! ? , ; :`; `#1` is not a
/// tag; 1–50 characters.
pub(crate) fn first_hashtag(text: &str) -> Option<String> {
    for (i, _) in text.match_indices('#') {
        let tag: String = text[i + 1..]
            .chars()
            .take_while(|c| !c.is_whitespace() && !".&@!?,;:#".contains(*c))
            .collect();
        if tag.is_empty() || tag.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if tag.chars().count() <= 50 {
            return Some(tag);
        }
    }
    None
}

/// Topic tag rule: 1–50 characters, no `.` or `&`.
pub(crate) fn valid_topic_tag(tag: &str) -> bool {
    let n = tag.chars().count();
    (1..=50).contains(&n) && !tag.contains('.') && !tag.contains('&')
}

const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// True for an ISO 3166-1 alpha-2 code (upper case).
pub(crate) fn valid_country(code: &str) -> bool {
    code.len() == 2 && COUNTRIES.split(' ').any(|c| c == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_count_as_bytes() {
        assert_eq!(threads_text_length("hello"), 5);
        assert_eq!(threads_text_length("é"), 1);
        assert_eq!(threads_text_length("日本"), 2);
        assert_eq!(threads_text_length("😀"), 4);
        // Family emoji: one grapheme of 25 bytes.
        assert_eq!(threads_text_length("👨‍👩‍👧‍👦"), 25);
        assert_eq!(threads_text_length("#1 ok"), 5);
    }

    #[test]
    fn unique_links() {
        let l = links("see https://a.com, and https://a.com/ and HTTP://b.org/x. also www.c.com");
        assert_eq!(
            l,
            vec!["https://a.com".to_owned(), "HTTP://b.org/x".to_owned()]
        );
    }

    #[test]
    fn hashtags() {
        assert_eq!(
            first_hashtag("#1 then #rust.lang #go").as_deref(),
            Some("rust")
        );
        assert_eq!(first_hashtag("no tags #2"), None);
        assert!(valid_topic_tag("Rust"));
        assert!(!valid_topic_tag("a.b"));
        assert!(!valid_topic_tag("a&b"));
        assert!(!valid_topic_tag(""));
        assert!(!valid_topic_tag(&"x".repeat(51)));
    }

    #[test]
    fn countries() {
        assert!(valid_country("US"));
        assert!(!valid_country("XX"));
        assert!(!valid_country("us"));
    }
}
