//! Throws garbage at every route: never a 5xx (no faults configured), always valid JSON.

mod common;

use common::env;

const PATHS: &[&str] = &[
    "/",
    "/me",
    "/{post}",
    "/{container}",
    "/{user}",
    "/17841400000000001",
    "/not-an-id",
    "/me/threads",
    "/me/threads_publish",
    "/me/replies",
    "/me/mentions",
    "/me/threads_insights",
    "/me/threads_publishing_limit",
    "/me/ghost_posts",
    "/{post}/replies",
    "/{post}/conversation",
    "/{post}/pending_replies",
    "/{post}/insights",
    "/{post}/repost",
    "/{post}/manage_reply",
    "/{post}/manage_pending_reply",
    "/{post}/nope",
    "/a/b/c/d",
    "/keyword_search",
    "/profile_lookup",
    "/profile_posts",
    "/location_search",
    "/oembed",
    "/debug_token",
    "/oauth/authorize",
    "/oauth/access_token",
    "/access_token",
    "/refresh_access_token",
    "/oauth/nope",
    "/v2.0/me",
    "/%ff%fe",
];

const VALUES: &[&str] = &[
    "",
    " ",
    "-1",
    "0",
    "99999999999999999999999999",
    "true",
    "maybe",
    "{",
    "{\"option_a\":",
    "[1,2,3]",
    "null",
    "💥💥💥",
    "\u{0}",
    "a,b,,c{d}",
    "id{id{id{id{id{id}}}}}",
    "https://",
    "TH|1|2",
    "1e400",
    "NaN",
    "../../etc/passwd",
];

const PARAMS: &[&str] = &[
    "fields",
    "limit",
    "after",
    "before",
    "since",
    "until",
    "media_type",
    "text",
    "creation_id",
    "children",
    "reply_to_id",
    "poll_attachment",
    "text_entities",
    "text_attachment",
    "gif_attachment",
    "metric",
    "breakdown",
    "q",
    "query",
    "search_type",
    "search_mode",
    "username",
    "latitude",
    "longitude",
    "url",
    "maxwidth",
    "hide",
    "approve",
    "approval_status",
    "reverse",
    "input_token",
    "grant_type",
    "client_id",
    "client_secret",
    "code",
    "redirect_uri",
    "scope",
    "response_type",
    "is_carousel_item",
    "allowlisted_country_codes",
    "topic_tag",
    "auto_publish_text",
    "quote_post_id",
    "location_id",
    "image_url",
    "video_url",
];

struct Gen(u64);
impl Gen {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[tokio::test]
async fn garbage_never_crashes_the_server() {
    let e = env().await;
    let post = e.publish_text("target").await;
    let (_, v) = e
        .post("/me/threads", &[("media_type", "TEXT"), ("text", "c")])
        .await;
    let container = v["id"].as_str().expect("id").to_owned();
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    let methods = ["GET", "POST", "DELETE", "PUT", "PATCH"];
    let mut count = 0;
    for path in PATHS {
        let path = path
            .replace("{post}", &post)
            .replace("{container}", &container)
            .replace("{user}", &e.user.id);
        for round in 0..12 {
            let method = methods[g.next(methods.len())];
            let mut pairs: Vec<(String, String)> = Vec::new();
            for _ in 0..g.next(6) {
                pairs.push((
                    PARAMS[g.next(PARAMS.len())].to_owned(),
                    VALUES[g.next(VALUES.len())].to_owned(),
                ));
            }
            if round % 3 != 0 {
                pairs.push(("access_token".into(), e.token.clone()));
            }
            let url = e.url(&path);
            let mut req = e
                .http
                .request(method.parse().expect("method"), &url)
                .query(&pairs);
            req = match round % 4 {
                0 => req
                    .header("content-type", "application/json")
                    .body(VALUES[g.next(VALUES.len())]),
                1 => req
                    .header("content-type", "multipart/form-data; boundary=zz")
                    .body("--zz\r\nbroken"),
                2 => req.form(&pairs),
                _ => req.body(vec![0xffu8, 0xfe, 0x00, 0x80]),
            };
            let res = req.send().await.expect("the server answers");
            let status = res.status().as_u16();
            let text = res.text().await.expect("body");
            assert!(
                status < 500,
                "{method} {path} {pairs:?} -> {status}: {text}"
            );
            if status != 302 {
                let v: serde_json::Value = serde_json::from_str(&text)
                    .unwrap_or_else(|_| panic!("{method} {path} gave non-JSON: {text}"));
                assert!(v.is_object());
            }
            count += 1;
        }
    }
    assert!(count > 400);
    // The server still works afterwards.
    let (s, _) = e.get("/me", &[]).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn oversized_body_is_rejected_cleanly() {
    let e = env().await;
    let big = "x".repeat(3 * 1024 * 1024);
    let res = e
        .http
        .post(e.url("/me/threads"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("text={big}"))
        .send()
        .await
        .expect("answer");
    assert_eq!(res.status().as_u16(), 400);
    let v: serde_json::Value = res.json().await.expect("json");
    assert_eq!(v["error"]["code"], 100);
}
