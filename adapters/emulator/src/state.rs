//! Everything the emulator holds. One [`World`] value sits behind one `std::sync::Mutex` in
//! [`crate::context::Shared`]: every request locks it once (never across an `.await`), so
//! each API call is atomic with respect to the others. That is simple and fast enough for a
//! test server (see the `emulator_get` bench).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use serde_json::Value;

use crate::clock::EmulatorClock;
use crate::errors::{ApiError, ErrorType};
use crate::faults::FaultRule;
use crate::ledger::LedgerEntry;
use crate::rng::SeededRng;
use crate::webhook_queue::WebhookQueue;

/// First numeric id handed out (17 digits, like real Threads ids).
const FIRST_ID: u64 = 17_841_400_000_000_001;

/// Container processing delays on the emulator's clock, per media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProcessingDelays {
    /// Seconds before a TEXT container is FINISHED (real API: immediate).
    pub text_secs: i64,
    /// Seconds before an IMAGE container is FINISHED.
    pub image_secs: i64,
    /// Seconds before a VIDEO container is FINISHED.
    pub video_secs: i64,
    /// Extra seconds a CAROUSEL container needs after all its children are FINISHED.
    pub carousel_secs: i64,
}

impl Default for ProcessingDelays {
    fn default() -> Self {
        Self {
            text_secs: 0,
            image_secs: 5,
            video_secs: 30,
            carousel_secs: 0,
        }
    }
}

/// What publishing an already published container does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepublishBehaviour {
    /// Fail with code 24 / subcode 4279009, like any container that is not FINISHED.
    #[default]
    Reject,
    /// Publish it again as a second post (lets tests prove a client never does this).
    Duplicate,
}

#[derive(Debug, Clone)]
pub(crate) struct App {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) secret: String,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) uninstall_url: Option<String>,
    pub(crate) delete_url: Option<String>,
    pub(crate) advanced_access: bool,
    pub(crate) authorize_as: Option<String>,
    pub(crate) deny_authorize: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) username: String,
    pub(crate) name: String,
    pub(crate) biography: String,
    pub(crate) picture_url: String,
    pub(crate) is_verified: bool,
    pub(crate) followers: u64,
    pub(crate) is_private: bool,
    pub(crate) geo_gating: bool,
    /// Scopes this user grants when asked on the authorize page.
    pub(crate) scopes: BTreeSet<String>,
    pub(crate) recent_searches: VecDeque<(String, i64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    ShortLived,
    LongLived,
}

#[derive(Debug, Clone)]
pub(crate) struct TokenRec {
    pub(crate) app_id: String,
    pub(crate) user_id: String,
    pub(crate) kind: TokenKind,
    pub(crate) scopes: BTreeSet<String>,
    pub(crate) issued_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) data_access_expires_at: i64,
}

impl TokenRec {
    /// When the token stops working: its own expiry or the end of the 90-day permission
    /// grant, whichever comes first.
    pub(crate) fn lapses_at(&self) -> i64 {
        self.expires_at.min(self.data_access_expires_at)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct CodeRec {
    pub(crate) app_id: String,
    pub(crate) user_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) scopes: BTreeSet<String>,
    pub(crate) expires_at: i64,
}

/// Write-side media types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteType {
    Text,
    Image,
    Video,
    Carousel,
}

/// Read-side media types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadType {
    TextPost,
    Image,
    Video,
    CarouselAlbum,
    RepostFacade,
}

impl ReadType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::TextPost => "TEXT_POST",
            Self::Image => "IMAGE",
            Self::Video => "VIDEO",
            Self::CarouselAlbum => "CAROUSEL_ALBUM",
            Self::RepostFacade => "REPOST_FACADE",
        }
    }
}

impl WriteType {
    pub(crate) fn read(self) -> ReadType {
        match self {
            Self::Text => ReadType::TextPost,
            Self::Image => ReadType::Image,
            Self::Video => ReadType::Video,
            Self::Carousel => ReadType::CarouselAlbum,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Poll {
    pub(crate) options: Vec<String>,
    pub(crate) expires_at: i64,
}

/// Everything a container (and the post it becomes) carries.
#[derive(Debug, Clone)]
pub(crate) struct Content {
    pub(crate) media_type: WriteType,
    pub(crate) text: Option<String>,
    pub(crate) image_url: Option<String>,
    pub(crate) video_url: Option<String>,
    /// Container ids on a container; post ids on a post.
    pub(crate) children: Vec<u64>,
    pub(crate) reply_to: Option<u64>,
    /// Upper-case read-side value.
    pub(crate) reply_audience: String,
    pub(crate) quote_post_id: Option<u64>,
    pub(crate) link_attachment: Option<String>,
    pub(crate) alt_text: Option<String>,
    pub(crate) location_id: Option<u64>,
    pub(crate) topic_tag: Option<String>,
    pub(crate) poll: Option<Poll>,
    pub(crate) gif_url: Option<String>,
    pub(crate) text_entities: Vec<(String, u64, u64)>,
    pub(crate) is_spoiler_media: bool,
    pub(crate) text_attachment: Option<Value>,
    pub(crate) is_ghost: bool,
    pub(crate) reply_approvals: bool,
    pub(crate) allowlisted: Vec<String>,
    pub(crate) crossreshare: bool,
    pub(crate) is_carousel_item: bool,
}

impl Content {
    pub(crate) fn text_only(text: &str) -> Self {
        Self {
            media_type: WriteType::Text,
            text: Some(text.to_owned()),
            image_url: None,
            video_url: None,
            children: Vec::new(),
            reply_to: None,
            reply_audience: "EVERYONE".to_owned(),
            quote_post_id: None,
            link_attachment: None,
            alt_text: None,
            location_id: None,
            topic_tag: None,
            poll: None,
            gif_url: None,
            text_entities: Vec::new(),
            is_spoiler_media: false,
            text_attachment: None,
            is_ghost: false,
            reply_approvals: false,
            allowlisted: Vec::new(),
            crossreshare: false,
            is_carousel_item: false,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Container {
    pub(crate) owner: String,
    pub(crate) content: Content,
    pub(crate) created_at: i64,
    pub(crate) ready_at: i64,
    pub(crate) error: Option<String>,
    pub(crate) published: Option<u64>,
}

/// Container status as the API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    InProgress,
    Finished,
    Published,
    Error,
    Expired,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "IN_PROGRESS",
            Self::Finished => "FINISHED",
            Self::Published => "PUBLISHED",
            Self::Error => "ERROR",
            Self::Expired => "EXPIRED",
        }
    }
}

/// Seconds an unpublished container lives.
pub(crate) const CONTAINER_TTL: i64 = 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Approval {
    Pending,
    Ignored,
    Approved,
}

#[derive(Debug, Clone)]
pub(crate) struct Post {
    pub(crate) id: u64,
    pub(crate) owner: String,
    pub(crate) content: Content,
    pub(crate) read_type: ReadType,
    pub(crate) reposted: Option<u64>,
    pub(crate) timestamp: i64,
    pub(crate) shortcode: String,
    pub(crate) root: Option<u64>,
    /// Hide status of a top-level reply as set by `manage_reply` (`None` = NOT_HUSHED).
    pub(crate) hide: Option<&'static str>,
    pub(crate) approval: Option<Approval>,
    pub(crate) is_carousel_child: bool,
}

impl Post {
    pub(crate) fn is_reply(&self) -> bool {
        self.content.reply_to.is_some()
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Location {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) address: String,
    pub(crate) city: String,
    pub(crate) country: String,
    pub(crate) latitude: f64,
    pub(crate) longitude: f64,
    pub(crate) postal_code: String,
}

/// The rolling 24 h quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Quota {
    Posts,
    Replies,
    Deletes,
    LocationSearch,
    KeywordSearch,
    ProfileLookup,
}

impl Quota {
    pub(crate) fn total(self) -> usize {
        match self {
            Self::Posts => 250,
            Self::Replies => 1000,
            Self::Deletes => 100,
            Self::LocationSearch => 500,
            Self::KeywordSearch => 2200,
            Self::ProfileLookup => 1000,
        }
    }
}

/// Mutable configuration set at start and through the admin API.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) delays: ProcessingDelays,
    pub(crate) republish: RepublishBehaviour,
    pub(crate) media_fetch: crate::media::MediaFetch,
}

/// The whole emulated world.
#[derive(Debug)]
pub(crate) struct World {
    pub(crate) clock: EmulatorClock,
    pub(crate) seed: u64,
    pub(crate) rng: SeededRng,
    pub(crate) fault_rng: SeededRng,
    pub(crate) next_id: u64,
    pub(crate) apps: BTreeMap<String, App>,
    pub(crate) users: BTreeMap<String, User>,
    pub(crate) usernames: HashMap<String, String>,
    pub(crate) tokens: HashMap<String, TokenRec>,
    pub(crate) codes: HashMap<String, CodeRec>,
    /// Scopes each user granted each app: `(app_id, user_id)`.
    pub(crate) grants: HashMap<(String, String), BTreeSet<String>>,
    pub(crate) containers: BTreeMap<u64, Container>,
    pub(crate) posts: BTreeMap<u64, Post>,
    pub(crate) locations: BTreeMap<u64, Location>,
    pub(crate) quotas: HashMap<(String, Quota), VecDeque<i64>>,
    pub(crate) oembed_calls: VecDeque<i64>,
    pub(crate) ledger: Vec<LedgerEntry>,
    pub(crate) ledger_seq: u64,
    pub(crate) faults: Vec<FaultRule>,
    pub(crate) webhooks: WebhookQueue,
    /// Media fetches scheduled by container creation, run by the server outside the lock.
    pub(crate) pending_fetches: Vec<crate::media::PendingFetch>,
    /// The follow graph: `(follower, followee)` user ids.
    pub(crate) follow_graph: BTreeSet<(String, String)>,
    pub(crate) config: Config,
    pub(crate) default_authorizer: Option<String>,
    pub(crate) inserts: u64,
    /// Calls per app in hourly buckets `(hour, count)`, at most 24 kept (for `X-App-Usage`).
    pub(crate) app_calls: HashMap<String, VecDeque<(i64, u64)>>,
    /// Keyword-search terms treated as sensitive (they return an empty list).
    pub(crate) sensitive: BTreeSet<String>,
}

impl World {
    pub(crate) fn new(seed: u64, clock: EmulatorClock, config: Config) -> Self {
        let mut w = Self {
            clock,
            seed,
            rng: SeededRng::new(seed ^ 0x0005_eed0_f704_3e25),
            fault_rng: SeededRng::new(seed),
            next_id: FIRST_ID,
            apps: BTreeMap::new(),
            users: BTreeMap::new(),
            usernames: HashMap::new(),
            tokens: HashMap::new(),
            codes: HashMap::new(),
            grants: HashMap::new(),
            containers: BTreeMap::new(),
            posts: BTreeMap::new(),
            locations: BTreeMap::new(),
            quotas: HashMap::new(),
            oembed_calls: VecDeque::new(),
            ledger: Vec::new(),
            ledger_seq: 0,
            faults: Vec::new(),
            webhooks: WebhookQueue::default(),
            pending_fetches: Vec::new(),
            follow_graph: BTreeSet::new(),
            config,
            default_authorizer: None,
            inserts: 0,
            app_calls: HashMap::new(),
            sensitive: BTreeSet::new(),
        };
        w.seed_locations();
        w
    }

    fn seed_locations(&mut self) {
        let seeds = [
            (
                "Menlo Park",
                "1 Hacker Way",
                "Menlo Park",
                "US",
                37.4848,
                -122.1484,
                "94025",
            ),
            (
                "Meta HQ Cafe",
                "1 Hacker Way",
                "Menlo Park",
                "US",
                37.4850,
                -122.1480,
                "94025",
            ),
            (
                "Times Square",
                "Broadway & 7th Ave",
                "New York",
                "US",
                40.7580,
                -73.9855,
                "10036",
            ),
            (
                "Eiffel Tower",
                "Champ de Mars",
                "Paris",
                "FR",
                48.8584,
                2.2945,
                "75007",
            ),
            (
                "Shibuya Crossing",
                "Shibuya",
                "Tokyo",
                "JP",
                35.6595,
                139.7005,
                "150-0002",
            ),
        ];
        for (name, address, city, country, lat, lon, postal) in seeds {
            let id = self.new_id();
            self.locations.insert(
                id,
                Location {
                    id,
                    name: name.to_owned(),
                    address: address.to_owned(),
                    city: city.to_owned(),
                    country: country.to_owned(),
                    latitude: lat,
                    longitude: lon,
                    postal_code: postal.to_owned(),
                },
            );
        }
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.now()
    }

    pub(crate) fn new_id(&mut self) -> u64 {
        let id = self.next_id;
        // Ids grow with small random gaps so neighbours are not guessable by +1.
        self.next_id += 1 + self.rng.next_u64() % 7;
        id
    }

    pub(crate) fn trace_id(&mut self) -> String {
        format!("A{}", self.rng.alnum(22))
    }

    /// Drops expired codes and long-dead tokens and containers now and then, so memory
    /// stays bounded by live data.
    pub(crate) fn housekeeping(&mut self) {
        self.inserts += 1;
        if !self.inserts.is_multiple_of(256) {
            return;
        }
        let now = self.now();
        self.codes.retain(|_, c| c.expires_at > now);
        self.tokens.retain(|_, t| t.expires_at + 7 * 86_400 > now);
        self.containers.retain(|_, c| {
            c.published.is_some() || c.created_at + CONTAINER_TTL + 7 * 86_400 > now
        });
    }

    pub(crate) fn user_by_name(&self, username: &str) -> Option<&User> {
        let key = username.trim_start_matches('@').to_ascii_lowercase();
        self.usernames.get(&key).and_then(|id| self.users.get(id))
    }

    pub(crate) fn username_of(&self, user_id: &str) -> String {
        self.users
            .get(user_id)
            .map(|u| u.username.clone())
            .unwrap_or_default()
    }

    /// Whether `follower` follows `followee`.
    pub(crate) fn follows(&self, follower: &str, followee: &str) -> bool {
        self.follow_graph
            .contains(&(follower.to_owned(), followee.to_owned()))
    }

    pub(crate) fn is_public(&self, user_id: &str) -> bool {
        self.users.get(user_id).is_some_and(|u| !u.is_private)
    }

    /// The status of a container at the current virtual time.
    pub(crate) fn container_status(&self, c: &Container) -> Status {
        if c.published.is_some() {
            return Status::Published;
        }
        if c.error.is_some() {
            return Status::Error;
        }
        let now = self.now();
        if now >= c.created_at + CONTAINER_TTL {
            return Status::Expired;
        }
        if c.content.media_type == WriteType::Carousel {
            for child in &c.content.children {
                if let Some(ch) = self.containers.get(child) {
                    match self.container_status(ch) {
                        Status::Error => return Status::Error,
                        Status::InProgress => return Status::InProgress,
                        _ => {}
                    }
                }
            }
        }
        if now < c.ready_at {
            Status::InProgress
        } else {
            Status::Finished
        }
    }

    /// Error message of an ERROR container (a carousel inherits its child's).
    pub(crate) fn container_error(&self, c: &Container) -> Option<String> {
        if let Some(e) = &c.error {
            return Some(e.clone());
        }
        c.content
            .children
            .iter()
            .filter_map(|id| self.containers.get(id))
            .find_map(|ch| ch.error.clone())
    }

    /// Uses one unit of a rolling quota, or fails when none is left.
    pub(crate) fn quota_usage(&mut self, user: &str, quota: Quota) -> usize {
        let now = self.now();
        let q = self.quotas.entry((user.to_owned(), quota)).or_default();
        while q.front().is_some_and(|t| *t <= now - 86_400) {
            q.pop_front();
        }
        // Entries from the future (clock set backwards) still count.
        q.len()
    }

    pub(crate) fn quota_take(&mut self, user: &str, quota: Quota) -> Result<(), ApiError> {
        if self.quota_usage(user, quota) >= quota.total() {
            return Err(quota_error(quota));
        }
        self.quota_record(user, quota);
        Ok(())
    }

    pub(crate) fn quota_check(&mut self, user: &str, quota: Quota) -> Result<(), ApiError> {
        if self.quota_usage(user, quota) >= quota.total() {
            return Err(quota_error(quota));
        }
        Ok(())
    }

    pub(crate) fn quota_record(&mut self, user: &str, quota: Quota) {
        let now = self.now();
        self.quotas
            .entry((user.to_owned(), quota))
            .or_default()
            .push_back(now);
    }
}

/// The error sent when a rolling quota is exhausted. Meta's rate-limiting page gives the
/// quotas (<https://developers.facebook.com/docs/threads/overview#rate-limiting>) but not
/// the error a call over one gets, so the code is a guess: 613 ("Calls to this api have
/// exceeded the rate limit", Graph's custom rate-limit code), not transient, with a message
/// naming the quota.
pub(crate) fn quota_error(quota: Quota) -> ApiError {
    let what = match quota {
        Quota::Posts => "posts published (250 per 24 hours)",
        Quota::Replies => "replies published (1,000 per 24 hours)",
        Quota::Deletes => "posts deleted (100 per 24 hours)",
        Quota::LocationSearch => "location searches (500 per 24 hours)",
        Quota::KeywordSearch => "keyword searches (2,200 per 24 hours)",
        Quota::ProfileLookup => "profile lookups (1,000 per 24 hours)",
    };
    ApiError::graph(
        ErrorType::OAuth,
        613,
        format!("Calls to this api have exceeded the rate limit: quota of {what} reached"),
    )
}
