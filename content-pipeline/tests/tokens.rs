//! Token lifecycle on a manual clock: many accounts over a simulated year.
//! No refreshable token ever expires, no refresh happens before the token is
//! 24 hours old, and never two refreshes of one account at once.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use common::{Harness, REDIRECT};
use content_pipeline::{
    AccountAuth, Callback, ConnectRequest, Connector, IssuedToken, NetworkError, PastPostData,
    Pipeline, Profile, ThreadsPublisher, TokenFacts, Worker, WorkerConfig,
};
use secrecy::{ExposeSecret, SecretString};
use store_traits::{AuditQuery, Clock, ManualClock};
use threads_api::{AppCredentials, AppSecret, ThreadsClient};

/// Wraps the Threads connector and watches every refresh.
#[derive(Debug)]
struct Watch {
    inner: ThreadsPublisher,
    clock: Arc<ManualClock>,
    state: Mutex<WatchState>,
}

#[derive(Debug, Default)]
struct WatchState {
    /// Short-lived token → its user.
    short: HashMap<String, String>,
    /// Long-lived token (by value) → its user and when the network issued it.
    issued: HashMap<String, (String, DateTime<Utc>)>,
    /// Refreshes running per user.
    in_flight: HashMap<String, u32>,
    max_in_flight: u32,
    refreshes: u64,
    youngest_refreshed: Option<TimeDelta>,
}

#[async_trait]
impl Connector for Watch {
    fn default_scopes(&self) -> Vec<String> {
        self.inner.default_scopes()
    }
    fn authorize_url(&self, scopes: &[String], state: &str) -> Result<String, NetworkError> {
        self.inner.authorize_url(scopes, state)
    }
    fn parse_callback(&self, url: &str) -> Result<Callback, NetworkError> {
        self.inner.parse_callback(url)
    }
    async fn exchange_code(
        &self,
        code: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken, NetworkError> {
        let t = self.inner.exchange_code(code, now).await?;
        let user = t.user_id.clone().expect("the exchange names the user");
        self.state
            .lock()
            .expect("test fixture")
            .short
            .insert(t.token.expose_secret().to_owned(), user);
        Ok(t)
    }
    async fn exchange_long_lived(
        &self,
        token: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken, NetworkError> {
        let t = self.inner.exchange_long_lived(token, now).await?;
        let mut s = self.state.lock().expect("test fixture");
        let user = s.short[token.expose_secret()].clone();
        s.issued
            .insert(t.token.expose_secret().to_owned(), (user, now));
        Ok(t)
    }
    async fn refresh(
        &self,
        token: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken, NetworkError> {
        let key = token.expose_secret().to_owned();
        let user = {
            let mut s = self.state.lock().expect("test fixture");
            let (user, issued) = s.issued.get(&key).cloned().expect("a token we issued");
            let age = self.clock.now() - issued;
            s.youngest_refreshed = Some(s.youngest_refreshed.map_or(age, |y| y.min(age)));
            let n = s.in_flight.entry(user.clone()).or_default();
            *n += 1;
            let n = *n;
            s.max_in_flight = s.max_in_flight.max(n);
            s.refreshes += 1;
            user
        };
        // Give a concurrent refresh of the same account a chance to overlap.
        tokio::task::yield_now().await;
        let result = self.inner.refresh(token, now).await;
        let mut s = self.state.lock().expect("test fixture");
        if let Some(n) = s.in_flight.get_mut(&user) {
            *n -= 1;
        }
        if let Ok(t) = &result {
            s.issued
                .insert(t.token.expose_secret().to_owned(), (user, now));
        }
        result
    }
    async fn inspect_token(&self, token: &SecretString) -> Result<TokenFacts, NetworkError> {
        self.inner.inspect_token(token).await
    }
    async fn profile(&self, auth: &AccountAuth) -> Result<Profile, NetworkError> {
        self.inner.profile(auth).await
    }
    async fn recent_posts(
        &self,
        auth: &AccountAuth,
        max: usize,
    ) -> Result<Vec<PastPostData>, NetworkError> {
        self.inner.recent_posts(auth, max).await
    }
}

fn accounts() -> usize {
    std::env::var("TOKEN_SIM_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}

async fn watched_pipeline(
    h: &Harness,
    config: content_pipeline::PipelineConfig,
) -> (Pipeline, Arc<Watch>) {
    let client = ThreadsClient::builder()
        .graph_base_url(h.emu.base_url())
        .authorize_base_url(h.emu.base_url())
        .timeout(Duration::from_secs(5))
        .build()
        .expect("test fixture");
    let threads = ThreadsPublisher::new(client).with_app(
        AppCredentials::new(
            h.app.id.clone(),
            AppSecret::new(h.app.secret.expose_secret()),
        ),
        REDIRECT,
    );
    let watch = Arc::new(Watch {
        inner: threads.clone(),
        clock: h.clock.clone(),
        state: Mutex::default(),
    });
    let pipeline = Pipeline::builder()
        .store(h.store.clone())
        .llm(Arc::new(persona_core::OfflineProvider::new()))
        .publisher(Arc::new(threads))
        .connector(watch.clone())
        .keyring(h.keyring.clone())
        .oauth_state_key(token_crypto::KeyMaterial::generate().expect("test fixture"))
        .manual_clock(h.clock.clone())
        .config(config)
        .build()
        .expect("test fixture");
    (pipeline, watch)
}

/// Connects `n` accounts through OAuth, six hours apart in groups of 40.
async fn connect_many(h: &Harness, pipeline: &Pipeline, n: usize) {
    let admin = h.emu.admin();
    for i in 0..n {
        let user = admin
            .create_user(threads_emulator::UserSpec {
                username: format!("user{i}"),
                ..Default::default()
            })
            .expect("test fixture");
        admin.set_authorizer(&user.id).expect("test fixture");
        let session = format!("s{i}");
        let start = pipeline
            .start_connect(ConnectRequest::new(session.clone()))
            .await
            .expect("test fixture");
        let callback = h.consent(&start.authorize_url).await;
        pipeline
            .finish_connect(&callback, &session)
            .await
            .expect("test fixture");
        if i % 40 == 39 {
            h.advance(TimeDelta::hours(6));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_year_of_refreshes_keeps_every_token_alive() {
    let h = Harness::new().await;
    let (pipeline, watch) = watched_pipeline(&h, content_pipeline::PipelineConfig::default()).await;
    let n = accounts();
    connect_many(&h, &pipeline, n).await;

    // A year, day by day, with two workers racing for the jobs.
    let w1 = Worker::new(pipeline.clone(), WorkerConfig::named("w1"));
    let w2 = Worker::new(pipeline.clone(), WorkerConfig::named("w2"));
    let mut expired_seen = 0usize;
    for _day in 0..365 {
        h.advance(TimeDelta::days(1));
        let (a, b) = tokio::join!(w1.drain(), w2.drain());
        a.unwrap();
        b.unwrap();
        let now = h.clock.now();
        let expired = h.store.list_tokens_expiring_before(now, 10).await.unwrap();
        expired_seen += expired.len();
    }
    {
        let s = watch.state.lock().unwrap();
        println!(
            "{n} accounts over 365 days: {} refreshes, youngest token refreshed at {} h, \
             at most {} refresh(es) of one account at once, {expired_seen} expired tokens seen",
            s.refreshes,
            s.youngest_refreshed.map_or(0, |d| d.num_hours()),
            s.max_in_flight
        );
        assert_eq!(expired_seen, 0, "no refreshable token expired");
        assert!(
            s.refreshes as usize >= n * 5,
            "about six refreshes each: {}",
            s.refreshes
        );
        assert!(
            s.youngest_refreshed.unwrap() >= TimeDelta::hours(24),
            "never before 24 h: {:?}",
            s.youngest_refreshed
        );
        assert_eq!(
            s.max_in_flight, 1,
            "never two refreshes of one account at once"
        );
    }
    let failures = h
        .store
        .list_audit(&AuditQuery::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| {
            e.action == "token.refresh"
                && e.details.get("succeeded").map(String::as_str) == Some("false")
        })
        .count();
    assert_eq!(failures, 0);
    let reauth = h
        .store
        .list_accounts(&store_traits::AccountFilter {
            status: Some(store_traits::AccountStatus::NeedsReauth),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(reauth.is_empty());
}

/// With a refresh window as long as the token's life, every token is due at
/// once; the 24-hour rule must still hold (Meta refuses earlier refreshes).
/// Hour by hour, so an early refresh would be seen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_a_refresh_before_the_token_is_a_day_old() {
    let h = Harness::new().await;
    let mut config = content_pipeline::PipelineConfig::default();
    config.refresh.window = TimeDelta::days(60);
    let (pipeline, watch) = watched_pipeline(&h, config).await;
    connect_many(&h, &pipeline, 20).await;
    let w1 = Worker::new(pipeline.clone(), WorkerConfig::named("w1"));
    let w2 = Worker::new(pipeline.clone(), WorkerConfig::named("w2"));
    for _hour in 0..(24 * 10) {
        h.advance(TimeDelta::hours(1));
        let (a, b) = tokio::join!(w1.drain(), w2.drain());
        a.unwrap();
        b.unwrap();
    }
    let s = watch.state.lock().unwrap();
    assert!(s.refreshes >= 20 * 8, "refreshed daily: {}", s.refreshes);
    assert!(
        s.youngest_refreshed.unwrap() >= TimeDelta::hours(24),
        "never before 24 h: {:?}",
        s.youngest_refreshed
    );
    assert_eq!(s.max_in_flight, 1);
}
