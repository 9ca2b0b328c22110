//! What every request handler works with: the shared state handle ([`Shared`]), the
//! per-request context ([`Ctx`]: base URL and the fault effects rolled for this request) and
//! the result type of an endpoint ([`Reply`]). The router builds these; handlers only read
//! them, so the dependency runs one way: router → handlers → context.

use std::sync::{Mutex, MutexGuard};

use serde_json::Value;

use crate::errors::ApiError;
use crate::faults::Effects;
use crate::ledger::{LedgerEntry, Operation};
use crate::state::World;

/// State shared by the HTTP handlers, the admin handle and the webhook task.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) world: Mutex<World>,
    pub(crate) http: reqwest::Client,
    pub(crate) notify: tokio::sync::Notify,
    pub(crate) base_url: String,
    /// Whether a background task delivers webhooks (it waits on `notify`).
    pub(crate) auto_deliver: bool,
}

impl Shared {
    /// Locks the world. A poisoned lock (a panic while holding it) is recovered: the world
    /// is plain data and every handler leaves it consistent between statements.
    pub(crate) fn lock(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes the webhook delivery task, when there is one.
    pub(crate) fn wake_webhooks(&self) {
        if self.auto_deliver {
            self.notify.notify_one();
        }
    }
}

/// Per-request context handed to endpoint functions.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub(crate) base_url: String,
    pub(crate) fx: Effects,
}

/// One state-changing call, as the ledger records it.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub(crate) operation: Operation,
    pub(crate) user_id: &'a str,
    /// The object acted on (`creation_id` for publish, the media id otherwise).
    pub(crate) target: Option<&'a str>,
    pub(crate) text: Option<String>,
    pub(crate) reply_to: Option<String>,
}

impl<'a> Call<'a> {
    /// A call with no text and no reply target.
    pub(crate) fn new(operation: Operation, user_id: &'a str, target: Option<&'a str>) -> Self {
        Self {
            operation,
            user_id,
            target,
            text: None,
            reply_to: None,
        }
    }
}

impl Ctx {
    /// Appends a ledger entry for a finished call, with the fault that fired on this request
    /// (if any) and whether its response is withheld.
    pub(crate) fn record(&self, w: &mut World, call: Call<'_>, result: &Result<u64, ApiError>) {
        w.ledger_seq += 1;
        let entry = LedgerEntry {
            seq: w.ledger_seq,
            at: w.now(),
            operation: call.operation,
            user_id: Some(call.user_id.to_owned()),
            target: call.target.map(str::to_owned),
            result_id: result.as_ref().ok().map(u64::to_string),
            error_code: result.as_ref().err().and_then(ApiError::code),
            http_status: result.as_ref().err().map(|e| e.status),
            text: call.text,
            reply_to: call.reply_to,
            fault: self.fx.label.clone(),
            response_lost: result.is_ok() && self.fx.response_lost(),
        };
        w.ledger.push(entry);
    }
}

/// A successful endpoint result.
#[derive(Debug)]
pub(crate) enum Reply {
    Json(Value),
    Redirect(String),
}
