//! # threads-emulator
//!
//! A local, faithful Threads Graph API server for offline tests and demos: OAuth, the media
//! container lifecycle, replies, mentions, search, insights, quotas, webhooks and Meta's
//! deauthorize/data-deletion callbacks, all on a **movable clock**, with **seeded fault
//! injection** and an **admin API** to script the world around the account under test.
//!
//! It is an independent reading of Meta's Threads API documentation
//! (<https://developers.facebook.com/docs/threads>): it shares no code with the
//! `threads-api` client, so a client tested against it catches mistakes instead of
//! mirroring them.
//!
//! ## Quick start (in-process)
//!
//! ```no_run
//! use threads_emulator::{AppSpec, Emulator, TokenSpec, UserSpec};
//! use secrecy::ExposeSecret;
//!
//! # async fn demo() -> Result<(), threads_emulator::Error> {
//! let emu = Emulator::builder().seed(7).start().await?; // a free port on 127.0.0.1
//! let admin = emu.admin();
//! let app = admin.create_app(AppSpec {
//!     redirect_uris: vec!["https://app.example/callback".into()],
//!     ..AppSpec::default()
//! })?;
//! let user = admin.create_user(UserSpec { username: "alice".into(), followers: 250, ..UserSpec::default() })?;
//! // Either run the OAuth dance against `emu.authorize_url()`, or mint a token directly:
//! let token = admin.mint_token(TokenSpec {
//!     app_id: app.id.clone(),
//!     user_id: user.id.clone(),
//!     long_lived: true,
//!     ..TokenSpec::default()
//! })?;
//! let url = format!("{}/v1.0/me?fields=id,username&access_token={}",
//!     emu.base_url(), token.access_token.expose_secret());
//! # let _ = url;
//! admin.advance(3_600); // one virtual hour later
//! emu.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! From a shell: `cargo run -p threads-emulator -- --port 8787 --demo` starts the server,
//! creates a demo app and user and prints their ids, secret and a token. The binary's clock
//! follows real time (see [Clock](#clock)).
//!
//! ## Protocol
//!
//! - Every path is served unversioned and under `/v1.0`; `/me` works wherever a user id
//!   does.
//! - The token is read from `access_token` (query, url-encoded form, multipart or JSON body)
//!   or `Authorization: Bearer`. POST parameters may come in the query string or the body;
//!   object parameters (`poll_attachment`, `text_entities`, `text_attachment`,
//!   `gif_attachment`) are JSON-encoded strings.
//! - Errors use the Graph envelope (`message`, `type` = `OAuthException` or
//!   `THApiException`, `code`, `error_subcode`, `is_transient`, `fbtrace_id`); the code
//!   exchange uses the flat `{"error_type","code","error_message"}` shape. Status 400,
//!   except codes 1 and 2 (500). Quota exhaustion (code unconfirmed) is code 613. String
//!   codes such as `THREADS_API__LINK_LIMIT_EXCEEDED` are the error `message` (code 100).
//! - Field selection: only `id` by default; `fields=` with nested expansion
//!   (`poll_attachment{option_a,total_votes}`, `children{id,media_url}`,
//!   `quoted_post{text}`). Meta's per-endpoint field lists say what each endpoint can
//!   *return*, not what may be *asked*: Meta's own request collection asks the list
//!   endpoints for fields outside their page's list
//!   (<https://github.com/fbsamples/threads_api/blob/main/postman/threads-api.postman_collection.json>).
//!   So the media list endpoints (`/{user}/threads`, `/ghost_posts`, `/replies`,
//!   `/conversation`, `/pending_replies`, `/{user}/replies`, `/mentions`,
//!   `/keyword_search`, `/profile_posts`) never fail on a field name: each post carries the
//!   asked fields that apply to it, and names that are unknown or do not apply are left
//!   out. `GET /{media-id}` fails with code 100 "Tried accessing nonexisting field (name)"
//!   only for a name that is no field of a media object at all (`status` on a published
//!   post, `gif_attachment`); a media field that does not apply to the post (`root_post` on
//!   a top-level post) is left out there too. What applies: `owner` only on the caller's
//!   own top-level posts, and never from `/keyword_search` ("The owner field is excluded
//!   and will not be returned": <https://developers.facebook.com/docs/threads/keyword-search>);
//!   `reply_audience` and `allowlisted_country_codes` only to the owner; reply fields
//!   (`root_post`, `replied_to`, `hide_status`, `is_reply_owned_by_me`) only on replies;
//!   `reply_approval_status` only on replies awaiting approval; media, poll, location,
//!   ghost and attachment fields only on posts that have them. Containers, profiles,
//!   locations, `profile_lookup` and the publishing limit check names strictly. As on
//!   Graph, a node (profile, post, container, location, nested post or location) always
//!   carries its `id`, whatever the selection; list wrappers and objects without an id
//!   (profile lookups, publishing limits, poll attachments) do not.
//! - Lists: opaque cursors, `limit` (default 25, capped at 100), `before` XOR `after`,
//!   `since`/`until` (Unix or date; `since` ≥ 2023-07-05, `until` ≤ now, `since` < `until`).
//!
//! ## Clock
//!
//! The emulator runs on the workspace's time abstraction, [`Clock`]. In process, the
//! default is a [`ManualClock`] at [`DEFAULT_START`] (2026-01-01T00:00:00Z, or
//! [`EmulatorBuilder::start_time`]) that only moves with [`Admin::advance`] /
//! [`Admin::set_time`]. [`EmulatorBuilder::clock`] takes any clock instead: give the
//! emulator the same `Arc<ManualClock>` as the stores and pipelines of a test, and one
//! `advance` moves them all (the admin calls move that clock itself); give it
//! [`SystemClock`] and time passes in real time, the admin calls adding an offset. The
//! binary uses the real-time clock by default, so clients that poll container status see
//! containers finish and fresh tokens are fresh to `debug_token` readers; `--manual-clock`
//! (with `--start-time`) gives it the manual clock. Time is whole Unix seconds.
//!
//! Token lifetimes (code 1 h, short-lived 1 h, long-lived 60 days, refresh after 24 h; the
//! permission grant ends 90 days after authorization, a refresh extends it for public
//! profiles only, and a token whose grant has ended fails with 190/463 like an expired
//! one), container processing ([`ProcessingDelays`]) and 24 h expiry, rolling 24 h quotas,
//! ghost post archiving, insights growth and webhook retries all read this clock. With
//! automatic webhook delivery and a clock that passes on its own, due retries go out within
//! a second.
//!
//! ## Media fetch
//!
//! By default ([`MediaFetch::Off`]) IMAGE and VIDEO containers never download their URL:
//! they finish after their processing delay, so fake `https://` URLs work offline. With
//! [`EmulatorBuilder::media_fetch`] / [`Admin::set_media_fetch`] set to
//! [`MediaFetch::Fetch`], container creation downloads `image_url` / `video_url` (10 s
//! timeout, at most [`MAX_IMAGE_BYTES`] / [`MAX_VIDEO_BYTES`]) before it answers, and checks
//! what the bytes show: images JPEG or PNG, ≤ 8 MB, aspect ratio ≤ 10:1 (PNG `IHDR`, JPEG
//! `SOFn`); videos MOV/MP4 (`ftyp` first), ≤ 1 GB, `moov` before `mdat`, `mvhd` duration
//! above 0 and ≤ 300 s. A failed check puts the container in `ERROR` with
//! `FAILED_DOWNLOADING_VIDEO` (video not downloadable), `INVALID_DURATION`,
//! `INVALID_ASPEC_RATIO` (sic) or `UNKNOWN` (everything else, including an image that
//! cannot be downloaded, as Meta reports it in practice). Codecs, frame rate, bit rate and
//! audio are not checked. With fetching on, the emulator requests whatever URL a client
//! sends; like the admin API, keep it on loopback.
//!
//! ## Admin API
//!
//! [`Admin`] (from [`RunningEmulator::admin`]) creates apps and users, posts as other users
//! ([`Admin::post_as`]: replies, mentions, public posts for search), mints tokens, moves the
//! clock, configures faults, reads the [ledger](LedgerEntry) and drives webhooks and
//! callbacks. [`Admin::follow`] builds a follow graph; replies made with
//! [`Admin::post_as`] obey the parent post's `reply_control` (`accounts_you_follow`: the
//! author follows the replier; `followers_only`: the replier follows the author;
//! `mentioned_only`: the replier is @-mentioned in the post text;
//! `parent_post_author_only`: only the author) and are refused with
//! [`Error::ReplyNotAllowed`] otherwise; replies created through the API by the account
//! under test obey the same rules and fail with code 10. The same operations are served over HTTP under `/__admin/` (table in the
//! [`admin`] module docs). The admin API has no authentication: run the emulator on
//! loopback only.
//!
//! ## Faults
//!
//! [`FaultRule`]s name an [`Endpoint`], a probability, an optional firing budget and a
//! [`FaultAction`]: Graph errors (transient 1/2, rate limits 4/17/613, 190), bare HTTP
//! statuses, latency, "committed but the response never arrives" (hang or cut
//! connection), containers stuck IN_PROGRESS or ending in ERROR, spurious 24/4279009 on
//! publish, expiring the caller's token. Rolls use a generator seeded by
//! [`EmulatorBuilder::seed`]: the same seed and request sequence reproduce the same faults.
//! Every create, publish, repost, delete and moderation call is recorded in the ledger with
//! its outcome (Graph code and HTTP status when it failed; see [`LedgerEntry::succeeded`])
//! and the fault that fired, so tests can count duplicates.
//!
//! ## Webhooks and callbacks
//!
//! [`Admin::subscribe_webhooks`] performs the `hub.challenge` handshake; events (`replies`,
//! `mentions`, `publish`, `delete`) use the Threads envelope and are signed with
//! `X-Hub-Signature-256` over the exact body. Delivery is manual
//! ([`Admin::deliver_webhooks`]) or automatic ([`DeliveryMode`]); retries back off on the
//! emulator's clock. [`Admin::fire_callback`] sends a deauthorize or data-deletion
//! `signed_request`.
//!
//! ## Memory and concurrency
//!
//! All state sits in one value behind one `Mutex`, locked once per request and never across
//! an `.await`. Memory is bounded by the data held: expired codes, tokens and containers are
//! purged, quota windows are pruned, webhook delivery records are capped at 1,000. The
//! ledger is the only unbounded log; clear it with [`Admin::clear_ledger`].

pub mod admin;
mod app_usage;
mod audience;
mod callbacks;
mod clock;
mod containers;
mod context;
mod delivery;
mod errors;
mod faults;
mod fields;
mod insights;
mod ledger;
mod media;
mod metrics;
mod oauth;
mod paging;
mod params;
mod posts;
mod profile;
mod replies;
mod rng;
mod search;
mod server;
mod state;
mod timestamps;
mod validation;
mod webhook_queue;
mod webhooks;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use admin::{
    Admin, AppInfo, AppSpec, LocationSpec, MintedToken, PostAs, TokenSpec, UserInfo, UserSpec,
    WebhookSpec,
};
pub use callbacks::{CallbackKind, CallbackOutcome, signed_request};
pub use clock::DEFAULT_START;
pub use errors::Error;
pub use faults::{Endpoint, FaultAction, FaultRule};
pub use ledger::{LedgerEntry, Operation};
pub use media::{MAX_IMAGE_BYTES, MAX_VIDEO_BYTES, MediaFetch};
pub use oauth::ALL_SCOPES;
pub use state::{ProcessingDelays, RepublishBehaviour};
pub use timestamps::format_timestamp;
pub use token_crypto::{Clock, ManualClock, SystemClock};
pub use validation::threads_text_length;
pub use webhook_queue::{DeliveryMode, DeliveryRecord, DeliveryReport, signature_header};

use clock::{EmulatorClock, Source};
use context::Shared;
use state::{Config, World};

/// Entry point: `Emulator::builder()`.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder with defaults: seed 0, a manual clock at [`DEFAULT_START`]
    /// (2026-01-01T00:00:00Z), `127.0.0.1:0` (a free port), default processing delays,
    /// manual webhook delivery.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// Configures and starts an emulator.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    seed: u64,
    clock: Option<Source>,
    start_time: Option<i64>,
    addr: SocketAddr,
    delays: ProcessingDelays,
    delivery: DeliveryMode,
    republish: RepublishBehaviour,
    media_fetch: MediaFetch,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            seed: 0,
            clock: None,
            start_time: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            delays: ProcessingDelays::default(),
            delivery: DeliveryMode::Manual,
            republish: RepublishBehaviour::Reject,
            media_fetch: MediaFetch::Off,
        }
    }
}

impl EmulatorBuilder {
    /// Seed for faults, ids and tokens.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The clock the emulator reads (default: a fresh [`ManualClock`] at
    /// [`DEFAULT_START`]).
    ///
    /// Pass the same `Arc<ManualClock>` to the emulator and to the other components of a
    /// test (stores, pipelines): moving that clock moves them all, and
    /// [`Admin::advance`] / [`Admin::set_time`] move that clock itself. A `ManualClock`
    /// given by value or in an `Arc` is recognised as movable; any other clock — including
    /// an `Arc<dyn Clock>`, whose concrete type is hidden — is only read, and the admin
    /// calls keep an offset on top of it. [`SystemClock`] gives an emulator whose time
    /// passes in real time (what the binary does by default).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use threads_emulator::{Clock, Emulator, ManualClock};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), threads_emulator::Error> {
    /// let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()));
    /// let emu = Emulator::builder().clock(Arc::clone(&clock)).start().await?;
    /// clock.advance(TimeDelta::hours(1)); // the emulator sees it
    /// assert_eq!(emu.admin().now(), clock.now().timestamp());
    /// emu.admin().advance(60); // and the shared clock moves with the admin call
    /// assert_eq!(clock.now(), Utc.with_ymd_and_hms(2026, 3, 1, 1, 1, 0).unwrap());
    /// # emu.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub fn clock<C: Clock + 'static>(mut self, clock: C) -> Self {
        self.clock = Some(Source::of(clock));
        self
    }

    /// The emulator's time when it starts (Unix seconds). With the default clock this is
    /// where the manual clock starts (default [`DEFAULT_START`]). With a clock given to
    /// [`EmulatorBuilder::clock`], a `ManualClock` is set to this time at start and any other
    /// clock gets the offset that makes it read this time (then time passes from there);
    /// without `start_time` such a clock is used as it stands.
    pub fn start_time(mut self, unix: i64) -> Self {
        self.start_time = Some(unix);
        self
    }

    /// Listen address (port 0 picks a free port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Listen on `127.0.0.1:port`.
    pub fn port(mut self, port: u16) -> Self {
        self.addr = SocketAddr::from(([127, 0, 0, 1], port));
        self
    }

    /// Container processing delays.
    pub fn processing_delays(mut self, delays: ProcessingDelays) -> Self {
        self.delays = delays;
        self
    }

    /// Webhook delivery mode.
    pub fn webhook_delivery(mut self, mode: DeliveryMode) -> Self {
        self.delivery = mode;
        self
    }

    /// What publishing an already published container does.
    pub fn republish(mut self, behaviour: RepublishBehaviour) -> Self {
        self.republish = behaviour;
        self
    }

    /// Whether IMAGE / VIDEO containers fetch and check their media URL (default
    /// [`MediaFetch::Off`]; see [`MediaFetch`]).
    pub fn media_fetch(mut self, mode: MediaFetch) -> Self {
        self.media_fetch = mode;
        self
    }

    /// Binds the socket and starts serving on the current Tokio runtime.
    pub async fn start(self) -> Result<RunningEmulator, Error> {
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(Error::Bind)?;
        let addr = listener.local_addr().map_err(Error::Bind)?;
        let base_url = format!("http://{addr}");
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(Error::Http)?;
        let clock = match self.clock {
            None => EmulatorClock::manual(self.start_time.unwrap_or(DEFAULT_START)),
            Some(source) => EmulatorClock::new(source, self.start_time),
        };
        // A clock that passes on its own makes retries due without anyone calling: the
        // delivery task then also looks for due events every second.
        let tick = !clock.is_manual();
        let world = World::new(
            self.seed,
            clock,
            Config {
                delays: self.delays,
                republish: self.republish,
                media_fetch: self.media_fetch,
            },
        );
        let auto_deliver = self.delivery == DeliveryMode::Automatic;
        let shared = Arc::new(Shared {
            world: Mutex::new(world),
            http,
            notify: tokio::sync::Notify::new(),
            base_url: base_url.clone(),
            auto_deliver,
        });
        let (tx, rx) = oneshot::channel::<()>();
        let app = server::router(shared.clone());
        let mut shutdown_rx = rx;
        let webhook_shared = shared.clone();
        let (wtx, mut wrx) = oneshot::channel::<()>();
        let webhook_task = auto_deliver.then(|| {
            tokio::spawn(async move {
                let mut ticker = tokio::time::interval(std::time::Duration::from_secs(1));
                ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        _ = &mut wrx => break,
                        _ = webhook_shared.notify.notified() => {
                            delivery::deliver_pending(&webhook_shared).await;
                        }
                        _ = ticker.tick(), if tick => {
                            delivery::deliver_pending(&webhook_shared).await;
                        }
                    }
                }
            })
        });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = (&mut shutdown_rx).await;
                })
                .await;
        });
        Ok(RunningEmulator {
            addr,
            base_url,
            admin: Admin { shared },
            shutdown: Some(tx),
            webhook_stop: Some(wtx),
            task: Some(task),
            webhook_task,
        })
    }
}

/// A running emulator. Dropping it stops the server (use [`RunningEmulator::shutdown`] to
/// wait for the stop).
#[derive(Debug)]
pub struct RunningEmulator {
    addr: SocketAddr,
    base_url: String,
    admin: Admin,
    shutdown: Option<oneshot::Sender<()>>,
    webhook_stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    webhook_task: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    /// `http://127.0.0.1:PORT`: the Graph API base URL (append `/v1.0/...` or use it bare).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The authorize page (`{base_url}/oauth/authorize`), the stand-in for
    /// `https://threads.net/oauth/authorize`.
    pub fn authorize_url(&self) -> String {
        format!("{}/oauth/authorize", self.base_url)
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The admin handle.
    pub fn admin(&self) -> &Admin {
        &self.admin
    }

    /// Stops the server and waits for it to finish.
    /// Connections still open after 5 s (e.g. held by a `CommitThenHang` fault) are cut.
    pub async fn shutdown(mut self) {
        self.stop();
        for task in [self.task.take(), self.webhook_task.take()]
            .into_iter()
            .flatten()
        {
            let abort = task.abort_handle();
            if tokio::time::timeout(std::time::Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(tx) = self.webhook_stop.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.stop();
    }
}
