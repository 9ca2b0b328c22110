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

mod media;
mod reconcile;

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
