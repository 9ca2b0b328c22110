//! Writing and deciding: `draft`, `approve`, `reject`, `schedule`,
//! `publish`.

use content_pipeline::{GenerateRequest, NewDraft, When, Worker, WorkerConfig};
use store_traits::{Draft, DraftState};

use crate::args::{DraftArgs, DraftIdArg, RejectArgs, ScheduleArgs};
use crate::backend::Backend;
use crate::error::{CliError, Result};

fn show(draft: &Draft) {
    println!("Draft {} is {}", draft.id, draft.state);
    match (draft.published_at, draft.scheduled_at) {
        (Some(at), _) => println!("  published at {}", at.format("%Y-%m-%d %H:%M:%S UTC")),
        (None, Some(at)) => println!("  scheduled for {}", at.format("%Y-%m-%d %H:%M:%S UTC")),
        (None, None) => {}
    }
    if let Some(link) = &draft.provider.permalink {
        println!("  permalink: {link}");
    }
    if let Some(error) = &draft.last_error {
        println!("  last error: {error}");
    }
}

/// `threads draft`.
pub(crate) async fn draft(backend: &Backend, args: &DraftArgs) -> Result<()> {
    let account = backend.account(args.account.account.as_deref()).await?;
    let drafted = if args.generate {
        let topic = args.topic.clone().unwrap_or_default();
        backend
            .pipeline
            .generate_draft(GenerateRequest::topic(account.id, topic), &backend.actor)
            .await?
    } else {
        let text = args.text.clone().unwrap_or_default();
        if text.trim().is_empty() {
            return Err(CliError::usage(
                "the draft's text is empty",
                "pass the text as an argument, or --generate --topic TOPIC",
            ));
        }
        let mut new = NewDraft::post(account.id, text);
        if let Some(tag) = &args.tag {
            new = new.topic_tag(tag.clone());
        }
        backend.pipeline.create_draft(new, &backend.actor).await?
    };
    show(&drafted.draft);
    println!("  @{}: {}", account.username, drafted.draft.text);
    for (i, part) in drafted.followers.iter().enumerate() {
        println!("  part {} ({}): {}", i + 2, part.id, part.text);
    }
    if matches!(
        drafted.draft.state,
        DraftState::Draft | DraftState::PendingApproval
    ) {
        println!("Approve it with: threads approve {}", drafted.draft.id);
    }
    Ok(())
}

/// `threads approve`.
pub(crate) async fn approve(backend: &Backend, args: &DraftIdArg) -> Result<()> {
    let id = Backend::draft_id(&args.draft)?;
    let draft = backend.pipeline.approve(id, &backend.actor).await?;
    show(&draft);
    println!("Publish it with `threads publish {id}` or `threads schedule {id} --at +2h`.");
    Ok(())
}

/// `threads reject`.
pub(crate) async fn reject(backend: &Backend, args: &RejectArgs) -> Result<()> {
    let id = Backend::draft_id(&args.draft.draft)?;
    let draft = backend
        .pipeline
        .reject(id, &backend.actor, &args.reason)
        .await?;
    show(&draft);
    Ok(())
}

/// `threads schedule`.
pub(crate) async fn schedule(backend: &Backend, args: &ScheduleArgs) -> Result<()> {
    let id = Backend::draft_id(&args.draft.draft)?;
    let when = match args.at {
        Some(at) => {
            let now = backend.pipeline.clock().now();
            let when = at.resolve(now);
            if let When::At { at } = when
                && at < now
            {
                return Err(CliError::usage(
                    format!("{} is in the past", at.format("%Y-%m-%d %H:%M:%S UTC")),
                    "give a future time, or `threads publish` to publish now",
                ));
            }
            when
        }
        None => When::NextSlot,
    };
    let draft = backend.pipeline.schedule(id, when, &backend.actor).await?;
    show(&draft);
    println!("`threads worker` publishes it when it is due.");
    Ok(())
}

/// `threads publish`: schedules the draft for now and runs the due work.
pub(crate) async fn publish(backend: &Backend, args: &DraftIdArg) -> Result<()> {
    let id = Backend::draft_id(&args.draft)?;
    let draft = backend.pipeline.draft(id).await?;
    if matches!(draft.state, DraftState::Draft | DraftState::PendingApproval) {
        return Err(CliError::usage(
            format!("draft {id} is {}, not approved", draft.state),
            format!("approve it first: threads approve {id}"),
        ));
    }
    if draft.state != DraftState::Published {
        backend
            .pipeline
            .schedule(id, When::Now, &backend.actor)
            .await?;
        Worker::new(
            backend.pipeline.clone(),
            WorkerConfig::named(format!("cli-publish-{}", std::process::id())),
        )
        .drain()
        .await?;
    }
    let draft = backend.pipeline.draft(id).await?;
    show(&draft);
    if draft.state == DraftState::Published {
        Ok(())
    } else {
        Err(CliError::Incomplete {
            message: format!("draft {id} was not published; it is {}", draft.state),
            hint: Some(
                "`threads drafts` shows its state; `threads worker` retries due work".into(),
            ),
        })
    }
}
