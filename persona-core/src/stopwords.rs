//! Stop words: function words that say nothing about what an account talks
//! about, left out of top words and phrases and of extractive scoring.
//!
//! The lists cover English, Spanish, French, German, Portuguese and Italian.
//! They are merged into one set: a word that is a function word in one of
//! these languages is rarely a telling content word in another.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// FNV-1a: fast on short keys; the set is fixed, so flooding is moot.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

type StopSet = HashSet<&'static str, BuildHasherDefault<Fnv>>;

const EN: &str = "a about above after again against all also am an and any are aren't as at be \
because been before being below between both but by can can't cannot could couldn't did didn't do \
does doesn't doing don't down during each few for from further get got had hadn't has hasn't have \
haven't having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll \
i'm i've if in into is isn't it it's its itself just let's like me more most much mustn't my myself \
no nor not now of off on once one only or other ought our ours ourselves out over own really same \
shan't she she'd she'll she's should shouldn't so some such than that that's the their theirs them \
themselves then there there's these they they'd they'll they're they've this those through to too \
under until up us very was wasn't we we'd we'll we're we've were weren't what what's when when's \
where where's which while who who's whom why why's will with won't would wouldn't you you'd you'll \
you're you've your yours yourself yourselves im dont thats ive youre it's lot still even make way \
thing things going know think want well back yeah yes okay ok full new good great best better \
little big first last next every never always made need try take time today day week tonight";

const ES: &str = "el la los las un una unos unas y o pero de del al en con por para que qué es son \
fue ser estar está están lo le les se su sus mi mis tu tus nos muy más mas como cómo cuando ya \
también este esta estos estas ese esa eso hay sin sobre entre hasta desde todo todos";

const FR: &str = "le la les un une des et ou mais de du au aux en dans avec pour par que qui est \
sont été être avoir a ont ce cette ces son sa ses mon ma mes ton ta tes nous vous ils elles il \
elle je tu on pas ne plus très tout tous comme sur";

const DE: &str = "der die das ein eine einer eines und oder aber von zu mit für auf ist sind war \
waren sein haben hat ich du er sie es wir ihr nicht auch noch wie wenn dass den dem des im am \
um aus bei nach über so";

const PT: &str = "o os um uma uns umas e ou mas do da dos das no na nos nas em com por para que é \
são foi ser estar está seu sua seus suas meu minha não muito mais como quando também isso esse \
essa este esta";

const IT: &str = "il lo gli un una e o ma di del della dei delle in con per che è sono era \
essere avere ha hanno non più molto come quando anche questo questa quello quella";

fn set() -> &'static StopSet {
    static SET: OnceLock<StopSet> = OnceLock::new();
    SET.get_or_init(|| {
        [EN, ES, FR, DE, PT, IT]
            .iter()
            .flat_map(|list| list.split_whitespace())
            .collect()
    })
}

/// Whether `word` (already lowercased) is a stop word.
pub fn is_stop_word(word: &str) -> bool {
    // No stop word is longer than 12 bytes.
    word.len() <= 12 && set().contains(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_function_words_not_content_words() {
        for w in ["the", "and", "don't", "los", "der", "très"] {
            assert!(is_stop_word(w), "{w}");
        }
        for w in ["rust", "coffee", "launch", "garden"] {
            assert!(!is_stop_word(w), "{w}");
        }
    }
}
