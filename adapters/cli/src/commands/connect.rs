//! `threads connect`: the OAuth consent, then `Pipeline::finish_connect`.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::response::Html;
use content_pipeline::ConnectRequest;
use tokio::sync::oneshot;

use crate::args::ConnectArgs;
use crate::backend::Backend;
use crate::emulator;
use crate::error::{CliError, Result};

/// Connects an account and prints what was learned.
pub(crate) async fn run(backend: &mut Backend, args: &ConnectArgs) -> Result<()> {
    let session = format!(
        "cli-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    );
    let start = backend
        .pipeline
        .start_connect(ConnectRequest::new(session.clone()).by(&backend.actor))
        .await?;
    let callback = match backend.emulator.as_mut() {
        Some(local) => {
            let username = args.username.as_deref().ok_or_else(|| {
                CliError::usage(
                    "the emulator needs to know who consents",
                    "pass --username NAME (the user is created on the emulator if new)",
                )
            })?;
            local.prepare_consent(username, args.followers)?;
            emulator::consent(&start.authorize_url).await?
        }
        None => {
            if args.username.is_some() {
                return Err(CliError::usage(
                    "--username only works with --api emulator",
                    "on Threads, the person who consents in the browser chooses the account",
                ));
            }
            browser_consent(&start.authorize_url, &backend.redirect_uri, args).await?
        }
    };
    let connected = backend.pipeline.finish_connect(&callback, &session).await?;
    let account = &connected.account;
    println!(
        "{} @{} ({})",
        if connected.reconnected {
            "Reconnected"
        } else {
            "Connected"
        },
        account.username,
        account.id
    );
    println!(
        "  past posts read for the voice: {}",
        connected.posts_synced
    );
    println!(
        "  token expires: {}",
        connected.token_expires_at.format("%Y-%m-%d %H:%M UTC")
    );
    if !connected.missing_scopes.is_empty() {
        println!(
            "  permissions not granted: {} (some features stay off)",
            connected.missing_scopes.join(", ")
        );
    }
    Ok(())
}

/// Sends the person to `authorize_url` and returns the callback URL: caught
/// by a listener on the redirect URI when it points at this machine, else
/// pasted by the person.
async fn browser_consent(
    authorize_url: &str,
    redirect_uri: &str,
    args: &ConnectArgs,
) -> Result<String> {
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    eprintln!("Open this address to consent:\n\n  {authorize_url}\n");
    if (args.open || (interactive && !args.no_open))
        && let Err(e) = webbrowser::open(authorize_url)
    {
        eprintln!("(could not open a browser: {e}; open the address yourself)");
    }
    let redirect = url::Url::parse(redirect_uri).map_err(|e| {
        CliError::config(
            format!("THREADS_REDIRECT_URI is not a URL: {e}"),
            "set it to the redirect URI registered for your Meta app",
        )
    })?;
    let local = redirect.scheme() == "http"
        && matches!(redirect.host_str(), Some("127.0.0.1" | "localhost"));
    let wait = Duration::from_secs(args.timeout.max(1));
    if local {
        return listen_for_callback(&redirect, wait).await;
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(
            "the redirect URI does not point at this machine, and there is no terminal to paste the callback into",
            "run the command in a terminal, or register http://127.0.0.1:PORT/callback as the redirect URI",
        ));
    }
    eprintln!("After consenting, paste the address your browser was sent to:");
    let line = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await
    .map_err(|e| CliError::Http {
        context: "read the callback address",
        source: Box::new(e),
    })?
    .map_err(CliError::io("-"))?;
    Ok(line.trim().to_owned())
}

/// The sender the callback handler hands the query to (once).
type Slot = Arc<Mutex<Option<oneshot::Sender<String>>>>;

async fn receive(State(slot): State<Slot>, RawQuery(query): RawQuery) -> Html<&'static str> {
    let sender = slot.lock().ok().and_then(|mut s| s.take());
    if let Some(sender) = sender {
        let _ = sender.send(query.unwrap_or_default());
    }
    Html(
        "<!doctype html><title>threads</title><p>Done: you can close this tab and go back to the terminal.</p>",
    )
}

/// Serves the redirect URI's path on 127.0.0.1 until the browser arrives
/// (or `wait` passes) and returns the full callback URL.
async fn listen_for_callback(redirect: &url::Url, wait: Duration) -> Result<String> {
    let port = redirect.port_or_known_default().unwrap_or(80);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| CliError::Http {
            context: "listen for the OAuth callback",
            source: Box::new(e),
        })?;
    let (tx, rx) = oneshot::channel();
    let slot: Slot = Arc::new(Mutex::new(Some(tx)));
    let app = axum::Router::new()
        .route(redirect.path(), axum::routing::get(receive))
        .with_state(slot);
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    eprintln!("Waiting for the browser on {redirect} ...");
    let query = tokio::time::timeout(wait, rx).await;
    // Let the browser's page finish loading before the server goes.
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.abort();
    let query = match query {
        Ok(Ok(q)) => q,
        _ => {
            return Err(CliError::usage(
                format!("no callback arrived within {} s", wait.as_secs()),
                "run `threads connect` again (raise --timeout if consenting takes longer)",
            ));
        }
    };
    let mut url = redirect.clone();
    url.set_query(Some(&query));
    Ok(url.to_string())
}
