//! oEmbed: `GET /oembed`, with and without a token.

mod common;

use common::{QueryKeys, TOKEN, client, fixture, json, server};
use threads_api::{AccessToken, Error};
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param};

const POST: &str = "https://www.threads.com/@meta/post/C9Xyz";

#[tokio::test]
async fn without_token_sends_only_url_and_maxwidth() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/oembed"))
        .and(query_param("url", POST))
        .and(query_param("maxwidth", "500"))
        .and(QueryKeys(vec!["url", "maxwidth"]))
        .respond_with(json(200, &fixture("oembed.json")))
        .expect(1)
        .mount(&server)
        .await;
    let embed = client(&server)
        .oembed(POST)
        .max_width(500)
        .send()
        .await
        .unwrap();
    assert_eq!(embed.kind.as_deref(), Some("rich"));
    assert_eq!(embed.width, Some(658));
    assert!(embed.html.starts_with("<blockquote"));
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert!(!requests[0].headers.contains_key("authorization"));
}

#[tokio::test]
async fn with_an_app_token() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/oembed"))
        .and(query_param("url", POST))
        .and(query_param("access_token", TOKEN))
        .and(QueryKeys(vec!["url", "access_token"]))
        .respond_with(json(200, &fixture("oembed.json")))
        .expect(1)
        .mount(&server)
        .await;
    let embed = client(&server)
        .oembed(POST)
        .token(AccessToken::new(TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(embed.provider_name.as_deref(), Some("Threads"));
}

#[tokio::test]
async fn invalid_requests_are_not_sent() {
    let server = server().await;
    let c = client(&server);
    for (req, field) in [
        (c.oembed(POST).max_width(319), "maxwidth"),
        (c.oembed(POST).max_width(659), "maxwidth"),
        (c.oembed("not a url"), "url"),
        (c.oembed("https://"), "url"),
        (c.oembed("ftp://www.threads.com/t/x"), "url"),
    ] {
        let err = req.send().await.unwrap_err();
        assert!(
            matches!(&err, Error::Validation(v) if v.field == field),
            "{field}: {err:?}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    assert!(c.oembed(POST).max_width(320).validate().is_ok());
    assert!(c.oembed(POST).max_width(658).validate().is_ok());
    assert!(c.oembed("HTTPS://threads.net/t/abc").validate().is_ok());
}
