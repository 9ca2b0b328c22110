//! Exactly-once publishing: the state machine over the publish ledger.
//!
//! The [`PublishEntry`] of a draft is the source of truth for how far its
//! publication got (container, attempts, post id, permalink, time); the draft's
//! `provider`, `attempts`, `published_at` and its publishing states are derived
//! from it, written after it, and re-derived by any later run. Every run starts
//! from the ledger, so a run that died anywhere is simply run again.
//!
//! One run, with the job's fencing token `F`:
//!
//! 1. no entry yet: check the time (too early → wait; too late → lateness
//!    policy) and, for a chain part, that the part before it is live;
//!    with a [`MediaLifecycle`](crate::MediaLifecycle), check every
//!    attachment (a rule broken → the draft fails, naming the rule; the
//!    check could not be made → retry with backoff until the deadline),
//!    then **re-check the lease**. Only here: a run that finds a container
//!    recorded does not check again;
//! 2. create the container, then record its id (`ContainerCreated`, written
//!    with `F`) before anything else; the draft becomes `Publishing`;
//! 3. poll the container (waits go through the [`Sleeper`](crate::Sleeper); a
//!    long wait hands the job back to the queue); `ERROR` / `EXPIRED` → a new
//!    container, at most `max_containers` in all;
//! 4. reserve a quota unit (none left → the post moves to when one frees up);
//!    record `PublishSent` with the reservation; **re-check the lease**; call
//!    publish;
//! 5. answer → record `Published` with the post id and permalink. A failure
//!    the network classifies as "nothing happened" → back to
//!    `ContainerCreated`, quota released. Anything else → reconcile;
//! 6. a run that finds `PublishSent` never publishes again before it knows:
//!    container `PUBLISHED` → find the post among the account's recent posts
//!    by content (skipping posts the ledger gives to other drafts) and record
//!    it; `FINISHED` → the call did not take effect, publish is safe;
//!    `IN_PROGRESS` → wait; `ERROR` / `EXPIRED` → new container. What cannot
//!    be decided by the deadline becomes `Unconfirmed`, with the evidence;
//! 7. `Published`: commit the quota unit, let the media side clean up (only
//!    after the post is recorded, so nothing a container may still fetch is
//!    deleted; its failures are logged and audited, never fatal; a run that
//!    dies before the draft is derived cleans up again), derive the draft,
//!    queue the next part of a reply chain, complete the job.

use chrono::TimeDelta;
use store_traits::{
    Account, Draft, DraftId, DraftState, ProviderIds, PublishEntry, PublishState, QuotaKind,
    QuotaRequest,
};
use tracing::{Instrument, debug, info, info_span, warn};

use crate::actor::Actor;
use crate::config::LateAction;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::jobs::{JobCtx, JobOutcome, Task};
use crate::media::{MediaCleanup, MediaRejection, redact_url};
use crate::network::{
    AccountAuth, ContainerId, ContainerStatus, FailureClass, NetworkError, PostContent, PostId,
    PublishedPost,
};
use crate::pipeline::Pipeline;
use crate::probe::Step;
use crate::time::backoff;

/// What a step decided: go on with the loop, or end the run.
enum Next {
    Continue(Box<PublishEntry>),
    Stop(JobOutcome),
}

impl Pipeline {
    /// One run of the publish job of `draft_id` (see the module docs).
    pub(crate) async fn publish_step(&self, ctx: &JobCtx, draft_id: DraftId) -> Result<JobOutcome> {
        let span = info_span!("publish", draft = %draft_id, job = %ctx.job_id);
        self.publish_run(ctx, draft_id).instrument(span).await
    }

    async fn publish_run(&self, ctx: &JobCtx, draft_id: DraftId) -> Result<JobOutcome> {
        let inner = &self.inner;
        let Some(draft) = inner.store.get_draft(draft_id).await? else {
            return Ok(JobOutcome::Done);
        };
        let entry = inner.store.get_publish_entry(draft_id).await?;
        match draft.state {
            DraftState::Scheduled | DraftState::Publishing | DraftState::PublishSent => {}
            DraftState::Published => {
                // The draft is done; make sure the rest of its chain is queued.
                self.queue_next_part(&draft).await?;
                return Ok(JobOutcome::Done);
            }
            // Unscheduled, rejected, failed, missed...: nothing to publish.
            _ => return Ok(JobOutcome::Done),
        }
        let Some(account) = inner.store.get_account(draft.account_id).await? else {
            return Ok(JobOutcome::Done);
        };
        if account.status != store_traits::AccountStatus::Active {
            return Ok(JobOutcome::Parked {
                reason: format!("account is {}", account.status),
            });
        }
        let now = inner.now();
        let mut content = content_of(&draft);
        if entry.is_none()
            && let Some(at) = draft.scheduled_at
        {
            if at > now {
                return Ok(JobOutcome::RetryAt {
                    at,
                    reason: "scheduled for later".into(),
                });
            }
            let lateness = inner.config.lateness;
            if now - at > lateness.grace && lateness.action == LateAction::MarkMissed {
                self.derive_state(
                    ctx,
                    &draft,
                    DraftState::Missed,
                    Some(format!(
                        "due at {} but picked up at {}",
                        at.to_rfc3339(),
                        now.to_rfc3339()
                    )),
                )
                .await?;
                return Ok(JobOutcome::Done);
            }
        }
        if let Some(parent_id) = draft.parent_draft_id {
            let parent = self.require_draft(parent_id).await?;
            match (parent.state, parent.provider.media_id.as_deref()) {
                (DraftState::Published, Some(id)) => content.reply_to = Some(PostId::new(id)),
                (state, _) if state.is_terminal() => {
                    let reason = format!("the part before it is {state}");
                    self.fail(ctx, &draft, entry.as_ref(), &reason).await?;
                    return Ok(JobOutcome::Done);
                }
                _ => {
                    return Ok(JobOutcome::RetryAt {
                        at: now + inner.config.publish.poll_max,
                        reason: "waiting for the part before it".into(),
                    });
                }
            }
        }
        let auth = match inner.auth(&account).await {
            Ok(auth) => auth,
            Err(Error::NoToken(_)) => {
                return Ok(JobOutcome::Parked {
                    reason: "the account has no token".into(),
                });
            }
            Err(e) => return Err(e),
        };
        self.drive(ctx, draft, entry, &content, &auth, &account)
            .await
    }

    async fn drive(
        &self,
        ctx: &JobCtx,
        mut draft: Draft,
        mut entry: Option<PublishEntry>,
        content: &PostContent,
        auth: &AccountAuth,
        account: &Account,
    ) -> Result<JobOutcome> {
        let inner = &self.inner;
        let policy = inner.config.publish;
        let subject = draft.id.to_string();
        if entry.is_some() && draft.state == DraftState::Scheduled {
            // Publishing started before (a crash after the container was
            // recorded, or a wait for quota): the draft says so again.
            draft = self
                .derive_state(ctx, &draft, DraftState::Publishing, None)
                .await?;
        }
        let mut waited = TimeDelta::zero();
        let mut poll = policy.poll_initial;
        loop {
            let now = inner.now();
            if let Some(e) = &entry {
                let progress = e.updated_at.max(draft.scheduled_at.unwrap_or(e.updated_at));
                if !e.state.is_terminal() && now - progress > policy.deadline {
                    let e = e.clone();
                    return self
                        .give_up(ctx, &draft, e, "no progress before the deadline")
                        .await;
                }
            }
            let state = entry.as_ref().map_or(PublishState::Pending, |e| e.state);
            match state {
                PublishState::Pending => {
                    let used = entry.as_ref().map_or(0, |e| e.previous_container_ids.len());
                    if used >= policy.max_containers as usize {
                        // The last container's own reason (Meta's
                        // `error_message`) stays on the draft: the audit
                        // events that hold each one expire with retention.
                        let reason = match entry.as_ref().and_then(|e| e.last_error.as_deref()) {
                            Some(last) => {
                                format!("{used} containers failed or expired; last: {last}")
                            }
                            None => format!("{used} containers failed or expired"),
                        };
                        self.fail(ctx, &draft, entry.as_ref(), &reason).await?;
                        return Ok(JobOutcome::Done);
                    }
                    // The media is checked before the first container only:
                    // with an entry, a container was recorded before (this is
                    // a resumed run or a replacement), so the check passed.
                    if entry.is_none()
                        && let Some(outcome) =
                            self.check_media(ctx, &draft, account, content).await?
                    {
                        return Ok(outcome);
                    }
                    let container = match inner.publisher.create_container(auth, content).await {
                        Ok(c) => c,
                        Err(e) => {
                            return self
                                .network_failure(ctx, &draft, entry.as_ref(), "create container", e)
                                .await;
                        }
                    };
                    inner.probe(Step::ContainerCreated, &subject);
                    let recorded = self
                        .record_container(ctx, &draft, entry.take(), &container, content)
                        .await?;
                    inner.probe(Step::ContainerRecorded, &subject);
                    debug!(container = %container, "container recorded");
                    entry = Some(recorded);
                    if draft.state == DraftState::Scheduled {
                        draft = self
                            .derive_state(ctx, &draft, DraftState::Publishing, None)
                            .await?;
                    }
                }
                PublishState::ContainerCreated => {
                    let Some(e) = entry.take() else { continue };
                    let container = container_of(&e)?;
                    match inner.publisher.container_status(auth, &container).await {
                        Ok(ContainerStatus::InProgress) => {
                            if waited + poll > policy.inline_wait {
                                return Ok(JobOutcome::RetryAt {
                                    at: now + poll,
                                    reason: "container still processing".into(),
                                });
                            }
                            inner.sleeper.sleep(poll).await;
                            waited += poll;
                            poll = (poll * 2).min(policy.poll_max);
                            entry = Some(e);
                        }
                        Ok(ContainerStatus::Finished) => {
                            match self
                                .send_publish(ctx, &mut draft, e, &container, content, auth)
                                .await?
                            {
                                Next::Continue(e) => entry = Some(*e),
                                Next::Stop(outcome) => return Ok(outcome),
                            }
                        }
                        Ok(ContainerStatus::Published) => {
                            // Live although we never recorded a publish call: a
                            // stale worker's call. Find the post like after a
                            // lost answer.
                            let mut sent = e;
                            sent.state = PublishState::PublishSent;
                            sent.sent_at.get_or_insert(now);
                            sent.evidence
                                .push("container PUBLISHED before our publish call".into());
                            entry = Some(self.write_entry(ctx, sent).await?);
                        }
                        Ok(ContainerStatus::Failed { reason }) => {
                            entry = Some(self.replace_container(ctx, &draft, e, &reason).await?);
                        }
                        Ok(ContainerStatus::Expired) => {
                            entry = Some(self.replace_container(ctx, &draft, e, "EXPIRED").await?);
                        }
                        Err(err) if err.class() == FailureClass::RecreateContainer => {
                            let reason = err.to_string();
                            entry = Some(self.replace_container(ctx, &draft, e, &reason).await?);
                        }
                        Err(err) => {
                            return self
                                .network_failure(ctx, &draft, Some(&e), "container status", err)
                                .await;
                        }
                    }
                }
                PublishState::PublishSent => {
                    let Some(e) = entry.take() else { continue };
                    match self.reconcile(ctx, &draft, e, content, auth).await? {
                        Next::Continue(e) => entry = Some(*e),
                        Next::Stop(outcome) => return Ok(outcome),
                    }
                }
                PublishState::Published => {
                    let Some(e) = entry.take() else { continue };
                    return self.finish(ctx, &draft, e, account).await;
                }
                _ => {
                    // Failed or Unconfirmed: the draft follows the ledger.
                    let Some(e) = entry.take() else { continue };
                    self.derive_terminal(ctx, &draft, &e).await?;
                    return Ok(JobOutcome::Done);
                }
            }
        }
    }

    /// Step 4 and 5: reserve, record `PublishSent`, re-check the lease, publish.
    async fn send_publish(
        &self,
        ctx: &JobCtx,
        draft: &mut Draft,
        entry: PublishEntry,
        container: &ContainerId,
        content: &PostContent,
        auth: &AccountAuth,
    ) -> Result<Next> {
        let inner = &self.inner;
        let policy = inner.config.publish;
        let subject = draft.id.to_string();
        let now = inner.now();
        let kind = if content.reply_to.is_some() {
            QuotaKind::Replies
        } else {
            QuotaKind::Posts
        };
        let request = QuotaRequest::new(draft.account_id, kind).hold(policy.quota_hold);
        let reservation = match inner.store.reserve(&request).await {
            Ok(r) => r,
            Err(store_traits::Error::QuotaExceeded { retry_at, .. }) => {
                let until = retry_at.unwrap_or(now + TimeDelta::hours(1));
                self.defer_for_quota(ctx, draft, until).await?;
                return Ok(Next::Stop(JobOutcome::RetryAt {
                    at: until,
                    reason: format!("{kind} quota exhausted"),
                }));
            }
            Err(e) => return Err(e.into()),
        };
        let mut sent = entry;
        sent.state = PublishState::PublishSent;
        sent.quota_reservation = Some(reservation.id);
        sent.attempts += 1;
        sent.sent_at = Some(now);
        let sent = match self.write_entry(ctx, sent).await {
            Ok(e) => e,
            Err(e) => {
                self.release(reservation.id).await;
                return Err(e);
            }
        };
        // The last check before the irreversible call.
        // A lost lease ends the run here; the new owner reconciles our `PublishSent`.
        ctx.check_lease(inner).await?;
        inner.probe(Step::BeforePublish, &subject);
        let result = inner.publisher.publish(auth, container).await;
        inner.probe(Step::AfterPublish, &subject);
        match result {
            Ok(post) => {
                let permalink = match post.permalink.clone() {
                    Some(p) => Some(p),
                    // Best effort: a missing link is filled in by nobody, but
                    // the post id is what matters.
                    None => inner
                        .publisher
                        .permalink(auth, &post.id)
                        .await
                        .unwrap_or_else(|e| {
                            warn!(error = %e, "permalink lookup failed");
                            None
                        }),
                };
                let done = self.record_published(ctx, sent, &post, permalink).await?;
                inner.probe(Step::PublishRecorded, &subject);
                Ok(Next::Continue(Box::new(done)))
            }
            Err(err) if err.class() == FailureClass::Retry => {
                // The network says nothing happened: publishing again is safe.
                let mut back = sent;
                back.state = PublishState::ContainerCreated;
                back.quota_reservation = None;
                back.last_error = Some(err.to_string());
                let back = self.write_entry(ctx, back).await?;
                self.release(reservation.id).await;
                let wait = err
                    .retry_after()
                    .unwrap_or_else(|| backoff(policy.retry_base, policy.retry_max, back.attempts));
                Ok(Next::Stop(JobOutcome::RetryAt {
                    at: inner.now() + wait,
                    reason: err.to_string(),
                }))
            }
            Err(err) => {
                // Unknown outcome: the post may be live. Reconcile, never resend.
                warn!(error = %err, "publish outcome unknown; reconciling");
                let mut unknown = sent;
                unknown.last_error = Some(err.to_string());
                unknown.evidence.push(format!("publish call failed: {err}"));
                Ok(Next::Continue(Box::new(
                    self.write_entry(ctx, unknown).await?,
                )))
            }
        }
    }

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
    async fn check_media(
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

    /// Says on a draft that is still `Scheduled` why it has not gone out
    /// (written only when the reason changes).
    async fn note_waiting(&self, ctx: &JobCtx, draft: &Draft, reason: &str) -> Result<()> {
        self.update_draft(draft.id, Some(ctx.fence), |d| {
            if d.state != DraftState::Scheduled || d.last_error.as_deref() == Some(reason) {
                return Ok(false);
            }
            d.last_error = Some(reason.to_owned());
            Ok(true)
        })
        .await
        .map(drop)
    }

    /// Step 7, before the draft is derived: the media side's cleanup of a
    /// live post's attachments. A run that dies before the draft is derived
    /// runs it again (the cleanup is idempotent). An attachment whose URL
    /// another draft of the account still on its way to publication
    /// (draft, waiting for approval, approved, scheduled, publishing)
    /// carries is left alone: that draft's container still needs it.
    /// Failures are logged and audited, never returned: the post is live
    /// whatever happens here.
    async fn clean_up_media(&self, draft: &Draft, account: &Account) {
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
    async fn media_in_use(&self, draft: &Draft) -> Result<std::collections::HashSet<String>> {
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

    /// Step 6: the publish call was sent and its outcome is not known.
    async fn reconcile(
        &self,
        ctx: &JobCtx,
        draft: &Draft,
        entry: PublishEntry,
        content: &PostContent,
        auth: &AccountAuth,
    ) -> Result<Next> {
        let inner = &self.inner;
        let policy = inner.config.publish;
        let now = inner.now();
        let container = container_of(&entry)?;
        let attempts = entry.attempts.max(1);
        let retry = |reason: String| {
            Next::Stop(JobOutcome::RetryAt {
                at: now + backoff(policy.retry_base, policy.retry_max, attempts),
                reason,
            })
        };
        match inner.publisher.container_status(auth, &container).await {
            Ok(ContainerStatus::Published) => match self.find_post(auth, content, &entry).await {
                Ok(Some(post)) => {
                    let permalink = post.permalink.clone();
                    let done = self.record_published(ctx, entry, &post, permalink).await?;
                    info!(post = %post.id, "reconciled: the post was live");
                    Ok(Next::Continue(Box::new(done)))
                }
                Ok(None) => {
                    let mut e = entry;
                    let note = "container PUBLISHED but the post is not among the recent posts yet";
                    if e.evidence.last().map(String::as_str) != Some(note) {
                        e.evidence.push(note.into());
                        self.write_entry(ctx, e).await?;
                    }
                    Ok(retry(note.into()))
                }
                Err(err) => Ok(retry(err.to_string())),
            },
            Ok(ContainerStatus::Finished) => {
                // The call never took effect: publishing again is safe.
                let mut back = entry;
                if let Some(r) = back.quota_reservation.take() {
                    self.release(r).await;
                }
                back.state = PublishState::ContainerCreated;
                back.evidence
                    .push("container FINISHED after the publish call: not published".into());
                Ok(Next::Continue(Box::new(self.write_entry(ctx, back).await?)))
            }
            Ok(ContainerStatus::InProgress) => Ok(retry("container processing".into())),
            Ok(ContainerStatus::Failed { reason }) => {
                // A published container reports PUBLISHED; a failed one never went live.
                Ok(Next::Continue(Box::new(
                    self.replace_container(ctx, draft, entry, &reason).await?,
                )))
            }
            Ok(ContainerStatus::Expired) => Ok(Next::Continue(Box::new(
                self.replace_container(ctx, draft, entry, "EXPIRED").await?,
            ))),
            Err(err) if err.class() == FailureClass::Reauthorize => {
                self.mark_needs_reauth(draft.account_id, err.message())
                    .await?;
                Ok(Next::Stop(JobOutcome::Parked {
                    reason: err.to_string(),
                }))
            }
            Err(err)
                if matches!(
                    err.class(),
                    FailureClass::Terminal | FailureClass::RecreateContainer
                ) =>
            {
                // The container cannot be read: look for the post itself.
                match self.find_post(auth, content, &entry).await {
                    Ok(Some(post)) => {
                        let permalink = post.permalink.clone();
                        Ok(Next::Continue(Box::new(
                            self.record_published(ctx, entry, &post, permalink).await?,
                        )))
                    }
                    _ => {
                        let mut e = entry;
                        let note = format!("container status unreadable: {err}");
                        if e.evidence.last() != Some(&note) {
                            e.evidence.push(note.clone());
                            self.write_entry(ctx, e).await?;
                        }
                        Ok(retry(note))
                    }
                }
            }
            Err(err) => Ok(retry(err.to_string())),
        }
    }

    /// The account's live post carrying `content`, published after the call
    /// was recorded (minus clock skew), that the ledger does not give to
    /// another draft.
    async fn find_post(
        &self,
        auth: &AccountAuth,
        content: &PostContent,
        entry: &PublishEntry,
    ) -> Result<Option<PublishedPost>, NetworkError> {
        let inner = &self.inner;
        let since = entry.sent_at.unwrap_or(entry.updated_at) - inner.config.publish.reconcile_skew;
        let mut exclude: Vec<PostId> = Vec::new();
        for _ in 0..10 {
            let Some(post) = inner
                .publisher
                .find_recent_post(auth, content, since, &exclude)
                .await?
            else {
                return Ok(None);
            };
            let owner = inner
                .store
                .find_publish_entry_by_media(post.id.as_str())
                .await
                .map_err(|e| NetworkError::new(FailureClass::Retry, e.to_string()))?;
            match owner {
                Some(other) if other.draft_id != entry.draft_id => exclude.push(post.id),
                _ => return Ok(Some(post)),
            }
        }
        Ok(None)
    }

    /// Records the container of a first or replacement attempt.
    async fn record_container(
        &self,
        ctx: &JobCtx,
        draft: &Draft,
        entry: Option<PublishEntry>,
        container: &ContainerId,
        content: &PostContent,
    ) -> Result<PublishEntry> {
        let now = self.inner.now();
        match entry {
            None => {
                let mut fresh = PublishEntry::new(
                    draft.id,
                    draft.account_id,
                    content.fingerprint(),
                    Some(ctx.fence),
                    now,
                );
                fresh.state = PublishState::ContainerCreated;
                fresh.container_id = Some(container.as_str().to_owned());
                let stored = self.inner.store.begin_publish(&fresh).await?;
                if !stored.is_new() {
                    // Another run began first; its entry wins and ours is an
                    // orphan container (it expires unpublished).
                    warn!(container = %container, "ledger entry existed; container left unused");
                }
                Ok(stored.into_inner())
            }
            Some(mut e) => {
                e.state = PublishState::ContainerCreated;
                e.container_id = Some(container.as_str().to_owned());
                self.write_entry(ctx, e).await
            }
        }
    }

    async fn record_published(
        &self,
        ctx: &JobCtx,
        entry: PublishEntry,
        post: &PublishedPost,
        permalink: Option<String>,
    ) -> Result<PublishEntry> {
        let now = self.inner.now();
        let mut done = entry;
        done.state = PublishState::Published;
        done.media_id = Some(post.id.as_str().to_owned());
        done.permalink = permalink;
        done.published_at = Some(post.published_at.unwrap_or(now));
        done.last_error = None;
        self.write_entry(ctx, done).await
    }

    /// Gives up on a container that failed or expired; the next step creates
    /// a new one (bounded by `max_containers`).
    async fn replace_container(
        &self,
        ctx: &JobCtx,
        draft: &Draft,
        entry: PublishEntry,
        reason: &str,
    ) -> Result<PublishEntry> {
        let mut e = entry;
        let old = e.container_id.take().unwrap_or_default();
        if let Some(r) = e.quota_reservation.take() {
            self.release(r).await;
        }
        e.previous_container_ids.push(old.clone());
        e.state = PublishState::Pending;
        e.last_error = Some(format!("container {old}: {reason}"));
        let e = self.write_entry(ctx, e).await?;
        self.inner
            .record(
                &Actor::system(),
                Event::ContainerReplaced {
                    draft_id: draft.id,
                    account_id: draft.account_id,
                    container_id: old,
                    reason: reason.to_owned(),
                },
            )
            .await?;
        Ok(e)
    }

    /// A failure of a call other than publish.
    async fn network_failure(
        &self,
        ctx: &JobCtx,
        draft: &Draft,
        entry: Option<&PublishEntry>,
        operation: &str,
        err: NetworkError,
    ) -> Result<JobOutcome> {
        let policy = self.inner.config.publish;
        match err.class() {
            FailureClass::Reauthorize => {
                self.mark_needs_reauth(draft.account_id, err.message())
                    .await?;
                Ok(JobOutcome::Parked {
                    reason: err.to_string(),
                })
            }
            FailureClass::Terminal => {
                let reason = format!("{operation}: {err}");
                self.fail(ctx, draft, entry, &reason).await?;
                Ok(JobOutcome::Done)
            }
            _ => {
                let attempts = entry.map_or(1, |e| e.attempts.max(1));
                let wait = err
                    .retry_after()
                    .unwrap_or_else(|| backoff(policy.retry_base, policy.retry_max, attempts));
                Ok(JobOutcome::RetryAt {
                    at: self.inner.now() + wait,
                    reason: format!("{operation}: {err}"),
                })
            }
        }
    }

    /// Past the deadline: `Unconfirmed` if the call may have gone out, else `Failed`.
    async fn give_up(
        &self,
        ctx: &JobCtx,
        draft: &Draft,
        entry: PublishEntry,
        reason: &str,
    ) -> Result<JobOutcome> {
        let mut e = entry;
        if e.state == PublishState::PublishSent {
            e.state = PublishState::Unconfirmed;
            e.evidence
                .push(format!("{reason}: a person must check the account"));
        } else {
            e.state = PublishState::Failed;
            if let Some(r) = e.quota_reservation.take() {
                self.release(r).await;
            }
        }
        e.last_error = Some(reason.to_owned());
        let e = self.write_entry(ctx, e).await?;
        self.derive_terminal(ctx, draft, &e).await?;
        Ok(JobOutcome::Done)
    }

    /// Fails a draft for good (with its ledger entry, if any).
    async fn fail(
        &self,
        ctx: &JobCtx,
        draft: &Draft,
        entry: Option<&PublishEntry>,
        reason: &str,
    ) -> Result<()> {
        match entry {
            Some(e) => {
                let mut e = e.clone();
                e.state = PublishState::Failed;
                e.last_error = Some(reason.to_owned());
                if let Some(r) = e.quota_reservation.take() {
                    self.release(r).await;
                }
                let e = self.write_entry(ctx, e).await?;
                self.derive_terminal(ctx, draft, &e).await
            }
            None => {
                self.derive_state(ctx, draft, DraftState::Failed, Some(reason.to_owned()))
                    .await?;
                Ok(())
            }
        }
    }

    /// The draft follows a `Failed` or `Unconfirmed` ledger entry.
    async fn derive_terminal(
        &self,
        ctx: &JobCtx,
        draft: &Draft,
        entry: &PublishEntry,
    ) -> Result<()> {
        let to = match entry.state {
            PublishState::Unconfirmed => DraftState::Unconfirmed,
            _ => DraftState::Failed,
        };
        let note = match to {
            DraftState::Unconfirmed => Some(entry.evidence.join("; ")),
            _ => entry.last_error.clone(),
        };
        let provider = provider_ids(entry);
        let attempts = entry.attempts;
        let error = note.clone();
        let changed = self
            .update_draft(draft.id, Some(ctx.fence), |d| {
                if d.state == to {
                    return Ok(false);
                }
                d.state = to;
                d.provider = provider.clone();
                d.attempts = attempts;
                d.last_error = error.clone();
                Ok(true)
            })
            .await?;
        if let Some((from, after)) = changed {
            warn!(state = %to, reason = ?note, "publishing ended without a post");
            self.record_transition(&Actor::system(), from, &after, note)
                .await?;
        }
        Ok(())
    }

    /// Moves a draft to `to` with the job's fence, and audits it.
    async fn derive_state(
        &self,
        ctx: &JobCtx,
        draft: &Draft,
        to: DraftState,
        note: Option<String>,
    ) -> Result<Draft> {
        let error = note.clone().filter(|_| to.is_terminal());
        let changed = self
            .update_draft(draft.id, Some(ctx.fence), |d| {
                if d.state == to {
                    return Ok(false);
                }
                d.state = to;
                if error.is_some() {
                    d.last_error = error.clone();
                }
                Ok(true)
            })
            .await?;
        match changed {
            Some((from, after)) => {
                self.record_transition(&Actor::system(), from, &after, note)
                    .await?;
                Ok(after)
            }
            None => self.require_draft(draft.id).await,
        }
    }

    /// Step 7: the ledger says published. Commit the quota unit, derive the
    /// draft, queue the next chain part. Every part is idempotent, so a run
    /// that died half-way through is finished by the next one.
    async fn finish(
        &self,
        ctx: &JobCtx,
        draft: &Draft,
        entry: PublishEntry,
        account: &Account,
    ) -> Result<JobOutcome> {
        let inner = &self.inner;
        if let Some(r) = entry.quota_reservation {
            match inner.store.commit(r).await {
                Ok(_) => {}
                // Purged long after it lapsed: the network's own count is what
                // matters now.
                Err(e) if e.is_not_found() => warn!(reservation = %r, "quota reservation gone"),
                Err(e) => return Err(e.into()),
            }
        }
        if draft.state != DraftState::Published {
            self.clean_up_media(draft, account).await;
        }
        let provider = provider_ids(&entry);
        let media_id = entry.media_id.clone().unwrap_or_default();
        let permalink = entry.permalink.clone();
        let (attempts, published_at) = (entry.attempts, entry.published_at);
        let changed = self
            .update_draft(draft.id, Some(ctx.fence), |d| {
                if d.state == DraftState::Published && d.provider == provider {
                    return Ok(false);
                }
                d.state = DraftState::Published;
                d.provider = provider.clone();
                d.attempts = attempts;
                d.published_at = published_at;
                d.last_error = None;
                Ok(true)
            })
            .await?;
        if let Some((_, after)) = changed {
            info!(post = %media_id, permalink = ?permalink, "published");
            inner
                .record(
                    &Actor::system(),
                    Event::Published {
                        draft_id: after.id,
                        account_id: after.account_id,
                        post_id: media_id,
                        permalink,
                    },
                )
                .await?;
            self.queue_next_part(&after).await?;
        }
        // Keep "last active" fresh for retention, at most one write a day.
        let now = inner.now();
        if now - account.last_active_at > TimeDelta::days(1)
            && let Ok(Some(mut fresh)) = inner.store.get_account(account.id).await
        {
            fresh.last_active_at = now;
            if let Err(e) = inner.store.update_account(&fresh).await {
                debug!(error = %e, "could not record account activity");
            }
        }
        inner.probe(Step::Finished, &draft.id.to_string());
        Ok(JobOutcome::Done)
    }

    /// Queues the chain part that follows `draft`, if any (its parent is live).
    async fn queue_next_part(&self, draft: &Draft) -> Result<()> {
        let next = if let Some(first) = draft.chain.first() {
            Some(*first)
        } else if draft.parent_draft_id.is_some() {
            // Walk up to the root (chains are short) and take the part after ours.
            let mut root = draft.clone();
            for _ in 0..64 {
                match root.parent_draft_id {
                    Some(p) => root = self.require_draft(p).await?,
                    None => break,
                }
            }
            let at = root.chain.iter().position(|id| *id == draft.id);
            at.and_then(|i| root.chain.get(i + 1)).copied()
        } else {
            None
        };
        if let Some(next) = next {
            let part = self.require_draft(next).await?;
            if part.state == DraftState::Scheduled {
                self.enqueue(
                    Task::Publish { draft_id: next },
                    part.account_id,
                    self.inner.now(),
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Out of quota: the post moves to when a unit frees up.
    async fn defer_for_quota(
        &self,
        ctx: &JobCtx,
        draft: &mut Draft,
        until: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let changed = self
            .update_draft(draft.id, Some(ctx.fence), |d| {
                d.state = DraftState::Scheduled;
                d.scheduled_at = Some(until);
                d.last_error = Some(format!("quota exhausted until {}", until.to_rfc3339()));
                Ok(true)
            })
            .await?;
        if let Some((_, after)) = changed {
            *draft = after;
        }
        self.inner
            .record(
                &Actor::system(),
                Event::QuotaDeferred {
                    draft_id: draft.id,
                    account_id: draft.account_id,
                    until,
                },
            )
            .await
    }

    /// Writes a ledger entry with the job's fence.
    async fn write_entry(&self, ctx: &JobCtx, mut entry: PublishEntry) -> Result<PublishEntry> {
        entry.updated_at = self.inner.now();
        match self
            .inner
            .store
            .update_publish_entry(&entry, Some(ctx.fence))
            .await
        {
            Ok(stored) => Ok(stored),
            Err(e) if e.is_stale_fence() => Err(Error::LeaseLost(ctx.job_id)),
            Err(e) => Err(e.into()),
        }
    }

    /// Returns a reservation's unit (best effort: it lapses anyway).
    async fn release(&self, reservation: store_traits::ReservationId) {
        if let Err(e) = self.inner.store.release(reservation).await {
            debug!(reservation = %reservation, error = %e, "quota release failed; it will lapse");
        }
    }
}

/// The network content of a draft (the reply target of a chain part is
/// filled in from its parent).
fn content_of(draft: &Draft) -> PostContent {
    let mut content = PostContent::text(draft.text.clone()).with_media(draft.media.clone());
    content.topic_tag = draft.topic_tag.clone();
    match draft.kind {
        store_traits::DraftKind::Quote => {
            content.quote_of = draft.reply_to_id.clone().map(PostId::new)
        }
        _ => content.reply_to = draft.reply_to_id.clone().map(PostId::new),
    }
    content
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

fn container_of(entry: &PublishEntry) -> Result<ContainerId> {
    entry
        .container_id
        .clone()
        .map(ContainerId::new)
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "ledger entry of draft {} is {} without a container",
                entry.draft_id, entry.state
            ))
        })
}

fn provider_ids(entry: &PublishEntry) -> ProviderIds {
    ProviderIds {
        container_id: entry.container_id.clone(),
        media_id: entry.media_id.clone(),
        permalink: entry.permalink.clone(),
    }
}
