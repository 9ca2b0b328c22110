//! Publishing: media containers, `threads_publish`, reposts, and the full flow.
//!
//! The explicit steps are public so that a scheduler can persist the container ID
//! between them (see the crate docs on reconciliation):
//!
//! 1. [`PublishHandler::create_container`]: `POST /{user}/threads` (validated first);
//! 2. [`PublishHandler::container_status`]: `GET /{container}?fields=id,status,error_message`;
//! 3. [`PublishHandler::publish_container`]: `POST /{user}/threads_publish`.
//!
//! [`PublishHandler::publish`] runs all three, waiting for the container with bounded
//! backoff and a deadline ([`PublishWait`]).

use std::time::Duration;

use serde::Deserialize;
use tokio::time::Instant;

use crate::client::{AccountClient, RequestSpec};
use crate::error::{Error, ErrorAction, Result};
use crate::ids::{ContainerId, MediaId};
use crate::model::{ContainerRequest, ContainerState, ContainerStatus, CrossreshareStatus};
use crate::retry::Idempotency;

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

/// The outcome of a publish.
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
    /// println!("{}", published.media_id);
    /// # Ok(()) }
    /// ```
    pub fn publish(&self, request: ContainerRequest) -> PublishFlow {
        PublishFlow {
            handler: self.clone(),
            request,
            wait: PublishWait::default(),
        }
    }
}

/// How [`PublishFlow`] waits for a container to become `FINISHED`.
///
/// The first status check happens after `initial_delay`; later checks are spaced by
/// `poll_interval`, doubling up to `max_poll_interval`. When the next check would pass
/// `deadline` (counted from container creation), the flow stops with
/// [`Error::ContainerNotReady`]; nothing has been published then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishWait {
    /// Wait before the first status check. Default 0 (text containers are ready at
    /// once).
    pub initial_delay: Duration,
    /// First interval between checks. Default 2 s.
    pub poll_interval: Duration,
    /// Longest interval between checks. Default 30 s.
    pub max_poll_interval: Duration,
    /// Give up after this long. Default 5 min (Meta's advice: poll for at most 5 min).
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

/// The create → wait → publish flow. Built by [`PublishHandler::publish`].
#[derive(Debug, Clone)]
#[must_use = "the flow does nothing until `send()` is awaited"]
pub struct PublishFlow {
    handler: PublishHandler,
    request: ContainerRequest,
    wait: PublishWait,
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

    /// Runs the flow.
    ///
    /// * `ERROR`/`EXPIRED` containers → [`Error::ContainerFailed`];
    /// * not `FINISHED` by the deadline → [`Error::ContainerNotReady`];
    /// * a publish rejected with "Media Not Found" (code 24) is tried again after the
    ///   next poll interval while the deadline allows: Meta refused it, so nothing was
    ///   published. Any other publish failure is returned as is, never retried.
    ///
    /// A request error after the container was created (a status read that kept
    /// failing, a publish timeout) does not carry the container ID. A scheduler that must
    /// reconcile after such failures should drive the explicit steps and persist the
    /// container ID between them.
    ///
    /// # Errors
    /// See above, plus any request error.
    pub async fn send(self) -> Result<Published> {
        let PublishFlow {
            handler,
            request,
            wait,
        } = self;
        let created = handler.create(&request).await?;
        let container = created.id;
        if request.auto_publish_text {
            return Ok(Published {
                media_id: MediaId::from(container.clone()),
                container_id: container,
                crossreshare_to_ig_status: created.crossreshare_to_ig_status,
            });
        }
        let started = Instant::now();
        let mut interval = wait.poll_interval;
        let mut delay = wait.initial_delay;
        let mut last_status = None;
        loop {
            if started.elapsed() + delay > wait.deadline {
                return Err(Error::ContainerNotReady {
                    container_id: container,
                    last_status,
                    waited: started.elapsed(),
                });
            }
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
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
}

awaitable!(PublishFlow => Published);
