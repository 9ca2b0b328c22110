//! Search, profile discovery, locations, oEmbed, insights, quotas and pagination.

mod common;

use common::{code, env, read};
use secrecy::ExposeSecret;
use threads_emulator::{AppSpec, PostAs, TokenSpec, UserSpec};

fn ids(v: &serde_json::Value) -> Vec<String> {
    v["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|p| p["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn keyword_and_tag_search() {
    let e = env().await;
    e.user("bob", 10);
    e.admin()
        .create_user(UserSpec {
            username: "shy".into(),
            is_private: true,
            ..Default::default()
        })
        .expect("u");
    let b1 = e
        .admin()
        .post_as(PostAs {
            author: "bob".into(),
            text: Some("Rust is great".into()),
            ..Default::default()
        })
        .expect("p");
    e.admin().advance(60);
    let b2 = e
        .admin()
        .post_as(PostAs {
            author: "bob".into(),
            text: Some("more rust #RustLang".into()),
            ..Default::default()
        })
        .expect("p");
    let img = e
        .admin()
        .post_as(PostAs {
            author: "bob".into(),
            text: Some("rust picture".into()),
            media_type: Some("IMAGE".into()),
            media_url: Some("https://x.example/r.jpg".into()),
            ..Default::default()
        })
        .expect("p");
    e.admin()
        .post_as(PostAs {
            author: "shy".into(),
            text: Some("private rust".into()),
            ..Default::default()
        })
        .expect("p");
    let mine = e.publish_text("my rust notes").await;
    e.admin().advance(60);

    let (s, v) = e
        .get(
            "/keyword_search",
            &[
                ("q", "rust"),
                ("search_type", "RECENT"),
                ("fields", "id,text,media_type,username"),
            ],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        ids(&v),
        vec![mine.clone(), img.clone(), b2.clone(), b1.clone()]
    );
    let (_, v) = e
        .get("/keyword_search", &[("q", "rust"), ("media_type", "IMAGE")])
        .await;
    assert_eq!(ids(&v), vec![img.clone()]);
    let (_, v) = e
        .get(
            "/keyword_search",
            &[("q", "#rustlang"), ("search_mode", "TAG")],
        )
        .await;
    assert_eq!(ids(&v), vec![b2.clone()]);
    let (_, v) = e
        .get(
            "/keyword_search",
            &[("q", "rust"), ("author_username", "alice")],
        )
        .await;
    assert_eq!(ids(&v), vec![mine.clone()]);
    let (_, v) = e
        .get(
            "/keyword_search",
            &[("q", "rust"), ("search_type", "RECENT"), ("limit", "2")],
        )
        .await;
    assert_eq!(ids(&v).len(), 2);
    let after = v["paging"]["cursors"]["after"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let (_, v2) = e
        .get(
            "/keyword_search",
            &[
                ("q", "rust"),
                ("search_type", "RECENT"),
                ("limit", "2"),
                ("after", &after),
            ],
        )
        .await;
    assert_eq!(ids(&v2), vec![b2.clone(), b1.clone()]);
    // "The owner field is excluded and will not be returned": asking for it is no error
    // (https://developers.facebook.com/docs/threads/keyword-search; the doc's wording, so
    // sure). Even the caller's own post comes back without it.
    let (s, v) = e
        .get(
            "/keyword_search",
            &[("q", "rust"), ("fields", "owner,text")],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let data = v["data"].as_array().expect("data");
    assert!(!data.is_empty());
    assert!(
        data.iter()
            .all(|x| x.get("owner").is_none() && x["text"].is_string()),
        "{v}"
    );
    for bad in [
        ("search_type", "BEST"),
        ("search_mode", "FUZZY"),
        ("media_type", "CAROUSEL"),
        ("author_username", "@bob"),
    ] {
        let (s, _) = e.get("/keyword_search", &[("q", "rust"), bad]).await;
        assert_eq!(s, 400, "{bad:?}");
    }
    let (s, _) = e.get("/keyword_search", &[]).await;
    assert_eq!(s, 400);
    // TOP is the default and returns the same set.
    let (_, v) = e.get("/keyword_search", &[("q", "rust")]).await;
    assert_eq!(ids(&v).len(), 4);
    // Recently searched keywords, in milliseconds.
    let (_, me) = e
        .get("/me", &[("fields", "recently_searched_keywords")])
        .await;
    let first = &me["recently_searched_keywords"][0];
    assert_eq!(first["query"], "rust");
    assert_eq!(first["timestamp"].as_i64(), Some(e.admin().now() * 1000));

    // Sensitive keywords return an empty list.
    e.admin().set_sensitive_keywords(vec!["RUST".into()]);
    let (s, v) = e.get("/keyword_search", &[("q", "rust")]).await;
    assert_eq!(s, 200);
    assert!(ids(&v).is_empty());
    e.admin().set_sensitive_keywords(vec![]);

    // Without advanced access only the caller's own posts are searched.
    let std_app = e
        .admin()
        .create_app(AppSpec {
            advanced_access: false,
            ..Default::default()
        })
        .expect("app");
    let t = e
        .admin()
        .mint_token(TokenSpec {
            app_id: std_app.id.clone(),
            user_id: e.user.id.clone(),
            ..Default::default()
        })
        .expect("t");
    let (_, v) = e
        .get_as(
            t.access_token.expose_secret(),
            "/keyword_search",
            &[("q", "rust")],
        )
        .await;
    assert_eq!(ids(&v), vec![mine]);
}

#[tokio::test]
async fn keyword_quota_counts_only_non_empty_results() {
    let e = env().await;
    e.publish_text("findable").await;
    for _ in 0..5 {
        let (s, v) = e.get("/keyword_search", &[("q", "nothing-matches")]).await;
        assert_eq!(s, 200);
        assert!(ids(&v).is_empty());
    }
    for i in 0..2_200 {
        let (s, v) = e.get("/keyword_search", &[("q", "findable")]).await;
        assert_eq!(s, 200, "search {i}: {v}");
    }
    let (s, v) = e.get("/keyword_search", &[("q", "findable")]).await;
    assert_eq!((s, code(&v)), (400, 613));
    e.admin().advance(86_400);
    let (s, _) = e.get("/keyword_search", &[("q", "findable")]).await;
    assert_eq!(s, 200, "rolling window");
}

#[tokio::test]
async fn profile_discovery() {
    let e = env().await;
    let big = e.user("bigshot", 150);
    e.user("small", 99);
    e.admin()
        .create_user(UserSpec {
            username: "hidden".into(),
            followers: 5_000,
            is_private: true,
            ..Default::default()
        })
        .expect("u");
    let p = e
        .admin()
        .post_as(PostAs {
            author: "bigshot".into(),
            text: Some("hello world".into()),
            ..Default::default()
        })
        .expect("p");
    e.admin()
        .post_as(PostAs {
            author: "bigshot".into(),
            text: Some("a reply".into()),
            reply_to: Some(p.clone()),
            ..Default::default()
        })
        .expect("r");
    e.admin().advance(3_600);
    let (s, v) = e.get("/profile_lookup", &[("username", "bigshot")]).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["username"], "bigshot");
    assert_eq!(v["follower_count"], 150);
    assert!(v.get("id").is_none());
    assert_eq!(v["replies_count"], 1);
    for k in [
        "name",
        "profile_picture_url",
        "biography",
        "is_verified",
        "likes_count",
        "quotes_count",
        "reposts_count",
        "views_count",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
    for name in ["small", "hidden", "nobody"] {
        let (s, v) = e.get("/profile_lookup", &[("username", name)]).await;
        assert_eq!((s, code(&v)), (400, 100), "{name}");
    }
    let (s, v) = e
        .get(
            "/profile_posts",
            &[("username", "bigshot"), ("fields", "id,text,username")],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(ids(&v), vec![p]);
    // Meta's own request collection asks `/profile_posts` for `owner`
    // (https://github.com/fbsamples/threads_api/blob/main/postman/threads-api.postman_collection.json,
    // `fields_threads`): a list leaves the field out where it does not apply (someone
    // else's post) instead of failing.
    let (s, v) = e
        .get(
            "/profile_posts",
            &[("username", "bigshot"), ("fields", "owner")],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["data"][0].get("owner").is_none(), "{v}");
    let _ = big;
    // Quota: 1,000 per 24 h (lookups and posts together); two calls above were counted.
    for _ in 0..997 {
        let (s, _) = e.get("/profile_lookup", &[("username", "bigshot")]).await;
        assert_eq!(s, 200);
    }
    let (s, v) = e.get("/profile_lookup", &[("username", "bigshot")]).await;
    assert_eq!((s, code(&v)), (400, 613));
}

#[tokio::test]
async fn locations_and_oembed() {
    let e = env().await;
    let (s, v) = e.get("/location_search", &[("q", "menlo")]).await;
    assert_eq!(s, 200, "{v}");
    let first = &v["data"][0];
    assert_eq!(first["name"], "Menlo Park");
    let loc = first["id"].as_str().expect("id").to_owned();
    for k in [
        "address",
        "city",
        "country",
        "latitude",
        "longitude",
        "postal_code",
    ] {
        assert!(first.get(k).is_some(), "{k}");
    }
    let (_, v) = e.get("/location_search", &[("query", "Paris")]).await;
    assert_eq!(v["data"][0]["name"], "Eiffel Tower");
    let (_, v) = e
        .get(
            "/location_search",
            &[("latitude", "35.66"), ("longitude", "139.70")],
        )
        .await;
    assert_eq!(v["data"][0]["name"], "Shibuya Crossing");
    let (s, _) = e.get("/location_search", &[("latitude", "35.66")]).await;
    assert_eq!(s, 400);
    let (s, _) = e.get("/location_search", &[]).await;
    assert_eq!(s, 400);
    let (s, _) = e
        .get(
            "/location_search",
            &[("latitude", "91"), ("longitude", "0")],
        )
        .await;
    assert_eq!(s, 400);
    let (s, v) = e
        .get(&format!("/{loc}"), &[("fields", "id,name,city")])
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["city"], "Menlo Park");
    let (_, q) = e
        .get(
            "/me/threads_publishing_limit",
            &[(
                "fields",
                "location_search_quota_usage,location_search_config",
            )],
        )
        .await;
    assert_eq!(
        q["data"][0]["location_search_quota_usage"], 3,
        "only successful searches count"
    );
    assert_eq!(q["data"][0]["location_search_config"]["quota_total"], 500);

    // oEmbed: no token needed.
    let id = e.publish_text("embed me").await;
    let (_, m) = e
        .get(&format!("/{id}"), &[("fields", "permalink,shortcode")])
        .await;
    let permalink = m["permalink"].as_str().expect("permalink").to_owned();
    let (s, v) = read(
        e.http
            .get(e.url("/oembed"))
            .query(&[("url", permalink.as_str()), ("maxwidth", "400")])
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["type"], "rich");
    assert_eq!(v["provider_name"], "Threads");
    assert_eq!(v["width"], 400);
    assert!(v["html"].as_str().expect("html").contains("embed me"));
    let short = format!(
        "https://www.threads.net/t/{}/",
        m["shortcode"].as_str().expect("sc")
    );
    let (s, _) = read(
        e.http
            .get(e.url("/oembed"))
            .query(&[("url", short.as_str())])
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(s, 200);
    for bad in [
        vec![("url", "https://example.com/x")],
        vec![("url", permalink.as_str()), ("maxwidth", "100")],
        vec![],
    ] {
        let (s, v) = read(
            e.http
                .get(e.url("/oembed"))
                .query(&bad)
                .send()
                .await
                .expect("req"),
        )
        .await;
        assert_eq!((s, code(&v)), (400, 100), "{bad:?}");
    }
}

#[tokio::test]
async fn insights() {
    let e = env().await;
    let id = e.publish_text("measure me https://link.example/a").await;
    e.user("bob", 10);
    e.admin()
        .post_as(PostAs {
            author: "bob".into(),
            text: Some("reply".into()),
            reply_to: Some(id.clone()),
            ..Default::default()
        })
        .expect("r");
    e.admin()
        .post_as(PostAs {
            author: "bob".into(),
            text: Some("quote".into()),
            quote_post_id: Some(id.clone()),
            ..Default::default()
        })
        .expect("q");
    e.admin().advance(3_600);
    let get = |metric: &'static str| {
        let e = &e;
        let id = id.clone();
        async move {
            let (s, v) = e
                .get(&format!("/{id}/insights"), &[("metric", metric)])
                .await;
            assert_eq!(s, 200, "{v}");
            v
        }
    };
    let v1 = get("views,likes,replies,reposts,quotes,shares").await;
    let data = v1["data"].as_array().expect("data");
    assert_eq!(data.len(), 6);
    assert_eq!(data[0]["name"], "views");
    assert_eq!(data[0]["period"], "lifetime");
    assert_eq!(data[0]["id"], format!("{id}/insights/views/lifetime"));
    assert_eq!(data[2]["values"][0]["value"], 1);
    assert_eq!(data[4]["values"][0]["value"], 1);
    let views1 = data[0]["values"][0]["value"].as_u64().expect("v");
    assert!(views1 > 0);
    e.admin().advance(86_400);
    let v2 = get("views").await;
    assert!(
        v2["data"][0]["values"][0]["value"].as_u64().expect("v") > views1,
        "views grow with time"
    );
    let (s, v) = e
        .get(&format!("/{id}/insights"), &[("metric", "impressions")])
        .await;
    assert_eq!((s, code(&v)), (400, 100));
    let (s, _) = e.get(&format!("/{id}/insights"), &[]).await;
    assert_eq!(s, 400);

    // User insights.
    let now = e.admin().now();
    let since = (now - 3 * 86_400).to_string();
    let until = now.to_string();
    let (s, v) = e
        .get(
            "/me/threads_insights",
            &[
                (
                    "metric",
                    "views,likes,replies,reposts,quotes,clicks,followers_count",
                ),
                ("since", &since),
                ("until", &until),
            ],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let d = v["data"].as_array().expect("data");
    let views = d[0]["values"].as_array().expect("series");
    assert!(views.len() >= 3);
    assert!(views[0]["end_time"].as_str().expect("t").ends_with("+0000"));
    assert!(
        views
            .iter()
            .map(|x| x["value"].as_u64().expect("v"))
            .sum::<u64>()
            > 0
    );
    assert!(d[1]["total_value"]["value"].is_u64());
    assert_eq!(d[2]["total_value"]["value"], 1);
    assert_eq!(d[4]["total_value"]["value"], 1);
    assert_eq!(
        d[5]["link_total_values"][0]["link_url"],
        "https://link.example/a"
    );
    assert_eq!(d[6]["total_value"]["value"], 500);
    assert_eq!(
        d[6]["id"],
        format!("{}/insights/followers_count/day", e.user.id)
    );
    let (s, v) = e
        .get(
            "/me/threads_insights",
            &[
                ("metric", "follower_demographics"),
                ("breakdown", "country"),
            ],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let bd = &v["data"][0]["total_value"]["breakdowns"][0];
    assert_eq!(bd["dimension_keys"][0], "country");
    let total: u64 = bd["results"]
        .as_array()
        .expect("r")
        .iter()
        .map(|r| r["value"].as_u64().expect("v"))
        .sum();
    assert!(total <= 500 && total > 400, "{total}");
    for bad in [
        vec![("metric", "follower_demographics")],
        vec![
            ("metric", "follower_demographics"),
            ("breakdown", "age,gender"),
        ],
        vec![("metric", "views"), ("since", "100")],
        vec![("metric", "views"), ("since", &until), ("until", &since)],
        vec![("metric", "bogus")],
    ] {
        let (s, v) = e.get("/me/threads_insights", &bad).await;
        assert_eq!((s, code(&v)), (400, 100), "{bad:?}");
    }
    for b in ["city", "age", "gender"] {
        let (s, _) = e
            .get(
                "/me/threads_insights",
                &[("metric", "follower_demographics"), ("breakdown", b)],
            )
            .await;
        assert_eq!(s, 200);
    }
    let small = e.user("tiny", 50);
    let t = e.token_for(&small.id, None);
    let (s, _) = e
        .get_as(
            &t,
            "/me/threads_insights",
            &[("metric", "follower_demographics"), ("breakdown", "gender")],
        )
        .await;
    assert_eq!(s, 400, "needs 100 followers");
}

#[tokio::test]
async fn publishing_quotas() {
    let e = env().await;
    let (s, v) = e.get("/me/threads_publishing_limit", &[("fields", "quota_usage,config,reply_quota_usage,reply_config,delete_quota_usage,delete_config,location_search_quota_usage,location_search_config")]).await;
    assert_eq!(s, 200, "{v}");
    let d = &v["data"][0];
    assert_eq!(
        d["config"],
        serde_json::json!({"quota_total": 250, "quota_duration": 86400})
    );
    assert_eq!(d["reply_config"]["quota_total"], 1000);
    assert_eq!(d["delete_config"]["quota_total"], 100);
    assert_eq!(d["location_search_config"]["quota_total"], 500);
    let (_, v) = e.get("/me/threads_publishing_limit", &[]).await;
    assert_eq!(v, serde_json::json!({"data": [{"quota_usage": 0}]}));
    let mut ids = Vec::new();
    for i in 0..250 {
        ids.push(e.publish_text(&format!("post {i}")).await);
        if i == 100 {
            e.admin().advance(3_600);
        }
    }
    let (_, v) = e
        .post(
            "/me/threads",
            &[("media_type", "TEXT"), ("text", "one too many")],
        )
        .await;
    let cid = v["id"]
        .as_str()
        .expect("container creation is not limited")
        .to_owned();
    let (s, v) = e
        .post("/me/threads_publish", &[("creation_id", &cid)])
        .await;
    assert_eq!((s, code(&v)), (400, 613));
    // Rolling: the first 101 leave the window 24 h after they were made.
    e.admin().advance(86_400 - 3_600);
    let (s, v) = e
        .post("/me/threads_publish", &[("creation_id", &cid)])
        .await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = e.get("/me/threads_publishing_limit", &[]).await;
    assert_eq!(v["data"][0]["quota_usage"], 150);
    // Deletes: 100 per 24 h.
    for id in ids.iter().take(100) {
        let (s, v) = e.delete(&format!("/{id}")).await;
        assert_eq!(s, 200, "{v}");
    }
    let (s, v) = e.delete(&format!("/{}", ids[100])).await;
    assert_eq!((s, code(&v)), (400, 613));
    let (_, v) = e
        .get(
            "/me/threads_publishing_limit",
            &[("fields", "delete_quota_usage")],
        )
        .await;
    assert_eq!(v["data"][0]["delete_quota_usage"], 100);
}

#[tokio::test]
async fn pagination_rules() {
    let e = env().await;
    let mut all = Vec::new();
    for i in 0..120 {
        all.push(e.publish_text(&format!("p{i}")).await);
        e.admin().advance(60);
    }
    all.reverse();
    let (_, v) = e.get("/me/threads", &[]).await;
    assert_eq!(ids(&v), all[..25].to_vec(), "default 25, newest first");
    assert!(
        v["paging"]["next"]
            .as_str()
            .expect("next")
            .contains("after=")
    );
    let (_, v) = e.get("/me/threads", &[("limit", "500")]).await;
    assert_eq!(ids(&v).len(), 100, "limit capped at 100");
    // Walk everything with after cursors.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut q = vec![("limit", "30".to_owned())];
        if let Some(a) = &after {
            q.push(("after", a.clone()));
        }
        let q: Vec<(&str, &str)> = q.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (_, v) = e.get("/me/threads", &q).await;
        seen.extend(ids(&v));
        match v["paging"]["next"].as_str() {
            Some(_) => after = v["paging"]["cursors"]["after"].as_str().map(str::to_owned),
            None => break,
        }
    }
    assert_eq!(seen, all);
    // before goes back.
    let (_, p2) = e
        .get(
            "/me/threads",
            &[("limit", "10"), ("after", &cursor_of(&e, 10).await)],
        )
        .await;
    let before = p2["paging"]["cursors"]["before"]
        .as_str()
        .expect("before")
        .to_owned();
    let (_, p1) = e
        .get("/me/threads", &[("limit", "10"), ("before", &before)])
        .await;
    assert_eq!(ids(&p1), all[..10].to_vec());
    for bad in [
        vec![("before", before.as_str()), ("after", before.as_str())],
        vec![("limit", "-1")],
        vec![("limit", "ten")],
        vec![("after", "garbage")],
        vec![("since", "1600000000")],
        vec![("until", "99999999999")],
        vec![("since", "1767300000"), ("until", "1767290000")],
        vec![("since", "next tuesday")],
    ] {
        let (s, v) = e.get("/me/threads", &bad).await;
        assert_eq!((s, code(&v)), (400, 100), "{bad:?}");
    }
    // since/until filter (dates accepted too).
    let now = e.admin().now();
    let since = (now - 10 * 60).to_string();
    let (_, v) = e
        .get("/me/threads", &[("since", &since), ("limit", "100")])
        .await;
    assert_eq!(ids(&v).len(), 10);
    let (s, v) = e
        .get(
            "/me/threads",
            &[
                ("since", "2025-01-01"),
                ("until", "2025-12-31"),
                ("limit", "100"),
            ],
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(ids(&v).len(), 0);
    let (_, v) = e.get("/me/threads", &[("limit", "0")]).await;
    assert_eq!(ids(&v).len(), 0);
}

async fn cursor_of(e: &common::Env, n: usize) -> String {
    let (_, v) = e.get("/me/threads", &[("limit", &n.to_string())]).await;
    v["paging"]["cursors"]["after"]
        .as_str()
        .expect("after")
        .to_owned()
}

#[tokio::test]
async fn a_follower_count_set_by_the_admin_shows_in_insights() {
    let e = env().await;
    let followers = |v: &serde_json::Value| v["data"][0]["total_value"]["value"].as_u64();
    let (s, v) = e
        .get("/me/threads_insights", &[("metric", "followers_count")])
        .await;
    assert_eq!((s, followers(&v)), (200, Some(500)), "{v}");

    e.admin().set_followers("alice", 1_250).expect("set");
    let (s, v) = e
        .get("/me/threads_insights", &[("metric", "followers_count")])
        .await;
    assert_eq!((s, followers(&v)), (200, Some(1_250)), "{v}");
    let (s, v) = e
        .get(
            "/me/threads_insights",
            &[("metric", "follower_demographics"), ("breakdown", "age")],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let total: u64 = v["data"][0]["total_value"]["breakdowns"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["value"].as_u64().expect("value"))
        .sum();
    // Each of the seven age ranges is rounded down.
    assert!(
        (1_250 - 7..=1_250).contains(&total),
        "the demographics share out the new count: {total}"
    );
    assert!(e.admin().set_followers("nobody_here", 1).is_err());
}
