//! The remaining rolling quotas (replies, location search, oEmbed) and rich content read back.

mod common;

use common::{code, env, read};
use serde_json::json;

#[tokio::test]
async fn reply_quota_is_1000_per_24h() {
    let e = env().await;
    let root = e.publish_text("popular").await;
    for i in 0..1_000 {
        let (s, v) = e
            .post(
                "/me/threads",
                &[
                    ("media_type", "TEXT"),
                    ("text", "r"),
                    ("reply_to_id", &root),
                    ("auto_publish_text", "true"),
                ],
            )
            .await;
        assert_eq!(s, 200, "reply {i}: {v}");
    }
    let (s, v) = e
        .post(
            "/me/threads",
            &[
                ("media_type", "TEXT"),
                ("text", "r"),
                ("reply_to_id", &root),
                ("auto_publish_text", "true"),
            ],
        )
        .await;
    assert_eq!((s, code(&v)), (400, 613));
    let (_, q) = e
        .get(
            "/me/threads_publishing_limit",
            &[("fields", "quota_usage,reply_quota_usage")],
        )
        .await;
    assert_eq!(q["data"][0]["reply_quota_usage"], 1_000);
    assert_eq!(
        q["data"][0]["quota_usage"], 1,
        "replies do not use the post quota"
    );
    // Posts are still allowed.
    e.publish_text("still fine").await;
    e.admin().advance(86_400);
    let (s, _) = e
        .post(
            "/me/threads",
            &[
                ("media_type", "TEXT"),
                ("text", "r"),
                ("reply_to_id", &root),
                ("auto_publish_text", "true"),
            ],
        )
        .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn location_search_quota_is_500_per_24h() {
    let e = env().await;
    for _ in 0..500 {
        let (s, _) = e.get("/location_search", &[("q", "Menlo Park")]).await;
        assert_eq!(s, 200);
    }
    let (s, v) = e.get("/location_search", &[("q", "Menlo Park")]).await;
    assert_eq!((s, code(&v)), (400, 613));
    e.admin().advance(86_400);
    assert_eq!(
        e.get("/location_search", &[("q", "Menlo Park")]).await.0,
        200
    );
}

#[tokio::test]
async fn oembed_limit_is_1000_per_hour() {
    let e = env().await;
    let id = e.publish_text("embed").await;
    let (_, m) = e.get(&format!("/{id}"), &[("fields", "permalink")]).await;
    let url = m["permalink"].as_str().expect("permalink").to_owned();
    for _ in 0..1_000 {
        let res = e
            .http
            .get(e.url("/oembed"))
            .query(&[("url", url.as_str())])
            .send()
            .await
            .expect("req");
        assert_eq!(res.status().as_u16(), 200);
    }
    let (s, v) = read(
        e.http
            .get(e.url("/oembed"))
            .query(&[("url", url.as_str())])
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!((s, code(&v)), (400, 4));
    e.admin().advance(3_600);
    let res = e
        .http
        .get(e.url("/oembed"))
        .query(&[("url", url.as_str())])
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 200);
}

#[tokio::test]
async fn rich_content_reads_back_and_versions_agree() {
    let e = env().await;
    let id = e
        .publish_text_as(
            &e.token,
            "styled post",
            &[
                ("text_attachment", r#"{"plaintext":"long form body","link_attachment_url":"https://read.example/more","text_with_styling_info":[{"offset":0,"length":4,"styling_info":["bold","italic"]}]}"#),
                ("gif_attachment", r#"{"gif_id":"abc123","provider":"GIPHY"}"#),
                ("topic_tag", "Cooking"),
            ],
        )
        .await;
    let fields =
        "text,text_attachment{plaintext,link_attachment_url},gif_url,topic_tag,link_attachment_url";
    let (s1, a) = e.get(&format!("/{id}"), &[("fields", fields)]).await;
    let (s2, b) = e.get(&format!("/v1.0/{id}"), &[("fields", fields)]).await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(a, b, "unversioned and /v1.0 agree");
    assert_eq!(
        a["text_attachment"],
        json!({"plaintext": "long form body", "link_attachment_url": "https://read.example/more"})
    );
    assert_eq!(
        a["gif_url"],
        "https://media.giphy.com/media/abc123/giphy.gif"
    );
    assert_eq!(a["topic_tag"], "Cooking");
    assert_eq!(a["link_attachment_url"], "https://read.example/more");

    // JSON request bodies work too, and link_attachment reads back as link_attachment_url.
    let res = e
        .http
        .post(e.url("/me/threads"))
        .json(&json!({"media_type": "TEXT", "text": "json body", "link_attachment": "https://l.example/x", "auto_publish_text": true, "access_token": e.token}))
        .send()
        .await
        .expect("req");
    let (s, v) = read(res).await;
    assert_eq!(s, 200, "{v}");
    let (_, m) = e
        .get(
            &format!("/{}", v["id"].as_str().expect("id")),
            &[("fields", "link_attachment_url,text")],
        )
        .await;
    assert_eq!(m["link_attachment_url"], "https://l.example/x");

    // A spoiler carousel marks every child.
    let mut kids = Vec::new();
    for i in 0..2 {
        let u = format!("https://cdn.example/{i}.jpg");
        let (_, v) = e
            .post(
                "/me/threads",
                &[
                    ("media_type", "IMAGE"),
                    ("image_url", &u),
                    ("is_carousel_item", "true"),
                ],
            )
            .await;
        kids.push(v["id"].as_str().expect("id").to_owned());
    }
    e.admin().advance(60);
    let children = kids.join(",");
    let (_, v) = e
        .post(
            "/me/threads",
            &[
                ("media_type", "CAROUSEL"),
                ("children", &children),
                ("is_spoiler_media", "true"),
            ],
        )
        .await;
    let cid = v["id"].as_str().expect("id").to_owned();
    let (s, v) = e
        .post("/me/threads_publish", &[("creation_id", &cid)])
        .await;
    assert_eq!(s, 200, "{v}");
    let (_, m) = e
        .get(
            &format!("/{}", v["id"].as_str().expect("id")),
            &[("fields", "is_spoiler_media,children{is_spoiler_media}")],
        )
        .await;
    assert_eq!(m["is_spoiler_media"], true);
    assert_eq!(m["children"]["data"][1]["is_spoiler_media"], true);
    // Children are not listed as posts of their own.
    let (_, list) = e.get("/me/threads", &[("limit", "100")]).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(3));
}
