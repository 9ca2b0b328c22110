//! `threads worker`: runs the pipeline's worker until Ctrl-C.

use content_pipeline::{Worker, WorkerConfig, WorkerReport};

use crate::args::WorkerArgs;
use crate::backend::Backend;
use crate::error::Result;

fn report(r: &WorkerReport) {
    println!(
        "Worker stopped: {} runs, {} done, {} retried, {} parked, {} errors, {} handed back",
        r.runs, r.done, r.retried, r.parked, r.errors, r.released
    );
}

/// Runs the worker: once (`--once`) or until Ctrl-C / SIGTERM, then stops
/// claiming, lets running jobs finish and hands the rest back.
pub(crate) async fn run(backend: &Backend, args: &WorkerArgs) -> Result<()> {
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("cli-{}", std::process::id()));
    let worker = Worker::new(backend.pipeline.clone(), WorkerConfig::named(name.clone()));
    if args.once {
        let r = worker.drain().await?;
        report(&r);
        return Ok(());
    }
    eprintln!("Worker {name} running; Ctrl-C stops it.");
    let r = worker.run_until(shutdown_signal()).await?;
    report(&r);
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    eprintln!("Stopping: finishing running jobs ...");
}
