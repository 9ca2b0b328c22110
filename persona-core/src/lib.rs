//! # persona-core
//!
//! Personas, writing-style analysis, prompt templates, the [`LlmProvider`]
//! trait, an offline provider and output guardrails for AI-written social
//! posts. Platform-neutral: the platform's text rules are injected as a
//! [`PlatformLimits`] value.
//!
//! ## Quick start
//!
//! Learn a persona from past posts, render a prompt, call a provider, and
//! check the result before posting:
//!
//! ```
//! use persona_core::{
//!     Guardrails, LlmProvider, OfflineProvider, PastPost, Persona, PlatformLimits,
//!     PromptEngine, StyleProfile, Task, select_examples,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! # runtime.block_on(async {
//! // 1. Measure the account's habits and bootstrap a persona.
//! let past = vec![
//!     PastPost::new("small batch sourdough today. the crumb is finally open 🍞").engagement(42.0),
//!     PastPost::new("rye starter is slower but the flavour is worth it").engagement(17.0),
//!     PastPost::new("tip: weigh your water. cups lie. #baking").engagement(58.0),
//! ];
//! let profile = StyleProfile::analyze_posts(&past, chrono_tz::Europe::Lisbon);
//! let persona = Persona::bootstrap("ana", "Home baker. Bread, starters, patience.", &profile);
//!
//! // 2. Render a prompt. The platform's limits come from the caller, who
//! //    injects the platform's own length function (see "Measuring length"
//! //    below); counting characters stands in for it here.
//! let limits = PlatformLimits::characters("example", 500).with_max_hashtags(1);
//! let engine = PromptEngine::new()
//!     .with_limits(limits.clone())
//!     .with_examples(select_examples(&past, &profile, 2));
//! let article = "Autolyse means resting flour and water before adding salt and starter. \
//!                The rest lets gluten form on its own, so you knead less. \
//!                Twenty to sixty minutes is enough for most doughs.";
//! let prompt = engine.render(&persona, &Task::remix(article))?;
//!
//! // 3. Call a provider: the offline one here, OpenAI or Anthropic in production.
//! let provider = OfflineProvider::new();
//! let completion = provider.complete(&prompt.to_request()).await?;
//!
//! // 4. Guardrails: repair what can be repaired, reject the rest.
//! let rails = Guardrails::new(&persona, limits.clone())?;
//! let checked = rails.repair_post(&completion.text)?;
//! assert!(limits.length(&checked.text) <= 500);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })
//! # }
//! ```
//!
//! ## Measuring length
//!
//! This crate knows no platform, so it never decides how text is counted: a
//! [`PlatformLimits`] carries the platform's own length function and budget,
//! and everything that measures a post (prompts, guardrails,
//! [`split_into_chain`]) calls [`PlatformLimits::length`]. The pipeline
//! injects the real rule; for Threads that is
//! `threads_api::text::threads_text_len` with a budget of 500, under which an
//! emoji counts as its number of UTF-8 bytes (😀 = 4) and other characters
//! count 1. `s.len()` or [`PlatformLimits::characters`] in examples and
//! tests are stand-ins, not Threads' rule. Persona length ranges
//! ([`LengthRange`]) are in characters.
//!
//! ## Main concepts
//!
//! * [`Persona`]: name, bio, tone, topics, language, do/don't lists, banned
//!   words and claims, [`Habits`], [`LengthRange`], time zone and posting
//!   windows, [`ReplyPolicy`]. Serde; [`Persona::validate`] names the bad field.
//! * [`StyleProfile::analyze`]: length distribution, sentence length, emoji /
//!   hashtag / mention / link rates, punctuation and casing, top words and
//!   phrases (stop-word aware), language, active hours — one pass, linear in
//!   the input. [`StyleProfile::voice_score`] rates a draft against it
//!   (0..1) and [`StyleProfile::rank`] orders candidates.
//! * [`PromptEngine`]: built-in minijinja templates (post, remix, reply to a
//!   comment, reply to a mention, insights summary, system), overridable by
//!   name; overrides are compiled and test-rendered at registration, with
//!   strict undefined variables and a fuel budget. [`select_examples`] picks
//!   few-shot posts.
//! * [`LlmProvider`]: the async trait every model adapter implements.
//!   [`OfflineProvider`] implements it without a model (see [`offline`]).
//! * [`Guardrails`]: checks a text against the injected [`PlatformLimits`]
//!   and the persona's rules, repairs what it can ([`Repair`]) and rejects
//!   the rest with typed [`Violation`]s. Replies also get [`ReplyRules`]: no
//!   mention but the person answered, links only to allowed hosts. Texts are
//!   never cut inside a sentence: a text over budget loses whole sentences
//!   from its end or is rejected with [`Violation::TooLong`], and texts that
//!   look cut off are rejected ([`Violation::Truncated`]).
//! * [`chain`]: [`split_into_chain`] splits a text that is too long for one
//!   post into parts that each fit, for a reply chain.
//! * [`triage`]: question / praise / complaint / spam / abuse, by rules or by
//!   a model with strict JSON parsing and a fallback to the rules.
//!
//! ## The offline provider
//!
//! [`OfflineProvider`] is deterministic (seeded by the request) and needs no
//! network. It reads a one-line task header and fenced blocks from prompts
//! rendered by the built-in templates (the convention is in [`task`]), writes
//! posts as extractive summaries of the source shaped to the persona's
//! habits, replies from intent-aware templates, and insights summaries from
//! the figures. It is the default of the examples.
//!
//! ## Security notes on untrusted text
//!
//! Comments, mentions and scraped pages can carry prompt injections. This
//! crate treats them as data on the way in and checks every output on the
//! way out:
//!
//! * **In:** untrusted text is placed in [`fence`]d blocks. Runs of `<` or
//!   `>` inside it are replaced by look-alikes, so it cannot close its block
//!   or open a new one, and invisible characters (bidi overrides, zero-width
//!   characters, controls) are removed. The system prompt says that fenced
//!   blocks are data, not instructions ([`fence::DATA_NOTICE`]). The task
//!   header is built only from trusted values.
//! * **Out:** fencing lowers the risk but cannot remove it, so nothing a
//!   model writes should be posted without [`Guardrails::repair_reply`] (or
//!   `repair_post`): it strips mentions of anyone but the person answered,
//!   links outside the allow-list and invisible characters, enforces the
//!   length budget, and rejects banned words, claims and leaked template or
//!   fence syntax. The adversarial test corpus (`tests/adversarial.rs`)
//!   checks that no policy-violating reply gets through.
//! * Keep the reply call free of tools and of private data (tokens, notes,
//!   other users' data): a public reply bot already has untrusted input and
//!   a way to publish. [`ReplyPolicy`] caps replies per person, thread and
//!   day and defaults to human approval.

pub mod chain;
mod error;
pub mod fence;
pub mod guardrails;
pub mod offline;
pub mod persona;
pub mod prompt;
pub mod provider;
mod scan;
pub mod stopwords;
pub mod style;
pub mod task;
pub mod triage;
mod truncation;

pub use chain::split_into_chain;
pub use error::{Error, InvalidReason, SplitFailure};
pub use guardrails::{
    Budget, Checked, Guardrails, LengthFn, PlatformLimits, Repair, ReplyRules, Violation,
};
pub use offline::OfflineProvider;
pub use persona::{
    Frequency, Habits, LengthRange, Persona, PostingWindow, ReplyCounts, ReplyDecision,
    ReplyPolicy, SkipReason,
};
pub use prompt::{
    InsightsTask, Metric, PostTask, Prompt, PromptEngine, RemixTask, ReplyTask, Task,
    select_examples,
};
pub use provider::{
    ChatMessage, Completion, CompletionRequest, FinishReason, LlmError, LlmProvider,
    ResponseFormat, Role, Usage,
};
pub use style::{PastPost, StyleProfile, VoiceScore};
pub use task::{TaskHeader, TaskKind};
pub use triage::{Classification, Intent};
