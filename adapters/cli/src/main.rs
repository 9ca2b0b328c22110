//! `threads`: the operator's command line for the threads toolkit.
//!
//! Connect accounts, write, approve, schedule and publish posts, import
//! figures, chart insights, export and delete data, and run the worker,
//! on SQLite (or PostgreSQL), against a local emulator (offline) or Meta's
//! Threads API. `threads --help` lists the commands; each has its own
//! `--help`.
//!
//! Exit codes: 0 success, 1 the operation failed, 2 usage error.

mod args;
mod backend;
mod commands;
mod data_dir;
mod emulator;
mod error;
mod when;

use std::process::ExitCode;

use clap::Parser;

use crate::error::{EXIT_FAILURE, EXIT_OK};

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    init_logging(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(e) => {
            let mut shown = e.to_string();
            eprintln!("error: {shown}");
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                // Wrappers often repeat their source's text: print what is new.
                let text = cause.to_string();
                if !shown.contains(&text) {
                    eprintln!("  caused by: {text}");
                }
                shown = text;
                source = cause.source();
            }
            if let Some(hint) = e.hint() {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// Logs to stderr: warnings by default, more with -v, or as RUST_LOG says.
fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}
