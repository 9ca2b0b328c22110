//! The admin side: a typed in-process handle ([`Admin`]) and the same operations over HTTP
//! under `/__admin/` (for the binary). Neither is part of the Threads API; never expose the
//! emulator beyond a test machine: the admin API mints tokens for anyone.
//!
//! | Method and path | Body | Does |
//! |---|---|---|
//! | `POST /__admin/reset` | | [`Admin::reset`] |
//! | `POST /__admin/apps` | [`AppSpec`] | [`Admin::create_app`] → `{id, secret, name}` |
//! | `POST /__admin/users` | [`UserSpec`] | [`Admin::create_user`] → `{id, username}` |
//! | `POST /__admin/authorizer` | `{user_id, app_id?}` | [`Admin::set_authorizer`] / [`Admin::set_app_authorizer`] |
//! | `POST /__admin/deny_authorize` | `{app_id, deny}` | [`Admin::set_deny_authorize`] |
//! | `POST /__admin/tokens` | [`TokenSpec`] | [`Admin::mint_token`] → `{access_token, expires_at}` |
//! | `POST /__admin/tokens/expire` | `{token}` | [`Admin::expire_token`] |
//! | `GET /__admin/clock` | | `{now, timestamp}` |
//! | `POST /__admin/clock/advance` | `{seconds}` | [`Admin::advance`] |
//! | `POST /__admin/clock/set` | `{unix}` | [`Admin::set_time`] |
//! | `POST /__admin/posts` | [`PostAs`] | [`Admin::post_as`] → `{id}` |
//! | `POST /__admin/follows` / `DELETE` | `{follower, followee}` | [`Admin::follow`] / [`Admin::unfollow`] |
//! | `PUT /__admin/faults` | `[FaultRule]` | [`Admin::set_faults`] |
//! | `POST /__admin/faults` | [`FaultRule`] | [`Admin::add_fault`] |
//! | `DELETE /__admin/faults` | | [`Admin::clear_faults`] |
//! | `POST /__admin/faults/seed` | `{seed}` | [`Admin::set_fault_seed`] |
//! | `GET /__admin/ledger` / `DELETE` | | [`Admin::ledger`] / [`Admin::clear_ledger`] |
//! | `POST /__admin/webhooks/subscribe` | [`WebhookSpec`] | [`Admin::subscribe_webhooks`] |
//! | `POST /__admin/webhooks/deliver` | | [`Admin::deliver_webhooks`] → [`DeliveryReport`] |
//! | `GET /__admin/webhooks/deliveries` | | [`Admin::webhook_deliveries`] |
//! | `POST /__admin/webhooks/duplicates` | `{next?, rate?}` | [`Admin::duplicate_webhooks`] |
//! | `POST /__admin/callbacks/deauthorize` | `{app_id, user_id}` | [`Admin::fire_callback`] |
//! | `POST /__admin/callbacks/data_deletion` | `{app_id, user_id}` | [`Admin::fire_callback`] |
//! | `PUT /__admin/sensitive_keywords` | `["word", ...]` | [`Admin::set_sensitive_keywords`] |
//! | `POST /__admin/locations` | [`LocationSpec`] | [`Admin::add_location`] → `{id}` |
//! | `PUT /__admin/config` | `{delays?, republish?, media_fetch?}` | [`Admin::set_processing_delays`], [`Admin::set_republish`], [`Admin::set_media_fetch`] |

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::response::Response;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::callbacks::{self, CallbackKind, CallbackOutcome};
use crate::clock::format_timestamp;
use crate::errors::Error;
use crate::faults::FaultRule;
use crate::ledger::LedgerEntry;
use crate::oauth::{self, ALL_SCOPES};
use crate::posts::shortcode;
use crate::server::{self, Shared};
use crate::state::{
    App, Content, Location, Post, ProcessingDelays, RepublishBehaviour, TokenKind, User, World,
    WriteType,
};
use crate::webhooks::{self, DeliveryRecord, DeliveryReport, Subscription};

/// A Threads app to create.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AppSpec {
    /// Display name (shown by `debug_token`).
    pub name: String,
    /// Fixed app id; a fresh numeric id when `None`.
    pub id: Option<String>,
    /// Fixed app secret; a random one when `None`.
    pub secret: Option<SecretString>,
    /// Redirect Callback URLs accepted by the authorize page and the code exchange.
    pub redirect_uris: Vec<String>,
    /// Uninstall (deauthorize) Callback URL.
    pub uninstall_url: Option<String>,
    /// Delete (data deletion) Callback URL.
    pub delete_url: Option<String>,
    /// With advanced access (default) search and discovery see every public account;
    /// without it keyword search only finds the caller's posts, profile discovery only the
    /// official accounts and location search only "Menlo Park".
    pub advanced_access: bool,
}

impl Default for AppSpec {
    fn default() -> Self {
        Self {
            name: "Emulated Threads App".to_owned(),
            id: None,
            secret: None,
            redirect_uris: Vec::new(),
            uninstall_url: None,
            delete_url: None,
            advanced_access: true,
        }
    }
}

/// A created app. The secret is redacted in `Debug`.
#[derive(Debug, Clone)]
pub struct AppInfo {
    /// The Threads app id.
    pub id: String,
    /// The Threads app secret.
    pub secret: SecretString,
    /// The display name.
    pub name: String,
}

/// A Threads user to create.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UserSpec {
    /// Username (unique, without `@`).
    pub username: String,
    /// Fixed user id; a fresh numeric id when `None`.
    pub id: Option<String>,
    /// Display name (defaults to the username).
    pub name: Option<String>,
    /// Biography.
    pub biography: String,
    /// Follower count (profile discovery needs ≥ 100; demographics too).
    pub followers: u64,
    /// Private profile: invisible to others, no webhooks for replies/mentions.
    pub is_private: bool,
    /// Verified badge.
    pub is_verified: bool,
    /// `is_eligible_for_geo_gating`.
    pub geo_gating: bool,
    /// Scopes this user grants on the authorize page (`None` = every scope).
    pub scopes: Option<Vec<String>>,
}

/// A created user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// The Threads user id.
    pub id: String,
    /// The username.
    pub username: String,
}

/// A token to mint directly (skipping the OAuth dance).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TokenSpec {
    /// The app the token belongs to.
    pub app_id: String,
    /// The user the token acts for.
    pub user_id: String,
    /// Granted scopes (`None` = every scope).
    pub scopes: Option<Vec<String>>,
    /// Long-lived (60 days) instead of short-lived (1 hour).
    pub long_lived: bool,
    /// Issue time (Unix seconds, virtual); now when `None`. Lets tests mint tokens that are
    /// already old enough to refresh, or already expired.
    pub issued_at: Option<i64>,
}

/// A minted token. The token is redacted in `Debug`.
#[derive(Debug, Clone)]
pub struct MintedToken {
    /// The access token.
    pub access_token: SecretString,
    /// Expiry (Unix seconds, virtual).
    pub expires_at: i64,
}

/// A post made directly as some user (another account replying, mentioning, posting
/// publicly so search finds it). It is published at once, without quotas or ledger entries,
/// and fires the same webhooks as an API publish.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PostAs {
    /// Author: user id or username.
    pub author: String,
    /// Text.
    pub text: Option<String>,
    /// `TEXT` (default), `IMAGE` or `VIDEO`.
    pub media_type: Option<String>,
    /// Image or video URL for media posts.
    pub media_url: Option<String>,
    /// Id of the post this replies to.
    pub reply_to: Option<String>,
    /// Id of the post this quotes.
    pub quote_post_id: Option<String>,
    /// Topic tag (else the first in-text `#tag`).
    pub topic_tag: Option<String>,
    /// Replies to this post need approval.
    pub enable_reply_approvals: bool,
    /// Timestamp (Unix seconds, virtual); now when `None`.
    pub at: Option<i64>,
}

/// A webhook subscription for one app.
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookSpec {
    /// The app subscribing.
    pub app_id: String,
    /// Callback URL (plain `http://` is fine for local tests).
    pub callback_url: String,
    /// Verify token echoed in the handshake.
    pub verify_token: SecretString,
    /// Fields: any of `replies`, `mentions`, `publish`, `delete`.
    pub fields: Vec<String>,
    /// Secret to sign deliveries with instead of the app secret (e.g. to test a client
    /// during secret rotation). `None` = the app secret.
    #[serde(default)]
    pub app_secret: Option<SecretString>,
}

/// A location to add to the location catalogue.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LocationSpec {
    /// Name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// City.
    pub city: String,
    /// ISO country code.
    pub country: String,
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
    /// Postal code.
    pub postal_code: String,
}

/// The typed admin handle. Cheap to clone; every method acts on the running emulator.
#[derive(Clone)]
pub struct Admin {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin")
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

fn all_scopes() -> BTreeSet<String> {
    ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect()
}

fn scope_set(list: Option<&Vec<String>>) -> Result<BTreeSet<String>, Error> {
    match list {
        None => Ok(all_scopes()),
        Some(l) => {
            for s in l {
                if !ALL_SCOPES.contains(&s.as_str()) {
                    return Err(Error::Admin(format!("unknown scope {s}")));
                }
            }
            Ok(l.iter().cloned().collect())
        }
    }
}

fn resolve_user(w: &World, who: &str) -> Result<String, Error> {
    if w.users.contains_key(who) {
        return Ok(who.to_owned());
    }
    w.user_by_name(who)
        .map(|u| u.id.clone())
        .ok_or_else(|| Error::Admin(format!("unknown user {who}")))
}

impl Admin {
    /// The base URL of the emulator (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// Forgets everything: apps, users, tokens, posts, quotas, faults, ledger, webhooks; the
    /// clock returns to its start.
    pub fn reset(&self) {
        let mut w = self.shared.lock();
        let (seed, start, config) = (w.seed, w.start_time, w.config.clone());
        *w = World::new(seed, start, config);
    }

    /// Creates an app.
    pub fn create_app(&self, spec: AppSpec) -> Result<AppInfo, Error> {
        let mut w = self.shared.lock();
        let id = match spec.id {
            Some(id) if !id.is_empty() => id,
            _ => w.new_id().to_string(),
        };
        if w.apps.contains_key(&id) {
            return Err(Error::Admin(format!("app {id} already exists")));
        }
        let secret = match spec.secret {
            Some(s) if !s.expose_secret().is_empty() => s.expose_secret().to_owned(),
            _ => hex_secret(&mut w),
        };
        w.apps.insert(
            id.clone(),
            App {
                id: id.clone(),
                name: spec.name.clone(),
                secret: secret.clone(),
                redirect_uris: spec.redirect_uris,
                uninstall_url: spec.uninstall_url,
                delete_url: spec.delete_url,
                advanced_access: spec.advanced_access,
                authorize_as: None,
                deny_authorize: false,
            },
        );
        Ok(AppInfo {
            id,
            secret: SecretString::from(secret),
            name: spec.name,
        })
    }

    /// Creates a user. The first user created becomes the default authorizer.
    pub fn create_user(&self, spec: UserSpec) -> Result<UserInfo, Error> {
        let username = spec.username.trim().trim_start_matches('@').to_owned();
        let valid = !username.is_empty()
            && username.len() <= 30
            && username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !valid {
            return Err(Error::Admin(format!("invalid username {username:?}")));
        }
        let scopes = scope_set(spec.scopes.as_ref())?;
        let mut w = self.shared.lock();
        if w.user_by_name(&username).is_some() {
            return Err(Error::Admin(format!("username {username} is taken")));
        }
        let id = match spec.id {
            Some(id) if !id.is_empty() => id,
            _ => w.new_id().to_string(),
        };
        if w.users.contains_key(&id) {
            return Err(Error::Admin(format!("user {id} already exists")));
        }
        w.usernames
            .insert(username.to_ascii_lowercase(), id.clone());
        w.users.insert(
            id.clone(),
            User {
                id: id.clone(),
                username: username.clone(),
                name: spec.name.unwrap_or_else(|| username.clone()),
                biography: spec.biography,
                picture_url: format!("https://scontent.emulator.invalid/v/t51/{id}_profile.jpg"),
                is_verified: spec.is_verified,
                followers: spec.followers,
                is_private: spec.is_private,
                geo_gating: spec.geo_gating,
                scopes,
                recent_searches: Default::default(),
            },
        );
        if w.default_authorizer.is_none() {
            w.default_authorizer = Some(id.clone());
        }
        Ok(UserInfo { id, username })
    }

    /// Sets the user the authorize page approves as, for every app without its own choice.
    pub fn set_authorizer(&self, user_id: &str) -> Result<(), Error> {
        let mut w = self.shared.lock();
        let id = resolve_user(&w, user_id)?;
        w.default_authorizer = Some(id);
        Ok(())
    }

    /// Sets the user the authorize page approves as for one app.
    pub fn set_app_authorizer(&self, app_id: &str, user_id: &str) -> Result<(), Error> {
        let mut w = self.shared.lock();
        let id = resolve_user(&w, user_id)?;
        let app = w
            .apps
            .get_mut(app_id)
            .ok_or_else(|| Error::Admin(format!("unknown app {app_id}")))?;
        app.authorize_as = Some(id);
        Ok(())
    }

    /// Makes the authorize page deny (user cancels) for an app, until set back.
    pub fn set_deny_authorize(&self, app_id: &str, deny: bool) -> Result<(), Error> {
        let mut w = self.shared.lock();
        let app = w
            .apps
            .get_mut(app_id)
            .ok_or_else(|| Error::Admin(format!("unknown app {app_id}")))?;
        app.deny_authorize = deny;
        Ok(())
    }

    /// Mints a token directly.
    pub fn mint_token(&self, spec: TokenSpec) -> Result<MintedToken, Error> {
        let scopes = scope_set(spec.scopes.as_ref())?;
        let mut w = self.shared.lock();
        if !w.apps.contains_key(&spec.app_id) {
            return Err(Error::Admin(format!("unknown app {}", spec.app_id)));
        }
        let user = resolve_user(&w, &spec.user_id)?;
        let kind = if spec.long_lived {
            TokenKind::LongLived
        } else {
            TokenKind::ShortLived
        };
        let issued = spec.issued_at.unwrap_or_else(|| w.now());
        let (token, expires_at) = oauth::mint(&mut w, &spec.app_id, &user, scopes, kind, issued);
        Ok(MintedToken {
            access_token: SecretString::from(token),
            expires_at,
        })
    }

    /// Expires a token now. Returns false when the token is unknown.
    pub fn expire_token(&self, token: &str) -> bool {
        let mut w = self.shared.lock();
        let now = w.now();
        match w.tokens.get_mut(token) {
            Some(t) => {
                t.expires_at = now;
                true
            }
            None => false,
        }
    }

    /// Current virtual time (Unix seconds).
    pub fn now(&self) -> i64 {
        self.shared.lock().now()
    }

    /// Moves the virtual clock forward by `seconds` (negative values are ignored).
    pub fn advance(&self, seconds: i64) {
        self.shared.lock().clock.advance(seconds);
        self.shared.wake_webhooks();
    }

    /// Sets the virtual clock (Unix seconds).
    pub fn set_time(&self, unix: i64) {
        self.shared.lock().clock.set(unix);
        self.shared.wake_webhooks();
    }

    /// Publishes a post as any user (see [`PostAs`]). Returns the media id.
    pub fn post_as(&self, spec: PostAs) -> Result<String, Error> {
        let mut w = self.shared.lock();
        let owner = resolve_user(&w, &spec.author)?;
        let mut content = Content::text_only(spec.text.as_deref().unwrap_or(""));
        content.text = spec.text.clone().filter(|t| !t.is_empty());
        let media = spec
            .media_type
            .as_deref()
            .unwrap_or("TEXT")
            .to_ascii_uppercase();
        content.media_type = match media.as_str() {
            "TEXT" => WriteType::Text,
            "IMAGE" => WriteType::Image,
            "VIDEO" => WriteType::Video,
            _ => return Err(Error::Admin(format!("unsupported media_type {media}"))),
        };
        if content.media_type != WriteType::Text {
            let url = spec
                .media_url
                .clone()
                .ok_or_else(|| Error::Admin("media_url is required for media posts".into()))?;
            if content.media_type == WriteType::Image {
                content.image_url = Some(url);
            } else {
                content.video_url = Some(url);
            }
        }
        content.topic_tag = spec.topic_tag.clone().or_else(|| {
            spec.text
                .as_deref()
                .and_then(crate::validation::first_hashtag)
        });
        content.reply_approvals = spec.enable_reply_approvals;
        let parse = |s: &Option<String>| -> Result<Option<u64>, Error> {
            s.as_deref()
                .map(|v| {
                    v.parse::<u64>()
                        .map_err(|_| Error::Admin(format!("invalid id {v}")))
                })
                .transpose()
        };
        content.reply_to = parse(&spec.reply_to)?;
        content.quote_post_id = parse(&spec.quote_post_id)?;
        let (root, approval) = match content.reply_to {
            Some(r) => {
                let parent = w
                    .posts
                    .get(&r)
                    .ok_or_else(|| Error::Admin(format!("unknown post {r}")))?;
                if !crate::audience::may_reply(&w, parent, &owner) {
                    return Err(Error::ReplyNotAllowed {
                        post: r.to_string(),
                        reply_audience: parent.content.reply_audience.clone(),
                        author: owner,
                    });
                }
                let root = parent.root.unwrap_or(parent.id);
                let needs = w
                    .posts
                    .get(&root)
                    .is_some_and(|p| p.content.reply_approvals && p.owner != owner);
                (Some(root), needs.then_some(crate::state::Approval::Pending))
            }
            None => (None, None),
        };
        if let Some(q) = content.quote_post_id {
            if !w.posts.contains_key(&q) {
                return Err(Error::Admin(format!("unknown post {q}")));
            }
        }
        let id = w.new_id();
        let ts = spec.at.unwrap_or_else(|| w.now());
        w.posts.insert(
            id,
            Post {
                id,
                owner,
                read_type: content.media_type.read(),
                content,
                reposted: None,
                timestamp: ts,
                shortcode: shortcode(id),
                root,
                hide: None,
                approval,
                is_carousel_child: false,
            },
        );
        webhooks::on_published(&mut w, id);
        drop(w);
        self.shared.wake_webhooks();
        Ok(id.to_string())
    }

    /// Records that `follower` follows `followee` (user ids or usernames). The follow
    /// graph decides `accounts_you_follow` and `followers_only` replies made with
    /// [`Admin::post_as`].
    pub fn follow(&self, follower: &str, followee: &str) -> Result<(), Error> {
        let mut w = self.shared.lock();
        let a = resolve_user(&w, follower)?;
        let b = resolve_user(&w, followee)?;
        w.follow_graph.insert((a, b));
        Ok(())
    }

    /// Removes a follow recorded with [`Admin::follow`]; `false` if there was none.
    pub fn unfollow(&self, follower: &str, followee: &str) -> Result<bool, Error> {
        let mut w = self.shared.lock();
        let a = resolve_user(&w, follower)?;
        let b = resolve_user(&w, followee)?;
        Ok(w.follow_graph.remove(&(a, b)))
    }

    /// Replaces the fault rules.
    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        self.shared.lock().faults = rules;
    }

    /// Adds one fault rule after the existing ones.
    pub fn add_fault(&self, rule: FaultRule) {
        self.shared.lock().faults.push(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Reseeds the fault generator (same seed + same requests = same faults).
    pub fn set_fault_seed(&self, seed: u64) {
        self.shared.lock().fault_rng = crate::rng::SeededRng::new(seed);
    }

    /// A copy of the ledger.
    pub fn ledger(&self) -> Vec<LedgerEntry> {
        self.shared.lock().ledger.clone()
    }

    /// Empties the ledger.
    pub fn clear_ledger(&self) {
        self.shared.lock().ledger.clear();
    }

    /// Sets the container processing delays.
    pub fn set_processing_delays(&self, delays: ProcessingDelays) {
        self.shared.lock().config.delays = delays;
    }

    /// Sets what publishing an already published container does.
    pub fn set_republish(&self, behaviour: RepublishBehaviour) {
        self.shared.lock().config.republish = behaviour;
    }

    /// Sets whether IMAGE / VIDEO containers fetch and check their media URL (see
    /// [`crate::MediaFetch`]). Over HTTP: `PUT /__admin/config` with
    /// `{"media_fetch": "fetch"}` or `"off"`.
    pub fn set_media_fetch(&self, mode: crate::media::MediaFetch) {
        self.shared.lock().config.media_fetch = mode;
    }

    /// Keyword-search terms Meta "considers sensitive": queries containing one return an
    /// empty list (and use no quota). Case-insensitive; replaces the previous list.
    pub fn set_sensitive_keywords(&self, words: Vec<String>) {
        self.shared.lock().sensitive = words.iter().map(|w| w.to_lowercase()).collect();
    }

    /// Adds a location; returns its id.
    pub fn add_location(&self, spec: LocationSpec) -> String {
        let mut w = self.shared.lock();
        let id = w.new_id();
        w.locations.insert(
            id,
            Location {
                id,
                name: spec.name,
                address: spec.address,
                city: spec.city,
                country: spec.country,
                latitude: spec.latitude,
                longitude: spec.longitude,
                postal_code: spec.postal_code,
            },
        );
        id.to_string()
    }

    /// Subscribes an app to webhook fields after the `hub.challenge` handshake with the
    /// callback (it must answer 200 with the challenge as its body).
    pub async fn subscribe_webhooks(&self, spec: WebhookSpec) -> Result<(), Error> {
        let fields: BTreeSet<String> = spec.fields.iter().cloned().collect();
        for f in &fields {
            if !["replies", "mentions", "publish", "delete"].contains(&f.as_str()) {
                return Err(Error::Admin(format!("unknown webhook field {f}")));
            }
        }
        let challenge = {
            let mut w = self.shared.lock();
            if !w.apps.contains_key(&spec.app_id) {
                return Err(Error::Admin(format!("unknown app {}", spec.app_id)));
            }
            (w.rng.next_u64() % 9_000_000_000 + 1_000_000_000).to_string()
        };
        let res = self
            .shared
            .http
            .get(&spec.callback_url)
            .query(&[
                ("hub.mode", "subscribe"),
                ("hub.challenge", challenge.as_str()),
                ("hub.verify_token", spec.verify_token.expose_secret()),
            ])
            .send()
            .await
            .map_err(Error::Http)?;
        let status = res.status();
        let body = res.text().await.map_err(Error::Http)?;
        if !status.is_success() || body.trim() != challenge {
            return Err(Error::Admin(format!(
                "webhook verification failed: the callback answered {status} without echoing the challenge"
            )));
        }
        let mut w = self.shared.lock();
        let sub_id = w.new_id().to_string();
        w.webhooks.subs.insert(
            spec.app_id,
            Subscription {
                id: sub_id,
                callback_url: spec.callback_url,
                fields,
                secret: spec.app_secret.map(|s| s.expose_secret().to_owned()),
            },
        );
        Ok(())
    }

    /// Delivers every due webhook event now (and due retries).
    pub async fn deliver_webhooks(&self) -> DeliveryReport {
        server::deliver_pending(&self.shared).await
    }

    /// Number of events waiting (new or retrying).
    pub fn pending_webhooks(&self) -> usize {
        self.shared.lock().webhooks.pending.len()
    }

    /// The last delivery attempts (at most 1,000 kept).
    pub fn webhook_deliveries(&self) -> Vec<DeliveryRecord> {
        self.shared
            .lock()
            .webhooks
            .records
            .iter()
            .cloned()
            .collect()
    }

    /// Sends each of the next `next` deliveries twice, and from then on duplicates with
    /// probability `rate` (seeded).
    pub fn duplicate_webhooks(&self, next: u32, rate: f64) {
        let mut w = self.shared.lock();
        w.webhooks.duplicate_next = next;
        w.webhooks.duplicate_rate = if rate.is_finite() {
            rate.clamp(0.0, 1.0)
        } else {
            0.0
        };
    }

    /// Fires the deauthorize or data-deletion callback of an app for a user, with a valid
    /// `signed_request`. Deauthorize also revokes the user's grant (tokens stop working
    /// with 190 / 458).
    pub async fn fire_callback(
        &self,
        kind: CallbackKind,
        app_id: &str,
        user_id: &str,
    ) -> Result<CallbackOutcome, Error> {
        let (url, signed) = {
            let mut w = self.shared.lock();
            let user = resolve_user(&w, user_id)?;
            let app = w
                .apps
                .get(app_id)
                .cloned()
                .ok_or_else(|| Error::Admin(format!("unknown app {app_id}")))?;
            let url = match kind {
                CallbackKind::Deauthorize => app.uninstall_url.clone(),
                CallbackKind::DataDeletion => app.delete_url.clone(),
            }
            .ok_or_else(|| Error::Admin(format!("app {app_id} has no URL for {kind:?}")))?;
            if kind == CallbackKind::Deauthorize {
                w.grants.remove(&(app.id.clone(), user.clone()));
            }
            (url, callbacks::signed_request(&app.secret, &user, w.now()))
        };
        let res = self
            .shared
            .http
            .post(&url)
            .form(&[("signed_request", signed.as_str())])
            .send()
            .await
            .map_err(Error::Http)?;
        let status = res.status().as_u16();
        let body = res.text().await.map_err(Error::Http)?;
        Ok(CallbackOutcome {
            status,
            body,
            signed_request: signed,
        })
    }
}

fn hex_secret(w: &mut World) -> String {
    format!("{:016x}{:016x}", w.rng.next_u64(), w.rng.next_u64())
}

fn admin_json(status: u16, v: Value) -> Response {
    let mut r = Response::new(Body::from(v.to_string()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    r
}

/// A rejected admin call: status and message.
struct Reject(u16, String);

fn bad(msg: impl std::fmt::Display) -> Reject {
    Reject(400, msg.to_string())
}

fn body_as<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Reject> {
    let slice: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(slice).map_err(|e| bad(format!("invalid JSON body: {e}")))
}

#[derive(Deserialize)]
struct AuthorizerBody {
    user_id: String,
    app_id: Option<String>,
}

#[derive(Deserialize)]
struct DenyBody {
    app_id: String,
    deny: bool,
}

#[derive(Deserialize)]
struct TokenBody {
    token: String,
}

#[derive(Deserialize)]
struct SecondsBody {
    seconds: i64,
}

#[derive(Deserialize)]
struct UnixBody {
    unix: i64,
}

#[derive(Deserialize)]
struct SeedBody {
    seed: u64,
}

#[derive(Deserialize)]
struct DupBody {
    #[serde(default)]
    next: u32,
    #[serde(default)]
    rate: f64,
}

#[derive(Deserialize)]
struct AppUserBody {
    app_id: String,
    user_id: String,
}

#[derive(Deserialize)]
struct ConfigBody {
    delays: Option<ProcessingDelays>,
    republish: Option<RepublishBehaviour>,
    media_fetch: Option<crate::media::MediaFetch>,
}

#[derive(Deserialize)]
struct FollowBody {
    follower: String,
    followee: String,
}

/// Serves `/__admin/...`.
pub(crate) async fn handle(shared: &Arc<Shared>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().trim_end_matches('/').to_owned();
    let bytes = match axum::body::to_bytes(req.into_body(), crate::params::MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return admin_json(400, json!({"error": "unreadable body"})),
    };
    let admin = Admin {
        shared: shared.clone(),
    };
    match dispatch(&admin, &method, &path, &bytes).await {
        Ok(v) => admin_json(200, v),
        Err(Reject(status, msg)) => admin_json(status, json!({"error": msg})),
    }
}

async fn dispatch(
    admin: &Admin,
    method: &Method,
    path: &str,
    bytes: &[u8],
) -> Result<Value, Reject> {
    let sub = path.strip_prefix("/__admin").unwrap_or("");
    let m = method.as_str();
    let admin_err = |e: Error| bad(e);
    Ok(match (m, sub) {
        ("POST", "/reset") => {
            admin.reset();
            json!({"success": true})
        }
        ("POST", "/apps") => {
            let info = admin.create_app(body_as(bytes)?).map_err(admin_err)?;
            json!({"id": info.id, "secret": info.secret.expose_secret(), "name": info.name})
        }
        ("POST", "/users") => {
            let u = admin.create_user(body_as(bytes)?).map_err(admin_err)?;
            json!({"id": u.id, "username": u.username})
        }
        ("POST", "/authorizer") => {
            let b: AuthorizerBody = body_as(bytes)?;
            match b.app_id {
                Some(app) => admin.set_app_authorizer(&app, &b.user_id),
                None => admin.set_authorizer(&b.user_id),
            }
            .map_err(admin_err)?;
            json!({"success": true})
        }
        ("POST", "/deny_authorize") => {
            let b: DenyBody = body_as(bytes)?;
            admin
                .set_deny_authorize(&b.app_id, b.deny)
                .map_err(admin_err)?;
            json!({"success": true})
        }
        ("POST", "/tokens") => {
            let t = admin.mint_token(body_as(bytes)?).map_err(admin_err)?;
            json!({"access_token": t.access_token.expose_secret(), "expires_at": t.expires_at})
        }
        ("POST", "/tokens/expire") => {
            let b: TokenBody = body_as(bytes)?;
            json!({"success": admin.expire_token(&b.token)})
        }
        ("GET", "/clock") => {
            let now = admin.now();
            json!({"now": now, "timestamp": format_timestamp(now)})
        }
        ("POST", "/clock/advance") => {
            let b: SecondsBody = body_as(bytes)?;
            admin.advance(b.seconds);
            json!({"now": admin.now()})
        }
        ("POST", "/clock/set") => {
            let b: UnixBody = body_as(bytes)?;
            admin.set_time(b.unix);
            json!({"now": admin.now()})
        }
        ("POST", "/posts") => {
            let id = admin.post_as(body_as(bytes)?).map_err(|e| match e {
                Error::ReplyNotAllowed { .. } => Reject(403, e.to_string()),
                e => bad(e),
            })?;
            json!({"id": id})
        }
        ("POST", "/follows") | ("DELETE", "/follows") => {
            let b: FollowBody = body_as(bytes)?;
            if m == "POST" {
                admin.follow(&b.follower, &b.followee).map_err(admin_err)?;
                json!({"success": true})
            } else {
                let removed = admin
                    .unfollow(&b.follower, &b.followee)
                    .map_err(admin_err)?;
                json!({"success": removed})
            }
        }
        ("PUT", "/faults") => {
            admin.set_faults(body_as(bytes)?);
            json!({"success": true})
        }
        ("POST", "/faults") => {
            admin.add_fault(body_as(bytes)?);
            json!({"success": true})
        }
        ("DELETE", "/faults") => {
            admin.clear_faults();
            json!({"success": true})
        }
        ("POST", "/faults/seed") => {
            let b: SeedBody = body_as(bytes)?;
            admin.set_fault_seed(b.seed);
            json!({"success": true})
        }
        ("GET", "/ledger") => json!({"data": admin.ledger()}),
        ("DELETE", "/ledger") => {
            admin.clear_ledger();
            json!({"success": true})
        }
        ("POST", "/webhooks/subscribe") => {
            admin
                .subscribe_webhooks(body_as(bytes)?)
                .await
                .map_err(admin_err)?;
            json!({"success": true})
        }
        ("POST", "/webhooks/deliver") => json!(admin.deliver_webhooks().await),
        ("GET", "/webhooks/deliveries") => json!({"data": admin.webhook_deliveries()}),
        ("POST", "/webhooks/duplicates") => {
            let b: DupBody = body_as(bytes)?;
            admin.duplicate_webhooks(b.next, b.rate);
            json!({"success": true})
        }
        ("POST", "/callbacks/deauthorize") | ("POST", "/callbacks/data_deletion") => {
            let b: AppUserBody = body_as(bytes)?;
            let kind = if sub.ends_with("deauthorize") {
                CallbackKind::Deauthorize
            } else {
                CallbackKind::DataDeletion
            };
            json!(
                admin
                    .fire_callback(kind, &b.app_id, &b.user_id)
                    .await
                    .map_err(admin_err)?
            )
        }
        ("PUT", "/sensitive_keywords") => {
            admin.set_sensitive_keywords(body_as(bytes)?);
            json!({"success": true})
        }
        ("POST", "/locations") => json!({"id": admin.add_location(body_as(bytes)?)}),
        ("PUT", "/config") => {
            let b: ConfigBody = body_as(bytes)?;
            if let Some(d) = b.delays {
                admin.set_processing_delays(d);
            }
            if let Some(r) = b.republish {
                admin.set_republish(r);
            }
            if let Some(f) = b.media_fetch {
                admin.set_media_fetch(f);
            }
            json!({"success": true})
        }
        _ => {
            return Err(Reject(404, format!("unknown admin route {m} {sub}")));
        }
    })
}
