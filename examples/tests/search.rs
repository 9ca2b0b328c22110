//! Keyword and topic-tag search against the emulator, filtered by author, and the
//! profile's record of recent searches (read with explicit fields and with the client's
//! shortcut).

mod common;

use threads_api::model::Fields;
use threads_emulator::PostAs;

use common::env;

#[tokio::test]
async fn keyword_and_tag_search() {
    let env = env().await;
    let kw = env.post_as(&env.friend, "Rust on the emulator is fun", None);
    let tagged = env
        .admin()
        .post_as(PostAs {
            author: env.friend.username.clone(),
            text: Some("tagged post".into()),
            topic_tag: Some("Ferris".into()),
            ..PostAs::default()
        })
        .expect("post");
    env.post_as(&env.newbie, "unrelated", None);

    let search = env.account.search();
    let found = search.keyword("emulator").send().await.expect("search");
    assert_eq!(found.iter().map(|m| &m.id).collect::<Vec<_>>(), [&kw]);
    let by_tag = search.tag("ferris").send().await.expect("tag search");
    assert_eq!(
        by_tag
            .iter()
            .map(|m| m.id.as_str().to_owned())
            .collect::<Vec<_>>(),
        [tagged]
    );
    let by_author = search
        .keyword("emulator")
        .author_username("newbie")
        .send()
        .await
        .expect("search");
    assert!(by_author.is_empty());

    // The searches are remembered on the profile (read with explicit fields here; see
    // `recently_searched_keywords_helper` for the client's shortcut).
    let profile = env
        .account
        .profile()
        .get()
        .fields(Fields::of(["id", "recently_searched_keywords"]))
        .send()
        .await
        .expect("profile");
    let recent = profile.recently_searched_keywords.expect("recent searches");
    let queries: Vec<_> = recent.iter().map(|k| k.query.as_str()).collect();
    assert!(queries.contains(&"emulator"), "{queries:?}");
    assert!(queries.contains(&"ferris"), "{queries:?}");
    assert!(
        recent.iter().all(|k| k.timestamp == Some(env.now())),
        "epoch milliseconds decoded to the virtual time: {recent:?}"
    );
}

#[tokio::test]
async fn recently_searched_keywords_helper() {
    let env = env().await;
    env.post_as(&env.friend, "searchable words", None);
    env.account
        .search()
        .keyword("searchable")
        .send()
        .await
        .expect("search");
    let recent = env
        .account
        .profile()
        .recently_searched_keywords()
        .await
        .expect("recent searches");
    assert_eq!(
        recent.iter().map(|k| k.query.as_str()).collect::<Vec<_>>(),
        ["searchable"]
    );
}
