//! `reply_control` enforcement for replies made by other users through the admin API,
//! with the follow graph.

mod common;

use common::env;
use serde_json::json;
use threads_emulator::{Error, PostAs};

fn reply(author: &str, to: &str) -> PostAs {
    PostAs {
        author: author.into(),
        text: Some(format!("reply from {author}")),
        reply_to: Some(to.into()),
        ..Default::default()
    }
}

/// Number of direct replies the account under test sees on `post`.
async fn reply_count(e: &common::Env, post: &str) -> usize {
    let (s, v) = e.get(&format!("/{post}/replies"), &[]).await;
    assert_eq!(s, 200, "{v}");
    v["data"].as_array().expect("data").len()
}

fn assert_refused(r: Result<String, Error>, audience: &str) {
    match r {
        Err(Error::ReplyNotAllowed { reply_audience, .. }) => {
            assert_eq!(reply_audience, audience);
        }
        other => panic!("expected ReplyNotAllowed({audience}), got {other:?}"),
    }
}

#[tokio::test]
async fn everyone_and_parent_post_author_only() {
    let e = env().await;
    e.user("bob", 1);
    let open = e
        .publish_text_as(&e.token, "open", &[("reply_control", "everyone")])
        .await;
    e.admin()
        .post_as(reply("bob", &open))
        .expect("anyone may reply");
    assert_eq!(reply_count(&e, &open).await, 1);

    let closed = e
        .publish_text_as(
            &e.token,
            "closed @bob",
            &[("reply_control", "parent_post_author_only")],
        )
        .await;
    assert_refused(
        e.admin().post_as(reply("bob", &closed)),
        "PARENT_POST_AUTHOR_ONLY",
    );
    assert_eq!(
        reply_count(&e, &closed).await,
        0,
        "refused reply is not stored"
    );
    // The author may still reply to their own post.
    e.admin()
        .post_as(reply("alice", &closed))
        .expect("author replies");
    assert_eq!(reply_count(&e, &closed).await, 1);
}

#[tokio::test]
async fn accounts_you_follow_uses_the_authors_follows() {
    let e = env().await;
    e.user("bob", 1);
    let post = e
        .publish_text_as(
            &e.token,
            "friends",
            &[("reply_control", "accounts_you_follow")],
        )
        .await;
    assert_refused(
        e.admin().post_as(reply("bob", &post)),
        "ACCOUNTS_YOU_FOLLOW",
    );
    // Bob following Alice is the wrong direction.
    e.admin().follow("bob", "alice").expect("follow");
    assert_refused(
        e.admin().post_as(reply("bob", &post)),
        "ACCOUNTS_YOU_FOLLOW",
    );
    e.admin().follow("alice", "bob").expect("follow");
    e.admin().post_as(reply("bob", &post)).expect("followed");
    assert_eq!(reply_count(&e, &post).await, 1);
    assert!(e.admin().unfollow("alice", "bob").expect("unfollow"));
    assert_refused(
        e.admin().post_as(reply("bob", &post)),
        "ACCOUNTS_YOU_FOLLOW",
    );
    assert_eq!(reply_count(&e, &post).await, 1);
}

#[tokio::test]
async fn followers_only_uses_the_repliers_follows() {
    let e = env().await;
    e.user("bob", 1);
    let post = e
        .publish_text_as(&e.token, "fans", &[("reply_control", "followers_only")])
        .await;
    e.admin().follow("alice", "bob").expect("follow");
    assert_refused(e.admin().post_as(reply("bob", &post)), "FOLLOWERS_ONLY");
    e.admin().follow("bob", "alice").expect("follow");
    e.admin().post_as(reply("bob", &post)).expect("follower");
    assert_eq!(reply_count(&e, &post).await, 1);
}

#[tokio::test]
async fn mentioned_only_needs_a_real_mention() {
    let e = env().await;
    e.user("bob", 1);
    e.user("bobby", 1);
    e.user("carol", 1);
    let post = e
        .publish_text_as(
            &e.token,
            "hey @bobby and @carol.",
            &[("reply_control", "mentioned_only")],
        )
        .await;
    // `@bobby` is not a mention of `bob`.
    assert_refused(e.admin().post_as(reply("bob", &post)), "MENTIONED_ONLY");
    e.admin().post_as(reply("bobby", &post)).expect("mentioned");
    e.admin().post_as(reply("carol", &post)).expect("mentioned");
    assert_eq!(reply_count(&e, &post).await, 2);
}

#[tokio::test]
async fn admin_http_follows_and_refusals() {
    let e = env().await;
    e.user("bob", 1);
    let post = e
        .publish_text_as(
            &e.token,
            "friends",
            &[("reply_control", "accounts_you_follow")],
        )
        .await;
    let http = reqwest::Client::new();
    let body = json!({"author": "bob", "text": "hi", "reply_to": post});
    let res = http
        .post(e.url("/__admin/posts"))
        .json(&body)
        .send()
        .await
        .expect("admin");
    assert_eq!(res.status().as_u16(), 403);
    let v: serde_json::Value = res.json().await.expect("json");
    assert!(
        v["error"]
            .as_str()
            .expect("error")
            .contains("ACCOUNTS_YOU_FOLLOW"),
        "{v}"
    );
    let res = http
        .post(e.url("/__admin/follows"))
        .json(&json!({"follower": "alice", "followee": "bob"}))
        .send()
        .await
        .expect("admin");
    assert_eq!(res.status().as_u16(), 200);
    let res = http
        .post(e.url("/__admin/follows"))
        .json(&json!({"follower": "alice", "followee": "nobody"}))
        .send()
        .await
        .expect("admin");
    assert_eq!(res.status().as_u16(), 400, "unknown user");
    let res = http
        .post(e.url("/__admin/posts"))
        .json(&body)
        .send()
        .await
        .expect("admin");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(reply_count(&e, &post).await, 1);
    let res = http
        .delete(e.url("/__admin/follows"))
        .json(&json!({"follower": "alice", "followee": "bob"}))
        .send()
        .await
        .expect("admin");
    let v: serde_json::Value = res.json().await.expect("json");
    assert_eq!(v["success"], true);
}

#[tokio::test]
async fn api_replies_by_the_account_under_test_obey_the_same_rules() {
    let e = env().await;
    let bob = e.user("bob", 1);
    let bob_token = e.token_for(&bob.id, None);
    let post = e
        .publish_text_as(
            &bob_token,
            "bob's friends only",
            &[("reply_control", "accounts_you_follow")],
        )
        .await;
    let form = [
        ("media_type", "TEXT"),
        ("text", "may I?"),
        ("reply_to_id", post.as_str()),
    ];
    let (s, v) = e.post("/me/threads", &form).await;
    assert_eq!((s, common::code(&v)), (400, 10), "{v}");
    e.admin().follow("bob", &e.user.id).expect("follow");
    let (s, v) = e.post("/me/threads", &form).await;
    assert_eq!(s, 200, "{v}");
}
