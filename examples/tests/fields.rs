//! Field selection: every list and node endpoint accepts the full field list the client
//! builds for it with `Fields::all_for`, and answers with the expected items.

mod common;

use threads_api::model::{ContainerRequest, Fields};

use common::env;

#[tokio::test]
async fn endpoints_accept_the_clients_full_field_selection() {
    use threads_api::model::Endpoint as E;
    let env = env().await;
    let post = env
        .publish_steps(ContainerRequest::text("root post #Fields").reply_approvals(true))
        .await;
    let approved = env.post_as(&env.friend, "approved reply", Some(&post));
    env.account
        .replies()
        .approve(&approved)
        .await
        .expect("approve");
    env.post_as(&env.newbie, "pending reply", Some(&post));
    env.account
        .replies()
        .reply(&post, ContainerRequest::text("my reply"))
        .send()
        .await
        .expect("reply");
    env.account
        .publish()
        .publish(ContainerRequest::text("a ghost").ghost_post(true))
        .send()
        .await
        .expect("ghost post");

    let a = &env.account;
    let lists = [
        ("threads", a.posts().list(), E::UserThreads, 2),
        ("replies", a.replies().list(&post), E::Replies, 2),
        (
            "conversation",
            a.replies().conversation(&post),
            E::Replies,
            2,
        ),
        ("pending", a.replies().pending(&post), E::PendingReplies, 1),
        ("user replies", a.replies().by_user(), E::UserReplies, 1),
        ("ghost posts", a.ghost_posts().list(), E::GhostPosts, 1),
    ];
    for (name, list, endpoint, expected) in lists {
        let page = list
            .fields(Fields::all_for(endpoint))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(page.len(), expected, "{name}: {page:?}");
    }
    let found = a
        .search()
        .keyword("root post")
        .fields(Fields::all_for(E::KeywordSearch))
        .send()
        .await
        .expect("keyword search");
    assert_eq!(found.len(), 1);
    assert_eq!(found.data[0].topic_tag.as_deref(), Some("Fields"));
    let full = a
        .posts()
        .get(&post)
        .all_fields()
        .send()
        .await
        .expect("media");
    assert_eq!(full.text.as_deref(), Some("root post #Fields"));
    let reply = a
        .posts()
        .get(&approved)
        .all_fields()
        .send()
        .await
        .expect("reply");
    assert_eq!(reply.root_post.map(|r| r.id), Some(post));
    let profile = a
        .profile()
        .get()
        .all_fields()
        .send()
        .await
        .expect("profile");
    assert_eq!(profile.is_eligible_for_geo_gating, Some(false));
}

#[tokio::test]
async fn mentions_accept_the_clients_full_field_selection() {
    let env = env().await;
    let mention = env.post_as(&env.friend, "hello @tester", None);
    let page = env
        .account
        .mentions()
        .list()
        .fields(Fields::all_for(threads_api::model::Endpoint::Mentions))
        .send()
        .await
        .expect("mentions with every media field");
    assert_eq!(page.iter().map(|m| &m.id).collect::<Vec<_>>(), [&mention]);
}
