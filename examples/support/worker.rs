//! A worker running in the background of an example, and waiting for a
//! draft to reach a final state.
#![allow(dead_code, reason = "each example uses a different part")]

use std::time::Duration;

use anyhow::{Result, bail};
use content_pipeline::{Pipeline, Worker, WorkerConfig};

/// Runs a worker in the background until the returned handle is stopped.
pub(crate) fn start_worker(pipeline: &Pipeline, name: &str) -> RunningWorker {
    let worker = Worker::new(pipeline.clone(), WorkerConfig::named(name));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        worker
            .run_until(async {
                stopped.await.ok();
            })
            .await
    });
    RunningWorker { stop, task }
}

/// A worker started by [`start_worker`].
pub(crate) struct RunningWorker {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<content_pipeline::Result<content_pipeline::WorkerReport>>,
}

impl RunningWorker {
    /// Lets the worker finish its job in hand, waits for it and returns
    /// what it did.
    pub(crate) async fn stop(self) -> Result<content_pipeline::WorkerReport> {
        self.stop.send(()).ok();
        Ok(self.task.await??)
    }
}

/// Waits (up to `limit`) for the draft to reach a final state.
pub(crate) async fn wait_for_draft(
    pipeline: &Pipeline,
    draft: store_traits::DraftId,
    limit: Duration,
) -> Result<store_traits::Draft> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let d = pipeline.draft(draft).await?;
        if d.state.is_terminal() {
            return Ok(d);
        }
        if tokio::time::Instant::now() >= deadline {
            bail!(
                "draft {draft} is still {} after {} s",
                d.state,
                limit.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
