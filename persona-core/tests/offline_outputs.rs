//! Real outputs of the offline provider, end to end through the prompt
//! engine and the guardrails.

use persona_core::{
    Frequency, Guardrails, Intent, LlmProvider, OfflineProvider, Persona, PlatformLimits,
    PromptEngine, ReplyRules, Task,
};

const SOURCES: [&str; 4] = [
    "Autolyse means resting flour and water before adding salt and starter. \
     The rest lets gluten develop on its own, so the dough needs far less kneading. \
     Twenty to sixty minutes is enough for most doughs. Longer rests can make very \
     extensible dough that is hard to shape. Try it on your next loaf and compare the crumb.",
    "Rust 1.95 stabilises several long-awaited features. The new release makes async closures \
     usable in more places and improves compile times for large workspaces. Cargo now resolves \
     dependencies faster when many crates share the same versions. Teams upgrading from older \
     toolchains should read the migration notes first, because two lints became errors.",
    "Community gardens lower summer temperatures in dense neighbourhoods. A study across twelve \
     cities found that blocks with gardens were up to two degrees cooler at night. Gardens also \
     increased how often neighbours talked to each other. Researchers recommend planting trees \
     on the south side of plots to maximise shade.",
    "Morning light matters more than most people think. Ten minutes outside after waking helps \
     set your body clock. People who did this for two weeks reported falling asleep faster. \
     Cloudy days still work, you just need a little longer.",
];

fn persona() -> Persona {
    let mut p = Persona::new("Ana");
    p.topics = vec!["sourdough".into(), "gardens".into(), "rust".into()];
    p.habits.emoji = Frequency::Sometimes;
    p.habits.hashtags = Frequency::Sometimes;
    p.habits.max_hashtags = 1;
    p.habits.questions = Frequency::Often;
    p.length.min = 40;
    p.length.max = 300;
    p
}

fn threads_like() -> PlatformLimits {
    // Stand-in for Threads' counting rule: UTF-8 bytes (never fewer than Meta counts).
    PlatformLimits::new("threads", 500, |s: &str| s.len())
        .with_max_links(5)
        .with_max_hashtags(1)
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime builds")
        .block_on(f)
}

fn content_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 6)
        .map(str::to_lowercase)
        .collect()
}

#[test]
fn remix_posts_are_readable_within_limits_and_varied() {
    let persona = persona();
    let engine = PromptEngine::new().with_limits(threads_like());
    let rails = Guardrails::new(&persona, threads_like()).unwrap();
    let provider = OfflineProvider::new();
    let mut outputs = Vec::new();
    for source in SOURCES {
        let prompt = engine.render(&persona, &Task::remix(source)).unwrap();
        let completion = block_on(provider.complete(&prompt.to_request())).unwrap();
        let text = completion.text;
        // Within the limits and the persona's rules, without any repair.
        assert_eq!(rails.check_post(&text), vec![], "{text}");
        assert!(text.len() <= 300);
        // No template or fence syntax left.
        for marker in [
            "{{",
            "}}",
            "{%",
            "<<<",
            ">>>",
            "{topic}",
            "{term}",
            "persona-task",
        ] {
            assert!(!text.contains(marker), "{text}");
        }
        // Key terms of the source are in the post.
        let source_words = content_words(source);
        let shared = content_words(&text)
            .into_iter()
            .filter(|w| source_words.contains(w))
            .count();
        assert!(shared >= 3, "only {shared} source words in {text:?}");
        // Deterministic.
        let again = block_on(provider.complete(&prompt.to_request())).unwrap();
        assert_eq!(again.text, text);
        outputs.push(text);
    }
    // Different sources give different posts.
    for (i, a) in outputs.iter().enumerate() {
        for b in &outputs[i + 1..] {
            assert_ne!(a, b);
        }
    }
    insta::assert_snapshot!("remix_posts", outputs.join("\n---\n"));
}

#[test]
fn lowercase_persona_without_emoji_or_tags() {
    let mut persona = persona();
    persona.habits.lowercase = true;
    persona.habits.emoji = Frequency::Never;
    persona.habits.hashtags = Frequency::Never;
    persona.habits.questions = Frequency::Never;
    let engine = PromptEngine::new();
    for source in SOURCES {
        let prompt = engine.render(&persona, &Task::remix(source)).unwrap();
        let text = block_on(OfflineProvider::new().complete(&prompt.to_request()))
            .unwrap()
            .text;
        assert_eq!(text, text.to_lowercase());
        assert!(!text.contains('#'), "{text}");
        assert!(!text.contains('?'), "{text}");
    }
}

#[test]
fn topic_posts_and_short_budgets() {
    let mut persona = persona();
    persona.length.max = 120;
    persona.length.min = 0;
    let engine = PromptEngine::new().with_limits(threads_like());
    let rails = Guardrails::new(&persona, threads_like()).unwrap();
    let mut seen = Vec::new();
    for topic in ["sourdough", "community gardens", "morning routines", "rust"] {
        let prompt = engine.render(&persona, &Task::post(topic)).unwrap();
        let text = block_on(OfflineProvider::new().complete(&prompt.to_request()))
            .unwrap()
            .text;
        assert!(text.len() <= 120, "{text}");
        assert!(text.to_lowercase().contains(topic), "{text}");
        assert_eq!(rails.check_post(&text), vec![], "{text}");
        seen.push(text);
    }
    insta::assert_snapshot!("topic_posts", seen.join("\n---\n"));
}

#[test]
fn replies_follow_intent_and_pass_the_reply_validator() {
    let persona = persona();
    let engine = PromptEngine::new().with_limits(threads_like());
    let rails = Guardrails::new(&persona, threads_like()).unwrap();
    let cases = [
        (
            "maria_b",
            "How long do you let the dough rest before shaping?",
            Intent::Question,
        ),
        ("joe", "This is so helpful, thank you!", Intent::Praise),
        (
            "kim",
            "Tried this and the loaf came out flat, really disappointed",
            Intent::Complaint,
        ),
        ("lee", "I had a similar week honestly", Intent::Other),
    ];
    let mut replies = Vec::new();
    for (author, comment, intent) in cases {
        let task = Task::reply_comment(author, comment, "Autolyse changed my bread.", Some(intent));
        let prompt = engine.render(&persona, &task).unwrap();
        let text = block_on(OfflineProvider::new().complete(&prompt.to_request()))
            .unwrap()
            .text;
        assert!(text.starts_with(&format!("@{author} ")), "{text}");
        let rules = ReplyRules::replying_to(author);
        assert_eq!(rails.check_reply(&text, &rules), vec![], "{text}");
        replies.push(text);
    }
    assert!(
        replies[0].contains("dough")
            || replies[0].contains("shaping")
            || replies[0].contains("before")
    );
    insta::assert_snapshot!("replies", replies.join("\n"));
}

#[test]
fn insights_summary_uses_the_figures() {
    let persona = persona();
    use persona_core::{InsightsTask, Metric};
    let task = Task::InsightsSummary(
        InsightsTask::new(
            "this week",
            vec![
                Metric::new("views", 1250.0, Some(1000.0)),
                Metric::new("replies", 40.0, Some(50.0)),
                Metric::new("followers", 310.0, None),
            ],
        )
        .top_posts(vec!["Autolyse changed my bread and here is why".into()]),
    );
    let prompt = PromptEngine::new().render(&persona, &task).unwrap();
    let text = block_on(OfflineProvider::new().complete(&prompt.to_request()))
        .unwrap()
        .text;
    assert!(text.contains("Views rose 25% to 1,250."), "{text}");
    assert!(text.contains("Replies fell 20% to 40."), "{text}");
    assert!(text.contains("Followers stood at 310."), "{text}");
    insta::assert_snapshot!("insights", text);
}

#[test]
fn offline_triage_answers_strict_json() {
    let request = persona_core::triage::triage_request("you are an idiot");
    let text = block_on(OfflineProvider::new().complete(&request))
        .unwrap()
        .text;
    let parsed = persona_core::triage::parse_model_answer(&text).unwrap();
    assert_eq!(parsed.intent, Intent::Abuse);
    let c = block_on(persona_core::triage::classify_with(
        &OfflineProvider::new(),
        "How do I start?",
    ));
    assert_eq!(c.intent, Intent::Question);
}

#[test]
fn requests_without_a_user_message_are_rejected() {
    let request =
        persona_core::CompletionRequest::from_messages(vec![persona_core::ChatMessage::assistant(
            "hi",
        )]);
    let err = block_on(OfflineProvider::new().complete(&request)).unwrap_err();
    assert!(matches!(err, persona_core::LlmError::InvalidRequest { .. }));
}

#[test]
fn prompts_without_a_header_are_summarised() {
    let request = persona_core::CompletionRequest::new(SOURCES[2]);
    let text = block_on(OfflineProvider::new().complete(&request))
        .unwrap()
        .text;
    assert!(text.to_lowercase().contains("garden"), "{text}");
    assert!(text.len() <= 280);
}
