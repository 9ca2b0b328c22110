//! Profiles against the emulator: the account's own profile with every field, `/me` as the
//! user id, and profile discovery of other public accounts (lookup, their posts, and the
//! refusal for accounts under 100 followers).

mod common;

use futures::TryStreamExt;
use threads_api::ErrorAction;
use threads_api::ids::UserId;
use threads_api::model::MediaField;

use common::{env, media_fields};

#[tokio::test]
async fn profile_and_profile_discovery() {
    let env = env().await;
    let me = env
        .account
        .profile()
        .get()
        .all_fields()
        .send()
        .await
        .expect("profile");
    assert_eq!(me.id.as_str(), env.me.id);
    assert_eq!(me.username.as_deref(), Some("tester"));
    assert_eq!(me.name.as_deref(), Some("Test Account"));
    assert_eq!(me.threads_biography.as_deref(), Some("I test things"));
    assert_eq!(me.is_verified, Some(true));
    assert!(me.threads_profile_picture_url.is_some());

    // `/me` works as the user id too.
    let via_me = env
        .client
        .account(UserId::me(), env.account.token().clone())
        .profile()
        .get()
        .send()
        .await
        .expect("me");
    assert_eq!(via_me.id.as_str(), env.me.id);

    env.post_as(&env.friend, "a public post", None);
    let discovery = env.account.discovery();
    let friend = discovery.lookup("friend").send().await.expect("lookup");
    assert_eq!(friend.username.as_deref(), Some("friend"));
    assert_eq!(friend.follower_count, Some(150));
    let posts: Vec<_> = discovery
        .posts("friend")
        .fields(media_fields(&[MediaField::Text, MediaField::Username]))
        .stream()
        .try_collect()
        .await
        .expect("profile posts");
    assert_eq!(posts.len(), 1);
    // Under 100 followers: not discoverable.
    let err = discovery
        .lookup("newbie")
        .send()
        .await
        .expect_err("too few followers");
    assert!(err.graph().is_some(), "{err:?}");
    assert_eq!(err.action(), ErrorAction::Terminal);
}

#[tokio::test]
async fn profile_posts_with_the_default_fields() {
    let env = env().await;
    let post = env.post_as(&env.friend, "a public post", None);
    let posts = env
        .account
        .discovery()
        .posts("friend")
        .send()
        .await
        .expect("profile posts with the client's default fields");
    assert_eq!(
        posts.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        [post]
    );
}
