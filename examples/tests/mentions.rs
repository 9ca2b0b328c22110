//! Mentions against the emulator: only posts by others that @-mention the account are
//! listed, and they carry the author's username but no `owner`.

mod common;

use futures::TryStreamExt;

use common::env;

#[tokio::test]
async fn mentions_list_posts_that_mention_the_account() {
    let env = env().await;
    let mention = env.post_as(&env.friend, "hello @tester, welcome!", None);
    env.post_as(&env.friend, "no mention here", None);
    env.post_as(&env.newbie, "hi @friend", None);
    let mentions: Vec<_> = env
        .account
        .mentions()
        .list()
        .stream()
        .try_collect()
        .await
        .expect("mentions");
    assert_eq!(
        mentions.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        [mention]
    );
    assert_eq!(mentions[0].username.as_deref(), Some("friend"));
    assert!(mentions[0].owner.is_none(), "owner only on your own posts");
}
