//! Connecting accounts: OAuth with a signed single-use state, sealed tokens,
//! persona bootstrap, refusals, disconnect.

mod common;

use chrono::TimeDelta;
use common::Harness;
use content_pipeline::{Actor, ConnectRequest, Error, NewDraft, Role, When};
use secrecy::ExposeSecret;
use store_traits::{
    AccountStatus, AuditQuery, DraftState, JobFilter, JobState, TokenKind, TokenRecord,
};

#[tokio::test]
async fn connecting_seals_the_token_bootstraps_the_persona_and_schedules_the_refresh() {
    let h = Harness::new().await;
    let connected = h.connect("ana_bakes").await;
    let account = &connected.account;
    assert_eq!(account.username, "ana_bakes");
    assert_eq!(account.status, AccountStatus::Active);
    assert!(!connected.reconnected);
    assert_eq!(connected.return_to.as_deref(), Some("/home"));
    assert!(
        connected.missing_scopes.is_empty(),
        "{:?}",
        connected.missing_scopes
    );
    assert_eq!(connected.posts_synced, 4);
    assert!(
        account
            .granted_scopes
            .iter()
            .any(|s| s == "threads_content_publish"),
        "granted scopes recorded: {:?}",
        account.granted_scopes
    );

    // The token is stored sealed, opens only for this account, and is long-lived.
    let record = h.store.get_token(account.id).await.unwrap().expect("token");
    assert_eq!(record.metadata.kind, TokenKind::LongLived);
    assert_eq!(record.metadata.expires_at, connected.token_expires_at);
    assert!(connected.token_expires_at - h.clock_now() > TimeDelta::days(59));
    let token = record.open(&h.keyring).expect("opens");
    assert!(token.expose_secret().starts_with("TH"));
    let serialized = serde_json::to_string(&record).unwrap();
    assert!(
        !serialized.contains(token.expose_secret()),
        "stored sealed, never plain"
    );
    let mut elsewhere = record.clone();
    elsewhere.metadata.account_id = store_traits::AccountId::new();
    assert!(elsewhere.open(&h.keyring).is_err(), "bound to its account");
    let ctx = TokenRecord::context(account.id).unwrap();
    assert_eq!(ctx.account_id(), account.id.to_string());

    // The persona was learned from the four past posts.
    let personas = h.store.list_personas(account.id).await.unwrap();
    assert_eq!(personas.len(), 1);
    assert_eq!(Some(personas[0].id), connected.persona_id);
    let doc: content_pipeline::PersonaDocument =
        serde_json::from_value(personas[0].document.clone()).unwrap();
    assert!(doc.style.is_some() && !doc.examples.is_empty());

    // One refresh job, at expiry minus the refresh window, and the recurring
    // insights snapshot job.
    let jobs = h
        .store
        .list_jobs(&JobFilter {
            account_id: Some(account.id),
            ..JobFilter::default()
        })
        .await
        .unwrap();
    let kinds: Vec<&str> = jobs.iter().map(|j| j.kind.as_str()).collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert!(kinds.contains(&"snapshot"), "{kinds:?}");
    let refresh = jobs.iter().find(|j| j.kind == "refresh_token").unwrap();
    assert_eq!(
        refresh.run_at,
        connected.token_expires_at - h.pipeline.config().refresh.window
    );

    // Each step is audited, without secrets.
    let audit = h.store.list_audit(&AuditQuery::default()).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "connect.started",
        "account.connected",
        "persona.bootstrapped",
    ] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    let dump = serde_json::to_string(&audit).unwrap();
    assert!(!dump.contains(token.expose_secret()));
}

impl Harness {
    fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        store_traits::Clock::now(self.clock.as_ref())
    }
}

#[tokio::test]
async fn a_replayed_callback_is_refused_before_any_network_call() {
    let h = Harness::new().await;
    let user = h
        .emu
        .admin()
        .create_user(threads_emulator::UserSpec {
            username: "replay".into(),
            ..Default::default()
        })
        .unwrap();
    h.emu.admin().set_authorizer(&user.id).unwrap();
    let start = h
        .pipeline
        .start_connect(ConnectRequest::new("s1"))
        .await
        .unwrap();
    let callback = h.consent(&start.authorize_url).await;
    h.pipeline.finish_connect(&callback, "s1").await.unwrap();
    let calls_before = h.emu.admin().ledger().len();
    let again = h.pipeline.finish_connect(&callback, "s1").await;
    assert!(
        matches!(
            again,
            Err(Error::OAuthState(token_crypto::Error::StateReplayed))
        ),
        "{again:?}"
    );
    assert_eq!(h.emu.admin().ledger().len(), calls_before);
    let accounts = h.store.find_accounts_by_username("replay").await.unwrap();
    assert_eq!(accounts.len(), 1);
}

#[tokio::test]
async fn a_state_from_another_session_or_too_old_is_refused() {
    let h = Harness::new().await;
    let user = h
        .emu
        .admin()
        .create_user(threads_emulator::UserSpec {
            username: "elsewhere".into(),
            ..Default::default()
        })
        .unwrap();
    h.emu.admin().set_authorizer(&user.id).unwrap();

    let start = h
        .pipeline
        .start_connect(ConnectRequest::new("mine"))
        .await
        .unwrap();
    let callback = h.consent(&start.authorize_url).await;
    let foreign = h.pipeline.finish_connect(&callback, "someone-else").await;
    assert!(
        matches!(
            foreign,
            Err(Error::OAuthState(token_crypto::Error::StateSignature))
        ),
        "{foreign:?}"
    );

    let start = h
        .pipeline
        .start_connect(ConnectRequest::new("slow"))
        .await
        .unwrap();
    let callback = h.consent(&start.authorize_url).await;
    h.advance(TimeDelta::minutes(11));
    let late = h.pipeline.finish_connect(&callback, "slow").await;
    assert!(
        matches!(
            late,
            Err(Error::OAuthState(token_crypto::Error::StateExpired))
        ),
        "{late:?}"
    );

    let forged = callback.replace("state=v2.", "state=v2.x");
    assert!(matches!(
        h.pipeline.finish_connect(&forged, "slow").await,
        Err(Error::OAuthState(_))
    ));
    let refused = h
        .store
        .list_audit(&AuditQuery::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "connect.refused")
        .count();
    assert_eq!(refused, 3);
    assert!(
        h.store
            .find_accounts_by_username("elsewhere")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn declined_consent_is_a_typed_error() {
    let h = Harness::new().await;
    let user = h
        .emu
        .admin()
        .create_user(threads_emulator::UserSpec {
            username: "declines".into(),
            ..Default::default()
        })
        .unwrap();
    h.emu.admin().set_authorizer(&user.id).unwrap();
    h.emu.admin().set_deny_authorize(&h.app.id, true).unwrap();
    let start = h
        .pipeline
        .start_connect(ConnectRequest::new("s"))
        .await
        .unwrap();
    let callback = h.consent(&start.authorize_url).await;
    let denied = h.pipeline.finish_connect(&callback, "s").await;
    assert!(
        matches!(&denied, Err(Error::AuthorizationDenied { reason }) if reason.contains("denied")),
        "{denied:?}"
    );
}

#[tokio::test]
async fn reconnecting_keeps_the_persona_and_resumes_parked_work() {
    let h = Harness::new().await;
    let first = h.connect("returns").await;
    let id = first.account.id;
    // The token dies; publishing parks the account.
    let record = h.store.get_token(id).await.unwrap().unwrap();
    let token = record.open(&h.keyring).unwrap();
    assert!(h.emu.admin().expire_token(token.expose_secret()));
    let editor = Actor::person("ed", Role::Editor);
    let drafted = h
        .pipeline
        .create_draft(NewDraft::post(id, "Fresh loaf, fresh start."), &editor)
        .await
        .unwrap();
    h.pipeline.approve(drafted.draft.id, &editor).await.unwrap();
    h.pipeline
        .schedule(drafted.draft.id, When::Now, &editor)
        .await
        .unwrap();
    let mut events = h.pipeline.subscribe();
    let report = h.drain().await;
    assert_eq!(report.parked, 1, "{report:?}");
    let account = h.store.get_account(id).await.unwrap().unwrap();
    assert_eq!(account.status, AccountStatus::NeedsReauth);
    let mut saw = false;
    while let Ok(e) = events.try_recv() {
        saw |= matches!(e, content_pipeline::Event::AccountNeedsReauth { account_id, .. } if account_id == id);
    }
    assert!(saw, "an event tells the host");
    assert_eq!(h.publishes().len(), 0);
    // Nothing retries in a loop while the account waits.
    h.advance(TimeDelta::hours(1));
    assert_eq!(h.drain().await.runs, 0);

    // The owner connects again: same account, same persona, the post goes out.
    let start = h
        .pipeline
        .start_connect(ConnectRequest::new("again"))
        .await
        .unwrap();
    let callback = h.consent(&start.authorize_url).await;
    let second = h.pipeline.finish_connect(&callback, "again").await.unwrap();
    assert!(second.reconnected);
    assert_eq!(second.account.id, id);
    assert_eq!(second.persona_id, first.persona_id);
    h.drain().await;
    let draft = h.pipeline.draft(drafted.draft.id).await.unwrap();
    assert_eq!(draft.state, DraftState::Published);
    assert_eq!(h.publishes_of("Fresh loaf, fresh start."), 1);
}

#[tokio::test]
async fn disconnect_deletes_the_token_and_stops_publishing_at_once() {
    let h = Harness::new().await;
    let connected = h.connect("leaves").await;
    let id = connected.account.id;
    let editor = Actor::person("ed", Role::Editor);
    let mut scheduled = Vec::new();
    for i in 0..3 {
        let d = h
            .pipeline
            .create_draft(
                NewDraft::post(id, format!("Post number {i}, coming soon.")),
                &editor,
            )
            .await
            .unwrap();
        h.pipeline.approve(d.draft.id, &editor).await.unwrap();
        h.pipeline
            .schedule(
                d.draft.id,
                When::At {
                    at: h.clock_now() + TimeDelta::hours(1 + i),
                },
                &editor,
            )
            .await
            .unwrap();
        scheduled.push(d.draft.id);
    }
    // One job is claimed by a worker (it will find no token when it runs).
    h.advance(TimeDelta::hours(1));
    let claimed = h
        .store
        .claim(
            content_pipeline::queues::PUBLISH,
            "w",
            1,
            TimeDelta::minutes(5),
        )
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);

    h.pipeline
        .disconnect(id, &Actor::person("owner", Role::Owner))
        .await
        .unwrap();
    assert!(
        h.store.get_token(id).await.unwrap().is_none(),
        "token deleted"
    );
    let account = h.store.get_account(id).await.unwrap().unwrap();
    assert_eq!(account.status, AccountStatus::Disconnected);
    let queued = h
        .store
        .list_jobs(&JobFilter {
            account_id: Some(id),
            states: vec![JobState::Queued],
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert!(queued.is_empty(), "queued jobs cancelled: {queued:?}");
    // The claimed job runs and publishes nothing.
    let outcome = h
        .pipeline
        .process(&claimed[0], TimeDelta::minutes(5))
        .await
        .unwrap();
    assert!(
        matches!(
            outcome,
            content_pipeline::JobOutcome::Parked { .. } | content_pipeline::JobOutcome::Done
        ),
        "{outcome:?}"
    );
    h.advance(TimeDelta::hours(5));
    h.drain().await;
    assert!(h.publishes().is_empty());
    for d in scheduled {
        let draft = h.pipeline.draft(d).await.unwrap();
        assert_ne!(draft.state, DraftState::Published);
    }
    let audit = h
        .store
        .list_audit(&AuditQuery {
            account_id: Some(id),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "account.disconnected" && e.actor == "user:owner")
    );
}

#[tokio::test]
async fn publishing_limits_are_read_without_the_optional_scopes() {
    use content_pipeline::network::{AccountAuth, Publisher};
    use threads_emulator::{TokenSpec, UserSpec};

    let h = Harness::new().await;
    let admin = h.emu.admin();
    let user = admin
        .create_user(UserSpec {
            username: "no_delete_scope".into(),
            ..UserSpec::default()
        })
        .expect("user");
    let scoped = |scopes: &[&str]| {
        let minted = admin
            .mint_token(TokenSpec {
                app_id: h.app.id.clone(),
                user_id: user.id.clone(),
                scopes: Some(scopes.iter().map(|s| (*s).to_owned()).collect()),
                long_lived: true,
                issued_at: None,
            })
            .expect("token");
        AccountAuth::new(
            user.id.clone(),
            std::sync::Arc::new(minted.access_token.clone()),
        )
    };

    // Without `threads_delete`: the post and reply quotas are still read.
    let limits = h
        .threads
        .publishing_limits(&scoped(&[
            "threads_basic",
            "threads_content_publish",
            "threads_manage_replies",
        ]))
        .await
        .expect("limits without threads_delete");
    assert_eq!(limits.posts, Some(250));
    assert_eq!(limits.replies, Some(1000));
    assert_eq!(limits.deletes, None);

    // Only the publishing scope: the post quota alone.
    let limits = h
        .threads
        .publishing_limits(&scoped(&["threads_basic", "threads_content_publish"]))
        .await
        .expect("limits with the publishing scope only");
    assert_eq!(
        (limits.posts, limits.replies, limits.deletes),
        (Some(250), None, None)
    );

    // Every scope: all three.
    let limits = h
        .threads
        .publishing_limits(&scoped(&[
            "threads_basic",
            "threads_content_publish",
            "threads_manage_replies",
            "threads_delete",
        ]))
        .await
        .expect("limits");
    assert_eq!(limits.deletes, Some(100));
}
