//! The media side of publishing: the check of every attachment before the
//! first container (step 1) and the cleanup after the post is live (step 7).

use chrono::TimeDelta;
use store_traits::{Account, Draft, DraftState};
use tracing::{debug, warn};

use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::jobs::{JobCtx, JobOutcome};
use crate::media::{MediaCleanup, MediaRejection, redact_url};
use crate::network::PostContent;
use crate::pipeline::Pipeline;
use crate::time::backoff;

impl Pipeline {
    /// Step 1, last part: every attachment goes through the media side's
    /// preflight (concurrently). `None`: go on and create the container.
    ///
    /// * A permanent rejection (the first one, by position) is audited
    ///   ([`Event::MediaRejected`]), then fails the draft with the rule,
    ///   the measured value and the limit in its `last_error`.
    /// * A transient one retries the job with backoff, noting why on the
    ///   (still scheduled) draft, until
    ///   [`PublishPolicy::deadline`](crate::config::PublishPolicy::deadline)
    ///   after the scheduled time, when it fails the draft like a permanent
    ///   one. Under [`LateAction::MarkMissed`] the lateness check, which
    ///   comes first, ends the retries once the grace has passed.
    /// * When every attachment passed, the lease is checked (and extended)
    ///   before the container is created: a run whose lease ran out during
    ///   a slow check stops here, and the worker that took the job over
    ///   checks and creates the container alone.
    ///
    /// Nothing is recorded in the ledger here, so a run that dies during
    /// the check simply checks again; once a container is recorded no run
    /// comes back here.
    pub(super) async fn check_media(
        &self,
        ctx: &JobCtx,
        draft: &Draft,
        account: &Account,
        content: &PostContent,
    ) -> Result<Option<JobOutcome>> {
        let inner = &self.inner;
        let Some(media) = &inner.media else {
            return Ok(None);
        };
        if content.media.is_empty() {
            return Ok(None);
        }
        let checks = content
            .media
            .iter()
            .map(|item| media.preflight(account, item));
        let mut permanent: Option<(usize, MediaRejection)> = None;
        let mut transient: Option<(usize, MediaRejection)> = None;
        for (index, result) in futures::future::join_all(checks)
            .await
            .into_iter()
            .enumerate()
        {
            if let Err(rejection) = result {
                let slot = if rejection.is_permanent() {
                    &mut permanent
                } else {
                    &mut transient
                };
                slot.get_or_insert((index, rejection));
            }
        }
        let now = inner.now();
        let policy = inner.config.publish;
        let (index, rejection, gave_up) = match (permanent, transient) {
            (Some((index, rejection)), _) => (index, rejection, false),
            (None, Some((index, rejection))) => {
                let since = draft.scheduled_at.unwrap_or(draft.created_at);
                let waited = now - since;
                if waited <= policy.deadline {
                    let n = retry_number(waited, policy.retry_base);
                    let at = now + backoff(policy.retry_base, policy.retry_max, n);
                    let why = format!(
                        "media {} ({}) could not be checked, retrying: {rejection}",
                        index + 1,
                        redact_url(&content.media[index].url),
                    );
                    warn!(reason = %why, retry_at = %at, "media check could not be made");
                    self.note_waiting(ctx, draft, &why).await?;
                    return Ok(Some(JobOutcome::RetryAt { at, reason: why }));
                }
                (index, rejection, true)
            }
            (None, None) => {
                debug!(media = content.media.len(), "media checked");
                ctx.check_lease(inner).await?;
                return Ok(None);
            }
        };
        let url = redact_url(&content.media[index].url);
        let event = Event::MediaRejected {
            draft_id: draft.id,
            account_id: draft.account_id,
            position: index + 1,
            url: url.clone(),
            rule: rejection.rule.clone(),
            measured: rejection.measured.clone(),
            limit: rejection.limit.clone(),
            permanent: !gave_up,
        };
        let err = Error::MediaRejected {
            position: index + 1,
            url,
            source: Box::new(rejection),
        };
        let reason = if gave_up {
            format!(
                "{err} (still failing {} min after the scheduled time)",
                policy.deadline.num_minutes()
            )
        } else {
            err.to_string()
        };
        warn!(reason = %reason, "media refused before any container was created");
        // The event first: a run that dies between the two checks again and
        // audits again, rather than leaving a failed draft without its event.
        inner.record(&Actor::system(), event).await?;
        self.fail(ctx, draft, None, &reason).await?;
        Ok(Some(JobOutcome::Done))
    }

    /// Step 7, before the draft is derived: the media side's cleanup of a
    /// live post's attachments. A run that dies before the draft is derived
    /// runs it again (the cleanup is idempotent). An attachment whose URL
    /// another draft of the account still on its way to publication
    /// (draft, waiting for approval, approved, scheduled, publishing)
    /// carries is left alone: that draft's container still needs it.
    /// Failures are logged and audited, never returned: the post is live
    /// whatever happens here.
    pub(super) async fn clean_up_media(&self, draft: &Draft, account: &Account) {
        let inner = &self.inner;
        let Some(media) = &inner.media else {
            return;
        };
        if draft.media.is_empty() {
            return;
        }
        let mut errors = Vec::new();
        let in_use = match self.media_in_use(draft).await {
            Ok(urls) => Some(urls),
            Err(e) => {
                // Unknown: touch nothing rather than delete what another
                // post needs (a sweep of old objects catches it later).
                warn!(error = %e, "could not list the account's drafts; media not cleaned up");
                errors.push(format!("drafts not listed, nothing cleaned up: {e}"));
                None
            }
        };
        let (mut deleted, mut kept, mut not_stored, mut shared) = (0, 0, 0, 0);
        for (index, item) in draft.media.iter().enumerate() {
            let Some(in_use) = &in_use else { break };
            if in_use.contains(&object_of(&item.url)) {
                shared += 1;
                continue;
            }
            match media.after_publish(account, item).await {
                Ok(MediaCleanup::Deleted) => deleted += 1,
                Ok(MediaCleanup::Kept) => kept += 1,
                Ok(MediaCleanup::NotStored) => not_stored += 1,
                Err(e) => {
                    warn!(position = index + 1, error = %e, "media cleanup failed; the post is live");
                    errors.push(format!("{}: {e}", index + 1));
                }
            }
        }
        let event = Event::MediaCleanedUp {
            draft_id: draft.id,
            account_id: draft.account_id,
            deleted,
            kept,
            not_stored,
            in_use: shared,
            errors,
        };
        if let Err(e) = inner.record(&Actor::system(), event).await {
            warn!(error = %e, "could not audit the media cleanup");
        }
    }

    /// The objects (see [`object_of`]) of the media carried by the
    /// account's other drafts that may still be published without a person
    /// acting (failed or missed drafts are not counted: rescheduling one
    /// checks its media again).
    pub(super) async fn media_in_use(
        &self,
        draft: &Draft,
    ) -> Result<std::collections::HashSet<String>> {
        let filter = store_traits::DraftFilter {
            states: vec![
                DraftState::Draft,
                DraftState::PendingApproval,
                DraftState::Approved,
                DraftState::Scheduled,
                DraftState::Publishing,
                DraftState::PublishSent,
            ],
            ..store_traits::DraftFilter::account(draft.account_id)
        };
        let others = self.inner.store.list_drafts(&filter).await?;
        Ok(others
            .into_iter()
            .filter(|d| d.id != draft.id)
            .flat_map(|d| d.media.into_iter().map(|m| object_of(&m.url)))
            .collect())
    }
}

/// A media URL without its query string and fragment: two presigned URLs
/// of one stored object differ only in their signatures, and a kept copy
/// is better than a deleted one another post still needs.
fn object_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            parsed.set_query(None);
            parsed.set_fragment(None);
            parsed.into()
        }
        Err(_) => url.to_owned(),
    }
}

/// Which retry of an exponential backoff from `base` comes `waited` after
/// the first try: `1 + log2(1 + waited / base)`. For waits that keep no
/// attempt counter (nothing is recorded before the first container).
fn retry_number(waited: TimeDelta, base: TimeDelta) -> u32 {
    let base = base.num_milliseconds().max(1);
    let steps = waited.num_milliseconds().max(0) / base;
    1 + u64::try_from(steps).unwrap_or(0).saturating_add(1).ilog2()
}
