//! oEmbed against the emulator: embed HTML for a post's permalink, without a token and with
//! an app token, and the error for an unknown post.

mod common;

use threads_api::Error;
use threads_api::model::{ContainerRequest, MediaField};

use common::{env, media_fields};

#[tokio::test]
async fn oembed_renders_a_permalink() {
    let env = env().await;
    let post = env.publish_steps(ContainerRequest::text("embed me")).await;
    let read = env
        .account
        .posts()
        .get(&post)
        .fields(media_fields(&[
            MediaField::Permalink,
            MediaField::Shortcode,
        ]))
        .send()
        .await
        .expect("read");
    let permalink = read.permalink.expect("permalink");
    let shortcode = read.shortcode.expect("shortcode");
    assert!(permalink.contains(&shortcode), "{permalink}");

    let embed = env
        .client
        .oembed(permalink.clone())
        .max_width(500)
        .send()
        .await
        .expect("oembed without a token");
    assert_eq!(embed.kind.as_deref(), Some("rich"));
    assert_eq!(embed.provider_name.as_deref(), Some("Threads"));
    assert!(embed.html.contains("blockquote"), "{}", embed.html);
    assert!(embed.html.contains(&shortcode), "{}", embed.html);
    assert_eq!(embed.width, Some(500));

    // With an app token (older deployments) it works too.
    let app_token = env.oauth().app_token().await.expect("app token");
    env.client
        .oembed(permalink)
        .token(app_token.access_token)
        .send()
        .await
        .expect("oembed with an app token");

    // An unknown post is an error.
    let err = env
        .client
        .oembed("https://www.threads.com/@tester/post/doesnotexist")
        .send()
        .await
        .expect_err("unknown post");
    assert!(
        err.graph().is_some() || matches!(err, Error::Http { .. }),
        "{err:?}"
    );
}
