//! The examples' real-API mode, driven the way a person drives it: the
//! example binary is started with the `THREADS_*` variables, prints Meta's
//! consent address, and a "browser" (reqwest, following redirects) opens it
//! and lands on the example's own callback listener. Meta is played by the
//! emulator listening on a loopback address, reached only through
//! `THREADS_GRAPH_URL` / `THREADS_AUTHORIZE_URL`, exactly as the real hosts
//! would be.
//!
//! The example binaries are built by `cargo test` (a package's examples are
//! compiled with its tests); with only `--test real_api` selected they may
//! be missing, and the test says how to build them.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use secrecy::ExposeSecret;
use threads_emulator::{
    AppInfo, AppSpec, Emulator, Operation, PostAs, RunningEmulator, SystemClock, UserInfo, UserSpec,
};

/// The compiled example `name`, next to this test's binary.
fn example_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps");
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is missing: build the examples first (`cargo build -p threads-examples --examples`, \
         or run `cargo test -p threads-examples` without --test)",
        path.display()
    );
    path
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

/// Meta for one example run: the emulator with an app whose redirect URI is
/// the example's own callback listener, and the account owner.
struct FakeMeta {
    emu: RunningEmulator,
    app: AppInfo,
    owner: UserInfo,
    redirect: String,
}

impl FakeMeta {
    async fn start(past_posts: &[&str]) -> Self {
        let emu = Emulator::builder()
            .clock(SystemClock)
            .start()
            .await
            .expect("start the emulator");
        let redirect = format!("http://127.0.0.1:{}/callback", free_port());
        let admin = emu.admin();
        let app = admin
            .create_app(AppSpec {
                redirect_uris: vec![redirect.clone()],
                ..AppSpec::default()
            })
            .expect("app");
        let owner = admin
            .create_user(UserSpec {
                username: "real_ana".into(),
                followers: 250,
                ..UserSpec::default()
            })
            .expect("user");
        for text in past_posts {
            admin
                .post_as(PostAs {
                    author: owner.id.clone(),
                    text: Some((*text).into()),
                    ..PostAs::default()
                })
                .expect("past post");
        }
        admin.set_authorizer(&owner.id).expect("authorizer");
        Self {
            emu,
            app,
            owner,
            redirect,
        }
    }

    /// The example's environment: app credentials, the redirect URI and the
    /// emulator as the Graph API and consent hosts.
    fn command(&self, example: &str, publish: bool, wait_secs: u64) -> Command {
        let mut command = Command::new(example_binary(example));
        for var in [
            "THREADS_SEALING_KEY",
            "THREADS_EXAMPLE_DB",
            "EXAMPLE_OUT_DIR",
        ] {
            command.env_remove(var);
        }
        command
            .env("THREADS_APP_ID", &self.app.id)
            .env("THREADS_APP_SECRET", self.app.secret.expose_secret())
            .env("THREADS_REDIRECT_URI", &self.redirect)
            .env("THREADS_GRAPH_URL", self.emu.base_url())
            .env("THREADS_AUTHORIZE_URL", self.emu.base_url())
            .env("THREADS_EXAMPLE_PUBLISH", if publish { "1" } else { "0" })
            .env("THREADS_EXAMPLE_WAIT_SECS", wait_secs.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        command
    }

    /// Successful publish calls made for the owner, as (media id, reply_to).
    fn publishes(&self) -> Vec<(String, Option<String>)> {
        self.emu
            .admin()
            .ledger()
            .into_iter()
            .filter(|e| {
                e.operation == Operation::Publish
                    && e.succeeded()
                    && e.user_id.as_deref() == Some(self.owner.id.as_str())
            })
            .map(|e| (e.result_id.unwrap_or_default(), e.reply_to))
            .collect()
    }
}

/// A running example: its stdout, line by line, and the child.
struct Run {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Run {
    fn spawn(mut command: Command) -> Self {
        let mut child = command.spawn().expect("start the example");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                println!("example> {line}");
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The first line containing `needle` (within 60 s), so far or next.
    async fn line_with(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(line) = self.seen.iter().find(|l| l.contains(needle)) {
                return line.clone();
            }
            match self.lines.try_recv() {
                Ok(line) => self.seen.push(line),
                Err(mpsc::TryRecvError::Empty) => {
                    assert!(
                        Instant::now() < deadline,
                        "no line with {needle:?} within 60 s; output so far:\n{}",
                        self.seen.join("\n")
                    );
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(mpsc::TryRecvError::Disconnected) => panic!(
                    "the example ended without a line with {needle:?}; output:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// The person's browser: opens the consent address the example printed
    /// and follows Meta's redirect to the example's callback listener.
    async fn consent(&mut self) {
        let line = self.line_with("consent: ").await;
        let url = line
            .split("consent: ")
            .nth(1)
            .expect("the address after the marker")
            .trim()
            .to_owned();
        let page = reqwest::get(&url).await.expect("the consent dialog");
        assert!(
            page.status().is_success(),
            "the callback page answered {}",
            page.status()
        );
    }

    /// Waits (up to 120 s) for the example to exit; returns its output.
    async fn finish(mut self) -> (std::process::ExitStatus, String) {
        let deadline = Instant::now() + Duration::from_secs(120);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                self.child.kill().ok();
                panic!(
                    "the example did not finish in 120 s; output:\n{}",
                    self.seen.join("\n")
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        // The reader thread ends with the pipe.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        (status, self.seen.join("\n"))
    }
}

const PAST_POSTS: &[&str] = &[
    "small batch sourdough today, the crumb is open",
    "tip: weigh your water, not your patience",
    "rye loves a long cold proof. trust the fridge",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_posts_and_answers_a_reply_on_the_real_api_path() {
    let meta = FakeMeta::start(PAST_POSTS).await;
    let fan = meta
        .emu
        .admin()
        .create_user(UserSpec {
            username: "crumb_fan".into(),
            ..UserSpec::default()
        })
        .expect("fan");
    let mut run = Run::spawn(meta.command("quickstart", true, 60));
    run.consent().await;
    run.line_with("watching the post for replies").await;
    let published = meta.publishes();
    assert_eq!(
        published.len(),
        1,
        "one post before the reply: {published:?}"
    );
    let reply = meta
        .emu
        .admin()
        .post_as(PostAs {
            author: fan.id.clone(),
            text: Some("How long do you autolyse a rye dough?".into()),
            reply_to: Some(published[0].0.clone()),
            ..PostAs::default()
        })
        .expect("reply");
    let (status, output) = run.finish().await;
    assert!(status.success(), "quickstart failed:\n{output}");
    assert!(output.contains("1. connected @real_ana"), "{output}");
    let published = meta.publishes();
    let answers: Vec<_> = published
        .iter()
        .filter(|(_, to)| to.as_deref() == Some(reply.as_str()))
        .collect();
    assert_eq!(published.len(), 2, "the post and one answer: {published:?}");
    assert_eq!(
        answers.len(),
        1,
        "one answer under the reply: {published:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_publish_switch_nothing_is_posted() {
    let meta = FakeMeta::start(PAST_POSTS).await;
    let mut run = Run::spawn(meta.command("quickstart", false, 0));
    run.consent().await;
    let (status, output) = run.finish().await;
    assert!(status.success(), "quickstart failed:\n{output}");
    assert!(output.contains("not posted"), "{output}");
    assert!(meta.publishes().is_empty(), "{:?}", meta.publishes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approved_publisher_publishes_one_post_and_disconnects() {
    let meta = FakeMeta::start(PAST_POSTS).await;
    let mut run = Run::spawn(meta.command("approved_publisher", true, 0));
    run.consent().await;
    let (status, output) = run.finish().await;
    assert!(status.success(), "approved_publisher failed:\n{output}");
    assert_eq!(meta.publishes().len(), 1, "{output}");
    assert!(
        output.contains("disconnected; a token is stored: false"),
        "{output}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persona_manager_drafts_in_the_voice_and_leaves_answers_for_a_person() {
    let meta = FakeMeta::start(&[
        "fed the sourdough starter at 6, it doubled by 10. bake day #sourdough",
        "tip: a cold proof overnight makes sourdough scoring so much easier #sourdough",
        "rye is sticky. wet hands, no extra flour #rye",
        "new sourdough loaf on the counter. open crumb, thin crust #sourdough",
        "weigh everything. cups are guesses, grams make bread #basics",
        "the fridge is the most underrated bread tool in your kitchen #sourdough",
    ])
    .await;
    // Someone has already asked the account a question, by mention.
    let admin = meta.emu.admin();
    let rookie = admin
        .create_user(UserSpec {
            username: "rye_rookie".into(),
            ..UserSpec::default()
        })
        .expect("commenter");
    admin
        .post_as(PostAs {
            author: rookie.id.clone(),
            text: Some("@real_ana how long do you cold proof a rye loaf?".into()),
            ..PostAs::default()
        })
        .expect("mention");
    let mut run = Run::spawn(meta.command("persona_manager", true, 0));
    run.consent().await;
    let (status, output) = run.finish().await;
    assert!(status.success(), "persona_manager failed:\n{output}");
    assert!(output.contains("connected @real_ana for"), "{output}");
    assert!(output.contains("refused"), "{output}");
    // The AI post went out; the answer waits for a person.
    assert_eq!(meta.publishes().len(), 1, "{output}");
    let queue_line = output
        .lines()
        .find(|l| l.contains("review queue"))
        .expect("a review queue line");
    assert!(
        !queue_line.contains(" 0 answer(s)"),
        "the mention was not read by polling: {queue_line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_centre_reads_the_account_and_draws_its_charts() {
    let meta = FakeMeta::start(PAST_POSTS).await;
    let out = tempfile::tempdir().expect("out dir");
    let mut command = meta.command("analytics_centre", false, 0);
    command.env("EXAMPLE_OUT_DIR", out.path());
    let mut run = Run::spawn(command);
    run.consent().await;
    let (status, output) = run.finish().await;
    assert!(status.success(), "analytics_centre failed:\n{output}");
    assert!(output.contains("account figures read"), "{output}");
    assert!(output.contains("followers 250"), "{output}");
    // The three posts made before the connection are imported and
    // measured; with no views yet on the emulator there is no engagement
    // chart, and the example says so.
    assert!(output.contains("3 posts read, 3 new"), "{output}");
    assert!(output.contains("3 posts measured"), "{output}");
    assert!(output.contains("3 posts in the last 90 days"), "{output}");
    assert!(output.contains("no engagement chart yet"), "{output}");
    for chart in [
        "followers.svg",
        "followers.png",
        "audience.svg",
        "audience.png",
    ] {
        assert!(
            out.path().join(chart).exists(),
            "{chart} missing:\n{output}"
        );
    }
    assert!(meta.publishes().is_empty(), "analytics never posts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_publisher_publishes_a_picture_from_its_own_media_route() {
    let meta = FakeMeta::start(PAST_POSTS).await;
    meta.emu
        .admin()
        .set_media_fetch(threads_emulator::MediaFetch::Fetch);
    let media_dir = tempfile::tempdir().expect("media dir");
    let addr = format!("127.0.0.1:{}", free_port());
    let mut command = meta.command("media_publisher", true, 0);
    command
        .env("EXAMPLE_ADDR", &addr)
        .env("THREADS_MEDIA_BACKEND", "local")
        .env("THREADS_MEDIA_DIR", media_dir.path())
        .env(
            "THREADS_MEDIA_PUBLIC_URL",
            format!("http://{addr}/threads/media/"),
        );
    let mut run = Run::spawn(command);
    run.consent().await;
    let (status, output) = run.finish().await;
    assert!(status.success(), "media_publisher failed:\n{output}");
    assert!(output.contains("harbour post published"), "{output}");
    assert!(output.contains("banner post failed"), "{output}");
    assert_eq!(meta.publishes().len(), 1, "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_server_serves_meta_with_the_apps_secret_and_verify_token() {
    let meta = FakeMeta::start(PAST_POSTS).await;
    let addr = format!("127.0.0.1:{}", free_port());
    let mut command = meta.command("webhook_server", false, 0);
    command
        .arg("--serve")
        .env("EXAMPLE_ADDR", &addr)
        .env("THREADS_WEBHOOK_VERIFY_TOKEN", "real-verify-token");
    let mut run = Run::spawn(command);
    run.line_with("serving; Ctrl-C to stop").await;
    let url = format!("http://{addr}/threads/webhooks");
    let http = reqwest::Client::new();

    // Meta's handshake: the configured verify token, and only it.
    let handshake = |token: &'static str| {
        http.get(&url)
            .query(&[
                ("hub.mode", "subscribe"),
                ("hub.verify_token", token),
                ("hub.challenge", "1158201444"),
            ])
            .send()
    };
    let good = handshake("real-verify-token").await.expect("handshake");
    assert_eq!(good.status(), 200);
    assert_eq!(good.text().await.expect("body"), "1158201444");
    let wrong = handshake("webhook-server-example-token")
        .await
        .expect("handshake");
    assert_eq!(wrong.status(), 403, "the demo token must not work here");

    // A delivery signed with the app secret is taken; one signed with
    // another secret is refused.
    let body = br#"{"app_id":"1","topic":"moderate","target_id":"1","time":1733400000,"subscription_id":"1","has_uid_field":false,"values":{"field":"replies","value":{"id":"17841400000000999","username":"someone","text":"hi","media_product_type":"THREADS","timestamp":"2026-12-05T12:00:00+0000","root_post":{"id":"1","owner_id":"2","username":"real_ana"},"replied_to":{"id":"1"}}}}"#;
    let post = |secret: String| {
        let signature = token_crypto::webhook::sign(&secret.into(), body);
        http.post(&url)
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(body.to_vec())
            .send()
    };
    let signed = post(meta.app.secret.expose_secret().to_owned())
        .await
        .expect("delivery");
    assert!(
        signed.status().is_success(),
        "signed delivery: {}",
        signed.status()
    );
    let forged = post("not-the-app-secret".to_owned())
        .await
        .expect("delivery");
    assert_eq!(
        forged.status(),
        401,
        "a delivery signed with another secret"
    );

    let interrupted = Command::new("kill")
        .args(["-INT", &run.child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(interrupted.success());
    let (status, output) = run.finish().await;
    assert!(status.success(), "webhook_server failed:\n{output}");
    assert!(output.contains("Meta's Threads API"), "{output}");
}
