//! Sources: the SSRF-safe fetcher (hostile targets, DNS rebinding,
//! redirects, size, time and content-type caps), main-content extraction on
//! saved pages, feeds drafted once per item, near-duplicates and remix
//! templates. Everything runs against servers on 127.0.0.x started here; no
//! test reaches the network.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::TimeDelta;
use common::Harness;
use content_pipeline::config::{FetchPolicy, SourcePolicy};
use content_pipeline::sources::{
    AddressClass, HostResolver, RemixTemplates, SourceError, SourceFetcher, extract_html,
    extract_page, parse_feed,
};
use content_pipeline::{Actor, Error, Pipeline, PipelineConfig, Role, Worker, WorkerConfig};
use persona_core::{Completion, CompletionRequest, LlmError, LlmProvider, OfflineProvider};
use store_traits::{AccountId, DraftFilter, JobFilter, SourceKind, SourceStatus};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sources");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).expect("fixture")
}

const LOOPBACK: Ipv4Addr = Ipv4Addr::LOCALHOST;
/// The "public" server of the tests: another loopback address that each
/// fetcher trusts explicitly, so 127.0.0.1 stays guarded.
const PUBLIC_STANDIN: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

// ---------------------------------------------------------------------------
// Local servers
// ---------------------------------------------------------------------------

/// A listener that must never be reached: it counts every connection it
/// accepts (and answers, so a fetch that got through would succeed).
struct Tripwire {
    port: u16,
    accepts: Arc<AtomicUsize>,
}

impl Tripwire {
    async fn start() -> Tripwire {
        let listener = TcpListener::bind((LOOPBACK, 0)).await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let accepts = Arc::new(AtomicUsize::new(0));
        let counter = accepts.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = socket.read(&mut buf).await;
                    let _ = socket
                        .write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\nConnection: close\r\n\r\nyou reached me",
                        )
                        .await;
                });
            }
        });
        Tripwire { port, accepts }
    }

    fn accepts(&self) -> usize {
        self.accepts.load(Ordering::SeqCst)
    }
}

/// What the test server answers.
#[derive(Clone)]
enum Reply {
    /// A response.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Never answer (hold the connection).
    Hang,
    /// Send the headers, then one byte every 100 ms, forever.
    Drip,
}

impl Reply {
    fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Respond {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    fn redirect(to: &str) -> Reply {
        Reply::Respond {
            status: 302,
            headers: vec![("Location".into(), to.into())],
            body: Vec::new(),
        }
    }

    fn status(status: u16) -> Reply {
        Reply::Respond {
            status,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: b"no".to_vec(),
        }
    }
}

type Routes = Arc<dyn Fn(&str) -> Reply + Send + Sync>;

/// A tiny HTTP/1.1 server: one request per connection, answers from `routes`.
struct Server {
    port: u16,
    hits: Arc<AtomicUsize>,
}

impl Server {
    async fn start(ip: Ipv4Addr, port: u16, routes: Routes) -> Server {
        let listener = TcpListener::bind((ip, port)).await.expect("bind server");
        let port = listener.local_addr().expect("addr").port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let routes = routes.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 2048];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16_384 {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&head);
                    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    match routes(&path) {
                        Reply::Respond {
                            status,
                            headers,
                            body,
                        } => {
                            let mut out = format!("HTTP/1.1 {status} X\r\n");
                            for (k, v) in headers {
                                out.push_str(&format!("{k}: {v}\r\n"));
                            }
                            out.push_str(&format!(
                                "Content-Length: {}\r\nConnection: close\r\n\r\n",
                                body.len()
                            ));
                            let _ = socket.write_all(out.as_bytes()).await;
                            let _ = socket.write_all(&body).await;
                        }
                        Reply::Hang => {
                            tokio::time::sleep(Duration::from_secs(30)).await;
                        }
                        Reply::Drip => {
                            let _ = socket
                                .write_all(
                                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n",
                                )
                                .await;
                            for _ in 0..300 {
                                if socket.write_all(b"x").await.is_err() {
                                    return;
                                }
                                tokio::time::sleep(Duration::from_millis(100)).await;
                            }
                        }
                    }
                });
            }
        });
        Server { port, hits }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// A resolver with scripted answers: each name answers its list in turn
/// (the last one again once the list runs out), and counts its calls.
#[derive(Debug, Default)]
struct ScriptedResolver {
    answers: Mutex<HashMap<String, Vec<Vec<IpAddr>>>>,
    calls: Mutex<HashMap<String, usize>>,
}

impl ScriptedResolver {
    fn answer(&self, name: &str, answers: &[&[&str]]) {
        let parsed = answers
            .iter()
            .map(|list| list.iter().map(|a| a.parse().expect("ip")).collect())
            .collect();
        self.answers
            .lock()
            .expect("lock")
            .insert(name.to_owned(), parsed);
    }

    fn calls(&self, name: &str) -> usize {
        self.calls
            .lock()
            .expect("lock")
            .get(name)
            .copied()
            .unwrap_or(0)
    }
}

#[async_trait]
impl HostResolver for ScriptedResolver {
    async fn resolve(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        let call = {
            let mut calls = self.calls.lock().expect("lock");
            let n = calls.entry(host.to_owned()).or_default();
            *n += 1;
            *n
        };
        let answers = self.answers.lock().expect("lock");
        let list = answers.get(host).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such test name")
        })?;
        Ok(list[(call - 1).min(list.len() - 1)].clone())
    }
}

fn policy_with(f: impl FnOnce(&mut FetchPolicy)) -> FetchPolicy {
    let mut policy = FetchPolicy::default();
    policy.timeout = TimeDelta::seconds(5);
    f(&mut policy);
    policy
}

// ---------------------------------------------------------------------------
// The SSRF table
// ---------------------------------------------------------------------------

/// The refusal a hostile target must get.
#[derive(Debug, Clone)]
enum Refusal {
    /// `ForbiddenAddress` with this address and class.
    Address(&'static str, AddressClass),
    /// `ForbiddenHost`.
    Host,
    /// `SchemeNotAllowed` with this scheme.
    Scheme(&'static str),
    /// `CredentialsInUrl`.
    Credentials,
    /// `InvalidUrl`.
    Invalid,
}

fn check_refusal(target: &str, err: &SourceError, expected: &Refusal) {
    let ok = match (expected, err) {
        (
            Refusal::Address(ip, class),
            SourceError::ForbiddenAddress {
                ip: got, reason, ..
            },
        ) => *got == ip.parse::<IpAddr>().expect("ip") && reason == class,
        (Refusal::Host, SourceError::ForbiddenHost { .. }) => true,
        (Refusal::Scheme(s), SourceError::SchemeNotAllowed { scheme }) => scheme == s,
        (Refusal::Credentials, SourceError::CredentialsInUrl) => true,
        (Refusal::Invalid, SourceError::InvalidUrl { .. }) => true,
        _ => false,
    };
    assert!(ok, "{target}: expected {expected:?}, got {err:?}");
    let message = err.to_string();
    assert!(!message.is_empty(), "{target}: an empty message");
    assert!(
        !message.contains("hunter2"),
        "{target}: the message leaks the URL's secret: {message}"
    );
}

#[tokio::test]
async fn ssrf_table_every_hostile_target_is_refused_without_a_connection() {
    use AddressClass::*;
    let trip = Tripwire::start().await;
    let p = trip.port;
    let resolver = Arc::new(ScriptedResolver::default());
    let named: [(&str, &[&str]); 9] = [
        ("loopback.test", &["127.0.0.1"]),
        ("loopback-v6.test", &["::1"]),
        ("internal.test", &["10.1.2.3"]),
        ("metadata.test", &["169.254.169.254"]),
        ("cgnat.test", &["100.64.1.1"]),
        ("mapped.test", &["::ffff:127.0.0.1"]),
        ("nat64.test", &["64:ff9b::a00:1"]),
        ("ula.test", &["fd00::1"]),
        // One public and one private address in the same answer.
        ("mixed.test", &["93.184.215.14", "127.0.0.1"]),
    ];
    for (name, ips) in named {
        resolver.answer(name, &[ips]);
    }
    let fetcher = SourceFetcher::builder()
        .resolver(resolver.clone())
        .policy(policy_with(|_| {}))
        .build()
        .expect("fetcher");
    assert!(fetcher.guards_addresses());

    let q = "?token=hunter2";
    let table: Vec<(String, Refusal)> = vec![
        // Loopback, in every spelling.
        (
            format!("http://127.0.0.1:{p}/{q}"),
            Refusal::Address("127.0.0.1", Loopback),
        ),
        (
            format!("http://127.1:{p}/{q}"),
            Refusal::Address("127.0.0.1", Loopback),
        ),
        (
            format!("http://127.0.0.1.:{p}/{q}"),
            Refusal::Address("127.0.0.1", Loopback),
        ),
        (
            format!("http://2130706433:{p}/{q}"),
            Refusal::Address("127.0.0.1", Loopback),
        ),
        (
            format!("http://0x7f000001:{p}/{q}"),
            Refusal::Address("127.0.0.1", Loopback),
        ),
        (
            format!("http://0x7f.1:{p}/{q}"),
            Refusal::Address("127.0.0.1", Loopback),
        ),
        (
            format!("http://0x7f.0x0.0x0.0x1:{p}/{q}"),
            Refusal::Address("127.0.0.1", Loopback),
        ),
        (
            format!("http://017700000001:{p}/{q}"),
            Refusal::Address("127.0.0.1", Loopback),
        ),
        (
            format!("http://0177.0.0.1:{p}/{q}"),
            Refusal::Address("127.0.0.1", Loopback),
        ),
        (
            format!("http://127.000.000.001:{p}/{q}"),
            Refusal::Address("127.0.0.1", Loopback),
        ),
        (
            format!("http://１２７.０.０.１:{p}/{q}"),
            Refusal::Address("127.0.0.1", Loopback),
        ),
        (
            format!("http://①②⑦.⓪.⓪.①:{p}/{q}"),
            Refusal::Address("127.0.0.1", Loopback),
        ),
        (
            format!("http://127.255.255.254:{p}/{q}"),
            Refusal::Address("127.255.255.254", Loopback),
        ),
        (
            format!("https://127.0.0.1:{p}/{q}"),
            Refusal::Address("127.0.0.1", Loopback),
        ),
        (
            format!("http://[::1]:{p}/{q}"),
            Refusal::Address("::1", Loopback),
        ),
        // IPv6 forms that carry an IPv4 address.
        (
            format!("http://[::ffff:127.0.0.1]:{p}/{q}"),
            Refusal::Address("::ffff:127.0.0.1", Ipv4Mapped),
        ),
        (
            format!("http://[::ffff:7f00:1]:{p}/{q}"),
            Refusal::Address("::ffff:127.0.0.1", Ipv4Mapped),
        ),
        (
            format!("http://[0:0:0:0:0:ffff:169.254.169.254]/{q}"),
            Refusal::Address("::ffff:169.254.169.254", Ipv4Mapped),
        ),
        (
            format!("http://[::127.0.0.1]:{p}/{q}"),
            Refusal::Address("::127.0.0.1", Ipv4Compatible),
        ),
        (
            format!("http://[64:ff9b::7f00:1]:{p}/{q}"),
            Refusal::Address("64:ff9b::7f00:1", Nat64),
        ),
        (
            format!("http://[64:ff9b::a9fe:a9fe]/{q}"),
            Refusal::Address("64:ff9b::a9fe:a9fe", Nat64),
        ),
        (
            format!("http://[2002:7f00:1::]:{p}/{q}"),
            Refusal::Address("2002:7f00:1::", SixToFour),
        ),
        (
            format!("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/{q}"),
            Refusal::Address("2001:0:4136:e378:8000:63bf:80ff:fffe", Teredo),
        ),
        // "This network" and unspecified.
        (
            format!("http://0.0.0.0:{p}/{q}"),
            Refusal::Address("0.0.0.0", Unspecified),
        ),
        (
            format!("http://0:{p}/{q}"),
            Refusal::Address("0.0.0.0", Unspecified),
        ),
        (
            format!("http://[::]:{p}/{q}"),
            Refusal::Address("::", Unspecified),
        ),
        // Private, shared, link-local and metadata.
        (
            format!("http://10.0.0.1/{q}"),
            Refusal::Address("10.0.0.1", Private),
        ),
        (
            format!("http://172.16.5.4/{q}"),
            Refusal::Address("172.16.5.4", Private),
        ),
        (
            format!("http://192.168.1.1/{q}"),
            Refusal::Address("192.168.1.1", Private),
        ),
        (
            format!("http://100.64.0.1/{q}"),
            Refusal::Address("100.64.0.1", SharedCgnat),
        ),
        (
            format!("http://169.254.1.1/{q}"),
            Refusal::Address("169.254.1.1", LinkLocal),
        ),
        (
            format!("http://169.254.169.254/latest/meta-data/{q}"),
            Refusal::Address("169.254.169.254", CloudMetadata),
        ),
        (
            format!("http://0xa9fea9fe/{q}"),
            Refusal::Address("169.254.169.254", CloudMetadata),
        ),
        (
            format!("http://169.254.170.2/v2/credentials{q}"),
            Refusal::Address("169.254.170.2", CloudMetadata),
        ),
        (
            format!("http://100.100.100.200/latest/meta-data/{q}"),
            Refusal::Address("100.100.100.200", CloudMetadata),
        ),
        (
            format!("http://[fd00:ec2::254]/{q}"),
            Refusal::Address("fd00:ec2::254", CloudMetadata),
        ),
        (
            format!("http://[fe80::1]/{q}"),
            Refusal::Address("fe80::1", LinkLocal),
        ),
        (
            format!("http://[fc00::1]/{q}"),
            Refusal::Address("fc00::1", UniqueLocal),
        ),
        (
            format!("http://[fec0::1]/{q}"),
            Refusal::Address("fec0::1", SiteLocal),
        ),
        // Multicast, broadcast, reserved, documentation.
        (
            format!("http://224.0.0.1/{q}"),
            Refusal::Address("224.0.0.1", Multicast),
        ),
        (
            format!("http://[ff02::1]/{q}"),
            Refusal::Address("ff02::1", Multicast),
        ),
        (
            format!("http://255.255.255.255/{q}"),
            Refusal::Address("255.255.255.255", Broadcast),
        ),
        (
            format!("http://240.0.0.1/{q}"),
            Refusal::Address("240.0.0.1", Reserved),
        ),
        (
            format!("http://198.18.0.1/{q}"),
            Refusal::Address("198.18.0.1", Reserved),
        ),
        (
            format!("http://192.0.2.1/{q}"),
            Refusal::Address("192.0.2.1", Documentation),
        ),
        (
            format!("http://[2001:db8::1]/{q}"),
            Refusal::Address("2001:db8::1", Documentation),
        ),
        // Names: localhost never resolves; others are refused by their answers.
        (format!("http://localhost:{p}/{q}"), Refusal::Host),
        (format!("http://LOCALHOST.:{p}/{q}"), Refusal::Host),
        (format!("http://api.localhost:{p}/{q}"), Refusal::Host),
        (
            format!("http://loopback.test:{p}/{q}"),
            Refusal::Address("127.0.0.1", Loopback),
        ),
        (
            format!("http://loopback-v6.test:{p}/{q}"),
            Refusal::Address("::1", Loopback),
        ),
        (
            format!("http://internal.test/{q}"),
            Refusal::Address("10.1.2.3", Private),
        ),
        (
            format!("http://metadata.test/latest/{q}"),
            Refusal::Address("169.254.169.254", CloudMetadata),
        ),
        (
            format!("http://cgnat.test/{q}"),
            Refusal::Address("100.64.1.1", SharedCgnat),
        ),
        (
            format!("http://mapped.test:{p}/{q}"),
            Refusal::Address("::ffff:127.0.0.1", Ipv4Mapped),
        ),
        (
            format!("http://nat64.test/{q}"),
            Refusal::Address("64:ff9b::a00:1", Nat64),
        ),
        (
            format!("http://ula.test/{q}"),
            Refusal::Address("fd00::1", UniqueLocal),
        ),
        (
            format!("http://mixed.test:{p}/{q}"),
            Refusal::Address("127.0.0.1", Loopback),
        ),
        // Schemes, credentials, unparseable hosts.
        ("file:///etc/passwd".to_owned(), Refusal::Scheme("file")),
        (
            format!("gopher://127.0.0.1:{p}/_GET"),
            Refusal::Scheme("gopher"),
        ),
        (format!("ftp://127.0.0.1:{p}/"), Refusal::Scheme("ftp")),
        (
            "data:text/html,<h1>hi</h1>".to_owned(),
            Refusal::Scheme("data"),
        ),
        (
            "javascript:alert(1)".to_owned(),
            Refusal::Scheme("javascript"),
        ),
        (
            format!("http://admin:hunter2@127.0.0.1:{p}/"),
            Refusal::Credentials,
        ),
        (
            "http://admin:hunter2@example.com/".to_owned(),
            Refusal::Credentials,
        ),
        ("http://4294967296/".to_owned(), Refusal::Invalid),
        ("http://[fe80::1%25eth0]/".to_owned(), Refusal::Invalid),
        (format!("http://[::1:{p}/"), Refusal::Invalid),
        ("http://exa mple.com/".to_owned(), Refusal::Invalid),
    ];
    assert!(table.len() >= 40, "only {} hostile targets", table.len());
    let hostile_addresses = table
        .iter()
        .filter(|(_, r)| matches!(r, Refusal::Address(..)))
        .count();
    assert!(
        hostile_addresses >= 40,
        "only {hostile_addresses} address cases"
    );

    for (target, expected) in &table {
        let err = fetcher
            .fetch(target)
            .await
            .expect_err(&format!("{target} must be refused"));
        check_refusal(target, &err, expected);
        assert_eq!(trip.accepts(), 0, "{target} reached the listener");
    }
    // Every name was asked once, the localhost names never.
    for (name, _) in named {
        assert_eq!(resolver.calls(name), 1, "{name}");
    }
    assert_eq!(resolver.calls("localhost"), 0);
    assert_eq!(resolver.calls("api.localhost"), 0);
    assert_eq!(trip.accepts(), 0);
    println!("{} hostile targets refused", table.len());
}

#[tokio::test]
async fn the_guard_is_on_by_default_and_off_only_when_turned_off() {
    let trip = Tripwire::start().await;
    let url = format!("http://127.0.0.1:{}/", trip.port);

    let default = SourceFetcher::new();
    assert!(default.guards_addresses());
    assert!(matches!(
        default.fetch(&url).await,
        Err(SourceError::ForbiddenAddress { .. })
    ));
    let built = SourceFetcher::builder().build().expect("fetcher");
    assert!(built.guards_addresses());
    assert!(matches!(
        built.fetch(&url).await,
        Err(SourceError::ForbiddenAddress { .. })
    ));
    // Trusting another address does not open this one.
    let trusting = SourceFetcher::builder()
        .trust_address(IpAddr::V4(PUBLIC_STANDIN))
        .build()
        .expect("fetcher");
    assert!(matches!(
        trusting.fetch(&url).await,
        Err(SourceError::ForbiddenAddress { .. })
    ));
    // A pipeline built without a fetcher guards too.
    let h = Harness::new().await;
    assert!(h.pipeline.source_fetcher().guards_addresses());
    assert_eq!(trip.accepts(), 0, "the listener is reached only below");

    // The same listener is reachable once the guard is off: the tripwire
    // really counts connections.
    let open = SourceFetcher::builder()
        .disable_address_guard()
        .build()
        .expect("fetcher");
    assert!(!open.guards_addresses());
    let page = open.fetch(&url).await.expect("reachable without the guard");
    assert_eq!(page.body, b"you reached me");
    assert_eq!(trip.accepts(), 1);
    // Schemes stay checked without the guard.
    assert!(matches!(
        open.fetch("file:///etc/passwd").await,
        Err(SourceError::SchemeNotAllowed { .. })
    ));
}

// ---------------------------------------------------------------------------
// DNS rebinding and redirects
// ---------------------------------------------------------------------------

/// A trusted "public" server on 127.0.0.2 at the tripwire's port, so a URL
/// whose name is steered from one address to the other keeps its port.
async fn public_server(trip: &Tripwire, routes: Routes) -> Server {
    Server::start(PUBLIC_STANDIN, trip.port, routes).await
}

#[tokio::test]
async fn dns_rebinding_is_refused_and_the_connection_stays_pinned() {
    let trip = Tripwire::start().await;
    let server = public_server(
        &trip,
        Arc::new(|path: &str| match path {
            "/start" => Reply::redirect("/again"),
            _ => Reply::ok("text/plain", "from the checked address"),
        }),
    )
    .await;
    let p = trip.port;
    let resolver = Arc::new(ScriptedResolver::default());
    // First answer public, then private.
    resolver.answer("rebind.test", &[&["127.0.0.2"], &["127.0.0.1"]]);
    resolver.answer("pinned.test", &[&["127.0.0.2"], &["127.0.0.1"]]);
    let fetcher = SourceFetcher::builder()
        .resolver(resolver.clone())
        .trust_address(IpAddr::V4(PUBLIC_STANDIN))
        .policy(policy_with(|_| {}))
        .build()
        .expect("fetcher");

    // The second hop asks again, gets the private answer, and stops.
    let err = fetcher
        .fetch(&format!("http://rebind.test:{p}/start"))
        .await
        .expect_err("rebinding must be refused");
    match &err {
        SourceError::ForbiddenAddress { host, ip, reason } => {
            assert_eq!(host, "rebind.test");
            assert_eq!(*ip, IpAddr::V4(LOOPBACK));
            assert_eq!(*reason, AddressClass::Loopback);
        }
        other => panic!("expected ForbiddenAddress, got {other:?}"),
    }
    assert_eq!(resolver.calls("rebind.test"), 2);
    assert_eq!(server.hits(), 1, "only the checked address was contacted");
    assert_eq!(
        trip.accepts(),
        0,
        "the private answer was never connected to"
    );

    // Within one hop the name is resolved once and the connection goes to
    // that answer, although asking again would now give the private one.
    let page = fetcher
        .fetch(&format!("http://pinned.test:{p}/page"))
        .await
        .expect("the pinned fetch succeeds");
    assert_eq!(page.body, b"from the checked address");
    assert_eq!(resolver.calls("pinned.test"), 1);
    assert_eq!(server.hits(), 2);
    assert_eq!(trip.accepts(), 0);
}

#[tokio::test]
async fn redirects_to_private_targets_are_refused_at_each_hop() {
    let trip = Tripwire::start().await;
    let p = trip.port;
    let routes: Routes = Arc::new(move |path: &str| {
        if let Some(rest) = path.strip_prefix("/chain/") {
            let left: u32 = rest.parse().unwrap_or(0);
            return if left == 0 {
                Reply::ok("text/plain", "end of the chain")
            } else {
                Reply::redirect(&format!("/chain/{}", left - 1))
            };
        }
        match path {
            "/to-loopback" => Reply::redirect(&format!("http://127.0.0.1:{p}/")),
            "/to-decimal" => Reply::redirect(&format!("http://2130706433:{p}/")),
            "/to-mapped" => Reply::redirect(&format!("http://[::ffff:127.0.0.1]:{p}/")),
            "/to-metadata" => Reply::redirect("http://169.254.169.254/latest/meta-data/"),
            "/to-name" => Reply::redirect(&format!("http://loopback.test:{p}/")),
            "/to-localhost" => Reply::redirect(&format!("http://localhost:{p}/")),
            "/to-file" => Reply::redirect("file:///etc/passwd"),
            "/to-credentials" => Reply::redirect("http://user:hunter2@example.com/"),
            "/twice" => Reply::redirect("/to-loopback"),
            "/no-location" => Reply::status(302),
            _ => Reply::status(404),
        }
    });
    let server = public_server(&trip, routes).await;
    let resolver = Arc::new(ScriptedResolver::default());
    resolver.answer("site.test", &[&["127.0.0.2"]]);
    resolver.answer("loopback.test", &[&["127.0.0.1"]]);
    let fetcher = SourceFetcher::builder()
        .resolver(resolver.clone())
        .trust_address(IpAddr::V4(PUBLIC_STANDIN))
        .policy(policy_with(|_| {}))
        .build()
        .expect("fetcher");
    let base = format!("http://site.test:{p}");

    let cases: [(&str, Refusal); 9] = [
        (
            "/to-loopback",
            Refusal::Address("127.0.0.1", AddressClass::Loopback),
        ),
        (
            "/to-decimal",
            Refusal::Address("127.0.0.1", AddressClass::Loopback),
        ),
        (
            "/to-mapped",
            Refusal::Address("::ffff:127.0.0.1", AddressClass::Ipv4Mapped),
        ),
        (
            "/to-metadata",
            Refusal::Address("169.254.169.254", AddressClass::CloudMetadata),
        ),
        (
            "/to-name",
            Refusal::Address("127.0.0.1", AddressClass::Loopback),
        ),
        ("/to-localhost", Refusal::Host),
        ("/to-file", Refusal::Scheme("file")),
        ("/to-credentials", Refusal::Credentials),
        (
            "/twice",
            Refusal::Address("127.0.0.1", AddressClass::Loopback),
        ),
    ];
    for (path, expected) in &cases {
        let err = fetcher
            .fetch(&format!("{base}{path}"))
            .await
            .expect_err(path);
        check_refusal(path, &err, expected);
    }
    assert_eq!(
        trip.accepts(),
        0,
        "no redirect reached the private listener"
    );
    assert!(matches!(
        fetcher.fetch(&format!("{base}/no-location")).await,
        Err(SourceError::BadRedirect { .. })
    ));
    assert!(matches!(
        fetcher.fetch(&format!("{base}/missing")).await,
        Err(SourceError::Status { status: 404 })
    ));

    // Five redirects are followed; the sixth is refused before it is followed.
    let before = server.hits();
    let page = fetcher
        .fetch(&format!("{base}/chain/5"))
        .await
        .expect("five redirects");
    assert_eq!(page.redirects, 5);
    assert_eq!(page.body, b"end of the chain");
    assert_eq!(page.url.path(), "/chain/0");
    assert_eq!(server.hits() - before, 6);
    let before = server.hits();
    assert!(matches!(
        fetcher.fetch(&format!("{base}/chain/6")).await,
        Err(SourceError::TooManyRedirects { max: 5 })
    ));
    assert_eq!(
        server.hits() - before,
        6,
        "the sixth redirect was not followed"
    );
    assert_eq!(trip.accepts(), 0);
}

// ---------------------------------------------------------------------------
// Size, time and content-type caps
// ---------------------------------------------------------------------------

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

#[tokio::test]
async fn caps_on_body_time_and_content_type() {
    // 32 MiB of zeros, about 32 KiB compressed.
    let bomb = Arc::new(gzip(&vec![0u8; 32 * 1024 * 1024]));
    assert!(bomb.len() < 100 * 1024);
    let small = Arc::new(gzip(b"<html><body><p>small and fine</p></body></html>"));
    let routes: Routes = Arc::new(move |path: &str| match path {
        "/bomb" => Reply::Respond {
            status: 200,
            headers: vec![
                ("Content-Type".into(), "text/html".into()),
                ("Content-Encoding".into(), "gzip".into()),
            ],
            body: bomb.to_vec(),
        },
        "/gzip-ok" => Reply::Respond {
            status: 200,
            headers: vec![
                ("Content-Type".into(), "text/html; charset=utf-8".into()),
                ("Content-Encoding".into(), "gzip".into()),
            ],
            body: small.to_vec(),
        },
        "/big" => Reply::ok("text/plain", vec![b'a'; 2 * 1024 * 1024]),
        "/hang" => Reply::Hang,
        "/drip" => Reply::Drip,
        "/image" => Reply::ok("image/png", b"\x89PNG....".to_vec()),
        "/json" => Reply::ok("application/json", "{}"),
        "/untyped" => Reply::Respond {
            status: 200,
            headers: Vec::new(),
            body: b"what am I".to_vec(),
        },
        "/upper" => Reply::ok("TEXT/HTML; Charset=UTF-8", "<p>fine</p>"),
        _ => Reply::status(404),
    });
    let server = Server::start(LOOPBACK, 0, routes).await;
    let base = format!("http://127.0.0.1:{}", server.port);
    let limit = 1024 * 1024;
    let fetcher = SourceFetcher::builder()
        .disable_address_guard()
        .policy(policy_with(|p| {
            p.max_body_bytes = limit;
            p.timeout = TimeDelta::milliseconds(400);
        }))
        .build()
        .expect("fetcher");

    // A gzip bomb stops at the cap on decompressed bytes.
    let err = fetcher
        .fetch(&format!("{base}/bomb"))
        .await
        .expect_err("bomb");
    assert!(
        matches!(err, SourceError::BodyTooLarge { limit: l } if l == limit),
        "{err:?}"
    );
    // A small compressed page is decompressed.
    let page = fetcher
        .fetch(&format!("{base}/gzip-ok"))
        .await
        .expect("gzip");
    assert!(page.text().contains("small and fine"));
    assert_eq!(page.charset.as_deref(), Some("utf-8"));
    // A plain body over the cap.
    assert!(matches!(
        fetcher.fetch(&format!("{base}/big")).await,
        Err(SourceError::BodyTooLarge { .. })
    ));

    // No answer, and an answer that never ends: both stop at the total time.
    for path in ["/hang", "/drip"] {
        let started = Instant::now();
        let err = fetcher
            .fetch(&format!("{base}{path}"))
            .await
            .expect_err(path);
        assert!(
            matches!(err, SourceError::Timeout { after } if after == Duration::from_millis(400)),
            "{path}: {err:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{path} took too long"
        );
    }

    // Content types outside the allow-list.
    for (path, found) in [
        ("/image", "image/png"),
        ("/json", "application/json"),
        ("/untyped", "(none)"),
    ] {
        match fetcher.fetch(&format!("{base}{path}")).await {
            Err(SourceError::ContentType { found: got }) => assert_eq!(got, found),
            other => panic!("{path}: expected ContentType, got {other:?}"),
        }
    }
    let page = fetcher
        .fetch(&format!("{base}/upper"))
        .await
        .expect("upper");
    assert_eq!(page.content_type, "text/html");
}

// ---------------------------------------------------------------------------
// Extraction
// ---------------------------------------------------------------------------

#[tokio::test]
async fn extraction_finds_title_and_main_text_on_saved_pages() {
    // A news article with a byline, OpenGraph and Twitter card tags.
    let url = Url::parse("https://harbourgazette.example/food/2026/03/heritage-grains?ref=home")
        .expect("url");
    let news = extract_page(fixture("news.html"), url).await.expect("news");
    assert_eq!(
        news.title.as_deref(),
        Some("City bakeries switch to heritage grains as wheat prices climb")
    );
    assert!(
        news.byline
            .as_deref()
            .is_some_and(|b| b.contains("Marta Lindqvist")),
        "{:?}",
        news.byline
    );
    for sentence in [
        "now mills a third of his flour on site",
        "planted emmer for the first time last autumn",
        "A decision is expected in April.",
    ] {
        assert!(
            news.text.contains(sentence),
            "missing {sentence:?} in {}",
            news.text
        );
    }
    for noise in [
        "Harbour FC",
        "All rights reserved",
        "Subscribe for 1 euro",
        "dataLayer",
        "Log in to join",
    ] {
        assert!(
            !news.text.contains(noise),
            "{noise:?} leaked into {}",
            news.text
        );
    }
    assert_eq!(
        news.canonical_url.as_deref(),
        Some("https://harbourgazette.example/food/2026/03/heritage-grains")
    );
    assert_eq!(news.site_name.as_deref(), Some("The Harbour Gazette"));
    assert_eq!(
        news.meta.get("og:image").map(String::as_str),
        Some("https://cdn.harbourgazette.example/img/heritage-grains-1200.jpg")
    );
    assert_eq!(
        news.meta.get("twitter:card").map(String::as_str),
        Some("summary_large_image")
    );
    assert_eq!(
        news.meta.get("twitter:title").map(String::as_str),
        Some("Bakeries turn to heritage grains")
    );
    assert!(
        news.published
            .as_deref()
            .is_some_and(|p| p.starts_with("2026-03-01"))
    );
    let flat = news.metadata();
    assert_eq!(flat.get("canonical_url"), news.canonical_url.as_ref());
    assert!(flat.contains_key("byline"));

    // A blog post on an old theme: no <article>, an h2 title, a sidebar.
    let url = Url::parse("https://crumbandcrust.example/2026/02/starter-revival/").expect("url");
    let blog = extract_html(&fixture("blog.html"), &url).expect("blog");
    assert_eq!(
        blog.title.as_deref(),
        Some("Why my starter died (and how I brought it back)")
    );
    for sentence in [
        "The liquid is called hooch.",
        "fed that tablespoon with fifty grams of flour",
        "a spoonful of dried starter in a jar",
    ] {
        assert!(
            blog.text.contains(sentence),
            "missing {sentence:?} in {}",
            blog.text
        );
    }
    for noise in ["Archives", "Powered by", "Sign up"] {
        assert!(
            !blog.text.contains(noise),
            "{noise:?} leaked into {}",
            blog.text
        );
    }
    assert_eq!(blog.byline.as_deref(), Some("Priya"));
    assert_eq!(
        blog.canonical_url.as_deref(),
        Some("https://crumbandcrust.example/2026/02/starter-revival/")
    );

    // A page without article markup: divs, a bold line, a layout table.
    let url = Url::parse("https://valleymill.example/visit").expect("url");
    let plain = extract_html(&fixture("plain_page.html"), &url).expect("plain page");
    assert!(
        plain
            .title
            .as_deref()
            .is_some_and(|t| t.starts_with("Opening hours and directions")),
        "{:?}",
        plain.title
    );
    for sentence in [
        "open Tuesday to Saturday",
        "Fresh loaves come out of the wood oven at eleven on Saturdays.",
        "turn left after the old stone bridge",
    ] {
        assert!(
            plain.text.contains(sentence),
            "missing {sentence:?} in {}",
            plain.text
        );
    }
    for noise in ["Call us", "Our flour", "Mill Lane 4"] {
        assert!(
            !plain.text.contains(noise),
            "{noise:?} leaked into {}",
            plain.text
        );
    }
    assert_eq!(plain.canonical_url, None);
}

#[test]
fn feeds_parse_from_saved_rss_and_atom() {
    let rss = parse_feed(fixture("feed.rss").as_bytes()).expect("rss");
    assert_eq!(rss.title.as_deref(), Some("Crumb & Crust"));
    assert_eq!(rss.entries.len(), 4);
    let scoring = &rss.entries[0];
    assert_eq!(scoring.key, "crumb-2026-03-01-scoring");
    assert_eq!(
        scoring.title.as_deref(),
        Some("Scoring patterns that actually open")
    );
    assert_eq!(
        scoring.link.as_deref(),
        Some("https://crumbandcrust.example/2026/03/scoring/")
    );
    assert!(scoring.text.contains("crisp ear"), "{}", scoring.text);
    assert!(!scoring.text.contains("<p>"));
    assert_eq!(scoring.author.as_deref(), Some("Priya"));
    assert!(rss.entries[2].text.contains("straight from the fridge"));

    let atom = parse_feed(fixture("feed.atom").as_bytes()).expect("atom");
    assert_eq!(atom.title.as_deref(), Some("Valley Mill journal"));
    assert_eq!(atom.entries.len(), 2);
    assert_eq!(atom.entries[0].key, "urn:valleymill:journal:emmer-harvest");
    assert!(atom.entries[0].text.contains("nutty, sweet loaf"));
    assert_eq!(atom.entries[0].author.as_deref(), Some("Tomas Dahl"));
    assert!(atom.entries[1].text.contains("keep the flour cool"));
}

// ---------------------------------------------------------------------------
// The pipeline: URL and text sources, feeds, near-duplicates, templates
// ---------------------------------------------------------------------------

/// The offline model, remembering every prompt it was sent.
#[derive(Debug, Default)]
struct RecordingModel {
    prompts: Mutex<Vec<String>>,
}

#[async_trait]
impl LlmProvider for RecordingModel {
    fn name(&self) -> &str {
        "recording-offline"
    }

    async fn complete(&self, request: &CompletionRequest) -> Result<Completion, LlmError> {
        let user = request
            .messages
            .iter()
            .map(|m| m.content.clone())
            .collect::<Vec<_>>()
            .join("\n");
        self.prompts.lock().expect("lock").push(user);
        OfflineProvider::new().complete(request).await
    }
}

struct Sourced {
    h: Harness,
    pipeline: Pipeline,
    account: AccountId,
    model: Arc<RecordingModel>,
}

/// A pipeline on the harness's store, clock and network, with `llm`, a
/// fetcher that uses `resolver` and trusts 127.0.0.2, and `templates`.
fn pipeline_on(
    h: &Harness,
    config: PipelineConfig,
    resolver: Arc<ScriptedResolver>,
    templates: RemixTemplates,
    llm: Arc<dyn LlmProvider>,
) -> Pipeline {
    let fetcher = SourceFetcher::builder()
        .resolver(resolver)
        .trust_address(IpAddr::V4(PUBLIC_STANDIN))
        .policy(config.sources.fetch.clone())
        .build()
        .expect("fetcher");
    Pipeline::builder()
        .store(h.store.clone())
        .llm(llm)
        .network(h.threads.clone())
        .keyring(h.keyring.clone())
        .manual_clock(h.clock.clone())
        .config(config)
        .source_fetcher(fetcher)
        .remix_templates(templates)
        .build()
        .expect("pipeline")
}

/// A harness with a connected account and a pipeline (see [`pipeline_on`])
/// on the recording offline model.
async fn sourced(
    resolver: Arc<ScriptedResolver>,
    policy: SourcePolicy,
    templates: RemixTemplates,
) -> Sourced {
    let mut config = PipelineConfig::default();
    config.sources = policy;
    let h = Harness::with_config(config.clone()).await;
    let account = h.connect("crumb").await.account.id;
    let model = Arc::new(RecordingModel::default());
    let pipeline = pipeline_on(&h, config, resolver, templates, model.clone());
    Sourced {
        h,
        pipeline,
        account,
        model,
    }
}

fn editor() -> Actor {
    Actor::person("ana", Role::Editor)
}

async fn drain(pipeline: &Pipeline) {
    Worker::new(pipeline.clone(), WorkerConfig::named("sources"))
        .drain()
        .await
        .expect("drain");
}

#[tokio::test]
async fn url_sources_are_fetched_extracted_and_summarised_or_stored_failed() {
    let trip = Tripwire::start().await;
    let html = fixture("news.html");
    let server = public_server(
        &trip,
        Arc::new(move |path: &str| match path {
            "/food/story?utm_source=feed" => Reply::redirect("/food/heritage-grains"),
            "/food/heritage-grains" => Reply::ok("text/html; charset=utf-8", html.clone()),
            "/feed.xml" => Reply::ok("application/rss+xml", "<rss/>"),
            _ => Reply::status(404),
        }),
    )
    .await;
    let resolver = Arc::new(ScriptedResolver::default());
    resolver.answer("gazette.test", &[&["127.0.0.2"]]);
    resolver.answer("evil.test", &[&["127.0.0.1"]]);
    let s = sourced(resolver, SourcePolicy::default(), RemixTemplates::new()).await;
    let p = trip.port;

    let source = s
        .pipeline
        .add_url_source(
            s.account,
            &format!("http://gazette.test:{p}/food/story?utm_source=feed"),
            &editor(),
        )
        .await
        .expect("url source");
    assert_eq!(source.kind, SourceKind::Url);
    assert_eq!(source.status, SourceStatus::Ready, "{:?}", source.error);
    assert_eq!(
        source.title.as_deref(),
        Some("City bakeries switch to heritage grains as wheat prices climb")
    );
    let content = source.content.as_deref().expect("content");
    assert!(content.contains("mills a third of his flour"));
    let summary = source.summary.as_deref().expect("summary");
    assert!(!summary.is_empty() && summary.len() < content.len());
    assert!(content.contains(summary.split(". ").next().expect("a sentence")));
    assert_eq!(
        source.metadata.get("final_url").map(String::as_str),
        Some(format!("http://gazette.test:{p}/food/heritage-grains").as_str())
    );
    assert!(
        source
            .metadata
            .get("byline")
            .is_some_and(|b| b.contains("Marta Lindqvist"))
    );
    assert_eq!(
        source.metadata.get("og:site_name").map(String::as_str),
        Some("The Harbour Gazette")
    );
    // The page's canonical link is relative: it resolves against the URL
    // that answered.
    assert_eq!(
        source.metadata.get("canonical_url").map(String::as_str),
        Some(format!("http://gazette.test:{p}/food/2026/03/heritage-grains").as_str())
    );
    assert_eq!(
        source.metadata.get("og:url").map(String::as_str),
        Some("https://harbourgazette.example/food/2026/03/heritage-grains")
    );
    assert_eq!(s.pipeline.source(source.id).await.expect("stored"), source);

    // A name that resolves to loopback: stored as failed, typed code kept.
    let failed = s
        .pipeline
        .add_url_source(s.account, &format!("http://evil.test:{p}/"), &editor())
        .await
        .expect("stored as failed");
    assert_eq!(failed.status, SourceStatus::Failed);
    assert_eq!(
        failed.metadata.get("error_code").map(String::as_str),
        Some("forbidden_address")
    );
    assert!(
        failed
            .error
            .as_deref()
            .is_some_and(|e| e.contains("loopback"))
    );
    // A feed is not a page.
    let feed_as_page = s
        .pipeline
        .add_url_source(
            s.account,
            &format!("http://gazette.test:{p}/feed.xml"),
            &editor(),
        )
        .await
        .expect("stored as failed");
    assert_eq!(
        feed_as_page.metadata.get("error_code").map(String::as_str),
        Some("extraction")
    );
    // A URL that is not http(s) is an error, and nothing is stored.
    let before = s.pipeline.sources(s.account).await.expect("list").len();
    assert!(matches!(
        s.pipeline
            .add_url_source(s.account, "file:///etc/passwd", &editor())
            .await,
        Err(Error::Source(SourceError::SchemeNotAllowed { .. }))
    ));
    assert_eq!(
        s.pipeline.sources(s.account).await.expect("list").len(),
        before
    );
    // A viewer may not add sources.
    assert!(matches!(
        s.pipeline
            .add_text_source(s.account, "notes", &Actor::person("vic", Role::Viewer))
            .await,
        Err(Error::Forbidden(_))
    ));
    assert_eq!(trip.accepts(), 0);
    assert_eq!(server.hits(), 3);
    // Each addition is audited.
    let audit =
        s.h.store
            .list_audit(&store_traits::AuditQuery::default())
            .await
            .expect("audit");
    assert_eq!(
        audit.iter().filter(|e| e.action == "source.added").count(),
        3
    );
}

const PROOFING: &str = "Proofing is the last rise before the oven. A loaf that is under-proofed \
    bursts at the side and has a tight, gummy crumb. An over-proofed loaf spreads flat and \
    tastes sour. The poke test tells them apart: press a floured finger into the dough. If the \
    dent springs back at once, wait longer. If it springs back slowly and leaves a small mark, \
    bake it now. If it does not spring back at all, shape it again and give it a short second rise.";

const MILLING: &str = "Stone mills turn slowly and keep the flour cool. Fast steel rollers heat \
    the grain, which damages the oils in the germ and shortens how long whole grain flour keeps. \
    Cool milled flour keeps its flavour for months in a sealed jar. Buy small amounts from a \
    mill near you and store them in the dark.";

#[tokio::test]
async fn text_sources_remix_once_and_near_duplicates_are_refused() {
    let s = sourced(
        Arc::new(ScriptedResolver::default()),
        SourcePolicy::default(),
        RemixTemplates::new(),
    )
    .await;
    let source = s
        .pipeline
        .add_text_source(s.account, PROOFING, &editor())
        .await
        .expect("text source");
    assert_eq!(source.kind, SourceKind::Text);
    assert_eq!(source.status, SourceStatus::Ready);
    assert!(source.summary.as_deref().is_some_and(|t| !t.is_empty()));
    assert!(matches!(
        s.pipeline
            .add_text_source(s.account, "   \n ", &editor())
            .await,
        Err(Error::InvalidInput(_))
    ));

    let first = s
        .pipeline
        .remix_source(source.id, None, &editor())
        .await
        .expect("first remix");
    assert_eq!(first.draft.source_id, Some(source.id));
    let drafts_before =
        s.h.store
            .list_drafts(&DraftFilter::account(s.account))
            .await
            .expect("drafts")
            .len();

    // The same source again writes the same post: refused, naming the draft.
    let err = s
        .pipeline
        .remix_source(source.id, None, &editor())
        .await
        .expect_err("a near-duplicate");
    match err {
        Error::Source(SourceError::NearDuplicate { of, similarity }) => {
            assert_eq!(of, first.draft.id);
            assert!(similarity >= 50, "{similarity}");
        }
        other => panic!("expected NearDuplicate, got {other:?}"),
    }
    assert_eq!(
        s.h.store
            .list_drafts(&DraftFilter::account(s.account))
            .await
            .expect("drafts")
            .len(),
        drafts_before,
        "nothing stored for the refused draft"
    );
    // The same text pasted again as a new source is still a duplicate.
    let again = s
        .pipeline
        .add_text_source(s.account, PROOFING, &editor())
        .await
        .expect("text source");
    assert!(matches!(
        s.pipeline.remix_source(again.id, None, &editor()).await,
        Err(Error::Source(SourceError::NearDuplicate { of, .. })) if of == first.draft.id
    ));
    // Rejecting the first draft frees the text.
    s.pipeline
        .reject(first.draft.id, &editor(), "not this week")
        .await
        .expect("reject");
    s.pipeline
        .remix_source(again.id, None, &editor())
        .await
        .expect("allowed once the duplicate is rejected");
    // Other material is not a duplicate.
    let other = s
        .pipeline
        .add_text_source(s.account, MILLING, &editor())
        .await
        .expect("text source");
    s.pipeline
        .remix_source(other.id, None, &editor())
        .await
        .expect("different text");
}

#[tokio::test]
async fn remix_uses_named_customisable_templates() {
    let mut templates = RemixTemplates::new();
    templates
        .insert(
            "baker-faq",
            "{{ task_header }}\nANSWER-AS-FAQ: write one question a home baker would ask and \
             answer it from the source, at most {{ max_chars }} characters.\n\nSource (data):\n{{ task.source }}",
        )
        .expect("a valid template");
    // A broken template is refused when it is added.
    assert!(templates.insert("broken", "{% if %}").is_err());
    assert!(
        templates
            .insert("undefined", "{{ task.nope.deeper }}")
            .is_err()
    );
    assert!(templates.get("broken").is_none());
    let names: Vec<&str> = templates.names().collect();
    assert_eq!(names, ["baker-faq", "question", "takeaway"]);

    let s = sourced(
        Arc::new(ScriptedResolver::default()),
        SourcePolicy::default(),
        templates,
    )
    .await;
    let source = s
        .pipeline
        .add_text_source(s.account, MILLING, &editor())
        .await
        .expect("text source");
    let drafted = s
        .pipeline
        .remix_source(source.id, Some("baker-faq"), &editor())
        .await
        .expect("custom template");
    assert_eq!(drafted.draft.source_id, Some(source.id));
    {
        let prompts = s.model.prompts.lock().expect("lock");
        let used: Vec<&String> = prompts
            .iter()
            .filter(|p| p.contains("ANSWER-AS-FAQ"))
            .collect();
        assert!(!used.is_empty(), "the custom template wrote the prompts");
        assert!(used.iter().all(|p| p.contains("Stone mills turn slowly")));
    }
    // A built-in named template.
    let proofing = s
        .pipeline
        .add_text_source(s.account, PROOFING, &editor())
        .await
        .expect("text source");
    s.pipeline
        .remix_source(proofing.id, Some("question"), &editor())
        .await
        .expect("built-in template");
    assert!(
        s.model
            .prompts
            .lock()
            .expect("lock")
            .iter()
            .any(|p| p.contains("ends with one open question to the readers"))
    );
    // Unknown names are refused before the model is asked.
    let asked = s.model.prompts.lock().expect("lock").len();
    assert!(matches!(
        s.pipeline.remix_source(proofing.id, Some("limerick"), &editor()).await,
        Err(Error::Source(SourceError::UnknownTemplate { name })) if name == "limerick"
    ));
    assert_eq!(s.model.prompts.lock().expect("lock").len(), asked);
}

/// The RSS fixture with `extra` items added at the top.
fn rss_with(extra: &str) -> String {
    fixture("feed.rss").replace("<!-- NEW ITEMS -->", extra)
}

const NEW_ITEM: &str = r#"<item>
      <title>Baking on a pizza stone</title>
      <link>https://crumbandcrust.example/2026/03/stone/</link>
      <guid isPermaLink="false">crumb-2026-03-02-stone</guid>
      <pubDate>Mon, 02 Mar 2026 07:00:00 +0000</pubDate>
      <description>Preheat the stone for a full hour: a stone that is only warm on the surface gives a pale, soft bottom crust. Slide the loaf on with semolina and add steam for the first fifteen minutes.</description>
    </item>"#;

#[tokio::test]
async fn feeds_draft_each_new_item_exactly_once() {
    let trip = Tripwire::start().await;
    let rss = Arc::new(Mutex::new(rss_with("")));
    let served = rss.clone();
    let atom = fixture("feed.atom");
    let server = public_server(
        &trip,
        Arc::new(move |path: &str| match path {
            "/feed.rss" => Reply::ok("application/rss+xml", served.lock().expect("lock").clone()),
            "/atom.xml" => Reply::ok("application/atom+xml", atom.clone()),
            "/private-feed" => Reply::redirect("http://127.0.0.1:1/feed"),
            _ => Reply::status(404),
        }),
    )
    .await;
    let resolver = Arc::new(ScriptedResolver::default());
    resolver.answer("crumb.test", &[&["127.0.0.2"]]);
    resolver.answer("mill.test", &[&["127.0.0.2"]]);
    let mut policy = SourcePolicy::default();
    policy.feed_items_per_poll = 2;
    let interval = policy.feed_poll_interval;
    let s = sourced(resolver, policy, RemixTemplates::new()).await;
    let p = trip.port;
    let system_count = |drafts: &[store_traits::Draft]| {
        drafts
            .iter()
            .filter(|d| d.parent_draft_id.is_none() && d.source_id.is_some())
            .count()
    };

    let rss_feed = s
        .pipeline
        .add_feed(
            s.account,
            &format!("http://crumb.test:{p}/feed.rss"),
            &editor(),
        )
        .await
        .expect("rss feed");
    assert_eq!(rss_feed.kind, SourceKind::Feed);
    assert_eq!(rss_feed.status, SourceStatus::Pending);
    let again = s
        .pipeline
        .add_feed(
            s.account,
            &format!("http://crumb.test:{p}/feed.rss"),
            &editor(),
        )
        .await
        .expect("same feed");
    assert_eq!(again.id, rss_feed.id, "adding a feed twice returns it");
    let atom_feed = s
        .pipeline
        .add_feed(
            s.account,
            &format!("http://mill.test:{p}/atom.xml"),
            &editor(),
        )
        .await
        .expect("atom feed");
    let bad_feed = s
        .pipeline
        .add_feed(
            s.account,
            &format!("http://crumb.test:{p}/private-feed"),
            &editor(),
        )
        .await
        .expect("a feed that redirects to a private address");

    let drafts = |s: &Sourced| {
        let store = s.h.store.clone();
        let account = s.account;
        async move {
            store
                .list_drafts(&DraftFilter::account(account))
                .await
                .expect("drafts")
        }
    };
    let items_of = |s: &Sourced, feed| {
        let pipeline = s.pipeline.clone();
        let account = s.account;
        async move {
            pipeline
                .sources(account)
                .await
                .expect("sources")
                .into_iter()
                .filter(|x| x.feed_id == Some(feed))
                .collect::<Vec<_>>()
        }
    };

    // First read: two RSS items (the oldest first; the 2025 item is too
    // old), both Atom entries.
    drain(&s.pipeline).await;
    let after_first = drafts(&s).await;
    assert_eq!(system_count(&after_first), 4);
    let rss_items = items_of(&s, rss_feed.id).await;
    let keys: Vec<&str> = rss_items
        .iter()
        .filter_map(|i| i.item_key.as_deref())
        .collect();
    assert!(keys.contains(&"crumb-2026-02-27-fridge"));
    assert!(keys.contains(&"crumb-2026-02-28-hydration"));
    assert!(
        !keys.iter().any(|k| k.contains("crackers")),
        "too old: {keys:?}"
    );
    assert_eq!(items_of(&s, atom_feed.id).await.len(), 2);
    let rss_now = s.pipeline.source(rss_feed.id).await.expect("feed");
    assert_eq!(rss_now.status, SourceStatus::Ready);
    assert!(rss_now.metadata.contains_key("last_read_at"));
    assert_eq!(rss_now.title.as_deref(), Some("Crumb & Crust"));
    let bad = s.pipeline.source(bad_feed.id).await.expect("feed");
    assert_eq!(bad.status, SourceStatus::Failed);
    assert_eq!(
        bad.metadata.get("error_code").map(String::as_str),
        Some("forbidden_address")
    );
    // Nothing more is due until the next poll.
    drain(&s.pipeline).await;
    assert_eq!(system_count(&drafts(&s).await), 4);

    // Second read: the third RSS item; nothing twice.
    let hits = server.hits();
    s.h.advance(interval);
    drain(&s.pipeline).await;
    assert!(server.hits() > hits, "the feeds were read again");
    assert_eq!(system_count(&drafts(&s).await), 5);
    // Third read: nothing new.
    s.h.advance(interval);
    drain(&s.pipeline).await;
    let settled = drafts(&s).await;
    assert_eq!(system_count(&settled), 5);

    // A new item appears; the job then runs twice on one claim (a worker
    // that crashed after drafting, before settling the job): one draft.
    *rss.lock().expect("lock") = rss_with(NEW_ITEM);
    s.h.advance(interval);
    let lease = TimeDelta::seconds(60);
    let mut jobs =
        s.h.store
            .claim("sources", "crashy", 10, lease)
            .await
            .expect("claim");
    jobs.retain(|j| j.dedup_key.as_deref() == Some(&*format!("feed:{}", rss_feed.id)));
    let job = jobs.pop().expect("the RSS feed job is due");
    s.pipeline.run_job(&job, lease).await.expect("first run");
    s.pipeline
        .run_job(&job, lease)
        .await
        .expect("the run again");
    let final_drafts = drafts(&s).await;
    assert_eq!(system_count(&final_drafts), 6);

    // Every item was drafted exactly once, each from its own source.
    let mut per_source: HashMap<store_traits::SourceId, usize> = HashMap::new();
    for d in final_drafts.iter().filter(|d| d.parent_draft_id.is_none()) {
        if let Some(id) = d.source_id {
            *per_source.entry(id).or_default() += 1;
        }
    }
    assert_eq!(per_source.len(), 6);
    assert!(per_source.values().all(|n| *n == 1), "{per_source:?}");
    let rss_items = items_of(&s, rss_feed.id).await;
    assert_eq!(rss_items.len(), 4, "four RSS items stored, once each");
    let stone = rss_items
        .iter()
        .find(|i| i.item_key.as_deref() == Some("crumb-2026-03-02-stone"))
        .expect("the new item");
    assert_eq!(
        stone.url.as_deref(),
        Some("https://crumbandcrust.example/2026/03/stone/")
    );
    assert!(
        stone
            .content
            .as_deref()
            .is_some_and(|c| c.contains("Preheat the stone"))
    );

    // Drafts made by the feed are the system's, waiting for a person.
    let audit =
        s.h.store
            .list_audit(&store_traits::AuditQuery::default())
            .await
            .expect("audit");
    assert!(audit.iter().any(|e| e.action == "source.feed_read"));
    // The feed job keeps itself scheduled.
    let filter = JobFilter {
        queue: Some("sources".into()),
        ..JobFilter::default()
    };
    let live = s.h.store.list_jobs(&filter).await.expect("jobs");
    assert!(
        live.iter()
            .any(|j| j.dedup_key.as_deref() == Some(&*format!("feed:{}", atom_feed.id))),
        "the Atom feed's job is still there"
    );
    assert_eq!(trip.accepts(), 0);
}

/// A model that writes summaries (or fails to), and remixes offline.
#[derive(Debug, Default)]
struct SummaryModel {
    fail: bool,
    summary_prompts: Mutex<Vec<String>>,
}

#[async_trait]
impl LlmProvider for SummaryModel {
    fn name(&self) -> &str {
        "summary-stub"
    }

    async fn complete(&self, request: &CompletionRequest) -> Result<Completion, LlmError> {
        let is_summary = request
            .system
            .as_deref()
            .is_some_and(|s| s.contains("short, neutral summaries"));
        if !is_summary {
            return OfflineProvider::new().complete(request).await;
        }
        let user = request
            .messages
            .iter()
            .map(|m| m.content.clone())
            .collect::<Vec<_>>()
            .join("\n");
        self.summary_prompts.lock().expect("lock").push(user);
        if self.fail {
            return Err(LlmError::Transient {
                message: "overloaded".into(),
                source: None,
            });
        }
        Ok(Completion::new(
            "Poke the dough: a slow spring back means bake now.",
            "stub",
            persona_core::Usage::default(),
            persona_core::FinishReason::Stop,
        ))
    }
}

#[tokio::test]
async fn summaries_come_from_the_model_when_the_policy_says_so() {
    let mut config = PipelineConfig::default();
    config.sources.summary = content_pipeline::config::SummaryMode::Provider;
    config.sources.summary_sentences = 2;
    let h = Harness::with_config(config.clone()).await;
    let account = h.connect("crumb").await.account.id;

    let model = Arc::new(SummaryModel::default());
    let pipeline = pipeline_on(
        &h,
        config.clone(),
        Arc::new(ScriptedResolver::default()),
        RemixTemplates::new(),
        model.clone(),
    );
    let source = pipeline
        .add_text_source(account, PROOFING, &editor())
        .await
        .expect("text source");
    assert_eq!(
        source.summary.as_deref(),
        Some("Poke the dough: a slow spring back means bake now.")
    );
    {
        let prompts = model.summary_prompts.lock().expect("lock");
        assert_eq!(prompts.len(), 1);
        // The source goes to the model fenced as data.
        assert!(prompts[0].contains("<<<DATA label=source"));
        assert!(prompts[0].contains("The poke test tells them apart"));
        assert!(prompts[0].contains("at most 2 sentences"));
    }

    // A failing model: the extractive summary is kept.
    let failing = Arc::new(SummaryModel {
        fail: true,
        ..SummaryModel::default()
    });
    let pipeline = pipeline_on(
        &h,
        config,
        Arc::new(ScriptedResolver::default()),
        RemixTemplates::new(),
        failing.clone(),
    );
    let source = pipeline
        .add_text_source(account, MILLING, &editor())
        .await
        .expect("text source");
    assert_eq!(failing.summary_prompts.lock().expect("lock").len(), 1);
    assert_eq!(
        source.summary.as_deref(),
        Some(content_pipeline::sources::extractive_summary(MILLING, 2).as_str())
    );
    assert!(source.summary.as_deref().is_some_and(|s| !s.is_empty()));
}

#[tokio::test]
async fn short_feed_items_can_bring_their_page() {
    let trip = Tripwire::start().await;
    let p = trip.port;
    let rss = format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Crumb</title>
        <item><guid>revival</guid><title>Starter revival</title>
        <link>http://crumb.test:{p}/2026/02/starter-revival/</link>
        <pubDate>Sun, 01 Mar 2026 08:00:00 +0000</pubDate>
        <description>My starter died. Here is how I saved it.</description></item>
        <item><guid>gone</guid><title>A page that is gone</title>
        <link>http://crumb.test:{p}/gone</link>
        <pubDate>Sun, 01 Mar 2026 09:00:00 +0000</pubDate>
        <description>Rye crackers from discard, rolled thin and baked until they snap.</description></item>
        </channel></rss>"#
    );
    let blog = fixture("blog.html");
    let _server = public_server(
        &trip,
        Arc::new(move |path: &str| match path {
            "/feed" => Reply::ok("application/rss+xml", rss.clone()),
            "/2026/02/starter-revival/" => Reply::ok("text/html", blog.clone()),
            _ => Reply::status(404),
        }),
    )
    .await;
    let resolver = Arc::new(ScriptedResolver::default());
    resolver.answer("crumb.test", &[&["127.0.0.2"]]);
    let mut policy = SourcePolicy::default();
    policy.feed_fetch_pages = true;
    let s = sourced(resolver, policy, RemixTemplates::new()).await;
    let feed = s
        .pipeline
        .add_feed(s.account, &format!("http://crumb.test:{p}/feed"), &editor())
        .await
        .expect("feed");
    drain(&s.pipeline).await;
    let items: Vec<_> = s
        .pipeline
        .sources(s.account)
        .await
        .expect("sources")
        .into_iter()
        .filter(|i| i.feed_id == Some(feed.id))
        .collect();
    assert_eq!(items.len(), 2);
    let revival = items
        .iter()
        .find(|i| i.item_key.as_deref() == Some("revival"))
        .expect("revival");
    let content = revival.content.as_deref().expect("content");
    assert!(content.contains("The liquid is called hooch."), "{content}");
    assert_eq!(
        revival.metadata.get("byline").map(String::as_str),
        Some("Priya")
    );
    // The page that is gone keeps the feed's own text.
    let gone = items
        .iter()
        .find(|i| i.item_key.as_deref() == Some("gone"))
        .expect("gone");
    assert_eq!(
        gone.content.as_deref(),
        Some("Rye crackers from discard, rolled thin and baked until they snap.")
    );
    assert_eq!(
        gone.metadata.get("page_error_code").map(String::as_str),
        Some("status")
    );
    let drafts =
        s.h.store
            .list_drafts(&DraftFilter::account(s.account))
            .await
            .expect("drafts");
    assert_eq!(
        drafts
            .iter()
            .filter(|d| d.parent_draft_id.is_none() && d.source_id.is_some())
            .count(),
        2
    );
    assert_eq!(trip.accepts(), 0);
}
