//! The local emulator behind `--api emulator`: a Threads emulator started
//! inside the command, on the real clock.
//!
//! The emulator keeps its state in memory only, so each command starts a
//! fresh one. What must outlive a command is kept in `emulator.json` in the
//! data directory and recreated at every start: the app (id and secret)
//! and the users connected through `threads connect` (ids, usernames,
//! follower counts). Tokens the previous emulator issued mean nothing to the
//! new one, so every stored account of a known user gets a fresh token,
//! sealed into the store like the one it replaces. The posts earlier
//! commands published are recreated from the store (its publish entries),
//! with their ids, texts and times, so replies and figures can be read for
//! them again. Replies other users made, and likes and views beyond what the
//! emulator derives for a post, are not kept.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use store_traits::{
    AccountFilter, DraftId, DynStore, PublishFilter, PublishState, TokenKind, TokenRecord,
};
use threads_emulator::{
    AppSpec, Emulator, PostAs, RunningEmulator, SystemClock, TokenSpec, UserSpec,
};
use token_crypto::{KeyMaterial, Keyring};

use crate::error::{CliError, Result};

/// The redirect URI of the emulator's app. Consent is given by the command
/// itself, so nothing listens there.
pub(crate) const REDIRECT_URI: &str = "http://127.0.0.1:8765/callback";

/// The id of the app the command registers on its emulator.
const APP_ID: &str = "1784000000000001";

/// Ids of users the command creates start here.
const FIRST_USER_ID: u64 = 9_100_000_000_000_001;

/// Past posts a new emulator user gets, so connecting learns a voice.
const PAST_POSTS: [&str; 5] = [
    "Small batch sourdough today. The crumb is finally open.",
    "Rye starter is slower, but the flavour is worth every hour.",
    "Tip: weigh your water. Cups lie.",
    "An hour of autolyse saves ten minutes of kneading.",
    "Baked for the neighbours again. The street smells like a bakery.",
];

/// What survives between commands (`emulator.json`).
#[derive(Debug, Serialize, Deserialize)]
struct World {
    app_secret: String,
    #[serde(default)]
    users: Vec<WorldUser>,
}

/// A user the command created.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct WorldUser {
    id: String,
    username: String,
    followers: u64,
}

/// A running local emulator with the command's app and users.
#[derive(Debug)]
pub(crate) struct LocalEmulator {
    emulator: RunningEmulator,
    world: World,
    path: PathBuf,
}

impl LocalEmulator {
    /// Starts an emulator and recreates the app and users of `path`
    /// (created on first use).
    pub(crate) async fn start(path: &Path) -> Result<Self> {
        let world = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                CliError::config(
                    format!("{} is not readable: {e}", path.display()),
                    "delete the file to start the emulated accounts afresh",
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => World {
                app_secret: KeyMaterial::generate()?
                    .to_base64()
                    .expose_secret()
                    .to_owned(),
                users: Vec::new(),
            },
            Err(e) => return Err(CliError::io(path)(e)),
        };
        // A seed per run: ids the emulator makes up differ between runs.
        let seed = Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64;
        let emulator = Emulator::builder()
            .seed(seed)
            .clock(SystemClock)
            .start()
            .await?;
        let admin = emulator.admin();
        admin.create_app(AppSpec {
            name: "threads CLI".into(),
            id: Some(APP_ID.into()),
            secret: Some(SecretString::from(world.app_secret.clone())),
            redirect_uris: vec![REDIRECT_URI.into()],
            ..AppSpec::default()
        })?;
        for user in &world.users {
            admin.create_user(user_spec(user))?;
        }
        let local = Self {
            emulator,
            world,
            path: path.to_owned(),
        };
        local.save()?;
        Ok(local)
    }

    /// The emulator's base URL (Graph API and consent page).
    pub(crate) fn base_url(&self) -> &str {
        self.emulator.base_url()
    }

    /// The app's id.
    pub(crate) fn app_id(&self) -> &str {
        APP_ID
    }

    /// The app's secret.
    pub(crate) fn app_secret(&self) -> &str {
        &self.world.app_secret
    }

    /// The id of `username`, creating the user (with a few past posts and
    /// `followers`) when new, and makes the consent page approve as them.
    pub(crate) fn prepare_consent(&mut self, username: &str, followers: u64) -> Result<String> {
        let username = username.trim().trim_start_matches('@').to_owned();
        let admin = self.emulator.admin();
        let id = match self
            .world
            .users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(&username))
        {
            Some(user) => user.id.clone(),
            None => {
                let next = FIRST_USER_ID + self.world.users.len() as u64;
                let user = WorldUser {
                    id: next.to_string(),
                    username: username.clone(),
                    followers,
                };
                admin.create_user(user_spec(&user)).map_err(|e| {
                    CliError::usage(
                        format!("the emulator refused user {username:?}: {e}"),
                        "use 1 to 30 letters, digits, `_` or `.`",
                    )
                })?;
                let now = Utc::now();
                for (i, text) in PAST_POSTS.iter().enumerate() {
                    let at = now - TimeDelta::days(2 * (PAST_POSTS.len() - i) as i64);
                    admin.post_as(PostAs {
                        author: user.id.clone(),
                        text: Some((*text).to_owned()),
                        at: Some(at.timestamp()),
                        ..PostAs::default()
                    })?;
                }
                self.world.users.push(user.clone());
                self.save()?;
                user.id
            }
        };
        admin.set_authorizer(&id)?;
        Ok(id)
    }

    /// Gives every stored account of a known user a fresh token from this
    /// emulator, sealed with `keyring` (the previous emulator's tokens are
    /// unknown here). Accounts without a token (disconnected) are left
    /// alone. Returns how many were renewed.
    pub(crate) async fn renew_tokens(
        &self,
        store: &Arc<DynStore>,
        keyring: &Keyring,
    ) -> Result<usize> {
        let mut renewed = 0;
        for account in store.list_accounts(&AccountFilter::default()).await? {
            if !self
                .world
                .users
                .iter()
                .any(|u| u.id == account.threads_user_id)
            {
                continue;
            }
            let Some(old) = store.get_token(account.id).await? else {
                continue;
            };
            let minted = self.emulator.admin().mint_token(TokenSpec {
                app_id: APP_ID.into(),
                user_id: account.threads_user_id.clone(),
                long_lived: true,
                ..TokenSpec::default()
            })?;
            let now = Utc::now();
            let expires_at = DateTime::<Utc>::from_timestamp(minted.expires_at, 0)
                .unwrap_or(now + TimeDelta::days(60));
            let mut record = TokenRecord::seal(
                keyring,
                account.id,
                TokenKind::LongLived,
                &minted.access_token,
                now,
                expires_at,
            )?;
            record.metadata.scopes = old.metadata.scopes.clone();
            store.put_token(&record).await?;
            renewed += 1;
        }
        Ok(renewed)
    }

    /// Recreates the posts earlier commands published for the emulator's
    /// users (the store's published entries), oldest first, with their ids,
    /// texts and publication times; a reply-chain part replies to the part
    /// before it again. Returns how many were recreated.
    pub(crate) async fn restore_posts(&self, store: &Arc<DynStore>) -> Result<usize> {
        let admin = self.emulator.admin();
        let mut restored = 0;
        for account in store.list_accounts(&AccountFilter::default()).await? {
            if !self
                .world
                .users
                .iter()
                .any(|u| u.id == account.threads_user_id)
            {
                continue;
            }
            let mut entries = store
                .list_publish_entries(&PublishFilter {
                    account_id: Some(account.id),
                    states: vec![PublishState::Published],
                    ..PublishFilter::default()
                })
                .await?;
            entries.sort_by_key(|e| (e.published_at, e.created_at));
            let mut media_of: HashMap<DraftId, String> = HashMap::new();
            for entry in entries {
                let Some(media_id) = entry.media_id.clone() else {
                    continue;
                };
                let draft = store.get_draft(entry.draft_id).await?;
                let reply_to = draft.as_ref().and_then(|d| {
                    d.parent_draft_id
                        .and_then(|p| media_of.get(&p).cloned())
                        .or_else(|| d.reply_to_id.clone())
                });
                let spec = PostAs {
                    author: account.threads_user_id.clone(),
                    text: draft.as_ref().map(|d| d.text.clone()),
                    topic_tag: draft.as_ref().and_then(|d| d.topic_tag.clone()),
                    at: entry.published_at.map(|t| t.timestamp()),
                    id: Some(media_id.clone()),
                    ..PostAs::default()
                };
                // A reply to a post this emulator does not know (another
                // user's, from an earlier run) comes back as a plain post.
                let made = match admin.post_as(PostAs {
                    reply_to: reply_to.clone(),
                    ..spec.clone()
                }) {
                    Err(_) if reply_to.is_some() => admin.post_as(spec),
                    other => other,
                };
                match made {
                    Ok(_) => {
                        media_of.insert(entry.draft_id, media_id);
                        restored += 1;
                    }
                    Err(e) => {
                        tracing::debug!(post = %media_id, error = %e, "post not recreated");
                    }
                }
            }
        }
        Ok(restored)
    }

    /// Stops the emulator.
    pub(crate) async fn shutdown(self) {
        self.emulator.shutdown().await;
    }

    fn save(&self) -> Result<()> {
        let json = serde_json::to_vec_pretty(&self.world)?;
        write_private(&self.path, &json)
    }
}

fn user_spec(user: &WorldUser) -> UserSpec {
    UserSpec {
        username: user.username.clone(),
        id: Some(user.id.clone()),
        biography: "Bakes bread, writes about it.".into(),
        followers: user.followers,
        ..UserSpec::default()
    }
}

/// Writes `bytes` to `path`, readable by the owner only (the file holds the
/// emulator app's secret).
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    options
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(CliError::io(path))
}

/// Follows the emulator's consent page like a browser and returns the
/// address it sends the browser back to (the callback URL).
pub(crate) async fn consent(authorize_url: &str) -> Result<String> {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| CliError::Http {
            context: "start an HTTP client",
            source: Box::new(e),
        })?;
    let answer = browser
        .get(authorize_url)
        .send()
        .await
        .map_err(|e| CliError::Http {
            context: "open the emulator's consent page",
            source: Box::new(e),
        })?;
    answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| CliError::Http {
            context: "give consent on the emulator",
            source: format!(
                "the consent page answered {} without a redirect",
                answer.status()
            )
            .into(),
        })
}
