//! Every fault action, reproducibility by seed, and the ledger under faults.

mod common;

use std::time::{Duration, Instant};

use common::{code, env, env_with, subcode};
use threads_emulator::{Emulator, Endpoint, FaultAction, FaultRule, Operation};

fn graph(endpoint: Endpoint, code: i64, subcode: Option<i64>) -> FaultRule {
    FaultRule::always(
        endpoint,
        FaultAction::GraphError {
            code,
            subcode,
            status: None,
            message: None,
        },
    )
}

#[tokio::test]
async fn graph_errors_and_http_statuses() {
    let e = env().await;
    for (c, status, transient) in [
        (1, 500, true),
        (2, 500, true),
        (4, 400, true),
        (17, 400, true),
        (613, 400, true),
        (190, 400, false),
    ] {
        e.admin().set_faults(vec![graph(
            Endpoint::GetProfile,
            c,
            (c == 190).then_some(463),
        )]);
        let (s, v) = e.get("/me", &[]).await;
        assert_eq!((s, code(&v)), (status, c), "{v}");
        assert_eq!(v["error"]["is_transient"], transient, "{c}");
        assert!(v["error"]["fbtrace_id"].is_string());
        if c == 190 {
            assert_eq!(subcode(&v), Some(463));
        }
    }
    e.admin().set_faults(vec![FaultRule::always(
        Endpoint::Any,
        FaultAction::HttpStatus {
            status: 502,
            body: "<html>Bad Gateway</html>".into(),
        },
    )]);
    let res = e.http.get(e.url("/me")).send().await.expect("req");
    assert_eq!(res.status().as_u16(), 502);
    assert_eq!(res.text().await.expect("body"), "<html>Bad Gateway</html>");
    // Status override.
    e.admin().set_faults(vec![FaultRule::always(
        Endpoint::Any,
        FaultAction::GraphError {
            code: 4,
            subcode: None,
            status: Some(429),
            message: Some("slow down".into()),
        },
    )]);
    let (s, v) = e.get("/me", &[]).await;
    assert_eq!((s, code(&v)), (429, 4));
    assert_eq!(v["error"]["message"], "slow down");
    e.admin().clear_faults();
    let (s, _) = e.get("/me", &[]).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn times_probability_and_seed_reproducibility() {
    let e = env().await;
    e.admin().set_faults(vec![
        FaultRule::transient(Endpoint::ListThreads, 2).times(2),
    ]);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(e.get("/me/threads", &[]).await.0);
    }
    assert_eq!(statuses, vec![500, 500, 200, 200]);
    // Other endpoints unaffected by an endpoint-specific rule.
    e.admin()
        .set_faults(vec![FaultRule::transient(Endpoint::ListThreads, 2)]);
    assert_eq!(e.get("/me", &[]).await.0, 200);

    async fn pattern(seed: u64) -> Vec<u16> {
        let e = env_with(Emulator::builder().seed(seed)).await;
        e.admin().set_faults(vec![
            FaultRule::transient(Endpoint::Any, 1).with_probability(0.4),
        ]);
        let mut out = Vec::new();
        for _ in 0..60 {
            out.push(e.get("/me", &[]).await.0);
        }
        out
    }
    let a = pattern(42).await;
    assert_eq!(a, pattern(42).await, "same seed, same faults");
    assert_ne!(a, pattern(43).await);
    let failures = a.iter().filter(|s| **s == 500).count();
    assert!((10..=40).contains(&failures), "{failures}/60 at p=0.4");
    // Reseeding replays the sequence.
    let e2 = env().await;
    e2.admin().set_faults(vec![
        FaultRule::transient(Endpoint::Any, 1).with_probability(0.5),
    ]);
    e2.admin().set_fault_seed(9);
    let mut first = Vec::new();
    for _ in 0..20 {
        first.push(e2.get("/me", &[]).await.0);
    }
    e2.admin().set_fault_seed(9);
    let mut second = Vec::new();
    for _ in 0..20 {
        second.push(e2.get("/me", &[]).await.0);
    }
    assert_eq!(first, second);
}

#[tokio::test]
async fn latency_is_added() {
    let e = env().await;
    e.admin().set_faults(vec![FaultRule::always(
        Endpoint::GetProfile,
        FaultAction::Latency { ms: 120 },
    )]);
    let t = Instant::now();
    let (s, _) = e.get("/me", &[]).await;
    assert_eq!(s, 200);
    assert!(t.elapsed() >= Duration::from_millis(120));
}

#[tokio::test]
async fn committed_but_response_lost() {
    let e = env().await;
    let (_, v) = e
        .post(
            "/me/threads",
            &[("media_type", "TEXT"), ("text", "lost response")],
        )
        .await;
    let cid = v["id"].as_str().expect("id").to_owned();
    e.admin().set_faults(vec![
        FaultRule::always(Endpoint::Publish, FaultAction::CommitThenHang { ms: 5_000 })
            .labelled("hang")
            .times(1),
    ]);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let res = client
        .post(e.url("/me/threads_publish"))
        .form(&[
            ("creation_id", cid.as_str()),
            ("access_token", e.token.as_str()),
        ])
        .send()
        .await;
    assert!(
        res.is_err_and(|err| err.is_timeout()),
        "the client times out"
    );
    // The publish happened: container PUBLISHED, the ledger says so.
    let (_, st) = e.get(&format!("/{cid}"), &[("fields", "status")]).await;
    assert_eq!(st["status"], "PUBLISHED");
    let entry = e
        .admin()
        .ledger()
        .into_iter()
        .rev()
        .find(|l| l.operation == Operation::Publish)
        .expect("entry");
    assert!(entry.succeeded() && entry.response_lost);
    assert_eq!(entry.fault.as_deref(), Some("hang"));
    // A naive retry is rejected (not FINISHED), so no duplicate.
    let (s, v) = e
        .post("/me/threads_publish", &[("creation_id", &cid)])
        .await;
    assert_eq!((s, code(&v)), (400, 24));

    // Cut connection variant.
    let (_, v) = e
        .post("/me/threads", &[("media_type", "TEXT"), ("text", "cut")])
        .await;
    let cid = v["id"].as_str().expect("id").to_owned();
    e.admin().set_faults(vec![FaultRule::always(
        Endpoint::Publish,
        FaultAction::CommitThenDrop,
    )]);
    let res = e
        .http
        .post(e.url("/me/threads_publish"))
        .form(&[
            ("creation_id", cid.as_str()),
            ("access_token", e.token.as_str()),
        ])
        .send()
        .await;
    let failed = match res {
        Err(_) => true,
        Ok(r) => r.json::<serde_json::Value>().await.is_err(),
    };
    assert!(failed, "the response must not arrive intact");
    let (_, st) = e.get(&format!("/{cid}"), &[("fields", "status")]).await;
    assert_eq!(st["status"], "PUBLISHED");
}

#[tokio::test]
async fn container_faults() {
    let e = env().await;
    e.admin().set_faults(vec![
        FaultRule::always(
            Endpoint::CreateContainer,
            FaultAction::StuckInProgress { secs: 600 },
        )
        .times(1),
    ]);
    let (_, v) = e
        .post("/me/threads", &[("media_type", "TEXT"), ("text", "stuck")])
        .await;
    let stuck = v["id"].as_str().expect("id").to_owned();
    let (_, st) = e.get(&format!("/{stuck}"), &[("fields", "status")]).await;
    assert_eq!(st["status"], "IN_PROGRESS");
    e.admin().advance(600);
    let (_, st) = e.get(&format!("/{stuck}"), &[("fields", "status")]).await;
    assert_eq!(st["status"], "FINISHED");

    e.admin().set_faults(vec![FaultRule::always(
        Endpoint::CreateContainer,
        FaultAction::ContainerError {
            error_message: "FAILED_DOWNLOADING_VIDEO".into(),
        },
    )]);
    let (_, v) = e
        .post(
            "/me/threads",
            &[
                ("media_type", "VIDEO"),
                ("video_url", "https://x.example/v.mp4"),
            ],
        )
        .await;
    let bad = v["id"].as_str().expect("id").to_owned();
    let (_, st) = e
        .get(&format!("/{bad}"), &[("fields", "id,status,error_message")])
        .await;
    assert_eq!(st["status"], "ERROR");
    assert_eq!(st["error_message"], "FAILED_DOWNLOADING_VIDEO");
    let (s, v) = e
        .post("/me/threads_publish", &[("creation_id", &bad)])
        .await;
    assert_eq!((s, code(&v)), (400, 24));

    e.admin().set_faults(vec![
        FaultRule::always(Endpoint::Publish, FaultAction::SpuriousNotFound).times(1),
    ]);
    let (s, v) = e
        .post("/me/threads_publish", &[("creation_id", &stuck)])
        .await;
    assert_eq!((s, code(&v), subcode(&v)), (400, 24, Some(4_279_009)));
    let (_, st) = e.get(&format!("/{stuck}"), &[("fields", "status")]).await;
    assert_eq!(st["status"], "FINISHED", "nothing was published");
    let (s, _) = e
        .post("/me/threads_publish", &[("creation_id", &stuck)])
        .await;
    assert_eq!(s, 200);
    // Injected errors on ledger endpoints are recorded too.
    e.admin().set_faults(vec![
        FaultRule::transient(Endpoint::CreateContainer, 2).labelled("flaky"),
    ]);
    let (s, _) = e
        .post("/me/threads", &[("media_type", "TEXT"), ("text", "flaky")])
        .await;
    assert_eq!(s, 500);
    let last = e.admin().ledger().pop().expect("entry");
    assert_eq!(last.operation, Operation::CreateContainer);
    assert_eq!(last.error_code, Some(2));
    assert_eq!(last.fault.as_deref(), Some("flaky"));
    assert_eq!(last.text.as_deref(), Some("flaky"));
    e.admin()
        .set_faults(vec![FaultRule::transient(Endpoint::Publish, 1)]);
    let (s, _) = e
        .post(
            "/me/threads_publish",
            &[("creation_id", "17841400000000999")],
        )
        .await;
    assert_eq!(s, 500);
    let last = e.admin().ledger().pop().expect("entry");
    assert_eq!(last.operation, Operation::Publish);
    assert_eq!(last.target.as_deref(), Some("17841400000000999"));
    assert_eq!(last.user_id.as_deref(), Some(e.user.id.as_str()));
    e.admin().clear_ledger();
    assert!(e.admin().ledger().is_empty());
}

#[tokio::test]
async fn expire_token_fault() {
    let e = env().await;
    e.admin().set_faults(vec![
        FaultRule::always(Endpoint::ListThreads, FaultAction::ExpireToken).times(1),
    ]);
    let (s, v) = e.get("/me/threads", &[]).await;
    assert_eq!((s, code(&v), subcode(&v)), (400, 190, Some(463)));
    assert!(
        v["error"]["message"]
            .as_str()
            .expect("m")
            .contains("Error validating access token")
    );
    let (s, _) = e.get("/me", &[]).await;
    assert_eq!(s, 400, "the token stays expired");
}

#[tokio::test]
async fn a_bare_http_status_fault_is_a_failed_call_in_the_ledger() {
    let e = env().await;
    let (s, v) = e
        .post(
            "/me/threads",
            &[("media_type", "TEXT"), ("text", "behind a proxy")],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let cid = v["id"].as_str().expect("container id").to_owned();
    e.admin().set_faults(vec![
        FaultRule::always(
            Endpoint::Publish,
            FaultAction::HttpStatus {
                status: 502,
                body: "bad gateway".into(),
            },
        )
        .times(1),
    ]);
    let res = e
        .http
        .post(e.url("/me/threads_publish"))
        .form(&[("creation_id", cid.as_str()), ("access_token", &e.token)])
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 502);
    assert_eq!(res.text().await.expect("body"), "bad gateway");
    let failed = e.admin().ledger().pop().expect("entry");
    assert_eq!(failed.operation, Operation::Publish);
    assert_eq!(failed.target.as_deref(), Some(cid.as_str()));
    assert_eq!(
        failed.error_code, None,
        "a bare status carries no Graph code"
    );
    assert_eq!(failed.http_status, Some(502));
    assert!(failed.result_id.is_none());
    assert!(!failed.succeeded(), "nothing was published: {failed:?}");
    // Nothing was committed: the container is still publishable, and that publish succeeds.
    let (s, v) = e
        .post("/me/threads_publish", &[("creation_id", &cid)])
        .await;
    assert_eq!(s, 200, "{v}");
    let ok = e.admin().ledger().pop().expect("entry");
    assert_eq!(ok.http_status, None);
    assert!(ok.succeeded(), "{ok:?}");
    assert_eq!(ok.result_id.as_deref(), v["id"].as_str());
}

#[tokio::test]
async fn graph_error_faults_and_endpoint_errors_record_their_http_status() {
    let e = env().await;
    e.admin().set_faults(vec![
        FaultRule::transient(Endpoint::CreateContainer, 2).times(1),
    ]);
    let (s, _) = e
        .post("/me/threads", &[("media_type", "TEXT"), ("text", "flaky")])
        .await;
    assert_eq!(s, 500);
    let injected = e.admin().ledger().pop().expect("entry");
    assert_eq!(
        (injected.error_code, injected.http_status),
        (Some(2), Some(500))
    );
    assert!(!injected.succeeded());
    // An error from the endpoint itself (publishing an unknown container) is recorded the
    // same way.
    let (s, v) = e
        .post(
            "/me/threads_publish",
            &[("creation_id", "17841400000000999")],
        )
        .await;
    assert_eq!(s, 400, "{v}");
    let refused = e.admin().ledger().pop().expect("entry");
    assert_eq!(refused.operation, Operation::Publish);
    assert_eq!(refused.http_status, Some(400));
    assert_eq!(refused.error_code, Some(code(&v)));
    assert!(!refused.succeeded());
}
