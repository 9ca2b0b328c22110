//! [`PipelineConfig`]: every policy knob, with documented defaults.

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::network::Breakdown;

/// Whether drafts of a kind need a person's approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ApprovalMode {
    /// Drafts that pass the guardrails are approved by the system at once.
    Automatic,
    /// Every draft waits for a person.
    Manual,
}

/// Approval mode per kind of draft. A draft whose text failed a guardrail
/// check, or needed a repair that changed its meaning (a cut), always goes
/// to a person, whatever the mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApprovalPolicy {
    /// Top-level posts and quotes. Default: manual.
    pub posts: ApprovalMode,
    /// Replies. Default: manual.
    pub replies: ApprovalMode,
}

impl Default for ApprovalPolicy {
    fn default() -> Self {
        Self {
            posts: ApprovalMode::Manual,
            replies: ApprovalMode::Manual,
        }
    }
}

/// What to do with a post whose time passed while no worker ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LateAction {
    /// Publish it now, late.
    PublishNow,
    /// Mark it [`Missed`](store_traits::DraftState::Missed) and leave it to a person.
    MarkMissed,
}

/// The lateness policy: a post picked up more than `grace` after its
/// scheduled time gets `action`. Posts within the grace are published as
/// usual. Defaults: 15 minutes, publish now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LatenessPolicy {
    /// How late is still on time.
    pub grace: TimeDelta,
    /// What happens after that.
    pub action: LateAction,
}

impl Default for LatenessPolicy {
    fn default() -> Self {
        Self {
            grace: TimeDelta::minutes(15),
            action: LateAction::PublishNow,
        }
    }
}

/// When tokens are refreshed. Threads lets a long-lived token (60 days) be
/// refreshed once it is 24 hours old and while it is still valid; the
/// pipeline refreshes inside `window` before expiry, never earlier than
/// `min_age` after issue. Defaults: 10 days, 24 hours, retries every hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefreshPolicy {
    /// Refresh once the token expires within this.
    pub window: TimeDelta,
    /// Never refresh a token younger than this.
    pub min_age: TimeDelta,
    /// Wait before trying again after a transient failure.
    pub retry_after: TimeDelta,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            window: TimeDelta::days(10),
            min_age: TimeDelta::hours(24),
            retry_after: TimeDelta::hours(1),
        }
    }
}

/// How publishing waits, retries and gives up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PublishPolicy {
    /// First wait between container status checks; doubles up to
    /// `poll_max`. Default 2 s.
    pub poll_initial: TimeDelta,
    /// Longest wait between status checks. Default 60 s.
    pub poll_max: TimeDelta,
    /// How long a worker keeps polling a processing container in-process
    /// before it hands the job back to the queue for later. Default 30 s.
    pub inline_wait: TimeDelta,
    /// Containers created for one draft before it fails (ERROR or EXPIRED
    /// containers are replaced). Default 3.
    pub max_containers: u32,
    /// Base and cap of the retry backoff after transient failures.
    /// Defaults 5 s and 10 min.
    pub retry_base: TimeDelta,
    /// See `retry_base`.
    pub retry_max: TimeDelta,
    /// A draft that makes no progress for this long leaves publishing: it
    /// fails if the publish call was never sent, and becomes
    /// [`Unconfirmed`](store_traits::DraftState::Unconfirmed) for a person
    /// if it was. Default 6 hours.
    pub deadline: TimeDelta,
    /// How far back before the publish call reconciliation looks for the
    /// live post (clock skew between us and the network). Default 10 min.
    pub reconcile_skew: TimeDelta,
    /// How long a quota reservation holds its unit before it lapses (a
    /// crashed worker cannot leak quota for longer). Default 15 min.
    pub quota_hold: TimeDelta,
}

impl Default for PublishPolicy {
    fn default() -> Self {
        Self {
            poll_initial: TimeDelta::seconds(2),
            poll_max: TimeDelta::seconds(60),
            inline_wait: TimeDelta::seconds(30),
            max_containers: 3,
            retry_base: TimeDelta::seconds(5),
            retry_max: TimeDelta::minutes(10),
            deadline: TimeDelta::hours(6),
            reconcile_skew: TimeDelta::minutes(10),
            quota_hold: TimeDelta::minutes(15),
        }
    }
}

/// How the next free slot is found in a persona's posting windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SlotPolicy {
    /// Slots are the window starts plus multiples of this. Default 30 min.
    pub interval: TimeDelta,
    /// A slot is free when no other post of the account is scheduled, or
    /// was published in the last day, closer than this to it. Default 30 min.
    pub min_gap: TimeDelta,
    /// How far ahead to search. Default 30 days.
    pub horizon: TimeDelta,
}

impl Default for SlotPolicy {
    fn default() -> Self {
        Self {
            interval: TimeDelta::minutes(30),
            min_gap: TimeDelta::minutes(30),
            horizon: TimeDelta::days(30),
        }
    }
}

/// How drafts are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GenerationPolicy {
    /// Candidates asked of the model per draft, ranked by voice score. Default 3.
    pub candidates: u32,
    /// Most parts a long text is split into (a reply chain). Default 5.
    pub max_chain_parts: u32,
}

impl Default for GenerationPolicy {
    fn default() -> Self {
        Self {
            candidates: 3,
            max_chain_parts: 5,
        }
    }
}

/// What connecting an account syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SyncPolicy {
    /// Most past posts read (across pages) to learn the voice. Default 200.
    pub max_posts: usize,
}

impl Default for SyncPolicy {
    fn default() -> Self {
        Self { max_posts: 200 }
    }
}

/// How replies and mentions are handled. The persona's own
/// [`ReplyPolicy`](persona_core::ReplyPolicy) decides which intents are
/// answered and caps answers per person, per thread and per day; these are
/// the limits the persona cannot lift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConversationPolicy {
    /// Hide abuse and spam on the network (`manage_reply`). Default: true.
    pub hide_abuse: bool,
    /// The deepest message answered: 1 is a reply to the account's post, 2 a
    /// reply to a reply. Default 4.
    pub max_depth: u32,
    /// Turns the account and one author may take in one thread before the
    /// account stops answering them there (another bot, or a loop). Default 3.
    pub max_exchanges: u32,
    /// Answers go out after a random delay in this range (right after the
    /// comment, every time, reads as a bot). Defaults 2 and 10 minutes.
    pub reply_delay_min: TimeDelta,
    /// See `reply_delay_min`.
    pub reply_delay_max: TimeDelta,
    /// Hosts an answer may link to (subdomains included). Default: none, so
    /// answers carry no links.
    pub allowed_link_hosts: Vec<String>,
    /// How often polling looks for replies and mentions a webhook missed.
    /// Default 15 minutes.
    pub poll_interval: TimeDelta,
    /// How far back polling looks: the account's posts of this period, and
    /// mentions since then on the first poll. Default 7 days.
    pub poll_lookback: TimeDelta,
}

impl Default for ConversationPolicy {
    fn default() -> Self {
        Self {
            hide_abuse: true,
            max_depth: 4,
            max_exchanges: 3,
            reply_delay_min: TimeDelta::minutes(2),
            reply_delay_max: TimeDelta::minutes(10),
            allowed_link_hosts: Vec::new(),
            poll_interval: TimeDelta::minutes(15),
            poll_lookback: TimeDelta::days(7),
        }
    }
}

/// Who writes the summary of a strategist report
/// ([`Pipeline::strategist_report`](crate::Pipeline::strategist_report)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReportWriter {
    /// Sentences computed from the figures, the same every time for the
    /// same figures; no model is called.
    Offline,
    /// The pipeline's language model, from the `insights_summary` prompt
    /// (the offline text is kept when the model fails).
    Provider,
}

/// Insights snapshots and reports.
///
/// Each account is measured on its own schedule: every `interval`, at an
/// offset inside the interval derived from the account id, so a thousand
/// accounts spread over the interval instead of firing together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InsightsPolicy {
    /// Time between two snapshots of an account. Default 24 hours.
    pub interval: TimeDelta,
    /// Posts published within this period before a snapshot are measured
    /// in it (older posts keep their last figures). Default 30 days.
    pub post_lookback: TimeDelta,
    /// Most posts measured per snapshot (the newest first). Default 100.
    pub max_posts: usize,
    /// When the network reports this share (percent) of the app's call
    /// budget used, snapshots wait instead of calling (0: whenever it
    /// reports any usage; 100: only once the budget is spent). Default 80.
    pub usage_threshold_percent: u8,
    /// How long a snapshot waits when the budget is nearly used and the
    /// network gave no wait of its own. Default 1 hour.
    pub usage_backoff: TimeDelta,
    /// How long a snapshot waits after a transient failure without a wait
    /// hint. Default 15 minutes.
    pub retry_after: TimeDelta,
    /// The audience breakdowns snapshotted (one snapshot each). Default: all
    /// four (country, city, age, gender).
    pub breakdowns: Vec<Breakdown>,
    /// The period [`Pipeline::apply_best_hours`](crate::Pipeline::apply_best_hours)
    /// reads posts from (the posts published this long before the call).
    /// Default 90 days.
    pub best_hours_period: TimeDelta,
    /// Who writes the strategist report's summary. Default: offline.
    pub report_writer: ReportWriter,
}

impl Default for InsightsPolicy {
    fn default() -> Self {
        Self {
            interval: TimeDelta::hours(24),
            post_lookback: TimeDelta::days(30),
            max_posts: 100,
            usage_threshold_percent: 80,
            usage_backoff: TimeDelta::hours(1),
            retry_after: TimeDelta::minutes(15),
            breakdowns: Breakdown::ALL.to_vec(),
            best_hours_period: TimeDelta::days(90),
            report_writer: ReportWriter::Offline,
        }
    }
}

/// What the URL fetcher accepts (see
/// [`SourceFetcher`](crate::sources::SourceFetcher)). Which addresses it may
/// reach is not configuration: the address guard is on unless the code
/// building a fetcher turns it off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FetchPolicy {
    /// Largest body read, in bytes after decompression; reading stops there.
    /// Default 5 MiB.
    pub max_body_bytes: usize,
    /// Longest time for a whole fetch: every redirect, the headers and the
    /// body. Default 20 s.
    pub timeout: TimeDelta,
    /// Longest time to open one connection. Default 5 s.
    pub connect_timeout: TimeDelta,
    /// Redirects followed, each one checked like the first URL. Default 5.
    pub max_redirects: u32,
    /// Media types accepted (`type/subtype`, lowercase, without parameters).
    /// Default: HTML, XHTML, RSS, Atom, XML, JSON Feed and plain text.
    pub allowed_content_types: Vec<String>,
    /// The `User-Agent` header sent. Default `content-pipeline/<version>`.
    pub user_agent: String,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        Self {
            max_body_bytes: 5 * 1024 * 1024,
            timeout: TimeDelta::seconds(20),
            connect_timeout: TimeDelta::seconds(5),
            max_redirects: 5,
            allowed_content_types: [
                "text/html",
                "application/xhtml+xml",
                "application/rss+xml",
                "application/atom+xml",
                "application/xml",
                "text/xml",
                "application/feed+json",
                "text/plain",
            ]
            .map(String::from)
            .to_vec(),
            user_agent: format!("content-pipeline/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// Who writes a source's summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SummaryMode {
    /// The source's own most representative sentences, chosen offline; no
    /// model is called.
    Extractive,
    /// The pipeline's language model (the extractive summary is kept when
    /// the model fails).
    Provider,
}

/// Sources: fetching, summaries, near-duplicates and feeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SourcePolicy {
    /// What the URL fetcher accepts.
    pub fetch: FetchPolicy,
    /// Who writes summaries. Default: extractive.
    pub summary: SummaryMode,
    /// Sentences in an extractive summary. Default 3.
    pub summary_sentences: usize,
    /// Longest content kept per source, in characters (the rest is cut at a
    /// word boundary). Default 50,000.
    pub max_content_chars: usize,
    /// A draft made from a source is refused when it and a recent draft or
    /// post of the account share at least this share (percent) of the
    /// shorter text's three-word sequences. 0 turns the check off. Default 50.
    pub near_duplicate_percent: u8,
    /// How far back "recent" reaches for the near-duplicate check.
    /// Default 30 days.
    pub near_duplicate_window: TimeDelta,
    /// Time between two reads of a feed (at least one minute). Default 1 hour.
    pub feed_poll_interval: TimeDelta,
    /// Most new feed items drafted per read (the rest wait for the next
    /// read). Default 5.
    pub feed_items_per_poll: usize,
    /// Feed items dated longer ago than this are not drafted (so adding a
    /// feed does not draft its whole archive). Default 7 days.
    pub feed_max_item_age: TimeDelta,
    /// Whether an item whose feed text is short (under 500 characters) has
    /// its linked page fetched for the full text. Default false.
    pub feed_fetch_pages: bool,
}

impl Default for SourcePolicy {
    fn default() -> Self {
        Self {
            fetch: FetchPolicy::default(),
            summary: SummaryMode::Extractive,
            summary_sentences: 3,
            max_content_chars: 50_000,
            near_duplicate_percent: 50,
            near_duplicate_window: TimeDelta::days(30),
            feed_poll_interval: TimeDelta::hours(1),
            feed_items_per_poll: 5,
            feed_max_item_age: TimeDelta::days(7),
            feed_fetch_pages: false,
        }
    }
}

/// How long records are kept, and how often the retention purge runs
/// ([`Pipeline::schedule_purges`](crate::Pipeline::schedule_purges)).
/// `None` keeps a kind forever. Ages are measured on the pipeline's clock.
///
/// What the pipeline cannot purge: the host's own log sink (the `tracing`
/// output). Keep it no longer than `technical_logs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RetentionSettings {
    /// Time between two purges. Default 24 hours.
    pub interval: TimeDelta,
    /// Technical records: finished jobs (with their last errors) by the time
    /// they finished, and webhook inbox entries (the duplicate check) by the
    /// time they arrived. Default 90 days.
    pub technical_logs: Option<TimeDelta>,
    /// Audit events, with their details, by when they happened. Default 90
    /// days.
    pub audit_events: Option<TimeDelta>,
    /// Conversation messages, by when they arrived: older ones lose their
    /// text and author (the records stay as the thread's outline, so a
    /// redelivered reply is still recognised and not answered twice).
    /// Default: kept, since answers are written with the thread as context.
    pub conversations: Option<TimeDelta>,
    /// Accounts without activity (no connection and no post) for this long
    /// are deleted like [`Pipeline::delete_account`](crate::Pipeline::delete_account),
    /// each leaving a deletion request of origin `retention`. Default 365
    /// days (12 months).
    pub inactive_accounts: Option<TimeDelta>,
    /// Insights snapshots, by when they were taken. Default: kept.
    pub insight_snapshots: Option<TimeDelta>,
    /// Completed deletion requests, by when they completed. Default: kept
    /// (they prove the deletion and answer its status look-ups).
    pub deletion_requests: Option<TimeDelta>,
    /// Quota reservations, by when they were committed (or lapsed). Must be
    /// longer than every quota window in use. Default 2 days.
    pub quota_reservations: Option<TimeDelta>,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            interval: TimeDelta::hours(24),
            technical_logs: Some(TimeDelta::days(90)),
            audit_events: Some(TimeDelta::days(90)),
            conversations: None,
            inactive_accounts: Some(TimeDelta::days(365)),
            insight_snapshots: None,
            deletion_requests: None,
            quota_reservations: Some(TimeDelta::days(2)),
        }
    }
}

/// Every policy of a [`Pipeline`](crate::Pipeline). Start from
/// `PipelineConfig::default()` and change what you need; every field is
/// public and documented with its default.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PipelineConfig {
    /// Approval per kind.
    pub approval: ApprovalPolicy,
    /// Posts found late.
    pub lateness: LatenessPolicy,
    /// Token refresh.
    pub refresh: RefreshPolicy,
    /// Publishing waits, retries, deadlines.
    pub publish: PublishPolicy,
    /// Finding slots.
    pub slots: SlotPolicy,
    /// Writing drafts.
    pub generation: GenerationPolicy,
    /// Connecting.
    pub sync: SyncPolicy,
    /// Insights snapshots and reports.
    #[serde(default)]
    pub insights: InsightsPolicy,
    /// Replies and mentions.
    pub conversations: ConversationPolicy,
    /// Sources: fetching, summaries, near-duplicates, feeds.
    #[serde(default)]
    pub sources: SourcePolicy,
    /// Retention: how long records are kept, how often the purge runs.
    #[serde(default)]
    pub retention: RetentionSettings,
}
