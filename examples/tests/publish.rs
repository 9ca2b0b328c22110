//! Publishing against the emulator: every post type (text, image, video, carousel, poll,
//! quote, reply, repost) through the explicit container steps and through the client's
//! publish flow, the container status moving from `IN_PROGRESS` to `PUBLISHED`, a container
//! that never becomes ready, and one that ends in `ERROR`.

mod common;

use std::time::Duration;

use futures::TryStreamExt;
use threads_api::api::publish::PublishWait;
use threads_api::error::{ErrorCode, ErrorSubcode};
use threads_api::ids::{MediaId, UserId};
use threads_api::model::{
    ContainerRequest, ContainerState, Fields, MediaField, MediaType, PollAttachment,
};
use threads_api::{Error, ErrorAction};
use threads_emulator::{Endpoint, FaultAction, FaultRule, LedgerEntry, Operation};

use common::{Ticker, env, media_fields, quick_wait};

#[tokio::test]
async fn every_post_type_via_explicit_steps() {
    let env = env().await;
    let text = env
        .publish_steps(ContainerRequest::text("plain text #Rust").topic_tag("RustLang"))
        .await;
    let image = env
        .publish_steps(
            ContainerRequest::image("https://cdn.example/a.jpg")
                .with_text("an image")
                .alt_text("a description"),
        )
        .await;
    let video = env
        .publish_steps(ContainerRequest::video("https://cdn.example/v.mp4").with_text("a video"))
        .await;
    let publish = env.account.publish();
    let mut children = Vec::new();
    for url in ["https://cdn.example/1.jpg", "https://cdn.example/2.mp4"] {
        let child = if url.ends_with(".mp4") {
            ContainerRequest::video(url)
        } else {
            ContainerRequest::image(url)
        };
        children.push(
            publish
                .create_container(&child.carousel_item(true))
                .await
                .expect("child container"),
        );
    }
    let carousel = env
        .publish_steps(ContainerRequest::carousel(children).with_text("a carousel"))
        .await;
    let poll = env
        .publish_steps(
            ContainerRequest::text("a poll")
                .poll_attachment(PollAttachment::new("yes", "no").option_c("maybe")),
        )
        .await;
    let quote = env
        .publish_steps(ContainerRequest::text("a quote").quote(text.clone()))
        .await;
    let reply_container = env
        .account
        .replies()
        .create_container(&text, ContainerRequest::text("a reply"))
        .await
        .expect("reply container");
    let reply = publish
        .publish_container(&reply_container)
        .await
        .expect("publish reply")
        .media_id;
    let friend_post = env.post_as(&env.friend, "something to repost", None);
    let repost = publish.repost(&friend_post).await.expect("repost");

    let posts = env.account.posts();
    let all = Fields::all_for(threads_api::model::Endpoint::Media);
    let get = |id: MediaId| {
        let posts = posts.clone();
        let all = all.clone();
        async move { posts.get(&id).fields(all).send().await.expect("read back") }
    };

    let t = get(text.clone()).await;
    assert_eq!(t.media_type, Some(MediaType::TextPost));
    assert_eq!(t.text.as_deref(), Some("plain text #Rust"));
    assert_eq!(t.topic_tag.as_deref(), Some("RustLang"));
    assert_eq!(
        t.owner.and_then(|o| o.id).map(UserId::into_string),
        Some(env.me.id.clone())
    );
    assert_eq!(t.has_replies, Some(true));

    let i = get(image).await;
    assert_eq!(i.media_type, Some(MediaType::Image));
    assert_eq!(i.media_url.as_deref(), Some("https://cdn.example/a.jpg"));
    assert_eq!(i.alt_text.as_deref(), Some("a description"));

    let v = get(video).await;
    assert_eq!(v.media_type, Some(MediaType::Video));
    assert!(v.thumbnail_url.is_some(), "videos have a thumbnail");

    let c = get(carousel).await;
    assert_eq!(c.media_type, Some(MediaType::CarouselAlbum));
    assert_eq!(c.children_ids().len(), 2);

    let p = get(poll).await;
    assert_eq!(p.media_type, Some(MediaType::TextPost));
    let results = p.poll_attachment.expect("poll_attachment");
    assert_eq!(results.option_a.as_deref(), Some("yes"));
    assert_eq!(results.option_c.as_deref(), Some("maybe"));
    assert_eq!(results.option_d, None);

    let q = get(quote).await;
    assert_eq!(q.is_quote_post, Some(true));
    assert_eq!(q.quoted_post.map(|r| r.id), Some(text.clone()));

    let r = get(reply).await;
    assert_eq!(r.is_reply, Some(true));
    assert_eq!(r.replied_to.map(|x| x.id), Some(text.clone()));
    assert_eq!(r.root_post.map(|x| x.id), Some(text.clone()));

    // The profile lists the top-level posts and the repost, not the reply.
    let listed: Vec<_> = env
        .account
        .posts()
        .list()
        .fields(media_fields(&[
            MediaField::MediaType,
            MediaField::RepostedPost,
        ]))
        .stream()
        .try_collect()
        .await
        .expect("list");
    assert_eq!(listed.len(), 7, "{listed:?}");
    let facade = listed
        .iter()
        .find(|m| m.id == repost)
        .expect("the repost is listed");
    assert!(facade.is_repost());
    assert_eq!(
        facade.reposted_post.as_ref().map(|r| r.id.clone()),
        Some(friend_post)
    );

    let publishes = env.ledger_of(Operation::Publish);
    assert_eq!(publishes.len(), 7);
    assert!(publishes.iter().all(LedgerEntry::succeeded));
}

#[tokio::test]
async fn every_post_type_via_the_publish_flow() {
    let env = env().await;
    let _ticker = Ticker::start(env.admin());
    let publish = env.account.publish();
    let flow = |request: ContainerRequest| {
        let publish = publish.clone();
        async move {
            publish
                .publish(request)
                .wait(quick_wait())
                .send()
                .await
                .expect("publish flow")
                .media_id
        }
    };
    let text = flow(ContainerRequest::text("flow text")).await;
    let image = flow(ContainerRequest::image("https://cdn.example/f.jpg")).await;
    let video = flow(ContainerRequest::video("https://cdn.example/f.mp4")).await;
    let mut children = Vec::new();
    for n in 0..3 {
        children.push(
            publish
                .create_container(
                    &ContainerRequest::image(format!("https://cdn.example/c{n}.jpg"))
                        .carousel_item(true),
                )
                .await
                .expect("child"),
        );
    }
    let carousel = flow(ContainerRequest::carousel(children)).await;
    let poll =
        flow(ContainerRequest::text("flow poll").poll_attachment(PollAttachment::new("a", "b")))
            .await;
    let quote = flow(ContainerRequest::text("flow quote").quote(image.clone())).await;
    let reply = env
        .account
        .replies()
        .reply(&text, ContainerRequest::text("flow reply"))
        .wait(quick_wait())
        .send()
        .await
        .expect("reply flow")
        .media_id;
    let auto = publish
        .publish(ContainerRequest::text("auto-published").auto_publish_text(true))
        .send()
        .await
        .expect("auto publish");
    assert_eq!(auto.media_id.as_str(), auto.container_id.as_str());

    let fields = media_fields(&[MediaField::MediaType, MediaField::IsReply]);
    let expect = [
        (text, MediaType::TextPost),
        (image, MediaType::Image),
        (video, MediaType::Video),
        (carousel, MediaType::CarouselAlbum),
        (poll, MediaType::TextPost),
        (quote, MediaType::TextPost),
        (reply.clone(), MediaType::TextPost),
        (auto.media_id, MediaType::TextPost),
    ];
    for (id, kind) in expect {
        let m = env
            .account
            .posts()
            .get(&id)
            .fields(fields.clone())
            .send()
            .await
            .expect("read back");
        assert_eq!(m.media_type, Some(kind), "{id}");
        assert_eq!(m.is_reply, Some(id == reply), "{id}");
    }
    // Exactly one successful publish per post: the flow never publishes twice.
    let ok = env
        .ledger_of(Operation::Publish)
        .into_iter()
        .filter(LedgerEntry::succeeded)
        .count();
    assert_eq!(ok, 8);
}

#[tokio::test]
async fn container_status_moves_from_in_progress_to_published() {
    let env = env().await;
    let publish = env.account.publish();
    let container = publish
        .create_container(&ContainerRequest::video("https://cdn.example/slow.mp4"))
        .await
        .expect("container");
    let status = publish.container_status(&container).await.expect("status");
    assert_eq!(status.status, Some(ContainerState::InProgress));
    assert!(!status.is_ready());

    // Too early: code 24 / 4279009, which the client classifies as "wait for it".
    let early = publish
        .publish_container(&container)
        .await
        .expect_err("not ready yet");
    let g = early.graph().expect("Graph error");
    assert_eq!(g.code, Some(ErrorCode::ResourceNotFound));
    assert_eq!(g.subcode, Some(ErrorSubcode::MediaNotFound));
    assert_eq!(early.action(), ErrorAction::WaitForContainer);

    env.admin().advance(60);
    let status = publish.container_status(&container).await.expect("status");
    assert_eq!(status.status, Some(ContainerState::Finished));
    let published = publish
        .publish_container(&container)
        .await
        .expect("publish");
    assert_eq!(published.container_id, container);
    let status = publish.container_status(&container).await.expect("status");
    assert_eq!(status.status, Some(ContainerState::Published));

    // Publishing twice is refused, and the flow refuses a PUBLISHED container.
    publish
        .publish_container(&container)
        .await
        .expect_err("already published");
    let ledger = env.ledger_of(Operation::Publish);
    assert_eq!(
        ledger.iter().map(|e| e.succeeded()).collect::<Vec<_>>(),
        [false, true, false]
    );
    assert_eq!(ledger[0].error_code, Some(24));

    // A container that never becomes ready ends the flow at its deadline.
    env.admin().add_fault(FaultRule::always(
        Endpoint::CreateContainer,
        FaultAction::StuckInProgress { secs: 1_000_000 },
    ));
    let err = publish
        .publish(ContainerRequest::image("https://cdn.example/stuck.jpg"))
        .wait(PublishWait {
            deadline: Duration::from_millis(50),
            ..quick_wait()
        })
        .send()
        .await
        .expect_err("stuck container");
    match &err {
        Error::ContainerNotReady { last_status, .. } => {
            assert_eq!(last_status, &Some(ContainerState::InProgress));
        }
        other => panic!("expected ContainerNotReady, got {other:?}"),
    }
    assert_eq!(err.action(), ErrorAction::WaitForContainer);
}

#[tokio::test]
async fn failed_container_surfaces_as_container_failed() {
    let env = env().await;
    env.admin().add_fault(FaultRule::always(
        Endpoint::CreateContainer,
        FaultAction::ContainerError {
            error_message: "FAILED_DOWNLOADING_VIDEO".into(),
        },
    ));
    let _ticker = Ticker::start(env.admin());
    let err = env
        .account
        .publish()
        .publish(ContainerRequest::video("https://cdn.example/broken.mp4"))
        .wait(quick_wait())
        .send()
        .await
        .expect_err("container ends in ERROR");
    match &err {
        Error::ContainerFailed {
            status,
            error_message,
            ..
        } => {
            assert_eq!(status, &ContainerState::Error);
            assert_eq!(
                error_message.as_ref().map(|m| m.as_str()),
                Some("FAILED_DOWNLOADING_VIDEO")
            );
        }
        other => panic!("expected ContainerFailed, got {other:?}"),
    }
    assert_eq!(err.action(), ErrorAction::RecreateContainer);
    assert!(env.ledger_of(Operation::Publish).is_empty());
}
