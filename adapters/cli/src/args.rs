//! The command line: global options and one subcommand per operation.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

use crate::when::WhenArg;

/// Text shown after the main `--help`.
const AFTER_HELP: &str = "\
Backends:
  --api emulator (default)  a local Threads emulator runs inside each command; the
                            accounts it knows are kept in <data-dir>/emulator.json and
                            recreated at every start, with fresh tokens. Works offline.
  --api threads             Meta's Threads API. Needs THREADS_APP_ID, THREADS_APP_SECRET
                            and THREADS_REDIRECT_URI (see `threads connect --help`);
                            THREADS_GRAPH_URL and THREADS_AUTHORIZE_URL point it at other
                            hosts (e.g. a standalone emulator started with
                            `cargo run -p threads-emulator -- --port 8787`).

Storage: SQLite in <data-dir>/threads.db, or PostgreSQL with --database-url.
Language model: offline (no network) by default; --llm openai reads OPENAI_API_KEY,
--llm anthropic reads ANTHROPIC_API_KEY.

Token sealing key: THREADS_SEALING_KEY (a key spec `*id:base64key`), else a key
generated once into <data-dir>/sealing.key (permissions 0600). Keep that file: the
stored tokens cannot be opened without it.

Exit codes: 0 success, 1 the operation failed, 2 usage error (bad arguments, unknown
account or draft, a refused confirmation).";

/// The operator's command line for the threads toolkit.
#[derive(Debug, Parser)]
#[command(
    name = "threads",
    version,
    about = "The operator's command line for the threads toolkit: connect Threads accounts; \
             write, approve, schedule and publish posts; import figures and replies; chart \
             insights; export and delete data; run the worker.",
    after_help = AFTER_HELP
)]
pub(crate) struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub(crate) global: Global,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Which Threads API to talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Api {
    /// A local emulator started inside the command (offline).
    Emulator,
    /// Meta's Threads API (credentials from the environment).
    Threads,
}

/// Which language model writes drafts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Llm {
    /// A deterministic offline writer (no network, no key).
    Offline,
    /// OpenAI's Chat Completions API (OPENAI_API_KEY; OPENAI_BASE_URL optional).
    Openai,
    /// Anthropic's Messages API (ANTHROPIC_API_KEY; ANTHROPIC_BASE_URL optional).
    Anthropic,
}

/// Options every command takes.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct Global {
    /// Directory for the SQLite database, the sealing key and the emulator's
    /// accounts [default: the platform's data directory, e.g.
    /// ~/.local/share/threads on Linux, else ./.threads].
    #[arg(long, global = true, env = "THREADS_DATA_DIR", value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,

    /// PostgreSQL instead of SQLite (postgres://user@host/db).
    #[arg(
        long,
        global = true,
        env = "THREADS_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub(crate) database_url: Option<String>,

    /// The Threads API to use.
    #[arg(long, global = true, value_enum, default_value_t = Api::Emulator, env = "THREADS_API")]
    pub(crate) api: Api,

    /// The language model for generated drafts.
    #[arg(long, global = true, value_enum, default_value_t = Llm::Offline, env = "THREADS_LLM")]
    pub(crate) llm: Llm,

    /// The model name for --llm openai or anthropic (the provider's default otherwise).
    #[arg(long, global = true, env = "THREADS_LLM_MODEL", value_name = "NAME")]
    pub(crate) model: Option<String>,

    /// Who you are in the audit log (you act as the owner of the accounts).
    #[arg(
        long,
        global = true,
        env = "THREADS_OPERATOR",
        default_value = "operator",
        value_name = "NAME"
    )]
    pub(crate) operator: String,

    /// Log details to stderr (-v info, -vv debug). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

/// Chooses an account by username (`alice`, `@alice`) or id.
#[derive(Debug, Args)]
pub(crate) struct AccountArg {
    /// The account: its username or id. May be left out when only one
    /// account is connected.
    #[arg(short, long, value_name = "USERNAME|ID")]
    pub(crate) account: Option<String>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Connect a Threads account (OAuth consent).
    #[command(after_help = CONNECT_HELP)]
    Connect(ConnectArgs),
    /// List connected accounts.
    Accounts(AccountsArgs),
    /// List drafts and posts.
    Drafts(DraftsArgs),
    /// Write a draft: your text, or one generated in the account's voice.
    Draft(DraftArgs),
    /// Approve a draft.
    Approve(DraftIdArg),
    /// Reject a draft, with a reason.
    Reject(RejectArgs),
    /// Schedule an approved draft (published by `threads worker`).
    Schedule(ScheduleArgs),
    /// Publish an approved draft now.
    Publish(DraftIdArg),
    /// Import figures and messages: insights snapshot and replies/mentions.
    Sync(SyncArgs),
    /// Show growth, top posts and best hours, and write a chart.
    Insights(InsightsArgs),
    /// Export everything stored about an account as JSON (no tokens).
    Export(ExportArgs),
    /// Delete an account and all its data (asks to confirm).
    Delete(DeleteArgs),
    /// Run the worker: publish scheduled posts, refresh tokens, take
    /// snapshots, answer replies. Stops cleanly on Ctrl-C.
    Worker(WorkerArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
}

const CONNECT_HELP: &str = "\
With --api emulator (the default) the command creates the user on the emulator if
needed and gives consent itself: `threads connect --username alice` works offline.

With --api threads it prints the consent URL (and opens it with --open, or when run
in a terminal unless --no-open), then waits for Threads to send the browser to
THREADS_REDIRECT_URI. When that URI is http://127.0.0.1:PORT/... or
http://localhost:PORT/..., the command listens there itself; otherwise paste the
address the browser ended on. Environment:
  THREADS_APP_ID         the Meta app id
  THREADS_APP_SECRET     the app secret
  THREADS_REDIRECT_URI   the redirect URI registered for the app
  THREADS_GRAPH_URL      optional: the Graph API host (default https://graph.threads.net)
  THREADS_AUTHORIZE_URL  optional: the consent dialog host (default https://threads.net)";

/// `threads connect`.
#[derive(Debug, Args)]
pub(crate) struct ConnectArgs {
    /// Emulator only: the username to connect (created on the emulator if new).
    #[arg(long, value_name = "NAME")]
    pub(crate) username: Option<String>,
    /// Emulator only: followers the new user starts with.
    #[arg(long, default_value_t = 1_500, value_name = "N")]
    pub(crate) followers: u64,
    /// Open the consent URL in the browser.
    #[arg(long, conflicts_with = "no_open")]
    pub(crate) open: bool,
    /// Never open a browser; only print the URL.
    #[arg(long)]
    pub(crate) no_open: bool,
    /// How long to wait for the callback, in seconds.
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub(crate) timeout: u64,
}

/// `threads accounts`.
#[derive(Debug, Args)]
pub(crate) struct AccountsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `threads drafts`.
#[derive(Debug, Args)]
pub(crate) struct DraftsArgs {
    #[command(flatten)]
    pub(crate) account: AccountArg,
    /// Only drafts in this state (draft, pending_approval, approved,
    /// scheduled, published, failed, rejected, ...).
    #[arg(long, value_name = "STATE")]
    pub(crate) state: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `threads draft`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("content").required(true).args(["text", "generate"]))]
pub(crate) struct DraftArgs {
    #[command(flatten)]
    pub(crate) account: AccountArg,
    /// The post's text (a text longer than one post becomes a reply chain).
    #[arg(value_name = "TEXT")]
    pub(crate) text: Option<String>,
    /// Have the language model write it, in the account's voice.
    #[arg(long, requires = "topic")]
    pub(crate) generate: bool,
    /// What the generated post is about.
    #[arg(long, value_name = "TOPIC")]
    pub(crate) topic: Option<String>,
    /// A topic tag for the post.
    #[arg(long, value_name = "TAG")]
    pub(crate) tag: Option<String>,
}

/// A draft's id.
#[derive(Debug, Args)]
pub(crate) struct DraftIdArg {
    /// The draft's id (from `threads draft` or `threads drafts`).
    #[arg(value_name = "DRAFT_ID")]
    pub(crate) draft: String,
}

/// `threads reject`.
#[derive(Debug, Args)]
pub(crate) struct RejectArgs {
    #[command(flatten)]
    pub(crate) draft: DraftIdArg,
    /// Why (kept with the draft).
    #[arg(long, default_value = "rejected by the operator", value_name = "TEXT")]
    pub(crate) reason: String,
}

/// `threads schedule`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("when").required(true).args(["at", "next_slot"]))]
pub(crate) struct ScheduleArgs {
    #[command(flatten)]
    pub(crate) draft: DraftIdArg,
    /// When: an RFC 3339 time (2026-03-02T18:00:00+01:00), `now`, or an
    /// offset from now (+90s, +30m, +2h, +1d).
    #[arg(long, value_name = "TIME")]
    pub(crate) at: Option<WhenArg>,
    /// In the next free slot of the account's posting windows.
    #[arg(long)]
    pub(crate) next_slot: bool,
}

/// `threads sync`.
#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    /// One account (all active accounts when left out).
    #[arg(short, long, value_name = "USERNAME|ID")]
    pub(crate) account: Option<String>,
}

/// Which chart `threads insights` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ChartKind {
    /// Follower count per day.
    Growth,
    /// Engagement rate per post.
    Engagement,
    /// Weekday × hour heat map of engagement.
    Hours,
    /// Followers by country, city, age and gender.
    Audience,
}

/// `threads insights`.
#[derive(Debug, Args)]
pub(crate) struct InsightsArgs {
    #[command(flatten)]
    pub(crate) account: AccountArg,
    /// The period: the last N days.
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub(crate) days: u32,
    /// Use the stored figures only (by default a snapshot is taken first).
    #[arg(long)]
    pub(crate) no_refresh: bool,
    /// The chart to write.
    #[arg(long, value_enum, default_value_t = ChartKind::Growth)]
    pub(crate) chart: ChartKind,
    /// Where to write it: .svg or .png [default: DATA_DIR/charts/USERNAME-CHART.png].
    #[arg(short, long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// Pixel scale of a PNG (2 for high-density screens).
    #[arg(long, default_value_t = 2.0, value_name = "X")]
    pub(crate) scale: f32,
}

/// `threads export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    #[command(flatten)]
    pub(crate) account: AccountArg,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
}

/// `threads delete`.
#[derive(Debug, Args)]
pub(crate) struct DeleteArgs {
    #[command(flatten)]
    pub(crate) account: AccountArg,
    /// Do not ask for confirmation (needed when standard input is not a terminal).
    #[arg(short, long)]
    pub(crate) yes: bool,
}

/// `threads worker`.
#[derive(Debug, Args)]
pub(crate) struct WorkerArgs {
    /// The worker's name in leases and logs [default: cli-PID, the process id].
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Option<String>,
    /// Run the jobs due now, then exit (instead of running until Ctrl-C).
    #[arg(long)]
    pub(crate) once: bool,
}

/// `threads completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: Shell,
}
