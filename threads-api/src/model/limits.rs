//! Publishing quotas: `GET /{user}/threads_publishing_limit`.
//!
//! The response wraps one object in a `data` array:
//! `{"data":[{"quota_usage":0,"config":{"quota_total":250,"quota_duration":86400}}]}`.
//! Each pair of fields needs its own scope (see [`LimitField`]).

use serde::{Deserialize, Serialize};

/// A quota's size and window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QuotaConfig {
    /// Calls allowed per window (250 posts, 1,000 replies, 100 deletes,
    /// 500 location searches).
    #[serde(default)]
    pub quota_total: u64,
    /// Window length in seconds (86,400: a rolling 24 hours).
    #[serde(default)]
    pub quota_duration: u64,
}

/// The usage and configuration of each quota that was requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PublishingLimit {
    /// Posts published in the current window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_usage: Option<u64>,
    /// The post quota.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<QuotaConfig>,
    /// Replies published in the current window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_quota_usage: Option<u64>,
    /// The reply quota.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_config: Option<QuotaConfig>,
    /// Deletions in the current window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_quota_usage: Option<u64>,
    /// The deletion quota.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_config: Option<QuotaConfig>,
    /// Location searches in the current window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_search_quota_usage: Option<u64>,
    /// The location-search quota.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_search_config: Option<QuotaConfig>,
}

fn remaining(usage: Option<u64>, config: Option<QuotaConfig>) -> Option<u64> {
    Some(config?.quota_total.saturating_sub(usage?))
}

impl PublishingLimit {
    /// Posts left in the window (needs `quota_usage` and `config`).
    pub fn remaining_posts(&self) -> Option<u64> {
        remaining(self.quota_usage, self.config)
    }

    /// Replies left in the window.
    pub fn remaining_replies(&self) -> Option<u64> {
        remaining(self.reply_quota_usage, self.reply_config)
    }

    /// Deletions left in the window.
    pub fn remaining_deletes(&self) -> Option<u64> {
        remaining(self.delete_quota_usage, self.delete_config)
    }

    /// Location searches left in the window.
    pub fn remaining_location_searches(&self) -> Option<u64> {
        remaining(
            self.location_search_quota_usage,
            self.location_search_config,
        )
    }
}

/// The `{"data": [...]}` response of `threads_publishing_limit`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PublishingLimits {
    /// Normally exactly one entry.
    #[serde(default)]
    pub data: Vec<PublishingLimit>,
}

impl PublishingLimits {
    /// The (single) limit entry, if any.
    pub fn limit(&self) -> Option<&PublishingLimit> {
        self.data.first()
    }
}

wire_enum! {
    /// A field of `threads_publishing_limit`, for `fields=`.
    ///
    /// Scopes needed besides `threads_basic`: `quota_usage`/`config` need
    /// `threads_content_publish`; `reply_*` need `threads_manage_replies`;
    /// `delete_*` need `threads_delete`; `location_search_*` need
    /// `threads_location_tagging`.
    pub enum LimitField {
        /// `quota_usage` (the default).
        QuotaUsage = "quota_usage",
        /// `config`.
        Config = "config",
        /// `reply_quota_usage`.
        ReplyQuotaUsage = "reply_quota_usage",
        /// `reply_config`.
        ReplyConfig = "reply_config",
        /// `delete_quota_usage`.
        DeleteQuotaUsage = "delete_quota_usage",
        /// `delete_config`.
        DeleteConfig = "delete_config",
        /// `location_search_quota_usage`.
        LocationSearchQuotaUsage = "location_search_quota_usage",
        /// `location_search_config`.
        LocationSearchConfig = "location_search_config",
    }
}

impl LimitField {
    /// Every quota field.
    pub const ALL: [LimitField; 8] = [
        LimitField::QuotaUsage,
        LimitField::Config,
        LimitField::ReplyQuotaUsage,
        LimitField::ReplyConfig,
        LimitField::DeleteQuotaUsage,
        LimitField::DeleteConfig,
        LimitField::LocationSearchQuotaUsage,
        LimitField::LocationSearchConfig,
    ];

    /// The post quota (`quota_usage`, `config`): needs only
    /// `threads_content_publish`.
    pub const POSTS: [LimitField; 2] = [LimitField::QuotaUsage, LimitField::Config];
}
