//! Publishing: media containers, `threads_publish`, reposts, and the full flow.
//!
//! Threads publishes in two steps: create a media container, then publish it. Image and
//! video containers need processing time first; Meta advises checking a container's
//! status about once a minute for at most five minutes
//! (<https://developers.facebook.com/docs/threads/troubleshooting>).
//!
//! There are three ways to drive this, from the most to the least automatic:
//!
//! 1. **One call.** [`PublishHandler::publish`] validates the request, creates the
//!    container, waits until it is `FINISHED` and publishes it. The result,
//!    [`Published`], carries the container ID and the media ID.
//! 2. **Create, record, resume.** A scheduler with a ledger must persist the container
//!    ID *before* anything is published, so that after a crash or an unknown outcome it
//!    can check that container instead of creating a second post. It creates the
//!    container with [`PublishHandler::create_container`], records the ID, then hands it
//!    to [`PublishHandler::resume`], which waits and publishes exactly like the one-call
//!    flow. After a restart, the same `resume` continues from the recorded ID:
//!
//!    ```no_run
//!    # use threads_api::{AccountClient, Error, ids::ContainerId, model::ContainerRequest};
//!    # async fn save(_: &ContainerId) {}
//!    # async fn run(account: AccountClient) -> Result<(), Error> {
//!    let publish = account.publish();
//!    let container = publish
//!        .create_container(&ContainerRequest::image("https://example.com/cat.jpg"))
//!        .await?;
//!    save(&container).await; // the ledger knows the container before publishing starts
//!    match publish.resume(container).send().await {
//!        Ok(published) => println!("live as {}", published.media_id),
//!        // Published by an earlier attempt (for example before a crash): done.
//!        Err(Error::ContainerAlreadyPublished { .. }) => {}
//!        Err(other) => return Err(other),
//!    }
//!    # Ok(()) }
//!    ```
//!
//! 3. **Each step yourself:**
//!    1. [`PublishHandler::create_container`]: `POST /{user}/threads` (validated first);
//!    2. [`PublishHandler::container_status`]:
//!       `GET /{container}?fields=id,status,error_message`;
//!    3. [`PublishHandler::publish_container`]: `POST /{user}/threads_publish`.
//!
//! The flow waits with bounded backoff up to a deadline ([`PublishWait`]). It reads the
//! time and sleeps through a [`Sleeper`] (real time by default), which
//! [`PublishFlow::sleeper`] replaces: a server on a virtual clock, such as an emulator
//! driven by a manual clock, is then waited for on that clock, not in real time.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::client::{AccountClient, RequestSpec};
use crate::error::{Error, ErrorAction, Result};
use crate::ids::{ContainerId, MediaId};
use crate::model::{ContainerRequest, ContainerState, ContainerStatus, CrossreshareStatus};
use crate::retry::Idempotency;
use crate::sleeper::{Sleeper, TokioSleeper};

impl AccountClient {
    /// Publishing: containers, `threads_publish`, reposts.
    pub fn publish(&self) -> PublishHandler {
        PublishHandler {
            account: self.clone(),
        }
    }
}

/// Publishing operations of one account. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct PublishHandler {
    account: AccountClient,
}

/// The outcome of a publish: the new post and the container it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Published {
    /// The published Threads media ID.
    pub media_id: MediaId,
    /// The container it was published from (equal to `media_id` with
    /// `auto_publish_text`).
    pub container_id: ContainerId,
    /// `crossreshare_to_ig_status`, when Meta reports it.
    pub crossreshare_to_ig_status: Option<CrossreshareStatus>,
}

#[derive(Deserialize)]
struct IdResponse<I> {
    id: I,
    #[serde(default)]
    crossreshare_to_ig_status: Option<CrossreshareStatus>,
}

impl PublishHandler {
    /// Creates a media container (`POST /{user}/threads`) after checking the request
    /// client-side ([`ContainerRequest::validate`]).
    ///
    /// Not retried automatically (see [`crate::retry`]). With `auto_publish_text`, the
    /// returned ID is already the published media ID.
    ///
    /// ```no_run
    /// # use threads_api::{AccountClient, model::ContainerRequest};
    /// # async fn run(account: AccountClient) -> Result<(), threads_api::Error> {
    /// let container = account
    ///     .publish()
    ///     .create_container(&ContainerRequest::image("https://example.com/cat.jpg").alt_text("A cat"))
    ///     .await?;
    /// # let _ = container; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] before sending; any request error after.
    pub async fn create_container(&self, request: &ContainerRequest) -> Result<ContainerId> {
        Ok(self.create(request).await?.id)
    }

    async fn create(&self, request: &ContainerRequest) -> Result<IdResponse<ContainerId>> {
        request.validate()?;
        let spec = RequestSpec::post(
            [self.account.user_id.as_str(), "threads"],
            Idempotency::Create,
        )
        .form_pairs(request.to_form())
        .token(&self.account.token);
        self.account.client.send(spec).await
    }

    /// Reads a container's status (`GET /{container}?fields=id,status,error_message`).
    /// A read: retried on transient errors.
    ///
    /// # Errors
    /// Any request error.
    pub async fn container_status(&self, container: &ContainerId) -> Result<ContainerStatus> {
        let spec = RequestSpec::get([container.as_str()])
            .query("fields", "id,status,error_message")
            .token(&self.account.token);
        self.account.client.send(spec).await
    }

    /// Publishes a `FINISHED` container (`POST /{user}/threads_publish` with
    /// `creation_id`).
    ///
    /// **Never retried**: after a timeout the post may or may not exist. Check
    /// [`container_status`](Self::container_status) (`PUBLISHED` means it went through)
    /// before calling again.
    ///
    /// # Errors
    /// Any request error; code 24 / subcode 4279009 means the container is not ready
    /// ([`ErrorAction::WaitForContainer`]).
    pub async fn publish_container(&self, container: &ContainerId) -> Result<Published> {
        let spec = RequestSpec::post(
            [self.account.user_id.as_str(), "threads_publish"],
            Idempotency::Irreversible,
        )
        .form("creation_id", container.as_str())
        .token(&self.account.token);
        let response: IdResponse<MediaId> = self.account.client.send(spec).await?;
        Ok(Published {
            media_id: response.id,
            container_id: container.clone(),
            crossreshare_to_ig_status: response.crossreshare_to_ig_status,
        })
    }

    /// Reposts a post (`POST /{media}/repost`). Never retried.
    ///
    /// # Errors
    /// Any request error.
    pub async fn repost(&self, media: &MediaId) -> Result<MediaId> {
        let spec = RequestSpec::post([media.as_str(), "repost"], Idempotency::Irreversible)
            .token(&self.account.token);
        let response: IdResponse<MediaId> = self.account.client.send(spec).await?;
        Ok(response.id)
    }

    /// The whole flow: validate, create the container, wait until it is `FINISHED`,
    /// publish. Configure the wait with [`PublishFlow::wait`].
    ///
    /// To learn the container ID before anything is published (to record it in a
    /// ledger), create the container yourself and continue with
    /// [`resume`](Self::resume) instead; see the [module docs](self).
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use threads_api::{AccountClient, api::publish::PublishWait, model::ContainerRequest};
    /// # async fn run(account: AccountClient) -> Result<(), threads_api::Error> {
    /// let published = account
    ///     .publish()
    ///     .publish(ContainerRequest::video("https://example.com/clip.mp4"))
    ///     .wait(PublishWait { deadline: Duration::from_secs(120), ..PublishWait::default() })
    ///     .send()
    ///     .await?;
    /// println!("{} from container {}", published.media_id, published.container_id);
    /// # Ok(()) }
    /// ```
    pub fn publish(&self, request: ContainerRequest) -> PublishFlow {
        self.flow(Start::Create(Box::new(request)))
    }

    /// The second half of the flow, for a container that already exists: wait until it
    /// is `FINISHED`, then publish it. Behaves exactly like [`publish`](Self::publish)
    /// after the creation step, including [`PublishFlow::wait`] and
    /// [`PublishFlow::sleeper`].
    ///
    /// Use it after [`create_container`](Self::create_container) once the ID is recorded,
    /// or to continue from a recorded ID after a restart. A container that turns out to
    /// be `PUBLISHED` already ends the flow with [`Error::ContainerAlreadyPublished`]
    /// (publishing is never repeated). Containers created with `auto_publish_text` are
    /// published at creation and need no resume.
    pub fn resume(&self, container: ContainerId) -> PublishFlow {
        self.flow(Start::Existing(container))
    }

    fn flow(&self, start: Start) -> PublishFlow {
        PublishFlow {
            handler: self.clone(),
            start,
            wait: PublishWait::default(),
            sleeper: Arc::new(TokioSleeper),
        }
    }
}

/// How [`PublishFlow`] waits for a container to become `FINISHED`.
///
/// The first status check happens after `initial_delay`; later checks are spaced by
/// `poll_interval`, doubling up to `max_poll_interval`. When the next check would pass
/// `deadline` (counted from the start of the wait, on the flow's [`Sleeper`]), the flow
/// stops with [`Error::ContainerNotReady`]; nothing has been published then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishWait {
    /// Wait before the first status check. Default 0 (text containers are ready at
    /// once).
    pub initial_delay: Duration,
    /// First interval between checks. Default 2 s.
    pub poll_interval: Duration,
    /// Longest interval between checks. Default 30 s.
    pub max_poll_interval: Duration,
    /// Give up after this long. Default 5 min (Meta advises checking for at most 5 min).
    pub deadline: Duration,
}

impl Default for PublishWait {
    fn default() -> Self {
        Self {
            initial_delay: Duration::ZERO,
            poll_interval: Duration::from_secs(2),
            max_poll_interval: Duration::from_secs(30),
            deadline: Duration::from_secs(300),
        }
    }
}

/// The create → wait → publish flow. Built by [`PublishHandler::publish`], or by
/// [`PublishHandler::resume`] for a container that already exists.
#[derive(Debug, Clone)]
#[must_use = "the flow does nothing until `send()` is awaited"]
pub struct PublishFlow {
    handler: PublishHandler,
    start: Start,
    wait: PublishWait,
    sleeper: Arc<dyn Sleeper>,
}

/// Where a flow starts.
#[derive(Debug, Clone)]
enum Start {
    /// Validate and create a container from this request.
    Create(Box<ContainerRequest>),
    /// Wait for and publish this existing container.
    Existing(ContainerId),
}

impl PublishFlow {
    /// Sets the whole wait configuration.
    pub fn wait(mut self, wait: PublishWait) -> Self {
        self.wait = wait;
        self
    }

    /// Sets only the deadline.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.wait.deadline = deadline;
        self
    }

    /// Measures the wait and sleeps between status checks with `sleeper` instead of
    /// real time ([`TokioSleeper`], the default).
    ///
    /// ```no_run
    /// # use std::sync::Arc;
    /// # use threads_api::{AccountClient, Sleeper, ids::ContainerId};
    /// # async fn run(account: AccountClient, virtual_time: Arc<dyn Sleeper>) -> Result<(), threads_api::Error> {
    /// let published = account
    ///     .publish()
    ///     .resume(ContainerId::new("17889615691921648"))
    ///     .sleeper(virtual_time)
    ///     .send()
    ///     .await?;
    /// # let _ = published; Ok(()) }
    /// ```
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Runs the flow.
    ///
    /// * `ERROR`/`EXPIRED` containers → [`Error::ContainerFailed`];
    /// * not `FINISHED` by the deadline → [`Error::ContainerNotReady`];
    /// * already `PUBLISHED` → [`Error::ContainerAlreadyPublished`];
    /// * a publish rejected with "Media Not Found" (code 24) is tried again after the
    ///   next poll interval while the deadline allows: Meta refused it, so nothing was
    ///   published. Any other publish failure is returned as is, never retried.
    ///
    /// The container-state errors carry the container ID; a request error after the
    /// container was created (a status read that kept failing, a publish timeout) does
    /// not. A scheduler that must reconcile after such failures creates the container
    /// itself and continues with [`PublishHandler::resume`], so that it holds the ID
    /// from the start.
    ///
    /// # Errors
    /// See above, plus any request error.
    pub async fn send(self) -> Result<Published> {
        let PublishFlow {
            handler,
            start,
            wait,
            sleeper,
        } = self;
        let container = match start {
            Start::Existing(container) => container,
            Start::Create(request) => {
                let created = handler.create(&request).await?;
                if request.auto_publish_text {
                    return Ok(Published {
                        media_id: MediaId::from(created.id.clone()),
                        container_id: created.id,
                        crossreshare_to_ig_status: created.crossreshare_to_ig_status,
                    });
                }
                created.id
            }
        };
        wait_and_publish(&handler, container, &wait, sleeper.as_ref()).await
    }
}

/// Polls `container` until it is `FINISHED`, then publishes it; see
/// [`PublishFlow::send`].
async fn wait_and_publish(
    handler: &PublishHandler,
    container: ContainerId,
    wait: &PublishWait,
    sleeper: &dyn Sleeper,
) -> Result<Published> {
    let started = sleeper.now();
    let waited = || sleeper.now().saturating_duration_since(started);
    let mut interval = wait.poll_interval;
    let mut delay = wait.initial_delay;
    let mut last_status = None;
    loop {
        if waited() + delay > wait.deadline {
            return Err(Error::ContainerNotReady {
                container_id: container,
                last_status,
                waited: waited(),
            });
        }
        if !delay.is_zero() {
            sleeper.sleep(delay).await;
        }
        delay = interval;
        interval = (interval * 2).min(wait.max_poll_interval);

        let status = handler.container_status(&container).await?;
        match &status.status {
            Some(state @ (ContainerState::Error | ContainerState::Expired)) => {
                return Err(Error::ContainerFailed {
                    container_id: container,
                    status: state.clone(),
                    error_message: status.error_message,
                });
            }
            Some(ContainerState::Finished) => {}
            Some(ContainerState::Published) => {
                return Err(Error::ContainerAlreadyPublished {
                    container_id: container,
                });
            }
            other => {
                last_status = other.clone();
                continue;
            }
        }
        last_status = status.status;
        match handler.publish_container(&container).await {
            Err(err) if err.action() == ErrorAction::WaitForContainer => {
                tracing::debug!(container = %container, "container not ready for publish yet");
            }
            result => return result,
        }
    }
}

awaitable!(PublishFlow => Published);
