//! `threads accounts` and `threads drafts`: what is stored.

use std::collections::BTreeMap;

use serde_json::json;
use store_traits::{AccountFilter, DraftFilter, DraftState};

use crate::args::{AccountsArgs, DraftsArgs};
use crate::backend::Backend;
use crate::error::{CliError, Result};

/// Lists the connected accounts with their drafts per state.
pub(crate) async fn accounts(backend: &Backend, args: &AccountsArgs) -> Result<()> {
    let accounts = backend
        .store
        .list_accounts(&AccountFilter::default())
        .await?;
    let mut rows = Vec::new();
    for account in &accounts {
        let drafts = backend
            .store
            .list_drafts(&DraftFilter::account(account.id))
            .await?;
        let mut states: BTreeMap<String, usize> = BTreeMap::new();
        for d in &drafts {
            *states.entry(d.state.to_string()).or_default() += 1;
        }
        rows.push((account, states));
    }
    if args.json {
        let list: Vec<_> = rows
            .iter()
            .map(|(a, states)| {
                json!({
                    "id": a.id,
                    "username": a.username,
                    "status": a.status.to_string(),
                    "display_name": a.display_name,
                    "created_at": a.created_at,
                    "drafts": states,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!("No account is connected. Connect one with `threads connect`.");
        return Ok(());
    }
    println!("{:<24} {:<14} {:<38} DRAFTS", "USERNAME", "STATUS", "ID");
    for (a, states) in rows {
        let drafts = if states.is_empty() {
            "none".to_owned()
        } else {
            states
                .iter()
                .map(|(s, n)| format!("{n} {s}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "{:<24} {:<14} {:<38} {drafts}",
            format!("@{}", a.username),
            a.status.to_string(),
            a.id.to_string()
        );
    }
    Ok(())
}

/// Lists drafts, newest first.
pub(crate) async fn drafts(backend: &Backend, args: &DraftsArgs) -> Result<()> {
    let account = backend.account(args.account.account.as_deref()).await?;
    let states = match &args.state {
        Some(s) => vec![s.trim().parse::<DraftState>().map_err(|_| {
            CliError::usage(
                format!("`{s}` is not a draft state"),
                "use draft, pending_approval, approved, scheduled, publishing, published, failed, unconfirmed, rejected or missed",
            )
        })?],
        None => Vec::new(),
    };
    let mut drafts = backend
        .store
        .list_drafts(&DraftFilter {
            account_id: Some(account.id),
            states,
            ..DraftFilter::default()
        })
        .await?;
    drafts.sort_by_key(|d| std::cmp::Reverse(d.created_at));
    if args.json {
        println!("{}", serde_json::to_string_pretty(&drafts)?);
        return Ok(());
    }
    if drafts.is_empty() {
        println!("@{} has no drafts.", account.username);
        return Ok(());
    }
    println!("{:<38} {:<17} {:<17} TEXT", "ID", "STATE", "WHEN (UTC)");
    for d in drafts {
        let when = d
            .published_at
            .or(d.scheduled_at)
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        let text: String = d.text.chars().take(60).collect();
        let more = if d.text.chars().count() > 60 {
            "…"
        } else {
            ""
        };
        println!(
            "{:<38} {:<17} {:<17} {}{more}",
            d.id.to_string(),
            d.state.to_string(),
            when,
            text.replace('\n', " ")
        );
    }
    Ok(())
}
