//! One module per group of commands, and the dispatch.

mod accounts;
mod connect;
mod insights;
mod privacy;
mod sync;
mod worker;
mod write;

use clap::CommandFactory;

use crate::args::{Cli, Command, CompletionsArgs};
use crate::backend::Backend;
use crate::error::Result;

/// Runs the command.
pub(crate) async fn run(cli: Cli) -> Result<()> {
    if let Command::Completions(args) = &cli.command {
        completions(args);
        return Ok(());
    }
    let mut backend = Backend::open(&cli.global).await?;
    let result = dispatch(&mut backend, &cli.command).await;
    backend.close().await;
    result
}

async fn dispatch(backend: &mut Backend, command: &Command) -> Result<()> {
    match command {
        Command::Connect(args) => connect::run(backend, args).await,
        Command::Accounts(args) => accounts::accounts(backend, args).await,
        Command::Drafts(args) => accounts::drafts(backend, args).await,
        Command::Draft(args) => write::draft(backend, args).await,
        Command::Approve(args) => write::approve(backend, args).await,
        Command::Reject(args) => write::reject(backend, args).await,
        Command::Schedule(args) => write::schedule(backend, args).await,
        Command::Publish(args) => write::publish(backend, args).await,
        Command::Sync(args) => sync::run(backend, args).await,
        Command::Insights(args) => insights::run(backend, args).await,
        Command::Export(args) => privacy::export(backend, args).await,
        Command::Delete(args) => privacy::delete(backend, args).await,
        Command::Worker(args) => worker::run(backend, args).await,
        Command::Completions(args) => {
            completions(args);
            Ok(())
        }
    }
}

/// Prints the completion script for `args.shell`.
fn completions(args: &CompletionsArgs) {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "threads", &mut std::io::stdout());
}
