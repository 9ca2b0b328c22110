//! `StyleProfile::analyze` over 1k, 10k and 100k posts (target: 10k posts
//! in under 50 ms, and time growing linearly with the number of posts), plus
//! the voice score of one draft and a guardrail repair.
//!
//! Run: `cargo bench -p threads-benches --bench style`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use persona_core::{Guardrails, Persona, PlatformLimits, StyleProfile};

const WORDS: &[&str] = &[
    "sourdough",
    "starter",
    "flour",
    "water",
    "crumb",
    "oven",
    "bake",
    "loaf",
    "rye",
    "proof",
    "morning",
    "coffee",
    "kitchen",
    "patience",
    "weekend",
    "garden",
    "rust",
    "code",
    "ship",
    "the",
    "a",
    "and",
    "is",
    "my",
    "with",
    "today",
    "again",
    "finally",
    "really",
    "so",
];
const EXTRAS: &[&str] = &[
    "",
    " 🍞",
    " #baking",
    " @ana",
    " https://example.com/p",
    "?",
    "!",
    " …",
];

/// A deterministic corpus of realistic-length posts (40–300 characters).
fn corpus(n: usize) -> Vec<String> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..n)
        .map(|_| {
            let words = 8 + (next() % 40) as usize;
            let mut post = String::new();
            for i in 0..words {
                if i > 0 {
                    post.push(if next() % 9 == 0 { '\n' } else { ' ' });
                }
                post.push_str(WORDS[(next() % WORDS.len() as u64) as usize]);
                if next() % 7 == 0 {
                    post.push('.');
                }
            }
            post.push_str(EXTRAS[(next() % EXTRAS.len() as u64) as usize]);
            post
        })
        .collect()
}

fn analyze(c: &mut Criterion) {
    let mut group = c.benchmark_group("style_analyze");
    group.sample_size(10);
    for n in [1_000usize, 10_000, 100_000] {
        let posts = corpus(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &posts, |b, posts| {
            b.iter(|| StyleProfile::analyze(black_box(posts)));
        });
    }
    group.finish();
}

fn score_and_repair(c: &mut Criterion) {
    let posts = corpus(2_000);
    let profile = StyleProfile::analyze(&posts);
    let draft = "finally baked the rye loaf again today. the crumb is so open 🍞 #baking";
    c.bench_function("voice_score", |b| {
        b.iter(|| profile.voice_score(black_box(draft)))
    });
    let mut persona = Persona::new("bench");
    persona.length.min = 0;
    persona.length.max = 500;
    let rails = Guardrails::new(
        &persona,
        PlatformLimits::new("threads", 120, |s: &str| s.len()).with_max_hashtags(1),
    )
    .expect("a valid persona and limits");
    let long = posts[..6].join(" #rust ");
    c.bench_function("guardrail_repair_post", |b| {
        b.iter(|| rails.repair_post(black_box(&long)))
    });
}

criterion_group!(benches, analyze, score_and_repair);
criterion_main!(benches);
