//! Replies against the emulator: listing direct replies and whole conversations in both
//! orders, the account's own replies, hiding and unhiding, and reply approvals (pending,
//! approve, ignore, approve later).

mod common;

use futures::TryStreamExt;
use threads_api::model::{ContainerRequest, MediaField, ReplyApprovalStatus};
use threads_emulator::Operation;

use common::{env, media_fields};

#[tokio::test]
async fn replies_conversation_and_hiding() {
    let env = env().await;
    let post = env.publish_steps(ContainerRequest::text("root post")).await;
    let first = env.post_as(&env.friend, "first reply", Some(&post));
    let second = env.post_as(&env.newbie, "second reply", Some(&post));
    let nested = env.post_as(&env.newbie, "nested reply", Some(&first));
    let mine = env
        .account
        .replies()
        .reply(&post, ContainerRequest::text("my reply"))
        .send()
        .await
        .expect("reply")
        .media_id;

    let replies = env.account.replies();
    let direct = replies
        .list(&post)
        .reverse(false)
        .send()
        .await
        .expect("replies");
    let ids: Vec<_> = direct.iter().map(|m| m.id.clone()).collect();
    assert_eq!(ids, [first.clone(), second.clone(), mine.clone()]);
    let newest_first = replies.list(&post).send().await.expect("replies");
    assert_eq!(
        newest_first.data.first().map(|m| m.id.clone()),
        Some(mine.clone()),
        "reverse defaults to true (newest first)"
    );

    let conversation = replies
        .conversation(&post)
        .reverse(false)
        .send()
        .await
        .expect("conversation");
    let ids: Vec<_> = conversation.iter().map(|m| m.id.clone()).collect();
    assert_eq!(ids.len(), 4);
    assert!(ids.contains(&nested));

    let mine_listed: Vec<_> = replies
        .by_user()
        .stream()
        .try_collect()
        .await
        .expect("my replies");
    assert_eq!(
        mine_listed.iter().map(|m| &m.id).collect::<Vec<_>>(),
        [&mine]
    );

    // Hide a top-level reply, then unhide it.
    let hide_fields = media_fields(&[MediaField::HideStatus]);
    assert!(replies.hide(&first).await.expect("hide").success);
    let hidden = env
        .account
        .posts()
        .get(&first)
        .fields(hide_fields.clone())
        .send()
        .await
        .expect("read");
    assert_eq!(
        hidden.hide_status,
        Some(threads_api::model::HideStatus::Hidden)
    );
    assert!(replies.unhide(&first).await.expect("unhide").success);
    let shown = env
        .account
        .posts()
        .get(&first)
        .fields(hide_fields)
        .send()
        .await
        .expect("read");
    assert_eq!(
        shown.hide_status,
        Some(threads_api::model::HideStatus::Unhushed)
    );
    assert_eq!(env.ledger_of(Operation::ManageReply).len(), 2);
}

#[tokio::test]
async fn pending_replies_approve_and_ignore() {
    let env = env().await;
    let post = env
        .publish_steps(ContainerRequest::text("approvals on").reply_approvals(true))
        .await;
    let a = env.post_as(&env.friend, "please approve me", Some(&post));
    let b = env.post_as(&env.newbie, "please ignore me", Some(&post));
    let replies = env.account.replies();

    let pending = replies.pending(&post).send().await.expect("pending");
    assert_eq!(pending.len(), 2);
    assert!(
        pending
            .iter()
            .all(|m| m.reply_approval_status == Some(ReplyApprovalStatus::Pending))
    );
    let visible = replies.list(&post).send().await.expect("replies");
    assert!(
        visible.is_empty(),
        "pending replies stay hidden: {visible:?}"
    );

    assert!(replies.approve(&a).await.expect("approve").success);
    assert!(replies.ignore(&b).await.expect("ignore").success);
    let visible = replies.list(&post).send().await.expect("replies");
    assert_eq!(visible.iter().map(|m| &m.id).collect::<Vec<_>>(), [&a]);
    let ignored = replies
        .pending(&post)
        .approval_status(ReplyApprovalStatus::Ignored)
        .send()
        .await
        .expect("ignored");
    assert_eq!(ignored.iter().map(|m| &m.id).collect::<Vec<_>>(), [&b]);
    let still_pending = replies
        .pending(&post)
        .approval_status(ReplyApprovalStatus::Pending)
        .send()
        .await
        .expect("pending");
    assert!(still_pending.is_empty());
    // An ignored reply can still be approved.
    replies.approve(&b).await.expect("approve later");
    let visible = replies.list(&post).send().await.expect("replies");
    assert_eq!(visible.len(), 2);
    assert_eq!(env.ledger_of(Operation::ManagePendingReply).len(), 3);
}
