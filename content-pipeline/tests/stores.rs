//! The pipeline's whole path on every store: memory, SQLite and PostgreSQL.
//! Connect, a refused replay, drafts with approval and edit history, a chain,
//! a publish whose answer is lost, a quota deferral, a scheduled post, a
//! disconnect. The emulator and the store share one manual clock.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use common::{Harness, postgres_database, start};
use content_pipeline::{Actor, ConnectRequest, Error, NewDraft, PipelineConfig, Role, When};
use store_traits::{AccountStatus, Clock, DraftState, DynStore, ManualClock, QuotaLimits};
use threads_emulator::{Endpoint, FaultAction, FaultRule};

async fn scenario(h: &Harness) {
    let editor = Actor::person("ed", Role::Editor);
    let account = h.connect("everywhere").await.account;
    assert_eq!(
        h.store
            .find_accounts_by_username("everywhere")
            .await
            .expect("scenario step")
            .len(),
        1
    );

    // A replayed callback is refused.
    let user = h
        .emu
        .admin()
        .create_user(threads_emulator::UserSpec {
            username: "twice".into(),
            ..Default::default()
        })
        .expect("scenario step");
    h.emu
        .admin()
        .set_authorizer(&user.id)
        .expect("scenario step");
    let start = h
        .pipeline
        .start_connect(ConnectRequest::new("replay"))
        .await
        .expect("scenario step");
    let callback = h.consent(&start.authorize_url).await;
    h.pipeline
        .finish_connect(&callback, "replay")
        .await
        .expect("scenario step");
    assert!(matches!(
        h.pipeline.finish_connect(&callback, "replay").await,
        Err(Error::OAuthState(_))
    ));

    // A post whose publish answer is lost: reconciled, published once.
    h.emu
        .admin()
        .add_fault(FaultRule::always(Endpoint::Publish, FaultAction::CommitThenDrop).times(1));
    let lost = h
        .pipeline
        .create_draft(
            NewDraft::post(account.id, "Lost answer, found post, on every store."),
            &editor,
        )
        .await
        .expect("scenario step");
    h.pipeline
        .edit(
            lost.draft.id,
            &editor,
            "Lost answer, one post, on every store.",
        )
        .await
        .expect("scenario step");
    h.pipeline
        .approve(lost.draft.id, &editor)
        .await
        .expect("scenario step");
    h.pipeline
        .schedule(lost.draft.id, When::Now, &editor)
        .await
        .expect("scenario step");

    // A chain, published in order.
    let long: Vec<String> = (1..=12)
        .map(|i| format!("Part of the story number {i}: the dough rests, the oven waits, we wait."))
        .collect();
    let chain = h
        .pipeline
        .create_draft(NewDraft::post(account.id, long.join(" ")), &editor)
        .await
        .expect("scenario step");
    assert!(!chain.followers.is_empty());
    h.pipeline
        .approve(chain.draft.id, &editor)
        .await
        .expect("scenario step");
    h.pipeline
        .schedule(chain.draft.id, When::Now, &editor)
        .await
        .expect("scenario step");

    // A post for later.
    let later = h
        .pipeline
        .create_draft(
            NewDraft::post(account.id, "Posted an hour later, on time."),
            &editor,
        )
        .await
        .expect("scenario step");
    h.pipeline
        .approve(later.draft.id, &editor)
        .await
        .expect("scenario step");
    let at = h.clock.now() + TimeDelta::hours(1);
    h.pipeline
        .schedule(later.draft.id, When::At { at }, &editor)
        .await
        .expect("scenario step");

    for _ in 0..5 {
        h.drain().await;
        h.advance(TimeDelta::minutes(1));
    }
    let published = h
        .pipeline
        .draft(lost.draft.id)
        .await
        .expect("scenario step");
    assert_eq!(published.state, DraftState::Published);
    assert_eq!(published.history.len(), 1);
    assert_eq!(h.publishes_of("Lost answer, one post, on every store."), 1);
    for d in chain.all() {
        let d = h.pipeline.draft(d.id).await.expect("scenario step");
        assert_eq!(d.state, DraftState::Published);
        assert_eq!(h.publishes_of(&d.text), 1);
        let media = d.provider.media_id.clone().expect("scenario step");
        let owner = h
            .store
            .find_publish_entry_by_media(&media)
            .await
            .expect("scenario step");
        assert_eq!(owner.map(|e| e.draft_id), Some(d.id));
    }
    assert_eq!(
        h.pipeline
            .draft(later.draft.id)
            .await
            .expect("scenario step")
            .state,
        DraftState::Scheduled
    );
    h.advance(TimeDelta::hours(1));
    h.drain().await;
    assert_eq!(
        h.pipeline
            .draft(later.draft.id)
            .await
            .expect("scenario step")
            .state,
        DraftState::Published
    );

    // Quota of the account, not of the caller: with one unit left, a post waits.
    let used = h
        .store
        .usage(account.id, store_traits::QuotaKind::Posts)
        .await
        .expect("scenario step")
        .in_use();
    let mut limits = QuotaLimits::threads();
    limits.posts = used + 1;
    h.store
        .set_quota_limits(account.id, &limits)
        .await
        .expect("scenario step");
    let mut ids = Vec::new();
    for i in 0..2 {
        let d = h
            .pipeline
            .create_draft(
                NewDraft::post(account.id, format!("Quota on every store, post {i}.")),
                &editor,
            )
            .await
            .expect("scenario step");
        h.pipeline
            .approve(d.draft.id, &editor)
            .await
            .expect("scenario step");
        h.pipeline
            .schedule(d.draft.id, When::Now, &editor)
            .await
            .expect("scenario step");
        ids.push(d.draft.id);
    }
    h.drain().await;
    let mut states = Vec::new();
    for id in &ids {
        states.push(h.pipeline.draft(*id).await.expect("scenario step").state);
    }
    states.sort();
    assert_eq!(states, vec![DraftState::Scheduled, DraftState::Published]);

    // Disconnect: token gone at once, the waiting post never goes out.
    h.pipeline
        .disconnect(account.id, &Actor::person("owner", Role::Owner))
        .await
        .expect("scenario step");
    assert!(
        h.store
            .get_token(account.id)
            .await
            .expect("scenario step")
            .is_none()
    );
    assert_eq!(
        h.store
            .get_account(account.id)
            .await
            .expect("scenario step")
            .expect("scenario step")
            .status,
        AccountStatus::Disconnected
    );
    h.advance(TimeDelta::days(2));
    h.drain().await;
    let live = h.publishes().len();
    assert_eq!(live, 1 + chain.followers.len() + 1 + 1 + 1);
}

#[tokio::test]
async fn on_the_memory_store() {
    let h = Harness::new().await;
    scenario(&h).await;
}

#[tokio::test]
async fn on_sqlite() {
    let clock = Arc::new(ManualClock::new(start()));
    let path = std::env::temp_dir().join(format!(
        "pipeline-stores-{}.db",
        uuid::Uuid::now_v7().simple()
    ));
    let store: Arc<DynStore> = Arc::new(
        store_sqlite::SqliteStore::open(&path, clock.clone())
            .await
            .unwrap(),
    );
    let h = Harness::build(
        clock,
        store,
        PipelineConfig::default(),
        Duration::from_secs(5),
    )
    .await;
    scenario(&h).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test]
async fn on_postgres() {
    let Some(db) = postgres_database("stores").await else {
        return;
    };
    let clock = Arc::new(ManualClock::new(start()));
    let options = store_postgres::PgStoreOptions::new(db.url()).unwrap();
    let store: Arc<DynStore> = Arc::new(
        store_postgres::PgStore::connect(&options, clock.clone())
            .await
            .unwrap(),
    );
    let h = Harness::build(
        clock,
        store,
        PipelineConfig::default(),
        Duration::from_secs(5),
    )
    .await;
    scenario(&h).await;
    drop(h);
    db.drop_database().await;
}
