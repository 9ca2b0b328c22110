//! Like Graph, the emulator returns a node's `id` whatever `fields` selects (profiles, media,
//! containers, locations, nested nodes), but not on list wrappers or on objects that have
//! no id (profile lookups, publishing limits, poll attachments).

mod common;

use common::env;
use serde_json::Value;
use threads_emulator::PostAs;

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn profile_media_container_and_location_always_carry_their_id() {
    let e = env().await;
    let (s, me) = e
        .get("/me", &[("fields", "recently_searched_keywords")])
        .await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(keys(&me), ["id", "recently_searched_keywords"]);
    assert_eq!(me["id"], e.user.id.as_str());

    let (s, c) = e
        .post(
            "/me/threads",
            &[
                ("media_type", "TEXT"),
                ("text", "poll?"),
                ("poll_attachment", r#"{"option_a":"Yes","option_b":"No"}"#),
            ],
        )
        .await;
    assert_eq!(s, 200, "{c}");
    let cid = c["id"].as_str().expect("container id").to_owned();
    let (_, st) = e.get(&format!("/{cid}"), &[("fields", "status")]).await;
    assert_eq!(keys(&st), ["id", "status"]);
    assert_eq!(st["id"], cid.as_str());

    let (s, p) = e
        .post("/me/threads_publish", &[("creation_id", &cid)])
        .await;
    assert_eq!(s, 200, "{p}");
    let mid = p["id"].as_str().expect("media id").to_owned();
    let (_, m) = e
        .get(
            &format!("/{mid}"),
            &[("fields", "text,poll_attachment{option_a}")],
        )
        .await;
    assert_eq!(keys(&m), ["id", "poll_attachment", "text"]);
    assert_eq!(m["id"], mid.as_str());
    assert_eq!(
        keys(&m["poll_attachment"]),
        ["option_a"],
        "a poll is not a node"
    );

    let (_, loc) = e.get("/17841400000000001", &[("fields", "name")]).await;
    assert_eq!(keys(&loc), ["id", "name"]);
    assert_eq!(loc["id"], "17841400000000001");
    let (_, found) = e
        .get("/location_search", &[("q", "menlo"), ("fields", "name")])
        .await;
    assert_eq!(keys(&found), ["data"], "the list wrapper has no id");
    assert_eq!(keys(&found["data"][0]), ["id", "name"]);
}

#[tokio::test]
async fn list_items_and_nested_expansions_carry_their_id() {
    let e = env().await;
    let root = e.publish_text("the root").await;
    let reply = e
        .admin()
        .post_as(PostAs {
            author: "alice".into(),
            text: Some("the reply".into()),
            reply_to: Some(root.clone()),
            ..Default::default()
        })
        .expect("reply");
    let (_, list) = e.get("/me/threads", &[("fields", "text")]).await;
    assert!(list.get("id").is_none(), "the list wrapper has no id");
    assert_eq!(keys(&list["data"][0]), ["id", "text"]);
    assert_eq!(list["data"][0]["id"], root.as_str());

    let (_, r) = e
        .get(
            &format!("/{reply}"),
            &[("fields", "root_post{text},replied_to")],
        )
        .await;
    assert_eq!(keys(&r), ["id", "replied_to", "root_post"]);
    assert_eq!(keys(&r["root_post"]), ["id", "text"]);
    assert_eq!(r["root_post"]["id"], root.as_str());
    assert_eq!(r["replied_to"], serde_json::json!({"id": root}));
}

#[tokio::test]
async fn objects_without_an_id_get_none() {
    let e = env().await;
    e.user("bigshot", 150);
    let (s, v) = e
        .get(
            "/profile_lookup",
            &[("username", "bigshot"), ("fields", "username")],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(keys(&v), ["username"]);
    let (_, q) = e
        .get("/me/threads_publishing_limit", &[("fields", "config")])
        .await;
    assert_eq!(keys(&q), ["data"]);
    assert_eq!(keys(&q["data"][0]), ["config"]);
}
