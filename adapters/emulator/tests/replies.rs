//! Replies, conversations, moderation, approvals and mentions.

mod common;

use common::{code, env};
use threads_emulator::{Operation, PostAs};

fn ids(v: &serde_json::Value) -> Vec<String> {
    v["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|p| p["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn replies_conversation_and_hiding() {
    let e = env().await;
    let root = e.publish_text("root post").await;
    e.user("bob", 10);
    e.user("carol", 10);
    let r1 = e
        .admin()
        .post_as(PostAs {
            author: "bob".into(),
            text: Some("first".into()),
            reply_to: Some(root.clone()),
            ..Default::default()
        })
        .expect("r1");
    e.admin().advance(10);
    let r2 = e
        .admin()
        .post_as(PostAs {
            author: "carol".into(),
            text: Some("second".into()),
            reply_to: Some(root.clone()),
            ..Default::default()
        })
        .expect("r2");
    e.admin().advance(10);
    let nested = e
        .admin()
        .post_as(PostAs {
            author: "carol".into(),
            text: Some("nested".into()),
            reply_to: Some(r1.clone()),
            ..Default::default()
        })
        .expect("n");

    // Direct replies only, newest first by default.
    let (s, v) = e.get(&format!("/{root}/replies"), &[("fields", "id,text,is_reply,root_post,replied_to,hide_status,has_replies,is_reply_owned_by_me")]).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(ids(&v), vec![r2.clone(), r1.clone()]);
    let first = &v["data"][1];
    assert_eq!(first["is_reply"], true);
    assert_eq!(first["root_post"]["id"], root.as_str());
    assert_eq!(first["replied_to"]["id"], root.as_str());
    assert_eq!(first["hide_status"], "NOT_HUSHED");
    assert_eq!(first["has_replies"], true);
    assert_eq!(first["is_reply_owned_by_me"], false);
    let (_, v) = e
        .get(&format!("/{root}/replies"), &[("reverse", "false")])
        .await;
    assert_eq!(ids(&v), vec![r1.clone(), r2.clone()]);
    let (s, v) = e
        .get(&format!("/{root}/replies"), &[("reverse", "sideways")])
        .await;
    assert_eq!((s, code(&v)), (400, 100));

    // Conversation: every depth, flattened.
    let (_, v) = e.get(&format!("/{root}/conversation"), &[]).await;
    assert_eq!(ids(&v), vec![nested.clone(), r2.clone(), r1.clone()]);
    let (_, v) = e
        .get(&format!("/{root}/conversation"), &[("reverse", "false")])
        .await;
    assert_eq!(ids(&v), vec![r1.clone(), r2.clone(), nested.clone()]);

    // Hide a top-level reply: its nested replies are hidden too; unhide gives UNHUSHED.
    let (s, v) = e
        .post(&format!("/{r1}/manage_reply"), &[("hide", "true")])
        .await;
    assert_eq!(s, 200);
    assert_eq!(v, serde_json::json!({"success": true}));
    let (_, v) = e
        .get(&format!("/{nested}"), &[("fields", "hide_status")])
        .await;
    assert_eq!(v["hide_status"], "HIDDEN");
    let (s, _) = e
        .post(&format!("/{nested}/manage_reply"), &[("hide", "true")])
        .await;
    assert_eq!(s, 400, "only top-level replies");
    let (s, _) = e.post(&format!("/{r1}/manage_reply"), &[]).await;
    assert_eq!(s, 400, "hide is required");
    let (s, _) = e
        .post(&format!("/{root}/manage_reply"), &[("hide", "true")])
        .await;
    assert_eq!(s, 400, "not a reply");
    e.post(&format!("/{r1}/manage_reply"), &[("hide", "false")])
        .await;
    let (_, v) = e.get(&format!("/{r1}"), &[("fields", "hide_status")]).await;
    assert_eq!(v["hide_status"], "UNHUSHED");
    assert_eq!(
        e.admin()
            .ledger()
            .iter()
            .filter(|l| l.operation == Operation::ManageReply && l.succeeded())
            .count(),
        2
    );

    // Replying to another user's post: needs keyword_search or manage_mentions.
    let bob_post = e
        .admin()
        .post_as(PostAs {
            author: "bob".into(),
            text: Some("bob root".into()),
            ..Default::default()
        })
        .expect("p");
    let limited = e.token_for(
        &e.user.id,
        Some(&[
            "threads_basic",
            "threads_content_publish",
            "threads_manage_replies",
            "threads_read_replies",
        ]),
    );
    let (s, v) = e
        .post_as(
            &limited,
            "/me/threads",
            &[
                ("media_type", "TEXT"),
                ("text", "hi bob"),
                ("reply_to_id", &bob_post),
            ],
        )
        .await;
    assert_eq!((s, code(&v)), (400, 10));
    let my_reply = e
        .publish_text_as(&e.token, "hi bob", &[("reply_to_id", &bob_post)])
        .await;
    let (_, v) = e
        .get(
            "/me/replies",
            &[("fields", "id,is_reply_owned_by_me,reply_audience")],
        )
        .await;
    assert_eq!(ids(&v), vec![my_reply.clone()]);
    assert_eq!(v["data"][0]["is_reply_owned_by_me"], true);
    // Replies count in the reply quota, not the post quota.
    let (_, q) = e
        .get(
            "/me/threads_publishing_limit",
            &[("fields", "quota_usage,reply_quota_usage")],
        )
        .await;
    assert_eq!(q["data"][0]["quota_usage"], 1);
    assert_eq!(q["data"][0]["reply_quota_usage"], 1);
    // owner is absent on replies even for their author.
    let (_, v) = e
        .get(&format!("/{my_reply}"), &[("fields", "owner,is_reply")])
        .await;
    assert!(v.get("owner").is_none());

    // reply_control: parent_post_author_only blocks others.
    let closed = e
        .publish_text_as(
            &e.token,
            "closed",
            &[("reply_control", "parent_post_author_only")],
        )
        .await;
    let bob_token = e.token_for("bob", None);
    let (s, v) = e
        .post_as(
            &bob_token,
            "/me/threads",
            &[
                ("media_type", "TEXT"),
                ("text", "let me in"),
                ("reply_to_id", &closed),
            ],
        )
        .await;
    assert_eq!((s, code(&v)), (400, 10));
}

#[tokio::test]
async fn pending_replies_and_approvals() {
    let e = env().await;
    let root = e
        .publish_text_as(
            &e.token,
            "approve me",
            &[("enable_reply_approvals", "true")],
        )
        .await;
    e.user("bob", 10);
    let p1 = e
        .admin()
        .post_as(PostAs {
            author: "bob".into(),
            text: Some("pending one".into()),
            reply_to: Some(root.clone()),
            ..Default::default()
        })
        .expect("p1");
    let p2 = e
        .admin()
        .post_as(PostAs {
            author: "bob".into(),
            text: Some("pending two".into()),
            reply_to: Some(root.clone()),
            ..Default::default()
        })
        .expect("p2");
    let (_, v) = e.get(&format!("/{root}/replies"), &[]).await;
    assert!(ids(&v).is_empty(), "pending replies stay hidden");
    let (s, v) = e
        .get(
            &format!("/{root}/pending_replies"),
            &[("fields", "id,reply_approval_status")],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(ids(&v), vec![p2.clone(), p1.clone()]);
    assert_eq!(v["data"][0]["reply_approval_status"], "pending");
    let (s, _) = e
        .post(
            &format!("/{p1}/manage_pending_reply"),
            &[("approve", "true")],
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = e
        .post(
            &format!("/{p2}/manage_pending_reply"),
            &[("approve", "false")],
        )
        .await;
    assert_eq!(s, 200);
    let (_, v) = e.get(&format!("/{root}/replies"), &[]).await;
    assert_eq!(ids(&v), vec![p1.clone()]);
    let (_, v) = e
        .get(
            &format!("/{root}/pending_replies"),
            &[
                ("approval_status", "ignored"),
                ("fields", "id,reply_approval_status"),
            ],
        )
        .await;
    assert_eq!(ids_or_empty(&v).len(), 1);
    assert_eq!(v["data"][0]["reply_approval_status"], "ignored");
    let (_, v) = e
        .get(
            &format!("/{root}/pending_replies"),
            &[("approval_status", "pending")],
        )
        .await;
    assert!(ids_or_empty(&v).is_empty());
    let (s, v) = e
        .get(
            &format!("/{root}/pending_replies"),
            &[("approval_status", "PENDING")],
        )
        .await;
    assert_eq!((s, code(&v)), (400, 100), "case-sensitive");
    // An ignored reply can still be approved; an approved one is no longer pending.
    let (s, _) = e
        .post(
            &format!("/{p2}/manage_pending_reply"),
            &[("approve", "true")],
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = e
        .post(
            &format!("/{p2}/manage_pending_reply"),
            &[("approve", "true")],
        )
        .await;
    assert_eq!(s, 400);
}

fn ids_or_empty(v: &serde_json::Value) -> Vec<String> {
    ids(v)
}

#[tokio::test]
async fn mentions() {
    let e = env().await;
    e.user("bob", 10);
    let private = e
        .admin()
        .create_user(threads_emulator::UserSpec {
            username: "shy".into(),
            is_private: true,
            ..Default::default()
        })
        .expect("u");
    let m1 = e
        .admin()
        .post_as(PostAs {
            author: "bob".into(),
            text: Some("hey @alice look".into()),
            ..Default::default()
        })
        .expect("m");
    e.admin()
        .post_as(PostAs {
            author: "bob".into(),
            text: Some("hey @alicex nobody".into()),
            ..Default::default()
        })
        .expect("m");
    e.admin()
        .post_as(PostAs {
            author: private.id.clone(),
            text: Some("secret @alice".into()),
            ..Default::default()
        })
        .expect("m");
    let (s, v) = e
        .get("/me/mentions", &[("fields", "id,text,username")])
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(ids(&v), vec![m1.clone()]);
    assert_eq!(v["data"][0]["username"], "bob");
    // Asking for `owner` is fine (Meta's request collection does it on `/me/mentions`:
    // https://github.com/fbsamples/threads_api/blob/main/postman/threads-api.postman_collection.json),
    // but `owner` is only shown on the caller's own top-level posts
    // (https://developers.facebook.com/docs/threads/threads-media), and a mention is always
    // someone else's post, so it never comes back.
    let (s, v) = e.get("/me/mentions", &[("fields", "owner")]).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(ids(&v), vec![m1]);
    assert!(v["data"][0].get("owner").is_none(), "{v}");
}

#[tokio::test]
async fn posts_can_be_recreated_with_their_old_id() {
    let e = env().await;
    e.user("bob", 10);
    let old = "17841499999999000";
    let id = e
        .admin()
        .post_as(PostAs {
            author: "bob".into(),
            text: Some("from an earlier run".into()),
            id: Some(old.into()),
            at: Some(1_767_225_600),
            ..Default::default()
        })
        .expect("recreated");
    assert_eq!(id, old);
    let (s, v) = e
        .get(&format!("/{old}"), &[("fields", "id,text,timestamp")])
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["text"], "from an earlier run");
    assert_eq!(v["timestamp"], "2026-01-01T00:00:00+0000");

    // The id is taken now; ids made later stay above it.
    let again = e.admin().post_as(PostAs {
        author: "bob".into(),
        text: Some("twice".into()),
        id: Some(old.into()),
        ..Default::default()
    });
    assert!(again.is_err(), "a taken id is refused");
    let bad = e.admin().post_as(PostAs {
        author: "bob".into(),
        id: Some("not-a-number".into()),
        ..Default::default()
    });
    assert!(bad.is_err(), "a non-numeric id is refused");
    let next = e.publish_text("new post").await;
    assert!(next.parse::<u64>().expect("numeric") > old.parse::<u64>().expect("numeric"));
}
