//! `threads-emulator`: run the Threads Graph API emulator from a shell.

use clap::Parser;
use secrecy::ExposeSecret;
use threads_emulator::{AppSpec, DeliveryMode, Emulator, SystemClock, TokenSpec, UserSpec};

/// A local Threads Graph API emulator with a movable clock, webhooks and fault injection.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 8787, env = "THREADS_EMULATOR_PORT")]
    port: u16,
    /// Address to bind (keep it on loopback: the admin API is unauthenticated).
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Seed for faults, ids and tokens.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Freeze the clock: time only moves through the admin API (`POST /__admin/clock/advance`
    /// and `/clock/set`), as in the in-process library. Without it the clock follows real
    /// time, and the admin API jumps it by an offset.
    #[arg(long)]
    manual_clock: bool,
    /// The emulator's time at start (Unix seconds). With `--manual-clock` the default is
    /// 2026-01-01T00:00:00Z; with the real-time clock the default is now, and a given start
    /// time runs on from there in real time.
    #[arg(long)]
    start_time: Option<i64>,
    /// Deliver webhooks automatically instead of on `POST /__admin/webhooks/deliver`.
    #[arg(long)]
    auto_webhooks: bool,
    /// Create a demo app and user and print their credentials and a long-lived token.
    #[arg(long)]
    demo: bool,
}

#[tokio::main]
async fn main() -> anyhow_free::Result {
    let args = Args::parse();
    let mut builder = Emulator::builder().seed(args.seed);
    if !args.manual_clock {
        builder = builder.clock(SystemClock);
    }
    if let Some(t) = args.start_time {
        builder = builder.start_time(t);
    }
    let emu = builder
        .bind(std::net::SocketAddr::new(args.host, args.port))
        .webhook_delivery(if args.auto_webhooks {
            DeliveryMode::Automatic
        } else {
            DeliveryMode::Manual
        })
        .start()
        .await?;
    println!("threads-emulator listening on {}", emu.base_url());
    println!("authorize page: {}", emu.authorize_url());
    let clock = if emu.admin().clock_is_manual() {
        "manual (moves only through the admin API)"
    } else {
        "real time"
    };
    println!(
        "clock:      {clock}, now {}",
        threads_emulator::format_timestamp(emu.admin().now())
    );
    if args.demo {
        let admin = emu.admin();
        let app = admin.create_app(AppSpec {
            name: "Demo App".into(),
            redirect_uris: vec!["http://localhost:3000/callback".into()],
            ..AppSpec::default()
        })?;
        let user = admin.create_user(UserSpec {
            username: "demo_user".into(),
            followers: 1_000,
            ..UserSpec::default()
        })?;
        let token = admin.mint_token(TokenSpec {
            app_id: app.id.clone(),
            user_id: user.id.clone(),
            long_lived: true,
            ..TokenSpec::default()
        })?;
        println!("app id:     {}", app.id);
        println!("app secret: {}", app.secret.expose_secret());
        println!("user id:    {} (@{})", user.id, user.username);
        println!("token:      {}", token.access_token.expose_secret());
    }
    let _ = tokio::signal::ctrl_c().await;
    emu.shutdown().await;
    Ok(())
}

mod anyhow_free {
    /// The binary's result type.
    pub(crate) type Result = std::result::Result<(), threads_emulator::Error>;
}
