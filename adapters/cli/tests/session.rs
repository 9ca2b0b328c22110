//! A full operator session against the emulator in a temporary data
//! directory: every command is its own process, so what one command does
//! must be visible to the next through the data directory.

mod common;

use common::{Session, draft_id};
use predicates::prelude::*;
use serde_json::Value;

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// Whether `value` holds `key` anywhere.
fn has_key(value: &Value, key: &str) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(k, v)| k == key || has_key(v, key)),
        Value::Array(items) => items.iter().any(|v| has_key(v, key)),
        _ => false,
    }
}

#[test]
fn an_operator_session_from_connect_to_delete() {
    let s = Session::new();

    // connect: the emulator gives consent itself.
    let out = s.ok(&["connect", "--username", "alice"]);
    assert!(out.starts_with("Connected @alice ("), "{out}");
    assert!(out.contains("past posts read for the voice: 5"), "{out}");
    let world = std::fs::read_to_string(s.data_dir().join("emulator.json")).expect("world");
    assert!(
        world.contains("\"alice\""),
        "the emulated user is kept: {world}"
    );

    // draft → approve → publish now.
    let out = s.ok(&["draft", "--tag", "bread", "Fresh sourdough this morning."]);
    let first = draft_id(&out);
    assert!(
        out.contains(&format!("Approve it with: threads approve {first}")),
        "{out}"
    );
    s.threads(&["approve", &first])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "Draft {first} is approved"
        )));
    s.threads(&["publish", &first])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "Draft {first} is published"
        )))
        .stdout(predicate::str::contains(
            "permalink: https://www.threads.com/@alice/post/",
        ));

    // A second draft, scheduled for later.
    let second = draft_id(&s.ok(&["draft", "Rye tomorrow."]));
    s.ok(&["approve", &second]);
    s.threads(&["schedule", &second, "--at", "+2h"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "Draft {second} is scheduled"
        )))
        .stdout(predicate::str::contains("scheduled for "));

    // A generated draft, rejected.
    let third = draft_id(&s.ok(&["draft", "--generate", "--topic", "rye bread"]));
    s.threads(&["reject", &third, "--reason", "off-topic"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "Draft {third} is rejected"
        )));

    // accounts shows the account and its drafts; a new command, a new
    // emulator, the same account.
    s.threads(&["accounts"])
        .assert()
        .success()
        .stdout(predicate::str::contains("@alice"))
        .stdout(predicate::str::contains("active"))
        .stdout(predicate::str::contains("1 published"))
        .stdout(predicate::str::contains("1 scheduled"))
        .stdout(predicate::str::contains("1 rejected"));
    let list: Value = serde_json::from_str(&s.ok(&["accounts", "--json"])).expect("JSON");
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["username"], "alice");
    assert_eq!(list[0]["drafts"]["published"], 1);
    s.threads(&["drafts", "--state", "scheduled"])
        .assert()
        .success()
        .stdout(predicate::str::contains(&second))
        .stdout(predicate::str::contains("Rye tomorrow."))
        .stdout(predicate::str::contains(&first).not());

    // sync reads figures and replies for the post published two commands
    // ago: the emulator recreated it.
    s.threads(&["sync"])
        .assert()
        .success()
        // The post published above is the only one, and already known.
        .stdout(predicate::str::contains(
            "@alice: post history: 1 read, 0 new, 1 known",
        ))
        .stdout(predicate::str::contains(
            "@alice: insights snapshot: account figures",
        ))
        .stdout(predicate::str::contains("1 posts"))
        .stdout(predicate::str::contains(
            "@alice: 0 new replies and mentions",
        ));

    // insights writes a chart: PNG by default, SVG by extension.
    let png = s.path("growth.png");
    s.threads(&["insights", "--out", png.to_str().expect("path")])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "@alice over the last 30 days (UTC):",
        ))
        .stdout(predicate::str::contains("followers: 1500 → 1500"))
        .stdout(predicate::str::contains("Fresh sourdough this morning."))
        .stdout(predicate::str::contains(format!(
            "Chart written to {}",
            png.display()
        )));
    let bytes = std::fs::read(&png).expect("chart file");
    assert_eq!(png_size(&bytes), (1920, 1080), "960 × 540 at scale 2");
    let svg = s.path("audience.svg");
    s.ok(&[
        "insights",
        "--chart",
        "audience",
        "--out",
        svg.to_str().expect("path"),
    ]);
    let text = std::fs::read_to_string(&svg).expect("svg");
    assert!(text.starts_with("<svg"), "{}", &text[..80.min(text.len())]);
    for expected in ["Audience", "Country (", "City (", "Age (", "Gender ("] {
        assert!(text.contains(expected), "{expected} missing");
    }
    // The default chart path is in the data directory.
    s.threads(&[
        "insights",
        "--chart",
        "growth",
        "--scale",
        "1",
        "--no-refresh",
    ])
    .assert()
    .success();
    let default = s.data_dir().join("charts").join("alice-growth.png");
    assert_eq!(
        png_size(&std::fs::read(&default).expect("default chart")),
        (960, 540)
    );

    // The worker runs what is due (nothing: the second post is due in 2 h).
    s.threads(&["worker", "--once"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Worker stopped:"));

    // export writes JSON about the account, without token material.
    let export = s.path("alice.json");
    s.threads(&["export", "--out", export.to_str().expect("path")])
        .assert()
        .success()
        .stderr(predicate::str::contains("Exported @alice to"));
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&export).expect("export")).expect("JSON");
    assert_eq!(doc["account"]["account"]["username"], "alice");
    let drafts = doc["account"]["drafts"].as_array().expect("drafts");
    assert_eq!(drafts.len(), 3);
    assert!(!has_key(&doc, "sealed"), "no sealed token in the export");
    // To standard output without --out.
    let stdout: Value = serde_json::from_str(&s.ok(&["export"])).expect("JSON on stdout");
    assert_eq!(stdout["account"]["account"]["username"], "alice");

    // delete, confirmed by --yes; afterwards nothing is connected.
    s.threads(&["delete", "--yes"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Deleted @alice ("))
        .stdout(predicate::str::contains("Confirmation code: "));
    s.threads(&["accounts"])
        .assert()
        .success()
        .stdout(predicate::str::contains("No account is connected"));
    s.threads(&["drafts"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no account is connected"));
}

#[test]
fn the_sealing_key_is_created_once_and_private() {
    let s = Session::new();
    s.ok(&["connect", "--username", "carol"]);
    let key = s.data_dir().join("sealing.key");
    let before = std::fs::read(&key).expect("key file");
    s.ok(&["accounts"]);
    assert_eq!(
        std::fs::read(&key).expect("key file"),
        before,
        "not regenerated"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A key from the environment that cannot be used is a configuration
    // error that says what a key looks like.
    s.threads(&["accounts"])
        .env("THREADS_SEALING_KEY", "not a key")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "THREADS_SEALING_KEY cannot be used",
        ))
        .stderr(predicate::str::contains("*k1:<32 bytes in base64>"));
}

#[test]
fn a_due_post_is_published_by_the_worker() {
    let s = Session::new();
    s.ok(&["connect", "--username", "dave"]);
    let id = draft_id(&s.ok(&["draft", "Due right away."]));
    s.ok(&["approve", &id]);
    s.threads(&["schedule", &id, "--at", "now"])
        .assert()
        .success()
        .stdout(predicate::str::contains("is scheduled"));
    s.threads(&["worker", "--once"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Worker stopped:"))
        .stdout(predicate::str::contains("0 done").not());
    s.threads(&["drafts", "--state", "published"])
        .assert()
        .success()
        .stdout(predicate::str::contains(&id));
}
