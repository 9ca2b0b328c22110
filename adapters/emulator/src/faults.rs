//! Seeded, reproducible fault injection.
//!
//! A [`FaultRule`] names an endpoint (see [`Endpoint`]; `Any` matches every API call), a
//! probability and an action. For each API request the rules for its endpoint are rolled in
//! order with the emulator's seeded generator; with the same seed and the same sequence of
//! requests the same faults fire. A rule can be limited to its first `times` firings.

use serde::{Deserialize, Serialize};

use crate::errors::{ApiError, ErrorBody, ErrorType};
use crate::rng::SeededRng;

/// API endpoints, as fault rules name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Endpoint {
    /// Matches every API endpoint.
    Any,
    /// `GET /oauth/authorize`.
    Authorize,
    /// `/oauth/access_token` (code exchange, client credentials).
    TokenExchange,
    /// `/access_token` (short-lived to long-lived).
    LongLivedExchange,
    /// `/refresh_access_token`.
    RefreshToken,
    /// `/debug_token`.
    DebugToken,
    /// `GET /{user}` / `GET /me`.
    GetProfile,
    /// `GET /{user}/threads`.
    ListThreads,
    /// `POST /{user}/threads`.
    CreateContainer,
    /// `POST /{user}/threads_publish`.
    Publish,
    /// `GET /{id}` for a media object, container or location.
    GetObject,
    /// `DELETE /{media}`.
    Delete,
    /// `POST /{media}/repost`.
    Repost,
    /// `/replies`, `/conversation`, `/pending_replies`, `/{user}/replies`.
    ListReplies,
    /// `manage_reply` and `manage_pending_reply`.
    ManageReply,
    /// `/{user}/mentions`.
    Mentions,
    /// `/keyword_search`.
    KeywordSearch,
    /// `/profile_lookup` and `/profile_posts`.
    ProfileDiscovery,
    /// `/{media}/insights` and `/{user}/threads_insights`.
    Insights,
    /// `/{user}/threads_publishing_limit`.
    PublishingLimit,
    /// `/location_search`.
    LocationSearch,
    /// `/oembed`.
    Oembed,
    /// `/{user}/ghost_posts`.
    GhostPosts,
}

/// What a fault does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultAction {
    /// Answer with a Graph error instead of doing the call.
    GraphError {
        /// Graph `code` (e.g. 1, 2, 4, 17, 613, 190).
        code: i64,
        /// Optional `error_subcode` (e.g. 463 with code 190).
        #[serde(default)]
        subcode: Option<i64>,
        /// HTTP status; defaults to 500 for codes 1/2 and 400 otherwise.
        #[serde(default)]
        status: Option<u16>,
        /// Message; a typical one is used when absent.
        #[serde(default)]
        message: Option<String>,
    },
    /// Answer with a bare HTTP status and a non-Graph body (e.g. a 502 from a proxy).
    HttpStatus {
        /// The status (e.g. 502, 503).
        status: u16,
        /// The body text.
        #[serde(default)]
        body: String,
    },
    /// Wait this many real milliseconds before handling the call.
    Latency {
        /// Milliseconds.
        ms: u64,
    },
    /// Do the call (commit it), then hold the response this many real milliseconds (set it
    /// past the client's timeout) before sending it.
    CommitThenHang {
        /// Milliseconds.
        ms: u64,
    },
    /// Do the call, then cut the connection while the response body is being sent.
    CommitThenDrop,
    /// Containers created by this call stay IN_PROGRESS this many extra virtual seconds.
    StuckInProgress {
        /// Virtual seconds.
        secs: i64,
    },
    /// Containers created by this call end in ERROR with this `error_message`.
    ContainerError {
        /// E.g. `FAILED_DOWNLOADING_VIDEO` or `UNKNOWN`.
        error_message: String,
    },
    /// A publish of a FINISHED container answers 24 / 4279009 without publishing.
    SpuriousNotFound,
    /// The token used by the call expires right now; the call fails with 190 / 463.
    ExpireToken,
}

/// A fault rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Which endpoint the rule applies to.
    pub endpoint: Endpoint,
    /// Probability in `[0, 1]` that the rule fires on a matching call.
    #[serde(default = "one")]
    pub probability: f64,
    /// Fire at most this many times (then the rule is inert); `None` = unlimited.
    #[serde(default)]
    pub times: Option<u32>,
    /// What happens.
    pub action: FaultAction,
    /// A label recorded in the ledger when the rule fires.
    #[serde(default)]
    pub label: Option<String>,
}

fn one() -> f64 {
    1.0
}

impl FaultRule {
    /// A rule that always fires on `endpoint`.
    pub fn always(endpoint: Endpoint, action: FaultAction) -> Self {
        Self {
            endpoint,
            probability: 1.0,
            times: None,
            action,
            label: None,
        }
    }

    /// The same rule with a probability.
    pub fn with_probability(mut self, p: f64) -> Self {
        self.probability = p;
        self
    }

    /// The same rule, limited to `n` firings.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// The same rule with a ledger label.
    pub fn labelled(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// A transient Graph error (code 1 or 2), HTTP 500.
    pub fn transient(endpoint: Endpoint, code: i64) -> Self {
        Self::always(
            endpoint,
            FaultAction::GraphError {
                code,
                subcode: None,
                status: None,
                message: None,
            },
        )
    }
}

/// The combined effect of the rules that fired on one call.
#[derive(Debug, Clone, Default)]
pub(crate) struct Effects {
    pub(crate) error: Option<ApiError>,
    pub(crate) latency_ms: u64,
    pub(crate) hang_ms: Option<u64>,
    pub(crate) drop: bool,
    pub(crate) stuck_secs: i64,
    pub(crate) container_error: Option<String>,
    pub(crate) spurious_not_found: bool,
    pub(crate) expire_token: bool,
    pub(crate) label: Option<String>,
}

impl Effects {
    pub(crate) fn response_lost(&self) -> bool {
        self.hang_ms.is_some() || self.drop
    }
}

fn default_message(code: i64) -> &'static str {
    match code {
        1 => "An unknown error occurred",
        2 => "An unexpected error has occurred. Please retry your request later.",
        4 => "Application request limit reached",
        17 => "User request limit reached",
        32 => "Page request limit reached",
        341 => "Application limit reached",
        368 => "The action attempted has been deemed abusive or is otherwise disallowed",
        613 => "Calls to this api have exceeded the rate limit.",
        190 => "Error validating access token: Session has expired.",
        _ => "An error occurred",
    }
}

/// Rolls the rules for `endpoint`; fired rules with `times` are used up.
pub(crate) fn roll(rules: &mut [FaultRule], rng: &mut SeededRng, endpoint: Endpoint) -> Effects {
    let mut fx = Effects::default();
    for rule in rules.iter_mut() {
        if rule.endpoint != endpoint && rule.endpoint != Endpoint::Any {
            continue;
        }
        if rule.times == Some(0) {
            continue;
        }
        let p = if rule.probability.is_nan() {
            0.0
        } else {
            rule.probability.clamp(0.0, 1.0)
        };
        let fired = p >= 1.0 || rng.next_f64() < p;
        if !fired {
            continue;
        }
        if let Some(t) = rule.times.as_mut() {
            *t -= 1;
        }
        if fx.label.is_none() {
            fx.label = Some(
                rule.label
                    .clone()
                    .unwrap_or_else(|| format!("{:?}", rule.action)),
            );
        }
        match &rule.action {
            FaultAction::GraphError {
                code,
                subcode,
                status,
                message,
            } => {
                if fx.error.is_none() {
                    let kind = if *code == 100 {
                        ErrorType::ThApi
                    } else {
                        ErrorType::OAuth
                    };
                    let msg = message
                        .clone()
                        .unwrap_or_else(|| default_message(*code).to_owned());
                    let mut e = ApiError::graph(kind, *code, msg);
                    if matches!(code, 4 | 17 | 32 | 613) {
                        e = e.transient(true);
                    }
                    if let Some(s) = subcode {
                        e = e.subcode(*s);
                    }
                    if let Some(s) = status {
                        e = e.with_status(*s);
                    }
                    fx.error = Some(e);
                }
            }
            FaultAction::HttpStatus { status, body } => {
                if fx.error.is_none() {
                    fx.error = Some(ApiError {
                        status: *status,
                        body: ErrorBody::Raw { body: body.clone() },
                    });
                }
            }
            FaultAction::Latency { ms } => fx.latency_ms = fx.latency_ms.saturating_add(*ms),
            FaultAction::CommitThenHang { ms } => fx.hang_ms = Some(*ms),
            FaultAction::CommitThenDrop => fx.drop = true,
            FaultAction::StuckInProgress { secs } => fx.stuck_secs += (*secs).max(0),
            FaultAction::ContainerError { error_message } => {
                fx.container_error = Some(error_message.clone());
            }
            FaultAction::SpuriousNotFound => fx.spurious_not_found = true,
            FaultAction::ExpireToken => fx.expire_token = true,
        }
    }
    fx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_firings() {
        let rules = vec![FaultRule::transient(Endpoint::Publish, 2).with_probability(0.3)];
        let run = |seed| {
            let mut r = rules.clone();
            let mut rng = SeededRng::new(seed);
            (0..200)
                .map(|_| roll(&mut r, &mut rng, Endpoint::Publish).error.is_some())
                .collect::<Vec<_>>()
        };
        let a = run(9);
        assert_eq!(a, run(9));
        let fired = a.iter().filter(|f| **f).count();
        assert!((30..=90).contains(&fired), "fired {fired} of 200 at p=0.3");
        assert_ne!(a, run(10));
    }

    #[test]
    fn times_limits_firings_and_endpoint_filters() {
        let mut rules = vec![FaultRule::transient(Endpoint::Publish, 1).times(2)];
        let mut rng = SeededRng::new(1);
        assert!(
            roll(&mut rules, &mut rng, Endpoint::GetObject)
                .error
                .is_none()
        );
        assert!(
            roll(&mut rules, &mut rng, Endpoint::Publish)
                .error
                .is_some()
        );
        assert!(
            roll(&mut rules, &mut rng, Endpoint::Publish)
                .error
                .is_some()
        );
        assert!(
            roll(&mut rules, &mut rng, Endpoint::Publish)
                .error
                .is_none()
        );
    }
}
