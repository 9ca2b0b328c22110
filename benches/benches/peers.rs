//! Our client, `threads-api`, against a peer: `threads-rs` (the Threads API client
//! published on crates.io under that name; the version is printed at start), on the
//! same workload against the same in-process threads-emulators (see below why two),
//! side by side in one run.
//!
//! The workload, the same HTTP requests on both sides:
//!
//! * `me`: the account's profile, `GET /{user}?fields=...`;
//! * `threads_page`: one page of 25 of the account's posts, `GET /{user}/threads`;
//! * `post`: one post by id, `GET /{media}`;
//! * `replies`: the 10 direct replies of a post, `GET /{media}/replies`;
//! * `publish_text`: create a text container (`POST /{user}/threads`), then publish it
//!   (`POST /{user}/threads_publish`).
//!
//! What is held equal:
//! * threads-rs is pointed at the emulator through its own setting,
//!   `Config::base_url`; it sends unversioned paths (`/me`, `/{id}/threads`), so
//!   threads-api is built `without_api_version()`;
//! * threads-rs sends the token as `Authorization: Bearer`, so threads-api uses
//!   `TokenPlacement::BearerHeader`;
//! * threads-rs asks for fixed field lists (its public `constants::USER_PROFILE_FIELDS`,
//!   `POST_EXTENDED_FIELDS`, `REPLY_FIELDS`); threads-api is given the same lists, so both
//!   receive the same bodies;
//! * threads-rs' text post is create + publish (no status read in between: text
//!   containers are ready at once); threads-api does the same two calls with
//!   `create_container` and `publish_container` (its one-call `publish()` flow adds a
//!   status read).
//!
//! Everything else is each library's default (own connection pool, 30 s timeout,
//! default retry policy; threads-rs' rate limiter). Clients and emulators share one
//! current-thread Tokio runtime (one core), as in `emulator_get`. Every operation is
//! run and its answer checked on both sides before anything is timed.
//!
//! Two in-process emulators: the reads go to one whose content never changes (25 posts
//! of the reading account, 10 replies), the publishing to another. The emulator's list
//! endpoints scan every post it holds, so publishing into the emulator that serves the
//! reads would slow the reads down as the run goes on, and whichever client ran later
//! would be measured against a bigger world. The emulator also enforces Meta's 250 posts
//! per 24 hours: each client publishes from a fresh account every 200 posts, and the
//! publishing emulator is reset when an account is used up, so it never holds more than
//! 400 published posts. Creating accounts and resetting are not timed.
//!
//! Two more groups, `peers_decode_post` and `peers_decode_threads_page`, decode the
//! emulator's body for `post` and `threads_page` into each library's model with
//! `serde_json::from_slice` (what both do with a success body), without HTTP: the
//! client-side share of the reads.
//!
//! After the criterion groups, the bench interleaves short blocks of both clients per
//! operation and prints the median ratio of the rounds (robust to background load
//! drifting between criterion's runs), one `RESULT` line per operation.
//!
//! ```text
//! cargo bench -p threads-benches --bench peers -- --warm-up-time 1 --measurement-time 3
//! cargo test -p threads-benches --bench peers     # each operation once, checked
//! ```
//!
//! Environment: `PEERS_ROUNDS` (interleaved rounds per operation, default 30; 0 skips
//! them), `PEERS_CALLS` (calls per side per round, default 100). Under `cargo test` the
//! interleaved check runs 2 rounds of 2 calls.
//!
//! Target: threads-api no slower than threads-rs (ratio threads-api / threads-rs ≤ 1).

use std::cell::{Cell, RefCell};
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use threads_api::ids::{MediaId, UserId};
use threads_api::model::{ContainerRequest, Fields, Media};
use threads_api::{AccessToken, AccountClient, Page, ThreadsClient, TokenPlacement};
use threads_emulator::{AppSpec, Emulator, PostAs, RunningEmulator, TokenSpec, UserSpec};
use threads_rs::client::{Client as PeerClient, Config as PeerConfig, TokenInfo};
use threads_rs::constants::{POST_EXTENDED_FIELDS, REPLY_FIELDS, USER_PROFILE_FIELDS};
use threads_rs::{PostId, PostsOptions, PostsResponse, TextPostContent};

/// Posts of the reading account (one full page).
const PAGE: usize = 25;
/// Direct replies under the post whose replies are read.
const REPLIES: usize = 10;
/// Posts published per emulator account before moving to a fresh one (quota: 250/24 h).
const POSTS_PER_ACCOUNT: u64 = 200;
const TEXT: &str = "Benchmark post: the same text from both clients, nothing else.";

/// One operation of the workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Me,
    ThreadsPage,
    Post,
    Replies,
    PublishText,
}

impl Op {
    const ALL: [Op; 5] = [
        Op::Me,
        Op::ThreadsPage,
        Op::Post,
        Op::Replies,
        Op::PublishText,
    ];

    fn name(self) -> &'static str {
        match self {
            Op::Me => "me",
            Op::ThreadsPage => "threads_page",
            Op::Post => "post",
            Op::Replies => "replies",
            Op::PublishText => "publish_text",
        }
    }
}

/// An emulator account: its id and a long-lived token.
struct Account {
    user_id: String,
    token: String,
}

/// A new user of `emu` with a long-lived token for `app_id`.
fn account(emu: &RunningEmulator, app_id: &str, username: &str, followers: u64) -> Account {
    let admin = emu.admin();
    let user = admin
        .create_user(UserSpec {
            username: username.to_owned(),
            followers,
            ..UserSpec::default()
        })
        .expect("user");
    let token = admin
        .mint_token(TokenSpec {
            app_id: app_id.to_owned(),
            user_id: user.id.clone(),
            long_lived: true,
            ..TokenSpec::default()
        })
        .expect("token");
    Account {
        user_id: user.id,
        token: token.access_token.expose_secret().to_owned(),
    }
}

/// The two emulators and what was set up in them.
///
/// The emulator's list endpoints scan every post it holds, so the reads get slower as
/// posts pile up. Reads therefore run against an emulator whose content never changes,
/// and publishing against a second one that is reset (untimed) whenever a client has
/// used up its account, so that it never holds more than 2 × 200 published posts and
/// neither client publishes into a bigger world than the other.
struct World {
    reads: RunningEmulator,
    reader: Account,
    /// The reader's newest post, which has the replies.
    post_id: String,
    publishing: RunningEmulator,
    publishing_app: RefCell<String>,
    /// Bumped by every reset of the publishing emulator (accounts of an older
    /// generation are gone).
    generation: Cell<u64>,
    next_user: Cell<u64>,
}

impl World {
    async fn start() -> World {
        let reads = Emulator::builder().start().await.expect("emulator");
        let admin = reads.admin();
        let app = admin.create_app(AppSpec::default()).expect("app");
        let reader = account(&reads, &app.id, "reader", 5_000);
        let mut newest = String::new();
        for i in 0..PAGE {
            admin.advance(60);
            newest = admin
                .post_as(PostAs {
                    author: reader.user_id.clone(),
                    text: Some(format!("Post {i} of the reading account #bench")),
                    ..PostAs::default()
                })
                .expect("post");
        }
        let repliers = [
            account(&reads, &app.id, "replier_a", 10),
            account(&reads, &app.id, "replier_b", 10),
        ];
        for i in 0..REPLIES {
            admin.advance(60);
            admin
                .post_as(PostAs {
                    author: repliers[i % 2].user_id.clone(),
                    text: Some(format!("Reply {i}")),
                    reply_to: Some(newest.clone()),
                    ..PostAs::default()
                })
                .expect("reply");
        }
        let publishing = Emulator::builder().start().await.expect("emulator");
        let world = World {
            reads,
            reader,
            post_id: newest,
            publishing,
            publishing_app: RefCell::new(String::new()),
            generation: Cell::new(0),
            next_user: Cell::new(0),
        };
        world.reset_publishing();
        world
    }

    /// Empties the publishing emulator and starts a new generation of accounts.
    fn reset_publishing(&self) {
        let admin = self.publishing.admin();
        admin.reset();
        let app = admin.create_app(AppSpec::default()).expect("app");
        *self.publishing_app.borrow_mut() = app.id;
        self.generation.set(self.generation.get() + 1);
    }

    /// A fresh account on the publishing emulator.
    fn publisher(&self) -> Account {
        let n = self.next_user.get();
        self.next_user.set(n + 1);
        account(
            &self.publishing,
            &self.publishing_app.borrow(),
            &format!("publisher{n}"),
            10,
        )
    }
}

/// One client under test.
trait Side {
    /// Runs `op` once; panics if it fails.
    async fn call(&self, op: Op);
    /// Publishes from `account` (of publishing generation `generation`) from now on,
    /// with a budget of [`POSTS_PER_ACCOUNT`].
    async fn switch_publisher(&mut self, account: Account, generation: u64);
    /// The generation of the current publishing account, and the posts it may still
    /// make.
    fn publishing(&self) -> (u64, u64);
    fn spend(&mut self, posts: u64);
}

/// Makes sure `side` has a live publishing account with budget left, and returns the
/// budget (nothing here is timed).
async fn ensure_budget<S: Side>(world: &World, side: &mut S) -> u64 {
    let (generation, budget) = side.publishing();
    if generation != world.generation.get() || budget == 0 {
        if generation == world.generation.get() {
            world.reset_publishing();
        }
        side.switch_publisher(world.publisher(), world.generation.get())
            .await;
    }
    side.publishing().1
}

/// threads-api: a client (one pool) per emulator, an account handle per account.
struct Ours {
    reader: AccountClient,
    publishing_client: ThreadsClient,
    publisher: AccountClient,
    generation: u64,
    budget: u64,
    post: MediaId,
    profile_fields: Fields,
    post_fields: Fields,
    reply_fields: Fields,
}

fn our_client(emu: &RunningEmulator) -> ThreadsClient {
    ThreadsClient::builder()
        .graph_base_url(emu.base_url())
        .without_api_version()
        .token_placement(TokenPlacement::BearerHeader)
        .build()
        .expect("threads-api client")
}

impl Ours {
    fn new(world: &World) -> Ours {
        let reader = our_client(&world.reads).account(
            UserId::new(&world.reader.user_id),
            AccessToken::new(&world.reader.token),
        );
        Ours {
            // Replaced before the first publish (generation 0 is never live).
            publisher: reader.clone(),
            reader,
            publishing_client: our_client(&world.publishing),
            generation: 0,
            budget: 0,
            post: MediaId::new(&world.post_id),
            profile_fields: Fields::of(USER_PROFILE_FIELDS.split(',')),
            post_fields: Fields::of(POST_EXTENDED_FIELDS.split(',')),
            reply_fields: Fields::of(REPLY_FIELDS.split(',')),
        }
    }

    async fn publish(&self) -> MediaId {
        let publish = self.publisher.publish();
        let container = publish
            .create_container(&ContainerRequest::text(TEXT))
            .await
            .expect("threads-api: create container");
        publish
            .publish_container(&container)
            .await
            .expect("threads-api: publish")
            .media_id
    }
}

impl Side for Ours {
    async fn call(&self, op: Op) {
        match op {
            Op::Me => {
                let profile = self
                    .reader
                    .profile()
                    .get()
                    .fields(self.profile_fields.clone())
                    .send()
                    .await
                    .expect("threads-api: profile");
                black_box(profile);
            }
            Op::ThreadsPage => {
                let page = self
                    .reader
                    .posts()
                    .list()
                    .fields(self.post_fields.clone())
                    .limit(PAGE as u32)
                    .send()
                    .await
                    .expect("threads-api: threads page");
                black_box(page);
            }
            Op::Post => {
                let post = self
                    .reader
                    .posts()
                    .get(&self.post)
                    .fields(self.post_fields.clone())
                    .send()
                    .await
                    .expect("threads-api: post");
                black_box(post);
            }
            Op::Replies => {
                let page = self
                    .reader
                    .replies()
                    .list(&self.post)
                    .fields(self.reply_fields.clone())
                    .send()
                    .await
                    .expect("threads-api: replies");
                black_box(page);
            }
            Op::PublishText => {
                black_box(self.publish().await);
            }
        }
    }

    async fn switch_publisher(&mut self, account: Account, generation: u64) {
        self.publisher = self.publishing_client.account(
            UserId::new(account.user_id),
            AccessToken::new(account.token),
        );
        self.generation = generation;
        self.budget = POSTS_PER_ACCOUNT;
    }

    fn publishing(&self) -> (u64, u64) {
        (self.generation, self.budget)
    }

    fn spend(&mut self, posts: u64) {
        self.budget -= posts;
    }
}

/// threads-rs: a client holds one account's token (and one pool): one client reads,
/// another publishes.
struct Theirs {
    reader: PeerClient,
    publisher: PeerClient,
    generation: u64,
    budget: u64,
    reader_id: threads_rs::UserId,
    post: PostId,
}

impl Theirs {
    async fn new(world: &World) -> Theirs {
        let reader = peer_client(&world.reads).await;
        set_account(&reader, &world.reader).await;
        Theirs {
            reader,
            publisher: peer_client(&world.publishing).await,
            generation: 0,
            budget: 0,
            reader_id: threads_rs::UserId::from(world.reader.user_id.as_str()),
            post: PostId::from(world.post_id.as_str()),
        }
    }

    async fn publish(&self) -> threads_rs::Post {
        let content = TextPostContent {
            text: TEXT.to_owned(),
            ..TextPostContent::default()
        };
        self.publisher
            .create_text_post(&content)
            .await
            .expect("threads-rs: create text post")
    }
}

async fn peer_client(emu: &RunningEmulator) -> PeerClient {
    // The app credentials are only used by threads-rs' OAuth calls, which the bench
    // does not make; they must merely be non-empty.
    let mut config = PeerConfig::new(
        "bench-app",
        "not-used-by-this-bench",
        "https://bench.example/callback",
    );
    // threads-rs' own setting for the Graph host (default https://graph.threads.net).
    config.base_url = emu.base_url().to_owned();
    PeerClient::new(config).await.expect("threads-rs client")
}

async fn set_account(client: &PeerClient, account: &Account) {
    let now = chrono::Utc::now();
    client
        .set_token_info(TokenInfo {
            access_token: account.token.clone(),
            token_type: "Bearer".to_owned(),
            expires_at: now + chrono::TimeDelta::days(60),
            user_id: account.user_id.clone(),
            created_at: now,
        })
        .await
        .expect("threads-rs: set token");
}

impl Side for Theirs {
    async fn call(&self, op: Op) {
        match op {
            Op::Me => {
                black_box(self.reader.get_me().await.expect("threads-rs: get_me"));
            }
            Op::ThreadsPage => {
                let options = PostsOptions {
                    limit: Some(PAGE),
                    ..PostsOptions::default()
                };
                let page = self
                    .reader
                    .get_user_posts(&self.reader_id, Some(&options))
                    .await
                    .expect("threads-rs: get_user_posts");
                black_box(page);
            }
            Op::Post => {
                let post = self
                    .reader
                    .get_post(&self.post)
                    .await
                    .expect("threads-rs: get_post");
                black_box(post);
            }
            Op::Replies => {
                let page = self
                    .reader
                    .get_replies(&self.post, None)
                    .await
                    .expect("threads-rs: get_replies");
                black_box(page);
            }
            Op::PublishText => {
                black_box(self.publish().await);
            }
        }
    }

    async fn switch_publisher(&mut self, account: Account, generation: u64) {
        set_account(&self.publisher, &account).await;
        self.generation = generation;
        self.budget = POSTS_PER_ACCOUNT;
    }

    fn publishing(&self) -> (u64, u64) {
        (self.generation, self.budget)
    }

    fn spend(&mut self, posts: u64) {
        self.budget -= posts;
    }
}

/// Both clients read and publish, and agree, before anything is timed.
async fn check(world: &World, ours: &mut Ours, theirs: &mut Theirs) {
    let me = ours
        .reader
        .profile()
        .get()
        .fields(ours.profile_fields.clone())
        .send()
        .await
        .expect("threads-api: profile");
    let their_me = theirs.reader.get_me().await.expect("threads-rs: get_me");
    assert_eq!(me.username.as_deref(), Some("reader"));
    assert_eq!(their_me.username, "reader");
    assert_eq!(me.id.as_str(), their_me.id.0);

    let page = ours
        .reader
        .posts()
        .list()
        .fields(ours.post_fields.clone())
        .limit(PAGE as u32)
        .send()
        .await
        .expect("threads-api: threads page");
    let their_page = theirs
        .reader
        .get_user_posts(
            &theirs.reader_id,
            Some(&PostsOptions {
                limit: Some(PAGE),
                ..PostsOptions::default()
            }),
        )
        .await
        .expect("threads-rs: get_user_posts");
    let ids: Vec<&str> = page.iter().map(|m| m.id.as_str()).collect();
    let their_ids: Vec<&str> = their_page.data.iter().map(|p| p.id.0.as_str()).collect();
    assert_eq!(ids.len(), PAGE);
    assert_eq!(ids, their_ids);
    assert_eq!(ids[0], world.post_id, "newest first");

    let post = ours
        .reader
        .posts()
        .get(&ours.post)
        .fields(ours.post_fields.clone())
        .send()
        .await
        .expect("threads-api: post");
    let their_post = theirs
        .reader
        .get_post(&theirs.post)
        .await
        .expect("threads-rs: get_post");
    assert_eq!(post.id.as_str(), world.post_id);
    assert_eq!(their_post.id.0, world.post_id);
    assert!(post.text.as_deref().is_some_and(|t| t.starts_with("Post ")));
    assert_eq!(post.text, their_post.text);

    let replies = ours
        .reader
        .replies()
        .list(&ours.post)
        .fields(ours.reply_fields.clone())
        .send()
        .await
        .expect("threads-api: replies");
    let their_replies = theirs
        .reader
        .get_replies(&theirs.post, None)
        .await
        .expect("threads-rs: get_replies");
    assert_eq!(replies.len(), REPLIES);
    let reply_ids: Vec<&str> = replies.iter().map(|m| m.id.as_str()).collect();
    let their_reply_ids: Vec<&str> = their_replies.data.iter().map(|p| p.id.0.as_str()).collect();
    assert_eq!(reply_ids, their_reply_ids);

    // Publishing: each side's post must exist afterwards with the text it sent.
    ensure_budget(world, ours).await;
    ensure_budget(world, theirs).await;
    let published = ours.publish().await;
    ours.spend(1);
    let their_published = theirs.publish().await;
    theirs.spend(1);
    let ours_read = ours
        .publisher
        .posts()
        .get(&published)
        .fields(Fields::of(["text"]))
        .send()
        .await
        .expect("threads-api: read the published post");
    assert_eq!(ours_read.text.as_deref(), Some(TEXT));
    let theirs_read = theirs
        .publisher
        .get_post(&their_published.id)
        .await
        .expect("threads-rs: read the published post");
    assert_eq!(theirs_read.text.as_deref(), Some(TEXT));
    assert_ne!(published.as_str(), their_published.id.0);
}

/// Runs `op` `iters` times on `side` and returns the time spent in the calls only
/// (switching publishing accounts is not timed).
async fn timed<S: Side>(world: &World, side: &mut S, op: Op, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = if op == Op::PublishText {
            left.min(ensure_budget(world, side).await)
        } else {
            left
        };
        let start = Instant::now();
        for _ in 0..n {
            side.call(op).await;
        }
        total += start.elapsed();
        if op == Op::PublishText {
            side.spend(n);
        }
        left -= n;
    }
    total
}

fn peers(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let world = rt.block_on(World::start());
    let mut ours = Ours::new(&world);
    let mut theirs = rt.block_on(Theirs::new(&world));
    rt.block_on(check(&world, &mut ours, &mut theirs));
    println!(
        "peers: threads-api {} vs threads-rs {}",
        env!("CARGO_PKG_VERSION"),
        threads_rs::constants::VERSION
    );

    for op in Op::ALL {
        let mut group = c.benchmark_group(format!("peers_{}", op.name()));
        group.bench_function("threads_api", |b| {
            b.iter_custom(|iters| rt.block_on(timed(&world, &mut ours, op, iters)));
        });
        group.bench_function("threads_rs", |b| {
            b.iter_custom(|iters| rt.block_on(timed(&world, &mut theirs, op, iters)));
        });
        group.finish();
    }

    // Where a read's difference comes from: decoding the same body into each
    // library's model, without HTTP.
    let post_body = rt.block_on(body(&world, &world.post_id, &[]));
    let page_body = rt.block_on(body(
        &world,
        &format!("{}/threads", world.reader.user_id),
        &[("limit", "25")],
    ));
    let ours_post: Media = serde_json::from_slice(&post_body).expect("threads-api: decode");
    let their_post: threads_rs::Post =
        serde_json::from_slice(&post_body).expect("threads-rs: decode");
    assert_eq!(ours_post.id.as_str(), their_post.id.0);
    let ours_page: Page<Media> = serde_json::from_slice(&page_body).expect("threads-api: decode");
    let their_page: PostsResponse = serde_json::from_slice(&page_body).expect("threads-rs: decode");
    assert_eq!(ours_page.len(), PAGE);
    assert_eq!(their_page.data.len(), PAGE);
    decode_group::<Media, threads_rs::Post>(c, "post", &post_body);
    decode_group::<Page<Media>, PostsResponse>(c, "threads_page", &page_body);

    // Criterion runs the two sides of a group seconds apart; on a shared, loaded
    // machine the background load drifts in between. Interleaving short blocks of both
    // and taking the median of the per-round ratios cancels most of that drift.
    let benching = std::env::args().any(|a| a == "--bench");
    let (rounds, calls) = if benching {
        (
            env_or("PEERS_ROUNDS", 30usize),
            env_or("PEERS_CALLS", 100u64).max(1),
        )
    } else {
        (2, 2)
    };
    let ops: &[Op] = if rounds == 0 { &[] } else { &Op::ALL };
    for &op in ops {
        let (mut ratios, mut ours_ns, mut theirs_ns) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let (o, t) = rt.block_on(async {
                if round % 2 == 0 {
                    let o = timed(&world, &mut ours, op, calls).await;
                    (o, timed(&world, &mut theirs, op, calls).await)
                } else {
                    let t = timed(&world, &mut theirs, op, calls).await;
                    (timed(&world, &mut ours, op, calls).await, t)
                }
            });
            ratios.push(o.as_secs_f64() / t.as_secs_f64());
            ours_ns.push(o.as_secs_f64() * 1e9 / calls as f64);
            theirs_ns.push(t.as_secs_f64() * 1e9 / calls as f64);
        }
        let (ratio, o, t) = (median(ratios), median(ours_ns), median(theirs_ns));
        println!(
            "RESULT name=peers_interleaved/{} ours={o:.0} baseline={t:.0} unit=ns ratio={ratio:.3} rounds={rounds} calls={calls}",
            op.name()
        );
    }
    drop(world);
}

/// Decoding `body` into threads-api's model `O` and into threads-rs' model `T`.
fn decode_group<O: DeserializeOwned, T: DeserializeOwned>(
    c: &mut Criterion,
    name: &str,
    body: &[u8],
) {
    let mut group = c.benchmark_group(format!("peers_decode_{name}"));
    group.bench_function("threads_api", |b| {
        b.iter(|| black_box(serde_json::from_slice::<O>(black_box(body)).is_ok()));
    });
    group.bench_function("threads_rs", |b| {
        b.iter(|| black_box(serde_json::from_slice::<T>(black_box(body)).is_ok()));
    });
    group.finish();
}

/// The body the reads emulator answers to `GET /{path}?fields=POST_EXTENDED_FIELDS&...`
/// for the reading account.
async fn body(world: &World, path: &str, query: &[(&str, &str)]) -> Vec<u8> {
    let response = reqwest::Client::new()
        .get(format!("{}/{path}", world.reads.base_url()))
        .query(&[("fields", POST_EXTENDED_FIELDS)])
        .query(query)
        .bearer_auth(&world.reader.token)
        .send()
        .await
        .expect("GET");
    assert!(response.status().is_success());
    response.bytes().await.expect("body").to_vec()
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

criterion_group!(benches, peers);
criterion_main!(benches);
