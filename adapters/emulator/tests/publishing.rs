//! Containers, publishing, validation and the read model.

mod common;

use common::{code, env, env_with, subcode};
use serde_json::Value;
use threads_emulator::{Emulator, Operation, ProcessingDelays, RepublishBehaviour};

async fn create(e: &common::Env, form: &[(&str, &str)]) -> (u16, Value) {
    e.post("/v1.0/me/threads", form).await
}

async fn status(e: &common::Env, id: &str) -> Value {
    let (s, v) = e
        .get(&format!("/{id}"), &[("fields", "id,status,error_message")])
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

#[tokio::test]
async fn text_container_lifecycle() {
    let e = env().await;
    let (s, v) = create(&e, &[("media_type", "TEXT"), ("text", "hello")]).await;
    assert_eq!(s, 200);
    let cid = v["id"].as_str().expect("id").to_owned();
    assert!(cid.len() >= 15 && cid.chars().all(|c| c.is_ascii_digit()));
    // Default fields of a container: id and status.
    let (_, v) = e.get(&format!("/{cid}"), &[]).await;
    assert_eq!(v["status"], "FINISHED");
    assert_eq!(v["id"], cid.as_str());
    let (s, v) = e
        .post("/me/threads_publish", &[("creation_id", &cid)])
        .await;
    assert_eq!(s, 200);
    let mid = v["id"].as_str().expect("media id").to_owned();
    assert_ne!(mid, cid);
    assert_eq!(status(&e, &cid).await["status"], "PUBLISHED");
    // Publishing again: 24 / 4279009, no second post.
    let (s, v) = e
        .post("/me/threads_publish", &[("creation_id", &cid)])
        .await;
    assert_eq!((s, code(&v), subcode(&v)), (400, 24, Some(4_279_009)));
    let (_, list) = e.get("/me/threads", &[]).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    // Only `id` by default on media; `status` is not a media field.
    let (_, v) = e.get(&format!("/{mid}"), &[]).await;
    assert_eq!(v, serde_json::json!({"id": mid}));
    let (s, v) = e.get(&format!("/{mid}"), &[("fields", "id,status")]).await;
    assert_eq!((s, code(&v)), (400, 100));
    assert_eq!(
        v["error"]["message"],
        "Tried accessing nonexisting field (status)"
    );
    // The ledger saw one create, two publishes (one failed).
    let ledger = e.admin().ledger();
    let publishes: Vec<_> = ledger
        .iter()
        .filter(|l| l.operation == Operation::Publish)
        .collect();
    assert_eq!(publishes.len(), 2);
    assert_eq!(publishes.iter().filter(|l| l.succeeded()).count(), 1);
    assert_eq!(publishes[0].text.as_deref(), Some("hello"));
}

#[tokio::test]
async fn media_processing_on_virtual_clock_and_expiry() {
    let e = env_with(Emulator::builder().processing_delays(ProcessingDelays {
        text_secs: 0,
        image_secs: 10,
        video_secs: 60,
        carousel_secs: 5,
    }))
    .await;
    let (_, v) = create(
        &e,
        &[
            ("media_type", "VIDEO"),
            ("video_url", "https://cdn.example/v.mp4"),
        ],
    )
    .await;
    let vid = v["id"].as_str().expect("id").to_owned();
    assert_eq!(status(&e, &vid).await["status"], "IN_PROGRESS");
    let (s, v) = e
        .post("/me/threads_publish", &[("creation_id", &vid)])
        .await;
    assert_eq!((s, code(&v), subcode(&v)), (400, 24, Some(4_279_009)));
    assert_eq!(v["error"]["error_user_title"], "Media Not Found");
    e.admin().advance(59);
    assert_eq!(status(&e, &vid).await["status"], "IN_PROGRESS");
    e.admin().advance(1);
    assert_eq!(status(&e, &vid).await["status"], "FINISHED");
    let (s, v) = e
        .post("/me/threads_publish", &[("creation_id", &vid)])
        .await;
    assert_eq!(s, 200, "{v}");
    let mid = v["id"].as_str().expect("id").to_owned();
    let (_, m) = e
        .get(
            &format!("/{mid}"),
            &[("fields", "media_type,media_url,thumbnail_url")],
        )
        .await;
    assert_eq!(m["media_type"], "VIDEO");
    assert_eq!(m["media_url"], "https://cdn.example/v.mp4");
    assert!(m["thumbnail_url"].is_string());

    // EXPIRED after 24 h unpublished.
    let (_, v) = create(
        &e,
        &[
            ("media_type", "IMAGE"),
            ("image_url", "https://cdn.example/i.jpg"),
        ],
    )
    .await;
    let img = v["id"].as_str().expect("id").to_owned();
    e.admin().advance(86_399);
    assert_eq!(status(&e, &img).await["status"], "FINISHED");
    e.admin().advance(1);
    assert_eq!(status(&e, &img).await["status"], "EXPIRED");
    let (s, v) = e
        .post("/me/threads_publish", &[("creation_id", &img)])
        .await;
    assert_eq!((s, code(&v)), (400, 24));
}

#[tokio::test]
async fn carousels() {
    let e = env_with(Emulator::builder().processing_delays(ProcessingDelays {
        text_secs: 0,
        image_secs: 10,
        video_secs: 10,
        carousel_secs: 0,
    }))
    .await;
    let mut kids = Vec::new();
    for i in 0..3 {
        let url = format!("https://cdn.example/{i}.jpg");
        let (s, v) = create(
            &e,
            &[
                ("media_type", "IMAGE"),
                ("image_url", &url),
                ("is_carousel_item", "true"),
                ("alt_text", "a cat"),
            ],
        )
        .await;
        assert_eq!(s, 200, "{v}");
        kids.push(v["id"].as_str().expect("id").to_owned());
    }
    let (_, v) = create(
        &e,
        &[
            ("media_type", "IMAGE"),
            ("image_url", "https://cdn.example/x.jpg"),
        ],
    )
    .await;
    let not_item = v["id"].as_str().expect("id").to_owned();
    // Rules: 2–20 children, each is_carousel_item.
    let (s, v) = create(&e, &[("media_type", "CAROUSEL"), ("children", &kids[0])]).await;
    assert_eq!((s, code(&v)), (400, 100));
    let bad = format!("{},{}", kids[0], not_item);
    let (s, v) = create(&e, &[("media_type", "CAROUSEL"), ("children", &bad)]).await;
    assert_eq!((s, code(&v)), (400, 100));
    let many: Vec<String> = (0..21).map(|i| format!("{}", 1000 + i)).collect();
    let (s, _) = create(
        &e,
        &[("media_type", "CAROUSEL"), ("children", &many.join(","))],
    )
    .await;
    assert_eq!(s, 400);
    let (s, v) = create(&e, &[("media_type", "CAROUSEL")]).await;
    assert_eq!((s, code(&v)), (400, 100));
    // A child cannot be published alone.
    let (s, _) = e
        .post("/me/threads_publish", &[("creation_id", &kids[0])])
        .await;
    assert_eq!(s, 400);

    let children = kids.join(",");
    let (s, v) = create(
        &e,
        &[
            ("media_type", "CAROUSEL"),
            ("children", &children),
            ("text", "album"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let car = v["id"].as_str().expect("id").to_owned();
    // IN_PROGRESS while the children process.
    assert_eq!(status(&e, &car).await["status"], "IN_PROGRESS");
    let (s, v) = e
        .post("/me/threads_publish", &[("creation_id", &car)])
        .await;
    assert_eq!((s, code(&v)), (400, 24));
    e.admin().advance(10);
    let (s, v) = e
        .post("/me/threads_publish", &[("creation_id", &car)])
        .await;
    assert_eq!(s, 200, "{v}");
    let mid = v["id"].as_str().expect("id").to_owned();
    let (_, m) = e
        .get(
            &format!("/{mid}"),
            &[(
                "fields",
                "media_type,children{id,media_type,media_url,alt_text}",
            )],
        )
        .await;
    assert_eq!(m["media_type"], "CAROUSEL_ALBUM");
    let ch = m["children"]["data"].as_array().expect("children");
    assert_eq!(ch.len(), 3);
    assert_eq!(ch[0]["media_type"], "IMAGE");
    assert_eq!(ch[0]["alt_text"], "a cat");
    // Counts once in the quota.
    let (_, q) = e.get("/me/threads_publishing_limit", &[]).await;
    assert_eq!(q["data"][0]["quota_usage"], 1);
}

#[tokio::test]
async fn auto_publish_quote_repost_delete() {
    let e = env().await;
    let (s, v) = create(
        &e,
        &[
            ("media_type", "TEXT"),
            ("text", "auto"),
            ("auto_publish_text", "true"),
        ],
    )
    .await;
    assert_eq!(s, 200);
    let auto = v["id"].as_str().expect("id").to_owned();
    let (_, m) = e
        .get(
            &format!("/{auto}"),
            &[("fields", "text,media_type,owner,is_quote_post")],
        )
        .await;
    assert_eq!(m["media_type"], "TEXT_POST");
    assert_eq!(m["owner"]["id"], e.user.id.as_str());
    assert_eq!(m["is_quote_post"], false);
    let (s, _) = create(
        &e,
        &[
            ("media_type", "IMAGE"),
            ("image_url", "https://x.example/i.png"),
            ("auto_publish_text", "true"),
        ],
    )
    .await;
    assert_eq!(s, 400);

    // Quote another user's post.
    let bob = e.user("bob", 10);
    let bob_post = e
        .admin()
        .post_as(threads_emulator::PostAs {
            author: "bob".into(),
            text: Some("bob says".into()),
            ..Default::default()
        })
        .expect("post");
    let q = e
        .publish_text_as(&e.token, "quoting", &[("quote_post_id", &bob_post)])
        .await;
    let (_, m) = e
        .get(
            &format!("/{q}"),
            &[("fields", "is_quote_post,quoted_post{id,text,owner}")],
        )
        .await;
    assert_eq!(m["is_quote_post"], true);
    assert_eq!(m["quoted_post"]["id"], bob_post.as_str());
    assert_eq!(m["quoted_post"]["text"], "bob says");
    assert!(
        m["quoted_post"].get("owner").is_none(),
        "owner only on own posts"
    );
    let (s, v) = create(
        &e,
        &[
            ("media_type", "TEXT"),
            ("text", "q"),
            ("quote_post_id", "123"),
        ],
    )
    .await;
    assert_eq!((s, code(&v)), (400, 100));

    // Repost shows as REPOST_FACADE; twice fails; insights empty.
    let (s, v) = e.post(&format!("/{bob_post}/repost"), &[]).await;
    assert_eq!(s, 200, "{v}");
    let rp = v["id"].as_str().expect("id").to_owned();
    let (s, _) = e.post(&format!("/{bob_post}/repost"), &[]).await;
    assert_eq!(s, 400);
    let (_, m) = e
        .get(&format!("/{rp}"), &[("fields", "media_type,reposted_post")])
        .await;
    assert_eq!(m["media_type"], "REPOST_FACADE");
    assert_eq!(m["reposted_post"]["id"], bob_post.as_str());
    let (_, ins) = e
        .get(&format!("/{rp}/insights"), &[("metric", "views,likes")])
        .await;
    assert_eq!(ins, serde_json::json!({"data": []}));
    let (_, list) = e.get("/me/threads", &[("fields", "media_type")]).await;
    assert!(
        list["data"]
            .as_array()
            .expect("data")
            .iter()
            .any(|p| p["media_type"] == "REPOST_FACADE")
    );

    // Delete: own only; then gone.
    let (s, v) = e.delete(&format!("/{bob_post}")).await;
    assert_eq!((s, code(&v)), (400, 100));
    let (s, v) = e.delete(&format!("/{auto}")).await;
    assert_eq!(s, 200);
    assert_eq!(v, serde_json::json!({"success": true, "deleted_id": auto}));
    let (s, v) = e.get(&format!("/{auto}"), &[]).await;
    assert_eq!((s, code(&v), subcode(&v)), (400, 100, Some(33)));
    assert!(
        e.admin()
            .ledger()
            .iter()
            .any(|l| l.operation == Operation::Delete && l.succeeded())
    );
    let _ = bob;
}

#[tokio::test]
async fn republish_duplicate_mode() {
    let e = env_with(Emulator::builder().republish(RepublishBehaviour::Duplicate)).await;
    let (_, v) = create(&e, &[("media_type", "TEXT"), ("text", "dup")]).await;
    let cid = v["id"].as_str().expect("id").to_owned();
    let (s1, a) = e
        .post("/me/threads_publish", &[("creation_id", &cid)])
        .await;
    let (s2, b) = e
        .post("/me/threads_publish", &[("creation_id", &cid)])
        .await;
    assert_eq!((s1, s2), (200, 200));
    assert_ne!(a["id"], b["id"]);
    let dupes = e
        .admin()
        .ledger()
        .iter()
        .filter(|l| {
            l.operation == Operation::Publish && l.succeeded() && l.text.as_deref() == Some("dup")
        })
        .count();
    assert_eq!(dupes, 2);
}

#[tokio::test]
async fn validation_rules() {
    let e = env().await;
    let long_ascii = "a".repeat(500);
    let (s, _) = create(&e, &[("media_type", "TEXT"), ("text", &long_ascii)]).await;
    assert_eq!(s, 200, "500 ASCII characters are fine");
    // 497 + one 4-byte emoji = 501 by the UTF-8 rule.
    let emoji = format!("{}😀", "a".repeat(497));
    let (s, v) = create(&e, &[("media_type", "TEXT"), ("text", &emoji)]).await;
    assert_eq!((s, code(&v)), (400, 100));
    assert!(
        v["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("text must be at most 500 characters")
    );
    let links =
        "https://a.example https://b.example https://c.example https://d.example https://e.example";
    let (s, _) = create(
        &e,
        &[
            ("media_type", "TEXT"),
            ("text", links),
            ("link_attachment", "https://a.example/"),
        ],
    )
    .await;
    assert_eq!(s, 200, "a repeated link counts once");
    let (s, v) = create(
        &e,
        &[
            ("media_type", "TEXT"),
            ("text", links),
            ("link_attachment", "https://f.example"),
        ],
    )
    .await;
    assert_eq!(s, 400);
    assert!(
        v["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("THREADS_API__LINK_LIMIT_EXCEEDED")
    );
    assert_eq!(v["error"]["type"], "THApiException");

    let t51 = "t".repeat(51);
    let a1001 = "a".repeat(1001);
    let spoilers = format!(
        "[{}]",
        [r#"{"entity_type":"SPOILER","offset":0,"length":1}"#; 11].join(",")
    );
    let big_attachment = format!(r#"{{"plaintext":"{}"}}"#, "p".repeat(10_001));
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("media_type", "GIF"), ("text", "x")], "media_type"),
        (vec![("text", "no media type")], "media_type"),
        (vec![("media_type", "TEXT")], "text"),
        (vec![("media_type", "IMAGE")], "image_url"),
        (vec![("media_type", "VIDEO")], "video_url"),
        (
            vec![("media_type", "IMAGE"), ("image_url", "not a url")],
            "image_url",
        ),
        (
            vec![("media_type", "TEXT"), ("text", "x"), ("topic_tag", "a.b")],
            "topic_tag",
        ),
        (
            vec![("media_type", "TEXT"), ("text", "x"), ("topic_tag", "a&b")],
            "topic_tag",
        ),
        (
            vec![("media_type", "TEXT"), ("text", "x"), ("topic_tag", &t51)],
            "topic_tag",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                ("poll_attachment", r#"{"option_a":"yes"}"#),
            ],
            "oll",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                ("poll_attachment", r#"{"option_a":"yes","option_b":""}"#),
            ],
            "oll",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                (
                    "poll_attachment",
                    r#"{"option_a":"a","option_b":"b","option_d":"d"}"#,
                ),
            ],
            "oll",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                (
                    "poll_attachment",
                    r#"{"option_a":"a","option_b":"bbbbbbbbbbbbbbbbbbbbbbbbbb"}"#,
                ),
            ],
            "oll",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                ("poll_attachment", "not json"),
            ],
            "poll_attachment",
        ),
        (
            vec![
                ("media_type", "IMAGE"),
                ("image_url", "https://x.example/i.jpg"),
                ("poll_attachment", r#"{"option_a":"a","option_b":"b"}"#),
            ],
            "poll_attachment",
        ),
        (
            vec![
                ("media_type", "IMAGE"),
                ("image_url", "https://x.example/i.jpg"),
                ("alt_text", &a1001),
            ],
            "alt_text",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                ("alt_text", "alt on text"),
            ],
            "alt_text",
        ),
        (
            vec![
                ("media_type", "IMAGE"),
                ("image_url", "https://x.example/i.jpg"),
                ("link_attachment", "https://l.example"),
            ],
            "link_attachment",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                ("text_attachment", &big_attachment),
            ],
            "plaintext",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                ("poll_attachment", r#"{"option_a":"a","option_b":"b"}"#),
                ("text_attachment", r#"{"plaintext":"p"}"#),
            ],
            "text_attachment",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                ("link_attachment", "https://l.example"),
                (
                    "text_attachment",
                    r#"{"plaintext":"p","link_attachment_url":"https://m.example"}"#,
                ),
            ],
            "link_attachment",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                (
                    "text_attachment",
                    r#"{"plaintext":"hello world","text_with_styling_info":[{"offset":0,"length":5,"styling_info":["bold"]},{"offset":3,"length":4,"styling_info":["italic"]}]}"#,
                ),
            ],
            "overlap",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                (
                    "text_attachment",
                    r#"{"plaintext":"hi","text_with_styling_info":[{"offset":0,"length":2,"styling_info":["blink"]}]}"#,
                ),
            ],
            "styling_info",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                ("text_entities", &spoilers),
            ],
            "10 spoiler",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                (
                    "text_entities",
                    r#"[{"entity_type":"BOLD","offset":0,"length":1}]"#,
                ),
            ],
            "entity_type",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                ("is_spoiler_media", "true"),
            ],
            "is_spoiler_media",
        ),
        (
            vec![
                ("media_type", "IMAGE"),
                ("image_url", "https://x.example/i.jpg"),
                ("is_ghost_post", "true"),
            ],
            "host",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                ("is_ghost_post", "true"),
                ("enable_reply_approvals", "true"),
            ],
            "reply approvals",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                ("reply_control", "EVERYONE"),
            ],
            "reply_control",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                ("reply_control", "friends"),
            ],
            "reply_control",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                ("allowlisted_country_codes", "US,XX"),
            ],
            "GEO_GATING",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                ("gif_attachment", r#"{"gif_id":"abc","provider":"OTHER"}"#),
            ],
            "provider",
        ),
        (
            vec![("media_type", "TEXT"), ("text", "x"), ("location_id", "1")],
            "Location",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                ("is_carousel_item", "maybe"),
            ],
            "is_carousel_item",
        ),
        (
            vec![
                ("media_type", "TEXT"),
                ("text", "x"),
                ("reply_to_id", "999"),
            ],
            "reply to",
        ),
    ];
    for (form, expected) in cases {
        let (s, v) = create(&e, &form).await;
        assert_eq!(s, 400, "{form:?} should fail: {v}");
        assert!(v["error"]["code"].is_i64(), "{v}");
        let msg = v["error"]["message"].as_str().unwrap_or_default();
        assert!(
            msg.contains(expected),
            "{form:?}: expected '{expected}' in '{msg}'"
        );
    }
    let (s, v) = create(
        &e,
        &[
            ("media_type", "TEXT"),
            ("text", "x"),
            ("is_ghost_post", "true"),
            ("reply_to_id", "999"),
        ],
    )
    .await;
    assert_eq!(s, 400);
    assert!(
        v["error"]["message"]
            .as_str()
            .expect("m")
            .contains("ghost post cannot be a reply")
    );
    // Tenor GIFs work until the 2026-03-31 sunset (virtual time), GIPHY always.
    let tenor = [
        ("media_type", "TEXT"),
        ("text", "gif"),
        ("gif_attachment", r#"{"gif_id":"t1","provider":"TENOR"}"#),
    ];
    assert_eq!(create(&e, &tenor).await.0, 200);
    // Geo-gating: invalid codes and ineligible users get the string codes.
    let (s, v) = create(
        &e,
        &[
            ("media_type", "TEXT"),
            ("text", "x"),
            ("allowlisted_country_codes", "US,XX"),
        ],
    )
    .await;
    assert_eq!(s, 400);
    assert!(
        v["error"]["message"]
            .as_str()
            .expect("m")
            .contains("THREADS_API__GEO_GATING_INVALID_COUNTRY_CODES")
    );
    let carol = e.user("carol", 5);
    let ct = e.token_for(&carol.id, None);
    let (s, v) = e
        .post_as(
            &ct,
            "/me/threads",
            &[
                ("media_type", "TEXT"),
                ("text", "x"),
                ("allowlisted_country_codes", "US"),
            ],
        )
        .await;
    assert_eq!(s, 400);
    assert!(
        v["error"]["message"]
            .as_str()
            .expect("m")
            .contains("THREADS_API__FEATURE_NOT_AVAILABLE")
    );
    // After the Tenor sunset only GIPHY works (fresh token: the first one is 89 days old).
    e.admin().set_time(1_774_920_000);
    let fresh = e.token_for(&e.user.id, None);
    let (s, v) = e.post_as(&fresh, "/me/threads", &tenor).await;
    assert_eq!((s, code(&v)), (400, 100), "{v}");
    assert!(v["error"]["message"].as_str().expect("m").contains("GIPHY"));
    let giphy = [
        ("media_type", "TEXT"),
        ("gif_attachment", r#"{"gif_id":"g1","provider":"GIPHY"}"#),
    ];
    let (s, v) = e.post_as(&fresh, "/me/threads", &giphy).await;
    assert_eq!(s, 200, "a GIF post needs no text: {v}");
    let (s, v) = create(&e, &giphy).await;
    assert_eq!(
        (s, code(&v)),
        (400, 190),
        "the 60-day token has expired by now"
    );
}

#[tokio::test]
async fn read_model_fields() {
    let e = env().await;
    let id = e
        .publish_text_as(
            &e.token,
            "Poll time #rust with @bob",
            &[
                (
                    "poll_attachment",
                    r#"{"option_a":"Yes","option_b":"No","option_c":"Maybe"}"#,
                ),
                ("reply_control", "mentioned_only"),
                ("allowlisted_country_codes", "US,CA"),
                (
                    "text_entities",
                    r#"[{"entity_type":"spoiler","offset":"0","length":"4"}]"#,
                ),
                ("location_id", "17841400000000001"),
            ],
        )
        .await;
    e.admin().advance(600);
    let (s, m) = e
        .get(
            &format!("/v1.0/{id}"),
            &[(
                "fields",
                "id,media_product_type,media_type,text,timestamp,shortcode,permalink,owner,username,topic_tag,reply_audience,allowlisted_country_codes,text_entities,location_id,location{name,city},is_verified,poll_attachment{option_a,option_c,option_a_votes_percentage,total_votes,expiration_timestamp}",
            )],
        )
        .await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(m["media_product_type"], "THREADS");
    assert_eq!(m["media_type"], "TEXT_POST");
    assert_eq!(m["topic_tag"], "rust");
    assert_eq!(m["reply_audience"], "MENTIONED_ONLY");
    assert_eq!(
        m["allowlisted_country_codes"],
        serde_json::json!(["US", "CA"])
    );
    assert_eq!(m["text_entities"]["data"][0]["entity_type"], "SPOILER");
    assert_eq!(m["location"]["name"], "Menlo Park");
    assert!(
        m["location"].get("address").is_none(),
        "nested selection only"
    );
    assert_eq!(
        m["location"]["id"], "17841400000000001",
        "a nested node keeps its id, as on Graph"
    );
    let ts = m["timestamp"].as_str().expect("ts");
    assert!(ts.ends_with("+0000") && ts.len() == 24, "{ts}");
    assert!(m["permalink"].as_str().expect("p").contains(&format!(
        "/@alice/post/{}",
        m["shortcode"].as_str().expect("sc")
    )));
    let poll = &m["poll_attachment"];
    assert_eq!(poll["option_a"], "Yes");
    assert_eq!(poll["option_c"], "Maybe");
    assert!(poll.get("option_b").is_none());
    assert!(poll.get("option_d").is_none());
    assert!(poll["total_votes"].as_u64().expect("votes") > 0);
    let pct = poll["option_a_votes_percentage"].as_f64().expect("pct");
    assert!((0.0..=1.0).contains(&pct));
    // Unknown nested field fails.
    let (s, v) = e
        .get(&format!("/{id}"), &[("fields", "poll_attachment{nope}")])
        .await;
    assert_eq!((s, code(&v)), (400, 100));
    let (s, v) = e.get(&format!("/{id}"), &[("fields", "id,{")]).await;
    assert_eq!((s, code(&v)), (400, 100));
    // Another user sees no owner, no reply_audience, no allowlist.
    let bob = e.user("bob", 10);
    let bt = e.token_for(&bob.id, None);
    let (_, m) = e
        .get_as(
            &bt,
            &format!("/{id}"),
            &[(
                "fields",
                "owner,reply_audience,allowlisted_country_codes,username",
            )],
        )
        .await;
    let mut keys: Vec<_> = m.as_object().expect("object").keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["id", "username"], "{m}");
    assert_eq!(m["id"], id.as_str());
    assert_eq!(m["username"], "alice");
    // Ghost post fields.
    let g = e
        .publish_text_as(&e.token, "boo", &[("is_ghost_post", "true")])
        .await;
    let (_, gl) = e
        .get(
            "/me/ghost_posts",
            &[(
                "fields",
                "id,ghost_post_status,ghost_post_expiration_timestamp",
            )],
        )
        .await;
    assert_eq!(gl["data"][0]["id"], g.as_str());
    assert_eq!(gl["data"][0]["ghost_post_status"], "ACTIVE");
    e.admin().advance(86_400);
    let (_, gl) = e
        .get("/me/ghost_posts", &[("fields", "ghost_post_status")])
        .await;
    assert_eq!(gl["data"][0]["ghost_post_status"], "ARCHIVED");
    // Profile fields.
    let (_, me) = e.get("/me", &[("fields", "id,username,name,threads_profile_picture_url,threads_biography,is_verified,is_eligible_for_geo_gating,recently_searched_keywords")]).await;
    assert_eq!(me["is_eligible_for_geo_gating"], true);
    assert_eq!(me["recently_searched_keywords"], serde_json::json!([]));
    let (s, v) = e.get("/me", &[("fields", "followers_count")]).await;
    assert_eq!((s, code(&v)), (400, 100));
    // Other users' profiles are not readable.
    let (s, v) = e.get(&format!("/{}", bob.id), &[]).await;
    assert_eq!((s, code(&v), subcode(&v)), (400, 100, Some(33)));
    let (s, _) = e.get(&format!("/{}/threads", bob.id), &[]).await;
    assert_eq!(s, 400);
}
