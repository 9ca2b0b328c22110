//! The task header: a machine-readable first line in prompts rendered by the
//! built-in templates, read by the [`OfflineProvider`](crate::OfflineProvider).
//!
//! # Convention
//!
//! The first line of the first user message is
//!
//! ```text
//! persona-task: {"v":1,"kind":"remix","max_chars":280,...}
//! ```
//!
//! a single line of JSON ([`TaskHeader`]) built only from trusted values
//! (the persona, the platform limits, the triage result): never from
//! untrusted text, which lives in fenced blocks (see [`crate::fence`]) with
//! labels the offline provider knows (`source`, `notes`, `comment`,
//! `your_post`, `their_post`, `metrics`). A real model simply reads the line
//! as part of the instructions; it is short. Templates a host writes should
//! keep `{{ task_header }}` as their first line if they want the offline
//! provider to work with them; without it, the offline provider treats the
//! whole prompt as a source text and writes a post from it.

use serde::{Deserialize, Serialize};

use crate::persona::{Frequency, Persona};
use crate::triage::Intent;

/// The prefix of the header line.
pub const HEADER_PREFIX: &str = "persona-task: ";

/// What a prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TaskKind {
    /// A new post on a topic.
    Post,
    /// A post written from a source text (article, page, note).
    Remix,
    /// A reply to a comment on one of the account's posts.
    ReplyComment,
    /// A reply to a post that mentions the account.
    ReplyMention,
    /// A short summary of account insights.
    InsightsSummary,
    /// Classify a comment (JSON answer).
    Triage,
}

impl TaskKind {
    /// The template name of this kind (`"reply_comment"`).
    pub fn template_name(self) -> &'static str {
        match self {
            Self::Post => "post",
            Self::Remix => "remix",
            Self::ReplyComment => "reply_comment",
            Self::ReplyMention => "reply_mention",
            Self::InsightsSummary => "insights_summary",
            Self::Triage => "triage",
        }
    }
}

/// The machine-readable task description (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskHeader {
    /// Convention version (1).
    pub v: u32,
    /// What to write.
    pub kind: TaskKind,
    /// Fewest characters.
    #[serde(default)]
    pub min_chars: usize,
    /// Most characters (persona and platform budgets combined; the offline
    /// provider counts UTF-8 bytes against it, which never undercounts).
    #[serde(default = "default_max")]
    pub max_chars: usize,
    /// Emoji habit.
    #[serde(default)]
    pub emoji: Frequency,
    /// Hashtag habit.
    #[serde(default)]
    pub hashtags: Frequency,
    /// Most hashtags.
    #[serde(default)]
    pub max_hashtags: usize,
    /// Question habit.
    #[serde(default)]
    pub questions: Frequency,
    /// All lowercase.
    #[serde(default)]
    pub lowercase: bool,
    /// Persona topics (for hashtags and topic posts).
    #[serde(default)]
    pub topics: Vec<String>,
    /// The topic asked for, if any.
    #[serde(default)]
    pub topic: Option<String>,
    /// The intent of the comment answered.
    #[serde(default)]
    pub intent: Option<Intent>,
    /// The handle answered (without `@`).
    #[serde(default)]
    pub reply_to: Option<String>,
    /// ISO 639-3 language.
    #[serde(default)]
    pub language: Option<String>,
}

fn default_max() -> usize {
    280
}

/// Keeps a handle to the characters handles may hold.
pub(crate) fn clean_handle(handle: &str) -> String {
    handle
        .trim_start_matches('@')
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
        .take(64)
        .collect()
}

impl TaskHeader {
    /// A header for `kind` with the persona's habits and a character budget.
    pub fn for_persona(kind: TaskKind, persona: &Persona, max_chars: usize) -> Self {
        Self {
            v: 1,
            kind,
            min_chars: persona.length.min.min(max_chars),
            max_chars,
            emoji: persona.habits.emoji,
            hashtags: persona.habits.hashtags,
            max_hashtags: persona.habits.max_hashtags,
            questions: persona.habits.questions,
            lowercase: persona.habits.lowercase,
            topics: persona.topics.iter().take(8).cloned().collect(),
            topic: None,
            intent: None,
            reply_to: None,
            language: Some(persona.language.clone()),
        }
    }

    /// The header of a triage request.
    pub fn triage() -> Self {
        Self {
            v: 1,
            kind: TaskKind::Triage,
            min_chars: 0,
            max_chars: 200,
            emoji: Frequency::Never,
            hashtags: Frequency::Never,
            max_hashtags: 0,
            questions: Frequency::Never,
            lowercase: false,
            topics: Vec::new(),
            topic: None,
            intent: None,
            reply_to: None,
            language: None,
        }
    }

    /// Renders the header line (no trailing newline).
    pub fn to_line(&self) -> String {
        // Serializing plain data to a String cannot fail; fall back to a
        // minimal header rather than panicking.
        let json = serde_json::to_string(self)
            .unwrap_or_else(|_| format!("{{\"v\":1,\"kind\":\"{}\"}}", self.kind.template_name()));
        format!("{HEADER_PREFIX}{json}")
    }

    /// Reads the header from the first line of `prompt`, if there is one.
    pub fn parse(prompt: &str) -> Option<Self> {
        let first = prompt.lines().next()?;
        let json = first.strip_prefix(HEADER_PREFIX)?;
        serde_json::from_str(json).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut header = TaskHeader::for_persona(TaskKind::ReplyComment, &Persona::new("A"), 200);
        header.reply_to = Some(clean_handle("@bob\n{evil}"));
        header.intent = Some(Intent::Question);
        let line = header.to_line();
        assert!(!line.contains('\n'));
        let parsed = TaskHeader::parse(&format!("{line}\nrest of prompt")).unwrap();
        assert_eq!(parsed, header);
        assert_eq!(parsed.reply_to.as_deref(), Some("bobevil"));
        assert!(TaskHeader::parse("no header here").is_none());
        assert!(TaskHeader::parse("text\npersona-task: {}").is_none());
    }
}
