//! The emulator's clock in process: manual by default, or any `token_crypto::Clock` shared
//! with the rest of a test.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use common::{code, env_with, subcode};
use threads_emulator::{
    Clock, DEFAULT_START, Emulator, ManualClock, ProcessingDelays, SystemClock, TokenSpec,
};

fn at(unix: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(unix, 0).expect("valid time")
}

#[tokio::test]
async fn the_default_clock_is_manual_at_the_documented_start() {
    let e = env_with(Emulator::builder()).await;
    assert!(e.admin().clock_is_manual());
    assert_eq!(e.admin().now(), DEFAULT_START);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(
        e.admin().now(),
        DEFAULT_START,
        "it does not follow real time"
    );
    e.admin().advance(90);
    assert_eq!(e.admin().now(), DEFAULT_START + 90);
}

#[tokio::test]
async fn a_shared_manual_clock_moves_the_emulator_and_the_admin_moves_it() {
    let clock = Arc::new(ManualClock::new(at(1_900_000_000)));
    // Another component of the test reads the same clock.
    let other_reader: Arc<dyn Clock> = clock.clone();
    let e = env_with(Emulator::builder().clock(Arc::clone(&clock))).await;
    assert!(e.admin().clock_is_manual());
    assert_eq!(e.admin().now(), 1_900_000_000);
    let short = e
        .admin()
        .mint_token(TokenSpec {
            app_id: e.app.id.clone(),
            user_id: e.user.id.clone(),
            ..TokenSpec::default()
        })
        .expect("token");
    let short = secrecy::ExposeSecret::expose_secret(&short.access_token).to_owned();
    let (s, _) = e.get_as(&short, "/me", &[]).await;
    assert_eq!(s, 200);
    // Moving the shared clock moves the emulator: the 1-hour token expires.
    clock.advance(TimeDelta::minutes(61));
    assert_eq!(e.admin().now(), 1_900_000_000 + 61 * 60);
    let (s, v) = e.get_as(&short, "/me", &[]).await;
    assert_eq!((s, code(&v), subcode(&v)), (400, 190, Some(463)), "{v}");
    // The admin calls move the shared clock itself, so every reader sees them.
    e.admin().advance(3_600);
    assert_eq!(other_reader.now(), at(1_900_000_000 + 61 * 60 + 3_600));
    e.admin().set_time(1_950_000_000);
    assert_eq!(clock.now(), at(1_950_000_000));
    // A reset returns the emulator, and so the shared clock, to the start.
    e.admin().reset();
    assert_eq!(clock.now(), at(1_900_000_000));
}

#[tokio::test]
async fn start_time_sets_a_shared_manual_clock() {
    let clock = Arc::new(ManualClock::new(at(0)));
    let emu = Emulator::builder()
        .clock(Arc::clone(&clock))
        .start_time(1_800_000_000)
        .start()
        .await
        .expect("starts");
    assert_eq!(clock.now(), at(1_800_000_000));
    assert_eq!(emu.admin().now(), 1_800_000_000);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_clock_the_emulator_cannot_move_gets_an_offset() {
    // Behind `Arc<dyn Clock>` the concrete type is hidden: the emulator only reads it.
    let inner = Arc::new(ManualClock::new(at(1_700_000_000)));
    let hidden: Arc<dyn Clock> = inner.clone();
    let e = env_with(Emulator::builder().clock(hidden)).await;
    assert!(!e.admin().clock_is_manual());
    assert_eq!(e.admin().now(), 1_700_000_000);
    e.admin().advance(600);
    assert_eq!(e.admin().now(), 1_700_000_600);
    assert_eq!(
        inner.now(),
        at(1_700_000_000),
        "the clock itself is untouched"
    );
    inner.advance(TimeDelta::seconds(5));
    assert_eq!(
        e.admin().now(),
        1_700_000_605,
        "its own movement shows through"
    );
}

#[tokio::test]
async fn a_real_time_clock_finishes_containers_while_the_client_polls() {
    let e = env_with(
        Emulator::builder()
            .clock(SystemClock)
            .processing_delays(ProcessingDelays {
                image_secs: 2,
                ..ProcessingDelays::default()
            }),
    )
    .await;
    assert!(!e.admin().clock_is_manual());
    let real = Utc::now().timestamp();
    assert!((e.admin().now() - real).abs() <= 1);
    let (s, v) = e
        .post(
            "/me/threads",
            &[
                ("media_type", "IMAGE"),
                ("image_url", "https://img.example/a.jpg"),
            ],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let container = v["id"].as_str().expect("id").to_owned();
    let mut last = String::new();
    for _ in 0..60 {
        let (s, v) = e
            .get(&format!("/{container}"), &[("fields", "status")])
            .await;
        assert_eq!(s, 200, "{v}");
        last = v["status"].as_str().unwrap_or_default().to_owned();
        if last == "FINISHED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last, "FINISHED", "no admin call moved the clock");
    // Jumps still work, as an offset on real time.
    e.admin().advance(86_400);
    assert!((e.admin().now() - Utc::now().timestamp() - 86_400).abs() <= 1);
}
