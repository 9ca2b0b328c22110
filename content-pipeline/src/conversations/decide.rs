//! What to do with a reply or mention: hard limits outside the model, the
//! persona's policy, and approval by risk. Pure functions over what the store
//! knows, so every rule is unit-tested on its own.

use chrono::{DateTime, TimeDelta, Utc};
use persona_core::{Intent, ReplyCounts, ReplyDecision, ReplyPolicy, SkipReason};
use serde::{Deserialize, Serialize};

use crate::config::ConversationPolicy;

/// Why an answer needs a person even though it may be drafted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RiskFlag {
    /// The comment or the answer carries a link.
    Link,
    /// The comment is negative (a complaint, abuse, or negative words).
    Negative,
    /// The comment names other people or brands (mentions, proper names).
    Names,
    /// The comment is about money (prices, refunds, payments, investing).
    Money,
    /// The comment is about health (symptoms, treatment, diet, medicine).
    Health,
}

impl RiskFlag {
    /// The flag as text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Link => "link",
            Self::Negative => "negative",
            Self::Names => "names",
            Self::Money => "money",
            Self::Health => "health",
        }
    }
}

/// What the pipeline does with an inbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Verdict {
    /// Draft an answer; `risk` lists why a person must approve it (empty: the
    /// persona's approval setting decides).
    Answer {
        /// Risk flags found.
        risk: Vec<RiskFlag>,
    },
    /// Hide the message (abuse or spam, when the policy hides them).
    Hide,
    /// Leave it, for this reason.
    Skip {
        /// Why.
        reason: SkipCause,
    },
}

/// Why no answer is drafted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SkipCause {
    /// The persona's policy: intent not answered, or a cap per person, thread
    /// or day reached.
    Policy(SkipReason),
    /// The message is deeper in the thread than answers go.
    TooDeep,
    /// The author and the account have answered each other too often in this
    /// thread: another bot, or a loop.
    Exchange,
    /// The message is the account's own.
    Own,
}

impl SkipCause {
    /// The cause as text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Policy(SkipReason::IntentNotAnswered) => "intent_not_answered",
            Self::Policy(SkipReason::UserCapReached) => "user_cap_reached",
            Self::Policy(SkipReason::ThreadCapReached) => "thread_cap_reached",
            Self::Policy(SkipReason::DailyCapReached) => "daily_cap_reached",
            Self::Policy(_) => "policy",
            Self::TooDeep => "too_deep",
            Self::Exchange => "exchange_limit",
            Self::Own => "own_message",
        }
    }
}

/// What the store says about the account's earlier answers, for the caps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct History {
    /// Answers to this author in the last 24 hours (all threads).
    pub to_author_today: u32,
    /// Answers in this thread.
    pub in_thread: u32,
    /// Answers in the last 24 hours overall.
    pub today: u32,
    /// How many times the account and this author took turns in this thread
    /// (one turn: the author wrote, the account answered).
    pub exchanges_with_author: u32,
    /// How deep the message is: 1 for a reply to the root post, 2 for a reply
    /// to a reply, ...
    pub depth: u32,
}

/// The decision, in order: own messages are skipped; abuse and spam are
/// hidden (or skipped); the depth and back-and-forth limits apply before the
/// persona's policy (they are hard limits the persona cannot lift); then the
/// persona's [`ReplyPolicy`] (intents and caps); an answer carries its risk
/// flags.
pub fn decide(
    intent: Intent,
    is_own: bool,
    text: &str,
    history: History,
    persona: &ReplyPolicy,
    policy: &ConversationPolicy,
) -> Verdict {
    if is_own {
        return Verdict::Skip {
            reason: SkipCause::Own,
        };
    }
    if matches!(intent, Intent::Abuse | Intent::Spam) {
        return if policy.hide_abuse {
            Verdict::Hide
        } else {
            Verdict::Skip {
                reason: SkipCause::Policy(SkipReason::IntentNotAnswered),
            }
        };
    }
    if history.depth > policy.max_depth {
        return Verdict::Skip {
            reason: SkipCause::TooDeep,
        };
    }
    if history.exchanges_with_author >= policy.max_exchanges {
        return Verdict::Skip {
            reason: SkipCause::Exchange,
        };
    }
    let counts = ReplyCounts::new(history.to_author_today, history.in_thread, history.today);
    match persona.decide(intent, counts) {
        ReplyDecision::Answer => Verdict::Answer {
            risk: risk_flags(text, intent),
        },
        ReplyDecision::Skip(reason) => Verdict::Skip {
            reason: SkipCause::Policy(reason),
        },
        _ => Verdict::Skip {
            reason: SkipCause::Policy(SkipReason::IntentNotAnswered),
        },
    }
}

const NEGATIVE: &[&str] = &[
    "angry",
    "awful",
    "bad",
    "broke",
    "broken",
    "disappointed",
    "disgusting",
    "hate",
    "horrible",
    "terrible",
    "useless",
    "worst",
    "scam",
    "sucks",
    "never again",
    "rip off",
    "ripoff",
    "lawsuit",
    "sue",
    "complaint",
    "unacceptable",
    "furious",
    "rude",
];
const MONEY: &[&str] = &[
    "$",
    "€",
    "£",
    "¥",
    "price",
    "prices",
    "cost",
    "costs",
    "refund",
    "payment",
    "pay",
    "paid",
    "money",
    "invest",
    "investment",
    "crypto",
    "bitcoin",
    "loan",
    "debt",
    "salary",
    "discount",
    "coupon",
    "buy",
    "sell",
    "cheap",
    "expensive",
    "dollar",
    "euro",
    "invoice",
    "bank",
];
const HEALTH: &[&str] = &[
    "doctor",
    "medicine",
    "medical",
    "medication",
    "diet",
    "disease",
    "symptom",
    "symptoms",
    "pregnant",
    "pregnancy",
    "vaccine",
    "drug",
    "drugs",
    "therapy",
    "pain",
    "allergy",
    "allergic",
    "diabetes",
    "cancer",
    "weight loss",
    "lose weight",
    "prescription",
    "dose",
    "sick",
    "illness",
    "health",
    "gluten",
    "celiac",
    "infection",
    "mental",
];

/// Risk flags of a comment: links, negative tone, names of people or brands,
/// money, health. Lowercase word and phrase matching plus a few shape rules;
/// it errs on the side of flagging (a flagged answer only costs a person's
/// look).
pub fn risk_flags(text: &str, intent: Intent) -> Vec<RiskFlag> {
    let lower = text.to_lowercase();
    let words: Vec<String> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '$' || c == '€' || c == '£'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let has = |list: &[&str]| {
        list.iter().any(|term| {
            if term.contains(' ') || !term.chars().all(char::is_alphanumeric) {
                lower.contains(term)
            } else {
                words.iter().any(|w| w == term)
            }
        })
    };
    let mut flags = Vec::new();
    if lower.contains("http://")
        || lower.contains("https://")
        || lower.contains("www.")
        || words.iter().any(|w| looks_like_domain(w))
        || text.split_whitespace().any(looks_like_domain)
    {
        flags.push(RiskFlag::Link);
    }
    if matches!(intent, Intent::Complaint | Intent::Abuse) || has(NEGATIVE) {
        flags.push(RiskFlag::Negative);
    }
    if text.contains('@') || has_proper_names(text) {
        flags.push(RiskFlag::Names);
    }
    if has(MONEY) || text.chars().any(|c| matches!(c, '$' | '€' | '£' | '¥')) {
        flags.push(RiskFlag::Money);
    }
    if has(HEALTH) {
        flags.push(RiskFlag::Health);
    }
    flags
}

/// `example.com`, `shop.example.co.uk`: a dot between letters and a short
/// alphabetic ending.
fn looks_like_domain(word: &str) -> bool {
    let w = word.trim_matches(|c: char| !c.is_alphanumeric());
    let Some((head, tld)) = w.rsplit_once('.') else {
        return false;
    };
    !head.is_empty()
        && head
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
        && head.chars().any(char::is_alphabetic)
        && (2..=24).contains(&tld.len())
        && tld.chars().all(|c| c.is_ascii_alphabetic())
}

/// A capitalised word that is not the first word of a sentence and not "I":
/// a name of a person or a brand, most of the time.
fn has_proper_names(text: &str) -> bool {
    let mut sentence_start = true;
    for raw in text.split_whitespace() {
        let word = raw.trim_matches(|c: char| !c.is_alphanumeric());
        let ends_sentence = raw.ends_with(['.', '!', '?']);
        if !sentence_start && word.len() > 1 {
            let mut chars = word.chars();
            let first_upper = chars.next().is_some_and(char::is_uppercase);
            let rest_lower = chars.all(|c| !c.is_uppercase() || c.is_ascii_digit());
            if first_upper && rest_lower {
                return true;
            }
        }
        sentence_start = ends_sentence;
    }
    false
}

/// When an answer goes out: `now` plus a random delay in the policy's range
/// (answers right after a comment, every time, look like a bot and get
/// rate-limited).
pub fn answer_time(now: DateTime<Utc>, policy: &ConversationPolicy) -> DateTime<Utc> {
    let min = policy.reply_delay_min.num_seconds().max(0);
    let max = policy.reply_delay_max.num_seconds().max(min);
    let secs = if max > min {
        rand::random_range(min..=max)
    } else {
        min
    };
    now + TimeDelta::seconds(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ConversationPolicy {
        ConversationPolicy::default()
    }

    fn open_persona() -> ReplyPolicy {
        ReplyPolicy::default()
    }

    #[test]
    fn abuse_is_hidden_and_own_messages_skipped() {
        let h = History {
            depth: 1,
            ..History::default()
        };
        assert_eq!(
            decide(
                Intent::Abuse,
                false,
                "you idiot",
                h,
                &open_persona(),
                &policy()
            ),
            Verdict::Hide
        );
        assert_eq!(
            decide(
                Intent::Praise,
                true,
                "thanks",
                h,
                &open_persona(),
                &policy()
            ),
            Verdict::Skip {
                reason: SkipCause::Own
            }
        );
    }

    #[test]
    fn hard_limits_come_before_the_persona() {
        let mut persona = open_persona();
        persona.max_per_thread = 100;
        let deep = History {
            depth: policy().max_depth + 1,
            ..History::default()
        };
        assert_eq!(
            decide(Intent::Question, false, "why?", deep, &persona, &policy()),
            Verdict::Skip {
                reason: SkipCause::TooDeep
            }
        );
        let looping = History {
            depth: 2,
            exchanges_with_author: policy().max_exchanges,
            ..History::default()
        };
        assert_eq!(
            decide(
                Intent::Question,
                false,
                "and you?",
                looping,
                &persona,
                &policy()
            ),
            Verdict::Skip {
                reason: SkipCause::Exchange
            }
        );
    }

    #[test]
    fn caps_come_from_the_persona() {
        let persona = open_persona();
        let capped = History {
            depth: 1,
            to_author_today: persona.max_per_user_per_day,
            ..History::default()
        };
        assert_eq!(
            decide(
                Intent::Question,
                false,
                "how long?",
                capped,
                &persona,
                &policy()
            ),
            Verdict::Skip {
                reason: SkipCause::Policy(SkipReason::UserCapReached)
            }
        );
    }

    #[test]
    fn risky_topics_are_flagged() {
        let cases: [(&str, Intent, &[RiskFlag]); 8] = [
            ("love this loaf!", Intent::Praise, &[]),
            ("how long do you proof it?", Intent::Question, &[]),
            (
                "see https://spam.example/x",
                Intent::Other,
                &[RiskFlag::Link],
            ),
            (
                "check shop.example.com for more",
                Intent::Other,
                &[RiskFlag::Link],
            ),
            (
                "this is terrible, I want a refund",
                Intent::Complaint,
                &[RiskFlag::Negative, RiskFlag::Money],
            ),
            (
                "did you try the flour from King Arthur?",
                Intent::Question,
                &[RiskFlag::Names],
            ),
            (
                "is it safe for someone with celiac disease?",
                Intent::Question,
                &[RiskFlag::Health],
            ),
            (
                "what does a loaf cost? $5?",
                Intent::Question,
                &[RiskFlag::Money],
            ),
        ];
        for (text, intent, expected) in cases {
            assert_eq!(risk_flags(text, intent), expected.to_vec(), "{text}");
        }
        assert!(risk_flags("ask @bob about it", Intent::Other).contains(&RiskFlag::Names));
    }

    #[test]
    fn answers_are_spaced_within_the_range() {
        let p = policy();
        let now = Utc::now();
        for _ in 0..100 {
            let at = answer_time(now, &p);
            assert!(at >= now + p.reply_delay_min && at <= now + p.reply_delay_max);
        }
    }
}
