//! The `fields` allow-list of each list endpoint, as the facts sheet gives it (§3, §4.10,
//! §4.12): every listed field is accepted, and fields outside the list fail with code 100.

mod common;

use common::{code, env};
use threads_emulator::PostAs;

/// The user-posts list (`GET /{user}/threads`) without `owner`: what `/profile_posts` takes.
const USER_POSTS_WITHOUT_OWNER: &str = "id,media_product_type,media_type,media_url,permalink,\
username,text,timestamp,shortcode,thumbnail_url,children,is_quote_post,alt_text,\
link_attachment_url,has_replies,is_reply,reply_audience,quoted_post,reposted_post,gif_url,\
poll_attachment,topic_tag,is_spoiler_media,text_entities,text_attachment,location_id,location,\
allowlisted_country_codes,ghost_post_status,ghost_post_expiration_timestamp,is_verified,\
profile_picture_url";

/// The `GET /{media-id}` list without `owner`: what `/mentions` takes.
const MEDIA_WITHOUT_OWNER: &str = "id,media_product_type,media_type,media_url,permalink,\
username,text,timestamp,shortcode,thumbnail_url,children,is_quote_post,alt_text,\
link_attachment_url,has_replies,is_reply,is_reply_owned_by_me,root_post,replied_to,hide_status,\
reply_audience,quoted_post,reposted_post,gif_url,poll_attachment,topic_tag,is_spoiler_media,\
text_entities,text_attachment,location_id,location,allowlisted_country_codes,ghost_post_status,\
ghost_post_expiration_timestamp,is_verified,profile_picture_url";

/// The reply endpoints' list (`/replies`, `/conversation`, `/{user}/replies`).
const REPLY_FIELDS: &str = "id,media_product_type,media_type,media_url,permalink,username,text,\
timestamp,shortcode,thumbnail_url,children,is_quote_post,has_replies,root_post,replied_to,\
is_reply,is_reply_owned_by_me,hide_status,reply_audience,quoted_post,reposted_post,gif_url,\
topic_tag,is_verified,profile_picture_url";

/// The keyword-search reference page's list.
const SEARCH_FIELDS: &str = "id,media_product_type,media_type,media_url,permalink,username,text,\
timestamp,shortcode,thumbnail_url,children,is_quote_post,alt_text,link_attachment_url,\
has_replies,is_reply,root_post,replied_to,reply_audience,quoted_post,reposted_post,gif_url,\
poll_attachment,topic_tag";

#[tokio::test]
async fn profile_posts_take_the_user_posts_fields_minus_owner() {
    let e = env().await;
    e.user("bigshot", 150);
    let post = e
        .admin()
        .post_as(PostAs {
            author: "bigshot".into(),
            text: Some("hello discovery".into()),
            ..Default::default()
        })
        .expect("post");
    let (s, v) = e
        .get(
            "/profile_posts",
            &[
                ("username", "bigshot"),
                ("fields", USER_POSTS_WITHOUT_OWNER),
            ],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let item = &v["data"][0];
    assert_eq!(item["id"], post.as_str());
    assert_eq!(item["text"], "hello discovery");
    assert_eq!(item["is_verified"], false);
    assert!(item["profile_picture_url"].is_string(), "{item}");
    // reply_audience and the allowlist are only shown to the post's owner.
    assert!(item.get("reply_audience").is_none(), "{item}");
    assert!(item.get("allowlisted_country_codes").is_none(), "{item}");
    assert!(item.get("ghost_post_status").is_none(), "not a ghost post");
    for bad in [
        "owner",
        "is_reply_owned_by_me",
        "hide_status",
        "reply_approval_status",
    ] {
        let (s, v) = e
            .get(
                "/profile_posts",
                &[("username", "bigshot"), ("fields", bad)],
            )
            .await;
        assert_eq!((s, code(&v)), (400, 100), "{bad}: {v}");
    }
}

#[tokio::test]
async fn mentions_take_the_media_fields() {
    let e = env().await;
    let bob = e.user("bob", 10);
    let bt = e.token_for(&bob.id, None);
    let mention = e
        .publish_text_as(
            &bt,
            "spoiler for @alice",
            &[
                (
                    "text_entities",
                    r#"[{"entity_type":"SPOILER","offset":0,"length":7}]"#,
                ),
                ("location_id", "17841400000000001"),
            ],
        )
        .await;
    let (s, v) = e
        .get("/me/mentions", &[("fields", MEDIA_WITHOUT_OWNER)])
        .await;
    assert_eq!(s, 200, "{v}");
    let item = &v["data"][0];
    assert_eq!(item["id"], mention.as_str());
    assert_eq!(item["is_spoiler_media"], false);
    assert_eq!(item["text_entities"]["data"][0]["length"], 7);
    assert_eq!(item["location_id"], "17841400000000001");
    assert_eq!(item["username"], "bob");
    let (s, v) = e
        .get(
            "/me/mentions",
            &[("fields", "is_spoiler_media,location{name},text_attachment")],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"][0]["location"]["name"], "Menlo Park");
    for bad in ["owner", "reply_approval_status", "status"] {
        let (s, v) = e.get("/me/mentions", &[("fields", bad)]).await;
        assert_eq!((s, code(&v)), (400, 100), "{bad}: {v}");
    }
}

#[tokio::test]
async fn reply_listings_and_keyword_search_keep_their_documented_lists() {
    let e = env().await;
    let root = e.publish_text("a rust root").await;
    e.admin()
        .post_as(PostAs {
            author: "alice".into(),
            text: Some("a rust reply".into()),
            reply_to: Some(root.clone()),
            ..Default::default()
        })
        .expect("reply");
    for path in [
        format!("/{root}/replies"),
        format!("/{root}/conversation"),
        "/me/replies".to_owned(),
    ] {
        let (s, v) = e.get(&path, &[("fields", REPLY_FIELDS)]).await;
        assert_eq!(s, 200, "{path}: {v}");
        assert!(!v["data"].as_array().expect("data").is_empty(), "{path}");
        for bad in ["owner", "alt_text", "poll_attachment", "is_spoiler_media"] {
            let (s, v) = e.get(&path, &[("fields", bad)]).await;
            assert_eq!((s, code(&v)), (400, 100), "{path} {bad}: {v}");
        }
    }
    let (s, v) = e
        .get(
            "/keyword_search",
            &[("q", "rust"), ("fields", SEARCH_FIELDS)],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(!v["data"].as_array().expect("data").is_empty());
    for bad in ["owner", "is_spoiler_media", "is_verified", "location"] {
        let (s, v) = e
            .get("/keyword_search", &[("q", "rust"), ("fields", bad)])
            .await;
        assert_eq!((s, code(&v)), (400, 100), "{bad}: {v}");
    }
}
