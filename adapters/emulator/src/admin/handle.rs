//! The typed admin handle, [`Admin`]: every admin operation as a method on the running
//! emulator, for tests in the same process.

use std::collections::BTreeSet;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use super::specs::{
    AppInfo, AppSpec, LocationSpec, MintedToken, PostAs, TokenSpec, UserInfo, UserSpec, WebhookSpec,
};
use crate::callbacks::{self, CallbackKind, CallbackOutcome};
use crate::context::Shared;
use crate::delivery;
use crate::errors::Error;
use crate::faults::FaultRule;
use crate::ledger::LedgerEntry;
use crate::oauth::{self, ALL_SCOPES};
use crate::posts::shortcode;
use crate::state::{
    App, Content, Location, Post, ProcessingDelays, RepublishBehaviour, TokenKind, User, World,
    WriteType,
};
use crate::webhook_queue::{DeliveryRecord, DeliveryReport, Subscription};
use crate::webhooks;

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
    /// clock returns to its start. A [`ManualClock`](token_crypto::ManualClock) (the default,
    /// or one given to [`EmulatorBuilder::clock`](crate::EmulatorBuilder::clock)) is set back
    /// to the emulator's start time, so a clock shared with other components moves back too;
    /// any other clock gets its starting offset back (its own time has moved on meanwhile).
    pub fn reset(&self) {
        let mut w = self.shared.lock();
        let (seed, mut clock, config) = (w.seed, w.clock.clone(), w.config.clone());
        clock.reset();
        *w = World::new(seed, clock, config);
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

    /// The emulator's current time (Unix seconds).
    pub fn now(&self) -> i64 {
        self.shared.lock().now()
    }

    /// Whether the emulator's clock is a [`ManualClock`](token_crypto::ManualClock) that
    /// only moves when told to (the in-process default); `false` for a clock that passes on
    /// its own, such as the binary's default real-time clock.
    pub fn clock_is_manual(&self) -> bool {
        self.shared.lock().clock.is_manual()
    }

    /// Moves the emulator's time forward by `seconds` (negative values are ignored).
    ///
    /// With a [`ManualClock`](token_crypto::ManualClock) (the default, or one shared through
    /// [`EmulatorBuilder::clock`](crate::EmulatorBuilder::clock)) this advances that clock
    /// itself, so every other component reading it sees the same jump. With any other clock
    /// (for example [`SystemClock`](token_crypto::SystemClock)) the emulator adds the
    /// seconds to an offset on top of it and the clock itself is untouched.
    pub fn advance(&self, seconds: i64) {
        self.shared.lock().clock.advance(seconds);
        self.shared.wake_webhooks();
    }

    /// Sets the emulator's time (Unix seconds; backwards too). Like [`Admin::advance`], this
    /// sets a [`ManualClock`](token_crypto::ManualClock) itself and otherwise changes the
    /// offset kept on top of the clock.
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
        if let Some(q) = content.quote_post_id
            && !w.posts.contains_key(&q)
        {
            return Err(Error::Admin(format!("unknown post {q}")));
        }
        let id = match parse(&spec.id)? {
            Some(id) => {
                if w.posts.contains_key(&id) || w.containers.contains_key(&id) {
                    return Err(Error::Admin(format!("id {id} is taken")));
                }
                w.next_id = w.next_id.max(id.saturating_add(1));
                id
            }
            None => w.new_id(),
        };
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

    /// Sets a user's follower count (user id or username), e.g. to let an account grow
    /// between two insights readings: `followers_count`, `follower_demographics` (shared
    /// out over the same keys) and the views of the user's posts follow the new count.
    pub fn set_followers(&self, user: &str, followers: u64) -> Result<(), Error> {
        let mut w = self.shared.lock();
        let id = resolve_user(&w, user)?;
        if let Some(u) = w.users.get_mut(&id) {
            u.followers = followers;
        }
        Ok(())
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
        delivery::deliver_pending(&self.shared).await
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
