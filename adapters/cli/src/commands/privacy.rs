//! `threads export` and `threads delete`.

use std::io::{BufRead, IsTerminal, Write};

use crate::args::{DeleteArgs, ExportArgs};
use crate::backend::Backend;
use crate::error::{CliError, Result};

/// Writes the account's export document as JSON.
pub(crate) async fn export(backend: &Backend, args: &ExportArgs) -> Result<()> {
    let account = backend.account(args.account.account.as_deref()).await?;
    let document = backend
        .pipeline
        .export_account(account.id, &backend.actor)
        .await?;
    let json = serde_json::to_string_pretty(&document)?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, json.as_bytes()).map_err(CliError::io(path))?;
            eprintln!("Exported @{} to {}", account.username, path.display());
        }
        None => println!("{json}"),
    }
    Ok(())
}

/// Deletes the account and all its data, after confirmation.
pub(crate) async fn delete(backend: &Backend, args: &DeleteArgs) -> Result<()> {
    let account = backend.account(args.account.account.as_deref()).await?;
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::usage(
                format!("deleting @{} needs a confirmation", account.username),
                "run it in a terminal to confirm, or pass --yes",
            ));
        }
        eprint!(
            "This deletes @{} and everything stored about it (drafts, posts, figures, \
             conversations). Its token is deleted first.\nType the username to confirm: ",
            account.username
        );
        std::io::stderr().flush().map_err(CliError::io("-"))?;
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(CliError::io("-"))?;
        if line.trim().trim_start_matches('@') != account.username {
            return Err(CliError::usage(
                "not confirmed; nothing was deleted",
                "type the username exactly, or pass --yes",
            ));
        }
    }
    let receipt = backend
        .pipeline
        .delete_account(account.id, &backend.actor)
        .await?;
    let records: u64 = receipt.deleted.values().sum();
    println!(
        "Deleted @{} ({} records). Confirmation code: {}",
        account.username, records, receipt.confirmation_code
    );
    Ok(())
}
