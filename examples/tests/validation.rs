//! Client-side validation: requests the Threads API would refuse (text over 500 characters
//! or empty, a poll option left empty, a topic tag with a period, more than five links, a
//! one-item carousel, alt text over 1,000 characters, a poll on an image, list parameters
//! out of range, an oEmbed width under 320, demographics without a breakdown) fail with
//! `Error::Validation` before anything reaches the emulator; and the client and the
//! emulator count the 500-character budget the same way (an emoji by its UTF-8 length).

mod common;

use chrono::DateTime;
use threads_api::Error;
use threads_api::model::{ContainerRequest, PollAttachment, UserMetric};
use threads_emulator::{Endpoint, FaultAction, FaultRule, Operation};

use common::{env, graph_code};

#[tokio::test]
async fn invalid_requests_are_rejected_before_any_request() {
    let env = env().await;
    // A tripwire: any request that reaches the emulator fails with 190 instead.
    env.admin().add_fault(FaultRule::always(
        Endpoint::Any,
        FaultAction::GraphError {
            code: 190,
            subcode: None,
            status: None,
            message: None,
        },
    ));
    let publish = env.account.publish();
    let fake = threads_api::ids::ContainerId::new("17841400000000999");
    let bad = [
        ContainerRequest::text("x".repeat(501)),
        ContainerRequest::text(""),
        ContainerRequest::text("poll").poll_attachment(PollAttachment::new("a", "")),
        ContainerRequest::text("tag").topic_tag("no.dots"),
        ContainerRequest::text(
            "https://a.example https://b.example https://c.example https://d.example https://e.example https://f.example",
        ),
        ContainerRequest::carousel([fake]),
        ContainerRequest::image("https://cdn.example/i.jpg").alt_text("a".repeat(1_001)),
        ContainerRequest::image("https://cdn.example/i.jpg")
            .poll_attachment(PollAttachment::new("a", "b")),
    ];
    for request in bad {
        let err = publish
            .create_container(&request)
            .await
            .expect_err("invalid request");
        assert!(matches!(err, Error::Validation(_)), "{request:?}: {err:?}");
        let err = publish
            .publish(request.clone())
            .send()
            .await
            .expect_err("invalid request");
        assert!(matches!(err, Error::Validation(_)), "{request:?}: {err:?}");
    }
    let list_err = env
        .account
        .posts()
        .list()
        .limit(101)
        .send()
        .await
        .expect_err("limit > 100");
    assert!(matches!(list_err, Error::Validation(_)), "{list_err:?}");
    let both = env
        .account
        .posts()
        .list()
        .after("a")
        .before("b")
        .send()
        .await
        .expect_err("before and after");
    assert!(matches!(both, Error::Validation(_)), "{both:?}");
    let old = env
        .account
        .posts()
        .list()
        .since(DateTime::from_timestamp(1_600_000_000, 0).expect("valid"))
        .send()
        .await
        .expect_err("since before 2023-07-05");
    assert!(matches!(old, Error::Validation(_)), "{old:?}");
    let width = env
        .client
        .oembed("https://www.threads.com/@tester/post/abc")
        .max_width(100)
        .send()
        .await
        .expect_err("maxwidth < 320");
    assert!(matches!(width, Error::Validation(_)), "{width:?}");
    let no_breakdown = env
        .account
        .insights()
        .user()
        .metrics([UserMetric::FollowerDemographics])
        .send()
        .await
        .expect_err("demographics need a breakdown");
    assert!(matches!(no_breakdown, Error::Validation(_)));

    assert!(
        env.admin().ledger().is_empty(),
        "{:?}",
        env.admin().ledger()
    );
    // The tripwire works: a valid request does reach the emulator.
    let sent = env
        .account
        .profile()
        .get()
        .send()
        .await
        .expect_err("tripwire");
    assert_eq!(graph_code(&sent), Some(190));
}

#[tokio::test]
async fn the_500_character_budget_counts_emoji_by_utf8_bytes_on_both_sides() {
    let env = env().await;
    let publish = env.account.publish();
    // Each 😀 counts as 4 (its UTF-8 length): 125 of them fill the budget exactly.
    let full = "😀".repeat(125);
    assert_eq!(threads_emulator::threads_text_length(&full), 500);
    publish
        .create_container(&ContainerRequest::text(full.clone()))
        .await
        .expect("exactly 500 is accepted by both");
    let over = format!("{full}a");
    let err = publish
        .create_container(&ContainerRequest::text(over.clone()))
        .await
        .expect_err("501 is rejected client-side");
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    // ASCII counts 1 per character.
    publish
        .create_container(&ContainerRequest::text("a".repeat(500)))
        .await
        .expect("500 ASCII characters");
    assert_eq!(env.ledger_of(Operation::CreateContainer).len(), 2);
    assert_eq!(threads_emulator::threads_text_length(&over), 501);
}
