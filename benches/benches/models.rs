//! threads-api models: the 500-character text budget, container validation,
//! webhook decoding and media-list decoding.
//!
//! Run: `cargo bench -p threads-benches --bench models -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use threads_api::model::{ContainerRequest, Media, PollAttachment, ReplyControl};
use threads_api::text::{TextCounting, threads_text_len, unique_links};
use threads_api::webhook::WebhookEvent;

/// About 500 budget units of mixed text: ASCII, accents, CJK, emoji, ZWJ, flags, a link.
fn mixed_text() -> String {
    let chunk = "Shipping v2 today 🚀 café 中文 👨‍👩‍👧 🇫🇷 see https://example.com/notes #Rust ";
    let mut s = String::new();
    while threads_text_len(&s) + threads_text_len(chunk) <= 500 {
        s.push_str(chunk);
    }
    s
}

const WEBHOOK: &[u8] = br#"{"app_id":"123456","topic":"moderate","target_id":"78901","time":1723226877,"subscription_id":"234567","has_uid_field":false,"values":{"value":{"id":"8901234","username":"test_username","text":"Reply","media_type":"TEXT_POST","permalink":"https://www.threads.net/@test_username/post/Pp","replied_to":{"id":"567890"},"root_post":{"id":"123456","owner_id":"123456","username":"test_username_2"},"shortcode":"Pp","timestamp":"2024-08-07T10:33:16+0000"},"field":"replies"}}"#;

fn media_page() -> String {
    let item = r#"{"id":"18031391408218291","media_product_type":"THREADS","media_type":"TEXT_POST","permalink":"https://www.threads.net/@u/post/C9Xyz","owner":{"id":"1234567"},"username":"u","text":"Hello Threads #Rust","timestamp":"2023-10-17T05:42:03+0000","shortcode":"C9Xyz","is_quote_post":false,"has_replies":true,"is_reply":false,"reply_audience":"EVERYONE","topic_tag":"Rust"}"#;
    let items: Vec<&str> = std::iter::repeat_n(item, 25).collect();
    format!("{{\"data\":[{}]}}", items.join(","))
}

fn bench(c: &mut Criterion) {
    let text = mixed_text();
    c.bench_function("text_len/emoji_cluster_bytes_500", |b| {
        b.iter(|| TextCounting::EmojiClusterBytes.count(black_box(&text)))
    });
    c.bench_function("text_len/non_ascii_bytes_500", |b| {
        b.iter(|| TextCounting::NonAsciiBytes.count(black_box(&text)))
    });
    c.bench_function("unique_links/500", |b| {
        b.iter(|| unique_links(black_box(&text), ["https://example.com/notes"]))
    });

    let req = ContainerRequest::text(text.clone())
        .poll_attachment(PollAttachment::new("Yes", "No"))
        .reply_control(ReplyControl::Everyone)
        .topic_tag("Rust")
        .spoiler(0, 8);
    c.bench_function("container/validate_text_poll", |b| {
        b.iter(|| black_box(&req).validate())
    });
    c.bench_function("container/to_form", |b| {
        b.iter(|| black_box(&req).to_form())
    });

    c.bench_function("webhook/from_slice_replies", |b| {
        b.iter(|| WebhookEvent::from_slice(black_box(WEBHOOK)))
    });

    let page = media_page();
    c.bench_function("media/decode_page_of_25", |b| {
        b.iter(|| {
            #[derive(serde::Deserialize)]
            struct P {
                #[allow(dead_code)]
                data: Vec<Media>,
            }
            serde_json::from_str::<P>(black_box(&page))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
