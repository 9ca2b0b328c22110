//! Replies and mentions end to end: the emulator plays the other users and
//! delivers signed webhooks to a local endpoint that hands them to the
//! pipeline; polling finds what webhooks miss; every message is answered at
//! most once, within the caps, and risky answers wait for a person.

mod common;

use std::sync::Arc;

use chrono::TimeDelta;
use common::Harness;
use content_pipeline::config::ApprovalMode;
use content_pipeline::{Actor, NewDraft, PipelineConfig, Role, When, Worker, WorkerConfig};
use store_traits::{AccountId, AuditQuery, DraftFilter, DraftKind, DraftState};
use threads_emulator::{Operation, PostAs, UserSpec};

fn editor() -> Actor {
    Actor::person("ed", Role::Editor)
}

/// Automatic answers (for plain messages), no waiting for a person.
fn automatic() -> PipelineConfig {
    let mut config = PipelineConfig::default();
    config.approval.replies = ApprovalMode::Automatic;
    config.approval.posts = ApprovalMode::Automatic;
    config
}

/// Lets the persona answer without approval.
async fn persona_answers_alone(h: &Harness, account: AccountId) {
    let mut record = h
        .store
        .list_personas(account)
        .await
        .expect("personas")
        .remove(0);
    let mut doc: content_pipeline::PersonaDocument =
        serde_json::from_value(record.document.clone()).expect("doc");
    doc.persona.reply_policy.require_approval = false;
    doc.persona.reply_policy.max_per_thread = 50;
    doc.persona.reply_policy.max_per_user_per_day = 50;
    record.document = serde_json::to_value(&doc).expect("json");
    h.store.put_persona(&record).await.expect("persona");
}

/// Publishes a post of the account through the pipeline; returns its post id.
async fn publish_post(h: &Harness, account: AccountId, text: &str) -> String {
    let d = h
        .pipeline
        .create_draft(NewDraft::post(account, text), &editor())
        .await
        .expect("draft");
    if d.draft.state != DraftState::Approved {
        h.pipeline
            .approve(d.draft.id, &editor())
            .await
            .expect("approve");
    }
    h.pipeline
        .schedule(d.draft.id, When::Now, &editor())
        .await
        .expect("schedule");
    h.drain().await;
    h.pipeline
        .draft(d.draft.id)
        .await
        .expect("draft")
        .provider
        .media_id
        .expect("published")
}

fn fan(h: &Harness, name: &str) -> String {
    h.emu
        .admin()
        .create_user(UserSpec {
            username: name.into(),
            followers: 10,
            ..UserSpec::default()
        })
        .expect("user")
        .id
}

fn reply_as(h: &Harness, author: &str, to: &str, text: &str) -> String {
    h.emu
        .admin()
        .post_as(PostAs {
            author: author.into(),
            text: Some(text.into()),
            reply_to: Some(to.into()),
            ..PostAs::default()
        })
        .expect("reply")
}

/// Delivers webhooks, drains, moves the clock past the reply delay, drains.
async fn settle(h: &Harness) {
    for _ in 0..4 {
        h.emu.admin().deliver_webhooks().await;
        h.drain().await;
        h.advance(TimeDelta::minutes(11));
        h.drain().await;
    }
}

/// Our published answers to `reply_id`.
fn answers_to(h: &Harness, reply_id: &str) -> usize {
    h.publishes()
        .iter()
        .filter(|e| e.reply_to.as_deref() == Some(reply_id))
        .count()
}

#[tokio::test]
async fn a_reply_by_webhook_is_answered_once_after_approval() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account;
    h.webhooks(&["replies", "mentions"]).await;
    let post = publish_post(
        &h,
        account.id,
        "New starter, new loaf. Ask me anything about rye.",
    )
    .await;
    let fan = fan(&h, "crumb_fan");
    let question = reply_as(&h, &fan, &post, "How long do you proof a rye loaf?");
    settle(&h).await;

    // Manual approval by default: the answer waits for a person.
    let drafts = h
        .store
        .list_drafts(&DraftFilter::account(account.id))
        .await
        .expect("drafts");
    let answer: Vec<_> = drafts
        .iter()
        .filter(|d| d.kind == DraftKind::Reply)
        .collect();
    assert_eq!(answer.len(), 1, "one answer drafted");
    let answer = answer[0];
    assert_eq!(answer.state, DraftState::PendingApproval);
    assert_eq!(answer.reply_to_id.as_deref(), Some(question.as_str()));
    assert!(answer.text.len() > 10);
    assert_eq!(answers_to(&h, &question), 0);
    // The message joined the conversation of the post, with the draft.
    let conversation = h
        .store
        .get_conversation(answer.conversation_id.expect("conversation"))
        .await
        .expect("read")
        .expect("conversation");
    assert_eq!(conversation.root_media_id, post);
    assert!(conversation.root_draft_id.is_some(), "matched to our draft");
    let messages = h
        .store
        .list_messages(conversation.id)
        .await
        .expect("messages");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].reply_draft_id, Some(answer.id));

    // A person approves; the answer goes out once, as a reply to the question.
    h.pipeline
        .approve(answer.id, &editor())
        .await
        .expect("approve");
    h.pipeline
        .schedule(answer.id, When::Now, &editor())
        .await
        .expect("schedule");
    settle(&h).await;
    assert_eq!(answers_to(&h, &question), 1);
    // Redeliveries and later rounds change nothing.
    h.emu.admin().duplicate_webhooks(5, 1.0);
    reply_as(&h, &fan, &post, "thanks!");
    settle(&h).await;
    assert_eq!(answers_to(&h, &question), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_event_delivered_a_thousand_times_is_answered_once() {
    let h = Harness::with_config(automatic()).await;
    let account = h.connect("ana").await.account;
    persona_answers_alone(&h, account.id).await;
    let post = publish_post(&h, account.id, "Proofing baskets: cane or linen? Tell me.").await;
    let fan = fan(&h, "linen_person");
    let reply = reply_as(&h, &fan, &post, "Linen, every time. Thanks for the tip!");
    // The delivery Meta would send for that reply, signed with the app secret.
    let body = serde_json::json!({
        "app_id": h.app.id,
        "topic": "moderate",
        "target_id": account.threads_user_id,
        "time": store_traits::Clock::now(h.clock.as_ref()).timestamp(),
        "subscription_id": "1",
        "has_uid_field": false,
        "values": {"field": "replies", "value": {
            "id": reply,
            "username": "linen_person",
            "text": "Linen, every time. Thanks for the tip!",
            "root_post": {"id": post, "owner_id": account.threads_user_id, "username": "ana"},
            "replied_to": {"id": post},
            "timestamp": "2026-03-02T09:30:00+0000"
        }}
    })
    .to_string();
    let secret =
        secrecy::SecretString::from(secrecy::ExposeSecret::expose_secret(&h.app.secret).to_owned());
    let signature = token_crypto::webhook::sign(&secret, body.as_bytes());
    let body = Arc::new(body);
    let mut deliveries = Vec::new();
    for _ in 0..1_000 {
        let pipeline = h.pipeline.clone();
        let body = body.clone();
        let signature = signature.clone();
        deliveries.push(tokio::spawn(async move {
            pipeline
                .receive_webhook(Some(&signature), body.as_bytes())
                .await
        }));
    }
    let mut accepted = 0;
    for d in deliveries {
        accepted += d.await.expect("task").expect("receive").accepted;
    }
    assert_eq!(accepted, 1, "recorded once");
    // A forged signature is refused before anything is parsed.
    let forged = h
        .pipeline
        .receive_webhook(Some("sha256=00"), body.as_bytes())
        .await;
    assert!(matches!(forged, Err(content_pipeline::Error::Webhook(_))));

    let workers: Vec<Worker> = (0..8)
        .map(|i| Worker::new(h.pipeline.clone(), WorkerConfig::named(format!("w{i}"))))
        .collect();
    for _ in 0..3 {
        for r in futures::future::join_all(workers.iter().map(Worker::drain)).await {
            r.expect("drain");
        }
        h.advance(TimeDelta::minutes(11));
    }
    assert_eq!(answers_to(&h, &reply), 1, "answered exactly once");
}

#[tokio::test]
async fn with_webhooks_off_polling_answers_the_same_messages_once() {
    let h = Harness::with_config(automatic()).await;
    let account = h.connect("ana").await.account;
    persona_answers_alone(&h, account.id).await;
    let post = publish_post(
        &h,
        account.id,
        "Weekend bake list is up. What should I try?",
    )
    .await;
    let fan = fan(&h, "weekend_baker");
    let q1 = reply_as(&h, &fan, &post, "Could you try a seeded rye next?");
    h.pipeline.schedule_polling(account.id).await.expect("poll");
    h.drain().await;
    h.advance(TimeDelta::minutes(11));
    h.drain().await;
    assert_eq!(answers_to(&h, &q1), 1);
    // A webhook that turns up late for the same message does nothing.
    let endpoint = h.webhooks(&["replies"]).await;
    let q2 = reply_as(&h, &fan, &post, "What about focaccia with rosemary?");
    settle(&h).await;
    assert!(
        endpoint
            .deliveries
            .load(std::sync::atomic::Ordering::SeqCst)
            >= 1
    );
    h.advance(TimeDelta::minutes(20));
    h.drain().await;
    assert_eq!(answers_to(&h, &q1), 1);
    let audit: Vec<String> = h
        .store
        .list_audit(&AuditQuery::default())
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.action.starts_with("reply"))
        .map(|e| format!("{} {:?}", e.action, e.details))
        .chain(
            h.store
                .list_drafts(&DraftFilter::account(account.id))
                .await
                .expect("drafts")
                .into_iter()
                .map(|d| format!("{} {:?} {:?}", d.text, d.state, d.quality)),
        )
        .collect();
    assert_eq!(
        answers_to(&h, &q2),
        1,
        "found by webhook and poll, answered once: {audit:#?}"
    );
}

#[tokio::test]
async fn abuse_is_hidden_and_risky_answers_wait_for_a_person() {
    let h = Harness::with_config(automatic()).await;
    let account = h.connect("ana").await.account;
    persona_answers_alone(&h, account.id).await;
    h.webhooks(&["replies"]).await;
    let post = publish_post(&h, account.id, "Sourdough class next month, details soon.").await;
    let fan = fan(&h, "mixed_bag");
    let abuse = reply_as(
        &h,
        &fan,
        &post,
        "you are an idiot and your bread is garbage",
    );
    let money = reply_as(&h, &fan, &post, "How much does the class cost? Is $50 ok?");
    let plain = reply_as(&h, &fan, &post, "This looks amazing, thank you!");
    settle(&h).await;
    let moderated: Vec<_> = h
        .emu
        .admin()
        .ledger()
        .into_iter()
        .filter(|e| e.operation == Operation::ManageReply && e.succeeded())
        .collect();
    assert_eq!(moderated.len(), 1);
    assert_eq!(moderated[0].target.as_deref(), Some(abuse.as_str()));
    assert_eq!(answers_to(&h, &abuse), 0);
    assert_eq!(
        answers_to(&h, &money),
        0,
        "money questions wait for a person"
    );
    assert_eq!(
        answers_to(&h, &plain),
        1,
        "plain thanks go out automatically"
    );
    let drafts = h
        .store
        .list_drafts(&DraftFilter::account(account.id))
        .await
        .expect("drafts");
    let waiting = drafts
        .iter()
        .find(|d| d.reply_to_id.as_deref() == Some(money.as_str()))
        .expect("the money answer is drafted");
    assert_eq!(waiting.state, DraftState::PendingApproval);
    let findings = waiting.quality.clone().expect("quality").findings;
    assert!(findings.iter().any(|f| f.contains("money")), "{findings:?}");
}

#[tokio::test]
async fn a_mention_is_answered_on_the_mentioning_post() {
    let h = Harness::with_config(automatic()).await;
    let account = h.connect("ana").await.account;
    persona_answers_alone(&h, account.id).await;
    h.webhooks(&["mentions"]).await;
    let fan = fan(&h, "shouter");
    let mention = h
        .emu
        .admin()
        .post_as(PostAs {
            author: fan,
            text: Some("Thank you @ana, the rye tips were great this week!".into()),
            ..PostAs::default()
        })
        .expect("mention");
    settle(&h).await;
    assert_eq!(answers_to(&h, &mention), 1);
}

#[tokio::test]
async fn another_bot_cannot_keep_the_account_talking() {
    let h = Harness::with_config(automatic()).await;
    let account = h.connect("ana").await.account;
    persona_answers_alone(&h, account.id).await;
    h.webhooks(&["replies"]).await;
    let post = publish_post(&h, account.id, "What is your favourite flour? Mine is rye.").await;
    let bot = fan(&h, "eager_bot");
    let mut last = reply_as(&h, &bot, &post, "Great question! What is yours?");
    let limit = PipelineConfig::default().conversations.max_exchanges as usize;
    let mut rounds = 0;
    loop {
        settle(&h).await;
        // The bot answers every answer of ours.
        let ours: Vec<String> = h
            .publishes()
            .into_iter()
            .filter(|e| e.reply_to.as_deref() == Some(last.as_str()))
            .filter_map(|e| e.result_id)
            .collect();
        let Some(answer) = ours.first() else { break };
        rounds += 1;
        assert!(rounds <= limit + 1, "the exchange must end");
        last = reply_as(
            &h,
            &bot,
            answer,
            "Great point! And what do you think about that?",
        );
    }
    let ours_total = h
        .publishes()
        .iter()
        .filter(|e| e.reply_to.is_some() && e.text.as_deref() != Some(""))
        .count();
    assert!(rounds <= limit, "stopped within {limit} turns: {rounds}");
    assert!(ours_total <= limit);
    let skipped = h
        .store
        .list_audit(&AuditQuery::default())
        .await
        .expect("audit")
        .into_iter()
        .any(|e| {
            e.action == "reply.skipped"
                && matches!(
                    e.details.get("reason").map(String::as_str),
                    Some("exchange_limit" | "too_deep")
                )
        });
    let trail: Vec<String> = h
        .store
        .list_audit(&AuditQuery::default())
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.action.starts_with("reply"))
        .map(|e| format!("{} {:?}", e.action, e.details.get("reason")))
        .collect();
    assert!(skipped, "the stop is audited: rounds {rounds}, {trail:#?}");
}

/// Panics once at `step` (for `subject`), like a worker killed there.
#[derive(Debug)]
struct CrashAt {
    step: content_pipeline::Step,
    subject: std::sync::Mutex<Option<String>>,
    done: std::sync::atomic::AtomicBool,
}

impl content_pipeline::Probe for CrashAt {
    fn at(&self, step: content_pipeline::Step, subject: &str) {
        let mine = self
            .subject
            .lock()
            .expect("lock")
            .as_deref()
            .is_none_or(|s| s == subject);
        if step == self.step && mine && !self.done.swap(true, std::sync::atomic::Ordering::SeqCst) {
            panic!("simulated crash at {step}");
        }
    }
}

#[tokio::test]
async fn a_crash_between_drafting_and_sending_neither_repeats_nor_loses_the_answer() {
    for step in [
        content_pipeline::Step::AnswerDrafted,
        content_pipeline::Step::BeforePublish,
        content_pipeline::Step::AfterPublish,
    ] {
        let h = Harness::with_config(automatic()).await;
        let account = h.connect("ana").await.account;
        persona_answers_alone(&h, account.id).await;
        h.webhooks(&["replies"]).await;
        let post = publish_post(
            &h,
            account.id,
            "Rye or spelt this weekend? I cannot decide.",
        )
        .await;
        let fan = fan(&h, "decider");
        let question = reply_as(&h, &fan, &post, "Which one rises better, rye or spelt?");
        let probe = Arc::new(CrashAt {
            step,
            subject: std::sync::Mutex::new(None),
            done: std::sync::atomic::AtomicBool::new(false),
        });
        let crashing = Worker::new(
            h.pipeline_with_probe(probe.clone()),
            WorkerConfig::named("doomed"),
        );
        h.emu.admin().deliver_webhooks().await;
        for _ in 0..3 {
            crashing.drain().await.expect("drain");
            h.advance(TimeDelta::minutes(11));
        }
        assert!(
            probe.done.load(std::sync::atomic::Ordering::SeqCst),
            "{step}: crashed"
        );
        // The dead run's lease ends; healthy workers finish the work.
        h.advance(WorkerConfig::default().lease + TimeDelta::seconds(1));
        settle(&h).await;
        assert_eq!(
            answers_to(&h, &question),
            1,
            "{step}: answered exactly once"
        );
        let answers = h
            .store
            .list_drafts(&DraftFilter::account(account.id))
            .await
            .expect("drafts")
            .into_iter()
            .filter(|d| d.kind == DraftKind::Reply)
            .count();
        assert_eq!(answers, 1, "{step}: one answer draft");
    }
}

#[tokio::test]
async fn pending_replies_are_reviewed_plain_ones_approved() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account;
    // The account's own post with reply approvals on.
    let post = h
        .emu
        .admin()
        .post_as(PostAs {
            author: account.threads_user_id.clone(),
            text: Some("Approvals on for this one.".into()),
            enable_reply_approvals: true,
            ..PostAs::default()
        })
        .expect("post");
    let fan = fan(&h, "polite");
    let plain = reply_as(&h, &fan, &post, "Lovely, thank you!");
    let spam = reply_as(&h, &fan, &post, "Follow me for free followers, link in bio");
    let risky = reply_as(&h, &fan, &post, "How much is the class? $40?");
    let review = h
        .pipeline
        .review_pending_replies(account.id, &content_pipeline::PostId::new(post.clone()))
        .await
        .expect("review");
    let ids = |v: &[content_pipeline::PostId]| v.iter().map(|p| p.to_string()).collect::<Vec<_>>();
    assert_eq!(ids(&review.approved), vec![plain]);
    assert_eq!(ids(&review.ignored), vec![spam]);
    assert_eq!(ids(&review.for_a_person), vec![risky]);
    let moderated = h
        .emu
        .admin()
        .ledger()
        .into_iter()
        .filter(|e| e.operation == Operation::ManagePendingReply && e.succeeded())
        .count();
    assert_eq!(moderated, 2);
}

#[tokio::test]
async fn posts_made_elsewhere_are_imported_once_then_measured_and_polled() {
    let h = Harness::with_config(automatic()).await;
    let account = h.connect("ana").await.account;
    persona_answers_alone(&h, account.id).await;
    let owner = Actor::person("olga", Role::Owner);

    // An editor may not bring history in; the owner may, once per post.
    let refused = h
        .pipeline
        .import_history(account.id, &Actor::person("ed", Role::Editor))
        .await;
    assert!(
        matches!(refused, Err(content_pipeline::Error::Forbidden(_))),
        "{refused:?}"
    );
    let first = h
        .pipeline
        .import_history(account.id, &owner)
        .await
        .expect("import");
    assert_eq!((first.read, first.imported, first.known), (4, 4, 0));
    let again = h
        .pipeline
        .import_history(account.id, &owner)
        .await
        .expect("import again");
    assert_eq!((again.read, again.imported, again.known), (4, 0, 4));
    let imported = h
        .store
        .list_drafts(&DraftFilter {
            states: vec![DraftState::Published],
            ..DraftFilter::account(account.id)
        })
        .await
        .expect("drafts");
    assert_eq!(imported.len(), 4);
    assert!(
        imported
            .iter()
            .all(|d| d.kind == DraftKind::Post && d.provider.media_id.is_some())
    );
    let audit = h
        .store
        .list_audit(&AuditQuery {
            account_id: Some(account.id),
            ..AuditQuery::default()
        })
        .await
        .expect("audit");
    let events: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "history.imported")
        .collect();
    assert_eq!(events.len(), 2, "one event per import");
    assert!(
        events.iter().all(|e| e.actor.contains("olga")),
        "{events:?}"
    );

    // Insights measure the imported posts.
    let snapshot = h.pipeline.snapshot_now(account.id).await.expect("snapshot");
    assert_eq!(snapshot.posts, 4);

    // Polling reads the replies under one of them, and it is answered once.
    let root = imported[0].provider.media_id.clone().expect("media id");
    let fan = fan(&h, "old_post_fan");
    let question = reply_as(&h, &fan, &root, "How long do you autolyse rye?");
    assert!(h.pipeline.poll_now(account.id).await.expect("poll") >= 1);
    h.drain().await;
    h.advance(TimeDelta::minutes(11));
    h.drain().await;
    assert_eq!(answers_to(&h, &question), 1);
    assert_eq!(
        h.pipeline.poll_now(account.id).await.expect("poll again"),
        0
    );
}
