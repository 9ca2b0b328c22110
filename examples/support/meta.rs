//! Meta's side of the examples, played by the Threads emulator in-process:
//! the Threads API, the consent dialog (and the person's browser clicking
//! through it), the other users who reply and mention, webhook deliveries and
//! Meta's signed callbacks.
//!
//! Each example includes this file with `#[path = "support/meta.rs"] mod meta;`
//! and uses the part it needs. Against the real API the same roles are played
//! by Meta itself: `Meta::threads` becomes
//! `ThreadsPublisher::new(ThreadsClient::new()?).with_app(credentials, redirect_uri)`
//! and the rest (users, replies, deliveries) happens on its own.
#![allow(dead_code, reason = "each example uses a different part")]

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use secrecy::{ExposeSecret, SecretString};
use store_traits::ManualClock;
use threads_api::{AppCredentials, AppSecret, ThreadsClient};
use threads_emulator::{
    Admin, AppInfo, AppSpec, CallbackKind, CallbackOutcome, DeliveryReport, Emulator, Operation,
    PostAs, RunningEmulator, UserInfo, UserSpec, WebhookSpec,
};

/// How the emulated Meta app is registered.
pub(crate) struct AppSetup {
    /// The OAuth redirect URI registered for the app (and given to the connector).
    pub(crate) redirect_uri: String,
    /// The data-deletion callback URL, if the example serves one.
    pub(crate) delete_url: Option<String>,
    /// The deauthorize callback URL, if the example serves one.
    pub(crate) uninstall_url: Option<String>,
    /// The clock Meta shares with the pipeline and the store (`None`: the
    /// system clock, time passes for real).
    pub(crate) clock: Option<Arc<ManualClock>>,
}

impl AppSetup {
    /// An app whose consent dialog sends the person back to `redirect_uri`.
    pub(crate) fn redirecting_to(redirect_uri: impl Into<String>) -> Self {
        Self {
            redirect_uri: redirect_uri.into(),
            delete_url: None,
            uninstall_url: None,
            clock: None,
        }
    }

    /// The same app on a manual clock shared with the rest of the example.
    pub(crate) fn on_clock(mut self, clock: Arc<ManualClock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The same app with Meta's data-deletion and deauthorize callback URLs.
    pub(crate) fn callbacks(mut self, delete_url: String, uninstall_url: String) -> Self {
        self.delete_url = Some(delete_url);
        self.uninstall_url = Some(uninstall_url);
        self
    }
}

/// The emulator with one registered app.
pub(crate) struct Meta {
    emu: RunningEmulator,
    app: AppInfo,
    redirect_uri: String,
}

impl Meta {
    /// Starts the emulator on 127.0.0.1 and registers the app.
    pub(crate) async fn start(setup: AppSetup) -> Result<Self> {
        let builder = Emulator::builder().seed(2026);
        let builder = match setup.clock {
            Some(clock) => builder.clock(clock),
            None => builder.clock(store_traits::SystemClock),
        };
        let emu = builder
            .start()
            .await
            .context("start the Threads emulator")?;
        let app = emu.admin().create_app(AppSpec {
            name: "Threads toolkit example".into(),
            redirect_uris: vec![setup.redirect_uri.clone()],
            delete_url: setup.delete_url,
            uninstall_url: setup.uninstall_url,
            ..AppSpec::default()
        })?;
        Ok(Self {
            emu,
            app,
            redirect_uri: setup.redirect_uri,
        })
    }

    /// The emulator's admin handle (the world around the account).
    pub(crate) fn admin(&self) -> &Admin {
        self.emu.admin()
    }

    /// `http://127.0.0.1:<port>`, where the emulated Graph API answers.
    pub(crate) fn base_url(&self) -> &str {
        self.emu.base_url()
    }

    /// The app's id.
    pub(crate) fn app_id(&self) -> &str {
        &self.app.id
    }

    /// The app secret (Meta signs webhooks and callbacks with it).
    pub(crate) fn app_secret(&self) -> SecretString {
        SecretString::from(self.app.secret.expose_secret().to_owned())
    }

    /// A Threads user with `followers` followers and these past posts, who
    /// will be the one consenting on the next consent dialog.
    pub(crate) fn account_owner(
        &self,
        username: &str,
        followers: u64,
        past_posts: &[&str],
    ) -> Result<UserInfo> {
        self.account_owner_granting(username, followers, past_posts, None)
    }

    /// [`Meta::account_owner`], who grants only `granted` on the consent
    /// dialog (`None`: every scope asked for).
    pub(crate) fn account_owner_granting(
        &self,
        username: &str,
        followers: u64,
        past_posts: &[&str],
        granted: Option<&[&str]>,
    ) -> Result<UserInfo> {
        let admin = self.admin();
        let user = admin.create_user(UserSpec {
            username: username.into(),
            name: Some(username.replace('_', " ")),
            biography: "Bakes bread, writes about it.".into(),
            followers,
            scopes: granted.map(|g| g.iter().map(|s| (*s).to_owned()).collect()),
            ..UserSpec::default()
        })?;
        for text in past_posts {
            admin.post_as(PostAs {
                author: user.id.clone(),
                text: Some((*text).into()),
                ..PostAs::default()
            })?;
        }
        admin.set_authorizer(&user.id)?;
        Ok(user)
    }

    /// Another Threads user (a fan, a customer, a troll).
    pub(crate) fn someone(&self, username: &str) -> Result<UserInfo> {
        Ok(self.admin().create_user(UserSpec {
            username: username.into(),
            followers: 40,
            ..UserSpec::default()
        })?)
    }

    /// The Threads network for the pipeline, pointed at the emulator.
    pub(crate) fn threads(&self) -> Result<content_pipeline::ThreadsPublisher> {
        let client = ThreadsClient::builder()
            .graph_base_url(self.base_url())
            .authorize_base_url(self.base_url())
            .timeout(Duration::from_secs(10))
            .build()?;
        let credentials = AppCredentials::new(
            self.app.id.clone(),
            AppSecret::new(self.app.secret.expose_secret()),
        );
        Ok(content_pipeline::ThreadsPublisher::new(client)
            .with_app(credentials, &self.redirect_uri))
    }

    /// Checks `X-Hub-Signature-256` with the app secret.
    pub(crate) fn webhook_verifier(&self) -> token_crypto::webhook::WebhookVerifier {
        token_crypto::webhook::WebhookVerifier::new(self.app_secret())
    }

    /// The person's browser on the consent dialog: opens the authorize URL,
    /// consents, and returns where the dialog redirects (the callback URL
    /// with `code` and `state`).
    pub(crate) async fn consent(&self, authorize_url: &str) -> Result<String> {
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let answer = browser.get(authorize_url).send().await?;
        Ok(answer
            .headers()
            .get(reqwest::header::LOCATION)
            .context("the consent dialog did not redirect")?
            .to_str()?
            .to_owned())
    }

    /// Subscribes the app to webhook `fields` at `callback_url`; Meta checks
    /// the endpoint with the GET handshake first.
    pub(crate) async fn subscribe(
        &self,
        callback_url: &str,
        verify_token: &str,
        fields: &[&str],
    ) -> Result<()> {
        self.admin()
            .subscribe_webhooks(WebhookSpec {
                app_id: self.app.id.clone(),
                callback_url: callback_url.to_owned(),
                verify_token: SecretString::from(verify_token.to_owned()),
                fields: fields.iter().map(|f| (*f).to_owned()).collect(),
                app_secret: None,
            })
            .await
            .context("the webhook subscription handshake")?;
        Ok(())
    }

    /// `author` replies `text` to the post `to`; returns the reply's id.
    pub(crate) fn reply(&self, author: &UserInfo, to: &str, text: &str) -> Result<String> {
        Ok(self.admin().post_as(PostAs {
            author: author.id.clone(),
            text: Some(text.into()),
            reply_to: Some(to.into()),
            ..PostAs::default()
        })?)
    }

    /// `author` posts `text` (a mention when it names `@someone`); returns its id.
    pub(crate) fn post(&self, author: &UserInfo, text: &str) -> Result<String> {
        Ok(self.admin().post_as(PostAs {
            author: author.id.clone(),
            text: Some(text.into()),
            ..PostAs::default()
        })?)
    }

    /// Sends the webhook deliveries that are due.
    pub(crate) async fn deliver_webhooks(&self) -> DeliveryReport {
        self.admin().deliver_webhooks().await
    }

    /// Meta calls the app's data-deletion callback for `user_id`, with a
    /// `signed_request` signed with the app secret.
    pub(crate) async fn request_data_deletion(&self, user_id: &str) -> Result<CallbackOutcome> {
        Ok(self
            .admin()
            .fire_callback(CallbackKind::DataDeletion, &self.app.id, user_id)
            .await?)
    }

    /// Successful publish calls Meta received that answer `post_id`.
    pub(crate) fn answers_to(&self, post_id: &str) -> usize {
        self.admin()
            .ledger()
            .iter()
            .filter(|e| {
                e.operation == Operation::Publish
                    && e.succeeded()
                    && e.reply_to.as_deref() == Some(post_id)
            })
            .count()
    }

    /// Successful publish calls Meta received.
    pub(crate) fn publishes(&self) -> usize {
        self.admin()
            .ledger()
            .iter()
            .filter(|e| e.operation == Operation::Publish && e.succeeded())
            .count()
    }

    /// Stops the emulator.
    pub(crate) async fn stop(self) {
        self.emu.shutdown().await;
    }
}
