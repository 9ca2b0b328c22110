//! Drafts to posts: approval, scheduling, exactly-once publishing, chains,
//! quota, lateness.

mod common;

use chrono::TimeDelta;
use common::Harness;
use content_pipeline::config::{ApprovalMode, LateAction};
use content_pipeline::{Actor, Error, GenerateRequest, NewDraft, PipelineConfig, Role, When};
use store_traits::{AuditQuery, DecisionKind, DraftState, PublishState, QuotaKind, QuotaLimits};

fn editor() -> Actor {
    Actor::person("ed", Role::Editor)
}

#[tokio::test]
async fn an_approved_post_is_published_once_with_its_ids_recorded() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account;
    let text = "Weigh your flour. Cups lie, scales do not.";
    let drafted = h
        .pipeline
        .create_draft(NewDraft::post(account.id, text), &editor())
        .await
        .unwrap();
    assert_eq!(
        drafted.draft.state,
        DraftState::PendingApproval,
        "manual by default"
    );
    assert!(drafted.followers.is_empty());
    // Not approved: scheduling is refused.
    let early = h
        .pipeline
        .schedule(drafted.draft.id, When::Now, &editor())
        .await;
    assert!(matches!(early, Err(Error::DraftState { .. })), "{early:?}");

    let approved = h
        .pipeline
        .approve(drafted.draft.id, &editor())
        .await
        .unwrap();
    assert_eq!(approved.state, DraftState::Approved);
    assert!(
        approved
            .decisions
            .iter()
            .any(|d| d.kind == DecisionKind::Approved && d.actor == "user:ed")
    );
    let scheduled = h
        .pipeline
        .schedule(drafted.draft.id, When::Now, &editor())
        .await
        .unwrap();
    assert_eq!(scheduled.state, DraftState::Scheduled);

    let report = h.drain().await;
    assert_eq!(report.errors, 0, "{report:?}");
    let draft = h.pipeline.draft(drafted.draft.id).await.unwrap();
    assert_eq!(draft.state, DraftState::Published);
    let media = draft.provider.media_id.clone().expect("post id");
    assert!(draft.provider.container_id.is_some());
    assert!(
        draft
            .provider
            .permalink
            .as_deref()
            .unwrap_or("")
            .contains("/post/")
    );
    assert!(draft.published_at.is_some());
    assert_eq!(draft.attempts, 1);

    // The ledger is the source of truth and agrees.
    let entry = h.store.get_publish_entry(draft.id).await.unwrap().unwrap();
    assert_eq!(entry.state, PublishState::Published);
    assert_eq!(entry.media_id.as_deref(), Some(media.as_str()));
    assert_eq!(
        h.store
            .find_publish_entry_by_media(&media)
            .await
            .unwrap()
            .map(|e| e.draft_id),
        Some(draft.id)
    );
    // Exactly one publish call reached the network.
    assert_eq!(h.publishes_of(text), 1);
    assert_eq!(h.publishes()[0].result_id.as_deref(), Some(media.as_str()));
    // The quota unit is committed.
    let usage = h.store.usage(account.id, QuotaKind::Posts).await.unwrap();
    assert_eq!((usage.committed, usage.reserved), (1, 0));
    // The publish is audited.
    let audit = h.store.list_audit(&AuditQuery::default()).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "draft.published" && e.details.get("post_id") == Some(&media))
    );
    // Running again publishes nothing more.
    h.advance(TimeDelta::hours(1));
    h.drain().await;
    assert_eq!(h.publishes_of(text), 1);
}

#[tokio::test]
async fn a_post_waits_for_its_time() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account;
    let d = h
        .pipeline
        .create_draft(NewDraft::post(account.id, "Later today: rye."), &editor())
        .await
        .unwrap();
    h.pipeline.approve(d.draft.id, &editor()).await.unwrap();
    let at = store_traits::Clock::now(h.clock.as_ref()) + TimeDelta::hours(2);
    h.pipeline
        .schedule(d.draft.id, When::At { at }, &editor())
        .await
        .unwrap();
    h.drain().await;
    assert_eq!(h.publishes().len(), 0);
    h.advance(TimeDelta::hours(2));
    h.drain().await;
    assert_eq!(
        h.pipeline.draft(d.draft.id).await.unwrap().state,
        DraftState::Published
    );
    assert_eq!(h.publishes_of("Later today: rye."), 1);
    assert!(h.publishes()[0].at >= at.timestamp());
}

#[tokio::test]
async fn rescheduling_moves_the_job() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account;
    let d = h
        .pipeline
        .create_draft(NewDraft::post(account.id, "Moved twice."), &editor())
        .await
        .unwrap();
    h.pipeline.approve(d.draft.id, &editor()).await.unwrap();
    let now = store_traits::Clock::now(h.clock.as_ref());
    h.pipeline
        .schedule(
            d.draft.id,
            When::At {
                at: now + TimeDelta::hours(1),
            },
            &editor(),
        )
        .await
        .unwrap();
    h.pipeline
        .schedule(
            d.draft.id,
            When::At {
                at: now + TimeDelta::hours(3),
            },
            &editor(),
        )
        .await
        .unwrap();
    h.advance(TimeDelta::hours(1));
    h.drain().await;
    assert!(h.publishes().is_empty(), "not at the old time");
    h.advance(TimeDelta::hours(2));
    h.drain().await;
    assert_eq!(h.publishes_of("Moved twice."), 1);
}

#[tokio::test]
async fn a_long_text_becomes_a_chain_published_in_order_once() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account;
    let sentences: Vec<String> = (1..=14)
        .map(|i| format!("Step {i} of the bake takes patience and a warm kitchen, so plan for it."))
        .collect();
    let text = sentences.join(" ");
    assert!(threads_api::text::threads_text_len(&text) > 500);
    let drafted = h
        .pipeline
        .create_draft(NewDraft::post(account.id, text.clone()), &editor())
        .await
        .unwrap();
    assert!(
        !drafted.followers.is_empty(),
        "split into a chain: {:?}",
        drafted.draft.quality
    );
    let parts: Vec<String> = drafted.all().map(|d| d.text.clone()).collect();
    for p in &parts {
        assert!(
            threads_api::text::threads_text_len(p) <= 500,
            "every part fits: {p}"
        );
    }
    assert_eq!(
        parts.join(" ").split_whitespace().count(),
        text.split_whitespace().count()
    );
    let quality = drafted.draft.quality.clone().unwrap();
    assert!(quality.findings[0].contains("reply chain"));

    h.pipeline
        .approve(drafted.draft.id, &editor())
        .await
        .unwrap();
    for f in &drafted.followers {
        assert_eq!(
            h.pipeline.draft(f.id).await.unwrap().state,
            DraftState::Approved
        );
    }
    h.pipeline
        .schedule(drafted.draft.id, When::Now, &editor())
        .await
        .unwrap();
    h.drain().await;

    let mut previous: Option<String> = None;
    for d in drafted.all() {
        let d = h.pipeline.draft(d.id).await.unwrap();
        assert_eq!(d.state, DraftState::Published, "part {}", d.text);
        assert_eq!(h.publishes_of(&d.text), 1);
        let entry = h
            .publishes()
            .into_iter()
            .find(|e| e.text.as_deref() == Some(d.text.as_str()))
            .unwrap();
        assert_eq!(entry.reply_to, previous, "each part answers the one before");
        previous = d.provider.media_id.clone();
    }
}

#[tokio::test]
async fn generated_drafts_are_ranked_and_auto_approved_when_clean() {
    let mut config = PipelineConfig::default();
    config.approval.posts = ApprovalMode::Automatic;
    let h = Harness::with_config(config).await;
    let account = h.connect("ana").await.account;
    let drafted = h
        .pipeline
        .generate_draft(
            GenerateRequest::remix(
                account.id,
                "Autolyse means resting flour and water before adding salt and starter. \
                 The rest lets gluten form on its own, so you knead less. \
                 Twenty to sixty minutes is enough for most doughs.",
            ),
            &editor(),
        )
        .await
        .unwrap();
    assert_eq!(drafted.candidates.len(), 3);
    let scores: Vec<f64> = drafted
        .candidates
        .iter()
        .map(|c| c.voice_score.unwrap())
        .collect();
    let clean: Vec<bool> = drafted
        .candidates
        .iter()
        .map(|c| c.findings.is_empty())
        .collect();
    for i in 1..scores.len() {
        assert!(
            (clean[i - 1] && !clean[i]) || (clean[i - 1] == clean[i] && scores[i - 1] >= scores[i]),
            "ranked: {scores:?} {clean:?}"
        );
    }
    let quality = drafted.draft.quality.clone().unwrap();
    if quality.needs_review {
        assert_eq!(drafted.draft.state, DraftState::PendingApproval);
    } else {
        assert_eq!(drafted.draft.state, DraftState::Approved, "automatic mode");
        assert_eq!(drafted.draft.decisions[0].actor, "system");
    }
}

#[tokio::test]
async fn rejected_and_edited_drafts_keep_their_history() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account;
    let d = h
        .pipeline
        .create_draft(NewDraft::post(account.id, "First words."), &editor())
        .await
        .unwrap();
    h.pipeline.approve(d.draft.id, &editor()).await.unwrap();
    let edited = h
        .pipeline
        .edit(
            d.draft.id,
            &Actor::person("rev", Role::Editor),
            "Better words.",
        )
        .await
        .unwrap();
    assert_eq!(edited.text, "Better words.");
    assert_eq!(edited.history[0].previous_text, "First words.");
    assert_eq!(edited.history[0].editor.as_deref(), Some("user:rev"));
    assert_eq!(
        edited.state,
        DraftState::PendingApproval,
        "an edit needs a new approval"
    );
    let too_long = h
        .pipeline
        .edit(d.draft.id, &editor(), &"x".repeat(501))
        .await;
    assert!(
        matches!(too_long, Err(Error::TextRejected { .. })),
        "{too_long:?}"
    );
    assert!(matches!(
        h.pipeline.reject(d.draft.id, &editor(), "  ").await,
        Err(Error::InvalidInput(_))
    ));
    let rejected = h
        .pipeline
        .reject(d.draft.id, &editor(), "off-brand")
        .await
        .unwrap();
    assert_eq!(rejected.state, DraftState::Rejected);
    let last = rejected.decisions.last().unwrap();
    assert_eq!(
        (last.kind, last.reason.as_deref()),
        (DecisionKind::Rejected, Some("off-brand"))
    );
    // A rejected draft cannot be scheduled, and the store refuses a jump to Published.
    assert!(
        h.pipeline
            .schedule(d.draft.id, When::Now, &editor())
            .await
            .is_err()
    );
    let mut forced = rejected.clone();
    forced.state = DraftState::Published;
    let refused = h.store.update_draft(&forced, None).await;
    assert!(
        matches!(refused, Err(store_traits::Error::InvalidTransition { .. })),
        "{refused:?}"
    );
}

#[tokio::test]
async fn over_quota_posts_move_to_when_quota_frees_never_fail() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account;
    let mut limits = QuotaLimits::threads();
    limits.posts = 2;
    h.store.set_quota_limits(account.id, &limits).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..3 {
        let d = h
            .pipeline
            .create_draft(
                NewDraft::post(account.id, format!("Quota test {i}.")),
                &editor(),
            )
            .await
            .unwrap();
        h.pipeline.approve(d.draft.id, &editor()).await.unwrap();
        h.pipeline
            .schedule(d.draft.id, When::Now, &editor())
            .await
            .unwrap();
        ids.push(d.draft.id);
    }
    let first_at = store_traits::Clock::now(h.clock.as_ref());
    h.drain().await;
    let states: Vec<DraftState> = futures_states(&h, &ids).await;
    assert_eq!(
        states
            .iter()
            .filter(|s| **s == DraftState::Published)
            .count(),
        2
    );
    let waiting = ids[states
        .iter()
        .position(|s| *s != DraftState::Published)
        .unwrap()];
    // The third post moves to when a unit frees up (first when the other
    // reservations would lapse, then when the committed ones leave the
    // 24-hour window), and is never failed.
    for _ in 0..5 {
        let w = h.pipeline.draft(waiting).await.unwrap();
        if w.state == DraftState::Published {
            break;
        }
        assert_eq!(w.state, DraftState::Scheduled, "deferred, not failed");
        let until = w.scheduled_at.unwrap();
        assert!(until > store_traits::Clock::now(h.clock.as_ref()));
        assert!(w.last_error.as_deref().unwrap_or("").contains("quota"));
        h.advance(until - store_traits::Clock::now(h.clock.as_ref()));
        h.drain().await;
    }
    assert_eq!(
        h.pipeline.draft(waiting).await.unwrap().state,
        DraftState::Published
    );
    let third = h.publishes().into_iter().map(|e| e.at).max().unwrap();
    assert!(
        third >= (first_at + TimeDelta::hours(24)).timestamp(),
        "only after the window"
    );
    assert_eq!(h.publishes().len(), 3);
}

async fn futures_states(h: &Harness, ids: &[store_traits::DraftId]) -> Vec<DraftState> {
    let mut out = Vec::new();
    for id in ids {
        out.push(h.pipeline.draft(*id).await.expect("test fixture").state);
    }
    out
}

/// All workers down for two simulated hours: on restart every overdue post is
/// published or marked missed per policy, and nothing stays scheduled in the past.
#[tokio::test]
async fn downtime_ends_with_nothing_scheduled_in_the_past() {
    for action in [LateAction::PublishNow, LateAction::MarkMissed] {
        let mut config = PipelineConfig::default();
        config.lateness.action = action;
        config.lateness.grace = TimeDelta::minutes(15);
        let h = Harness::with_config(config).await;
        let account = h.connect("ana").await.account;
        let now = store_traits::Clock::now(h.clock.as_ref());
        let mut ids = Vec::new();
        for i in 0..12 {
            let d = h
                .pipeline
                .create_draft(
                    NewDraft::post(account.id, format!("Overdue {i}.")),
                    &editor(),
                )
                .await
                .unwrap();
            h.pipeline.approve(d.draft.id, &editor()).await.unwrap();
            let at = now + TimeDelta::minutes(10 * i);
            h.pipeline
                .schedule(d.draft.id, When::At { at }, &editor())
                .await
                .unwrap();
            ids.push((d.draft.id, at));
        }
        // No worker runs for two hours.
        h.advance(TimeDelta::hours(2));
        let restart = store_traits::Clock::now(h.clock.as_ref());
        h.drain().await;
        for (id, at) in ids {
            let d = h.pipeline.draft(id).await.unwrap();
            let late = restart - at > TimeDelta::minutes(15);
            let expected = match (late, action) {
                (true, LateAction::MarkMissed) => DraftState::Missed,
                _ => DraftState::Published,
            };
            assert_eq!(d.state, expected, "{action:?}, due {at}");
        }
        let past = h
            .store
            .list_drafts(&store_traits::DraftFilter {
                states: vec![DraftState::Scheduled],
                scheduled_before: Some(store_traits::Clock::now(h.clock.as_ref())),
                ..store_traits::DraftFilter::default()
            })
            .await
            .unwrap();
        assert!(past.is_empty(), "{action:?}: {past:?}");
    }
}

#[tokio::test]
async fn next_slot_follows_the_persona_windows_in_its_zone() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account;
    // Weekdays 09:00–10:00 in Sydney.
    let (_, mut doc) = {
        let records = h.store.list_personas(account.id).await.unwrap();
        let doc: content_pipeline::PersonaDocument =
            serde_json::from_value(records[0].document.clone()).unwrap();
        ((), doc)
    };
    doc.persona.time_zone = chrono_tz::Australia::Sydney;
    doc.persona.posting_windows = vec![persona_core::PostingWindow {
        days: vec![],
        start: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        end: chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
    }];
    let mut record = h.store.list_personas(account.id).await.unwrap().remove(0);
    record.document = serde_json::to_value(&doc).unwrap();
    h.store.put_persona(&record).await.unwrap();
    let mut slots = Vec::new();
    for i in 0..3 {
        let d = h
            .pipeline
            .create_draft(NewDraft::post(account.id, format!("Slot {i}.")), &editor())
            .await
            .unwrap();
        h.pipeline.approve(d.draft.id, &editor()).await.unwrap();
        let s = h
            .pipeline
            .schedule(d.draft.id, When::NextSlot, &editor())
            .await
            .unwrap();
        slots.push(s.scheduled_at.unwrap());
    }
    let local: Vec<String> = slots
        .iter()
        .map(|s| {
            s.with_timezone(&chrono_tz::Australia::Sydney)
                .format("%d %H:%M")
                .to_string()
        })
        .collect();
    // Start: 2026-03-02 09:00 UTC = 20:00 in Sydney (AEDT); the next windows are
    // on the 3rd at 09:00 and 09:30, then the 4th at 09:00.
    assert_eq!(local, vec!["03 09:00", "03 09:30", "04 09:00"]);
}

#[tokio::test]
async fn next_slot_keeps_its_distance_from_a_post_just_published() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account;
    // Every day 09:00–12:00 UTC; the clock starts at 09:00.
    let mut record = h.store.list_personas(account.id).await.unwrap().remove(0);
    let mut doc: content_pipeline::PersonaDocument =
        serde_json::from_value(record.document.clone()).unwrap();
    doc.persona.time_zone = chrono_tz::UTC;
    doc.persona.posting_windows = vec![persona_core::PostingWindow {
        days: vec![],
        start: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        end: chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
    }];
    record.document = serde_json::to_value(&doc).unwrap();
    h.store.put_persona(&record).await.unwrap();

    // Published at 09:20, between two slots (09:00, 09:30).
    h.advance(TimeDelta::minutes(20));
    let first = h
        .pipeline
        .create_draft(
            NewDraft::post(account.id, "Out right now.".to_owned()),
            &editor(),
        )
        .await
        .unwrap();
    h.pipeline.approve(first.draft.id, &editor()).await.unwrap();
    h.pipeline
        .schedule(first.draft.id, When::Now, &editor())
        .await
        .unwrap();
    h.drain().await;
    let published = h.pipeline.draft(first.draft.id).await.unwrap();
    assert_eq!(published.state, DraftState::Published);
    let published_at = published.published_at.expect("published_at");

    h.advance(TimeDelta::minutes(5));
    let next = h
        .pipeline
        .create_draft(
            NewDraft::post(account.id, "Next one.".to_owned()),
            &editor(),
        )
        .await
        .unwrap();
    h.pipeline.approve(next.draft.id, &editor()).await.unwrap();
    let slot = h
        .pipeline
        .schedule(next.draft.id, When::NextSlot, &editor())
        .await
        .unwrap()
        .scheduled_at
        .unwrap();
    let gap = h.config.slots.min_gap;
    assert!(
        (slot - published_at).abs() >= gap,
        "slot {slot} is within {gap} of the post published at {published_at}"
    );
}
