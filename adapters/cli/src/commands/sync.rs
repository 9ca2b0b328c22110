//! `threads sync`: brings in what happened on the network: the account's
//! post history (posts made outside this tool become published drafts), an
//! insights snapshot (account figures, audience, post figures) and a round
//! of replies and mentions, per account, with a progress bar.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use store_traits::{Account, AccountFilter, AccountStatus};

use crate::args::SyncArgs;
use crate::backend::Backend;
use crate::error::Result;

/// The steps of one account.
const STEPS: u64 = 3;

/// Syncs one account or every active one.
pub(crate) async fn run(backend: &Backend, args: &SyncArgs) -> Result<()> {
    let accounts: Vec<Account> = match &args.account {
        Some(name) => vec![backend.account(Some(name)).await?],
        None => {
            backend
                .store
                .list_accounts(&AccountFilter {
                    status: Some(AccountStatus::Active),
                    ..AccountFilter::default()
                })
                .await?
        }
    };
    if accounts.is_empty() {
        println!("No active account to sync.");
        return Ok(());
    }
    let bar = ProgressBar::new(accounts.len() as u64 * STEPS);
    let drawn = std::io::stderr().is_terminal();
    // Above the bar in a terminal; plain lines on standard output otherwise
    // (a hidden bar prints nothing).
    let say = |line: String| {
        if drawn {
            bar.println(line);
        } else {
            println!("{line}");
        }
    };
    if drawn {
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let mut failures = Vec::new();
    for account in &accounts {
        bar.set_message(format!("@{}: post history", account.username));
        match backend
            .pipeline
            .import_history(account.id, &backend.actor)
            .await
        {
            Ok(history) => say(format!(
                "@{}: post history: {} read, {} new, {} known",
                account.username, history.read, history.imported, history.known
            )),
            Err(e) => {
                say(format!("@{}: post history failed: {e}", account.username));
                failures.push(e);
            }
        }
        bar.inc(1);
        bar.set_message(format!("@{}: insights", account.username));
        match backend.pipeline.snapshot_now(account.id).await {
            Ok(summary) => say(format!(
                "@{}: insights snapshot: {}{} demographics, {} posts{}",
                account.username,
                if summary.account_metrics {
                    "account figures, "
                } else {
                    ""
                },
                summary.demographics,
                summary.posts,
                if summary.skipped.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({} skipped: {})",
                        summary.skipped.len(),
                        summary.skipped.join("; ")
                    )
                }
            )),
            Err(e) => {
                say(format!("@{}: insights failed: {e}", account.username));
                failures.push(e);
            }
        }
        bar.inc(1);
        bar.set_message(format!("@{}: replies and mentions", account.username));
        match backend.pipeline.poll_now(account.id).await {
            Ok(n) => say(format!(
                "@{}: {n} new repl{} and mentions",
                account.username,
                if n == 1 { "y" } else { "ies" }
            )),
            Err(e) => {
                say(format!("@{}: replies failed: {e}", account.username));
                failures.push(e);
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    match failures.into_iter().next() {
        Some(first) => Err(first.into()),
        None => Ok(()),
    }
}
