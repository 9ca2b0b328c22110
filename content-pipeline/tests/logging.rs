//! Secrets never reach the logs: a whole run (connect, draft, approve,
//! publish, refresh, export, Meta's callbacks) with every crate logging at
//! TRACE into a buffer, which must then hold no access token, no OAuth code,
//! no app secret and no key material.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use chrono::TimeDelta;
use common::Harness;
use content_pipeline::{
    Actor, ConnectRequest, GenerateRequest, Pipeline, Role, When, Worker, WorkerConfig,
};
use secrecy::{ExposeSecret, SecretString};
use store_traits::{Clock, DraftState};
use threads_emulator::{PostAs, UserSpec};
use token_crypto::{KeyId, KeyMaterial, Keyring};

/// Everything every subscriber event writes, in one buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("capture")).into_owned()
    }
}

/// The access token stored for the account now.
async fn stored_token(h: &Harness, keyring: &Keyring, account: store_traits::AccountId) -> String {
    h.store
        .get_token(account)
        .await
        .expect("test step")
        .expect("token")
        .open(keyring)
        .expect("opens")
        .expose_secret()
        .to_owned()
}

#[tokio::test]
async fn a_full_run_at_trace_logs_no_secret() {
    let capture = Capture::default();
    let sink = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .try_init()
        .expect("the only subscriber of this test binary");

    let h = Harness::new().await;
    // A pipeline whose keys this test knows, so it can look for them.
    let sealing_key = KeyMaterial::generate().expect("test step");
    let sealing_b64 = sealing_key.to_base64().expose_secret().to_owned();
    let state_key = KeyMaterial::generate().expect("test step");
    let state_b64 = state_key.to_base64().expose_secret().to_owned();
    let keyring = Arc::new(Keyring::new(
        KeyId::new("log-test").expect("test step"),
        sealing_key,
    ));
    let app_secret = h.app.secret.expose_secret().to_owned();
    let pipeline = Pipeline::builder()
        .store(h.store.clone())
        .llm(Arc::new(persona_core::OfflineProvider::new()))
        .network(h.threads.clone())
        .keyring(keyring.clone())
        .oauth_state_key(state_key)
        .manual_clock(h.clock.clone())
        .meta_app_secrets([SecretString::from(app_secret.clone())])
        .deletion_status_url("https://app.example/deletion")
        .build()
        .expect("test step");

    // Connect through OAuth, keeping the code the dialog handed out.
    let admin = h.emu.admin();
    let user = admin
        .create_user(UserSpec {
            username: "quiet_baker".into(),
            ..UserSpec::default()
        })
        .expect("test step");
    admin
        .post_as(PostAs {
            author: user.id.clone(),
            text: Some("proofing overnight in the fridge".into()),
            ..PostAs::default()
        })
        .expect("test step");
    admin.set_authorizer(&user.id).expect("test step");
    let owner = Actor::person("olga", Role::Owner);
    let start = pipeline
        .start_connect(ConnectRequest::new("log-session").by(&owner))
        .await
        .expect("test step");
    let callback = h.consent(&start.authorize_url).await;
    let code = url::Url::parse(&callback)
        .expect("test step")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("the callback carries a code");
    let connected = pipeline
        .finish_connect(&callback, "log-session")
        .await
        .expect("test step");
    let account = connected.account.id;
    let first_token = stored_token(&h, &keyring, account).await;

    // Draft, approve, publish.
    let editor = Actor::person("ed", Role::Editor);
    let drafted = pipeline
        .generate_draft(GenerateRequest::topic(account, "sourdough"), &editor)
        .await
        .expect("test step");
    pipeline
        .approve(drafted.draft.id, &editor)
        .await
        .expect("test step");
    pipeline
        .schedule(drafted.draft.id, When::Now, &editor)
        .await
        .expect("test step");
    let worker = Worker::new(pipeline.clone(), WorkerConfig::named("log-worker"));
    worker.drain().await.expect("test step");
    assert_eq!(
        pipeline
            .draft(drafted.draft.id)
            .await
            .expect("test step")
            .state,
        DraftState::Published
    );

    // Refresh: inside the refresh window the queued job renews the token.
    h.advance(TimeDelta::days(51));
    worker.drain().await.expect("test step");
    let second_token = stored_token(&h, &keyring, account).await;
    assert_ne!(first_token, second_token, "the token was refreshed");

    // Export, then Meta's callbacks.
    pipeline
        .export_account(account, &owner)
        .await
        .expect("test step");
    let signed = token_crypto::signed_request::sign_signed_request(
        &SecretString::from(app_secret.clone()),
        &serde_json::json!({
            "algorithm": "HMAC-SHA256",
            "user_id": user.id,
            "issued_at": h.clock.now().timestamp(),
        }),
    );
    pipeline
        .handle_deauthorize(&signed)
        .await
        .expect("test step");
    pipeline
        .handle_data_deletion(&signed)
        .await
        .expect("test step");

    let logs = capture.text();
    // The capture saw the run, at every level down to TRACE.
    assert!(logs.contains("account connected"), "{logs}");
    assert!(logs.contains("TRACE"), "nothing at TRACE was captured");
    assert!(logs.lines().count() > 100, "{} lines", logs.lines().count());
    for (what, secret) in [
        ("the first access token", first_token.as_str()),
        ("the refreshed access token", second_token.as_str()),
        ("the OAuth code", code.as_str()),
        ("the app secret", app_secret.as_str()),
        ("the sealing key", sealing_b64.as_str()),
        ("the OAuth state key", state_b64.as_str()),
    ] {
        assert!(secret.len() >= 16, "{what} is a real value");
        if let Some(at) = logs.find(secret) {
            let from = logs[..at].rfind('\n').map_or(0, |i| i + 1);
            let to = logs[at..].find('\n').map_or(logs.len(), |i| at + i);
            panic!(
                "{what} is in the logs: {}",
                &logs[from..to].replace(secret, "<SECRET>")
            );
        }
    }
}
